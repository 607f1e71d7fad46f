//! The archive on real directories: layout, round trip through parquet's Arrow reader, part
//! splitting, least-recently-used closing, crash safety, retention and path checks. One extra
//! test reads the archive with DuckDB when `python3 -c "import duckdb"` works.

use chrono::NaiveDate;
use std::collections::BTreeMap;
use std::path::Path;
use steward_usage_archive::{ArchiveConfig, ArchiveError, ArchiveWriter, COLUMNS, Partition, partitions, prune};
use support::{Row, all_part_files, all_temporaries, day, read_part, write_all};

const TENANTS: [&str; 2] = ["5f0c1d2e-0000-4000-8000-00000000000a", "contoso.onmicrosoft.com"];

/// 2 tenants × 3 days, a different number of records per tenant-day, tenants and days
/// interleaved as a merged feed would deliver them.
fn two_tenants_three_days() -> Vec<Row> {
    let mut rows = Vec::new();
    for n in 0..60u64 {
        let tenant = TENANTS[(n % 2) as usize];
        let d = day((n / 2) % 3);
        if n % 7 == 6 && tenant == TENANTS[1] && d == day(2) {
            continue;
        }
        rows.push(Row::sample(tenant, d, n));
    }
    rows
}

fn expected_counts(rows: &[Row]) -> BTreeMap<(String, NaiveDate), u64> {
    let mut counts = BTreeMap::new();
    for r in rows {
        *counts.entry((r.tenant_id.clone(), r.day)).or_insert(0) += 1;
    }
    counts
}

#[test]
fn records_of_two_tenants_over_three_days_read_back_from_their_partitions() {
    let root = tempfile::tempdir().unwrap();
    let rows = two_tenants_three_days();
    let report = write_all(ArchiveConfig::new(root.path()), &rows).unwrap();

    let expected = expected_counts(&rows);
    assert_eq!(expected.len(), 6, "the fixture spans 2 tenants × 3 days");
    assert_eq!(report.rows, rows.len() as u64);
    assert_eq!(report.files, expected.len() as u64, "one part file per tenant-day");

    let listed = partitions(root.path()).unwrap();
    let listed_keys: Vec<_> = listed.iter().map(|p| (p.tenant_id.clone(), p.day)).collect();
    assert_eq!(listed_keys, expected.keys().cloned().collect::<Vec<_>>());
    assert_eq!(listed.iter().map(|p| p.bytes).sum::<u64>(), report.bytes);

    let mut read_back = Vec::new();
    for partition in &listed {
        let relative = partition.path.strip_prefix(root.path()).unwrap();
        let expected_dir =
            Path::new(&format!("tenant_id={}", partition.tenant_id)).join(format!("day={}", partition.day));
        assert_eq!(relative, expected_dir);
        let files = all_part_files(&partition.path);
        assert_eq!(files.len() as u64, partition.files);
        for file in files {
            let name = file.file_name().unwrap().to_str().unwrap().to_owned();
            assert!(name.starts_with("part-") && name.ends_with(".parquet"), "{name}");
            let (columns, file_rows) = read_part(&file, &partition.tenant_id, partition.day);
            assert_eq!(columns, COLUMNS.iter().map(|c| c.to_string()).collect::<Vec<_>>());
            read_back.extend(file_rows);
        }
    }
    let mut written = rows.clone();
    written.sort();
    read_back.sort();
    assert_eq!(read_back, written, "every field of every record, nulls included, survives the round trip");
}

#[test]
fn a_part_file_is_closed_after_rows_per_file_rows() {
    let root = tempfile::tempdir().unwrap();
    let rows: Vec<Row> = (0..25).map(|n| Row::sample(TENANTS[0], day(0), n)).collect();
    let config = ArchiveConfig { rows_per_file: 10, ..ArchiveConfig::new(root.path()) };
    let report = write_all(config, &rows).unwrap();

    assert_eq!((report.files, report.rows), (3, 25));
    let [partition] = partitions(root.path()).unwrap().try_into().unwrap();
    let mut sizes = Vec::new();
    let mut read_back = Vec::new();
    for file in all_part_files(&partition.path) {
        let (_, file_rows) = read_part(&file, TENANTS[0], day(0));
        sizes.push(file_rows.len());
        read_back.extend(file_rows);
    }
    sizes.sort();
    assert_eq!(sizes, vec![5, 10, 10]);
    read_back.sort();
    let mut written = rows;
    written.sort();
    assert_eq!(read_back, written);
}

