//! A flaky guest test (failed, then passed in a fresh boot) in the renderings
//! and in `compare`. The fixture is tests/fixtures/previous.json (every guest
//! test passing) with one test given a retried result by hand.

use harness_boot::retry::{Attempt, Retried, RetryVerdict};
use harness_report::model::{MatrixReport, TestStatus};
use harness_report::{compare, render_junit, render_markdown, ChangeKind};

const CELL: &str = "preempt-rt@linux-6.1:ip-multiple-tables-n";

fn with_flaky(verdict: RetryVerdict) -> MatrixReport {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/previous.json");
    let mut r = harness_report::load_report(&p).expect("fixture");
    let cell = r.cells.iter_mut().find(|c| c.id == CELL).expect("cell");
    let t = cell
        .tests
        .iter_mut()
        .find(|t| t.name == "device_isolation")
        .expect("test");
    let second = match verdict {
        RetryVerdict::Flaky => TestStatus::Pass,
        RetryVerdict::FailedAgain => TestStatus::Fail,
    };
    t.status = second;
    t.retried = Some(Retried {
        verdict,
        first: Attempt {
            status: TestStatus::Fail,
            reason: Some("eth0 seen from the namespace".into()),
        },
        second: Attempt {
            status: second,
            reason: None,
        },
    });
    r
}

#[test]
fn a_flaky_test_is_listed_in_the_summary_and_as_a_junit_flaky_failure() {
    let r = with_flaky(RetryVerdict::Flaky);
    let md = render_markdown(&r);
    assert!(md.contains("## Flaky guest tests"), "{md}");
    assert!(
        md.contains("| device\\_isolation | eth0 seen from the namespace |"),
        "{md}"
    );
    let xml = render_junit(&r).expect("junit");
    assert!(
        xml.contains("<flakyFailure message=\"eth0 seen from the namespace (first boot; passed in a fresh boot)\""),
        "{xml}"
    );
    // A test that failed again: a failure with its rerun.
    let xml = render_junit(&with_flaky(RetryVerdict::FailedAgain)).expect("junit");
    assert!(xml.contains("<rerunFailure"), "{xml}");
}

#[test]
fn compare_calls_a_flaky_test_neither_a_regression_nor_a_fix() {
    let pass = with_flaky(RetryVerdict::Flaky);
    let old = harness_report::load_report(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/previous.json"),
    )
    .expect("fixture");
    for (a, b) in [(&old, &pass), (&pass, &pass)] {
        let c = compare(a, b);
        assert!(c.regressions.is_empty() && c.fixes.is_empty(), "{c:?}");
        assert!(
            c.other
                .iter()
                .any(|x| x.kind == ChangeKind::TestFlaky && x.key == "test device_isolation"),
            "{c:?}"
        );
    }
    // A test that failed again is a regression like any failure.
    let c = compare(&old, &with_flaky(RetryVerdict::FailedAgain));
    assert!(c
        .regressions
        .iter()
        .any(|x| x.kind == ChangeKind::TestFailing && x.key == "test device_isolation"));
}
