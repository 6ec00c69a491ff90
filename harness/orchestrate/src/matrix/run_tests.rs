//! The pipeline with fake stages: fast checks of how failures propagate
//! and of the data each stage hands the next.

use super::*;
use crate::matrix::cells::skipped_build;
use crate::matrix::config::{ConfigEntry, SeriesEntry};
use crate::matrix::stages::Attribution;
use harness_report::model::{
    AggregateStatus, BootOutcome, BootReport, BootStatus, CellBoot, CellBuild, CellKconfig,
    Diagnostic, Severity, StageStatus, TestResult, TestStatus,
};
use harness_report::status::Word;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

mod meets_tests {
    use super::*;

    fn actual(apply: &str) -> Expectation {
        Expectation {
            apply: Some(AggregateStatus::from_word(apply).expect("an apply word")),
            build: Some(StageStatus::Passed),
            boot: Some(BootOutcome::Ran(BootStatus::Passed)),
            bisect: None,
            checkpatch: None,
        }
    }

    #[test]
    fn a_series_wholly_in_the_tree_meets_an_undeclared_expectation() {
        // Nothing failed: every hunk is already there. Before, the matrix
        // called such a cell unexpected while the reports listed no reason.
        let none = Expect {
            apply: None,
            build: None,
            boot: None,
            bisect: None,
            checkpatch: None,
        };
        assert!(meets(&none, &actual("already-applied"), true));
        assert!(meets(&none, &actual("applied"), true));
        assert!(!meets(&none, &actual("partial"), true));
        assert!(!meets(&none, &actual("failed"), false));
        // A declared expectation is compared as written.
        let partial = Expect {
            apply: Some(AggregateStatus::Partial),
            build: None,
            boot: None,
            bisect: None,
            checkpatch: None,
        };
        assert!(meets(&partial, &actual("partial"), false));
        assert!(!meets(&partial, &actual("already-applied"), false));
    }
}

mod pipeline {
    use super::*;

    struct Fake {
        builds: Mutex<Vec<String>>,
    }

    /// The line the fake series adds to net/core.c (its patch 0001-x).
    const ADDED_LINE: usize = 20;

    impl Stages for Fake {
        fn resolve_tree(&self, name: &str) -> Result<TreeHandle, StageError> {
            if name == "missing" {
                return Err(StageError::new(Stage::Fetch, name, "no such tree"));
            }
            Ok(TreeHandle {
                name: name.into(),
                path: PathBuf::from("/nonexistent"),
                provenance: serde_json::json!({}),
            })
        }
        fn apply(&self, s: &SeriesEntry, _t: &TreeHandle) -> Result<Applied, StageError> {
            let status = match s.name.as_str() {
                "bad" => AggregateStatus::Failed,
                "upstream" => AggregateStatus::AlreadyApplied,
                _ => AggregateStatus::Applied,
            };
            let mut changes = harness_core::apply::Changes::default();
            changes
                .files
                .insert("net/core.c".into(), harness_core::apply::FileChange::Delete);
            let line = ADDED_LINE as u32;
            let added: Attribution = [(
                "net/core.c".to_owned(),
                vec![harness_build::PatchLines {
                    patch: format!("0001-{}", s.name),
                    ranges: vec![(line, line)],
                }],
            )]
            .into();
            Ok(Applied {
                status,
                patches: vec![],
                source_key: s.name.clone(),
                log: String::new(),
                from_mail: false,
                changes,
                added,
            })
        }
        fn prepare_source(
            &self,
            unit: &BuildUnit,
            tree: &TreeHandle,
            applied: Option<&Applied>,
        ) -> Result<Source, StageError> {
            // A series unit gets its own apply's changes; the base, none.
            let applied = applied.filter(|_| unit.kind != SourceKind::Base);
            assert_eq!(applied.is_some(), unit.kind != SourceKind::Base, "{unit:?}");
            if let Some(a) = applied {
                assert!(a.changes.files.contains_key("net/core.c"));
            }
            Ok(Source {
                dir: tree.path.join(&unit.key),
                added: applied.map(|a| a.added.clone()).unwrap_or_default(),
            })
        }
        fn build(
            &self,
            unit: &BuildUnit,
            _t: &TreeHandle,
            source: &Source,
            c: &ConfigEntry,
            _r: &Path,
        ) -> BuildResult {
            self.builds
                .lock()
                .expect("lock")
                .push(format!("{}:{}", unit.key, c.name));
            let ok = c.name != "broken";
            // The base tree warns once; a series build warns twice (the same
            // warning at another line, and one of its own).
            // A warning names the patch that added its line, as the real
            // stage attributes them from the lines its source carries.
            let w = |line: usize, msg: &str| Diagnostic {
                file: "net/core.c".into(),
                line,
                column: None,
                severity: Severity::Warning,
                message: msg.into(),
                patch: source.added.get("net/core.c").and_then(|ps| {
                    ps.iter()
                        .find(|p| {
                            p.ranges
                                .iter()
                                .any(|r| r.0 as usize <= line && line <= r.1 as usize)
                        })
                        .map(|p| p.patch.clone())
                }),
                new: None,
            };
            let warnings = if unit.kind == SourceKind::Base {
                vec![w(10, "old")]
            } else {
                vec![w(12, "old"), w(ADDED_LINE, "introduced")]
            };
            BuildResult {
                kconfig: CellKconfig {
                    status: StageStatus::Passed,
                    problems: vec![],
                },
                build: CellBuild {
                    status: if ok {
                        StageStatus::Passed
                    } else {
                        StageStatus::Failed
                    },
                    warnings,
                    ..skipped_build("x").1
                },
                kernel: ok.then(|| Kernel {
                    image: source.dir.join("bzImage"),
                    config: None,
                }),
                log: None,
            }
        }
        fn boot(
            &self,
            kernel: &Kernel,
            source: &Source,
            _s: &BTreeMap<String, String>,
            log: &Path,
        ) -> BootReport {
            // The kernel is the one built from this source.
            assert_eq!(kernel.image, source.dir.join("bzImage"));
            let mut r = BootReport::new(BootStatus::Passed, "tcg");
            r.tests = vec![TestResult::new("netns_create", TestStatus::Pass)];
            // As the real stage does: the path the run gave it (absolute).
            r.console_log = Some(log.display().to_string());
            r
        }
    }

