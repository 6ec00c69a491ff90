//! Tree definitions: where a base tree comes from and how it is pinned.
//!
//! Definitions are YAML (`trees.yaml` at the project root); the built-in
//! defaults (`linux-6.1`, `linux-6.12`) are embedded and a project file
//! overrides them by name or adds new ones.

use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The embedded default definitions.
pub const DEFAULTS_YAML: &str = include_str!("defaults.yaml");

/// Where a tree's source comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub enum TreeSource {
    /// A Debian binary package shipping the source as a tarball
    /// (`linux-source-X.Y` ships `/usr/src/linux-source-X.Y.tar.xz`).
    Debian {
        package: String,
        version: String,
        /// sha256 of the source tarball inside the package.
        sha256: String,
        /// Path of the tarball inside the package; default
        /// `usr/src/<package>.tar.xz`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tarball: Option<String>,
    },
    /// A source tarball, local (`path`) or downloaded (`url`), with its sha256.
    Tarball {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        path: Option<PathBuf>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        url: Option<String>,
        sha256: String,
    },
    /// A git repository (path or URL) at a commit.
    Git { url: String, commit: String },
    /// A plain local directory: used as is, NOT pinned (reports say so).
    Directory { path: PathBuf },
}

impl TreeSource {
    /// Short kind name used in listings and provenance.
    pub fn kind(&self) -> &'static str {
        match self {
            TreeSource::Debian { .. } => "debian",
            TreeSource::Tarball { .. } => "tarball",
            TreeSource::Git { .. } => "git",
            TreeSource::Directory { .. } => "directory",
        }
    }

    /// What is pinned, in one short string (version, sha256 prefix, commit).
    pub fn pin_summary(&self) -> String {
        match self {
            TreeSource::Debian {
                package, version, ..
            } => format!("{package} {version}"),
            TreeSource::Tarball { sha256, path, url } => {
                let from = url
                    .clone()
                    .or_else(|| path.as_ref().map(|p| p.display().to_string()))
                    .unwrap_or_default();
                format!("{from} sha256:{}", sha256.get(..12).unwrap_or(sha256))
            }
            TreeSource::Git { url, commit } => format!("{url} @ {commit}"),
            TreeSource::Directory { path } => format!("{} (unpinned)", path.display()),
        }
    }

    /// Whether the tree is pinned by a hash or commit.
    pub fn pinned(&self) -> bool {
        !matches!(self, TreeSource::Directory { .. })
    }
}

/// One named tree definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreeSpec {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub source: TreeSource,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDef {
    #[serde(default)]
    description: Option<String>,
    #[serde(flatten)]
    source: TreeSource,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    trees: UniqueMap,
}

/// The `trees:` mapping, in file order, refusing a name given twice (a plain
/// map would silently keep the last definition).
#[derive(Default)]
struct UniqueMap(Vec<(String, RawDef)>);

