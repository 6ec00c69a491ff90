//! Running the `harness` binary under test and reading its `harness.apply/1`
//! JSON (read as plain JSON, field by field, so a contract break shows up as
//! a clear message rather than a serde error from the engine's own types).

use super::proc::{self, Ran};
use serde_json::Value;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_harness")
}

pub fn command() -> Command {
    let mut c = Command::new(bin());
    c.env("NO_COLOR", "1").env_remove("RUST_BACKTRACE");
    c
}

/// `harness apply SERIES --tree TREE --json - [extra...]`, bounded by `limit`.
pub fn apply(series: &Path, tree: &Path, extra: &[&str], limit: Duration) -> Ran {
    let mut c = command();
    c.arg("apply")
        .arg(series)
        .arg("--tree")
        .arg(tree)
        .arg("--json")
        .arg("-");
    c.args(extra);
    proc::run(&mut c, limit)
}

/// Panics are exit code 101 (Rust's panic exit) or a "panicked at" message.
pub fn assert_no_panic(ran: &Ran, what: &str) {
    assert!(
        !ran.timed_out,
        "{what}: harness did not finish: {}",
        ran.describe()
    );
    assert_ne!(
        ran.code,
        Some(101),
        "{what}: harness PANICKED: {}",
        ran.describe()
    );
    assert!(
        !ran.stderr_str().contains("panicked at"),
        "{what}: harness PANICKED: {}",
        ran.describe()
    );
    assert!(
        ran.code.is_some(),
        "{what}: harness killed by a signal: {}",
        ran.describe()
    );
}

#[derive(Debug, Clone)]
pub struct HHunk {
    pub index: usize,
    pub status: String,
    pub offset: Option<i64>,
    pub fuzz: Option<i64>,
    pub line: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct HFile {
    pub path: String,
    pub occurrence: usize,
    pub status: String,
    pub reason: Option<String>,
    pub hunks: Vec<HHunk>,
}

#[derive(Debug, Clone)]
pub struct HPatch {
    pub index: usize,
    pub name: String,
    pub status: String,
    pub files: Vec<HFile>,
}

fn field<'a>(v: &'a Value, key: &str, ctx: &str) -> Result<&'a Value, String> {
    v.get(key)
        .ok_or_else(|| format!("{ctx}: missing field `{key}`"))
}

fn opt_i64(v: &Value, key: &str, ctx: &str) -> Result<Option<i64>, String> {
    match field(v, key, ctx)? {
        Value::Null => Ok(None),
        x => x
            .as_i64()
            .map(Some)
            .ok_or_else(|| format!("{ctx}: `{key}` is not an integer or null: {x}")),
    }
}

fn string(v: &Value, key: &str, ctx: &str) -> Result<String, String> {
    field(v, key, ctx)?
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("{ctx}: `{key}` is not a string"))
}

/// Read a `harness.apply/1` document into patches -> files -> hunks.
pub fn parse_report(doc: &Value) -> Result<Vec<HPatch>, String> {
    let schema = string(doc, "schema", "report")?;
    if schema != "harness.apply/1" {
        return Err(format!(
            "report: schema is {schema:?}, want \"harness.apply/1\""
        ));
    }
    let patches = field(doc, "patches", "report")?
        .as_array()
        .ok_or("report: `patches` is not an array")?;
    let mut out = Vec::new();
    for (pi, p) in patches.iter().enumerate() {
        let ctx = format!("patches[{pi}]");
        let index = field(p, "index", &ctx)?
            .as_u64()
            .ok_or_else(|| format!("{ctx}: `index` not a number"))? as usize;
        let name = string(p, "name", &ctx)?;
        let status = string(p, "status", &ctx)?;
        let _subject = field(p, "subject", &ctx)?;
        let mut files = Vec::new();
        for (fi, f) in field(p, "files", &ctx)?
            .as_array()
            .ok_or_else(|| format!("{ctx}: `files` not an array"))?
            .iter()
            .enumerate()
        {
            let fctx = format!("{ctx}.files[{fi}]");
            let path = string(f, "path", &fctx)?;
            let occurrence = files.iter().filter(|x: &&HFile| x.path == path).count();
            let fstatus = string(f, "status", &fctx)?;
            let reason = f.get("reason").and_then(Value::as_str).map(str::to_owned);
            let mut hunks = Vec::new();
            for (hi, h) in field(f, "hunks", &fctx)?
                .as_array()
                .ok_or_else(|| format!("{fctx}: `hunks` not an array"))?
                .iter()
                .enumerate()
            {
                let hctx = format!("{fctx}.hunks[{hi}]");
                hunks.push(HHunk {
                    index: field(h, "index", &hctx)?
                        .as_u64()
                        .ok_or_else(|| format!("{hctx}: `index` not a number"))?
                        as usize,
                    status: string(h, "status", &hctx)?,
                    offset: opt_i64(h, "offset", &hctx)?,
                    fuzz: opt_i64(h, "fuzz", &hctx)?,
                    line: opt_i64(h, "line", &hctx)?,
                });
            }
            files.push(HFile {
                path,
                occurrence,
                status: fstatus,
                reason,
                hunks,
            });
        }
        out.push(HPatch {
            index,
            name,
            status,
            files,
        });
    }
    Ok(out)
}

/// Run `harness apply ... --json -` and parse its report; the error says
/// what the binary printed.
pub fn apply_report(
    series: &Path,
    tree: &Path,
    limit: Duration,
) -> Result<(Ran, Vec<HPatch>), String> {
    let ran = apply(series, tree, &[], limit);
    if ran.timed_out || ran.code == Some(101) || ran.stderr_str().contains("panicked at") {
        return Err(format!("harness apply failed badly: {}", ran.describe()));
    }
    let doc: Value = serde_json::from_slice(&ran.stdout).map_err(|e| {
        format!(
            "harness apply --json - did not print JSON ({e}): {}",
            ran.describe()
        )
    })?;
    let patches = parse_report(&doc).map_err(|e| format!("{e}\n{}", ran.describe()))?;
    Ok((ran, patches))
}
