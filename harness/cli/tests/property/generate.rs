//! Generated cases for `apply_property.rs`: a small tree, a series of edits
//! to it (each edit becomes one patch, written by `git diff` or `diff -urN`,
//! never by the harness), and a perturbation of the tree the series is then
//! applied to, so that hunks land at an offset, with fuzz, fail, or meet a
//! file that is missing or already there.

use proptest::prelude::*;
use proptest::sample::Index;
use std::collections::BTreeMap;

/// File names a case may use (no name is a directory of another).
pub const NAMES: &[&str] = &["a.c", "b.h", "d/e.c", "d/f.txt", "g/h.c"];

/// Look-alike lines: repeated often, so contexts match in several places.
const POOL: &[&str] = &["{", "}", "", "return 0;", "x++;", "int i;", "#endif"];

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct File {
    pub lines: Vec<String>,
    /// The last line ends with `\n`.
    pub eol: bool,
    pub exec: bool,
}

impl File {
    pub fn bytes(&self) -> Vec<u8> {
        let mut s = self.lines.join("\n");
        if self.eol {
            s.push('\n');
        }
        s.into_bytes()
    }
}

pub type Tree = BTreeMap<String, File>;

#[derive(Clone, Debug)]
pub enum LineEdit {
    Replace(Index, String),
    Insert(Index, String),
    Remove(Index),
}

#[derive(Clone, Debug)]
pub enum FileEdit {
    Modify(Vec<LineEdit>),
    Delete,
    /// Rename to one of `NAMES` (when free), with edits.
    Rename(Index, Vec<LineEdit>),
    /// Copy to one of `NAMES` (when free); the copy gets the edits.
    Copy(Index, Vec<LineEdit>),
    Chmod,
    ToggleEol(Vec<LineEdit>),
}

/// One patch of the series: edits of existing files, maybe a new file.
#[derive(Clone, Debug)]
pub struct Step {
    pub edits: Vec<(Index, FileEdit)>,
    pub create: Option<(Index, File)>,
}

/// A change of the tree the series is applied to (not of the patches).
#[derive(Clone, Debug)]
pub enum Perturb {
    /// Insert lines before a line: later hunks land at an offset.
    Shift(Index, Index, Vec<String>),
    /// Change one line: a context line (fuzz) or a removed one (failure).
    Replace(Index, Index, String),
    ToggleEol(Index),
    Remove(Index),
    /// A file the series may create is already there.
    Add(Index, File),
}

#[derive(Clone, Debug)]
pub struct Case {
    pub base: Tree,
    pub steps: Vec<Step>,
    pub perturb: Vec<Perturb>,
    /// `git diff -M -C` when true, else `diff -urN`.
    pub git: bool,
    /// Context lines (`-U`).
    pub context: usize,
}

fn line() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => (0..POOL.len()).prop_map(|i| POOL[i].to_string()),
        7 => (0u16..400).prop_map(|n| format!("line {n};")),
    ]
}

fn file() -> impl Strategy<Value = File> {
    (
        prop::collection::vec(line(), 1..24),
        prop::bool::weighted(0.75),
        prop::bool::weighted(0.1),
    )
        .prop_map(|(lines, eol, exec)| File { lines, eol, exec })
}

fn line_edit() -> impl Strategy<Value = LineEdit> {
    prop_oneof![
        (any::<Index>(), line()).prop_map(|(i, l)| LineEdit::Replace(i, l)),
        (any::<Index>(), line()).prop_map(|(i, l)| LineEdit::Insert(i, l)),
        any::<Index>().prop_map(LineEdit::Remove),
    ]
}

fn edits() -> impl Strategy<Value = Vec<LineEdit>> {
    prop::collection::vec(line_edit(), 0..5)
}

