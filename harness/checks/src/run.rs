//! Running the tree's own `scripts/checkpatch.pl` on one patch.
//!
//! The script is the base tree's (never a copy a patch changed), run by
//! `perl` with the tree as working directory and `--root`, so the checks that
//! need the tree (a `Fixes:`/`commit` id naming a real commit when the tree is
//! a git checkout, `MAINTAINERS`, `-p0` prefixes) run as in the kernel's own
//! workflow. The patch goes in on stdin, exactly as posted.
//!
//! checkpatch.pl is the tree's code: on a tree patched from mail it is as
//! untrusted as the patch. By default it runs in the bubblewrap sandbox
//! ([`Isolation::Sandboxed`]): no network, the root file system and the tree
//! read-only, home directories and host secrets hidden, nothing writable but
//! a private `/tmp`.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::checkpatch::{parse_output, Finding, ParseError, Totals};

/// Whether to pass `--codespell`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codespell {
    /// When `codespell` is installed (its dictionary found).
    Auto,
    /// Always; a missing dictionary is an error.
    On,
    Off,
}

/// Where checkpatch.pl runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Isolation {
    /// In bubblewrap (see the module comment); an error when it cannot run.
    Sandboxed,
    /// On the host, as the user (`--sandbox off`, for trusted trees).
    Host,
}

#[derive(Debug, Clone)]
pub struct Options {
    /// `--strict` (checkpatch turns it on by itself for net/ and drivers/net/).
    pub strict: bool,
    pub codespell: Codespell,
    /// Wall-clock limit for one patch.
    pub timeout: Duration,
    pub isolation: Isolation,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            strict: true,
            codespell: Codespell::Auto,
            timeout: Duration::from_secs(300),
            isolation: Isolation::Sandboxed,
        }
    }
}

/// What one checkpatch run gave.
#[derive(Debug, Clone)]
pub struct Run {
    pub findings: Vec<Finding>,
    pub totals: Totals,
    /// The arguments passed to checkpatch.pl (after the script path).
    pub args: Vec<String>,
    /// The codespell dictionary used, when `--codespell` was passed.
    pub codespell_dictionary: Option<PathBuf>,
}

