//! `harness build --tree TREE --config FILE|--fragment F... --out DIR`:
//! a kernel build in DIR with warnings and errors parsed from the log.
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use harness_build::build::{build, source_fingerprint, BuildOptions, BuildOutcome, BuildStatus};
use harness_build::kconfig::{merge, Base, KconfigOutcome, MergeOptions};
use harness_schema::build::{BuildReport, BUILD_SCHEMA};
use sha2::Digest;

use super::kconfig::{
    host_steps, parse_base, render as render_kconfig, resolve_fragment, srcarch, wants_sandbox,
    SandboxArg,
};
use crate::common::{cache_dir, write_json, Outcome};

/// Build a kernel tree (`make O=DIR`) with a config, capturing the log and
/// parsing its warnings and errors.
///
/// The config comes from --config FILE (a full .config, updated with
/// olddefconfig) or from --fragment (merged onto --base and verified as by
/// `harness kconfig`; a dropped symbol stops before building). ccache is
/// used when installed (cache in <harness cache>/ccache). A build whose
/// inputs (.config, tree files, targets, harness version) match a previous
/// passed build in DIR is not rerun; its result is reused.
///
/// Exit status: 0 the build passed; 1 it failed, or a requested config
/// symbol was dropped; 2 usage or infrastructure error (e.g. a missing host
/// tool, named with its Debian package).
#[derive(clap::Args)]
pub struct Args {
    /// The kernel source tree: a directory or a pinned tree name.
    #[arg(long, value_name = "TREE")]
    pub tree: String,
    /// A full .config to build with.
    #[arg(long, value_name = "FILE", conflicts_with = "fragments")]
    pub config: Option<PathBuf>,
    /// Config fragments (paths or names in kernel-configs/), merged onto --base.
    #[arg(long = "fragment", value_name = "FRAGMENT")]
    pub fragments: Vec<String>,
    /// Base make target for --fragment.
    #[arg(long, value_name = "TARGET", default_value = "tinyconfig")]
    pub base: String,
    /// Build directory (make O=DIR); reused across builds.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Parallel jobs (make -j); 0 = number of CPUs.
    #[arg(short = 'j', long, value_name = "N", default_value_t = 0)]
    pub jobs: usize,
    /// make targets.
    #[arg(long = "target", value_name = "TARGET", default_values_t = vec!["bzImage".to_string()])]
    pub targets: Vec<String>,
    /// Kernel architecture (make ARCH=).
    #[arg(long, value_name = "ARCH", default_value = "x86_64")]
    pub arch: String,
    /// Do not use ccache.
    #[arg(long)]
    pub no_ccache: bool,
    /// Run make even when a previous identical build could be reused.
    #[arg(long)]
    pub force: bool,
    /// Copy the artifact, config and log here.
    #[arg(long, value_name = "DIR")]
    pub artifacts: Option<PathBuf>,
    /// Build log file (default DIR/.harness-build.log).
    #[arg(long, value_name = "FILE")]
    pub log: Option<PathBuf>,
    /// Write the `harness.build/2` JSON result to FILE (`-` for stdout);
    /// with --per-patch, `harness.walk/1`.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Build the tree, then build it again after each patch of SERIES,
    /// incrementally in DIR (each patch's files rewritten, so make recompiles
    /// only what they touch); report per patch errors and warnings added or
    /// removed, and which patch breaks the build and which fixes it.
    #[arg(long = "per-patch", value_name = "SERIES")]
    pub per_patch: Option<PathBuf>,
    /// Run make and the config steps (tree code) in the bubblewrap sandbox:
    /// auto (when the tree was patched from mail, or a --per-patch series
    /// has a mail patch), on, off. Sandboxed builds use a private ccache.
    #[arg(long, value_enum, default_value_t = SandboxArg::Auto)]
    pub sandbox: SandboxArg,
}

