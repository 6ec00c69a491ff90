//! Which lines of the patched tree each patch of a series added, in the
//! coordinates of the files after the whole series: the input for
//! attributing compiler warnings to patches (`harness_build::attribute`).
//!
//! Built from the apply engine's placements: every applied hunk carries its
//! rewritten form (`@@ -a,b +c,d @@` and body, real positions). Lines added
//! by an earlier patch are carried through later patches' hunks (shifted, or
//! dropped when a later hunk removes them).

use harness_build::PatchLines;
use harness_core::apply::HunkPlacement;
use harness_core::report::HunkStatus;
use std::collections::BTreeMap;

/// A hunk's header numbers and body, parsed from its rewritten text.
struct Rewritten<'a> {
    old_start: u32,
    old_len: u32,
    new_start: u32,
    body: Vec<&'a str>,
}

fn parse_range(s: &str) -> Option<(u32, u32)> {
    match s.split_once(',') {
        Some((a, b)) => Some((a.parse().ok()?, b.parse().ok()?)),
        None => Some((s.parse().ok()?, 1)),
    }
}

fn parse_rewritten(text: &str) -> Option<Rewritten<'_>> {
    let mut lines = text.lines();
    let header = lines.next()?.strip_prefix("@@ -")?;
    let (old, rest) = header.split_once(" +")?;
    let new = rest.split_whitespace().next()?;
    let (old_start, old_len) = parse_range(old)?;
    let (new_start, _) = parse_range(new)?;
    Some(Rewritten {
        old_start,
        old_len,
        new_start,
        body: lines.collect(),
    })
}

