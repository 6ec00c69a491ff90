//! The matrix pipeline, generic over its stages so error paths can be tested
//! with fakes and the real run glues the library crates (see `real.rs`).
//!
//! Order of work: trees are resolved, every (series, tree) is applied in
//! parallel (rayon), then each distinct build source (a series' worktree, or the
//! base tree when a series did not apply) is configured and built once per
//! config, sequentially (builds use every core), while boots run on a second
//! thread beside the next build. A failing stage marks its cell and skips only
//! what depends on it.

use super::config::{fragment_symbols, CellPlan, Expect, MatrixConfig};
use harness_report::model::{
    AggregateStatus, BootOutcome, BootReport, BootStatus, Cell, CellApply, CellBoot, CellBuild,
    CellKconfig, ConfigInfo, Diagnostic, Expectation, MatrixReport, StageStatus, Summary,
    TestResult, TreeInfo, MATRIX_SCHEMA,
};
use harness_report::status::{StageOutcome, Word};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::mpsc;

pub use super::stages::{
    Applied, BuildResult, BuildUnit, Kernel, Source, SourceKind, Stage, StageError, Stages,
    TreeHandle,
};

/// Progress events for the CLI to render (the library never prints).
#[derive(Debug, Clone)]
pub enum Event {
    Planned {
        cells: usize,
        builds: usize,
    },
    Started {
        what: String,
        stage: &'static str,
    },
    Finished {
        what: String,
        stage: &'static str,
        status: String,
        seconds: f64,
    },
    Note(String),
}

/// Options for one run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub run_id: String,
    pub run_dir: PathBuf,
    pub project_root: PathBuf,
    /// Only run cells whose index satisfies the shard filter.
    pub shard: Option<(usize, usize)>,
}

/// File-safe form of a cell or unit id.
pub fn slug(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Read the requested symbols of a config from its fragments.
pub fn config_symbols(root: &Path, cfg: &super::config::ConfigEntry) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for f in &cfg.fragments {
        if let Ok(text) = std::fs::read_to_string(root.join(f)) {
            out.extend(fragment_symbols(&text));
        }
    }
    out
}

/// Whether a cell's actual outcome meets its expectation (see
/// [`Expectation::meets`]: undeclared stages must pass).
pub fn meets(expect: &Expect, actual: &Expectation, built: bool) -> bool {
    Expectation::from(*expect).meets(actual, built)
}

fn skipped_boot(reason: &str) -> CellBoot {
    CellBoot::Skipped {
        status: StageStatus::Skipped,
        reason: reason.to_owned(),
    }
}

