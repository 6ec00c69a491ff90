//! The report side of a run: the cells as they start (apply results, later
//! stages skipped), and how a build, a boot and the end of the run change
//! them. Pure functions of the report and what a stage produced.

use super::config::{fragment_symbols, CellPlan, ConfigEntry, MatrixConfig};
use super::plan::{Pair, Plan};
use super::stages::{Applied, StageError, TreeHandle};
use harness_report::model::{
    AggregateStatus, BootOutcome, BootReport, BootStatus, Cell, CellApply, CellBisect, CellBoot,
    CellBuild, CellCheckpatch, CellKconfig, ConfigInfo, Diagnostic, Expectation, MatrixReport,
    ReproducedStage, Reproducer, StageStatus, TestResult, TreeInfo, MATRIX_SCHEMA,
};
use harness_report::status::StageOutcome;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// Read the requested symbols of a config from its fragments.
pub fn config_symbols(root: &Path, cfg: &ConfigEntry) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for f in &cfg.fragments {
        if let Ok(text) = std::fs::read_to_string(root.join(f)) {
            out.extend(fragment_symbols(&text));
        }
    }
    out
}

pub fn skipped_boot(reason: &str) -> CellBoot {
    CellBoot::skipped(reason)
}

pub fn skipped_build(reason: &str) -> (CellKconfig, CellBuild) {
    (
        CellKconfig {
            status: StageStatus::Skipped,
            problems: vec![reason.to_owned()],
        },
        CellBuild {
            status: StageStatus::Skipped,
            base_only: false,
            seconds: 0.0,
            recompiled: None,
            reused: false,
            sandboxed: false,
            errors: vec![],
            warnings: vec![],
            log: None,
            log_excerpt: vec![reason.to_owned()],
            limit_hit: None,
        },
    )
}

/// What a run starts from: the trees and every cell of the plan with its
/// apply result.
pub struct Start<'a> {
    pub run_id: &'a str,
    pub started: String,
    pub shard: Option<(usize, usize)>,
    pub project_root: &'a Path,
    pub trees: &'a BTreeMap<String, Result<TreeHandle, StageError>>,
    pub applied: &'a HashMap<Pair, Result<Applied, StageError>>,
    /// The tree each `tree: auto` series picked.
    pub tree_choices: &'a BTreeMap<String, harness_report::model::TreeChoice>,
}

/// The report as the run starts: apply results in, later stages skipped
/// ("not built yet") until their results come.
pub fn initial_report(plan: &Plan, cfg: &MatrixConfig, start: &Start<'_>) -> MatrixReport {
    let trees = start
        .trees
        .iter()
        .map(|(name, r)| TreeInfo {
            name: name.clone(),
            provenance: match r {
                Ok(t) => t.provenance.clone(),
                Err(e) => serde_json::json!({ "error": e.message }),
            },
        })
        .collect();
    let mut report = MatrixReport {
        schema: MATRIX_SCHEMA.to_owned(),
        run_id: start.run_id.to_owned(),
        started: start.started.clone(),
        finished: None,
        complete: false,
        shard: start.shard.map(|(i, n)| format!("{i}/{n}")),
        trees,
        cells: plan
            .cells
            .iter()
            .map(|p| initial_cell(p, cfg, start))
            .collect(),
        summary: Default::default(),
        previous: None,
    };
    finalize_summary(&mut report);
    report
}

fn initial_apply(applied: Option<&Result<Applied, StageError>>) -> (CellApply, Option<String>) {
    let failed = |e: String| {
        let apply = CellApply {
            status: AggregateStatus::Malformed,
            patches: vec![],
        };
        (apply, Some(e))
    };
    match applied {
        Some(Ok(a)) => (
            CellApply {
                status: a.status,
                patches: a.patches.clone(),
            },
            None,
        ),
        Some(Err(e)) => failed(e.to_string()),
        None => failed("not applied".to_owned()),
    }
}

/// What a cell expects: declared words, and for a built tree a passed
/// build and boot where none is declared.
fn expected(p: &CellPlan) -> Expectation {
    Expectation {
        apply: p.expect.apply,
        build: p.expect.build.or(p.build.then_some(StageStatus::Passed)),
        boot: p
            .expect
            .boot
            .or(p.build.then_some(BootOutcome::Ran(BootStatus::Passed))),
        bisect: p.expect.bisect,
        checkpatch: p.expect.checkpatch,
    }
}

