//! The GNU patch oracle: apply a series cumulatively with
//! `patch -pN -N -F2` (series order) in a scratch copy of the tree holding only
//! the files the series touches, and turn GNU's messages into per-hunk
//! verdicts.
//!
//! GNU is run with `--verbose` so that every hunk gets a line ("Hunk #1
//! succeeded at 120." even when exact), `--batch` so it never asks (and never
//! reads stdin), `--no-backup-if-mismatch`, and `LC_ALL=C` so the messages are
//! the untranslated ones parsed here. Messages recognised (GNU patch 2.7):
//!
//! ```text
//! patching file X | patching file X (renamed from Y) | checking file X
//! Hunk #2 succeeded at 480 with fuzz 1 (offset 3 lines).
//! Hunk #3 FAILED at 512.            Hunk #1 FAILED at 1 (different line endings).
//! Hunk #1 ignored at 7.             (file skipped: reversed, missing, ...)
//! Reversed (or previously applied) patch detected!  Skipping patch.
//! can't find file to patch at input line N ... No file to patch.  Skipping patch.
//! The next patch would create the file X,\nwhich already exists!  Skipping patch.
//! The next patch would delete the file X,\nwhich does not exist!  Skipping patch.
//! N out of M hunks FAILED -- saving rejects to file X.rej
//! N out of M hunks ignored[ -- saving rejects to file X.rej]
//! ```
//!
//! With `-N` a file whose first hunk looks reversed is skipped whole (all its
//! hunks "ignored"); a failed hunk leaves the file's other hunks applied.

use super::patchfile::{self, Section};
use super::series::Entry;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Why GNU skipped a whole file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    /// "Reversed (or previously applied) patch detected!  Skipping patch."
    Reversed,
    /// "can't find file to patch" ... "No file to patch."
    Missing,
    /// "The next patch would create the file X, which already exists!"
    CreateExists,
    /// "The next patch would delete the file X, which does not exist!"
    DeleteMissing,
    /// "File X is not a regular file" and similar refusals.
    Refused,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    Applied { line: i64, offset: i64, fuzz: usize },
    Failed { line: i64, line_endings: bool },
    Ignored { line: i64, why: Skip },
}

#[derive(Debug, Clone)]
pub struct Hunk {
    /// GNU's "Hunk #N" (1-based per file section).
    pub index: usize,
    pub status: Status,
    /// For hunks not applied: does this one hunk apply in reverse with no
    /// fuzz to the file as GNU left it after this patch (`patch -R -F0
    /// --dry-run`)? None when not checked.
    pub reverse_exact: Option<bool>,
}

#[derive(Debug, Clone)]
pub struct File {
    /// Path as GNU names it, after stripping.
    pub path: String,
    /// Nth section for this path within the patch (0-based).
    pub occurrence: usize,
    pub skip: Option<Skip>,
    pub hunks: Vec<Hunk>,
}

#[derive(Debug, Clone)]
pub struct PatchRun {
    pub index: usize,
    pub name: String,
    pub exit: Option<i32>,
    pub files: Vec<File>,
    /// `patch: **** ...` lines (malformed patch, garbage only, ...).
    pub errors: Vec<String>,
    /// Lines of GNU output this parser did not recognise (for debugging).
    pub unknown: Vec<String>,
    pub output: String,
}

#[derive(Debug, Clone)]
pub struct SeriesRun {
    pub patches: Vec<PatchRun>,
    pub elapsed: std::time::Duration,
}