fn skipped_build(reason: &str) -> (CellKconfig, CellBuild) {
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

fn now_rfc3339() -> String {
    // Seconds since the epoch rendered as UTC without pulling in a date crate.
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let days = secs / 86_400;
    let (h, m, s) = ((secs / 3600) % 24, (secs / 60) % 60, secs % 60);
    let (y, mo, d) = civil_from_days(days as i64);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{m:02}:{s:02}Z")
}

/// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian, UTC).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// A new run id: UTC timestamp plus process id (sortable, unique per machine).
pub fn new_run_id() -> String {
    let t = now_rfc3339().replace([':', '-'], "");
    format!("{}-{}", t.trim_end_matches('Z'), std::process::id())
}

/// Write the canonical report (and renderings) for the run so far.
pub type Persist<'a> = dyn Fn(&MatrixReport) + Sync + 'a;

/// Run the matrix. Always returns a report; per-cell failures are inside it.
pub fn run_matrix(
    cfg: &MatrixConfig,
    stages: &dyn Stages,
    opts: &RunOptions,
    events: &(dyn Fn(Event) + Sync),
    persist: &Persist<'_>,
) -> MatrixReport {
    let started = now_rfc3339();
    // Cells in id order: a run and the merge of its shards list them identically.
    let mut plans: Vec<CellPlan> = cfg.cells();
    plans.sort_by(|a, b| a.id.cmp(&b.id));
    if let Some((i, n)) = opts.shard {
        let ids: Vec<String> = plans.iter().map(|p| p.id.clone()).collect();
        let keep = harness_report::shard::shard_filter(&ids, i, n).unwrap_or_default();
        plans = keep
            .into_iter()
            .filter_map(|k| plans.get(k).cloned())
            .collect();
    }

    // 1. Trees (only those some cell needs).
    let mut trees: BTreeMap<String, Result<TreeHandle, StageError>> = BTreeMap::new();
    for p in &plans {
        if !trees.contains_key(&p.tree) {
            events(Event::Started {
                what: p.tree.clone(),
                stage: "fetch",
            });
            let t0 = std::time::Instant::now();
            let r = stages.resolve_tree(&p.tree);
            events(Event::Finished {
                what: p.tree.clone(),
                stage: "fetch",
                status: if r.is_ok() {
                    "ok".into()
                } else {
                    "failed".into()
                },
                seconds: t0.elapsed().as_secs_f64(),
            });
            trees.insert(p.tree.clone(), r);
        }
    }

    // 2. Apply every (series, tree) pair in parallel.
    let mut pairs: Vec<(String, String)> = Vec::new();
    for p in &plans {
        let k = (p.series.clone(), p.tree.clone());
        if !pairs.contains(&k) {
            pairs.push(k);
        }
    }
    use rayon::prelude::*;
    let applied: HashMap<(String, String), Result<Applied, StageError>> = pairs
        .par_iter()
        .map(|(s, t)| {
            let what = format!("{s}@{t}");
            events(Event::Started {
                what: what.clone(),
                stage: "apply",
            });
            let t0 = std::time::Instant::now();
            let entry = cfg.series.iter().find(|e| &e.name == s);
            let r = match (entry, trees.get(t)) {
                (Some(e), Some(Ok(tree))) => stages.apply(e, tree),
                (_, Some(Err(e))) => Err(StageError::new(
                    Stage::Apply,
                    what.clone(),
                    format!("tree {t} unavailable: {}", e.message),
                )),
                _ => Err(StageError::new(
                    Stage::Apply,
                    what.clone(),
                    format!("series {s} or tree {t} not configured"),
                )),
            };
            events(Event::Finished {
                what,
                stage: "apply",
                status: match &r {
                    Ok(a) => a.status.word().into(),
                    Err(_) => "error".into(),
                },
                seconds: t0.elapsed().as_secs_f64(),
            });
            ((s.clone(), t.clone()), r)
        })
        .collect();

    // 3. Build units: a series that applied builds its own worktree; one that
    // did not builds the base tree (shared by all such series of the tree).
    let mut units: Vec<BuildUnit> = Vec::new();
    let mut unit_of: HashMap<(String, String), usize> = HashMap::new();
    for p in plans.iter().filter(|p| p.build) {
        let key = (p.series.clone(), p.tree.clone());
        if unit_of.contains_key(&key) {
            continue;
        }
        let Some(Ok(a)) = applied.get(&key) else {
            continue;
        };
        let applies = a.status.passed();
        let (ukey, kind, skey) = if applies {
            (
                format!("{}-{}", p.tree, p.series),
                SourceKind::Series(p.series.clone()),
                a.source_key.clone(),
            )
        } else {
            (
                format!("{}-base", p.tree),
                SourceKind::Base,
                "base".to_owned(),
            )
        };
        let idx = match units.iter().position(|u| u.key == ukey) {
            Some(i) => {
                units[i].from_mail |= a.from_mail;
                i
            }
            None => {
                units.push(BuildUnit {
                    key: ukey,
                    tree: p.tree.clone(),
                    kind,
                    source_key: skey,
                    from_mail: a.from_mail,
                });
                units.len() - 1
            }
        };
        unit_of.insert(key, idx);
    }
    if cfg.build.baseline {
        add_baseline_units(&mut units, &plans);
    }
    events(Event::Planned {
        cells: plans.len(),
        builds: units.len() * cfg.configs.len(),
    });

    // Cells start with apply results and skipped later stages; filled as we go.
    let mut report = MatrixReport {
        schema: MATRIX_SCHEMA.to_owned(),
        run_id: opts.run_id.clone(),
        started: started.clone(),
        finished: None,
        complete: false,
        shard: opts.shard.map(|(i, n)| format!("{i}/{n}")),
        trees: trees
            .iter()
            .map(|(name, r)| TreeInfo {
                name: name.clone(),
                provenance: match r {
                    Ok(t) => t.provenance.clone(),
                    Err(e) => serde_json::json!({ "error": e.message }),
                },
            })
            .collect(),
        cells: Vec::new(),
        summary: Summary::default(),
    };
    for p in &plans {
        report.cells.push(initial_cell(p, cfg, opts, &applied));
    }
    finalize_summary(&mut report);
    persist(&report);

    // 4. Builds sequentially; boots on a second thread beside them.
    let (boot_tx, boot_rx) = mpsc::channel::<(usize, usize, Kernel, Source)>();
    let (done_tx, done_rx) = mpsc::channel::<(usize, usize, BootReport)>();
    let cell_index: HashMap<String, usize> = report
        .cells
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.clone(), i))
        .collect();
    let symbols_of: Vec<BTreeMap<String, String>> = cfg
        .configs
        .iter()
        .map(|c| config_symbols(&opts.project_root, c))
        .collect();

    // The cells each (unit, config) build serves; a unit no cell uses (a
    // baseline) has none and is built but not booted.
    let mut cells_of: HashMap<(usize, usize), Vec<usize>> = HashMap::new();
    for p in &plans {
        let (Some(&u), Some(c), Some(&idx)) = (
            unit_of.get(&(p.series.clone(), p.tree.clone())),
            cfg.configs.iter().position(|c| c.name == p.config),
            cell_index.get(&p.id),
        ) else {
            continue;
        };
        cells_of.entry((u, c)).or_default().push(idx);
    }
    let no_cells: Vec<usize> = Vec::new();
    // Warnings of each base-tree build, per (tree, config): the baselines.
    let mut baselines: HashMap<(String, String), Vec<Diagnostic>> = HashMap::new();
    std::thread::scope(|scope| {
        let symbols_of = &symbols_of;
        let run_dir = &opts.run_dir;
        let units_ref = &units;
        let configs_ref = &cfg.configs;
        scope.spawn(move || {
            for (u, c, kernel, source) in boot_rx {
                let unit_key = units_ref.get(u).map(|x| x.key.as_str()).unwrap_or("?");
                let what = format!(
                    "{unit_key}:{}",
                    configs_ref.get(c).map(|x| x.name.as_str()).unwrap_or("?")
                );
                let log = run_dir
                    .join("boots")
                    .join(format!("{}.console.log", slug(&what)));
                let rep = stages.boot(&kernel, &source, &symbols_of[c], &log);
                events(Event::Finished {
                    what,
                    stage: "boot",
                    status: rep.status.word().into(),
                    seconds: rep.seconds,
                });
                if done_tx.send((u, c, rep)).is_err() {
                    break;
                }
            }
        });

        for (ui, unit) in units.iter().enumerate() {
            let Some(Ok(tree)) = trees.get(&unit.tree) else {
                continue;
            };
            let for_unit = match &unit.kind {
                SourceKind::Series(s) => applied
                    .get(&(s.clone(), unit.tree.clone()))
                    .and_then(|r| r.as_ref().ok()),
                SourceKind::Base => None,
            };
            let source = stages.prepare_source(unit, tree, for_unit);
            for (ci, conf) in cfg.configs.iter().enumerate() {
                let what = format!("{}:{}", unit.key, conf.name);
                events(Event::Started {
                    what: what.clone(),
                    stage: "build",
                });
                let br = match &source {
                    Ok(source) => stages.build(unit, tree, source, conf, &opts.run_dir),
                    Err(e) => source_failed(e),
                };
                if unit.kind == SourceKind::Base && br.build.status == StageStatus::Passed {
                    baselines.insert(
                        (unit.tree.clone(), conf.name.clone()),
                        br.build.warnings.clone(),
                    );
                }
                events(Event::Finished {
                    what: what.clone(),
                    stage: "build",
                    status: br.build.status.word().into(),
                    seconds: br.build.seconds,
                });
                let cells = cells_of.get(&(ui, ci)).unwrap_or(&no_cells);
                for &idx in cells {
                    let cell = &mut report.cells[idx];
                    cell.kconfig = br.kconfig.clone();
                    cell.build = br.build.clone();
                    cell.build.base_only = unit.kind == SourceKind::Base;
                    if let Some(log) = &br.log {
                        cell.logs.insert("build".into(), rel(&opts.run_dir, log));
                    }
                    if br.kernel.is_none() {
                        cell.boot = skipped_boot("build did not produce a kernel");
                    }
                }
                if let (Some(k), Ok(source)) = (br.kernel.filter(|_| !cells.is_empty()), &source) {
                    events(Event::Started {
                        what,
                        stage: "boot",
                    });
                    let _ = boot_tx.send((ui, ci, k, source.clone()));
                }
                // Take in finished boots so the report on disk stays current.
                while let Ok((u, c, rep)) = done_rx.try_recv() {
                    record_boot(
                        &mut report,
                        cells_of.get(&(u, c)).unwrap_or(&no_cells),
                        rep,
                        opts,
                    );
                }
                finalize_summary(&mut report);
                persist(&report);
            }
        }
        drop(boot_tx);
        for (u, c, rep) in done_rx.iter() {
            record_boot(
                &mut report,
                cells_of.get(&(u, c)).unwrap_or(&no_cells),
                rep,
                opts,
            );
            finalize_summary(&mut report);
            persist(&report);
        }
    });

    mark_new_warnings(&mut report, &baselines);
    report.finished = Some(now_rfc3339());
    report.complete = true;
    finalize_summary(&mut report);
    persist(&report);
    report
}

