//! Hand-written, lenient RFC 5322 / MIME decoding for patch mail.
//!
//! Scope is what patch mail uses: header unfolding, RFC 2047 encoded words,
//! quoted-printable and base64 transfer encodings, multipart bodies with inline
//! or attached patches, and the charsets patch mail is sent in (UTF-8, US-ASCII,
//! ISO-8859-1/-15, Windows-1252). Anything else is decoded as well as possible
//! and noted in [`Mail::damage`]. Nothing here panics on input: every index is
//! checked, recursion is bounded, and oversized headers are cut with a note.

/// Longest header value kept (bytes); longer ones are cut and reported.
pub const MAX_HEADER_LEN: usize = 64 * 1024;
/// Deepest multipart nesting followed.
pub const MAX_DEPTH: usize = 8;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub name: String,
    /// Unfolded, RFC 2047-decoded value.
    pub value: String,
}

/// A non-inline part kept because it looks like a patch (or is text).
#[derive(Debug, Clone)]
pub struct Attachment {
    pub filename: Option<String>,
    pub content_type: String,
    pub content: Vec<u8>,
}

/// A decoded mail.
#[derive(Debug, Clone, Default)]
pub struct Mail {
    pub headers: Vec<Header>,
    /// Decoded text of the inline text/plain parts, in order.
    pub body: Vec<u8>,
    /// Text attachments (patches sent as attachments end up here).
    pub attachments: Vec<Attachment>,
    /// True when any transfer encoding or charset conversion was undone,
    /// i.e. the raw bytes are not the text a patch tool should read.
    pub transformed: bool,
    /// Problems found while decoding: each a sentence naming where and what.
    pub damage: Vec<String>,
    /// 1-based line in the raw message where the body starts.
    pub body_line: usize,
}

impl Mail {
    /// First header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value.as_str())
    }
}

/// Split raw bytes into lines keeping terminators.
pub(crate) fn lines_of(raw: &[u8]) -> impl Iterator<Item = &[u8]> {
    raw.split_inclusive(|&b| b == b'\n')
}

pub(crate) fn trim_eol(line: &[u8]) -> &[u8] {
    let l = line.strip_suffix(b"\n").unwrap_or(line);
    l.strip_suffix(b"\r").unwrap_or(l)
}

fn is_header_name(name: &[u8]) -> bool {
    !name.is_empty() && name.len() <= 76 && name.iter().all(|&b| b.is_ascii_graphic() && b != b':')
}

/// True when `line` looks like `Name: value`.
pub fn looks_like_header(line: &[u8]) -> bool {
    match line.iter().position(|&b| b == b':') {
        Some(p) => is_header_name(line.get(..p).unwrap_or_default()),
        None => false,
    }
}

/// Header (name, raw value) pairs, in order.
type RawHeaders = Vec<(String, Vec<u8>)>;