    /// Run "r" with its run directory and project root in `dir`.
    fn opts_in(dir: &Path) -> RunOptions {
        RunOptions {
            run_id: "r".into(),
            run_dir: dir.into(),
            project_root: dir.into(),
            shard: None,
        }
    }

    fn cfg(yaml: &str) -> MatrixConfig {
        MatrixConfig::from_yaml(yaml, Path::new("test.yaml")).expect("config")
    }

    #[test]
    fn failed_series_builds_base_and_failed_build_skips_boot() {
        let cfg = cfg("trees: [{name: t}, {name: t2, build: false}]\n\
            series: [{name: good, source: g}, {name: bad, source: b, expect: {apply: failed}}, {name: bad2, source: b2}]\n\
            configs: [{name: ok, fragments: [f]}, {name: broken, fragments: [f]}]\n");
        let fake = Fake {
            builds: Mutex::new(vec![]),
        };
        let dir = tempfile::tempdir().expect("tmp");
        let opts = opts_in(dir.path());
        let report = run_matrix(&cfg, &fake, &opts, &|_| {}, &|_| {});
        assert!(report.complete);
        assert_eq!(report.cells.len(), 3 * 2 * 2);
        // "good" builds its own worktree; "bad" failed to apply, so the base tree is built.
        let builds = fake.builds.lock().expect("lock").clone();
        assert!(builds.contains(&"t+good:ok".to_string()), "{builds:?}");
        assert!(builds.contains(&"t-base:ok".to_string()), "{builds:?}");
        // t2 is apply-only: never built.
        assert!(!builds.iter().any(|b| b.starts_with("t2")), "{builds:?}");
        let cell = |id: &str| report.cells.iter().find(|c| c.id == id).expect(id);
        let bad = cell("bad@t:ok");
        assert!(bad.build.base_only);
        assert_eq!(bad.actual.apply, Some(AggregateStatus::Failed));
        assert!(bad.as_expected, "{:?}", bad.actual);
        let broken = cell("good@t:broken");
        assert_eq!(broken.build.status, StageStatus::Failed);
        assert!(matches!(broken.boot, CellBoot::Skipped { .. }));
        assert!(!broken.as_expected);
        let good = cell("good@t:ok");
        assert!(good.as_expected, "{:?}", good.actual);
        assert_eq!(good.tests.len(), 1);
        // The console log is named relative to the run directory, in the
        // boot record and in the cell's logs alike.
        let CellBoot::Ran(boot) = &good.boot else {
            panic!("good@t:ok booted: {:?}", good.boot)
        };
        let log = boot.console_log.as_deref().expect("console log");
        assert!(
            log.starts_with("boots/") && log.ends_with(".console.log"),
            "{log}"
        );
        assert_eq!(good.logs.get("console").map(String::as_str), Some(log));
        let apply_only = cell("good@t2:ok");
        assert_eq!(apply_only.build.status, StageStatus::Skipped);
        assert!(apply_only.as_expected);
        // Unexpected: the three built cells with the "broken" config (good, bad
        // via the base unit, bad2); every other cell meets its expectation.
        assert_eq!(report.summary.unexpected, 3);
    }

