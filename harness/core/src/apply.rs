//! The apply engine: GNU patch 2.7's hunk location, cumulative over a series,
//! in memory.
//!
//! Reads go to a read-only [`BaseTree`] plus an overlay of files changed by
//! earlier patches of the series. Every hunk gets a verdict; nothing stops at
//! the first failure. The location rules are those of `locate_hunk`,
//! `patch_match` and `apply_hunk` in GNU patch's src/patch.c:
//! fuzz levels 0..=min(max_fuzz, max(prefix, suffix context)), each searching
//! the whole file outward from the expected line (+offset before -offset),
//! the expected line carrying the offset of earlier hunks of the file, never
//! before the last line changed by an earlier hunk (`last_frozen_line`), and
//! hunks with fewer leading than trailing context lines anchored to the start
//! of the file (and the reverse at the end).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::diagnose::{
    self, Cause, Diagnosis, EarlierFailures, FileDiagnoser, HunkContext, Placed, TreeLookup,
};
use crate::patch::{FileOp, FilePatch, Hunk, LineKind, ParsedPatch};
use crate::report::{
    AggregateStatus, ApplyReport, FileResult, HunkResult, HunkStatus, PatchResult, APPLY_SCHEMA,
};

/// A file of the base tree.
#[derive(Debug, Clone)]
pub struct BaseFile {
    pub bytes: Arc<Vec<u8>>,
    /// Unix mode bits as git writes them (e.g. 0o100644), when known.
    pub mode: Option<u32>,
}

/// Git's mode for a symlink: a [`BaseFile`] or [`FileChange::Write`] with
/// this mode is a symlink whose target is its bytes.
pub const SYMLINK_MODE: u32 = 0o120000;

/// What a path of the base tree is, without following a final symlink.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    File,
    Symlink,
    Dir,
    Other,
}

/// Read-only view of the tree the series is applied to.
pub trait BaseTree: Sync {
    /// `Ok(None)` when the file does not exist; `Err(reason)` when the path
    /// must not be read (e.g. it leads out of the tree through a symlink).
    /// A symlink reads as its target with mode [`SYMLINK_MODE`].
    fn read(&self, path: &str) -> Result<Option<BaseFile>, String>;
    /// What is at `path` (whose parents are known to be directories);
    /// `None` when nothing is there.
    fn entry(&self, _path: &str) -> Option<EntryKind> {
        None
    }
}

fn is_symlink_mode(mode: Option<u32>) -> bool {
    mode.is_some_and(|m| m & 0o170000 == SYMLINK_MODE)
}

/// A change to one file made by the series.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileChange {
    Write {
        bytes: Arc<Vec<u8>>,
        mode: Option<u32>,
    },
    Delete,
}

/// Everything the series changed, for writing a tree.
#[derive(Debug, Clone, Default)]
pub struct Changes {
    /// Path (relative to the tree) -> new content or deletion.
    pub files: BTreeMap<String, FileChange>,
    /// Path of the target file -> text of its `.rej` (GNU unified format).
    pub rejects: BTreeMap<String, Vec<u8>>,
}

/// Where one hunk ended up, and the hunk as it now applies (for refresh).
#[derive(Debug, Clone)]
pub struct HunkPlacement {
    pub patch_index: usize,
    pub path: String,
    pub hunk_index: usize,
    pub status: HunkStatus,
    /// Line of the old side in the file as it stood before this patch.
    pub old_start: usize,
    /// Line of the new side in the file after this patch.
    pub new_start: usize,
    pub fuzz: usize,
    pub offset: i64,
    /// For applied hunks: the hunk rewritten with its real position and the
    /// file's actual context lines (`@@ -a,b +c,d @@ ...` and body).
    pub rewritten: Option<Vec<u8>>,
}

#[derive(Debug, Clone, Copy)]
pub struct ApplyOptions {
    /// GNU's `-F`; 2 by default.
    pub max_fuzz: usize,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        ApplyOptions { max_fuzz: 2 }
    }
}

/// One patch of the series as the engine needs it.
pub struct PatchInput<'a> {
    pub index: usize,
    pub name: &'a str,
    pub subject: Option<&'a str>,
    pub parsed: &'a ParsedPatch,
}

/// The result of applying a series.
#[derive(Debug, Clone)]
pub struct SeriesOutcome {
    pub report: ApplyReport,
    pub changes: Changes,
    pub placements: Vec<HunkPlacement>,
}

/// Applies patches one after another over a base tree.
pub struct SeriesApplier<'a> {
    base: &'a dyn BaseTree,
    lookup: &'a dyn TreeLookup,
    opts: ApplyOptions,
    changes: Changes,
    placements: Vec<HunkPlacement>,
    earlier: EarlierFailures,
    patches: Vec<PatchResult>,
    /// What each path changed by the current patch held before it (`None`:
    /// the base tree's file): rename and copy sources are read from the tree
    /// as it stood before the patch, as git and GNU patch do.
    pre_patch: BTreeMap<String, Option<FileChange>>,
    /// Paths the current patch has written (not deleted): a rename's source
    /// that another section of the same patch wrote is not deleted.
    written: BTreeSet<String>,
}

/// Apply `patches` in order; never stops at a failure.
pub fn apply_series(
    base: &dyn BaseTree,
    lookup: &dyn TreeLookup,
    series: &str,
    tree: &str,
    patches: &[PatchInput<'_>],
    opts: ApplyOptions,
) -> SeriesOutcome {
    let mut a = SeriesApplier::new(base, lookup, opts);
    for p in patches {
        a.apply_patch(p);
    }
    a.finish(series, tree)
}

/// Every hunk of a section that cannot be applied: `failed` with the
/// diagnosis `diag` gives it (at GNU's line), or `malformed` as parsed.
fn failed_hunks(f: &FilePatch, mut diag: impl FnMut(&Hunk) -> Diagnosis) -> Vec<HunkResult> {
    f.hunks
        .iter()
        .map(|h| {
            if h.malformed.is_some() {
                return simple_hunk(h, HunkStatus::Malformed, None, None);
            }
            let d = diag(h);
            simple_hunk(h, HunkStatus::Failed, Some(h.gnu_first()), Some(d))
        })
        .collect()
}

/// Combined status of a set of statuses.
pub fn aggregate<I: IntoIterator<Item = AggregateStatus>>(items: I) -> AggregateStatus {
    let (mut ok, mut already, mut failed, mut malformed, mut partial, mut n) = (0, 0, 0, 0, 0, 0);
    for s in items {
        n += 1;
        match s {
            AggregateStatus::Applied => ok += 1,
            AggregateStatus::AlreadyApplied => already += 1,
            AggregateStatus::Failed => failed += 1,
            AggregateStatus::Malformed => malformed += 1,
            AggregateStatus::Partial => partial += 1,
        }
    }
    if n == 0 {
        return AggregateStatus::Applied;
    }
    if partial > 0 || ((ok + already) > 0 && (failed + malformed) > 0) {
        AggregateStatus::Partial
    } else if failed + malformed > 0 {
        if malformed > 0 {
            AggregateStatus::Malformed
        } else {
            AggregateStatus::Failed
        }
    } else if ok > 0 {
        AggregateStatus::Applied
    } else {
        AggregateStatus::AlreadyApplied
    }
}

fn hunk_agg(s: HunkStatus) -> AggregateStatus {
    match s {
        HunkStatus::Applied => AggregateStatus::Applied,
        HunkStatus::Failed => AggregateStatus::Failed,
        HunkStatus::AlreadyApplied => AggregateStatus::AlreadyApplied,
        HunkStatus::Malformed => AggregateStatus::Malformed,
    }
}

/// Refuse paths that leave the tree: absolute, `..`, empty.
pub fn check_path(p: &str) -> Result<String, String> {
    if p.starts_with('/') {
        return Err(format!("path `{p}` is absolute and escapes the tree"));
    }
    if p.bytes().any(|b| b == 0) {
        return Err(format!("path `{}` contains a NUL byte", p.escape_debug()));
    }
    let mut parts = Vec::new();
    for c in p.split('/') {
        match c {
            "" | "." => {}
            ".." => return Err(format!("path `{p}` escapes the tree (`..` component)")),
            // Like git's verify_path: a patch never writes repository
            // metadata (an executable `.git/hooks/post-checkout` would run on
            // the next checkout).
            c if names_git_dir(c) => {
                return Err(format!("path `{p}` is inside a `.git` directory"))
            }
            c => parts.push(c),
        }
    }
    if parts.is_empty() {
        return Err(format!("path `{p}` names no file"));
    }
    Ok(parts.join("/"))
}

/// A path component git's `verify_path` refuses as the repository
/// directory (git 2.47 with its default `core.protectNTFS`): `.git` or its
/// NTFS short name `git~1`, in any case, followed only by dots or spaces
/// (which NTFS drops), or by `:` (an NTFS stream) or a backslash.
fn names_git_dir(component: &str) -> bool {
    let b = component.as_bytes();
    let rest = if b.len() >= 4 && b[0] == b'.' && b[1..4].eq_ignore_ascii_case(b"git") {
        &b[4..]
    } else if b.len() >= 5 && b[..5].eq_ignore_ascii_case(b"git~1") {
        &b[5..]
    } else {
        return false;
    };
    for &c in rest {
        match c {
            b':' | b'\\' => return true,
            b'.' | b' ' => {}
            _ => return false,
        }
    }
    true
}

/// GNU `best_name`: fewest components, then shortest basename, then shortest.
fn best_name<'n>(names: &[&'n str]) -> Option<&'n str> {
    names.iter().copied().min_by_key(|n| {
        let comps = n.matches('/').count();
        let base = n.rsplit('/').next().map_or(0, str::len);
        (comps, base, n.len())
    })
}

