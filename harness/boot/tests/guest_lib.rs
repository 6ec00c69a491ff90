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
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    std::fs::write(&config, config_text).unwrap();
    // Never the host's own /proc/config.gz: a missing file unless given.
    let proc_config = dir.path().join("config.gz");
    if let Some(text) = proc_config_text {
        let plain = dir.path().join("proc-config");
        std::fs::write(&plain, text).unwrap();
        let gz = Command::new("gzip").arg("-k").arg(&plain).status().unwrap();
        assert!(gz.success());
        std::fs::rename(dir.path().join("proc-config.gz"), &proc_config).unwrap();
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
        .unwrap()
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

#[test]
fn ip_batch_fails_the_test_naming_the_command_iproute2_refused() {
    let dir = tempfile::tempdir().unwrap();
    let reason = dir.path().join("reason");
    // The second `link add` of the same name is refused by the kernel
    // ("File exists"); iproute2 reports "Command failed -:3" for line 3.
    let script =
        "(ip_batch \"set-up\" <<IP\nlink add hx0 type veth peer name hx1\nlink set hx0 up\n\
                  link add hx0 type veth peer name hx2\nlink set hx1 up\nIP\n); echo \"status $?\"";
    let out = Command::new("unshare")
        .args(["--net", "--mount", "busybox", "sh", "-c"])
        .arg(format!(". '{}'\n{script}", lib_sh().display()))
        .env("HARNESS_REASON", &reason)
        .output()
        .expect("unshare (util-linux) runs");
    assert!(
        out.status.success(),
        "unshare --net needs root (the test suite runs as root): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("status 1"), "{stdout}");
    let reason = std::fs::read_to_string(&reason).unwrap();
    assert_eq!(
        reason.trim_end(),
        "set-up: `ip link add hx0 type veth peer name hx2` failed: RTNETLINK answers: File exists"
    );
}

#[test]
fn ip_batch_passes_options_and_succeeds_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let reason = dir.path().join("reason");
    // `-o` (one line per device) goes before -batch; the commands all succeed,
    // so the function returns 0 and writes no reason.
    let script =
        "ip_batch \"set-up\" -o <<IP\nlink add hx0 type veth peer name hx1\nlink set hx0 up\nIP\n\
                  echo \"status $?\"; [ -e \"$HARNESS_REASON\" ] && echo reason-written; \
                  [ -e /sys/class/net/hx1 ] && echo hx1-exists";
    let out = Command::new("unshare")
        .args(["--net", "--mount", "busybox", "sh", "-c"])
        .arg(format!(
            "mount -t sysfs sysfs /sys\n. '{}'\n{script}",
            lib_sh().display()
        ))
        .env("HARNESS_REASON", &reason)
        .output()
        .expect("unshare (util-linux) runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        stdout.lines().collect::<Vec<_>>(),
        ["status 0", "hx1-exists"],
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
