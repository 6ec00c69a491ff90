//! `harness series SOURCE [--json FILE] [--am FILE]`: what a series source
//! contains; `--am` writes the chosen revision as an mbox `git am` applies.

use crate::common::{self, Outcome};
use anyhow::Context;
use std::path::PathBuf;

#[derive(clap::Args)]
#[command(
    long_about = "Show what a series source contains: the series found, their patches \
(n/N) with every revision (original post, new version vN, or a new diff sent as a reply), \
reviews quoting hunks, missing and duplicate patches, trailers and damage found while \
reading (e.g. archive text that could not be recovered).\n\n\
SOURCE is an mbox (mboxo or mboxrd), a maildir, a directory of git format-patch files, \
a quilt directory or `series` file, one patch or mail file, a mailing-list archive page \
saved as text, or the name of a series under the project's patches/ directory.\n\n\
Mail threads are read as b4 reads them: the newest vN is taken whole (a partial reroll, \
each new patch a reply to the same n/N, keeps the previous version's other patches); \
replies to the cover letter review every patch; follow-up trailers must name their sender \
(--sloppy-trailers accepts any). --revision/--series/--patches choose what --am writes.\n\n\
Exit codes: 0 the source was read; 1 it was read but holds no patch, has missing patches \
or damage that could not be recovered; 2 it could not be read."
)]
pub struct Args {
    /// Series source (path or name under patches/).
    pub source: String,
    /// Write the `harness.series/1` JSON report here (`-` = stdout).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Write the chosen revision as an mbox `git am` applies, as `b4 am`
    /// does: follow-up and cover-letter trailers collated (sender-checked),
    /// the message rebuilt as b4 does (see --add-link). FILE must not exist.
    #[arg(long, value_name = "FILE")]
    pub am: Option<PathBuf>,
    /// With --am: add `Link: https://patch.msgid.link/<Message-ID>` to each
    /// patch (as `b4 am -l`).
    #[arg(long, requires = "am")]
    pub add_link: bool,
    /// Search the public-inbox server (the one the thread came from, else
    /// the first --lore-server) for later revisions of the series, by its
    /// `change-id:` and by subject, and say which is newest.
    #[arg(long)]
    pub check_newer: bool,
    #[command(flatten)]
    pub select: crate::cmd::select::SelectArgs,
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let (path, thread) = common::series_input(&args.source)
        .with_context(|| format!("series source {:?}", args.source))?;
    let ing = args.select.ingest(&path)?;
    let report = &ing.report;
    // a choice that cannot be met is an error, with or without --am
    let chosen = args.select.choose(&ing, &path);
    if let Some(dest) = &args.am {
        let sel = &args.select;
        if sel.take.is_some() {
            anyhow::bail!(
                "--take does not apply to --am (b4 writes whole revisions; use --patches)"
            );
        }
        let only = sel.patches.as_ref().map(|p| p.0.as_slice());
        let text = ing
            .am_mbox(&sel.load_options(), only, args.add_link)
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        write_new(dest, text.as_bytes())?;
    } else if args.select.revision.is_some()
        || args.select.series_index.is_some()
        || args.select.patches.is_some()
        || args.select.take.is_some()
    {
        chosen?;
    }
    let newer = match args.check_newer {
        true => Some(crate::lore::check_newer(report, thread.as_ref())?),
        false => None,
    };
    if let Some(dest) = &args.json {
        match &newer {
            Some(n) => {
                let mut v = serde_json::to_value(report).context("serialising JSON")?;
                if let Some(o) = v.as_object_mut() {
                    o.insert("newer".into(), serde_json::to_value(n)?);
                }
                common::write_json(dest, &v)?;
            }
            None => common::write_json(dest, report)?,
        }
    }
    if args.json.as_deref() != Some(std::path::Path::new("-")) {
        crate::common::out!("{}", render(report));
        if let Some(n) = &newer {
            crate::common::out!("{}", crate::lore::render_newer(n));
        }
    }
    let unrecoverable = report
        .damage
        .iter()
        .any(|d| d.problem.contains("cannot be recovered"));
    let missing = report.series.iter().any(|s| !s.missing.is_empty());
    if report.series.is_empty() || unrecoverable || missing {
        Ok(Outcome::Failed)
    } else {
        Ok(Outcome::Ok)
    }
}

/// Create `dest` (refusing to overwrite) and write `bytes`.
fn write_new(dest: &std::path::Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(dest)
        .with_context(|| format!("creating {} (it must not exist)", dest.display()))?;
    f.write_all(bytes)
        .with_context(|| format!("writing {}", dest.display()))
}

