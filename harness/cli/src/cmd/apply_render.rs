//! The human form of `harness apply`'s report: hunk lines, per-patch lines,
//! the roll-up (which patches to fix, first one first) and the totals.
//!
//! Status words are the contract's (`AggregateStatus::as_str`), the same as
//! in the JSON report, in every mode.
use std::fmt::Write;

use harness_core::diagnose::Cause;
use harness_core::report::{AggregateStatus, ApplyReport, FileResult, HunkResult, HunkStatus};

/// How much to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// Every hunk that is not exact, a failed hunk as a compiler-style error
    /// (file:line, expected vs found, cause, blame, next step), one line per patch.
    Full,
    /// One line per failed or malformed hunk, then the roll-up.
    Brief,
}

/// Counts of hunks by verdict, plus warnings on applied hunks.
#[derive(Debug, Default, Clone, Copy)]
struct Totals {
    applied: usize,
    already: usize,
    failed: usize,
    malformed: usize,
    warnings: usize,
}

impl Totals {
    fn add(&mut self, h: &HunkResult) {
        match h.status {
            HunkStatus::Applied => self.applied += 1,
            HunkStatus::AlreadyApplied => self.already += 1,
            HunkStatus::Failed => self.failed += 1,
            HunkStatus::Malformed => self.malformed += 1,
        }
        self.warnings += h.warnings.len();
    }
}

pub fn render_human(r: &ApplyReport, detail: Detail) -> String {
    let mut s = String::new();
    let mut totals = Totals::default();
    let total = r.patches.len();
    for p in &r.patches {
        let tag = patch_tag(p.index, total);
        for f in &p.files {
            file_lines(&mut s, f, detail, &tag);
            f.hunks.iter().for_each(|h| totals.add(h));
        }
        for e in &p.errors {
            let _ = writeln!(s, "{tag} {}: {e}", p.name);
        }
        if detail == Detail::Full {
            let hunks: usize = p.files.iter().map(|f| f.hunks.len()).sum();
            let _ = writeln!(
                s,
                "{tag} {:<15} {} ({} file(s), {} hunk(s))",
                p.status.as_str(),
                p.name,
                p.files.len(),
                hunks
            );
        }
    }
    s.push_str(&rollup(r));
    let _ = write!(
        s,
        "{}: {} patch(es); hunks: {} applied, {} already applied, {} failed, {} malformed",
        r.status.as_str(),
        total,
        totals.applied,
        totals.already,
        totals.failed,
        totals.malformed
    );
    if totals.warnings > 0 {
        let hint = if detail == Detail::Brief {
            " (run without --brief to see them)"
        } else {
            ""
        };
        let _ = write!(s, "; {} warning(s){hint}", totals.warnings);
    }
    s.push('\n');
    s
}

/// `[ 3/12]`: the patch's position in the series as applied.
fn patch_tag(index: usize, total: usize) -> String {
    let width = total.to_string().len();
    format!("[{index:>width$}/{total}]")
}

fn file_lines(s: &mut String, f: &FileResult, detail: Detail, tag: &str) {
    if let Some(reason) = &f.reason {
        if f.hunks.is_empty() || f.status == AggregateStatus::Malformed {
            let _ = writeln!(s, "{}: {}: {reason}", f.path, f.status.as_str());
        }
    }
    for h in &f.hunks {
        match detail {
            Detail::Full => full_hunk_line(s, f, h),
            Detail::Brief => brief_hunk_line(s, f, h, tag),
        }
    }
    if let Some(t) = &f.threeway {
        let _ = writeln!(s, "{}: 3-way {}: {}", f.path, t.outcome, t.detail);
    }
}

fn line_of(h: &HunkResult) -> String {
    h.line.map(|l| l.to_string()).unwrap_or_else(|| "?".into())
}

fn summary_of(h: &HunkResult) -> &str {
    h.diagnosis
        .as_ref()
        .map(|d| d.summary.as_str())
        .unwrap_or("")
}

