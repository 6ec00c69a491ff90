//! Mailing-list archive page text (a forum/web rendering of a thread, like
//! the seed in corpus/seed/): posts introduced by `Subject:` and
//! `Posted by [Name](#) on DATE`, code in ``` fences that the archive split
//! at arbitrary places, tabs and leading spaces lost, Markdown escapes
//! (`net\_namespace.h`), list footers.
//!
//! Recovery rules (each recovery and each failure is recorded per message):
//! - fence markers are dropped; a blank line next to a fence marker, or
//!   outside fences, is *ambiguous* (the archive inserts such lines);
//! - inside a hunk, a line that starts with none of ` `, `+`, `-`, `\` is a
//!   context line that lost its leading space: the space is put back;
//! - ambiguous blank lines inside a hunk ("gaps") are kept or dropped so that
//!   the hunk's line counts match its `@@` header: when all or none are needed
//!   the counts decide; otherwise another copy of the same hunk (a quoted copy
//!   in a review, or the same hunk in another post) decides; otherwise the
//!   hunk is reported as unrecoverable with the reason;
//! - a hunk whose counts cannot be met (lines lost, a `+`/` ` confusion) is
//!   reported with the line and the difference, never patched up by guessing.
//!
//! Whitespace-only damage (tabs turned to spaces) is not repaired here: only
//! the tree knows the original; the apply engine reports it.

use crate::model::{parse_date, Message};
use crate::subject;
use crate::textscan::{self, TextHunk};
use std::path::Path;

/// True when `text` looks like an archive page rather than a mail or a diff.
pub fn looks_like_archive(text: &str) -> bool {
    let mut posted = false;
    let mut fences = false;
    let mut subject = false;
    for l in text.lines().take(5000) {
        if l.starts_with("Posted by ") {
            posted = true;
        }
        if l.trim() == "```" {
            fences = true;
        }
        if l.starts_with("Subject: ") {
            subject = true;
        }
    }
    posted || (fences && subject)
}

struct Post {
    line: usize,
    subject: String,
    from: Option<String>,
    date: Option<String>,
    body: Vec<(usize, String)>,
}

fn split_posts(text: &str) -> Vec<Post> {
    let lines: Vec<&str> = text.lines().collect();
    let mut posts: Vec<Post> = Vec::new();
    let mut i = 0;
    while let Some(l) = lines.get(i) {
        let is_start = l.starts_with("Subject: ")
            && lines
                .iter()
                .skip(i + 1)
                .take(3)
                .any(|n| n.starts_with("Posted by "));
        if is_start {
            let subject = l.trim_start_matches("Subject: ").trim().to_owned();
            let mut post = Post {
                line: i + 1,
                subject: unescape_md(&subject),
                from: None,
                date: None,
                body: Vec::new(),
            };
            i += 1;
            while let Some(n) = lines.get(i) {
                if let Some(rest) = n.strip_prefix("Posted by ") {
                    let rest = rest.trim();
                    let (who, when) = match rest.split_once(" on ") {
                        Some((w, d)) => (w, Some(d.trim().to_owned())),
                        None => (rest, None),
                    };
                    let who = who
                        .trim()
                        .strip_prefix('[')
                        .and_then(|w| w.split(']').next())
                        .unwrap_or(who.trim());
                    post.from = Some(who.to_owned());
                    post.date = when;
                    i += 1;
                    break;
                }
                i += 1;
            }
            posts.push(post);
            continue;
        }
        if let Some(p) = posts.last_mut() {
            p.body.push((i + 1, (*l).to_owned()));
        }
        i += 1;
    }
    posts
}

fn unescape_md(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(&n) = chars.peek() {
                if "_*#[]()`\\<>-!".contains(n) {
                    out.push(n);
                    chars.next();
                    continue;
                }
            }
        }
        out.push(c);
    }
    out
}

#[derive(Debug, Clone)]
struct Item {
    /// Line in the archive file.
    line: usize,
    text: String,
    /// Blank line that may be an archive artefact.
    ambiguous: bool,
}

