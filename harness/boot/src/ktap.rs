//! KTAP / TAP parser for serial console captures.
//!
//! Pure: takes the console text, returns what it found. Handles
//! - `KTAP version 1` and `TAP version 13/14` headers, top level and nested;
//! - nested subtests by indentation (KTAP: the subtest block, indented, comes
//!   before its parent's result line; `# Subtest: NAME` names it);
//! - directives `# SKIP`, `# TODO`, `# XFAIL`, `# TIMEOUT`, `# ERROR`
//!   (case-insensitive), with their reasons;
//! - kernel console noise: `[    1.234567] ` timestamps are stripped (KUnit
//!   prints its KTAP through printk), printk lines, `\r`, ANSI escapes and
//!   anything else that is not KTAP are ignored;
//! - repeated test names (kept as separate results);
//! - a missing plan, and truncated output: results announced by a plan that
//!   never came are listed in [`KtapLevel::missing`], and a subtest block whose
//!   parent result line never came is reported as a failed, unfinished test.

/// Verdict of one KTAP result line after applying its directive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KtapStatus {
    Pass,
    Fail,
    Skip,
    /// Expected failure: `# XFAIL`, or `not ok ... # TODO`.
    Xfail,
}

/// The directive after `#` on a result line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Directive {
    Skip,
    Todo,
    Xfail,
    Timeout,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KtapResult {
    /// The test number as printed (`ok 3 ...` -> 3).
    pub number: Option<u32>,
    pub name: String,
    /// `ok` (true) or `not ok` (false) as printed, before directives.
    pub ok: bool,
    pub directive: Option<Directive>,
    pub status: KtapStatus,
    /// Directive text (`# SKIP requires X` -> "requires X") or, for failures,
    /// the last diagnostic line printed before the result.
    pub reason: Option<String>,
    /// Diagnostic (`# ...`) lines printed between the previous result and this one.
    pub diagnostics: Vec<String>,
    pub subtests: Vec<KtapResult>,
    /// The result line never came (output ended inside this test's subtests).
    pub unfinished: bool,
    /// 1-based line in the console text of the result line (or of the last
    /// line seen, for an unfinished test).
    pub line: usize,
}

/// One level of KTAP output: the top-level suite or a subtest block.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KtapLevel {
    /// `KTAP version 1` -> "KTAP version 1".
    pub version: Option<String>,
    /// From `# Subtest: NAME`.
    pub name: Option<String>,
    /// From `1..N`.
    pub plan: Option<u32>,
    pub results: Vec<KtapResult>,
    /// Test numbers announced by the plan but never reported (output ended).
    pub missing: Vec<u32>,
    /// `Bail out!` seen, with its reason.
    pub bailed_out: Option<String>,
}

/// Everything found in a console capture.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KtapDocument {
    pub top: KtapLevel,
    /// Any KTAP line (header, plan or result) was found at all.
    pub found: bool,
    /// The output ended in the middle: nested blocks still open, or fewer
    /// results than planned.
    pub truncated: bool,
}

/// Strip what the console adds around a line: `\r`, ANSI escapes, a printk
/// timestamp `[    1.234567] ` and an optional `<6>` log level. Returns the
/// remaining text with its leading indentation intact.
pub fn clean_console_line(raw: &str) -> String {
    let mut s: String = strip_ansi(raw).replace('\r', "");
    // printk timestamp: "[" spaces digits "." digits "]" then one space.
    if let Some(rest) = strip_timestamp(&s) {
        s = rest.to_string();
    }
    if let Some(rest) = strip_loglevel(&s) {
        s = rest.to_string();
    }
    s
}

fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.peek() == Some(&'[') {
                chars.next();
                // CSI: parameters then one final byte in @..~
                for c2 in chars.by_ref() {
                    if ('@'..='~').contains(&c2) {
                        break;
                    }
                }
            }
            continue;
        }
        out.push(c);
    }
    out
}

