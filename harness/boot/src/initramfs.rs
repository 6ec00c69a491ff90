//! The guest initramfs: busybox-static, the host's iproute2 `ip` with the
//! shared libraries it needs (and the dynamic loader), the project's `qemu/`
//! files (init, runner, tests), the requested config symbols and optional
//! kernel modules. Written as an uncompressed newc cpio (the kernel unpacks
//! it without a decompressor, which is faster under TCG than gzip), cached
//! under `<cache>/initramfs/<sha256-prefix>.cpio` by the hash of its bytes.
//!
//! Guest layout:
//! ```text
//! /init                      qemu/init, or the --init script
//! /harness/run-tests         qemu/run-tests   (KTAP runner)
//! /harness/lib.sh            qemu/lib.sh
//! /harness/tests/NN-name.sh  qemu/tests/*.sh
//! /harness/kselftest.sh       qemu/kselftest.sh (runs one kernel selftest)
//! /harness/kselftests.conf    qemu/kselftests.conf (the config each needs)
//! /harness/kselftests/<name>  requested kernel selftests (--kselftest), with
//!                             helpers they source; /bin/bash then, too
//! /etc/harness/kselftests     their names, in order
//! /etc/harness/config        requested symbols (or a whole .config), if given
//! /etc/harness/modules       module file names to insmod, in order
//! /lib/modules/harness/*.ko  those modules
//! /bin/busybox + applet symlinks (except names of included binaries, e.g. ip)
//! /usr/sbin/ip + its libraries at their host paths
//! /dev/console (c 5 1), /proc /sys /run /tmp /root, /etc/passwd (root, harness=1000)
//! /etc/protocols, /etc/services from the host (netbase), when it has them
//! ```

use crate::cpio::{write_newc, CpioError, Entry};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Debug, Clone)]
pub struct InitramfsOptions {
    /// The project's guest directory (`qemu/`).
    pub guest_dir: PathBuf,
    /// Use this script as `/init` instead of `qemu/init` (the suite is still packed).
    pub init: Option<PathBuf>,
    /// Contents of `/etc/harness/config`: `CONFIG_X=y` lines (the requested
    /// symbols) or a whole `.config`. The guest tests read it to decide what
    /// to expect.
    pub config: Option<String>,
    /// Kernel modules to load at start, in order.
    pub modules: Vec<PathBuf>,
    /// A statically linked busybox.
    pub busybox: PathBuf,
    /// Host binaries to include with their shared libraries.
    pub binaries: Vec<PathBuf>,
    /// Kernel selftests to run after the suite (bash is packed for them).
    pub kselftests: Vec<Kselftest>,
}

/// A kernel selftest packed from a tree and run in the guest after the suite
/// by `qemu/kselftest.sh`, which checks the config it needs
/// (`qemu/kselftests.conf`) and turns its `TEST: ... [ OK ]` lines into KTAP
/// subtests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kselftest {
    /// Its path under `tools/testing/selftests`, e.g. `net/fib_rule_tests.sh`.
    pub name: String,
    /// The script on the host.
    pub script: PathBuf,
}

/// Where kernel selftests live in a tree.
pub const SELFTESTS_DIR: &str = "tools/testing/selftests";

