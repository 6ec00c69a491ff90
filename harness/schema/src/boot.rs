//! The `harness.boot/1` report model (see docs/contract.md).

use serde::{Deserialize, Serialize};

pub const BOOT_SCHEMA: &str = "harness.boot/1";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BootStatus {
    Passed,
    /// Every test passed but the kernel printed a splat the policy fails
    /// on (a WARN, lockdep, KASAN, ...): never a plain pass.
    TestsPassedKernelWarned,
    TestsFailed,
    Panic,
    Timeout,
    NoOutput,
    QemuError,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TestStatus {
    Pass,
    Fail,
    Skip,
    Xfail,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TestResult {
    pub name: String,
    pub status: TestStatus,
    /// SKIP/XFAIL reason or failure detail.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub reason: Option<String>,
    /// Nested KTAP subtests, if the test reported any.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub subtests: Vec<TestResult>,
    /// Set when the test failed and was re-run in a fresh boot: both
    /// results and whether it was flaky (see `retry`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub retried: Option<Retried>,
    /// Seconds the test took, measured in the guest (`# harness-time:`
    /// printed by the runner from /proc/uptime); absent for tests whose
    /// runner does not say (KUnit, kselftest subtests).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub seconds: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BootReport {
    pub schema: String,
    pub status: BootStatus,
    /// "kvm" or "tcg", with why when falling back (see `accel_note`).
    pub accel: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub accel_note: Option<String>,
    pub seconds: f64,
    pub tests: Vec<TestResult>,
    /// First lines of a panic / oops / BUG trace.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub trace: Vec<String>,
    /// Path of the serial console log.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub console_log: Option<String>,
    /// The kernel image that was booted.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub kernel: Option<String>,
    /// Why the status is what it is when that is not obvious from `tests`
    /// (QEMU's error message, which timeout fired, how the output ended).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub detail: Option<String>,
    /// The KTAP plan of the top-level suite (`1..N`), when one was printed.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub tests_planned: Option<u32>,
    /// Every kernel splat on the console (WARN, lockdep, KASAN, ...).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub splats: Vec<Splat>,
    /// The fresh boot that re-ran the failed tests, when there was one.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub retry: Option<RetryBoot>,
}

impl BootReport {
    /// An empty report with the schema set; fill in the rest.
    pub fn new(status: BootStatus, accel: impl Into<String>) -> Self {
        BootReport {
            schema: BOOT_SCHEMA.to_string(),
            status,
            accel: accel.into(),
            accel_note: None,
            seconds: 0.0,
            tests: Vec::new(),
            trace: Vec::new(),
            console_log: None,
            kernel: None,
            detail: None,
            tests_planned: None,
            splats: Vec::new(),
            retry: None,
        }
    }
}

impl TestResult {
    pub fn new(name: impl Into<String>, status: TestStatus) -> Self {
        TestResult {
            name: name.into(),
            status,
            reason: None,
            subtests: Vec::new(),
            retried: None,
            seconds: None,
        }
    }
}

/// What kind of report the kernel printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SplatKind {
    /// `WARNING: CPU: N PID: N at FILE:LINE FUNC` (WARN_ON and friends).
    Warning,
    /// lockdep: circular or recursive locking, inconsistent lock state,
    /// bad unlock balance, suspicious RCU usage.
    Lockdep,
    /// `BUG: sleeping function called from invalid context` (DEBUG_ATOMIC_SLEEP).
    SleepInAtomic,
    Kasan,
    Kcsan,
    Kfence,
    Ubsan,
    /// `rcu: INFO: rcu_* detected stalls`.
    RcuStall,
    /// `INFO: task NAME:PID blocked for more than N seconds`.
    HungTask,
    /// `refcount_t: underflow; use-after-free` and the like.
    Refcount,
    /// `watchdog: BUG: soft lockup`.
    SoftLockup,
    /// `... invoked oom-killer`.
    Oom,
    /// `unreferenced object 0x...` (kmemleak).
    Kmemleak,
    /// Any other `BUG:` / `kernel BUG at`.
    Bug,
    /// `Oops:`, `general protection fault`, `Unable to handle kernel ...`.
    Oops,
    /// `Kernel panic - not syncing`.
    Panic,
}

impl SplatKind {
    /// Every kind, for "all kinds fail a cell" defaults and documentation.
    pub const ALL: [SplatKind; 16] = [
        SplatKind::Warning,
        SplatKind::Lockdep,
        SplatKind::SleepInAtomic,
        SplatKind::Kasan,
        SplatKind::Kcsan,
        SplatKind::Kfence,
        SplatKind::Ubsan,
        SplatKind::RcuStall,
        SplatKind::HungTask,
        SplatKind::Refcount,
        SplatKind::SoftLockup,
        SplatKind::Oom,
        SplatKind::Kmemleak,
        SplatKind::Bug,
        SplatKind::Oops,
        SplatKind::Panic,
    ];
}

/// One report the kernel printed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Splat {
    pub kind: SplatKind,
    /// The line that starts it (cleaned of timestamps and log levels).
    pub headline: String,
    /// The guest test that was running, or `None` during boot (before the
    /// suite started) or after the last result.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub test: Option<String>,
    /// The first lines of the report, at most 12 (the boot crate's `SPLAT_LINES`).
    pub lines: Vec<String>,
    /// `kind:func1/func2/func3`, the first functions of the call trace (or
    /// the function the headline names); stable across addresses and runs.
    pub fingerprint: String,
    /// 1-based line of the console log where it starts.
    pub console_line: usize,
    /// Whether it is allowed by the policy (then it does not fail the cell).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub allowed: Option<String>,
}

/// What the fresh boot said about a test that failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RetryVerdict {
    /// Failed, then passed (or xfailed) in the fresh boot.
    Flaky,
    /// The fresh boot did not pass it either (failed, skipped it, or never
    /// reported it).
    FailedAgain,
}

/// One attempt's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempt {
    pub status: TestStatus,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub reason: Option<String>,
}

/// Both results of a test that was re-run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Retried {
    pub verdict: RetryVerdict,
    pub first: Attempt,
    pub second: Attempt,
}

/// The fresh boot that re-ran the failed tests.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RetryBoot {
    pub status: BootStatus,
    pub seconds: f64,
    /// The tests it ran (the first boot's failures).
    pub tests: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub console_log: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub detail: Option<String>,
    /// Splats of the fresh boot (`console_line` is a line of its own log).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub splats: Vec<Splat>,
}
