use crate::common::Outcome;

#[derive(clap::Subcommand)]
pub enum ReportCommand {
    /// Merge shard reports.
    Merge,
}

pub fn run(_cmd: ReportCommand) -> anyhow::Result<Outcome> {
    anyhow::bail!("not implemented yet")
}
