//! The extracted-tree checks of `verify`: the listing (names, sizes, exec
//! bits, symlink targets) and the content (every file's sha256) against the
//! manifest recorded at fetch.

use crate::cache::{
    inner_tarball, pin_matches, url_basename, BaseTree, Check, TreeCache, VerifyReport,
};
use crate::manifest::{self, Manifest};
use crate::spec::{TreeSource, TreeSpec};
use crate::util::{sha256_file, sha256_in_deb};
use crate::Result;
use std::path::{Path, PathBuf};

impl TreeCache {
    /// Verify a cached tree: package/tarball hashes against the pin and the
    /// extracted tree against the manifest recorded at extraction.
    pub fn verify(&self, spec: &TreeSpec) -> Result<VerifyReport> {
        let name = &spec.name;
        let mut checks = Vec::new();
        let report = |checks: Vec<Check>| VerifyReport {
            name: name.clone(),
            kind: spec.source.kind().into(),
            pinned: spec.source.pinned(),
            ok: checks.iter().all(|c| c.ok),
            checks,
        };
        if let TreeSource::Directory { path } = &spec.source {
            checks.push(Check {
                what: "directory (unpinned: nothing to verify against)".into(),
                path: path.clone(),
                ok: path.is_dir(),
                expected: None,
                actual: None,
                message: (!path.is_dir()).then(|| "does not exist".into()),
            });
            return Ok(report(checks));
        }
        let pin_path = self.pin_path(name);
        let Some(pin) = self.read_pin(name) else {
            checks.push(Check {
                what: "pin.json".into(),
                path: pin_path,
                ok: false,
                expected: None,
                actual: None,
                message: Some(format!("not fetched: run `harness tree fetch {name}`")),
            });
            return Ok(report(checks));
        };
        checks.push(Check {
            what: "pin.json matches the tree definition".into(),
            path: pin_path,
            ok: pin_matches(spec, &pin),
            expected: Some(spec.source.pin_summary()),
            actual: Some(format!(
                "{} {}",
                pin.version
                    .clone()
                    .or(pin.commit.clone())
                    .unwrap_or_default(),
                pin.sha256.clone().unwrap_or_default()
            )),
            message: None,
        });
        match &spec.source {
            TreeSource::Debian {
                package,
                sha256,
                tarball,
                ..
            } => {
                let inner = inner_tarball(package, tarball.as_deref());
                let deb = self
                    .downloads_dir()
                    .join(pin.deb.clone().unwrap_or_default());
                checks.push(hash_check(
                    "package file",
                    &deb,
                    pin.deb_sha256.as_deref(),
                    sha256_file(&deb),
                ));
                checks.push(hash_check(
                    &format!("source tarball ./{inner} inside package"),
                    &deb,
                    Some(sha256),
                    sha256_in_deb(&deb, &inner),
                ));
            }
            TreeSource::Tarball { path, url, sha256 } => {
                let file = match (path, url) {
                    (Some(p), _) => p.clone(),
                    (None, Some(u)) => self.downloads_dir().join(url_basename(u)),
                    (None, None) => PathBuf::new(),
                };
                checks.push(hash_check(
                    "source tarball",
                    &file,
                    Some(sha256),
                    sha256_file(&file),
                ));
            }
            _ => {}
        }
        let tree = self.tree_path(name);
        checks.extend(crate::verify::tree_checks(&tree, pin.manifest.as_ref()));
        Ok(report(checks))
    }
}

fn hash_check(what: &str, path: &Path, expected: Option<&str>, actual: Result<String>) -> Check {
    let (actual, message) = match actual {
        Ok(a) => (Some(a), None),
        Err(e) => (None, Some(e.to_string())),
    };
    Check {
        what: what.to_owned(),
        path: path.to_owned(),
        ok: matches!((expected, &actual), (Some(e), Some(a)) if e.eq_ignore_ascii_case(a)),
        expected: expected.map(str::to_owned),
        actual,
        message: message.or_else(|| expected.is_none().then(|| "no recorded hash".into())),
    }
}

