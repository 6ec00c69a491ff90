//! Export to KCIDB JSON, schema v5 (`version {major: 5, minor: 0}`), as
//! defined by kcidb-io's `kcidb_io/schema/v05_00.py`:
//! - one checkout per series x tree (`tree_name`, `valid` = the series
//!   applied cleanly, `log_excerpt` = the hunks that did not apply);
//! - one build per cell (`config_name`, `status` PASS/FAIL/SKIP — v5 replaced
//!   v4's boolean `valid` with `status` —, `duration`, `architecture`,
//!   `compiler`, `log_url`);
//! - one test per boot (`path` "boot") and per guest test
//!   (`path` "netns.<name>"), `status` PASS/FAIL/SKIP/ERROR.
//!
//! Every id is "<origin>:<run id>:<...>". No property is ever null (the
//! schema forbids it): absent values are left out. `log_url` must be an
//! absolute URI (`format: uri`), so it is written only when a base URL for
//! the run directory is given; the relative path always goes to
//! `misc.log_path`.

use crate::model::{Cell, CellBoot, MatrixReport, StageStatus, TestStatus};
use crate::status::{StageOutcome, Word};
use crate::view::boot_ok;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

pub const KCIDB_MAJOR: u64 = 5;
pub const KCIDB_MINOR: u64 = 0;
/// kcidb-io's limit on `log_excerpt`.
const MAX_EXCERPT: usize = 16384;

#[derive(Debug, Clone)]
pub struct KcidbOptions {
    /// CI system name, `[a-z0-9_]+` (other characters are replaced by `_`).
    pub origin: String,
    /// Absolute URL where the run directory is published; makes `log_url`s.
    pub base_url: Option<String>,
    /// Compiler name and version (e.g. "gcc (Debian 12.2.0-14) 12.2.0").
    /// Falls back to a tree's `provenance.compiler`, else left out.
    pub compiler: Option<String>,
}

/// Export with default options for `origin` (no base URL, compiler from
/// tree provenance if recorded).
pub fn to_kcidb(report: &MatrixReport, origin: &str) -> Value {
    to_kcidb_with(
        report,
        &KcidbOptions {
            origin: origin.to_string(),
            base_url: None,
            compiler: None,
        },
    )
}

/// Sanitise an origin to kcidb's `[a-z0-9_]+`.
pub fn sanitize_origin(origin: &str) -> String {
    let s: String = origin
        .to_ascii_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() {
        "harness".into()
    } else {
        s
    }
}

/// A test path segment: `[a-zA-Z0-9_-]+`.
fn path_segment(s: &str) -> String {
    let seg: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if seg.is_empty() {
        "_".into()
    } else {
        seg
    }
}

/// "netns.<name>" with each dot-separated part of the (sub)test name
/// sanitised to kcidb's path alphabet.
fn test_path(name: &str) -> String {
    let mut segs = vec!["netns".to_string()];
    segs.extend(name.split('.').filter(|s| !s.is_empty()).map(path_segment));
    if segs.len() == 1 {
        segs.push("_".into());
    }
    segs.join(".")
}

fn excerpt(lines: &[String]) -> Option<String> {
    if lines.is_empty() {
        return None;
    }
    let mut s = lines.join("\n");
    if s.len() > MAX_EXCERPT {
        let mut cut = MAX_EXCERPT;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
    }
    Some(s)
}

fn looks_like_datetime(s: &str) -> bool {
    // RFC 3339: 2026-11-28T23:40:00Z or with an offset.
    let b = s.as_bytes();
    b.len() >= 20
        && b.get(4) == Some(&b'-')
        && b.get(7) == Some(&b'-')
        && b.get(10) == Some(&b'T')
        && b.get(13) == Some(&b':')
        && (s.ends_with('Z')
            || s.get(s.len().saturating_sub(6)..)
                .is_some_and(|t| t.starts_with('+') || t.starts_with('-')))
}

fn url(base: &Option<String>, rel: &str) -> Option<String> {
    base.as_ref().and_then(|b| {
        crate::html::safe_href(rel).map(|r| format!("{}/{}", b.trim_end_matches('/'), r))
    })
}

fn put(m: &mut Map<String, Value>, k: &str, v: Option<Value>) {
    if let Some(v) = v {
        m.insert(k.to_string(), v);
    }
}

/// What every record of one export shares.
struct Ctx {
    origin: String,
    run: String,
    start_time: Option<Value>,
    compiler: Option<String>,
    base_url: Option<String>,
}

impl Ctx {
    fn checkout_id(&self, series: &str, tree: &str) -> String {
        format!("{}:{}:{series}@{tree}", self.origin, self.run)
    }
}

