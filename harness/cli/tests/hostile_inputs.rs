//! Hostile input to `harness apply`: paths that escape the tree (`../`,
//! absolute, rename targets, symlinks inside the tree pointing outside, to a
//! file and to a directory), hunks shorter than their header, absurd hunk
//! numbers, random bytes, an empty file, a 50 MB garbage file, invalid
//! UTF-8, CRLF patches.
//!
//! What must hold (issue 2 "Safety", the exit codes of docs/contract.md):
//! - no panic (exit 101 or "panicked at"), no hang, no signal;
//! - exit 1 (some hunk not applied / refused) or 2 (input unusable), with a
//!   message naming the patch and the offending path;
//! - the tree is byte-for-byte untouched (snapshot before and after),
//!   and nothing is written outside the tree or the `--into` directory
//!   (a canary directory beside the tree, and the whole scratch root);
//! - where GNU patch gives a verdict (CRLF, Latin-1 bytes), the harness
//!   gives the same one (the GNU oracle in tests/support/gnu.rs).

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;
use support::harness::{self as h, assert_no_panic};
use support::proc::Ran;
use support::{snapshot, snapshot_diff, Entry};

struct Fx {
    tmp: tempfile::TempDir,
    tree: PathBuf,
    canary: PathBuf,
    patches: PathBuf,
}

impl Fx {
    fn new() -> Fx {
        let tmp = tempfile::Builder::new()
            .prefix("hostile-")
            .tempdir()
            .expect("tempdir");
        let tree = tmp.path().join("tree");
        let canary = tmp.path().join("canary");
        let patches = tmp.path().join("patches");
        for d in [&tree, &canary, &patches, &tree.join("dir")] {
            std::fs::create_dir_all(d).unwrap();
        }
        std::fs::write(tree.join("f.txt"), numbers(20)).unwrap();
        std::fs::write(tree.join("dir/g.txt"), numbers(20)).unwrap();
        std::fs::write(canary.join("file"), numbers(20)).unwrap();
        std::fs::write(canary.join("f.txt"), numbers(20)).unwrap();
        Fx {
            tmp,
            tree,
            canary,
            patches,
        }
    }

    fn root(&self) -> &Path {
        self.tmp.path()
    }

    fn write_patch(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.patches.join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }

    /// Everything under the scratch root except `out/` (the `--into` target).
    fn world(&self) -> BTreeMap<PathBuf, Entry> {
        let mut s = snapshot(self.root());
        s.retain(|p, _| !p.starts_with("out"));
        s
    }

    /// Run `harness apply SERIES --tree TREE --json -` and, in a second run,
    /// with `--into OUT`; check the invariants for both and return both.
    fn apply_both(&self, series: &Path, what: &str) -> (Ran, Ran) {
        let before = self.world();
        let tree_before = snapshot(&self.tree);
        let canary_before = snapshot(&self.canary);
        let limit = Duration::from_secs(120);
        let plain = h::apply(series, &self.tree, &[], limit);
        assert_no_panic(&plain, what);
        let out = self.root().join("out");
        let _ = std::fs::remove_dir_all(&out);
        let out_s = out.to_string_lossy().into_owned();
        let into = h::apply(series, &self.tree, &["--into", &out_s], limit);
        assert_no_panic(&into, &format!("{what} (--into)"));
        let tree_diff = snapshot_diff(&tree_before, &snapshot(&self.tree));
        assert!(tree_diff.is_empty(), "{what}: TREE MODIFIED: {tree_diff:?}");
        let canary_diff = snapshot_diff(&canary_before, &snapshot(&self.canary));
        assert!(
            canary_diff.is_empty(),
            "{what}: WROTE OUTSIDE THE TREE (canary): {canary_diff:?}"
        );
        let world_diff = snapshot_diff(&before, &self.world());
        assert!(
            world_diff.is_empty(),
            "{what}: WROTE OUTSIDE THE TREE: {world_diff:?}"
        );
        if out.exists() {
            // Whatever --into wrote must not reach outside through symlinks.
            for (p, e) in snapshot(&out) {
                if let Entry::Symlink(t) = e {
                    let from_tree = std::fs::read_link(self.tree.join(&p)).ok();
                    assert_eq!(
                        from_tree.as_deref(),
                        Some(t.as_path()),
                        "{what}: --into created a symlink {} -> {} not in the tree",
                        p.display(),
                        t.display()
                    );
                }
            }
        }
        (plain, into)
    }
}

