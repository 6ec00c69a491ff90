//! Trailers as b4 reads them (b4 0.16 `LoreMessage.find_trailers`,
//! `LoreTrailer`, `LoreMessage.get_trailers`):
//!
//! - any `Name: value` line whose name is one word starting with a word
//!   character (`Reviewed-and-tested-by:`, `Acked-for-MFD-by:` ...);
//! - `Fixes:` only with a hash (`Fixes: ?` is not a trailer);
//! - a person's trailer wrapped before its `<address>` is joined again;
//! - `<a@x<mailto:a@x>>` left by HTML mailers is cleaned to `<a@x>`;
//! - in follow-ups, only trailers naming a person (an address) or known
//!   link/utility trailers count, and a person's trailer must name the
//!   sender (address, or exactly the sender's name) unless accepted sloppily.

use crate::textscan::Trailer;

const IGNORES: &[&str] = &[
    "phone",
    "mail",
    "email",
    "e-mail",
    "prerequisite-message-id",
];
const HEADERS: &[&str] = &["subject", "date", "from"];
const LINKS: &[&str] = &["link", "buglink", "closes"];
const NONPERSON_EXTRA: &[&str] = &[
    "fixes",
    "subject",
    "date",
    "obsoleted-by",
    "change-id",
    "base-commit",
];
const UTILITY: &[&str] = &[
    "fixes",
    "link",
    "buglink",
    "closes",
    "obsoleted-by",
    "message-id",
    "change-id",
    "base-commit",
    "based-on",
];
/// Names b4 never takes from a follow-up (patch metadata).
const FOLLOWUP_BAD: &[&str] = &[
    "from",
    "author",
    "cc",
    "to",
    "date",
    "subject",
    "subscribe",
    "unsubscribe",
    "base-commit",
    "change-id",
    "message-id",
];

/// `\S+@\S+\.\S+` somewhere in `v`.
fn has_address(v: &str) -> bool {
    v.split_whitespace().any(|w| {
        w.split_once('@').is_some_and(|(a, b)| {
            !a.is_empty()
                && b.get(1..)
                    .is_some_and(|rest| rest.contains('.') && !rest.ends_with('.'))
        })
    })
}

/// `Name: value` split as b4's `^\s*(\w\S+):\s+(\S.*)` does.
fn split_line(line: &str) -> Option<(&str, &str)> {
    let l = line.trim_start();
    let end = l.find(char::is_whitespace)?;
    let (token, rest) = l.split_at(end);
    let name = token.strip_suffix(':')?;
    let mut chars = name.chars();
    let first = chars.next()?;
    if !(first.is_alphanumeric() || first == '_') || chars.next().is_none() {
        return None;
    }
    let value = rest.trim();
    if value.is_empty() {
        return None;
    }
    Some((name, value))
}

/// Join `Name: Long Name\n<addr>` and `Fixes: abc (title\nrest)` wraps.
fn unwrap_lines(body: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in body.split('\n') {
        let line = line.trim_end_matches('\r');
        if let Some(prev) = out.last_mut() {
            let t = line.trim();
            let addr_wrap = t.starts_with('<')
                && t.ends_with('>')
                && line.starts_with('<')
                && split_line(prev).is_some_and(|(_, v)| !v.contains('<'));
            let fixes_wrap = line.ends_with(')')
                && !line.is_empty()
                && split_line(prev).is_some_and(|(_, v)| {
                    let mut w = v.splitn(2, ' ');
                    let hash = w.next().unwrap_or("");
                    let rest = w.next().unwrap_or("").trim_start();
                    hash.chars().all(|c| c.is_ascii_hexdigit())
                        && rest.starts_with('(')
                        && !rest.contains(')')
                });
            if addr_wrap || fixes_wrap {
                prev.push(' ');
                prev.push_str(line);
                continue;
            }
        }
        out.push(line.to_owned());
    }
    out
}

