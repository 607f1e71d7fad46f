//! Reading CSV exports record by record, tolerant of what real exports look like: a UTF-8
//! byte-order mark, `;` or tab delimiters (Excel in many locales), quoted fields spanning
//! lines, short rows, blank rows, and headers found by name in any case and spacing.
//!
//! Nothing is loaded whole: the reader keeps one record in memory, so a 1 GB export costs
//! a few kilobytes. Errors name the file, the line the record starts on and the column.

use super::{cell, problem};
use crate::IngestError;
use std::fs::File;
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use steward_model::Timestamp;

/// How much of the file is looked at to guess the delimiter.
const SNIFF_BYTES: u64 = 64 * 1024;

/// Bytes the CSV parser reads at a time.
const BUFFER_BYTES: usize = 256 * 1024;

/// The longest record read. Real records are kilobytes; a record this long means a quote
/// that is never closed, which would otherwise pull the rest of the file into memory.
pub(crate) const MAX_RECORD_BYTES: u64 = 64 * 1024 * 1024;

/// Fails reads once the record being parsed has grown past [`MAX_RECORD_BYTES`].
struct RecordGuard<R> {
    inner: R,
    read: u64,
    limit: u64,
    /// Byte offset where the record being parsed starts, kept up to date by [`CsvTable`].
    record_start: Arc<AtomicU64>,
}

impl<R: Read> Read for RecordGuard<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.read.saturating_sub(self.record_start.load(Ordering::Relaxed)) > self.limit {
            return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, RecordTooLong));
        }
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        Ok(n)
    }
}

/// The error [`RecordGuard`] reads with.
#[derive(Debug)]
struct RecordTooLong;

impl std::fmt::Display for RecordTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("record too long")
    }
}

impl std::error::Error for RecordTooLong {}

/// The key a header is matched by: lowercase letters and digits only, without the `_…_value`
/// wrapping the Dataverse Web API puts around lookup columns, so that `admin_AppOwner`,
/// `_admin_appowner_value` and `Admin AppOwner` are one column.
pub(crate) fn header_key(name: &str) -> String {
    let name = name.trim().trim_start_matches('\u{feff}').trim();
    let lower = name.to_lowercase();
    let unwrapped = lower.strip_prefix('_').unwrap_or(&lower);
    let unwrapped = unwrapped.strip_suffix("_value").unwrap_or(unwrapped);
    unwrapped.chars().filter(|c| c.is_alphanumeric()).collect()
}

/// The delimiter used in the header line: the most frequent of `,`, `;` and tab outside quotes.
fn sniff_delimiter(head: &[u8]) -> u8 {
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0)];
    let mut quoted = false;
    for &b in head {
        match b {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => break,
            _ if !quoted => {
                if let Some(slot) = counts.iter_mut().find(|(d, _)| *d == b) {
                    slot.1 += 1;
                }
            }
            _ => {}
        }
    }
    // `max_by_key` keeps the last maximum; comma goes last so that it wins ties.
    counts.rotate_left(1);
    counts.iter().max_by_key(|(_, n)| *n).map(|(d, _)| *d).unwrap_or(b',')
}

/// One CSV file being read.
pub(crate) struct CsvTable {
    path: PathBuf,
    reader: csv::Reader<Box<dyn Read + Send>>,
    headers: Vec<String>,
    keys: Vec<String>,
    record: csv::StringRecord,
    records: u64,
    record_start: Arc<AtomicU64>,
    /// Line the record being parsed starts on, for errors that carry no position.
    start_line: u64,
    /// The longest record read, in bytes.
    limit: u64,
}

impl CsvTable {
    /// Open `path` and read its header row.
    pub(crate) fn open(path: &Path) -> Result<Self, IngestError> {
        Self::open_with_limit(path, MAX_RECORD_BYTES)
    }

