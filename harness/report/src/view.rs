//! Shared read-only views over a report: status names, the verdict colour of
//! a cell, the grid layout, summary recomputation and canonical ordering.

use crate::model::{
    BisectStep, BisectStepStatus, BootStatus, Cell, CellBisect, CellBoot, HunkStatus, MatrixReport,
    StageStatus, Summary, TestResult, TestStatus,
};
use crate::status::{StageOutcome, Word};

/// How a cell reads at a glance (its colour in the HTML grid).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Every declared expectation held and every stage that ran passed (green).
    Passed,
    /// Some declared expectation did not hold (red).
    Unexpected,
    /// Something failed, but the matrix says it should (amber).
    ExpectedFailure,
    /// Nothing was built or booted, as expected (grey).
    Skipped,
}

impl Verdict {
    /// CSS class / short machine word.
    pub fn class(self) -> &'static str {
        match self {
            Verdict::Passed => "passed",
            Verdict::Unexpected => "unexpected",
            Verdict::ExpectedFailure => "expected-failure",
            Verdict::Skipped => "skipped",
        }
    }
    /// Short human label.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Passed => "as expected, passed",
            Verdict::Unexpected => "UNEXPECTED",
            Verdict::ExpectedFailure => "expected failure",
            Verdict::Skipped => "skipped",
        }
    }
    /// Emoji used in Markdown.
    pub fn icon(self) -> &'static str {
        match self {
            Verdict::Passed => "✅",
            Verdict::Unexpected => "❌",
            Verdict::ExpectedFailure => "⚠️",
            Verdict::Skipped => "⏭️",
        }
    }
}

pub fn cell_verdict(cell: &Cell) -> Verdict {
    if !cell.as_expected {
        return Verdict::Unexpected;
    }
    // A failure outranks "not built": a cell whose apply ran and failed (as
    // expected) is an expected failure even when build and boot did not run.
    if cell_has_failure(cell) {
        return Verdict::ExpectedFailure;
    }
    let boot_skipped = matches!(cell.boot, CellBoot::Skipped { .. });
    if cell.build.status == StageStatus::Skipped && boot_skipped {
        Verdict::Skipped
    } else {
        Verdict::Passed
    }
}

/// What each stage of a cell did, in words a reader takes in at a glance:
/// "apply: 136 hunks failed (expected)", "build: passed in 171 s",
/// "build, boot: not run (apply-only tree)", "tests: 8 pass, 1 xfail".
pub fn stage_words(cell: &Cell) -> Vec<String> {
    let mut out = vec![apply_words(cell)];
    let boot_reason = match &cell.boot {
        CellBoot::Skipped { reason, .. } => Some(reason.as_str()),
        CellBoot::Ran(_) => None,
    };
    if cell.build.status == StageStatus::Skipped {
        let reason = boot_reason.or(cell.build.log_excerpt.first().map(String::as_str));
        let why = reason
            .map(|r| format!(" ({})", one_line(r)))
            .unwrap_or_default();
        if boot_reason.is_some() {
            out.push(format!("build, boot: not run{why}"));
            return out;
        }
        out.push(format!("build: not run{why}"));
    } else {
        let mark = if build_expected(cell) {
            " (expected)"
        } else {
            ""
        };
        let how = if cell.build.reused {
            "reused".to_owned()
        } else {
            format!("in {:.0} s", cell.build.seconds)
        };
        let what = if cell.build.base_only {
            "build (base tree)"
        } else {
            "build"
        };
        out.push(format!("{what}: {}{mark} {how}", cell.build.status));
    }
    if let Some(b) = &cell.bisect {
        let mark = if bisect_expected(cell) {
            " (expected)"
        } else {
            ""
        };
        out.push(format!("bisect{mark}: {}", one_line(&b.summary)));
    }
    match &cell.boot {
        CellBoot::Skipped { reason, .. } => {
            out.push(format!("boot: not run ({})", one_line(reason)))
        }
        CellBoot::Ran(b) => {
            let mark = if boot_expected(cell) {
                " (expected)"
            } else {
                ""
            };
            out.push(format!(
                "boot: {}{mark} in {:.1} s",
                b.status.word(),
                b.seconds
            ));
        }
    }
    if let Some(t) = test_words(cell) {
        out.push(t);
    }
    out
}

