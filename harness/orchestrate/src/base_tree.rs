//! Candidate bases for `--tree auto`: directories (a checkout as it is, a
//! pinned tree) and commits of a git repository (the named `base-commit:`,
//! the blob guess). A commit is exported into a temporary directory (the
//! files the series touches, or the whole tree for `--into`), never checked
//! out: the user's repository and checkout are only read. Each candidate is
//! scored by applying the series to it; the fewest failed hunks win.

use std::path::{Path, PathBuf};

use git2::{ObjectType, Oid, Repository, TreeEntry};
use harness_core::report::{ApplyReport, HunkStatus};
use harness_ingest::Series;
use serde::Serialize;

use crate::apply::{apply_series_to_dir, parse_series, Options};
use crate::base::BaseError;

/// Where a candidate came from (the order of precedence on equal counts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CandidateKind {
    /// The commit the series' `base-commit:` names.
    BaseCommit,
    /// The commit guessed from the patches' `index` blob ids.
    BlobGuess,
    /// The repository's checkout as it is.
    Checkout,
    /// A pinned tree of trees.yaml.
    Pinned,
}

/// What a candidate's files are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    Dir(PathBuf),
    Commit { repo: PathBuf, commit: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub kind: CandidateKind,
    /// What the report calls it: a tree name, `REPO@COMMIT`, a directory.
    pub name: String,
    pub location: Location,
}

/// A candidate and what the series did on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Scored {
    pub kind: CandidateKind,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    pub applied: usize,
    pub already_applied: usize,
    /// Failed or malformed hunks.
    pub failed: usize,
}

impl Scored {
    /// Better first: fewer failed hunks, then more hunks in the tree.
    fn key(&self) -> (usize, std::cmp::Reverse<usize>) {
        (
            self.failed,
            std::cmp::Reverse(self.applied + self.already_applied),
        )
    }
}

/// Why the picked candidate won.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "kebab-case")]
pub enum Pick {
    /// Fewest failed hunks, then most hunks in the tree.
    FewestFailed,
    /// Same counts as `with`: the first in candidate order was taken.
    Tie { with: Vec<String> },
}

/// Hunk counts of a report: (applied, already applied, failed or malformed).
pub fn counts(r: &ApplyReport) -> (usize, usize, usize) {
    let mut c = (0, 0, 0);
    for h in r
        .patches
        .iter()
        .flat_map(|p| &p.files)
        .flat_map(|f| &f.hunks)
    {
        match h.status {
            HunkStatus::Applied => c.0 += 1,
            HunkStatus::AlreadyApplied => c.1 += 1,
            HunkStatus::Failed | HunkStatus::Malformed => c.2 += 1,
        }
    }
    c
}

/// Every path the series reads or writes (old and new names).
pub fn touched_paths(series: &Series, strip: Option<usize>) -> Vec<String> {
    let mut paths: Vec<String> = parse_series(series, strip)
        .iter()
        .flat_map(|p| &p.files)
        .flat_map(|f| [f.old_path.clone(), f.new_path.clone()])
        .flatten()
        .collect();
    paths.sort();
    paths.dedup();
    paths
}

/// A candidate's files on disk (a temporary export for a commit, removed
/// on drop).
pub struct Materialized {
    pub dir: PathBuf,
    _export: Option<tempfile::TempDir>,
}

/// Put a candidate on disk: a directory as it is; a commit exported
/// (`paths` only, or the whole tree when `paths` is None).
pub fn materialize(cand: &Candidate, paths: Option<&[String]>) -> Result<Materialized, BaseError> {
    match &cand.location {
        Location::Dir(d) => Ok(Materialized {
            dir: d.clone(),
            _export: None,
        }),
        Location::Commit { repo, commit } => {
            let fail = |detail: String| BaseError::Export {
                path: repo.clone(),
                commit: commit.clone(),
                detail,
            };
            let tmp = tempfile::Builder::new()
                .prefix("harness-base-")
                .tempdir()
                .map_err(|e| fail(e.to_string()))?;
            export_commit(repo, commit, paths, tmp.path()).map_err(fail)?;
            Ok(Materialized {
                dir: tmp.path().to_owned(),
                _export: Some(tmp),
            })
        }
    }
}

