//! The code editor's pure half: tokenizers for JavaScript and WebAssembly
//! text, the highlighted HTML drawn under the text area, and the mapping
//! between lines and the UTF-16 offsets a text area counts in.
//!
//! No Leptos, web-sys or crate paths here: `tests/ui_editor.rs` compiles this
//! file natively (`#[path]`), because the `ui` layer itself is wasm32-only.
//!
//! The tokenizers are small hand-written scanners rather than a crate (see
//! ARCHITECTURE.md, "Code editor"): one pass over the text, no regexes, no
//! grammar files, and context a regex highlighter cannot keep (template
//! literals nesting `${...}`, a `/` that starts a regular expression only
//! where a value cannot stand, WAT's nested block comments).

/// The languages the editor highlights.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Language {
    JavaScript,
    Wat,
}

impl Language {
    /// The language a file's name suggests (`.js`, `.mjs`, `.cjs` are
    /// JavaScript; `.wat`/`.wast` WebAssembly text); `None` for others.
    pub fn for_file(name: &str) -> Option<Language> {
        let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase())?;
        match ext.as_str() {
            "js" | "mjs" | "cjs" | "jsx" => Some(Language::JavaScript),
            "wat" | "wast" => Some(Language::Wat),
            _ => None,
        }
    }
}

/// What a token is; its CSS class is `tok-<name>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Keyword,
    /// `true`, `false`, `null`, `undefined`, `NaN`, `Infinity`.
    Literal,
    String,
    /// The text parts of a template literal (with its backquotes).
    Template,
    Comment,
    Number,
    Regex,
    Punct,
    /// WAT value types (`i32`, `funcref`, ...).
    Type,
    /// WAT `$names`.
    Variable,
}

impl Kind {
    pub fn class(self) -> &'static str {
        match self {
            Kind::Keyword => "tok-keyword",
            Kind::Literal => "tok-literal",
            Kind::String => "tok-string",
            Kind::Template => "tok-template",
            Kind::Comment => "tok-comment",
            Kind::Number => "tok-number",
            Kind::Regex => "tok-regex",
            Kind::Punct => "tok-punct",
            Kind::Type => "tok-type",
            Kind::Variable => "tok-variable",
        }
    }
}

/// A highlighted range of the text, in bytes. Text between tokens
/// (identifiers, spaces) is drawn plain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    pub kind: Kind,
    pub start: usize,
    pub end: usize,
}

pub fn tokenize(language: Language, text: &str) -> Vec<Token> {
    match language {
        Language::JavaScript => javascript(text),
        Language::Wat => wat(text),
    }
}

const JS_KEYWORDS: &[&str] = &[
    "async", "await", "break", "case", "catch", "class", "const", "continue", "debugger", "default", "delete", "do", "else",
    "export", "extends", "finally", "for", "from", "function", "if", "import", "in", "instanceof", "let", "new", "of",
    "return", "super", "switch", "this", "throw", "try", "typeof", "var", "void", "while", "with", "yield",
];
const JS_LITERALS: &[&str] = &["true", "false", "null", "undefined", "NaN", "Infinity"];
/// Keywords after which an expression starts, so a `/` begins a regular expression.
const BEFORE_EXPRESSION: &[&str] = &[
    "await", "case", "delete", "do", "else", "extends", "in", "instanceof", "new", "of", "return", "throw", "typeof",
    "void", "yield",
];

/// What came before, for telling a regular expression from a division.
#[derive(Clone, Copy, PartialEq)]
enum Before {
    /// Start of text, an operator or an opening bracket: an expression may start.
    Operator,
    /// A value (name, number, string, `)`, `]`, `}`): a `/` divides. After
    /// `)` and `}` a regular expression could also start (`if (x) /a/.test(y)`,
    /// a block's end); those are left as division, the unambiguous reading.
    Value,
    /// A `.` or `?.`: the next word is a property name, never a keyword.
    Dot,
}

fn is_id_start(c: char) -> bool {
    c.is_alphabetic() || c == '_' || c == '$' || (!c.is_ascii() && !c.is_whitespace())
}

fn is_id_part(c: char) -> bool {
    is_id_start(c) || c.is_ascii_digit() || c == '\u{200c}' || c == '\u{200d}'
}

/// A scanner over the text's characters with byte positions.
struct Scan<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Scan<'a> {
    fn peek(&self) -> Option<char> {
        self.text[self.pos..].chars().next()
    }
    fn peek_at(&self, n: usize) -> Option<char> {
        self.text[self.pos..].chars().nth(n)
    }
    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }
    fn rest(&self) -> &'a str {
        &self.text[self.pos..]
    }
    fn eat_while(&mut self, f: impl Fn(char) -> bool) {
        while self.peek().is_some_and(&f) {
            self.bump();
        }
    }
}

