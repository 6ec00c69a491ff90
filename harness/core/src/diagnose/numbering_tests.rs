//! Diagnoses name other patches as the series numbers them (`3/7`, from
//! the subject), never by the position in whatever part of the series was
//! applied, and never call the patch being diagnosed "another patch".
use super::*;
use crate::apply::{apply_series, ApplyOptions, MemTree, PatchInput};
use crate::parse::parse_patch;

fn tree() -> MemTree {
    let mut t = MemTree::default();
    let body: String = (1..=40)
        .map(|i| format!("static int v{i} = {i};\n"))
        .collect();
    t.files.insert("net/x.c".into(), body.into_bytes());
    t
}

/// A hunk whose preimage is nowhere in net/x.c (so it fails).
fn failing_hunk(tag: &str) -> String {
    format!("@@ -10,3 +10,3 @@\n int {tag}_a;\n-int {tag}_b;\n+int {tag}_B;\n int {tag}_c;\n")
}

fn section(hunks: &str) -> String {
    format!("--- a/net/x.c\n+++ b/net/x.c\n{hunks}")
}

fn summaries(t: &MemTree, patches: &[(&str, String)]) -> Vec<String> {
    let parsed: Vec<_> = patches
        .iter()
        .map(|(_, text)| parse_patch(text.as_bytes(), 1))
        .collect();
    let inputs: Vec<PatchInput<'_>> = patches
        .iter()
        .zip(&parsed)
        .enumerate()
        .map(|(i, ((subject, _), parsed))| PatchInput {
            index: i + 1,
            name: "p.patch",
            subject: Some(subject),
            parsed,
        })
        .collect();
    let out = apply_series(t, t, "s", "t", &inputs, ApplyOptions::default());
    out.report
        .patches
        .iter()
        .flat_map(|p| &p.files)
        .flat_map(|f| &f.hunks)
        .filter_map(|h| h.diagnosis.as_ref().map(|d| d.summary.clone()))
        .collect()
}

#[test]
fn series_number_comes_from_the_subject() {
    assert_eq!(
        series_number("[PATCH v3 04/12] net: x").as_deref(),
        Some("04/12")
    );
    assert_eq!(series_number("[PATCH 12/12] x").as_deref(), Some("12/12"));
    assert_eq!(series_number("[PATCH] x 1/2"), None);
    assert_eq!(series_number("net: 1/2 of it"), None);
    assert_eq!(series_number("[RFC PATCH net-next] x"), None);
}

#[test]
fn an_earlier_patch_is_named_by_its_series_number() {
    // Patches 3/7 and 4/7 of a series, applied alone (positions 1 and 2).
    let t = tree();
    let got = summaries(
        &t,
        &[
            ("[PATCH 3/7] a", section(&failing_hunk("a"))),
            ("[PATCH 4/7] b", section(&failing_hunk("b"))),
        ],
    );
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(!got[0].contains("patch 1"), "{}", got[0]);
    assert!(
        !got[0].contains("also failed"),
        "first patch has no earlier one: {}",
        got[0]
    );
    assert!(got[1].contains("patch 3/7"), "{}", got[1]);
    assert!(!got[1].contains("patch 1 "), "{}", got[1]);
}

#[test]
fn a_second_section_of_the_same_patch_is_not_called_another_patch() {
    // One patch (12/12) with two sections for the same file, both failing.
    let t = tree();
    let text = format!(
        "{}{}",
        section(&failing_hunk("a")),
        section(&failing_hunk("b"))
    );
    let got = summaries(&t, &[("[PATCH 12/12] both", text)]);
    assert_eq!(got.len(), 2, "{got:?}");
    for s in &got {
        assert!(!s.contains("of this series"), "{s}");
    }
}
