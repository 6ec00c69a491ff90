//! GNU patch's hunk location and application on one file's content.

use super::*;

/// Lines of `b`, each with its `\n` (the last may lack one). The newlines are
/// found 64 bytes at a time as a bit mask, then taken bit by bit: memchr's
/// search restarted at each newline was 17% of the run time of applying the
/// PREEMPT_RT series, since kernel lines are short (30 bytes on average); the
/// mask splits the same files in three quarters of memchr's time. (A byte-wise
/// `split_inclusive` was a quarter of the run time; a byte-wise mask loop is
/// not vectorised by the compiler and runs at half memchr's speed; SSE2 would
/// be faster still but needs `unsafe`.)
pub(crate) fn split_lines(b: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::with_capacity(b.len() / 24 + 1);
    let mut start = 0;
    let mut base = 0;
    let mut chunks = b.chunks_exact(64);
    for chunk in &mut chunks {
        let mut mask = newline_mask(chunk.try_into().expect("chunks_exact(64)"));
        while mask != 0 {
            let nl = base + mask.trailing_zeros() as usize;
            out.push(&b[start..=nl]);
            start = nl + 1;
            mask &= mask - 1;
        }
        base += 64;
    }
    for nl in memchr::memchr_iter(b'\n', chunks.remainder()) {
        out.push(&b[start..=base + nl]);
        start = base + nl + 1;
    }
    if start < b.len() {
        out.push(&b[start..]);
    }
    out
}

/// Bit i set when `chunk[i]` is `\n`, eight bytes at a time without
/// `unsafe` (the workspace denies it outside harness-proc): in each word XORed
/// with `\n` bytes, a byte is zero exactly where a newline was; the carry-free
/// test `!(((x & 0x7f..) + 0x7f..) | x)` sets the high bit of exactly those
/// bytes, and the multiply gathers the eight high bits into one byte.
#[inline(always)]
fn newline_mask(chunk: &[u8; 64]) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const NEWLINES: u64 = 0x0a0a_0a0a_0a0a_0a0a;
    let mut mask = 0u64;
    for (i, word) in chunk.chunks_exact(8).enumerate() {
        let x = u64::from_le_bytes(word.try_into().expect("chunks_exact(8)")) ^ NEWLINES;
        let zero_bytes = !(((x & LOW7) + LOW7) | x) & !LOW7;
        let bits = ((zero_bytes >> 7).wrapping_mul(0x0102_0408_1020_4080)) >> 56;
        mask |= bits << (8 * i);
    }
    mask
}

/// A hunk side as GNU sees it: lines 1..=len, first line number, contexts.
pub(super) struct Pattern<'h> {
    pub(super) lines: Vec<&'h [u8]>,
    pub(super) first: i64,
    pub(super) prefix: i64,
    pub(super) suffix: i64,
}

impl<'h> Pattern<'h> {
    pub(super) fn forward(h: &'h Hunk) -> Self {
        Pattern {
            lines: h.old_lines().map(|l| l.text.as_slice()).collect(),
            first: h.gnu_first() as i64,
            prefix: h.prefix_context() as i64,
            suffix: h.suffix_context() as i64,
        }
    }
    pub(super) fn reverse(h: &'h Hunk) -> Self {
        Pattern {
            lines: h.new_lines().map(|l| l.text.as_slice()).collect(),
            first: h.gnu_newfirst() as i64,
            prefix: h.prefix_context() as i64,
            suffix: h.suffix_context() as i64,
        }
    }
}

pub(super) struct Input<'f> {
    /// The file, and its lines as slices of it (contiguous, in order).
    pub(super) content: &'f [u8],
    pub(super) lines: Vec<&'f [u8]>,
}

impl<'f> Input<'f> {
    pub(super) fn new(content: &'f [u8]) -> Self {
        Input {
            content,
            lines: split_lines(content),
        }
    }
    /// Lines `from..=to` (1-based, within the file) as one slice of it.
    fn span(&self, from: i64, to: i64) -> &'f [u8] {
        let (first, last) = (self.get(from), self.get(to));
        let base = self.content.as_ptr() as usize;
        let start = first.as_ptr() as usize - base;
        let end = last.as_ptr() as usize - base + last.len();
        &self.content[start..end]
    }
    pub(super) fn len(&self) -> i64 {
        self.lines.len() as i64
    }
    /// GNU `ifetch`: empty for lines out of range.
    pub(super) fn get(&self, line: i64) -> &'f [u8] {
        if line < 1 {
            return b"";
        }
        self.lines.get((line - 1) as usize).copied().unwrap_or(b"")
    }
}

