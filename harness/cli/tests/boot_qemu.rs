//! `harness boot` against real QEMU (TCG) and Debian's distribution kernel
//! (linux-image-6.1.0-*-amd64-unsigned, a kernel this project did not build).
//!
//! The kernel is fetched once with `apt-get download` into the harness cache
//! (`$HARNESS_CACHE` or ~/.cache/harness, under kernels/debian/). Missing host
//! tools (qemu-system-x86_64, apt-get, dpkg-deb, busybox-static, iproute2)
//! make the tests fail saying which. The boots run one at a time (a mutex):
//! under TCG on a loaded 2-core machine a Debian kernel needs 10-60 s to
//! reach init, and parallel boots would only make the timeouts flaky.
//!
//! Expected outcomes come from the kernel itself: an init that exits makes it
//! panic with "Attempted to kill init"; the suite's verdicts are what the
//! guest measured.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

mod support;

static SERIAL: Mutex<()> = Mutex::new(());

fn harness() -> Command {
    Command::new(env!("CARGO_BIN_EXE_harness"))
}

fn cache_root() -> PathBuf {
    if let Some(p) = std::env::var_os("HARNESS_CACHE") {
        return PathBuf::from(p);
    }
    let home = std::env::var_os("HOME").expect("HOME must be set to find the harness cache");
    PathBuf::from(home).join(".cache/harness")
}