fn javascript(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut s = Scan { text, pos: 0 };
    let mut before = Before::Operator;
    // One entry per open `${`: how many `{` are open inside it.
    let mut interpolations: Vec<u32> = Vec::new();
    let push = |out: &mut Vec<Token>, kind: Kind, start: usize, end: usize| {
        if end > start {
            out.push(Token { kind, start, end });
        }
    };
    // Scans a template literal's text from just after "`" or "}" to the
    // closing "`" (true) or an opening "${" (false, with "${" eaten).
    fn template_text(s: &mut Scan) -> bool {
        while let Some(c) = s.bump() {
            match c {
                '\\' => {
                    s.bump();
                }
                '`' => return true,
                '$' if s.peek() == Some('{') => {
                    s.bump();
                    return false;
                }
                _ => {}
            }
        }
        true
    }
    while let Some(c) = s.peek() {
        let start = s.pos;
        if c.is_whitespace() {
            s.bump();
            continue;
        }
        let rest = s.rest();
        if rest.starts_with("//") {
            s.eat_while(|c| c != '\n');
            push(&mut out, Kind::Comment, start, s.pos);
            continue;
        }
        if rest.starts_with("/*") {
            let end = rest[2..].find("*/").map(|i| start + 2 + i + 2).unwrap_or(text.len());
            s.pos = end;
            push(&mut out, Kind::Comment, start, end);
            continue;
        }
        if c == '\'' || c == '"' {
            s.bump();
            while let Some(d) = s.peek() {
                if d == '\n' {
                    break; // unterminated: the string ends with its line
                }
                s.bump();
                if d == '\\' {
                    if s.peek() != Some('\n') {
                        s.bump();
                    }
                } else if d == c {
                    break;
                }
            }
            push(&mut out, Kind::String, start, s.pos);
            before = Before::Value;
            continue;
        }
        if c == '`' {
            s.bump();
            let closed = template_text(&mut s);
            if closed {
                push(&mut out, Kind::Template, start, s.pos);
                before = Before::Value;
            } else {
                push(&mut out, Kind::Template, start, s.pos - 2);
                push(&mut out, Kind::Punct, s.pos - 2, s.pos);
                interpolations.push(0);
                before = Before::Operator;
            }
            continue;
        }
        if c == '}' && interpolations.last() == Some(&0) {
            // The end of a `${...}`: back in the template's text.
            s.bump();
            push(&mut out, Kind::Punct, start, s.pos);
            interpolations.pop();
            let text_start = s.pos;
            let closed = template_text(&mut s);
            if closed {
                push(&mut out, Kind::Template, text_start, s.pos);
                before = Before::Value;
            } else {
                push(&mut out, Kind::Template, text_start, s.pos - 2);
                push(&mut out, Kind::Punct, s.pos - 2, s.pos);
                interpolations.push(0);
                before = Before::Operator;
            }
            continue;
        }
        if c.is_ascii_digit() || (c == '.' && s.peek_at(1).is_some_and(|d| d.is_ascii_digit())) {
            number(&mut s);
            push(&mut out, Kind::Number, start, s.pos);
            before = Before::Value;
            continue;
        }
        if is_id_start(c) || c == '#' || c == '\\' {
            s.bump();
            s.eat_while(is_id_part);
            let word = &text[start..s.pos];
            if before == Before::Dot || c == '#' {
                before = Before::Value;
                continue;
            }
            if JS_LITERALS.contains(&word) {
                push(&mut out, Kind::Literal, start, s.pos);
                before = Before::Value;
            } else if JS_KEYWORDS.contains(&word) {
                push(&mut out, Kind::Keyword, start, s.pos);
                before = if BEFORE_EXPRESSION.contains(&word) { Before::Operator } else { Before::Value };
                // `this`, `super` are values; `if`, `while`, `for` are followed by `(`.
                if matches!(word, "if" | "while" | "for" | "with" | "switch" | "catch" | "const" | "let" | "var" | "export" | "import" | "default" | "async") {
                    before = Before::Operator;
                }
            } else {
                before = Before::Value;
            }
            continue;
        }
        if c == '/' && before == Before::Operator {
            if let Some(end) = regex_end(text, start) {
                s.pos = end;
                push(&mut out, Kind::Regex, start, end);
                before = Before::Value;
                continue;
            }
        }
        // Punctuation: brackets one by one, operators as one run.
        s.bump();
        match c {
            '(' | '[' | '{' | ',' | ';' => {
                if c == '{' {
                    if let Some(depth) = interpolations.last_mut() {
                        *depth += 1;
                    }
                }
                before = Before::Operator;
            }
            ')' | ']' => before = Before::Value,
            '}' => {
                if let Some(depth) = interpolations.last_mut() {
                    *depth -= 1;
                }
                before = Before::Value;
            }
            '.' if s.peek() != Some('.') => before = Before::Dot,
            _ => {
                s.eat_while(|d| "=+-*%&|^!<>?~:.".contains(d) && d != '/');
                let op = &text[start..s.pos];
                before = match op {
                    "?." => Before::Dot,
                    "++" | "--" => Before::Value,
                    _ => Before::Operator,
                };
            }
        }
        push(&mut out, Kind::Punct, start, s.pos);
    }
    out
}

