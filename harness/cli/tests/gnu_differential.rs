//! Differential tests: `harness apply SERIES --tree TREE --json -` against
//! GNU patch (`patch -p1 -N -F2`, cumulative, series order; see
//! tests/support/gnu.rs) on the real series of the corpus (corpus/README.md), hunk by
//! hunk: status, offset, fuzz and line. The rules, including the one
//! accepted difference (harness `already-applied` where GNU says FAILED or
//! Reversed, only if the hunk applies in reverse exactly), are in
//! tests/support/compare.rs.
//!
//! Each test prints a table of agreement counts (see it with
//! `cargo test -p harness --test gnu_differential -- --nocapture`; it is
//! also written to $CARGO_TARGET_TMPDIR/gnu-differential-*.txt) and fails
//! listing every disagreement.

mod support;

use std::time::Duration;
use support::{compare, gnu, harness, series, trees};

fn differential(series_dir: &str, tree_name: &str) {
    let dir = support::corpus_series(series_dir);
    let entries = series::load_quilt(&dir);
    let tree = trees::kernel_tree(tree_name);

    let (oracle, _scratch) = gnu::apply_series(&entries, &tree, &gnu::Options::default())
        .unwrap_or_else(|e| panic!("GNU oracle failed on {series_dir} / {tree_name}: {e}"));
    for p in &oracle.patches {
        assert!(
            p.unknown.is_empty(),
            "{}: GNU output the oracle does not understand: {:?}",
            p.name,
            p.unknown
        );
    }

    let start = std::time::Instant::now();
    let (ran, report) = harness::apply_report(&dir, &tree, Duration::from_secs(600))
        .unwrap_or_else(|e| panic!("{series_dir} / {tree_name}: {e}"));
    let harness_time = start.elapsed();

    let cmp = compare::compare(&entries, &oracle, &report);
    let title = format!(
        "{series_dir} ({} patches) on {tree_name}: GNU {:.2?}, harness {:.2?}",
        entries.len(),
        oracle.elapsed,
        harness_time
    );
    let table = cmp.table(&title);
    println!("{table}");
    let out = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("gnu-differential-{series_dir}-{tree_name}.txt"));
    let _ = std::fs::write(&out, format!("{table}\n{}\n", cmp.disagreements.join("\n")));

    // Exit code contract: 0 only if every hunk is in the tree afterwards
    // (`applied`, or `already-applied`: `harness apply --help` counts those
    // as done), else 1.
    let all_applied = report
        .iter()
        .flat_map(|p| &p.files)
        .flat_map(|f| &f.hunks)
        .all(|h| h.status == "applied" || h.status == "already-applied");
    let want_exit = if all_applied { 0 } else { 1 };
    // Known disagreements are listed, one per line, in
    // tests/gnu-known/<series>-<tree>.txt: each would be a real difference
    // between the engine and GNU patch, explained in that file's header (all
    // lists are empty now). The list is a ratchet: a disagreement not listed
    // fails the test, and so does a listed one that no longer happens (remove
    // it from the list when the engine is fixed).
    let known_path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/gnu-known")
        .join(format!("{series_dir}-{tree_name}.txt"));
    let known: Vec<String> = std::fs::read_to_string(&known_path)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(str::to_owned)
        .collect();
    if std::env::var_os("HARNESS_UPDATE_KNOWN").is_some() {
        let header = "# Known disagreements with GNU patch (see gnu_differential.rs).\n\
# One per line, as the test prints them; each needs its cause written here.\n\
# Empty: the engine agrees with GNU patch on every hunk of this series.\n";
        let _ = std::fs::create_dir_all(known_path.parent().expect("parent"));
        let _ = std::fs::write(
            &known_path,
            format!("{header}{}\n", cmp.disagreements.join("\n")),
        );
    }
    let mut problems: Vec<String> = cmp
        .disagreements
        .iter()
        .filter(|d| !known.contains(d))
        .map(|d| format!("NEW: {d}"))
        .collect();
    for k in &known {
        if !cmp.disagreements.contains(k) {
            problems.push(format!("FIXED (remove from {}): {k}", known_path.display()));
        }
    }
    println!(
        "{} disagreement(s), all {} listed in {}",
        cmp.disagreements.len(),
        known.len(),
        known_path.display()
    );
    if ran.code != Some(want_exit) {
        problems.push(format!(
            "exit code {:?}, want {want_exit} (all hunks applied: {all_applied})",
            ran.code
        ));
    }
    assert!(
        problems.is_empty(),
        "{table}\n{} disagreement(s) with GNU patch:\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert!(cmp.hunks > 0, "no hunks compared");
}

#[test]
fn preempt_rt_on_linux_6_1() {
    differential("patches-rt", "linux-6.1");
}

#[test]
fn preempt_rt_on_linux_6_12() {
    differential("patches-rt", "linux-6.12");
}

#[test]
fn debian_series_on_linux_6_1() {
    differential("patches", "linux-6.1");
}
