//! `harness.trees/1`: what `harness tree fetch|list|verify|worktree --json`
//! write, one document type per subcommand.

use crate::tree_pin::Provenance;
use serde::Serialize;
use std::path::PathBuf;

pub const TREES_SCHEMA: &str = "harness.trees/1";

/// `tree fetch --json`: the trees fetched (or found in the cache).
#[derive(Debug, Clone, Serialize)]
pub struct TreesFetch {
    pub schema: String,
    pub trees: Vec<FetchedTree>,
}

/// A tree ready for use: its read-only source root and provenance.
#[derive(Debug, Clone, Serialize)]
pub struct FetchedTree {
    pub name: String,
    pub path: PathBuf,
    pub provenance: Provenance,
}

/// `tree list --json`: every defined tree.
#[derive(Debug, Clone, Serialize)]
pub struct TreesList {
    pub schema: String,
    pub trees: Vec<ListedTree>,
}

/// One tree of trees.yaml and whether it is in the cache.
#[derive(Debug, Clone, Serialize)]
pub struct ListedTree {
    pub name: String,
    /// `debian`, `tarball`, `git` or `directory`.
    pub kind: String,
    pub pinned: bool,
    /// One-line summary of the pin.
    pub pin: String,
    pub description: Option<String>,
    pub cached: bool,
    /// The cached tree's source root.
    pub path: Option<PathBuf>,
}

/// `tree verify --json`: every check of every tree named.
#[derive(Debug, Clone, Serialize)]
pub struct TreesVerify {
    pub schema: String,
    /// Every check of every tree passed.
    pub ok: bool,
    pub verify: Vec<VerifyReport>,
}

/// `tree worktree --json`: the disposable copy made.
#[derive(Debug, Clone, Serialize)]
pub struct TreesWorktree {
    pub schema: String,
    pub worktree: PathBuf,
    pub base: PathBuf,
    pub stats: WorktreeStats,
}

/// One verification step and its result.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub what: String,
    pub path: PathBuf,
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// Result of `verify`: every check, run even when an earlier one failed.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    pub name: String,
    pub kind: String,
    pub pinned: bool,
    pub ok: bool,
    pub checks: Vec<Check>,
}

/// What creating a worktree did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct WorktreeStats {
    pub files: u64,
    pub dirs: u64,
    pub symlinks: u64,
    /// Entries already correct when re-creating at an existing path.
    pub reused: u64,
    /// Entries removed because the base does not have them (added by a previous series).
    pub removed: u64,
    /// Files restored from the base as private copies with a fresh mtime.
    pub reverted: Vec<PathBuf>,
    pub seconds: f64,
}
