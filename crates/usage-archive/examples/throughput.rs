//! Throughput of the raw audit archive on this machine:
//! `cargo run --release -p steward-usage-archive --example throughput -- [ROWS] [DIR]`
//! (default 1,000,000 rows over 2 tenants × 30 days, in a temporary directory).

use std::path::PathBuf;
use steward_usage_archive::ArchiveConfig;
use steward_usage_archive::bench::write_synthetic;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let rows: u64 = match args.next() {
        Some(n) => n.replace('_', "").parse().map_err(|e| format!("ROWS {n:?} is not a count: {e}"))?,
        None => 1_000_000,
    };
    let scratch;
    let dir = match args.next() {
        Some(dir) => PathBuf::from(dir),
        None => {
            scratch = tempfile::tempdir()?;
            scratch.path().to_owned()
        }
    };
    let run = write_synthetic(ArchiveConfig::new(&dir), rows, 2, 30)?;
    println!(
        "archive: {} rows in {:.2} s = {:.0} rows/s ({:.1} MiB/s of JSON); {} files, {:.1} MiB of Parquet ({:.1}% of {:.1} MiB JSON) in {}",
        run.report.rows,
        run.elapsed.as_secs_f64(),
        run.rows_per_second(),
        run.raw_mib_per_second(),
        run.report.files,
        run.report.bytes as f64 / 1048576.0,
        100.0 * run.report.bytes as f64 / run.raw_bytes.max(1) as f64,
        run.raw_bytes as f64 / 1048576.0,
        dir.display()
    );
    Ok(())
}
