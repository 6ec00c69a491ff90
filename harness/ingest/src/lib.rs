//! Series ingest: turn a series source into an ordered [`Series`] of patch
//! texts, and into the series model of `harness.series/1` ([`SeriesReport`]).
//!
//! Sources: a quilt directory or `series` file (comments, per-patch `-pN`),
//! a directory of `*.patch` files (git format-patch mails are ordered by their
//! `n/N`), a maildir (`cur/`, `new/`), an mbox (mboxo or mboxrd), one mail or
//! patch file, and the text of a mailing-list archive page (see [`archive`]).
//! MIME (quoted-printable, base64, multipart, RFC 2047 headers, charsets) is
//! decoded by the hand-written [`mime`] module.
//!
//! Entry points: [`load`] / [`load_with`] (what `harness apply` uses: the
//! newest revision of each patch unless told otherwise), [`ingest`] (messages
//! plus the model), [`series_report`], [`resolve`] (path or series name under
//! `patches/`).
//!
//! Mail threads are read as b4 reads them: the newest `vN` taken whole (a
//! partial reroll keeps the previous version's other patches), replies to the
//! cover letter review every patch, follow-up trailers by b4's rules
//! ([`trailers`]); [`Ingested::select`] chooses revision, series and patches,
//! and [`Ingested::am_mbox`] writes what `b4 am` would hand to `git am`.
//!
//! This crate reads files but never runs processes and never prints.
//! Parsing of the diff itself lives in `harness-core`.

use std::path::{Path, PathBuf};

pub mod am;
pub mod archive;
pub mod mbox;
pub mod mime;
pub mod model;
pub mod select;
pub mod subject;
pub mod textscan;
pub mod trailers;

pub use model::{FoundAs, Message, SeriesReport, SERIES_SCHEMA};
pub use select::{parse_patch_list, parse_take};

/// Where a series came from, as reported to users.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    Quilt,
    PatchDir,
    SingleFile,
    Mbox,
    Maildir,
    Archive,
}

/// One patch of a series, as the series names it.
#[derive(Debug, Clone)]
pub struct SeriesPatch {
    /// 1-based position in series order.
    pub index: usize,
    /// The patch's path as the series names it (quilt: the line in `series`).
    pub name: String,
    /// Mail subject (or first line) when known.
    pub subject: Option<String>,
    /// Path components to strip (`-pN`); 1 unless the series says otherwise.
    pub strip: usize,
    /// Decoded patch text (mail wrapper kept; the core parser skips it).
    pub content: Vec<u8>,
    /// True when the patch is a mail (untrusted by default: `sandbox: auto`
    /// builds it sandboxed): read from a mail source (mbox, maildir, archive,
    /// format-patch files), or, whatever the layout that holds it (quilt
    /// series, patch directory, one file), when its content is a mail by
    /// [`is_mail`].
    pub from_mail: bool,
    /// The mail's Message-ID (without angle brackets), when it came from mail.
    pub message_id: Option<String>,
    /// The revision (`vN` of its subject) it came from, when it came from mail.
    pub revision: Option<u32>,
}

/// An ordered series of patches.
#[derive(Debug, Clone)]
pub struct Series {
    pub name: String,
    pub kind: SourceKind,
    pub root: PathBuf,
    pub patches: Vec<SeriesPatch>,
}

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("{path}: cannot read: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}:{line}: {message}")]
    Syntax {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

fn read(path: &Path) -> Result<Vec<u8>, IngestError> {
    std::fs::read(path).map_err(|source| IngestError::Io {
        path: path.to_owned(),
        source,
    })
}

/// `b` as text, invalid UTF-8 replaced by U+FFFD. Valid text (nearly every
/// patch) is checked by `str::from_utf8`, which reads ASCII a word at a time;
/// `String::from_utf8_lossy` walks it byte by byte, and did so for a tenth of
/// `harness apply`'s instructions on the PREEMPT_RT series.
pub(crate) fn text_lossy(b: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(b) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(b),
    }
}

