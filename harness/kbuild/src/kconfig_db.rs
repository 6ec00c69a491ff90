//! A small reader of a tree's Kconfig files: for each `config X` its
//! definitions (file:line), prompt, `depends on` (own and inherited from
//! enclosing `if`/`menu`/`choice`), and who `select`s it. Enough to explain
//! why olddefconfig dropped or forced a symbol. Not a full Kconfig engine.

use crate::dotconfig::DotConfig;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

/// One `config`/`menuconfig` block.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct SymbolDef {
    /// Path relative to the tree, and 1-based line of `config X`.
    pub file: String,
    pub line: usize,
    /// Whether the block has a prompt (user-settable).
    pub has_prompt: bool,
    /// `depends on` expressions of this block.
    pub depends: Vec<String>,
    /// Conditions from enclosing `if`, `menu ... depends on`, `choice`.
    pub inherited: Vec<String>,
    /// Inside a `choice` block.
    pub in_choice: bool,
}

/// A `select X [if C]` (or `imply`) seen in another symbol's block.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Selector {
    pub by: String,
    pub condition: Option<String>,
    pub file: String,
    pub line: usize,
    /// `select` (forces) or `imply` (default only).
    pub kind: String,
}

/// All symbols of a tree (for one architecture).
#[derive(Debug, Clone, Default)]
pub struct KconfigDb {
    pub defs: BTreeMap<String, Vec<SymbolDef>>,
    pub selected_by: BTreeMap<String, Vec<Selector>>,
    /// Files that could not be read: (path, error).
    pub unreadable: Vec<(String, String)>,
}

enum Block {
    If(String),
    Menu(Vec<String>),
    Choice(Vec<String>),
}

enum Current {
    Config(String, usize),
    Block,
    Other,
}

struct Parser<'a> {
    root: &'a Path,
    srcarch: &'a str,
    db: KconfigDb,
    stack: Vec<Block>,
    visited: HashSet<PathBuf>,
}

impl KconfigDb {
    /// Read `<tree>/Kconfig` and everything it sources, with `$(SRCARCH)` =
    /// `srcarch` (e.g. `x86`).
    pub fn load(tree: &Path, srcarch: &str) -> KconfigDb {
        let mut p = Parser {
            root: tree,
            srcarch,
            db: KconfigDb::default(),
            stack: Vec::new(),
            visited: HashSet::new(),
        };
        p.file("Kconfig");
        p.db
    }

    /// Parse Kconfig text directly (tests); `source` lines are ignored.
    pub fn parse_text(name: &str, text: &str) -> KconfigDb {
        let mut p = Parser {
            root: Path::new("/nonexistent"),
            srcarch: "x86",
            db: KconfigDb::default(),
            stack: Vec::new(),
            visited: HashSet::new(),
        };
        p.text(name, text);
        p.db
    }
}

fn indent_width(s: &str) -> usize {
    let mut w = 0;
    for c in s.chars() {
        match c {
            ' ' => w += 1,
            '\t' => w = (w / 8 + 1) * 8,
            _ => break,
        }
    }
    w
}

