//! `harness.build/2`: what `harness build --json` writes, the kconfig merge
//! and the make run's outcome, with the diagnostics parsed from its log.

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

pub const BUILD_SCHEMA: &str = "harness.build/2";

/// The document `harness build --json` writes: the merge, and the build
/// when one ran (`build` is absent when a requested symbol was dropped).
/// In `/1` the `build` object repeated `schema: "harness.build/1"`; it is
/// part of this document, not one of its own, and carries none since `/2`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BuildReport {
    pub schema: String,
    pub kconfig: crate::kconfig::KconfigOutcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build: Option<BuildOutcome>,
}

/// A resource limit that stopped a build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LimitHit {
    WallTime,
    Output,
    Memory,
}

impl LimitHit {
    pub fn as_str(self) -> &'static str {
        match self {
            LimitHit::WallTime => "wall-time",
            LimitHit::Output => "output",
            LimitHit::Memory => "memory",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BuildStatus {
    Passed,
    Failed,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BuildOutcome {
    pub status: BuildStatus,
    /// Wall time of this call (a reuse is fast).
    pub seconds: f64,
    /// Wall time of the make run that produced the result.
    pub make_seconds: f64,
    /// Objects compiled by this make run (`CC`/`AS` lines); 0 on reuse.
    pub recompiled_objects: usize,
    /// Result taken from the cache: make did not run.
    pub reused: bool,
    /// A leftover marker showed the previous build was interrupted; its
    /// half-written files were removed before building.
    pub recovered_interrupted: bool,
    /// Files removed by that recovery.
    pub recovered_removed_files: usize,
    pub errors: Vec<Diagnostic>,
    pub warnings: Vec<Diagnostic>,
    pub log_path: PathBuf,
    /// The log lines around the first error (or the tail when none parsed).
    pub log_excerpt: String,
    /// The artifact (first target) in the output or artifacts directory.
    pub artifact: Option<PathBuf>,
    /// Hash of the build's inputs (.config, sources, targets, harness version).
    pub input_key: String,
    pub make_command: String,
    pub ccache: bool,
    /// The resource limit that stopped make, if one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit_hit: Option<LimitHit>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

/// One warning or error from a build log.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Which tool said it: `cc`, `ld`, `modpost`, `make`, `kbuild`.
    pub tool: String,
    /// Path as printed, with known prefixes (source root, output dir) removed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
    pub message: String,
    /// The warning option, e.g. `-Wunused-variable`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flag: Option<String>,
    /// 1-based line in the log.
    pub log_line: usize,
}
