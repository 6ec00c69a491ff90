//! The per-patch walk of a matrix cell (`bisect: true`): after the cell's
//! whole-series build, the tree is built after every patch, incrementally,
//! in a build directory of its own per (tree, series, config)
//! ([`crate::walk_run::run_walk`]), sandboxed exactly when the cell's build
//! was (the same unit decides), and the walk goes into the cell.

use super::config::ConfigEntry;
use super::real::{severity, RealStages};
use super::stages::{BisectJob, TreeHandle};
use crate::walk::{StepStatus, WalkDiag, WalkReport};
use crate::walk_run::{run_walk, WalkInput};
use harness_report::model::{
    BisectBreak, BisectStep, BisectStepStatus, CellBisect, Diagnostic, StageStatus,
};
use std::path::{Path, PathBuf};

/// The walk's own directories: the worktree and the unit directory (with
/// `obj/`), laid out as a series unit's (see [`super::layout`]), keyed by
/// tree, series and config.
pub fn walk_dirs(cache: &Path, job: &BisectJob<'_>) -> (String, PathBuf, PathBuf) {
    let key = super::plan::slug(&format!(
        "bisect+{}+{}+{}",
        job.tree.name, job.series.name, job.config.name
    ));
    let (src, unit_dir) = super::layout::unit_dirs(cache, &key, &job.tree.path, true);
    (key, src, unit_dir)
}

impl RealStages {
    /// Run the walk of `job`; any error is the walk's failure.
    pub(super) fn walk_cell(&self, job: &BisectJob<'_>) -> CellBisect {
        match self.try_walk(job) {
            Ok((report, sandboxed, total)) => CellBisect {
                sandboxed,
                ..from_walk(&report, total)
            },
            Err(e) => CellBisect::not_run(StageStatus::Failed, format!("walk failed: {e:#}")),
        }
    }

    /// The walk, whether it ran sandboxed, and the series' patch count.
    fn try_walk(&self, job: &BisectJob<'_>) -> anyhow::Result<(WalkReport, bool, usize)> {
        let subject = format!("{}@{}", job.series.name, job.tree.name);
        let series = self.load_series(job.series, &subject)?;
        let (key, worktree, unit_dir) = walk_dirs(&self.cache_root, job);
        let out = unit_dir.join("obj");
        let ccache = self.ccache_for(job.unit);
        for d in [&out, &ccache, &worktree] {
            std::fs::create_dir_all(d)
                .map_err(|e| anyhow::anyhow!("creating {}: {e}", d.display()))?;
        }
        let _lock = harness_build::lock_build_dir(&out).ok();
        let (factory, sandboxed) = self
            .factory(job.unit, &[&out, &ccache], &[&job.tree.path, &worktree])
            .map_err(|e| anyhow::anyhow!("sandbox: {e}"))?;
        self.walk_kconfig(job.tree, job.config, &out, factory.as_ref())?;
        let logs = job.run_dir.join("bisect").join(&key);
        std::fs::create_dir_all(&logs)
            .map_err(|e| anyhow::anyhow!("creating {}: {e}", logs.display()))?;
        let mut step = 0usize;
        let mut builder = |src: &Path, id: &str| -> anyhow::Result<_> {
            let log = logs.join(format!("step-{step}.log"));
            step += 1;
            let mut opts =
                self.build_options(log, &unit_dir, &job.config.name, ccache.clone(), id.into());
            // gcc names the worktree's files relative to the build directory.
            opts.strip_prefixes
                .push(crate::walk_run::relative_dir(&out, src));
            Ok(harness_build::build(src, &out, &opts, factory.as_ref())?)
        };
        let input = WalkInput {
            series: &series,
            tree: &job.tree.path,
            worktree: &worktree,
            out: &out,
            apply: Default::default(),
            tree_id: Self::tree_identity(job.tree),
        };
        let report = run_walk(&input, &mut builder, &mut |_| {})?;
        Ok((report, sandboxed, series.patches.len()))
    }

    /// The walk's `.config`: the cell's fragments on the base target, merged
    /// from the base tree into the walk's build directory.
    fn walk_kconfig(
        &self,
        tree: &TreeHandle,
        config: &ConfigEntry,
        out: &Path,
        factory: &dyn harness_build::CommandFactory,
    ) -> anyhow::Result<()> {
        let cell = self.merge_config(&tree.path, out, config, Self::tree_identity(tree), factory);
        if cell.status != StageStatus::Passed {
            anyhow::bail!("kconfig: {}", cell.problems.join("; "));
        }
        Ok(())
    }
}

