//! Pieces shared by the native test files (each includes this with `mod common;`).
#![allow(dead_code)]

/// A deterministic xorshift generator for fuzz tests: fixed seeds, no dependencies.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

/// Runs every `*.txt` transcript in `tests/<dir>/` through `run` (which
/// returns the file's text and the transcript regenerated from the engine's
/// answers) and fails with the first differing line of each file that
/// differs; with `UPDATE_GOLDEN=1` set it rewrites them instead.
pub fn check_transcripts(dir: &str, run: impl Fn(&std::path::Path) -> (String, String)) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join(dir);
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.retain(|p| p.extension().is_some_and(|e| e == "txt"));
    files.sort();
    assert!(!files.is_empty(), "no transcripts in {}", dir.display());
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut failures = Vec::new();
    for file in &files {
        let (expected, actual) = run(file);
        if expected.trim_end() == actual.trim_end() {
            continue;
        }
        if update {
            std::fs::write(file, actual.trim_end().to_string() + "\n").unwrap();
            continue;
        }
        let (line, want, got) = expected
            .lines()
            .zip(actual.lines())
            .enumerate()
            .find(|(_, (a, b))| a != b)
            .map(|(n, (a, b))| (n + 1, a.to_string(), b.to_string()))
            .unwrap_or((expected.lines().count().min(actual.lines().count()) + 1, "<end>".into(), "<more>".into()));
        failures.push(format!("{}:{line}\n  expected: {want}\n  actual:   {got}", file.display()));
    }
    assert!(failures.is_empty(), "transcripts differ (UPDATE_GOLDEN=1 rewrites them):\n{}", failures.join("\n"));
}

/// A response as a transcript shows it: `< status`, then the body as
/// pretty JSON (or as text when it is not JSON), then a blank line.
pub fn show_response(out: &mut String, response: &stratus::engine::HttpResponse) {
    out.push_str(&format!("< {}\n", response.status));
    let shown = match serde_json::from_slice::<serde_json::Value>(&response.body) {
        Ok(json) => serde_json::to_string_pretty(&json).unwrap(),
        Err(_) => response.body_text(),
    };
    out.push_str(&shown);
    out.push_str("\n\n");
}
