//! `cells[].boot` read from a real report's JSON (the types are harness-schema's;
//! the fixture is this crate's).

use crate::model::*;

fn cells_boot(i: usize) -> serde_json::Value {
    let p = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/full.json");
    let text = std::fs::read_to_string(p).expect("fixture");
    let v: serde_json::Value = serde_json::from_str(&text).expect("json");
    v["cells"][i]["boot"].clone()
}

#[test]
fn a_boot_report_and_a_skipped_boot_are_told_apart_and_round_trip() {
    // full.json: cell 0's boot was skipped, cell 2's ran and passed.
    for i in [0, 2] {
        let v = cells_boot(i);
        let boot = CellBoot::from_json(v.clone()).expect("parses");
        assert_eq!(
            matches!(boot, CellBoot::Ran(_)),
            v.get("schema").is_some(),
            "cell {i}"
        );
        assert_eq!(serde_json::to_value(&boot).expect("ser"), v, "cell {i}");
    }
}

#[test]
fn a_damaged_boot_report_is_refused_as_a_boot_report_not_read_as_skipped() {
    // Under `untagged` a boot report missing `tests` was reported as
    // "did not match any variant"; now the report's own error is named.
    let mut v = cells_boot(2);
    v.as_object_mut().expect("object").remove("tests");
    let e = CellBoot::from_json(v).expect_err("refused");
    assert!(
        e.contains("harness.boot/1 report that does not parse"),
        "{e}"
    );
    assert!(e.contains("tests"), "{e}");
}

#[test]
fn a_stage_that_is_neither_is_refused_with_what_was_found() {
    for v in [
        serde_json::json!({"status": "passed", "reason": "x"}),
        serde_json::json!({"status": "skipped"}),
        serde_json::json!("skipped"),
    ] {
        let e = CellBoot::from_json(v.clone()).expect_err("refused");
        assert!(e.contains("neither a harness.boot/1 report"), "{e}");
        assert!(e.contains(&v.to_string()), "{e}");
    }
    let long = serde_json::json!({"status": "x".repeat(500)});
    let e = CellBoot::from_json(long).expect_err("refused");
    assert!(e.ends_with("..."), "{e}");
}
