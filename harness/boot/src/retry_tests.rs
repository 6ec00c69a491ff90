//! Retry logic against a fake boot function and a fake QEMU (a shell script
//! printing KTAP as `qemu/run-tests` does). The real test, a guest test that
//! fails on its first boot of Debian's kernel, is in
//! harness/cli/tests/boot_qemu.rs.

use super::*;
use crate::accel::AccelPref;
use crate::qemu::{classify, RunEnd};
use std::cell::RefCell;

fn opts(expected: &[&str]) -> BootOptions {
    let mut o = BootOptions::new("/k", "/i");
    o.expected_tests = expected.iter().map(|s| s.to_string()).collect();
    o.console_log = Some(PathBuf::from("/logs/console.log"));
    o
}

fn report(console: &str, o: &BootOptions) -> BootReport {
    classify(console, &RunEnd::Exited(Some(0)), "", o)
}

const FIRST: &str = "harness-init: kernel x\nKTAP version 1\n1..3\nok 1 a\n# b: no marker\nnot ok 2 b\nnot ok 3 c\n";

/// The fake boot: the first call prints FIRST; the retry boot prints what
/// `second` gives for its command line. Records every boot's options.
fn fake<'a>(
    seen: &'a RefCell<Vec<BootOptions>>,
    second: &'a str,
) -> impl Fn(&BootOptions) -> Result<BootReport, BootError> + 'a {
    move |o: &BootOptions| {
        seen.borrow_mut().push(o.clone());
        let text = if o.append.iter().any(|a| a == "HARNESS_ATTEMPT=2") {
            second
        } else {
            FIRST
        };
        Ok(report(text, o))
    }
}

#[test]
fn a_test_that_passes_in_the_fresh_boot_is_flaky_and_the_boot_passes_if_all_did() {
    let seen = RefCell::new(Vec::new());
    let second = "KTAP version 1\n1..2\nok 1 b\nok 2 c\n";
    let r = retry_with(&opts(&["a", "b", "c"]), fake(&seen, second)).expect("boot");
    let seen = seen.borrow();
    assert_eq!(seen.len(), 2, "one retry boot");
    let again = &seen[1];
    assert!(
        again.append.contains(&"HARNESS_ONLY=b,c".to_string()),
        "{:?}",
        again.append
    );
    assert_eq!(again.expected_tests, vec!["b", "c"]);
    assert_eq!(
        again.console_log.as_deref(),
        Some(std::path::Path::new("/logs/console.retry.log"))
    );
    assert!(!again.retry, "the retry boot is not retried again");
    assert_eq!(r.status, BootStatus::Passed, "{r:?}");
    let b = &r.tests[1];
    assert_eq!(b.status, TestStatus::Pass);
    let rb = b.retried.as_ref().expect("b retried");
    assert_eq!(rb.verdict, RetryVerdict::Flaky);
    assert_eq!(rb.first.status, TestStatus::Fail);
    assert_eq!(rb.first.reason.as_deref(), Some("b: no marker"));
    assert_eq!(rb.second.status, TestStatus::Pass);
    assert!(r.tests[0].retried.is_none(), "a passed: not re-run");
    let retry = r.retry.as_ref().expect("retry boot recorded");
    assert_eq!(retry.tests, vec!["b", "c"]);
    assert!(r.detail.as_deref().unwrap_or("").contains("flaky: b, c"));
}

#[test]
fn a_test_that_fails_again_stays_failed_with_both_results() {
    let seen = RefCell::new(Vec::new());
    let second = "KTAP version 1\n1..2\nok 1 b\n# c: still broken\nnot ok 2 c\n";
    let r = retry_with(&opts(&["a", "b", "c"]), fake(&seen, second)).expect("boot");
    assert_eq!(r.status, BootStatus::TestsFailed);
    let c = &r.tests[2];
    assert_eq!(c.status, TestStatus::Fail);
    let rc = c.retried.as_ref().expect("c retried");
    assert_eq!(rc.verdict, RetryVerdict::FailedAgain);
    assert_eq!(rc.second.reason.as_deref(), Some("c: still broken"));
    assert_eq!(
        r.tests[1].retried.as_ref().map(|x| x.verdict),
        Some(RetryVerdict::Flaky)
    );
    assert!(r.detail.as_deref().unwrap_or("").contains("flaky: b"));
}

#[test]
fn a_retry_boot_that_crashes_confirms_nothing() {
    let seen = RefCell::new(Vec::new());
    let second = "KTAP version 1\n1..2\n[ 1.0] Kernel panic - not syncing: boom\n";
    let r = retry_with(&opts(&["a", "b", "c"]), fake(&seen, second)).expect("boot");
    assert_eq!(r.status, BootStatus::TestsFailed);
    for t in &r.tests[1..] {
        let x = t.retried.as_ref().expect("retried");
        assert_eq!(x.verdict, RetryVerdict::FailedAgain, "{t:?}");
        assert_eq!(t.status, TestStatus::Fail);
    }
    assert_eq!(r.retry.as_ref().map(|b| b.status), Some(BootStatus::Panic));
}

