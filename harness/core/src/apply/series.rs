//! The series applier's state: the overlay of changes, reads through it,
//! the patch loop and the final report.

use super::*;

impl<'a> SeriesApplier<'a> {
    pub fn new(base: &'a dyn BaseTree, lookup: &'a dyn TreeLookup, opts: ApplyOptions) -> Self {
        SeriesApplier {
            base,
            lookup,
            opts,
            changes: Changes::default(),
            placements: Vec::new(),
            earlier: EarlierFailures::default(),
            patches: Vec::new(),
            pre_patch: BTreeMap::new(),
            written: BTreeSet::new(),
        }
    }

    /// Record a change of `path`, remembering what it held before this patch.
    pub(super) fn set_change(&mut self, path: &str, change: FileChange) {
        if !self.pre_patch.contains_key(path) {
            let prev = self.changes.files.get(path).cloned();
            self.pre_patch.insert(path.to_owned(), prev);
        }
        if matches!(change, FileChange::Write { .. }) {
            self.written.insert(path.to_owned());
        } else {
            self.written.remove(path);
        }
        self.changes.files.insert(path.to_owned(), change);
    }

    /// `path` as it stood before the current patch.
    pub(super) fn original(&self, path: &str) -> Result<Option<BaseFile>, String> {
        match self.pre_patch.get(path) {
            Some(Some(FileChange::Write { bytes, mode })) => Ok(Some(BaseFile {
                bytes: bytes.clone(),
                mode: *mode,
            })),
            Some(Some(FileChange::Delete)) => Ok(None),
            Some(None) => self.base.read(path),
            None => self.current(path),
        }
    }

    /// Current content of `path` (overlay, then base).
    pub(super) fn current(&self, path: &str) -> Result<Option<BaseFile>, String> {
        match self.changes.files.get(path) {
            Some(FileChange::Write { bytes, mode }) => Ok(Some(BaseFile {
                bytes: bytes.clone(),
                mode: *mode,
            })),
            Some(FileChange::Delete) => Ok(None),
            None => self.base.read(path),
        }
    }

    pub(super) fn exists(&self, path: &str) -> bool {
        matches!(self.current(path), Ok(Some(_)))
    }

    /// Whether `path` may be read and written: every directory on the way
    /// must be a directory, never a symlink (in the tree or made by the
    /// series), so the verdict refuses exactly what the writer would.
    pub(super) fn path_check(&self, path: &str) -> Result<(), String> {
        let comps: Vec<&str> = path.split('/').collect();
        let mut base_valid = true;
        for i in 1..comps.len() {
            let prefix = comps[..i].join("/");
            let kind = match self.changes.files.get(&prefix) {
                Some(FileChange::Write { mode, .. }) if is_symlink_mode(*mode) => {
                    Some(EntryKind::Symlink)
                }
                Some(FileChange::Write { .. }) => Some(EntryKind::File),
                Some(FileChange::Delete) => {
                    base_valid = false;
                    None
                }
                None if base_valid => self.base.entry(&prefix),
                None => None,
            };
            match kind {
                None | Some(EntryKind::Dir) => {}
                Some(EntryKind::Symlink) => {
                    return Err(format!(
                        "path `{path}` goes through symlink `{prefix}` (the harness never \
                         follows a symlink when patching)"
                    ))
                }
                Some(_) => {
                    return Err(format!("path `{path}`: `{prefix}` is not a directory"));
                }
            }
        }
        Ok(())
    }

    /// Content of `path` as the series has left it so far (None when it does
    /// not exist or cannot be read).
    pub fn content(&self, path: &str) -> Option<Arc<Vec<u8>>> {
        self.current(path).ok().flatten().map(|f| f.bytes)
    }

    /// Replace the content of `path` from here on (used by the orchestration
    /// layer's 3-way fallback for a clean merge); keeps the file's mode.
    pub fn replace_content(&mut self, path: &str, bytes: Vec<u8>) {
        let mode = self.current(path).ok().flatten().and_then(|f| f.mode);
        self.set_change(
            path,
            FileChange::Write {
                bytes: Arc::new(bytes),
                mode,
            },
        );
    }

    /// The result of the patch applied last, to attach what the caller
    /// learned afterwards (e.g. 3-way outcomes).
    pub fn last_patch_mut(&mut self) -> Option<&mut PatchResult> {
        self.patches.last_mut()
    }

    /// Apply one patch on top of everything applied so far; returns its result
    /// (also kept for the final report).
    pub fn apply_patch(&mut self, p: &PatchInput<'_>) -> PatchResult {
        self.pre_patch.clear();
        self.written.clear();
        self.earlier.begin_patch(p.index, p.subject);
        let mut files = Vec::new();
        for f in &p.parsed.files {
            files.push(self.apply_file(p, f));
        }
        let mut errors = p.parsed.errors.clone();
        let status = if files.is_empty() {
            if errors.is_empty() {
                errors.push("no file changes in the patch".into());
            }
            AggregateStatus::Malformed
        } else {
            aggregate(files.iter().map(|f| f.status))
        };
        let r = PatchResult {
            index: p.index,
            name: p.name.to_owned(),
            subject: p.subject.map(str::to_owned),
            status,
            files,
            errors,
            message_id: None,
            revision: None,
        };
        self.patches.push(r.clone());
        r
    }

    /// The report and everything changed.
    pub fn finish(self, series: &str, tree: &str) -> SeriesOutcome {
        let status = aggregate(self.patches.iter().map(|p| p.status));
        SeriesOutcome {
            report: ApplyReport {
                schema: APPLY_SCHEMA.to_owned(),
                series: series.to_owned(),
                tree: tree.to_owned(),
                tree_identity: None,
                fuzz: self.opts.max_fuzz,
                status,
                patches: self.patches,
            },
            changes: self.changes,
            placements: self.placements,
        }
    }

    /// A rename or copy onto a file that exists and that the patch does not
    /// move away or delete (criss-cross renames do).
    pub(super) fn onto_existing(
        &self,
        p: &PatchInput<'_>,
        f: &FilePatch,
        source: &str,
        target: &str,
    ) -> bool {
        let vacated = p.parsed.files.iter().any(|o| {
            matches!(o.op, FileOp::Rename | FileOp::Delete) && o.old_path.as_deref() == Some(target)
        });
        matches!(f.op, FileOp::Rename | FileOp::Copy)
            && source != target
            && !vacated
            && matches!(self.current(target), Ok(Some(_)))
    }

    pub(super) fn refused(&self, f: &FilePatch, path: String, reason: String) -> FileResult {
        FileResult {
            path,
            old_path: None,
            status: AggregateStatus::Malformed,
            reason: Some(reason.clone()),
            hunks: f
                .hunks
                .iter()
                .map(|h| HunkResult {
                    index: h.index,
                    status: HunkStatus::Malformed,
                    offset: None,
                    fuzz: None,
                    line: None,
                    source_line: Some(h.source_line),
                    diagnosis: Some(Diagnosis::new(Cause::Malformed, reason.clone())),
                    warnings: Vec::new(),
                })
                .collect(),
            threeway: None,
        }
    }
}
