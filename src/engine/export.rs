//! The account export file: everything the store holds, in one compressed,
//! versioned file (see docs/export-format.md).
//!
//! A gzip stream of UTF-8 lines. The first line is the header
//! `{"format":"stratus-export","version":1,"exported_at_ms":...,"entries":N}`;
//! each of the N lines after it is one stored entry `[key, value]`, where the
//! value is the stored bytes as a string (every value the engine stores is
//! JSON text). Importing checks the header, the version, every line and the
//! count, and the caller restores the entries into a scratch cloud before
//! replacing anything, so a corrupt or newer file changes nothing.

use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use flate2::Compression;
use serde_json::{json, Value};
use std::io::{Read, Write};

pub const FORMAT: &str = "stratus-export";
pub const VERSION: u64 = 1;
/// The largest file accepted (uncompressed), so a hostile file cannot exhaust memory.
pub const MAX_UNCOMPRESSED: u64 = 2 * 1024 * 1024 * 1024;

/// Writes the export file of these entries.
pub fn export(entries: &[(String, Vec<u8>)], exported_at_ms: u64) -> Result<Vec<u8>, String> {
    let mut gz = GzEncoder::new(Vec::new(), Compression::default());
    let header = json!({"format": FORMAT, "version": VERSION, "exported_at_ms": exported_at_ms, "entries": entries.len()});
    let mut line = header.to_string();
    line.push('\n');
    gz.write_all(line.as_bytes()).map_err(|e| e.to_string())?;
    for (key, value) in entries {
        let value = std::str::from_utf8(value).map_err(|_| format!("the value under '{key}' is not text"))?;
        let mut line = serde_json::to_string(&(key, value)).map_err(|e| e.to_string())?;
        line.push('\n');
        gz.write_all(line.as_bytes()).map_err(|e| e.to_string())?;
    }
    gz.finish().map_err(|e| e.to_string())
}

/// Reads an export file back into entries, or says what is wrong with it.
pub fn import(file: &[u8]) -> Result<Vec<(String, Vec<u8>)>, String> {
    if file.len() < 2 || file[0] != 0x1f || file[1] != 0x8b {
        return Err("this is not a Stratus export file (it is not gzip-compressed)".into());
    }
    let mut text = String::new();
    GzDecoder::new(file)
        .take(MAX_UNCOMPRESSED)
        .read_to_string(&mut text)
        .map_err(|e| format!("the export file is damaged: {e}"))?;
    let mut lines = text.lines();
    let header: Value = lines
        .next()
        .and_then(|l| serde_json::from_str(l).ok())
        .ok_or("the export file has no header line")?;
    if header["format"] != FORMAT {
        return Err("this is not a Stratus export file (wrong format name)".into());
    }
    let version = header["version"].as_u64().ok_or("the export file's header has no version")?;
    if version > VERSION {
        return Err(format!(
            "this export was made by a newer Stratus (format version {version}; this one reads up to {VERSION}); update Stratus first"
        ));
    }
    let expected = header["entries"].as_u64().ok_or("the export file's header has no entry count")?;
    let mut entries = Vec::with_capacity(expected.min(1_000_000) as usize);
    for (n, line) in lines.enumerate() {
        if line.is_empty() {
            continue;
        }
        let (key, value): (String, String) =
            serde_json::from_str(line).map_err(|e| format!("the export file is damaged at entry {}: {e}", n + 1))?;
        entries.push((key, value.into_bytes()));
    }
    if entries.len() as u64 != expected {
        return Err(format!(
            "the export file is incomplete: its header promises {expected} entries, it holds {}",
            entries.len()
        ));
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<(String, Vec<u8>)> {
        vec![
            ("meta/schema".into(), br#"{"version":1}"#.to_vec()),
            ("dynamodb/item/T/{\"id\":{\"S\":\"a\"}}".into(), "{\"id\":{\"S\":\"é\\n\"}}".as_bytes().to_vec()),
        ]
    }

    #[test]
    fn round_trip() {
        let file = export(&sample(), 1_700_000_000_000).unwrap();
        assert_eq!(&file[..2], &[0x1f, 0x8b]);
        assert_eq!(import(&file).unwrap(), sample());
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        assert!(import(b"{}").unwrap_err().contains("not gzip"));
        let file = export(&sample(), 0).unwrap();
        let mut truncated = file.clone();
        truncated.truncate(file.len() - 12);
        assert!(import(&truncated).is_err());
        // A newer version.
        let mut gz = GzEncoder::new(Vec::new(), Compression::default());
        gz.write_all(b"{\"format\":\"stratus-export\",\"version\":9,\"entries\":0}\n").unwrap();
        assert!(import(&gz.finish().unwrap()).unwrap_err().contains("newer Stratus"));
        // A count that does not match.
        let mut gz = GzEncoder::new(Vec::new(), Compression::default());
        gz.write_all(b"{\"format\":\"stratus-export\",\"version\":1,\"entries\":3}\n[\"a\",\"1\"]\n").unwrap();
        assert!(import(&gz.finish().unwrap()).unwrap_err().contains("incomplete"));
        // Another gzip file.
        let mut gz = GzEncoder::new(Vec::new(), Compression::default());
        gz.write_all(b"hello\n").unwrap();
        assert!(import(&gz.finish().unwrap()).is_err());
    }
}
