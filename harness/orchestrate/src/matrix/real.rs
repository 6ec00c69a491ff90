//! The real stages: ingest + apply engine, pinned trees and worktrees,
//! kconfig + make, initramfs + QEMU.

use super::config::{BootSettings, BuildSettings, ConfigEntry, SandboxMode, SeriesEntry};
use super::stages::{
    Applied, Attribution, BuildResult, BuildUnit, Kernel, Source, SourceKind, Stage, StageError,
    Stages, TreeHandle,
};
use harness_report::model::{
    BootReport, BootStatus, CellBuild, CellCheckpatch, CellKconfig, Diagnostic, LimitHit, Severity,
    StageStatus, TestResult, TestStatus,
};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// Glue from the matrix pipeline to the library crates.
pub struct RealStages {
    pub project_root: PathBuf,
    pub cache_root: PathBuf,
    pub trees: harness_trees::TreeCache,
    pub specs: harness_trees::TreeSpecs,
    pub build: BuildSettings,
    pub boot: BootSettings,
    /// Command-line override of the config's sandbox mode.
    pub sandbox_override: Option<SandboxMode>,
}

impl RealStages {
    /// The cell's fragments merged on the base target into `out/.config`
    /// for the sources in `src` (`source_id` keys the cached base config).
    pub(super) fn merge_config(
        &self,
        src: &Path,
        out: &Path,
        config: &ConfigEntry,
        source_id: String,
        factory: &dyn harness_build::CommandFactory,
    ) -> CellKconfig {
        let fragments: Vec<PathBuf> = config
            .fragments
            .iter()
            .map(|f| self.project_root.join(f))
            .collect();
        let kopts = harness_build::MergeOptions {
            base: harness_build::kconfig::Base::Target(self.build.base_target.clone()),
            source_id: Some(source_id),
            ..harness_build::MergeOptions::default()
        };
        kconfig_cell(&harness_build::merge(src, out, &fragments, &kopts, factory))
    }

    pub fn new(
        project_root: PathBuf,
        cache_root: PathBuf,
        build: BuildSettings,
        boot: BootSettings,
    ) -> anyhow::Result<RealStages> {
        let trees = harness_trees::TreeCache::open(cache_root.clone())?;
        let trees_yaml = project_root.join("trees.yaml");
        let specs = harness_trees::TreeSpecs::load_with_defaults(
            trees_yaml.is_file().then_some(trees_yaml.as_path()),
        )?;
        Ok(RealStages {
            project_root,
            cache_root,
            trees,
            specs,
            build,
            boot,
            sandbox_override: None,
        })
    }

    pub(super) fn series_path(&self, entry: &SeriesEntry) -> PathBuf {
        self.project_root.join(entry.source_in(&self.project_root))
    }

    pub(super) fn tree_identity(tree: &TreeHandle) -> String {
        let mut h = Sha256::new();
        h.update(tree.name.as_bytes());
        h.update(tree.provenance.to_string().as_bytes());
        hex::encode(&h.finalize()[..8])
    }

