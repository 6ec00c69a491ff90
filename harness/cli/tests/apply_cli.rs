//! `harness apply` end to end on small fixtures. Expected hunk verdicts were
//! taken from GNU patch 2.7.6 (`patch -p1 -N -F2 --dry-run`) on the same files.

use std::ffi::OsStr;
use std::fs;
use std::path::Path;
use std::process::Command;

fn harness() -> Command {
    Command::new(env!("CARGO_BIN_EXE_harness"))
}

/// `harness apply PATCH --tree TREE EXTRA...`, run to completion.
fn apply(patch: &Path, tree: &Path, extra: &[&OsStr]) -> std::process::Output {
    harness()
        .arg("apply")
        .arg(patch)
        .arg("--tree")
        .arg(tree)
        .args(extra)
        .output()
        .expect("run harness")
}

/// `harness apply` with `extra`, the JSON report on stdout and the patched
/// copy written to `into`.
fn apply_json_into(
    patch: &Path,
    tree: &Path,
    into: &Path,
    extra: &[&OsStr],
) -> std::process::Output {
    let mut args = extra.to_vec();
    args.extend([
        OsStr::new("--json"),
        OsStr::new("-"),
        OsStr::new("--into"),
        into.as_os_str(),
    ]);
    apply(patch, tree, &args)
}

fn base() -> String {
    (1..=30).map(|i| format!("line{i}\n")).collect()
}

fn tree_with(dir: &Path, files: &[(&str, &str)]) {
    for (p, c) in files {
        let p = dir.join(p);
        fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        fs::write(p, c).expect("write");
    }
}

fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).expect("read_dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                v.push((p.display().to_string(), fs::read(&p).unwrap_or_default()));
            }
        }
    }
    v.sort();
    v
}

const PATCH: &str = "From: A <a@example.org>\nSubject: [PATCH] two hunks\n\n---\n f.txt | 4 ++--\n\ndiff --git a/f.txt b/f.txt\n--- a/f.txt\n+++ b/f.txt\n@@ -9,7 +9,7 @@\n line9\n line10\n line11\n-nothere\n+LINE12\n line13\n line14\n line15\n@@ -20,7 +20,7 @@\n line20\n line21\n line22\n-line23\n+LINE23\n line24\n line25\n line26\n-- \n2.39.2\n";

#[test]
fn exit_codes_json_shape_and_into_with_rej() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let tree = tmp.path().join("tree");
    tree_with(&tree, &[("f.txt", &format!("x\ny\nz\n{}", base()))]);
    let before = snapshot(&tree);
    let patch = tmp.path().join("p.patch");
    fs::write(&patch, PATCH).expect("write");
    let into = tmp.path().join("out");
    let out = apply_json_into(&patch, &tree, &into, &[]);
    // GNU: Hunk #1 FAILED at 9.  Hunk #2 succeeded at 23 (offset 3 lines).
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json on stdout");
    assert_eq!(v["schema"], "harness.apply/1");
    let p = &v["patches"][0];
    assert_eq!(p["index"], 1);
    assert_eq!(p["status"], "partial");
    assert_eq!(p["subject"], "[PATCH] two hunks");
    let f = &p["files"][0];
    assert_eq!(f["path"], "f.txt");
    assert_eq!(f["hunks"][0]["status"], "failed");
    assert_eq!(f["hunks"][0]["line"], 9);
    assert!(f["hunks"][0]["offset"].is_null());
    assert!(f["hunks"][0]["diagnosis"].is_object());
    assert_eq!(f["hunks"][1]["status"], "applied");
    assert_eq!(f["hunks"][1]["line"], 23);
    assert_eq!(f["hunks"][1]["offset"], 3);
    assert_eq!(f["hunks"][1]["fuzz"], 0);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // A failed hunk reads like a compiler error: cause, file:line, next step.
    assert!(stderr.contains("hunk #1 does not apply"), "{stderr}");
    assert!(stderr.contains("  --> f.txt:9\n"), "{stderr}");
    assert!(stderr.contains("   = cause: "), "{stderr}");
    assert!(
        stderr.contains("f.txt: hunk #2 applied at 23 (offset 3, fuzz 0)"),
        "{stderr}"
    );
    // --into: patched copy plus a GNU-style .rej; the tree is untouched.
    let patched = fs::read_to_string(into.join("f.txt")).expect("patched file");
    assert!(patched.contains("LINE23\n") && !patched.contains("line23\n"));
    let rej = fs::read_to_string(into.join("f.txt.rej")).expect("rej");
    assert!(
        rej.starts_with("--- f.txt\n+++ f.txt\n@@ -9,7 +9,7 @@\n"),
        "{rej}"
    );
    assert_eq!(snapshot(&tree), before);
}

