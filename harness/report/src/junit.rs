//! `junit.xml`: one testsuite per cell, a testcase per hunk, kconfig, build,
//! boot and guest test. Failures carry the diagnosis or log excerpt.
//! Failures the matrix expects (a declared expectation that held) are written
//! as `<skipped>` with an "expected failure" message, the way pytest writes
//! xfail, so CI dashboards stay green exactly when `harness matrix` exits 0.
//! Output is deterministic (no timestamps or UUIDs) so it can be golden-tested.

use crate::error::ReportError;
use crate::model::{Cell, CellBoot, HunkStatus, MatrixReport, StageStatus, TestStatus};
use crate::view::{apply_expected, boot_expected, boot_word, build_expected, hunk_str, stage_str};
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

    // Hunks.
    let xfail_apply = apply_expected(cell);
    for p in &cell.apply.patches {
        for e in &p.errors {
            let name = format!("apply {}", p.name);
            let st = if xfail_apply {
                skipped(&format!("expected failure: {e}"), None)
            } else {
                failure(e, "patch-error", None)
            };
            s.add_test_case(case(cell, name, st));
        }
        for f in &p.files {
            for h in &f.hunks {
                let name = format!("apply {} {} hunk #{}", p.name, f.path, h.index);
                let st = match h.status {
                    HunkStatus::Applied | HunkStatus::AlreadyApplied => TestCaseStatus::success(),
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
                            hunk_str(h.status),
                            h.line.map(|l| l.to_string()).unwrap_or_else(|| "?".into()),
                            cause,
                            summary
                        );
                        if xfail_apply {
                            skipped(&format!("expected failure: {summary}"), Some(detail))
                        } else {
                            failure(&summary, &cause, Some(detail))
                        }
                    }
                };
                let mut tc = case(cell, name, st);
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
                if !out.is_empty()
                    && matches!(h.status, HunkStatus::Applied | HunkStatus::AlreadyApplied)
                {
                    tc.set_system_out(out.join("\n"));
                }
                s.add_test_case(tc);
            }
        }
    }

    // Kconfig.
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

    // Build.
    let b = &cell.build;
    let bst = match b.status {
        StageStatus::Passed => TestCaseStatus::success(),
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
            if build_expected(cell) {
                skipped(&format!("expected failure: {msg}"), Some(lines.join("\n")))
            } else {
                failure(&msg, "build", Some(lines.join("\n")))
            }
        }
        StageStatus::Skipped => skipped(
            &format!(
                "build skipped ({})",
                cell.actual
                    .build
                    .as_deref()
                    .unwrap_or("an earlier stage failed or the matrix says so")
            ),
            None,
        ),
    };
    let mut btc = case(cell, "build".into(), bst);
    if let Some(t) = secs(b.seconds) {
        if b.status != StageStatus::Skipped {
            btc.set_time(t);
        }
    }
    if b.status != StageStatus::Skipped {
        let mut out = vec![format!(
            "status {}{}, {:.1} s, {} objects recompiled{}, {} warnings, {} errors",
            stage_str(b.status),
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

    // Boot.
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
            let st = if ok {
                TestCaseStatus::success()
            } else {
                let msg = match &r.detail {
                    Some(d) => format!("boot {}: {d}", boot_word(&cell.boot)),
                    None => format!("boot {}", boot_word(&cell.boot)),
                };
                if boot_expected(cell) {
                    skipped(
                        &format!("expected failure: {msg}"),
                        Some(r.trace.join("\n")),
                    )
                } else {
                    failure(&msg, boot_word(&cell.boot), Some(r.trace.join("\n")))
                }
            };
            let mut tc = case(cell, "boot".into(), st);
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

    // Guest tests.
    for (name, t) in crate::view::flat_tests(cell) {
        let reason = t.reason.clone().unwrap_or_default();
        let st = match t.status {
            TestStatus::Pass => TestCaseStatus::success(),
            TestStatus::Fail => failure(
                if reason.is_empty() {
                    "guest test failed"
                } else {
                    &reason
                },
                "guest-test",
                None,
            ),
            TestStatus::Skip => skipped(
                if reason.is_empty() {
                    "skipped in the guest"
                } else {
                    &reason
                },
                None,
            ),
            TestStatus::Xfail => skipped(&format!("xfail: {reason}"), None),
        };
        s.add_test_case(case(cell, format!("test {name}"), st));
    }
    s
}
