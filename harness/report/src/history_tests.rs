//! History on the fixture report (tests/fixtures/previous.json: every guest
//! test of the booted cells passes), with results changed by hand.

use super::*;
use harness_boot::retry::{Attempt, Retried, RetryVerdict};

const CELL: &str = "preempt-rt@linux-6.1:ip-multiple-tables-n";
const TEST: &str = "veth_ping_both_ways";

fn run(id: &str, status: TestStatus, flaky: bool) -> MatrixReport {
    let mut r: MatrixReport =
        serde_json::from_str(include_str!("../tests/fixtures/previous.json")).expect("fixture");
    r.run_id = id.into();
    let cell = r.cells.iter_mut().find(|c| c.id == CELL).expect("cell");
    let t = cell
        .tests
        .iter_mut()
        .find(|t| t.name == TEST)
        .expect("test");
    t.status = status;
    if flaky {
        t.retried = Some(Retried {
            verdict: RetryVerdict::Flaky,
            first: Attempt {
                status: TestStatus::Fail,
                reason: None,
            },
            second: Attempt {
                status: TestStatus::Pass,
                reason: None,
            },
        });
    }
    r
}

fn entry<'a>(h: &'a History, test: &str) -> &'a TestHistory {
    h.tests
        .iter()
        .find(|e| e.series == "preempt-rt" && e.config == "ip-multiple-tables-n" && e.test == test)
        .expect("entry")
}

#[test]
fn a_test_that_failed_once_among_passes_is_intermittent() {
    let mut h = History::default();
    h.record(&run("r1", TestStatus::Pass, false));
    assert!(!entry(&h, TEST).intermittent);
    h.record(&run("r2", TestStatus::Fail, false));
    h.record(&run("r3", TestStatus::Pass, false));
    let e = entry(&h, TEST);
    let got: Vec<_> = e.runs.iter().map(|r| (r.run.as_str(), r.result)).collect();
    assert_eq!(
        got,
        vec![
            ("r1", RunResult::Pass),
            ("r2", RunResult::Fail),
            ("r3", RunResult::Pass)
        ]
    );
    assert!(e.intermittent);
    // Only the changed test: its neighbours passed every time.
    assert!(!entry(&h, "device_isolation").intermittent);
    let names: Vec<_> = h
        .intermittent_in("r3")
        .iter()
        .map(|e| e.test.clone())
        .collect();
    assert_eq!(names, vec![TEST.to_string()]);
    // The same test under another series is its own history.
    let other = h
        .tests
        .iter()
        .find(|e| e.series == "netns-l2-l3" && e.tree == "linux-6.1" && e.test == TEST)
        .expect("other series");
    assert!(!other.intermittent);
}

#[test]
fn a_test_that_always_fails_is_not_intermittent_but_a_flaky_one_is() {
    let mut h = History::default();
    h.record(&run("r1", TestStatus::Fail, false));
    h.record(&run("r2", TestStatus::Fail, false));
    assert!(!entry(&h, TEST).intermittent, "a steady failure");
    let mut h = History::default();
    h.record(&run("r1", TestStatus::Pass, true));
    assert_eq!(entry(&h, TEST).runs[0].result, RunResult::Flaky);
    assert!(entry(&h, TEST).intermittent);
}

#[test]
fn only_the_last_runs_are_kept_and_a_rerun_id_replaces_its_entry() {
    let mut h = History::default();
    h.record(&run("old", TestStatus::Fail, false));
    for i in 0..HISTORY_RUNS {
        h.record(&run(&format!("r{i}"), TestStatus::Pass, false));
    }
    let e = entry(&h, TEST);
    assert_eq!(e.runs.len(), HISTORY_RUNS);
    assert!(!e.intermittent, "the failure fell out of the window");
    h.record(&run("r9", TestStatus::Fail, false));
    let e = entry(&h, TEST);
    assert_eq!(e.runs.len(), HISTORY_RUNS);
    assert_eq!(e.runs.last().map(|r| r.result), Some(RunResult::Fail));
}

#[test]
fn the_file_round_trips_and_a_foreign_file_is_an_error_naming_it() {
    let d = tempfile::tempdir().expect("tmp");
    let p = d.path().join("history.json");
    update_history(&p, &run("r1", TestStatus::Pass, false)).expect("first");
    let h = update_history(&p, &run("r2", TestStatus::Fail, false)).expect("second");
    assert_eq!(load_history(&p).expect("load"), h);
    assert_eq!(entry(&h, TEST).runs.len(), 2);
    std::fs::write(&p, "{\"schema\":\"harness.matrix/1\",\"tests\":[]}").expect("write");
    let e = load_history(&p).expect_err("wrong schema");
    assert!(e.to_string().contains("history.json"), "{e}");
}