/// Parse raw header lines into (name, raw value) pairs; returns the pairs,
/// the byte offset where the body starts, its 1-based line, and damage notes.
fn split_headers(raw: &[u8]) -> (RawHeaders, usize, usize, Vec<String>) {
    let mut headers: Vec<(String, Vec<u8>)> = Vec::new();
    let mut damage = Vec::new();
    let mut pos = 0usize;
    let mut lineno = 0usize;
    let mut ended = false;
    for line in lines_of(raw) {
        lineno += 1;
        let content = trim_eol(line);
        if lineno == 1 && content.starts_with(b"From ") && !content.contains(&b':') {
            // mbox separator line kept in the message
            pos += line.len();
            continue;
        }
        if lineno == 1 && content.starts_with(b"From ") && !looks_like_header(content) {
            pos += line.len();
            continue;
        }
        if content.is_empty() {
            pos += line.len();
            ended = true;
            break;
        }
        if content.first().is_some_and(|&b| b == b' ' || b == b'\t') {
            if let Some((_, v)) = headers.last_mut() {
                if v.len() < MAX_HEADER_LEN {
                    v.push(b' ');
                    v.extend_from_slice(trim_ascii(content));
                    if v.len() > MAX_HEADER_LEN {
                        v.truncate(MAX_HEADER_LEN);
                        damage.push(format!(
                            "line {lineno}: header value longer than {MAX_HEADER_LEN} bytes, cut"
                        ));
                    }
                }
                pos += line.len();
                continue;
            }
        }
        if let Some(colon) = content.iter().position(|&b| b == b':') {
            let name = content.get(..colon).unwrap_or_default();
            if is_header_name(name) {
                let mut value = trim_ascii(content.get(colon + 1..).unwrap_or_default()).to_vec();
                if value.len() > MAX_HEADER_LEN {
                    value.truncate(MAX_HEADER_LEN);
                    damage.push(format!(
                        "line {lineno}: header {} longer than {MAX_HEADER_LEN} bytes, cut",
                        String::from_utf8_lossy(name)
                    ));
                }
                headers.push((String::from_utf8_lossy(name).into_owned(), value));
                pos += line.len();
                continue;
            }
        }
        // Not a header and no blank line: the header section ends here
        // (a mail without a blank line after its headers, or damage).
        if headers.is_empty() {
            damage.push(format!(
                "line {lineno}: no mail headers found; reading the whole text as body"
            ));
        } else {
            damage.push(format!(
                "line {lineno}: header section ends without a blank line; the rest is read as body"
            ));
        }
        ended = true;
        break;
    }
    if !ended && !headers.is_empty() {
        damage.push(format!(
            "line {lineno}: mail ends inside its headers (truncated?); it has no body"
        ));
    }
    let body_line = if ended { lineno + 1 } else { lineno };
    (headers, pos.min(raw.len()), body_line, damage)
}

fn trim_ascii(b: &[u8]) -> &[u8] {
    let start = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    let end = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    b.get(start..end.max(start)).unwrap_or_default()
}

/// Decode bytes in `charset` to a String; unknown charsets decode as UTF-8
/// (lossy) and say so.
pub fn decode_charset(bytes: &[u8], charset: &str, damage: &mut Vec<String>) -> String {
    let cs = charset.trim().trim_matches('"').to_ascii_lowercase();
    match cs.as_str() {
        "" | "utf-8" | "utf8" | "us-ascii" | "ascii" => match std::str::from_utf8(bytes) {
            Ok(s) => s.to_owned(),
            Err(e) => {
                damage.push(format!(
                    "invalid UTF-8 at byte {} (declared {}); replaced with U+FFFD",
                    e.valid_up_to(),
                    if cs.is_empty() { "nothing" } else { &cs }
                ));
                String::from_utf8_lossy(bytes).into_owned()
            }
        },
        "iso-8859-1" | "latin1" | "latin-1" | "iso8859-1" | "l1" => {
            bytes.iter().map(|&b| char::from(b)).collect()
        }
        "iso-8859-15" | "latin-9" | "iso8859-15" => bytes
            .iter()
            .map(|&b| match b {
                0xa4 => '€',
                0xa6 => 'Š',
                0xa8 => 'š',
                0xb4 => 'Ž',
                0xb8 => 'ž',
                0xbc => 'Œ',
                0xbd => 'œ',
                0xbe => 'Ÿ',
                _ => char::from(b),
            })
            .collect(),
        "windows-1252" | "cp1252" => bytes.iter().map(|&b| cp1252(b)).collect(),
        other => {
            damage.push(format!(
                "charset {other:?} is not supported; decoded as UTF-8 with replacement"
            ));
            String::from_utf8_lossy(bytes).into_owned()
        }
    }
}

fn cp1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž',
        '\u{8f}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}',
        'ž', 'Ÿ',
    ];
    if (0x80..0xa0).contains(&b) {
        HIGH.get(usize::from(b - 0x80))
            .copied()
            .unwrap_or('\u{fffd}')
    } else {
        char::from(b)
    }
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Quoted-printable decoding (RFC 2045 6.7), lenient: a bad `=XY` is kept as is.
/// Returns the bytes and the count of bad escapes.
pub fn decode_qp(input: &[u8]) -> (Vec<u8>, usize) {
    let mut out = Vec::with_capacity(input.len());
    let mut bad = 0;
    for line in lines_of(input) {
        let has_nl = line.ends_with(b"\n");
        let body = trim_eol(line);
        // trailing whitespace is not part of the content (RFC 2045)
        let end = body
            .iter()
            .rposition(|&c| c != b' ' && c != b'\t')
            .map_or(0, |e| e + 1);
        let body = body.get(..end).unwrap_or_default();
        let (body, soft) = match body.strip_suffix(b"=") {
            Some(b) => (b, true),
            None => (body, false),
        };
        let mut i = 0;
        while let Some(&c) = body.get(i) {
            if c == b'=' {
                match (
                    body.get(i + 1).copied().and_then(hex_val),
                    body.get(i + 2).copied().and_then(hex_val),
                ) {
                    (Some(h), Some(l)) => {
                        out.push(h * 16 + l);
                        i += 3;
                        continue;
                    }
                    _ => bad += 1,
                }
            }
            out.push(c);
            i += 1;
        }
        if has_nl && !soft {
            out.push(b'\n');
        }
    }
    (out, bad)
}

