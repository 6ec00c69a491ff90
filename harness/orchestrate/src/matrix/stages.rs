//! The stages of a matrix run and what each hands the next.
//!
//! Every stage returns what the next one needs, so the data flow is in the
//! signatures (and the fake stages of the tests follow it): `apply` returns
//! the changes and the lines each patch added; `prepare_source` turns them
//! into a source directory; `build` returns the kernel and its `.config`;
//! `boot` takes the kernel and the source directory (the tree's selftests).

use super::config::{ConfigEntry, SeriesEntry};
use harness_report::model::{
    AggregateStatus, BootReport, CellBisect, CellBuild, CellKconfig, PatchResult, StageStatus,
};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

harness_report::word_enum! {
    /// A stage of a matrix run.
    pub enum Stage ("stage") {
        Fetch = "fetch",
        Apply = "apply",
        Source = "source",
        Build = "build",
        Boot = "boot",
        Bisect = "bisect",
        Checkpatch = "checkpatch",
    }
}

/// A stage that could not run, with what it was running on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{subject}: {stage}{}: {message}", path.as_ref().map(|p| format!(" {}", p.display())).unwrap_or_default())]
pub struct StageError {
    pub stage: Stage,
    /// The tree, `series@tree` pair or build unit.
    pub subject: String,
    /// The file or directory the error is about, when there is one.
    pub path: Option<PathBuf>,
    pub message: String,
}

impl StageError {
    pub fn new(stage: Stage, subject: impl Into<String>, message: impl Into<String>) -> Self {
        StageError {
            stage,
            subject: subject.into(),
            path: None,
            message: message.into(),
        }
    }

    pub fn at(mut self, path: impl Into<PathBuf>) -> Self {
        self.path = Some(path.into());
        self
    }
}

/// A resolved tree.
#[derive(Debug, Clone)]
pub struct TreeHandle {
    pub name: String,
    pub path: PathBuf,
    pub provenance: serde_json::Value,
}

/// Per file, the lines each patch of a series added (final coordinates).
pub type Attribution = BTreeMap<String, Vec<harness_build::PatchLines>>;

/// What applying one series to one tree produced.
#[derive(Debug, Clone)]
pub struct Applied {
    pub status: AggregateStatus,
    pub patches: Vec<PatchResult>,
    /// Identity of the patched source (hash of the changes); used to share
    /// builds between cells with identical sources.
    pub source_key: String,
    /// Human-readable apply log (one line per hunk not exact).
    pub log: String,
    /// Some patch of the series came from mail (its build is untrusted).
    pub from_mail: bool,
    /// The files the series writes, for its worktree.
    pub changes: harness_core::apply::Changes,
    /// The lines each patch added, for warning attribution.
    pub added: Attribution,
}

/// Where a build unit's sources come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceKind {
    /// The pristine base tree (the series did not apply, or a baseline).
    Base,
    /// A worktree of the base tree with this series applied.
    Series(String),
}

/// One distinct source tree to build with every config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildUnit {
    /// Stable key, also a directory name (see [`super::plan::unit_key`]).
    pub key: String,
    pub tree: String,
    pub kind: SourceKind,
    pub source_key: String,
    pub from_mail: bool,
}

/// A unit's source directory, ready to build, with what its build needs.
#[derive(Debug, Clone)]
pub struct Source {
    pub dir: PathBuf,
    /// The lines each patch added (empty for the base tree).
    pub added: Attribution,
}

/// A kernel a build produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kernel {
    pub image: PathBuf,
    /// The complete `.config` it was built with, when the build kept it.
    pub config: Option<PathBuf>,
}

/// What one build produced.
#[derive(Debug, Clone)]
pub struct BuildResult {
    pub kconfig: CellKconfig,
    pub build: CellBuild,
    /// The bootable kernel when the build passed.
    pub kernel: Option<Kernel>,
    /// Build log path (absolute), when one was written.
    pub log: Option<PathBuf>,
}

/// One per-patch walk: `series` on `unit`'s tree with `config`.
pub struct BisectJob<'a> {
    /// The unit of the cell's whole-series build (its sandboxing is the walk's).
    pub unit: &'a BuildUnit,
    pub tree: &'a TreeHandle,
    pub series: &'a SeriesEntry,
    pub config: &'a ConfigEntry,
    pub run_dir: &'a Path,
}

/// The stage implementations.
pub trait Stages: Sync {
    fn resolve_tree(&self, name: &str) -> Result<TreeHandle, StageError>;
    /// Load and apply a series (already narrowed by `take`) to a tree.
    fn apply(&self, series: &SeriesEntry, tree: &TreeHandle) -> Result<Applied, StageError>;
    /// The directory `unit` builds: the base tree, or a worktree with
    /// `applied`'s changes written in (`applied` is given for series units).
    fn prepare_source(
        &self,
        unit: &BuildUnit,
        tree: &TreeHandle,
        applied: Option<&Applied>,
    ) -> Result<Source, StageError>;
    /// Build `source` (of `unit`, from `tree`) with `config`.
    fn build(
        &self,
        unit: &BuildUnit,
        tree: &TreeHandle,
        source: &Source,
        config: &ConfigEntry,
        run_dir: &Path,
    ) -> BuildResult;
    /// Boot `kernel` and run the guest tests (and `source`'s selftests).
    fn boot(
        &self,
        kernel: &Kernel,
        source: &Source,
        symbols: &BTreeMap<String, String>,
        console_log: &Path,
    ) -> BootReport;
    /// Build the tree after every patch of the job's series.
    fn bisect(&self, job: &BisectJob<'_>) -> CellBisect {
        CellBisect::not_run(
            StageStatus::Skipped,
            format!("{}: these stages do not walk series", job.series.name),
        )
    }
    /// checkpatch on every patch of `series` as posted, with `tree`'s script.
    fn checkpatch(
        &self,
        series: &SeriesEntry,
        _tree: &TreeHandle,
    ) -> harness_report::model::CellCheckpatch {
        harness_report::model::CellCheckpatch::not_run(format!(
            "{}: these stages do not run checkpatch",
            series.name
        ))
    }
}
