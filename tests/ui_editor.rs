//! The console code editor's pure parts, natively: the JavaScript and
//! WebAssembly text tokenizers, the highlighted HTML, line and UTF-16
//! position mapping, and the JavaScript package helpers (zip, Handler,
//! syntax-error location). The `ui` layer is wasm32-only, so these files are
//! compiled here directly; they use nothing of the crate.
#![cfg(not(target_arch = "wasm32"))]

#[path = "../src/ui/editor/syntax.rs"]
mod syntax;

#[path = "../src/ui/pages/functions/source.rs"]
mod source;

use syntax::{line_column, line_count, line_range, offset_of, to_html, to_html_lines, tokenize, Kind, Language};

/// The tokens of `text` as (kind, text) pairs.
fn tokens(language: Language, text: &str) -> Vec<(Kind, &str)> {
    tokenize(language, text).into_iter().map(|t| (t.kind, &text[t.start..t.end])).collect()
}

fn of_kind(language: Language, text: &str, kind: Kind) -> Vec<&str> {
    tokens(language, text).into_iter().filter(|(k, _)| *k == kind).map(|(_, t)| t).collect()
}

const JS: Language = Language::JavaScript;

#[test]
fn javascript_keywords_literals_numbers_and_punctuation() {
    let src = "export const handler = async (event) => { return { ok: true, n: 0x1F + 1.5e3 + 10n, x: null }; };";
    assert_eq!(of_kind(JS, src, Kind::Keyword), ["export", "const", "async", "return"]);
    assert_eq!(of_kind(JS, src, Kind::Literal), ["true", "null"]);
    assert_eq!(of_kind(JS, src, Kind::Number), ["0x1F", "1.5e3", "10n"]);
    assert_eq!(
        of_kind(JS, src, Kind::Punct),
        ["=", "(", ")", "=>", "{", "{", ":", ",", ":", "+", "+", ",", ":", "}", ";", "}", ";"]
    );
    // Identifiers are plain text: no token.
    assert!(!tokens(JS, src).iter().any(|(_, t)| *t == "handler" || *t == "event"));
}

#[test]
fn javascript_property_names_are_not_keywords() {
    let src = "const m = new Map(); m.get(1); obj.default = x?.class; import { a as b } from './x.mjs';";
    assert_eq!(of_kind(JS, src, Kind::Keyword), ["const", "new", "import", "from"]);
    assert_eq!(of_kind(JS, src, Kind::String), ["'./x.mjs'"]);
}

#[test]
fn javascript_strings_and_comments() {
    let src = "// a comment\nconst s = 'it\\'s' + \"a \\\"b\\\"\"; /* block\n comment */ x";
    assert_eq!(of_kind(JS, src, Kind::Comment), ["// a comment", "/* block\n comment */"]);
    assert_eq!(of_kind(JS, src, Kind::String), ["'it\\'s'", "\"a \\\"b\\\"\""]);
    // An unterminated string ends with its line; the next line is code again.
    let src = "const s = 'open\nconst t = 1;";
    assert_eq!(of_kind(JS, src, Kind::String), ["'open"]);
    assert_eq!(of_kind(JS, src, Kind::Keyword), ["const", "const"]);
    // A comment that never closes runs to the end.
    assert_eq!(of_kind(JS, "x /* to the end", Kind::Comment), ["/* to the end"]);
}

#[test]
fn javascript_template_literals_nest_expressions() {
    let src = "const s = `Hello ${user.name}, you have ${count > 1 ? `${count} items` : 'one'}!`;";
    assert_eq!(of_kind(JS, src, Kind::Template), ["`Hello ", ", you have ", "`", " items`", "!`"]);
    assert_eq!(of_kind(JS, src, Kind::String), ["'one'"]);
    assert_eq!(of_kind(JS, src, Kind::Number), ["1"]);
    // Braces inside an interpolation do not end it.
    let src = "`a${ {b: 1}.b }c` + 2";
    assert_eq!(of_kind(JS, src, Kind::Template), ["`a", "c`"]);
    assert_eq!(of_kind(JS, src, Kind::Number), ["1", "2"]);
    // Across lines.
    let src = "const t = `line one\nline ${two}\nthree`;";
    assert_eq!(of_kind(JS, src, Kind::Template), ["`line one\nline ", "\nthree`"]);
}

#[test]
fn javascript_regex_literals_only_where_unambiguous() {
    assert_eq!(of_kind(JS, "const re = /a[/]b\\/c/gi;", Kind::Regex), ["/a[/]b\\/c/gi"]);
    assert_eq!(of_kind(JS, "if (ok) return /x+/.test(s);", Kind::Regex), ["/x+/"]);
    assert_eq!(of_kind(JS, "f(/y/, 1)", Kind::Regex), ["/y/"]);
    // Division after a value.
    assert!(of_kind(JS, "const half = total / 2 / count;", Kind::Regex).is_empty());
    assert!(of_kind(JS, "a[i] / b[j] / c", Kind::Regex).is_empty());
    assert!(of_kind(JS, "(a + b) / 2 / 3", Kind::Regex).is_empty());
    assert!(of_kind(JS, "x++ / 2 / y", Kind::Regex).is_empty());
    // A slash whose line ends first is not a regex.
    assert!(of_kind(JS, "= /abc\n/", Kind::Regex).is_empty());
}

