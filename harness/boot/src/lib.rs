//! harness-boot
