//! Typed events of a matrix run and their two subscribers: the report
//! writer ([`ReportWriter`], which builds report.json from the events
//! alone) and whatever the caller attaches (the CLI's progress display and
//! its `events.jsonl` log). Because the report is a fold over the events,
//! a run's `events.jsonl` replayed ([`replay`]) gives its report again.

use super::cells::{self, Baselines, BuildRecord};
use super::stages::Stage;
use harness_report::model::{AggregateStatus, BootReport, BootStatus, MatrixReport, StageStatus};
use harness_report::status::Word;
use serde::{Deserialize, Serialize};

/// How a stage ended, in its own words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// A tree was resolved (true) or not.
    Fetch(bool),
    Apply(AggregateStatus),
    Build(StageStatus),
    Boot(BootStatus),
    /// The stage could not run (its error is in the report).
    Error,
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Status::Fetch(true) => "ok",
            Status::Fetch(false) => "failed",
            Status::Apply(s) => s.word(),
            Status::Build(s) => s.word(),
            Status::Boot(s) => s.word(),
            Status::Error => "error",
        })
    }
}

/// One event of a run, one line of `events.jsonl`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum Event {
    /// Trees resolved and series applied: the report as the run starts,
    /// and how many builds will follow.
    RunStarted {
        report: Box<MatrixReport>,
        builds: usize,
    },
    /// `stage` started on `subject` (a tree, `series@tree`, `unit:config`).
    Started { subject: String, stage: Stage },
    Finished {
        subject: String,
        stage: Stage,
        status: Status,
        seconds: f64,
    },
    /// A build's results for the cells (by id) it serves. `baseline`: the
    /// (tree, config) whose base-tree warnings these are.
    Built {
        cells: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        baseline: Option<(String, String)>,
        record: Box<BuildRecord>,
    },
    /// checkpatch's results for the cells (one series and tree) it serves.
    Checked {
        cells: Vec<String>,
        checkpatch: Box<harness_report::model::CellCheckpatch>,
        /// The command line that runs it again (kept for a failure).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reproduce: Option<String>,
    },
    /// A per-patch walk's results for the cells it serves.
    Bisected {
        cells: Vec<String>,
        bisect: Box<harness_report::model::CellBisect>,
    },
    /// A boot's results for the cells it serves.
    Booted {
        cells: Vec<String>,
        report: Box<BootReport>,
        /// The command line that runs this boot again (kept for a failure).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reproduce: Option<String>,
    },
    /// Every stage is done (`finished`: when).
    RunFinished { finished: String },
    /// After the run: the previous run it was compared with and the
    /// changes since (the CLI compares; the report names it).
    Compared {
        previous: harness_report::model::PreviousRun,
    },
}

/// The report subscriber: the report is what the events say, kept on disk
/// through `persist` after every change.
pub struct ReportWriter<'a> {
    report: Option<MatrixReport>,
    baselines: Baselines,
    persist: &'a (dyn Fn(&MatrixReport) + Sync + 'a),
}

impl<'a> ReportWriter<'a> {
    pub fn new(persist: &'a (dyn Fn(&MatrixReport) + Sync + 'a)) -> Self {
        ReportWriter {
            report: None,
            baselines: Baselines::new(),
            persist,
        }
    }

    /// Take in one event.
    pub fn on(&mut self, event: &Event) {
        if let Event::RunStarted { report, .. } = event {
            self.report = Some((**report).clone());
        }
        let Some(report) = self.report.as_mut() else {
            return;
        };
        match event {
            Event::Built {
                cells,
                baseline,
                record,
            } => {
                if let Some(key) = baseline.clone() {
                    self.baselines.insert(key, record.build.warnings.clone());
                }
                cells::record_build(report, cells, record);
            }
            Event::Booted {
                cells,
                report: rep,
                reproduce,
            } => cells::record_boot(report, cells, rep, reproduce.as_deref()),
            Event::Bisected { cells, bisect } => cells::record_bisect(report, cells, bisect),
            Event::Checked {
                cells,
                checkpatch,
                reproduce,
            } => cells::record_checkpatch(report, cells, checkpatch, reproduce.as_deref()),
            Event::RunFinished { finished } => {
                cells::mark_new_warnings(report, &self.baselines);
                report.finished = Some(finished.clone());
                report.complete = true;
            }
            Event::Compared { previous } => report.previous = Some(previous.clone()),
            Event::RunStarted { .. } => {}
            Event::Started { .. } | Event::Finished { .. } => return,
        }
        cells::finalize_summary(report);
        (self.persist)(report);
    }

    /// The report so far (none before the run started).
    pub fn into_report(self) -> Option<MatrixReport> {
        self.report
    }
}

/// An error reading an `events.jsonl`.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error("line {line}: {source}")]
    Parse {
        line: usize,
        source: serde_json::Error,
    },
    #[error("reading line {line}: {source}")]
    Read { line: usize, source: std::io::Error },
    #[error("no run-started event")]
    NotStarted,
}

/// The report a run's `events.jsonl` describes.
pub fn replay(events: impl std::io::BufRead) -> Result<MatrixReport, ReplayError> {
    let ignore = |_: &MatrixReport| {};
    let mut writer = ReportWriter::new(&ignore);
    for (i, line) in events.lines().enumerate() {
        let line = line.map_err(|source| ReplayError::Read {
            line: i + 1,
            source,
        })?;
        if line.trim().is_empty() {
            continue;
        }
        let e: Event = serde_json::from_str(&line).map_err(|source| ReplayError::Parse {
            line: i + 1,
            source,
        })?;
        writer.on(&e);
    }
    writer.into_report().ok_or(ReplayError::NotStarted)
}
