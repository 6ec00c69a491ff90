//! `harness refresh`: rewrite a series against a tree.
//!
//! Every hunk that applied (exactly, with an offset or with fuzz) is rewritten
//! at its real position with the file's actual context lines, so the refreshed
//! series applies to the same tree with offset 0 and fuzz 0. Hunks that failed
//! go to a `.rej` file next to their patch, hunks already in the tree are
//! dropped from the patch; both are listed in the summary: nothing is dropped
//! silently (unlike quilt's `push -f` + `refresh`).

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result};
use harness_core::apply::HunkPlacement;
use harness_core::patch::{FileOp, FilePatch, Hunk, ParsedPatch};
use harness_core::report::{FileResult, HunkStatus};
use harness_ingest::Series;

use crate::apply::{apply_series_to_dir, parse_series, Options};

pub use harness_schema::refresh::{LeftOut, RefreshOutcome, RefreshedPatch, REFRESH_SCHEMA};

/// Lines of `text`, each with its terminator.
fn raw_lines(text: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, &b) in text.iter().enumerate() {
        if b == b'\n' {
            out.push(&text[start..=i]);
            start = i + 1;
        }
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

/// 0-based index one past the last line of hunk `h` (header at `h.source_line`).
fn hunk_end(lines: &[&[u8]], h: &Hunk) -> usize {
    let mut i = h.source_line; // line after the header (0-based)
    let mut body = 0;
    while i < lines.len() && body < h.lines.len() {
        let l = lines[i];
        if l.first() != Some(&b'\\') {
            body += 1;
        }
        i += 1;
    }
    while i < lines.len() && lines[i].first() == Some(&b'\\') {
        i += 1;
    }
    i
}

fn section_start(f: &FilePatch) -> usize {
    f.source_line.saturating_sub(1)
}

/// End (exclusive, 0-based) of a file section: end of its last hunk, else the
/// start of the next section / `fallback`.
fn section_end(lines: &[&[u8]], f: &FilePatch, next: Option<usize>) -> usize {
    match f.hunks.last() {
        Some(h) => hunk_end(lines, h),
        None => next.unwrap_or(lines.len()),
    }
}

fn placement<'a>(
    placements: &'a [HunkPlacement],
    patch: usize,
    path: &str,
    hunk: usize,
) -> Option<&'a HunkPlacement> {
    placements
        .iter()
        .find(|p| p.patch_index == patch && p.path == path && p.hunk_index == hunk)
}

fn rej_name(name: &str) -> String {
    format!("{name}.rej")
}