/// Parse one GNU patch run's merged stdout+stderr into per-file verdicts.
/// `strip` is needed for the paths in the "text leading up to this" block
/// that names a missing file.
pub fn parse_output(
    text: &str,
    strip: usize,
) -> Result<(Vec<File>, Vec<String>, Vec<String>), String> {
    let mut files: Vec<File> = Vec::new();
    let mut errors = Vec::new();
    let mut unknown = Vec::new();
    // Names seen in the latest "The text leading up to this was:" block.
    let mut block_old: Option<String> = None;
    let mut block_new: Option<String> = None;
    let mut in_block = false;
    // "The next patch would create the file X," is continued on the next line.
    let mut pending_skip: Option<(Skip, String)> = None;

    let start_file = |files: &mut Vec<File>, path: String, skip: Option<Skip>| {
        let occurrence = files.iter().filter(|f| f.path == path).count();
        files.push(File {
            path,
            occurrence,
            skip,
            hunks: Vec::new(),
        });
    };

    for raw in text.lines() {
        let line = raw.trim_end();
        if line == "--------------------------" {
            if !in_block {
                block_old = None;
                block_new = None;
            }
            in_block = !in_block;
            continue;
        }
        if in_block || line.starts_with('|') {
            if let Some(p) = line.strip_prefix("|--- ") {
                block_old = patchfile::strip_path(p.as_bytes(), strip);
            } else if let Some(p) = line.strip_prefix("|+++ ") {
                block_new = patchfile::strip_path(p.as_bytes(), strip);
            }
            continue;
        }
        // Verbose mode glues "Hmm..." in front of some messages.
        let msg = line.trim_start_matches("Hmm...").trim_start();
        if let Some((skip, path)) = pending_skip.take() {
            if msg.contains("Skipping patch") {
                start_file(&mut files, path, Some(skip));
                continue;
            }
            return Err(format!(
                "expected 'Skipping patch.' after 'would create/delete', got {line:?}"
            ));
        }
        if let Some(rest) = msg
            .strip_prefix("patching file ")
            .or_else(|| msg.strip_prefix("checking file "))
        {
            let name = match rest.find(" (") {
                Some(i) if rest.ends_with(')') => &rest[..i],
                _ => rest,
            };
            start_file(&mut files, unquote(name), None);
        } else if let Some(rest) = msg.strip_prefix("The next patch would create the file ") {
            pending_skip = Some((Skip::CreateExists, unquote(rest.trim_end_matches(','))));
        } else if let Some(rest) = msg.strip_prefix("The next patch would delete the file ") {
            pending_skip = Some((Skip::DeleteMissing, unquote(rest.trim_end_matches(','))));
        } else if msg.starts_with("No file to patch.") {
            let path = block_new
                .clone()
                .or_else(|| block_old.clone())
                .ok_or_else(|| "'No file to patch' without file names before it".to_string())?;
            start_file(&mut files, path, Some(Skip::Missing));
        } else if msg.starts_with("Reversed (or previously applied) patch detected!") {
            let f = files.last_mut().ok_or("'Reversed' before any file")?;
            f.skip = Some(Skip::Reversed);
        } else if msg.starts_with("File ") && msg.contains("is not a regular file") {
            // GNU prints this before or instead of "patching file".
            let name = msg["File ".len()..msg.find(" is not").unwrap_or(msg.len())].to_string();
            start_file(&mut files, unquote(&name), Some(Skip::Refused));
        } else if let Some(rest) = msg.strip_prefix("Hunk #") {
            let hunk = parse_hunk_line(rest).ok_or_else(|| format!("cannot parse {line:?}"))?;
            let f = files
                .last_mut()
                .ok_or_else(|| format!("{line:?} before any file"))?;
            let hunk = match hunk.status {
                Status::Ignored { line, .. } => Hunk {
                    status: Status::Ignored {
                        line,
                        why: f.skip.unwrap_or(Skip::Refused),
                    },
                    ..hunk
                },
                _ => hunk,
            };
            if hunk.index != f.hunks.len() + 1 {
                return Err(format!("{line:?}: expected hunk #{}", f.hunks.len() + 1));
            }
            f.hunks.push(hunk);
        } else if let Some((n, m, kind)) = parse_summary(msg) {
            let f = files
                .last()
                .ok_or_else(|| format!("{line:?} before any file"))?;
            let counted = f
                .hunks
                .iter()
                .filter(|h| match (&h.status, kind.as_str()) {
                    (Status::Failed { .. }, "FAILED") => true,
                    (Status::Ignored { .. }, "ignored") => true,
                    _ => false,
                })
                .count();
            if counted != n || f.hunks.len() != m {
                return Err(format!(
                    "summary {line:?} disagrees with the hunk lines parsed for {} ({} hunks, {counted} {kind})",
                    f.path,
                    f.hunks.len()
                ));
            }
        } else if msg.starts_with("patch: ****") || msg.starts_with("patch: ") {
            errors.push(msg.to_string());
        } else if is_noise(msg) {
        } else {
            unknown.push(line.to_string());
        }
    }
    if let Some((_, path)) = pending_skip {
        return Err(format!(
            "output ended after 'would create/delete the file {path}'"
        ));
    }
    Ok((files, errors, unknown))
}