/// A number literal: decimal with fraction and exponent, `0x`/`0o`/`0b`,
/// separators `_`, a BigInt's `n`.
fn number(s: &mut Scan) {
    if s.peek() == Some('0') && s.peek_at(1).is_some_and(|c| "xXoObB".contains(c)) {
        s.bump();
        s.bump();
        s.eat_while(|c| c.is_ascii_hexdigit() || c == '_');
    } else {
        s.eat_while(|c| c.is_ascii_digit() || c == '_');
        if s.peek() == Some('.') {
            s.bump();
            s.eat_while(|c| c.is_ascii_digit() || c == '_');
        }
        if s.peek().is_some_and(|c| c == 'e' || c == 'E') {
            let sign = s.peek_at(1).is_some_and(|c| c == '+' || c == '-');
            let digit_at = if sign { 2 } else { 1 };
            if s.peek_at(digit_at).is_some_and(|c| c.is_ascii_digit()) {
                for _ in 0..digit_at {
                    s.bump();
                }
                s.eat_while(|c| c.is_ascii_digit() || c == '_');
            }
        }
    }
    if s.peek() == Some('n') {
        s.bump();
    }
}

/// Where a regular expression literal starting at `start` (a `/`) ends,
/// flags included; `None` when its line ends first (then it was not one).
fn regex_end(text: &str, start: usize) -> Option<usize> {
    let mut in_class = false;
    let mut chars = text[start + 1..].char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\n' => return None,
            '\\' => {
                if chars.next().is_some_and(|(_, d)| d == '\n') {
                    return None;
                }
            }
            '[' => in_class = true,
            ']' => in_class = false,
            '/' if !in_class => {
                if i == 0 {
                    return None; // `//` is a comment, handled before
                }
                let mut end = start + 1 + i + 1;
                end += text[end..].chars().take_while(|c| c.is_ascii_alphabetic()).map(char::len_utf8).sum::<usize>();
                return Some(end);
            }
            _ => {}
        }
    }
    None
}

const WAT_TYPES: &[&str] = &["i32", "i64", "f32", "f64", "v128", "funcref", "externref", "anyref", "eqref", "i31ref", "exnref"];

