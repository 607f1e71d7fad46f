//! `steward bench …`: commands that print the figures recorded in BENCHMARKS.md.
//! Timings live here and never in tests.

mod catalog;
mod http;
mod ingest;
mod policy;
mod sync;
mod usage;

#[derive(Debug, clap::Subcommand)]
pub enum BenchCommand {
    /// Resources per second upserted into SQLite and PostgreSQL, and peak memory.
    Ingest(ingest::Args),
    /// Wall time, requests per second and peak memory of `steward sync` against a fake tenant
    /// over loopback; `--changed 1%` also times an incremental run.
    Sync(sync::Args),
    /// Records per second of parsing Office 365 audit records into rollups, and peak memory,
    /// beside DuckDB and SQLite computing the same rollup from the same file.
    Usage(usage::Args),
    /// Resources × policies per second of the built-in pack plus generated policies over a
    /// synthetic tenant, and peak memory; `--record` also times recording the findings.
    Policy(policy::Args),
    /// Catalog search index: build time and size, and search latency p50/p99 (text, text with
    /// two facets, facets only) over synthetic listed items.
    Catalog(catalog::Args),
    /// Requests per second and p50/p99 latency of the overview page, a filtered inventory
    /// page, the resource API and catalog search (1,000,000 items), server and load generator
    /// on loopback.
    Http(http::Args),
}

pub async fn run(cmd: BenchCommand) -> anyhow::Result<()> {
    match cmd {
        BenchCommand::Ingest(args) => ingest::run(args).await,
        BenchCommand::Sync(args) => sync::run(args).await,
        BenchCommand::Usage(args) => usage::run(args).await,
        BenchCommand::Policy(args) => policy::run(args).await,
        BenchCommand::Catalog(args) => catalog::run(args).await,
        BenchCommand::Http(args) => http::run(args).await,
    }
}

/// Print the machine a figure was measured on, for BENCHMARKS.md.
pub fn print_machine() {
    let cpus = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".to_string());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| s.lines().next().and_then(|l| l.split_whitespace().nth(1)).and_then(|kb| kb.parse::<u64>().ok()))
        .map(|kb| format!("{:.0} GiB", kb as f64 / 1024.0 / 1024.0))
        .unwrap_or_else(|| "unknown memory".to_string());
    println!("machine: {cpus} cores, {model}, {mem}; date {}", chrono::Utc::now().format("%Y-%m-%d"));
}
