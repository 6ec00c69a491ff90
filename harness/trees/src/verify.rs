//! The extracted-tree checks of `verify`: the listing (names, sizes, exec
//! bits, symlink targets) and the content (every file's sha256) against the
//! manifest recorded at fetch.

use crate::cache::Check;
use crate::manifest::{self, Manifest};
use std::path::Path;

/// Both checks for the tree at `tree`; `expected` is the pin's manifest.
pub(crate) fn tree_checks(tree: &Path, expected: Option<&Manifest>) -> Vec<Check> {
    let entries = manifest::walk(tree, true);
    let listing = entries.as_ref().map(|e| Manifest::of(e));
    let describe = |m: &Manifest| {
        format!(
            "{} files, {} bytes, manifest {}",
            m.files, m.bytes, m.sha256
        )
    };
    let mut out = vec![Check {
        what: "extracted tree listing (names, sizes, exec bits vs. manifest recorded at fetch)"
            .into(),
        path: tree.to_owned(),
        ok: matches!((&listing, expected), (Ok(a), Some(e)) if *a == e.listing()),
        expected: expected.map(describe),
        actual: listing.as_ref().ok().map(describe),
        message: match &listing {
            Err(e) => Some(e.to_string()),
            Ok(_) if expected.is_none() => Some("pin.json has no manifest".into()),
            Ok(_) => None,
        },
    }];
    let want = expected.and_then(|m| m.content_sha256.clone());
    let got = match (&entries, &want) {
        (Ok(e), Some(_)) => Some(manifest::content_hash(tree, e)),
        _ => None,
    };
    out.push(Check {
        what: "extracted tree content (sha256 of every file vs. manifest recorded at fetch)".into(),
        path: tree.to_owned(),
        ok: matches!((&got, &want), (Some(Ok(g)), Some(w)) if g == w),
        expected: want.clone(),
        actual: match &got {
            Some(Ok(g)) => Some(g.clone()),
            _ => None,
        },
        message: match (&got, &want) {
            (Some(Err(e)), _) => Some(e.to_string()),
            (_, None) => Some(
                "pin.json records no content hash (fetched by an older harness): run \
                 `harness tree fetch` for this tree to record one (it re-extracts the tree \
                 from the kept download)"
                    .into(),
            ),
            (Some(Ok(g)), Some(w)) if g != w => {
                Some("a file's content changed since the tree was fetched".into())
            }
            _ => None,
        },
    });
    out
}

impl crate::BaseTree {
    /// The cheap check before each use of a cached tree: every file's size and
    /// mtime against the fingerprint recorded at fetch (one lstat per file,
    /// no reads). A tree changed in place since (a build that wrote through a
    /// hard link, say) is refused; `harness tree verify` then tells what.
    /// Unpinned directories and pins from older versions (no fingerprint)
    /// pass.
    pub fn check_fingerprint(&self) -> crate::Result<()> {
        let Some(want) = self
            .provenance
            .manifest
            .as_ref()
            .and_then(|m| m.stat_sha256.as_deref())
        else {
            return Ok(());
        };
        let entries = manifest::walk(&self.path, true)?;
        if manifest::stat_hash(&entries) == want {
            return Ok(());
        }
        Err(crate::Error::tree(
            &self.name,
            format!(
                "the cached tree {} changed since it was fetched (a file's size or mtime \
                 differs): refusing to use it. `harness tree verify {}` shows what; remove \
                 its cache directory and fetch it again",
                self.path.display(),
                self.name
            ),
        ))
    }
}
