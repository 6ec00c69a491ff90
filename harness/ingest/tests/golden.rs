//! Golden tests: each fixture mbox has an expected `harness.series/1` JSON
//! (`<name>.expected.json`). The JSON was produced by this code and then read
//! and checked by hand; the key facts each case is about are also asserted
//! explicitly below, with the reasoning. Regenerate after an intended change
//! with `UPDATE_GOLDEN=1 cargo test -p harness-ingest --test golden` and review
//! the diff.

use harness_ingest::{load, load_with, series_report, FoundAs, LoadOptions, RevisionChoice};
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    // relative path so that locations in the JSON do not depend on the checkout
    PathBuf::from("tests/fixtures").join(name)
}

fn golden(name: &str) -> serde_json::Value {
    let path = fixture(name);
    let report = series_report(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
    let value = serde_json::to_value(&report).expect("serialise");
    let expected_path = fixture(&format!("{}.expected.json", name.trim_end_matches(".mbox")));
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        let mut text = serde_json::to_string_pretty(&value).expect("pretty");
        text.push('\n');
        std::fs::write(&expected_path, text).expect("write golden");
    }
    let expected: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&expected_path).unwrap_or_else(|e| {
            panic!(
                "{}: {e} (run with UPDATE_GOLDEN=1)",
                expected_path.display()
            )
        }),
    )
    .expect("golden JSON parses");
    assert_eq!(
        value,
        expected,
        "{name}: output differs from {}",
        expected_path.display()
    );
    value
}

#[test]
fn thread_with_cover_trailers_and_base() {
    let v = golden("thread.mbox");
    assert_eq!(v["schema"], "harness.series/1");
    let s = &v["series"][0];
    // the cover letter's subject without prefixes is the series title
    assert_eq!(s["title"], "net: add foo");
    assert_eq!(s["total"], 2);
    assert_eq!(s["missing"], serde_json::json!([]));
    assert_eq!(s["base_commit"], "0123456789abcdef0123456789abcdef01234567");
    assert_eq!(
        s["prerequisite_patch_ids"][0],
        "1111111111111111111111111111111111111111"
    );
    let p1 = &s["patches"][0];
    assert_eq!(p1["number"], 1);
    // message ids lose their angle brackets
    assert_eq!(p1["revisions"][0]["message_id"], "p1.1@example.org");
    assert_eq!(p1["revisions"][0]["found_as"], "original");
    assert_eq!(p1["revisions"][0]["trailers"][0]["name"], "Signed-off-by");
    // Bob's reply carries no diff and quotes no hunk: a comment with his trailer
    assert_eq!(p1["reviews"][0]["kind"], "comment");
    assert_eq!(p1["reviews"][0]["trailers"][0]["name"], "Reviewed-by");
    assert_eq!(v["series"].as_array().map(Vec::len), Some(1));
}

#[test]
fn versions_pair_across_rfc_and_v2_even_with_renamed_subject() {
    let v = golden("versions.mbox");
    let s = &v["series"];
    // v1 and v2 are one series: patch 1 has the same title in both postings
    assert_eq!(s.as_array().map(Vec::len), Some(1), "{s:#}");
    assert_eq!(s[0]["versions"], serde_json::json!([1, 2]));
    let p1 = &s[0]["patches"][0];
    assert_eq!(p1["revisions"][0]["found_as"], "original");
    assert_eq!(p1["revisions"][1]["found_as"], "new-version");
    // patch 2 changed its subject in v2 but keeps its number
    let p2 = &s[0]["patches"][1];
    assert_eq!(p2["revisions"].as_array().map(Vec::len), Some(2));
    assert_eq!(p2["title"], "mm: second, renamed");
    // load() picks the newest revision; load_with can pick v1
    let newest = load(&fixture("versions.mbox")).expect("load");
    assert!(String::from_utf8_lossy(&newest.patches[0].content).contains("+y2"));
    let v1 = load_with(
        &fixture("versions.mbox"),
        &LoadOptions {
            revision: RevisionChoice::Version(1),
            series: None,
        },
    )
    .expect("load v1");
    assert!(String::from_utf8_lossy(&v1.patches[0].content).contains("+y\n"));
}