/// GNU `patch_match`.
pub(super) fn patch_match(
    input: &Input<'_>,
    pat: &Pattern<'_>,
    base: i64,
    offset: i64,
    pf: i64,
    sf: i64,
) -> bool {
    let pat_lines = pat.lines.len() as i64 - sf;
    let mut pline = 1 + pf;
    let mut iline = base + offset + pf;
    while pline <= pat_lines {
        let p = pat.lines.get((pline - 1) as usize).copied().unwrap_or(b"");
        if input.get(iline) != p {
            return false;
        }
        pline += 1;
        iline += 1;
    }
    true
}

/// GNU `locate_hunk`: 0 when not found; updates `in_offset` on success.
pub(super) fn locate_hunk(
    input: &Input<'_>,
    pat: &Pattern<'_>,
    fuzz: i64,
    in_offset: &mut i64,
    last_frozen_line: i64,
) -> i64 {
    let first_guess = pat.first + *in_offset;
    let pat_lines = pat.lines.len() as i64;
    let prefix_context = pat.prefix;
    let suffix_context = pat.suffix;
    let context = prefix_context.max(suffix_context);
    let mut prefix_fuzz = fuzz + prefix_context - context;
    let suffix_fuzz = fuzz + suffix_context - context;
    let input_lines = input.len();
    let max_where = input_lines - (pat_lines - suffix_fuzz) + 1;
    // GNU patch 2.7.6 as shipped (and 2.8): never inside the region the
    // previous hunk consumed; older code allowed `prefix_context - prefix_fuzz`
    // lines of overlap, which let a hunk match text an earlier hunk had
    // already used (tests/false-match in GNU's suite).
    let min_where = last_frozen_line + 1;
    let max_pos_offset = max_where - first_guess;
    let mut max_neg_offset = first_guess - min_where;
    let max_offset = max_pos_offset.max(max_neg_offset);

    if pat_lines == 0 {
        return first_guess;
    }
    if first_guess <= max_neg_offset {
        max_neg_offset = first_guess - 1;
    }
    if prefix_fuzz < 0 && pat.first <= 1 {
        // Can only match the start of the file.
        if suffix_fuzz < 0 && (pat_lines != input_lines || prefix_context < last_frozen_line) {
            return 0;
        }
        let offset = 1 - first_guess;
        if last_frozen_line <= prefix_context
            && offset <= max_pos_offset
            && patch_match(input, pat, first_guess, offset, 0, suffix_fuzz)
        {
            *in_offset += offset;
            return first_guess + offset;
        }
        return 0;
    } else if prefix_fuzz < 0 {
        prefix_fuzz = 0;
    }
    if suffix_fuzz < 0 {
        // Can only match the end of the file.
        let offset = first_guess - (input_lines - pat_lines + 1);
        if offset <= max_neg_offset && patch_match(input, pat, first_guess, -offset, prefix_fuzz, 0)
        {
            *in_offset -= offset;
            return first_guess - offset;
        }
        return 0;
    }
    let min_offset = if max_pos_offset < 0 {
        first_guess - max_where
    } else if max_neg_offset < 0 {
        first_guess - min_where
    } else {
        0
    };
    let mut offset = min_offset;
    while offset <= max_offset {
        if offset <= max_pos_offset
            && patch_match(input, pat, first_guess, offset, prefix_fuzz, suffix_fuzz)
        {
            *in_offset += offset;
            return first_guess + offset;
        }
        if offset <= max_neg_offset
            && patch_match(input, pat, first_guess, -offset, prefix_fuzz, suffix_fuzz)
        {
            *in_offset -= offset;
            return first_guess - offset;
        }
        offset += 1;
    }
    0
}

/// Output being built for one file (GNU's outstate + copy_till).
pub(super) struct Output<'f> {
    pub(super) buf: Vec<u8>,
    pub(super) after_newline: bool,
    pub(super) last_frozen: i64,
    pub(super) input: &'f Input<'f>,
}

