//! Flakes: a guest test that failed is re-run once in a fresh boot.
//!
//! The second boot gets two words on the kernel command line, which the
//! kernel hands to the guest init as environment variables:
//! `HARNESS_ATTEMPT=2` and `HARNESS_ONLY=name1,name2` (the failed tests;
//! `qemu/run-tests` then runs only those). The merged report keeps both
//! results of every re-run test in [`TestResult::retried`]: `flaky` when the
//! fresh boot passed it (its `status` is then that pass), `failed-again`
//! otherwise (its `status` stays the first failure). Only a boot whose status
//! is `tests-failed` is retried: a panic, a timeout or a QEMU error is the
//! kernel's or the host's failure, not a flaky test.

use crate::qemu::{BootError, BootOptions};
use crate::report::{BootReport, BootStatus, TestResult, TestStatus};
use crate::splat::{Splat, SplatPolicy};
use std::path::PathBuf;

/// Environment variable (from the kernel command line) with the attempt number.
pub const ATTEMPT_VAR: &str = "HARNESS_ATTEMPT";
/// Environment variable (from the kernel command line): the tests to run,
/// comma-separated.
pub const ONLY_VAR: &str = "HARNESS_ONLY";
/// Longest `HARNESS_ONLY=` word put on the command line (x86 allows 2048
/// bytes for the whole line).
const MAX_ONLY_LEN: usize = 1024;

pub use harness_schema::boot::{Attempt, Retried, RetryBoot, RetryVerdict};

/// Boot, and re-run the failed tests once in a fresh boot.
pub fn boot_retrying(opts: &BootOptions) -> Result<BootReport, BootError> {
    retry_with(opts, crate::qemu::boot)
}

/// [`boot_retrying`] with the boot function given (tests use a fake).
pub fn retry_with<F>(opts: &BootOptions, boot: F) -> Result<BootReport, BootError>
where
    F: Fn(&BootOptions) -> Result<BootReport, BootError>,
{
    let first = boot(opts)?;
    let Some((again, names)) = retry_options(opts, &first) else {
        return Ok(first);
    };
    match boot(&again) {
        Ok(second) => Ok(merge(first, second, &names, &opts.splats)),
        Err(e) => {
            let mut first = first;
            let d = first.detail.take().unwrap_or_default();
            first.detail = Some(
                format!("{d} (the retry boot could not run: {e})")
                    .trim()
                    .into(),
            );
            Ok(first)
        }
    }
}

/// The names a fresh boot can re-run: failed top-level tests of the planned
/// suite, with names the command line can carry.
fn retryable(opts: &BootOptions, first: &BootReport) -> Vec<String> {
    let safe = |n: &str| {
        !n.is_empty()
            && n.chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-:/+".contains(c))
    };
    first
        .tests
        .iter()
        .filter(|t| t.status == TestStatus::Fail && opts.expected_tests.contains(&t.name))
        .map(|t| t.name.clone())
        .filter(|n| safe(n))
        .collect()
}

/// Options of the retry boot and the tests it runs, or `None` when there is
/// nothing to retry.
pub fn retry_options(opts: &BootOptions, first: &BootReport) -> Option<(BootOptions, Vec<String>)> {
    if !opts.retry || first.status != BootStatus::TestsFailed {
        return None;
    }
    let names = retryable(opts, first);
    let only = names.join(",");
    if names.is_empty() || only.len() > MAX_ONLY_LEN {
        return None;
    }
    let mut again = opts.clone();
    again.retry = false;
    again.append.push(format!("{ATTEMPT_VAR}=2"));
    again.append.push(format!("{ONLY_VAR}={only}"));
    again.expected_tests = names.clone();
    again.console_log = opts.console_log.as_ref().map(|p| retry_log_path(p));
    again.name_tag = opts.name_tag.as_ref().map(|t| format!("{t}-retry"));
    Some((again, names))
}

/// `console.log` -> `console.retry.log`.
pub fn retry_log_path(p: &std::path::Path) -> PathBuf {
    let stem = p
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default();
    let ext = p
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_default();
    p.with_file_name(format!("{stem}.retry{ext}"))
}

fn attempt(t: &TestResult) -> Attempt {
    Attempt {
        status: t.status,
        reason: t.reason.clone(),
    }
}

/// The first boot's report with the re-run tests' second results folded in.
pub fn merge(
    mut first: BootReport,
    second: BootReport,
    names: &[String],
    policy: &SplatPolicy,
) -> BootReport {
    let mut flaky = Vec::new();
    for name in names {
        let Some(t) = first.tests.iter_mut().find(|t| &t.name == name) else {
            continue;
        };
        let again = second.tests.iter().find(|s| &s.name == name);
        let second_attempt = again.map(attempt).unwrap_or_else(|| Attempt {
            status: TestStatus::Fail,
            reason: Some(format!(
                "not reported by the retry boot ({})",
                second.detail.as_deref().unwrap_or("no result")
            )),
        });
        let passed = matches!(second_attempt.status, TestStatus::Pass | TestStatus::Xfail);
        let retried = Retried {
            verdict: if passed {
                RetryVerdict::Flaky
            } else {
                RetryVerdict::FailedAgain
            },
            first: attempt(t),
            second: second_attempt,
        };
        if let (true, Some(s)) = (passed, again) {
            t.status = s.status;
            t.reason = s.reason.clone();
            t.subtests = s.subtests.clone();
            flaky.push(name.clone());
        }
        t.retried = Some(retried);
    }
    let mut retry_splats = second.splats.clone();
    policy.judge(&mut retry_splats);
    first.seconds = ((first.seconds + second.seconds) * 1000.0).round() / 1000.0;
    first.retry = Some(RetryBoot {
        status: second.status,
        seconds: second.seconds,
        tests: names.to_vec(),
        console_log: second.console_log.clone(),
        detail: second.detail.clone(),
        splats: retry_splats,
    });
    rejudge(&mut first, &flaky, policy);
    first
}

/// After the merge: a boot whose failures were all flaky passed (or warned,
/// when either boot splatted); say which tests were flaky.
fn rejudge(report: &mut BootReport, flaky: &[String], policy: &SplatPolicy) {
    if flaky.is_empty() {
        return;
    }
    let note = format!(
        "flaky: {} failed, then passed in a fresh boot",
        flaky.join(", ")
    );
    if report.tests.iter().any(|t| t.status == TestStatus::Fail) {
        let d = report.detail.take().unwrap_or_default();
        report.detail = Some(format!("{d} ({note})").trim().into());
        return;
    }
    let mut all: Vec<Splat> = report.splats.clone();
    if let Some(r) = &report.retry {
        all.extend(r.splats.iter().cloned());
    }
    report.status = match policy.judge(&mut all) {
        Some(s) => {
            report.detail = Some(format!(
                "every test passed ({note}), but the kernel printed {} ({})",
                s.fingerprint, s.headline
            ));
            BootStatus::TestsPassedKernelWarned
        }
        None => {
            report.detail = Some(note);
            BootStatus::Passed
        }
    };
}

#[cfg(test)]
#[path = "retry_tests.rs"]
mod tests;
