//! Rendering tests on the fixture report (tests/fixtures/full.json: eight
//! cells covering every colour: as-expected passes, expected apply failures
//! of netns-l2-l3 with diagnoses, two unexpected preempt-rt cells (a build
//! error; a guest test failure) and apply-only linux-6.12 cells).
//!
//! Golden files live in tests/golden/. They are regenerated only on purpose:
//! `UPDATE_GOLDEN=1 cargo test -p harness-report --test render`; otherwise a
//! mismatch fails and prints a unified diff.

use harness_report::model::MatrixReport;
use harness_report::{render_html, render_junit, render_markdown, write_run_dir};
use std::path::PathBuf;

fn fixture(name: &str) -> MatrixReport {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    harness_report::load_report(&p).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

fn golden(name: &str, actual: &str) {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&p, actual).unwrap_or_else(|e| panic!("writing {}: {e}", p.display()));
        return;
    }
    let expected = std::fs::read_to_string(&p).unwrap_or_else(|e| {
        panic!(
            "reading golden {}: {e} (create it with UPDATE_GOLDEN=1 after checking the output)",
            p.display()
        )
    });
    if expected != actual {
        let diff = similar::TextDiff::from_lines(expected.as_str(), actual);
        panic!(
            "{name} differs from the golden file (rerun with UPDATE_GOLDEN=1 only if the change is deliberate):\n{}",
            diff.unified_diff().context_radius(2).header("golden", "actual")
        );
    }
}

#[test]
fn markdown_matches_golden() {
    let md = render_markdown(&fixture("full.json"));
    golden("full.summary.md", &md);
}

#[test]
fn junit_matches_golden() {
    let xml = render_junit(&fixture("full.json")).expect("render junit");
    golden("full.junit.xml", &xml);
}

#[test]
fn markdown_has_grid_and_cell_details() {
    let md = render_markdown(&fixture("full.json"));
    // Grid header: one column per config, in sorted order.
    assert!(
        md.contains("| series @ tree | ip-multiple-tables-n | ip-multiple-tables-y |"),
        "{md}"
    );
    // Row for the unexpected build failure says what differs from the expectation?
    // preempt-rt declares only apply: partial, so the build failure shows as UNEXPECTED.
    // Stage words from full.json: 0040's hunk failed (expected: partial),
    // seven hunks applied and one already there; so only the base tree was
    // built (a partial series is not built), and that build failed after 88 s.
    assert!(
        md.contains("❌ UNEXPECTED: apply: 1 hunk failed (expected), 7 applied, 1 already applied · build (base tree): failed in 88 s · boot: not run (build failed) — build: expected passed, got failed"),
        "{md}"
    );
    // netns-l2-l3 fails to apply (as declared), so only the base tree is
    // built; on the apply-only tree nothing is built, and the grid says why.
    assert!(md.contains("⚠️ expected failure: apply: 6 hunks failed (expected), 1 already applied · build (base tree): passed in 191 s"), "{md}");
    assert!(
        md.contains(
            "· build, boot: not run (tree linux-6.12 is apply-only in this matrix (build: false))"
        ),
        "{md}"
    );
    // Failed hunks carry their diagnosis, escaped (the fixture has <script> in one).
    assert!(
        md.contains("file-moved: include/linux/net\\_namespace.h no longer exists"),
        "{md}"
    );
    assert!(md.contains("&lt;script&gt;"), "{md}");
    assert!(
        !md.contains("<script>"),
        "raw HTML from a diagnosis leaked into Markdown"
    );
    // An unexpected build failure names its first error with file:line.
    assert!(
        md.contains("- build error: `kernel/printk/printk.c:2318`: implicit declaration of function 'cons\\_atomic\\_flush'"),
        "{md}"
    );
    // Failed hunks are listed once per series and tree, not once per config.
    assert_eq!(
        md.matches("### netns-l2-l3 @ linux-6.1: 6 hunks (as expected)")
            .count(),
        1,
        "{md}"
    );
    // Boot line with accel and seconds; guest test table.
    assert!(
        md.contains("**Boot**: tests-failed — accel tcg, 2.3 s"),
        "{md}"
    );
    assert!(
        md.contains(
            "| veth\\_ping\\_both\\_ways | fail | ping 10.0.0.2 from ns1: 100% packet loss |"
        ),
        "{md}"
    );
}

