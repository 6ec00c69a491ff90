//! `harness.walk/1`: the tree built after each patch of a series
//! (`harness build --per-patch --json`, the matrix's `bisect: true`).

use crate::build::Severity;
use serde::{Deserialize, Serialize};

pub const WALK_SCHEMA: &str = "harness.walk/1";

/// A diagnostic as the walk reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WalkDiag {
    pub severity: Severity,
    pub file: Option<String>,
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub message: String,
    pub flag: Option<String>,
    /// The series patch that added the line, null = the base tree.
    pub patch: Option<String>,
}

/// The build after one step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepStatus {
    Passed,
    Failed,
    /// Not built: the patch did not apply (or an earlier one did not).
    NotApplied,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StepReport {
    /// 0 = the base tree, else the 1-based patch index.
    pub index: usize,
    pub name: String,
    pub subject: Option<String>,
    pub status: StepStatus,
    /// Why the walk stopped here (the apply verdict), when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Files this patch changed (rewritten in the worktree before its build).
    pub changed_files: Vec<String>,
    pub seconds: f64,
    pub recompiled: usize,
    pub errors: Vec<WalkDiag>,
    pub warnings_added: Vec<WalkDiag>,
    pub warnings_removed: Vec<WalkDiag>,
    /// Warnings present after this step (passed builds only).
    pub warnings_total: usize,
    /// For a failed build: commands that rebuild the tree as it stood after
    /// this patch (set by the caller, which knows the command line).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reproduce: Option<String>,
}

/// A patch that broke the build, and the later one that fixed it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Break {
    pub broken_by: usize,
    pub fixed_by: Option<usize>,
    /// The first error of the breaking build.
    pub error: Option<WalkDiag>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WalkReport {
    pub schema: String,
    pub series: String,
    pub tree: String,
    /// Build directory (make O=).
    pub out: String,
    /// Step 0 is the base tree.
    pub steps: Vec<StepReport>,
    pub breaks: Vec<Break>,
    /// The patch whose failure to apply ended the walk.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped_at: Option<usize>,
}

impl WalkReport {
    /// Exit status 1: some step did not build, or a patch did not apply.
    pub fn failed(&self) -> bool {
        self.stopped_at.is_some() || self.steps.iter().any(|s| s.status == StepStatus::Failed)
    }

    /// Fill `breaks` from the steps (base failing is not a patch's break).
    pub fn find_breaks(&mut self) {
        let mut breaks: Vec<Break> = Vec::new();
        let mut prev_ok = self.steps.first().map(|s| s.status == StepStatus::Passed);
        for s in self.steps.iter().skip(1) {
            let ok = match s.status {
                StepStatus::Passed => true,
                StepStatus::Failed => false,
                StepStatus::NotApplied => break,
            };
            match (prev_ok, ok) {
                (Some(true), false) => breaks.push(Break {
                    broken_by: s.index,
                    fixed_by: None,
                    error: s.errors.first().cloned(),
                }),
                (Some(false), true) => {
                    if let Some(b) = breaks.last_mut().filter(|b| b.fixed_by.is_none()) {
                        b.fixed_by = Some(s.index);
                    }
                }
                _ => {}
            }
            prev_ok = Some(ok);
        }
        self.breaks = breaks;
    }
}
