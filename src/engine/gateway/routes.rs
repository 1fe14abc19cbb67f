//! Route keys (`GET /items/{id}`, `ANY /{proxy+}`, `$default`) and the route
//! table a deployment compiles to.
//!
//! Selection follows API Gateway: segment by segment, a literal segment is
//! more specific than a path parameter, which is more specific than a greedy
//! `{proxy+}`; at the path found, a route for the request's method wins over
//! `ANY`; if no route and method match, the search backs up to the next less
//! specific path; `$default` (HTTP APIs) takes what nothing else matched.
//! REST APIs' resource trees use the same table (without `$default`).

use std::collections::HashMap;

/// One segment of a route's path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Literal(String),
    Param(String),
    Greedy(String),
}

/// A parsed route key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteKey {
    Default,
    Path { method: String, segments: Vec<Segment> },
}

/// The methods a route key may name (HTTP APIs) or a REST API method may have.
pub const METHODS: [&str; 8] = ["ANY", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"];

/// Parses a path (`/items/{id}`, `/{proxy+}`) into segments.
pub fn parse_path(path: &str) -> Result<Vec<Segment>, String> {
    let Some(rest) = path.strip_prefix('/') else { return Err(format!("The path '{path}' must start with '/'")) };
    if rest.is_empty() {
        return Ok(Vec::new());
    }
    let parts: Vec<&str> = rest.split('/').collect();
    let mut out = Vec::with_capacity(parts.len());
    for (i, part) in parts.iter().enumerate() {
        out.push(parse_segment(part, i + 1 == parts.len()).map_err(|e| format!("{e} in '{path}'"))?);
    }
    let mut names: Vec<&str> = out
        .iter()
        .filter_map(|s| match s {
            Segment::Param(n) | Segment::Greedy(n) => Some(n.as_str()),
            Segment::Literal(_) => None,
        })
        .collect();
    names.sort_unstable();
    if names.windows(2).any(|w| w[0] == w[1]) {
        return Err(format!("A path parameter appears twice in '{path}'"));
    }
    Ok(out)
}

/// One path part: a literal, `{name}` or (last only) `{name+}`.
pub fn parse_segment(part: &str, last: bool) -> Result<Segment, String> {
    if part.is_empty() {
        return Err("An empty path segment".to_string());
    }
    if let Some(inner) = part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
        let (name, greedy) = match inner.strip_suffix('+') {
            Some(n) => (n, true),
            None => (inner, false),
        };
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.') {
            return Err(format!("An invalid path parameter '{part}'"));
        }
        if greedy && !last {
            return Err(format!("A greedy path parameter '{part}' that is not the last segment"));
        }
        return Ok(if greedy { Segment::Greedy(name.to_string()) } else { Segment::Param(name.to_string()) });
    }
    if part.contains(['{', '}']) {
        return Err(format!("A segment '{part}' with braces that are not a whole path parameter"));
    }
    if !part.chars().all(|c| c.is_ascii_alphanumeric() || "-._~:@!$&'()*+,;=%".contains(c)) {
        return Err(format!("A segment '{part}' with characters a path cannot have"));
    }
    Ok(Segment::Literal(part.to_string()))
}

/// Parses an HTTP API route key.
pub fn parse_route_key(key: &str) -> Result<RouteKey, String> {
    if key == "$default" {
        return Ok(RouteKey::Default);
    }
    let (method, path) = key.split_once(' ').ok_or_else(|| format!("The route key '{key}' is not '$default' or '<METHOD> <path>'"))?;
    if !METHODS.contains(&method) {
        return Err(format!("The route key '{key}' has an unsupported method '{method}'"));
    }
    Ok(RouteKey::Path { method: method.to_string(), segments: parse_path(path)? })
}

/// The shape of a path with parameter names left out: two routes whose
/// shapes are equal but whose names differ conflict.
pub fn shape(segments: &[Segment]) -> String {
    let mut out = String::new();
    for s in segments {
        out.push('/');
        match s {
            Segment::Literal(l) => out.push_str(l),
            Segment::Param(_) => out.push_str("{}"),
            Segment::Greedy(_) => out.push_str("{+}"),
        }
    }
    out
}

