//! Runtime health on a kernel this project builds: linux-6.1 with
//! tinyconfig + netns-base + ip-multiple-tables-y + debug-lock-mem (lockdep,
//! sleep-in-atomic checks, kmemleak, modules), the matrix's `debug-lock-mem`
//! column. Two small modules built against that build directory
//! (`make -C TREE O=BUILD M=DIR`) make the kernel itself report a problem:
//!
//! - `inversion.ko` takes two mutexes in the order A, B and then B, A. Lockdep
//!   records A -> B on the first pair and prints "WARNING: possible circular
//!   locking dependency detected" on the second (no deadlock happens: one
//!   task, nothing contends).
//! - `leak.ko` allocates 1 KiB with kmalloc and drops the only pointer to it.
//!   kmemleak reports "unreferenced object 0x... (size 1024)" with the
//!   allocation's stack once the object is older than 5 s and a scan runs
//!   (the guest init scans twice after the suite).
//!
//! Expected: each boot's guest tests pass and the boot is
//! `tests-passed-kernel-warned` with one splat of that kind whose fingerprint
//! starts in the module's init function; the fingerprint given to
//! `--allow-splat` makes it a pass; the same kernel without a module passes
//! the netns suite with no splat (lockdep and kmemleak quiet on the base).
//!
//! The build directory is kept in the cache (builds/test-debug-lock-mem-6.1)
//! and reused when nothing changed.

mod support;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Duration;
use support::{harness::command, proc, trees::kernel_tree};

fn cache() -> PathBuf {
    support::trees::cache_root()
}

/// The debug kernel: (tree, build dir, bzImage). Built (or reused) under a
/// lock file, so the tests of this binary build it once.
fn debug_kernel() -> (PathBuf, PathBuf, PathBuf) {
    let tree = kernel_tree("linux-6.1");
    let out = cache().join("builds/test-debug-lock-mem-6.1/obj");
    std::fs::create_dir_all(&out).expect("create the build dir");
    let lock = std::fs::File::create(out.with_file_name("lock")).expect("lock file");
    lock.lock().expect("lock the debug build");
    let ran = proc::run(
        command()
            .arg("build")
            .arg("--tree")
            .arg(&tree)
            .args(["--fragment", "netns-base"])
            .args(["--fragment", "ip-multiple-tables-y"])
            .args(["--fragment", "debug-lock-mem"])
            .args(["--target", "bzImage", "--target", "modules"])
            .arg("--out")
            .arg(&out)
            .args(["-j", "2", "--json", "-"]),
        Duration::from_secs(3600),
    );
    assert_eq!(ran.code, Some(0), "debug build: {}", ran.describe());
    let image = out.join("arch/x86/boot/bzImage");
    assert!(image.is_file(), "no bzImage in {}", out.display());
    (tree, out, image)
}

/// `NAME.ko` built from `source` against the debug kernel's build dir.
fn module(dir: &Path, name: &str, source: &str) -> PathBuf {
    let (tree, build, _) = debug_kernel();
    let src = dir.join(name);
    std::fs::create_dir_all(&src).expect("module dir");
    std::fs::write(src.join(format!("{name}.c")), source).expect("write module source");
    std::fs::write(src.join("Makefile"), format!("obj-m := {name}.o\n")).expect("Makefile");
    let ran = proc::run(
        std::process::Command::new("make")
            .arg("-s")
            .arg("-C")
            .arg(&tree)
            .arg(format!("O={}", build.display()))
            .arg(format!("M={}", src.display()))
            .arg("modules"),
        Duration::from_secs(600),
    );
    assert_eq!(ran.code, Some(0), "module {name}: {}", ran.describe());
    let ko = src.join(format!("{name}.ko"));
    assert!(ko.is_file(), "no {}", ko.display());
    ko
}

/// `harness boot` of the debug kernel under TCG with `extra` arguments:
/// (exit code, boot JSON, stderr and the console log).
fn boot(extra: &[&str], dir: &Path) -> (Option<i32>, Value, String) {
    let (_, build, image) = debug_kernel();
    let json = dir.join("boot.json");
    let console = dir.join("console.log");
    let ran = proc::run(
        command()
            .arg("boot")
            .arg(&image)
            .args(["--accel", "tcg", "--timeout", "600", "--silence", "180"])
            .arg("--config-symbols")
            .arg(build.join(".config"))
            .args(extra)
            .arg("--console-log")
            .arg(&console)
            .arg("--json")
            .arg(&json),
        Duration::from_secs(900),
    );
    let text = std::fs::read_to_string(&json).unwrap_or_else(|e| {
        panic!("no boot report ({e}): {}", ran.describe());
    });
    let r: Value = serde_json::from_str(&text).expect("boot JSON");
    let log = std::fs::read_to_string(&console).unwrap_or_default();
    (
        ran.code,
        r,
        format!("{}\n--- console ---\n{log}", ran.stderr_str()),
    )
}

