//! The guest's shell library (qemu/lib.sh) run on the host with the same
//! busybox `sh` the initramfs carries: config lookups, and the `ip -batch`
//! helper's error naming the command that failed (real iproute2, in a private
//! network and mount namespace).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn lib_sh() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../qemu/lib.sh")
}

/// Runs `script` in busybox sh after sourcing lib.sh, with `env` set.
fn run_lib(script: &str, env: &[(&str, &Path)]) -> Output {
    let mut cmd = Command::new("busybox");
    cmd.arg("sh")
        .arg("-c")
        .arg(format!(". '{}'\n{script}", lib_sh().display()));
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect(
        "busybox (package busybox-static, listed in scripts/host-packages.txt) must be on PATH",
    )
}

/// `config_value` of each symbol with `config_text` as the harness's config
/// and, when given, `proc_config_text` as the kernel's /proc/config.gz.
fn config_values(
    config_text: &str,
    proc_config_text: Option<&str>,
    symbols: &[&str],
) -> Vec<String> {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("config");
    std::fs::write(&config, config_text).expect("write fixture");
    // Never the host's own /proc/config.gz: a missing file unless given.
    let proc_config = dir.path().join("config.gz");
    if let Some(text) = proc_config_text {
        let plain = dir.path().join("proc-config");
        std::fs::write(&plain, text).expect("write fixture");
        let gz = Command::new("gzip")
            .arg("-k")
            .arg(&plain)
            .status()
            .expect("gzip runs");
        assert!(gz.success());
        std::fs::rename(dir.path().join("proc-config.gz"), &proc_config).expect("rename");
    }
    let script: String = symbols
        .iter()
        .map(|s| format!("config_value {s}\n"))
        .collect();
    let out = run_lib(
        &script,
        &[
            ("HARNESS_CONFIG", &config),
            ("HARNESS_PROC_CONFIG", &proc_config),
            ("TMPDIR", dir.path()),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("utf-8 output")
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn config_value_reads_a_complete_dot_config() {
    // The head of a .config as `make olddefconfig` writes it: the marker line
    // makes an absent symbol n (kconfig leaves out symbols whose dependencies
    // are unmet).
    let config = "#\n# Automatically generated file; DO NOT EDIT.\n# Linux/x86 6.1.192 Kernel Configuration\n#\n\
                  CONFIG_NET_NS=y\n# CONFIG_IP_MULTIPLE_TABLES is not set\nCONFIG_LOCALVERSION=\"-harness x\"\n\
                  CONFIG_LOG_BUF_SHIFT=17\nCONFIG_VETH=m\n";
    let got = config_values(
        config,
        None,
        &[
            "CONFIG_NET_NS",
            "CONFIG_IP_MULTIPLE_TABLES",
            "CONFIG_LOCALVERSION",
            "CONFIG_LOG_BUF_SHIFT",
            "CONFIG_VETH",
            "CONFIG_NOT_THERE",
            // A prefix of a present symbol must not match it.
            "CONFIG_NET",
        ],
    );
    assert_eq!(got, ["y", "n", "-harness x", "17", "m", "n", "n"]);
}

#[test]
fn config_value_in_a_fragment_takes_the_last_line_and_knows_what_it_does_not_know() {
    // A fragment (the requested symbols only): a later line wins as in a
    // kconfig merge; trailing comments and blanks are not part of the value;
    // a symbol it does not mention is unknown, not n.
    let fragment = "CONFIG_IP_MULTIPLE_TABLES=y # harness: may-drop\nCONFIG_USER_NS=y\n\
                    CONFIG_IP_MULTIPLE_TABLES=n   \n# CONFIG_USER_NS is not set\n";
    let got = config_values(
        fragment,
        None,
        &["CONFIG_IP_MULTIPLE_TABLES", "CONFIG_USER_NS", "CONFIG_VETH"],
    );
    assert_eq!(got, ["n", "n", "unknown"]);
}

#[test]
fn config_value_falls_back_to_the_running_kernels_config() {
    // What the fragment does not say comes from /proc/config.gz, a complete
    // .config (so a symbol absent there is n); the fragment still wins.
    let fragment = "CONFIG_IP_MULTIPLE_TABLES=n\n";
    let proc_config = "CONFIG_IP_MULTIPLE_TABLES=y\nCONFIG_VETH=m\n";
    let got = config_values(
        fragment,
        Some(proc_config),
        &[
            "CONFIG_IP_MULTIPLE_TABLES",
            "CONFIG_VETH",
            "CONFIG_NOT_THERE",
        ],
    );
    assert_eq!(got, ["n", "m", "n"]);
}

/// Runs `script` in busybox sh in a new network and mount namespace (real
/// iproute2 and kernel, nothing on the host touched).
fn in_private_netns(script: &str, reason: &Path) -> Output {
    let out = Command::new("unshare")
        .args(["--net", "--mount", "busybox", "sh", "-c", script])
        .env("HARNESS_REASON", reason)
        .output()
        .expect("unshare (util-linux) runs");
    assert!(
        out.status.success(),
        "unshare --net needs root (the test suite runs as root): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

#[test]
fn ip_batch_fails_the_test_naming_the_command_iproute2_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let reason = dir.path().join("reason");
    // The second `link add` of the same name is refused by the kernel
    // ("File exists"); iproute2 reports "Command failed -:3" for line 3.
    let script =
        "(ip_batch \"set-up\" <<IP\nlink add hx0 type veth peer name hx1\nlink set hx0 up\n\
                  link add hx0 type veth peer name hx2\nlink set hx1 up\nIP\n); echo \"status $?\"";
    let out = in_private_netns(&format!(". '{}'\n{script}", lib_sh().display()), &reason);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("status 1"), "{stdout}");
    let reason = std::fs::read_to_string(&reason).expect("reason written");
    assert_eq!(
        reason.trim_end(),
        "set-up: `ip link add hx0 type veth peer name hx2` failed: RTNETLINK answers: File exists"
    );
}

#[test]
fn ip_batch_passes_options_and_succeeds_quietly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let reason = dir.path().join("reason");
    // `-o` (one line per device) goes before -batch; the commands all succeed,
    // so the function returns 0 and writes no reason.
    let script =
        "ip_batch \"set-up\" -o <<IP\nlink add hx0 type veth peer name hx1\nlink set hx0 up\nIP\n\
                  echo \"status $?\"; [ -e \"$HARNESS_REASON\" ] && echo reason-written; \
                  [ -e /sys/class/net/hx1 ] && echo hx1-exists";
    let out = in_private_netns(
        &format!(
            "mount -t sysfs sysfs /sys\n. '{}'\n{script}",
            lib_sh().display()
        ),
        &reason,
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        stdout.lines().collect::<Vec<_>>(),
        ["status 0", "hx1-exists"],
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A guest directory holding lib.sh, kselftest.sh and one fake selftest
/// `net/x.sh` (a bash script with `body`), with kselftests.conf listing it
/// as needing `needs`.
struct FakeKselftest {
    dir: tempfile::TempDir,
}

impl FakeKselftest {
    fn new(body: &str, needs: &str) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let qemu = lib_sh().parent().expect("qemu/").to_path_buf();
        std::fs::copy(qemu.join("lib.sh"), dir.path().join("lib.sh")).expect("copy lib.sh");
        std::fs::write(
            dir.path().join("kselftests.conf"),
            format!("# comment\nnet/other.sh CONFIG_NOPE\nnet/x.sh {needs}\n"),
        )
        .expect("write fixture");
        std::fs::create_dir_all(dir.path().join("kselftests/net")).expect("mkdir");
        std::fs::write(
            dir.path().join("kselftests/net/x.sh"),
            format!("#!/bin/bash\n{body}\n"),
        )
        .expect("write fixture");
        FakeKselftest { dir }
    }

    /// Runs kselftest.sh on net/x.sh with `config` as the kernel's config:
    /// (exit status, stdout, the reason it wrote).
    fn run(&self, config: &str) -> (i32, String, String) {
        let d = self.dir.path();
        std::fs::write(d.join("config"), config).expect("write fixture");
        let reason = d.join("reason");
        let out = Command::new("busybox")
            .arg("sh")
            .arg(lib_sh().with_file_name("kselftest.sh"))
            .arg("net/x.sh")
            .env("HARNESS_DIR", d)
            .env("HARNESS_CONFIG", d.join("config"))
            .env("HARNESS_PROC_CONFIG", d.join("no-proc-config.gz"))
            .env("HARNESS_REASON", &reason)
            .env("HARNESS_TEST", "kselftest:net/x.sh")
            .env("TMPDIR", d)
            .output()
            .expect("busybox sh runs");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).to_string(),
            std::fs::read_to_string(&reason).unwrap_or_default(),
        )
    }
}

/// The lines tools/testing/selftests/net/fib_rule_tests.sh prints (its
/// log_test: `printf "\n    TEST: %-50s  [ OK ]\n"`).
const FIB_STYLE_OUTPUT: &str = r#"printf "\n    TEST: %-50s  [ OK ]\n" "rule4 check: oif redirect to table"
printf "\n    TEST: %-50s  [SKIP]\n" "uid | redirect"
printf "\n    TEST: %-50s  [ OK ]\n" "rule4 del by pref: oif redirect to table""#;

#[test]
fn kselftest_lines_become_ktap_subtests() {
    let k = FakeKselftest::new(&format!("{FIB_STYLE_OUTPUT}\nexit 0"), "CONFIG_NET_NS");
    let (rc, stdout, reason) = k.run("CONFIG_NET_NS=y\n");
    assert_eq!(rc, 0, "{stdout}{reason}");
    assert_eq!(
        stdout.lines().collect::<Vec<_>>(),
        [
            "    KTAP version 1",
            "    # Subtest: kselftest:net/x.sh",
            "    1..3",
            "    ok 1 rule4 check: oif redirect to table",
            "    ok 2 uid | redirect # SKIP",
            "    ok 3 rule4 del by pref: oif redirect to table",
        ]
    );
}

#[test]
fn kselftest_fail_line_fails_the_test_naming_the_subtest() {
    let body = format!(
        "{FIB_STYLE_OUTPUT}\nprintf \"\\n    TEST: %-50s  [FAIL]\\n\" \"rule4 check: iif redirect to table\"\nexit 1"
    );
    let k = FakeKselftest::new(&body, "");
    let (rc, stdout, reason) = k.run("CONFIG_NET_NS=y\n");
    assert_eq!(rc, 1, "{stdout}");
    assert!(
        stdout.contains("    not ok 4 rule4 check: iif redirect to table"),
        "{stdout}"
    );
    assert_eq!(
        reason.trim_end(),
        "1 of 4 subtests failed, first: rule4 check: iif redirect to table: [FAIL]"
    );
}

#[test]
fn kselftest_is_skipped_when_the_kernel_lacks_what_it_needs() {
    // The selftest itself would pass: the wrapper must not even run it.
    let k = FakeKselftest::new("touch \"$TMPDIR/ran\"; exit 0", "CONFIG_NET_NS CONFIG_IPV6");
    let (rc, _, reason) = k.run("CONFIG_NET_NS=y\n# CONFIG_IPV6 is not set\n");
    assert_eq!(rc, 4);
    assert_eq!(reason.trim_end(), "requires CONFIG_IPV6 (it is n)");
    assert!(
        !k.dir.path().join("ran").exists(),
        "ran despite the missing config"
    );
}

#[test]
fn kselftest_own_skip_status_is_a_skip_with_its_last_line() {
    let k = FakeKselftest::new("echo 'SKIP: Need root privileges'; exit 4", "");
    let (rc, _, reason) = k.run("");
    assert_eq!(rc, 4);
    assert_eq!(reason.trim_end(), "net/x.sh: SKIP: Need root privileges");
}

#[test]
fn kselftest_nonzero_exit_without_test_lines_fails_with_its_output() {
    let k = FakeKselftest::new("echo 'Cannot create namespace'; exit 2", "");
    let (rc, _, reason) = k.run("");
    assert_eq!(rc, 1);
    assert_eq!(
        reason.trim_end(),
        "net/x.sh exited with status 2: Cannot create namespace"
    );
}

#[test]
fn sub_match_checks_captured_output_with_a_shell_pattern() {
    let dir = tempfile::tempdir().expect("tempdir");
    let reason = dir.path().join("reason");
    // Output as `ip rule show` prints it in a namespace with one added rule.
    let script = "HARNESS_TEST=t; sub_plan 4\n\
                  rules='0:\tfrom all lookup local\n100:\tfrom all to 192.0.2.0/24 lookup 100'\n\
                  sub_match listed \"$rules\" '*lookup 100*'\n\
                  sub_no_match not_main \"$rules\" '*lookup main*'\n\
                  sub_match absent \"$rules\" '*lookup 200*'\n\
                  sub_no_match present \"$rules\" '*lookup local*'\n\
                  sub_end";
    let out = Command::new("busybox")
        .args(["sh", "-c"])
        .arg(format!(". '{}'\n{script}", lib_sh().display()))
        .env("HARNESS_REASON", &reason)
        .output()
        .expect("busybox sh runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let oks: Vec<&str> = stdout
        .lines()
        .filter(|l| l.trim_start().starts_with("ok ") || l.trim_start().starts_with("not ok "))
        .map(str::trim)
        .collect();
    assert_eq!(
        oks,
        [
            "ok 1 listed",
            "ok 2 not_main",
            "not ok 3 absent",
            "not ok 4 present"
        ],
        "{stdout}"
    );
    assert_eq!(out.status.code(), Some(1), "two subtests failed");
    let reason = std::fs::read_to_string(&reason).expect("reason written");
    assert_eq!(
        reason.trim_end(),
        "2 of 4 subtests failed, first: absent: expected *lookup 200*, got: 100:\tfrom all to 192.0.2.0/24 lookup 100"
    );
}
