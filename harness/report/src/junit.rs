//! `junit.xml`: one testsuite per cell, a testcase per hunk, kconfig, build,
//! boot and guest test. Failures carry the diagnosis or log excerpt.
//! A hunk, stage or test that ran and failed is a `<failure>`, whether or not
//! the matrix expected it: a dashboard counts what failed. One the matrix
//! expected (a declared expectation that held, or a guest test's xfail) says
//! so three ways: failure type `expected-failure`, a message starting
//! "expected failure: ", and the testcase property `expected = true`; the
//! suite's `as_expected` property and `harness matrix`'s exit status say
//! whether the cell as a whole was as expected. `<skipped>` means not run.
//! Build and boot testcases carry their durations. Output is deterministic
//! (no timestamps or UUIDs) so it can be golden-tested.

use crate::error::ReportError;
use crate::model::{Cell, CellBoot, HunkStatus, MatrixReport, StageStatus, TestStatus};
use crate::status::{StageOutcome, Word};
use crate::view::{apply_expected, boot_expected, build_expected};
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use std::time::Duration;

pub fn render_junit(report: &MatrixReport) -> Result<String, ReportError> {
    let mut r = Report::new(format!("harness matrix {}", report.run_id));
    for cell in &report.cells {
        r.add_test_suite(suite(cell));
    }
    r.to_string().map_err(|e| ReportError::Render {
        what: "junit.xml",
        message: e.to_string(),
    })
}

fn failure(message: &str, ty: &str, description: Option<String>) -> TestCaseStatus {
    let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
    s.set_message(message);
    s.set_type(ty);
    if let Some(d) = description {
        s.set_description(d);
    }
    s
}

/// A testcase that ran and failed: as the matrix expected, or not.
struct Failed {
    expected: bool,
    status: TestCaseStatus,
}

fn failed(expected: bool, message: &str, ty: &str, description: Option<String>) -> Failed {
    let status = if expected {
        failure(
            &format!("expected failure: {message}"),
            "expected-failure",
            description,
        )
    } else {
        failure(message, ty, description)
    };
    Failed { expected, status }
}

/// A testcase for a failure, with the `expected` property when it was.
fn failed_case(cell: &Cell, name: String, f: Failed) -> TestCase {
    let mut t = case(cell, name, f.status);
    if f.expected {
        t.add_property(("expected", "true"));
    }
    t
}

fn skipped(message: &str, description: Option<String>) -> TestCaseStatus {
    let mut s = TestCaseStatus::skipped();
    s.set_message(message);
    if let Some(d) = description {
        s.set_description(d);
    }
    s
}

fn case(cell: &Cell, name: String, status: TestCaseStatus) -> TestCase {
    let mut t = TestCase::new(name, status);
    t.set_classname(cell.id.clone());
    t
}

fn secs(s: f64) -> Option<Duration> {
    if s.is_finite() && s >= 0.0 {
        Some(Duration::from_secs_f64(s))
    } else {
        None
    }
}

fn suite(cell: &Cell) -> TestSuite {
    let mut s = TestSuite::new(cell.id.clone());
    s.add_property(("series", cell.series.as_str()));
    s.add_property(("tree", cell.tree.as_str()));
    s.add_property(("config", cell.config.name.as_str()));
    for (k, v) in &cell.config.symbols {
        s.add_property((k.as_str(), v.as_str()));
    }
    s.add_property((
        "as_expected",
        if cell.as_expected { "true" } else { "false" },
    ));
    if let Some(t) = &cell.tree_choice {
        s.add_property(("tree_choice", format!("{} ({})", t.picked, t.why).as_str()));
    }
    for r in &cell.reproduce {
        let name = format!("reproduce.{}", r.stage.word());
        s.add_property((name.as_str(), r.command.as_str()));
    }

    hunk_cases(&mut s, cell);
    kconfig_case(&mut s, cell);
    build_case(&mut s, cell);
    bisect_case(&mut s, cell);
    checkpatch_case(&mut s, cell);
    boot_case(&mut s, cell);
    guest_test_cases(&mut s, cell);
    s
}

