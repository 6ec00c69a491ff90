//! One writer per build directory, and stored build results published
//! atomically and checked on reuse.
//!
//! - [`lock_build_dir`] takes an exclusive `flock` on `<out>/.harness-build.lock`
//!   for as long as the returned guard lives. A second run on the same
//!   directory (another process, or another thread) waits for the first
//!   instead of taking its "build running" marker for an interrupted build
//!   and deleting its objects. The same thread may lock again while it holds
//!   the lock (a caller locks around kconfig + build; [`crate::build::build`]
//!   locks too), which is then a no-op.
//! - [`publish`] writes a stored result (artifact, config, log,
//!   `artifact.sha256`, `outcome.json`) into a temporary sibling directory and
//!   renames it into place: a reader sees the whole result or none, and a
//!   build killed while storing leaves only a `.tmp-` directory behind.
//! - [`load`] reuses a result only when its artifact is a regular file whose
//!   size and sha256 are the ones recorded when it was stored (a 0-byte or
//!   partial kernel is never reused).

use crate::build::{BuildError, BuildOutcome, BuildStatus};
use fs4::fs_std::FileExt;
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The lock file inside a build directory.
pub const LOCK_FILE: &str = ".harness-build.lock";
/// Size and sha256 of the stored artifact: `HEX SIZE NAME`.
const ARTIFACT_SUM: &str = "artifact.sha256";

/// Build directories locked by this process, with the locking thread.
static HELD: Mutex<Option<HashSet<(PathBuf, std::thread::ThreadId)>>> = Mutex::new(None);

/// Holds the build directory's lock until dropped.
#[derive(Debug)]
pub struct BuildDirLock {
    /// None for a nested lock (the same thread already holds it).
    held: Option<(std::fs::File, PathBuf)>,
}

impl Drop for BuildDirLock {
    fn drop(&mut self) {
        if let Some((_, key)) = &self.held {
            if let Ok(mut g) = HELD.lock() {
                if let Some(set) = g.as_mut() {
                    set.remove(&(key.clone(), std::thread::current().id()));
                }
            }
        }
        // Closing the file releases the flock.
    }
}

fn io(context: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> BuildError {
    let path = path.to_owned();
    move |source| BuildError::Io {
        context,
        path,
        source,
    }
}

/// Lock `out` (created if needed) for this thread, waiting while another
/// process or thread holds it.
pub fn lock_build_dir(out: &Path) -> Result<BuildDirLock, BuildError> {
    std::fs::create_dir_all(out).map_err(io("creating build directory", out))?;
    let key = std::fs::canonicalize(out).map_err(io("resolving", out))?;
    let me = std::thread::current().id();
    let nested = HELD
        .lock()
        .map(|g| g.as_ref().is_some_and(|s| s.contains(&(key.clone(), me))))
        .unwrap_or(false);
    if nested {
        return Ok(BuildDirLock { held: None });
    }
    let p = out.join(LOCK_FILE);
    let f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&p)
        .map_err(io("opening lock", &p))?;
    FileExt::lock_exclusive(&f).map_err(io("locking", &p))?;
    if let Ok(mut g) = HELD.lock() {
        g.get_or_insert_with(HashSet::new).insert((key.clone(), me));
    }
    Ok(BuildDirLock {
        held: Some((f, key)),
    })
}

/// sha256 and size of a file.
fn sum(path: &Path) -> std::io::Result<(String, u64)> {
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut n_total = 0u64;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        n_total += n as u64;
    }
    Ok((hex::encode(h.finalize()), n_total))
}

/// Store a passed build's result at `dest` atomically; returns the stored
/// artifact's path. `outcome` is recorded with its artifact and log paths
/// pointing into `dest`.
pub(crate) fn publish(
    dest: &Path,
    outcome: &BuildOutcome,
    config: &Path,
    log: &Path,
) -> Result<Option<PathBuf>, BuildError> {
    let parent = dest.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(io("creating", parent))?;
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let tmp = parent.join(format!(".tmp-{name}-{}-{nanos}", std::process::id()));
    let result = fill(&tmp, dest, outcome, config, log).and_then(|stored| {
        put_in_place(&tmp, dest)?;
        Ok(stored)
    });
    let _ = std::fs::remove_dir_all(&tmp);
    result
}

fn fill(
    tmp: &Path,
    dest: &Path,
    outcome: &BuildOutcome,
    config: &Path,
    log: &Path,
) -> Result<Option<PathBuf>, BuildError> {
    std::fs::create_dir_all(tmp).map_err(io("creating", tmp))?;
    let mut stored = None;
    if let Some(a) = outcome.artifact.as_deref() {
        let file = a
            .file_name()
            .map(PathBuf::from)
            .unwrap_or_else(|| "artifact".into());
        let t = tmp.join(&file);
        std::fs::copy(a, &t).map_err(io("copying artifact", a))?;
        let (hex, size) = sum(&t).map_err(io("hashing", &t))?;
        let line = format!("{hex} {size} {}\n", file.display());
        let p = tmp.join(ARTIFACT_SUM);
        std::fs::write(&p, line).map_err(io("writing", &p))?;
        stored = Some(dest.join(file));
    }
    std::fs::copy(config, tmp.join("config")).map_err(io("copying", config))?;
    if log.is_file() {
        std::fs::copy(log, tmp.join("build.log")).map_err(io("copying", log))?;
    }
    let mut cached = outcome.clone();
    cached.artifact = stored.clone();
    cached.log_path = dest.join("build.log");
    let text = serde_json::to_vec_pretty(&cached).unwrap_or_default();
    let p = tmp.join("outcome.json");
    std::fs::write(&p, text).map_err(io("writing", &p))?;
    // outcome.json last and synced: a result directory is complete when
    // renamed into place.
    if let Ok(f) = std::fs::File::open(&p) {
        let _ = f.sync_all();
    }
    Ok(stored)
}

/// Rename `tmp` to `dest`, replacing an older result there. When another
/// writer published the same key meanwhile, theirs is kept (same inputs).
fn put_in_place(tmp: &Path, dest: &Path) -> Result<(), BuildError> {
    if dest.exists() {
        let old = tmp.with_extension("old");
        if std::fs::rename(dest, &old).is_ok() {
            let _ = std::fs::remove_dir_all(&old);
        }
    }
    match std::fs::rename(tmp, dest) {
        Ok(()) => Ok(()),
        Err(_) if dest.join("outcome.json").is_file() => Ok(()),
        Err(e) => Err(io("storing build result", dest)(e)),
    }
}

/// A stored passed result at `dir`, if complete and its artifact intact.
pub(crate) fn load(dir: &Path) -> Option<BuildOutcome> {
    let text = std::fs::read(dir.join("outcome.json")).ok()?;
    let o: BuildOutcome = serde_json::from_slice(&text).ok()?;
    if o.status != BuildStatus::Passed {
        return None;
    }
    if let Some(a) = &o.artifact {
        if !a.starts_with(dir) {
            return None;
        }
        let recorded = std::fs::read_to_string(dir.join(ARTIFACT_SUM)).ok()?;
        let mut words = recorded.split_whitespace();
        let (hex, size) = (words.next()?, words.next()?.parse::<u64>().ok()?);
        let meta = std::fs::symlink_metadata(a).ok()?;
        if !meta.file_type().is_file() || meta.len() != size {
            return None;
        }
        let (got, _) = sum(a).ok()?;
        if got != hex {
            return None;
        }
    }
    Some(o)
}
