//! `harness refresh SERIES --tree TREE --out DIR`: the series rewritten against TREE.
use std::path::PathBuf;

use anyhow::Context;
use harness_orchestrate::apply::Options;
use harness_orchestrate::refresh::{refresh_series, summary_text, write_refreshed};

use crate::common::{write_json, Outcome};

/// Rewrite a series against a tree: hunks that applied with an offset or fuzz
/// get their real position and the tree's actual context lines (so the output
/// applies to TREE exactly: offset 0, fuzz 0); hunks that failed go to
/// `<patch>.rej` beside their patch; hunks already in the tree are dropped from
/// the patch. Every rejected or dropped hunk is listed in DIR/summary.txt (and
/// on stdout) with its diagnosis: nothing is dropped silently.
///
/// DIR becomes a quilt directory (`series` + patches) that `harness apply`
/// accepts. Exit status: 0 every hunk carried over, 1 some hunk rejected,
/// 2 usage or infrastructure error.
#[derive(clap::Args)]
pub struct Args {
    /// The series: a quilt directory (with `series`), a directory of
    /// `*.patch`, a single patch or mbox file.
    #[arg(value_name = "SERIES")]
    pub series: PathBuf,
    /// The tree to refresh against: a directory (never modified).
    #[arg(long, value_name = "TREE")]
    pub tree: String,
    /// Output directory for the refreshed quilt series (must not exist or be empty).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Also write the `harness.refresh/1` JSON summary to FILE (`-` for stdout;
    /// the human summary then goes to stderr).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Maximum fuzz, as `patch -F`.
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub fuzz: usize,
    /// Strip N leading path components (default: what the series says).
    #[arg(short = 'p', long = "strip", value_name = "N")]
    pub strip: Option<usize>,
    #[command(flatten)]
    pub select: crate::cmd::select::SelectArgs,
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let resolved = crate::tree_arg::resolve(&args.tree)?; // held until the end
    let tree = resolved.path.clone();
    let series = args
        .select
        .load(&args.series)
        .with_context(|| format!("loading series {}", args.series.display()))?;
    if series.patches.is_empty() {
        anyhow::bail!("series {} contains no patches", args.series.display());
    }
    let opts = Options {
        apply: harness_core::apply::ApplyOptions {
            max_fuzz: args.fuzz,
        },
        strip: args.strip,
    };
    let outcome = refresh_series(&series, &tree, opts)?;
    write_refreshed(&outcome, &args.out)?;
    let text = format!(
        "{}\nrefreshed series written to {}\n",
        summary_text(&outcome),
        args.out.display()
    );
    match &args.json {
        Some(p) if p.as_os_str() == "-" => {
            eprint!("{text}");
            write_json(p, &outcome)?;
        }
        Some(p) => {
            crate::common::out!("{text}");
            write_json(p, &outcome)?;
        }
        None => crate::common::out!("{text}"),
    }
    Ok(if outcome.rejected().next().is_some() {
        Outcome::Failed
    } else {
        Outcome::Ok
    })
}
