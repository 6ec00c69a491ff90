//! One series from its original postings: the newest `vN` taken as a whole;
//! older versions' patches kept as earlier revisions of the same `n/N`
//! only when the newest version carries that patch, or when the newest
//! version is a partial reroll (each of its patches a reply to the same
//! `n/N` of the previous version, as b4 0.16 `partial_reroll` requires).

use super::classify::Role;
use super::thread::Thread;
use super::{
    Cover, Duplicate, FoundAs, HunkRef, Message, OtherMessage, PatchEntry, Retired, Revision,
    SeriesEntry,
};
use crate::textscan::TextHunk;
use std::collections::{BTreeMap, BTreeSet};

pub(super) fn same_hunks(a: &[TextHunk], b: &[TextHunk]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x.file == y.file && x.header == y.header && x.lines == y.lines)
}

pub(super) fn revision_of(m: &Message, found_as: FoundAs, version: u32) -> Revision {
    let mut files: Vec<String> = Vec::new();
    for h in &m.hunks {
        if !files.contains(&h.file) {
            files.push(h.file.clone());
        }
    }
    Revision {
        message_id: m.message_id.clone(),
        subject: m.subject.clone(),
        from: m.from.clone(),
        date: m.date.clone(),
        found_as,
        version,
        location: m.location(),
        trailers: m.trailers.clone(),
        files,
        hunks: m.hunks.len(),
        short_hunks: m
            .hunks
            .iter()
            .filter(|h| h.short)
            .map(HunkRef::of)
            .collect(),
        damage: m.damage.clone(),
        message: m.index,
    }
}

/// What the newest version of a series is and which patch numbers it keeps.
pub(super) struct Newest {
    pub version: u32,
    pub total: u32,
    pub partial: bool,
    pub keep: BTreeSet<u32>,
}

fn number(m: &Message) -> u32 {
    m.info.number.unwrap_or(1)
}

/// Is patch `i` a reply (up its thread) to a patch with the same `n/N`?
fn replies_to_same_counter(i: usize, messages: &[Message], thread: &Thread) -> bool {
    let Some(m) = messages.get(i) else {
        return false;
    };
    thread
        .ancestors(i)
        .iter()
        .filter_map(|&a| messages.get(a))
        .any(|p| {
            p.info.number == m.info.number
                && p.info.total == m.info.total
                && p.info.version < m.info.version
        })
}

pub(super) fn newest(
    group: &[usize],
    messages: &[Message],
    roles: &[Role],
    thread: &Thread,
) -> Newest {
    let patches: Vec<usize> = group
        .iter()
        .copied()
        .filter(|&i| roles.get(i) == Some(&Role::Patch))
        .collect();
    let version_of = |i: usize| messages.get(i).map_or(1, |m| m.info.version);
    let version = patches.iter().map(|&i| version_of(i)).max().unwrap_or(1);
    let mine: Vec<usize> = patches
        .iter()
        .copied()
        .filter(|&i| version_of(i) == version)
        .collect();
    let numbers: BTreeSet<u32> = mine
        .iter()
        .filter_map(|&i| messages.get(i))
        .map(number)
        .collect();
    let total = mine
        .iter()
        .filter_map(|&i| messages.get(i)?.info.total)
        .max()
        .unwrap_or_else(|| numbers.iter().copied().max().unwrap_or(0));
    let previous: BTreeSet<u32> = patches
        .iter()
        .filter(|&&i| version_of(i) + 1 == version)
        .filter_map(|&i| messages.get(i))
        .map(number)
        .collect();
    let incomplete = (1..=total).any(|n| !numbers.contains(&n));
    let partial = version > 1
        && !previous.is_empty()
        && incomplete
        && mine
            .iter()
            .all(|&i| replies_to_same_counter(i, messages, thread));
    let mut keep = numbers;
    if partial {
        keep.extend(previous.into_iter().filter(|n| (1..=total).contains(n)));
    }
    Newest {
        version,
        total,
        partial,
        keep,
    }
}

fn retired_note(m: &Message, nw: &Newest) -> OtherMessage {
    OtherMessage {
        message_id: m.message_id.clone(),
        subject: m.subject.clone(),
        location: m.location(),
        why: format!(
            "patch {} of v{}, which v{} (the newest version, {} patch(es)) does not carry",
            number(m),
            m.info.version,
            nw.version,
            nw.total
        ),
    }
}

