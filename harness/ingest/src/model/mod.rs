//! The series model in the domain's words: messages, postings, series,
//! patches, revisions, reviews, gaps and duplicates; `harness.series/1`.

use crate::mime::{self, Mail};
use crate::subject::{self, SubjectInfo};
use crate::textscan::{self, TextHunk, Trailer};
use crate::{trailers, SourceKind};
use serde::Serialize;
use std::path::PathBuf;

mod build;
mod classify;
mod date;
mod group;
mod replies;
mod revisions;
mod thread;

pub use build::{build, build_with, BuildOptions};
pub use date::parse_date;

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
    /// The message's own trailers (last paragraph of a patch's message).
    pub trailers: Vec<Trailer>,
    /// Trailers as a follow-up gives them (b4's follow-up rules).
    pub followup_trailers: Vec<Trailer>,
    /// 1-based line of a diff header (`---`/`+++`, `diff --git`) in the text.
    pub diff_header: Option<usize>,
    pub diffstat: bool,
    pub change_id: Option<String>,
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
        let text = crate::text_lossy(&textbytes).into_owned();
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
        self.trailers = trailers::own(&text);
        self.diff_header = textscan::diff_header_line(&text);
        // A follow-up's trailers are in what it writes, not in a diff it
        // carries: read only the text before the first (unquoted) diff
        // header (a patch's diff is most of its text).
        let before_diff = match self.diff_header {
            Some(line) => text
                .split_inclusive('\n')
                .take(line - 1)
                .collect::<String>(),
            None => text.clone(),
        };
        self.followup_trailers = trailers::followup(&before_diff);
        self.diffstat = textscan::has_diffstat(&text);
        self.change_id = textscan::change_id(&text);
        if self.hunks.is_empty() {
            if let Some(line) = self.diff_header {
                self.damage.push(format!(
                    "diff headers at line {line} of the message text but no hunk could be read (unparsable `@@` line?)"
                ));
            }
        }
        let (b, p) = textscan::base_info(&text);
        self.base_commit = b;
        self.prerequisite_patch_ids = p;
        self.text = text;
    }

    pub fn parent_id(&self) -> Option<&str> {
        self.in_reply_to
            .as_deref()
            .or_else(|| self.references.last().map(String::as_str))
    }

    /// Carries a diff: hunks, or diff headers whose hunks are damaged.
    pub fn is_patch(&self) -> bool {
        !self.hunks.is_empty()
            || self.diff_header.is_some()
            || crate::textscan::has_git_file_op(&self.text)
    }

    /// The address of `From:` (lower case), if any.
    pub fn from_email(&self) -> Option<String> {
        self.from
            .as_deref()
            .and_then(trailers::person_addr)
            .map(|(_, a)| a.to_lowercase())
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
    /// Trailers given in the reply (Acked-by, Reviewed-by, ...) that name
    /// its sender (or all of them with sloppy trailers).
    pub trailers: Vec<Trailer>,
    /// Trailers naming someone other than the sender: b4 refuses them
    /// unless told `--sloppy-trailers`.
    pub mismatched_trailers: Vec<Trailer>,
    /// What the reply answers.
    pub to: ReplyTo,
    /// The reply's own words (unquoted lines, first few).
    pub comment: String,
}

/// What a review answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReplyTo {
    /// The patch revision itself (or a reply below it).
    Patch,
    /// The cover letter: its trailers apply to every patch of the revision.
    Cover,
    /// An earlier revision with the identical diff (same patch id): its
    /// trailers carry over, as b4 does.
    CarriedOver,
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
    /// The `vN` taken as a whole (its patches, its total).
    pub newest_version: u32,
    /// The newest version re-sends only some patches, each as a reply to
    /// the same `n/N` of the previous version; the rest are carried forward.
    pub partial_reroll: bool,
    pub change_id: Option<String>,
    pub patches: Vec<PatchEntry>,
    /// Patches of older versions that the newest version does not carry
    /// (also listed in `others`); kept for `--revision N`.
    #[serde(skip)]
    pub retired: Vec<Retired>,
}

/// A patch of an older version left out of the newest one.
#[derive(Debug, Clone)]
pub struct Retired {
    pub version: u32,
    pub number: u32,
    pub message: usize,
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

#[cfg(test)]
mod followup_tests {
    use super::*;

    #[test]
    fn a_trailer_inside_a_carried_diff_is_not_a_followup_trailer() {
        // A reply that carries a fixup diff of a file listing trailers: the
        // diff's context line is the file's text, not the sender's trailer.
        // The sender's own line before the diff is.
        let raw = b"From: Rev Iewer <rev@example.org>\nSubject: Re: [PATCH 1/1] doc\n\
Message-Id: <r1@example.org>\nIn-Reply-To: <p1@example.org>\n\n\
Tested-by: Rev Iewer <rev@example.org>\n\nfixup:\n\n\
diff --git a/doc.txt b/doc.txt\n--- a/doc.txt\n+++ b/doc.txt\n@@ -1,2 +1,2 @@\n\
 Acked-by: Some One <one@example.org>\n-old\n+new\n";
        let m = Message::from_raw(0, PathBuf::from("t.mbox"), 1, raw);
        let names: Vec<&str> = m
            .followup_trailers
            .iter()
            .map(|t| t.name.as_str())
            .collect();
        assert_eq!(names, vec!["Tested-by"], "{:?}", m.followup_trailers);
    }
}
