//! Query and Scan: reading ranges of a table or an index, a page at a time.
//!
//! A page ends after `Limit` items were read, or once 1 MB has been read,
//! whichever comes first; `LastEvaluatedKey` then says where the next page
//! starts. Both read ranges of ordered maps, so their cost grows with the
//! page, not with the table.

use super::capacity::{read_units, Consumed};
use super::error::{DynamoError, Result};
use super::expr::{self, ExprKind, SortCondition};
use super::items::{charge, check_index_read_throughput, check_throughput, return_capacity, Expressions};
use super::request::{table_name_from, Req, Violations};
use super::table::{partition_hash, Index, KeyValue, Part, Projection, StoredKey};
use super::value::{item_size, AttributeValue, Item};
use super::answer::{Answer, PageWriter};
use super::{DynamoDb, Table};
use std::ops::Bound;

/// How much one page may read.
pub const PAGE_BYTES: usize = 1024 * 1024;

const MIN_KEY: StoredKey = (0, Part::Min, Part::Min);
const MAX_KEY: StoredKey = (u64::MAX, Part::Max, Part::Max);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Select {
    AllAttributes,
    AllProjected,
    Specific,
    Count,
}

/// The options Query and Scan share.
struct ReadRequest<'a> {
    table: &'a str,
    index: Option<&'a str>,
    limit: Option<usize>,
    consistent: bool,
    select: Option<Select>,
    capacity: Option<String>,
    start: Option<Item>,
}

fn read_common<'a>(req: &'a Req, v: &mut Violations) -> Result<ReadRequest<'a>> {
    let table = req.str("TableName")?;
    v.table_name_or_arn(table, "tableName");
    let index = req.str("IndexName")?;
    if index.is_some() {
        v.name(index, "indexName");
    }
    let limit = req.i64("Limit")?;
    if let Some(l) = limit {
        if l < 1 {
            v.add(Some(&l.to_string()), "limit", "Member must have value greater than or equal to 1");
        }
    }
    let select = match req.str("Select")? {
        None => None,
        Some("ALL_ATTRIBUTES") => Some(Select::AllAttributes),
        Some("ALL_PROJECTED_ATTRIBUTES") => Some(Select::AllProjected),
        Some("SPECIFIC_ATTRIBUTES") => Some(Select::Specific),
        Some("COUNT") => Some(Select::Count),
        Some(other) => {
            v.add(
                Some(other),
                "select",
                "Member must satisfy enum value set: [SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES]",
            );
            None
        }
    };
    let capacity = return_capacity(req, v)?;
    let consistent = req.bool("ConsistentRead")?.unwrap_or(false);
    let start = req.item("ExclusiveStartKey")?;
    Ok(ReadRequest {
        table: table.map(table_name_from).unwrap_or(""),
        index,
        limit: limit.map(|l| l.max(1) as usize),
        consistent,
        select,
        capacity,
        start,
    })
}

/// Resolves the index a request names and checks what it may ask of it.
fn resolve<'t>(table: &'t Table, r: &ReadRequest, projection: bool) -> Result<(Option<&'t Index>, Select)> {
    let index = match r.index {
        None => None,
        Some(name) => Some(table.storage.index(name).ok_or_else(|| {
            DynamoError::validation(format!("The table does not have the specified index: {name}"))
        })?),
    };
    if let Some(i) = index {
        if i.global && r.consistent {
            return Err(DynamoError::validation("Consistent reads are not supported on global secondary indexes"));
        }
    }
    let select = match (r.select, projection) {
        (None, true) => Select::Specific,
        (None, false) => {
            if index.is_some() {
                Select::AllProjected
            } else {
                Select::AllAttributes
            }
        }
        (Some(Select::Specific), false) => {
            return Err(DynamoError::validation(
                "One or more parameter values were invalid: Select type SPECIFIC_ATTRIBUTES requires a ProjectionExpression or AttributesToGet",
            ))
        }
        (Some(s), true) if s != Select::Specific => {
            return Err(DynamoError::validation(format!(
                "One or more parameter values were invalid: Can not use both Select type {} and ProjectionExpression",
                match s {
                    Select::AllAttributes => "ALL_ATTRIBUTES",
                    Select::AllProjected => "ALL_PROJECTED_ATTRIBUTES",
                    Select::Count => "COUNT",
                    Select::Specific => "SPECIFIC_ATTRIBUTES",
                }
            )))
        }
        (Some(Select::AllProjected), _) if index.is_none() => {
            return Err(DynamoError::validation(
                "One or more parameter values were invalid: Select type ALL_PROJECTED_ATTRIBUTES is not supported when not querying an index",
            ))
        }
        (Some(s), _) => s,
    };
    if let (Some(i), Select::AllAttributes) = (index, select) {
        if i.global && i.projection != Projection::All {
            return Err(DynamoError::validation(format!(
                "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index {} because its projection type is not ALL",
                i.name
            )));
        }
    }
    Ok((index, select))
}