fn malformed_source(h: &HunkResult) -> String {
    h.source_line
        .map(|l| format!(" (patch line {l})"))
        .unwrap_or_default()
}

fn brief_hunk_line(s: &mut String, f: &FileResult, h: &HunkResult, tag: &str) {
    let (path, n, line) = (&f.path, h.index, line_of(h));
    match h.status {
        HunkStatus::Failed => {
            let _ = writeln!(
                s,
                "{tag} {path}:{line}: hunk #{n} failed: {}",
                summary_of(h)
            );
        }
        HunkStatus::Malformed => {
            let src = malformed_source(h);
            let _ = writeln!(
                s,
                "{tag} {path}: hunk #{n} malformed{src}: {}",
                summary_of(h)
            );
        }
        HunkStatus::Applied | HunkStatus::AlreadyApplied => {}
    }
}

fn full_hunk_line(s: &mut String, f: &FileResult, h: &HunkResult) {
    let (path, n, line) = (&f.path, h.index, line_of(h));
    for w in &h.warnings {
        let _ = writeln!(s, "{path}: hunk #{n}: warning: {w}");
    }
    match h.status {
        HunkStatus::Applied => {
            let (off, fz) = (h.offset.unwrap_or(0), h.fuzz.unwrap_or(0));
            if off != 0 || fz != 0 {
                let _ = writeln!(
                    s,
                    "{path}: hunk #{n} applied at {line} (offset {off}, fuzz {fz})"
                );
            }
        }
        HunkStatus::AlreadyApplied => {
            let _ = writeln!(s, "{path}: hunk #{n} already applied (at {line})");
        }
        HunkStatus::Failed => match &h.diagnosis {
            Some(d) => s.push_str(
                &harness_core::diagnose::render_human(d, path, h.line.unwrap_or(0)).replacen(
                    "hunk does not apply",
                    &format!("hunk #{n} does not apply"),
                    1,
                ),
            ),
            None => {
                let _ = writeln!(s, "{path}: hunk #{n} failed at {line}");
            }
        },
        HunkStatus::Malformed => {
            let src = malformed_source(h);
            let _ = writeln!(s, "{path}: hunk #{n} malformed{src}: {}", summary_of(h));
        }
    }
}

/// A patch that is not wholly in the tree, and the earlier patches its
/// failures were traced to.
struct Unapplied {
    index: usize,
    needs: Vec<usize>,
}

fn unapplied(r: &ApplyReport) -> Vec<Unapplied> {
    r.patches
        .iter()
        .filter(|p| !p.status.is_done())
        .map(|p| {
            let mut needs: Vec<usize> = p
                .files
                .iter()
                .flat_map(|f| &f.hunks)
                .filter_map(|h| h.diagnosis.as_ref())
                .filter(|d| d.cause == Cause::DependsOnEarlierPatch)
                .filter_map(|d| d.earlier_patch)
                .filter(|&e| e != p.index)
                .collect();
            needs.sort_unstable();
            needs.dedup();
            Unapplied {
                index: p.index,
                needs,
            }
        })
        .collect()
}

