//! harness-checks: per-patch checks as kernel CI runs them.
//!
//! * [`checkpatch`]: checkpatch.pl's output parsed into typed [`Finding`]s
//!   (level, type, message, file:line, the line in the patch), the counts
//!   checked against its own `total:` line.
//! * [`run`](mod@run): running the tree's own `scripts/checkpatch.pl` on one patch as
//!   posted (`--strict`, `--codespell` when codespell is installed).
//! * [`report`]: `harness.checkpatch/1`, a series' findings per patch;
//!   [`render`]: its Markdown, JUnit XML and HTML.
//! * [`b4`]: b4's CI check protocol (`b4 review`'s external check commands).
//!
//! This crate runs checkpatch (a host process) but never prints.

pub mod b4;
pub mod checkpatch;
pub mod codespell;
pub mod render;
pub mod report;
pub mod run;

pub use checkpatch::{Finding, Level, Totals};
pub use report::{CheckpatchReport, Verdict, CHECKPATCH_SCHEMA};
pub use run::{Codespell, Isolation, Options, Run, RunError};
