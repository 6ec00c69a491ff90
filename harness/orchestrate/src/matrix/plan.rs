//! What a matrix run will do, computed without running anything: the cells
//! (of this shard), the trees they need, the (series, tree) pairs to apply,
//! and, once the applies are known, the build units and the cells each
//! (unit, config) build serves.

use super::config::{CellPlan, MatrixConfig};
use super::stages::{BuildUnit, SourceKind};
use std::collections::{BTreeSet, HashMap};

/// One series on one tree: applied once, whatever the configs.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pair {
    pub series: String,
    pub tree: String,
}

impl std::fmt::Display for Pair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}@{}", self.series, self.tree)
    }
}

impl Pair {
    pub fn of(cell: &CellPlan) -> Pair {
        Pair {
            series: cell.series.clone(),
            tree: cell.tree.clone(),
        }
    }
}

/// The cells of a run and what they need first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Cells in id order (a run and the merge of its shards list them
    /// identically), only those of the shard when there is one.
    pub cells: Vec<CellPlan>,
    /// Trees some cell needs, by name.
    pub trees: Vec<String>,
    /// (series, tree) pairs to apply, in cell order.
    pub applies: Vec<Pair>,
}

/// How a pair applied, as far as planning builds is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplySummary {
    /// Every hunk is in the tree: the series' own worktree is built.
    pub passed: bool,
    pub source_key: String,
    pub from_mail: bool,
}

/// The build units of a run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Units {
    pub units: Vec<BuildUnit>,
    /// The unit each built pair's cells use.
    pub unit_of: HashMap<Pair, usize>,
}

/// File-safe form of an id: characters other than letters, digits, `.`,
/// `-`, `_` and `+` become `_`.
pub fn slug(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '+') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The key (and directory name) of a unit. Names are letters, digits, `.`,
/// `_` and `-` (checked at load), so `+` separates: `<tree>+<series>` for a
/// series worktree, `<tree>-base` for the base tree (no `+`): two different
/// units never share a key, whatever their names (a series named `base`,
/// or `a-b` on `c` beside `a` on `b-c`).
pub fn unit_key(tree: &str, kind: &SourceKind) -> String {
    match kind {
        SourceKind::Base => slug(&format!("{tree}-base")),
        SourceKind::Series(series) => slug(&format!("{tree}+{series}")),
    }
}

/// The file name stem of a (unit, config) build's logs: `<unit>+<config>`.
pub fn build_stem(unit_key: &str, config: &str) -> String {
    slug(&format!("{unit_key}+{config}"))
}

impl Plan {
    /// The cells of `cfg` (shard `i` of `n` when given).
    pub fn new(cfg: &MatrixConfig, shard: Option<(usize, usize)>) -> Plan {
        let mut cells = cfg.cells();
        cells.sort_by(|a, b| a.id.cmp(&b.id));
        if let Some((i, n)) = shard {
            let ids: Vec<String> = cells.iter().map(|p| p.id.clone()).collect();
            let keep = harness_report::shard::shard_filter(&ids, i, n).unwrap_or_default();
            cells = keep
                .into_iter()
                .filter_map(|k| cells.get(k).cloned())
                .collect();
        }
        let mut trees: BTreeSet<String> = cells.iter().map(|c| c.tree.clone()).collect();
        let mut applies: Vec<Pair> = Vec::new();
        for c in &cells {
            let pair = Pair::of(c);
            if !applies.contains(&pair) {
                applies.push(pair);
            }
        }
        // A `tree: auto` series is applied to every tree, whatever the
        // shard holds, so every shard picks the same tree.
        for c in cells.iter().filter(|c| c.auto_tree) {
            for t in &cfg.trees {
                let pair = Pair {
                    series: c.series.clone(),
                    tree: t.name.clone(),
                };
                if !applies.contains(&pair) {
                    applies.push(pair);
                    trees.insert(t.name.clone());
                }
            }
        }
        Plan {
            cells,
            trees: trees.into_iter().collect(),
            applies,
        }
    }