fn is_noise(msg: &str) -> bool {
    msg.is_empty()
        || msg == "done"
        || msg.starts_with("Looks like")
        || msg.starts_with("The next patch looks like")
        || msg.starts_with("Using Plan")
        || msg.starts_with("The text leading up to this was")
        || msg.starts_with("can't find file to patch at input line")
        || msg.starts_with("Perhaps you used the wrong")
        || msg.starts_with("Removing file")
        || msg.starts_with("Not deleting file")
        || msg.starts_with("(Creating file")
        || msg.starts_with("Patching file")
        || msg.starts_with("Ignoring potentially dangerous file name")
        || msg.starts_with("(Stripping trailing CRs from patch")
        || msg.starts_with("Ignoring the trailing garbage")
}

fn unquote(s: &str) -> String {
    let s = s.trim();
    if s.len() >= 2 && s.starts_with('\'') && s.ends_with('\'') {
        s[1..s.len() - 1].to_string()
    } else {
        s.to_string()
    }
}

/// "2 succeeded at 480 with fuzz 1 (offset 3 lines)." and friends (after "Hunk #").
fn parse_hunk_line(rest: &str) -> Option<Hunk> {
    let (num, rest) = rest.split_once(' ')?;
    let index: usize = num.parse().ok()?;
    let rest = rest.strip_suffix('.')?;
    let (verb, rest) = rest.split_once(" at ")?;
    let (line_s, tail) = match rest.find(' ') {
        Some(i) => (&rest[..i], rest[i..].trim()),
        None => (rest, ""),
    };
    let line: i64 = line_s.parse().ok()?;
    let status = match verb {
        "succeeded" => {
            let mut fuzz = 0;
            let mut offset = 0;
            let mut t = tail;
            if let Some(r) = t.strip_prefix("with fuzz ") {
                let (f, r2) = r.split_once(' ').unwrap_or((r, ""));
                fuzz = f.parse().ok()?;
                t = r2.trim();
            }
            if let Some(r) = t.strip_prefix("(offset ") {
                let (o, r2) = r.split_once(' ')?;
                offset = o.parse().ok()?;
                if r2 != "line)" && r2 != "lines)" {
                    return None;
                }
                t = "";
            }
            if !t.is_empty() {
                return None;
            }
            Status::Applied { line, offset, fuzz }
        }
        "FAILED" => match tail {
            "" => Status::Failed {
                line,
                line_endings: false,
            },
            "(different line endings)" => Status::Failed {
                line,
                line_endings: true,
            },
            _ => return None,
        },
        "ignored" if tail.is_empty() => Status::Ignored {
            line,
            why: Skip::Refused,
        },
        _ => return None,
    };
    Some(Hunk {
        index,
        status,
        reverse_exact: None,
    })
}

/// "1 out of 3 hunks FAILED -- saving rejects to file f.rej" -> (1, 3, "FAILED").
fn parse_summary(msg: &str) -> Option<(usize, usize, String)> {
    let (n, rest) = msg.split_once(" out of ")?;
    let n = n.parse().ok()?;
    let mut words = rest.split_whitespace();
    let m = words.next()?.parse().ok()?;
    let _hunks = words.next()?;
    let kind = words.next()?.to_string();
    Some((n, m, kind))
}

