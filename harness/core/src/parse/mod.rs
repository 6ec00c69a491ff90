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

/// `b` as text, invalid UTF-8 replaced by U+FFFD; valid text (nearly all)
/// through `str::from_utf8`, which reads ASCII a word at a time where
/// `from_utf8_lossy` goes byte by byte.
pub(crate) fn lossy(b: &[u8]) -> String {
    match std::str::from_utf8(b) {
        Ok(text) => text.to_owned(),
        Err(_) => String::from_utf8_lossy(b).into_owned(),
    }
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
            let s = crate::pathbytes::decode(t);
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
}

mod hunk;
mod names;
#[cfg(test)]
mod tests;

use hunk::*;
pub(crate) use names::parse_quoted;
use names::*;
