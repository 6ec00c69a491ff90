//! One file section of a patch: names checked, source and target
//! resolved, then run, deleted, or refused.

use super::*;

impl<'a> SeriesApplier<'a> {
    pub(super) fn apply_file(&mut self, p: &PatchInput<'_>, f: &FilePatch) -> FileResult {
        let display = f.display_path();
        let who = format!("patch {} ({})", p.index, p.name);
        if let Some(problem) = &f.problem {
            return self.refused(f, display, format!("{who}: {problem}"));
        }
        // Validate every name the section uses.
        for n in [&f.old_path, &f.new_path].into_iter().flatten() {
            if let Err(e) = check_path(n) {
                return self.refused(f, n.clone(), format!("{who}: {e}"));
            }
        }
        let old = f.old_path.as_deref().and_then(|p| check_path(p).ok());
        let new = f.new_path.as_deref().and_then(|p| check_path(p).ok());
        let (source, target) = match f.op {
            FileOp::Create => {
                let t = new.clone().or(old.clone());
                (t.clone(), t)
            }
            FileOp::Delete => {
                let t = old.clone().or(new.clone());
                (t.clone(), t)
            }
            FileOp::Rename | FileOp::Copy => (old.clone(), new.clone()),
            FileOp::Modify => {
                let t = match (&old, &new) {
                    (Some(a), Some(b)) if a == b => Some(a.clone()),
                    (Some(a), Some(b)) => {
                        let existing: Vec<&str> = [a.as_str(), b.as_str()]
                            .into_iter()
                            .filter(|n| self.exists(n))
                            .collect();
                        best_name(&existing)
                            .or_else(|| best_name(&[a.as_str(), b.as_str()]))
                            .map(str::to_owned)
                    }
                    (a, b) => a.clone().or(b.clone()),
                };
                (t.clone(), t)
            }
        };
        let (Some(source), Some(target)) = (source, target) else {
            return self.refused(
                f,
                display,
                format!("{who}: the section names no usable file"),
            );
        };
        for path in [&source, &target] {
            if let Err(e) = self.path_check(path) {
                return self.refused(f, target.clone(), format!("{who}: {e}"));
            }
        }
        let mut result = FileResult {
            path: target.clone(),
            old_path: (source != target).then(|| source.clone()),
            status: AggregateStatus::Applied,
            reason: None,
            hunks: Vec::new(),
            threeway: None,
        };
        if f.binary {
            result.status = AggregateStatus::Failed;
            result.reason = Some(format!(
                "{who}: binary patch for `{target}` is not supported (use `git apply` for binary files)"
            ));
            self.earlier.record(p.index, &target);
            return result;
        }
        // Git semantics: a rename or copy reads its source as the tree stood
        // before this patch (criss-cross renames, copy after modify).
        let cur = if matches!(f.op, FileOp::Rename | FileOp::Copy) {
            self.original(&source)
        } else {
            self.current(&source)
        };
        let cur = match cur {
            Ok(c) => c,
            Err(e) => return self.refused(f, target, format!("{who}: {e}")),
        };
        if source != target {
            if let Err(e) = self.current(&target) {
                return self.refused(f, target, format!("{who}: {e}"));
            }
        }
        // GNU patch: "File X is not a regular file -- refusing to patch"
        // unless the patch is a git diff (which can carry symlinks).
        if !f.git && cur.as_ref().is_some_and(|c| is_symlink_mode(c.mode)) {
            return self.refused(
                f,
                target,
                format!("{who}: `{source}` is a symlink, not a regular file: refusing to patch it"),
            );
        }
        let new_mode = f.new_mode;
        match f.op {
            FileOp::Create => {
                // GNU patches an existing empty file as if it were missing.
                let cur = cur.filter(|c| !c.bytes.is_empty() || f.hunks.is_empty());
                if let Some(existing) = &cur {
                    let expected: Vec<u8> = f
                        .hunks
                        .iter()
                        .flat_map(|h| h.new_lines().flat_map(|l| l.text.iter().copied()))
                        .collect();
                    if existing.bytes.as_slice() == expected.as_slice()
                        && f.hunks.iter().all(|h| h.malformed.is_none())
                    {
                        result.hunks = f
                            .hunks
                            .iter()
                            .map(|h| simple_hunk(h, HunkStatus::AlreadyApplied, Some(1), None))
                            .collect();
                        result.status = if f.hunks.is_empty() {
                            AggregateStatus::AlreadyApplied
                        } else {
                            aggregate(result.hunks.iter().map(|h| hunk_agg(h.status)))
                        };
                        return result;
                    }
                    let summary = format!(
                        "`{target}` already exists with different content; the patch creates it"
                    );
                    result.status = AggregateStatus::Failed;
                    result.reason = Some(summary.clone());
                    result.hunks = f
                        .hunks
                        .iter()
                        .map(|h| {
                            if h.malformed.is_some() {
                                simple_hunk(h, HunkStatus::Malformed, None, None)
                            } else {
                                simple_hunk(
                                    h,
                                    HunkStatus::Failed,
                                    Some(h.gnu_newfirst()),
                                    Some(Diagnosis::new(Cause::TargetChanged, summary.clone())),
                                )
                            }
                        })
                        .collect();
                    if !f.hunks.is_empty() {
                        result.status = aggregate(result.hunks.iter().map(|h| hunk_agg(h.status)));
                    }
                    self.record_failures(p.index, &result);
                    self.add_reject_all(f, &target);
                    return result;
                }
                self.run_on(
                    p,
                    f,
                    &target,
                    &target,
                    b"",
                    new_mode.or(Some(0o100644)),
                    result,
                )
            }
            FileOp::Delete if cur.is_none() => {
                result.status = AggregateStatus::AlreadyApplied;
                result.reason = Some(format!("`{target}` does not exist: already deleted"));
                result.hunks = f
                    .hunks
                    .iter()
                    .map(|h| simple_hunk(h, HunkStatus::AlreadyApplied, None, None))
                    .collect();
                result
            }
            _ if cur.is_some() && self.onto_existing(p, f, &source, &target) => {
                let what = if f.op == FileOp::Rename {
                    "rename"
                } else {
                    "copy"
                };
                result.old_path = Some(source.clone());
                result.status = AggregateStatus::Failed;
                result.reason = Some(format!(
                    "`{target}` already exists: the {what} from `{source}` would overwrite it (git apply refuses too; GNU patch overwrites it, patches it, or leaves it, depending on the hunks)"
                ));
                let summary = result.reason.clone().unwrap_or_default();
                result.hunks =
                    failed_hunks(f, |_| Diagnosis::new(Cause::TargetChanged, summary.clone()));
                self.record_failures(p.index, &result);
                self.add_reject_all(f, &target);
                result
            }
            _ => {
                let cur = match cur {
                    Some(c) => Some(c),
                    None if source != target => match self.current(&target) {
                        // Rename/copy already done: check the hunks against the target.
                        Ok(Some(t)) => {
                            result.old_path = Some(source.clone());
                            let bytes = t.bytes.clone();
                            let mut r = self.run_on(p, f, &target, &target, &bytes, t.mode, result);
                            if f.hunks.is_empty() && f.op == FileOp::Rename {
                                r.status = AggregateStatus::AlreadyApplied;
                                r.reason = Some(format!(
                                    "rename already done: `{source}` is gone and `{target}` exists"
                                ));
                            }
                            return r;
                        }
                        _ => None,
                    },
                    None => None,
                };
                match cur {
                    // GNU: a missing file whose first hunk has an empty old
                    // side at line 0 (`@@ -0,0`) is created.
                    None if creates_missing(f) => self.run_on(
                        p,
                        f,
                        &target,
                        &target,
                        b"",
                        new_mode.or(Some(0o100644)),
                        result,
                    ),
                    None => {
                        let summary = format!("`{source}` does not exist in the tree");
                        let lookup = self.overlay();
                        let diagnoser = FileDiagnoser::new(None, &lookup);
                        result.hunks = failed_hunks(f, |h| {
                            let first = h.gnu_first() as i64;
                            let d =
                                diagnose_with(&diagnoser, &self.earlier, h, &source, first, None);
                            if d.cause == Cause::Unknown {
                                Diagnosis::new(Cause::FileMissing, summary.clone())
                            } else {
                                d
                            }
                        });
                        result.status = if f.hunks.is_empty() {
                            AggregateStatus::Failed
                        } else {
                            aggregate(result.hunks.iter().map(|h| hunk_agg(h.status)))
                        };
                        result.reason = Some(format!("{who}: {summary}"));
                        self.record_failures(p.index, &result);
                        if f.hunks.is_empty() {
                            self.earlier.record(p.index, &source);
                        }
                        self.add_reject_all(f, &target);
                        result
                    }
                    Some(c) => {
                        let mode = new_mode.or(c.mode);
                        let bytes = c.bytes.clone();
                        self.run_on(p, f, &source, &target, &bytes, mode, result)
                    }
                }
            }
        }
    }

