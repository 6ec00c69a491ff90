//! The per-patch build walk (`harness build --per-patch`): build the tree
//! after every patch of a series, incrementally, in one build directory.
//!
//! One worktree of the base tree; the base is built first, then each patch's
//! own changes (the files it changed, and only those, are rewritten, so their
//! mtimes move and make recompiles exactly what depends on them) and a build.
//! A patch that does not apply ends the walk with its verdict as the reason.
//!
//! Warnings are compared as kbuild emits them: an incremental build prints
//! only the diagnostics of what it recompiled, so the walk keeps the set of
//! current warnings (severity, file, message; lines move) and, after a passed
//! build, replaces the entries of every file that was recompiled (the `CC`/`AS`
//! lines of the log) or changed since the last passed build with what the log
//! says. Warnings of a header nobody changed are never dropped that way (they
//! could be emitted again by another unit). A failed build reports its
//! errors and the warnings new against the current set; the set is updated
//! at the next passed build.

use std::collections::{BTreeMap, BTreeSet};

use harness_build::attribute::PatchLines;
use harness_build::{Diagnostic, Severity};

pub use harness_schema::walk::{Break, StepReport, StepStatus, WalkDiag, WalkReport, WALK_SCHEMA};

type Key = (Severity, Option<String>, String);

fn key(d: &Diagnostic) -> Key {
    (d.severity, d.file.clone(), d.message.clone())
}

/// The current warnings, keyed without lines, with the latest instance.
#[derive(Debug, Default, Clone)]
pub struct WarningSet {
    current: BTreeMap<Key, Diagnostic>,
}

/// Sources of the objects a kbuild log compiled (`  CC      net/core/x.o`).
pub fn recompiled_sources(log: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for l in log.lines() {
        let mut w = l.split_whitespace();
        let (Some(tool), Some(obj), None) = (w.next(), w.next(), w.next()) else {
            continue;
        };
        if !matches!(tool, "CC" | "AS") {
            continue;
        }
        if let Some(stem) = obj.strip_suffix(".o") {
            out.insert(format!("{stem}.c"));
            out.insert(format!("{stem}.S"));
        }
    }
    out
}

impl WarningSet {
    /// From a full build (every unit compiled).
    pub fn from_full(warnings: &[Diagnostic]) -> WarningSet {
        let mut s = WarningSet::default();
        for d in warnings {
            s.current.insert(key(d), d.clone());
        }
        s
    }

    pub fn len(&self) -> usize {
        self.current.len()
    }

    pub fn is_empty(&self) -> bool {
        self.current.is_empty()
    }

    /// Warnings of `log_warnings` not in the set.
    pub fn added(&self, log_warnings: &[Diagnostic]) -> Vec<Diagnostic> {
        let mut seen = BTreeSet::new();
        log_warnings
            .iter()
            .filter(|d| !self.current.contains_key(&key(d)) && seen.insert(key(d)))
            .cloned()
            .collect()
    }

    /// After a passed build: drop the entries of `refreshed` files, add the
    /// log's. Returns (added, removed).
    pub fn update(
        &mut self,
        refreshed: &BTreeSet<String>,
        log_warnings: &[Diagnostic],
    ) -> (Vec<Diagnostic>, Vec<Diagnostic>) {
        let added = self.added(log_warnings);
        let new_keys: BTreeSet<Key> = log_warnings.iter().map(key).collect();
        let removed: Vec<Diagnostic> = self
            .current
            .iter()
            .filter(|(k, _)| {
                k.1.as_ref().is_some_and(|f| refreshed.contains(f)) && !new_keys.contains(*k)
            })
            .map(|(_, d)| d.clone())
            .collect();
        for d in &removed {
            self.current.remove(&key(d));
        }
        for d in log_warnings {
            self.current.insert(key(d), d.clone());
        }
        (added, removed)
    }
}

/// A diagnostic with its owner from the attribution of the current prefix
/// (harness_build's attribution: the last patch to touch the line).
pub fn owned(d: &Diagnostic, changed: &BTreeMap<String, Vec<PatchLines>>) -> WalkDiag {
    let patch = harness_build::attribute::attribute(std::slice::from_ref(d), changed)
        .into_iter()
        .next()
        .and_then(|a| match a.origin {
            harness_build::attribute::Origin::Patch(p) => Some(p),
            harness_build::attribute::Origin::Base => None,
        });
    WalkDiag {
        severity: d.severity,
        file: d.file.clone(),
        line: d.line,
        column: d.column,
        message: d.message.clone(),
        flag: d.flag.clone(),
        patch,
    }
}

