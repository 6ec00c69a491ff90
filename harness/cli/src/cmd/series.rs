//! `harness series SOURCE [--json FILE]`: what a series source contains.

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
Exit codes: 0 the source was read; 1 it was read but holds no patch, has missing patches \
or damage that could not be recovered; 2 it could not be read."
)]
pub struct Args {
    /// Series source (path or name under patches/).
    pub source: String,
    /// Write the `harness.series/1` JSON report here (`-` = stdout).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let root = common::project_root();
    let path = harness_ingest::resolve(&args.source, &root)
        .with_context(|| format!("series source {:?}", args.source))?;
    let ing = harness_ingest::ingest(&path)
        .with_context(|| format!("reading series source {}", path.display()))?;
    let report = &ing.report;
    if let Some(dest) = &args.json {
        common::write_json(dest, report)?;
    }
    if args.json.as_deref() != Some(std::path::Path::new("-")) {
        crate::common::out!("{}", render(report));
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
                let _ = writeln!(
                    o,
                    "  {:>5}  {:<4} {:<12} {:>5}  {} by {} (quotes {} hunk(s) of revision #{})",
                    "",
                    "",
                    kind,
                    "",
                    rv.subject,
                    rv.from.as_deref().unwrap_or("?"),
                    rv.quoted_hunks.len(),
                    rv.revision.map_or("?".into(), |r| r.to_string())
                );
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
