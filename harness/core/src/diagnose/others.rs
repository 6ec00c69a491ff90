//! The other files of the tree a diagnosis looks at (same-name files, the
//! files next to the target), read and indexed once for all the failed
//! hunks of one file instead of once per hunk.

use super::align::norm_ws;
use super::TreeLookup;
use std::cell::{OnceCell, RefCell};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

/// One other file: its text and the line sets searched in it.
pub struct OtherFile {
    pub text: String,
    first_trimmed: OnceCell<HashMap<String, usize>>,
    norm: OnceCell<HashSet<String>>,
}

impl OtherFile {
    fn new(text: String) -> Self {
        OtherFile {
            text,
            first_trimmed: OnceCell::new(),
            norm: OnceCell::new(),
        }
    }

    /// 0-based line of the first line equal to `trimmed` once trimmed.
    pub fn first_trimmed(&self, trimmed: &str) -> Option<usize> {
        let map = self.first_trimmed.get_or_init(|| {
            let mut m = HashMap::new();
            for (i, l) in self.text.lines().enumerate() {
                m.entry(l.trim().to_owned()).or_insert(i);
            }
            m
        });
        map.get(trimmed).copied()
    }

    /// Whether a line equals `normalised` once whitespace is removed.
    pub fn has_norm(&self, normalised: &str) -> bool {
        self.norm
            .get_or_init(|| self.text.lines().map(norm_ws).collect())
            .contains(normalised)
    }
}

/// A [`TreeLookup`] whose answers are kept: each path listed or read once.
pub struct OtherFiles<'t> {
    tree: &'t dyn TreeLookup,
    named: RefCell<HashMap<String, Vec<String>>>,
    in_dir: RefCell<HashMap<String, Vec<String>>>,
    files: RefCell<HashMap<String, Option<Rc<OtherFile>>>>,
}

impl<'t> OtherFiles<'t> {
    pub fn new(tree: &'t dyn TreeLookup) -> Self {
        OtherFiles {
            tree,
            named: RefCell::default(),
            in_dir: RefCell::default(),
            files: RefCell::default(),
        }
    }

    /// As [`TreeLookup::paths_named`].
    pub fn paths_named(&self, name: &str) -> Vec<String> {
        let mut named = self.named.borrow_mut();
        named
            .entry(name.to_owned())
            .or_insert_with(|| self.tree.paths_named(name))
            .clone()
    }

    /// As [`TreeLookup::paths_in_dir`].
    pub fn paths_in_dir(&self, dir: &str) -> Vec<String> {
        let mut in_dir = self.in_dir.borrow_mut();
        in_dir
            .entry(dir.to_owned())
            .or_insert_with(|| self.tree.paths_in_dir(dir))
            .clone()
    }

    /// As [`TreeLookup::read`], with the file's line sets.
    pub fn read(&self, path: &str) -> Option<Rc<OtherFile>> {
        let mut files = self.files.borrow_mut();
        files
            .entry(path.to_owned())
            .or_insert_with(|| self.tree.read(path).map(|t| Rc::new(OtherFile::new(t))))
            .clone()
    }
}