const WAT: Language = Language::Wat;

#[test]
fn wat_tokens() {
    let src = r#"(module ;; a comment
  (func $add (export "add") (param $a i32) (param $b i32) (result i32)
    (i32.add (local.get $a) (i32.const -0x10))) (; block (; nested ;) ;)
  (data (i32.const 16) "Hi\n\"there\""))"#;
    assert_eq!(of_kind(WAT, src, Kind::Comment), [";; a comment", "(; block (; nested ;) ;)"]);
    assert_eq!(of_kind(WAT, src, Kind::String), ["\"add\"", "\"Hi\\n\\\"there\\\"\""]);
    assert_eq!(of_kind(WAT, src, Kind::Variable), ["$add", "$a", "$b", "$a"]);
    assert_eq!(of_kind(WAT, src, Kind::Type), ["i32", "i32", "i32"]);
    assert_eq!(of_kind(WAT, src, Kind::Number), ["-0x10", "16"]);
    assert_eq!(
        of_kind(WAT, src, Kind::Keyword),
        ["module", "func", "export", "param", "param", "result", "i32.add", "local.get", "i32.const", "data", "i32.const"]
    );
    assert_eq!(of_kind(WAT, src, Kind::Punct).len(), src.matches(['(', ')']).count() - 4, "parens outside comments and strings");
}

#[test]
fn html_is_escaped_split_by_line_and_marks_a_line() {
    let src = "/* a\nb */ x < 1 && y > '<b>'";
    let html = to_html(src, &tokenize(JS, src), Some(2));
    assert_eq!(
        html,
        "<span class=\"code-line\"><span class=\"tok-comment\">/* a</span>\n</span>\
         <span class=\"code-line error-line\"><span class=\"tok-comment\">b */</span> x <span class=\"tok-punct\">&lt;</span> \
         <span class=\"tok-number\">1</span> <span class=\"tok-punct\">&amp;&amp;</span> y <span class=\"tok-punct\">&gt;</span> \
         <span class=\"tok-string\">'&lt;b&gt;'</span>\n</span>"
    );
    // One line span per line the text area shows, also for an empty last line.
    let src = "a\n\nb\n";
    let html = to_html(src, &tokenize(JS, src), None);
    assert_eq!(html.matches("class=\"code-line\"").count(), line_count(src));
    assert_eq!(line_count(src), 4);
    // The text is all there, in order.
    let text: String = html.split('<').map(|p| p.split_once('>').map(|(_, t)| t).unwrap_or(p)).collect();
    assert_eq!(text, "a\n\nb\n\n");
}

#[test]
fn a_few_thousand_lines_tokenize_in_one_pass() {
    let line = "  const total = items.reduce((sum, x) => sum + x.price * 2 / 3, 0); // `why` 'not'\n";
    let src = line.repeat(5000);
    let t = tokenize(JS, &src);
    assert_eq!(t.iter().filter(|t| t.kind == Kind::Comment).count(), 5000);
    assert_eq!(t.iter().filter(|t| t.kind == Kind::Regex).count(), 0);
    assert!(t.windows(2).all(|w| w[0].end <= w[1].start), "tokens are ordered and disjoint");
    let html = to_html(&src, &t, Some(4000));
    assert_eq!(html.matches("error-line").count(), 1);
}

#[test]
fn lines_and_utf16_positions() {
    // "é" is one UTF-16 unit, "😀" two, as a text area counts them.
    let text = "ab\nçé😀x\n\nlast";
    assert_eq!(line_count(text), 4);
    assert_eq!(line_range(text, 1), (0, 2));
    assert_eq!(line_range(text, 2), (3, 8));
    assert_eq!(line_range(text, 3), (9, 9));
    assert_eq!(line_range(text, 4), (10, 14));
    assert_eq!(line_range(text, 9), (14, 14));
    assert_eq!(line_column(text, 0), (1, 1));
    assert_eq!(line_column(text, 3), (2, 1));
    assert_eq!(line_column(text, 7), (2, 4)); // after the emoji
    assert_eq!(line_column(text, 10), (4, 1));
    assert_eq!(offset_of(text, 2, 4), 7);
    assert_eq!(offset_of(text, 2, 99), 8);
    assert_eq!(syntax::indentation_at("a\n    b", 5), "    ");
    assert_eq!(Language::for_file("lib/util.mjs"), Some(Language::JavaScript));
    assert_eq!(Language::for_file("m.wat"), Some(Language::Wat));
    assert_eq!(Language::for_file("README"), None);
}

