//! Why a hunk did not apply: the diagnosis carried by `harness.apply/1`'s
//! failed hunks (`files[].hunks[].diagnosis`).

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
