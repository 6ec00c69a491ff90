//! `harness apply SERIES --tree auto [--repo DIR]`: the CLI side of base
//! resolution (harness_orchestrate::base / base_tree): the candidates are
//! the named `base-commit:` and the blob guess in DIR, DIR's checkout as
//! it is, and the pinned trees of trees.yaml (always without `--repo`,
//! with it only when `--with-pinned`). Per candidate the counts go to
//! stderr, and the pick with why.

use harness_core::report::{ApplyReport, TreeIdentity};
use harness_ingest::{Ingested, Series};
use harness_orchestrate::apply::Options;
use harness_orchestrate::base::{named_base_commit, BaseCommit, Guess, GUESS_LIMIT};
use harness_orchestrate::base_tree::{
    materialize, resolve, touched_paths, Candidate, CandidateKind, Location, Materialized, Pick,
    Resolution, Scored,
};
use std::path::Path;

/// The chosen base, on disk for the rest of the run.
pub struct Chosen {
    pub resolution: Resolution,
    pub identity: TreeIdentity,
    /// What the report's `tree` says (the directory, or `REPO@COMMIT`).
    pub report_tree: String,
    pub files: Materialized,
}

/// The `--json` report of `--tree auto`: the apply report plus how the
/// base was resolved.
#[derive(serde::Serialize)]
pub struct WithBase<'a> {
    #[serde(flatten)]
    pub report: &'a ApplyReport,
    pub base_resolution: &'a Resolution,
}

/// The `base-commit:` of the chosen series: its patches first, then the
/// cover letters of its revision.
pub fn named_base(series: &Series, ing: &Ingested) -> Option<String> {
    let version = series.patches.first().and_then(|p| p.revision);
    let covers = ing
        .messages
        .iter()
        .filter(|m| m.is_cover() && version.is_none_or(|v| v == m.info.version));
    let texts: Vec<&[u8]> = series
        .patches
        .iter()
        .map(|p| p.content.as_slice())
        .chain(covers.map(|m| m.text.as_bytes()))
        .collect();
    named_base_commit(&texts)
}

fn pinned_candidates() -> anyhow::Result<Vec<Candidate>> {
    let specs = crate::cmd::tree::load_specs(None)?;
    specs
        .names()
        .into_iter()
        .map(|name| {
            let (path, _) = crate::tree_arg::resolve(&name)?.held_for_process();
            Ok(Candidate {
                kind: CandidateKind::Pinned,
                name,
                location: Location::Dir(path),
            })
        })
        .collect()
}

/// Resolve the base, say per candidate how the series fared, and put the
/// picked one on disk (the whole tree when `whole`, for `--into`).
pub fn choose(
    series: &Series,
    named: Option<&str>,
    repo: Option<&Path>,
    with_pinned: bool,
    whole: bool,
    opts: Options,
) -> anyhow::Result<Chosen> {
    let pinned = match repo.is_none() || with_pinned {
        true => pinned_candidates()?,
        false => Vec::new(),
    };
    let (resolution, picked) = resolve(series, named, repo, pinned, opts)?;
    for l in lines(&resolution) {
        eprintln!("harness: --tree auto: {l}");
    }
    let paths = touched_paths(series, opts.strip);
    let files = materialize(&picked, (!whole).then_some(paths.as_slice()))?;
    let (identity, report_tree) = match &picked.location {
        Location::Commit { commit, .. } => (
            TreeIdentity {
                name: picked.name.clone(),
                kind: "git".into(),
                pinned: true,
                version: None,
                sha256: None,
                commit: Some(commit.clone()),
            },
            picked.name.clone(),
        ),
        Location::Dir(d) => {
            let tree = match picked.kind {
                CandidateKind::Pinned => picked.name.clone(),
                _ => d.display().to_string(),
            };
            (
                crate::tree_arg::resolve(&tree)?.held_for_process().1,
                d.display().to_string(),
            )
        }
    };
    Ok(Chosen {
        resolution,
        identity,
        report_tree,
        files,
    })
}

fn kind_words(s: &Scored, r: &Resolution) -> String {
    match s.kind {
        CandidateKind::BaseCommit if r.guess_is_base_commit => {
            "base-commit, also the blob guess".into()
        }
        CandidateKind::BaseCommit => "base-commit".into(),
        CandidateKind::BlobGuess => match &r.guess {
            Some(Guess::Found { best, .. }) => {
                format!(
                    "blob guess: {} of {} preimages match",
                    best.matched, best.total
                )
            }
            _ => "blob guess".into(),
        },
        CandidateKind::Checkout => "checkout as it is".into(),
        CandidateKind::Pinned => "pinned tree".into(),
    }
}

fn base_commit_line(b: &BaseCommit) -> String {
    match b {
        BaseCommit::NotNamed => "the series names no base-commit".into(),
        BaseCommit::NoRepository { named } => {
            format!("base-commit {named}: no --repo DIR to look it up in")
        }
        BaseCommit::NotInRepository { named, repository } => format!(
            "base-commit {named} is not in {} (fetch it there to use it); trying the other candidates",
            repository.display()
        ),
        BaseCommit::Found { named, commit } => format!("base-commit {named}: found ({commit})"),
    }
}

fn guess_line(g: &Guess) -> String {
    match g {
        Guess::NoIndexLines => {
            "blob guess: the patches carry no `index` lines with preimage blob ids".into()
        }
        Guess::NoMatch { examined } => {
            format!("blob guess: none of the {examined} commit(s) looked at holds a preimage")
        }
        Guess::Found {
            best,
            examined,
            limit_reached,
        } => {
            let limit = match limit_reached {
                true => format!("; stopped after {GUESS_LIMIT} commits changing those files"),
                false => String::new(),
            };
            format!(
                "blob guess: {} holds {} of {} preimages ({examined} commit(s) looked at{limit})",
                best.commit, best.matched, best.total
            )
        }
    }
}

/// The stderr lines: what was found, one line per candidate, the pick.
pub fn lines(r: &Resolution) -> Vec<String> {
    let mut out = Vec::new();
    if r.guess.is_some() || r.base_commit != BaseCommit::NotNamed {
        out.push(base_commit_line(&r.base_commit));
    }
    out.extend(r.guess.as_ref().map(guess_line));
    for s in &r.candidates {
        out.push(format!(
            "candidate {} ({}): {} applied, {} already applied, {} failed",
            s.name,
            kind_words(s, r),
            s.applied,
            s.already_applied,
            s.failed
        ));
    }
    let why = match &r.pick {
        Pick::FewestFailed => "fewest failed hunks, then most hunks in the tree".to_owned(),
        Pick::Tie { with } => format!(
            "tie with {} (same counts): the first in candidate order (base-commit, blob guess, \
             checkout, pinned trees in trees.yaml order) is taken",
            with.join(", ")
        ),
    };
    out.push(format!("picked {}: {why}", r.picked));
    out
}

/// `--tree DIR` on a git checkout whose HEAD is not the series'
/// `base-commit:` while DIR has that commit: the line that says so.
pub fn base_commit_note(named: Option<&str>, tree: &Path, head: Option<&str>) -> Option<String> {
    let named = named?;
    let head = head?;
    if head.starts_with(named) {
        return None;
    }
    match harness_orchestrate::base::find_base_commit(Some(named), Some(tree)) {
        BaseCommit::Found { commit, .. } => Some(format!(
            "note: the series names base-commit {named}, which {} has ({commit}) but HEAD is {head}; \
             `--tree auto --repo {}` applies it there",
            tree.display(),
            tree.display()
        )),
        _ => None,
    }
}
