//! `harness checkpatch SERIES --tree TREE`: the tree's own checkpatch.pl on
//! every patch as posted, findings typed per patch.
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use harness_checks::report::place;
use harness_checks::{render, CheckpatchReport, Codespell};

use crate::common::{write_atomic, write_json, Outcome};

/// Run the tree's `scripts/checkpatch.pl` on each patch of a series as it
/// was posted (`--strict`, and `--codespell` when codespell is installed),
/// and report every ERROR, WARNING and CHECK with its type, message and
/// file:line, per patch.
///
/// Exit status: 0 no patch has an ERROR or WARNING (CHECKs alone pass); 1
/// some patch has one; 2 usage error, no checkpatch.pl in the tree, or
/// checkpatch failing or printing what the harness cannot read.
#[derive(clap::Args)]
pub struct Args {
    /// The series (any source `harness apply` takes).
    #[arg(value_name = "SERIES")]
    pub series: PathBuf,
    /// The tree whose scripts/checkpatch.pl is run (a directory or a tree
    /// name, fetched if needed); passed as `--root`.
    #[arg(long, value_name = "TREE")]
    pub tree: String,
    /// Write `harness.checkpatch/1` JSON to FILE (`-` = stdout; the human
    /// summary then goes to stderr).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Write the Markdown summary to FILE.
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,
    /// Write JUnit XML to FILE (a testcase per patch).
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Write a self-contained HTML page to FILE.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Do not pass --strict (checkpatch still turns it on for net/ files).
    #[arg(long)]
    pub no_strict: bool,
    /// `auto`: --codespell when codespell's dictionary is installed; `on`:
    /// always (missing dictionary = exit 2); `off`.
    #[arg(long, value_name = "WHEN", default_value = "auto", value_parser = parse_codespell)]
    pub codespell: CodespellArg,
    /// Per-patch time limit in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 300)]
    pub timeout: u64,
    /// Run checkpatch.pl (the tree's code) in the bubblewrap sandbox: on
    /// (no network, tree read-only, home hidden) or off (trusted trees only).
    #[arg(long, value_enum, default_value_t = SandboxSwitch::On)]
    pub sandbox: SandboxSwitch,
    #[command(flatten)]
    pub select: crate::cmd::select::SelectArgs,
}

/// `--sandbox` of checkpatch and check: the tree's script is sandboxed
/// unless the user says the tree is trusted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum SandboxSwitch {
    On,
    Off,
}

impl SandboxSwitch {
    pub fn isolation(self) -> harness_checks::Isolation {
        match self {
            SandboxSwitch::On => harness_checks::Isolation::Sandboxed,
            SandboxSwitch::Off => harness_checks::Isolation::Host,
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub struct CodespellArg(pub Codespell);

pub fn parse_codespell(s: &str) -> Result<CodespellArg, String> {
    match s {
        "auto" => Ok(CodespellArg(Codespell::Auto)),
        "on" => Ok(CodespellArg(Codespell::On)),
        "off" => Ok(CodespellArg(Codespell::Off)),
        _ => Err(format!("`{s}`: expected auto, on or off")),
    }
}

pub fn options(
    no_strict: bool,
    codespell: Codespell,
    timeout: u64,
    sandbox: SandboxSwitch,
) -> harness_checks::Options {
    harness_checks::Options {
        strict: !no_strict,
        codespell,
        timeout: Duration::from_secs(timeout),
        isolation: sandbox.isolation(),
    }
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let resolved = crate::tree_arg::resolve(&args.tree)?; // held until the end
    let tree = resolved.path.clone();
    let series_path = crate::common::series_source(&args.series.to_string_lossy())?;
    let series = args
        .select
        .load(&series_path)
        .with_context(|| format!("loading series {}", args.series.display()))?;
    if series.patches.is_empty() {
        anyhow::bail!("series {} contains no patches", args.series.display());
    }
    let opts = options(args.no_strict, args.codespell.0, args.timeout, args.sandbox);
    let report = harness_orchestrate::checkpatch::check_series(&series, &tree, &opts)?;
    let text = human(&report);
    if args.json.as_deref() == Some(Path::new("-")) {
        std::io::stderr().lock().write_all(text.as_bytes()).ok();
    } else {
        crate::common::stdout_result(std::io::stdout().lock().write_all(text.as_bytes()))?;
    }
    if let Some(dest) = &args.json {
        write_json(dest, &report)?;
    }
    if let Some(dest) = &args.markdown {
        write_atomic(dest, render::markdown(&report).as_bytes())?;
    }
    if let Some(dest) = &args.junit {
        let xml = render::junit(&report).context("rendering JUnit XML")?;
        write_atomic(dest, xml.as_bytes())?;
    }
    if let Some(dest) = &args.html {
        write_atomic(dest, render::html(&report).as_bytes())?;
    }
    Ok(if report.status.failed() {
        Outcome::Failed
    } else {
        Outcome::Ok
    })
}

fn human(r: &CheckpatchReport) -> String {
    let mut s = String::new();
    for p in &r.patches {
        s.push_str(&format!(
            "{:>3} {:<8} {} ({} errors, {} warnings, {} checks)\n",
            p.index,
            p.status.word(),
            p.subject.as_deref().unwrap_or(&p.name),
            p.totals.errors,
            p.totals.warnings,
            p.totals.checks
        ));
        for f in &p.findings {
            let at = place(f);
            let first = f.message.lines().next().unwrap_or("");
            s.push_str(&format!(
                "      {}:{}: {}{}\n",
                f.level.word(),
                f.kind,
                if at.is_empty() {
                    String::new()
                } else {
                    format!("{at}: ")
                },
                first
            ));
        }
    }
    s.push_str(&format!(
        "checkpatch: {} ({})\n",
        r.status.word(),
        if r.codespell {
            "with codespell"
        } else {
            "without codespell"
        }
    ));
    s
}
