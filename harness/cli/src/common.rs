//! Helpers shared by subcommands: exit codes, `--json FILE` output, atomic
//! writes, project and cache locations.

use anyhow::Context;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The three documented exit statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// 0: nothing failed.
    Ok,
    /// 1: a result failed (hunk, build, boot, test, regression).
    Failed,
    /// 2: the tool could not do its job.
    Infra,
}

impl From<Outcome> for ExitCode {
    fn from(o: Outcome) -> ExitCode {
        match o {
            Outcome::Ok => ExitCode::from(0),
            Outcome::Failed => ExitCode::from(1),
            Outcome::Infra => ExitCode::from(2),
        }
    }
}

/// Write `value` as pretty JSON to `dest` (`-` means stdout), atomically for files.
pub fn write_json<T: serde::Serialize>(dest: &Path, value: &T) -> anyhow::Result<()> {
    let mut text = serde_json::to_string_pretty(value).context("serialising JSON")?;
    text.push('\n');
    if dest == Path::new("-") {
        std::io::stdout()
            .lock()
            .write_all(text.as_bytes())
            .context("writing JSON to stdout")?;
        return Ok(());
    }
    write_atomic(dest, text.as_bytes())
}

/// Write a file via a temporary sibling and rename, so readers never see half a file.
pub fn write_atomic(dest: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    harness_report::write::write_atomic(dest, bytes).map_err(|e| anyhow::anyhow!("{e}"))
}

pub use crate::project::project_root;

/// A series source given on the command line: an existing path as it is,
/// else a series name under the project's `patches/`.
pub fn series_source(arg: &str) -> anyhow::Result<PathBuf> {
    let direct = Path::new(arg);
    if direct.exists() {
        return Ok(direct.to_path_buf());
    }
    harness_ingest::resolve(arg, &project_root()?).map_err(|e| anyhow::anyhow!("{e}"))
}

/// The shared cache (trees, initramfs, ccache, build directories):
/// `HARNESS_CACHE`, else `$XDG_CACHE_HOME/harness`, else `~/.cache/harness`.
pub fn cache_dir() -> PathBuf {
    if let Some(p) = std::env::var_os("HARNESS_CACHE") {
        return PathBuf::from(p);
    }
    if let Some(p) = std::env::var_os("XDG_CACHE_HOME") {
        return PathBuf::from(p).join("harness");
    }
    if let Some(home) = std::env::var_os("HOME") {
        return PathBuf::from(home).join(".cache/harness");
    }
    PathBuf::from(".cache/harness")
}

/// Colour only when stdout is a terminal and `NO_COLOR` is unset.
#[allow(dead_code)]
pub fn use_color() -> bool {
    use std::io::IsTerminal;
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal()
}
