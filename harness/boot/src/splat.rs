//! Kernel splats on the console: everything the kernel says went wrong while
//! it kept running (or not). A WARN, a lockdep report or a KASAN report while
//! every guest test passes is the classic false green of kernel CI, so the
//! whole boot and test log is scanned, not only for the first panic.
//!
//! Each splat gets its kind, the test that was running (the first KTAP result
//! printed after it: results come after the test ran), its first lines, and a
//! fingerprint, the first function names of its call trace (as NIPA does), so
//! the same splat is recognised across cells, trees and runs although
//! addresses, PIDs, CPU numbers and line numbers change.

use crate::ktap::clean_console_line;
use serde::{Deserialize, Serialize};

pub use harness_schema::boot::{Splat, SplatKind};

/// Lines kept per splat.
pub const SPLAT_LINES: usize = 12;
/// Lines read per splat when looking for its call trace. A lockdep report
/// prints both dependency chains and the scenario before its stack
/// backtrace: 75 lines to the module's frame for a two-lock inversion on
/// linux-6.1 (testdata/linux-6.1.192-debug-lock-inversion.log), more with
/// longer chains.
const SCAN_LINES: usize = 200;
/// Functions in a fingerprint.
const FINGERPRINT_FUNCS: usize = 3;

/// The kind of report a (cleaned) console line starts, if any.
pub fn splat_start(line: &str) -> Option<SplatKind> {
    let l = line.trim_start();
    const LOCKDEP: [&str; 6] = [
        "WARNING: possible circular locking dependency detected",
        "WARNING: possible recursive locking detected",
        "WARNING: inconsistent lock state",
        "WARNING: bad unlock balance detected",
        "WARNING: suspicious RCU usage",
        "WARNING: possible irq lock inversion dependency detected",
    ];
    let prefixed: [(&str, SplatKind); 12] = [
        (
            "BUG: sleeping function called from invalid context",
            SplatKind::SleepInAtomic,
        ),
        ("BUG: KASAN:", SplatKind::Kasan),
        ("BUG: KCSAN:", SplatKind::Kcsan),
        ("BUG: KFENCE:", SplatKind::Kfence),
        ("UBSAN:", SplatKind::Ubsan),
        ("watchdog: BUG: soft lockup", SplatKind::SoftLockup),
        ("refcount_t:", SplatKind::Refcount),
        ("unreferenced object 0x", SplatKind::Kmemleak),
        ("Kernel panic - not syncing", SplatKind::Panic),
        ("Oops:", SplatKind::Oops),
        ("general protection fault", SplatKind::Oops),
        ("Unable to handle kernel", SplatKind::Oops),
    ];
    if LOCKDEP.iter().any(|p| l.starts_with(p)) {
        return Some(SplatKind::Lockdep);
    }
    if let Some((_, k)) = prefixed.iter().find(|(p, _)| l.starts_with(p)) {
        return Some(*k);
    }
    if l.starts_with("rcu: INFO: rcu_") && l.contains("stall") {
        return Some(SplatKind::RcuStall);
    }
    if l.starts_with("INFO: task ") && l.contains("blocked for more than") {
        return Some(SplatKind::HungTask);
    }
    if l.contains("invoked oom-killer") {
        return Some(SplatKind::Oom);
    }
    if l.starts_with("WARNING: CPU:") || l.starts_with("WARNING: at ") {
        return Some(SplatKind::Warning);
    }
    if l.starts_with("BUG: ") || l.starts_with("kernel BUG at") {
        return Some(SplatKind::Bug);
    }
    None
}

const CUT_HERE: &str = "------------[ cut here ]------------";

/// Every splat in a console log, in order, each attributed to the test
/// whose KTAP result line follows it.
pub fn scan(console: &str) -> Vec<Splat> {
    let lines: Vec<String> = console.split('\n').map(clean_console_line).collect();
    let results = result_lines(&lines);
    let suite_start = lines.iter().position(|l| l.starts_with("KTAP version"));
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let (start, kind) = match start_at(&lines, i) {
            Some(found) => found,
            None => {
                i += 1;
                continue;
            }
        };
        let end = block_end(&lines, start);
        let in_suite = suite_start.is_some_and(|s| start > s);
        let test = if in_suite {
            test_at(&results, start)
        } else {
            None
        };
        out.push(splat_from(&lines[start..end], kind, start + 1, test));
        i = end.max(i + 1);
    }
    out
}

