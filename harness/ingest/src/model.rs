//! The series model in the domain's words: messages, postings, series,
//! patches, revisions, reviews, gaps and duplicates; `harness.series/1`.

use crate::mime::{self, Mail};
use crate::subject::{self, SubjectInfo};
use crate::textscan::{self, TextHunk, Trailer};
use crate::SourceKind;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

pub const SERIES_SCHEMA: &str = "harness.series/1";

/// One message (mail, archive post, or mail-formatted patch file).
#[derive(Debug, Clone, Default)]
pub struct Message {
    /// Position in the source (0-based).
    pub index: usize,
    pub path: PathBuf,
    /// 1-based line where the message starts in `path`.
    pub line: usize,
    pub message_id: Option<String>,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    pub subject: String,
    pub info: SubjectInfo,
    pub from: Option<String>,
    pub date: Option<String>,
    pub timestamp: Option<i64>,
    /// Decoded text (inline body, then text attachments).
    pub text: String,
    /// Bytes a patch tool should read for this message.
    pub content: Vec<u8>,
    pub hunks: Vec<TextHunk>,
    pub quoted: Vec<TextHunk>,
    pub trailers: Vec<Trailer>,
    pub base_commit: Option<String>,
    pub prerequisite_patch_ids: Vec<String>,
    pub damage: Vec<String>,
}

fn angle_strip(s: &str) -> Option<String> {
    let t = s.trim();
    let t = t.strip_prefix('<').unwrap_or(t);
    let t = t.split('>').next().unwrap_or(t).trim();
    if t.is_empty() {
        None
    } else {
        Some(t.to_owned())
    }
}

fn id_list(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in s.split('<').skip(1) {
        if let Some(id) = part.split('>').next() {
            let id = id.trim();
            if !id.is_empty() {
                out.push(id.to_owned());
            }
        }
    }
    if out.is_empty() {
        out.extend(s.split_whitespace().map(str::to_owned));
    }
    out
}

impl Message {
    /// Build a message from raw bytes (one mail).
    pub fn from_raw(index: usize, path: PathBuf, line: usize, raw: &[u8]) -> Message {
        let mail = mime::parse_mail(raw);
        Message::from_mail(index, path, line, raw, mail)
    }

    pub fn from_mail(index: usize, path: PathBuf, line: usize, raw: &[u8], mail: Mail) -> Message {
        let mut textbytes = mail.body.clone();
        for a in &mail.attachments {
            if !textbytes.is_empty() && !textbytes.ends_with(b"\n") {
                textbytes.push(b'\n');
            }
            textbytes.extend_from_slice(&a.content);
        }
        let subject = mail.header("Subject").unwrap_or("").to_owned();
        let from = mail.header("From").map(str::to_owned);
        let date = mail.header("Date").map(str::to_owned);
        let content = if mail.transformed {
            let mut c = Vec::new();
            if let Some(f) = &from {
                c.extend_from_slice(format!("From: {f}\n").as_bytes());
            }
            if let Some(d) = &date {
                c.extend_from_slice(format!("Date: {d}\n").as_bytes());
            }
            c.extend_from_slice(format!("Subject: {subject}\n\n").as_bytes());
            c.extend_from_slice(&textbytes);
            c
        } else {
            raw.to_vec()
        };
        let text = String::from_utf8_lossy(&textbytes).into_owned();
        let mut m = Message {
            index,
            path,
            line,
            message_id: mail.header("Message-ID").and_then(angle_strip),
            in_reply_to: mail
                .header("In-Reply-To")
                .and_then(|v| id_list(v).into_iter().next()),
            references: mail.header("References").map(id_list).unwrap_or_default(),
            info: subject::parse(&subject),
            subject,
            timestamp: date.as_deref().and_then(parse_date),
            from,
            date,
            content,
            damage: mail.damage,
            ..Default::default()
        };
        m.set_text(text);
        m
    }

    /// Set the decoded text and derive hunks, trailers and base info from it.
    pub fn set_text(&mut self, text: String) {
        self.hunks = textscan::own_hunks(&text);
        self.quoted = textscan::quoted_hunks(&text);
        self.trailers = textscan::trailers(&text);
        let (b, p) = textscan::base_info(&text);
        self.base_commit = b;
        self.prerequisite_patch_ids = p;
        self.text = text;
    }

    fn parent_id(&self) -> Option<&str> {
        self.in_reply_to
            .as_deref()
            .or_else(|| self.references.last().map(String::as_str))
    }

