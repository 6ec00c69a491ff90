//! Child processes that never outlive the harness.
//!
//! Every guarded child (QEMU, make) runs in its own process group. The group is killed when the
//! [`GuardedChild`] is dropped, and — after [`install_signal_cleanup`] — when
//! the harness gets SIGINT, SIGTERM or SIGHUP. Each child also asks the kernel
//! for SIGKILL when its parent thread dies (`PR_SET_PDEATHSIG`), but that
//! reaches the child alone: make's own children (sub-makes, compilers, a
//! recipe's `sleep`) would run on. So each group also gets a watchdog
//! ([`watchdog`]): a tiny forked process, outside the harness's process group
//! and ignoring terminal signals, blocked reading a pipe whose only writer is
//! the harness. When the harness dies in any way (SIGKILL included) the pipe
//! closes and the watchdog kills the whole group; a normal drop releases it
//! with one byte instead.
//!
//! This is the one module of the crate that needs `unsafe`: `pre_exec`,
//! `prctl`, `kill` and `sigaction` are libc calls. The signal handler only
//! touches atomics and calls async-signal-safe functions (`kill`, `signal`,
//! `raise`).
#![allow(unsafe_code)]

use std::io;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command};
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

mod watchdog;

const SLOTS: usize = 64;
/// Process-group ids to kill on a signal; 0 = free slot.
static GROUPS: [AtomicI32; SLOTS] = [const { AtomicI32::new(0) }; SLOTS];
static INSTALLED: AtomicBool = AtomicBool::new(false);

fn register(pgid: i32) {
    for slot in GROUPS.iter() {
        if slot
            .compare_exchange(0, pgid, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
        {
            return;
        }
    }
    // More than SLOTS children at once: the child still has PDEATHSIG and
    // the Drop kill; only the signal-handler cleanup misses it.
}

fn unregister(pgid: i32) {
    for slot in GROUPS.iter() {
        let _ = slot.compare_exchange(pgid, 0, Ordering::SeqCst, Ordering::SeqCst);
    }
}

/// Kill every registered process group with SIGKILL. Async-signal-safe; call
/// it from your own signal handler if you install one instead of
/// [`install_signal_cleanup`].
pub fn kill_registered() {
    for slot in GROUPS.iter() {
        let pgid = slot.load(Ordering::SeqCst);
        if pgid > 0 {
            // SAFETY: kill(2) with a negative pid signals a process group; no memory involved.
            unsafe {
                libc::kill(-pgid, libc::SIGKILL);
            }
        }
    }
}

extern "C" fn on_signal(sig: libc::c_int) {
    kill_registered();
    // SAFETY: signal(2) and raise(3) are async-signal-safe; restoring the
    // default action and re-raising ends the process the way the signal would have.
    unsafe {
        libc::signal(sig, libc::SIG_DFL);
        libc::raise(sig);
    }
}

/// Install handlers for SIGINT, SIGTERM and SIGHUP that kill all guarded
/// children's process groups, then let the signal end the process as usual.
/// Idempotent. Call it once from the binary (libraries should not).
pub fn install_signal_cleanup() -> io::Result<()> {
    if INSTALLED.swap(true, Ordering::SeqCst) {
        return Ok(());
    }
    for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        // SAFETY: sigaction with a zeroed struct, an extern "C" handler that is
        // async-signal-safe, and an empty mask.
        let rc = unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as usize;
            libc::sigemptyset(&mut action.sa_mask);
            action.sa_flags = libc::SA_RESTART;
            libc::sigaction(sig, &action, std::ptr::null_mut())
        };
        if rc != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// A child in its own process group, killed (group-wide) on drop.
#[derive(Debug)]
pub struct GuardedChild {
    child: Child,
    pgid: i32,
    reaped: bool,
    /// Kills the group if the harness dies without dropping this (None when
    /// it could not be forked: PDEATHSIG and the signal cleanup remain).
    watchdog: Option<watchdog::Watchdog>,
}

impl GuardedChild {
    pub fn child_mut(&mut self) -> &mut Child {
        &mut self.child
    }

    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL the whole process group (QEMU and anything it started).
    pub fn kill_group(&mut self) {
        if self.pgid > 0 {
            // SAFETY: see kill_registered.
            unsafe {
                libc::kill(-self.pgid, libc::SIGKILL);
            }
        }
    }

    /// Wait for the child, remembering that it is reaped.
    pub fn wait(&mut self) -> io::Result<std::process::ExitStatus> {
        let status = self.child.wait()?;
        self.reaped = true;
        Ok(status)
    }

    pub fn try_wait(&mut self) -> io::Result<Option<std::process::ExitStatus>> {
        let status = self.child.try_wait()?;
        if status.is_some() {
            self.reaped = true;
        }
        Ok(status)
    }
}

impl Drop for GuardedChild {
    fn drop(&mut self) {
        // Always kill the group: the leader may have exited while helpers remain.
        self.kill_group();
        if !self.reaped {
            let _ = self.child.wait();
        }
        unregister(self.pgid);
        if let Some(w) = self.watchdog.take() {
            w.release();
        }
    }
}

/// Spawn `cmd` in a new process group with `PR_SET_PDEATHSIG(SIGKILL)`, and
/// a watchdog that kills the group if the harness dies without dropping the
/// returned guard (see the module documentation).
pub fn spawn_guarded(cmd: &mut Command) -> io::Result<GuardedChild> {
    // SAFETY: getpid is always safe.
    let parent = unsafe { libc::getpid() };
    cmd.process_group(0);
    // SAFETY: the closure runs between fork and exec and only calls
    // async-signal-safe functions (prctl, getppid, _exit).
    unsafe {
        cmd.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0) != 0 {
                return Err(io::Error::last_os_error());
            }
            // The parent may have died before prctl took effect.
            if libc::getppid() != parent {
                libc::_exit(137);
            }
            Ok(())
        });
    }
    let child = cmd.spawn()?;
    let pgid = i32::try_from(child.id()).unwrap_or(0);
    register(pgid);
    let watchdog = (pgid > 0)
        .then(|| watchdog::Watchdog::start(pgid))
        .transpose();
    let mut guarded = GuardedChild {
        child,
        pgid,
        reaped: false,
        watchdog: None,
    };
    // Without its watchdog the group could outlive a SIGKILLed harness: the
    // drop of `guarded` kills it again before the error is returned.
    guarded.watchdog = watchdog?;
    Ok(guarded)
}

