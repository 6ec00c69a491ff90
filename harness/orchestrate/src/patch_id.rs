//! `git patch-id --stable`: the id b4 writes as `prerequisite-patch-id:`.
//!
//! What git hashes (git-patch-id(1) and its implementation): SHA-1 over
//! the diff's lines with all whitespace removed, starting at the first
//! `diff ` line (commit message and mail headers are left out); `index`
//! lines, hunk headers (`@@ ... @@`) and `\ No newline at end of file`
//! lines are left out. The patch ends at a line that cannot continue it: a
//! header line that does not start with a letter, or, after a hunk's last
//! line, one that is neither a hunk header nor a `diff ` line (the `-- `
//! of a mail signature). With `--stable` each file's digest is taken on
//! its own, when the next `diff ` line follows a hunk, and the digests are
//! added together (20-byte sum, carry upwards), so file order does not
//! matter. A binary section hashes its `index` blob ids instead.
//!
//! Checked against `git patch-id --stable` itself (patch_id_tests.rs).

use sha1::{Digest, Sha1};

struct State {
    sum: [u8; 20],
    ctx: Sha1,
    /// Non-whitespace bytes hashed so far (git's `patchlen`).
    hashed: usize,
    pre_blob: Vec<u8>,
    post_blob: Vec<u8>,
    /// Old and new lines left in the hunk (-1: in a file header).
    before: i64,
    after: i64,
    /// In a binary section: nothing hashed until the next `diff `.
    binary: bool,
}

impl State {
    fn flush(&mut self) {
        let digest = std::mem::take(&mut self.ctx).finalize();
        let mut carry: u16 = 0;
        for (s, d) in self.sum.iter_mut().zip(digest) {
            carry += u16::from(*s) + u16::from(d);
            *s = carry as u8;
            carry >>= 8;
        }
    }

    fn hash(&mut self, line: &[u8]) {
        // C's isspace: space, \t, \n, \v, \f, \r
        let kept: Vec<u8> = line
            .iter()
            .copied()
            .filter(|b| !b.is_ascii_whitespace() && *b != 0x0b)
            .collect();
        self.hashed += kept.len();
        self.ctx.update(&kept);
    }

    /// `index <pre>..<post>[ mode]`: remember the blob ids.
    fn index_line(&mut self, rest: &[u8]) {
        let text = rest.strip_suffix(b"\n").unwrap_or(rest);
        if let Some(dots) = text.windows(2).position(|w| w == b"..") {
            let post = &text[dots + 2..];
            let end = post.iter().position(|&b| b == b' ').unwrap_or(post.len());
            self.pre_blob = text[..dots].to_vec();
            self.post_blob = post[..end].to_vec();
        }
    }
}

/// `@@ -a[,b] +c[,d] @@`: the old and new line counts (1 when absent).
fn hunk_counts(line: &[u8]) -> Option<(i64, i64)> {
    let text = std::str::from_utf8(line.strip_prefix(b"@@ -")?).ok()?;
    let (old, rest) = text.split_once(" +")?;
    let new = rest
        .split(|c: char| !c.is_ascii_digit() && c != ',')
        .next()?;
    let count = |range: &str| -> Option<i64> {
        match range.split_once(',') {
            Some((_, n)) => n.parse().ok(),
            None => range.parse::<i64>().ok().map(|_| 1),
        }
    };
    Some((count(old)?, count(new)?))
}

/// A line naming the next commit (`From <40 hex>`, `commit <40 hex>`, or
/// 40 hex digits): in a stream of patches, where the next one starts.
fn names_a_commit(line: &[u8]) -> bool {
    let p = line
        .strip_prefix(b"commit ")
        .or_else(|| line.strip_prefix(b"From "))
        .unwrap_or(line);
    p.len() >= 40 && p[..40].iter().all(u8::is_ascii_hexdigit)
}

/// What to do after a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    Next,
    /// The patch ends here.
    Stop,
}

impl State {
    /// A file-header line: Some when it is dealt with here.
    fn header(&mut self, line: &[u8]) -> Option<Flow> {
        if line.starts_with(b"GIT binary patch") || line.starts_with(b"Binary files") {
            (self.binary, self.before) = (true, 0);
            let ids = [self.pre_blob.clone(), self.post_blob.clone()].concat();
            self.ctx.update(&ids);
            self.flush();
            return Some(Flow::Next);
        }
        if let Some(rest) = line.strip_prefix(b"index ") {
            self.index_line(rest);
            return Some(Flow::Next);
        }
        if line.starts_with(b"--- ") {
            (self.before, self.after) = (1, 1);
        } else if !line.first().is_some_and(u8::is_ascii_alphabetic) {
            return Some(Flow::Stop);
        }
        None
    }

    fn line(&mut self, line: &[u8]) -> Flow {
        if line.starts_with(b"\\ ") && line.len() > 12 {
            return Flow::Next;
        }
        if names_a_commit(line) {
            return if self.hashed == 0 {
                Flow::Next
            } else {
                Flow::Stop
            };
        }
        if self.hashed == 0 && !line.starts_with(b"diff ") {
            return Flow::Next;
        }
        if self.before == -1 {
            if let Some(flow) = self.header(line) {
                return flow;
            }
        }
        if self.binary {
            if line.starts_with(b"diff ") {
                (self.binary, self.before) = (false, -1);
            }
            return Flow::Next;
        }
        if (self.before, self.after) == (0, 0) {
            if line.starts_with(b"@@ -") {
                if let Some(c) = hunk_counts(line) {
                    (self.before, self.after) = c;
                }
                return Flow::Next;
            }
            if !line.starts_with(b"diff ") {
                return Flow::Stop;
            }
            self.flush();
            (self.before, self.after) = (-1, -1);
        }
        match line.first() {
            Some(b'-') => self.before -= 1,
            Some(b'+') => self.after -= 1,
            Some(b' ') => (self.before, self.after) = (self.before - 1, self.after - 1),
            _ => {}
        }
        self.hash(line);
        Flow::Next
    }
}

/// The stable patch-id of one patch (a mail or `git format-patch` file),
/// as 40 lower-case hex digits; None when it holds no diff.
pub fn stable_patch_id(patch: &[u8]) -> Option<String> {
    let mut st = State {
        sum: [0; 20],
        ctx: Sha1::new(),
        hashed: 0,
        pre_blob: Vec::new(),
        post_blob: Vec::new(),
        before: -1,
        after: -1,
        binary: false,
    };
    for line in patch.split_inclusive(|&b| b == b'\n') {
        if st.line(line) == Flow::Stop {
            break;
        }
    }
    if st.hashed == 0 {
        return None;
    }
    st.flush();
    Some(hex::encode(st.sum))
}

#[cfg(test)]
#[path = "patch_id_tests.rs"]
mod tests;
