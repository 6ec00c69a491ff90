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

pub use harness_schema::diagnosis::{Cause, Closest, Diagnosis, DiffLine, DiffTag};

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
