//! Replies: diffs sent as `Re:` (new revisions of the patch they answer),
//! reviews and comments on a patch revision or on the cover letter.

use super::build::BuildOptions;
use super::classify::Role;
use super::revisions::revision_of;
use super::thread::Thread;
use super::{
    FoundAs, HunkRef, Message, OtherMessage, PatchEntry, ReplyKind, ReplyTo, Review, SeriesEntry,
};
use crate::{subject, trailers};
use std::collections::HashMap;

/// A reply to a cover letter, to be spread over the patches later.
pub(super) struct CoverReview {
    pub series: usize,
    pub cover_version: u32,
    pub review: Review,
}

pub(super) struct Replies<'a> {
    pub messages: &'a [Message],
    pub thread: &'a Thread<'a>,
    pub roles: &'a [Role],
    pub opts: &'a BuildOptions,
    /// message index -> (series, patch number; 0 = cover)
    pub placed: HashMap<usize, (usize, u32)>,
    /// message index -> series, for older patches the newest version dropped
    pub retired: HashMap<usize, usize>,
    pub cover_reviews: Vec<CoverReview>,
    pub others: Vec<OtherMessage>,
}

/// Where a reply belongs.
enum Target {
    Placed(usize, u32, usize),
    Retired(usize),
    Nowhere,
}

fn other(m: &Message, why: String) -> OtherMessage {
    OtherMessage {
        message_id: m.message_id.clone(),
        subject: m.subject.clone(),
        location: m.location(),
        why,
    }
}

