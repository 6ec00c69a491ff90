//! Builds of the fake kernel tree (fixtures/fake-kernel): failure, warning
//! parsing, reuse, interruption recovery, and attribution of a warning to
//! the patch that added it (the patch applied with GNU patch).
mod common;
use common::{configure, copy_tree, fixture, opts};
use harness_build::build::{build, BuildStatus, RUNNING_MARKER};
use harness_build::{attribute, new_warnings, HostCommands, Origin, PatchLines};
use std::collections::BTreeMap;
use std::process::Command;

#[test]
fn failing_build_is_a_failed_outcome_with_first_errors() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let tree = copy_tree(&tmp.path().join("src"));
    std::fs::write(
        tree.join("net/core.c"),
        "int net_core(void)\n{\n\treturn 0; /* FAKE_ERROR: expected ';' before '}' token */\n}\n",
    )
    .expect("write");
    let out = tmp.path().join("o");
    configure(&tree, &out);
    let o = build(&tree, &out, &opts(&out), &HostCommands).expect("build ran");
    assert_eq!(o.status, BuildStatus::Failed);
    let e = &o.errors[0];
    assert_eq!(e.file.as_deref(), Some("net/core.c"), "src prefix stripped");
    assert_eq!(e.line, Some(3));
    assert_eq!(e.message, "expected ';' before '}' token");
    assert!(
        o.log_excerpt.contains("FAKE_ERROR") || o.log_excerpt.contains("error:"),
        "{}",
        o.log_excerpt
    );
    assert!(o.artifact.is_none());
    assert!(
        !out.join(RUNNING_MARKER).exists(),
        "make finished: no interruption marker"
    );
}

#[test]
fn link_failure_from_env_is_an_ld_error() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("o");
    configure(&fixture(), &out);
    let factory = |p: &str| {
        let mut c = Command::new(p);
        c.env("FAKE_FAIL", "1");
        c
    };
    let o = build(&fixture(), &out, &opts(&out), &factory).expect("build ran");
    assert_eq!(o.status, BuildStatus::Failed);
    let ld = o
        .errors
        .iter()
        .find(|e| e.tool == "ld")
        .expect("ld error parsed");
    assert_eq!(ld.message, "undefined reference to `fake_fail'");
    assert_eq!(ld.file.as_deref(), Some("init/main.c"));
}

#[test]
fn warnings_parsed_rerun_reused_and_change_rebuilds_one_object() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let tree = copy_tree(&tmp.path().join("src"));
    std::fs::write(tree.join("init/main.c"), "int start_kernel(void)\n{\n\tint x; /* FAKE_WARNING: unused variable 'x' */\n\treturn 0;\n}\n").expect("write");
    let out = tmp.path().join("o");
    configure(&tree, &out);
    let o = build(&tree, &out, &opts(&out), &HostCommands).expect("build");
    assert_eq!(o.status, BuildStatus::Passed, "{}", o.log_excerpt);
    assert_eq!(o.recompiled_objects, 2, "init/main.o and net/core.o");
    assert_eq!(o.warnings.len(), 1);
    let w = &o.warnings[0];
    assert_eq!(
        (w.file.as_deref(), w.line, w.column),
        (Some("init/main.c"), Some(3), Some(5))
    );
    assert_eq!(w.flag.as_deref(), Some("-Wfake"));
    assert!(o
        .artifact
        .as_deref()
        .is_some_and(|a| a.ends_with("arch/x86/boot/bzImage")));

    let again = build(&tree, &out, &opts(&out), &HostCommands).expect("rebuild");
    assert!(again.reused, "nothing changed: make must not run");
    assert_eq!(again.recompiled_objects, 0);
    assert_eq!(
        again.warnings, o.warnings,
        "the reused result keeps its warnings"
    );

    // touch one source (new content): one object recompiles
    std::fs::write(
        tree.join("net/core.c"),
        "int net_core(void) { return 1; }\n",
    )
    .expect("write");
    let third = build(&tree, &out, &opts(&out), &HostCommands).expect("build");
    assert!(!third.reused);
    assert_eq!(third.recompiled_objects, 1);
}

