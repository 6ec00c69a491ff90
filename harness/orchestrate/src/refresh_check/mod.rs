//! Refresh check: pair each patch across two revisions of a series
//! (range-diff style), apply both revisions to a tree, and say per patch
//! whether the new revision is a refresh (only context and positions moved)
//! or changes content, and whether a content change mirrors a change in the
//! base (the patch adapts to something renamed under it) or is new.
//! Schema `harness.refresh-check/1`.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use anyhow::{Context, Result};
use harness_core::parse::parse_patch;
use harness_core::patch::{LineKind, ParsedPatch};
use harness_core::report::{AggregateStatus, HunkStatus, PatchResult};
use harness_ingest::{Series, SeriesPatch};

pub use harness_schema::refresh_check::{
    BaseChange, Cause, Change, Comparison, Difference, PairedBy, PatchCheck, RefreshCheckReport,
    SideInfo, SideResult, REFRESH_CHECK_SCHEMA,
};

/// One patch of one side, as pairing needs it.
#[derive(Debug, Clone)]
pub struct PatchDesc {
    /// `n` of `n/N` (or the position in the series).
    pub number: u32,
    pub title: String,
    pub patch: SeriesPatch,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pairing {
    pub old: Option<usize>,
    pub new: Option<usize>,
    pub by: Option<PairedBy>,
}

mod pair;
use pair::norm;
pub use pair::pair;

type Script = Vec<(LineKind, String, String)>; // kind, normalised, raw

fn scripts(p: &ParsedPatch) -> BTreeMap<String, (Script, Vec<String>)> {
    let mut out: BTreeMap<String, (Script, Vec<String>)> = BTreeMap::new();
    for f in &p.files {
        let e = out.entry(f.display_path()).or_default();
        for h in &f.hunks {
            for l in &h.lines {
                let raw = String::from_utf8_lossy(&l.text)
                    .trim_end_matches('\n')
                    .to_owned();
                if l.kind != LineKind::Add {
                    e.1.push(norm(&raw));
                }
                if l.kind != LineKind::Context {
                    e.0.push((l.kind, norm(&raw), raw));
                }
            }
        }
    }
    out
}

/// LCS-based edit script: (Equal|Delete|Insert, index a, index b).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Equal(usize, usize),
    Delete(usize),
    Insert(usize),
}

fn lcs_ops<T: PartialEq>(a: &[T], b: &[T]) -> Vec<Op> {
    // bounded: very long inputs are compared as wholes
    if a.len().saturating_mul(b.len()) > 4_000_000 {
        let mut ops: Vec<Op> = (0..a.len()).map(Op::Delete).collect();
        ops.extend((0..b.len()).map(Op::Insert));
        return ops;
    }
    let (n, m) = (a.len(), b.len());
    let mut t = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            let v = if a.get(i) == b.get(j) {
                t.get(i + 1)
                    .and_then(|r| r.get(j + 1))
                    .copied()
                    .unwrap_or(0)
                    + 1
            } else {
                let down = t.get(i + 1).and_then(|r| r.get(j)).copied().unwrap_or(0);
                let right = t.get(i).and_then(|r| r.get(j + 1)).copied().unwrap_or(0);
                down.max(right)
            };
            if let Some(c) = t.get_mut(i).and_then(|r| r.get_mut(j)) {
                *c = v;
            }
        }
    }
    let at = |i: usize, j: usize| t.get(i).and_then(|r| r.get(j)).copied().unwrap_or(0);
    let (mut i, mut j) = (0, 0);
    let mut ops = Vec::new();
    while i < n || j < m {
        if i < n && j < m && a.get(i) == b.get(j) {
            ops.push(Op::Equal(i, j));
            i += 1;
            j += 1;
        } else if j < m && (i == n || at(i, j + 1) >= at(i + 1, j)) {
            ops.push(Op::Insert(j));
            j += 1;
        } else {
            ops.push(Op::Delete(i));
            i += 1;
        }
    }
    ops
}

