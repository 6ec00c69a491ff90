//! `harness matrix`: run series x trees x configs and write `results/<run-id>/`.

use crate::common::{cache_dir, project_root, write_json, Outcome};
use anyhow::Context;
use harness_orchestrate::matrix::config::{MatrixConfig, SandboxMode};
use harness_orchestrate::matrix::real::RealStages;
use harness_orchestrate::matrix::run::{new_run_id, run_matrix, Event, RunOptions, Stage};
use harness_report::model::MatrixReport;
use harness_report::status::Word;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

#[derive(clap::Args)]
#[command(after_help = "\
With no arguments, runs the project's default matrix (matrix.yaml in the project, \
or the copy embedded in the binary) and writes results/<run-id>/ with report.json \
(harness.matrix/1), summary.md, junit.xml, index.html and events.jsonl (the run's events, \
replayable into report.json); results/latest points at it.

Exit status: 0 every cell as expected; 1 some cell differs from its expectation \
(or --compare found a regression); 2 the matrix could not run.")]
pub struct Args {
    /// Matrix configuration (YAML). Default: the project's matrix.yaml (see --project).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Where run directories are written. Default: results/ of the project, or of the
    /// current directory when the project is the copy embedded in the binary.
    #[arg(long, value_name = "DIR")]
    pub results: Option<PathBuf>,
    /// Run id (directory name under --results: letters, digits, '.', '_' and
    /// '-', not starting with '.'). Default: a UTC timestamp plus the process id.
    #[arg(long)]
    pub run_id: Option<String>,
    /// Only run shard I of N (cells assigned by sorted cell id); merge with `harness report merge`.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Compare with an earlier run (a run directory or its report.json) and exit 1 on a regression.
    #[arg(long, value_name = "RUN")]
    pub compare: Option<PathBuf>,
    /// Accept an incomplete --compare baseline (an interrupted run).
    #[arg(long)]
    pub allow_incomplete: bool,
    /// Only these trees (repeatable).
    #[arg(long = "tree", value_name = "NAME")]
    pub trees: Vec<String>,
    /// Only these series (repeatable).
    #[arg(long = "series", value_name = "NAME")]
    pub series: Vec<String>,
    /// Only these configs (repeatable).
    #[arg(long = "kconfig", value_name = "NAME")]
    pub configs: Vec<String>,
    /// Treat every tree as apply-only (no builds, no boots).
    #[arg(long)]
    pub apply_only: bool,
    /// Sandbox for host steps that run tree code: auto (on for series from mail), on, off.
    #[arg(long, value_name = "MODE")]
    pub sandbox: Option<String>,
    /// Also write the report JSON here (`-` for stdout).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
}

fn load_config(args: &Args, root: &Path) -> anyhow::Result<(MatrixConfig, String)> {
    let (text, origin) = match &args.config {
        Some(p) => (
            std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?,
            p.display().to_string(),
        ),
        None => {
            let p = root.join("matrix.yaml");
            let text = std::fs::read_to_string(&p).with_context(|| {
                format!(
                    "reading the project's default matrix {} (give one with --config FILE, \
                     or choose the project with --project DIR)",
                    p.display()
                )
            })?;
            (text, p.display().to_string())
        }
    };
    let mut cfg = MatrixConfig::from_yaml(&text, Path::new(&origin))?;
    filter(&mut cfg, args)?;
    Ok((cfg, origin))
}

fn filter(cfg: &mut MatrixConfig, args: &Args) -> anyhow::Result<()> {
    fn keep<T>(
        items: &mut Vec<T>,
        wanted: &[String],
        name: impl Fn(&T) -> &str,
        what: &str,
    ) -> anyhow::Result<()> {
        if wanted.is_empty() {
            return Ok(());
        }
        for w in wanted {
            if !items.iter().any(|i| name(i) == w) {
                let known: Vec<&str> = items.iter().map(&name).collect();
                anyhow::bail!(
                    "no {what} named {w:?} in the matrix{} (known: {})",
                    harness_trees::suggestion(w, known.iter().copied()),
                    known.join(", ")
                );
            }
        }
        items.retain(|i| wanted.iter().any(|w| w == name(i)));
        Ok(())
    }
    keep(&mut cfg.trees, &args.trees, |t| &t.name, "tree")?;
    keep(&mut cfg.series, &args.series, |s| &s.name, "series")?;
    keep(&mut cfg.configs, &args.configs, |c| &c.name, "config")?;
    if args.apply_only {
        for t in &mut cfg.trees {
            t.build = false;
        }
    }
    Ok(())
}

