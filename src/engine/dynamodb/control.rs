//! The control plane: CreateTable, DescribeTable, ListTables, UpdateTable,
//! DeleteTable, tags, time to live settings, DescribeLimits, DescribeEndpoints.

use super::capacity::Bucket;
use super::error::{DynamoError, ErrorCode, Result};
use super::request::{billing_mode, table_name_from, Req, Violations};
use super::table::{Index, KeyAttr, KeySchema, Projection, Storage, Throughput};
use super::value::ScalarType;
use super::{BillingMode, DynamoDb, Table};
use crate::engine::REGION;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// DynamoDB's default quotas.
pub const MAX_GSIS: usize = 20;
pub const MAX_LSIS: usize = 5;
pub const MAX_TAGS: usize = 50;
pub const TABLE_MAX_CAPACITY: i64 = 40_000;

fn seconds(ms: u64) -> Value {
    json!(ms as f64 / 1000.0)
}

/// Parses `KeySchema` against the attribute definitions; `path` is the
/// Coral path for messages (`keySchema`, `globalSecondaryIndexes.1.member.keySchema`).
fn parse_key_schema(
    list: Option<&Vec<Value>>,
    path: &str,
    definitions: &BTreeMap<String, ScalarType>,
    v: &mut Violations,
) -> Result<Option<Vec<(String, String)>>> {
    let Some(list) = list else {
        v.required(false, path);
        return Ok(None);
    };
    let mut out = Vec::new();
    for (i, element) in list.iter().enumerate() {
        let e = element.as_object().ok_or_else(|| DynamoError::serialization("Unexpected value type for 'KeySchema'"))?;
        let r = Req::new(e);
        let name = r.str("AttributeName")?;
        let key_type = r.str("KeyType")?;
        let at = format!("{path}.{}.member", i + 1);
        match name {
            None => v.required(false, &format!("{at}.attributeName")),
            Some(n) if n.is_empty() || n.len() > 255 => v.add(
                Some(n),
                &format!("{at}.attributeName"),
                "Member must have length between 1 and 255",
            ),
            _ => {}
        }
        match key_type {
            None => v.required(false, &format!("{at}.keyType")),
            Some("HASH") | Some("RANGE") => {}
            Some(other) => v.add(Some(other), &format!("{at}.keyType"), "Member must satisfy enum value set: [HASH, RANGE]"),
        }
        out.push((name.unwrap_or("").to_string(), key_type.unwrap_or("").to_string()));
    }
    if list.is_empty() {
        v.add(Some("[]"), path, "Member must have length greater than or equal to 1");
    }
    if list.len() > 2 {
        v.add(Some("[...]"), path, "Member must have length less than or equal to 2");
    }
    let _ = definitions;
    Ok(Some(out))
}

/// Turns validated `(name, keyType)` pairs into a schema, with DynamoDB's checks.
fn build_schema(pairs: &[(String, String)], definitions: &BTreeMap<String, ScalarType>) -> Result<KeySchema> {
    let first = &pairs[0];
    if first.1 != "HASH" {
        return Err(DynamoError::validation("Invalid KeySchema: The first KeySchemaElement is not a HASH key type"));
    }
    if let Some(second) = pairs.get(1) {
        if second.1 != "RANGE" {
            return Err(DynamoError::validation("Invalid KeySchema: The second KeySchemaElement is not a RANGE key type"));
        }
        if second.0 == first.0 {
            return Err(DynamoError::validation(
                "Both the Hash Key and the Range Key element in the KeySchema have the same name",
            ));
        }
    }
    let attr = |name: &str| -> Result<KeyAttr> {
        let ty = definitions.get(name).copied().ok_or_else(|| {
            let defined: Vec<&str> = definitions.keys().map(String::as_str).collect();
            DynamoError::validation(format!(
                "One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [{name}], AttributeDefinitions: [{}]",
                defined.join(", ")
            ))
        })?;
        Ok(KeyAttr { name: name.to_string(), ty })
    };
    Ok(KeySchema { hash: attr(&first.0)?, range: pairs.get(1).map(|p| attr(&p.0)).transpose()? })
}

fn parse_throughput(obj: Option<&Map<String, Value>>, path: &str, v: &mut Violations) -> Result<Option<Throughput>> {
    let Some(obj) = obj else { return Ok(None) };
    let r = Req::new(obj);
    let read = r.i64("ReadCapacityUnits")?;
    let write = r.i64("WriteCapacityUnits")?;
    for (value, field) in [(read, "readCapacityUnits"), (write, "writeCapacityUnits")] {
        match value {
            None => v.required(false, &format!("{path}.{field}")),
            Some(n) if n < 1 => v.add(
                Some(&n.to_string()),
                &format!("{path}.{field}"),
                "Member must have value greater than or equal to 1",
            ),
            _ => {}
        }
    }
    Ok(Some(Throughput { read: read.unwrap_or(1).max(1) as u64, write: write.unwrap_or(1).max(1) as u64 }))
}

