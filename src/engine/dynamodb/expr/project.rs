//! Projection expressions: parsing, and keeping only the projected parts of an item.

use super::ast::{Path, PathElem};
use super::parse::{check_overlaps, Parser};
use super::{ExprKind, Placeholders};
use crate::engine::dynamodb::error::DynamoError;
use crate::engine::dynamodb::value::{AttributeValue, Item};
use std::collections::BTreeMap;

/// Parses a ProjectionExpression: document paths separated by commas.
pub fn parse_projection(text: &str, ph: &Placeholders) -> Result<Vec<Path>, DynamoError> {
    let mut p = Parser::new(text, ExprKind::Projection, ph)?;
    let paths = p.projection()?;
    p.finish()?;
    check_overlaps(ExprKind::Projection, paths.iter())?;
    Ok(paths)
}

/// The projected paths as a tree.
#[derive(Default)]
struct Node {
    whole: bool,
    names: BTreeMap<String, Node>,
    indexes: BTreeMap<usize, Node>,
}

fn project_value(v: &AttributeValue, node: &Node) -> Option<AttributeValue> {
    if node.whole {
        return Some(v.clone());
    }
    match v {
        AttributeValue::M(m) if !node.names.is_empty() => {
            let out: BTreeMap<String, AttributeValue> = node
                .names
                .iter()
                .filter_map(|(k, n)| m.get(k).and_then(|c| project_value(c, n)).map(|r| (k.clone(), r)))
                .collect();
            (!out.is_empty()).then_some(AttributeValue::M(out))
        }
        AttributeValue::L(l) if !node.indexes.is_empty() => {
            let out: Vec<AttributeValue> =
                node.indexes.iter().filter_map(|(i, n)| l.get(*i).and_then(|c| project_value(c, n))).collect();
            (!out.is_empty()).then_some(AttributeValue::L(out))
        }
        _ => None,
    }
}

/// Keeps only the projected paths: nested map keys as maps, list elements as
/// lists of the selected elements in index order (indexes compacted).
/// Paths that lead nowhere are left out.
pub fn project(item: &Item, paths: &[Path]) -> Item {
    let mut root = Node::default();
    for path in paths {
        let mut node = &mut root;
        for elem in &path.0 {
            node = match elem {
                PathElem::Name(n) => node.names.entry(n.clone()).or_default(),
                PathElem::Index(i) => node.indexes.entry(*i).or_default(),
            };
        }
        node.whole = true;
    }
    root.names
        .iter()
        .filter_map(|(k, n)| item.get(k).and_then(|v| project_value(v, n)).map(|v| (k.clone(), v)))
        .collect()
}
