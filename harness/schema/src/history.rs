//! `harness.history/1` (`results/history.json`): the recent results of
//! every guest test per (series, tree, config), newest last, so a test that
//! fails now and then is marked `intermittent`.

use serde::{Deserialize, Serialize};

pub const HISTORY_SCHEMA: &str = "harness.history/1";
/// Runs kept per test.
pub const HISTORY_RUNS: usize = 10;

crate::word_enum! {
    /// A test's result in one run.
    pub enum RunResult ("test result") {
        Pass = "pass",
        Fail = "fail",
        /// Failed, then passed in a fresh boot of the same run.
        Flaky = "flaky",
        Skip = "skip",
        Xfail = "xfail",
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunEntry {
    pub run: String,
    pub result: RunResult,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestHistory {
    pub series: String,
    pub tree: String,
    pub config: String,
    /// Test name as in the report (`parent.subtest` for a subtest).
    pub test: String,
    /// Oldest first, at most [`HISTORY_RUNS`].
    pub runs: Vec<RunEntry>,
    /// Flaky in a kept run, or both failed and passed in the kept runs.
    pub intermittent: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct History {
    pub schema: String,
    pub tests: Vec<TestHistory>,
}

impl Default for History {
    fn default() -> Self {
        History {
            schema: HISTORY_SCHEMA.into(),
            tests: Vec::new(),
        }
    }
}

impl History {
    /// Intermittent tests that ran in `run_id`.
    pub fn intermittent_in(&self, run_id: &str) -> Vec<&TestHistory> {
        self.tests
            .iter()
            .filter(|h| h.intermittent && h.runs.last().is_some_and(|e| e.run == run_id))
            .collect()
    }
}
