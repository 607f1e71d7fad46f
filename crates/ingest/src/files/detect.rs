//! Which format a path holds, from cheap looks at it (a manifest's `format`, file names, a
//! CSV header), so that `steward import PATH` needs no `--format` for ordinary inputs.

use super::csv_table::CsvTable;
use super::{SourceFormat, coe_kit, problem, steward_format};
use crate::IngestError;
use crate::dump::manifest as dump_manifest;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// The longest first line read to find a JSON Lines header.
const HEADER_LINE_BYTES: u64 = 1024 * 1024;

/// Tell the format of `path`:
///
/// 1. a directory with `manifest.json`: its `format` decides (`steward-tenant-dump` → dump,
///    `steward-import` → Steward format);
/// 2. a directory with CoE Starter Kit table files (`admin_app.csv`, …) → CoE kit;
/// 3. a directory with CSV files whose header has an `AuditData` column → Purview;
/// 4. a `.csv` file: named after a CoE table → CoE kit; header with `AuditData` → Purview;
/// 5. a `.jsonl` file whose first line has `"format": "steward-import"` → Steward format;
/// 6. a `manifest.json` file: as its directory.
pub fn detect(path: &Path) -> Result<SourceFormat, IngestError> {
    let meta = std::fs::metadata(path).map_err(|e| problem::unreadable(path, &e))?;
    if meta.is_dir() {
        return detect_dir(path);
    }
    let name = path.file_name().map(|n| n.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    if name == dump_manifest::FILE_NAME {
        return detect_dir(dump_dir(path));
    }
    let extension = path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    match extension.as_str() {
        "csv" => detect_csv(path),
        "jsonl" | "ndjson" | "json" => match first_line_format(path)?.as_deref() {
            Some(steward_format::FORMAT) => Ok(SourceFormat::Steward),
            other => Err(problem::file(
                path,
                format!(
                    "cannot tell its format: the first line has format {}, a Steward import file starts with {{\"format\": \"{}\", \"version\": 1, …}}; see docs/import-format.md or pass --format",
                    other.map_or("(none)".to_string(), |f| format!("'{f}'")),
                    steward_format::FORMAT
                ),
            )),
        },
        _ => Err(problem::file(path, unknown_advice())),
    }
}

/// The directory of a dump given as the directory or as its `manifest.json`.
pub(crate) fn dump_dir(path: &Path) -> &Path {
    let is_manifest = path.file_name().is_some_and(|n| n.eq_ignore_ascii_case(dump_manifest::FILE_NAME));
    match path.parent() {
        Some(parent) if is_manifest && path.is_file() => {
            if parent.as_os_str().is_empty() {
                Path::new(".")
            } else {
                parent
            }
        }
        _ => path,
    }
}

fn unknown_advice() -> String {
    "cannot tell its format; Steward imports a tenant dump directory (manifest.json), a Purview audit log export (.csv with an AuditData column), CoE Starter Kit table exports (admin_app.csv, …) or a Steward import (manifest.json or .jsonl with \"format\": \"steward-import\"); pass --format to say which".to_string()
}

fn detect_dir(dir: &Path) -> Result<SourceFormat, IngestError> {
    let manifest = dir.join(dump_manifest::FILE_NAME);
    if manifest.is_file() {
        return match first_line_format(&manifest)?.as_deref() {
            Some(dump_manifest::FORMAT) => Ok(SourceFormat::Dump),
            Some(steward_format::FORMAT) => Ok(SourceFormat::Steward),
            other => Err(problem::file(
                &manifest,
                format!(
                    "format is {}; expected '{}' (a tenant dump) or '{}' (a Steward import)",
                    other.map_or("missing".to_string(), |f| format!("'{f}'")),
                    dump_manifest::FORMAT,
                    steward_format::FORMAT
                ),
            )),
        };
    }
    let mut csv_files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| problem::unreadable(dir, &e))? {
        let path = entry.map_err(|e| problem::unreadable(dir, &e))?.path();
        if path.is_file() && path.extension().is_some_and(|x| x.eq_ignore_ascii_case("csv")) {
            csv_files.push(path);
        }
    }
    csv_files.sort();
    if csv_files.iter().any(|p| coe_kit::table_of(p).is_some()) {
        return Ok(SourceFormat::CoeKit);
    }
    for path in &csv_files {
        if has_audit_data(path)? {
            return Ok(SourceFormat::Purview);
        }
    }
    Err(problem::file(dir, unknown_advice()))
}

