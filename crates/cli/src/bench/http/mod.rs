//! `steward bench http`: the real server and a load generator on loopback. Prints requests per
//! second and latency (p50, p99, max) for the overview page, a filtered inventory page, the
//! resource API and catalog search, and the goals of issue #6 with pass or fail: each scenario
//! with N connections in a closed loop (throughput, and latency when N requests always queue
//! for the cores) and paced at fixed rates (latency at a given load; see `load`).
//!
//! Both run in this process, on separate runtimes (the server's worker threads are its own),
//! and share the machine's cores: on 2 cores the load generator costs the server a share of
//! the CPU it would have alone, so the figures are a floor.

mod catalog;
mod load;
mod setup;

use load::{Figures, Load};
use std::sync::Arc;
use std::time::{Duration, Instant};
use steward_ingest::synthetic::Preset;
use steward_store::{EnvironmentQuery, ResourceQuery, Store};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Tenant size: small, medium (~20,000 resources, 100 environments) or large.
    #[arg(long, default_value = "medium")]
    preset: Preset,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Days of audit records in the tenant (default: the preset's; 90 for medium).
    #[arg(long, value_name = "DAYS")]
    usage_days: Option<u32>,
    /// Listed catalog items indexed for the search scenario.
    #[arg(long, default_value_t = 1_000_000)]
    catalog_items: usize,
    /// Connections kept open by the load generator, each sending its next request when the
    /// previous answer is read; each scenario runs once per value. One connection measures
    /// the latency of a request alone; many measure throughput, and latency under that load
    /// (queueing included).
    #[arg(long, value_delimiter = ',', default_value = "1,16")]
    connections: Vec<usize>,
    /// Request rates (per second) of the paced runs: requests start on time whatever the
    /// answers do, as independent users send them, and latency counts from when each was due.
    /// Each scenario runs once per value after its closed-loop runs; `--rates 0` runs none.
    #[arg(long, value_delimiter = ',', default_value = "100")]
    rates: Vec<f64>,
    /// Seconds measured per scenario.
    #[arg(long, default_value_t = 10)]
    duration: u64,
    /// Seconds of load per scenario before measuring.
    #[arg(long, default_value_t = 2)]
    warmup: u64,
    /// The server's worker threads (default: one per core).
    #[arg(long)]
    server_threads: Option<usize>,
    /// Scenarios to run, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "overview,inventory,resource,search")]
    scenarios: Vec<Scenario>,
    /// Directory for the store, kept and reused by the next run (default: a temporary one).
    #[arg(long, value_name = "DIR")]
    dir: Option<std::path::PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Scenario {
    /// `GET /`: the overview page.
    Overview,
    /// `GET /inventory?environment=…&kind=…`: a filtered inventory page.
    Inventory,
    /// `GET /api/v1/resources/{id}` over many ids.
    Resource,
    /// `GET /api/v1/catalog/search?q=…&kind=…`: varied queries with facets.
    Search,
}

/// A goal of issue #6 for one scenario.
#[derive(Debug, Clone, Copy)]
enum Goal {
    /// p99 under this many milliseconds.
    P99Under(f64),
    /// At least this many requests per second, with no errors.
    RateAtLeast(f64),
}

impl Scenario {
    fn label(self) -> &'static str {
        match self {
            Scenario::Overview => "overview page",
            Scenario::Inventory => "inventory page (filtered)",
            Scenario::Resource => "resource API",
            Scenario::Search => "catalog search API",
        }
    }

    fn goal(self) -> Goal {
        match self {
            Scenario::Overview | Scenario::Inventory => Goal::P99Under(100.0),
            Scenario::Resource => Goal::RateAtLeast(3000.0),
            Scenario::Search => Goal::P99Under(20.0),
        }
    }
}

impl Goal {
    fn describe(self) -> String {
        match self {
            Goal::P99Under(ms) => format!("p99 < {ms:.0} ms"),
            Goal::RateAtLeast(rps) => format!(">= {rps:.0} req/s, 0 errors"),
        }
    }

