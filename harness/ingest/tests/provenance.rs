//! Untrusted by content (issue 23): a patch that is a mail is `from_mail`
//! (so `sandbox: auto` sandboxes its build) however it is laid out — alone
//! in a patch directory, in a quilt series, given directly, saved after a
//! note — and a plain diff is not.

use harness_ingest::{is_mail, load};
use std::path::Path;

const DIFF: &str = "diff --git a/f b/f
--- a/f
+++ b/f
@@ -1 +1,2 @@
 one
+two
";

/// `git format-patch` output for DIFF, without the `[PATCH n/m]` numbering
/// that made a patch directory read as mail before.
fn mail() -> String {
    format!(
        "From 1111111111111111111111111111111111111111 Mon Sep 17 00:00:00 2001\n\
         From: Mallory <m@example.org>\n\
         Date: Mon, 1 Jan 2024 00:00:00 +0000\n\
         Subject: [PATCH] f: add two\n\
         Message-ID: <1@example.org>\n\n\
         ---\n f | 1 +\n\n{DIFF}"
    )
}

fn from_mail(path: &Path) -> Vec<bool> {
    load(path)
        .unwrap_or_else(|e| panic!("load {}: {e}", path.display()))
        .patches
        .iter()
        .map(|p| p.from_mail)
        .collect()
}

#[test]
fn a_mail_alone_in_a_patch_directory_is_as_untrusted_as_given_directly() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("series");
    std::fs::create_dir(&dir).expect("mkdir");
    std::fs::write(dir.join("0001-f.patch"), mail()).expect("write");
    assert_eq!(
        from_mail(&dir.join("0001-f.patch")),
        [true],
        "given directly"
    );
    assert_eq!(from_mail(&dir), [true], "alone in a patch directory");
}

#[test]
fn a_mail_in_a_quilt_series_is_untrusted_and_a_plain_diff_beside_it_is_not() {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::write(tmp.path().join("a.patch"), mail()).expect("write");
    std::fs::write(tmp.path().join("b.patch"), DIFF).expect("write");
    std::fs::write(tmp.path().join("series"), "a.patch\nb.patch\n").expect("write");
    assert_eq!(from_mail(tmp.path()), [true, false]);
}

#[test]
fn plain_diffs_are_trusted_in_every_layout() {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::write(tmp.path().join("x.patch"), DIFF).expect("write");
    assert_eq!(from_mail(&tmp.path().join("x.patch")), [false], "one file");
    assert_eq!(from_mail(tmp.path()), [false], "patch directory");
    let quilt = format!("Description: add two\nAuthor: A U Thor\n\n{DIFF}");
    assert!(!is_mail(quilt.as_bytes()), "a DEP-3 header is not a mail");
}

#[test]
fn mail_headers_after_a_note_or_blank_line_still_make_a_mail() {
    let noted = format!("Saved from my inbox:\n\n{}", mail());
    assert!(is_mail(noted.as_bytes()), "mbox separator after a note");
    let headers_late = format!("\nSubject: [PATCH] f\nFrom: M <m@example.org>\n\n{DIFF}");
    assert!(
        is_mail(headers_late.as_bytes()),
        "headers after a blank line"
    );
    // The RT quilt series is format-patch mails: untrusted under `auto`.
    let rt = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../patches/preempt-rt/0001-vduse-Remove-include-of-rwlock.h.patch");
    assert!(is_mail(&std::fs::read(&rt).expect("read RT patch")));
}
