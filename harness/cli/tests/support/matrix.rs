//! Apply-only `harness matrix` projects on a directory tree (no kernel):
//! the project files and the run, for the matrix CLI tests.

use super::harness::{assert_no_panic, command};
use super::proc::{self, Ran};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A one-patch mail adding "two and a half" to `f`.
pub const PATCH: &str = "From 1111111111111111111111111111111111111111 Mon Sep 17 00:00:00 2001
From: A U Thor <a@example.org>
Date: Mon, 1 Jan 2024 00:00:00 +0000
Subject: [PATCH] f: add a line

---
 f | 1 +
 1 file changed, 1 insertion(+)

diff --git a/f b/f
--- a/f
+++ b/f
@@ -1,3 +1,4 @@
 one
 two
+two and a half
 three
";

/// A project in `dir/proj` whose tree `mine` is the directory `dir/tree/`
/// holding `f` as given, with series `one` (the patch above), config `c`
/// (`kernel-configs/c.config`) and the matrix `yaml`.
pub fn project(dir: &Path, f: &str, yaml: &str) -> PathBuf {
    let root = dir.join("proj");
    std::fs::create_dir_all(root.join("patches/one")).expect("mkdir");
    std::fs::create_dir_all(root.join("kernel-configs")).expect("mkdir");
    std::fs::create_dir_all(dir.join("tree")).expect("mkdir");
    std::fs::write(root.join("patches/one/0001-a.patch"), PATCH).expect("write");
    std::fs::write(root.join("kernel-configs/c.config"), "CONFIG_NET=y\n").expect("write");
    std::fs::write(dir.join("tree/f"), f).expect("write");
    std::fs::write(root.join("matrix.yaml"), yaml).expect("write");
    let trees = format!(
        "trees:\n  mine:\n    directory:\n      path: {}\n",
        dir.join("tree").display()
    );
    std::fs::write(root.join("trees.yaml"), trees).expect("write");
    root
}

/// `harness matrix` on the project at `root` with the cache `cache`,
/// results in `root/results`.
pub fn run(cache: &Path, root: &Path, extra: &[&str]) -> Ran {
    let ran = proc::run(
        command()
            .env("HARNESS_PROJECT", root)
            .env("HARNESS_CACHE", cache)
            .arg("matrix")
            .arg("--config")
            .arg(root.join("matrix.yaml"))
            .arg("--results")
            .arg(root.join("results"))
            .args(extra),
        Duration::from_secs(60),
    );
    assert_no_panic(&ran, "matrix");
    ran
}
