//! The decision procedure behind `diagnose_hunk`.
//!
//! Order (first that fits wins): file missing (moved / depends on an earlier
//! patch / missing); postimage present (already applied); preimage present
//! exactly (ambiguous or placed backwards); preimage present once whitespace is
//! ignored (whitespace damage); preimage needs lines an earlier failed hunk adds
//! (depends on earlier patch); most added lines present (partly applied);
//! the lines to change intact elsewhere (context drifted / ambiguous); else
//! target changed. `Unknown` only when the file has nothing in common with
//! the hunk and no other evidence exists.

use super::align::{
    added_lines, align_in, diff_lines, is_generic, lead_trail, most_similar_in, nearest, norm_ws,
    removed_lines, similarity, Alignment,
};
use super::index::FileIndex;
use super::missing::missing_file;
use super::others::OtherFiles;
use super::{Cause, Closest, Diagnosis, DiffTag, EarlierFailure, EarlierFailures, HunkContext};

pub fn diagnose(
    h: &HunkContext<'_>,
    ix: Option<&FileIndex<'_>>,
    tree: &OtherFiles<'_>,
    earlier: &EarlierFailures,
) -> Diagnosis {
    let Some(ix) = ix else {
        return missing_file(h, tree, earlier);
    };
    let file = ix.lines();
    let old = h.old_lines;
    let new = h.new_lines;
    let exp0 = h.expected_line.saturating_sub(1);

    if old.is_empty() {
        // A creation hunk whose target exists.
        if file == new {
            let mut d = Diagnosis::new(
                Cause::AlreadyApplied,
                format!(
                    "{} already exists with exactly the content this patch creates",
                    h.path
                ),
            );
            d.next_step = "drop this file from the patch: the tree already has it".into();
            return d;
        }
        let mut d = Diagnosis::new(
            Cause::TargetChanged,
            format!(
                "the patch creates {} but the tree already has a different file there ({} lines)",
                h.path,
                file.len()
            ),
        );
        d.next_step = format!(
            "compare the patch's new file with the existing {}: turn the creation into a modification, or drop it if the tree's version supersedes it",
            h.path
        );
        return d;
    }

    let old_hits = ix.find_exact(old);

    // 1. The postimage is there and the preimage is not: already applied.
    if old_hits.is_empty() && old != new {
        if let Some(at) = nearest(&ix.find_exact(new), exp0) {
            return already_applied(h, file, at, false);
        }
    }

    // 2. The preimage is there verbatim, yet the hunk was not applied: the
    //    engine refused the position (before an earlier hunk) or several fit.
    if !old_hits.is_empty() {
        let at = nearest(&old_hits, exp0).unwrap_or(0);
        if old_hits.len() > 1 {
            return ambiguous(h, ix, &old_hits, at, "the hunk's whole preimage");
        }
        let mut d = Diagnosis::new(
            Cause::ContextDrifted,
            format!(
                "the hunk's preimage is intact at line {} ({} lines from where it was expected), but that is before where the previous hunk of this file applied, and hunks are never placed backwards",
                at + 1,
                signed(at as i64 - exp0 as i64)
            ),
        );
        d.closest = Some(Closest {
            line: at + 1,
            len: old.len(),
            score: 1.0,
        });
        d.diff = diff_lines(old, file, at, old.len());
        d.next_step = format!(
            "reorder the hunks of this file so they ascend (this one belongs at line {}), or check that the previous hunk did not land in the wrong place",
            at + 1
        );
        return d;
    }

    // 3. Whitespace damage.
    let nold: Vec<String> = old.iter().map(|l| norm_ws(l)).collect();
    let ws_hits = ix.find_norm(&nold);
    if !ws_hits.is_empty() {
        let at = nearest(&ws_hits, exp0).unwrap_or(0);
        let differing = old
            .iter()
            .zip(file.iter().skip(at))
            .filter(|(a, b)| a != b)
            .count();
        let mut d = Diagnosis::new(
            Cause::WhitespaceDamage,
            format!(
                "the hunk matches at line {} once whitespace is ignored; {} of its {} preimage lines differ only in whitespace (tabs lost or spaces changed, typical of mail or web-archive damage)",
                at + 1,
                differing,
                old.len()
            ),
        );
        d.closest = Some(Closest {
            line: at + 1,
            len: old.len(),
            score: 1.0,
        });
        d.diff = diff_lines(old, file, at, old.len());
        d.candidates = if ws_hits.len() > 1 {
            ws_hits.iter().map(|x| x + 1).collect()
        } else {
            Vec::new()
        };
        d.next_step = format!(
            "re-fetch the patch from a source that keeps whitespace (the raw mail or a git tree), or apply ignoring whitespace (`patch -l`); it belongs at line {}",
            at + 1
        );
        return d;
    }
    if old != new {
        let nnew: Vec<String> = new.iter().map(|l| norm_ws(l)).collect();
        let hits = ix.find_norm(&nnew);
        if let Some(at) = nearest(&hits, exp0) {
            return already_applied(h, file, at, true);
        }
    }

    // Best alignment of the preimage, used by everything below.
    let al = align_in(old, ix, exp0);
    let mut diag = match al {
        Some(a) => with_alignment(old, file, a),
        None => Diagnosis::default(),
    };

    // 4. Depends on an earlier failed patch (strong evidence: the missing
    //    preimage lines are ones an earlier failed hunk would have added).
    let missing = missing_lines(old, ix, &diag);
    if let Some(patch) = earlier_provider(h.path, &missing, earlier) {
        diag.cause = Cause::DependsOnEarlierPatch;
        diag.earlier_patch = Some(patch);
        let example = missing.first().map(|l| l.trim()).unwrap_or("");
        let (who, fix) = if patch == earlier.current {
            (
                "an earlier part of this patch".to_owned(),
                "fix that part first".to_owned(),
            )
        } else {
            let label = earlier.label(patch);
            (
                format!("patch {label} of this series"),
                format!("fix patch {label} first"),
            )
        };
        diag.summary = format!(
            "the hunk expects {} line(s) that {who} would have added to {} (e.g. `{}`), and it failed here",
            missing.len(),
            h.path,
            example
        );
        diag.next_step = format!(
            "{fix}; this hunk should apply once those hunks on {} do",
            h.path
        );
        return diag;
    }

    // 5. Partly (or differently) applied.
    if let Some(d) = partly_applied(h, ix, al, exp0) {
        return d;
    }

    // 6. The lines to change: intact elsewhere, in several places, or changed.
    let (lead, trail) = lead_trail(old, new);
    let core_end = old.len().saturating_sub(trail).max(lead);
    let core = old.get(lead..core_end).unwrap_or(&[]);
    if !core.is_empty() {
        let hits = ix.find_exact(core);
        let distinctive = core.iter().any(|l| !is_generic(l));
        if hits.len() == 1
            || (hits.len() > 1 && !distinctive && near_alignment(&hits, al).is_some())
        {
            let at = if hits.len() == 1 {
                hits[0]
            } else {
                near_alignment(&hits, al).unwrap_or(hits[0])
            };
            return context_drifted(
                h,
                ix,
                diag,
                al,
                at,
                core.len(),
                "the lines this hunk changes",
            );
        }
        if hits.len() > 1 {
            if let Some(at) = near_alignment(&hits, al) {
                return context_drifted(
                    h,
                    ix,
                    diag,
                    al,
                    at,
                    core.len(),
                    "the lines this hunk changes",
                );
            }
            let at = nearest(&hits, exp0).unwrap_or(hits[0]);
            return ambiguous(h, ix, &hits, at, "the lines this hunk changes");
        }
        return target_changed(h, ix, tree, diag, al, earlier, core);
    }

    // Pure insertion: is the insertion point (the context on either side) intact?
    let before = old.get(..lead).unwrap_or(&[]);
    let after = old.get(lead..).unwrap_or(&[]);
    let bh = ix.find_exact(before);
    let ah = ix.find_exact(after);
    let b_ok = before.iter().any(|l| !is_generic(l));
    let a_ok = after.iter().any(|l| !is_generic(l));
    if b_ok && bh.len() == 1 {
        let at = bh[0] + before.len();
        return insertion_point(h, ix, diag, al, at, "before", before);
    }
    if a_ok && ah.len() == 1 {
        let at = ah[0];
        return insertion_point(h, ix, diag, al, at, "after", after);
    }
    if bh.len() > 1 || ah.len() > 1 {
        let hits: Vec<usize> = if bh.len() > 1 {
            bh.iter().map(|x| x + before.len()).collect()
        } else {
            ah.clone()
        };
        if let Some(at) = near_alignment(&hits, al) {
            let side = if bh.len() > 1 { "before" } else { "after" };
            let ctx = if bh.len() > 1 { before } else { after };
            return insertion_point(h, ix, diag, al, at, side, ctx);
        }
        let at = nearest(&hits, exp0).unwrap_or(0);
        return ambiguous(h, ix, &hits, at, "the context around the insertion point");
    }
    target_changed(h, ix, tree, diag, al, earlier, old)
}