#[derive(Debug, Default)]
struct Methods {
    by_method: Vec<(Box<str>, usize)>,
    any: Option<usize>,
}

impl Methods {
    fn find(&self, method: &str) -> Option<usize> {
        self.by_method.iter().find(|(m, _)| &**m == method).map(|(_, t)| *t).or(self.any)
    }

    fn insert(&mut self, method: &str, target: usize) {
        if method == "ANY" {
            self.any = Some(target);
        } else if let Some(slot) = self.by_method.iter_mut().find(|(m, _)| &**m == method) {
            slot.1 = target;
        } else {
            self.by_method.push((method.into(), target));
        }
    }

    fn is_empty(&self) -> bool {
        self.by_method.is_empty() && self.any.is_none()
    }
}

#[derive(Debug, Default)]
struct Node {
    literal: HashMap<Box<str>, Node>,
    param: Option<(Box<str>, Box<Node>)>,
    greedy: Option<(Box<str>, Methods)>,
    methods: Methods,
}

/// A compiled route table: a trie of path segments whose ends hold, by
/// method, the index of what to run (a route, a REST API method).
#[derive(Debug, Default)]
pub struct Table {
    root: Node,
    default: Option<usize>,
}

/// A matched route: its index and its path parameters (raw, as in the path).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match<'t, 'p> {
    pub target: usize,
    pub params: Vec<(&'t str, &'p str)>,
}

impl Table {
    pub fn new() -> Self {
        Table::default()
    }

    /// Adds a route (`method` may be `ANY`); a later one replaces an earlier
    /// one with the same method and path.
    pub fn insert(&mut self, method: &str, segments: &[Segment], target: usize) {
        let mut node = &mut self.root;
        for s in segments {
            match s {
                Segment::Literal(l) => node = node.literal.entry(l.as_str().into()).or_default(),
                Segment::Param(name) => {
                    let slot = node.param.get_or_insert_with(|| (name.as_str().into(), Box::default()));
                    node = &mut slot.1;
                }
                Segment::Greedy(name) => {
                    let slot = node.greedy.get_or_insert_with(|| (name.as_str().into(), Methods::default()));
                    slot.1.insert(method, target);
                    return;
                }
            }
        }
        node.methods.insert(method, target);
    }

    pub fn set_default(&mut self, target: usize) {
        self.default = Some(target);
    }

    /// Finds the route for `method` and `path` (which starts with `/`).
    pub fn lookup<'t, 'p>(&'t self, method: &str, path: &'p str) -> Option<Match<'t, 'p>> {
        let rest = path.strip_prefix('/').unwrap_or(path);
        let mut params = Vec::new();
        if let Some(target) = walk(&self.root, method, rest, &mut params) {
            return Some(Match { target, params });
        }
        self.default.map(|target| Match { target, params: Vec::new() })
    }

    /// Whether any route's path matches (whatever the method).
    pub fn has_path(&self, path: &str) -> bool {
        let rest = path.strip_prefix('/').unwrap_or(path);
        walk_any(&self.root, rest)
    }
}

/// Depth-first, most specific first: literal, then parameter, then greedy.
fn walk<'t, 'p>(node: &'t Node, method: &str, rest: &'p str, params: &mut Vec<(&'t str, &'p str)>) -> Option<usize> {
    if rest.is_empty() {
        return node.methods.find(method);
    }
    let (segment, tail) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, ""),
    };
    // "/a/" leaves an empty tail after a slash: only a greedy parameter takes it.
    let ends_with_slash = rest.len() > segment.len() && tail.is_empty();
    if !segment.is_empty() && !ends_with_slash {
        if let Some(child) = node.literal.get(segment) {
            if let Some(t) = walk(child, method, tail, params) {
                return Some(t);
            }
        }
        if let Some((name, child)) = &node.param {
            params.push((name, segment));
            if let Some(t) = walk(child, method, tail, params) {
                return Some(t);
            }
            params.pop();
        }
    }
    if let Some((name, methods)) = &node.greedy {
        if let Some(t) = methods.find(method) {
            params.push((name, rest));
            return Some(t);
        }
    }
    None
}

