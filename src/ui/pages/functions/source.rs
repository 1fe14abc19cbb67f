//! A JavaScript function's source files as the console edits them: the
//! default handler, the deployment package (a zip, built and read with the
//! `zip` crate), the Handler setting, and the file and line of a syntax
//! error the engine refused the code with.
//!
//! Pure Rust (no Leptos, no web-sys): `tests/ui_editor.rs` compiles this
//! file natively with `#[path]`.

use std::io::{Read, Write};

/// The file a new function starts with.
pub const DEFAULT_FILE: &str = "index.mjs";
/// The Handler that runs it: `<file without extension>.<export>`.
pub const DEFAULT_HANDLER: &str = "index.handler";

/// The handler AWS's console starts a new Node.js function with.
pub const DEFAULT_SOURCE: &str = r#"export const handler = async (event) => {
  // TODO implement
  const response = {
    statusCode: 200,
    body: JSON.stringify('Hello from Lambda!'),
  };
  return response;
};
"#;

/// One source file of a package: its path inside the zip and its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceFile {
    pub path: String,
    pub text: String,
}

impl SourceFile {
    pub fn new(path: &str, text: &str) -> SourceFile {
        SourceFile { path: path.to_string(), text: text.to_string() }
    }
}

/// The files of a new function.
pub fn default_files() -> Vec<SourceFile> {
    vec![SourceFile::new(DEFAULT_FILE, DEFAULT_SOURCE)]
}

/// What is wrong with a file path, or `None`: relative, `/`-separated, no
/// `.`/`..` segments, not already taken by another file (`others`).
pub fn path_problem(path: &str, others: &[&str]) -> Option<String> {
    let p = path.trim();
    if p.is_empty() {
        return Some("Enter a file name.".into());
    }
    if p.starts_with('/') || p.contains('\\') {
        return Some("A file name is a path relative to the package's root, with / between folders (lib/util.mjs).".into());
    }
    if p.split('/').any(|seg| seg.is_empty() || seg == "." || seg == "..") {
        return Some(format!("{p}: a folder name cannot be empty, . or ..."));
    }
    if p.chars().any(|c| c.is_control()) {
        return Some(format!("{p}: a file name cannot hold control characters."));
    }
    if others.contains(&p) {
        return Some(format!("There is already a file {p}."));
    }
    None
}

/// The deployment package: a zip of the files (deflated), in their order.
pub fn zip_files(files: &[SourceFile]) -> Result<Vec<u8>, String> {
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut out);
        let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for f in files {
            z.start_file(f.path.trim(), options).map_err(|e| format!("{}: {e}", f.path))?;
            z.write_all(f.text.as_bytes()).map_err(|e| format!("{}: {e}", f.path))?;
        }
        z.finish().map_err(|e| format!("zip: {e}"))?;
    }
    Ok(out.into_inner())
}

/// The text files of a deployment package, in the zip's order; binary
/// files are counted in the second value (the editor cannot show them).
pub fn unzip_files(bytes: &[u8]) -> Result<(Vec<SourceFile>, usize), String> {
    let bad = |e: zip::result::ZipError| format!("The deployment package is not a zip archive the console can read: {e}");
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(bad)?;
    let mut files = Vec::new();
    let mut binary = 0;
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).map_err(bad)?;
        if !file.is_file() {
            continue;
        }
        let path = file.name().map_err(bad)?.trim_start_matches("./").to_string();
        let mut data = Vec::new();
        file.read_to_end(&mut data).map_err(|e| format!("{path}: {e}"))?;
        match String::from_utf8(data) {
            Ok(text) => files.push(SourceFile { path, text }),
            Err(_) => binary += 1,
        }
    }
    Ok((files, binary))
}

/// The file a Handler (`lib/app.handler`) loads, among `files`: Node.js
/// looks for `<module>.js`, `.mjs`, then `.cjs`.
pub fn handler_file<'a>(handler: &str, files: &'a [SourceFile]) -> Option<&'a SourceFile> {
    let (module, _) = handler_parts(handler)?;
    ["js", "mjs", "cjs"].iter().find_map(|ext| files.iter().find(|f| f.path == format!("{module}.{ext}")))
}

/// A Handler's module path and export, split as the runtime splits it: at
/// the first `.` after the last `/` (`lib/app.handler` → `lib/app`, `handler`).
fn handler_parts(handler: &str) -> Option<(String, &str)> {
    let slash = handler.rfind('/').map(|i| i + 1).unwrap_or(0);
    let dot = slash + handler[slash..].find('.')?;
    let (module, export) = (&handler[..dot], &handler[dot + 1..]);
    (dot > slash && !export.is_empty()).then(|| (module.trim_start_matches("./").to_string(), export))
}

/// What is wrong with a Handler for these files, or `None`.
pub fn handler_problem(handler: &str, files: &[SourceFile]) -> Option<String> {
    let h = handler.trim();
    let Some((module, _)) = handler_parts(h) else {
        return Some(format!("The handler {h:?} is not of the form file.export (index.handler runs the export handler of index.mjs)."));
    };
    if handler_file(h, files).is_none() {
        return Some(format!("The handler {h} runs {module}.mjs (or .js, .cjs), and there is no such file."));
    }
    None
}

/// A syntax error the runtime reported: where, and what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxErrorAt {
    pub file: String,
    pub line: usize,
    pub message: String,
}

/// Reads the engine's refusal of code with a syntax error:
/// `Runtime.UserCodeSyntaxError: SyntaxError: <message> in <file>:<line>`
/// (the file relative to the package's root).
pub fn syntax_error(message: &str) -> Option<SyntaxErrorAt> {
    let rest = &message[message.find("Runtime.UserCodeSyntaxError: ")? + "Runtime.UserCodeSyntaxError: ".len()..];
    let (text, at) = rest.rsplit_once(" in ")?;
    let (file, line) = at.trim().rsplit_once(':')?;
    let line = line.parse().ok().filter(|l| *l > 0)?;
    Some(SyntaxErrorAt { file: file.trim_start_matches("./").to_string(), line, message: text.to_string() })
}