fn numbers(n: usize) -> String {
    (1..=n).map(|i| format!("{i}\n")).collect()
}

fn all_output(r: &Ran) -> String {
    format!("{}\n{}", r.stdout_str(), r.stderr_str())
}

/// Exit 1 or 2 and the output names each of `needles`.
fn assert_refused(r: &Ran, what: &str, needles: &[&str]) {
    assert!(
        matches!(r.code, Some(1) | Some(2)),
        "{what}: want exit 1 or 2, got {}",
        r.describe()
    );
    let text = all_output(r);
    for n in needles {
        assert!(
            text.contains(n),
            "{what}: output does not name {n:?}: {}",
            r.describe()
        );
    }
}

/// If the run printed a report, the file `path` is refused as malformed with a reason.
fn assert_malformed_file(r: &Ran, what: &str, path_part: &str) {
    let Ok(doc) = serde_json::from_slice::<serde_json::Value>(&r.stdout) else {
        // No report: then it must be exit 2 (input refused as a whole).
        assert_eq!(
            r.code,
            Some(2),
            "{what}: no JSON report and not exit 2: {}",
            r.describe()
        );
        return;
    };
    let patches = h::parse_report(&doc).unwrap_or_else(|e| panic!("{what}: {e}"));
    let files: Vec<_> = patches.iter().flat_map(|p| &p.files).collect();
    let f = files
        .iter()
        .find(|f| f.path.contains(path_part))
        .unwrap_or_else(|| {
            panic!(
                "{what}: report has no file naming {path_part:?}: {}",
                r.describe()
            )
        });
    assert_eq!(
        f.status,
        "malformed",
        "{what}: {} should be refused: {}",
        f.path,
        r.describe()
    );
    assert!(
        f.reason.as_deref().is_some_and(|s| !s.is_empty()),
        "{what}: refused file {} has no reason",
        f.path
    );
    assert!(
        f.hunks.iter().all(|h| h.status != "applied"),
        "{what}: a hunk of refused {} is marked applied",
        f.path
    );
}

fn modify(old: &str, new: &str) -> String {
    format!("--- {old}\n+++ {new}\n@@ -2,3 +2,3 @@\n 2\n-3\n+three\n 4\n")
}

#[test]
fn dotdot_path_is_refused() {
    let fx = Fx::new();
    let p = fx.write_patch(
        "evil-dotdot.patch",
        modify("a/../canary/file", "b/../canary/file").as_bytes(),
    );
    let (plain, into) = fx.apply_both(&p, "../ path");
    for r in [&plain, &into] {
        assert_refused(r, "../ path", &["evil-dotdot.patch", "../canary/file"]);
        assert_malformed_file(r, "../ path", "canary/file");
    }
}

#[test]
fn dotdot_in_the_middle_is_refused() {
    let fx = Fx::new();
    let p = fx.write_patch(
        "evil-mid.patch",
        modify("a/dir/../../canary/f.txt", "b/dir/../../canary/f.txt").as_bytes(),
    );
    let (plain, into) = fx.apply_both(&p, "dir/../../ path");
    for r in [&plain, &into] {
        assert_refused(r, "dir/../../ path", &["evil-mid.patch", "canary/f.txt"]);
        assert_malformed_file(r, "dir/../../ path", "canary/f.txt");
    }
}