/// Lines of `b`, each with its `\n` (the last may lack one). memchr finds the
/// newlines a word at a time; a byte-wise `split_inclusive` was a quarter of the
/// run time of applying the PREEMPT_RT series.
pub(crate) fn split_lines(b: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::with_capacity(b.len() / 32 + 1);
    let mut start = 0;
    for nl in memchr::memchr_iter(b'\n', b) {
        out.push(&b[start..=nl]);
        start = nl + 1;
    }
    if start < b.len() {
        out.push(&b[start..]);
    }
    out
}

/// A hunk side as GNU sees it: lines 1..=len, first line number, contexts.
struct Pattern<'h> {
    lines: Vec<&'h [u8]>,
    first: i64,
    prefix: i64,
    suffix: i64,
}

impl<'h> Pattern<'h> {
    fn forward(h: &'h Hunk) -> Self {
        Pattern {
            lines: h.old_lines().map(|l| l.text.as_slice()).collect(),
            first: h.gnu_first() as i64,
            prefix: h.prefix_context() as i64,
            suffix: h.suffix_context() as i64,
        }
    }
    fn reverse(h: &'h Hunk) -> Self {
        Pattern {
            lines: h.new_lines().map(|l| l.text.as_slice()).collect(),
            first: h.gnu_newfirst() as i64,
            prefix: h.prefix_context() as i64,
            suffix: h.suffix_context() as i64,
        }
    }
}

struct Input<'f> {
    lines: Vec<&'f [u8]>,
}

impl<'f> Input<'f> {
    fn len(&self) -> i64 {
        self.lines.len() as i64
    }
    /// GNU `ifetch`: empty for lines out of range.
    fn get(&self, line: i64) -> &'f [u8] {
        if line < 1 {
            return b"";
        }
        self.lines.get((line - 1) as usize).copied().unwrap_or(b"")
    }
}

/// GNU `patch_match`.
fn patch_match(
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
fn locate_hunk(
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
struct Output<'f> {
    buf: Vec<u8>,
    after_newline: bool,
    last_frozen: i64,
    input: &'f Input<'f>,
}

impl Output<'_> {
    fn copy_till(&mut self, lastline: i64) -> bool {
        if self.last_frozen > lastline {
            return false;
        }
        while self.last_frozen < lastline {
            self.last_frozen += 1;
            let s = self.input.get(self.last_frozen);
            if !s.is_empty() {
                if !self.after_newline {
                    self.buf.push(b'\n');
                }
                self.buf.extend_from_slice(s);
                self.after_newline = s.ends_with(b"\n");
            }
        }
        true
    }
    fn write(&mut self, s: &[u8]) {
        if !self.after_newline {
            self.buf.push(b'\n');
        }
        self.buf.extend_from_slice(s);
        self.after_newline = s.ends_with(b"\n") || s.is_empty();
    }
}

/// GNU `apply_hunk`; false on misordered hunks.
fn apply_hunk(out: &mut Output<'_>, h: &Hunk, at: i64) -> bool {
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

fn push_line(buf: &mut Vec<u8>, prefix: u8, text: &[u8]) {
    buf.push(prefix);
    buf.extend_from_slice(text);
    if !text.ends_with(b"\n") {
        buf.extend_from_slice(b"\n\\ No newline at end of file\n");
    }
}

/// GNU `print_unidiff_range`.
fn unidiff_range(start: i64, count: usize) -> String {
    match count {
        0 => format!("{},0", start - 1),
        1 => format!("{start}"),
        n => format!("{start},{n}"),
    }
}

fn hunk_header(old: i64, oldn: usize, new: i64, newn: usize, func: Option<&str>) -> String {
    let mut s = format!(
        "@@ -{} +{} @@",
        unidiff_range(old, oldn),
        unidiff_range(new, newn)
    );
    if let Some(f) = func {
        s.push(' ');
        s.push_str(f);
    }
    s.push('\n');
    s
}

/// The hunk as it applies at `at`: positions and context from the file.
fn rewrite_hunk(h: &Hunk, input: &Input<'_>, at: i64, new_at: i64) -> Vec<u8> {
    let oldn = h.old_lines().count();
    let newn = h.new_lines().count();
    let mut out = hunk_header(at, oldn, new_at, newn, h.function.as_deref()).into_bytes();
    let mut k = 0i64;
    for l in &h.lines {
        match l.kind {
            LineKind::Context => {
                let t = input.get(at + k);
                push_line(&mut out, b' ', if t.is_empty() { &l.text } else { t });
                k += 1;
            }
            LineKind::Remove => {
                let t = input.get(at + k);
                push_line(&mut out, b'-', if t.is_empty() { &l.text } else { t });
                k += 1;
            }
            LineKind::Add => push_line(&mut out, b'+', &l.text),
        }
    }
    out
}

/// The hunk in GNU's reject format, with `out_offset` added.
fn reject_hunk(h: &Hunk, out_offset: i64) -> Vec<u8> {
    let oldn = h.old_lines().count();
    let newn = h.new_lines().count();
    let mut out = hunk_header(
        h.gnu_first() as i64 + out_offset,
        oldn,
        h.gnu_newfirst() as i64 + out_offset,
        newn,
        h.function.as_deref(),
    )
    .into_bytes();
    for l in &h.lines {
        let c = match l.kind {
            LineKind::Context => b' ',
            LineKind::Remove => b'-',
            LineKind::Add => b'+',
        };
        push_line(&mut out, c, &l.text);
    }
    out
}

fn reject_header(f: &FilePatch) -> Vec<u8> {
    let name = |p: &Option<String>, t: &Option<String>| {
        format!(
            "{}{}",
            p.as_deref().unwrap_or("/dev/null"),
            t.as_deref().unwrap_or("")
        )
    };
    let old = if f.op == FileOp::Create {
        None
    } else {
        f.old_path.clone()
    };
    let new = if f.op == FileOp::Delete {
        None
    } else {
        f.new_path.clone()
    };
    format!(
        "--- {}\n+++ {}\n",
        name(&old, &f.old_time),
        name(&new, &f.new_time)
    )
    .into_bytes()
}

/// Per-hunk verdict computed by [`run_hunks`].
struct Verdict {
    status: HunkStatus,
    line: Option<usize>,
    offset: Option<i64>,
    fuzz: Option<usize>,
    expected: i64,
    warnings: Vec<String>,
    rewritten: Option<Vec<u8>>,
    old_start: usize,
    new_start: usize,
    /// Not tried forward because hunk #1 of the file was found reversed (GNU
    /// patch -N then skips the rest of the file), and not present either.
    skipped_with_file: bool,
}

struct FileRun {
    verdicts: Vec<Verdict>,
    output: Vec<u8>,
    reject: Vec<u8>,
}

/// Where `pat` matches exactly (fuzz 0), searching from `in_offset` the way
/// GNU does, without moving the caller's offset. Used with the reversed
/// pattern: the hunk's change is already in the file there.
fn find_exact(
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
fn locate_like_gnu(
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
fn run_hunks(f: &FilePatch, content: &[u8], max_fuzz: usize) -> FileRun {
    let input = Input {
        lines: split_lines(content),
    };
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
        verdicts,
        output: out.buf,
        reject,
    }
}

/// Read-only lookup over the base tree with the series' changes on top.
struct OverlayLookup<'a> {
    base: &'a dyn TreeLookup,
    files: &'a BTreeMap<String, FileChange>,
}

impl TreeLookup for OverlayLookup<'_> {
    fn paths_named(&self, name: &str) -> Vec<String> {
        let mut set: BTreeSet<String> = self
            .base
            .paths_named(name)
            .into_iter()
            .filter(|p| !matches!(self.files.get(p), Some(FileChange::Delete)))
            .collect();
        for (p, c) in self.files {
            if matches!(c, FileChange::Write { .. }) && p.rsplit('/').next() == Some(name) {
                set.insert(p.clone());
            }
        }
        set.into_iter().collect()
    }
    fn paths_in_dir(&self, dir: &str) -> Vec<String> {
        let mut set: BTreeSet<String> = self
            .base
            .paths_in_dir(dir)
            .into_iter()
            .filter(|p| !matches!(self.files.get(p), Some(FileChange::Delete)))
            .collect();
        for (p, c) in self.files {
            let parent = p.rsplit_once('/').map_or("", |(d, _)| d);
            if matches!(c, FileChange::Write { .. }) && parent == dir {
                set.insert(p.clone());
            }
        }
        set.into_iter().collect()
    }
    fn read(&self, path: &str) -> Option<String> {
        match self.files.get(path) {
            Some(FileChange::Write { bytes, .. }) => {
                Some(String::from_utf8_lossy(bytes).into_owned())
            }
            Some(FileChange::Delete) => None,
            None => self.base.read(path),
        }
    }
}

