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
        return stdout_result(std::io::stdout().lock().write_all(text.as_bytes()));
    }
    write_atomic(dest, text.as_bytes())
}

/// Set when a write to stdout failed for a reason other than a closed pipe
/// (a full disk behind a redirection): `main` then exits 2.
pub static STDOUT_FAILED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// A closed pipe on stdout (`harness series ... | head`) is not an error: the
/// reader has all it wanted, so the rest is dropped quietly. Any other write
/// error is returned.
pub fn stdout_result(r: std::io::Result<()>) -> anyhow::Result<()> {
    match r {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r.context("writing to stdout"),
    }
}

/// Print `text` to stdout for the `out!`/`outln!` macros: a closed pipe is
/// ignored, any other failure is remembered in [`STDOUT_FAILED`] (and said
/// once on stderr) so the run still ends with exit 2. Never panics, unlike
/// `print!`.
pub fn print_stdout(args: std::fmt::Arguments<'_>) {
    if let Err(e) = stdout_result(std::io::stdout().lock().write_fmt(args)) {
        if !STDOUT_FAILED.swap(true, std::sync::atomic::Ordering::SeqCst) {
            eprintln!("harness: error: {e:#}");
        }
    }
}

/// `print!` that does not panic on a closed pipe ([`print_stdout`]).
macro_rules! out {
    ($($t:tt)*) => { $crate::common::print_stdout(format_args!($($t)*)) };
}

/// `println!` that does not panic on a closed pipe ([`print_stdout`]).
macro_rules! outln {
    () => { $crate::common::print_stdout(format_args!("\n")) };
    ($($t:tt)*) => {
        $crate::common::print_stdout(format_args!("{}\n", format_args!($($t)*)))
    };
}
#[allow(unused_imports)]
pub(crate) use {out, outln};

/// True when `err` comes from writing to a closed pipe.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Write a file via a temporary sibling and rename, so readers never see half a file.
pub fn write_atomic(dest: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    harness_report::write::write_atomic(dest, bytes).map_err(|e| anyhow::anyhow!("{e}"))
}

pub use crate::project::project_root;

/// A series source given on the command line: an existing path as it is;
/// a Message-ID, `lore:ID` or public-inbox URL as the thread fetched into
/// the cache (an mbox); else a series name under the project's `patches/`.
pub fn series_source(arg: &str) -> anyhow::Result<PathBuf> {
    Ok(series_input(arg)?.0)
}

/// [`series_source`], with the fetched thread when the argument named one.
pub fn series_input(arg: &str) -> anyhow::Result<(PathBuf, Option<harness_fetch::Thread>)> {
    let direct = Path::new(arg);
    if direct.exists() {
        return Ok((direct.to_path_buf(), None));
    }
    if let Some(remote) = harness_fetch::parse_remote(arg) {
        let t = crate::lore::fetch(&remote)?;
        return Ok((t.path.clone(), Some(t)));
    }
    let p = harness_ingest::resolve(arg, &project_root()?).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok((p, None))
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

/// Colour only when stdout is a terminal and `NO_COLOR` is unset or empty
/// (no-color.org).
pub fn use_color() -> bool {
    use std::io::IsTerminal;
    color_wanted(
        std::env::var_os("NO_COLOR").as_deref(),
        std::io::stdout().is_terminal(),
    )
}

fn color_wanted(no_color: Option<&std::ffi::OsStr>, terminal: bool) -> bool {
    no_color.is_none_or(|v| v.is_empty()) && terminal
}

/// A verdict word for a terminal: green when good, red when not, plain when
/// `color` is false.
pub fn paint(word: &str, good: bool, color: bool) -> String {
    match (color, good) {
        (false, _) => word.to_owned(),
        (true, true) => format!("\x1b[32m{word}\x1b[0m"),
        (true, false) => format!("\x1b[1;31m{word}\x1b[0m"),
    }
}

#[cfg(test)]
mod color_tests {
    use super::*;

    #[test]
    fn no_color_set_to_anything_turns_colour_off_and_pipes_never_get_it() {
        let on = std::ffi::OsStr::new("1");
        let empty = std::ffi::OsStr::new("");
        assert!(color_wanted(None, true));
        assert!(color_wanted(Some(empty), true), "empty NO_COLOR is unset");
        assert!(!color_wanted(Some(on), true));
        assert!(!color_wanted(None, false));
        assert_eq!(paint("UNEXPECTED", false, false), "UNEXPECTED");
        assert_eq!(
            paint("UNEXPECTED", false, true),
            "\x1b[1;31mUNEXPECTED\x1b[0m"
        );
        assert_eq!(
            paint("as expected", true, true),
            "\x1b[32mas expected\x1b[0m"
        );
    }
}
