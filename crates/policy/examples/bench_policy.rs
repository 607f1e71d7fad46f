//! The built-in pack plus generated policies over a generated estate: what
//! `steward bench policy` measures, without a store.
//!
//! cargo run --release -p steward-policy --example bench_policy -- [resources] [threads] [generated policies]

use std::time::Instant;
use steward_policy::bench::{synthetic_policies, synthetic_table};
use steward_policy::builtin::builtin_set;
use steward_policy::evaluate::compile_set;

fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    kib / 1024.0
}

fn main() {
    let args: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.replace('_', "").parse().ok()).collect();
    let resources = args.first().copied().unwrap_or(1_000_000);
    let threads = args.get(1).copied().unwrap_or(2);
    let generated = args.get(2).copied().unwrap_or(40);
    let day = chrono::NaiveDate::from_ymd_opt(2026, 6, 1).unwrap_or_default();

    let before = rss_mib();
    let t = Instant::now();
    let table = synthetic_table(resources, 7, day);
    println!(
        "table: {} resources, {} environments in {:.2?}; resident memory +{:.0} MiB",
        table.resources.len(),
        table.environments.len(),
        t.elapsed(),
        rss_mib() - before
    );

    let mut set = builtin_set();
    let builtin = set.policies.len();
    set.policies.extend(synthetic_policies(generated, 11));
    let t = Instant::now();
    let (compiled, errors) = compile_set(&set);
    println!(
        "compiled {} policies ({builtin} built-in) in {:.2?}; {} errors",
        compiled.len(),
        t.elapsed(),
        errors.len()
    );
    for e in &errors {
        println!("  {e}");
    }

    let pairs = (table.resources.len() * compiled.len()) as f64;
    let t = Instant::now();
    let counts = compiled.evaluate_counts(&table, threads);
    let secs = t.elapsed().as_secs_f64();
    let in_scope: u64 = counts.iter().map(|c| c.in_scope).sum();
    let violations: u64 = counts.iter().map(|c| c.violations).sum();
    println!(
        "counts:   {secs:.3} s on {threads} threads: {:.1} M resources x policies/s ({:.1} M evaluations in scope, {violations} violations)",
        pairs / secs / 1e6,
        in_scope as f64 / 1e6
    );

    let t = Instant::now();
    let hits = compiled.evaluate_hits(&table, threads);
    let secs = t.elapsed().as_secs_f64();
    println!("hits:     {secs:.3} s: {} hits, {:.1} M resources x policies/s", hits.len(), pairs / secs / 1e6);

    let t = Instant::now();
    let findings = compiled.evaluate(&table, threads);
    let secs = t.elapsed().as_secs_f64();
    println!(
        "findings: {secs:.3} s: {} findings with evidence, {:.1} M resources x policies/s; resident {:.0} MiB",
        findings.len(),
        pairs / secs / 1e6,
        rss_mib()
    );
    for c in counts.iter().filter(|c| c.errors > 0) {
        println!("  {}: {} evaluation errors", c.policy_id, c.errors);
    }
}
