//! Hunk-by-hunk comparison of a `harness apply` report with the GNU oracle.
//!
//! Rules (docs/contract.md, harness.apply/1):
//! - GNU applied: harness `applied` with the same offset, fuzz and line.
//! - GNU FAILED: harness `failed` with the same line (offset/fuzz null); or
//!   harness `already-applied` if the hunk applies in reverse exactly
//!   (counted apart as "already-applied accepted").
//! - GNU skipped the file as reversed (or "would create X, which already
//!   exists"): harness `already-applied`, and the hunk must apply in reverse
//!   exactly (counted as "already-applied accepted").
//! - GNU found hunk #1 reversed only with fuzz ("Reversed (or previously
//!   applied)"): harness `already-applied` is GNU's own verdict; agreement,
//!   counted apart in the table.
//! - GNU "would create X, which already exists": harness `failed` (not applied
//!   either) agrees.
//! - GNU skipped the file as reversed, for a hunk after #1 (GNU never tried
//!   it: with -N it skips the rest of a file whose hunk #1 is reversed):
//!   harness `failed` agrees when the harness, too, left it out (the engine
//!   skips the rest of such a file the same way and explains the hunk as
//!   partly-applied); `already-applied` as above.
//! - GNU could not find the file: harness `failed` (GNU's "ignored at L" is
//!   not a placement, so `line` is not compared there).
//! - GNU "would delete X, which does not exist": `failed` or `already-applied`.
//! - GNU refused the file (not a regular file): `failed` or `malformed`.
//! Every hunk on one side must exist on the other: patches by index, files
//! by (path, n-th occurrence in the patch), hunks by GNU's per-file number.

use super::gnu::{SeriesRun, Skip, Status};
use super::harness::{HHunk, HPatch};
use super::series::Entry;
use std::collections::BTreeMap;
use std::fmt::Write as _;

#[derive(Debug, Default)]
pub struct Comparison {
    pub hunks: usize,
    pub agree: usize,
    pub accepted: usize,
    /// Hunk #1 GNU found reversed only with fuzz; harness already-applied.
    pub gnu_reversed_fuzzy: usize,
    pub disagreements: Vec<String>,
    /// (GNU verdict kind, harness status) -> count, for the table.
    pub matrix: BTreeMap<(String, String), usize>,
}

impl Comparison {
    pub fn table(&self, title: &str) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "== {title}");
        let _ = writeln!(
            s,
            "   hunks {:5}   agree {:5}   already-applied-accepted {:5}   disagree {:5}",
            self.hunks,
            self.agree,
            self.accepted,
            self.disagreements.len()
        );
        if self.gnu_reversed_fuzzy > 0 {
            let _ = writeln!(
                s,
                "   (of the agreeing: {} hunk #1 GNU itself found reversed with fuzz, harness already-applied)",
                self.gnu_reversed_fuzzy
            );
        }
        let _ = writeln!(s, "   {:<28} {:<16} {:>6}", "GNU", "harness", "hunks");
        for ((g, h), n) in &self.matrix {
            let _ = writeln!(s, "   {g:<28} {h:<16} {n:>6}");
        }
        s
    }
}

fn gnu_kind(st: &Status) -> String {
    match st {
        Status::Applied {
            fuzz: 0, offset: 0, ..
        } => "applied exact".into(),
        Status::Applied { fuzz: 0, .. } => "applied offset".into(),
        Status::Applied { .. } => "applied fuzz".into(),
        Status::Failed { .. } => "FAILED".into(),
        Status::Ignored { why, .. } => format!("ignored ({why:?})"),
    }
}

fn show_gnu(st: &Status) -> String {
    match st {
        Status::Applied { line, offset, fuzz } => {
            format!("applied line {line} offset {offset} fuzz {fuzz}")
        }
        Status::Failed { line, line_endings } => {
            format!(
                "FAILED at {line}{}",
                if *line_endings { " (line endings)" } else { "" }
            )
        }
        Status::Ignored { line, why } => format!("ignored at {line} ({why:?})"),
    }
}

fn show_h(h: &HHunk) -> String {
    format!(
        "{} line {:?} offset {:?} fuzz {:?}",
        h.status, h.line, h.offset, h.fuzz
    )
}

