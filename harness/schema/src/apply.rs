//! The `harness.apply/1` report model (see docs/contract.md).
//! Field names and status strings are part of the contract; extend, never rename.

use serde::{Deserialize, Serialize};

pub const APPLY_SCHEMA: &str = "harness.apply/1";

/// Status of a hunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HunkStatus {
    Applied,
    Failed,
    AlreadyApplied,
    Malformed,
}

/// Status of a file or a patch (aggregate of its hunks).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AggregateStatus {
    Applied,
    Partial,
    Failed,
    AlreadyApplied,
    Malformed,
}

impl HunkStatus {
    pub const ALL: [HunkStatus; 4] = [
        HunkStatus::Applied,
        HunkStatus::Failed,
        HunkStatus::AlreadyApplied,
        HunkStatus::Malformed,
    ];

    /// The contract's word for this status (the same as its JSON form).
    pub fn as_str(self) -> &'static str {
        match self {
            HunkStatus::Applied => "applied",
            HunkStatus::Failed => "failed",
            HunkStatus::AlreadyApplied => "already-applied",
            HunkStatus::Malformed => "malformed",
        }
    }
}

impl AggregateStatus {
    pub const ALL: [AggregateStatus; 5] = [
        AggregateStatus::Applied,
        AggregateStatus::Partial,
        AggregateStatus::Failed,
        AggregateStatus::AlreadyApplied,
        AggregateStatus::Malformed,
    ];

    /// The contract's word for this status (the same as its JSON form).
    pub fn as_str(self) -> &'static str {
        match self {
            AggregateStatus::Applied => "applied",
            AggregateStatus::Partial => "partial",
            AggregateStatus::Failed => "failed",
            AggregateStatus::AlreadyApplied => "already-applied",
            AggregateStatus::Malformed => "malformed",
        }
    }

    /// Every hunk is in the tree (applied now or already).
    pub fn is_done(self) -> bool {
        matches!(
            self,
            AggregateStatus::Applied | AggregateStatus::AlreadyApplied
        )
    }
}

impl std::fmt::Display for HunkStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Display for AggregateStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HunkResult {
    /// 1-based, counted per file (GNU's "Hunk #N").
    pub index: usize,
    pub status: HunkStatus,
    /// Lines; null when not applied.
    pub offset: Option<i64>,
    /// Context lines ignored; null when not applied.
    pub fuzz: Option<usize>,
    /// Line GNU would print ("succeeded at L" / "FAILED at L").
    pub line: Option<usize>,
    /// For malformed hunks: the hunk's line in the patch input (1-based).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub source_line: Option<usize>,
    /// For anything not applied.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub diagnosis: Option<crate::diagnosis::Diagnosis>,
    /// Warnings on applied hunks (e.g. fuzz over generic context).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FileResult {
    /// The path as the engine holds it (bytes that are not UTF-8 kept as
    /// [`crate::pathbytes`] escapes); written to JSON with them as `\xNN`.
    #[serde(serialize_with = "path_for_people")]
    pub path: String,
    /// For renames/copies: the source path.
    #[serde(
        skip_serializing_if = "Option::is_none",
        default,
        serialize_with = "opt_path_for_people"
    )]
    pub old_path: Option<String>,
    pub status: AggregateStatus,
    /// Why the whole file was refused or could not be handled (e.g. path escapes tree).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub reason: Option<String>,
    pub hunks: Vec<HunkResult>,
    /// The 3-way fallback (`harness apply --3way`, as `git am -3`), when it was
    /// tried for this file because a hunk failed: reported apart from the
    /// plain verdicts in `hunks`, which it does not change.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub threeway: Option<ThreewayResult>,
}

/// How the 3-way attempt for one file section ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ThreewayOutcome {
    /// `merged`: clean; the merged file is used from here on.
    Merged,
    /// `conflicts`: merged with conflict markers; needs a human, nothing written.
    Conflicts,
    /// `no-index`: the patch has no `index` line for this file.
    NoIndex,
    /// `blob-not-found`: the old blob is not in the repository.
    BlobNotFound,
    /// `preimage-mismatch`: the section does not apply to its own old blob.
    PreimageMismatch,
}

impl ThreewayOutcome {
    pub const ALL: [ThreewayOutcome; 5] = [
        ThreewayOutcome::Merged,
        ThreewayOutcome::Conflicts,
        ThreewayOutcome::NoIndex,
        ThreewayOutcome::BlobNotFound,
        ThreewayOutcome::PreimageMismatch,
    ];

    /// The kebab-case name used in `harness.apply/1`.
    pub fn as_str(self) -> &'static str {
        match self {
            ThreewayOutcome::Merged => "merged",
            ThreewayOutcome::Conflicts => "conflicts",
            ThreewayOutcome::NoIndex => "no-index",
            ThreewayOutcome::BlobNotFound => "blob-not-found",
            ThreewayOutcome::PreimageMismatch => "preimage-mismatch",
        }
    }
}

impl std::fmt::Display for ThreewayOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How the 3-way fallback ended for one file section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreewayResult {
    pub outcome: ThreewayOutcome,
    /// The abbreviated old blob id from the patch's `index <old>..<new>` line.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub base_blob: Option<String>,
    /// Conflict regions in the merge (0 when merged cleanly).
    pub conflicts: usize,
    pub detail: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PatchResult {
    /// 1-based series position.
    pub index: usize,
    /// The patch's path as the series names it.
    pub name: String,
    pub subject: Option<String>,
    pub status: AggregateStatus,
    pub files: Vec<FileResult>,
    /// Problems with the patch as a whole (no diff found, unparseable parts).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub errors: Vec<String>,
    /// The mail's Message-ID, when the patch came from mail.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub message_id: Option<String>,
    /// The revision (`vN`) the patch came from, when it came from mail.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub revision: Option<u32>,
}

/// Which tree a series was applied to: its name and what pins its content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreeIdentity {
    /// The name in trees.yaml, or the directory as given.
    pub name: String,
    /// `debian`, `tarball`, `git` or `directory`.
    pub kind: String,
    /// False for a plain directory: nothing guarantees what it holds.
    pub pinned: bool,
    /// The pinned package version (`debian`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub version: Option<String>,
    /// sha256 of the pinned source tarball.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub sha256: Option<String>,
    /// The commit: the pin (`git`), or HEAD of a directory that is the top
    /// of a git checkout.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub commit: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ApplyReport {
    pub schema: String,
    pub series: String,
    pub tree: String,
    /// The tree's name and pin (absent when the caller did not know it).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub tree_identity: Option<TreeIdentity>,
    pub fuzz: usize,
    pub status: AggregateStatus,
    pub patches: Vec<PatchResult>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_words_are_the_json_words() {
        // One vocabulary: what the human output prints is what JSON holds.
        for s in HunkStatus::ALL {
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        for s in AggregateStatus::ALL {
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        for s in ThreewayOutcome::ALL {
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
            let back: ThreewayOutcome = serde_json::from_value(s.as_str().into()).unwrap();
            assert_eq!(back, s);
        }
    }
}

fn path_for_people<S: serde::Serializer>(p: &str, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&crate::pathbytes::display(p))
}

fn opt_path_for_people<S: serde::Serializer>(p: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    match p {
        Some(p) => s.serialize_some(&crate::pathbytes::display(p)),
        None => s.serialize_none(),
    }
}