/// The stored key an `ExclusiveStartKey` names (table key, and index key when reading an index).
fn start_key(table: &Table, index: Option<&Index>, start: &Item) -> Result<(StoredKey, Option<StoredKey>)> {
    let invalid = || DynamoError::validation("The provided starting key is invalid: The provided key element does not match the schema");
    let schema = &table.storage.schema;
    let mut expected: Vec<&str> = schema.attrs().map(|a| a.name.as_str()).collect();
    if let Some(i) = index {
        for a in i.schema.attrs() {
            if !expected.contains(&a.name.as_str()) {
                expected.push(&a.name);
            }
        }
    }
    if start.len() != expected.len() || expected.iter().any(|n| !start.contains_key(*n)) {
        return Err(invalid());
    }
    let table_key = schema.key_of(start).ok_or_else(invalid)?;
    let index_key = match index {
        Some(i) => Some(i.schema.key_of(start).ok_or_else(invalid)?),
        None => None,
    };
    Ok((table_key, index_key))
}

/// One read page: the keys read, in order, and why it stopped.
struct Page {
    /// (table key, index key) of each entry read.
    read: Vec<(StoredKey, Option<StoredKey>)>,
    truncated: bool,
}

fn tighter_lower(a: Bound<StoredKey>, b: Bound<StoredKey>) -> Bound<StoredKey> {
    match (&a, &b) {
        (Bound::Unbounded, _) => b,
        (_, Bound::Unbounded) => a,
        (Bound::Included(x) | Bound::Excluded(x), Bound::Included(y) | Bound::Excluded(y)) => {
            if x > y || (x == y && matches!(a, Bound::Excluded(_))) {
                a
            } else {
                b
            }
        }
    }
}

fn tighter_upper(a: Bound<StoredKey>, b: Bound<StoredKey>) -> Bound<StoredKey> {
    match (&a, &b) {
        (Bound::Unbounded, _) => b,
        (_, Bound::Unbounded) => a,
        (Bound::Included(x) | Bound::Excluded(x), Bound::Included(y) | Bound::Excluded(y)) => {
            if x < y || (x == y && matches!(a, Bound::Excluded(_))) {
                a
            } else {
                b
            }
        }
    }
}

