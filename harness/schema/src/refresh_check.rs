//! `harness.refresh-check/1`: two revisions of a series compared patch by
//! patch on one tree (`harness refresh-check --json`): is the new revision a
//! refresh (only context and positions moved) or a content change, and does
//! a change mirror one in the base.

use crate::apply::{AggregateStatus, FileResult};
use serde::Serialize;

pub const REFRESH_CHECK_SCHEMA: &str = "harness.refresh-check/1";

/// How two patches were paired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PairedBy {
    Number,
    Subject,
    Content,
    /// Same number, but neither subject nor content agree.
    NumberOnly,
}

/// Why a changed line differs between revisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Cause {
    /// The line the patch removes (or its rewrite) follows a change in the
    /// code under the patch (e.g. a call gained an argument in the base).
    MirrorsBase,
    /// A change the base does not explain.
    NewChange,
}

#[derive(Debug, Clone, Serialize)]
pub struct Difference {
    pub file: String,
    /// `added` or `removed`: which kind of changed line differs.
    pub kind: &'static str,
    /// The line in the old revision (null: only in the new one).
    pub old: Option<String>,
    /// The line in the new revision (null: only in the old one).
    pub new: Option<String>,
    pub cause: Cause,
    /// Tokens the change removes / inserts (for paired lines).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tokens_removed: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tokens_inserted: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Change {
    /// Same added and removed lines; only context and positions moved.
    RefreshOnly,
    /// Added or removed lines differ.
    ContentChanged,
    /// Only in the new revision.
    Added,
    /// Only in the old revision.
    Dropped,
}

/// Comparison of two revisions of one patch (pure).
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub change: Change,
    /// Byte-identical diffs (hunks, positions and context).
    pub identical: bool,
    /// The changed lines agree only after whitespace is normalised.
    pub whitespace_only: bool,
    pub differences: Vec<Difference>,
    /// Token rewrites seen in the base between the two preimages.
    pub base_changes: Vec<BaseChange>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BaseChange {
    pub file: String,
    pub old: String,
    pub new: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SideResult {
    pub name: String,
    pub subject: Option<String>,
    pub status: AggregateStatus,
    pub files: Vec<FileResult>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PatchCheck {
    pub number: u32,
    pub title: String,
    pub paired_by: Option<PairedBy>,
    pub old: Option<SideResult>,
    pub new: Option<SideResult>,
    pub change: Change,
    pub identical: bool,
    pub whitespace_only: bool,
    pub differences: Vec<Difference>,
    pub base_changes: Vec<BaseChange>,
    /// One sentence for people.
    pub summary: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SideInfo {
    pub source: String,
    /// Which revision of each patch this side uses.
    pub revision: String,
    pub status: AggregateStatus,
}

/// `harness.refresh-check/1`.
#[derive(Debug, Clone, Serialize)]
pub struct RefreshCheckReport {
    pub schema: String,
    pub tree: String,
    pub old: SideInfo,
    pub new: SideInfo,
    pub patches: Vec<PatchCheck>,
    /// True when the new revision applies fully and no difference is a new change.
    pub ok: bool,
}
