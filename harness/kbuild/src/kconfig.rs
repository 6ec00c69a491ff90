//! `make O=out <base>` + fragments + `olddefconfig`, then verify that every
//! requested symbol holds in the final `.config`; explain each one that did
//! not from the tree's Kconfig files.

use crate::dotconfig::DotConfig;
use crate::fragment::{effective_requests, Fragment, Request, RequestValue};
use crate::kconfig_db::{conjuncts, eval, symbols_in, KconfigDb};
use crate::CommandFactory;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Where to start from.
#[derive(Debug, Clone)]
pub enum Base {
    /// A make target such as `tinyconfig`, `defconfig`, `allnoconfig`.
    Target(String),
    /// An existing full `.config` copied into the output directory.
    ConfigFile(PathBuf),
}

/// Options for [`merge`].
#[derive(Debug, Clone)]
pub struct MergeOptions {
    pub base: Base,
    /// `ARCH=` for make and `$(SRCARCH)` for reading Kconfig (default x86_64 / x86).
    pub arch: String,
    pub srcarch: String,
    /// Identity of the tree's contents (see `build::source_fingerprint`).
    /// When set, results are cached in `<out>/.harness-kconfig/<key>/` and a
    /// merge with identical inputs runs no make (it only restores `.config`).
    pub source_id: Option<String>,
}

impl Default for MergeOptions {
    fn default() -> Self {
        MergeOptions {
            base: Base::Target("tinyconfig".to_owned()),
            arch: "x86_64".to_owned(),
            srcarch: "x86".to_owned(),
            source_id: None,
        }
    }
}

/// Cache directory for merges inside the output directory.
pub const KCONFIG_CACHE_DIR: &str = ".harness-kconfig";

pub use harness_schema::kconfig::{
    DropReason, KconfigOutcome, SymbolCheck, SymbolStatus, UnmetClause,
};

/// Infrastructure failures (not a dropped symbol: that is in the outcome).
#[derive(Debug, thiserror::Error)]
pub enum KconfigError {
    #[error(
        "{path}: not a kernel source tree (no Makefile or Kconfig); pass the tree's source root"
    )]
    NotATree { path: PathBuf },
    #[error("reading config fragment {path}: {source}")]
    Fragment {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{context} {path}: {source}")]
    Io {
        context: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "could not run `{command}`: {source} (is it installed? see scripts/host-packages.txt)"
    )]
    Spawn {
        command: String,
        source: std::io::Error,
    },
    #[error("`{command}` failed ({status}); last output:\n{tail}")]
    Make {
        command: String,
        status: String,
        tail: String,
    },
}

