//! Unified-diff parser for real input: git extended headers, mail wrappers,
//! `\ No newline at end of file`, CRLF, `-pN`.
//!
//! Pure and total: any byte string gives a [`ParsedPatch`]; problems are
//! recorded on the hunk, the file or the patch, and parsing goes on.
//! Hunk bodies are read the way GNU patch 2.7 reads them (`another_hunk` in
//! pch.c): the header's counts decide where a hunk ends, an empty line or a
//! line starting with a tab is context whose space was eaten, lines starting
//! with `#` are skipped, `=` counts as context, and a `\` line after the last
//! line of a side marks it as having no newline.

use crate::header::{fetch_name, is_epoch};
use crate::patch::{FileOp, FilePatch, Hunk, HunkLine, LineKind, ParsedPatch};

/// Parse `input` (a whole patch file or mail) with `-p<strip>`.
pub fn parse_patch(input: &[u8], strip: usize) -> ParsedPatch {
    let lines: Vec<&[u8]> = crate::apply::split_lines(input);
    let mut p = Parser {
        lines,
        strip,
        out: ParsedPatch::default(),
    };
    p.run();
    if p.out.files.is_empty() && p.out.errors.is_empty() {
        p.out
            .errors
            .push("no diff found in the patch (no `diff --git`, `---`/`+++` or `@@` lines)".into());
    }
    p.out
}

struct Parser<'a> {
    lines: Vec<&'a [u8]>,
    strip: usize,
    out: ParsedPatch,
}

fn starts(l: &[u8], p: &str) -> bool {
    l.starts_with(p.as_bytes())
}

