//! `harness check`: b4's CI check protocol. One patch as an RFC 822 message
//! on stdin; on stdout a JSON list of `{tool, status, summary, url, details}`
//! (see `harness_checks::b4`): the apply verdict with each failed hunk's
//! diagnosis (tool `harness-apply`) and checkpatch's findings (`checkpatch`).
use std::io::{Read, Write};
use std::path::PathBuf;

use anyhow::Context;
use harness_checks::b4::{apply_result, checkpatch_result, CheckResult, Status};
use harness_ingest::{Series, SeriesPatch};
use harness_orchestrate::apply::{apply_series_to_dir, Options};

use crate::cmd::checkpatch::{options, parse_codespell, CodespellArg, SandboxSwitch};
use crate::common::Outcome;

/// Check one patch for b4 (`b4 review`'s `review-perpatch-check-cmd`): read
/// the patch mail from stdin, apply it to TREE (after the patches before it
/// in --series, when given) and run the tree's checkpatch.pl on it as
/// posted; print b4's JSON list on stdout.
///
/// Exit status: 0 every result is `pass` or `warn`; 1 some result is `fail`;
/// 2 the check could not run (nothing on stdout; b4 then shows the error).
#[derive(clap::Args)]
pub struct Args {
    /// The tree to apply to and whose checkpatch.pl runs (default: the
    /// current directory, where b4 runs check commands: the repository's top).
    #[arg(long, value_name = "TREE", default_value = ".")]
    pub tree: String,
    /// The whole series the patch belongs to (any source `harness apply`
    /// takes): the patches before it (matched by subject title) are applied
    /// first, so a patch that builds on its predecessors is judged after them.
    #[arg(long = "series", value_name = "SOURCE")]
    pub series: Option<PathBuf>,
    /// Do not run checkpatch.pl.
    #[arg(long)]
    pub no_checkpatch: bool,
    /// Do not pass --strict to checkpatch.pl.
    #[arg(long)]
    pub no_strict: bool,
    /// --codespell for checkpatch.pl: auto, on, off.
    #[arg(long, value_name = "WHEN", default_value = "auto", value_parser = parse_codespell)]
    pub codespell: CodespellArg,
    /// Run checkpatch.pl in the bubblewrap sandbox (on) or on the host (off,
    /// trusted trees only).
    #[arg(long, value_enum, default_value_t = SandboxSwitch::On)]
    pub sandbox: SandboxSwitch,
    /// Maximum fuzz, as `patch -F`.
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub fuzz: usize,
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let mut mail = Vec::new();
    std::io::stdin()
        .read_to_end(&mut mail)
        .context("reading the patch from stdin")?;
    let resolved = crate::tree_arg::resolve(&args.tree)?; // held until the end
    let tree = resolved.path.clone();
    let patch = stdin_patch(&mail)?;
    let series = with_predecessors(patch, args.series.as_deref())?;
    let opts = Options {
        apply: harness_core::apply::ApplyOptions {
            max_fuzz: args.fuzz,
        },
        strip: None,
    };
    let outcome = apply_series_to_dir(&series, &tree, opts)?;
    let last = outcome
        .report
        .patches
        .last()
        .context("the apply report has no patch")?;
    let mut results = vec![apply_result(last, &args.tree)];
    if !args.no_checkpatch {
        let o = options(args.no_strict, args.codespell.0, 300, args.sandbox);
        let run = harness_checks::run::run(&tree, &mail, "the patch on stdin", &o)?;
        results.push(checkpatch_result(&run.findings));
    }
    print_results(&results)?;
    Ok(if results.iter().any(|r| r.status == Status::Fail) {
        Outcome::Failed
    } else {
        Outcome::Ok
    })
}

fn print_results(results: &[CheckResult]) -> anyhow::Result<()> {
    let mut text = serde_json::to_string_pretty(results).context("serialising JSON")?;
    text.push('\n');
    crate::common::stdout_result(std::io::stdout().lock().write_all(text.as_bytes()))
}

/// The mail on stdin read as `harness apply` reads a single mail file.
fn stdin_patch(mail: &[u8]) -> anyhow::Result<SeriesPatch> {
    let dir = tempfile::tempdir().context("creating a temporary directory")?;
    let path = dir.path().join("stdin.eml");
    std::fs::write(&path, mail).with_context(|| format!("writing {}", path.display()))?;
    let series =
        harness_ingest::load(&path).map_err(|e| anyhow::anyhow!("the mail on stdin: {e}"))?;
    let mut patches = series.patches;
    if patches.len() != 1 {
        anyhow::bail!(
            "the mail on stdin holds {} patches; b4 sends one",
            patches.len()
        );
    }
    let mut p = patches.remove(0);
    p.name = "stdin".to_owned();
    Ok(p)
}

fn title(subject: Option<&str>) -> String {
    harness_ingest::subject::normalise_title(
        &harness_ingest::subject::parse(subject.unwrap_or_default()).title,
    )
}

/// The series to apply: the patches of `source` before the one whose title
/// is the stdin patch's, then the stdin patch itself.
fn with_predecessors(
    patch: SeriesPatch,
    source: Option<&std::path::Path>,
) -> anyhow::Result<Series> {
    let Some(source) = source else {
        return Ok(Series {
            name: "stdin".to_owned(),
            kind: harness_ingest::SourceKind::SingleFile,
            root: PathBuf::from("."),
            patches: vec![SeriesPatch { index: 1, ..patch }],
        });
    };
    let path = crate::common::series_source(&source.to_string_lossy())?;
    let mut series = harness_ingest::load(&path)
        .map_err(|e| anyhow::anyhow!("loading series {}: {e}", path.display()))?;
    let want = title(patch.subject.as_deref());
    let pos = series
        .patches
        .iter()
        .position(|p| title(p.subject.as_deref()) == want)
        .with_context(|| {
            format!(
                "no patch titled `{want}` in {} (the patch on stdin)",
                path.display()
            )
        })?;
    series.patches.truncate(pos);
    series.patches.push(SeriesPatch {
        index: pos + 1,
        ..patch
    });
    Ok(series)
}