fn check_capacity_limits(t: &Throughput) -> Result<()> {
    if t.read as i64 > TABLE_MAX_CAPACITY || t.write as i64 > TABLE_MAX_CAPACITY {
        return Err(DynamoError::new(
            ErrorCode::LimitExceeded,
            format!(
                "Subscriber limit exceeded: Provisioned throughput for a table or index cannot exceed {TABLE_MAX_CAPACITY} per table or index"
            ),
        ));
    }
    Ok(())
}

fn parse_projection(obj: Option<&Map<String, Value>>, path: &str, v: &mut Violations) -> Result<Projection> {
    let Some(obj) = obj else {
        v.required(false, path);
        return Ok(Projection::All);
    };
    let r = Req::new(obj);
    let non_key: Option<Vec<String>> = r
        .array("NonKeyAttributes")?
        .map(|a| a.iter().map(|x| x.as_str().unwrap_or("").to_string()).collect());
    let kind = r.str("ProjectionType")?;
    match (kind, non_key) {
        (Some("INCLUDE"), Some(names)) => {
            if names.is_empty() {
                v.add(Some("[]"), &format!("{path}.nonKeyAttributes"), "Member must have length greater than or equal to 1");
            }
            Ok(Projection::Include(names))
        }
        (Some("INCLUDE"), None) => Err(DynamoError::validation(
            "One or more parameter values were invalid: ProjectionType is INCLUDE, but NonKeyAttributes is not specified",
        )),
        (Some(k @ ("ALL" | "KEYS_ONLY")), Some(_)) => Err(DynamoError::validation(format!(
            "One or more parameter values were invalid: ProjectionType is {k}, but NonKeyAttributes is specified"
        ))),
        (Some("ALL"), None) | (None, None) => Ok(Projection::All),
        (Some("KEYS_ONLY"), None) => Ok(Projection::KeysOnly),
        (None, Some(_)) => Ok(Projection::All),
        (Some(other), _) => {
            v.add(Some(other), &format!("{path}.projectionType"), "Member must satisfy enum value set: [ALL, INCLUDE, KEYS_ONLY]");
            Ok(Projection::All)
        }
    }
}

/// A secondary index definition as CreateTable and UpdateTable take it.
struct IndexSpec {
    name: String,
    key: Vec<(String, String)>,
    projection: Projection,
    throughput: Option<Throughput>,
}

fn parse_index_specs(list: Option<&Vec<Value>>, path: &str, defs: &BTreeMap<String, ScalarType>, v: &mut Violations) -> Result<Vec<IndexSpec>> {
    let mut out = Vec::new();
    for (i, element) in list.into_iter().flatten().enumerate() {
        let e = element.as_object().ok_or_else(|| DynamoError::serialization(format!("Unexpected value type for '{path}'")))?;
        let r = Req::new(e);
        let at = format!("{path}.{}.member", i + 1);
        let name = r.str("IndexName")?;
        v.name(name, &format!("{at}.indexName"));
        let key = parse_key_schema(r.array("KeySchema")?, &format!("{at}.keySchema"), defs, v)?;
        let projection = parse_projection(r.object("Projection")?, &format!("{at}.projection"), v)?;
        let throughput = parse_throughput(r.object("ProvisionedThroughput")?, &format!("{at}.provisionedThroughput"), v)?;
        out.push(IndexSpec { name: name.unwrap_or("").to_string(), key: key.unwrap_or_default(), projection, throughput });
    }
    Ok(out)
}

fn new_index(spec: IndexSpec, schema: KeySchema, global: bool, now_ms: u64) -> Index {
    let (read_bucket, write_bucket) = match (global, spec.throughput) {
        (true, Some(t)) => (Some(Bucket::new(t.read, now_ms)), Some(Bucket::new(t.write, now_ms))),
        _ => (None, None),
    };
    Index {
        read_bucket,
        write_bucket,
        name: spec.name,
        global,
        schema,
        projection: spec.projection,
        throughput: spec.throughput,
        status: "ACTIVE",
        entries: BTreeSet::new(),
        size_bytes: 0,
    }
}