fn b64_val(b: u8) -> Option<u8> {
    match b {
        b'A'..=b'Z' => Some(b - b'A'),
        b'a'..=b'z' => Some(b - b'a' + 26),
        b'0'..=b'9' => Some(b - b'0' + 52),
        b'+' | b'-' => Some(62),
        b'/' | b'_' => Some(63),
        _ => None,
    }
}

/// Base64 decoding, lenient: whitespace skipped, other invalid bytes skipped and
/// counted, a trailing partial group decoded as far as it goes.
pub fn decode_base64(input: &[u8]) -> (Vec<u8>, usize) {
    let mut out = Vec::with_capacity(input.len() * 3 / 4);
    let mut bad = 0;
    let mut acc: u32 = 0;
    let mut n = 0;
    for &c in input {
        if c.is_ascii_whitespace() {
            continue;
        }
        if c == b'=' {
            n = n.max(0);
            break;
        }
        match b64_val(c) {
            Some(v) => {
                acc = (acc << 6) | u32::from(v);
                n += 1;
                if n == 4 {
                    out.extend_from_slice(&[(acc >> 16) as u8, (acc >> 8) as u8, acc as u8]);
                    acc = 0;
                    n = 0;
                }
            }
            None => bad += 1,
        }
    }
    match n {
        2 => out.push((acc >> 4) as u8),
        3 => out.extend_from_slice(&[(acc >> 10) as u8, (acc >> 2) as u8]),
        1 => bad += 1,
        _ => {}
    }
    (out, bad)
}

/// Decode RFC 2047 encoded words in a header value.
pub fn decode_header(raw: &[u8], damage: &mut Vec<String>) -> String {
    let text = match std::str::from_utf8(raw) {
        Ok(s) => s.to_owned(),
        Err(_) => {
            // 8-bit headers: assume UTF-8, else Latin-1 (common in old mail)
            damage.push("header has raw 8-bit bytes that are not UTF-8; read as Latin-1".into());
            raw.iter().map(|&b| char::from(b)).collect()
        }
    };
    let mut out = String::new();
    let mut rest = text.as_str();
    let mut last_was_word = false;
    while !rest.is_empty() {
        let Some(start) = rest.find("=?") else {
            out.push_str(rest);
            break;
        };
        let (before, after) = rest.split_at(start);
        let parsed = parse_encoded_word(after);
        match parsed {
            Some((word_end, decoded)) => {
                // whitespace between two encoded words is dropped
                if !(last_was_word && before.trim().is_empty()) {
                    out.push_str(before);
                }
                match decoded {
                    Ok(s) => out.push_str(&s),
                    Err((s, msg)) => {
                        damage.push(msg);
                        out.push_str(&s);
                    }
                }
                rest = after.get(word_end..).unwrap_or("");
                last_was_word = true;
            }
            None => {
                out.push_str(before);
                out.push_str("=?");
                rest = after.get(2..).unwrap_or("");
                last_was_word = false;
            }
        }
    }
    out
}

type WordResult = Result<String, (String, String)>;

