//! Diagnosis of hunks that do not apply: where the code went and why.
//! Pure: works on lines handed in by the caller.

use serde::{Deserialize, Serialize};

/// Why a hunk did not apply. `Unknown` is a last resort.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Cause {
    ContextDrifted,
    TargetChanged,
    AlreadyApplied,
    PartlyApplied,
    FileMissing,
    FileMoved,
    WhitespaceDamage,
    DependsOnEarlierPatch,
    Ambiguous,
    Malformed,
    Unknown,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Diagnosis {
    pub cause: Cause,
    /// One sentence a maintainer can act on.
    pub summary: String,
}

/// What the caller knows about one hunk that did not apply.
pub struct HunkContext<'a> {
    /// Target path in the tree.
    pub path: &'a str,
    /// Preimage (context and removed lines), without line terminators.
    pub old_lines: &'a [&'a str],
    /// Postimage (context and added lines).
    pub new_lines: &'a [&'a str],
    /// Line where the hunk was expected (1-based, after earlier offsets).
    pub expected_line: usize,
    /// Current content of the target file; `None` when the file does not exist.
    pub file: Option<&'a [&'a str]>,
}

/// Read-only view of the rest of the tree, for rename/move detection.
pub trait TreeLookup {
    /// Paths in the tree whose file name equals `name`.
    fn paths_named(&self, name: &str) -> Vec<String>;
    /// Content of `path`, if it exists.
    fn read(&self, path: &str) -> Option<String>;
}

/// Paths (and the patch index) that earlier patches of the series failed to change.
#[derive(Debug, Default, Clone)]
pub struct EarlierFailures {
    pub failed: Vec<(usize, String)>,
}

pub fn diagnose_hunk(
    _hunk: &HunkContext<'_>,
    _tree: &dyn TreeLookup,
    _earlier: &EarlierFailures,
) -> Diagnosis {
    Diagnosis {
        cause: Cause::Unknown,
        summary: "not diagnosed yet".into(),
    }
}