/// Reads entries of the table (or index) between `lower` and `upper` (keys
/// of the table, or of the index), in order or reversed, starting after
/// `start`, until `limit` entries or `PAGE_BYTES` were read. `keep_going`
/// ends the range early (begins_with).
#[allow(clippy::too_many_arguments)]
fn read_range(
    table: &Table,
    index: Option<&Index>,
    lower: Bound<StoredKey>,
    upper: Bound<StoredKey>,
    forward: bool,
    start: Option<(StoredKey, Option<StoredKey>)>,
    limit: Option<usize>,
    keep_going: &dyn Fn(&StoredKey) -> bool,
    bytes: &mut usize,
) -> Page {
    let limit = limit.unwrap_or(usize::MAX);
    let mut page = Page { read: Vec::new(), truncated: false };
    let schema = &table.storage.schema;
    match index {
        None => {
            let (mut lower, mut upper) = (lower, upper);
            if let Some((s, _)) = start {
                if forward {
                    lower = tighter_lower(lower, Bound::Excluded(s));
                } else {
                    upper = tighter_upper(upper, Bound::Excluded(s));
                }
            }
            if !range_ok(&lower, &upper) {
                return page;
            }
            let range = table.storage.items.range((lower, upper));
            let iter: Box<dyn Iterator<Item = (&StoredKey, &Item)>> =
                if forward { Box::new(range) } else { Box::new(range.rev()) };
            for (key, item) in iter {
                if !keep_going(key) {
                    break;
                }
                if page.read.len() >= limit || *bytes >= PAGE_BYTES {
                    page.truncated = true;
                    break;
                }
                *bytes += item_size(item);
                page.read.push((key.clone(), None));
                // DynamoDB stops at Limit without looking further: the page
                // says where it stopped even when nothing follows.
                if page.read.len() >= limit {
                    page.truncated = true;
                    break;
                }
            }
        }
        Some(i) => {
            let to_entry = |b: Bound<StoredKey>, low: bool| match b {
                Bound::Unbounded => Bound::Unbounded,
                Bound::Included(k) => Bound::Included((k, if low { MIN_KEY } else { MAX_KEY })),
                Bound::Excluded(k) => Bound::Excluded((k, if low { MAX_KEY } else { MIN_KEY })),
            };
            let mut lower = to_entry(lower, true);
            let mut upper = to_entry(upper, false);
            if let Some((tk, Some(ik))) = start {
                let s = (ik, tk);
                if forward {
                    if entry_after(&lower, &s) {
                        lower = Bound::Excluded(s);
                    }
                } else if entry_before(&upper, &s) {
                    upper = Bound::Excluded(s);
                }
            }
            if !entry_range_ok(&lower, &upper) {
                return page;
            }
            let range = i.entries.range((lower, upper));
            let iter: Box<dyn Iterator<Item = &(StoredKey, StoredKey)>> =
                if forward { Box::new(range) } else { Box::new(range.rev()) };
            for (index_key, table_key) in iter {
                if !keep_going(index_key) {
                    break;
                }
                if page.read.len() >= limit || *bytes >= PAGE_BYTES {
                    page.truncated = true;
                    break;
                }
                if let Some(item) = table.storage.items.get(table_key) {
                    *bytes += item_size(&i.project(schema, item));
                }
                page.read.push((table_key.clone(), Some(index_key.clone())));
                if page.read.len() >= limit {
                    page.truncated = true;
                    break;
                }
            }
        }
    }
    page
}

fn range_ok(lower: &Bound<StoredKey>, upper: &Bound<StoredKey>) -> bool {
    match (lower, upper) {
        (Bound::Included(a), Bound::Included(b)) => a <= b,
        (Bound::Included(a) | Bound::Excluded(a), Bound::Included(b) | Bound::Excluded(b)) => a < b,
        _ => true,
    }
}

type Entry = (StoredKey, StoredKey);

fn entry_range_ok(lower: &Bound<Entry>, upper: &Bound<Entry>) -> bool {
    match (lower, upper) {
        (Bound::Included(a), Bound::Included(b)) => a <= b,
        (Bound::Included(a) | Bound::Excluded(a), Bound::Included(b) | Bound::Excluded(b)) => a < b,
        _ => true,
    }
}

/// Whether starting after `s` is tighter than `lower`.
fn entry_after(lower: &Bound<Entry>, s: &Entry) -> bool {
    match lower {
        Bound::Unbounded => true,
        Bound::Included(l) => s >= l,
        Bound::Excluded(l) => s >= l,
    }
}

fn entry_before(upper: &Bound<Entry>, s: &Entry) -> bool {
    match upper {
        Bound::Unbounded => true,
        Bound::Included(u) | Bound::Excluded(u) => s <= u,
    }
}

