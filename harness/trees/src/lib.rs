//! harness-trees: pinned kernel trees — definitions, fetch, verify, a shared
//! cache, cheap disposable worktrees, and optional import into git.
//!
//! Cache layout (root given by the caller, e.g. `~/.cache/harness`):
//!
//! ```text
//! <root>/downloads/<package>_<version>_<arch>.deb   kept so `verify` can re-hash it
//! <root>/downloads/<tarball>                         tarballs fetched by URL
//! <root>/trees/<name>/tree/                          the read-only source root
//! <root>/trees/<name>/pin.json                       provenance (harness.tree-pin/1)
//! <root>/trees/<name>/stat.list                      size+mtime per file at fetch (names a changed file)
//! <root>/trees/<name>/.lock                          exclusive lock while fetching
//! <root>/trees/<name>/.use                           shared while a run uses the tree; exclusive to re-pin
//! <root>/trees/.tmp-<name>=*/                        extraction in progress (renamed at the end)
//! ```
//!
//! The library never prints: long waits and steps are reported through
//! [`TreeEvent`] callbacks.

mod cache;
mod error;
mod git;
mod manifest;
mod name;
mod spec;
mod util;
mod verify;
mod worktree;

pub use cache::{
    BaseTree, Check, Fingerprint, Provenance, TreeCache, TreeInUse, VerifyReport, PIN_SCHEMA,
};
pub use error::{Error, Result};
pub use git::{commit_all, import_into_git, GitImport};
pub use manifest::{compute as compute_manifest, Manifest};
pub use name::{check_name, did_you_mean, suggestion, NAME_MAX, NAME_RULE};
pub use spec::{TreeSource, TreeSpec, TreeSpecs, DEFAULTS_YAML};
pub use util::sha256_file;
pub use worktree::{
    check_new_worktree_dest, is_worktree_of, replace_file, resolved_path, Worktree, WorktreeMethod,
    WorktreeOptions, WorktreeStats,
};

/// Progress and waiting notices from cache operations (the library never prints).
#[derive(Debug, Clone)]
pub enum TreeEvent {
    /// Another process holds the tree's lock; this one waits.
    WaitingForLock {
        name: String,
        lock: std::path::PathBuf,
    },
    /// The lock was obtained after waiting.
    LockAcquired { name: String },
    /// Asking apt which versions are on offer / downloading a package or tarball.
    Downloading { name: String, what: String },
    /// Hashing a file (a tarball, a .deb).
    Hashing { path: std::path::PathBuf },
    /// Extracting into a temporary directory inside the cache.
    Extracting {
        name: String,
        from: std::path::PathBuf,
    },
    /// A tree found on disk without pin.json is being verified and adopted.
    Adopting {
        name: String,
        path: std::path::PathBuf,
    },
    /// An out-of-date tree (re-pinned in trees.yaml) is being replaced.
    Replacing { name: String, old: String },
    /// The tree is ready.
    Ready {
        name: String,
        path: std::path::PathBuf,
    },
}
