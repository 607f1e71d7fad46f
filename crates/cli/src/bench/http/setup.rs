//! What the HTTP benchmark serves: a SQLite store with the synthetic tenant (inventory and its
//! audit records, imported the way `steward import` does), an admin with an API token, and the
//! real server on 127.0.0.1:0 on a runtime of its own, so that its worker threads are not the
//! load generator's.

use crate::db;
use anyhow::Context;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;
use steward_ingest::NoProgress;
use steward_ingest::dump::{self, ImportOptions};
use steward_ingest::synthetic::{self, GenerateOptions, Preset};
use steward_model::Role;
use steward_store::auth::{ApiToken, User};
use steward_store::{ResourceQuery, Store};
use tokio::sync::oneshot;

/// The store at `dir/steward.db`: reused when it holds a tenant already (`--dir` across runs),
/// else generated and imported (the tenant files are removed afterwards: gigabytes of audit).
pub async fn store(dir: &Path, preset: Preset, seed: u64, usage_days: Option<u32>) -> anyhow::Result<Arc<dyn Store>> {
    let path = dir.join("steward.db");
    let store = db::open(&format!("sqlite://{}", path.display())).await?;
    let existing = store.list_resources(&ResourceQuery { limit: Some(1), ..Default::default() }).await?;
    if existing.total > 0 {
        println!("store: reusing {} ({} resources)", path.display(), existing.total);
        evaluations(&store).await?;
        return Ok(store);
    }
    let files = dir.join(format!("tenant-{preset}"));
    let mut opts = GenerateOptions::new(preset, seed);
    // Usage up to today, so that the overview's "last 30 days" figures have data to read.
    opts.end_date = chrono::Utc::now().date_naive();
    opts.usage_days = usage_days;
    let t = Instant::now();
    let generated = synthetic::generate(&opts, &files, &NoProgress)
        .with_context(|| format!("cannot generate the tenant into {}", files.display()))?;
    let generate_time = t.elapsed();
    let t = Instant::now();
    let report = dump::import_dir(store.as_ref(), &files, &ImportOptions::default(), &NoProgress)
        .await
        .context("cannot import the generated tenant")?;
    println!(
        "store: {} resources, {} principals, {} audit records (generated in {:.1?}, imported in {:.1?})",
        report.resources.total(),
        report.principals.total(),
        generated.audit_records,
        generate_time,
        t.elapsed()
    );
    std::fs::remove_dir_all(&files).with_context(|| format!("cannot remove {}", files.display()))?;
    evaluations(&store).await?;
    Ok(store)
}

/// Success rules and every built-in policy once, as `steward demo` does, so that the pages show
/// compliance figures and the inventory's criticality and compliance columns (skipped when a
/// run is recorded already).
async fn evaluations(store: &Arc<dyn Store>) -> anyhow::Result<()> {
    if !store.compliance_runs(1).await?.is_empty() {
        return Ok(());
    }
    let t = Instant::now();
    crate::commands::demo::first_evaluations(store).await?;
    println!("store: success rules and built-in policies evaluated in {:.1?}", t.elapsed());
    Ok(())
}

/// An admin user and a fresh API token for it (only its hash is stored, as always).
pub async fn admin_token(store: &dyn Store) -> anyhow::Result<String> {
    let now = chrono::Utc::now();
    let user = match store.user_by_username("bench-admin").await? {
        Some(user) => user,
        None => {
            let user = User {
                id: uuid::Uuid::new_v4().to_string(),
                username: "bench-admin".into(),
                display_name: "Benchmark admin".into(),
                email: None,
                role: Role::Admin,
                environments: Vec::new(),
                principal_id: None,
                password_hash: None,
                oidc_issuer: None,
                oidc_subject: None,
                disabled: false,
                created_at: now,
                updated_at: now,
            };
            store.create_user(&user).await.context("cannot create the benchmark admin")?;
            user
        }
    };
    let (plain, hash) = steward_credentials::new_token();
    let token = ApiToken {
        id: uuid::Uuid::new_v4().to_string(),
        name: "steward bench http".into(),
        token_hash: hash,
        user_id: user.id,
        role: Role::Admin,
        created_at: now,
        expires_at: Some(now + chrono::Duration::days(1)),
        last_used_at: None,
        revoked_at: None,
    };
    store.create_api_token(&token).await.context("cannot create the benchmark API token")?;
    Ok(plain)
}

/// The server on its own runtime thread; stopped (gracefully) when dropped.
pub struct Server {
    pub base: String,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    /// Serve `state` on 127.0.0.1:0 with `threads` worker threads.
    pub fn start(state: steward_server::AppState, threads: usize) -> anyhow::Result<Server> {
        // Bound here (std), handed to the server's runtime: the caller is inside a runtime
        // already and cannot block on another one.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").context("cannot listen on 127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let base = format!("http://{}", listener.local_addr()?);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads.max(1))
            .thread_name("bench-server")
            .enable_all()
            .build()
            .context("cannot start the server's runtime")?;
        let (tx, rx) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new().name("bench-server".into()).spawn(move || {
            let shutdown = async move {
                let _ = rx.await;
            };
            let served = runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener)?;
                steward_server::serve(state, listener, shutdown).await.map_err(std::io::Error::other)
            });
            if let Err(error) = served {
                eprintln!("the benchmark server stopped: {error}");
            }
        })?;
        Ok(Server { base, shutdown: Some(tx), thread: Some(thread) })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
