//! Steward's own import format (version 1), for low-code platforms Steward has no connector
//! for: a platform team writes environments, principals, resources and usage with a script,
//! in JSON Lines or CSV, and imports them with `steward import`.
//!
//! Two layouts:
//!
//! - a directory with `manifest.json` (`{"format": "steward-import", "version": 1,
//!   "platform": "appian", "tenant": {"id", "display_name", "domain"}}`) and any of
//!   `environments`, `principals`, `resources`, `usage`, each as `.jsonl` (one JSON object
//!   per line) or `.csv` (a header row of field names);
//! - one `.jsonl` file whose first line is that manifest and whose other lines are
//!   `{"environment": {...}}`, `{"principal": {...}}`, `{"resource": {...}}` or
//!   `{"usage": {...}}`, in any order.
//!
//! Field names and enum values are the model's snake_case spellings, timestamps RFC 3339,
//! ids are kept exactly as written. Unknown fields and columns are errors, so that a typo
//! does not drop data silently. `docs/import-format.md` is the reference.

mod records;

use super::csv_table::CsvTable;
use super::pipeline::{self, Sink, Stop};
use super::{FileImportOptions, FileImportReport, SourceFormat, problem};
use crate::{IngestError, Progress};
use records::{Context, CsvColumns, CsvRow, EnvironmentRecord, Line, PrincipalRecord, ResourceRecord, UsageRecord};
use serde::Deserialize;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use steward_model::Tenant;
use steward_store::Store;

/// The `format` of a Steward import manifest or header line.
pub const FORMAT: &str = "steward-import";
/// The version this Steward reads.
pub const VERSION: u32 = 1;
/// The manifest of the directory layout.
pub const MANIFEST: &str = "manifest.json";

/// The longest JSON line read; longer means the file is not JSON Lines (or is damaged), and
/// reading on would hold it all in memory.
const MAX_LINE_BYTES: u64 = 16 * 1024 * 1024;

const READ_BUFFER_BYTES: usize = 256 * 1024;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    #[allow(dead_code, reason = "checked before the typed parse")]
    format: String,
    #[allow(dead_code, reason = "checked before the typed parse")]
    version: u32,
    platform: String,
    tenant: ManifestTenant,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ManifestTenant {
    id: String,
    display_name: String,
    #[serde(default)]
    domain: Option<String>,
}

/// The record types, in the order a directory is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RecordType {
    Environments,
    Principals,
    Resources,
    Usage,
}

impl RecordType {
    const ALL: [RecordType; 4] =
        [RecordType::Environments, RecordType::Principals, RecordType::Resources, RecordType::Usage];

    fn file_stem(self) -> &'static str {
        match self {
            RecordType::Environments => "environments",
            RecordType::Principals => "principals",
            RecordType::Resources => "resources",
            RecordType::Usage => "usage",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    JsonLines,
    Csv,
}

/// What to read, found before the import starts.
enum Layout {
    Directory(Vec<(RecordType, Encoding, PathBuf)>),
    /// One JSON Lines file; its first non-blank line is the manifest.
    SingleFile(PathBuf),
}

/// Import the Steward import at `path` (a directory with `manifest.json`, or one `.jsonl`
/// file) into `store`, all or nothing.
pub async fn import(
    store: &dyn Store,
    path: &Path,
    opts: &FileImportOptions,
    progress: &dyn Progress,
) -> Result<FileImportReport, IngestError> {
    pipeline::run(store, SourceFormat::Steward, opts.batch_size, progress, reader(path, opts)?).await
}

/// What reads the Steward import at `path` into a [`Sink`], once its manifest is read.
pub(crate) fn reader(
    path: &Path,
    opts: &FileImportOptions,
) -> Result<impl FnOnce(&mut Sink) -> Result<(), Stop> + Send + 'static, IngestError> {
    let (manifest, layout) = open(path)?;
    let tenant = Tenant {
        id: opts.tenant.clone().unwrap_or(manifest.tenant.id),
        display_name: manifest.tenant.display_name,
        domain: manifest.tenant.domain,
    };
    let ctx = Context { tenant_id: tenant.id.clone(), platform: manifest.platform };
    Ok(move |sink: &mut Sink| {
        sink.tenant(tenant)?;
        match &layout {
            Layout::Directory(files) => {
                sink.files += 1; // manifest.json
                for (record_type, encoding, file) in files {
                    match encoding {
                        Encoding::JsonLines => read_json_lines(sink, file, &ctx, Some(*record_type))?,
                        Encoding::Csv => read_csv(sink, file, &ctx, *record_type)?,
                    }
                }
            }
            Layout::SingleFile(file) => read_json_lines(sink, file, &ctx, None)?,
        }
        Ok(())
    })
}