fn render(r: &harness_ingest::SeriesReport) -> String {
    use std::fmt::Write;
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{} ({:?}): {} message(s), {} series",
        r.source,
        r.kind,
        r.messages,
        r.series.len()
    );
    for (k, s) in r.series.iter().enumerate() {
        let versions: Vec<String> = s.versions.iter().map(|v| format!("v{v}")).collect();
        let _ = writeln!(
            o,
            "\nseries {}: {:?} — {} patch(es) announced, versions {}",
            k + 1,
            s.title,
            s.total,
            versions.join(",")
        );
        for c in &s.covers {
            let _ = writeln!(o, "  cover v{}: {}", c.version, c.subject);
        }
        if !s.missing.is_empty() {
            let _ = writeln!(o, "  missing: {}", ranges(&s.missing));
        }
        for d in &s.duplicates {
            let _ = writeln!(
                o,
                "  duplicate: {}/{} v{} posted {} times{}",
                d.number,
                s.total,
                d.version,
                d.locations.len(),
                if d.identical {
                    " (identical)"
                } else {
                    " (different diffs)"
                }
            );
        }
        if let Some(b) = &s.base_commit {
            let _ = writeln!(o, "  base-commit: {b}");
        }
        let _ = writeln!(
            o,
            "  {:>5}  {:<4} {:<12} {:>5}  subject",
            "patch", "rev", "found as", "hunks"
        );
        for p in &s.patches {
            for (i, rv) in p.revisions.iter().enumerate() {
                let found = match rv.found_as {
                    harness_ingest::FoundAs::Original => "original",
                    harness_ingest::FoundAs::NewVersion => "new-version",
                    harness_ingest::FoundAs::Reply => "reply",
                };
                let _ = writeln!(
                    o,
                    "  {:>5}  {:<4} {:<12} {:>5}  {}",
                    if i == 0 {
                        format!("{}/{}", p.number, s.total)
                    } else {
                        String::new()
                    },
                    format!("#{}", i + 1),
                    found,
                    rv.hunks,
                    rv.subject
                );
            }
            for rv in &p.reviews {
                let kind = match rv.kind {
                    harness_ingest::model::ReplyKind::Review => "review",
                    harness_ingest::model::ReplyKind::Comment => "comment",
                };
                let rev = rv.revision.map_or("?".into(), |r| r.to_string());
                let about = match rv.to {
                    harness_ingest::model::ReplyTo::Patch => {
                        format!(
                            "quotes {} hunk(s) of revision #{rev}",
                            rv.quoted_hunks.len()
                        )
                    }
                    harness_ingest::model::ReplyTo::Cover => {
                        format!("on the cover letter; applies to revision #{rev}")
                    }
                    harness_ingest::model::ReplyTo::CarriedOver => {
                        format!("given on an identical earlier revision; carried to #{rev}")
                    }
                };
                let _ = writeln!(
                    o,
                    "  {:>5}  {:<4} {:<12} {:>5}  {} by {} ({about})",
                    "",
                    "",
                    kind,
                    "",
                    rv.subject,
                    rv.from.as_deref().unwrap_or("?"),
                );
                for t in &rv.trailers {
                    let _ = writeln!(o, "  {:>30}{}: {}", "+ ", t.name, t.value);
                }
                for t in &rv.mismatched_trailers {
                    let _ = writeln!(
                        o,
                        "  {:>30}{}: {} (names someone other than the sender; --sloppy-trailers accepts it)",
                        "x ", t.name, t.value
                    );
                }
            }
        }
    }
    for x in &r.others {
        let _ = writeln!(
            o,
            "\nnot part of a series: {} ({}): {}",
            x.subject, x.location, x.why
        );
    }
    if !r.damage.is_empty() {
        let _ = writeln!(o, "\ndamage and recovery notes:");
        for d in &r.damage {
            let _ = writeln!(o, "  {}: {}", d.location, d.problem);
        }
    }
    o
}

fn ranges(v: &[u32]) -> String {
    let mut parts = Vec::new();
    let mut i = 0;
    while let Some(&start) = v.get(i) {
        let mut end = start;
        while v.get(i + 1) == Some(&(end + 1)) {
            end += 1;
            i += 1;
        }
        parts.push(if start == end {
            start.to_string()
        } else {
            format!("{start}..{end}")
        });
        i += 1;
    }
    parts.join(", ")
}