/// A splat starting at line `i`: a report line, or `cut here` followed
/// (within three lines) by one; a bare `cut here` block is a warning.
fn start_at(lines: &[String], i: usize) -> Option<(usize, SplatKind)> {
    let l = lines[i].trim();
    if l == CUT_HERE {
        let next = lines.iter().enumerate().skip(i + 1).take(3);
        return Some(
            next.filter_map(|(j, x)| splat_start(x).map(|k| (j, k)))
                .next()
                .unwrap_or((i, SplatKind::Warning)),
        );
    }
    splat_start(l).map(|k| (i, k))
}

/// Where a splat starting at `start` ends: after `---[ end trace`, before
/// the next report or KTAP result line, or after [`SCAN_LINES`].
fn block_end(lines: &[String], start: usize) -> usize {
    for (j, l) in lines.iter().enumerate().skip(start + 1).take(SCAN_LINES) {
        let t = l.trim();
        if t.starts_with("---[ end trace") || t.starts_with("---[ end Kernel panic") {
            return j + 1;
        }
        if t == CUT_HERE || splat_start(t).is_some() || is_ktap_result(t) {
            return j;
        }
    }
    (start + 1 + SCAN_LINES).min(lines.len())
}

fn splat_from(
    block: &[String],
    kind: SplatKind,
    console_line: usize,
    test: Option<String>,
) -> Splat {
    let headline = block
        .first()
        .map(|l| l.trim().to_string())
        .unwrap_or_default();
    let lines = block
        .iter()
        .map(|l| l.trim_end().to_string())
        .filter(|l| !l.trim().is_empty())
        .take(SPLAT_LINES)
        .collect();
    Splat {
        kind,
        fingerprint: fingerprint(kind, &headline, block),
        headline,
        test,
        lines,
        console_line,
        allowed: None,
    }
}

/// `kind:f1/f2/f3`: the function that fired (the `RIP:` line, or the
/// `... at FILE:LINE FUNC+0x..` of the headline), then the call trace's
/// reliable frames (`? ` frames are the unwinder's guesses), three in all;
/// without any function, the headline with every number replaced by `N`.
pub fn fingerprint(kind: SplatKind, headline: &str, block: &[String]) -> String {
    let kind_word = serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    let fired = block
        .iter()
        .find_map(|l| {
            l.trim()
                .strip_prefix("RIP: ")
                .and_then(|r| r.split_once(':'))
                .map(|(_, f)| f)
        })
        .and_then(frame_function)
        .or_else(|| headline.rsplit(' ').next().and_then(frame_function));
    let mut funcs: Vec<String> = fired.into_iter().collect();
    for f in trace_functions(block) {
        if funcs.len() == FINGERPRINT_FUNCS {
            break;
        }
        if !funcs.contains(&f) {
            funcs.push(f);
        }
    }
    if funcs.is_empty() {
        return format!("{kind_word}:{}", without_numbers(headline));
    }
    format!("{kind_word}:{}", funcs.join("/"))
}

/// Frames of the reporting and locking machinery itself (lockdep's checks,
/// the mutex and spinlock slow paths, WARN/BUG plumbing, the sanitizers'
/// report paths, the allocator under a kmemleak backtrace): the same in
/// every report of their kind, so a fingerprint made of them would tell
/// nothing apart. Exact names, then prefixes.
const PLUMBING: &[&str] = &[
    "show_stack",
    "print_circular_bug",
    "print_deadlock_bug",
    "print_usage_bug",
    "print_bad_irq_dependency",
    "print_lock_invalid_wait_context",
    "check_noncircular",
    "check_prev_add",
    "check_prevs_add",
    "check_irq_usage",
    "check_deadlock",
    "validate_chain",
    "mark_lock",
    "mark_usage",
    "mutex_lock_nested",
    "mutex_lock",
    "down_write",
    "down_read",
    "report_bug",
    "handle_bug",
    "exc_invalid_op",
    "asm_exc_invalid_op",
    "warn_slowpath_fmt",
    "__warn",
    "__warn_printk",
    "slab_post_alloc_hook",
];
const PLUMBING_PREFIXES: &[&str] = &[
    "dump_stack",
    "__lock_acquire",
    "lock_acquire",
    "lock_release",
    "lockdep_",
    "__mutex_lock",
    "_raw_spin_",
    "_raw_read_",
    "_raw_write_",
    "__might_",
    "___might_",
    "kasan_",
    "__kasan_",
    "__asan_",
    "__ubsan_",
    "ubsan_",
    "kmalloc",
    "__kmalloc",
    "kmem_cache_alloc",
    "__kmem_cache_alloc",
    "kmemleak_",
];

fn is_plumbing(function: &str) -> bool {
    PLUMBING.contains(&function) || PLUMBING_PREFIXES.iter().any(|p| function.starts_with(p))
}