    /// The units to build: a series that applied builds its own worktree;
    /// one that did not builds the base tree (shared by all such series of
    /// the tree). With `baseline`, every tree that builds a series also
    /// builds its base tree. A pair with no summary (its apply errored) is
    /// not built.
    pub fn units(&self, applied: &HashMap<Pair, ApplySummary>, baseline: bool) -> Units {
        let mut out = Units::default();
        for cell in self.cells.iter().filter(|c| c.build) {
            let pair = Pair::of(cell);
            let Some(a) = applied
                .get(&pair)
                .filter(|_| !out.unit_of.contains_key(&pair))
            else {
                continue;
            };
            let (kind, source_key) = if a.passed {
                (
                    SourceKind::Series(pair.series.clone()),
                    a.source_key.clone(),
                )
            } else {
                (SourceKind::Base, "base".to_owned())
            };
            let idx = out.add(&pair.tree, kind, source_key, a.from_mail);
            out.unit_of.insert(pair, idx);
        }
        if baseline {
            self.add_baselines(&mut out);
        }
        out
    }

    /// A base-tree unit for every tree that builds a series, so each series
    /// cell has a baseline to compare its warnings with.
    fn add_baselines(&self, out: &mut Units) {
        let trees: Vec<String> = out
            .units
            .iter()
            .filter(|u| u.kind != SourceKind::Base)
            .map(|u| u.tree.clone())
            .collect();
        for t in trees {
            out.add(&t, SourceKind::Base, "base".to_owned(), false);
        }
    }

    /// The cells (indices into `self.cells`) each (unit, config) build
    /// serves; a unit no cell uses (a baseline) has none.
    pub fn cells_of(
        &self,
        units: &Units,
        configs: &[String],
    ) -> HashMap<(usize, usize), Vec<usize>> {
        let mut out: HashMap<(usize, usize), Vec<usize>> = HashMap::new();
        for (idx, cell) in self.cells.iter().enumerate() {
            let unit = units.unit_of.get(&Pair::of(cell));
            let config = configs.iter().position(|c| *c == cell.config);
            if let (Some(&u), Some(c)) = (unit, config) {
                out.entry((u, c)).or_default().push(idx);
            }
        }
        out
    }
}

impl Units {
    /// Add a unit (or, when one with its key exists, merge into it) and
    /// return its index.
    fn add(&mut self, tree: &str, kind: SourceKind, source_key: String, from_mail: bool) -> usize {
        let key = unit_key(tree, &kind);
        if let Some(i) = self.units.iter().position(|u| u.key == key) {
            self.units[i].from_mail |= from_mail;
            return i;
        }
        self.units.push(BuildUnit {
            key,
            tree: tree.to_owned(),
            kind,
            source_key,
            from_mail,
        });
        self.units.len() - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn cfg(yaml: &str) -> MatrixConfig {
        MatrixConfig::from_yaml(yaml, Path::new("m.yaml")).expect("config")
    }

    fn passed(key: &str) -> ApplySummary {
        ApplySummary {
            passed: true,
            source_key: key.into(),
            from_mail: false,
        }
    }

    fn failed() -> ApplySummary {
        ApplySummary {
            passed: false,
            source_key: "x".into(),
            from_mail: true,
        }
    }

    #[test]
    fn unit_keys_never_collide() {
        // With "{tree}-{series}", tree `a` + series `b-c` and tree `a-b` +
        // series `c` were both `a-b-c`, and a series named `base` was its
        // tree's base unit.
        let s = |x: &str| SourceKind::Series(x.into());
        let keys = [
            unit_key("a", &s("b-c")),
            unit_key("a-b", &s("c")),
            unit_key("t", &s("base")),
            unit_key("t", &SourceKind::Base),
            unit_key("t-base", &SourceKind::Base),
            unit_key("t", &s("base-base")),
        ];
        let distinct: BTreeSet<&String> = keys.iter().collect();
        assert_eq!(distinct.len(), keys.len(), "{keys:?}");
        assert_eq!(keys[0], "a+b-c");
        assert_eq!(keys[3], "t-base");
        // Keys are already file-safe.
        for k in &keys {
            assert_eq!(&slug(k), k);
        }
        assert_eq!(slug("a/b c"), "a_b_c");
    }

    #[test]
    fn cells_are_sorted_and_pairs_and_trees_listed_once() {
        let c = cfg(
            "trees: [{name: t2}, {name: t1}]\nseries: [{name: s, source: x}]\n\
                     configs: [{name: b, fragments: [f]}, {name: a, fragments: [f]}]\n",
        );
        let plan = Plan::new(&c, None);
        let ids: Vec<&str> = plan.cells.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["s@t1:a", "s@t1:b", "s@t2:a", "s@t2:b"]);
        assert_eq!(plan.trees, ["t1", "t2"]);
        assert_eq!(plan.applies.len(), 2);
        assert_eq!(plan.applies[0].to_string(), "s@t1");
    }

