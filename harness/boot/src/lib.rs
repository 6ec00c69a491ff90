//! harness-boot: initramfs, QEMU boots, console capture, KTAP parsing.
pub mod ktap;
pub mod report;
