//! `steward fake-tenant`: serve a synthetic tenant at the real Microsoft API paths, for trying
//! `steward sync` without a tenant, for tests and for `steward bench sync`.

use anyhow::Context;
use std::io::Write;
use steward_fake_tenant::{DEFAULT_CLIENT_SECRET, FakeConfig, FakeTenant, Faults};
use steward_ingest::synthetic::Preset;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Tenant size: small, medium or large (1,500 environments, 1,000,000 resources).
    #[arg(long, default_value = "small")]
    preset: Preset,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Address to listen on; port 0 picks a free one (the chosen address is printed).
    #[arg(long, default_value = "127.0.0.1:8089")]
    addr: String,
    /// Days of audit content to serve (default: the preset's).
    #[arg(long, value_name = "DAYS")]
    usage_days: Option<u32>,
    /// Faults to inject, as a JSON file in the shape of `PUT /_fake/faults`
    /// (e.g. {"throttle_fraction": 0.1, "forbidden_environments": ["…"]}).
    #[arg(long, value_name = "FILE")]
    faults: Option<std::path::PathBuf>,
    /// Answer 404 on the Power Platform inventory API, as tenants without it do.
    #[arg(long)]
    no_inventory_api: bool,
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    let mut config = FakeConfig::new(args.preset, args.seed);
    config.usage_days = args.usage_days.or(config.usage_days);
    config.inventory_api = !args.no_inventory_api;
    if let Some(path) = &args.faults {
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
        config.faults = serde_json::from_str::<Faults>(&text)
            .with_context(|| format!("{} is not a valid faults document", path.display()))?;
    }
    let listener = tokio::net::TcpListener::bind(&args.addr)
        .await
        .with_context(|| format!("cannot listen on {}; choose another --addr", args.addr))?;
    let addr = listener.local_addr()?;
    let fake = FakeTenant::new(config);
    let tenant_id = fake.tenant_id();
    let base = format!("http://{addr}");
    // The first line is read by `steward bench sync` and tests: keep its shape.
    println!("fake tenant serving at {base}");
    std::io::stdout().flush()?;
    // The sample config is a courtesy: a reader that stopped after the first line (a closed pipe)
    // must not stop the server, so write errors here are ignored rather than fatal.
    let sample = format!(
        "\n# a steward.toml for it; put the secret {DEFAULT_CLIENT_SECRET} in the file secret.txt:\n{}",
        steward_fake_tenant::steward_toml("fake", &tenant_id, &base, "secret.txt")
    );
    let mut out = std::io::stdout();
    let _ = out.write_all(sample.as_bytes()).and_then(|()| out.flush());
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    fake.serve(listener, shutdown).await.context("the fake tenant stopped")?;
    Ok(())
}
