//! Warnings for hunks that applied somewhere a maintainer should check:
//! fuzz that left nothing distinctive to place the hunk, a matched part that
//! fits several places, a fuzzy apply far from where the header says, or a
//! look-alike of the preimage at the expected place while the hunk went
//! elsewhere. Each warning says which of these fired.
//!
//! Scored on the synthetic look-alike fixture in `tests/fuzz_warnings.rs`
//! (repeated tables, duplicated functions, moved blocks), which prints the
//! caught misplacements and the false alarms.

use super::align::{is_generic, lead_trail, norm_ws};
use super::HunkContext;

/// A fuzzy apply this many lines or more from the line the header names is
/// flagged: drift of a few hundred lines is common between kernel releases,
/// a jump of this size with context ignored is how a hunk lands in another
/// function.
pub const FAR_OFFSET: usize = 400;

/// Where a hunk was placed: `at` the 1-based line of its preimage, `expected`
/// the line GNU looked first (header line plus earlier hunks' offset).
#[derive(Debug, Clone, Copy)]
pub struct Placed {
    pub at: usize,
    pub expected: usize,
    pub fuzz: usize,
}

/// Lines GNU's fuzz strips from the front and back of a preimage with
/// `prefix`/`suffix` context lines at fuzz level `fuzz` (patch.c locate_hunk).
fn gnu_strip(prefix: usize, suffix: usize, fuzz: usize) -> (usize, usize) {
    let context = prefix.max(suffix);
    let pf = (fuzz + prefix).saturating_sub(context).min(prefix);
    let sf = (fuzz + suffix).saturating_sub(context).min(suffix);
    (pf, sf)
}

fn show(l: &str) -> String {
    if l.trim().is_empty() {
        "(blank)".to_owned()
    } else {
        format!("`{}`", l.trim())
    }
}

/// Warnings for a hunk applied with fuzz or offset; `hunk.file` is the file
/// the hunk was applied to (before this hunk). Empty when nothing is suspicious.
pub fn placement_warnings(hunk: &HunkContext<'_>, p: &Placed) -> Vec<String> {
    let mut out = Vec::new();
    let old = hunk.old_lines;
    let (lead, trail) = lead_trail(old, hunk.new_lines);
    let fuzz = p.fuzz;
    let (pf, sf) = gnu_strip(lead, trail, fuzz);
    let matched = old.get(pf..old.len().saturating_sub(sf)).unwrap_or(&[]);
    let distance = p.at.abs_diff(p.expected);
    if fuzz > 0 {
        let kept_context = (lead + trail).saturating_sub(pf + sf);
        if kept_context == 0 && lead + trail > 0 {
            out.push(format!(
                "applied with fuzz {fuzz} at line {}: all {} context line(s) were ignored, only the changed lines placed the hunk; check it",
                p.at,
                lead + trail
            ));
        } else if !matched.is_empty() && matched.iter().all(|l| is_generic(l)) {
            let shown: Vec<String> = matched.iter().take(4).map(|l| show(l)).collect();
            out.push(format!(
                "applied with fuzz {fuzz} at line {}: the lines left to place it are generic ({}), so nothing confirms the place; check it",
                p.at,
                shown.join(", ")
            ));
        }
        if distance >= FAR_OFFSET {
            out.push(format!(
                "applied with fuzz {fuzz} at line {}, {distance} lines from line {} where the patch expects it: check it did not land in other code",
                p.at, p.expected
            ));
        }
    }
    if let Some(file) = hunk.file {
        // The search takes the match nearest the expected line: one right
        // there is where the patch says, only one away from it can be the
        // wrong look-alike (warning at distance 0 too was half the false
        // alarms on the fixture).
        let searched = match (distance, fuzz) {
            (0, _) => &[][..],
            (_, 0) => old,
            _ => matched,
        };
        if !searched.is_empty() {
            let nm: Vec<String> = searched.iter().map(|l| norm_ws(l)).collect();
            let hits = find_all_ws(file, &nm);
            if hits.len() > 1 {
                let shown: Vec<String> = hits.iter().take(6).map(|h| (h + 1).to_string()).collect();
                out.push(format!(
                    "applied with fuzz {fuzz} at line {} (expected at {}), but the part of the hunk that matched fits {} places (lines {}): it may have landed in the wrong one",
                    p.at,
                    p.expected,
                    hits.len(),
                    shown.join(", ")
                ));
            }
        }
        if distance > 0 {
            if let Some(w) = look_alike_at_expected(old, file, p) {
                out.push(w);
            } else {
                let eq = |a: &&str, b: &&str| norm_ws(a) == norm_ws(b);
                let near = near_copy_starts(old, file, p, eq);
                if !near.is_empty() {
                    let shown: Vec<String> =
                        near.iter().take(6).map(|h| (h + 1).to_string()).collect();
                    out.push(format!(
                        "applied at line {} (fuzz {fuzz}, expected at {}), but near-copies of the hunk's preimage are at lines {}: look-alike code, check it went to the right one",
                        p.at,
                        p.expected,
                        shown.join(", ")
                    ));
                }
            }
        }
    }
    out
}

