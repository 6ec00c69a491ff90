//! Hunk bodies read as GNU patch 2.7 reads them, and their `@@` headers.

use super::*;

impl Parser<'_> {
    /// Parse the hunk whose header is at `start`; return it and the next line.
    pub(super) fn hunk(&self, start: usize, index: usize, strip_cr: bool) -> (Hunk, usize) {
        let header = self.line(start).unwrap_or_default();
        let mut h = Hunk {
            index,
            source_line: start + 1,
            old_start: 0,
            old_count: 0,
            new_start: 0,
            new_count: 0,
            function: None,
            lines: Vec::new(),
            malformed: None,
        };
        let Some(hdr) = parse_hunk_header(trim_eol(header)) else {
            h.malformed = Some(format!(
                "line {}: unreadable hunk header `{}`",
                start + 1,
                lossy(trim_eol(header))
            ));
            // Resynchronise at the next hunk or file header.
            let mut i = start + 1;
            while let Some(l) = self.line(i) {
                if starts(l, "@@ -") || starts(l, "diff --git ") || starts(l, "--- ") {
                    break;
                }
                i += 1;
            }
            return (h, i);
        };
        h.old_start = hdr.0;
        h.old_count = hdr.1;
        h.new_start = hdr.2;
        h.new_count = hdr.3;
        h.function = hdr.4;
        let (ptrn, repl) = (h.old_count, h.new_count);
        let (mut nold, mut nnew) = (0usize, 0usize);
        let mut prefix: Option<usize> = None;
        let mut context = 0usize;
        let mut i = start + 1;
        let fail = |h: &mut Hunk, line: usize, why: String| {
            h.malformed = Some(format!(
                "line {}: {} (hunk header at line {} says -{},{} +{},{})",
                line,
                why,
                start + 1,
                h.old_start,
                h.old_count,
                h.new_start,
                h.new_count
            ));
        };
        while nold < ptrn || nnew < repl {
            // GNU drops an incomplete last line of the patch ("patch
            // unexpectedly ends in middle of line") unless it is the
            // `\ No newline` marker; the hunk is then short of a line.
            let line = self
                .line(i)
                .filter(|l| l.ends_with(b"\n") || l.first() == Some(&b'\\'));
            let raw: Vec<u8> = match line {
                None => {
                    // GNU: assume blank lines got chopped when at most 3 remain.
                    if repl - nnew.min(repl) <= 3 {
                        b" \n".to_vec()
                    } else {
                        fail(
                            &mut h,
                            i + 1,
                            format!(
                                "patch ends inside the hunk after {} old and {} new line(s)",
                                nold, nnew
                            ),
                        );
                        return (h, i);
                    }
                }
                Some(l) if l.first() == Some(&b'#') => {
                    i += 1;
                    continue;
                }
                Some(l) => {
                    let mut v = l.to_vec();
                    if strip_cr && v.ends_with(b"\r\n") {
                        v.truncate(v.len() - 2);
                        v.push(b'\n');
                    }
                    v
                }
            };
            let at_eof = self.line(i).is_none();
            let (ch, text): (u8, &[u8]) = match raw.first() {
                Some(b'\t') | Some(b'\n') => (b' ', &raw[..]),
                Some(&c) => (c, raw.get(1..).unwrap_or_default()),
                None => (0, &raw[..]),
            };
            let ch = if ch == b'=' { b' ' } else { ch };
            let mut text = text.to_vec();
            // `\ No newline at end of file` right after the last line of a side.
            let next_is_backslash =
                !at_eof && self.line(i + 1).is_some_and(|n| n.first() == Some(&b'\\'));
            let mut consumed_backslash = false;
            match ch {
                b'-' => {
                    if nold >= ptrn {
                        fail(
                            &mut h,
                            i + 1,
                            "more removed/context lines than the header says".into(),
                        );
                        return (h, i);
                    }
                    if nold + 1 == ptrn && next_is_backslash {
                        text.pop();
                        consumed_backslash = true;
                    }
                    nold += 1;
                    h.lines.push(HunkLine {
                        kind: LineKind::Remove,
                        text,
                    });
                }
                b' ' => {
                    if nold >= ptrn {
                        fail(
                            &mut h,
                            i + 1,
                            "more removed/context lines than the header says".into(),
                        );
                        return (h, i);
                    }
                    context += 1;
                    if nold + 1 == ptrn && next_is_backslash {
                        text.pop();
                        consumed_backslash = true;
                    }
                    if nnew >= repl {
                        fail(
                            &mut h,
                            i + 1,
                            "more added/context lines than the header says".into(),
                        );
                        return (h, i);
                    }
                    if !consumed_backslash && nnew + 1 == repl && next_is_backslash {
                        text.pop();
                        consumed_backslash = true;
                    }
                    nold += 1;
                    nnew += 1;
                    h.lines.push(HunkLine {
                        kind: LineKind::Context,
                        text,
                    });
                }
                b'+' => {
                    if nnew >= repl {
                        fail(
                            &mut h,
                            i + 1,
                            "more added/context lines than the header says".into(),
                        );
                        return (h, i);
                    }
                    if nnew + 1 == repl && next_is_backslash {
                        text.pop();
                        consumed_backslash = true;
                    }
                    nnew += 1;
                    h.lines.push(HunkLine {
                        kind: LineKind::Add,
                        text,
                    });
                }
                _ => {
                    fail(
                        &mut h,
                        i + 1,
                        format!(
                            "hunk ends early: {} of {} old and {} of {} new line(s) before `{}`",
                            nold,
                            ptrn,
                            nnew,
                            repl,
                            lossy(trim_eol(&raw)).chars().take(60).collect::<String>()
                        ),
                    );
                    return (h, i);
                }
            }
            if ch != b' ' {
                if prefix.is_none() {
                    prefix = Some(context);
                }
                context = 0;
            }
            if !at_eof {
                i += 1;
            }
            if consumed_backslash {
                i += 1;
            }
        }
        if prefix.is_none() {
            fail(
                &mut h,
                start + 1,
                "hunk changes nothing (only context lines)".into(),
            );
            return (h, i);
        }
        // Stray `\ No newline` marker not attached to the last line of a side.
        // Other lines after a complete hunk are not part of it: GNU ends the
        // hunk where its header's counts end (a diffstat or a stray line
        // after it is trailing text).
        if self.line(i).is_some_and(|l| l.first() == Some(&b'\\')) {
            fail(&mut h, i + 1, "`\\` line after the end of the hunk".into());
        }
        (h, i)
    }
}

