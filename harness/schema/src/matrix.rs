//! The `harness.matrix/1` report model (see docs/contract.md).
//! `report.json` is canonical; Markdown, JUnit and HTML are rendered from it.

use crate::status::{StageOutcome, Word};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const MATRIX_SCHEMA: &str = "harness.matrix/1";

pub use crate::apply::{AggregateStatus, ApplyReport, HunkStatus, PatchResult};
pub use crate::boot::{BootReport, BootStatus, TestResult, TestStatus};

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

crate::word_enum! {
    /// Status of the kconfig and build stages.
    pub enum StageStatus ("build") {
        Passed = "passed",
        Failed = "failed",
        Skipped = "skipped",
    }
}

impl StageOutcome for StageStatus {
    fn passed(self) -> bool {
        self == StageStatus::Passed
    }
    fn not_run(self) -> bool {
        self == StageStatus::Skipped
    }
}

crate::word_enum! {
    /// How bad a build diagnostic is.
    pub enum Severity ("severity") {
        Warning = "warning",
        Error = "error",
    }
}

crate::word_enum! {
    /// The resource limit that stopped a build.
    pub enum LimitHit ("limit") {
        WallTime = "wall-time",
        Output = "output",
        Memory = "memory",
    }
}

/// The boot stage of a cell as one word: the boot's status, or `skipped`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BootOutcome {
    Ran(BootStatus),
    Skipped,
}

impl Word for BootOutcome {
    const ALL: &'static [Self] = &[
        BootOutcome::Ran(BootStatus::Passed),
        BootOutcome::Ran(BootStatus::TestsPassedKernelWarned),
        BootOutcome::Ran(BootStatus::TestsFailed),
        BootOutcome::Ran(BootStatus::Panic),
        BootOutcome::Ran(BootStatus::Timeout),
        BootOutcome::Ran(BootStatus::NoOutput),
        BootOutcome::Ran(BootStatus::QemuError),
        BootOutcome::Skipped,
    ];
    const WHAT: &'static str = "boot";
    fn word(self) -> &'static str {
        match self {
            BootOutcome::Ran(s) => s.word(),
            BootOutcome::Skipped => "skipped",
        }
    }
}

impl StageOutcome for BootOutcome {
    fn passed(self) -> bool {
        self == BootOutcome::Ran(BootStatus::Passed)
    }
    fn not_run(self) -> bool {
        self == BootOutcome::Skipped
    }
}

impl std::fmt::Display for BootOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.word())
    }
}

impl Serialize for BootOutcome {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        crate::status::serialize_word(self, s)
    }
}

impl<'de> Deserialize<'de> for BootOutcome {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::status::deserialize_word(d)
    }
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
    pub severity: Severity,
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
    pub limit_hit: Option<LimitHit>,
}

/// Boot stage: a full boot report, or skipped.
///
/// In JSON the two are told apart by what they hold, not by trying one shape
/// and then the other: a `harness.boot/1` report carries `schema`; a skipped
/// boot is exactly `{status: "skipped", reason}`. Anything else is refused
/// with what was found (see [`CellBoot::from_json`]).
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum CellBoot {
    Ran(Box<BootReport>),
    Skipped { status: StageStatus, reason: String },
}

impl CellBoot {
    /// A skipped boot with its reason.
    pub fn skipped(reason: impl Into<String>) -> Self {
        CellBoot::Skipped {
            status: StageStatus::Skipped,
            reason: reason.into(),
        }
    }

    /// Read `cells[].boot`: `schema` present means a boot report (its own
    /// errors are reported as such); else it must be a skipped stage.
    pub fn from_json(v: serde_json::Value) -> Result<Self, String> {
        if v.get("schema").is_some() {
            return serde_json::from_value::<BootReport>(v)
                .map(|b| CellBoot::Ran(Box::new(b)))
                .map_err(|e| format!("boot: a harness.boot/1 report that does not parse: {e}"));
        }
        let status = v.get("status").and_then(|s| s.as_str());
        let reason = v.get("reason").and_then(|s| s.as_str());
        match (status, reason) {
            (Some("skipped"), Some(reason)) => Ok(CellBoot::skipped(reason)),
            _ => Err(format!(
                "boot: neither a harness.boot/1 report (it has no `schema`) nor \
                 {{status: \"skipped\", reason}}: {}",
                clip_json(&v)
            )),
        }
    }
}

impl<'de> Deserialize<'de> for CellBoot {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        CellBoot::from_json(v).map_err(serde::de::Error::custom)
    }
}

/// A JSON value as text, cut to 120 characters, for error messages.
pub(crate) fn clip_json(v: &serde_json::Value) -> String {
    let s = v.to_string();
    match s.char_indices().nth(120) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s,
    }
}

impl CellBoot {
    /// The boot stage as one word.
    pub fn outcome(&self) -> BootOutcome {
        match self {
            CellBoot::Ran(b) => BootOutcome::Ran(b.status),
            CellBoot::Skipped { .. } => BootOutcome::Skipped,
        }
    }
}