impl Kselftest {
    /// The selftest at `script`, named by its path after
    /// `tools/testing/selftests/` (else by its directory and file name).
    pub fn from_path(script: &Path) -> Result<Self, InitramfsError> {
        let bad = |message: String| InitramfsError::Guest {
            path: script.to_path_buf(),
            message,
        };
        if !script.is_file() {
            return Err(bad(
                "no such kernel selftest script (give a file under <tree>/tools/testing/selftests)"
                    .into(),
            ));
        }
        let text = script.to_string_lossy();
        let name = match text.rfind(&format!("{SELFTESTS_DIR}/")) {
            Some(i) => text[i + SELFTESTS_DIR.len() + 1..].to_string(),
            None => {
                let file = script.file_name().map(|f| f.to_string_lossy().to_string());
                let dir = script
                    .parent()
                    .and_then(|d| d.file_name())
                    .map(|d| d.to_string_lossy().to_string());
                match (dir, file) {
                    (Some(d), Some(f)) => format!("{d}/{f}"),
                    (None, Some(f)) => f,
                    _ => return Err(bad("kernel selftest path has no file name".into())),
                }
            }
        };
        // The guest reads the names with the shell, split on blanks, and
        // packs the script at /harness/kselftests/<name>.
        let safe = |c: char| c.is_ascii_alphanumeric() || "._-/+".contains(c);
        if name.is_empty()
            || !name.chars().all(safe)
            || name
                .split('/')
                .any(|c| c.is_empty() || c == "." || c == "..")
        {
            return Err(bad(format!(
                "kernel selftest name `{name}` must be a relative path of letters, digits and ._-+/"
            )));
        }
        Ok(Kselftest {
            name,
            script: script.to_path_buf(),
        })
    }

    /// Its test name in the KTAP output and the report.
    pub fn test_name(&self) -> String {
        kselftest_test_name(&self.name)
    }
}

/// The test name of the selftest `name` (its path under
/// `tools/testing/selftests`), as qemu/run-tests prints it.
pub fn kselftest_test_name(name: &str) -> String {
    format!("kselftest:{name}")
}

/// Files a selftest sources from its own directory by a literal relative
/// name (`source lib.sh`, `. ./net_helper.sh`): packed beside it.
fn sourced_helpers(script_text: &str) -> Vec<String> {
    script_text
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            match words.next()? {
                "source" | "." => {}
                _ => return None,
            }
            let file = words.next()?.trim_start_matches("./");
            let plain = !file.is_empty()
                && !file.contains('/')
                && file
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
            plain.then(|| file.to_string())
        })
        .collect()
}