/// `=?charset?enc?text?=` at the start of `s`: (length, decoded).
fn parse_encoded_word(s: &str) -> Option<(usize, WordResult)> {
    let inner = s.strip_prefix("=?")?;
    let q1 = inner.find('?')?;
    let charset = inner.get(..q1)?;
    let rest = inner.get(q1 + 1..)?;
    let q2 = rest.find('?')?;
    let enc = rest.get(..q2)?;
    let rest2 = rest.get(q2 + 1..)?;
    let end = rest2.find("?=")?;
    let payload = rest2.get(..end)?;
    if payload.contains(' ') || charset.is_empty() || charset.contains(' ') {
        return None;
    }
    let total = 2 + q1 + 1 + q2 + 1 + end + 2;
    // RFC 2231 language suffix: charset*lang
    let charset = charset.split('*').next().unwrap_or(charset);
    let (bytes, bad) = match enc {
        "B" | "b" => decode_base64(payload.as_bytes()),
        "Q" | "q" => {
            let replaced: Vec<u8> = payload
                .bytes()
                .map(|b| if b == b'_' { b' ' } else { b })
                .collect();
            decode_qp(&replaced)
        }
        _ => {
            return Some((
                total,
                Err((
                    s.get(..total).unwrap_or("").to_owned(),
                    format!("encoded word with unknown encoding {enc:?} kept as is"),
                )),
            ))
        }
    };
    let mut notes = Vec::new();
    let text = decode_charset(&bytes, charset, &mut notes);
    if bad > 0 {
        notes.push(format!("encoded word has {bad} invalid characters"));
    }
    if notes.is_empty() {
        Some((total, Ok(text)))
    } else {
        Some((
            total,
            Err((text, format!("encoded header word: {}", notes.join("; ")))),
        ))
    }
}

/// `type/subtype` (lowercase) and parameters of a Content-Type-like value.
pub fn parse_params(value: &str) -> (String, Vec<(String, String)>) {
    let mut parts = split_unquoted(value, ';').into_iter();
    let main = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
    let mut params = Vec::new();
    for p in parts {
        if let Some(eq) = p.find('=') {
            let k = p.get(..eq).unwrap_or("").trim().to_ascii_lowercase();
            let v = p.get(eq + 1..).unwrap_or("").trim();
            let v = v
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(v);
            params.push((k, v.replace("\\\"", "\"")));
        }
    }
    (main, params)
}

fn split_unquoted(s: &str, sep: char) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in s.chars() {
        if c == '"' {
            quoted = !quoted;
        }
        if c == sep && !quoted {
            out.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
    }
    out.push(cur);
    out
}

fn param<'a>(params: &'a [(String, String)], key: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == key || k.strip_suffix('*') == Some(key))
        .map(|(_, v)| v.as_str())
}

/// Parse one raw message (mbox separator line allowed as first line).
pub fn parse_mail(raw: &[u8]) -> Mail {
    let mut mail = Mail::default();
    parse_entity(raw, 0, &mut mail, true);
    mail
}

