//! Load-time checks of a matrix configuration against the project: every
//! tree is defined, every series source exists and holds patches, every
//! `take` range fits its series. A failure here is a configuration error
//! (the caller exits 2 naming the file), not a `malformed` cell.

use super::config::MatrixConfig;
use super::real::RealStages;

impl RealStages {
    /// Check `cfg` (already narrowed by any `--tree/--series/--kconfig`
    /// filter) before anything runs. The error names the entry and reason;
    /// the caller adds the file.
    pub fn check_config(&self, cfg: &MatrixConfig) -> Result<(), String> {
        for t in &cfg.trees {
            if self.specs.get(&t.name).is_none() {
                let known = self.specs.names();
                return Err(format!(
                    "tree `{}` is not defined{} (known: {}); define it in trees.yaml",
                    t.name,
                    harness_trees::suggestion(&t.name, known.iter().map(String::as_str)),
                    known.join(", ")
                ));
            }
        }
        for s in &cfg.series {
            let path = self.series_path(s);
            if !path.exists() {
                return Err(format!(
                    "series `{}`: source `{}` not found ({} does not exist)",
                    s.name,
                    s.source,
                    path.display()
                ));
            }
            let series = s
                .load_source(&path)
                .map_err(|e| format!("series `{}`: source `{}`: {e}", s.name, s.source))?;
            let n = series.patches.len();
            if n == 0 {
                return Err(format!(
                    "series `{}`: source `{}` holds no patches",
                    s.name, s.source
                ));
            }
            if let Some((a, b)) = s.take_range()? {
                if b > n {
                    return Err(format!(
                        "series `{}`: take {a}-{b} is out of range: `{}` has {n} patches",
                        s.name, s.source
                    ));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    const PATCH: &str = "--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+b\n";

    fn stages(root: &Path) -> RealStages {
        RealStages::new(
            root.to_path_buf(),
            root.join("cache"),
            Default::default(),
            Default::default(),
        )
        .expect("stages")
    }

    fn cfg(series: &str, tree: &str) -> MatrixConfig {
        let y = format!(
            "trees: [{{name: {tree}}}]\nseries: [{series}]\nconfigs: [{{name: c, fragments: [f]}}]\n"
        );
        MatrixConfig::from_yaml(&y, Path::new("m.yaml")).expect("parses")
    }

    fn fixture() -> tempfile::TempDir {
        let d = tempfile::tempdir().expect("tmp");
        std::fs::create_dir_all(d.path().join("patches/two")).expect("mkdir");
        for n in ["0001-a.patch", "0002-b.patch"] {
            std::fs::write(d.path().join("patches/two").join(n), PATCH).expect("write");
        }
        std::fs::create_dir_all(d.path().join("patches/empty")).expect("mkdir");
        d
    }

    #[test]
    fn a_good_config_passes() {
        let d = fixture();
        let st = stages(d.path());
        // linux-6.1 is a built-in tree definition; nothing is fetched here.
        let c = cfg("{name: s, source: two, take: 1-2}", "linux-6.1");
        assert_eq!(st.check_config(&c), Ok(()));
    }

    #[test]
    fn config_errors_are_found_before_anything_runs() {
        let d = fixture();
        let st = stages(d.path());
        let cases = [
            (
                "{name: s, source: two}",
                "nosuchtree",
                "tree `nosuchtree` is not defined",
            ),
            ("{name: s, source: missing}", "linux-6.1", "not found"),
            (
                "{name: s, source: empty}",
                "linux-6.1",
                "series `s`: source `empty`",
            ),
            (
                "{name: s, source: two, take: 1-3}",
                "linux-6.1",
                "take 1-3 is out of range",
            ),
        ];
        for (series, tree, want) in cases {
            let err = st
                .check_config(&cfg(series, tree))
                .expect_err("must be refused");
            assert!(err.contains(want), "{series} on {tree}: {err}");
        }
    }
}
