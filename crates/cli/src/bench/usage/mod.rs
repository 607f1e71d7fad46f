//! `steward bench usage`: records per second of Office 365 audit records parsed into rollups,
//! and peak memory, beside DuckDB and SQLite computing the same rollup from the same file.
//!
//! The file of records is generated once (deterministic by `--events` and `--seed`) and reused
//! by later runs. Steward runs twice on it in this process, before the peers (so the peak RSS
//! printed is Steward's alone, reset between the two): (a) parse + rollup, the records into
//! resource-day rows in memory (what DuckDB's `read_json` + GROUP BY does, and what the issue's
//! goals are about), and (b) the full import into a fresh SQLite store (what `steward import`
//! does: the same reading plus every rollup row, ledger and commit). DuckDB runs in a python3
//! child process, SQLite in this process after Steward. Every system's per-resource, per-day
//! rows are compared with DuckDB's: a benchmark that is fast and wrong fails.
//!
//! Each run prints wall-clock time and CPU time (user + system): on a machine shared with other
//! work, wall-clock rates count the time threads waited for a core, records per CPU-second do
//! not.

mod compare;
mod cpu;
mod duckdb;
mod generate;
mod memory;
mod sqlite_peer;
mod steward;

use crate::rss;
use anyhow::Context;
use compare::DayRow;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Audit records in the generated file (~0.9 KB each: 100,000,000 take ~90 GB; on a
    /// compressing filesystem such as btrfs with compress-force=zstd, ~10 GB of disk).
    #[arg(long, default_value_t = 1_000_000)]
    pub events: u64,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Where the generated file is kept for later runs (default: steward-bench-usage in the
    /// system's temporary directory). Scratch databases go here too.
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Write the file again even when one for these --events and --seed exists.
    #[arg(long)]
    pub regenerate: bool,
    /// Keep the scratch Steward database and every system's rollup CSV (printed paths).
    #[arg(long)]
    pub keep: bool,
    /// Delete the generated file at the end (it is kept for later runs by default).
    #[arg(long)]
    pub remove_data: bool,
    /// Measure Steward alone (no DuckDB, no SQLite, no comparison).
    #[arg(long)]
    pub skip_peers: bool,
    /// Measure the peers alone (DuckDB's and SQLite's rows are still compared).
    #[arg(long, conflicts_with = "skip_peers")]
    pub skip_steward: bool,
    /// Measure Steward's parse + rollup (a) only, not the import into a SQLite store (b).
    #[arg(long)]
    pub skip_import: bool,
    /// Leave SQLite out (DuckDB still runs and checks the results).
    #[arg(long)]
    pub skip_sqlite: bool,
    /// Run the SQLite peer on the first N records only (its figure is then from a prefix and
    /// its rows are not compared). Default: the whole file, or the longest prefix whose copy in
    /// SQLite's database fits on the disk.
    #[arg(long, value_name = "N")]
    pub sqlite_events: Option<u64>,
    /// Steward's parser threads (0: one per core).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Python interpreter that runs DuckDB (installed with pip when missing).
    #[arg(long, default_value = "python3")]
    pub python: String,
}

/// Goals of the issue, on 2 cores.
const GOAL_TIMES_DUCKDB: f64 = 3.0;
const GOAL_PER_CORE: f64 = 1_000_000.0;
const GOAL_RSS: u64 = 1 << 30;

pub async fn run(args: Args) -> anyhow::Result<()> {
    super::print_machine();
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let data_dir = args.data_dir.clone().unwrap_or_else(|| std::env::temp_dir().join("steward-bench-usage"));
    std::fs::create_dir_all(&data_dir)
        .with_context(|| format!("cannot create the data directory {}", data_dir.display()))?;
    let input = data_dir.join(format!("audit-{}-seed{}.jsonl", args.events, args.seed));
    let bytes = prepare_file(&args, &input).await?;
    println!("file     {} ({}, {} records)", input.display(), gb(bytes), thousands(args.events));

    let scratch = tempfile::Builder::new()
        .prefix("scratch-")
        .tempdir_in(&data_dir)
        .with_context(|| format!("cannot create a scratch directory in {}", data_dir.display()))?;
    let mut failed = Vec::new();

    // Steward first, alone in this process, so that its peak RSS is its own: (a) the parse +
    // rollup in memory, then (b) the full import into a SQLite store (peak reset in between).
    let memory = if args.skip_steward {
        println!("steward  not measured (--skip-steward)");
        None
    } else {
        match memory::run(&input, args.threads).await {
            Ok(run) => {
                print_memory(&run, cores);
                Some(run)
            }
            Err(err) => {
                println!("steward  (a) FAILED: {err:#}");
                failed.push("Steward's parse + rollup failed".to_string());
                None
            }
        }
    };
    let ours = if args.skip_steward || args.skip_import {
        if args.skip_import {
            println!("steward  (b) the import into SQLite not measured (--skip-import)");
        }
        None
    } else {
        match steward::run(&input, scratch.path(), args.threads).await {
            Ok(run) => {
                print_import(&run, cores);
                Some(run)
            }
            Err(err) => {
                println!("steward  (b) FAILED: {err:#}");
                failed.push("the Steward import failed".to_string());
                None
            }
        }
    };

    let mut duck = None;
    let mut lite = None;
    if !args.skip_peers {
        duck = match run_duckdb(&args, &input, scratch.path(), cores) {
            Ok(run) => Some(run),
            Err(err) => {
                println!("duckdb   FAILED: {err:#}");
                failed.push("the DuckDB peer failed".to_string());
                None
            }
        };
        if !args.skip_sqlite {
            lite = match run_sqlite(&args, &input, bytes, scratch.path()).await {
                Ok(run) => Some(run),
                Err(err) => {
                    println!("sqlite   FAILED: {err:#}");
                    failed.push("the SQLite peer failed".to_string());
                    None
                }
            };
        }
    }

    // Rates of every run that happened: wall-clock, and per CPU-second (user + system).
    let duck_rate = duck.as_ref().map(|d| Rate::new(args.events, d.query, d.cpu));
    let lite_rate = lite.as_ref().map(|l| Rate::new(l.records, l.load + l.query, l.cpu));
    let ours_rates = [
        ("(a) parse + rollup", memory.as_ref().map(|m| Rate::new(m.rollup.records, m.elapsed, m.cpu))),
        ("(b) import into SQLite", ours.as_ref().map(|r| Rate::new(r.report.records, r.elapsed, r.cpu))),
    ];
    if let (Some(m), Some(d)) = (&memory, &duck)
        && let (Some(ours), Some(theirs)) = (m.machine_cpu, d.machine_cpu)
        && !ours.is_zero()
    {
        println!(
            "ratio    steward (a) parse + rollup / duckdb = {:.2}x per machine CPU-second (kernel threads included)",
            secs(theirs) / secs(ours)
        );
    }
    for (name, rate) in &ours_rates {
        let Some(rate) = rate else { continue };
        if let Some(duck) = &duck_rate {
            println!("ratio    steward {name} / duckdb = {}", rate.ratio(duck));
        }
        if let Some(lite) = &lite_rate {
            let prefix = lite.records < args.events;
            println!(
                "ratio    steward {name} / sqlite = {}{}",
                rate.ratio(lite),
                if prefix { " (SQLite on a prefix)" } else { "" }
            );
        }
    }

    // Results: every system's rows against DuckDB's (or, without DuckDB, against SQLite's).
    let reference = duck
        .as_ref()
        .map(|d| ("DuckDB", &d.rows))
        .or_else(|| lite.as_ref().filter(|l| l.records >= args.events).map(|l| ("SQLite", &l.rows)));
    let ours_rows = [
        ("Steward (a) parse + rollup", memory.as_ref().map(|m| &m.rows)),
        ("Steward (b) import", ours.as_ref().map(|r| &r.rows)),
    ];
    for (name, rows) in ours_rows {
        let Some(rows) = rows else { continue };
        match reference {
            Some((reference_name, reference)) => {
                if !check(name, rows, reference_name, reference) {
                    failed.push(format!("{name}'s results differ from {reference_name}'s"));
                }
            }
            None if args.skip_peers => println!("results  {name}: not compared (--skip-peers)"),
            None => println!("results  {name}: not compared, no peer ran on the whole file"),
        }
    }
    // (a) and (b) are the same reading: their rows are equal whether or not a peer ran.
    if let (Some(m), Some(ours)) = (&memory, &ours)
        && !check("Steward (a) parse + rollup", &m.rows, "Steward (b) import", &ours.rows)
    {
        failed.push("Steward's parse + rollup and import differ".to_string());
    }
    if args.keep {
        if let Some(m) = &memory {
            compare::write_csv(&scratch.path().join("steward_memory_rollup.csv"), &m.rows)?;
        }
        if let Some(ours) = &ours {
            compare::write_csv(&scratch.path().join("steward_rollup.csv"), &ours.rows)?;
        }
    }
    if let (Some(duck), Some(lite)) = (&duck, &lite) {
        if lite.records >= args.events {
            if !check("SQLite", &lite.rows, "DuckDB", &duck.rows) {
                failed.push("SQLite's results differ from DuckDB's".to_string());
            }
        } else {
            println!("results  SQLite's rows not compared (it read a prefix of {} records)", thousands(lite.records));
        }
    }

    // The goals are the parse + rollup throughput: (a). Wall-clock figures count the
    // time threads waited for a core on a busy machine; the CPU-time figures do not.
    if let Some(m) = &memory {
        let rate = Rate::new(m.rollup.records, m.elapsed, m.cpu);
        if let Some(duck) = &duck_rate {
            let wall = rate.wall / duck.wall;
            let cpu = rate.per_cpu.zip(duck.per_cpu).map(|(a, b)| format!(", {:.2}x per CPU-second", a / b));
            goal(
                &format!("(a) at least {GOAL_TIMES_DUCKDB}x DuckDB's throughput"),
                &format!("{wall:.2}x wall-clock{}", cpu.unwrap_or_default()),
                wall >= GOAL_TIMES_DUCKDB,
            );
        }
        let per_core = rate.wall / cores as f64;
        let cpu = rate.per_cpu.map(|r| format!("; {}/CPU-second", thousands(r as u64))).unwrap_or_default();
        goal(
            "(a) at least 1,000,000 records/s per core",
            &format!("{}/s per core wall-clock on {cores} cores{cpu}", thousands(per_core as u64)),
            per_core >= GOAL_PER_CORE,
        );
        if let Some(per_cpu) = rate.per_cpu {
            goal("(a) at least 1,000,000 records per CPU-second", &thousands(per_cpu as u64), per_cpu >= GOAL_PER_CORE);
        }
        match m.peak_rss {
            Some(peak) => goal("(a) peak RSS under 1 GiB", &rss::mib(peak), peak < GOAL_RSS),
            None => println!("goal     (a) peak RSS under 1 GiB: unknown on this platform"),
        }
    }
    if let Some(ours) = &ours {
        match ours.peak_rss {
            Some(peak) => goal("(b) peak RSS under 1 GiB", &rss::mib(peak), peak < GOAL_RSS),
            None => println!("goal     (b) peak RSS under 1 GiB: unknown on this platform"),
        }
    }

    if args.keep {
        let kept = scratch.keep();
        println!("kept     {} (steward.db, *_rollup.csv)", kept.display());
    }
    if args.remove_data {
        std::fs::remove_file(&input).with_context(|| format!("cannot remove {}", input.display()))?;
        println!("removed  {}", input.display());
    }
    if !failed.is_empty() {
        anyhow::bail!("bench usage: {}", failed.join("; "));
    }
    Ok(())
}

/// Use the file for these --events and --seed, or generate it (after checking the disk).
async fn prepare_file(args: &Args, input: &Path) -> anyhow::Result<u64> {
    if !args.regenerate
        && let Ok(meta) = std::fs::metadata(input)
    {
        println!("bench usage: {} records, seed {}, reusing the generated file", thousands(args.events), args.seed);
        return Ok(meta.len());
    }
    let estimate = generate::estimate_bytes(args.events, args.seed);
    let dir = input.parent().unwrap_or(Path::new("."));
    // Room for the file, the scratch databases and a margin for everyone else on the disk.
    let needed = estimate + estimate / 20 + (5 << 30);
    if let Some(free) = free_bytes(dir) {
        let existing = std::fs::metadata(input).map(|m| m.len()).unwrap_or(0);
        if needed > free + existing {
            anyhow::bail!(
                "{} records take about {} but {} has {} free (with a margin of 5% and 5 GB for the scratch \
                 databases and everyone else on the disk); free some space, point --data-dir at a larger disk, \
                 or ask for fewer --events",
                thousands(args.events),
                gb(estimate),
                dir.display(),
                gb(free + existing)
            );
        }
    }
    println!(
        "bench usage: {} records, seed {}, generating about {} into {}",
        thousands(args.events),
        args.seed,
        gb(estimate),
        dir.display()
    );
    let (events, seed, path) = (args.events, args.seed, input.to_path_buf());
    let started = Instant::now();
    let report = tokio::task::spawn_blocking(move || {
        use steward_ingest::Progress;
        let progress = crate::progress::TerminalProgress::new();
        progress.stage("generating", Some(events));
        let last = std::cell::Cell::new(0u64);
        let result = generate::write_file(&path, events, seed, &|written| {
            progress.advance(written - last.get());
            last.set(written);
        });
        progress.finish();
        result
    })
    .await
    .context("the generator thread failed")??;
    let elapsed = started.elapsed();
    println!(
        "generated {} records ({} repeats) in {:.1} s = {} records/s, {}/s",
        thousands(report.records),
        thousands(report.duplicates),
        secs(elapsed),
        thousands((report.records as f64 / secs(elapsed)) as u64),
        gb((report.bytes as f64 / secs(elapsed)) as u64),
    );
    Ok(report.bytes)
}

fn run_duckdb(args: &Args, input: &Path, scratch: &Path, cores: usize) -> anyhow::Result<duckdb::DuckRun> {
    if let Some(note) = duckdb::ensure_installed(&args.python)? {
        println!("duckdb   {note}");
    }
    let run = duckdb::run(&args.python, input, scratch, cores)?;
    println!(
        "duckdb   {:>13} records in {:>8.2} s wall = {:>11} records/s (query alone; {:.2} s with python start-up); \
         {}{}; DuckDB {} on {cores} threads, peak RSS {}",
        thousands(args.events),
        secs(run.query),
        thousands((args.events as f64 / secs(run.query)) as u64),
        secs(run.wall),
        cpu_text(args.events, run.cpu),
        machine_text(run.machine_cpu),
        run.version,
        run.peak_rss.map(rss::mib).unwrap_or_else(|| "unknown".into()),
    );
    Ok(run)
}

async fn run_sqlite(args: &Args, input: &Path, bytes: u64, scratch: &Path) -> anyhow::Result<sqlite_peer::SqliteRun> {
    // SQLite copies the lines into its database: the whole file when the disk holds a second
    // copy (time is no obstacle: ~120,000 records/s measured, 100M in ~14 minutes), else the
    // longest prefix that fits, said so in the output.
    // Measured: the table takes ~1.3 times the lines' bytes (page overhead, overflow pages); a
    // run that filled the disk with 1.1 starved everyone else on it, so the margin is wide.
    let per_record = bytes as f64 / args.events.max(1) as f64 * 1.5;
    let room = free_bytes(scratch).map(|free| free.saturating_sub((free / 4).max(10 << 30)));
    let fits = room.map(|room| (room as f64 / per_record) as u64);
    let limit = match args.sqlite_events {
        Some(n) => Some(n).filter(|&n| n < args.events),
        None => fits.filter(|&n| n < args.events).map(|n| n / 1_000_000 * 1_000_000),
    };
    let reads = limit.unwrap_or(args.events);
    if reads == 0 || fits.is_some_and(|fits| fits < reads) {
        anyhow::bail!(
            "the SQLite peer copies the records it reads into a database (~{}) but {} has room for {} only; \
             run it on a shorter prefix with --sqlite-events N, or leave it out with --skip-sqlite",
            gb((per_record * reads.max(1_000_000) as f64) as u64),
            scratch.display(),
            gb(room.unwrap_or(0))
        );
    }
    if args.sqlite_events.is_none()
        && let Some(n) = limit
    {
        println!("sqlite   the disk holds a copy of the first {} records only: SQLite reads that prefix", thousands(n));
    }
    let (input, db) = (input.to_path_buf(), scratch.join("sqlite_peer.db"));
    let run = tokio::task::spawn_blocking(move || sqlite_peer::run(&input, &db, limit))
        .await
        .context("the SQLite peer's thread failed")??;
    let total = run.load + run.query;
    let prefix = if run.records < args.events {
        format!(" (the first {} records of the file only)", thousands(run.records))
    } else {
        String::new()
    };
    println!(
        "sqlite   {:>13} records in {:>8.2} s wall = {:>11} records/s (load {:.2} s + query {:.2} s); {}{prefix}",
        thousands(run.records),
        secs(total),
        thousands((run.records as f64 / secs(total)) as u64),
        secs(run.load),
        secs(run.query),
        cpu_text(run.records, run.cpu),
    );
    if args.keep {
        compare::write_csv(&scratch.join("sqlite_rollup.csv"), &run.rows)?;
    }
    Ok(run)
}

/// Records per second of one run: wall-clock, and per CPU-second (user + system) when known.
struct Rate {
    records: u64,
    wall: f64,
    per_cpu: Option<f64>,
}

impl Rate {
    fn new(records: u64, elapsed: Duration, cpu: Option<Duration>) -> Self {
        let per_cpu = cpu.filter(|c| !c.is_zero()).map(|c| records as f64 / secs(c));
        Rate { records, wall: records as f64 / secs(elapsed), per_cpu }
    }

    /// "2.10x wall-clock, 1.80x per CPU-second"
    fn ratio(&self, other: &Rate) -> String {
        let wall = format!("{:.2}x wall-clock", self.wall / other.wall);
        match self.per_cpu.zip(other.per_cpu) {
            Some((a, b)) => format!("{wall}, {:.2}x per CPU-second", a / b),
            None => wall,
        }
    }
}

/// "12.3 s CPU = 812,000 records per CPU-second" or "CPU time unknown".
fn cpu_text(records: u64, cpu: Option<Duration>) -> String {
    match cpu.filter(|c| !c.is_zero()) {
        Some(c) => {
            format!("CPU {:.2} s = {} records per CPU-second", secs(c), thousands((records as f64 / secs(c)) as u64))
        }
        None => "CPU time unknown".into(),
    }
}

fn print_memory(run: &memory::MemoryRun, cores: usize) {
    let r = &run.rollup;
    let rate = r.records as f64 / secs(run.elapsed);
    println!(
        "steward  (a) parse + rollup in memory: {} records in {:.2} s wall = {} records/s ({}/s per core on {cores} \
         cores); {}{}; peak RSS {}",
        thousands(r.records),
        secs(run.elapsed),
        thousands(rate as u64),
        thousands((rate / cores as f64) as u64),
        cpu_text(r.records, run.cpu),
        machine_text(run.machine_cpu),
        run.peak_rss.map(rss::mib).unwrap_or_else(|| "unknown".into()),
    );
    println!(
        "         {} Power Platform records, {} repeats, {} uses in {} resource-days; {} records read by the field \
         extractor, {} by serde_json; {} malformed; {} of events spilled to scratch files",
        thousands(r.power_platform),
        thousands(r.duplicates),
        thousands(r.uses),
        thousands(run.rows.len() as u64),
        thousands(r.fast_path),
        thousands(r.fallback),
        thousands(r.malformed),
        gb(r.spilled),
    );
    for e in &r.first_errors {
        println!("         malformed: {e}");
    }
}

fn print_import(run: &steward::StewardRun, cores: usize) {
    let rate = run.report.records as f64 / secs(run.elapsed);
    println!(
        "steward  (b) import into SQLite: {} records in {:.2} s wall = {} records/s ({}/s per core); {}; peak RSS {}",
        thousands(run.report.records),
        secs(run.elapsed),
        thousands(rate as u64),
        thousands((rate / cores as f64) as u64),
        cpu_text(run.report.records, run.cpu),
        run.peak_rss.map(rss::mib).unwrap_or_else(|| "unknown".into()),
    );
    let s = &run.report.stats;
    println!(
        "         {} Power Platform records: {} counted, {} duplicates, {} not uses or makes, {} sealed; \
         {} malformed; {} rollup rows written in {} commits; {} resource-days",
        thousands(run.report.power_platform),
        thousands(s.counted),
        thousands(s.duplicates),
        thousands(s.not_counted),
        thousands(s.sealed),
        thousands(run.report.malformed),
        thousands(run.report.rows_written),
        thousands(run.report.commits),
        thousands(run.rows.len() as u64),
    );
    for e in &run.report.first_errors {
        println!("         malformed: {e}");
    }
}

/// "; machine CPU 12.3 s": the whole machine's busy time, kernel threads included (they
/// decompress a file kept on a compressing filesystem, which no process is charged for).
fn machine_text(machine: Option<Duration>) -> String {
    machine.filter(|c| !c.is_zero()).map(|c| format!("; machine CPU {:.2} s", secs(c))).unwrap_or_default()
}

/// Compare two row sets and print the verdict; true when they are equal.
fn check(name: &str, rows: &[DayRow], reference_name: &str, reference: &[DayRow]) -> bool {
    let mut rows = rows.to_vec();
    rows.sort();
    let mut reference = reference.to_vec();
    reference.sort();
    let diffs = compare::differences(name, &rows, reference_name, &reference, 10);
    if diffs.is_empty() {
        println!("results  {name}'s match {reference_name}: {} resource-days", thousands(rows.len() as u64));
        return true;
    }
    println!(
        "results  {name}'s DIFFER from {reference_name}'s ({} vs {} resource-days); first differences:",
        thousands(rows.len() as u64),
        thousands(reference.len() as u64)
    );
    for d in diffs {
        println!("         {d}");
    }
    false
}

fn goal(what: &str, measured: &str, met: bool) {
    println!("goal     {what}: {measured} {}", if met { "PASS" } else { "FAIL" });
}

/// Free bytes on the disk holding `dir`, from `df` (None when it cannot tell).
fn free_bytes(dir: &Path) -> Option<u64> {
    let out = std::process::Command::new("df").arg("-Pk").arg(dir).output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let kb: u64 = text.lines().nth(1)?.split_whitespace().nth(3)?.parse().ok()?;
    Some(kb * 1024)
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64().max(1e-9)
}

fn gb(bytes: u64) -> String {
    format!("{:.2} GB", bytes as f64 / 1e9)
}

// 1234567 as 1,234,567, as the board report writes figures.
use steward_report::format::count as thousands;