/// Warnings for a hunk applied with fuzz or at an offset (see
/// `diagnose::placement_warnings`). `file` is the file before this patch.
fn placement_warnings(h: &Hunk, path: &str, file: &[&str], placed: &Placed) -> Vec<String> {
    let (olds, news) = hunk_strs(h);
    let o: Vec<&str> = olds.iter().map(String::as_str).collect();
    let n: Vec<&str> = news.iter().map(String::as_str).collect();
    let ctx = HunkContext {
        path,
        old_lines: &o,
        new_lines: &n,
        expected_line: placed.at.max(1),
        file: Some(file),
    };
    diagnose::placement_warnings(&ctx, placed)
}

/// Whitespace-blind equality of two lines, without allocating.
fn ws_eq(a: &[u8], b: &[u8]) -> bool {
    let f = |c: &&u8| !c.is_ascii_whitespace();
    a.iter().filter(f).eq(b.iter().filter(f))
}

/// Cheap pre-check for a fuzz-0 apply at an offset: does the expected place
/// hold some (not all) of the preimage lines? Only then are the file's
/// lines converted for the look-alike check.
fn may_be_look_alike(h: &Hunk, content_lines: &[&[u8]], at: usize, expected: i64) -> bool {
    let Some(start) = usize::try_from(expected - 1).ok() else {
        return false;
    };
    let old: Vec<&[u8]> = h.old_lines().map(|l| l.text.as_slice()).collect();
    let region = content_lines.get(start..).unwrap_or(&[]);
    let same = old
        .iter()
        .zip(region)
        .filter(|(a, b)| a.len() > 3 && ws_eq(a, b))
        .count();
    if same >= 2 && same < old.len() {
        return true;
    }
    let placed = Placed {
        at,
        expected: expected as usize,
        fuzz: 0,
    };
    if !diagnose::near_copy_starts(&old, content_lines, &placed, |a, b| ws_eq(a, b)).is_empty() {
        return true;
    }
    // The exact preimage occurs more than once: the look-alike search on
    // the converted lines may fire.
    !old.is_empty()
        && content_lines
            .windows(old.len())
            .filter(|w| *w == old.as_slice())
            .take(2)
            .count()
            > 1
}

fn hunk_strs(h: &Hunk) -> (Vec<String>, Vec<String>) {
    let conv = |l: &crate::patch::HunkLine| {
        String::from_utf8_lossy(l.text.strip_suffix(b"\n").unwrap_or(&l.text)).into_owned()
    };
    (
        h.old_lines().map(conv).collect(),
        h.new_lines().map(conv).collect(),
    )
}

fn to_strs(lines: &[&[u8]]) -> Vec<String> {
    lines
        .iter()
        .map(|l| {
            let l = l.strip_suffix(b"\n").unwrap_or(l);
            String::from_utf8_lossy(l).into_owned()
        })
        .collect()
}

impl<'a> SeriesApplier<'a> {
    pub fn new(base: &'a dyn BaseTree, lookup: &'a dyn TreeLookup, opts: ApplyOptions) -> Self {
        SeriesApplier {
            base,
            lookup,
            opts,
            changes: Changes::default(),
            placements: Vec::new(),
            earlier: EarlierFailures::default(),
            patches: Vec::new(),
            pre_patch: BTreeMap::new(),
            written: BTreeSet::new(),
        }
    }

    /// Record a change of `path`, remembering what it held before this patch.
    fn set_change(&mut self, path: &str, change: FileChange) {
        if !self.pre_patch.contains_key(path) {
            let prev = self.changes.files.get(path).cloned();
            self.pre_patch.insert(path.to_owned(), prev);
        }
        if matches!(change, FileChange::Write { .. }) {
            self.written.insert(path.to_owned());
        } else {
            self.written.remove(path);
        }
        self.changes.files.insert(path.to_owned(), change);
    }

    /// `path` as it stood before the current patch.
    fn original(&self, path: &str) -> Result<Option<BaseFile>, String> {
        match self.pre_patch.get(path) {
            Some(Some(FileChange::Write { bytes, mode })) => Ok(Some(BaseFile {
                bytes: bytes.clone(),
                mode: *mode,
            })),
            Some(Some(FileChange::Delete)) => Ok(None),
            Some(None) => self.base.read(path),
            None => self.current(path),
        }
    }

    /// Current content of `path` (overlay, then base).
    fn current(&self, path: &str) -> Result<Option<BaseFile>, String> {
        match self.changes.files.get(path) {
            Some(FileChange::Write { bytes, mode }) => Ok(Some(BaseFile {
                bytes: bytes.clone(),
                mode: *mode,
            })),
            Some(FileChange::Delete) => Ok(None),
            None => self.base.read(path),
        }
    }

    fn exists(&self, path: &str) -> bool {
        matches!(self.current(path), Ok(Some(_)))
    }

    /// Whether `path` may be read and written: every directory on the way
    /// must be a directory, never a symlink (in the tree or made by the
    /// series), so the verdict refuses exactly what the writer would.
    fn path_check(&self, path: &str) -> Result<(), String> {
        let comps: Vec<&str> = path.split('/').collect();
        let mut base_valid = true;
        for i in 1..comps.len() {
            let prefix = comps[..i].join("/");
            let kind = match self.changes.files.get(&prefix) {
                Some(FileChange::Write { mode, .. }) if is_symlink_mode(*mode) => {
                    Some(EntryKind::Symlink)
                }
                Some(FileChange::Write { .. }) => Some(EntryKind::File),
                Some(FileChange::Delete) => {
                    base_valid = false;
                    None
                }
                None if base_valid => self.base.entry(&prefix),
                None => None,
            };
            match kind {
                None | Some(EntryKind::Dir) => {}
                Some(EntryKind::Symlink) => {
                    return Err(format!(
                        "path `{path}` goes through symlink `{prefix}` (the harness never \
                         follows a symlink when patching)"
                    ))
                }
                Some(_) => {
                    return Err(format!("path `{path}`: `{prefix}` is not a directory"));
                }
            }
        }
        Ok(())
    }

    /// Content of `path` as the series has left it so far (None when it does
    /// not exist or cannot be read).
    pub fn content(&self, path: &str) -> Option<Arc<Vec<u8>>> {
        self.current(path).ok().flatten().map(|f| f.bytes)
    }

