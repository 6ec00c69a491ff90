//! Lenient RFC 2822 dates.

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
