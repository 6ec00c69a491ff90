//! `harness apply SERIES --tree TREE`: a verdict for every hunk.
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use harness_core::report::{ApplyReport, ThreewayOutcome, TreeIdentity};
use harness_orchestrate::apply::{apply_series_to_dir, write_changes_into_with, Options};
use harness_orchestrate::blame::annotate_report;
use harness_orchestrate::threeway::apply_series_with_threeway;

use crate::cmd::apply_render::{render_human, Detail};
use crate::common::{write_json, Outcome};

/// Apply a series to a kernel tree, in series order and cumulatively, and
/// report for every hunk whether and where it applied (GNU patch's offsets and
/// fuzz) and, when it did not, why. TREE is never modified.
///
/// Exit status: 0 every hunk applied (or was already applied), 1 some hunk
/// failed or was malformed, 2 usage or infrastructure error.
#[derive(clap::Args)]
pub struct Args {
    /// The series: a quilt directory (with `series`), a directory of
    /// `*.patch`, a single patch or mbox file.
    #[arg(value_name = "SERIES")]
    pub series: PathBuf,
    /// The tree to apply to: a directory (never modified), a pinned tree
    /// name, or `auto`: candidate bases are tried (with --repo: the
    /// series' `base-commit:`, the commit its `index` blob ids point to,
    /// the checkout as it is; without: every pinned tree of trees.yaml),
    /// the per-candidate counts said on stderr, and the best one used.
    #[arg(long, value_name = "TREE")]
    pub tree: String,
    /// Write the `harness.apply/1` JSON report to FILE (`-` for stdout; the
    /// human summary then goes to stderr).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Maximum fuzz (context lines GNU patch may ignore), as `patch -F`.
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub fuzz: usize,
    /// Write the patched tree plus `.rej` files for failed hunks to DIR
    /// (created atomically; must not exist or be empty).
    #[arg(long, value_name = "DIR")]
    pub into: Option<PathBuf>,
    /// Strip N leading path components from file names (default: what the
    /// series says, usually 1).
    #[arg(short = 'p', long = "strip", value_name = "N")]
    pub strip: Option<usize>,
    /// When a hunk fails, fall back to a 3-way merge as `git am -3` does:
    /// rebuild the file the patch was made from out of its `index` blob id and
    /// merge. Needs a git repository holding those blobs (the tree itself, or
    /// --repo). Reported apart from the plain verdicts (`files[].threeway`);
    /// a clean merge counts as applied for the exit status.
    #[arg(long = "3way")]
    pub threeway: bool,
    /// A git repository: where --3way finds the patches' blobs (default:
    /// the repository containing TREE), and where `--tree auto` looks for
    /// the series' `base-commit:` and guesses its base from the blob ids
    /// (commits are exported to a temporary directory; DIR is only read).
    #[arg(long, value_name = "DIR")]
    pub repo: Option<PathBuf>,
    /// With `--tree auto --repo DIR`: also try the pinned trees.
    #[arg(long, requires = "repo")]
    pub with_pinned: bool,
    /// One line per failed or malformed hunk (no offsets, already-applied
    /// hunks or expected-vs-found detail), then which patches did not apply
    /// and which one to fix first.
    #[arg(long)]
    pub brief: bool,
    /// Do not fetch and apply the prerequisites the series names
    /// (`prerequisite-message-id:`, `Based-on: <Message-ID>`).
    #[arg(long)]
    pub no_prerequisites: bool,
    #[command(flatten)]
    pub select: crate::cmd::select::SelectArgs,
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let auto = args.tree == "auto" && !Path::new("auto").exists();
    if args.repo.is_some() && !auto && !args.threeway {
        anyhow::bail!("--repo is for --3way or --tree auto");
    }
    // Held until the end of the run.
    let resolved = match auto {
        true => None,
        false => Some(crate::tree_arg::resolve_for_reading(&args.tree)?),
    };
    let given = (resolved.as_ref()).map(|r| (r.path.clone(), r.identity.clone()));
    let (series_path, thread) = crate::common::series_input(&args.series.to_string_lossy())?;
    let ing = args.select.ingest(&series_path)?;
    let mut series = args
        .select
        .choose(&ing, &series_path)
        .with_context(|| format!("loading series {}", args.series.display()))?;
    let named_base = crate::cmd::auto_tree::named_base(&series, &ing);
    if !args.no_prerequisites {
        crate::lore::prepend_prerequisites(&mut series, &ing.messages, thread.as_ref())?;
    }
    if series.patches.is_empty() {
        anyhow::bail!("series {} contains no patches", args.series.display());
    }
    let opts = Options {
        apply: harness_core::apply::ApplyOptions {
            max_fuzz: args.fuzz,
        },
        strip: args.strip,
    };
    let (tree, identity, chosen) = base_of_run(&args, &series, named_base.as_deref(), given, opts)?;
    let mut outcome = if args.threeway {
        let repo = args.repo.clone().unwrap_or_else(|| tree.clone());
        apply_series_with_threeway(&series, &tree, opts, &repo)?
    } else {
        apply_series_to_dir(&series, &tree, opts)?
    };
    if let Some(r) = &resolved {
        r.check_read(files_read(&outcome.report).iter().map(PathBuf::as_path))?;
    }
    outcome.report.tree_identity = Some(identity);
    if let Some(c) = &chosen {
        outcome.report.tree = c.report_tree.clone();
    }
    // Blame the conflicting lines when the tree is a git checkout with history.
    let (_, blame_errors) = annotate_report(&mut outcome.report, &tree);
    for e in blame_errors {
        eprintln!("harness: warning: blame: {e}");
    }
    let report = &outcome.report;
    let nothing_parsed = report.patches.iter().all(|p| p.files.is_empty());

