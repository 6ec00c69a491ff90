//! The apply engine: GNU patch 2.7's hunk location, cumulative over a series,
//! in memory.
//!
//! Reads go to a read-only [`BaseTree`] plus an overlay of files changed by
//! earlier patches of the series. Every hunk gets a verdict; nothing stops at
//! the first failure. The location rules are those of `locate_hunk`,
//! `patch_match` and `apply_hunk` in GNU patch's src/patch.c:
//! fuzz levels 0..=min(max_fuzz, max(prefix, suffix context)), each searching
//! the whole file outward from the expected line (+offset before -offset),
//! the expected line carrying the offset of earlier hunks of the file, never
//! before the last line changed by an earlier hunk (`last_frozen_line`), and
//! hunks with fewer leading than trailing context lines anchored to the start
//! of the file (and the reverse at the end).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::diagnose::{
    self, Cause, Diagnosis, EarlierFailures, FileDiagnoser, HunkContext, Placed, TreeLookup,
};
use crate::patch::{FileOp, FilePatch, Hunk, LineKind, ParsedPatch};
use crate::report::{
    AggregateStatus, ApplyReport, FileResult, HunkResult, HunkStatus, PatchResult, APPLY_SCHEMA,
};

/// A file of the base tree.
#[derive(Debug, Clone)]
pub struct BaseFile {
    pub bytes: Arc<Vec<u8>>,
    /// Unix mode bits as git writes them (e.g. 0o100644), when known.
    pub mode: Option<u32>,
}

/// Git's mode for a symlink: a [`BaseFile`] or [`FileChange::Write`] with
/// this mode is a symlink whose target is its bytes.
pub const SYMLINK_MODE: u32 = 0o120000;

/// What a path of the base tree is, without following a final symlink.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    File,
    Symlink,
    Dir,
    Other,
}

/// Read-only view of the tree the series is applied to.
pub trait BaseTree: Sync {
    /// `Ok(None)` when the file does not exist; `Err(reason)` when the path
    /// must not be read (e.g. it leads out of the tree through a symlink).
    /// A symlink reads as its target with mode [`SYMLINK_MODE`].
    fn read(&self, path: &str) -> Result<Option<BaseFile>, String>;
    /// What is at `path` (whose parents are known to be directories);
    /// `None` when nothing is there.
    fn entry(&self, _path: &str) -> Option<EntryKind> {
        None
    }
}

fn is_symlink_mode(mode: Option<u32>) -> bool {
    mode.is_some_and(|m| m & 0o170000 == SYMLINK_MODE)
}

/// A change to one file made by the series.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileChange {
    Write {
        bytes: Arc<Vec<u8>>,
        mode: Option<u32>,
    },
    Delete,
}

/// Everything the series changed, for writing a tree.
#[derive(Debug, Clone, Default)]
pub struct Changes {
    /// Path (relative to the tree) -> new content or deletion.
    pub files: BTreeMap<String, FileChange>,
    /// Path of the target file -> text of its `.rej` (GNU unified format).
    pub rejects: BTreeMap<String, Vec<u8>>,
}

/// Where one hunk ended up, and the hunk as it now applies (for refresh).
#[derive(Debug, Clone)]
pub struct HunkPlacement {
    pub patch_index: usize,
    pub path: String,
    pub hunk_index: usize,
    pub status: HunkStatus,
    /// Line of the old side in the file as it stood before this patch.
    pub old_start: usize,
    /// Line of the new side in the file after this patch.
    pub new_start: usize,
    pub fuzz: usize,
    pub offset: i64,
    /// For applied hunks: the hunk rewritten with its real position and the
    /// file's actual context lines (`@@ -a,b +c,d @@ ...` and body).
    pub rewritten: Option<Vec<u8>>,
}

#[derive(Debug, Clone, Copy)]
pub struct ApplyOptions {
    /// GNU's `-F`; 2 by default.
    pub max_fuzz: usize,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        ApplyOptions { max_fuzz: 2 }
    }
}

