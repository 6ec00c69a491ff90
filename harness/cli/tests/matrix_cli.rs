//! `harness matrix` on a directory tree, apply-only: no kernel. Loading the
//! matrix file (expectation words checked with their line), the verdict of
//! a series already in the tree, and the run's `events.jsonl`.

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;
use support::harness::{assert_no_panic, command};
use support::proc::{self, Ran};

const LIMIT: Duration = Duration::from_secs(60);

/// A one-patch mail adding "two and a half" to `f`.
const PATCH: &str = "From 1111111111111111111111111111111111111111 Mon Sep 17 00:00:00 2001
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

/// A project whose tree `mine` is the directory `tree/` holding `f` as
/// given, with series `one` (the patch above) and the matrix `yaml`.
fn project(dir: &Path, f: &str, yaml: &str) -> PathBuf {
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

fn matrix(dir: &Path, root: &Path, extra: &[&str]) -> Ran {
    let ran = proc::run(
        command()
            .env("HARNESS_PROJECT", root)
            .env("HARNESS_CACHE", dir.join("cache"))
            .arg("matrix")
            .arg("--config")
            .arg(root.join("matrix.yaml"))
            .arg("--results")
            .arg(root.join("results"))
            .args(extra),
        LIMIT,
    );
    assert_no_panic(&ran, "matrix");
    ran
}

const CONFIGS: &str = "configs: [{name: c, fragments: [kernel-configs/c.config]}]\n";

#[test]
fn an_expectation_word_that_is_no_status_is_refused_at_load_with_file_and_line() {
    let dir = tempfile::tempdir().expect("tmp");
    // `faild` is on line 3 of the file.
    let yaml = format!(
        "trees: [{{name: mine, build: false}}]\nseries:\n  - {{name: s, source: one, expect: {{apply: faild}}}}\n{CONFIGS}"
    );
    let root = project(dir.path(), "one\ntwo\nthree\n", &yaml);
    let ran = matrix(dir.path(), &root, &[]);
    assert_eq!(ran.code, Some(2), "{}", ran.describe());
    let err = ran.stderr_str();
    for want in ["matrix.yaml", "line 3", "`faild` is not a apply status"] {
        assert!(err.contains(want), "wanted {want:?}: {}", ran.describe());
    }
    assert!(!root.join("results").exists(), "the matrix ran anyway");
}

#[test]
fn a_series_already_in_the_tree_is_as_expected() {
    // Every hunk of the series is already there: apply says
    // `already-applied` (as `patch -N` would skip it), nothing failed, and
    // with no expectation declared the cell is as expected: exit 0.
    let dir = tempfile::tempdir().expect("tmp");
    let yaml = format!(
        "trees: [{{name: mine, build: false}}]\nseries: [{{name: s, source: one}}]\n{CONFIGS}"
    );
    let root = project(dir.path(), "one\ntwo\ntwo and a half\nthree\n", &yaml);
    let ran = matrix(dir.path(), &root, &["--run-id", "r", "--json", "-"]);
    assert_eq!(ran.code, Some(0), "{}", ran.describe());
    let v: serde_json::Value = serde_json::from_slice(&ran.stdout).expect("json");
    let cell = &v["cells"][0];
    assert_eq!(cell["actual"]["apply"], "already-applied", "{cell}");
    assert_eq!(cell["as_expected"], true, "{cell}");
    assert_eq!(v["summary"]["unexpected"], 0);
}

#[test]
fn a_runs_events_jsonl_replayed_gives_its_report_json() {
    // `s` applies as expected; `f` is declared to fail but applies, so the
    // run is unexpected (exit 1). events.jsonl beside report.json holds
    // everything report.json says.
    let dir = tempfile::tempdir().expect("tmp");
    let yaml = format!(
        "trees: [{{name: mine, build: false}}]\n\
         series: [{{name: s, source: one}}, {{name: f, source: one, expect: {{apply: failed}}}}]\n{CONFIGS}"
    );
    let root = project(dir.path(), "one\ntwo\nthree\n", &yaml);
    let ran = matrix(dir.path(), &root, &["--run-id", "r"]);
    assert_eq!(ran.code, Some(1), "{}", ran.describe());
    let run = root.join("results/r");
    let events = std::fs::read(run.join("events.jsonl")).expect("events.jsonl");
    let replayed =
        harness_orchestrate::matrix::events::replay(events.as_slice()).expect("replayable");
    let on_disk: serde_json::Value =
        serde_json::from_slice(&std::fs::read(run.join("report.json")).expect("report.json"))
            .expect("json");
    assert_eq!(serde_json::to_value(&replayed).expect("json"), on_disk);
    assert_eq!(on_disk["summary"]["cells"], 2);
    // Every line is one event, started and finished ones with their stage.
    let text = String::from_utf8(events).expect("utf-8");
    assert!(
        text.lines()
            .any(|l| l.contains(r#""event":"finished","subject":"s@mine","stage":"apply""#)),
        "{text}"
    );
}
