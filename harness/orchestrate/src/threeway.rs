//! 3-way fallback, as `git am -3`: when a patch's file section carries an
//! `index <old>..<new>` line whose old blob is in a repository, rebuild the
//! preimage from that blob, apply the section there (it applies exactly: it was
//! made from that blob), and merge the result into the current file with
//! libgit2's file merge. Reported separately from plain applies.
//!
//! The merge runs in a scratch bare repository so the user's repository is
//! only read.

use std::collections::BTreeMap;
use std::path::Path;

use git2::{IndexEntry, IndexTime, MergeFileOptions, ObjectType, Oid, Repository};
use harness_core::apply::{apply_series, ApplyOptions, MemTree, PatchInput, SeriesApplier};
use harness_core::patch::{FilePatch, ParsedPatch};
pub use harness_core::report::ThreewayOutcome;
use harness_core::report::{HunkStatus, ThreewayResult};
use serde::Serialize;

/// The 3-way result for one file section.
#[derive(Debug, Clone, Serialize)]
pub struct ThreewayFile {
    pub path: String,
    /// The abbreviated old blob id from the patch (`index <old>..`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_blob: Option<String>,
    pub outcome: ThreewayOutcome,
    /// Number of conflict regions in `merged`.
    pub conflicts: usize,
    /// Merged content (with conflict markers when `conflicts` > 0).
    #[serde(skip)]
    pub merged: Option<Vec<u8>>,
    pub detail: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ThreewayError {
    #[error("{path}: cannot open git repository: {source}")]
    Open {
        path: String,
        #[source]
        source: git2::Error,
    },
    #[error("creating a scratch repository for the merge: {0}")]
    Scratch(String),
}

/// `index <old>..<new>` lines of a patch text, keyed by the `b/` path of the
/// `diff --git` line they follow (after stripping `strip` components).
pub fn index_lines(patch: &[u8], strip: usize) -> BTreeMap<String, (String, String)> {
    let text = String::from_utf8_lossy(patch);
    let mut out = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("diff --git ") {
            // `a/x b/x`: take the second name (no spaces in kernel paths).
            current = rest
                .split_whitespace()
                .nth(1)
                .map(|b| b.split('/').skip(strip).collect::<Vec<_>>().join("/"));
        } else if let Some(rest) = line.strip_prefix("index ") {
            if let (Some(path), Some(ids)) = (&current, rest.split_whitespace().next()) {
                if let Some((a, b)) = ids.split_once("..") {
                    out.insert(path.clone(), (a.to_owned(), b.to_owned()));
                }
            }
        } else if line.starts_with("@@") {
            current = None;
        }
    }
    out
}

/// The 3-way machinery over one repository.
pub struct Threeway {
    repo: Repository,
    scratch_dir: tempfile::TempDir,
    scratch: Repository,
}

impl Threeway {
    /// Open the repository holding the blobs (often the tree itself).
    pub fn open(repo: &Path) -> Result<Self, ThreewayError> {
        let r = Repository::discover(repo).map_err(|source| ThreewayError::Open {
            path: repo.display().to_string(),
            source,
        })?;
        let scratch_dir = tempfile::tempdir().map_err(|e| ThreewayError::Scratch(e.to_string()))?;
        let scratch = Repository::init_bare(scratch_dir.path())
            .map_err(|e| ThreewayError::Scratch(e.to_string()))?;
        Ok(Threeway {
            repo: r,
            scratch_dir,
            scratch,
        })
    }

    /// Where the scratch repository lives (removed on drop).
    pub fn scratch_path(&self) -> &Path {
        self.scratch_dir.path()
    }

    fn blob(&self, abbrev: &str) -> Option<Vec<u8>> {
        if abbrev.chars().all(|c| c == '0') {
            return Some(Vec::new());
        }
        let obj = self
            .repo
            .find_object_by_prefix(abbrev, Some(ObjectType::Blob))
            .ok()?;
        obj.as_blob().map(|b| b.content().to_vec())
    }

