//! The matrix configuration (`matrix.yaml`) and its expansion into cells.

use harness_report::model::{AggregateStatus, BootOutcome, Expectation, StageStatus};
use harness_report::status::deserialize_opt_word;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The default matrix, embedded so `harness matrix` works from anywhere.
pub const DEFAULT_MATRIX_YAML: &str = include_str!("../../../../matrix.yaml");

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MatrixConfig {
    pub trees: Vec<TreeEntry>,
    pub series: Vec<SeriesEntry>,
    pub configs: Vec<ConfigEntry>,
    #[serde(default)]
    pub build: BuildSettings,
    #[serde(default)]
    pub boot: BootSettings,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TreeEntry {
    pub name: String,
    /// False: apply-only cells (no build, no boot).
    #[serde(default = "yes")]
    pub build: bool,
}

fn yes() -> bool {
    true
}

/// Expected outcome of a cell, in the words of the report. Every word must
/// be a status its stage can have, checked as the file is read (a typo such
/// as `faild` would otherwise make the cell unexpected forever).
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    #[serde(default, deserialize_with = "deserialize_opt_word")]
    pub apply: Option<AggregateStatus>,
    #[serde(default, deserialize_with = "deserialize_opt_word")]
    pub build: Option<StageStatus>,
    #[serde(default, deserialize_with = "deserialize_opt_word")]
    pub boot: Option<BootOutcome>,
    /// The per-patch walk (only with the series' `bisect: true`).
    #[serde(default, deserialize_with = "deserialize_opt_word")]
    pub bisect: Option<StageStatus>,
    /// checkpatch (only with the series' `checkpatch: true`).
    #[serde(default, deserialize_with = "deserialize_opt_word")]
    pub checkpatch: Option<StageStatus>,
}