fn is_footer_start(lines: &[(usize, String)], k: usize) -> bool {
    let strip = |s: &str| -> String {
        let s = s.trim_end();
        s.strip_prefix('>')
            .map(|x| x.trim_start().to_owned())
            .unwrap_or_else(|| s.to_owned())
    };
    let Some((_, l)) = lines.get(k) else {
        return false;
    };
    let l = strip(l);
    if l.len() >= 5 && l.chars().all(|c| c == '_') {
        return true;
    }
    l.ends_with(" mailing list")
        && lines
            .iter()
            .skip(k + 1)
            .map(|(_, n)| strip(n))
            .find(|n| !n.trim().is_empty())
            .is_some_and(|n| n.contains('@'))
}

/// Clean a post body into items: fences dropped, footers removed, escapes undone.
fn clean_body(body: &[(usize, String)]) -> Vec<Item> {
    let mut items: Vec<Item> = Vec::new();
    let mut in_fence = false;
    let mut after_fence = false;
    let mut k = 0;
    while let Some((line, raw)) = body.get(k) {
        k += 1;
        let t = raw.trim_end();
        if t.trim() == "```" || t.starts_with("```") && t.len() < 16 && !t.contains(' ') {
            in_fence = !in_fence;
            after_fence = true;
            // the blank line just before a fence marker is ambiguous too
            if let Some(last) = items.last_mut() {
                if last.text.is_empty() {
                    last.ambiguous = true;
                }
            }
            continue;
        }
        if is_footer_start(body, k - 1) {
            // skip the footer block: this line, the address and the URL
            let mut skip = 0;
            while let Some((_, n)) = body.get(k + skip) {
                let n = n.trim().trim_start_matches('>').trim();
                if n.is_empty()
                    || n.contains('@')
                    || n.contains("://")
                    || n.ends_with("mailing list")
                    || n.chars().all(|c| c == '_')
                {
                    skip += 1;
                    if n.contains("://") {
                        break;
                    }
                } else {
                    break;
                }
            }
            k += skip;
            continue;
        }
        if !in_fence && t.trim() == "---" {
            // a Markdown rule between posts or sections
            after_fence = true;
            continue;
        }
        if !in_fence && t.starts_with("[View Forum Message]") {
            continue;
        }
        let text = if in_fence {
            t.to_owned()
        } else {
            unescape_md(t.trim_end())
        };
        let blank = text.trim().is_empty();
        items.push(Item {
            line: *line,
            text: if blank { String::new() } else { text },
            ambiguous: blank && (!in_fence || after_fence),
        });
        if !blank {
            after_fence = false;
        }
    }
    // trim leading/trailing blank items
    while items.first().is_some_and(|i| i.text.is_empty()) {
        items.remove(0);
    }
    while items.last().is_some_and(|i| i.text.is_empty()) {
        items.pop();
    }
    items
}

#[derive(Clone)]
enum E {
    Line(String),
    Gap,
}

type Repair = (Vec<E>, Vec<(usize, char, char, String)>);

/// Align the hunk's lines (gaps dropped) with a same-header witness of the
/// right size whose lines have the same text; adopt the witness's markers
/// where they differ, if that makes the counts match the header.
fn repair_markers(
    elems: &[E],
    witnesses: &[&TextHunk],
    header: &str,
    old_count: u64,
    new_count: u64,
    count: &dyn Fn(&[E]) -> (u64, u64),
) -> Option<Repair> {
    for w in witnesses
        .iter()
        .filter(|w| w.header.trim() == header.trim())
    {
        let lines: Vec<(usize, &String)> = elems
            .iter()
            .enumerate()
            .filter_map(|(k, e)| match e {
                E::Line(l) => Some((k, l)),
                E::Gap => None,
            })
            .collect();
        // witness lines, skipping blank context (gaps are decided separately)
        let wl: Vec<&textscan::HunkLine> = w
            .lines
            .iter()
            .filter(|l| !l.text.trim().is_empty())
            .collect();
        let ours: Vec<&(usize, &String)> = lines
            .iter()
            .filter(|(_, l)| !l.get(1..).unwrap_or("").trim().is_empty())
            .collect();
        if wl.len() != ours.len() {
            continue;
        }
        let mut fixed = elems.to_vec();
        let mut changes = Vec::new();
        let mut ok = true;
        for (k, ((idx, ours), theirs)) in ours.iter().zip(&wl).enumerate() {
            let our_marker = ours.chars().next().unwrap_or(' ');
            let our_text = norm(ours.get(1..).unwrap_or(""));
            if our_text != norm(&theirs.text) {
                ok = false;
                break;
            }
            let their_marker = match theirs.kind {
                textscan::LineKind::Added => '+',
                textscan::LineKind::Removed => '-',
                textscan::LineKind::Context => ' ',
            };
            if our_marker != their_marker {
                if let Some(E::Line(l)) = fixed.get_mut(*idx) {
                    *l = format!("{their_marker}{}", ours.get(1..).unwrap_or(""));
                }
                changes.push((k + 1, our_marker, their_marker, our_text));
            }
        }
        if !ok || changes.is_empty() {
            continue;
        }
        let (o, n) = count(&fixed);
        let gaps = fixed.iter().filter(|e| matches!(e, E::Gap)).count() as i64;
        let (need_o, need_n) = (old_count as i64 - o as i64, new_count as i64 - n as i64);
        if need_o == need_n && need_o >= 0 && need_o <= gaps {
            return Some((fixed, changes));
        }
    }
    None
}