fn file_edit() -> impl Strategy<Value = FileEdit> {
    prop_oneof![
        8 => prop::collection::vec(line_edit(), 1..6).prop_map(FileEdit::Modify),
        1 => Just(FileEdit::Delete),
        2 => (any::<Index>(), edits()).prop_map(|(i, e)| FileEdit::Rename(i, e)),
        1 => (any::<Index>(), edits()).prop_map(|(i, e)| FileEdit::Copy(i, e)),
        1 => Just(FileEdit::Chmod),
        1 => edits().prop_map(FileEdit::ToggleEol),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    (
        prop::collection::vec((any::<Index>(), file_edit()), 1..3),
        prop::option::weighted(0.2, (any::<Index>(), file())),
    )
        .prop_map(|(edits, create)| Step { edits, create })
}

fn perturb() -> impl Strategy<Value = Perturb> {
    prop_oneof![
        4 => (any::<Index>(), any::<Index>(), prop::collection::vec(line(), 1..5))
            .prop_map(|(f, i, l)| Perturb::Shift(f, i, l)),
        4 => (any::<Index>(), any::<Index>(), line()).prop_map(|(f, i, l)| Perturb::Replace(f, i, l)),
        1 => any::<Index>().prop_map(Perturb::ToggleEol),
        1 => any::<Index>().prop_map(Perturb::Remove),
        1 => (any::<Index>(), file()).prop_map(|(n, f)| Perturb::Add(n, f)),
    ]
}

pub fn case() -> impl Strategy<Value = Case> {
    (
        prop::collection::btree_map(
            (0..NAMES.len()).prop_map(|i| NAMES[i].to_string()),
            file(),
            1..4,
        ),
        prop::collection::vec(step(), 1..3),
        prop::collection::vec(perturb(), 0..3),
        any::<bool>(),
        1usize..4,
    )
        .prop_map(|(base, steps, perturb, git, context)| Case {
            base,
            steps,
            perturb,
            git,
            context,
        })
}

fn pick(t: &Tree, i: &Index) -> Option<String> {
    let keys: Vec<&String> = t.keys().collect();
    (!keys.is_empty()).then(|| keys[i.index(keys.len())].clone())
}

fn free_name(t: &Tree, i: &Index) -> Option<String> {
    let n = NAMES[i.index(NAMES.len())];
    (!t.contains_key(n)).then(|| n.to_string())
}

fn edit_lines(f: &mut File, edits: &[LineEdit]) {
    for e in edits {
        let n = f.lines.len();
        match e {
            LineEdit::Replace(i, l) => f.lines[i.index(n)] = l.clone(),
            LineEdit::Insert(i, l) => f.lines.insert(i.index(n + 1), l.clone()),
            // Files keep at least one line: an empty file is a case of its own.
            LineEdit::Remove(i) if n > 1 => {
                f.lines.remove(i.index(n));
            }
            LineEdit::Remove(_) => {}
        }
    }
}

fn apply_edit(t: &mut Tree, name: &str, e: &FileEdit) {
    let Some(mut f) = t.get(name).cloned() else {
        return;
    };
    match e {
        FileEdit::Modify(ed) => edit_lines(&mut f, ed),
        FileEdit::Delete => {
            t.remove(name);
            return;
        }
        FileEdit::Rename(to, ed) | FileEdit::Copy(to, ed) => {
            let Some(to) = free_name(t, to) else { return };
            edit_lines(&mut f, ed);
            if matches!(e, FileEdit::Rename(..)) {
                t.remove(name);
            }
            t.insert(to, f);
            return;
        }
        FileEdit::Chmod => f.exec = !f.exec,
        FileEdit::ToggleEol(ed) => {
            edit_lines(&mut f, ed);
            f.eol = !f.eol;
        }
    }
    t.insert(name.to_string(), f);
}

/// The tree after `s`.
pub fn after_step(t: &Tree, s: &Step) -> Tree {
    let mut t = t.clone();
    for (i, e) in &s.edits {
        if let Some(name) = pick(&t, i) {
            apply_edit(&mut t, &name, e);
        }
    }
    if let Some((i, f)) = &s.create {
        if let Some(name) = free_name(&t, i) {
            t.insert(name, f.clone());
        }
    }
    t
}

/// The tree the series is applied to.
pub fn perturbed(case: &Case) -> Tree {
    let mut t = case.base.clone();
    for p in &case.perturb {
        match p {
            Perturb::Add(n, f) => {
                if let Some(name) = free_name(&t, n) {
                    t.insert(name, f.clone());
                }
                continue;
            }
            Perturb::Remove(i) => {
                if let Some(name) = pick(&t, i) {
                    t.remove(&name);
                }
                continue;
            }
            _ => {}
        }
        let (Perturb::Shift(i, ..) | Perturb::Replace(i, ..) | Perturb::ToggleEol(i)) = p else {
            continue;
        };
        let Some(f) = pick(&t, i).and_then(|n| t.get_mut(&n)) else {
            continue;
        };
        match p {
            Perturb::Shift(_, at, lines) => {
                let at = at.index(f.lines.len() + 1);
                f.lines.splice(at..at, lines.iter().cloned());
            }
            Perturb::Replace(_, at, l) => {
                let at = at.index(f.lines.len());
                f.lines[at] = l.clone();
            }
            _ => f.eol = !f.eol,
        }
    }
    t
}
