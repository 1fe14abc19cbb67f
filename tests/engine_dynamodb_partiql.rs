//! PartiQL through `Cloud::handle`: ExecuteStatement, BatchExecuteStatement,
//! ExecuteTransaction.
#![cfg(not(target_arch = "wasm32"))]

use serde_json::{json, Value};
use std::rc::Rc;
use stratus::engine::clock::ManualClock;
use stratus::engine::dynamodb::partiql;
use stratus::engine::dynamodb::value::AttributeValue;
use stratus::engine::{Cloud, HttpRequest};

fn call(cloud: &Cloud, op: &str, body: Value) -> (u16, Value) {
    let http = HttpRequest::new("POST", "/_aws/dynamodb/")
        .with_header("X-Amz-Target", &format!("DynamoDB_20120810.{op}"))
        .with_header("Content-Type", "application/x-amz-json-1.0")
        .with_body(body.to_string());
    let r = pollster::block_on(cloud.handle(http));
    (r.status, serde_json::from_slice(&r.body).unwrap_or(Value::Null))
}

fn ok(cloud: &Cloud, op: &str, body: Value) -> Value {
    let (status, out) = call(cloud, op, body);
    assert_eq!(status, 200, "{out}");
    out
}

fn exec(cloud: &Cloud, statement: &str) -> (u16, Value) {
    call(cloud, "ExecuteStatement", json!({ "Statement": statement }))
}

fn fails(cloud: &Cloud, statement: &str) -> (String, String) {
    let (status, out) = exec(cloud, statement);
    assert_eq!(status, 400, "{statement}: {out}");
    let t = out["__type"].as_str().unwrap().rsplit('#').next().unwrap().to_string();
    (t, out["message"].as_str().unwrap_or("").to_string())
}