impl Replies<'_> {
    fn target(&self, i: usize, series: &[SeriesEntry]) -> Target {
        let Some(m) = self.messages.get(i) else {
            return Target::Nowhere;
        };
        for a in self.thread.ancestors(i) {
            if let Some(&(s, n)) = self.placed.get(&a) {
                let n = if n == 0 && self.roles.get(i) == Some(&Role::ReplyPatch) {
                    m.info.number.unwrap_or(0)
                } else {
                    n
                };
                return Target::Placed(s, n, a);
            }
            if self.retired.contains_key(&a) {
                return Target::Retired(a);
            }
        }
        if m.parent_id()
            .is_some_and(|p| self.thread.index_of(p).is_some())
        {
            return Target::Nowhere;
        }
        self.by_subject(m, series)
    }

    /// No threading: match the subject.
    fn by_subject(&self, m: &Message, series: &[SeriesEntry]) -> Target {
        let title = subject::normalise_title(&m.info.title);
        for (s, entry) in series.iter().enumerate() {
            for pe in &entry.patches {
                let number_ok = m.info.number.is_none_or(|n| n == pe.number);
                if number_ok && subject::normalise_title(&pe.title) == title {
                    let anchor = pe.revisions.first().map_or(usize::MAX, |r| r.message);
                    return Target::Placed(s, pe.number, anchor);
                }
            }
            if m.info.number == Some(0)
                && entry
                    .covers
                    .iter()
                    .any(|c| subject::normalise_title(&subject::parse(&c.subject).title) == title)
            {
                return Target::Placed(s, 0, usize::MAX);
            }
        }
        Target::Nowhere
    }

    fn unplaced_reason(&self, m: &Message) -> String {
        match m.parent_id().and_then(|p| self.thread.index_of(p)) {
            Some(p) => {
                let ps = self
                    .messages
                    .get(p)
                    .map(|x| x.subject.as_str())
                    .unwrap_or("");
                format!("a reply to {ps:?}, which is in this source but is not part of any patch series")
            }
            None if m.parent_id().is_some() => {
                "a reply to a message that is not in this source".into()
            }
            None => "a reply (by its subject) that matches no patch or cover letter here".into(),
        }
    }

    pub(super) fn review_of(
        &self,
        i: usize,
        m: &Message,
        target_message: Option<usize>,
        to: ReplyTo,
    ) -> Review {
        let comment: Vec<&str> = m
            .text
            .lines()
            .filter(|l| !l.starts_with('>') && !l.trim().is_empty())
            .filter(|l| !l.trim_end().ends_with("wrote:"))
            .take(3)
            .collect();
        let (ok, bad): (Vec<_>, Vec<_>) = m.followup_trailers.iter().cloned().partition(|t| {
            self.opts.sloppy_trailers || trailers::matches_sender(t, m.from.as_deref())
        });
        let review = self.roles.get(i) == Some(&Role::Review);
        Review {
            kind: if review {
                ReplyKind::Review
            } else {
                ReplyKind::Comment
            },
            message_id: m.message_id.clone(),
            subject: m.subject.clone(),
            from: m.from.clone(),
            date: m.date.clone(),
            location: m.location(),
            revision: None,
            target_message,
            quoted_hunks: m.quoted.iter().map(HunkRef::of).collect(),
            trailers: ok,
            mismatched_trailers: bad,
            to,
            comment: comment.join("\n"),
        }
    }

    /// Place every reply (in source order).
    pub(super) fn place_all(&mut self, series: &mut Vec<SeriesEntry>) {
        for (i, m) in self.messages.iter().enumerate() {
            let r = self.roles.get(i).copied().unwrap_or(Role::Other);
            match r {
                Role::Other => self
                    .others
                    .push(other(m, "neither a patch nor a reply to one".into())),
                Role::ReplyPatch | Role::Review | Role::Comment => self.place(i, m, r, series),
                Role::Patch | Role::Cover => {}
            }
        }
    }

    fn place(&mut self, i: usize, m: &Message, r: Role, series: &mut Vec<SeriesEntry>) {
        match self.target(i, series) {
            Target::Nowhere if r == Role::ReplyPatch => self.own_series(i, m, series),
            Target::Nowhere => {
                let why = self.unplaced_reason(m);
                self.others.push(other(m, why));
            }
            Target::Retired(a) => {
                let what = self
                    .messages
                    .get(a)
                    .map(|p| {
                        format!(
                            "patch {} of v{}",
                            p.info.number.unwrap_or(1),
                            p.info.version
                        )
                    })
                    .unwrap_or_default();
                let sid = self.retired.get(&a).copied().unwrap_or(0);
                let newest = series.get(sid).map_or(0, |s| s.newest_version);
                self.others.push(other(
                    m,
                    format!(
                        "a reply to {what}, which v{newest} (the newest version) does not carry"
                    ),
                ));
            }
            Target::Placed(sid, 0, anchor) if r != Role::ReplyPatch => {
                // by subject (no threading): the version the reply's subject names
                let cover_version = self
                    .messages
                    .get(anchor)
                    .map_or(m.info.version, |c| c.info.version);
                let review = self.review_of(i, m, None, ReplyTo::Cover);
                self.cover_reviews.push(CoverReview {
                    series: sid,
                    cover_version,
                    review,
                });
                self.placed.insert(i, (sid, 0));
            }
            Target::Placed(_, 0, _) => self.others.push(other(
                m,
                "a reply to the cover letter carrying a diff without a patch number".into(),
            )),
            Target::Placed(sid, number, _) => self.on_patch(i, m, r, sid, number, series),
        }
    }

    /// A reply with a diff whose patch we never saw: keep it as its own series.
    fn own_series(&mut self, i: usize, m: &Message, series: &mut Vec<SeriesEntry>) {
        let number = m.info.number.unwrap_or(1);
        series.push(SeriesEntry {
            title: m.info.title.clone(),
            total: 0,
            versions: vec![m.info.version],
            covers: Vec::new(),
            missing: Vec::new(),
            duplicates: Vec::new(),
            base_commit: m.base_commit.clone(),
            prerequisite_patch_ids: m.prerequisite_patch_ids.clone(),
            newest_version: m.info.version,
            partial_reroll: false,
            change_id: m.change_id.clone(),
            patches: vec![PatchEntry {
                number,
                title: m.info.title.clone(),
                revisions: vec![revision_of(m, FoundAs::Reply, m.info.version)],
                reviews: Vec::new(),
            }],
            retired: Vec::new(),
        });
        self.placed.insert(i, (series.len() - 1, number));
    }

    fn on_patch(
        &mut self,
        i: usize,
        m: &Message,
        r: Role,
        sid: usize,
        number: u32,
        series: &mut [SeriesEntry],
    ) {
        let Some(entry) = series.get_mut(sid) else {
            return;
        };
        if !entry.patches.iter().any(|p| p.number == number) {
            if entry.total > 0 && number > entry.total {
                let why = format!(
                    "a reply about patch {number}, beyond the {} patch(es) of v{} (the newest version)",
                    entry.total, entry.newest_version
                );
                self.others.push(other(m, why));
                return;
            }
            entry.patches.push(PatchEntry {
                number,
                title: m.info.title.clone(),
                revisions: Vec::new(),
                reviews: Vec::new(),
            });
            entry.patches.sort_by_key(|p| p.number);
        }
        let Some(pe) = entry.patches.iter_mut().find(|p| p.number == number) else {
            return;
        };
        if r == Role::ReplyPatch {
            let version = pe.revisions.last().map_or(m.info.version, |rv| rv.version);
            pe.revisions.push(revision_of(m, FoundAs::Reply, version));
            self.placed.insert(i, (sid, number));
            return;
        }
        let target_message = answered_revision(i, m, pe, self.messages, self.thread);
        let review = self.review_of(i, m, target_message, ReplyTo::Patch);
        pe.reviews.push(review);
        self.placed.insert(i, (sid, number));
    }
}

/// Which revision does reply `i` answer? Its nearest ancestor among the
/// revisions, else the newest revision posted before it.
fn answered_revision(
    i: usize,
    m: &Message,
    pe: &PatchEntry,
    messages: &[Message],
    thread: &Thread,
) -> Option<usize> {
    if let Some(direct) = thread
        .ancestors(i)
        .into_iter()
        .find(|&a| pe.revisions.iter().any(|rv| rv.message == a))
    {
        return Some(direct);
    }
    let mine = m.timestamp;
    pe.revisions
        .iter()
        .filter(|rv| {
            let theirs = messages.get(rv.message).and_then(|x| x.timestamp);
            match (theirs, mine) {
                (Some(a), Some(b)) => a <= b,
                _ => rv.message < i,
            }
        })
        .max_by_key(|rv| {
            (
                messages.get(rv.message).and_then(|x| x.timestamp),
                rv.message,
            )
        })
        .map(|rv| rv.message)
}
