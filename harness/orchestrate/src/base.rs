//! Which commit a series was written against, from what the series says:
//! its `base-commit:` line, and the `index <pre>..<post>` blob ids of its
//! patches matched against a git repository's history, the way b4 guesses
//! a base (the newest commit at or before the posting date whose blobs
//! match the most preimages). The repository is only read.
//!
//! Cost is bounded: only commits that change a file the series touches are
//! looked at (`git rev-list --all --before=DATE -- PATHS`, at most
//! [`GUESS_LIMIT`] of them), each costs one tree lookup per preimage, and
//! the search stops at the first commit where every preimage matches.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use git2::{Oid, Repository};
use harness_ingest::Series;
use serde::Serialize;

/// At most this many path-touching commits are looked at by the guess.
pub const GUESS_LIMIT: usize = 2000;

/// One file as it was before the series: its path and the (abbreviated)
/// blob id of the first `index` line the series has for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Preimage {
    pub path: String,
    pub blob: String,
}

#[derive(Debug, thiserror::Error)]
pub enum BaseError {
    #[error("{path}: cannot open git repository: {source}")]
    Open {
        path: PathBuf,
        #[source]
        source: git2::Error,
    },
    #[error("{path}: `git {args}` failed: {detail}")]
    Git {
        path: PathBuf,
        args: String,
        detail: String,
    },
    #[error("{path}: exporting commit {commit}: {detail}")]
    Export {
        path: PathBuf,
        commit: String,
        detail: String,
    },
}

/// `a/x` -> `x` for strip 1 (None when too few components).
fn strip_path(raw: &str, strip: usize) -> Option<String> {
    let parts: Vec<&str> = raw.split('/').collect();
    (parts.len() > strip).then(|| parts[strip..].join("/"))
}

/// The preimage of every file the series changes that an earlier patch of
/// the series did not already touch (a later patch's preimage is an
/// earlier patch's result, not the base's). Files the series creates
/// (`index 0000000..`) have no preimage.
pub fn preimages(series: &Series) -> Vec<Preimage> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for p in &series.patches {
        let text = String::from_utf8_lossy(&p.content);
        let mut pending: Option<String> = None;
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("diff --git ") {
                let mut names = rest.split_whitespace();
                let old = names.next().and_then(|a| strip_path(a, p.strip));
                let new = names.next().and_then(|b| strip_path(b, p.strip));
                pending = old.clone().filter(|o| !seen.contains(o));
                seen.extend(old);
                seen.extend(new);
            } else if let Some(rest) = line.strip_prefix("index ") {
                let ids = rest.split_whitespace().next().unwrap_or_default();
                let pre = ids.split_once("..").map(|(a, _)| a.to_ascii_lowercase());
                if let (Some(path), Some(blob)) = (pending.take(), pre) {
                    let valid = !blob.is_empty() && blob.chars().all(|c| c.is_ascii_hexdigit());
                    if valid && !blob.chars().all(|c| c == '0') {
                        out.push(Preimage { path, blob });
                    }
                }
            } else if line.starts_with("@@") {
                pending = None;
            }
        }
    }
    out
}

/// The newest `Date:` of the series' patches (seconds since the epoch):
/// the base was committed before the series was posted.
pub fn posted_at(series: &Series) -> Option<i64> {
    series
        .patches
        .iter()
        .filter_map(|p| {
            let text = String::from_utf8_lossy(&p.content);
            let date = text.lines().take_while(|l| !l.is_empty()).find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case("date").then(|| v.trim().to_owned())
            })?;
            harness_ingest::model::parse_date(&date)
        })
        .max()
}

/// The `base-commit:` a series names (cover letter or patch), first found.
pub fn named_base_commit(texts: &[&[u8]]) -> Option<String> {
    texts.iter().find_map(|t| {
        t.split(|&b| b == b'\n').find_map(|l| {
            let v = l.strip_prefix(b"base-commit:")?;
            let v = String::from_utf8_lossy(v);
            let v = v.trim();
            let hex = v.len() >= 7 && v.chars().all(|c| c.is_ascii_hexdigit());
            hex.then(|| v.to_ascii_lowercase())
        })
    })
}

/// What became of the series' `base-commit:`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum BaseCommit {
    /// The series names none.
    NotNamed,
    /// Named, but no repository was given to look it up in.
    NoRepository { named: String },
    /// Named and not in the repository.
    NotInRepository { named: String, repository: PathBuf },
    /// Named and found: `commit` is the full id.
    Found { named: String, commit: String },
}