const INVERSION: &str = r#"// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>
#include <linux/mutex.h>
static DEFINE_MUTEX(harness_lock_a);
static DEFINE_MUTEX(harness_lock_b);
static int __init inversion_init(void)
{
	mutex_lock(&harness_lock_a);
	mutex_lock(&harness_lock_b);
	mutex_unlock(&harness_lock_b);
	mutex_unlock(&harness_lock_a);
	mutex_lock(&harness_lock_b);
	mutex_lock(&harness_lock_a);
	mutex_unlock(&harness_lock_a);
	mutex_unlock(&harness_lock_b);
	return 0;
}
module_init(inversion_init);
MODULE_LICENSE("GPL");
"#;

const LEAK: &str = r#"// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>
#include <linux/slab.h>
static noinline void harness_leak(void)
{
	char *p = kmalloc(1024, GFP_KERNEL);
	if (p)
		p[0] = 1;
	/* The only pointer goes out of scope here. */
}
/* Not __init: the init section is freed after loading, and kmemleak's
 * backtrace could then not name the function. */
static int leak_init(void)
{
	harness_leak();
	return 0;
}
module_init(leak_init);
MODULE_LICENSE("GPL");
"#;

/// The boot's one splat: every test passed, the boot is
/// tests-passed-kernel-warned (exit 1), the splat has `kind`, and its
/// fingerprint is returned.
fn one_splat(code: Option<i32>, r: &Value, err: &str, kind: &str) -> String {
    let why = format!("{r:#}\n{err}");
    assert_eq!(r["status"], "tests-passed-kernel-warned", "{why}");
    assert_eq!(code, Some(1), "{why}");
    let tests = r["tests"].as_array().expect("tests");
    assert!(
        !tests.is_empty() && tests.iter().all(|t| t["status"] == "pass"),
        "{why}"
    );
    let splats = r["splats"].as_array().expect("splats");
    let of_kind: Vec<&Value> = splats.iter().filter(|s| s["kind"] == kind).collect();
    assert_eq!(of_kind.len(), 1, "{why}");
    assert_eq!(splats.len(), 1, "only the module's splat: {why}");
    of_kind[0]["fingerprint"]
        .as_str()
        .expect("fingerprint")
        .to_owned()
}

#[test]
fn the_debug_kernel_passes_the_netns_suite_without_a_splat() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (code, r, err) = boot(&[], tmp.path());
    assert_eq!(r["status"], "passed", "{r:#}\n{err}");
    assert_eq!(code, Some(0));
    assert_eq!(r["splats"].as_array().map_or(0, Vec::len), 0, "{r:#}");
    // The kernel really has both checkers: lockdep announced itself and
    // the guest init ran its kmemleak scans after the suite.
    assert!(err.contains("Lock dependency validator"), "{err}");
    assert!(err.contains("harness-init: kmemleak scanned"), "{err}");
}

#[test]
fn a_lock_inversion_is_a_lockdep_splat_and_an_allowed_one_passes() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ko = module(tmp.path(), "inversion", INVERSION);
    let ko = ko.to_str().expect("utf8 path");
    let (code, r, err) = boot(&["--module", ko], tmp.path());
    let fp = one_splat(code, &r, &err, "lockdep");
    // The second acquisition (of lock A, in inversion_init) is the one
    // lockdep reports; past lockdep's own frames and the mutex slow path,
    // its stack starts in the module's init, called by the module loader.
    assert!(
        fp.starts_with("lockdep:inversion_init/do_one_initcall"),
        "{fp}\n{r:#}"
    );

    let allow = format!("{fp}=deliberate lock inversion");
    let (code, r, err) = boot(&["--module", ko, "--allow-splat", &allow], tmp.path());
    assert_eq!(r["status"], "passed", "{r:#}\n{err}");
    assert_eq!(code, Some(0));
    assert_eq!(r["splats"][0]["allowed"], "deliberate lock inversion");
}

#[test]
fn a_leaked_allocation_is_a_kmemleak_splat() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ko = module(tmp.path(), "leak", LEAK);
    let (code, r, err) = boot(&["--module", ko.to_str().expect("utf8")], tmp.path());
    let fp = one_splat(code, &r, &err, "kmemleak");
    // kmemleak's backtrace is the allocation's: past the allocator, the
    // module's leak_init (harness_leak may be inlined into it), called by
    // the module loader.
    assert!(
        fp.starts_with("kmemleak:harness_leak/leak_init")
            || fp.starts_with("kmemleak:leak_init/do_one_initcall"),
        "{fp}\n{r:#}"
    );
}