impl Run {
    /// Add this run to `report` as patch `index` (the report's args and
    /// codespell come from the first run).
    pub fn add_to(
        self,
        report: &mut crate::CheckpatchReport,
        index: usize,
        name: &str,
        subject: Option<String>,
    ) {
        if report.patches.is_empty() {
            report.args = self.args.clone();
            report.codespell = self.codespell_dictionary.is_some();
        }
        let status = crate::Verdict::of(&self.findings);
        report.status = report.status.max(status);
        report.patches.push(crate::report::PatchResult {
            index,
            name: name.to_owned(),
            subject,
            status,
            totals: self.totals,
            findings: self.findings,
        });
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("{path}: the tree has no scripts/checkpatch.pl")]
    NoScript { path: PathBuf },
    #[error("cannot run checkpatch.pl in the sandbox: {0} (install the Debian package `bubblewrap`, or pass --sandbox off for a trusted tree)")]
    Sandbox(String),
    #[error("{path}: {source}")]
    Tree {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot run `perl {script}`: {source} (install the Debian package `perl`)")]
    Spawn {
        script: PathBuf,
        source: std::io::Error,
    },
    #[error("checkpatch.pl ran longer than {secs} s on {patch} and was killed")]
    Timeout { patch: String, secs: u64 },
    #[error("checkpatch.pl on {patch} exited with {status}: {stderr}")]
    Failed {
        patch: String,
        status: String,
        stderr: String,
    },
    #[error("checkpatch.pl on {patch}: {source}")]
    Parse { patch: String, source: ParseError },
    #[error("checkpatch.pl on {patch} could not use the codespell dictionary: {stderr}")]
    Codespell { patch: String, stderr: String },
    #[error("--codespell requested but no codespell dictionary was found (install the Debian package `codespell`)")]
    NoCodespell,
    #[error("I/O with checkpatch.pl on {patch}: {source}")]
    Io {
        patch: String,
        source: std::io::Error,
    },
}

/// The tree's checkpatch.pl, or an error naming the tree.
pub fn script(tree: &Path) -> Result<PathBuf, RunError> {
    let s = tree.join("scripts/checkpatch.pl");
    if s.is_file() {
        Ok(s)
    } else {
        Err(RunError::NoScript {
            path: tree.to_owned(),
        })
    }
}

/// The arguments for one run (after the script path).
pub fn arguments(tree: &Path, opts: &Options, dictionary: Option<&Path>) -> Vec<String> {
    let mut a = vec![
        "-q".to_owned(),
        "--show-types".to_owned(),
        "--color=never".to_owned(),
        format!("--root={}", tree.display()),
    ];
    if opts.strict {
        a.push("--strict".to_owned());
    }
    if let Some(d) = dictionary {
        a.push("--codespell".to_owned());
        a.push(format!("--codespellfile={}", d.display()));
    }
    a.push("-".to_owned());
    a
}

/// Run checkpatch on `patch` (the patch as posted). `name` is used in errors.
/// checkpatch exits 1 when it reported anything; any other failure, output
/// that does not parse, or counts that disagree with its `total:` line is an
/// error, so the findings returned are exactly what checkpatch said.
pub fn run(tree: &Path, patch: &[u8], name: &str, opts: &Options) -> Result<Run, RunError> {
    let tree = &tree.canonicalize().map_err(|source| RunError::Tree {
        path: tree.to_owned(),
        source,
    })?;
    let script = script(tree)?;
    let dictionary = match opts.codespell {
        Codespell::Off => None,
        Codespell::Auto => crate::codespell::dictionary(),
        Codespell::On => Some(crate::codespell::dictionary().ok_or(RunError::NoCodespell)?),
    };
    let args = arguments(tree, opts, dictionary.as_deref());
    let mut cmd = perl_command(&script, &args, tree, dictionary.as_deref(), opts.isolation)?;
    cmd.current_dir(tree);
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let (status, out, err) = run_with_input(cmd, patch, opts.timeout, name, &script)?;
    let stderr = String::from_utf8_lossy(&err).trim().to_owned();
    if dictionary.is_some() && stderr.contains("No codespell typos will be found") {
        return Err(RunError::Codespell {
            patch: name.to_owned(),
            stderr,
        });
    }
    if !matches!(status.code(), Some(0) | Some(1)) {
        return Err(RunError::Failed {
            patch: name.to_owned(),
            status: status.to_string(),
            stderr,
        });
    }
    let text = String::from_utf8_lossy(&out);
    let (findings, totals) = parse_output(&text).map_err(|source| RunError::Parse {
        patch: name.to_owned(),
        source,
    })?;
    if status.code() == Some(1) && findings.is_empty() {
        return Err(RunError::Failed {
            patch: name.to_owned(),
            status: "exit status 1 without a report".to_owned(),
            stderr,
        });
    }
    Ok(Run {
        findings,
        totals,
        args,
        codespell_dictionary: dictionary,
    })
}

/// `perl SCRIPT ARGS`, in the sandbox unless `isolation` is [`Isolation::Host`]:
/// the tree and the codespell dictionary are bound read-only (they may lie
/// under a hidden home directory), nothing is writable.
fn perl_command(
    script: &Path,
    args: &[String],
    tree: &Path,
    dictionary: Option<&Path>,
    isolation: Isolation,
) -> Result<Command, RunError> {
    let mut argv: Vec<std::ffi::OsString> = vec![script.into()];
    argv.extend(args.iter().map(Into::into));
    if isolation == Isolation::Host {
        let mut c = Command::new("perl");
        c.args(argv);
        return Ok(c);
    }
    let mut sb = harness_sandbox::Sandbox::new().readonly(tree);
    if let Some(d) = dictionary.and_then(Path::parent) {
        sb = sb.readonly(d);
    }
    sb.probe().map_err(|e| RunError::Sandbox(e.to_string()))?;
    Ok(sb.command("perl", argv))
}

type Output = (std::process::ExitStatus, Vec<u8>, Vec<u8>);

fn run_with_input(
    mut cmd: Command,
    input: &[u8],
    timeout: Duration,
    name: &str,
    script: &Path,
) -> Result<Output, RunError> {
    let io = |source| RunError::Io {
        patch: name.to_owned(),
        source,
    };
    let mut child = harness_proc::spawn_guarded(&mut cmd).map_err(|source| RunError::Spawn {
        script: script.to_owned(),
        source,
    })?;
    let c = child.child_mut();
    let mut stdin = c.stdin.take();
    let input = input.to_vec();
    let writer = std::thread::spawn(move || {
        if let Some(s) = stdin.as_mut() {
            // checkpatch may stop reading early; a broken pipe is not ours to report.
            let _ = s.write_all(&input);
        }
    });
    let out = reader(c.stdout.take());
    let err = reader(c.stderr.take());
    let t0 = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().map_err(io)? {
            break st;
        }
        if t0.elapsed() > timeout {
            child.kill_group();
            let _ = child.wait();
            return Err(RunError::Timeout {
                patch: name.to_owned(),
                secs: timeout.as_secs(),
            });
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let _ = writer.join();
    let out = out.join().unwrap_or_default();
    let err = err.join().unwrap_or_default();
    Ok((status, out, err))
}

fn reader<R: Read + Send + 'static>(s: Option<R>) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut s) = s {
            let _ = s.read_to_end(&mut buf);
        }
        buf
    })
}