/// The reliable frames of the first call trace in a block, without the
/// reporting machinery's own frames (all of them when nothing else is
/// left).
fn trace_functions(block: &[String]) -> Vec<String> {
    let frames = trace_frames(block);
    let own: Vec<String> = frames.iter().filter(|f| !is_plumbing(f)).cloned().collect();
    let mut chosen = if own.is_empty() { frames } else { own };
    chosen.truncate(FINGERPRINT_FUNCS);
    chosen
}

/// Every reliable frame of the first call trace in a block.
fn trace_frames(block: &[String]) -> Vec<String> {
    let mut funcs = Vec::new();
    let mut in_trace = false;
    for l in block {
        let t = l.trim();
        if t.starts_with("Call Trace:") || t.to_ascii_lowercase().starts_with("backtrace") {
            in_trace = true;
            continue;
        }
        // kmemleak prints frames as `[<address>] func+0x../0x..`.
        let t = match t.strip_prefix("[<") {
            Some(rest) => rest.split_once("] ").map(|(_, f)| f).unwrap_or(""),
            None => t,
        };
        if !in_trace || t.starts_with('<') || t.starts_with("? ") {
            continue;
        }
        match frame_function(t) {
            Some(f) => funcs.push(f),
            None if !funcs.is_empty() => break,
            None => {}
        }
    }
    funcs
}

/// `func+0x1a/0x40 [module]` -> `func`.
fn frame_function(frame: &str) -> Option<String> {
    let word = frame.split_whitespace().next()?;
    let (name, rest) = word.split_once("+0x")?;
    let ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        && rest.contains("/0x");
    ok.then(|| name.to_string())
}

/// Every run of digits (with hex digits and `x` after the first digit:
/// `0xffff8880`, `4294893418`) replaced by `N`.
fn without_numbers(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            while chars
                .peek()
                .is_some_and(|n| n.is_ascii_hexdigit() || *n == 'x')
            {
                chars.next();
            }
            out.push('N');
        } else {
            out.push(c);
        }
    }
    out
}

fn is_ktap_result(t: &str) -> bool {
    let rest = t.strip_prefix("not ok ").or_else(|| t.strip_prefix("ok "));
    rest.is_some_and(|r| r.chars().next().is_some_and(|c| c.is_ascii_digit()))
}

/// (line index, test name) of each top-level KTAP result line.
fn result_lines(lines: &[String]) -> Vec<(usize, String)> {
    lines
        .iter()
        .enumerate()
        .filter(|(_, l)| !l.starts_with(' ') && is_ktap_result(l))
        .filter_map(|(i, l)| {
            let rest = l
                .strip_prefix("not ok ")
                .or_else(|| l.strip_prefix("ok "))?;
            let name = rest.split_once(' ')?.1;
            let name = name.split(" # ").next().unwrap_or(name).trim();
            Some((i, name.to_string()))
        })
        .collect()
}

/// The test whose result follows line `at` (it was running then); none
/// before the suite's first line or after its last result.
fn test_at(results: &[(usize, String)], at: usize) -> Option<String> {
    results
        .iter()
        .find(|(i, _)| *i > at)
        .map(|(_, name)| name.clone())
}

/// Which splats fail a boot: `boot.splats` in matrix.yaml.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SplatPolicy {
    /// Kinds that fail a boot whose tests passed (default: every kind).
    #[serde(default = "all_kinds")]
    pub fail: Vec<SplatKind>,
    /// Fingerprints that never fail a boot, each with the reason (a known
    /// upstream warning, say); they are still reported.
    #[serde(default)]
    pub allow: Vec<AllowedSplat>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowedSplat {
    pub fingerprint: String,
    pub reason: String,
}

fn all_kinds() -> Vec<SplatKind> {
    SplatKind::ALL.to_vec()
}

impl Default for SplatPolicy {
    fn default() -> Self {
        SplatPolicy {
            fail: all_kinds(),
            allow: Vec::new(),
        }
    }
}

impl SplatPolicy {
    /// Mark the allowed splats (with their reason); return the first one
    /// that fails the boot, if any.
    pub fn judge<'a>(&self, splats: &'a mut [Splat]) -> Option<&'a Splat> {
        for s in splats.iter_mut() {
            s.allowed = self
                .allow
                .iter()
                .find(|a| a.fingerprint == s.fingerprint)
                .map(|a| a.reason.clone());
        }
        splats
            .iter()
            .find(|s| s.allowed.is_none() && self.fail.contains(&s.kind))
    }
}

#[cfg(test)]
#[path = "splat_tests.rs"]
mod tests;