/// The expected place holds a near-copy of the preimage (most of its
/// distinctive lines, not all), while the hunk went elsewhere: a
/// neighbouring look-alike table or function took it.
fn look_alike_at_expected(old: &[&str], file: &[&str], p: &Placed) -> Option<String> {
    let start = p.expected.checked_sub(1)?;
    let region = file.get(start..)?;
    let distinctive = old.iter().filter(|l| !is_generic(l)).count();
    if distinctive < 2 {
        return None;
    }
    let pairs: Vec<bool> = old
        .iter()
        .zip(region)
        .map(|(a, b)| norm_ws(a) == norm_ws(b))
        .collect();
    let all_same = pairs.len() == old.len() && pairs.iter().all(|&s| s);
    let same = old
        .iter()
        .zip(&pairs)
        .filter(|(a, s)| **s && !is_generic(a))
        .count();
    (same * 2 >= distinctive && !all_same).then(|| {
        format!(
            "applied at line {} (fuzz {}), but line {} where the patch expects it holds a look-alike of the hunk ({same} of its {distinctive} distinctive lines): check which of the two it belongs to",
            p.at, p.fuzz, p.expected
        )
    })
}

/// Lines looked at around the expected and the applied place for near-copies.
pub const NEAR: usize = 60;

/// 0-based starts, other than the applied place, between the expected and
/// the applied place (widened by `NEAR`) where all but a few lines of `old`
/// (at most a quarter, at least one) are found: a repeated table or a copy
/// of the function. Generic over the line type so the engine can pre-check
/// on bytes before converting lines.
pub fn near_copy_starts<T>(
    old: &[T],
    file: &[T],
    p: &Placed,
    eq: impl Fn(&T, &T) -> bool,
) -> Vec<usize> {
    let n = old.len();
    if n < 4 {
        return Vec::new();
    }
    let limit = (n / 4).max(1);
    let at = p.at.saturating_sub(1);
    let lo = p.at.min(p.expected).saturating_sub(1 + NEAR);
    let hi = (p.at.max(p.expected) + NEAR).min(file.len().saturating_sub(n));
    let mut out = Vec::new();
    for s in lo..=hi {
        if s == at || s + n > file.len() {
            continue;
        }
        let mut miss = 0;
        for (a, b) in old.iter().zip(&file[s..s + n]) {
            if !eq(a, b) {
                miss += 1;
                if miss > limit {
                    break;
                }
            }
        }
        if miss <= limit {
            out.push(s);
        }
    }
    out
}

/// As `placement_warnings` for a hunk placed where it was expected.
pub fn fuzz_warnings(hunk: &HunkContext<'_>, fuzz: usize) -> Vec<String> {
    let at = hunk.expected_line;
    placement_warnings(
        hunk,
        &Placed {
            at,
            expected: at,
            fuzz,
        },
    )
}

/// Where `block` (whitespace-normalised lines) occurs in `file` once
/// whitespace is ignored: `find_all` over the normalised file, without
/// normalising (allocating) every line of it for each hunk.
fn find_all_ws(file: &[&str], block: &[String]) -> Vec<usize> {
    if block.is_empty() || block.len() > file.len() {
        return Vec::new();
    }
    let eq = |line: &str, norm: &str| line.chars().filter(|c| !c.is_whitespace()).eq(norm.chars());
    (0..=file.len() - block.len())
        .filter(|&s| block.iter().zip(&file[s..]).all(|(n, l)| eq(l, n)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::align::find_all;

    #[test]
    fn whitespace_blind_search_is_find_all_over_the_normalised_file() {
        let file = [
            "\tif (x)",
            "if(x)",
            "  return 0;",
            "}",
            "if (x) ",
            "return\t0;",
            "",
        ];
        let nfile: Vec<String> = file.iter().map(|l| norm_ws(l)).collect();
        for block in [
            &["if (x)"][..],
            &["if (x)", "return 0;"],
            &[""],
            &["}", "if(x)"],
            &["nope"],
        ] {
            let nb: Vec<String> = block.iter().map(|l| norm_ws(l)).collect();
            assert_eq!(find_all_ws(&file, &nb), find_all(&nfile, &nb), "{block:?}");
        }
        assert_eq!(find_all_ws(&file, &["if(x)".into()]), vec![0, 1, 4]);
    }
}