impl<'de> Deserialize<'de> for UniqueMap {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = UniqueMap;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a mapping of tree names to definitions")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<UniqueMap, A::Error> {
                let mut out: Vec<(String, RawDef)> = Vec::new();
                while let Some(name) = map.next_key::<String>()? {
                    if out.iter().any(|(n, _)| *n == name) {
                        return Err(serde::de::Error::custom(format!(
                            "tree `{name}` is defined twice"
                        )));
                    }
                    out.push((name, map.next_value()?));
                }
                Ok(UniqueMap(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// A set of tree definitions, by name.
#[derive(Debug, Clone, Default)]
pub struct TreeSpecs {
    specs: BTreeMap<String, TreeSpec>,
}

impl TreeSpecs {
    /// The built-in defaults (`linux-6.1`, `linux-6.12`).
    pub fn defaults() -> TreeSpecs {
        // The embedded file is tested below; fall back to empty rather than panic.
        TreeSpecs::parse(
            DEFAULTS_YAML,
            Path::new("<built-in defaults>"),
            Path::new("."),
        )
        .unwrap_or_default()
    }

    /// The defaults, overridden/extended by `file` when it exists.
    pub fn load_with_defaults(file: Option<&Path>) -> Result<TreeSpecs> {
        let mut specs = TreeSpecs::defaults();
        if let Some(file) = file {
            if file.exists() {
                specs.extend(TreeSpecs::load(file)?);
            }
        }
        Ok(specs)
    }

    /// Read one YAML file. Relative `path`s are taken relative to the file's directory.
    pub fn load(file: &Path) -> Result<TreeSpecs> {
        let text = std::fs::read_to_string(file).map_err(|e| Error::io("reading", file, e))?;
        let base = file
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        TreeSpecs::parse(&text, file, base)
    }

    /// Parse YAML text; `origin` names it in errors, `base` resolves relative paths.
    pub fn parse(text: &str, origin: &Path, base: &Path) -> Result<TreeSpecs> {
        let raw: RawFile = serde_yaml_ng::from_str(text).map_err(|e| Error::Config {
            path: origin.to_owned(),
            message: e.to_string(),
        })?;
        let mut specs = BTreeMap::new();
        for (name, def) in raw.trees.0 {
            let bad = |message: String| Error::Config {
                path: origin.to_owned(),
                message: format!("tree `{name}`: {message}"),
            };
            crate::name::check_name(&name).map_err(bad)?;
            let mut source = def.source;
            match &mut source {
                TreeSource::Debian { sha256, .. } => check_sha(sha256).map_err(bad)?,
                TreeSource::Tarball { path, url, sha256 } => {
                    check_sha(sha256).map_err(bad)?;
                    match (path.as_mut(), url.as_ref()) {
                        (Some(p), None) => {
                            if p.is_relative() {
                                *p = base.join(&*p);
                            }
                        }
                        (None, Some(_)) => {}
                        _ => return Err(bad("give exactly one of `path` or `url`".into())),
                    }
                }
                TreeSource::Git { commit, url } => {
                    if commit.len() < 7 || !commit.chars().all(|c| c.is_ascii_hexdigit()) {
                        return Err(bad(format!(
                            "commit `{commit}` is not a hex commit id (pin a full commit, not a branch)"
                        )));
                    }
                    if !url.contains("://") && !url.contains('@') {
                        let p = Path::new(url.as_str());
                        if p.is_relative() {
                            *url = base.join(p).display().to_string();
                        }
                    }
                }
                TreeSource::Directory { path } => {
                    if path.is_relative() {
                        *path = base.join(&*path);
                    }
                }
            }
            specs.insert(
                name.clone(),
                TreeSpec {
                    name,
                    description: def.description,
                    source,
                },
            );
        }
        Ok(TreeSpecs { specs })
    }

    /// Add or replace definitions from `other`.
    pub fn extend(&mut self, other: TreeSpecs) {
        self.specs.extend(other.specs);
    }

    pub fn insert(&mut self, spec: TreeSpec) {
        self.specs.insert(spec.name.clone(), spec);
    }

    pub fn get(&self, name: &str) -> Option<&TreeSpec> {
        self.specs.get(name)
    }

    pub fn iter(&self) -> impl Iterator<Item = &TreeSpec> {
        self.specs.values()
    }

    pub fn names(&self) -> Vec<String> {
        self.specs.keys().cloned().collect()
    }
}

fn check_sha(sha: &str) -> std::result::Result<(), String> {
    if sha.len() == 64 && sha.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(format!("sha256 `{sha}` is not 64 hex digits"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_parse_and_pin_design_values() {
        let specs = TreeSpecs::parse(DEFAULTS_YAML, Path::new("d"), Path::new(".")).unwrap();
        // The default pins (docs/contract.md, trees).
        let s = specs.get("linux-6.1").unwrap();
        assert_eq!(
            s.source,
            TreeSource::Debian {
                package: "linux-source-6.1".into(),
                version: "6.1.192-3".into(),
                sha256: "cacdc3830989309d042083be3307969e55600ed7f908cf00df544c5ff50759a1".into(),
                tarball: None,
            }
        );
        let s = specs.get("linux-6.12").unwrap();
        assert!(
            matches!(&s.source, TreeSource::Debian { version, .. } if version == "6.12.117-1~deb12u1")
        );
    }

    #[test]
    fn all_kinds_parse_and_relative_paths_resolve() {
        let y = r#"
trees:
  t:
    tarball: { path: x.tar.gz, sha256: "0000000000000000000000000000000000000000000000000000000000000000" }
  g:
    git: { url: repo, commit: 0123456789abcdef0123456789abcdef01234567 }
  d:
    directory: { path: /srv/linux }
"#;
        let specs = TreeSpecs::parse(y, Path::new("f"), Path::new("/proj")).unwrap();
        assert!(matches!(&specs.get("t").unwrap().source,
            TreeSource::Tarball { path: Some(p), .. } if p == Path::new("/proj/x.tar.gz")));
        assert!(matches!(&specs.get("g").unwrap().source,
            TreeSource::Git { url, .. } if url == "/proj/repo"));
        assert!(!specs.get("d").unwrap().source.pinned());
    }

    #[test]
    fn bad_definitions_name_the_file_and_tree() {
        let y = "trees:\n  x:\n    tarball: { sha256: abc }\n";
        let e = TreeSpecs::parse(y, Path::new("trees.yaml"), Path::new(".")).unwrap_err();
        let m = e.to_string();
        assert!(
            m.contains("trees.yaml") && m.contains("`x`") && m.contains("64 hex"),
            "{m}"
        );
        let y = "trees:\n  x:\n    git: { url: u, commit: main }\n";
        let m = TreeSpecs::parse(y, Path::new("trees.yaml"), Path::new("."))
            .unwrap_err()
            .to_string();
        assert!(m.contains("not a hex commit"), "{m}");
        let y = "trees:\n  x:\n    bogus: {}\n";
        assert!(TreeSpecs::parse(y, Path::new("trees.yaml"), Path::new(".")).is_err());
    }

    #[test]
    fn a_tree_defined_twice_is_an_error_naming_the_file_and_tree() {
        // YAML allows the key twice; serde's map kept the last one silently.
        let dir = "{ path: /srv/linux }";
        let y = format!("trees:\n  t:\n    directory: {dir}\n  t:\n    directory: {dir}\n");
        let m = TreeSpecs::parse(&y, Path::new("trees.yaml"), Path::new("."))
            .unwrap_err()
            .to_string();
        assert!(
            m.contains("trees.yaml") && m.contains("`t` is defined twice"),
            "{m}"
        );
    }

    #[test]
    fn a_tree_name_that_is_not_one_path_component_is_refused() {
        for name in ["\"x/../../victim\"", "\"..\"", "\".hidden\"", "\"a b\""] {
            let y = format!("trees:\n  {name}:\n    directory: {{ path: /srv }}\n");
            let m = TreeSpecs::parse(&y, Path::new("trees.yaml"), Path::new("."))
                .unwrap_err()
                .to_string();
            assert!(
                m.contains("trees.yaml") && m.contains("bad name"),
                "{name}: {m}"
            );
        }
    }
}
