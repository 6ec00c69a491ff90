//! harness-build