fn initial_cell(p: &CellPlan, cfg: &MatrixConfig, start: &Start<'_>) -> Cell {
    let symbols = cfg
        .configs
        .iter()
        .find(|c| c.name == p.config)
        .map(|c| config_symbols(start.project_root, c))
        .unwrap_or_default();
    let (apply, apply_err) = initial_apply(start.applied.get(&Pair::of(p)));
    let (kconfig, build) = if p.build {
        skipped_build("not built yet (run interrupted?)")
    } else {
        skipped_build("tree is apply-only in this matrix (build: false)")
    };
    let logs = apply_err
        .map(|e| ("apply-error".to_owned(), e))
        .into_iter()
        .collect();
    let boot = if p.build {
        "not booted yet"
    } else {
        "apply-only tree"
    };
    Cell {
        id: p.id.clone(),
        series: p.series.clone(),
        tree: p.tree.clone(),
        config: ConfigInfo {
            name: p.config.clone(),
            symbols,
        },
        apply,
        kconfig,
        build,
        boot: skipped_boot(boot),
        tests: Vec::<TestResult>::new(),
        expected: expected(p),
        actual: Expectation::default(),
        as_expected: false,
        logs,
        bisect: p
            .bisect
            .then(|| CellBisect::not_run(StageStatus::Skipped, "not walked yet")),
        tree_choice: (start.tree_choices.get(&p.series))
            .filter(|_| p.auto_tree)
            .cloned(),
        checkpatch: p
            .checkpatch
            .then(|| CellCheckpatch::not_run("not checked yet (run interrupted?)")),
        reproduce: apply_reproducer(p, cfg, start).into_iter().collect(),
    }
}

/// `harness apply` of the cell's series and tree, when its apply failed.
fn apply_reproducer(p: &CellPlan, cfg: &MatrixConfig, start: &Start<'_>) -> Option<Reproducer> {
    let applied = start.applied.get(&Pair::of(p));
    if matches!(applied, Some(Ok(a)) if a.status.passed()) {
        return None;
    }
    let entry = cfg.series.iter().find(|e| e.name == p.series)?;
    let source = entry.source_in(start.project_root);
    Some(Reproducer {
        stage: ReproducedStage::Apply,
        command: super::reproduce::apply_command(entry, &source, &p.tree),
    })
}

/// Add `r` to the cell's reproducers (once: a replayed event adds nothing).
fn add_reproducer(cell: &mut Cell, r: Reproducer) {
    if !cell.reproduce.iter().any(|x| x.stage == r.stage) {
        cell.reproduce.push(r);
    }
}

/// What one (unit, config) build gives the cells it serves.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct BuildRecord {
    pub kconfig: CellKconfig,
    pub build: CellBuild,
    /// The build log, relative to the run directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log: Option<String>,
    /// False: the build produced no kernel, so the cells will not boot.
    pub kernel: bool,
    /// The command line that runs this build again (kept for a failure).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reproduce: Option<String>,
}

/// A build's results go into every cell it serves.
pub fn record_build(report: &mut MatrixReport, cells: &[String], rec: &BuildRecord) {
    for cell in report.cells.iter_mut().filter(|c| cells.contains(&c.id)) {
        cell.kconfig = rec.kconfig.clone();
        cell.build = rec.build.clone();
        if let Some(log) = &rec.log {
            cell.logs.insert("build".into(), log.clone());
        }
        if !rec.kernel {
            cell.boot = skipped_boot("build did not produce a kernel");
        }
        let failed = !rec.kconfig.status.passed() || !rec.build.status.passed();
        if let Some(command) = rec.reproduce.clone().filter(|_| failed) {
            add_reproducer(
                cell,
                Reproducer {
                    stage: ReproducedStage::Build,
                    command,
                },
            );
        }
    }
}

