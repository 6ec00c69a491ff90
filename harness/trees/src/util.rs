//! Small helpers: hashing, running commands, atomic writes, removal of read-only trees.

use crate::{Error, Result};
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};

/// sha256 of a file, as lower-case hex.
pub fn sha256_file(path: &Path) -> Result<String> {
    let f = std::fs::File::open(path).map_err(|e| Error::io("opening", path, e))?;
    sha256_reader(f).map_err(|e| Error::io("reading", path, e))
}

pub(crate) fn sha256_reader(mut r: impl Read) -> std::io::Result<String> {
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = r.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(buf.get(..n).unwrap_or_default());
    }
    Ok(hex::encode(h.finalize()))
}

pub(crate) fn describe(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for a in cmd.get_args() {
        s.push(' ');
        s.push_str(&a.to_string_lossy());
    }
    s
}

fn tail(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let start = lines.len().saturating_sub(8);
    lines.get(start..).unwrap_or_default().join("\n")
}

/// Run a command to completion; on failure the error carries the command and
/// the tail of its stderr. Returns stdout.
/// A clearer message for a command that failed because `dir`'s file system
/// is full (tar says only "Wrote only 6144 of 10240 bytes" or "No space left
/// on device").
pub(crate) fn explain_full_disk(err: Error, dir: &Path) -> Error {
    match err {
        Error::Command { command, message }
            if message.contains("No space left on device") || message.contains("Wrote only") =>
        {
            Error::Command {
                command,
                message: format!(
                    "the file system holding {} is full (free space there, or point                      HARNESS_CACHE at a larger one): {message}",
                    dir.display()
                ),
            }
        }
        e => e,
    }
}

pub(crate) fn run(cmd: &mut Command) -> Result<Vec<u8>> {
    let what = describe(cmd);
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| Error::Command {
            command: what.clone(),
            message: if e.kind() == std::io::ErrorKind::NotFound {
                format!("{e}: is the program installed? (see scripts/host-packages.txt)")
            } else {
                e.to_string()
            },
        })?;
    if !out.status.success() {
        return Err(Error::Command {
            command: what,
            message: format!("{}: {}", out.status, tail(&out.stderr)),
        });
    }
    Ok(out.stdout)
}

/// sha256 of the file `inner` (e.g. `usr/src/linux-source-6.1.tar.xz`) inside a
/// .deb, streamed (`dpkg-deb --fsys-tarfile | tar -xO`) without temporary files.
pub(crate) fn sha256_in_deb(deb: &Path, inner: &str) -> Result<String> {
    let mut dpkg = Command::new("dpkg-deb");
    dpkg.arg("--fsys-tarfile").arg(deb);
    let what = format!("{} | tar -xOf - ./{inner}", describe(&dpkg));
    let err = |message: String| Error::Command {
        command: what.clone(),
        message,
    };
    let mut dpkg_child = dpkg
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| err(e.to_string()))?;
    let dpkg_out = dpkg_child
        .stdout
        .take()
        .ok_or_else(|| err("no stdout".into()))?;
    let mut tar = Command::new("tar")
        .args(["-xOf", "-"])
        .arg(format!("./{inner}"))
        .stdin(Stdio::from(dpkg_out))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| err(e.to_string()))?;
    let tar_out = tar.stdout.take().ok_or_else(|| err("no stdout".into()))?;
    let hash = sha256_reader(tar_out).map_err(|e| err(e.to_string()));
    let tar_res = tar.wait_with_output().map_err(|e| err(e.to_string()))?;
    let dpkg_res = dpkg_child
        .wait_with_output()
        .map_err(|e| err(e.to_string()))?;
    if !dpkg_res.status.success() {
        return Err(err(format!(
            "dpkg-deb {}: {}",
            dpkg_res.status,
            tail(&dpkg_res.stderr)
        )));
    }
    if !tar_res.status.success() {
        return Err(err(format!(
            "tar {}: {}",
            tar_res.status,
            tail(&tar_res.stderr)
        )));
    }
    hash
}

/// Write via a temporary sibling and rename.
pub(crate) fn write_atomic(dest: &Path, bytes: &[u8]) -> Result<()> {
    let dir = dest.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .map_err(|e| Error::io("creating a file in", dir, e))?;
    tmp.write_all(bytes)
        .map_err(|e| Error::io("writing", tmp.path(), e))?;
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o644))
            .map_err(|e| Error::io("setting mode on", tmp.path(), e))?;
    }
    tmp.persist(dest)
        .map_err(|e| Error::io("renaming into", dest, e.error))?;
    Ok(())
}

/// Remove a directory tree even when its directories were made read-only.
pub(crate) fn remove_tree(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    if std::fs::symlink_metadata(path).is_err() {
        return Ok(());
    }
    if std::fs::remove_dir_all(path).is_ok() {
        return Ok(());
    }
    // Restore write permission on directories, then retry.
    fn walk(dir: &Path) {
        if let Ok(md) = std::fs::symlink_metadata(dir) {
            if md.is_dir() {
                let mut p = md.permissions();
                p.set_mode(p.mode() | 0o700);
                let _ = std::fs::set_permissions(dir, p);
                if let Ok(rd) = std::fs::read_dir(dir) {
                    for e in rd.flatten() {
                        if e.file_type().map(|t| t.is_dir()).unwrap_or(false) {
                            walk(&e.path());
                        }
                    }
                }
            }
        }
    }
    walk(path);
    std::fs::remove_dir_all(path).map_err(|e| Error::io("removing", path, e))
}

/// Current time as RFC 3339 UTC (`2026-11-28T23:40:00Z`).
pub(crate) fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_disk_is_said_in_words() {
        // tar's own words on a full file system (GNU tar 1.34).
        let e = Error::Command {
            command: "tar -xf x".into(),
            message: "exit status: 2: tar: Wrote only 6144 of 10240 bytes".into(),
        };
        let m = explain_full_disk(e, Path::new("/c/trees")).to_string();
        assert!(
            m.contains("/c/trees is full") && m.contains("Wrote only"),
            "{m}"
        );
        let other = Error::Command {
            command: "tar".into(),
            message: "exit status: 2: not in gzip format".into(),
        };
        assert!(!explain_full_disk(other, Path::new("/c"))
            .to_string()
            .contains("full"));
    }

    #[test]
    fn sha256_of_known_input() {
        // sha256("abc") from FIPS 180-2 appendix B.1.
        assert_eq!(
            sha256_reader(&b"abc"[..]).unwrap(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn rfc3339_shape() {
        let s = now_rfc3339();
        assert_eq!(s.len(), 20, "{s}");
        assert!(s.starts_with("20") && s.ends_with('Z'), "{s}");
    }
}