#[test]
fn absolute_path_is_refused() {
    // With -p0 (set in the quilt series) the stripped name stays absolute.
    let fx = Fx::new();
    let target = fx.canary.join("file");
    let t = target.to_string_lossy().into_owned();
    let q = fx.root().join("quilt");
    std::fs::create_dir_all(&q).unwrap();
    std::fs::write(q.join("abs.patch"), modify(&t, &t)).unwrap();
    std::fs::write(q.join("series"), "abs.patch -p0\n").unwrap();
    let (plain, into) = fx.apply_both(&q, "absolute path");
    for r in [&plain, &into] {
        assert_refused(r, "absolute path", &["abs.patch", &t]);
        assert_malformed_file(r, "absolute path", &t);
    }
}

#[test]
fn git_rename_out_of_the_tree_is_refused() {
    // git's "rename to" names are not stripped: this one points outside.
    let fx = Fx::new();
    let p = fx.write_patch(
        "evil-rename.patch",
        b"diff --git a/f.txt b/../canary/stolen.txt\n\
similarity index 90%\n\
rename from f.txt\n\
rename to ../canary/stolen.txt\n\
--- a/f.txt\n\
+++ b/../canary/stolen.txt\n\
@@ -2,3 +2,3 @@\n 2\n-3\n+three\n 4\n",
    );
    let (plain, into) = fx.apply_both(&p, "rename out of the tree");
    for r in [&plain, &into] {
        assert_refused(
            r,
            "rename out of the tree",
            &["evil-rename.patch", "stolen.txt"],
        );
    }
    assert!(!fx.canary.join("stolen.txt").exists());
}

#[test]
fn symlink_to_a_file_outside_is_refused() {
    let fx = Fx::new();
    std::os::unix::fs::symlink("../canary/file", fx.tree.join("link.txt")).unwrap();
    std::os::unix::fs::symlink(fx.canary.join("f.txt"), fx.tree.join("abslink.txt")).unwrap();
    let p = fx.write_patch(
        "evil-link.patch",
        format!(
            "{}{}",
            modify("a/link.txt", "b/link.txt"),
            modify("a/abslink.txt", "b/abslink.txt")
        )
        .as_bytes(),
    );
    let (plain, into) = fx.apply_both(&p, "file symlink");
    for r in [&plain, &into] {
        assert_refused(
            r,
            "file symlink",
            &["evil-link.patch", "link.txt", "abslink.txt"],
        );
        assert_malformed_file(r, "file symlink", "link.txt");
        assert_malformed_file(r, "file symlink", "abslink.txt");
    }
}

#[test]
fn symlink_to_a_directory_outside_is_refused() {
    // tree/sub -> ../canary: modifying sub/file or creating sub/new.txt
    // would write into the canary.
    let fx = Fx::new();
    std::os::unix::fs::symlink("../canary", fx.tree.join("sub")).unwrap();
    let create = "diff --git a/sub/new.txt b/sub/new.txt\nnew file mode 100644\n--- /dev/null\n+++ b/sub/new.txt\n@@ -0,0 +1 @@\n+pwned\n";
    let p = fx.write_patch(
        "evil-dirlink.patch",
        format!("{}{create}", modify("a/sub/file", "b/sub/file")).as_bytes(),
    );
    let (plain, into) = fx.apply_both(&p, "directory symlink");
    for r in [&plain, &into] {
        assert_refused(
            r,
            "directory symlink",
            &["evil-dirlink.patch", "sub/file", "sub/new.txt"],
        );
        assert_malformed_file(r, "directory symlink", "sub/file");
        assert_malformed_file(r, "directory symlink", "sub/new.txt");
    }
    assert!(!fx.canary.join("new.txt").exists());
}

