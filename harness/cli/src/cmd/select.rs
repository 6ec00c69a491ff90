//! `--revision N`, `--series N`, `--patches LIST`, `--take A-B`,
//! `--sloppy-trailers`:
//! what to use from a series source with several (shared by the commands
//! that take a series).

use anyhow::Context;
use harness_ingest::model::BuildOptions;
use harness_ingest::{Ingested, LoadOptions, RevisionChoice, Series};
use std::path::Path;

#[derive(clap::Args, Debug, Clone, Default)]
pub struct SelectArgs {
    /// Use version N (`vN`) of the series, taken whole as b4 does (default:
    /// the newest; a partial reroll keeps the previous version's other patches).
    #[arg(long, value_name = "N")]
    pub revision: Option<u32>,
    /// For a source holding several series: use the N-th (1-based, as
    /// `harness series` lists them).
    #[arg(long = "series", value_name = "N")]
    pub series_index: Option<usize>,
    /// Use only these patch numbers of the chosen revision, e.g. `1-3,5`.
    #[arg(long, value_name = "LIST", value_parser = parse_list)]
    pub patches: Option<PatchList>,
    /// Then keep only positions A to B (1-based, inclusive) of the chosen
    /// patches, whatever their numbers: what a matrix series' `take: A-B`
    /// uses (the cells' reproducers say `--take`).
    #[arg(long, value_name = "A-B", value_parser = harness_ingest::parse_take)]
    pub take: Option<(usize, usize)>,
    /// Accept follow-up trailers that name someone other than their sender
    /// (b4 refuses those unless told `--sloppy-trailers`).
    #[arg(long)]
    pub sloppy_trailers: bool,
}

#[derive(Debug, Clone)]
pub struct PatchList(pub Vec<u32>);

fn parse_list(s: &str) -> Result<PatchList, String> {
    harness_ingest::parse_patch_list(s).map(PatchList)
}

impl SelectArgs {
    pub fn build_options(&self) -> BuildOptions {
        BuildOptions {
            sloppy_trailers: self.sloppy_trailers,
        }
    }

    pub fn load_options(&self) -> LoadOptions {
        LoadOptions {
            revision: self
                .revision
                .map_or(RevisionChoice::Newest, RevisionChoice::Version),
            series: self.series_index,
        }
    }

    /// Read the source with these options.
    pub fn ingest(&self, path: &Path) -> anyhow::Result<Ingested> {
        harness_ingest::ingest_with(path, &self.build_options())
            .with_context(|| format!("reading series source {}", path.display()))
    }

    /// The patches to use from an ingested source.
    pub fn choose(&self, ing: &Ingested, path: &Path) -> anyhow::Result<Series> {
        let mut series = ing
            .select(
                &self.load_options(),
                self.patches.as_ref().map(|p| p.0.as_slice()),
            )
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        if let Some(range) = self.take {
            series
                .take(range)
                .map_err(|e| anyhow::anyhow!("--take: {e}"))?;
        }
        Ok(series)
    }

    /// Read and choose in one step.
    pub fn load(&self, path: &Path) -> anyhow::Result<Series> {
        let ing = self.ingest(path)?;
        self.choose(&ing, path)
    }
}
