//! Command factories that run tree code (kconfig, make, scripts) inside the
//! bubblewrap sandbox: network unshared, root file system read-only, only the
//! worktree, build directory and ccache directory writable, home hidden.

use std::path::Path;

/// A factory running programs in a sandbox where only `writable` paths can be
/// written and `readonly` paths (e.g. the cached base tree, under the hidden
/// home directory) can be read. Fails, rather than silently building
/// unsandboxed, when bubblewrap cannot run here.
///
/// With `enabled` false the programs run on the host as they are (trusted
/// trees), still under the rlimits in `limits` (via `prlimit`), and, when
/// bubblewrap works here, with the `readonly` sources bound read-only
/// ([`harness_sandbox::Sandbox::guard`]): a worktree is a hard-link farm
/// into the cached base tree, which a trusted build running as root could
/// otherwise write in place. Without bubblewrap a trusted build runs
/// unguarded; the base tree's fingerprint, checked on every use, then still
/// refuses a tree changed that way.
pub fn factory(
    enabled: bool,
    writable: &[&Path],
    readonly: &[&Path],
    limits: harness_sandbox::Limits,
) -> Result<Box<dyn harness_build::CommandFactory>, String> {
    let guard = !enabled && harness_sandbox::Sandbox::guard().probe().is_ok();
    let no_limits = limits == harness_sandbox::Limits::default();
    if !enabled && !guard && no_limits {
        return Ok(Box::new(harness_build::HostCommands));
    }
    let mut sb = if enabled {
        harness_sandbox::Sandbox::new()
    } else if guard {
        harness_sandbox::Sandbox::guard()
    } else {
        harness_sandbox::Sandbox::disabled()
    }
    .with_limits(limits);
    for w in writable {
        sb = sb.writable(w.to_path_buf());
    }
    for r in readonly {
        sb = sb.readonly(r.to_path_buf());
    }
    sb.probe()
        .map_err(|e| format!("{e} (or run with --sandbox off for trusted trees)"))?;
    Ok(Box::new(move |program: &str| {
        sb.command(program, std::iter::empty::<&str>())
    }))
}