#[test]
fn the_least_recently_written_part_is_closed_when_too_many_are_open() {
    let root = tempfile::tempdir().unwrap();
    let config = ArchiveConfig { max_open_partitions: 2, ..ArchiveConfig::new(root.path()) };
    let mut writer = ArchiveWriter::create(config).unwrap();
    let visible = |root: &Path| -> Vec<(NaiveDate, u64)> {
        partitions(root).unwrap().into_iter().map(|p: Partition| (p.day, p.files)).collect()
    };
    let mut n = 0;
    let mut write = |writer: &mut ArchiveWriter, d: NaiveDate| {
        n += 1;
        writer.write(&Row::sample(TENANTS[0], d, n).as_record()).unwrap();
    };

    // Days 0 and 1 open; writing day 0 again makes day 1 the least recently used.
    write(&mut writer, day(0));
    write(&mut writer, day(1));
    write(&mut writer, day(0));
    assert_eq!(visible(root.path()), vec![], "open parts are not visible");
    // A third day closes day 1, not day 0.
    write(&mut writer, day(2));
    assert_eq!(visible(root.path()), vec![(day(1), 1)]);
    // Day 1 again: closes day 0 (now least recent) and starts a second part for day 1.
    write(&mut writer, day(1));
    assert_eq!(visible(root.path()), vec![(day(0), 1), (day(1), 1)]);
    let report = writer.finish().unwrap();

    assert_eq!((report.files, report.rows), (4, 5));
    assert_eq!(visible(root.path()), vec![(day(0), 1), (day(1), 2), (day(2), 1)]);
    let day1 = root.path().join(format!("tenant_id={}/day={}", TENANTS[0], day(1)));
    let mut day1_rows: Vec<usize> =
        all_part_files(&day1).iter().map(|f| read_part(f, TENANTS[0], day(1)).1.len()).collect();
    day1_rows.sort();
    assert_eq!(day1_rows, vec![1, 1], "the second part holds only the record written after the close");
}

#[test]
fn a_crashed_writer_leaves_only_a_hidden_temporary_that_readers_skip_and_prune_removes() {
    let root = tempfile::tempdir().unwrap();
    let config = ArchiveConfig { rows_per_file: 3, ..ArchiveConfig::new(root.path()) };
    let mut writer = ArchiveWriter::create(config).unwrap();
    for n in 0..4 {
        writer.write(&Row::sample(TENANTS[0], day(0), n).as_record()).unwrap();
    }
    // A crash: neither `finish` nor `Drop` runs. The first 3 rows were published, the 4th is
    // in an open temporary.
    std::mem::forget(writer);

    let [partition] = partitions(root.path()).unwrap().try_into().unwrap();
    assert_eq!(partition.files, 1, "only the completed part is listed");
    let temporaries = all_temporaries(&partition.path);
    assert_eq!(temporaries.len(), 1);
    let name = temporaries[0].file_name().unwrap().to_str().unwrap().to_owned();
    assert!(name.starts_with('.') && !name.ends_with(".parquet"), "readers' globs and Spark skip {name}");

    // A fresh temporary may belong to a running writer: prune keeps it.
    let report = prune(root.path(), None, day(0)).unwrap();
    assert_eq!((report.partitions, report.temporaries), (0, 0));
    assert_eq!(all_temporaries(&partition.path).len(), 1);

    let old = std::time::SystemTime::now() - steward_usage_archive::catalog::STALE_TEMPORARY_AGE * 2;
    std::fs::File::options().write(true).open(&temporaries[0]).unwrap().set_modified(old).unwrap();
    let report = prune(root.path(), None, day(0)).unwrap();
    assert_eq!((report.partitions, report.temporaries), (0, 1));
    assert!(all_temporaries(&partition.path).is_empty());
    assert_eq!(all_part_files(&partition.path).len(), 1, "the completed part stays");
}

#[test]
fn dropping_a_writer_without_finish_discards_its_open_parts() {
    let root = tempfile::tempdir().unwrap();
    let mut writer = ArchiveWriter::create(ArchiveConfig::new(root.path())).unwrap();
    writer.write(&Row::sample(TENANTS[0], day(0), 1).as_record()).unwrap();
    let dir = root.path().join(format!("tenant_id={}/day={}", TENANTS[0], day(0)));
    assert_eq!(all_temporaries(&dir).len(), 1);
    drop(writer);
    assert!(all_temporaries(&dir).is_empty());
    assert!(partitions(root.path()).unwrap().is_empty());
}