pub fn create_table(db: &mut DynamoDb, req: &Req) -> Result<Value> {
    let mut v = Violations::new();
    let name = req.str("TableName")?;
    v.name(name, "tableName");
    let raw_defs = req.array("AttributeDefinitions")?;
    v.required(raw_defs.is_some(), "attributeDefinitions");
    let mut defs = BTreeMap::new();
    let mut def_order = Vec::new();
    for (i, d) in raw_defs.into_iter().flatten().enumerate() {
        let d = d.as_object().ok_or_else(|| DynamoError::serialization("Unexpected value type for 'AttributeDefinitions'"))?;
        let r = Req::new(d);
        let at = format!("attributeDefinitions.{}.member", i + 1);
        let attr = r.str("AttributeName")?;
        let ty = r.str("AttributeType")?;
        if attr.is_none() {
            v.required(false, &format!("{at}.attributeName"));
        }
        match ty.map(|t| (t, ScalarType::parse(t))) {
            None => v.required(false, &format!("{at}.attributeType")),
            Some((t, None)) => v.add(Some(t), &format!("{at}.attributeType"), "Member must satisfy enum value set: [B, N, S]"),
            Some((_, Some(t))) => {
                if let Some(a) = attr {
                    if defs.insert(a.to_string(), t).is_some() {
                        return Err(DynamoError::validation(format!(
                            "Invalid Request: Duplicate AttributeName in AttributeDefinitions: {a}"
                        )));
                    }
                    def_order.push((a.to_string(), t));
                }
            }
        }
    }
    let key = parse_key_schema(req.array("KeySchema")?, "keySchema", &defs, &mut v)?;
    let billing = billing_mode(req, &mut v)?;
    let throughput = parse_throughput(req.object("ProvisionedThroughput")?, "provisionedThroughput", &mut v)?;
    let lsis = parse_index_specs(req.array("LocalSecondaryIndexes")?, "localSecondaryIndexes", &defs, &mut v)?;
    let gsis = parse_index_specs(req.array("GlobalSecondaryIndexes")?, "globalSecondaryIndexes", &defs, &mut v)?;
    v.finish()?;
    let name = name.expect("validated");
    let key = key.expect("validated");

    let schema = build_schema(&key, &defs)?;
    let billing_mode = billing.unwrap_or(BillingMode::Provisioned);
    let throughput = match (billing_mode, throughput) {
        (BillingMode::Provisioned, Some(t)) => t,
        (BillingMode::Provisioned, None) => {
            return Err(DynamoError::validation(if billing.is_some() {
                "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED"
            } else {
                "No provisioned throughput specified for the table"
            }))
        }
        (BillingMode::PayPerRequest, Some(_)) => {
            return Err(DynamoError::validation(
                "One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST",
            ))
        }
        (BillingMode::PayPerRequest, None) => Throughput { read: 0, write: 0 },
    };
    if billing_mode == BillingMode::Provisioned {
        check_capacity_limits(&throughput)?;
    }

    // Every attribute definition must be used by a key of the table or an index.
    let mut used: BTreeSet<&str> = key.iter().map(|(n, _)| n.as_str()).collect();
    for spec in lsis.iter().chain(gsis.iter()) {
        used.extend(spec.key.iter().map(|(n, _)| n.as_str()));
    }
    if used.len() != defs.len() || used.iter().any(|n| !defs.contains_key(*n)) {
        if used.iter().all(|n| defs.contains_key(*n)) {
            return Err(DynamoError::validation(
                "One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions",
            ));
        }
    }

    if lsis.len() > MAX_LSIS {
        return Err(DynamoError::validation(format!(
            "One or more parameter values were invalid: Number of LocalSecondaryIndexes exceeds per-table limit of {MAX_LSIS}"
        )));
    }
    if gsis.len() > MAX_GSIS {
        return Err(DynamoError::new(
            ErrorCode::LimitExceeded,
            format!("Subscriber limit exceeded: The number of global secondary indexes exceeds the limit of {MAX_GSIS}"),
        ));
    }
    let mut names = BTreeSet::new();
    let mut indexes = Vec::new();
    for spec in lsis {
        if !names.insert(spec.name.clone()) {
            return Err(DynamoError::validation(format!(
                "One or more parameter values were invalid: Duplicate index name: {}",
                spec.name
            )));
        }
        let index_schema = build_schema(&spec.key, &defs)?;
        if schema.range.is_none() {
            return Err(DynamoError::validation(
                "One or more parameter values were invalid: Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex",
            ));
        }
        if index_schema.hash != schema.hash {
            return Err(DynamoError::validation(format!(
                "One or more parameter values were invalid: Index KeySchema does not have the same leading hash key as table KeySchema for index: {}. index hash key: {}, table hash key: {}",
                spec.name, index_schema.hash.name, schema.hash.name
            )));
        }
        if index_schema.range.is_none() {
            return Err(DynamoError::validation(format!(
                "One or more parameter values were invalid: Index KeySchema does not have a range key for index: {}",
                spec.name
            )));
        }
        if spec.throughput.is_some() {
            return Err(DynamoError::validation(
                "One or more parameter values were invalid: ProvisionedThroughput is not supported for LocalSecondaryIndexes",
            ));
        }
        indexes.push(new_index(spec, index_schema, false, db.now_ms()));
    }
    for mut spec in gsis {
        if !names.insert(spec.name.clone()) {
            return Err(DynamoError::validation(format!(
                "One or more parameter values were invalid: Duplicate index name: {}",
                spec.name
            )));
        }
        let index_schema = build_schema(&spec.key, &defs)?;
        match (billing_mode, &spec.throughput) {
            (BillingMode::Provisioned, None) => {
                return Err(DynamoError::validation(format!(
                    "One or more parameter values were invalid: ProvisionedThroughput should not be null for index: {}",
                    spec.name
                )))
            }
            (BillingMode::PayPerRequest, Some(_)) => {
                return Err(DynamoError::validation(
                    "One or more parameter values were invalid: ProvisionedThroughput should not be specified for index when BillingMode is PAY_PER_REQUEST",
                ))
            }
            (_, Some(t)) => check_capacity_limits(t)?,
            _ => {}
        }
        if billing_mode == BillingMode::PayPerRequest {
            spec.throughput = None;
        }
        indexes.push(new_index(spec, index_schema, true, db.now_ms()));
    }

    let tags = parse_tags(req.array("Tags")?)?;
    let stream = parse_stream_spec(req.object("StreamSpecification")?)?;
    let deletion_protection = req.bool("DeletionProtectionEnabled")?.unwrap_or(false);

    if db.tables.contains_key(name) {
        return Err(DynamoError::in_use(format!("Table already exists: {name}")));
    }
    let now = db.now_ms();
    let id = db.next_uuid();
    let mut storage = Storage::new(schema);
    for index in indexes {
        storage.add_index(index);
    }
    let (read_bucket, write_bucket) = buckets(billing_mode, throughput, now);
    let table = Table {
        name: name.to_string(),
        id,
        arn: DynamoDb::table_arn(name),
        created_ms: now,
        busy_until_ms: now + db.settings.table_status_delay_ms,
        busy_status: "CREATING",
        attribute_definitions: def_order,
        billing: billing_mode,
        billing_explicit: billing.is_some(),
        throughput,
        storage,
        tags,
        ttl_attribute: None,
        stream_label: stream.as_ref().map(|_| stream_label(now)),
        stream_view_type: stream,
        deletion_protection,
        read_bucket,
        write_bucket,
        stream: Default::default(),
        sequence: 0,
        ttl_index: Default::default(),
        journal: db.journal.clone(),
        meter: super::capacity::Meter::new(&db.metrics, name),
    };
    let description = describe(&table, now);
    db.tables.insert(name.to_string(), table);
    Ok(json!({ "TableDescription": description }))
}