#[test]
fn junit_parses_back_with_expected_counts() {
    let report = fixture("full.json");
    let xml = render_junit(&report).expect("render junit");
    let parsed = quick_junit::Report::deserialize_from_str(&xml).expect("junit.xml parses back");
    assert_eq!(
        parsed.test_suites.len(),
        report.cells.len(),
        "one testsuite per cell"
    );
    // Count expectations from the fixture itself: per cell, hunks + kconfig +
    // build + boot + guest tests.
    let mut expected_cases = 0;
    for c in &report.cells {
        let hunks: usize = c
            .apply
            .patches
            .iter()
            .flat_map(|p| &p.files)
            .map(|f| f.hunks.len())
            .sum();
        expected_cases += hunks + 3 + c.tests.len();
    }
    let cases: usize = parsed.test_suites.iter().map(|s| s.test_cases.len()).sum();
    assert_eq!(cases, expected_cases);
    // Everything that ran and failed is a <failure> (a dashboard counts
    // them), and exactly the unexpected ones lack the `expected` marks.
    // Unexpected, read off full.json: the build error of
    // preempt-rt@linux-6.1:ip-multiple-tables-y and the failed guest test of
    // preempt-rt@linux-6.1:ip-multiple-tables-n. Expected: the failed hunks of
    // cells whose apply expectation held (netns-l2-l3, preempt-rt's 0040),
    // and the guest tests' xfails.
    let mut unexpected = Vec::new();
    let mut expected = 0;
    let mut skipped_that_failed = Vec::new();
    for suite in &parsed.test_suites {
        for t in &suite.test_cases {
            let id = (suite.name.as_str().to_string(), t.name.as_str().to_string());
            let marked = t
                .properties
                .iter()
                .any(|p| p.name.as_str() == "expected" && p.value.as_str() == "true");
            match &t.status {
                quick_junit::TestCaseStatus::NonSuccess { message, ty, .. } => {
                    let m = message.as_ref().map(|m| m.as_str()).unwrap_or("");
                    let ty = ty.as_ref().map(|m| m.as_str()).unwrap_or("");
                    let says = m.starts_with("expected failure: ") && ty == "expected-failure";
                    assert_eq!(says, marked, "{id:?}: message/type and property disagree");
                    if marked {
                        expected += 1
                    } else {
                        unexpected.push(id)
                    }
                }
                quick_junit::TestCaseStatus::Skipped { message, .. } => {
                    let m = message.as_ref().map(|m| m.as_str()).unwrap_or("");
                    if m.contains("expected failure") || m.starts_with("xfail") {
                        skipped_that_failed.push(id);
                    }
                }
                quick_junit::TestCaseStatus::Success { .. } => assert!(!marked, "{id:?}"),
            }
        }
    }
    assert!(
        skipped_that_failed.is_empty(),
        "failures written as skipped: {skipped_that_failed:?}"
    );
    assert_eq!(
        unexpected,
        vec![
            (
                "preempt-rt@linux-6.1:ip-multiple-tables-n".to_string(),
                "test veth_ping_both_ways".to_string()
            ),
            (
                "preempt-rt@linux-6.1:ip-multiple-tables-y".to_string(),
                "build".to_string()
            ),
        ]
    );
    // Every failed or malformed hunk of the report, plus the xfail guest
    // tests, is an expected failure here (no other stage failed as expected).
    let failed_hunks = report
        .cells
        .iter()
        .flat_map(|c| &c.apply.patches)
        .flat_map(|p| &p.files)
        .flat_map(|f| &f.hunks)
        .filter(|h| {
            matches!(
                h.status,
                harness_report::model::HunkStatus::Failed
                    | harness_report::model::HunkStatus::Malformed
            )
        })
        .count();
    let xfails = report
        .cells
        .iter()
        .flat_map(harness_report::view::flat_tests)
        .filter(|(_, t)| t.status == harness_report::model::TestStatus::Xfail)
        .count();
    assert!(failed_hunks > 0);
    assert_eq!(expected, failed_hunks + xfails);
    let total_failures: usize = parsed.test_suites.iter().map(|s| s.failures).sum();
    assert_eq!(total_failures, expected + unexpected.len());
    // The expected apply failure of netns-l2-l3 carries the diagnosis.
    let s = parsed
        .test_suites
        .iter()
        .find(|s| s.name.as_str() == "netns-l2-l3@linux-6.1:ip-multiple-tables-y")
        .expect("suite");
    let hunk = s
        .test_cases
        .iter()
        .find(|t| {
            t.name.as_str() == "apply netns-l2-l3.patch include/linux/net_namespace.h hunk #1"
        })
        .expect("hunk testcase");
    match &hunk.status {
        quick_junit::TestCaseStatus::NonSuccess { message, .. } => {
            let m = message.as_ref().map(|m| m.as_str()).unwrap_or("");
            assert!(m.starts_with("expected failure: file-moved:"), "{m}");
        }
        other => panic!("expected a failure, got {other:?}"),
    }
}