#[test]
fn clean_series_exits_zero() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let tree = tmp.path().join("tree");
    tree_with(&tree, &[("f.txt", &base())]);
    let patch = tmp.path().join("p.patch");
    fs::write(&patch, PATCH.replace("-nothere\n", "-line12\n")).expect("write");
    let json = tmp.path().join("r.json");
    let out = apply(&patch, &tree, &[OsStr::new("--json"), json.as_os_str()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let v: serde_json::Value =
        serde_json::from_slice(&fs::read(&json).expect("json file")).expect("json");
    assert_eq!(v["status"], "applied");
}

#[test]
fn dotdot_path_is_refused_and_nothing_written() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let tree = tmp.path().join("tree");
    tree_with(&tree, &[("f.txt", "a\n")]);
    fs::write(tmp.path().join("victim"), "a\n").expect("write");
    let patch = tmp.path().join("evil.patch");
    fs::write(
        &patch,
        "--- a/../victim\n+++ b/../victim\n@@ -1 +1 @@\n-a\n+pwned\n",
    )
    .expect("write");
    let into = tmp.path().join("out");
    let out = apply_json_into(&patch, &tree, &into, &[]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let f = &v["patches"][0]["files"][0];
    assert_eq!(f["status"], "malformed");
    let reason = f["reason"].as_str().unwrap_or("");
    assert!(
        reason.contains("evil.patch") && reason.contains("../victim"),
        "{reason}"
    );
    assert_eq!(
        fs::read_to_string(tmp.path().join("victim")).expect("read"),
        "a\n"
    );
}

#[test]
fn symlink_leaving_the_tree_is_refused() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let tree = tmp.path().join("tree");
    let outside = tmp.path().join("outside");
    tree_with(&outside, &[("f.txt", "a\n")]);
    fs::create_dir_all(&tree).expect("mkdir");
    std::os::unix::fs::symlink(&outside, tree.join("link")).expect("symlink");
    let patch = tmp.path().join("p.patch");
    fs::write(
        &patch,
        "--- a/link/f.txt\n+++ b/link/f.txt\n@@ -1 +1 @@\n-a\n+b\n",
    )
    .expect("write");
    let out = apply(&patch, &tree, &[OsStr::new("--json"), OsStr::new("-")]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let f = &v["patches"][0]["files"][0];
    assert_eq!(f["status"], "malformed");
    assert!(f["reason"]
        .as_str()
        .unwrap_or("")
        .contains("through symlink `link`"));
    assert_eq!(
        fs::read_to_string(outside.join("f.txt")).expect("read"),
        "a\n"
    );
}

#[test]
fn garbage_and_missing_tree_exit_two() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let tree = tmp.path().join("tree");
    tree_with(&tree, &[("f.txt", "a\n")]);
    let patch = tmp.path().join("junk.patch");
    fs::write(&patch, b"\x00\x01garbage\xff\n").expect("write");
    let out = apply(&patch, &tree, &[]);
    assert_eq!(out.status.code(), Some(2));
    let out = apply(&patch, &tmp.path().join("no-such-tree"), &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("harness tree fetch"));
}

