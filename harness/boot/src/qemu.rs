//! Boot one kernel in QEMU, capture the serial console, classify the outcome.

use crate::accel::{choose, AccelPref};
use crate::console::{detect_crash, init_started};
use crate::ktap::{self, KtapResult, KtapStatus};
use crate::proc_guard::spawn_guarded;
use crate::report::{BootReport, BootStatus, TestResult, TestStatus};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct BootOptions {
    pub kernel: PathBuf,
    pub initramfs: PathBuf,
    /// Whole-run deadline.
    pub timeout: Duration,
    /// Kill the VM when the console has been silent this long.
    pub silence: Duration,
    /// Where the serial console is written (complete, as received).
    pub console_log: Option<PathBuf>,
    pub accel: AccelPref,
    /// QEMU binary.
    pub qemu: PathBuf,
    pub memory_mb: u32,
    /// Extra kernel command-line words.
    pub append: Vec<String>,
    /// Per-test deadline inside the guest (passed as HARNESS_TEST_TIMEOUT).
    pub test_timeout: Option<Duration>,
    /// Names of the tests the guest should report, in order (see
    /// `initramfs::suite_test_names`). Planned tests that never report are
    /// listed as failed under these names. Empty for a custom init.
    pub expected_tests: Vec<String>,
    /// `-name` of the QEMU process (default `harness-boot-<pid>-<n>`): lets
    /// tests and operators find it with `pgrep -f`.
    pub name_tag: Option<String>,
    /// Which kernel splats fail a boot whose tests passed.
    pub splats: crate::splat::SplatPolicy,
    /// Re-run failed guest tests once in a fresh boot (see `retry`); used
    /// by `retry::boot_retrying`, not by `boot`.
    pub retry: bool,
}

impl BootOptions {
    pub fn new(kernel: impl Into<PathBuf>, initramfs: impl Into<PathBuf>) -> Self {
        BootOptions {
            kernel: kernel.into(),
            initramfs: initramfs.into(),
            timeout: Duration::from_secs(300),
            silence: Duration::from_secs(60),
            console_log: None,
            accel: AccelPref::Auto,
            qemu: PathBuf::from("qemu-system-x86_64"),
            memory_mb: 512,
            append: Vec::new(),
            test_timeout: None,
            expected_tests: Vec::new(),
            name_tag: None,
            splats: crate::splat::SplatPolicy::default(),
            retry: true,
        }
    }
}

/// The harness could not run QEMU at all (as opposed to a kernel that does
/// not boot, which is a [`BootReport`] with a failing status).
#[derive(Debug, thiserror::Error)]
pub enum BootError {
    #[error("cannot run {qemu}: {source} (install qemu-system-x86)")]
    Spawn {
        qemu: PathBuf,
        source: std::io::Error,
    },
    #[error("kernel image {path}: {source}")]
    Kernel {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("initramfs {path}: {source}")]
    Initramfs {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("console log {path}: {source}")]
    Log {
        path: PathBuf,
        source: std::io::Error,
    },
}

static SEQ: AtomicU32 = AtomicU32::new(0);

/// Default QEMU `-name` for this process's next boot.
pub fn default_name_tag() -> String {
    format!(
        "harness-boot-{}-{}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::SeqCst)
    )
}

/// How the run ended, before looking at the console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunEnd {
    /// QEMU exited by itself with this status code (None: killed by a signal).
    Exited(Option<i32>),
    /// The whole-run deadline passed.
    Deadline,
    /// No console output for the silence limit.
    Silence,
}

/// Keep at most this much console text in memory (the log file has all of it).
const MAX_CAPTURE: usize = 32 << 20;
/// Before the first console byte the silence limit is at least this long.
pub const FIRST_OUTPUT_MIN: Duration = Duration::from_secs(60);
/// After a panic marker, wait at most this long for the trace and the reboot.
const PANIC_GRACE: Duration = Duration::from_secs(3);