/// The build of a unit whose source could not be prepared.
fn source_failed(e: &StageError) -> BuildResult {
    let (mut kconfig, mut build) = skipped_build(&e.to_string());
    kconfig.status = StageStatus::Skipped;
    build.status = StageStatus::Failed;
    BuildResult {
        kconfig,
        build,
        kernel: None,
        log: None,
    }
}

/// A base-tree unit for every tree that builds a series, so each series
/// cell has a baseline to compare its warnings with.
fn add_baseline_units(units: &mut Vec<BuildUnit>, plans: &[CellPlan]) {
    let trees: Vec<String> = units
        .iter()
        .filter(|u| u.kind != SourceKind::Base)
        .map(|u| u.tree.clone())
        .collect();
    for t in trees {
        let key = format!("{t}-base");
        if plans.iter().any(|p| p.tree == t && p.build) && !units.iter().any(|u| u.key == key) {
            units.push(BuildUnit {
                key,
                tree: t,
                kind: SourceKind::Base,
                source_key: "base".to_owned(),
                from_mail: false,
            });
        }
    }
}

/// Mark each diagnostic of a series cell's build `new` when the baseline
/// (same tree and config, base tree) did not have it. Compared as multisets
/// by (severity, file, message): line numbers move when patches add lines.
fn mark_new_warnings(
    report: &mut MatrixReport,
    baselines: &HashMap<(String, String), Vec<Diagnostic>>,
) {
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

fn rel(base: &Path, p: &Path) -> String {
    p.strip_prefix(base).unwrap_or(p).display().to_string()
}

/// A boot's results go into every cell its (unit, config) build serves.
fn record_boot(report: &mut MatrixReport, cells: &[usize], rep: BootReport, opts: &RunOptions) {
    // Paths in the report are relative to the run directory, so the report
    // (and its HTML links) still holds when the run is copied or published.
    let mut rep = rep;
    let relative = |log: &mut Option<String>| {
        if let Some(l) = log.as_mut() {
            *l = rel(&opts.run_dir, Path::new(l.as_str()));
        }
    };
    relative(&mut rep.console_log);
    if let Some(retry) = rep.retry.as_mut() {
        relative(&mut retry.console_log);
    }
    for &idx in cells {
        let cell = &mut report.cells[idx];
        cell.tests = rep.tests.clone();
        if let Some(log) = &rep.console_log {
            cell.logs.insert("console".into(), log.clone());
        }
        if let Some(log) = rep.retry.as_ref().and_then(|r| r.console_log.as_ref()) {
            cell.logs.insert("console-retry".into(), log.clone());
        }
        cell.boot = CellBoot::Ran(rep.clone());
    }
}

fn initial_cell(
    p: &CellPlan,
    cfg: &MatrixConfig,
    opts: &RunOptions,
    applied: &HashMap<(String, String), Result<Applied, StageError>>,
) -> Cell {
    let conf = cfg.configs.iter().find(|c| c.name == p.config);
    let symbols = conf
        .map(|c| config_symbols(&opts.project_root, c))
        .unwrap_or_default();
    let (apply, apply_err) = match applied.get(&(p.series.clone(), p.tree.clone())) {
        Some(Ok(a)) => (
            CellApply {
                status: a.status,
                patches: a.patches.clone(),
            },
            None,
        ),
        Some(Err(e)) => (
            CellApply {
                status: AggregateStatus::Malformed,
                patches: vec![],
            },
            Some(e.to_string()),
        ),
        None => (
            CellApply {
                status: AggregateStatus::Malformed,
                patches: vec![],
            },
            Some("not applied".to_owned()),
        ),
    };
    let (kconfig, build) = if p.build {
        skipped_build("not built yet (run interrupted?)")
    } else {
        skipped_build("tree is apply-only in this matrix (build: false)")
    };
    let mut logs = BTreeMap::new();
    if let Some(e) = &apply_err {
        logs.insert("apply-error".into(), e.clone());
    }
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
        boot: skipped_boot(if p.build {
            "not booted yet"
        } else {
            "apply-only tree"
        }),
        tests: Vec::<TestResult>::new(),
        expected: Expectation {
            apply: p.expect.apply,
            build: p.expect.build.or(p.build.then_some(StageStatus::Passed)),
            boot: p
                .expect
                .boot
                .or(p.build.then_some(BootOutcome::Ran(BootStatus::Passed))),
        },
        actual: Expectation::default(),
        as_expected: false,
        logs,
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
        };
        cell.as_expected = cell.expected.meets(&cell.actual, built);
    }
    harness_report::view::recompute_summary(report);
}