/// One case per hunk (and per patch error).
fn hunk_cases(s: &mut TestSuite, cell: &Cell) {
    let xfail_apply = apply_expected(cell);
    for p in &cell.apply.patches {
        for e in &p.errors {
            let name = format!("apply {}", p.name);
            let f = failed(xfail_apply, e, "patch-error", None);
            s.add_test_case(failed_case(cell, name, f));
        }
        for f in &p.files {
            for h in &f.hunks {
                let name = format!("apply {} {} hunk #{}", p.name, f.path, h.index);
                let mut tc = match h.status {
                    HunkStatus::Applied | HunkStatus::AlreadyApplied => {
                        case(cell, name, TestCaseStatus::success())
                    }
                    HunkStatus::Failed | HunkStatus::Malformed => {
                        let (cause, summary) = match &h.diagnosis {
                            Some(d) => {
                                (crate::view::diag_extras(d).cause, crate::view::diag_line(d))
                            }
                            None => (
                                "unknown".into(),
                                f.reason.clone().unwrap_or_else(|| "no diagnosis".into()),
                            ),
                        };
                        let detail = format!(
                            "hunk #{} of {} in patch {}: {} at line {}\ncause: {}\n{}",
                            h.index,
                            f.path,
                            p.name,
                            h.status.word(),
                            h.line.map(|l| l.to_string()).unwrap_or_else(|| "?".into()),
                            cause,
                            summary
                        );
                        let f = failed(xfail_apply, &summary, &cause, Some(detail));
                        failed_case(cell, name, f)
                    }
                };
                let mut out = Vec::new();
                if h.status == HunkStatus::AlreadyApplied {
                    out.push("already applied".to_string());
                }
                if let Some(o) = h.offset {
                    if o != 0 {
                        out.push(format!("offset {o} lines"));
                    }
                }
                if let Some(fz) = h.fuzz {
                    if fz > 0 {
                        out.push(format!("fuzz {fz}"));
                    }
                }
                out.extend(h.warnings.iter().cloned());
                if !out.is_empty() && h.status.passed() {
                    tc.set_system_out(out.join("\n"));
                }
                s.add_test_case(tc);
            }
        }
    }
}

/// The kconfig stage.
fn kconfig_case(s: &mut TestSuite, cell: &Cell) {
    let kst = match cell.kconfig.status {
        StageStatus::Passed => TestCaseStatus::success(),
        StageStatus::Failed => failure(
            "requested config symbols did not survive",
            "kconfig",
            Some(cell.kconfig.problems.join("\n")),
        ),
        StageStatus::Skipped => skipped("kconfig skipped", None),
    };
    s.add_test_case(case(cell, "kconfig".into(), kst));
}

/// The build stage, with its warnings as output.
fn build_case(s: &mut TestSuite, cell: &Cell) {
    let b = &cell.build;
    let mut btc = match b.status {
        StageStatus::Passed => case(cell, "build".into(), TestCaseStatus::success()),
        StageStatus::Failed => {
            let mut lines: Vec<String> = b
                .errors
                .iter()
                .map(|d| format!("{}:{}: {}: {}", d.file, d.line, d.severity, d.message))
                .collect();
            lines.extend(b.log_excerpt.iter().cloned());
            let msg = b
                .errors
                .first()
                .map(|d| format!("build failed: {}:{}: {}", d.file, d.line, d.message))
                .unwrap_or_else(|| "build failed".into());
            let f = failed(build_expected(cell), &msg, "build", Some(lines.join("\n")));
            failed_case(cell, "build".into(), f)
        }
        StageStatus::Skipped => case(
            cell,
            "build".into(),
            skipped(
                &format!(
                    "build skipped ({})",
                    cell.actual
                        .build
                        .map(Word::word)
                        .unwrap_or("an earlier stage failed or the matrix says so")
                ),
                None,
            ),
        ),
    };
    if let Some(t) = secs(b.seconds) {
        if b.status != StageStatus::Skipped {
            btc.set_time(t);
        }
    }
    if b.status != StageStatus::Skipped {
        let mut out = vec![format!(
            "status {}{}, {:.1} s, {} objects recompiled{}, {} warnings, {} errors",
            b.status.word(),
            if b.base_only { " (base tree only)" } else { "" },
            b.seconds,
            b.recompiled
                .map(|r| r.to_string())
                .unwrap_or_else(|| "?".into()),
            if b.reused { ", reused" } else { "" },
            b.warnings.len(),
            b.errors.len()
        )];
        for w in &b.warnings {
            out.push(format!("{}:{}: warning: {}", w.file, w.line, w.message));
        }
        btc.set_system_out(out.join("\n"));
    }
    s.add_test_case(btc);
}

/// The per-patch walk (`bisect: true` series), a line per patch as output.
fn bisect_case(s: &mut TestSuite, cell: &Cell) {
    let Some(b) = &cell.bisect else { return };
    let lines = crate::view::bisect_step_lines(b);
    let mut tc = match b.status {
        StageStatus::Passed => case(cell, "bisect".into(), TestCaseStatus::success()),
        StageStatus::Failed => {
            let expected = crate::view::bisect_expected(cell);
            let f = failed(expected, &b.summary, "bisect", Some(lines.join("\n")));
            failed_case(cell, "bisect".into(), f)
        }
        StageStatus::Skipped => case(cell, "bisect".into(), skipped(&b.summary, None)),
    };
    if !lines.is_empty() {
        tc.set_system_out(lines.join("\n"));
    }
    s.add_test_case(tc);
}

