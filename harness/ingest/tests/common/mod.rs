//! Shared by the ingest integration tests.

use std::path::{Path, PathBuf};

/// `shared/` beside the checkout (where CI lays it), else /work/shared.
pub fn shared_dir() -> PathBuf {
    let beside = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    if beside.is_dir() {
        beside
    } else {
        PathBuf::from("/work/shared")
    }
}
