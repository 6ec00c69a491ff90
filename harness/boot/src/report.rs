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
    pub retried: Option<crate::retry::Retried>,
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
    pub splats: Vec<crate::splat::Splat>,
    /// The fresh boot that re-ran the failed tests, when there was one.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub retry: Option<crate::retry::RetryBoot>,
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
