//! Running a [`Plan`]: trees are resolved, every (series, tree) is applied
//! in parallel (rayon), then each build unit is configured and built once
//! per config, sequentially (builds use every core), while boots run on a
//! second thread beside the next build. A failing stage marks its cell and
//! skips only what depends on it. Everything the report needs leaves as an
//! [`Event`].

use super::cells::{self, BuildRecord};
use super::config::{CellPlan, ConfigEntry, MatrixConfig};
use super::events::{Event, Status};
use super::plan::{build_stem, ApplySummary, Pair, Plan, Units};
use super::reproduce;
use super::stages::{
    Applied, BisectJob, BuildResult, BuildUnit, Kernel, Source, SourceKind, Stage, StageError,
    Stages, TreeHandle,
};
use harness_report::model::{CellBisect, CellCheckpatch, StageStatus};
use harness_report::status::StageOutcome;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::mpsc;

pub type Trees = BTreeMap<String, Result<TreeHandle, StageError>>;
pub type AppliedPairs = HashMap<Pair, Result<Applied, StageError>>;

/// The stages, the run's settings and where its events go.
pub struct Executor<'a> {
    pub cfg: &'a MatrixConfig,
    pub stages: &'a dyn Stages,
    pub run_dir: &'a Path,
    pub project_root: &'a Path,
    pub emit: &'a (dyn Fn(Event) + Sync),
}

/// One (unit, config) build for the boot thread.
struct BootJob {
    subject: String,
    cells: Vec<String>,
    config: usize,
    kernel: Kernel,
    source: Source,
}

