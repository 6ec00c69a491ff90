//! Later revisions of a series on a public-inbox server: search by
//! `change-id:` (b4's cover-letter trailer) and by subject, read the
//! matches as mail, and name the newest `vN` of the same series.

use crate::{search, Config, FetchError};
use harness_ingest::Message;
use std::collections::BTreeMap;

/// What identifies the series being checked.
#[derive(Debug, Clone)]
pub struct Wanted {
    /// The series title (subject without prefixes).
    pub title: String,
    /// Its `change-id:`, when the posting has one.
    pub change_id: Option<String>,
    /// The newest `vN` the source holds.
    pub version: u32,
}

/// One posted version found on the server.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Posting {
    pub version: u32,
    /// The cover letter's Message-ID, else patch 1's.
    pub message_id: String,
    pub subject: String,
    pub date: Option<String>,
    /// How it was matched: `change-id` or `subject`.
    pub matched_by: MatchedBy,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MatchedBy {
    ChangeId,
    Subject,
}

/// The result of a check for newer revisions.
#[derive(Debug, Clone, serde::Serialize)]
pub struct NewerReport {
    pub server: String,
    pub queries: Vec<String>,
    /// The version the source holds.
    pub current: u32,
    /// Every version found on the server, oldest first (the source's own too).
    pub found: Vec<Posting>,
    /// The newest version found when it is newer than `current`.
    pub newest: Option<Posting>,
}

/// The public-inbox queries for `w`: the change-id as a phrase, and the
/// title as a subject phrase.
pub fn queries(w: &Wanted) -> Vec<String> {
    let mut q = Vec::new();
    if let Some(c) = &w.change_id {
        q.push(format!("\"{}\"", c.replace('"', "")));
    }
    q.push(format!("s:\"{}\"", w.title.replace('"', "")));
    q
}

/// Search `server` for later revisions of `w`.
pub fn check_newer(cfg: &Config, server: &str, w: &Wanted) -> Result<NewerReport, FetchError> {
    let qs = queries(w);
    // per version: (patch number, posting); the cover (0) names a version best
    let mut by_version: BTreeMap<u32, (u32, Posting)> = BTreeMap::new();
    for q in &qs {
        let r = search(cfg, server, q)?;
        let data = std::fs::read(&r.path).map_err(|source| FetchError::Cache {
            path: r.path.clone(),
            source,
        })?;
        for raw in harness_ingest::mbox::split_mbox(&r.path, &data) {
            let m = Message::from_raw(0, r.path.clone(), raw.line, &raw.bytes);
            if let Some(p) = posting_of(&m, w) {
                let n = m.info.number.unwrap_or(u32::MAX);
                if by_version.get(&p.version).is_none_or(|(old, _)| n < *old) {
                    by_version.insert(p.version, (n, p));
                }
            }
        }
    }
    let found: Vec<Posting> = by_version.into_values().map(|(_, p)| p).collect();
    let newest = found.last().filter(|p| p.version > w.version).cloned();
    Ok(NewerReport {
        server: server.to_owned(),
        queries: qs,
        current: w.version,
        found,
        newest,
    })
}

/// `m` as a posting of the series `w`: not a reply, a patch or cover of
/// the same change-id, or of the same title.
fn posting_of(m: &Message, w: &Wanted) -> Option<Posting> {
    if m.info.reply || !m.info.is_patch {
        return None;
    }
    let matched_by = match (&w.change_id, &m.change_id) {
        (Some(a), Some(b)) if a == b => MatchedBy::ChangeId,
        _ if m.info.title.eq_ignore_ascii_case(&w.title) => MatchedBy::Subject,
        _ => return None,
    };
    Some(Posting {
        version: m.info.version,
        message_id: m.message_id.clone()?,
        subject: m.subject.clone(),
        date: m.date.clone(),
        matched_by,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn msg(subject: &str, body: &str) -> Message {
        let raw = format!("Message-ID: <{subject}@x>\nSubject: {subject}\n\n{body}");
        Message::from_raw(0, PathBuf::from("m"), 1, raw.as_bytes())
    }

    #[test]
    fn matches_by_change_id_then_title() {
        let w = Wanted {
            title: "demo: thing".into(),
            change_id: Some("20260101-thing-1".into()),
            version: 1,
        };
        let a = msg(
            "[PATCH v3 0/2] demo: renamed",
            "x\n\nchange-id: 20260101-thing-1\n",
        );
        assert_eq!(
            posting_of(&a, &w).map(|p| (p.version, p.matched_by)),
            Some((3, MatchedBy::ChangeId))
        );
        let b = msg("[PATCH v2 1/2] demo: thing", "x\n");
        assert_eq!(
            posting_of(&b, &w).map(|p| (p.version, p.matched_by)),
            Some((2, MatchedBy::Subject))
        );
        let c = msg("Re: [PATCH v2 1/2] demo: thing", "x\n");
        assert!(posting_of(&c, &w).is_none(), "a reply is not a posting");
        let d = msg("[PATCH v4 1/2] demo: other", "x\n");
        assert!(posting_of(&d, &w).is_none(), "another series");
    }

    #[test]
    fn query_forms() {
        let w = Wanted {
            title: "a \"b\"".into(),
            change_id: Some("c-1".into()),
            version: 1,
        };
        assert_eq!(
            queries(&w),
            vec!["\"c-1\"".to_owned(), "s:\"a b\"".to_owned()]
        );
    }
}