    /// A stable worktree of `tree` with the series' changes written in.
    fn series_worktree(
        &self,
        unit: &BuildUnit,
        tree: &TreeHandle,
        changes: &harness_core::apply::Changes,
    ) -> Result<PathBuf, StageError> {
        let err = |path: &Path, msg: String| {
            StageError::new(Stage::Source, unit.key.clone(), msg).at(path)
        };
        let (dest, _) = super::layout::unit_dirs(&self.cache_root, &unit.key, &tree.path, true);
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent).map_err(|e| err(parent, format!("creating: {e}")))?;
        }
        // Files already holding what the series writes keep their mtime
        // through the re-sync and rewrite, so make reuses their objects.
        let kept = crate::mtimes::unchanged(&dest, changes);
        let wt = harness_trees::Worktree::create_with(
            &tree.path,
            &dest,
            &harness_trees::WorktreeOptions {
                method: harness_trees::WorktreeMethod::Hardlink,
                keep: true,
            },
        )
        .map_err(|e| err(&dest, format!("worktree: {e}")))?;
        crate::apply::write_changes_in_place(wt.path(), changes)
            .map_err(|e| err(&dest, format!("writing the series: {e:#}")))?;
        crate::mtimes::restore(wt.path(), changes, &kept)
            .map_err(|e| err(&dest, format!("restoring mtimes: {e}")))?;
        let path = wt.path().to_owned();
        drop(wt); // kept: keep = true
        Ok(path)
    }

    /// The command factory for a unit's host steps, and whether it sandboxes.
    /// Whether `unit`'s host steps run sandboxed (matrix `build.sandbox`,
    /// or the command-line override; `auto`: series from mail).
    fn wants_sandbox(&self, unit: &BuildUnit) -> bool {
        match self.sandbox_override.unwrap_or(self.build.sandbox) {
            SandboxMode::On => true,
            SandboxMode::Off => false,
            SandboxMode::Auto => unit.from_mail,
        }
    }

    /// The ccache a unit's build writes: the shared one for trusted builds;
    /// a private one per unit for sandboxed (untrusted) builds, so a hostile
    /// build cannot poison objects later trusted builds take from the cache.
    pub(super) fn ccache_for(&self, unit: &BuildUnit) -> PathBuf {
        if self.wants_sandbox(unit) {
            self.cache_root.join("ccache-untrusted").join(&unit.key)
        } else {
            self.cache_root.join("ccache")
        }
    }

    pub(super) fn factory(
        &self,
        unit: &BuildUnit,
        writable: &[&Path],
        readonly: &[&Path],
    ) -> Result<(Box<dyn harness_build::CommandFactory>, bool), String> {
        let want = self.wants_sandbox(unit);
        let limits = harness_sandbox::Limits {
            address_space: self.build.limits.memory_mb.map(|m| m << 20),
            ..Default::default()
        };
        crate::sandboxing::factory(want, writable, readonly, limits).map(|f| (f, want))
    }
}

/// What a sandboxed build may write: its build directory and the ccache.
/// The source, a series worktree included, is bound read-only: a worktree is
/// a hard-link farm into the cached base tree, and a build running as uid 0
/// could otherwise write the base's inodes in place (`make O=` needs no
/// write access to the source tree).
fn sandbox_binds<'a>(
    out: &'a Path,
    ccache: &'a Path,
    src: &'a Path,
    base: &'a Path,
) -> (Vec<&'a Path>, Vec<&'a Path>) {
    let mut readonly = vec![base];
    if src != base {
        readonly.push(src);
    }
    (vec![out, ccache], readonly)
}

/// Report diagnostics, each naming the patch that added its line (or none:
/// the base tree).
fn attributed(diags: &[harness_build::Diagnostic], added: &Attribution) -> Vec<Diagnostic> {
    harness_build::attribute(diags, added)
        .iter()
        .map(|a| Diagnostic {
            patch: match &a.origin {
                harness_build::Origin::Patch(p) => Some(p.clone()),
                harness_build::Origin::Base => None,
            },
            ..to_diag(&a.diagnostic)
        })
        .collect()
}

fn to_diag(d: &harness_build::Diagnostic) -> Diagnostic {
    Diagnostic {
        file: d.file.clone().unwrap_or_default(),
        line: d.line.unwrap_or(0) as usize,
        column: d.column.map(|c| c as usize),
        severity: severity(d.severity),
        message: d.message.clone(),
        patch: None,
        new: None,
    }
}

/// The report's word for a build diagnostic's severity.
pub(super) fn severity(s: harness_build::Severity) -> Severity {
    match s {
        harness_build::Severity::Warning => Severity::Warning,
        harness_build::Severity::Error => Severity::Error,
    }
}

/// The report's word for the limit that stopped a build.
fn limit_hit(h: harness_build::LimitHit) -> LimitHit {
    match h {
        harness_build::LimitHit::WallTime => LimitHit::WallTime,
        harness_build::LimitHit::Output => LimitHit::Output,
        harness_build::LimitHit::Memory => LimitHit::Memory,
    }
}

