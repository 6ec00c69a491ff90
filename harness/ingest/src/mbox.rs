//! Splitting mbox files (mboxo and mboxrd) and reading maildirs.

use crate::mime::{lines_of, looks_like_header, trim_eol};
use std::path::{Path, PathBuf};

/// One raw message cut out of a container, with where it came from.
#[derive(Debug, Clone)]
pub struct RawMessage {
    /// File the message was read from.
    pub path: PathBuf,
    /// 1-based line in that file where the message starts.
    pub line: usize,
    /// Bytes of the message (mbox `From ` line removed, `>From ` unquoted).
    pub bytes: Vec<u8>,
}

/// True when `line` is an mbox separator: `From ` and the next line is a header.
fn is_separator(line: &[u8], next: Option<&[u8]>) -> bool {
    line.starts_with(b"From ") && next.is_some_and(|n| looks_like_header(trim_eol(n)))
}

/// True when the data starts like an mbox (`From ` line followed by a header).
pub fn is_mbox(data: &[u8]) -> bool {
    let mut it = lines_of(data);
    let first = it.next();
    let second = it.next();
    first.is_some_and(|f| is_separator(f, second))
}

/// Split an mbox. Lines `>From `, `>>From `, ... lose one `>` (mboxrd; for
/// mboxo this undoes the writer's quoting of `From ` and only misreads a body
/// line that really began with `>From `, which mboxo cannot represent).
pub fn split_mbox(path: &Path, data: &[u8]) -> Vec<RawMessage> {
    let lines: Vec<&[u8]> = lines_of(data).collect();
    let mut out: Vec<RawMessage> = Vec::new();
    let mut cur: Option<RawMessage> = None;
    for (i, line) in lines.iter().enumerate() {
        if is_separator(line, lines.get(i + 1).copied()) {
            if let Some(m) = cur.take() {
                out.push(m);
            }
            cur = Some(RawMessage {
                path: path.to_owned(),
                line: i + 2,
                bytes: Vec::new(),
            });
            continue;
        }
        let msg = cur.get_or_insert_with(|| RawMessage {
            path: path.to_owned(),
            line: i + 1,
            bytes: Vec::new(),
        });
        let gts = line.iter().take_while(|&&b| b == b'>').count();
        if gts > 0 && line.get(gts..).is_some_and(|r| r.starts_with(b"From ")) {
            msg.bytes
                .extend_from_slice(line.get(1..).unwrap_or_default());
        } else {
            msg.bytes.extend_from_slice(line);
        }
    }
    if let Some(m) = cur {
        out.push(m);
    }
    // A trailing blank line written by mbox writers belongs to the separator.
    for m in &mut out {
        if m.bytes.ends_with(b"\n\n") {
            m.bytes.pop();
        }
    }
    out
}

/// True when `dir` is a maildir (has `cur/` or `new/`).
pub fn is_maildir(dir: &Path) -> bool {
    dir.join("cur").is_dir() || dir.join("new").is_dir()
}

/// The message files of a maildir (`new/` then `cur/`, each sorted by name;
/// `tmp/` is skipped: messages there are still being written).
pub fn maildir_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut all = Vec::new();
    for sub in ["new", "cur"] {
        let d = dir.join(sub);
        if !d.is_dir() {
            continue;
        }
        let mut files: Vec<PathBuf> = std::fs::read_dir(&d)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .filter(|p| {
                !p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
            })
            .collect();
        files.sort();
        all.extend(files);
    }
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mboxrd_unquoting() {
        let data = b"From a@b Thu Jan  1 00:00:00 1970\nSubject: one\n\nbody\n>From here\n>>From there\nFrom nothing\n\nFrom b@c Thu Jan  1 00:00:00 1970\nSubject: two\n\nx\n";
        let msgs = split_mbox(Path::new("m"), data);
        assert_eq!(msgs.len(), 2);
        assert_eq!(
            String::from_utf8_lossy(&msgs[0].bytes),
            "Subject: one\n\nbody\nFrom here\n>From there\nFrom nothing\n"
        );
        assert_eq!(msgs[1].line, 10);
        assert!(is_mbox(data));
        assert!(!is_mbox(b"Subject: x\n\n"));
    }
}
