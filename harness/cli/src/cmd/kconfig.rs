//! `harness kconfig --tree TREE FRAGMENT... --out DIR`: base config +
//! fragments + olddefconfig, then verify every requested symbol survived.
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use harness_build::kconfig::{merge, Base, KconfigOutcome, MergeOptions, SymbolStatus};

use crate::common::{cache_dir, project_root, write_json, Outcome};

/// Merge kernel config fragments into a `.config` and verify that every
/// requested symbol holds in the result.
///
/// Runs `make O=DIR tinyconfig` (see --base) in the tree, writes the
/// fragments' requests over it (later fragments win), runs `make olddefconfig`,
/// and checks each `CONFIG_X=...` / `# CONFIG_X is not set` line of the
/// fragments against the final DIR/.config. A symbol olddefconfig dropped is
/// reported with the wanted and actual values and the unmet dependency read
/// from the tree's Kconfig files, unless its fragment line ends with
/// `# harness: may-drop`. The tree itself is never written to.
///
/// Exit status: 0 every requested symbol holds; 1 some symbol was dropped;
/// 2 usage or infrastructure error (tree, fragment, make).
#[derive(clap::Args)]
pub struct Args {
    /// The kernel source tree: a directory, or the name of a pinned tree in
    /// the harness cache (e.g. `linux-6.1`).
    #[arg(long, value_name = "TREE")]
    pub tree: String,
    /// Config fragments, applied in order: paths, or names of files in the
    /// project's `kernel-configs/` (`netns-base` = kernel-configs/netns-base.config).
    #[arg(value_name = "FRAGMENT", required = true)]
    pub fragments: Vec<String>,
    /// Output (build) directory: `DIR/.config` is written there (make O=DIR).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// The make target giving the base config (`tinyconfig`, `defconfig`,
    /// `allnoconfig`), or `file:PATH` to start from an existing .config.
    #[arg(long, value_name = "TARGET", default_value = "tinyconfig")]
    pub base: String,
    /// Kernel architecture (make ARCH=).
    #[arg(long, value_name = "ARCH", default_value = "x86_64")]
    pub arch: String,
    /// Write the `harness.kconfig/1` JSON result to FILE (`-` for stdout; the
    /// human summary then goes to stderr).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Run the config steps (tree code: make, Kconfig scripts) in the
    /// bubblewrap sandbox: auto (when the tree was patched from mail), on, off.
    #[arg(long, value_enum, default_value_t = SandboxArg::Auto)]
    pub sandbox: SandboxArg,
}

/// `--sandbox` of `kconfig` and `build`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SandboxArg {
    /// Sandboxed when the tree was patched from mail (`harness apply --into`
    /// records it in the cache) or a `--per-patch` series has a mail patch:
    /// the matrix's `sandbox: auto`, decided by content.
    Auto,
    On,
    Off,
}

/// Whether make and the config steps run sandboxed for `tree`.
pub fn wants_sandbox(mode: SandboxArg, tree: &Path, series_from_mail: bool) -> bool {
    match mode {
        SandboxArg::On => true,
        SandboxArg::Off => false,
        SandboxArg::Auto => {
            series_from_mail || harness_sandbox::trust::is_marked_untrusted(&cache_dir(), tree)
        }
    }
}

/// The command factory for host steps: bubblewrap with `writable` (created
/// first) and the `readonly` sources, or the host. Fails rather than build
/// untrusted code unsandboxed when bubblewrap cannot run.
pub fn host_steps(
    sandboxed: bool,
    writable: &[&Path],
    readonly: &[&Path],
) -> anyhow::Result<Box<dyn harness_build::CommandFactory>> {
    if sandboxed {
        for w in writable {
            std::fs::create_dir_all(w).with_context(|| format!("creating {}", w.display()))?;
        }
    }
    harness_orchestrate::sandboxing::factory(
        sandboxed,
        writable,
        readonly,
        harness_sandbox::Limits::default(),
    )
    .map_err(anyhow::Error::msg)
}

