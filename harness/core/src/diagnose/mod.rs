//! Diagnosis of hunks that do not apply: where the code went and why.
//! Pure: works on lines handed in by the caller (no I/O, no processes).
//!
//! Entry points:
//! - [`diagnose_hunk`] for every hunk that was not applied;
//! - [`placement_warnings`] for every hunk applied with fuzz or at an offset;
//! - [`render_human`] to print a [`Diagnosis`] like a compiler error.

mod align;
mod classify;
mod elsewhere;
mod fuzz;
mod index;
mod missing;
#[cfg(test)]
mod numbering_tests;
mod others;
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
    /// The patch being applied now (1-based; 0 before the first).
    pub current: usize,
    /// How the series itself numbers each patch (`12/12` from its subject),
    /// by 1-based index; patches without a number are named by their index.
    pub labels: Vec<(usize, String)>,
}

/// Which patch failed on a file before the hunk being diagnosed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EarlierFailure {
    /// Another, earlier patch of the series (1-based index and its label).
    Patch { index: usize, label: String },
    /// An earlier part of the patch being applied.
    ThisPatch,
}

impl EarlierFailures {
    /// Start patch `index`, which the series numbers as its subject says
    /// (`[PATCH v2 12/12]` gives `12/12`).
    pub fn begin_patch(&mut self, index: usize, subject: Option<&str>) {
        self.current = index;
        let label = subject
            .and_then(series_number)
            .unwrap_or_else(|| index.to_string());
        self.labels.push((index, label));
    }

    /// The series' own number for patch `index` (`12/12`), else the index.
    pub fn label(&self, index: usize) -> String {
        self.labels
            .iter()
            .find(|(i, _)| *i == index)
            .map(|(_, l)| l.clone())
            .unwrap_or_else(|| index.to_string())
    }

    /// The patch that failed on `path` before: an earlier patch first, else
    /// an earlier part of the current one.
    pub fn failed_on(&self, path: &str) -> Option<EarlierFailure> {
        let mut this_patch = false;
        for (p, f) in &self.failed {
            if f != path {
                continue;
            }
            if *p == self.current {
                this_patch = true;
                continue;
            }
            let label = self.label(*p);
            return Some(EarlierFailure::Patch { index: *p, label });
        }
        this_patch.then_some(EarlierFailure::ThisPatch)
    }
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

/// `N/M` from a subject's bracketed prefix (`[PATCH v3 04/12] net: ...`).
fn series_number(subject: &str) -> Option<String> {
    let inner = subject.trim_start().strip_prefix('[')?.split(']').next()?;
    inner.split_whitespace().rev().find_map(|word| {
        let (n, m) = word.split_once('/')?;
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        (digits(n) && digits(m)).then(|| word.to_owned())
    })
}

/// Explain why `hunk` did not apply. Never panics; `Unknown` only when nothing fits.
/// For several hunks of one file, [`FileDiagnoser`] indexes the file once.
pub fn diagnose_hunk(
    hunk: &HunkContext<'_>,
    tree: &dyn TreeLookup,
    earlier: &EarlierFailures,
) -> Diagnosis {
    FileDiagnoser::new(hunk.file, tree).diagnose(hunk, earlier)
}

/// Diagnoses of the failed hunks of one file: the file and the other files
/// a diagnosis reads are indexed once for all of them, so diagnosing N hunks
/// costs about N small searches, not N scans of the file.
pub struct FileDiagnoser<'a> {
    index: Option<index::FileIndex<'a>>,
    others: others::OtherFiles<'a>,
}

impl<'a> FileDiagnoser<'a> {
    /// `file`: the target file's current lines (`None`: it does not exist).
    pub fn new(file: Option<&'a [&'a str]>, tree: &'a dyn TreeLookup) -> Self {
        FileDiagnoser {
            index: file.map(index::FileIndex::new),
            others: others::OtherFiles::new(tree),
        }
    }

    /// As [`diagnose_hunk`]; the file is the one given to [`FileDiagnoser::new`]
    /// (`hunk.file` is not read).
    pub fn diagnose(&self, hunk: &HunkContext<'_>, earlier: &EarlierFailures) -> Diagnosis {
        classify::diagnose(hunk, self.index.as_ref(), &self.others, earlier)
    }
}
