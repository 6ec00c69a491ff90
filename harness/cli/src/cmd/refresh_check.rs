//! `harness refresh-check SOURCE --tree TREE` and `harness refresh-check OLD NEW --tree TREE`.

use crate::common::{self, Outcome};
use anyhow::Context;
use harness_orchestrate::refresh_check::{self, Cause, Change, RefreshCheckReport};
use std::path::PathBuf;

/// Compare two revisions of a series on a tree.
///
/// With one SOURCE (an mbox or archive page holding several revisions, e.g. a
/// refreshed patch sent as a `Re:` reply), the first revision of each patch is
/// compared with its newest. With OLD and NEW, the two sources are compared
/// (each read like `harness apply` reads a series: newest revision per patch).
///
/// Patches are paired range-diff style: by patch number when subject or
/// content agree, else by subject similarity, else by diff content. Both
/// revisions are applied to TREE (never modified) and, per patch, the report
/// gives both verdicts (files -> hunks as in harness.apply/1) and `change`:
/// `refresh-only` when only context and positions moved, `content-changed`
/// when added or removed lines differ, with each differing line and whether it
/// mirrors a change in the base (the refreshed patch follows code renamed or
/// changed under it) or is a new change.
///
/// Exit status: 0 the new revision applies and every content change mirrors
/// the base; 1 otherwise; 2 usage or infrastructure error.
#[derive(clap::Args)]
pub struct Args {
    /// SOURCE, or OLD and NEW (paths or series names under patches/).
    #[arg(value_name = "SOURCE|OLD NEW", num_args = 1..=2, required = true)]
    pub sources: Vec<String>,
    /// The tree to apply both revisions to (a directory; never modified).
    #[arg(long, value_name = "TREE")]
    pub tree: String,
    /// Write the `harness.refresh-check/1` JSON report to FILE (`-` = stdout).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Maximum fuzz, as `patch -F`.
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub fuzz: usize,
    /// With SOURCE, `--revision N` compares vN (instead of the first
    /// revision) with the newest; `--series`/`--patches` choose on both sides.
    #[command(flatten)]
    pub select: crate::cmd::select::SelectArgs,
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    // A cached tree is held for the run and its fingerprint checked.
    let source = crate::tree_arg::resolve(&args.tree)?;
    let tree = source.path.clone();
    let mut opts = harness_orchestrate::apply::Options::default();
    opts.apply.max_fuzz = args.fuzz;
    let report = match args.sources.as_slice() {
        [one] => {
            let src = common::series_source(one).with_context(|| format!("source {one:?}"))?;
            let sel = &args.select;
            if sel.take.is_some() {
                anyhow::bail!(
                    "--take with one SOURCE: its revisions differ in length; give OLD and NEW"
                );
            }
            if sel.revision.is_none() && sel.series_index.is_none() && sel.patches.is_none() {
                refresh_check::refresh_check_source(&src, &tree, opts)?
            } else {
                source_chosen(&src, sel, &tree, opts)?
            }
        }
        [old, new] => {
            let o = common::series_source(old).with_context(|| format!("OLD {old:?}"))?;
            let n = common::series_source(new).with_context(|| format!("NEW {new:?}"))?;
            let os = args.select.load(&o)?;
            let ns = args.select.load(&n)?;
            let (ol, nl) = (o.display().to_string(), n.display().to_string());
            refresh_check::refresh_check(
                &os,
                &ns,
                (&ol, "newest revision of each patch"),
                (&nl, "newest revision of each patch"),
                &tree,
                opts,
            )?
        }
        _ => anyhow::bail!("give SOURCE, or OLD and NEW"),
    };
    if let Some(dest) = &args.json {
        common::write_json(dest, &report)?;
    }
    let text = render(&report);
    if args.json.as_deref() == Some(std::path::Path::new("-")) {
        eprint!("{text}");
    } else {
        crate::common::out!("{text}");
    }
    Ok(if report.ok {
        Outcome::Ok
    } else {
        Outcome::Failed
    })
}

/// SOURCE with a choice: vN (or the first revision) against the newest,
/// both from the chosen series and patches.
fn source_chosen(
    src: &std::path::Path,
    sel: &crate::cmd::select::SelectArgs,
    tree: &std::path::Path,
    opts: harness_orchestrate::apply::Options,
) -> anyhow::Result<RefreshCheckReport> {
    use harness_ingest::{LoadOptions, RevisionChoice};
    let ing = sel.ingest(src)?;
    let only = sel.patches.as_ref().map(|p| p.0.as_slice());
    let pick = |revision, what: &str| {
        ing.select(
            &LoadOptions {
                revision,
                series: sel.series_index,
            },
            only,
        )
        .map_err(|e| anyhow::anyhow!("{} ({what}): {e}", src.display()))
    };
    let (old_rev, old_what) = match sel.revision {
        Some(v) => (RevisionChoice::Version(v), format!("v{v}")),
        None => (
            RevisionChoice::Oldest,
            "first revision of each patch".to_string(),
        ),
    };
    let old = pick(old_rev, &old_what)?;
    let new = pick(RevisionChoice::Newest, "newest revision")?;
    let label = src.display().to_string();
    refresh_check::refresh_check(
        &old,
        &new,
        (&label, &old_what),
        (&label, "newest revision of each patch"),
        tree,
        opts,
    )
}

fn render(r: &RefreshCheckReport) -> String {
    use std::fmt::Write;
    let mut o = String::new();
    let _ = writeln!(o, "tree: {}", r.tree);
    let _ = writeln!(
        o,
        "old:  {} ({}): {}",
        r.old.source, r.old.revision, r.old.status
    );
    let _ = writeln!(
        o,
        "new:  {} ({}): {}",
        r.new.source, r.new.revision, r.new.status
    );
    for p in &r.patches {
        let change = match p.change {
            Change::RefreshOnly => "refresh-only",
            Change::ContentChanged => "content-changed",
            Change::Added => "added",
            Change::Dropped => "dropped",
        };
        let _ = writeln!(o, "\npatch {} {:?}: {change}", p.number, p.title);
        let _ = writeln!(o, "  {}", p.summary);
        for (label, side) in [("old", &p.old), ("new", &p.new)] {
            let Some(side) = side else { continue };
            for f in &side.files {
                for h in &f.hunks {
                    let st = h.status.as_str();
                    let mut line = format!("  {label} {} hunk #{}: {st}", f.path, h.index);
                    if let Some(off) = h.offset {
                        if off != 0 {
                            let _ = write!(line, " offset {off}");
                        }
                    }
                    if let Some(fz) = h.fuzz {
                        if fz > 0 {
                            let _ = write!(line, " fuzz {fz}");
                        }
                    }
                    if let Some(d) = &h.diagnosis {
                        let _ = write!(line, " — {}", d.summary);
                    }
                    let _ = writeln!(o, "{line}");
                }
            }
        }
        for d in &p.differences {
            let cause = match d.cause {
                Cause::MirrorsBase => "mirrors base",
                Cause::NewChange => "NEW CHANGE",
            };
            let _ = writeln!(
                o,
                "  {} {} line [{cause}]\n    old: {}\n    new: {}",
                d.file,
                d.kind,
                d.old.as_deref().unwrap_or("(none)"),
                d.new.as_deref().unwrap_or("(none)")
            );
        }
    }
    let _ = writeln!(
        o,
        "\n{}",
        if r.ok {
            "OK: the new revision applies and every content change follows the base"
        } else {
            "NOT OK: the new revision does not apply fully, or changes content the base does not explain"
        }
    );
    o
}
