//! `steward bench policy`: the built-in pack plus generated policies over a synthetic tenant.
//!
//! The tenant comes from the synthetic generator (the same one `steward generate` writes), fed
//! straight into the facts builder, so the figure is the evaluator's: resources × policies per
//! second over the whole estate. Building the facts and recording the findings are timed
//! apart, because they depend on the store rather than the engine. The synthetic inventory has
//! no usage, so each resource gets seeded usage figures (a few never used, most used a little,
//! a few heavily), which the usage and success-like policies need to be realistic.

use crate::rss;
use std::time::Instant;
use steward_compliance::run::{CheckOptions, evaluate_facts, record};
use steward_ingest::synthetic::{GenerateOptions, Preset, TenantItem, stream_tenant};
use steward_policy::bench::synthetic_policies;
use steward_policy::builtin::builtin_set;
use steward_policy::evaluate::compile_set;
use steward_policy::facts::{FactsBuilder, UsageSummary};
use steward_store::Store;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Tenant size: small (~300 resources), medium (~20,000) or large (1,000,000).
    #[arg(long, default_value = "large")]
    preset: Preset,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Generated policies added to the built-in pack.
    #[arg(long, default_value_t = 40)]
    generated: usize,
    /// Evaluation threads (default: every core).
    #[arg(long)]
    threads: Option<usize>,
    /// Also record the findings as a compliance run in a fresh SQLite file, and time it.
    #[arg(long)]
    record: bool,
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    super::print_machine();
    let threads = args.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let opts = GenerateOptions::new(args.preset, args.seed);
    let day = opts.end_date;
    println!(
        "bench policy: preset {}, seed {}, {} generated policies, {threads} threads",
        args.preset, args.seed, args.generated
    );

    rss::reset_peak();
    let started = Instant::now();
    let mut builder = FactsBuilder::new(day);
    let mut environments = Vec::new();
    let mut principals = Vec::new();
    let mut batch = Vec::with_capacity(10_000);
    let mut usage_seed = args.seed;
    for item in stream_tenant(&opts) {
        match item {
            TenantItem::Environment(e) => environments.push(e),
            TenantItem::Principal(p) => principals.push(p),
            TenantItem::DataPolicy(p) => {
                builder.data_policies(std::slice::from_ref(&p));
            }
            TenantItem::Resource(r) => {
                if !environments.is_empty() {
                    builder.environments(&environments);
                    environments.clear();
                }
                if !principals.is_empty() {
                    builder.principals(&principals);
                    principals.clear();
                }
                usage_seed = next(usage_seed);
                builder.usage(std::iter::once((r.id.clone(), synthetic_usage(usage_seed, day))));
                batch.push(r);
                if batch.len() == batch.capacity() {
                    builder.add_resources(&batch);
                    batch.clear();
                }
            }
            TenantItem::Tenant(_) | TenantItem::Connector(_) => {}
        }
    }
    builder.add_resources(&batch);
    drop(batch);
    let facts = builder.build();
    let build_secs = started.elapsed().as_secs_f64();
    println!(
        "facts:      {} resources, {} environments built in {build_secs:.2} s (generator included)",
        facts.resources.len(),
        facts.environments.len()
    );

    let mut set = builtin_set();
    let builtin = set.policies.len();
    set.policies.extend(synthetic_policies(args.generated, args.seed));
    let policies = set.policies.len();
    let options = CheckOptions { tenant: None, day, at: chrono::Utc::now(), threads, only_tracked: false };
    let pairs = facts.resources.len() as f64 * policies as f64;

    // The decision alone (which subjects violate which policies, counted per policy): what a
    // dry run's impact needs.
    let started = Instant::now();
    let (compiled, _) = compile_set(&set);
    let decided: u64 = compiled.evaluate_counts(&facts, threads).iter().map(|c| c.violations).sum();
    let decide_secs = started.elapsed().as_secs_f64();
    println!(
        "decision:   {decided} violations decided in {decide_secs:.2} s: {:.1} M resources x policies/s",
        pairs / decide_secs / 1e6
    );
    drop(compiled);

    // A compliance run's evaluation: the decision plus every finding with its evidence and the
    // subjects' names, ready to record.
    let started = Instant::now();
    let evaluation = evaluate_facts(set, &facts, &options);
    let eval_secs = started.elapsed().as_secs_f64();
    let in_scope: u64 = evaluation.counts.iter().map(|c| c.in_scope).sum();
    println!(
        "evaluation: {builtin} built-in + {} generated policies over {} resources, findings with evidence, \
         in {eval_secs:.2} s: {:.1} M resources x policies/s ({:.1} M conditions evaluated in scope), {} violations, {} compile errors",
        policies - builtin,
        facts.resources.len(),
        pairs / eval_secs / 1e6,
        in_scope as f64 / 1e6,
        evaluation.findings.len(),
        evaluation.compile_errors.len()
    );
    println!("goal:       whole evaluation under 5 s on 2 cores: {}", if eval_secs < 5.0 { "met" } else { "NOT met" });
    if let Some(peak) = rss::peak_bytes() {
        println!("peak RSS:   {}", rss::mib(peak));
    }

    if args.record {
        let dir = tempfile::tempdir()?;
        let store = steward_store_sqlite::SqliteStore::open(&dir.path().join("bench.db").to_string_lossy())?;
        store.migrate().await?;
        let started = Instant::now();
        let counts = record(&store, &evaluation, &options).await?;
        println!(
            "record:     {} violations opened in a fresh SQLite file in {:.2} s",
            counts.opened,
            started.elapsed().as_secs_f64()
        );
        let started = Instant::now();
        let counts = record(&store, &evaluation, &options).await?;
        println!(
            "re-record:  {} still open (no events) in {:.2} s",
            counts.still_open,
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

/// splitmix64: one seeded stream for the usage figures, reproducible from `--seed`.
fn next(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A tenant's long tail: 30 % never used, most used a little, one in fifty heavily.
fn synthetic_usage(seed: u64, day: chrono::NaiveDate) -> UsageSummary {
    let roll = seed % 100;
    if roll < 30 {
        return UsageSummary::default();
    }
    let scale = if roll >= 98 { 2_000 } else { 40 };
    let uses_90d = (seed >> 8) % scale + 1;
    let uses_30d = uses_90d / 3;
    let last_ago = (seed >> 24) % 200;
    UsageSummary {
        uses_7d: uses_30d / 4,
        uses_30d,
        uses_90d,
        users_30d: (uses_30d / 5).max(u64::from(uses_30d > 0)),
        users_90d: (uses_90d / 5).max(1),
        first_use: day.checked_sub_days(chrono::Days::new(last_ago + 120)),
        last_use: day.checked_sub_days(chrono::Days::new(last_ago)),
    }
}