#[test]
fn git_hook_creation_is_refused_and_the_rest_written() {
    // A hook would run on the next `git checkout` of the written tree. git
    // refuses this patch ("error: invalid path '.git/hooks/post-checkout'",
    // `git apply --check`, git 2.47); so does the harness: that section is
    // malformed with the reason, the f.txt section still applies and is
    // written by `--into`, the hook is written nowhere (nor a `.rej`).
    let fx = Fx::new();
    let hook = "diff --git a/.git/hooks/post-checkout b/.git/hooks/post-checkout\nnew file mode 100755\n--- /dev/null\n+++ b/.git/hooks/post-checkout\n@@ -0,0 +1,2 @@\n+#!/bin/sh\n+touch pwned\n";
    let p = fx.write_patch(
        "evil-hook.patch",
        format!("{}{hook}", modify("a/f.txt", "b/f.txt")).as_bytes(),
    );
    let (plain, into) = fx.apply_both(&p, "git hook");
    for r in [&plain, &into] {
        assert_eq!(r.code, Some(1), "git hook: want exit 1: {}", r.describe());
        assert_refused(
            r,
            "git hook",
            &["evil-hook.patch", ".git/hooks/post-checkout"],
        );
        assert_malformed_file(r, "git hook", "post-checkout");
        let doc: serde_json::Value = serde_json::from_slice(&r.stdout).expect("JSON report");
        let report = h::parse_report(&doc).unwrap();
        let f = report[0]
            .files
            .iter()
            .find(|f| f.path == "f.txt")
            .expect("f.txt");
        assert_eq!(f.status, "applied", "{}", r.describe());
        let reason = report[0]
            .files
            .iter()
            .find(|f| f.path.contains("post-checkout"))
            .and_then(|f| f.reason.clone())
            .unwrap_or_default();
        assert!(reason.contains("`.git` directory"), "{reason}");
    }
    let out = fx.root().join("out");
    let written = std::fs::read_to_string(out.join("f.txt")).expect("--into wrote f.txt");
    assert!(written.contains("three\n"), "{written}");
    let names: Vec<PathBuf> = snapshot(&out).into_keys().collect();
    assert!(
        names
            .iter()
            .all(|n| !n.to_string_lossy().contains("post-checkout")),
        "--into wrote the hook: {names:?}"
    );
    assert!(
        !out.join(".git").exists(),
        "--into made {}/.git",
        out.display()
    );
}