/// Options for the oracle run.
#[derive(Debug, Clone)]
pub struct Options {
    /// GNU's -F (the harness default is 2).
    pub fuzz: usize,
    /// Try every hunk GNU did not apply in reverse (for the already-applied rule).
    pub reverse_check: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            fuzz: 2,
            reverse_check: true,
        }
    }
}

/// Copy just the files `series` names from `tree` into `scratch`.
/// Returns how many files were copied.
pub fn scratch_copy(series: &[Entry], tree: &Path, scratch: &Path) -> Result<usize, String> {
    let mut wanted = std::collections::BTreeSet::new();
    for e in series {
        let bytes = std::fs::read(&e.path).map_err(|err| format!("{}: {err}", e.path.display()))?;
        for sec in patchfile::parse(&bytes, e.strip) {
            for p in sec.paths() {
                wanted.insert(p.to_string());
            }
        }
    }
    let mut copied = 0;
    for rel in wanted {
        // Never follow names out of the tree (hostile tests hand us such names).
        if rel.starts_with('/') || rel.split('/').any(|c| c == "..") {
            continue;
        }
        let src = tree.join(&rel);
        let Ok(meta) = std::fs::symlink_metadata(&src) else {
            continue;
        };
        let dst = scratch.join(&rel);
        if let Some(parent) = dst.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        if meta.file_type().is_symlink() {
            let target = std::fs::read_link(&src).map_err(|e| format!("{}: {e}", src.display()))?;
            std::os::unix::fs::symlink(&target, &dst)
                .map_err(|e| format!("{}: {e}", dst.display()))?;
        } else if meta.is_file() {
            std::fs::copy(&src, &dst).map_err(|e| format!("copy {}: {e}", src.display()))?;
            copied += 1;
        }
    }
    Ok(copied)
}

fn gnu_command(dir: &Path, strip: usize) -> Command {
    let mut c = Command::new("patch");
    c.current_dir(dir)
        .env("LC_ALL", "C")
        .env_remove("POSIXLY_CORRECT")
        .env_remove("PATCH_VERSION_CONTROL")
        .env_remove("VERSION_CONTROL")
        .env_remove("SIMPLE_BACKUP_SUFFIX")
        .arg(format!("-p{strip}"));
    c
}

/// Run `patch` with stdout and stderr merged into one stream (order matters
/// for matching messages to files).
fn run_merged(cmd: Command) -> (Option<i32>, String) {
    let prog = cmd.get_program().to_owned();
    let args: Vec<_> = cmd.get_args().map(|a| a.to_owned()).collect();
    let mut sh = Command::new("sh");
    sh.arg("-c")
        .arg("exec \"$@\" 2>&1")
        .arg("sh")
        .arg(prog)
        .args(args);
    if let Some(d) = cmd.get_current_dir() {
        sh.current_dir(d);
    }
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => sh.env(k, v),
            None => sh.env_remove(k),
        };
    }
    let ran = super::proc::run(&mut sh, std::time::Duration::from_secs(120));
    assert!(
        !ran.timed_out,
        "GNU patch did not finish in 120 s: {}",
        ran.describe()
    );
    (ran.code, ran.stdout_str())
}

/// Apply `series` with GNU patch to a scratch copy of the touched files of
/// `tree`; the scratch directory is left in `scratch` (GNU's result).
pub fn apply_series_in(
    series: &[Entry],
    tree: &Path,
    scratch: &Path,
    opts: &Options,
) -> Result<SeriesRun, String> {
    super::require_tool("patch");
    scratch_copy(series, tree, scratch)?;
    let start = std::time::Instant::now();
    let work = scratch
        .parent()
        .map(|p| p.join(".oracle-work"))
        .ok_or("scratch has no parent")?;
    std::fs::create_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;
    let mut patches = Vec::new();
    for e in series {
        let abs =
            std::fs::canonicalize(&e.path).map_err(|err| format!("{}: {err}", e.path.display()))?;
        let mut cmd = gnu_command(scratch, e.strip);
        cmd.arg("-N")
            .arg(format!("-F{}", opts.fuzz))
            .arg("--batch")
            .arg("--verbose")
            .arg("--no-backup-if-mismatch")
            .arg("-i")
            .arg(&abs);
        let (exit, output) = run_merged(cmd);
        let (mut files, errors, unknown) = parse_output(&output, e.strip)
            .map_err(|m| format!("patch {} ({}): {m}\n{output}", e.index, e.name))?;
        if opts.reverse_check {
            let bytes = std::fs::read(&abs).map_err(|err| format!("{}: {err}", abs.display()))?;
            let sections = patchfile::parse(&bytes, e.strip);
            for f in files.iter_mut() {
                reverse_check_file(f, &sections, scratch, &work)?;
            }
        }
        patches.push(PatchRun {
            index: e.index,
            name: e.name.clone(),
            exit,
            files,
            errors,
            unknown,
            output,
        });
    }
    Ok(SeriesRun {
        patches,
        elapsed: start.elapsed(),
    })
}