fn failed_build(reason: String, seconds: f64) -> CellBuild {
    CellBuild {
        status: StageStatus::Failed,
        base_only: false,
        seconds,
        recompiled: None,
        reused: false,
        sandboxed: false,
        errors: vec![],
        warnings: vec![],
        log: None,
        log_excerpt: vec![reason],
        limit_hit: None,
    }
}

fn skipped(reason: &str) -> CellBuild {
    CellBuild {
        status: StageStatus::Skipped,
        log_excerpt: vec![reason.to_owned()],
        ..failed_build(String::new(), 0.0)
    }
}

/// Hash of a change set: identifies a patched source tree.
pub fn changes_key(changes: &harness_core::apply::Changes) -> String {
    let mut h = Sha256::new();
    for (path, c) in &changes.files {
        h.update(path.as_bytes());
        h.update([0]);
        match c {
            harness_core::apply::FileChange::Write { bytes, mode } => {
                h.update(b"W");
                h.update(format!("{mode:?}").as_bytes());
                h.update(bytes.as_slice());
            }
            harness_core::apply::FileChange::Delete => h.update(b"D"),
        }
        h.update([0]);
    }
    hex::encode(&h.finalize()[..12])
}

/// One line per hunk that did not apply exactly (the apply log of a cell).
pub fn apply_log(report: &harness_core::report::ApplyReport) -> String {
    use harness_core::report::HunkStatus;
    let mut out = String::new();
    for p in &report.patches {
        for f in &p.files {
            if let Some(r) = &f.reason {
                out.push_str(&format!("{}: {}: {}\n", p.name, f.path, r));
            }
            for h in &f.hunks {
                let exact =
                    h.status == HunkStatus::Applied && h.offset == Some(0) && h.fuzz == Some(0);
                if exact {
                    continue;
                }
                let what = match h.status {
                    HunkStatus::Applied => format!(
                        "applied at {} (offset {}, fuzz {})",
                        h.line.unwrap_or(0),
                        h.offset.unwrap_or(0),
                        h.fuzz.unwrap_or(0)
                    ),
                    HunkStatus::AlreadyApplied => "already applied".into(),
                    HunkStatus::Failed => format!("FAILED at {}", h.line.unwrap_or(0)),
                    HunkStatus::Malformed => "malformed".into(),
                };
                let why = h
                    .diagnosis
                    .as_ref()
                    .map(|d| format!(": {}", d.summary))
                    .unwrap_or_default();
                out.push_str(&format!(
                    "{}: {} hunk #{}: {what}{why}\n",
                    p.name, f.path, h.index
                ));
            }
        }
    }
    out
}

/// The kconfig stage of a cell: passed, or each requested symbol that did
/// not survive, explained.
pub(super) fn kconfig_cell(
    kc: &Result<harness_build::KconfigOutcome, harness_build::KconfigError>,
) -> CellKconfig {
    match kc {
        Ok(k) if k.ok() => CellKconfig {
            status: StageStatus::Passed,
            problems: vec![],
        },
        Ok(k) => CellKconfig {
            status: StageStatus::Failed,
            problems: k.dropped().map(dropped_symbol).collect(),
        },
        Err(e) => CellKconfig {
            status: StageStatus::Failed,
            problems: vec![e.to_string()],
        },
    }
}

fn dropped_symbol(c: &harness_build::SymbolCheck) -> String {
    let why = c
        .reason
        .as_ref()
        .map(|r| format!(": {}", r.summary))
        .filter(|w| w != ": ")
        .unwrap_or_default();
    format!(
        "{} wanted {} but is {} ({}){why}",
        c.symbol,
        c.wanted,
        c.actual.clone().unwrap_or_else(|| "absent".into()),
        c.requested_at,
    )
}

