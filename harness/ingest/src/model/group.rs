//! Group the original postings (patches and cover letters not sent as
//! replies) into series: one posting per thread and version, postings
//! joined when they share a cover title, a patch title or a `change-id:`.

use super::classify::Role;
use super::thread::Thread;
use super::Message;
use crate::subject;
use std::collections::{BTreeMap, HashMap, HashSet};

fn is_original(roles: &[Role], i: usize) -> bool {
    matches!(roles.get(i), Some(Role::Patch | Role::Cover))
}

/// Posting key of each original message.
fn posting_keys(messages: &[Message], roles: &[Role], thread: &Thread) -> BTreeMap<usize, String> {
    let n = messages.len();
    let originals: Vec<usize> = (0..n).filter(|&i| is_original(roles, i)).collect();
    let roots: Vec<(usize, usize)> = originals.iter().map(|&i| (i, thread.root(i))).collect();
    // roots that other originals thread under (a first patch used as thread root)
    let mut under: HashMap<usize, usize> = HashMap::new();
    for &(j, r) in &roots {
        if j != r {
            *under.entry(r).or_default() += 1;
        }
    }
    let thread_roots: HashSet<usize> = under.into_keys().collect();
    let mut keys = BTreeMap::new();
    for &(i, root) in &roots {
        let Some(m) = messages.get(i) else { continue };
        let threaded = root != i || thread_roots.contains(&i) || roles.get(i) == Some(&Role::Cover);
        let key = if threaded {
            format!("thread:{root}:v{}", m.info.version)
        } else if let Some(t) = m.info.total {
            // one posting per (version, total): RT-style series mix authors
            format!("counter:v{}:{}", m.info.version, t)
        } else {
            format!(
                "single:v{}:{}",
                m.info.version,
                subject::normalise_title(&m.info.title)
            )
        };
        keys.insert(i, key);
    }
    keys
}

struct UnionFind(Vec<usize>);

impl UnionFind {
    fn find(&self, mut x: usize) -> usize {
        let mut guard = 0;
        while let Some(&px) = self.0.get(x) {
            if px == x || guard > self.0.len() {
                break;
            }
            x = px;
            guard += 1;
        }
        x
    }
    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            if let Some(slot) = self.0.get_mut(ra) {
                *slot = rb;
            }
        }
    }
}

/// Original messages of each series, series in order of first appearance.
pub(super) fn series_groups(
    messages: &[Message],
    roles: &[Role],
    thread: &Thread,
) -> Vec<Vec<usize>> {
    let posting = posting_keys(messages, roles, thread);
    let mut keys: Vec<&String> = posting.values().collect();
    keys.sort();
    keys.dedup();
    let index: HashMap<&str, usize> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| (k.as_str(), i))
        .collect();
    let key_idx = |k: &str| index.get(k).copied().unwrap_or(0);
    let mut uf = UnionFind((0..keys.len()).collect());
    let mut owner: HashMap<String, usize> = HashMap::new();
    for (&i, k) in &posting {
        let Some(m) = messages.get(i) else { continue };
        let cover = roles.get(i) == Some(&Role::Cover);
        let title = format!(
            "{}:{}",
            if cover { "cover" } else { "patch" },
            subject::normalise_title(&m.info.title)
        );
        let mut links = vec![title];
        if let Some(c) = &m.change_id {
            links.push(format!("change-id:{c}"));
        }
        let ki = key_idx(k);
        for l in links {
            match owner.get(&l) {
                Some(&other) => uf.union(ki, other),
                None => {
                    owner.insert(l, ki);
                }
            }
        }
    }
    let mut series_of_root: HashMap<usize, usize> = HashMap::new();
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for (&i, k) in &posting {
        let r = uf.find(key_idx(k));
        let sid = *series_of_root.entry(r).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        if let Some(g) = groups.get_mut(sid) {
            g.push(i);
        }
    }
    groups
}
