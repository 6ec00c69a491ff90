//! `harness`: the thin command-line layer. Each subcommand lives in `cmd/`,
//! parses its arguments with clap, calls the library crates, and renders.
//!
//! Exit codes (everywhere): 0 nothing failed; 1 a result failed (a hunk not
//! applied, a build, boot or test failed, a regression); 2 the tool could not
//! do its job (bad arguments, unreadable input, missing host tool).

mod cmd;
mod common;
mod examples;
mod lore;
mod project;
mod tree_arg;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "harness",
    version,
    about = "Apply kernel patch series to pinned trees, build, boot and test them",
    long_about = "Apply a kernel patch series (mbox, quilt, format-patch directory, archive text) to \
pinned kernel trees; report every hunk that does not apply and why; build each tree with a matrix \
of kernel configs, boot each kernel in QEMU and run network-namespace tests in the guest.\n\n\
Exit codes: 0 nothing failed; 1 a result failed (hunk, build, boot, test, regression); \
2 the tool could not do its job (bad arguments, unreadable input, missing host tool).",
    after_help = "Run `harness matrix` with no arguments for the project's default matrix."
)]
struct Cli {
    /// The project directory: matrix.yaml, trees.yaml, kernel-configs/, qemu/,
    /// patches/. Default: the nearest ancestor of the current directory holding
    /// patches/ and kernel-configs/, else the copy embedded in this binary
    /// (written once into the cache).
    #[arg(long, global = true, value_name = "DIR", env = "HARNESS_PROJECT")]
    project: Option<std::path::PathBuf>,
    #[command(flatten)]
    lore: lore::LoreArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Apply a series to a tree and report a verdict for every hunk.
    #[command(after_help = examples::APPLY)]
    Apply(cmd::apply::Args),
    /// Show what a series source contains: patches, revisions, gaps.
    #[command(after_help = examples::SERIES)]
    Series(cmd::series::Args),
    /// Compare two revisions of a series on a tree: refresh only, or content changed?
    #[command(after_help = examples::REFRESH_CHECK)]
    RefreshCheck(cmd::refresh_check::Args),
    /// Rewrite a series against a tree (new positions and context; rejects kept).
    #[command(after_help = examples::REFRESH)]
    Refresh(cmd::refresh::Args),
    /// Pinned kernel trees: fetch, list, verify, path.
    #[command(subcommand, after_help = examples::TREE)]
    Tree(cmd::tree::TreeCommand),
    /// Merge config fragments into a .config and verify requested symbols survived.
    #[command(after_help = examples::KCONFIG)]
    Kconfig(cmd::kconfig::Args),
    /// Build a kernel tree with a config (make O=DIR), parsing warnings and errors.
    #[command(after_help = examples::BUILD)]
    Build(cmd::build::Args),
    /// Boot a kernel in QEMU with the harness initramfs and run the guest tests.
    #[command(after_help = examples::BOOT)]
    Boot(cmd::boot::Args),
    /// Run series x trees x configs: apply, kconfig, build, boot, test, report.
    #[command(after_help = examples::MATRIX)]
    Matrix(cmd::matrix::Args),
    /// Run the tree's checkpatch.pl on every patch of a series; findings per patch.
    Checkpatch(cmd::checkpatch::Args),
    /// b4's CI check protocol: one patch mail on stdin, JSON results on stdout.
    Check(cmd::check::Args),
    /// Work with reports: merge shards, render, export.
    #[command(subcommand, after_help = examples::REPORT)]
    Report(cmd::report::ReportCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(dir) = cli.project.clone() {
        project::set_explicit(dir);
    }
    lore::set(cli.lore.clone());
    let result = match cli.command {
        Command::Apply(a) => cmd::apply::run(a),
        Command::Series(a) => cmd::series::run(a),
        Command::RefreshCheck(a) => cmd::refresh_check::run(a),
        Command::Refresh(a) => cmd::refresh::run(a),
        Command::Tree(c) => cmd::tree::run(c),
        Command::Kconfig(a) => cmd::kconfig::run(a),
        Command::Build(a) => cmd::build::run(a),
        Command::Boot(a) => cmd::boot::run(a),
        Command::Matrix(a) => cmd::matrix::run(a),
        Command::Report(c) => cmd::report::run(c),
        Command::Checkpatch(a) => cmd::checkpatch::run(a),
        Command::Check(a) => cmd::check::run(a),
    };
    let failed_stdout = common::STDOUT_FAILED.load(std::sync::atomic::Ordering::SeqCst);
    match result {
        Ok(_) if failed_stdout => common::Outcome::Infra.into(),
        Ok(code) => code.into(),
        // The reader of our stdout went away: nothing to say, and no one to
        // say it to.
        Err(err) if common::is_broken_pipe(&err) => common::Outcome::Infra.into(),
        Err(err) => {
            eprintln!("harness: error: {err:#}");
            common::Outcome::Infra.into()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `harness ...` command line in the help examples parses: an
    /// example that names a flag that does not exist fails here.
    #[test]
    fn every_help_example_parses() {
        let all = [
            examples::APPLY,
            examples::SERIES,
            examples::REFRESH_CHECK,
            examples::REFRESH,
            examples::KCONFIG,
            examples::BUILD,
            examples::BOOT,
            examples::MATRIX,
            examples::TREE,
            examples::REPORT,
        ];
        let mut checked = 0;
        let mut bad = Vec::new();
        for text in all {
            assert!(text.starts_with("Examples:\n"), "{text}");
            for line in text.lines().skip(1) {
                for cmd in line.split("&&").map(str::trim) {
                    // The description follows the command after two spaces.
                    let cmd = cmd.split("  ").next().unwrap_or("").trim();
                    if !cmd.starts_with("harness ") {
                        continue;
                    }
                    let words: Vec<&str> = cmd.split_whitespace().collect();
                    if let Err(e) = Cli::try_parse_from(&words) {
                        bad.push(format!("example `{cmd}` does not parse: {e}"));
                    }
                    checked += 1;
                }
            }
        }
        assert!(bad.is_empty(), "{}", bad.join("\n"));
        assert!(checked >= 20, "only {checked} examples checked");
    }
}
