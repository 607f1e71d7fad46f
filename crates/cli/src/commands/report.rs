//! `steward report …` (being written).

#[derive(Debug, clap::Subcommand)]
pub enum ReportCommand {
    /// The governance board report for one month.
    Board(BoardArgs),
}

#[derive(Debug, clap::Args)]
pub struct BoardArgs {
    /// The month reported on, as YYYY-MM.
    #[arg(long)]
    pub period: String,
}

pub async fn run(_cmd: ReportCommand, _db_url: &str) -> anyhow::Result<()> {
    anyhow::bail!("steward report board is being written")
}
