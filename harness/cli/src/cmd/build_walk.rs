//! `harness build --per-patch SERIES`: the tree built after every patch,
//! incrementally in the one build directory (see harness_orchestrate::walk).
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use harness_build::build::{build, BuildOptions};
use harness_orchestrate::walk::{breaks_line, diag, StepReport, StepStatus, WalkReport};
use harness_orchestrate::walk_run::{run_walk, WalkInput};

use crate::common::{cache_dir, write_json, Outcome};

/// The walk, after the config in `args.out` was prepared from `tree`.
pub fn run(
    args: &super::build::Args,
    series_arg: &Path,
    tree: &Path,
    tree_id: String,
    mut opts: BuildOptions,
    factory: &dyn harness_build::CommandFactory,
) -> anyhow::Result<Outcome> {
    let series_path = crate::common::series_source(&series_arg.to_string_lossy())?;
    let series = harness_ingest::load(&series_path)
        .map_err(|e| anyhow::anyhow!("loading series {}: {e}", series_path.display()))?;
    if series.patches.is_empty() {
        anyhow::bail!("series {} contains no patches", series_path.display());
    }
    let out = std::path::absolute(&args.out)
        .with_context(|| format!("resolving {}", args.out.display()))?;
    let worktree = worktree_for(&out);
    let to_stdout = args.json.as_deref() == Some(Path::new("-"));
    let mut human: Box<dyn Write> = if to_stdout {
        Box::new(std::io::stderr())
    } else {
        Box::new(std::io::stdout())
    };
    let logs = out.join(".harness-walk");
    std::fs::create_dir_all(&logs).with_context(|| format!("creating {}", logs.display()))?;
    // gcc names the worktree's files relative to the build directory.
    opts.strip_prefixes
        .push(harness_orchestrate::walk_run::relative_dir(&out, &worktree));
    let mut step = 0usize;
    let mut builder = |src: &Path, id: &str| -> anyhow::Result<_> {
        opts.source_id = Some(id.to_owned());
        opts.log_path = logs.join(format!("step-{step}.log"));
        step += 1;
        Ok(build(src, &out, &opts, factory)?)
    };
    let input = WalkInput {
        series: &series,
        tree,
        worktree: &worktree,
        out: &out,
        apply: Default::default(),
        tree_id,
    };
    let total = series.patches.len();
    let mut progress = |s: &StepReport| {
        let _ = writeln!(human, "{}", step_line(s, total));
    };
    let mut report = run_walk(&input, &mut builder, &mut progress)?;
    add_reproducers(&mut report, &series, args, series_arg);
    let mut summary = breaks_line(&report, total);
    for s in report.steps.iter().filter(|s| s.reproduce.is_some()) {
        let r = s.reproduce.as_deref().unwrap_or_default();
        summary.push_str(&format!("\nreproduce {}/{total}: {r}", s.index));
    }
    if to_stdout {
        eprintln!("{summary}");
    } else {
        crate::common::outln!("{summary}");
    }
    if let Some(dest) = &args.json {
        write_json(dest, &report)?;
    }
    Ok(if report.failed() {
        Outcome::Failed
    } else {
        Outcome::Ok
    })
}

fn quote(s: &str) -> String {
    harness_orchestrate::matrix::reproduce::shell_word(s)
}

/// Patch `i` (1-based position) is `--patches 1-i` of the source when every
/// patch up to it is numbered by its position (or not numbered at all).
fn numbered_by_position(series: &harness_ingest::Series, i: usize) -> bool {
    series.patches.iter().take(i).enumerate().all(|(k, p)| {
        let n = harness_ingest::subject::parse(p.subject.as_deref().unwrap_or_default()).number;
        n.is_none_or(|n| n as usize == k + 1)
    })
}

/// For each failed step: `harness apply ... --patches 1-i --into SRC` and
/// the `harness build` of SRC with the walk's config (0-day's reproducer).
fn add_reproducers(
    report: &mut WalkReport,
    series: &harness_ingest::Series,
    args: &super::build::Args,
    series_arg: &Path,
) {
    let config = match &args.config {
        Some(c) => format!("--config {}", quote(&c.display().to_string())),
        None => {
            let mut v = vec![format!("--base {}", quote(&args.base))];
            v.extend(
                args.fragments
                    .iter()
                    .map(|f| format!("--fragment {}", quote(f))),
            );
            v.join(" ")
        }
    };
    for s in report.steps.iter_mut() {
        if s.status != StepStatus::Failed || s.index == 0 || !numbered_by_position(series, s.index)
        {
            continue;
        }
        s.reproduce = Some(format!(
            "harness apply {} --tree {} --patches 1-{} --into SRC && harness build --tree SRC {config} --arch {} --out OBJ",
            quote(&series_arg.display().to_string()),
            quote(&args.tree),
            s.index,
            quote(&args.arch),
        ));
    }
}

/// `<cache>/work/walk-<hash of the build directory>/src`: stable per build
/// directory, so kbuild sees the same source path at every walk.
pub(crate) fn worktree_for(out: &Path) -> PathBuf {
    use sha2::Digest;
    let h = sha2::Sha256::digest(out.as_os_str().as_encoded_bytes());
    cache_dir()
        .join("work")
        .join(format!("walk-{}", &hex::encode(h)[..16]))
        .join("src")
}

fn step_line(s: &StepReport, total: usize) -> String {
    let what = if s.index == 0 {
        "base".to_owned()
    } else {
        format!("{}/{total}", s.index)
    };
    let mut line = match s.status {
        StepStatus::NotApplied => format!(
            "{what} does not apply: {}",
            s.reason.as_deref().unwrap_or("")
        ),
        st => format!(
            "{what} build {} ({} objects, {:.1}s): {} errors, +{} -{} warnings",
            if st == StepStatus::Passed {
                "passed"
            } else {
                "FAILED"
            },
            s.recompiled,
            s.seconds,
            s.errors.len(),
            s.warnings_added.len(),
            s.warnings_removed.len()
        ),
    };
    for e in s.errors.iter().take(3) {
        line.push_str(&format!("\n    error: {}", diag(e)));
    }
    if let Some(r) = &s.reproduce {
        line.push_str(&format!("\n    reproduce: {r}"));
    }
    for w in &s.warnings_added {
        line.push_str(&format!("\n    new warning: {}", diag(w)));
    }
    for w in &s.warnings_removed {
        line.push_str(&format!("\n    warning gone: {}", diag(w)));
    }
    line
}
