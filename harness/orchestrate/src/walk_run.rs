//! Driving the per-patch walk ([`crate::walk`]): worktree, base build, then
//! apply + incremental build per patch. The build itself is the caller's
//! (a closure running `harness_build::build` with its config and options), so
//! this loop is the same for the CLI and for tests with a fake kernel.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use harness_build::build::{BuildOutcome, BuildStatus};
use harness_core::apply::{Changes, FileChange};
use harness_core::report::AggregateStatus;
use harness_ingest::Series;

use crate::apply::{apply_series_to_dir, write_changes_in_place, Options};
use crate::matrix::attribution::changed_lines;
use crate::walk::{owned, recompiled_sources, StepReport, StepStatus, WalkReport, WarningSet};

/// Files the walks in a build directory have rewritten (so a later walk
/// refreshes them: a base file hard-linked anew keeps its old mtime, older
/// than an object compiled from a patched version).
pub const TOUCHED: &str = ".harness-walk-touched";

/// Build `src` with this source identity.
pub type Builder<'a> = dyn FnMut(&Path, &str) -> anyhow::Result<BuildOutcome> + 'a;

pub struct WalkInput<'a> {
    pub series: &'a Series,
    pub tree: &'a Path,
    /// The worktree directory (removed and re-created: it is the walk's own).
    pub worktree: &'a Path,
    /// The build directory (make O=), kept across steps and walks.
    pub out: &'a Path,
    pub apply: Options,
    /// Identity of the base tree's contents.
    pub tree_id: String,
}

/// Run the walk. `progress` sees each step as it is done.
pub fn run_walk(
    input: &WalkInput<'_>,
    build: &mut Builder<'_>,
    progress: &mut dyn FnMut(&StepReport),
) -> anyhow::Result<WalkReport> {
    let n = input.series.patches.len();
    let prefixes = (1..=n)
        .map(|i| prefix_outcome(input, i))
        .collect::<anyhow::Result<Vec<_>>>()?;
    prepare_worktree(input, prefixes.last().map(|o| &o.changes))?;
    let mut report = WalkReport {
        schema: crate::walk::WALK_SCHEMA.to_owned(),
        series: input.series.name.clone(),
        tree: input.tree.display().to_string(),
        out: input.out.display().to_string(),
        steps: Vec::new(),
        breaks: Vec::new(),
        stopped_at: None,
    };
    let base = build(input.worktree, &input.tree_id)?;
    let mut set = WarningSet::from_full(&base.warnings);
    let none = BTreeMap::new();
    let mut step0 = step_from(0, "base", None, &base, &none);
    step0.warnings_total = set.len();
    progress(&step0);
    report.steps.push(step0);
    let mut prev = Changes::default();
    let mut pending: BTreeSet<String> = BTreeSet::new();
    for (i, outcome) in prefixes.iter().enumerate() {
        let p = &input.series.patches[i];
        let verdict = &outcome.report.patches[i];
        if !matches!(
            verdict.status,
            AggregateStatus::Applied | AggregateStatus::AlreadyApplied
        ) {
            let mut s = not_applied(p.index, &p.name, p.subject.clone(), verdict);
            s.changed_files = Vec::new();
            progress(&s);
            report.steps.push(s);
            report.stopped_at = Some(p.index);
            break;
        }
        let delta = delta(&prev, &outcome.changes);
        write_changes_in_place(input.worktree, &delta)
            .with_context(|| format!("writing patch {} into the worktree", p.index))?;
        let files: Vec<String> = delta.files.keys().cloned().collect();
        pending.extend(files.iter().cloned());
        let id = format!(
            "{}+{}",
            input.tree_id,
            crate::matrix::real::changes_key(&outcome.changes)
        );
        let b = build(input.worktree, &id)?;
        let owners = changed_lines(&outcome.placements, |k| {
            input.series.patches[k - 1].name.clone()
        });
        let mut s = step_from(p.index, &p.name, p.subject.clone(), &b, &owners);
        s.changed_files = files;
        if b.status == BuildStatus::Passed {
            let log = std::fs::read_to_string(&b.log_path).unwrap_or_default();
            let mut refreshed = recompiled_sources(&log);
            refreshed.extend(pending.iter().cloned());
            let (added, removed) = set.update(&refreshed, &b.warnings);
            s.warnings_added = added.iter().map(|d| owned(d, &owners)).collect();
            s.warnings_removed = removed.iter().map(|d| owned(d, &owners)).collect();
            s.warnings_total = set.len();
            pending.clear();
        } else {
            s.warnings_added = set
                .added(&b.warnings)
                .iter()
                .map(|d| owned(d, &owners))
                .collect();
        }
        progress(&s);
        report.steps.push(s);
        prev = outcome.changes.clone();
    }
    report.find_breaks();
    Ok(report)
}

fn prefix_outcome(input: &WalkInput<'_>, i: usize) -> anyhow::Result<crate::apply::ApplyOutcome> {
    let mut s = input.series.clone();
    s.patches.truncate(i);
    apply_series_to_dir(&s, input.tree, input.apply)
        .with_context(|| format!("applying patches 1-{i} of {}", input.series.name))
}