/// "patches not applied: 19, 40, 71 (3 of 165); fix 19 first; 40 follows from 19".
fn rollup(r: &ApplyReport) -> String {
    let bad = unapplied(r);
    if bad.is_empty() {
        return String::new();
    }
    let list: Vec<String> = bad.iter().map(|u| u.index.to_string()).collect();
    let mut s = format!(
        "patches not applied: {} ({} of {})",
        list.join(", "),
        bad.len(),
        r.patches.len()
    );
    // The first to fix: the earliest one whose failures were not traced to
    // another patch (a later failure may be a consequence of an earlier one).
    if let Some(first) = bad.iter().find(|u| u.needs.is_empty()) {
        let _ = write!(s, "; fix {} first", first.index);
    }
    let follows: Vec<String> = bad
        .iter()
        .filter(|u| !u.needs.is_empty())
        .map(|u| {
            let needs: Vec<String> = u.needs.iter().map(usize::to_string).collect();
            format!("{} follows from {}", u.index, needs.join(", "))
        })
        .collect();
    if !follows.is_empty() {
        let _ = write!(s, "; {}", follows.join("; "));
    }
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use harness_core::diagnose::Diagnosis;
    use harness_core::report::PatchResult;

    fn hunk(index: usize, status: HunkStatus, diag: Option<Diagnosis>) -> HunkResult {
        HunkResult {
            index,
            status,
            offset: None,
            fuzz: None,
            line: Some(10),
            source_line: None,
            diagnosis: diag,
            warnings: Vec::new(),
        }
    }

    fn patch(index: usize, status: AggregateStatus, hunks: Vec<HunkResult>) -> PatchResult {
        PatchResult {
            index,
            name: format!("{index:04}-p.patch"),
            subject: None,
            status,
            files: vec![FileResult {
                path: "net/x.c".into(),
                old_path: None,
                status,
                reason: None,
                hunks,
                threeway: None,
            }],
            errors: Vec::new(),
            message_id: None,
            revision: None,
        }
    }

    fn report() -> ApplyReport {
        let mut dep = Diagnosis::new(Cause::DependsOnEarlierPatch, "needs patch 2");
        dep.earlier_patch = Some(2);
        ApplyReport {
            schema: "harness.apply/1".into(),
            series: "s".into(),
            tree: "t".into(),
            tree_identity: None,
            fuzz: 2,
            status: AggregateStatus::Failed,
            patches: vec![
                patch(
                    1,
                    AggregateStatus::Applied,
                    vec![hunk(1, HunkStatus::Applied, None)],
                ),
                patch(
                    2,
                    AggregateStatus::Failed,
                    vec![hunk(
                        1,
                        HunkStatus::Failed,
                        Some(Diagnosis::new(Cause::TargetChanged, "rewritten")),
                    )],
                ),
                patch(
                    3,
                    AggregateStatus::AlreadyApplied,
                    vec![hunk(1, HunkStatus::AlreadyApplied, None)],
                ),
                patch(
                    4,
                    AggregateStatus::Failed,
                    vec![hunk(1, HunkStatus::Failed, Some(dep))],
                ),
            ],
        }
    }

    #[test]
    fn brief_is_one_line_per_failed_hunk_then_the_rollup() {
        let out = render_human(&report(), Detail::Brief);
        let lines: Vec<&str> = out.lines().collect();
        // Two failed hunks, the roll-up, the totals: nothing for applied or
        // already-applied hunks, no per-patch lines.
        assert_eq!(lines.len(), 4, "{out}");
        assert_eq!(lines[0], "[2/4] net/x.c:10: hunk #1 failed: rewritten");
        assert_eq!(lines[1], "[4/4] net/x.c:10: hunk #1 failed: needs patch 2");
        assert_eq!(
            lines[2],
            "patches not applied: 2, 4 (2 of 4); fix 2 first; 4 follows from 2"
        );
        assert!(
            lines[3].starts_with(
                "failed: 4 patch(es); hunks: 1 applied, 1 already applied, 2 failed, 0 malformed"
            ),
            "{out}"
        );
    }

    #[test]
    fn full_output_uses_the_json_words() {
        let out = render_human(&report(), Detail::Full);
        assert!(out.contains("[3/4] already-applied"), "{out}");
        assert!(out.contains("[2/4] failed"), "{out}");
        assert!(!out.contains("FAILED") && !out.contains("Partial"), "{out}");
        assert!(out.contains("fix 2 first"), "{out}");
    }

    #[test]
    fn nothing_to_roll_up_when_every_patch_is_in() {
        let mut r = report();
        r.patches.retain(|p| p.status.is_done());
        assert_eq!(rollup(&r), "");
    }
}