fn apply_words(cell: &Cell) -> String {
    let (applied, already, failed, malformed) = hunk_counts(cell);
    let mark = if apply_expected(cell) {
        " (expected)"
    } else {
        ""
    };
    let mut parts = Vec::new();
    if failed > 0 {
        parts.push(format!("{failed} hunk{} failed{mark}", plural(failed)));
    }
    if malformed > 0 {
        parts.push(format!("{malformed} malformed{mark}"));
    }
    if applied > 0 {
        parts.push(format!("{applied} applied"));
    }
    if already > 0 {
        parts.push(format!("{already} already applied"));
    }
    if parts.is_empty() {
        return format!("apply: {}", cell.apply.status);
    }
    format!("apply: {}", parts.join(", "))
}

fn test_words(cell: &Cell) -> Option<String> {
    let tests = cell_tests(cell);
    if tests.is_empty() {
        return None;
    }
    let count = |s: TestStatus| tests.iter().filter(|t| t.status == s).count();
    let parts: Vec<String> = [
        (TestStatus::Pass, "pass"),
        (TestStatus::Fail, "FAIL"),
        (TestStatus::Xfail, "xfail"),
        (TestStatus::Skip, "skip"),
    ]
    .into_iter()
    .filter_map(|(s, w)| {
        Some(count(s))
            .filter(|n| *n > 0)
            .map(|n| format!("{n} {w}"))
    })
    .collect();
    Some(format!("tests: {}", parts.join(", ")))
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// True when any stage of the cell did not pass (apply not clean, kconfig or
/// build failed, boot not passed, a guest test failed).
pub fn cell_has_failure(cell: &Cell) -> bool {
    !cell.apply.status.passed()
        || cell.kconfig.status == StageStatus::Failed
        || cell.build.status == StageStatus::Failed
        || cell.bisect.as_ref().map(|b| b.status) == Some(StageStatus::Failed)
        || boot_ok(&cell.boot) == Some(false)
        || cell_tests(cell)
            .iter()
            .any(|t| t.status == TestStatus::Fail)
}

/// How a re-run test reads: `flaky (fail, then pass in a fresh boot)`.
pub fn retry_word(v: harness_boot::retry::RetryVerdict) -> &'static str {
    match v {
        harness_boot::retry::RetryVerdict::Flaky => "flaky (failed, then passed in a fresh boot)",
        harness_boot::retry::RetryVerdict::FailedAgain => "fail (failed again in a fresh boot)",
    }
}

/// Did the kernel boot? `None` when the boot was skipped. A boot whose guest
/// tests failed still booted (the tests are judged on their own).
pub fn boot_ok(boot: &CellBoot) -> Option<bool> {
    match boot {
        CellBoot::Ran(b) => Some(matches!(
            b.status,
            BootStatus::Passed | BootStatus::TestsFailed
        )),
        CellBoot::Skipped { .. } => None,
    }
}

/// The guest tests of a cell: `cell.tests`, or the boot report's when the
/// cell-level list is empty.
pub fn cell_tests(cell: &Cell) -> &[TestResult] {
    if !cell.tests.is_empty() {
        return &cell.tests;
    }
    match &cell.boot {
        CellBoot::Ran(b) => &b.tests,
        CellBoot::Skipped { .. } => &[],
    }
}

/// Counts of hunks by status in a cell: (applied, already-applied, failed, malformed).
pub fn hunk_counts(cell: &Cell) -> (usize, usize, usize, usize) {
    let mut c = (0, 0, 0, 0);
    for p in &cell.apply.patches {
        for f in &p.files {
            for h in &f.hunks {
                match h.status {
                    HunkStatus::Applied => c.0 += 1,
                    HunkStatus::AlreadyApplied => c.1 += 1,
                    HunkStatus::Failed => c.2 += 1,
                    HunkStatus::Malformed => c.3 += 1,
                }
            }
        }
    }
    c
}

/// True when the apply stage matches a declared expectation (so its failures
/// are expected ones).
pub fn apply_expected(cell: &Cell) -> bool {
    cell.expected.apply.is_some() && cell.expected.apply == cell.actual.apply
}

pub fn build_expected(cell: &Cell) -> bool {
    cell.expected.build.is_some() && cell.expected.build == cell.actual.build
}

/// The walk failed as the matrix said it would.
pub fn bisect_expected(cell: &Cell) -> bool {
    cell.expected.bisect.is_some() && cell.expected.bisect == cell.actual.bisect
}

