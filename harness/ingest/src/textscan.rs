//! Light, lenient scanning of mail text: unified-diff hunks (own or quoted),
//! diff headers, diffstats, `change-id:`, `base-commit:` and
//! `prerequisite-patch-id:` lines (trailers: see [`crate::trailers`]).
//! The authoritative patch parser lives in harness-core; this one only needs
//! to say what a mail carries, and never fails.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum LineKind {
    #[serde(rename = "context")]
    Context,
    #[serde(rename = "removed")]
    Removed,
    #[serde(rename = "added")]
    Added,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HunkLine {
    pub kind: LineKind,
    pub text: String,
}

/// One hunk found in text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TextHunk {
    /// Target path with the first component stripped (`a/`, `linux.orig/`).
    pub file: String,
    /// The `@@ ... @@` line as written.
    pub header: String,
    pub old_start: u64,
    pub old_count: u64,
    pub new_start: u64,
    pub new_count: u64,
    /// 1-based line of the `@@` header in the scanned text.
    pub line: usize,
    #[serde(skip)]
    pub lines: Vec<HunkLine>,
    /// The hunk body ended before the header's line counts were reached.
    pub short: bool,
}

fn strip_component(p: &str) -> String {
    let p = p.split('\t').next().unwrap_or(p).trim();
    if p == "/dev/null" {
        return p.to_owned();
    }
    match p.split_once('/') {
        Some((_, rest)) if !rest.is_empty() => rest.to_owned(),
        _ => p.to_owned(),
    }
}

/// Parse `@@ -a[,b] +c[,d] @@`.
pub fn parse_hunk_header(l: &str) -> Option<(u64, u64, u64, u64)> {
    let rest = l.strip_prefix("@@ -")?;
    let (old, rest) = rest.split_once(" +")?;
    let (new, _) = rest.split_once(" @@")?;
    let range = |r: &str| -> Option<(u64, u64)> {
        match r.split_once(',') {
            Some((a, b)) => Some((a.parse().ok()?, b.parse().ok()?)),
            None => Some((r.parse().ok()?, 1)),
        }
    };
    let (a, b) = range(old)?;
    let (c, d) = range(new)?;
    Some((a, b, c, d))
}

/// Scan `lines` (already unquoted) for hunks. `first_line` is the 1-based
/// number of `lines[0]` in the original text.
pub fn scan_hunks<S: AsRef<str>>(lines: &[S], first_line: usize) -> Vec<TextHunk> {
    scan_hunks_mode(lines, first_line, false)
}

/// [`scan_hunks`]; `lenient` reads a line without a diff marker inside a hunk
/// as a context line that lost its leading space (quoting often eats it).
pub fn scan_hunks_mode<S: AsRef<str>>(
    lines: &[S],
    first_line: usize,
    lenient: bool,
) -> Vec<TextHunk> {
    let mut out = Vec::new();
    let mut file: Option<String> = None;
    let mut i = 0;
    while let Some(l) = lines.get(i) {
        let l = l.as_ref();
        if l.starts_with("--- ") {
            if let Some(next) = lines.get(i + 1).map(|s| s.as_ref()) {
                if let Some(p) = next.strip_prefix("+++ ") {
                    let new = strip_component(p);
                    file = Some(if new == "/dev/null" {
                        strip_component(l.trim_start_matches("--- "))
                    } else {
                        new
                    });
                    i += 2;
                    continue;
                }
            }
        }
        if let (Some(f), Some((a, b, c, d))) = (file.as_ref(), parse_hunk_header(l)) {
            let mut hunk = TextHunk {
                file: f.clone(),
                header: l.to_owned(),
                old_start: a,
                old_count: b,
                new_start: c,
                new_count: d,
                line: first_line + i,
                lines: Vec::new(),
                short: false,
            };
            let (mut old, mut new) = (0u64, 0u64);
            i += 1;
            while old < b || new < d {
                let Some(body) = lines.get(i).map(|s| s.as_ref()) else {
                    hunk.short = true;
                    break;
                };
                let (kind, text) = if let Some(t) = body.strip_prefix(' ') {
                    (LineKind::Context, t)
                } else if body.is_empty() {
                    (LineKind::Context, "")
                } else if let Some(t) = body.strip_prefix('-') {
                    if body.starts_with("--- ")
                        && lines
                            .get(i + 1)
                            .is_some_and(|n| n.as_ref().starts_with("+++ "))
                    {
                        hunk.short = true;
                        break;
                    }
                    (LineKind::Removed, t)
                } else if let Some(t) = body.strip_prefix('+') {
                    (LineKind::Added, t)
                } else if body.starts_with('\\') {
                    i += 1;
                    continue;
                } else if lenient && parse_hunk_header(body).is_none() {
                    (LineKind::Context, body)
                } else {
                    hunk.short = true;
                    break;
                };
                match kind {
                    LineKind::Context => {
                        old += 1;
                        new += 1
                    }
                    LineKind::Removed => old += 1,
                    LineKind::Added => new += 1,
                }
                hunk.lines.push(HunkLine {
                    kind,
                    text: text.to_owned(),
                });
                i += 1;
            }
            out.push(hunk);
            continue;
        }
        i += 1;
    }
    out
}