/// Runs of deletes/inserts between equal lines, as (deleted, inserted) index lists.
fn change_blocks(ops: &[Op]) -> Vec<(Vec<usize>, Vec<usize>)> {
    let mut out = Vec::new();
    let mut cur: (Vec<usize>, Vec<usize>) = (Vec::new(), Vec::new());
    for op in ops {
        match op {
            Op::Equal(..) => {
                if !cur.0.is_empty() || !cur.1.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            Op::Delete(i) => cur.0.push(*i),
            Op::Insert(j) => cur.1.push(*j),
        }
    }
    if !cur.0.is_empty() || !cur.1.is_empty() {
        out.push(cur);
    }
    out
}

fn tokens(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in s.chars() {
        if c.is_alphanumeric() || c == '_' {
            cur.push(c);
        } else {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            if !c.is_whitespace() {
                out.push(c.to_string());
            }
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn token_edit(a: &str, b: &str) -> (Vec<String>, Vec<String>) {
    let (ta, tb) = (tokens(a), tokens(b));
    let mut del = Vec::new();
    let mut ins = Vec::new();
    for op in lcs_ops(&ta, &tb) {
        match op {
            Op::Delete(i) => del.extend(ta.get(i).cloned()),
            Op::Insert(j) => ins.extend(tb.get(j).cloned()),
            Op::Equal(..) => {}
        }
    }
    (del, ins)
}

/// Compare two revisions of one patch.
pub fn compare(old: &ParsedPatch, new: &ParsedPatch, old_raw: &[u8], new_raw: &[u8]) -> Comparison {
    let so = scripts(old);
    let sn = scripts(new);
    let mut differences = Vec::new();
    let mut base_changes = Vec::new();
    let mut base_del: HashSet<String> = HashSet::new();
    let mut base_ins: HashSet<String> = HashSet::new();
    let mut whitespace_only = false;
    let files: Vec<&String> = {
        let mut f: Vec<&String> = so.keys().chain(sn.keys()).collect();
        f.sort();
        f.dedup();
        f
    };
    // base changes: preimage of old vs preimage of new, per file
    for file in &files {
        let empty = (Vec::new(), Vec::new());
        let (a, b) = (
            so.get(*file).unwrap_or(&empty),
            sn.get(*file).unwrap_or(&empty),
        );
        for (dels, inss) in change_blocks(&lcs_ops(&a.1, &b.1)) {
            for (d, i) in dels.iter().zip(&inss) {
                let (x, y) = (a.1.get(*d), b.1.get(*i));
                if let (Some(x), Some(y)) = (x, y) {
                    let (td, ti) = token_edit(x, y);
                    base_del.extend(td);
                    base_ins.extend(ti);
                    base_changes.push(BaseChange {
                        file: (*file).clone(),
                        old: x.clone(),
                        new: y.clone(),
                    });
                }
            }
            // lines only in one preimage: their tokens are base changes too
            for d in dels.iter().skip(inss.len()) {
                if let Some(x) = a.1.get(*d) {
                    base_del.extend(tokens(x));
                }
            }
            for i in inss.iter().skip(dels.len()) {
                if let Some(y) = b.1.get(*i) {
                    base_ins.extend(tokens(y));
                }
            }
        }
    }
    for file in &files {
        let empty = (Vec::new(), Vec::new());
        let (a, b) = (
            so.get(*file).unwrap_or(&empty),
            sn.get(*file).unwrap_or(&empty),
        );
        let key_a: Vec<(LineKind, &str)> = a.0.iter().map(|(k, n, _)| (*k, n.as_str())).collect();
        let key_b: Vec<(LineKind, &str)> = b.0.iter().map(|(k, n, _)| (*k, n.as_str())).collect();
        if key_a == key_b {
            let raw_a: Vec<&str> = a.0.iter().map(|(_, _, r)| r.as_str()).collect();
            let raw_b: Vec<&str> = b.0.iter().map(|(_, _, r)| r.as_str()).collect();
            if raw_a != raw_b {
                whitespace_only = true;
            }
            continue;
        }
        for (dels, inss) in change_blocks(&lcs_ops(&key_a, &key_b)) {
            // pair lines of the same kind in order
            let mut used_ins = vec![false; inss.len()];
            for d in &dels {
                let Some((kd, _, rd)) = a.0.get(*d) else {
                    continue;
                };
                let partner = inss.iter().enumerate().find(|(k, i)| {
                    !used_ins.get(*k).copied().unwrap_or(true)
                        && b.0.get(**i).is_some_and(|(ki, _, _)| ki == kd)
                });
                let kind = if *kd == LineKind::Add {
                    "added"
                } else {
                    "removed"
                };
                match partner {
                    Some((k, i)) => {
                        if let Some(u) = used_ins.get_mut(k) {
                            *u = true;
                        }
                        let ri = b.0.get(*i).map(|x| x.2.clone()).unwrap_or_default();
                        let (td, ti) = token_edit(rd, &ri);
                        let explained = !(td.is_empty() && ti.is_empty())
                            && td.iter().all(|t| base_del.contains(t))
                            && ti.iter().all(|t| base_ins.contains(t));
                        // a removed line that differs is the base itself having changed
                        let cause = if *kd == LineKind::Remove || explained {
                            Cause::MirrorsBase
                        } else {
                            Cause::NewChange
                        };
                        differences.push(Difference {
                            file: (*file).clone(),
                            kind,
                            old: Some(rd.clone()),
                            new: Some(ri),
                            cause,
                            tokens_removed: td,
                            tokens_inserted: ti,
                        });
                    }
                    None => {
                        // a removed line the new revision no longer removes: if the
                        // new preimage lacks it too, the base dropped it
                        let cause =
                            if *kd == LineKind::Remove && !b.1.iter().any(|x| x == &norm(rd)) {
                                Cause::MirrorsBase
                            } else {
                                Cause::NewChange
                            };
                        differences.push(Difference {
                            file: (*file).clone(),
                            kind,
                            old: Some(rd.clone()),
                            new: None,
                            cause,
                            tokens_removed: Vec::new(),
                            tokens_inserted: Vec::new(),
                        });
                    }
                }
            }
            for (k, i) in inss.iter().enumerate() {
                if used_ins.get(k).copied().unwrap_or(false) {
                    continue;
                }
                let Some((ki, _, ri)) = b.0.get(*i) else {
                    continue;
                };
                let cause = if *ki == LineKind::Remove && !a.1.iter().any(|x| x == &norm(ri)) {
                    Cause::MirrorsBase
                } else {
                    Cause::NewChange
                };
                differences.push(Difference {
                    file: (*file).clone(),
                    kind: if *ki == LineKind::Add {
                        "added"
                    } else {
                        "removed"
                    },
                    old: None,
                    new: Some(ri.clone()),
                    cause,
                    tokens_removed: Vec::new(),
                    tokens_inserted: Vec::new(),
                });
            }
        }
    }
    Comparison {
        change: if differences.is_empty() {
            Change::RefreshOnly
        } else {
            Change::ContentChanged
        },
        identical: old_raw_diff(old_raw) == old_raw_diff(new_raw),
        whitespace_only,
        differences,
        base_changes,
    }
}

/// The diff part of a patch text (from the first `--- `/`diff ` line on).
fn old_raw_diff(raw: &[u8]) -> &[u8] {
    let text = raw;
    let mut pos = 0;
    for line in text.split_inclusive(|&b| b == b'\n') {
        if line.starts_with(b"--- ") || line.starts_with(b"diff --git ") {
            return text.get(pos..).unwrap_or_default();
        }
        pos += line.len();
    }
    text
}

/// Patches of a loaded series, numbered by their `n/N` when the subject has one.
pub fn describe(series: &Series) -> Vec<PatchDesc> {
    series
        .patches
        .iter()
        .map(|p| {
            let info = harness_ingest::subject::parse(p.subject.as_deref().unwrap_or(&p.name));
            PatchDesc {
                number: info.number.unwrap_or(p.index as u32),
                title: if info.title.is_empty() {
                    p.name.clone()
                } else {
                    info.title
                },
                patch: p.clone(),
            }
        })
        .collect()
}

fn side_result(r: Option<&PatchResult>) -> Option<SideResult> {
    r.map(|p| SideResult {
        name: p.name.clone(),
        subject: p.subject.clone(),
        status: p.status,
        files: p.files.clone(),
        errors: p.errors.clone(),
    })
}

fn summarise(c: &Comparison, new: Option<&SideResult>, old: Option<&SideResult>) -> String {
    let applies = |s: Option<&SideResult>| {
        s.map(|s| {
            matches!(
                s.status,
                AggregateStatus::Applied | AggregateStatus::AlreadyApplied
            )
        })
    };
    let failed_hunks = |s: Option<&SideResult>| -> usize {
        s.map_or(0, |s| {
            s.files
                .iter()
                .flat_map(|f| &f.hunks)
                .filter(|h| !matches!(h.status, HunkStatus::Applied | HunkStatus::AlreadyApplied))
                .count()
        })
    };
    let mut parts = Vec::new();
    match (applies(old), applies(new)) {
        (Some(false), Some(true)) => parts.push(format!(
            "the old revision has {} hunk(s) that do not apply; the new one applies",
            failed_hunks(old)
        )),
        (Some(true), Some(true)) => parts.push("both revisions apply".to_string()),
        (_, Some(false)) => parts.push(format!(
            "the new revision still has {} hunk(s) that do not apply",
            failed_hunks(new)
        )),
        _ => {}
    }
    let new_changes = c
        .differences
        .iter()
        .filter(|d| d.cause == Cause::NewChange)
        .count();
    let mirrors = c.differences.len() - new_changes;
    match c.change {
        Change::RefreshOnly if c.identical => parts.push("the diffs are identical".into()),
        Change::RefreshOnly => parts.push("refresh only: context and positions moved".into()),
        _ => parts.push(format!(
            "content changed: {mirrors} changed line(s) follow changes in the base, {new_changes} are new"
        )),
    }
    parts.join("; ")
}

/// Check `old` against `new` on `tree`.
pub fn refresh_check(
    old: &Series,
    new: &Series,
    old_label: (&str, &str),
    new_label: (&str, &str),
    tree: &Path,
    opts: crate::apply::Options,
) -> Result<RefreshCheckReport> {
    let od = describe(old);
    let nd = describe(new);
    let pairs = pair(&od, &nd);
    let old_out = crate::apply::apply_series_to_dir(old, tree, opts)
        .with_context(|| format!("applying the old revision to {}", tree.display()))?;
    let new_out = crate::apply::apply_series_to_dir(new, tree, opts)
        .with_context(|| format!("applying the new revision to {}", tree.display()))?;
    let mut patches = Vec::new();
    for p in pairs {
        let o = p.old.and_then(|i| od.get(i));
        let n = p.new.and_then(|j| nd.get(j));
        let ores = p.old.and_then(|i| old_out.report.patches.get(i));
        let nres = p.new.and_then(|j| new_out.report.patches.get(j));
        let (cmp, number, title) = match (o, n) {
            (Some(o), Some(n)) => {
                let po = parse_patch(&o.patch.content, o.patch.strip);
                let pn = parse_patch(&n.patch.content, n.patch.strip);
                (
                    compare(&po, &pn, &o.patch.content, &n.patch.content),
                    n.number,
                    n.title.clone(),
                )
            }
            (None, Some(n)) => (
                Comparison {
                    change: Change::Added,
                    identical: false,
                    whitespace_only: false,
                    differences: Vec::new(),
                    base_changes: Vec::new(),
                },
                n.number,
                n.title.clone(),
            ),
            (Some(o), None) => (
                Comparison {
                    change: Change::Dropped,
                    identical: false,
                    whitespace_only: false,
                    differences: Vec::new(),
                    base_changes: Vec::new(),
                },
                o.number,
                o.title.clone(),
            ),
            (None, None) => continue,
        };
        let old_side = side_result(ores);
        let new_side = side_result(nres);
        let summary = summarise(&cmp, new_side.as_ref(), old_side.as_ref());
        patches.push(PatchCheck {
            number,
            title,
            paired_by: p.by,
            old: old_side,
            new: new_side,
            change: cmp.change,
            identical: cmp.identical,
            whitespace_only: cmp.whitespace_only,
            differences: cmp.differences,
            base_changes: cmp.base_changes,
            summary,
        });
    }
    let new_ok = matches!(
        new_out.report.status,
        AggregateStatus::Applied | AggregateStatus::AlreadyApplied
    );
    let ok = new_ok
        && patches
            .iter()
            .all(|p| p.differences.iter().all(|d| d.cause == Cause::MirrorsBase));
    Ok(RefreshCheckReport {
        schema: REFRESH_CHECK_SCHEMA.into(),
        tree: tree.display().to_string(),
        old: SideInfo {
            source: old_label.0.into(),
            revision: old_label.1.into(),
            status: old_out.report.status,
        },
        new: SideInfo {
            source: new_label.0.into(),
            revision: new_label.1.into(),
            status: new_out.report.status,
        },
        patches,
        ok,
    })
}

/// The SOURCE form: the first and the newest revision of each patch of a
/// mail source (patches with one revision are compared with themselves).
pub fn refresh_check_source(
    source: &Path,
    tree: &Path,
    opts: crate::apply::Options,
) -> Result<RefreshCheckReport> {
    let ing =
        harness_ingest::ingest(source).with_context(|| format!("reading {}", source.display()))?;
    let pick = |r: harness_ingest::RevisionChoice| {
        ing.to_series(&harness_ingest::LoadOptions {
            revision: r,
            series: None,
        })
        .map_err(|e| anyhow::anyhow!("{}: {e}", source.display()))
    };
    let old = pick(harness_ingest::RevisionChoice::Oldest)?;
    let new = pick(harness_ingest::RevisionChoice::Newest)?;
    let src = source.display().to_string();
    refresh_check(
        &old,
        &new,
        (&src, "first revision of each patch"),
        (&src, "newest revision of each patch"),
        tree,
        opts,
    )
}

#[cfg(test)]
mod tests;
