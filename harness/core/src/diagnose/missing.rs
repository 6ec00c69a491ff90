//! A hunk whose file does not exist: moved (its content is in another file
//! of the same name or directory), created by an earlier failed patch, or
//! missing.

use super::align::{align, is_generic, norm_ws, Alignment};
use super::classify::round2;
use super::others::OtherFiles;
use super::{Cause, Closest, Diagnosis, EarlierFailure, EarlierFailures, HunkContext};

/// Candidates read when looking for a moved file (bounds the work on big trees).
const MAX_MOVE_CANDIDATES: usize = 64;

fn parent_dir(path: &str) -> &str {
    path.rsplit_once('/').map(|(d, _)| d).unwrap_or("")
}

pub fn missing_file(
    h: &HunkContext<'_>,
    tree: &OtherFiles<'_>,
    earlier: &EarlierFailures,
) -> Diagnosis {
    let name = h.path.rsplit('/').next().unwrap_or(h.path);
    let exp0 = h.expected_line.saturating_sub(1);
    let mut cands: Vec<String> = tree
        .paths_named(name)
        .into_iter()
        .filter(|p| p != h.path)
        .take(MAX_MOVE_CANDIDATES)
        .collect();
    for p in tree.paths_in_dir(parent_dir(h.path)) {
        if cands.len() >= 2 * MAX_MOVE_CANDIDATES {
            break;
        }
        if p != h.path && !cands.contains(&p) {
            cands.push(p);
        }
    }
    let distinctive: Vec<String> = h
        .old_lines
        .iter()
        .filter(|l| !is_generic(l))
        .map(|l| norm_ws(l))
        .collect();
    let mut best: Option<(String, f64, Option<Alignment>)> = None;
    if !distinctive.is_empty() {
        for c in &cands {
            let Some(other) = tree.read(c) else { continue };
            let found = distinctive.iter().filter(|l| other.has_norm(l)).count();
            let mut score = found as f64 / distinctive.len() as f64;
            let same_name = c.rsplit('/').next() == Some(name);
            if same_name {
                score += 0.001; // prefer same-name files on ties
            }
            if best.as_ref().is_none_or(|(_, b, _)| score > *b) {
                let lines: Vec<&str> = other.text.lines().collect();
                let a = align(h.old_lines, &lines, exp0);
                best = Some((c.clone(), score, a));
            }
        }
    }
    if let Some((to, score, a)) = best {
        if score >= 0.5 {
            let mut d = Diagnosis::new(
                Cause::FileMoved,
                format!(
                    "{} does not exist; its content is now in {}: {:.0}% of the hunk's distinctive preimage lines are there{}",
                    h.path,
                    to,
                    (score.min(1.0)) * 100.0,
                    a.map(|a| format!(", best match at line {}", a.start + 1)).unwrap_or_default()
                ),
            );
            if let Some(a) = a {
                d.closest = Some(Closest {
                    line: a.start + 1,
                    len: a.len,
                    score: round2(a.score),
                });
            }
            d.next_step = format!(
                "retarget the hunk to {to} (rewrite `--- a/{}` and `+++ b/{}` in the patch), then apply again",
                h.path, h.path
            );
            d.moved_to = Some(to);
            return d;
        }
    }
    if let Some(EarlierFailure::Patch { index, label }) = earlier.failed_on(h.path) {
        let mut d = Diagnosis::new(
            Cause::DependsOnEarlierPatch,
            format!(
                "{} does not exist and patch {label} of this series, which also changes it, failed: the file is probably created there",
                h.path
            ),
        );
        d.earlier_patch = Some(index);
        d.next_step = format!("fix patch {label} first, then re-check this hunk");
        return d;
    }
    let same: Vec<&String> = cands
        .iter()
        .filter(|c| c.rsplit('/').next() == Some(name))
        .collect();
    let mut d = Diagnosis::new(
        Cause::FileMissing,
        if same.is_empty() {
            format!(
                "{} does not exist in the tree and no file with its name or content was found",
                h.path
            )
        } else {
            format!(
                "{} does not exist in the tree; files with the same name ({}) do not contain the hunk's preimage",
                h.path,
                same.iter().take(4).map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
            )
        },
    );
    d.next_step = format!(
        "check whether {} was removed upstream, or is created by a patch missing from the series",
        h.path
    );
    d
}