    /// Replace the content of `path` from here on (used by the orchestration
    /// layer's 3-way fallback for a clean merge); keeps the file's mode.
    pub fn replace_content(&mut self, path: &str, bytes: Vec<u8>) {
        let mode = self.current(path).ok().flatten().and_then(|f| f.mode);
        self.set_change(
            path,
            FileChange::Write {
                bytes: Arc::new(bytes),
                mode,
            },
        );
    }

    /// The result of the patch applied last, to attach what the caller
    /// learned afterwards (e.g. 3-way outcomes).
    pub fn last_patch_mut(&mut self) -> Option<&mut PatchResult> {
        self.patches.last_mut()
    }

    /// Apply one patch on top of everything applied so far; returns its result
    /// (also kept for the final report).
    pub fn apply_patch(&mut self, p: &PatchInput<'_>) -> PatchResult {
        self.pre_patch.clear();
        self.written.clear();
        self.earlier.begin_patch(p.index, p.subject);
        let mut files = Vec::new();
        for f in &p.parsed.files {
            files.push(self.apply_file(p, f));
        }
        let mut errors = p.parsed.errors.clone();
        let status = if files.is_empty() {
            if errors.is_empty() {
                errors.push("no file changes in the patch".into());
            }
            AggregateStatus::Malformed
        } else {
            aggregate(files.iter().map(|f| f.status))
        };
        let r = PatchResult {
            index: p.index,
            name: p.name.to_owned(),
            subject: p.subject.map(str::to_owned),
            status,
            files,
            errors,
            message_id: None,
            revision: None,
        };
        self.patches.push(r.clone());
        r
    }

    /// The report and everything changed.
    pub fn finish(self, series: &str, tree: &str) -> SeriesOutcome {
        let status = aggregate(self.patches.iter().map(|p| p.status));
        SeriesOutcome {
            report: ApplyReport {
                schema: APPLY_SCHEMA.to_owned(),
                series: series.to_owned(),
                tree: tree.to_owned(),
                tree_identity: None,
                fuzz: self.opts.max_fuzz,
                status,
                patches: self.patches,
            },
            changes: self.changes,
            placements: self.placements,
        }
    }

    /// A rename or copy onto a file that exists and that the patch does not
    /// move away or delete (criss-cross renames do).
    fn onto_existing(&self, p: &PatchInput<'_>, f: &FilePatch, source: &str, target: &str) -> bool {
        let vacated = p.parsed.files.iter().any(|o| {
            matches!(o.op, FileOp::Rename | FileOp::Delete) && o.old_path.as_deref() == Some(target)
        });
        matches!(f.op, FileOp::Rename | FileOp::Copy)
            && source != target
            && !vacated
            && matches!(self.current(target), Ok(Some(_)))
    }

    fn refused(&self, f: &FilePatch, path: String, reason: String) -> FileResult {
        FileResult {
            path,
            old_path: None,
            status: AggregateStatus::Malformed,
            reason: Some(reason.clone()),
            hunks: f
                .hunks
                .iter()
                .map(|h| HunkResult {
                    index: h.index,
                    status: HunkStatus::Malformed,
                    offset: None,
                    fuzz: None,
                    line: None,
                    source_line: Some(h.source_line),
                    diagnosis: Some(Diagnosis::new(Cause::Malformed, reason.clone())),
                    warnings: Vec::new(),
                })
                .collect(),
            threeway: None,
        }
    }

    fn apply_file(&mut self, p: &PatchInput<'_>, f: &FilePatch) -> FileResult {
        let display = f.display_path();
        let who = format!("patch {} ({})", p.index, p.name);
        if let Some(problem) = &f.problem {
            return self.refused(f, display, format!("{who}: {problem}"));
        }
        // Validate every name the section uses.
        for n in [&f.old_path, &f.new_path].into_iter().flatten() {
            if let Err(e) = check_path(n) {
                return self.refused(f, n.clone(), format!("{who}: {e}"));
            }
        }
        let old = f.old_path.as_deref().and_then(|p| check_path(p).ok());
        let new = f.new_path.as_deref().and_then(|p| check_path(p).ok());
        let (source, target) = match f.op {
            FileOp::Create => {
                let t = new.clone().or(old.clone());
                (t.clone(), t)
            }
            FileOp::Delete => {
                let t = old.clone().or(new.clone());
                (t.clone(), t)
            }
            FileOp::Rename | FileOp::Copy => (old.clone(), new.clone()),
            FileOp::Modify => {
                let t = match (&old, &new) {
                    (Some(a), Some(b)) if a == b => Some(a.clone()),
                    (Some(a), Some(b)) => {
                        let existing: Vec<&str> = [a.as_str(), b.as_str()]
                            .into_iter()
                            .filter(|n| self.exists(n))
                            .collect();
                        best_name(&existing)
                            .or_else(|| best_name(&[a.as_str(), b.as_str()]))
                            .map(str::to_owned)
                    }
                    (a, b) => a.clone().or(b.clone()),
                };
                (t.clone(), t)
            }
        };
        let (Some(source), Some(target)) = (source, target) else {
            return self.refused(
                f,
                display,
                format!("{who}: the section names no usable file"),
            );
        };
        for path in [&source, &target] {
            if let Err(e) = self.path_check(path) {
                return self.refused(f, target.clone(), format!("{who}: {e}"));
            }
        }
        let mut result = FileResult {
            path: target.clone(),
            old_path: (source != target).then(|| source.clone()),
            status: AggregateStatus::Applied,
            reason: None,
            hunks: Vec::new(),
            threeway: None,
        };
        if f.binary {
            result.status = AggregateStatus::Failed;
            result.reason = Some(format!(
                "{who}: binary patch for `{target}` is not supported (use `git apply` for binary files)"
            ));
            self.earlier.record(p.index, &target);
            return result;
        }
        // Git semantics: a rename or copy reads its source as the tree stood
        // before this patch (criss-cross renames, copy after modify).
        let cur = if matches!(f.op, FileOp::Rename | FileOp::Copy) {
            self.original(&source)
        } else {
            self.current(&source)
        };
        let cur = match cur {
            Ok(c) => c,
            Err(e) => return self.refused(f, target, format!("{who}: {e}")),
        };
        if source != target {
            if let Err(e) = self.current(&target) {
                return self.refused(f, target, format!("{who}: {e}"));
            }
        }
        // GNU patch: "File X is not a regular file -- refusing to patch"
        // unless the patch is a git diff (which can carry symlinks).
        if !f.git && cur.as_ref().is_some_and(|c| is_symlink_mode(c.mode)) {
            return self.refused(
                f,
                target,
                format!("{who}: `{source}` is a symlink, not a regular file: refusing to patch it"),
            );
        }
        let new_mode = f.new_mode;
        match f.op {
            FileOp::Create => {
                // GNU patches an existing empty file as if it were missing.
                let cur = cur.filter(|c| !c.bytes.is_empty() || f.hunks.is_empty());
                if let Some(existing) = &cur {
                    let expected: Vec<u8> = f
                        .hunks
                        .iter()
                        .flat_map(|h| h.new_lines().flat_map(|l| l.text.iter().copied()))
                        .collect();
                    if existing.bytes.as_slice() == expected.as_slice()
                        && f.hunks.iter().all(|h| h.malformed.is_none())
                    {
                        result.hunks = f
                            .hunks
                            .iter()
                            .map(|h| simple_hunk(h, HunkStatus::AlreadyApplied, Some(1), None))
                            .collect();
                        result.status = if f.hunks.is_empty() {
                            AggregateStatus::AlreadyApplied
                        } else {
                            aggregate(result.hunks.iter().map(|h| hunk_agg(h.status)))
                        };
                        return result;
                    }
                    let summary = format!(
                        "`{target}` already exists with different content; the patch creates it"
                    );
                    result.status = AggregateStatus::Failed;
                    result.reason = Some(summary.clone());
                    result.hunks = f
                        .hunks
                        .iter()
                        .map(|h| {
                            if h.malformed.is_some() {
                                simple_hunk(h, HunkStatus::Malformed, None, None)
                            } else {
                                simple_hunk(
                                    h,
                                    HunkStatus::Failed,
                                    Some(h.gnu_newfirst()),
                                    Some(Diagnosis::new(Cause::TargetChanged, summary.clone())),
                                )
                            }
                        })
                        .collect();
                    if !f.hunks.is_empty() {
                        result.status = aggregate(result.hunks.iter().map(|h| hunk_agg(h.status)));
                    }
                    self.record_failures(p.index, &result);
                    self.add_reject_all(f, &target);
                    return result;
                }
                self.run_on(
                    p,
                    f,
                    &target,
                    &target,
                    b"",
                    new_mode.or(Some(0o100644)),
                    result,
                )
            }
            FileOp::Delete if cur.is_none() => {
                result.status = AggregateStatus::AlreadyApplied;
                result.reason = Some(format!("`{target}` does not exist: already deleted"));
                result.hunks = f
                    .hunks
                    .iter()
                    .map(|h| simple_hunk(h, HunkStatus::AlreadyApplied, None, None))
                    .collect();
                result
            }
            _ if cur.is_some() && self.onto_existing(p, f, &source, &target) => {
                let what = if f.op == FileOp::Rename {
                    "rename"
                } else {
                    "copy"
                };
                result.old_path = Some(source.clone());
                result.status = AggregateStatus::Failed;
                result.reason = Some(format!(
                    "`{target}` already exists: the {what} from `{source}` would overwrite it (git apply refuses too; GNU patch overwrites it, patches it, or leaves it, depending on the hunks)"
                ));
                let summary = result.reason.clone().unwrap_or_default();
                result.hunks =
                    failed_hunks(f, |_| Diagnosis::new(Cause::TargetChanged, summary.clone()));
                self.record_failures(p.index, &result);
                self.add_reject_all(f, &target);
                result
            }
            _ => {
                let cur = match cur {
                    Some(c) => Some(c),
                    None if source != target => match self.current(&target) {
                        // Rename/copy already done: check the hunks against the target.
                        Ok(Some(t)) => {
                            result.old_path = Some(source.clone());
                            let bytes = t.bytes.clone();
                            let mut r = self.run_on(p, f, &target, &target, &bytes, t.mode, result);
                            if f.hunks.is_empty() && f.op == FileOp::Rename {
                                r.status = AggregateStatus::AlreadyApplied;
                                r.reason = Some(format!(
                                    "rename already done: `{source}` is gone and `{target}` exists"
                                ));
                            }
                            return r;
                        }
                        _ => None,
                    },
                    None => None,
                };
                match cur {
                    // GNU: a missing file whose first hunk has an empty old
                    // side at line 0 (`@@ -0,0`) is created.
                    None if creates_missing(f) => self.run_on(
                        p,
                        f,
                        &target,
                        &target,
                        b"",
                        new_mode.or(Some(0o100644)),
                        result,
                    ),
                    None => {
                        let summary = format!("`{source}` does not exist in the tree");
                        let lookup = self.overlay();
                        let diagnoser = FileDiagnoser::new(None, &lookup);
                        result.hunks = failed_hunks(f, |h| {
                            let first = h.gnu_first() as i64;
                            let d =
                                diagnose_with(&diagnoser, &self.earlier, h, &source, first, None);
                            if d.cause == Cause::Unknown {
                                Diagnosis::new(Cause::FileMissing, summary.clone())
                            } else {
                                d
                            }
                        });
                        result.status = if f.hunks.is_empty() {
                            AggregateStatus::Failed
                        } else {
                            aggregate(result.hunks.iter().map(|h| hunk_agg(h.status)))
                        };
                        result.reason = Some(format!("{who}: {summary}"));
                        self.record_failures(p.index, &result);
                        if f.hunks.is_empty() {
                            self.earlier.record(p.index, &source);
                        }
                        self.add_reject_all(f, &target);
                        result
                    }
                    Some(c) => {
                        let mode = new_mode.or(c.mode);
                        let bytes = c.bytes.clone();
                        self.run_on(p, f, &source, &target, &bytes, mode, result)
                    }
                }
            }
        }
    }

