//! checkpatch on every patch of a series, as posted: the tree's own
//! `scripts/checkpatch.pl` (for `harness checkpatch` and a matrix series
//! with `checkpatch: true`).

use harness_checks::{CheckpatchReport, Options, RunError};
use std::path::Path;

/// checkpatch on every patch of `series` (in order) with `tree`'s script.
pub fn check_series(
    series: &harness_ingest::Series,
    tree: &Path,
    opts: &Options,
) -> Result<CheckpatchReport, RunError> {
    let script = harness_checks::run::script(tree)?;
    let mut report = CheckpatchReport::new(
        &series.name,
        &tree.display().to_string(),
        &script.display().to_string(),
    );
    for p in &series.patches {
        let run = harness_checks::run::run(tree, &p.content, &p.name, opts)?;
        run.add_to(&mut report, p.index, &p.name, p.subject.clone());
    }
    Ok(report)
}