#[test]
fn hunk_shorter_than_its_header_is_malformed_and_the_rest_still_evaluated() {
    // The first hunk claims 5 old / 5 new lines but has 3 before the next
    // `diff --git` header; the second file's hunk is fine and must still be
    // applied (issue 2: "the rest of the patch is still evaluated"). So:
    // exit 1, hunk 1 malformed with its line in the input (the @@ line is
    // line 4), dir/g.txt applied. (Without the `diff --git` line the next
    // `---`/`+++` lines would be read as hunk body, as GNU patch does.)
    let fx = Fx::new();
    let text = format!(
        "diff --git a/f.txt b/f.txt\n--- a/f.txt\n+++ b/f.txt\n@@ -2,5 +2,5 @@\n 2\n-3\n+three\ndiff --git a/dir/g.txt b/dir/g.txt\n{}",
        modify("a/dir/g.txt", "b/dir/g.txt")
    );
    let p = fx.write_patch("short-hunk.patch", text.as_bytes());
    let (plain, into) = fx.apply_both(&p, "short hunk");
    for r in [&plain, &into] {
        assert_eq!(r.code, Some(1), "short hunk: want exit 1: {}", r.describe());
        let doc: serde_json::Value = serde_json::from_slice(&r.stdout)
            .unwrap_or_else(|e| panic!("short hunk: no JSON ({e}): {}", r.describe()));
        let report = h::parse_report(&doc).unwrap();
        let files = &report[0].files;
        let f = files
            .iter()
            .find(|f| f.path == "f.txt")
            .expect("f.txt in report");
        assert_eq!(f.hunks[0].status, "malformed", "{}", r.describe());
        let raw = &doc["patches"][0]["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["path"] == "f.txt")
            .unwrap()["hunks"][0];
        let src = raw["source_line"].as_u64();
        assert!(
            matches!(src, Some(4..=7)),
            "malformed hunk must carry source_line near its @@ line 4: {raw}"
        );
        let g = files
            .iter()
            .find(|f| f.path == "dir/g.txt")
            .expect("dir/g.txt in report");
        assert_eq!(g.hunks[0].status, "applied", "{}", r.describe());
    }
    let out = std::fs::read_to_string(fx.root().join("out/dir/g.txt"))
        .unwrap_or_else(|e| panic!("--into output lacks dir/g.txt: {e}"));
    assert!(out.contains("three\n"));
}

#[test]
fn absurd_hunk_numbers_do_not_panic() {
    // Overflowing and huge line numbers/counts: no panic, no huge allocation,
    // exit 1 or 2.
    let fx = Fx::new();
    for (i, header) in [
        "@@ -99999999999999999999999,1 +1,1 @@",
        "@@ -18446744073709551615,2 +18446744073709551615,2 @@",
        "@@ -9223372036854775807,1 +9223372036854775807,1 @@",
        "@@ -1,1000000000 +1,1000000000 @@",
        "@@ -0,0 +0,0 @@",
        "@@ -5,-3 +5,3 @@",
    ]
    .iter()
    .enumerate()
    {
        let name = format!("absurd-{i}.patch");
        let p = fx.write_patch(
            &name,
            format!("--- a/f.txt\n+++ b/f.txt\n{header}\n 2\n-3\n+three\n 4\n").as_bytes(),
        );
        let (plain, _into) = fx.apply_both(&p, header);
        assert_refused(&plain, header, &[&name]);
    }
}

fn garbage(len: usize, seed: u64) -> Vec<u8> {
    // xorshift64*: deterministic bytes, no dependency.
    let mut x = seed | 1;
    let mut v = Vec::with_capacity(len);
    while v.len() < len {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        v.extend_from_slice(&x.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes());
    }
    v.truncate(len);
    v
}

#[test]
fn random_bytes_exit_2_naming_the_patch() {
    let fx = Fx::new();
    for seed in [1u64, 2, 3] {
        let name = format!("random-{seed}.patch");
        let p = fx.write_patch(&name, &garbage(64 * 1024, seed));
        let (plain, into) = fx.apply_both(&p, &name);
        for r in [&plain, &into] {
            assert_eq!(
                r.code,
                Some(2),
                "{name}: garbage must be exit 2: {}",
                r.describe()
            );
            assert_refused(r, &name, &[&name]);
        }
    }
}

#[test]
fn empty_file_exits_2_naming_the_patch() {
    let fx = Fx::new();
    let p = fx.write_patch("empty.patch", b"");
    let (plain, into) = fx.apply_both(&p, "empty patch");
    for r in [&plain, &into] {
        assert_eq!(
            r.code,
            Some(2),
            "empty patch must be exit 2: {}",
            r.describe()
        );
        assert_refused(r, "empty patch", &["empty.patch"]);
    }
}

#[test]
fn fifty_megabytes_of_garbage_exit_2_quickly() {
    let fx = Fx::new();
    // Text-like garbage (no diff in it) plus random bytes: 50 MB.
    let mut bytes = "this is not a patch\n".repeat(1_250_000).into_bytes();
    bytes.extend(garbage(25 * 1024 * 1024, 7));
    let p = fx.write_patch("huge.patch", &bytes);
    let start = std::time::Instant::now();
    let r = h::apply(&p, &fx.tree, &[], Duration::from_secs(120));
    assert_no_panic(&r, "50 MB garbage");
    assert_eq!(
        r.code,
        Some(2),
        "50 MB garbage must be exit 2: {}",
        r.describe()
    );
    assert_refused(&r, "50 MB garbage", &["huge.patch"]);
    assert!(
        start.elapsed() < Duration::from_secs(60),
        "50 MB garbage took {:?}",
        start.elapsed()
    );
    let canary = snapshot(&fx.canary);
    assert_eq!(canary.len(), 2);
}

/// Run the harness and the GNU oracle on `patch` against `fx.tree` and
/// require equal verdicts for every hunk.
fn same_as_gnu(fx: &Fx, patch: &Path, what: &str) {
    let entries = support::series::single(patch, 1);
    let (oracle, _t) = support::gnu::apply_series(&entries, &fx.tree, &Default::default())
        .unwrap_or_else(|e| panic!("{what}: oracle: {e}"));
    let (plain, _into) = fx.apply_both(patch, what);
    let doc: serde_json::Value = serde_json::from_slice(&plain.stdout)
        .unwrap_or_else(|e| panic!("{what}: no JSON ({e}): {}", plain.describe()));
    let report = h::parse_report(&doc).unwrap_or_else(|e| panic!("{what}: {e}"));
    let cmp = support::compare::compare(&entries, &oracle, &report);
    assert!(
        cmp.hunks > 0,
        "{what}: nothing compared; GNU said:\n{}",
        oracle.patches[0].output
    );
    assert!(
        cmp.disagreements.is_empty(),
        "{what}: disagrees with GNU patch:\n{}\nGNU said:\n{}",
        cmp.disagreements.join("\n"),
        oracle.patches[0].output
    );
}

#[test]
fn invalid_utf8_content_is_handled_like_gnu() {
    // Latin-1 bytes in the file and in the patch's context/added lines (the
    // kernel has such files): GNU applies it; so must the harness.
    let fx = Fx::new();
    let mut file = numbers(10).into_bytes();
    file.extend_from_slice(b"caf\xe9 \xff\xfe\n");
    file.extend_from_slice(numbers(5).as_bytes());
    std::fs::write(fx.tree.join("latin1.c"), &file).unwrap();
    let patch = b"--- a/latin1.c\n+++ b/latin1.c\n@@ -10,3 +10,3 @@\n 10\n-caf\xe9 \xff\xfe\n+na\xefve \x80\n 1\n".to_vec();
    let p = fx.write_patch("latin1.patch", &patch);
    same_as_gnu(&fx, &p, "Latin-1 content");
}

#[test]
fn invalid_utf8_path_does_not_panic() {
    // A path that is not UTF-8: the harness may refuse it or apply it, but
    // without a panic, naming the patch, and without writing outside.
    let fx = Fx::new();
    use std::os::unix::ffi::OsStrExt;
    let name = std::ffi::OsStr::from_bytes(b"bad\xffname.txt");
    std::fs::write(fx.tree.join(name), numbers(20)).unwrap();
    let p = fx.write_patch(
        "badpath.patch",
        b"--- a/bad\xffname.txt\n+++ b/bad\xffname.txt\n@@ -2,3 +2,3 @@\n 2\n-3\n+three\n 4\n",
    );
    let (plain, _into) = fx.apply_both(&p, "invalid UTF-8 path");
    assert!(
        matches!(plain.code, Some(0..=2)),
        "invalid UTF-8 path: {}",
        plain.describe()
    );
    if plain.code != Some(0) {
        assert_refused(&plain, "invalid UTF-8 path", &["badpath.patch"]);
    }
}

#[test]
fn crlf_patch_on_lf_file_like_gnu() {
    // GNU strips the CRs from an all-CRLF patch ("Stripping trailing CRs
    // from patch") and applies it to the LF file.
    let fx = Fx::new();
    let p = fx.write_patch(
        "crlf.patch",
        modify("a/f.txt", "b/f.txt")
            .replace('\n', "\r\n")
            .as_bytes(),
    );
    same_as_gnu(&fx, &p, "CRLF patch, LF file");
}

#[test]
fn crlf_patch_on_crlf_file_like_gnu() {
    // Having stripped the patch's CRs, GNU finds the CRLF file's lines
    // differ: "Hunk #1 FAILED at 2 (different line endings)."
    let fx = Fx::new();
    std::fs::write(fx.tree.join("dos.txt"), numbers(20).replace('\n', "\r\n")).unwrap();
    let p = fx.write_patch(
        "crlf-dos.patch",
        modify("a/dos.txt", "b/dos.txt")
            .replace('\n', "\r\n")
            .as_bytes(),
    );
    same_as_gnu(&fx, &p, "CRLF patch, CRLF file");
}

#[test]
fn lf_patch_on_crlf_file_like_gnu() {
    let fx = Fx::new();
    std::fs::write(fx.tree.join("dos.txt"), numbers(20).replace('\n', "\r\n")).unwrap();
    let p = fx.write_patch("lf-dos.patch", modify("a/dos.txt", "b/dos.txt").as_bytes());
    same_as_gnu(&fx, &p, "LF patch, CRLF file");
}
