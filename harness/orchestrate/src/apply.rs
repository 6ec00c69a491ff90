//! Applying a series to a tree directory (file-system side of the apply engine).
//!
//! The tree is only read. Reads never follow a symlink that leads out of the
//! tree; results are written either into a fresh copy (`--into`) or into a
//! worktree the caller owns, always through a temporary file and a rename so a
//! hardlinked base file is never changed.

use std::collections::HashMap;
use std::fs;
use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, OnceLock};

use anyhow::{bail, Context, Result};
use harness_core::apply::{
    apply_series, check_path, ApplyOptions, BaseFile, BaseTree, Changes, EntryKind, FileChange,
    PatchInput, SeriesOutcome, SYMLINK_MODE,
};
use harness_core::diagnose::TreeLookup;
use harness_core::parse::parse_patch;
use harness_core::patch::ParsedPatch;
use rayon::prelude::*;

/// What `apply_series_to_dir` found and changed (nothing is written yet).
pub type ApplyOutcome = SeriesOutcome;

/// Options for [`apply_series_to_dir`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    pub apply: ApplyOptions,
    /// Overrides every patch's `-pN` when set.
    pub strip: Option<usize>,
}

/// A read-only view of a directory that refuses to leave it through symlinks.
pub struct DirTree {
    root: PathBuf,
    canon_root: PathBuf,
    index: OnceLock<HashMap<String, Vec<String>>>,
    /// Directories (relative) already seen not to be symlinks: the base
    /// tree is read, never written, while a verdict is computed, so each
    /// directory is looked at once (a series reads the same directories for
    /// hundreds of files).
    plain_dirs: std::sync::Mutex<std::collections::HashSet<String>>,
}

