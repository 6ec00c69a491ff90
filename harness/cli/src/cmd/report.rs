//! `harness report ...`: work with `harness.matrix/1` reports after a run:
//! merge shards, re-render, compare two runs, export to KCIDB.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use harness_report::model::MatrixReport;
use harness_report::Comparison;

use crate::common::{write_json, Outcome};

#[derive(clap::Subcommand)]
pub enum ReportCommand {
    /// Merge shard reports (from `harness matrix --shard i/n`) into one run
    /// directory: report.json, summary.md, junit.xml, index.html.
    ///
    /// Cells are sorted by id and the summary recomputed. The result is
    /// `complete` only when every shard 1..n is present and complete.
    /// Exit status: 0 every cell as expected; 1 some cell is not; 2 a shard
    /// is missing or incomplete, or the inputs cannot be merged.
    Merge(MergeArgs),
    /// Render report.json again into summary.md, junit.xml and index.html
    /// (and a copy of report.json) in DIR.
    Render(RenderArgs),
    /// Compare two runs and list regressions and fixes: a hunk newly failing,
    /// a new build warning or error, a build, boot or guest test newly
    /// failing, a cell removed. Exit status: 0 no regression, 1 regressions
    /// (each named), 2 unreadable input.
    Compare(CompareArgs),
    /// Export a report as KCIDB JSON (schema v5) for KernelCI: a checkout per
    /// series x tree, a build per cell, a test per boot and per guest test.
    Kcidb(KcidbArgs),
}