/// Score one candidate: apply the series to it in memory.
pub fn score(series: &Series, cand: &Candidate, opts: Options) -> anyhow::Result<Scored> {
    let paths = touched_paths(series, opts.strip);
    let m = materialize(cand, Some(&paths))?;
    let out = apply_series_to_dir(series, &m.dir, opts)?;
    let (applied, already_applied, failed) = counts(&out.report);
    Ok(Scored {
        kind: cand.kind,
        name: cand.name.clone(),
        commit: match &cand.location {
            Location::Commit { commit, .. } => Some(commit.clone()),
            Location::Dir(_) => None,
        },
        applied,
        already_applied,
        failed,
    })
}

/// The best candidate (stable: on equal counts the first in candidate
/// order wins) and why.
pub fn rank(scored: &[Scored]) -> Option<(usize, Pick)> {
    let best = (0..scored.len()).min_by_key(|&i| (scored[i].key(), i))?;
    let with: Vec<String> = scored
        .iter()
        .enumerate()
        .filter(|(i, s)| *i != best && s.key() == scored[best].key())
        .map(|(_, s)| s.name.clone())
        .collect();
    let pick = match with.is_empty() {
        true => Pick::FewestFailed,
        false => Pick::Tie { with },
    };
    Some((best, pick))
}

/// Write `commit`'s files (`paths`, or all) under `dest`, modes and
/// symlinks as committed.
pub fn export_commit(
    repo: &Path,
    commit: &str,
    paths: Option<&[String]>,
    dest: &Path,
) -> Result<(), String> {
    let r = Repository::discover(repo).map_err(|e| e.to_string())?;
    let id = Oid::from_str(commit).map_err(|e| e.to_string())?;
    let tree = r
        .find_commit(id)
        .and_then(|c| c.tree())
        .map_err(|e| e.to_string())?;
    match paths {
        None => export_tree(&r, &tree, dest),
        Some(paths) => {
            for p in paths {
                export_path(&r, &tree, p, dest)?;
            }
            Ok(())
        }
    }
}

fn export_tree(r: &Repository, tree: &git2::Tree<'_>, dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in tree.iter() {
        let Some(name) = entry.name() else {
            continue;
        };
        let at = dir.join(name);
        if entry.kind() == Some(ObjectType::Tree) {
            let sub = r.find_tree(entry.id()).map_err(|e| e.to_string())?;
            export_tree(r, &sub, &at)?;
        } else {
            write_entry(r, &entry, &at)?;
        }
    }
    Ok(())
}

/// Export one path: the file, or the symlink met on the way to it (so the
/// apply refuses to go through it as it would in a checkout).
fn export_path(
    r: &Repository,
    tree: &git2::Tree<'_>,
    rel: &str,
    dest: &Path,
) -> Result<(), String> {
    let parts: Vec<&str> = rel.split('/').filter(|c| !c.is_empty()).collect();
    let mut cur = tree.clone();
    let mut at = dest.to_owned();
    for (i, part) in parts.iter().enumerate() {
        if matches!(*part, "." | "..") {
            return Ok(());
        }
        let Some(entry) = cur.get_name(part).map(|e| e.to_owned()) else {
            return Ok(());
        };
        at.push(part);
        match entry.kind() {
            Some(ObjectType::Tree) if i + 1 < parts.len() => {
                cur = r.find_tree(entry.id()).map_err(|e| e.to_string())?;
            }
            Some(ObjectType::Blob) => return write_entry(r, &entry, &at),
            _ => return Ok(()),
        }
    }
    Ok(())
}

fn write_entry(r: &Repository, entry: &TreeEntry<'_>, at: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    if entry.kind() != Some(ObjectType::Blob) {
        return Ok(()); // a submodule: nothing to write
    }
    let io = |e: std::io::Error| format!("{}: {e}", at.display());
    if let Some(parent) = at.parent() {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    if at.symlink_metadata().is_ok() {
        return Ok(()); // exported already (two paths through one link)
    }
    let blob = r.find_blob(entry.id()).map_err(|e| e.to_string())?;
    let mode = entry.filemode() as u32;
    if mode & 0o170000 == 0o120000 {
        use std::os::unix::ffi::OsStrExt;
        let target = std::ffi::OsStr::from_bytes(blob.content());
        return std::os::unix::fs::symlink(target, at).map_err(io);
    }
    std::fs::write(at, blob.content()).map_err(io)?;
    let perm = if mode & 0o111 != 0 { 0o755 } else { 0o644 };
    std::fs::set_permissions(at, std::fs::Permissions::from_mode(perm)).map_err(io)
}