/// `harness.build/2` of a merge and, when make ran, its outcome.
fn report(kc: &KconfigOutcome, build: Option<&BuildOutcome>) -> BuildReport {
    BuildReport {
        schema: BUILD_SCHEMA.to_owned(),
        kconfig: kc.clone(),
        build: build.cloned(),
    }
}

fn render(o: &BuildOutcome, w: &mut dyn Write) -> std::io::Result<()> {
    for e in o.errors.iter().take(10) {
        writeln!(w, "error: {}", describe(e))?;
    }
    for d in o.warnings.iter().take(20) {
        writeln!(w, "warning: {}", describe(d))?;
    }
    if o.warnings.len() > 20 {
        writeln!(w, "... and {} more warnings", o.warnings.len() - 20)?;
    }
    if o.status == BuildStatus::Failed && !o.log_excerpt.is_empty() {
        writeln!(
            w,
            "--- log excerpt ({}) ---\n{}\n---",
            o.log_path.display(),
            o.log_excerpt
        )?;
    }
    if o.recovered_interrupted {
        writeln!(
            w,
            "note: the previous build in this directory was interrupted; removed {} half-written files and rebuilt",
            o.recovered_removed_files
        )?;
    }
    let how = if o.reused {
        format!("reused (inputs unchanged; no make) in {:.1}s", o.seconds)
    } else {
        format!(
            "{} objects compiled in {:.1}s{}",
            o.recompiled_objects,
            o.make_seconds,
            if o.ccache { " (ccache)" } else { "" }
        )
    };
    writeln!(
        w,
        "build {}: {}, {} errors, {} warnings; artifact {}; log {}",
        match o.status {
            BuildStatus::Passed => "passed",
            BuildStatus::Failed => "FAILED",
        },
        how,
        o.errors.len(),
        o.warnings.len(),
        o.artifact
            .as_deref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "none".into()),
        o.log_path.display()
    )
}

fn describe(d: &harness_build::Diagnostic) -> String {
    let mut s = String::new();
    if let Some(f) = &d.file {
        s.push_str(f);
        if let Some(l) = d.line {
            s.push_str(&format!(":{l}"));
            if let Some(c) = d.column {
                s.push_str(&format!(":{c}"));
            }
        }
        s.push_str(": ");
    } else {
        s.push_str(&format!("{}: ", d.tool));
    }
    s.push_str(&d.message);
    if let Some(f) = &d.flag {
        s.push_str(&format!(" [{f}]"));
    }
    s
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    // make runs in its own process group: take it down with us on SIGINT/SIGTERM.
    harness_boot::proc_guard::install_signal_cleanup()
        .context("installing SIGINT/SIGTERM cleanup")?;
    let source = crate::tree_arg::resolve(&args.tree)?;
    let tree = source.path.clone();
    let to_stdout = args.json.as_deref() == Some(Path::new("-"));
    let mut human: Box<dyn Write> = if to_stdout {
        Box::new(std::io::stderr())
    } else {
        Box::new(std::io::stdout())
    };
    let source_id = source_fingerprint(&tree);
    let (base, fragments) = match (&args.config, args.fragments.is_empty()) {
        (Some(cfg), _) => (Base::ConfigFile(cfg.clone()), Vec::new()),
        (None, false) => (
            parse_base(&args.base),
            args.fragments
                .iter()
                .map(|f| resolve_fragment(f))
                .collect::<anyhow::Result<Vec<_>>>()?,
        ),
        (None, true) => anyhow::bail!("give --config FILE or at least one --fragment"),
    };
    let mopts = MergeOptions {
        base,
        srcarch: srcarch(&args.arch),
        arch: args.arch.clone(),
        source_id: Some(source_id.clone()),
    };
    // One writer per build directory, across kconfig + build.
    let _lock = harness_build::lock_build_dir(&args.out)
        .with_context(|| format!("locking {}", args.out.display()))?;
    let host = HostSteps::new(&args, &tree)?;
    let kc = merge(&tree, &args.out, &fragments, &mopts, &*host.factory)
        .with_context(|| format!("preparing the config in {}", args.out.display()))?;
    if !kc.ok() {
        render_kconfig(&kc, &mut human)?;
        if let Some(dest) = &args.json {
            write_json(dest, &report(&kc, None))?;
        }
        writeln!(human, "not building: requested config symbols were dropped")?;
        return Ok(Outcome::Failed);
    }
    let mut opts = BuildOptions::new(
        args.log
            .clone()
            .unwrap_or_else(|| args.out.join(".harness-build.log")),
    );
    opts.jobs = args.jobs;
    opts.targets = args.targets.clone();
    opts.arch = args.arch.clone();
    opts.srcarch = srcarch(&args.arch);
    opts.ccache_dir = (!args.no_ccache).then(|| host.ccache.clone());
    opts.artifacts_dir = args.artifacts.clone();
    opts.force = args.force;
    if let Some(series) = &args.per_patch {
        return super::build_walk::run(&args, series, &tree, source_id, opts, &*host.factory);
    }
    opts.source_id = Some(source_id);
    let outcome = build(&tree, &args.out, &opts, &*host.factory)?;
    render(&outcome, &mut human)?;
    if let Some(dest) = &args.json {
        write_json(dest, &report(&kc, Some(&outcome)))?;
    }
    Ok(match outcome.status {
        BuildStatus::Passed => Outcome::Ok,
        BuildStatus::Failed => Outcome::Failed,
    })
}

