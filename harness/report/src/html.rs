//! `index.html`: one self-contained page (inline CSS, no scripts, no external
//! assets). A grid with rows series x tree and columns configs; each cell is
//! coloured by its verdict and links to its details section, which CSS
//! `:target` shows (so it works without JavaScript). Every piece of text from
//! the report is HTML-escaped: patch names, diagnoses and log lines are
//! untrusted. Links to per-cell logs are emitted only for relative paths
//! inside the run directory.

use crate::model::{Cell, CellBoot, MatrixReport, StageStatus};
use crate::status::Word;
use crate::view::{cell_verdict, expectation_mismatches, hunk_counts, stage_words, Grid};
use std::fmt::Write;

const CSS: &str = r#"
:root { --green:#1b5e20; --green-bg:#c8e6c9; --red:#b71c1c; --red-bg:#ffcdd2;
  --amber:#e65100; --amber-bg:#ffe0b2; --grey:#616161; --grey-bg:#e0e0e0; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 1.5em; color: #212121; background: #fafafa; }
h1 { font-size: 1.5em; margin: 0 0 .3em; }
h2 { font-size: 1.25em; margin: .2em 0 .6em; }
h3 { font-size: 1.05em; margin: 1.2em 0 .4em; }
code, pre { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, monospace; font-size: 12.5px; }
pre { background: #263238; color: #eceff1; padding: .7em; overflow-x: auto; border-radius: 4px; white-space: pre-wrap; word-break: break-all; }
.meta { color: #424242; margin: 0 0 1em; }
.banner { background: var(--red-bg); color: var(--red); border: 1px solid var(--red); padding: .5em .8em; border-radius: 4px; font-weight: 600; }
table { border-collapse: collapse; }
table.grid { margin: .5em 0 1em; }
table.grid th, table.grid td { border: 1px solid #bdbdbd; padding: 0; vertical-align: top; }
table.grid thead th { background: #eeeeee; padding: .5em .8em; text-align: left; }
table.grid tbody th { background: #f5f5f5; padding: .5em .8em; text-align: left; font-weight: 600; }
table.grid tbody th small { display: block; font-weight: normal; color: #616161; }
table.grid td a { display: block; padding: .5em .8em; min-width: 15em; color: inherit; text-decoration: none; }
table.grid td a:hover { outline: 2px solid #1565c0; }
td.empty { background: #fff; color: #9e9e9e; padding: .5em .8em; }
.cell.passed { background: var(--green-bg); border-left: 6px solid var(--green); }
.cell.unexpected { background: var(--red-bg); border-left: 6px solid var(--red); }
.cell.expected-failure { background: var(--amber-bg); border-left: 6px solid var(--amber); }
.cell.skipped { background: var(--grey-bg); border-left: 6px solid var(--grey); }
.verdict { font-weight: 700; display: block; }
.passed .verdict { color: var(--green); } .unexpected .verdict { color: var(--red); }
.expected-failure .verdict { color: var(--amber); } .skipped .verdict { color: var(--grey); }
.stages { display: block; color: #212121; }
.mismatch { display: block; color: var(--red); font-weight: 600; }
.legend span { display: inline-block; padding: .1em .6em; margin-right: .5em; border-radius: 3px; }
.detail { display: none; background: #fff; border: 1px solid #bdbdbd; border-radius: 6px; padding: 1em 1.2em; margin: 1em 0; }
.detail:target { display: block; position: absolute; top: 0; left: 0; right: 0; margin: 0; min-height: 100vh; box-sizing: border-box; }
.detail.passed { border-top: 6px solid var(--green); } .detail.unexpected { border-top: 6px solid var(--red); }
.detail.expected-failure { border-top: 6px solid var(--amber); } .detail.skipped { border-top: 6px solid var(--grey); }
.detail table th, .detail table td { border: 1px solid #e0e0e0; padding: .25em .6em; text-align: left; vertical-align: top; }
.detail table th { background: #f5f5f5; }
tr.st-failed td, tr.st-malformed td, tr.st-fail td { background: #ffebee; }
tr.st-already-applied td, tr.st-skip td, tr.st-xfail td { background: #f5f5f5; }
table.hunks { table-layout: fixed; width: 100%; }
table.hunks td, table.trees td { overflow-wrap: anywhere; }
col.c-patch { width: 18%; } col.c-file { width: 16%; } col.c-num { width: 4.5em; } col.c-status { width: 8.5em; }
.detail pre { max-width: 100%; }
.close { float: right; }
.hint { color: #616161; font-style: italic; }
main { min-height: 100vh; } /* lets an opened cell scroll to the top */
@media print { .detail { display: block; } }
"#;

pub fn render_html(report: &MatrixReport) -> String {
    let mut o = String::new();
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
<title>harness matrix {}</title>\n<style>{}</style>\n</head>\n<body>\n",
        esc(&report.run_id),
        CSS
    );
    let _ = writeln!(
        o,
        "<header>\n<h1>harness matrix run <code>{}</code></h1>",
        esc(&report.run_id)
    );
    if !report.complete {
        let _ = writeln!(
            o,
            "<p class=\"banner\" id=\"incomplete\">INCOMPLETE: this run was interrupted or is still running; cells may be missing.</p>"
        );
    }
    let _ = writeln!(
        o,
        "<p class=\"meta\">started {}{}{} &middot; <strong id=\"summary\">{} cells: {} as expected, {} unexpected</strong></p>\n</header>",
        esc(&report.started),
        report
            .finished
            .as_ref()
            .map(|f| format!(" &middot; finished {}", esc(f)))
            .unwrap_or_default(),
        report
            .shard
            .as_ref()
            .map(|s| format!(" &middot; shard {}", esc(s)))
            .unwrap_or_default(),
        report.summary.cells,
        report.summary.as_expected,
        report.summary.unexpected
    );

    previous_run(&mut o, report);
    let ids = dom_ids(report);
    grid(&mut o, report, &ids);
    let _ = writeln!(
        o,
        "<p class=\"legend\"><span class=\"cell passed\">as expected, passed</span>\
<span class=\"cell expected-failure\">expected failure</span>\
<span class=\"cell unexpected\">unexpected</span>\
<span class=\"cell skipped\">skipped</span></p>\n\
<p class=\"hint\">Click a cell for its hunks, build, boot and guest tests.</p>"
    );

    if !report.trees.is_empty() {
        trees_table(&mut o, report);
    }

    o.push_str("<main>\n");
    for (cell, id) in report.cells.iter().zip(&ids) {
        detail(&mut o, cell, id);
    }
    o.push_str("</main>\n</body>\n</html>\n");
    o
}

/// "Since the previous run": its id (a relative link when it is a sibling
/// run directory), the counts, and the first regressions.
fn previous_run(o: &mut String, report: &MatrixReport) {
    let Some(p) = &report.previous else {
        return;
    };
    let id = format!("<code>{}</code>", esc(&p.run_id));
    let named = match &p.dir {
        Some(dir) => format!("<a href=\"{}/index.html\">{id}</a>", esc(dir)),
        None => id,
    };
    let _ = writeln!(
        o,
        "<p class=\"meta\" id=\"previous\">Since the previous run {named}: {} regression(s), {} fix(es), {} other change(s) (<a href=\"compare.json\">compare.json</a>)</p>",
        p.regressions, p.fixes, p.other
    );
    if !p.headlines.is_empty() {
        o.push_str("<ul class=\"regressions\">\n");
        for h in &p.headlines {
            let _ = writeln!(o, "<li>REGRESSION {}</li>", esc(h));
        }
        o.push_str("</ul>\n");
    }
}

/// DOM ids for cells: "cell-N-<sanitised id>", unique by position.
fn dom_ids(report: &MatrixReport) -> Vec<String> {
    report
        .cells
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let s: String =
                c.id.chars()
                    .map(|ch| {
                        if ch.is_ascii_alphanumeric() || ch == '-' || ch == '_' || ch == '.' {
                            ch
                        } else {
                            '_'
                        }
                    })
                    .collect();
            format!("cell-{}-{}", i + 1, s)
        })
        .collect()
}

fn grid(o: &mut String, report: &MatrixReport, ids: &[String]) {
    let g = Grid::new(report);
    if g.rows.is_empty() {
        o.push_str("<p>No cells.</p>\n");
        return;
    }
    o.push_str("<table class=\"grid\" id=\"grid\">\n<thead><tr><th>series @ tree</th>");
    for c in &g.columns {
        let _ = write!(o, "<th>{}</th>", esc(c));
    }
    o.push_str("</tr></thead>\n<tbody>\n");
    for row in &g.rows {
        let _ = write!(
            o,
            "<tr><th scope=\"row\">{}<small>@ {}</small></th>",
            esc(&row.0),
            esc(&row.1)
        );
        for col in &g.columns {
            let cells = g.at(row, col);
            if cells.is_empty() {
                o.push_str("<td class=\"empty\">—</td>");
                continue;
            }
            for c in cells {
                let idx = report
                    .cells
                    .iter()
                    .position(|x| std::ptr::eq(x, c))
                    .unwrap_or(0);
                let dom = ids.get(idx).cloned().unwrap_or_default();
                let v = cell_verdict(c);
                let _ = write!(
                    o,
                    "<td class=\"cell {cls}\" data-cell-id=\"{id}\" data-verdict=\"{cls}\"><a href=\"#{dom}\" title=\"{id}\">\
<span class=\"verdict\">{label}</span><span class=\"stages\">{stages}</span>",
                    cls = v.class(),
                    id = esc(&c.id),
                    dom = esc(&dom),
                    label = esc(v.label()),
                    stages = esc(&stage_words(c).join(" · ")),
                );
                for m in expectation_mismatches(c) {
                    let _ = write!(o, "<span class=\"mismatch\">{}</span>", esc(&m));
                }
                o.push_str("</a></td>");
            }
        }
        o.push_str("</tr>\n");
    }
    o.push_str("</tbody>\n</table>\n");
}

fn detail(o: &mut String, c: &Cell, dom: &str) {
    let v = cell_verdict(c);
    let _ = writeln!(
        o,
        "<section class=\"detail {cls}\" id=\"{dom}\" data-cell-id=\"{id}\">\n<a class=\"close\" href=\"#grid\">back to grid</a>\n<h2><code>{id}</code> — {label}</h2>",
        cls = v.class(),
        dom = esc(dom),
        id = esc(&c.id),
        label = esc(v.label())
    );
    let symbols: Vec<String> = c
        .config
        .symbols
        .iter()
        .map(|(k, val)| format!("{k}={val}"))
        .collect();
    let _ = writeln!(
        o,
        "<p>series <strong>{}</strong>, tree <strong>{}</strong>, config <strong>{}</strong> <code>{}</code></p>",
        esc(&c.series),
        esc(&c.tree),
        esc(&c.config.name),
        esc(&symbols.join(" "))
    );
    o.push_str("<table><tr><th>stage</th><th>expected</th><th>actual</th></tr>\n");
    let word = |w: Option<&'static str>| w.map(esc);
    let (e, a) = (&c.expected, &c.actual);
    for (stage, e, a) in [
        ("apply", e.apply.map(Word::word), a.apply.map(Word::word)),
        ("build", e.build.map(Word::word), a.build.map(Word::word)),
        ("boot", e.boot.map(Word::word), a.boot.map(Word::word)),
        ("bisect", e.bisect.map(Word::word), a.bisect.map(Word::word)),
    ] {
        if stage == "bisect" && c.bisect.is_none() {
            continue;
        }
        let bad = e.is_some() && e != a;
        let _ = writeln!(
            o,
            "<tr{}><td>{stage}</td><td>{}</td><td>{}</td></tr>",
            if bad { " class=\"st-failed\"" } else { "" },
            word(e).unwrap_or_else(|| "(passes)".into()),
            word(a).unwrap_or_else(|| "—".into())
        );
    }
    o.push_str("</table>\n");
    if let Some(t) = &c.tree_choice {
        let _ = writeln!(
            o,
            "<p>tree: auto picked {} ({})</p>",
            esc(&t.picked),
            esc(&t.why)
        );
    }
    apply_counts(o, c);
    let (attention, exact) = hunk_tables(c);
    o.push_str(&attention);
    kconfig_section(o, c);
    build_section(o, c);
    bisect_section(o, c);
    checkpatch_section(o, c);
    boot_section(o, c);
    tests_section(o, c);
    if !exact.is_empty() {
        o.push_str("<h3>Applied hunks</h3>\n");
        o.push_str(&exact);
    }

    reproduce_section(o, c);
    if !c.logs.is_empty() {
        o.push_str("<h3>Logs</h3>\n<ul class=\"logs\">\n");
        for (k, v) in &c.logs {
            let _ = writeln!(o, "<li>{}: {}</li>", esc(k), link(v, v));
        }
        o.push_str("</ul>\n");
    }
    o.push_str("</section>\n");
}

/// The apply stage: hunk counts and patch errors.
fn apply_counts(o: &mut String, c: &Cell) {
    let (applied, already, failed, malformed) = hunk_counts(c);
    let total = applied + already + failed + malformed;
    let _ = writeln!(
        o,
        "<h3>Apply: {}</h3>\n<p>{} patches, {total} hunks: {applied} applied, {already} already applied, {failed} failed, {malformed} malformed.</p>",
        c.apply.status.word(),
        c.apply.patches.len()
    );
    let mut errors = String::new();
    for p in &c.apply.patches {
        for e in &p.errors {
            let _ = writeln!(errors, "<li><code>{}</code>: {}</li>", esc(&p.name), esc(e));
        }
        for f in &p.files {
            if let Some(r) = &f.reason {
                let _ = writeln!(
                    errors,
                    "<li><code>{}</code> <code>{}</code>: {}</li>",
                    esc(&p.name),
                    esc(&f.path),
                    esc(r)
                );
            }
        }
    }
    if !errors.is_empty() {
        let _ = writeln!(o, "<ul class=\"patch-errors\">\n{errors}</ul>");
    }
}

/// The kconfig stage, when it did not simply pass.
fn kconfig_section(o: &mut String, c: &Cell) {
    if c.kconfig.status != StageStatus::Passed || !c.kconfig.problems.is_empty() {
        let _ = writeln!(o, "<h3>Kconfig: {}</h3>", c.kconfig.status.word());
        o.push_str("<ul>\n");
        for p in &c.kconfig.problems {
            let _ = writeln!(o, "<li>{}</li>", esc(p));
        }
        o.push_str("</ul>\n");
    }
}

/// The build stage.
fn build_section(o: &mut String, c: &Cell) {
    let b = &c.build;
    let _ = write!(o, "<h3>Build: {}</h3>\n<p>", b.status.word());
    if b.base_only {
        o.push_str("Base tree only (the series did not apply cleanly). ");
    }
    if b.status != StageStatus::Skipped {
        let _ = write!(o, "{:.1} s", b.seconds);
        if let Some(r) = b.recompiled {
            let _ = write!(o, ", {r} objects recompiled");
        }
        if b.reused {
            o.push_str(", reused (inputs unchanged, make not run)");
        }
        if b.sandboxed {
            o.push_str(", sandboxed");
        }
        let _ = write!(
            o,
            ", {} errors, {} warnings.",
            b.errors.len(),
            b.warnings.len()
        );
    }
    if let Some(l) = &b.log {
        let _ = write!(o, " {}", link(l, "build log"));
    }
    o.push_str("</p>\n");
    if !b.errors.is_empty() || !b.warnings.is_empty() {
        o.push_str("<ul class=\"diagnostics\">\n");
        for d in b.errors.iter().chain(&b.warnings) {
            let _ = writeln!(
                o,
                "<li><code>{}:{}{}</code> {}: {}{}</li>",
                esc(&d.file),
                d.line,
                d.column.map(|c| format!(":{c}")).unwrap_or_default(),
                esc(d.severity.word()),
                esc(&d.message),
                d.patch
                    .as_ref()
                    .map(|p| format!(" <em>(line from {})</em>", esc(p)))
                    .unwrap_or_default()
            );
        }
        o.push_str("</ul>\n");
    }
    if !b.log_excerpt.is_empty() {
        let _ = writeln!(
            o,
            "<details{}><summary>build log excerpt</summary><pre class=\"build-log\">{}</pre></details>",
            if b.status == StageStatus::Failed { " open" } else { "" },
            esc(&b.log_excerpt.join("\n"))
        );
    }
}

/// A stage with a title, its status and summary, and a line per item.
struct Section<'a> {
    title: &'a str,
    status: crate::model::StageStatus,
    summary: &'a str,
    sandboxed: bool,
    lines: Vec<String>,
}

fn section(o: &mut String, s: Section<'_>) {
    let _ = writeln!(
        o,
        "<h3>{}: {}</h3>\n<p>{}{}</p>",
        s.title,
        s.status.word(),
        esc(s.summary),
        if s.sandboxed { " (sandboxed)" } else { "" }
    );
    if !s.lines.is_empty() {
        o.push_str("<ul class=\"diagnostics\">\n");
        for l in s.lines {
            let _ = writeln!(o, "<li>{}</li>", esc(&l));
        }
        o.push_str("</ul>\n");
    }
}

/// The per-patch walk: its summary and a line per patch.
fn bisect_section(o: &mut String, c: &Cell) {
    let Some(b) = &c.bisect else { return };
    let s = Section {
        title: "Per-patch builds",
        status: b.status,
        summary: &b.summary,
        sandboxed: b.sandboxed,
        lines: crate::view::bisect_step_lines(b),
    };
    section(o, s);
}

/// checkpatch on the series: status, summary, a line per finding.
fn checkpatch_section(o: &mut String, c: &Cell) {
    let Some(k) = &c.checkpatch else { return };
    let s = Section {
        title: "checkpatch",
        status: k.status,
        summary: &k.summary,
        sandboxed: k.sandboxed,
        lines: crate::view::checkpatch_lines(k),
    };
    section(o, s);
}

/// A command line per failed stage that runs it again.
fn reproduce_section(o: &mut String, c: &Cell) {
    if c.reproduce.is_empty() {
        return;
    }
    o.push_str("<h3>Reproduce</h3>\n<ul class=\"reproduce\">\n");
    for r in &c.reproduce {
        let _ = writeln!(
            o,
            "<li>{}: <code>{}</code></li>",
            r.stage.word(),
            esc(&r.command)
        );
    }
    o.push_str("</ul>\n");
}

/// The boot stage.
fn boot_section(o: &mut String, c: &Cell) {
    match &c.boot {
        CellBoot::Skipped { reason, .. } => {
            let _ = writeln!(o, "<h3>Boot: skipped</h3>\n<p>{}</p>", esc(reason));
        }
        CellBoot::Ran(r) => {
            let _ = writeln!(
                o,
                "<h3>Boot: {}</h3>\n<p>accel <strong>{}</strong>{}, {:.1} s.{}</p>",
                c.boot.outcome().word(),
                esc(&r.accel),
                r.accel_note
                    .as_ref()
                    .map(|n| format!(" ({})", esc(n)))
                    .unwrap_or_default(),
                r.seconds,
                r.console_log
                    .as_ref()
                    .map(|l| format!(" {}", link(l, "console log")))
                    .unwrap_or_default()
            );
            if let Some(d) = &r.detail {
                let _ = writeln!(o, "<p class=\"boot-detail\">{}</p>", esc(d));
            }
            if !r.trace.is_empty() {
                let _ = writeln!(o, "<pre class=\"trace\">{}</pre>", esc(&r.trace.join("\n")));
            }
        }
    }
}

/// The guest tests.
fn tests_section(o: &mut String, c: &Cell) {
    let tests = crate::view::flat_tests(c);
    if !tests.is_empty() {
        o.push_str("<h3>Guest tests</h3>\n<table class=\"tests\"><tr><th>test</th><th>status</th><th>detail</th></tr>\n");
        for (name, t) in tests {
            let st = t.status.word();
            // A re-run test: its verdict, and the first failure's reason.
            let (word, reason) = match &t.retried {
                Some(r) => (
                    crate::view::retry_word(r.verdict),
                    r.first.reason.as_deref(),
                ),
                None => (st, t.reason.as_deref()),
            };
            let _ = writeln!(
                o,
                "<tr class=\"st-{st}\"><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                esc(&name),
                esc(word),
                reason.map(esc).unwrap_or_default()
            );
        }
        o.push_str("</table>\n");
    }
}

/// A hunk a reader must look at: not applied, applied with fuzz or an
/// offset, or carrying a warning.
fn needs_attention(h: &harness_core::report::HunkResult) -> bool {
    use harness_core::report::HunkStatus;
    h.status != HunkStatus::Applied && h.status != HunkStatus::AlreadyApplied
        || h.fuzz.unwrap_or(0) > 0
        || !h.warnings.is_empty()
}

/// The hunks in two tables: the ones to look at (open, shown with the
/// apply verdict) and the rest (applied exactly or already applied,
/// collapsed, shown last).
fn hunk_tables(c: &Cell) -> (String, String) {
    let (mut top, mut bottom) = (String::new(), String::new());
    let (mut attention, mut rest) = (String::new(), String::new());
    let (mut n_attention, mut n_rest) = (0usize, 0usize);
    for p in &c.apply.patches {
        for f in &p.files {
            for h in &f.hunks {
                if needs_attention(h) {
                    n_attention += 1;
                    hunk_row(&mut attention, &p.name, &f.path, h);
                } else {
                    n_rest += 1;
                    hunk_row(&mut rest, &p.name, &f.path, h);
                }
            }
        }
    }
    const HEAD: &str = "<table class=\"hunks\">\n<colgroup><col class=\"c-patch\"><col class=\"c-file\"><col class=\"c-num\"><col class=\"c-status\"><col class=\"c-num\"><col class=\"c-num\"><col class=\"c-num\"><col></colgroup>\n<tr><th>patch</th><th>file</th><th>hunk</th><th>status</th><th>line</th><th>offset</th><th>fuzz</th><th>diagnosis</th></tr>";
    if n_attention > 0 {
        let _ = writeln!(
            top,
            "<details open class=\"attention\"><summary>{n_attention} hunk(s) to look at (not applied, fuzzy or warned)</summary>\n{HEAD}\n{attention}</table>\n</details>"
        );
    }
    if n_rest > 0 {
        let _ = writeln!(
            bottom,
            "<details class=\"exact\"><summary>{n_rest} hunk(s) applied exactly or already applied</summary>\n{HEAD}\n{rest}</table>\n</details>"
        );
    }
    (top, bottom)
}

fn hunk_row(o: &mut String, patch: &str, path: &str, h: &harness_core::report::HunkResult) {
    let diag = h.diagnosis.as_ref().map(diag_html).unwrap_or_default();
    let warns: Vec<String> = h.warnings.iter().map(|w| esc(w)).collect();
    let _ = writeln!(
        o,
        "<tr class=\"st-{st}\"><td>{}</td><td><code>{}</code></td><td>{}</td><td>{st}</td><td>{}</td><td>{}</td><td>{}</td><td>{}{}{}</td></tr>",
        esc(patch),
        esc(path),
        h.index,
        h.line.map(|x| x.to_string()).unwrap_or_default(),
        h.offset.map(|x| x.to_string()).unwrap_or_default(),
        h.fuzz.map(|x| x.to_string()).unwrap_or_default(),
        diag,
        if !diag.is_empty() && !warns.is_empty() { "<br>" } else { "" },
        warns.join("<br>"),
        st = h.status.word(),
    );
}

/// One row per tree: what it is and what pins it (the fields a reader
/// checks), not the raw provenance record.
fn trees_table(o: &mut String, report: &MatrixReport) {
    o.push_str("<h3>Trees</h3>\n<table class=\"trees\"><tr><th>tree</th><th>kind</th><th>version</th><th>pinned by</th></tr>\n");
    for t in &report.trees {
        let field = |k: &str| {
            t.provenance
                .get(k)
                .and_then(|v| v.as_str())
                .map(str::to_owned)
        };
        let kind = field("kind").unwrap_or_default();
        let version = field("version")
            .or_else(|| field("commit").map(|c| c.chars().take(12).collect()))
            .unwrap_or_else(|| "—".into());
        let pin = match (field("sha256"), field("commit")) {
            (Some(h), _) => format!(
                "sha256 <code title=\"{}\">{}…</code>",
                esc(&h),
                esc(&h.chars().take(16).collect::<String>())
            ),
            (None, Some(c)) => format!("commit <code>{}</code>", esc(&c)),
            (None, None) => "not pinned".into(),
        };
        let _ = writeln!(
            o,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{pin}</td></tr>",
            esc(&t.name),
            esc(&kind),
            esc(&version)
        );
    }
    o.push_str("</table>\n");
}

/// A diagnosis: cause, summary, where the code went, next step, blame and
/// the expected-vs-found lines (collapsed).
fn diag_html(d: &harness_core::diagnose::Diagnosis) -> String {
    let x = crate::view::diag_extras(d);
    let mut s = format!("<strong>{}</strong>: {}", esc(&x.cause), esc(&d.summary));
    if let Some(m) = &x.moved_to {
        let _ = write!(s, "<br>moved to <code>{}</code>", esc(m));
    }
    if let Some((line, score)) = x.closest {
        let _ = write!(s, "<br>closest match at line {line} (score {score:.2})");
    }
    if let Some(n) = &x.next_step {
        let _ = write!(s, "<br><em>next:</em> {}", esc(n));
    }
    for b in &x.blame {
        let _ = write!(s, "<br>last changed by <code>{}</code>", esc(b));
    }
    if !x.diff.is_empty() {
        s.push_str("<details><summary>expected vs found</summary><pre class=\"hunk-diff\">");
        for (tag, text, line) in &x.diff {
            let mark = match tag.as_str() {
                "expected" => '-',
                "found" => '+',
                _ => ' ',
            };
            let _ = writeln!(
                s,
                "{mark}{} {}",
                line.map(|l| format!("{l:>5}"))
                    .unwrap_or_else(|| "     ".into()),
                esc(text)
            );
        }
        s.push_str("</pre></details>");
    }
    s
}

/// A link to a file of the run directory, or plain text when the path is not
/// a plain relative path inside it (absolute, `..`, or a URL scheme).
fn link(path: &str, text: &str) -> String {
    match safe_href(path) {
        Some(h) => format!("<a href=\"{}\">{}</a>", esc(&h), esc(text)),
        None => format!("<code>{}</code>", esc(path)),
    }
}

pub(crate) fn safe_href(path: &str) -> Option<String> {
    if path.is_empty() || path.starts_with('/') || path.starts_with('\\') {
        return None;
    }
    let first = path.split('/').next().unwrap_or("");
    if first.contains(':') {
        return None;
    }
    if path.split('/').any(|seg| seg == "..") {
        return None;
    }
    let mut out = String::new();
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    Some(out)
}

/// HTML-escape text for element content and double- or single-quoted attributes.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(ch),
        }
    }
    out
}