impl Parser<'_> {
    fn file(&mut self, rel: &str) {
        let path = self.root.join(rel);
        if !self.visited.insert(path.clone()) {
            return;
        }
        match std::fs::read_to_string(&path) {
            Ok(text) => self.text(rel, &text),
            Err(e) => self.db.unreadable.push((rel.to_owned(), e.to_string())),
        }
    }

    fn text(&mut self, rel: &str, text: &str) {
        let mut current = Current::Other;
        // Join continuation lines, keeping the first line number.
        let mut lines: Vec<(usize, String)> = Vec::new();
        let mut pending: Option<(usize, String)> = None;
        for (i, raw) in text.lines().enumerate() {
            let (n, mut acc) = pending.take().unwrap_or((i + 1, String::new()));
            if let Some(head) = raw.strip_suffix('\\') {
                acc.push_str(head);
                pending = Some((n, acc));
                continue;
            }
            acc.push_str(raw);
            lines.push((n, acc));
        }
        if let Some(p) = pending {
            lines.push(p);
        }
        let mut help_indent: Option<Option<usize>> = None; // Some(None) = help started, indent unknown
        for (lineno, raw) in lines {
            if let Some(hi) = help_indent {
                if raw.trim().is_empty() {
                    continue;
                }
                let w = indent_width(&raw);
                match hi {
                    None => {
                        if w > 0 {
                            help_indent = Some(Some(w));
                            continue;
                        }
                        help_indent = None;
                    }
                    Some(hw) if w >= hw => continue,
                    Some(_) => help_indent = None,
                }
            }
            let line = strip_comment(raw.trim());
            if line.is_empty() {
                continue;
            }
            let (kw, rest) = match line.split_once(char::is_whitespace) {
                Some((k, r)) => (k, r.trim()),
                None => (line, ""),
            };
            match kw {
                "config" | "menuconfig" => {
                    let name = rest.to_owned();
                    let def = SymbolDef {
                        file: rel.to_owned(),
                        line: lineno,
                        inherited: self.inherited(),
                        in_choice: self.stack.iter().any(|b| matches!(b, Block::Choice(_))),
                        ..SymbolDef::default()
                    };
                    let defs = self.db.defs.entry(name.clone()).or_default();
                    defs.push(def);
                    current = Current::Config(name, defs.len() - 1);
                }
                "choice" => {
                    self.stack.push(Block::Choice(Vec::new()));
                    current = Current::Block;
                }
                "menu" => {
                    self.stack.push(Block::Menu(Vec::new()));
                    current = Current::Block;
                }
                "if" => {
                    self.stack.push(Block::If(rest.to_owned()));
                    current = Current::Other;
                }
                "endif" | "endmenu" | "endchoice" => {
                    self.stack.pop();
                    current = Current::Other;
                }
                "comment" | "mainmenu" => current = Current::Other,
                "source" | "osource" | "rsource" | "orsource" => {
                    let target = unquote(rest).replace("$(SRCARCH)", self.srcarch);
                    if target.contains("$(") {
                        continue;
                    }
                    let target = if kw.starts_with('r') || kw.starts_with("or") {
                        Path::new(rel)
                            .parent()
                            .unwrap_or(Path::new(""))
                            .join(&target)
                            .to_string_lossy()
                            .into_owned()
                    } else {
                        target
                    };
                    self.file(&target);
                    current = Current::Other;
                }
                "help" | "---help---" => help_indent = Some(None),
                "depends" => {
                    let expr = rest.strip_prefix("on").unwrap_or(rest).trim().to_owned();
                    match &current {
                        Current::Config(name, idx) => {
                            if let Some(d) =
                                self.db.defs.get_mut(name).and_then(|v| v.get_mut(*idx))
                            {
                                d.depends.push(expr);
                            }
                        }
                        Current::Block => match self.stack.last_mut() {
                            Some(Block::Menu(c)) | Some(Block::Choice(c)) => c.push(expr),
                            _ => {}
                        },
                        Current::Other => {}
                    }
                }
                "select" | "imply" => {
                    if let Current::Config(name, _) = &current {
                        let (target, cond) = split_if(rest);
                        self.db
                            .selected_by
                            .entry(target.to_owned())
                            .or_default()
                            .push(Selector {
                                by: name.clone(),
                                condition: cond.map(str::to_owned),
                                file: rel.to_owned(),
                                line: lineno,
                                kind: kw.to_owned(),
                            });
                    }
                }
                "bool" | "tristate" | "string" | "int" | "hex" | "prompt" | "boolean" => {
                    let has_prompt =
                        kw == "prompt" || rest.starts_with('"') || rest.starts_with('\'');
                    if has_prompt {
                        if let Current::Config(name, idx) = &current {
                            if let Some(d) =
                                self.db.defs.get_mut(name).and_then(|v| v.get_mut(*idx))
                            {
                                d.has_prompt = true;
                            }
                        }
                    }
                }
                _ => {}
            }
        }
    }

    fn inherited(&self) -> Vec<String> {
        let mut out = Vec::new();
        for b in &self.stack {
            match b {
                Block::If(c) => out.push(c.clone()),
                Block::Menu(cs) | Block::Choice(cs) => out.extend(cs.iter().cloned()),
            }
        }
        out
    }
}

fn strip_comment(line: &str) -> &str {
    let mut quote: Option<char> = None;
    for (i, c) in line.char_indices() {
        match (c, quote) {
            ('"' | '\'', None) => quote = Some(c),
            (q, Some(open)) if q == open => quote = None,
            ('#', None) => return line[..i].trim_end(),
            _ => {}
        }
    }
    line
}

fn unquote(s: &str) -> String {
    s.trim().trim_matches('"').trim_matches('\'').to_owned()
}

/// Split `X if COND` into (`X`, Some(`COND`)).
fn split_if(rest: &str) -> (&str, Option<&str>) {
    let mut parts = rest.splitn(2, char::is_whitespace);
    let target = parts.next().unwrap_or("");
    let tail = parts.next().map(str::trim).unwrap_or("");
    match tail.strip_prefix("if") {
        Some(c) if c.starts_with(char::is_whitespace) || c.starts_with('(') => {
            (target, Some(c.trim()))
        }
        _ => (target, None),
    }
}

// ---------------------------------------------------------------- expressions

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Sym(String),
    Str(String),
    Not,
    And,
    Or,
    LParen,
    RParen,
    Cmp(String),
}

