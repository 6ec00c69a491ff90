//! `harness tree fetch|list|verify|path|worktree`: pinned kernel trees.

use crate::common::{self, Outcome};
use anyhow::Context;
use harness_trees::{TreeCache, TreeEvent, TreeSpecs, Worktree, WorktreeMethod, WorktreeOptions};
use std::path::{Path, PathBuf};

pub use harness_schema::trees::TREES_SCHEMA;
use harness_schema::trees::{
    FetchedTree, ListedTree, TreesFetch, TreesList, TreesVerify, TreesWorktree,
};

#[derive(clap::Args, Clone)]
pub struct Common {
    /// Tree definitions (YAML). Default: trees.yaml at the project root; the built-in
    /// linux-6.1 and linux-6.12 are always defined and may be overridden there.
    #[arg(long, env = "HARNESS_TREES", value_name = "FILE", global = true)]
    pub trees: Option<PathBuf>,
}

#[derive(clap::Subcommand)]
#[command(after_help = "The cache is HARNESS_CACHE (default ~/.cache/harness): \
downloads/ keeps the .deb/tarballs, trees/NAME/tree is the read-only source root, \
trees/NAME/pin.json records exactly what was used.")]
pub enum TreeCommand {
    /// Download, verify and extract trees into the cache (nothing to do when cached).
    Fetch {
        /// Tree names (see `harness tree list`); default: every defined tree.
        names: Vec<String>,
        /// Write what was fetched (paths, provenance) as JSON (`-` = stdout).
        #[arg(long, value_name = "FILE")]
        json: Option<PathBuf>,
        #[command(flatten)]
        common: Common,
    },
    /// List defined trees: kind, what is pinned, whether cached.
    List {
        #[arg(long, value_name = "FILE")]
        json: Option<PathBuf>,
        #[command(flatten)]
        common: Common,
    },
    /// Re-hash the cached package/tarball against the pin and check the extracted tree
    /// against the manifest recorded at extraction. Exit 1 when a check fails.
    Verify {
        /// Tree names; default: every cached tree.
        names: Vec<String>,
        #[arg(long, value_name = "FILE")]
        json: Option<PathBuf>,
        #[command(flatten)]
        common: Common,
    },
    /// Print the source directory of a tree (fetching it first if needed), nothing else.
    Path {
        /// A tree name, or a directory (printed back, canonicalised).
        name: String,
        #[command(flatten)]
        common: Common,
    },
    /// Create a worktree of a tree at DEST (kept) and print what it took.
    Worktree {
        name: String,
        dest: PathBuf,
        /// hardlink (default), reflink (cp --reflink=always) or copy (cp -a).
        #[arg(long, default_value = "hardlink", value_parser = ["hardlink", "reflink", "copy"])]
        method: String,
        #[arg(long, value_name = "FILE")]
        json: Option<PathBuf>,
        /// Re-sync DEST in place when it is already a hard-link worktree of
        /// this tree (otherwise a non-empty DEST is refused).
        #[arg(long)]
        resync: bool,
        #[command(flatten)]
        common: Common,
    },
}

/// Tree definitions: built-in defaults plus `file` (or the project's trees.yaml).
pub fn load_specs(file: Option<&Path>) -> anyhow::Result<TreeSpecs> {
    match file {
        Some(f) => {
            anyhow::ensure!(f.is_file(), "tree definitions {} do not exist", f.display());
            Ok(TreeSpecs::load_with_defaults(Some(f))?)
        }
        None => Ok(TreeSpecs::load_with_defaults(Some(
            &common::project_root()?.join("trees.yaml"),
        ))?),
    }
}

