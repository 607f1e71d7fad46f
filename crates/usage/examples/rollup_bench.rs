//! Parse + rollup (a) and the import into SQLite (b) on the bench's generated file, without the
//! `steward` binary: for profiling (`perf record`) and for measuring when the whole CLI does not
//! build. `steward bench usage` is the benchmark of record (it also runs DuckDB and SQLite and
//! compares the rows).
//!
//! `cargo run --release -p steward-usage --example rollup_bench -- <events> <dir> [a|b|ab]`

#![allow(clippy::unwrap_used, clippy::expect_used)]

// The bench's generator, shared as source: the same file as `steward bench usage` writes.
#[allow(dead_code)]
#[path = "../../cli/src/bench/usage/generate.rs"]
mod generate;

use std::sync::Arc;
use std::time::{Duration, Instant};
use steward_store::Store;
use steward_usage::rollup::{RollupOptions, rollup_file};

fn cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let f: Vec<u64> = rest.split_whitespace().skip(11).take(2).map(|x| x.parse().unwrap()).collect();
    Duration::from_millis((f[0] + f[1]) * 10)
}

fn peak_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kb: f64 =
        status.lines().find(|l| l.starts_with("VmHWM:")).unwrap().split_whitespace().nth(1).unwrap().parse().unwrap();
    kb / 1024.0
}

fn print(what: &str, records: u64, wall: Duration, cpu: Duration) {
    println!(
        "{what}: {records} records in {:.2} s wall = {:.0} records/s; CPU {:.2} s = {:.0} records per CPU-second; peak RSS {:.0} MiB",
        wall.as_secs_f64(),
        records as f64 / wall.as_secs_f64(),
        cpu.as_secs_f64(),
        records as f64 / cpu.as_secs_f64().max(1e-9),
        peak_mib()
    );
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let events: u64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(1_000_000);
    let dir = std::path::PathBuf::from(args.get(2).cloned().unwrap_or_else(|| "/tmp/steward-bench-usage".into()));
    let which = args.get(3).cloned().unwrap_or_else(|| "ab".into());
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join(format!("audit-{events}-seed1.jsonl"));
    if !input.exists() {
        let started = Instant::now();
        let r = generate::write_file(&input, events, 1, &|_| {}).unwrap();
        println!("generated {} records, {} bytes in {:.1} s", r.records, r.bytes, started.elapsed().as_secs_f64());
    }
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let mut a_rows = None;
    if which.contains('a') {
        let (t, c) = (Instant::now(), cpu());
        let r = rollup_file(&input, &RollupOptions::default()).unwrap();
        print("(a) parse + rollup", r.records, t.elapsed(), cpu() - c);
        println!(
            "    {} resource-days, {} uses, {} repeats, {} fast, {} by serde_json, {} malformed",
            r.rows.len(),
            r.uses,
            r.duplicates,
            r.fast_path,
            r.fallback,
            r.malformed
        );
        let mut rows = r.rows.into_iter().map(|r| (r.resource_id, r.day, r.uses, r.users)).collect::<Vec<_>>();
        rows.sort();
        // A fourth argument: write the rows as the peers' CSV, to compare with DuckDB's.
        if let Some(csv) = args.get(4) {
            let mut out = String::from("resource_id,day,uses,unique_users\n");
            for (resource, day, uses, users) in &rows {
                let day = steward_store::usage::day_from_number(*day).unwrap();
                out.push_str(&format!("{resource},{day},{uses},{users}\n"));
            }
            std::fs::write(csv, out).unwrap();
        }
        a_rows = Some(rows);
    }
    if which.contains('b') {
        let _ = std::fs::write("/proc/self/clear_refs", "5");
        let db = dir.join("example-steward.db");
        let _ = std::fs::remove_file(&db);
        let s = steward_store_sqlite::SqliteStore::open(db.to_str().unwrap()).unwrap();
        s.migrate().await.unwrap();
        let s: Arc<dyn Store> = Arc::new(s);
        let (t, c) = (Instant::now(), cpu());
        let r = steward_usage::import_audit_file(s.clone(), &input, &Default::default()).await.unwrap();
        print("(b) import into SQLite", r.records, t.elapsed(), cpu() - c);
        if let Some(a) = a_rows {
            use steward_model::{UsageMetric, UsagePeriod, UsageScope};
            let query = steward_store::usage::RollupQuery {
                tenant_id: None,
                scope: UsageScope::Resource,
                scope_ids: None,
                period: UsagePeriod::Day,
                metric: UsageMetric::Use,
                from: chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap(),
                to: chrono::NaiveDate::from_ymd_opt(9999, 12, 31).unwrap(),
            };
            let mut b: Vec<_> = s
                .usage_rows(&query)
                .await
                .unwrap()
                .into_iter()
                .map(|r| (r.scope_id, steward_store::usage::day_number(r.start), r.uses, r.actors.len() as u64))
                .collect();
            b.sort();
            println!("    (a) rows {} (b) rows {}: {}", a.len(), b.len(), if a == b { "equal" } else { "DIFFER" });
        }
        drop(s);
        let _ = std::fs::remove_file(&db);
    }
}
