//! Reading a quilt `series` file the way quilt does (independent of
//! harness-ingest): one patch per line, `#` starts a comment, an optional
//! `-pN` after the name, default strip level 1.

use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct Entry {
    /// 1-based position in the series.
    pub index: usize,
    /// The name as the series file writes it (relative to the quilt dir).
    pub name: String,
    pub path: PathBuf,
    pub strip: usize,
}

pub fn load_quilt(dir: &Path) -> Vec<Entry> {
    let series = dir.join("series");
    let text = std::fs::read_to_string(&series)
        .unwrap_or_else(|e| panic!("cannot read quilt series {}: {e}", series.display()));
    let mut out = Vec::new();
    for line in text.lines() {
        let line = match line.find('#') {
            Some(i) => &line[..i],
            None => line,
        };
        let mut words = line.split_whitespace();
        let Some(name) = words.next() else { continue };
        let mut strip = 1;
        for w in words {
            if let Some(n) = w.strip_prefix("-p") {
                strip = n
                    .parse()
                    .unwrap_or_else(|_| panic!("{}: bad option {w:?}", series.display()));
            }
        }
        out.push(Entry {
            index: out.len() + 1,
            name: name.to_string(),
            path: dir.join(name),
            strip,
        });
    }
    assert!(!out.is_empty(), "{}: no patches listed", series.display());
    out
}

/// A one-patch "series" for a single patch file.
pub fn single(path: &Path, strip: usize) -> Vec<Entry> {
    vec![Entry {
        index: 1,
        // The harness names a lone patch by the path it was given.
        name: path.to_string_lossy().into_owned(),
        path: path.to_path_buf(),
        strip,
    }]
}
