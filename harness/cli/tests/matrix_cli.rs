//! `harness matrix` on a directory tree, apply-only: no kernel. Loading the
//! matrix file (expectation words checked with their line), the verdict of
//! a series already in the tree, and the run's `events.jsonl`.

mod support;

use std::path::Path;
use support::proc::Ran;

fn project(dir: &Path, f: &str, yaml: &str) -> std::path::PathBuf {
    support::matrix::project(dir, f, yaml)
}

fn matrix(dir: &Path, root: &Path, extra: &[&str]) -> Ran {
    support::matrix::run(&dir.join("cache"), root, extra)
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