    /// A deletion: the file goes when nothing of it remains and every hunk
    /// is in; otherwise it stays (with the hunks that applied) and the
    /// section fails, as GNU's "Not deleting file X as content differs from
    /// patch" (exit 1).
    pub(super) fn finish_delete(
        &mut self,
        target: &str,
        output: Vec<u8>,
        applied: bool,
        result: &mut FileResult,
    ) {
        let all_in = result
            .hunks
            .iter()
            .all(|h| matches!(h.status, HunkStatus::Applied | HunkStatus::AlreadyApplied));
        if output.is_empty() && all_in {
            self.set_change(target, FileChange::Delete);
            return;
        }
        if applied {
            let mode = self.current(target).ok().flatten().and_then(|f| f.mode);
            self.set_change(
                target,
                FileChange::Write {
                    bytes: Arc::new(output),
                    mode,
                },
            );
        }
        if all_in {
            result.status = AggregateStatus::Failed;
            result.reason = Some(format!(
                "not deleting `{target}`: content remains after the patch (it differs from what \
                 the patch deletes)"
            ));
        }
    }

    pub(super) fn add_reject_all(&mut self, f: &FilePatch, target: &str) {
        let mut rej = Vec::new();
        for h in f.hunks.iter().filter(|h| h.malformed.is_none()) {
            if rej.is_empty() {
                rej.extend_from_slice(&reject_header(f));
            }
            rej.extend_from_slice(&reject_hunk(h, 0));
        }
        if !rej.is_empty() {
            self.changes
                .rejects
                .entry(target.to_owned())
                .or_default()
                .extend_from_slice(&rej);
        }
    }

    /// The tree as the series has left it so far, for diagnoses.
    pub(super) fn overlay(&self) -> OverlayLookup<'_> {
        OverlayLookup {
            base: self.lookup,
            files: &self.changes.files,
        }
    }

    pub(super) fn record_failures(&mut self, index: usize, r: &FileResult) {
        if r.hunks.iter().any(|h| h.status == HunkStatus::Failed) {
            self.earlier.record(index, &r.path);
        }
    }
}