/// A build that ran: its cell record and, when it passed, the kernel with
/// the `.config` kept beside it.
fn built(
    o: harness_build::BuildOutcome,
    kconfig: CellKconfig,
    sandboxed: bool,
    unit: &BuildUnit,
    added: &Attribution,
) -> BuildResult {
    let passed = o.status == harness_build::BuildStatus::Passed;
    let build = CellBuild {
        status: if passed {
            StageStatus::Passed
        } else {
            StageStatus::Failed
        },
        base_only: unit.kind == SourceKind::Base,
        seconds: o.seconds,
        recompiled: Some(o.recompiled_objects),
        reused: o.reused,
        sandboxed,
        errors: attributed(&o.errors, added),
        warnings: attributed(&o.warnings, added),
        log: None,
        log_excerpt: o.log_excerpt.lines().map(str::to_owned).collect(),
        limit_hit: o.limit_hit.map(limit_hit),
    };
    let kernel = o.artifact.clone().filter(|_| passed).map(|image| {
        let config = image.with_file_name("config");
        Kernel {
            config: config.is_file().then_some(config),
            image,
        }
    });
    BuildResult {
        kconfig,
        build,
        kernel,
        log: o.log_path.is_file().then(|| o.log_path.clone()),
    }
}

impl RealStages {
    /// The series of `entry`, narrowed by its `take`, named as the matrix
    /// names it.
    pub(super) fn load_series(
        &self,
        entry: &SeriesEntry,
        subject: &str,
    ) -> Result<harness_ingest::Series, StageError> {
        let path = self.series_path(entry);
        let err = |e: String| StageError::new(Stage::Apply, subject, e).at(&path);
        let mut series = entry.load_source(&path).map_err(err)?;
        if let Some(range) = entry.take_range().map_err(err)? {
            series
                .take(range)
                .map_err(|e| err(format!("series {}: {e}", entry.name)))?;
        }
        series.name = entry.name.clone();
        Ok(series)
    }

    /// make's options for one (unit, config) build.
    pub(super) fn build_options(
        &self,
        log_path: PathBuf,
        unit_dir: &Path,
        config: &str,
        ccache: PathBuf,
        source_id: String,
    ) -> harness_build::BuildOptions {
        if let Some(p) = log_path.parent() {
            let _ = std::fs::create_dir_all(p);
        }
        let mut bopts = harness_build::BuildOptions::new(log_path);
        bopts.jobs = self.build.jobs;
        bopts.ccache_dir = Some(ccache);
        bopts.artifacts_dir = Some(unit_dir.join("artifacts").join(config));
        bopts.source_id = Some(source_id);
        bopts.results_dir = Some(unit_dir.join("results"));
        let limits = &self.build.limits;
        bopts.wall_limit = limits
            .wall_minutes
            .map(|m| std::time::Duration::from_secs(m * 60));
        bopts.log_limit = limits.log_mb.map(|m| m << 20);
        bopts.memory_limit = limits.memory_mb.map(|m| m << 20);
        bopts
    }
}

impl Stages for RealStages {
    fn bisect(&self, job: &super::stages::BisectJob<'_>) -> harness_report::model::CellBisect {
        self.walk_cell(job)
    }

    fn checkpatch(&self, entry: &SeriesEntry, tree: &TreeHandle) -> CellCheckpatch {
        let subject = format!("{}@{}", entry.name, tree.name);
        let series = match self.load_series(entry, &subject) {
            Ok(s) => s,
            Err(e) => return CellCheckpatch::not_run(format!("not checked: {e}")),
        };
        // The script is the pinned tree's; the patches are the input. It
        // runs sandboxed unless the matrix says `sandbox: off`.
        let off = self.sandbox_override.unwrap_or(self.build.sandbox) == SandboxMode::Off;
        let opts = harness_checks::Options {
            isolation: match off {
                true => harness_checks::Isolation::Host,
                false => harness_checks::Isolation::Sandboxed,
            },
            ..harness_checks::Options::default()
        };
        match crate::checkpatch::check_series(&series, &tree.path, &opts) {
            Ok(report) => CellCheckpatch {
                sandboxed: !off,
                ..CellCheckpatch::of(report)
            },
            Err(e) => CellCheckpatch::not_run(format!("checkpatch could not run: {e}")),
        }
    }

