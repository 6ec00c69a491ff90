//! Mailing-list threads read as b4 reads them (issue 16). The fixtures under
//! tests/fixtures/b4rules/ are hand-written for these tests. Expected values
//! were obtained by running b4 0.16.0 (`pip install b4`) offline on each
//! fixture — `LoreMailbox().get_series(codereview_trailers=False)`: the
//! revision it picks, its patches (msgid per n/N), `partial_reroll`, the
//! cover letter, each patch's `followup_trailers` and `trailer_mismatches` —
//! and are repeated in a comment on each test.

use harness_ingest::model::{build_with, BuildOptions, ReplyTo, SeriesReport};
use harness_ingest::{ingest, load, series_report};
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from("tests/fixtures/b4rules").join(name)
}

fn report(name: &str) -> SeriesReport {
    series_report(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Message ids harness takes: the newest revision of each patch, in order.
fn taken(r: &SeriesReport) -> Vec<String> {
    r.series
        .iter()
        .flat_map(|s| &s.patches)
        .filter_map(|p| p.revisions.last())
        .map(|rv| rv.message_id.clone().unwrap_or_default())
        .collect()
}

fn ids(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// Every message must be somewhere: revision, cover, review or other.
fn accounted(r: &SeriesReport, id: &str) -> bool {
    let id = Some(id.to_owned());
    r.others.iter().any(|o| o.message_id == id)
        || r.series.iter().any(|s| {
            s.covers.iter().any(|c| c.message_id == id)
                || s.patches.iter().any(|p| {
                    p.revisions.iter().any(|x| x.message_id == id)
                        || p.reviews.iter().any(|x| x.message_id == id)
                })
        })
}

#[test]
fn reroll_that_drops_the_last_patch_is_taken_whole() {
    // b4: revision 2, expected 3, patches dl-v2-1..3; v1's 4/4 not used.
    // (Before: harness applied v2 1..3 plus v1 4/4 and exited 0.)
    let r = report("drops-last.mbox");
    assert_eq!(r.series.len(), 1);
    let s = &r.series[0];
    assert_eq!(taken(&r), ids(&["dl-v2-1@example.org", "dl-v2-2@example.org", "dl-v2-3@example.org"]));
    assert_eq!((s.total, s.newest_version, s.partial_reroll), (3, 2, false));
    assert!(s.missing.is_empty());
    let v1_4 = r
        .others
        .iter()
        .find(|o| o.message_id.as_deref() == Some("dl-v1-4@example.org"))
        .expect("v1 4/4 accounted for");
    assert!(v1_4.why.contains("does not carry"), "{}", v1_4.why);
    let series = load(&fixture("drops-last.mbox")).expect("load");
    assert_eq!(series.patches.len(), 3);
    assert!(series.patches.iter().all(|p| p.subject.as_deref().unwrap_or("").contains("v2")));
}

#[test]
fn incomplete_reroll_not_sent_as_replies_leaves_a_gap() {
    // b4: revision 2, expected 3, 2 MISSING (no partial reroll: v2 1/3 and
    // 3/3 reply to the v2 cover, not to v1's patches), so v1 2/3 is not used.
    let r = report("v2-gap.mbox");
    let s = &r.series[0];
    assert_eq!(taken(&r), ids(&["vg-v2-1@example.org", "vg-v2-3@example.org"]));
    assert_eq!(s.missing, vec![2]);
    assert!(!s.partial_reroll);
    assert!(accounted(&r, "vg-v1-2@example.org"));
}

#[test]
fn partial_reroll_carries_the_untouched_patch_and_cover_review_applies_to_all() {
    // b4: revision 3, expected 2, partial True, cover pr-v2-0; patches
    // pr-v2-1, pr-v3-2. The reply to the cover carries a Reviewed-by that b4
    // adds to every patch (LoreSeries.add_cover_trailers in get_am_ready).
    let r = report("partial-reroll.mbox");
    let s = &r.series[0];
    assert_eq!(taken(&r), ids(&["pr-v2-1@example.org", "pr-v3-2@example.org"]));
    assert!(s.partial_reroll);
    assert_eq!((s.total, s.newest_version), (2, 3));
    for p in &s.patches {
        let k = p.revisions.len();
        let rv = p
            .reviews
            .iter()
            .find(|rv| rv.to == ReplyTo::Cover)
            .unwrap_or_else(|| panic!("patch {}: no cover review", p.number));
        assert_eq!(rv.revision, Some(k), "patch {}: against the taken revision", p.number);
        assert_eq!(rv.trailers[0].value, "Cover Reviewer <cover.reviewer@example.com>");
    }
    assert!(accounted(&r, "pr-rev-cover@example.org"));
}

#[test]
fn diff_headers_with_an_unreadable_hunk_are_a_damaged_patch() {
    // b4 takes dh-1 as the patch (its DIFF_RE only needs ---/+++ headers).
    let r = report("damaged-hunk.mbox");
    assert_eq!(taken(&r), ids(&["dh-1@example.org"]));
    assert!(r.others.is_empty(), "{:?}", r.others);
    let rev = &r.series[0].patches[0].revisions[0];
    assert_eq!(rev.hunks, 0);
    assert!(rev.damage.iter().any(|d| d.contains("no hunk could be read")), "{:?}", rev.damage);
}

#[test]
fn follow_up_trailers_by_b4_rules_and_carry_over() {
    // b4: revision 2; tr-v2-1 gets 'Reviewed-and-tested-by: Real Sender
    // <real@example.com>' and 'Acked-for-MFD-by: Real Sender
    // <real@example.com>' (mailto junk cleaned), carried over from the review
    // of v1 because the diff is identical; mismatches: 'Reviewed-by: Someone
    // Else <someone.else@example.net>' sent by real@example.com. 'Fixes: ?'
    // is not a trailer.
    let r = report("trailers.mbox");
    assert_eq!(taken(&r), ids(&["tr-v2-1@example.org"]));
    let p = &r.series[0].patches[0];
    assert_eq!(p.revisions.len(), 2);
    let on_v2: Vec<String> = p
        .reviews
        .iter()
        .filter(|rv| rv.revision == Some(2))
        .flat_map(|rv| rv.trailers.iter().map(|t| format!("{}: {}", t.name, t.value)))
        .collect();
    assert_eq!(
        on_v2,
        ids(&[
            "Reviewed-and-tested-by: Real Sender <real@example.com>",
            "Acked-for-MFD-by: Real Sender <real@example.com>"
        ])
    );
    assert!(p.reviews.iter().any(|rv| rv.to == ReplyTo::CarriedOver));
    let v1_review = p.reviews.iter().find(|rv| rv.to == ReplyTo::Patch).expect("review");
    assert_eq!(v1_review.revision, Some(1));
    assert_eq!(v1_review.mismatched_trailers.len(), 1);
    assert_eq!(v1_review.mismatched_trailers[0].value, "Someone Else <someone.else@example.net>");

    // --sloppy-trailers: the mismatched one is accepted
    let ing = ingest(&fixture("trailers.mbox")).expect("ingest");
    let sloppy = build_with("t", ing.kind, &ing.messages, &BuildOptions { sloppy_trailers: true });
    let rv = &sloppy.series[0].patches[0].reviews[0];
    assert!(rv.mismatched_trailers.is_empty());
    assert_eq!(rv.trailers.len(), 3);
}

#[test]
fn unthreaded_reworded_revisions_linked_by_change_id() {
    // b4: revision 2, expected 2, cover ci-v2-0, patches ci-v2-1, ci-v2-2.
    // Titles differ between v1 and v2; only `change-id:` links them.
    let r = report("change-id.mbox");
    assert_eq!(r.series.len(), 1);
    assert_eq!(taken(&r), ids(&["ci-v2-1@example.org", "ci-v2-2@example.org"]));
    assert_eq!(r.series[0].change_id.as_deref(), Some("20230501-widget-0123456789ab"));
    assert_eq!(r.series[0].title, "widget: second try, reworded");
}

#[test]
fn naked_cover_letter_by_the_author_but_not_a_bug_report() {
    // b4: naked-cover.mbox cover nk-0 (thread root by the patch author);
    // bug-report.mbox no cover (root by another author), patch bg-1.
    let r = report("naked-cover.mbox");
    assert_eq!(r.series[0].covers.len(), 1);
    assert_eq!(r.series[0].covers[0].message_id.as_deref(), Some("nk-0@example.org"));
    assert_eq!(taken(&r), ids(&["nk-1@example.org"]));

    let r = report("bug-report.mbox");
    assert!(r.series.iter().all(|s| s.covers.is_empty()));
    assert_eq!(taken(&r), ids(&["bg-1@example.org"]));
    // the reply to the bug report: its parent IS in the source, so the
    // reason must not claim otherwise
    let o = r
        .others
        .iter()
        .find(|o| o.message_id.as_deref() == Some("bg-2@example.org"))
        .expect("reply accounted for");
    assert!(!o.why.contains("not in this source"), "{}", o.why);
    assert!(o.why.contains("not part of any patch series"), "{}", o.why);
}
