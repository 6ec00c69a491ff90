//! git: check out a pinned commit (tree kind `git`), and import a tree into git
//! (one commit for the base, then one per applied patch) for incremental builds
//! and blame. Everything is force-added: Debian's tree has a `.gitignore` ending
//! in `/*`, which would otherwise make the import commit nothing.

use crate::{Error, Result};
use std::path::{Path, PathBuf};

fn gerr(path: &Path, e: git2::Error) -> Error {
    Error::Git {
        path: path.to_owned(),
        message: e.message().to_owned(),
    }
}

/// Clone `url` (bare) into `repo_dir` and check `commit` out into `dest`.
/// Returns (full commit id, tree id). Uses libgit2; when libgit2 cannot handle
/// the transport (it is built without https here), falls back to `git clone`.
pub(crate) fn checkout_commit(
    url: &str,
    commit: &str,
    repo_dir: &Path,
    dest: &Path,
) -> Result<(String, String)> {
    let repo = match git2::build::RepoBuilder::new()
        .bare(true)
        .clone(url, repo_dir)
    {
        Ok(r) => r,
        Err(_) => {
            let _ = crate::util::remove_tree(repo_dir);
            crate::util::run(
                std::process::Command::new("git")
                    .args(["clone", "--quiet", "--bare", url])
                    .arg(repo_dir),
            )?;
            git2::Repository::open_bare(repo_dir).map_err(|e| gerr(repo_dir, e))?
        }
    };
    let obj = repo.revparse_single(commit).map_err(|e| Error::Git {
        path: repo_dir.to_owned(),
        message: format!("commit {commit} not found in {url}: {}", e.message()),
    })?;
    let c = obj.peel_to_commit().map_err(|e| gerr(repo_dir, e))?;
    std::fs::create_dir_all(dest).map_err(|e| Error::io("creating", dest, e))?;
    let mut co = git2::build::CheckoutBuilder::new();
    co.target_dir(dest).force().update_index(false);
    repo.checkout_tree(c.as_object(), Some(&mut co))
        .map_err(|e| gerr(dest, e))?;
    Ok((c.id().to_string(), c.tree_id().to_string()))
}

/// A tree imported into git.
#[derive(Debug, Clone)]
pub struct GitImport {
    /// The git directory (`.git`).
    pub git_dir: PathBuf,
    /// The work tree the repository describes.
    pub work_tree: PathBuf,
    /// The base commit.
    pub base_commit: String,
}

fn signature(path: &Path) -> Result<git2::Signature<'static>> {
    git2::Signature::new("harness", "harness@localhost", &git2::Time::new(0, 0))
        .map_err(|e| gerr(path, e))
}

/// Import `tree` into a new git repository whose git directory is `git_dir`
/// (`tree/.git` for an ordinary repository; a separate directory for a read-only
/// base tree) with one commit holding every file, force-added. Commit times are
/// fixed (epoch) so importing the same tree twice gives the same commit id.
pub fn import_into_git(tree: &Path, git_dir: &Path, message: &str) -> Result<GitImport> {
    let repo = if git_dir == tree.join(".git") {
        git2::Repository::init(tree).map_err(|e| gerr(git_dir, e))?
    } else {
        // A separate git directory with core.worktree pointing at the tree, so that
        // nothing (not even a `.git` gitlink file) is written into a read-only base.
        let bare = git2::Repository::init_bare(git_dir).map_err(|e| gerr(git_dir, e))?;
        let mut cfg = bare.config().map_err(|e| gerr(git_dir, e))?;
        cfg.set_bool("core.bare", false)
            .map_err(|e| gerr(git_dir, e))?;
        cfg.set_str("core.worktree", &tree.display().to_string())
            .map_err(|e| gerr(git_dir, e))?;
        drop(bare);
        git2::Repository::open(git_dir).map_err(|e| gerr(git_dir, e))?
    };
    let mut cfg = repo.config().map_err(|e| gerr(git_dir, e))?;
    let _ = cfg.set_bool("gc.auto", false);
    let base_commit = commit_all_in(&repo, tree, message)?;
    Ok(GitImport {
        git_dir: git_dir.to_owned(),
        work_tree: tree.to_owned(),
        base_commit,
    })
}

