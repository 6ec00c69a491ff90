//! Context-format hunks (`diff -c`: `***************`, `*** a,b ****`,
//! `--- c,d ----`), turned into the unified model as GNU patch reads them: a
//! side that is all context may be omitted, `!` lines are changed lines
//! (removed from the old side, added on the new side).

use crate::patch::{Hunk, HunkLine, LineKind};

fn starts(l: &[u8], p: &str) -> bool {
    l.starts_with(p.as_bytes())
}

/// `*** a,b ****` / `--- a,b ----` -> (start, count).
fn range(l: &[u8], lead: &str, tail: &str) -> Option<(usize, usize)> {
    let t = crate::parse::trim_eol(l);
    let s = std::str::from_utf8(t).ok()?;
    let s = s.strip_prefix(lead)?.strip_suffix(tail)?;
    // GNU 2.7.6 refuses blanks inside the range (tests/unusual-blanks).
    let s = s.strip_suffix(' ').unwrap_or(s);
    if s.contains([' ', '\t']) {
        return None;
    }
    let (a, b) = match s.split_once(',') {
        Some((a, b)) => (a.parse::<usize>().ok()?, b.parse::<usize>().ok()?),
        None => {
            let a = s.parse::<usize>().ok()?;
            (a, a)
        }
    };
    Some(if a == 0 || b < a {
        (a, 0)
    } else {
        (a, b - a + 1)
    })
}

/// One side's body line: (marker, text with its newline).
fn body(l: &[u8]) -> Option<(u8, Vec<u8>)> {
    match l {
        b"\n" | b"\r\n" => Some((b' ', b"\n".to_vec())),
        [m @ (b' ' | b'-' | b'+' | b'!'), b' ', rest @ ..] => Some((*m, rest.to_vec())),
        // Munged: one space lost after the marker.
        [m @ (b' ' | b'-' | b'+' | b'!'), rest @ ..] => Some((*m, rest.to_vec())),
        _ => None,
    }
}

/// Read one side starting at `i`: lines until `stop` says the side ended.
fn side(lines: &[&[u8]], mut i: usize, want: usize) -> (Vec<(u8, Vec<u8>)>, usize) {
    let mut out: Vec<(u8, Vec<u8>)> = Vec::new();
    while out.len() < want {
        let Some(l) = lines.get(i) else { break };
        if starts(l, "--- ") || starts(l, "***************") {
            break;
        }
        if l.first() == Some(&b'\\') {
            if let Some(last) = out.last_mut() {
                if last.1.ends_with(b"\n") {
                    last.1.pop();
                }
            }
            i += 1;
            continue;
        }
        let Some(b) = body(l) else { break };
        out.push(b);
        i += 1;
    }
    // A `\ No newline` marker right after the side's last line.
    if lines.get(i).is_some_and(|l| l.first() == Some(&b'\\')) {
        if let Some(last) = out.last_mut() {
            if last.1.ends_with(b"\n") {
                last.1.pop();
            }
        }
        i += 1;
    }
    (out, i)
}

/// Merge the two sides into unified hunk lines.
fn merge(old: &[(u8, Vec<u8>)], new: &[(u8, Vec<u8>)]) -> Vec<HunkLine> {
    let line = |kind, t: &Vec<u8>| HunkLine {
        kind,
        text: t.clone(),
    };
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < old.len() || j < new.len() {
        let o = old.get(i).map(|x| x.0);
        let n = new.get(j).map(|x| x.0);
        if o == Some(b'-') {
            out.push(line(LineKind::Remove, &old[i].1));
            i += 1;
        } else if o == Some(b'!') {
            while old.get(i).is_some_and(|x| x.0 == b'!') {
                out.push(line(LineKind::Remove, &old[i].1));
                i += 1;
            }
            while new.get(j).is_some_and(|x| x.0 == b'!') {
                out.push(line(LineKind::Add, &new[j].1));
                j += 1;
            }
        } else if matches!(n, Some(b'+' | b'!')) {
            out.push(line(LineKind::Add, &new[j].1));
            j += 1;
        } else if o.is_some() {
            out.push(line(LineKind::Context, &old[i].1));
            i += 1;
            j += 1;
        } else {
            out.push(line(LineKind::Context, &new[j].1));
            j += 1;
        }
    }
    out
}

/// The context hunks from line `i` (a `***************` line); returns them
/// and the next line. `None` when no hunk could be read at `i`.
pub(crate) fn hunks(lines: &[&[u8]], mut i: usize) -> (Vec<Hunk>, usize) {
    let mut hunks = Vec::new();
    while lines.get(i).is_some_and(|l| starts(l, "***************")) {
        let header_line = i + 1;
        let Some((os, oc)) = lines.get(i + 1).and_then(|l| range(l, "*** ", "****")) else {
            break;
        };
        let (old, next) = side(lines, i + 2, oc);
        let Some((ns, nc)) = lines.get(next).and_then(|l| range(l, "--- ", "----")) else {
            break;
        };
        let (new, next) = side(lines, next + 1, nc);
        // An omitted side is the other side's context.
        let ctx = |s: &[(u8, Vec<u8>)]| -> Vec<(u8, Vec<u8>)> {
            s.iter().filter(|x| x.0 == b' ').cloned().collect()
        };
        // `*** 10 ****` with no old lines and only added lines is an empty
        // range after line 10 (diff -C0), not line 10 itself.
        let oc = if old.is_empty() && !new.is_empty() && new.iter().all(|x| x.0 == b'+') {
            0
        } else {
            oc
        };
        // (GNU 2.7.6 has no such rule for `--- 10 ----` after removed lines:
        // that hunk is fatal there, malformed here.)
        let (old, new) = match (old.is_empty() && oc > 0, new.is_empty() && nc > 0) {
            (true, _) => (ctx(&new), new),
            (_, true) => (old.clone(), ctx(&old)),
            _ => (old, new),
        };
        let body = merge(&old, &new);
        let n_old = body.iter().filter(|l| l.kind != LineKind::Add).count();
        let n_new = body.iter().filter(|l| l.kind != LineKind::Remove).count();
        let malformed = (n_old != oc || n_new != nc).then(|| {
            format!(
                "line {header_line}: context hunk body has {n_old} old and {n_new} new lines, \
                 its header says {oc} and {nc}"
            )
        });
        hunks.push(Hunk {
            index: hunks.len() + 1,
            source_line: header_line,
            old_start: os,
            old_count: oc,
            new_start: ns,
            new_count: nc,
            function: None,
            lines: body,
            malformed,
        });
        i = next;
    }
    (hunks, i)
}
