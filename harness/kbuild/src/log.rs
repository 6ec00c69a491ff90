//! Parsing a kernel build log into warnings and errors: gcc/clang
//! (`file:line:col: warning|error: msg [-Wflag]`), ld, modpost, make.

pub use harness_schema::build::{Diagnostic, Severity};

/// Parse a build log. `strip_prefixes` are removed from file paths (give the
/// source root and the output directory, each with or without a trailing
/// `/`), so paths come out relative to the tree. Duplicates (the same header
/// warning from many translation units) are kept once.
pub fn parse_log(text: &str, strip_prefixes: &[String]) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, line) in text.lines().enumerate() {
        if let Some(d) = parse_line(line, i + 1, strip_prefixes) {
            let key = (
                d.severity,
                d.file.clone(),
                d.line,
                d.column,
                d.message.clone(),
            );
            if seen.insert(key) {
                out.push(d);
            }
        }
    }
    out
}

fn strip(path: &str, prefixes: &[String]) -> String {
    let mut p = path.trim();
    for pre in prefixes {
        let pre = pre.trim_end_matches('/');
        if pre.is_empty() {
            continue;
        }
        if let Some(rest) = p.strip_prefix(pre) {
            if let Some(rest) = rest.strip_prefix('/') {
                p = rest;
                break;
            }
        }
    }
    p.strip_prefix("./").unwrap_or(p).to_owned()
}

/// Split `msg [-Wflag]` into (msg, flag).
fn split_flag(msg: &str) -> (String, Option<String>) {
    let m = msg.trim_end();
    if let Some(open) = m.rfind(" [-W") {
        if m.ends_with(']') {
            let flag = &m[open + 2..m.len() - 1];
            // gcc 13 prints `[-Wfoo=]` and sometimes a URL `[https://...]` after
            let flag = flag.split(']').next().unwrap_or(flag);
            return (m[..open].to_owned(), Some(flag.to_owned()));
        }
    }
    (m.to_owned(), None)
}

fn parse_line(line: &str, lineno: usize, prefixes: &[String]) -> Option<Diagnostic> {
    let l = line.trim_end();
    // modpost: `ERROR: modpost: "foo" [m.ko] undefined!` / `WARNING: modpost: ...`
    for (tag, sev) in [
        ("ERROR: modpost: ", Severity::Error),
        ("WARNING: modpost: ", Severity::Warning),
    ] {
        if let Some(msg) = l.strip_prefix(tag) {
            return Some(Diagnostic {
                severity: sev,
                tool: "modpost".into(),
                file: None,
                line: None,
                column: None,
                message: msg.trim().to_owned(),
                flag: None,
                log_line: lineno,
            });
        }
    }
    // make: `make[2]: *** [scripts/Makefile.build:250: net/core/dev.o] Error 1`
    if l.starts_with("make") && l.contains(": *** ") {
        let msg = l.split_once(": *** ").map(|(_, m)| m).unwrap_or(l);
        // `make: *** Waiting for unfinished jobs....` (make -j waiting for
        // its other children after one failed) is no error of its own.
        if msg.trim_start().starts_with("Waiting for unfinished jobs") {
            return None;
        }
        return Some(Diagnostic {
            severity: Severity::Error,
            tool: "make".into(),
            file: None,
            line: None,
            column: None,
            message: msg.trim().to_owned(),
            flag: None,
            log_line: lineno,
        });
    }
    // ld: `ld: warning: ...`, `ld: foo.o: in function `x':` (context),
    // `ld: dev.c:(.text+0x1): undefined reference to `y'`, `ld: final link failed`
    for ld in ["ld: ", "ld.bfd: ", "ld.lld: "] {
        let rest = l
            .strip_prefix(ld)
            .or_else(|| l.find(&format!("/{ld}")).map(|i| &l[i + 1 + ld.len()..]));
        if let Some(rest) = rest {
            if rest.contains(": in function `") || rest.ends_with(':') {
                return None; // context line for the next one
            }
            let (sev, msg) = match rest.strip_prefix("warning: ") {
                Some(m) => (Severity::Warning, m),
                None => (Severity::Error, rest),
            };
            let (file, line, msg) = match ld_location(msg) {
                Some((f, ln, m)) => (Some(strip(f, prefixes)), ln, m),
                None => (None, None, msg),
            };
            return Some(Diagnostic {
                severity: sev,
                tool: "ld".into(),
                file,
                line,
                column: None,
                message: msg.trim().to_owned(),
                flag: None,
                log_line: lineno,
            });
        }
    }
    // compiler: `path:line[:col]: (warning|error|fatal error): msg`
    for (tag, sev) in [
        (": warning: ", Severity::Warning),
        (": error: ", Severity::Error),
        (": fatal error: ", Severity::Error),
    ] {
        if let Some(idx) = l.find(tag) {
            let loc = &l[..idx];
            let msg = &l[idx + tag.len()..];
            let (file, line, col) = split_location(loc);
            if file.contains(' ') && !file.contains('/') {
                continue; // prose such as "note: in expansion of ...", not a path
            }
            let (message, flag) = split_flag(msg);
            let tool_level = matches!(file, "cc1" | "gcc" | "cc" | "clang" | "cc1plus");
            return Some(Diagnostic {
                severity: sev,
                tool: "cc".into(),
                file: if tool_level {
                    None
                } else {
                    Some(strip(file, prefixes))
                },
                line: if tool_level { None } else { line },
                column: if tool_level { None } else { col },
                message,
                flag,
                log_line: lineno,
            });
        }
    }
    None
}