#[test]
fn prune_removes_days_before_the_cut_off_of_one_tenant_or_all() {
    let root = tempfile::tempdir().unwrap();
    write_all(ArchiveConfig::new(root.path()), &two_tenants_three_days()).unwrap();
    let before = partitions(root.path()).unwrap();
    let keys = |parts: &[Partition]| parts.iter().map(|p| (p.tenant_id.clone(), p.day)).collect::<Vec<_>>();

    let report = prune(root.path(), Some(TENANTS[0]), day(1)).unwrap();
    let removed: Vec<&Partition> = before.iter().filter(|p| p.tenant_id == TENANTS[0] && p.day < day(1)).collect();
    assert_eq!(report.partitions, 1);
    assert_eq!(report.files, removed.iter().map(|p| p.files).sum::<u64>());
    assert_eq!(report.bytes, removed.iter().map(|p| p.bytes).sum::<u64>());
    let after = partitions(root.path()).unwrap();
    assert_eq!(
        keys(&after),
        keys(&before).into_iter().filter(|(t, d)| !(t == TENANTS[0] && *d < day(1))).collect::<Vec<_>>()
    );

    let report = prune(root.path(), None, day(2)).unwrap();
    assert_eq!(report.partitions, 3, "tenant 0 day 1 and tenant 1 days 0 and 1");
    let after = partitions(root.path()).unwrap();
    assert_eq!(keys(&after), vec![(TENANTS[0].to_owned(), day(2)), (TENANTS[1].to_owned(), day(2))]);

    let report = prune(root.path(), None, day(3)).unwrap();
    assert_eq!(report.partitions, 2);
    assert_eq!(std::fs::read_dir(root.path()).unwrap().count(), 0, "emptied tenant directories go too");
    assert_eq!(prune(root.path(), Some(TENANTS[1]), day(9)).unwrap().partitions, 0);
}

#[test]
fn tenant_ids_that_are_not_plain_names_are_refused_and_nothing_is_written_outside_the_root() {
    let parent = tempfile::tempdir().unwrap();
    let root = parent.path().join("archive");
    let mut writer = ArchiveWriter::create(ArchiveConfig::new(&root)).unwrap();
    for tenant in ["../escape", "a/b", "a\\b", "", "..", ".", "x y", "t=1", "caf\u{e9}", "nul\0"] {
        let err = writer.write(&Row::sample(tenant, day(0), 1).as_record()).unwrap_err();
        assert!(matches!(err, ArchiveError::InvalidTenant { .. }), "{tenant:?}: {err}");
        assert!(err.to_string().contains(&format!("{tenant:?}")), "the error names the tenant: {err}");
        let err = prune(&root, Some(tenant), day(1)).unwrap_err();
        assert!(matches!(err, ArchiveError::InvalidTenant { .. }), "{tenant:?}: {err}");
    }
    writer.write(&Row::sample(&"a".repeat(201), day(0), 1).as_record()).unwrap_err();
    assert_eq!(std::fs::read_dir(&root).unwrap().count(), 0);
    assert_eq!(std::fs::read_dir(parent.path()).unwrap().count(), 1, "only the archive root exists");

    for tenant in TENANTS {
        writer.write(&Row::sample(tenant, day(0), 1).as_record()).unwrap();
    }
    assert_eq!(writer.finish().unwrap().files, 2);
}

#[test]
fn the_writer_can_move_to_a_dedicated_thread() {
    fn assert_send<T: Send + 'static>() {}
    assert_send::<ArchiveWriter>();
    assert_send::<ArchiveError>();
}

#[test]
fn days_outside_four_digit_years_and_zero_limits_are_refused() {
    let root = tempfile::tempdir().unwrap();
    let mut writer = ArchiveWriter::create(ArchiveConfig::new(root.path())).unwrap();
    let far = NaiveDate::from_ymd_opt(10_000, 1, 1).unwrap();
    let err = writer.write(&Row::sample(TENANTS[0], far, 1).as_record()).unwrap_err();
    assert!(matches!(err, ArchiveError::InvalidDay { .. }), "{err}");
    for config in [
        ArchiveConfig { rows_per_file: 0, ..ArchiveConfig::new(root.path()) },
        ArchiveConfig { max_open_partitions: 0, ..ArchiveConfig::new(root.path()) },
    ] {
        assert!(matches!(ArchiveWriter::create(config), Err(ArchiveError::InvalidConfig(_))));
    }
}