fn parse_entity(raw: &[u8], depth: usize, mail: &mut Mail, top: bool) {
    let (raw_headers, body_at, body_line, mut damage) = split_headers(raw);
    let mut headers = Vec::with_capacity(raw_headers.len());
    for (name, value) in raw_headers {
        let value = decode_header(&value, &mut damage);
        headers.push(Header { name, value });
    }
    let prefix = if top {
        String::new()
    } else {
        format!("MIME part (depth {depth}): ")
    };
    mail.damage
        .extend(damage.into_iter().map(|d| format!("{prefix}{d}")));
    let body = raw.get(body_at..).unwrap_or_default();
    let get = |n: &str| {
        headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(n))
            .map(|h| h.value.clone())
    };
    let ctype = get("Content-Type").unwrap_or_default();
    let (mime, params) = if ctype.is_empty() {
        ("text/plain".to_string(), Vec::new())
    } else {
        parse_params(&ctype)
    };
    let cte = get("Content-Transfer-Encoding")
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let disposition = get("Content-Disposition").unwrap_or_default();
    let (disp, dparams) = parse_params(&disposition);
    let filename = param(&dparams, "filename")
        .or_else(|| param(&params, "name"))
        .map(str::to_owned);
    if top {
        mail.headers = headers;
        mail.body_line = body_line;
    }

    if mime.starts_with("multipart/") {
        let Some(boundary) = param(&params, "boundary").map(str::to_owned) else {
            mail.damage.push(format!(
                "{prefix}multipart without a boundary; read as plain text"
            ));
            append_text(mail, body, "", "", &prefix);
            return;
        };
        if depth >= MAX_DEPTH {
            mail.damage.push(format!(
                "{prefix}multipart nested deeper than {MAX_DEPTH}; inner parts ignored"
            ));
            return;
        }
        mail.transformed = true;
        let parts = split_multipart(body, &boundary, &mut mail.damage, &prefix);
        for part in parts {
            parse_entity(part, depth + 1, mail, false);
        }
        return;
    }

    let decoded = match cte.as_str() {
        "" | "7bit" | "8bit" | "binary" => body.to_vec(),
        "quoted-printable" => {
            mail.transformed = true;
            let (d, bad) = decode_qp(body);
            if bad > 0 {
                mail.damage.push(format!(
                    "{prefix}quoted-printable body has {bad} invalid escapes, kept as is"
                ));
            }
            d
        }
        "base64" => {
            mail.transformed = true;
            let (d, bad) = decode_base64(body);
            if bad > 0 {
                mail.damage.push(format!(
                    "{prefix}base64 body has {bad} invalid characters, skipped"
                ));
            }
            d
        }
        other => {
            mail.damage.push(format!(
                "{prefix}unknown Content-Transfer-Encoding {other:?}; body read as is"
            ));
            body.to_vec()
        }
    };
    let charset = param(&params, "charset").unwrap_or("").to_owned();
    let is_text = mime.starts_with("text/") || mime.is_empty();
    let looks_patch = looks_like_diff(&decoded);
    if mime == "text/html" {
        mail.damage.push(format!(
            "{prefix}text/html part ignored (patches are read from text parts)"
        ));
        return;
    }
    if mime == "message/rfc822" {
        mail.damage.push(format!(
            "{prefix}forwarded message (message/rfc822) not expanded"
        ));
        return;
    }
    let attached = disp == "attachment" || (!top && !mime.starts_with("text/plain"));
    if !is_text && !looks_patch && !top {
        return; // binary attachment: not ours
    }
    let text = convert_charset(&decoded, &charset, mail, &prefix);
    if attached && !top {
        mail.attachments.push(Attachment {
            filename,
            content_type: mime,
            content: text,
        });
    } else {
        if !mail.body.is_empty() && !mail.body.ends_with(b"\n") {
            mail.body.push(b'\n');
        }
        mail.body.extend_from_slice(&text);
    }
}

fn convert_charset(bytes: &[u8], charset: &str, mail: &mut Mail, prefix: &str) -> Vec<u8> {
    let cs = charset.trim().to_ascii_lowercase();
    let utf8ish = matches!(cs.as_str(), "" | "utf-8" | "utf8" | "us-ascii" | "ascii");
    if utf8ish {
        if let Err(e) = std::str::from_utf8(bytes) {
            mail.damage.push(format!(
                "{prefix}body is not valid UTF-8 (first bad byte at offset {}); bytes kept as sent",
                e.valid_up_to()
            ));
        }
        return bytes.to_vec();
    }
    if bytes.is_ascii() {
        return bytes.to_vec();
    }
    mail.transformed = true;
    let mut notes = Vec::new();
    let s = decode_charset(bytes, &cs, &mut notes);
    mail.damage
        .extend(notes.into_iter().map(|n| format!("{prefix}{n}")));
    s.into_bytes()
}

fn append_text(mail: &mut Mail, body: &[u8], _cs: &str, _ct: &str, _prefix: &str) {
    mail.body.extend_from_slice(body);
}

fn split_multipart<'a>(
    body: &'a [u8],
    boundary: &str,
    damage: &mut Vec<String>,
    prefix: &str,
) -> Vec<&'a [u8]> {
    let delim = format!("--{boundary}");
    let mut parts = Vec::new();
    let mut start: Option<usize> = None;
    let mut pos = 0;
    let mut closed = false;
    for line in lines_of(body) {
        let content = trim_eol(line);
        if let Some(rest) = content.strip_prefix(delim.as_bytes()) {
            let rest = trim_ascii(rest);
            if rest.is_empty() || rest == b"--" {
                if let Some(s) = start {
                    // the CRLF before the delimiter belongs to the delimiter
                    let mut end = pos;
                    if body.get(..end).is_some_and(|b| b.ends_with(b"\n")) {
                        end -= 1;
                        if body.get(..end).is_some_and(|b| b.ends_with(b"\r")) {
                            end -= 1;
                        }
                    }
                    parts.push(body.get(s..end.max(s)).unwrap_or_default());
                }
                pos += line.len();
                if rest == b"--" {
                    closed = true;
                    start = None;
                    break;
                }
                start = Some(pos);
                continue;
            }
        }
        pos += line.len();
    }
    if let Some(s) = start {
        damage.push(format!(
            "{prefix}multipart ends without its closing boundary (truncated?); last part kept"
        ));
        parts.push(body.get(s..).unwrap_or_default());
    } else if !closed && parts.is_empty() {
        damage.push(format!(
            "{prefix}multipart boundary {boundary:?} never appears; no parts read"
        ));
    }
    parts
}

