//! A tree's bytes: the .deb or tarball (downloaded once and kept; removed
//! when it fails its hash, so the next fetch downloads again), checked
//! against the pin and extracted into the fetch's temporary directory.

use super::{Provenance, TreeCache};
use crate::spec::{TreeSource, TreeSpec};
use crate::util::{self, remove_tree, run, sha256_file};
use crate::{Error, Result, TreeEvent};
use std::path::{Path, PathBuf};
use std::process::Command;

impl TreeCache {
    /// Download (or find), check and extract `spec`'s source into `tmp`:
    /// the source root inside it and the provenance to pin.
    pub(super) fn extract(&self, spec: &TreeSpec, tmp: &Path) -> Result<(PathBuf, Provenance)> {
        let name = &spec.name;
        let prov = match &spec.source {
            TreeSource::Debian {
                package,
                version,
                sha256,
                tarball,
            } => {
                let inner = inner_tarball(package, tarball.as_deref());
                self.extract_deb(name, package, version, sha256, inner, tmp)?
            }
            TreeSource::Tarball { path, url, sha256 } => {
                let file = self.tarball_file(name, path.as_deref(), url.as_deref())?;
                self.emit(TreeEvent::Hashing { path: file.clone() });
                check_hash("source tarball", &file, sha256).inspect_err(|_| {
                    // A download of ours is removed (the next fetch downloads
                    // again); a tarball the user named by `path` is theirs.
                    if path.is_none() {
                        drop_bad_download(&file);
                    }
                })?;
                self.emit(TreeEvent::Extracting {
                    name: name.clone(),
                    from: file.clone(),
                });
                untar(&file, &tmp.join("x"))?;
                super::tarball_provenance(sha256, url.as_deref(), &file)
            }
            TreeSource::Git { url, commit } => {
                self.emit(TreeEvent::Downloading {
                    name: name.clone(),
                    what: format!("{url} @ {commit}"),
                });
                let (full, tree_id) =
                    crate::git::checkout_commit(url, commit, &tmp.join("repo"), &tmp.join("x"))?;
                remove_tree(&tmp.join("repo"))?;
                Provenance {
                    kind: "git".into(),
                    url: Some(url.clone()),
                    commit: Some(full),
                    git_tree: Some(tree_id),
                    ..Provenance::default()
                }
            }
            TreeSource::Directory { .. } => {
                return Err(Error::tree(name, "a directory tree has nothing to fetch"))
            }
        };
        // A tarball's single top directory (`linux-source-6.1/`) is the root; a git
        // checkout is the root as it stands.
        let top = if prov.kind == "git" {
            tmp.join("x")
        } else {
            single_top(&tmp.join("x"))?
        };
        Ok((top, prov))
    }

    /// A Debian source package: the .deb unpacked, the tarball inside it
    /// checked (the .deb removed when it fails) and extracted to `tmp/x`.
    fn extract_deb(
        &self,
        name: &str,
        package: &str,
        version: &str,
        sha256: &str,
        inner: String,
        tmp: &Path,
    ) -> Result<Provenance> {
        let deb = self.find_or_download_deb(name, package, version)?;
        self.emit(TreeEvent::Hashing { path: deb.clone() });
        let deb_sha = sha256_file(&deb)?;
        self.emit(TreeEvent::Extracting {
            name: name.to_owned(),
            from: deb.clone(),
        });
        let debdir = tmp.join("deb");
        run(Command::new("dpkg-deb").arg("-x").arg(&deb).arg(&debdir))
            .map_err(|e| util::explain_full_disk(e, &debdir))?;
        let tb = debdir.join(&inner);
        if !tb.is_file() {
            return Err(Error::tree(
                name,
                format!(
                    "{} has no {inner}; set `tarball:` in trees.yaml",
                    deb.display()
                ),
            ));
        }
        self.emit(TreeEvent::Hashing { path: tb.clone() });
        check_hash(
            &format!("source tarball ({inner} in {})", deb.display()),
            &tb,
            sha256,
        )
        .inspect_err(|_| drop_bad_download(&deb))?;
        untar(&tb, &tmp.join("x"))?;
        remove_tree(&debdir)?;
        Ok(super::debian_provenance(
            package, version, sha256, inner, &deb, deb_sha,
        ))
    }

