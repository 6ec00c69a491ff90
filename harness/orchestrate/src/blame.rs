//! Who changed the lines a hunk conflicts with: git blame (libgit2) over the
//! tree when it is a git repository with history.
//!
//! The conflict lines of a [`Diagnosis`] are numbered in the file as the
//! series saw it (possibly after earlier patches). Each line is mapped back to
//! the committed file by its text (nearest occurrence) before blaming, so
//! earlier patches of the series do not shift the answer.

use std::collections::BTreeMap;
use std::path::Path;

use git2::{BlameOptions, Repository};
use harness_core::diagnose::{Diagnosis, DiffTag};
use harness_core::report::ApplyReport;

/// One blamed line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlamedLine {
    /// 1-based line in the committed file (HEAD).
    pub line: usize,
    /// First 12 hex digits of the commit that last changed it.
    pub short_sha: String,
    pub subject: String,
}

impl BlamedLine {
    /// `<short sha> <subject>`.
    pub fn display(&self) -> String {
        format!("{} {}", self.short_sha, self.subject)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BlameError {
    #[error("{path}: not inside a git repository: {source}")]
    NoRepo {
        path: String,
        #[source]
        source: git2::Error,
    },
    #[error("{path}: git blame failed: {source}")]
    Blame {
        path: String,
        #[source]
        source: git2::Error,
    },
}

/// A git repository opened once for many blames.
pub struct Blamer {
    repo: Repository,
    /// Path of the tree relative to the repository's work directory ("" = same).
    prefix: String,
    /// HEAD content per path, split in lines (cache).
    heads: BTreeMap<String, Option<Vec<String>>>,
}

impl Blamer {
    /// Open the repository containing `tree` (None when it is not in one, or has no HEAD).
    pub fn open(tree: &Path) -> Result<Option<Self>, BlameError> {
        let repo = match Repository::discover(tree) {
            Ok(r) => r,
            Err(e) if e.code() == git2::ErrorCode::NotFound => return Ok(None),
            Err(source) => {
                return Err(BlameError::NoRepo {
                    path: tree.display().to_string(),
                    source,
                })
            }
        };
        if repo.head().is_err() {
            return Ok(None);
        }
        let prefix = match (repo.workdir(), std::fs::canonicalize(tree).ok()) {
            (Some(wd), Some(t)) => {
                let wd = std::fs::canonicalize(wd).unwrap_or_else(|_| wd.to_path_buf());
                t.strip_prefix(&wd)
                    .map(|p| p.to_string_lossy().into_owned())
                    .unwrap_or_default()
            }
            _ => String::new(),
        };
        Ok(Some(Blamer {
            repo,
            prefix,
            heads: BTreeMap::new(),
        }))
    }

    /// Blame lines as shown: when the tree is a subdirectory of the
    /// repository (not its top), say whose commits they are.
    fn label(&self, lines: Vec<String>) -> Vec<String> {
        if self.prefix.is_empty() {
            return lines;
        }
        let top = self
            .repo
            .workdir()
            .map(|w| w.display().to_string())
            .unwrap_or_default();
        lines
            .into_iter()
            .map(|l| format!("{l} [commit of the enclosing repository {top}, not of the tree]"))
            .collect()
    }

    fn repo_path(&self, path: &str) -> String {
        if self.prefix.is_empty() {
            path.to_owned()
        } else {
            format!("{}/{}", self.prefix, path)
        }
    }

    fn head_lines(&mut self, path: &str) -> Option<&Vec<String>> {
        let rp = self.repo_path(path);
        if !self.heads.contains_key(&rp) {
            let lines = (|| {
                let tree = self.repo.head().ok()?.peel_to_tree().ok()?;
                let entry = tree.get_path(Path::new(&rp)).ok()?;
                let blob = self.repo.find_blob(entry.id()).ok()?;
                let text = String::from_utf8_lossy(blob.content());
                Some(text.lines().map(str::to_owned).collect::<Vec<_>>())
            })();
            self.heads.insert(rp.clone(), lines);
        }
        self.heads.get(&rp).and_then(|x| x.as_ref())
    }

    /// Blame 1-based `lines` of the committed `path` (tree-relative).
    pub fn blame_lines(
        &mut self,
        path: &str,
        lines: &[usize],
    ) -> Result<Vec<BlamedLine>, BlameError> {
        let rp = self.repo_path(path);
        let mut opts = BlameOptions::new();
        let blame = self
            .repo
            .blame_file(Path::new(&rp), Some(&mut opts))
            .map_err(|source| BlameError::Blame {
                path: rp.clone(),
                source,
            })?;
        let mut out = Vec::new();
        for &l in lines {
            let Some(h) = blame.get_line(l) else { continue };
            let id = h.final_commit_id();
            let subject = self
                .repo
                .find_commit(id)
                .ok()
                .and_then(|c| c.summary().map(str::to_owned))
                .unwrap_or_default();
            let s = id.to_string();
            out.push(BlamedLine {
                line: l,
                short_sha: s.get(..12).unwrap_or(&s).to_owned(),
                subject,
            });
        }
        Ok(out)
    }

    /// The commits that last changed the lines `d` conflicts with, as
    /// `<short sha> <subject>`, one per commit, in line order.
    pub fn blame_diagnosis(
        &mut self,
        path: &str,
        d: &Diagnosis,
    ) -> Result<Vec<String>, BlameError> {
        // Text of each conflicting line as the series saw it.
        let mut wanted: Vec<(usize, String)> = Vec::new();
        for &l in &d.conflict_lines {
            if let Some(dl) = d
                .diff
                .iter()
                .find(|x| x.line == Some(l) && x.tag != DiffTag::Expected)
            {
                wanted.push((l, dl.text.clone()));
            }
        }
        let Some(head) = self.head_lines(path).cloned() else {
            return Ok(Vec::new());
        };
        // Map each to the nearest HEAD line with the same text.
        let mut head_lines: Vec<usize> = Vec::new();
        for (l, text) in &wanted {
            let best = head
                .iter()
                .enumerate()
                .filter(|(_, h)| *h == text)
                .map(|(i, _)| i + 1)
                .min_by_key(|i| i.abs_diff(*l));
            if let Some(b) = best {
                head_lines.push(b);
            }
        }
        head_lines.sort_unstable();
        head_lines.dedup();
        let blamed = self.blame_lines(path, &head_lines)?;
        let mut seen = Vec::new();
        let mut out = Vec::new();
        for b in blamed {
            if !seen.contains(&b.short_sha) {
                seen.push(b.short_sha.clone());
                out.push(b.display());
            }
        }
        Ok(out)
    }
}

/// HEAD of the git checkout whose top directory is `tree` (None when `tree`
/// is not the top of a checkout, or has no commit).
pub fn own_head(tree: &Path) -> Option<String> {
    let repo = Repository::open(tree).ok()?;
    let top = std::fs::canonicalize(repo.workdir()?).ok()?;
    if top != std::fs::canonicalize(tree).ok()? {
        return None;
    }
    let head = repo.head().ok()?.peel_to_commit().ok()?;
    Some(head.id().to_string())
}

/// Fill `diagnosis.blame` of every not-applied hunk of `report` when `tree`
/// is in a git repository with history. Returns how many hunks got a blame;
/// per-file blame errors are collected, not fatal.
pub fn annotate_report(report: &mut ApplyReport, tree: &Path) -> (usize, Vec<String>) {
    let mut errors = Vec::new();
    let mut blamer = match Blamer::open(tree) {
        Ok(Some(b)) => b,
        Ok(None) => return (0, errors),
        Err(e) => {
            errors.push(e.to_string());
            return (0, errors);
        }
    };
    let mut n = 0;
    for p in &mut report.patches {
        for f in &mut p.files {
            for h in &mut f.hunks {
                let Some(d) = h.diagnosis.as_mut() else {
                    continue;
                };
                if d.conflict_lines.is_empty() {
                    continue;
                }
                match blamer.blame_diagnosis(&f.path, d) {
                    Ok(b) if !b.is_empty() => {
                        d.blame = blamer.label(b);
                        n += 1;
                    }
                    Ok(_) => {}
                    Err(e) => errors.push(e.to_string()),
                }
            }
        }
    }
    (n, errors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_git::git;
    use harness_core::diagnose::{diagnose_hunk, Cause, EarlierFailures, HunkContext, TreeLookup};
    use std::process::Command;

    struct NoTree;
    impl TreeLookup for NoTree {
        fn paths_named(&self, _: &str) -> Vec<String> {
            Vec::new()
        }
        fn read(&self, _: &str) -> Option<String> {
            None
        }
    }

    #[test]
    fn blame_names_the_commit_that_changed_the_conflicting_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        git(d, &["init", "-q"]);
        let v1 = "int a;\nint b;\n\nstatic int f(void)\n{\n\treturn helper(1);\n}\n\nint z;\n";
        std::fs::write(d.join("k.c"), v1).expect("write");
        git(d, &["add", "k.c"]);
        git(d, &["commit", "-q", "-m", "k: initial version"]);
        // Commit 2 changes the line a later patch wants to edit.
        std::fs::write(d.join("k.c"), v1.replace("helper(1)", "helper2(1, 0)")).expect("write");
        git(d, &["commit", "-q", "-am", "k: switch f() to helper2"]);
        // Commit 3 touches an unrelated line; blame must not name it.
        std::fs::write(
            d.join("k.c"),
            v1.replace("helper(1)", "helper2(1, 0)")
                .replace("int z;", "long z;"),
        )
        .expect("write");
        git(d, &["commit", "-q", "-am", "k: widen z"]);

        // The patch was written against commit 1: helper(1) -> helper(2).
        let file_text = std::fs::read_to_string(d.join("k.c")).expect("read");
        let file: Vec<&str> = file_text.lines().collect();
        let old = ["{", "\treturn helper(1);", "}"];
        let new = ["{", "\treturn helper(2);", "}"];
        let ctx = HunkContext {
            path: "k.c",
            old_lines: &old,
            new_lines: &new,
            expected_line: 5,
            file: Some(&file),
        };
        let diag = diagnose_hunk(&ctx, &NoTree, &EarlierFailures::default());
        assert_eq!(diag.cause, Cause::TargetChanged, "{diag:?}");
        // `return helper2(1, 0);` on line 6 is what conflicts.
        assert!(
            diag.conflict_lines.contains(&6),
            "{:?}",
            diag.conflict_lines
        );

        let mut b = Blamer::open(d).expect("open").expect("a repository");
        let names = b.blame_diagnosis("k.c", &diag).expect("blame");
        let head2 = Command::new("git")
            .args(["rev-parse", "HEAD~1"])
            .current_dir(d)
            .output()
            .expect("git rev-parse");
        let sha = String::from_utf8_lossy(&head2.stdout).trim().to_owned();
        // Expected value from git itself: HEAD~1 is "k: switch f() to helper2".
        assert_eq!(
            names,
            vec![format!("{} k: switch f() to helper2", &sha[..12])]
        );
    }

    #[test]
    fn a_tree_inside_another_repository_is_labelled_and_has_no_own_head() {
        let dir = tempfile::tempdir().expect("tempdir");
        let top = dir.path();
        let tree = top.join("linux");
        std::fs::create_dir(&tree).expect("mkdir");
        git(top, &["init", "-q"]);
        std::fs::write(tree.join("k.c"), "int a;\n").expect("write");
        git(top, &["add", "."]);
        git(top, &["commit", "-q", "-m", "outer: add linux/k.c"]);
        // HEAD belongs to the enclosing repository, not to the tree.
        assert_eq!(own_head(&tree), None);
        assert!(own_head(top).is_some());
        let b = Blamer::open(&tree).expect("open").expect("a repository");
        let shown = b.label(vec!["abc outer: add linux/k.c".into()]);
        assert!(
            shown[0].contains("enclosing repository") && shown[0].contains("not of the tree"),
            "{shown:?}"
        );
        let own = Blamer::open(top).expect("open").expect("a repository");
        assert_eq!(own.label(vec!["x".into()]), vec!["x".to_string()]);
    }

    #[test]
    fn not_a_repository_gives_none() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert!(Blamer::open(dir.path()).expect("no error").is_none());
    }
}
