//! Unit tests of refresh-check (the parent module).

use super::*;

fn sp(index: usize, subject: &str, body: &str) -> SeriesPatch {
    SeriesPatch {
        index,
        name: format!("{index}.patch"),
        subject: Some(subject.into()),
        strip: 1,
        content: body.as_bytes().to_vec(),
        from_mail: true,
        message_id: None,
        revision: None,
    }
}

fn desc(index: usize, number: u32, title: &str, body: &str) -> PatchDesc {
    PatchDesc {
        number,
        title: title.into(),
        patch: sp(index, title, body),
    }
}

const A: &str = "--- a/f\n+++ b/f\n@@ -1,3 +1,3 @@\n x\n-y\n+z\n w\n";
const A_MOVED: &str = "--- a/f\n+++ b/f\n@@ -5,3 +5,3 @@\n x2\n-y\n+z\n w\n";
const B: &str = "--- a/g\n+++ b/g\n@@ -1,2 +1,2 @@\n-if (init())\n+if (init() && ok)\n q\n";
const B_BASE: &str =
    "--- a/g\n+++ b/g\n@@ -1,2 +1,2 @@\n-if (init(ns))\n+if (init(ns) && ok)\n q\n";
const B_NEW: &str = "--- a/g\n+++ b/g\n@@ -1,2 +1,2 @@\n-if (init())\n+if (init() || ok)\n q\n";

fn cmp(a: &str, b: &str) -> Comparison {
    compare(
        &parse_patch(a.as_bytes(), 1),
        &parse_patch(b.as_bytes(), 1),
        a.as_bytes(),
        b.as_bytes(),
    )
}

#[test]
fn refresh_only_when_changed_lines_agree() {
    let c = cmp(A, A_MOVED);
    assert_eq!(c.change, Change::RefreshOnly);
    assert!(!c.identical);
    assert!(cmp(A, A).identical);
}

#[test]
fn content_change_mirroring_the_base() {
    let c = cmp(B, B_BASE);
    assert_eq!(c.change, Change::ContentChanged);
    // the removed line changed (base), and the added line gained `ns` as the base did
    assert_eq!(c.differences.len(), 2, "{:?}", c.differences);
    assert!(
        c.differences.iter().all(|d| d.cause == Cause::MirrorsBase),
        "{:?}",
        c.differences
    );
    let added = c
        .differences
        .iter()
        .find(|d| d.kind == "added")
        .expect("added");
    assert_eq!(added.tokens_inserted, vec!["ns"]);
}

#[test]
fn content_change_that_is_new() {
    let c = cmp(B, B_NEW);
    assert_eq!(c.change, Change::ContentChanged);
    assert_eq!(c.differences.len(), 1);
    assert_eq!(c.differences[0].cause, Cause::NewChange);
    assert_eq!(c.differences[0].old.as_deref(), Some("if (init() && ok)"));
    assert_eq!(c.differences[0].new.as_deref(), Some("if (init() || ok)"));
}

#[test]
fn pairing_number_subject_content() {
    let old = vec![
        desc(1, 1, "mm: first", A),
        desc(2, 2, "mm: second", B),
        desc(
            3,
            3,
            "mm: dropped later",
            "--- a/h\n+++ b/h\n@@ -1 +1 @@\n-1\n+2\n",
        ),
    ];
    // v2: patch 1 renamed and moved to 2 (content pairs it), a new patch 1,
    // "mm: second" now 3 with the same subject
    let new = vec![
        desc(
            1,
            1,
            "net: brand new",
            "--- a/n\n+++ b/n\n@@ -1 +1 @@\n-a\n+b\n",
        ),
        desc(2, 2, "mm: first, reworded", A_MOVED),
        desc(3, 3, "mm: second", B_BASE),
    ];
    let p = pair(&old, &new);
    let find = |j: usize| p.iter().find(|x| x.new == Some(j)).expect("pair");
    assert_eq!(find(0).old, None, "{p:?}");
    assert_eq!(find(1).old, Some(0));
    assert_eq!(find(1).by, Some(PairedBy::Subject));
    assert_eq!(find(2).old, Some(1));
    assert_eq!(find(2).by, Some(PairedBy::Subject));
    assert!(p.iter().any(|x| x.old == Some(2) && x.new.is_none()));
}
