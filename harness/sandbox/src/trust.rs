//! Which trees hold untrusted (mail) content outside the matrix: `harness
//! apply --into DIR` of a series with a mail patch records DIR in the cache
//! (`<cache>/untrusted/<device>-<inode>` of DIR's top directory), and `harness
//! build`/`harness kconfig` under `--sandbox auto` sandbox a tree so
//! recorded, as the matrix sandboxes a mail series. The record is kept out of
//! the tree (which stays exactly what the patches make of it) and follows
//! the directory through a rename; a copy of the tree is a new directory and
//! is not recorded. A record whose inode a later directory reuses only makes
//! that directory's builds sandboxed: the safe side.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// Where the record for `tree` lives under `cache`.
fn record(cache: &Path, tree: &Path) -> std::io::Result<PathBuf> {
    let m = std::fs::metadata(tree)?;
    Ok(cache
        .join("untrusted")
        .join(format!("{}-{}", m.dev(), m.ino())))
}

/// Record `tree` as patched from mail; `source` names the series for
/// people reading the record.
pub fn mark_untrusted(cache: &Path, tree: &Path, source: &str) -> std::io::Result<()> {
    let rec = record(cache, tree)?;
    if let Some(dir) = rec.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let text = format!(
        "{} was patched from mail ({source}) by `harness apply --into`;\n\
         `harness build` and `harness kconfig` sandbox it under --sandbox auto.\n",
        tree.display()
    );
    std::fs::write(rec, text)
}

/// True when `tree` was recorded by [`mark_untrusted`].
pub fn is_marked_untrusted(cache: &Path, tree: &Path) -> bool {
    record(cache, tree).is_ok_and(|r| std::fs::symlink_metadata(r).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recorded_tree_is_untrusted_after_a_rename_and_a_copy_is_not() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let cache = tmp.path().join("cache");
        let tree = tmp.path().join("tree");
        std::fs::create_dir(&tree).expect("mkdir");
        assert!(!is_marked_untrusted(&cache, &tree));
        mark_untrusted(&cache, &tree, "p.mbox").expect("mark");
        assert!(is_marked_untrusted(&cache, &tree));
        let moved = tmp.path().join("moved");
        std::fs::rename(&tree, &moved).expect("rename");
        assert!(is_marked_untrusted(&cache, &moved), "lost by a rename");
        std::fs::create_dir(&tree).expect("mkdir");
        assert!(!is_marked_untrusted(&cache, &tree), "a new directory");
        assert_eq!(
            std::fs::read_dir(&moved).expect("read").count(),
            0,
            "the tree itself was written"
        );
    }
}