/// `path:line:col`, `path:line` or `path` -> parts.
fn split_location(loc: &str) -> (&str, Option<u32>, Option<u32>) {
    let num = |s: &str| s.parse::<u32>().ok();
    if let Some((head, last)) = loc.rsplit_once(':') {
        if let Some(n_last) = num(last) {
            if let Some((file, mid)) = head.rsplit_once(':') {
                if let Some(n_mid) = num(mid) {
                    return (file, Some(n_mid), Some(n_last));
                }
            }
            return (head, Some(n_last), None);
        }
    }
    (loc, None, None)
}

/// `dev.c:(.text+0x12): undefined reference` or `dev.c:123: undefined ...`.
fn ld_location(msg: &str) -> Option<(&str, Option<u32>, &str)> {
    let (loc, rest) = msg.split_once(": ")?;
    let (file, pos) = loc.rsplit_once(':')?;
    if file.is_empty() || file.contains(' ') {
        return None;
    }
    Some((file, pos.parse().ok(), rest))
}

/// Count compiled objects in a `V=0` kbuild log: lines `  CC      x.o`,
/// `  CC [M]  x.o`, `  AS      x.o`.
pub fn count_compiled(text: &str) -> usize {
    text.lines()
        .filter(|l| {
            let t = l.trim_start();
            l.starts_with("  ")
                && (t.starts_with("CC ") || t.starts_with("AS "))
                && t.ends_with(".o")
        })
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pre() -> Vec<String> {
        vec!["/src/tree".into(), "/out".into()]
    }

    #[test]
    fn gcc_warning_with_flag_and_prefix() {
        // Format from gcc 12 (Debian bookworm) on an O= kernel build.
        let log = "  CC      net/core/dev.o\n/src/tree/net/core/dev.c: In function 'foo':\n/src/tree/net/core/dev.c:120:13: warning: unused variable 'x' [-Wunused-variable]\n  120 |         int x;\n      |             ^\n";
        let d = parse_log(log, &pre());
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].file.as_deref(), Some("net/core/dev.c"));
        assert_eq!((d[0].line, d[0].column), (Some(120), Some(13)));
        assert_eq!(d[0].message, "unused variable 'x'");
        assert_eq!(d[0].flag.as_deref(), Some("-Wunused-variable"));
        assert_eq!(d[0].severity, Severity::Warning);
        assert_eq!(d[0].log_line, 3);
        assert_eq!(count_compiled(log), 1);
    }

    #[test]
    fn errors_ld_modpost_make() {
        let log = "/src/tree/a.c:5:1: error: expected ';' before '}' token\n\
                   ./include/generated/x.h:2: warning: no column here\n\
                   cc1: warning: command-line option ignored\n\
                   ld: vmlinux.o: in function `f':\n\
                   ld: /src/tree/b.c:7: undefined reference to `g'\n\
                   ld: warning: creating DT_TEXTREL in a PIE\n\
                   ERROR: modpost: \"g\" [m.ko] undefined!\n\
                   make[2]: *** [scripts/Makefile.build:250: a.o] Error 1\n\
                   make[2]: *** Waiting for unfinished jobs....\n\
                   a.c:1:2: fatal error: x.h: No such file or directory\n";
        let d = parse_log(log, &pre());
        let short: Vec<(Severity, &str, Option<&str>, Option<u32>)> = d
            .iter()
            .map(|d| (d.severity, d.tool.as_str(), d.file.as_deref(), d.line))
            .collect();
        assert_eq!(
            short,
            vec![
                (Severity::Error, "cc", Some("a.c"), Some(5)),
                (
                    Severity::Warning,
                    "cc",
                    Some("include/generated/x.h"),
                    Some(2)
                ),
                (Severity::Warning, "cc", None, None),
                (Severity::Error, "ld", Some("b.c"), Some(7)),
                (Severity::Warning, "ld", None, None),
                (Severity::Error, "modpost", None, None),
                (Severity::Error, "make", None, None),
                (Severity::Error, "cc", Some("a.c"), Some(1)),
            ]
        );
        assert_eq!(d[7].message, "x.h: No such file or directory");
    }

    #[test]
    fn duplicates_from_headers_kept_once() {
        let l = "/src/tree/include/h.h:3:1: warning: w [-Wx]\n";
        assert_eq!(parse_log(&l.repeat(3), &pre()).len(), 1);
    }
}
