//! Comparing two runs: what got worse (regressions) and what got better
//! (fixes), keyed by cell id plus patch name, file and hunk index, or test
//! name. `harness report compare` and `harness matrix --compare` exit 1 when
//! there is a regression.

use crate::model::{Cell, CellBoot, Diagnostic, HunkStatus, MatrixReport, StageStatus, TestStatus};
use crate::status::{StageOutcome, Word};
use crate::view::{boot_ok, flat_tests};
use std::collections::BTreeMap;

pub use harness_schema::compare::{
    Change, ChangeKind, Comparison, COMPARE_SCHEMA, PREVIOUS_HEADLINES,
};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Bucket {
    Regression,
    Fix,
    Other,
}

struct Acc {
    c: Comparison,
}

impl Acc {
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        b: Bucket,
        kind: ChangeKind,
        cell: &str,
        key: String,
        old: Option<String>,
        new: Option<String>,
        message: String,
    ) {
        let ch = Change {
            kind,
            cell: cell.to_string(),
            key,
            old,
            new,
            message,
        };
        match b {
            Bucket::Regression => self.c.regressions.push(ch),
            Bucket::Fix => self.c.fixes.push(ch),
            Bucket::Other => self.c.other.push(ch),
        }
    }
}

/// Compare `old` with `new`. Cells are matched by id.
pub fn compare(old: &MatrixReport, new: &MatrixReport) -> Comparison {
    let mut acc = Acc {
        c: Comparison {
            schema: COMPARE_SCHEMA.into(),
            old_run: old.run_id.clone(),
            new_run: new.run_id.clone(),
            ..Default::default()
        },
    };
    let old_cells: BTreeMap<&str, &Cell> = old.cells.iter().map(|c| (c.id.as_str(), c)).collect();
    let new_cells: BTreeMap<&str, &Cell> = new.cells.iter().map(|c| (c.id.as_str(), c)).collect();
    for (id, o) in &old_cells {
        match new_cells.get(id) {
            None => acc.push(
                Bucket::Regression,
                ChangeKind::CellRemoved,
                id,
                "cell".into(),
                None,
                None,
                format!("cell {id} is missing from the new run (coverage lost)"),
            ),
            Some(n) => compare_cell(&mut acc, o, n),
        }
    }
    for id in new_cells.keys() {
        if !old_cells.contains_key(id) {
            acc.push(
                Bucket::Other,
                ChangeKind::CellAdded,
                id,
                "cell".into(),
                None,
                None,
                format!("cell {id} is new in this run"),
            );
        }
    }
    acc.c
}

fn hunk_bad(s: HunkStatus) -> bool {
    !s.passed()
}

fn compare_cell(acc: &mut Acc, o: &Cell, n: &Cell) {
    compare_hunks(acc, o, n);
    compare_build(acc, o, n);
    compare_boot(acc, o, n);
    compare_tests(acc, o, n);
    compare_expectation(acc, o, n);
}

/// Hunks, keyed by patch name + file path + hunk index.
fn compare_hunks(acc: &mut Acc, o: &Cell, n: &Cell) {
    let id = o.id.as_str();
    type HunkKey = (String, String, usize);
    type HunkVal = (HunkStatus, Option<usize>, String);
    let hunks = |c: &Cell| -> BTreeMap<HunkKey, HunkVal> {
        let mut m = BTreeMap::new();
        for p in &c.apply.patches {
            for f in &p.files {
                for h in &f.hunks {
                    let why = h
                        .diagnosis
                        .as_ref()
                        .map(|d| d.summary.clone())
                        .unwrap_or_default();
                    m.insert(
                        (p.name.clone(), f.path.clone(), h.index),
                        (h.status, h.fuzz, why),
                    );
                }
            }
        }
        m
    };
    let oh = hunks(o);
    let nh = hunks(n);
    for (k, (ns, nfuzz, why)) in &nh {
        let key = format!("{} / {} / hunk #{}", k.0, k.1, k.2);
        match oh.get(k) {
            Some((os, ofuzz, _)) => {
                if !hunk_bad(*os) && hunk_bad(*ns) {
                    acc.push(
                        Bucket::Regression,
                        ChangeKind::HunkFailing,
                        id,
                        key.clone(),
                        Some(os.word().into()),
                        Some(ns.word().into()),
                        format!(
                            "{id}: {key} newly {} (was {}){}",
                            ns.word(),
                            os.word(),
                            because(why)
                        ),
                    );
                } else if hunk_bad(*os) && !hunk_bad(*ns) {
                    acc.push(
                        Bucket::Fix,
                        ChangeKind::HunkFixed,
                        id,
                        key.clone(),
                        Some(os.word().into()),
                        Some(ns.word().into()),
                        format!("{id}: {key} now {} (was {})", ns.word(), os.word()),
                    );
                } else if os != ns || ofuzz != nfuzz {
                    acc.push(
                        Bucket::Other,
                        ChangeKind::HunkChanged,
                        id,
                        key.clone(),
                        Some(format!(
                            "{} fuzz {}",
                            os.word(),
                            ofuzz.map(|f| f.to_string()).unwrap_or_else(|| "-".into())
                        )),
                        Some(format!(
                            "{} fuzz {}",
                            ns.word(),
                            nfuzz.map(|f| f.to_string()).unwrap_or_else(|| "-".into())
                        )),
                        format!("{id}: {key} changed"),
                    );
                }
            }
            None if hunk_bad(*ns) => acc.push(
                Bucket::Regression,
                ChangeKind::HunkFailing,
                id,
                key.clone(),
                None,
                Some(ns.word().into()),
                format!("{id}: {key} is new and {}{}", ns.word(), because(why)),
            ),
            None => {}
        }
    }
}