impl DirTree {
    pub fn new(root: &Path) -> Result<Self> {
        let canon_root = fs::canonicalize(root)
            .with_context(|| format!("cannot open tree {}", root.display()))?;
        if !canon_root.is_dir() {
            bail!("{} is not a directory", root.display());
        }
        Ok(DirTree {
            root: root.to_owned(),
            canon_root,
            index: OnceLock::new(),
            plain_dirs: std::sync::Mutex::new(std::collections::HashSet::new()),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The on-disk path of `rel`, checking every component: a symlink whose
    /// target lies outside the tree is refused. `Ok(None)` when missing.
    pub fn resolve(&self, rel: &str) -> std::result::Result<Option<PathBuf>, String> {
        let rel = check_path(rel)?;
        let mut cur = self.root.clone();
        let mut shown = String::new();
        for comp in rel.split('/') {
            cur.push(harness_core::pathbytes::os(comp));
            if !shown.is_empty() {
                shown.push('/');
            }
            shown.push_str(comp);
            match fs::symlink_metadata(&cur) {
                Err(_) => return Ok(None),
                Ok(m) if m.file_type().is_symlink() => match fs::canonicalize(&cur) {
                    Ok(real) if real.starts_with(&self.canon_root) => {}
                    Ok(_) | Err(_) => {
                        let target = fs::read_link(&cur)
                            .map(|t| t.display().to_string())
                            .unwrap_or_default();
                        return Err(format!(
                            "path `{rel}` escapes the tree through symlink `{shown}` (-> {target})"
                        ));
                    }
                },
                Ok(_) => {}
            }
        }
        Ok(Some(cur))
    }

    fn build_index(&self) -> HashMap<String, Vec<String>> {
        let mut map: HashMap<String, Vec<String>> = HashMap::new();
        let mut stack = vec![(self.root.clone(), String::new())];
        while let Some((dir, rel)) = stack.pop() {
            let Ok(rd) = fs::read_dir(&dir) else { continue };
            for e in rd.flatten() {
                let name = harness_core::pathbytes::decode(e.file_name().as_encoded_bytes());
                if rel.is_empty() && name == ".git" {
                    continue;
                }
                let r = if rel.is_empty() {
                    name.clone()
                } else {
                    format!("{rel}/{name}")
                };
                match e.file_type() {
                    Ok(t) if t.is_dir() => stack.push((e.path(), r)),
                    Ok(t) if t.is_file() => map.entry(name).or_default().push(r),
                    _ => {}
                }
            }
        }
        for v in map.values_mut() {
            v.sort();
        }
        map
    }
}

fn mode_of(m: &fs::Metadata) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    Some(if m.permissions().mode() & 0o111 != 0 {
        0o100755
    } else {
        0o100644
    })
}

impl DirTree {
    /// The on-disk path of `rel` when no directory on the way is a symlink
    /// (the engine refuses those before reading; this is the second line).
    fn no_follow(&self, rel: &str) -> std::result::Result<PathBuf, String> {
        let rel = check_path(rel)?;
        let mut cur = self.root.clone();
        let parts: Vec<&str> = rel.split('/').collect();
        let mut prefix_len = 0;
        for (i, comp) in parts.iter().enumerate() {
            cur.push(harness_core::pathbytes::os(comp));
            prefix_len += comp.len() + usize::from(i > 0);
            if i + 1 == parts.len() {
                break;
            }
            let prefix = &rel[..prefix_len];
            if self.plain_dirs.lock().is_ok_and(|d| d.contains(prefix)) {
                continue;
            }
            match fs::symlink_metadata(&cur) {
                Ok(m) if m.file_type().is_symlink() => {
                    return Err(format!("path `{rel}` goes through symlink `{prefix}`"));
                }
                Ok(m) if m.is_dir() => {
                    if let Ok(mut d) = self.plain_dirs.lock() {
                        d.insert(prefix.to_owned());
                    }
                }
                _ => {}
            }
        }
        Ok(cur)
    }
}

impl BaseTree for DirTree {
    fn entry(&self, path: &str) -> Option<EntryKind> {
        if self.plain_dirs.lock().is_ok_and(|d| d.contains(path)) {
            return Some(EntryKind::Dir);
        }
        let p = self.no_follow(path).ok()?;
        let m = fs::symlink_metadata(p).ok()?;
        let t = m.file_type();
        Some(if t.is_symlink() {
            EntryKind::Symlink
        } else if t.is_dir() {
            if let Ok(mut d) = self.plain_dirs.lock() {
                d.insert(path.to_owned());
            }
            EntryKind::Dir
        } else if t.is_file() {
            EntryKind::File
        } else {
            EntryKind::Other
        })
    }

    fn read(&self, path: &str) -> std::result::Result<Option<BaseFile>, String> {
        use std::os::unix::ffi::OsStrExt;
        let p = self.no_follow(path)?;
        let meta = match fs::symlink_metadata(&p) {
            Ok(m) => m,
            Err(_) => return Ok(None),
        };
        if meta.file_type().is_symlink() {
            // A symlink is read as its target (never followed).
            return match fs::read_link(&p) {
                Ok(t) => Ok(Some(BaseFile {
                    bytes: Arc::new(t.as_os_str().as_bytes().to_vec()),
                    mode: Some(SYMLINK_MODE),
                })),
                Err(e) => Err(format!("cannot read the symlink `{path}`: {e}")),
            };
        }
        if !meta.is_file() {
            return Err(format!("`{path}` is not a regular file"));
        }
        match fs::read(&p) {
            Ok(b) => Ok(Some(BaseFile {
                bytes: Arc::new(b),
                mode: mode_of(&meta),
            })),
            Err(e) => Err(format!("cannot read `{path}`: {e}")),
        }
    }
}

impl TreeLookup for DirTree {
    fn paths_named(&self, name: &str) -> Vec<String> {
        self.index
            .get_or_init(|| self.build_index())
            .get(name)
            .cloned()
            .unwrap_or_default()
    }
    fn read(&self, path: &str) -> Option<String> {
        BaseTree::read(self, path)
            .ok()
            .flatten()
            .map(|f| String::from_utf8_lossy(&f.bytes).into_owned())
    }
    fn paths_in_dir(&self, dir: &str) -> Vec<String> {
        let p = if dir.is_empty() {
            Some(self.root.clone())
        } else {
            self.resolve(dir).ok().flatten()
        };
        let Some(p) = p else { return Vec::new() };
        let Ok(rd) = fs::read_dir(p) else {
            return Vec::new();
        };
        let mut v: Vec<String> = rd
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .map(|e| {
                let n = harness_core::pathbytes::decode(e.file_name().as_encoded_bytes());
                if dir.is_empty() {
                    n
                } else {
                    format!("{dir}/{n}")
                }
            })
            .collect();
        v.sort();
        v
    }
}

/// Parse every patch of `series` (in parallel).
pub fn parse_series(series: &harness_ingest::Series, strip: Option<usize>) -> Vec<ParsedPatch> {
    series
        .patches
        .par_iter()
        .map(|p| parse_patch(&p.content, strip.unwrap_or(p.strip)))
        .collect()
}

/// Apply `series` to the directory `tree` in memory: the report plus the changes.
/// Nothing is written.
pub fn apply_series_to_dir(
    series: &harness_ingest::Series,
    tree: &Path,
    opts: Options,
) -> Result<ApplyOutcome> {
    let dir = DirTree::new(tree)?;
    let parsed = parse_series(series, opts.strip);
    let inputs: Vec<PatchInput<'_>> = series
        .patches
        .iter()
        .zip(&parsed)
        .map(|(p, parsed)| PatchInput {
            index: p.index,
            name: &p.name,
            subject: p.subject.as_deref(),
            parsed,
        })
        .collect();
    let mut outcome = apply_series(
        &dir,
        &dir,
        &series.name,
        &tree.display().to_string(),
        &inputs,
        opts.apply,
    );
    mark_origins(&mut outcome.report, series);
    Ok(outcome)
}

/// Copy each patch's Message-ID and revision from the series into its result.
pub fn mark_origins(
    report: &mut harness_core::report::ApplyReport,
    series: &harness_ingest::Series,
) {
    for r in &mut report.patches {
        if let Some(p) = series.patches.iter().find(|p| p.index == r.index) {
            r.message_id.clone_from(&p.message_id);
            r.revision = p.revision;
        }
    }
}

/// Join a checked relative path onto `dir`, creating parent directories and
/// refusing to go through any symlink.
fn dest_path(dir: &Path, rel: &str) -> Result<PathBuf> {
    let rel = check_path(rel).map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut cur = dir.to_owned();
    let parts: Vec<&str> = rel.split('/').collect();
    for (i, comp) in parts.iter().enumerate() {
        cur.push(harness_core::pathbytes::os(comp));
        match fs::symlink_metadata(&cur) {
            // The last component may be a symlink: it is replaced (rename)
            // or removed, never followed.
            Ok(m) if m.file_type().is_symlink() && i + 1 < parts.len() => {
                bail!(
                    "refusing to write `{rel}`: `{}` is a symlink",
                    cur.display()
                )
            }
            Ok(m) if i + 1 < parts.len() && !m.is_dir() => {
                bail!(
                    "refusing to write `{rel}`: `{}` is not a directory",
                    cur.display()
                )
            }
            Ok(_) => {}
            Err(_) if i + 1 < parts.len() => {
                fs::create_dir(&cur).with_context(|| format!("creating {}", cur.display()))?;
            }
            Err(_) => {}
        }
    }
    debug_assert!(cur.components().all(|c| !matches!(c, Component::ParentDir)));
    Ok(cur)
}

/// Create the symlink `rel` -> `target` (bytes), replacing what is there.
fn write_symlink(dir: &Path, rel: &str, target: &[u8]) -> Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let dest = dest_path(dir, rel)?;
    let parent = dest.parent().unwrap_or(dir);
    let tmp = tempfile::Builder::new()
        .prefix(".harness-link")
        .tempdir_in(parent)
        .with_context(|| format!("creating a temporary directory in {}", parent.display()))?;
    let link = tmp.path().join("link");
    std::os::unix::fs::symlink(std::ffi::OsStr::from_bytes(target), &link)
        .with_context(|| format!("creating the symlink {}", dest.display()))?;
    if fs::symlink_metadata(&dest).is_ok_and(|m| m.is_dir()) {
        bail!("refusing to replace the directory `{rel}` with a symlink");
    }
    fs::rename(&link, &dest).with_context(|| format!("renaming into {}", dest.display()))?;
    Ok(())
}

fn write_file(dir: &Path, rel: &str, bytes: &[u8], mode: Option<u32>) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    if mode.is_some_and(|m| m & 0o170000 == SYMLINK_MODE) {
        return write_symlink(dir, rel, bytes);
    }
    let dest = dest_path(dir, rel)?;
    let parent = dest.parent().unwrap_or(dir);
    let mut tmp = tempfile::NamedTempFile::new_in(parent)
        .with_context(|| format!("creating a temporary file in {}", parent.display()))?;
    tmp.write_all(bytes)
        .with_context(|| format!("writing {}", dest.display()))?;
    let perm = if mode.is_some_and(|m| m & 0o111 != 0) {
        0o755
    } else {
        0o644
    };
    fs::set_permissions(tmp.path(), fs::Permissions::from_mode(perm))
        .with_context(|| format!("setting the mode of {}", dest.display()))?;
    tmp.persist(&dest)
        .with_context(|| format!("renaming into {}", dest.display()))?;
    Ok(())
}