/// Runs a page and builds the answer: Items, Count, ScannedCount,
/// LastEvaluatedKey, ConsumedCapacity.
#[allow(clippy::too_many_arguments)]
fn answer_page(
    db: &mut DynamoDb,
    r: &ReadRequest,
    select: Select,
    page: Page,
    bytes: usize,
    filter: Option<&expr::Condition>,
    projection: Option<&Vec<expr::Path>>,
    index_name: Option<String>,
) -> Result<Answer> {
    let now = db.now_ms();
    let table = db.table_mut(r.table)?;
    let index = index_name.as_deref().and_then(|n| table.storage.index(n));
    let mut writer = PageWriter::new(select != Select::Count);
    let mut extra = 0usize;
    let mut last = None;
    for (table_key, _) in &page.read {
        let Some(stored) = table.storage.items.get(table_key) else { continue };
        last = Some(stored);
        // The item as this read sees it: the table's item, or the index's projection.
        let view: std::borrow::Cow<Item> = match index {
            Some(i) if !(select == Select::AllAttributes && i.projection != Projection::All) => {
                std::borrow::Cow::Owned(i.project(&table.storage.schema, stored))
            }
            Some(i) if i.projection != Projection::All => {
                extra += item_size(stored);
                std::borrow::Cow::Borrowed(stored)
            }
            _ => std::borrow::Cow::Borrowed(stored),
        };
        if let Some(f) = filter {
            if !f.eval(&view)? {
                continue;
            }
        }
        match (select, projection) {
            (Select::Count, _) => writer.count_only(),
            (_, Some(paths)) => writer.item(&expr::project(&view, paths)),
            (_, None) => writer.item(&view),
        }
    }
    let mut consumed = Consumed::new(&table.name);
    let units = read_units(bytes, r.consistent);
    match index {
        Some(i) => {
            consumed.add_index(&i.name, i.global, units, 0.0);
            if extra > 0 {
                consumed.read = read_units(extra, r.consistent);
            }
        }
        None => consumed.read = units,
    }
    let last_key = if page.truncated {
        last.map(|item| {
            let mut key = table.storage.schema.key_item(item);
            if let Some(i) = index {
                key.extend(i.schema.key_item(item));
            }
            key
        })
    } else {
        None
    };
    let consumed_json = r.capacity.as_ref().map(|mode| consumed.to_json(mode));
    let scanned = page.read.len();
    let bytes = writer.finish(scanned, last_key.as_ref(), consumed_json.as_ref());
    charge(table, &consumed, now);
    Ok(Answer::Raw(bytes))
}

/// Throttles a read of a provisioned table, or of a provisioned global
/// secondary index (which has its own read capacity).
fn check_read_throughput(db: &mut DynamoDb, r: &ReadRequest, now: u64) -> Result<()> {
    match r.index {
        Some(index) if db.table(r.table)?.storage.index(index).is_some_and(|i| i.global) => {
            check_index_read_throughput(db.table_mut(r.table)?, index, now)
        }
        _ => check_throughput(db.table_mut(r.table)?, false, now),
    }
}

fn key_value(v: &AttributeValue) -> Part {
    Part::Val(KeyValue(v.clone()))
}

