//! `harness boot KERNEL`: boot a kernel in QEMU with the harness initramfs and
//! run the network-namespace tests in the guest.

use crate::common::{cache_dir, project_root, write_json, Outcome};
use anyhow::Context;
use harness_boot::{
    initramfs::{self, InitramfsOptions, Kselftest},
    proc_guard, qemu, AccelPref, BootOptions, BootStatus, TestResult, TestStatus,
};
use std::path::PathBuf;
use std::time::Duration;

#[derive(clap::Args)]
#[command(
    about = "Boot a kernel in QEMU with the harness initramfs and run the guest tests",
    long_about = "Boot KERNEL (a bzImage) in QEMU with an initramfs built from busybox-static, the \
host's iproute2 and the project's qemu/ directory, run the network-namespace test suite in the \
guest (KTAP on the serial console), and report harness.boot/1.\n\n\
Status: passed, tests-failed, panic (panic/oops/BUG; first trace lines in `trace`), timeout \
(deadline or console silence), no-output, qemu-error. KVM is used when a short probe boot \
shows it works, else TCG (see accel_note). QEMU runs in its own process group and is killed \
on timeout, on exit and on SIGINT/SIGTERM.\n\n\
Exit codes: 0 passed; 1 any other status; 2 the boot could not be attempted."
)]
pub struct Args {
    /// Kernel image to boot (bzImage / vmlinuz).
    pub kernel: PathBuf,
    /// Run SCRIPT as the guest's /init instead of the test suite (busybox sh
    /// is at /bin/sh; the init should end with `reboot -f`).
    #[arg(long, value_name = "SCRIPT")]
    pub init: Option<PathBuf>,
    /// Whole-run deadline in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 300)]
    pub timeout: u64,
    /// Kill the VM after this many seconds without console output.
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    pub silence: u64,
    /// Per-test deadline inside the guest, seconds (guest default 30).
    #[arg(long, value_name = "SECS")]
    pub test_timeout: Option<u64>,
    /// Config symbols the kernel was built with: a .config or a fragment. The
    /// guest tests read it (/etc/harness/config) to know what to expect, e.g.
    /// policy routing with CONFIG_IP_MULTIPLE_TABLES=n is an expected failure.
    #[arg(long, value_name = "FILE")]
    pub config_symbols: Option<PathBuf>,
    /// A config symbol value, e.g. CONFIG_IP_MULTIPLE_TABLES=n (repeatable;
    /// added after --config-symbols, so it wins).
    #[arg(long = "symbol", value_name = "CONFIG_X=V")]
    pub symbols: Vec<String>,
    /// Kernel module (.ko, uncompressed) to pack and insmod before the tests,
    /// e.g. veth.ko for a distribution kernel (repeatable, loaded in order).
    #[arg(long = "module", value_name = "KO")]
    pub modules: Vec<PathBuf>,
    /// Kernel selftest to run in the guest after the suite, e.g.
    /// TREE/tools/testing/selftests/net/fib_rule_tests.sh (repeatable). It is
    /// reported as the test `kselftest:net/fib_rule_tests.sh` with one subtest
    /// per `TEST: ... [ OK ]` line; skipped, with the reason, when the kernel
    /// lacks the config qemu/kselftests.conf lists for it. bash is packed.
    #[arg(long = "kselftest", value_name = "SCRIPT")]
    pub kselftests: Vec<PathBuf>,
    /// A kernel splat fingerprint (as reported, e.g.
    /// `warning:veth_newlink/__rtnl_newlink/rtnl_newlink`) that does not fail
    /// the boot, optionally `=REASON` (repeatable). Every other WARN, lockdep,
    /// KASAN, kmemleak, ... report makes a boot whose tests all passed
    /// `tests-passed-kernel-warned` (exit 1).
    #[arg(long = "allow-splat", value_name = "FINGERPRINT[=REASON]")]
    pub allow_splats: Vec<String>,
    /// Do not re-run failed guest tests. By default the tests that failed are
    /// run once more in a fresh boot (kernel command line
    /// `HARNESS_ATTEMPT=2 HARNESS_ONLY=name,...`); one that then passes is
    /// reported `flaky` (`retried` in the report keeps both results).
    #[arg(long)]
    pub no_retry: bool,
    /// Run only these guest tests (comma-separated names as reported, e.g.
    /// `netns-veth,kselftest:net/fib_rule_tests.sh`), as the retry boot
    /// does: the others are neither run nor expected. What a matrix cell's
    /// boot reproducer uses for its failed tests.
    #[arg(long, value_name = "NAMES", value_delimiter = ',')]
    pub only: Vec<String>,
    /// Accelerator: auto (probe KVM, fall back to TCG), kvm, tcg.
    #[arg(long, env = "HARNESS_ACCEL", default_value = "auto")]
    pub accel: AccelPref,
    /// Where to write the serial console (default <cache>/boot-logs/<name>.log).
    #[arg(long, value_name = "FILE")]
    pub console_log: Option<PathBuf>,
    /// Guest memory in MiB.
    #[arg(long, value_name = "MB", default_value_t = 512)]
    pub memory: u32,
    /// QEMU binary.
    #[arg(long, value_name = "PATH", default_value = "qemu-system-x86_64")]
    pub qemu: PathBuf,
    /// Extra kernel command-line word (repeatable).
    #[arg(long, value_name = "ARG")]
    pub append: Vec<String>,
    /// The guest directory (init, run-tests, tests/); default <project>/qemu.
    #[arg(long, value_name = "DIR")]
    pub guest_dir: Option<PathBuf>,
    /// Write the harness.boot/1 report to FILE (`-` = stdout).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
}

