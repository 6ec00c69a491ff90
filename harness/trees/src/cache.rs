//! The tree cache: fetch (download, verify, extract, rename), adopt trees
//! extracted by hand, verify, resolve names or directories.

mod download;
mod locks;
mod temp;

pub(crate) use download::{inner_tarball, url_basename};
pub use locks::{Fingerprint, TreeInUse};

use crate::manifest;
use crate::spec::{TreeSource, TreeSpec, TreeSpecs};
use crate::util::{self, remove_tree, sha256_file, sha256_in_deb};
use crate::{Error, Result, TreeEvent};
use download::{check_hash, drop_bad_download};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use temp::{temp_prefix, TempTree};

pub use harness_schema::tree_pin::{Provenance, PIN_SCHEMA};
pub use harness_schema::trees::{Check, VerifyReport};

/// A Debian source package: the .deb and the source tarball inside it
/// (the same record at fetch and at verify).
pub(crate) fn debian_provenance(
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
pub(crate) fn tarball_provenance(sha256: &str, url: Option<&str>, file: &Path) -> Provenance {
    Provenance {
        kind: "tarball".into(),
        sha256: Some(sha256.to_owned()),
        tarball: Some(url.map_or_else(|| file.display().to_string(), str::to_owned)),
        url: url.map(str::to_owned),
        ..Provenance::default()
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

type EventSink = Arc<dyn Fn(&TreeEvent) + Send + Sync>;

/// The cache of base trees under one root directory.
#[derive(Clone)]
pub struct TreeCache {
    root: PathBuf,
    events: Option<EventSink>,
    /// Trees this process uses ([`TreeCache::resolve_in_use`]): held shared
    /// until the last clone of the cache is dropped.
    holds: Arc<Mutex<Vec<TreeInUse>>>,
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
        Ok(TreeCache {
            root,
            events: None,
            holds: Arc::default(),
        })
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
    /// `<root>/trees/<name>/stat.list`: size and mtime of every file at
    /// fetch, to name the file a failed fingerprint check is about.
    pub fn stat_list_path(&self, name: &str) -> PathBuf {
        self.tree_dir(name).join(crate::manifest::STAT_LIST)
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
    /// Two processes fetching the same tree serialise on `<tree_dir>/.lock`. A
    /// re-pin prepares the new tree beside the old one, which builds keep
    /// using until [`TreeCache::finish`] swaps them.
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
        if self.tree_path(name).exists() {
            match self.read_pin(name) {
                // Only a tree extracted by hand lacks its pin: the harness
                // writes the pin before it renames a tree into place.
                None if !matches!(spec.source, TreeSource::Git { .. }) => {
                    return self.adopt(spec);
                }
                pin => self.emit(TreeEvent::Replacing {
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
                }),
            }
        }
        let tmp = TempTree::new(&self.root.join("trees"), name)?;
        let (top, prov) = self.extract(spec, &tmp.path)?;
        self.finish(spec, &top, prov, false)
    }

    /// Record manifest, make read-only, publish: pin.json and the tree.
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
        prov.manifest = Some(crate::manifest::with_content(top, &entries)?);
        manifest::make_read_only(top, &entries)?;
        prov.schema = PIN_SCHEMA.into();
        prov.name = name.clone();
        prov.pinned = true;
        prov.adopted = adopted;
        prov.fetched_at = Some(util::now_rfc3339());
        let text =
            serde_json::to_string_pretty(&prov).map_err(|e| Error::tree(name, e.to_string()))?;
        let stat_list = manifest::stat_list(&entries);
        let tree = self.tree_path(name);
        if top == tree {
            util::write_atomic(&self.stat_list_path(name), stat_list.as_bytes())?;
            util::write_atomic(&self.pin_path(name), format!("{text}\n").as_bytes())?;
        } else {
            self.publish(name, top, &format!("{text}\n"), &stat_list)?;
        }
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

    /// Swap the prepared tree at `top` into place once no build uses the old
    /// one (the `.use` lock exclusive): the old tree moved aside, the new
    /// pin written, the new tree renamed in; the old tree removed after.
    /// Killed at any point, the cache holds either a consistent pin and tree
    /// or no tree (the next fetch extracts again): never an old tree
    /// without its pin, which the next fetch would adopt as the new pin.
    fn publish(&self, name: &str, top: &Path, pin: &str, stat_list: &str) -> Result<()> {
        let tree = self.tree_path(name);
        let aside = self.root.join("trees").join(format!(
            "{}old-{}",
            temp_prefix(name),
            std::process::id()
        ));
        {
            let _in_use = self.lock_use_exclusive(name)?;
            if tree.exists() {
                std::fs::rename(&tree, &aside).map_err(|e| Error::io("moving aside", &tree, e))?;
            }
            util::write_atomic(&self.stat_list_path(name), stat_list.as_bytes())?;
            util::write_atomic(&self.pin_path(name), pin.as_bytes())?;
            std::fs::rename(top, &tree).map_err(|e| Error::io("renaming into place", &tree, e))?;
        }
        if aside.exists() {
            remove_tree(&aside)?;
        }
        Ok(())
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
                debian_provenance(package, version, sha256, inner, &deb, deb_sha)
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
                tarball_provenance(sha256, url.as_deref(), &file)
            }
            _ => return Err(Error::tree(name, "cannot adopt this kind of tree")),
        };
        self.finish(spec, &tree, prov, true)
    }
}

pub(crate) fn local_tree(name: &str, path: &Path) -> BaseTree {
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

pub(crate) fn pin_matches(spec: &TreeSpec, pin: &Provenance) -> bool {
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
