//! checkpatch.pl's output, parsed into typed findings.
//!
//! The harness runs the tree's own `scripts/checkpatch.pl` with `--show-types
//! --color=never -q` (and `--strict`, `--codespell` as asked) on one patch as
//! posted. That output is a list of reports, each
//!
//! ```text
//! WARNING:TYPE: message (possibly on several lines)
//! #12: FILE: net/core/dev.c:34:
//! +the offending line(s)
//! ```
//!
//! where the `#N:` line (N = line in the patch input) and its `FILE: path:L:`
//! part are optional, followed by `total: E errors, W warnings, C checks, L
//! lines checked`. [`parse_output`] reads that and checks the counts it found
//! against the `total:` line: a mismatch is an error, never a silently short
//! list.

pub use harness_schema::checkpatch::{Finding, Level, Totals};

/// Output that does not read as checkpatch's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("line {line} of checkpatch's output: `{text}` comes before any report")]
    Stray { line: usize, text: String },
    #[error("checkpatch's `total:` line says {said} but {found} were printed")]
    CountMismatch { said: String, found: String },
    #[error("checkpatch printed reports but no `total:` line")]
    NoTotal,
    #[error("line {line} of checkpatch's output: unreadable `total:` line `{text}`")]
    BadTotal { line: usize, text: String },
}

/// Parse `checkpatch.pl -q --show-types --color=never` output. Empty output
/// (what `-q` prints for a clean patch) is no findings and zero totals.
pub fn parse_output(out: &str) -> Result<(Vec<Finding>, Totals), ParseError> {
    let mut findings: Vec<Finding> = Vec::new();
    let mut totals: Option<Totals> = None;
    for (i, raw) in out.lines().enumerate() {
        let line_no = i + 1;
        if let Some(f) = header(raw) {
            findings.push(f);
            continue;
        }
        if raw.starts_with("total: ") {
            totals = Some(parse_total(raw).ok_or_else(|| ParseError::BadTotal {
                line: line_no,
                text: raw.to_owned(),
            })?);
            continue;
        }
        match findings.last_mut() {
            Some(f) => continue_finding(f, raw),
            None if raw.trim().is_empty() => {}
            None => {
                return Err(ParseError::Stray {
                    line: line_no,
                    text: raw.to_owned(),
                })
            }
        }
    }
    for f in &mut findings {
        while f.quoted.last().is_some_and(|l| l.is_empty()) {
            f.quoted.pop();
        }
    }
    let totals = match totals {
        Some(t) => t,
        None if findings.is_empty() => Totals::default(),
        None => return Err(ParseError::NoTotal),
    };
    check_counts(&findings, &totals)?;
    Ok((findings, totals))
}

fn header(raw: &str) -> Option<Finding> {
    let (level, rest) = raw.split_once(':')?;
    let level = Level::from_word(level)?;
    let (kind, msg) = rest.split_once(": ")?;
    let type_ok = !kind.is_empty()
        && kind
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
    if !type_ok {
        return None;
    }
    Some(Finding {
        level,
        kind: kind.to_owned(),
        message: msg.to_owned(),
        file: None,
        line: None,
        patch_line: None,
        quoted: Vec::new(),
    })
}

/// A line after a report's first: more message, the `#N:` place, or quoted
/// patch lines (everything after the place).
fn continue_finding(f: &mut Finding, raw: &str) {
    if f.patch_line.is_none() && f.quoted.is_empty() {
        if let Some((n, file, line)) = place(raw) {
            f.patch_line = Some(n);
            f.file = file;
            f.line = line;
            return;
        }
    }
    if f.patch_line.is_some() || !f.quoted.is_empty() {
        f.quoted.push(raw.to_owned());
    } else if raw.is_empty() {
        // The blank line ending a report without a place.
        f.quoted.push(String::new());
    } else {
        f.message.push('\n');
        f.message.push_str(raw);
    }
}

/// `#12: ` or `#12: FILE: path:34:`.
fn place(raw: &str) -> Option<(u32, Option<String>, Option<u32>)> {
    let rest = raw.strip_prefix('#')?;
    let (n, rest) = rest.split_once(':')?;
    let n: u32 = n.parse().ok()?;
    let rest = rest.trim_start();
    if rest.is_empty() {
        return Some((n, None, None));
    }
    let file_part = rest.strip_prefix("FILE: ")?.strip_suffix(':')?;
    let (path, line) = file_part.rsplit_once(':')?;
    Some((n, Some(path.to_owned()), Some(line.parse().ok()?)))
}