/// As `apply_series_in`, in a fresh temporary directory.
pub fn apply_series(
    series: &[Entry],
    tree: &Path,
    opts: &Options,
) -> Result<(SeriesRun, tempfile::TempDir), String> {
    let tmp = tempfile::Builder::new()
        .prefix("gnu-oracle-")
        .tempdir()
        .map_err(|e| format!("tempdir: {e}"))?;
    let scratch = tmp.path().join("tree");
    std::fs::create_dir_all(&scratch).map_err(|e| format!("{}: {e}", scratch.display()))?;
    let run = apply_series_in(series, tree, &scratch, opts)?;
    Ok((run, tmp))
}

/// The section of the patch GNU meant by `f` (same path, same occurrence).
pub fn section_for<'a>(f: &File, sections: &'a [Section]) -> Option<&'a Section> {
    sections
        .iter()
        .filter(|s| s.paths().any(|p| p == f.path))
        .nth(f.occurrence)
}

fn reverse_check_file(
    f: &mut File,
    sections: &[Section],
    scratch: &Path,
    work: &Path,
) -> Result<(), String> {
    if f.hunks
        .iter()
        .all(|h| matches!(h.status, Status::Applied { .. }))
    {
        return Ok(());
    }
    let Some(sec) = section_for(f, sections) else {
        return Err(format!(
            "oracle: no section for {} (occurrence {}) in the patch",
            f.path, f.occurrence
        ));
    };
    for h in f.hunks.iter_mut() {
        if matches!(h.status, Status::Applied { .. }) {
            continue;
        }
        let Some(ph) = sec.hunks.get(h.index - 1) else {
            return Err(format!("oracle: {} has no hunk #{}", f.path, h.index));
        };
        h.reverse_exact = Some(reverse_exact(&f.path, ph, scratch, work)?);
    }
    Ok(())
}

/// Does this one hunk apply in reverse, exactly (no fuzz, any offset), to
/// `path` as it is now in `dir`?
pub fn reverse_exact(
    path: &str,
    hunk: &patchfile::Hunk,
    dir: &Path,
    work: &Path,
) -> Result<bool, String> {
    if !dir.join(path).exists() {
        return Ok(false);
    }
    let mini: PathBuf = work.join("reverse-check.patch");
    std::fs::write(&mini, patchfile::single_hunk_patch(path, hunk))
        .map_err(|e| format!("{}: {e}", mini.display()))?;
    let mut cmd = gnu_command(dir, 1);
    cmd.arg("-R")
        .arg("-N")
        .arg("-F0")
        .arg("--dry-run")
        .arg("--batch")
        .arg("--verbose")
        .arg("-i")
        .arg(&mini);
    let (exit, output) = run_merged(cmd);
    let (files, _, _) =
        parse_output(&output, 1).map_err(|m| format!("reverse check of {path}: {m}\n{output}"))?;
    let ok = exit == Some(0)
        && files.len() == 1
        && files[0].hunks.len() == 1
        && matches!(files[0].hunks[0].status, Status::Applied { fuzz: 0, .. });
    Ok(ok)
}

#[cfg(test)]
mod tests {}
