//! JavaScript functions through the Lambda API, natively: the nodejs runtime
//! (runtimes/dist/nodejs.wasm, built by `./x runtimes`) under wasmi, with the
//! code package, DynamoDB through the SDK-shaped modules, create-time syntax
//! errors and snapshot starts.
#![cfg(not(target_arch = "wasm32"))]

use base64::Engine;
use serde_json::{json, Value};
use std::io::Write;
use std::rc::Rc;
use stratus::engine::clock::ManualClock;
use stratus::engine::{Cloud, HttpRequest};

fn zip(files: &[(&str, &str)]) -> String {
    let mut out = std::io::Cursor::new(Vec::new());
    let mut z = zip::ZipWriter::new(&mut out);
    for (name, text) in files {
        z.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
        z.write_all(text.as_bytes()).unwrap();
    }
    z.finish().unwrap();
    base64::engine::general_purpose::STANDARD.encode(out.into_inner())
}

fn send(cloud: &Cloud, r: HttpRequest) -> (u16, Value, Option<String>) {
    let r = pollster::block_on(cloud.handle(r));
    let log = r.header("X-Amz-Log-Result").map(|l| String::from_utf8(base64::engine::general_purpose::STANDARD.decode(l).unwrap()).unwrap());
    (r.status, serde_json::from_slice(&r.body).unwrap_or(Value::Null), log)
}

fn create(cloud: &Cloud, name: &str, files: &[(&str, &str)]) -> (u16, Value) {
    let body = json!({
        "FunctionName": name, "Runtime": "nodejs22.x", "Role": "arn:aws:iam::000000000000:role/r",
        "Handler": "index.handler", "Code": {"ZipFile": zip(files)},
    });
    let (s, v, _) = send(cloud, HttpRequest::new("POST", "/_aws/lambda/2015-03-31/functions").with_body(body.to_string()));
    (s, v)
}

fn invoke(cloud: &Cloud, name: &str, event: Value) -> (Value, String) {
    let (s, v, log) = send(
        cloud,
        HttpRequest::new("POST", &format!("/_aws/lambda/2015-03-31/functions/{name}/invocations"))
            .with_header("X-Amz-Log-Type", "Tail")
            .with_body(event.to_string()),
    );
    assert_eq!(s, 200, "{v}");
    (v, log.unwrap_or_default())
}

#[test]
fn javascript_handlers_run_through_the_lambda_api() {
    if !std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/runtimes/dist/nodejs.wasm")).exists() {
        panic!("runtimes/dist/nodejs.wasm is missing: build it with `./x runtimes` (./x test does)");
    }
    let clock = Rc::new(ManualClock::new(1_700_000_000_000));
    let cloud = Cloud::new(clock.clone());
    cloud.dynamodb().settings.table_status_delay_ms = 0;
    let table = json!({
        "TableName": "Notes", "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
    });
    let r = pollster::block_on(cloud.handle(
        HttpRequest::new("POST", "/_aws/dynamodb/").with_header("x-amz-target", "DynamoDB_20120810.CreateTable").with_body(table.to_string()),
    ));
    assert_eq!(r.status, 200);

    // The AWS hello handler, and a handler that writes and reads DynamoDB as the guides do.
    let source = r#"
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, PutCommand, GetCommand } from "@aws-sdk/lib-dynamodb";
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));
export const handler = async (event, context) => {
  console.log("saving", event.id);
  await doc.send(new PutCommand({ TableName: "Notes", Item: { id: event.id, text: event.text, n: 3 } }));
  const { Item } = await doc.send(new GetCommand({ TableName: "Notes", Key: { id: event.id } }));
  return { statusCode: 200, item: Item, fn: context.functionName };
};
"#;
    let (s, v) = create(&cloud, "notes", &[("index.mjs", source)]);
    assert_eq!(s, 201, "{v}");
    let (body, log) = invoke(&cloud, "notes", json!({"id": "a", "text": "hello"}));
    assert_eq!(body, json!({"statusCode": 200, "item": {"id": "a", "text": "hello", "n": 3}, "fn": "notes"}), "{log}");
    assert!(log.contains("\tINFO\tsaving a"), "{log}");
    assert!(log.contains("Init Duration"), "{log}");
    // A thrown error is Lambda's error shape.
    let (s, _) = create(&cloud, "fails", &[("index.js", "exports.handler = async () => { throw new TypeError('bad input'); };")]);
    assert_eq!(s, 201);
    let (body, _) = invoke(&cloud, "fails", json!({}));
    assert_eq!((body["errorType"].as_str(), body["errorMessage"].as_str()), (Some("TypeError"), Some("bad input")), "{body}");
    // A syntax error is refused at create time, with its line.
    let (s, v) = create(&cloud, "broken", &[("index.mjs", "export const handler = async () => {\n  return 1 +;\n};")]);
    assert_eq!(s, 400, "{v}");
    assert!(v["Message"].as_str().unwrap().starts_with("Runtime.UserCodeSyntaxError"), "{v}");
    // GetFunction's Code.Location serves the deployed files as a zip.
    let (s, v, _) = send(&cloud, HttpRequest::new("GET", "/_aws/lambda/2015-03-31/functions/notes"));
    assert_eq!(s, 200);
    let location = v["Code"]["Location"].as_str().unwrap();
    let r = pollster::block_on(cloud.handle(HttpRequest::new("GET", &format!("/{location}"))));
    assert_eq!((r.status, r.header("content-type")), (200, Some("application/zip")));
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(r.body)).unwrap();
    assert_eq!(archive.len(), 1);
    let mut text = String::new();
    std::io::Read::read_to_string(&mut archive.by_name("index.mjs").unwrap(), &mut text).unwrap();
    assert_eq!(text, source);
    // A new Handler (UpdateFunctionConfiguration) is what the next start runs.
    let (s, _) = create(&cloud, "two", &[("index.mjs", "export const handler = async () => 'one';\nexport const other = async () => 'two';\n")]);
    assert_eq!(s, 201);
    assert_eq!(invoke(&cloud, "two", json!({})).0, json!("one"));
    let body = json!({"Handler": "index.other", "Runtime": "nodejs20.x"});
    let (s, v, _) = send(&cloud, HttpRequest::new("PUT", "/_aws/lambda/2015-03-31/functions/two/configuration").with_body(body.to_string()));
    assert_eq!(s, 200, "{v}");
    assert_eq!(invoke(&cloud, "two", json!({})).0, json!("two"));
    // After the environment went idle, a cold start comes from the snapshot.
    clock.advance_ms(10 * 60 * 1000);
    let (body, log) = invoke(&cloud, "notes", json!({"id": "b", "text": "again"}));
    assert_eq!(body["item"]["text"], "again", "{log}");
    assert!(log.contains("Init Duration"), "{log}");
}
