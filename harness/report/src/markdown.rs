//! `summary.md`: short enough to paste as a PR comment or a mail reply.
//! The grid first (what each stage of each cell did), then what needs a
//! reader: cells that are not as expected (with their build errors, boot
//! detail and failed guest tests), the hunks that did not apply, listed once
//! per series and tree (they are the same for every config) with a one-line
//! diagnosis, and the trees as a small table. Everything else (every hunk,
//! warnings, logs) is in index.html and report.json beside it. Untrusted
//! text (patch names, diagnoses, log lines) is escaped for tables or fenced
//! with a fence longer than any backtick run it contains.

use crate::model::{Cell, CellBoot, MatrixReport};
use crate::status::{StageOutcome, Word};
use crate::view::{
    cell_verdict, expectation_mismatches, one_line, stage_words, truncate, Grid, Verdict,
};
use std::fmt::Write;

/// Build errors listed per unexpected cell (the rest are counted).
const MAX_ERRORS: usize = 5;
/// Failed hunks listed per series and tree, and in the whole summary (the
/// rest are counted, per patch, and are in index.html).
const MAX_HUNKS: usize = 25;
const MAX_HUNKS_TOTAL: usize = 40;

/// "Since the previous run": its id (linked when it is a sibling run
/// directory), the counts, and the first regressions.
fn previous_run(o: &mut String, report: &MatrixReport) {
    let Some(p) = &report.previous else {
        return;
    };
    let id = format!("`{}`", code_text(&p.run_id));
    let named = match &p.dir {
        Some(dir) => format!("[{id}]({}/summary.md)", esc(dir)),
        None => id,
    };
    let _ = writeln!(
        o,
        "Since the previous run {named}: {} regression(s), {} fix(es), {} other change(s) (`compare.json`).\n",
        p.regressions, p.fixes, p.other
    );
    for h in &p.headlines {
        let _ = writeln!(o, "- REGRESSION {}", esc(&one_line(h)));
    }
    if p.regressions > p.headlines.len() {
        let _ = writeln!(o, "- … and {} more", p.regressions - p.headlines.len());
    }
    if !p.headlines.is_empty() {
        o.push('\n');
    }
}

pub fn render_markdown(report: &MatrixReport) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# harness matrix run `{}`\n", code_text(&report.run_id));
    let _ = writeln!(
        o,
        "- started: {}{}",
        esc(&report.started),
        report
            .finished
            .as_ref()
            .map(|f| format!(", finished: {}", esc(f)))
            .unwrap_or_default()
    );
    if !report.complete {
        let _ = writeln!(
            o,
            "- **INCOMPLETE**: this run was interrupted or is still running; cells may be missing"
        );
    }
    if let Some(s) = &report.shard {
        let _ = writeln!(o, "- shard: {}", esc(s));
    }
    let _ = writeln!(
        o,
        "- **{} cells: {} as expected, {} unexpected**\n",
        report.summary.cells, report.summary.as_expected, report.summary.unexpected
    );
    previous_run(&mut o, report);
    grid(&mut o, report);
    unexpected_cells(&mut o, report);
    per_patch_builds(&mut o, report);
    checkpatch_section(&mut o, report);
    tree_choices(&mut o, report);
    flaky_tests(&mut o, report);
    failed_hunks(&mut o, report);
    trees(&mut o, report);
    let _ = writeln!(
        o,
        "Every hunk, warning and log: `index.html` and `report.json` (harness.matrix/1) in this run directory; `junit.xml` for CI."
    );
    o
}

fn grid(o: &mut String, report: &MatrixReport) {
    let g = Grid::new(report);
    let _ = writeln!(o, "## Grid\n");
    if g.rows.is_empty() {
        let _ = writeln!(o, "_No cells._\n");
        return;
    }
    o.push_str("| series @ tree |");
    for c in &g.columns {
        let _ = write!(o, " {} |", cell_text(c));
    }
    o.push_str("\n|---|");
    for _ in &g.columns {
        o.push_str("---|");
    }
    o.push('\n');
    for row in &g.rows {
        let _ = write!(o, "| {} @ {} |", cell_text(&row.0), cell_text(&row.1));
        for col in &g.columns {
            let cells = g.at(row, col);
            if cells.is_empty() {
                o.push_str(" — |");
                continue;
            }
            let parts: Vec<String> = cells.iter().map(|c| grid_entry(c)).collect();
            let _ = write!(o, " {} |", parts.join("<br>"));
        }
        o.push('\n');
    }
    o.push('\n');
}