/// Both checks for the tree at `tree`; `expected` is the pin's manifest.
pub(crate) fn tree_checks(tree: &Path, expected: Option<&Manifest>) -> Vec<Check> {
    let entries = manifest::walk(tree, true);
    let listing = entries.as_ref().map(|e| crate::manifest::of(e));
    let describe = |m: &Manifest| {
        format!(
            "{} files, {} bytes, manifest {}",
            m.files, m.bytes, m.sha256
        )
    };
    let mut out = vec![Check {
        what: "extracted tree listing (names, sizes, exec bits vs. manifest recorded at fetch)"
            .into(),
        path: tree.to_owned(),
        ok: matches!((&listing, expected), (Ok(a), Some(e)) if *a == e.listing()),
        expected: expected.map(describe),
        actual: listing.as_ref().ok().map(describe),
        message: match &listing {
            Err(e) => Some(e.to_string()),
            Ok(_) if expected.is_none() => Some("pin.json has no manifest".into()),
            Ok(_) => None,
        },
    }];
    let want = expected.and_then(|m| m.content_sha256.clone());
    let got = match (&entries, &want) {
        (Ok(e), Some(_)) => Some(manifest::content_hash(tree, e)),
        _ => None,
    };
    out.push(Check {
        what: "extracted tree content (sha256 of every file vs. manifest recorded at fetch)".into(),
        path: tree.to_owned(),
        ok: matches!((&got, &want), (Some(Ok(g)), Some(w)) if g == w),
        expected: want.clone(),
        actual: match &got {
            Some(Ok(g)) => Some(g.clone()),
            _ => None,
        },
        message: match (&got, &want) {
            (Some(Err(e)), _) => Some(e.to_string()),
            (_, None) => Some(
                "pin.json records no content hash (fetched by an older harness): run \
                 `harness tree fetch` for this tree to record one (it re-extracts the tree \
                 from the kept download)"
                    .into(),
            ),
            (Some(Ok(g)), Some(w)) if g != w => {
                Some("a file's content changed since the tree was fetched".into())
            }
            _ => None,
        },
    });
    out
}

impl crate::BaseTree {
    /// The cheap check before each use of a cached tree: every file's size and
    /// mtime against the fingerprint recorded at fetch (one lstat per file,
    /// no reads). A tree changed in place since (a build that wrote through a
    /// hard link, say) is refused, naming the tree and a file that changed;
    /// `harness tree verify` then tells more. Unpinned directories and pins
    /// from older versions (no fingerprint) pass.
    pub fn check_fingerprint(&self) -> crate::Result<()> {
        let Some(want) = self
            .provenance
            .manifest
            .as_ref()
            .and_then(|m| m.stat_sha256.as_deref())
        else {
            return Ok(());
        };
        let entries = manifest::walk(&self.path, true)?;
        if manifest::stat_hash(&entries) == want {
            return Ok(());
        }
        let list = self.path.parent().map(|d| d.join(manifest::STAT_LIST));
        let what = list
            .and_then(|l| std::fs::read_to_string(l).ok())
            .and_then(|recorded| first_changed(&recorded, &entries))
            .unwrap_or_else(|| newest_file(&entries));
        Err(crate::Error::tree(
            &self.name,
            format!(
                "the cached tree {} changed since it was fetched ({what}): refusing to use \
                 it. `harness tree verify {}` shows what; remove its cache directory \
                 and fetch it again",
                self.path.display(),
                self.name
            ),
        ))
    }
}

