//! Finding a pinned kernel tree for the tests. This is the ONE place that
//! knows how: ask `harness tree path NAME` (which fetches into the cache if
//! needed).

use super::harness::command;
use super::proc;
use std::path::PathBuf;
use std::time::Duration;

/// Source root of the pinned tree `name` (e.g. `linux-6.1`).
pub fn kernel_tree(name: &str) -> PathBuf {
    // Fetching a tree (apt-get download + dpkg-deb -x) takes a few minutes
    // the first time; later calls are instant.
    let ran = proc::run(
        command().arg("tree").arg("path").arg(name),
        Duration::from_secs(1800),
    );
    if ran.code == Some(0) {
        let p = PathBuf::from(ran.stdout_str().trim());
        if p.join("Makefile").is_file() {
            return p;
        }
    }
    // FALLBACK until `harness tree path` works (the trees engineer is building
    // it): the cache layout DESIGN.md names. Remove once the command works.
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    let cache = std::env::var_os("HARNESS_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| home.join(".cache/harness"));
    let p = cache.join("trees").join(name).join("tree");
    assert!(
        p.join("Makefile").is_file(),
        "kernel tree {name} not available: `harness tree path {name}` said {} and {} has no Makefile",
        ran.describe(),
        p.display()
    );
    p
}