/// What the last patch changed: the files whose content differs.
fn delta(prev: &Changes, now: &Changes) -> Changes {
    let files = now
        .files
        .iter()
        .filter(|(k, v)| prev.files.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Changes {
        files,
        rejects: BTreeMap::new(),
    }
}

/// A fresh hard-link worktree of the tree, with every file this or an
/// earlier walk in the same build directory rewrote given a new mtime (its
/// base content, so make recompiles what was built from a patched version).
fn prepare_worktree(input: &WalkInput<'_>, last: Option<&Changes>) -> anyhow::Result<()> {
    if input.worktree.exists() {
        std::fs::remove_dir_all(input.worktree).with_context(|| {
            format!(
                "removing the old walk worktree {}",
                input.worktree.display()
            )
        })?;
    }
    if let Some(parent) = input.worktree.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    harness_trees::Worktree::create_with(
        input.tree,
        input.worktree,
        &harness_trees::WorktreeOptions {
            method: harness_trees::WorktreeMethod::Hardlink,
            keep: true,
        },
    )
    .with_context(|| format!("creating the worktree {}", input.worktree.display()))?;
    std::fs::create_dir_all(input.out)
        .with_context(|| format!("creating {}", input.out.display()))?;
    let record = input.out.join(TOUCHED);
    let mut touched: BTreeSet<String> = std::fs::read_to_string(&record)
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect();
    touched.extend(last.into_iter().flat_map(|c| c.files.keys().cloned()));
    let mut refresh = Changes::default();
    for rel in &touched {
        if let Ok(bytes) = std::fs::read(input.tree.join(harness_core::pathbytes::os(rel))) {
            let write = FileChange::Write {
                bytes: Arc::new(bytes),
                mode: None,
            };
            refresh.files.insert(rel.clone(), write);
        }
    }
    write_changes_in_place(input.worktree, &refresh)
        .context("refreshing files of earlier walks")?;
    let list: String = touched.iter().map(|t| format!("{t}\n")).collect();
    std::fs::write(&record, list).with_context(|| format!("writing {}", record.display()))
}

fn step_from(
    index: usize,
    name: &str,
    subject: Option<String>,
    b: &BuildOutcome,
    owners: &BTreeMap<String, Vec<harness_build::attribute::PatchLines>>,
) -> StepReport {
    StepReport {
        index,
        name: name.to_owned(),
        subject,
        status: match b.status {
            BuildStatus::Passed => StepStatus::Passed,
            BuildStatus::Failed => StepStatus::Failed,
        },
        reason: None,
        changed_files: Vec::new(),
        seconds: b.seconds,
        recompiled: b.recompiled_objects,
        errors: b.errors.iter().map(|d| owned(d, owners)).collect(),
        warnings_added: Vec::new(),
        warnings_removed: Vec::new(),
        warnings_total: 0,
        reproduce: None,
    }
}

fn not_applied(
    index: usize,
    name: &str,
    subject: Option<String>,
    verdict: &harness_core::report::PatchResult,
) -> StepReport {
    let first = verdict
        .files
        .iter()
        .flat_map(|f| f.hunks.iter().map(move |h| (f, h)))
        .find_map(|(f, h)| {
            h.diagnosis
                .as_ref()
                .map(|d| format!("{} hunk #{}: {}", f.path, h.index, d.summary))
        })
        .or_else(|| verdict.errors.first().cloned())
        .unwrap_or_default();
    let status = verdict.status.as_str().to_owned();
    StepReport {
        index,
        name: name.to_owned(),
        subject,
        status: StepStatus::NotApplied,
        reason: Some(format!("patch {index} is {status}: {first}")),
        changed_files: Vec::new(),
        seconds: 0.0,
        recompiled: 0,
        errors: Vec::new(),
        warnings_added: Vec::new(),
        warnings_removed: Vec::new(),
        warnings_total: 0,
        reproduce: None,
    }
}

/// `to` relative to `from` (both absolute), with a trailing `/`: the prefix
/// make prints for the sources when it runs in the build directory `from`
/// (`O=`) on the tree `to`, stripped from diagnostics' file names.
pub fn relative_dir(from: &Path, to: &Path) -> String {
    let f: Vec<_> = from.components().collect();
    let t: Vec<_> = to.components().collect();
    let common = f.iter().zip(&t).take_while(|(a, b)| a == b).count();
    let mut p = std::path::PathBuf::new();
    for _ in common..f.len() {
        p.push("..");
    }
    for c in &t[common..] {
        p.push(c);
    }
    format!("{}/", p.display())
}

#[cfg(test)]
mod tests {
    #[test]
    fn relative_dir_from_the_build_directory() {
        let r = super::relative_dir(
            std::path::Path::new("/c/builds/x/obj"),
            std::path::Path::new("/c/work/walk-1/src"),
        );
        assert_eq!(r, "../../../work/walk-1/src/");
        let r = super::relative_dir(
            std::path::Path::new("/c/work/k/builds/k/obj"),
            std::path::Path::new("/c/work/k/src"),
        );
        assert_eq!(r, "../../../src/");
    }
}