fn signed(n: i64) -> String {
    if n >= 0 {
        format!("+{n}")
    } else {
        n.to_string()
    }
}

fn first_line(s: &str) -> String {
    let t = s.trim();
    if t.chars().count() > 72 {
        let cut: String = t.chars().take(69).collect();
        format!("{cut}...")
    } else {
        t.to_owned()
    }
}

fn already_applied(h: &HunkContext<'_>, file: &[&str], at: usize, ws: bool) -> Diagnosis {
    let mut d = Diagnosis::new(
        Cause::AlreadyApplied,
        format!(
            "the tree already contains this hunk's result at line {}{} and not its preimage: the change (or an equivalent upstream commit) is already applied",
            at + 1,
            if ws { " (ignoring whitespace)" } else { "" }
        ),
    );
    d.closest = Some(Closest {
        line: at + 1,
        len: h.new_lines.len(),
        score: 1.0,
    });
    d.diff = diff_lines(h.new_lines, file, at, h.new_lines.len());
    d.next_step = "drop this hunk (and the patch, if all its hunks are already applied): the tree already has the change".into();
    d
}

fn ambiguous(
    h: &HunkContext<'_>,
    ix: &FileIndex<'_>,
    hits: &[usize],
    at: usize,
    what: &str,
) -> Diagnosis {
    let file = ix.lines();
    let lines: Vec<usize> = hits.iter().map(|x| x + 1).collect();
    let shown: Vec<String> = lines.iter().take(8).map(|l| l.to_string()).collect();
    let mut d = Diagnosis::new(
        Cause::Ambiguous,
        format!(
            "{what} match{} in {} places (lines {}{}) and none of them carries the whole context",
            if what.ends_with('s') { "" } else { "es" },
            hits.len(),
            shown.join(", "),
            if lines.len() > 8 { ", ..." } else { "" }
        ),
    );
    d.candidates = lines;
    let len = h.old_lines.len();
    d.closest = Some(Closest {
        line: at + 1,
        len,
        score: 0.0,
    });
    if let Some(a) = align_in(h.old_lines, ix, at) {
        d.closest = Some(Closest {
            line: a.start + 1,
            len: a.len,
            score: a.score,
        });
        d.diff = diff_lines(h.old_lines, file, a.start, a.len);
    }
    d.next_step = format!(
        "regenerate the hunk with more context (e.g. `diff -U6`) so it matches one place only; the nearest candidate is line {}",
        at + 1
    );
    d
}