fn parse_sandbox(s: &str) -> anyhow::Result<SandboxMode> {
    match s {
        "auto" => Ok(SandboxMode::Auto),
        "on" => Ok(SandboxMode::On),
        "off" => Ok(SandboxMode::Off),
        other => anyhow::bail!("--sandbox {other:?}: expected auto, on or off"),
    }
}

/// Renders pipeline events: indicatif spinners on a TTY, timestamped lines otherwise.
struct Progress {
    start: Instant,
    bars: Option<(
        indicatif::MultiProgress,
        Mutex<std::collections::HashMap<String, indicatif::ProgressBar>>,
    )>,
}

impl Progress {
    fn new() -> Progress {
        let tty = std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
        Progress {
            start: Instant::now(),
            bars: tty.then(|| {
                (
                    indicatif::MultiProgress::new(),
                    Mutex::new(Default::default()),
                )
            }),
        }
    }

    fn line(&self, msg: &str) {
        let t = self.start.elapsed().as_secs();
        let stamp = format!("[{:02}:{:02}:{:02}]", t / 3600, (t / 60) % 60, t % 60);
        match &self.bars {
            Some((mp, _)) => {
                let _ = mp.println(format!("{stamp} {msg}"));
            }
            None => eprintln!("{stamp} {msg}"),
        }
    }

    fn event(&self, e: &Event) {
        match e {
            Event::RunStarted { report, builds } => self.line(&format!(
                "{} cells, {builds} builds planned",
                report.cells.len()
            )),
            Event::Started { subject, stage } => self.started(subject, *stage),
            Event::Finished {
                subject,
                stage,
                status,
                seconds,
            } => {
                if let Some((_, bars)) = &self.bars {
                    if let Some(pb) = bars
                        .lock()
                        .ok()
                        .and_then(|mut b| b.remove(&format!("{stage}:{subject}")))
                    {
                        pb.finish_and_clear();
                    }
                }
                let stage = stage.word();
                self.line(&format!("{stage:<6} {subject}: {status} ({seconds:.1}s)"));
            }
            Event::Built { .. }
            | Event::Booted { .. }
            | Event::Bisected { .. }
            | Event::Checked { .. }
            | Event::RunFinished { .. }
            | Event::Compared { .. } => {}
        }
    }

    fn started(&self, subject: &str, stage: Stage) {
        let stage_word = stage.word();
        match &self.bars {
            Some((mp, bars)) => {
                let pb = mp.add(indicatif::ProgressBar::new_spinner());
                pb.set_style(
                    indicatif::ProgressStyle::with_template("{spinner} {elapsed:>4} {msg}")
                        .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
                );
                pb.enable_steady_tick(std::time::Duration::from_millis(200));
                pb.set_message(format!("{stage_word:<6} {subject}"));
                if let Ok(mut b) = bars.lock() {
                    b.insert(format!("{stage}:{subject}"), pb);
                }
            }
            None => self.line(&format!("{stage_word:<6} {subject} ...")),
        }
    }
}

/// The run's events, one JSON line each, in `events.jsonl` beside
/// report.json (`harness_orchestrate::matrix::events::replay` reads it back).
struct EventLog {
    file: Mutex<std::io::LineWriter<std::fs::File>>,
    error: Mutex<Option<String>>,
}

impl EventLog {
    fn create(path: &Path) -> anyhow::Result<EventLog> {
        let file =
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
        Ok(EventLog {
            file: Mutex::new(std::io::LineWriter::new(file)),
            error: Mutex::new(None),
        })
    }

    fn event(&self, e: &Event) {
        use std::io::Write;
        let written = serde_json::to_string(e)
            .map_err(|e| e.to_string())
            .and_then(|line| {
                let mut f = self.file.lock().map_err(|_| "lock poisoned".to_owned())?;
                writeln!(f, "{line}").map_err(|e| e.to_string())
            });
        if let (Err(msg), Ok(mut slot)) = (written, self.error.lock()) {
            slot.get_or_insert(msg);
        }
    }
}

/// A stage's word, or nothing when the stage has none.
fn word<T: Word>(status: Option<T>) -> &'static str {
    status.map_or("", T::word)
}

