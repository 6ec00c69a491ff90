//! Cheap disposable worktrees of a read-only base tree.
//!
//! The default method is a **hardlink farm**: directories are created, every file
//! is a hard link to the base's file, symlinks are re-created. Creating one for
//! the 80 000-file 6.1 tree takes well under a second.
//!
//! **Contract for writers** (apply engine, refresh, anything that edits a
//! worktree): never write a file in place. Write a new file and rename it over the
//! old one ([`replace_file`] does this and keeps the mode), or delete and
//! re-create. An in-place write (`open(O_WRONLY|O_TRUNC)`, `sed -i` is fine since
//! it renames) would change the shared inode and so the cached base and every
//! other worktree. The base's files and directories are mode a-w, so such a write
//! fails with EACCES for ordinary users; **root bypasses permission bits**, so
//! when running as root the contract is the only protection.
//!
//! Re-creating a worktree at the same path (a stable path keeps kbuild's `O=`
//! build directory reusable) syncs it instead of rebuilding it: files that are
//! still links to the base are kept (mtimes unchanged, so make rebuilds nothing
//! for them); files the previous series added are removed; files it changed are
//! restored as *private copies with a fresh mtime*, so make sees them as changed
//! (a link back to the base would carry the base's old mtime and make would keep
//! objects built from the patched version). The restored paths are listed in
//! [`WorktreeStats::reverted`].

use crate::manifest::{walk, Entry, Kind};
use crate::util::remove_tree;
use crate::{BaseTree, Error, Result};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::HashMap;
use std::io::Write;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// How to populate a worktree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum WorktreeMethod {
    /// Hard-link farm (the default; works on any local file system).
    Hardlink,
    /// `cp -a --reflink=always`: copy-on-write clones (btrfs, XFS); fails elsewhere.
    Reflink,
    /// `cp -a`: a full copy (slow; for comparison and for writers that cannot
    /// keep the replace-by-rename contract).
    Copy,
}

/// Options for [`Worktree::create_with`].
#[derive(Debug, Clone)]
pub struct WorktreeOptions {
    pub method: WorktreeMethod,
    /// Keep the worktree on drop (for inspection); otherwise it is removed.
    pub keep: bool,
}

impl Default for WorktreeOptions {
    fn default() -> Self {
        WorktreeOptions {
            method: WorktreeMethod::Hardlink,
            keep: false,
        }
    }
}

pub use harness_schema::trees::WorktreeStats;

/// A disposable copy of a base tree. Removed on drop unless kept.
#[derive(Debug)]
pub struct Worktree {
    path: PathBuf,
    base: PathBuf,
    keep: bool,
    pub stats: WorktreeStats,
}

impl Worktree {
    /// Hard-link farm of `base` at `dest`, removed on drop.
    pub fn create(base: &BaseTree, dest: &Path) -> Result<Worktree> {
        Worktree::create_with(&base.path, dest, &WorktreeOptions::default())
    }

