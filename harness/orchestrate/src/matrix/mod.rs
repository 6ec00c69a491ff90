//! `harness matrix`: series x trees x configs, applied, built, booted, tested.

pub mod attribution;
pub mod config;
pub mod layout;
pub mod preflight;
pub mod real;
pub mod run;
pub mod stages;