    /// Whether a run can show the goal: a rate needs the most connections asked for (one
    /// connection waits for every answer before it asks again; a paced run sends only its rate).
    fn applies(self, run: Run, most: usize) -> bool {
        match (self, run) {
            (Goal::P99Under(_), _) => true,
            (Goal::RateAtLeast(_), Run::Connections(c)) => c == most,
            (Goal::RateAtLeast(_), Run::Paced(_)) => false,
        }
    }

    fn met(self, f: &Figures) -> bool {
        match self {
            Goal::P99Under(ms) => f.ok > 0 && f.quantile_ms(0.99) < ms,
            Goal::RateAtLeast(rps) => f.errors == 0 && f.requests_per_second() >= rps,
        }
    }
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    super::print_machine();
    println!("load average before: {}", load_average());
    anyhow::ensure!(
        !args.connections.is_empty() && args.connections.iter().all(|c| *c > 0),
        "--connections takes numbers of at least 1"
    );
    let scratch = match &args.dir {
        Some(dir) => {
            std::fs::create_dir_all(dir)?;
            None
        }
        None => Some(tempfile::Builder::new().prefix("steward-bench-http").tempdir()?),
    };
    let dir = args.dir.clone().or_else(|| scratch.as_ref().map(|d| d.path().to_path_buf())).unwrap_or_default();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let server_threads = args.server_threads.unwrap_or(cores);
    println!(
        "bench http: preset {}, seed {}, {} catalog items, {:?} connections, paced at {:?} req/s, {} s warm-up + \
         {} s per run, server on {} threads",
        args.preset,
        args.seed,
        args.catalog_items,
        args.connections,
        args.rates,
        args.warmup,
        args.duration,
        server_threads
    );

    let store = setup::store(&dir, args.preset, args.seed, args.usage_days).await?;
    let token = setup::admin_token(store.as_ref()).await?;
    let t = Instant::now();
    let index = catalog::build(args.catalog_items, args.seed)?;
    let stats = index.stats()?;
    println!(
        "catalog: {} items indexed in {:.1?} ({} segments, {:.0} MiB)",
        stats.documents,
        t.elapsed(),
        stats.segments,
        stats.bytes as f64 / (1024.0 * 1024.0)
    );
    let state = steward_server::AppState::new(store.clone(), false).with_catalog(index);
    let server = setup::Server::start(state, server_threads)?;
    ready(&server.base).await?;

    println!(
        "\n{:<27} {:>7} {:>9} {:>9} {:>9} {:>9} {:>7} {:>9}  goal",
        "scenario", "load", "req/s", "p50 ms", "p99 ms", "max ms", "errors", "KiB/resp"
    );
    let most = args.connections.iter().copied().max().unwrap_or(1);
    let mut verdicts: Vec<(Scenario, Run, bool)> = Vec::new();
    for scenario in &args.scenarios {
        let paths = Arc::new(paths(*scenario, store.as_ref(), args.seed).await?);
        for connections in &args.connections {
            let load = Load {
                base: server.base.clone(),
                token: token.clone(),
                paths: paths.clone(),
                connections: *connections,
                warmup: Duration::from_secs(args.warmup),
                duration: Duration::from_secs(args.duration.max(1)),
            };
            let figures = load::run(&load).await?;
            let goal = scenario.goal();
            let met = goal.applies(Run::Connections(*connections), most).then(|| goal.met(&figures));
            print_row(*scenario, &Run::Connections(*connections), &figures, met);
            if let Some(met) = met {
                verdicts.push((*scenario, Run::Connections(*connections), met));
            }
        }
        for rate in args.rates.iter().filter(|r| **r > 0.0) {
            let load = Load {
                base: server.base.clone(),
                token: token.clone(),
                paths: paths.clone(),
                connections: 0,
                warmup: Duration::from_secs(args.warmup),
                duration: Duration::from_secs(args.duration.max(1)),
            };
            let figures = load::run_paced(&load, *rate).await?;
            let goal = scenario.goal();
            let met = goal.applies(Run::Paced(*rate), most).then(|| goal.met(&figures));
            print_row(*scenario, &Run::Paced(*rate), &figures, met);
            if let Some(met) = met {
                verdicts.push((*scenario, Run::Paced(*rate), met));
            }
        }
    }
    drop(server);

