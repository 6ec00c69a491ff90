//! Line-level helpers: generic-line detection, whitespace normalisation,
//! exact search and best (fuzzy) alignment of a block of lines in a file.

use super::{DiffLine, DiffTag};
use similar::{capture_diff_slices, Algorithm, DiffOp};
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

/// All 0-based positions where `needle` occurs contiguously in `hay`.
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

/// The line of `file` most similar to `line` (0-based index, similarity),
/// scanning only lines that share its longest identifier. None below `min`.
pub fn most_similar(line: &str, file: &[&str], min: f64) -> Option<(usize, f64)> {
    let tok = longest_token(line);
    if tok.len() < 4 {
        return None;
    }
    let mut best: Option<(usize, f64)> = None;
    for (i, l) in file.iter().enumerate() {
        if !l.contains(tok) {
            continue;
        }
        let s = similarity(line, l);
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
    if needle.is_empty() || hay.is_empty() {
        return None;
    }
    let nneedle: Vec<String> = needle.iter().map(|l| norm_ws(l)).collect();
    let all_generic = needle.iter().all(|l| is_generic(l));
    let mut want: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, l) in nneedle.iter().enumerate() {
        want.entry(l.as_str()).or_default().push(i);
    }
    let mut votes: HashMap<isize, f64> = HashMap::new();
    let mut buf = String::new();
    for (j, line) in hay.iter().enumerate() {
        buf.clear();
        buf.extend(line.chars().filter(|c| !c.is_whitespace()));
        if let Some(is) = want.get(buf.as_str()) {
            let w = if !all_generic && is_generic(line) {
                0.05
            } else {
                1.0
            };
            for &i in is {
                *votes.entry(j as isize - i as isize).or_default() += w;
            }
        }
    }
    if votes.is_empty() {
        return None;
    }
    // Smooth: a start also gets half the votes of starts within a few lines
    // (the block may have lines inserted or removed in the middle).
    let mut cands: Vec<(isize, f64)> = votes.iter().map(|(&s, &v)| (s, v)).collect();
    cands.sort_by(|a, b| {
        b.1.partial_cmp(&a.1)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(
                (a.0 - expected as isize)
                    .abs()
                    .cmp(&(b.0 - expected as isize).abs()),
            )
    });
    cands.truncate(16);
    let slack = needle.len() + 8;
    let mut best: Option<(Alignment, usize)> = None;
    for (s, _) in cands {
        let lo = (s - slack as isize).max(0) as usize;
        let hi = ((s + (needle.len() + slack) as isize).max(0) as usize).min(hay.len());
        if lo >= hi {
            continue;
        }
        let region: Vec<String> = hay[lo..hi].iter().map(|l| norm_ws(l)).collect();
        let ops = capture_diff_slices(Algorithm::Myers, &nneedle, &region);
        let mut pairs: Vec<(usize, usize)> = Vec::new();
        for op in &ops {
            if let DiffOp::Equal {
                old_index,
                new_index,
                len,
            } = *op
            {
                for k in 0..len {
                    pairs.push((old_index + k, new_index + k));
                }
            }
        }
        // Drop generic-only matches far from the distinctive ones.
        let distinct: Vec<(usize, usize)> = pairs
            .iter()
            .copied()
            .filter(|&(i, _)| all_generic || !is_generic(needle[i]))
            .collect();
        // Only generic lines matched (the distinctive ones all changed):
        // align on them anyway, it is still the best guess near `expected`.
        let distinct = if distinct.is_empty() {
            pairs.clone()
        } else {
            distinct
        };
        let (first, last) = match (distinct.first(), distinct.last()) {
            (Some(f), Some(l)) => (*f, *l),
            _ => continue,
        };
        let near_lo = first.1.saturating_sub(first.0 + 2);
        let near_hi = last.1 + (needle.len() - last.0) + 2;
        let pairs: Vec<(usize, usize)> = pairs
            .into_iter()
            .filter(|&(_, j)| j >= near_lo && j <= near_hi)
            .collect();
        let (Some(&(fi, fj)), Some(&(li, lj))) = (pairs.first(), pairs.last()) else {
            continue;
        };
        let start = lo + fj.saturating_sub(fi);
        let start = start.max(lo);
        let end = (lo + lj + (needle.len() - 1 - li) + 1).min(hay.len());
        let matched = pairs.len();
        let al = Alignment {
            start,
            len: end.saturating_sub(start).max(1).min(hay.len() - start),
            matched,
            score: matched as f64 / needle.len() as f64,
        };
        let dist = start.abs_diff(expected);
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