/// First `Subject:` header of a mail-formatted patch, if any. Only the lines
/// before the diff are read.
pub fn subject_of(content: &[u8]) -> Option<String> {
    for line in content.split_inclusive(|&b| b == b'\n') {
        let line = text_lossy(line);
        let line = line.trim_end_matches('\n').trim_end_matches('\r');
        if let Some(rest) = line.strip_prefix("Subject:") {
            return Some(rest.trim().to_owned());
        }
        if line.starts_with("diff ") || line.starts_with("--- ") {
            break;
        }
    }
    None
}

/// Load a quilt directory / `series` file / directory of patches / one file
/// without reading mail structure (the pre-mail behaviour).
fn load_plain(path: &Path) -> Result<Series, IngestError> {
    let meta = std::fs::metadata(path).map_err(|source| IngestError::Io {
        path: path.to_owned(),
        source,
    })?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    if meta.is_dir() {
        let series_file = path.join("series");
        if series_file.is_file() {
            return load_quilt(&series_file, name);
        }
        return load_patch_dir(path, name);
    }
    if path.file_name().is_some_and(|n| n == "series") {
        let parent = path.parent().unwrap_or(Path::new("."));
        let name = parent
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or(name);
        return load_quilt(path, name);
    }
    let content = read(path)?;
    Ok(Series {
        name,
        kind: SourceKind::SingleFile,
        root: path.parent().unwrap_or(Path::new(".")).to_owned(),
        patches: vec![SeriesPatch {
            index: 1,
            name: path.display().to_string(),
            subject: subject_of(&content),
            strip: 1,
            from_mail: is_mail(&content),
            content,
            message_id: None,
            revision: None,
        }],
    })
}

fn load_quilt(series_file: &Path, name: String) -> Result<Series, IngestError> {
    let root = series_file.parent().unwrap_or(Path::new(".")).to_owned();
    let text = String::from_utf8_lossy(&read(series_file)?).into_owned();
    let mut patches = Vec::new();
    for (lineno, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let mut words = line.split_whitespace();
        let Some(rel) = words.next() else { continue };
        let mut strip = 1;
        for opt in words {
            if let Some(n) = opt.strip_prefix("-p") {
                strip = n.parse().map_err(|_| IngestError::Syntax {
                    path: series_file.to_owned(),
                    line: lineno + 1,
                    message: format!("bad strip option {opt:?} (expected -pN)"),
                })?;
            }
        }
        let content = read(&root.join(rel))?;
        patches.push(SeriesPatch {
            index: patches.len() + 1,
            name: rel.to_owned(),
            subject: subject_of(&content),
            strip,
            from_mail: is_mail(&content),
            content,
            message_id: None,
            revision: None,
        });
    }
    Ok(Series {
        name,
        kind: SourceKind::Quilt,
        root,
        patches,
    })
}

fn load_patch_dir(dir: &Path, name: String) -> Result<Series, IngestError> {
    let entries = std::fs::read_dir(dir).map_err(|source| IngestError::Io {
        path: dir.to_owned(),
        source,
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file()
                && p.extension()
                    .is_some_and(|e| e == "patch" || e == "diff" || e == "eml" || e == "mbox")
        })
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(IngestError::Invalid {
            path: dir.to_owned(),
            message: "no `series` file and no *.patch files in this directory".into(),
        });
    }
    let mut patches = Vec::new();
    for f in files {
        let content = read(&f)?;
        patches.push(SeriesPatch {
            index: patches.len() + 1,
            name: f
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            subject: subject_of(&content),
            strip: 1,
            from_mail: is_mail(&content),
            content,
            message_id: None,
            revision: None,
        });
    }
    Ok(Series {
        name,
        kind: SourceKind::PatchDir,
        root: dir.to_owned(),
        patches,
    })
}

// ---------------------------------------------------------------------------
// Mail-aware ingest
// ---------------------------------------------------------------------------

/// Which revision of each patch [`load_with`] picks from a mail source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RevisionChoice {
    /// The newest revision of each patch (what `harness apply` uses).
    #[default]
    Newest,
    /// The first revision of each patch.
    Oldest,
    /// The newest revision whose `vN` is this (patches without one are left out).
    Version(u32),
    /// The n-th revision (1-based, oldest first); patches with fewer revisions
    /// use their newest.
    Nth(usize),
}

