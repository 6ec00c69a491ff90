//! Errors of the report crate: each names the file or shard involved and
//! says what to do next.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("reading {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is not a harness.matrix/1 report: {source} (pass the report.json of a `harness matrix` run, or its run directory)")]
    Parse {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("{path} has schema {found:?}, expected \"harness.matrix/1\" (this tool reads matrix reports only)")]
    Schema { path: PathBuf, found: String },
    #[error("writing {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("rendering {what}: {message}")]
    Render { what: &'static str, message: String },
    #[error("bad shard {spec:?}: {reason} (write it as i/n with 1 <= i <= n, e.g. 1/2)")]
    ShardSpec { spec: String, reason: String },
    #[error("{path} is not a harness.history/1 file: {message} (move it aside; the next run starts a new history)")]
    History { path: PathBuf, message: String },
    #[error("cannot merge: {0}")]
    Merge(String),
}