#[cfg(test)]
mod meets_tests {
    use super::*;

    fn actual(apply: &str) -> Expectation {
        Expectation {
            apply: Some(AggregateStatus::from_word(apply).expect("an apply word")),
            build: Some(StageStatus::Passed),
            boot: Some(BootOutcome::Ran(BootStatus::Passed)),
        }
    }

    #[test]
    fn a_series_wholly_in_the_tree_meets_an_undeclared_expectation() {
        // Nothing failed: every hunk is already there. Before, the matrix
        // called such a cell unexpected while the reports listed no reason.
        let none = Expect {
            apply: None,
            build: None,
            boot: None,
        };
        assert!(meets(&none, &actual("already-applied"), true));
        assert!(meets(&none, &actual("applied"), true));
        assert!(!meets(&none, &actual("partial"), true));
        assert!(!meets(&none, &actual("failed"), false));
        // A declared expectation is compared as written.
        let partial = Expect {
            apply: Some(AggregateStatus::Partial),
            build: None,
            boot: None,
        };
        assert!(meets(&partial, &actual("partial"), false));
        assert!(!meets(&partial, &actual("already-applied"), false));
    }
}

#[cfg(test)]
mod tests {
    //! The pipeline with fake stages: fast checks of how failures propagate.
    use super::*;
    use crate::matrix::config::{ConfigEntry, SeriesEntry};
    use crate::matrix::stages::Attribution;
    use harness_report::model::{Severity, TestStatus};
    use std::sync::Mutex;