#[test]
fn partial_reroll_as_reply_and_review_quoting_hunks() {
    let v = golden("reroll-reply.mbox");
    let s = &v["series"][0];
    assert_eq!(s["total"], 12);
    // only 12/12 was posted here: 1..11 are missing
    assert_eq!(
        s["missing"],
        serde_json::json!((1..=11).collect::<Vec<u32>>())
    );
    let p = &s["patches"][0];
    assert_eq!(p["number"], 12);
    let revs = p["revisions"].as_array().expect("revisions");
    assert_eq!(
        revs.len(),
        2,
        "the Re: with a new diff is a second revision"
    );
    assert_eq!(revs[0]["found_as"], "original");
    assert_eq!(revs[1]["found_as"], "reply");
    assert_eq!(revs[1]["message_id"], "v2.12@example.org");
    let review = &p["reviews"][0];
    assert_eq!(review["kind"], "review");
    assert_eq!(review["revision"], 1);
    // two hunks quoted; the second only partly (1 of its 3 old lines)
    assert_eq!(
        review["quoted_hunks"][0]["header"],
        "@@ -32,4 +32,4 @@ struct ns init = {"
    );
    assert_eq!(review["quoted_hunks"][0]["complete"], true);
    assert_eq!(review["quoted_hunks"][1]["complete"], false);
    let series = load(&fixture("reroll-reply.mbox")).expect("load");
    assert_eq!(series.patches.len(), 1);
    assert!(String::from_utf8_lossy(&series.patches[0].content).contains("@@ -30,4"));
}

#[test]
fn gaps_and_duplicates() {
    let v = golden("gaps-dups.mbox");
    let s = &v["series"][0];
    assert_eq!(s["missing"], serde_json::json!([2, 4]));
    assert_eq!(s["duplicates"][0]["number"], 3);
    assert_eq!(s["duplicates"][0]["identical"], true);
    // an identical resend is not a new revision
    assert_eq!(
        s["patches"][1]["revisions"].as_array().map(Vec::len),
        Some(1)
    );
    // no Message-ID header: null
    assert!(s["patches"][0]["revisions"][0]["message_id"].is_null());
}

#[test]
fn mime_encodings() {
    let v = golden("mime.mbox");
    let s = &v["series"][0];
    let r1 = &s["patches"][0]["revisions"][0];
    assert_eq!(r1["from"], "Jörg Müller <jm@example.org>");
    assert_eq!(r1["subject"], "[PATCH 1/2] spell \"Müller\" right");
    let r2 = &s["patches"][1]["revisions"][0];
    assert_eq!(r2["subject"], "[PATCH 2/2] attach café");
    assert_eq!(r2["files"][0], "cafe.c");
    let series = load(&fixture("mime.mbox")).expect("load");
    let p1 = String::from_utf8_lossy(&series.patches[0].content).into_owned();
    // quoted-printable soft break joined, =3D decoded, UTF-8 kept
    assert!(
        p1.contains(
            "+N: Jörg Müller with a very long line that quoted-printable has to wrap = here\n"
        ),
        "{p1}"
    );
    let p2 = String::from_utf8_lossy(&series.patches[1].content).into_owned();
    // base64 attachment decoded; latin-1 text part converted; html ignored
    assert!(p2.contains("+int café;\n"), "{p2}");
    assert!(p2.contains("Patch attached, café."), "{p2}");
    assert!(!p2.contains("<p>"), "{p2}");
}

#[test]
fn mboxrd_from_quoting() {
    let v = golden("mboxrd.mbox");
    assert_eq!(
        v["messages"], 1,
        "quoted >From lines must not split the message"
    );
    let series = load(&fixture("mboxrd.mbox")).expect("load");
    let text = String::from_utf8_lossy(&series.patches[0].content).into_owned();
    assert!(
        text.contains("\nFrom here the line began with From.\n"),
        "{text}"
    );
    assert!(
        text.contains("\n>From this one began with >From.\n"),
        "{text}"
    );
}

#[test]
fn found_as_enum_names() {
    assert_eq!(
        serde_json::to_value(FoundAs::NewVersion).ok(),
        Some("new-version".into())
    );
    assert!(Path::new("tests/fixtures").is_dir());
}
