//! Where a build unit's source tree and build directory live in the cache.
//!
//! The base tree's unit builds `<cache>/trees/<tree>/tree` into
//! `<cache>/builds/<unit>/obj`. A series unit's worktree and build directory
//! mirror that pair one level down, in `<cache>/work/<unit>/`:
//! `trees/<tree>/tree` and `builds/<unit>/obj`. From either build directory
//! the source is then `../../../trees/<tree>/tree`. ccache is told to hash
//! paths relative to the common ancestor of source and build directory
//! (`CCACHE_BASEDIR`), so with equal relative paths a series build takes from
//! the shared cache every object the base build compiled from the same bytes
//! (ccache still checks every included file's content), and the dependency
//! files it restores name the series worktree's files, not the base's.
//! With different relative paths (the layout before) no object was shared.

use std::path::{Path, PathBuf};

/// The source directory and the unit directory (holding `obj/`,
/// `artifacts/`, `results/`) of a unit, for a tree at `tree_path`.
/// `series`: the unit builds a worktree with a series written in.
/// A tree outside the cache (a directory given by path) cannot be mirrored:
/// its worktree is `<cache>/work/<unit>/src`.
pub fn unit_dirs(
    cache: &Path,
    unit_key: &str,
    tree_path: &Path,
    series: bool,
) -> (PathBuf, PathBuf) {
    if !series {
        return (tree_path.to_owned(), cache.join("builds").join(unit_key));
    }
    let root = cache.join("work").join(unit_key);
    let src = match tree_path.strip_prefix(cache) {
        Ok(rel) if rel.starts_with("trees") => root.join(rel),
        _ => root.join("src"),
    };
    (src, root.join("builds").join(unit_key))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The relative path from a unit's build directory to its source.
    fn relative(src: &Path, unit_dir: &Path) -> PathBuf {
        let obj = unit_dir.join("obj");
        let common = obj
            .ancestors()
            .find(|a| src.starts_with(a))
            .expect("common ancestor");
        let ups = obj
            .strip_prefix(common)
            .expect("under")
            .components()
            .count();
        let mut rel: PathBuf = std::iter::repeat_n("..", ups).collect();
        rel.push(src.strip_prefix(common).expect("under"));
        rel
    }

    #[test]
    fn a_series_worktree_is_where_the_base_is_seen_from_its_build_directory() {
        let cache = Path::new("/c");
        let tree = Path::new("/c/trees/linux-6.1/tree");
        let (bsrc, bdir) = unit_dirs(cache, "linux-6.1-base", tree, false);
        let (ssrc, sdir) = unit_dirs(cache, "linux-6.1+rt", tree, true);
        assert_eq!(bsrc, tree);
        assert_eq!(ssrc, Path::new("/c/work/linux-6.1+rt/trees/linux-6.1/tree"));
        assert_eq!(sdir, Path::new("/c/work/linux-6.1+rt/builds/linux-6.1+rt"));
        assert_eq!(relative(&bsrc, &bdir), relative(&ssrc, &sdir));
        assert_eq!(
            relative(&ssrc, &sdir),
            Path::new("../../../trees/linux-6.1/tree")
        );
        // The build directory is never inside the source (make O= refuses).
        assert!(!sdir.starts_with(&ssrc));
    }

    #[test]
    fn a_tree_outside_the_cache_gets_a_plain_worktree() {
        let (src, dir) = unit_dirs(Path::new("/c"), "u", Path::new("/home/me/linux"), true);
        assert_eq!(src, Path::new("/c/work/u/src"));
        assert_eq!(dir, Path::new("/c/work/u/builds/u"));
    }
}
