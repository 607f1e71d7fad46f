use crate::{config::Config, db};
use anyhow::Context;
use std::sync::Arc;
use steward_store::Store;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to listen on (port 0 picks a free port; the URL is printed).
    #[arg(long, env = "STEWARD_ADDR", value_name = "HOST:PORT")]
    addr: Option<String>,
    /// Serve only: run no jobs and fire no schedules (a `steward worker` does).
    #[arg(long)]
    no_worker: bool,
    #[command(flatten)]
    worker: crate::jobs::WorkerFlags,
}

pub const DEFAULT_ADDR: &str = "127.0.0.1:8080";

pub async fn run(args: Args, db_url: &str, config: &Arc<Config>) -> anyhow::Result<()> {
    let addr = args.addr.or_else(|| config.server.addr.clone()).unwrap_or_else(|| DEFAULT_ADDR.to_string());
    let store = db::open(db_url).await?;
    let responsibility = crate::commands::check::responsibility_config(config)?;
    let metrics_token = std::env::var("STEWARD_METRICS_TOKEN").ok().or_else(|| config.server.metrics_token.clone());
    let auth = auth_state(config)?;
    // `[value]`: hourly costs for the value pages (issue #7).
    steward_server::api::value::configure(
        steward_server::api::value::ValueSettings::from_config(&config.value, config.cost.clone())
            .map_err(|e| anyhow::anyhow!("steward.toml [value]: {e}"))?,
    );
    require_admin(store.as_ref(), db_url).await?;
    let worker = match args.no_worker {
        true => None,
        false => Some(crate::jobs::start(store.clone(), config, crate::jobs::Mode::Full, &args.worker).await?),
    };
    let maturity = steward_server::maturity::MaturitySettings {
        models: Arc::new(crate::commands::assess::models(config)?),
        config: config.assess.clone(),
        sources: crate::commands::assess::source_names(config),
        responsibility_file: config.governance.responsibility.as_ref().map(|p| p.display().to_string()),
    };
    let served = serve_with(store, &addr, false, responsibility, metrics_token, auth, maturity).await;
    if let Some(worker) = worker {
        worker.shutdown().await;
    }
    served
}

/// Real data needs someone who can sign in and manage it: refuse to start without an enabled
/// admin, and say how to make one (`steward demo` needs none: everyone is its demo admin).
async fn require_admin(store: &dyn Store, db_url: &str) -> anyhow::Result<()> {
    let users = store.list_users().await.context("cannot read the users to check for an admin")?;
    if users.iter().any(|u| u.role == steward_model::Role::Admin && !u.disabled) {
        return Ok(());
    }
    anyhow::bail!(
        "no enabled admin account exists in {}, so nobody could sign in and manage Steward; create one first:\n\n    \
         steward user add --admin <name>\n\nthen start `steward serve` again and sign in at /signin \
         (`steward demo` needs no account: every visitor is its demo admin)",
        db::redact(db_url)
    )
}

/// `[auth]` and the security part of `[server]`, with the OpenID Connect client secret from
/// `STEWARD_OIDC_CLIENT_SECRET` or `client_secret_file` (never from the file itself).
fn auth_state(config: &Config) -> anyhow::Result<steward_server::auth::AuthState> {
    let mut settings = config.auth.clone();
    if let Some(oidc) = settings.oidc.as_mut() {
        let secret = match (std::env::var("STEWARD_OIDC_CLIENT_SECRET").ok(), &oidc.client_secret_file) {
            (Some(secret), _) => secret,
            (None, Some(file)) => {
                let path = config.base_dir.join(file);
                std::fs::read_to_string(&path)
                    .with_context(|| format!("cannot read the OpenID Connect client secret from {}", path.display()))?
            }
            (None, None) => String::new(),
        };
        oidc.client_secret = steward_server::auth::Secret::new(secret.trim());
    }
    let server = &config.server;
    let web = steward_server::auth::WebSettings::new(
        server.public_url.as_deref(),
        server.insecure_cookies,
        server.trust_forwarded_for,
    )
    .map_err(|message| anyhow::anyhow!("{message}"))?;
    steward_server::auth::AuthState::new(settings, web).map_err(|message| anyhow::anyhow!("{message}"))
}

/// Bind, print the URL on stdout (scripts and tests read it), and serve until Ctrl-C.
pub async fn serve(
    store: Arc<dyn Store>,
    addr: &str,
    demo: bool,
    responsibility: steward_responsibility::Config,
) -> anyhow::Result<()> {
    serve_with(
        store,
        addr,
        demo,
        responsibility,
        None,
        steward_server::auth::AuthState::default(),
        steward_server::maturity::MaturitySettings::default(),
    )
    .await
}

/// [`serve`], with `/metrics` behind a token when one is given.
pub async fn serve_with(
    store: Arc<dyn Store>,
    addr: &str,
    demo: bool,
    responsibility: steward_responsibility::Config,
    metrics_token: Option<String>,
    auth: steward_server::auth::AuthState,
    maturity: steward_server::maturity::MaturitySettings,
) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| {
        format!("cannot listen on {addr}; is another program using it? Pick another with --addr 127.0.0.1:PORT")
    })?;
    let local = listener.local_addr().context("cannot read the bound address")?;
    println!("Steward is serving at http://{local}/");
    if !demo {
        println!("Sign in at http://{local}/signin (accounts: `steward user add`).");
    }
    let state = steward_server::AppState {
        responsibility: Arc::new(responsibility),
        auth: Arc::new(auth),
        ..steward_server::AppState::new(store, demo)
    }
    .with_metrics_token(metrics_token)
    .with_maturity(maturity);
    let shutdown = crate::jobs::shutdown_signal();
    steward_server::serve(state, listener, shutdown).await.context("the server stopped with an error")?;
    Ok(())
}