fn print_table(report: &MatrixReport) {
    crate::common::outln!(
        "{:<48} {:<16} {:<8} {:<8} {:<14} {:<6} {}",
        "cell",
        "apply",
        "kconfig",
        "build",
        "boot",
        "tests",
        "verdict"
    );
    let color = crate::common::use_color();
    for c in &report.cells {
        let tests = harness_report::view::flat_tests(c);
        let passed = tests
            .iter()
            .filter(|(_, t)| !matches!(t.status, harness_report::model::TestStatus::Fail))
            .count();
        crate::common::outln!(
            "{:<48} {:<16} {:<8} {:<8} {:<14} {:<6} {}",
            c.id,
            word(c.actual.apply),
            c.kconfig.status.word(),
            word(c.actual.build),
            word(c.actual.boot),
            format!("{passed}/{}", tests.len()),
            if c.as_expected {
                crate::common::paint("as expected", true, color)
            } else {
                crate::common::paint("UNEXPECTED", false, color)
            }
        );
        if !c.as_expected {
            for m in harness_report::view::expectation_mismatches(c) {
                crate::common::outln!("    {m}");
            }
        }
    }
    crate::common::outln!(
        "{} cells: {} as expected, {} unexpected",
        report.summary.cells,
        report.summary.as_expected,
        report.summary.unexpected
    );
}