fn detect_csv(path: &Path) -> Result<SourceFormat, IngestError> {
    if coe_kit::table_of(path).is_some() {
        return Ok(SourceFormat::CoeKit);
    }
    if has_audit_data(path)? {
        return Ok(SourceFormat::Purview);
    }
    Err(problem::file(path, unknown_advice()))
}

fn has_audit_data(path: &Path) -> Result<bool, IngestError> {
    let table = CsvTable::open(path)?;
    Ok(table.column(&[super::purview::AUDIT_DATA]).is_some())
}

/// The `format` of the JSON object on the first line of `path` (or of the whole file when it
/// is a pretty-printed manifest); `None` when there is none.
fn first_line_format(path: &Path) -> Result<Option<String>, IngestError> {
    let file = std::fs::File::open(path).map_err(|e| problem::unreadable(path, &e))?;
    let mut reader = BufReader::new(file.take(HEADER_LINE_BYTES));
    let mut first = String::new();
    // A file that is not text has no format we know; the importer reports it properly.
    if reader.read_line(&mut first).is_err() {
        return Ok(None);
    }
    let value = match serde_json::from_str::<serde_json::Value>(first.trim_start_matches('\u{feff}')) {
        Ok(v) => v,
        Err(_) => {
            // Pretty-printed manifest.json: read the whole (small, bounded) file.
            let mut rest = String::new();
            if reader.read_to_string(&mut rest).is_err() {
                return Ok(None);
            }
            first.push_str(&rest);
            serde_json::from_str(first.trim_start_matches('\u{feff}')).unwrap_or(serde_json::Value::Null)
        }
    };
    Ok(value.get("format").and_then(|f| f.as_str()).map(str::to_string))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
        path
    }

    #[test]
    fn each_format_is_recognised() {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let root = tmp.path();

        let dump = root.join("dump");
        std::fs::create_dir(&dump).unwrap_or_else(|e| panic!("{e}"));
        let manifest =
            write(&dump, "manifest.json", "{\n  \"format\": \"steward-tenant-dump\",\n  \"version\": 1\n}\n");
        assert_eq!(detect(&dump).ok(), Some(SourceFormat::Dump));
        assert_eq!(detect(&manifest).ok(), Some(SourceFormat::Dump));
        assert_eq!(dump_dir(&manifest), dump.as_path());

        let coe = root.join("coe");
        std::fs::create_dir(&coe).unwrap_or_else(|e| panic!("{e}"));
        write(&coe, "Admin_App.csv", "admin_appid\n");
        assert_eq!(detect(&coe).ok(), Some(SourceFormat::CoeKit));
        assert_eq!(detect(&coe.join("Admin_App.csv")).ok(), Some(SourceFormat::CoeKit));

        let purview = write(root, "audit.csv", "\u{feff}RecordId,CreationDate,AuditData\n");
        assert_eq!(detect(&purview).ok(), Some(SourceFormat::Purview));

        let steward = root.join("steward");
        std::fs::create_dir(&steward).unwrap_or_else(|e| panic!("{e}"));
        write(&steward, "manifest.json", "{\"format\": \"steward-import\", \"version\": 1}");
        assert_eq!(detect(&steward).ok(), Some(SourceFormat::Steward));
        let single = write(root, "estate.jsonl", "{\"format\":\"steward-import\",\"version\":1}\n{\"usage\":{}}\n");
        assert_eq!(detect(&single).ok(), Some(SourceFormat::Steward));
    }

    #[test]
    fn unknown_inputs_say_what_is_expected() {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let other = write(tmp.path(), "other.csv", "a,b\n1,2\n");
        let err = detect(&other).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("other.csv") && err.contains("--format"), "{err}");
        let err = detect(&tmp.path().join("missing")).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("missing"), "{err}");
        let empty = tmp.path().join("empty");
        std::fs::create_dir(&empty).unwrap_or_else(|e| panic!("{e}"));
        write(&empty, "manifest.json", "{\"format\": \"something-else\"}");
        let err = detect(&empty).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("something-else"), "{err}");
    }
}