    /// [`CsvTable::open`] with records limited to `limit` bytes (plus the parser's buffer).
    fn open_with_limit(path: &Path, limit: u64) -> Result<Self, IngestError> {
        let mut file = File::open(path).map_err(|e| problem::unreadable(path, &e))?;
        let mut head = Vec::new();
        file.by_ref().take(SNIFF_BYTES).read_to_end(&mut head).map_err(|e| problem::unreadable(path, &e))?;
        let delimiter = sniff_delimiter(&head);
        let record_start = Arc::new(AtomicU64::new(0));
        let source: Box<dyn Read + Send> = Box::new(RecordGuard {
            inner: Cursor::new(head).chain(file),
            read: 0,
            limit,
            record_start: Arc::clone(&record_start),
        });
        let reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            // Records end at `\n`; a `\r` before it stays on the last field and is removed
            // there. With the default CRLF terminator the parser reports the line before a
            // record's first line as its start, which would misplace every error.
            .terminator(csv::Terminator::Any(b'\n'))
            .buffer_capacity(BUFFER_BYTES)
            .from_reader(source);
        let mut table = CsvTable {
            path: path.to_path_buf(),
            reader,
            headers: Vec::new(),
            keys: Vec::new(),
            record: csv::StringRecord::new(),
            records: 0,
            record_start,
            start_line: 1,
            limit,
        };
        let mut header = csv::StringRecord::new();
        match table.reader.read_record(&mut header) {
            Ok(true) => {}
            Ok(false) => {
                return Err(problem::file(path, "the file is empty; expected a header row naming the columns"));
            }
            Err(e) => return Err(table.csv_error(&e)),
        }
        table.mark_record_start();
        table.headers = header.iter().map(|h| h.trim().trim_start_matches('\u{feff}').trim().to_string()).collect();
        table.keys = table.headers.iter().map(|h| header_key(h)).collect();
        Ok(table)
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The headers as written (byte-order mark and blanks removed).
    pub(crate) fn headers(&self) -> &[String] {
        &self.headers
    }

    /// The first column whose header matches any of `names` (compared by [`header_key`]).
    pub(crate) fn column(&self, names: &[&str]) -> Option<usize> {
        names.iter().find_map(|name| {
            let key = header_key(name);
            self.keys.iter().position(|k| *k == key)
        })
    }

    /// The next data record; rows with nothing but blanks are skipped.
    pub(crate) fn next_row(&mut self) -> Result<Option<Row<'_>>, IngestError> {
        loop {
            let read = self.reader.read_record(&mut self.record);
            if read.is_ok() {
                self.mark_record_start();
            }
            match read {
                Ok(false) => return Ok(None),
                Ok(true) if self.record.iter().all(|f| f.trim().is_empty()) => continue,
                Ok(true) => {
                    self.records += 1;
                    let line = self.record.position().map_or(0, |p| p.line());
                    return Ok(Some(Row {
                        path: &self.path,
                        headers: &self.headers,
                        record: &self.record,
                        line,
                        number: self.records,
                    }));
                }
                Err(e) => return Err(self.csv_error(&e)),
            }
        }
    }

    /// Tell the guard that the next record starts where the parser now stands.
    fn mark_record_start(&mut self) {
        let position = self.reader.position();
        self.record_start.store(position.byte(), Ordering::Relaxed);
        self.start_line = position.line();
    }

    fn csv_error(&self, err: &csv::Error) -> IngestError {
        let line = err.position().map_or(self.start_line, |p| p.line());
        match err.kind() {
            csv::ErrorKind::Io(io) if io.get_ref().is_some_and(|e| e.is::<RecordTooLong>()) => problem::at(
                &self.path,
                line,
                1,
                format!(
                    "a record runs on for more than {} MiB; a quote is probably not closed (fields that contain the delimiter, quotes or line breaks must be quoted, with quotes inside doubled)",
                    self.limit.div_ceil(1024 * 1024)
                ),
            ),
            csv::ErrorKind::Io(io) => problem::unreadable(&self.path, io),
            csv::ErrorKind::Utf8 { err: utf8, .. } => problem::at(
                &self.path,
                line,
                utf8.field() as u64 + 1,
                "this field is not UTF-8 text; save the file as UTF-8 (CSV UTF-8 in Excel)",
            ),
            _ => problem::at(&self.path, line, 1, format!("cannot read this CSV record ({err})")),
        }
    }
}

/// One data record of a [`CsvTable`].
pub(crate) struct Row<'a> {
    path: &'a Path,
    headers: &'a [String],
    record: &'a csv::StringRecord,
    /// Line of the file the record starts on (1-based).
    line: u64,
    /// Data record number (1-based, the header not counted).
    number: u64,
}

impl<'a> Row<'a> {
    /// The field in column `index`, as written; empty when the row is shorter.
    pub(crate) fn raw(&self, index: usize) -> &'a str {
        let field = self.record.get(index).unwrap_or("");
        if index + 1 == self.record.len() { field.strip_suffix('\r').unwrap_or(field) } else { field }
    }

    /// The trimmed field in `column`, `None` when the column is absent or the field blank.
    pub(crate) fn text(&self, column: Option<usize>) -> Option<&'a str> {
        column.map(|i| self.raw(i).trim()).filter(|t| !t.is_empty())
    }

    /// A problem with the field in column `index`: file, line, column and header name.
    pub(crate) fn error(&self, index: usize, problem: impl std::fmt::Display) -> IngestError {
        let header = self.headers.get(index).map(String::as_str).unwrap_or("");
        problem::at(
            self.path,
            self.line,
            index as u64 + 1,
            format!("record {}, column '{header}': {problem}", self.number),
        )
    }

    /// A problem with the record as a whole (a required column is empty, …).
    pub(crate) fn record_error(&self, problem: impl std::fmt::Display) -> IngestError {
        problem::at(self.path, self.line, 1, format!("record {}: {problem}", self.number))
    }

    /// The field in `column` read with `parse`; a value `parse` rejects is an error that
    /// names the column and what `expected` describes.
    pub(crate) fn parsed<T>(
        &self,
        column: Option<usize>,
        parse: impl Fn(&str) -> Option<T>,
        expected: &str,
    ) -> Result<Option<T>, IngestError> {
        let (Some(index), Some(text)) = (column, self.text(column)) else {
            return Ok(None);
        };
        match parse(text) {
            Some(value) => Ok(Some(value)),
            None => Err(self.error(index, format!("'{}' is not {expected}", shorten(text)))),
        }
    }

    /// A timestamp in any spelling [`cell::timestamp`] reads.
    pub(crate) fn timestamp(&self, column: Option<usize>) -> Result<Option<Timestamp>, IngestError> {
        self.parsed(column, cell::timestamp, &format!("a timestamp like {}", cell::TIMESTAMP_FORMATS))
    }

    pub(crate) fn boolean(&self, column: Option<usize>) -> Result<Option<bool>, IngestError> {
        self.parsed(column, cell::boolean, "true or false (yes/no and 1/0 are read too)")
    }

    pub(crate) fn count(&self, column: Option<usize>) -> Result<Option<u32>, IngestError> {
        self.parsed(column, cell::count, "a whole number of 0 or more")
    }
}

