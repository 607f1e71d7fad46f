//! Streams audit records into part files, one open file per recently seen tenant-day.

use crate::ArchiveError;
use crate::layout::{self, new_part_names};
use crate::schema::{RowBuffer, archive_schema};
use arrow_schema::SchemaRef;
use chrono::{DateTime, NaiveDate, Utc};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

pub const DEFAULT_ROWS_PER_FILE: usize = 1_000_000;
pub const DEFAULT_MAX_OPEN_PARTITIONS: usize = 8;

/// Rows collected per partition before they are encoded: big enough that Arrow batches are
/// cheap per row, small enough that a buffer of large records stays a few MiB.
const BATCH_ROWS: usize = 8192;
const BATCH_TEXT_BYTES: usize = 4 << 20;
/// Encoded bytes a row group holds in memory before it is written out. Together with the
/// batch buffer this bounds a writer's memory to about `max_open_partitions × 40 MiB`.
const ROW_GROUP_BYTES: usize = 32 << 20;
/// Readers can tell the layout version from the files themselves.
const FORMAT_KEY: &str = "steward.usage_archive.format";
const FORMAT_VERSION: &str = "1";

/// Where and how the archive is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveConfig {
    /// The directory holding `tenant_id=…/day=…/part-….parquet`; created when missing.
    pub root: PathBuf,
    /// A part file is closed (and becomes visible) after this many rows; the next record of
    /// the same day starts a new part.
    pub rows_per_file: usize,
    /// Part files open at once. When a record needs another, the least recently written one
    /// is closed; a later record for its day starts a new part file.
    pub max_open_partitions: usize,
}

impl ArchiveConfig {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        ArchiveConfig {
            root: root.into(),
            rows_per_file: DEFAULT_ROWS_PER_FILE,
            max_open_partitions: DEFAULT_MAX_OPEN_PARTITIONS,
        }
    }
}

/// One audit record as the importer parsed it, borrowed from its input line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawRecord<'a> {
    pub tenant_id: &'a str,
    /// The partition day (the day the store counts the record on).
    pub day: NaiveDate,
    pub id: &'a str,
    pub creation_time: DateTime<Utc>,
    pub operation: &'a str,
    pub workload: Option<&'a str>,
    pub record_type: i32,
    pub user_id: Option<&'a str>,
    pub user_key: Option<&'a str>,
    pub resource_id: Option<&'a str>,
    pub environment_id: Option<&'a str>,
    /// The record's whole JSON text, so that fields Steward does not read stay queryable.
    pub raw: &'a str,
}

/// What a writer published: complete part files only.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ArchiveReport {
    pub files: u64,
    pub rows: u64,
    pub bytes: u64,
}

/// Writes audit records as Parquet under [`ArchiveConfig::root`]. Records may arrive in any
/// order of tenants and days. A part file becomes visible (is renamed from its hidden
/// temporary name) only once complete: after `rows_per_file` rows, when it is the least
/// recently used of too many open files, or at [`ArchiveWriter::finish`]. Dropping the writer
/// without `finish` discards the files still open.
pub struct ArchiveWriter {
    root: PathBuf,
    rows_per_file: usize,
    max_open_partitions: usize,
    schema: SchemaRef,
    properties: WriterProperties,
    open: Vec<OpenPart>,
    clock: u64,
    report: ArchiveReport,
}

/// A part file being written.
struct OpenPart {
    tenant_id: String,
    day: NaiveDate,
    dir: PathBuf,
    temporary: PathBuf,
    path: PathBuf,
    writer: ArrowWriter<BufWriter<File>>,
    buffer: RowBuffer,
    rows: usize,
    last_used: u64,
}

impl ArchiveWriter {
    pub fn create(config: ArchiveConfig) -> Result<Self, ArchiveError> {
        if config.rows_per_file == 0 {
            return Err(ArchiveError::InvalidConfig("rows_per_file must be at least 1".into()));
        }
        if config.max_open_partitions == 0 {
            return Err(ArchiveError::InvalidConfig("max_open_partitions must be at least 1".into()));
        }
        std::fs::create_dir_all(&config.root).map_err(ArchiveError::io("create archive root", &config.root))?;
        Ok(ArchiveWriter {
            root: config.root,
            rows_per_file: config.rows_per_file,
            max_open_partitions: config.max_open_partitions,
            schema: archive_schema(),
            properties: writer_properties(),
            open: Vec::with_capacity(config.max_open_partitions),
            clock: 0,
            report: ArchiveReport::default(),
        })
    }

    pub fn write(&mut self, r: &RawRecord<'_>) -> Result<(), ArchiveError> {
        let index = match self.open.iter().position(|p| p.day == r.day && p.tenant_id == r.tenant_id) {
            Some(index) => index,
            None => self.open_part(r.tenant_id, r.day)?,
        };
        self.clock += 1;
        let part = &mut self.open[index];
        part.last_used = self.clock;
        part.buffer.push(r);
        part.rows += 1;
        let full = part.rows >= self.rows_per_file;
        let batch_full = part.buffer.rows() >= BATCH_ROWS || part.buffer.text_bytes() >= BATCH_TEXT_BYTES;
        if (full || batch_full)
            && let Err(e) = part.encode_buffer(&self.schema)
        {
            self.open.swap_remove(index).discard();
            return Err(e);
        }
        if full {
            let part = self.open.swap_remove(index);
            self.close_part(part)?;
        }
        Ok(())
    }