/// `total: 1 errors, 2 warnings, 3 checks, 10 lines checked` (the checks part
/// is missing when checkpatch ran without --strict on a file outside net/).
fn parse_total(raw: &str) -> Option<Totals> {
    let body = raw
        .strip_prefix("total: ")?
        .strip_suffix(" lines checked")?;
    let mut t = Totals::default();
    let parts: Vec<&str> = body.split(", ").collect();
    let (last, counted) = parts.split_last()?;
    t.lines = last.parse().ok()?;
    for p in counted {
        let (n, what) = p.split_once(' ')?;
        let n: u32 = n.parse().ok()?;
        match what {
            "errors" => t.errors = n,
            "warnings" => t.warnings = n,
            "checks" => t.checks = n,
            _ => return None,
        }
    }
    Some(t)
}

fn check_counts(findings: &[Finding], t: &Totals) -> Result<(), ParseError> {
    let count = |l: Level| findings.iter().filter(|f| f.level == l).count() as u32;
    let found = (
        count(Level::Error),
        count(Level::Warning),
        count(Level::Check),
    );
    if found != (t.errors, t.warnings, t.checks) {
        return Err(ParseError::CountMismatch {
            said: format!(
                "{} errors, {} warnings, {} checks",
                t.errors, t.warnings, t.checks
            ),
            found: format!(
                "{} errors, {} warnings, {} checks",
                found.0, found.1, found.2
            ),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    // Shape of checkpatch 6.1 output (report() in scripts/checkpatch.pl:
    // "$level:$type: $msg\n" where msg ends in "$here\n$rawline\n").
    const SAMPLE: &str = "\
WARNING:COMMIT_LOG_LONG_LINE: Possible unwrapped commit description (prefer a maximum 75 chars per line)
#7: 
This line of the commit message is far too long for checkpatch's taste, really.

ERROR:CODE_INDENT: code indent should use tabs where possible
#20: FILE: net/core/foo.c:12:
+        return 0;$

CHECK:PARENTHESIS_ALIGNMENT: Alignment should match open parenthesis
#25: FILE: net/core/foo.c:17:
+\tif (a &&
+   b)

ERROR:MISSING_SIGN_OFF: Missing Signed-off-by: line(s)

total: 2 errors, 1 warnings, 1 checks, 9 lines checked
";

    #[test]
    fn reads_levels_types_places_and_quotes() {
        let (f, t) = parse_output(SAMPLE).expect("parses");
        assert_eq!(
            t,
            Totals {
                errors: 2,
                warnings: 1,
                checks: 1,
                lines: 9
            }
        );
        assert_eq!(f.len(), 4);
        assert_eq!(f[0].level, Level::Warning);
        assert_eq!(f[0].patch_line, Some(7));
        assert_eq!(f[0].file, None);
        assert_eq!(f[1].kind, "CODE_INDENT");
        assert_eq!(f[1].file.as_deref(), Some("net/core/foo.c"));
        assert_eq!(f[1].line, Some(12));
        assert_eq!(f[1].quoted, vec!["+        return 0;$".to_owned()]);
        assert_eq!(f[2].quoted.len(), 2);
        assert_eq!(f[3].message, "Missing Signed-off-by: line(s)");
        assert_eq!(f[3].patch_line, None);
        assert!(f[3].quoted.is_empty());
    }

    #[test]
    fn clean_output_is_empty() {
        assert_eq!(
            parse_output("").expect("parses"),
            (vec![], Totals::default())
        );
    }

    #[test]
    fn a_total_that_disagrees_is_an_error() {
        let out = "ERROR:X: y\n\ntotal: 2 errors, 0 warnings, 0 checks, 1 lines checked\n";
        assert!(matches!(
            parse_output(out),
            Err(ParseError::CountMismatch { .. })
        ));
    }

    #[test]
    fn reports_without_total_or_with_stray_text_are_errors() {
        assert_eq!(parse_output("ERROR:X: y\n"), Err(ParseError::NoTotal));
        assert!(matches!(
            parse_output("perl: warning: locale\n"),
            Err(ParseError::Stray { line: 1, .. })
        ));
    }

    #[test]
    fn total_without_checks_part() {
        let t = parse_total("total: 0 errors, 1 warnings, 3 lines checked").expect("total");
        assert_eq!((t.warnings, t.checks, t.lines), (1, 0, 3));
    }
}
