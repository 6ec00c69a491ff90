//! harness-build: kernel config fragments, verified merges, `make O=` builds,
//! warning/error parsing and attribution of warnings to patches.
//!
//! Every process that runs code from a kernel tree (`make`, kconfig) is created
//! through a caller-supplied [`CommandFactory`], so the caller can put it in a
//! sandbox. The library never prints.

pub mod attribute;
pub mod build;
pub mod dotconfig;
pub mod fragment;
pub mod hosttools;
pub mod kconfig;
pub mod kconfig_db;
pub mod log;
pub mod store;

use std::process::Command;

pub use attribute::{
    attribute, new_warnings, not_in_baseline, AttributedDiagnostic, Origin, PatchLines,
};
pub use build::{build, BuildError, BuildOptions, BuildOutcome, BuildStatus, LimitHit};
pub use fragment::{Fragment, Request, RequestValue};
pub use hosttools::{check_host_tools, MissingTool};
pub use kconfig::{merge, KconfigError, KconfigOutcome, MergeOptions, SymbolCheck, SymbolStatus};
pub use log::{parse_log, Diagnostic, Severity};
pub use store::{lock_build_dir, BuildDirLock};

/// Creates the `Command`s that run tree code. The sandbox crate supplies one
/// that wraps the program in bubblewrap; [`HostCommands`] runs it directly.
/// Any `Fn(&str) -> Command` is a factory too.
pub trait CommandFactory {
    /// A command for `program` (e.g. `"make"`); the caller adds arguments.
    fn command(&self, program: &str) -> Command;
}

/// Runs programs directly on the host.
#[derive(Debug, Clone, Copy, Default)]
pub struct HostCommands;

impl CommandFactory for HostCommands {
    fn command(&self, program: &str) -> Command {
        Command::new(program)
    }
}

impl<F: Fn(&str) -> Command> CommandFactory for F {
    fn command(&self, program: &str) -> Command {
        self(program)
    }
}

/// The harness version, part of every build input hash.
pub const HARNESS_VERSION: &str = env!("CARGO_PKG_VERSION");