/// Boot `opts.kernel` and report. Never leaves QEMU running.
pub fn boot(opts: &BootOptions) -> Result<BootReport, BootError> {
    std::fs::metadata(&opts.kernel).map_err(|source| BootError::Kernel {
        path: opts.kernel.clone(),
        source,
    })?;
    std::fs::metadata(&opts.initramfs).map_err(|source| BootError::Initramfs {
        path: opts.initramfs.clone(),
        source,
    })?;
    let mut log = match &opts.console_log {
        Some(p) => {
            if let Some(dir) = p.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|source| BootError::Log {
                    path: p.clone(),
                    source,
                })?;
            }
            Some(std::fs::File::create(p).map_err(|source| BootError::Log {
                path: p.clone(),
                source,
            })?)
        }
        None => None,
    };

    let choice = choose(opts.accel, &opts.qemu, &opts.kernel);
    let tag = opts.name_tag.clone().unwrap_or_else(default_name_tag);
    let append = kernel_command_line(opts, choice.accel);

    let mut cmd = Command::new(&opts.qemu);
    // `-M pc`: under TCG q35 was no faster (bench-boot, tinyconfig+netns:
    // boot + 9 tests 2.32 s vs 2.33 s, 2.10 s vs 1.90 s with noapictimer).
    cmd.args(["-name", &tag, "-accel", choice.accel, "-M", "pc"])
        .args(["-m", &opts.memory_mb.to_string(), "-smp", "1"])
        .args([
            "-nodefaults",
            "-no-user-config",
            "-display",
            "none",
            "-no-reboot",
        ])
        .args(["-serial", "stdio", "-kernel"])
        .arg(&opts.kernel)
        .arg("-initrd")
        .arg(&opts.initramfs)
        .arg("-append")
        .arg(append.join(" "))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());

    let start = Instant::now();
    let mut child = spawn_guarded(&mut cmd).map_err(|source| BootError::Spawn {
        qemu: opts.qemu.clone(),
        source,
    })?;

    // Readers: stdout (console) in chunks over a channel; stderr collected.
    let (tx, rx) = mpsc::channel::<Vec<u8>>();
    if let Some(mut out) = child.child_mut().stdout.take() {
        std::thread::spawn(move || {
            let mut buf = vec![0u8; 16 * 1024];
            loop {
                match out.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if tx.send(buf.get(..n).unwrap_or_default().to_vec()).is_err() {
                            break;
                        }
                    }
                }
            }
        });
    } else {
        drop(tx);
    }
    let stderr_thread = child.child_mut().stderr.take().map(|mut err| {
        std::thread::spawn(move || {
            let mut s = Vec::new();
            let _ = (&mut err).take(64 * 1024).read_to_end(&mut s);
            // Drain the rest so QEMU never blocks on a full pipe.
            let _ = std::io::copy(&mut err, &mut std::io::sink());
            String::from_utf8_lossy(&s).to_string()
        })
    });

    let deadline = start + opts.timeout;
    let mut captured: Vec<u8> = Vec::new();
    let mut last_output = Instant::now();
    let mut panic_deadline: Option<Instant> = None;
    let mut log_error: Option<String> = None;
    let end = loop {
        let now = Instant::now();
        // The silence clock starts with the first console byte: before it,
        // firmware and kernel decompression under TCG on a loaded machine can
        // take longer than a tight silence limit (measured: > 8 s).
        let silent_until = if captured.is_empty() {
            start + opts.silence.max(FIRST_OUTPUT_MIN)
        } else {
            last_output + opts.silence
        };
        let mut limit = deadline.min(silent_until);
        if let Some(p) = panic_deadline {
            limit = limit.min(p);
        }
        if now >= limit {
            break if now >= deadline {
                RunEnd::Deadline
            } else if panic_deadline.is_some_and(|p| now >= p) {
                // Panicked and did not reboot: treated like a clean end.
                RunEnd::Exited(None)
            } else {
                RunEnd::Silence
            };
        }
        match rx.recv_timeout(limit - now) {
            Ok(chunk) => {
                last_output = Instant::now();
                if let Some(f) = log.as_mut() {
                    if let Err(e) = f.write_all(&chunk) {
                        log_error.get_or_insert(e.to_string());
                    }
                }
                if captured.len() < MAX_CAPTURE {
                    captured.extend_from_slice(&chunk);
                }
                if panic_deadline.is_none() {
                    let tail_start = captured.len().saturating_sub(chunk.len() + 64);
                    let tail =
                        String::from_utf8_lossy(captured.get(tail_start..).unwrap_or_default());
                    if tail.contains("Kernel panic - not syncing") {
                        panic_deadline = Some(Instant::now() + PANIC_GRACE);
                    }
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => continue,
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                // Console closed: QEMU is exiting. Give it a moment, no more.
                let closed = Instant::now();
                let mut code = None;
                while closed.elapsed() < Duration::from_secs(5) {
                    if let Ok(Some(status)) = child.try_wait() {
                        code = status.code();
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(10));
                }
                break RunEnd::Exited(code);
            }
        }
    };
    child.kill_group();
    let code_after_kill = child.try_wait().ok().flatten().and_then(|s| s.code());
    drop(child);
    let stderr_text = stderr_thread
        .and_then(|h| h.join().ok())
        .unwrap_or_default();
    if let Some(f) = log.as_mut() {
        let _ = f.flush();
    }
    let seconds = start.elapsed().as_secs_f64();
    let end = match end {
        RunEnd::Exited(None) => RunEnd::Exited(code_after_kill),
        e => e,
    };

    let console = String::from_utf8_lossy(&captured).to_string();
    let mut report = classify(&console, &end, &stderr_text, opts);
    report.accel = choice.accel.to_string();
    report.accel_note = choice.note;
    report.seconds = (seconds * 1000.0).round() / 1000.0;
    report.kernel = Some(opts.kernel.display().to_string());
    report.console_log = opts.console_log.as_ref().map(|p| p.display().to_string());
    if let Some(e) = log_error {
        let d = report.detail.take().unwrap_or_default();
        report.detail = Some(
            format!("{d} (console log incomplete: {e})")
                .trim()
                .to_string(),
        );
    }
    Ok(report)
}

