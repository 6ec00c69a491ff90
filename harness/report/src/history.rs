//! `results/history.json` (`harness.history/1`): the recent results of every
//! guest test per cell, so a test that fails now and then is marked
//! `intermittent` even when no single run retried it into a pass.
//!
//! Keyed by series, tree, config and test: two series on one tree and config
//! build different kernels, so a test failing under one series only is not
//! intermittent. Each entry keeps the last [`HISTORY_RUNS`] runs, newest
//! last. Written atomically (temporary sibling + rename).

use crate::error::ReportError;
use crate::model::{MatrixReport, TestStatus};
use crate::view::flat_tests;
use std::path::Path;

pub use harness_schema::history::{
    History, RunEntry, RunResult, TestHistory, HISTORY_RUNS, HISTORY_SCHEMA,
};

fn run_result(t: &crate::model::TestResult) -> RunResult {
    use harness_boot::retry::RetryVerdict;
    if t.retried.as_ref().map(|r| r.verdict) == Some(RetryVerdict::Flaky) {
        return RunResult::Flaky;
    }
    match t.status {
        TestStatus::Pass => RunResult::Pass,
        TestStatus::Fail => RunResult::Fail,
        TestStatus::Skip => RunResult::Skip,
        TestStatus::Xfail => RunResult::Xfail,
    }
}

fn intermittent(runs: &[RunEntry]) -> bool {
    let has = |r: RunResult| runs.iter().any(|e| e.result == r);
    has(RunResult::Flaky)
        || (has(RunResult::Fail) && (has(RunResult::Pass) || has(RunResult::Xfail)))
}

/// Recording a run into a [`History`] (the types are harness-schema's; this
/// needs the report's flattened tests).
pub trait Record {
    /// Add `report`'s test results as the newest run (replacing an earlier
    /// entry of the same run id).
    fn record(&mut self, report: &MatrixReport);
}

impl Record for History {
    /// Add `report`'s test results as the newest run (replacing an earlier
    /// entry of the same run id).
    fn record(&mut self, report: &MatrixReport) {
        for cell in &report.cells {
            for (name, t) in flat_tests(cell) {
                let at = self.tests.iter().position(|h| {
                    h.series == cell.series
                        && h.tree == cell.tree
                        && h.config == cell.config.name
                        && h.test == name
                });
                let h = match at {
                    Some(i) => &mut self.tests[i],
                    None => {
                        self.tests.push(TestHistory {
                            series: cell.series.clone(),
                            tree: cell.tree.clone(),
                            config: cell.config.name.clone(),
                            test: name.clone(),
                            runs: Vec::new(),
                            intermittent: false,
                        });
                        let last = self.tests.len() - 1;
                        &mut self.tests[last]
                    }
                };
                h.runs.retain(|e| e.run != report.run_id);
                h.runs.push(RunEntry {
                    run: report.run_id.clone(),
                    result: run_result(t),
                });
                let excess = h.runs.len().saturating_sub(HISTORY_RUNS);
                h.runs.drain(..excess);
                h.intermittent = intermittent(&h.runs);
            }
        }
        self.tests.sort_by(|a, b| {
            (&a.series, &a.tree, &a.config, &a.test).cmp(&(&b.series, &b.tree, &b.config, &b.test))
        });
    }
}

/// Read `path`; a missing file is an empty history.
pub fn load_history(path: &Path) -> Result<History, ReportError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(History::default()),
        Err(source) => {
            return Err(ReportError::Read {
                path: path.to_path_buf(),
                source,
            })
        }
    };
    let h: History = serde_json::from_str(&text).map_err(|source| ReportError::History {
        path: path.to_path_buf(),
        message: source.to_string(),
    })?;
    if h.schema != HISTORY_SCHEMA {
        return Err(ReportError::History {
            path: path.to_path_buf(),
            message: format!("schema {:?}, expected {HISTORY_SCHEMA:?}", h.schema),
        });
    }
    Ok(h)
}

/// Record `report` into the history at `path` and write it back atomically.
pub fn update_history(path: &Path, report: &MatrixReport) -> Result<History, ReportError> {
    let mut h = load_history(path)?;
    h.record(report);
    let mut json = serde_json::to_string_pretty(&h).map_err(|e| ReportError::Render {
        what: "history.json",
        message: e.to_string(),
    })?;
    json.push('\n');
    crate::write::write_atomic(path, json.as_bytes())?;
    Ok(h)
}

#[cfg(test)]
#[path = "history_tests.rs"]
mod tests;
