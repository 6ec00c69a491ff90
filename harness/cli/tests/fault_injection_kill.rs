//! Fault injection (issue 23), signals at chosen points: the harness killed
//! while make runs on the fake kernel tree (`FAKE_SLEEP` holds every object's
//! recipe in a `sleep`, a grandchild of make that make's own death does not
//! end). Whatever the signal — SIGKILL included, which no handler sees — no
//! process the harness started may survive it.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use support::harness::bin;

fn fake_tree() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../kbuild/tests/fixtures/fake-kernel")
}

/// pid -> (ppid, start time in clock ticks, state) of every process now.
fn processes() -> BTreeMap<u32, (u32, u64, char)> {
    let mut out = BTreeMap::new();
    let Ok(rd) = std::fs::read_dir("/proc") else {
        return out;
    };
    for ent in rd.flatten() {
        let Ok(pid) = ent.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // After the `(comm)`: state ppid pgrp session tty tpgid flags minflt
        // cminflt majflt cmajflt utime stime cutime cstime priority nice
        // threads itrealvalue starttime ...
        let Some(rest) = stat.rfind(')').map(|i| &stat[i + 2..]) else {
            continue;
        };
        let f: Vec<&str> = rest.split_whitespace().collect();
        let (Some(state), Some(ppid), Some(start)) = (f.first(), f.get(1), f.get(19)) else {
            continue;
        };
        out.insert(
            pid,
            (
                ppid.parse().unwrap_or(0),
                start.parse().unwrap_or(0),
                state.chars().next().unwrap_or('?'),
            ),
        );
    }
    out
}

/// Every live descendant of `root`, as (pid, start time) so a reused pid is
/// not mistaken for a survivor.
fn descendants(root: u32) -> BTreeSet<(u32, u64)> {
    let procs = processes();
    let mut found = BTreeSet::new();
    let mut frontier = vec![root];
    while let Some(p) = frontier.pop() {
        for (pid, (ppid, start, _)) in &procs {
            if *ppid == p && found.insert((*pid, *start)) {
                frontier.push(*pid);
            }
        }
    }
    found
}

/// Those of `set` still running (not gone, not a zombie, not a reused pid).
fn survivors(set: &BTreeSet<(u32, u64)>) -> Vec<u32> {
    let procs = processes();
    set.iter()
        .filter(|(pid, start)| {
            procs
                .get(pid)
                .is_some_and(|(_, s, state)| s == start && *state != 'Z')
        })
        .map(|(pid, _)| *pid)
        .collect()
}

fn comm(pid: u32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .unwrap_or_default()
        .trim()
        .to_owned()
}

fn start_build(tmp: &std::path::Path) -> Child {
    let frag = tmp.join("f.config");
    std::fs::write(&frag, "CONFIG_NET=y\n").expect("write fragment");
    Command::new(bin())
        .args(["build", "--tree"])
        .arg(fake_tree())
        .arg("--fragment")
        .arg(&frag)
        .arg("--out")
        .arg(tmp.join("o"))
        .args(["-j", "2", "--no-ccache"])
        .env("HARNESS_CACHE", tmp.join("cache"))
        .env("FAKE_SLEEP", "300")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start harness build")
}

/// Wait until make's recipes are sleeping under the harness; all its
/// descendants then.
fn wait_for_sleeping_recipes(harness: &mut Child) -> BTreeSet<(u32, u64)> {
    let t0 = Instant::now();
    loop {
        let tree = descendants(harness.id());
        if tree.iter().any(|(pid, _)| comm(*pid) == "sleep") {
            return tree;
        }
        if let Ok(Some(st)) = harness.try_wait() {
            panic!("harness build ended ({st}) before make started its recipes");
        }
        assert!(
            t0.elapsed() < Duration::from_secs(60),
            "no recipe of make started within 60 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn kill_harness_mid_build(signal: &str) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut harness = start_build(tmp.path());
    let tree = wait_for_sleeping_recipes(&mut harness);
    let st = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(harness.id().to_string())
        .status()
        .expect("run kill");
    assert!(st.success(), "kill -{signal} failed");
    let _ = harness.wait();
    let t0 = Instant::now();
    let mut left = survivors(&tree);
    while !left.is_empty() && t0.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(50));
        left = survivors(&tree);
    }
    let named: Vec<String> = left.iter().map(|p| format!("{p} ({})", comm(*p))).collect();
    for pid in &left {
        // Clean up after a failure (these are our own descendants).
        let _ = Command::new("kill")
            .arg("-KILL")
            .arg(pid.to_string())
            .status();
    }
    assert!(
        named.is_empty(),
        "after kill -{signal} of the harness, {} of its {} descendants still run 10 s \
         later: {}",
        named.len(),
        tree.len(),
        named.join(", ")
    );
}

#[test]
fn sigkill_of_the_harness_ends_make_and_its_recipes() {
    kill_harness_mid_build("KILL");
}

#[test]
fn sigterm_of_the_harness_ends_make_and_its_recipes() {
    kill_harness_mid_build("TERM");
}

#[test]
fn sigint_of_the_harness_ends_make_and_its_recipes() {
    kill_harness_mid_build("INT");
}