/// True when the text holds an unquoted unified diff (`--- `/`+++ `/`@@`) or a
/// `diff --git` line.
pub fn looks_like_diff(text: &[u8]) -> bool {
    let mut saw_minus = false;
    let mut saw_plus = false;
    for line in lines_of(text) {
        let l = trim_eol(line);
        if l.starts_with(b"diff --git ") {
            return true;
        }
        if l.starts_with(b"--- ") {
            saw_minus = true;
            saw_plus = false;
        } else if saw_minus && l.starts_with(b"+++ ") {
            saw_plus = true;
        } else if saw_plus && l.starts_with(b"@@ -") {
            return true;
        } else {
            saw_minus = false;
            saw_plus = false;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qp_soft_breaks_and_escapes() {
        let (d, bad) = decode_qp(b"a=3Db=\nc\n=E2=82=AC end\n");
        assert_eq!(d, "a=bc\n€ end\n".as_bytes());
        assert_eq!(bad, 0);
        let (d, bad) = decode_qp(b"x=ZZ\n");
        assert_eq!(d, b"x=ZZ\n");
        assert_eq!(bad, 1);
    }

    #[test]
    fn base64_lenient() {
        let (d, bad) = decode_base64(b"aGVs\nbG8=\n");
        assert_eq!(d, b"hello");
        assert_eq!(bad, 0);
        let (d, bad) = decode_base64(b"aGV!sbG8");
        assert_eq!(d, b"hello");
        assert_eq!(bad, 1);
    }

    #[test]
    fn rfc2047_words_joined() {
        let mut dmg = Vec::new();
        let s = decode_header(
            b"=?UTF-8?Q?J=C3=B6rg?= =?ISO-8859-1?B?TfxsbGVy?= <j@x>",
            &mut dmg,
        );
        assert_eq!(s, "JörgMüller <j@x>");
        assert!(dmg.is_empty());
        let s = decode_header(b"=?bogus", &mut dmg);
        assert_eq!(s, "=?bogus");
    }

    #[test]
    fn folded_headers_and_truncation() {
        let m = parse_mail(b"Subject: [PATCH 02/72] signal: a\n long title\nFrom: x\n");
        assert_eq!(
            m.header("subject"),
            Some("[PATCH 02/72] signal: a long title")
        );
        assert!(m
            .damage
            .iter()
            .any(|d| d.contains("ends inside its headers")));
    }

    #[test]
    fn multipart_attachment_base64() {
        let raw = b"Subject: x\nContent-Type: multipart/mixed; boundary=\"b1\"\n\npre\n--b1\nContent-Type: text/plain; charset=utf-8\n\nhello\n--b1\nContent-Type: text/x-patch; name=\"a.patch\"\nContent-Disposition: attachment; filename=\"a.patch\"\nContent-Transfer-Encoding: base64\n\nLS0tIGEveAorKysgYi94CkBAIC0xICsxIEBACi1hCitiCg==\n--b1--\n";
        let m = parse_mail(raw);
        assert_eq!(m.body, b"hello");
        assert_eq!(m.attachments.len(), 1);
        assert_eq!(
            m.attachments[0].content,
            b"--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n"
        );
        assert_eq!(m.attachments[0].filename.as_deref(), Some("a.patch"));
    }

    #[test]
    fn latin1_body_converted() {
        let m = parse_mail(b"Content-Type: text/plain; charset=iso-8859-1\n\nM\xfcller\n");
        assert_eq!(m.body, "Müller\n".as_bytes());
        assert!(m.transformed);
    }
}
