//! The matrix's warning attribution end to end on the fake kernel tree
//! (harness/kbuild/tests/fixtures/fake-kernel): a two-patch series applied by
//! the real engine and written into a copy of the tree, built, and each
//! warning attributed with the lines the engine says each patch added.
//! Patch 1 adds a line above the one patch 2 adds, and patch 2 was made
//! against the unpatched file: it applies at offset 1, so its line must come
//! from where the engine placed it, not from its own header.
use harness_build::build::{build, BuildOptions, BuildStatus};
use harness_build::kconfig::{merge, MergeOptions};
use harness_build::{attribute, HostCommands, Origin};
use harness_core::apply::{apply_series, ApplyOptions, FileChange, MemTree, PatchInput};
use harness_core::parse::parse_patch;
use harness_orchestrate::matrix::attribution::changed_lines;
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../kbuild/tests/fixtures/fake-kernel")
}

// Patch 2 adds a warning marker inside start_kernel; patch 1 (applied first)
// adds a comment line at the top of the same file, so in the final file the
// warning is one line lower than patch 2's own header says.
const P1: &str = "--- a/init/main.c\n+++ b/init/main.c\n@@ -1,3 +1,4 @@\n /* fake init/main.c */\n+/* patched by p1 */\n int start_kernel(void)\n {\n";
const P2: &str = "--- a/init/main.c\n+++ b/init/main.c\n@@ -2,4 +2,5 @@\n int start_kernel(void)\n {\n+\tint unused; /* FAKE_WARNING: unused variable 'unused' */\n \treturn 0;\n }\n";

#[test]
fn warning_on_a_line_patch_two_added_is_attributed_to_patch_two() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let tree = tmp.path().join("src");
    let st = Command::new("cp")
        .arg("-a")
        .arg(fixture())
        .arg(&tree)
        .status()
        .expect("cp");
    assert!(st.success());

    // Apply with the engine (in memory), then write the changed file.
    let mut mem = MemTree::default();
    let main = std::fs::read(tree.join("init/main.c")).expect("read");
    mem.files.insert("init/main.c".into(), main);
    let parsed = [parse_patch(P1.as_bytes(), 1), parse_patch(P2.as_bytes(), 1)];
    let names = ["0001-comment.patch", "0002-unused.patch"];
    let inputs: Vec<PatchInput<'_>> = (0..2)
        .map(|i| PatchInput {
            index: i + 1,
            name: names[i],
            subject: None,
            parsed: &parsed[i],
        })
        .collect();
    let o = apply_series(&mem, &mem, "s", "fake", &inputs, ApplyOptions::default());
    let Some(FileChange::Write { bytes, .. }) = o.changes.files.get("init/main.c") else {
        panic!("init/main.c not changed: {:?}", o.report);
    };
    std::fs::write(tree.join("init/main.c"), bytes.as_slice()).expect("write");
    let added = changed_lines(&o.placements, |i| names[i - 1].to_owned());

    // Build the patched tree.
    let out = tmp.path().join("o");
    let frag = tmp.path().join("net.frag");
    std::fs::write(&frag, "CONFIG_NET=y\n").expect("frag");
    let k = merge(
        &tree,
        &out,
        &[frag],
        &MergeOptions::default(),
        &HostCommands,
    )
    .expect("merge");
    assert!(k.ok());
    let mut opts = BuildOptions::new(out.join("build.log"));
    opts.skip_host_check = true;
    let r = build(&tree, &out, &opts, &HostCommands).expect("build");
    assert_eq!(r.status, BuildStatus::Passed);
    assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);

    // Where the warning is in the final file (read off the file itself).
    let text = std::fs::read_to_string(tree.join("init/main.c")).expect("read");
    let want_line = text
        .lines()
        .position(|l| l.contains("FAKE_WARNING"))
        .expect("marker") as u32
        + 1;
    assert_eq!(r.warnings[0].line, Some(want_line));
    let a = attribute(&r.warnings, &added);
    assert_eq!(
        a[0].origin,
        Origin::Patch("0002-unused.patch".into()),
        "{added:?}"
    );
    assert!(Path::new(&tree).join("init/main.c").is_file());
}
