//! The pipeline: thread, classify, group into series, take the newest
//! version whole, place replies, then order revisions, spread cover-letter
//! reviews and carry trailers over to identical later revisions.

use super::classify;
use super::group;
use super::replies::{CoverReview, Replies};
use super::revisions;
use super::thread::Thread;
use super::{DamageNote, Message, PatchEntry, ReplyTo, SeriesEntry, SeriesReport, SERIES_SCHEMA};
use crate::{subject, textscan, SourceKind};
use std::collections::HashMap;

/// Choices that change how the model reads a source.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// Accept follow-up trailers that name someone other than the sender
    /// (b4's `--sloppy-trailers`).
    pub sloppy_trailers: bool,
}

/// Build the series model from messages in source order.
pub fn build(source: &str, kind: SourceKind, messages: &[Message]) -> SeriesReport {
    build_with(source, kind, messages, &BuildOptions::default())
}

/// [`build`] with options.
pub fn build_with(
    source: &str,
    kind: SourceKind,
    messages: &[Message],
    opts: &BuildOptions,
) -> SeriesReport {
    let thread = Thread::new(messages);
    let roles = classify::roles(messages, &thread);
    let groups = group::series_groups(messages, &roles, &thread);
    let mut series = Vec::new();
    let mut replies = Replies {
        messages,
        thread: &thread,
        roles: &roles,
        opts,
        placed: HashMap::new(),
        retired: HashMap::new(),
        cover_reviews: Vec::new(),
        others: Vec::new(),
    };
    for g in &groups {
        let sid = series.len();
        let (entry, placed, others) = revisions::series_entry(g, messages, &roles, &thread);
        for (i, n) in placed {
            replies.placed.insert(i, (sid, n));
        }
        for r in &entry.retired {
            replies.retired.insert(r.message, sid);
        }
        replies.others.extend(others);
        series.push(entry);
    }
    replies.place_all(&mut series);
    let cover_reviews = std::mem::take(&mut replies.cover_reviews);
    let mut others = std::mem::take(&mut replies.others);
    for entry in &mut series {
        finish_entry(entry, messages);
    }
    spread_cover_reviews(&mut series, cover_reviews, &mut others);
    for entry in &mut series {
        for pe in &mut entry.patches {
            carry_over(pe, messages);
        }
    }
    let damage = damage_notes(messages);
    SeriesReport {
        schema: SERIES_SCHEMA.into(),
        source: source.into(),
        kind,
        messages: messages.len(),
        series,
        others,
        damage,
    }
}

fn damage_notes(messages: &[Message]) -> Vec<DamageNote> {
    messages
        .iter()
        .flat_map(|m| {
            m.damage.iter().map(move |d| DamageNote {
                location: m.location(),
                subject: m.subject.clone(),
                problem: d.clone(),
            })
        })
        .collect()
}

/// Order revisions (version, then date), resolve review targets, title,
/// total and gaps.
fn finish_entry(entry: &mut SeriesEntry, messages: &[Message]) {
    let stamp = |i: usize| messages.get(i).and_then(|m| m.timestamp);
    for pe in &mut entry.patches {
        let all_dated = pe.revisions.iter().all(|r| stamp(r.message).is_some());
        if all_dated {
            pe.revisions
                .sort_by_key(|r| (r.version, stamp(r.message), r.message));
        } else {
            pe.revisions.sort_by_key(|r| (r.version, r.message));
        }
        for rv in &mut pe.reviews {
            rv.revision = rv.target_message.and_then(|t| {
                pe.revisions
                    .iter()
                    .position(|r| r.message == t)
                    .map(|k| k + 1)
            });
        }
        if let Some(m) = pe.revisions.last().and_then(|r| messages.get(r.message)) {
            pe.title = m.info.title.clone();
        }
    }
    if entry.total == 0 {
        entry.total = entry.patches.iter().map(|p| p.number).max().unwrap_or(0);
    }
    entry.versions.sort_unstable();
    let has = |n: u32| {
        entry
            .patches
            .iter()
            .any(|p| p.number == n && !p.revisions.is_empty())
    };
    entry.missing = (1..=entry.total).filter(|&n| !has(n)).collect();
    entry.title = entry
        .covers
        .iter()
        .rev()
        .find(|c| c.version == entry.newest_version)
        .or(entry.covers.last())
        .map(|c| subject::parse(&c.subject).title)
        .or_else(|| entry.patches.first().map(|p| p.title.clone()))
        .unwrap_or_default();
}

/// A reply to the cover letter of vN reviews the whole of vN (and of a
/// partial reroll built on vN): it is listed under every patch, against
/// that patch's newest revision belonging to vN.
fn spread_cover_reviews(
    series: &mut [SeriesEntry],
    reviews: Vec<CoverReview>,
    others: &mut Vec<super::OtherMessage>,
) {
    for cr in reviews {
        let Some(entry) = series.get_mut(cr.series) else {
            continue;
        };
        let own_cover = entry
            .covers
            .iter()
            .any(|c| c.version == entry.newest_version);
        let reroll_on_it =
            entry.partial_reroll && !own_cover && cr.cover_version + 1 == entry.newest_version;
        let applies = |v: u32| v == cr.cover_version || (reroll_on_it && v == entry.newest_version);
        let mut used = false;
        for pe in &mut entry.patches {
            let Some(k) = pe.revisions.iter().rposition(|r| applies(r.version)) else {
                continue;
            };
            let mut rv = cr.review.clone();
            rv.revision = Some(k + 1);
            rv.target_message = pe.revisions.get(k).map(|r| r.message);
            pe.reviews.push(rv);
            used = true;
        }
        if !used {
            others.push(super::OtherMessage {
                message_id: cr.review.message_id.clone(),
                subject: cr.review.subject.clone(),
                location: cr.review.location.clone(),
                why: format!(
                    "a reply to the cover letter of v{}, which has no patches here",
                    cr.cover_version
                ),
            });
        }
    }
}

/// Trailers given on an earlier revision carry over to the newest one when
/// its diff is identical (b4 compares `git patch-id --stable`).
fn carry_over(pe: &mut PatchEntry, messages: &[Message]) {
    let k = pe.revisions.len();
    let Some(last) = pe.revisions.last() else {
        return;
    };
    let id_of = |i: usize| messages.get(i).and_then(|m| textscan::patch_id(&m.hunks));
    let Some(newest_id) = id_of(last.message) else {
        return;
    };
    let mut carried = Vec::new();
    for rv in &pe.reviews {
        let Some(r) = rv.revision.filter(|&r| r < k) else {
            continue;
        };
        if rv.to != ReplyTo::Patch || rv.trailers.is_empty() {
            continue;
        }
        let same = pe.revisions.get(r - 1).and_then(|x| id_of(x.message)) == Some(newest_id);
        if same {
            let mut c = rv.clone();
            c.revision = Some(k);
            c.to = ReplyTo::CarriedOver;
            carried.push(c);
        }
    }
    pe.reviews.extend(carried);
}
