//! Choosing what to use from a mail source: which series, which revision
//! (`vN` taken whole, as b4 does), which patches.

use crate::model::{PatchEntry, Revision, SeriesEntry};
use crate::{Ingested, LoadOptions, RevisionChoice, Series, SeriesPatch};

fn slug(title: &str) -> String {
    let mut s = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c);
        } else if !s.ends_with('-') {
            s.push('-');
        }
    }
    let s = s.trim_matches('-');
    s.chars().take(52).collect()
}

/// Parse `A-B`: an inclusive 1-based range of positions in the chosen
/// patches (the matrix's `take:`, `--take`), whatever the patches' numbers.
pub fn parse_take(s: &str) -> Result<(usize, usize), String> {
    let (a, b) = s
        .split_once('-')
        .ok_or_else(|| format!("take {s:?} is not of the form A-B"))?;
    let num = |x: &str| {
        x.trim()
            .parse::<usize>()
            .map_err(|_| format!("take {s:?}: {x:?} is not a number"))
    };
    let (a, b) = (num(a)?, num(b)?);
    if a == 0 || b < a {
        return Err(format!("take {s:?} is empty or starts at 0"));
    }
    Ok((a, b))
}

impl Series {
    /// Keep positions `a..=b` (1-based) of the chosen patches.
    pub fn take(&mut self, (a, b): (usize, usize)) -> Result<(), String> {
        if b > self.patches.len() {
            return Err(format!(
                "take {a}-{b} but {} has only {} patches",
                self.root.display(),
                self.patches.len()
            ));
        }
        self.patches = self.patches[a - 1..b].to_vec();
        Ok(())
    }
}

