//! File names and timestamps of `---`/`+++` (and `***`) lines, as GNU
//! patch 2.7.6 reads them; a timestamp equal to the Epoch (in any time zone)
//! marks the file as nonexistent (`diff -N`).

/// Split the text after `--- ` into the name and the timestamp text (kept
/// with a leading tab, for `.rej` headers).
pub(crate) fn fetch_name(rest: &[u8]) -> (Option<String>, Option<String>) {
    let t = crate::parse::trim_eol(rest);
    let s = crate::pathbytes::decode(t);
    let s = s.trim_start_matches([' ', '\t']);
    if s.starts_with('"') {
        if let Some((name, after)) = crate::parse::parse_quoted(s) {
            let time = after.trim();
            return (Some(name), (!time.is_empty()).then(|| format!("\t{time}")));
        }
    }
    let (name, time) = split_stamp(s);
    let name = name.trim_end_matches([' ', '\t']);
    if name.is_empty() {
        (None, time.map(|t| format!("\t{t}")))
    } else {
        (Some(name.to_owned()), time.map(|t| format!("\t{t}")))
    }
}

/// GNU patch 2.7.6: the name ends at the first tab, or without one at the
/// first space (`a/post image.txt 1969-12-31 ...` is `a/post`, as GNU reads
/// it; git would keep the space).
fn split_stamp(s: &str) -> (&str, Option<&str>) {
    let pos = s.find('\t').or_else(|| s.find(' '));
    match pos {
        Some(pos) => {
            let rest = s[pos..].trim_matches([' ', '\t']);
            (&s[..pos], (!rest.is_empty()).then_some(rest))
        }
        None => (s, None),
    }
}

/// Whether a timestamp text denotes the Epoch (GNU: the file does not exist).
pub(crate) fn is_epoch(time: &str) -> bool {
    epoch_seconds(time.trim_matches([' ', '\t'])) == Some(0)
}

/// Seconds since the Epoch of `YYYY-MM-DD HH:MM:SS[.frac] [±HHMM|±HH:MM]`
/// or ctime's `Www Mmm DD HH:MM:SS YYYY` (no zone: UTC). A nonzero fraction
/// gives `i64::MIN` (a valid stamp, never the Epoch).
pub(crate) fn epoch_seconds(s: &str) -> Option<i64> {
    iso_stamp(s).or_else(|| ctime_stamp(s))
}

fn iso_stamp(s: &str) -> Option<i64> {
    let mut parts = s.split_whitespace();
    let date = parts.next()?;
    let time = parts.next()?;
    let zone = parts.next();
    if parts.next().is_some() {
        return None;
    }
    let mut d = date.splitn(3, '-');
    let y: i64 = d.next()?.parse().ok()?;
    let m: i64 = d.next()?.parse().ok()?;
    let day: i64 = d.next()?.parse().ok()?;
    let (secs, frac_zero) = clock(time)?;
    let off = match zone {
        None => 0,
        Some(z) => zone_offset(z)?,
    };
    let t = civil_days(y, m, day)? * 86400 + secs - off;
    Some(if frac_zero { t } else { i64::MIN })
}

fn ctime_stamp(s: &str) -> Option<i64> {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let p: Vec<&str> = s.split_whitespace().collect();
    let [_, mon, day, time, year] = p.as_slice() else {
        return None;
    };
    let m = MONTHS.iter().position(|x| x == mon)? as i64 + 1;
    let (secs, frac_zero) = clock(time)?;
    let t = civil_days(year.parse().ok()?, m, day.parse().ok()?)? * 86400 + secs;
    Some(if frac_zero { t } else { i64::MIN })
}

/// `HH:MM:SS[.frac]` -> (seconds, fraction is zero).
fn clock(t: &str) -> Option<(i64, bool)> {
    let (hms, frac) = t.split_once('.').unwrap_or((t, ""));
    if !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut c = hms.splitn(3, ':');
    let h: i64 = c.next()?.parse().ok()?;
    let mi: i64 = c.next()?.parse().ok()?;
    let sec: i64 = c.next()?.parse().ok()?;
    if h > 24 || mi > 59 || sec > 60 {
        return None;
    }
    Some((h * 3600 + mi * 60 + sec, frac.bytes().all(|b| b == b'0')))
}

/// `+0900`, `-0800`, `-08:00`, `Z`/`UTC`/`GMT` -> seconds east of UTC.
fn zone_offset(z: &str) -> Option<i64> {
    if matches!(z, "Z" | "UTC" | "GMT") {
        return Some(0);
    }
    let sign = match z.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let digits: String = z[1..].chars().filter(|c| *c != ':').collect();
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let h: i64 = digits[..2].parse().ok()?;
    let m: i64 = digits[2..].parse().ok()?;
    Some(sign * (h * 3600 + m * 60))
}

/// Days from 1970-01-01 to the civil date (proleptic Gregorian).
fn civil_days(y: i64, m: i64, d: i64) -> Option<i64> {
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146097 + doe - 719468)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_in_any_zone() {
        for t in [
            "1970-01-01 00:00:00",
            "1970-01-01 00:00:00.000000000 +0000",
            "1970-01-01 09:00:00.000000000 +0900",
            "1969-12-31 16:00:00.000000000 -0800",
            "1969-12-31 16:00:00 -08:00",
            "Thu Jan  1 00:00:00 1970",
        ] {
            assert!(is_epoch(t), "{t}");
        }
        for t in [
            "1982-09-16 07:00:00.000000000 -0800",
            "1970-01-01 00:00:00.5 +0000",
            "1970-01-01 00:00:01",
            "garbage",
        ] {
            assert!(!is_epoch(t), "{t}");
        }
    }

    #[test]
    fn names_end_at_the_first_tab_else_the_first_space() {
        // GNU patch 2.7.6 creates `post` for both of these (peer cases from
        // git's t4135; checked with `patch -p1 < p` on an empty tree).
        let f = |s: &str| fetch_name(s.as_bytes());
        assert_eq!(
            f("a/post image.txt 1969-12-31 16:00:00 -08:00\n"),
            (
                Some("a/post".into()),
                Some("\timage.txt 1969-12-31 16:00:00 -08:00".into())
            )
        );
        assert_eq!(
            f("a/post\timage.txt\t2010-08-18 20:13:31.628002255 -0500\n")
                .0
                .as_deref(),
            Some("a/post")
        );
        assert_eq!(
            f("a/foo bar\tx\n"),
            (Some("a/foo bar".into()), Some("\tx".into()))
        );
    }
}