#[test]
fn interrupted_build_is_recognised_cleaned_and_redone() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("o");
    configure(&fixture(), &out);
    // A first build, so the directory has objects.
    let o = build(&fixture(), &out, &opts(&out), &HostCommands).expect("build");
    assert_eq!(o.status, BuildStatus::Passed);
    // Simulate a build killed while writing net/core.o: the marker is left,
    // and a truncated object newer than it (make would think it up to date).
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(out.join(RUNNING_MARKER), "pid 1\n").expect("marker");
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(out.join("net/core.o"), "trunc").expect("partial object");
    let mut op = opts(&out);
    op.force = false;
    let r = build(&fixture(), &out, &op, &HostCommands).expect("build");
    assert!(r.recovered_interrupted);
    assert!(!r.reused, "an interrupted directory is never reused");
    assert!(r.recovered_removed_files >= 1);
    assert_eq!(
        r.recompiled_objects, 1,
        "only the half-written object is redone"
    );
    let obj = std::fs::read_to_string(out.join("net/core.o")).expect("object");
    assert!(
        obj.contains("net_core"),
        "the object was rebuilt from source"
    );
    assert!(!out.join(RUNNING_MARKER).exists());
}

#[test]
fn a_killed_make_leaves_the_marker() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("o");
    configure(&fixture(), &out);
    // The factory makes `make` kill itself with SIGKILL: make never exits normally.
    let factory = |_: &str| {
        let mut c = Command::new("sh");
        c.args(["-c", "kill -9 $$", "make"]);
        c
    };
    let o = build(&fixture(), &out, &opts(&out), &factory).expect("build ran");
    assert_eq!(o.status, BuildStatus::Failed);
    assert!(
        out.join(RUNNING_MARKER).exists(),
        "killed: the next run must recover"
    );
    let r = build(&fixture(), &out, &opts(&out), &HostCommands).expect("build");
    assert!(r.recovered_interrupted);
    assert_eq!(r.status, BuildStatus::Passed);
}

/// The added lines of a unified diff hunk, per file, as 1-based ranges in
/// the new file (what the orchestration hands over from the apply engine).
fn added_ranges(patch: &str) -> BTreeMap<String, Vec<(u32, u32)>> {
    let mut m: BTreeMap<String, Vec<(u32, u32)>> = BTreeMap::new();
    let mut file = String::new();
    let mut new_line = 0u32;
    for l in patch.lines() {
        if let Some(p) = l.strip_prefix("+++ ") {
            file = p.trim_start_matches("b/").to_owned();
        } else if let Some(h) = l.strip_prefix("@@ -") {
            let plus = h.split(" +").nth(1).expect("hunk header");
            new_line = plus
                .split([',', ' '])
                .next()
                .expect("start")
                .parse()
                .expect("num");
        } else if l.starts_with('+') {
            m.entry(file.clone())
                .or_default()
                .push((new_line, new_line));
            new_line += 1;
        } else if l.starts_with(' ') {
            new_line += 1;
        }
    }
    m
}

#[test]
fn warning_on_a_line_a_patch_added_is_attributed_to_that_patch() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let tree = copy_tree(&tmp.path().join("src"));
    // The base tree already warns once (net/core.c); the series must not be blamed.
    std::fs::write(
        tree.join("net/core.c"),
        "int net_core(void)\n{\n\treturn 0; /* FAKE_WARNING: base warning */\n}\n",
    )
    .expect("write");
    let base_out = tmp.path().join("base");
    configure(&tree, &base_out);
    let baseline = build(&tree, &base_out, &opts(&base_out), &HostCommands).expect("baseline");
    assert_eq!(baseline.warnings.len(), 1);

    let patch = "--- a/init/main.c\n+++ b/init/main.c\n@@ -1,5 +1,6 @@\n /* fake init/main.c */\n int start_kernel(void)\n {\n+\tint unused; /* FAKE_WARNING: unused variable 'unused' */\n \treturn 0;\n }\n";
    let st = Command::new("patch")
        .args(["-p1", "-s", "-d"])
        .arg(&tree)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().expect("stdin").write_all(patch.as_bytes())?;
            c.wait()
        })
        .expect("GNU patch (Debian package: patch) must be installed");
    assert!(st.success(), "GNU patch applied the test patch");

    let out = tmp.path().join("series");
    configure(&tree, &out);
    let with = build(&tree, &out, &opts(&out), &HostCommands).expect("build");
    assert_eq!(with.warnings.len(), 2);
    let mut changed = BTreeMap::new();
    for (file, ranges) in added_ranges(patch) {
        changed.insert(
            file,
            vec![PatchLines {
                patch: "0001-add-unused.patch".into(),
                ranges,
            }],
        );
    }
    let attributed = attribute(&with.warnings, &changed);
    let new = new_warnings(&baseline.warnings, &attributed);
    assert_eq!(new.len(), 1, "{new:?}");
    assert_eq!(new[0].origin, Origin::Patch("0001-add-unused.patch".into()));
    assert_eq!(new[0].diagnostic.file.as_deref(), Some("init/main.c"));
    assert_eq!(new[0].diagnostic.line, Some(4), "the line the hunk added");
    let base_one = attributed
        .iter()
        .find(|a| a.diagnostic.file.as_deref() == Some("net/core.c"))
        .expect("base warning");
    assert_eq!(base_one.origin, Origin::Base);
}

