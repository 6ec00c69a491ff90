//! An mbox `git am` applies, as `b4 am` writes it: one message per patch of
//! the chosen revision, with follow-up trailers collated (the patch's own
//! replies, trailers carried over from an identical earlier revision, then
//! the cover letter's), each added once after the patch's own trailers, the
//! message rebuilt as b4's `rebuild_message` does, and with `add_link` a
//! `Link:` to the message (`b4 am -l`; b4 0.16 defaults: trailer order `*`,
//! link mask `https://patch.msgid.link/%s`).

use crate::model::{Message, PatchEntry, ReplyTo, SeriesEntry};
use crate::select::pick;
use crate::textscan::Trailer;
use crate::{textscan, trailers, Ingested, LoadOptions, RevisionChoice};

/// Where `Link:` points (`%s` = the Message-ID), as b4's default `linkmask`.
pub const LINK_MASK: &str = "https://patch.msgid.link/";

/// b4's `get_body_parts`: (commit message, own trailers with their
/// extended info, basement (below `---`), signature (below `-- `)).
fn body_parts(text: &str) -> (String, Vec<(Trailer, Option<String>)>, String, String) {
    let body = text.replace('\r', "");
    let body = body.trim_matches('\n');
    let (body, signature) = match body.rsplit_once("\n-- \n") {
        Some((b, sig)) => (b, sig.to_owned()),
        None => (body, String::new()),
    };
    let (mbody, basement) = split_basement(body);
    let mbody = mbody.trim_matches('\n');
    let paras: Vec<&str> = mbody.split("\n\n").collect();
    let last = paras.last().copied().unwrap_or("");
    let (trailers, nlines) = trailers::split_block(last, false);
    let mut mparts: Vec<String> = Vec::new();
    if paras.len() > 1 {
        mparts.extend(paras.iter().take(paras.len() - 1).map(|p| p.to_string()));
    }
    let rest = nlines.join("\n");
    if !rest.trim().is_empty() {
        mparts.push(rest);
    }
    (mparts.join("\n\n"), trailers, basement, signature)
}

/// Split at the first `---` line (when the body has a diff or diffstat),
/// else before `diff ` or `--- a/`.
fn split_basement(body: &str) -> (&str, String) {
    if textscan::diff_header_line(body).is_none() && !textscan::has_diffstat(body) {
        return (body, String::new());
    }
    let mut at = 0;
    for line in body.split_inclusive('\n') {
        let l = line.trim_end();
        if l.starts_with("---") && l.trim_start_matches('-').trim().is_empty() {
            return (
                body.get(..at).unwrap_or(body),
                body.get(at + line.len()..).unwrap_or("").to_owned(),
            );
        }
        at += line.len();
    }
    for mark in ["\ndiff ", "\n--- a/"] {
        if let Some(k) = body.find(mark) {
            return (
                body.get(..k).unwrap_or(body),
                body.get(k + 1..).unwrap_or("").to_owned(),
            );
        }
    }
    // other tools' `--- x/f` + `+++ y/f` headers: split before the first one
    if let Some(line) = textscan::diff_header_line(body) {
        let at: usize = body
            .split_inclusive('\n')
            .take(line - 1)
            .map(str::len)
            .sum();
        return (
            body.get(..at).unwrap_or(body),
            body.get(at..).unwrap_or("").to_owned(),
        );
    }
    (body, String::new())
}

/// b4's `rebuild_message`.
fn rebuild(message: &str, trailers: &[String], basement: &str, signature: &str) -> String {
    let mut body = String::new();
    if !message.is_empty() {
        body.push_str(message.trim_end_matches(['\r', '\n']));
        body.push('\n');
        if !trailers.is_empty() {
            body.push('\n');
        }
    }
    for t in trailers {
        body.push_str(t);
        body.push('\n');
    }
    if !basement.is_empty() {
        if trailers.is_empty() {
            body.push('\n');
        }
        let starts_diff =
            basement.trim().starts_with("diff --git") || basement.trim_start().starts_with("--- ");
        body.push_str(if textscan::has_diffstat(basement) || !starts_diff {
            "---\n"
        } else {
            "\n"
        });
        body.push_str(basement.trim_start_matches(['\r', '\n']));
        body.push('\n');
    }
    if !signature.is_empty() {
        body.push_str("-- \n");
        body.push_str(signature.trim_end_matches(['\r', '\n']));
        body.push('\n');
    }
    body
}

fn same(a: &Trailer, b: &Trailer) -> bool {
    a.name.eq_ignore_ascii_case(&b.name) && a.value.eq_ignore_ascii_case(&b.value)
}

