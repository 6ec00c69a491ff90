use std::path::{Path, PathBuf};

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Errors from tree operations. Each carries the path or command involved and,
/// where there is one, what to do next.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("tree definitions {path}: {message}")]
    Config { path: PathBuf, message: String },
    #[error(
        "unknown tree `{name}`{hint} (known: {known}); define it in trees.yaml or pass a directory"
    )]
    UnknownTree {
        name: String,
        known: String,
        /// `; did you mean `x`?` when a known name is close.
        hint: String,
    },
    #[error("{what} {path}: sha256 mismatch: expected {expected}, actual {actual}")]
    HashMismatch {
        what: String,
        path: PathBuf,
        expected: String,
        actual: String,
    },
    #[error(
        "{package} version {version} is not offered by apt here (versions on offer: {offered}). \
Either add a source that carries it, or re-pin in trees.yaml: set `version:` to one on offer and \
`sha256:` to the sha256 of its tarball (`apt-get download {package}=VERSION && dpkg-deb \
--fsys-tarfile {package}_*.deb | tar -xOf - ./usr/src/{package}.tar.xz | sha256sum`)"
    )]
    VersionNotOffered {
        package: String,
        version: String,
        offered: String,
    },
    #[error("`{command}` failed: {message}")]
    Command { command: String, message: String },
    #[error("tree `{name}`: {message}")]
    Tree { name: String, message: String },
    #[error("git {path}: {message}")]
    Git { path: PathBuf, message: String },
}

impl Error {
    pub(crate) fn io(action: &'static str, path: &Path, source: std::io::Error) -> Error {
        Error::Io {
            action,
            path: path.to_owned(),
            source,
        }
    }
    pub(crate) fn tree(name: &str, message: impl Into<String>) -> Error {
        Error::Tree {
            name: name.to_owned(),
            message: message.into(),
        }
    }
}
