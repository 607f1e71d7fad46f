//! `steward usage …` (being written).

#[derive(Debug, clap::Subcommand)]
pub enum UsageCommand {
    /// The most used resources over a window.
    Top,
}

pub async fn run(_cmd: UsageCommand, _db_url: &str) -> anyhow::Result<()> {
    anyhow::bail!("steward usage is being written")
}