#[test]
fn summary_stays_pasteable_with_many_failed_hunks() {
    // PREEMPT_RT on linux-6.12 fails 136 hunks. Add four unexpected cells of
    // 300 failed hunks each (copies of 0040's) to the fixture's eight (12
    // cells, as the default matrix): the summary must stay under 20 KB (a PR
    // comment, a mail reply) and say how many more are in index.html.
    let mut report = fixture("full.json");
    let template = report
        .cells
        .iter()
        .find(|c| c.series == "preempt-rt")
        .expect("cell")
        .clone();
    let mut hunk = None;
    for f in template.apply.patches.iter().flat_map(|p| &p.files) {
        for h in &f.hunks {
            if h.status == harness_report::model::HunkStatus::Failed {
                hunk = Some(h.clone());
            }
        }
    }
    let hunk = hunk.expect("a failed hunk");
    for i in 0..4 {
        let mut c = template.clone();
        c.id = format!("big{i}@linux-6.12:cfg");
        c.series = format!("big{i}");
        let file = &mut c.apply.patches[0].files[0];
        file.hunks = (0..300).map(|_| hunk.clone()).collect();
        report.cells.push(c);
    }
    let md = render_markdown(&report);
    assert!(md.len() < 20_000, "summary.md is {} bytes", md.len());
    // big0 has 301 (its 300 plus the template's own 0040 hunk in another
    // file); 25 are listed; the later ones only once the budget allows.
    assert!(
        md.contains("### big0 @ linux-6.1: 301 hunks (as expected)"),
        "{md}"
    );
    assert!(md.contains("… and 276 more in index.html"), "{md}");
    assert!(md.contains("… and 301 more in index.html"), "{md}");
}

#[test]
fn skipped_only_when_nothing_ran_and_nothing_failed() {
    use harness_report::model::{AggregateStatus, HunkStatus};
    use harness_report::view::{cell_verdict, Verdict};
    let report = fixture("full.json");
    let mut cell = report
        .cells
        .iter()
        .find(|c| c.id == "netns-l2-l3@linux-6.12:ip-multiple-tables-n")
        .expect("cell")
        .clone();
    assert_eq!(cell_verdict(&cell), Verdict::ExpectedFailure);
    // The same cell had every hunk applied: nothing failed, nothing built.
    cell.apply.status = AggregateStatus::Applied;
    for p in &mut cell.apply.patches {
        p.errors.clear();
        for f in &mut p.files {
            for h in &mut f.hunks {
                h.status = HunkStatus::Applied;
            }
        }
    }
    assert_eq!(cell_verdict(&cell), Verdict::Skipped);
}