impl From<Expect> for Expectation {
    fn from(e: Expect) -> Expectation {
        Expectation {
            apply: e.apply,
            build: e.build,
            boot: e.boot,
            bisect: e.bisect,
            checkpatch: e.checkpatch,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SeriesEntry {
    pub name: String,
    /// Path (relative to the project root) or a name under `patches/`.
    pub source: String,
    /// Inclusive 1-based range "A-B" of the series to use.
    #[serde(default)]
    pub take: Option<String>,
    /// For a mailbox: the revision to use (`N` of `vN`; default the newest,
    /// taken whole as b4 takes it).
    #[serde(default)]
    pub revision: Option<u32>,
    /// For a mailbox holding several series: the 1-based one to use.
    #[serde(default)]
    pub pick_series: Option<usize>,
    /// Only these patch numbers of the chosen revision, e.g. "1-3,5".
    #[serde(default)]
    pub patches: Option<String>,
    /// Also build the tree after every patch, incrementally, in a build
    /// directory of its own per (tree, series, config): the cell reports
    /// which patch breaks the build and which fixes it.
    #[serde(default)]
    pub bisect: bool,
    /// `auto`: apply the series to every tree and keep only the cells of the
    /// one it applies best to (the others are not built or reported).
    #[serde(default)]
    pub tree: Option<TreeChoiceMode>,
    /// Run the tree's scripts/checkpatch.pl on each patch as posted (per
    /// series and tree, sandboxed unless `build.sandbox: off`).
    #[serde(default)]
    pub checkpatch: bool,
    #[serde(default)]
    pub expect: Expect,
    #[serde(default)]
    pub per_tree: BTreeMap<String, Expect>,
}

impl SeriesEntry {
    /// The series' path relative to `project_root`: `source` itself when it
    /// exists there, else `patches/<source>`.
    pub fn source_in(&self, project_root: &Path) -> PathBuf {
        let direct = PathBuf::from(&self.source);
        if project_root.join(&direct).exists() {
            return direct;
        }
        Path::new("patches").join(&self.source)
    }

    /// Expectation for this series on `tree`: per-tree entries override the general one.
    pub fn expectation_for(&self, tree: &str) -> Expect {
        let mut e = self.expect;
        if let Some(t) = self.per_tree.get(tree) {
            e.apply = t.apply.or(e.apply);
            e.build = t.build.or(e.build);
            e.boot = t.boot.or(e.boot);
            e.bisect = t.bisect.or(e.bisect);
            e.checkpatch = t.checkpatch.or(e.checkpatch);
        }
        e
    }

    /// An expected walk needs a walk, an expected checkpatch a checkpatch.
    fn check_bisect(&self) -> Result<(), String> {
        let expects = || std::iter::once(&self.expect).chain(self.per_tree.values());
        let needs = [
            ("bisect", self.bisect, expects().any(|e| e.bisect.is_some())),
            (
                "checkpatch",
                self.checkpatch,
                expects().any(|e| e.checkpatch.is_some()),
            ),
        ];
        for (stage, on, declared) in needs {
            if declared && !on {
                return Err(format!(
                    "series {}: `expect: {{{stage}: ...}}` needs `{stage}: true`",
                    self.name
                ));
            }
        }
        Ok(())
    }

    /// Read the series source with this entry's choices (revision, series,
    /// patch numbers), as `harness apply --revision/--series/--patches`.
    pub fn load_source(&self, path: &Path) -> Result<harness_ingest::Series, String> {
        let only = match &self.patches {
            Some(list) => Some(
                harness_ingest::parse_patch_list(list)
                    .map_err(|e| format!("series {}: patches {list:?}: {e}", self.name))?,
            ),
            None => None,
        };
        let opts = harness_ingest::LoadOptions {
            revision: self.revision.map_or(
                harness_ingest::RevisionChoice::Newest,
                harness_ingest::RevisionChoice::Version,
            ),
            series: self.pick_series,
        };
        let ing = harness_ingest::ingest(path).map_err(|e| e.to_string())?;
        ing.select(&opts, only.as_deref())
            .map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Parse `take: "A-B"` into an inclusive range.
    pub fn take_range(&self) -> Result<Option<(usize, usize)>, String> {
        self.take
            .as_deref()
            .map(harness_ingest::parse_take)
            .transpose()
            .map_err(|e| format!("series {}: {e}", self.name))
    }
}

/// How a series picks its tree (`tree:` on a series).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TreeChoiceMode {
    /// The tree of `trees:` the series applies best to.
    Auto,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigEntry {
    pub name: String,
    pub fragments: Vec<PathBuf>,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum SandboxMode {
    #[default]
    Auto,
    On,
    Off,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BuildSettings {
    #[serde(default = "tinyconfig")]
    pub base_target: String,
    #[serde(default = "two")]
    pub jobs: usize,
    #[serde(default)]
    pub sandbox: SandboxMode,
    /// Resource limits per build; a limit hit fails the cell's build and is
    /// reported as such (`build.limit_hit`).
    #[serde(default)]
    pub limits: BuildLimits,
    /// Also build the base tree of every built tree (with every config), so
    /// each series cell can tell the warnings its series introduced
    /// (`warnings[].new`). Without it, a baseline exists only when some
    /// series of the tree did not apply (its cells build the base tree).
    #[serde(default)]
    pub baseline: bool,
}

/// Per-build resource limits (`build.limits` in matrix.yaml).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct BuildLimits {
    /// Wall-clock minutes for make (default 120; null: none).
    #[serde(default = "default_wall_minutes")]
    pub wall_minutes: Option<u64>,
    /// Build log size in MiB (default 256; null: none).
    #[serde(default = "default_log_mb")]
    pub log_mb: Option<u64>,
    /// Address space per compiler/linker process in MiB (RLIMIT_AS via
    /// prlimit; default: none).
    #[serde(default)]
    pub memory_mb: Option<u64>,
}

fn default_wall_minutes() -> Option<u64> {
    Some(120)
}
fn default_log_mb() -> Option<u64> {
    Some(256)
}

impl Default for BuildLimits {
    fn default() -> Self {
        BuildLimits {
            wall_minutes: default_wall_minutes(),
            log_mb: default_log_mb(),
            memory_mb: None,
        }
    }
}

fn tinyconfig() -> String {
    "tinyconfig".into()
}
fn two() -> usize {
    2
}

impl Default for BuildSettings {
    fn default() -> Self {
        BuildSettings {
            base_target: tinyconfig(),
            jobs: two(),
            sandbox: SandboxMode::Auto,
            limits: BuildLimits::default(),
            baseline: false,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BootSettings {
    #[serde(default = "boot_timeout")]
    pub timeout: u64,
    #[serde(default = "boot_silence")]
    pub silence: u64,
    /// Kernel selftests to run after the guest suite, by their path under
    /// each cell's `tools/testing/selftests` (e.g. `net/fib_rule_tests.sh`).
    #[serde(default)]
    pub kselftests: Vec<String>,
    /// Which kernel splats (WARN, lockdep, KASAN, kmemleak, ...) fail a cell
    /// whose tests passed (`fail:`, default every kind), and fingerprints
    /// allowed with a reason (`allow: [{fingerprint, reason}]`).
    #[serde(default)]
    pub splats: harness_boot::splat::SplatPolicy,
    /// Re-run the failed guest tests of a cell once in a fresh boot; a test
    /// that then passes is reported `flaky` (default true).
    #[serde(default = "retry_default")]
    pub retry: bool,
}

fn retry_default() -> bool {
    true
}

fn boot_timeout() -> u64 {
    180
}
fn boot_silence() -> u64 {
    90
}

impl Default for BootSettings {
    fn default() -> Self {
        BootSettings {
            timeout: boot_timeout(),
            silence: boot_silence(),
            kselftests: Vec::new(),
            splats: harness_boot::splat::SplatPolicy::default(),
            retry: retry_default(),
        }
    }
}

impl MatrixConfig {
    pub fn from_yaml(text: &str, origin: &Path) -> Result<MatrixConfig, ConfigError> {
        let cfg: MatrixConfig = serde_yaml_ng::from_str(text).map_err(|e| ConfigError {
            path: origin.to_owned(),
            line: e.location().map(|l| l.line()),
            message: e.to_string(),
        })?;
        cfg.validate().map_err(|message| ConfigError {
            path: origin.to_owned(),
            line: None,
            message,
        })?;
        Ok(cfg)
    }

    fn validate(&self) -> Result<(), String> {
        if self.trees.is_empty() || self.series.is_empty() || self.configs.is_empty() {
            return Err("a matrix needs at least one tree, one series and one config".into());
        }
        let named = self
            .series
            .iter()
            .map(|s| ("series", &s.name))
            .chain(self.trees.iter().map(|t| ("tree", &t.name)))
            .chain(self.configs.iter().map(|c| ("config", &c.name)));
        for (what, name) in named {
            // Names become directories (worktrees, build dirs, artifacts).
            harness_trees::check_name(name).map_err(|e| format!("{what}: {e}"))?;
        }
        let mut seen = std::collections::BTreeSet::new();
        for s in &self.series {
            if s.source.trim().is_empty() {
                return Err(format!("series {}: empty `source`", s.name));
            }
            s.take_range()?;
            s.check_bisect()?;
            if !seen.insert(format!("s:{}", s.name)) {
                return Err(format!("series {} is listed twice", s.name));
            }
        }
        for t in &self.trees {
            if !seen.insert(format!("t:{}", t.name)) {
                return Err(format!("tree {} is listed twice", t.name));
            }
        }
        for c in &self.configs {
            if !seen.insert(format!("c:{}", c.name)) {
                return Err(format!("config {} is listed twice", c.name));
            }
            if c.fragments.is_empty() {
                return Err(format!("config {} has no fragments", c.name));
            }
        }
        Ok(())
    }

    /// Every cell of the matrix, in report order (series, tree, config).
    pub fn cells(&self) -> Vec<CellPlan> {
        let mut out = Vec::new();
        for s in &self.series {
            for t in &self.trees {
                for c in &self.configs {
                    out.push(CellPlan {
                        id: format!("{}@{}:{}", s.name, t.name, c.name),
                        series: s.name.clone(),
                        tree: t.name.clone(),
                        config: c.name.clone(),
                        build: t.build,
                        bisect: s.bisect && t.build,
                        checkpatch: s.checkpatch,
                        auto_tree: s.tree == Some(TreeChoiceMode::Auto),
                        expect: s.expectation_for(&t.name),
                    });
                }
            }
        }
        out
    }
}

/// A matrix file that cannot be used: where, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {message}", path.display())]
pub struct ConfigError {
    pub path: PathBuf,
    /// The 1-based line, when the error is about one place in the file
    /// (the message then says `at line N column M` too).
    pub line: Option<usize>,
    pub message: String,
}

/// One planned cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellPlan {
    pub id: String,
    pub series: String,
    pub tree: String,
    pub config: String,
    pub build: bool,
    /// Walk the series patch by patch after its build (`bisect: true` on a
    /// built tree).
    pub bisect: bool,
    /// checkpatch on each patch (`checkpatch: true` on the series).
    pub checkpatch: bool,
    /// The series picks its tree (`tree: auto`): this cell is kept only
    /// when its tree is the one picked.
    pub auto_tree: bool,
    pub expect: Expect,
}

/// Requested symbol values from fragment text: `CONFIG_X=v` and `# CONFIG_X is not set`.
pub fn fragment_symbols(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("# ") {
            if let Some(sym) = rest.strip_suffix(" is not set") {
                if sym.starts_with("CONFIG_") {
                    out.insert(sym.to_owned(), "n".to_owned());
                }
            }
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        if let Some((k, v)) = line.split_once('=') {
            if k.starts_with("CONFIG_") {
                let v = v.split(" #").next().unwrap_or(v).trim();
                out.insert(k.trim().to_owned(), v.to_owned());
            }
        }
    }
    out
}

#[cfg(test)]
mod source_choice_tests {
    use super::*;

    fn entry(revision: Option<u32>, patches: Option<&str>) -> SeriesEntry {
        SeriesEntry {
            name: "netns".into(),
            source: "netns-l2-l3".into(),
            take: None,
            revision,
            pick_series: None,
            patches: patches.map(str::to_owned),
            bisect: false,
            checkpatch: false,
            tree: None,
            expect: Expect::default(),
            per_tree: BTreeMap::new(),
        }
    }

    #[test]
    fn a_matrix_source_can_choose_revision_and_patches() {
        // harness-ingest's b4 fixture: v1 of 4 patches, then v2 of 3 (as b4
        // reads it: v2 taken whole, v1's 4/4 not carried forward).
        let mbox = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../ingest/tests/fixtures/b4rules/drops-last.mbox");
        let subjects = |s: &harness_ingest::Series| -> Vec<bool> {
            s.patches
                .iter()
                .map(|p| p.subject.as_deref().unwrap_or("").contains("v2"))
                .collect()
        };
        let newest = entry(None, None).load_source(&mbox).expect("newest");
        assert_eq!(subjects(&newest), vec![true, true, true]);
        let v1 = entry(Some(1), None).load_source(&mbox).expect("v1");
        assert_eq!(subjects(&v1), vec![false, false, false, false]);
        let two = entry(None, Some("1,3")).load_source(&mbox).expect("1,3");
        assert_eq!(two.patches.len(), 2);
        let err = entry(Some(3), None).load_source(&mbox).expect_err("no v3");
        assert!(err.contains("drops-last.mbox"), "{err}");
        assert!(entry(None, Some("x")).load_source(&mbox).is_err());
    }
}

#[cfg(test)]
mod expect_tests {
    use super::*;

    fn with_expect(expect: &str) -> Result<MatrixConfig, ConfigError> {
        let yaml = format!(
            "trees: [{{name: t}}]\nseries:\n  - name: s\n    source: s\n    expect: {expect}\nconfigs:\n  - name: c\n    fragments: [f.config]\n"
        );
        MatrixConfig::from_yaml(&yaml, Path::new("m.yaml"))
    }

    #[test]
    fn an_expectation_word_must_be_a_status_of_its_stage() {
        with_expect("{apply: failed, build: passed, boot: tests-failed}").expect("valid words");
        with_expect("{boot: skipped}").expect("a boot that is not run");
        let e = with_expect("{apply: faild}").expect_err("a typo");
        // `expect:` is on the fifth line of the file.
        assert_eq!(e.line, Some(5), "{e}");
        let err = e.to_string();
        assert!(
            err.contains("m.yaml") && err.contains("`faild` is not a apply status"),
            "{err}"
        );
        // `expect:` is on the fifth line of the file.
        assert!(err.contains("line 5"), "{err}");
        let err = with_expect("{build: applied}")
            .expect_err("an apply word for build")
            .to_string();
        assert!(err.contains("`applied` is not a build status"), "{err}");
    }
}

#[cfg(test)]
mod bisect_tests {
    use super::*;

    fn with_series(series: &str) -> Result<MatrixConfig, ConfigError> {
        let yaml = format!(
            "trees: [{{name: t}}, {{name: a, build: false}}]\nseries:\n  - {series}\nconfigs: [{{name: c, fragments: [f]}}]\n"
        );
        MatrixConfig::from_yaml(&yaml, Path::new("m.yaml"))
    }

    #[test]
    fn bisect_is_a_series_switch_and_walks_only_built_trees() {
        let cfg = with_series("{name: s, source: s, bisect: true}").expect("valid");
        let cells = cfg.cells();
        let walks: Vec<(&str, bool)> = cells.iter().map(|c| (c.tree.as_str(), c.bisect)).collect();
        // The apply-only tree `a` builds nothing, so it walks nothing.
        assert_eq!(walks, vec![("t", true), ("a", false)]);
        let off = with_series("{name: s, source: s}").expect("valid");
        assert!(off.cells().iter().all(|c| !c.bisect));
    }

    #[test]
    fn a_bisect_that_is_not_a_boolean_is_refused_with_its_line() {
        let e = with_series("{name: s, source: s, bisect: yes please}").expect_err("a string");
        assert_eq!(e.line, Some(3), "{e}");
        let err = e.to_string();
        assert!(
            err.contains("m.yaml") && err.contains("bisect") && err.contains("boolean"),
            "{err}"
        );
    }

    #[test]
    fn checkpatch_runs_on_apply_only_trees_too_and_its_expectation_needs_it() {
        let cfg = with_series("{name: s, source: s, checkpatch: true}").expect("valid");
        // Unlike the walk, checkpatch needs no build: both trees check.
        assert!(
            cfg.cells().iter().all(|c| c.checkpatch),
            "{:?}",
            cfg.cells()
        );
        let ok =
            with_series("{name: s, source: s, checkpatch: true, expect: {checkpatch: failed}}")
                .expect("valid");
        assert_eq!(ok.cells()[0].expect.checkpatch, Some(StageStatus::Failed));
        let err = with_series("{name: s, source: s, per_tree: {t: {checkpatch: failed}}}")
            .expect_err("no checkpatch")
            .to_string();
        assert!(err.contains("needs `checkpatch: true`"), "{err}");
        let err =
            with_series("{name: s, source: s, checkpatch: true, expect: {checkpatch: warned}}")
                .expect_err("not a word")
                .to_string();
        assert!(err.contains("warned"), "{err}");
    }

    #[test]
    fn a_series_tree_is_auto_or_refused_with_its_line() {
        let cfg = with_series("{name: s, source: s, tree: auto}").expect("valid");
        assert!(cfg.cells().iter().all(|c| c.auto_tree));
        let e = with_series("{name: s, source: s, tree: linux-6.1}").expect_err("not auto");
        assert_eq!(e.line, Some(3), "{e}");
        assert!(e.to_string().contains("auto"), "{e}");
    }

    #[test]
    fn an_expected_walk_needs_bisect_and_a_status_word() {
        let ok = with_series("{name: s, source: s, bisect: true, expect: {bisect: failed}}")
            .expect("valid");
        assert_eq!(ok.cells()[0].expect.bisect, Some(StageStatus::Failed));
        let err = with_series("{name: s, source: s, expect: {bisect: failed}}")
            .expect_err("no walk")
            .to_string();
        assert!(err.contains("needs `bisect: true`"), "{err}");
        let err = with_series("{name: s, source: s, bisect: true, expect: {bisect: broken}}")
            .expect_err("not a word")
            .to_string();
        assert!(err.contains("`broken` is not a build status"), "{err}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_default_parses_and_expands() {
        let cfg = MatrixConfig::from_yaml(DEFAULT_MATRIX_YAML, Path::new("matrix.yaml"))
            .expect("default matrix must parse");
        let cells = cfg.cells();
        // 3 series x 2 trees x 3 configs (=y, =n, debug-lock-mem), as
        // written in matrix.yaml.
        assert_eq!(cells.len(), 3 * 2 * 3);
        let rt = cells
            .iter()
            .find(|c| c.id == "preempt-rt-prefix@linux-6.1:ip-multiple-tables-y")
            .expect("cell present");
        assert_eq!(rt.expect.apply, Some(AggregateStatus::Applied));
        assert!(rt.build);
        let rt612 = cells
            .iter()
            .find(|c| c.id == "preempt-rt-prefix@linux-6.12:ip-multiple-tables-n")
            .expect("cell present");
        assert_eq!(rt612.expect.apply, Some(AggregateStatus::Partial));
        assert!(!rt612.build);
    }

    #[test]
    fn take_range_rejects_garbage() {
        let mut s = SeriesEntry {
            name: "x".into(),
            source: "p".into(),
            take: Some("3-1".into()),
            revision: None,
            pick_series: None,
            patches: None,
            bisect: false,
            checkpatch: false,
            tree: None,
            expect: Expect::default(),
            per_tree: BTreeMap::new(),
        };
        assert!(s.take_range().is_err());
        s.take = Some("1-39".into());
        assert_eq!(s.take_range(), Ok(Some((1, 39))));
        s.take = Some("a-b".into());
        assert!(s.take_range().is_err());
    }

    #[test]
    fn names_that_are_not_one_path_component_are_refused_at_load() {
        // A series named x/../../../victim put its worktree outside the cache.
        for (field, yaml) in [
            ("series", "trees: [{name: t}]\nseries: [{name: 'x/../../../victim', source: p}]\nconfigs: [{name: c, fragments: [f]}]\n"),
            ("config", "trees: [{name: t}]\nseries: [{name: s, source: p}]\nconfigs: [{name: '../c', fragments: [f]}]\n"),
            ("tree", "trees: [{name: .t}]\nseries: [{name: s, source: p}]\nconfigs: [{name: c, fragments: [f]}]\n"),
        ] {
            let err = MatrixConfig::from_yaml(yaml, Path::new("m.yaml")).expect_err("must be refused").to_string();
            assert!(
                err.contains("m.yaml") && err.contains(field) && err.contains("bad name"),
                "{field}: {err}"
            );
        }
    }

    #[test]
    fn an_empty_series_source_is_refused_at_load() {
        let yaml = "trees: [{name: t}]\nseries: [{name: s, source: ''}]\nconfigs: [{name: c, fragments: [f]}]\n";
        let err = MatrixConfig::from_yaml(yaml, Path::new("m.yaml"))
            .expect_err("must be refused")
            .to_string();
        assert!(
            err.contains("m.yaml") && err.contains("empty `source`"),
            "{err}"
        );
    }

    #[test]
    fn unknown_keys_are_errors() {
        let text = "trees: [{name: t}]\nseries: [{name: s, source: p, bogus: 1}]\nconfigs: [{name: c, fragments: [f]}]\n";
        let err = MatrixConfig::from_yaml(text, Path::new("m.yaml"))
            .expect_err("must be refused")
            .to_string();
        assert!(err.contains("m.yaml") && err.contains("bogus"), "{err}");
    }

    #[test]
    fn symbols_from_fragment() {
        let syms = fragment_symbols(
            "# comment\nCONFIG_NET=y\n# CONFIG_IP_MULTIPLE_TABLES is not set\nCONFIG_CMDLINE=\"x\"\n",
        );
        assert_eq!(syms.get("CONFIG_NET").map(String::as_str), Some("y"));
        assert_eq!(
            syms.get("CONFIG_IP_MULTIPLE_TABLES").map(String::as_str),
            Some("n")
        );
        assert_eq!(
            syms.get("CONFIG_CMDLINE").map(String::as_str),
            Some("\"x\"")
        );
    }
}
