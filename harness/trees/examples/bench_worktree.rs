//! Time worktree creation from a cached base tree (used by scripts/bench-worktree.sh).
//!
//! `cargo run --release -p harness-trees --example bench_worktree -- NAME DEST [CACHE]`
//! fetches (or adopts) NAME, creates a hardlink worktree at DEST, re-syncs it,
//! removes it, and prints the times; then checks that a write into the worktree
//! (replace by rename) leaves the base unchanged.

use harness_trees::{replace_file, TreeCache, TreeSpecs, Worktree, WorktreeOptions};
use std::path::PathBuf;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let name = args.next().unwrap_or_else(|| "linux-6.1".into());
    let dest = PathBuf::from(
        args.next()
            .unwrap_or_else(|| "/var/tmp/harness-bench-wt".into()),
    );
    let cache_root = args.next().map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cache/harness")
    });
    let specs = TreeSpecs::load_with_defaults(Some(std::path::Path::new("trees.yaml")))?;
    let cache = TreeCache::open(&cache_root)?.with_events(|e| eprintln!("event: {e:?}"));
    let t = Instant::now();
    let base = cache.resolve(&name, &specs)?;
    println!(
        "fetch/resolve {name}: {:.3} s ({})",
        t.elapsed().as_secs_f64(),
        base.path.display()
    );
    let opts = WorktreeOptions {
        keep: true,
        ..Default::default()
    };
    let wt = Worktree::create_with(&base.path, &dest, &opts)?;
    println!(
        "hardlink worktree: {:.3} s ({} files, {} dirs, {} symlinks)",
        wt.stats.seconds, wt.stats.files, wt.stats.dirs, wt.stats.symlinks
    );
    let mk = dest.join("Makefile");
    let before = std::fs::read(base.path.join("Makefile"))?;
    replace_file(&mk, b"# patched\n")?;
    drop(wt);
    let wt = Worktree::create_with(&base.path, &dest, &opts)?;
    println!(
        "re-sync at the same path after a change: {:.3} s ({} reused, {} reverted)",
        wt.stats.seconds,
        wt.stats.reused,
        wt.stats.reverted.len()
    );
    let after = std::fs::read(base.path.join("Makefile"))?;
    println!(
        "base unchanged after writing into the worktree: {}",
        before == after
    );
    let t = Instant::now();
    wt.remove()?;
    println!("remove worktree: {:.3} s", t.elapsed().as_secs_f64());
    if before != after {
        return Err("the base tree changed".into());
    }
    Ok(())
}