#[test]
fn html_escapes_untrusted_text_and_colours_cells() {
    let html = render_html(&fixture("full.json"));
    assert!(html.starts_with("<!DOCTYPE html>"));
    // Untrusted diagnosis text is escaped; no script element anywhere.
    assert!(html.contains("switch_ns() &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
    assert!(
        !html.to_lowercase().contains("<script"),
        "no scripts in the page"
    );
    // Self-contained: nothing loaded from elsewhere.
    assert!(
        !html.contains("src=\"http") && !html.contains("href=\"http") && !html.contains("@import")
    );
    // One grid cell per report cell with the verdict colour class.
    for (id, class) in [
        (
            "netns-l2-l3@linux-6.1:ip-multiple-tables-y",
            "expected-failure",
        ),
        ("preempt-rt-prefix@linux-6.1:ip-multiple-tables-n", "passed"),
        ("preempt-rt@linux-6.1:ip-multiple-tables-y", "unexpected"),
        // Its apply ran and failed (as declared); that outranks "not built".
        (
            "netns-l2-l3@linux-6.12:ip-multiple-tables-n",
            "expected-failure",
        ),
    ] {
        let needle = format!("<td class=\"cell {class}\" data-cell-id=\"{id}\"");
        assert!(html.contains(&needle), "missing {needle}");
    }
    // Log links are relative and percent-encoded ('@' is not in the safe set).
    assert!(html.contains("href=\"cells/preempt-rt%40linux-6.1_ip-multiple-tables-n/console.log\""));
    // Build log excerpt with C code is escaped.
    assert!(html.contains("/* if (a &lt; b &amp;&amp; c &gt; d) */"));
}

#[test]
fn html_cell_detail_puts_what_failed_first_and_exact_hunks_last() {
    let report = fixture("full.json");
    let html = render_html(&report);
    // Every cell's section: the hunks to look at (not applied, fuzzy or
    // warned) before the build, the exactly applied ones after the tests.
    let mut checked = 0;
    for section in html.split("<section class=\"detail").skip(1) {
        let build = section.find("<h3>Build:").expect("build heading");
        if let Some(at) = section.find("class=\"attention\"") {
            assert!(at < build, "attention table after the build:\n{section}");
            checked += 1;
        }
        if let Some(at) = section.find("class=\"exact\"") {
            assert!(at > build, "exact hunks before the build:\n{section}");
            let exact = &section[at..];
            assert!(
                !exact.contains("st-failed") && !exact.contains("st-malformed"),
                "a hunk not applied is among the exact ones:\n{exact}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 2, "the fixture has failed and exact hunks");
    // Tree provenance is a table of its fields, not a raw JSON record.
    let trees = &html[html.find("<table class=\"trees\">").expect("trees table")..];
    let trees = &trees[..trees.find("</table>").expect("end")];
    assert!(
        !trees.contains("{&quot;") && !trees.contains("{\""),
        "{trees}"
    );
    assert!(trees.contains("<th>version</th>"), "{trees}");
}

#[test]
fn write_run_dir_writes_four_files_atomically() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("run");
    let report = fixture("full.json");
    let files = write_run_dir(&out, &report).expect("write run dir");
    for p in [
        &files.report_json,
        &files.summary_md,
        &files.junit_xml,
        &files.index_html,
    ] {
        let meta = std::fs::metadata(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        assert!(meta.len() > 100, "{} is too small", p.display());
    }
    // Nothing temporary left behind.
    let names: Vec<String> = std::fs::read_dir(&out)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        ["index.html", "junit.xml", "report.json", "summary.md"]
    );
    // report.json round-trips to the same JSON.
    let back = harness_report::load_report(&out).expect("load back");
    assert_eq!(
        serde_json::to_value(&back).expect("json"),
        serde_json::to_value(&report).expect("json")
    );
}

#[test]
fn load_report_rejects_other_schemas_with_the_path() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("apply.json");
    std::fs::write(&p, r#"{"schema":"harness.apply/1","patches":[]}"#).expect("write");
    let err = harness_report::load_report(&p).expect_err("must refuse");
    let msg = err.to_string();
    assert!(
        msg.contains("apply.json") && msg.contains("harness.apply/1"),
        "{msg}"
    );
}

/// A guest test's duration (measured in the guest, `seconds`) is its
/// testcase's `time`; a test without one has no `time` attribute.
#[test]
fn junit_testcase_time_is_the_guest_tests_duration() {
    let mut report = fixture("full.json");
    let cell = report
        .cells
        .iter_mut()
        .find(|c| !c.tests.is_empty())
        .expect("a cell with guest tests");
    let id = cell.id.clone();
    cell.tests[0].seconds = Some(1.25);
    let timed = format!("test {}", cell.tests[0].name);
    let untimed = format!("test {}", cell.tests[1].name);
    let xml = render_junit(&report).expect("render junit");
    let parsed = quick_junit::Report::deserialize_from_str(&xml).expect("parses back");
    let suite = parsed
        .test_suites
        .iter()
        .find(|s| s.name.as_str() == id)
        .expect("the cell's suite");
    let time_of = |name: &str| {
        suite
            .test_cases
            .iter()
            .find(|t| t.name.as_str() == name)
            .unwrap_or_else(|| panic!("testcase {name}"))
            .time
    };
    assert_eq!(
        time_of(&timed),
        Some(std::time::Duration::from_millis(1250))
    );
    assert_eq!(time_of(&untimed), None);
}