/// The cache, reporting waits and long steps on stderr.
pub fn open_cache() -> anyhow::Result<TreeCache> {
    let root = common::cache_dir();
    let cache = TreeCache::open(&root)
        .with_context(|| format!("opening the tree cache {}", root.display()))?;
    Ok(cache.with_events(|ev| match ev {
        TreeEvent::WaitingForLock { name, lock } => eprintln!(
            "harness: tree {name}: waiting for the lock {} (another fetch, or a re-pin waiting for runs using the tree)",
            lock.display()
        ),
        TreeEvent::LockAcquired { name } => eprintln!("harness: tree {name}: lock acquired"),
        TreeEvent::Downloading { name, what } => eprintln!("harness: tree {name}: downloading {what}"),
        TreeEvent::Extracting { name, from } => {
            eprintln!("harness: tree {name}: extracting {}", from.display())
        }
        TreeEvent::Adopting { name, path } => eprintln!(
            "harness: tree {name}: found {} without pin.json; verifying its tarball and adopting it",
            path.display()
        ),
        TreeEvent::Replacing { name, old } => {
            eprintln!("harness: tree {name}: replacing the cached tree ({old}): the pin changed")
        }
        TreeEvent::Hashing { .. } | TreeEvent::Ready { .. } => {}
    }))
}

/// Resolve a tree name or directory to a base tree (fetching if needed): what
/// `apply --tree`, `tree worktree` etc. should call. A pinned tree is held
/// shared until the process exits (no re-pin replaces it meanwhile) and its
/// fingerprint is checked (a tree changed in place is refused).
pub fn resolve(
    name_or_dir: &str,
    trees_file: Option<&Path>,
    fp: harness_trees::Fingerprint,
) -> anyhow::Result<harness_trees::BaseTree> {
    let specs = load_specs(trees_file)?;
    // The cache keeps the hold; it lives as long as the process.
    let cache: &'static TreeCache = Box::leak(Box::new(open_cache()?));
    Ok(cache.resolve_in_use_with(name_or_dir, &specs, fp)?)
}