/// WebAssembly text's identifier characters (idchar in the spec).
fn is_wat_idchar(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-./:<=>?@\\^_`|~".contains(c)
}

fn wat(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut s = Scan { text, pos: 0 };
    while let Some(c) = s.peek() {
        let start = s.pos;
        let rest = s.rest();
        if rest.starts_with(";;") {
            s.eat_while(|c| c != '\n');
            out.push(Token { kind: Kind::Comment, start, end: s.pos });
            continue;
        }
        if rest.starts_with("(;") {
            // Block comments nest.
            let mut depth = 0usize;
            while !s.rest().is_empty() {
                if s.rest().starts_with("(;") {
                    depth += 1;
                    s.pos += 2;
                } else if s.rest().starts_with(";)") {
                    depth -= 1;
                    s.pos += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    s.bump();
                }
            }
            out.push(Token { kind: Kind::Comment, start, end: s.pos });
            continue;
        }
        if c.is_whitespace() {
            s.bump();
            continue;
        }
        match c {
            '(' | ')' => {
                s.bump();
                out.push(Token { kind: Kind::Punct, start, end: s.pos });
            }
            '"' => {
                s.bump();
                while let Some(d) = s.peek() {
                    if d == '\n' {
                        break;
                    }
                    s.bump();
                    if d == '\\' {
                        s.bump();
                    } else if d == '"' {
                        break;
                    }
                }
                out.push(Token { kind: Kind::String, start, end: s.pos });
            }
            _ if is_wat_idchar(c) => {
                s.eat_while(is_wat_idchar);
                let word = &text[start..s.pos];
                let unsigned = word.trim_start_matches(['+', '-']);
                let kind = if c == '$' {
                    Kind::Variable
                } else if unsigned.starts_with(|d: char| d.is_ascii_digit()) || unsigned == "inf" || unsigned.starts_with("nan") {
                    Kind::Number
                } else if WAT_TYPES.contains(&word) {
                    Kind::Type
                } else {
                    // Bare words are keywords or instructions (names take a `$`).
                    Kind::Keyword
                };
                out.push(Token { kind, start, end: s.pos });
            }
            _ => {
                s.bump();
            }
        }
    }
    out
}

fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
}

/// The highlighted text as HTML: one `<span class="code-line">` per line
/// (the marked one also `error-line`), tokens as `<span class="tok-...">`
/// split where they cross a line's end, everything else escaped.
pub fn to_html(text: &str, tokens: &[Token], marked_line: Option<usize>) -> String {
    to_html_lines(text, tokens, marked_line, 1, usize::MAX)
}

/// [`to_html`] for lines `first..=last` only (1-based; `tokens` in order),
/// so that a long text draws only what is near the view: the tokens are
/// found by binary search, and one crossing into the range is clipped.
pub fn to_html_lines(text: &str, tokens: &[Token], marked_line: Option<usize>, first: usize, last: usize) -> String {
    let first = first.max(1);
    if last < first {
        return String::new();
    }
    let start = if first == 1 {
        0
    } else {
        match text.match_indices('\n').nth(first - 2) {
            Some((i, _)) => i + 1,
            None => return String::new(),
        }
    };
    let end = text[start..].match_indices('\n').nth(last - first).map(|(i, _)| start + i).unwrap_or(text.len());
    let mut out = String::with_capacity((end - start) * 2 + 64);
    let mut line = first;
    let open_line = |out: &mut String, line: usize| {
        if Some(line) == marked_line {
            out.push_str("<span class=\"code-line error-line\">");
        } else {
            out.push_str("<span class=\"code-line\">");
        }
    };
    // Writes `piece` (with class `class` if any), closing and opening the
    // line spans (and the token's span) at each newline.
    let write = |out: &mut String, piece: &str, class: Option<&str>, line: &mut usize| {
        for (i, part) in piece.split('\n').enumerate() {
            if i > 0 {
                out.push_str("\n</span>");
                *line += 1;
                open_line(out, *line);
            }
            if part.is_empty() {
                continue;
            }
            match class {
                Some(c) => {
                    out.push_str("<span class=\"");
                    out.push_str(c);
                    out.push_str("\">");
                    escape_into(out, part);
                    out.push_str("</span>");
                }
                None => escape_into(out, part),
            }
        }
    };
    open_line(&mut out, line);
    let mut at = start;
    let from = tokens.partition_point(|t| t.end <= start);
    for t in &tokens[from..] {
        if t.start >= end {
            break;
        }
        let (ts, te) = (t.start.max(start), t.end.min(end));
        if ts < at || te > text.len() {
            continue;
        }
        write(&mut out, &text[at..ts], None, &mut line);
        write(&mut out, &text[ts..te], Some(t.kind.class()), &mut line);
        at = te;
    }
    write(&mut out, &text[at..end], None, &mut line);
    out.push_str("\n</span>");
    out
}

/// How many lines the text area shows (a final newline starts a line).
pub fn line_count(text: &str) -> usize {
    text.split('\n').count()
}

/// The UTF-16 offsets (as a text area counts) where 1-based `line` starts
/// and ends (before its newline); past the end, the end of the text.
pub fn line_range(text: &str, line: usize) -> (u32, u32) {
    let mut start = 0u32;
    for (i, l) in text.split('\n').enumerate() {
        let len = l.encode_utf16().count() as u32;
        if i + 1 == line {
            return (start, start + len);
        }
        start += len + 1;
    }
    let end = text.encode_utf16().count() as u32;
    (end, end)
}

/// The 1-based line and column (in characters) of a UTF-16 offset.
pub fn line_column(text: &str, offset: u32) -> (usize, usize) {
    let (mut line, mut column, mut units) = (1usize, 1usize, 0u32);
    for c in text.chars() {
        if units >= offset {
            break;
        }
        units += c.len_utf16() as u32;
        if c == '\n' {
            line += 1;
            column = 1;
        } else {
            column += 1;
        }
    }
    (line, column)
}

/// The UTF-16 offset of 1-based `line` and `column` (characters), clamped
/// to the line.
pub fn offset_of(text: &str, line: usize, column: usize) -> u32 {
    let (start, end) = line_range(text, line);
    let Some(l) = text.split('\n').nth(line.saturating_sub(1)) else { return start };
    let units: u32 = l.chars().take(column.saturating_sub(1)).map(|c| c.len_utf16() as u32).sum();
    (start + units).min(end)
}

/// The leading spaces and tabs of the line holding UTF-16 offset `offset`.
pub fn indentation_at(text: &str, offset: u32) -> String {
    let (line, _) = line_column(text, offset);
    let l = text.split('\n').nth(line - 1).unwrap_or("");
    l.chars().take_while(|c| *c == ' ' || *c == '\t').collect()
}
