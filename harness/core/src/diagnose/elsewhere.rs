//! When the best place for a hunk in its own file is no real match (a few
//! generic lines such as `}`, a blank line or the SPDX header line up), the
//! diagnosis says so instead of pointing at that place, and looks for the
//! hunk's distinctive lines in the files where kernel code usually moves:
//! files of the same name elsewhere (`include/linux/x.h` ->
//! `include/uapi/linux/x.h`) and the files next to it.

use super::align::is_generic;
use super::others::OtherFiles;
use super::{Cause, Diagnosis, HunkContext};

/// Below this share of the preimage found at the best place, the alignment
/// is noise: fewer than two lines in five line up, which generic lines alone
/// reach in most C files. Real rewrites the diagnosis explains keep more
/// (the PREEMPT_RT hunks on linux-6.12 that say "rewritten" match 0.55-0.9).
pub const PLAUSIBLE_SCORE: f64 = 0.4;

/// At most this many candidate files are read (same-name files first).
const MAX_FILES: usize = 64;

/// Where the hunk's distinctive lines were found in another file.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub path: String,
    /// 1-based line of the first distinctive line found.
    pub line: usize,
    pub matched: usize,
    pub of: usize,
    pub example: String,
}

/// Lines specific enough to search for: not generic, not short.
fn distinctive<'a>(old: &[&'a str]) -> Vec<&'a str> {
    old.iter()
        .copied()
        .filter(|l| !is_generic(l) && l.trim().len() >= 8)
        .collect()
}

/// `arch/x86/...` and `arch/arm/...`: code never moves from one
/// architecture's directory to another's, but look-alike copies abound.
fn other_arch(path: &str, cand: &str) -> bool {
    let arch = |p: &str| {
        p.strip_prefix("arch/")
            .and_then(|r| r.split('/').next().map(str::to_owned))
    };
    match (arch(path), arch(cand)) {
        (Some(a), Some(b)) => a != b,
        _ => false,
    }
}

fn candidates(path: &str, tree: &OtherFiles<'_>) -> Vec<String> {
    let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
    let mut out: Vec<String> = tree.paths_named(name);
    out.extend(tree.paths_in_dir(dir));
    out.retain(|p| p != path && !other_arch(path, p));
    let mut seen = std::collections::HashSet::new();
    out.retain(|p| seen.insert(p.clone()));
    out.truncate(MAX_FILES);
    out
}

/// The other file holding most of `lines` (trimmed, exact), if any holds one.
pub fn search(path: &str, old: &[&str], tree: &OtherFiles<'_>) -> Option<Found> {
    let want = distinctive(old);
    if want.is_empty() {
        return None;
    }
    let mut best: Option<Found> = None;
    for cand in candidates(path, tree) {
        let Some(other) = tree.read(&cand) else {
            continue;
        };
        let hits: Vec<(usize, &str)> = want
            .iter()
            .filter_map(|w| other.first_trimmed(w.trim()).map(|i| (i, *w)))
            .collect();
        let Some(&(first, example)) = hits.iter().min_by_key(|(i, _)| *i) else {
            continue;
        };
        if best.as_ref().is_none_or(|b| hits.len() > b.matched) {
            best = Some(Found {
                path: cand,
                line: first + 1,
                matched: hits.len(),
                of: want.len(),
                example: example.trim().to_owned(),
            });
        }
    }
    best
}

