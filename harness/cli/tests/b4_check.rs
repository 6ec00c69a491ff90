//! `harness check` run by real b4 (PyPI `b4`, installed by scripts/setup.sh
//! into `<target>/b4-venv`): b4's own per-patch check runner feeds each patch
//! of an mbox to the configured `review-perpatch-check-cmd` and reads its JSON
//! back (tests/b4/run_checks.py). b4 turns a status it does not accept into
//! `fail` and unreadable JSON into a `fail` named after the command, so the
//! `pass` and `warn` results below can only come through b4 if harness spoke
//! its protocol.

mod support;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;
use support::{harness::bin, proc, repo_root, trees::kernel_tree};

fn b4_python() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target"));
    let py = target.join("b4-venv/bin/python");
    assert!(
        py.is_file(),
        "{} is missing: run scripts/setup.sh (it installs b4 from PyPI into that venv)",
        py.display()
    );
    py
}

/// The perpatch-demo series as one mbox (cover letter and four patches, each
/// a `git format-patch` mail starting with its `From <sha>` line).
fn demo_mbox(dir: &Path) -> PathBuf {
    let src = repo_root().join("patches/perpatch-demo");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&src)
        .expect("patches/perpatch-demo")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "patch"))
        .collect();
    files.sort();
    let mut mbox = Vec::new();
    for f in files {
        mbox.extend(std::fs::read(f).expect("read patch"));
        mbox.push(b'\n');
    }
    let p = dir.join("demo.mbox");
    std::fs::write(&p, mbox).expect("write mbox");
    p
}

fn git(dir: &Path, args: &[&str]) {
    let st = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .status()
        .expect("git runs");
    assert!(st.success(), "git {args:?} failed");
}

/// Run b4's checks with `check_cmd` configured; [(subject, results)].
fn run_b4(check_cmd: &str, mbox: &Path, home: &Path) -> Vec<(String, Vec<Value>)> {
    let repo = home.join("repo");
    std::fs::create_dir_all(&repo).expect("mkdir");
    git(&repo, &["init", "-q"]);
    git(
        &repo,
        &["config", "b4.review-perpatch-check-cmd", check_cmd],
    );
    let script = repo_root().join("harness/cli/tests/b4/run_checks.py");
    let ran = proc::run(
        Command::new(b4_python())
            .arg(script)
            .arg(mbox)
            .current_dir(&repo)
            .env("HOME", home)
            .env("XDG_DATA_HOME", home.join("data"))
            .env("XDG_CACHE_HOME", home.join("cache"))
            .env("GIT_CONFIG_NOSYSTEM", "1"),
        Duration::from_secs(900),
    );
    assert_eq!(ran.code, Some(0), "b4 driver: {}", ran.describe());
    let doc: Value = serde_json::from_str(&ran.stdout_str()).expect("driver JSON");
    doc.as_array()
        .expect("list")
        .iter()
        .map(|e| {
            (
                e[0].as_str().expect("subject").to_owned(),
                e[1].as_array().expect("results").clone(),
            )
        })
        .collect()
}

fn statuses(results: &[Value]) -> Vec<(String, String)> {
    results
        .iter()
        .map(|r| {
            (
                r["tool"].as_str().unwrap_or("").to_owned(),
                r["status"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

#[test]
fn b4_reads_harness_check_results_per_patch() {
    let tree = kernel_tree("linux-6.1");
    let home = tempfile::tempdir().expect("tempdir");
    let mbox = demo_mbox(home.path());
    let cmd = format!(
        "{} check --tree {} --series {} --codespell on",
        bin(),
        tree.display(),
        mbox.display()
    );
    let got = run_b4(&cmd, &mbox, home.path());
    assert_eq!(got.len(), 4, "{got:?}");
    let pair = |a: &str, b: &str| {
        vec![
            ("harness-apply".to_owned(), a.to_owned()),
            ("checkpatch".to_owned(), b.to_owned()),
        ]
    };
    // Every patch applies after its predecessors; checkpatch as in
    // checkpatch_cli.rs: clean, ERROR+WARNING, two CHECKs, no Signed-off-by.
    let want = [
        pair("pass", "pass"),
        pair("pass", "fail"),
        pair("pass", "warn"),
        pair("pass", "fail"),
    ];
    for (i, (subject, results)) in got.iter().enumerate() {
        assert_eq!(statuses(results), want[i], "{subject}: {results:?}");
    }
    let cp = &got[1].1[1];
    assert_eq!(cp["summary"], "1 errors, 1 warnings, 0 checks");
    let details: Value =
        serde_json::from_str(cp["details"].as_str().expect("details")).expect("details JSON");
    assert_eq!(
        details[1]["description"],
        "net/core/net_namespace.c:384: ERROR:CODE_INDENT: code indent should use tabs where possible"
    );
    assert_eq!(details[1]["status"], "fail");
    assert!(got[0].1[0]["summary"]
        .as_str()
        .expect("summary")
        .starts_with("applies to "));
}

#[test]
fn b4_shows_the_hunk_that_does_not_apply_without_its_predecessors() {
    let tree = kernel_tree("linux-6.1");
    let home = tempfile::tempdir().expect("tempdir");
    let mbox = demo_mbox(home.path());
    // No --series: each patch alone on the base tree. Patch 3 adds its
    // function right above a line patch 1 added context for.
    let cmd = format!("{} check --tree {} --no-checkpatch", bin(), tree.display());
    let got = run_b4(&cmd, &mbox, home.path());
    assert_eq!(got.len(), 4, "{got:?}");
    let apply = &got[2].1[0];
    assert_eq!(apply["tool"], "harness-apply", "{apply}");
    assert_ne!(apply["status"], "pass", "{apply}");
    assert_eq!(got[0].1[0]["status"], "pass");
    assert_eq!(got[0].1.len(), 1, "--no-checkpatch: one result");
}