/// `@@ -a[,b] +c[,d] @@[ func]` leniently, as GNU does.
#[allow(clippy::type_complexity)]
pub(super) fn parse_hunk_header(l: &[u8]) -> Option<(usize, usize, usize, usize, Option<String>)> {
    let s = l.strip_prefix(b"@@ -")?;
    let (a, s) = num(s)?;
    let (b, s) = match s.strip_prefix(b",") {
        Some(r) => num(r)?,
        None => (1, s),
    };
    let s = s.strip_prefix(b" ").unwrap_or(s);
    let s = s.strip_prefix(b"+")?;
    let (c, s) = num(s)?;
    let (d, s) = match s.strip_prefix(b",") {
        Some(r) => num(r)?,
        None => (1, s),
    };
    let s = s.strip_prefix(b" ").unwrap_or(s);
    let s = s.strip_prefix(b"@")?;
    let func = s.strip_prefix(b"@ ").map(lossy).filter(|f| !f.is_empty());
    // Guard against absurd counts (would only waste memory later).
    if a.checked_add(b)?.checked_add(c)?.checked_add(d)? > (1usize << 40) {
        return None;
    }
    Some((a, b, c, d, func))
}

pub(super) fn num(s: &[u8]) -> Option<(usize, &[u8])> {
    let n = s.iter().take_while(|c| c.is_ascii_digit()).count();
    if n == 0 || n > 15 {
        return None;
    }
    let v = std::str::from_utf8(s.get(..n)?).ok()?.parse().ok()?;
    Some((v, s.get(n..)?))
}
