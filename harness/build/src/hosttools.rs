//! Up-front check for the host tools a kernel build needs.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// A tool or header that is missing, with the Debian package providing it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MissingTool {
    pub tool: String,
    pub package: String,
}

impl std::fmt::Display for MissingTool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (Debian package: {})", self.tool, self.package)
    }
}

/// Programs: (name, package).
pub const PROGRAMS: &[(&str, &str)] = &[
    ("make", "make"),
    ("gcc", "gcc"),
    ("ld", "binutils"),
    ("flex", "flex"),
    ("bison", "bison"),
    ("bc", "bc"),
    ("perl", "perl"),
];

/// Headers: (path under an include dir, shown name, package).
pub const HEADERS: &[(&str, &str, &str)] = &[
    ("libelf.h", "libelf headers (libelf.h)", "libelf-dev"),
    (
        "openssl/opensslv.h",
        "OpenSSL headers (openssl/opensslv.h)",
        "libssl-dev",
    ),
];

/// Look for `program` in `path_var` (a `PATH`-style list).
pub fn find_in_path(program: &str, path_var: &std::ffi::OsStr) -> Option<PathBuf> {
    std::env::split_paths(path_var)
        .map(|d| d.join(program))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// Check the host for the kernel build's tools; empty when all are there.
/// `include_dirs`: where to look for headers (default `/usr/include` and
/// the multiarch directory).
pub fn check_host_tools_in(
    path_var: &std::ffi::OsStr,
    include_dirs: &[PathBuf],
) -> Vec<MissingTool> {
    let mut missing = Vec::new();
    for (prog, pkg) in PROGRAMS {
        if find_in_path(prog, path_var).is_none() {
            missing.push(MissingTool {
                tool: (*prog).to_owned(),
                package: (*pkg).to_owned(),
            });
        }
    }
    for (rel, name, pkg) in HEADERS {
        if !include_dirs.iter().any(|d| d.join(rel).is_file()) {
            missing.push(MissingTool {
                tool: (*name).to_owned(),
                package: (*pkg).to_owned(),
            });
        }
    }
    missing
}

/// [`check_host_tools_in`] with this process's `PATH` and the usual include dirs.
pub fn check_host_tools() -> Vec<MissingTool> {
    let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/bin:/bin".into());
    check_host_tools_in(
        &path,
        &[
            PathBuf::from("/usr/include"),
            PathBuf::from("/usr/include/x86_64-linux-gnu"),
            PathBuf::from("/usr/local/include"),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_missing_tool_and_package() {
        let dir = tempfile::tempdir().expect("tempdir");
        let missing = check_host_tools_in(dir.path().as_os_str(), &[dir.path().to_owned()]);
        let names: Vec<String> = missing.iter().map(|m| m.to_string()).collect();
        assert!(
            names.contains(&"flex (Debian package: flex)".to_owned()),
            "{names:?}"
        );
        assert!(
            names.contains(&"libelf headers (libelf.h) (Debian package: libelf-dev)".to_owned()),
            "{names:?}"
        );
        assert_eq!(missing.len(), PROGRAMS.len() + HEADERS.len());
    }
}
