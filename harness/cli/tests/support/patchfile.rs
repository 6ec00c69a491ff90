//! A deliberately small splitter for unified diffs, used only by the test
//! oracle: which files a patch touches (so the scratch copy for GNU patch
//! holds just those) and the text of each hunk (for the "applies in reverse
//! exactly" check). It is NOT the harness's parser and shares no code with it.
//!
//! Hunk bodies are delimited by the line counts in their `@@` headers, so a
//! removed line that starts with `-- ` (giving `--- `) is not taken for a
//! file header.

#[derive(Debug, Clone)]
pub struct Hunk {
    /// 1-based line of the `@@` header in the patch input.
    pub line: usize,
    /// The `@@ ... @@` line, without its newline.
    pub header: Vec<u8>,
    /// Body lines with their newlines, including `\ No newline` markers.
    pub body: Vec<Vec<u8>>,
    pub old_start: usize,
    pub old_len: usize,
    pub new_start: usize,
    pub new_len: usize,
    /// Body shorter than the header says (input ended or another line came).
    pub truncated: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Section {
    /// Paths after stripping; None for /dev/null or when absent.
    pub old: Option<String>,
    pub new: Option<String>,
    pub rename_from: Option<String>,
    pub rename_to: Option<String>,
    pub hunks: Vec<Hunk>,
}

impl Section {
    /// The name GNU patch reports for this section ("patching file X").
    pub fn target(&self) -> Option<&str> {
        self.new
            .as_deref()
            .or(self.rename_to.as_deref())
            .or(self.old.as_deref())
    }
    /// Every path the section names.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        [&self.old, &self.new, &self.rename_from, &self.rename_to]
            .into_iter()
            .filter_map(|p| p.as_deref())
    }
}

/// Strip `strip` leading components; None for /dev/null.
pub fn strip_path(raw: &[u8], strip: usize) -> Option<String> {
    // The name ends at a tab (timestamps follow) or at the line end.
    let end = raw.iter().position(|&b| b == b'\t').unwrap_or(raw.len());
    let mut name = String::from_utf8_lossy(&raw[..end]).trim_end().to_string();
    if name.len() >= 2 && name.starts_with('"') && name.ends_with('"') {
        name = name[1..name.len() - 1].to_string();
    }
    if name == "/dev/null" || name.is_empty() {
        return None;
    }
    let mut rest = name.as_str();
    for _ in 0..strip {
        match rest.find('/') {
            Some(i) => rest = rest[i + 1..].trim_start_matches('/'),
            None => return Some(rest.to_string()),
        }
    }
    Some(rest.to_string())
}

fn parse_range(s: &str) -> Option<(usize, usize)> {
    match s.split_once(',') {
        Some((a, b)) => Some((a.parse().ok()?, b.parse().ok()?)),
        None => Some((s.parse().ok()?, 1)),
    }
}

/// Parse `@@ -a,b +c,d @@`.
pub fn parse_header(line: &[u8]) -> Option<(usize, usize, usize, usize)> {
    let s = std::str::from_utf8(line).ok()?;
    let rest = s.strip_prefix("@@ -")?;
    let end = rest.find(" @@")?;
    let (old, new) = rest[..end].split_once(" +")?;
    let (a, b) = parse_range(old)?;
    let (c, d) = parse_range(new)?;
    Some((a, b, c, d))
}

fn trim_eol(l: &[u8]) -> &[u8] {
    let l = l.strip_suffix(b"\n").unwrap_or(l);
    l.strip_suffix(b"\r").unwrap_or(l)
}

pub fn parse(input: &[u8], strip: usize) -> Vec<Section> {
    let lines: Vec<&[u8]> = input.split_inclusive(|&b| b == b'\n').collect();
    let mut sections: Vec<Section> = Vec::new();
    // A `diff --git` header whose `---`/`+++` have not come yet.
    let mut pending: Option<Section> = None;
    let mut i = 0;
    while i < lines.len() {
        let l = trim_eol(lines[i]);
        if let Some(rest) = l.strip_prefix(b"diff --git ") {
            if let Some(p) = pending.take() {
                sections.push(p);
            }
            let s = String::from_utf8_lossy(rest).into_owned();
            let mut sec = Section::default();
            if let Some(idx) = s.rfind(" b/") {
                sec.old = strip_path(s[..idx].as_bytes(), strip);
                sec.new = strip_path(s[idx + 1..].as_bytes(), strip);
            }
            pending = Some(sec);
            i += 1;
            continue;
        }
        if let Some(p) = pending.as_mut() {
            // Rename/copy names carry no prefix: strip nothing.
            if let Some(r) = l
                .strip_prefix(b"rename from ")
                .or(l.strip_prefix(b"copy from "))
            {
                p.rename_from = strip_path(r, 0);
            } else if let Some(r) = l
                .strip_prefix(b"rename to ")
                .or(l.strip_prefix(b"copy to "))
            {
                p.rename_to = strip_path(r, 0);
            }
        }
        let next = lines.get(i + 1).map(|l| trim_eol(l));
        if let (Some(old), Some(Some(new))) = (
            l.strip_prefix(b"--- "),
            next.map(|n| n.strip_prefix(b"+++ ")),
        ) {
            let mut sec = pending.take().unwrap_or_default();
            sec.old = strip_path(old, strip);
            sec.new = strip_path(new, strip);
            i += 2;
            while i < lines.len() {
                let h = trim_eol(lines[i]);
                let Some((a, b, c, d)) = parse_header(h) else {
                    break;
                };
                let mut hunk = Hunk {
                    line: i + 1,
                    header: h.to_vec(),
                    body: Vec::new(),
                    old_start: a,
                    old_len: b,
                    new_start: c,
                    new_len: d,
                    truncated: false,
                };
                i += 1;
                let (mut old_left, mut new_left) = (b, d);
                while (old_left > 0 || new_left > 0) && i < lines.len() {
                    let body = lines[i];
                    let t = trim_eol(body);
                    match t.first().copied() {
                        None | Some(b' ') if old_left > 0 && new_left > 0 => {
                            old_left -= 1;
                            new_left -= 1;
                        }
                        Some(b'-') if old_left > 0 => old_left -= 1,
                        Some(b'+') if new_left > 0 => new_left -= 1,
                        Some(b'\\') => {}
                        _ => break,
                    }
                    hunk.body.push(body.to_vec());
                    i += 1;
                }
                hunk.truncated = old_left > 0 || new_left > 0;
                // `\ No newline at end of file` after the last line.
                while i < lines.len() && trim_eol(lines[i]).starts_with(b"\\") {
                    hunk.body.push(lines[i].to_vec());
                    i += 1;
                }
                sec.hunks.push(hunk);
            }
            sections.push(sec);
            continue;
        }
        i += 1;
    }
    if let Some(p) = pending.take() {
        sections.push(p);
    }
    sections
}

/// A patch holding one hunk of `sec` for `path`, e.g. to try it in reverse.
pub fn single_hunk_patch(path: &str, hunk: &Hunk) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(format!("--- a/{path}\n+++ b/{path}\n").as_bytes());
    out.extend_from_slice(&hunk.header);
    out.push(b'\n');
    for l in &hunk.body {
        out.extend_from_slice(l);
        if !l.ends_with(b"\n") {
            out.push(b'\n');
        }
    }
    out
}