#[test]
fn packages_zip_and_unzip_with_their_paths() {
    use source::{unzip_files, zip_files, SourceFile};
    let files = vec![
        SourceFile::new("index.mjs", "import { greet } from './lib/util.mjs';\nexport const handler = async () => greet('x');\n"),
        SourceFile::new("lib/util.mjs", "export const greet = (n) => `hi ${n}`;\n"),
    ];
    let zip = zip_files(&files).unwrap();
    assert!(zip.starts_with(b"PK\x03\x04"));
    let (back, binary) = unzip_files(&zip).unwrap();
    assert_eq!((back, binary), (files, 0));
    assert!(unzip_files(b"not a zip").unwrap_err().contains("not a zip archive"));
}

#[test]
fn handler_and_path_checks() {
    use source::{default_files, handler_problem, path_problem, SourceFile};
    let files = default_files();
    assert_eq!(files[0].path, "index.mjs");
    assert!(files[0].text.contains("JSON.stringify('Hello from Lambda!')"));
    assert_eq!(handler_problem(source::DEFAULT_HANDLER, &files), None);
    assert!(handler_problem("main.handler", &files).unwrap().contains("main.mjs"));
    assert!(handler_problem("index", &files).unwrap().contains("file.export"));
    let nested = vec![SourceFile::new("src/app.js", "")];
    assert_eq!(handler_problem("src/app.run", &nested), None);
    // Split as the runtime splits it: the first dot after the last slash.
    assert_eq!(handler_problem("index.handler.inner", &files), None);
    assert!(handler_problem(".handler", &files).unwrap().contains("file.export"));
    assert!(handler_problem("index.", &files).unwrap().contains("file.export"));
    assert_eq!(path_problem("lib/util.mjs", &["index.mjs"]), None);
    assert!(path_problem("index.mjs", &["index.mjs"]).unwrap().contains("already"));
    assert!(path_problem("../x.mjs", &[]).is_some());
    assert!(path_problem("/abs.mjs", &[]).is_some());
    assert!(path_problem("a//b.mjs", &[]).is_some());
    assert!(path_problem("  ", &[]).is_some());
}

#[test]
fn syntax_errors_name_their_file_and_line() {
    use source::{syntax_error, SyntaxErrorAt};
    // The engine's refusal (tests/engine_nodejs_guest.rs pins the runtime's line).
    let at = syntax_error("Runtime.UserCodeSyntaxError: SyntaxError: unexpected token in expression: ';' in lib/util.mjs:3");
    assert_eq!(
        at,
        Some(SyntaxErrorAt { file: "lib/util.mjs".into(), line: 3, message: "SyntaxError: unexpected token in expression: ';'".into() })
    );
    // " in " inside the message itself: the last one is the place.
    let at = syntax_error("Runtime.UserCodeSyntaxError: SyntaxError: unexpected 'in' in index.mjs:12").unwrap();
    assert_eq!((at.file.as_str(), at.line), ("index.mjs", 12));
    assert_eq!(syntax_error("Runtime.ImportModuleError: Error: Cannot find module 'index'"), None);
    assert_eq!(syntax_error("Runtime.UserCodeSyntaxError: SyntaxError: bad"), None);
}

#[test]
fn a_long_wat_text_tokenizes() {
    let long: Vec<String> = (0..3000).map(|i| format!("  (i32.const {i}) ;; line {}", i + 1)).collect();
    let src = format!("(module (func\n{}\n))", long.join("\n"));
    let t = tokenize(WAT, &src);
    assert_eq!(t.iter().filter(|t| t.kind == Kind::Comment).count(), 3000);
    let html = to_html(&src, &t, None);
    assert_eq!(html.matches("code-line").count(), 3002);
}

#[test]
fn a_range_of_lines_draws_as_the_whole_does() {
    let src = "const a = 1; /* one\ntwo\nthree */ const b = `x\ny`;\nlast";
    let t = tokenize(JS, src);
    let whole = to_html(src, &t, Some(3));
    let lines: Vec<String> = whole.split_inclusive("\n</span>").map(str::to_string).collect();
    assert_eq!(lines.len(), 5);
    for first in 1..=5 {
        for last in first..=6 {
            let part = to_html_lines(src, &t, Some(3), first, last);
            assert_eq!(part, lines[first - 1..last.min(5)].concat(), "lines {first}..={last}");
        }
    }
    // A comment that began above is drawn as a comment, clipped to the range.
    assert_eq!(to_html_lines(src, &t, None, 2, 2), "<span class=\"code-line\"><span class=\"tok-comment\">two</span>\n</span>");
    assert_eq!(to_html_lines(src, &t, None, 9, 12), "");
}