/// A hunk recovered from items, with notes.
struct Recovered {
    lines: Vec<String>,
    notes: Vec<String>,
}

fn norm(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Does a witness copy of this hunk show `a` directly followed by `b` (Some(false)),
/// or separated by one blank line (Some(true))?
fn witness_gap(witnesses: &[&TextHunk], a: &str, b: &str) -> Option<bool> {
    let (a, b) = (norm(a), norm(b));
    for w in witnesses {
        let texts: Vec<String> = w
            .lines
            .iter()
            .map(|l| {
                let p = match l.kind {
                    textscan::LineKind::Added => "+",
                    textscan::LineKind::Removed => "-",
                    textscan::LineKind::Context => "",
                };
                norm(&format!("{p}{}", l.text))
            })
            .collect();
        for (x, pair) in texts.windows(2).enumerate() {
            if let [p, q] = pair {
                if *p == a && *q == b {
                    return Some(false);
                }
                if *p == a && q.is_empty() && texts.get(x + 2) == Some(&b) {
                    return Some(true);
                }
            }
        }
    }
    None
}

fn content_norm(line: &str) -> String {
    // the text a line would have with its prefix normalised: "+x" "-x" "x"
    let l = line.trim_start();
    norm(l.strip_prefix(' ').unwrap_or(l))
}

/// Rebuild the diff text of a post from its items.
fn rebuild(items: &[Item], witnesses: &[TextHunk], notes: &mut Vec<String>) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    let mut file: Option<String> = None;
    while let Some(it) = items.get(i) {
        let t = &it.text;
        if t.starts_with("--- ") {
            if let Some(n) = items
                .get(i + 1)
                .filter(|n| n.text.starts_with("+++ "))
                .or_else(|| {
                    // a blank artefact between --- and +++
                    items.get(i + 2).filter(|n| {
                        n.text.starts_with("+++ ")
                            && items.get(i + 1).is_some_and(|b| b.text.is_empty())
                    })
                })
            {
                out.push(t.clone());
                out.push(n.text.clone());
                file = textscan::scan_hunks(&[t.as_str(), n.text.as_str(), "@@ -1 +1 @@", " "], 1)
                    .first()
                    .map(|h| h.file.clone());
                i = items.iter().position(|x| std::ptr::eq(x, n)).unwrap_or(i) + 1;
                continue;
            }
        }
        if let (Some(f), Some((a, b, c, d))) = (file.as_ref(), textscan::parse_hunk_header(t)) {
            out.push(t.clone());
            let (end, rec) = recover_hunk(items, i + 1, f, t, (a, b, c, d), witnesses);
            out.extend(rec.lines);
            notes.extend(rec.notes);
            i = end;
            continue;
        }
        // an archive blank inside a quoted block would split the quote
        let quoted_around = out.last().is_some_and(|l| l.starts_with('>'))
            && items
                .iter()
                .skip(i + 1)
                .find(|x| !x.text.is_empty())
                .is_some_and(|x| x.text.starts_with('>'));
        // nor between a `+++ ` line and the first `@@`
        let after_plus = out.last().is_some_and(|l| l.starts_with("+++ "));
        if !it.ambiguous
            || !(out.last().is_some_and(|l| l.is_empty()) || quoted_around || after_plus)
        {
            out.push(t.clone());
        }
        i += 1;
    }
    let mut s = out.join("\n");
    s.push('\n');
    s
}