/// The first file (by path) whose size or mtime differs from the list
/// recorded at fetch, or that was added or removed since.
impl BaseTree {
    /// [`BaseTree::check_fingerprint`] for the files `rels` only (paths
    /// relative to the tree): each must have the size and mtime the fetch
    /// recorded in its stat list, or be absent from both. For a command that
    /// reads only those files. Without a recorded list the whole tree is
    /// checked; without a fingerprint (unpinned, old pins) nothing is.
    pub fn check_files<'a>(&self, rels: impl IntoIterator<Item = &'a Path>) -> crate::Result<()> {
        let fingerprinted =
            (self.provenance.manifest.as_ref()).is_some_and(|m| m.stat_sha256.is_some());
        if !fingerprinted {
            return Ok(());
        }
        let list = self.path.parent().map(|d| d.join(manifest::STAT_LIST));
        let Some(recorded) = list.and_then(|l| std::fs::read(l).ok()) else {
            return self.check_fingerprint();
        };
        let wanted: std::collections::BTreeSet<String> = rels
            .into_iter()
            .map(|r| r.to_string_lossy().into_owned())
            .collect();
        let before: std::collections::HashMap<&str, String> = wanted
            .iter()
            .filter_map(|rel| {
                let stat = recorded_stat(&recorded, rel.as_bytes())?;
                Some((rel.as_str(), String::from_utf8_lossy(stat).into_owned()))
            })
            .collect();
        for rel in &wanted {
            let now = file_stat(&self.path.join(rel));
            if before.get(rel.as_str()) != now.as_ref() {
                let was = before.get(rel.as_str()).map_or("absent", String::as_str);
                let is = now.as_deref().unwrap_or("absent or not a regular file");
                return Err(crate::Error::tree(
                    &self.name,
                    format!(
                        "the cached tree {} changed since it was fetched ({rel}: {was} then, \
                         {is} now): refusing to use it. `harness tree verify {}` shows what; \
                         remove its cache directory and fetch it again",
                        self.path.display(),
                        self.name
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// The `SIZE MTIME` the stat list `list` records for `path`, if any. The list
/// is sorted by path (see `manifest::stat_list`), so a binary search over its
/// lines finds it without reading the 80,000 lines of a kernel tree one by
/// one (that parse was a quarter of `harness apply`'s run). A path the search
/// misses is looked for by a full scan before it counts as absent: a line the
/// order does not hold for (a lossy non-UTF-8 name) must not turn a file
/// removed from the tree into "absent then, absent now".
fn recorded_stat<'l>(list: &'l [u8], path: &[u8]) -> Option<&'l [u8]> {
    search_sorted(list, path).or_else(|| scan_all(list, path))
}

/// Splits one `SIZE MTIME PATH` line into (`SIZE MTIME`, `PATH`).
fn stat_fields(line: &[u8]) -> Option<(&[u8], &[u8])> {
    let first = memchr::memchr(b' ', line)?;
    let second = first + 1 + memchr::memchr(b' ', &line[first + 1..])?;
    Some((&line[..second], &line[second + 1..]))
}

/// Binary search over the lines of `list`; `lo` is always a line start.
fn search_sorted<'l>(list: &'l [u8], path: &[u8]) -> Option<&'l [u8]> {
    let (mut lo, mut hi) = (0, list.len());
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let start = memchr::memrchr(b'\n', &list[lo..mid]).map_or(lo, |i| lo + i + 1);
        let end = memchr::memchr(b'\n', &list[start..]).map_or(list.len(), |i| start + i);
        let (stat, line_path) = stat_fields(&list[start..end])?;
        match line_path.cmp(path) {
            std::cmp::Ordering::Equal => return Some(stat),
            std::cmp::Ordering::Less => lo = end + 1,
            std::cmp::Ordering::Greater => hi = start,
        }
    }
    None
}

/// Every line of `list` that ends in ` PATH`, checked field by field.
fn scan_all<'l>(list: &'l [u8], path: &[u8]) -> Option<&'l [u8]> {
    let needle = [b" ", path, b"\n"].concat();
    memchr::memmem::find_iter(list, &needle).find_map(|at| {
        let start = memchr::memrchr(b'\n', &list[..at]).map_or(0, |i| i + 1);
        let line = &list[start..at + needle.len() - 1];
        stat_fields(line).and_then(|(stat, p)| (p == path).then_some(stat))
    })
}

