//! Deployment packages: `Code.ZipFile` is a zip archive holding the module
//! (or, as Stratus also accepts, the module itself).

use base64::Engine;
use sha2::{Digest, Sha256};
use std::io::Read;

/// Lambda's limit on a package uploaded in the request (50 MB zipped).
pub const MAX_ZIPPED: usize = 50 * 1024 * 1024;
/// Lambda's limit on a package's unzipped size.
pub const MAX_UNZIPPED: u64 = 262_144_000;

/// A deployment package, opened.
#[derive(Debug, Clone, PartialEq)]
pub struct Package {
    /// Base64 SHA-256 of the package as uploaded (Lambda's CodeSha256).
    pub code_sha256: String,
    pub code_size: u64,
    /// The WebAssembly module it holds.
    pub module: Vec<u8>,
    /// Hex SHA-256 of the module.
    pub module_key: String,
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Opens a package. `handler` may name the module inside a zip
/// (`app.wasm`); otherwise `bootstrap.wasm`, `bootstrap`, or the only
/// `.wasm` file is used.
pub fn open(bytes: &[u8], handler: &str) -> Result<Package, String> {
    if bytes.len() > MAX_ZIPPED {
        return Err(format!("Unzipped size must be smaller than {MAX_UNZIPPED} bytes"));
    }
    let code_sha256 = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(bytes));
    let module = if bytes.starts_with(b"\0asm") {
        bytes.to_vec()
    } else if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        from_zip(bytes, handler)?
    } else {
        return Err("Could not unzip uploaded file. Please check your file, then try to upload again.".into());
    };
    Ok(Package { code_sha256, code_size: bytes.len() as u64, module_key: sha256_hex(&module), module })
}

fn from_zip(bytes: &[u8], handler: &str) -> Result<Vec<u8>, String> {
    let bad = || "Could not unzip uploaded file. Please check your file, then try to upload again.".to_string();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|_| bad())?;
    let mut total = 0u64;
    let mut names = Vec::new();
    for i in 0..archive.len() {
        let file = archive.by_index(i).map_err(|_| bad())?;
        total += file.size();
        if file.is_file() {
            names.push(file.name().map_err(|_| bad())?.to_string());
        }
    }
    if total > MAX_UNZIPPED {
        return Err(format!("Unzipped size must be smaller than {MAX_UNZIPPED} bytes"));
    }
    let wasm: Vec<&String> = names.iter().filter(|n| n.ends_with(".wasm")).collect();
    let chosen = [handler.to_string(), "bootstrap.wasm".to_string(), "bootstrap".to_string()]
        .into_iter()
        .find(|c| !c.is_empty() && names.contains(c))
        .or_else(|| (wasm.len() == 1).then(|| wasm[0].clone()))
        .ok_or_else(|| {
            if wasm.is_empty() {
                "The deployment package holds no WebAssembly module: add a .wasm file (or a module named bootstrap).".to_string()
            } else {
                format!(
                    "The deployment package holds several modules ({}); name the one to run in the Handler setting.",
                    wasm.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
                )
            }
        })?;
    let mut file = archive.by_name(&chosen).map_err(|_| bad())?;
    let mut module = Vec::with_capacity(file.size() as usize);
    file.read_to_end(&mut module).map_err(|_| bad())?;
    if !module.starts_with(b"\0asm") {
        return Err(format!("{chosen} in the deployment package is not a WebAssembly module."));
    }
    Ok(module)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = std::io::Cursor::new(Vec::new());
        let mut z = zip::ZipWriter::new(&mut out);
        for (name, data) in files {
            z.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
            z.write_all(data).unwrap();
        }
        z.finish().unwrap();
        out.into_inner()
    }

    #[test]
    fn modules_raw_or_zipped() {
        let module = b"\0asm\x01\0\0\0";
        assert_eq!(open(module, "").unwrap().module, module);
        let z = zip_of(&[("README.md", b"hi"), ("app.wasm", module)]);
        let p = open(&z, "").unwrap();
        assert_eq!(p.module, module);
        assert_eq!(p.code_size, z.len() as u64);
        let two = zip_of(&[("a.wasm", module), ("b.wasm", module)]);
        assert!(open(&two, "").unwrap_err().contains("several modules (a.wasm, b.wasm)"));
        assert_eq!(open(&two, "b.wasm").unwrap().module, module);
        assert!(open(b"hello", "").unwrap_err().starts_with("Could not unzip"));
        assert!(open(&zip_of(&[("x.txt", b"1")]), "").unwrap_err().contains("no WebAssembly module"));
    }
}

/// A language runtime's code package: the text files of the zip, as the
/// JSON `stratus.code` hands to the runtime module.
pub fn open_source(bytes: &[u8], handler: &str, runtime: &str) -> Result<(String, u64, Vec<u8>), String> {
    let bad = || "Could not unzip uploaded file. Please check your file, then try to upload again.".to_string();
    if bytes.len() > MAX_ZIPPED {
        return Err(format!("Unzipped size must be smaller than {MAX_UNZIPPED} bytes"));
    }
    if !(bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06")) {
        return Err(bad());
    }
    let code_sha256 = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(bytes));
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|_| bad())?;
    let mut files = serde_json::Map::new();
    let mut total = 0u64;
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).map_err(|_| bad())?;
        total += file.size();
        if total > MAX_UNZIPPED {
            return Err(format!("Unzipped size must be smaller than {MAX_UNZIPPED} bytes"));
        }
        if !file.is_file() {
            continue;
        }
        let name = file.name().map_err(|_| bad())?.trim_start_matches("./").to_string();
        let mut data = Vec::new();
        file.read_to_end(&mut data).map_err(|_| bad())?;
        // Binary files are left out: the runtime loads source text.
        if let Ok(text) = String::from_utf8(data) {
            files.insert(name, serde_json::Value::String(text));
        }
    }
    // A handler whose file is missing is reported when the function is
    // invoked (Runtime.ImportModuleError), as Lambda does.
    let json = serde_json::json!({ "handler": handler, "runtime": runtime, "files": files });
    Ok((code_sha256, bytes.len() as u64, serde_json::to_vec(&json).unwrap_or_default()))
}

/// A stored package as the zip GetFunction's `Code.Location` serves: a
/// language runtime's package (the JSON of [`open_source`]) as its text
/// files, a module as `bootstrap.wasm`. The files are those deployed, but
/// the archive is written afresh, so its bytes (and SHA-256) need not be
/// the uploaded zip's.
pub fn download_zip(stored: &[u8]) -> Result<Vec<u8>, String> {
    use std::io::Write;
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut out);
        let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        let mut add = |name: &str, data: &[u8]| -> Result<(), String> {
            z.start_file(name, options).map_err(|e| e.to_string())?;
            z.write_all(data).map_err(|e| e.to_string())
        };
        if stored.starts_with(b"\0asm") {
            add("bootstrap.wasm", stored)?;
        } else {
            let json: serde_json::Value = serde_json::from_slice(stored).map_err(|e| e.to_string())?;
            for (name, text) in json["files"].as_object().into_iter().flatten() {
                add(name, text.as_str().unwrap_or("").as_bytes())?;
            }
        }
        z.finish().map_err(|e| e.to_string())?;
    }
    Ok(out.into_inner())
}