#[derive(clap::Args)]
pub struct MergeArgs {
    /// Shard reports: report.json files or run directories holding one.
    #[arg(value_name = "SHARD", required = true)]
    pub shards: Vec<PathBuf>,
    /// Run directory to write (created if needed).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

#[derive(clap::Args)]
pub struct RenderArgs {
    /// A report.json (or a run directory holding one).
    #[arg(value_name = "REPORT")]
    pub report: PathBuf,
    /// Directory to write the renderings into (created if needed).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

#[derive(clap::Args)]
pub struct CompareArgs {
    /// The earlier run: report.json, a run directory, or a run id under results/.
    #[arg(value_name = "OLD")]
    pub old: String,
    /// The later run, in the same forms.
    #[arg(value_name = "NEW")]
    pub new: String,
    /// Also write the comparison (`harness.compare/1`) as JSON to FILE (`-` for
    /// stdout; the human list then goes to stderr).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Compare even when a report is incomplete (an interrupted or running
    /// run: its missing cells would show as regressions or fixes).
    #[arg(long)]
    pub allow_incomplete: bool,
}

#[derive(clap::Args)]
pub struct KcidbArgs {
    /// A report.json (or a run directory holding one).
    #[arg(value_name = "REPORT")]
    pub report: PathBuf,
    /// Output file (`-` or absent: stdout).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Origin (CI system name) prefixing every id; `[a-z0-9_]+`.
    #[arg(long, default_value = "harness")]
    pub origin: String,
    /// Absolute URL where the run directory is published; turns log paths
    /// into `log_url`s (without it they stay in `misc.log_path`).
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// Compiler name and version for builds (default: `provenance.compiler`
    /// of a tree, if recorded).
    #[arg(long)]
    pub compiler: Option<String>,
    /// Export even an incomplete report (an interrupted or running run).
    #[arg(long)]
    pub allow_incomplete: bool,
}

pub fn run(cmd: ReportCommand) -> anyhow::Result<Outcome> {
    match cmd {
        ReportCommand::Merge(a) => merge(a),
        ReportCommand::Render(a) => render(a),
        ReportCommand::Compare(a) => compare(a),
        ReportCommand::Kcidb(a) => kcidb(a),
    }
}

/// Find a report from a command-line argument: a file, a run directory, or
/// a run id under `<project>/results/`.
pub fn resolve_report(arg: &str) -> anyhow::Result<PathBuf> {
    let p = PathBuf::from(arg);
    if p.exists() {
        return Ok(p);
    }
    let results = crate::project::results_dir()?;
    let under = results.join(arg);
    if under.exists() {
        return Ok(under);
    }
    anyhow::bail!(
        "no report at `{arg}`: give a report.json, a run directory, or a run id under {}",
        results.display()
    )
}

pub fn load(path: &Path) -> anyhow::Result<MatrixReport> {
    Ok(harness_report::load_report(path)?)
}

/// Refuse an incomplete report (`complete: false`: the run was interrupted,
/// or is still running) as a baseline or for export, unless allowed.
pub fn require_complete(r: &MatrixReport, path: &Path, allow: bool) -> anyhow::Result<()> {
    anyhow::ensure!(
        r.complete || allow,
        "{}: run {} is incomplete (interrupted or still running; {} cells recorded): its missing cells would be taken for changes. Pass --allow-incomplete to use it anyway",
        path.display(),
        r.run_id,
        r.cells.len()
    );
    Ok(())
}

fn merge(a: MergeArgs) -> anyhow::Result<Outcome> {
    let mut shards = Vec::new();
    for p in &a.shards {
        shards.push(load(p)?);
    }
    let merged = harness_report::merge(shards)?;
    harness_report::write_run_dir(&a.out, &merged)
        .with_context(|| format!("writing the merged run to {}", a.out.display()))?;
    let s = &merged.summary;
    crate::common::outln!(
        "merged {} shard reports into {}: {} cells, {} as expected, {} unexpected",
        a.shards.len(),
        a.out.display(),
        s.cells,
        s.as_expected,
        s.unexpected
    );
    if !merged.complete {
        eprintln!(
            "harness: merged report is INCOMPLETE ({}): a shard is missing or was interrupted",
            merged
                .shard
                .as_deref()
                .unwrap_or("an input shard did not finish")
        );
        return Ok(Outcome::Infra);
    }
    Ok(if s.unexpected > 0 {
        Outcome::Failed
    } else {
        Outcome::Ok
    })
}

fn render(a: RenderArgs) -> anyhow::Result<Outcome> {
    let r = load(&a.report)?;
    let files = harness_report::write_run_dir(&a.out, &r)?;
    crate::common::outln!(
        "wrote {}, {}, {}, {}",
        files.report_json.display(),
        files.summary_md.display(),
        files.junit_xml.display(),
        files.index_html.display()
    );
    Ok(Outcome::Ok)
}

/// Print a comparison for people: regressions first, then fixes, then
/// other changes. Used by `harness report compare` and `harness matrix --compare`.
pub fn print_comparison(c: &Comparison, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        out,
        "compare {} -> {}: {} regressions, {} fixes, {} other changes",
        c.old_run,
        c.new_run,
        c.regressions.len(),
        c.fixes.len(),
        c.other.len()
    )?;
    for r in &c.regressions {
        writeln!(out, "REGRESSION {}", r.message)?;
    }
    for f in &c.fixes {
        writeln!(out, "FIXED      {}", f.message)?;
    }
    for o in &c.other {
        writeln!(out, "CHANGED    {}", o.message)?;
    }
    Ok(())
}

fn compare(a: CompareArgs) -> anyhow::Result<Outcome> {
    let (old_path, new_path) = (resolve_report(&a.old)?, resolve_report(&a.new)?);
    let old = load(&old_path)?;
    let new = load(&new_path)?;
    require_complete(&old, &old_path, a.allow_incomplete)?;
    require_complete(&new, &new_path, a.allow_incomplete)?;
    let c = harness_report::compare(&old, &new);
    let to_stdout = a.json.as_deref() == Some(Path::new("-"));
    if to_stdout {
        print_comparison(&c, &mut std::io::stderr().lock())?;
    } else {
        print_comparison(&c, &mut std::io::stdout().lock())?;
    }
    if let Some(j) = &a.json {
        write_json(j, &c)?;
    }
    Ok(if c.has_regressions() {
        Outcome::Failed
    } else {
        Outcome::Ok
    })
}

fn kcidb(a: KcidbArgs) -> anyhow::Result<Outcome> {
    let r = load(&a.report)?;
    require_complete(&r, &a.report, a.allow_incomplete)?;
    let v = harness_report::to_kcidb_with(
        &r,
        &harness_report::KcidbOptions {
            origin: a.origin,
            base_url: a.base_url,
            compiler: a.compiler,
        },
    );
    let dest = a.out.unwrap_or_else(|| PathBuf::from("-"));
    write_json(&dest, &v)?;
    Ok(Outcome::Ok)
}