/// `text` cut to a length that fits an error message.
pub(crate) fn shorten(text: &str) -> String {
    const MAX: usize = 80;
    if text.chars().count() <= MAX {
        return text.to_string();
    }
    let cut: String = text.chars().take(MAX).collect();
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &[u8]) -> (tempfile::TempDir, CsvTable) {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("t.csv");
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
        let table = CsvTable::open(&path).unwrap_or_else(|e| panic!("{e}"));
        (dir, table)
    }

    #[test]
    fn header_keys_ignore_case_spacing_and_lookup_wrapping() {
        assert_eq!(header_key("\u{feff}AuditData"), "auditdata");
        assert_eq!(header_key("_admin_appowner_value"), "adminappowner");
        assert_eq!(header_key("admin_AppOwner"), "adminappowner");
        assert_eq!(header_key(" App Created On "), "appcreatedon");
    }

    #[test]
    fn bom_semicolons_multiline_fields_and_blank_rows() {
        let (_dir, mut t) = table(b"\xEF\xBB\xBFId;Text\r\n1;\"two\nlines; one field\"\r\n;\r\n2;x\r\n");
        assert_eq!(t.headers(), &["Id".to_string(), "Text".to_string()]);
        assert_eq!(t.column(&["id"]), Some(0));
        assert_eq!(t.column(&["TEXT"]), Some(1));
        let row = t.next_row().unwrap_or_else(|e| panic!("{e}")).unwrap_or_else(|| panic!("a row"));
        assert_eq!(row.raw(1), "two\nlines; one field");
        let err = row.record_error("x").to_string();
        assert!(err.contains("t.csv:2:1: record 1"), "{err}");
        let row = t.next_row().unwrap_or_else(|e| panic!("{e}")).unwrap_or_else(|| panic!("a row"));
        assert_eq!(row.raw(0), "2");
        let err = row.record_error("x").to_string();
        assert!(err.contains("t.csv:5:1: record 2"), "the blank row is skipped but counts as a line: {err}");
        assert!(t.next_row().unwrap_or_else(|e| panic!("{e}")).is_none());
    }

    #[test]
    fn errors_name_file_line_and_column() {
        let (_dir, mut t) = table(b"a,b\n1,x\n2,not a date\n");
        let _ = t.next_row();
        let row = t.next_row().unwrap_or_else(|e| panic!("{e}")).unwrap_or_else(|| panic!("a row"));
        let err = row.timestamp(Some(1)).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("t.csv:3:2:"), "{err}");
        assert!(err.contains("record 2, column 'b'"), "{err}");
        assert!(err.contains("'not a date' is not a timestamp"), "{err}");
    }

    #[test]
    fn invalid_utf8_is_an_error_not_a_panic() {
        let (_dir, mut t) = table(b"a,b\n1,\xff\xfe\n");
        let err = t.next_row().err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("t.csv:2:2:") && err.contains("UTF-8"), "{err}");
    }

    #[test]
    fn an_unclosed_quote_stops_at_the_record_limit() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("open.csv");
        let mut text = b"a,b\n1,2\n3,\"never closed\n".to_vec();
        for _ in 0..20_000 {
            text.extend_from_slice(b"4,5\n");
        }
        std::fs::write(&path, &text).unwrap_or_else(|e| panic!("{e}"));
        let mut t = CsvTable::open_with_limit(&path, 4096).unwrap_or_else(|e| panic!("{e}"));
        assert!(t.next_row().is_ok_and(|r| r.is_some()));
        let err = t.next_row().err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("open.csv:3:1:") && err.contains("quote is probably not closed"), "{err}");
    }

    #[test]
    fn an_empty_file_has_no_header() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("empty.csv");
        std::fs::write(&path, b"").unwrap_or_else(|e| panic!("{e}"));
        let err = CsvTable::open(&path).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("empty.csv") && err.contains("header"), "{err}");
    }
}