    /// Create (or re-sync, when `dest` exists) a worktree of the tree at `base`.
    pub fn create_with(base: &Path, dest: &Path, opts: &WorktreeOptions) -> Result<Worktree> {
        let t0 = Instant::now();
        if dest.starts_with(base) || resolved_path(dest).starts_with(resolved_path(base)) {
            return Err(Error::tree(
                &base.display().to_string(),
                format!(
                    "worktree {} must not be inside the base tree",
                    dest.display()
                ),
            ));
        }
        let mut stats = match opts.method {
            WorktreeMethod::Hardlink => {
                if dest.exists() {
                    sync(base, dest, &walk(base, false)?)?
                } else {
                    farm(base, dest)?
                }
            }
            WorktreeMethod::Reflink | WorktreeMethod::Copy => {
                if dest.exists() {
                    remove_tree(dest)?;
                }
                let mut cmd = std::process::Command::new("cp");
                cmd.arg("-a");
                if opts.method == WorktreeMethod::Reflink {
                    cmd.arg("--reflink=always");
                }
                crate::util::run(cmd.arg("--").arg(base).arg(dest))?;
                // cp -a copies the base's read-only modes; worktrees are writable.
                let entries = walk(dest, false)?;
                entries
                    .par_iter()
                    .filter(|e| e.kind == Kind::Dir)
                    .try_for_each(|e| add_write(&dest.join(&e.rel)))?;
                add_write(dest)?;
                count(&entries)
            }
        };
        stats.seconds = t0.elapsed().as_secs_f64();
        Ok(Worktree {
            path: dest.to_owned(),
            base: base.to_owned(),
            keep: opts.keep,
            stats,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
    pub fn base(&self) -> &Path {
        &self.base
    }
    /// Keep (or stop keeping) the worktree when this value is dropped.
    pub fn set_keep(&mut self, keep: bool) {
        self.keep = keep;
    }
    pub fn kept(&self) -> bool {
        self.keep
    }

    /// Give a file in the worktree its own inode (a private copy), for tools that
    /// must write in place. `rel` is relative to the worktree.
    pub fn make_private(&self, rel: &Path) -> Result<()> {
        let p = self.path.join(rel);
        let bytes = std::fs::read(&p).map_err(|e| Error::io("reading", &p, e))?;
        replace_file(&p, &bytes)
    }

    /// Remove the worktree now (regardless of `keep`).
    pub fn remove(mut self) -> Result<()> {
        self.keep = true; // Drop must not try again
        remove_tree(&self.path)
    }
}

impl Drop for Worktree {
    fn drop(&mut self) {
        if !self.keep {
            let _ = remove_tree(&self.path);
        }
    }
}

/// `path` made absolute with every existing ancestor's symlinks resolved, so
/// two spellings of one place compare equal (`cache/../cache/x`, a symlink
/// into the cache). The part that does not exist yet is normalised lexically.
pub fn resolved_path(path: &Path) -> PathBuf {
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    };
    let mut existing = abs.as_path();
    let mut rest = Vec::new();
    let base = loop {
        if let Ok(c) = std::fs::canonicalize(existing) {
            break c;
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                existing = parent;
            }
            _ => break existing.to_path_buf(),
        }
    };
    let mut out = base;
    for name in rest.iter().rev() {
        match name.to_str() {
            Some("..") => {
                out.pop();
            }
            Some(".") => {}
            _ => out.push(name),
        }
    }
    out
}

/// Check a user-chosen worktree destination (`harness tree worktree NAME
/// DEST`): it must be new or an empty directory (a worktree replaces what is
/// there, so the user's files would be lost), and not inside `cache_root` (it
/// could replace a cached tree). Nothing is changed either way.
pub fn check_new_worktree_dest(dest: &Path, cache_root: &Path) -> Result<()> {
    let refuse = |why: String| Error::tree(&dest.display().to_string(), why);
    let resolved = resolved_path(dest);
    let cache = resolved_path(cache_root);
    if resolved.starts_with(&cache) || cache.starts_with(&resolved) {
        return Err(refuse(format!(
            "worktree destination {} is inside (or holds) the tree cache {}; choose a directory outside it",
            resolved.display(),
            cache.display()
        )));
    }
    match std::fs::symlink_metadata(dest) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io("checking", dest, e)),
        Ok(m) if m.is_dir() => {
            let mut entries = std::fs::read_dir(dest).map_err(|e| Error::io("reading", dest, e))?;
            if entries.next().is_some() {
                return Err(refuse(
                    "worktree destination exists and is not empty; nothing was changed (remove it or choose a new directory)"
                        .into(),
                ));
            }
            Ok(())
        }
        Ok(_) => Err(refuse(
            "worktree destination exists and is not a directory; nothing was changed".into(),
        )),
    }
}

