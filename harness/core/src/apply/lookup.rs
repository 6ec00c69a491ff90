//! Trees for the diagnosis and for tests: the overlay of the series'
//! changes on the base tree, and a tree held in memory.

use super::*;

/// Read-only lookup over the base tree with the series' changes on top.
pub(super) struct OverlayLookup<'a> {
    pub(super) base: &'a dyn TreeLookup,
    pub(super) files: &'a BTreeMap<String, FileChange>,
}

impl TreeLookup for OverlayLookup<'_> {
    fn paths_named(&self, name: &str) -> Vec<String> {
        let mut set: BTreeSet<String> = self
            .base
            .paths_named(name)
            .into_iter()
            .filter(|p| !matches!(self.files.get(p), Some(FileChange::Delete)))
            .collect();
        for (p, c) in self.files {
            if matches!(c, FileChange::Write { .. }) && p.rsplit('/').next() == Some(name) {
                set.insert(p.clone());
            }
        }
        set.into_iter().collect()
    }
    fn paths_in_dir(&self, dir: &str) -> Vec<String> {
        let mut set: BTreeSet<String> = self
            .base
            .paths_in_dir(dir)
            .into_iter()
            .filter(|p| !matches!(self.files.get(p), Some(FileChange::Delete)))
            .collect();
        for (p, c) in self.files {
            let parent = p.rsplit_once('/').map_or("", |(d, _)| d);
            if matches!(c, FileChange::Write { .. }) && parent == dir {
                set.insert(p.clone());
            }
        }
        set.into_iter().collect()
    }
    fn read(&self, path: &str) -> Option<String> {
        match self.files.get(path) {
            Some(FileChange::Write { bytes, .. }) => {
                Some(String::from_utf8_lossy(bytes).into_owned())
            }
            Some(FileChange::Delete) => None,
            None => self.base.read(path),
        }
    }
}

/// A base tree held in memory (tests, fuzzing, small callers).
#[derive(Debug, Default, Clone)]
pub struct MemTree {
    pub files: BTreeMap<String, Vec<u8>>,
}

impl BaseTree for MemTree {
    fn read(&self, path: &str) -> Result<Option<BaseFile>, String> {
        Ok(self.files.get(path).map(|b| BaseFile {
            bytes: Arc::new(b.clone()),
            mode: None,
        }))
    }
    fn entry(&self, path: &str) -> Option<EntryKind> {
        if self.files.contains_key(path) {
            return Some(EntryKind::File);
        }
        let dir = format!("{path}/");
        self.files
            .keys()
            .any(|k| k.starts_with(&dir))
            .then_some(EntryKind::Dir)
    }
}

impl TreeLookup for MemTree {
    fn paths_named(&self, name: &str) -> Vec<String> {
        self.files
            .keys()
            .filter(|p| p.rsplit('/').next() == Some(name))
            .cloned()
            .collect()
    }
    fn read(&self, path: &str) -> Option<String> {
        self.files
            .get(path)
            .map(|b| String::from_utf8_lossy(b).into_owned())
    }
}
