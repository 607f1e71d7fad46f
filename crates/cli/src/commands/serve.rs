use crate::{config::Config, db};
use anyhow::Context;
use std::sync::Arc;
use steward_store::Store;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to listen on (port 0 picks a free port; the URL is printed).
    #[arg(long, env = "STEWARD_ADDR", value_name = "HOST:PORT")]
    addr: Option<String>,
}

pub const DEFAULT_ADDR: &str = "127.0.0.1:8080";

pub async fn run(args: Args, db_url: &str, config: &Config) -> anyhow::Result<()> {
    let addr = args.addr.or_else(|| config.server.addr.clone()).unwrap_or_else(|| DEFAULT_ADDR.to_string());
    let store = db::open(db_url).await?;
    let responsibility = crate::commands::check::responsibility_config(config)?;
    let metrics_token = std::env::var("STEWARD_METRICS_TOKEN").ok().or_else(|| config.server.metrics_token.clone());
    serve_with(store, &addr, false, responsibility, metrics_token).await
}

/// Bind, print the URL on stdout (scripts and tests read it), and serve until Ctrl-C.
pub async fn serve(
    store: Arc<dyn Store>,
    addr: &str,
    demo: bool,
    responsibility: steward_responsibility::Config,
) -> anyhow::Result<()> {
    serve_with(store, addr, demo, responsibility, None).await
}

/// [`serve`], with `/metrics` behind a token when one is given.
pub async fn serve_with(
    store: Arc<dyn Store>,
    addr: &str,
    demo: bool,
    responsibility: steward_responsibility::Config,
    metrics_token: Option<String>,
) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| {
        format!("cannot listen on {addr}; is another program using it? Pick another with --addr 127.0.0.1:PORT")
    })?;
    let local = listener.local_addr().context("cannot read the bound address")?;
    println!("Steward is serving at http://{local}/");
    let state =
        steward_server::AppState { responsibility: Arc::new(responsibility), ..steward_server::AppState::new(store, demo) }
            .with_metrics_token(metrics_token);
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    steward_server::serve(state, listener, shutdown).await.context("the server stopped with an error")?;
    Ok(())
}
