//! Reproducers in matrix cells (issue 19 item 4): every failed stage of a
//! cell carries one command line, and running that line gives the same
//! failure. On the fake kernel tree (harness-build's fixture) with the
//! bisect fixture's 3-patch series:
//! - `two` takes patches 1-2 (`take: 1-2`): patch 2 adds a `FAKE_ERROR`
//!   marker, so the build fails at init/main.c:4;
//! - `wrong` (tests/fixtures/reproduce) has context the fake tree lacks, so
//!   it does not apply (GNU patch agrees: "Hunk #1 FAILED at 1"); the cell is
//!   then built from the base tree, whose fake `bzImage` is no kernel, so the
//!   boot fails too.
//!
//! Each command is run as printed (from the project directory, `harness` on
//! PATH, `SRC`/`OBJ` replaced by fresh directories, `--json` added) and its
//! verdict compared with the cell's.

mod support;

use std::path::{Path, PathBuf};

const MATRIX: &str = "trees: [{name: fake}]
series:
  - {name: two, source: three, take: 1-2}
  - {name: wrong, source: wrong}
configs: [{name: c, fragments: [kernel-configs/c.config]}]
build: {jobs: 2, sandbox: off}
boot: {timeout: 5, silence: 3, retry: false}
";

/// The project in `dir/proj`; its tree `fake` is a copy of the fake kernel,
/// with the project's own guest (so both boots build the same initramfs and
/// reach QEMU).
fn project(dir: &Path) -> PathBuf {
    let series = [("three", "bisect"), ("wrong", "reproduce")];
    let root = support::fake_project::project(dir, MATRIX, &series);
    support::fake_project::with_guest(&root);
    root
}

fn read_json(p: &Path) -> serde_json::Value {
    let text = std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_slice(&text).expect("json")
}

fn cell<'a>(report: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    report["cells"]
        .as_array()
        .expect("cells")
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no cell {id} in {report:#}"))
}

/// The cell's reproducer for `stage`.
fn command_of(cell: &serde_json::Value, stage: &str) -> String {
    let all = cell["reproduce"].as_array().expect("reproduce");
    let r = all
        .iter()
        .find(|r| r["stage"] == stage)
        .unwrap_or_else(|| panic!("no {stage} reproducer in {cell:#}"));
    r["command"].as_str().expect("command").to_owned()
}

/// Run `line` as a user would: `sh -c` in the project directory with
/// `harness` on PATH and the matrix's cache.
fn run_line(dir: &Path, root: &Path, line: &str) -> support::proc::Ran {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).expect("mkdir");
    let link = bin.join("harness");
    if !link.exists() {
        std::os::unix::fs::symlink(support::harness::bin(), &link).expect("symlink");
    }
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let ran = support::proc::run(
        std::process::Command::new("sh")
            .arg("-c")
            .arg(line)
            .current_dir(root)
            .env("PATH", path)
            .env("NO_COLOR", "1")
            .env("HARNESS_PROJECT", root)
            .env("HARNESS_CACHE", dir.join("cache")),
        std::time::Duration::from_secs(120),
    );
    support::harness::assert_no_panic(&ran, line);
    ran
}

#[test]
fn each_failed_stage_of_a_cell_has_a_command_that_fails_the_same_way() {
    let dir = tempfile::tempdir().expect("tmp");
    let root = project(dir.path());
    let ran = support::matrix::run(&dir.path().join("cache"), &root, &["--run-id", "r"]);
    assert_eq!(ran.code, Some(1), "{}", ran.describe());
    let run = root.join("results/r");
    let report = read_json(&run.join("report.json"));

    // two: the build failed; only the build has a reproducer.
    let two = cell(&report, "two@fake:c");
    assert_eq!(two["build"]["status"], "failed", "{two:#}");
    let stages: Vec<&str> = (two["reproduce"].as_array().expect("reproduce").iter())
        .map(|r| r["stage"].as_str().unwrap_or("?"))
        .collect();
    assert_eq!(stages, ["build"], "{two:#}");
    let build = command_of(two, "build");
    assert!(
        build.contains("--take 1-2 --into SRC && harness build --tree SRC"),
        "{build}"
    );
    let (src, obj) = (dir.path().join("src"), dir.path().join("obj"));
    let json = dir.path().join("build.json");
    let line = build.replace("SRC", &src.display().to_string()).replace(
        "OBJ",
        &format!("{} --json {}", obj.display(), json.display()),
    );
    let again = run_line(dir.path(), &root, &line);
    assert_eq!(again.code, Some(1), "{line}\n{}", again.describe());
    // With --fragment the report is {kconfig, build}.
    let rebuilt = read_json(&json);
    let (want, got) = (&two["build"]["errors"][0], &rebuilt["build"]["errors"][0]);
    for field in ["file", "line", "message"] {
        assert_eq!(got[field], want[field], "{field}: {rebuilt:#} vs {two:#}");
    }
    assert_eq!(want["line"], 4, "the line patch 2 adds");

    // wrong: the apply failed, then the base tree's fake image did not boot.
    let wrong = cell(&report, "wrong@fake:c");
    assert_eq!(wrong["apply"]["status"], "failed", "{wrong:#}");
    let apply = command_of(wrong, "apply");
    assert_eq!(apply, "harness apply patches/wrong --tree fake");
    let json = dir.path().join("apply.json");
    let again = run_line(
        dir.path(),
        &root,
        &format!("{apply} --json {}", json.display()),
    );
    assert_eq!(again.code, Some(1), "{}", again.describe());
    assert_eq!(read_json(&json)["status"], wrong["apply"]["status"]);

    let boot_status = &wrong["boot"]["status"];
    assert_ne!(boot_status, "passed", "{wrong:#}");
    // QEMU itself refuses the fake image (not a missing initramfs).
    let detail = wrong["boot"]["detail"].as_str().unwrap_or_default();
    assert!(detail.contains("QEMU exited"), "{detail}");
    let boot = command_of(wrong, "boot");
    assert!(boot.starts_with("harness boot /"), "the very image: {boot}");
    let json = dir.path().join("boot.json");
    let again = run_line(
        dir.path(),
        &root,
        &format!("{boot} --json {}", json.display()),
    );
    assert_eq!(again.code, Some(1), "{boot}\n{}", again.describe());
    let reboot = read_json(&json);
    assert_eq!(&reboot["status"], boot_status, "{boot}");
    assert_eq!(reboot["detail"], detail, "{boot}");

    // Where people read them.
    let md = std::fs::read_to_string(run.join("summary.md")).expect("summary.md");
    assert!(
        md.contains("- reproduce build: `harness apply patches/three"),
        "{md}"
    );
    let junit = std::fs::read_to_string(run.join("junit.xml")).expect("junit.xml");
    assert!(junit.contains("name=\"reproduce.boot\""), "{junit}");
    let html = std::fs::read_to_string(run.join("index.html")).expect("index.html");
    assert!(html.contains("<h3>Reproduce</h3>"), "html");
}

#[test]
fn boot_only_refuses_a_test_the_guest_suite_does_not_have() {
    // `--only` narrows the suite as the retry boot does; a name that is not
    // in it would otherwise be reported as "not reported" by a kernel that
    // was never asked to run it.
    let dir = tempfile::tempdir().expect("tmp");
    let root = project(dir.path());
    let ran = run_line(
        dir.path(),
        &root,
        "harness boot /dev/null --only no-such-test --timeout 5",
    );
    assert_eq!(ran.code, Some(2), "{}", ran.describe());
    let err = ran.stderr_str();
    assert!(
        err.contains("--only no-such-test: not a test of this guest suite"),
        "{err}"
    );
}
