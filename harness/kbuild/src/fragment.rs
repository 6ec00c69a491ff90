//! Config fragments: `CONFIG_X=y|m|n|"str"|123` and `# CONFIG_X is not set`
//! lines, each a *request* that must hold in the final `.config`.
//!
//! A request line may end with `# harness: may-drop`: then olddefconfig is
//! allowed to drop it (reported, not an error).

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The marker that allows a requested symbol to be dropped.
pub const MAY_DROP_MARKER: &str = "harness: may-drop";

/// A requested value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", tag = "kind", content = "value")]
pub enum RequestValue {
    /// `=y`, `=m`, `=n` or `is not set` (stored as `n`).
    Tristate(char),
    /// A string value, without the quotes (unescaped).
    String(String),
    /// An int or hex value as written.
    Number(String),
}

impl RequestValue {
    /// The value as it is written after `CONFIG_X=` in a `.config`
    /// (`n` for "is not set").
    pub fn config_text(&self) -> String {
        match self {
            RequestValue::Tristate(c) => c.to_string(),
            RequestValue::String(s) => {
                format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
            }
            RequestValue::Number(n) => n.clone(),
        }
    }

    /// The `.config` line that sets this value.
    pub fn config_line(&self, symbol: &str) -> String {
        match self {
            RequestValue::Tristate('n') => format!("# CONFIG_{symbol} is not set"),
            v => format!("CONFIG_{symbol}={}", v.config_text()),
        }
    }

    /// Parse the text after `=` in a `.config` or fragment line.
    pub fn parse(text: &str) -> RequestValue {
        let t = text.trim();
        match t {
            "y" | "m" | "n" => RequestValue::Tristate(t.chars().next().unwrap_or('n')),
            _ if t.starts_with('"') => RequestValue::String(unquote(t)),
            _ => RequestValue::Number(t.to_owned()),
        }
    }
}

fn unquote(t: &str) -> String {
    let inner = t.strip_prefix('"').unwrap_or(t);
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next() {
                    out.push(n);
                }
            }
            '"' => break,
            c => out.push(c),
        }
    }
    out
}

/// One requested symbol, with where it was asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// Symbol name without `CONFIG_`.
    pub symbol: String,
    pub value: RequestValue,
    /// The fragment file (as given) and 1-based line.
    pub file: PathBuf,
    pub line: usize,
    /// Marked `# harness: may-drop`.
    pub may_drop: bool,
}

/// A parsed fragment.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Fragment {
    pub path: PathBuf,
    pub requests: Vec<Request>,
    /// Lines that were neither comments nor requests: (line, text).
    pub ignored: Vec<(usize, String)>,
}

impl Fragment {
    /// Parse fragment text; `path` is only used to label requests.
    pub fn parse(path: &Path, text: &str) -> Fragment {
        let mut frag = Fragment {
            path: path.to_owned(),
            ..Fragment::default()
        };
        for (i, raw) in text.lines().enumerate() {
            let lineno = i + 1;
            let line = raw.trim();
            if line.is_empty() {
                continue;
            }
            let (body, may_drop) = split_marker(line);
            if let Some(rest) = body.strip_prefix('#') {
                // `# CONFIG_X is not set`
                let rest = rest.trim();
                if let Some(sym) = rest
                    .strip_prefix("CONFIG_")
                    .and_then(|r| r.strip_suffix("is not set"))
                {
                    let sym = sym.trim();
                    if is_symbol(sym) {
                        frag.requests.push(Request {
                            symbol: sym.to_owned(),
                            value: RequestValue::Tristate('n'),
                            file: path.to_owned(),
                            line: lineno,
                            may_drop,
                        });
                    }
                }
                continue;
            }
            if let Some(rest) = body.strip_prefix("CONFIG_") {
                if let Some((sym, val)) = rest.split_once('=') {
                    let sym = sym.trim();
                    if is_symbol(sym) && !val.trim().is_empty() {
                        frag.requests.push(Request {
                            symbol: sym.to_owned(),
                            value: RequestValue::parse(val),
                            file: path.to_owned(),
                            line: lineno,
                            may_drop,
                        });
                        continue;
                    }
                }
            }
            frag.ignored.push((lineno, raw.to_owned()));
        }
        frag
    }