fn tokenize(s: &str) -> Vec<Tok> {
    let cs: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < cs.len() {
        let c = cs[i];
        match c {
            ' ' | '\t' => i += 1,
            '(' => {
                out.push(Tok::LParen);
                i += 1
            }
            ')' => {
                out.push(Tok::RParen);
                i += 1
            }
            '&' => {
                out.push(Tok::And);
                i += if cs.get(i + 1) == Some(&'&') { 2 } else { 1 };
            }
            '|' => {
                out.push(Tok::Or);
                i += if cs.get(i + 1) == Some(&'|') { 2 } else { 1 };
            }
            '!' | '<' | '>' | '=' => {
                if cs.get(i + 1) == Some(&'=') {
                    out.push(Tok::Cmp(format!("{c}=")));
                    i += 2;
                } else if c == '!' {
                    out.push(Tok::Not);
                    i += 1;
                } else {
                    out.push(Tok::Cmp(c.to_string()));
                    i += 1;
                }
            }
            '"' | '\'' => {
                let mut j = i + 1;
                let mut v = String::new();
                while j < cs.len() && cs[j] != c {
                    v.push(cs[j]);
                    j += 1;
                }
                out.push(Tok::Str(v));
                i = j + 1;
            }
            '$' => {
                // $(macro ...) : treat as an opaque symbol, balanced parens.
                let mut depth = 0;
                let mut j = i;
                let mut v = String::new();
                while j < cs.len() {
                    v.push(cs[j]);
                    if cs[j] == '(' {
                        depth += 1;
                    } else if cs[j] == ')' {
                        depth -= 1;
                        if depth == 0 {
                            j += 1;
                            break;
                        }
                    }
                    j += 1;
                }
                out.push(Tok::Sym(v));
                i = j;
            }
            _ => {
                let mut j = i;
                let mut v = String::new();
                while j < cs.len()
                    && (cs[j].is_ascii_alphanumeric()
                        || cs[j] == '_'
                        || cs[j] == '-'
                        || cs[j] == '.')
                {
                    v.push(cs[j]);
                    j += 1;
                }
                if j == i {
                    i += 1; // unknown character: skip
                } else {
                    out.push(Tok::Sym(v));
                    i = j;
                }
            }
        }
    }
    out
}

struct Eval<'a> {
    toks: Vec<Tok>,
    pos: usize,
    cfg: &'a DotConfig,
}

impl Eval<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }
    fn or(&mut self) -> u8 {
        let mut v = self.and();
        while self.peek() == Some(&Tok::Or) {
            self.pos += 1;
            v = v.max(self.and());
        }
        v
    }
    fn and(&mut self) -> u8 {
        let mut v = self.not();
        while self.peek() == Some(&Tok::And) {
            self.pos += 1;
            v = v.min(self.not());
        }
        v
    }
    fn not(&mut self) -> u8 {
        if self.peek() == Some(&Tok::Not) {
            self.pos += 1;
            return 2 - self.not();
        }
        self.atom()
    }
    fn term_value(&self, t: &Tok) -> String {
        match t {
            Tok::Sym(s) if s == "y" || s == "m" || s == "n" => s.clone(),
            Tok::Sym(s) if s.starts_with("$(") => "y".to_owned(),
            Tok::Sym(s) if s.chars().all(|c| c.is_ascii_digit() || c == '-') => s.clone(),
            Tok::Sym(s) => match self.cfg.get(s) {
                Some(v) => v.trim_matches('"').to_owned(),
                None => "n".to_owned(),
            },
            Tok::Str(s) => s.clone(),
            _ => "n".to_owned(),
        }
    }
    fn atom(&mut self) -> u8 {
        let t = match self.peek().cloned() {
            Some(t) => t,
            None => return 0,
        };
        self.pos += 1;
        if t == Tok::LParen {
            let v = self.or();
            if self.peek() == Some(&Tok::RParen) {
                self.pos += 1;
            }
            return v;
        }
        if let Some(Tok::Cmp(op)) = self.peek().cloned() {
            self.pos += 1;
            let rhs = match self.peek().cloned() {
                Some(r) => {
                    self.pos += 1;
                    r
                }
                None => return 0,
            };
            let (a, b) = (self.term_value(&t), self.term_value(&rhs));
            let ord = match (a.parse::<i64>(), b.parse::<i64>()) {
                (Ok(x), Ok(y)) => x.cmp(&y),
                _ => a.cmp(&b),
            };
            use std::cmp::Ordering::*;
            let r = match op.as_str() {
                "=" => ord == Equal,
                "!=" => ord != Equal,
                "<" => ord == Less,
                "<=" => ord != Greater,
                ">" => ord == Greater,
                ">=" => ord != Less,
                _ => false,
            };
            return if r { 2 } else { 0 };
        }
        match self.term_value(&t).as_str() {
            "y" => 2,
            "m" => 1,
            _ => 0,
        }
    }
}