/// The report's form of a walk: `failed` when a patch broke the build or
/// did not apply (or the base tree did not build), else `passed`.
/// `total`: the series' patch count.
pub fn from_walk(r: &WalkReport, total: usize) -> CellBisect {
    let mut summary = crate::walk::breaks_line(r, total);
    let base_failed = r
        .steps
        .first()
        .is_some_and(|s| s.status == StepStatus::Failed);
    if base_failed {
        summary = format!("the base tree does not build; {summary}");
    }
    if let Some(reason) = r.steps.iter().find_map(|s| s.reason.as_deref()) {
        summary = format!("{summary} ({reason})");
    }
    CellBisect {
        status: if r.failed() {
            StageStatus::Failed
        } else {
            StageStatus::Passed
        },
        summary: summary.replace('\n', "; "),
        sandboxed: false,
        patches: total,
        steps: r.steps.iter().map(step).collect(),
        breaks: r
            .breaks
            .iter()
            .map(|b| BisectBreak {
                broken_by: b.broken_by,
                fixed_by: b.fixed_by,
                error: b.error.as_ref().map(diagnostic),
            })
            .collect(),
        stopped_at: r.stopped_at,
    }
}

fn step(s: &crate::walk::StepReport) -> BisectStep {
    let all = |v: &[WalkDiag]| v.iter().map(diagnostic).collect();
    BisectStep {
        index: s.index,
        name: s.name.clone(),
        status: match s.status {
            StepStatus::Passed => BisectStepStatus::Passed,
            StepStatus::Failed => BisectStepStatus::Failed,
            StepStatus::NotApplied => BisectStepStatus::NotApplied,
        },
        reason: s.reason.clone(),
        seconds: s.seconds,
        recompiled: s.recompiled,
        errors: all(&s.errors),
        warnings_added: all(&s.warnings_added),
        warnings_removed: all(&s.warnings_removed),
    }
}

fn diagnostic(d: &WalkDiag) -> Diagnostic {
    Diagnostic {
        file: d.file.clone().unwrap_or_default(),
        line: d.line.unwrap_or(0) as usize,
        column: d.column.map(|c| c as usize),
        severity: severity(d.severity),
        message: d.message.clone(),
        patch: d.patch.clone(),
        new: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::walk::{Break, StepReport, WALK_SCHEMA};
    use harness_build::Severity;

    fn step(index: usize, status: StepStatus) -> StepReport {
        StepReport {
            index,
            name: format!("000{index}-p.patch"),
            subject: None,
            status,
            reason: None,
            changed_files: vec![],
            seconds: 0.5,
            recompiled: 1,
            errors: vec![],
            warnings_added: vec![],
            warnings_removed: vec![],
            warnings_total: 0,
            reproduce: None,
        }
    }

    fn walk(steps: Vec<StepReport>, stopped_at: Option<usize>) -> WalkReport {
        let mut r = WalkReport {
            schema: WALK_SCHEMA.into(),
            series: "s".into(),
            tree: "t".into(),
            out: "o".into(),
            steps,
            breaks: Vec::<Break>::new(),
            stopped_at,
        };
        r.find_breaks();
        r
    }

    #[test]
    fn a_break_and_its_fix_fail_the_walk_with_one_line() {
        let mut broken = step(2, StepStatus::Failed);
        broken.errors.push(WalkDiag {
            severity: Severity::Error,
            file: Some("net/x.c".into()),
            line: Some(4),
            column: Some(5),
            message: "boom".into(),
            flag: None,
            patch: Some("0002-p.patch".into()),
        });
        use StepStatus::Passed;
        let r = walk(
            vec![step(0, Passed), step(1, Passed), broken, step(3, Passed)],
            None,
        );
        let b = from_walk(&r, 3);
        assert_eq!(b.status, StageStatus::Failed);
        assert_eq!(
            b.summary,
            "2/3 breaks the build: error at net/x.c:4: boom (line from 0002-p.patch); 3/3 fixes it"
        );
        assert_eq!(b.steps.len(), 4);
        assert_eq!(b.steps[2].status, BisectStepStatus::Failed);
        assert_eq!(b.steps[2].errors[0].line, 4);
        assert_eq!((b.breaks[0].broken_by, b.breaks[0].fixed_by), (2, Some(3)));
    }

    #[test]
    fn a_patch_that_does_not_apply_ends_the_walk_with_its_verdict() {
        let mut stuck = step(2, StepStatus::NotApplied);
        stuck.reason = Some("patch 2 is failed: f hunk #1: context not found".into());
        let r = walk(
            vec![
                step(0, StepStatus::Passed),
                step(1, StepStatus::Passed),
                stuck,
            ],
            Some(2),
        );
        let b = from_walk(&r, 3);
        assert_eq!(b.status, StageStatus::Failed);
        assert_eq!(
            b.summary,
            "walk stopped at 2/3: it does not apply (patch 2 is failed: f hunk #1: context not found)"
        );
        let clean = from_walk(
            &walk(
                vec![step(0, StepStatus::Passed), step(1, StepStatus::Passed)],
                None,
            ),
            1,
        );
        assert_eq!(
            (clean.status, clean.summary.as_str()),
            (StageStatus::Passed, "every patch builds")
        );
    }
}
