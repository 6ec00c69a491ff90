//! The hunks of one file run on its content: verdicts, diagnoses,
//! warnings, placements and the change recorded.

use super::*;

impl<'a> SeriesApplier<'a> {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn run_on(
        &mut self,
        p: &PatchInput<'_>,
        f: &FilePatch,
        source: &str,
        target: &str,
        content: &[u8],
        mode: Option<u32>,
        mut result: FileResult,
    ) -> FileResult {
        let mut run = run_hunks(f, content, self.opts.max_fuzz);
        // The file as lines, for diagnoses and fuzz warnings.
        let content_lines = std::mem::take(&mut run.lines);
        let needs_lines = f.hunks.iter().zip(&run.verdicts).any(|(h, v)| {
            v.status == HunkStatus::Failed
                || v.fuzz.is_some_and(|f| f > 0)
                || (v.status == HunkStatus::Applied
                    && v.old_start as i64 != v.expected
                    && may_be_look_alike(h, &content_lines, v.old_start, v.expected))
        });
        let file_strs: Option<Vec<String>> = needs_lines.then(|| to_strs(&content_lines));
        let file_refs: Option<Vec<&str>> = file_strs
            .as_ref()
            .map(|v| v.iter().map(String::as_str).collect());
        // Field by field (not `self.overlay()`): the loop below records
        // into `self.earlier` and `self.placements` while it is borrowed.
        let lookup = OverlayLookup {
            base: self.lookup,
            files: &self.changes.files,
        };
        // Built at the first failed hunk, for all of them.
        let mut diagnoser: Option<FileDiagnoser<'_>> = None;
        for (h, v) in f.hunks.iter().zip(run.verdicts) {
            let mut hr = HunkResult {
                index: h.index,
                status: v.status,
                offset: v.offset,
                fuzz: v.fuzz,
                line: v.line,
                source_line: None,
                diagnosis: None,
                warnings: v.warnings,
            };
            match v.status {
                HunkStatus::Malformed => {
                    hr.source_line = Some(h.source_line);
                    hr.line = None;
                    hr.diagnosis = Some(Diagnosis::new(
                        Cause::Malformed,
                        h.malformed
                            .clone()
                            .unwrap_or_else(|| "malformed hunk".into()),
                    ));
                }
                HunkStatus::Failed => {
                    let file = file_refs.as_deref();
                    let diagnoser =
                        diagnoser.get_or_insert_with(|| FileDiagnoser::new(file, &lookup));
                    let mut d =
                        diagnose_with(diagnoser, &self.earlier, h, source, v.expected, file);
                    if v.skipped_with_file {
                        explain_skipped_with_file(&mut d);
                    }
                    hr.diagnosis = Some(d);
                    let (olds, news) = hunk_strs(h);
                    let o: Vec<&str> = olds.iter().map(String::as_str).collect();
                    let n: Vec<&str> = news.iter().map(String::as_str).collect();
                    self.earlier.record_hunk(p.index, target, &o, &n);
                }
                HunkStatus::AlreadyApplied => {
                    hr.diagnosis = Some(Diagnosis::new(
                        Cause::AlreadyApplied,
                        format!(
                            "the hunk's result is already present at line {}",
                            v.old_start
                        ),
                    ));
                }
                HunkStatus::Applied => {
                    if let (Some(fuzz), Some(file)) = (v.fuzz, file_refs.as_deref()) {
                        let placed = Placed {
                            at: v.old_start,
                            expected: v.expected.max(1) as usize,
                            fuzz,
                        };
                        if fuzz > 0 || placed.at != placed.expected {
                            hr.warnings
                                .extend(placement_warnings(h, source, file, &placed));
                        }
                    }
                }
            }
            self.placements.push(HunkPlacement {
                patch_index: p.index,
                path: target.to_owned(),
                hunk_index: h.index,
                status: v.status,
                old_start: v.old_start,
                new_start: v.new_start,
                fuzz: v.fuzz.unwrap_or(0),
                offset: v.offset.unwrap_or(0),
                rewritten: v.rewritten,
            });
            result.hunks.push(hr);
        }
        let applied = result.hunks.iter().any(|h| h.status == HunkStatus::Applied);
        let mode_change = f.old_mode.is_some() && f.new_mode.is_some() && f.old_mode != f.new_mode;
        result.status = if f.hunks.is_empty() {
            AggregateStatus::Applied
        } else {
            aggregate(result.hunks.iter().map(|h| hunk_agg(h.status)))
        };
        let moved = source != target;
        if f.op == FileOp::Delete {
            let output = if applied {
                run.output
            } else {
                content.to_vec()
            };
            self.finish_delete(target, output, applied, &mut result);
        } else if applied
            // A mode change is written with the content it comes with: when
            // no hunk applies (already applied, or failed), the file is left
            // as it is, mode included, as GNU skips it and the report says.
            || (mode_change && f.hunks.is_empty())
            || (moved && f.hunks.is_empty())
            || f.op == FileOp::Create
        {
            let output = if applied {
                run.output
            } else {
                content.to_vec()
            };
            if !(f.op == FileOp::Create && !applied && !f.hunks.is_empty()) {
                self.set_change(
                    target,
                    FileChange::Write {
                        bytes: Arc::new(output),
                        mode,
                    },
                );
            }
            if moved
                && f.op == FileOp::Rename
                && self.exists(source)
                && !self.written.contains(source)
            {
                self.set_change(source, FileChange::Delete);
            }
        }
        if !run.reject.is_empty() {
            self.changes
                .rejects
                .entry(target.to_owned())
                .or_default()
                .extend_from_slice(&run.reject);
        }
        self.record_failures(p.index, &result);
        result
    }
}