/// The line without its `\n` and a `\r` before it.
pub(crate) fn trim_eol(l: &[u8]) -> &[u8] {
    let l = l.strip_suffix(b"\n").unwrap_or(l);
    l.strip_suffix(b"\r").unwrap_or(l)
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

impl<'a> Parser<'a> {
    fn line(&self, i: usize) -> Option<&'a [u8]> {
        self.lines.get(i).copied()
    }

    fn run(&mut self) {
        let mut i = 0;
        while let Some(l) = self.line(i) {
            if starts(l, "diff --git ") {
                i = self.git_section(i);
            } else if starts(l, "--- ") && self.line(i + 1).is_some_and(|n| starts(n, "+++ ")) {
                i = self.plain_section(i, None);
            } else if starts(l, "*** ")
                && self.line(i + 1).is_some_and(|n| starts(n, "--- "))
                && self
                    .line(i + 2)
                    .is_some_and(|n| starts(n, "***************"))
            {
                // A context diff (`diff -c`), read as GNU patch reads it.
                i = self.plain_section(i, None);
            } else if starts(l, "@@ -") && parse_hunk_header(trim_eol(l)).is_some() {
                i = self.orphan_hunks(i);
            } else {
                i += 1;
            }
        }
    }

    /// Hunks with no file header before them: a section that names no file,
    /// so that they are reported (malformed), never silently dropped. GNU
    /// patch asks for the file name here and, given none, skips them (exit 1).
    fn orphan_hunks(&mut self, start: usize) -> usize {
        let mut f = self.new_file(start + 1);
        f.problem = Some(format!(
            "line {}: hunk without a file header (`---`/`+++` or `diff --git`)",
            start + 1
        ));
        let (hunks, next) = self.hunks_at(start, false);
        f.hunks = hunks;
        self.out.files.push(f);
        next.max(start + 1)
    }

    /// The hunks starting at line `i` (comment lines `#` between them skipped).
    fn hunks_at(&self, mut i: usize, strip_cr: bool) -> (Vec<Hunk>, usize) {
        let mut hunks = Vec::new();
        loop {
            while self.line(i).is_some_and(|l| l.first() == Some(&b'#')) {
                i += 1;
            }
            match self.line(i) {
                Some(l) if starts(l, "@@ -") => {
                    let (h, next) = self.hunk(i, hunks.len() + 1, strip_cr);
                    hunks.push(h);
                    i = next.max(i + 1);
                }
                _ => break,
            }
        }
        (hunks, i)
    }

    /// Strip `-pN` components; `None` when the name has too few.
    fn strip_name(&self, name: &str) -> Option<String> {
        let mut s = name;
        for _ in 0..self.strip {
            let pos = s.find('/')?;
            s = s.get(pos..)?.trim_start_matches('/');
        }
        if s.is_empty() {
            None
        } else {
            Some(s.to_owned())
        }
    }

    fn new_file(&self, source_line: usize) -> FilePatch {
        FilePatch {
            source_line,
            old_path: None,
            new_path: None,
            old_raw: None,
            new_raw: None,
            old_time: None,
            new_time: None,
            op: FileOp::Modify,
            git: false,
            binary: false,
            old_mode: None,
            new_mode: None,
            hunks: Vec::new(),
            problem: None,
        }
    }

    fn git_section(&mut self, start: usize) -> usize {
        let mut f = self.new_file(start + 1);
        f.git = true;
        let header = trim_eol(self.line(start).unwrap_or_default());
        let rest = header.get(11..).unwrap_or_default();
        if let Some((a, b)) = split_git_names(rest, self.strip) {
            f.old_raw = Some(a);
            f.new_raw = Some(b);
        }
        let (mut rename_from, mut rename_to, mut copy_from, mut copy_to) = (None, None, None, None);
        let mut new_file = false;
        let mut deleted = false;
        let mut i = start + 1;
        let mut ended = false;
        let mut half_header: Option<usize> = None;
        while let Some(l) = self.line(i) {
            let t = trim_eol(l);
            let s = String::from_utf8_lossy(t);
            if let Some(m) = s.strip_prefix("old mode ") {
                f.old_mode = parse_mode(m);
            } else if let Some(m) = s.strip_prefix("new mode ") {
                f.new_mode = parse_mode(m);
            } else if let Some(m) = s.strip_prefix("deleted file mode ") {
                f.old_mode = parse_mode(m);
                deleted = true;
            } else if let Some(m) = s.strip_prefix("new file mode ") {
                f.new_mode = parse_mode(m);
                new_file = true;
            } else if let Some(m) = s.strip_prefix("rename from ") {
                rename_from = Some(unquote(m));
            } else if let Some(m) = s.strip_prefix("rename to ") {
                rename_to = Some(unquote(m));
            } else if let Some(m) = s.strip_prefix("copy from ") {
                copy_from = Some(unquote(m));
            } else if let Some(m) = s.strip_prefix("copy to ") {
                copy_to = Some(unquote(m));
            } else if s.starts_with("index ")
                || s.starts_with("similarity index ")
                || s.starts_with("dissimilarity index ")
            {
                // The mode on an `index a..b MODE` line only says the mode is
                // unchanged: git and GNU patch keep the tree's mode (a
                // 100644 here must not drop an exec bit the tree has).
            } else if s.starts_with("Binary files ") || s.starts_with("GIT binary patch") {
                f.binary = true;
                i += 1;
                if s.starts_with("GIT binary patch") {
                    // Skip the literal/delta blocks up to the next file or the signature.
                    while let Some(l) = self.line(i) {
                        if starts(l, "diff --git ") || l == b"-- \n" || l == b"-- \r\n" {
                            break;
                        }
                        i += 1;
                    }
                }
                ended = true;
                break;
            } else if s.starts_with("--- ") && self.line(i + 1).is_some_and(|n| starts(n, "+++ ")) {
                break;
            } else if s.starts_with("--- ") || s.starts_with("+++ ") {
                // Half a file header: git refuses the patch; the hunks that
                // follow are kept (and refused with the section).
                half_header = Some(i);
                i += 1;
                break;
            } else if s.starts_with("@@ -") {
                // Hunks straight after the git header: GNU patch and git
                // apply both take the names from `diff --git`.
                break;
            } else {
                ended = true;
                break;
            }
            i += 1;
        }
        // Names: git's `diff --git` names, else rename/copy headers (unprefixed).
        let strip_opt =
            |p: &Parser, raw: &Option<String>| raw.as_deref().and_then(|r| p.strip_name(r));
        f.old_path = strip_opt(self, &f.old_raw);
        f.new_path = strip_opt(self, &f.new_raw);
        if (new_file || deleted) && (rename_from.is_some() || copy_from.is_some()) {
            // git apply: "inconsistent header lines"; GNU patch 2.7.6 skips it.
            f.problem = Some(format!(
                "line {}: a section cannot both {} a file and rename or copy it \
                 (inconsistent header lines, as git apply; refused)",
                start + 1,
                if new_file { "create" } else { "delete" }
            ));
        }
        if rename_from.is_some() && rename_to.is_some() {
            f.op = FileOp::Rename;
            if f.old_path.is_none() || f.new_path.is_none() {
                f.old_path = rename_from.clone();
                f.new_path = rename_to.clone();
            }
        } else if copy_from.is_some() && copy_to.is_some() {
            f.op = FileOp::Copy;
            if f.old_path.is_none() || f.new_path.is_none() {
                f.old_path = copy_from.clone();
                f.new_path = copy_to.clone();
            }
        } else if new_file {
            f.op = FileOp::Create;
        } else if deleted {
            f.op = FileOp::Delete;
        }
        if !ended && self.line(i).is_some_and(|l| starts(l, "--- ")) {
            return self.plain_section(i, Some(f));
        }
        if let Some(h) = half_header {
            let which = if self.line(h).is_some_and(|l| starts(l, "--- ")) {
                "`---` line without a `+++` line"
            } else {
                "`+++` line without a `---` line"
            };
            f.problem = Some(format!("line {}: {which} (as git apply, refused)", h + 1));
        }
        if !ended {
            let strip_cr = self.line(i).is_some_and(|l| l.ends_with(b"\r\n"));
            let (hunks, next) = self.hunks_at(i, strip_cr);
            f.hunks = hunks;
            i = next;
        }
        if f.old_path.is_none() && f.new_path.is_none() && f.problem.is_none() {
            f.problem = Some(format!(
                "cannot take file names from `{}` with -p{}",
                lossy(header),
                self.strip
            ));
        }
        self.out.files.push(f);
        i.max(start + 1)
    }

    /// A `---`/`+++` pair at `start`, then hunks.
    fn plain_section(&mut self, start: usize, git: Option<FilePatch>) -> usize {
        let is_git = git.is_some();
        let mut f = git.unwrap_or_else(|| self.new_file(start + 1));
        let old_line = self.line(start).unwrap_or_default();
        let new_line = self.line(start + 1).unwrap_or_default();
        // GNU strips trailing CRs from the hunk when the `+++` line ends in CRLF.
        let strip_cr = new_line.ends_with(b"\r\n");
        let (old_name, old_time) = fetch_name(old_line.get(4..).unwrap_or_default());
        let (new_name, new_time) = fetch_name(new_line.get(4..).unwrap_or_default());
        f.old_time = old_time.clone();
        f.new_time = new_time.clone();
        let is_null = |n: &Option<String>, t: &Option<String>| {
            n.as_deref() == Some("/dev/null") || t.as_deref().is_some_and(is_epoch)
        };
        let old_null = is_null(&old_name, &old_time);
        let new_null = is_null(&new_name, &new_time);
        let git_names = (f.old_path.clone(), f.new_path.clone());
        if !old_null {
            if let Some(n) = &old_name {
                f.old_raw = Some(n.clone());
                f.old_path = self.strip_name(n);
            }
        }
        if !new_null {
            if let Some(n) = &new_name {
                f.new_raw = Some(n.clone());
                f.new_path = self.strip_name(n);
            }
        }
        if is_git && f.problem.is_none() {
            f.problem = inconsistent_names(&git_names, &f, start, old_null, new_null);
        }
        if !is_git || f.op == FileOp::Modify {
            if old_null && !new_null {
                f.op = FileOp::Create;
            } else if new_null && !old_null {
                f.op = FileOp::Delete;
            }
        }
        if f.old_path.is_none() && f.new_path.is_none() {
            let shown = new_name.or(old_name).unwrap_or_default();
            f.problem = Some(format!(
                "line {}: file name `{}` has fewer than {} component(s) to strip with -p{}",
                start + 1,
                shown,
                self.strip,
                self.strip
            ));
        }
        let (hunks, i) = if self
            .line(start + 2)
            .is_some_and(|l| starts(l, "***************"))
        {
            let (hunks, next) = crate::context::hunks(&self.lines, start + 2);
            if hunks.is_empty() && f.problem.is_none() {
                f.problem = Some(format!(
                    "line {}: unreadable context hunk header",
                    start + 4
                ));
            }
            (hunks, next.max(start + 3))
        } else {
            self.hunks_at(start + 2, strip_cr)
        };
        f.hunks = hunks;
        self.out.files.push(f);
        i
    }

    /// Parse the hunk whose header is at `start`; return it and the next line.
    fn hunk(&self, start: usize, index: usize, strip_cr: bool) -> (Hunk, usize) {
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

/// Git refuses a `---`/`+++` name that contradicts its `diff --git` line
/// ("inconsistent old/new filename"); so does the harness (GNU patch would
/// silently pick one of the names).
fn inconsistent_names(
    git: &(Option<String>, Option<String>),
    f: &FilePatch,
    start: usize,
    old_null: bool,
    new_null: bool,
) -> Option<String> {
    let check =
        |git: &Option<String>, got: &Option<String>, null: bool, line: usize, side: &str| match (
            git, got,
        ) {
            (Some(g), Some(n)) if !null && g != n => Some(format!(
                "line {line}: inconsistent {side} file name: `{n}` here, `{g}` in `diff --git` \
                 (as git apply, refused)"
            )),
            _ => None,
        };
    check(&git.0, &f.old_path, old_null, start + 1, "old")
        .or_else(|| check(&git.1, &f.new_path, new_null, start + 2, "new"))
}

/// `@@ -a[,b] +c[,d] @@[ func]` leniently, as GNU does.
#[allow(clippy::type_complexity)]
fn parse_hunk_header(l: &[u8]) -> Option<(usize, usize, usize, usize, Option<String>)> {
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

fn num(s: &[u8]) -> Option<(usize, &[u8])> {
    let n = s.iter().take_while(|c| c.is_ascii_digit()).count();
    if n == 0 || n > 15 {
        return None;
    }
    let v = std::str::from_utf8(s.get(..n)?).ok()?.parse().ok()?;
    Some((v, s.get(n..)?))
}

fn parse_mode(s: &str) -> Option<u32> {
    let t = s.trim();
    if t.is_empty() || t.len() > 7 {
        return None;
    }
    u32::from_str_radix(t, 8).ok()
}

/// Parse a C-quoted string at the start of `s`; return it and the rest.
pub(crate) fn parse_quoted(s: &str) -> Option<(String, &str)> {
    let b = s.as_bytes();
    if b.first() != Some(&b'"') {
        return None;
    }
    let mut out = Vec::new();
    let mut i = 1;
    while i < b.len() {
        match b[i] {
            b'"' => {
                return Some((String::from_utf8_lossy(&out).into_owned(), s.get(i + 1..)?));
            }
            b'\\' => {
                i += 1;
                let c = *b.get(i)?;
                match c {
                    b'n' => out.push(b'\n'),
                    b't' => out.push(b'\t'),
                    b'r' => out.push(b'\r'),
                    b'a' => out.push(7),
                    b'b' => out.push(8),
                    b'f' => out.push(12),
                    b'v' => out.push(11),
                    b'0'..=b'7' => {
                        let mut v: u32 = 0;
                        let mut k = 0;
                        while k < 3 && i < b.len() && (b'0'..=b'7').contains(&b[i]) {
                            v = v * 8 + u32::from(b[i] - b'0');
                            i += 1;
                            k += 1;
                        }
                        out.push((v & 0xff) as u8);
                        continue;
                    }
                    other => out.push(other),
                }
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    None
}

fn unquote(s: &str) -> String {
    let t = s.trim();
    parse_quoted(t)
        .map(|(n, _)| n)
        .unwrap_or_else(|| t.to_owned())
}

/// Split the names of `diff --git A B`.
fn split_git_names(rest: &[u8], strip: usize) -> Option<(String, String)> {
    let s = String::from_utf8_lossy(rest).into_owned();
    let s = s.trim_end();
    if s.starts_with('"') {
        let (a, after) = parse_quoted(s)?;
        let after = after.trim_start();
        let b = if after.starts_with('"') {
            parse_quoted(after)?.0
        } else {
            after.to_owned()
        };
        return Some((a, b));
    }
    if let Some(pos) = s.find(" \"") {
        let b = parse_quoted(s.get(pos + 1..)?)?.0;
        return Some((s.get(..pos)?.to_owned(), b));
    }
    // Prefer a split where both halves name the same path after stripping.
    let strip_fn = |n: &str| -> String {
        let mut x = n;
        for _ in 0..strip.max(1) {
            match x.find('/') {
                Some(p) => x = &x[p + 1..],
                None => break,
            }
        }
        x.to_owned()
    };
    let spaces: Vec<usize> = s.match_indices(' ').map(|(i, _)| i).collect();
    for &p in &spaces {
        let (a, b) = (&s[..p], &s[p + 1..]);
        if !a.is_empty() && !b.is_empty() && strip_fn(a) == strip_fn(b) {
            return Some((a.to_owned(), b.to_owned()));
        }
    }
    let p = *spaces.first()?;
    Some((s[..p].to_owned(), s[p + 1..].to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GIT: &str = "From 1 Mon Sep 17 00:00:00 2001\nFrom: A <a@b>\nSubject: [PATCH] x\n\nmsg\n---\n a.c | 2 +-\n\ndiff --git a/a.c b/a.c\nindex 1..2 100644\n--- a/a.c\n+++ b/a.c\n@@ -1,3 +1,3 @@ f\n x\n-y\n+Y\n z\n-- \n2.39.2\n\n";

    #[test]
    fn mail_wrapper_and_git_header() {
        let p = parse_patch(GIT.as_bytes(), 1);
        assert_eq!(p.files.len(), 1, "{p:?}");
        let f = &p.files[0];
        assert_eq!(f.old_path.as_deref(), Some("a.c"));
        assert_eq!(f.new_path.as_deref(), Some("a.c"));
        assert_eq!(f.op, FileOp::Modify);
        // `index 1..2 100644` only says the mode is unchanged: no mode taken.
        assert_eq!(f.old_mode, None);
        let h = &f.hunks[0];
        assert!(h.malformed.is_none(), "{:?}", h.malformed);
        assert_eq!(
            (h.old_start, h.old_count, h.new_start, h.new_count),
            (1, 3, 1, 3)
        );
        assert_eq!(h.function.as_deref(), Some("f"));
        assert_eq!(h.lines.len(), 4);
        assert_eq!(h.prefix_context(), 1);
        assert_eq!(h.suffix_context(), 1);
        assert_eq!(h.source_line, 13);
    }

    #[test]
    fn short_hunk_is_malformed_and_parsing_continues() {
        let t = "--- a/x\n+++ b/x\n@@ -1,4 +1,4 @@\n a\n-b\n+B\n c\n@@ -10,2 +10,2 @@\n-k\n+K\n l\n--- a/y\n+++ b/y\n@@ -1 +1 @@\n-q\n+Q\n";
        let p = parse_patch(t.as_bytes(), 1);
        assert_eq!(p.files.len(), 2);
        let x = &p.files[0];
        assert_eq!(x.hunks.len(), 2);
        // Hunk 1 says 4 old lines but has 3 before the next `@@`: malformed,
        // reported at the line that broke it (the second `@@`, line 8).
        let m = x.hunks[0].malformed.as_deref().unwrap_or("");
        assert!(m.starts_with("line 8:"), "{m}");
        assert_eq!(x.hunks[0].source_line, 3);
        assert!(x.hunks[1].malformed.is_none());
        assert!(p.files[1].hunks[0].malformed.is_none());
    }

    #[test]
    fn hunk_ends_where_its_counts_end() {
        // GNU patch 2.7.6 on x = "a b c": "Hunk #1 succeeded at 1 with fuzz 1.
        // Hmm...  Ignoring the trailing garbage." exit 0: the ` c` line after
        // the complete hunk is not part of it.
        let t = "--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n a\n-b\n+B\n c\n";
        let p = parse_patch(t.as_bytes(), 1);
        let h = &p.files[0].hunks[0];
        assert!(h.malformed.is_none(), "{:?}", h.malformed);
        assert_eq!(h.lines.len(), 3);
        // A new-file hunk followed by a stray `+` line and a diffstat-like line
        // (GNU patch 2.7.6: "patching file n", exit 0, n = "one").
        let t = "--- /dev/null\n+++ b/n\n@@ -0,0 +1 @@\n+one\n+stray\n- x | 2 +-\n";
        let p = parse_patch(t.as_bytes(), 1);
        assert_eq!(p.files.len(), 1);
        assert!(p.files[0].hunks[0].malformed.is_none());
        assert_eq!(p.files[0].hunks[0].lines.len(), 1);
    }

    #[test]
    fn no_newline_markers() {
        let t = "--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+B\n\\ No newline at end of file\n";
        let p = parse_patch(t.as_bytes(), 1);
        let h = &p.files[0].hunks[0];
        assert!(h.malformed.is_none(), "{:?}", h.malformed);
        assert_eq!(h.lines[1].text, b"b");
        assert_eq!(h.lines[2].text, b"B");
        assert_eq!(h.lines[0].text, b"a\n");
    }

    #[test]
    fn crlf_patch_lines_are_stripped() {
        let t = "--- a/x\r\n+++ b/x\r\n@@ -1,2 +1,2 @@\r\n a\r\n-b\r\n+B\r\n";
        let p = parse_patch(t.as_bytes(), 1);
        let h = &p.files[0].hunks[0];
        assert!(h.malformed.is_none(), "{:?}", h.malformed);
        assert_eq!(h.lines[0].text, b"a\n");
    }

    #[test]
    fn create_delete_rename_binary() {
        let t = "diff --git a/n b/n\nnew file mode 100755\nindex 0000000..1\n--- /dev/null\n+++ b/n\n@@ -0,0 +1 @@\n+x\ndiff --git a/d b/d\ndeleted file mode 100644\n--- a/d\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\ndiff --git a/o b/p\nsimilarity index 100%\nrename from o\nrename to p\ndiff --git a/bin b/bin\nindex 1..2 100644\nGIT binary patch\nliteral 3\nKcmZ?wU;qFB0RR91\n\ndiff --git a/e b/e\nnew file mode 100644\nindex 0000000..e69de29\n";
        let p = parse_patch(t.as_bytes(), 1);
        let ops: Vec<_> = p
            .files
            .iter()
            .map(|f| (f.op, f.binary, f.display_path()))
            .collect();
        assert_eq!(
            ops,
            vec![
                (FileOp::Create, false, "n".to_string()),
                (FileOp::Delete, false, "d".to_string()),
                (FileOp::Rename, false, "p".to_string()),
                (FileOp::Modify, true, "bin".to_string()),
                (FileOp::Create, false, "e".to_string()),
            ]
        );
        assert_eq!(p.files[0].new_mode, Some(0o100755));
        assert_eq!(p.files[2].old_path.as_deref(), Some("o"));
    }

    #[test]
    fn strip_levels() {
        let t = "--- x/y/z.c\t2006-12-01 10:00:00.000000000 +0100\n+++ x/y/z.c\t2006-12-01 10:00:00.000000000 +0100\n@@ -1 +1 @@\n-a\n+b\n";
        assert_eq!(
            parse_patch(t.as_bytes(), 0).files[0].new_path.as_deref(),
            Some("x/y/z.c")
        );
        assert_eq!(
            parse_patch(t.as_bytes(), 2).files[0].new_path.as_deref(),
            Some("z.c")
        );
        let p3 = parse_patch(t.as_bytes(), 3);
        assert!(p3.files[0].new_path.is_none());
        assert!(p3.files[0].problem.is_some());
        assert_eq!(
            parse_patch(t.as_bytes(), 1).files[0].new_time.as_deref(),
            Some("\t2006-12-01 10:00:00.000000000 +0100")
        );
    }

    #[test]
    fn garbage_and_empty_never_panic() {
        for t in [
            &b""[..],
            b"\0\xff\n@@ -",
            b"@@ -1,2 +1 @@\n",
            b"--- a\n+++ b\n@@ -99999999999999999999 +1 @@\n",
            b"diff --git \n",
            b"--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n",
        ] {
            let _ = parse_patch(t, 1);
        }
        assert!(!parse_patch(b"hello\n", 1).errors.is_empty());
    }

    #[test]
    fn empty_line_is_context_and_eof_chop() {
        // GNU: an empty line is context whose space was eaten; at EOF up to
        // three missing new-side lines are taken as chopped blank lines.
        let t = "--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n a\n\n-b\n+B\n";
        let h = &parse_patch(t.as_bytes(), 1).files[0].hunks[0];
        assert!(h.malformed.is_none(), "{:?}", h.malformed);
        assert_eq!(h.lines[1].text, b"\n");
        let t2 = "--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n-b\n+B\n a\n";
        let h2 = &parse_patch(t2.as_bytes(), 1).files[0].hunks[0];
        assert!(h2.malformed.is_none(), "{:?}", h2.malformed);
        assert_eq!(h2.lines.len(), 4);
    }
}
