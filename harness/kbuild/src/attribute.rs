//! Attributing warnings to the patches that touched their lines, and the
//! warnings a series introduced compared with a baseline build.

use crate::log::{Diagnostic, Severity};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// Lines of one file that one patch changed, as 1-based inclusive ranges in
/// the file as it stands after the whole series.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatchLines {
    pub patch: String,
    pub ranges: Vec<(u32, u32)>,
}

/// Who a diagnostic belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", tag = "kind", content = "patch")]
pub enum Origin {
    /// A line changed by this patch (the last in series order to touch it).
    Patch(String),
    /// A line the series did not touch (or no location).
    Base,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttributedDiagnostic {
    #[serde(flatten)]
    pub diagnostic: Diagnostic,
    pub origin: Origin,
}

/// Attribute each diagnostic. `changed` maps a tree-relative path to the
/// patches (in series order) and the final-file line ranges each changed;
/// when several patches touched a line the last one wins (its text is what
/// the compiler saw).
pub fn attribute(
    diags: &[Diagnostic],
    changed: &BTreeMap<String, Vec<PatchLines>>,
) -> Vec<AttributedDiagnostic> {
    diags
        .iter()
        .map(|d| {
            let origin = match (&d.file, d.line) {
                (Some(f), Some(line)) => changed
                    .get(f.as_str())
                    .and_then(|ps| {
                        ps.iter()
                            .rev()
                            .find(|p| p.ranges.iter().any(|&(a, b)| a <= line && line <= b))
                    })
                    .map(|p| Origin::Patch(p.patch.clone()))
                    .unwrap_or(Origin::Base),
                _ => Origin::Base,
            };
            AttributedDiagnostic {
                diagnostic: d.clone(),
                origin,
            }
        })
        .collect()
}

type Key = (Severity, Option<String>, String, Option<String>);

fn key(d: &Diagnostic) -> Key {
    // Line numbers shift when patches add lines above, so they are not part
    // of the identity; file + message + flag are.
    (
        d.severity,
        d.file.clone(),
        d.message.clone(),
        d.flag.clone(),
    )
}

/// The diagnostics of the build with the series that the baseline build
/// (same config, no series) did not have. Compared as multisets by
/// (severity, file, message, flag): a warning that appears twice with the
/// series and once without counts once as new.
pub fn new_warnings(
    baseline: &[Diagnostic],
    with_series: &[AttributedDiagnostic],
) -> Vec<AttributedDiagnostic> {
    let new = not_in_baseline(baseline, with_series, key, |a| key(&a.diagnostic));
    with_series
        .iter()
        .zip(new)
        .filter(|(_, n)| *n)
        .map(|(a, _)| a.clone())
        .collect()
}

/// For each item of `current`: true when `baseline` has no item with the
/// same key left to match it (both compared as multisets: an item that
/// appears twice now and once in the baseline is new once).
pub fn not_in_baseline<B, C, K: Eq + std::hash::Hash>(
    baseline: &[B],
    current: &[C],
    key_b: impl Fn(&B) -> K,
    key_c: impl Fn(&C) -> K,
) -> Vec<bool> {
    let mut budget: HashMap<K, usize> = HashMap::new();
    for b in baseline {
        *budget.entry(key_b(b)).or_default() += 1;
    }
    current
        .iter()
        .map(|c| match budget.get_mut(&key_c(c)) {
            Some(n) if *n > 0 => {
                *n -= 1;
                false
            }
            _ => true,
        })
        .collect()
}

/// Group diagnostics per origin (patch name or `base`).
pub fn by_origin(diags: &[AttributedDiagnostic]) -> BTreeMap<String, Vec<AttributedDiagnostic>> {
    let mut m: BTreeMap<String, Vec<AttributedDiagnostic>> = BTreeMap::new();
    for d in diags {
        let k = match &d.origin {
            Origin::Patch(p) => p.clone(),
            Origin::Base => "base".to_owned(),
        };
        m.entry(k).or_default().push(d.clone());
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(file: &str, line: u32, msg: &str) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            tool: "cc".into(),
            file: Some(file.into()),
            line: Some(line),
            column: Some(1),
            message: msg.into(),
            flag: None,
            log_line: 1,
        }
    }

    #[test]
    fn last_patch_touching_the_line_wins_else_base() {
        let mut changed = BTreeMap::new();
        changed.insert(
            "net/a.c".to_owned(),
            vec![
                PatchLines {
                    patch: "0001".into(),
                    ranges: vec![(10, 20)],
                },
                PatchLines {
                    patch: "0002".into(),
                    ranges: vec![(15, 15)],
                },
            ],
        );
        let a = attribute(
            &[
                w("net/a.c", 12, "x"),
                w("net/a.c", 15, "y"),
                w("net/a.c", 30, "z"),
                w("b.c", 12, "q"),
            ],
            &changed,
        );
        let o: Vec<Origin> = a.into_iter().map(|a| a.origin).collect();
        assert_eq!(
            o,
            vec![
                Origin::Patch("0001".into()),
                Origin::Patch("0002".into()),
                Origin::Base,
                Origin::Base
            ]
        );
    }

    #[test]
    fn new_warnings_ignore_line_shifts_and_count_duplicates() {
        let base = vec![w("a.c", 10, "old")];
        let with = attribute(
            &[
                w("a.c", 14, "old"),
                w("a.c", 20, "new"),
                w("a.c", 30, "old"),
            ],
            &BTreeMap::new(),
        );
        let n = new_warnings(&base, &with);
        let msgs: Vec<(&str, Option<u32>)> = n
            .iter()
            .map(|a| (a.diagnostic.message.as_str(), a.diagnostic.line))
            .collect();
        assert_eq!(msgs, vec![("new", Some(20)), ("old", Some(30))]);
    }
}