/// What a cell is expected to do (from the matrix config), or what it did.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Expectation {
    /// Expected apply status (e.g. "failed" for netns-l2-l3 on modern trees).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub apply: Option<AggregateStatus>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub build: Option<StageStatus>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub boot: Option<BootOutcome>,
    /// The per-patch build walk (`bisect: true` series only): `passed` when
    /// every patch builds, `failed` when one does not (or does not apply),
    /// `skipped` when the walk did not run. Undeclared, it must not fail.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub bisect: Option<StageStatus>,
    /// checkpatch on each patch as posted (`checkpatch: true` series only):
    /// `passed` when no patch has errors or warnings, `failed` when one
    /// has, `skipped` when it could not run. Undeclared, it must not fail.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub checkpatch: Option<StageStatus>,
}

/// One stage: a declared expectation must hold as declared; an undeclared
/// one holds when the stage passed.
fn stage_meets<T: StageOutcome>(want: Option<T>, got: Option<T>) -> bool {
    match want {
        Some(w) => got == Some(w),
        None => got.is_some_and(T::passed),
    }
}

/// The walk: a declared word must hold; undeclared, the walk must not have
/// failed (a walk that did not run is said by the stage that stopped it,
/// and a cell without `bisect: true` has no walk).
fn optional_meets(want: Option<StageStatus>, got: Option<StageStatus>) -> bool {
    match want {
        Some(w) => got == Some(w),
        None => got != Some(StageStatus::Failed),
    }
}

/// One line when a stage did not do what was expected (see
/// [`Expectation::mismatches`]).
fn stage_mismatch<T: StageOutcome>(
    stage: &str,
    want: Option<T>,
    got: Option<T>,
    judge_undeclared: bool,
) -> Option<String> {
    let got_word = got.map_or("nothing", T::word);
    match want {
        Some(w) if got != Some(w) => Some(format!(
            "{stage}: expected {w}, got {got_word}",
            w = w.word()
        )),
        // An undeclared stage must pass; `skipped` after an earlier failure
        // is not listed again.
        None if judge_undeclared && got.is_some_and(|g| !g.passed() && !g.not_run()) => {
            let pass = T::ALL
                .iter()
                .copied()
                .find(|s| s.passed())
                .map_or("passed", T::word);
            Some(format!("{stage}: expected {pass}, got {got_word}"))
        }
        _ => None,
    }
}

impl Expectation {
    /// Whether `actual` meets this expectation. `built`: the cell's tree is
    /// built (else only apply is judged).
    pub fn meets(&self, actual: &Expectation, built: bool) -> bool {
        let apply_ok = stage_meets(self.apply, actual.apply)
            && optional_meets(self.checkpatch, actual.checkpatch);
        if !built {
            return apply_ok;
        }
        apply_ok
            && stage_meets(self.build, actual.build)
            && stage_meets(self.boot, actual.boot)
            && optional_meets(self.bisect, actual.bisect)
    }

    /// One line "stage: expected X, got Y" per stage that did not do what was
    /// expected: a declared expectation that differs, or (with
    /// `judge_undeclared`) an undeclared stage that did not pass.
    pub fn mismatches(&self, actual: &Expectation, judge_undeclared: bool) -> Vec<String> {
        let j = judge_undeclared;
        [
            stage_mismatch("apply", self.apply, actual.apply, j),
            stage_mismatch("build", self.build, actual.build, j),
            stage_mismatch("boot", self.boot, actual.boot, j),
            stage_mismatch("bisect", self.bisect, actual.bisect, j),
            stage_mismatch("checkpatch", self.checkpatch, actual.checkpatch, true),
        ]
        .into_iter()
        .flatten()
        .collect()
    }
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
    /// The per-patch build walk, for a series with `bisect: true`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub bisect: Option<CellBisect>,
    /// How the tree was chosen, for a series with `tree: auto`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub tree_choice: Option<TreeChoice>,
    /// checkpatch on each patch as posted, for a series with
    /// `checkpatch: true` (the same for every config of a series and tree).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub checkpatch: Option<CellCheckpatch>,
    /// One command line per failed stage that runs it again by itself, in
    /// stage order (0-day's reproduce files).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub reproduce: Vec<Reproducer>,
}

/// `tree: auto` on a series: it was applied to every tree of the matrix and
/// only the best tree's cells were kept (fewest failed hunks, then most hunks
/// in the tree, then the first in `trees:` order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreeChoice {
    pub picked: String,
    /// Why: "fewest failed hunks (0), then most in the tree (504)", or the
    /// trees it tied with.
    pub why: String,
    /// Every tree tried, in `trees:` order.
    pub candidates: Vec<TreeCandidate>,
}