fn apply_changes(dir: &Path, changes: &Changes) -> Result<()> {
    for (rel, c) in &changes.files {
        match c {
            FileChange::Write { bytes, mode } => write_file(dir, rel, bytes, *mode)?,
            FileChange::Delete => {
                let p = dest_path(dir, rel)?;
                match fs::remove_file(&p) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(e).with_context(|| format!("removing {}", p.display())),
                }
            }
        }
    }
    Ok(())
}

/// Write the `.rej` files (GNU unified format) for failed hunks under `dir`.
pub fn write_rejects(dir: &Path, changes: &Changes) -> Result<()> {
    for (rel, text) in &changes.rejects {
        write_file(dir, &format!("{rel}.rej"), text, None)?;
    }
    Ok(())
}

/// Apply `changes` to a worktree the caller owns, replacing each file through
/// a temporary file and a rename (hardlinked base files are never modified).
pub fn write_changes_in_place(worktree: &Path, changes: &Changes) -> Result<()> {
    apply_changes(worktree, changes)
}

fn copy_tree(src: &Path, dst: &Path) -> Result<()> {
    let mut dirs = vec![PathBuf::new()];
    let mut files: Vec<PathBuf> = Vec::new();
    fs::create_dir_all(dst).with_context(|| format!("creating {}", dst.display()))?;
    while let Some(rel) = dirs.pop() {
        let from = src.join(&rel);
        for e in fs::read_dir(&from).with_context(|| format!("reading {}", from.display()))? {
            let e = e.with_context(|| format!("reading {}", from.display()))?;
            let r = rel.join(e.file_name());
            let t = e
                .file_type()
                .with_context(|| format!("inspecting {}", e.path().display()))?;
            if t.is_dir() {
                fs::create_dir(dst.join(&r))
                    .with_context(|| format!("creating {}", dst.join(&r).display()))?;
                dirs.push(r);
            } else if t.is_symlink() {
                let target = fs::read_link(e.path())
                    .with_context(|| format!("reading link {}", e.path().display()))?;
                std::os::unix::fs::symlink(&target, dst.join(&r))
                    .with_context(|| format!("creating link {}", dst.join(&r).display()))?;
            } else if t.is_file() {
                files.push(r);
            }
        }
    }
    files.par_iter().try_for_each(|r| -> Result<()> {
        fs::copy(src.join(r), dst.join(r))
            .map(|_| ())
            .with_context(|| format!("copying {}", src.join(r).display()))
    })
}

