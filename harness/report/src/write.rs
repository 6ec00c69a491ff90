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

/// Write `bytes` to `dest` through a temporary file in the same directory
/// and a rename, so readers never see a half-written file.
pub fn write_atomic(dest: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    let dir = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let err = |source| ReportError::Write {
        path: dest.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(&dir).map_err(err)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".tmp-")
        .tempfile_in(&dir)
        .map_err(err)?;
    tmp.write_all(bytes).map_err(err)?;
    tmp.as_file().sync_all().map_err(err)?;
    tmp.persist(dest).map_err(|e| err(e.error))?;
    Ok(())
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