#[test]
fn brief_prints_one_line_per_failed_hunk() {
    let d = tempfile::tempdir().expect("tempdir");
    let tree = d.path().join("tree");
    // The PATCH's hunk #1 removes `nothere`, which the tree does not have.
    tree_with(&tree, &[("f.txt", &base())]);
    let patch = d.path().join("p.patch");
    fs::write(&patch, PATCH).expect("write patch");
    let out = apply(&patch, &tree, &[OsStr::new("--brief")]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("[1/1] f.txt:9: hunk #1 failed: "),
        "{stdout}"
    );
    assert!(!stdout.contains("  --> "), "{stdout}");
    // The roll-up names the one patch to fix.
    assert!(
        stdout.contains("patches not applied: 1 (1 of 1); fix 1 first"),
        "{stdout}"
    );
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .current_dir(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.org"])
        .args(args)
        .output()
        .expect("run git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A git tree where the patch's context changed after it was made: plain
/// apply at --fuzz 0 fails, `--3way` merges (what `git am -3` does, checked
/// below with `git apply -3` on the same repository), and blame names the
/// commit that changed the conflicting line.
#[test]
fn threeway_and_blame_on_a_git_tree() {
    let d = tempfile::tempdir().expect("tempdir");
    let repo = d.path().join("repo");
    fs::create_dir(&repo).expect("mkdir");
    git(&repo, &["init", "-q"]);
    let v1: String = (1..=20).map(|i| format!("line{i}\n")).collect();
    fs::write(repo.join("f.txt"), &v1).expect("write");
    git(&repo, &["add", "f.txt"]);
    git(&repo, &["commit", "-q", "-m", "v1"]);
    fs::write(repo.join("f.txt"), v1.replace("line10\n", "PATCHED10\n")).expect("write");
    let patch = git(&repo, &["diff"]);
    assert!(patch.contains("\nindex "), "{patch}");
    git(&repo, &["checkout", "-q", "f.txt"]);
    // Upstream rewrites line 8, inside the hunk's leading context.
    fs::write(repo.join("f.txt"), v1.replace("line8\n", "upstream8\n")).expect("write");
    git(&repo, &["commit", "-q", "-am", "rewrite line 8"]);
    let pfile = d.path().join("p.patch");
    fs::write(&pfile, &patch).expect("write patch");

    // Reference: git's own 3-way apply merges it cleanly.
    let check = Command::new("git")
        .current_dir(&repo)
        .args(["apply", "-3", "--check"])
        .arg(&pfile)
        .output()
        .expect("git apply");
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );

    // Plain, strict: the hunk fails; blame names the upstream commit.
    let out = apply(
        &pfile,
        &repo,
        &[
            OsStr::new("--fuzz"),
            OsStr::new("0"),
            OsStr::new("--json"),
            OsStr::new("-"),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let h = &v["patches"][0]["files"][0]["hunks"][0];
    assert_eq!(h["status"], "failed");
    let blame = h["diagnosis"]["blame"].to_string();
    assert!(blame.contains("rewrite line 8"), "blame: {blame}\n{h}");
    assert!(v["patches"][0]["files"][0]["threeway"].is_null());

    // --3way: merged, reported apart; the plain verdict stays; exit 0.
    let into = d.path().join("out");
    let out = apply_json_into(
        &pfile,
        &repo,
        &into,
        &[OsStr::new("--fuzz"), OsStr::new("0"), OsStr::new("--3way")],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let f = &v["patches"][0]["files"][0];
    assert_eq!(f["hunks"][0]["status"], "failed");
    assert_eq!(f["threeway"]["outcome"], "merged", "{f}");
    assert!(stderr.contains("f.txt: 3-way merged"), "{stderr}");
    let merged = fs::read_to_string(into.join("f.txt")).expect("merged file");
    assert_eq!(
        merged,
        v1.replace("line8\n", "upstream8\n")
            .replace("line10\n", "PATCHED10\n")
    );
}

#[test]
fn json_names_the_tree_and_each_patch_mail() {
    // A two-message mbox (v2 of a series) applied to a directory that is the
    // top of a git checkout: the report carries the checkout's HEAD (as git
    // rev-parse prints it) and each patch's Message-ID and revision.
    let d = tempfile::tempdir().expect("tempdir");
    let tree = d.path().join("tree");
    tree_with(&tree, &[("f.txt", &base())]);
    git(&tree, &["init", "-q"]);
    git(&tree, &["add", "."]);
    git(&tree, &["commit", "-q", "-m", "base"]);
    let head = git(&tree, &["rev-parse", "HEAD"]);
    // Patch n changes line n*10, with one exact context line on each side.
    let mail = |n: u32, id: &str| {
        let (l, before, after) = (n * 10, n * 10 - 1, n * 10 + 1);
        format!(
            "From dev@example.org Mon Jan  1 00:00:00 2024\nFrom: Dev <dev@example.org>\n\
Subject: [PATCH v2 {n}/2] change line{l}\nMessage-ID: <{id}>\nDate: Mon, 1 Jan 2024 00:0{n}:00 +0000\n\n\
---\ndiff --git a/f.txt b/f.txt\n--- a/f.txt\n+++ b/f.txt\n@@ -{before},3 +{before},3 @@\n line{before}\n-line{l}\n+LINE{l}\n line{after}\n\n"
        )
    };
    let mbox = d.path().join("v2.mbox");
    let text = format!("{}{}", mail(1, "p1@example.org"), mail(2, "p2@example.org"));
    fs::write(&mbox, text).expect("write mbox");
    let out = apply(&mbox, &tree, &[OsStr::new("--json"), OsStr::new("-")]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let id = &v["tree_identity"];
    assert_eq!(id["kind"], "directory", "{id}");
    assert_eq!(id["pinned"], false, "{id}");
    assert_eq!(id["commit"].as_str(), Some(head.trim()), "{id}");
    let ids: Vec<&str> = v["patches"]
        .as_array()
        .expect("patches")
        .iter()
        .map(|p| p["message_id"].as_str().unwrap_or("-"))
        .collect();
    assert_eq!(ids, ["p1@example.org", "p2@example.org"]);
    for p in v["patches"].as_array().expect("patches") {
        assert_eq!(p["revision"], 2, "{p}");
        // Exact placement, as GNU patch places these (offset 0, fuzz 0).
        let h = &p["files"][0]["hunks"][0];
        assert_eq!((&h["offset"], &h["fuzz"]), (&0.into(), &0.into()), "{h}");
    }
}
