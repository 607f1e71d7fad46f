//! The columns of an archive file and the buffer that collects records into Arrow batches.
//!
//! `tenant_id` and `day` are not columns: they are the partition directories, and readers with
//! Hive partitioning add them back. Writing them into the files as well would make Spark
//! refuse the files (a data column may not share a partition column's name).

use crate::RawRecord;
use arrow_array::builder::{Int32Builder, StringBuilder, TimestampMicrosecondBuilder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef, TimeUnit};
use std::sync::Arc;

/// The archive's column names, in file order.
pub const COLUMNS: [&str; 10] = [
    "id",
    "creation_time",
    "operation",
    "workload",
    "record_type",
    "user_id",
    "user_key",
    "resource_id",
    "environment_id",
    "raw",
];

const UTC: &str = "UTC";

/// The Arrow schema of every archive file. `creation_time` is a UTC timestamp in
/// microseconds (Parquet `TIMESTAMP(MICROS, isAdjustedToUTC=true)`), which DuckDB reads as
/// `TIMESTAMP WITH TIME ZONE` and Spark as `timestamp`.
pub fn archive_schema() -> SchemaRef {
    let text = |name: &str, nullable: bool| Field::new(name, DataType::Utf8, nullable);
    Arc::new(Schema::new(vec![
        text("id", false),
        Field::new("creation_time", DataType::Timestamp(TimeUnit::Microsecond, Some(UTC.into())), false),
        text("operation", false),
        text("workload", true),
        Field::new("record_type", DataType::Int32, false),
        text("user_id", true),
        text("user_key", true),
        text("resource_id", true),
        text("environment_id", true),
        text("raw", false),
    ]))
}

/// Records of one partition not yet handed to the Parquet encoder.
pub(crate) struct RowBuffer {
    id: StringBuilder,
    creation_time: TimestampMicrosecondBuilder,
    operation: StringBuilder,
    workload: StringBuilder,
    record_type: Int32Builder,
    user_id: StringBuilder,
    user_key: StringBuilder,
    resource_id: StringBuilder,
    environment_id: StringBuilder,
    raw: StringBuilder,
    rows: usize,
    text_bytes: usize,
}

impl RowBuffer {
    pub(crate) fn new() -> Self {
        RowBuffer {
            id: StringBuilder::new(),
            creation_time: TimestampMicrosecondBuilder::new().with_timezone(UTC),
            operation: StringBuilder::new(),
            workload: StringBuilder::new(),
            record_type: Int32Builder::new(),
            user_id: StringBuilder::new(),
            user_key: StringBuilder::new(),
            resource_id: StringBuilder::new(),
            environment_id: StringBuilder::new(),
            raw: StringBuilder::new(),
            rows: 0,
            text_bytes: 0,
        }
    }

    pub(crate) fn push(&mut self, r: &RawRecord<'_>) {
        self.id.append_value(r.id);
        self.creation_time.append_value(r.creation_time.timestamp_micros());
        self.operation.append_value(r.operation);
        self.workload.append_option(r.workload);
        self.record_type.append_value(r.record_type);
        self.user_id.append_option(r.user_id);
        self.user_key.append_option(r.user_key);
        self.resource_id.append_option(r.resource_id);
        self.environment_id.append_option(r.environment_id);
        self.raw.append_value(r.raw);
        self.rows += 1;
        let optional = [r.workload, r.user_id, r.user_key, r.resource_id, r.environment_id];
        self.text_bytes +=
            r.id.len() + r.operation.len() + r.raw.len() + optional.iter().flatten().map(|s| s.len()).sum::<usize>();
    }

    pub(crate) fn rows(&self) -> usize {
        self.rows
    }

    /// Bytes of text held, the part of the buffer that grows with record size.
    pub(crate) fn text_bytes(&self) -> usize {
        self.text_bytes
    }

    /// Moves the buffered rows into a batch and leaves the buffer empty (builders keep no
    /// memory once finished, so an idle partition costs nothing).
    pub(crate) fn take_batch(&mut self, schema: &SchemaRef) -> Result<RecordBatch, ArrowError> {
        let columns: Vec<ArrayRef> = vec![
            Arc::new(self.id.finish()),
            Arc::new(self.creation_time.finish()),
            Arc::new(self.operation.finish()),
            Arc::new(self.workload.finish()),
            Arc::new(self.record_type.finish()),
            Arc::new(self.user_id.finish()),
            Arc::new(self.user_key.finish()),
            Arc::new(self.resource_id.finish()),
            Arc::new(self.environment_id.finish()),
            Arc::new(self.raw.finish()),
        ];
        self.rows = 0;
        self.text_bytes = 0;
        RecordBatch::try_new(schema.clone(), columns)
    }
}