/// Evaluate a Kconfig expression against a `.config` (0 = n, 1 = m, 2 = y).
/// `$(...)` macros count as `y`.
pub fn eval(expr: &str, cfg: &DotConfig) -> u8 {
    let mut e = Eval {
        toks: tokenize(expr),
        pos: 0,
        cfg,
    };
    e.or()
}

/// The symbols an expression mentions (no constants, no macros).
pub fn symbols_in(expr: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in tokenize(expr) {
        if let Tok::Sym(s) = t {
            let constant = s == "y"
                || s == "m"
                || s == "n"
                || s.starts_with("$(")
                || s.chars().all(|c| c.is_ascii_digit() || c == '-')
                || s.starts_with("0x");
            if !constant && !out.contains(&s) {
                out.push(s);
            }
        }
    }
    out
}

/// Split an expression at top-level `&&`.
pub fn conjuncts(expr: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut cur = String::new();
    let cs: Vec<char> = expr.chars().collect();
    let mut i = 0;
    let mut quote: Option<char> = None;
    while i < cs.len() {
        let c = cs[i];
        match (c, quote) {
            ('"' | '\'', None) => quote = Some(c),
            (q, Some(open)) if q == open => quote = None,
            ('(', None) => depth += 1,
            (')', None) => depth -= 1,
            ('&', None) if depth == 0 && cs.get(i + 1) == Some(&'&') => {
                out.push(cur.trim().to_owned());
                cur.clear();
                i += 2;
                continue;
            }
            _ => {}
        }
        cur.push(c);
        i += 1;
    }
    if !cur.trim().is_empty() {
        out.push(cur.trim().to_owned());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const KC: &str = r#"
menu "Networking"
	depends on NET

config IP_ADVANCED_ROUTER
	bool "IP: advanced router"
	depends on INET # trailing comment
	help
	  config NOT_A_SYMBOL
	  depends on NOTHING

config IP_MULTIPLE_TABLES
	bool "IP: policy routing"
	depends on IP_ADVANCED_ROUTER
	select FIB_RULES

if X86
config HIDDEN
	def_bool y
	depends on A && \
		(B || !C)
endif
endmenu

config FIB_RULES
	bool
"#;

    #[test]
    fn reads_depends_inherited_select_and_skips_help() {
        let db = KconfigDb::parse_text("net/ipv4/Kconfig", KC);
        let mt = &db.defs["IP_MULTIPLE_TABLES"][0];
        assert_eq!(mt.depends, vec!["IP_ADVANCED_ROUTER"]);
        assert_eq!(mt.inherited, vec!["NET"]);
        assert!(mt.has_prompt);
        assert_eq!(mt.line, 12);
        assert_eq!(db.defs["IP_ADVANCED_ROUTER"][0].depends, vec!["INET"]);
        assert!(
            !db.defs.contains_key("NOT_A_SYMBOL"),
            "help text is not parsed"
        );
        let h = &db.defs["HIDDEN"][0];
        assert_eq!(h.inherited, vec!["NET", "X86"]);
        assert_eq!(h.depends.len(), 1);
        assert!(!h.has_prompt);
        assert!(!db.defs["FIB_RULES"][0].has_prompt);
        assert_eq!(db.defs["FIB_RULES"][0].inherited, Vec::<String>::new());
        assert_eq!(db.selected_by["FIB_RULES"][0].by, "IP_MULTIPLE_TABLES");
    }

    #[test]
    fn evaluates_tristate_expressions() {
        let cfg = DotConfig::parse(
            "CONFIG_A=y\nCONFIG_B=m\n# CONFIG_C is not set\nCONFIG_S=\"x\"\nCONFIG_N=5\n",
        );
        assert_eq!(eval("A && B", &cfg), 1);
        assert_eq!(eval("A && (C || !C)", &cfg), 2);
        assert_eq!(eval("!A || C", &cfg), 0);
        assert_eq!(eval("S = \"x\"", &cfg), 2);
        assert_eq!(eval("N >= 6", &cfg), 0);
        assert_eq!(eval("UNKNOWN", &cfg), 0);
        assert_eq!(eval("A!=n", &cfg), 2);
        assert_eq!(
            conjuncts("A && (B || C) && !D"),
            vec!["A", "(B || C)", "!D"]
        );
        assert_eq!(
            symbols_in("A && (B || !C) && X86_64=y"),
            vec!["A", "B", "C", "X86_64"]
        );
    }
}