fn require_tool(tool: &str, package: &str) {
    let ok = Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .stdout(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(
        ok,
        "host tool `{tool}` is missing: apt-get install {package}"
    );
}

/// Debian's 6.1 kernel (vmlinuz, config, veth.ko), fetched once.
/// Debian's kernel: (vmlinuz, its config, veth.ko); dummy.ko lies beside
/// veth.ko (the fib rule selftest needs a dummy device).
fn debian_kernel() -> (PathBuf, PathBuf, PathBuf) {
    require_tool("qemu-system-x86_64", "qemu-system-x86");
    let dir = cache_root().join("kernels/debian");
    let find = |dir: &Path| -> Option<(PathBuf, PathBuf, PathBuf)> {
        let boot = dir.join("boot");
        let mut vmlinuz = Vec::new();
        let mut config = Vec::new();
        for e in std::fs::read_dir(&boot).ok()?.flatten() {
            let n = e.file_name().to_string_lossy().to_string();
            if n.starts_with("vmlinuz-") {
                vmlinuz.push(e.path());
            } else if n.starts_with("config-") {
                config.push(e.path());
            }
        }
        // Exactly one kernel, so the modules beside it are its own (two
        // versions left by an interrupted refetch: fetch again).
        let one = |mut v: Vec<PathBuf>| (v.len() == 1).then(|| v.remove(0));
        let (vmlinuz, config) = (one(vmlinuz), one(config));
        let veth = dir.join("veth.ko");
        let (v, c) = (vmlinuz?, config?);
        (veth.is_file() && dir.join("dummy.ko").is_file()).then_some((v, c, veth))
    };
    if let Some(found) = find(&dir) {
        return found;
    }
    require_tool("apt-get", "apt");
    require_tool("dpkg-deb", "dpkg");
    std::fs::create_dir_all(&dir).expect("create kernels/debian in the cache");
    // Newest linux-image-6.1.0-N-amd64-unsigned the archive offers.
    let script = r#"set -e
pkg=$(apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-amd64-unsigned$' | cut -d' ' -f1 | sort -V | tail -n 1)
[ -n "$pkg" ] || { echo "no linux-image-6.1.0-*-amd64-unsigned in apt sources (apt-get update?)" >&2; exit 1; }
cd "$1"
# One kernel and its own modules: drop what an older package left.
rm -rf boot lib veth.ko dummy.ko ./*.deb
apt-get download "$pkg" >&2
deb=$(ls ./*.deb | head -n 1)
dpkg-deb --fsys-tarfile "$deb" | tar -x ./boot
dpkg-deb --fsys-tarfile "$deb" | tar -x --wildcards './lib/modules/*/kernel/drivers/net/veth.ko' './lib/modules/*/kernel/drivers/net/dummy.ko'
mv lib/modules/*/kernel/drivers/net/veth.ko veth.ko
mv lib/modules/*/kernel/drivers/net/dummy.ko dummy.ko
rm -rf lib "$deb"
"#;
    let out = Command::new("sh")
        .args(["-c", script, "sh"])
        .arg(&dir)
        .output()
        .expect("run sh");
    assert!(
        out.status.success(),
        "fetching Debian's kernel failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    find(&dir).expect("Debian kernel files after download")
}

/// `harness boot` of Debian's kernel under TCG with its config and veth.ko,
/// plus `extra` arguments: (output, harness pid).
fn boot_debian(extra: &[&str], json: &Path) -> (Output, u32) {
    let (kernel, config, veth) = debian_kernel();
    let mut args = vec![
        kernel.to_str().expect("utf8"),
        "--accel",
        "tcg",
        "--timeout",
        "500",
        "--silence",
        "120",
        "--config-symbols",
        config.to_str().expect("utf8"),
        "--module",
        veth.to_str().expect("utf8"),
    ];
    args.extend_from_slice(extra);
    let (out, pid, _) = run_boot(&args, json);
    (out, pid)
}

fn write_script(dir: &Path, name: &str, body: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, body).expect("write init script");
    p
}

fn json_of(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).expect("report written");
    serde_json::from_str(&text).expect("report is JSON")
}

/// QEMU processes of the harness process `pid` (its `-name` tag).
fn qemu_left(pid: u32) -> Vec<String> {
    let out = Command::new("pgrep")
        .args(["-a", "-f", &format!("harness-boot-{pid}-")])
        .output()
        .expect("pgrep (procps) is required");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.contains("qemu-system"))
        .map(str::to_string)
        .collect()
}

fn run_boot(args: &[&str], json: &Path) -> (Output, u32, Duration) {
    let start = Instant::now();
    let child = harness()
        .arg("boot")
        .args(args)
        .arg("--json")
        .arg(json)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run harness");
    let pid = child.id();
    let out = child.wait_with_output().expect("wait harness");
    (out, pid, start.elapsed())
}

#[test]
fn init_that_exits_is_a_panic() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let (kernel, _, _) = debian_kernel();
    let tmp = tempfile::tempdir().expect("tempdir");
    let init = write_script(
        tmp.path(),
        "init",
        "#!/bin/sh\necho custom-init: exiting now\nexit 3\n",
    );
    let json = tmp.path().join("r.json");
    // Default accel (auto): also exercises the KVM probe and its note.
    let (out, pid, _) = run_boot(
        &[
            kernel.to_str().expect("utf8"),
            "--init",
            init.to_str().expect("utf8"),
            "--timeout",
            "240",
            "--silence",
            "90",
        ],
        &json,
    );
    let r = json_of(&json);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(r["schema"], "harness.boot/1");
    assert_eq!(r["status"], "panic", "{r:#}");
    let trace: Vec<String> = r["trace"]
        .as_array()
        .expect("trace")
        .iter()
        .filter_map(|l| l.as_str().map(str::to_string))
        .collect();
    assert!(
        trace
            .first()
            .is_some_and(|l| l.contains("Attempted to kill init")),
        "{trace:?}"
    );
    let accel = r["accel"].as_str().expect("accel");
    assert!(accel == "kvm" || accel == "tcg");
    let note = r["accel_note"].as_str().expect("accel_note says why");
    if accel == "tcg" {
        assert!(note.contains("falling back to TCG"), "{note}");
    }
    let log = r["console_log"].as_str().expect("console log path");
    let text = std::fs::read_to_string(log).expect("console log");
    assert!(text.contains("custom-init: exiting now"));
    assert!(qemu_left(pid).is_empty(), "{:?}", qemu_left(pid));
}

#[test]
fn silent_hang_is_a_timeout_within_the_limit() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let (kernel, _, _) = debian_kernel();
    let tmp = tempfile::tempdir().expect("tempdir");
    let init = write_script(
        tmp.path(),
        "init",
        "#!/bin/sh\necho custom-init: hanging quietly\nwhile :; do sleep 1; done\n",
    );
    let json = tmp.path().join("r.json");
    let (out, pid, elapsed) = run_boot(
        &[
            kernel.to_str().expect("utf8"),
            "--init",
            init.to_str().expect("utf8"),
            "--accel",
            "tcg",
            "--timeout",
            "150",
            "--silence",
            "8",
        ],
        &json,
    );
    let r = json_of(&json);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(r["status"], "timeout", "{r:#}");
    assert!(
        r["detail"]
            .as_str()
            .unwrap_or("")
            .contains("no console output for 8 s"),
        "{r:#}"
    );
    // Killed by the silence limit, well before the deadline (+ build slack).
    assert!(elapsed < Duration::from_secs(150 + 20), "took {elapsed:?}");
    assert!(qemu_left(pid).is_empty());
}

#[test]
fn chatty_hang_hits_the_deadline() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let (kernel, _, _) = debian_kernel();
    let tmp = tempfile::tempdir().expect("tempdir");
    let init = write_script(
        tmp.path(),
        "init",
        "#!/bin/sh\nwhile :; do echo custom-init: still here; sleep 1; done\n",
    );
    let json = tmp.path().join("r.json");
    let (out, pid, elapsed) = run_boot(
        &[
            kernel.to_str().expect("utf8"),
            "--init",
            init.to_str().expect("utf8"),
            "--accel",
            "tcg",
            "--timeout",
            "60",
            "--silence",
            "50",
        ],
        &json,
    );
    let r = json_of(&json);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(r["status"], "timeout", "{r:#}");
    assert!(
        r["detail"]
            .as_str()
            .unwrap_or("")
            .contains("deadline of 60 s"),
        "{r:#}"
    );
    let secs = r["seconds"].as_f64().expect("seconds");
    assert!(
        (60.0..66.0).contains(&secs),
        "VM ran {secs} s for a 60 s deadline"
    );
    assert!(elapsed < Duration::from_secs(100), "{elapsed:?}");
    assert!(qemu_left(pid).is_empty());
}

#[test]
fn garbage_kernel_is_qemu_error_or_no_output() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    require_tool("qemu-system-x86_64", "qemu-system-x86");
    let tmp = tempfile::tempdir().expect("tempdir");
    let kernel = tmp.path().join("bzImage");
    let garbage: Vec<u8> = (0..200_000u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    std::fs::write(&kernel, garbage).expect("write garbage");
    let json = tmp.path().join("r.json");
    let (out, pid, _) = run_boot(
        &[
            kernel.to_str().expect("utf8"),
            "--accel",
            "tcg",
            "--timeout",
            "30",
            "--silence",
            "10",
        ],
        &json,
    );
    let r = json_of(&json);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let status = r["status"].as_str().expect("status");
    assert!(status == "qemu-error" || status == "no-output", "{r:#}");
    assert!(qemu_left(pid).is_empty());
}

#[test]
fn missing_kernel_is_an_infrastructure_error() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = harness()
        .args(["boot", "/nonexistent/bzImage", "--accel", "tcg"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/bzImage"));
    drop(tmp);
}

#[test]
fn sigterm_and_sigkill_of_the_harness_leave_no_qemu() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let (kernel, _, _) = debian_kernel();
    let tmp = tempfile::tempdir().expect("tempdir");
    let init = write_script(tmp.path(), "init", "#!/bin/sh\nwhile :; do sleep 1; done\n");
    for signal in ["TERM", "KILL", "INT"] {
        let mut child = harness()
            .args([
                "boot",
                kernel.to_str().expect("utf8"),
                "--init",
                init.to_str().expect("utf8"),
                "--accel",
                "tcg",
                "--timeout",
                "120",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("run harness");
        let pid = child.id();
        // Wait until QEMU runs (initramfs build first).
        let start = Instant::now();
        while qemu_left(pid).is_empty() && start.elapsed() < Duration::from_secs(60) {
            std::thread::sleep(Duration::from_millis(100));
        }
        assert!(!qemu_left(pid).is_empty(), "QEMU never started");
        let st = Command::new("kill")
            .args([&format!("-{signal}"), &pid.to_string()])
            .status()
            .expect("kill");
        assert!(st.success());
        let status = child.wait().expect("wait");
        assert!(!status.success(), "SIG{signal}: harness exited 0");
        let start = Instant::now();
        while !qemu_left(pid).is_empty() && start.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(
            qemu_left(pid).is_empty(),
            "SIG{signal}: QEMU left behind: {:?}",
            qemu_left(pid)
        );
    }
}

/// The whole suite on Debian's kernel: netns is built in there, veth is a
/// module (packed with --module), IP_MULTIPLE_TABLES=y: every test passes.
/// The kernel's own config is passed so the guest knows what to expect.
#[test]
fn debian_kernel_runs_the_netns_suite() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let tmp = tempfile::tempdir().expect("tempdir");
    let json = tmp.path().join("r.json");
    let (out, pid) = boot_debian(&[], &json);
    let r = json_of(&json);
    assert_eq!(
        r["status"],
        "passed",
        "{r:#}\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(out.status.code(), Some(0));
    let tests = r["tests"].as_array().expect("tests");
    let names: Vec<&str> = tests.iter().filter_map(|t| t["name"].as_str()).collect();
    assert_eq!(
        names,
        vec![
            "netns_create_delete",
            "loopback_per_netns",
            "veth_ping_both_ways",
            "device_isolation",
            "move_device_between_netns",
            "policy_routing",
            "unprivileged_unshare_eperm",
            "nested_netns",
            "proc_net_and_sysctl_per_netns"
        ]
    );
    assert!(tests.iter().all(|t| t["status"] == "pass"), "{r:#}");
    // Each test's duration as the guest measured it: a number, and their
    // sum within the boot's wall time.
    let secs: Vec<f64> = tests.iter().filter_map(|t| t["seconds"].as_f64()).collect();
    assert_eq!(secs.len(), 9, "every test has seconds: {r:#}");
    let boot_secs = r["seconds"].as_f64().expect("boot seconds");
    assert!(
        secs.iter().sum::<f64>() < boot_secs,
        "{secs:?} vs {boot_secs}"
    );
    assert_eq!(r["tests_planned"], 9);
    assert!(qemu_left(pid).is_empty());
}

/// tools/testing/selftests/net/fib_rule_tests.sh from the pinned linux-6.1
/// tree, run by `harness boot --kselftest` in Debian's 6.1 kernel (IPv4 and
/// IPv6 policy routing built in, dummy.ko packed). The expected subtests are
/// the selftest's own: its fib_rule4_test and fib_rule6_test print one
/// `TEST: ... [ OK ]` line per check, and the kernel passes them all.
#[test]
fn debian_kernel_passes_the_trees_fib_rule_selftest() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let (_, _, veth) = debian_kernel();
    let dummy = veth.with_file_name("dummy.ko");
    let selftest = support::trees::kernel_tree("linux-6.1")
        .join("tools/testing/selftests/net/fib_rule_tests.sh");
    let tmp = tempfile::tempdir().expect("tempdir");
    let json = tmp.path().join("r.json");
    let (out, pid) = boot_debian(
        &[
            "--test-timeout",
            "240",
            "--module",
            dummy.to_str().expect("utf8"),
            "--kselftest",
            selftest.to_str().expect("utf8"),
        ],
        &json,
    );
    let r = json_of(&json);
    let console = String::from_utf8_lossy(&out.stdout);
    assert_eq!(r["status"], "passed", "{r:#}\n{console}");
    let tests = r["tests"].as_array().expect("tests");
    assert_eq!(r["tests_planned"], 10, "the suite's 9 and the selftest");
    let k = tests
        .iter()
        .find(|t| t["name"] == "kselftest:net/fib_rule_tests.sh")
        .unwrap_or_else(|| panic!("no kselftest result in {r:#}"));
    assert_eq!(k["status"], "pass", "{k:#}");
    let subtests: Vec<&str> = k["subtests"]
        .as_array()
        .expect("subtests")
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    // Both address families ran (names as the selftest prints them).
    for want in [
        "rule4 check: oif redirect to table",
        "rule4 del by pref: oif redirect to table",
        "rule6 check: oif redirect to table",
    ] {
        assert!(subtests.contains(&want), "missing {want:?} in {subtests:?}");
    }
    // Every check the 6.1 script makes unconditionally is there: per address
    // family oif 2, iif 2, 3 dsfield rejects, 4 tos x 2, fwmark 2 = 17 (the
    // uid/sport/ipproto ones depend on the guest's iproute2).
    assert!(
        subtests.len() >= 34,
        "{} subtests: {subtests:?}",
        subtests.len()
    );
    assert!(
        k["subtests"]
            .as_array()
            .expect("subtests")
            .iter()
            .all(|s| s["status"] == "pass" || s["status"] == "skip"),
        "{k:#}"
    );
    assert!(qemu_left(pid).is_empty());
}

/// A module that WARNs when loaded, built against Debian's own headers for
/// the kernel `debian_kernel()` fetched (linux-headers-<abi>-amd64, -common
/// and linux-kbuild-6.1, downloaded once into the cache beside it).
fn warning_module() -> PathBuf {
    let (kernel, _, _) = debian_kernel();
    let abi = kernel
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.strip_prefix("vmlinuz-"))
        .and_then(|n| n.strip_suffix("-amd64"))
        .expect("vmlinuz-<abi>-amd64")
        .to_owned();
    let dir = cache_root().join(format!("kernels/debian-headers-{abi}"));
    let ko = dir.join("mod/splat.ko");
    if ko.is_file() {
        return ko;
    }
    require_tool("make", "make");
    require_tool("gcc", "gcc");
    let script = r#"set -e
abi=$1; dir=$2
[ -n "$abi" ] && [ -n "$dir" ]
rm -rf "$dir"; mkdir -p "$dir/root" "$dir/mod"; cd "$dir"
ver=$(apt-cache show "linux-headers-$abi-amd64" | sed -n 's/^Version: //p' | head -n 1)
apt-get download "linux-headers-$abi-amd64=$ver" "linux-headers-$abi-common=$ver" "linux-kbuild-6.1=$ver" >&2
for d in ./*.deb; do dpkg-deb -x "$d" root; done
rm -f ./*.deb
# The package's Makefile includes the -common one by its absolute path.
sed -i "s|/usr/src/|$dir/root/usr/src/|" "root/usr/src/linux-headers-$abi-amd64/Makefile"
printf '%s\n' '// SPDX-License-Identifier: GPL-2.0' '#include <linux/module.h>' \
  '#include <linux/bug.h>' 'static int __init splat_init(void)' '{' \
  '	WARN(1, "harness splat test");' '	return 0;' '}' 'module_init(splat_init);' \
  'MODULE_LICENSE("GPL");' > mod/splat.c
echo 'obj-m := splat.o' > mod/Makefile
make -s -C "root/usr/src/linux-headers-$abi-amd64" M="$dir/mod" modules >&2
"#;
    let out = Command::new("sh")
        .args(["-c", script, "sh", &abi])
        .arg(&dir)
        .output()
        .expect("run sh");
    assert!(
        out.status.success() && ko.is_file(),
        "building the WARN module against Debian's headers failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    ko
}

#[test]
fn a_kernel_warning_fails_a_boot_whose_tests_pass() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let ko = warning_module();
    let tmp = tempfile::tempdir().expect("tempdir");
    let json = tmp.path().join("r.json");
    let (out, _) = boot_debian(&["--module", ko.to_str().expect("utf8")], &json);
    let r = json_of(&json);
    let why = format!("{r:#}\n{}", String::from_utf8_lossy(&out.stderr));
    // The kernel printed `WARNING: CPU: 0 PID: N at .../splat.c:6
    // splat_init+0x.. [splat]` when insmod loaded the module (before the
    // suite), and every guest test passed: the boot is not a pass.
    assert_eq!(r["status"], "tests-passed-kernel-warned", "{why}");
    assert_eq!(out.status.code(), Some(1), "{why}");
    let tests = r["tests"].as_array().expect("tests");
    assert!(
        !tests.is_empty() && tests.iter().all(|t| t["status"] == "pass"),
        "{why}"
    );
    let splats = r["splats"].as_array().expect("splats");
    assert_eq!(splats.len(), 1, "{why}");
    let s = &splats[0];
    assert_eq!(s["kind"], "warning");
    assert!(s.get("test").is_none(), "loaded before the suite: {why}");
    // The function that fired, then the module loader's frames.
    let fp = s["fingerprint"].as_str().expect("fingerprint").to_owned();
    assert!(fp.starts_with("warning:splat_init/do_one_initcall"), "{fp}");

    // Allowed by its fingerprint: reported, with the reason, and a pass.
    let json2 = tmp.path().join("r2.json");
    let allow = format!("{fp}=deliberate test warning");
    let ko = ko.to_str().expect("utf8");
    let (out, _) = boot_debian(&["--module", ko, "--allow-splat", &allow], &json2);
    let r = json_of(&json2);
    assert_eq!(r["status"], "passed", "{r:#}");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(r["splats"][0]["allowed"], "deliberate test warning");
}

/// A guest directory with the project's init, runner and lib.sh, and two
/// tests of its own: `steady` always passes; `needs_second_boot` fails unless
/// the kernel command line carries `HARNESS_ATTEMPT=2`, which only the
/// harness's retry boot has (the guest cannot see the first boot's state).
fn flaky_guest(dir: &Path) -> PathBuf {
    let project = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../qemu");
    let guest = dir.join("guest");
    std::fs::create_dir_all(guest.join("tests")).expect("guest dir");
    for f in ["init", "run-tests", "lib.sh"] {
        std::fs::copy(project.join(f), guest.join(f)).expect("copy qemu/ file");
    }
    write_script(
        &guest.join("tests"),
        "01-steady.sh",
        ". /harness/lib.sh\ntrue\n",
    );
    write_script(
        &guest.join("tests"),
        "02-needs_second_boot.sh",
        ". /harness/lib.sh\ngrep -qw HARNESS_ATTEMPT=2 /proc/cmdline || fail \"first boot: no HARNESS_ATTEMPT=2 in /proc/cmdline\"\n",
    );
    guest
}

/// A matrix report (the report crate's fixture) whose netns-l2-l3@linux-6.1
/// y cell carries the boot report at `boot_json`.
fn matrix_with_boot(boot_json: &Path, run_id: &str, out: &Path) {
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../report/tests/fixtures/previous.json");
    let mut m = json_of(&fixture);
    let boot = json_of(boot_json);
    m["run_id"] = run_id.into();
    let cells = m["cells"].as_array_mut().expect("cells");
    let cell = cells
        .iter_mut()
        .find(|c| c["id"] == "netns-l2-l3@linux-6.1:ip-multiple-tables-y")
        .expect("cell in fixture");
    cell["tests"] = boot["tests"].clone();
    cell["boot"] = boot;
    std::fs::write(out, serde_json::to_string_pretty(&m).expect("json")).expect("write");
}

#[test]
fn a_test_failing_on_the_first_boot_only_is_flaky_and_no_regression() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let tmp = tempfile::tempdir().expect("tempdir");
    let guest = flaky_guest(tmp.path());
    let g = guest.to_str().expect("utf8");
    let json = tmp.path().join("flaky.json");
    let log = tmp.path().join("console.log");
    let l = log.to_str().expect("utf8");
    let (out, _) = boot_debian(&["--guest-dir", g, "--console-log", l], &json);
    let r = json_of(&json);
    let why = format!("{r:#}\n{}", String::from_utf8_lossy(&out.stderr));
    // The first boot failed needs_second_boot; the fresh boot passed it.
    assert_eq!(r["status"], "passed", "{why}");
    assert_eq!(out.status.code(), Some(0), "{why}");
    let tests = r["tests"].as_array().expect("tests");
    assert_eq!(tests.len(), 2, "{why}");
    assert_eq!(tests[0]["name"], "steady");
    assert!(tests[0].get("retried").is_none(), "steady passed: {why}");
    let t = &tests[1];
    assert_eq!(
        (&t["name"], &t["status"]),
        (&"needs_second_boot".into(), &"pass".into())
    );
    assert_eq!(t["retried"]["verdict"], "flaky", "{why}");
    assert_eq!(t["retried"]["first"]["status"], "fail");
    let first_reason = t["retried"]["first"]["reason"].as_str().unwrap_or("");
    assert!(first_reason.contains("first boot"), "{why}");
    assert_eq!(t["retried"]["second"]["status"], "pass");
    // The fresh boot ran the failed test alone, with its own console log.
    assert_eq!(
        r["retry"]["tests"],
        serde_json::json!(["needs_second_boot"])
    );
    let retry_log = tmp.path().join("console.retry.log");
    let text = std::fs::read_to_string(&retry_log).expect("retry console log");
    assert!(text.contains("ok 1 needs_second_boot"), "{text}");
    assert!(
        !text.contains("steady"),
        "only the failed test re-ran: {text}"
    );

    // A run where it passed at once (the marker given from the start).
    let json_pass = tmp.path().join("pass.json");
    let (out, _) = boot_debian(
        &["--guest-dir", g, "--append", "HARNESS_ATTEMPT=2"],
        &json_pass,
    );
    let p = json_of(&json_pass);
    assert_eq!(
        (p["status"].as_str(), out.status.code()),
        (Some("passed"), Some(0)),
        "{p:#}"
    );
    assert!(p["tests"][1].get("retried").is_none(), "{p:#}");

    // `report compare` from the passing run to the flaky one: no
    // regression, the flake listed among the other changes.
    let (old, new) = (tmp.path().join("old.json"), tmp.path().join("new.json"));
    matrix_with_boot(&json_pass, "run-pass", &old);
    matrix_with_boot(&json, "run-flaky", &new);
    let out = harness()
        .args(["report", "compare"])
        .args([&old, &new])
        .args(["--json", "-"])
        .output()
        .expect("run harness report compare");
    let cmp: serde_json::Value = serde_json::from_slice(&out.stdout).expect("compare JSON");
    assert_eq!(out.status.code(), Some(0), "{cmp:#}");
    assert_eq!(cmp["regressions"], serde_json::json!([]), "{cmp:#}");
    let other = cmp["other"].as_array().expect("other");
    assert!(
        other.iter().any(|c| c["kind"] == "test-flaky"
            && c["key"] == "test needs_second_boot"
            && c["cell"] == "netns-l2-l3@linux-6.1:ip-multiple-tables-y"),
        "{cmp:#}"
    );
}