/// checkpatch's results go into the cells (one series and tree) it serves.
pub fn record_checkpatch(
    report: &mut MatrixReport,
    cells: &[String],
    checked: &CellCheckpatch,
    reproduce: Option<&str>,
) {
    for cell in report.cells.iter_mut().filter(|c| cells.contains(&c.id)) {
        cell.checkpatch = Some(checked.clone());
        if let Some(command) = reproduce.filter(|_| checked.status == StageStatus::Failed) {
            add_reproducer(
                cell,
                Reproducer {
                    stage: ReproducedStage::Checkpatch,
                    command: command.to_owned(),
                },
            );
        }
    }
}

/// A walk's results go into the cells (one series, tree and config) it serves.
pub fn record_bisect(report: &mut MatrixReport, cells: &[String], walk: &CellBisect) {
    for cell in report.cells.iter_mut().filter(|c| cells.contains(&c.id)) {
        cell.bisect = Some(walk.clone());
    }
}

/// A boot's results (console log paths relative to the run directory) go
/// into every cell its (unit, config) build serves.
pub fn record_boot(
    report: &mut MatrixReport,
    cells: &[String],
    rep: &BootReport,
    reproduce: Option<&str>,
) {
    for cell in report.cells.iter_mut().filter(|c| cells.contains(&c.id)) {
        if let Some(command) = reproduce.filter(|_| rep.status != BootStatus::Passed) {
            add_reproducer(
                cell,
                Reproducer {
                    stage: ReproducedStage::Boot,
                    command: command.to_owned(),
                },
            );
        }
        cell.tests = rep.tests.clone();
        if let Some(log) = &rep.console_log {
            cell.logs.insert("console".into(), log.clone());
        }
        if let Some(log) = rep.retry.as_ref().and_then(|r| r.console_log.as_ref()) {
            cell.logs.insert("console-retry".into(), log.clone());
        }
        cell.boot = CellBoot::Ran(Box::new(rep.clone()));
    }
}

/// Console log paths made relative to the run directory, so the report
/// (and its HTML links) still holds when the run is copied or published.
pub fn relative_boot(mut rep: BootReport, run_dir: &Path) -> BootReport {
    let relative = |log: &mut Option<String>| {
        if let Some(l) = log.as_mut() {
            *l = rel(run_dir, Path::new(l.as_str()));
        }
    };
    relative(&mut rep.console_log);
    if let Some(retry) = rep.retry.as_mut() {
        relative(&mut retry.console_log);
    }
    rep
}

pub fn rel(base: &Path, p: &Path) -> String {
    p.strip_prefix(base).unwrap_or(p).display().to_string()
}

/// Warnings of each base-tree build, per (tree, config): the baselines.
pub type Baselines = HashMap<(String, String), Vec<Diagnostic>>;

/// Mark each diagnostic of a series cell's build `new` when the baseline
/// (same tree and config, base tree) did not have it. Compared as multisets
/// by (severity, file, message): line numbers move when patches add lines.
pub fn mark_new_warnings(report: &mut MatrixReport, baselines: &Baselines) {
    let key = |d: &Diagnostic| (d.severity, d.file.clone(), d.message.clone());
    for cell in report.cells.iter_mut() {
        if cell.build.base_only || cell.build.status != StageStatus::Passed {
            continue;
        }
        let Some(base) = baselines.get(&(cell.tree.clone(), cell.config.name.clone())) else {
            continue;
        };
        let new = harness_build::not_in_baseline(base, &cell.build.warnings, key, key);
        for (d, n) in cell.build.warnings.iter_mut().zip(new) {
            d.new = Some(n);
        }
    }
}

/// Recompute every cell's `actual` and `as_expected`, and the summary.
pub fn finalize_summary(report: &mut MatrixReport) {
    for cell in &mut report.cells {
        let built = cell.expected.build.is_some();
        cell.actual = Expectation {
            apply: Some(cell.apply.status),
            build: Some(cell.build.status),
            boot: Some(cell.boot.outcome()),
            bisect: cell.bisect.as_ref().map(|b| b.status),
            checkpatch: cell.checkpatch.as_ref().map(|c| c.status),
        };
        cell.as_expected = cell.expected.meets(&cell.actual, built);
    }
    harness_report::view::recompute_summary(report);
}