    fn resolve_tree(&self, name: &str) -> Result<TreeHandle, StageError> {
        // Held shared for the run (a re-pin waits), fingerprint checked: a
        // base tree changed in place since its fetch is never used.
        let t = self
            .trees
            .resolve_in_use(name, &self.specs)
            .map_err(|e| StageError::new(Stage::Fetch, name, e.to_string()))?;
        Ok(TreeHandle {
            name: name.to_owned(),
            path: t.path.clone(),
            provenance: t.provenance_json(),
        })
    }

    fn apply(&self, entry: &SeriesEntry, tree: &TreeHandle) -> Result<Applied, StageError> {
        let subject = format!("{}@{}", entry.name, tree.name);
        let series = self.load_series(entry, &subject)?;
        let path = self.series_path(entry);
        let err = |e: String| StageError::new(Stage::Apply, subject.clone(), e).at(&path);
        let from_mail = series.patches.iter().any(|p| p.from_mail);
        let outcome = crate::apply::apply_series_to_dir(
            &series,
            &tree.path,
            crate::apply::Options::default(),
        )
        .map_err(|e| err(format!("{e:#}")))?;
        let mut report = outcome.report;
        report.tree = tree.name.clone();
        let key = changes_key(&outcome.changes);
        let names: HashMap<usize, String> = report
            .patches
            .iter()
            .map(|p| (p.index, p.name.clone()))
            .collect();
        let added = super::attribution::changed_lines(&outcome.placements, |i| {
            names.get(&i).cloned().unwrap_or_else(|| format!("#{i}"))
        });
        Ok(Applied {
            status: report.status,
            log: apply_log(&report),
            patches: report.patches,
            source_key: key,
            from_mail,
            changes: outcome.changes,
            added,
        })
    }

    fn prepare_source(
        &self,
        unit: &BuildUnit,
        tree: &TreeHandle,
        applied: Option<&Applied>,
    ) -> Result<Source, StageError> {
        match (&unit.kind, applied) {
            (SourceKind::Base, _) => Ok(Source {
                dir: tree.path.clone(),
                added: Attribution::new(),
            }),
            (SourceKind::Series(_), Some(applied)) => Ok(Source {
                dir: self.series_worktree(unit, tree, &applied.changes)?,
                added: applied.added.clone(),
            }),
            (SourceKind::Series(series), None) => Err(StageError::new(
                Stage::Source,
                unit.key.clone(),
                format!("no apply result for {series}@{}", unit.tree),
            )),
        }
    }

    fn build(
        &self,
        unit: &BuildUnit,
        tree: &TreeHandle,
        source: &Source,
        config: &ConfigEntry,
        run_dir: &Path,
    ) -> BuildResult {
        let t0 = std::time::Instant::now();
        let src = source.dir.clone();
        let series = unit.kind != SourceKind::Base;
        let (_, unit_dir) =
            super::layout::unit_dirs(&self.cache_root, &unit.key, &tree.path, series);
        let out = unit_dir.join("obj");
        let ccache = self.ccache_for(unit);
        let _ = std::fs::create_dir_all(&out);
        let _ = std::fs::create_dir_all(&ccache);
        // One writer per build directory across kconfig + build: another run
        // on this cache waits instead of rewriting .config under our make
        // (build() locks again if this failed, so make is covered anyway).
        let _lock = harness_build::lock_build_dir(&out).ok();
        let (writable, readonly) = sandbox_binds(&out, &ccache, &src, &tree.path);
        let (factory, sandboxed) = match self.factory(unit, &writable, &readonly) {
            Ok(f) => f,
            Err(e) => {
                return BuildResult {
                    kconfig: CellKconfig {
                        status: StageStatus::Failed,
                        problems: vec![format!("sandbox: {e}")],
                    },
                    build: failed_build(format!("sandbox: {e}"), t0.elapsed().as_secs_f64()),
                    kernel: None,
                    log: None,
                }
            }
        };
        let source_id = format!("{}-{}", Self::tree_identity(tree), unit.source_key);
        let kconfig = self.merge_config(&src, &out, config, source_id.clone(), factory.as_ref());
        if kconfig.status != StageStatus::Passed {
            let mut b = skipped("kconfig failed: requested symbols did not survive");
            b.sandboxed = sandboxed;
            return BuildResult {
                kconfig,
                build: b,
                kernel: None,
                log: None,
            };
        }
        let log_path = run_dir.join("builds").join(format!(
            "{}.log",
            super::plan::build_stem(&unit.key, &config.name)
        ));
        let bopts = self.build_options(log_path, &unit_dir, &config.name, ccache, source_id);
        match harness_build::build(&src, &out, &bopts, factory.as_ref()) {
            Ok(o) => built(o, kconfig, sandboxed, unit, &source.added),
            Err(e) => {
                let mut b = failed_build(e.to_string(), t0.elapsed().as_secs_f64());
                b.sandboxed = sandboxed;
                BuildResult {
                    kconfig,
                    build: b,
                    kernel: None,
                    log: None,
                }
            }
        }
    }