/// Rewrite one patch from its apply results.
fn refresh_patch(
    index: usize,
    name: &str,
    strip: usize,
    content: &[u8],
    parsed: &ParsedPatch,
    files: &[FileResult],
    placements: &[HunkPlacement],
) -> RefreshedPatch {
    let lines = raw_lines(content);
    let mut rp = RefreshedPatch {
        index,
        name: name.to_owned(),
        kept: 0,
        moved: 0,
        left_out: Vec::new(),
        file_notes: Vec::new(),
        in_series: false,
        text: Vec::new(),
        rej: Vec::new(),
        strip,
    };
    let first = parsed
        .files
        .first()
        .map(section_start)
        .unwrap_or(lines.len());
    let mut out: Vec<u8> = lines
        .iter()
        .take(first)
        .flat_map(|l| l.iter().copied())
        .collect();
    let mut any_section = false;
    let mut last_end = first;
    for (i, f) in parsed.files.iter().enumerate() {
        let next = parsed.files.get(i + 1).map(section_start);
        let start = section_start(f);
        let end = section_end(&lines, f, next).max(start);
        last_end = last_end.max(end);
        let fr = files.get(i);
        let path = fr
            .map(|r| r.path.clone())
            .unwrap_or_else(|| f.display_path());
        let header_end = f
            .hunks
            .first()
            .map(|h| h.source_line.saturating_sub(1))
            .unwrap_or(end);
        let header: Vec<u8> = lines
            .get(start..header_end.max(start))
            .unwrap_or(&[])
            .iter()
            .filter(|l| !l.starts_with(b"index "))
            .flat_map(|l| l.iter().copied())
            .collect();
        let verbatim: Vec<u8> = lines
            .get(start..end)
            .unwrap_or(&[])
            .iter()
            .flat_map(|l| l.iter().copied())
            .collect();
        let Some(fr) = fr else {
            rp.file_notes
                .push(format!("{path}: no result for this section; kept verbatim"));
            out.extend_from_slice(&verbatim);
            any_section = true;
            continue;
        };
        if f.hunks.is_empty() {
            // Rename, mode change, binary: all or nothing.
            if matches!(fr.status, harness_core::report::AggregateStatus::Applied) {
                out.extend_from_slice(&verbatim);
                any_section = true;
            } else {
                rp.file_notes.push(format!(
                    "{path}: section left out ({}): {}",
                    fr.status.as_str(),
                    fr.reason.clone().unwrap_or_default()
                ));
                rp.rej.extend_from_slice(&verbatim);
            }
            continue;
        }
        let mut body: Vec<u8> = Vec::new();
        let mut kept_here = 0;
        let whole = matches!(f.op, FileOp::Create | FileOp::Delete);
        let all_applied = fr.hunks.iter().all(|h| h.status == HunkStatus::Applied);
        let mut rej_here: Vec<u8> = Vec::new();
        for (h, hr) in f.hunks.iter().zip(&fr.hunks) {
            let raw: Vec<u8> = lines
                .get(h.source_line.saturating_sub(1)..hunk_end(&lines, h))
                .unwrap_or(&[])
                .iter()
                .flat_map(|l| l.iter().copied())
                .collect();
            match hr.status {
                HunkStatus::Applied => {
                    let pl = placement(placements, index, &fr.path, h.index);
                    match pl.and_then(|p| p.rewritten.as_ref()) {
                        Some(rw) if !whole => body.extend_from_slice(rw),
                        _ => body.extend_from_slice(&raw),
                    }
                    kept_here += 1;
                    if hr.offset.unwrap_or(0) != 0 || hr.fuzz.unwrap_or(0) != 0 {
                        rp.moved += 1;
                    }
                }
                HunkStatus::AlreadyApplied => rp.left_out.push(LeftOut {
                    path: fr.path.clone(),
                    hunk: h.index,
                    status: hr.status,
                    line: hr.line,
                    cause: Some("already-applied".into()),
                    summary: hr
                        .diagnosis
                        .as_ref()
                        .map(|d| d.summary.clone())
                        .unwrap_or_else(|| "the change is already in the tree".into()),
                    rej: None,
                }),
                HunkStatus::Failed | HunkStatus::Malformed => {
                    rej_here.extend_from_slice(&raw);
                    rp.left_out.push(LeftOut {
                        path: fr.path.clone(),
                        hunk: h.index,
                        status: hr.status,
                        line: hr.line,
                        cause: hr.diagnosis.as_ref().map(|d| d.cause.as_str().to_owned()),
                        summary: hr
                            .diagnosis
                            .as_ref()
                            .map(|d| d.summary.clone())
                            .unwrap_or_default(),
                        rej: Some(rej_name(name)),
                    });
                }
            }
        }
        if !rej_here.is_empty() {
            let old = f.old_path.as_deref().filter(|_| f.op != FileOp::Create);
            let new = f.new_path.as_deref().filter(|_| f.op != FileOp::Delete);
            let hdr = format!(
                "--- {}\n+++ {}\n",
                old.map(|p| format!("a/{p}"))
                    .unwrap_or_else(|| "/dev/null".into()),
                new.map(|p| format!("b/{p}"))
                    .unwrap_or_else(|| "/dev/null".into())
            );
            rp.rej.extend_from_slice(hdr.as_bytes());
            rp.rej.extend_from_slice(&rej_here);
        }
        if whole && all_applied {
            out.extend_from_slice(&verbatim);
            rp.kept += kept_here;
            any_section = true;
        } else if whole {
            // Partly applied creation/deletion cannot be expressed: all of it to .rej.
            rp.file_notes.push(format!(
                "{path}: file {} not carried over: some of its hunks did not apply",
                if f.op == FileOp::Create {
                    "creation"
                } else {
                    "deletion"
                }
            ));
        } else if kept_here > 0 {
            out.extend_from_slice(&header);
            out.extend_from_slice(&body);
            rp.kept += kept_here;
            any_section = true;
        } else if matches!(f.op, FileOp::Rename | FileOp::Copy) {
            out.extend_from_slice(&header);
            any_section = true;
            rp.file_notes
                .push(format!("{path}: rename kept, none of its hunks"));
        } else {
            rp.file_notes
                .push(format!("{path}: no hunk left; section dropped"));
        }
    }
    // Trailer (mail signature etc.).
    for l in lines.iter().skip(last_end) {
        out.extend_from_slice(l);
    }
    rp.in_series = any_section;
    rp.text = out;
    rp
}

/// Refresh `series` against the directory `tree` (only read).
pub fn refresh_series(series: &Series, tree: &Path, opts: Options) -> Result<RefreshOutcome> {
    let outcome = apply_series_to_dir(series, tree, opts)?;
    let parsed = parse_series(series, opts.strip);
    let mut patches = Vec::new();
    for ((sp, pp), pr) in series
        .patches
        .iter()
        .zip(&parsed)
        .zip(&outcome.report.patches)
    {
        patches.push(refresh_patch(
            sp.index,
            &sp.name,
            opts.strip.unwrap_or(sp.strip),
            &sp.content,
            pp,
            &pr.files,
            &outcome.placements,
        ));
    }
    Ok(RefreshOutcome {
        schema: REFRESH_SCHEMA.to_owned(),
        series: series.name.clone(),
        tree: tree.display().to_string(),
        patches,
        report: outcome.report,
    })
}