/// `file:line: message (line from PATCH)`.
pub fn diag(d: &WalkDiag) -> String {
    let at = match (&d.file, d.line) {
        (Some(f), Some(l)) => format!("{f}:{l}: "),
        (Some(f), None) => format!("{f}: "),
        _ => String::new(),
    };
    let owner = d
        .patch
        .as_deref()
        .map(|p| format!(" (line from {p})"))
        .unwrap_or_default();
    format!("{at}{}{owner}", d.message)
}

/// "2/4 breaks the build: error at f:l ...; 3/4 fixes it".
pub fn breaks_line(r: &WalkReport, total: usize) -> String {
    if r.breaks.is_empty() {
        return match r.stopped_at {
            Some(i) => format!("walk stopped at {i}/{total}: it does not apply"),
            None => "every patch builds".to_owned(),
        };
    }
    r.breaks
        .iter()
        .map(|b| {
            let err = b
                .error
                .as_ref()
                .map(|e| format!(": error at {}", diag(e)))
                .unwrap_or_default();
            let fix = match b.fixed_by {
                Some(f) => format!("; {f}/{total} fixes it"),
                None => "; nothing later fixes it".to_owned(),
            };
            format!("{}/{total} breaks the build{err}{fix}", b.broken_by)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(file: &str, line: u32, msg: &str) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            tool: "cc".into(),
            file: Some(file.into()),
            line: Some(line),
            column: None,
            message: msg.into(),
            flag: None,
            log_line: 1,
        }
    }

    #[test]
    fn recompiled_sources_from_kbuild_lines() {
        let log = "  CC      net/core/net_namespace.o\n  LD      vmlinux.o\n  AS      arch/x86/a.o\nCC x\n";
        let s = recompiled_sources(log);
        assert!(s.contains("net/core/net_namespace.c"));
        assert!(s.contains("arch/x86/a.S"));
        assert!(!s.iter().any(|f| f.starts_with("vmlinux")));
    }

    #[test]
    fn warnings_are_replaced_only_for_refreshed_files() {
        let mut s = WarningSet::from_full(&[w("a.c", 3, "x"), w("inc.h", 1, "h")]);
        // a.c recompiled, now warns "y" at another line, "x" gone; inc.h not
        // re-emitted but not refreshed: kept.
        let refreshed: BTreeSet<String> = ["a.c".to_owned()].into();
        let (added, removed) = s.update(&refreshed, &[w("a.c", 9, "y")]);
        assert_eq!(added, vec![w("a.c", 9, "y")]);
        assert_eq!(removed, vec![w("a.c", 3, "x")]);
        assert_eq!(s.len(), 2);
        // The same warning at a moved line is neither added nor removed.
        let (added, removed) = s.update(&refreshed, &[w("a.c", 12, "y")]);
        assert!(added.is_empty() && removed.is_empty());
    }

    #[test]
    fn owner_is_the_patch_that_added_the_line() {
        let mut changed = BTreeMap::new();
        changed.insert(
            "a.c".to_owned(),
            vec![PatchLines {
                patch: "0001-x.patch".into(),
                ranges: vec![(3, 4)],
            }],
        );
        let o = owned(&w("a.c", 3, "x"), &changed);
        assert_eq!(o.patch.as_deref(), Some("0001-x.patch"));
        assert_eq!(owned(&w("a.c", 9, "x"), &changed).patch, None);
    }

    fn step(index: usize, status: StepStatus) -> StepReport {
        StepReport {
            index,
            name: format!("p{index}"),
            subject: None,
            status,
            reason: None,
            changed_files: vec![],
            seconds: 0.0,
            recompiled: 0,
            errors: vec![],
            warnings_added: vec![],
            warnings_removed: vec![],
            warnings_total: 0,
            reproduce: None,
        }
    }

    #[test]
    fn breaks_and_fixes() {
        use StepStatus::*;
        let mut r = WalkReport {
            schema: WALK_SCHEMA.into(),
            series: "s".into(),
            tree: "t".into(),
            out: "o".into(),
            steps: vec![
                step(0, Passed),
                step(1, Passed),
                step(2, Failed),
                step(3, Failed),
                step(4, Passed),
                step(5, Failed),
                step(6, NotApplied),
            ],
            breaks: vec![],
            stopped_at: Some(6),
        };
        r.find_breaks();
        let got: Vec<(usize, Option<usize>)> =
            r.breaks.iter().map(|b| (b.broken_by, b.fixed_by)).collect();
        assert_eq!(got, vec![(2, Some(4)), (5, None)]);
        assert!(r.failed());
    }
}
