//! What the kernel console says about the boot, besides KTAP: panics, oopses,
//! BUGs, and how far the guest init got.

use crate::ktap::clean_console_line;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrashKind {
    /// `Kernel panic - not syncing: ...`
    Panic,
    /// `Oops: ...`, `general protection fault`, `Unable to handle kernel ...`
    Oops,
    /// `BUG: ...`, `kernel BUG at ...`
    Bug,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Crash {
    pub kind: CrashKind,
    /// The first marker line (cleaned).
    pub headline: String,
    /// The first marker line and what follows, at most `TRACE_LINES` lines,
    /// ending at `---[ end ... ]---` if that comes first.
    pub trace: Vec<String>,
    /// The panic line, if the kernel also panicked (e.g. after an oops).
    pub panic_line: Option<String>,
}

pub const TRACE_LINES: usize = 40;

fn marker(line: &str) -> Option<CrashKind> {
    let l = line.trim_start();
    if l.starts_with("Kernel panic - not syncing") || l.starts_with("---[ end Kernel panic") {
        return Some(CrashKind::Panic);
    }
    if l.starts_with("BUG: ") || l.starts_with("kernel BUG at") {
        return Some(CrashKind::Bug);
    }
    if l.starts_with("Oops: ")
        || l.starts_with("general protection fault")
        || l.starts_with("Unable to handle kernel")
    {
        return Some(CrashKind::Oops);
    }
    None
}

/// The first panic/oops/BUG in the console text, with its trace.
pub fn detect_crash(console: &str) -> Option<Crash> {
    let lines: Vec<String> = console.split('\n').map(clean_console_line).collect();
    let first = lines.iter().position(|l| marker(l).is_some())?;
    let kind = lines.get(first).and_then(|l| marker(l))?;
    let headline = lines
        .get(first)
        .cloned()
        .unwrap_or_default()
        .trim()
        .to_string();
    let mut trace = Vec::new();
    for l in lines.iter().skip(first) {
        if l.trim().is_empty() {
            continue;
        }
        trace.push(l.trim_end().to_string());
        if trace.len() >= TRACE_LINES || l.contains("---[ end ") {
            break;
        }
    }
    let panic_line = lines
        .iter()
        .skip(first)
        .find(|l| l.trim_start().starts_with("Kernel panic - not syncing"))
        .map(|l| l.trim().to_string());
    Some(Crash {
        kind,
        headline,
        trace,
        panic_line,
    })
}

/// The guest init announced itself (qemu/init prints `harness-init: kernel ...`).
pub fn init_started(console: &str) -> bool {
    console.contains("harness-init: kernel")
}

/// Kernel's own first line (`Linux version ...`), if printed.
pub fn kernel_banner(console: &str) -> Option<String> {
    console
        .split('\n')
        .map(clean_console_line)
        .find(|l| l.trim_start().starts_with("Linux version "))
        .map(|l| l.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Shape of the Debian 6.1 kernel's console when /init exits.
    const KILL_INIT: &str = "\
[    8.427300] Run /init as init process\r
hello from a custom init\r
[    8.600000] Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100\r
[    8.600100] CPU: 0 PID: 1 Comm: init Not tainted 6.1.0-50-amd64 #1  Debian 6.1.176-1\r
[    8.600200] Call Trace:\r
[    8.600300]  <TASK>\r
[    8.600400]  dump_stack_lvl+0x44/0x5c\r
[    8.600500]  panic+0x118/0x2ed\r
[    8.600600]  do_exit.cold+0x15/0x15\r
[    8.600700]  </TASK>\r
[    8.601000] Kernel Offset: 0x1c00000 from 0xffffffff81000000\r
[    8.601100] ---[ end Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100 ]---\r
[    8.700000] reboot: Restarting system\r
";

    #[test]
    fn init_exit_is_a_panic_with_trace() {
        let c = detect_crash(KILL_INIT).expect("crash");
        assert_eq!(c.kind, CrashKind::Panic);
        assert!(c.headline.contains("Attempted to kill init"));
        assert_eq!(c.trace.first(), Some(&c.headline));
        assert!(c
            .trace
            .last()
            .is_some_and(|l| l.contains("---[ end Kernel panic")));
        assert_eq!(c.trace.len(), 10);
    }

    #[test]
    fn oops_then_panic() {
        let text =
            "ok 1 a\n[ 3.1] BUG: kernel NULL pointer dereference, address: 0000000000000008\n\
[ 3.2] #PF: supervisor read access in kernel mode\n[ 3.3] Oops: 0000 [#1] PREEMPT SMP NOPTI\n\
[ 3.4] Kernel panic - not syncing: Fatal exception\n";
        let c = detect_crash(text).expect("crash");
        assert_eq!(c.kind, CrashKind::Bug);
        assert_eq!(c.trace.len(), 4);
        assert_eq!(
            c.panic_line.as_deref(),
            Some("Kernel panic - not syncing: Fatal exception")
        );
    }

    #[test]
    fn no_crash_in_a_clean_boot() {
        let clean = include_str!("../testdata/debian-6.1.176-tcg-all-pass.log");
        assert!(detect_crash(clean).is_none());
        assert!(init_started(clean));
        assert!(kernel_banner(clean).is_some_and(|b| b.contains("6.1.0-50-amd64")));
        // "BUG" inside a sentence is not a marker.
        assert!(detect_crash("this is no BUG: really\nok 1 x # BUG: skip").is_none());
    }
}
