//! Line-level helpers: generic-line detection, whitespace normalisation,
//! exact search and best (fuzzy) alignment of a block of lines in a file.

use super::index::FileIndex;
use super::{DiffLine, DiffTag};
use similar::{capture_diff_slices, Algorithm, DiffOp};
use std::cmp::Reverse;
use std::collections::HashMap;

/// Lines that say nothing about where they are: braces, blanks, `#endif`,
/// `return 0;`, comment delimiters. Matching on them alone proves nothing.
pub fn is_generic(line: &str) -> bool {
    let t = line.trim();
    if t.chars().filter(|c| !c.is_whitespace()).count() <= 2 {
        return true;
    }
    matches!(
        t,
        "#endif"
            | "#else"
            | "return 0;"
            | "return;"
            | "break;"
            | "continue;"
            | "return ret;"
            | "return err;"
            | "return rc;"
            | "return true;"
            | "return false;"
            | "return NULL;"
            | "return -EINVAL;"
            | "return -ENOMEM;"
            | "} else {"
            | "else {"
            | "default:"
            | "out:"
            | "err:"
            | "goto out;"
            | "goto err;"
            | "} while (0)"
            | "} while (0);"
    ) || t.starts_with("#endif")
}

/// The line with all whitespace removed (tabs lost, spaces collapsed,
/// trailing blanks stripped: the usual mail and web-archive damage).
pub fn norm_ws(line: &str) -> String {
    line.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Number of leading and trailing context lines (common prefix/suffix of the
/// preimage and postimage, not overlapping).
pub fn lead_trail(old: &[&str], new: &[&str]) -> (usize, usize) {
    let lead = old
        .iter()
        .zip(new.iter())
        .take_while(|(a, b)| a == b)
        .count();
    let max_trail = old.len().min(new.len()) - lead;
    let trail = old
        .iter()
        .rev()
        .zip(new.iter().rev())
        .take(max_trail)
        .take_while(|(a, b)| a == b)
        .count();
    (lead, trail)
}

/// Lines the hunk adds (`+` lines), as a line diff of preimage to postimage finds them.
pub fn added_lines<'a>(old: &[&str], new: &[&'a str]) -> Vec<&'a str> {
    let mut out = Vec::new();
    for op in capture_diff_slices(Algorithm::Myers, old, new) {
        match op {
            DiffOp::Insert {
                new_index, new_len, ..
            }
            | DiffOp::Replace {
                new_index, new_len, ..
            } => out.extend(new.iter().skip(new_index).take(new_len).copied()),
            _ => {}
        }
    }
    out
}

/// Lines the hunk removes (`-` lines).
pub fn removed_lines<'a>(old: &[&'a str], new: &[&str]) -> Vec<&'a str> {
    let mut out = Vec::new();
    for op in capture_diff_slices(Algorithm::Myers, old, new) {
        match op {
            DiffOp::Delete {
                old_index, old_len, ..
            }
            | DiffOp::Replace {
                old_index, old_len, ..
            } => out.extend(old.iter().skip(old_index).take(old_len).copied()),
            _ => {}
        }
    }
    out
}

/// All 0-based positions where `needle` occurs contiguously in `hay` (the
/// reference the indexed and whitespace-blind searches are tested against).
#[cfg(test)]
pub fn find_all<T: PartialEq<U>, U>(hay: &[T], needle: &[U]) -> Vec<usize> {
    if needle.is_empty() || needle.len() > hay.len() {
        return Vec::new();
    }
    (0..=hay.len() - needle.len())
        .filter(|&s| {
            hay[s..s + needle.len()]
                .iter()
                .zip(needle)
                .all(|(a, b)| a == b)
        })
        .collect()
}

/// The position in `hits` nearest to `expected` (0-based).
pub fn nearest(hits: &[usize], expected: usize) -> Option<usize> {
    hits.iter().copied().min_by_key(|&h| h.abs_diff(expected))
}

/// Character-bigram Dice similarity of two lines, whitespace ignored (0..1).
pub fn similarity(a: &str, b: &str) -> f64 {
    let a: Vec<char> = a.chars().filter(|c| !c.is_whitespace()).collect();
    let b: Vec<char> = b.chars().filter(|c| !c.is_whitespace()).collect();
    if a == b {
        return 1.0;
    }
    if a.len() < 2 || b.len() < 2 {
        return 0.0;
    }
    let mut grams: HashMap<(char, char), usize> = HashMap::new();
    for w in a.windows(2) {
        *grams.entry((w[0], w[1])).or_default() += 1;
    }
    let mut common = 0usize;
    for w in b.windows(2) {
        if let Some(n) = grams.get_mut(&(w[0], w[1])) {
            if *n > 0 {
                *n -= 1;
                common += 1;
            }
        }
    }
    (2 * common) as f64 / (a.len() - 1 + b.len() - 1) as f64
}

