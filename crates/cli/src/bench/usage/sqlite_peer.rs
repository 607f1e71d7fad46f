//! SQLite as a peer: what a team would do with the same file and no Steward. Load the lines into
//! a table, then compute the same rollup with SQLite's JSON functions and GROUP BY.

use super::compare::DayRow;
use anyhow::Context;
use std::io::BufRead;
use std::path::Path;
use std::time::{Duration, Instant};

pub struct SqliteRun {
    pub records: u64,
    pub load: Duration,
    pub query: Duration,
    /// CPU time (user + system) of the load and the query.
    pub cpu: Option<Duration>,
    pub rows: Vec<DayRow>,
}

/// The rollup over the table `lines(j)`; the same rules as the DuckDB script.
const ROLLUP: &str = r#"
WITH records AS (
  SELECT
    lower(j ->> '$.Id') AS id,
    substr(j ->> '$.CreationTime', 1, 10) AS day,
    coalesce(nullif(j ->> '$.Operation', ''),
      (SELECT nullif(p.value ->> '$.Value', '') FROM json_each(j, '$.PropertyCollection') p
        WHERE p.value ->> '$.Name' = 'powerplatform.analytics.activity.name' LIMIT 1)) AS operation,
    lower(coalesce(
      nullif(j ->> '$.AppName', ''),
      (SELECT nullif(p.value ->> '$.Value', '') FROM json_each(j, '$.PropertyCollection') p
        WHERE p.value ->> '$.Name' = 'powerplatform.analytics.resource.power_app.id' LIMIT 1),
      CASE WHEN j ->> '$.Workload' = 'MicrosoftFlow' OR j ->> '$.RecordType' = 30
        THEN nullif(j ->> '$.ObjectId', '') END,
      nullif(j ->> '$.AdditionalInfo.targetObjectId', ''))) AS resource_id,
    lower(coalesce(
      nullif(j ->> '$.UserKey', ''),
      (SELECT nullif(p.value ->> '$.Value', '') FROM json_each(j, '$.PropertyCollection') p
        WHERE p.value ->> '$.Name' = 'enduser.id' LIMIT 1),
      nullif(j ->> '$.UserId', ''),
      (SELECT nullif(p.value ->> '$.Value', '') FROM json_each(j, '$.PropertyCollection') p
        WHERE p.value ->> '$.Name' = 'enduser.principal_name' LIMIT 1),
      nullif(j ->> '$.UserUPN', ''))) AS actor
  FROM lines
  WHERE j ->> '$.Workload' IN ('PowerApps', 'PowerPlatform', 'MicrosoftFlow') OR j ->> '$.RecordType' IN (45, 256, 30)
)
SELECT resource_id, day, count(DISTINCT id), count(DISTINCT actor)
FROM records
WHERE operation = 'LaunchPowerApp' AND resource_id IS NOT NULL
GROUP BY resource_id, day
ORDER BY resource_id, day
"#;