    let to_stdout = args.json.as_deref() == Some(Path::new("-"));
    let detail = if args.brief {
        Detail::Brief
    } else {
        Detail::Full
    };
    let text = render_human(report, detail);
    if to_stdout {
        std::io::stderr().lock().write_all(text.as_bytes()).ok();
    } else {
        crate::common::stdout_result(std::io::stdout().lock().write_all(text.as_bytes()))?;
    }
    if let Some(dest) = &args.json {
        write_report(dest, report, chosen.as_ref())?;
    }
    if nothing_parsed {
        let why = report
            .patches
            .iter()
            .flat_map(|p| p.errors.iter().map(move |e| format!("{}: {e}", p.name)))
            .collect::<Vec<_>>()
            .join("; ");
        anyhow::bail!(
            "no patch in {} contains a diff ({why})",
            args.series.display()
        );
    }
    if let Some(dir) = &args.into {
        // A tree patched from mail stays untrusted for build and kconfig.
        let source = args.series.to_string_lossy();
        let untrusted = series.patches.iter().any(|p| p.from_mail);
        write_changes_into_with(&tree, &outcome.changes, dir, |work| {
            if untrusted {
                let cache = crate::common::cache_dir();
                harness_sandbox::trust::mark_untrusted(&cache, work, &source).with_context(
                    || {
                        format!(
                            "recording {} as patched from mail in {}",
                            dir.display(),
                            cache.display()
                        )
                    },
                )?;
            }
            Ok(())
        })
        .with_context(|| format!("writing the patched tree to {}", dir.display()))?;
    }
    Ok(if all_done(report) {
        Outcome::Ok
    } else {
        Outcome::Failed
    })
}

/// The tree the run applies to: the one given, or the base `--tree auto`
/// picked (then also how); for a given git checkout not at the series'
/// `base-commit:`, a note on stderr.
fn base_of_run(
    args: &Args,
    series: &harness_ingest::Series,
    named_base: Option<&str>,
    given: Option<(PathBuf, TreeIdentity)>,
    opts: Options,
) -> anyhow::Result<(PathBuf, TreeIdentity, Option<crate::cmd::auto_tree::Chosen>)> {
    if let Some((tree, identity)) = given {
        let head = identity.commit.as_deref().filter(|_| !identity.pinned);
        if let Some(note) = crate::cmd::auto_tree::base_commit_note(named_base, &tree, head) {
            eprintln!("harness: {note}");
        }
        return Ok((tree, identity, None));
    }
    let c = crate::cmd::auto_tree::choose(
        series,
        named_base,
        args.repo.as_deref(),
        args.with_pinned,
        args.into.is_some(),
        opts,
    )?;
    Ok((c.files.dir.clone(), c.identity.clone(), Some(c)))
}

/// `--json FILE`: the report, with how `--tree auto` chose the base.
fn write_report(
    dest: &Path,
    report: &ApplyReport,
    chosen: Option<&crate::cmd::auto_tree::Chosen>,
) -> anyhow::Result<()> {
    match chosen {
        Some(c) => write_json(
            dest,
            &crate::cmd::auto_tree::WithBase {
                report,
                base_resolution: &c.resolution,
            },
        ),
        None => write_json(dest, report),
    }
}

/// Every hunk is in the tree: applied, already applied, or in a file the
/// 3-way fallback merged cleanly.
fn all_done(r: &ApplyReport) -> bool {
    r.patches.iter().all(|p| {
        !p.files.is_empty()
            && p.files.iter().all(|f| {
                let merged = f
                    .threeway
                    .as_ref()
                    .is_some_and(|t| t.outcome == ThreewayOutcome::Merged);
                merged || f.status.is_done()
            })
    })
}

/// The tree files an apply read: every file section's path and old path
/// that names a place inside the tree (refused paths such as `../x` were
/// never read).
fn files_read(report: &ApplyReport) -> Vec<PathBuf> {
    let inside = |p: &Path| {
        p.components()
            .all(|c| matches!(c, std::path::Component::Normal(_)))
    };
    (report.patches.iter())
        .flat_map(|p| &p.files)
        .flat_map(|f| std::iter::once(&f.path).chain(f.old_path.as_ref()))
        .map(|n| PathBuf::from(harness_core::pathbytes::os(n).into_owned()))
        .filter(|p| inside(p))
        .collect()
}
