//! The `harness.boot/1` report model (see DESIGN.md "Contract").

use serde::{Deserialize, Serialize};

pub const BOOT_SCHEMA: &str = "harness.boot/1";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BootStatus {
    Passed,
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
}
