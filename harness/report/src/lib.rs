//! harness-report: the versioned matrix report model (`harness.matrix/1`) and
//! everything done with it afterwards: rendering (Markdown, JUnit XML, HTML),
//! writing a run directory atomically, comparing two runs, merging shard
//! reports and exporting to KCIDB (schema v5). Pure functions plus file
//! writes; never prints.

#[cfg(test)]
mod boot_json_tests;
pub mod compare;
pub mod error;
pub mod history;
pub mod html;
pub mod junit;
pub mod kcidb;
pub mod markdown;
pub mod shard;
pub mod view;
pub mod write;

/// The `harness.matrix/1` types (in harness-schema).
pub use harness_schema::matrix as model;
/// The name tables of the status enums (in harness-schema).
pub use harness_schema::status;
pub use harness_schema::word_enum;

pub use compare::{compare, Change, ChangeKind, Comparison, COMPARE_SCHEMA};
pub use error::ReportError;
pub use html::render_html;
pub use junit::render_junit;
pub use kcidb::{to_kcidb, to_kcidb_with, KcidbOptions};
pub use markdown::render_markdown;
pub use model::MatrixReport;
pub use shard::{merge, parse_shard, shard_filter, shard_of};
pub use view::{normalize, recompute_summary, Verdict};
pub use write::{load_report, write_run_dir, RunDirFiles};
