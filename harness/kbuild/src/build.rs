//! `make O=<out> -jN <targets>` with log capture, ccache, a result cache keyed
//! by the build's inputs (a rerun with nothing changed does not run make),
//! and recovery from interrupted builds.

use crate::hosttools::{check_host_tools, find_in_path, missing_compressor, MissingTool};
use crate::log::{count_compiled, parse_log, Diagnostic, Severity};
use crate::CommandFactory;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

/// Marker written in the output directory while make runs. Found at the
/// start of a build, it means the previous build was interrupted.
pub const RUNNING_MARKER: &str = ".harness-build-running";
/// Result cache directory (inside the output dir unless configured).
pub const RESULTS_DIR: &str = ".harness-results";

#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// `-j`; 0 means the number of CPUs.
    pub jobs: usize,
    /// Use ccache (when the `ccache` program exists) with this `CCACHE_DIR`.
    pub ccache_dir: Option<PathBuf>,
    /// make targets, e.g. `["bzImage"]`.
    pub targets: Vec<String>,
    pub arch: String,
    pub srcarch: String,
    /// Where the full make output goes.
    pub log_path: PathBuf,
    /// Copy the artifact, `.config` and log here after a build (or a reuse).
    pub artifacts_dir: Option<PathBuf>,
    /// Identity of the source tree contents (e.g. tree hash + series hash).
    /// `None`: computed from the tree's file names, sizes and mtimes.
    pub source_id: Option<String>,
    /// Result cache; default `<out>/.harness-results`.
    pub results_dir: Option<PathBuf>,
    /// Run make even when a cached result matches.
    pub force: bool,
    /// Skip the host-tool check (tests with a fake tree).
    pub skip_host_check: bool,
    /// Extra path prefixes to strip from diagnostics (e.g. a sandbox mount point).
    pub strip_prefixes: Vec<String>,
    /// How many lines of the log's tail to keep in the outcome.
    pub excerpt_lines: usize,
    /// Wall-clock limit for make: past it the whole make process group is
    /// killed and the build fails with `limit_hit: wall-time`.
    pub wall_limit: Option<Duration>,
    /// Cap on the build log, bytes: make is killed when the log grows past
    /// it (`limit_hit: output`).
    pub log_limit: Option<u64>,
    /// The per-process memory limit the command factory applies (RLIMIT_AS
    /// via the sandbox); used here to report an out-of-memory failure as
    /// `limit_hit: memory`.
    pub memory_limit: Option<u64>,
}

pub use harness_schema::build::{BuildOutcome, BuildStatus, LimitHit};

impl BuildOptions {
    pub fn new(log_path: PathBuf) -> BuildOptions {
        BuildOptions {
            jobs: 0,
            ccache_dir: None,
            targets: vec!["bzImage".to_owned()],
            arch: "x86_64".to_owned(),
            srcarch: "x86".to_owned(),
            log_path,
            artifacts_dir: None,
            source_id: None,
            results_dir: None,
            force: false,
            skip_host_check: false,
            strip_prefixes: Vec::new(),
            excerpt_lines: 40,
            wall_limit: None,
            log_limit: None,
            memory_limit: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("missing host tools: {}. Install them (`apt-get install {}`; the list is scripts/host-packages.txt)",
        .0.iter().map(|m| m.to_string()).collect::<Vec<_>>().join(", "),
        .0.iter().map(|m| m.package.clone()).collect::<Vec<_>>().join(" "))]
    MissingTools(Vec<MissingTool>),
    #[error(
        "{0}: no .config; run `harness kconfig` (or kconfig::merge) into this directory first"
    )]
    NoConfig(PathBuf),
    #[error("{context} {path}: {source}")]
    Io {
        context: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("could not run `{command}`: {source}")]
    Spawn {
        command: String,
        source: std::io::Error,
    },
}