enum V {
    Agree,
    Accepted,
    AsGnuReversed,
    Disagree(&'static str),
}

fn judge(g: &Status, reverse_exact: Option<bool>, index: usize, h: &HHunk) -> V {
    let rev = reverse_exact == Some(true);
    match (g, h.status.as_str()) {
        (Status::Applied { line, offset, fuzz }, "applied") => {
            if h.offset == Some(*offset) && h.fuzz == Some(*fuzz as i64) && h.line == Some(*line) {
                V::Agree
            } else {
                V::Disagree("placement differs")
            }
        }
        (Status::Failed { line, .. }, "failed") => {
            if h.line != Some(*line) {
                V::Disagree("FAILED line differs")
            } else if h.offset.is_some() || h.fuzz.is_some() {
                V::Disagree("offset/fuzz must be null when not applied")
            } else {
                V::Agree
            }
        }
        (Status::Failed { .. }, "already-applied") => {
            if rev {
                V::Accepted
            } else {
                V::Disagree("already-applied but the hunk does not apply in reverse exactly")
            }
        }
        (
            Status::Ignored {
                why: Skip::Reversed | Skip::CreateExists,
                ..
            },
            "already-applied",
        ) => {
            if rev {
                V::Accepted
            } else if index == 1
                && matches!(
                    g,
                    Status::Ignored {
                        why: Skip::Reversed,
                        ..
                    }
                )
            {
                // GNU's own verdict: hunk #1 found in reverse (at a fuzz level
                // GNU reached before any forward match), "previously applied".
                // The harness runs the same search and says the same thing;
                // not the DESIGN exception (which is for hunks GNU did not
                // call reversed), so counted apart.
                V::AsGnuReversed
            } else {
                V::Disagree("already-applied but the hunk does not apply in reverse exactly")
            }
        }
        (
            Status::Ignored {
                why: Skip::Reversed,
                ..
            },
            "failed",
        ) if index > 1 => {
            // Neither side applied it; offset/fuzz must then be null.
            if h.offset.is_some() || h.fuzz.is_some() {
                V::Disagree("offset/fuzz must be null when not applied")
            } else {
                V::Agree
            }
        }
        (
            Status::Ignored {
                why: Skip::Missing, ..
            },
            "failed",
        ) => V::Agree,
        // "would create X, which already exists! Skipping patch." and the
        // existing file is not the patch's result: neither side applied it.
        (
            Status::Ignored {
                why: Skip::CreateExists,
                ..
            },
            "failed",
        ) => V::Agree,
        (
            Status::Ignored {
                why: Skip::DeleteMissing,
                ..
            },
            "failed",
        ) => V::Agree,
        (
            Status::Ignored {
                why: Skip::DeleteMissing,
                ..
            },
            "already-applied",
        ) => V::Accepted,
        (
            Status::Ignored {
                why: Skip::Refused, ..
            },
            "failed" | "malformed",
        ) => V::Agree,
        _ => V::Disagree("status differs"),
    }
}

pub fn compare(series: &[Entry], gnu: &SeriesRun, harness: &[HPatch]) -> Comparison {
    let mut c = Comparison::default();
    if harness.len() != series.len() {
        c.disagreements.push(format!(
            "harness reports {} patches, the series has {}",
            harness.len(),
            series.len()
        ));
    }
    let by_index: BTreeMap<usize, &HPatch> = harness.iter().map(|p| (p.index, p)).collect();
    for gp in &gnu.patches {
        let label = format!("{:03} {}", gp.index, gp.name);
        let Some(hp) = by_index.get(&gp.index) else {
            c.disagreements
                .push(format!("{label}: missing from the harness report"));
            continue;
        };
        if hp.name != gp.name {
            c.disagreements.push(format!(
                "{label}: harness names patch {} {:?}",
                hp.index, hp.name
            ));
        }
        for e in &gp.errors {
            c.disagreements
                .push(format!("{label}: GNU error (check by hand): {e}"));
        }
        let mut seen = std::collections::BTreeSet::new();
        for gf in &gp.files {
            let hf = hp
                .files
                .iter()
                .find(|f| f.path == gf.path && f.occurrence == gf.occurrence);
            for gh in &gf.hunks {
                c.hunks += 1;
                let hh = hf.and_then(|f| f.hunks.iter().find(|h| h.index == gh.index));
                let Some(hh) = hh else {
                    c.disagreements.push(format!(
                        "{label}: {} hunk #{}: GNU {}, harness has no such hunk",
                        gf.path,
                        gh.index,
                        show_gnu(&gh.status)
                    ));
                    *c.matrix
                        .entry((gnu_kind(&gh.status), "(missing)".into()))
                        .or_default() += 1;
                    continue;
                };
                seen.insert((gf.path.clone(), gf.occurrence, gh.index));
                *c.matrix
                    .entry((gnu_kind(&gh.status), hh.status.clone()))
                    .or_default() += 1;
                match judge(&gh.status, gh.reverse_exact, gh.index, hh) {
                    V::Agree => c.agree += 1,
                    V::Accepted => c.accepted += 1,
                    V::AsGnuReversed => {
                        c.agree += 1;
                        c.gnu_reversed_fuzzy += 1;
                    }
                    V::Disagree(why) => c.disagreements.push(format!(
                        "{label}: {} hunk #{}: {why}: harness {} vs GNU {}{}",
                        gf.path,
                        gh.index,
                        show_h(hh),
                        show_gnu(&gh.status),
                        match gh.reverse_exact {
                            Some(true) => " [reverses exactly]",
                            Some(false) => " [does not reverse]",
                            None => "",
                        }
                    )),
                }
            }
        }
        for hf in &hp.files {
            for hh in &hf.hunks {
                if !seen.contains(&(hf.path.clone(), hf.occurrence, hh.index)) {
                    c.hunks += 1;
                    *c.matrix
                        .entry(("(none)".into(), hh.status.clone()))
                        .or_default() += 1;
                    c.disagreements.push(format!(
                        "{label}: {} hunk #{}: harness {}{}, GNU printed no verdict",
                        hf.path,
                        hh.index,
                        show_h(hh),
                        hf.reason
                            .as_deref()
                            .map(|r| format!(" ({r})"))
                            .unwrap_or_default()
                    ));
                }
            }
        }
    }
    c
}