fn grid_entry(c: &Cell) -> String {
    let v = cell_verdict(c);
    let mut s = format!(
        "{} {}: {}",
        v.icon(),
        v.label(),
        cell_text(&stage_words(c).join(" · "))
    );
    let mism = expectation_mismatches(c);
    if !mism.is_empty() {
        let _ = write!(s, " — {}", cell_text(&mism.join("; ")));
    }
    s
}

fn unexpected_cells(o: &mut String, report: &MatrixReport) {
    let cells: Vec<&Cell> = report
        .cells
        .iter()
        .filter(|c| cell_verdict(c) == Verdict::Unexpected)
        .collect();
    if cells.is_empty() {
        return;
    }
    let _ = writeln!(o, "## Not as expected\n");
    for c in cells {
        let _ = writeln!(o, "### ❌ `{}`\n", code_text(&c.id));
        for m in expectation_mismatches(c) {
            let _ = writeln!(o, "- {}", esc(&m));
        }
        for d in c.build.errors.iter().take(MAX_ERRORS) {
            let _ = writeln!(
                o,
                "- build error: `{}:{}`: {}",
                code_text(&d.file),
                d.line,
                esc(&truncate(&one_line(&d.message), 200))
            );
        }
        if c.build.errors.len() > MAX_ERRORS {
            let _ = writeln!(
                o,
                "- … and {} more build errors",
                c.build.errors.len() - MAX_ERRORS
            );
        }
        let excerpt = &c.build.log_excerpt;
        if c.build.status == crate::model::StageStatus::Failed
            && c.build.errors.is_empty()
            && !excerpt.is_empty()
        {
            o.push('\n');
            let from = excerpt.len().saturating_sub(15);
            fenced(o, &excerpt[from..].join("\n"));
        }
        if let CellBoot::Ran(r) = &c.boot {
            if !r.trace.is_empty() {
                o.push('\n');
                fenced(
                    o,
                    &r.trace
                        .iter()
                        .take(15)
                        .cloned()
                        .collect::<Vec<_>>()
                        .join("\n"),
                );
            }
            let detail = r
                .detail
                .as_deref()
                .map(|d| format!(": {}", esc(&one_line(d))));
            let _ = writeln!(
                o,
                "- **Boot**: {} — accel {}, {:.1} s{}",
                c.boot.outcome().word(),
                esc(&r.accel),
                r.seconds,
                detail.unwrap_or_default()
            );
        }
        for r in &c.reproduce {
            let _ = writeln!(
                o,
                "- reproduce {}: `{}`",
                r.stage.word(),
                code_text(&r.command)
            );
        }
        o.push('\n');
        failed_tests(o, c);
    }
}

/// Each `tree: auto` series: the tree picked, why, and every candidate.
fn tree_choices(o: &mut String, report: &MatrixReport) {
    let mut seen = std::collections::BTreeSet::new();
    let picks: Vec<(&str, &crate::model::TreeChoice)> = (report.cells.iter())
        .filter_map(|c| c.tree_choice.as_ref().map(|t| (c.series.as_str(), t)))
        .filter(|(s, _)| seen.insert(*s))
        .collect();
    if picks.is_empty() {
        return;
    }
    let _ = writeln!(o, "## Trees picked (`tree: auto`)\n");
    for (series, t) in picks {
        let _ = writeln!(
            o,
            "- `{}`: {} ({})",
            code_text(series),
            esc(&t.picked),
            esc(&t.why)
        );
        for c in &t.candidates {
            let line = match &c.error {
                Some(e) => format!("{}: not usable: {e}", c.tree),
                None => format!(
                    "{}: {} applied, {} already applied, {} failed",
                    c.tree, c.applied, c.already_applied, c.failed
                ),
            };
            let _ = writeln!(o, "  - {}", esc(&line));
        }
    }
    o.push('\n');
}

