//! The rollup every system computes, as rows to compare: per resource and day, the uses
//! (distinct record ids) and the distinct users.

use anyhow::Context;
use chrono::NaiveDate;
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct DayRow {
    pub resource: String,
    pub day: NaiveDate,
    pub uses: u64,
    pub users: u64,
}

/// Rows from a CSV file `resource_id,day,uses,unique_users` with a header line, as the peers
/// write them; sorted.
pub fn read_csv(path: &Path) -> anyhow::Result<Vec<DayRow>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut rows = Vec::new();
    for (n, line) in text.lines().enumerate().skip(1) {
        let bad =
            || format!("{} line {}: expected resource_id,day,uses,unique_users; got {line:?}", path.display(), n + 1);
        let mut fields = line.split(',');
        let (Some(resource), Some(day), Some(uses), Some(users), None) =
            (fields.next(), fields.next(), fields.next(), fields.next(), fields.next())
        else {
            anyhow::bail!(bad());
        };
        rows.push(DayRow {
            resource: resource.trim_matches('"').to_string(),
            day: day.parse().with_context(bad)?,
            uses: uses.parse().with_context(bad)?,
            users: users.parse().with_context(bad)?,
        });
    }
    rows.sort();
    Ok(rows)
}

/// Write rows as the peers' CSV (for `--keep`, to diff by hand).
pub fn write_csv(path: &Path, rows: &[DayRow]) -> anyhow::Result<()> {
    use std::io::Write;
    let file = std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    let mut out = std::io::BufWriter::new(file);
    writeln!(out, "resource_id,day,uses,unique_users")?;
    for r in rows {
        writeln!(out, "{},{},{},{}", r.resource, r.day, r.uses, r.users)?;
    }
    out.flush().with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// The first differences between two sorted row sets (at most `limit`), each as a line of text;
/// empty when they are equal.
pub fn differences(left_name: &str, left: &[DayRow], right_name: &str, right: &[DayRow], limit: usize) -> Vec<String> {
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    let key = |r: &DayRow| (r.resource.clone(), r.day);
    while (i < left.len() || j < right.len()) && out.len() < limit {
        match (left.get(i), right.get(j)) {
            (Some(a), Some(b)) if key(a) == key(b) => {
                if (a.uses, a.users) != (b.uses, b.users) {
                    out.push(format!(
                        "{} {}: {left_name} {} uses / {} users, {right_name} {} uses / {} users",
                        a.resource, a.day, a.uses, a.users, b.uses, b.users
                    ));
                }
                i += 1;
                j += 1;
            }
            (Some(a), Some(b)) if key(a) < key(b) => {
                out.push(format!(
                    "{} {}: only {left_name} has it ({} uses / {} users)",
                    a.resource, a.day, a.uses, a.users
                ));
                i += 1;
            }
            (Some(_), Some(b)) | (None, Some(b)) => {
                out.push(format!(
                    "{} {}: only {right_name} has it ({} uses / {} users)",
                    b.resource, b.day, b.uses, b.users
                ));
                j += 1;
            }
            (Some(a), None) => {
                out.push(format!(
                    "{} {}: only {left_name} has it ({} uses / {} users)",
                    a.resource, a.day, a.uses, a.users
                ));
                i += 1;
            }
            (None, None) => break,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn row(resource: &str, day: u32, uses: u64, users: u64) -> DayRow {
        DayRow { resource: resource.into(), day: NaiveDate::from_ymd_opt(2026, 5, day).unwrap(), uses, users }
    }

    #[test]
    fn equal_sets_have_no_differences_and_each_kind_of_difference_is_named() {
        let a = vec![row("a", 1, 3, 2), row("b", 1, 1, 1), row("c", 2, 5, 5)];
        assert!(differences("steward", &a, "duckdb", &a.clone(), 10).is_empty());
        let b = vec![row("a", 1, 3, 1), row("c", 2, 5, 5), row("d", 3, 1, 1)];
        let diffs = differences("steward", &a, "duckdb", &b, 10);
        assert_eq!(diffs.len(), 3, "{diffs:?}");
        assert!(diffs[0].starts_with("a 2026-05-01: steward 3 uses / 2 users, duckdb 3 uses / 1 users"), "{diffs:?}");
        assert!(diffs[1].contains("only steward"), "{diffs:?}");
        assert!(diffs[2].contains("only duckdb"), "{diffs:?}");
        assert_eq!(differences("steward", &a, "duckdb", &b, 1).len(), 1);
    }

    #[test]
    fn csv_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rows.csv");
        let rows = vec![row("a", 1, 3, 2), row("b", 9, 1, 0)];
        write_csv(&path, &rows).unwrap();
        assert_eq!(read_csv(&path).unwrap(), rows);
        std::fs::write(&path, "resource_id,day,uses,unique_users\na,2026-05-01,x,1\n").unwrap();
        let err = read_csv(&path).unwrap_err().to_string();
        assert!(err.contains("line 2"), "{err}");
    }
}