/// The manifest and the files of the import at `path`.
fn open(path: &Path) -> Result<(Manifest, Layout), IngestError> {
    let meta = std::fs::metadata(path).map_err(|e| problem::unreadable(path, &e))?;
    if !meta.is_dir() {
        if path.file_name().is_some_and(|n| n.eq_ignore_ascii_case(MANIFEST))
            && let Some(dir) = path.parent()
        {
            return open(if dir.as_os_str().is_empty() { Path::new(".") } else { dir });
        }
        let (line, text) = first_line(path)?;
        let manifest = parse_manifest(path, line, &text)?;
        return Ok((manifest, Layout::SingleFile(path.to_path_buf())));
    }
    let manifest_path = path.join(MANIFEST);
    let text = std::fs::read_to_string(&manifest_path).map_err(|e| {
        problem::file(
            &manifest_path,
            format!(
                "cannot read the manifest ({e}); a Steward import directory starts with a manifest.json holding {{\"format\": \"{FORMAT}\", \"version\": {VERSION}, \"platform\": …, \"tenant\": …}}"
            ),
        )
    })?;
    let manifest = parse_manifest(&manifest_path, 1, &text)?;
    Ok((manifest, Layout::Directory(record_files(path)?)))
}

/// The record files of a directory, in reading order; other `.jsonl`/`.csv` files are errors.
fn record_files(dir: &Path) -> Result<Vec<(RecordType, Encoding, PathBuf)>, IngestError> {
    let mut found: Vec<(RecordType, Encoding, PathBuf)> = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| problem::unreadable(dir, &e))? {
        let file = entry.map_err(|e| problem::unreadable(dir, &e))?.path();
        if !file.is_file() {
            continue;
        }
        let extension = file.extension().map(|x| x.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
        let encoding = match extension.as_str() {
            "jsonl" | "ndjson" => Encoding::JsonLines,
            "csv" => Encoding::Csv,
            _ => continue,
        };
        let stem = file.file_stem().map(|s| s.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
        let Some(record_type) = RecordType::ALL.into_iter().find(|t| t.file_stem() == stem) else {
            return Err(problem::file(
                &file,
                "is not a record file of a Steward import; name it environments, principals, resources or usage (.jsonl or .csv)",
            ));
        };
        if let Some((_, _, other)) = found.iter().find(|(t, _, _)| *t == record_type) {
            return Err(problem::file(
                dir,
                format!(
                    "holds {} twice ({} and {}); keep one",
                    record_type.file_stem(),
                    other.display(),
                    file.display()
                ),
            ));
        }
        found.push((record_type, encoding, file));
    }
    found.sort_by_key(|(t, _, _)| RecordType::ALL.iter().position(|x| x == t));
    Ok(found)
}

/// Check `text` (found at `line` of `path`) is a manifest of a version this Steward reads.
fn parse_manifest(path: &Path, line: u64, text: &str) -> Result<Manifest, IngestError> {
    let at_line = |err: &serde_json::Error| {
        problem::at(path, line + err.line() as u64 - 1, err.column() as u64, problem::json_problem(err))
    };
    // Format and version first, so that a future version says so instead of naming a field.
    let head: serde_json::Value = serde_json::from_str(text).map_err(|e| at_line(&e))?;
    let format = head.get("format").and_then(|f| f.as_str()).unwrap_or_default();
    if format != FORMAT {
        return Err(problem::at(
            path,
            line,
            1,
            format!(
                "format is '{format}', expected '{FORMAT}'; a Steward import starts with {{\"format\": \"{FORMAT}\", \"version\": {VERSION}, \"platform\": …, \"tenant\": …}}"
            ),
        ));
    }
    let version = head.get("version").and_then(|v| v.as_u64()).unwrap_or(0);
    if version != u64::from(VERSION) {
        return Err(problem::at(
            path,
            line,
            1,
            format!(
                "Steward import version {version} is not supported (this Steward reads version {VERSION}); write version {VERSION} or upgrade Steward"
            ),
        ));
    }
    let manifest: Manifest = serde_json::from_str(text).map_err(|e| at_line(&e))?;
    let platform = manifest.platform.as_str();
    let valid = !platform.is_empty()
        && platform.len() <= 64
        && platform.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.'));
    if !valid {
        return Err(problem::at(
            path,
            line,
            1,
            format!(
                "platform '{platform}' is not a short lowercase name; use one like \"appian\", \"outsystems\" or \"mendix\""
            ),
        ));
    }
    if manifest.tenant.id.trim().is_empty() || manifest.tenant.display_name.trim().is_empty() {
        return Err(problem::at(path, line, 1, "tenant.id and tenant.display_name must not be empty"));
    }
    Ok(manifest)
}

/// One line of a JSON Lines file, bounded in length.
struct Lines {
    path: PathBuf,
    reader: BufReader<File>,
    buffer: Vec<u8>,
    number: u64,
}

impl Lines {
    fn open(path: &Path) -> Result<Self, IngestError> {
        let file = File::open(path).map_err(|e| problem::unreadable(path, &e))?;
        Ok(Lines {
            path: path.to_path_buf(),
            reader: BufReader::with_capacity(READ_BUFFER_BYTES, file),
            buffer: Vec::new(),
            number: 0,
        })
    }

    /// The next line that is not blank, with its number.
    fn next_line(&mut self) -> Result<Option<(u64, &str)>, IngestError> {
        const BOM: &[u8] = b"\xEF\xBB\xBF";
        loop {
            self.buffer.clear();
            let read = (&mut self.reader)
                .take(MAX_LINE_BYTES + 1)
                .read_until(b'\n', &mut self.buffer)
                .map_err(|e| problem::unreadable(&self.path, &e))?;
            if read == 0 {
                return Ok(None);
            }
            self.number += 1;
            if self.buffer.len() as u64 > MAX_LINE_BYTES {
                return Err(problem::at(
                    &self.path,
                    self.number,
                    1,
                    format!(
                        "the line is longer than {} MiB; JSON Lines hold one record per line",
                        MAX_LINE_BYTES / (1024 * 1024)
                    ),
                ));
            }
            if self.number == 1 && self.buffer.starts_with(BOM) {
                self.buffer.drain(..BOM.len());
            }
            if !self.buffer.iter().all(u8::is_ascii_whitespace) {
                break;
            }
        }
        let number = self.number;
        let text = std::str::from_utf8(&self.buffer).map_err(|e| {
            problem::at(&self.path, number, e.valid_up_to() as u64 + 1, "is not UTF-8 text; write the file as UTF-8")
        })?;
        Ok(Some((number, text)))
    }
}

/// The first non-blank line of `path` and its number.
fn first_line(path: &Path) -> Result<(u64, String), IngestError> {
    let mut lines = Lines::open(path)?;
    match lines.next_line()? {
        Some((number, text)) => Ok((number, text.to_string())),
        None => Err(problem::file(
            path,
            format!(
                "is empty; a Steward import file starts with {{\"format\": \"{FORMAT}\", \"version\": {VERSION}, …}}"
            ),
        )),
    }
}

/// Parse one JSON line as `T`; errors carry the line and serde's column.
fn parse_line<'a, T: Deserialize<'a>>(path: &Path, number: u64, text: &'a str) -> Result<T, IngestError> {
    serde_json::from_str(text).map_err(|e| problem::at(path, number, e.column() as u64, problem::json_problem(&e)))
}

/// Read a JSON Lines file: records of `record_type`, or (a single-file import, `None`) the
/// manifest line followed by tagged records of any type.
fn read_json_lines(sink: &mut Sink, path: &Path, ctx: &Context, record_type: Option<RecordType>) -> Result<(), Stop> {
    let mut lines = Lines::open(path)?;
    sink.files += 1;
    if record_type.is_none() {
        // The manifest, checked before the import started.
        lines.next_line()?;
    }
    while let Some((number, text)) = lines.next_line()? {
        sink.records += 1;
        let line = match record_type {
            None => parse_line::<Line>(path, number, text)?,
            Some(RecordType::Environments) => Line::Environment(parse_line::<EnvironmentRecord>(path, number, text)?),
            Some(RecordType::Principals) => Line::Principal(parse_line::<PrincipalRecord>(path, number, text)?),
            Some(RecordType::Resources) => Line::Resource(parse_line::<ResourceRecord>(path, number, text)?),
            Some(RecordType::Usage) => Line::Usage(parse_line::<UsageRecord>(path, number, text)?),
        };
        let invalid = |problem: String| Stop::Failed(problem::at(path, number, 1, problem));
        match line {
            Line::Environment(r) => sink.environment(r.into_model(ctx).map_err(invalid)?)?,
            Line::Principal(r) => sink.principal(r.into_model(ctx).map_err(invalid)?)?,
            Line::Resource(r) => sink.resource(r.into_model(ctx).map_err(invalid)?)?,
            Line::Usage(r) => sink.usage(r.into_model(ctx).map_err(invalid)?)?,
        }
    }
    Ok(())
}

fn read_csv(sink: &mut Sink, path: &Path, ctx: &Context, record_type: RecordType) -> Result<(), Stop> {
    let mut csv = CsvTable::open(path)?;
    sink.files += 1;
    let fields = match record_type {
        RecordType::Environments => records::ENVIRONMENT_FIELDS,
        RecordType::Principals => records::PRINCIPAL_FIELDS,
        RecordType::Resources => records::RESOURCE_FIELDS,
        RecordType::Usage => records::USAGE_FIELDS,
    };
    let columns = CsvColumns::find(&csv, fields)?;
    while let Some(row) = csv.next_row()? {
        sink.records += 1;
        let fields = CsvRow { row: &row, columns: &columns };
        let invalid = |problem: String| Stop::Failed(row.record_error(problem));
        match record_type {
            RecordType::Environments => sink.environment(fields.environment()?.into_model(ctx).map_err(invalid)?)?,
            RecordType::Principals => sink.principal(fields.principal()?.into_model(ctx).map_err(invalid)?)?,
            RecordType::Resources => sink.resource(fields.resource()?.into_model(ctx).map_err(invalid)?)?,
            RecordType::Usage => sink.usage(fields.usage()?.into_model(ctx).map_err(invalid)?)?,
        }
    }
    Ok(())
}