/// Whether `dest` is a hard-link worktree of `base` (its top-level files
/// share inodes with the base's, e.g. `Makefile`), so re-syncing it in place
/// replaces only what an earlier worktree put there, never a user's files.
pub fn is_worktree_of(dest: &Path, base: &Path) -> bool {
    let same = |name: &std::ffi::OsStr| match (
        std::fs::symlink_metadata(dest.join(name)),
        std::fs::symlink_metadata(base.join(name)),
    ) {
        (Ok(a), Ok(b)) => a.is_file() && a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    };
    let Ok(rd) = std::fs::read_dir(base) else {
        return false;
    };
    let files: Vec<_> = rd
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.file_name())
        .collect();
    // A sync reverts changed files to private copies, so not every file
    // need be a link: at least one top-level file still is.
    !files.is_empty() && files.iter().any(|n| same(n))
}

/// Replace `path` with `bytes` by writing a temporary sibling and renaming it over
/// the old file, keeping the old file's permission bits (plus owner write). Never
/// writes through a hard link, so the base tree is never changed.
pub fn replace_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mode = std::fs::metadata(path)
        .map(|m| m.permissions().mode() & 0o7777 | 0o200)
        .unwrap_or(0o644);
    let mut tmp = tempfile::Builder::new()
        .prefix(".harness-tmp-")
        .tempfile_in(dir)
        .map_err(|e| Error::io("creating a file in", dir, e))?;
    tmp.write_all(bytes)
        .map_err(|e| Error::io("writing", tmp.path(), e))?;
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(mode))
        .map_err(|e| Error::io("setting mode on", tmp.path(), e))?;
    tmp.persist(path)
        .map_err(|e| Error::io("renaming into", path, e.error))?;
    Ok(())
}

fn add_write(p: &Path) -> Result<()> {
    let md = std::fs::symlink_metadata(p).map_err(|e| Error::io("reading", p, e))?;
    let mode = md.permissions().mode();
    if mode & 0o200 == 0 {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode | 0o200))
            .map_err(|e| Error::io("setting mode on", p, e))?;
    }
    Ok(())
}

fn count(entries: &[Entry]) -> WorktreeStats {
    let mut s = WorktreeStats::default();
    for e in entries {
        match e.kind {
            Kind::Dir => s.dirs += 1,
            Kind::File => s.files += 1,
            Kind::Symlink(_) => s.symlinks += 1,
            Kind::Other => {}
        }
    }
    s
}

fn create_entry(base: &Path, dest: &Path, e: &Entry) -> Result<()> {
    let to = dest.join(&e.rel);
    match &e.kind {
        Kind::Dir => std::fs::create_dir(&to).map_err(|err| Error::io("creating", &to, err)),
        Kind::File => {
            std::fs::hard_link(base.join(&e.rel), &to).map_err(|err| Error::io("linking", &to, err))
        }
        Kind::Symlink(t) => std::os::unix::fs::symlink(t, &to)
            .map_err(|err| Error::io("creating symlink", &to, err)),
        Kind::Other => Ok(()), // sockets/fifos have no place in a source tree
    }
}

/// Fresh farm in one parallel pass over directories. Each base directory is
/// read once; its files are linked and its symlinks re-created relative to open
/// directory handles (`linkat`/`symlinkat` on two dirfds, so no path is
/// resolved per file: this halves the time of `hard_link` on full paths for the
/// 80 000-file tree), then its subdirectories are created and done in parallel.
fn farm(base: &Path, dest: &Path) -> Result<WorktreeStats> {
    std::fs::create_dir_all(dest).map_err(|e| Error::io("creating", dest, e))?;
    let mut stats = farm_dir(base, dest)?;
    stats.dirs = stats.dirs.saturating_sub(1); // the root itself is not an entry
    Ok(stats)
}