fn with_alignment(old: &[&str], file: &[&str], a: Alignment) -> Diagnosis {
    let mut d = Diagnosis::default();
    d.closest = Some(Closest {
        line: a.start + 1,
        len: a.len,
        score: round2(a.score),
    });
    d.diff = diff_lines(old, file, a.start, a.len);
    d.conflict_lines = conflict_lines(&d);
    d
}

pub(super) fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// File lines that conflict with the hunk: found-only lines, and the file
/// lines next to a gap where expected lines are missing.
fn conflict_lines(d: &Diagnosis) -> Vec<usize> {
    let mut out = Vec::new();
    let diff = &d.diff;
    let mut k = 0;
    while k < diff.len() {
        match diff[k].tag {
            DiffTag::Found => {
                out.extend(diff[k].line);
                k += 1;
            }
            DiffTag::Same => k += 1,
            DiffTag::Expected => {
                // A run of expected-only lines; if nothing in the file
                // replaced them, the lines around the gap are what changed.
                let start = k;
                while k < diff.len() && diff[k].tag == DiffTag::Expected {
                    k += 1;
                }
                let before = start.checked_sub(1).and_then(|b| diff.get(b));
                let after = diff.get(k);
                let replaced = before.is_some_and(|x| x.tag == DiffTag::Found)
                    || after.is_some_and(|x| x.tag == DiffTag::Found);
                if !replaced {
                    out.extend(before.and_then(|x| x.line));
                    out.extend(after.and_then(|x| x.line));
                }
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Non-generic preimage lines that are nowhere in the file (whitespace ignored).
fn missing_lines<'a>(old: &[&'a str], ix: &FileIndex<'_>, d: &Diagnosis) -> Vec<&'a str> {
    let expected: Vec<&'a str> = if d.diff.is_empty() {
        old.to_vec()
    } else {
        let exp: std::collections::HashSet<&str> = d
            .diff
            .iter()
            .filter(|x| x.tag == DiffTag::Expected)
            .map(|x| x.text.as_str())
            .collect();
        old.iter().copied().filter(|l| exp.contains(l)).collect()
    };
    expected
        .into_iter()
        .filter(|l| !is_generic(l) && !ix.has_norm(&norm_ws(l)))
        .collect()
}

/// An earlier failed patch whose hunks on `path` add one of `missing`.
fn earlier_provider(path: &str, missing: &[&str], earlier: &EarlierFailures) -> Option<usize> {
    if missing.is_empty() {
        return None;
    }
    let want: std::collections::HashSet<String> = missing.iter().map(|l| norm_ws(l)).collect();
    earlier
        .hunks
        .iter()
        .filter(|eh| eh.path == path)
        .find(|eh| {
            eh.added
                .iter()
                .any(|a| !is_generic(a) && want.contains(&norm_ws(a)))
        })
        .map(|eh| eh.patch)
}

/// Partly applied: most of the distinctive lines the hunk adds are already in
/// the file where the postimage fits best, and that fits better than the preimage.
fn partly_applied(
    h: &HunkContext<'_>,
    ix: &FileIndex<'_>,
    al: Option<Alignment>,
    exp0: usize,
) -> Option<Diagnosis> {
    let file = ix.lines();
    let added = added_lines(h.old_lines, h.new_lines);
    let distinctive: Vec<&str> = added.iter().copied().filter(|l| !is_generic(l)).collect();
    if distinctive.is_empty() {
        return None;
    }
    let an = align_in(h.new_lines, ix, exp0)?;
    if let Some(ao) = al {
        if an.matched <= ao.matched {
            return None;
        }
    }
    let lo = an.start.saturating_sub(5);
    let hi = (an.start + an.len + 5).min(file.len());
    let region = file.get(lo..hi).unwrap_or(&[]);
    let mut exact = 0usize;
    let mut similar_only: Vec<(String, usize, String)> = Vec::new();
    let mut absent: Vec<&str> = Vec::new();
    for a in &distinctive {
        let na = norm_ws(a);
        if region.iter().any(|r| norm_ws(r) == na) {
            exact += 1;
        } else if let Some((i, r)) = region
            .iter()
            .enumerate()
            .map(|(i, r)| (i, similarity(a, r)))
            .filter(|(_, s)| *s >= 0.75)
            .max_by(|x, y| x.1.partial_cmp(&y.1).unwrap_or(std::cmp::Ordering::Equal))
            .map(|(i, _)| (i, region[i]))
        {
            similar_only.push((a.trim().to_owned(), lo + i + 1, r.trim().to_owned()));
        } else {
            absent.push(a);
        }
    }
    let present = exact + similar_only.len();
    if present * 2 < distinctive.len() || exact == 0 || present < 2.min(distinctive.len()) {
        return None;
    }
    let removed = removed_lines(h.old_lines, h.new_lines);
    let removed_still: usize = removed
        .iter()
        .filter(|r| !is_generic(r) && region.iter().any(|x| norm_ws(x) == norm_ws(r)))
        .count();
    let mut d = with_alignment(h.new_lines, file, an);
    d.conflict_lines = conflict_lines(&d);
    if present == distinctive.len() && similar_only.is_empty() && removed_still == 0 {
        d.cause = Cause::AlreadyApplied;
        d.summary = format!(
            "all {} distinctive lines this hunk adds are already at line {} (with different context around them): the change is already applied",
            distinctive.len(),
            an.start + 1
        );
        d.next_step = "drop this hunk: the tree already has what it adds".into();
        return Some(d);
    }
    d.cause = Cause::PartlyApplied;
    let mut s = format!(
        "{} of the {} distinctive lines this hunk adds are already in the file near line {}",
        present,
        distinctive.len(),
        an.start + 1
    );
    if !similar_only.is_empty() {
        let (want, at, found) = &similar_only[0];
        s.push_str(&format!(
            " ({} only in a variant form, e.g. line {at} reads `{}` where the hunk adds `{}`)",
            similar_only.len(),
            first_line(found),
            first_line(want)
        ));
    }
    s.push_str(": an earlier or reworked version of this change is already in the tree");
    d.summary = s;
    d.next_step = if absent.is_empty() {
        format!(
            "compare the tree's version at line {} with the hunk; drop the hunk if the tree's version supersedes it",
            an.start + 1
        )
    } else {
        format!(
            "compare the tree's version at line {} with the hunk; drop the hunk if the tree's version supersedes it, otherwise port only what is missing (e.g. `{}`)",
            an.start + 1,
            first_line(absent[0])
        )
    };
    Some(d)
}

/// The hit inside (or right next to) the best alignment, if any.
fn near_alignment(hits: &[usize], al: Option<Alignment>) -> Option<usize> {
    let a = al?;
    if a.score < 0.5 {
        return None;
    }
    let inside: Vec<usize> = hits
        .iter()
        .copied()
        .filter(|&x| x + 2 >= a.start && x <= a.start + a.len + 2)
        .collect();
    if inside.len() == 1 {
        inside.first().copied()
    } else {
        None
    }
}

/// First found-vs-expected difference of the diagnosis, for the summary.
fn first_difference(d: &Diagnosis) -> Option<String> {
    let exp = d.diff.iter().find(|x| x.tag == DiffTag::Expected);
    let found = d.diff.iter().find(|x| x.tag == DiffTag::Found);
    match (exp, found) {
        (Some(e), Some(f)) => Some(format!(
            "expected `{}`, found `{}` at line {}",
            first_line(&e.text),
            first_line(&f.text),
            f.line.unwrap_or(0)
        )),
        (Some(e), None) => Some(format!("`{}` is gone", first_line(&e.text))),
        (None, Some(f)) => Some(format!(
            "line {} `{}` is new",
            f.line.unwrap_or(0),
            first_line(&f.text)
        )),
        (None, None) => None,
    }
}

fn context_drifted(
    h: &HunkContext<'_>,
    ix: &FileIndex<'_>,
    mut d: Diagnosis,
    al: Option<Alignment>,
    at: usize,
    core_len: usize,
    what: &str,
) -> Diagnosis {
    let file = ix.lines();
    if al.is_none_or(|a| at + 2 < a.start || at > a.start + a.len + 2) {
        if let Some(a) = align_in(h.old_lines, ix, at) {
            d = with_alignment(h.old_lines, file, a);
        }
    }
    let exp0 = h.expected_line.saturating_sub(1);
    d.cause = Cause::ContextDrifted;
    let diff = first_difference(&d);
    d.summary = format!(
        "{what} ({core_len} line{}) are intact at line {} ({} from where expected), but the context around them changed{}",
        if core_len == 1 { "" } else { "s" },
        at + 1,
        signed(at as i64 - exp0 as i64),
        diff.map(|x| format!(": {x}")).unwrap_or_default()
    );
    let ctx_line = d
        .diff
        .iter()
        .find(|x| x.tag == DiffTag::Found)
        .map(|x| format!(" where the context now reads `{}`", first_line(&x.text)))
        .unwrap_or_default();
    d.next_step = format!(
        "rebase the hunk onto line {}{ctx_line}: check the change still makes sense there, then refresh the patch (`harness refresh`)",
        at + 1
    );
    if d.conflict_lines.is_empty() {
        d.conflict_lines = conflict_lines(&d);
    }
    d
}

fn insertion_point(
    h: &HunkContext<'_>,
    ix: &FileIndex<'_>,
    mut d: Diagnosis,
    al: Option<Alignment>,
    at: usize,
    side: &str,
    ctx: &[&str],
) -> Diagnosis {
    let file = ix.lines();
    if al.is_none_or(|a| at + 2 < a.start || at > a.start + a.len + 2) {
        if let Some(a) = align_in(h.old_lines, ix, at.saturating_sub(ctx.len())) {
            d = with_alignment(h.old_lines, file, a);
        }
    }
    let exp0 = h.expected_line.saturating_sub(1);
    let anchor = if side == "before" {
        ctx.last()
    } else {
        ctx.first()
    };
    let other = if side == "before" { "after" } else { "before" };
    d.cause = Cause::ContextDrifted;
    let diff = first_difference(&d);
    d.summary = format!(
        "the insertion point is intact ({} context line{} {} it, `{}`, are at line {}, {} from where expected), but the context {} it changed{}",
        ctx.len(),
        if ctx.len() == 1 { "" } else { "s" },
        side,
        first_line(anchor.copied().unwrap_or("")),
        if side == "before" { at + 1 - ctx.len().min(at + 1) + 1 } else { at + 1 },
        signed(at as i64 - (exp0 + if side == "before" { ctx.len() } else { 0 }) as i64),
        other,
        diff.map(|x| format!(": {x}")).unwrap_or_default()
    );
    let now = file
        .get(at)
        .map(|l| format!(" where the file now continues with `{}`", first_line(l)))
        .unwrap_or_default();
    d.next_step = format!(
        "rebase the hunk to insert before line {}{now}: check the insertion still belongs there given the changed surroundings, then refresh the patch",
        at + 1
    );
    d
}

fn target_changed(
    h: &HunkContext<'_>,
    ix: &FileIndex<'_>,
    tree: &OtherFiles<'_>,
    mut d: Diagnosis,
    al: Option<Alignment>,
    earlier: &EarlierFailures,
    core: &[&str],
) -> Diagnosis {
    let file = ix.lines();
    let Some(a) = al else {
        return nothing_matches(h, file, earlier);
    };
    if let Some(weak) = super::elsewhere::no_plausible_match(h, tree, &d) {
        return weak;
    }
    d.cause = Cause::TargetChanged;
    // Lines to change that are not in the aligned region; where they went.
    let region = file
        .get(a.start..(a.start + a.len).min(file.len()))
        .unwrap_or(&[]);
    let gone: Vec<&str> = core
        .iter()
        .copied()
        .filter(|l| !is_generic(l) && !region.iter().any(|r| norm_ws(r) == norm_ws(l)))
        .collect();
    let diff = first_difference(&d);
    let mut s = format!(
        "the code this hunk changes was rewritten: around line {} (best match, {} of {} preimage lines) {}",
        a.start + 1,
        a.matched,
        h.old_lines.len(),
        diff.unwrap_or_else(|| "the lines differ".into())
    );
    let mut elsewhere = String::new();
    if let Some(g) = gone.first() {
        if let Some((i, sim)) = most_similar_in(g, ix, 0.5) {
            elsewhere = format!(
                "; the most similar line left is line {} `{}` ({:.0}% similar)",
                i + 1,
                first_line(file[i]),
                sim * 100.0
            );
            s.push_str(&elsewhere);
        } else {
            s.push_str(&format!("; `{}` is nowhere in the file", first_line(g)));
        }
    }
    match earlier.failed_on(h.path) {
        Some(EarlierFailure::Patch { label, .. }) => s.push_str(&format!(
            " (note: patch {label} of this series also failed on this file)"
        )),
        Some(EarlierFailure::ThisPatch) => {
            s.push_str(" (note: an earlier part of this patch also failed on this file)")
        }
        None => {}
    }
    d.summary = s;
    let _ = elsewhere;
    d.next_step = format!(
        "port the change by hand to the code now at line {} (see the expected/found lines), or find the commit that rewrote it (blame) and rebase the patch onto it",
        a.start + 1
    );
    d
}

fn nothing_matches(h: &HunkContext<'_>, file: &[&str], earlier: &EarlierFailures) -> Diagnosis {
    if let Some(EarlierFailure::Patch { index, label }) = earlier.failed_on(h.path) {
        let mut d = Diagnosis::new(
            Cause::DependsOnEarlierPatch,
            format!(
                "none of the hunk's preimage is in {} and patch {label} of this series failed on the same file: the hunk probably needs that patch's changes",
                h.path
            ),
        );
        d.earlier_patch = Some(index);
        d.next_step = format!("fix patch {label} first, then re-check this hunk");
        return d;
    }
    let distinctive = h.old_lines.iter().any(|l| !is_generic(l));
    if distinctive {
        let mut d = Diagnosis::new(
            Cause::TargetChanged,
            format!(
                "none of the hunk's {} preimage lines is left in {} ({} lines): the code it changes was removed or moved to another file",
                h.old_lines.len(),
                h.path,
                file.len()
            ),
        );
        d.next_step = format!(
            "find where the code went (e.g. `git log -S'{}'`) and retarget the hunk there, or drop it if the code is gone",
            h.old_lines
                .iter()
                .find(|l| !is_generic(l))
                .map(|l| first_line(l))
                .unwrap_or_default()
        );
        return d;
    }
    Diagnosis::new(
        Cause::Unknown,
        format!(
            "the hunk's preimage consists only of generic lines (braces, blanks) that match nothing useful in {}",
            h.path
        ),
    )
}
