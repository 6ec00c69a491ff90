//! harness-trees
