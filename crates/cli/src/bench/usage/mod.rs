//! `steward bench usage` (being written).

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Audit records to generate.
    #[arg(long, default_value_t = 1_000_000)]
    pub events: u64,
}

pub async fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("steward bench usage is being written")
}