/// The throttling buckets of a table: none for on-demand tables.
pub fn buckets(billing: BillingMode, throughput: Throughput, now_ms: u64) -> (Option<Bucket>, Option<Bucket>) {
    match billing {
        BillingMode::Provisioned => (Some(Bucket::new(throughput.read, now_ms)), Some(Bucket::new(throughput.write, now_ms))),
        BillingMode::PayPerRequest => (None, None),
    }
}

fn stream_label(now_ms: u64) -> String {
    // DynamoDB labels streams with an ISO 8601 timestamp.
    let secs = now_ms / 1000;
    let (y, m, d, hh, mm, ss) = crate::engine::clock::civil_from_unix(secs);
    format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}.{:03}", now_ms % 1000)
}

fn parse_stream_spec(obj: Option<&Map<String, Value>>) -> Result<Option<String>> {
    let Some(obj) = obj else { return Ok(None) };
    let r = Req::new(obj);
    let enabled = r.bool("StreamEnabled")?;
    let view = r.str("StreamViewType")?;
    match (enabled, view) {
        (Some(true), Some(v @ ("NEW_IMAGE" | "OLD_IMAGE" | "NEW_AND_OLD_IMAGES" | "KEYS_ONLY"))) => Ok(Some(v.to_string())),
        (Some(true), None) => Err(DynamoError::validation(
            "One or more parameter values were invalid: StreamViewType is required when StreamEnabled is true",
        )),
        (Some(true), Some(other)) => Err(DynamoError::validation(format!(
            "1 validation error detected: Value '{other}' at 'streamSpecification.streamViewType' failed to satisfy constraint: Member must satisfy enum value set: [NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES, KEYS_ONLY]"
        ))),
        (Some(false), Some(_)) => Err(DynamoError::validation(
            "One or more parameter values were invalid: StreamViewType must not be specified when StreamEnabled is false",
        )),
        (Some(false), None) => Ok(None),
        (None, _) => Err(DynamoError::validation(
            "1 validation error detected: Value null at 'streamSpecification.streamEnabled' failed to satisfy constraint: Member must not be null",
        )),
    }
}

fn parse_tags(list: Option<&Vec<Value>>) -> Result<BTreeMap<String, String>> {
    let mut tags = BTreeMap::new();
    for t in list.into_iter().flatten() {
        let o = t.as_object().ok_or_else(|| DynamoError::serialization("Unexpected value type for 'Tags'"))?;
        let r = Req::new(o);
        let (Some(k), Some(v)) = (r.str("Key")?, r.str("Value")?) else {
            return Err(DynamoError::validation("1 validation error detected: Value null at 'tags.1.member.key' failed to satisfy constraint: Member must not be null"));
        };
        if k.is_empty() || k.len() > 128 || v.len() > 256 {
            return Err(DynamoError::validation("One or more parameter values were invalid: Tag key and value lengths are out of range"));
        }
        tags.insert(k.to_string(), v.to_string());
    }
    if tags.len() > MAX_TAGS {
        return Err(DynamoError::validation(format!("One or more parameter values were invalid: The number of tags exceeds the limit of {MAX_TAGS}")));
    }
    Ok(tags)
}

