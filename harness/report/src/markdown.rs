//! `summary.md`: the grid first, then one section per cell with what a
//! maintainer needs to act (failed and notable hunks with their diagnosis,
//! build, boot and guest tests). Untrusted text (patch names, diagnoses, log
//! lines) is escaped for tables or fenced with a fence longer than any
//! backtick run it contains.

use crate::model::{Cell, CellBoot, MatrixReport, StageStatus};
use crate::view::{
    aggregate_str, boot_word, cell_verdict, expectation_mismatches, hunk_counts,
    hunk_str, one_line, stage_str, stage_words, test_str, truncate, Grid,
};
use std::fmt::Write;

/// Most warnings/errors listed per cell (the rest are counted).
const MAX_DIAGNOSTICS: usize = 20;

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

    grid(&mut o, report);

    if !report.trees.is_empty() {
        let _ = writeln!(o, "## Trees\n\n| tree | provenance |\n|---|---|");
        for t in &report.trees {
            let prov = serde_json::to_string(&t.provenance).unwrap_or_default();
            let _ = writeln!(o, "| {} | {} |", cell_text(&t.name), cell_text(&prov));
        }
        o.push('\n');
    }

    let _ = writeln!(o, "## Cells\n");
    for cell in &report.cells {
        cell_section(&mut o, cell);
    }
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

