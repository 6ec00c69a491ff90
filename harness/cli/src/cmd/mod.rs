//! One module per subcommand.
pub mod apply;
pub mod apply_render;
pub mod auto_tree;
pub mod boot;
pub mod build;
pub mod build_walk;
pub mod check;
pub mod checkpatch;
pub mod history;
pub mod kconfig;
pub mod matrix;
pub mod refresh;
pub mod refresh_check;
pub mod report;
pub mod select;
pub mod series;
pub mod tree;