/// The TableDescription object.
pub fn describe(table: &Table, now_ms: u64) -> Value {
    let mut d = Map::new();
    let defs: Vec<Value> = table
        .attribute_definitions
        .iter()
        .map(|(n, t)| json!({"AttributeName": n, "AttributeType": t.as_str()}))
        .collect();
    d.insert("AttributeDefinitions".into(), Value::Array(defs));
    d.insert("TableName".into(), json!(table.name));
    d.insert("KeySchema".into(), table.storage.schema.to_json());
    d.insert("TableStatus".into(), json!(table.status(now_ms)));
    d.insert("CreationDateTime".into(), seconds(table.created_ms));
    d.insert(
        "ProvisionedThroughput".into(),
        json!({"NumberOfDecreasesToday": 0, "ReadCapacityUnits": table.throughput.read, "WriteCapacityUnits": table.throughput.write}),
    );
    d.insert("TableSizeBytes".into(), json!(table.storage.size_bytes));
    d.insert("ItemCount".into(), json!(table.storage.item_count()));
    d.insert("TableArn".into(), json!(table.arn));
    d.insert("TableId".into(), json!(table.id));
    if table.billing_explicit || table.billing == BillingMode::PayPerRequest {
        let mut summary = Map::new();
        summary.insert("BillingMode".into(), json!(table.billing.as_str()));
        if table.billing == BillingMode::PayPerRequest {
            summary.insert("LastUpdateToPayPerRequestDateTime".into(), seconds(table.created_ms));
        }
        d.insert("BillingModeSummary".into(), Value::Object(summary));
    }
    let (mut lsis, mut gsis) = (Vec::new(), Vec::new());
    for index in &table.storage.indexes {
        let mut i = Map::new();
        i.insert("IndexName".into(), json!(index.name));
        i.insert("KeySchema".into(), index.schema.to_json());
        let mut projection = Map::new();
        projection.insert("ProjectionType".into(), json!(index.projection.type_name()));
        if let Projection::Include(names) = &index.projection {
            projection.insert("NonKeyAttributes".into(), json!(names));
        }
        i.insert("Projection".into(), Value::Object(projection));
        if index.global {
            i.insert("IndexStatus".into(), json!(index.status));
            let t = index.throughput.unwrap_or(Throughput { read: 0, write: 0 });
            i.insert(
                "ProvisionedThroughput".into(),
                json!({"NumberOfDecreasesToday": 0, "ReadCapacityUnits": t.read, "WriteCapacityUnits": t.write}),
            );
        }
        i.insert("IndexSizeBytes".into(), json!(index.size_bytes));
        i.insert("ItemCount".into(), json!(index.entries.len()));
        i.insert("IndexArn".into(), json!(table.index_arn(&index.name)));
        if index.global {
            gsis.push(Value::Object(i));
        } else {
            lsis.push(Value::Object(i));
        }
    }
    if !lsis.is_empty() {
        d.insert("LocalSecondaryIndexes".into(), Value::Array(lsis));
    }
    if !gsis.is_empty() {
        d.insert("GlobalSecondaryIndexes".into(), Value::Array(gsis));
    }
    if let (Some(view), Some(label)) = (&table.stream_view_type, &table.stream_label) {
        d.insert("StreamSpecification".into(), json!({"StreamEnabled": true, "StreamViewType": view}));
        d.insert("LatestStreamLabel".into(), json!(label));
        d.insert("LatestStreamArn".into(), json!(table.stream_arn()));
    }
    d.insert("DeletionProtectionEnabled".into(), json!(table.deletion_protection));
    Value::Object(d)
}

fn table_name_arg<'a>(req: &'a Req) -> Result<&'a str> {
    let mut v = Violations::new();
    let name = req.str("TableName")?;
    v.table_name_or_arn(name, "tableName");
    v.finish()?;
    Ok(table_name_from(name.expect("validated")))
}

fn not_found_table(name: &str) -> DynamoError {
    DynamoError::not_found(format!(
        "Requested resource not found: Table: {name} not found"
    ))
}

pub fn describe_table(db: &mut DynamoDb, req: &Req) -> Result<Value> {
    let name = table_name_arg(req)?;
    let now = db.now_ms();
    let table = db.tables.get(name).ok_or_else(|| not_found_table(name))?;
    Ok(json!({ "Table": describe(table, now) }))
}

