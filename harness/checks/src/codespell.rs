//! Finding codespell's dictionary for `checkpatch.pl --codespell`.
//!
//! checkpatch looks for `/usr/share/codespell/dictionary.txt`, then asks the
//! first `python3` in PATH for `codespell_lib`; that python may not be the one
//! codespell is installed for (a pyenv shim, a venv). The harness asks the
//! interpreter named on the `codespell` script's own `#!` line instead and
//! passes the file with `--codespellfile`.

use std::path::{Path, PathBuf};
use std::process::Command;

const SHARED: &str = "/usr/share/codespell/dictionary.txt";
const ASK: &str = "import codespell_lib, os.path as op; \
print(op.join(op.dirname(codespell_lib.__file__), 'data', 'dictionary.txt'), end='')";

/// The dictionary, when codespell is installed.
pub fn dictionary() -> Option<PathBuf> {
    if Path::new(SHARED).is_file() {
        return Some(PathBuf::from(SHARED));
    }
    let script = in_path("codespell")?;
    let interp = shebang(&script)?;
    let out = Command::new(&interp[0])
        .args(&interp[1..])
        .arg("-c")
        .arg(ASK)
        .output()
        .ok()?;
    let p = PathBuf::from(String::from_utf8(out.stdout).ok()?);
    (out.status.success() && p.is_file()).then_some(p)
}

fn in_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// The interpreter words of a `#!` line (`#!/usr/bin/env python3` included).
fn shebang(script: &Path) -> Option<Vec<String>> {
    let text = std::fs::read(script).ok()?;
    let first = text.split(|&b| b == b'\n').next()?;
    let line = std::str::from_utf8(first).ok()?.strip_prefix("#!")?;
    let words: Vec<String> = line.split_whitespace().map(str::to_owned).collect();
    (!words.is_empty()).then_some(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shebang_words() {
        let d = tempfile::tempdir().expect("tempdir");
        let p = d.path().join("s");
        std::fs::write(&p, "#!/usr/bin/env python3 -E\nimport x\n").expect("write");
        assert_eq!(
            shebang(&p),
            Some(vec![
                "/usr/bin/env".to_owned(),
                "python3".to_owned(),
                "-E".to_owned()
            ])
        );
        std::fs::write(&p, "import x\n").expect("write");
        assert_eq!(shebang(&p), None);
    }
}