/// Warnings for a hunk applied with fuzz or at an offset (see
/// `diagnose::placement_warnings`). `file` is the file before this patch.
pub(super) fn placement_warnings(
    h: &Hunk,
    path: &str,
    file: &[&str],
    placed: &Placed,
) -> Vec<String> {
    let (olds, news) = hunk_strs(h);
    let o: Vec<&str> = olds.iter().map(String::as_str).collect();
    let n: Vec<&str> = news.iter().map(String::as_str).collect();
    let ctx = HunkContext {
        path,
        old_lines: &o,
        new_lines: &n,
        expected_line: placed.at.max(1),
        file: Some(file),
    };
    diagnose::placement_warnings(&ctx, placed)
}

/// Whitespace-blind equality of two lines, without allocating.
pub(super) fn ws_eq(a: &[u8], b: &[u8]) -> bool {
    let f = |c: &&u8| !c.is_ascii_whitespace();
    a.iter().filter(f).eq(b.iter().filter(f))
}

/// Cheap pre-check for a fuzz-0 apply at an offset: does the expected place
/// hold some (not all) of the preimage lines? Only then are the file's
/// lines converted for the look-alike check.
pub(super) fn may_be_look_alike(
    h: &Hunk,
    content_lines: &[&[u8]],
    at: usize,
    expected: i64,
) -> bool {
    let Some(start) = usize::try_from(expected - 1).ok() else {
        return false;
    };
    let old: Vec<&[u8]> = h.old_lines().map(|l| l.text.as_slice()).collect();
    let region = content_lines.get(start..).unwrap_or(&[]);
    let same = old
        .iter()
        .zip(region)
        .filter(|(a, b)| a.len() > 3 && ws_eq(a, b))
        .count();
    if same >= 2 && same < old.len() {
        return true;
    }
    let placed = Placed {
        at,
        expected: expected as usize,
        fuzz: 0,
    };
    if !diagnose::near_copy_starts(&old, content_lines, &placed, |a, b| ws_eq(a, b)).is_empty() {
        return true;
    }
    // The exact preimage occurs more than once: the look-alike search on
    // the converted lines may fire.
    !old.is_empty()
        && content_lines
            .windows(old.len())
            .filter(|w| *w == old.as_slice())
            .take(2)
            .count()
            > 1
}

pub(super) fn hunk_strs(h: &Hunk) -> (Vec<String>, Vec<String>) {
    let conv = |l: &crate::patch::HunkLine| {
        String::from_utf8_lossy(l.text.strip_suffix(b"\n").unwrap_or(&l.text)).into_owned()
    };
    (
        h.old_lines().map(conv).collect(),
        h.new_lines().map(conv).collect(),
    )
}

pub(super) fn to_strs(lines: &[&[u8]]) -> Vec<String> {
    lines
        .iter()
        .map(|l| {
            let l = l.strip_suffix(b"\n").unwrap_or(l);
            crate::parse::lossy(l)
        })
        .collect()
}

/// The diagnosis of failed hunk `h` of `path`, expected at line `expected`.
pub(super) fn diagnose_with(
    diagnoser: &FileDiagnoser<'_>,
    earlier: &EarlierFailures,
    h: &Hunk,
    path: &str,
    expected: i64,
    file: Option<&[&str]>,
) -> Diagnosis {
    let (olds, news) = hunk_strs(h);
    let old_lines: Vec<&str> = olds.iter().map(String::as_str).collect();
    let new_lines: Vec<&str> = news.iter().map(String::as_str).collect();
    let ctx = HunkContext {
        path,
        old_lines: &old_lines,
        new_lines: &new_lines,
        expected_line: expected.max(1) as usize,
        file,
    };
    diagnoser.diagnose(&ctx, earlier)
}

/// A hunk GNU patch -N would ignore because hunk #1 of its file is already
/// in the tree: keep what the diagnosis found (it may well find the change
/// present in another form), lead with why the hunk was skipped.
pub(super) fn explain_skipped_with_file(d: &mut Diagnosis) {
    if !matches!(d.cause, Cause::AlreadyApplied | Cause::PartlyApplied) {
        // The file is known to be partly patched: hunk #1 is in, this is not.
        d.cause = Cause::PartlyApplied;
    }
    d.summary = format!(
        "not applied: hunk #1 of this file is already in the tree, so (as GNU patch -N \
         does) the rest of the file was skipped, and this hunk's result is not there \
         exactly. Closest match: {}",
        d.summary
    );
    d.next_step = "check whether the tree has this change in another form; if not, apply \
                   this hunk by hand from the .rej file"
        .into();
}

/// A modification that GNU patch takes as a creation when its file is
/// missing: the first hunk is `@@ -0,0 ...`.
pub(super) fn creates_missing(f: &FilePatch) -> bool {
    f.op == FileOp::Modify
        && f.hunks
            .first()
            .is_some_and(|h| h.old_start == 0 && h.old_count == 0 && h.malformed.is_none())
}

pub(super) fn simple_hunk(
    h: &Hunk,
    status: HunkStatus,
    line: Option<usize>,
    diagnosis: Option<Diagnosis>,
) -> HunkResult {
    let malformed = status == HunkStatus::Malformed;
    HunkResult {
        index: h.index,
        status,
        offset: None,
        fuzz: None,
        line,
        source_line: malformed.then_some(h.source_line),
        diagnosis: if malformed {
            Some(Diagnosis::new(
                Cause::Malformed,
                h.malformed
                    .clone()
                    .unwrap_or_else(|| "malformed hunk".into()),
            ))
        } else {
            diagnosis
        },
        warnings: Vec::new(),
    }
}