/// Every checked cell: its one-line summary and a line per finding (at most
/// 20 per cell; the rest are in report.json).
fn checkpatch_section(o: &mut String, report: &MatrixReport) {
    let checked: Vec<(&Cell, &crate::model::CellCheckpatch)> = (report.cells.iter())
        .filter_map(|c| c.checkpatch.as_ref().map(|k| (c, k)))
        .collect();
    if checked.is_empty() {
        return;
    }
    let _ = writeln!(o, "## checkpatch\n");
    for (c, k) in checked {
        let _ = writeln!(
            o,
            "- `{}` ({}): {}",
            code_text(&c.id),
            k.status.word(),
            esc(&k.summary)
        );
        let lines = crate::view::checkpatch_lines(k);
        for line in lines.iter().take(20) {
            let _ = writeln!(o, "  - {}", esc(line));
        }
        if lines.len() > 20 {
            let _ = writeln!(o, "  - … and {} more", lines.len() - 20);
        }
    }
    o.push('\n');
}

/// Every walked cell: its one-line summary and a line per patch.
fn per_patch_builds(o: &mut String, report: &MatrixReport) {
    let walked: Vec<(&Cell, &crate::model::CellBisect)> = report
        .cells
        .iter()
        .filter_map(|c| c.bisect.as_ref().map(|b| (c, b)))
        .collect();
    if walked.is_empty() {
        return;
    }
    let _ = writeln!(o, "## Per-patch builds\n");
    for (c, b) in walked {
        let _ = writeln!(
            o,
            "- `{}` ({}): {}",
            code_text(&c.id),
            b.status.word(),
            esc(&b.summary)
        );
        for line in crate::view::bisect_step_lines(b) {
            let _ = writeln!(o, "  - {}", esc(&line));
        }
    }
    o.push('\n');
}

fn failed_tests(o: &mut String, c: &Cell) {
    use crate::model::TestStatus;
    let failed: Vec<_> = crate::view::flat_tests(c)
        .into_iter()
        .filter(|(_, t)| t.status == TestStatus::Fail || t.retried.is_some())
        .collect();
    if failed.is_empty() {
        return;
    }
    let _ = writeln!(o, "| guest test | status | detail |\n|---|---|---|");
    for (name, t) in failed {
        // A re-run test: both results, the first failure's reason first.
        let (status, reason) = match &t.retried {
            Some(r) => (
                crate::view::retry_word(r.verdict).to_string(),
                r.first.reason.as_deref(),
            ),
            None => (t.status.word().to_string(), t.reason.as_deref()),
        };
        let _ = writeln!(
            o,
            "| {} | {} | {} |",
            cell_text(&name),
            status,
            reason.map(cell_text).unwrap_or_default()
        );
    }
    o.push('\n');
}

/// Tests that failed and then passed in a fresh boot, in every cell (an
/// as-expected cell is not listed under "Not as expected").
fn flaky_tests(o: &mut String, report: &MatrixReport) {
    let rows: Vec<(String, String, String)> = report
        .cells
        .iter()
        .flat_map(|c| {
            crate::view::flaky_tests(c)
                .into_iter()
                .map(|(name, why)| (c.id.clone(), name, why.unwrap_or_default()))
        })
        .collect();
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(
        o,
        "## Flaky guest tests\n\nFailed, then passed in a fresh boot.\n\n| cell | guest test | first failure |\n|---|---|---|"
    );
    for (cell, name, why) in rows {
        let _ = writeln!(
            o,
            "| {} | {} | {} |",
            cell_text(&cell),
            cell_text(&name),
            cell_text(&why)
        );
    }
    o.push('\n');
}

