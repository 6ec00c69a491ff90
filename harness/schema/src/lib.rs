//! harness-schema: the output types of every `harness.*/N` JSON document
//! harness writes, each documented where it is defined (the field tables in
//! `docs/contract.md` §3 follow these types). Stage crates build these values
//! and re-export them; readers of harness's JSON (CI scripts, dashboards,
//! `harness report`) depend on this crate alone.
//!
//! Every top-level document has a `schema` string `harness.<name>/<major>`;
//! within a major, fields are only added (contract §3.1).

pub mod apply;
pub mod boot;
pub mod build;
pub mod checkpatch;
pub mod compare;
pub mod diagnosis;
pub mod history;
pub mod kconfig;
pub mod matrix;
pub mod pathbytes;
pub mod refresh;
pub mod refresh_check;
pub mod status;
pub mod tree_pin;
pub mod trees;
pub mod walk;

/// Every schema name this crate defines, in the order of contract §3.1.
pub const SCHEMAS: [&str; 13] = [
    apply::APPLY_SCHEMA,
    refresh_check::REFRESH_CHECK_SCHEMA,
    refresh::REFRESH_SCHEMA,
    boot::BOOT_SCHEMA,
    kconfig::KCONFIG_SCHEMA,
    build::BUILD_SCHEMA,
    tree_pin::PIN_SCHEMA,
    trees::TREES_SCHEMA,
    matrix::MATRIX_SCHEMA,
    compare::COMPARE_SCHEMA,
    checkpatch::CHECKPATCH_SCHEMA,
    walk::WALK_SCHEMA,
    history::HISTORY_SCHEMA,
];

#[cfg(test)]
mod tests {
    /// The contract's table of documents (§3.1) names exactly the schemas
    /// defined here, plus `harness.series/1` (still ingest's): a schema
    /// renamed or bumped in code but not in the contract fails here.
    #[test]
    fn the_contract_table_names_every_schema_defined_here() {
        let contract = include_str!("../../../docs/contract.md");
        let start = contract
            .find("| schema | written by |")
            .expect("the §3.1 table");
        let table: Vec<&str> = contract[start..]
            .lines()
            .skip(2)
            .take_while(|l| l.starts_with('|'))
            .filter_map(|l| l.split('`').nth(1))
            .filter(|s| s.starts_with("harness."))
            .collect();
        let mut want: Vec<&str> = super::SCHEMAS.to_vec();
        want.push("harness.series/1");
        let (mut got, mut want_sorted) = (table.clone(), want.clone());
        got.sort_unstable();
        want_sorted.sort_unstable();
        assert_eq!(got, want_sorted, "contract §3.1 table vs harness-schema");
    }
}