/// Remove `<mailto:...>` and normalise `Name <addr>` as b4 does.
fn clean_person(value: &str) -> String {
    let mut v = value.to_owned();
    while let Some(start) = v.find("<mailto:") {
        let Some(len) = v.get(start..).and_then(|s| s.find('>')) else {
            break;
        };
        v.replace_range(start..start + len + 1, "");
    }
    match person_addr(&v) {
        Some((name, addr)) if !name.is_empty() && name != addr => format!("{name} <{addr}>"),
        Some((_, addr)) => addr,
        None => v,
    }
}

/// (name, address) of `Name <addr>` or a bare address; the name as written
/// (b4 keeps a trailer's quotes: `"Doe, Jane" <jane@example.com>`).
pub fn person_addr(v: &str) -> Option<(String, String)> {
    let v = v.trim();
    if let Some(body) = v.strip_suffix('>') {
        let open = body.rfind('<')?;
        let addr = body.get(open + 1..)?.trim();
        let name = body.get(..open)?.trim();
        return Some((name.to_owned(), addr.to_owned()));
    }
    let addr = v
        .split_whitespace()
        .find(|w| w.contains('@'))?
        .trim_matches(|c| c == '<' || c == '>' || c == '(' || c == ')');
    Some((String::new(), addr.to_owned()))
}

fn is_person(name: &str, value: &str) -> bool {
    let lname = name.to_ascii_lowercase();
    !UTILITY.contains(&lname.as_str()) && !value.contains("://") && has_address(value)
}

/// Trailers in `body` (b4's `find_trailers`; `followup` applies the
/// follow-up rules).
pub fn find(body: &str, followup: bool) -> Vec<Trailer> {
    split_block(body, followup)
        .0
        .into_iter()
        .map(|(t, _)| t)
        .collect()
}

/// b4's `find_trailers` in full: the trailers, each with its extended-info
/// line (`[for the foo bits]`) if any, and the other lines (trailer-like
/// lines b4 ignores are dropped, as b4 drops them).
pub fn split_block(body: &str, followup: bool) -> (Vec<(Trailer, Option<String>)>, Vec<String>) {
    let body = body.split("\n-- \n").next().unwrap_or(body);
    let mut out: Vec<(Trailer, Option<String>)> = Vec::new();
    let mut others: Vec<String> = Vec::new();
    let mut was_trailer = false;
    for line in unwrap_lines(body.trim()) {
        let Some((name, value)) = split_line(&line) else {
            let t = line.trim();
            let ext =
                t.len() > 2 && t.starts_with('[') && t.ends_with(']') && !t[1..].contains('[');
            if was_trailer && ext && line.len() > 2 {
                if let Some(last) = out.last_mut() {
                    last.1 = Some(line.clone());
                }
            } else {
                others.push(line.clone());
            }
            was_trailer = false;
            continue;
        };
        let lname = name.to_lowercase();
        if IGNORES.contains(&lname.as_str())
            || (!others.is_empty() && HEADERS.contains(&lname.as_str()))
        {
            continue;
        }
        if followup {
            let nonperson =
                LINKS.contains(&lname.as_str()) || NONPERSON_EXTRA.contains(&lname.as_str());
            if !lname.is_ascii()
                || (!has_address(value) && !nonperson)
                || (value.contains("http://") || value.contains("https://"))
                    && !LINKS.contains(&lname.as_str())
            {
                continue;
            }
        }
        if lname == "fixes"
            && !(value.len() >= 6
                && value
                    .bytes()
                    .take(6)
                    .all(|b| b"0123456789abcdef".contains(&b)))
        {
            continue;
        }
        let value = if is_person(name, value) {
            clean_person(value)
        } else {
            value.to_owned()
        };
        out.push((
            Trailer {
                name: name.to_owned(),
                value,
            },
            None,
        ));
        was_trailer = true;
    }
    (out, others)
}

/// The commit message part of a patch mail body (before `---`, or before
/// the diff when there is no separator).
fn message_part(text: &str) -> &str {
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let l = line.trim_end();
        if (l.starts_with("---") && l.trim_start_matches('-').trim().is_empty())
            || l.starts_with("diff ")
            || l.starts_with("--- a/")
        {
            return text.get(..at).unwrap_or(text);
        }
        at += line.len();
    }
    text
}

