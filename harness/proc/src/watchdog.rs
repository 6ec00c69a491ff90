//! The process-group watchdog: a forked process that kills one group when the
//! harness dies without releasing it.
//!
//! The watchdog is forked (no exec) from a process that may have other
//! threads, so between fork and `_exit` it calls only async-signal-safe
//! functions and never allocates: `setpgid`, `signal`, `dup2`, `close_range`
//! (or `close`), `read`, `kill`.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

/// The harness's end of one watchdog: the pipe's write end and the pid.
#[derive(Debug)]
pub(crate) struct Watchdog {
    pid: libc::pid_t,
    write_end: OwnedFd,
}

impl Watchdog {
    /// Fork a watchdog for process group `pgid`.
    pub(crate) fn start(pgid: i32) -> io::Result<Watchdog> {
        let mut fds: [libc::c_int; 2] = [-1, -1];
        // SAFETY: pipe2 writes two descriptors into the array it is given.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: both descriptors were just created and are owned here alone.
        let (read_end, write_end) =
            unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
        // SAFETY: the child branch runs only async-signal-safe calls (see
        // `watch`) and ends in `_exit`; the parent branch is ordinary code.
        let pid = unsafe { libc::fork() };
        if pid < 0 {
            return Err(io::Error::last_os_error());
        }
        if pid == 0 {
            // SAFETY: in the forked child; `watch` never returns.
            unsafe { watch(read_end.as_raw_fd(), pgid) }
        }
        drop(read_end);
        Ok(Watchdog { pid, write_end })
    }

    /// The group was dealt with (killed and reaped by the guard): tell the
    /// watchdog to exit without killing, and reap it.
    pub(crate) fn release(self) {
        let byte = [1u8];
        // SAFETY: writes one byte from a live buffer to a descriptor we own.
        let _ = unsafe {
            libc::write(
                self.write_end.as_raw_fd(),
                byte.as_ptr().cast::<libc::c_void>(),
                1,
            )
        };
        drop(self.write_end);
        let mut status = 0;
        // SAFETY: waits for our own child; `status` is a live int.
        unsafe { while libc::waitpid(self.pid, &mut status, 0) < 0 && errno() == libc::EINTR {} }
    }
}

fn errno() -> libc::c_int {
    io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

/// The watchdog's whole life, in the forked child.
///
/// # Safety
/// Only to be called in a freshly forked child.
unsafe fn watch(read_fd: libc::c_int, pgid: i32) -> ! {
    // Out of the harness's process group, deaf to the terminal's signals: a
    // Ctrl-C or a kill of the harness's group must not take the watchdog
    // down before it has done its work.
    libc::setpgid(0, 0);
    for sig in [
        libc::SIGINT,
        libc::SIGTERM,
        libc::SIGHUP,
        libc::SIGQUIT,
        libc::SIGPIPE,
    ] {
        libc::signal(sig, libc::SIG_IGN);
    }
    // Hold nothing but the pipe: other watchdogs' write ends (which would
    // keep their pipes open) and the harness's stdout/stderr pipes.
    if libc::dup2(read_fd, 0) < 0 {
        libc::_exit(1);
    }
    if libc::syscall(libc::SYS_close_range, 1u32, u32::MAX, 0u32) != 0 {
        for fd in 1..65536 {
            libc::close(fd);
        }
    }
    let mut byte = 0u8;
    loop {
        let n = libc::read(0, (&mut byte as *mut u8).cast::<libc::c_void>(), 1);
        if n == 1 {
            libc::_exit(0); // released
        }
        if n < 0 && *libc::__errno_location() == libc::EINTR {
            continue;
        }
        break; // EOF (or an error): the harness is gone
    }
    libc::kill(-pgid, libc::SIGKILL);
    libc::_exit(0)
}
