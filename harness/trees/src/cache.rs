//! The tree cache: fetch (download, verify, extract, rename), adopt trees
//! extracted by hand, verify, resolve names or directories.

use crate::manifest::{self, Manifest};
use crate::spec::{TreeSource, TreeSpec, TreeSpecs};
use crate::util::{self, remove_tree, run, sha256_file, sha256_in_deb};
use crate::{Error, Result, TreeEvent};
use fs4::fs_std::FileExt;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

/// Schema name written into every pin.json.
pub const PIN_SCHEMA: &str = "harness.tree-pin/1";

/// Exactly what a base tree is: recorded in `pin.json` and in every report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    #[serde(default)]
    pub schema: String,
    pub name: String,
    /// `debian`, `tarball`, `git` or `directory`.
    pub kind: String,
    /// False for plain directories: nothing guarantees what they contain.
    pub pinned: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// sha256 of the source tarball (verified against the pin at fetch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// The tarball: path inside the package, local path, or URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tarball: Option<String>,
    /// The .deb file name, relative to `<cache>/downloads/`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deb: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deb_sha256: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git_tree: Option<String>,
    /// For plain directories: where the tree is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fetched_at: Option<String>,
    /// True when the tree was found already extracted (by hand) and adopted after
    /// its tarball was verified.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub adopted: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifest: Option<Manifest>,
}

impl Provenance {
    /// A Debian source package: the .deb and the source tarball inside it
    /// (the same record at fetch and at verify).
    fn debian(
        package: &str,
        version: &str,
        sha256: &str,
        inner: String,
        deb: &Path,
        deb_sha256: String,
    ) -> Provenance {
        Provenance {
            kind: "debian".into(),
            package: Some(package.to_owned()),
            version: Some(version.to_owned()),
            sha256: Some(sha256.to_owned()),
            tarball: Some(inner),
            deb: deb.file_name().map(|f| f.to_string_lossy().into_owned()),
            deb_sha256: Some(deb_sha256),
            ..Provenance::default()
        }
    }

    /// A tarball by URL or local path.
    fn tarball(sha256: &str, url: Option<&str>, file: &Path) -> Provenance {
        Provenance {
            kind: "tarball".into(),
            sha256: Some(sha256.to_owned()),
            tarball: Some(url.map_or_else(|| file.display().to_string(), str::to_owned)),
            url: url.map(str::to_owned),
            ..Provenance::default()
        }
    }
}

/// A base tree ready for use: read-only source root plus provenance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BaseTree {
    pub name: String,
    pub path: PathBuf,
    pub provenance: Provenance,
}

impl BaseTree {
    /// Provenance as JSON, for `harness.matrix/1`'s `trees[].provenance`.
    pub fn provenance_json(&self) -> serde_json::Value {
        serde_json::to_value(&self.provenance).unwrap_or(serde_json::Value::Null)
    }
}

/// One verification step and its result.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub what: String,
    pub path: PathBuf,
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// Result of `verify`: every check, run even when an earlier one failed.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    pub name: String,
    pub kind: String,
    pub pinned: bool,
    pub ok: bool,
    pub checks: Vec<Check>,
}

type EventSink = Arc<dyn Fn(&TreeEvent) + Send + Sync>;

/// The cache of base trees under one root directory.
#[derive(Clone)]
pub struct TreeCache {
    root: PathBuf,
    events: Option<EventSink>,
}

impl std::fmt::Debug for TreeCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TreeCache")
            .field("root", &self.root)
            .finish()
    }
}

impl TreeCache {
    /// Open (creating if needed) the cache at `root`.
    pub fn open(root: impl Into<PathBuf>) -> Result<TreeCache> {
        let root = root.into();
        for d in [root.join("downloads"), root.join("trees")] {
            std::fs::create_dir_all(&d).map_err(|e| Error::io("creating", &d, e))?;
        }
        Ok(TreeCache { root, events: None })
    }

    /// Receive progress/waiting events (the library never prints).
    pub fn with_events(mut self, f: impl Fn(&TreeEvent) + Send + Sync + 'static) -> TreeCache {
        self.events = Some(Arc::new(f));
        self
    }

