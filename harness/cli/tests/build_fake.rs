//! `harness build` on the fake kernel tree: exit codes, JSON, reuse, failure.
use std::path::PathBuf;
use std::process::Command;

fn fake_tree() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../kbuild/tests/fixtures/fake-kernel")
}

fn build(
    out: &std::path::Path,
    frag: &std::path::Path,
    json: &std::path::Path,
    fail: bool,
) -> (Option<i32>, String) {
    let mut c = Command::new(env!("CARGO_BIN_EXE_harness"));
    c.args(["build", "--tree"])
        .arg(fake_tree())
        .arg("--fragment")
        .arg(frag)
        .arg("--out")
        .arg(out)
        .arg("--json")
        .arg(json)
        .args(["-j", "2", "--no-ccache"])
        .env("HARNESS_CACHE", out.with_extension("cache"));
    if fail {
        c.env("FAKE_FAIL", "1");
    }
    let o = c.output().expect("run harness");
    (
        o.status.code(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
    )
}

fn json(p: &std::path::Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(p).expect("json written")).expect("valid json")
}

#[test]
fn build_passes_then_reuses_then_reports_failure() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let frag = tmp.path().join("f.config");
    std::fs::write(&frag, "CONFIG_NET=y\nCONFIG_INET=y\n").expect("frag");
    let j = tmp.path().join("b.json");

    let (code, text) = build(&tmp.path().join("o"), &frag, &j, false);
    assert_eq!(code, Some(0), "{text}");
    let v = json(&j);
    assert_eq!(v["schema"], "harness.build/2");
    // The build object is part of the document, not one of its own.
    assert!(v["build"].get("schema").is_none(), "{v:#}");
    assert_eq!(v["build"]["status"], "passed");
    assert_eq!(v["build"]["recompiled_objects"], 2);
    assert_eq!(v["build"]["reused"], false);
    assert!(v["build"]["artifact"]
        .as_str()
        .is_some_and(|a| a.ends_with("bzImage")));

    let (code, text) = build(&tmp.path().join("o"), &frag, &j, false);
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains("reused (inputs unchanged; no make)"),
        "{text}"
    );
    assert_eq!(json(&j)["build"]["reused"], true);

    let (code, text) = build(&tmp.path().join("o2"), &frag, &j, true);
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("error: init/main.c:3: undefined reference to `fake_fail'"),
        "{text}"
    );
    assert_eq!(json(&j)["build"]["status"], "failed");
}

#[test]
fn dropped_symbol_stops_before_building() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let frag = tmp.path().join("f.config");
    std::fs::write(&frag, "CONFIG_IP_MULTIPLE_TABLES=y\n").expect("frag");
    let j = tmp.path().join("b.json");
    let (code, text) = build(&tmp.path().join("o"), &frag, &j, false);
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("DROPPED: CONFIG_IP_MULTIPLE_TABLES"),
        "{text}"
    );
    assert!(text.contains("not building"), "{text}");
    assert!(json(&j).get("build").is_none());
}

/// A trusted build (`--sandbox off`) on a hard-link worktree cannot write the
/// base tree's files in place: the sources are bound read-only even then
/// (bubblewrap with the host's file system otherwise as it is). The tree's
/// Makefile here truncates and rewrites `init/main.c` in the source tree
/// while linking; the worktree's `init/main.c` is a hard link to the base's,
/// so without the read-only bind the base would change (the control below
/// shows the same write does reach the base outside the harness).
#[test]
fn trusted_build_cannot_write_the_base_through_a_hard_link_worktree() {
    if Command::new("bwrap").arg("--version").output().is_err() {
        panic!("bubblewrap is required (Debian package bubblewrap; scripts/setup.sh installs it)");
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let (base, wt) = (tmp.path().join("base"), tmp.path().join("wt"));
    let cp = |args: &[&str], from: &std::path::Path, to: &std::path::Path| {
        let st = Command::new("cp")
            .args(args)
            .arg(from)
            .arg(to)
            .status()
            .expect("cp");
        assert!(st.success());
    };
    cp(&["-a"], &fake_tree(), &base);
    let makefile = base.join("Makefile");
    let text = std::fs::read_to_string(&makefile).expect("Makefile");
    let hostile = text.replacen(
        "\t@echo \"  LD      vmlinux\"\n",
        "\t@echo \"  LD      vmlinux\"\n\t@printf 'hostile\\n' > $(srctree)/init/main.c\n",
        1,
    );
    assert_ne!(hostile, text, "the fake Makefile's link rule moved");
    std::fs::write(&makefile, hostile).expect("write Makefile");
    cp(&["-al"], &base, &wt);
    let main_c = std::fs::read(base.join("init/main.c")).expect("main.c");
    let frag = tmp.path().join("f.config");
    std::fs::write(&frag, "CONFIG_NET=y\n").expect("frag");

    let o = Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(["build", "--sandbox", "off", "--tree"])
        .arg(&wt)
        .arg("--fragment")
        .arg(&frag)
        .arg("--out")
        .arg(tmp.path().join("o"))
        .args(["-j", "2", "--no-ccache"])
        .env("HARNESS_CACHE", tmp.path().join("cache"))
        .output()
        .expect("run harness");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(
        o.status.code(),
        Some(1),
        "the write must fail the build: {text}"
    );
    assert!(text.contains("Read-only file system"), "{text}");
    assert_eq!(
        std::fs::read(base.join("init/main.c")).expect("main.c"),
        main_c,
        "{text}"
    );

    // Control: the same write outside the harness reaches the base's inode.
    let st = Command::new("sh")
        .arg("-c")
        .arg("printf 'hostile\\n' > init/main.c")
        .current_dir(&wt)
        .status()
        .expect("sh");
    assert!(st.success());
    assert_eq!(
        std::fs::read(base.join("init/main.c")).expect("main.c"),
        b"hostile\n"
    );
}
