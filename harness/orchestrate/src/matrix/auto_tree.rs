//! `tree: auto` on a matrix series (issue 21 item 3): the series is applied
//! to every tree of the matrix, then only the cells of the tree it applies
//! best to are kept (ranked as `harness apply --tree auto` ranks: fewest
//! failed hunks, then most hunks in the tree, then the first in `trees:`
//! order, ties named). Every shard applies the series to every tree, so all
//! shards pick the same tree.

use super::execute::AppliedPairs;
use super::plan::{Pair, Plan};
use crate::base_tree::{rank, CandidateKind, Pick, Scored};
use harness_report::model::{TreeCandidate, TreeChoice};
use std::collections::BTreeMap;

/// One candidate from a pair's apply result.
fn candidate(
    tree: &str,
    r: Option<&Result<super::stages::Applied, super::stages::StageError>>,
) -> TreeCandidate {
    let mut c = TreeCandidate {
        tree: tree.to_owned(),
        applied: 0,
        already_applied: 0,
        failed: 0,
        error: None,
    };
    match r {
        Some(Ok(a)) => {
            use harness_core::report::HunkStatus;
            for h in a
                .patches
                .iter()
                .flat_map(|p| &p.files)
                .flat_map(|f| &f.hunks)
            {
                match h.status {
                    HunkStatus::Applied => c.applied += 1,
                    HunkStatus::AlreadyApplied => c.already_applied += 1,
                    HunkStatus::Failed | HunkStatus::Malformed => c.failed += 1,
                }
            }
        }
        Some(Err(e)) => c.error = Some(e.to_string()),
        None => c.error = Some("not applied".into()),
    }
    c
}

/// The choice among `candidates` (those without an error), or None.
fn choose(candidates: Vec<TreeCandidate>) -> Option<TreeChoice> {
    let usable: Vec<&TreeCandidate> = candidates.iter().filter(|c| c.error.is_none()).collect();
    let scored: Vec<Scored> = (usable.iter())
        .map(|c| Scored {
            kind: CandidateKind::Pinned,
            name: c.tree.clone(),
            commit: None,
            applied: c.applied,
            already_applied: c.already_applied,
            failed: c.failed,
        })
        .collect();
    let (best, pick) = rank(&scored)?;
    let b = &scored[best];
    let counts = format!(
        "fewest failed hunks ({}), then most in the tree ({})",
        b.failed,
        b.applied + b.already_applied
    );
    let why = match pick {
        Pick::FewestFailed => counts,
        Pick::Tie { with } => format!(
            "{counts}; tied with {}: the first in `trees:` order",
            with.join(", ")
        ),
    };
    Some(TreeChoice {
        picked: b.name.clone(),
        why,
        candidates,
    })
}

/// Pick each `tree: auto` series' tree and drop its other trees' cells and
/// applies from `plan`. Returns the choice per series. A series no tree
/// could take keeps all its cells (each says why it failed).
pub fn pick_trees(
    plan: &mut Plan,
    applied: &AppliedPairs,
    auto_series: &[String],
    tree_order: &[String],
) -> BTreeMap<String, TreeChoice> {
    let mut choices = BTreeMap::new();
    for series in auto_series {
        let candidates = (tree_order.iter())
            .map(|t| {
                let pair = Pair {
                    series: series.clone(),
                    tree: t.clone(),
                };
                candidate(t, applied.get(&pair))
            })
            .collect();
        if let Some(choice) = choose(candidates) {
            choices.insert(series.clone(), choice);
        }
    }
    let keep = |series: &str, tree: &str| choices.get(series).is_none_or(|c| c.picked == tree);
    plan.cells
        .retain(|c| !c.auto_tree || keep(&c.series, &c.tree));
    plan.applies.retain(|p| keep(&p.series, &p.tree));
    choices
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cand(tree: &str, failed: usize, in_tree: usize) -> TreeCandidate {
        TreeCandidate {
            tree: tree.into(),
            applied: in_tree,
            already_applied: 0,
            failed,
            error: None,
        }
    }

    #[test]
    fn fewest_failed_wins_then_most_in_tree_then_trees_order_with_the_tie_named() {
        let c = choose(vec![
            cand("linux-6.12", 136, 368),
            cand("linux-6.1", 4, 500),
        ])
        .expect("pick");
        assert_eq!(c.picked, "linux-6.1");
        assert_eq!(
            c.why,
            "fewest failed hunks (4), then most in the tree (500)"
        );
        let c = choose(vec![cand("a", 0, 3), cand("b", 0, 3)]).expect("pick");
        assert_eq!(c.picked, "a");
        assert!(
            c.why.ends_with("tied with b: the first in `trees:` order"),
            "{}",
            c.why
        );
    }

    #[test]
    fn a_tree_that_could_not_be_used_is_listed_but_never_picked() {
        let mut broken = cand("gone", 0, 0);
        broken.error = Some("tree unavailable".into());
        let c = choose(vec![broken, cand("b", 9, 1)]).expect("pick");
        assert_eq!(c.picked, "b");
        assert_eq!(c.candidates.len(), 2);
        let mut only = cand("gone", 0, 0);
        only.error = Some("x".into());
        assert_eq!(choose(vec![only]), None);
    }
}