pub fn to_kcidb_with(report: &MatrixReport, opts: &KcidbOptions) -> Value {
    let ctx = Ctx {
        origin: sanitize_origin(&opts.origin),
        run: report.run_id.clone(),
        start_time: looks_like_datetime(&report.started)
            .then(|| Value::from(report.started.clone())),
        compiler: opts.compiler.clone().or_else(|| {
            report.trees.iter().find_map(|t| {
                t.provenance
                    .get("compiler")
                    .and_then(|c| c.as_str())
                    .map(str::to_string)
            })
        }),
        base_url: opts.base_url.clone(),
    };
    // Checkouts: one per (series, tree).
    let mut pairs: BTreeMap<(String, String), Vec<&Cell>> = BTreeMap::new();
    for c in &report.cells {
        pairs
            .entry((c.series.clone(), c.tree.clone()))
            .or_default()
            .push(c);
    }
    let checkouts: Vec<Value> = pairs
        .iter()
        .map(|((series, tree), cells)| checkout(report, &ctx, series, tree, cells))
        .collect();
    let mut builds = Vec::new();
    let mut tests = Vec::new();
    for c in &report.cells {
        let build_id = format!("{}:{}:{}", ctx.origin, ctx.run, c.id);
        builds.push(build(c, &ctx, &build_id));
        tests.push(boot_test(c, &ctx, &build_id));
        for (name, gt) in crate::view::flat_tests(c) {
            tests.push(guest_test(&ctx, &build_id, &name, gt));
        }
    }
    json!({
        "version": { "major": KCIDB_MAJOR, "minor": KCIDB_MINOR },
        "checkouts": checkouts,
        "builds": builds,
        "tests": tests,
    })
}

/// The checkout of one (series, tree).
fn checkout(report: &MatrixReport, ctx: &Ctx, series: &str, tree: &str, cells: &[&Cell]) -> Value {
    let run = &ctx.run;
    let first = cells.first().copied();
    let status = first.map(|c| c.apply.status);
    let valid = cells.iter().all(|c| c.apply.status.passed());
    let mut failed = Vec::new();
    if let Some(c) = first {
        for p in &c.apply.patches {
            for f in &p.files {
                for h in &f.hunks {
                    if !h.status.passed() {
                        failed.push(format!(
                            "{}: {} hunk #{} {} at line {}: {}",
                            p.name,
                            f.path,
                            h.index,
                            h.status.word(),
                            h.line.map(|l| l.to_string()).unwrap_or_else(|| "?".into()),
                            h.diagnosis
                                .as_ref()
                                .map(|d| d.summary.as_str())
                                .unwrap_or("")
                        ));
                    }
                }
            }
        }
    }
    let tree_info = report.trees.iter().find(|t| t.name == tree);
    let mut m = Map::new();
    m.insert("id".into(), ctx.checkout_id(series, tree).into());
    m.insert("origin".into(), ctx.origin.clone().into());
    m.insert("tree_name".into(), tree.into());
    m.insert(
        "comment".into(),
        format!("series {series} on {tree}").into(),
    );
    m.insert("valid".into(), valid.into());
    put(&mut m, "start_time", ctx.start_time.clone());
    put(
        &mut m,
        "git_commit_hash",
        tree_info
            .and_then(|t| t.provenance.get("commit"))
            .and_then(|c| c.as_str())
            .filter(|c| {
                c.len() == 40
                    && c.bytes()
                        .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
            })
            .map(Value::from),
    );
    put(&mut m, "log_excerpt", excerpt(&failed).map(Value::from));
    m.insert(
        "misc".into(),
        json!({
            "series": series,
            "apply_status": status.map(Word::word),
            "patches": first.map(|c| c.apply.patches.len()).unwrap_or(0),
            "provenance": tree_info.map(|t| t.provenance.clone()).unwrap_or(Value::Null),
            "run_id": run,
        }),
    );
    // The schema allows no nulls anywhere, misc included: drop them.
    if let Some(Value::Object(misc)) = m.get_mut("misc") {
        misc.retain(|_, v| !v.is_null());
    }
    Value::Object(m)
}