/// Load the first `limit` lines of `input` (all when `None`) into a fresh database at `db`, then
/// run the rollup.
pub fn run(input: &Path, db: &Path, limit: Option<u64>) -> anyhow::Result<SqliteRun> {
    let _ = std::fs::remove_file(db);
    let mut conn = rusqlite::Connection::open(db).with_context(|| format!("cannot create {}", db.display()))?;
    // A scratch database: no journal, no fsync; the load is not what a crash must survive.
    conn.execute_batch(
        "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -262144;
         PRAGMA temp_store = FILE; CREATE TABLE lines(j TEXT NOT NULL);",
    )
    .with_context(|| format!("cannot prepare {}", db.display()))?;
    let file = std::fs::File::open(input).with_context(|| format!("cannot open {}", input.display()))?;
    let mut reader = std::io::BufReader::with_capacity(1 << 20, file);
    let started = Instant::now();
    let cpu_started = super::cpu::used();
    let mut records = 0u64;
    let tx = conn.transaction()?;
    {
        let mut insert = tx.prepare("INSERT INTO lines(j) VALUES (?1)")?;
        let mut line = String::new();
        while limit.is_none_or(|n| records < n) {
            line.clear();
            if reader.read_line(&mut line).with_context(|| format!("cannot read {}", input.display()))? == 0 {
                break;
            }
            let text = line.trim_end();
            if text.is_empty() {
                continue;
            }
            insert
                .execute([text])
                .with_context(|| format!("cannot insert line {} into {}", records + 1, db.display()))?;
            records += 1;
        }
    }
    tx.commit()?;
    let load = started.elapsed();
    let started = Instant::now();
    let mut query = conn.prepare(ROLLUP)?;
    let rows = query
        .query_map([], |row| {
            let day: String = row.get(1)?;
            Ok((row.get::<_, String>(0)?, day, row.get::<_, i64>(2)?, row.get::<_, i64>(3)?))
        })?
        .map(|r| -> anyhow::Result<DayRow> {
            let (resource, day, uses, users) = r?;
            Ok(DayRow {
                resource,
                day: day.parse().with_context(|| format!("SQLite returned the day {day:?}, not a date"))?,
                uses: uses.max(0) as u64,
                users: users.max(0) as u64,
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let query_time = started.elapsed();
    let cpu = super::cpu::since(cpu_started);
    drop(query);
    drop(conn);
    let _ = std::fs::remove_file(db);
    Ok(SqliteRun { records, load, query: query_time, cpu, rows })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::bench::usage::generate::Generator;
    use serde_json::Value;
    use std::collections::{BTreeMap, BTreeSet};

    /// The rollup rules written once more, record by record, to hold the SQL to them.
    fn expected(lines: &str) -> Vec<DayRow> {
        let text = |v: &Value| v.as_str().filter(|s| !s.is_empty()).map(str::to_string);
        let mut days: BTreeMap<(String, String), (BTreeSet<String>, BTreeSet<String>)> = BTreeMap::new();
        for line in lines.lines() {
            let r: Value = serde_json::from_str(line).unwrap();
            let workload = r["Workload"].as_str().unwrap_or_default();
            let record_type = r["RecordType"].as_i64().unwrap_or_default();
            if !matches!(workload, "PowerApps" | "PowerPlatform" | "MicrosoftFlow")
                && ![45, 256, 30].contains(&record_type)
            {
                continue;
            }
            let prop = |name: &str| {
                r["PropertyCollection"]
                    .as_array()
                    .and_then(|ps| ps.iter().find(|p| p["Name"] == name))
                    .and_then(|p| text(&p["Value"]))
            };
            let operation = text(&r["Operation"]).or_else(|| prop("powerplatform.analytics.activity.name"));
            let flow = workload == "MicrosoftFlow" || record_type == 30;
            let resource = text(&r["AppName"])
                .or_else(|| prop("powerplatform.analytics.resource.power_app.id"))
                .or_else(|| if flow { text(&r["ObjectId"]) } else { None })
                .or_else(|| text(&r["AdditionalInfo"]["targetObjectId"]));
            let actor = text(&r["UserKey"])
                .or_else(|| prop("enduser.id"))
                .or_else(|| text(&r["UserId"]))
                .or_else(|| prop("enduser.principal_name"))
                .or_else(|| text(&r["UserUPN"]));
            let (Some("LaunchPowerApp"), Some(resource)) = (operation.as_deref(), resource) else { continue };
            let day = r["CreationTime"].as_str().unwrap()[..10].to_string();
            let entry = days.entry((resource.to_lowercase(), day)).or_default();
            entry.0.insert(r["Id"].as_str().unwrap().to_lowercase());
            entry.1.extend(actor.map(|a| a.to_lowercase()));
        }
        days.into_iter()
            .map(|((resource, day), (ids, actors))| DayRow {
                resource,
                day: day.parse().unwrap(),
                uses: ids.len() as u64,
                users: actors.len() as u64,
            })
            .collect()
    }

    #[test]
    fn the_sql_rollup_follows_the_rules_and_reads_a_prefix_when_asked() {
        let dir = tempfile::tempdir().unwrap();
        let mut g = Generator::new(30_000, 4);
        let mut buf = Vec::new();
        while g.next_line(&mut buf) {}
        let input = dir.path().join("audit.jsonl");
        std::fs::write(&input, &buf).unwrap();
        let lines = String::from_utf8(buf).unwrap();

        let whole = run(&input, &dir.path().join("peer.db"), None).unwrap();
        assert_eq!(whole.records, 30_000);
        let mut rows = whole.rows;
        rows.sort();
        let want = expected(&lines);
        assert!(want.len() > 1_000 && want.iter().any(|r| r.uses > 1) && want.iter().any(|r| r.users < r.uses));
        assert_eq!(rows, want);

        let prefix = run(&input, &dir.path().join("peer.db"), Some(1_000)).unwrap();
        assert_eq!(prefix.records, 1_000);
        let first: String = lines.lines().take(1_000).map(|l| format!("{l}\n")).collect();
        let mut rows = prefix.rows;
        rows.sort();
        assert_eq!(rows, expected(&first));
    }
}