    /// A deletion: the file goes when nothing of it remains and every hunk
    /// is in; otherwise it stays (with the hunks that applied) and the
    /// section fails, as GNU's "Not deleting file X as content differs from
    /// patch" (exit 1).
    fn finish_delete(
        &mut self,
        target: &str,
        output: Vec<u8>,
        applied: bool,
        result: &mut FileResult,
    ) {
        let all_in = result
            .hunks
            .iter()
            .all(|h| matches!(h.status, HunkStatus::Applied | HunkStatus::AlreadyApplied));
        if output.is_empty() && all_in {
            self.set_change(target, FileChange::Delete);
            return;
        }
        if applied {
            let mode = self.current(target).ok().flatten().and_then(|f| f.mode);
            self.set_change(
                target,
                FileChange::Write {
                    bytes: Arc::new(output),
                    mode,
                },
            );
        }
        if all_in {
            result.status = AggregateStatus::Failed;
            result.reason = Some(format!(
                "not deleting `{target}`: content remains after the patch (it differs from what \
                 the patch deletes)"
            ));
        }
    }

    fn add_reject_all(&mut self, f: &FilePatch, target: &str) {
        let mut rej = Vec::new();
        for h in f.hunks.iter().filter(|h| h.malformed.is_none()) {
            if rej.is_empty() {
                rej.extend_from_slice(&reject_header(f));
            }
            rej.extend_from_slice(&reject_hunk(h, 0));
        }
        if !rej.is_empty() {
            self.changes
                .rejects
                .entry(target.to_owned())
                .or_default()
                .extend_from_slice(&rej);
        }
    }