#[test]
fn wall_time_limit_kills_make_and_is_reported() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("o");
    configure(&fixture(), &out);
    // Every object sleeps 5 s; the limit is 1 s.
    let factory = |p: &str| {
        let mut c = Command::new(p);
        c.env("FAKE_SLEEP", "5");
        c
    };
    let mut o = opts(&out);
    o.wall_limit = Some(std::time::Duration::from_secs(1));
    let t0 = std::time::Instant::now();
    let r = build(&fixture(), &out, &o, &factory).expect("build ran");
    assert!(
        t0.elapsed().as_secs() < 4,
        "killed at the limit, not after the sleeps"
    );
    assert_eq!(r.status, BuildStatus::Failed);
    assert_eq!(r.limit_hit, Some(harness_build::LimitHit::WallTime));
    assert!(
        r.errors[0].message.contains("wall-time limit of 1 s"),
        "{:?}",
        r.errors
    );
}

#[test]
fn log_size_limit_kills_make_and_is_reported() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("o");
    configure(&fixture(), &out);
    // The first `  CC ...` line (more than 8 bytes) is printed before a 2 s
    // sleep, so the cap is passed while make still runs.
    let factory = |p: &str| {
        let mut c = Command::new(p);
        c.env("FAKE_SLEEP", "2");
        c
    };
    let mut o = opts(&out);
    o.log_limit = Some(8);
    let t0 = std::time::Instant::now();
    let r = build(&fixture(), &out, &o, &factory).expect("build ran");
    assert!(
        t0.elapsed().as_secs() < 2,
        "killed when the log passed the cap"
    );
    assert_eq!(r.status, BuildStatus::Failed);
    assert_eq!(r.limit_hit, Some(harness_build::LimitHit::Output));
}

/// After a limit stopped make, none of its jobs keeps running: the `sleep`
/// of the fake object rule was given a unique length to find it.
#[test]
fn limit_leaves_no_job_behind() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("o");
    configure(&fixture(), &out);
    let factory = |p: &str| {
        let mut c = Command::new(p);
        c.env("FAKE_SLEEP", "7.25");
        c
    };
    let mut o = opts(&out);
    o.wall_limit = Some(std::time::Duration::from_millis(500));
    let r = build(&fixture(), &out, &o, &factory).expect("build ran");
    assert_eq!(r.limit_hit, Some(harness_build::LimitHit::WallTime));
    std::thread::sleep(std::time::Duration::from_millis(300));
    let ps = Command::new("pgrep")
        .args(["-f", "sleep 7.25"])
        .output()
        .expect("pgrep");
    assert!(
        ps.stdout.is_empty(),
        "a job survived: {}",
        String::from_utf8_lossy(&ps.stdout)
    );
}

/// `make -C TREE O=DIR` resolves a relative DIR inside the tree: kconfig and
/// build must hand make an absolute O= (before, `harness kconfig --out obj`
/// wrote `TREE/obj/.config` into the source tree and then failed).
/// Changes the working directory: nextest runs each test in its own process.
#[test]
fn a_relative_output_directory_is_not_taken_inside_the_tree() {
    let t = tempfile::tempdir().expect("tempdir");
    let tree = common::copy_tree(&t.path().join("tree"));
    std::env::set_current_dir(t.path()).expect("cd");
    let rel = std::path::Path::new("obj");
    common::configure(&tree, rel);
    assert!(t.path().join("obj/.config").is_file());
    let o = build(
        &tree,
        rel,
        &common::opts(&t.path().join("obj")),
        &HostCommands,
    )
    .expect("build");
    assert_eq!(o.status, BuildStatus::Passed, "{}", o.log_excerpt);
    assert!(!tree.join("obj").exists(), "make wrote inside the tree");
}