/// The hunks not applied, once per (series, tree): the apply stage is the
/// same computation for every config of a pair.
fn failed_hunks(o: &mut String, report: &MatrixReport) {
    let mut seen = std::collections::BTreeSet::new();
    let mut any = false;
    let mut budget = MAX_HUNKS_TOTAL;
    for c in &report.cells {
        if !seen.insert((c.series.as_str(), c.tree.as_str())) {
            continue;
        }
        let rows = hunk_rows(c);
        if rows.is_empty() {
            continue;
        }
        if !any {
            let _ = writeln!(o, "## Hunks that did not apply\n");
            any = true;
        }
        let expected = if crate::view::apply_expected(c) {
            " (as expected)"
        } else {
            ""
        };
        let _ = writeln!(
            o,
            "### {} @ {}: {} hunk{}{expected}\n",
            esc(&c.series),
            esc(&c.tree),
            rows.len(),
            if rows.len() == 1 { "" } else { "s" }
        );
        let _ = writeln!(o, "By patch: {}\n", esc(&per_patch(c).join(", ")));
        let shown = rows.len().min(MAX_HUNKS).min(budget);
        budget -= shown;
        if shown > 0 {
            let _ = writeln!(
                o,
                "| patch | file | hunk | status | line | diagnosis |\n|---|---|---|---|---|---|"
            );
            for r in &rows[..shown] {
                let _ = writeln!(o, "{r}");
            }
            o.push('\n');
        }
        if rows.len() > shown {
            let _ = writeln!(o, "… and {} more in index.html\n", rows.len() - shown);
        }
    }
}

/// "0040-printk-….patch (3)" per patch with hunks not applied, in series order.
fn per_patch(c: &Cell) -> Vec<String> {
    c.apply
        .patches
        .iter()
        .filter_map(|p| {
            let n = p
                .files
                .iter()
                .flat_map(|f| &f.hunks)
                .filter(|h| !h.status.passed())
                .count()
                + p.errors.len();
            (n > 0).then(|| format!("{} ({n})", truncate(&p.name, 60)))
        })
        .collect()
}

fn hunk_rows(c: &Cell) -> Vec<String> {
    let mut rows = Vec::new();
    for p in &c.apply.patches {
        for e in &p.errors {
            rows.push(format!(
                "| {} | — | — | error | | {} |",
                cell_text(&p.name),
                cell_text(e)
            ));
        }
        for f in &p.files {
            for h in &f.hunks {
                if h.status.passed() {
                    continue;
                }
                let why = match &h.diagnosis {
                    Some(d) => crate::view::diag_line(d),
                    None => f.reason.clone().unwrap_or_default(),
                };
                rows.push(format!(
                    "| {} | {} | {} | {} | {} | {} |",
                    cell_text(&p.name),
                    cell_text(&f.path),
                    h.index,
                    h.status.word(),
                    opt(h.line),
                    esc(&truncate(&one_line(&why), 200))
                ));
            }
        }
    }
    rows
}

/// Trees as a small table: name, what it is, version, a short hash.
fn trees(o: &mut String, report: &MatrixReport) {
    if report.trees.is_empty() {
        return;
    }
    let _ = writeln!(
        o,
        "## Trees\n\n| tree | source | version | sha256 |\n|---|---|---|---|"
    );
    for t in &report.trees {
        let field = |k: &str| t.provenance.get(k).and_then(|v| v.as_str()).unwrap_or("");
        let source = [field("package"), field("url"), field("path")]
            .into_iter()
            .find(|s| !s.is_empty())
            .unwrap_or_else(|| field("kind"));
        let version = [field("version"), field("commit")]
            .into_iter()
            .find(|s| !s.is_empty())
            .unwrap_or("unpinned");
        let hash: String = field("sha256").chars().take(16).collect();
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} |",
            cell_text(&t.name),
            cell_text(source),
            cell_text(version),
            if hash.is_empty() {
                "—".to_owned()
            } else {
                format!("`{hash}`")
            }
        );
    }
    o.push('\n');
}

fn opt(v: Option<usize>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

/// Escape text for ordinary Markdown (HTML-significant characters and
/// Markdown punctuation that could start markup).
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' => {
                out.push('\\');
                out.push(ch);
            }
            _ => out.push(ch),
        }
    }
    out
}

/// Text for a table cell: one line, escaped, bounded.
fn cell_text(s: &str) -> String {
    esc(&truncate(&one_line(s), 300))
}

/// Text inside a single-backtick code span: one line, backticks replaced.
fn code_text(s: &str) -> String {
    one_line(s).replace('`', "'")
}

/// A fenced block whose fence is longer than any backtick run inside.
fn fenced(o: &mut String, text: &str) {
    let mut longest = 0;
    let mut run = 0;
    for ch in text.chars() {
        if ch == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    let fence = "`".repeat(longest.max(2) + 1);
    let _ = writeln!(o, "{fence}text\n{text}\n{fence}\n");
}