    /// Try the 3-way fallback for `section` (whose `index` old id is
    /// `base_blob`) against `current`, the file as it stands now.
    pub fn merge_section(
        &self,
        path: &str,
        base_blob: Option<&str>,
        section: &FilePatch,
        current: &[u8],
    ) -> ThreewayFile {
        let mut r = ThreewayFile {
            path: path.to_owned(),
            base_blob: base_blob.map(str::to_owned),
            outcome: ThreewayOutcome::NoIndex,
            conflicts: 0,
            merged: None,
            detail: String::new(),
        };
        let Some(abbrev) = base_blob else {
            r.detail = "the patch has no `index` line for this file".into();
            return r;
        };
        let Some(base) = self.blob(abbrev) else {
            r.outcome = ThreewayOutcome::BlobNotFound;
            r.detail = format!("blob {abbrev} is not in the repository");
            return r;
        };
        // Apply the section to its own preimage (fuzz 0: it was made from it).
        let mut mem = MemTree::default();
        mem.files.insert(path.to_owned(), base.clone());
        let mut single = section.clone();
        single.old_path = Some(path.to_owned());
        single.new_path = Some(path.to_owned());
        let parsed = ParsedPatch {
            files: vec![single],
            errors: Vec::new(),
        };
        let input = PatchInput {
            index: 1,
            name: "3-way",
            subject: None,
            parsed: &parsed,
        };
        let out = apply_series(
            &mem,
            &mem,
            "3-way",
            "blob",
            &[input],
            ApplyOptions { max_fuzz: 0 },
        );
        let all_applied = out
            .report
            .patches
            .iter()
            .flat_map(|p| &p.files)
            .flat_map(|f| &f.hunks)
            .all(|h| h.status == HunkStatus::Applied);
        let theirs = match out.changes.files.get(path) {
            Some(harness_core::apply::FileChange::Write { bytes, .. }) if all_applied => {
                bytes.to_vec()
            }
            _ => {
                r.outcome = ThreewayOutcome::PreimageMismatch;
                r.detail = format!("the patch does not apply exactly to blob {abbrev}");
                return r;
            }
        };
        match self.merge3(path, &base, current, &theirs) {
            Ok((merged, clean)) => {
                let conflicts = merged
                    .split(|&b| b == b'\n')
                    .filter(|l| l.starts_with(b"<<<<<<<"))
                    .count();
                r.conflicts = conflicts;
                r.outcome = if clean && conflicts == 0 {
                    ThreewayOutcome::Merged
                } else {
                    ThreewayOutcome::Conflicts
                };
                r.detail = if r.outcome == ThreewayOutcome::Merged {
                    format!("merged cleanly from base blob {abbrev}")
                } else {
                    format!("{conflicts} conflict region(s) merging from base blob {abbrev}")
                };
                r.merged = Some(merged);
            }
            Err(e) => {
                r.outcome = ThreewayOutcome::Conflicts;
                r.detail = format!("merge failed: {e}");
            }
        }
        r
    }

    fn entry(&self, path: &str, content: &[u8]) -> Result<IndexEntry, git2::Error> {
        let id: Oid = self.scratch.blob(content)?;
        Ok(IndexEntry {
            ctime: IndexTime::new(0, 0),
            mtime: IndexTime::new(0, 0),
            dev: 0,
            ino: 0,
            mode: 0o100644,
            uid: 0,
            gid: 0,
            file_size: content.len() as u32,
            id,
            flags: 0,
            flags_extended: 0,
            path: path.as_bytes().to_vec(),
        })
    }

    /// libgit2's file merge of base/ours/theirs: (content, automergeable).
    fn merge3(
        &self,
        path: &str,
        base: &[u8],
        ours: &[u8],
        theirs: &[u8],
    ) -> Result<(Vec<u8>, bool), git2::Error> {
        let a = self.entry(path, base)?;
        let o = self.entry(path, ours)?;
        let t = self.entry(path, theirs)?;
        let mut opts = MergeFileOptions::new();
        opts.ancestor_label("base")
            .our_label("tree")
            .their_label("patch");
        let res = self
            .scratch
            .merge_file_from_index(&a, &o, &t, Some(&mut opts))?;
        Ok((res.content().to_vec(), res.is_automergeable()))
    }
}

impl ThreewayFile {
    /// The report's view of this result.
    pub fn to_result(&self) -> ThreewayResult {
        ThreewayResult {
            outcome: self.outcome,
            base_blob: self.base_blob.clone(),
            conflicts: self.conflicts,
            detail: self.detail.clone(),
        }
    }
}

