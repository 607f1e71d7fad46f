//! How fast the stores take a tenant's inventory, and at what memory cost.
//!
//! The tenant comes from the synthetic generator as a stream of normalised records, so the
//! figure is the store's own speed (batched upserts in one ingest transaction), not the JSON
//! parser's. `--from-files` adds the end-to-end figure: generate the tenant dump on disk and
//! time `steward import` of it.

use crate::{db, rss};
use anyhow::Context;
use std::sync::Arc;
use std::time::{Duration, Instant};
use steward_ingest::synthetic::{self, GenerateOptions, Preset, TenantItem};
use steward_model::{Connector, DataPolicy, Environment, Principal, Resource, Tenant};
use steward_store::{IngestTx, Store};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Tenant size: medium (~20,000 resources) or large (1,000,000).
    #[arg(long, default_value = "medium")]
    preset: Preset,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Backends to measure, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "sqlite,postgres")]
    backends: Vec<Backend>,
    /// PostgreSQL server for the postgres backend (a fresh schema is created and dropped).
    #[arg(long, env = "STEWARD_BENCH_POSTGRES_URL", default_value = "postgres://postgres@127.0.0.1:5432/test")]
    postgres_url: String,
    /// Rows per upsert batch.
    #[arg(long, default_value_t = 5_000)]
    batch_size: usize,
    /// Also measure the end-to-end import of the generated files into SQLite.
    #[arg(long)]
    from_files: bool,
    /// Scratch directory for databases and files (default: a temporary directory, removed after).
    #[arg(long, value_name = "DIR")]
    dir: Option<std::path::PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Backend {
    Sqlite,
    Postgres,
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    super::print_machine();
    let scratch = tempdir_in(args.dir.as_deref())?;
    let opts = {
        let mut o = GenerateOptions::new(args.preset, args.seed);
        o.usage_days = Some(0);
        o
    };
    println!("bench ingest: preset {}, seed {}, batch size {}", args.preset, args.seed, args.batch_size);
    for backend in &args.backends {
        let mut postgres: Option<Arc<steward_store_postgres::PostgresStore>> = None;
        let store: Arc<dyn Store> = match backend {
            Backend::Sqlite => {
                let path = scratch.path().join("bench.db");
                let _ = std::fs::remove_file(&path);
                db::open(&format!("sqlite://{}", path.display())).await?
            }
            Backend::Postgres => {
                let schema = format!("steward_bench_{}", std::process::id());
                match steward_store_postgres::PostgresStore::connect_with_schema(&args.postgres_url, &schema).await {
                    Ok(s) => {
                        s.migrate().await?;
                        let s = Arc::new(s);
                        postgres = Some(s.clone());
                        s
                    }
                    Err(err) => {
                        println!("postgres: SKIPPED ({err}); set --postgres-url or STEWARD_BENCH_POSTGRES_URL");
                        continue;
                    }
                }
            }
        };
        rss::reset_peak();
        let figures = ingest_stream(store.as_ref(), &opts, args.batch_size).await?;
        let peak = rss::peak_bytes();
        println!(
            "{:<8} {:>9} resources in {:>7.2?} = {:>9.0} resources/s (all {} records {:.0}/s); peak RSS {}",
            store.backend(),
            figures.resources,
            figures.resource_time,
            figures.resources as f64 / figures.resource_time.as_secs_f64().max(1e-9),
            figures.records,
            figures.records as f64 / figures.total_time.as_secs_f64().max(1e-9),
            peak.map(rss::mib).unwrap_or_else(|| "unknown".into()),
        );
        // The daily case: a sync that finds almost everything unchanged.
        let again = ingest_stream(store.as_ref(), &opts, args.batch_size).await?;
        println!(
            "{:<8} {:>9} resources unchanged re-sync in {:>7.2?} = {:>9.0} resources/s",
            store.backend(),
            again.resources,
            again.resource_time,
            again.resources as f64 / again.resource_time.as_secs_f64().max(1e-9),
        );
        if let Some(pg) = postgres
            && let Err(err) = pg.drop_schema().await
        {
            println!("postgres: could not drop the scratch schema: {err}");
        }
    }
    if args.from_files {
        from_files(&args, &opts, scratch.path()).await?;
    }
    Ok(())
}

struct Figures {
    records: u64,
    resources: u64,
    resource_time: Duration,
    total_time: Duration,
}

/// Batches of each record type; flushing any batch first flushes the pending batches of the
/// types it may refer to, so a store with foreign keys always sees parents first.
#[derive(Default)]
struct Batches {
    tenants: Vec<Tenant>,
    environments: Vec<Environment>,
    connectors: Vec<Connector>,
    policies: Vec<DataPolicy>,
    principals: Vec<Principal>,
    resources: Vec<Resource>,
}

