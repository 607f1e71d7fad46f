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

/// CPU seconds this process has used (all threads): on a shared machine, the wall clock says
/// little, the CPU time what the work costs.
fn cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the parenthesised command name: utime and stime are the 12th and 13th.
    let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or("").split_whitespace().collect();
    let ticks: f64 = fields.get(11..13).map_or(0.0, |f| f.iter().filter_map(|v| v.parse::<f64>().ok()).sum());
    ticks / 100.0
}

fn main() {
    let args: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.replace('_', "").parse().ok()).collect();
    let resources = args.first().copied().unwrap_or(1_000_000);
    let threads = args.get(1).copied().unwrap_or(2);
    let generated = args.get(2).copied().unwrap_or(40);
    let day = chrono::NaiveDate::from_ymd_opt(2026, 6, 1).unwrap_or_default();

    let before = rss_mib();
    let (t, cpu) = (Instant::now(), cpu_secs());
    let table = synthetic_table(resources, 7, day);
    println!(
        "table: {} resources, {} environments in {:.2?} ({:.2} CPU s, generation included); resident memory +{:.0} MiB",
        table.resources.len(),
        table.environments.len(),
        t.elapsed(),
        cpu_secs() - cpu,
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
    let (t, cpu) = (Instant::now(), cpu_secs());
    let counts = compiled.evaluate_counts(&table, threads);
    let secs = t.elapsed().as_secs_f64();
    let counts_cpu = cpu_secs() - cpu;
    let in_scope: u64 = counts.iter().map(|c| c.in_scope).sum();
    let violations: u64 = counts.iter().map(|c| c.violations).sum();
    println!(
        "counts:   {secs:.3} s on {threads} threads: {:.1} M resources x policies/s ({:.1} M evaluations in scope, {violations} violations)",
        pairs / secs / 1e6,
        in_scope as f64 / 1e6
    );
    println!("          {counts_cpu:.2} CPU s");

    let (t, cpu) = (Instant::now(), cpu_secs());
    let hits = compiled.evaluate_hits(&table, threads);
    let secs = t.elapsed().as_secs_f64();
    println!(
        "hits:     {secs:.3} s ({:.2} CPU s): {} hits, {:.1} M resources x policies/s",
        cpu_secs() - cpu,
        hits.len(),
        pairs / secs / 1e6
    );

    let (t, cpu) = (Instant::now(), cpu_secs());
    // What a compliance run needs: findings with evidence and per-policy counts, one pass.
    let (findings, _) = compiled.evaluate_with_counts(&table, threads);
    let secs = t.elapsed().as_secs_f64();
    println!(
        "findings: {secs:.3} s ({:.2} CPU s): {} findings with evidence and counts, {:.1} M resources x policies/s; resident {:.0} MiB",
        cpu_secs() - cpu,
        findings.len(),
        pairs / secs / 1e6,
        rss_mib()
    );
    if std::env::var_os("BENCH_PER_POLICY").is_some() {
        // One policy at a time on one thread: where the evaluation time goes.
        let mut costs = Vec::new();
        for p in &set.policies {
            let one = steward_policy::model::PolicySet { version: "one".into(), policies: vec![p.clone()] };
            let (c, _) = compile_set(&one);
            let t = Instant::now();
            let n = c.evaluate_counts(&table, 1);
            costs.push((t.elapsed().as_secs_f64(), p.id.clone(), n[0].in_scope, n[0].violations, p.condition.clone()));
        }
        costs.sort_by(|a, b| b.0.total_cmp(&a.0));
        for (secs, id, in_scope, violations, condition) in costs {
            let per = secs * 1e9 / in_scope.max(1) as f64;
            println!(
                "  {secs:.3} s {per:>6.0} ns/eval {in_scope:>8} in scope {violations:>8} hits  {id}: {}",
                condition.replace('\n', " ")
            );
        }
    }
    for c in counts.iter().filter(|c| c.errors > 0) {
        println!("  {}: {} evaluation errors", c.policy_id, c.errors);
    }
}
