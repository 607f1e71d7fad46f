//! The field extractor alone on the first N lines of a file of audit records: nanoseconds per
//! record, for tuning `steward_usage::scan` (the rollup's largest cost) without threads,
//! hashing or I/O in the figure.
//!
//! `cargo run --release -p steward-usage --example scan_bench -- <file.jsonl> [lines] [rounds]`

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let path = args.get(1).expect("usage: scan_bench <file.jsonl> [lines] [rounds]");
    let lines: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(200_000);
    let rounds: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(5);
    let text = std::fs::read_to_string(path).expect("a UTF-8 file of JSON lines");
    let records: Vec<&str> = text.lines().take(lines).collect();
    let bytes: usize = records.iter().map(|r| r.len()).sum();
    for _ in 0..rounds {
        let started = Instant::now();
        let mut read = 0usize;
        for r in &records {
            let mut rec = steward_usage::parse::RawRecord::default();
            if steward_usage::scan::record_into(r, &mut rec) {
                read += usize::from(rec.id.is_some());
            }
        }
        let s = started.elapsed().as_secs_f64();
        println!(
            "{} records ({read} read), {:.1} ns per record, {:.2} GB/s",
            records.len(),
            s * 1e9 / records.len() as f64,
            bytes as f64 / s / 1e9
        );
    }
}