/// Look the named base commit up in `repo` (None: no repository given).
pub fn find_base_commit(named: Option<&str>, repo: Option<&Path>) -> BaseCommit {
    let Some(named) = named else {
        return BaseCommit::NotNamed;
    };
    let named = named.to_owned();
    let Some(repo) = repo else {
        return BaseCommit::NoRepository { named };
    };
    let found = Repository::discover(repo)
        .ok()
        .and_then(|r| Some(r.revparse_single(&named).ok()?.peel_to_commit().ok()?.id()));
    match found {
        Some(id) => BaseCommit::Found {
            named,
            commit: id.to_string(),
        },
        None => BaseCommit::NotInRepository {
            named,
            repository: repo.to_owned(),
        },
    }
}

/// The blob guess for one commit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GuessedCommit {
    pub commit: String,
    /// Preimages whose blob at `commit` is the patch's.
    pub matched: usize,
    pub total: usize,
}

/// How the blob guess ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum Guess {
    /// No patch has a usable `index` line (plain diffs, only new files).
    NoIndexLines,
    /// No commit at or before the date has any of the preimages.
    NoMatch { examined: usize },
    /// The best commit (every preimage matched when `matched == total`).
    Found {
        #[serde(flatten)]
        best: GuessedCommit,
        examined: usize,
        /// The search stopped at [`GUESS_LIMIT`] commits without a full match.
        limit_reached: bool,
    },
}

fn git_lines(repo: &Path, args: &[String]) -> Result<Vec<String>, BaseError> {
    let err = |detail: String| BaseError::Git {
        path: repo.to_owned(),
        args: args.join(" "),
        detail,
    };
    let out = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(args)
        .output()
        .map_err(|e| err(format!("cannot run the git CLI: {e}")))?;
    if !out.status.success() {
        return Err(err(String::from_utf8_lossy(&out.stderr).trim().to_owned()));
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect())
}

/// Commits to score, newest first: the newest commit at or before
/// `before`, then the first parent of each commit that changed a
/// preimage's path (the newest commit holding the state before that
/// change). At most [`GUESS_LIMIT`] path-touching commits.
fn guess_candidates(
    repo_dir: &Path,
    repo: &Repository,
    pre: &[Preimage],
    before: Option<i64>,
) -> Result<(Vec<Oid>, bool), BaseError> {
    let mut common = vec!["rev-list".to_owned(), "--all".to_owned()];
    if let Some(t) = before {
        common.push(format!("--before=@{t}"));
    }
    let mut tip = common.clone();
    tip.push("--max-count=1".into());
    let mut touching = common;
    touching.push(format!("--max-count={GUESS_LIMIT}"));
    touching.push("--".into());
    touching.extend(pre.iter().map(|p| p.path.clone()));
    let touching = git_lines(repo_dir, &touching)?;
    let limit_reached = touching.len() >= GUESS_LIMIT;
    let mut out: Vec<Oid> = Vec::new();
    let parents = touching.iter().filter_map(|h| {
        let c = repo.find_commit(Oid::from_str(h).ok()?).ok()?;
        c.parent_id(0).ok()
    });
    for id in git_lines(repo_dir, &tip)?
        .iter()
        .filter_map(|h| Oid::from_str(h).ok())
        .chain(parents)
    {
        if !out.contains(&id) {
            out.push(id);
        }
    }
    Ok((out, limit_reached))
}

/// How many preimages have their blob at `commit`.
fn matching(repo: &Repository, commit: Oid, pre: &[Preimage]) -> usize {
    let Ok(tree) = repo.find_commit(commit).and_then(|c| c.tree()) else {
        return 0;
    };
    pre.iter()
        .filter(|p| {
            tree.get_path(Path::new(&p.path))
                .is_ok_and(|e| e.id().to_string().starts_with(&p.blob))
        })
        .count()
}

/// Guess the base of a series with preimages `pre` in the repository at
/// `repo_dir`: the newest commit at or before `before` with the most
/// matching preimages (stops at the first full match).
pub fn guess_base(
    repo_dir: &Path,
    pre: &[Preimage],
    before: Option<i64>,
) -> Result<Guess, BaseError> {
    if pre.is_empty() {
        return Ok(Guess::NoIndexLines);
    }
    let repo = Repository::discover(repo_dir).map_err(|source| BaseError::Open {
        path: repo_dir.to_owned(),
        source,
    })?;
    let (candidates, limit_reached) = guess_candidates(repo_dir, &repo, pre, before)?;
    let mut best: Option<GuessedCommit> = None;
    let mut examined = 0;
    for id in candidates {
        examined += 1;
        let matched = matching(&repo, id, pre);
        if matched > best.as_ref().map_or(0, |b| b.matched) {
            best = Some(GuessedCommit {
                commit: id.to_string(),
                matched,
                total: pre.len(),
            });
        }
        if matched == pre.len() {
            break;
        }
    }
    Ok(match best {
        None => Guess::NoMatch { examined },
        Some(best) => {
            let full = best.matched == best.total;
            Guess::Found {
                best,
                examined,
                limit_reached: limit_reached && !full,
            }
        }
    })
}

#[cfg(test)]
#[path = "base_tests.rs"]
mod tests;
