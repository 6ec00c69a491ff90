//! harness-boot: initramfs, QEMU boots, console capture, KTAP parsing.
//!
//! ```no_run
//! use harness_boot::{boot, initramfs, BootOptions};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let opts = initramfs::InitramfsOptions::new("qemu");
//! let image = initramfs::ensure(std::path::Path::new("/tmp/cache"), &opts)?;
//! let mut b = BootOptions::new("bzImage", image);
//! b.expected_tests = initramfs::suite_test_names(std::path::Path::new("qemu"))?;
//! let report = boot(&b)?; // harness.boot/1
//! # Ok(()) }
//! ```
pub mod accel;
pub mod console;
pub mod cpio;
pub mod initramfs;
pub mod ktap;
/// Re-exported from harness-proc (make uses it too).
pub use harness_proc as proc_guard;
pub mod qemu;
pub mod report;
pub mod retry;
pub mod splat;

pub use accel::{AccelChoice, AccelPref};
pub use qemu::{boot, BootError, BootOptions};
pub use report::{BootReport, BootStatus, TestResult, TestStatus, BOOT_SCHEMA};
pub use retry::{boot_retrying, RetryVerdict};
