//! `--revision N`, `--patches LIST` on `harness apply`, and
//! `harness series --am FILE`, on a small reroll written here: v1 has four
//! patches (p1..p4.txt: "one" -> "v1"), v2 three (p1..p3.txt: "one" -> "v2").
//! As b4 does, v2 is taken whole: p4.txt stays "one" unless v1 is asked for.

use std::path::Path;
use std::process::Command;

fn mail(v: u32, n: u32, total: u32) -> String {
    let vs = if v == 1 {
        String::new()
    } else {
        format!(" v{v}")
    };
    format!(
        "From x@z Thu Jan  1 00:00:00 1970\nFrom: A U Thor <author@example.org>\nSubject: [PATCH{vs} {n}/{total}] step {n}\nDate: Mon, 0{v} May 2023 10:0{n}:00 +0000\nMessage-Id: <s{v}-{n}@example.org>\n\nStep {n}.\n\nSigned-off-by: A U Thor <author@example.org>\n---\ndiff --git a/p{n}.txt b/p{n}.txt\n--- a/p{n}.txt\n+++ b/p{n}.txt\n@@ -1 +1 @@\n-one\n+v{v}\n\n"
    )
}

fn setup(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let mbox = dir.join("reroll.mbox");
    let mut text = String::new();
    for n in 1..=4 {
        text.push_str(&mail(1, n, 4));
    }
    for n in 1..=3 {
        text.push_str(&mail(2, n, 3));
    }
    std::fs::write(&mbox, text).expect("mbox");
    let tree = dir.join("tree");
    std::fs::create_dir(&tree).expect("tree");
    for n in 1..=4 {
        std::fs::write(tree.join(format!("p{n}.txt")), "one\n").expect("file");
    }
    (mbox, tree)
}

fn harness(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(args)
        .output()
        .expect("run harness");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

fn files(dir: &Path) -> Vec<String> {
    (1..=4)
        .map(|n| std::fs::read_to_string(dir.join(format!("p{n}.txt"))).unwrap_or_default())
        .collect()
}

fn apply(mbox: &Path, tree: &Path, into: &Path, extra: &[&str]) -> (i32, Vec<String>, String) {
    let mut args = vec![
        "apply",
        mbox.to_str().expect("utf8"),
        "--tree",
        tree.to_str().expect("utf8"),
        "--into",
        into.to_str().expect("utf8"),
    ];
    args.extend_from_slice(extra);
    let (code, out) = harness(&args);
    (code, files(into), out)
}

#[test]
fn apply_takes_the_newest_revision_whole_or_what_is_chosen() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (mbox, tree) = setup(tmp.path());
    let (code, got, out) = apply(&mbox, &tree, &tmp.path().join("a"), &[]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        got,
        vec!["v2\n", "v2\n", "v2\n", "one\n"],
        "v1's 4/4 is not applied"
    );

    let (code, got, out) = apply(&mbox, &tree, &tmp.path().join("b"), &["--revision", "1"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(got, vec!["v1\n", "v1\n", "v1\n", "v1\n"]);

    let (code, got, out) = apply(&mbox, &tree, &tmp.path().join("c"), &["--patches", "1,3"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(got, vec!["v2\n", "one\n", "v2\n", "one\n"]);

    // a patch the revision does not have is an error, and nothing is written
    let into = tmp.path().join("d");
    let (code, _, out) = apply(&mbox, &tree, &into, &["--patches", "4"]);
    assert_ne!(code, 0, "{out}");
    assert!(out.contains("patch 4 requested"), "{out}");
    assert!(!into.exists());
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(["-c", "user.name=T", "-c", "user.email=t@example.org"])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `git am` the file on a repository of the tree: three commits, v2's files.
fn git_am_applies(dir: &Path, am: &Path) {
    let repo = dir.join("repo");
    std::fs::create_dir(&repo).expect("repo");
    for n in 1..=4 {
        std::fs::write(repo.join(format!("p{n}.txt")), "one\n").expect("file");
    }
    git(&repo, &["init", "-q"]);
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-qm", "base"]);
    git(&repo, &["am", "-q", am.to_str().expect("utf8")]);
    assert_eq!(files(&repo), vec!["v2\n", "v2\n", "v2\n", "one\n"]);
    let log = git(&repo, &["log", "--format=%B", "-1"]);
    assert_eq!(
        log.trim_end(),
        "step 3\n\nStep 3.\n\nSigned-off-by: A U Thor <author@example.org>\nLink: https://patch.msgid.link/s2-3@example.org"
    );
}

#[test]
fn series_am_writes_a_git_am_mbox_once() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (mbox, _) = setup(tmp.path());
    let am = tmp.path().join("out.mbox");
    let m = mbox.to_str().expect("utf8");
    let a = am.to_str().expect("utf8");
    let (code, out) = harness(&["series", m, "--am", a, "--add-link"]);
    assert_eq!(code, 0, "{out}");
    let text = std::fs::read_to_string(&am).expect("am written");
    let subjects: Vec<&str> = text.lines().filter(|l| l.starts_with("Subject:")).collect();
    assert_eq!(
        subjects,
        vec![
            "Subject: [PATCH v2 1/3] step 1",
            "Subject: [PATCH v2 2/3] step 2",
            "Subject: [PATCH v2 3/3] step 3"
        ]
    );
    // b4's rebuild_message: no diffstat below `---`, so a blank line, not `---`
    assert!(
        text.contains("Signed-off-by: A U Thor <author@example.org>\nLink: https://patch.msgid.link/s2-1@example.org\n\ndiff --git"),
        "{text}"
    );
    git_am_applies(tmp.path(), &am);
    // refuses to overwrite
    let (code, out) = harness(&["series", m, "--am", a]);
    assert_ne!(code, 0, "{out}");
    assert!(out.contains("must not exist"), "{out}");
}

#[test]
fn refresh_check_source_compares_the_chosen_revision() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (mbox, tree) = setup(tmp.path());
    let m = mbox.to_str().expect("utf8");
    let t = tree.to_str().expect("utf8");
    // default: first vs newest revision of each patch of v2; v1's 4/4 is not
    // one of v2's patches, so it is neither compared nor called refresh-only
    let (_, out) = harness(&["refresh-check", m, "--tree", t]);
    assert!(!out.contains("patch 4"), "{out}");
    // --revision 1: v1 whole against v2 whole: patch 4 is dropped
    let (_, out) = harness(&["refresh-check", m, "--tree", t, "--revision", "1"]);
    assert!(out.contains("(v1)"), "{out}");
    assert!(out.contains("patch 4 \"step 4\": dropped"), "{out}");
}