pub fn list_tables(db: &mut DynamoDb, req: &Req) -> Result<Value> {
    let mut v = Violations::new();
    let start = req.str("ExclusiveStartTableName")?;
    if start.is_some() {
        v.name(start, "exclusiveStartTableName");
    }
    let limit = req.i64("Limit")?;
    if let Some(l) = limit {
        if l < 1 {
            v.add(Some(&l.to_string()), "limit", "Member must have value greater than or equal to 1");
        } else if l > 100 {
            v.add(Some(&l.to_string()), "limit", "Member must have value less than or equal to 100");
        }
    }
    v.finish()?;
    let limit = limit.unwrap_or(100) as usize;
    let names: Vec<&String> = db
        .tables
        .keys()
        .filter(|n| start.is_none_or(|s| n.as_str() > s))
        .take(limit + 1)
        .collect();
    let mut out = Map::new();
    let more = names.len() > limit;
    let page: Vec<&String> = names.into_iter().take(limit).collect();
    if more {
        out.insert("LastEvaluatedTableName".into(), json!(page.last()));
    }
    out.insert("TableNames".into(), json!(page));
    Ok(Value::Object(out))
}

pub fn delete_table(db: &mut DynamoDb, req: &Req) -> Result<Value> {
    let name = table_name_arg(req)?.to_string();
    let now = db.now_ms();
    let table = db.tables.get(&name).ok_or_else(|| not_found_table(&name))?;
    if table.deletion_protection {
        return Err(DynamoError::validation(format!(
            "Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first."
        )));
    }
    if table.status(now) == "CREATING" || table.status(now) == "UPDATING" {
        return Err(DynamoError::in_use(format!(
            "Attempt to change a resource which is still in use: Table is being {}: {name}",
            if table.status(now) == "CREATING" { "created" } else { "updated" }
        )));
    }
    let table = db.tables.remove(&name).expect("checked");
    let mut description = describe(&table, now);
    description["TableStatus"] = json!("DELETING");
    Ok(json!({ "TableDescription": description }))
}

