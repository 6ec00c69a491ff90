//! b4's CI check protocol (`b4 review`, `review-perpatch-check-cmd`).
//!
//! b4 (0.16, `b4/review/checks.py`, `_run_external_cmd`) runs the command in
//! the repository's top directory with one patch as an RFC 822 message on
//! stdin, and reads stdout as JSON: a list (or one object) of
//! `{tool, status, summary, url, details}`. `status` must be `pass`, `warn`
//! or `fail` (anything else becomes `fail`); a missing `tool` becomes the
//! command's name. Empty stdout with a non-zero exit is shown as "exited with
//! error code N" with stderr as details. `details` is a string; the TUI shows
//! a JSON list of `{status, description, srcline?}` in it as one line per
//! finding (what b4's own checkpatch handler writes), anything else as text.

use serde::{Deserialize, Serialize};

use crate::checkpatch::{Finding, Level};
use crate::report::place;

/// The statuses b4 accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Warn,
    Fail,
}

/// One entry of the JSON list on stdout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckResult {
    pub tool: String,
    pub status: Status,
    pub summary: String,
    pub url: String,
    /// A JSON list of [`DetailLine`], as a string (b4 stores it as text).
    pub details: String,
}

/// One line of `details` as b4's TUI shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DetailLine {
    pub status: Status,
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub srcline: Option<String>,
}

pub fn details(lines: &[DetailLine]) -> String {
    if lines.is_empty() {
        return String::new();
    }
    serde_json::to_string(lines).unwrap_or_default()
}

fn level_status(l: Level) -> Status {
    match l {
        Level::Error => Status::Fail,
        Level::Warning | Level::Check => Status::Warn,
    }
}

/// checkpatch's findings as one b4 result (tool `checkpatch`): errors fail,
/// warnings and checks warn, as b4's built-in checkpatch handler decides.
pub fn checkpatch_result(findings: &[Finding]) -> CheckResult {
    let status = findings
        .iter()
        .map(|f| level_status(f.level))
        .max()
        .unwrap_or(Status::Pass);
    let n = |l: Level| findings.iter().filter(|f| f.level == l).count();
    let summary = if findings.is_empty() {
        "passed all checks".to_owned()
    } else {
        format!(
            "{} errors, {} warnings, {} checks",
            n(Level::Error),
            n(Level::Warning),
            n(Level::Check)
        )
    };
    let lines: Vec<DetailLine> = findings
        .iter()
        .map(|f| {
            let at = place(f);
            let head = format!("{}:{}: {}", f.level.word(), f.kind, f.message);
            DetailLine {
                status: level_status(f.level),
                description: if at.is_empty() {
                    head
                } else {
                    format!("{at}: {head}")
                },
                srcline: f.quoted.first().cloned(),
            }
        })
        .collect();
    CheckResult {
        tool: "checkpatch".to_owned(),
        status,
        summary,
        url: String::new(),
        details: details(&lines),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_as_b4_reads_it() {
        let f = Finding {
            level: Level::Warning,
            kind: "TYPO_SPELLING".into(),
            message: "'teh' may be misspelled - perhaps 'the'?".into(),
            file: Some("net/a.c".into()),
            line: Some(4),
            patch_line: Some(20),
            quoted: vec!["+/* teh */".into()],
        };
        let r = checkpatch_result(&[f]);
        let v = serde_json::to_value(&r).expect("json");
        assert_eq!(v["status"], "warn");
        assert_eq!(v["tool"], "checkpatch");
        let d: Vec<DetailLine> = serde_json::from_str(&r.details).expect("details");
        assert_eq!(
            d[0].description,
            "net/a.c:4: WARNING:TYPO_SPELLING: 'teh' may be misspelled - perhaps 'the'?"
        );
        assert_eq!(checkpatch_result(&[]).status, Status::Pass);
    }

    #[test]
    fn a_mail_without_a_diff_fails_with_its_reason() {
        let p = harness_core::report::PatchResult {
            index: 1,
            name: "stdin".into(),
            subject: None,
            status: harness_core::report::AggregateStatus::Malformed,
            files: vec![],
            errors: vec!["no diff found in the patch".into()],
            message_id: None,
            revision: None,
        };
        let r = apply_result(&p, "linux-6.1");
        assert_eq!(r.status, Status::Fail);
        assert_eq!(
            r.summary,
            "nothing applies to linux-6.1: no diff found in the patch"
        );
    }
}

/// One patch's apply verdict as a b4 result (tool `harness-apply`): `pass`
/// when every hunk applied exactly (or was already applied), `warn` when some
/// hunk needed fuzz or drew a warning, `fail` when a hunk failed or is
/// malformed, with a details line per such hunk (its diagnosis).
pub fn apply_result(p: &harness_core::report::PatchResult, tree: &str) -> CheckResult {
    use harness_core::report::HunkStatus;
    let mut lines = Vec::new();
    let (mut failed, mut fuzzy, mut hunks) = (0usize, 0usize, 0usize);
    for e in &p.errors {
        failed += 1;
        lines.push(DetailLine {
            status: Status::Fail,
            description: e.clone(),
            srcline: None,
        });
    }
    for f in &p.files {
        if let Some(r) = &f.reason {
            lines.push(DetailLine {
                status: Status::Fail,
                description: format!("{}: {r}", f.path),
                srcline: None,
            });
        }
        for h in &f.hunks {
            hunks += 1;
            let at = h.line.map(|l| format!(":{l}")).unwrap_or_default();
            let head = format!("{}{at} hunk #{}", f.path, h.index);
            match h.status {
                HunkStatus::Failed | HunkStatus::Malformed => {
                    failed += 1;
                    let why = h.diagnosis.as_ref().map_or_else(
                        || "does not apply".to_owned(),
                        |d| match d.next_step.as_str() {
                            "" => d.summary.clone(),
                            n => format!("{} Next: {n}", d.summary),
                        },
                    );
                    lines.push(DetailLine {
                        status: Status::Fail,
                        description: format!("{head}: {why}"),
                        srcline: None,
                    });
                }
                HunkStatus::Applied if h.fuzz.unwrap_or(0) > 0 || !h.warnings.is_empty() => {
                    fuzzy += 1;
                    let mut d = format!("{head}: applied with fuzz {}", h.fuzz.unwrap_or(0));
                    for w in &h.warnings {
                        d.push_str("; ");
                        d.push_str(w);
                    }
                    lines.push(DetailLine {
                        status: Status::Warn,
                        description: d,
                        srcline: None,
                    });
                }
                _ => {}
            }
        }
    }
    let no_files = p.files.is_empty();
    let status = if failed > 0 || no_files {
        Status::Fail
    } else if fuzzy > 0 {
        Status::Warn
    } else {
        Status::Pass
    };
    let summary = if hunks == 0 && (no_files || failed > 0) {
        match p.errors.first() {
            Some(e) => format!("nothing applies to {tree}: {e}"),
            None => format!("no file changes to apply to {tree}"),
        }
    } else if failed > 0 {
        format!("does not apply to {tree}: {failed} of {hunks} hunks failed")
    } else if fuzzy > 0 {
        format!("applies to {tree} with fuzz: {fuzzy} of {hunks} hunks")
    } else {
        format!("applies to {tree}: {hunks} hunks")
    };
    CheckResult {
        tool: "harness-apply".to_owned(),
        status,
        summary,
        url: String::new(),
        details: details(&lines),
    }
}
