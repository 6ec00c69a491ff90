//! A deterministic `newc` (SVR4, no CRC) cpio writer — the format the kernel
//! unpacks as initramfs. Owner root, mtime 0, inode numbers in entry order,
//! so the same entries give the same bytes (and the same content hash).

/// What an archive entry is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryKind {
    Dir,
    File(Vec<u8>),
    Symlink(String),
    /// Character device (major, minor), e.g. /dev/console = (5, 1).
    CharDev(u32, u32),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Path inside the archive, without a leading `/` (e.g. `bin/busybox`).
    pub path: String,
    /// Permission bits (e.g. 0o755); the file type bits are added from `kind`.
    pub perm: u32,
    pub kind: EntryKind,
}

impl Entry {
    pub fn dir(path: &str) -> Self {
        Entry {
            path: path.trim_start_matches('/').to_string(),
            perm: 0o755,
            kind: EntryKind::Dir,
        }
    }
    pub fn file(path: &str, perm: u32, data: Vec<u8>) -> Self {
        Entry {
            path: path.trim_start_matches('/').to_string(),
            perm,
            kind: EntryKind::File(data),
        }
    }
    pub fn symlink(path: &str, target: &str) -> Self {
        Entry {
            path: path.trim_start_matches('/').to_string(),
            perm: 0o777,
            kind: EntryKind::Symlink(target.to_string()),
        }
    }
    pub fn char_dev(path: &str, perm: u32, major: u32, minor: u32) -> Self {
        Entry {
            path: path.trim_start_matches('/').to_string(),
            perm,
            kind: EntryKind::CharDev(major, minor),
        }
    }
}

fn pad4(out: &mut Vec<u8>) {
    while !out.len().is_multiple_of(4) {
        out.push(0);
    }
}

fn header(out: &mut Vec<u8>, ino: u32, mode: u32, filesize: u32, rdev: (u32, u32), name: &str) {
    let namesize = name.len() + 1;
    let fields: [u32; 13] = [
        ino,
        mode,
        0, // uid
        0, // gid
        1, // nlink
        0, // mtime
        filesize,
        0, // devmajor
        0, // devminor
        rdev.0,
        rdev.1,
        u32::try_from(namesize).unwrap_or(u32::MAX),
        0, // check
    ];
    out.extend_from_slice(b"070701");
    for f in fields {
        out.extend_from_slice(format!("{f:08x}").as_bytes());
    }
    out.extend_from_slice(name.as_bytes());
    out.push(0);
    pad4(out);
}

/// Error for entries the format cannot hold.
#[derive(Debug, thiserror::Error)]
pub enum CpioError {
    #[error("cpio entry {path}: {size} bytes is more than newc's 4 GiB limit")]
    TooLarge { path: String, size: usize },
    #[error("cpio entry with an empty or NUL-containing path {path:?}")]
    BadPath { path: String },
}

/// Write `entries` (in the given order; parents before children) plus the
/// trailer.
pub fn write_newc(entries: &[Entry]) -> Result<Vec<u8>, CpioError> {
    let mut out = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        if e.path.is_empty() || e.path.contains('\0') {
            return Err(CpioError::BadPath {
                path: e.path.clone(),
            });
        }
        let ino = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let (type_bits, data, rdev): (u32, &[u8], (u32, u32)) = match &e.kind {
            EntryKind::Dir => (0o040000, &[], (0, 0)),
            EntryKind::File(d) => (0o100000, d.as_slice(), (0, 0)),
            EntryKind::Symlink(t) => (0o120000, t.as_bytes(), (0, 0)),
            EntryKind::CharDev(ma, mi) => (0o020000, &[], (*ma, *mi)),
        };
        let size = u32::try_from(data.len()).map_err(|_| CpioError::TooLarge {
            path: e.path.clone(),
            size: data.len(),
        })?;
        header(
            &mut out,
            ino,
            type_bits | (e.perm & 0o7777),
            size,
            rdev,
            &e.path,
        );
        out.extend_from_slice(data);
        pad4(&mut out);
    }
    header(&mut out, 0, 0, 0, (0, 0), "TRAILER!!!");
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    fn sample() -> Vec<Entry> {
        vec![
            Entry::dir("bin"),
            Entry::file("bin/hello", 0o755, b"#!/bin/sh\necho hi\n".to_vec()),
            Entry::symlink("bin/sh", "busybox"),
            Entry::dir("dev"),
            Entry::char_dev("dev/console", 0o600, 5, 1),
            Entry::file("etc-odd", 0o644, vec![1, 2, 3]),
        ]
    }

    #[test]
    fn deterministic() {
        let a = write_newc(&sample()).expect("write");
        let b = write_newc(&sample()).expect("write");
        assert_eq!(a, b);
        assert_eq!(a.len() % 4, 0);
        assert!(a.starts_with(b"070701"));
    }

    /// GNU cpio (the reference tool; listed in scripts/host-packages.txt)
    /// must list what we wrote, with the types and sizes we gave.
    #[test]
    fn gnu_cpio_reads_it() {
        let data = write_newc(&sample()).expect("write");
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("a.cpio");
        std::fs::write(&path, &data).expect("write file");
        let out = Command::new("cpio")
            .args(["-itv", "--quiet", "-F"])
            .arg(&path)
            .output()
            .expect("GNU cpio is required for this test (apt-get install cpio)");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let listing = String::from_utf8_lossy(&out.stdout);
        let lines: Vec<&str> = listing.lines().collect();
        assert_eq!(lines.len(), 6, "{listing}");
        assert!(lines[0].starts_with("drwxr-xr-x") && lines[0].ends_with(" bin"));
        assert!(
            lines[1].starts_with("-rwxr-xr-x")
                && lines[1].contains(" 18 ")
                && lines[1].ends_with("bin/hello"),
            "{}",
            lines[1]
        );
        assert!(lines[2].starts_with("lrwxrwxrwx") && lines[2].ends_with("bin/sh -> busybox"));
        assert!(
            lines[4].starts_with("crw-------")
                && lines[4].contains("5,")
                && lines[4].ends_with("dev/console"),
            "{}",
            lines[4]
        );
        // Extract and compare a file's contents.
        let out = Command::new("cpio")
            .args(["-i", "--quiet", "--to-stdout", "-F"])
            .arg(&path)
            .arg("bin/hello")
            .output()
            .expect("cpio");
        assert_eq!(out.stdout, b"#!/bin/sh\necho hi\n");
    }

    #[test]
    fn rejects_bad_paths() {
        assert!(write_newc(&[Entry::dir("")]).is_err());
        assert!(write_newc(&[Entry::dir("a\0b")]).is_err());
    }
}