    fn boot(
        &self,
        kernel: &Kernel,
        source: &Source,
        symbols: &BTreeMap<String, String>,
        console_log: &Path,
    ) -> BootReport {
        let t0 = std::time::Instant::now();
        let config_text = guest_config(kernel, symbols);
        let guest = self.project_root.join("qemu");
        let (kselftests, not_in_tree) = self.kselftests_of(&source.dir);
        // One initramfs per (config, selftest scripts): content-addressed in
        // the cache, so equal inputs share one file.
        let mut o = harness_boot::initramfs::InitramfsOptions::new(&guest);
        o.config = Some(config_text);
        o.kselftests = kselftests.clone();
        let initramfs = harness_boot::initramfs::ensure(&self.cache_root.join("initramfs"), &o)
            .map_err(|e| e.to_string());
        let kernel = &kernel.image;
        let qemu_error = |msg: String| {
            let mut r = BootReport::new(BootStatus::QemuError, "none");
            r.detail = Some(msg);
            r.seconds = t0.elapsed().as_secs_f64();
            r.kernel = Some(kernel.display().to_string());
            r
        };
        let initramfs = match initramfs {
            Ok(p) => p,
            Err(e) => return qemu_error(format!("initramfs: {e}")),
        };
        if let Some(p) = console_log.parent() {
            let _ = std::fs::create_dir_all(p);
        }
        let mut opts = harness_boot::qemu::BootOptions::new(kernel, &initramfs);
        opts.timeout = std::time::Duration::from_secs(self.boot.timeout);
        opts.silence = std::time::Duration::from_secs(self.boot.silence);
        opts.console_log = Some(console_log.to_owned());
        opts.expected_tests = harness_boot::initramfs::suite_test_names(&guest).unwrap_or_default();
        opts.splats = self.boot.splats.clone();
        opts.expected_tests
            .extend(kselftests.iter().map(|k| k.test_name()));
        opts.retry = self.boot.retry;
        let mut report = match harness_boot::retry::boot_retrying(&opts) {
            Ok(r) => r,
            Err(e) => qemu_error(e.to_string()),
        };
        report.tests.extend(not_in_tree);
        report
    }
}

/// What the guest tests read as the kernel's configuration: the complete
/// `.config` the build left beside the kernel (artifacts/<config>/config),
/// so a test can tell that a symbol no fragment mentions is off; else the
/// requested symbols.
fn guest_config(kernel: &Kernel, requested: &BTreeMap<String, String>) -> String {
    kernel
        .config
        .as_ref()
        .and_then(|c| std::fs::read_to_string(c).ok())
        .filter(|t| t.contains("# Automatically generated file; DO NOT EDIT"))
        .unwrap_or_else(|| {
            requested
                .iter()
                .map(|(k, v)| format!("{k}={v}\n"))
                .collect()
        })
}

