//! What the archive holds, and retention: whole day partitions are the unit of both.

use crate::ArchiveError;
use crate::layout::{self, is_part_file, is_temporary, parse_day_dir, parse_tenant_dir};
use chrono::NaiveDate;
use std::fs::{DirEntry, ReadDir};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// A temporary older than this belongs to a writer that crashed: no writer keeps a part file
/// open that long, so `prune` may remove it without racing a running import.
pub const STALE_TEMPORARY_AGE: Duration = Duration::from_secs(24 * 60 * 60);

/// One tenant-day directory with at least one complete part file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partition {
    pub tenant_id: String,
    pub day: NaiveDate,
    pub files: u64,
    pub bytes: u64,
    pub path: PathBuf,
}

/// What [`prune`] removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PruneReport {
    /// Day partitions removed (with every file in them).
    pub partitions: u64,
    /// Complete part files among them, and their bytes.
    pub files: u64,
    pub bytes: u64,
    /// Temporaries of crashed writers removed, inside removed partitions or stale elsewhere.
    pub temporaries: u64,
}

/// Lists the partitions holding complete part files, ordered by tenant then day. Temporaries
/// and entries not in the archive's layout are skipped; a missing root is an empty archive.
pub fn partitions(root: &Path) -> Result<Vec<Partition>, ArchiveError> {
    let mut found = Vec::new();
    for (tenant_id, tenant_dir) in tenant_dirs(root)? {
        for (day, path) in day_dirs(&tenant_dir)? {
            let mut files = 0;
            let mut bytes = 0;
            for entry in entries(&path)? {
                let entry = entry.map_err(ArchiveError::io("list partition", &path))?;
                if entry.file_name().to_str().is_some_and(is_part_file) {
                    files += 1;
                    bytes += file_len(&entry)?;
                }
            }
            if files > 0 {
                found.push(Partition { tenant_id: tenant_id.clone(), day, files, bytes, path });
            }
        }
    }
    found.sort_by(|a, b| (&a.tenant_id, a.day).cmp(&(&b.tenant_id, b.day)));
    Ok(found)
}

/// Removes the day partitions older than `before` (of one tenant, or of all), and temporaries
/// that crashed writers left behind. Empty tenant directories are removed too.
pub fn prune(root: &Path, tenant_id: Option<&str>, before: NaiveDate) -> Result<PruneReport, ArchiveError> {
    let tenants = match tenant_id {
        Some(tenant) => {
            let dir = layout::tenant_dir(root, tenant)?;
            if dir.is_dir() { vec![(tenant.to_owned(), dir)] } else { Vec::new() }
        }
        None => tenant_dirs(root)?,
    };
    let now = SystemTime::now();
    let mut report = PruneReport::default();
    for (_, tenant_dir) in tenants {
        for (day, path) in day_dirs(&tenant_dir)? {
            if day < before {
                prune_partition(&path, &mut report)?;
            } else {
                remove_stale_temporaries(&path, now, &mut report)?;
            }
        }
        // Only tidying: fails harmlessly when days remain or a writer just created one.
        let _ = std::fs::remove_dir(&tenant_dir);
    }
    Ok(report)
}

fn prune_partition(path: &Path, report: &mut PruneReport) -> Result<(), ArchiveError> {
    for entry in entries(path)? {
        let entry = entry.map_err(ArchiveError::io("list partition", path))?;
        let name = entry.file_name();
        let name = name.to_str().unwrap_or_default();
        if is_part_file(name) {
            report.files += 1;
            report.bytes += file_len(&entry)?;
        } else if is_temporary(name) {
            report.temporaries += 1;
        }
    }
    std::fs::remove_dir_all(path).map_err(ArchiveError::io("remove expired partition", path))?;
    report.partitions += 1;
    Ok(())
}

fn remove_stale_temporaries(path: &Path, now: SystemTime, report: &mut PruneReport) -> Result<(), ArchiveError> {
    for entry in entries(path)? {
        let entry = entry.map_err(ArchiveError::io("list partition", path))?;
        if !entry.file_name().to_str().is_some_and(is_temporary) {
            continue;
        }
        let file = entry.path();
        let modified =
            entry.metadata().and_then(|m| m.modified()).map_err(ArchiveError::io("read age of temporary", &file))?;
        // A clock set back makes the age an error: treat that temporary as fresh.
        if now.duration_since(modified).is_ok_and(|age| age >= STALE_TEMPORARY_AGE) {
            match std::fs::remove_file(&file) {
                Ok(()) => report.temporaries += 1,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(ArchiveError::io("remove stale temporary", file)(e)),
            }
        }
    }
    Ok(())
}

fn tenant_dirs(root: &Path) -> Result<Vec<(String, PathBuf)>, ArchiveError> {
    let Some(listing) = entries_if_present(root)? else {
        return Ok(Vec::new());
    };
    let mut dirs = Vec::new();
    for entry in listing {
        let entry = entry.map_err(ArchiveError::io("list archive root", root))?;
        if let Some(tenant) = entry.file_name().to_str().and_then(parse_tenant_dir)
            && is_dir(&entry)?
        {
            dirs.push((tenant.to_owned(), entry.path()));
        }
    }
    Ok(dirs)
}

fn day_dirs(tenant_dir: &Path) -> Result<Vec<(NaiveDate, PathBuf)>, ArchiveError> {
    // A tenant directory removed by a concurrent prune has no days.
    let Some(listing) = entries_if_present(tenant_dir)? else {
        return Ok(Vec::new());
    };
    let mut dirs = Vec::new();
    for entry in listing {
        let entry = entry.map_err(ArchiveError::io("list tenant directory", tenant_dir))?;
        if let Some(day) = entry.file_name().to_str().and_then(parse_day_dir)
            && is_dir(&entry)?
        {
            dirs.push((day, entry.path()));
        }
    }
    Ok(dirs)
}

fn entries(dir: &Path) -> Result<ReadDir, ArchiveError> {
    std::fs::read_dir(dir).map_err(ArchiveError::io("list directory", dir))
}

fn entries_if_present(dir: &Path) -> Result<Option<ReadDir>, ArchiveError> {
    match std::fs::read_dir(dir) {
        Ok(listing) => Ok(Some(listing)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(ArchiveError::io("list directory", dir)(e)),
    }
}

fn is_dir(entry: &DirEntry) -> Result<bool, ArchiveError> {
    // Follows symbolic links, so an archive root assembled from links still lists.
    Ok(std::fs::metadata(entry.path()).map_err(ArchiveError::io("read metadata of", entry.path()))?.is_dir())
}

fn file_len(entry: &DirEntry) -> Result<u64, ArchiveError> {
    Ok(std::fs::metadata(entry.path()).map_err(ArchiveError::io("read size of", entry.path()))?.len())
}