/// checkpatch on the series, a line per finding as output.
fn checkpatch_case(s: &mut TestSuite, cell: &Cell) {
    let Some(k) = &cell.checkpatch else { return };
    let lines = crate::view::checkpatch_lines(k);
    let mut tc = match k.status {
        StageStatus::Passed => case(cell, "checkpatch".into(), TestCaseStatus::success()),
        StageStatus::Failed => {
            let expected = crate::view::checkpatch_expected(cell);
            let f = failed(expected, &k.summary, "checkpatch", Some(lines.join("\n")));
            failed_case(cell, "checkpatch".into(), f)
        }
        StageStatus::Skipped => case(cell, "checkpatch".into(), skipped(&k.summary, None)),
    };
    if !lines.is_empty() && k.status == StageStatus::Passed {
        tc.set_system_out(lines.join("\n"));
    }
    s.add_test_case(tc);
}

/// The boot stage.
fn boot_case(s: &mut TestSuite, cell: &Cell) {
    match &cell.boot {
        CellBoot::Skipped { reason, .. } => {
            s.add_test_case(case(
                cell,
                "boot".into(),
                skipped(&format!("boot skipped: {reason}"), None),
            ));
        }
        CellBoot::Ran(r) => {
            let ok = matches!(
                r.status,
                crate::model::BootStatus::Passed | crate::model::BootStatus::TestsFailed
            );
            let mut tc = if ok {
                case(cell, "boot".into(), TestCaseStatus::success())
            } else {
                let msg = match &r.detail {
                    Some(d) => format!("boot {}: {d}", cell.boot.outcome().word()),
                    None => format!("boot {}", cell.boot.outcome().word()),
                };
                let trace = Some(r.trace.join("\n"));
                let f = failed(boot_expected(cell), &msg, cell.boot.outcome().word(), trace);
                failed_case(cell, "boot".into(), f)
            };
            if let Some(t) = secs(r.seconds) {
                tc.set_time(t);
            }
            tc.set_system_out(format!(
                "accel {}{}{}",
                r.accel,
                r.accel_note
                    .as_ref()
                    .map(|n| format!(" ({n})"))
                    .unwrap_or_default(),
                r.console_log
                    .as_ref()
                    .map(|c| format!("\nconsole log: {c}"))
                    .unwrap_or_default()
            ));
            s.add_test_case(tc);
        }
    }
}

/// One case per guest test (KTAP subtests flattened).
fn guest_test_cases(s: &mut TestSuite, cell: &Cell) {
    for (name, t) in crate::view::flat_tests(cell) {
        let reason = t.reason.clone().unwrap_or_default();
        let name = format!("test {name}");
        let or = |fallback: &'static str| {
            if reason.is_empty() {
                fallback.to_owned()
            } else {
                reason.clone()
            }
        };
        let tc = match t.status {
            TestStatus::Pass => case(cell, name, TestCaseStatus::success()),
            TestStatus::Fail => {
                let f = failed(false, &or("guest test failed"), "guest-test", None);
                failed_case(cell, name, f)
            }
            TestStatus::Skip => case(cell, name, skipped(&or("skipped in the guest"), None)),
            // An xfail ran and failed in the way the test itself declares.
            TestStatus::Xfail => {
                let f = failed(
                    true,
                    &format!("xfail: {}", or("declared by the test")),
                    "guest-test",
                    None,
                );
                failed_case(cell, name, f)
            }
        };
        let mut tc = tc;
        if let Some(d) = t.seconds.and_then(secs) {
            tc.set_time(d);
        }
        if let Some(r) = &t.retried {
            add_rerun(&mut tc, r);
        }
        s.add_test_case(tc);
    }
}

/// The other attempt of a re-run test, as JUnit reruns: a flaky pass carries
/// its first failure (`flakyFailure`), a test that failed again its second
/// failure (`rerunFailure`).
fn add_rerun(tc: &mut TestCase, r: &harness_boot::retry::Retried) {
    use harness_boot::retry::RetryVerdict;
    let other = match r.verdict {
        RetryVerdict::Flaky => &r.first,
        RetryVerdict::FailedAgain => &r.second,
    };
    let mut rerun = quick_junit::TestRerun::new(quick_junit::NonSuccessKind::Failure);
    rerun.set_message(format!(
        "{} ({})",
        other.reason.as_deref().unwrap_or("guest test failed"),
        match r.verdict {
            RetryVerdict::Flaky => "first boot; passed in a fresh boot",
            RetryVerdict::FailedAgain => "fresh boot",
        }
    ));
    rerun.set_type("guest-test");
    tc.status.add_rerun(rerun);
}
