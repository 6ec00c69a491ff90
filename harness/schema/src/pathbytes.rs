//! File names as bytes, carried in `String`s without loss.
//!
//! A Unix file name is any bytes; patches name files the same way (GNU patch
//! and git apply both patch `caf\xe9.txt` written in Latin-1). The engine
//! keeps paths as `String`s, so bytes that are not UTF-8 are stored as
//! characters of a private-use range, one per byte: byte `b` (0x80..=0xFF)
//! becomes U+EF00 + `b` (U+EF80..=U+EFFF, the OPTU-16 convention). A real
//! character of that range in a name is stored the same way, byte by byte,
//! so [`encode`] gives back exactly the bytes [`decode`] was given, for every
//! input. [`display`] shows the escaped bytes as `\xNN`, as GNU patch's
//! messages read through Python's `backslashreplace` do.

use std::borrow::Cow;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;

const BASE: u32 = 0xEF00;

fn escaped(b: u8) -> char {
    char::from_u32(BASE + u32::from(b)).unwrap_or(char::REPLACEMENT_CHARACTER)
}

fn is_escape(c: char) -> bool {
    (0xEF80..=0xEFFF).contains(&u32::from(c))
}

/// The bytes of a name (from a patch or a directory listing) as a `String`
/// that [`encode`] turns back into the same bytes.
pub fn decode(bytes: &[u8]) -> String {
    if let Ok(s) = std::str::from_utf8(bytes) {
        if !s.chars().any(is_escape) {
            return s.to_owned();
        }
    }
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if is_escape(c) {
                let mut buf = [0u8; 4];
                out.extend(c.encode_utf8(&mut buf).bytes().map(escaped));
            } else {
                out.push(c);
            }
        }
        out.extend(chunk.invalid().iter().copied().map(escaped));
    }
    out
}

/// The bytes a name stands for (the inverse of [`decode`]).
pub fn encode(name: &str) -> Cow<'_, [u8]> {
    if !name.chars().any(is_escape) {
        return Cow::Borrowed(name.as_bytes());
    }
    let mut out = Vec::with_capacity(name.len());
    for c in name.chars() {
        if is_escape(c) {
            out.push((u32::from(c) - BASE) as u8);
        } else {
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
    }
    Cow::Owned(out)
}

/// The file system name of `name` (one path component or a relative path).
pub fn os(name: &str) -> Cow<'_, OsStr> {
    match encode(name) {
        Cow::Borrowed(b) => Cow::Borrowed(OsStr::from_bytes(b)),
        Cow::Owned(v) => Cow::Owned(OsStr::from_bytes(&v).to_owned()),
    }
}

/// `name` for people and reports: escaped bytes as `\xNN`.
pub fn display(name: &str) -> Cow<'_, str> {
    if !name.chars().any(is_escape) {
        return Cow::Borrowed(name);
    }
    let mut out = String::with_capacity(name.len() + 8);
    for c in name.chars() {
        if is_escape(c) {
            out.push_str(&format!("\\x{:02x}", u32::from(c) - BASE));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// The escape character for byte `b` at `bytes[i..]` when the UTF-8 there
/// is one (three bytes, `EE BE|BF xx`), for byte-wise parsers.
pub fn escape_at(bytes: &[u8], i: usize) -> Option<u8> {
    let s = bytes.get(i..i + 3)?;
    let c = std::str::from_utf8(s).ok()?.chars().next()?;
    is_escape(c).then(|| (u32::from(c) - BASE) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_names_are_unchanged() {
        assert_eq!(decode("net/core/dev.c".as_bytes()), "net/core/dev.c");
        assert_eq!(decode("café.txt".as_bytes()), "café.txt");
        assert_eq!(display("café.txt"), "café.txt");
    }

    #[test]
    fn latin1_bytes_round_trip_and_display_as_hex() {
        let raw = b"caf\xe9.txt";
        let s = decode(raw);
        assert_eq!(encode(&s).as_ref(), raw);
        assert_eq!(display(&s), "caf\\xe9.txt");
        assert_eq!(os(&s).as_bytes(), raw);
    }

    #[test]
    fn a_real_private_use_character_round_trips_too() {
        // U+EF80 written in a name (EE BE 80) must not read back as byte 0x80.
        let raw = "x\u{ef80}y\u{efff}".as_bytes();
        let s = decode(raw);
        assert_eq!(encode(&s).as_ref(), raw);
    }

    #[test]
    fn every_byte_sequence_round_trips() {
        // All pairs of bytes, plus a mixed sample: decode then encode is identity.
        for a in 0u8..=255 {
            for b in [0u8, 0x41, 0x80, 0xbe, 0xc3, 0xe9, 0xee, 0xff] {
                let raw = [a, b, 0xee, 0xbf, b];
                assert_eq!(encode(&decode(&raw)).as_ref(), raw.as_slice());
            }
        }
    }

    #[test]
    fn escape_at_reads_an_escape_character() {
        let s = decode(b"a\xe9");
        assert_eq!(escape_at(s.as_bytes(), 1), Some(0xe9));
        assert_eq!(escape_at(s.as_bytes(), 0), None);
    }
}