    struct Fake {
        builds: Mutex<Vec<String>>,
    }

    /// The line the fake series adds to net/core.c (its patch 0001-x).
    const ADDED_LINE: usize = 20;

    impl Stages for Fake {
        fn resolve_tree(&self, name: &str) -> Result<TreeHandle, StageError> {
            if name == "missing" {
                return Err(StageError::new(Stage::Fetch, name, "no such tree"));
            }
            Ok(TreeHandle {
                name: name.into(),
                path: PathBuf::from("/nonexistent"),
                provenance: serde_json::json!({}),
            })
        }
        fn apply(&self, s: &SeriesEntry, _t: &TreeHandle) -> Result<Applied, StageError> {
            let status = match s.name.as_str() {
                "bad" => AggregateStatus::Failed,
                "upstream" => AggregateStatus::AlreadyApplied,
                _ => AggregateStatus::Applied,
            };
            let mut changes = harness_core::apply::Changes::default();
            changes
                .files
                .insert("net/core.c".into(), harness_core::apply::FileChange::Delete);
            let line = ADDED_LINE as u32;
            let added: Attribution = [(
                "net/core.c".to_owned(),
                vec![harness_build::PatchLines {
                    patch: format!("0001-{}", s.name),
                    ranges: vec![(line, line)],
                }],
            )]
            .into();
            Ok(Applied {
                status,
                patches: vec![],
                source_key: s.name.clone(),
                log: String::new(),
                from_mail: false,
                changes,
                added,
            })
        }
        fn prepare_source(
            &self,
            unit: &BuildUnit,
            tree: &TreeHandle,
            applied: Option<&Applied>,
        ) -> Result<Source, StageError> {
            // A series unit gets its own apply's changes; the base, none.
            let applied = applied.filter(|_| unit.kind != SourceKind::Base);
            assert_eq!(applied.is_some(), unit.kind != SourceKind::Base, "{unit:?}");
            if let Some(a) = applied {
                assert!(a.changes.files.contains_key("net/core.c"));
            }
            Ok(Source {
                dir: tree.path.join(&unit.key),
                added: applied.map(|a| a.added.clone()).unwrap_or_default(),
            })
        }
        fn build(
            &self,
            unit: &BuildUnit,
            _t: &TreeHandle,
            source: &Source,
            c: &ConfigEntry,
            _r: &Path,
        ) -> BuildResult {
            self.builds
                .lock()
                .expect("lock")
                .push(format!("{}:{}", unit.key, c.name));
            let ok = c.name != "broken";
            // The base tree warns once; a series build warns twice (the same
            // warning at another line, and one of its own).
            // A warning names the patch that added its line, as the real
            // stage attributes them from the lines its source carries.
            let w = |line: usize, msg: &str| Diagnostic {
                file: "net/core.c".into(),
                line,
                column: None,
                severity: Severity::Warning,
                message: msg.into(),
                patch: source.added.get("net/core.c").and_then(|ps| {
                    ps.iter()
                        .find(|p| {
                            p.ranges
                                .iter()
                                .any(|r| r.0 as usize <= line && line <= r.1 as usize)
                        })
                        .map(|p| p.patch.clone())
                }),
                new: None,
            };
            let warnings = if unit.kind == SourceKind::Base {
                vec![w(10, "old")]
            } else {
                vec![w(12, "old"), w(ADDED_LINE, "introduced")]
            };
            BuildResult {
                kconfig: CellKconfig {
                    status: StageStatus::Passed,
                    problems: vec![],
                },
                build: CellBuild {
                    status: if ok {
                        StageStatus::Passed
                    } else {
                        StageStatus::Failed
                    },
                    warnings,
                    ..skipped_build("x").1
                },
                kernel: ok.then(|| Kernel {
                    image: source.dir.join("bzImage"),
                    config: None,
                }),
                log: None,
            }
        }
        fn boot(
            &self,
            kernel: &Kernel,
            source: &Source,
            _s: &BTreeMap<String, String>,
            log: &Path,
        ) -> BootReport {
            // The kernel is the one built from this source.
            assert_eq!(kernel.image, source.dir.join("bzImage"));
            let mut r = BootReport::new(BootStatus::Passed, "tcg");
            r.tests = vec![TestResult::new("netns_create", TestStatus::Pass)];
            // As the real stage does: the path the run gave it (absolute).
            r.console_log = Some(log.display().to_string());
            r
        }
    }