/// A FRAGMENT argument: an existing file, else `kernel-configs/NAME[.config]`.
pub fn resolve_fragment(arg: &str) -> anyhow::Result<PathBuf> {
    let p = Path::new(arg);
    if p.is_file() {
        return Ok(p.to_owned());
    }
    let dir = project_root()?.join("kernel-configs");
    for cand in [dir.join(arg), dir.join(format!("{arg}.config"))] {
        if cand.is_file() {
            return Ok(cand);
        }
    }
    anyhow::bail!(
        "config fragment `{arg}`: no such file, and not in {}",
        dir.display()
    )
}

pub fn parse_base(base: &str) -> Base {
    match base.strip_prefix("file:") {
        Some(path) => Base::ConfigFile(PathBuf::from(path)),
        None => Base::Target(base.to_owned()),
    }
}

/// The human summary of a merge.
pub fn render(o: &KconfigOutcome, w: &mut dyn Write) -> std::io::Result<()> {
    let held = o
        .checks
        .iter()
        .filter(|c| c.status == SymbolStatus::Held)
        .count();
    for c in &o.checks {
        if c.status == SymbolStatus::Held {
            continue;
        }
        let label = match c.status {
            SymbolStatus::Dropped => "DROPPED",
            _ => "dropped (allowed: may-drop)",
        };
        writeln!(
            w,
            "{label}: CONFIG_{} wanted {} got {} (requested at {})",
            c.symbol,
            c.wanted,
            c.actual.as_deref().unwrap_or("absent"),
            c.requested_at
        )?;
        if let Some(r) = &c.reason {
            if !r.defined_at.is_empty() {
                writeln!(w, "  defined at {}", r.defined_at.join(", "))?;
            }
            for u in &r.unmet {
                let vals: Vec<String> = u.symbols.iter().map(|(s, v)| format!("{s}={v}")).collect();
                writeln!(w, "  unmet: {} [{}] ({})", u.expr, vals.join(", "), u.from)?;
                for q in &u.requested {
                    writeln!(w, "    conflicts with {q}")?;
                }
            }
            for s in &r.selected_by {
                writeln!(w, "  selected by {s}")?;
            }
            if r.undefined || (r.unmet.is_empty() && r.selected_by.is_empty()) {
                writeln!(w, "  {}", r.summary)?;
            }
        }
    }
    for ov in &o.overrides {
        writeln!(w, "note: {ov}")?;
    }
    for l in &o.ignored_lines {
        writeln!(w, "note: ignored fragment line {l}")?;
    }
    let dropped = o.dropped().count();
    writeln!(
        w,
        "{}: {held} of {} requested symbols hold, {dropped} dropped; config at {} ({:.1}s)",
        if dropped == 0 { "ok" } else { "FAILED" },
        o.checks.len(),
        o.config_path.display(),
        o.seconds
    )
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    // make runs in its own process group: take it down with us on a signal.
    harness_boot::proc_guard::install_signal_cleanup()
        .context("installing SIGINT/SIGTERM cleanup")?;
    let source = crate::tree_arg::resolve(&args.tree)?;
    let tree = source.path.clone();
    let out = std::path::absolute(&args.out)
        .with_context(|| format!("resolving {}", args.out.display()))?;
    let sandboxed = wants_sandbox(args.sandbox, &tree, false);
    let factory = host_steps(sandboxed, &[&out], &[&tree])?;
    let fragments = args
        .fragments
        .iter()
        .map(|f| resolve_fragment(f))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let opts = MergeOptions {
        base: parse_base(&args.base),
        srcarch: srcarch(&args.arch),
        arch: args.arch.clone(),
        source_id: None,
    };
    let outcome = merge(&tree, &args.out, &fragments, &opts, &*factory)
        .with_context(|| format!("merging config fragments in {}", tree.display()))?;
    let to_stdout = args.json.as_deref() == Some(Path::new("-"));
    if let Some(dest) = &args.json {
        write_json(dest, &outcome)?;
    }
    if to_stdout {
        render(&outcome, &mut std::io::stderr().lock())?;
    } else {
        render(&outcome, &mut std::io::stdout().lock())?;
    }
    Ok(if outcome.ok() {
        Outcome::Ok
    } else {
        Outcome::Failed
    })
}

/// `$(SRCARCH)` for an `ARCH=` value.
pub fn srcarch(arch: &str) -> String {
    match arch {
        "x86_64" | "i386" | "x86" => "x86".to_owned(),
        "arm64" | "aarch64" => "arm64".to_owned(),
        other => other.to_owned(),
    }
}
