//! What a command-line argument names on a public-inbox server: a
//! Message-ID (`<id@host>` or bare `id@host`), the short form `lore:ID`, or
//! a public-inbox URL (`http(s)://host/inbox/<msgid>/`, `.../t.mbox.gz`,
//! `.../T/`, `.../raw`, ...).

/// A thread to fetch: its Message-ID and, for a URL, the inbox it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remote {
    /// The Message-ID without angle brackets.
    pub msgid: String,
    /// The inbox URL (`http://host/inbox`, no trailing slash) when the
    /// argument was a URL; `None` means "ask the configured servers".
    pub server: Option<String>,
}

/// Path components public-inbox puts after a Message-ID.
const SUFFIXES: &[&str] = &["t.mbox.gz", "raw", "T", "t", "t.atom", "#R", ""];

/// Read `arg` as a remote thread, or `None` when it is not one of the forms.
pub fn parse(arg: &str) -> Option<Remote> {
    let arg = arg.trim();
    if let Some(rest) = arg.strip_prefix("lore:") {
        return msgid(rest).map(|m| Remote {
            msgid: m,
            server: None,
        });
    }
    if arg.starts_with("http://") || arg.starts_with("https://") {
        return parse_url(arg);
    }
    if arg.starts_with('<') && arg.ends_with('>') {
        return msgid(arg).map(|m| Remote {
            msgid: m,
            server: None,
        });
    }
    // bare id@host: one '@', no path separator, no space
    let bare = arg.matches('@').count() == 1
        && !arg.contains('/')
        && !arg.contains(char::is_whitespace)
        && !arg.starts_with('@')
        && !arg.ends_with('@');
    if bare {
        return msgid(arg).map(|m| Remote {
            msgid: m,
            server: None,
        });
    }
    None
}

/// A Message-ID with its angle brackets and spaces removed.
fn msgid(s: &str) -> Option<String> {
    let t = s.trim();
    let t = t.strip_prefix('<').unwrap_or(t);
    let t = t.strip_suffix('>').unwrap_or(t).trim();
    (!t.is_empty() && t.contains('@') && !t.contains(char::is_whitespace)).then(|| t.to_owned())
}

/// `http(s)://host/inbox/<msgid>/[suffix]`: the Message-ID is the last
/// component holding an `@` (percent-decoded); the inbox is what precedes it.
fn parse_url(url: &str) -> Option<Remote> {
    let (scheme, rest) = url.split_once("://")?;
    let rest = rest.split(['?', '#']).next().unwrap_or(rest);
    let parts: Vec<&str> = rest.split('/').collect();
    let at = parts
        .iter()
        .rposition(|p| percent_decode(p).contains('@'))?;
    // only known suffixes may follow the Message-ID
    let tail = parts.get(at + 1..).unwrap_or_default();
    if tail.len() > 2 || !tail.iter().all(|t| SUFFIXES.contains(t)) {
        return None;
    }
    if at < 1 {
        return None;
    }
    let inbox = parts.get(..at)?.join("/");
    let id = msgid(&percent_decode(parts.get(at)?))?;
    Some(Remote {
        msgid: id,
        server: Some(format!("{scheme}://{inbox}")),
    })
}

/// `%XX` decoded (public-inbox escapes `/`, `%` and others in Message-IDs).
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        let hex = b
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (c, hex) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A Message-ID escaped for a URL path component, as public-inbox links it.
pub fn percent_encode(id: &str) -> String {
    let mut out = String::new();
    for b in id.bytes() {
        let keep = b.is_ascii_alphanumeric() || b"@.-_+=~!$&'()*,;:".contains(&b);
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(id: &str, server: Option<&str>) -> Option<Remote> {
        Some(Remote {
            msgid: id.into(),
            server: server.map(str::to_owned),
        })
    }

    #[test]
    fn forms() {
        assert_eq!(parse("<a.b@c.d>"), r("a.b@c.d", None));
        assert_eq!(parse("a.b@c.d"), r("a.b@c.d", None));
        assert_eq!(parse("lore:<a.b@c.d>"), r("a.b@c.d", None));
        assert_eq!(
            parse("https://lore.kernel.org/all/a.b@c.d/"),
            r("a.b@c.d", Some("https://lore.kernel.org/all"))
        );
        assert_eq!(
            parse("http://127.0.0.1:8080/test/a%2Fb@c.d/t.mbox.gz"),
            r("a/b@c.d", Some("http://127.0.0.1:8080/test"))
        );
        assert_eq!(
            parse("https://lore.kernel.org/lkml/a@b/T/#u"),
            r("a@b", Some("https://lore.kernel.org/lkml"))
        );
    }

    #[test]
    fn not_remote() {
        // paths and series names are left to the caller
        assert_eq!(parse("patches/netns-l2-l3"), None);
        assert_eq!(parse("preempt-rt"), None);
        assert_eq!(parse("dir/x@y.mbox"), None);
        assert_eq!(parse("https://example.org/a@b/some/page"), None);
        assert_eq!(parse("https://a@b"), None);
    }

    #[test]
    fn encode_roundtrip() {
        let id = "20061206.a/b%c@x";
        assert_eq!(percent_decode(&percent_encode(id)), id);
    }
}
