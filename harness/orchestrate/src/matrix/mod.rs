//! `harness matrix`: series x trees x configs, applied, built, booted, tested.

pub mod attribution;
pub mod auto_tree;
pub mod bisect;
pub mod cells;
pub mod config;
pub mod events;
pub mod execute;
pub mod layout;
pub mod plan;
pub mod preflight;
pub mod real;
pub mod reproduce;
pub mod run;
pub mod stages;