/// The diagnosis for a hunk whose best alignment in its file is below
/// [`PLAUSIBLE_SCORE`]; `None` when the alignment is plausible.
pub fn no_plausible_match(
    h: &HunkContext<'_>,
    tree: &OtherFiles<'_>,
    d: &Diagnosis,
) -> Option<Diagnosis> {
    let score = d.closest.as_ref().map_or(0.0, |c| c.score);
    if score >= PLAUSIBLE_SCORE || h.old_lines.is_empty() {
        return None;
    }
    let mut out = Diagnosis::new(Cause::TargetChanged, String::new());
    out.closest = d.closest.clone();
    let head = format!(
        "no plausible match in {}: at best {:.0}% of the hunk's {} preimage lines line up anywhere in it, too few to say where its code went",
        h.path,
        score * 100.0,
        h.old_lines.len()
    );
    // A move is claimed only when most of the distinctive lines (and at
    // least two) are together in one other file; one shared line is chance.
    let moved =
        search(h.path, h.old_lines, tree).filter(|f| f.matched >= 2 && 2 * f.matched >= f.of);
    match moved {
        Some(f) => {
            out.summary = format!(
                "{head}; {} of its {} distinctive lines are in {} (from line {}, e.g. `{}`): the code probably moved there",
                f.matched, f.of, f.path, f.line, f.example
            );
            out.next_step = format!(
                "check {}:{} and, if the code moved there, retarget the hunk to that file (rewrite its `---`/`+++` lines) and refresh it",
                f.path, f.line
            );
            out.moved_to = Some(f.path);
        }
        None => {
            out.summary = format!(
                "{head}; none of its distinctive lines is in another file of that name or in the same directory: the code was removed or moved further"
            );
            out.next_step = "search the tree for the hunk's distinctive lines (`git grep -F`) or find the commit that removed them (`git log -S`), then rebase the patch".into();
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apply::MemTree;
    use crate::diagnose::{diagnose_hunk, EarlierFailures};

    const OLD: [&str; 7] = [
        "/* SPDX-License-Identifier: GPL-2.0 */",
        "#define CLONE_NEWNET\t0x40000000\t/* New network namespace */",
        "#define CLONE_NEWCGROUP\t0x02000000\t/* New cgroup namespace */",
        "",
        "struct clone_args {",
        "\t__aligned_u64 flags;",
        "};",
    ];

    fn tree(with_moved: bool) -> MemTree {
        let mut t = MemTree::default();
        // The header the hunk targets kept only its SPDX line and generic lines.
        let sched = "/* SPDX-License-Identifier: GPL-2.0 */\n#ifndef _LINUX_SCHED_H\n#define _LINUX_SCHED_H\n\n#include <uapi/linux/sched.h>\n\n}\n#endif\n";
        t.files
            .insert("include/linux/sched.h".into(), sched.as_bytes().to_vec());
        if with_moved {
            let uapi: String = format!(
                "/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */\n#ifndef _UAPI_LINUX_SCHED_H\n{}\n{}\n\nstruct clone_args {{\n\t__aligned_u64 flags;\n\t__aligned_u64 pidfd;\n}};\n#endif\n",
                OLD[1], OLD[2]
            );
            t.files
                .insert("include/uapi/linux/sched.h".into(), uapi.into_bytes());
        }
        t
    }

    fn diagnose(t: &MemTree) -> Diagnosis {
        let file_text = String::from_utf8(t.files["include/linux/sched.h"].clone()).expect("utf8");
        let file: Vec<&str> = file_text.lines().collect();
        let mut new = OLD.to_vec();
        new.insert(
            3,
            "#define CLONE_NEWTIME\t0x00000080\t/* New time namespace */",
        );
        let h = HunkContext {
            path: "include/linux/sched.h",
            old_lines: &OLD,
            new_lines: &new,
            expected_line: 1,
            file: Some(&file),
        };
        diagnose_hunk(&h, t, &EarlierFailures::default())
    }

    #[test]
    fn a_weak_match_says_so_and_names_the_file_the_code_moved_to() {
        let d = diagnose(&tree(true));
        assert_eq!(d.cause, Cause::TargetChanged, "{d:?}");
        assert!(
            d.summary
                .starts_with("no plausible match in include/linux/sched.h"),
            "{}",
            d.summary
        );
        assert_eq!(
            d.moved_to.as_deref(),
            Some("include/uapi/linux/sched.h"),
            "{d:?}"
        );
        // Five distinctive lines (the SPDX line, two #defines, the struct
        // line, the member); the uapi header has all but the SPDX line, whose
        // licence differs there.
        assert!(
            d.summary.contains("4 of its 5 distinctive lines"),
            "{}",
            d.summary
        );
        assert!(
            !d.next_step.contains("code now at line 1"),
            "{}",
            d.next_step
        );
    }

    #[test]
    fn another_architectures_copy_is_not_a_move() {
        assert!(other_arch(
            "arch/powerpc/include/asm/x.h",
            "arch/loongarch/include/asm/x.h"
        ));
        assert!(!other_arch(
            "arch/x86/include/asm/x.h",
            "arch/x86/include/uapi/asm/x.h"
        ));
        assert!(!other_arch("include/linux/x.h", "arch/x86/include/asm/x.h"));
    }

    #[test]
    fn one_shared_line_is_not_a_move() {
        let mut t = tree(false);
        // A header of the same name elsewhere shares one #define only.
        t.files.insert(
            "tools/include/linux/sched.h".into(),
            format!("{}\nint unrelated;\n", OLD[1]).into_bytes(),
        );
        assert_eq!(
            search("include/linux/sched.h", &OLD, &OtherFiles::new(&t)).map(|f| f.matched),
            Some(1)
        );
        let d = diagnose(&t);
        assert_eq!(d.moved_to, None, "{d:?}");
        assert!(
            d.summary.contains("none of its distinctive lines"),
            "{}",
            d.summary
        );
    }

    #[test]
    fn a_weak_match_with_nowhere_else_says_so_too() {
        let d = diagnose(&tree(false));
        assert!(d.summary.starts_with("no plausible match"), "{}", d.summary);
        assert!(
            d.summary.contains("none of its distinctive lines"),
            "{}",
            d.summary
        );
        assert_eq!(d.moved_to, None);
    }
}