impl Output<'_> {
    pub(super) fn copy_till(&mut self, lastline: i64) -> bool {
        if self.last_frozen > lastline {
            return false;
        }
        // The lines in the file are copied as one slice (lines past its
        // end are empty and copy nothing).
        let (from, to) = (self.last_frozen + 1, lastline.min(self.input.len()));
        if from <= to {
            if !self.after_newline {
                self.buf.push(b'\n');
            }
            let s = self.input.span(from, to);
            self.buf.extend_from_slice(s);
            self.after_newline = s.ends_with(b"\n");
        }
        self.last_frozen = lastline;
        true
    }
    pub(super) fn write(&mut self, s: &[u8]) {
        if !self.after_newline {
            self.buf.push(b'\n');
        }
        self.buf.extend_from_slice(s);
        self.after_newline = s.ends_with(b"\n") || s.is_empty();
    }
}

/// GNU `apply_hunk`; false on misordered hunks.
pub(super) fn apply_hunk(out: &mut Output<'_>, h: &Hunk, at: i64) -> bool {
    let base = at - 1;
    let mut old: i64 = 1;
    for l in &h.lines {
        match l.kind {
            LineKind::Remove => {
                if !out.copy_till(base + old - 1) {
                    return false;
                }
                out.last_frozen += 1;
                old += 1;
            }
            LineKind::Add => {
                if !out.copy_till(base + old - 1) {
                    return false;
                }
                out.write(&l.text);
            }
            LineKind::Context => old += 1,
        }
    }
    true
}

/// Per-hunk verdict computed by [`run_hunks`].
pub(super) struct Verdict {
    pub(super) status: HunkStatus,
    pub(super) line: Option<usize>,
    pub(super) offset: Option<i64>,
    pub(super) fuzz: Option<usize>,
    pub(super) expected: i64,
    pub(super) warnings: Vec<String>,
    pub(super) rewritten: Option<Vec<u8>>,
    pub(super) old_start: usize,
    pub(super) new_start: usize,
    /// Not tried forward because hunk #1 of the file was found reversed (GNU
    /// patch -N then skips the rest of the file), and not present either.
    pub(super) skipped_with_file: bool,
}

pub(super) struct FileRun<'c> {
    /// The file's lines (see [`split_lines`]).
    pub(super) lines: Vec<&'c [u8]>,
    pub(super) verdicts: Vec<Verdict>,
    pub(super) output: Vec<u8>,
    pub(super) reject: Vec<u8>,
}

/// Where `pat` matches exactly (fuzz 0), searching from `in_offset` the way
/// GNU does, without moving the caller's offset. Used with the reversed
/// pattern: the hunk's change is already in the file there.
pub(super) fn find_exact(
    input: &Input<'_>,
    pat: &Pattern<'_>,
    in_offset: i64,
    last_frozen: i64,
) -> Option<i64> {
    let mut probe = in_offset;
    let w = locate_hunk(input, pat, 0, &mut probe, last_frozen);
    (w != 0).then_some(w)
}

/// GNU's search for one hunk: each fuzz level over the whole file before the
/// next; for hunk #1 the reversed hunk is tried at the same level (GNU's
/// "Reversed (or previously applied)" check). Returns (reversed, where, fuzz);
/// a forward match moves `in_offset` as GNU's does.
pub(super) fn locate_like_gnu(
    input: &Input<'_>,
    h: &Hunk,
    fwd: &Pattern<'_>,
    rev: &Pattern<'_>,
    max_fuzz: usize,
    in_offset: &mut i64,
    last_frozen: i64,
) -> Option<(bool, i64, i64)> {
    let mymaxfuzz = (max_fuzz as i64).min(fwd.prefix.max(fwd.suffix));
    for fuzz in 0..=mymaxfuzz {
        let w = locate_hunk(input, fwd, fuzz, in_offset, last_frozen);
        if w != 0 {
            return Some((false, w, fuzz));
        }
        if h.index == 1 {
            let mut probe = *in_offset;
            let w = locate_hunk(input, rev, fuzz, &mut probe, last_frozen);
            if w != 0 {
                return Some((true, w, fuzz));
            }
        }
    }
    None
}