    fn emit(&self, ev: TreeEvent) {
        if let Some(f) = &self.events {
            f(&ev);
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }
    pub fn downloads_dir(&self) -> PathBuf {
        self.root.join("downloads")
    }
    /// `<root>/trees/<name>`: holds `tree/`, `pin.json`, `.lock`.
    pub fn tree_dir(&self, name: &str) -> PathBuf {
        self.root.join("trees").join(name)
    }
    /// `<root>/trees/<name>/tree`: the source root.
    pub fn tree_path(&self, name: &str) -> PathBuf {
        self.tree_dir(name).join("tree")
    }
    pub fn pin_path(&self, name: &str) -> PathBuf {
        self.tree_dir(name).join("pin.json")
    }

    /// Read `pin.json` for a tree, if present and readable.
    pub fn read_pin(&self, name: &str) -> Option<Provenance> {
        let text = std::fs::read_to_string(self.pin_path(name)).ok()?;
        serde_json::from_str(&text).ok()
    }

    /// The tree if it is already in the cache and pinned as `spec` says (no lock, no I/O
    /// beyond two stats and reading pin.json). `pin.json` is written after the tree is
    /// renamed into place, so its presence means the tree is complete.
    pub fn cached(&self, spec: &TreeSpec) -> Option<BaseTree> {
        if let TreeSource::Directory { path } = &spec.source {
            return path.is_dir().then(|| local_tree(&spec.name, path));
        }
        let path = self.tree_path(&spec.name);
        let pin = self.read_pin(&spec.name)?;
        // A pin written before content hashes and fingerprints were recorded
        // is out of date: the next fetch re-extracts the tree (from the kept
        // download) to record them.
        let hashed = pin
            .manifest
            .as_ref()
            .is_some_and(|m| m.content_sha256.is_some() && m.stat_sha256.is_some());
        (path.is_dir() && pin_matches(spec, &pin) && hashed).then(|| BaseTree {
            name: spec.name.clone(),
            path,
            provenance: pin,
        })
    }

    /// Look up `name_or_dir`: a defined tree name (fetched if needed), else an
    /// existing directory (an unpinned local tree).
    pub fn resolve(&self, name_or_dir: &str, specs: &TreeSpecs) -> Result<BaseTree> {
        let looks_like_path = name_or_dir.contains('/') || name_or_dir.starts_with('.');
        if !looks_like_path {
            if let Some(spec) = specs.get(name_or_dir) {
                return self.fetch(spec);
            }
        }
        let p = Path::new(name_or_dir);
        if p.is_dir() {
            let abs = std::fs::canonicalize(p).map_err(|e| Error::io("resolving", p, e))?;
            return Ok(local_tree(name_or_dir, &abs));
        }
        let known = specs.names();
        Err(Error::UnknownTree {
            name: name_or_dir.to_owned(),
            hint: crate::name::suggestion(name_or_dir, known.iter().map(String::as_str)),
            known: known.join(", "),
        })
    }

    /// Make the tree available: return it when cached, adopt it when it was extracted
    /// by hand (after verifying its tarball), else download, verify and extract it.
    /// Two processes fetching the same tree serialise on `<tree_dir>/.lock`.
    pub fn fetch(&self, spec: &TreeSpec) -> Result<BaseTree> {
        if let TreeSource::Directory { path } = &spec.source {
            if !path.is_dir() {
                return Err(Error::tree(
                    &spec.name,
                    format!("directory {} does not exist", path.display()),
                ));
            }
            return Ok(local_tree(&spec.name, path));
        }
        if let Some(t) = self.cached(spec) {
            return Ok(t);
        }
        let name = &spec.name;
        let dir = self.tree_dir(name);
        std::fs::create_dir_all(&dir).map_err(|e| Error::io("creating", &dir, e))?;
        let _lock = self.lock(name)?;
        if let Some(t) = self.cached(spec) {
            return Ok(t); // another process finished it while we waited
        }
        self.clean_stale_temps(name);
        let tree = self.tree_path(name);
        if tree.exists() {
            match self.read_pin(name) {
                None if !matches!(spec.source, TreeSource::Git { .. }) => {
                    return self.adopt(spec);
                }
                pin => {
                    self.emit(TreeEvent::Replacing {
                        name: name.clone(),
                        old: pin
                            .map(|p| {
                                format!(
                                    "{} {}",
                                    p.version.or(p.commit).unwrap_or_default(),
                                    p.sha256.unwrap_or_default()
                                )
                            })
                            .unwrap_or_else(|| "unknown contents".into()),
                    });
                    let _ = std::fs::remove_file(self.pin_path(name));
                    let old = self.root.join("trees").join(format!(
                        "{}old-{}",
                        temp_prefix(name),
                        std::process::id()
                    ));
                    std::fs::rename(&tree, &old)
                        .map_err(|e| Error::io("moving aside", &tree, e))?;
                    remove_tree(&old)?;
                }
            }
        }
        let tmp = TempTree::new(&self.root.join("trees"), name)?;
        let prov = match &spec.source {
            TreeSource::Debian {
                package,
                version,
                sha256,
                tarball,
            } => {
                let inner = inner_tarball(package, tarball.as_deref());
                let deb = self.find_or_download_deb(name, package, version)?;
                self.emit(TreeEvent::Hashing { path: deb.clone() });
                let deb_sha = sha256_file(&deb)?;
                self.emit(TreeEvent::Extracting {
                    name: name.clone(),
                    from: deb.clone(),
                });
                let debdir = tmp.path.join("deb");
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
                untar(&tb, &tmp.path.join("x"))?;
                remove_tree(&debdir)?;
                Provenance::debian(package, version, sha256, inner, &deb, deb_sha)
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
                untar(&file, &tmp.path.join("x"))?;
                Provenance::tarball(sha256, url.as_deref(), &file)
            }
            TreeSource::Git { url, commit } => {
                self.emit(TreeEvent::Downloading {
                    name: name.clone(),
                    what: format!("{url} @ {commit}"),
                });
                let (full, tree_id) = crate::git::checkout_commit(
                    url,
                    commit,
                    &tmp.path.join("repo"),
                    &tmp.path.join("x"),
                )?;
                remove_tree(&tmp.path.join("repo"))?;
                Provenance {
                    kind: "git".into(),
                    url: Some(url.clone()),
                    commit: Some(full),
                    git_tree: Some(tree_id),
                    ..Provenance::default()
                }
            }
            TreeSource::Directory { .. } => unreachable_directory(name)?,
        };
        // A tarball's single top directory (`linux-source-6.1/`) is the root; a git
        // checkout is the root as it stands.
        let top = if prov.kind == "git" {
            tmp.path.join("x")
        } else {
            single_top(&tmp.path.join("x"))?
        };
        self.finish(spec, &top, prov, false)
    }

    /// Record manifest, make read-only, rename into place, write pin.json.
    fn finish(
        &self,
        spec: &TreeSpec,
        top: &Path,
        mut prov: Provenance,
        adopted: bool,
    ) -> Result<BaseTree> {
        let name = &spec.name;
        let entries = manifest::walk(top, true)?;
        manifest::refuse_special_files(top, &entries)?;
        prov.manifest = Some(Manifest::with_content(top, &entries)?);
        manifest::make_read_only(top, &entries)?;
        let tree = self.tree_path(name);
        if top != tree {
            std::fs::rename(top, &tree).map_err(|e| Error::io("renaming into place", &tree, e))?;
        }
        prov.schema = PIN_SCHEMA.into();
        prov.name = name.clone();
        prov.pinned = true;
        prov.adopted = adopted;
        prov.fetched_at = Some(util::now_rfc3339());
        let text =
            serde_json::to_string_pretty(&prov).map_err(|e| Error::tree(name, e.to_string()))?;
        util::write_atomic(&self.pin_path(name), format!("{text}\n").as_bytes())?;
        self.emit(TreeEvent::Ready {
            name: name.clone(),
            path: tree.clone(),
        });
        Ok(BaseTree {
            name: name.clone(),
            path: tree,
            provenance: prov,
        })
    }

    /// A tree extracted outside the harness (no pin.json): verify its tarball against
    /// the pin and record provenance, without extracting again.
    fn adopt(&self, spec: &TreeSpec) -> Result<BaseTree> {
        let name = &spec.name;
        let tree = self.tree_path(name);
        self.emit(TreeEvent::Adopting {
            name: name.clone(),
            path: tree.clone(),
        });
        let prov = match &spec.source {
            TreeSource::Debian {
                package,
                version,
                sha256,
                tarball,
            } => {
                let inner = inner_tarball(package, tarball.as_deref());
                let deb = self.find_or_download_deb(name, package, version)?;
                self.emit(TreeEvent::Hashing { path: deb.clone() });
                let deb_sha = sha256_file(&deb)?;
                let actual = sha256_in_deb(&deb, &inner)?;
                if !actual.eq_ignore_ascii_case(sha256) {
                    return Err(Error::HashMismatch {
                        what: format!("source tarball ./{inner} inside"),
                        path: deb,
                        expected: sha256.clone(),
                        actual,
                    });
                }
                Provenance::debian(package, version, sha256, inner, &deb, deb_sha)
            }
            TreeSource::Tarball { path, url, sha256 } => {
                let file = self.tarball_file(name, path.as_deref(), url.as_deref())?;
                check_hash("source tarball", &file, sha256).inspect_err(|_| {
                    // A download of ours is removed (the next fetch downloads
                    // again); a tarball the user named by `path` is theirs.
                    if path.is_none() {
                        drop_bad_download(&file);
                    }
                })?;
                Provenance::tarball(sha256, url.as_deref(), &file)
            }
            _ => return Err(Error::tree(name, "cannot adopt this kind of tree")),
        };
        self.finish(spec, &tree, prov, true)
    }

    /// Verify a cached tree: package/tarball hashes against the pin and the
    /// extracted tree against the manifest recorded at extraction.
    pub fn verify(&self, spec: &TreeSpec) -> Result<VerifyReport> {
        let name = &spec.name;
        let mut checks = Vec::new();
        let report = |checks: Vec<Check>| VerifyReport {
            name: name.clone(),
            kind: spec.source.kind().into(),
            pinned: spec.source.pinned(),
            ok: checks.iter().all(|c| c.ok),
            checks,
        };
        if let TreeSource::Directory { path } = &spec.source {
            checks.push(Check {
                what: "directory (unpinned: nothing to verify against)".into(),
                path: path.clone(),
                ok: path.is_dir(),
                expected: None,
                actual: None,
                message: (!path.is_dir()).then(|| "does not exist".into()),
            });
            return Ok(report(checks));
        }
        let pin_path = self.pin_path(name);
        let Some(pin) = self.read_pin(name) else {
            checks.push(Check {
                what: "pin.json".into(),
                path: pin_path,
                ok: false,
                expected: None,
                actual: None,
                message: Some(format!("not fetched: run `harness tree fetch {name}`")),
            });
            return Ok(report(checks));
        };
        checks.push(Check {
            what: "pin.json matches the tree definition".into(),
            path: pin_path,
            ok: pin_matches(spec, &pin),
            expected: Some(spec.source.pin_summary()),
            actual: Some(format!(
                "{} {}",
                pin.version
                    .clone()
                    .or(pin.commit.clone())
                    .unwrap_or_default(),
                pin.sha256.clone().unwrap_or_default()
            )),
            message: None,
        });
        match &spec.source {
            TreeSource::Debian {
                package,
                sha256,
                tarball,
                ..
            } => {
                let inner = inner_tarball(package, tarball.as_deref());
                let deb = self
                    .downloads_dir()
                    .join(pin.deb.clone().unwrap_or_default());
                checks.push(hash_check(
                    "package file",
                    &deb,
                    pin.deb_sha256.as_deref(),
                    sha256_file(&deb),
                ));
                checks.push(hash_check(
                    &format!("source tarball ./{inner} inside package"),
                    &deb,
                    Some(sha256),
                    sha256_in_deb(&deb, &inner),
                ));
            }
            TreeSource::Tarball { path, url, sha256 } => {
                let file = match (path, url) {
                    (Some(p), _) => p.clone(),
                    (None, Some(u)) => self.downloads_dir().join(url_basename(u)),
                    (None, None) => PathBuf::new(),
                };
                checks.push(hash_check(
                    "source tarball",
                    &file,
                    Some(sha256),
                    sha256_file(&file),
                ));
            }
            _ => {}
        }
        let tree = self.tree_path(name);
        checks.extend(crate::verify::tree_checks(&tree, pin.manifest.as_ref()));
        Ok(report(checks))
    }

    fn lock(&self, name: &str) -> Result<std::fs::File> {
        let p = self.tree_dir(name).join(".lock");
        let f = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&p)
            .map_err(|e| Error::io("opening lock", &p, e))?;
        let got = FileExt::try_lock_exclusive(&f).map_err(|e| Error::io("locking", &p, e))?;
        if !got {
            self.emit(TreeEvent::WaitingForLock {
                name: name.to_owned(),
                lock: p.clone(),
            });
            FileExt::lock_exclusive(&f).map_err(|e| Error::io("locking", &p, e))?;
            self.emit(TreeEvent::LockAcquired {
                name: name.to_owned(),
            });
        }
        Ok(f)
    }

