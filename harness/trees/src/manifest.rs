//! A parallel walk of a tree, and the manifest recorded at fetch so that
//! `verify` can tell a complete, unchanged tree from a damaged or modified
//! one: the listing (names, sizes, exec bits, symlink targets) and, since
//! issue 23, the content (every file's sha256, hashed once at fetch: about
//! 5-10 s for the 1.5 GB, 78 000-file 6.1 tree on two shared cores).

use crate::{Error, Result};
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kind {
    Dir,
    File,
    Symlink(PathBuf),
    Other,
}

#[derive(Debug, Clone)]
pub(crate) struct Entry {
    /// Path relative to the walked root.
    pub rel: PathBuf,
    pub kind: Kind,
    /// Size and mode (only when the walk asked for metadata).
    pub size: u64,
    pub mode: u32,
    /// Modification time (seconds, nanoseconds), with the metadata.
    pub mtime: (i64, i64),
}

/// Walk `root` (not following symlinks), in parallel over directories.
/// With `meta`, each file is lstat-ed for size and mode.
pub(crate) fn walk(root: &Path, meta: bool) -> Result<Vec<Entry>> {
    walk_dir(root, PathBuf::new(), meta)
}

fn walk_dir(root: &Path, rel: PathBuf, meta: bool) -> Result<Vec<Entry>> {
    let dir = root.join(&rel);
    let rd = std::fs::read_dir(&dir).map_err(|e| Error::io("reading directory", &dir, e))?;
    let mut out = Vec::new();
    let mut subdirs = Vec::new();
    for ent in rd {
        let ent = ent.map_err(|e| Error::io("reading directory", &dir, e))?;
        let ft = ent
            .file_type()
            .map_err(|e| Error::io("reading", &ent.path(), e))?;
        let r = rel.join(ent.file_name());
        let (size, mode, mtime) = if meta && !ft.is_dir() {
            use std::os::unix::fs::MetadataExt;
            let md = std::fs::symlink_metadata(ent.path())
                .map_err(|e| Error::io("reading", &ent.path(), e))?;
            (
                md.len(),
                md.permissions().mode(),
                (md.mtime(), md.mtime_nsec()),
            )
        } else {
            (0, 0, (0, 0))
        };
        let kind = if ft.is_dir() {
            subdirs.push(r.clone());
            Kind::Dir
        } else if ft.is_file() {
            Kind::File
        } else if ft.is_symlink() {
            let t = std::fs::read_link(ent.path())
                .map_err(|e| Error::io("reading link", &ent.path(), e))?;
            Kind::Symlink(t)
        } else {
            Kind::Other
        };
        out.push(Entry {
            rel: r,
            kind,
            size,
            mode,
            mtime,
        });
    }
    let nested: Vec<Vec<Entry>> = subdirs
        .into_par_iter()
        .map(|d| walk_dir(root, d, meta))
        .collect::<Result<_>>()?;
    for n in nested {
        out.extend(n);
    }
    Ok(out)
}

pub use harness_schema::tree_pin::Manifest;

/// Compute the manifest of the tree at `root`.
pub fn compute(root: &Path) -> Result<Manifest> {
    Ok(of(&walk(root, true)?))
}

pub(crate) fn of(entries: &[Entry]) -> Manifest {
    let mut sorted: Vec<&Entry> = entries.iter().collect();
    sorted.par_sort_unstable_by(|a, b| a.rel.as_os_str().cmp(b.rel.as_os_str()));
    let mut h = Sha256::new();
    let (mut files, mut dirs, mut symlinks, mut bytes) = (0, 0, 0, 0);
    for e in sorted {
        let p = e.rel.as_os_str().as_bytes();
        match &e.kind {
            Kind::Dir => {
                dirs += 1;
                h.update(b"d ");
                h.update(p);
            }
            Kind::File => {
                files += 1;
                bytes += e.size;
                h.update(b"f ");
                h.update(p);
                let x = if e.mode & 0o111 != 0 { "X" } else { "-" };
                h.update(format!(" {} {x}", e.size).as_bytes());
            }
            Kind::Symlink(t) => {
                symlinks += 1;
                h.update(b"l ");
                h.update(p);
                h.update(b" -> ");
                h.update(t.as_os_str().as_bytes());
            }
            Kind::Other => {
                h.update(b"o ");
                h.update(p);
            }
        }
        h.update(b"\n");
    }
    Manifest {
        files,
        dirs,
        symlinks,
        bytes,
        sha256: hex::encode(h.finalize()),
        content_sha256: None,
        stat_sha256: None,
    }
}

/// [`of`] plus the content hash (every file read, in parallel).
pub(crate) fn with_content(root: &Path, entries: &[Entry]) -> Result<Manifest> {
    let mut m = of(entries);
    m.content_sha256 = Some(content_hash(root, entries)?);
    m.stat_sha256 = Some(stat_hash(entries));
    Ok(m)
}

/// The file beside pin.json listing what [`stat_hash`] hashes, one
/// `SIZE MTIME PATH` line per file, to name the file that changed.
pub const STAT_LIST: &str = "stat.list";

