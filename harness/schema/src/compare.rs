//! `harness.compare/1`: what got worse (regressions) and what got better
//! (fixes) between two matrix runs (`harness report compare --json`,
//! `results/<run>/compare.json`).

use serde::{Deserialize, Serialize};

pub const COMPARE_SCHEMA: &str = "harness.compare/1";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    CellAdded,
    CellRemoved,
    HunkFailing,
    HunkFixed,
    HunkChanged,
    KconfigFailing,
    KconfigFixed,
    BuildFailing,
    BuildFixed,
    BuildSkipped,
    BuildError,
    BuildWarning,
    BuildWarningGone,
    BootFailing,
    BootFixed,
    BootSkipped,
    TestFailing,
    TestFixed,
    TestMissing,
    TestAdded,
    /// A test that failed and passed in a fresh boot of the same run: not a
    /// regression (and not a fix), listed under `other`.
    TestFlaky,
    NowUnexpected,
    NowAsExpected,
}

/// One difference between two runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub kind: ChangeKind,
    /// Cell id ("series@tree:config").
    pub cell: String,
    /// What inside the cell: "patch / file / hunk #N", "test NAME",
    /// "build", "boot", "file:line: message".
    pub key: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub old: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub new: Option<String>,
    /// One line for people.
    pub message: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Comparison {
    pub schema: String,
    pub old_run: String,
    pub new_run: String,
    pub regressions: Vec<Change>,
    pub fixes: Vec<Change>,
    /// Neither better nor worse: cells added, hunks moving between applied
    /// and already-applied, fuzz changes, tests added.
    pub other: Vec<Change>,
}

impl Comparison {
    pub fn has_regressions(&self) -> bool {
        !self.regressions.is_empty()
    }

    /// What a report says about its previous run: the counts and the
    /// first regressions, one line each (the message usually names the
    /// cell; otherwise the cell is put in front).
    pub fn previous_run(&self) -> crate::matrix::PreviousRun {
        let headlines = self
            .regressions
            .iter()
            .take(PREVIOUS_HEADLINES)
            .map(|r| {
                if r.message.starts_with(r.cell.as_str()) {
                    r.message.clone()
                } else {
                    format!("{}: {}", r.cell, r.message)
                }
            })
            .collect();
        crate::matrix::PreviousRun {
            run_id: self.old_run.clone(),
            dir: None,
            regressions: self.regressions.len(),
            fixes: self.fixes.len(),
            other: self.other.len(),
            headlines,
        }
    }
}

/// Regressions named in a report's previous-run line (the rest are counted
/// and are in compare.json).
pub const PREVIOUS_HEADLINES: usize = 5;