fn strip_timestamp(s: &str) -> Option<&str> {
    let rest = s.strip_prefix('[')?;
    let close = rest.find(']')?;
    let inside = rest.get(..close)?.trim();
    let (secs, frac) = inside.split_once('.')?;
    if secs.is_empty()
        || frac.is_empty()
        || !secs.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let after = rest.get(close + 1..)?;
    Some(after.strip_prefix(' ').unwrap_or(after))
}

fn strip_loglevel(s: &str) -> Option<&str> {
    let rest = s.strip_prefix('<')?;
    let close = rest.find('>')?;
    if close == 0 || close > 2 || !rest.get(..close)?.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    rest.get(close + 1..)
}

/// What a cleaned line is, KTAP-wise.
#[derive(Debug, PartialEq, Eq)]
enum Line {
    Version(String),
    Plan(u32),
    Result {
        ok: bool,
        number: Option<u32>,
        name: String,
        directive: Option<(Directive, String)>,
    },
    Subtest(String),
    Diagnostic(String),
    BailOut(String),
    Noise,
}

fn classify(text: &str) -> Line {
    let t = text.trim_end();
    if let Some(v) = t.strip_prefix("KTAP version ") {
        if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
            return Line::Version(t.to_string());
        }
    }
    if let Some(v) = t.strip_prefix("TAP version ") {
        if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
            return Line::Version(t.to_string());
        }
    }
    if let Some(p) = t.strip_prefix("1..") {
        // "1..N" optionally followed by "# reason" (TAP skip-all plan).
        let num: String = p.chars().take_while(|c| c.is_ascii_digit()).collect();
        let after = p.get(num.len()..).unwrap_or("").trim_start();
        if !num.is_empty() && (after.is_empty() || after.starts_with('#')) {
            if let Ok(n) = num.parse() {
                return Line::Plan(n);
            }
        }
    }
    if let Some(r) = t.strip_prefix("Bail out!") {
        return Line::BailOut(r.trim().to_string());
    }
    let (ok, rest) = if let Some(r) = t.strip_prefix("not ok") {
        (false, r)
    } else if let Some(r) = t.strip_prefix("ok") {
        (true, r)
    } else if let Some(r) = t.strip_prefix('#') {
        let r = r.trim();
        if let Some(name) = r.strip_prefix("Subtest:") {
            return Line::Subtest(name.trim().to_string());
        }
        return Line::Diagnostic(r.to_string());
    } else {
        return Line::Noise;
    };
    // "ok" must be followed by end of line or whitespace ("okay" is not a result).
    if !(rest.is_empty() || rest.starts_with(' ') || rest.starts_with('\t')) {
        return Line::Noise;
    }
    let rest = rest.trim_start();
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    let number = if digits.is_empty() {
        None
    } else {
        digits.parse().ok()
    };
    let rest = rest.get(digits.len()..).unwrap_or("").trim_start();
    let rest = rest.strip_prefix("- ").unwrap_or(rest);
    let (name, directive) = split_directive(rest);
    Line::Result {
        ok,
        number,
        name,
        directive,
    }
}

/// Split "name # DIRECTIVE reason". A `#` not followed by a known directive
/// stays part of the name (TAP: only SKIP/TODO are directives; KTAP and
/// kselftest add XFAIL, TIMEOUT, ERROR).
fn split_directive(s: &str) -> (String, Option<(Directive, String)>) {
    let mut search_from = 0;
    while let Some(pos) = s.get(search_from..).and_then(|r| r.find('#')) {
        let hash = search_from + pos;
        let after = s.get(hash + 1..).unwrap_or("").trim_start();
        let word: String = after
            .chars()
            .take_while(|c| c.is_ascii_alphabetic())
            .collect();
        let upper = word.to_ascii_uppercase();
        let directive = match upper.as_str() {
            "SKIP" | "SKIPPED" => Some(Directive::Skip),
            "TODO" => Some(Directive::Todo),
            "XFAIL" => Some(Directive::Xfail),
            "TIMEOUT" => Some(Directive::Timeout),
            "ERROR" => Some(Directive::Error),
            _ => None,
        };
        if let Some(d) = directive {
            let reason = after
                .get(word.len()..)
                .unwrap_or("")
                .trim_start_matches(':')
                .trim()
                .to_string();
            let name = s.get(..hash).unwrap_or("").trim().to_string();
            return (name, Some((d, reason)));
        }
        search_from = hash + 1;
    }
    (s.trim().to_string(), None)
}

