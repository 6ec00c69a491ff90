//! Keeping make's view of a re-synced series worktree.
//!
//! A matrix run re-creates a unit's worktree at its stable path: the re-sync
//! turns every file the previous run's series changed back into a copy of the
//! base with a fresh mtime, then the series' changes are written again, again
//! with a fresh mtime. When the series is the same, the bytes are the same as
//! when the build directory's objects were compiled, yet make would see every
//! patched header as new and recompile everything that includes one (most of
//! the kernel for PREEMPT_RT's `sched.h` / `thread_info.h`).
//!
//! [`unchanged`] records, before the re-sync, the mtime of every file that
//! already holds exactly what the series writes; [`restore`] gives those files
//! their mtime back after the rewrite. A file whose bytes differ (the series
//! changed, or the file was edited) keeps its fresh mtime, so make still sees
//! every real change.

use crate::apply::DirTree;
use harness_core::apply::{Changes, FileChange, SYMLINK_MODE};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::SystemTime;

/// A file of the worktree that holds what the series writes, and its mtime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kept {
    pub rel: String,
    pub mtime: SystemTime,
}

/// The files of `worktree` (a regular file, not reached through a symlink)
/// whose bytes and executable bit are already what `changes` writes there.
/// Nothing is changed. A missing or unreadable worktree gives an empty list.
pub fn unchanged(worktree: &Path, changes: &Changes) -> Vec<Kept> {
    let Ok(tree) = DirTree::new(worktree) else {
        return Vec::new();
    };
    changes
        .files
        .iter()
        .filter_map(|(rel, c)| {
            let FileChange::Write { bytes, mode } = c else {
                return None;
            };
            if mode.is_some_and(|m| m & 0o170000 == SYMLINK_MODE) {
                return None;
            }
            let path = tree.resolve(rel).ok().flatten()?;
            let meta = fs::symlink_metadata(&path).ok()?;
            let exec = |m: u32| m & 0o111 != 0;
            let same_mode = exec(meta.permissions().mode()) == mode.is_some_and(exec);
            if !meta.is_file() || !same_mode || meta.len() != bytes.len() as u64 {
                return None;
            }
            let mtime = meta.modified().ok()?;
            let on_disk = fs::read(&path).ok()?;
            (on_disk == **bytes).then(|| Kept {
                rel: rel.clone(),
                mtime,
            })
        })
        .collect()
}

/// Give the files `kept` lists their recorded mtime back, once the changes
/// are written again. A file whose bytes no longer match is left alone.
pub fn restore(worktree: &Path, changes: &Changes, kept: &[Kept]) -> std::io::Result<usize> {
    let now_same: Vec<String> = unchanged(worktree, changes)
        .into_iter()
        .map(|k| k.rel)
        .collect();
    let mut restored = 0;
    for k in kept.iter().filter(|k| now_same.contains(&k.rel)) {
        let f = fs::File::open(worktree.join(harness_core::pathbytes::os(&k.rel)))?;
        f.set_modified(k.mtime)?;
        restored += 1;
    }
    Ok(restored)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::time::Duration;

    fn write(rel: &str, text: &str) -> (String, FileChange) {
        (
            rel.to_owned(),
            FileChange::Write {
                bytes: Arc::new(text.as_bytes().to_vec()),
                mode: None,
            },
        )
    }

    #[test]
    fn identical_rewrite_keeps_the_old_mtime_and_a_real_change_does_not() {
        let t = tempfile::tempdir().expect("tempdir");
        let w = t.path();
        fs::create_dir(w.join("include")).expect("mkdir");
        fs::write(w.join("include/a.h"), "patched\n").expect("write");
        fs::write(w.join("b.c"), "old series\n").expect("write");
        let old = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        for f in ["include/a.h", "b.c"] {
            let h = fs::File::options()
                .write(true)
                .open(w.join(f))
                .expect("open");
            h.set_modified(old).expect("set");
        }
        let changes = Changes {
            files: [
                write("include/a.h", "patched\n"),
                write("b.c", "new series\n"),
            ]
            .into_iter()
            .collect(),
            ..Changes::default()
        };
        let kept = unchanged(w, &changes);
        assert_eq!(
            kept,
            vec![Kept {
                rel: "include/a.h".into(),
                mtime: old
            }]
        );
        // What a re-sync plus rewrite does: fresh files, fresh mtimes.
        crate::apply::write_changes_in_place(w, &changes).expect("write");
        assert_eq!(restore(w, &changes, &kept).expect("restore"), 1);
        let mtime = |f: &str| {
            fs::metadata(w.join(f))
                .and_then(|m| m.modified())
                .expect("mtime")
        };
        assert_eq!(mtime("include/a.h"), old);
        assert!(mtime("b.c") > old, "a changed file must look new to make");
    }

    #[test]
    fn a_resynced_hardlink_worktree_keeps_the_series_mtimes() {
        let t = tempfile::tempdir().expect("tempdir");
        let base = t.path().join("base");
        fs::create_dir_all(base.join("include")).expect("mkdir");
        fs::write(base.join("include/a.h"), "base\n").expect("write");
        fs::write(base.join("c.c"), "base\n").expect("write");
        let dest = t.path().join("wt");
        let opts = harness_trees::WorktreeOptions {
            method: harness_trees::WorktreeMethod::Hardlink,
            keep: true,
        };
        let changes = Changes {
            files: [write("include/a.h", "patched\n")].into_iter().collect(),
            ..Changes::default()
        };
        // Run 1: a fresh farm and the series, as RealStages::source_for does.
        harness_trees::Worktree::create_with(&base, &dest, &opts).expect("farm");
        crate::apply::write_changes_in_place(&dest, &changes).expect("write");
        let old = SystemTime::UNIX_EPOCH + Duration::from_secs(2_000_000);
        let h = fs::File::open(dest.join("include/a.h")).expect("open");
        h.set_modified(old).expect("set");
        // Run 2: record, re-sync (reverts a.h with a fresh mtime), rewrite, restore.
        let kept = unchanged(&dest, &changes);
        let wt = harness_trees::Worktree::create_with(&base, &dest, &opts).expect("sync");
        assert_eq!(
            wt.stats.reverted,
            vec![std::path::PathBuf::from("include/a.h")]
        );
        crate::apply::write_changes_in_place(&dest, &changes).expect("write");
        restore(&dest, &changes, &kept).expect("restore");
        let m = fs::metadata(dest.join("include/a.h")).expect("meta");
        assert_eq!(m.modified().expect("mtime"), old);
        assert_eq!(
            fs::read(dest.join("include/a.h")).expect("read"),
            b"patched\n"
        );
        assert_eq!(fs::read(base.join("include/a.h")).expect("read"), b"base\n");
    }

    #[test]
    fn other_mode_or_symlinked_directory_is_not_kept() {
        let t = tempfile::tempdir().expect("tempdir");
        let outside = tempfile::tempdir().expect("tempdir");
        let w = t.path();
        fs::write(w.join("run.sh"), "x\n").expect("write");
        fs::write(outside.path().join("f"), "y\n").expect("write");
        std::os::unix::fs::symlink(outside.path(), w.join("out")).expect("symlink");
        let mut changes = Changes::default();
        changes.files.insert(
            "run.sh".into(),
            FileChange::Write {
                bytes: Arc::new(b"x\n".to_vec()),
                mode: Some(0o100755),
            },
        );
        changes.files.extend([write("out/f", "y\n")]);
        assert_eq!(unchanged(w, &changes), vec![]);
    }
}
