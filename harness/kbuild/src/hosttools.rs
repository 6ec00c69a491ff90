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

/// The program kbuild runs to compress the kernel image for the `.config`'s
/// `CONFIG_KERNEL_<X>` choice, with its Debian package (names as in the
/// kernel's Makefile: `XZ = xz`, `LZ4 = lz4`, ...). None when the config
/// makes no choice (e.g. a fragment).
pub fn image_compressor(dotconfig: &str) -> Option<(&'static str, &'static str)> {
    const BY_SYMBOL: &[(&str, &str, &str)] = &[
        ("CONFIG_KERNEL_GZIP=y", "gzip", "gzip"),
        ("CONFIG_KERNEL_BZIP2=y", "bzip2", "bzip2"),
        ("CONFIG_KERNEL_LZMA=y", "lzma", "xz-utils"),
        ("CONFIG_KERNEL_XZ=y", "xz", "xz-utils"),
        ("CONFIG_KERNEL_LZO=y", "lzop", "lzop"),
        ("CONFIG_KERNEL_LZ4=y", "lz4", "lz4"),
        ("CONFIG_KERNEL_ZSTD=y", "zstd", "zstd"),
    ];
    dotconfig.lines().find_map(|line| {
        BY_SYMBOL
            .iter()
            .find(|(symbol, _, _)| line.trim() == *symbol)
            .map(|(_, program, package)| (*program, *package))
    })
}

/// The image compressor `dotconfig` asks for, when `path_var` lacks it.
pub fn missing_compressor(dotconfig: &str, path_var: &std::ffi::OsStr) -> Option<MissingTool> {
    let (program, package) = image_compressor(dotconfig)?;
    find_in_path(program, path_var)
        .is_none()
        .then(|| MissingTool {
            tool: format!("{program} (compresses the kernel image this .config asks for)"),
            package: package.to_owned(),
        })
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
    fn compressor_follows_the_configs_image_choice() {
        // As `make olddefconfig` writes the choice: one =y, the rest not set.
        let lz4 =
            "# CONFIG_KERNEL_XZ is not set\nCONFIG_KERNEL_LZ4=y\n# CONFIG_KERNEL_ZSTD is not set\n";
        assert_eq!(image_compressor(lz4), Some(("lz4", "lz4")));
        assert_eq!(
            image_compressor("CONFIG_KERNEL_XZ=y\n"),
            Some(("xz", "xz-utils"))
        );
        assert_eq!(image_compressor("CONFIG_NET=y\n"), None);
        let dir = tempfile::tempdir().expect("tempdir");
        let missing = missing_compressor(lz4, dir.path().as_os_str()).expect("lz4 missing");
        assert_eq!(missing.package, "lz4");
        assert!(
            missing.to_string().starts_with("lz4 (compresses"),
            "{missing}"
        );
        std::fs::write(dir.path().join("lz4"), "#!/bin/sh\n").expect("write");
        let mut perm = std::fs::metadata(dir.path().join("lz4"))
            .expect("stat")
            .permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut perm, 0o755);
        std::fs::set_permissions(dir.path().join("lz4"), perm).expect("chmod");
        assert_eq!(missing_compressor(lz4, dir.path().as_os_str()), None);
    }

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