/// `SIZE MTIME` of a regular file as the stat list records it; None when it
/// is absent or not a regular file.
fn file_stat(p: &Path) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let md = std::fs::symlink_metadata(p).ok().filter(|m| m.is_file())?;
    Some(format!(
        "{} {}.{:09}",
        md.len(),
        md.mtime(),
        md.mtime_nsec()
    ))
}

fn first_changed(recorded: &str, entries: &[manifest::Entry]) -> Option<String> {
    let split = |l: &str| {
        let mut w = l.splitn(3, ' ');
        let (size, mtime, path) = (w.next()?, w.next()?, w.next()?);
        Some((path.to_owned(), format!("{size} {mtime}")))
    };
    let before: std::collections::BTreeMap<String, String> =
        recorded.lines().filter_map(split).collect();
    let now: std::collections::BTreeMap<String, String> = entries
        .iter()
        .filter(|e| e.kind == manifest::Kind::File)
        .filter_map(|e| split(&manifest::stat_line(e)))
        .collect();
    let changed = before.iter().find_map(|(path, stat)| match now.get(path) {
        None => Some(format!("{path} was removed")),
        Some(s) if s != stat => Some(format!("{path}: size/mtime {stat} then, {s} now")),
        _ => None,
    });
    changed.or_else(|| {
        now.keys()
            .find(|p| !before.contains_key(*p))
            .map(|p| format!("{p} was added"))
    })
}

/// Without the recorded list (a pin from an older version): the file
/// written last, most likely the one changed in place.
fn newest_file(entries: &[manifest::Entry]) -> String {
    entries
        .iter()
        .filter(|e| e.kind == manifest::Kind::File)
        .max_by_key(|e| e.mtime)
        .map(|e| {
            format!(
                "a file's size or mtime differs; the newest is {}",
                e.rel.display()
            )
        })
        .unwrap_or_else(|| "a file's size or mtime differs".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A list as `manifest::stat_list` writes it: sorted by path, bytewise
    /// ("Makefile" < "a b/c" < "a/x" because 'M' < 'a' and ' ' < '/').
    const LIST: &[u8] = b"1 10.000000000 Makefile\n\
        2 20.000000000 a b/c\n\
        3 30.000000000 a/x\n\
        4 40.000000000 a/y\n\
        5 50.000000000 zz\n";

    #[test]
    fn every_recorded_path_is_found_by_the_search() {
        for (path, stat) in [
            ("Makefile", "1 10.000000000"),
            ("a b/c", "2 20.000000000"),
            ("a/x", "3 30.000000000"),
            ("a/y", "4 40.000000000"),
            ("zz", "5 50.000000000"),
        ] {
            let got = search_sorted(LIST, path.as_bytes());
            assert_eq!(got, Some(stat.as_bytes()), "{path}");
        }
    }

    #[test]
    fn paths_not_recorded_are_absent() {
        for path in ["", "A", "a", "a/", "a/xx", "b/c", "zzz", "c", "x"] {
            assert_eq!(recorded_stat(LIST, path.as_bytes()), None, "{path}");
        }
    }

    #[test]
    fn a_line_out_of_order_is_still_found_by_the_scan() {
        // "m" sits after "zz": the binary search cannot see it, the scan does,
        // and a suffix of another path ("a b/c" ends in " b/c") is no match.
        let list = [LIST, b"6 60.000000000 m\n"].concat();
        assert_eq!(search_sorted(&list, b"m"), None);
        assert_eq!(recorded_stat(&list, b"m"), Some(&b"6 60.000000000"[..]));
        assert_eq!(recorded_stat(&list, b"b/c"), None);
    }
}
