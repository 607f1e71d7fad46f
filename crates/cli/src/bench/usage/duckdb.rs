//! DuckDB, the peer the issue names: a python3 child process reads the same file with
//! `read_json` and computes the same rollup (`rollup.sql` semantics, written in DuckDB SQL),
//! timing its own query so that interpreter start-up is not counted against it.

use super::compare::{self, DayRow};
use anyhow::Context;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

pub struct DuckRun {
    /// The query alone, as the script measured it.
    pub query: Duration,
    /// The child process, start to end.
    pub wall: Duration,
    /// CPU time (user + system) of the query, as the script measured it with getrusage.
    pub cpu: Option<Duration>,
    /// The whole machine's busy CPU time during the query (from /proc/stat, as `cpu::machine_busy`).
    pub machine_cpu: Option<Duration>,
    pub peak_rss: Option<u64>,
    pub version: String,
    pub rows: Vec<DayRow>,
}

/// The script: arguments are the input file, the output CSV and the thread count. The columns
/// are declared so that DuckDB neither samples the file for a schema nor builds columns the
/// rollup does not read: its fastest way to read this file.
const SCRIPT: &str = r#"
import os, resource, sys, time
import duckdb

path, out, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
con = duckdb.connect()
con.execute(f"SET threads = {threads}")
con.execute("SET preserve_insertion_order = false")
# Spill (large files) beside the output, not into the working directory.
con.execute(f"SET temp_directory = '{os.path.dirname(os.path.abspath(out))}'")
con.execute("""CREATE MACRO prop(pc, n) AS
    nullif(list_filter(pc, lambda p: p.Name = n)[1].Value, '')""")
columns = {
    "Id": "VARCHAR", "CreationTime": "VARCHAR", "Operation": "VARCHAR", "Workload": "VARCHAR",
    "RecordType": "BIGINT", "UserKey": "VARCHAR", "UserId": "VARCHAR", "UserUPN": "VARCHAR",
    "AppName": "VARCHAR", "ObjectId": "VARCHAR", "AdditionalInfo": "STRUCT(targetObjectId VARCHAR)",
    "PropertyCollection": 'STRUCT("Name" VARCHAR, "Value" VARCHAR)[]',
}
cols = "{" + ", ".join(f"'{k}': '{v}'" for k, v in columns.items()) + "}"
def literal(text):
    return "'" + text.replace("'", "''") + "'"
sql = f"""
COPY (
  WITH records AS (
    SELECT
      lower(Id) AS id,
      CAST(substr(CreationTime, 1, 10) AS DATE) AS day,
      coalesce(nullif(Operation, ''), prop(PropertyCollection, 'powerplatform.analytics.activity.name')) AS operation,
      lower(coalesce(
        nullif(AppName, ''),
        prop(PropertyCollection, 'powerplatform.analytics.resource.power_app.id'),
        CASE WHEN Workload = 'MicrosoftFlow' OR RecordType = 30 THEN nullif(ObjectId, '') END,
        nullif(AdditionalInfo.targetObjectId, ''))) AS resource_id,
      lower(coalesce(
        nullif(UserKey, ''),
        prop(PropertyCollection, 'enduser.id'),
        nullif(UserId, ''),
        prop(PropertyCollection, 'enduser.principal_name'),
        nullif(UserUPN, ''))) AS actor
    FROM read_json({literal(path)}, format = 'newline_delimited', columns = {cols}, maximum_object_size = 16777216)
    WHERE Workload IN ('PowerApps', 'PowerPlatform', 'MicrosoftFlow') OR RecordType IN (45, 256, 30)
  )
  SELECT resource_id, day, count(DISTINCT id) AS uses, count(DISTINCT actor) AS unique_users
  FROM records
  WHERE operation = 'LaunchPowerApp' AND resource_id IS NOT NULL
  GROUP BY resource_id, day
  ORDER BY resource_id, day
) TO {literal(out)} (HEADER, DELIMITER ',')
"""
def cpu():
    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime
def machine():
    # user nice system idle iowait irq softirq: the busy ones, in ticks of 1/100 s
    try:
        with open("/proc/stat") as f:
            ticks = [int(t) for t in f.readline().split()[1:8]]
        return sum(ticks[i] for i in (0, 1, 2, 5, 6)) / 100.0
    except (OSError, ValueError, IndexError):
        return None
started, cpu_started, machine_started = time.perf_counter(), cpu(), machine()
con.execute(sql)
elapsed, cpu_seconds, machine_ended = time.perf_counter() - started, cpu() - cpu_started, machine()
machine_text = "" if machine_started is None or machine_ended is None else f" machine_cpu_seconds={machine_ended - machine_started:.2f}"
peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(f"duckdb {duckdb.__version__} query_seconds={elapsed:.6f} cpu_seconds={cpu_seconds:.6f} peak_rss_kb={peak_kb}{machine_text}")
"#;

/// Make sure `python` can import duckdb, installing it with pip when it cannot. Returns what
/// was done, for the output.
pub fn ensure_installed(python: &str) -> anyhow::Result<Option<String>> {
    if imports_duckdb(python)? {
        return Ok(None);
    }
    let status = Command::new(python)
        .args(["-m", "pip", "install", "--quiet", "duckdb"])
        .status()
        .with_context(|| format!("cannot run `{python} -m pip install duckdb`"))?;
    if !status.success() || !imports_duckdb(python)? {
        anyhow::bail!(
            "`{python} -m pip install duckdb` failed ({status}); install DuckDB's Python package by hand, \
             name another interpreter with --python, or leave the peers out with --skip-peers"
        );
    }
    Ok(Some(format!("duckdb was not installed for {python}; installed it with `{python} -m pip install duckdb`")))
}

fn imports_duckdb(python: &str) -> anyhow::Result<bool> {
    let out = Command::new(python)
        .args(["-c", "import duckdb"])
        .output()
        .with_context(|| format!("cannot run `{python}`: DuckDB runs under Python (name one with --python)"))?;
    Ok(out.status.success())
}

pub fn run(python: &str, input: &Path, scratch: &Path, threads: usize) -> anyhow::Result<DuckRun> {
    let script = scratch.join("duckdb_rollup.py");
    std::fs::write(&script, SCRIPT).with_context(|| format!("cannot write {}", script.display()))?;
    let csv = scratch.join("duckdb_rollup.csv");
    let started = Instant::now();
    let out = Command::new(python)
        .arg(&script)
        .arg(input)
        .arg(&csv)
        .arg(threads.to_string())
        .output()
        .with_context(|| format!("cannot run `{python} {}`", script.display()))?;
    let wall = started.elapsed();
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        anyhow::bail!(
            "the DuckDB rollup failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim(),
            stdout.trim()
        );
    }
    let line = stdout
        .lines()
        .find(|l| l.contains("query_seconds="))
        .with_context(|| format!("the DuckDB script printed no timing; it printed: {stdout}"))?;
    let field = |name: &str| line.split_whitespace().find_map(|w| w.strip_prefix(name)).map(str::to_string);
    let query: f64 = field("query_seconds=")
        .and_then(|s| s.parse().ok())
        .with_context(|| format!("cannot read the query time in {line:?}"))?;
    let cpu = field("cpu_seconds=").and_then(|s| s.parse::<f64>().ok()).map(Duration::from_secs_f64);
    let machine_cpu = field("machine_cpu_seconds=").and_then(|s| s.parse::<f64>().ok()).map(Duration::from_secs_f64);
    let peak_rss = field("peak_rss_kb=").and_then(|s| s.parse::<u64>().ok()).map(|kb| kb * 1024);
    let version = line.split_whitespace().nth(1).unwrap_or("?").to_string();
    let rows = compare::read_csv(&csv)?;
    Ok(DuckRun { query: Duration::from_secs_f64(query), wall, cpu, machine_cpu, peak_rss, version, rows })
}