/// Commit every change in the repository's work tree (force-adding ignored
/// files, recording deletions): call once per applied patch with its subject.
/// Returns the new commit id.
pub fn commit_all(git_dir: &Path, message: &str) -> Result<String> {
    let repo = git2::Repository::open(git_dir).map_err(|e| gerr(git_dir, e))?;
    let wt = repo
        .workdir()
        .map(Path::to_owned)
        .ok_or_else(|| Error::Git {
            path: git_dir.to_owned(),
            message: "repository has no work tree".into(),
        })?;
    commit_all_in(&repo, &wt, message)
}

fn commit_all_in(repo: &git2::Repository, wt: &Path, message: &str) -> Result<String> {
    let mut index = repo.index().map_err(|e| gerr(wt, e))?;
    index
        .add_all(["*"], git2::IndexAddOption::FORCE, None)
        .map_err(|e| gerr(wt, e))?;
    index.update_all(["*"], None).map_err(|e| gerr(wt, e))?;
    index.write().map_err(|e| gerr(wt, e))?;
    let tree_id = index.write_tree().map_err(|e| gerr(wt, e))?;
    let tree = repo.find_tree(tree_id).map_err(|e| gerr(wt, e))?;
    let sig = signature(wt)?;
    let parent = repo.head().ok().and_then(|h| h.peel_to_commit().ok());
    let parents: Vec<&git2::Commit> = parent.iter().collect();
    let id = repo
        .commit(Some("HEAD"), &sig, &sig, message, &tree, &parents)
        .map_err(|e| gerr(wt, e))?;
    Ok(id.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_force_adds_ignored_files_and_commits_patches() {
        let d = tempfile::tempdir().unwrap();
        let t = d.path().join("t");
        std::fs::create_dir_all(t.join("sub")).unwrap();
        // Debian's kernel tree ships a .gitignore like this.
        std::fs::write(t.join(".gitignore"), "/*\n").unwrap();
        std::fs::write(t.join("sub/a.c"), "int a;\n").unwrap();
        let imp = import_into_git(&t, &t.join(".git"), "base").unwrap();
        let repo = git2::Repository::open(&t).unwrap();
        let head = repo.head().unwrap().peel_to_tree().unwrap();
        assert!(
            head.get_path(Path::new("sub/a.c")).is_ok(),
            "ignored file was not force-added"
        );
        std::fs::write(t.join("sub/a.c"), "int a = 1;\n").unwrap();
        std::fs::remove_file(t.join(".gitignore")).unwrap();
        let c2 = commit_all(&t.join(".git"), "patch 1").unwrap();
        assert_ne!(c2, imp.base_commit);
        let head = repo.head().unwrap().peel_to_tree().unwrap();
        assert!(
            head.get_path(Path::new(".gitignore")).is_err(),
            "deletion not recorded"
        );
    }

    #[test]
    fn separate_git_dir_for_read_only_base_and_git_checkout() {
        let d = tempfile::tempdir().unwrap();
        let t = d.path().join("t");
        std::fs::create_dir_all(&t).unwrap();
        std::fs::write(t.join("f"), "x\n").unwrap();
        let gd = d.path().join("repo.git");
        let imp = import_into_git(&t, &gd, "base").unwrap();
        assert!(!t.join(".git").exists());
        let out = d.path().join("out");
        let (full, _tree) = checkout_commit(
            gd.to_str().unwrap(),
            &imp.base_commit[..10],
            &d.path().join("clone"),
            &out,
        )
        .unwrap();
        assert_eq!(full, imp.base_commit);
        assert_eq!(std::fs::read_to_string(out.join("f")).unwrap(), "x\n");
    }
}