fn update_latest(results: &Path, run_id: &str) {
    let link = results.join("latest");
    let tmp = results.join(format!(".latest-{}", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    if std::os::unix::fs::symlink(run_id, &tmp).is_ok() {
        let _ = std::fs::rename(&tmp, &link);
    }
}

/// The run `results/latest` names, when it is a complete report of another
/// run: the report and its directory relative to a sibling run directory.
fn latest_complete(results: &Path, run_id: &str) -> Option<(MatrixReport, Option<String>)> {
    let id = std::fs::read_link(results.join("latest")).ok()?;
    let id = id.to_str()?.to_owned();
    if id == run_id || harness_trees::check_name(&id).is_err() {
        return None;
    }
    let report = harness_report::load_report(&results.join(&id).join("report.json")).ok()?;
    report.complete.then(|| (report, Some(format!("../{id}"))))
}

/// `../ID` when the `--compare` baseline is the run directory `ID` (or its
/// report.json) in `results`, so the report can link to it.
fn sibling_dir(results: &Path, baseline: Option<&Path>) -> Option<String> {
    let b = baseline?;
    let dir = if b.is_dir() { b } else { b.parent()? };
    let (dir, results) = (dir.canonicalize().ok()?, results.canonicalize().ok()?);
    (dir.parent()? == results)
        .then(|| dir.file_name()?.to_str().map(|id| format!("../{id}")))
        .flatten()
}

fn load_report(p: &Path) -> anyhow::Result<MatrixReport> {
    let file = if p.is_dir() {
        p.join("report.json")
    } else {
        p.to_owned()
    };
    let text =
        std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
    serde_json::from_str(&text)
        .with_context(|| format!("{}: not a harness.matrix/1 report", file.display()))
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    // make and QEMU run in their own process groups: take them down with us
    // on SIGINT/SIGTERM (the run directory then stays marked incomplete).
    harness_boot::proc_guard::install_signal_cleanup()
        .context("installing SIGINT/SIGTERM cleanup")?;
    let root = project_root()?;
    let (cfg, origin) = load_config(&args, &root)?;
    let shard = match &args.shard {
        Some(s) => Some(harness_report::shard::parse_shard(s).map_err(|e| anyhow::anyhow!("{e}"))?),
        None => None,
    };
    let baseline = match &args.compare {
        Some(p) => {
            let r = load_report(p)?;
            super::report::require_complete(&r, p, args.allow_incomplete)?;
            Some(r)
        }
        None => None,
    };
    let results = match &args.results {
        Some(dir) => dir.clone(),
        None => crate::project::results_dir()?,
    };
    let run_id = args.run_id.clone().unwrap_or_else(new_run_id);
    // The run id is a directory under --results: one path component.
    harness_trees::check_name(&run_id).map_err(|e| anyhow::anyhow!("--run-id: {e}"))?;
    let mut stages = RealStages::new(
        root.clone(),
        cache_dir(),
        cfg.build.clone(),
        cfg.boot.clone(),
    )
    .context("setting up the tree cache")?;
    stages
        .check_config(&cfg)
        .map_err(|e| anyhow::anyhow!("{origin}: {e}"))?;
    let run_dir = results.join(&run_id);
    std::fs::create_dir_all(&run_dir).with_context(|| format!("creating {}", run_dir.display()))?;
    if let Some(s) = &args.sandbox {
        stages.sandbox_override = Some(parse_sandbox(s)?);
    }
    let progress = Progress::new();
    progress.line(&format!(
        "matrix from {origin}; run {run_id} -> {}",
        run_dir.display()
    ));
    let persist_err: Mutex<Option<String>> = Mutex::new(None);
    let persist = |r: &MatrixReport| {
        if let Err(e) = harness_report::write::write_run_dir(&run_dir, r) {
            if let Ok(mut slot) = persist_err.lock() {
                *slot = Some(e.to_string());
            }
        }
    };
    let opts = RunOptions {
        run_id: run_id.clone(),
        run_dir: run_dir.clone(),
        project_root: root.clone(),
        shard,
    };
    let previous = match &baseline {
        Some(b) => Some((b.clone(), sibling_dir(&results, args.compare.as_deref()))),
        None => latest_complete(&results, &run_id),
    };
    let events_path = run_dir.join("events.jsonl");
    let event_log = EventLog::create(&events_path)?;
    let subscribers = |e: &Event| {
        event_log.event(e);
        progress.event(e);
    };
    let mut report = run_matrix(&cfg, &stages, &opts, &subscribers, &persist);
    if let Some(e) = persist_err.lock().ok().and_then(|s| s.clone()) {
        anyhow::bail!("writing the report into {}: {e}", run_dir.display());
    }
    let cmp = previous.map(|(old, dir)| {
        let cmp = harness_report::compare::compare(&old, &report);
        let mut since = cmp.previous_run();
        since.dir = dir;
        // Through the event log too, so a replay gives this report.
        event_log.event(&Event::Compared {
            previous: since.clone(),
        });
        report.previous = Some(since);
        persist(&report);
        let _ = crate::common::write_atomic(
            &run_dir.join("compare.json"),
            serde_json::to_string_pretty(&cmp)
                .unwrap_or_default()
                .as_bytes(),
        );
        cmp
    });
    if let Some(e) = persist_err.lock().ok().and_then(|s| s.clone()) {
        anyhow::bail!("writing the report into {}: {e}", run_dir.display());
    }
    if let Some(e) = event_log.error.lock().ok().and_then(|s| s.clone()) {
        anyhow::bail!("writing {}: {e}", events_path.display());
    }
    update_latest(&results, &run_id);
    let intermittent = super::history::record(&results, &report)?;
    if let Some(dest) = &args.json {
        write_json(dest, &report)?;
    }
    if args.json.as_deref() != Some(Path::new("-")) {
        print_table(&report);
        crate::common::outln!("report: {}", run_dir.join("index.html").display());
    }
    super::history::print(&intermittent, args.json.as_deref() == Some(Path::new("-")));
    let mut outcome = if report.summary.unexpected == 0 {
        Outcome::Ok
    } else {
        Outcome::Failed
    };
    // Only an asked-for baseline (--compare) decides the exit status and
    // prints the changes; the previous run is named in the report only.
    if let (Some(cmp), true) = (cmp, baseline.is_some()) {
        // With `--json -` stdout holds the JSON report alone.
        let json_on_stdout = args.json.as_deref() == Some(Path::new("-"));
        if print_changes(&cmp, json_on_stdout) {
            outcome = Outcome::Failed;
        }
    }
    Ok(outcome)
}

/// Compare with the baseline run: compare.json in the run directory, one
/// line per regression and fix. True when something regressed.
/// Print a comparison's regressions and fixes (to stderr when stdout holds
/// the JSON report); true when it has a regression.
fn print_changes(cmp: &harness_report::compare::Comparison, json_on_stdout: bool) -> bool {
    let lines = cmp
        .regressions
        .iter()
        .map(|r| ("REGRESSION", &r.cell, &r.message))
        .chain(cmp.fixes.iter().map(|f| ("fixed", &f.cell, &f.message)));
    for (what, cell, message) in lines {
        // The message usually names the cell already.
        let line = if message.starts_with(cell.as_str()) {
            format!("{what} {message}")
        } else {
            format!("{what} {cell}: {message}")
        };
        if json_on_stdout {
            eprintln!("{line}");
        } else {
            crate::common::outln!("{line}");
        }
    }
    !cmp.regressions.is_empty()
}
