//! Markdown, JUnit XML and HTML for a [`CheckpatchReport`].
//!
//! JUnit: one testsuite `checkpatch <series>`, one testcase per patch; a patch
//! with an ERROR or WARNING is a `<failure>` (type `checkpatch-errors` /
//! `checkpatch-warnings`) listing every finding; CHECKs alone pass, listed in
//! `<system-out>`. Deterministic (no timestamps).

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use crate::checkpatch::Finding;
use crate::report::{place, CheckpatchReport, PatchResult, Verdict};

fn line_of(f: &Finding) -> String {
    let at = place(f);
    let msg = f.message.replace('\n', " ");
    if at.is_empty() {
        format!("{}:{}: {msg}", f.level.word(), f.kind)
    } else {
        format!("{at}: {}:{}: {msg}", f.level.word(), f.kind)
    }
}

fn counts(p: &PatchResult) -> String {
    format!(
        "{} errors, {} warnings, {} checks",
        p.totals.errors, p.totals.warnings, p.totals.checks
    )
}

/// Markdown: a line per patch, then a table of its findings.
pub fn markdown(r: &CheckpatchReport) -> String {
    let mut s = format!(
        "# checkpatch: {} on {}\n\n`{} {}` · overall: **{}**\n",
        r.series,
        r.tree,
        r.script,
        r.args.join(" "),
        r.status.word()
    );
    for p in &r.patches {
        let subject = p.subject.as_deref().unwrap_or(&p.name);
        s.push_str(&format!(
            "\n## {}. {} — {} ({})\n",
            p.index,
            md_escape(subject),
            p.status.word(),
            counts(p)
        ));
        if p.findings.is_empty() {
            continue;
        }
        s.push_str("\n| level | type | where | message |\n|---|---|---|---|\n");
        for f in &p.findings {
            s.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                f.level.word(),
                f.kind,
                md_escape(&place(f)),
                md_escape(&f.message.replace('\n', " "))
            ));
        }
    }
    s
}

fn md_escape(t: &str) -> String {
    t.replace('|', "\\|").replace('<', "&lt;")
}

/// JUnit XML (see the module comment).
pub fn junit(r: &CheckpatchReport) -> Result<String, quick_junit::SerializeError> {
    let mut report = Report::new(format!("harness checkpatch {}", r.series));
    let mut suite = TestSuite::new(format!("checkpatch {}", r.series));
    suite.add_property(("tree", r.tree.as_str()));
    for p in &r.patches {
        let listing: Vec<String> = p.findings.iter().map(line_of).collect();
        let status = if p.status.failed() {
            let mut st = TestCaseStatus::non_success(NonSuccessKind::Failure);
            st.set_message(counts(p));
            st.set_type(format!("checkpatch-{}", p.status.word()));
            st.set_description(listing.join("\n"));
            st
        } else {
            TestCaseStatus::success()
        };
        let mut tc = TestCase::new(format!("checkpatch {}", p.name), status);
        tc.set_classname(format!("checkpatch {}", r.series));
        if p.status == Verdict::Checks {
            tc.set_system_out(listing.join("\n"));
        }
        suite.add_test_case(tc);
    }
    report.add_test_suite(suite);
    report.to_string()
}

fn h(t: &str) -> String {
    t.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One self-contained HTML page (inline CSS, no scripts, all text escaped).
pub fn html(r: &CheckpatchReport) -> String {
    let mut s = format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>checkpatch {}</title>\
<style>body{{font-family:sans-serif}}td,th{{border:1px solid #ccc;padding:2px 6px}}\
table{{border-collapse:collapse}}.errors{{color:#b00}}.warnings{{color:#a60}}\
.checks{{color:#06a}}.clean{{color:#080}}pre{{margin:0}}</style></head><body>\n\
<h1>checkpatch: {} on {}</h1>\n<p><code>{} {}</code></p>\n",
        h(&r.series),
        h(&r.series),
        h(&r.tree),
        h(&r.script),
        h(&r.args.join(" "))
    );
    for p in &r.patches {
        let subject = p.subject.as_deref().unwrap_or(&p.name);
        s.push_str(&format!(
            "<h2 class=\"{w}\" data-verdict=\"{w}\">{}. {} — {w} ({})</h2>\n",
            p.index,
            h(subject),
            counts(p),
            w = p.status.word()
        ));
        if p.findings.is_empty() {
            continue;
        }
        s.push_str("<table><tr><th>level</th><th>type</th><th>where</th><th>message</th></tr>\n");
        for f in &p.findings {
            s.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}<pre>{}</pre></td></tr>\n",
                f.level.word(),
                h(&f.kind),
                h(&place(f)),
                h(&f.message),
                h(&f.quoted.join("\n"))
            ));
        }
        s.push_str("</table>\n");
    }
    s.push_str("</body></html>\n");
    s
}
