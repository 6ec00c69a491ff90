//! Shared helpers for the integration tests that check `harness apply` against
//! GNU patch (`gnu_*.rs`) and against hostile input (`hostile_*.rs`).
//!
//! Nothing here uses the harness's own parser or apply engine: the GNU oracle
//! has its own small patch splitter (`patchfile`) so that a bug in the engine
//! cannot hide itself by also being in the reference.
//!
//! Each test binary includes this with `mod support;` and uses a part of it.
#![allow(dead_code)]

pub mod compare;
pub mod fake_project;
pub mod gnu;
pub mod harness;
pub mod matrix;
pub mod patchfile;
pub mod proc;
pub mod series;
pub mod trees;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The root of this checkout (harness/cli -> harness -> root).
pub fn repo_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .parent()
        .and_then(Path::parent)
        .unwrap_or(manifest)
        .to_path_buf()
}

/// A real series of the test corpus, by the name the tests use for it:
/// `patches-rt` is the PREEMPT_RT series the matrix carries
/// (`patches/preempt-rt`), `patches` Debian's 165-patch quilt series
/// (`corpus/debian-linux-6.1.176/patches`); both are described, with their
/// origin and licence, in `corpus/README.md`.
pub fn corpus_series(name: &str) -> PathBuf {
    let root = repo_root();
    let dir = match name {
        "patches-rt" => root.join("patches/preempt-rt"),
        "patches" => root.join("corpus/debian-linux-6.1.176/patches"),
        other => panic!("no corpus series named {other}"),
    };
    assert!(
        dir.join("series").is_file(),
        "corpus series missing: {}",
        dir.display()
    );
    dir
}

/// The founding thread as the web archive rendered it (`corpus/seed/`).
pub fn seed_page() -> PathBuf {
    repo_root().join("corpus/seed/000_8366a85c594133a4.txt")
}

/// A snapshot of a directory tree: relative path -> what is there (file
/// bytes, symlink target, or directory), plus the mode bits. Compare two
/// snapshots to prove nothing changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    File { mode: u32, bytes: Vec<u8> },
    Symlink(PathBuf),
    Dir { mode: u32 },
}

pub fn snapshot(root: &Path) -> BTreeMap<PathBuf, Entry> {
    use std::os::unix::fs::PermissionsExt;
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let rd = match std::fs::read_dir(&dir) {
            Ok(rd) => rd,
            Err(e) => panic!("snapshot: cannot read {}: {e}", dir.display()),
        };
        for ent in rd {
            let ent = ent.unwrap_or_else(|e| panic!("snapshot: {}: {e}", dir.display()));
            let path = ent.path();
            let rel = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
            let meta = std::fs::symlink_metadata(&path)
                .unwrap_or_else(|e| panic!("snapshot: {}: {e}", path.display()));
            let mode = meta.permissions().mode();
            if meta.file_type().is_symlink() {
                let target = std::fs::read_link(&path)
                    .unwrap_or_else(|e| panic!("snapshot: {}: {e}", path.display()));
                out.insert(rel, Entry::Symlink(target));
            } else if meta.is_dir() {
                out.insert(rel, Entry::Dir { mode });
                stack.push(path);
            } else {
                let bytes = std::fs::read(&path)
                    .unwrap_or_else(|e| panic!("snapshot: {}: {e}", path.display()));
                out.insert(rel, Entry::File { mode, bytes });
            }
        }
    }
    out
}

/// Describe how two snapshots differ (empty when equal).
pub fn snapshot_diff(
    before: &BTreeMap<PathBuf, Entry>,
    after: &BTreeMap<PathBuf, Entry>,
) -> Vec<String> {
    let mut out = Vec::new();
    for (p, e) in before {
        match after.get(p) {
            None => out.push(format!("removed: {}", p.display())),
            Some(a) if a != e => out.push(format!("changed: {}", p.display())),
            _ => {}
        }
    }
    for p in after.keys() {
        if !before.contains_key(p) {
            out.push(format!("added: {}", p.display()));
        }
    }
    out
}

/// Fail the test with a clear message when a host tool is missing (no silent skip).
pub fn require_tool(name: &str) {
    let ok = std::process::Command::new(name)
        .arg("--version")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(
        ok,
        "host tool `{name}` is missing or broken: install it (see scripts/host-packages.txt)"
    );
}