/// [`crate::apply::apply_series_to_dir`] with the 3-way fallback, as `git am -3`:
/// for every file where a hunk fails, rebuild the patch's preimage from the
/// `index` blob found in `repo` and merge. A clean merge becomes the file's
/// content from then on (later patches apply on top of it, `--into` writes
/// it); a conflicted one changes nothing. The plain verdicts stay as they
/// are; the outcome is in `files[].threeway`.
pub fn apply_series_with_threeway(
    series: &harness_ingest::Series,
    tree: &Path,
    opts: crate::apply::Options,
    repo: &Path,
) -> anyhow::Result<crate::apply::ApplyOutcome> {
    use anyhow::Context;
    let tw = Threeway::open(repo).with_context(|| {
        format!(
            "--3way needs a git repository holding the patches' `index` blobs; \
             pass one with --repo (looked at {})",
            repo.display()
        )
    })?;
    let dir = crate::apply::DirTree::new(tree)?;
    let parsed = crate::apply::parse_series(series, opts.strip);
    let mut a = SeriesApplier::new(&dir, &dir, opts.apply);
    for (p, parsed) in series.patches.iter().zip(&parsed) {
        let input = PatchInput {
            index: p.index,
            name: &p.name,
            subject: p.subject.as_deref(),
            parsed,
        };
        // Each section's file as it stands before this patch.
        let before: BTreeMap<String, std::sync::Arc<Vec<u8>>> = parsed
            .files
            .iter()
            .flat_map(|f| [f.old_path.clone(), f.new_path.clone()])
            .flatten()
            .filter_map(|path| a.content(&path).map(|c| (path, c)))
            .collect();
        let result = a.apply_patch(&input);
        // The patch text is scanned for `index` lines only when a file failed.
        let mut ids = None;
        let mut outcomes = Vec::new();
        for (i, (fr, section)) in result.files.iter().zip(&parsed.files).enumerate() {
            if !fr.hunks.iter().any(|h| h.status == HunkStatus::Failed) {
                continue;
            }
            let source = fr.old_path.as_deref().unwrap_or(&fr.path);
            let Some(current) = before.get(source) else {
                continue; // a missing file has nothing to merge into
            };
            let ids =
                ids.get_or_insert_with(|| index_lines(&p.content, opts.strip.unwrap_or(p.strip)));
            let base = ids.get(&fr.path).map(|(old, _)| old.as_str());
            let merged = tw.merge_section(&fr.path, base, section, current);
            if merged.outcome == ThreewayOutcome::Merged {
                if let Some(bytes) = &merged.merged {
                    a.replace_content(&fr.path, bytes.clone());
                }
            }
            outcomes.push((i, merged.to_result()));
        }
        if let Some(last) = a.last_patch_mut() {
            for (i, r) in outcomes {
                if let Some(f) = last.files.get_mut(i) {
                    f.threeway = Some(r);
                }
            }
        }
    }
    let mut outcome = a.finish(&series.name, &tree.display().to_string());
    crate::apply::mark_origins(&mut outcome.report, series);
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_git::git;
    use harness_core::parse::parse_patch;

    #[test]
    fn threeway_merges_a_patch_whose_context_changed() {
        // v1 -> patch made with `git diff` (carries index ids); upstream then
        // rewrote the last context line of the hunk (f), so the patch's
        // context no longer matches exactly, but a 3-way merge (like
        // `git am -3`) is clean: the changes are two lines apart.
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        git(d, &["init", "-q"]);
        let v1 = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n";
        std::fs::write(d.join("f.txt"), v1).expect("write");
        git(d, &["add", "f.txt"]);
        git(d, &["commit", "-q", "-m", "v1"]);
        std::fs::write(d.join("f.txt"), v1.replace("c\n", "C-patched\n")).expect("write");
        let patch = git(d, &["diff"]);
        assert!(patch.contains("\nindex "), "{patch}");
        git(d, &["checkout", "-q", "f.txt"]);
        // Upstream: d and e rewritten (inside the patch's trailing context).
        let upstream = v1.replace("f\n", "F-up\n");
        std::fs::write(d.join("f.txt"), &upstream).expect("write");
        git(d, &["commit", "-q", "-am", "upstream"]);

        let parsed = parse_patch(patch.as_bytes(), 1);
        let ids = index_lines(patch.as_bytes(), 1);
        let (old, _) = ids.get("f.txt").expect("index line for f.txt");
        let tw = Threeway::open(d).expect("open");
        let f = parsed.files.first().expect("one file");
        let r = tw.merge_section("f.txt", Some(old), f, upstream.as_bytes());
        assert_eq!(r.outcome, ThreewayOutcome::Merged, "{r:?}");
        // Expected: what `git merge-file` gives, both changes kept.
        assert_eq!(
            String::from_utf8_lossy(r.merged.as_deref().unwrap_or_default()),
            "a\nb\nC-patched\nd\ne\nF-up\ng\nh\ni\nj\n"
        );
    }

    #[test]
    fn threeway_reports_conflicts_and_missing_blobs() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        git(d, &["init", "-q"]);
        std::fs::write(d.join("f.txt"), "a\nb\nc\n").expect("write");
        git(d, &["add", "f.txt"]);
        git(d, &["commit", "-q", "-m", "v1"]);
        std::fs::write(d.join("f.txt"), "a\nB-patch\nc\n").expect("write");
        let patch = git(d, &["diff"]);
        let parsed = parse_patch(patch.as_bytes(), 1);
        let ids = index_lines(patch.as_bytes(), 1);
        let (old, _) = ids.get("f.txt").expect("index");
        let tw = Threeway::open(d).expect("open");
        let f = parsed.files.first().expect("file");
        // The tree changed the same line differently: a conflict.
        let r = tw.merge_section("f.txt", Some(old), f, b"a\nB-tree\nc\n");
        assert_eq!(r.outcome, ThreewayOutcome::Conflicts, "{r:?}");
        assert_eq!(r.conflicts, 1);
        // An id that is not in the repository.
        let r = tw.merge_section("f.txt", Some("1234567"), f, b"a\nb\nc\n");
        assert_eq!(r.outcome, ThreewayOutcome::BlobNotFound);
    }
}
