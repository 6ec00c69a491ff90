//! Pairing the patches of two revisions: by number, subject and content.

use super::*;

pub(super) fn norm(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn normalise_title(t: &str) -> String {
    norm(t).to_lowercase()
}

fn words(t: &str) -> HashSet<String> {
    t.to_lowercase()
        .split(|c: char| !c.is_alphanumeric() && c != '_')
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

fn jaccard<T: std::hash::Hash + Eq>(a: &HashSet<T>, b: &HashSet<T>) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    let inter = a.intersection(b).count() as f64;
    let union = a.union(b).count() as f64;
    if union == 0.0 {
        0.0
    } else {
        inter / union
    }
}

/// Changed lines (`+`/`-`) of a parsed patch, whitespace-normalised.
fn change_set(p: &ParsedPatch) -> HashSet<String> {
    let mut out = HashSet::new();
    for f in &p.files {
        for h in &f.hunks {
            for l in &h.lines {
                let mark = match l.kind {
                    LineKind::Add => '+',
                    LineKind::Remove => '-',
                    LineKind::Context => continue,
                };
                out.insert(format!("{mark}{}", norm(&String::from_utf8_lossy(&l.text))));
            }
        }
    }
    out
}

/// Pair patches: same number (with agreeing subject or content), then subject
/// similarity, then diff content similarity, then bare number.
pub fn pair(old: &[PatchDesc], new: &[PatchDesc]) -> Vec<Pairing> {
    let parsed_old: Vec<HashSet<String>> = old
        .iter()
        .map(|d| change_set(&parse_patch(&d.patch.content, d.patch.strip)))
        .collect();
    let parsed_new: Vec<HashSet<String>> = new
        .iter()
        .map(|d| change_set(&parse_patch(&d.patch.content, d.patch.strip)))
        .collect();
    let mut old_used = vec![false; old.len()];
    let mut new_pair: Vec<Option<(usize, PairedBy)>> = vec![None; new.len()];
    let title_sim = |a: &str, b: &str| -> f64 {
        if normalise_title(a) == normalise_title(b) {
            1.0
        } else {
            jaccard(&words(a), &words(b))
        }
    };
    let content_sim = |i: usize, j: usize| -> f64 {
        match (parsed_old.get(i), parsed_new.get(j)) {
            (Some(a), Some(b)) => jaccard(a, b),
            _ => 0.0,
        }
    };
    type Rule<'a> = (PairedBy, Box<dyn Fn(usize, usize) -> Option<f64> + 'a>);
    let rules: Vec<Rule<'_>> = vec![
        (
            PairedBy::Number,
            Box::new(|i, j| {
                let (o, n) = (old.get(i)?, new.get(j)?);
                (o.number == n.number
                    && (title_sim(&o.title, &n.title) >= 0.5 || content_sim(i, j) >= 0.3))
                    .then_some(1.0)
            }),
        ),
        (
            PairedBy::Subject,
            Box::new(|i, j| {
                let s = title_sim(&old.get(i)?.title, &new.get(j)?.title);
                (s >= 0.6).then_some(s)
            }),
        ),
        (
            PairedBy::Content,
            Box::new(|i, j| {
                let s = content_sim(i, j);
                (s >= 0.4).then_some(s)
            }),
        ),
        (
            PairedBy::NumberOnly,
            Box::new(|i, j| (old.get(i)?.number == new.get(j)?.number).then_some(0.0)),
        ),
    ];
    for (by, score) in &rules {
        for j in 0..new.len() {
            if new_pair.get(j).is_some_and(Option::is_some) {
                continue;
            }
            let best = (0..old.len())
                .filter(|&i| !old_used.get(i).copied().unwrap_or(true))
                .filter_map(|i| score(i, j).map(|s| (i, s)))
                .max_by(|a, b| a.1.partial_cmp(&b.1).unwrap_or(std::cmp::Ordering::Equal));
            if let Some((i, _)) = best {
                if let Some(u) = old_used.get_mut(i) {
                    *u = true;
                }
                if let Some(slot) = new_pair.get_mut(j) {
                    *slot = Some((i, *by));
                }
            }
        }
    }
    let mut out: Vec<Pairing> = new_pair
        .iter()
        .enumerate()
        .map(|(j, p)| Pairing {
            old: p.map(|(i, _)| i),
            new: Some(j),
            by: p.map(|(_, b)| b),
        })
        .collect();
    for (i, used) in old_used.iter().enumerate() {
        if !used {
            out.push(Pairing {
                old: Some(i),
                new: None,
                by: None,
            });
        }
    }
    // order by number (new side's, else old side's)
    out.sort_by_key(|p| {
        let n = p
            .new
            .and_then(|j| new.get(j))
            .or_else(|| p.old.and_then(|i| old.get(i)))
            .map_or(u32::MAX, |d| d.number);
        (n, p.new.is_none())
    });
    out
}
