use super::*;

const GIT: &str = "From 1 Mon Sep 17 00:00:00 2001\nFrom: A <a@b>\nSubject: [PATCH] x\n\nmsg\n---\n a.c | 2 +-\n\ndiff --git a/a.c b/a.c\nindex 1..2 100644\n--- a/a.c\n+++ b/a.c\n@@ -1,3 +1,3 @@ f\n x\n-y\n+Y\n z\n-- \n2.39.2\n\n";

#[test]
fn mail_wrapper_and_git_header() {
    let p = parse_patch(GIT.as_bytes(), 1);
    assert_eq!(p.files.len(), 1, "{p:?}");
    let f = &p.files[0];
    assert_eq!(f.old_path.as_deref(), Some("a.c"));
    assert_eq!(f.new_path.as_deref(), Some("a.c"));
    assert_eq!(f.op, FileOp::Modify);
    // `index 1..2 100644` only says the mode is unchanged: no mode taken.
    assert_eq!(f.old_mode, None);
    let h = &f.hunks[0];
    assert!(h.malformed.is_none(), "{:?}", h.malformed);
    assert_eq!(
        (h.old_start, h.old_count, h.new_start, h.new_count),
        (1, 3, 1, 3)
    );
    assert_eq!(h.function.as_deref(), Some("f"));
    assert_eq!(h.lines.len(), 4);
    assert_eq!(h.prefix_context(), 1);
    assert_eq!(h.suffix_context(), 1);
    assert_eq!(h.source_line, 13);
}

#[test]
fn short_hunk_is_malformed_and_parsing_continues() {
    let t = "--- a/x\n+++ b/x\n@@ -1,4 +1,4 @@\n a\n-b\n+B\n c\n@@ -10,2 +10,2 @@\n-k\n+K\n l\n--- a/y\n+++ b/y\n@@ -1 +1 @@\n-q\n+Q\n";
    let p = parse_patch(t.as_bytes(), 1);
    assert_eq!(p.files.len(), 2);
    let x = &p.files[0];
    assert_eq!(x.hunks.len(), 2);
    // Hunk 1 says 4 old lines but has 3 before the next `@@`: malformed,
    // reported at the line that broke it (the second `@@`, line 8).
    let m = x.hunks[0].malformed.as_deref().unwrap_or("");
    assert!(m.starts_with("line 8:"), "{m}");
    assert_eq!(x.hunks[0].source_line, 3);
    assert!(x.hunks[1].malformed.is_none());
    assert!(p.files[1].hunks[0].malformed.is_none());
}

#[test]
fn hunk_ends_where_its_counts_end() {
    // GNU patch 2.7.6 on x = "a b c": "Hunk #1 succeeded at 1 with fuzz 1.
    // Hmm...  Ignoring the trailing garbage." exit 0: the ` c` line after
    // the complete hunk is not part of it.
    let t = "--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n a\n-b\n+B\n c\n";
    let p = parse_patch(t.as_bytes(), 1);
    let h = &p.files[0].hunks[0];
    assert!(h.malformed.is_none(), "{:?}", h.malformed);
    assert_eq!(h.lines.len(), 3);
    // A new-file hunk followed by a stray `+` line and a diffstat-like line
    // (GNU patch 2.7.6: "patching file n", exit 0, n = "one").
    let t = "--- /dev/null\n+++ b/n\n@@ -0,0 +1 @@\n+one\n+stray\n- x | 2 +-\n";
    let p = parse_patch(t.as_bytes(), 1);
    assert_eq!(p.files.len(), 1);
    assert!(p.files[0].hunks[0].malformed.is_none());
    assert_eq!(p.files[0].hunks[0].lines.len(), 1);
}

#[test]
fn no_newline_markers() {
    let t = "--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+B\n\\ No newline at end of file\n";
    let p = parse_patch(t.as_bytes(), 1);
    let h = &p.files[0].hunks[0];
    assert!(h.malformed.is_none(), "{:?}", h.malformed);
    assert_eq!(h.lines[1].text, b"b");
    assert_eq!(h.lines[2].text, b"B");
    assert_eq!(h.lines[0].text, b"a\n");
}