/// Recover one hunk whose body starts at items[start]. Returns the index after it.
fn recover_hunk(
    items: &[Item],
    start: usize,
    file: &str,
    header: &str,
    (_a, old_count, _c, new_count): (u64, u64, u64, u64),
    witnesses: &[TextHunk],
) -> (usize, Recovered) {
    let at = items.get(start.saturating_sub(1)).map_or(0, |i| i.line);
    let here = format!("{file} {header} (archive line {at})");
    let mut notes = Vec::new();
    // collect until a terminator
    let mut end = start;
    while let Some(it) = items.get(end) {
        let t = &it.text;
        let next_plus = items
            .iter()
            .skip(end + 1)
            .find(|x| !x.text.is_empty())
            .is_some_and(|x| x.text.starts_with("+++ "));
        if (t.starts_with("--- ") && next_plus)
            || textscan::parse_hunk_header(t).is_some()
            || t == "-- "
            || t.starts_with("diff --git ")
        {
            break;
        }
        end += 1;
    }
    let body = items.get(start..end).unwrap_or_default();
    // classify
    let mut elems: Vec<E> = Vec::new();
    let mut restored = 0;
    for it in body {
        if it.ambiguous {
            if !matches!(elems.last(), Some(E::Gap)) {
                elems.push(E::Gap);
            }
            continue;
        }
        let t = &it.text;
        let fixed = if t.is_empty() {
            " ".to_owned()
        } else if t.starts_with([' ', '+', '-', '\\']) {
            t.clone()
        } else {
            restored += 1;
            format!(" {t}")
        };
        elems.push(E::Line(fixed));
    }
    // trailing gaps are not part of the hunk
    while matches!(elems.last(), Some(E::Gap)) {
        elems.pop();
    }
    while matches!(elems.first(), Some(E::Gap)) {
        elems.remove(0);
    }
    if restored > 0 {
        notes.push(format!(
            "{here}: {restored} context line(s) had lost their leading space; restored"
        ));
    }
    let count = |es: &[E]| -> (u64, u64) {
        let (mut o, mut n) = (0, 0);
        for e in es {
            if let E::Line(l) = e {
                match l.chars().next() {
                    Some('+') => n += 1,
                    Some('-') => o += 1,
                    Some('\\') => {}
                    _ => {
                        o += 1;
                        n += 1
                    }
                }
            }
        }
        (o, n)
    };
    // drop trailing lines past the counts (prose after the last hunk)
    let mut dropped_tail = 0;
    loop {
        let (o, n) = count(&elems);
        if (o > old_count || n > new_count) && elems.len() > 1 {
            elems.pop();
            while matches!(elems.last(), Some(E::Gap)) {
                elems.pop();
            }
            dropped_tail += 1;
        } else {
            break;
        }
    }
    if dropped_tail > 0 {
        notes.push(format!(
            "{here}: {dropped_tail} line(s) after the hunk exceed its counts; left out of the hunk"
        ));
    }
    let (o, n) = count(&elems);
    let need_o = old_count as i64 - o as i64;
    let need_n = new_count as i64 - n as i64;
    // other copies of code in this file: same-header copies first
    let mut hunk_witnesses: Vec<&TextHunk> = witnesses
        .iter()
        .filter(|w| w.file == file && !w.lines.is_empty())
        .collect();
    hunk_witnesses.sort_by_key(|w| w.header.trim() != header.trim());
    // A +/-/space marker that disagrees with a same-header copy whose counts
    // are right: take the copy's marker when that makes the counts right.
    if need_o != need_n || need_o < 0 {
        if let Some(fixed) = repair_markers(
            &elems,
            &hunk_witnesses,
            header,
            old_count,
            new_count,
            &count,
        ) {
            for (k, from, to, text) in &fixed.1 {
                notes.push(format!(
                    "{here}: line {k} of the hunk ({text:?}) is marked {from:?} but a quoted copy of the same hunk marks it {to:?}, which makes the counts right; taken from the copy"
                ));
            }
            elems = fixed.0;
        }
    }
    let (o, n) = count(&elems);
    let need_o = old_count as i64 - o as i64;
    let need_n = new_count as i64 - n as i64;
    let gaps: Vec<usize> = elems
        .iter()
        .enumerate()
        .filter_map(|(k, e)| matches!(e, E::Gap).then_some(k))
        .collect();
    let mut keep = vec![false; elems.len()];
    if need_o != need_n || need_o < 0 || need_o as usize > gaps.len() {
        let mut why = format!(
            "{here}: cannot be recovered: the header announces {old_count} old / {new_count} new lines, the archive text has {o} / {n}"
        );
        if !gaps.is_empty() {
            why.push_str(&format!(" plus {} ambiguous blank line(s)", gaps.len()));
        }
        if need_o != need_n {
            why.push_str(&format!(
                "; the sides differ by {} and {}: lines were lost or a line's +/-/space marker is wrong",
                need_o, need_n
            ));
        }
        notes.push(why);
    } else {
        let need = need_o as usize;
        if need == gaps.len() {
            keep.iter_mut().for_each(|k| *k = true);
            if need > 0 {
                notes.push(format!("{here}: {need} blank context line(s) split by the archive restored (counts decide)"));
            }
        } else if need == 0 {
            if !gaps.is_empty() {
                notes.push(format!(
                    "{here}: {} blank line(s) inserted by the archive removed (counts decide)",
                    gaps.len()
                ));
            }
        } else {
            // ask witnesses about each gap
            let mut decided = 0;
            let mut real = 0;
            let mut decided_set: Vec<usize> = Vec::new();
            for &g in &gaps {
                let prev = elems.get(g.wrapping_sub(1)).and_then(|e| match e {
                    E::Line(l) => Some(content_norm(l)),
                    E::Gap => None,
                });
                let next = elems.get(g + 1).and_then(|e| match e {
                    E::Line(l) => Some(content_norm(l)),
                    E::Gap => None,
                });
                if let (Some(p), Some(q)) = (prev, next) {
                    if let Some(is_real) = witness_gap(&hunk_witnesses, &p, &q) {
                        decided += 1;
                        decided_set.push(g);
                        if let Some(k) = keep.get_mut(g) {
                            *k = is_real;
                        }
                        if is_real {
                            real += 1;
                        }
                    }
                }
            }
            let undecided: Vec<usize> = gaps
                .iter()
                .copied()
                .filter(|g| !decided_set.contains(g))
                .collect();
            if real == need {
                notes.push(format!(
                    "{here}: {need} of {} ambiguous blank lines kept, as another copy of this code shows",
                    gaps.len()
                ));
            } else if real + undecided.len() == need {
                for g in undecided {
                    if let Some(k) = keep.get_mut(g) {
                        *k = true;
                    }
                }
                notes.push(format!(
                    "{here}: {need} of {} ambiguous blank lines kept (another copy of this code and the counts decide)",
                    gaps.len()
                ));
            } else {
                let _ = decided;
                notes.push(format!(
                    "{here}: cannot be recovered: {need} of {} ambiguous blank lines are real context and nothing tells which",
                    gaps.len()
                ));
            }
        }
    }
    let mut lines = Vec::new();
    for (k, e) in elems.iter().enumerate() {
        match e {
            E::Line(l) => lines.push(l.clone()),
            E::Gap => {
                if keep.get(k).copied().unwrap_or(false) {
                    lines.push(" ".to_owned());
                }
            }
        }
    }
    // resume after the elements consumed: find the last item used
    (end, Recovered { lines, notes })
}