/// Where line `line` of the file before a patch is after it, given the
/// patch's hunks on that file (in order, not overlapping); None when a hunk
/// removed it.
fn map_line(line: u32, hunks: &[Rewritten<'_>]) -> Option<u32> {
    let mut shift: i64 = 0;
    for h in hunks {
        let grow = i64::from(new_len(h)) - i64::from(h.old_len);
        if h.old_len == 0 {
            // `-a,0`: inserted after line a.
            if line > h.old_start {
                shift += grow;
            }
            continue;
        }
        let end = h.old_start + h.old_len - 1;
        if line > end {
            shift += grow;
        } else if line >= h.old_start {
            return inside(line, h);
        }
    }
    u32::try_from(i64::from(line) + shift).ok()
}

/// A line inside a hunk's old region: follow context lines, drop removed ones.
fn inside(line: u32, h: &Rewritten<'_>) -> Option<u32> {
    let (mut old, mut new) = (h.old_start, h.new_start);
    for b in &h.body {
        match b.as_bytes().first() {
            Some(b' ') => {
                if old == line {
                    return Some(new);
                }
                old += 1;
                new += 1;
            }
            Some(b'-') => {
                if old == line {
                    return None;
                }
                old += 1;
            }
            Some(b'+') => new += 1,
            _ => {}
        }
    }
    None
}

fn new_len(h: &Rewritten<'_>) -> u32 {
    h.body
        .iter()
        .filter(|b| matches!(b.as_bytes().first(), Some(b' ' | b'+')))
        .count() as u32
}

/// Lines each hunk added (`+` lines), in the file after its patch.
fn added_lines(h: &Rewritten<'_>) -> Vec<u32> {
    let mut new = h.new_start;
    let mut out = Vec::new();
    for b in &h.body {
        match b.as_bytes().first() {
            Some(b' ') => new += 1,
            Some(b'+') => {
                out.push(new);
                new += 1;
            }
            _ => {}
        }
    }
    out
}

/// Per file, the lines each patch added, in final-file coordinates.
/// `name_of` gives a patch's name from its 1-based series index.
pub fn changed_lines(
    placements: &[HunkPlacement],
    name_of: impl Fn(usize) -> String,
) -> BTreeMap<String, Vec<PatchLines>> {
    // Group applied hunks by file, then by patch, keeping series order.
    let mut per_file: BTreeMap<&str, Vec<(usize, Vec<&HunkPlacement>)>> = BTreeMap::new();
    for p in placements
        .iter()
        .filter(|p| p.status == HunkStatus::Applied && p.rewritten.is_some())
    {
        let patches = per_file.entry(p.path.as_str()).or_default();
        match patches.last_mut() {
            Some((idx, hunks)) if *idx == p.patch_index => hunks.push(p),
            _ => patches.push((p.patch_index, vec![p])),
        }
    }
    let mut out = BTreeMap::new();
    for (path, patches) in per_file {
        // (patch index, line) of every added line still in the file.
        let mut lines: Vec<(usize, u32)> = Vec::new();
        for (idx, hunks) in patches {
            let texts: Vec<String> = hunks
                .iter()
                .filter_map(|h| h.rewritten.as_ref())
                .map(|t| String::from_utf8_lossy(t).into_owned())
                .collect();
            let parsed: Vec<Rewritten<'_>> =
                texts.iter().filter_map(|t| parse_rewritten(t)).collect();
            lines = lines
                .into_iter()
                .filter_map(|(p, l)| map_line(l, &parsed).map(|l| (p, l)))
                .collect();
            for h in &parsed {
                lines.extend(added_lines(h).into_iter().map(|l| (idx, l)));
            }
        }
        out.insert(path.to_owned(), to_patch_lines(lines, &name_of));
    }
    out
}

/// Group (patch, line) pairs into per-patch ranges of consecutive lines.
fn to_patch_lines(
    mut lines: Vec<(usize, u32)>,
    name_of: &impl Fn(usize) -> String,
) -> Vec<PatchLines> {
    lines.sort_unstable();
    let mut out: Vec<(usize, PatchLines)> = Vec::new();
    for (idx, l) in lines {
        match out.last_mut() {
            Some((i, pl)) if *i == idx => match pl.ranges.last_mut() {
                Some((_, b)) if *b + 1 == l => *b = l,
                _ => pl.ranges.push((l, l)),
            },
            _ => out.push((
                idx,
                PatchLines {
                    patch: name_of(idx),
                    ranges: vec![(l, l)],
                },
            )),
        }
    }
    out.into_iter().map(|(_, pl)| pl).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use harness_core::apply::{apply_series, ApplyOptions, MemTree, PatchInput};
    use harness_core::parse::parse_patch;

    fn lines(n: usize) -> String {
        (1..=n).map(|i| format!("l{i}\n")).collect()
    }

    /// Apply `patches` to one file `f.c` and return the final text and the
    /// attribution.
    fn run(base: &str, patches: &[&str]) -> (String, BTreeMap<String, Vec<PatchLines>>) {
        let mut t = MemTree::default();
        t.files.insert("f.c".into(), base.as_bytes().to_vec());
        let parsed: Vec<_> = patches
            .iter()
            .map(|p| parse_patch(p.as_bytes(), 1))
            .collect();
        let names: Vec<String> = (1..=patches.len()).map(|i| format!("p{i}")).collect();
        let inputs: Vec<PatchInput<'_>> = parsed
            .iter()
            .enumerate()
            .map(|(i, p)| PatchInput {
                index: i + 1,
                name: &names[i],
                subject: None,
                parsed: p,
            })
            .collect();
        let o = apply_series(&t, &t, "s", "t", &inputs, ApplyOptions::default());
        let text = match o.changes.files.get("f.c") {
            Some(harness_core::apply::FileChange::Write { bytes, .. }) => {
                String::from_utf8_lossy(bytes).into_owned()
            }
            _ => panic!("f.c not written"),
        };
        (text, changed_lines(&o.placements, |i| format!("p{i}")))
    }

    /// 1-based line numbers of `needle` in `text` (the expected values are
    /// read off the final file itself).
    fn line_of(text: &str, needle: &str) -> u32 {
        text.lines().position(|l| l == needle).expect(needle) as u32 + 1
    }

    #[test]
    fn later_patch_shifts_and_removes_earlier_lines() {
        // p1 adds A after l5 and B after l15; p2 adds two lines after l2
        // (shifting both) and replaces B.
        let p1 = "--- a/f.c\n+++ b/f.c\n@@ -4,3 +4,4 @@\n l4\n l5\n+A\n l6\n@@ -14,3 +15,4 @@\n l14\n l15\n+B\n l16\n";
        let p2 = "--- a/f.c\n+++ b/f.c\n@@ -1,3 +1,5 @@\n l1\n l2\n+X1\n+X2\n l3\n@@ -16,3 +18,3 @@\n l15\n-B\n+B2\n l16\n";
        let (text, m) = run(&lines(20), &[p1, p2]);
        let f = &m["f.c"];
        let a = line_of(&text, "A");
        let b2 = line_of(&text, "B2");
        let (x1, x2) = (line_of(&text, "X1"), line_of(&text, "X2"));
        assert_eq!(f.len(), 2, "{f:?}");
        assert_eq!(f[0].patch, "p1");
        assert_eq!(f[0].ranges, vec![(a, a)], "B was replaced by p2");
        assert_eq!(f[1].patch, "p2");
        assert_eq!(f[1].ranges, vec![(x1, x2), (b2, b2)]);
    }

    #[test]
    fn pure_insertion_hunk_shifts_following_lines() {
        // `-3,0` inserts after line 3 (a hunk without context).
        let p1 = "--- a/f.c\n+++ b/f.c\n@@ -8,0 +9,1 @@\n+A\n";
        let p2 = "--- a/f.c\n+++ b/f.c\n@@ -3,0 +4,2 @@\n+Y1\n+Y2\n";
        let (text, m) = run(&lines(10), &[p1, p2]);
        let f = &m["f.c"];
        let a = line_of(&text, "A");
        assert_eq!(f[0].ranges, vec![(a, a)], "{text}");
        let y1 = line_of(&text, "Y1");
        assert_eq!(f[1].ranges, vec![(y1, y1 + 1)]);
    }
}