    /// Run "r" with its run directory and project root in `dir`.
    fn opts_in(dir: &Path) -> RunOptions {
        RunOptions {
            run_id: "r".into(),
            run_dir: dir.into(),
            project_root: dir.into(),
            shard: None,
        }
    }

    fn cfg(yaml: &str) -> MatrixConfig {
        MatrixConfig::from_yaml(yaml, Path::new("test.yaml")).expect("config")
    }

    #[test]
    fn failed_series_builds_base_and_failed_build_skips_boot() {
        let cfg = cfg("trees: [{name: t}, {name: t2, build: false}]\n\
            series: [{name: good, source: g}, {name: bad, source: b, expect: {apply: failed}}, {name: bad2, source: b2}]\n\
            configs: [{name: ok, fragments: [f]}, {name: broken, fragments: [f]}]\n");
        let fake = Fake {
            builds: Mutex::new(vec![]),
        };
        let dir = tempfile::tempdir().expect("tmp");
        let opts = opts_in(dir.path());
        let report = run_matrix(&cfg, &fake, &opts, &|_| {}, &|_| {});
        assert!(report.complete);
        assert_eq!(report.cells.len(), 3 * 2 * 2);
        // "good" builds its own worktree; "bad" failed to apply, so the base tree is built.
        let builds = fake.builds.lock().expect("lock").clone();
        assert!(builds.contains(&"t-good:ok".to_string()), "{builds:?}");
        assert!(builds.contains(&"t-base:ok".to_string()), "{builds:?}");
        // t2 is apply-only: never built.
        assert!(!builds.iter().any(|b| b.starts_with("t2")), "{builds:?}");
        let cell = |id: &str| report.cells.iter().find(|c| c.id == id).expect(id);
        let bad = cell("bad@t:ok");
        assert!(bad.build.base_only);
        assert_eq!(bad.actual.apply, Some(AggregateStatus::Failed));
        assert!(bad.as_expected, "{:?}", bad.actual);
        let broken = cell("good@t:broken");
        assert_eq!(broken.build.status, StageStatus::Failed);
        assert!(matches!(broken.boot, CellBoot::Skipped { .. }));
        assert!(!broken.as_expected);
        let good = cell("good@t:ok");
        assert!(good.as_expected, "{:?}", good.actual);
        assert_eq!(good.tests.len(), 1);
        // The console log is named relative to the run directory, in the
        // boot record and in the cell's logs alike.
        let CellBoot::Ran(boot) = &good.boot else {
            panic!("good@t:ok booted: {:?}", good.boot)
        };
        let log = boot.console_log.as_deref().expect("console log");
        assert!(
            log.starts_with("boots/") && log.ends_with(".console.log"),
            "{log}"
        );
        assert_eq!(good.logs.get("console").map(String::as_str), Some(log));
        let apply_only = cell("good@t2:ok");
        assert_eq!(apply_only.build.status, StageStatus::Skipped);
        assert!(apply_only.as_expected);
        // Unexpected: the three built cells with the "broken" config (good, bad
        // via the base unit, bad2); every other cell meets its expectation.
        assert_eq!(report.summary.unexpected, 3);
    }