#[test]
fn only_tests_failed_boots_are_retried() {
    let seen = RefCell::new(Vec::new());
    let panic = "KTAP version 1\n1..1\n[ 1.0] Kernel panic - not syncing: boom\n";
    let f = |o: &BootOptions| {
        seen.borrow_mut().push(o.clone());
        Ok(report(panic, o))
    };
    let r = retry_with(&opts(&["a"]), f).expect("boot");
    assert_eq!(r.status, BootStatus::Panic);
    assert_eq!(seen.borrow().len(), 1, "a panic is not retried");
    // Retry off: a failed test is reported as it is.
    let seen2 = RefCell::new(Vec::new());
    let mut o = opts(&["a", "b", "c"]);
    o.retry = false;
    let r = retry_with(&o, fake(&seen2, "")).expect("boot");
    assert_eq!(
        (r.status, seen2.borrow().len()),
        (BootStatus::TestsFailed, 1)
    );
    // A custom init (no planned suite) has nothing to re-run by name.
    let seen3 = RefCell::new(Vec::new());
    let r = retry_with(&opts(&[]), fake(&seen3, "")).expect("boot");
    assert_eq!(
        (r.status, seen3.borrow().len()),
        (BootStatus::TestsFailed, 1)
    );
}

#[test]
fn a_splat_in_the_retry_boot_warns_a_boot_whose_tests_then_all_pass() {
    let seen = RefCell::new(Vec::new());
    let second = "KTAP version 1\n1..2\n\
[ 1.0] WARNING: CPU: 0 PID: 1 at net/core/dev.c:10 dev_thing+0x1/0x2\n\
[ 1.1] Call Trace:\n[ 1.1]  <TASK>\n[ 1.1]  dev_thing+0x1/0x2\n[ 1.1]  </TASK>\n\
[ 1.2] ---[ end trace 0000000000000000 ]---\nok 1 b\nok 2 c\n";
    let r = retry_with(&opts(&["a", "b", "c"]), fake(&seen, second)).expect("boot");
    assert_eq!(r.status, BootStatus::TestsPassedKernelWarned, "{r:?}");
    assert_eq!(r.retry.as_ref().map(|b| b.splats.len()), Some(1));
}

#[test]
fn retry_log_names() {
    assert_eq!(
        retry_log_path(std::path::Path::new("/a/console.log")),
        PathBuf::from("/a/console.retry.log")
    );
    assert_eq!(
        retry_log_path(std::path::Path::new("/a/console")),
        PathBuf::from("/a/console.retry")
    );
}

/// The real `boot` with a fake QEMU: a script that prints, as the guest
/// would, a failure unless its `-append` line carries `HARNESS_ATTEMPT=2`.
#[test]
fn fake_qemu_fails_first_and_passes_in_the_fresh_boot() {
    use std::os::unix::fs::PermissionsExt;
    let d = tempfile::tempdir().expect("tmp");
    let qemu = d.path().join("fake-qemu");
    let script = r##"#!/bin/sh
while [ $# -gt 0 ]; do [ "$1" = -append ] && line=$2; shift; done
echo "harness-init: kernel fake, running /harness/run-tests"
echo "KTAP version 1"
case " $line " in
*" HARNESS_ATTEMPT=2 "*) echo "1..1"; echo "ok 1 marker" ;;
*) echo "1..2"; echo "ok 1 steady"; echo "# marker: first boot"; echo "not ok 2 marker" ;;
esac
"##;
    std::fs::write(&qemu, script).expect("write fake qemu");
    std::fs::set_permissions(&qemu, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let (kernel, initrd) = (d.path().join("bzImage"), d.path().join("initrd"));
    std::fs::write(&kernel, b"k").expect("kernel");
    std::fs::write(&initrd, b"i").expect("initrd");
    let mut o = BootOptions::new(&kernel, &initrd);
    o.qemu = qemu;
    o.accel = AccelPref::Tcg;
    o.console_log = Some(d.path().join("console.log"));
    o.expected_tests = vec!["steady".into(), "marker".into()];
    let r = boot_retrying(&o).expect("boot");
    assert_eq!(r.status, BootStatus::Passed, "{r:?}");
    let m = &r.tests[1];
    assert_eq!(
        m.retried.as_ref().map(|x| x.verdict),
        Some(RetryVerdict::Flaky)
    );
    let retry_log = d.path().join("console.retry.log");
    let text = std::fs::read_to_string(&retry_log).expect("retry console log");
    assert!(text.contains("ok 1 marker"), "{text}");
    assert_eq!(
        r.retry.and_then(|b| b.console_log),
        Some(retry_log.display().to_string())
    );
}