/// The human summary (also written to `summary.txt`).
pub fn summary_text(o: &RefreshOutcome) -> String {
    let mut s = String::new();
    let kept: usize = o.patches.iter().map(|p| p.kept).sum();
    let moved: usize = o.patches.iter().map(|p| p.moved).sum();
    let rejected: Vec<_> = o.rejected().collect();
    let already: usize = o
        .patches
        .iter()
        .flat_map(|p| &p.left_out)
        .filter(|l| l.status == HunkStatus::AlreadyApplied)
        .count();
    let _ = writeln!(s, "harness refresh: {} against {}", o.series, o.tree);
    let _ = writeln!(
        s,
        "{} patches; {} hunks carried over ({} with a new position or context), {} rejected, {} already applied",
        o.patches.len(),
        kept,
        moved,
        rejected.len(),
        already
    );
    let out_of_series: Vec<&RefreshedPatch> = o.patches.iter().filter(|p| !p.in_series).collect();
    if !out_of_series.is_empty() {
        let _ = writeln!(
            s,
            "\nPatches with nothing left (commented out in `series`):"
        );
        for p in out_of_series {
            let _ = writeln!(s, "  {:>3} {}", p.index, p.name);
        }
    }
    if !rejected.is_empty() {
        let _ = writeln!(s, "\nRejected hunks (kept in .rej files):");
        for (p, l) in &rejected {
            let _ = writeln!(
                s,
                "  {:>3} {}: {} hunk #{}{}: {}{}",
                p.index,
                p.name,
                l.path,
                l.hunk,
                l.line
                    .map(|x| format!(" (at line {x})"))
                    .unwrap_or_default(),
                l.cause.as_deref().unwrap_or("failed"),
                if l.summary.is_empty() {
                    String::new()
                } else {
                    format!(": {}", l.summary)
                }
            );
            if let Some(r) = &l.rej {
                let _ = writeln!(s, "        -> {r}");
            }
        }
    }
    if already > 0 {
        let _ = writeln!(
            s,
            "\nHunks already in the tree (dropped from the refreshed patch):"
        );
        for p in &o.patches {
            for l in p
                .left_out
                .iter()
                .filter(|l| l.status == HunkStatus::AlreadyApplied)
            {
                let _ = writeln!(
                    s,
                    "  {:>3} {}: {} hunk #{}{}",
                    p.index,
                    p.name,
                    l.path,
                    l.hunk,
                    l.line
                        .map(|x| format!(" (at line {x})"))
                        .unwrap_or_default()
                );
            }
        }
    }
    let notes: Vec<_> = o
        .patches
        .iter()
        .flat_map(|p| p.file_notes.iter().map(move |n| (p, n)))
        .collect();
    if !notes.is_empty() {
        let _ = writeln!(s, "\nFile sections:");
        for (p, n) in notes {
            let _ = writeln!(s, "  {:>3} {}: {}", p.index, p.name, n);
        }
    }
    s
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))
}

/// Write the refreshed series as a quilt directory: `series`, the patches,
/// `<patch>.rej` for rejected hunks, `summary.txt` and `refresh.json`.
/// `dir` must not exist or be empty; it is built in a temporary sibling and
/// renamed into place.
pub fn write_refreshed(o: &RefreshOutcome, dir: &Path) -> Result<()> {
    if dir.exists() {
        let empty = std::fs::read_dir(dir)
            .with_context(|| format!("reading {}", dir.display()))?
            .next()
            .is_none();
        if !empty {
            anyhow::bail!(
                "{} exists and is not empty; choose a new --out directory or remove it",
                dir.display()
            );
        }
        std::fs::remove_dir(dir).with_context(|| format!("removing empty {}", dir.display()))?;
    }
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => std::path::PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).with_context(|| format!("creating {}", parent.display()))?;
    let tmp = tempfile::Builder::new()
        .prefix(".refresh-")
        .tempdir_in(&parent)
        .with_context(|| format!("creating a temporary directory in {}", parent.display()))?;
    let mut series = String::new();
    series.push_str(&format!(
        "# refreshed by harness against {}; see summary.txt\n",
        o.tree
    ));
    for p in &o.patches {
        for comp in p.name.split('/') {
            if comp == ".." || comp.is_empty() {
                anyhow::bail!(
                    "refusing to write patch name `{}` (escapes the output directory)",
                    p.name
                );
            }
        }
        let strip = if p.strip != 1 {
            format!(" -p{}", p.strip)
        } else {
            String::new()
        };
        if p.in_series {
            write_file(&tmp.path().join(&p.name), &p.text)?;
            series.push_str(&format!("{}{}\n", p.name, strip));
        } else {
            series.push_str(&format!(
                "# {}{}  (nothing left to apply; see summary.txt)\n",
                p.name, strip
            ));
        }
        if !p.rej.is_empty() {
            write_file(&tmp.path().join(rej_name(&p.name)), &p.rej)?;
        }
    }
    write_file(&tmp.path().join("series"), series.as_bytes())?;
    write_file(&tmp.path().join("summary.txt"), summary_text(o).as_bytes())?;
    let mut json = serde_json::to_string_pretty(o).context("serialising refresh.json")?;
    json.push('\n');
    write_file(&tmp.path().join("refresh.json"), json.as_bytes())?;
    let kept = tmp.keep();
    std::fs::rename(&kept, dir)
        .with_context(|| format!("renaming {} to {}", kept.display(), dir.display()))?;
    Ok(())
}
