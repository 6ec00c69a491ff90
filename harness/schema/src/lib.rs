//! harness-schema: the output types of every `harness.*/N` JSON document
//! harness writes, each documented where it is defined (the field tables in
//! `docs/contract.md` §3 follow these types). Stage crates build these values
//! and re-export them; readers of harness's JSON (CI scripts, dashboards,
//! `harness report`) depend on this crate alone.
//!
//! Every top-level document has a `schema` string `harness.<name>/<major>`;
//! within a major, fields are only added (contract §3.1).

pub mod apply;
pub mod boot;
pub mod build;
pub mod checkpatch;
pub mod compare;
pub mod diagnosis;
pub mod history;
pub mod kconfig;
pub mod matrix;
pub mod pathbytes;
pub mod refresh;
pub mod refresh_check;
pub mod status;
pub mod tree_pin;
pub mod trees;
pub mod walk;
