//! Names on disk: `<root>/tenant_id=<tenant>/day=<YYYY-MM-DD>/part-<utc timestamp>-<random>.parquet`.
//!
//! The `key=value` directory names are the Hive convention that DuckDB, Spark, Fabric and
//! Databricks turn into partition columns. Part files are written as hidden temporaries
//! (`.part-….parquet.tmp`): Spark and Hadoop skip names starting with `.`, and a
//! `*.parquet` glob does not match `.tmp`, so no reader ever sees a file being written.

use crate::ArchiveError;
use chrono::{Datelike, NaiveDate, Utc};
use std::path::{Path, PathBuf};

pub(crate) const TENANT_KEY: &str = "tenant_id=";
pub(crate) const DAY_KEY: &str = "day=";
const PART_PREFIX: &str = "part-";
const PART_SUFFIX: &str = ".parquet";
const TEMPORARY_PREFIX: &str = ".part-";
const TEMPORARY_SUFFIX: &str = ".parquet.tmp";
const MAX_TENANT_LEN: usize = 200;

/// Checks that a tenant id can be a directory name as it is, so that the partition column
/// readers see equals the tenant id the store uses (no escaping to undo) and no id can reach
/// outside the archive root.
pub(crate) fn check_tenant(tenant: &str) -> Result<(), ArchiveError> {
    let reason = if tenant.is_empty() {
        "it is empty"
    } else if tenant.len() > MAX_TENANT_LEN {
        "it is longer than 200 characters"
    } else if !tenant.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')) {
        "only ASCII letters, digits, '-', '_' and '.' are allowed (no '/', '\\', '=', '%', spaces or control characters)"
    } else if tenant.bytes().all(|b| b == b'.') {
        "a name made only of dots is not a partition"
    } else {
        return Ok(());
    };
    Err(ArchiveError::InvalidTenant { tenant: tenant.to_owned(), reason })
}

/// `YYYY-MM-DD` with exactly four year digits, the form Hive and DuckDB parse as a date.
pub(crate) fn day_name(day: NaiveDate) -> Result<String, ArchiveError> {
    if !(1..=9999).contains(&day.year()) {
        return Err(ArchiveError::InvalidDay { day });
    }
    Ok(day.format("%Y-%m-%d").to_string())
}

pub(crate) fn tenant_dir(root: &Path, tenant: &str) -> Result<PathBuf, ArchiveError> {
    check_tenant(tenant)?;
    Ok(root.join(format!("{TENANT_KEY}{tenant}")))
}

pub(crate) fn partition_dir(root: &Path, tenant: &str, day: NaiveDate) -> Result<PathBuf, ArchiveError> {
    Ok(tenant_dir(root, tenant)?.join(format!("{DAY_KEY}{}", day_name(day)?)))
}

/// The tenant id of a `tenant_id=<tenant>` directory name; `None` for anything else, which
/// the archive leaves alone (another tool's files, `_SUCCESS` markers).
pub(crate) fn parse_tenant_dir(name: &str) -> Option<&str> {
    let tenant = name.strip_prefix(TENANT_KEY)?;
    check_tenant(tenant).ok().map(|()| tenant)
}

pub(crate) fn parse_day_dir(name: &str) -> Option<NaiveDate> {
    let day = name.strip_prefix(DAY_KEY)?;
    // Only the exact form this crate writes: `NaiveDate`'s parser alone accepts `2026-1-5`.
    if day.len() != 10 {
        return None;
    }
    NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()
}

pub(crate) fn is_part_file(name: &str) -> bool {
    name.ends_with(PART_SUFFIX) && !name.starts_with('.') && !name.starts_with('_')
}

pub(crate) fn is_temporary(name: &str) -> bool {
    name.starts_with(TEMPORARY_PREFIX) && name.ends_with(TEMPORARY_SUFFIX)
}

/// The temporary and final names of a new part file. The timestamp orders parts by when they
/// were started; the random suffix keeps two writers (or two files of one writer within a
/// second) from ever choosing the same name.
pub(crate) fn new_part_names() -> (String, String) {
    let stamp = Utc::now().format("%Y%m%dT%H%M%S%.6fZ");
    let random = uuid::Uuid::new_v4().simple().to_string();
    let base = format!("{stamp}-{}", &random[..16]);
    (format!("{TEMPORARY_PREFIX}{base}{TEMPORARY_SUFFIX}"), format!("{PART_PREFIX}{base}{PART_SUFFIX}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn part_names_are_recognised_and_temporaries_are_not_parts() {
        let (temporary, part) = new_part_names();
        assert!(is_temporary(&temporary), "{temporary}");
        assert!(!is_part_file(&temporary), "{temporary}");
        assert!(is_part_file(&part), "{part}");
        assert!(!is_temporary(&part), "{part}");
        assert_ne!(new_part_names().1, part, "two part names must differ");
    }

    #[test]
    fn day_dirs_round_trip_and_loose_forms_are_ignored() {
        let day = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
        assert_eq!(parse_day_dir(&format!("{DAY_KEY}{}", day_name(day).unwrap())), Some(day));
        assert_eq!(parse_day_dir("day=2026-1-5"), None);
        assert_eq!(parse_day_dir("day=2026-13-01"), None);
        assert_eq!(parse_day_dir("date=2026-01-05"), None);
    }

    #[test]
    fn tenant_dirs_round_trip() {
        assert_eq!(parse_tenant_dir("tenant_id=contoso.onmicrosoft.com"), Some("contoso.onmicrosoft.com"));
        assert_eq!(parse_tenant_dir("tenant_id=a/b"), None);
        assert_eq!(parse_tenant_dir("tenant=abc"), None);
    }
}