    #[test]
    fn shards_partition_the_cells() {
        let c = cfg("trees: [{name: t1}, {name: t2}, {name: t3}]\n\
                     series: [{name: s, source: x}, {name: r, source: y}]\n\
                     configs: [{name: a, fragments: [f]}]\n");
        let all = Plan::new(&c, None).cells;
        let mut union: Vec<CellPlan> = Vec::new();
        for i in 1..=3 {
            let part = Plan::new(&c, Some((i, 3)));
            assert!(!part.cells.is_empty(), "shard {i} is empty");
            // A shard's trees are only those its cells need.
            for t in &part.trees {
                assert!(part.cells.iter().any(|c| &c.tree == t));
            }
            union.extend(part.cells);
        }
        union.sort_by(|a, b| a.id.cmp(&b.id));
        assert_eq!(union, all, "each cell in exactly one shard");
    }

    #[test]
    fn a_failed_series_shares_the_base_unit_and_baselines_are_added() {
        let c = cfg("trees: [{name: t}, {name: ro, build: false}]\n\
                     series: [{name: good, source: g}, {name: bad, source: b}, {name: bad2, source: b2}]\n\
                     configs: [{name: a, fragments: [f]}, {name: z, fragments: [f]}]\n");
        let plan = Plan::new(&c, None);
        let pair = |s: &str, t: &str| Pair {
            series: s.into(),
            tree: t.into(),
        };
        let applied: HashMap<Pair, ApplySummary> = [
            (pair("good", "t"), passed("k1")),
            (pair("bad", "t"), failed()),
            (pair("bad2", "t"), failed()),
            (pair("good", "ro"), passed("k1")),
        ]
        .into();
        let units = plan.units(&applied, false);
        let keys: Vec<&str> = units.units.iter().map(|u| u.key.as_str()).collect();
        // bad and bad2 share t's base tree; nothing of the apply-only tree
        // `ro` is built...
        assert_eq!(keys, ["t-base", "t+good"]);
        // ...and the base unit is untrusted because a failed series was from mail.
        assert!(units.units[0].from_mail);
        let configs = ["a".to_owned(), "z".to_owned()];
        let cells_of = plan.cells_of(&units, &configs);
        // t-base with config a serves bad@t:a and bad2@t:a.
        let served: Vec<&str> = cells_of[&(0, 0)]
            .iter()
            .map(|&i| plan.cells[i].id.as_str())
            .collect();
        assert_eq!(served, ["bad2@t:a", "bad@t:a"]);
        // Only good builds its own tree: with `baseline`, its base is built
        // too; a base unit that exists already is not added twice.
        let only_good: HashMap<Pair, ApplySummary> = [(pair("good", "t"), passed("k1"))].into();
        let with_base = plan.units(&only_good, true);
        let keys: Vec<&str> = with_base.units.iter().map(|u| u.key.as_str()).collect();
        assert_eq!(keys, ["t+good", "t-base"]);
        assert!(plan
            .cells_of(&with_base, &configs)
            .keys()
            .all(|(u, _)| *u == 0));
        assert_eq!(plan.units(&applied, true).units.len(), 2);
    }
}