impl Executor<'_> {
    /// Run `what` as `stage` on `subject`, with started/finished events.
    fn timed<T>(
        &self,
        subject: &str,
        stage: Stage,
        what: impl FnOnce() -> T,
        status: impl Fn(&T) -> Status,
    ) -> T {
        (self.emit)(Event::Started {
            subject: subject.to_owned(),
            stage,
        });
        let t0 = std::time::Instant::now();
        let out = what();
        (self.emit)(Event::Finished {
            subject: subject.to_owned(),
            stage,
            status: status(&out),
            seconds: t0.elapsed().as_secs_f64(),
        });
        out
    }

    /// Resolve the trees the plan needs.
    pub fn resolve_trees(&self, plan: &Plan) -> Trees {
        plan.trees
            .iter()
            .map(|name| {
                let r = self.timed(
                    name,
                    Stage::Fetch,
                    || self.stages.resolve_tree(name),
                    |r| Status::Fetch(r.is_ok()),
                );
                (name.clone(), r)
            })
            .collect()
    }

    /// Apply every pair of the plan, in parallel.
    pub fn apply_all(&self, plan: &Plan, trees: &Trees) -> AppliedPairs {
        use rayon::prelude::*;
        plan.applies
            .par_iter()
            .map(|pair| {
                let subject = pair.to_string();
                let r = self.timed(
                    &subject,
                    Stage::Apply,
                    || self.apply(pair, trees),
                    |r| match r {
                        Ok(a) => Status::Apply(a.status),
                        Err(_) => Status::Error,
                    },
                );
                (pair.clone(), r)
            })
            .collect()
    }

    fn apply(&self, pair: &Pair, trees: &Trees) -> Result<Applied, StageError> {
        let entry = self.cfg.series.iter().find(|e| e.name == pair.series);
        let err = |msg: String| StageError::new(Stage::Apply, pair.to_string(), msg);
        match (entry, trees.get(&pair.tree)) {
            (Some(e), Some(Ok(tree))) => self.stages.apply(e, tree),
            (_, Some(Err(e))) => Err(err(format!(
                "tree {} unavailable: {}",
                pair.tree, e.message
            ))),
            _ => Err(err(format!(
                "series {} or tree {} not configured",
                pair.series, pair.tree
            ))),
        }
    }

    /// checkpatch on every (series, tree) pair whose series asks for it,
    /// once per pair: the result goes to each of its cells.
    pub fn check_all(&self, plan: &Plan, trees: &Trees) {
        for pair in &plan.applies {
            let Some(entry) =
                (self.cfg.series.iter()).find(|e| e.name == pair.series && e.checkpatch)
            else {
                continue;
            };
            let cells: Vec<String> = (plan.cells.iter())
                .filter(|c| Pair::of(c) == *pair)
                .map(|c| c.id.clone())
                .collect();
            let checked = match trees.get(&pair.tree) {
                Some(Ok(tree)) => self.timed(
                    &pair.to_string(),
                    Stage::Checkpatch,
                    || self.stages.checkpatch(entry, tree),
                    |c| Status::Build(c.status),
                ),
                Some(Err(e)) => CellCheckpatch::not_run(format!("tree unavailable: {}", e.message)),
                None => CellCheckpatch::not_run("tree not resolved"),
            };
            let source = entry.source_in(self.project_root);
            let command =
                reproduce::checkpatch_command(entry, &source, &pair.tree, checked.sandboxed);
            (self.emit)(Event::Checked {
                cells,
                checkpatch: Box::new(checked),
                reproduce: Some(command),
            });
        }
    }

    /// Build every unit with every config; boot each kernel some cell uses.
    pub fn build_and_boot(
        &self,
        plan: &Plan,
        units: &Units,
        trees: &Trees,
        applied: &AppliedPairs,
    ) {
        let configs: Vec<String> = self.cfg.configs.iter().map(|c| c.name.clone()).collect();
        let cells_of = plan.cells_of(units, &configs);
        let symbols: Vec<BTreeMap<String, String>> = self
            .cfg
            .configs
            .iter()
            .map(|c| cells::config_symbols(self.project_root, c))
            .collect();
        let (boot_tx, boot_rx) = mpsc::channel::<BootJob>();
        std::thread::scope(|scope| {
            scope.spawn(|| {
                for job in boot_rx {
                    self.boot(job, &symbols);
                }
            });
            for (ui, unit) in units.units.iter().enumerate() {
                let Some(Ok(tree)) = trees.get(&unit.tree) else {
                    continue;
                };
                let for_unit = match &unit.kind {
                    SourceKind::Series(s) => applied
                        .get(&Pair {
                            series: s.clone(),
                            tree: unit.tree.clone(),
                        })
                        .and_then(|r| r.as_ref().ok()),
                    SourceKind::Base => None,
                };
                let source = self.stages.prepare_source(unit, tree, for_unit);
                for (ci, conf) in self.cfg.configs.iter().enumerate() {
                    let served = cells_of.get(&(ui, ci)).map_or(&[][..], Vec::as_slice);
                    let served: Vec<&CellPlan> = served.iter().map(|&i| &plan.cells[i]).collect();
                    let job = self.build_one(unit, tree, &source, (ci, conf), &served);
                    if let Some(job) = job {
                        let _ = boot_tx.send(job);
                    }
                    for cell in served.iter().filter(|c| c.bisect) {
                        self.bisect(unit, tree, source.is_ok(), conf, cell);
                    }
                }
            }
            drop(boot_tx);
        });
    }

    /// Build one (unit, config) for the cells it serves; their boot, when
    /// the build gave a kernel.
    fn build_one(
        &self,
        unit: &BuildUnit,
        tree: &TreeHandle,
        source: &Result<Source, StageError>,
        (ci, conf): (usize, &ConfigEntry),
        served: &[&CellPlan],
    ) -> Option<BootJob> {
        let ids: Vec<String> = served.iter().map(|c| c.id.clone()).collect();
        let kernel = self.build(unit, tree, source, conf, &ids)?;
        let source = source.as_ref().ok().filter(|_| !ids.is_empty())?;
        let subject = format!("{}:{}", unit.key, conf.name);
        (self.emit)(Event::Started {
            subject: subject.clone(),
            stage: Stage::Boot,
        });
        Some(BootJob {
            subject,
            cells: ids,
            config: ci,
            kernel,
            source: source.clone(),
        })
    }

    /// Build one (unit, config) and report it to the cells it serves; the
    /// kernel, when there is one.
    fn build(
        &self,
        unit: &BuildUnit,
        tree: &TreeHandle,
        source: &Result<Source, StageError>,
        conf: &ConfigEntry,
        cells: &[String],
    ) -> Option<Kernel> {
        let subject = format!("{}:{}", unit.key, conf.name);
        let run = || match source {
            Ok(source) => self.stages.build(unit, tree, source, conf, self.run_dir),
            Err(e) => source_failed(e),
        };
        let br = self.timed(&subject, Stage::Build, run, |b| {
            Status::Build(b.build.status)
        });
        let base = unit.kind == SourceKind::Base;
        let baseline = (base && br.build.status == StageStatus::Passed)
            .then(|| (unit.tree.clone(), conf.name.clone()));
        let mut build = br.build;
        build.base_only = base;
        let build_sandboxed = build.sandboxed;
        let record = BuildRecord {
            kconfig: br.kconfig,
            build,
            log: br.log.as_deref().map(|l| cells::rel(self.run_dir, l)),
            kernel: br.kernel.is_some(),
            reproduce: Some(self.build_reproducer(unit, conf, build_sandboxed)),
        };
        (self.emit)(Event::Built {
            cells: cells.to_vec(),
            baseline,
            record: Box::new(record),
        });
        br.kernel
    }

    /// The per-patch walk of `cell`'s series after the unit's build. A unit
    /// of the base tree (the series did not apply) or without a source has
    /// nothing to walk: the apply or source stage says why.
    fn bisect(
        &self,
        unit: &BuildUnit,
        tree: &TreeHandle,
        source_ok: bool,
        conf: &ConfigEntry,
        cell: &CellPlan,
    ) {
        let entry = self.cfg.series.iter().find(|e| e.name == cell.series);
        let walk = match (entry, &unit.kind, source_ok) {
            (Some(series), SourceKind::Series(_), true) => {
                let job = BisectJob {
                    unit,
                    tree,
                    series,
                    config: conf,
                    run_dir: self.run_dir,
                };
                let subject = format!("{}:{}", unit.key, conf.name);
                self.timed(
                    &subject,
                    Stage::Bisect,
                    || self.stages.bisect(&job),
                    |w| Status::Build(w.status),
                )
            }
            (_, SourceKind::Base, _) => {
                CellBisect::not_run(StageStatus::Skipped, "not walked: the series did not apply")
            }
            _ => CellBisect::not_run(StageStatus::Skipped, "not walked: no source to build"),
        };
        (self.emit)(Event::Bisected {
            cells: vec![cell.id.clone()],
            bisect: Box::new(walk),
        });
    }

    fn boot(&self, job: BootJob, symbols: &[BTreeMap<String, String>]) {
        let log = self
            .run_dir
            .join("boots")
            .join(format!("{}.console.log", console_stem(&job.subject)));
        let no_symbols = BTreeMap::new();
        let symbols = symbols.get(job.config).unwrap_or(&no_symbols);
        let rep = self.stages.boot(&job.kernel, &job.source, symbols, &log);
        let reproduce = self.boot_reproducer(&job, symbols, &rep);
        (self.emit)(Event::Finished {
            subject: job.subject.clone(),
            stage: Stage::Boot,
            status: Status::Boot(rep.status),
            seconds: rep.seconds,
        });
        (self.emit)(Event::Booted {
            cells: job.cells,
            report: Box::new(cells::relative_boot(rep, self.run_dir)),
            reproduce: Some(reproduce),
        });
    }

    /// `harness build` of this unit and config (after `harness apply` of
    /// its series, for a series unit).
    fn build_reproducer(&self, unit: &BuildUnit, conf: &ConfigEntry, sandboxed: bool) -> String {
        let entry = match &unit.kind {
            SourceKind::Series(name) => self.cfg.series.iter().find(|e| &e.name == name),
            SourceKind::Base => None,
        };
        let source = entry.map(|e| e.source_in(self.project_root));
        reproduce::build_command(&reproduce::BuildInput {
            series: entry.zip(source.as_deref()),
            tree: &unit.tree,
            config: conf,
            base_target: &self.cfg.build.base_target,
            sandboxed,
        })
    }

    /// `harness boot` of the very kernel image, with only the failed tests
    /// when tests failed.
    fn boot_reproducer(
        &self,
        job: &BootJob,
        symbols: &BTreeMap<String, String>,
        rep: &harness_report::model::BootReport,
    ) -> String {
        let selftests = job.source.dir.join(harness_boot::initramfs::SELFTESTS_DIR);
        let kselftests: Vec<_> = (self.cfg.boot.kselftests.iter())
            .map(|k| selftests.join(k))
            .filter(|p| p.is_file())
            .collect();
        let only = reproduce::failed_tests(rep);
        reproduce::boot_command(&reproduce::BootInput {
            kernel: &job.kernel,
            kselftests: &kselftests,
            symbols,
            settings: &self.cfg.boot,
            only: &only,
        })
    }
}

/// `unit:config` as a file name stem.
fn console_stem(subject: &str) -> String {
    match subject.split_once(':') {
        Some((unit, config)) => build_stem(unit, config),
        None => build_stem(subject, ""),
    }
}

/// How each pair applied, for planning the builds.
pub fn summaries(applied: &AppliedPairs) -> HashMap<Pair, ApplySummary> {
    applied
        .iter()
        .filter_map(|(pair, r)| {
            let a = r.as_ref().ok()?;
            let summary = ApplySummary {
                passed: a.status.passed(),
                source_key: a.source_key.clone(),
                from_mail: a.from_mail,
            };
            Some((pair.clone(), summary))
        })
        .collect()
}

/// The build of a unit whose source could not be prepared.
fn source_failed(e: &StageError) -> BuildResult {
    let (kconfig, mut build) = cells::skipped_build(&e.to_string());
    build.status = StageStatus::Failed;
    BuildResult {
        kconfig,
        build,
        kernel: None,
        log: None,
    }
}