/// A patch's own trailers: those of the last paragraph of its message.
pub fn own(text: &str) -> Vec<Trailer> {
    let msg = message_part(text).trim_matches('\n');
    let last = msg.rsplit("\n\n").next().unwrap_or(msg);
    find(last, false)
}

/// Trailers a follow-up gives (b4 drops patch metadata like `Cc:`).
pub fn followup(text: &str) -> Vec<Trailer> {
    find(text, true)
        .into_iter()
        .filter(|t| !FOLLOWUP_BAD.contains(&t.name.to_lowercase().as_str()))
        .collect()
}

/// Does a follow-up trailer match its sender (`From:` name and address)?
/// Non-person trailers always do.
pub fn matches_sender(t: &Trailer, from: Option<&str>) -> bool {
    if !is_person(&t.name, &t.value) {
        return true;
    }
    let Some((tname, taddr)) = person_addr(&t.value) else {
        return true;
    };
    let (fname, faddr) = from.and_then(person_addr).unwrap_or_default();
    // a header's display name loses its RFC 2822 quotes
    let fname = fname.trim_matches('"').to_owned();
    if email_eq(&taddr, &faddr) {
        return true;
    }
    let (tl, hl) = (tname.to_lowercase(), fname.to_lowercase());
    !hl.is_empty() && tl == hl
}

/// b4's fuzzy address comparison: case-insensitive, `+tag` local parts dropped.
fn email_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.to_lowercase(), b.to_lowercase());
    if a == b {
        return true;
    }
    let strip = |s: &str| -> Option<String> {
        let (local, dom) = s.split_once('@')?;
        Some(format!(
            "{}@{dom}",
            local.split('+').next().unwrap_or(local)
        ))
    };
    matches!((strip(&a), strip(&b)), (Some(x), Some(y)) if x == y)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(t: &[Trailer]) -> Vec<String> {
        t.iter()
            .map(|t| format!("{}: {}", t.name, t.value))
            .collect()
    }

    #[test]
    fn any_dashed_name_and_fixes_needs_a_hash() {
        // b4 0.16 find_trailers: `(\w\S+):` names; Fixes needs ^[0-9a-f]{6,}.
        let t = followup(
            "Looks good.\n\nReviewed-and-tested-by: Multi Hat <multi@example.com>\nAcked-for-MFD-by: Lee Jones <lee@example.com>\nFixes: ?\n",
        );
        assert_eq!(
            s(&t),
            vec![
                "Reviewed-and-tested-by: Multi Hat <multi@example.com>",
                "Acked-for-MFD-by: Lee Jones <lee@example.com>"
            ]
        );
    }

    #[test]
    fn wrapped_and_html_junk() {
        let t = own("msg\n\nSigned-off-by: Wrapped Person\n<broken@example.com>\n---\n");
        assert_eq!(
            s(&t),
            vec!["Signed-off-by: Wrapped Person <broken@example.com>"]
        );
        let t = followup("Reviewed-by: HTML Junker <h@example.com<mailto:h@example.com>>\n");
        assert_eq!(s(&t), vec!["Reviewed-by: HTML Junker <h@example.com>"]);
    }

    #[test]
    fn sender_check() {
        let t = Trailer {
            name: "Reviewed-by".into(),
            value: "Mis Match <mis@example.net>".into(),
        };
        assert!(!matches_sender(&t, Some("Other <mis@example.com>")));
        assert!(
            matches_sender(&t, Some("Mis Match <other@example.com>")),
            "name match"
        );
        assert!(matches_sender(&t, Some("X <MIS+lkml@example.net>")), "+tag");
        let link = Trailer {
            name: "Link".into(),
            value: "https://x/y".into(),
        };
        assert!(matches_sender(&link, Some("a <a@b.c>")));
    }

    #[test]
    fn own_trailers_are_the_last_paragraph() {
        let t = own("Subject words\n\nCc: in the middle <x@y.z>\nmore text\n\nSigned-off-by: A <a@x.y>\n---\n f | 1 +\n");
        assert_eq!(s(&t), vec!["Signed-off-by: A <a@x.y>"]);
    }
}
