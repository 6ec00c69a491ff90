//! Where the project files come from: the default matrix (`matrix.yaml`), the
//! pinned trees (`trees.yaml`), config fragments (`kernel-configs/`), the
//! guest side (`qemu/`) and the series the matrix carries (`patches/`).
//!
//! In order, and said in `--help` and docs/contract.md:
//! 1. `--project DIR` or `HARNESS_PROJECT=DIR`: that directory (a command
//!    that needs a file it lacks, e.g. `matrix.yaml` or `qemu/`, exits 2
//!    naming it);
//! 2. the nearest ancestor of the current directory holding `patches/` and
//!    `kernel-configs/` (a checkout of the project, or a user's own project);
//! 3. the copy embedded in the binary when it was built, written once into
//!    the cache (`<cache>/project/<content hash>/`) so the guest scripts and
//!    configs exist as files. Never the directory the binary was built from.

use anyhow::{bail, Context};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

include!(concat!(env!("OUT_DIR"), "/project_files.rs"));

/// How the project directory was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectOrigin {
    /// `--project` or `HARNESS_PROJECT`.
    Explicit,
    /// An ancestor of the current directory.
    Checkout,
    /// The files embedded in the binary, extracted into the cache.
    Embedded,
}

#[derive(Debug, Clone)]
pub struct Project {
    pub root: PathBuf,
    pub origin: ProjectOrigin,
}

static EXPLICIT: OnceLock<PathBuf> = OnceLock::new();
static RESOLVED: OnceLock<Result<Project, String>> = OnceLock::new();

/// Record `--project DIR` (called once by main, before any command runs).
pub fn set_explicit(dir: PathBuf) {
    let _ = EXPLICIT.set(dir);
}

/// The project directory (resolved once per process).
pub fn project() -> anyhow::Result<Project> {
    RESOLVED
        .get_or_init(|| resolve().map_err(|e| format!("{e:#}")))
        .clone()
        .map_err(anyhow::Error::msg)
}

/// The project root directory; see the module documentation.
pub fn project_root() -> anyhow::Result<PathBuf> {
    Ok(project()?.root)
}

/// Where run directories go by default: `results/` of the project when it
/// is a directory of the user's (explicit or a checkout), else `results/` in
/// the current directory (never inside the cache's embedded copy).
pub fn results_dir() -> anyhow::Result<PathBuf> {
    let p = project()?;
    Ok(match p.origin {
        ProjectOrigin::Explicit | ProjectOrigin::Checkout => p.root.join("results"),
        ProjectOrigin::Embedded => PathBuf::from("results"),
    })
}

fn resolve() -> anyhow::Result<Project> {
    let explicit = EXPLICIT
        .get()
        .cloned()
        .or_else(|| std::env::var_os("HARNESS_PROJECT").map(PathBuf::from));
    if let Some(dir) = explicit {
        check_explicit(&dir)?;
        return Ok(Project {
            root: dir,
            origin: ProjectOrigin::Explicit,
        });
    }
    if let Some(dir) = enclosing_checkout() {
        return Ok(Project {
            root: dir,
            origin: ProjectOrigin::Checkout,
        });
    }
    let root = extract_embedded(&crate::common::cache_dir())?;
    Ok(Project {
        root,
        origin: ProjectOrigin::Embedded,
    })
}

fn is_project_dir(dir: &Path) -> bool {
    dir.join("patches").is_dir() && dir.join("kernel-configs").is_dir()
}

/// An explicit project must be a directory; what a command needs of it
/// (matrix.yaml, qemu/, a fragment, a series) is named when it is missing.
fn check_explicit(dir: &Path) -> anyhow::Result<()> {
    if !dir.is_dir() {
        bail!(
            "project directory {} (from --project or HARNESS_PROJECT) is not a directory",
            dir.display()
        );
    }
    Ok(())
}

