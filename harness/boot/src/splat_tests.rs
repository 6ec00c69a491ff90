//! Console text in the shapes linux-6.1 prints (include/asm-generic/bug.h's
//! `cut here` / `end trace`, lockdep's and kmemleak's reports), with the
//! printk timestamps a serial console carries.

use super::*;

/// A WARN_ON in veth while test 2 runs, then test 2's result.
const WARN_DURING_TEST_2: &str = "\
[    0.812345] Run /init as init process
KTAP version 1
1..3
ok 1 netns_create_delete
[    3.100001] ------------[ cut here ]------------
[    3.100002] WARNING: CPU: 0 PID: 93 at drivers/net/veth.c:1234 veth_newlink+0x2a1/0x3d0
[    3.100003] Modules linked in:
[    3.100004] CPU: 0 PID: 93 Comm: ip Not tainted 6.1.192 #1
[    3.100005] RIP: 0010:veth_newlink+0x2a1/0x3d0
[    3.100006] Call Trace:
[    3.100007]  <TASK>
[    3.100008]  ? __warn+0x7d/0xc0
[    3.100009]  __rtnl_newlink+0x5f1/0x930
[    3.100010]  rtnl_newlink+0x44/0x70
[    3.100011]  rtnetlink_rcv_msg+0x14d/0x3a0
[    3.100012]  netlink_rcv_skb+0x51/0x100
[    3.100013]  </TASK>
[    3.100014] ---[ end trace 0000000000000000 ]---
ok 2 loopback_per_netns
ok 3 veth_ping_both_ways
";

#[test]
fn a_warn_is_found_with_its_test_and_trace_fingerprint() {
    let s = scan(WARN_DURING_TEST_2);
    assert_eq!(s.len(), 1, "{s:#?}");
    let w = &s[0];
    assert_eq!(w.kind, SplatKind::Warning);
    assert!(w
        .headline
        .starts_with("WARNING: CPU: 0 PID: 93 at drivers/net/veth.c:1234"));
    // The result printed after the splat is the test that was running.
    assert_eq!(w.test.as_deref(), Some("loopback_per_netns"));
    // The function that fired (RIP), then the trace; `? __warn` is an
    // unwinder guess: skipped.
    assert_eq!(
        w.fingerprint,
        "warning:veth_newlink/__rtnl_newlink/rtnl_newlink"
    );
    assert_eq!(w.console_line, 6);
    assert!(w.lines.len() <= SPLAT_LINES);
}

#[test]
fn the_same_splat_in_another_run_has_the_same_fingerprint() {
    // Other addresses, PID, CPU, line number and timestamps.
    let other = WARN_DURING_TEST_2
        .replace("PID: 93", "PID: 117")
        .replace("CPU: 0", "CPU: 1")
        .replace("veth.c:1234", "veth.c:1301")
        .replace("+0x5f1/0x930", "+0x611/0x950")
        .replace("[    3.", "[    4.");
    assert_eq!(
        scan(&other)[0].fingerprint,
        scan(WARN_DURING_TEST_2)[0].fingerprint
    );
}

#[test]
fn lockdep_and_kmemleak_reports_and_boot_time_splats() {
    let console = "\
[    0.500000] WARNING: possible circular locking dependency detected
[    0.500001] 6.1.192 #1 Not tainted
[    0.500002] ------------------------------------------------------
[    0.500003] swapper/0/1 is trying to acquire lock:
[    0.500010] stack backtrace:
[    0.500011] CPU: 0 PID: 1 Comm: swapper/0 Not tainted 6.1.192 #1
[    0.500012] Call Trace:
[    0.500013]  <TASK>
[    0.500014]  dump_stack_lvl+0x44/0x5c
[    0.500015]  check_noncircular+0x11e/0x130
[    0.500016]  __lock_acquire+0x1161/0x1d30
[    0.500017]  </TASK>
KTAP version 1
1..1
[    5.000000] kmemleak: 1 new suspected memory leaks (see /sys/kernel/debug/kmemleak)
ok 1 netns_create_delete
unreferenced object 0xffff888003a1b200 (size 64):
  comm \"insmod\", pid 95, jiffies 4294893418 (age 8.584s)
  hex dump (first 32 bytes):
    00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00  ................
  backtrace:
    [<000000003d5f2c1e>] kmalloc_trace+0x26/0x90
    [<00000000b1c2d3e4>] leak_init+0x1a/0x1000 [leaky]
    [<00000000a1b2c3d4>] do_one_initcall+0x41/0x200
";
    let s = scan(console);
    let kinds: Vec<SplatKind> = s.iter().map(|x| x.kind).collect();
    assert_eq!(
        kinds,
        vec![SplatKind::Lockdep, SplatKind::Kmemleak],
        "{s:#?}"
    );
    // Before the suite started: no test to blame.
    assert_eq!(s[0].test, None);
    assert_eq!(
        s[0].fingerprint,
        "lockdep:dump_stack_lvl/check_noncircular/__lock_acquire"
    );
    // After the last result (kmemleak is read after the suite): no test.
    assert_eq!(s[1].test, None);
    // The allocator's own frame is left out: every kmemleak report has one.
    assert_eq!(s[1].fingerprint, "kmemleak:leak_init/do_one_initcall");
}