    /// Closes every open part file and reports what was published by this writer.
    pub fn finish(mut self) -> Result<ArchiveReport, ArchiveError> {
        // Popped one at a time: if one fails, the rest stay in `open` for `Drop` to discard.
        while let Some(part) = self.open.pop() {
            self.close_part(part)?;
        }
        Ok(self.report)
    }

    /// Opens a part file for a tenant-day, first closing the least recently used one when
    /// `max_open_partitions` are open. Returns its index in `open`.
    fn open_part(&mut self, tenant_id: &str, day: NaiveDate) -> Result<usize, ArchiveError> {
        let dir = layout::partition_dir(&self.root, tenant_id, day)?;
        if self.open.len() >= self.max_open_partitions {
            let oldest = (0..self.open.len()).min_by_key(|&i| self.open[i].last_used).unwrap_or(0);
            let part = self.open.swap_remove(oldest);
            self.close_part(part)?;
        }
        std::fs::create_dir_all(&dir).map_err(ArchiveError::io("create partition directory", &dir))?;
        let (temporary_name, name) = new_part_names();
        let temporary = dir.join(temporary_name);
        let file = File::create_new(&temporary).map_err(ArchiveError::io("create part file", &temporary))?;
        let buffered = BufWriter::with_capacity(1 << 20, file);
        let writer = ArrowWriter::try_new(buffered, self.schema.clone(), Some(self.properties.clone()))
            .map_err(|source| ArchiveError::Parquet { path: temporary.clone(), source })?;
        self.open.push(OpenPart {
            tenant_id: tenant_id.to_owned(),
            day,
            path: dir.join(name),
            dir,
            temporary,
            writer,
            buffer: RowBuffer::new(),
            rows: 0,
            last_used: self.clock,
        });
        Ok(self.open.len() - 1)
    }

    fn close_part(&mut self, mut part: OpenPart) -> Result<(), ArchiveError> {
        if let Err(e) = part.encode_buffer(&self.schema) {
            part.discard();
            return Err(e);
        }
        let OpenPart { dir, temporary, path, writer, rows, .. } = part;
        let bytes = match complete_file(writer, &temporary, &path, &dir) {
            Ok(bytes) => bytes,
            Err(e) => {
                let _ = std::fs::remove_file(&temporary);
                return Err(e);
            }
        };
        self.report.files += 1;
        self.report.rows += rows as u64;
        self.report.bytes += bytes;
        Ok(())
    }
}

impl Drop for ArchiveWriter {
    fn drop(&mut self) {
        for part in self.open.drain(..) {
            part.discard();
        }
    }
}

impl OpenPart {
    fn encode_buffer(&mut self, schema: &SchemaRef) -> Result<(), ArchiveError> {
        if self.buffer.rows() == 0 {
            return Ok(());
        }
        let batch = self
            .buffer
            .take_batch(schema)
            .map_err(|source| ArchiveError::Arrow { path: self.temporary.clone(), source })?;
        self.writer.write(&batch).map_err(|source| ArchiveError::Parquet { path: self.temporary.clone(), source })
    }

    /// Drops a part file that will not be completed. Best effort: whatever stays behind is a
    /// hidden temporary that readers skip and `prune` removes.
    fn discard(self) {
        let temporary = self.temporary;
        drop(self.writer);
        let _ = std::fs::remove_file(temporary);
    }
}

/// Writes the footer, makes the file durable, then publishes it under its final name. The
/// rename is atomic, so readers see either no file or the whole file.
fn complete_file(
    writer: ArrowWriter<BufWriter<File>>,
    temporary: &Path,
    path: &Path,
    dir: &Path,
) -> Result<u64, ArchiveError> {
    let buffered =
        writer.into_inner().map_err(|source| ArchiveError::Parquet { path: temporary.to_owned(), source })?;
    let file = buffered.into_inner().map_err(|e| ArchiveError::Io {
        action: "write part file",
        path: temporary.to_owned(),
        source: e.into_error(),
    })?;
    file.sync_all().map_err(ArchiveError::io("sync part file", temporary))?;
    let bytes = file.metadata().map_err(ArchiveError::io("read size of part file", temporary))?.len();
    drop(file);
    std::fs::rename(temporary, path).map_err(ArchiveError::io("rename completed part file to", path))?;
    sync_dir(dir)?;
    Ok(bytes)
}

/// Makes the rename itself durable, so a power loss cannot bring back the temporary name.
#[cfg(unix)]
fn sync_dir(dir: &Path) -> Result<(), ArchiveError> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(ArchiveError::io("sync partition directory", dir))
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> Result<(), ArchiveError> {
    Ok(())
}

fn writer_properties() -> WriterProperties {
    // Unique per record, so a dictionary only costs memory and a fallback; min/max
    // statistics of whole JSON documents help no query.
    let unique = ["id", "creation_time", "raw"];
    let mut builder = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_bytes(Some(ROW_GROUP_BYTES))
        .set_key_value_metadata(Some(vec![KeyValue::new(FORMAT_KEY.to_owned(), FORMAT_VERSION.to_owned())]));
    for column in unique {
        builder = builder.set_column_dictionary_enabled(ColumnPath::from(column), false);
    }
    builder.set_column_statistics_enabled(ColumnPath::from("raw"), EnabledStatistics::None).build()
}