pub fn update_table(db: &mut DynamoDb, req: &Req) -> Result<Value> {
    let name = table_name_arg(req)?.to_string();
    let now = db.now_ms();
    let delay = db.settings.table_status_delay_ms;
    let mut v = Violations::new();
    let throughput = parse_throughput(req.object("ProvisionedThroughput")?, "provisionedThroughput", &mut v)?;
    let billing = billing_mode(req, &mut v)?;
    let mut new_defs = BTreeMap::new();
    for d in req.array("AttributeDefinitions")?.into_iter().flatten() {
        let r = Req::new(d.as_object().ok_or_else(|| DynamoError::serialization("Unexpected value type for 'AttributeDefinitions'"))?);
        if let (Some(n), Some(t)) = (r.str("AttributeName")?, r.str("AttributeType")?.and_then(ScalarType::parse)) {
            new_defs.insert(n.to_string(), t);
        }
    }
    let updates = req.array("GlobalSecondaryIndexUpdates")?;
    let stream = req.object("StreamSpecification")?.map(|o| parse_stream_spec(Some(o))).transpose()?;
    let deletion_protection = req.bool("DeletionProtectionEnabled")?;
    v.finish()?;

    let table = db.tables.get_mut(&name).ok_or_else(|| not_found_table(&name))?;
    if table.status(now) != "ACTIVE" {
        return Err(DynamoError::in_use(format!(
            "Attempt to change a resource which is still in use: Table is being {}: {name}",
            if table.status(now) == "CREATING" { "created" } else { "updated" }
        )));
    }
    let mut changed = false;
    if let Some(mode) = billing {
        if mode != table.billing {
            changed = true;
            table.billing = mode;
            table.billing_explicit = true;
            match mode {
                BillingMode::PayPerRequest => {
                    table.throughput = Throughput { read: 0, write: 0 };
                    table.read_bucket = None;
                    table.write_bucket = None;
                    for index in &mut table.storage.indexes {
                        index.throughput = None;
                        index.read_bucket = None;
                        index.write_bucket = None;
                    }
                }
                BillingMode::Provisioned => {
                    let Some(t) = throughput else {
                        return Err(DynamoError::validation(
                            "One or more parameter values were invalid: ProvisionedThroughput must be specified when BillingMode is PROVISIONED",
                        ));
                    };
                    table.read_bucket = Some(Bucket::new(t.read, now));
                    table.write_bucket = Some(Bucket::new(t.write, now));
                }
            }
        }
    }
    if let Some(t) = throughput {
        if table.billing == BillingMode::PayPerRequest {
            return Err(DynamoError::validation(
                "One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST",
            ));
        }
        check_capacity_limits(&t)?;
        if t == table.throughput && billing.is_none() {
            return Err(DynamoError::validation(format!(
                "The provisioned throughput for the table will not change. The requested value equals the current value. Current ReadCapacityUnits provisioned for the table: {}. Requested ReadCapacityUnits: {}. Current WriteCapacityUnits provisioned for the table: {}. Requested WriteCapacityUnits: {}. Refer to the Amazon DynamoDB Developer Guide for current limits and how to request higher limits.",
                table.throughput.read, t.read, table.throughput.write, t.write
            )));
        }
        table.throughput = t;
        if let Some(b) = &mut table.read_bucket {
            b.set_rate(t.read, now);
        }
        if let Some(b) = &mut table.write_bucket {
            b.set_rate(t.write, now);
        }
        changed = true;
    }
    let mut defs: BTreeMap<String, ScalarType> = table.attribute_definitions.iter().cloned().collect();
    for (n, t) in &new_defs {
        defs.entry(n.clone()).or_insert(*t);
    }
    for (i, u) in updates.into_iter().flatten().enumerate() {
        let u = Req::new(u.as_object().ok_or_else(|| DynamoError::serialization("Unexpected value type for 'GlobalSecondaryIndexUpdates'"))?);
        if let Some(create) = u.object("Create")? {
            let mut v = Violations::new();
            let list = vec![Value::Object(create.clone())];
            let mut specs = parse_index_specs(Some(&list), &format!("globalSecondaryIndexUpdates.{}.member.create", i + 1), &defs, &mut v)?;
            v.finish()?;
            let mut spec = specs.remove(0);
            if table.storage.index(&spec.name).is_some() {
                return Err(DynamoError::validation(format!(
                    "One or more parameter values were invalid: Index already exists: {}",
                    spec.name
                )));
            }
            if table.storage.indexes.iter().filter(|i| i.global).count() >= MAX_GSIS {
                return Err(DynamoError::new(
                    ErrorCode::LimitExceeded,
                    format!("Subscriber limit exceeded: The number of global secondary indexes exceeds the limit of {MAX_GSIS}"),
                ));
            }
            let schema = build_schema(&spec.key, &defs)?;
            match (table.billing, spec.throughput) {
                (BillingMode::Provisioned, None) => {
                    return Err(DynamoError::validation(format!(
                        "One or more parameter values were invalid: ProvisionedThroughput should not be null for index: {}",
                        spec.name
                    )))
                }
                (BillingMode::PayPerRequest, Some(_)) => spec.throughput = None,
                _ => {}
            }
            // The new index is backfilled from the items already in the table.
            let items: Vec<_> = table.storage.items.values().collect();
            for item in items {
                for attr in schema.attrs() {
                    if let Some(v) = item.get(&attr.name) {
                        if v.scalar_type() != Some(attr.ty) {
                            return Err(DynamoError::validation(format!(
                                "One or more parameter values were invalid: Type mismatch for Index Key {} Expected: {} Actual: {} IndexName: {}",
                                attr.name, attr.ty.as_str(), v.type_name(), spec.name
                            )));
                        }
                    }
                }
            }
            table.storage.add_index(new_index(spec, schema, true, now));
            changed = true;
        } else if let Some(delete) = u.object("Delete")? {
            let index_name = Req::new(delete).str("IndexName")?.unwrap_or("");
            let position = table
                .storage
                .indexes
                .iter()
                .position(|i| i.global && i.name == index_name)
                .ok_or_else(|| DynamoError::not_found(format!("Requested resource not found: Index: {index_name} not found")))?;
            table.storage.indexes.remove(position);
            changed = true;
        } else if let Some(update) = u.object("Update")? {
            let r = Req::new(update);
            let index_name = r.str("IndexName")?.unwrap_or("").to_string();
            let mut v = Violations::new();
            let t = parse_throughput(r.object("ProvisionedThroughput")?, "provisionedThroughput", &mut v)?;
            v.finish()?;
            let index = table
                .storage
                .indexes
                .iter_mut()
                .find(|i| i.global && i.name == index_name)
                .ok_or_else(|| DynamoError::not_found(format!("Requested resource not found: Index: {index_name} not found")))?;
            if let Some(t) = t {
                check_capacity_limits(&t)?;
                index.throughput = Some(t);
                match (&mut index.read_bucket, &mut index.write_bucket) {
                    (Some(r), Some(w)) => {
                        r.set_rate(t.read, now);
                        w.set_rate(t.write, now);
                    }
                    _ => {
                        index.read_bucket = Some(Bucket::new(t.read, now));
                        index.write_bucket = Some(Bucket::new(t.write, now));
                    }
                }
            }
            changed = true;
        }
    }
    // Definitions a new index needs are kept; the rest of the request's were already known.
    let known: BTreeSet<String> = table.attribute_definitions.iter().map(|(n, _)| n.clone()).collect();
    for (n, t) in new_defs {
        if !known.contains(&n) && table.storage.indexes.iter().any(|i| i.schema.attrs().any(|a| a.name == n)) {
            table.attribute_definitions.push((n, t));
        }
    }
    if let Some(stream) = stream {
        match (&table.stream_view_type, stream) {
            (Some(_), Some(_)) => {
                return Err(DynamoError::validation(format!("Table already has an enabled stream: {}", table.arn)))
            }
            (None, None) => {
                return Err(DynamoError::validation("Stream is already disabled"));
            }
            (_, view) => {
                table.stream_label = view.as_ref().map(|_| stream_label(now));
                table.stream_view_type = view;
            }
        }
        changed = true;
    }
    if let Some(p) = deletion_protection {
        table.deletion_protection = p;
        changed = true;
    }
    if !changed {
        return Err(DynamoError::validation(
            "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required",
        ));
    }
    if delay > 0 {
        table.busy_until_ms = now + delay;
        table.busy_status = "UPDATING";
    }
    let _ = REGION;
    Ok(json!({ "TableDescription": describe(table, now) }))
}