impl InitramfsOptions {
    pub fn new(guest_dir: impl Into<PathBuf>) -> Self {
        InitramfsOptions {
            guest_dir: guest_dir.into(),
            init: None,
            config: None,
            modules: Vec::new(),
            busybox: PathBuf::from("/bin/busybox"),
            binaries: vec![PathBuf::from("/usr/sbin/ip")],
            kselftests: Vec::new(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum InitramfsError {
    #[error("reading {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("writing {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("running `{command}`: {message} ({hint})")]
    Tool {
        command: String,
        message: String,
        hint: String,
    },
    #[error("guest directory {path}: {message}")]
    Guest { path: PathBuf, message: String },
    #[error(transparent)]
    Cpio(#[from] CpioError),
}

fn read(path: &Path) -> Result<Vec<u8>, InitramfsError> {
    std::fs::read(path).map_err(|source| InitramfsError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// The test names of the suite in `guest_dir/tests`, in the order the runner
/// runs them (`NN-name.sh` sorted, `NN-` and `.sh` removed).
pub fn suite_test_names(guest_dir: &Path) -> Result<Vec<String>, InitramfsError> {
    Ok(suite_files(guest_dir)?
        .into_iter()
        .filter_map(|p| {
            let stem = p.file_stem()?.to_str()?.to_string();
            Some(strip_order_prefix(&stem).to_string())
        })
        .collect())
}

fn strip_order_prefix(stem: &str) -> &str {
    let b = stem.as_bytes();
    if b.len() > 3 && b[0].is_ascii_digit() && b[1].is_ascii_digit() && b[2] == b'-' {
        stem.get(3..).unwrap_or(stem)
    } else {
        stem
    }
}

fn suite_files(guest_dir: &Path) -> Result<Vec<PathBuf>, InitramfsError> {
    let dir = guest_dir.join("tests");
    let rd = std::fs::read_dir(&dir).map_err(|source| InitramfsError::Read {
        path: dir.clone(),
        source,
    })?;
    let mut files: Vec<PathBuf> = rd
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|x| x == "sh")
                && p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.as_bytes().first().is_some_and(|c| c.is_ascii_digit()))
        })
        .collect();
    files.sort();
    Ok(files)
}

/// Shared libraries (and the loader) a dynamic binary needs, via `ldd`.
/// A static binary gives an empty list.
pub fn shared_libraries(binary: &Path) -> Result<Vec<PathBuf>, InitramfsError> {
    let out = Command::new("ldd")
        .arg(binary)
        .output()
        .map_err(|e| InitramfsError::Tool {
            command: format!("ldd {}", binary.display()),
            message: e.to_string(),
            hint: "ldd comes with libc-bin".into(),
        })?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        if text.contains("not a dynamic executable") || err.contains("not a dynamic executable") {
            return Ok(Vec::new());
        }
        return Err(InitramfsError::Tool {
            command: format!("ldd {}", binary.display()),
            message: err.trim().to_string(),
            hint: "is the binary present and executable?".into(),
        });
    }
    Ok(parse_ldd(&text))
}

/// Parse `ldd` output: `name => /path (0x...)`, `/lib64/ld-linux... (0x...)`;
/// `linux-vdso.so.1 (0x...)` has no file and is skipped.
pub fn parse_ldd(text: &str) -> Vec<PathBuf> {
    let mut libs = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        let candidate = match line.split_once("=>") {
            Some((_, rhs)) => rhs.trim(),
            None => line,
        };
        let path = candidate.split(" (").next().unwrap_or("").trim();
        if path.starts_with('/') {
            libs.push(PathBuf::from(path));
        }
    }
    libs
}

fn busybox_applets(busybox: &Path) -> Result<Vec<String>, InitramfsError> {
    let out = Command::new(busybox)
        .arg("--list")
        .output()
        .map_err(|e| InitramfsError::Tool {
            command: format!("{} --list", busybox.display()),
            message: e.to_string(),
            hint: "install busybox-static".into(),
        })?;
    if !out.status.success() {
        return Err(InitramfsError::Tool {
            command: format!("{} --list", busybox.display()),
            message: String::from_utf8_lossy(&out.stderr).trim().to_string(),
            hint: "install busybox-static".into(),
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty() && !l.contains('/'))
        .collect())
}

fn path_str(p: &Path) -> String {
    p.to_string_lossy().trim_start_matches('/').to_string()
}

/// Collect the archive entries (sorted by path, parents first).
pub fn entries(opts: &InitramfsOptions) -> Result<Vec<Entry>, InitramfsError> {
    let mut map: BTreeMap<String, Entry> = BTreeMap::new();
    let mut put = |e: Entry| {
        map.insert(e.path.clone(), e);
    };

    for d in [
        "bin", "sbin", "usr/bin", "usr/sbin", "proc", "sys", "dev", "run", "tmp", "root",
    ] {
        put(Entry::dir(d));
    }
    put(Entry::char_dev("dev/console", 0o600, 5, 1));
    put(Entry::char_dev("dev/null", 0o666, 1, 3));
    put(Entry::symlink("var/run", "/run"));
    put(Entry::file(
        "etc/passwd",
        0o644,
        b"root:x:0:0:root:/root:/bin/sh\nharness:x:1000:1000:unprivileged test user:/tmp:/bin/sh\n"
            .to_vec(),
    ));
    put(Entry::file(
        "etc/group",
        0o644,
        b"root:x:0:\nharness:x:1000:\n".to_vec(),
    ));
    // Protocol and service names for iproute2 (`ip rule add ipproto tcp`
    // fails with "Invalid ipproto" without /etc/protocols); from the host's
    // netbase when it has them.
    for db in ["etc/protocols", "etc/services"] {
        let host = Path::new("/").join(db);
        if host.is_file() {
            put(Entry::file(db, 0o644, read(&host)?));
        }
    }

    // busybox and its applets; included binaries win over same-named applets.
    let bb_libs = shared_libraries(&opts.busybox)?;
    if !bb_libs.is_empty() {
        return Err(InitramfsError::Tool {
            command: format!("ldd {}", opts.busybox.display()),
            message: "busybox is dynamically linked".into(),
            hint: "install busybox-static, or pass a static busybox".into(),
        });
    }
    put(Entry::file("bin/busybox", 0o755, read(&opts.busybox)?));

    // Kernel selftests are bash scripts: bash comes with them when the host
    // has it (else the guest reports each such selftest as skipped, saying so).
    let mut binaries = opts.binaries.clone();
    let bash = PathBuf::from("/bin/bash");
    if !opts.kselftests.is_empty() && bash.is_file() && !binaries.contains(&bash) {
        binaries.push(bash);
    }
    let own_names: Vec<String> = binaries
        .iter()
        .filter_map(|b| b.file_name().map(|n| n.to_string_lossy().to_string()))
        .collect();
    for applet in busybox_applets(&opts.busybox)? {
        if applet == "busybox" || own_names.contains(&applet) {
            continue;
        }
        put(Entry::symlink(&format!("bin/{applet}"), "busybox"));
    }

    for bin in &binaries {
        put(Entry::file(&path_str(bin), 0o755, read(bin)?));
        for lib in shared_libraries(bin)? {
            put(Entry::file(&path_str(&lib), 0o755, read(&lib)?));
        }
    }

    // The project's guest side.
    let g = &opts.guest_dir;
    let init_path = opts.init.clone().unwrap_or_else(|| g.join("init"));
    put(Entry::file("init", 0o755, read(&init_path)?));
    for (src, dst) in [
        ("run-tests", "harness/run-tests"),
        ("lib.sh", "harness/lib.sh"),
    ] {
        let p = g.join(src);
        if !p.is_file() {
            return Err(InitramfsError::Guest {
                path: g.clone(),
                message: format!("missing {src} (is this the project's qemu/ directory?)"),
            });
        }
        put(Entry::file(dst, 0o755, read(&p)?));
    }
    for t in suite_files(g)? {
        let name = t
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        put(Entry::file(
            &format!("harness/tests/{name}"),
            0o755,
            read(&t)?,
        ));
    }

    // The kselftest runner and its table of needs: part of the guest side,
    // required only when a kselftest is asked for.
    for (src, dst) in [
        ("kselftest.sh", "harness/kselftest.sh"),
        ("kselftests.conf", "harness/kselftests.conf"),
    ] {
        let p = g.join(src);
        if p.is_file() {
            put(Entry::file(dst, 0o755, read(&p)?));
        } else if !opts.kselftests.is_empty() {
            return Err(InitramfsError::Guest {
                path: g.clone(),
                message: format!("missing {src}, needed to run kernel selftests"),
            });
        }
    }
    if !opts.kselftests.is_empty() {
        let mut list = String::new();
        for k in &opts.kselftests {
            let text = read(&k.script)?;
            let dir = Path::new(&k.name).parent().unwrap_or(Path::new(""));
            for helper in sourced_helpers(&String::from_utf8_lossy(&text)) {
                let on_host = k.script.with_file_name(&helper);
                if on_host.is_file() {
                    let dst = Path::new("harness/kselftests").join(dir).join(&helper);
                    put(Entry::file(&path_str(&dst), 0o755, read(&on_host)?));
                }
            }
            put(Entry::file(
                &format!("harness/kselftests/{}", k.name),
                0o755,
                text,
            ));
            list.push_str(&k.name);
            list.push('\n');
        }
        put(Entry::file(
            "etc/harness/kselftests",
            0o644,
            list.into_bytes(),
        ));
    }

    if let Some(cfg) = &opts.config {
        put(Entry::file(
            "etc/harness/config",
            0o644,
            cfg.as_bytes().to_vec(),
        ));
    }
    if !opts.modules.is_empty() {
        let mut list = String::new();
        for m in &opts.modules {
            let name = m
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .ok_or_else(|| InitramfsError::Guest {
                    path: m.clone(),
                    message: "module path has no file name".into(),
                })?;
            put(Entry::file(
                &format!("lib/modules/harness/{name}"),
                0o644,
                read(m)?,
            ));
            list.push_str(&name);
            list.push('\n');
        }
        put(Entry::file("etc/harness/modules", 0o644, list.into_bytes()));
    }

    // Parent directories of everything.
    let paths: Vec<String> = map.keys().cloned().collect();
    for p in paths {
        let mut parent = Path::new(&p).parent();
        while let Some(d) = parent {
            let s = d.to_string_lossy().to_string();
            if s.is_empty() {
                break;
            }
            map.entry(s.clone()).or_insert_with(|| Entry::dir(&s));
            parent = d.parent();
        }
    }
    Ok(map.into_values().collect())
}

/// Build (or reuse) the initramfs for `opts`; returns its path under
/// `<cache_root>/initramfs/`.
pub fn ensure(cache_root: &Path, opts: &InitramfsOptions) -> Result<PathBuf, InitramfsError> {
    let bytes = write_newc(&entries(opts)?)?;
    let hash = hex::encode(Sha256::digest(&bytes));
    let dir = cache_root.join("initramfs");
    let path = dir.join(format!("{}.cpio", hash.get(..16).unwrap_or(&hash)));
    if path.is_file() {
        return Ok(path);
    }
    std::fs::create_dir_all(&dir).map_err(|source| InitramfsError::Write {
        path: dir.clone(),
        source,
    })?;
    let werr = |source| InitramfsError::Write {
        path: path.clone(),
        source,
    };
    let mut tmp = tempfile::NamedTempFile::new_in(&dir).map_err(werr)?;
    tmp.write_all(&bytes).map_err(werr)?;
    tmp.persist(&path).map_err(|e| werr(e.error))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ldd_output_parsed() {
        // Output of `ldd /usr/sbin/ip` on Debian 12.
        let text = "\tlinux-vdso.so.1 (0x00007fc1cb7ab000)
\tlibbpf.so.1 => /lib/x86_64-linux-gnu/libbpf.so.1 (0x00007fc1cb648000)
\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007fc1cb41f000)
\t/lib64/ld-linux-x86-64.so.2 (0x00007fc1cb7ad000)
\tlibmissing.so.9 => not found
";
        assert_eq!(
            parse_ldd(text),
            vec![
                PathBuf::from("/lib/x86_64-linux-gnu/libbpf.so.1"),
                PathBuf::from("/lib/x86_64-linux-gnu/libc.so.6"),
                PathBuf::from("/lib64/ld-linux-x86-64.so.2"),
            ]
        );
    }

    #[test]
    fn order_prefix() {
        assert_eq!(strip_order_prefix("03-veth_ping"), "veth_ping");
        assert_eq!(strip_order_prefix("veth"), "veth");
        assert_eq!(strip_order_prefix("3-x"), "3-x");
    }

    fn project_qemu() -> PathBuf {
        PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../qemu"))
    }

    /// Needs busybox-static and iproute2 on the host (scripts/host-packages.txt).
    #[test]
    fn builds_and_caches_by_content() {
        let cache = tempfile::tempdir().expect("tempdir");
        let mut opts = InitramfsOptions::new(project_qemu());
        let a = ensure(cache.path(), &opts).expect("initramfs (needs busybox-static, iproute2)");
        let b = ensure(cache.path(), &opts).expect("again");
        assert_eq!(a, b, "same inputs, same cached file");
        opts.config = Some("CONFIG_IP_MULTIPLE_TABLES=n\n".into());
        let c = ensure(cache.path(), &opts).expect("with config");
        assert_ne!(a, c, "different config, different archive");

        // The reference reader lists the guest layout we promise.
        let out = Command::new("cpio")
            .args(["-it", "--quiet", "-F"])
            .arg(&c)
            .output()
            .expect("GNU cpio is required for this test");
        let listing = String::from_utf8_lossy(&out.stdout);
        for want in [
            "init",
            "bin/busybox",
            "bin/sh",
            "dev/console",
            "usr/sbin/ip",
            "lib64/ld-linux-x86-64.so.2",
            "harness/run-tests",
            "harness/tests/06-policy_routing.sh",
            "etc/harness/config",
        ] {
            assert!(
                listing.lines().any(|l| l == want),
                "missing {want} in\n{listing}"
            );
        }
        assert!(
            !listing.lines().any(|l| l == "bin/ip"),
            "busybox ip must not shadow iproute2"
        );
        let names = suite_test_names(&project_qemu()).expect("suite");
        assert!(names.contains(&"policy_routing".to_string()), "{names:?}");
    }

    #[test]
    fn kselftest_named_by_its_path_under_selftests() {
        let tree = tempfile::tempdir().expect("tempdir");
        let dir = tree.path().join("tools/testing/selftests/net");
        std::fs::create_dir_all(&dir).expect("mkdir");
        let script = dir.join("fib_rule_tests.sh");
        std::fs::write(&script, "#!/bin/bash\n").expect("write");
        let k = Kselftest::from_path(&script).expect("kselftest");
        assert_eq!(k.name, "net/fib_rule_tests.sh");
        assert_eq!(k.test_name(), "kselftest:net/fib_rule_tests.sh");

        // Outside a tree: its directory and file name.
        let loose = tree.path().join("mine/check.sh");
        std::fs::create_dir_all(loose.parent().expect("parent")).expect("mkdir");
        std::fs::write(&loose, "#!/bin/sh\n").expect("write");
        assert_eq!(
            Kselftest::from_path(&loose).expect("loose").name,
            "mine/check.sh"
        );

        // A name the guest could not split on blanks, and a missing file.
        let spaced = tree.path().join("tools/testing/selftests/net/has space.sh");
        std::fs::write(&spaced, "").expect("write");
        let e = Kselftest::from_path(&spaced).expect_err("blank in name");
        assert!(e.to_string().contains("has space.sh"), "{e}");
        let e = Kselftest::from_path(&dir.join("nope.sh")).expect_err("missing");
        assert!(e.to_string().contains("no such kernel selftest"), "{e}");
    }

    #[test]
    fn helpers_a_selftest_sources_by_literal_name() {
        let text = "#!/bin/bash\nsource lib.sh\n. ./net_helper.sh\n\
                    source \"$dir/x.sh\"\nsource ../common.sh\n  . forwarding.config\nsourced=1\n";
        assert_eq!(
            sourced_helpers(text),
            ["lib.sh", "net_helper.sh", "forwarding.config"]
        );
    }

    /// Needs busybox-static, iproute2 and bash on the host.
    #[test]
    fn kselftests_are_packed_with_bash_their_helpers_and_a_manifest() {
        let tree = tempfile::tempdir().expect("tempdir");
        let dir = tree.path().join("tools/testing/selftests/net");
        std::fs::create_dir_all(&dir).expect("mkdir");
        std::fs::write(dir.join("a_test.sh"), "#!/bin/bash\nsource lib.sh\n").expect("write");
        std::fs::write(dir.join("lib.sh"), "x=1\n").expect("write");
        let mut opts = InitramfsOptions::new(project_qemu());
        opts.kselftests = vec![Kselftest::from_path(&dir.join("a_test.sh")).expect("k")];
        let entries = entries(&opts).expect("entries");
        let find = |p: &str| entries.iter().find(|e| e.path == p);
        for want in [
            "harness/kselftest.sh",
            "harness/kselftests.conf",
            "harness/kselftests/net/a_test.sh",
            "harness/kselftests/net/lib.sh",
            "bin/bash",
        ] {
            assert!(find(want).is_some(), "missing {want}");
        }
        let manifest = find("etc/harness/kselftests").expect("manifest");
        assert_eq!(
            manifest.kind,
            crate::cpio::EntryKind::File(b"net/a_test.sh\n".to_vec())
        );
        // busybox's own `bash` applet (an ash alias) must not shadow bash.
        assert!(
            find("bin/bash").is_some_and(
                |e| matches!(&e.kind, crate::cpio::EntryKind::File(d) if d.len() > 100_000)
            ),
            "bin/bash is not the host's bash"
        );
    }
}