#[test]
fn duckdb_reads_the_archive_with_hive_partitions() {
    let probe = std::process::Command::new("python3").args(["-c", "import duckdb"]).output();
    match probe {
        Ok(out) if out.status.success() => {}
        Ok(out) => {
            let why = String::from_utf8_lossy(&out.stderr);
            println!(
                "SKIPPED duckdb_reads_the_archive_with_hive_partitions: python3 cannot import duckdb ({})",
                why.trim()
            );
            return;
        }
        Err(e) => {
            println!("SKIPPED duckdb_reads_the_archive_with_hive_partitions: cannot run python3 ({e})");
            return;
        }
    }
    let root = tempfile::tempdir().unwrap();
    let rows = two_tenants_three_days();
    // Small parts, so that DuckDB has to union several files per partition.
    write_all(ArchiveConfig { rows_per_file: 4, ..ArchiveConfig::new(root.path()) }, &rows).unwrap();
    // A temporary left by a crash must not be read.
    let dir = root.path().join(format!("tenant_id={}/day={}", TENANTS[0], day(0)));
    std::fs::write(dir.join(".part-20261123T000000.000000Z-deadbeefdeadbeef.parquet.tmp"), b"PAR1 torn").unwrap();

    let script = r#"
import duckdb, sys
glob = sys.argv[1] + "/**/*.parquet"
src = f"read_parquet('{glob}', hive_partitioning = true, hive_types = {{'tenant_id': VARCHAR, 'day': DATE}})"
con = duckdb.connect()
for name, kind in con.execute(f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM {src})").fetchall():
    print("type", name, kind)
for tenant, day, n, users, first in con.execute(
    f"SELECT tenant_id, day, count(*), count(DISTINCT user_id), epoch_us(min(creation_time)) FROM {src} GROUP BY ALL ORDER BY ALL"
).fetchall():
    print("count", tenant, day, n, users, first)
"#;
    let out = std::process::Command::new("python3").args(["-c", script]).arg(root.path()).output().unwrap();
    assert!(out.status.success(), "duckdb failed: {}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();

    let types: BTreeMap<&str, &str> =
        stdout.lines().filter_map(|l| l.strip_prefix("type ")).filter_map(|l| l.split_once(' ')).collect();
    assert_eq!(types.get("creation_time"), Some(&"TIMESTAMP WITH TIME ZONE"), "{stdout}");
    assert_eq!(types.get("record_type"), Some(&"INTEGER"), "{stdout}");
    assert_eq!(types.get("day"), Some(&"DATE"), "{stdout}");
    assert_eq!(types.get("tenant_id"), Some(&"VARCHAR"), "{stdout}");

    let mut expected = Vec::new();
    let mut groups: BTreeMap<(String, NaiveDate), Vec<&Row>> = BTreeMap::new();
    for r in &rows {
        groups.entry((r.tenant_id.clone(), r.day)).or_default().push(r);
    }
    for ((tenant, d), group) in groups {
        let users: std::collections::BTreeSet<_> = group.iter().filter_map(|r| r.user_id.as_deref()).collect();
        let first = group.iter().map(|r| r.creation_micros).min().unwrap();
        expected.push(format!("count {tenant} {d} {} {} {first}", group.len(), users.len()));
    }
    let counted: Vec<&str> = stdout.lines().filter(|l| l.starts_with("count ")).collect();
    assert_eq!(counted, expected.iter().map(String::as_str).collect::<Vec<_>>());
}

mod support {
    #![allow(clippy::unwrap_used)]

    use arrow_array::cast::AsArray;
    use arrow_array::types::{Int32Type, TimestampMicrosecondType};
    use arrow_array::{Array, RecordBatch, RecordBatchReader};
    use arrow_schema::{DataType, TimeUnit};
    use chrono::{DateTime, Days, NaiveDate, Utc};
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    use std::path::{Path, PathBuf};
    use steward_usage_archive::{ArchiveConfig, ArchiveError, ArchiveReport, ArchiveWriter, RawRecord};

    /// An owned record, comparable with what comes back from a file.
    #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
    pub struct Row {
        pub tenant_id: String,
        pub day: NaiveDate,
        pub id: String,
        pub creation_micros: i64,
        pub operation: String,
        pub workload: Option<String>,
        pub record_type: i32,
        pub user_id: Option<String>,
        pub user_key: Option<String>,
        pub resource_id: Option<String>,
        pub environment_id: Option<String>,
        pub raw: String,
    }

    impl Row {
        /// A record whose fields all depend on `n`, with each optional field missing on some.
        pub fn sample(tenant: &str, day: NaiveDate, n: u64) -> Row {
            let at = day.and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp_micros() + n as i64 * 1_234_567;
            let some = |every: u64, value: String| (!n.is_multiple_of(every)).then_some(value);
            Row {
                tenant_id: tenant.to_owned(),
                day,
                id: format!("{n:08x}-1111-4222-8333-{tenant:.12}"),
                creation_micros: at,
                operation: ["LaunchPowerApp", "CreateFlow", "BotCreate"][(n % 3) as usize].to_owned(),
                workload: some(4, "PowerApps".to_owned()),
                record_type: [45, 54, 261][(n % 3) as usize],
                user_id: some(5, format!("user{}@contoso.example", n % 6)),
                user_key: some(3, format!("1003BFFD{n:08X}")),
                resource_id: some(2, format!("app-{}", n % 4)),
                environment_id: some(7, format!("Default-{tenant:.8}")),
                raw: format!(r#"{{"Id":"{n}","Operation":"x","Quote":"\"é\"","Tenant":"{tenant}"}}"#),
            }
        }

        pub fn as_record(&self) -> RawRecord<'_> {
            RawRecord {
                tenant_id: &self.tenant_id,
                day: self.day,
                id: &self.id,
                creation_time: DateTime::<Utc>::from_timestamp_micros(self.creation_micros).unwrap(),
                operation: &self.operation,
                workload: self.workload.as_deref(),
                record_type: self.record_type,
                user_id: self.user_id.as_deref(),
                user_key: self.user_key.as_deref(),
                resource_id: self.resource_id.as_deref(),
                environment_id: self.environment_id.as_deref(),
                raw: &self.raw,
            }
        }
    }

    /// The `n`th day of the fixtures.
    pub fn day(n: u64) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 20).unwrap() + Days::new(n)
    }

    pub fn write_all(config: ArchiveConfig, rows: &[Row]) -> Result<ArchiveReport, ArchiveError> {
        let mut writer = ArchiveWriter::create(config)?;
        for r in rows {
            writer.write(&r.as_record())?;
        }
        writer.finish()
    }

    fn files_where(dir: &Path, keep: impl Fn(&str) -> bool) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| keep(p.file_name().unwrap().to_str().unwrap()))
            .collect();
        files.sort();
        files
    }

    pub fn all_part_files(dir: &Path) -> Vec<PathBuf> {
        files_where(dir, |name| name.ends_with(".parquet") && !name.starts_with('.'))
    }

    pub fn all_temporaries(dir: &Path) -> Vec<PathBuf> {
        files_where(dir, |name| name.starts_with('.'))
    }

    /// Reads a part file with parquet's Arrow reader; the tenant and day come from its
    /// directory, as for any Hive-partitioned reader.
    pub fn read_part(path: &Path, tenant: &str, day: NaiveDate) -> (Vec<String>, Vec<Row>) {
        let reader =
            ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(path).unwrap()).unwrap().build().unwrap();
        let schema = reader.schema();
        let columns: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
        assert_eq!(
            schema.field_with_name("creation_time").unwrap().data_type(),
            &DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
        );
        assert_eq!(schema.field_with_name("record_type").unwrap().data_type(), &DataType::Int32);
        for nullable in ["workload", "user_id", "user_key", "resource_id", "environment_id"] {
            assert!(schema.field_with_name(nullable).unwrap().is_nullable(), "{nullable}");
        }
        let mut rows = Vec::new();
        for batch in reader {
            rows.extend(rows_of(&batch.unwrap(), tenant, day));
        }
        (columns, rows)
    }

    fn rows_of(batch: &RecordBatch, tenant: &str, day: NaiveDate) -> Vec<Row> {
        let text = |name: &str| batch.column_by_name(name).unwrap().as_string::<i32>().clone();
        let (id, operation, workload, user_id, user_key, resource_id, environment_id, raw) = (
            text("id"),
            text("operation"),
            text("workload"),
            text("user_id"),
            text("user_key"),
            text("resource_id"),
            text("environment_id"),
            text("raw"),
        );
        let time = batch.column_by_name("creation_time").unwrap().as_primitive::<TimestampMicrosecondType>().clone();
        let record_type = batch.column_by_name("record_type").unwrap().as_primitive::<Int32Type>().clone();
        let optional = |a: &arrow_array::StringArray, i: usize| a.is_valid(i).then(|| a.value(i).to_owned());
        (0..batch.num_rows())
            .map(|i| Row {
                tenant_id: tenant.to_owned(),
                day,
                id: id.value(i).to_owned(),
                creation_micros: time.value(i),
                operation: operation.value(i).to_owned(),
                workload: optional(&workload, i),
                record_type: record_type.value(i),
                user_id: optional(&user_id, i),
                user_key: optional(&user_key, i),
                resource_id: optional(&resource_id, i),
                environment_id: optional(&environment_id, i),
                raw: raw.value(i).to_owned(),
            })
            .collect()
    }
}