/// Apply all hunks of one file section to `input` the way GNU does.
pub(super) fn run_hunks<'c>(f: &FilePatch, content: &'c [u8], max_fuzz: usize) -> FileRun<'c> {
    let input = Input::new(content);
    let mut out = Output {
        buf: Vec::with_capacity(content.len() + 1024),
        after_newline: true,
        last_frozen: 0,
        input: &input,
    };
    let mut in_offset: i64 = 0;
    let mut out_offset: i64 = 0;
    let mut verdicts = Vec::with_capacity(f.hunks.len());
    let mut reject = Vec::new();
    // GNU patch -N: when hunk #1 is found reversed ("Reversed (or previously
    // applied) patch detected!  Skipping patch."), every later hunk of the
    // file is ignored and the file is left as it is. The harness does the
    // same, so that the cumulative state (and so every later patch's verdict)
    // matches GNU's; each later hunk is still checked on its own: present in
    // reverse exactly -> already-applied, otherwise failed ("skipped with the
    // file", explained in its diagnosis). Nothing of the file is written.
    let mut file_reversed = false;
    for h in &f.hunks {
        let mut v = Verdict {
            status: HunkStatus::Failed,
            line: None,
            offset: None,
            fuzz: None,
            expected: h.gnu_first() as i64 + in_offset,
            warnings: Vec::new(),
            rewritten: None,
            old_start: h.gnu_first(),
            new_start: h.gnu_newfirst(),
            skipped_with_file: false,
        };
        if h.malformed.is_some() {
            v.status = HunkStatus::Malformed;
            verdicts.push(v);
            continue;
        }
        let fwd = Pattern::forward(h);
        let rev = Pattern::reverse(h);
        let found: Option<(bool, i64, i64)> = if file_reversed {
            // GNU ignores this hunk (the file is skipped); it is only checked
            // for being present already.
            let present = find_exact(&input, &rev, in_offset, out.last_frozen);
            v.skipped_with_file = present.is_none();
            present.map(|w| (true, w, 0))
        } else {
            locate_like_gnu(
                &input,
                h,
                &fwd,
                &rev,
                max_fuzz,
                &mut in_offset,
                out.last_frozen,
            )
            // Already-applied detection for every hunk: the postimage, exactly.
            .or_else(|| {
                (h.index != 1)
                    .then(|| find_exact(&input, &rev, in_offset, out.last_frozen))
                    .flatten()
                    .map(|w| (true, w, 0))
            })
        };
        match found {
            Some((false, w, fz)) => {
                // GNU takes a fuzzy forward match; say so when the hunk's
                // result is also in the file exactly (likely a duplicate).
                if fz > 0 {
                    if let Some(r) = find_exact(&input, &rev, in_offset, out.last_frozen) {
                        v.warnings.push(format!(
                            "applied with fuzz {fz}, but the hunk's result is already present \
                             exactly at line {}: this may have duplicated the change",
                            r + out_offset
                        ));
                    }
                }
                let newwhere = w + out_offset;
                let rewritten = rewrite_hunk(h, &input, w, newwhere);
                if apply_hunk(&mut out, h, w) {
                    out_offset += h.new_lines().count() as i64 - h.old_lines().count() as i64;
                    v.status = HunkStatus::Applied;
                    v.line = usize::try_from(newwhere).ok();
                    v.offset = Some(in_offset);
                    v.fuzz = Some(fz as usize);
                    v.rewritten = Some(rewritten);
                    v.old_start = w.max(0) as usize;
                    v.new_start = newwhere.max(0) as usize;
                } else {
                    v.warnings
                        .push("misordered hunks: output would be garbled".into());
                    // GNU prints the place it found (before the previous hunk).
                    v.line = usize::try_from(newwhere).ok();
                }
            }
            Some((true, w, fz)) => {
                file_reversed |= h.index == 1;
                v.status = HunkStatus::AlreadyApplied;
                v.line = usize::try_from(w + out_offset).ok();
                if fz > 0 {
                    v.warnings.push(format!(
                        "the change is present, found in reverse only with fuzz {fz}"
                    ));
                }
                // in_offset is left alone: for GNU this hunk FAILED (or, as
                // hunk #1, ends the file), and a failed hunk does not move
                // the origin of the next hunk's nearest-offset search.
                v.old_start = w.max(0) as usize;
                v.new_start = (w + out_offset).max(0) as usize;
            }
            None => {
                v.line = usize::try_from(h.gnu_first() as i64 + out_offset).ok();
            }
        }
        if v.status == HunkStatus::Failed {
            if reject.is_empty() {
                reject.extend_from_slice(&reject_header(f));
            }
            reject.extend_from_slice(&reject_hunk(h, out_offset));
        }
        verdicts.push(v);
    }
    out.copy_till(input.len());
    FileRun {
        output: out.buf,
        lines: input.lines,
        verdicts,
        reject,
    }
}