fn config_text(args: &Args) -> anyhow::Result<Option<String>> {
    let mut text = String::new();
    if let Some(f) = &args.config_symbols {
        text = std::fs::read_to_string(f)
            .with_context(|| format!("reading config symbols {}", f.display()))?;
        if !text.ends_with('\n') && !text.is_empty() {
            text.push('\n');
        }
    }
    for s in &args.symbols {
        let (name, value) = s.split_once('=').with_context(|| {
            format!("--symbol {s:?}: expected CONFIG_NAME=VALUE, e.g. CONFIG_VETH=y")
        })?;
        let name = name.trim();
        anyhow::ensure!(
            !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'),
            "--symbol {s:?}: bad symbol name"
        );
        let name = if name.starts_with("CONFIG_") {
            name.to_string()
        } else {
            format!("CONFIG_{name}")
        };
        text.push_str(&format!("{name}={}\n", value.trim()));
    }
    Ok((!text.is_empty()).then_some(text))
}

fn status_word(s: TestStatus) -> &'static str {
    match s {
        TestStatus::Pass => "pass",
        TestStatus::Fail => "FAIL",
        TestStatus::Skip => "skip",
        TestStatus::Xfail => "xfail",
    }
}

fn print_test(t: &TestResult, depth: usize) {
    let pad = "  ".repeat(depth + 1);
    match &t.reason {
        Some(r) => crate::common::outln!("{pad}{:<5} {}  ({r})", status_word(t.status), t.name),
        None => crate::common::outln!("{pad}{:<5} {}", status_word(t.status), t.name),
    }
    if let Some(r) = &t.retried {
        crate::common::outln!(
            "{pad}      {}; first: {}{}",
            harness_report::view::retry_word(r.verdict),
            status_word(r.first.status),
            r.first
                .reason
                .as_deref()
                .map(|x| format!(" ({x})"))
                .unwrap_or_default()
        );
    }
    if t.status == TestStatus::Fail {
        for s in &t.subtests {
            print_test(s, depth + 1);
        }
    }
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    proc_guard::install_signal_cleanup().context("installing SIGINT/SIGTERM cleanup")?;
    let guest_dir = match &args.guest_dir {
        Some(dir) => dir.clone(),
        None => project_root()?.join("qemu"),
    };
    let cache = cache_dir();

    let mut iopts = InitramfsOptions::new(&guest_dir);
    iopts.init = args.init.clone();
    iopts.config = config_text(&args)?;
    iopts.modules = args.modules.clone();
    iopts.kselftests = args
        .kselftests
        .iter()
        .map(|p| Kselftest::from_path(p))
        .collect::<Result<_, _>>()
        .context("--kselftest")?;
    let image = initramfs::ensure(&cache, &iopts).context("building the guest initramfs")?;

    let tag = qemu::default_name_tag();
    let log = args
        .console_log
        .clone()
        .unwrap_or_else(|| qemu::console_log_path(&cache.join("boot-logs"), &tag));
    let mut opts = BootOptions::new(&args.kernel, image);
    opts.timeout = Duration::from_secs(args.timeout.max(1));
    opts.silence = Duration::from_secs(args.silence.max(1));
    opts.test_timeout = args.test_timeout.map(Duration::from_secs);
    opts.console_log = Some(log);
    opts.accel = args.accel;
    opts.qemu = args.qemu.clone();
    opts.memory_mb = args.memory;
    opts.append = args.append.clone();
    opts.name_tag = Some(tag);
    opts.splats.allow = args
        .allow_splats
        .iter()
        .map(|a| {
            let (fingerprint, reason) = a
                .split_once('=')
                .unwrap_or((a, "allowed on the command line"));
            harness_boot::splat::AllowedSplat {
                fingerprint: fingerprint.to_owned(),
                reason: reason.to_owned(),
            }
        })
        .collect();
    if args.init.is_none() {
        opts.expected_tests = initramfs::suite_test_names(&guest_dir)
            .with_context(|| format!("listing the guest tests in {}", guest_dir.display()))?;
        opts.expected_tests
            .extend(iopts.kselftests.iter().map(Kselftest::test_name));
        only_tests(&mut opts, &args.only)?;
    }
    opts.retry = !args.no_retry;
    let report = harness_boot::boot_retrying(&opts)
        .with_context(|| format!("booting {}", args.kernel.display()))?;

    let to_stdout = args.json.as_deref() == Some(std::path::Path::new("-"));
    if !to_stdout {
        let status = harness_report::status::Word::word(report.status);
        crate::common::outln!(
            "boot {}: {status} in {:.1} s ({}{})",
            args.kernel.display(),
            report.seconds,
            report.accel,
            report
                .accel_note
                .as_deref()
                .map(|n| format!(": {n}"))
                .unwrap_or_default()
        );
        if let Some(d) = &report.detail {
            crate::common::outln!("  {d}");
        }
        for t in &report.tests {
            print_test(t, 0);
        }
        for l in report.trace.iter().take(12) {
            crate::common::outln!("  | {l}");
        }
        for sp in &report.splats {
            let during = sp
                .test
                .as_deref()
                .map(|t| format!(" during {t}"))
                .unwrap_or_default();
            let allowed = sp
                .allowed
                .as_deref()
                .map(|r| format!(" (allowed: {r})"))
                .unwrap_or_default();
            crate::common::outln!(
                "  splat {}{during}{allowed}: {}",
                sp.fingerprint,
                sp.headline
            );
        }
        if let Some(l) = &report.console_log {
            crate::common::outln!("  console log: {l}");
        }
        if let Some(l) = report.retry.as_ref().and_then(|r| r.console_log.as_ref()) {
            crate::common::outln!("  retry console log: {l}");
        }
    }
    if let Some(dest) = &args.json {
        write_json(dest, &report)?;
    }
    Ok(match report.status {
        BootStatus::Passed => Outcome::Ok,
        _ => Outcome::Failed,
    })
}

