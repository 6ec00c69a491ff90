//! Finding a pinned kernel tree for the tests. This is the ONE place that
//! knows how: ask `harness tree path NAME`, which fetches the tree into the
//! cache (HARNESS_CACHE, default ~/.cache/harness) if needed.

use super::harness::command;
use super::proc;
use std::path::PathBuf;
use std::time::Duration;

/// Source root of the pinned tree `name` (e.g. `linux-6.1`).
pub fn kernel_tree(name: &str) -> PathBuf {
    // Fetching a tree (apt-get download + dpkg-deb -x, then verification)
    // takes minutes the first time; later calls are instant.
    let ran = proc::run(
        command().arg("tree").arg("path").arg(name),
        Duration::from_secs(1800),
    );
    assert_eq!(
        ran.code,
        Some(0),
        "`harness tree path {name}` failed: {}",
        ran.describe()
    );
    let p = PathBuf::from(ran.stdout_str().trim());
    assert!(
        p.join("Makefile").is_file(),
        "`harness tree path {name}` printed {}, which has no Makefile",
        p.display()
    );
    p
}

/// The harness cache the tests share with the binary: HARNESS_CACHE, else
/// XDG_CACHE_HOME/harness, else ~/.cache/harness (as `harness` resolves it).
pub fn cache_root() -> PathBuf {
    if let Some(p) = std::env::var_os("HARNESS_CACHE") {
        return PathBuf::from(p);
    }
    if let Some(p) = std::env::var_os("XDG_CACHE_HOME") {
        return PathBuf::from(p).join("harness");
    }
    PathBuf::from(std::env::var_os("HOME").expect("HOME")).join(".cache/harness")
}
