//! `harness.kconfig/1`: a kconfig merge and the check of every requested
//! symbol (`harness kconfig --json`; embedded in `harness.build/2`).

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

pub const KCONFIG_SCHEMA: &str = "harness.kconfig/1";

/// Did a requested symbol survive?
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SymbolStatus {
    /// The final `.config` has the requested value.
    Held,
    /// It does not: an error.
    Dropped,
    /// It does not, but the fragment marked it `# harness: may-drop`.
    DroppedAllowed,
}

/// A dependency clause of a dropped symbol that is not met.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct UnmetClause {
    /// The expression as written (one top-level `&&` part).
    pub expr: String,
    /// `depends on` of the symbol itself, or `if`/`menu` around it.
    pub from: String,
    /// Symbols in the clause and their final values.
    pub symbols: Vec<(String, String)>,
    /// Requests (from the fragments) for those symbols, e.g. `IP_ADVANCED_ROUTER=n at f.config:3`.
    pub requested: Vec<String>,
}

/// Why a symbol did not get the requested value.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct DropReason {
    /// No `config X` in this tree's Kconfig.
    pub undefined: bool,
    /// Definitions: `file:line`.
    pub defined_at: Vec<String>,
    /// Not user-settable (no prompt): only `select` or its default sets it.
    pub no_prompt: bool,
    pub unmet: Vec<UnmetClause>,
    /// Active selectors forcing it on: `FOO (=y) at file:line`.
    pub selected_by: Vec<String>,
    /// One-line human summary.
    pub summary: String,
}

/// The check of one requested symbol.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SymbolCheck {
    pub symbol: String,
    /// Requested value as in a `.config` (`y`, `m`, `n`, `"str"`, `42`).
    pub wanted: String,
    /// Final value (`n` for "is not set", `None` when absent).
    pub actual: Option<String>,
    pub status: SymbolStatus,
    /// `fragment:line` of the request.
    pub requested_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<DropReason>,
}

/// The result of a merge.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KconfigOutcome {
    pub schema: String,
    pub tree: PathBuf,
    pub out_dir: PathBuf,
    pub config_path: PathBuf,
    pub base: String,
    pub fragments: Vec<PathBuf>,
    pub checks: Vec<SymbolCheck>,
    /// A later fragment changed an earlier fragment's value: human lines.
    pub overrides: Vec<String>,
    /// Fragment lines that were not understood: `file:line: text`.
    pub ignored_lines: Vec<String>,
    pub seconds: f64,
    /// Taken from the merge cache (no make ran).
    #[serde(default)]
    pub reused: bool,
    /// Output of the make invocations.
    pub log: String,
}

impl KconfigOutcome {
    /// Symbols that did not survive and were not allowed to drop.
    pub fn dropped(&self) -> impl Iterator<Item = &SymbolCheck> {
        self.checks
            .iter()
            .filter(|c| c.status == SymbolStatus::Dropped)
    }
    /// True when every request held (or was allowed to drop).
    pub fn ok(&self) -> bool {
        self.dropped().next().is_none()
    }
}