/// The build record of one cell.
fn build(c: &Cell, ctx: &Ctx, build_id: &str) -> Value {
    let build_id = build_id.to_owned();
    let b = &c.build;
    let status = match b.status {
        StageStatus::Passed => "PASS",
        StageStatus::Failed => "FAIL",
        StageStatus::Skipped => "SKIP",
    };
    let mut m = Map::new();
    m.insert("id".into(), build_id.clone().into());
    m.insert(
        "checkout_id".into(),
        ctx.checkout_id(&c.series, &c.tree).into(),
    );
    m.insert("origin".into(), ctx.origin.clone().into());
    m.insert("config_name".into(), c.config.name.clone().into());
    m.insert("architecture".into(), "x86_64".into());
    m.insert("status".into(), status.into());
    put(&mut m, "compiler", ctx.compiler.clone().map(Value::from));
    put(&mut m, "start_time", ctx.start_time.clone());
    if b.status != StageStatus::Skipped && b.seconds.is_finite() && b.seconds >= 0.0 {
        m.insert("duration".into(), json!(b.seconds));
    }
    if let Some(l) = &b.log {
        put(&mut m, "log_url", url(&ctx.base_url, l).map(Value::from));
    }
    let mut lines: Vec<String> = b
        .errors
        .iter()
        .map(|d| format!("{}:{}: {}: {}", d.file, d.line, d.severity, d.message))
        .collect();
    lines.extend(b.log_excerpt.iter().cloned());
    put(&mut m, "log_excerpt", excerpt(&lines).map(Value::from));
    m.insert(
        "comment".into(),
        format!(
            "{}{}",
            c.id,
            if b.base_only {
                " (base tree only: the series did not apply cleanly)"
            } else {
                ""
            }
        )
        .into(),
    );
    let mut misc = Map::new();
    misc.insert("symbols".into(), json!(c.config.symbols));
    misc.insert("base_only".into(), b.base_only.into());
    misc.insert("reused".into(), b.reused.into());
    misc.insert("warnings".into(), b.warnings.len().into());
    misc.insert("errors".into(), b.errors.len().into());
    misc.insert("as_expected".into(), c.as_expected.into());
    put(&mut misc, "recompiled", b.recompiled.map(Value::from));
    put(&mut misc, "log_path", b.log.clone().map(Value::from));
    m.insert("misc".into(), Value::Object(misc));
    Value::Object(m)
}

/// The boot of one cell, as a test.
fn boot_test(c: &Cell, ctx: &Ctx, build_id: &str) -> Value {
    let mut t = Map::new();
    t.insert("id".into(), format!("{build_id}:boot").into());
    t.insert("build_id".into(), build_id.into());
    t.insert("origin".into(), ctx.origin.clone().into());
    t.insert("path".into(), "boot".into());
    put(&mut t, "start_time", ctx.start_time.clone());
    let boot_status = match (&c.boot, boot_ok(&c.boot)) {
        (CellBoot::Skipped { .. }, _) => "SKIP",
        (CellBoot::Ran(r), _) if r.status == crate::model::BootStatus::QemuError => "ERROR",
        (_, Some(true)) => "PASS",
        _ => "FAIL",
    };
    t.insert("status".into(), boot_status.into());
    match &c.boot {
        CellBoot::Skipped { reason, .. } => {
            t.insert("comment".into(), format!("boot skipped: {reason}").into());
        }
        CellBoot::Ran(r) => {
            if r.seconds.is_finite() && r.seconds >= 0.0 {
                t.insert("duration".into(), json!(r.seconds));
            }
            t.insert(
                "comment".into(),
                match &r.detail {
                    Some(d) => format!("boot {}: {d}", c.boot.outcome().word()),
                    None => format!("boot {}", c.boot.outcome().word()),
                }
                .into(),
            );
            put(&mut t, "log_excerpt", excerpt(&r.trace).map(Value::from));
            if let Some(l) = &r.console_log {
                put(&mut t, "log_url", url(&ctx.base_url, l).map(Value::from));
            }
            let mut misc = Map::new();
            misc.insert("accel".into(), r.accel.clone().into());
            put(
                &mut misc,
                "accel_note",
                r.accel_note.clone().map(Value::from),
            );
            put(
                &mut misc,
                "log_path",
                r.console_log.clone().map(Value::from),
            );
            t.insert("misc".into(), Value::Object(misc));
        }
    }
    Value::Object(t)
}

/// One guest test of a cell.
fn guest_test(ctx: &Ctx, build_id: &str, name: &str, gt: &crate::model::TestResult) -> Value {
    let path = test_path(name);
    let mut t = Map::new();
    t.insert("id".into(), format!("{build_id}:{path}").into());
    t.insert("build_id".into(), build_id.into());
    t.insert("origin".into(), ctx.origin.clone().into());
    t.insert("path".into(), path.into());
    put(&mut t, "start_time", ctx.start_time.clone());
    let (st, waived) = match gt.status {
        TestStatus::Pass => ("PASS", false),
        TestStatus::Fail => ("FAIL", false),
        TestStatus::Skip => ("SKIP", false),
        // An expected failure: reported as FAIL but waived, so it
        // does not alert anyone.
        TestStatus::Xfail => ("FAIL", true),
    };
    t.insert("status".into(), st.into());
    if waived {
        t.insert("waived".into(), true.into());
    }
    put(&mut t, "comment", gt.reason.clone().map(Value::from));
    t.insert("misc".into(), json!({ "name": name }));
    Value::Object(t)
}