#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    pub revision: RevisionChoice,
    /// For sources holding several series: the 1-based series to load
    /// (default: all, in order of appearance).
    pub series: Option<usize>,
}

/// Everything read from a source: the messages (for mail sources), the
/// series model and report, and the plain series for non-mail sources.
#[derive(Debug, Clone)]
pub struct Ingested {
    pub name: String,
    pub kind: SourceKind,
    pub root: PathBuf,
    pub messages: Vec<Message>,
    pub report: SeriesReport,
    /// Set for quilt, patch directories and plain patch files: series order
    /// comes from there, not from mail subjects.
    pub plain: Option<Series>,
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// True when a patch file is a mail, whatever holds it: it starts as one
/// (headers with From/Subject/Message-ID, or an mbox `From ` line), or a
/// line before its first diff line is a `From:`, `Subject:` or `Message-ID:`
/// header or an mbox `From ` separator (a mail saved after a blank line or a
/// note). This, not the layout of the files, is what makes a series
/// untrusted: a format-patch mail alone in a patch directory is as
/// untrusted as the same file given directly.
pub fn is_mail(content: &[u8]) -> bool {
    if looks_like_mail(content) || mbox::is_mbox(content) {
        return true;
    }
    let lines: Vec<&[u8]> = mime::lines_of(content).take(2000).collect();
    for (i, line) in lines.iter().enumerate() {
        let l = mime::trim_eol(line);
        if l.starts_with(b"diff ") || l.starts_with(b"--- ") || l.starts_with(b"Index: ") {
            break;
        }
        let lower = l.to_ascii_lowercase();
        let header = [&b"from:"[..], b"subject:", b"message-id:"]
            .iter()
            .any(|h| lower.starts_with(h));
        let separator = l.starts_with(b"From ")
            && lines
                .get(i + 1)
                .is_some_and(|n| mime::looks_like_header(mime::trim_eol(n)));
        if header || separator {
            return true;
        }
    }
    false
}

/// True when the bytes start like a single mail (headers with a Subject or
/// From before the first blank line).
fn looks_like_mail(data: &[u8]) -> bool {
    let mut saw = 0;
    for line in mime::lines_of(data).take(200) {
        let l = mime::trim_eol(line);
        if l.is_empty() {
            break;
        }
        // A header, a folded continuation, or an mbox "From " line first.
        let header_like = mime::looks_like_header(l)
            || l.starts_with(b" ")
            || l.starts_with(b"\t")
            || (saw == 0 && l.starts_with(b"From "));
        if !header_like {
            return false;
        }
        if l.starts_with(b"Subject:") || l.starts_with(b"From:") || l.starts_with(b"Message-I") {
            saw += 1;
        }
    }
    saw > 0
}

/// [`ingest`] with model options (e.g. sloppy trailers) for mail sources.
pub fn ingest_with(path: &Path, opts: &model::BuildOptions) -> Result<Ingested, IngestError> {
    let mut ing = ingest(path)?;
    if ing.plain.is_none() {
        let source = path.display().to_string();
        ing.report = model::build_with(&source, ing.kind, &ing.messages, opts);
    }
    Ok(ing)
}

/// Read a source and build its series model.
pub fn ingest(path: &Path) -> Result<Ingested, IngestError> {
    let meta = std::fs::metadata(path).map_err(|source| IngestError::Io {
        path: path.to_owned(),
        source,
    })?;
    let name = file_name(path);
    let source = path.display().to_string();
    if meta.is_dir() {
        if path.join("series").is_file() {
            return from_plain(load_plain(path)?, &source);
        }
        if mbox::is_maildir(path) {
            let files = mbox::maildir_files(path).map_err(|source| IngestError::Io {
                path: path.to_owned(),
                source,
            })?;
            let mut messages = Vec::new();
            for f in files {
                let raw = read(&f)?;
                messages.push(Message::from_raw(messages.len(), f, 1, &raw));
            }
            return Ok(mail_ingested(
                name,
                SourceKind::Maildir,
                path,
                &source,
                messages,
            ));
        }
        // a directory of patch files: mail-formatted (git format-patch) or plain
        let plain = load_patch_dir(path, name.clone())?;
        let all_mail = plain.patches.iter().all(|p| looks_like_mail(&p.content));
        if all_mail {
            let mut messages = Vec::new();
            for p in &plain.patches {
                let f = path.join(&p.name);
                for raw in split_file(&f, &p.content) {
                    messages.push(Message::from_raw(
                        messages.len(),
                        raw.path,
                        raw.line,
                        &raw.bytes,
                    ));
                }
            }
            let numbered = messages
                .iter()
                .all(|m| m.info.number.is_some() || m.info.reply);
            if numbered {
                return Ok(mail_ingested(
                    name,
                    SourceKind::PatchDir,
                    path,
                    &source,
                    messages,
                ));
            }
        }
        return from_plain(plain, &source);
    }
    if path.file_name().is_some_and(|n| n == "series") {
        return from_plain(load_plain(path)?, &source);
    }
    let data = read(path)?;
    let root = path.parent().unwrap_or(Path::new(".")).to_owned();
    if mbox::is_mbox(&data) {
        let messages: Vec<Message> = mbox::split_mbox(path, &data)
            .into_iter()
            .enumerate()
            .map(|(i, r)| Message::from_raw(i, r.path, r.line, &r.bytes))
            .collect();
        return Ok(mail_ingested(
            name,
            SourceKind::Mbox,
            &root,
            &source,
            messages,
        ));
    }
    let text = text_lossy(&data);
    if !looks_like_mail(&data) && archive::looks_like_archive(&text) {
        let messages = archive::parse_archive(path, &text, 0);
        return Ok(mail_ingested(
            name,
            SourceKind::Archive,
            &root,
            &source,
            messages,
        ));
    }
    if looks_like_mail(&data) {
        let m = Message::from_raw(0, path.to_owned(), 1, &data);
        if m.is_patch() {
            let mut ing = mail_ingested(name, SourceKind::SingleFile, &root, &source, vec![m]);
            // one mail-formatted patch: keep the file's own name for reports
            ing.plain = Some(Series {
                name: ing.name.clone(),
                kind: SourceKind::SingleFile,
                root: root.clone(),
                patches: vec![SeriesPatch {
                    index: 1,
                    name: path.display().to_string(),
                    subject: ing.messages.first().map(|m| m.subject.clone()),
                    strip: 1,
                    content: ing
                        .messages
                        .first()
                        .map(|m| m.content.clone())
                        .unwrap_or_default(),
                    from_mail: true,
                    message_id: None,
                    revision: None,
                }],
            });
            return Ok(ing);
        }
    }
    from_plain(load_plain(path)?, &source)
}

fn split_file(path: &Path, data: &[u8]) -> Vec<mbox::RawMessage> {
    if mbox::is_mbox(data) {
        mbox::split_mbox(path, data)
    } else {
        vec![mbox::RawMessage {
            path: path.to_owned(),
            line: 1,
            bytes: data.to_vec(),
        }]
    }
}

fn mail_ingested(
    name: String,
    kind: SourceKind,
    root: &Path,
    source: &str,
    messages: Vec<Message>,
) -> Ingested {
    let report = model::build(source, kind, &messages);
    Ingested {
        name,
        kind,
        root: root.to_owned(),
        messages,
        report,
        plain: None,
    }
}

/// Series model for a non-mail source: one series, patches in series order,
/// mail headers read where the patch files have them.
/// One patch of a plain series as a message, numbered by its place.
fn plain_message(series: &Series, p: &SeriesPatch) -> Message {
    let mut m = Message::from_raw(p.index - 1, series.root.join(&p.name), 1, &p.content);
    // quilt order is authoritative: number by position
    m.info.number = Some(p.index as u32);
    m.info.total = Some(series.patches.len() as u32);
    m.info.reply = false;
    m.info.version = 1;
    if m.subject.is_empty() {
        m.subject = p.name.clone();
        m.info.title = p.name.clone();
    }
    // plain diffs have no mail structure: damage notes about headers are noise
    if !looks_like_mail(&p.content) {
        m.damage.clear();
    }
    // a patch file without hunks is still a patch of the series
    if m.hunks.is_empty() {
        m.damage
            .push("no unified-diff hunk found in this patch".into());
    }
    m
}

fn from_plain(series: Series, source: &str) -> Result<Ingested, IngestError> {
    // Each patch is read on its own (in parallel: a message's analysis, its
    // trailers, hunks and quoted diffs, is a sixth of `harness apply`).
    use rayon::prelude::*;
    let messages: Vec<Message> = series
        .patches
        .par_iter()
        .map(|p| plain_message(&series, p))
        .collect();
    let mut report = model::build(source, series.kind, &messages);
    // every plain patch belongs to the one series, even without hunks
    if report.series.len() != 1 {
        report = single_series_report(source, &series, &messages);
    } else if let Some(s) = report.series.first_mut() {
        s.title = series.name.clone();
    }
    Ok(Ingested {
        name: series.name.clone(),
        kind: series.kind,
        root: series.root.clone(),
        messages,
        report,
        plain: Some(series),
    })
}

fn single_series_report(source: &str, series: &Series, messages: &[Message]) -> SeriesReport {
    use model::*;
    let patches = messages
        .iter()
        .zip(&series.patches)
        .map(|(m, p)| PatchEntry {
            number: p.index as u32,
            title: m.info.title.clone(),
            revisions: vec![Revision {
                message_id: m.message_id.clone(),
                subject: m.subject.clone(),
                from: m.from.clone(),
                date: m.date.clone(),
                found_as: FoundAs::Original,
                version: 1,
                location: m.location(),
                trailers: m.trailers.clone(),
                files: {
                    let mut f: Vec<String> = m.hunks.iter().map(|h| h.file.clone()).collect();
                    f.dedup();
                    f
                },
                hunks: m.hunks.len(),
                short_hunks: Vec::new(),
                damage: m.damage.clone(),
                message: m.index,
            }],
            reviews: Vec::new(),
        })
        .collect();
    SeriesReport {
        schema: SERIES_SCHEMA.into(),
        source: source.into(),
        kind: series.kind,
        messages: messages.len(),
        series: vec![SeriesEntry {
            title: series.name.clone(),
            total: series.patches.len() as u32,
            versions: vec![1],
            covers: Vec::new(),
            missing: Vec::new(),
            duplicates: Vec::new(),
            base_commit: None,
            prerequisite_patch_ids: Vec::new(),
            newest_version: 1,
            partial_reroll: false,
            change_id: None,
            patches,
            retired: Vec::new(),
        }],
        others: Vec::new(),
        damage: Vec::new(),
    }
}

/// The `harness.series/1` report for a source.
pub fn series_report(path: &Path) -> Result<SeriesReport, IngestError> {
    Ok(ingest(path)?.report)
}

/// Load a series from a path: a quilt directory (with `series`), a `series`
/// file, a maildir, a directory of `*.patch` files (format-patch mails are
/// ordered by their `n/N`), an mbox, an archive page, or one patch file.
/// For mail sources each patch's newest revision is used.
pub fn load(path: &Path) -> Result<Series, IngestError> {
    load_with(path, &LoadOptions::default())
}

/// [`load`] with a choice of revision (and series) for mail sources.
pub fn load_with(path: &Path, opts: &LoadOptions) -> Result<Series, IngestError> {
    let ing = ingest(path)?;
    ing.to_series(opts).map_err(|message| IngestError::Invalid {
        path: path.to_owned(),
        message,
    })
}

/// Resolve SERIES as given on the command line: an existing path, else a
/// series name under `<project_root>/patches/`.
pub fn resolve(name_or_path: &str, project_root: &Path) -> Result<PathBuf, IngestError> {
    let p = PathBuf::from(name_or_path);
    if p.exists() {
        return Ok(p);
    }
    let candidate = project_root.join("patches").join(name_or_path);
    if !name_or_path.contains("..") && candidate.exists() {
        return Ok(candidate);
    }
    Err(IngestError::Invalid {
        path: p,
        message: format!(
            "no such file or directory, and no series of that name under {}",
            project_root.join("patches").display()
        ),
    })
}
