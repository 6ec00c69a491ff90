//! The `Examples:` section of each subcommand's `--help` (one place, so the
//! test in `cli/tests/help.rs` can check every subcommand has one).

pub const APPLY: &str = "Examples:
  harness apply thread.mbox --tree ~/src/linux              verdict per hunk on your checkout
  harness apply patches/preempt-rt --tree linux-6.1         a pinned tree by name (see `harness tree list`)
  harness apply v2.mbox --tree linux-6.12 --brief           one line per failed hunk, then what to fix first
  harness apply fix.patch --tree ~/src/linux --3way         fall back to a 3-way merge, as git am -3
  harness apply thread.mbox --tree auto --repo ~/src/linux  on its base-commit, or the commit its blob ids name
  harness apply patches/preempt-rt --tree auto              the pinned tree it fits best, per-candidate counts
  harness apply series.mbox --tree ~/src/linux --into /tmp/patched --json report.json";

pub const SERIES: &str = "Examples:
  harness series thread.mbox                   patches, revisions, reviews, gaps
  harness series thread.mbox --revision 2      only v2
  harness series thread.mbox --am v2.mbox      write the chosen revision as an mbox for git am
  b4 mbox <message-id> && harness series <message-id>.mbx";

pub const REFRESH_CHECK: &str = "Examples:
  harness refresh-check thread.mbox --tree linux-6.1     v1 vs the newest revision in the thread
  harness refresh-check v1.mbox v2.mbox --tree ~/src/linux";

pub const REFRESH: &str = "Examples:
  harness refresh patches/preempt-rt --tree linux-6.12 --out /tmp/refreshed";

pub const KCONFIG: &str = "Examples:
  harness kconfig --tree linux-6.1 kernel-configs/netns-base.config --out /tmp/cfg";

pub const BUILD: &str = "Examples:
  harness build --tree linux-6.1 --config kernel-configs/netns-base.config --out /tmp/build";

pub const BOOT: &str = "Examples:
  harness boot /tmp/build/arch/x86/boot/bzImage --json -
  harness boot vmlinuz --module dummy.ko";

pub const MATRIX: &str = "Examples:
  harness matrix                                      the project's default matrix (matrix.yaml)
  harness matrix --tree linux-6.1 --series base       one row of it
  harness matrix --apply-only                         apply every series, build nothing
  harness matrix --compare results/<older-run-id>     regressions against an older run";

pub const TREE: &str = "Examples:
  harness tree list
  harness tree fetch linux-6.1 && harness tree verify linux-6.1
  cd \"$(harness tree path linux-6.1)\"";

pub const REPORT: &str = "Examples:
  harness report render results/<run-id> --out /tmp/rendered      Markdown, JUnit, HTML again
  harness report compare <old-run-id> <new-run-id>                  regressions between two runs
  harness report kcidb results/<run-id>/report.json --out kcidb.json";
