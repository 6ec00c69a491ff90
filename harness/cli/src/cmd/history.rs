//! `results/history.json` after a matrix run: record the run's guest test
//! results and list the tests that failed intermittently in recent runs.

use anyhow::Context;
use harness_report::history::{update_history, TestHistory};
use harness_report::model::MatrixReport;
use std::path::Path;

/// One intermittent test for the run's output.
pub struct Intermittent {
    pub cell: String,
    pub test: String,
    /// Recent results, oldest first, e.g. `pass fail pass`.
    pub recent: String,
}

fn line(h: &TestHistory) -> Intermittent {
    let words: Vec<String> = h
        .runs
        .iter()
        .map(|r| harness_report::status::Word::word(r.result).to_owned())
        .collect();
    Intermittent {
        cell: format!("{}@{}:{}", h.series, h.tree, h.config),
        test: h.test.clone(),
        recent: words.join(" "),
    }
}

/// Record a complete run into `<results>/history.json`; an interrupted run
/// is not recorded (its missing tests would read as failures).
pub fn record(results: &Path, report: &MatrixReport) -> anyhow::Result<Vec<Intermittent>> {
    if !report.complete {
        return Ok(Vec::new());
    }
    let path = results.join("history.json");
    let h = update_history(&path, report)
        .with_context(|| format!("updating the test history {}", path.display()))?;
    Ok(h.intermittent_in(&report.run_id)
        .into_iter()
        .map(line)
        .collect())
}

/// `intermittent CELL test NAME: pass fail pass (results/history.json)`,
/// to stderr when stdout carries the JSON report.
pub fn print(list: &[Intermittent], json_on_stdout: bool) {
    for i in list {
        let l = format!(
            "intermittent {}: guest test {} in recent runs: {} (results/history.json)",
            i.cell, i.test, i.recent
        );
        if json_on_stdout {
            eprintln!("{l}");
        } else {
            crate::common::outln!("{l}");
        }
    }
}
