//! `harness.checkpatch/1`: the output types live in harness-schema.
pub use harness_schema::checkpatch::*;