    /// Remove temporary directories left by interrupted fetches of `name` (called
    /// with the lock held, so none of them is in use).
    fn clean_stale_temps(&self, name: &str) {
        if let Ok(rd) = std::fs::read_dir(self.root.join("trees")) {
            for e in rd.flatten() {
                if is_temp_of(&e.file_name().to_string_lossy(), name) {
                    let _ = remove_tree(&e.path());
                }
            }
        }
    }

    fn find_or_download_deb(&self, name: &str, package: &str, version: &str) -> Result<PathBuf> {
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

    fn tarball_file(&self, name: &str, path: Option<&Path>, url: Option<&str>) -> Result<PathBuf> {
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

fn unreachable_directory(name: &str) -> Result<Provenance> {
    Err(Error::tree(name, "a directory tree has nothing to fetch"))
}

fn local_tree(name: &str, path: &Path) -> BaseTree {
    BaseTree {
        name: name.to_owned(),
        path: path.to_owned(),
        provenance: Provenance {
            schema: PIN_SCHEMA.into(),
            name: name.to_owned(),
            kind: "directory".into(),
            pinned: false,
            path: Some(path.to_owned()),
            ..Provenance::default()
        },
    }
}

fn pin_matches(spec: &TreeSpec, pin: &Provenance) -> bool {
    match &spec.source {
        TreeSource::Debian {
            package,
            version,
            sha256,
            ..
        } => {
            pin.kind == "debian"
                && pin.package.as_deref() == Some(package)
                && pin.version.as_deref() == Some(version)
                && pin
                    .sha256
                    .as_deref()
                    .is_some_and(|s| s.eq_ignore_ascii_case(sha256))
        }
        TreeSource::Tarball { sha256, .. } => {
            pin.kind == "tarball"
                && pin
                    .sha256
                    .as_deref()
                    .is_some_and(|s| s.eq_ignore_ascii_case(sha256))
        }
        TreeSource::Git { url, commit } => {
            pin.kind == "git"
                && pin.url.as_deref() == Some(url)
                && pin.commit.as_deref().is_some_and(|c| {
                    c.to_ascii_lowercase()
                        .starts_with(&commit.to_ascii_lowercase())
                })
        }
        TreeSource::Directory { .. } => true,
    }
}

fn inner_tarball(package: &str, tarball: Option<&str>) -> String {
    tarball
        .map(|t| {
            t.trim_start_matches("./")
                .trim_start_matches('/')
                .to_owned()
        })
        .unwrap_or_else(|| format!("usr/src/{package}.tar.xz"))
}

fn url_basename(url: &str) -> String {
    let b = url.rsplit('/').next().unwrap_or("download");
    if b.is_empty() || b.starts_with('.') {
        "download.tar".into()
    } else {
        b.to_owned()
    }
}

/// Remove a downloaded file that failed its hash check, so the next fetch
/// downloads it again instead of re-hashing the same bad bytes forever.
fn drop_bad_download(path: &Path) {
    let _ = std::fs::remove_file(path);
}

fn check_hash(what: &str, path: &Path, expected: &str) -> Result<()> {
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

fn hash_check(what: &str, path: &Path, expected: Option<&str>, actual: Result<String>) -> Check {
    let (actual, message) = match actual {
        Ok(a) => (Some(a), None),
        Err(e) => (None, Some(e.to_string())),
    };
    Check {
        what: what.to_owned(),
        path: path.to_owned(),
        ok: matches!((expected, &actual), (Some(e), Some(a)) if e.eq_ignore_ascii_case(a)),
        expected: expected.map(str::to_owned),
        actual,
        message: message.or_else(|| expected.is_none().then(|| "no recorded hash".into())),
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

/// The prefix of `name`'s extraction directories: `.tmp-NAME=` ('=' is not
/// allowed in names, so `.tmp-linux-6.1=` is never a prefix of another
/// tree's, e.g. `linux-6.1-rt`'s).
fn temp_prefix(name: &str) -> String {
    format!(".tmp-{name}=")
}

/// Whether `file` is an extraction directory of `name`: the current form, or
/// the older `.tmp-NAME-XXXXXX` (exactly six random letters and digits after
/// the name, so `.tmp-linux-6.1-rt-XXXXXX` is not one of `linux-6.1`'s).
fn is_temp_of(file: &str, name: &str) -> bool {
    if file.starts_with(&temp_prefix(name)) {
        return true;
    }
    file.strip_prefix(&format!(".tmp-{name}-"))
        .is_some_and(|rest| rest.len() == 6 && rest.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// A temporary directory inside the cache, removed (even when read-only) on drop.
struct TempTree {
    path: PathBuf,
}

impl TempTree {
    fn new(parent: &Path, name: &str) -> Result<TempTree> {
        // Private (0700): nothing extracted in it is reachable by another
        // user before `finish` checked it.
        let t = tempfile::Builder::new()
            .prefix(&temp_prefix(name))
            .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700))
            .tempdir_in(parent)
            .map_err(|e| Error::io("creating a directory in", parent, e))?;
        Ok(TempTree { path: t.keep() })
    }
}

impl Drop for TempTree {
    fn drop(&mut self) {
        let _ = remove_tree(&self.path);
    }
}
