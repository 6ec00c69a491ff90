//! harness-orchestrate: the layer between the pure core and the CLI.
//! Reads and writes trees on disk, runs the pipeline stages, emits events.
//! Never prints: the CLI renders events and outcomes.

pub mod apply;
pub mod base;
pub mod base_tree;
pub mod blame;
pub mod checkpatch;
pub mod matrix;
pub mod mtimes;
pub mod patch_id;
pub mod prereq;
pub mod refresh;
pub mod refresh_check;
pub mod sandboxing;
pub mod threeway;
pub mod walk;
pub mod walk_run;

#[cfg(test)]
pub(crate) mod test_git;
