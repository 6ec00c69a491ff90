//! Patch mail subjects: `Re: [RFC PATCH net-next v3 02/12] title`.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct SubjectInfo {
    /// `Re:`/`Fwd:`/`AW:`/`SV:` prefixes were present.
    pub reply: bool,
    /// A bracket group named PATCH (or RFC).
    pub is_patch: bool,
    pub rfc: bool,
    /// Other bracket words: tree names like `net-next`, `RESEND`.
    pub tags: Vec<String>,
    /// `vN`; 1 when absent.
    pub version: u32,
    /// `n` of `n/N`.
    pub number: Option<u32>,
    /// `N` of `n/N`.
    pub total: Option<u32>,
    /// The subject without prefixes and bracket groups.
    pub title: String,
}

fn strip_reply_prefix(s: &str) -> Option<&str> {
    for p in ["re:", "fwd:", "fw:", "aw:", "sv:", "antw:", "re :"] {
        if s.len() >= p.len() && s.get(..p.len()).is_some_and(|h| h.eq_ignore_ascii_case(p)) {
            return s.get(p.len()..);
        }
    }
    None
}

fn parse_version(w: &str) -> Option<u32> {
    let lower = w.to_ascii_lowercase();
    let digits = lower.strip_prefix('v')?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

fn parse_counter(w: &str) -> Option<(u32, u32)> {
    let (a, b) = w.split_once('/')?;
    if a.is_empty() || b.is_empty() {
        return None;
    }
    if !a.bytes().all(|c| c.is_ascii_digit()) || !b.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    Some((a.parse().ok()?, b.parse().ok()?))
}

/// Parse a subject line.
pub fn parse(subject: &str) -> SubjectInfo {
    let mut info = SubjectInfo {
        version: 1,
        ..Default::default()
    };
    let mut rest = subject.trim();
    loop {
        if let Some(r) = strip_reply_prefix(rest) {
            info.reply = true;
            rest = r.trim_start();
            continue;
        }
        if let Some(r) = rest.strip_prefix('[') {
            let Some(close) = r.find(']') else { break };
            let group = r.get(..close).unwrap_or("");
            for word in group.split(|c: char| c.is_whitespace() || c == ',') {
                if word.is_empty() {
                    continue;
                }
                let upper = word.to_ascii_uppercase();
                if upper == "PATCH" {
                    info.is_patch = true;
                } else if upper == "RFC" {
                    info.rfc = true;
                    info.is_patch = true;
                } else if let Some(v) = upper.strip_prefix("PATCH").and_then(parse_version) {
                    // [PATCHv2 3/7]
                    info.is_patch = true;
                    info.version = v;
                } else if let Some(v) = parse_version(word) {
                    info.version = v;
                } else if let Some((n, t)) = parse_counter(word) {
                    info.number = Some(n);
                    info.total = Some(t);
                } else {
                    info.tags.push(word.to_owned());
                }
            }
            rest = r.get(close + 1..).unwrap_or("").trim_start();
            continue;
        }
        break;
    }
    info.title = rest.trim().to_owned();
    info
}

/// Title normalised for matching across revisions: lowercase, whitespace collapsed.
pub fn normalise_title(t: &str) -> String {
    t.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes() {
        let s = parse("[RFC PATCH v3 02/12] net: foo");
        assert!(s.rfc && s.is_patch && !s.reply);
        assert_eq!((s.version, s.number, s.total), (3, Some(2), Some(12)));
        assert_eq!(s.title, "net: foo");

        let s = parse("[PATCH net-next v2 3/7] bar: baz");
        assert_eq!(s.tags, vec!["net-next"]);
        assert_eq!((s.version, s.number, s.total), (2, Some(3), Some(7)));

        let s = parse("Re: [PATCH 12/12] network namespace: L2 and L3 intro");
        assert!(s.reply && s.is_patch);
        assert_eq!((s.version, s.number, s.total), (1, Some(12), Some(12)));
        assert_eq!(s.title, "network namespace: L2 and L3 intro");

        let s = parse("[PATCH] one");
        assert_eq!((s.number, s.total, s.version), (None, None, 1));

        let s = parse("RE: Re: [PATCHv4 0/5] cover");
        assert!(s.reply);
        assert_eq!((s.version, s.number), (4, Some(0)));

        let s = parse("[PATCH v2 1/");
        assert_eq!(s.title, "[PATCH v2 1/");
    }
}