#[test]
fn crlf_patch_lines_are_stripped() {
    let t = "--- a/x\r\n+++ b/x\r\n@@ -1,2 +1,2 @@\r\n a\r\n-b\r\n+B\r\n";
    let p = parse_patch(t.as_bytes(), 1);
    let h = &p.files[0].hunks[0];
    assert!(h.malformed.is_none(), "{:?}", h.malformed);
    assert_eq!(h.lines[0].text, b"a\n");
}

#[test]
fn create_delete_rename_binary() {
    let t = "diff --git a/n b/n\nnew file mode 100755\nindex 0000000..1\n--- /dev/null\n+++ b/n\n@@ -0,0 +1 @@\n+x\ndiff --git a/d b/d\ndeleted file mode 100644\n--- a/d\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\ndiff --git a/o b/p\nsimilarity index 100%\nrename from o\nrename to p\ndiff --git a/bin b/bin\nindex 1..2 100644\nGIT binary patch\nliteral 3\nKcmZ?wU;qFB0RR91\n\ndiff --git a/e b/e\nnew file mode 100644\nindex 0000000..e69de29\n";
    let p = parse_patch(t.as_bytes(), 1);
    let ops: Vec<_> = p
        .files
        .iter()
        .map(|f| (f.op, f.binary, f.display_path()))
        .collect();
    assert_eq!(
        ops,
        vec![
            (FileOp::Create, false, "n".to_string()),
            (FileOp::Delete, false, "d".to_string()),
            (FileOp::Rename, false, "p".to_string()),
            (FileOp::Modify, true, "bin".to_string()),
            (FileOp::Create, false, "e".to_string()),
        ]
    );
    assert_eq!(p.files[0].new_mode, Some(0o100755));
    assert_eq!(p.files[2].old_path.as_deref(), Some("o"));
}

#[test]
fn strip_levels() {
    let t = "--- x/y/z.c\t2006-12-01 10:00:00.000000000 +0100\n+++ x/y/z.c\t2006-12-01 10:00:00.000000000 +0100\n@@ -1 +1 @@\n-a\n+b\n";
    assert_eq!(
        parse_patch(t.as_bytes(), 0).files[0].new_path.as_deref(),
        Some("x/y/z.c")
    );
    assert_eq!(
        parse_patch(t.as_bytes(), 2).files[0].new_path.as_deref(),
        Some("z.c")
    );
    let p3 = parse_patch(t.as_bytes(), 3);
    assert!(p3.files[0].new_path.is_none());
    assert!(p3.files[0].problem.is_some());
    assert_eq!(
        parse_patch(t.as_bytes(), 1).files[0].new_time.as_deref(),
        Some("\t2006-12-01 10:00:00.000000000 +0100")
    );
}

#[test]
fn garbage_and_empty_never_panic() {
    for t in [
        &b""[..],
        b"\0\xff\n@@ -",
        b"@@ -1,2 +1 @@\n",
        b"--- a\n+++ b\n@@ -99999999999999999999 +1 @@\n",
        b"diff --git \n",
        b"--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n",
    ] {
        let _ = parse_patch(t, 1);
    }
    assert!(!parse_patch(b"hello\n", 1).errors.is_empty());
}

#[test]
fn empty_line_is_context_and_eof_chop() {
    // GNU: an empty line is context whose space was eaten; at EOF up to
    // three missing new-side lines are taken as chopped blank lines.
    let t = "--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n a\n\n-b\n+B\n";
    let h = &parse_patch(t.as_bytes(), 1).files[0].hunks[0];
    assert!(h.malformed.is_none(), "{:?}", h.malformed);
    assert_eq!(h.lines[1].text, b"\n");
    let t2 = "--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n-b\n+B\n a\n";
    let h2 = &parse_patch(t2.as_bytes(), 1).files[0].hunks[0];
    assert!(h2.malformed.is_none(), "{:?}", h2.malformed);
    assert_eq!(h2.lines.len(), 4);
}
