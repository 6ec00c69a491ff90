//! A matrix run names the run before it and what changed since (issue 22):
//! an apply-only matrix on a directory tree (no kernel), run twice in one
//! results directory. Run 1 applies the patch; the file it changes is then
//! removed, so run 2's hunk fails: regressions by `harness report
//! compare`'s rules (the hunk, and the cell no longer as expected), whose
//! counts the report must repeat. Without `--compare` the exit status is the run's own
//! (the cell has no expectation, so a failed apply is unexpected: 1), and
//! the report links to run 1 with the counts.

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;
use support::harness::{assert_no_panic, command};
use support::proc::{self, Ran};

const PATCH: &str = "From: A U Thor <a@example.org>
Subject: [PATCH] f: add a line

---
diff --git a/f b/f
--- a/f
+++ b/f
@@ -1,3 +1,4 @@
 one
 two
+two and a half
 three
";

fn project(dir: &Path) -> PathBuf {
    let root = dir.join("proj");
    std::fs::create_dir_all(root.join("patches/one")).expect("mkdir");
    std::fs::create_dir_all(root.join("kernel-configs")).expect("mkdir");
    std::fs::create_dir_all(dir.join("tree")).expect("mkdir tree");
    std::fs::write(dir.join("tree/f"), "one\ntwo\nthree\n").expect("write tree");
    std::fs::write(root.join("patches/one/0001-a.patch"), PATCH).expect("write");
    std::fs::write(root.join("kernel-configs/c.config"), "CONFIG_NET=y\n").expect("write");
    let yaml = "trees: [{name: mine, build: false}]\nseries: [{name: s, source: one}]\n\
                configs: [{name: c, fragments: [kernel-configs/c.config]}]\n";
    std::fs::write(root.join("matrix.yaml"), yaml).expect("write");
    let trees = format!(
        "trees:\n  mine:\n    directory:\n      path: {}\n",
        dir.join("tree").display()
    );
    std::fs::write(root.join("trees.yaml"), trees).expect("write");
    root
}

fn matrix(dir: &Path, root: &Path, run_id: &str) -> Ran {
    let ran = proc::run(
        command()
            .env("HARNESS_PROJECT", root)
            .env("HARNESS_CACHE", dir.join("cache"))
            .arg("matrix")
            .arg("--config")
            .arg(root.join("matrix.yaml"))
            .arg("--results")
            .arg(root.join("results"))
            .args(["--run-id", run_id]),
        Duration::from_secs(60),
    );
    assert_no_panic(&ran, "matrix");
    ran
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn a_run_links_the_previous_one_with_the_changes_since() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = project(tmp.path());
    let ran = matrix(tmp.path(), &root, "run1");
    assert_eq!(ran.code, Some(0), "{}", ran.describe());
    let run1 = root.join("results/run1");
    let r1: serde_json::Value = serde_json::from_str(&read(&run1.join("report.json"))).unwrap();
    assert!(r1.get("previous").is_none(), "a first run has none: {r1:#}");
    assert!(!run1.join("compare.json").exists());

    std::fs::remove_file(tmp.path().join("tree/f")).expect("remove the patched file");
    let ran = matrix(tmp.path(), &root, "run2");
    assert_eq!(ran.code, Some(1), "{}", ran.describe());
    let run2 = root.join("results/run2");
    let r2: serde_json::Value = serde_json::from_str(&read(&run2.join("report.json"))).unwrap();
    let p = &r2["previous"];
    assert_eq!(p["run_id"], "run1", "{r2:#}");
    assert_eq!(p["dir"], "../run1");
    // The counts are those of `harness report compare run1 run2`.
    let ran = proc::run(
        command()
            .args(["report", "compare"])
            .arg(&run1)
            .arg(&run2)
            .args(["--json", "-"]),
        Duration::from_secs(60),
    );
    let cmp: serde_json::Value = serde_json::from_slice(&ran.stdout).expect("compare JSON");
    let count = |v: &serde_json::Value, k: &str| v[k].as_array().map_or(0, Vec::len);
    let regressions = count(&cmp, "regressions");
    assert!(regressions >= 1, "the hunk newly failed: {cmp:#}");
    assert_eq!(p["regressions"], regressions, "{p:#}\n{cmp:#}");
    assert_eq!(p["fixes"], count(&cmp, "fixes"));
    assert_eq!(p["other"], count(&cmp, "other"));
    let headline = p["headlines"][0].as_str().expect("a headline");
    assert!(headline.contains("hunk #1 newly failed"), "{headline}");
    // compare.json in the run directory is that comparison.
    let saved: serde_json::Value = serde_json::from_str(&read(&run2.join("compare.json"))).unwrap();
    assert_eq!(saved, cmp);
    // events.jsonl carries the comparison too: replayed, it gives this
    // report.json, previous run included.
    let events = std::fs::read(run2.join("events.jsonl")).expect("events.jsonl");
    let replayed =
        harness_orchestrate::matrix::events::replay(events.as_slice()).expect("replayable");
    assert_eq!(serde_json::to_value(&replayed).expect("json"), r2);
    // Both human reports link to run 1 relatively.
    let md = read(&run2.join("summary.md"));
    let line = format!(
        "Since the previous run [`run1`](../run1/summary.md): {regressions} regression(s), 0 fix(es)"
    );
    assert!(md.contains(&line), "{md}");
    // (Markdown escapes the `#`.)
    assert!(
        md.contains("- REGRESSION s@mine:c: 0001-a.patch / f / hunk \\#1 newly failed"),
        "{md}"
    );
    let html = read(&run2.join("index.html"));
    assert!(
        html.contains("<a href=\"../run1/index.html\"><code>run1</code></a>"),
        "{html}"
    );
}