/// [`Command::output`] as a guarded child: stdout and stderr captured, the
/// process group killed with the harness (on drop, on a signal, by the
/// watchdog). Stdin is whatever `cmd` says (give it `Stdio::null()`).
pub fn output_guarded(cmd: &mut Command) -> io::Result<std::process::Output> {
    use std::io::Read;
    cmd.stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut guarded = spawn_guarded(cmd)?;
    let stdout_pipe = guarded.child_mut().stdout.take();
    let stderr_pipe = guarded.child_mut().stderr.take();
    let stderr_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut p) = stderr_pipe {
            let _ = p.read_to_end(&mut buf);
        }
        buf
    });
    let mut stdout = Vec::new();
    if let Some(mut p) = stdout_pipe {
        p.read_to_end(&mut stdout)?;
    }
    let stderr = stderr_reader.join().unwrap_or_default();
    let status = guarded.wait()?;
    Ok(std::process::Output {
        status,
        stdout,
        stderr,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn alive(pid: i32) -> bool {
        // SAFETY: signal 0 only checks for existence.
        unsafe { libc::kill(pid, 0) == 0 }
    }

    #[test]
    fn drop_kills_the_whole_group() {
        // sh starts a grandchild (sleep) in the same group, prints its pid.
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "sleep 300 & echo $!; wait"])
            .stdout(std::process::Stdio::piped());
        let mut g = spawn_guarded(&mut cmd).expect("spawn sh");
        let mut out = String::new();
        {
            use std::io::BufRead;
            let stdout = g.child_mut().stdout.take().expect("stdout");
            let mut reader = std::io::BufReader::new(stdout);
            reader.read_line(&mut out).expect("read pid");
        }
        let grandchild: i32 = out.trim().parse().expect("pid");
        assert!(alive(grandchild));
        drop(g);
        // The grandchild is not our child: poll until it is gone (zombies
        // are reaped by init/the subreaper, kill(0) may still see them briefly).
        let start = Instant::now();
        while alive(grandchild) && start.elapsed() < Duration::from_secs(5) {
            let stat =
                std::fs::read_to_string(format!("/proc/{grandchild}/stat")).unwrap_or_default();
            if stat.contains(") Z ") || stat.is_empty() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let stat = std::fs::read_to_string(format!("/proc/{grandchild}/stat")).unwrap_or_default();
        assert!(
            stat.is_empty() || stat.contains(") Z "),
            "grandchild {grandchild} survived: {stat}"
        );
    }

    #[test]
    fn output_guarded_captures_both_streams_and_the_status() {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "echo out; echo err >&2; exit 3"]);
        let o = output_guarded(&mut cmd).expect("run sh");
        assert_eq!(o.stdout, b"out\n");
        assert_eq!(o.stderr, b"err\n");
        assert_eq!(o.status.code(), Some(3));
    }
}