/// True when checkpatch failed and the cell declared it would.
pub fn checkpatch_expected(cell: &Cell) -> bool {
    cell.expected.checkpatch.is_some() && cell.expected.checkpatch == cell.actual.checkpatch
}

/// One line per finding of a checked series: "2/3 WARNING:LONG_LINE:
/// net/x.c:12: line length of 101 exceeds 100 columns".
pub fn checkpatch_lines(c: &crate::model::CellCheckpatch) -> Vec<String> {
    let Some(r) = &c.report else { return vec![] };
    let n = r.patches.len();
    let mut out = Vec::new();
    for p in &r.patches {
        for f in &p.findings {
            let at = harness_checks::report::place(f);
            let first = f.message.lines().next().unwrap_or("");
            let at = if at.is_empty() {
                String::new()
            } else {
                format!("{at}: ")
            };
            out.push(format!(
                "{}/{n} {}:{}: {at}{first}",
                p.index,
                f.level.word(),
                f.kind
            ));
        }
    }
    out
}

/// One line per step of a walk: "base: passed (12 objects, 3.1 s)",
/// "2/3 0002-b.patch: FAILED (1 objects, 0.2 s): error at net/x.c:4: boom",
/// "3/3 0003-c.patch: does not apply: patch 3 is failed: ...", with the
/// warnings the patch added or removed.
pub fn bisect_step_lines(b: &CellBisect) -> Vec<String> {
    b.steps
        .iter()
        .map(|s| bisect_step_line(s, b.patches))
        .collect()
}

fn bisect_step_line(s: &BisectStep, patches: usize) -> String {
    let what = if s.index == 0 {
        "base".to_owned()
    } else {
        format!("{}/{patches} {}", s.index, s.name)
    };
    let mut line = match s.status {
        BisectStepStatus::NotApplied => {
            let why = s.reason.as_deref().unwrap_or("");
            return format!("{what}: does not apply: {}", one_line(why));
        }
        BisectStepStatus::Passed => format!("{what}: passed"),
        BisectStepStatus::Failed => format!("{what}: FAILED"),
    };
    line.push_str(&format!(" ({} objects, {:.1} s)", s.recompiled, s.seconds));
    if let Some(e) = s.errors.first() {
        line.push_str(&format!(": error at {}", diag_at(e)));
    }
    for (sign, list) in [("+", &s.warnings_added), ("-", &s.warnings_removed)] {
        if !list.is_empty() {
            let shown: Vec<String> = list.iter().take(3).map(diag_at).collect();
            line.push_str(&format!(
                "; {sign}{} warnings: {}",
                list.len(),
                shown.join(", ")
            ));
        }
    }
    line
}

/// `file:line: message (line from PATCH)`.
fn diag_at(d: &crate::model::Diagnostic) -> String {
    let owner = d
        .patch
        .as_deref()
        .map(|p| format!(" (line from {p})"))
        .unwrap_or_default();
    format!("{}:{}: {}{owner}", d.file, d.line, one_line(&d.message))
}

pub fn boot_expected(cell: &Cell) -> bool {
    cell.expected.boot.is_some() && cell.expected.boot == cell.actual.boot
}

/// One line "stage: expected X, got Y" per stage that did not do what was
/// expected: a declared expectation that differs, or (for a cell that is
/// not as expected) an undeclared stage that did not pass (see
/// [`crate::model::Expectation::mismatches`]).
pub fn expectation_mismatches(cell: &Cell) -> Vec<String> {
    cell.expected.mismatches(&cell.actual, !cell.as_expected)
}

/// Guest tests flattened with their KTAP subtests: ("parent.sub", result).
/// The cell's tests (as named by [`flat_tests`]) that failed and then passed
/// in a fresh boot, with the first failure's reason.
pub fn flaky_tests(cell: &Cell) -> std::collections::BTreeMap<String, Option<String>> {
    flat_tests(cell)
        .into_iter()
        .filter_map(|(name, t)| {
            let r = t.retried.as_ref()?;
            (r.verdict == harness_boot::retry::RetryVerdict::Flaky)
                .then(|| (name, r.first.reason.clone()))
        })
        .collect()
}

pub fn flat_tests(cell: &Cell) -> Vec<(String, &TestResult)> {
    fn walk<'a>(prefix: &str, list: &'a [TestResult], out: &mut Vec<(String, &'a TestResult)>) {
        for t in list {
            let name = if prefix.is_empty() {
                t.name.clone()
            } else {
                format!("{prefix}.{}", t.name)
            };
            out.push((name.clone(), t));
            walk(&name, &t.subtests, out);
        }
    }
    let mut out = Vec::new();
    walk("", cell_tests(cell), &mut out);
    out
}

