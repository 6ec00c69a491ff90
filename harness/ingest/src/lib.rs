//! Series ingest: turn a series source (quilt directory, directory of `*.patch`,
//! one patch or mbox file, ...) into an ordered [`Series`] of patch texts.
//!
//! This crate reads files but never runs processes and never prints.
//! Parsing of the diff itself lives in `harness-core`.

use std::path::{Path, PathBuf};

/// Where a series came from, as reported to users.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    Quilt,
    PatchDir,
    SingleFile,
    Mbox,
    Maildir,
    Archive,
}

/// One patch of a series, as the series names it.
#[derive(Debug, Clone)]
pub struct SeriesPatch {
    /// 1-based position in series order.
    pub index: usize,
    /// The patch's path as the series names it (quilt: the line in `series`).
    pub name: String,
    /// Mail subject (or first line) when known.
    pub subject: Option<String>,
    /// Path components to strip (`-pN`); 1 unless the series says otherwise.
    pub strip: usize,
    /// Decoded patch text (mail wrapper kept; the core parser skips it).
    pub content: Vec<u8>,
    /// True when the source marks this input as coming from mail or an archive
    /// (untrusted by default).
    pub from_mail: bool,
}

/// An ordered series of patches.
#[derive(Debug, Clone)]
pub struct Series {
    pub name: String,
    pub kind: SourceKind,
    pub root: PathBuf,
    pub patches: Vec<SeriesPatch>,
}

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("{path}: cannot read: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}:{line}: {message}")]
    Syntax {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

fn read(path: &Path) -> Result<Vec<u8>, IngestError> {
    std::fs::read(path).map_err(|source| IngestError::Io {
        path: path.to_owned(),
        source,
    })
}

/// First `Subject:` header of a mail-formatted patch, if any.
pub fn subject_of(content: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(content);
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("Subject:") {
            return Some(rest.trim().to_owned());
        }
        if line.starts_with("diff ") || line.starts_with("--- ") {
            break;
        }
    }
    None
}

/// Load a series from a path: a quilt directory (with `series`), a `series`
/// file, a directory of `*.patch` files (sorted by name), or one file.
pub fn load(path: &Path) -> Result<Series, IngestError> {
    let meta = std::fs::metadata(path).map_err(|source| IngestError::Io {
        path: path.to_owned(),
        source,
    })?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    if meta.is_dir() {
        let series_file = path.join("series");
        if series_file.is_file() {
            return load_quilt(&series_file, name);
        }
        return load_patch_dir(path, name);
    }
    if path.file_name().is_some_and(|n| n == "series") {
        let parent = path.parent().unwrap_or(Path::new("."));
        let name = parent
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or(name);
        return load_quilt(path, name);
    }
    let content = read(path)?;
    Ok(Series {
        name,
        kind: SourceKind::SingleFile,
        root: path.parent().unwrap_or(Path::new(".")).to_owned(),
        patches: vec![SeriesPatch {
            index: 1,
            name: path.display().to_string(),
            subject: subject_of(&content),
            strip: 1,
            content,
            from_mail: false,
        }],
    })
}

fn load_quilt(series_file: &Path, name: String) -> Result<Series, IngestError> {
    let root = series_file.parent().unwrap_or(Path::new(".")).to_owned();
    let text = String::from_utf8_lossy(&read(series_file)?).into_owned();
    let mut patches = Vec::new();
    for (lineno, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let mut words = line.split_whitespace();
        let Some(rel) = words.next() else { continue };
        let mut strip = 1;
        for opt in words {
            if let Some(n) = opt.strip_prefix("-p") {
                strip = n.parse().map_err(|_| IngestError::Syntax {
                    path: series_file.to_owned(),
                    line: lineno + 1,
                    message: format!("bad strip option {opt:?} (expected -pN)"),
                })?;
            }
        }
        let content = read(&root.join(rel))?;
        patches.push(SeriesPatch {
            index: patches.len() + 1,
            name: rel.to_owned(),
            subject: subject_of(&content),
            strip,
            content,
            from_mail: false,
        });
    }
    Ok(Series {
        name,
        kind: SourceKind::Quilt,
        root,
        patches,
    })
}

fn load_patch_dir(dir: &Path, name: String) -> Result<Series, IngestError> {
    let entries = std::fs::read_dir(dir).map_err(|source| IngestError::Io {
        path: dir.to_owned(),
        source,
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file()
                && p.extension()
                    .is_some_and(|e| e == "patch" || e == "diff" || e == "eml" || e == "mbox")
        })
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(IngestError::Invalid {
            path: dir.to_owned(),
            message: "no `series` file and no *.patch files in this directory".into(),
        });
    }
    let mut patches = Vec::new();
    for f in files {
        let content = read(&f)?;
        patches.push(SeriesPatch {
            index: patches.len() + 1,
            name: f
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            subject: subject_of(&content),
            strip: 1,
            content,
            from_mail: false,
        });
    }
    Ok(Series {
        name,
        kind: SourceKind::PatchDir,
        root: dir.to_owned(),
        patches,
    })
}
