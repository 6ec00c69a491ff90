//! The stable patch-id against `git patch-id --stable` on patches that
//! `git format-patch` writes from a fixture repository: modifications with
//! several hunks and files, a new and a deleted file, a file without a
//! final newline, blank context lines, a rename with changes, a mode
//! change, a binary file.

use super::stable_patch_id;
use crate::test_git::git;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

fn git_patch_id(patch: &[u8]) -> Option<String> {
    let mut child = Command::new("git")
        .args(["patch-id", "--stable"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the git CLI (host package `git`)");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(patch)
        .expect("write patch");
    let out = child.wait_with_output().expect("git patch-id");
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_whitespace().next().map(str::to_owned)
}

fn put(dir: &Path, name: &str, bytes: &[u8]) {
    if let Some(p) = Path::new(name).parent() {
        std::fs::create_dir_all(dir.join(p)).expect("mkdir");
    }
    std::fs::write(dir.join(name), bytes).expect("write");
}

fn commit(dir: &Path, msg: &str) {
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-qm", msg]);
}

fn lines(n: usize, tag: &str) -> String {
    (1..=n).map(|i| format!("line {i} {tag}\n")).collect()
}

/// One commit per case on top of a base; returns the format-patch files.
fn fixture(dir: &Path) -> Vec<std::path::PathBuf> {
    git(dir, &["init", "-q"]);
    put(dir, "a.txt", lines(40, "a").as_bytes());
    put(dir, "b.txt", lines(10, "b").as_bytes());
    put(dir, "gone.txt", b"bye\n");
    put(dir, "blank.txt", b"one\n\ntwo\n\nthree\n\nfour\n");
    put(dir, "old/name.txt", lines(12, "r").as_bytes());
    put(dir, "run.sh", b"#!/bin/sh\necho hi\n");
    put(dir, "bin.dat", &[0, 1, 2, 3, 255, 0, 9]);
    commit(dir, "base");
    let a2 = lines(40, "a")
        .replace("line 3 a", "line 3 A")
        .replace("line 33 a", "line 33 A");
    put(dir, "a.txt", a2.as_bytes());
    put(
        dir,
        "b.txt",
        lines(10, "b")
            .replace("line 9 b\n", "line 9 b\nnew b\n")
            .as_bytes(),
    );
    commit(dir, "two files, three hunks");
    put(dir, "dir/new.c", b"int x;\n\tint  y ;\n");
    std::fs::remove_file(dir.join("gone.txt")).expect("rm");
    commit(dir, "new and deleted");
    put(dir, "b.txt", lines(10, "b").trim_end().as_bytes());
    put(dir, "blank.txt", b"one\n\ntwo\n\nTHREE\n\nfour\n");
    commit(dir, "no newline at end, blank context");
    std::fs::remove_file(dir.join("old/name.txt")).expect("rm");
    put(
        dir,
        "new/name.txt",
        lines(12, "r").replace("line 6 r", "line 6 R").as_bytes(),
    );
    commit(dir, "rename with a change");
    git(dir, &["update-index", "--chmod=+x", "run.sh"]);
    git(dir, &["commit", "-qm", "mode only"]);
    put(dir, "bin.dat", &[0, 1, 2, 3, 254, 0, 9, 7]);
    put(
        dir,
        "a.txt",
        a2.replace("line 20 a", "line 20 A").as_bytes(),
    );
    commit(dir, "binary and text");
    let out = dir.join("out");
    let o = out.to_string_lossy().into_owned();
    git(
        dir,
        &["format-patch", "-q", "-M", "--binary", "-o", &o, "HEAD~6"],
    );
    let mut v: Vec<_> = std::fs::read_dir(&out)
        .expect("out")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    v.sort();
    v
}

#[test]
fn stable_patch_id_is_what_git_patch_id_says() {
    let tmp = tempfile::tempdir().expect("tmp");
    let files = fixture(tmp.path());
    assert_eq!(files.len(), 6);
    for f in &files {
        let bytes = std::fs::read(f).expect("patch");
        let want = git_patch_id(&bytes);
        assert!(want.is_some(), "git gave no id for {}", f.display());
        assert_eq!(stable_patch_id(&bytes), want, "{}", f.display());
    }
}

#[test]
fn stable_id_ignores_file_order_and_whitespace_and_needs_a_diff() {
    let one = b"Subject: x\n\nmsg\n---\ndiff --git a/f b/f\nindex 1..2 100644\n--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+b\ndiff --git a/g b/g\n--- a/g\n+++ b/g\n@@ -1,2 +1,2 @@\n x\n-c\n+d\n-- \n2.47\n";
    let two = b"diff --git a/g b/g\n--- a/g\n+++ b/g\n@@ -1,2 +1,2 @@\n  x\n-c\n+d\ndiff --git a/f b/f\n--- a/f\n+++  b/f\n@@ -5 +5 @@\n-a\n+b\n";
    let id = stable_patch_id(one);
    assert_eq!(id, git_patch_id(one));
    assert_eq!(id, stable_patch_id(two));
    assert_eq!(stable_patch_id(b"Subject: no diff\n\njust text\n"), None);
}