fn walk_any(node: &Node, rest: &str) -> bool {
    if rest.is_empty() {
        return !node.methods.is_empty();
    }
    let (segment, tail) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, ""),
    };
    let ends_with_slash = rest.len() > segment.len() && tail.is_empty();
    if !segment.is_empty() && !ends_with_slash {
        if node.literal.get(segment).is_some_and(|c| walk_any(c, tail)) {
            return true;
        }
        if node.param.as_ref().is_some_and(|(_, c)| walk_any(c, tail)) {
            return true;
        }
    }
    node.greedy.as_ref().is_some_and(|(_, m)| !m.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(keys: &[&str]) -> Table {
        let mut t = Table::new();
        for (i, k) in keys.iter().enumerate() {
            match parse_route_key(k).unwrap() {
                RouteKey::Default => t.set_default(i),
                RouteKey::Path { method, segments } => t.insert(&method, &segments, i),
            }
        }
        t
    }

    #[test]
    fn most_specific_route_wins() {
        // The example of API Gateway's developer guide.
        let keys = ["GET /pets/dog/1", "GET /pets/dog/{id}", "GET /pets/{proxy+}", "ANY /{proxy+}", "$default"];
        let t = table(&keys);
        let pick = |m: &str, p: &str| t.lookup(m, p).map(|x| keys[x.target]);
        assert_eq!(pick("GET", "/pets/dog/1"), Some("GET /pets/dog/1"));
        assert_eq!(pick("GET", "/pets/dog/2"), Some("GET /pets/dog/{id}"));
        assert_eq!(pick("GET", "/pets/cat/1"), Some("GET /pets/{proxy+}"));
        assert_eq!(pick("POST", "/pets/dog/1"), Some("ANY /{proxy+}"));
        assert_eq!(pick("GET", "/"), Some("$default"));
        let m = t.lookup("GET", "/pets/dog/7").unwrap();
        assert_eq!(m.params, vec![("id", "7")]);
        let m = t.lookup("GET", "/pets/a/b/c").unwrap();
        assert_eq!(m.params, vec![("proxy", "a/b/c")]);
    }

    #[test]
    fn method_over_any_and_backtracking() {
        let keys = ["ANY /items/{id}", "GET /items/{id}", "POST /items/special", "GET /items"];
        let t = table(&keys);
        let pick = |m: &str, p: &str| t.lookup(m, p).map(|x| keys[x.target]);
        assert_eq!(pick("GET", "/items/1"), Some("GET /items/{id}"));
        assert_eq!(pick("DELETE", "/items/1"), Some("ANY /items/{id}"));
        // The literal path has no GET: the parameterised one takes it.
        assert_eq!(pick("GET", "/items/special"), Some("GET /items/{id}"));
        assert_eq!(pick("GET", "/items/"), None);
        assert_eq!(pick("GET", "/items/a/b"), None);
        assert_eq!(pick("HEAD", "/items"), None);
        assert!(t.has_path("/items"));
        assert!(!t.has_path("/nothing"));
    }

    #[test]
    fn route_keys_are_checked() {
        assert!(parse_route_key("GET /items/{id}").is_ok());
        assert!(parse_route_key("GET /").is_ok());
        assert!(parse_route_key("get /x").is_err());
        assert!(parse_route_key("GET x").is_err());
        assert!(parse_route_key("GET /{a+}/b").is_err());
        assert!(parse_route_key("GET /a//b").is_err());
        assert!(parse_route_key("GET /{a}/{a}").is_err());
        assert!(parse_route_key("GET /a{b}").is_err());
        assert_eq!(shape(&parse_path("/a/{x}/{y+}").unwrap()), "/a/{}/{+}");
    }
}