/// Music (Artist S, SongTitle S) with a GSI on Genre, and Counters (id S).
fn cloud() -> std::rc::Rc<Cloud> {
    let cloud = Cloud::new(Rc::new(ManualClock::new(1_700_000_000_000)));
    ok(
        &cloud,
        "CreateTable",
        json!({"TableName": "Music",
               "AttributeDefinitions": [{"AttributeName": "Artist", "AttributeType": "S"}, {"AttributeName": "SongTitle", "AttributeType": "S"}, {"AttributeName": "Genre", "AttributeType": "S"}],
               "KeySchema": [{"AttributeName": "Artist", "KeyType": "HASH"}, {"AttributeName": "SongTitle", "KeyType": "RANGE"}],
               "GlobalSecondaryIndexes": [{"IndexName": "ByGenre", "KeySchema": [{"AttributeName": "Genre", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}}],
               "BillingMode": "PAY_PER_REQUEST"}),
    );
    ok(
        &cloud,
        "CreateTable",
        json!({"TableName": "Counters", "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
               "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}], "BillingMode": "PAY_PER_REQUEST"}),
    );
    for (artist, song, genre, year) in [
        ("Acme", "Alpha", "Rock", 1999),
        ("Acme", "Beta", "Pop", 2001),
        ("Acme", "Gamma", "Rock", 2005),
        ("Zed", "Omega", "Jazz", 1970),
    ] {
        let (status, out) = exec(
            &cloud,
            &format!("INSERT INTO \"Music\" VALUE {{'Artist': '{artist}', 'SongTitle': '{song}', 'Genre': '{genre}', 'Year': {year}}}"),
        );
        assert_eq!(status, 200, "{out}");
        assert_eq!(out, json!({"Items": []}));
    }
    cloud
}

fn titles(out: &Value) -> Vec<String> {
    out["Items"].as_array().unwrap().iter().map(|i| i["SongTitle"]["S"].as_str().unwrap_or("?").to_string()).collect()
}

#[test]
fn select_by_full_key_is_a_get() {
    let c = cloud();
    let (_, out) = exec(&c, "SELECT * FROM \"Music\" WHERE Artist = 'Acme' AND SongTitle = 'Beta'");
    assert_eq!(
        out,
        json!({"Items": [{"Artist": {"S": "Acme"}, "SongTitle": {"S": "Beta"}, "Genre": {"S": "Pop"}, "Year": {"N": "2001"}}]})
    );
    let (_, out) = exec(&c, "select * from Music where SongTitle = 'Nope' and Artist = 'Acme'");
    assert_eq!(out, json!({"Items": []}));
}

#[test]
fn select_query_scan_and_projection() {
    let c = cloud();
    let (_, out) = exec(&c, "SELECT * FROM \"Music\" WHERE \"Artist\" = 'Acme'");
    assert_eq!(titles(&out), ["Alpha", "Beta", "Gamma"]);
    let (_, out) = exec(&c, "SELECT SongTitle FROM Music WHERE Artist = 'Acme' AND SongTitle > 'Alpha' AND Year < 2005");
    assert_eq!(out, json!({"Items": [{"SongTitle": {"S": "Beta"}}]}));
    let (_, out) = exec(&c, "SELECT * FROM Music WHERE Artist = 'Acme' AND begins_with(SongTitle, 'G')");
    assert_eq!(titles(&out), ["Gamma"]);
    let (_, out) = exec(&c, "SELECT * FROM Music WHERE Artist = 'Acme' AND SongTitle BETWEEN 'B' AND 'H'");
    assert_eq!(titles(&out), ["Beta", "Gamma"]);
    // No key equality: a scan with the filter.
    let (_, out) = exec(&c, "SELECT Artist, SongTitle FROM Music WHERE Year >= 1999 AND Genre IN ['Rock', 'Jazz']");
    let mut t = titles(&out);
    t.sort();
    assert_eq!(t, ["Alpha", "Gamma"]);
    let (_, out) = exec(&c, "SELECT * FROM Music");
    assert_eq!(out["Items"].as_array().unwrap().len(), 4);
    let (_, out) = exec(&c, "SELECT * FROM Music WHERE Year IS MISSING OR NOT (Year > 1980)");
    assert_eq!(titles(&out), ["Omega"]);
    // An index.
    let (_, out) = exec(&c, "SELECT SongTitle FROM \"Music\".\"ByGenre\" WHERE Genre = 'Rock'");
    let mut t = titles(&out);
    t.sort();
    assert_eq!(t, ["Alpha", "Gamma"]);
}

#[test]
fn parameters_and_literals() {
    let c = cloud();
    let (status, out) = call(
        &c,
        "ExecuteStatement",
        json!({"Statement": "SELECT * FROM Music WHERE Artist = ? AND SongTitle = ?", "Parameters": [{"S": "Zed"}, {"S": "Omega"}]}),
    );
    assert_eq!(status, 200);
    assert_eq!(titles(&out), ["Omega"]);
    let (_, out) = call(&c, "ExecuteStatement", json!({"Statement": "SELECT * FROM Music WHERE Artist = ?", "Parameters": []}));
    assert!(out["message"].as_str().unwrap().contains("'parameters' failed to satisfy constraint"), "{out}");
    let (status, out) = call(&c, "ExecuteStatement", json!({"Statement": "SELECT * FROM Music WHERE Artist = ?"}));
    assert_eq!(status, 400);
    assert_eq!(out["message"], "Number of parameters in request and statement don't match.");

    ok(
        &c,
        "ExecuteStatement",
        json!({"Statement": "INSERT INTO Counters VALUE {'id': 'all', 'ss': <<'a', 'b'>>, 'ns': <<1, 2.5>>, 'l': [1, 'x', true, null, [2]], 'm': {'k': {'n': -3e2}}, 'b': ?}",
               "Parameters": [{"B": "AAEC"}]}),
    );
    let (_, out) = exec(&c, "SELECT * FROM Counters WHERE id = 'all'");
    assert_eq!(
        out["Items"][0],
        json!({"id": {"S": "all"}, "ss": {"SS": ["a", "b"]}, "ns": {"NS": ["1", "2.5"]},
               "l": {"L": [{"N": "1"}, {"S": "x"}, {"BOOL": true}, {"NULL": true}, {"L": [{"N": "2"}]}]},
               "m": {"M": {"k": {"M": {"n": {"N": "-300"}}}}}, "b": {"B": "AAEC"}})
    );
    let (_, out) = exec(&c, "SELECT m.k.n, l[1], 'x' FROM Counters WHERE id = 'all'");
    assert!(out["message"].as_str().unwrap_or("").starts_with("Statement wasn't well formed"), "{out}");
    let (_, out) = exec(&c, "SELECT m.k.n, l[1] FROM Counters WHERE id = 'all'");
    assert_eq!(out["Items"][0], json!({"m": {"M": {"k": {"M": {"n": {"N": "-300"}}}}}, "l": {"L": [{"S": "x"}]}}));
    let (_, out) = exec(&c, "SELECT id FROM Counters WHERE contains(ss, 'b') AND size(l) = 5");
    assert_eq!(out["Items"], json!([{"id": {"S": "all"}}]));
}

#[test]
fn insert_duplicate_and_missing_table() {
    let c = cloud();
    let (t, m) = fails(&c, "INSERT INTO Music VALUE {'Artist': 'Acme', 'SongTitle': 'Alpha'}");
    assert_eq!((t.as_str(), m.as_str()), ("DuplicateItemException", "Duplicate primary key exists in table"));
    let (t, _) = fails(&c, "INSERT INTO Nowhere VALUE {'a': 'b'}");
    assert_eq!(t, "ResourceNotFoundException");
    let (t, _) = fails(&c, "SELECT * FROM Nowhere");
    assert_eq!(t, "ResourceNotFoundException");
    let (t, m) = fails(&c, "INSERT INTO Music VALUE {'Artist': 'Acme'}");
    assert_eq!(t, "ValidationException");
    assert!(m.contains("Missing the key SongTitle"), "{m}");
}

#[test]
fn update_and_delete() {
    let c = cloud();
    exec(&c, "INSERT INTO Counters VALUE {'id': 'c', 'n': 1, 'tags': <<'a'>>, 'old': 'x'}");
    let (status, out) = exec(
        &c,
        "UPDATE Counters SET n = n + 5 SET tags = set_add(tags, <<'b'>>), l = list_append(if_not_exists(l, []), [1]) REMOVE old WHERE id = 'c' RETURNING ALL NEW *",
    );
    assert_eq!(status, 200, "{out}");
    assert_eq!(
        out,
        json!({"Items": [{"id": {"S": "c"}, "n": {"N": "6"}, "tags": {"SS": ["a", "b"]}, "l": {"L": [{"N": "1"}]}}]})
    );
    // The WHERE condition beyond the key is a condition.
    let (t, m) = fails(&c, "UPDATE Counters SET n = 0 WHERE id = 'c' AND n > 100");
    assert_eq!((t.as_str(), m.as_str()), ("ConditionalCheckFailedException", "The conditional request failed"));
    // UPDATE does not create items.
    let (t, _) = fails(&c, "UPDATE Counters SET n = 0 WHERE id = 'nobody'");
    assert_eq!(t, "ConditionalCheckFailedException");
    let (t, m) = fails(&c, "UPDATE Counters SET n = 0 WHERE n = 6");
    assert_eq!(t, "ValidationException");
    assert_eq!(m, "Where clause does not contain a mandatory equality on all key attributes");
    let (_, m) = fails(&c, "DELETE FROM Music WHERE Artist = 'Acme'");
    assert_eq!(m, "Where clause does not contain a mandatory equality on all key attributes");
    let (_, m) = fails(&c, "UPDATE Counters SET id = 'x' WHERE id = 'c'");
    assert!(m.contains("This attribute is part of the key"), "{m}");
    let (t, _) = fails(&c, "DELETE FROM Counters WHERE id = 'c' AND n = 1");
    assert_eq!(t, "ConditionalCheckFailedException");
    let (status, out) = exec(&c, "DELETE FROM Counters WHERE id = 'c' RETURNING ALL OLD *");
    assert_eq!(status, 200);
    assert_eq!(out["Items"][0]["n"], json!({"N": "6"}));
    let (_, out) = exec(&c, "SELECT * FROM Counters WHERE id = 'c'");
    assert_eq!(out, json!({"Items": []}));
    // Deleting a missing item is not an error.
    assert_eq!(exec(&c, "DELETE FROM Counters WHERE id = 'c'").0, 200);
}

#[test]
fn failure_returns_old_item_when_asked() {
    let c = cloud();
    exec(&c, "INSERT INTO Counters VALUE {'id': 'c', 'n': 1}");
    let (status, out) = call(
        &c,
        "ExecuteStatement",
        json!({"Statement": "UPDATE Counters SET n = 2 WHERE id = 'c' AND n = 5", "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}),
    );
    assert_eq!(status, 400);
    assert_eq!(out["Item"], json!({"id": {"S": "c"}, "n": {"N": "1"}}));
}

#[test]
fn paging_with_limit_and_next_token() {
    let c = cloud();
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..10 {
        let mut body = json!({"Statement": "SELECT SongTitle FROM Music WHERE Artist = 'Acme'", "Limit": 2, "ReturnConsumedCapacity": "TOTAL"});
        if let Some(t) = &token {
            body["NextToken"] = json!(t);
        }
        let out = ok(&c, "ExecuteStatement", body);
        assert_eq!(out["ConsumedCapacity"]["TableName"], "Music");
        seen.extend(titles(&out));
        token = out["NextToken"].as_str().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(seen, ["Alpha", "Beta", "Gamma"]);
    let (status, out) = call(&c, "ExecuteStatement", json!({"Statement": "SELECT * FROM Music", "NextToken": "garbage!"}));
    assert_eq!(status, 400, "{out}");
}

#[test]
fn syntax_errors() {
    let c = cloud();
    for bad in [
        "SELEC * FROM Music",
        "SELECT * FROM",
        "SELECT * FROM Music WHERE",
        "SELECT * FROM Music WHERE Artist = 'unterminated",
        "INSERT INTO Music VALUE 'x'",
        "UPDATE Music WHERE Artist = 'a'",
        "DELETE Music WHERE Artist = 'a'",
        "SELECT * FROM Music extra",
        "SELECT * FROM Music WHERE a = <<'a', 1>>",
        "SELECT * FROM Music WHERE a == 1",
        "SELECT * FROM Music WHERE a = #",
    ] {
        let (t, m) = fails(&c, bad);
        assert_eq!(t, "ValidationException", "{bad}");
        assert!(m.starts_with("Statement wasn't well formed, can't be processed: "), "{bad}: {m}");
    }
    let (status, out) = call(&c, "ExecuteStatement", json!({}));
    assert_eq!(status, 400);
    assert_eq!(out["message"], "1 validation error detected: Value null at 'statement' failed to satisfy constraint: Member must not be null");
}

#[test]
fn batch_execute_statement() {
    let c = cloud();
    let out = ok(
        &c,
        "BatchExecuteStatement",
        json!({"Statements": [
            {"Statement": "SELECT * FROM Music WHERE Artist = ? AND SongTitle = ?", "Parameters": [{"S": "Acme"}, {"S": "Alpha"}]},
            {"Statement": "SELECT * FROM Music WHERE Artist = 'Nobody' AND SongTitle = 'x'"},
            {"Statement": "SELECT * FROM Music WHERE Artist = 'Acme'"},
            {"Statement": "SELECT * FROM Music WHERE"}
        ]}),
    );
    let r = out["Responses"].as_array().unwrap();
    assert_eq!(r.len(), 4);
    assert_eq!(r[0]["TableName"], "Music");
    assert_eq!(r[0]["Item"]["Genre"], json!({"S": "Rock"}));
    assert_eq!(r[1], json!({"TableName": "Music"}));
    assert_eq!(r[2]["Error"]["Code"], "ValidationError");
    assert_eq!(r[3]["Error"]["Code"], "ValidationError");

    let out = ok(
        &c,
        "BatchExecuteStatement",
        json!({"Statements": [
            {"Statement": "INSERT INTO Counters VALUE {'id': 'a'}"},
            {"Statement": "INSERT INTO Music VALUE {'Artist': 'Acme', 'SongTitle': 'Alpha'}"},
            {"Statement": "UPDATE Counters SET n = 1 WHERE id = 'zz'"}
        ]}),
    );
    let r = out["Responses"].as_array().unwrap();
    assert_eq!(r[0], json!({"TableName": "Counters"}));
    assert_eq!(r[1]["Error"], json!({"Code": "DuplicateItem", "Message": "Duplicate primary key exists in table"}));
    assert_eq!(r[2]["Error"]["Code"], "ConditionalCheckFailed");

    let many: Vec<Value> = (0..26).map(|_| json!({"Statement": "SELECT * FROM Counters WHERE id = 'a'"})).collect();
    let (status, out) = call(&c, "BatchExecuteStatement", json!({ "Statements": many }));
    assert_eq!(status, 400);
    assert!(out["message"].as_str().unwrap().contains("Member must have length less than or equal to 25"));
}

#[test]
fn execute_transaction() {
    let c = cloud();
    let out = ok(
        &c,
        "ExecuteTransaction",
        json!({"TransactStatements": [
            {"Statement": "INSERT INTO Counters VALUE {'id': 't1', 'n': 1}"},
            {"Statement": "UPDATE Music SET Plays = 1 WHERE Artist = 'Acme' AND SongTitle = 'Alpha'"},
            {"Statement": "DELETE FROM Music WHERE Artist = 'Zed' AND SongTitle = 'Omega'"}
        ], "ClientRequestToken": "tok-1"}),
    );
    assert_eq!(out, json!({}));
    let out = ok(
        &c,
        "ExecuteTransaction",
        json!({"TransactStatements": [
            {"Statement": "SELECT * FROM Counters WHERE id = 't1'"},
            {"Statement": "SELECT Plays FROM Music WHERE Artist = 'Acme' AND SongTitle = 'Alpha'"},
            {"Statement": "SELECT * FROM Music WHERE Artist = 'Zed' AND SongTitle = 'Omega'"}
        ]}),
    );
    assert_eq!(
        out,
        json!({"Responses": [{"Item": {"id": {"S": "t1"}, "n": {"N": "1"}}}, {"Item": {"Plays": {"N": "1"}}}, {}]})
    );
    // A duplicate insert cancels the whole transaction.
    let (status, out) = call(
        &c,
        "ExecuteTransaction",
        json!({"TransactStatements": [
            {"Statement": "UPDATE Music SET Plays = 2 WHERE Artist = 'Acme' AND SongTitle = 'Alpha'"},
            {"Statement": "INSERT INTO Counters VALUE {'id': 't1'}"}
        ]}),
    );
    assert_eq!(status, 400);
    assert_eq!(out["__type"], "com.amazonaws.dynamodb.v20120810#TransactionCanceledException");
    assert_eq!(out["CancellationReasons"][1]["Code"], "DuplicateItem");
    assert_eq!(out["Message"], "Transaction cancelled, please refer cancellation reasons for specific reasons [None, DuplicateItem]");
    let (_, out) = exec(&c, "SELECT Plays FROM Music WHERE Artist = 'Acme' AND SongTitle = 'Alpha'");
    assert_eq!(out["Items"][0]["Plays"], json!({"N": "1"}));
    // Reads and writes do not mix.
    let (status, _) = call(
        &c,
        "ExecuteTransaction",
        json!({"TransactStatements": [
            {"Statement": "SELECT * FROM Counters WHERE id = 't1'"},
            {"Statement": "DELETE FROM Counters WHERE id = 't1'"}
        ]}),
    );
    assert_eq!(status, 400);
}

/// A small deterministic generator (no dependency).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[(self.next() % from.len() as u64) as usize]
    }
}

#[test]
fn parser_never_panics_on_random_input() {
    let pieces = [
        "SELECT", "INSERT", "INTO", "UPDATE", "DELETE", "FROM", "WHERE", "SET", "REMOVE", "VALUE", "AND", "OR", "NOT", "IN",
        "BETWEEN", "IS", "MISSING", "RETURNING", "ALL", "OLD", "NEW", "*", "\"Music\"", "Counters", "a", "b.c", "d[0]", "'s'",
        "1", "-2.5e3", "?", "(", ")", "[", "]", "{", "}", "<<", ">>", ",", ".", ":", "=", "<>", "<", ">=", "+", "-",
        "size(a)", "begins_with(", "contains(", "list_append(", "set_add(", "'", "\"", "é", "\u{0}", "9999999999999999999999",
        "[99999999999999999999]", "true", "null",
    ];
    let params = [AttributeValue::S("x".into()), AttributeValue::N(stratus::engine::dynamodb::Number::from_i64(1))];
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    for _ in 0..20_000 {
        let n = (rng.next() % 16) as usize;
        let text: Vec<&str> = (0..n).map(|_| rng.pick(&pieces)).collect();
        let sep = if rng.next().is_multiple_of(3) { "" } else { " " };
        let text = text.join(sep);
        let used = (rng.next() % 3) as usize;
        let _ = partiql::parse(&text, &params[..used.min(params.len())]);
    }
    // Deep nesting is refused, not a stack overflow.
    let deep = format!("SELECT * FROM t WHERE {}a = 1{}", "(".repeat(100_000), ")".repeat(100_000));
    assert!(partiql::parse(&deep, &[]).is_err());
    let nots = format!("SELECT * FROM t WHERE {} a = 1", "NOT ".repeat(100_000));
    assert!(partiql::parse(&nots, &[]).is_err());
    let lists = format!("INSERT INTO t VALUE {{'a': {}1{}}}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(partiql::parse(&lists, &[]).is_err());
}

#[test]
fn random_statements_through_the_engine_never_panic() {
    let c = cloud();
    let pieces = [
        "SELECT", "*", "FROM", "Music", "Counters", "WHERE", "Artist", "=", "'Acme'", "AND", "SongTitle", "<", "'B'", "OR",
        "Year", ">", "2000", "INSERT", "INTO", "VALUE", "{'id': 'r'}", "UPDATE", "SET", "n", "1", "DELETE", "id", "'r'",
        "REMOVE", "\"Music\".\"ByGenre\"", "Genre", "'Rock'",
    ];
    let mut rng = Rng(42);
    for _ in 0..2_000 {
        let n = 1 + (rng.next() % 12) as usize;
        let text: Vec<&str> = (0..n).map(|_| rng.pick(&pieces)).collect();
        let (status, _) = exec(&c, &text.join(" "));
        assert!(status == 200 || status == 400);
    }
}