/// The kernel command line for a boot under `accel` ("kvm" or "tcg"): the
/// harness's words, then the caller's (`opts.append`, so they can override).
pub fn kernel_command_line(opts: &BootOptions, accel: &str) -> Vec<String> {
    let mut words = vec![
        "console=ttyS0".to_string(),
        "panic=-1".to_string(),
        "rdinit=/init".to_string(),
        // Fixed user-space addresses let TCG reuse the code it translated for
        // the previous exec of the same binary and libraries; with ASLR every
        // exec of the dynamically linked `ip` is translated afresh (measured
        // under TCG: 77 ms per `ip link show` with ASLR, 17 ms without).
        "norandmaps".to_string(),
    ];
    if accel == "tcg" {
        // Under TCG the local APIC timer's calibration against jiffies takes
        // 0.1-0.4 s of kernel init and then often fails its verification
        // ("APIC timer disabled due to verification failure"), leaving the
        // PIT as the tick; `noapictimer` goes to the PIT straight away.
        // Measured on linux-6.1 netns+debug under TCG: calibrate-delay to
        // clocksource switch 0.46-0.48 s without, 0.18-0.24 s with; on
        // tinyconfig+netns (scripts/bench-boot.sh, 3 interleaved boots):
        // first byte to `Run /init` 0.60 s -> 0.35 s, boot + 9 tests 2.33 s
        // -> 1.90 s, every test passing either way.
        words.push("noapictimer".to_string());
    }
    if let Some(t) = opts.test_timeout {
        words.push(format!("HARNESS_TEST_TIMEOUT={}", t.as_secs().max(1)));
    }
    words.extend(opts.append.iter().cloned());
    words
}