pub fn query(db: &mut DynamoDb, req: &Req) -> Result<Answer> {
    let mut v = Violations::new();
    let r = read_common(req, &mut v)?;
    let forward = req.bool("ScanIndexForward")?.unwrap_or(true);
    v.finish()?;
    let exprs = Expressions::read(
        req,
        &["KeyConditionExpression", "FilterExpression", "ProjectionExpression"],
        &["KeyConditions", "QueryFilter", "AttributesToGet", "ConditionalOperator"],
    )?;
    let key_text = req.str("KeyConditionExpression")?;
    let key_conditions = req.object("KeyConditions")?;
    if key_text.is_none() && key_conditions.is_none() {
        return Err(DynamoError::validation(
            "Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.",
        ));
    }
    let now = db.now_ms();
    check_read_throughput(db, &r, now)?;
    let table = db.table(r.table)?;
    let projection = exprs.projection(req)?;
    let (index, select) = resolve(table, &r, projection.is_some())?;
    let schema = index.map(|i| &i.schema).unwrap_or(&table.storage.schema);
    let range_name = schema.range.as_ref().map(|a| a.name.as_str());
    let key = match (key_text, key_conditions) {
        (Some(text), _) => expr::parse_key_condition(text, &exprs.ph, &schema.hash.name, range_name)?,
        (None, Some(map)) => expr::legacy::key_conditions(map, &schema.hash.name, range_name)?,
        (None, None) => unreachable!("checked above"),
    };
    let filter = exprs.condition(req, "FilterExpression", ExprKind::Filter)?;
    exprs.ph.check_unused()?;

    let mismatch = || DynamoError::validation("One or more parameter values were invalid: Condition parameter type does not match schema type");
    if key.hash_value.scalar_type() != Some(schema.hash.ty) {
        return Err(mismatch());
    }
    let h = partition_hash(&key.hash_value);
    let p = key_value(&key.hash_value);
    let at = |sort: Part| (h, p.clone(), sort);
    let mut lower = Bound::Included(at(Part::Min));
    let mut upper = Bound::Included(at(Part::Max));
    let mut prefix: Option<AttributeValue> = None;
    if let (Some((_, cond)), Some(range)) = (&key.sort, &schema.range) {
        let check = |v: &AttributeValue| if v.scalar_type() == Some(range.ty) { Ok(()) } else { Err(mismatch()) };
        match cond {
            SortCondition::Eq(v) => {
                check(v)?;
                lower = Bound::Included(at(key_value(v)));
                upper = Bound::Included(at(key_value(v)));
            }
            SortCondition::Lt(v) => {
                check(v)?;
                upper = Bound::Excluded(at(key_value(v)));
            }
            SortCondition::Le(v) => {
                check(v)?;
                upper = Bound::Included(at(key_value(v)));
            }
            SortCondition::Gt(v) => {
                check(v)?;
                lower = Bound::Excluded(at(key_value(v)));
            }
            SortCondition::Ge(v) => {
                check(v)?;
                lower = Bound::Included(at(key_value(v)));
            }
            SortCondition::Between(a, b) => {
                check(a)?;
                check(b)?;
                if KeyValue(a.clone()) > KeyValue(b.clone()) {
                    return Err(DynamoError::validation(format!(
                        "Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {}, upper bound operand: AttributeValue: {}",
                        short(a),
                        short(b)
                    )));
                }
                lower = Bound::Included(at(key_value(a)));
                upper = Bound::Included(at(key_value(b)));
            }
            SortCondition::BeginsWith(v) => {
                if !matches!(v, AttributeValue::S(_) | AttributeValue::B(_)) || range.ty == super::value::ScalarType::N {
                    return Err(DynamoError::validation(format!(
                        "Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: {}",
                        if range.ty == super::value::ScalarType::N { "N" } else { v.type_name() }
                    )));
                }
                check(v)?;
                lower = Bound::Included(at(key_value(v)));
                // Everything with the prefix sorts below the prefix's successor,
                // so a descending read starts at the right place too.
                if let Some(end) = prefix_successor(v) {
                    upper = Bound::Excluded(at(key_value(&end)));
                }
                prefix = Some(v.clone());
            }
        }
    }
    let start = r.start.as_ref().map(|s| start_key(table, index, s)).transpose()?;
    let keep_going = |k: &StoredKey| match (&prefix, &k.2) {
        (Some(AttributeValue::S(p)), Part::Val(KeyValue(AttributeValue::S(s)))) => s.starts_with(p.as_str()),
        (Some(AttributeValue::B(p)), Part::Val(KeyValue(AttributeValue::B(b)))) => b.starts_with(p),
        (Some(_), _) => false,
        (None, _) => true,
    };
    let mut bytes = 0;
    let page = read_range(table, index, lower, upper, forward, start, r.limit, &keep_going, &mut bytes);
    let index_name = index.map(|i| i.name.clone());
    answer_page(db, &r, select, page, bytes, filter.as_ref(), projection.as_ref(), index_name)
}

