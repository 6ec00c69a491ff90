//! KVM or TCG. `/dev/kvm` can exist while a KVM guest hangs (measured on these
//! machines: QEMU starts, SeaBIOS runs, the kernel never prints), so the probe
//! boots the kernel under KVM for a few seconds and requires console output.
//! The verdict is cached for the rest of the process.

use crate::proc_guard::spawn_guarded;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Which accelerator the caller wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AccelPref {
    /// KVM if the probe says it works, else TCG.
    #[default]
    Auto,
    Kvm,
    Tcg,
}

impl std::str::FromStr for AccelPref {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "auto" => Ok(AccelPref::Auto),
            "kvm" => Ok(AccelPref::Kvm),
            "tcg" => Ok(AccelPref::Tcg),
            other => Err(format!(
                "unknown accelerator {other:?}: use auto, kvm or tcg"
            )),
        }
    }
}

/// The accelerator chosen and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccelChoice {
    /// "kvm" or "tcg".
    pub accel: &'static str,
    pub note: Option<String>,
}

/// How long the KVM probe waits for the first console byte.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

static PROBE: OnceLock<Result<String, String>> = OnceLock::new();

/// Does KVM work? `Ok(note)` when a kernel printed under KVM, `Err(reason)` otherwise.
pub fn probe_kvm(qemu: &Path, kernel: &Path, timeout: Duration) -> Result<String, String> {
    if let Err(e) = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/kvm")
    {
        return Err(format!("/dev/kvm not usable: {e}"));
    }
    let start = Instant::now();
    let mut cmd = Command::new(qemu);
    cmd.args([
        "-name",
        &format!("harness-kvm-probe-{}", std::process::id()),
        "-accel",
        "kvm",
        "-M",
        "pc",
        "-m",
        "256",
        "-smp",
        "1",
        "-nodefaults",
        "-no-user-config",
        "-display",
        "none",
        "-no-reboot",
        "-serial",
        "stdio",
        "-kernel",
    ])
    .arg(kernel)
    .args(["-append", "console=ttyS0 panic=-1"])
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child =
        spawn_guarded(&mut cmd).map_err(|e| format!("cannot run {}: {e}", qemu.display()))?;
    let Some(mut stdout) = child.child_mut().stdout.take() else {
        return Err("no stdout pipe".into());
    };
    let mut stderr = child.child_mut().stderr.take();
    let (tx, rx) = mpsc::channel::<usize>();
    std::thread::spawn(move || {
        let mut buf = [0u8; 256];
        let n = stdout.read(&mut buf).unwrap_or(0);
        let _ = tx.send(n);
    });
    let verdict = match rx.recv_timeout(timeout) {
        Ok(n) if n > 0 => Ok(format!(
            "KVM probe: the kernel printed after {:.1} s",
            start.elapsed().as_secs_f64()
        )),
        Ok(_) => {
            child.kill_group();
            let _ = child.wait();
            let mut msg = String::new();
            if let Some(e) = stderr.as_mut() {
                let _ = e.read_to_string(&mut msg);
            }
            let msg = msg
                .lines()
                .filter(|l| !l.contains("host doesn't support requested feature"))
                .collect::<Vec<_>>()
                .join("; ");
            Err(format!(
                "QEMU with KVM exited without console output: {}",
                msg.trim()
            ))
        }
        Err(_) => Err(format!(
            "/dev/kvm is present but a KVM boot printed nothing in {} s",
            timeout.as_secs()
        )),
    };
    child.kill_group();
    drop(child);
    verdict
}

/// Pick the accelerator. `Auto` probes once per process (with `kernel`).
pub fn choose(pref: AccelPref, qemu: &Path, kernel: &Path) -> AccelChoice {
    match pref {
        AccelPref::Tcg => AccelChoice {
            accel: "tcg",
            note: Some("TCG requested".into()),
        },
        AccelPref::Kvm => AccelChoice {
            accel: "kvm",
            note: Some("KVM requested (not probed)".into()),
        },
        AccelPref::Auto => {
            let verdict = PROBE.get_or_init(|| probe_kvm(qemu, kernel, PROBE_TIMEOUT));
            match verdict {
                Ok(note) => AccelChoice {
                    accel: "kvm",
                    note: Some(note.clone()),
                },
                Err(why) => AccelChoice {
                    accel: "tcg",
                    note: Some(format!("{why}; falling back to TCG")),
                },
            }
        }
    }
}
