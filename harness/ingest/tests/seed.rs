//! The seed archive page (corpus/seed/): the series model must find 12/12
//! as posted, the reviewer's reply quoting net/core/net_namespace.c hunks,
//! the refreshed patch sent as a `Re:` reply, and the gaps 1..11.

use harness_ingest::{series_report, FoundAs};
use std::path::PathBuf;

mod common;
use common::seed_page;

fn seed() -> PathBuf {
    let p = seed_page();
    assert!(p.is_file(), "seed missing: {}", p.display());
    p
}

#[test]
fn seed_thread_model() {
    let r = series_report(&seed()).expect("report");
    if std::env::var_os("SEED_DUMP").is_some() {
        println!("{}", serde_json::to_string_pretty(&r).unwrap_or_default());
    }
    assert_eq!(r.messages, 3);
    assert_eq!(r.series.len(), 1);
    let s = &r.series[0];
    assert_eq!(s.total, 12);
    assert_eq!(s.missing, (1..=11).collect::<Vec<u32>>());
    let p = &s.patches[0];
    assert_eq!(p.number, 12);
    assert_eq!(p.revisions.len(), 2);
    assert_eq!(p.revisions[0].found_as, FoundAs::Original);
    assert_eq!(p.revisions[1].found_as, FoundAs::Reply);
    assert!(p.revisions.iter().all(|r| r.message_id.is_none()));
    // both revisions touch the 7 files of the diffstat
    assert_eq!(p.revisions[0].files.len(), 7, "{:?}", p.revisions[0].files);
    assert_eq!(p.revisions[1].files.len(), 7, "{:?}", p.revisions[1].files);
    assert_eq!(p.reviews.len(), 1);
    let rv = &p.reviews[0];
    assert_eq!(rv.revision, Some(1));
    assert_eq!(rv.from.as_deref(), Some("Cedric Le Goater"));
    // the reviewer quotes the four hunks of net/core/net_namespace.c
    assert_eq!(rv.quoted_hunks.len(), 4, "{:?}", rv.quoted_hunks);
    assert!(rv
        .quoted_hunks
        .iter()
        .all(|h| h.file == "net/core/net_namespace.c"));

    // every quoted hunk is complete once lost leading spaces are read as context
    assert!(rv.quoted_hunks.iter().all(|h| h.complete));

    // v1: every hunk recovered (the `+ #ifdef` marker corrected from the
    // reviewer's quoted copy, blank lines decided by the counts)
    assert!(
        p.revisions[0].short_hunks.is_empty(),
        "{:?}",
        p.revisions[0].short_hunks
    );
    assert_eq!(p.revisions[0].hunks, 12);
    let unrecoverable: Vec<&str> = r
        .damage
        .iter()
        .filter(|d| d.problem.contains("cannot be recovered"))
        .map(|d| d.problem.as_str())
        .collect();
    // v2: exactly one hunk cannot be recovered from the archive, and it is named
    assert_eq!(unrecoverable.len(), 1, "{unrecoverable:#?}");
    assert!(unrecoverable[0].starts_with("net/core/net_namespace.c @@ -55,19 +61,24 @@"));
    assert!(r.damage.iter().any(|d| d
        .problem
        .contains("\"#ifdef CONFIG_IP_MULTIPLE_TABLES\") is marked '+'")));
}
