//! `harness matrix` with `bisect: true` on the fake kernel tree (harness-build's
//! fixture): a 3-patch series whose patch 2 adds a `FAKE_ERROR` marker to
//! init/main.c (the fake Makefile turns it into `init/main.c:4:5: error: ...`)
//! and whose patch 3 removes it. The whole series builds; the walk finds the
//! break and the fix, and the cell is not as expected because of it.

mod support;

use std::path::{Path, PathBuf};

const MATRIX: &str = "trees: [{name: fake}]
series:
  - name: three
    source: three
    bisect: true
configs: [{name: c, fragments: [kernel-configs/c.config]}]
build: {jobs: 2, sandbox: off}
boot: {timeout: 5, silence: 3, retry: false}
";

/// The project in `dir/proj`, its tree a copy of the fake kernel.
fn project(dir: &Path, yaml: &str) -> PathBuf {
    support::fake_project::project(dir, yaml, &[("three", "bisect")])
}

fn read_json(p: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(p).expect("read")).expect("json")
}

#[test]
fn a_series_that_breaks_and_fixes_the_build_is_walked_patch_by_patch() {
    let dir = tempfile::tempdir().expect("tmp");
    let root = project(dir.path(), MATRIX);
    let ran = support::matrix::run(&dir.path().join("cache"), &root, &["--run-id", "r"]);
    // The walk failed and nothing declared it: the cell is unexpected.
    assert_eq!(ran.code, Some(1), "{}", ran.describe());
    let run = root.join("results/r");
    let report = read_json(&run.join("report.json"));
    let cell = &report["cells"][0];
    assert_eq!(cell["build"]["status"], "passed", "{cell:#}");
    let b = &cell["bisect"];
    assert_eq!(b["status"], "failed", "{b:#}");
    assert_eq!(b["patches"], 3);
    assert_eq!(b["sandboxed"], false, "the cell's build ran unsandboxed");
    let steps: Vec<&str> = b["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| s["status"].as_str().unwrap_or("?"))
        .collect();
    assert_eq!(steps, ["passed", "passed", "failed", "passed"], "{b:#}");
    let err = &b["steps"][2]["errors"][0];
    // Line 4 of init/main.c after patch 2 (the line it adds), column 5 as
    // the fake Makefile prints it.
    assert_eq!(
        (&err["file"], &err["line"], &err["message"]),
        (
            &"init/main.c".into(),
            &4.into(),
            &"start_kernel is broken".into()
        ),
        "{err:#}"
    );
    assert_eq!(
        (&b["breaks"][0]["broken_by"], &b["breaks"][0]["fixed_by"]),
        (&2.into(), &3.into())
    );
    assert_eq!(cell["actual"]["bisect"], "failed");
    let line = "2/3 breaks the build: error at init/main.c:4: start_kernel is broken (line from 0002-init-break-start-kernel.patch); 3/3 fixes it";
    assert_eq!(b["summary"], line, "{b:#}");
    let md = std::fs::read_to_string(run.join("summary.md")).expect("summary.md");
    assert!(md.contains("## Per-patch builds"), "{md}");
    // Markdown escapes `_` (start\_kernel).
    let md_line = line.replace('_', "\\_");
    assert!(
        md.contains(&format!("`three@fake:c` (failed): {md_line}")),
        "{md}"
    );
    assert!(md.contains("bisect: expected passed, got failed"), "{md}");
    assert!(
        md.contains("2/3 0002-init-break-start-kernel.patch: FAILED"),
        "{md}"
    );
    let junit = std::fs::read_to_string(run.join("junit.xml")).expect("junit.xml");
    assert!(junit.contains("name=\"bisect\""), "{junit}");
}

#[test]
fn a_declared_failing_walk_is_as_expected_in_its_own_build_directory() {
    let dir = tempfile::tempdir().expect("tmp");
    let yaml = MATRIX.replace("bisect: true", "bisect: true\n    expect: {bisect: failed}");
    let root = project(dir.path(), &yaml);
    let cache = dir.path().join("cache");
    let _ = support::matrix::run(&cache, &root, &["--run-id", "r"]);
    let report = read_json(&root.join("results/r/report.json"));
    let cell = &report["cells"][0];
    assert_eq!(cell["expected"]["bisect"], "failed");
    assert_eq!(cell["actual"]["bisect"], "failed");
    let md = std::fs::read_to_string(root.join("results/r/summary.md")).expect("md");
    assert!(!md.contains("bisect: expected"), "{md}");
    // Keyed by tree, series and config, apart from the cell's unit.
    let walk_obj = cache.join("work/bisect+fake+three+c/builds/bisect+fake+three+c/obj");
    assert!(walk_obj.join(".config").is_file(), "{}", walk_obj.display());
}
