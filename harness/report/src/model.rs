//! The `harness.matrix/1` report model (see docs/contract.md).
//! `report.json` is canonical; Markdown, JUnit and HTML are rendered from it.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const MATRIX_SCHEMA: &str = "harness.matrix/1";

pub use harness_boot::report::{BootReport, BootStatus, TestResult, TestStatus};
pub use harness_core::report::{AggregateStatus, ApplyReport, HunkStatus, PatchResult};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MatrixReport {
    pub schema: String,
    pub run_id: String,
    pub started: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub finished: Option<String>,
    /// False while running or when the run was interrupted.
    pub complete: bool,
    /// Shard "i/n" when this report covers part of a matrix.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub shard: Option<String>,
    /// Trees used, with exactly what was pinned (package version, hashes, commit).
    pub trees: Vec<TreeInfo>,
    pub cells: Vec<Cell>,
    /// Totals for a quick look.
    pub summary: Summary,
    /// The run this one was compared with (the `--compare` baseline, else
    /// the previous complete run in the same results directory) and what
    /// changed since it; absent for a first run.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub previous: Option<PreviousRun>,
}

/// The previous run and the changes since it, as `harness report compare`
/// counts them (compare.json in the run directory has every change).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviousRun {
    pub run_id: String,
    /// The previous run's directory relative to this one's (`../ID`), when
    /// both are in one results directory.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub dir: Option<String>,
    pub regressions: usize,
    pub fixes: usize,
    pub other: usize,
    /// One line per regression, the first few (`compare::PREVIOUS_HEADLINES`).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub headlines: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TreeInfo {
    pub name: String,
    /// Free-form provenance (kind, package, version, sha256, commit, pinned).
    pub provenance: serde_json::Value,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Summary {
    pub cells: usize,
    pub as_expected: usize,
    pub unexpected: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConfigInfo {
    pub name: String,
    /// Requested symbol values, e.g. {"CONFIG_IP_MULTIPLE_TABLES": "n"}.
    pub symbols: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StageStatus {
    Passed,
    Failed,
    Skipped,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CellApply {
    pub status: AggregateStatus,
    pub patches: Vec<PatchResult>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CellKconfig {
    pub status: StageStatus,
    /// Requested symbols that did not survive olddefconfig, explained.
    #[serde(default)]
    pub problems: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Diagnostic {
    pub file: String,
    pub line: usize,
    pub column: Option<usize>,
    pub severity: String,
    pub message: String,
    /// Patch that touched this line, or null for the base tree.
    pub patch: Option<String>,
    /// For a series cell: true when the same config's build of the base tree
    /// in this run (the baseline) did not have this diagnostic, i.e. the
    /// series introduced it; absent when the run has no baseline build.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub new: Option<bool>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CellBuild {
    pub status: StageStatus,
    /// True when the tree was built without the series (series failed to apply).
    #[serde(default)]
    pub base_only: bool,
    pub seconds: f64,
    /// Objects recompiled in this build.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub recompiled: Option<usize>,
    /// True when inputs were unchanged and make was not run.
    #[serde(default)]
    pub reused: bool,
    #[serde(default)]
    pub sandboxed: bool,
    #[serde(default)]
    pub errors: Vec<Diagnostic>,
    #[serde(default)]
    pub warnings: Vec<Diagnostic>,
    /// Relative path (inside the run directory) of the build log.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub log: Option<String>,
    #[serde(default)]
    pub log_excerpt: Vec<String>,
    /// The resource limit that stopped the build (`wall-time`, `output`,
    /// `memory`), if one did.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub limit_hit: Option<String>,
}

/// Boot stage: a full boot report, or skipped.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum CellBoot {
    Ran(BootReport),
    Skipped { status: StageStatus, reason: String },
}

/// What a cell is expected to do, from the matrix config.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Expectation {
    /// Expected apply status (e.g. "failed" for netns-l2-l3 on modern trees).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub apply: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub build: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub boot: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Cell {
    /// Stable id "series@tree:config".
    pub id: String,
    pub series: String,
    pub tree: String,
    pub config: ConfigInfo,
    pub apply: CellApply,
    pub kconfig: CellKconfig,
    pub build: CellBuild,
    pub boot: CellBoot,
    pub tests: Vec<TestResult>,
    pub expected: Expectation,
    /// Actual outcome in the same terms as `expected`.
    pub actual: Expectation,
    /// True when every declared expectation holds (and undeclared stages passed).
    pub as_expected: bool,
    /// Relative paths of per-cell logs (build, console, apply).
    #[serde(default)]
    pub logs: BTreeMap<String, String>,
}