    /// Read and parse a fragment file.
    pub fn load(path: &Path) -> std::io::Result<Fragment> {
        let text = std::fs::read_to_string(path)?;
        Ok(Fragment::parse(path, &text))
    }
}

/// Split off a trailing `# harness: may-drop` marker. A `#` inside a quoted
/// string value is not a comment.
fn split_marker(line: &str) -> (&str, bool) {
    let mut in_str = false;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        match c {
            '\\' if in_str && !escaped => {
                escaped = true;
                continue;
            }
            '"' if !escaped => in_str = !in_str,
            '#' if !in_str && i > 0 => {
                let comment = line[i + 1..].trim();
                let may_drop = comment == MAY_DROP_MARKER;
                return (line[..i].trim_end(), may_drop);
            }
            _ => {}
        }
        escaped = false;
    }
    // A whole-line comment may carry the marker after "is not set".
    if line.starts_with('#') {
        if let Some(idx) = line.find(MAY_DROP_MARKER) {
            let head = line[..idx].trim_end().trim_end_matches('#').trim_end();
            return (head, true);
        }
    }
    (line, false)
}

fn is_symbol(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The final request per symbol when several fragments are merged in order
/// (later wins, as in merge_config.sh), plus the overrides that happened:
/// (earlier, later) pairs whose values differ.
pub fn effective_requests(fragments: &[Fragment]) -> (Vec<Request>, Vec<(Request, Request)>) {
    let mut order: Vec<Request> = Vec::new();
    let mut overrides = Vec::new();
    for frag in fragments {
        for req in &frag.requests {
            if let Some(slot) = order.iter_mut().find(|r| r.symbol == req.symbol) {
                if slot.value != req.value {
                    overrides.push((slot.clone(), req.clone()));
                }
                *slot = req.clone();
            } else {
                order.push(req.clone());
            }
        }
    }
    (order, overrides)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_all_request_forms() {
        let text = "# comment\nCONFIG_A=y\n# CONFIG_B is not set\nCONFIG_C=\"x # y\"\nCONFIG_D=0x10\nCONFIG_E=m # harness: may-drop\n# CONFIG_F is not set # harness: may-drop\nCONFIG_G=y # other comment\ngarbage\n";
        let f = Fragment::parse(Path::new("f.config"), text);
        let got: Vec<(String, String, bool, usize)> = f
            .requests
            .iter()
            .map(|r| {
                (
                    r.symbol.clone(),
                    r.value.config_line(&r.symbol),
                    r.may_drop,
                    r.line,
                )
            })
            .collect();
        let want = vec![
            ("A", "CONFIG_A=y", false, 2),
            ("B", "# CONFIG_B is not set", false, 3),
            ("C", "CONFIG_C=\"x # y\"", false, 4),
            ("D", "CONFIG_D=0x10", false, 5),
            ("E", "CONFIG_E=m", true, 6),
            ("F", "# CONFIG_F is not set", true, 7),
            ("G", "CONFIG_G=y", false, 8),
        ];
        let want: Vec<(String, String, bool, usize)> = want
            .into_iter()
            .map(|(a, b, c, d)| (a.to_owned(), b.to_owned(), c, d))
            .collect();
        assert_eq!(got, want);
        assert_eq!(f.ignored, vec![(9, "garbage".to_owned())]);
    }

    #[test]
    fn later_fragment_overrides() {
        let a = Fragment::parse(Path::new("a"), "CONFIG_X=y\nCONFIG_Y=y\n");
        let b = Fragment::parse(Path::new("b"), "# CONFIG_X is not set\nCONFIG_Y=y\n");
        let (eff, ov) = effective_requests(&[a, b]);
        assert_eq!(eff.len(), 2);
        assert_eq!(eff[0].value, RequestValue::Tristate('n'));
        assert_eq!(eff[0].file, PathBuf::from("b"));
        assert_eq!(ov.len(), 1, "only X changed value");
    }
}