    #[test]
    fn baseline_build_marks_the_warnings_a_series_introduced() {
        let with_base = cfg("trees: [{name: t}]\n\
            series: [{name: good, source: g}]\n\
            configs: [{name: ok, fragments: [f]}]\n\
            build: {baseline: true}\n");
        let fake = Fake {
            builds: Mutex::new(vec![]),
        };
        let dir = tempfile::tempdir().expect("tmp");
        let opts = opts_in(dir.path());
        let report = run_matrix(&with_base, &fake, &opts, &|_| {}, &|_| {});
        let builds = fake.builds.lock().expect("lock").clone();
        assert_eq!(builds, vec!["t-good:ok", "t-base:ok"]);
        let good = &report.cells[0];
        let new: Vec<(&str, Option<bool>)> = good
            .build
            .warnings
            .iter()
            .map(|w| (w.message.as_str(), w.new))
            .collect();
        // "old" is in the baseline (at another line): not new.
        assert_eq!(new, vec![("old", Some(false)), ("introduced", Some(true))]);
        // The introduced warning is on the line the series' patch added:
        // the lines went from apply through the source to the build.
        let patches: Vec<Option<&str>> = good
            .build
            .warnings
            .iter()
            .map(|w| w.patch.as_deref())
            .collect();
        assert_eq!(patches, vec![None, Some("0001-good")]);
        // Without `baseline`, no base build and no verdict.
        let cfg2 = cfg("trees: [{name: t}]\nseries: [{name: good, source: g}]\nconfigs: [{name: ok, fragments: [f]}]\n");
        let fake2 = Fake {
            builds: Mutex::new(vec![]),
        };
        let report = run_matrix(&cfg2, &fake2, &opts, &|_| {}, &|_| {});
        assert_eq!(fake2.builds.lock().expect("lock").len(), 1);
        assert!(report.cells[0]
            .build
            .warnings
            .iter()
            .all(|w| w.new.is_none()));
    }