/// The longest identifier-like token of a line (for a cheap prefilter).
fn longest_token(line: &str) -> &str {
    line.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .max_by_key(|t| t.len())
        .unwrap_or("")
}

/// The line of the file most similar to `line` (0-based index, similarity),
/// scanning only lines that share its longest identifier (found by one
/// substring search of the file's text). None below `min`.
pub fn most_similar_in(line: &str, ix: &FileIndex<'_>, min: f64) -> Option<(usize, f64)> {
    let tok = longest_token(line);
    if tok.len() < 4 {
        return None;
    }
    let file = ix.lines();
    let mut best: Option<(usize, f64)> = None;
    for i in ix.lines_containing(tok) {
        let s = similarity(line, file[i]);
        if s >= min && best.is_none_or(|(_, b)| s > b) {
            best = Some((i, s));
        }
    }
    best
}

/// Best alignment of a block of lines in a file.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Alignment {
    /// 0-based first line of the aligned region in the file.
    pub start: usize,
    /// Lines of the region in the file.
    pub len: usize,
    /// Needle lines found in order in the region (whitespace ignored).
    pub matched: usize,
    /// matched / needle length.
    pub score: f64,
}

/// Find where `needle` fits `hay` best: candidate starts are voted by
/// distinctive lines (whitespace ignored); each of the best candidates is
/// scored by a line diff over a window around it. Ties go to the candidate
/// nearest `expected` (0-based). Cost: O(|hay| + candidates x window²).
pub fn align(needle: &[&str], hay: &[&str], expected: usize) -> Option<Alignment> {
    align_in(needle, &FileIndex::new(hay), expected)
}

/// A vote of a line matching the needle; a generic line of the file votes
/// 1/20 of it (unless the needle has only generic lines).
const VOTE: u64 = 20;

/// The best-voted starts that a line diff then scores.
const CANDIDATES: usize = 16;

/// [`align`] in an indexed file: the votes come from the occurrences of the
/// needle's lines (not from a scan of the file) and the line diffs compare
/// line ids. Cost: O(occurrences + candidates x window²).
pub fn align_in(needle: &[&str], ix: &FileIndex<'_>, expected: usize) -> Option<Alignment> {
    if needle.is_empty() || ix.lines().is_empty() {
        return None;
    }
    let generic: Vec<bool> = needle.iter().map(|l| is_generic(l)).collect();
    let all_generic = generic.iter().all(|&g| g);
    // The needle as the file's line ids; a line the file lacks gets an id
    // no line of the file has.
    let ids: Vec<u32> = needle
        .iter()
        .enumerate()
        .map(|(i, l)| ix.id(&norm_ws(l)).unwrap_or(u32::MAX - i as u32))
        .collect();
    let needle = Needle {
        ids: &ids,
        generic: &generic,
        all_generic,
    };
    let mut best: Option<(Alignment, usize)> = None;
    for s in best_starts(&needle, ix, expected) {
        let Some((lo, hi)) = window(&needle, ix, s) else {
            continue;
        };
        // A candidate that cannot match more lines than the best so far
        // cannot replace it: skip its line diff.
        if best
            .as_ref()
            .is_some_and(|(b, _)| max_matched(&needle, ix, lo, hi) < b.matched)
        {
            continue;
        }
        let Some(al) = score_window(&needle, ix, lo, hi) else {
            continue;
        };
        let dist = al.start.abs_diff(expected);
        let better = match &best {
            None => true,
            Some((b, bd)) => al.matched > b.matched || (al.matched == b.matched && dist < *bd),
        };
        if better {
            best = Some((al, dist));
        }
    }
    best.map(|(a, _)| a)
}

/// The block being aligned, as line ids of the file.
struct Needle<'n> {
    ids: &'n [u32],
    generic: &'n [bool],
    all_generic: bool,
}

/// Every line of the file equal to a needle line votes for the start that
/// puts them together; the [`CANDIDATES`] best-voted starts (ties: nearest
/// `expected`, then the first).
fn best_starts(needle: &Needle<'_>, ix: &FileIndex<'_>, expected: usize) -> Vec<isize> {
    let n = needle.ids.len();
    let mut votes = ix.votes.borrow_mut();
    if votes.len() < ix.lines().len() + n {
        votes.resize(ix.lines().len() + n, 0);
    }
    // Slot `j + n - i` holds the votes for start `j - i`.
    let mut touched: Vec<usize> = Vec::new();
    for (i, &id) in needle.ids.iter().enumerate() {
        for &j in ix.positions(id) {
            let w = if !needle.all_generic && ix.is_generic_at(j) {
                1
            } else {
                VOTE
            };
            let slot = j + n - i;
            if votes[slot] == 0 {
                touched.push(slot);
            }
            votes[slot] += w;
        }
    }
    let mut cands: Vec<(isize, u64)> = touched
        .into_iter()
        .map(|slot| (slot as isize - n as isize, std::mem::take(&mut votes[slot])))
        .collect();
    let key = |&(s, v): &(isize, u64)| (Reverse(v), (s - expected as isize).abs(), s);
    if cands.len() > CANDIDATES {
        cands.select_nth_unstable_by_key(CANDIDATES - 1, key);
        cands.truncate(CANDIDATES);
    }
    cands.sort_unstable_by_key(key);
    cands.into_iter().map(|(s, _)| s).collect()
}