impl Batches {
    async fn flush_parents(&mut self, tx: &mut dyn IngestTx) -> anyhow::Result<()> {
        if !self.tenants.is_empty() {
            tx.upsert_tenants(std::mem::take(&mut self.tenants)).await?;
        }
        if !self.environments.is_empty() {
            tx.upsert_environments(std::mem::take(&mut self.environments)).await?;
        }
        if !self.connectors.is_empty() {
            tx.upsert_connectors(std::mem::take(&mut self.connectors)).await?;
        }
        if !self.policies.is_empty() {
            tx.upsert_data_policies(std::mem::take(&mut self.policies)).await?;
        }
        if !self.principals.is_empty() {
            tx.upsert_principals(std::mem::take(&mut self.principals)).await?;
        }
        Ok(())
    }
}

async fn ingest_stream(store: &dyn Store, opts: &GenerateOptions, batch: usize) -> anyhow::Result<Figures> {
    let started = Instant::now();
    let mut tx = store.begin_ingest().await?;
    let mut batches = Batches::default();
    let (mut records, mut resources) = (0u64, 0u64);
    let mut resource_time = Duration::ZERO;
    for item in synthetic::stream_tenant(opts) {
        records += 1;
        match item {
            TenantItem::Tenant(t) => batches.tenants.push(t),
            TenantItem::Environment(e) => batches.environments.push(e),
            TenantItem::Connector(c) => batches.connectors.push(c),
            TenantItem::DataPolicy(p) => batches.policies.push(p),
            TenantItem::Principal(p) => batches.principals.push(p),
            TenantItem::Resource(r) => {
                resources += 1;
                batches.resources.push(r);
                if batches.resources.len() >= batch {
                    batches.flush_parents(tx.as_mut()).await?;
                    let t = Instant::now();
                    tx.upsert_resources(std::mem::take(&mut batches.resources)).await?;
                    resource_time += t.elapsed();
                }
            }
        }
        if batches.principals.len() >= batch || batches.environments.len() >= batch {
            batches.flush_parents(tx.as_mut()).await?;
        }
    }
    batches.flush_parents(tx.as_mut()).await?;
    if !batches.resources.is_empty() {
        let t = Instant::now();
        tx.upsert_resources(std::mem::take(&mut batches.resources)).await?;
        resource_time += t.elapsed();
    }
    let t = Instant::now();
    tx.commit().await.context("commit of the benchmark ingest failed")?;
    resource_time += t.elapsed();
    Ok(Figures { records, resources, resource_time, total_time: started.elapsed() })
}

async fn from_files(args: &Args, opts: &GenerateOptions, scratch: &std::path::Path) -> anyhow::Result<()> {
    let dir = scratch.join(format!("tenant-{}", args.preset));
    let t = Instant::now();
    let report = synthetic::generate(opts, &dir, &steward_ingest::NoProgress)?;
    println!(
        "files    generated {} resources in {} files ({:.1} MB) in {:.2?}",
        report.resources,
        report.files,
        report.bytes as f64 / 1e6,
        t.elapsed()
    );
    let path = scratch.join("import.db");
    let _ = std::fs::remove_file(&path);
    let store = db::open(&format!("sqlite://{}", path.display())).await?;
    rss::reset_peak();
    let t = Instant::now();
    let opts = steward_ingest::dump::ImportOptions { batch_size: args.batch_size };
    let imported = steward_ingest::dump::import_dir(store.as_ref(), &dir, &opts, &steward_ingest::NoProgress).await?;
    let elapsed = t.elapsed();
    println!(
        "import   {:>9} resources from files into sqlite in {:>7.2?} = {:>9.0} resources/s; peak RSS {}",
        imported.resources.total(),
        elapsed,
        imported.resources.total() as f64 / elapsed.as_secs_f64().max(1e-9),
        rss::peak_bytes().map(rss::mib).unwrap_or_else(|| "unknown".into()),
    );
    Ok(())
}

/// A scratch directory that is removed afterwards unless the user named one.
enum Scratch {
    Temp(tempfile::TempDir),
    Kept(std::path::PathBuf),
}

impl Scratch {
    fn path(&self) -> &std::path::Path {
        match self {
            Scratch::Temp(t) => t.path(),
            Scratch::Kept(p) => p,
        }
    }
}

fn tempdir_in(dir: Option<&std::path::Path>) -> anyhow::Result<Scratch> {
    match dir {
        Some(d) => {
            std::fs::create_dir_all(d).with_context(|| format!("cannot create {}", d.display()))?;
            Ok(Scratch::Kept(d.to_path_buf()))
        }
        None => Ok(Scratch::Temp(tempfile::tempdir().context("cannot create a temporary directory")?)),
    }
}