fn status_of(ok: bool, directive: Option<Directive>) -> KtapStatus {
    match (ok, directive) {
        (_, Some(Directive::Skip)) => KtapStatus::Skip,
        (true, Some(Directive::Xfail)) => KtapStatus::Xfail,
        (false, Some(Directive::Todo)) => KtapStatus::Xfail,
        (_, Some(Directive::Timeout)) | (_, Some(Directive::Error)) => KtapStatus::Fail,
        (false, _) => KtapStatus::Fail,
        (true, _) => KtapStatus::Pass,
    }
}

struct Open {
    indent: usize,
    level: KtapLevel,
    /// Subtest blocks that ended and wait for this level's next result line.
    pending: Vec<KtapResult>,
    /// Diagnostics since the last result; a `Subtest: NAME` entry names the
    /// next nested block.
    diagnostics: Vec<String>,
    last_line: usize,
}

impl Open {
    fn new(indent: usize) -> Self {
        Open {
            indent,
            level: KtapLevel::default(),
            pending: Vec::new(),
            diagnostics: Vec::new(),
            last_line: 0,
        }
    }
}

/// Close a nested block: it becomes the subtests of the parent's next result.
/// Kept as a synthetic, unfinished result until that line arrives.
fn close_block(open: Open) -> KtapResult {
    let Open {
        mut level,
        pending,
        diagnostics,
        last_line,
        ..
    } = open;
    let mut results = std::mem::take(&mut level.results);
    // Pending results of a deeper block that never got a parent line.
    results.extend(pending);
    let failed = results.iter().any(|r| r.status == KtapStatus::Fail);
    KtapResult {
        number: None,
        name: level.name.clone().unwrap_or_default(),
        ok: !failed,
        directive: None,
        status: KtapStatus::Fail,
        reason: Some("output ended before this test's result line".to_string()),
        diagnostics,
        subtests: results,
        unfinished: true,
        line: last_line,
    }
}

fn missing_from_plan(level: &mut KtapLevel) -> bool {
    let Some(plan) = level.plan else {
        return false;
    };
    let seen: std::collections::BTreeSet<u32> =
        level.results.iter().filter_map(|r| r.number).collect();
    let count = u32::try_from(level.results.len()).unwrap_or(u32::MAX);
    // Numbers not seen; if results are unnumbered, count them instead.
    level.missing = (1..=plan)
        .filter(|n| !seen.contains(n))
        .skip(count.saturating_sub(u32::try_from(seen.len()).unwrap_or(0)) as usize)
        .collect();
    !level.missing.is_empty()
}

