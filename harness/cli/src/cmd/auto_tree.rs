//! `harness apply SERIES --tree auto`: apply the series to every pinned
//! tree of trees.yaml, report per candidate how many hunks apply, fail or
//! are already applied, and pick the best (ties explained).

use harness_core::report::{ApplyReport, HunkStatus};
use harness_ingest::Series;
use harness_orchestrate::apply::{apply_series_to_dir, Options};
use std::path::PathBuf;

/// One candidate base and what the series did on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub name: String,
    pub path: PathBuf,
    pub applied: usize,
    pub already: usize,
    pub failed: usize,
}

impl Candidate {
    /// Better first: fewer failed hunks, then more hunks in the tree.
    fn key(&self) -> (usize, std::cmp::Reverse<usize>) {
        (self.failed, std::cmp::Reverse(self.applied + self.already))
    }
}

/// Hunk counts of a report: (applied, already applied, failed or malformed).
fn counts(r: &ApplyReport) -> (usize, usize, usize) {
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

/// Apply `series` to each pinned tree (fetched if needed), print the
/// per-candidate counts on stderr, and return the chosen tree's name.
pub fn choose(series: &Series, opts: Options) -> anyhow::Result<String> {
    let specs = crate::cmd::tree::load_specs(None)?;
    let mut cands = Vec::new();
    for name in specs.names() {
        let path = crate::cmd::apply::resolve_tree(&name)?;
        let out = apply_series_to_dir(series, &path, opts)?;
        let (applied, already, failed) = counts(&out.report);
        cands.push(Candidate {
            name,
            path,
            applied,
            already,
            failed,
        });
    }
    let (best, lines) = rank(cands)?;
    for l in lines {
        eprintln!("harness: --tree auto: {l}");
    }
    Ok(best.name)
}

/// The best candidate and the lines saying why (stable: on equal counts
/// the first in trees.yaml order wins, and the tie is said).
pub fn rank(mut cands: Vec<Candidate>) -> anyhow::Result<(Candidate, Vec<String>)> {
    let mut lines: Vec<String> = cands
        .iter()
        .map(|c| {
            format!(
                "candidate {} (pinned tree): {} applied, {} already applied, {} failed",
                c.name, c.applied, c.already, c.failed
            )
        })
        .collect();
    cands.sort_by_key(Candidate::key);
    let best = cands
        .first()
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("--tree auto: trees.yaml defines no tree"))?;
    let tied: Vec<&str> = cands
        .iter()
        .skip(1)
        .filter(|c| c.key() == best.key())
        .map(|c| c.name.as_str())
        .collect();
    let why = match tied.is_empty() {
        true => "fewest failed hunks, then most hunks in the tree".to_owned(),
        false => format!(
            "tie with {} (same counts): the first in trees.yaml order is taken",
            tied.join(", ")
        ),
    };
    lines.push(format!("picked {}: {why}", best.name));
    Ok((best, lines))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(name: &str, applied: usize, already: usize, failed: usize) -> Candidate {
        Candidate {
            name: name.into(),
            path: PathBuf::from(name),
            applied,
            already,
            failed,
        }
    }

    #[test]
    fn fewest_failures_then_most_in_tree_then_order_with_the_tie_said() {
        let (b, l) = rank(vec![c("a", 10, 0, 2), c("b", 8, 0, 0), c("c", 5, 3, 0)]).expect("rank");
        assert_eq!(b.name, "b");
        assert!(l.last().is_some_and(|x| x.contains("tie with c")), "{l:?}");
        let (b, l) = rank(vec![c("a", 10, 0, 2), c("b", 9, 0, 0)]).expect("rank");
        assert_eq!(b.name, "b");
        assert!(
            l.last().is_some_and(|x| x.contains("fewest failed")),
            "{l:?}"
        );
        assert!(rank(vec![]).is_err());
    }
}
