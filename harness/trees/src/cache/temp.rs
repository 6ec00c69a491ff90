//! Extraction directories of a fetch in progress (`trees/.tmp-NAME=*`):
//! named so one tree's never matches another's, private until checked,
//! removed on drop and, when a fetch was killed, by the next fetch.

use super::TreeCache;
use crate::util::remove_tree;
use crate::{Error, Result};
use std::path::{Path, PathBuf};

impl TreeCache {
    /// Remove temporary directories left by interrupted fetches of `name` (called
    /// with the lock held, so none of them is in use).
    pub(super) fn clean_stale_temps(&self, name: &str) {
        if let Ok(rd) = std::fs::read_dir(self.root.join("trees")) {
            for e in rd.flatten() {
                if is_temp_of(&e.file_name().to_string_lossy(), name) {
                    let _ = remove_tree(&e.path());
                }
            }
        }
    }
}

/// The prefix of `name`'s extraction directories: `.tmp-NAME=` ('=' is not
/// allowed in names, so `.tmp-linux-6.1=` is never a prefix of another
/// tree's, e.g. `linux-6.1-rt`'s).
pub(super) fn temp_prefix(name: &str) -> String {
    format!(".tmp-{name}=")
}

/// Whether `file` is an extraction directory of `name`: the current form, or
/// the older `.tmp-NAME-XXXXXX` (exactly six random letters and digits after
/// the name, so `.tmp-linux-6.1-rt-XXXXXX` is not one of `linux-6.1`'s).
fn is_temp_of(file: &str, name: &str) -> bool {
    if file.starts_with(&temp_prefix(name)) {
        return true;
    }
    file.strip_prefix(&format!(".tmp-{name}-"))
        .is_some_and(|rest| rest.len() == 6 && rest.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// A temporary directory inside the cache, removed (even when read-only) on drop.
pub(super) struct TempTree {
    pub(super) path: PathBuf,
}

impl TempTree {
    pub(super) fn new(parent: &Path, name: &str) -> Result<TempTree> {
        // Private (0700): nothing extracted in it is reachable by another
        // user before `finish` checked it.
        let t = tempfile::Builder::new()
            .prefix(&temp_prefix(name))
            .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700))
            .tempdir_in(parent)
            .map_err(|e| Error::io("creating a directory in", parent, e))?;
        Ok(TempTree { path: t.keep() })
    }
}

impl Drop for TempTree {
    fn drop(&mut self) {
        let _ = remove_tree(&self.path);
    }
}