/// The table an ARN names (tags), with DynamoDB's message when it does not exist.
fn table_by_arn<'a>(db: &'a mut DynamoDb, arn: Option<&str>) -> Result<&'a mut Table> {
    let mut v = Violations::new();
    v.required(arn.is_some(), "resourceArn");
    v.finish()?;
    let arn = arn.expect("validated");
    if !arn.starts_with("arn:aws:dynamodb:") {
        return Err(DynamoError::validation(format!("Invalid TableArn: Invalid ResourceArn provided as input {arn}")));
    }
    let name = table_name_from(arn).to_string();
    db.tables
        .get_mut(&name)
        .filter(|t| t.arn == arn)
        .ok_or_else(|| DynamoError::not_found(format!("Requested resource not found: ResourcArn: {arn} not found")))
}

pub fn tag_resource(db: &mut DynamoDb, req: &Req) -> Result<Value> {
    let tags = parse_tags(req.array("Tags")?)?;
    let table = table_by_arn(db, req.str("ResourceArn")?)?;
    let mut merged = table.tags.clone();
    merged.extend(tags);
    if merged.len() > MAX_TAGS {
        return Err(DynamoError::validation(format!("One or more parameter values were invalid: The number of tags exceeds the limit of {MAX_TAGS}")));
    }
    table.tags = merged;
    Ok(json!({}))
}

pub fn untag_resource(db: &mut DynamoDb, req: &Req) -> Result<Value> {
    let keys: Vec<String> = req
        .array("TagKeys")?
        .into_iter()
        .flatten()
        .filter_map(|k| k.as_str().map(str::to_string))
        .collect();
    let table = table_by_arn(db, req.str("ResourceArn")?)?;
    for k in keys {
        table.tags.remove(&k);
    }
    Ok(json!({}))
}

pub fn list_tags(db: &mut DynamoDb, req: &Req) -> Result<Value> {
    let table = table_by_arn(db, req.str("ResourceArn")?)?;
    let tags: Vec<Value> = table.tags.iter().map(|(k, v)| json!({"Key": k, "Value": v})).collect();
    Ok(json!({ "Tags": tags }))
}

pub fn update_ttl(db: &mut DynamoDb, req: &Req) -> Result<Value> {
    let name = table_name_arg(req)?.to_string();
    let mut v = Violations::new();
    let spec = req.object("TimeToLiveSpecification")?;
    v.required(spec.is_some(), "timeToLiveSpecification");
    let (enabled, attribute) = match spec {
        Some(s) => {
            let r = Req::new(s);
            let enabled = r.bool("Enabled")?;
            let attr = r.str("AttributeName")?;
            v.required(enabled.is_some(), "timeToLiveSpecification.enabled");
            v.required(attr.is_some(), "timeToLiveSpecification.attributeName");
            (enabled.unwrap_or(false), attr.unwrap_or("").to_string())
        }
        None => (false, String::new()),
    };
    v.finish()?;
    let table = db.tables.get_mut(&name).ok_or_else(|| not_found_table(&name))?;
    match (&table.ttl_attribute, enabled) {
        (Some(_), true) => return Err(DynamoError::validation("TimeToLive is already enabled")),
        (None, false) => return Err(DynamoError::validation("TimeToLive is already disabled")),
        (Some(current), false) if *current != attribute => {
            return Err(DynamoError::validation(format!(
                "Provided AttributeName: {attribute} is different from the current TTL attribute: {current}"
            )))
        }
        _ => {}
    }
    table.set_ttl(enabled.then(|| attribute.clone()));
    Ok(json!({ "TimeToLiveSpecification": { "Enabled": enabled, "AttributeName": attribute } }))
}

pub fn describe_ttl(db: &mut DynamoDb, req: &Req) -> Result<Value> {
    let name = table_name_arg(req)?.to_string();
    let table = db.tables.get(&name).ok_or_else(|| not_found_table(&name))?;
    Ok(match &table.ttl_attribute {
        Some(a) => json!({ "TimeToLiveDescription": { "TimeToLiveStatus": "ENABLED", "AttributeName": a } }),
        None => json!({ "TimeToLiveDescription": { "TimeToLiveStatus": "DISABLED" } }),
    })
}

pub fn describe_limits() -> Value {
    json!({
        "AccountMaxReadCapacityUnits": 80000,
        "AccountMaxWriteCapacityUnits": 80000,
        "TableMaxReadCapacityUnits": TABLE_MAX_CAPACITY,
        "TableMaxWriteCapacityUnits": TABLE_MAX_CAPACITY
    })
}

pub fn describe_endpoints() -> Value {
    json!({ "Endpoints": [ { "Address": format!("dynamodb.{REGION}.amazonaws.com"), "CachePeriodInMinutes": 1440 } ] })
}
