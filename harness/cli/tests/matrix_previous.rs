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
use support::harness::command;
use support::proc::{self, Ran};

fn project(dir: &Path) -> PathBuf {
    let yaml = "trees: [{name: mine, build: false}]\nseries: [{name: s, source: one}]\n\
                configs: [{name: c, fragments: [kernel-configs/c.config]}]\n";
    support::matrix::project(dir, "one\ntwo\nthree\n", yaml)
}

fn matrix(dir: &Path, root: &Path, run_id: &str) -> Ran {
    support::matrix::run(&dir.join("cache"), root, &["--run-id", run_id])
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
