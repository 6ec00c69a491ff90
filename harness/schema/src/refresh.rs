//! `harness.refresh/1`: a series rewritten for a new base (`harness refresh
//! --json`, `<out>/refresh.json`): each patch's new text and what was left out.

use crate::apply::{ApplyReport, HunkStatus};
use serde::Serialize;

pub const REFRESH_SCHEMA: &str = "harness.refresh/1";

/// A hunk that is not carried into the refreshed patch.
#[derive(Debug, Clone, Serialize)]
pub struct LeftOut {
    pub path: String,
    /// Hunk number within the file (GNU's "Hunk #N").
    pub hunk: usize,
    /// `failed`, `malformed` or `already-applied`.
    pub status: HunkStatus,
    /// Line where it was expected (failed) or found (already applied).
    pub line: Option<usize>,
    /// Diagnosis cause (kebab-case) and summary, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub summary: String,
    /// Where the hunk text went (`.rej` file relative to the output dir), if anywhere.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rej: Option<String>,
}

/// One patch of the refreshed series.
#[derive(Debug, Clone, Serialize)]
pub struct RefreshedPatch {
    pub index: usize,
    pub name: String,
    /// Hunks carried over, and how many of them moved (offset or fuzz).
    pub kept: usize,
    pub moved: usize,
    /// Hunks not carried over (rejected, malformed, already applied).
    pub left_out: Vec<LeftOut>,
    /// File sections dropped whole or refused, with the reason.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub file_notes: Vec<String>,
    /// False when nothing of the patch is left (it is commented out in `series`).
    pub in_series: bool,
    #[serde(skip)]
    pub text: Vec<u8>,
    #[serde(skip)]
    pub rej: Vec<u8>,
    #[serde(skip)]
    pub strip: usize,
}

/// The refreshed series, before it is written.
#[derive(Debug, Clone, Serialize)]
pub struct RefreshOutcome {
    pub schema: String,
    pub series: String,
    pub tree: String,
    pub patches: Vec<RefreshedPatch>,
    /// The apply report the refresh was computed from.
    #[serde(skip)]
    pub report: ApplyReport,
}

impl RefreshOutcome {
    /// Every hunk not carried over with status `failed` or `malformed`.
    pub fn rejected(&self) -> impl Iterator<Item = (&RefreshedPatch, &LeftOut)> {
        self.patches.iter().flat_map(|p| {
            p.left_out
                .iter()
                .filter(|l| l.status != HunkStatus::AlreadyApplied)
                .map(move |l| (p, l))
        })
    }
}