    /// The tree as the series has left it so far, for diagnoses.
    fn overlay(&self) -> OverlayLookup<'_> {
        OverlayLookup {
            base: self.lookup,
            files: &self.changes.files,
        }
    }

    fn record_failures(&mut self, index: usize, r: &FileResult) {
        if r.hunks.iter().any(|h| h.status == HunkStatus::Failed) {
            self.earlier.record(index, &r.path);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn run_on(
        &mut self,
        p: &PatchInput<'_>,
        f: &FilePatch,
        source: &str,
        target: &str,
        content: &[u8],
        mode: Option<u32>,
        mut result: FileResult,
    ) -> FileResult {
        let run = run_hunks(f, content, self.opts.max_fuzz);
        // The file as lines, for diagnoses and fuzz warnings (only when needed).
        // Split only when some hunk is not exact at its expected line.
        let moved =
            |v: &Verdict| v.status == HunkStatus::Applied && v.old_start as i64 != v.expected;
        let content_lines =
            if run.verdicts.iter().any(|v| {
                moved(v) || v.status == HunkStatus::Failed || v.fuzz.is_some_and(|f| f > 0)
            }) {
                split_lines(content)
            } else {
                Vec::new()
            };
        let needs_lines = f.hunks.iter().zip(&run.verdicts).any(|(h, v)| {
            v.status == HunkStatus::Failed
                || v.fuzz.is_some_and(|f| f > 0)
                || (v.status == HunkStatus::Applied
                    && v.old_start as i64 != v.expected
                    && may_be_look_alike(h, &content_lines, v.old_start, v.expected))
        });
        let file_strs: Option<Vec<String>> = needs_lines.then(|| to_strs(&content_lines));
        let file_refs: Option<Vec<&str>> = file_strs
            .as_ref()
            .map(|v| v.iter().map(String::as_str).collect());
        // Field by field (not `self.overlay()`): the loop below records
        // into `self.earlier` and `self.placements` while it is borrowed.
        let lookup = OverlayLookup {
            base: self.lookup,
            files: &self.changes.files,
        };
        // Built at the first failed hunk, for all of them.
        let mut diagnoser: Option<FileDiagnoser<'_>> = None;
        for (h, v) in f.hunks.iter().zip(run.verdicts) {
            let mut hr = HunkResult {
                index: h.index,
                status: v.status,
                offset: v.offset,
                fuzz: v.fuzz,
                line: v.line,
                source_line: None,
                diagnosis: None,
                warnings: v.warnings,
            };
            match v.status {
                HunkStatus::Malformed => {
                    hr.source_line = Some(h.source_line);
                    hr.line = None;
                    hr.diagnosis = Some(Diagnosis::new(
                        Cause::Malformed,
                        h.malformed
                            .clone()
                            .unwrap_or_else(|| "malformed hunk".into()),
                    ));
                }
                HunkStatus::Failed => {
                    let file = file_refs.as_deref();
                    let diagnoser =
                        diagnoser.get_or_insert_with(|| FileDiagnoser::new(file, &lookup));
                    let mut d =
                        diagnose_with(diagnoser, &self.earlier, h, source, v.expected, file);
                    if v.skipped_with_file {
                        explain_skipped_with_file(&mut d);
                    }
                    hr.diagnosis = Some(d);
                    let (olds, news) = hunk_strs(h);
                    let o: Vec<&str> = olds.iter().map(String::as_str).collect();
                    let n: Vec<&str> = news.iter().map(String::as_str).collect();
                    self.earlier.record_hunk(p.index, target, &o, &n);
                }
                HunkStatus::AlreadyApplied => {
                    hr.diagnosis = Some(Diagnosis::new(
                        Cause::AlreadyApplied,
                        format!(
                            "the hunk's result is already present at line {}",
                            v.old_start
                        ),
                    ));
                }
                HunkStatus::Applied => {
                    if let (Some(fuzz), Some(file)) = (v.fuzz, file_refs.as_deref()) {
                        let placed = Placed {
                            at: v.old_start,
                            expected: v.expected.max(1) as usize,
                            fuzz,
                        };
                        if fuzz > 0 || placed.at != placed.expected {
                            hr.warnings
                                .extend(placement_warnings(h, source, file, &placed));
                        }
                    }
                }
            }
            self.placements.push(HunkPlacement {
                patch_index: p.index,
                path: target.to_owned(),
                hunk_index: h.index,
                status: v.status,
                old_start: v.old_start,
                new_start: v.new_start,
                fuzz: v.fuzz.unwrap_or(0),
                offset: v.offset.unwrap_or(0),
                rewritten: v.rewritten,
            });
            result.hunks.push(hr);
        }
        let applied = result.hunks.iter().any(|h| h.status == HunkStatus::Applied);
        let mode_change = f.old_mode.is_some() && f.new_mode.is_some() && f.old_mode != f.new_mode;
        result.status = if f.hunks.is_empty() {
            AggregateStatus::Applied
        } else {
            aggregate(result.hunks.iter().map(|h| hunk_agg(h.status)))
        };
        let moved = source != target;
        if f.op == FileOp::Delete {
            let output = if applied {
                run.output
            } else {
                content.to_vec()
            };
            self.finish_delete(target, output, applied, &mut result);
        } else if applied
            // A mode change is written with the content it comes with: when
            // no hunk applies (already applied, or failed), the file is left
            // as it is, mode included, as GNU skips it and the report says.
            || (mode_change && f.hunks.is_empty())
            || (moved && f.hunks.is_empty())
            || f.op == FileOp::Create
        {
            let output = if applied {
                run.output
            } else {
                content.to_vec()
            };
            if !(f.op == FileOp::Create && !applied && !f.hunks.is_empty()) {
                self.set_change(
                    target,
                    FileChange::Write {
                        bytes: Arc::new(output),
                        mode,
                    },
                );
            }
            if moved
                && f.op == FileOp::Rename
                && self.exists(source)
                && !self.written.contains(source)
            {
                self.set_change(source, FileChange::Delete);
            }
        }
        if !run.reject.is_empty() {
            self.changes
                .rejects
                .entry(target.to_owned())
                .or_default()
                .extend_from_slice(&run.reject);
        }
        self.record_failures(p.index, &result);
        result
    }
}

/// The diagnosis of failed hunk `h` of `path`, expected at line `expected`.
fn diagnose_with(
    diagnoser: &FileDiagnoser<'_>,
    earlier: &EarlierFailures,
    h: &Hunk,
    path: &str,
    expected: i64,
    file: Option<&[&str]>,
) -> Diagnosis {
    let (olds, news) = hunk_strs(h);
    let old_lines: Vec<&str> = olds.iter().map(String::as_str).collect();
    let new_lines: Vec<&str> = news.iter().map(String::as_str).collect();
    let ctx = HunkContext {
        path,
        old_lines: &old_lines,
        new_lines: &new_lines,
        expected_line: expected.max(1) as usize,
        file,
    };
    diagnoser.diagnose(&ctx, earlier)
}

/// A hunk GNU patch -N would ignore because hunk #1 of its file is already
/// in the tree: keep what the diagnosis found (it may well find the change
/// present in another form), lead with why the hunk was skipped.
fn explain_skipped_with_file(d: &mut Diagnosis) {
    if !matches!(d.cause, Cause::AlreadyApplied | Cause::PartlyApplied) {
        // The file is known to be partly patched: hunk #1 is in, this is not.
        d.cause = Cause::PartlyApplied;
    }
    d.summary = format!(
        "not applied: hunk #1 of this file is already in the tree, so (as GNU patch -N \
         does) the rest of the file was skipped, and this hunk's result is not there \
         exactly. Closest match: {}",
        d.summary
    );
    d.next_step = "check whether the tree has this change in another form; if not, apply \
                   this hunk by hand from the .rej file"
        .into();
}

/// A modification that GNU patch takes as a creation when its file is
/// missing: the first hunk is `@@ -0,0 ...`.
fn creates_missing(f: &FilePatch) -> bool {
    f.op == FileOp::Modify
        && f.hunks
            .first()
            .is_some_and(|h| h.old_start == 0 && h.old_count == 0 && h.malformed.is_none())
}

fn simple_hunk(
    h: &Hunk,
    status: HunkStatus,
    line: Option<usize>,
    diagnosis: Option<Diagnosis>,
) -> HunkResult {
    let malformed = status == HunkStatus::Malformed;
    HunkResult {
        index: h.index,
        status,
        offset: None,
        fuzz: None,
        line,
        source_line: malformed.then_some(h.source_line),
        diagnosis: if malformed {
            Some(Diagnosis::new(
                Cause::Malformed,
                h.malformed
                    .clone()
                    .unwrap_or_else(|| "malformed hunk".into()),
            ))
        } else {
            diagnosis
        },
        warnings: Vec::new(),
    }
}

/// A base tree held in memory (tests, fuzzing, small callers).
#[derive(Debug, Default, Clone)]
pub struct MemTree {
    pub files: BTreeMap<String, Vec<u8>>,
}

impl BaseTree for MemTree {
    fn read(&self, path: &str) -> Result<Option<BaseFile>, String> {
        Ok(self.files.get(path).map(|b| BaseFile {
            bytes: Arc::new(b.clone()),
            mode: None,
        }))
    }
    fn entry(&self, path: &str) -> Option<EntryKind> {
        if self.files.contains_key(path) {
            return Some(EntryKind::File);
        }
        let dir = format!("{path}/");
        self.files
            .keys()
            .any(|k| k.starts_with(&dir))
            .then_some(EntryKind::Dir)
    }
}

impl TreeLookup for MemTree {
    fn paths_named(&self, name: &str) -> Vec<String> {
        self.files
            .keys()
            .filter(|p| p.rsplit('/').next() == Some(name))
            .cloned()
            .collect()
    }
    fn read(&self, path: &str) -> Option<String> {
        self.files
            .get(path)
            .map(|b| String::from_utf8_lossy(b).into_owned())
    }
}

#[cfg(test)]
mod tests {
    //! Expected verdicts come from GNU patch 2.7.6 run by hand on the same
    //! fixtures (`patch -p1 -N -F2 --dry-run < p.patch`); its output is quoted
    //! beside each test.
    use super::*;
    use crate::parse::parse_patch;

    #[test]
    fn split_lines_matches_split_inclusive() {
        // The reference is std's split_inclusive on b'\n'.
        for input in ["", "a", "a\n", "a\nb", "\n\n", "x\r\ny\n\nz", "\nlast"] {
            let want: Vec<&[u8]> = input.as_bytes().split_inclusive(|&c| c == b'\n').collect();
            assert_eq!(split_lines(input.as_bytes()), want, "{input:?}");
        }
    }

    fn base() -> String {
        (1..=30).map(|i| format!("line{i}\n")).collect()
    }

    fn run(files: &[(&str, &str)], patch: &str) -> SeriesOutcome {
        let mut t = MemTree::default();
        for (p, c) in files {
            t.files.insert((*p).to_owned(), c.as_bytes().to_vec());
        }
        let parsed = parse_patch(patch.as_bytes(), 1);
        let inputs = [PatchInput {
            index: 1,
            name: "p.patch",
            subject: None,
            parsed: &parsed,
        }];
        apply_series(&t, &t, "s", "t", &inputs, ApplyOptions::default())
    }

    fn verdicts(o: &SeriesOutcome) -> Vec<(HunkStatus, Option<usize>, Option<i64>, Option<usize>)> {
        o.report.patches[0].files[0]
            .hunks
            .iter()
            .map(|h| (h.status, h.line, h.offset, h.fuzz))
            .collect()
    }

    const TWO: &str = "--- a/f.txt\n+++ b/f.txt\n@@ -9,7 +9,7 @@\n line9\n line10\n line11\n-line12\n+LINE12\n line13\n line14\n line15\n@@ -20,7 +20,7 @@\n line20\n line21\n line22\n-line23\n+LINE23\n line24\n line25\n line26\n";
    const ONE: &str = "--- a/f.txt\n+++ b/f.txt\n@@ -9,7 +9,7 @@\n line9\n line10\n line11\n-line12\n+LINE12\n line13\n line14\n line15\n";
    use HunkStatus::*;

    #[test]
    fn offset() {
        // GNU: Hunk #1 succeeded at 12 (offset 3 lines). Hunk #2 succeeded at 23 (offset 3 lines).
        let f = format!("x\ny\nz\n{}", base());
        let o = run(&[("f.txt", &f)], TWO);
        assert_eq!(
            verdicts(&o),
            vec![
                (Applied, Some(12), Some(3), Some(0)),
                (Applied, Some(23), Some(3), Some(0))
            ]
        );
        let Some(FileChange::Write { bytes, .. }) = o.changes.files.get("f.txt") else {
            panic!("no change")
        };
        let expect = f
            .replace("line12\n", "LINE12\n")
            .replace("line23\n", "LINE23\n");
        assert_eq!(String::from_utf8_lossy(bytes), expect);
    }

    #[test]
    fn fuzz_one() {
        // GNU: Hunk #1 succeeded at 9 with fuzz 1.
        let f = base().replace("line9\n", "line9 changed\n");
        let o = run(&[("f.txt", &f)], ONE);
        assert_eq!(verdicts(&o), vec![(Applied, Some(9), Some(0), Some(1))]);
        // The file's own context line is kept.
        let Some(FileChange::Write { bytes, .. }) = o.changes.files.get("f.txt") else {
            panic!("no change")
        };
        assert!(String::from_utf8_lossy(bytes).contains("line9 changed\n"));
    }

    #[test]
    fn fuzz_two_with_offset() {
        // GNU: Hunk #1 succeeded at 10 with fuzz 2 (offset 1 line).
        let f = format!(
            "a\n{}",
            base()
                .replace("line9\n", "l9\n")
                .replace("line10\n", "l10\n")
        );
        let o = run(&[("f.txt", &f)], ONE);
        assert_eq!(verdicts(&o), vec![(Applied, Some(10), Some(1), Some(2))]);
    }

    #[test]
    fn last_frozen_line_misordered() {
        // GNU: Hunk #1 succeeded at 14 (offset 3 lines).
        //      misordered hunks! output would be garbled
        //      Hunk #2 FAILED at 2.
        let blk: String = "c1\nc2\nc3\ntarget\nd1\nd2\nd3\n".into();
        let mids: String = (1..10).map(|i| format!("m{i}\n")).collect();
        let f = format!("head\n{blk}{mids}{blk}tail\n");
        let p = "--- a/f.txt\n+++ b/f.txt\n@@ -11,3 +11,3 @@\n m6\n-m7\n+M7\n m8\n@@ -2,7 +2,7 @@\n c1\n c2\n c3\n-target\n+TARGET\n d1\n d2\n d3\n";
        let o = run(&[("f.txt", &f)], p);
        let v = verdicts(&o);
        assert_eq!(v[0], (Applied, Some(14), Some(3), Some(0)));
        assert_eq!((v[1].0, v[1].1), (Failed, Some(2)));
    }

    #[test]
    fn already_applied_second_hunk() {
        // GNU: Hunk #2 FAILED at 20 (it does not look beyond hunk 1 for
        // reversed hunks); the postimage applies in reverse exactly, so the
        // harness says already-applied.
        let f = base().replace("line23\n", "LINE23\n");
        let o = run(&[("f.txt", &f)], TWO);
        let v = verdicts(&o);
        assert_eq!(v[0], (Applied, Some(9), Some(0), Some(0)));
        assert_eq!(v[1].0, AlreadyApplied);
        assert_eq!(o.report.patches[0].status, AggregateStatus::Applied);
    }

    #[test]
    fn first_hunk_reversed_skips_rest_of_file_like_gnu() {
        // GNU (patch -p1 -N -F2 on this fixture): "Reversed (or previously
        // applied) patch detected!  Skipping patch.  2 out of 2 hunks ignored",
        // exit 1, file untouched, although hunk #2 alone would apply exactly.
        // The harness: hunk #1 already-applied, hunk #2 not applied (failed,
        // explained as a partly patched file), nothing written, a reject kept.
        let f = base().replace("line12\n", "LINE12\n");
        let o = run(&[("f.txt", &f)], TWO);
        let v = verdicts(&o);
        assert_eq!(v[0].0, AlreadyApplied);
        assert_eq!(v[1].0, Failed);
        let h2 = &o.report.patches[0].files[0].hunks[1];
        let d = h2.diagnosis.as_ref().expect("diagnosis");
        assert_eq!(d.cause, Cause::PartlyApplied);
        assert!(
            d.summary
                .contains("hunk #1 of this file is already in the tree"),
            "{}",
            d.summary
        );
        assert!(
            !o.changes.files.contains_key("f.txt"),
            "file must stay untouched"
        );
        assert!(
            o.changes.rejects.contains_key("f.txt"),
            "the skipped hunk is kept in a reject"
        );
    }

    #[test]
    fn first_hunk_reversed_later_hunk_also_present() {
        // GNU: "Reversed ... Skipping patch. 2 out of 2 hunks ignored"; here
        // hunk #2 reverses exactly too, so both are already-applied.
        let f = base()
            .replace("line12\n", "LINE12\n")
            .replace("line23\n", "LINE23\n");
        let o = run(&[("f.txt", &f)], TWO);
        let v = verdicts(&o);
        assert_eq!((v[0].0, v[1].0), (AlreadyApplied, AlreadyApplied));
        assert_eq!(o.report.patches[0].status, AggregateStatus::AlreadyApplied);
        assert!(o.changes.rejects.is_empty());
    }

    #[test]
    fn fuzz_over_generic_context_warns() {
        // GNU: "Hunk #1 succeeded at 1 with fuzz 2." The two context lines
        // fuzz ignored on each side are `}` and blank; what is left to place
        // the hunk (`int a;` `old` `int b;`) is distinctive and occurs once,
        // so the place is confirmed and there is no warning. With `}`, `{` and
        // a blank line in the middle, only generic lines place it: warned.
        let f = "x1\nx2\nint a;\nold\nint b;\ny1\ny2\n";
        let patch =
            "--- a/f.c\n+++ b/f.c\n@@ -1,7 +1,7 @@\n }\n \n int a;\n-old\n+new\n int b;\n \n }\n";
        let o = run(&[("f.c", f)], patch);
        assert_eq!(verdicts(&o), vec![(Applied, Some(1), Some(0), Some(2))]);
        let w = &o.report.patches[0].files[0].hunks[0].warnings;
        assert!(w.is_empty(), "{w:?}");
        let f = "x1\nx2\n}\n{\n\ny1\ny2\n";
        let patch = "--- a/f.c\n+++ b/f.c\n@@ -1,7 +1,7 @@\n }\n \n }\n-{\n+new\n \n \n }\n";
        let o = run(&[("f.c", f)], patch);
        assert_eq!(verdicts(&o), vec![(Applied, Some(1), Some(0), Some(2))]);
        let w = &o.report.patches[0].files[0].hunks[0].warnings;
        assert!(
            w.iter().any(|w| w.contains("generic") && w.contains("`}`")),
            "{w:?}"
        );
    }

    #[test]
    fn failed_hunk_and_reject() {
        // GNU: Hunk #1 FAILED at 9.  (hunk 2 exact)
        let p = TWO.replace("-line12\n", "-nothere\n");
        let o = run(&[("f.txt", &base())], &p);
        let v = verdicts(&o);
        assert_eq!((v[0].0, v[0].1, v[0].2), (Failed, Some(9), None));
        assert_eq!(v[1], (Applied, Some(20), Some(0), Some(0)));
        assert_eq!(o.report.patches[0].status, AggregateStatus::Partial);
        let rej = String::from_utf8_lossy(&o.changes.rejects["f.txt"]).into_owned();
        assert!(
            rej.starts_with("--- f.txt\n+++ f.txt\n@@ -9,7 +9,7 @@\n line9\n"),
            "{rej}"
        );
        assert!(o.report.patches[0].files[0].hunks[0].diagnosis.is_some());
    }

    #[test]
    fn beginning_of_file_anchor() {
        // GNU: Hunk #1 FAILED at 1.  (no leading context: must match line 1)
        let f = format!("new0\n{}", base());
        let p = "--- a/f.txt\n+++ b/f.txt\n@@ -1,3 +1,4 @@\n+top\n line1\n line2\n line3\n";
        let o = run(&[("f.txt", &f)], p);
        assert_eq!(verdicts(&o)[0].0, Failed);
        assert_eq!(verdicts(&o)[0].1, Some(1));
    }

    #[test]
    fn no_newline_at_end() {
        // GNU: applies exactly (no message); the result ends with "c\n".
        let p = "--- a/f.txt\n+++ b/f.txt\n@@ -1,3 +1,3 @@\n a\n b\n-c\n\\ No newline at end of file\n+c\n";
        let o = run(&[("f.txt", "a\nb\nc")], p);
        assert_eq!(verdicts(&o), vec![(Applied, Some(1), Some(0), Some(0))]);
        assert_eq!(
            o.changes.files.get("f.txt"),
            Some(&FileChange::Write {
                bytes: Arc::new(b"a\nb\nc\n".to_vec()),
                mode: None
            })
        );
    }

    #[test]
    fn crlf_patch() {
        // GNU: (Stripping trailing CRs from patch; use --binary to disable.) applies exactly.
        let p = "--- a/f.txt\r\n+++ b/f.txt\r\n@@ -1,3 +1,3 @@\r\n a\r\n-b\r\n+B\r\n c\r\n";
        let o = run(&[("f.txt", "a\nb\nc\n")], p);
        assert_eq!(verdicts(&o), vec![(Applied, Some(1), Some(0), Some(0))]);
    }

    #[test]
    fn create_delete_rename_missing() {
        let p = "diff --git a/new.c b/new.c\nnew file mode 100644\n--- /dev/null\n+++ b/new.c\n@@ -0,0 +1,2 @@\n+a\n+b\ndiff --git a/old.c b/old.c\ndeleted file mode 100644\n--- a/old.c\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\ndiff --git a/r1 b/r2\nsimilarity index 100%\nrename from r1\nrename to r2\ndiff --git a/nope.c b/nope.c\n--- a/nope.c\n+++ b/nope.c\n@@ -1 +1 @@\n-q\n+Q\n";
        let o = run(&[("old.c", "x\n"), ("r1", "r\n")], p);
        let files = &o.report.patches[0].files;
        assert_eq!(files[0].status, AggregateStatus::Applied);
        assert_eq!(files[1].status, AggregateStatus::Applied);
        assert_eq!(files[2].status, AggregateStatus::Applied);
        assert_eq!(files[3].status, AggregateStatus::Failed);
        assert_eq!(
            files[3].hunks[0].diagnosis.as_ref().map(|d| d.cause),
            Some(Cause::FileMissing)
        );
        let c = &o.changes.files;
        assert!(
            matches!(c.get("new.c"), Some(FileChange::Write { bytes, .. }) if bytes.as_slice() == b"a\nb\n")
        );
        assert_eq!(c.get("old.c"), Some(&FileChange::Delete));
        assert_eq!(c.get("r1"), Some(&FileChange::Delete));
        assert!(
            matches!(c.get("r2"), Some(FileChange::Write { bytes, .. }) if bytes.as_slice() == b"r\n")
        );
        // Creating it again: identical content -> already-applied.
        let mut t = MemTree::default();
        t.files.insert("new.c".into(), b"a\nb\n".to_vec());
        let parsed = parse_patch(p.as_bytes(), 1);
        let inputs = [PatchInput {
            index: 1,
            name: "p",
            subject: None,
            parsed: &parsed,
        }];
        let o2 = apply_series(&t, &t, "s", "t", &inputs, ApplyOptions::default());
        assert_eq!(
            o2.report.patches[0].files[0].status,
            AggregateStatus::AlreadyApplied
        );
    }

    #[test]
    fn escaping_paths_are_malformed() {
        let p = "--- a/../etc/passwd\n+++ b/../etc/passwd\n@@ -1 +1 @@\n-a\n+b\n";
        let o = run(&[], p);
        let f = &o.report.patches[0].files[0];
        assert_eq!(f.status, AggregateStatus::Malformed);
        let r = f.reason.clone().unwrap_or_default();
        assert!(r.contains("p.patch") && r.contains("../etc/passwd"), "{r}");
        assert!(o.changes.files.is_empty());
    }

    #[test]
    fn git_metadata_paths_are_malformed() {
        // `git apply` refuses the same patch: "invalid path '.git/hooks/...'"
        // (git 2.47, checked by hand, for both paths below); .gitignore is an ordinary file.
        for path in [".git/hooks/post-checkout", "sub/.GIT/config"] {
            let p = format!("--- /dev/null\n+++ b/{path}\n@@ -0,0 +1 @@\n+#!/bin/sh\n");
            let o = run(&[], &p);
            let f = &o.report.patches[0].files[0];
            assert_eq!(f.status, AggregateStatus::Malformed, "{path}");
            let r = f.reason.clone().unwrap_or_default();
            assert!(r.contains(".git") && r.contains(path), "{r}");
            assert!(o.changes.files.is_empty(), "{path}");
        }
        assert_eq!(check_path(".gitignore"), Ok(".gitignore".to_string()));
    }

    #[test]
    fn git_dir_names_as_git_verify_path() {
        // `git apply --check` (git 2.47) on a creation of each path answers
        // "invalid path" for the first list and accepts the second.
        let refused = [
            ".git",
            ".git/hooks/post-checkout",
            "sub/.GIT/config",
            ".Git/x",
            ".git./hooks/x",
            ".git /hooks/x",
            "a/.git. . /x",
            "git~1/hooks/x",
            "GIT~1/x",
            ".git:x/y",
            ".git::$DATA/y",
            "x/.git:foo",
            ".git\\hooks\\x",
        ];
        for p in refused {
            let e = check_path(p).expect_err(p);
            assert!(e.contains(".git") && e.contains(p), "{e}");
        }
        for p in [
            ".gitignore",
            ".gitmodules",
            "git~2/x",
            ".git.x/y",
            ".gitx/y",
            "a\\b",
            "a:b",
        ] {
            assert_eq!(check_path(p).as_deref(), Ok(p), "{p}");
        }
    }

    #[test]
    fn cumulative_series() {
        let mut t = MemTree::default();
        t.files.insert("f.txt".into(), base().into_bytes());
        let p1 = parse_patch(ONE.as_bytes(), 1);
        // Patch 2 needs patch 1's change as context.
        let p2 = parse_patch(
            b"--- a/f.txt\n+++ b/f.txt\n@@ -11,3 +11,3 @@\n line11\n-LINE12\n+L12\n line13\n",
            1,
        );
        let inputs = [
            PatchInput {
                index: 1,
                name: "1",
                subject: None,
                parsed: &p1,
            },
            PatchInput {
                index: 2,
                name: "2",
                subject: None,
                parsed: &p2,
            },
        ];
        let o = apply_series(&t, &t, "s", "t", &inputs, ApplyOptions::default());
        assert_eq!(o.report.status, AggregateStatus::Applied);
        assert!(
            matches!(o.changes.files.get("f.txt"), Some(FileChange::Write { bytes, .. }) if String::from_utf8_lossy(bytes).contains("L12\n"))
        );
    }

    #[test]
    fn malformed_hunk_keeps_going() {
        let p = "--- a/f.txt\n+++ b/f.txt\n@@ -9,9 +9,9 @@\n line9\n-line10\n+X\n@@ -20,7 +20,7 @@\n line20\n line21\n line22\n-line23\n+LINE23\n line24\n line25\n line26\n";
        let o = run(&[("f.txt", &base())], p);
        let v = &o.report.patches[0].files[0].hunks;
        assert_eq!(v[0].status, Malformed);
        assert_eq!(v[0].source_line, Some(3));
        assert_eq!(v[1].status, Applied);
    }
}