/// The smallest value greater than every value that starts with `prefix`
/// (strings compare by UTF-8 bytes, which is code point order), if any.
fn prefix_successor(prefix: &AttributeValue) -> Option<AttributeValue> {
    match prefix {
        AttributeValue::S(s) => {
            let chars: Vec<char> = s.chars().collect();
            for i in (0..chars.len()).rev() {
                let mut next = chars[i] as u32 + 1;
                if (0xD800..=0xDFFF).contains(&next) {
                    next = 0xE000;
                }
                if let Some(c) = char::from_u32(next) {
                    let mut out: String = chars[..i].iter().collect();
                    out.push(c);
                    return Some(AttributeValue::S(out));
                }
            }
            None
        }
        AttributeValue::B(b) => {
            let mut bytes = b.clone();
            while let Some(last) = bytes.pop() {
                if last < 0xFF {
                    bytes.push(last + 1);
                    return Some(AttributeValue::B(bytes));
                }
            }
            None
        }
        _ => None,
    }
}

fn short(v: &AttributeValue) -> String {
    let json = v.to_json();
    let (k, val) = json.as_object().and_then(|o| o.iter().next()).map(|(k, v)| (k.clone(), v.clone())).unwrap_or_default();
    format!("{{{k}:{}}}", val.as_str().map(str::to_string).unwrap_or_else(|| val.to_string()))
}

pub fn scan(db: &mut DynamoDb, req: &Req) -> Result<Answer> {
    let mut v = Violations::new();
    let r = read_common(req, &mut v)?;
    let segment = req.i64("Segment")?;
    let total = req.i64("TotalSegments")?;
    if let Some(s) = segment {
        if s < 0 {
            v.add(Some(&s.to_string()), "segment", "Member must have value greater than or equal to 0");
        }
        if s > 999_999 {
            v.add(Some(&s.to_string()), "segment", "Member must have value less than or equal to 999999");
        }
    }
    if let Some(t) = total {
        if t < 1 {
            v.add(Some(&t.to_string()), "totalSegments", "Member must have value greater than or equal to 1");
        }
        if t > 1_000_000 {
            v.add(Some(&t.to_string()), "totalSegments", "Member must have value less than or equal to 1000000");
        }
    }
    v.finish()?;
    let (segment, total) = match (segment, total) {
        (None, None) => (0u64, 1u64),
        (Some(_), None) => {
            return Err(DynamoError::validation(
                "The TotalSegments parameter is required but was not present in the request when Segment parameter is present",
            ))
        }
        (None, Some(_)) => {
            return Err(DynamoError::validation(
                "The Segment parameter is required but was not present in the request when parameter TotalSegments is present",
            ))
        }
        (Some(s), Some(t)) if s >= t => {
            return Err(DynamoError::validation(format!(
                "The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: {s} is not less than TotalSegments: {t}"
            )))
        }
        (Some(s), Some(t)) => (s as u64, t as u64),
    };
    let exprs = Expressions::read(
        req,
        &["FilterExpression", "ProjectionExpression"],
        &["ScanFilter", "AttributesToGet", "ConditionalOperator"],
    )?;
    let now = db.now_ms();
    check_read_throughput(db, &r, now)?;
    let table = db.table(r.table)?;
    let projection = exprs.projection(req)?;
    let (index, select) = resolve(table, &r, projection.is_some())?;
    let filter = exprs.condition(req, "FilterExpression", ExprKind::Filter)?;
    exprs.ph.check_unused()?;
    let start = r.start.as_ref().map(|s| start_key(table, index, s)).transpose()?;
    // Segment s of t covers the hash range [s * 2^64 / t, (s + 1) * 2^64 / t).
    let edge = |s: u64| ((s as u128) << 64).checked_div(total as u128).unwrap_or(0) as u64;
    let lower = Bound::Included((edge(segment), Part::Min, Part::Min));
    let upper = if segment + 1 == total { Bound::Unbounded } else { Bound::Excluded((edge(segment + 1), Part::Min, Part::Min)) };
    let mut bytes = 0;
    let page = read_range(table, index, lower, upper, true, start, r.limit, &|_| true, &mut bytes);
    let index_name = index.map(|i| i.name.clone());
    answer_page(db, &r, select, page, bytes, filter.as_ref(), projection.as_ref(), index_name)
}