/// The kconfig and build stages, and the build's diagnostics.
fn compare_build(acc: &mut Acc, o: &Cell, n: &Cell) {
    let id = o.id.as_str();
    stage_change(
        acc,
        id,
        "kconfig",
        o.kconfig.status,
        n.kconfig.status,
        ChangeKind::KconfigFailing,
        ChangeKind::KconfigFixed,
        ChangeKind::KconfigFailing,
    );

    // Build.
    stage_change(
        acc,
        id,
        "build",
        o.build.status,
        n.build.status,
        ChangeKind::BuildFailing,
        ChangeKind::BuildFixed,
        ChangeKind::BuildSkipped,
    );
    diag_change(
        acc,
        id,
        &o.build.errors,
        &n.build.errors,
        ChangeKind::BuildError,
        "error",
    );
    diag_change(
        acc,
        id,
        &o.build.warnings,
        &n.build.warnings,
        ChangeKind::BuildWarning,
        "warning",
    );
}

/// The boot stage.
fn compare_boot(acc: &mut Acc, o: &Cell, n: &Cell) {
    let id = o.id.as_str();
    match (boot_ok(&o.boot), boot_ok(&n.boot)) {
        (Some(true), Some(false)) | (None, Some(false)) => acc.push(
            Bucket::Regression,
            ChangeKind::BootFailing,
            id,
            "boot".into(),
            Some(o.boot.outcome().word().into()),
            Some(n.boot.outcome().word().into()),
            format!(
                "{id}: boot newly {} (was {}){}",
                n.boot.outcome().word(),
                o.boot.outcome().word(),
                boot_detail(&n.boot)
            ),
        ),
        (Some(false), Some(true)) => acc.push(
            Bucket::Fix,
            ChangeKind::BootFixed,
            id,
            "boot".into(),
            Some(o.boot.outcome().word().into()),
            Some(n.boot.outcome().word().into()),
            format!(
                "{id}: boot now {} (was {})",
                n.boot.outcome().word(),
                o.boot.outcome().word()
            ),
        ),
        (Some(true), None) => acc.push(
            Bucket::Regression,
            ChangeKind::BootSkipped,
            id,
            "boot".into(),
            Some(o.boot.outcome().word().into()),
            Some("skipped".into()),
            format!(
                "{id}: boot no longer runs (was {}){}",
                o.boot.outcome().word(),
                boot_detail(&n.boot)
            ),
        ),
        _ => {}
    }
}

/// The guest tests, by flattened name.
fn compare_tests(acc: &mut Acc, o: &Cell, n: &Cell) {
    let id = o.id.as_str();
    let ot: BTreeMap<String, TestStatus> = flat_tests(o)
        .into_iter()
        .map(|(name, t)| (name, t.status))
        .collect();
    let nt: BTreeMap<String, (TestStatus, Option<&str>)> = flat_tests(n)
        .into_iter()
        .map(|(name, t)| (name, (t.status, t.reason.as_deref())))
        .collect();
    let flaky = crate::view::flaky_tests(n);
    let booted = boot_ok(&n.boot) == Some(true);
    for (name, (ns, reason)) in &nt {
        let key = format!("test {name}");
        if let Some(first) = flaky.get(name) {
            acc.push(
                Bucket::Other,
                ChangeKind::TestFlaky,
                id,
                key,
                ot.get(name).map(|s| s.word().into()),
                Some("flaky".into()),
                format!(
                    "{id}: guest test {name} is flaky: failed{}, then {} in a fresh boot",
                    because(first.as_deref().unwrap_or("")),
                    ns.word()
                ),
            );
            continue;
        }
        match ot.get(name) {
            Some(os) if *os != TestStatus::Fail && *ns == TestStatus::Fail => acc.push(
                Bucket::Regression,
                ChangeKind::TestFailing,
                id,
                key,
                Some(os.word().into()),
                Some("fail".into()),
                format!(
                    "{id}: guest test {name} newly failing (was {}){}",
                    os.word(),
                    because(reason.unwrap_or(""))
                ),
            ),
            Some(TestStatus::Fail) if *ns == TestStatus::Pass => acc.push(
                Bucket::Fix,
                ChangeKind::TestFixed,
                id,
                key,
                Some("fail".into()),
                Some("pass".into()),
                format!("{id}: guest test {name} now passes"),
            ),
            Some(_) => {}
            None if *ns == TestStatus::Fail => acc.push(
                Bucket::Regression,
                ChangeKind::TestFailing,
                id,
                key,
                None,
                Some("fail".into()),
                format!(
                    "{id}: guest test {name} is new and fails{}",
                    because(reason.unwrap_or(""))
                ),
            ),
            None => acc.push(
                Bucket::Other,
                ChangeKind::TestAdded,
                id,
                key,
                None,
                Some(ns.word().into()),
                format!("{id}: guest test {name} is new ({})", ns.word()),
            ),
        }
    }
    // Tests that vanished although the kernel booted (a boot failure is
    // reported above instead).
    if booted {
        for (name, os) in &ot {
            if !nt.contains_key(name) {
                acc.push(
                    Bucket::Regression,
                    ChangeKind::TestMissing,
                    id,
                    format!("test {name}"),
                    Some(os.word().into()),
                    None,
                    format!(
                        "{id}: guest test {name} no longer reported although the kernel booted"
                    ),
                );
            }
        }
    }
}