    #[test]
    fn a_series_wholly_upstream_is_built_booted_and_as_expected() {
        // Every hunk already in the tree: nothing failed, so with no
        // expectation declared the cell is as expected, and no report lists
        // a mismatch for it (before, it was UNEXPECTED with no reason).
        let cfg = cfg(
            "trees: [{name: t}]\nseries: [{name: upstream, source: u}]\n\
            configs: [{name: ok, fragments: [f]}]\n",
        );
        let fake = Fake {
            builds: Mutex::new(vec![]),
        };
        let dir = tempfile::tempdir().expect("tmp");
        let report = run_matrix(&cfg, &fake, &opts_in(dir.path()), &|_| {}, &|_| {});
        let cell = &report.cells[0];
        assert_eq!(cell.actual.apply, Some(AggregateStatus::AlreadyApplied));
        assert!(matches!(cell.boot, CellBoot::Ran(_)), "{:?}", cell.boot);
        assert!(cell.as_expected, "{:?}", cell.actual);
        assert!(harness_report::view::expectation_mismatches(cell).is_empty());
        assert_eq!(
            harness_report::view::cell_verdict(cell),
            harness_report::view::Verdict::Passed
        );
    }

    #[test]
    fn missing_tree_marks_cells_not_crash() {
        let cfg = cfg("trees: [{name: missing}]\nseries: [{name: s, source: x}]\nconfigs: [{name: c, fragments: [f]}]\n");
        let fake = Fake {
            builds: Mutex::new(vec![]),
        };
        let dir = tempfile::tempdir().expect("tmp");
        let opts = opts_in(dir.path());
        let report = run_matrix(&cfg, &fake, &opts, &|_| {}, &|_| {});
        assert_eq!(report.cells.len(), 1);
        assert!(!report.cells[0].as_expected);
        assert!(report.cells[0]
            .logs
            .get("apply-error")
            .is_some_and(|e| e.contains("no such tree")));
        assert!(fake.builds.lock().expect("lock").is_empty());
    }
}
