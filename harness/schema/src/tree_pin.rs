//! `harness.tree-pin/1`: exactly what a base tree is, recorded in
//! `<cache>/trees/NAME/pin.json` and copied as provenance into tree JSON
//! (`harness.trees/1`) and matrix reports.

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Schema name written into every pin.json.
pub const PIN_SCHEMA: &str = "harness.tree-pin/1";

/// Exactly what a base tree is: recorded in `pin.json` and in every report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    #[serde(default)]
    pub schema: String,
    pub name: String,
    /// `debian`, `tarball`, `git` or `directory`.
    pub kind: String,
    /// False for plain directories: nothing guarantees what they contain.
    pub pinned: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// sha256 of the source tarball (verified against the pin at fetch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// The tarball: path inside the package, local path, or URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tarball: Option<String>,
    /// The .deb file name, relative to `<cache>/downloads/`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deb: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deb_sha256: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git_tree: Option<String>,
    /// For plain directories: where the tree is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fetched_at: Option<String>,
    /// True when the tree was found already extracted (by hand) and adopted after
    /// its tarball was verified.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub adopted: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifest: Option<Manifest>,
}

/// What a complete tree looks like: counts and a hash over the sorted listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub files: u64,
    pub dirs: u64,
    pub symlinks: u64,
    pub bytes: u64,
    /// sha256 over lines `d PATH`, `f PATH SIZE X|-`, `l PATH -> TARGET`, sorted by path.
    pub sha256: String,
    /// sha256 over lines `PATH FILE-SHA256` for every regular file, sorted by
    /// path: the content, so a same-size change in place is caught. Recorded
    /// at fetch; absent in pins written by older versions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_sha256: Option<String>,
    /// sha256 over lines `PATH SIZE MTIME` for every regular file, sorted by
    /// path: the cheap fingerprint (one lstat per file, no reads) checked
    /// before each use of the tree, so an in-place write is noticed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stat_sha256: Option<String>,
}

impl Manifest {
    /// The listing part only (what harness-trees' `manifest::of` computes), to compare
    /// listings whether or not the content hash is present.
    pub fn listing(&self) -> Manifest {
        Manifest {
            content_sha256: None,
            stat_sha256: None,
            ..self.clone()
        }
    }
}