/// Everything `--tree auto` found: the named base commit, the blob guess
/// (when a repository was given), every candidate's counts, and the pick.
#[derive(Debug, Clone, Serialize)]
pub struct Resolution {
    pub base_commit: crate::base::BaseCommit,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guess: Option<crate::base::Guess>,
    /// The guess named the base commit itself (scored once, as base-commit).
    pub guess_is_base_commit: bool,
    pub candidates: Vec<Scored>,
    pub picked: String,
    #[serde(flatten)]
    pub pick: Pick,
}

fn short(commit: &str) -> &str {
    commit.get(..12).unwrap_or(commit)
}

/// The candidates a repository offers: the named base commit (if it has
/// it), the blob guess, and its checkout as it is.
struct RepoFindings {
    base_commit: crate::base::BaseCommit,
    guess: Option<crate::base::Guess>,
    guess_is_base_commit: bool,
    candidates: Vec<Candidate>,
}

fn repo_candidates(
    series: &Series,
    named: Option<&str>,
    repo: Option<&Path>,
) -> Result<RepoFindings, BaseError> {
    use crate::base::{find_base_commit, guess_base, posted_at, preimages, BaseCommit, Guess};
    let base = find_base_commit(named, repo);
    let Some(repo) = repo else {
        return Ok(RepoFindings {
            base_commit: base,
            guess: None,
            guess_is_base_commit: false,
            candidates: Vec::new(),
        });
    };
    let at = |kind, commit: &str| Candidate {
        kind,
        name: format!("{}@{}", repo.display(), short(commit)),
        location: Location::Commit {
            repo: repo.to_owned(),
            commit: commit.to_owned(),
        },
    };
    let mut cands = Vec::new();
    if let BaseCommit::Found { commit, .. } = &base {
        cands.push(at(CandidateKind::BaseCommit, commit));
    }
    let guess = guess_base(repo, &preimages(series), posted_at(series))?;
    let mut same = false;
    if let Guess::Found { best, .. } = &guess {
        same = matches!(&base, BaseCommit::Found { commit, .. } if *commit == best.commit);
        if !same {
            cands.push(at(CandidateKind::BlobGuess, &best.commit));
        }
    }
    if Repository::open(repo).is_ok_and(|r| r.workdir().is_some()) {
        cands.push(Candidate {
            kind: CandidateKind::Checkout,
            name: repo.display().to_string(),
            location: Location::Dir(repo.to_owned()),
        });
    }
    Ok(RepoFindings {
        base_commit: base,
        guess: Some(guess),
        guess_is_base_commit: same,
        candidates: cands,
    })
}

/// Resolve the base of `series`: the candidates of `repo` (named base
/// commit `named`, blob guess, checkout), then `others` (pinned trees),
/// each scored; returns what was found and the picked candidate.
pub fn resolve(
    series: &Series,
    named: Option<&str>,
    repo: Option<&Path>,
    others: Vec<Candidate>,
    opts: Options,
) -> anyhow::Result<(Resolution, Candidate)> {
    let found = repo_candidates(series, named, repo)?;
    let mut cands = found.candidates;
    cands.extend(others);
    let scored = cands
        .iter()
        .map(|c| score(series, c, opts))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let (best, pick) =
        rank(&scored).ok_or_else(|| anyhow::anyhow!("--tree auto: no candidate base to try"))?;
    let resolution = Resolution {
        base_commit: found.base_commit,
        guess: found.guess,
        guess_is_base_commit: found.guess_is_base_commit,
        picked: scored[best].name.clone(),
        candidates: scored,
        pick,
    };
    Ok((resolution, cands.swap_remove(best)))
}