fn qemu_message(stderr: &str) -> String {
    stderr
        .lines()
        .filter(|l| !l.contains("host doesn't support requested feature"))
        .filter(|l| !l.contains("terminating on signal"))
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

fn to_status(s: KtapStatus) -> TestStatus {
    match s {
        KtapStatus::Pass => TestStatus::Pass,
        KtapStatus::Fail => TestStatus::Fail,
        KtapStatus::Skip => TestStatus::Skip,
        KtapStatus::Xfail => TestStatus::Xfail,
    }
}

fn convert(r: &KtapResult, fallback_name: &str) -> TestResult {
    let name = if r.name.is_empty() {
        fallback_name.to_string()
    } else {
        r.name.clone()
    };
    let mut t = TestResult::new(name, to_status(r.status));
    t.reason = r.reason.clone();
    t.seconds = guest_seconds(&r.diagnostics);
    t.subtests = r
        .subtests
        .iter()
        .enumerate()
        .map(|(i, s)| convert(s, &format!("subtest {}", i + 1)))
        .collect();
    dedupe_names(&mut t.subtests);
    t
}

/// The duration the guest runner printed for a test (`# harness-time: 1.25`,
/// the last such line before its result).
fn guest_seconds(diagnostics: &[String]) -> Option<f64> {
    diagnostics
        .iter()
        .rev()
        .find_map(|d| d.trim().strip_prefix("harness-time:"))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
}

/// Repeated names get `#2`, `#3`... so every result has a unique name.
fn dedupe_names(tests: &mut [TestResult]) {
    let mut seen: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
    for t in tests.iter_mut() {
        let n = seen.entry(t.name.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            t.name = format!("{}#{}", t.name, n);
        }
    }
}

/// Turn the console text and the way the run ended into a report.
/// Pure (no processes); `boot` fills in accel, seconds and paths.
pub fn classify(console: &str, end: &RunEnd, qemu_stderr: &str, opts: &BootOptions) -> BootReport {
    let mut report = BootReport::new(BootStatus::Passed, "");
    let doc = ktap::parse(console);
    report.tests_planned = doc.top.plan;

    // Tests: what was reported, then what was expected but never came.
    let expected = &opts.expected_tests;
    let mut tests: Vec<TestResult> = Vec::new();
    for (i, r) in doc.top.results.iter().enumerate() {
        let pos = r.number.map(|n| n as usize).unwrap_or(i + 1);
        let fallback = expected
            .get(pos.saturating_sub(1))
            .cloned()
            .unwrap_or_else(|| format!("test {pos}"));
        tests.push(convert(r, &fallback));
    }
    let not_run_reason = match end {
        RunEnd::Deadline => "not run: the whole-run deadline passed first",
        RunEnd::Silence => "not run: the console went silent first",
        RunEnd::Exited(_) => "not run: the console output ended first",
    };
    let mut not_run: Vec<TestResult> = Vec::new();
    for n in &doc.top.missing {
        let name = expected
            .get((*n as usize).saturating_sub(1))
            .cloned()
            .unwrap_or_else(|| format!("test {n}"));
        let mut t = TestResult::new(name, TestStatus::Fail);
        t.reason = Some(not_run_reason.to_string());
        not_run.push(t);
    }
    if doc.top.plan.is_none() && !expected.is_empty() {
        // No plan: anything expected and not reported by name did not run.
        for name in expected.iter().skip(doc.top.results.len()) {
            let mut t = TestResult::new(name.clone(), TestStatus::Fail);
            t.reason = Some(not_run_reason.to_string());
            not_run.push(t);
        }
    }
    tests.extend(not_run);
    dedupe_names(&mut tests);
    let any_failed = tests.iter().any(|t| t.status == TestStatus::Fail);
    report.tests = tests;

    let crash = detect_crash(console);
    let qemu_msg = qemu_message(qemu_stderr);
    let console_empty = console.trim().is_empty();

    report.status = if let Some(c) = &crash {
        report.trace = c.trace.clone();
        report.detail = Some(c.headline.clone());
        BootStatus::Panic
    } else if console_empty && matches!(end, RunEnd::Exited(Some(c)) if *c != 0) {
        report.detail = Some(format!(
            "QEMU exited with status {} before any console output: {}",
            match end {
                RunEnd::Exited(Some(c)) => c.to_string(),
                _ => "?".into(),
            },
            if qemu_msg.is_empty() {
                "no message"
            } else {
                &qemu_msg
            }
        ));
        BootStatus::QemuError
    } else if console_empty {
        report.detail = Some(match end {
            RunEnd::Deadline => format!(
                "no console output before the {} s deadline",
                opts.timeout.as_secs()
            ),
            RunEnd::Silence => format!(
                "no console output in {} s (silence limit before the first output)",
                opts.silence.max(FIRST_OUTPUT_MIN).as_secs()
            ),
            RunEnd::Exited(_) => {
                if qemu_msg.is_empty() {
                    "QEMU exited without console output".into()
                } else {
                    format!("QEMU exited without console output: {qemu_msg}")
                }
            }
        });
        BootStatus::NoOutput
    } else if matches!(end, RunEnd::Deadline) {
        report.detail = Some(format!(
            "whole-run deadline of {} s passed; VM killed",
            opts.timeout.as_secs()
        ));
        BootStatus::Timeout
    } else if matches!(end, RunEnd::Silence) {
        report.detail = Some(format!(
            "no console output for {} s; VM killed",
            opts.silence.as_secs()
        ));
        BootStatus::Timeout
    } else if matches!(end, RunEnd::Exited(Some(c)) if *c != 0) {
        report.detail = Some(format!(
            "QEMU exited with status {}: {}",
            match end {
                RunEnd::Exited(Some(c)) => c.to_string(),
                _ => "?".into(),
            },
            if qemu_msg.is_empty() {
                "no message"
            } else {
                &qemu_msg
            }
        ));
        BootStatus::QemuError
    } else if any_failed {
        BootStatus::TestsFailed
    } else {
        BootStatus::Passed
    };
    report.splats = crate::splat::scan(console);
    if report.status == BootStatus::Passed {
        if let Some(s) = opts.splats.judge(&mut report.splats) {
            report.detail = Some(format!(
                "every test passed, but the kernel printed {} ({}){}: {}",
                s.fingerprint,
                s.headline,
                s.test
                    .as_ref()
                    .map(|t| format!(" during {t}"))
                    .unwrap_or_default(),
                "see `splats` (allow it in boot.splats.allow with a reason if it is known)"
            ));
            report.status = BootStatus::TestsPassedKernelWarned;
        }
    } else {
        opts.splats.judge(&mut report.splats);
    }

    if report.detail.is_none() {
        if !expected.is_empty() && !init_started(console) {
            report.detail = Some("the harness init never started".into());
        } else if doc.truncated {
            report.detail = Some("KTAP output ended early (truncated)".into());
        }
    }
    report
}

/// Path helper for callers: `<dir>/<tag>.log`.
pub fn console_log_path(dir: &Path, tag: &str) -> PathBuf {
    dir.join(format!("{tag}.log"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(expected: &[&str]) -> BootOptions {
        let mut o = BootOptions::new("/k", "/i");
        o.expected_tests = expected.iter().map(|s| s.to_string()).collect();
        o
    }

    #[test]
    fn real_debian_capture_passes() {
        let text = include_str!("../testdata/debian-6.1.176-tcg-all-pass.log");
        let r = classify(text, &RunEnd::Exited(Some(0)), "", &opts(&[]));
        assert_eq!(r.status, BootStatus::Passed, "{r:?}");
        assert_eq!(r.tests.len(), 9);
        assert_eq!(r.tests_planned, Some(9));
        assert!(r.tests.iter().all(|t| t.status == TestStatus::Pass));
        let veth = r
            .tests
            .iter()
            .find(|t| t.name == "veth_ping_both_ways")
            .expect("veth");
        assert_eq!(veth.subtests.len(), 2);
    }

    #[test]
    fn crash_mid_run_names_missing_tests() {
        let text = "harness-init: kernel 6.1\nKTAP version 1\n1..3\nok 1 a\n\
[ 2.0] BUG: kernel NULL pointer dereference, address: 0000000000000000\n\
[ 2.1] Kernel panic - not syncing: Fatal exception\n";
        let r = classify(text, &RunEnd::Exited(Some(0)), "", &opts(&["a", "b", "c"]));
        assert_eq!(r.status, BootStatus::Panic);
        assert_eq!(r.trace.len(), 2);
        let got: Vec<_> = r
            .tests
            .iter()
            .map(|t| (t.name.as_str(), t.status))
            .collect();
        assert_eq!(
            got,
            vec![
                ("a", TestStatus::Pass),
                ("b", TestStatus::Fail),
                ("c", TestStatus::Fail)
            ]
        );
    }

    #[test]
    fn silence_is_timeout_or_no_output() {
        let r = classify(
            "[ 0.1] Linux version 6.1\n",
            &RunEnd::Silence,
            "",
            &opts(&[]),
        );
        assert_eq!(r.status, BootStatus::Timeout);
        let r = classify("", &RunEnd::Deadline, "", &opts(&[]));
        assert_eq!(r.status, BootStatus::NoOutput);
        let r = classify(
            "",
            &RunEnd::Exited(Some(1)),
            "qemu: could not load kernel",
            &opts(&[]),
        );
        assert_eq!(r.status, BootStatus::QemuError);
        assert!(r
            .detail
            .as_deref()
            .is_some_and(|d| d.contains("could not load kernel")));
    }

    #[test]
    fn failing_test_and_xfail() {
        let text = "harness-init: kernel x\nKTAP version 1\n1..2\nok 1 a # XFAIL expected\n# b: broke\nnot ok 2 b\n";
        let r = classify(text, &RunEnd::Exited(Some(0)), "", &opts(&["a", "b"]));
        assert_eq!(r.status, BootStatus::TestsFailed);
        assert_eq!(r.tests[0].status, TestStatus::Xfail);
        assert_eq!(r.tests[1].reason.as_deref(), Some("b: broke"));
    }

    /// As qemu/run-tests prints them: the duration line comes right after
    /// the test, before a failure's reason, so the reason is still the last
    /// diagnostic and each result gets its own duration.
    #[test]
    fn guest_durations_are_each_tests_and_keep_the_reason() {
        let text = "harness-init: kernel x\nKTAP version 1\n1..3\n# harness-time: 0.07\nok 1 a\n\
                    # harness-time: 12.40\n# out\n# b: broke\nnot ok 2 b\nok 3 c\n";
        let r = classify(text, &RunEnd::Exited(Some(0)), "", &opts(&[]));
        let secs: Vec<Option<f64>> = r.tests.iter().map(|t| t.seconds).collect();
        assert_eq!(secs, [Some(0.07), Some(12.4), None]);
        assert_eq!(r.tests[1].reason.as_deref(), Some("b: broke"));
    }

    /// TCG boots skip the APIC timer (its calibration is slow there and its
    /// verification often fails); KVM keeps it. The caller's words come
    /// last, so `--append` can still add or override.
    #[test]
    fn command_line_skips_apic_timer_under_tcg_only() {
        let mut o = opts(&[]);
        o.append = vec!["printk.time=1".into()];
        let tcg = kernel_command_line(&o, "tcg");
        let kvm = kernel_command_line(&o, "kvm");
        assert!(tcg.iter().any(|w| w == "noapictimer"), "{tcg:?}");
        assert!(!kvm.iter().any(|w| w == "noapictimer"), "{kvm:?}");
        assert_eq!(tcg.first().map(String::as_str), Some("console=ttyS0"));
        assert_eq!(tcg.last().map(String::as_str), Some("printk.time=1"));
        assert_eq!(kvm.last().map(String::as_str), Some("printk.time=1"));
    }

    #[test]
    fn no_ktap_with_expected_suite_fails_every_test() {
        let r = classify(
            "harness-init: kernel x\n",
            &RunEnd::Exited(Some(0)),
            "",
            &opts(&["a", "b"]),
        );
        assert_eq!(r.status, BootStatus::TestsFailed);
        assert_eq!(r.tests.len(), 2);
    }

    #[test]
    fn repeated_names_made_unique() {
        let text = "KTAP version 1\n1..2\nok 1 x\nok 2 x\n";
        let r = classify(text, &RunEnd::Exited(Some(0)), "", &opts(&[]));
        let names: Vec<_> = r.tests.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, vec!["x", "x#2"]);
    }
}