/// Grid layout: rows are distinct (series, tree) pairs, columns distinct
/// config names, both in sorted order.
pub struct Grid<'a> {
    pub rows: Vec<(String, String)>,
    pub columns: Vec<String>,
    cells: Vec<&'a Cell>,
}

impl<'a> Grid<'a> {
    pub fn new(report: &'a MatrixReport) -> Self {
        let mut rows: Vec<(String, String)> = report
            .cells
            .iter()
            .map(|c| (c.series.clone(), c.tree.clone()))
            .collect();
        rows.sort();
        rows.dedup();
        let mut columns: Vec<String> = report.cells.iter().map(|c| c.config.name.clone()).collect();
        columns.sort();
        columns.dedup();
        Grid {
            rows,
            columns,
            cells: report.cells.iter().collect(),
        }
    }

    /// Cells at a grid position (normally one).
    pub fn at(&self, row: &(String, String), column: &str) -> Vec<&'a Cell> {
        self.cells
            .iter()
            .copied()
            .filter(|c| c.series == row.0 && c.tree == row.1 && c.config.name == column)
            .collect()
    }
}

/// Recompute `summary` from the cells.
pub fn recompute_summary(report: &mut MatrixReport) {
    let as_expected = report.cells.iter().filter(|c| c.as_expected).count();
    report.summary = Summary {
        cells: report.cells.len(),
        as_expected,
        unexpected: report.cells.len() - as_expected,
    };
}

/// Canonical form: cells sorted by id, trees by name, summary recomputed.
/// Merged shard reports are in this form; normalise a whole run before
/// comparing it with a merge.
pub fn normalize(report: &mut MatrixReport) {
    report.cells.sort_by(|a, b| a.id.cmp(&b.id));
    report.trees.sort_by(|a, b| a.name.cmp(&b.name));
    report.trees.dedup_by(|a, b| a.name == b.name);
    recompute_summary(report);
}

/// Collapse a multi-line string to one line (for table cells).
pub fn one_line(s: &str) -> String {
    s.split(['\n', '\r'])
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Truncate to at most `max` chars, adding an ellipsis.
pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Optional parts of a diagnosis, read through its JSON form so that
/// renderers keep working while the diagnosis model grows.
#[derive(Debug, Default)]
pub struct DiagExtras {
    pub cause: String,
    pub next_step: Option<String>,
    pub moved_to: Option<String>,
    /// (line, score) of the closest match.
    pub closest: Option<(u64, f64)>,
    pub blame: Vec<String>,
    /// (tag, text, line): tag is "same", "expected" or "found".
    pub diff: Vec<(String, String, Option<u64>)>,
}

pub fn diag_extras(d: &harness_core::diagnose::Diagnosis) -> DiagExtras {
    let v = serde_json::to_value(d).unwrap_or(serde_json::Value::Null);
    let s = |k: &str| {
        v.get(k)
            .and_then(|x| x.as_str())
            .filter(|x| !x.is_empty())
            .map(str::to_string)
    };
    DiagExtras {
        cause: s("cause").unwrap_or_else(|| "unknown".into()),
        next_step: s("next_step"),
        moved_to: s("moved_to"),
        closest: v.get("closest").and_then(|c| {
            Some((
                c.get("line")?.as_u64()?,
                c.get("score").and_then(|x| x.as_f64()).unwrap_or(0.0),
            ))
        }),
        blame: v
            .get("blame")
            .and_then(|b| b.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default(),
        diff: v
            .get("diff")
            .and_then(|b| b.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|x| {
                        Some((
                            x.get("tag")?.as_str()?.to_string(),
                            x.get("text")?.as_str()?.to_string(),
                            x.get("line").and_then(|l| l.as_u64()),
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default(),
    }
}

/// One line: "cause: summary Next: step. Moved to: path."
pub fn diag_line(d: &harness_core::diagnose::Diagnosis) -> String {
    let x = diag_extras(d);
    let mut s = format!("{}: {}", x.cause, d.summary);
    if let Some(m) = &x.moved_to {
        s.push_str(&format!(" (moved to {m})"));
    }
    if let Some(n) = &x.next_step {
        s.push_str(&format!(" Next: {n}"));
    }
    s
}