/// `--into DIR`: copy `tree` plus `changes` and `.rej` files into a temporary
/// directory next to `dest`, then rename it to `dest`. `tree` is never modified;
/// `dest` must not exist yet (or be an empty directory).
pub fn write_changes_into(tree: &Path, changes: &Changes, dest: &Path) -> Result<()> {
    write_changes_into_with(tree, changes, dest, |_| Ok(()))
}

/// [`write_changes_into`], running `before_publish` on the finished
/// temporary tree before it is renamed to `dest` (to record that it is
/// untrusted, say, so `dest` never appears without the record).
pub fn write_changes_into_with(
    tree: &Path,
    changes: &Changes,
    dest: &Path,
    before_publish: impl FnOnce(&Path) -> Result<()>,
) -> Result<()> {
    if dest.exists() {
        let empty = fs::read_dir(dest)
            .map(|mut d| d.next().is_none())
            .unwrap_or(false);
        if !empty {
            bail!(
                "{} already exists and is not empty; choose a new directory for --into",
                dest.display()
            );
        }
    }
    let parent = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).with_context(|| format!("creating {}", parent.display()))?;
    let tmp = tempfile::Builder::new()
        .prefix(".harness-into-")
        .tempdir_in(&parent)
        .with_context(|| format!("creating a temporary directory in {}", parent.display()))?;
    let work = tmp.path().join("tree");
    copy_tree(tree, &work)?;
    apply_changes(&work, changes)?;
    write_rejects(&work, changes)?;
    before_publish(&work)?;
    if dest.exists() {
        fs::remove_dir(dest).with_context(|| format!("replacing empty {}", dest.display()))?;
    }
    fs::rename(&work, dest)
        .with_context(|| format!("renaming {} to {}", work.display(), dest.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symlink_out_of_tree_is_refused() {
        let t = tempfile::tempdir().expect("tempdir");
        let outside = tempfile::tempdir().expect("tempdir");
        fs::write(outside.path().join("secret"), "x\n").expect("write");
        fs::create_dir(t.path().join("d")).expect("mkdir");
        fs::write(t.path().join("d/f"), "y\n").expect("write");
        std::os::unix::fs::symlink(outside.path(), t.path().join("out")).expect("symlink");
        std::os::unix::fs::symlink("d", t.path().join("in")).expect("symlink");
        let dt = DirTree::new(t.path()).expect("tree");
        let e = BaseTree::read(&dt, "out/secret").expect_err("must refuse");
        assert!(e.contains("through symlink `out`"), "{e}");
        // A directory symlink is never followed, even inside the tree (the
        // writer refuses it too, so the verdict must); the link itself reads
        // as its target with git's symlink mode.
        let e = BaseTree::read(&dt, "in/f").expect_err("never through a link");
        assert!(e.contains("through symlink `in`"), "{e}");
        let link = BaseTree::read(&dt, "in").expect("ok").expect("present");
        assert_eq!(
            (link.bytes.to_vec(), link.mode),
            (b"d".to_vec(), Some(SYMLINK_MODE))
        );
        assert_eq!(BaseTree::entry(&dt, "in"), Some(EntryKind::Symlink));
        assert_eq!(BaseTree::entry(&dt, "d"), Some(EntryKind::Dir));
        assert!(BaseTree::read(&dt, "../x").is_err());
        assert!(BaseTree::read(&dt, "d/missing").expect("ok").is_none());
    }

    #[test]
    fn in_place_write_breaks_hardlinks() {
        let t = tempfile::tempdir().expect("tempdir");
        fs::write(t.path().join("base"), "old\n").expect("write");
        fs::create_dir(t.path().join("wt")).expect("mkdir");
        fs::hard_link(t.path().join("base"), t.path().join("wt/f")).expect("link");
        let mut c = Changes::default();
        c.files.insert(
            "f".into(),
            FileChange::Write {
                bytes: Arc::new(b"new\n".to_vec()),
                mode: None,
            },
        );
        write_changes_in_place(&t.path().join("wt"), &c).expect("write");
        assert_eq!(fs::read(t.path().join("base")).expect("read"), b"old\n");
        assert_eq!(fs::read(t.path().join("wt/f")).expect("read"), b"new\n");
    }
}
