//! `harness.checkpatch/1`: checkpatch's findings for every patch of a series.

use serde::{Deserialize, Serialize};

/// checkpatch's three levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    Check,
    Warning,
    Error,
}

impl Level {
    /// The word checkpatch prints.
    pub fn word(self) -> &'static str {
        match self {
            Level::Error => "ERROR",
            Level::Warning => "WARNING",
            Level::Check => "CHECK",
        }
    }

    pub fn from_word(w: &str) -> Option<Level> {
        match w {
            "ERROR" => Some(Level::Error),
            "WARNING" => Some(Level::Warning),
            "CHECK" => Some(Level::Check),
            _ => None,
        }
    }
}

/// One report of checkpatch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub level: Level,
    /// checkpatch's type (`--show-types`), e.g. `CODE_INDENT`, `TYPO_SPELLING`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The message, its lines joined by a newline.
    pub message: String,
    /// The file the finding is in (`FILE:` part), when it is about a diff line.
    pub file: Option<String>,
    /// Line in `file` after the patch (checkpatch's `realline`).
    pub line: Option<u32>,
    /// Line in the patch as posted (`#N:`), when checkpatch gave one.
    pub patch_line: Option<u32>,
    /// The quoted line(s) of the patch, as checkpatch printed them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub quoted: Vec<String>,
}

/// The counts of checkpatch's `total:` line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Totals {
    pub errors: u32,
    pub warnings: u32,
    pub checks: u32,
    /// Lines checked (added lines of the diff).
    pub lines: u32,
}

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
