//! File-system patch forms (issue 15): modes, symlinks, and the rule that
//! the verdict refuses exactly what `--into` would refuse to write. Fixtures
//! are built here; expected values were obtained by running GNU patch 2.7.6
//! (`patch -p1 -N -F2 --no-backup-if-mismatch`) and git 2.47.3 (`git apply`)
//! on the same tree, as noted per test.

use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::Path;

use harness_core::apply::{apply_series, ApplyOptions, PatchInput, SeriesOutcome};
use harness_core::parse::parse_patch;
use harness_core::report::{AggregateStatus, HunkStatus};
use harness_orchestrate::apply::{write_changes_into, DirTree};

fn apply(tree: &Path, patch: &str) -> SeriesOutcome {
    let dir = DirTree::new(tree).expect("tree");
    let parsed = parse_patch(patch.as_bytes(), 1);
    let inputs = [PatchInput {
        index: 1,
        name: "p.patch",
        subject: None,
        parsed: &parsed,
    }];
    apply_series(&dir, &dir, "s", "t", &inputs, ApplyOptions::default())
}

/// Apply, then write the result with `--into`'s writer; it must succeed.
fn apply_into(tree: &Path, patch: &str) -> (SeriesOutcome, tempfile::TempDir) {
    let o = apply(tree, patch);
    let out = tempfile::tempdir().expect("tempdir");
    let dest = out.path().join("into");
    write_changes_into(tree, &o.changes, &dest).expect("the writer accepts what the verdict says");
    (o, out)
}

#[test]
fn index_line_mode_keeps_the_exec_bit() {
    // GNU patch 2.7.6 and git apply: f stays -rwxr-xr-x, content "b".
    let t = tempfile::tempdir().expect("tempdir");
    fs::write(t.path().join("f"), "a\n").expect("write");
    fs::set_permissions(t.path().join("f"), fs::Permissions::from_mode(0o755)).expect("chmod");
    let p = "diff --git a/f b/f\nindex 7898192..6178079 100644\n--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+b\n";
    let (o, out) = apply_into(t.path(), p);
    assert_eq!(o.report.status, AggregateStatus::Applied);
    let f = out.path().join("into/f");
    assert_eq!(fs::read_to_string(&f).expect("read"), "b\n");
    assert_ne!(
        fs::metadata(&f).expect("meta").permissions().mode() & 0o111,
        0
    );
}

#[test]
fn git_symlink_patches_modify_and_create_links() {
    // GNU patch 2.7.6: "patching symbolic link link", "patching symbolic
    // link new", exit 0: link -> target2, new -> d/g.
    let t = tempfile::tempdir().expect("tempdir");
    symlink("target1", t.path().join("link")).expect("symlink");
    let p = "diff --git a/link b/link\nindex 1111111..2222222 120000\n--- a/link\n+++ b/link\n\
             @@ -1 +1 @@\n-target1\n\\ No newline at end of file\n+target2\n\\ No newline at end of file\n\
             diff --git a/new b/new\nnew file mode 120000\nindex 0000000..3333333\n--- /dev/null\n+++ b/new\n\
             @@ -0,0 +1 @@\n+d/g\n\\ No newline at end of file\n";
    let (o, out) = apply_into(t.path(), p);
    assert_eq!(o.report.status, AggregateStatus::Applied);
    let into = out.path().join("into");
    assert_eq!(
        fs::read_link(into.join("link")).expect("link"),
        Path::new("target2")
    );
    assert_eq!(
        fs::read_link(into.join("new")).expect("link"),
        Path::new("d/g")
    );
    // The base tree is untouched.
    assert_eq!(
        fs::read_link(t.path().join("link")).expect("link"),
        Path::new("target1")
    );
}

#[test]
fn plain_patch_on_a_symlink_is_refused() {
    // GNU patch 2.7.6: "File link is not a regular file -- refusing to
    // patch", exit 1.
    let t = tempfile::tempdir().expect("tempdir");
    symlink("target1", t.path().join("link")).expect("symlink");
    let p = "--- a/link\n+++ b/link\n@@ -1 +1 @@\n-target1\n+target2\n";
    let (o, out) = apply_into(t.path(), p);
    assert_eq!(
        o.report.patches[0].files[0].hunks[0].status,
        HunkStatus::Malformed
    );
    assert_ne!(o.report.status, AggregateStatus::Applied);
    let into = out.path().join("into");
    assert_eq!(
        fs::read_link(into.join("link")).expect("link"),
        Path::new("target1")
    );
}

#[test]
fn a_path_through_a_directory_symlink_is_refused_in_the_verdict() {
    // git apply: "affected file 'ld/g' is beyond a symbolic link", exit 1.
    // (GNU patch 2.7.6 follows the in-tree link and patches d/g; the harness
    // refuses as git does, see README "Deliberate differences from GNU
    // patch".) Before the fix the verdict said `applied` and only `--into`
    // failed (exit 2): the verdict and the writer now agree.
    let t = tempfile::tempdir().expect("tempdir");
    fs::create_dir(t.path().join("d")).expect("mkdir");
    fs::write(t.path().join("d/g"), "x\n").expect("write");
    symlink("d", t.path().join("ld")).expect("symlink");
    let p = "--- a/ld/g\n+++ b/ld/g\n@@ -1 +1 @@\n-x\n+y\n";
    let (o, out) = apply_into(t.path(), p);
    let f = &o.report.patches[0].files[0];
    assert_eq!(f.status, AggregateStatus::Malformed);
    assert!(
        f.reason
            .as_deref()
            .is_some_and(|r| r.contains("symlink `ld`")),
        "{f:?}"
    );
    assert_eq!(
        fs::read_to_string(out.path().join("into/d/g")).expect("read"),
        "x\n"
    );
}

#[test]
fn a_path_through_a_symlink_made_by_the_series_is_refused() {
    // The patch creates `dir/bad -> ../outside` and then writes through it;
    // GNU patch 2.7.6: "Invalid file name dir/bad/baz -- skipping patch".
    let t = tempfile::tempdir().expect("tempdir");
    fs::create_dir(t.path().join("dir")).expect("mkdir");
    let p = "diff --git a/dir/bad b/dir/bad\nnew file mode 120000\n--- /dev/null\n+++ b/dir/bad\n\
             @@ -0,0 +1 @@\n+../outside\n\\ No newline at end of file\n\
             diff --git a/dir/bad/baz b/dir/bad/baz\nnew file mode 100644\n--- /dev/null\n+++ b/dir/bad/baz\n\
             @@ -0,0 +1 @@\n+evil\n";
    let (o, _out) = apply_into(t.path(), p);
    let files = &o.report.patches[0].files;
    assert_eq!(files[0].status, AggregateStatus::Applied);
    assert_eq!(files[1].status, AggregateStatus::Malformed);
    assert!(!o.changes.files.contains_key("dir/bad/baz"));
}