fn io_err(context: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> KconfigError {
    let path = path.to_owned();
    move |source| KconfigError::Io {
        context,
        path,
        source,
    }
}

/// Run `make -C src O=out ARCH=.. <target>` through the factory; capture output.
pub(crate) fn run_make(
    factory: &dyn CommandFactory,
    src: &Path,
    out: &Path,
    arch: &str,
    args: &[&str],
    log: &mut String,
) -> Result<(), KconfigError> {
    // make -C enters the tree first: a relative O= would name a directory
    // inside the tree.
    let out = std::path::absolute(out).unwrap_or_else(|_| out.to_owned());
    let mut cmd = factory.command("make");
    cmd.arg("-C")
        .arg(src)
        .arg(format!("O={}", out.display()))
        .arg(format!("ARCH={arch}"))
        .args(args)
        .env("LC_ALL", "C")
        .stdin(std::process::Stdio::null());
    let shown = format!(
        "make -C {} O={} ARCH={arch} {}",
        src.display(),
        out.display(),
        args.join(" ")
    );
    // Guarded: make and its children die with the harness, SIGKILL included.
    let output = harness_proc::output_guarded(&mut cmd).map_err(|source| KconfigError::Spawn {
        command: shown.clone(),
        source,
    })?;
    log.push_str(&format!("$ {shown}\n"));
    log.push_str(&String::from_utf8_lossy(&output.stdout));
    log.push_str(&String::from_utf8_lossy(&output.stderr));
    if !output.status.success() {
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        let lines: Vec<&str> = text.lines().collect();
        let tail = lines[lines.len().saturating_sub(20)..].join("\n");
        return Err(KconfigError::Make {
            command: shown,
            status: output.status.to_string(),
            tail,
        });
    }
    Ok(())
}

/// Base target (or config file) + fragments -> `out/.config`, verified.
///
/// Runs, through `factory`: `make O=out <base>` (or copies the base config),
/// writes the fragments' requests over it (later fragments win), runs
/// `make O=out olddefconfig`, then checks every request.
pub fn merge(
    tree: &Path,
    out: &Path,
    fragments: &[PathBuf],
    opts: &MergeOptions,
    factory: &dyn CommandFactory,
) -> Result<KconfigOutcome, KconfigError> {
    let start = Instant::now();
    if !tree.join("Makefile").is_file() || !tree.join("Kconfig").is_file() {
        return Err(KconfigError::NotATree {
            path: tree.to_owned(),
        });
    }
    let frags: Vec<Fragment> = fragments
        .iter()
        .map(|p| {
            Fragment::load(p).map_err(|source| KconfigError::Fragment {
                path: p.clone(),
                source,
            })
        })
        .collect::<Result<_, _>>()?;
    std::fs::create_dir_all(out).map_err(io_err("creating output directory", out))?;
    let config_path = out.join(".config");
    let mut log = String::new();

    let cache = opts.source_id.as_ref().map(|sid| {
        let mut h = Sha256::new();
        h.update(
            format!(
                "harness-kconfig {}\n{sid}\n{}\n{:?}\n",
                crate::HARNESS_VERSION,
                opts.arch,
                opts.base
            )
            .as_bytes(),
        );
        for f in &frags {
            for r in &f.requests {
                h.update(
                    format!(
                        "{}:{}:{}:{}\n",
                        r.symbol,
                        r.value.config_text(),
                        r.may_drop,
                        r.line
                    )
                    .as_bytes(),
                );
            }
            h.update(f.path.display().to_string().as_bytes());
        }
        if let Base::ConfigFile(p) = &opts.base {
            h.update(std::fs::read(p).unwrap_or_default());
        }
        out.join(KCONFIG_CACHE_DIR).join(hex::encode(h.finalize()))
    });
    if let Some(dir) = &cache {
        if let Some(mut o) = load_cached(dir) {
            if let Ok(cfg) = std::fs::read(dir.join("config")) {
                // Rewrite .config only when it differs: its mtime drives make.
                if std::fs::read(&config_path).ok().as_deref() != Some(cfg.as_slice()) {
                    std::fs::write(&config_path, &cfg).map_err(io_err("writing", &config_path))?;
                }
                o.reused = true;
                o.seconds = start.elapsed().as_secs_f64();
                return Ok(o);
            }
        }
    }

    let base_name = match &opts.base {
        Base::Target(t) => {
            run_make(factory, tree, out, &opts.arch, &[t.as_str()], &mut log)?;
            t.clone()
        }
        Base::ConfigFile(p) => {
            std::fs::copy(p, &config_path).map_err(io_err("copying base config", p))?;
            p.display().to_string()
        }
    };

    let (requests, overrides) = effective_requests(&frags);
    let base_text =
        std::fs::read_to_string(&config_path).map_err(io_err("reading", &config_path))?;
    let merged = apply_requests(&base_text, &requests);
    std::fs::write(&config_path, merged).map_err(io_err("writing", &config_path))?;
    run_make(factory, tree, out, &opts.arch, &["olddefconfig"], &mut log)?;

    let final_text =
        std::fs::read_to_string(&config_path).map_err(io_err("reading", &config_path))?;
    let cfg = DotConfig::parse(&final_text);
    let mut db: Option<KconfigDb> = None;
    let mut checks = Vec::new();
    for req in &requests {
        let actual = cfg.get(&req.symbol).map(str::to_owned);
        let held = holds(&req.value, actual.as_deref());
        let status = match (held, req.may_drop) {
            (true, _) => SymbolStatus::Held,
            (false, true) => SymbolStatus::DroppedAllowed,
            (false, false) => SymbolStatus::Dropped,
        };
        let reason = if held {
            None
        } else {
            let db = db.get_or_insert_with(|| KconfigDb::load(tree, &opts.srcarch));
            Some(explain(req, &cfg, db, &requests))
        };
        checks.push(SymbolCheck {
            symbol: req.symbol.clone(),
            wanted: req.value.config_text(),
            actual,
            status,
            requested_at: format!("{}:{}", req.file.display(), req.line),
            reason,
        });
    }
    let outcome = KconfigOutcome {
        schema: harness_schema::kconfig::KCONFIG_SCHEMA.to_owned(),
        tree: tree.to_owned(),
        out_dir: out.to_owned(),
        config_path,
        base: base_name,
        fragments: fragments.to_vec(),
        checks,
        overrides: overrides
            .iter()
            .map(|(a, b)| {
                format!(
                    "CONFIG_{}: {} ({}:{}) overridden by {} ({}:{})",
                    a.symbol,
                    a.value.config_text(),
                    a.file.display(),
                    a.line,
                    b.value.config_text(),
                    b.file.display(),
                    b.line
                )
            })
            .collect(),
        ignored_lines: frags
            .iter()
            .flat_map(|f| {
                f.ignored
                    .iter()
                    .map(move |(n, t)| format!("{}:{n}: {t}", f.path.display()))
            })
            .collect(),
        seconds: start.elapsed().as_secs_f64(),
        reused: false,
        log,
    };
    if let Some(dir) = &cache {
        // Best effort: a cache that cannot be written only costs time.
        if std::fs::create_dir_all(dir).is_ok()
            && std::fs::write(dir.join("config"), &final_text).is_ok()
        {
            let _ = std::fs::write(
                dir.join("outcome.json"),
                serde_json::to_vec_pretty(&outcome).unwrap_or_default(),
            );
        }
    }
    Ok(outcome)
}

fn load_cached(dir: &Path) -> Option<KconfigOutcome> {
    let text = std::fs::read(dir.join("outcome.json")).ok()?;
    serde_json::from_slice(&text).ok()
}

/// Replace every requested symbol's line in a `.config`, append the rest.
pub fn apply_requests(base: &str, requests: &[Request]) -> String {
    let mut out = String::new();
    let mut done = std::collections::HashSet::new();
    for line in base.lines() {
        let sym = line_symbol(line);
        match sym.and_then(|s| requests.iter().find(|r| r.symbol == s)) {
            Some(r) => {
                if done.insert(r.symbol.clone()) {
                    out.push_str(&r.value.config_line(&r.symbol));
                    out.push('\n');
                }
            }
            None => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    for r in requests {
        if !done.contains(&r.symbol) {
            out.push_str(&r.value.config_line(&r.symbol));
            out.push('\n');
        }
    }
    out
}

fn line_symbol(line: &str) -> Option<&str> {
    let l = line.trim();
    if let Some(rest) = l.strip_prefix("# CONFIG_") {
        return rest.strip_suffix(" is not set").map(str::trim);
    }
    l.strip_prefix("CONFIG_")
        .and_then(|r| r.split_once('='))
        .map(|(s, _)| s.trim())
}

/// Does the final value satisfy the request? `n` is satisfied by "is not set"
/// or absence (an invisible symbol is off).
pub fn holds(wanted: &RequestValue, actual: Option<&str>) -> bool {
    match wanted {
        RequestValue::Tristate('n') => matches!(actual, None | Some("n")),
        RequestValue::Tristate(c) => actual == Some(c.to_string().as_str()),
        RequestValue::String(s) => {
            actual.map(RequestValue::parse) == Some(RequestValue::String(s.clone()))
        }
        RequestValue::Number(n) => match actual {
            Some(a) => {
                let norm = |x: &str| {
                    let x = x.trim();
                    match x.strip_prefix("0x").or_else(|| x.strip_prefix("0X")) {
                        Some(h) => i64::from_str_radix(h, 16).ok(),
                        None => x.parse::<i64>().ok(),
                    }
                };
                a.trim() == n.trim() || (norm(a).is_some() && norm(a) == norm(n))
            }
            None => false,
        },
    }
}

fn explain(req: &Request, cfg: &DotConfig, db: &KconfigDb, requests: &[Request]) -> DropReason {
    let mut r = DropReason::default();
    let defs = match db.defs.get(&req.symbol) {
        Some(d) if !d.is_empty() => d,
        _ => {
            r.undefined = true;
            r.summary = format!(
                "CONFIG_{} is not defined in this tree's Kconfig (typo, or removed/renamed in this version)",
                req.symbol
            );
            return r;
        }
    };
    r.defined_at = defs
        .iter()
        .map(|d| format!("{}:{}", d.file, d.line))
        .collect();
    r.no_prompt = defs.iter().all(|d| !d.has_prompt);
    let wants_on = !matches!(req.value, RequestValue::Tristate('n'));
    let want_level = match req.value {
        RequestValue::Tristate('m') => 1,
        _ => 2,
    };
    if wants_on {
        for d in defs {
            let clauses = d
                .depends
                .iter()
                .map(|e| (e, "depends on"))
                .chain(d.inherited.iter().map(|e| (e, "enclosing if/menu")));
            for (expr, from) in clauses {
                for c in conjuncts(expr) {
                    if eval(&c, cfg) < want_level {
                        let syms = symbols_in(&c);
                        let requested = syms
                            .iter()
                            .filter_map(|s| requests.iter().find(|q| &q.symbol == s))
                            .map(|q| {
                                format!(
                                    "CONFIG_{}={} requested at {}:{}",
                                    q.symbol,
                                    q.value.config_text(),
                                    q.file.display(),
                                    q.line
                                )
                            })
                            .collect();
                        let unmet = UnmetClause {
                            expr: c.clone(),
                            from: format!("{} ({}:{})", from, d.file, d.line),
                            symbols: syms.iter().map(|s| (s.clone(), cfg.describe(s))).collect(),
                            requested,
                        };
                        if !r.unmet.contains(&unmet) {
                            r.unmet.push(unmet);
                        }
                    }
                }
            }
        }
    } else if let Some(sels) = db.selected_by.get(&req.symbol) {
        for s in sels {
            let active =
                cfg.tristate(&s.by) > 0 && s.condition.as_deref().is_none_or(|c| eval(c, cfg) > 0);
            if active && s.kind == "select" {
                r.selected_by.push(format!(
                    "{} (={}) at {}:{}{}",
                    s.by,
                    cfg.describe(&s.by),
                    s.file,
                    s.line,
                    s.condition
                        .as_deref()
                        .map(|c| format!(" if {c}"))
                        .unwrap_or_default()
                ));
            }
        }
    }
    let actual = cfg.describe(&req.symbol);
    r.summary = if !r.unmet.is_empty() {
        let parts: Vec<String> = r
            .unmet
            .iter()
            .map(|u| {
                let vals: Vec<String> = u.symbols.iter().map(|(s, v)| format!("{s}={v}")).collect();
                let mut t = format!("{} [{}]", u.expr, vals.join(", "));
                if !u.requested.is_empty() {
                    t.push_str(&format!(" — conflicts with {}", u.requested.join("; ")));
                }
                t
            })
            .collect();
        format!(
            "CONFIG_{} wanted {} but is {}: unmet dependency {}",
            req.symbol,
            req.value.config_text(),
            actual,
            parts.join("; ")
        )
    } else if !r.selected_by.is_empty() {
        format!(
            "CONFIG_{} wanted {} but is {}: forced by select from {}",
            req.symbol,
            req.value.config_text(),
            actual,
            r.selected_by.join("; ")
        )
    } else if r.no_prompt {
        format!(
            "CONFIG_{} wanted {} but is {}: it has no prompt, so only its default or a `select` sets it",
            req.symbol,
            req.value.config_text(),
            actual
        )
    } else {
        format!(
            "CONFIG_{} wanted {} but is {} (dependencies met; a choice group, range or default decided)",
            req.symbol,
            req.value.config_text(),
            actual
        )
    };
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_replace_and_append() {
        let base = "CONFIG_A=y\n# CONFIG_B is not set\nCONFIG_C=y\n";
        let f = Fragment::parse(
            Path::new("f"),
            "CONFIG_B=y\n# CONFIG_C is not set\nCONFIG_D=m\n",
        );
        let out = apply_requests(base, &f.requests);
        assert_eq!(
            out,
            "CONFIG_A=y\nCONFIG_B=y\n# CONFIG_C is not set\nCONFIG_D=m\n"
        );
    }

    #[test]
    fn holds_semantics() {
        let n = RequestValue::Tristate('n');
        assert!(holds(&n, None), "absent means off");
        assert!(holds(&n, Some("n")));
        assert!(!holds(&n, Some("m")));
        assert!(holds(&RequestValue::Tristate('y'), Some("y")));
        assert!(!holds(&RequestValue::Tristate('y'), Some("m")));
        assert!(holds(&RequestValue::Number("0x10".into()), Some("16")));
        assert!(holds(&RequestValue::String("a b".into()), Some("\"a b\"")));
        assert!(!holds(&RequestValue::String("a".into()), None));
    }

    #[test]
    fn explains_unmet_dependency_and_conflict() {
        let db = KconfigDb::parse_text(
            "net/ipv4/Kconfig",
            "config IP_ADVANCED_ROUTER\n\tbool \"adv\"\n\tdepends on INET\n\nconfig IP_MULTIPLE_TABLES\n\tbool \"policy\"\n\tdepends on IP_ADVANCED_ROUTER\n",
        );
        let cfg = DotConfig::parse("CONFIG_INET=y\n# CONFIG_IP_ADVANCED_ROUTER is not set\n");
        let f = Fragment::parse(
            Path::new("bad.config"),
            "CONFIG_IP_MULTIPLE_TABLES=y\n# CONFIG_IP_ADVANCED_ROUTER is not set\n",
        );
        let r = explain(&f.requests[0], &cfg, &db, &f.requests);
        assert_eq!(r.unmet.len(), 1);
        assert_eq!(r.unmet[0].expr, "IP_ADVANCED_ROUTER");
        assert_eq!(
            r.unmet[0].symbols,
            vec![("IP_ADVANCED_ROUTER".to_owned(), "n".to_owned())]
        );
        assert!(r.summary.contains("IP_ADVANCED_ROUTER"), "{}", r.summary);
        assert!(r.summary.contains("bad.config:2"), "{}", r.summary);
    }
}
