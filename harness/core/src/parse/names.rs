//! File names in headers: C-quoted names, `diff --git` name pairs,
//! modes, and names that contradict each other.

use super::*;

/// Git refuses a `---`/`+++` name that contradicts its `diff --git` line
/// ("inconsistent old/new filename"); so does the harness (GNU patch would
/// silently pick one of the names).
pub(super) fn inconsistent_names(
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

pub(super) fn parse_mode(s: &str) -> Option<u32> {
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
                return Some((crate::pathbytes::decode(&out), s.get(i + 1..)?));
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
            c => match crate::pathbytes::escape_at(b, i) {
                // A raw byte of the name, decoded earlier as an escape.
                Some(raw) => {
                    out.push(raw);
                    i += 3;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            },
        }
    }
    None
}

pub(super) fn unquote(s: &str) -> String {
    let t = s.trim();
    parse_quoted(t)
        .map(|(n, _)| n)
        .unwrap_or_else(|| t.to_owned())
}

/// Split the names of `diff --git A B`.
pub(super) fn split_git_names(rest: &[u8], strip: usize) -> Option<(String, String)> {
    let s = crate::pathbytes::decode(rest);
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