/// Parse archive text into messages, recovering what can be recovered.
pub fn parse_archive(path: &Path, text: &str, first_index: usize) -> Vec<Message> {
    let posts = split_posts(text);
    // first pass: cleaned items per post, and witnesses (quoted copies and
    // count-complete own copies) from all posts
    let cleaned: Vec<Vec<Item>> = posts.iter().map(|p| clean_body(&p.body)).collect();
    let mut witnesses: Vec<TextHunk> = Vec::new();
    for items in &cleaned {
        let plain: Vec<String> = items
            .iter()
            .filter(|i| !i.ambiguous)
            .map(|i| i.text.clone())
            .collect();
        let joined = plain.join("\n");
        witnesses.extend(
            textscan::quoted_hunks(&joined)
                .into_iter()
                .filter(|h| !h.short),
        );
    }
    // second source of witnesses: hunks of other posts that counts alone recover
    for items in &cleaned {
        let mut notes = Vec::new();
        let text = rebuild(items, &[], &mut notes);
        let bad: Vec<&String> = notes
            .iter()
            .filter(|n| n.contains("cannot be recovered"))
            .collect();
        for h in textscan::own_hunks(&text) {
            let hunk_bad = bad.iter().any(|n| n.contains(&h.header));
            if !h.short && !hunk_bad {
                witnesses.push(h);
            }
        }
    }
    let mut out = Vec::new();
    for (k, (post, items)) in posts.iter().zip(&cleaned).enumerate() {
        let mut notes = Vec::new();
        let text = rebuild(items, &witnesses, &mut notes);
        let info = subject::parse(&post.subject);
        let mut m = Message {
            index: first_index + k,
            path: path.to_owned(),
            line: post.line,
            message_id: None,
            subject: post.subject.clone(),
            info,
            from: post.from.clone(),
            timestamp: post.date.as_deref().and_then(parse_date),
            date: post.date.clone(),
            ..Default::default()
        };
        let mut content = format!(
            "From: {}\nDate: {}\nSubject: {}\n\n",
            post.from.as_deref().unwrap_or(""),
            post.date.as_deref().unwrap_or(""),
            post.subject
        )
        .into_bytes();
        content.extend_from_slice(text.as_bytes());
        m.content = content;
        m.set_text(text);
        m.damage = notes;
        m.damage.push(
            "archive text: no Message-ID or threading headers; replies matched by subject and date"
                .into(),
        );
        out.push(m);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "Subject: [PATCH 1/2] x: y  \nPosted by [A B](#) on Wed, 06 Dec 2006 22:30:28 GMT  \n[View Forum Message](#) <> [Reply to Message](#)\n\n---\n\nText.\n\nSigned-off-by: A <a@b>\n\n```\n--- a.orig/f\\_g.c\n+++ a/f_g.c\n@@ -1,4 +1,4 @@\nint x;\n\n```\n\n```\n\n-int y;\n+int z;\nint w;\n```\n\n---\n\nFoo mailing list  \nFoo@lists.example.org  \n<https://lists.example.org/mailman/listinfo/foo>\n\n---\n";

    #[test]
    fn recovers_split_block_and_lost_space() {
        assert!(looks_like_archive(PAGE));
        let msgs = parse_archive(Path::new("p"), PAGE, 0);
        assert_eq!(msgs.len(), 1);
        let m = &msgs[0];
        assert_eq!(m.from.as_deref(), Some("A B"));
        assert_eq!(m.info.number, Some(1));
        assert_eq!(m.hunks.len(), 1, "{}", m.text);
        let h = &m.hunks[0];
        assert!(!h.short, "{}", m.text);
        assert_eq!(h.file, "f_g.c");
        let body: Vec<String> = h.lines.iter().map(|l| l.text.clone()).collect();
        assert_eq!(body, vec!["int x;", "", "int y;", "int z;", "int w;"]);
        assert!(
            m.damage.iter().any(|d| d.contains("restored")),
            "{:?}",
            m.damage
        );
        assert!(!m.text.contains("mailing list"));
    }

    #[test]
    fn reports_unrecoverable() {
        let page = PAGE.replace("@@ -1,4 +1,4 @@", "@@ -1,6 +1,4 @@");
        let msgs = parse_archive(Path::new("p"), &page, 0);
        assert!(
            msgs[0]
                .damage
                .iter()
                .any(|d| d.contains("cannot be recovered") && d.contains("f_g.c")),
            "{:?}",
            msgs[0].damage
        );
    }
}
