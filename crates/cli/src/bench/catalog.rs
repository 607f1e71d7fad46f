//! `steward bench catalog`: build the catalog search index over synthetic listed items and time
//! searches the way the catalog page makes them: text only, text with two facet filters, and
//! facet filters only, each asking for the first page with every facet's counts.

use crate::rss;
use std::time::{Duration, Instant};
use steward_catalog::synthetic::{self, Rng};
use steward_catalog::{Catalog, Facet, SearchQuery};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Listed items in the index.
    #[arg(long, default_value_t = 1_000_000)]
    items: usize,
    /// Searches per query kind (after as many warm-up searches).
    #[arg(long, default_value_t = 1000)]
    queries: usize,
    /// Seed of the synthetic items and queries.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

/// Items generated and committed per batch while building (bounds memory, like a refresh).
const BATCH: usize = 100_000;

pub async fn run(args: Args) -> anyhow::Result<()> {
    super::print_machine();
    println!("bench catalog: {} items, {} searches per kind, seed {}", args.items, args.queries, args.seed);
    rss::reset_peak();
    let catalog = Catalog::new()?;
    let started = Instant::now();
    let mut first = 1i64;
    while (first as usize) <= args.items {
        let count = BATCH.min(args.items + 1 - first as usize);
        let batch: Vec<_> = synthetic::items(first, count, args.seed).collect();
        catalog.apply(&batch)?;
        first += count as i64;
    }
    let build = started.elapsed();
    let stats = catalog.stats()?;
    println!(
        "build: {} items in {:.1} s ({:.0} items/s); index {} in {} segments; peak RSS {}",
        stats.documents,
        build.as_secs_f64(),
        stats.documents as f64 / build.as_secs_f64(),
        rss::mib(stats.bytes),
        stats.segments,
        rss::peak_bytes().map_or("unknown".to_string(), rss::mib)
    );

    // The landing page: no words, no filters, every item counted; then served from the cache
    // until the index changes. The mixes below run without the cache.
    let browse = SearchQuery::default();
    let started = Instant::now();
    catalog.search(&browse)?;
    let cold = started.elapsed();
    let started = Instant::now();
    catalog.search(&browse)?;
    println!("browse (no words, no filters): {} first, {} from the cache", ms(cold), ms(started.elapsed()));
    catalog.set_cache(0)?;

    let mut rng = Rng::new(args.seed.wrapping_add(7));
    let kinds: [(&str, MakeQuery); 3] =
        [("text", text_query), ("text + 2 facets", text_and_facets), ("facets only", facets_only)];
    let mut all = Vec::new();
    for (name, make) in kinds {
        for _ in 0..args.queries {
            catalog.search(&make(&mut rng))?;
        }
        let mut times = Vec::with_capacity(args.queries);
        let mut matched = 0u64;
        let cpu = cpu_seconds();
        for _ in 0..args.queries {
            let q = make(&mut rng);
            let started = Instant::now();
            let results = catalog.search(&q)?;
            times.push(started.elapsed());
            matched += results.total;
        }
        let cpu = (cpu_seconds() - cpu) / args.queries.max(1) as f64;
        println!(
            "search {name:<16} p50 {:>7} p99 {:>7} max {:>7}  CPU {:.2} ms/search  (mean {} matches)",
            ms(percentile(&mut times, 50.0)),
            ms(percentile(&mut times, 99.0)),
            ms(percentile(&mut times, 100.0)),
            cpu * 1000.0,
            matched / args.queries.max(1) as u64
        );
        all.extend(times);
    }
    println!(
        "search all              p50 {:>7} p99 {:>7}  (goal: p99 < 20 ms at 1,000,000 items)",
        ms(percentile(&mut all, 50.0)),
        ms(percentile(&mut all, 99.0))
    );
    // The worst case of the mix: the most common searched word, alone.
    let heaviest = SearchQuery::text(synthetic::WORDS[0]);
    let mut times = Vec::new();
    let mut matched = 0;
    for _ in 0..100 {
        let started = Instant::now();
        matched = catalog.search(&heaviest)?.total;
        times.push(started.elapsed());
    }
    println!(
        "search '{}' (in {:.0}% of items) p50 {} p99 {}",
        heaviest.text,
        100.0 * matched as f64 / stats.documents.max(1) as f64,
        ms(percentile(&mut times, 50.0)),
        ms(percentile(&mut times, 99.0))
    );
    Ok(())
}

/// Makes one search of a kind.
type MakeQuery = fn(&mut Rng) -> SearchQuery;

fn text_query(rng: &mut Rng) -> SearchQuery {
    let words = 1 + rng.below(2);
    let text: Vec<&str> = (0..words).map(|_| rng.pick(synthetic::WORDS)).collect();
    SearchQuery::text(&text.join(" "))
}

fn text_and_facets(rng: &mut Rng) -> SearchQuery {
    let mut q = SearchQuery::text(rng.pick(synthetic::WORDS));
    q.filters = two_filters(rng);
    q
}

fn facets_only(rng: &mut Rng) -> SearchQuery {
    let mut filters = two_filters(rng);
    filters.truncate(1 + rng.below(2));
    SearchQuery { filters, ..SearchQuery::default() }
}

/// Two filters on different facets, with values items actually have.
fn two_filters(rng: &mut Rng) -> Vec<(Facet, String)> {
    let mut options: Vec<(Facet, String)> = vec![
        (Facet::Department, rng.pick(synthetic::DEPARTMENTS).to_string()),
        (Facet::Category, rng.pick(synthetic::CATEGORIES).to_string()),
        (Facet::BusinessArea, rng.pick(synthetic::BUSINESS_AREAS).to_string()),
        (Facet::Tag, rng.pick(synthetic::TAGS).to_string()),
        (Facet::Kind, ["app", "flow", "agent"][rng.below(3)].to_string()),
        (Facet::Stage, ["prototype", "pilot", "production"][rng.below(3)].to_string()),
        (Facet::Criticality, ["critical", "high", "non_critical"][rng.below(3)].to_string()),
    ];
    let a = options.swap_remove(rng.below(options.len()));
    let b = options.swap_remove(rng.below(options.len()));
    vec![a, b]
}

fn percentile(times: &mut [Duration], p: f64) -> Duration {
    if times.is_empty() {
        return Duration::ZERO;
    }
    times.sort();
    let rank = ((p / 100.0) * times.len() as f64).ceil() as usize;
    times[rank.clamp(1, times.len()) - 1]
}

/// CPU time of this process so far (every thread), from the kernel (Linux, 100 ticks a second):
/// unlike wall time, it does not grow when other processes share the cores.
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else { return 0.0 };
    // Fields after the command name (which may hold spaces) end with ')'; utime and stime are
    // the 12th and 13th of them.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let ticks: Vec<f64> = after.split_whitespace().skip(11).take(2).filter_map(|t| t.parse().ok()).collect();
    ticks.iter().sum::<f64>() / 100.0
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}
