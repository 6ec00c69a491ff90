//! The real pipeline on linux-6.1: fetch the pinned tree, apply the series,
//! build tinyconfig+netns with IP_MULTIPLE_TABLES=y and =n, boot each kernel in
//! QEMU and run the namespace tests in the guest. linux-6.12 stays in the run as
//! apply-only cells (cheap). To fit CI's budget this runs the two series whose
//! cells build the base tree (netns-l2-l3 fails to apply, preempt-rt is partial),
//! so one build per config serves all built cells; the default matrix adds
//! preempt-rt-prefix, which builds its own patched worktree.
//!
//! Expected values are reasoned from the data, not copied from a run:
//! - netns-l2-l3 was written for 2.6.19-mm: none of its target code exists in
//!   6.1, so apply is `failed`; the cell builds and boots the base tree.
//! - preempt-rt-prefix (patches 1..39) applies cleanly to 6.1 (GNU patch agrees:
//!   the first failing patch is 0040), so it is built and booted itself.
//! - preempt-rt (all 72) is `partial` on 6.1 (0040, 0071 fail; 0056 upstream).
//! - With IP_MULTIPLE_TABLES=n the policy-routing test must be skip/xfail, not fail.
//! - The third config, debug-lock-mem (=y plus lockdep and kmemleak), boots
//!   the base tree and passes the suite with no kernel splat: a base tree
//!   that splats under lockdep here would be a finding, and the cell says so
//!   (debug_kernel.rs shows that splats there are found and fail a boot).
//! - The run asks for the tree's net/fib_rule_tests.sh selftest (matrix.yaml
//!   with `boot.kselftests` set): netns-base leaves out IPv6 (a smaller
//!   build), and qemu/kselftests.conf says the selftest needs it, so every
//!   booted cell reports it skipped for that reason, found in that cell's tree.

use harness_report::model::{CellBoot, MatrixReport, StageStatus, TestStatus};
use std::process::Command;

/// The project's matrix.yaml with the fib rule selftest asked for.
fn matrix_config_with_kselftest(dir: &std::path::Path) -> std::path::PathBuf {
    let project = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let text = std::fs::read_to_string(format!("{project}/matrix.yaml")).expect("matrix.yaml");
    let asked = text.replace("  kselftests: []", "  kselftests: [net/fib_rule_tests.sh]");
    assert_ne!(asked, text, "matrix.yaml no longer has `  kselftests: []`");
    let path = dir.join("matrix.yaml");
    std::fs::write(&path, asked).expect("write matrix.yaml");
    path
}

fn run_matrix(results: &std::path::Path) -> (i32, MatrixReport, String) {
    run_matrix_with(
        results,
        &["--series", "netns-l2-l3", "--series", "preempt-rt"],
    )
}

fn run_matrix_with(results: &std::path::Path, select: &[&str]) -> (i32, MatrixReport, String) {
    let config = matrix_config_with_kselftest(results);
    let out = Command::new(env!("CARGO_BIN_EXE_harness"))
        .arg("matrix")
        .arg("--config")
        .arg(&config)
        .args(select)
        .args(["--run-id", "ci", "--results"])
        .arg(results)
        .env(
            "HARNESS_PROJECT",
            concat!(env!("CARGO_MANIFEST_DIR"), "/../.."),
        )
        .output()
        .expect("run harness matrix");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let text = std::fs::read_to_string(results.join("ci/report.json"))
        .unwrap_or_else(|e| panic!("no report.json ({e})\nstdout:\n{stdout}\nstderr:\n{stderr}"));
    let report: MatrixReport =
        serde_json::from_str(&text).expect("report parses as harness.matrix/1");
    (
        out.status.code().unwrap_or(-1),
        report,
        format!("{stdout}\n{stderr}"),
    )
}

/// The cell's build passed, it booted, its boot passed and the kernel
/// reported no splat.
fn assert_booted_clean(c: &harness_report::model::Cell, log: &str) {
    assert_eq!(
        c.build.status,
        StageStatus::Passed,
        "{}: {:?}",
        c.id,
        c.build.log_excerpt
    );
    let CellBoot::Ran(boot) = &c.boot else {
        panic!("{}: boot skipped\n{log}", c.id)
    };
    assert!(boot.splats.is_empty(), "{}: {:?}", c.id, boot.splats);
    assert_eq!(
        serde_json::to_value(boot.status).expect("status"),
        serde_json::json!("passed"),
        "{}\n{log}",
        c.id
    );
}