fn enclosing_checkout() -> Option<PathBuf> {
    let mut dir = std::env::current_dir().ok()?;
    loop {
        if is_project_dir(&dir) {
            return Some(dir);
        }
        if !dir.pop() {
            return None;
        }
    }
}

/// A content hash of the embedded files (names, modes, bytes).
fn embedded_hash() -> String {
    let mut h = Sha256::new();
    for (rel, bytes, mode) in PROJECT_FILES {
        h.update(rel.as_bytes());
        h.update([0]);
        h.update(mode.to_le_bytes());
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    }
    hex::encode(&h.finalize()[..8])
}

/// Write the embedded files into `<cache>/project/<hash>/` unless they are
/// there already; written into a temporary sibling and renamed, so a reader
/// never sees half a copy.
pub fn extract_embedded(cache: &Path) -> anyhow::Result<PathBuf> {
    let parent = cache.join("project");
    let dest = parent.join(embedded_hash());
    if dest.join("matrix.yaml").is_file() {
        return Ok(dest);
    }
    std::fs::create_dir_all(&parent).with_context(|| {
        format!(
            "creating {} for the embedded project files",
            parent.display()
        )
    })?;
    let tmp = tempfile::Builder::new()
        .prefix(".extract-")
        .tempdir_in(&parent)
        .with_context(|| format!("creating a temporary directory in {}", parent.display()))?;
    for (rel, bytes, mode) in PROJECT_FILES {
        write_one(tmp.path(), rel, bytes, *mode)?;
    }
    let staged = tmp.keep();
    if let Err(e) = std::fs::rename(&staged, &dest) {
        let _ = std::fs::remove_dir_all(&staged);
        // Another process published the same content first: use it.
        if !dest.join("matrix.yaml").is_file() {
            return Err(e).with_context(|| format!("publishing {}", dest.display()));
        }
    }
    Ok(dest)
}

fn write_one(root: &Path, rel: &str, bytes: &[u8], mode: u32) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let path = root.join(rel);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode))
        .with_context(|| format!("setting the mode of {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_copy_matches_the_checkout_and_is_reused() {
        // The binary embeds the checkout it was built from: every embedded
        // file must be byte-identical to the checkout's, and the guest's
        // init must stay executable.
        let checkout = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let cache = tempfile::tempdir().expect("tempdir");
        let dir = extract_embedded(cache.path()).expect("extract");
        for (rel, bytes, _) in PROJECT_FILES {
            let ours = std::fs::read(dir.join(rel)).expect("extracted file");
            assert_eq!(&ours[..], *bytes, "{rel}");
            let theirs = std::fs::read(checkout.join(rel)).expect("checkout file");
            assert_eq!(ours, theirs, "{rel} differs from the checkout");
        }
        use std::os::unix::fs::PermissionsExt;
        let init = std::fs::metadata(dir.join("qemu/init")).expect("qemu/init");
        assert_eq!(init.permissions().mode() & 0o111, 0o111);
        assert!(dir.join("matrix.yaml").is_file() && dir.join("trees.yaml").is_file());
        // A second call finds the published copy and writes nothing new.
        let again = extract_embedded(cache.path()).expect("again");
        assert_eq!(again, dir);
        let entries = std::fs::read_dir(cache.path().join("project"))
            .expect("ls")
            .count();
        assert_eq!(entries, 1, "no temporary directory left behind");
    }

    #[test]
    fn explicit_project_must_be_a_directory() {
        let tmp = tempfile::tempdir().expect("tempdir");
        check_explicit(tmp.path()).expect("an existing directory is accepted");
        let file = tmp.path().join("f");
        std::fs::write(&file, "x").expect("write");
        let msg = format!(
            "{:#}",
            check_explicit(&file).expect_err("a file is refused")
        );
        assert!(msg.contains("not a directory"), "{msg}");
        let gone = tmp.path().join("gone");
        assert!(check_explicit(&gone).is_err());
    }
}
