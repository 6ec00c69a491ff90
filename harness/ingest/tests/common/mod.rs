//! Shared by the ingest integration tests: where the checkout keeps its real
//! test data (see corpus/README.md for the origin and licence of each).
//! Each test binary includes this module and uses some of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The root of this checkout (harness/ingest -> harness -> root).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The PREEMPT_RT series the matrix carries (`patches/preempt-rt`).
pub fn rt_series_dir() -> PathBuf {
    repo_root().join("patches/preempt-rt")
}

/// The founding thread as the web archive rendered it.
pub fn seed_page() -> PathBuf {
    repo_root().join("corpus/seed/000_8366a85c594133a4.txt")
}