/// Run make as a guarded child (its own process group, killed with the
/// harness: on drop, on SIGINT/SIGTERM once the binary installed the cleanup,
/// and by PR_SET_PDEATHSIG), stopping the whole group when the wall-clock
/// limit passes or the log grows past its cap.
fn run_limited(
    mut cmd: Command,
    opts: &BuildOptions,
) -> std::io::Result<(std::process::ExitStatus, Option<LimitHit>)> {
    let mut child = harness_proc::spawn_guarded(&mut cmd)?;
    let t0 = Instant::now();
    loop {
        if let Some(st) = child.try_wait()? {
            return Ok((st, None));
        }
        let hit = if opts.wall_limit.is_some_and(|w| t0.elapsed() > w) {
            Some(LimitHit::WallTime)
        } else if opts
            .log_limit
            .is_some_and(|cap| std::fs::metadata(&opts.log_path).is_ok_and(|m| m.len() > cap))
        {
            Some(LimitHit::Output)
        } else {
            None
        };
        if let Some(hit) = hit {
            child.kill_group();
            return Ok((child.wait()?, Some(hit)));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The compiler or linker ran out of memory (what RLIMIT_AS produces).
fn out_of_memory(log: &str) -> bool {
    log.lines().any(|l| {
        l.contains("virtual memory exhausted")
            || l.contains("out of memory allocating")
            || l.contains("Cannot allocate memory")
            || l.contains("memory exhausted")
    })
}

fn limit_message(hit: LimitHit, opts: &BuildOptions) -> String {
    match hit {
        LimitHit::WallTime => format!(
            "build stopped: wall-time limit of {} s reached (raise build.limits.wall_minutes)",
            opts.wall_limit.map_or(0, |d| d.as_secs())
        ),
        LimitHit::Output => format!(
            "build stopped: the log passed its limit of {} bytes (raise build.limits.log_mb)",
            opts.log_limit.unwrap_or(0)
        ),
        LimitHit::Memory => format!(
            "build failed: out of memory under the per-process limit of {} bytes (raise build.limits.memory_mb)",
            opts.memory_limit.unwrap_or(0)
        ),
    }
}

fn io_err(context: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> BuildError {
    let path = path.to_owned();
    move |source| BuildError::Io {
        context,
        path,
        source,
    }
}

/// Where a make target's artifact lands, relative to the output dir.
pub fn artifact_rel(target: &str, srcarch: &str) -> Option<String> {
    match target {
        "bzImage" | "zImage" | "Image" | "Image.gz" => {
            Some(format!("arch/{srcarch}/boot/{target}"))
        }
        "vmlinux" => Some("vmlinux".to_owned()),
        _ => None,
    }
}

/// Identity of a source tree from file names, sizes and mtimes (what make
/// itself looks at). About 1-3 s for a kernel tree.
pub fn source_fingerprint(src: &Path) -> String {
    let mut entries: Vec<String> = Vec::new();
    let mut stack = vec![src.to_owned()];
    while let Some(dir) = stack.pop() {
        let rd = match std::fs::read_dir(&dir) {
            Ok(rd) => rd,
            Err(e) => {
                entries.push(format!("! {} {e}", dir.display()));
                continue;
            }
        };
        for ent in rd.flatten() {
            let p = ent.path();
            let Ok(ft) = ent.file_type() else { continue };
            if ft.is_dir() {
                if ent.file_name() != ".git" {
                    stack.push(p);
                }
                continue;
            }
            let Ok(md) = ent.metadata() else { continue };
            let mtime = md
                .modified()
                .ok()
                .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
                .map(|d| d.as_nanos())
                .unwrap_or(0);
            let rel = p.strip_prefix(src).unwrap_or(&p);
            entries.push(format!("{} {} {}", rel.display(), md.len(), mtime));
        }
    }
    entries.sort();
    let mut h = Sha256::new();
    for e in &entries {
        h.update(e.as_bytes());
        h.update(b"\n");
    }
    hex::encode(h.finalize())
}

fn input_key(config: &[u8], source_id: &str, opts: &BuildOptions) -> String {
    let mut h = Sha256::new();
    h.update(b"harness-build ");
    h.update(crate::HARNESS_VERSION.as_bytes());
    h.update(b"\nconfig\n");
    h.update(config);
    h.update(b"\nsource ");
    h.update(source_id.as_bytes());
    h.update(format!("\narch {}\ntargets {:?}\n", opts.arch, opts.targets).as_bytes());
    hex::encode(h.finalize())
}

/// Remove files the interrupted build wrote: everything in `out` modified at
/// or after the marker, except `.config*` and harness files. Kbuild then
/// rebuilds them (a missing `.o` or `.cmd` file forces its rebuild).
fn recover_interrupted(out: &Path, marker: &Path) -> usize {
    let since = std::fs::metadata(marker)
        .and_then(|m| m.modified())
        .unwrap_or(SystemTime::UNIX_EPOCH);
    let mut removed = 0;
    let mut stack = vec![out.to_owned()];
    while let Some(dir) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&dir) else {
            continue;
        };
        for ent in rd.flatten() {
            let p = ent.path();
            let name = ent.file_name().to_string_lossy().into_owned();
            if dir == out && (name.starts_with(".config") || name.starts_with(".harness")) {
                continue;
            }
            let Ok(ft) = ent.file_type() else { continue };
            if ft.is_dir() {
                stack.push(p);
                continue;
            }
            let newer = ent
                .metadata()
                .and_then(|m| m.modified())
                .map(|t| t >= since)
                .unwrap_or(true);
            if newer && std::fs::remove_file(&p).is_ok() {
                removed += 1;
            }
        }
    }
    removed
}

/// The log lines around the first error, or the tail.
fn excerpt(log: &str, errors: &[Diagnostic], n: usize) -> String {
    let lines: Vec<&str> = log.lines().collect();
    let (start, end) = match errors.iter().find(|e| e.tool != "make").or(errors.first()) {
        Some(e) => {
            let at = e.log_line.saturating_sub(1);
            (
                at.saturating_sub(5),
                (at + n.saturating_sub(5)).min(lines.len()),
            )
        }
        None => (lines.len().saturating_sub(n), lines.len()),
    };
    lines
        .get(start..end)
        .map(|s| s.join("\n"))
        .unwrap_or_default()
}

fn copy_artifacts(
    dir: &Path,
    artifact: Option<&Path>,
    config: &Path,
    log: &Path,
) -> Result<Option<PathBuf>, BuildError> {
    std::fs::create_dir_all(dir).map_err(io_err("creating artifacts directory", dir))?;
    let mut copied = None;
    if let Some(a) = artifact {
        let name = a
            .file_name()
            .map(PathBuf::from)
            .unwrap_or_else(|| "artifact".into());
        let dest = dir.join(name);
        if a != dest {
            std::fs::copy(a, &dest).map_err(io_err("copying artifact", a))?;
        }
        copied = Some(dest);
    }
    let cfg_dest = dir.join("config");
    std::fs::copy(config, &cfg_dest).map_err(io_err("copying", config))?;
    let log_dest = dir.join("build.log");
    if log != log_dest && log.is_file() {
        std::fs::copy(log, &log_dest).map_err(io_err("copying", log))?;
    }
    Ok(copied)
}

/// Build `src` into `out` (which must hold a `.config`).
///
/// A failing build is `Ok` with status `failed` and the first errors; `Err`
/// is reserved for the harness being unable to run the build at all.
pub fn build(
    src: &Path,
    out: &Path,
    opts: &BuildOptions,
    factory: &dyn CommandFactory,
) -> Result<BuildOutcome, BuildError> {
    let start = Instant::now();
    // One writer per build directory: a second run waits here (a nested
    // lock when the caller already holds it around kconfig + build).
    let _lock = if out.is_dir() {
        Some(crate::store::lock_build_dir(out)?)
    } else {
        None
    };
    let config_path = out.join(".config");
    let config = std::fs::read(&config_path).map_err(|_| BuildError::NoConfig(out.to_owned()))?;
    if !opts.skip_host_check {
        let mut missing = check_host_tools();
        let path_var = std::env::var_os("PATH").unwrap_or_default();
        missing.extend(missing_compressor(
            &String::from_utf8_lossy(&config),
            &path_var,
        ));
        if !missing.is_empty() {
            return Err(BuildError::MissingTools(missing));
        }
    }
    let source_id = match &opts.source_id {
        Some(s) => s.clone(),
        None => source_fingerprint(src),
    };
    let key = input_key(&config, &source_id, opts);
    let results = opts
        .results_dir
        .clone()
        .unwrap_or_else(|| out.join(RESULTS_DIR));
    let cached_dir = results.join(&key);
    let marker = out.join(RUNNING_MARKER);
    let interrupted = marker.exists();

    // Reuse: identical inputs, a passed result and its artifact still there.
    if !opts.force && !interrupted {
        if let Some(mut o) = crate::store::load(&cached_dir) {
            o.reused = true;
            o.recompiled_objects = 0;
            o.seconds = start.elapsed().as_secs_f64();
            if let Some(dir) = &opts.artifacts_dir {
                let log = cached_dir.join("build.log");
                o.artifact =
                    copy_artifacts(dir, o.artifact.as_deref(), &cached_dir.join("config"), &log)?;
                o.log_path = dir.join("build.log");
            }
            return Ok(o);
        }
    }

    let removed = if interrupted {
        recover_interrupted(out, &marker)
    } else {
        0
    };
    std::fs::write(&marker, format!("pid {}\nkey {key}\n", std::process::id()))
        .map_err(io_err("writing", &marker))?;

    if let Some(parent) = opts.log_path.parent() {
        std::fs::create_dir_all(parent).map_err(io_err("creating log directory", parent))?;
    }
    let log_file =
        std::fs::File::create(&opts.log_path).map_err(io_err("creating", &opts.log_path))?;
    let log_err = log_file
        .try_clone()
        .map_err(io_err("opening", &opts.log_path))?;

    let jobs = if opts.jobs == 0 {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    } else {
        opts.jobs
    };
    let path_var = std::env::var_os("PATH").unwrap_or_default();
    let use_ccache = opts.ccache_dir.is_some() && find_in_path("ccache", &path_var).is_some();
    let mut cmd = factory.command("make");
    // make -C enters the tree first: a relative O= would name a directory
    // inside the tree.
    let out_abs = std::path::absolute(out).unwrap_or_else(|_| out.to_owned());
    let mut shown = vec![
        "make".to_owned(),
        "-C".to_owned(),
        src.display().to_string(),
        format!("O={}", out_abs.display()),
        format!("ARCH={}", opts.arch),
        format!("-j{jobs}"),
    ];
    if use_ccache {
        shown.push("CC=ccache gcc".to_owned());
    }
    shown.extend(opts.targets.iter().cloned());
    cmd.args(&shown[1..])
        .env("LC_ALL", "C")
        .env("KBUILD_BUILD_USER", "harness")
        .env("KBUILD_BUILD_HOST", "harness")
        .env("KBUILD_BUILD_TIMESTAMP", "1970-01-01")
        .stdin(Stdio::null())
        .stdout(Stdio::from(log_file))
        .stderr(Stdio::from(log_err));
    if let (true, Some(dir)) = (use_ccache, &opts.ccache_dir) {
        cmd.env("CCACHE_DIR", dir).env("CCACHE_NOHASHDIR", "1");
        // Build and source dirs differ per worktree/config: let ccache hash
        // paths relative to their common ancestor so results are shared.
        if let Some(base) = common_ancestor(src, out) {
            cmd.env("CCACHE_BASEDIR", base);
        }
    }
    let make_command = shown.join(" ");
    let make_start = Instant::now();
    let (status, mut limit_hit) = run_limited(cmd, opts).map_err(|source| BuildError::Spawn {
        command: make_command.clone(),
        source,
    })?;
    let make_seconds = make_start.elapsed().as_secs_f64();
    // make exited by itself (success or failure): the directory is consistent.
    if status.code().is_some() {
        let _ = std::fs::remove_file(&marker);
    }

    let log = std::fs::read(&opts.log_path).map_err(io_err("reading", &opts.log_path))?;
    let log = String::from_utf8_lossy(&log);
    let mut prefixes = vec![src.display().to_string(), out_abs.display().to_string()];
    prefixes.extend(opts.strip_prefixes.iter().cloned());
    let diags = parse_log(&log, &prefixes);
    let (mut errors, warnings): (Vec<_>, Vec<_>) = diags
        .into_iter()
        .partition(|d| d.severity == Severity::Error);
    let passed = status.success() && limit_hit.is_none();
    if !passed && limit_hit.is_none() && opts.memory_limit.is_some() && out_of_memory(&log) {
        limit_hit = Some(LimitHit::Memory);
    }
    if let Some(hit) = limit_hit {
        errors.insert(
            0,
            Diagnostic {
                severity: Severity::Error,
                tool: "harness".to_owned(),
                file: None,
                line: None,
                column: None,
                message: limit_message(hit, opts),
                flag: None,
                log_line: log.lines().count(),
            },
        );
    }
    if !passed && errors.is_empty() {
        errors.push(Diagnostic {
            severity: Severity::Error,
            tool: "make".to_owned(),
            file: None,
            line: None,
            column: None,
            message: format!("make failed ({status}) without a recognised error line; see the log"),
            flag: None,
            log_line: log.lines().count(),
        });
    }
    let artifact = opts
        .targets
        .first()
        .and_then(|t| artifact_rel(t, &opts.srcarch))
        .map(|rel| out.join(rel))
        .filter(|p| passed && regular_file_inside(out, p));
    let mut outcome = BuildOutcome {
        status: if passed {
            BuildStatus::Passed
        } else {
            BuildStatus::Failed
        },
        seconds: 0.0,
        make_seconds,
        recompiled_objects: count_compiled(&log),
        reused: false,
        recovered_interrupted: interrupted,
        recovered_removed_files: removed,
        log_excerpt: excerpt(&log, &errors, opts.excerpt_lines),
        errors,
        warnings,
        log_path: opts.log_path.clone(),
        artifact,
        input_key: key,
        make_command,
        ccache: use_ccache,
        limit_hit,
    };
    if passed {
        // Keep a copy of the result so a rerun (or switching back to this
        // config in a shared directory) needs no make.
        // Published atomically, with the artifact's size and sha256.
        crate::store::publish(&cached_dir, &outcome, &config_path, &opts.log_path)?;
    }
    if let Some(dir) = &opts.artifacts_dir {
        outcome.artifact = copy_artifacts(
            dir,
            outcome.artifact.as_deref(),
            &config_path,
            &opts.log_path,
        )?;
    }
    outcome.seconds = start.elapsed().as_secs_f64();
    Ok(outcome)
}

/// The deepest common ancestor of two absolute paths, if below `/`.
fn common_ancestor(a: &Path, b: &Path) -> Option<PathBuf> {
    let a = std::fs::canonicalize(a).ok()?;
    let b = std::fs::canonicalize(b).ok()?;
    let common: PathBuf = a
        .components()
        .zip(b.components())
        .take_while(|(x, y)| x == y)
        .map(|(x, _)| x)
        .collect();
    (common.components().count() > 1).then_some(common)
}

/// The artifact make left is copied out only when it is a regular file (not
/// a symlink, which a hostile build could point at a host file the sandbox
/// hides) inside the build directory (no directory symlink on the way).
fn regular_file_inside(out: &Path, p: &Path) -> bool {
    let regular = std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_file());
    let inside = match (std::fs::canonicalize(out), std::fs::canonicalize(p)) {
        (Ok(o), Ok(c)) => c.starts_with(o),
        _ => false,
    };
    regular && inside
}

#[cfg(test)]
mod tests {
    #[test]
    fn out_of_memory_lines_gcc_and_ld_print() {
        // gcc's and ld's wording when RLIMIT_AS stops them.
        assert!(super::out_of_memory(
            "cc1: out of memory allocating 4064 bytes after a total of 33263616 bytes"
        ));
        assert!(super::out_of_memory(
            "ld: failed to map segment: Cannot allocate memory"
        ));
        assert!(!super::out_of_memory(
            "net/core.c:3:5: warning: unused variable"
        ));
    }
}
