//! Diagnosis of hunks that do not apply: where the code went and why.
//! Pure: works on lines handed in by the caller (no I/O, no processes).
//!
//! Entry points:
//! - [`diagnose_hunk`] for every hunk that was not applied;
//! - [`placement_warnings`] for every hunk applied with fuzz or at an offset;
//! - [`render_human`] to print a [`Diagnosis`] like a compiler error.

mod align;
mod classify;
mod fuzz;
mod render;
#[cfg(test)]
mod tests;

pub use fuzz::{fuzz_warnings, near_copy_starts, placement_warnings, Placed, FAR_OFFSET};
pub use render::render_human;

use serde::{Deserialize, Serialize};

/// Why a hunk did not apply. `Unknown` is a last resort.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Cause {
    /// The lines the hunk changes are intact; the context around them changed or moved.
    ContextDrifted,
    /// The lines the hunk changes (or inserts next to) now read differently.
    TargetChanged,
    /// Everything the hunk adds is already there.
    AlreadyApplied,
    /// Much of what the hunk adds is already there (e.g. a later upstream version).
    PartlyApplied,
    /// The target file does not exist and no likely new location was found.
    FileMissing,
    /// The target file does not exist; its content lives at `moved_to`.
    FileMoved,
    /// The preimage matches once whitespace is ignored (mail-mangled patch or tree).
    WhitespaceDamage,
    /// An earlier patch of the series that touched this file failed.
    DependsOnEarlierPatch,
    /// The preimage (or the lines to change) matches in several places.
    Ambiguous,
    Malformed,
    #[default]
    Unknown,
}

impl Cause {
    /// The kebab-case name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Cause::ContextDrifted => "context-drifted",
            Cause::TargetChanged => "target-changed",
            Cause::AlreadyApplied => "already-applied",
            Cause::PartlyApplied => "partly-applied",
            Cause::FileMissing => "file-missing",
            Cause::FileMoved => "file-moved",
            Cause::WhitespaceDamage => "whitespace-damage",
            Cause::DependsOnEarlierPatch => "depends-on-earlier-patch",
            Cause::Ambiguous => "ambiguous",
            Cause::Malformed => "malformed",
            Cause::Unknown => "unknown",
        }
    }
}

/// Best alignment of the hunk's preimage in the current file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Closest {
    /// 1-based line in the current file where the aligned region starts.
    pub line: usize,
    /// Number of lines of the aligned region in the file.
    pub len: usize,
    /// Fraction of preimage lines found there, in order (0..1).
    pub score: f64,
}

/// One line of the expected-vs-found comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DiffTag {
    /// In the hunk's preimage and in the file.
    Same,
    /// Expected by the hunk, not found in the file.
    Expected,
    /// Found in the file, not expected by the hunk.
    Found,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffLine {
    pub tag: DiffTag,
    pub text: String,
    /// 1-based line in the current file (for `same` and `found`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub line: Option<usize>,
}

/// Why a hunk did not apply, where the code went and what to do next.
///
/// Build with [`Diagnosis::new`] (all other fields default to empty) so new
/// optional fields never break callers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Diagnosis {
    pub cause: Cause,
    /// One sentence a maintainer can act on.
    pub summary: String,
    /// What to do next ("rebase the hunk onto line 512 where ...").
    #[serde(skip_serializing_if = "String::is_empty", default)]
    pub next_step: String,
    /// Best alignment of the preimage in the file (none when nothing matches).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub closest: Option<Closest>,
    /// Expected (preimage) vs found (file at `closest`), line by line.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub diff: Vec<DiffLine>,
    /// For `file-moved`: the likely new path.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub moved_to: Option<String>,
    /// For `ambiguous`: 1-based lines where the preimage (or its changed lines) matches.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub candidates: Vec<usize>,
    /// For `depends-on-earlier-patch`: the series index of that patch.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub earlier_patch: Option<usize>,
    /// 1-based lines of the current file that conflict with the hunk (input for blame).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub conflict_lines: Vec<usize>,
    /// Commits that last changed the conflicting lines, `<short sha> <subject>`
    /// (filled by the orchestration layer when the tree is a git repository).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub blame: Vec<String>,
}

impl Diagnosis {
    pub fn new(cause: Cause, summary: impl Into<String>) -> Self {
        Diagnosis {
            cause,
            summary: summary.into(),
            ..Default::default()
        }
    }
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
    /// Optional: paths of files directly inside directory `dir` (no trailing
    /// slash; "" = root), used to look for renamed files next to the old
    /// location. Default: none.
    fn paths_in_dir(&self, _dir: &str) -> Vec<String> {
        Vec::new()
    }
}

/// A hunk an earlier patch of the series failed to apply.
#[derive(Debug, Default, Clone)]
pub struct EarlierHunk {
    /// 1-based series index of the patch.
    pub patch: usize,
    pub path: String,
    /// Lines that hunk would have added (its `+` lines).
    pub added: Vec<String>,
}

/// Paths (and the patch index) that earlier patches of the series failed to change.
///
/// Build with `EarlierFailures::default()` and the `record*` methods.
#[derive(Debug, Default, Clone)]
pub struct EarlierFailures {
    /// (1-based patch index, path) for every file an earlier patch failed on.
    pub failed: Vec<(usize, String)>,
    /// Optional detail: the failed hunks themselves, so a later hunk whose
    /// preimage needs their lines is reported as depending on them.
    pub hunks: Vec<EarlierHunk>,
}

impl EarlierFailures {
    /// Record that patch `patch` failed on `path` (idempotent).
    pub fn record(&mut self, patch: usize, path: &str) {
        if !self.failed.iter().any(|(p, f)| *p == patch && f == path) {
            self.failed.push((patch, path.to_owned()));
        }
    }

    /// Record a failed hunk (call it for every hunk left failed; also records the path).
    pub fn record_hunk(
        &mut self,
        patch: usize,
        path: &str,
        old_lines: &[&str],
        new_lines: &[&str],
    ) {
        self.record(patch, path);
        let added = align::added_lines(old_lines, new_lines)
            .into_iter()
            .map(str::to_owned)
            .collect();
        self.hunks.push(EarlierHunk {
            patch,
            path: path.to_owned(),
            added,
        });
    }
}

/// Explain why `hunk` did not apply. Never panics; `Unknown` only when nothing fits.
pub fn diagnose_hunk(
    hunk: &HunkContext<'_>,
    tree: &dyn TreeLookup,
    earlier: &EarlierFailures,
) -> Diagnosis {
    classify::diagnose(hunk, tree, earlier)
}
