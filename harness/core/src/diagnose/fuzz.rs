//! Warnings for hunks applied with fuzz: fuzz over generic context, or a
//! preimage that fits several places, is how a hunk lands in the wrong spot.

use super::align::{find_all, is_generic, lead_trail, norm_ws};
use super::HunkContext;

/// Warnings for a hunk that APPLIED with `fuzz` > 0 (or any hunk, to check
/// ambiguity). `hunk.file` is the file content the hunk was applied to
/// (before this hunk), `hunk.expected_line` the 1-based line where its
/// preimage was placed. Returns an empty list when nothing is suspicious.
///
/// Warns when (a) a context line the fuzz ignored is generic (`}`, blank,
/// `#endif`, `return 0;`, `break;` ...), or (b) the part of the preimage that
/// was matched fits more than one place in the file.
pub fn fuzz_warnings(hunk: &HunkContext<'_>, fuzz: usize) -> Vec<String> {
    let mut out = Vec::new();
    let old = hunk.old_lines;
    let (lead, trail) = lead_trail(old, hunk.new_lines);
    if fuzz > 0 {
        let pre = fuzz.min(lead);
        let post = fuzz.min(trail);
        // The matched part keeps what fuzz did not strip.
        let ignored: Vec<&str> = old
            .iter()
            .take(pre)
            .chain(old.iter().skip(old.len().saturating_sub(post)))
            .copied()
            .collect();
        // Only lines that actually differ from the file were ignored in effect;
        // without knowing the exact alignment we judge all stripped ones.
        let generic: Vec<String> = ignored
            .iter()
            .filter(|l| is_generic(l))
            .map(|l| {
                if l.trim().is_empty() {
                    "(blank)".to_owned()
                } else {
                    format!("`{}`", l.trim())
                }
            })
            .collect();
        if !generic.is_empty() {
            out.push(format!(
                "applied with fuzz {fuzz} at line {}: the context lines fuzz may ignore are generic ({}), so nothing confirms the hunk landed in the right place; check it",
                hunk.expected_line,
                generic.join(", ")
            ));
        }
        if let Some(file) = hunk.file {
            let core_end = old.len().saturating_sub(post);
            let matched = old.get(pre..core_end.max(pre)).unwrap_or(&[]);
            if !matched.is_empty() {
                let nfile: Vec<String> = file.iter().map(|l| norm_ws(l)).collect();
                let nm: Vec<String> = matched.iter().map(|l| norm_ws(l)).collect();
                let hits = find_all(&nfile, &nm);
                if hits.len() > 1 {
                    let shown: Vec<String> =
                        hits.iter().take(6).map(|h| (h + 1).to_string()).collect();
                    out.push(format!(
                        "applied with fuzz {fuzz} at line {}, but the part of the hunk that matched fits {} places (lines {}): it may have landed in the wrong one",
                        hunk.expected_line,
                        hits.len(),
                        shown.join(", ")
                    ));
                }
            }
        }
    } else if let Some(file) = hunk.file {
        if !old.is_empty() && old.iter().all(|l| is_generic(l)) && find_all(file, old).len() > 1 {
            out.push(format!(
                "applied at line {}, but its preimage consists of generic lines that match {} places",
                hunk.expected_line,
                find_all(file, old).len()
            ));
        }
    }
    out
}