/// The cell as a whole: as expected or not.
fn compare_expectation(acc: &mut Acc, o: &Cell, n: &Cell) {
    let id = o.id.as_str();
    if o.as_expected && !n.as_expected {
        acc.push(
            Bucket::Regression,
            ChangeKind::NowUnexpected,
            id,
            "expectation".into(),
            Some("as expected".into()),
            Some("unexpected".into()),
            format!(
                "{id}: no longer as expected ({})",
                crate::view::expectation_mismatches(n).join("; ")
            ),
        );
    } else if !o.as_expected && n.as_expected {
        acc.push(
            Bucket::Fix,
            ChangeKind::NowAsExpected,
            id,
            "expectation".into(),
            Some("unexpected".into()),
            Some("as expected".into()),
            format!("{id}: now as expected"),
        );
    }
}

fn because(why: &str) -> String {
    if why.is_empty() {
        String::new()
    } else {
        format!(": {why}")
    }
}

fn boot_detail(b: &CellBoot) -> String {
    match b {
        CellBoot::Skipped { reason, .. } => format!(": {reason}"),
        CellBoot::Ran(r) => r
            .trace
            .first()
            .map(|t| format!(": {t}"))
            .unwrap_or_default(),
    }
}

#[allow(clippy::too_many_arguments)]
fn stage_change(
    acc: &mut Acc,
    id: &str,
    stage: &str,
    o: StageStatus,
    n: StageStatus,
    failing: ChangeKind,
    fixed: ChangeKind,
    skipped: ChangeKind,
) {
    use StageStatus::*;
    let (bucket, kind, what) = match (o, n) {
        (Passed, Failed) | (Skipped, Failed) => (Bucket::Regression, failing, "newly failing"),
        (Failed, Passed) => (Bucket::Fix, fixed, "fixed"),
        (Passed, Skipped) => (Bucket::Regression, skipped, "no longer runs"),
        (Failed, Skipped) | (Skipped, Passed) => (Bucket::Other, fixed, "changed"),
        _ => return,
    };
    acc.push(
        bucket,
        kind,
        id,
        stage.into(),
        Some(o.word().into()),
        Some(n.word().into()),
        format!("{id}: {stage} {what} ({} -> {})", o.word(), n.word()),
    );
}

/// New diagnostics are keyed by file + message (line numbers move with
/// unrelated edits); counted, so a second copy of a warning is new too.
fn diag_change(
    acc: &mut Acc,
    id: &str,
    old: &[Diagnostic],
    new: &[Diagnostic],
    kind: ChangeKind,
    what: &str,
) {
    let key = |d: &Diagnostic| (d.file.clone(), d.message.clone());
    let mut counts: BTreeMap<(String, String), isize> = BTreeMap::new();
    for d in old {
        *counts.entry(key(d)).or_default() += 1;
    }
    for d in new {
        let c = counts.entry(key(d)).or_default();
        *c -= 1;
        if *c < 0 {
            acc.push(
                Bucket::Regression,
                kind,
                id,
                format!("{}:{}: {}", d.file, d.line, d.message),
                None,
                Some(what.into()),
                format!(
                    "{id}: new build {what} {}:{}: {}",
                    d.file, d.line, d.message
                ),
            );
        }
    }
    if kind == ChangeKind::BuildWarning {
        for ((file, message), c) in counts {
            if c > 0 {
                acc.push(
                    Bucket::Fix,
                    ChangeKind::BuildWarningGone,
                    id,
                    format!("{file}: {message}"),
                    Some(what.into()),
                    None,
                    format!("{id}: build {what} gone: {file}: {message}"),
                );
            }
        }
    }
}