/// Parse `1-3,5` into patch numbers (sorted, no duplicates).
pub fn parse_patch_list(s: &str) -> Result<Vec<u32>, String> {
    let mut out = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let num = |x: &str| -> Result<u32, String> {
            x.trim()
                .parse::<u32>()
                .ok()
                .filter(|&n| n > 0)
                .ok_or_else(|| format!("bad patch number {x:?} in {s:?} (expected e.g. 1-3,5)"))
        };
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (num(a)?, num(b)?);
                if a > b {
                    return Err(format!("bad range {part:?} in {s:?} (start after end)"));
                }
                if b - a > 10_000 {
                    return Err(format!("range {part:?} too large"));
                }
                out.extend(a..=b);
            }
            None => out.push(num(part)?),
        }
    }
    if out.is_empty() {
        return Err(format!("no patch numbers in {s:?}"));
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

/// (number, title, message index) chosen from one series.
pub(crate) fn pick(
    entry: &SeriesEntry,
    choice: RevisionChoice,
) -> Result<Vec<(u32, String, usize)>, String> {
    let one =
        |pe: &PatchEntry, r: Option<&Revision>| r.map(|r| (pe.number, pe.title.clone(), r.message));
    let mut out: Vec<(u32, String, usize)> = match choice {
        RevisionChoice::Newest => entry
            .patches
            .iter()
            .filter_map(|pe| one(pe, pe.revisions.last()))
            .collect(),
        RevisionChoice::Oldest => entry
            .patches
            .iter()
            .filter_map(|pe| one(pe, pe.revisions.first()))
            .collect(),
        RevisionChoice::Nth(n) => entry
            .patches
            .iter()
            .filter_map(|pe| {
                one(
                    pe,
                    pe.revisions
                        .get(n.saturating_sub(1))
                        .or(pe.revisions.last()),
                )
            })
            .collect(),
        RevisionChoice::Version(v) if v == entry.newest_version => {
            return pick(entry, RevisionChoice::Newest)
        }
        RevisionChoice::Version(v) => pick_version(entry, v)?,
    };
    out.sort_by_key(|x| x.0);
    Ok(out)
}

/// vN as posted: each patch's newest revision of that version, and the
/// patches of vN a later version dropped.
fn pick_version(entry: &SeriesEntry, v: u32) -> Result<Vec<(u32, String, usize)>, String> {
    let one =
        |pe: &PatchEntry, r: Option<&Revision>| r.map(|r| (pe.number, pe.title.clone(), r.message));
    if !entry.versions.contains(&v) {
        return Err(format!(
            "v{v} requested but series {:?} has {}",
            entry.title,
            entry
                .versions
                .iter()
                .map(|x| format!("v{x}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let mut o: Vec<_> = entry
        .patches
        .iter()
        .filter_map(|pe| one(pe, pe.revisions.iter().rev().find(|r| r.version == v)))
        .collect();
    o.extend(
        entry
            .retired
            .iter()
            .filter(|r| r.version == v)
            .map(|r| (r.number, format!("patch {}", r.number), r.message)),
    );
    Ok(o)
}

impl Ingested {
    /// The series `opts.series` names (all when none).
    pub(crate) fn entries(&self, opts: &LoadOptions) -> Result<Vec<&SeriesEntry>, String> {
        match opts.series {
            Some(k) => {
                let e = self.report.series.get(k.wrapping_sub(1)).ok_or_else(|| {
                    format!(
                        "series {k} requested but the source holds {}",
                        self.report.series.len()
                    )
                })?;
                Ok(vec![e])
            }
            None => Ok(self.report.series.iter().collect()),
        }
    }

    /// The ordered patches to apply, picking one revision per patch.
    pub fn to_series(&self, opts: &LoadOptions) -> Result<Series, String> {
        self.select(opts, None)
    }

    /// [`Ingested::to_series`], keeping only the patch numbers in `only`.
    pub fn select(&self, opts: &LoadOptions, only: Option<&[u32]>) -> Result<Series, String> {
        if let Some(p) = &self.plain {
            return self.select_plain(p, only);
        }
        let entries = self.entries(opts)?;
        if only.is_some() && entries.len() > 1 {
            return Err(format!(
                "--patches needs one series but the source holds {}: choose one with --series N",
                entries.len()
            ));
        }
        let mut patches = Vec::new();
        for entry in entries {
            let mut chosen = pick(entry, opts.revision)?;
            if let Some(want) = only {
                let have: Vec<u32> = chosen.iter().map(|c| c.0).collect();
                if let Some(n) = want.iter().find(|n| !have.contains(n)) {
                    return Err(format!(
                        "patch {n} requested but the chosen revision has patches {have:?}"
                    ));
                }
                chosen.retain(|c| want.contains(&c.0));
            }
            for (number, title, msg) in chosen {
                let Some(m) = self.messages.get(msg) else {
                    continue;
                };
                let name = if entry.total > 1 || number > 1 {
                    format!("{:04}-{}.patch", number, slug(&title))
                } else {
                    format!("{}.patch", slug(&title))
                };
                patches.push(SeriesPatch {
                    index: patches.len() + 1,
                    name,
                    subject: Some(m.subject.clone()),
                    strip: 1,
                    content: m.content.clone(),
                    from_mail: true,
                    message_id: m.message_id.clone(),
                    revision: Some(m.info.version),
                });
            }
        }
        if patches.is_empty() {
            let why = if self.report.messages == 0 {
                "no messages found".to_string()
            } else {
                format!(
                    "{} message(s) read but none carries a patch (run `harness series` to see what was found)",
                    self.report.messages
                )
            };
            return Err(why);
        }
        Ok(Series {
            name: self.name.clone(),
            kind: self.kind,
            root: self.root.clone(),
            patches,
        })
    }

    fn select_plain(&self, p: &Series, only: Option<&[u32]>) -> Result<Series, String> {
        let Some(want) = only else {
            return Ok(p.clone());
        };
        let n = p.patches.len() as u32;
        if let Some(bad) = want.iter().find(|&&k| k > n) {
            return Err(format!(
                "patch {bad} requested but the series has {n} patch(es)"
            ));
        }
        let mut s = p.clone();
        s.patches.retain(|x| want.contains(&(x.index as u32)));
        for (k, x) in s.patches.iter_mut().enumerate() {
            x.index = k + 1;
        }
        Ok(s)
    }
}
