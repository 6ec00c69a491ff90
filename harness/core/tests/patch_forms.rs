//! Regression tests for patch forms GNU patch and git apply handle (issue 15).
//! Fixtures are written here by hand; each expected value was obtained by
//! running GNU patch 2.7.6 (`patch -pN -N -F2 --no-backup-if-mismatch`) or
//! git 2.47.3 (`git apply`) on the same fixture, as noted per test.

use harness_core::apply::{apply_series, ApplyOptions, FileChange, MemTree, PatchInput, SeriesOutcome};
use harness_core::parse::parse_patch;
use harness_core::report::{AggregateStatus, HunkStatus};

fn tree(files: &[(&str, &str)]) -> MemTree {
    let mut t = MemTree::default();
    for (p, c) in files {
        t.files.insert((*p).to_owned(), c.as_bytes().to_vec());
    }
    t
}

fn run_series(t: &MemTree, patches: &[&str], strip: usize) -> SeriesOutcome {
    let parsed: Vec<_> = patches
        .iter()
        .map(|p| parse_patch(p.as_bytes(), strip))
        .collect();
    let inputs: Vec<PatchInput<'_>> = parsed
        .iter()
        .enumerate()
        .map(|(i, p)| PatchInput {
            index: i + 1,
            name: "p.patch",
            subject: None,
            parsed: p,
        })
        .collect();
    apply_series(t, t, "s", "t", &inputs, ApplyOptions::default())
}

fn content(o: &SeriesOutcome, path: &str) -> Option<String> {
    match o.changes.files.get(path) {
        Some(FileChange::Write { bytes, .. }) => Some(String::from_utf8_lossy(bytes).into_owned()),
        _ => None,
    }
}

fn hunk_statuses(o: &SeriesOutcome) -> Vec<HunkStatus> {
    o.report.patches[0].files[0]
        .hunks
        .iter()
        .map(|h| h.status)
        .collect()
}

#[test]
fn overlapping_hunk_is_not_matched_inside_the_previous_hunk() {
    // GNU patch 2.7.6 -p0 on this fixture:
    //   Hunk #1 succeeded at 7 (offset 6 lines).
    //   Hunk #2 FAILED at 8.          (exit 1)
    // Hunk #2's text "1 2 3 4 5 6" is only present where hunk #1 matched.
    let t = tree(&[("a", "x\nx\nx\nx\nx\nx\n1\n2\n3\n4\n5\n6\n")]);
    let p = "--- a\n+++ a\n@@ -1,6 +1,7 @@\n 1\n 2\n 3\n+a\n 4\n 5\n 6\n\
             @@ -7,6 +8,7 @@\n 1\n 2\n 3\n+a\n 4\n 5\n 6\n";
    let o = run_series(&t, &[p], 0);
    assert_eq!(hunk_statuses(&o), vec![HunkStatus::Applied, HunkStatus::Failed]);
    let h1 = &o.report.patches[0].files[0].hunks[0];
    assert_eq!((h1.line, h1.offset), (Some(7), Some(6)));
    assert_eq!(o.report.status, AggregateStatus::Partial);
    assert_eq!(
        content(&o, "a").as_deref(),
        Some("x\nx\nx\nx\nx\nx\n1\n2\n3\na\n4\n5\n6\n")
    );
}

#[test]
fn criss_cross_renames_read_the_tree_before_the_patch() {
    // GNU patch 2.7.6 -p1 (and git apply) on f="one", g="two":
    //   patching file f (renamed from g)
    //   patching file g (renamed from f)     exit 0; f="two", g="one"
    let t = tree(&[("f", "one\n"), ("g", "two\n")]);
    let p = "diff --git a/g b/f\nsimilarity index 100%\nrename from g\nrename to f\n\
             diff --git a/f b/g\nsimilarity index 100%\nrename from f\nrename to g\n";
    let o = run_series(&t, &[p], 1);
    assert_eq!(o.report.status, AggregateStatus::Applied);
    assert_eq!(content(&o, "f").as_deref(), Some("two\n"));
    assert_eq!(content(&o, "g").as_deref(), Some("one\n"));
}

#[test]
fn copy_after_modify_reads_the_unmodified_source() {
    // git apply and GNU patch 2.7.6 -p1 both give a="1 2 3 a", b="1 2 3 b"
    // (the copy's hunk applies to `a` as it was before the patch, at line 1
    // with no fuzz).
    let t = tree(&[("a", "1\n2\n3\n")]);
    let p = "diff --git a/a b/a\n--- a/a\n+++ b/a\n@@ -1,3 +1,4 @@\n 1\n 2\n 3\n+a\n\
             diff --git a/a b/b\nsimilarity index 99%\ncopy from a\ncopy to b\n\
             --- a/a\n+++ b/b\n@@ -1,3 +1,4 @@\n 1\n 2\n 3\n+b\n";
    let o = run_series(&t, &[p], 1);
    assert_eq!(o.report.status, AggregateStatus::Applied);
    let b = &o.report.patches[0].files[1].hunks[0];
    assert_eq!((b.line, b.fuzz), (Some(1), Some(0)));
    assert_eq!(content(&o, "a").as_deref(), Some("1\n2\n3\na\n"));
    assert_eq!(content(&o, "b").as_deref(), Some("1\n2\n3\nb\n"));
}
