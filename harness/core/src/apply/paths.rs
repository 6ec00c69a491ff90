//! Which paths a patch may name: inside the tree, never git metadata.

/// Refuse paths that leave the tree: absolute, `..`, empty.
pub fn check_path(p: &str) -> Result<String, String> {
    if p.starts_with('/') {
        return Err(format!("path `{p}` is absolute and escapes the tree"));
    }
    if p.bytes().any(|b| b == 0) {
        return Err(format!("path `{}` contains a NUL byte", p.escape_debug()));
    }
    let mut parts = Vec::new();
    for c in p.split('/') {
        match c {
            "" | "." => {}
            ".." => return Err(format!("path `{p}` escapes the tree (`..` component)")),
            // Like git's verify_path: a patch never writes repository
            // metadata (an executable `.git/hooks/post-checkout` would run on
            // the next checkout).
            c if names_git_dir(c) => {
                return Err(format!("path `{p}` is inside a `.git` directory"))
            }
            c => parts.push(c),
        }
    }
    if parts.is_empty() {
        return Err(format!("path `{p}` names no file"));
    }
    Ok(parts.join("/"))
}

/// A path component git's `verify_path` refuses as the repository
/// directory (git 2.47 with its default `core.protectNTFS`): `.git` or its
/// NTFS short name `git~1`, in any case, followed only by dots or spaces
/// (which NTFS drops), or by `:` (an NTFS stream) or a backslash.
pub(super) fn names_git_dir(component: &str) -> bool {
    let b = component.as_bytes();
    let rest = if b.len() >= 4 && b[0] == b'.' && b[1..4].eq_ignore_ascii_case(b"git") {
        &b[4..]
    } else if b.len() >= 5 && b[..5].eq_ignore_ascii_case(b"git~1") {
        &b[5..]
    } else {
        return false;
    };
    for &c in rest {
        match c {
            b':' | b'\\' => return true,
            b'.' | b' ' => {}
            _ => return false,
        }
    }
    true
}

/// GNU `best_name`: fewest components, then shortest basename, then shortest.
pub(super) fn best_name<'n>(names: &[&'n str]) -> Option<&'n str> {
    names.iter().copied().min_by_key(|n| {
        let comps = n.matches('/').count();
        let base = n.rsplit('/').next().map_or(0, str::len);
        (comps, base, n.len())
    })
}