    #[test]
    fn baseline_build_marks_the_warnings_a_series_introduced() {
        let with_base = cfg("trees: [{name: t}]\n\
            series: [{name: good, source: g}]\n\
            configs: [{name: ok, fragments: [f]}]\n\
            build: {baseline: true}\n");
        let fake = Fake {
            builds: Mutex::new(vec![]),
        };
        let dir = tempfile::tempdir().expect("tmp");
        let opts = opts_in(dir.path());
        let report = run_matrix(&with_base, &fake, &opts, &|_| {}, &|_| {});
        let builds = fake.builds.lock().expect("lock").clone();
        assert_eq!(builds, vec!["t+good:ok", "t-base:ok"]);
        let good = &report.cells[0];
        let new: Vec<(&str, Option<bool>)> = good
            .build
            .warnings
            .iter()
            .map(|w| (w.message.as_str(), w.new))
            .collect();
        // "old" is in the baseline (at another line): not new.
        assert_eq!(new, vec![("old", Some(false)), ("introduced", Some(true))]);
        // The introduced warning is on the line the series' patch added:
        // the lines went from apply through the source to the build.
        let patches: Vec<Option<&str>> = good
            .build
            .warnings
            .iter()
            .map(|w| w.patch.as_deref())
            .collect();
        assert_eq!(patches, vec![None, Some("0001-good")]);
        // Without `baseline`, no base build and no verdict.
        let cfg2 = cfg("trees: [{name: t}]\nseries: [{name: good, source: g}]\nconfigs: [{name: ok, fragments: [f]}]\n");
        let fake2 = Fake {
            builds: Mutex::new(vec![]),
        };
        let report = run_matrix(&cfg2, &fake2, &opts, &|_| {}, &|_| {});
        assert_eq!(fake2.builds.lock().expect("lock").len(), 1);
        assert!(report.cells[0]
            .build
            .warnings
            .iter()
            .all(|w| w.new.is_none()));
    }

    #[test]
    fn a_series_wholly_upstream_is_built_booted_and_as_expected() {
        // Every hunk already in the tree: nothing failed, so with no
        // expectation declared the cell is as expected, and no report lists
        // a mismatch for it (before, it was UNEXPECTED with no reason).
        let cfg = cfg(
            "trees: [{name: t}]\nseries: [{name: upstream, source: u}]\n\
            configs: [{name: ok, fragments: [f]}]\n",
        );
        let fake = Fake {
            builds: Mutex::new(vec![]),
        };
        let dir = tempfile::tempdir().expect("tmp");
        let report = run_matrix(&cfg, &fake, &opts_in(dir.path()), &|_| {}, &|_| {});
        let cell = &report.cells[0];
        assert_eq!(cell.actual.apply, Some(AggregateStatus::AlreadyApplied));
        assert!(matches!(cell.boot, CellBoot::Ran(_)), "{:?}", cell.boot);
        assert!(cell.as_expected, "{:?}", cell.actual);
        assert!(harness_report::view::expectation_mismatches(cell).is_empty());
        assert_eq!(
            harness_report::view::cell_verdict(cell),
            harness_report::view::Verdict::Passed
        );
    }

    #[test]
    fn a_runs_events_replayed_give_its_report() {
        // Every kind of event: a failed tree, a failed apply (base unit), a
        // failed build, boots, a baseline build.
        let cfg = cfg("trees: [{name: t}, {name: missing}]\n\
            series: [{name: good, source: g}, {name: bad, source: b}]\n\
            configs: [{name: ok, fragments: [f]}, {name: broken, fragments: [f]}]\n\
            build: {baseline: true}\n");
        let fake = Fake {
            builds: Mutex::new(vec![]),
        };
        let dir = tempfile::tempdir().expect("tmp");
        let lines: Mutex<Vec<String>> = Mutex::new(vec![]);
        let log = |e: &Event| {
            let line = serde_json::to_string(e).expect("an event is JSON");
            lines.lock().expect("lock").push(line);
        };
        let report = run_matrix(&cfg, &fake, &opts_in(dir.path()), &log, &|_| {});
        let jsonl = lines.lock().expect("lock").join("\n");
        let replayed = crate::matrix::events::replay(jsonl.as_bytes()).expect("replay");
        let json = |r: &MatrixReport| serde_json::to_value(r).expect("json");
        assert_eq!(json(&replayed), json(&report));
        assert!(report.complete && report.cells.iter().any(|c| c.as_expected));
        // Stage events carry typed statuses.
        assert!(
            jsonl.contains(r#""stage":"build","status":{"build":"failed"}"#),
            "{jsonl}"
        );
        assert!(jsonl.contains(r#""status":{"fetch":false}"#), "{jsonl}");
    }

    #[test]
    fn missing_tree_marks_cells_not_crash() {
        let cfg = cfg("trees: [{name: missing}]\nseries: [{name: s, source: x}]\nconfigs: [{name: c, fragments: [f]}]\n");
        let fake = Fake {
            builds: Mutex::new(vec![]),
        };
        let dir = tempfile::tempdir().expect("tmp");
        let opts = opts_in(dir.path());
        let report = run_matrix(&cfg, &fake, &opts, &|_| {}, &|_| {});
        assert_eq!(report.cells.len(), 1);
        assert!(!report.cells[0].as_expected);
        assert!(report.cells[0]
            .logs
            .get("apply-error")
            .is_some_and(|e| e.contains("no such tree")));
        assert!(fake.builds.lock().expect("lock").is_empty());
    }
}
