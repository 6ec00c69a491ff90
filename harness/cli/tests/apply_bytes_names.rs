//! File names that are not UTF-8, end to end: a Latin-1 name written raw in a
//! traditional diff, and the same name C-quoted in a git diff (git writes
//! `"caf\351.txt"`). GNU patch 2.7.6 and `git apply` both patch the file
//! whose name is those bytes; reading the name lossily (U+FFFD) would look
//! for a different file and report it missing. The report shows the byte as
//! `\xe9`, as GNU patch's message does when read with Python's
//! `backslashreplace`.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::process::Command;

const NAME: &[u8] = b"caf\xe9.txt";

fn run(patch: &[u8]) -> (std::process::Output, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let tree = dir.path().join("tree");
    std::fs::create_dir(&tree).expect("mkdir");
    std::fs::write(tree.join(OsStr::from_bytes(NAME)), b"one\ntwo\n").expect("write");
    std::fs::write(dir.path().join("p.diff"), patch).expect("write patch");
    let out = Command::new(env!("CARGO_BIN_EXE_harness"))
        .arg("apply")
        .arg(dir.path().join("p.diff"))
        .arg("--tree")
        .arg(&tree)
        .args(["-p1", "--json", "-", "--into"])
        .arg(dir.path().join("out"))
        .output()
        .expect("run harness");
    (out, dir)
}

fn check(patch: &[u8]) {
    let (out, dir) = run(patch);
    let text = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{text}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let file = &v["patches"][0]["files"][0];
    assert_eq!(file["path"], "caf\\xe9.txt", "{file}");
    assert_eq!(file["status"], "applied", "{file}");
    let written = dir.path().join("out").join(OsStr::from_bytes(NAME));
    assert_eq!(
        std::fs::read(&written).expect("patched file"),
        b"one\nTWO\n"
    );
    let names: Vec<Vec<u8>> = std::fs::read_dir(dir.path().join("out"))
        .expect("out")
        .map(|e| e.expect("entry").file_name().as_bytes().to_vec())
        .collect();
    assert_eq!(names, vec![NAME.to_vec()], "no second, lossily named file");
}

#[test]
fn a_raw_latin1_name_in_a_traditional_diff_is_patched() {
    let mut p = Vec::new();
    for side in [&b"--- a/"[..], b"+++ b/"] {
        p.extend_from_slice(side);
        p.extend_from_slice(NAME);
        p.push(b'\n');
    }
    p.extend_from_slice(b"@@ -1,2 +1,2 @@\n one\n-two\n+TWO\n");
    check(&p);
}

#[test]
fn a_c_quoted_name_in_a_git_diff_is_patched() {
    let p = concat!(
        "diff --git \"a/caf\\351.txt\" \"b/caf\\351.txt\"\n",
        "index 814f4a4..4a3a1a4 100644\n",
        "--- \"a/caf\\351.txt\"\n",
        "+++ \"b/caf\\351.txt\"\n",
        "@@ -1,2 +1,2 @@\n one\n-two\n+TWO\n",
    );
    check(p.as_bytes());
}