/// Parse a console capture.
pub fn parse(console: &str) -> KtapDocument {
    let mut doc = KtapDocument::default();
    // The stack of open levels; index 0 is the top level. Its indent is that
    // of the first KTAP line seen.
    let mut stack: Vec<Open> = Vec::new();

    for (idx, raw) in console.split('\n').enumerate() {
        let lineno = idx + 1;
        let text = clean_console_line(raw);
        let indent = text.len() - text.trim_start_matches([' ', '\t']).len();
        let body = text.get(indent..).unwrap_or("");
        let line = classify(body);
        if matches!(line, Line::Noise) {
            continue;
        }
        if stack.is_empty() {
            // Diagnostics before any KTAP header are console noise ("# " shells etc).
            if matches!(line, Line::Diagnostic(_) | Line::Subtest(_)) {
                continue;
            }
            stack.push(Open::new(indent));
        }
        doc.found = true;
        // Close deeper blocks when the indentation goes back out.
        while stack.len() > 1 && stack.last().is_some_and(|o| indent < o.indent) {
            if let Some(done) = stack.pop() {
                let block = close_block(done);
                if let Some(parent) = stack.last_mut() {
                    parent.pending.push(block);
                }
            }
        }
        let top_indent = stack.last().map(|o| o.indent).unwrap_or(0);
        let opens_block = !matches!(line, Line::Diagnostic(_) | Line::BailOut(_));
        if indent > top_indent && opens_block {
            // A nested block starts (with or without its own version line).
            let mut open = Open::new(indent);
            if let Some(parent) = stack.last_mut() {
                // A "# Subtest: NAME" printed at the parent's level names this block.
                if let Some(name) = parent
                    .diagnostics
                    .last()
                    .and_then(|d| d.strip_prefix("Subtest:").map(|n| n.trim().to_string()))
                {
                    parent.diagnostics.pop();
                    open.level.name = Some(name);
                }
            }
            stack.push(open);
        } else if indent < top_indent && stack.len() == 1 {
            // Top level printed less indented than its first line: adopt it.
            if let Some(o) = stack.last_mut() {
                o.indent = indent;
            }
        }
        let nested = stack.len() > 1;
        let Some(cur) = stack.last_mut() else {
            continue;
        };
        cur.last_line = lineno;
        match line {
            Line::Version(v) => {
                if cur.level.version.is_none() {
                    cur.level.version = Some(v);
                }
            }
            Line::Plan(n) => cur.level.plan = Some(n),
            Line::Subtest(name) => {
                if cur.level.results.is_empty() && cur.level.name.is_none() && nested {
                    cur.level.name = Some(name);
                } else {
                    // Names the block that follows, one level deeper.
                    cur.diagnostics.push(format!("Subtest: {name}"));
                }
            }
            Line::Diagnostic(d) => cur.diagnostics.push(d),
            Line::BailOut(reason) => cur.level.bailed_out = Some(reason),
            Line::Result {
                ok,
                number,
                name,
                directive,
            } => {
                let (dir, dir_text) = match directive {
                    Some((d, t)) => (Some(d), Some(t)),
                    None => (None, None),
                };
                let status = status_of(ok, dir);
                let diagnostics: Vec<String> = std::mem::take(&mut cur.diagnostics)
                    .into_iter()
                    .filter(|d| !d.starts_with("Subtest:"))
                    .collect();
                let reason = match dir_text {
                    Some(t) if !t.is_empty() => Some(t),
                    Some(_) if dir == Some(Directive::Timeout) => Some("timeout".to_string()),
                    _ if status == KtapStatus::Fail => diagnostics.last().cloned(),
                    _ => None,
                };
                let subtests = std::mem::take(&mut cur.pending)
                    .into_iter()
                    .flat_map(|block| {
                        // A closed block whose parent line is this one: its
                        // results are this test's subtests.
                        if block.unfinished {
                            block.subtests
                        } else {
                            vec![block]
                        }
                    })
                    .collect();
                cur.level.results.push(KtapResult {
                    number,
                    name,
                    ok,
                    directive: dir,
                    status,
                    reason,
                    diagnostics,
                    subtests,
                    unfinished: false,
                    line: lineno,
                });
            }
            Line::Noise => {}
        }
    }

    // End of input: close open nested blocks; their parent lines never came.
    while stack.len() > 1 {
        doc.truncated = true;
        if let Some(done) = stack.pop() {
            let block = close_block(done);
            if let Some(parent) = stack.last_mut() {
                // Blocks that closed earlier at this level and still waited
                // for their result line are unfinished tests as well.
                let earlier = std::mem::take(&mut parent.pending);
                parent.level.results.extend(earlier);
                parent.level.results.push(block);
            }
        }
    }
    if let Some(mut top) = stack.pop() {
        // Blocks that closed but whose parent line never came.
        for mut p in top.pending.drain(..) {
            doc.truncated = true;
            p.unfinished = true;
            top.level.results.push(p);
        }
        // Number unfinished results after the last numbered one.
        let mut next = top
            .level
            .results
            .iter()
            .filter_map(|r| r.number)
            .max()
            .unwrap_or(0);
        for r in top.level.results.iter_mut() {
            if r.unfinished && r.number.is_none() {
                next += 1;
                r.number = Some(next);
            }
        }
        if missing_from_plan(&mut top.level) {
            doc.truncated = true;
        }
        doc.top = top.level;
    }
    doc
}

#[cfg(test)]
#[path = "ktap_tests.rs"]
mod tests;
