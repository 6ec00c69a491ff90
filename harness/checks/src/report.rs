//! `harness.checkpatch/1`: checkpatch's findings for every patch of a series.

use serde::{Deserialize, Serialize};

use crate::checkpatch::{Finding, Level, Totals};

pub const CHECKPATCH_SCHEMA: &str = "harness.checkpatch/1";

/// A patch's (or the series') checkpatch verdict: its worst finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Clean,
    Checks,
    Warnings,
    Errors,
}

impl Verdict {
    pub fn of(findings: &[Finding]) -> Verdict {
        match findings.iter().map(|f| f.level).max() {
            None => Verdict::Clean,
            Some(Level::Check) => Verdict::Checks,
            Some(Level::Warning) => Verdict::Warnings,
            Some(Level::Error) => Verdict::Errors,
        }
    }

    /// Errors and warnings fail; checks (`--strict` suggestions) do not.
    pub fn failed(self) -> bool {
        self >= Verdict::Warnings
    }

    pub fn word(self) -> &'static str {
        match self {
            Verdict::Clean => "clean",
            Verdict::Checks => "checks",
            Verdict::Warnings => "warnings",
            Verdict::Errors => "errors",
        }
    }
}

/// One patch's checkpatch result.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PatchResult {
    /// 1-based position in series order.
    pub index: usize,
    pub name: String,
    pub subject: Option<String>,
    pub status: Verdict,
    pub totals: Totals,
    pub findings: Vec<Finding>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckpatchReport {
    pub schema: String,
    pub series: String,
    pub tree: String,
    /// The script run (the tree's `scripts/checkpatch.pl`).
    pub script: String,
    /// Its arguments, the patch (`-`, stdin) last.
    pub args: Vec<String>,
    /// `--codespell` was passed.
    pub codespell: bool,
    /// Worst over all patches.
    pub status: Verdict,
    pub patches: Vec<PatchResult>,
}

impl CheckpatchReport {
    pub fn new(series: &str, tree: &str, script: &str) -> CheckpatchReport {
        CheckpatchReport {
            schema: CHECKPATCH_SCHEMA.to_owned(),
            series: series.to_owned(),
            tree: tree.to_owned(),
            script: script.to_owned(),
            args: Vec::new(),
            codespell: false,
            status: Verdict::Clean,
            patches: Vec::new(),
        }
    }

    /// Add a patch's run (the report's args and codespell come from the first).
    pub fn push(&mut self, index: usize, name: &str, subject: Option<String>, run: crate::Run) {
        if self.patches.is_empty() {
            self.args = run.args.clone();
            self.codespell = run.codespell_dictionary.is_some();
        }
        let status = Verdict::of(&run.findings);
        self.status = self.status.max(status);
        self.patches.push(PatchResult {
            index,
            name: name.to_owned(),
            subject,
            status,
            totals: run.totals,
            findings: run.findings,
        });
    }
}

/// `file:line` of a finding, or `patch line N`, or "".
pub fn place(f: &Finding) -> String {
    match (&f.file, f.line, f.patch_line) {
        (Some(file), Some(line), _) => format!("{file}:{line}"),
        (_, _, Some(n)) => format!("patch line {n}"),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(level: Level) -> Finding {
        Finding {
            level,
            kind: "X".into(),
            message: "m".into(),
            file: None,
            line: None,
            patch_line: Some(3),
            quoted: vec![],
        }
    }

    #[test]
    fn verdict_is_the_worst_level() {
        assert_eq!(Verdict::of(&[]), Verdict::Clean);
        let fs = [finding(Level::Check), finding(Level::Warning)];
        assert_eq!(Verdict::of(&fs), Verdict::Warnings);
        assert!(Verdict::Warnings.failed());
        assert!(!Verdict::Checks.failed());
        assert_eq!(place(&fs[0]), "patch line 3");
    }
}