/// One tree `tree: auto` tried: hunk counts, or why it could not be used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreeCandidate {
    pub tree: String,
    pub applied: usize,
    pub already_applied: usize,
    /// Failed or malformed hunks.
    pub failed: usize,
    /// The tree or the series could not be used (then it was not a candidate).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub error: Option<String>,
}

/// checkpatch on a cell's series: the stage's status, one line, and the
/// `harness.checkpatch/1` report when it ran.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CellCheckpatch {
    /// `passed`: no patch has an error or a warning (checks do not fail);
    /// `failed`: one has; `skipped`: checkpatch could not run (`summary` says why).
    pub status: StageStatus,
    /// e.g. "2 of 3 patches have warnings or errors: 2/3 (1 error), 3/3 (2 warnings)".
    pub summary: String,
    /// checkpatch.pl ran in the bubblewrap sandbox.
    #[serde(default)]
    pub sandboxed: bool,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub report: Option<crate::checkpatch::CheckpatchReport>,
}

impl CellCheckpatch {
    /// The stage from a report: failed when a patch has errors or warnings.
    pub fn of(report: crate::checkpatch::CheckpatchReport) -> CellCheckpatch {
        let bad: Vec<String> = (report.patches.iter())
            .filter(|p| p.status.failed())
            .map(|p| {
                format!(
                    "{}/{} ({} errors, {} warnings)",
                    p.index,
                    report.patches.len(),
                    p.totals.errors,
                    p.totals.warnings
                )
            })
            .collect();
        let (status, summary) = if bad.is_empty() {
            let n = report.patches.len();
            (
                StageStatus::Passed,
                format!("{n} of {n} patches have no errors or warnings"),
            )
        } else {
            let line = format!(
                "{} of {} patches have errors or warnings: {}",
                bad.len(),
                report.patches.len(),
                bad.join(", ")
            );
            (StageStatus::Failed, line)
        };
        CellCheckpatch {
            status,
            summary,
            sandboxed: false,
            report: Some(report),
        }
    }

    /// checkpatch did not run, and why.
    pub fn not_run(reason: impl Into<String>) -> CellCheckpatch {
        CellCheckpatch {
            status: StageStatus::Skipped,
            summary: reason.into(),
            sandboxed: false,
            report: None,
        }
    }
}

crate::word_enum! {
    /// The stage a reproducer runs again.
    pub enum ReproducedStage ("reproduced stage") {
        Apply = "apply",
        /// checkpatch on every patch as posted.
        Checkpatch = "checkpatch",
        /// The config merge and the build (`harness build` does both).
        Build = "build",
        /// The boot and the guest tests (only the failed ones, when tests failed).
        Boot = "boot",
    }
}

/// A command line (run from the project directory) that reproduces one
/// failed stage of a cell with the exact tree, series choice, config and
/// kernel. `SRC` and `OBJ` are directories the user picks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reproducer {
    pub stage: ReproducedStage,
    pub command: String,
}

crate::word_enum! {
    /// The build after one patch of a walk.
    pub enum BisectStepStatus ("bisect step") {
        Passed = "passed",
        Failed = "failed",
        /// Not built: the patch (or an earlier one) did not apply.
        NotApplied = "not-applied",
    }
}

/// The tree built after every patch of the series, incrementally, in a
/// build directory of its own per (tree, series, config).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CellBisect {
    pub status: StageStatus,
    /// One line: "2/3 breaks the build: error at f.c:4: x; 3/3 fixes it",
    /// "every patch builds", or why the walk did not run.
    pub summary: String,
    #[serde(default)]
    pub sandboxed: bool,
    /// Patches in the series (steps end early when one does not apply).
    #[serde(default)]
    pub patches: usize,
    /// Step 0 is the base tree, then one per patch.
    #[serde(default)]
    pub steps: Vec<BisectStep>,
    #[serde(default)]
    pub breaks: Vec<BisectBreak>,
    /// The patch whose failure to apply ended the walk.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub stopped_at: Option<usize>,
}

impl CellBisect {
    /// A walk that did not run, and why.
    pub fn not_run(status: StageStatus, why: impl Into<String>) -> CellBisect {
        CellBisect {
            status,
            summary: why.into(),
            sandboxed: false,
            patches: 0,
            steps: vec![],
            breaks: vec![],
            stopped_at: None,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BisectStep {
    /// 0 = the base tree, else the 1-based patch index.
    pub index: usize,
    pub name: String,
    pub status: BisectStepStatus,
    /// The apply verdict, for the patch that ended the walk.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub reason: Option<String>,
    pub seconds: f64,
    pub recompiled: usize,
    #[serde(default)]
    pub errors: Vec<Diagnostic>,
    #[serde(default)]
    pub warnings_added: Vec<Diagnostic>,
    #[serde(default)]
    pub warnings_removed: Vec<Diagnostic>,
}

/// A patch that broke the build and the later one that fixed it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BisectBreak {
    pub broken_by: usize,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub fixed_by: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub error: Option<Diagnostic>,
}
