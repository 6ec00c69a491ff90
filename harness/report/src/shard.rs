//! Sharding a matrix across CI runners (`--shard i/n`) and merging the
//! shard reports back into one (`harness report merge`).
//!
//! Assignment: the distinct cell ids are sorted, and the cell at sorted
//! position p goes to shard (p mod n) + 1. Every runner computes the same
//! assignment from the same matrix, shards differ in size by at most one,
//! and the result does not depend on the order the matrix lists cells in.

use crate::error::ReportError;
use crate::model::MatrixReport;
use crate::view::normalize;
use std::collections::{BTreeMap, BTreeSet};

/// Parse "i/n" (1 <= i <= n).
pub fn parse_shard(spec: &str) -> Result<(usize, usize), ReportError> {
    let bad = |reason: &str| ReportError::ShardSpec {
        spec: spec.to_string(),
        reason: reason.to_string(),
    };
    let (i, n) = spec.trim().split_once('/').ok_or_else(|| bad("no '/'"))?;
    let i: usize = i.trim().parse().map_err(|_| bad("i is not a number"))?;
    let n: usize = n.trim().parse().map_err(|_| bad("n is not a number"))?;
    if n == 0 {
        return Err(bad("n must be at least 1"));
    }
    if i == 0 || i > n {
        return Err(bad("i must be between 1 and n"));
    }
    Ok((i, n))
}

/// The shard (1-based) of `cell_id` among `all_ids` split `n` ways, or None
/// when the id is not in the list or `n` is 0.
pub fn shard_of<S: AsRef<str>>(all_ids: &[S], cell_id: &str, n: usize) -> Option<usize> {
    if n == 0 {
        return None;
    }
    let sorted: BTreeSet<&str> = all_ids.iter().map(|s| s.as_ref()).collect();
    sorted.iter().position(|s| *s == cell_id).map(|p| p % n + 1)
}

/// Indices (into `cell_ids`, in input order) of the cells that shard `i` of
/// `n` runs. Repeated ids go to the same shard.
pub fn shard_filter<S: AsRef<str>>(
    cell_ids: &[S],
    i: usize,
    n: usize,
) -> Result<Vec<usize>, ReportError> {
    if n == 0 || i == 0 || i > n {
        return Err(ReportError::ShardSpec {
            spec: format!("{i}/{n}"),
            reason: "i must be between 1 and n, n at least 1".into(),
        });
    }
    let sorted: BTreeSet<&str> = cell_ids.iter().map(|s| s.as_ref()).collect();
    let pos: BTreeMap<&str, usize> = sorted.iter().enumerate().map(|(p, s)| (*s, p)).collect();
    Ok(cell_ids
        .iter()
        .enumerate()
        .filter(|(_, id)| pos.get(id.as_ref()).is_some_and(|p| p % n + 1 == i))
        .map(|(k, _)| k)
        .collect())
}

/// Merge shard reports (each with `shard: "i/n"`, all with the same n) into
/// one report: cells sorted by id, trees by name, summary recomputed;
/// `complete` only when every shard 1..=n is present and complete. A merge
/// with shards missing keeps `shard` as "i,j/n" naming the ones present.
pub fn merge(shards: Vec<MatrixReport>) -> Result<MatrixReport, ReportError> {
    if shards.is_empty() {
        return Err(ReportError::Merge("no shard reports given".into()));
    }
    let mut parsed = Vec::with_capacity(shards.len());
    let mut total = None;
    for r in shards {
        let spec = r.shard.clone().ok_or_else(|| {
            ReportError::Merge(format!(
                "report of run {} has no `shard` field: only reports written with --shard i/n can be merged",
                r.run_id
            ))
        })?;
        let (i, n) = parse_shard(&spec)?;
        match total {
            None => total = Some(n),
            Some(t) if t != n => {
                return Err(ReportError::Merge(format!(
                    "shard {spec} does not belong with shards of {t}: all shards must come from the same --shard i/{t} split"
                )))
            }
            Some(_) => {}
        }
        parsed.push((i, r));
    }
    let n = total.unwrap_or(1);
    parsed.sort_by_key(|(i, _)| *i);
    for w in parsed.windows(2) {
        if let [a, b] = w {
            if a.0 == b.0 {
                return Err(ReportError::Merge(format!(
                    "shard {}/{n} given twice (runs {} and {})",
                    a.0, a.1.run_id, b.1.run_id
                )));
            }
        }
    }
    let present: Vec<usize> = parsed.iter().map(|(i, _)| *i).collect();
    let all_present = present.len() == n;
    let all_complete = parsed.iter().all(|(_, r)| r.complete);

    let mut iter = parsed.into_iter();
    let (_, first) = iter
        .next()
        .ok_or_else(|| ReportError::Merge("no shard reports given".into()))?;
    let mut merged = first;
    let mut seen: BTreeSet<String> = merged.cells.iter().map(|c| c.id.clone()).collect();
    for (i, r) in iter {
        if r.started < merged.started {
            merged.started = r.started.clone();
        }
        merged.finished = match (merged.finished.take(), r.finished) {
            (Some(a), Some(b)) => Some(if b > a { b } else { a }),
            _ => None,
        };
        for t in r.trees {
            if !merged.trees.iter().any(|x| x.name == t.name) {
                merged.trees.push(t);
            }
        }
        for c in r.cells {
            if !seen.insert(c.id.clone()) {
                return Err(ReportError::Merge(format!(
                    "cell {} appears in more than one shard (also in shard {i}/{n}): the shards were not split by the same matrix",
                    c.id
                )));
            }
            merged.cells.push(c);
        }
    }
    merged.complete = all_present && all_complete;
    merged.shard = if all_present {
        None
    } else {
        let list: Vec<String> = present.iter().map(|i| i.to_string()).collect();
        Some(format!("{}/{n}", list.join(",")))
    };
    normalize(&mut merged);
    Ok(merged)
}