    pub(super) fn find_or_download_deb(
        &self,
        name: &str,
        package: &str,
        version: &str,
    ) -> Result<PathBuf> {
        let dl = self.downloads_dir();
        let prefix = format!("{package}_{}_", version.replace(':', "%3a"));
        if let Some(p) = find_with_prefix(&dl, &prefix, ".deb") {
            return Ok(p);
        }
        self.emit(TreeEvent::Downloading {
            name: name.to_owned(),
            what: format!("{package}={version} (apt-get download)"),
        });
        let offered = apt_versions(package)?;
        if !offered.iter().any(|v| v == version) {
            return Err(Error::VersionNotOffered {
                package: package.to_owned(),
                version: version.to_owned(),
                offered: if offered.is_empty() {
                    "none; run `apt-get update`, or add the Debian suite that carries the package"
                        .into()
                } else {
                    offered.join(", ")
                },
            });
        }
        let tmp = tempfile::Builder::new()
            .prefix(".tmp-download-")
            .tempdir_in(&dl)
            .map_err(|e| Error::io("creating a directory in", &dl, e))?;
        run(Command::new("apt-get")
            .arg("download")
            .arg("-q")
            .arg(format!("{package}={version}"))
            .current_dir(tmp.path()))?;
        let got = find_with_prefix(tmp.path(), &prefix, ".deb").ok_or_else(|| {
            Error::tree(
                name,
                format!(
                    "apt-get download left no {prefix}*.deb in {}",
                    tmp.path().display()
                ),
            )
        })?;
        let dest = dl.join(got.file_name().unwrap_or_default());
        std::fs::rename(&got, &dest).map_err(|e| Error::io("moving into", &dest, e))?;
        Ok(dest)
    }

    pub(super) fn tarball_file(
        &self,
        name: &str,
        path: Option<&Path>,
        url: Option<&str>,
    ) -> Result<PathBuf> {
        if let Some(p) = path {
            if !p.is_file() {
                return Err(Error::tree(
                    name,
                    format!("tarball {} does not exist", p.display()),
                ));
            }
            return Ok(p.to_owned());
        }
        let Some(url) = url else {
            return Err(Error::tree(
                name,
                "tarball definition has neither path nor url",
            ));
        };
        let dest = self.downloads_dir().join(url_basename(url));
        if dest.is_file() {
            return Ok(dest);
        }
        self.emit(TreeEvent::Downloading {
            name: name.to_owned(),
            what: url.to_owned(),
        });
        let part = dest.with_extension("part");
        run(Command::new("curl")
            .args(["-fsSL", "-o"])
            .arg(&part)
            .arg(url))?;
        std::fs::rename(&part, &dest).map_err(|e| Error::io("moving into", &dest, e))?;
        Ok(dest)
    }
}

pub(crate) fn inner_tarball(package: &str, tarball: Option<&str>) -> String {
    tarball
        .map(|t| {
            t.trim_start_matches("./")
                .trim_start_matches('/')
                .to_owned()
        })
        .unwrap_or_else(|| format!("usr/src/{package}.tar.xz"))
}

pub(crate) fn url_basename(url: &str) -> String {
    let b = url.rsplit('/').next().unwrap_or("download");
    if b.is_empty() || b.starts_with('.') {
        "download.tar".into()
    } else {
        b.to_owned()
    }
}

/// Remove a downloaded file that failed its hash check, so the next fetch
/// downloads it again instead of re-hashing the same bad bytes forever.
pub(super) fn drop_bad_download(path: &Path) {
    let _ = std::fs::remove_file(path);
}

pub(super) fn check_hash(what: &str, path: &Path, expected: &str) -> Result<()> {
    let actual = sha256_file(path)?;
    if actual.eq_ignore_ascii_case(expected) {
        Ok(())
    } else {
        Err(Error::HashMismatch {
            what: what.to_owned(),
            path: path.to_owned(),
            expected: expected.to_owned(),
            actual,
        })
    }
}

fn find_with_prefix(dir: &Path, prefix: &str, suffix: &str) -> Option<PathBuf> {
    std::fs::read_dir(dir).ok()?.flatten().find_map(|e| {
        let n = e.file_name().to_string_lossy().into_owned();
        (n.starts_with(prefix) && n.ends_with(suffix)).then(|| e.path())
    })
}

/// Versions of `package` apt can download (`apt-cache madison`).
fn apt_versions(package: &str) -> Result<Vec<String>> {
    let out = run(Command::new("apt-cache").arg("madison").arg(package))?;
    let mut v: Vec<String> = String::from_utf8_lossy(&out)
        .lines()
        .filter_map(|l| l.split('|').nth(1).map(|s| s.trim().to_owned()))
        .filter(|s| !s.is_empty())
        .collect();
    v.dedup();
    Ok(v)
}

fn untar(tarball: &Path, dest: &Path) -> Result<()> {
    std::fs::create_dir_all(dest).map_err(|e| Error::io("creating", dest, e))?;
    run(Command::new("tar")
        .arg("-C")
        .arg(dest)
        .arg("--no-same-owner")
        // Modes as an ordinary user gets them (umask applied), also as root;
        // setuid/setgid bits are cleared for good in `finish`.
        .arg("--no-same-permissions")
        .arg("-xf")
        .arg(tarball))
    .map_err(|e| util::explain_full_disk(e, dest))?;
    Ok(())
}

/// The source root inside an extraction directory: its only entry when that is a
/// directory (`linux-source-6.1/`), else the directory itself.
fn single_top(x: &Path) -> Result<PathBuf> {
    let entries: Vec<_> = std::fs::read_dir(x)
        .map_err(|e| Error::io("reading", x, e))?
        .flatten()
        .collect();
    match entries.as_slice() {
        [only] if only.file_type().map(|t| t.is_dir()).unwrap_or(false) => Ok(only.path()),
        _ => Ok(x.to_owned()),
    }
}