impl RealStages {
    /// The configured kernel selftests as found in the source tree `src`,
    /// and a skipped result for each one that tree does not have (an older
    /// tree may predate a selftest; that is not the kernel's failure).
    fn kselftests_of(
        &self,
        src: &Path,
    ) -> (Vec<harness_boot::initramfs::Kselftest>, Vec<TestResult>) {
        use harness_boot::initramfs::{Kselftest, SELFTESTS_DIR};
        let mut found = Vec::new();
        let mut missing = Vec::new();
        for name in &self.boot.kselftests {
            let skipped = |reason: String| TestResult {
                reason: Some(reason),
                ..TestResult::new(
                    harness_boot::initramfs::kselftest_test_name(name),
                    TestStatus::Skip,
                )
            };
            match Kselftest::from_path(&src.join(SELFTESTS_DIR).join(name)) {
                Ok(k) if k.name == *name => found.push(k),
                Ok(k) => missing.push(skipped(format!(
                    "configured as `{name}`, but the tree's file is named `{}`",
                    k.name
                ))),
                Err(e) => missing.push(skipped(format!("not in this tree: {e}"))),
            }
        }
        (found, missing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn untrusted_builds_never_write_the_shared_ccache() {
        let d = tempfile::tempdir().expect("tmp");
        let st = RealStages::new(
            d.path().to_path_buf(),
            d.path().join("cache"),
            BuildSettings::default(),
            BootSettings::default(),
        )
        .expect("stages");
        let unit = |key: &str, from_mail| BuildUnit {
            key: key.into(),
            tree: "t".into(),
            kind: SourceKind::Series(key.into()),
            source_key: key.into(),
            from_mail,
        };
        let shared = d.path().join("cache/ccache");
        assert_eq!(st.ccache_for(&unit("t-trusted", false)), shared);
        let (a, b) = (
            st.ccache_for(&unit("t-a", true)),
            st.ccache_for(&unit("t-b", true)),
        );
        assert!(!a.starts_with(&shared) && !b.starts_with(&shared), "{a:?}");
        assert_ne!(a, b, "two untrusted series share a ccache");
    }

    #[test]
    fn a_sandboxed_build_cannot_write_its_source_or_the_base() {
        let (out, cc) = (Path::new("/c/builds/k/obj"), Path::new("/c/ccache"));
        let (src, base) = (Path::new("/c/work/k/src"), Path::new("/c/trees/t/tree"));
        let (w, r) = sandbox_binds(out, cc, src, base);
        assert_eq!(w, vec![out, cc]);
        assert!(r.contains(&src) && r.contains(&base), "{r:?}");
        let (w, r) = sandbox_binds(out, cc, base, base);
        assert_eq!((w, r), (vec![out, cc], vec![base]));
    }

    #[test]
    fn guest_reads_the_complete_config_beside_the_kernel_else_the_request() {
        let dir = tempfile::tempdir().expect("tempdir");
        let kernel = Kernel {
            image: dir.path().join("bzImage"),
            config: Some(dir.path().join("config")),
        };
        let requested: BTreeMap<String, String> =
            [("CONFIG_IP_MULTIPLE_TABLES".to_owned(), "n".to_owned())].into();
        // Nothing beside the kernel: the requested symbols.
        assert_eq!(
            guest_config(&kernel, &requested),
            "CONFIG_IP_MULTIPLE_TABLES=n\n"
        );
        // A file that is not a kconfig-written .config is not trusted.
        std::fs::write(dir.path().join("config"), "CONFIG_X=y\n").expect("write");
        assert_eq!(
            guest_config(&kernel, &requested),
            "CONFIG_IP_MULTIPLE_TABLES=n\n"
        );
        // The .config make wrote (header as in linux-6.1's `make olddefconfig`).
        let dotconfig = "#\n# Automatically generated file; DO NOT EDIT.\n\
                         # Linux/x86 6.1.192 Kernel Configuration\n#\n\
                         # CONFIG_IP_MULTIPLE_TABLES is not set\n# CONFIG_IPV6 is not set\n";
        std::fs::write(dir.path().join("config"), dotconfig).expect("write");
        assert_eq!(guest_config(&kernel, &requested), dotconfig);
    }
}
