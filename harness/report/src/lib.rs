//! harness-report