/// The lines `lo..hi` of the file a line diff compares with the needle for
/// start `s`: the needle's length plus a slack on either side.
fn window(needle: &Needle<'_>, ix: &FileIndex<'_>, s: isize) -> Option<(usize, usize)> {
    let n = needle.ids.len();
    let slack = n + 8;
    let lo = (s - slack as isize).max(0) as usize;
    let hi = ((s + (n + slack) as isize).max(0) as usize).min(ix.lines().len());
    (lo < hi).then_some((lo, hi))
}

/// An upper bound of the lines a diff can match in the window: the needle
/// lines that occur in it at all.
fn max_matched(needle: &Needle<'_>, ix: &FileIndex<'_>, lo: usize, hi: usize) -> usize {
    needle
        .ids
        .iter()
        .filter(|&&id| {
            let at = ix.positions(id);
            at.get(at.partition_point(|&j| j < lo))
                .is_some_and(|&j| j < hi)
        })
        .count()
}

/// The alignment a line diff finds in the window `lo..hi`.
fn score_window(
    needle: &Needle<'_>,
    ix: &FileIndex<'_>,
    lo: usize,
    hi: usize,
) -> Option<Alignment> {
    let n = needle.ids.len();
    let hay_len = ix.lines().len();
    let ops = capture_diff_slices(Algorithm::Myers, needle.ids, &ix.ids()[lo..hi]);
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    for op in &ops {
        if let DiffOp::Equal {
            old_index,
            new_index,
            len,
        } = *op
        {
            pairs.extend((0..len).map(|k| (old_index + k, new_index + k)));
        }
    }
    // Drop generic-only matches far from the distinctive ones; when only
    // generic lines matched (the distinctive ones all changed), align on
    // them anyway, it is still the best guess near `expected`.
    let distinct = |&&(i, _): &&(usize, usize)| needle.all_generic || !needle.generic[i];
    let first = pairs.iter().find(distinct).or(pairs.first())?;
    let last = pairs.iter().rev().find(distinct).or(pairs.last())?;
    let near_lo = first.1.saturating_sub(first.0 + 2);
    let near_hi = last.1 + (n - last.0) + 2;
    pairs.retain(|&(_, j)| j >= near_lo && j <= near_hi);
    let (&(fi, fj), &(li, lj)) = (pairs.first()?, pairs.last()?);
    let start = (lo + fj.saturating_sub(fi)).max(lo);
    let end = (lo + lj + (n - 1 - li) + 1).min(hay_len);
    let matched = pairs.len();
    Some(Alignment {
        start,
        len: end.saturating_sub(start).max(1).min(hay_len - start),
        matched,
        score: matched as f64 / n as f64,
    })
}

/// Expected (`needle`) vs found (`hay[start..start+len]`), line by line.
pub fn diff_lines(needle: &[&str], hay: &[&str], start: usize, len: usize) -> Vec<DiffLine> {
    let end = (start + len).min(hay.len());
    let start = start.min(end);
    let region = &hay[start..end];
    let mut out = Vec::new();
    for op in capture_diff_slices(Algorithm::Myers, needle, region) {
        match op {
            DiffOp::Equal { new_index, len, .. } => {
                for k in 0..len {
                    out.push(DiffLine {
                        tag: DiffTag::Same,
                        text: region[new_index + k].to_owned(),
                        line: Some(start + new_index + k + 1),
                    });
                }
            }
            DiffOp::Delete {
                old_index, old_len, ..
            } => {
                for k in 0..old_len {
                    out.push(DiffLine {
                        tag: DiffTag::Expected,
                        text: needle[old_index + k].to_owned(),
                        line: None,
                    });
                }
            }
            DiffOp::Insert {
                new_index, new_len, ..
            } => {
                for k in 0..new_len {
                    out.push(DiffLine {
                        tag: DiffTag::Found,
                        text: region[new_index + k].to_owned(),
                        line: Some(start + new_index + k + 1),
                    });
                }
            }
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => {
                for k in 0..old_len {
                    out.push(DiffLine {
                        tag: DiffTag::Expected,
                        text: needle[old_index + k].to_owned(),
                        line: None,
                    });
                }
                for k in 0..new_len {
                    out.push(DiffLine {
                        tag: DiffTag::Found,
                        text: region[new_index + k].to_owned(),
                        line: Some(start + new_index + k + 1),
                    });
                }
            }
        }
    }
    out
}