#[test]
fn real_matrix_on_linux_6_1() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (code, report, log) = run_matrix(tmp.path());
    let cell = |id: &str| {
        report
            .cells
            .iter()
            .find(|c| c.id == id)
            .unwrap_or_else(|| panic!("cell {id} missing\n{log}"))
    };
    assert_eq!(report.schema, "harness.matrix/1");
    assert!(report.complete, "run not marked complete\n{log}");
    for f in ["report.json", "summary.md", "junit.xml", "index.html"] {
        assert!(tmp.path().join("ci").join(f).is_file(), "{f} missing");
    }
    assert!(tmp.path().join("latest").exists(), "results/latest missing");

    // netns-l2-l3: fails to apply, every hunk explained; base tree still built and booted.
    let netns = cell("netns-l2-l3@linux-6.1:ip-multiple-tables-y");
    assert_eq!(
        netns.actual.apply,
        Some(harness_report::model::AggregateStatus::Failed),
        "{log}"
    );
    for p in &netns.apply.patches {
        for f in &p.files {
            for h in &f.hunks {
                let d = h.diagnosis.as_ref().unwrap_or_else(|| {
                    panic!("{} {} hunk {} has no diagnosis", p.name, f.path, h.index)
                });
                assert_ne!(
                    serde_json::to_value(d.cause).expect("cause"),
                    serde_json::json!("unknown"),
                    "{} {} hunk {}",
                    p.name,
                    f.path,
                    h.index
                );
            }
        }
    }
    assert!(
        netns.build.base_only,
        "failed series must build the base tree"
    );

    for config in ["ip-multiple-tables-y", "ip-multiple-tables-n"] {
        for series in ["netns-l2-l3", "preempt-rt"] {
            let c = cell(&format!("{series}@linux-6.1:{config}"));
            assert_eq!(
                c.kconfig.status,
                StageStatus::Passed,
                "{:?}",
                c.kconfig.problems
            );
            assert_eq!(
                c.build.status,
                StageStatus::Passed,
                "{:?}",
                c.build.log_excerpt
            );
            assert!(
                c.build.base_only,
                "{series} did not apply: the base tree is built"
            );
        }
        let full = cell(&format!("preempt-rt@linux-6.1:{config}"));
        assert_eq!(
            full.actual.apply,
            Some(harness_report::model::AggregateStatus::Partial),
            "{log}"
        );
        let c = cell(&format!("netns-l2-l3@linux-6.1:{config}"));
        let CellBoot::Ran(boot) = &c.boot else {
            panic!("{config}: boot skipped\n{log}")
        };
        assert_eq!(
            boot.tests.len(),
            10,
            "{config}: the suite has 9 tests, then the selftest: {:?}",
            boot.tests
        );
        let selftest = boot
            .tests
            .iter()
            .find(|t| t.name == "kselftest:net/fib_rule_tests.sh")
            .unwrap_or_else(|| panic!("{config}: no selftest result: {:?}", boot.tests));
        assert_eq!(selftest.status, TestStatus::Skip, "{selftest:?}");
        assert_eq!(
            selftest.reason.as_deref(),
            Some("requires CONFIG_IPV6 (it is n)"),
            "{config}: skipped for another reason (not found in the tree?)"
        );
        for t in harness_report::view::flat_tests(c) {
            assert_ne!(
                t.1.status,
                TestStatus::Fail,
                "{config}: test {} failed",
                t.0
            );
        }
        let policy: Vec<_> = boot
            .tests
            .iter()
            .filter(|t| t.name.contains("policy_routing"))
            .collect();
        assert_eq!(policy.len(), 1, "{:?}", boot.tests);
        for t in policy {
            if config.ends_with("-y") {
                assert_eq!(t.status, TestStatus::Pass, "{}", t.name);
            } else {
                // Without CONFIG_IP_MULTIPLE_TABLES `ip rule add` is refused:
                // the test declares that as its expected failure.
                assert!(
                    matches!(t.status, TestStatus::Skip | TestStatus::Xfail),
                    "{}: {:?}",
                    t.name,
                    t.status
                );
            }
        }
        // The 6.12 cells are apply-only.
        let c612 = cell(&format!("preempt-rt@linux-6.12:{config}"));
        assert_eq!(c612.build.status, StageStatus::Skipped);
    }
    // The debug column (lockdep, sleep-in-atomic, kmemleak): the base tree
    // builds with it, boots, passes the suite and the kernel reports no
    // splat (any would make the boot tests-passed-kernel-warned).
    for series in ["netns-l2-l3", "preempt-rt"] {
        let c = cell(&format!("{series}@linux-6.1:debug-lock-mem"));
        assert_booted_clean(c, &log);
    }
    // Every cell met its expectation, so the exit code is 0.
    assert_eq!(report.summary.unexpected, 0, "{log}");
    assert_eq!(code, 0, "{log}");

    // A rerun with nothing changed does not run make (results are reused).
    let (_, again, log2) = run_matrix(tmp.path());
    for c in again
        .cells
        .iter()
        .filter(|c| c.build.status == StageStatus::Passed)
    {
        assert!(
            c.build.reused,
            "{}: rebuilt although nothing changed\n{log2}",
            c.id
        );
    }
}

/// PREEMPT_RT patches 1..39 are locking changes: the debug column builds
/// them (sandboxed: the series is mail) and boots them under lockdep and
/// kmemleak. They apply cleanly to 6.1 (see above), so the cell is built
/// from its own worktree; the suite passes and the kernel reports no splat.
#[test]
fn preempt_rt_prefix_runs_under_lockdep() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (code, report, log) = run_matrix_with(
        tmp.path(),
        &[
            "--series",
            "preempt-rt-prefix",
            "--tree",
            "linux-6.1",
            "--kconfig",
            "debug-lock-mem",
        ],
    );
    assert_eq!(report.cells.len(), 1, "{log}");
    let c = &report.cells[0];
    assert_eq!(c.id, "preempt-rt-prefix@linux-6.1:debug-lock-mem");
    assert_eq!(
        c.actual.apply,
        Some(harness_report::model::AggregateStatus::Applied),
        "{log}"
    );
    assert!(!c.build.base_only, "the patched worktree is built");
    assert!(c.build.sandboxed, "a series from mail is built sandboxed");
    assert_booted_clean(c, &log);
    assert_eq!(code, 0, "{log}");
}