/// Real captures from linux-6.1.192 built with netns-base +
/// ip-multiple-tables-y + debug-lock-mem (harness/cli/tests/debug_kernel.rs
/// makes them): a module taking two mutexes in both orders, and one that
/// leaks a kmalloc'ed KiB. Lockdep's call trace starts with its own checks
/// and the mutex slow path; the fingerprint starts where the module called
/// in. The leak's backtrace is the allocation's.
#[test]
fn real_lockdep_and_kmemleak_reports_are_fingerprinted_by_their_callers() {
    let inversion = include_str!("../testdata/linux-6.1.192-debug-lock-inversion.log");
    let s = scan(inversion);
    assert_eq!(s.len(), 1, "{s:#?}");
    assert_eq!(s[0].kind, SplatKind::Lockdep);
    assert_eq!(
        s[0].fingerprint,
        "lockdep:inversion_init/do_one_initcall/do_init_module"
    );
    let leak = include_str!("../testdata/linux-6.1.192-debug-leak.log");
    let s = scan(leak);
    assert_eq!(s.len(), 1, "{s:#?}");
    assert_eq!(s[0].kind, SplatKind::Kmemleak);
    assert_eq!(
        s[0].fingerprint,
        "kmemleak:leak_init/do_one_initcall/do_init_module"
    );
}

#[test]
fn every_kind_is_recognised_by_its_first_line() {
    let cases = [
        (
            "BUG: KASAN: slab-out-of-bounds in foo+0x1/0x2",
            SplatKind::Kasan,
        ),
        ("BUG: KCSAN: data-race in a / b", SplatKind::Kcsan),
        ("BUG: KFENCE: use-after-free read in x", SplatKind::Kfence),
        (
            "UBSAN: shift-out-of-bounds in net/core/dev.c:10:2",
            SplatKind::Ubsan,
        ),
        (
            "rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:",
            SplatKind::RcuStall,
        ),
        (
            "INFO: task ip:93 blocked for more than 120 seconds.",
            SplatKind::HungTask,
        ),
        (
            "refcount_t: underflow; use-after-free.",
            SplatKind::Refcount,
        ),
        (
            "watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [ip:93]",
            SplatKind::SoftLockup,
        ),
        (
            "ip invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0",
            SplatKind::Oom,
        ),
        (
            "BUG: sleeping function called from invalid context at kernel/locking/rtmutex.c:1",
            SplatKind::SleepInAtomic,
        ),
        ("WARNING: suspicious RCU usage", SplatKind::Lockdep),
        (
            "BUG: unable to handle page fault for address: 0000000000000008",
            SplatKind::Bug,
        ),
        (
            "general protection fault, probably for non-canonical address",
            SplatKind::Oops,
        ),
        (
            "Kernel panic - not syncing: Attempted to kill init!",
            SplatKind::Panic,
        ),
        ("WARNING: at kernel/foo.c:1 foo+0x1/0x2", SplatKind::Warning),
    ];
    for (line, kind) in cases {
        assert_eq!(splat_start(line), Some(kind), "{line}");
        assert_eq!(scan(line).len(), 1, "{line}");
    }
    // Ordinary boot chatter is not a splat.
    for line in [
        "kmemleak: Kernel memory leak detector initialized (mem pool available: 15745)",
        "rcu: Hierarchical RCU implementation.",
        "x86/fpu: Supporting XSAVE feature 0x001: 'x87 floating point registers'",
        "# WARNING: this is a test's own diagnostic",
    ] {
        assert!(scan(line).is_empty(), "{line}");
    }
}

#[test]
fn a_fingerprint_without_a_trace_comes_from_the_headline() {
    let f = fingerprint(
        SplatKind::Warning,
        "WARNING: CPU: 0 PID: 1 at kernel/foo.c:7 foo_bar+0x1a/0x40",
        &[],
    );
    assert_eq!(f, "warning:foo_bar");
    let f = fingerprint(
        SplatKind::HungTask,
        "INFO: task ip:93 blocked for more than 120 seconds.",
        &[],
    );
    assert_eq!(
        f,
        "hung-task:INFO: task ip:N blocked for more than N seconds."
    );
}

#[test]
fn the_policy_fails_on_a_kind_it_lists_unless_the_fingerprint_is_allowed() {
    let mut splats = scan(WARN_DURING_TEST_2);
    let policy = SplatPolicy::default();
    let failing = policy.judge(&mut splats).map(|s| s.fingerprint.clone());
    assert_eq!(
        failing.as_deref(),
        Some("warning:veth_newlink/__rtnl_newlink/rtnl_newlink")
    );
    let allow = SplatPolicy {
        allow: vec![AllowedSplat {
            fingerprint: "warning:veth_newlink/__rtnl_newlink/rtnl_newlink".into(),
            reason: "known veth warning, fixed upstream".into(),
        }],
        ..SplatPolicy::default()
    };
    assert!(allow.judge(&mut splats).is_none());
    assert_eq!(
        splats[0].allowed.as_deref(),
        Some("known veth warning, fixed upstream")
    );
    let only_kasan = SplatPolicy {
        fail: vec![SplatKind::Kasan],
        allow: vec![],
    };
    assert!(only_kasan.judge(&mut splats).is_none());
    assert_eq!(splats[0].allowed, None, "judging again resets the marks");
}

#[test]
fn a_real_clean_boot_has_no_splats() {
    // The console of Debian's 6.1 kernel booting the guest suite under TCG
    // (captured by boot_qemu; every test passed, no warning printed).
    let console = include_str!("../testdata/debian-6.1.176-tcg-all-pass.log");
    assert!(console.contains("KTAP version 1"));
    assert_eq!(scan(console), vec![]);
}
