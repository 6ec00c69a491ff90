//! The one resolver of a TREE argument, for every command that takes one
//! (`apply`, `refresh`, `refresh-check`, `checkpatch`, `check`, `kconfig`,
//! `build`, `--tree auto`'s pinned candidates). The matrix resolves its
//! trees through the same cache call, [`harness_trees::TreeCache::resolve_in_use`].
//!
//! - An existing directory is used as it is (a cache entry `NAME/` holding
//!   `tree/` is accepted too). When it is a pinned tree of a cache
//!   (`<cache>/trees/NAME/tree`), it is held and reported as that pin.
//! - Else a name defined in trees.yaml (or the built-in definitions): fetched
//!   when missing, held, its fingerprint checked.
//! - Else a name pinned in the cache without a definition here (fetched with
//!   another project's trees.yaml): held, its fingerprint checked.
//!
//! A held tree cannot be re-pinned under the command (the re-pin waits).

use anyhow::Context;
use harness_core::report::TreeIdentity;
use harness_trees::{BaseTree, Fingerprint, TreeInUse};
use std::path::{Path, PathBuf};

/// A TREE argument resolved.
pub struct ResolvedTree {
    /// The source directory (absolute).
    pub path: PathBuf,
    /// What the reports say it is.
    pub identity: TreeIdentity,
    /// Keeps a pinned tree from being re-pinned while it is used.
    _hold: Option<TreeInUse>,
    /// A pinned tree whose fingerprint is checked on the files read
    /// ([`ResolvedTree::check_read`]) rather than when it was taken.
    deferred: Option<BaseTree>,
}

impl ResolvedTree {
    /// For a tree taken with [`resolve_for_reading`]: the files the command
    /// read (relative to the tree) still have the size and mtime the fetch
    /// recorded. Call it after reading, before reporting.
    pub fn check_read<'a>(&self, rels: impl IntoIterator<Item = &'a Path>) -> anyhow::Result<()> {
        match &self.deferred {
            Some(base) => Ok(base.check_files(rels)?),
            None => Ok(()),
        }
    }

    /// The directory and identity, the hold kept until the process ends
    /// (for `--tree auto`'s candidates, compared and used later).
    pub fn held_for_process(self) -> (PathBuf, TreeIdentity) {
        static HOLDS: std::sync::Mutex<Vec<TreeInUse>> = std::sync::Mutex::new(Vec::new());
        if let (Some(h), Ok(mut holds)) = (self._hold, HOLDS.lock()) {
            holds.push(h);
        }
        (self.path, self.identity)
    }
}

/// Resolve `tree` (a directory or a tree name); see the module docs. A
/// pinned tree's whole fingerprint is checked: for commands that run the
/// tree's code or may read any of it.
pub fn resolve(tree: &str) -> anyhow::Result<ResolvedTree> {
    resolve_with(tree, Fingerprint::Whole)
}

/// [`resolve`] for a command that reads only the files its series touches
/// (`harness apply`): the fingerprint is checked on those files afterwards
/// ([`ResolvedTree::check_read`]), not by a stat walk of the whole tree.
pub fn resolve_for_reading(tree: &str) -> anyhow::Result<ResolvedTree> {
    resolve_with(tree, Fingerprint::ReadFilesOnly)
}

fn resolve_with(tree: &str, fp: Fingerprint) -> anyhow::Result<ResolvedTree> {
    let p = Path::new(tree);
    if p.is_dir() {
        return directory(tree, p, fp);
    }
    if p.exists() {
        anyhow::bail!("tree `{tree}` is not a directory");
    }
    named(tree, fp)
}

fn directory(tree: &str, p: &Path, fp: Fingerprint) -> anyhow::Result<ResolvedTree> {
    let dir = if !p.join("Makefile").is_file() && p.join("tree/Makefile").is_file() {
        p.join("tree")
    } else {
        p.to_owned()
    };
    // Absolute: the sandbox binds it at the same path.
    let dir = std::path::absolute(&dir).with_context(|| format!("resolving {tree}"))?;
    if let Some((root, name)) = cache_entry(&dir) {
        if let Some((base, hold)) = pinned_in(&root, &name, fp)? {
            return Ok(pinned(base, Some(hold), fp));
        }
    }
    let identity = TreeIdentity {
        name: tree.to_owned(),
        kind: "directory".into(),
        pinned: false,
        version: None,
        sha256: None,
        commit: harness_orchestrate::blame::own_head(&dir),
    };
    Ok(ResolvedTree {
        path: dir,
        identity,
        _hold: None,
        deferred: None,
    })
}

fn named(tree: &str, fp: Fingerprint) -> anyhow::Result<ResolvedTree> {
    let specs = crate::cmd::tree::load_specs(None)?;
    if tree.contains('/') || specs.get(tree).is_none() {
        if let Some((base, hold)) = pinned_in(&crate::common::cache_dir(), tree, fp)? {
            return Ok(pinned(base, Some(hold), fp));
        }
    }
    // Defined (fetched if needed) or not: the cache's message says which.
    // The cache keeps the hold; it lives as long as the process.
    let base = crate::cmd::tree::resolve(tree, None, fp).with_context(|| {
        format!(
            "tree `{tree}` is not a directory and cannot be used as a pinned tree \
             (list names with `harness tree list`; fetch with `harness tree fetch NAME`)"
        )
    })?;
    Ok(pinned(base, None, fp))
}

fn pinned(base: BaseTree, hold: Option<TreeInUse>, fp: Fingerprint) -> ResolvedTree {
    let pin = &base.provenance;
    let identity = TreeIdentity {
        name: base.name.clone(),
        kind: pin.kind.clone(),
        pinned: pin.pinned,
        version: pin.version.clone(),
        sha256: pin.sha256.clone(),
        commit: pin.commit.clone(),
    };
    let deferred = (fp == Fingerprint::ReadFilesOnly).then(|| base.clone());
    ResolvedTree {
        path: base.path,
        identity,
        _hold: hold,
        deferred,
    }
}

/// The tree pinned as `name` in the cache at `root`, held.
fn pinned_in(
    root: &Path,
    name: &str,
    fp: Fingerprint,
) -> anyhow::Result<Option<(BaseTree, TreeInUse)>> {
    if name.contains('/') || !root.join("trees").join(name).is_dir() {
        return Ok(None);
    }
    let cache = harness_trees::TreeCache::open(root)
        .with_context(|| format!("opening the tree cache {}", root.display()))?;
    Ok(cache.pinned_in_use_with(name, fp)?)
}

/// `(cache root, name)` when `dir` is `<root>/trees/<name>/tree` with a pin.
fn cache_entry(dir: &Path) -> Option<(PathBuf, String)> {
    let dir = std::fs::canonicalize(dir).ok()?;
    let entry = dir.parent()?;
    let trees = entry.parent()?;
    let ok = dir.file_name()? == "tree"
        && trees.file_name()? == "trees"
        && entry.join("pin.json").is_file();
    let name = entry.file_name()?.to_string_lossy().into_owned();
    ok.then(|| (trees.parent().unwrap_or(trees).to_owned(), name))
}