fn cell_section(o: &mut String, c: &Cell) {
    let v = cell_verdict(c);
    let _ = writeln!(
        o,
        "### {} `{}` — {}\n",
        v.icon(),
        code_text(&c.id),
        v.label()
    );
    let symbols: Vec<String> = c
        .config
        .symbols
        .iter()
        .map(|(k, val)| format!("{k}={val}"))
        .collect();
    let _ = writeln!(
        o,
        "- series {}, tree {}, config {}{}",
        cell_text(&c.series),
        cell_text(&c.tree),
        cell_text(&c.config.name),
        if symbols.is_empty() {
            String::new()
        } else {
            format!(" (`{}`)", code_text(&symbols.join(" ")))
        }
    );

    // Expected vs actual.
    let _ = writeln!(o, "\n| stage | expected | actual |\n|---|---|---|");
    for (stage, e, a) in [
        ("apply", &c.expected.apply, &c.actual.apply),
        ("build", &c.expected.build, &c.actual.build),
        ("boot", &c.expected.boot, &c.actual.boot),
    ] {
        let _ = writeln!(
            o,
            "| {stage} | {} | {} |",
            e.as_deref()
                .map(cell_text)
                .unwrap_or_else(|| "(passes)".into()),
            a.as_deref().map(cell_text).unwrap_or_else(|| "—".into())
        );
    }
    o.push('\n');

    // Apply.
    let (applied, already, failed, malformed) = hunk_counts(c);
    let _ = writeln!(
        o,
        "**Apply**: {} — patches: {}; hunks: {applied} applied, {already} already applied, {failed} failed, {malformed} malformed\n",
        aggregate_str(c.apply.status),
        c.apply.patches.len()
    );
    let mut rows = Vec::new();
    for p in &c.apply.patches {
        for e in &p.errors {
            rows.push(format!(
                "| {} | — | — | error | | | | {} |",
                cell_text(&p.name),
                cell_text(e)
            ));
        }
        for f in &p.files {
            if let Some(r) = &f.reason {
                rows.push(format!(
                    "| {} | {} | — | {} | | | | {} |",
                    cell_text(&p.name),
                    cell_text(&f.path),
                    aggregate_str(f.status),
                    cell_text(r)
                ));
            }
            for h in &f.hunks {
                let notable = !matches!(h.status, crate::model::HunkStatus::Applied)
                    || h.fuzz.unwrap_or(0) > 0
                    || !h.warnings.is_empty();
                if !notable {
                    continue;
                }
                let mut why = h
                    .diagnosis
                    .as_ref()
                    .map(crate::view::diag_line)
                    .unwrap_or_default();
                for w in &h.warnings {
                    if !why.is_empty() {
                        why.push_str("; ");
                    }
                    why.push_str(w);
                }
                rows.push(format!(
                    "| {} | {} | {} | {} | {} | {} | {} | {} |",
                    cell_text(&p.name),
                    cell_text(&f.path),
                    h.index,
                    hunk_str(h.status),
                    opt(h.line),
                    h.offset.map(|x| x.to_string()).unwrap_or_default(),
                    opt(h.fuzz),
                    cell_text(&why)
                ));
            }
        }
    }
    if !rows.is_empty() {
        let _ = writeln!(
            o,
            "| patch | file | hunk | status | line | offset | fuzz | diagnosis |\n|---|---|---|---|---|---|---|---|"
        );
        for r in rows {
            let _ = writeln!(o, "{r}");
        }
        o.push('\n');
    }

    // Kconfig.
    if c.kconfig.status != StageStatus::Passed || !c.kconfig.problems.is_empty() {
        let _ = writeln!(o, "**Kconfig**: {}\n", stage_str(c.kconfig.status));
        for p in &c.kconfig.problems {
            let _ = writeln!(o, "- {}", esc(&one_line(p)));
        }
        if !c.kconfig.problems.is_empty() {
            o.push('\n');
        }
    }

    // Build.
    let b = &c.build;
    let mut line = format!("**Build**: {}", stage_str(b.status));
    if b.base_only {
        line.push_str(" (base tree only: the series did not apply cleanly)");
    }
    if b.status != StageStatus::Skipped {
        let _ = write!(line, ", {:.1} s", b.seconds);
        if let Some(r) = b.recompiled {
            let _ = write!(line, ", {r} objects recompiled");
        }
        if b.reused {
            line.push_str(", reused (inputs unchanged, make not run)");
        }
        if b.sandboxed {
            line.push_str(", sandboxed");
        }
        let _ = write!(
            line,
            ", {} errors, {} warnings",
            b.errors.len(),
            b.warnings.len()
        );
    }
    if let Some(l) = &b.log {
        let _ = write!(line, " — log `{}`", code_text(l));
    }
    let _ = writeln!(o, "{line}\n");
    for (kind, list) in [("error", &b.errors), ("warning", &b.warnings)] {
        for d in list.iter().take(MAX_DIAGNOSTICS) {
            let _ = writeln!(
                o,
                "- {kind}{}: `{}:{}{}`: {}{}",
                if d.new == Some(true) {
                    " (new: not in the base-tree build)"
                } else {
                    ""
                },
                code_text(&d.file),
                d.line,
                d.column.map(|c| format!(":{c}")).unwrap_or_default(),
                esc(&one_line(&d.message)),
                d.patch
                    .as_ref()
                    .map(|p| format!(" (line from patch {})", esc(p)))
                    .unwrap_or_default()
            );
        }
        if list.len() > MAX_DIAGNOSTICS {
            let _ = writeln!(o, "- … and {} more {kind}s", list.len() - MAX_DIAGNOSTICS);
        }
    }
    if !b.errors.is_empty() || !b.warnings.is_empty() {
        o.push('\n');
    }
    if b.status == StageStatus::Failed && !b.log_excerpt.is_empty() {
        fenced(o, &b.log_excerpt.join("\n"));
    }

    // Boot.
    match &c.boot {
        CellBoot::Skipped { reason, .. } => {
            let _ = writeln!(o, "**Boot**: skipped — {}\n", esc(&one_line(reason)));
        }
        CellBoot::Ran(r) => {
            let _ = writeln!(
                o,
                "**Boot**: {} — accel {}{}, {:.1} s{}\n",
                boot_word(&c.boot),
                esc(&r.accel),
                r.accel_note
                    .as_ref()
                    .map(|n| format!(" ({})", esc(&one_line(n))))
                    .unwrap_or_default(),
                r.seconds,
                r.console_log
                    .as_ref()
                    .map(|l| format!(" — console `{}`", code_text(l)))
                    .unwrap_or_default()
            );
            if let Some(d) = &r.detail {
                let _ = writeln!(o, "{}\n", esc(&one_line(d)));
            }
            if !r.trace.is_empty() {
                fenced(o, &r.trace.join("\n"));
            }
        }
    }

    // Guest tests.
    let tests = crate::view::flat_tests(c);
    if !tests.is_empty() {
        let _ = writeln!(o, "| guest test | status | detail |\n|---|---|---|");
        for (name, t) in tests {
            let _ = writeln!(
                o,
                "| {} | {} | {} |",
                cell_text(&name),
                test_str(t.status),
                t.reason.as_deref().map(cell_text).unwrap_or_default()
            );
        }
        o.push('\n');
    }

    if !c.logs.is_empty() {
        let logs: Vec<String> = c
            .logs
            .iter()
            .map(|(k, v)| format!("{} `{}`", esc(k), code_text(v)))
            .collect();
        let _ = writeln!(o, "Logs: {}\n", logs.join(", "));
    }
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
