//! The two locks of a cached tree, both `flock`s in `<root>/trees/<name>/`:
//!
//! * `.lock`: one fetcher at a time (download, extract, publish);
//! * `.use`: every run using the tree holds it shared ([`TreeInUse`]) for
//!   as long as it uses the tree; a re-pin takes it exclusive only to swap
//!   the new tree in, so a tree is never replaced under a running build
//!   (the re-pin waits for the builds, which keep building the pin they
//!   report).

use super::{BaseTree, TreeCache};
use crate::spec::{TreeSpec, TreeSpecs};
use crate::{Error, Result, TreeEvent};
use fs4::fs_std::FileExt;
use std::fs::File;

/// A shared hold on one cached tree: while it lives, no re-pin replaces it.
/// (None in a cache this process cannot write, where it could not re-pin
/// either.)
#[derive(Debug)]
pub struct TreeInUse {
    _lock: Option<File>,
}

/// How much of a pinned tree's fingerprint is checked when it is taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fingerprint {
    /// Every file's size and mtime (a stat walk of the whole tree): for
    /// commands that run the tree's own code (`make`) or read any of it.
    Whole,
    /// Nothing now: the caller checks the files it read afterwards with
    /// [`BaseTree::check_files`] (`harness apply` reads only the files its
    /// series touches; a walk of 80 000 files would cost it 10x its work).
    ReadFilesOnly,
}

impl Fingerprint {
    fn check(self, tree: &BaseTree) -> Result<()> {
        match self {
            Fingerprint::Whole => tree.check_fingerprint(),
            Fingerprint::ReadFilesOnly => Ok(()),
        }
    }
}

impl TreeCache {
    /// The fetch lock (exclusive).
    pub(super) fn lock(&self, name: &str) -> Result<File> {
        self.flock(name, ".lock", false)
    }

    /// The use lock exclusive: waits until no run uses the tree.
    pub(super) fn lock_use_exclusive(&self, name: &str) -> Result<File> {
        self.flock(name, ".use", false)
    }

    /// Hold the cached tree `name` shared (waiting while a re-pin swaps it).
    pub fn hold(&self, name: &str) -> Result<TreeInUse> {
        let dir = self.tree_dir(name);
        std::fs::create_dir_all(&dir).map_err(|e| Error::io("creating", &dir, e))?;
        let lock = dir.join(".use");
        let writable = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock);
        // A read-only cache: lock the file read-only if it exists, else
        // hold nothing (nobody can re-pin there).
        if writable.is_err() && std::fs::File::open(&lock).is_err() {
            return Ok(TreeInUse { _lock: None });
        }
        Ok(TreeInUse {
            _lock: Some(self.flock(name, ".use", true)?),
        })
    }

    /// [`TreeCache::fetch`] the tree and hold it: the tree returned is the
    /// one pinned as `spec` says and stays so while the hold lives. Checks
    /// the tree's fingerprint ([`BaseTree::check_fingerprint`]).
    pub fn fetch_in_use(&self, spec: &TreeSpec) -> Result<(BaseTree, Option<TreeInUse>)> {
        self.fetch_in_use_with(spec, Fingerprint::Whole)
    }

    /// [`TreeCache::fetch_in_use`], the fingerprint checked as `fp` says.
    pub fn fetch_in_use_with(
        &self,
        spec: &TreeSpec,
        fp: Fingerprint,
    ) -> Result<(BaseTree, Option<TreeInUse>)> {
        if matches!(spec.source, crate::TreeSource::Directory { .. }) {
            return Ok((self.fetch(spec)?, None));
        }
        // Another project may re-pin the name between the fetch and the
        // hold: then fetch again (each round waits for that re-pin).
        for _ in 0..3 {
            let hold = self.hold(&spec.name)?;
            if let Some(tree) = self.cached(spec) {
                fp.check(&tree)?;
                return Ok((tree, Some(hold)));
            }
            drop(hold);
            self.fetch(spec)?;
        }
        Err(Error::tree(
            &spec.name,
            "re-pinned by another process three times while this run tried to use it",
        ))
    }

    /// [`TreeCache::resolve`], holding a pinned tree ([`TreeCache::fetch_in_use`])
    /// until the last clone of this cache is dropped.
    pub fn resolve_in_use(&self, name_or_dir: &str, specs: &TreeSpecs) -> Result<BaseTree> {
        self.resolve_in_use_with(name_or_dir, specs, Fingerprint::Whole)
    }

    /// [`TreeCache::resolve_in_use`], the fingerprint checked as `fp` says.
    pub fn resolve_in_use_with(
        &self,
        name_or_dir: &str,
        specs: &TreeSpecs,
        fp: Fingerprint,
    ) -> Result<BaseTree> {
        let looks_like_path = name_or_dir.contains('/') || name_or_dir.starts_with('.');
        match specs.get(name_or_dir).filter(|_| !looks_like_path) {
            Some(spec) => {
                let (tree, hold) = self.fetch_in_use_with(spec, fp)?;
                if let (Some(h), Ok(mut holds)) = (hold, self.holds.lock()) {
                    holds.push(h);
                }
                Ok(tree)
            }
            None => self.resolve(name_or_dir, specs),
        }
    }

    /// The tree pinned in the cache as `name`, whatever its pin, held and
    /// its fingerprint checked (for `harness build --tree NAME`, which has
    /// no tree definitions to compare with). None when no tree of that
    /// name is pinned.
    pub fn pinned_in_use(&self, name: &str) -> Result<Option<(BaseTree, TreeInUse)>> {
        self.pinned_in_use_with(name, Fingerprint::Whole)
    }

    /// [`TreeCache::pinned_in_use`], the fingerprint checked as `fp` says.
    pub fn pinned_in_use_with(
        &self,
        name: &str,
        fp: Fingerprint,
    ) -> Result<Option<(BaseTree, TreeInUse)>> {
        if !self.tree_dir(name).is_dir() {
            return Ok(None);
        }
        let hold = self.hold(name)?;
        let path = self.tree_path(name);
        let Some(provenance) = self.read_pin(name).filter(|_| path.is_dir()) else {
            return Ok(None);
        };
        let tree = BaseTree {
            name: name.to_owned(),
            path,
            provenance,
        };
        fp.check(&tree)?;
        Ok(Some((tree, hold)))
    }

    fn flock(&self, name: &str, file: &str, shared: bool) -> Result<File> {
        let p = self.tree_dir(name).join(file);
        let f = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&p)
            .or_else(|_| std::fs::File::open(&p)) // flock needs no write access
            .map_err(|e| Error::io("opening lock", &p, e))?;
        let got = try_lock(&f, shared).map_err(|e| Error::io("locking", &p, e))?;
        if !got {
            self.emit(TreeEvent::WaitingForLock {
                name: name.to_owned(),
                lock: p.clone(),
            });
            lock(&f, shared).map_err(|e| Error::io("locking", &p, e))?;
            self.emit(TreeEvent::LockAcquired {
                name: name.to_owned(),
            });
        }
        Ok(f)
    }
}

fn try_lock(f: &File, shared: bool) -> std::io::Result<bool> {
    if shared {
        FileExt::try_lock_shared(f)
    } else {
        FileExt::try_lock_exclusive(f)
    }
}

fn lock(f: &File, shared: bool) -> std::io::Result<()> {
    if shared {
        FileExt::lock_shared(f)
    } else {
        FileExt::lock_exclusive(f)
    }
}