fn empty_entry(nw: &Newest) -> SeriesEntry {
    SeriesEntry {
        title: String::new(),
        total: 0,
        versions: Vec::new(),
        covers: Vec::new(),
        missing: Vec::new(),
        duplicates: Vec::new(),
        base_commit: None,
        prerequisite_patch_ids: Vec::new(),
        newest_version: nw.version,
        partial_reroll: nw.partial,
        change_id: None,
        patches: Vec::new(),
        retired: Vec::new(),
    }
}

/// Add one cover or patch posting to the entry under construction.
struct Builder<'a> {
    messages: &'a [Message],
    entry: SeriesEntry,
    patches: BTreeMap<u32, PatchEntry>,
    dups: BTreeMap<(u32, u32), Vec<usize>>,
    min_version: u32,
}

impl Builder<'_> {
    fn note_meta(&mut self, m: &Message) {
        let e = &mut self.entry;
        if !e.versions.contains(&m.info.version) {
            e.versions.push(m.info.version);
        }
        if m.base_commit.is_some() {
            e.base_commit = m.base_commit.clone();
        }
        if m.change_id.is_some() {
            e.change_id = m.change_id.clone();
        }
        for p in &m.prerequisite_patch_ids {
            if !e.prerequisite_patch_ids.contains(p) {
                e.prerequisite_patch_ids.push(p.clone());
            }
        }
    }

    fn add_cover(&mut self, m: &Message) {
        self.entry.covers.push(Cover {
            message_id: m.message_id.clone(),
            subject: m.subject.clone(),
            from: m.from.clone(),
            date: m.date.clone(),
            version: m.info.version,
        });
    }

    fn add_patch(&mut self, i: usize, m: &Message) {
        let n = number(m);
        let found_as = if m.info.version > self.min_version {
            FoundAs::NewVersion
        } else {
            FoundAs::Original
        };
        let pe = self.patches.entry(n).or_insert_with(|| PatchEntry {
            number: n,
            title: m.info.title.clone(),
            revisions: Vec::new(),
            reviews: Vec::new(),
        });
        let first = pe
            .revisions
            .iter()
            .find(|r| r.version == m.info.version && r.found_as != FoundAs::Reply)
            .map(|r| r.message);
        if let Some(first) = first {
            self.dups
                .entry((n, m.info.version))
                .or_insert_with(|| vec![first])
                .push(i);
            let identical = self
                .messages
                .get(first)
                .is_some_and(|f| same_hunks(&f.hunks, &m.hunks));
            if identical {
                return;
            }
        }
        pe.revisions.push(revision_of(m, found_as, m.info.version));
    }

    fn finish_dups(&mut self) {
        let msgs = self.messages;
        for ((number, version), ids) in std::mem::take(&mut self.dups) {
            let ms: Vec<&Message> = ids.iter().filter_map(|&i| msgs.get(i)).collect();
            let first = ms.first().copied();
            self.entry.duplicates.push(Duplicate {
                number,
                version,
                message_ids: ms.iter().map(|m| m.message_id.clone()).collect(),
                locations: ms.iter().map(|m| m.location()).collect(),
                identical: ms
                    .iter()
                    .all(|m| first.is_some_and(|f| same_hunks(&f.hunks, &m.hunks))),
            });
        }
    }
}

/// Build one series entry. Returns it with the messages placed in it
/// (message index -> patch number, 0 for covers) and notes for retired patches.
pub(super) fn series_entry(
    group: &[usize],
    messages: &[Message],
    roles: &[Role],
    thread: &Thread,
) -> (SeriesEntry, Vec<(usize, u32)>, Vec<OtherMessage>) {
    let nw = newest(group, messages, roles, thread);
    let min_version = group
        .iter()
        .filter_map(|&i| messages.get(i))
        .map(|m| m.info.version)
        .min()
        .unwrap_or(1);
    let mut b = Builder {
        messages,
        entry: empty_entry(&nw),
        patches: BTreeMap::new(),
        dups: BTreeMap::new(),
        min_version,
    };
    let mut placed = Vec::new();
    let mut others = Vec::new();
    for &i in group {
        let Some(m) = messages.get(i) else { continue };
        b.note_meta(m);
        if roles.get(i) == Some(&Role::Cover) {
            b.add_cover(m);
            placed.push((i, 0));
            continue;
        }
        if !nw.keep.contains(&number(m)) {
            b.entry.retired.push(Retired {
                version: m.info.version,
                number: number(m),
                message: i,
            });
            others.push(retired_note(m, &nw));
            continue;
        }
        b.add_patch(i, m);
        placed.push((i, number(m)));
    }
    b.finish_dups();
    b.entry.total = nw.total;
    b.entry.patches = std::mem::take(&mut b.patches).into_values().collect();
    (b.entry, placed, others)
}