    pub fn is_patch(&self) -> bool {
        !self.hunks.is_empty() || textscan::has_git_file_op(&self.text)
    }

    pub fn is_cover(&self) -> bool {
        self.info.number == Some(0) && !self.info.reply
    }

    pub fn location(&self) -> String {
        format!("{}:{}", self.path.display(), self.line)
    }
}

/// How a revision was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FoundAs {
    /// Posted as a patch of the first version seen.
    Original,
    /// Posted as a patch of a later `vN`.
    NewVersion,
    /// Carried by a reply (`Re:`) to an earlier revision.
    Reply,
}

#[derive(Debug, Clone, Serialize)]
pub struct Revision {
    pub message_id: Option<String>,
    pub subject: String,
    pub from: Option<String>,
    pub date: Option<String>,
    pub found_as: FoundAs,
    /// `vN` of the posting (a reply keeps the version it answers).
    pub version: u32,
    pub location: String,
    pub trailers: Vec<Trailer>,
    pub files: Vec<String>,
    pub hunks: usize,
    /// Hunks that end before their header's line counts (damage).
    pub short_hunks: Vec<HunkRef>,
    pub damage: Vec<String>,
    /// Index of the message in the source (internal).
    #[serde(skip)]
    pub message: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct HunkRef {
    pub file: String,
    pub header: String,
    /// 1-based line in the message text.
    pub line: usize,
    /// All lines the header announces were quoted/present.
    pub complete: bool,
}

impl HunkRef {
    fn of(h: &TextHunk) -> HunkRef {
        HunkRef {
            file: h.file.clone(),
            header: h.header.clone(),
            line: h.line,
            complete: !h.short,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReplyKind {
    /// Quotes hunks of the patch.
    Review,
    /// A reply without quoted hunks (may still carry trailers).
    Comment,
}

#[derive(Debug, Clone, Serialize)]
pub struct Review {
    pub kind: ReplyKind,
    pub message_id: Option<String>,
    pub subject: String,
    pub from: Option<String>,
    pub date: Option<String>,
    pub location: String,
    /// 1-based index into the patch's `revisions` this reply answers.
    pub revision: Option<usize>,
    #[serde(skip)]
    pub target_message: Option<usize>,
    pub quoted_hunks: Vec<HunkRef>,
    /// Trailers given in the reply (Acked-by, Reviewed-by, ...).
    pub trailers: Vec<Trailer>,
    /// The reply's own words (unquoted lines, first few).
    pub comment: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct PatchEntry {
    pub number: u32,
    pub title: String,
    pub revisions: Vec<Revision>,
    pub reviews: Vec<Review>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Duplicate {
    pub number: u32,
    pub version: u32,
    pub message_ids: Vec<Option<String>>,
    pub locations: Vec<String>,
    /// The duplicates carry the same hunks.
    pub identical: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Cover {
    pub message_id: Option<String>,
    pub subject: String,
    pub from: Option<String>,
    pub date: Option<String>,
    pub version: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct SeriesEntry {
    pub title: String,
    pub total: u32,
    pub versions: Vec<u32>,
    pub covers: Vec<Cover>,
    pub missing: Vec<u32>,
    pub duplicates: Vec<Duplicate>,
    pub base_commit: Option<String>,
    pub prerequisite_patch_ids: Vec<String>,
    pub patches: Vec<PatchEntry>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OtherMessage {
    pub message_id: Option<String>,
    pub subject: String,
    pub location: String,
    pub why: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct DamageNote {
    pub location: String,
    pub subject: String,
    pub problem: String,
}

/// `harness.series/1`.
#[derive(Debug, Clone, Serialize)]
pub struct SeriesReport {
    pub schema: String,
    pub source: String,
    pub kind: SourceKind,
    pub messages: usize,
    pub series: Vec<SeriesEntry>,
    pub others: Vec<OtherMessage>,
    pub damage: Vec<DamageNote>,
}

/// Parse an RFC 2822 date into seconds since the epoch (lenient).
pub fn parse_date(s: &str) -> Option<i64> {
    let s = s.split('(').next().unwrap_or(s);
    let mut words: Vec<&str> = s
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .collect();
    if words
        .first()
        .is_some_and(|w| w.chars().all(|c| c.is_ascii_alphabetic()))
    {
        words.remove(0);
    }
    let day: i64 = words.first()?.parse().ok()?;
    let months = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let mon_word = words.get(1)?.to_ascii_lowercase();
    let month = months.iter().position(|m| mon_word.starts_with(m))? as i64 + 1;
    let mut year: i64 = words.get(2)?.parse().ok()?;
    if year < 50 {
        year += 2000;
    } else if year < 1000 {
        year += 1900;
    }
    let mut hms = words.get(3)?.split(':').map(|p| p.parse::<i64>().ok());
    let h = hms.next()??;
    let mi = hms.next()??;
    let se = hms.next().flatten().unwrap_or(0);
    let zone = words.get(4).copied().unwrap_or("+0000");
    let off = if let Some(z) = zone.strip_prefix('+').or_else(|| zone.strip_prefix('-')) {
        let v: i64 = z.get(..4).and_then(|d| d.parse().ok()).unwrap_or(0);
        let secs = (v / 100) * 3600 + (v % 100) * 60;
        if zone.starts_with('-') {
            -secs
        } else {
            secs
        }
    } else {
        0
    };
    if !(1..=31).contains(&day) || !(0..24).contains(&h) || !(0..60).contains(&mi) {
        return None;
    }
    // days from civil (Howard Hinnant)
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146097 + doe - 719468;
    Some(days * 86400 + h * 3600 + mi * 60 + se - off)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Patch,
    Cover,
    ReplyPatch,
    Review,
    Comment,
    Other,
}

fn role(m: &Message) -> Role {
    if m.is_cover() && m.info.is_patch {
        Role::Cover
    } else if m.is_patch() && m.info.reply {
        Role::ReplyPatch
    } else if m.is_patch() {
        Role::Patch
    } else if m.info.reply && !m.quoted.is_empty() {
        Role::Review
    } else if m.info.reply || m.in_reply_to.is_some() {
        Role::Comment
    } else {
        Role::Other
    }
}

/// Build the series model from messages in source order.
pub fn build(source: &str, kind: SourceKind, messages: &[Message]) -> SeriesReport {
    let by_id: HashMap<&str, usize> = messages
        .iter()
        .enumerate()
        .filter_map(|(i, m)| m.message_id.as_deref().map(|id| (id, i)))
        .collect();
    let roles: Vec<Role> = messages.iter().map(role).collect();

    // Thread root of a message (bounded walk; cycles stop it).
    let root_of = |i: usize| -> usize {
        let mut cur = i;
        for _ in 0..messages.len().min(10_000) {
            let Some(p) = messages.get(cur).and_then(|m| m.parent_id()) else {
                break;
            };
            match by_id.get(p) {
                Some(&j) if j != cur => cur = j,
                _ => break,
            }
        }
        cur
    };

    // 1. Postings: originals (patches and covers not sent as replies).
    let mut posting_key: BTreeMap<usize, String> = BTreeMap::new();
    let is_original = |i: usize| matches!(roles.get(i), Some(Role::Patch | Role::Cover));
    // roots that other originals thread under (a first patch used as thread root)
    let thread_roots: std::collections::HashSet<usize> = (0..messages.len())
        .filter(|&i| is_original(i))
        .map(&root_of)
        .filter(|&r| (0..messages.len()).any(|j| j != r && is_original(j) && root_of(j) == r))
        .collect();
    for (i, m) in messages.iter().enumerate() {
        if !is_original(i) {
            continue;
        }
        let root = root_of(i);
        let key = if root != i || thread_roots.contains(&i) || roles.get(i) == Some(&Role::Cover) {
            format!("thread:{root}:v{}", m.info.version)
        } else if let Some(t) = m.info.total {
            // one posting per (version, total): RT-style series mix authors
            format!("counter:v{}:{}", m.info.version, t)
        } else {
            format!(
                "single:v{}:{}",
                m.info.version,
                subject::normalise_title(&m.info.title)
            )
        };
        posting_key.insert(i, key);
    }
    // 2. Merge postings into series: union-find over posting keys sharing a
    // cover title or a patch title.
    let keys: Vec<String> = {
        let mut k: Vec<String> = posting_key.values().cloned().collect();
        k.sort();
        k.dedup();
        k
    };
    let mut parent: Vec<usize> = (0..keys.len()).collect();
    fn find(p: &mut [usize], mut x: usize) -> usize {
        let mut guard = 0;
        while let Some(&px) = p.get(x) {
            if px == x || guard > p.len() {
                break;
            }
            x = px;
            guard += 1;
        }
        x
    }
    let key_idx = |k: &str| keys.iter().position(|x| x == k).unwrap_or(0);
    let mut title_owner: HashMap<String, usize> = HashMap::new();
    for (&i, k) in &posting_key {
        let Some(m) = messages.get(i) else { continue };
        let t = format!(
            "{}:{}",
            if m.is_cover() { "cover" } else { "patch" },
            subject::normalise_title(&m.info.title)
        );
        let ki = key_idx(k);
        match title_owner.get(&t) {
            Some(&other) => {
                let a = find(&mut parent, ki);
                let b = find(&mut parent, other);
                if a != b {
                    if let Some(slot) = parent.get_mut(a) {
                        *slot = b;
                    }
                }
            }
            None => {
                title_owner.insert(t, ki);
            }
        }
    }
    // series id per posting key root, in order of first appearance
    let mut series_of_key: HashMap<usize, usize> = HashMap::new();
    let mut series_msgs: Vec<Vec<usize>> = Vec::new();
    for (&i, k) in &posting_key {
        let r = find(&mut parent, key_idx(k));
        let sid = *series_of_key.entry(r).or_insert_with(|| {
            series_msgs.push(Vec::new());
            series_msgs.len() - 1
        });
        if let Some(v) = series_msgs.get_mut(sid) {
            v.push(i);
        }
    }

    let mut series: Vec<SeriesEntry> = Vec::new();
    // message index -> (series, number)
    let mut placed: HashMap<usize, (usize, u32)> = HashMap::new();
    for msgs in &series_msgs {
        let sid = series.len();
        let min_version = msgs
            .iter()
            .filter_map(|&i| messages.get(i))
            .map(|m| m.info.version)
            .min()
            .unwrap_or(1);
        let mut entry = SeriesEntry {
            title: String::new(),
            total: 0,
            versions: Vec::new(),
            covers: Vec::new(),
            missing: Vec::new(),
            duplicates: Vec::new(),
            base_commit: None,
            prerequisite_patch_ids: Vec::new(),
            patches: Vec::new(),
        };
        let mut patches: BTreeMap<u32, PatchEntry> = BTreeMap::new();
        let mut dups: BTreeMap<(u32, u32), Vec<usize>> = BTreeMap::new();
        for &i in msgs {
            let Some(m) = messages.get(i) else { continue };
            if !entry.versions.contains(&m.info.version) {
                entry.versions.push(m.info.version);
            }
            if m.base_commit.is_some() {
                entry.base_commit = m.base_commit.clone();
            }
            for p in &m.prerequisite_patch_ids {
                if !entry.prerequisite_patch_ids.contains(p) {
                    entry.prerequisite_patch_ids.push(p.clone());
                }
            }
            if roles.get(i) == Some(&Role::Cover) {
                entry.covers.push(Cover {
                    message_id: m.message_id.clone(),
                    subject: m.subject.clone(),
                    from: m.from.clone(),
                    date: m.date.clone(),
                    version: m.info.version,
                });
                continue;
            }
            let number = m.info.number.unwrap_or(1);
            let found_as = if m.info.version > min_version {
                FoundAs::NewVersion
            } else {
                FoundAs::Original
            };
            let pe = patches.entry(number).or_insert_with(|| PatchEntry {
                number,
                title: m.info.title.clone(),
                revisions: Vec::new(),
                reviews: Vec::new(),
            });
            let same: Vec<usize> = pe
                .revisions
                .iter()
                .filter(|r| r.version == m.info.version && r.found_as != FoundAs::Reply)
                .map(|r| r.message)
                .collect();
            if let Some(&first) = same.first() {
                let d = dups
                    .entry((number, m.info.version))
                    .or_insert_with(|| vec![first]);
                d.push(i);
                let identical = messages
                    .get(first)
                    .is_some_and(|f| same_hunks(&f.hunks, &m.hunks));
                if identical {
                    placed.insert(i, (sid, number));
                    continue;
                }
            }
            pe.revisions.push(revision_of(m, found_as, m.info.version));
            placed.insert(i, (sid, number));
        }
        for ((number, version), ids) in dups {
            let first = ids.first().and_then(|&i| messages.get(i));
            entry.duplicates.push(Duplicate {
                number,
                version,
                message_ids: ids
                    .iter()
                    .filter_map(|&i| messages.get(i))
                    .map(|m| m.message_id.clone())
                    .collect(),
                locations: ids
                    .iter()
                    .filter_map(|&i| messages.get(i))
                    .map(Message::location)
                    .collect(),
                identical: ids
                    .iter()
                    .filter_map(|&i| messages.get(i))
                    .all(|m| first.is_some_and(|f| same_hunks(&f.hunks, &m.hunks))),
            });
        }
        entry.patches = patches.into_values().collect();
        series.push(entry);
    }

    // 3. Replies: new revisions carried by replies, reviews and comments.
    let mut others = Vec::new();
    let order: Vec<usize> = (0..messages.len()).collect();
    for &i in &order {
        let Some(m) = messages.get(i) else { continue };
        let r = roles.get(i).copied().unwrap_or(Role::Other);
        if !matches!(r, Role::ReplyPatch | Role::Review | Role::Comment) {
            if r == Role::Other {
                others.push(OtherMessage {
                    message_id: m.message_id.clone(),
                    subject: m.subject.clone(),
                    location: m.location(),
                    why: "neither a patch nor a reply to one".into(),
                });
            }
            continue;
        }
        let target = find_target(i, messages, &by_id, &placed, &series);
        let Some((sid, number)) = target else {
            if r == Role::ReplyPatch {
                // A reply with a diff whose patch we never saw: keep it as its own series.
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
                    patches: vec![PatchEntry {
                        number,
                        title: m.info.title.clone(),
                        revisions: vec![revision_of(m, FoundAs::Reply, m.info.version)],
                        reviews: Vec::new(),
                    }],
                });
                placed.insert(i, (series.len() - 1, number));
            } else {
                others.push(OtherMessage {
                    message_id: m.message_id.clone(),
                    subject: m.subject.clone(),
                    location: m.location(),
                    why: "a reply to a message that is not in this source".into(),
                });
            }
            continue;
        };
        let Some(entry) = series.get_mut(sid) else {
            continue;
        };
        if number == 0 {
            // reply to the cover letter
            if r == Role::ReplyPatch {
                others.push(OtherMessage {
                    message_id: m.message_id.clone(),
                    subject: m.subject.clone(),
                    location: m.location(),
                    why: "a reply to the cover letter carrying a diff without a patch number"
                        .into(),
                });
            }
            continue;
        }
        let pe = match entry.patches.iter_mut().position(|p| p.number == number) {
            Some(p) => entry.patches.get_mut(p),
            None => {
                entry.patches.push(PatchEntry {
                    number,
                    title: m.info.title.clone(),
                    revisions: Vec::new(),
                    reviews: Vec::new(),
                });
                entry.patches.sort_by_key(|p| p.number);
                entry.patches.iter_mut().find(|p| p.number == number)
            }
        };
        let Some(pe) = pe else { continue };
        if r == Role::ReplyPatch {
            let version = pe
                .revisions
                .last()
                .map(|rv| rv.version)
                .unwrap_or(m.info.version);
            pe.revisions.push(revision_of(m, FoundAs::Reply, version));
            placed.insert(i, (sid, number));
        } else {
            // which revision does it answer?
            let direct = m
                .parent_id()
                .and_then(|p| by_id.get(p))
                .and_then(|&j| pe.revisions.iter().position(|rv| rv.message == j));
            let target_message = direct
                .or_else(|| {
                    // the newest revision posted before this reply
                    let mine = m.timestamp;
                    pe.revisions
                        .iter()
                        .enumerate()
                        .filter(|(_, rv)| {
                            let theirs = messages.get(rv.message).and_then(|x| x.timestamp);
                            match (theirs, mine) {
                                (Some(a), Some(b)) => a <= b,
                                _ => rv.message < i,
                            }
                        })
                        .max_by_key(|(_, rv)| {
                            (
                                messages.get(rv.message).and_then(|x| x.timestamp),
                                rv.message,
                            )
                        })
                        .map(|(k, _)| k)
                })
                .and_then(|k| pe.revisions.get(k))
                .map(|rv| rv.message);
            let comment: Vec<&str> = m
                .text
                .lines()
                .filter(|l| !l.starts_with('>') && !l.trim().is_empty())
                .filter(|l| !l.trim_end().ends_with("wrote:"))
                .take(3)
                .collect();
            pe.reviews.push(Review {
                kind: if r == Role::Review {
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
                trailers: m.trailers.clone(),
                comment: comment.join("\n"),
            });
            placed.insert(i, (sid, number));
        }
    }

    // 4. Order revisions, compute totals, titles and gaps.
    for entry in &mut series {
        for pe in &mut entry.patches {
            let all_dated = pe.revisions.iter().all(|r| {
                messages
                    .get(r.message)
                    .is_some_and(|m| m.timestamp.is_some())
            });
            if all_dated {
                pe.revisions.sort_by_key(|r| {
                    (messages.get(r.message).and_then(|m| m.timestamp), r.message)
                });
            } else {
                pe.revisions.sort_by_key(|r| (r.version, r.message));
            }
            // reviews point at revisions by message index: resolve after sorting
            for rv in &mut pe.reviews {
                rv.revision = rv.target_message.and_then(|t| {
                    pe.revisions
                        .iter()
                        .position(|r| r.message == t)
                        .map(|k| k + 1)
                });
            }
            if let Some(last) = pe.revisions.last() {
                if let Some(m) = messages.get(last.message) {
                    pe.title = m.info.title.clone();
                }
            }
        }
        let newest_version = entry.versions.iter().copied().max().unwrap_or(1);
        let mut total = 0;
        for pe in &entry.patches {
            for r in &pe.revisions {
                if let Some(m) = messages.get(r.message) {
                    if m.info.version == newest_version || total == 0 {
                        total = total.max(m.info.total.unwrap_or(0));
                    }
                }
            }
        }
        if total == 0 {
            total = entry.patches.iter().map(|p| p.number).max().unwrap_or(0);
        }
        entry.total = total;
        entry.versions.sort_unstable();
        entry.missing = (1..=total)
            .filter(|n| {
                !entry
                    .patches
                    .iter()
                    .any(|p| p.number == *n && !p.revisions.is_empty())
            })
            .collect();
        entry.title = entry
            .covers
            .last()
            .map(|c| subject::parse(&c.subject).title)
            .or_else(|| entry.patches.first().map(|p| p.title.clone()))
            .unwrap_or_default();
    }

    let damage = messages
        .iter()
        .flat_map(|m| {
            m.damage.iter().map(move |d| DamageNote {
                location: m.location(),
                subject: m.subject.clone(),
                problem: d.clone(),
            })
        })
        .collect();
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

fn same_hunks(a: &[TextHunk], b: &[TextHunk]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x.file == y.file && x.header == y.header && x.lines == y.lines)
}

fn revision_of(m: &Message, found_as: FoundAs, version: u32) -> Revision {
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

/// Which (series, patch number) does reply `i` belong to?
fn find_target(
    i: usize,
    messages: &[Message],
    by_id: &HashMap<&str, usize>,
    placed: &HashMap<usize, (usize, u32)>,
    series: &[SeriesEntry],
) -> Option<(usize, u32)> {
    let m = messages.get(i)?;
    // walk up the thread to the first placed message
    let mut cur = m.parent_id();
    let mut guard = 0;
    while let Some(id) = cur {
        guard += 1;
        if guard > 1000 {
            break;
        }
        let &j = by_id.get(id)?;
        if let Some(&(s, n)) = placed.get(&j) {
            let is_cover = messages.get(j).is_some_and(Message::is_cover);
            let number = if is_cover {
                m.info.number.unwrap_or(0)
            } else {
                n
            };
            return Some((s, number));
        }
        cur = messages.get(j).and_then(|p| p.parent_id());
    }
    // No threading: match the subject.
    let title = subject::normalise_title(&m.info.title);
    for (s, entry) in series.iter().enumerate() {
        for pe in &entry.patches {
            let number_ok = m.info.number.is_none_or(|n| n == pe.number);
            if number_ok && subject::normalise_title(&pe.title) == title {
                return Some((s, pe.number));
            }
        }
        if m.info.number == Some(0)
            && entry
                .covers
                .iter()
                .any(|c| subject::normalise_title(&subject::parse(&c.subject).title) == title)
        {
            return Some((s, 0));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(parse_date("Thu, 01 Jan 1970 00:00:00 +0000"), Some(0));
        assert_eq!(
            parse_date("Wed, 06 Dec 2006 22:30:28 GMT"),
            Some(1_165_444_228)
        );
        assert_eq!(
            parse_date("Tue, 16 Aug 2022 09:45:22 +0200"),
            Some(1_660_635_922)
        );
        assert_eq!(parse_date("garbage"), None);
    }
}
