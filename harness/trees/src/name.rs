//! Names that become path components (tree, series and config names in
//! trees.yaml and matrix.yaml, run ids): one documented character set,
//! checked when the name is loaded, so no name can climb out of the
//! directory it is joined to (`../x`, `a/b`, `.`, absolute paths).
//!
//! A name is 1 to 128 characters from `A-Z a-z 0-9 . _ -` and does not start
//! with a dot (no `.`, `..` or hidden files).

/// The rule, in the words error messages use.
pub const NAME_RULE: &str =
    "names use only letters, digits, '.', '_' and '-' (at most 128), and do not start with '.'";

/// Longest accepted name (a path component is at most 255 bytes; names are
/// combined with suffixes such as `-base`).
pub const NAME_MAX: usize = 128;

/// Check one name; the error says what is wrong (without naming the file,
/// which the caller adds).
pub fn check_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= NAME_MAX
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(format!("bad name {name:?}: {NAME_RULE}"))
    }
}

/// The known name closest to `name`, when one is close enough to be a typo
/// (Jaro-Winkler similarity of at least 0.8, as cargo's and clap's
/// suggestions use), for "did you mean" hints.
pub fn did_you_mean<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    known
        .into_iter()
        .map(|k| (strsim::jaro_winkler(name, k), k))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k)
}

/// `; did you mean `x`?` or nothing, to append to an "unknown name" error.
pub fn suggestion<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> String {
    did_you_mean(name, known)
        .map(|k| format!("; did you mean `{k}`?"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {

    #[test]
    fn typos_get_a_suggestion_and_strangers_do_not() {
        let known = ["linux-6.1", "linux-6.12", "base", "preempt-rt-prefix"];
        assert_eq!(did_you_mean("linux-6.11", known), Some("linux-6.1"));
        assert_eq!(did_you_mean("linux6.12", known), Some("linux-6.12"));
        assert_eq!(did_you_mean("preempt-rt", known), Some("preempt-rt-prefix"));
        assert_eq!(did_you_mean("xyzzy", known), None);
        assert_eq!(suggestion("bsae", known), "; did you mean `base`?");
        assert_eq!(suggestion("xyzzy", known), "");
    }

    use super::*;

    #[test]
    fn accepts_ordinary_names() {
        for n in [
            "linux-6.1",
            "preempt-rt_1",
            "ip-multiple-tables-y",
            "20260101T000000Z-42",
            "a",
        ] {
            assert_eq!(check_name(n), Ok(()), "{n}");
        }
    }

    #[test]
    fn refuses_names_that_are_not_one_safe_component() {
        let long = "x".repeat(NAME_MAX + 1);
        for n in [
            "",
            ".",
            "..",
            ".hidden",
            "x/../../../victim",
            "../x",
            "a/b",
            "/abs",
            "a b",
            "a\0b",
            "a\nb",
            "é",
            "a+b",
            long.as_str(),
        ] {
            assert!(check_name(n).is_err(), "{n:?} accepted");
        }
    }
}
