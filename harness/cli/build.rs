//! Embeds the project files an installed `harness` needs when it runs outside
//! a checkout: the default matrix and trees (`matrix.yaml`, `trees.yaml`), the
//! config fragments (`kernel-configs/`), the guest side (`qemu/`) and the
//! series the default matrix carries (`patches/`). Generates
//! `$OUT_DIR/project_files.rs`: one `(relative path, bytes, mode)` per file,
//! in path order, so the embedded copy (and its content hash) is reproducible.

use std::fmt::Write as _;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

const EMBEDDED: &[&str] = &[
    "matrix.yaml",
    "trees.yaml",
    "kernel-configs",
    "qemu",
    "patches",
];

fn walk(root: &Path, rel: &Path, out: &mut Vec<PathBuf>) {
    let path = root.join(rel);
    let meta = std::fs::symlink_metadata(&path)
        .unwrap_or_else(|e| panic!("embedding {}: {e}", path.display()));
    if meta.is_dir() {
        let mut names: Vec<_> = std::fs::read_dir(&path)
            .unwrap_or_else(|e| panic!("embedding {}: {e}", path.display()))
            .map(|e| e.expect("directory entry").file_name())
            .collect();
        names.sort();
        for n in names {
            walk(root, &rel.join(n), out);
        }
    } else if meta.is_file() {
        out.push(rel.to_path_buf());
    } else {
        panic!(
            "embedding {}: only regular files and directories",
            path.display()
        );
    }
}

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("manifest dir"));
    let root = manifest.join("../..");
    let mut files = Vec::new();
    for top in EMBEDDED {
        println!("cargo:rerun-if-changed={}", root.join(top).display());
        walk(&root, Path::new(top), &mut files);
    }
    let mut code = String::from("pub static PROJECT_FILES: &[(&str, &[u8], u32)] = &[\n");
    for rel in &files {
        let abs = root.join(rel).canonicalize().expect("canonical path");
        let exec = std::fs::metadata(&abs)
            .expect("metadata")
            .permissions()
            .mode()
            & 0o111
            != 0;
        let mode = if exec { 0o755 } else { 0o644 };
        let rel = rel.to_str().expect("project file names are UTF-8");
        writeln!(
            code,
            "    ({rel:?}, include_bytes!({:?}), {mode:#o}),",
            abs.display()
        )
        .expect("writing to a String cannot fail");
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("out dir")).join("project_files.rs");
    std::fs::write(&out, code).expect("writing project_files.rs");
}
