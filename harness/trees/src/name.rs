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

#[cfg(test)]
mod tests {
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
