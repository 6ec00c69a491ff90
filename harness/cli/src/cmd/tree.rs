use crate::common::Outcome;

#[derive(clap::Subcommand)]
pub enum TreeCommand {
    /// List the configured trees.
    List,
}

pub fn run(_cmd: TreeCommand) -> anyhow::Result<Outcome> {
    anyhow::bail!("not implemented yet")
}
