//! `harness kconfig` on the fake kernel tree (harness/kbuild/tests/fixtures):
//! fast checks of the verification and its exit codes. The fake tree's
//! olddefconfig drops a symbol whose `depends on` symbol is not y, like the
//! real one.
use std::path::PathBuf;
use std::process::Command;

fn fake_tree() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../kbuild/tests/fixtures/fake-kernel")
}

fn harness() -> Command {
    Command::new(env!("CARGO_BIN_EXE_harness"))
}

fn write(dir: &std::path::Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write fragment");
    p
}

#[test]
fn dropped_symbol_exits_1_naming_symbol_and_dependency() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let frag = write(
        tmp.path(),
        "bad.config",
        "CONFIG_NET=y\nCONFIG_INET=y\nCONFIG_IP_MULTIPLE_TABLES=y\n# CONFIG_IP_ADVANCED_ROUTER is not set\n",
    );
    let json = tmp.path().join("k.json");
    let out = harness()
        .args(["kconfig", "--tree"])
        .arg(fake_tree())
        .arg(&frag)
        .arg("--out")
        .arg(tmp.path().join("o"))
        .arg("--json")
        .arg(&json)
        .output()
        .expect("run harness");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "stdout: {stdout}\nstderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("DROPPED: CONFIG_IP_MULTIPLE_TABLES wanted y got n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("unmet: IP_ADVANCED_ROUTER [IP_ADVANCED_ROUTER=n]"),
        "{stdout}"
    );
    assert!(
        stdout.contains("conflicts with CONFIG_IP_ADVANCED_ROUTER=n requested at"),
        "{stdout}"
    );
    // defined in the sourced net/Kconfig, line 12 (`config IP_MULTIPLE_TABLES`)
    assert!(stdout.contains("defined at net/Kconfig:12"), "{stdout}");
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json).expect("json written")).expect("valid json");
    assert_eq!(v["schema"], "harness.kconfig/1");
    let checks = v["checks"].as_array().expect("checks");
    let mt = checks
        .iter()
        .find(|c| c["symbol"] == "IP_MULTIPLE_TABLES")
        .expect("checked");
    assert_eq!(mt["status"], "dropped");
    assert_eq!(mt["wanted"], "y");
    assert_eq!(mt["actual"], "n");
    let ar = checks
        .iter()
        .find(|c| c["symbol"] == "IP_ADVANCED_ROUTER")
        .expect("checked");
    assert_eq!(
        ar["status"], "held",
        "ADVANCED_ROUTER=n was asked for and holds"
    );
}

#[test]
fn consistent_fragment_exits_0_and_may_drop_is_allowed() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let a = write(
        tmp.path(),
        "a.config",
        "CONFIG_NET=y\nCONFIG_INET=y\nCONFIG_IP_ADVANCED_ROUTER=y\n",
    );
    // NET_NS needs NAMESPACES which needs MULTIUSER (off in the fake
    // tinyconfig): dropped, but marked may-drop.
    let b = write(
        tmp.path(),
        "b.config",
        "CONFIG_IP_MULTIPLE_TABLES=y\nCONFIG_NET_NS=y # harness: may-drop\n",
    );
    let out = harness()
        .args(["kconfig", "--tree"])
        .arg(fake_tree())
        .arg(&a)
        .arg(&b)
        .arg("--out")
        .arg(tmp.path().join("o"))
        .output()
        .expect("run harness");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("dropped (allowed: may-drop): CONFIG_NET_NS"),
        "{stdout}"
    );
    assert!(
        stdout.contains("unmet: NAMESPACES [NAMESPACES=n]"),
        "{stdout}"
    );
    assert!(
        stdout.contains("ok: 4 of 5 requested symbols hold, 0 dropped"),
        "{stdout}"
    );
    let cfg = std::fs::read_to_string(tmp.path().join("o/.config")).expect(".config");
    assert!(cfg.contains("CONFIG_IP_MULTIPLE_TABLES=y\n"), "{cfg}");
}

#[test]
fn missing_tree_and_fragment_exit_2() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = harness()
        .args([
            "kconfig",
            "--tree",
            "/nonexistent/tree",
            "x.config",
            "--out",
        ])
        .arg(tmp.path())
        .output()
        .expect("run harness");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/tree"));
    let out = harness()
        .args(["kconfig", "--tree"])
        .arg(fake_tree())
        .args(["no-such-fragment", "--out"])
        .arg(tmp.path())
        .output()
        .expect("run harness");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no-such-fragment"));
}
