//! The outside tools of `apply_property.rs`: laying a generated tree on
//! disk, writing each step of a series as a patch with `git diff` or
//! `diff -urN`, and applying the series with GNU patch.

use super::generate::{Case, Tree};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn run(cmd: &mut Command) -> Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {:?}: {e}", cmd.get_program()));
    assert!(
        out.status.code().is_some(),
        "{:?} killed by a signal",
        cmd.get_program()
    );
    out
}

fn must(cmd: &mut Command) -> Vec<u8> {
    let out = run(cmd);
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Write `t` into the empty or missing directory `dir`.
pub fn lay(t: &Tree, dir: &Path) {
    std::fs::create_dir_all(dir).expect("mkdir");
    for (name, f) in t {
        let p = dir.join(name);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, f.bytes()).expect("write");
        let mode = if f.exec { 0o755 } else { 0o644 };
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).expect("chmod");
    }
}

fn relay(t: &Tree, dir: &Path) {
    if dir.exists() {
        for e in std::fs::read_dir(dir).expect("read_dir").flatten() {
            if e.file_name() == ".git" {
                continue;
            }
            let p = e.path();
            if p.is_dir() {
                std::fs::remove_dir_all(&p).expect("rm -r");
            } else {
                std::fs::remove_file(&p).expect("rm");
            }
        }
    }
    lay(t, dir);
}

fn git(repo: &Path) -> Command {
    let mut c = Command::new("git");
    c.current_dir(repo)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("LC_ALL", "C");
    c
}

fn git_tree(repo: &Path, t: &Tree) -> String {
    relay(t, repo);
    must(git(repo).args(["add", "-A", "."]));
    let sha = must(git(repo).arg("write-tree"));
    String::from_utf8_lossy(&sha).trim().to_string()
}

/// One patch per consecutive pair of `states`, as `git diff` writes it.
fn git_patches(work: &Path, states: &[Tree], context: usize) -> Vec<Vec<u8>> {
    let repo = work.join("git");
    std::fs::create_dir_all(&repo).expect("mkdir");
    must(git(&repo).args(["init", "-q", "."]));
    let shas: Vec<String> = states.iter().map(|t| git_tree(&repo, t)).collect();
    shas.windows(2)
        .map(|w| {
            must(git(&repo).args([
                "diff",
                "--no-color",
                "--no-ext-diff",
                "-M",
                "-C",
                "--find-copies-harder",
                &format!("-U{context}"),
                &w[0],
                &w[1],
            ]))
        })
        .collect()
}

/// One patch per consecutive pair of `states`, as `diff -urN a b` writes it.
fn diff_patches(work: &Path, states: &[Tree], context: usize) -> Vec<Vec<u8>> {
    states
        .windows(2)
        .map(|w| {
            relay(&w[0], &work.join("a"));
            relay(&w[1], &work.join("b"));
            let out = run(Command::new("diff")
                .current_dir(work)
                .env("LC_ALL", "C")
                .arg("-urN")
                .arg(format!("-U{context}"))
                .args(["a", "b"]));
            assert!(
                out.status.code() != Some(2),
                "diff failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            out.stdout
        })
        .collect()
}

/// The series of `case` as patch texts; steps that change nothing are left out.
pub fn patches(case: &Case, work: &Path) -> Vec<Vec<u8>> {
    let mut states = vec![case.base.clone()];
    for s in &case.steps {
        let next = super::generate::after_step(states.last().expect("state"), s);
        if Some(&next) != states.last() {
            states.push(next);
        }
    }
    let patches = if case.git {
        git_patches(work, &states, case.context)
    } else {
        diff_patches(work, &states, case.context)
    };
    // A step `diff -urN` cannot express (an exec-bit change alone) makes an
    // empty diff: no patch, as a user would have none to apply.
    patches.into_iter().filter(|p| !p.is_empty()).collect()
}

/// Write `patches` as a quilt series directory; returns it.
pub fn series_dir(patches: &[Vec<u8>], dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir).expect("mkdir");
    let mut series = String::new();
    for (i, p) in patches.iter().enumerate() {
        let name = format!("{:04}.patch", i + 1);
        std::fs::write(dir.join(&name), p).expect("write patch");
        series.push_str(&name);
        series.push('\n');
    }
    std::fs::write(dir.join("series"), series).expect("write series");
    dir.to_path_buf()
}

/// GNU patch on a copy of `tree` in `dir`, each patch `--dry-run` first and
/// then for real; `None` unless every patch exited 0 both times.
pub fn gnu_apply(series: &Path, count: usize, tree: &Path, dir: &Path) -> Option<String> {
    must(Command::new("cp").arg("-a").arg(tree).arg(dir));
    let mut log = String::new();
    for i in 1..=count {
        let p = series.join(format!("{i:04}.patch"));
        for dry in [true, false] {
            let mut c = Command::new("patch");
            c.current_dir(dir)
                .env("LC_ALL", "C")
                .env_remove("POSIXLY_CORRECT")
                .env_remove("VERSION_CONTROL")
                .args(["-p1", "-N", "-F2", "--batch", "--no-backup-if-mismatch"])
                .arg("-i")
                .arg(&p);
            if dry {
                c.arg("--dry-run");
            }
            let out = run(&mut c);
            log.push_str(&String::from_utf8_lossy(&out.stdout));
            log.push_str(&String::from_utf8_lossy(&out.stderr));
            if !out.status.success() {
                return None;
            }
        }
    }
    Some(log)
}