/// How `harness build` runs tree code: sandboxed or not (`--sandbox`, by
/// content as the matrix decides), and the ccache it may write — the shared
/// one for trusted builds, a private one per build directory for sandboxed
/// builds, which could otherwise poison objects later trusted builds reuse.
struct HostSteps {
    factory: Box<dyn harness_build::CommandFactory>,
    ccache: PathBuf,
}

impl HostSteps {
    fn new(args: &Args, tree: &Path) -> anyhow::Result<HostSteps> {
        let series_from_mail = match &args.per_patch {
            Some(s) => series_has_mail(s)?,
            None => false,
        };
        let sandboxed = wants_sandbox(args.sandbox, tree, series_from_mail);
        let out = std::path::absolute(&args.out)
            .with_context(|| format!("resolving {}", args.out.display()))?;
        let ccache = if sandboxed {
            let key = hex::encode(&sha2::Sha256::digest(out.as_os_str().as_encoded_bytes())[..8]);
            cache_dir().join("ccache-untrusted").join(key)
        } else {
            cache_dir().join("ccache")
        };
        let mut writable = vec![out.as_path()];
        if !args.no_ccache {
            writable.push(&ccache);
        }
        // The --per-patch walk's worktree (patched by the harness, outside
        // the sandbox, under the cache that the sandbox hides): its parent
        // directory bound read-only, made now so the bind has a source.
        let walk = super::build_walk::worktree_for(&out);
        let walk_dir = walk.parent().unwrap_or(&walk).to_owned();
        let mut readonly = vec![tree];
        if sandboxed && args.per_patch.is_some() {
            std::fs::create_dir_all(&walk_dir)
                .with_context(|| format!("creating {}", walk_dir.display()))?;
            readonly.push(&walk_dir);
        }
        let factory = host_steps(sandboxed, &writable, &readonly)?;
        Ok(HostSteps { factory, ccache })
    }
}

/// Whether the `--per-patch` series has a patch that is a mail.
fn series_has_mail(arg: &Path) -> anyhow::Result<bool> {
    let path = crate::common::series_source(&arg.to_string_lossy())?;
    let series = harness_ingest::load(&path)
        .map_err(|e| anyhow::anyhow!("loading series {}: {e}", path.display()))?;
    Ok(series.patches.iter().any(|p| p.from_mail))
}