/// One patch of the series as the engine needs it.
pub struct PatchInput<'a> {
    pub index: usize,
    pub name: &'a str,
    pub subject: Option<&'a str>,
    pub parsed: &'a ParsedPatch,
}

/// The result of applying a series.
#[derive(Debug, Clone)]
pub struct SeriesOutcome {
    pub report: ApplyReport,
    pub changes: Changes,
    pub placements: Vec<HunkPlacement>,
}

/// Applies patches one after another over a base tree.
pub struct SeriesApplier<'a> {
    base: &'a dyn BaseTree,
    lookup: &'a dyn TreeLookup,
    opts: ApplyOptions,
    changes: Changes,
    placements: Vec<HunkPlacement>,
    earlier: EarlierFailures,
    patches: Vec<PatchResult>,
    /// What each path changed by the current patch held before it (`None`:
    /// the base tree's file): rename and copy sources are read from the tree
    /// as it stood before the patch, as git and GNU patch do.
    pre_patch: BTreeMap<String, Option<FileChange>>,
    /// Paths the current patch has written (not deleted): a rename's source
    /// that another section of the same patch wrote is not deleted.
    written: BTreeSet<String>,
}

/// Apply `patches` in order; never stops at a failure.
pub fn apply_series(
    base: &dyn BaseTree,
    lookup: &dyn TreeLookup,
    series: &str,
    tree: &str,
    patches: &[PatchInput<'_>],
    opts: ApplyOptions,
) -> SeriesOutcome {
    let mut a = SeriesApplier::new(base, lookup, opts);
    for p in patches {
        a.apply_patch(p);
    }
    a.finish(series, tree)
}

/// Every hunk of a section that cannot be applied: `failed` with the
/// diagnosis `diag` gives it (at GNU's line), or `malformed` as parsed.
fn failed_hunks(f: &FilePatch, mut diag: impl FnMut(&Hunk) -> Diagnosis) -> Vec<HunkResult> {
    f.hunks
        .iter()
        .map(|h| {
            if h.malformed.is_some() {
                return simple_hunk(h, HunkStatus::Malformed, None, None);
            }
            let d = diag(h);
            simple_hunk(h, HunkStatus::Failed, Some(h.gnu_first()), Some(d))
        })
        .collect()
}

/// Combined status of a set of statuses.
pub fn aggregate<I: IntoIterator<Item = AggregateStatus>>(items: I) -> AggregateStatus {
    let (mut ok, mut already, mut failed, mut malformed, mut partial, mut n) = (0, 0, 0, 0, 0, 0);
    for s in items {
        n += 1;
        match s {
            AggregateStatus::Applied => ok += 1,
            AggregateStatus::AlreadyApplied => already += 1,
            AggregateStatus::Failed => failed += 1,
            AggregateStatus::Malformed => malformed += 1,
            AggregateStatus::Partial => partial += 1,
        }
    }
    if n == 0 {
        return AggregateStatus::Applied;
    }
    if partial > 0 || ((ok + already) > 0 && (failed + malformed) > 0) {
        AggregateStatus::Partial
    } else if failed + malformed > 0 {
        if malformed > 0 {
            AggregateStatus::Malformed
        } else {
            AggregateStatus::Failed
        }
    } else if ok > 0 {
        AggregateStatus::Applied
    } else {
        AggregateStatus::AlreadyApplied
    }
}

fn hunk_agg(s: HunkStatus) -> AggregateStatus {
    match s {
        HunkStatus::Applied => AggregateStatus::Applied,
        HunkStatus::Failed => AggregateStatus::Failed,
        HunkStatus::AlreadyApplied => AggregateStatus::AlreadyApplied,
        HunkStatus::Malformed => AggregateStatus::Malformed,
    }
}

mod engine;
mod file;
mod lookup;
mod paths;
mod reject;
mod run;
mod series;
#[cfg(test)]
mod tests;

pub(crate) use engine::split_lines;
pub use lookup::MemTree;
pub use paths::check_path;

use engine::*;
use lookup::*;
use paths::*;
use reject::*;
use run::*;
