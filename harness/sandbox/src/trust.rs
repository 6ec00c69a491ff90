//! Which trees hold untrusted (mail) content outside the matrix: `harness
//! apply --into DIR` of a series with a mail patch writes [`UNTRUSTED_MARKER`]
//! into DIR, and `harness build`/`harness kconfig` under `--sandbox auto`
//! sandbox a tree that carries it, as the matrix sandboxes a mail series.
//! The marker is copied along with the tree (a tree patched again from it
//! stays untrusted); only removing it by hand makes the tree trusted.

use std::path::Path;

/// The marker's file name, in the tree's top directory.
pub const UNTRUSTED_MARKER: &str = ".harness-untrusted";

/// Mark `tree` as patched from mail; `source` names the series for people
/// reading the marker.
pub fn mark_untrusted(tree: &Path, source: &str) -> std::io::Result<()> {
    let text = format!(
        "This tree was patched from mail ({source}) by `harness apply --into`.\n\
         `harness build` and `harness kconfig` sandbox it under --sandbox auto.\n"
    );
    std::fs::write(tree.join(UNTRUSTED_MARKER), text)
}

/// True when `tree` carries the marker (a symlink or anything else by that
/// name counts: only its absence makes a tree trusted).
pub fn is_marked_untrusted(tree: &Path) -> bool {
    std::fs::symlink_metadata(tree.join(UNTRUSTED_MARKER)).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_marked_tree_is_untrusted_and_an_unmarked_one_is_not() {
        let tmp = tempfile::tempdir().expect("tempdir");
        assert!(!is_marked_untrusted(tmp.path()));
        mark_untrusted(tmp.path(), "p.mbox").expect("mark");
        assert!(is_marked_untrusted(tmp.path()));
    }
}