/// Follow-up trailers for revision `k` (1-based) of `pe`, in b4's order.
fn followups(pe: &PatchEntry, k: usize) -> Vec<Trailer> {
    let mut out = Vec::new();
    for to in [ReplyTo::Patch, ReplyTo::CarriedOver, ReplyTo::Cover] {
        for rv in pe
            .reviews
            .iter()
            .filter(|r| r.to == to && r.revision == Some(k))
        {
            out.extend(rv.trailers.iter().cloned());
        }
    }
    out
}

/// b4's am subject: `[PATCH RFC vN n/N] title` (RFC when the posting was
/// one, `n/N` when the posting had a counter).
fn subject(entry: &SeriesEntry, m: &Message, version: u32, number: u32) -> String {
    let rfc = if m.info.rfc { " RFC" } else { "" };
    let v = if version > 1 {
        format!(" v{version}")
    } else {
        String::new()
    };
    let title = &m.info.title;
    if entry.total > 1 || m.info.total.is_some() {
        format!("[PATCH{rfc}{v} {number}/{}] {title}", entry.total.max(1))
    } else {
        format!("[PATCH{rfc}{v}] {title}")
    }
}

/// mboxrd: `From ` lines (with any `>` before them) gain one more `>`.
fn escape_from(body: &str) -> String {
    let mut out = String::new();
    for line in body.split_inclusive('\n') {
        if line.trim_start_matches('>').starts_with("From ") {
            out.push('>');
        }
        out.push_str(line);
    }
    out
}

fn one_message(m: &Message, subj: &str, extra: &[Trailer]) -> String {
    let (message, own, basement, signature) = body_parts(&m.text);
    let mut present: Vec<Trailer> = own.iter().map(|(t, _)| t.clone()).collect();
    let mut lines: Vec<String> = own
        .iter()
        .map(|(t, ext)| match ext {
            Some(e) if e.trim_start().starts_with('#') => format!("{}: {}{e}", t.name, t.value),
            Some(e) => format!("{}: {}\n{e}", t.name, t.value),
            None => format!("{}: {}", t.name, t.value),
        })
        .collect();
    for t in extra {
        if !present.iter().any(|p| same(p, t)) {
            present.push(t.clone());
            lines.push(format!("{}: {}", t.name, t.value));
        }
    }
    let body = rebuild(&message, &lines, &basement, &signature);
    let mut out = String::from("From git@z Thu Jan  1 00:00:00 1970\n");
    out.push_str(&format!("Subject: {subj}\n"));
    if let Some(f) = &m.from {
        out.push_str(&format!("From: {f}\n"));
    }
    if let Some(d) = &m.date {
        out.push_str(&format!("Date: {d}\n"));
    }
    if let Some(id) = &m.message_id {
        out.push_str(&format!("Message-Id: <{id}>\n"));
    }
    out.push_str("MIME-Version: 1.0\nContent-Type: text/plain; charset=\"utf-8\"\nContent-Transfer-Encoding: 8bit\n\n");
    out.push_str(&escape_from(&body));
    out.push('\n');
    out
}

impl Ingested {
    /// The am-ready mbox of the chosen revision (see the module docs).
    /// Only mail sources; `only` keeps these patch numbers.
    pub fn am_mbox(
        &self,
        opts: &LoadOptions,
        only: Option<&[u32]>,
        add_link: bool,
    ) -> Result<String, String> {
        if self.plain.is_some() && self.kind != crate::SourceKind::SingleFile {
            return Err(
                "--am needs a mail source (mbox, maildir, format-patch files, archive page or one mail)"
                    .into(),
            );
        }
        let entries = self.entries(opts)?;
        if entries.len() != 1 {
            return Err(format!(
                "--am writes one series but the source holds {}: choose one with --series N",
                entries.len()
            ));
        }
        let mut out = String::new();
        for entry in entries {
            let version = match opts.revision {
                RevisionChoice::Version(v) => v,
                _ => entry.newest_version,
            };
            for (number, _, msg) in pick(entry, opts.revision)? {
                if only.is_some_and(|o| !o.contains(&number)) {
                    continue;
                }
                let Some(m) = self.messages.get(msg) else {
                    continue;
                };
                if m.from.is_none() {
                    return Err(format!(
                        "{}: no From: header (git am needs an author)",
                        m.location()
                    ));
                }
                let mut extra = Vec::new();
                if let Some(pe) = entry.patches.iter().find(|p| p.number == number) {
                    if let Some(k) = pe.revisions.iter().position(|r| r.message == msg) {
                        extra = followups(pe, k + 1);
                    }
                }
                if let Some(id) = m.message_id.as_ref().filter(|_| add_link) {
                    extra.push(Trailer {
                        name: "Link".into(),
                        value: format!("{LINK_MASK}{id}"),
                    });
                }
                out.push_str(&one_message(m, &subject(entry, m, version, number), &extra));
            }
        }
        if out.is_empty() {
            return Err("no patches to write".into());
        }
        Ok(out)
    }
}