/// `--only`: the guest runs just these tests (`HARNESS_ONLY=` on the kernel
/// command line, as the retry boot passes it), and only they are expected.
fn only_tests(opts: &mut BootOptions, only: &[String]) -> anyhow::Result<()> {
    if only.is_empty() {
        return Ok(());
    }
    if let Some(n) = only.iter().find(|n| !opts.expected_tests.contains(n)) {
        anyhow::bail!(
            "--only {n}: not a test of this guest suite (it has: {})",
            opts.expected_tests.join(", ")
        );
    }
    opts.append.push(format!(
        "{}={}",
        harness_boot::retry::ONLY_VAR,
        only.join(",")
    ));
    opts.expected_tests = only.to_vec();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(clap::Parser)]
    struct T {
        #[command(flatten)]
        a: Args,
    }

    #[test]
    fn symbols_become_config_lines() {
        let t = T::parse_from([
            "x",
            "k",
            "--symbol",
            "IP_MULTIPLE_TABLES=n",
            "--symbol",
            "CONFIG_VETH=y",
        ]);
        assert_eq!(
            config_text(&t.a).expect("config").as_deref(),
            Some("CONFIG_IP_MULTIPLE_TABLES=n\nCONFIG_VETH=y\n")
        );
        let t = T::parse_from(["x", "k", "--symbol", "novalue"]);
        assert!(config_text(&t.a).is_err());
    }
}