fn open_dir(p: &Path) -> Result<rustix::fd::OwnedFd> {
    use rustix::fs::{Mode, OFlags};
    rustix::fs::open(
        p,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(|e| Error::io("opening directory", p, e.into()))
}

fn farm_dir(base: &Path, dest: &Path) -> Result<WorktreeStats> {
    let bdir = open_dir(base)?;
    let ddir = open_dir(dest)?;
    let rd = std::fs::read_dir(base).map_err(|e| Error::io("reading directory", base, e))?;
    let mut stats = WorktreeStats {
        dirs: 1,
        ..Default::default()
    };
    let mut subdirs = Vec::new();
    for ent in rd {
        let ent = ent.map_err(|e| Error::io("reading directory", base, e))?;
        let ft = ent
            .file_type()
            .map_err(|e| Error::io("reading", &ent.path(), e))?;
        let name = ent.file_name();
        let to = || dest.join(&name);
        if ft.is_dir() {
            std::fs::create_dir(to()).map_err(|e| Error::io("creating", &to(), e))?;
            subdirs.push(name);
        } else if ft.is_file() {
            rustix::fs::linkat(&bdir, &name, &ddir, &name, rustix::fs::AtFlags::empty())
                .map_err(|e| Error::io("linking", &to(), e.into()))?;
            stats.files += 1;
        } else if ft.is_symlink() {
            let t = std::fs::read_link(ent.path())
                .map_err(|e| Error::io("reading link", &ent.path(), e))?;
            std::os::unix::fs::symlink(&t, to())
                .map_err(|e| Error::io("creating symlink", &to(), e))?;
            stats.symlinks += 1;
        } // sockets/fifos have no place in a source tree
    }
    drop((bdir, ddir));
    let nested: Vec<WorktreeStats> = subdirs
        .into_par_iter()
        .map(|n| farm_dir(&base.join(&n), &dest.join(&n)))
        .collect::<Result<_>>()?;
    for n in nested {
        stats.files += n.files;
        stats.dirs += n.dirs;
        stats.symlinks += n.symlinks;
    }
    Ok(stats)
}

/// Re-sync an existing worktree with the base (see the module docs).
fn sync(base: &Path, dest: &Path, entries: &[Entry]) -> Result<WorktreeStats> {
    let have = walk(dest, false)?;
    let want: HashMap<&Path, &Kind> = entries.iter().map(|e| (e.rel.as_path(), &e.kind)).collect();
    let mut stats = count(entries);
    // 1. Remove what the base does not have, or has as another kind.
    let mut extra: Vec<&Entry> = have
        .iter()
        .filter(|h| match (want.get(h.rel.as_path()), &h.kind) {
            (None, _) => true,
            (Some(Kind::Dir), Kind::Dir) | (Some(Kind::File), Kind::File) => false,
            (Some(Kind::Symlink(a)), Kind::Symlink(b)) => a != b,
            _ => true,
        })
        .collect();
    // Deepest first, so a removed directory's contents go before it.
    extra.sort_by_key(|e| std::cmp::Reverse(e.rel.components().count()));
    for e in &extra {
        let p = dest.join(&e.rel);
        if std::fs::symlink_metadata(&p).is_err() {
            continue; // inside a directory already removed
        }
        if e.kind == Kind::Dir {
            remove_tree(&p)?;
        } else {
            std::fs::remove_file(&p).map_err(|err| Error::io("removing", &p, err))?;
        }
    }
    stats.removed = extra.len() as u64;
    let have_kind: HashMap<&Path, &Kind> = have
        .iter()
        .map(|h| (h.rel.as_path(), &h.kind))
        .filter(|(p, _)| !extra.iter().any(|x| x.rel.as_path() == *p))
        .collect();
    // 2. Create missing directories (parents first).
    for e in entries.iter().filter(|e| e.kind == Kind::Dir) {
        if !have_kind.contains_key(e.rel.as_path()) {
            create_entry(base, dest, e)?;
        }
    }
    // 3. Files and symlinks: keep links to the same inode; restore changed files
    //    as private copies with a fresh mtime; create missing ones.
    let results: Vec<Result<(bool, Option<PathBuf>)>> = entries
        .par_iter()
        .filter(|e| e.kind != Kind::Dir)
        .map(|e| {
            let present = have_kind.contains_key(e.rel.as_path());
            if !present {
                create_entry(base, dest, e)?;
                return Ok((false, None));
            }
            if e.kind != Kind::File {
                return Ok((true, None)); // symlink with the same target
            }
            let b = base.join(&e.rel);
            let d = dest.join(&e.rel);
            let bm = std::fs::metadata(&b).map_err(|err| Error::io("reading", &b, err))?;
            let dm = std::fs::symlink_metadata(&d).map_err(|err| Error::io("reading", &d, err))?;
            if bm.dev() == dm.dev() && bm.ino() == dm.ino() {
                return Ok((true, None));
            }
            let bytes = std::fs::read(&b).map_err(|err| Error::io("reading", &b, err))?;
            std::fs::remove_file(&d).map_err(|err| Error::io("removing", &d, err))?;
            let mut f = std::fs::File::create(&d).map_err(|err| Error::io("creating", &d, err))?;
            f.write_all(&bytes)
                .map_err(|err| Error::io("writing", &d, err))?;
            std::fs::set_permissions(
                &d,
                std::fs::Permissions::from_mode(bm.permissions().mode() | 0o200),
            )
            .map_err(|err| Error::io("setting mode on", &d, err))?;
            Ok((false, Some(e.rel.clone())))
        })
        .collect();
    for r in results {
        let (reused, reverted) = r?;
        stats.reused += u64::from(reused);
        if let Some(p) = reverted {
            stats.reverted.push(p);
        }
    }
    stats.reverted.sort();
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, SystemTime};

    fn base() -> (tempfile::TempDir, PathBuf) {
        let d = tempfile::tempdir().unwrap();
        let b = d.path().join("base");
        std::fs::create_dir_all(b.join("dir/sub")).unwrap();
        std::fs::write(b.join("dir/sub/a.c"), "a\n").unwrap();
        std::fs::write(b.join("Makefile"), "all:\n").unwrap();
        std::fs::write(b.join("run.sh"), "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(b.join("run.sh"), std::fs::Permissions::from_mode(0o755)).unwrap();
        std::os::unix::fs::symlink("dir/sub/a.c", b.join("link")).unwrap();
        let entries = walk(&b, false).unwrap();
        crate::manifest::make_read_only(&b, &entries).unwrap();
        (d, b)
    }

    #[test]
    fn farm_mirrors_base_and_replace_never_touches_base() {
        let (d, b) = base();
        let w = d.path().join("w");
        let wt = Worktree::create_with(&b, &w, &WorktreeOptions::default()).unwrap();
        assert_eq!(
            (wt.stats.files, wt.stats.dirs, wt.stats.symlinks),
            (3, 2, 1)
        );
        assert_eq!(
            std::fs::read_link(w.join("link")).unwrap(),
            Path::new("dir/sub/a.c")
        );
        replace_file(&w.join("run.sh"), b"#!/bin/sh\necho patched\n").unwrap();
        assert_eq!(
            std::fs::read_to_string(b.join("run.sh")).unwrap(),
            "#!/bin/sh\n"
        );
        let mode = std::fs::metadata(w.join("run.sh"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o111, 0o111, "exec bits kept");
        assert_eq!(
            crate::manifest::compute(&b).unwrap().files,
            3,
            "base unchanged"
        );
        drop(wt);
        assert!(!w.exists(), "dropped worktree is removed");
    }

    #[test]
    fn recreate_at_same_path_keeps_mtimes_and_freshens_reverted_files() {
        let (d, b) = base();
        let w = d.path().join("w");
        let mut wt = Worktree::create_with(
            &b,
            &w,
            &WorktreeOptions {
                keep: true,
                ..Default::default()
            },
        )
        .unwrap();
        assert!(wt.kept());
        let mtime = |p: &Path| std::fs::symlink_metadata(p).unwrap().modified().unwrap();
        let m_make = mtime(&w.join("Makefile"));
        // A "series": change one file, add one file and one directory.
        std::thread::sleep(Duration::from_millis(20));
        replace_file(&w.join("dir/sub/a.c"), b"patched\n").unwrap();
        std::fs::create_dir(w.join("newdir")).unwrap();
        std::fs::write(w.join("newdir/new.c"), "n\n").unwrap();
        drop(wt);
        let before = SystemTime::now();
        wt = Worktree::create_with(&b, &w, &WorktreeOptions::default()).unwrap();
        assert_eq!(
            mtime(&w.join("Makefile")),
            m_make,
            "unchanged file keeps its mtime"
        );
        assert_eq!(
            std::fs::read_to_string(w.join("dir/sub/a.c")).unwrap(),
            "a\n"
        );
        assert!(
            mtime(&w.join("dir/sub/a.c")) >= before,
            "reverted file must look new to make"
        );
        assert!(!w.join("newdir").exists());
        assert_eq!(wt.stats.reverted, vec![PathBuf::from("dir/sub/a.c")]);
        assert_eq!(wt.stats.removed, 2);
        assert_eq!(wt.stats.reused, 3); // Makefile, run.sh, link
        wt.remove().unwrap();
        assert!(!w.exists());
        assert!(b.join("dir/sub/a.c").exists());
    }

    #[test]
    fn copy_method_gives_writable_independent_tree() {
        let (d, b) = base();
        let w = d.path().join("w");
        let wt = Worktree::create_with(
            &b,
            &w,
            &WorktreeOptions {
                method: WorktreeMethod::Copy,
                keep: false,
            },
        )
        .unwrap();
        assert_eq!(wt.stats.files, 3);
        std::fs::write(w.join("newfile"), "x").unwrap();
        assert!(!b.join("newfile").exists());
    }

    #[test]
    fn worktree_inside_base_is_refused() {
        let (_d, b) = base();
        assert!(Worktree::create_with(&b, &b.join("dir/w"), &WorktreeOptions::default()).is_err());
    }

    #[test]
    fn a_worktree_dest_must_be_new_or_empty_and_outside_the_cache() {
        let d = tempfile::tempdir().unwrap();
        let cache = d.path().join("cache");
        std::fs::create_dir_all(cache.join("trees/t/tree")).unwrap();
        std::fs::write(cache.join("trees/t/tree/Makefile"), "all:\n").unwrap();
        // New and empty destinations are fine.
        assert!(check_new_worktree_dest(&d.path().join("new"), &cache).is_ok());
        std::fs::create_dir(d.path().join("empty")).unwrap();
        assert!(check_new_worktree_dest(&d.path().join("empty"), &cache).is_ok());
        // A non-empty one is refused and left alone.
        std::fs::create_dir(d.path().join("mine")).unwrap();
        std::fs::write(d.path().join("mine/notes"), "keep me").unwrap();
        let e = check_new_worktree_dest(&d.path().join("mine"), &cache).unwrap_err();
        assert!(e.to_string().contains("not empty"), "{e}");
        assert_eq!(
            std::fs::read(d.path().join("mine/notes")).unwrap(),
            b"keep me"
        );
        // Inside the cache, however spelled (.., a symlink), is refused.
        std::os::unix::fs::symlink(&cache, d.path().join("via-link")).unwrap();
        for dest in [
            cache.join("trees/t/tree"),
            cache.join("x/../trees/new"),
            d.path().join("via-link/trees/new"),
        ] {
            let e = check_new_worktree_dest(&dest, &cache).unwrap_err();
            assert!(
                e.to_string().contains("tree cache"),
                "{}: {e}",
                dest.display()
            );
        }
        assert!(cache.join("trees/t/tree/Makefile").is_file());
    }
}
