//! Writing a run directory (`report.json`, `summary.md`, `junit.xml`,
//! `index.html`), each file atomically (temporary sibling + rename), and
//! reading a report back.

use crate::error::ReportError;
use crate::model::{MatrixReport, MATRIX_SCHEMA};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Paths written by [`write_run_dir`].
#[derive(Debug, Clone)]
pub struct RunDirFiles {
    pub report_json: PathBuf,
    pub summary_md: PathBuf,
    pub junit_xml: PathBuf,
    pub index_html: PathBuf,
}

/// Render everything and write it into `dir` (created if needed). The
/// renderings are written first and `report.json` last, so a reader that sees
/// a new `report.json` also sees the matching renderings.
pub fn write_run_dir(dir: &Path, report: &MatrixReport) -> Result<RunDirFiles, ReportError> {
    std::fs::create_dir_all(dir).map_err(|source| ReportError::Write {
        path: dir.to_path_buf(),
        source,
    })?;
    let files = RunDirFiles {
        report_json: dir.join("report.json"),
        summary_md: dir.join("summary.md"),
        junit_xml: dir.join("junit.xml"),
        index_html: dir.join("index.html"),
    };
    let md = crate::markdown::render_markdown(report);
    let junit = crate::junit::render_junit(report)?;
    let html = crate::html::render_html(report);
    let mut json = serde_json::to_string_pretty(report).map_err(|e| ReportError::Render {
        what: "report.json",
        message: e.to_string(),
    })?;
    json.push('\n');
    write_atomic(&files.summary_md, md.as_bytes())?;
    write_atomic(&files.junit_xml, junit.as_bytes())?;
    write_atomic(&files.index_html, html.as_bytes())?;
    write_atomic(&files.report_json, json.as_bytes())?;
    Ok(files)
}

/// Write `bytes` to the output `dest` safely:
/// - a symlink is resolved first (the write goes through to its target, even
///   a dangling one, like a shell redirection), so the link survives;
/// - a regular file, or a path that does not exist yet, is replaced through a
///   temporary sibling and a rename (readers never see half a file); an
///   existing file keeps its permission bits, a new one gets `0666 & !umask`
///   like any other file the user creates;
/// - anything else (a character or block device such as `/dev/null`, a FIFO,
///   a socket) is opened and written directly, never replaced;
/// - a directory is refused.
pub fn write_atomic(dest: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    use std::os::unix::fs::PermissionsExt;
    let err = |source| ReportError::Write {
        path: dest.to_path_buf(),
        source,
    };
    let target = resolve_symlinks(dest).map_err(err)?;
    match std::fs::metadata(&target) {
        Ok(m) if m.is_file() => {
            replace_file(&target, bytes, Some(m.permissions().mode() & 0o7777)).map_err(err)
        }
        Ok(m) if m.is_dir() => Err(err(std::io::Error::new(
            std::io::ErrorKind::IsADirectory,
            "is a directory",
        ))),
        Ok(_) => write_direct(&target, bytes).map_err(err),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            replace_file(&target, bytes, None).map_err(err)
        }
        Err(e) => Err(err(e)),
    }
}

/// Follow `path` while it is a symlink (at most 40 hops, like the kernel),
/// returning the final path, which may not exist.
fn resolve_symlinks(path: &Path) -> std::io::Result<PathBuf> {
    let mut cur = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&cur) {
            Ok(m) if m.file_type().is_symlink() => {
                let link = std::fs::read_link(&cur)?;
                cur = match cur.parent() {
                    Some(parent) if link.is_relative() => parent.join(link),
                    _ => link,
                };
            }
            _ => return Ok(cur),
        }
    }
    Err(std::io::Error::other("too many levels of symbolic links"))
}

/// Replace `target` by a temporary sibling and a rename. The temporary file
/// is created `0666` (the kernel applies the umask, as for any new file);
/// `keep_mode` is the mode of the file being replaced, if there was one.
fn replace_file(target: &Path, bytes: &[u8], keep_mode: Option<u32>) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".tmp-")
        .permissions(std::fs::Permissions::from_mode(0o666))
        .tempfile_in(&dir)?;
    tmp.write_all(bytes)?;
    if let Some(mode) = keep_mode {
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode))?;
    }
    tmp.as_file().sync_all()?;
    tmp.persist(target).map_err(|e| e.error)?;
    Ok(())
}

fn write_direct(target: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new().write(true).open(target)?;
    f.write_all(bytes)?;
    f.flush()
}

/// Read a `harness.matrix/1` report from a `report.json` file or from a run
/// directory holding one.
pub fn load_report(path: &Path) -> Result<MatrixReport, ReportError> {
    let file = if path.is_dir() {
        path.join("report.json")
    } else {
        path.to_path_buf()
    };
    let text = std::fs::read_to_string(&file).map_err(|source| ReportError::Read {
        path: file.clone(),
        source,
    })?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|source| ReportError::Parse {
            path: file.clone(),
            source,
        })?;
    let schema = value
        .get("schema")
        .and_then(|s| s.as_str())
        .unwrap_or("")
        .to_string();
    if schema != MATRIX_SCHEMA {
        return Err(ReportError::Schema {
            path: file,
            found: schema,
        });
    }
    serde_json::from_value(value).map_err(|source| ReportError::Parse { path: file, source })
}
