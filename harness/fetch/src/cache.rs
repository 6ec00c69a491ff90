//! The on-disk cache: `<cache>/lore/<kind>/<sha256 of server and key>.mbox`,
//! written atomically (temp file + rename), fresh for the configured TTL.

use crate::FetchError;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// What the cache holds for a key.
pub enum Hit {
    /// Younger than the TTL.
    Fresh(PathBuf),
    /// Present but older than the TTL (usable with `--offline`).
    Stale(PathBuf, SystemTime),
    Miss,
}

/// The file a (kind, server, key) is cached in.
pub fn path_for(root: &Path, kind: &str, server: &str, key: &str) -> PathBuf {
    let mut h = Sha256::new();
    h.update(server.as_bytes());
    h.update(b"\n");
    h.update(key.as_bytes());
    let name = hex::encode(h.finalize());
    root.join("lore")
        .join(kind)
        .join(format!("{}.mbox", name.get(..32).unwrap_or(&name)))
}

/// Look `path` up against `ttl`.
pub fn lookup(path: &Path, ttl: Duration) -> Hit {
    let Ok(meta) = std::fs::metadata(path) else {
        return Hit::Miss;
    };
    let Ok(mtime) = meta.modified() else {
        return Hit::Miss;
    };
    let age = SystemTime::now()
        .duration_since(mtime)
        .unwrap_or(Duration::ZERO);
    if age <= ttl {
        Hit::Fresh(path.to_owned())
    } else {
        Hit::Stale(path.to_owned(), mtime)
    }
}

/// Write `bytes` to `path` atomically (readers see the old file or the new).
pub fn store(path: &Path, bytes: &[u8]) -> Result<(), FetchError> {
    use std::io::Write;
    let io = |source| FetchError::Cache {
        path: path.to_owned(),
        source,
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(io)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
    tmp.write_all(bytes).map_err(io)?;
    tmp.flush().map_err(io)?;
    tmp.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_then_stale_then_miss() {
        let d = tempfile::tempdir().expect("tempdir");
        let p = path_for(d.path(), "thread", "http://s/all", "a@b");
        assert!(p.starts_with(d.path().join("lore/thread")));
        assert!(matches!(lookup(&p, Duration::from_secs(60)), Hit::Miss));
        assert!(store(&p, b"x").is_ok());
        assert!(matches!(lookup(&p, Duration::from_secs(60)), Hit::Fresh(_)));
        std::thread::sleep(Duration::from_millis(20));
        assert!(matches!(
            lookup(&p, Duration::from_millis(1)),
            Hit::Stale(..)
        ));
        // another server, another file
        assert_ne!(p, path_for(d.path(), "thread", "http://t/all", "a@b"));
    }
}