/// Hunks in unquoted lines of `text`.
pub fn own_hunks(text: &str) -> Vec<TextHunk> {
    let lines: Vec<&str> = text.lines().collect();
    scan_hunks(&lines, 1)
}

/// Hunks quoted one level deep (`> ` or `>` prefix).
pub fn quoted_hunks(text: &str) -> Vec<TextHunk> {
    let mut out = Vec::new();
    let mut run: Vec<String> = Vec::new();
    let mut run_start = 0;
    let flush = |run: &mut Vec<String>, start: usize, out: &mut Vec<TextHunk>| {
        if !run.is_empty() {
            out.extend(scan_hunks_mode(run, start, true));
            run.clear();
        }
    };
    for (i, l) in text.lines().enumerate() {
        if let Some(q) = l.strip_prefix('>') {
            if run.is_empty() {
                run_start = i + 1;
            }
            let q = q.strip_prefix(' ').unwrap_or(q);
            run.push(q.to_owned());
        } else {
            flush(&mut run, run_start, &mut out);
        }
    }
    flush(&mut run, run_start, &mut out);
    out
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Trailer {
    pub name: String,
    pub value: String,
}

/// b4's `DIFF_RE` on unquoted lines: a `---` line followed by a `+++` line,
/// `GIT binary patch`, or `diff --git a/X b/Y`. Returns the 1-based line of
/// the first such header.
pub fn diff_header_line(text: &str) -> Option<usize> {
    let lines: Vec<&str> = text.lines().collect();
    lines.iter().enumerate().find_map(|(i, l)| {
        let next_plus = lines.get(i + 1).is_some_and(|n| n.starts_with("+++"));
        let git = l
            .strip_prefix("diff --git ")
            .is_some_and(|r| r.split_whitespace().count() >= 2);
        ((l.starts_with("---") && next_plus) || git || l.starts_with("GIT binary patch"))
            .then_some(i + 1)
    })
}

/// b4's `DIFFSTAT_RE`: ` N file(s) changed, M insertion(s)/deletion(s)`.
pub fn has_diffstat(text: &str) -> bool {
    text.lines().any(|l| {
        let t = l.trim_start();
        t.starts_with(|c: char| c.is_ascii_digit())
            && t.contains(" file")
            && (t.contains("insertion") || t.contains("deletion"))
    })
}

/// `change-id:` value (b4's series identifier in cover letters).
pub fn change_id(text: &str) -> Option<String> {
    text.lines()
        .find_map(|l| l.strip_prefix("change-id:"))
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// A stand-in for `git patch-id --stable`: the same value for two diffs that
/// differ only in hunk line numbers and whitespace (FNV-1a over file names
/// and the marked lines with whitespace removed).
pub fn patch_id(hunks: &[TextHunk]) -> Option<u64> {
    if hunks.is_empty() {
        return None;
    }
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |b: u8| {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    };
    for hk in hunks {
        hk.file.bytes().for_each(&mut eat);
        eat(0);
        for l in &hk.lines {
            eat(match l.kind {
                LineKind::Context => b' ',
                LineKind::Removed => b'-',
                LineKind::Added => b'+',
            });
            l.text
                .bytes()
                .filter(|b| !b.is_ascii_whitespace())
                .for_each(&mut eat);
            eat(b'\n');
        }
    }
    Some(h)
}

/// `base-commit:` value and `prerequisite-patch-id:` values (unquoted lines).
pub fn base_info(text: &str) -> (Option<String>, Vec<String>) {
    let mut base = None;
    let mut prereq = Vec::new();
    for l in text.lines() {
        if let Some(v) = l.strip_prefix("base-commit:") {
            base = Some(v.trim().to_owned());
        } else if let Some(v) = l.strip_prefix("prerequisite-patch-id:") {
            prereq.push(v.trim().to_owned());
        }
    }
    (base, prereq)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIFF: &str = "msg\n\nSigned-off-by: A <a@x>\nacked-by: B <b@x>\n---\n f | 1 +\n\ndiff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1,2 +1,3 @@\n x\n+y\n z\n-- \n2.39\n\nbase-commit: abc123\nprerequisite-patch-id: p1\n";

    #[test]
    fn finds_hunks_trailers_base() {
        let h = own_hunks(DIFF);
        assert_eq!(h.len(), 1);
        assert_eq!(h[0].file, "f");
        assert_eq!((h[0].old_count, h[0].new_count, h[0].line), (2, 3, 11));
        assert!(!h[0].short);
        // trailers are read by crate::trailers (b4's rules; names as written)
        let t = crate::trailers::own(DIFF);
        assert_eq!(t.len(), 2);
        assert_eq!(t[1].name, "acked-by");
        let (b, p) = base_info(DIFF);
        assert_eq!(b.as_deref(), Some("abc123"));
        assert_eq!(p, vec!["p1"]);
    }

    #[test]
    fn quoted_and_short() {
        let q = "I object\n> --- a/f\n> +++ b/f\n> @@ -1,3 +1,3 @@\n>  x\n> -y\n> +z\n\nrest";
        let h = quoted_hunks(q);
        assert_eq!(h.len(), 1);
        assert!(h[0].short, "only 2 of 3 old lines quoted");
        assert_eq!(h[0].line, 4);
        assert!(own_hunks(q).is_empty());
    }
}

/// Whether `text` holds a `diff --git` section that changes a file without
/// hunks (rename, copy, mode change, creating or deleting an empty file):
/// such a message is a patch too (`git am` applies it).
pub fn has_git_file_op(text: &str) -> bool {
    const OPS: &[&str] = &[
        "rename from ",
        "copy from ",
        "old mode ",
        "new mode ",
        "deleted file mode ",
        "new file mode ",
    ];
    let mut in_header = false;
    for l in text.lines() {
        if l.starts_with("diff --git ") {
            in_header = true;
        } else if in_header {
            if OPS.iter().any(|op| l.starts_with(op)) {
                return true;
            }
            let extended = [
                "index ",
                "similarity index ",
                "dissimilarity index ",
                "rename to ",
                "copy to ",
            ]
            .iter()
            .any(|p| l.starts_with(p));
            in_header = extended;
        }
    }
    false
}

#[cfg(test)]
mod file_op_tests {
    use super::has_git_file_op;

    #[test]
    fn hunkless_git_operations_are_patches() {
        // `git am` applies each of these (git 2.47.3, t4150 / t4129).
        assert!(has_git_file_op(
            "msg\n---\ndiff --git a/f b/g\nsimilarity index 100%\nrename from f\nrename to g\n"
        ));
        assert!(has_git_file_op(
            "diff --git a/f b/f\nold mode 100644\nnew mode 100755\n"
        ));
        assert!(has_git_file_op(
            "diff --git a/f b/f\ndeleted file mode 100644\nindex e69de29..0000000\n"
        ));
        // Prose mentioning the words is not.
        assert!(!has_git_file_op("we did a rename from f to g\n"));
        assert!(!has_git_file_op(
            "diff --git a/f b/f\nsome text\nrename from f\n"
        ));
    }
}