pub fn run(cmd: TreeCommand) -> anyhow::Result<Outcome> {
    match cmd {
        TreeCommand::Fetch {
            names,
            json,
            common,
        } => {
            let specs = load_specs(common.trees.as_deref())?;
            let cache = open_cache()?;
            let names = if names.is_empty() {
                specs.names()
            } else {
                names
            };
            let mut out = Vec::new();
            for n in &names {
                let t = cache
                    .resolve(n, &specs)
                    .with_context(|| format!("fetching tree {n}"))?;
                if json.is_none() {
                    crate::common::outln!(
                        "{}\t{}\t{}",
                        t.name,
                        t.path.display(),
                        pin_line(&t.provenance)
                    );
                }
                out.push(t);
            }
            if let Some(dest) = json {
                let trees = out
                    .into_iter()
                    .map(|t| FetchedTree {
                        name: t.name,
                        path: t.path,
                        provenance: t.provenance,
                    })
                    .collect();
                let doc = TreesFetch {
                    schema: TREES_SCHEMA.into(),
                    trees,
                };
                common::write_json(&dest, &doc)?;
            }
            Ok(Outcome::Ok)
        }
        TreeCommand::List { json, common } => {
            let specs = load_specs(common.trees.as_deref())?;
            let cache = open_cache()?;
            let mut rows = Vec::new();
            for s in specs.iter() {
                let cached = cache.cached(s);
                rows.push(ListedTree {
                    name: s.name.clone(),
                    kind: s.source.kind().into(),
                    pinned: s.source.pinned(),
                    pin: s.source.pin_summary(),
                    description: s.description.clone(),
                    cached: cached.is_some(),
                    path: cached.as_ref().map(|t| t.path.clone()),
                });
            }
            match json {
                Some(dest) => common::write_json(
                    &dest,
                    &TreesList {
                        schema: TREES_SCHEMA.into(),
                        trees: rows,
                    },
                )?,
                None => {
                    crate::common::outln!("{:<14} {:<9} {:<10} PINNED", "NAME", "KIND", "CACHED");
                    for r in &rows {
                        crate::common::outln!(
                            "{:<14} {:<9} {:<10} {}",
                            r.name,
                            r.kind,
                            if r.cached { "yes" } else { "no" },
                            r.pin,
                        );
                    }
                }
            }
            Ok(Outcome::Ok)
        }
        TreeCommand::Verify {
            names,
            json,
            common,
        } => {
            let specs = load_specs(common.trees.as_deref())?;
            let cache = open_cache()?;
            let names: Vec<String> = if names.is_empty() {
                specs
                    .iter()
                    .filter(|s| cache.cached(s).is_some())
                    .map(|s| s.name.clone())
                    .collect()
            } else {
                names
            };
            anyhow::ensure!(
                !names.is_empty(),
                "no cached trees to verify; run `harness tree fetch NAME` first"
            );
            let mut reports = Vec::new();
            for n in &names {
                let spec = specs.get(n).ok_or_else(|| {
                    let known = specs.names();
                    anyhow::anyhow!(
                        "unknown tree `{n}`{} (known: {})",
                        harness_trees::suggestion(n, known.iter().map(String::as_str)),
                        known.join(", ")
                    )
                })?;
                let r = cache
                    .verify(spec)
                    .with_context(|| format!("verifying tree {n}"))?;
                if json.as_deref() != Some(Path::new("-")) {
                    for c in &r.checks {
                        let mark = if c.ok { "ok  " } else { "FAIL" };
                        eprintln!("{mark} {n}: {}: {}", c.what, c.path.display());
                        if !c.ok {
                            if let (Some(e), Some(a)) = (&c.expected, &c.actual) {
                                eprintln!("       expected {e}\n       actual   {a}");
                            }
                        }
                        if let Some(m) = &c.message {
                            eprintln!("       {m}");
                        }
                    }
                }
                reports.push(r);
            }
            let ok = reports.iter().all(|r| r.ok);
            if let Some(dest) = json {
                common::write_json(
                    &dest,
                    &TreesVerify {
                        schema: TREES_SCHEMA.into(),
                        ok,
                        verify: reports,
                    },
                )?;
            }
            Ok(if ok { Outcome::Ok } else { Outcome::Failed })
        }
        TreeCommand::Path { name, common } => {
            let t = resolve(
                &name,
                common.trees.as_deref(),
                harness_trees::Fingerprint::Whole,
            )?;
            crate::common::outln!("{}", t.path.display());
            Ok(Outcome::Ok)
        }
        TreeCommand::Worktree {
            name,
            dest,
            method,
            json,
            resync,
            common,
        } => {
            // Refuse before fetching anything: a non-empty DEST (its files
            // would be replaced) or one inside the cache.
            let checked = harness_trees::check_new_worktree_dest(&dest, &common::cache_dir());
            let t = match checked {
                Ok(()) => resolve(
                    &name,
                    common.trees.as_deref(),
                    harness_trees::Fingerprint::Whole,
                )?,
                Err(e) if resync && method == "hardlink" && dest.is_dir() => {
                    let t = resolve(
                        &name,
                        common.trees.as_deref(),
                        harness_trees::Fingerprint::Whole,
                    )?;
                    let inside_cache = harness_trees::resolved_path(&dest)
                        .starts_with(harness_trees::resolved_path(&common::cache_dir()));
                    if inside_cache || !harness_trees::is_worktree_of(&dest, &t.path) {
                        return Err(e.into());
                    }
                    t
                }
                Err(e) => return Err(e.into()),
            };
            let method = match method.as_str() {
                "reflink" => WorktreeMethod::Reflink,
                "copy" => WorktreeMethod::Copy,
                _ => WorktreeMethod::Hardlink,
            };
            let wt =
                Worktree::create_with(&t.path, &dest, &WorktreeOptions { method, keep: true })?;
            match json {
                Some(d) => common::write_json(
                    &d,
                    &TreesWorktree {
                        schema: TREES_SCHEMA.into(),
                        worktree: wt.path().to_path_buf(),
                        base: t.path.clone(),
                        stats: wt.stats.clone(),
                    },
                )?,
                None => crate::common::outln!(
                    "{}\t{} files, {} dirs, {} reused, {} reverted, {:.3} s",
                    wt.path().display(),
                    wt.stats.files,
                    wt.stats.dirs,
                    wt.stats.reused,
                    wt.stats.reverted.len(),
                    wt.stats.seconds
                ),
            }
            Ok(Outcome::Ok)
        }
    }
}

fn pin_line(p: &harness_trees::Provenance) -> String {
    if !p.pinned {
        return "unpinned directory".into();
    }
    let mut s = String::new();
    for v in [&p.package, &p.version, &p.commit].into_iter().flatten() {
        s.push_str(v);
        s.push(' ');
    }
    if let Some(h) = &p.sha256 {
        s.push_str("sha256:");
        s.push_str(h);
    }
    if p.adopted {
        s.push_str(" (adopted)");
    }
    s.trim().to_owned()
}
