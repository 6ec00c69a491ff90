//! Human rendering of a diagnosis, in the style of a compiler error.

use super::{Cause, Diagnosis, DiffTag};
use std::fmt::Write;

/// Most expected/found lines shown before eliding.
const MAX_DIFF_LINES: usize = 40;

/// Render `d` for hunk at `path`:`line` (the line the hunk was expected at):
///
/// ```text
/// error[target-changed]: hunk does not apply
///   --> arch/x86/kvm/vmx/vmx_ops.h:11
///    |
///    = closest match: line 11, score 0.75
///    |     (- expected by the hunk, + found in the tree)
///    |  13   void vmread_error(unsigned long field, bool fault);
///    |     - __attribute__((regparm(0))) void vmread_error_trampoline(...
///    |  14   void vmwrite_error(unsigned long field, unsigned long value);
///    = cause: the code this hunk changes was rewritten: ...
///    = next step: port the change by hand ...
/// ```
pub fn render_human(d: &Diagnosis, path: &str, line: usize) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "error[{}]: hunk does not apply", d.cause.as_str());
    let _ = writeln!(s, "  --> {path}:{line}");
    let _ = writeln!(s, "   |");
    if let Some(to) = &d.moved_to {
        let _ = writeln!(s, "   = moved to: {to}");
    }
    if let Some(c) = &d.closest {
        let _ = writeln!(
            s,
            "   = closest match: line {}, score {:.2}{}",
            c.line,
            c.score,
            if d.cause == Cause::FileMoved {
                d.moved_to
                    .as_deref()
                    .map(|t| format!(" in {t}"))
                    .unwrap_or_default()
            } else {
                String::new()
            }
        );
    }
    if !d.candidates.is_empty() {
        let shown: Vec<String> = d
            .candidates
            .iter()
            .take(10)
            .map(|c| c.to_string())
            .collect();
        let _ = writeln!(s, "   = matches at lines: {}", shown.join(", "));
    }
    if !d.diff.is_empty() {
        let width = d
            .diff
            .iter()
            .filter_map(|x| x.line)
            .max()
            .unwrap_or(0)
            .to_string()
            .len();
        let _ = writeln!(
            s,
            "   |  {:>width$}  (- expected by the hunk, + found in the tree)",
            ""
        );
        for dl in d.diff.iter().take(MAX_DIFF_LINES) {
            let num = dl.line.map(|n| n.to_string()).unwrap_or_default();
            let mark = match dl.tag {
                DiffTag::Same => ' ',
                DiffTag::Expected => '-',
                DiffTag::Found => '+',
            };
            let _ = writeln!(s, "   |  {num:>width$} {mark} {}", dl.text);
        }
        if d.diff.len() > MAX_DIFF_LINES {
            let _ = writeln!(s, "   |  ... {} more lines", d.diff.len() - MAX_DIFF_LINES);
        }
    }
    let _ = writeln!(s, "   = cause: {}", d.summary);
    for b in &d.blame {
        let _ = writeln!(s, "   = last changed by: {b}");
    }
    if !d.next_step.is_empty() {
        let _ = writeln!(s, "   = next step: {}", d.next_step);
    }
    s
}