    println!("load average after: {}", load_average());
    println!("\ngoals (issue #6, 2 cores):");
    for scenario in &args.scenarios {
        let runs: Vec<String> = verdicts
            .iter()
            .filter(|(s, ..)| s == scenario)
            .map(|(_, run, met)| format!("{} {}", if *met { "PASS" } else { "FAIL" }, run.describe()))
            .collect();
        println!("  {:<27} {:<26} {}", scenario.label(), scenario.goal().describe(), runs.join(", "));
    }
    Ok(())
}

/// How a scenario was driven: a closed loop over N connections, or requests paced at a rate.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Run {
    Connections(usize),
    Paced(f64),
}

impl Run {
    /// The table's "load" column: `16` connections, or `@100/s`.
    fn column(&self) -> String {
        match self {
            Run::Connections(c) => c.to_string(),
            Run::Paced(rate) => format!("@{rate:.0}/s"),
        }
    }

    fn describe(&self) -> String {
        match self {
            Run::Connections(c) => format!("with {c} conn{}", plural(*c)),
            Run::Paced(rate) => format!("at {rate:.0} req/s paced"),
        }
    }
}

fn print_row(scenario: Scenario, run: &Run, f: &Figures, met: Option<bool>) {
    let per_response = f.bytes as f64 / f.ok.max(1) as f64 / 1024.0;
    println!(
        "{:<27} {:>7} {:>9.0} {:>9.2} {:>9.2} {:>9.2} {:>7} {:>9.1}  {}",
        scenario.label(),
        run.column(),
        f.requests_per_second(),
        f.quantile_ms(0.5),
        f.quantile_ms(0.99),
        f.max_ms(),
        f.errors,
        per_response,
        match met {
            Some(true) => "pass",
            Some(false) => "FAIL",
            None => "-",
        }
    );
    for sample in &f.samples {
        println!("    error: {sample}");
    }
}

/// The machine's 1, 5 and 15-minute load averages: other work on the cores shows here.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Wait until the server answers `/readyz`.
async fn ready(base: &str) -> anyhow::Result<()> {
    let client = reqwest::Client::new();
    for _ in 0..100 {
        if let Ok(response) = client.get(format!("{base}/readyz")).send().await
            && response.status().is_success()
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    anyhow::bail!("the server at {base} never became ready")
}

/// What a scenario asks for, cycled by the load generator.
async fn paths(scenario: Scenario, store: &dyn Store, seed: u64) -> anyhow::Result<Vec<String>> {
    Ok(match scenario {
        Scenario::Overview => vec!["/".to_string()],
        Scenario::Inventory => {
            let environments =
                store.list_environments(&EnvironmentQuery { limit: Some(20), ..Default::default() }).await?;
            let mut paths = Vec::new();
            for e in &environments.items {
                for kind in ["canvas_app", "cloud_flow", "agent"] {
                    paths.push(format!("/inventory?environment={}&kind={kind}", catalog::encode(&e.environment.id)));
                }
            }
            paths
        }
        Scenario::Resource => resource_ids(store, 5_000, seed)
            .await?
            .into_iter()
            .map(|id| format!("/api/v1/resources/{}", catalog::encode(&id)))
            .collect(),
        Scenario::Search => {
            catalog::queries(2_000, seed).into_iter().map(|q| format!("/api/v1/catalog/search?{q}")).collect()
        }
    })
}

/// Up to `count` resource ids spread over the whole inventory (every n-th), in a mixed order.
async fn resource_ids(store: &dyn Store, count: usize, seed: u64) -> anyhow::Result<Vec<String>> {
    let mut all = Vec::new();
    let mut cursor = None;
    loop {
        let page = store.list_resources(&ResourceQuery { limit: Some(1000), cursor, ..Default::default() }).await?;
        all.extend(page.items.into_iter().map(|r| r.id));
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    anyhow::ensure!(!all.is_empty(), "the store holds no resources");
    let step = (all.len() / count).max(1);
    let mut ids: Vec<String> = all.into_iter().step_by(step).take(count).collect();
    // A fixed shuffle, so that consecutive requests do not read neighbouring rows.
    let n = ids.len();
    for i in 0..n {
        let j = (i.wrapping_mul(2_654_435_761).wrapping_add(seed as usize)) % n;
        ids.swap(i, j);
    }
    Ok(ids)
}
