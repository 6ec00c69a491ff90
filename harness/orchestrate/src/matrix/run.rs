//! The matrix pipeline, generic over its stages so error paths can be tested
//! with fakes and the real run glues the library crates (see `real.rs`).
//!
//! A run is a [`Plan`] (pure: cells, trees, applies, then build units), an
//! [`Executor`] that runs the stages and says what happened as [`Event`]s,
//! and the report built from those events by a [`ReportWriter`]; the
//! caller's subscriber (progress, `events.jsonl`) sees the same events in
//! the same order.

use super::cells::{finalize_summary, Start};
use super::config::{Expect, MatrixConfig};
use super::events::ReportWriter;
use super::execute::{summaries, Executor};
use super::plan::Plan;
use harness_report::model::{Expectation, MatrixReport};
use std::path::PathBuf;
use std::sync::Mutex;

pub use super::cells::config_symbols;
pub use super::events::{Event, Status};
pub use super::plan::slug;
pub use super::stages::{
    Applied, BuildResult, BuildUnit, Kernel, Source, SourceKind, Stage, StageError, Stages,
    TreeHandle,
};

/// Options for one run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub run_id: String,
    pub run_dir: PathBuf,
    pub project_root: PathBuf,
    /// Only run cells whose index satisfies the shard filter.
    pub shard: Option<(usize, usize)>,
}

/// Whether a cell's actual outcome meets its expectation (see
/// [`Expectation::meets`]: undeclared stages must pass).
pub fn meets(expect: &Expect, actual: &Expectation, built: bool) -> bool {
    Expectation::from(*expect).meets(actual, built)
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
/// `events` sees every event after the report writer has taken it in.
pub fn run_matrix(
    cfg: &MatrixConfig,
    stages: &dyn Stages,
    opts: &RunOptions,
    events: &(dyn Fn(&Event) + Sync),
    persist: &Persist<'_>,
) -> MatrixReport {
    let started = now_rfc3339();
    let mut plan = Plan::new(cfg, opts.shard);
    // One lock for both subscribers: the events reach them in one order.
    let writer = Mutex::new(ReportWriter::new(persist));
    let emit = |e: Event| {
        let mut w = writer.lock().unwrap_or_else(|p| p.into_inner());
        w.on(&e);
        events(&e);
    };
    let exec = Executor {
        cfg,
        stages,
        run_dir: &opts.run_dir,
        project_root: &opts.project_root,
        emit: &emit,
    };
    let trees = exec.resolve_trees(&plan);
    let applied = exec.apply_all(&plan, &trees);
    let auto_series: Vec<String> = (cfg.series.iter())
        .filter(|s| s.tree == Some(super::config::TreeChoiceMode::Auto))
        .map(|s| s.name.clone())
        .collect();
    let tree_order: Vec<String> = cfg.trees.iter().map(|t| t.name.clone()).collect();
    let tree_choices = super::auto_tree::pick_trees(&mut plan, &applied, &auto_series, &tree_order);
    let units = plan.units(&summaries(&applied), cfg.build.baseline);
    let start = Start {
        run_id: &opts.run_id,
        started,
        shard: opts.shard,
        project_root: &opts.project_root,
        trees: &trees,
        applied: &applied,
        tree_choices: &tree_choices,
    };
    let report = super::cells::initial_report(&plan, cfg, &start);
    emit(Event::RunStarted {
        report: Box::new(report),
        builds: units.units.len() * cfg.configs.len(),
    });
    exec.check_all(&plan, &trees);
    exec.build_and_boot(&plan, &units, &trees, &applied);
    emit(Event::RunFinished {
        finished: now_rfc3339(),
    });
    let writer = writer.into_inner().unwrap_or_else(|p| p.into_inner());
    let mut report = writer.into_report().unwrap_or_else(|| {
        // Unreachable: RunStarted was taken in above; keep a valid report.
        super::cells::initial_report(&plan, cfg, &start)
    });
    finalize_summary(&mut report);
    report
}

#[cfg(test)]
#[path = "run_tests.rs"]
mod tests;
