//! Steward's parse + rollup (a): the records into resource-day rows in memory
//! (`steward_usage::rollup`), the work DuckDB's `read_json` + GROUP BY does, with nothing
//! written to a store.

use super::compare::DayRow;
use crate::rss;
use std::path::Path;
use std::time::{Duration, Instant};
use steward_usage::rollup::{Rollup, RollupOptions, rollup_file};

pub struct MemoryRun {
    pub rollup: Rollup,
    pub elapsed: Duration,
    /// CPU time (user + system), all threads.
    pub cpu: Option<Duration>,
    /// The whole machine's busy CPU time meanwhile (kernel threads included).
    pub machine_cpu: Option<Duration>,
    pub peak_rss: Option<u64>,
    pub rows: Vec<DayRow>,
}

pub async fn run(input: &Path, threads: usize) -> anyhow::Result<MemoryRun> {
    rss::reset_peak();
    let input = input.to_path_buf();
    let (rollup, elapsed, cpu, machine_cpu) = tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        let (cpu_started, machine_started) = (super::cpu::used(), super::cpu::machine_busy());
        let rollup = rollup_file(&input, &RollupOptions { threads, ..RollupOptions::default() });
        (rollup, started.elapsed(), super::cpu::since(cpu_started), super::cpu::machine_since(machine_started))
    })
    .await?;
    let mut rollup = rollup?;
    let peak_rss = rss::peak_bytes();
    let rows = std::mem::take(&mut rollup.rows)
        .into_iter()
        .filter_map(|r| {
            let day = steward_store::usage::day_from_number(r.day)?;
            Some(DayRow { resource: r.resource_id, day, uses: r.uses, users: r.users })
        })
        .collect();
    Ok(MemoryRun { rollup, elapsed, cpu, machine_cpu, peak_rss, rows })
}