/// The lines of [`STAT_LIST`], sorted by path.
pub(crate) fn stat_list(entries: &[Entry]) -> String {
    let mut files: Vec<&Entry> = entries.iter().filter(|e| e.kind == Kind::File).collect();
    files.par_sort_unstable_by(|a, b| a.rel.as_os_str().cmp(b.rel.as_os_str()));
    let mut out = String::new();
    for e in files {
        out.push_str(&stat_line(e));
        out.push('\n');
    }
    out
}

/// `SIZE MTIME PATH` of one file (lossy for a non-UTF-8 path: the list only
/// names files, the hash decides).
pub(crate) fn stat_line(e: &Entry) -> String {
    format!(
        "{} {}.{:09} {}",
        e.size,
        e.mtime.0,
        e.mtime.1,
        e.rel.to_string_lossy()
    )
}

/// The fingerprint of [`Manifest::stat_sha256`] (entries walked with metadata).
pub(crate) fn stat_hash(entries: &[Entry]) -> String {
    let mut files: Vec<&Entry> = entries.iter().filter(|e| e.kind == Kind::File).collect();
    files.par_sort_unstable_by(|a, b| a.rel.as_os_str().cmp(b.rel.as_os_str()));
    let mut h = Sha256::new();
    for e in files {
        h.update(e.rel.as_os_str().as_bytes());
        h.update(format!(" {} {}.{:09}\n", e.size, e.mtime.0, e.mtime.1).as_bytes());
    }
    hex::encode(h.finalize())
}

/// The content hash of [`Manifest::content_sha256`].
pub(crate) fn content_hash(root: &Path, entries: &[Entry]) -> Result<String> {
    let mut files: Vec<(&Path, String)> = entries
        .par_iter()
        .filter(|e| e.kind == Kind::File)
        .map(|e| {
            Ok((
                e.rel.as_path(),
                crate::util::sha256_file(&root.join(&e.rel))?,
            ))
        })
        .collect::<Result<_>>()?;
    files.par_sort_unstable_by(|a, b| a.0.as_os_str().cmp(b.0.as_os_str()));
    let mut h = Sha256::new();
    for (rel, sum) in files {
        h.update(rel.as_os_str().as_bytes());
        h.update(b" ");
        h.update(sum.as_bytes());
        h.update(b"\n");
    }
    Ok(hex::encode(h.finalize()))
}

/// Refuse a tree holding a special file (device node, FIFO, socket): a kernel
/// source tree has none, and a hostile tarball extracted as root could create
/// a device node giving access to host memory or disks. The extraction
/// directory is private (0700) until this check passed, and is removed when
/// it fails.
pub(crate) fn refuse_special_files(root: &Path, entries: &[Entry]) -> Result<()> {
    match entries.iter().find(|e| e.kind == Kind::Other) {
        Some(e) => Err(Error::tree(
            &root.display().to_string(),
            format!(
                "{}: a special file (device node, FIFO or socket) in a source tree; refused",
                e.rel.display()
            ),
        )),
        None => Ok(()),
    }
}

/// Remove write permission (a-w) and setuid/setgid/sticky bits from every
/// file and directory of a tree, so an
/// in-place write into a hard-linked worktree fails instead of changing the base
/// (for non-root users; root bypasses permission bits — see `Worktree`).
pub(crate) fn make_read_only(root: &Path, entries: &[Entry]) -> Result<()> {
    entries
        .par_iter()
        .filter(|e| matches!(e.kind, Kind::File | Kind::Dir))
        .try_for_each(|e| set_ro(&root.join(&e.rel)))?;
    set_ro(root)
}

fn set_ro(p: &Path) -> Result<()> {
    let md = std::fs::symlink_metadata(p).map_err(|e| Error::io("reading", p, e))?;
    let mode = md.permissions().mode();
    // Also drop setuid, setgid and sticky bits: a tarball extracted as root
    // keeps them, and nothing in a source tree needs them.
    if mode & 0o7222 != 0 {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode & !0o7222))
            .map_err(|e| Error::io("making read-only", p, e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_changes_when_a_file_goes_missing_or_grows() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("a/b")).unwrap();
        std::fs::write(d.path().join("a/b/f"), "x").unwrap();
        std::fs::write(d.path().join("g"), "yy").unwrap();
        std::os::unix::fs::symlink("a/b/f", d.path().join("l")).unwrap();
        let m1 = compute(d.path()).unwrap();
        assert_eq!((m1.files, m1.dirs, m1.symlinks, m1.bytes), (2, 2, 1, 3));
        assert_eq!(compute(d.path()).unwrap(), m1, "deterministic");
        std::fs::write(d.path().join("g"), "yyy").unwrap();
        assert_ne!(compute(d.path()).unwrap().sha256, m1.sha256);
        std::fs::write(d.path().join("g"), "yy").unwrap();
        std::fs::remove_file(d.path().join("a/b/f")).unwrap();
        assert_ne!(compute(d.path()).unwrap().sha256, m1.sha256);
    }
}
