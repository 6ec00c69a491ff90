//! Unit tests of the KTAP parser (the parent module).

use super::*;

fn names(level: &KtapLevel) -> Vec<(String, KtapStatus)> {
    level
        .results
        .iter()
        .map(|r| (r.name.clone(), r.status))
        .collect()
}

#[test]
fn clean_line_strips_timestamp_loglevel_cr_ansi() {
    assert_eq!(clean_console_line("[    1.234567] ok 1 foo\r"), "ok 1 foo");
    assert_eq!(
        clean_console_line("[   12.000001]     ok 2 sub"),
        "    ok 2 sub"
    );
    assert_eq!(clean_console_line("<6>ok 1 x"), "ok 1 x");
    assert_eq!(clean_console_line("\u{1b}[0;32mok 1 x\u{1b}[0m"), "ok 1 x");
    // Not a timestamp: left alone.
    assert_eq!(clean_console_line("[abc] ok"), "[abc] ok");
}

/// A capture shaped like what qemu/init prints on the Debian 6.1 kernel,
/// with printk lines between and inside the KTAP output.
const GUEST_CAPTURE: &str = "\
[    0.000000] Linux version 6.1.0-50-amd64 (debian-kernel@lists.debian.org)\r
[    0.000000] Command line: console=ttyS0 panic=-1 rdinit=/init\r
[    8.427300] Run /init as init process\r
harness-init: kernel 6.1.0-50-amd64, running /harness/run-tests\r
KTAP version 1\r
# harness netns suite, kernel 6.1.0-50-amd64\r
1..4\r
ok 1 netns_create_delete\r
    KTAP version 1\r
    # Subtest: veth_ping_both_ways\r
    1..2\r
[    9.100000] IPv6: ADDRCONF(NETDEV_CHANGE): vth-b: link becomes ready\r
    ok 1 ping_a_to_b\r
    not ok 2 ping_b_to_a\r
# veth_ping_both_ways: 1 of 2 subtests failed\r
not ok 2 veth_ping_both_ways\r
ok 3 policy_routing # XFAIL CONFIG_IP_MULTIPLE_TABLES=n: ip rule add refused\r
ok 4 device_isolation # SKIP requires CONFIG_VETH=y\r
# harness netns suite done\r
";

#[test]
fn guest_capture_with_noise_and_subtests() {
    let doc = parse(GUEST_CAPTURE);
    assert!(doc.found);
    assert!(!doc.truncated);
    assert_eq!(doc.top.version.as_deref(), Some("KTAP version 1"));
    assert_eq!(doc.top.plan, Some(4));
    assert_eq!(
        names(&doc.top),
        vec![
            ("netns_create_delete".into(), KtapStatus::Pass),
            ("veth_ping_both_ways".into(), KtapStatus::Fail),
            ("policy_routing".into(), KtapStatus::Xfail),
            ("device_isolation".into(), KtapStatus::Skip),
        ]
    );
    let veth = &doc.top.results[1];
    assert_eq!(veth.subtests.len(), 2);
    assert_eq!(veth.subtests[1].name, "ping_b_to_a");
    assert_eq!(veth.subtests[1].status, KtapStatus::Fail);
    assert_eq!(
        veth.reason.as_deref(),
        Some("veth_ping_both_ways: 1 of 2 subtests failed")
    );
    assert_eq!(
        doc.top.results[2].reason.as_deref(),
        Some("CONFIG_IP_MULTIPLE_TABLES=n: ip rule add refused")
    );
    assert_eq!(doc.top.results[3].directive, Some(Directive::Skip));
    assert!(doc.top.missing.is_empty());
}

/// KUnit output as the kernel prints it through printk (timestamps on
/// every line, subtests indented, "# Subtest:" inside the block).
#[test]
fn kunit_through_printk() {
    let text = "\
[    0.512345] KTAP version 1
[    0.512350] 1..2
[    0.512400]     KTAP version 1
[    0.512401]     # Subtest: list-kernel-test
[    0.512402]     1..3
[    0.512500]     ok 1 list_test_list_init
[    0.512600]     ok 2 list_test_list_add # SKIP not on this arch
[    0.512700]     not ok 3 list_test_list_del
[    0.512750]         # list_test_list_del: EXPECTATION FAILED at lib/list-test.c:42
[    0.512800] # list-kernel-test: pass:1 fail:1 skip:1 total:3
[    0.512900] not ok 1 list-kernel-test
[    0.513000]     KTAP version 1
[    0.513001]     # Subtest: example
[    0.513002]     1..1
[    0.513100]     ok 1 example_simple_test
[    0.513200] ok 2 example
";
    let doc = parse(text);
    assert!(!doc.truncated, "{doc:#?}");
    assert_eq!(
        names(&doc.top),
        vec![
            ("list-kernel-test".into(), KtapStatus::Fail),
            ("example".into(), KtapStatus::Pass)
        ]
    );
    let list = &doc.top.results[0];
    assert_eq!(list.subtests.len(), 3);
    assert_eq!(list.subtests[1].status, KtapStatus::Skip);
    assert_eq!(list.subtests[1].reason.as_deref(), Some("not on this arch"));
    assert_eq!(list.subtests[2].status, KtapStatus::Fail);
    assert_eq!(doc.top.results[1].subtests.len(), 1);
}

#[test]
fn directives_case_and_todo_semantics() {
    let text = "\
TAP version 13
1..7
ok 1 a # skip no device
not ok 2 b # TODO known broken
ok 3 c # TODO fixed meanwhile
not ok 4 d # TIMEOUT
not ok 5 - e # error setup
ok 6 f # issue #123 is a comment, not a directive
not ok 7 g # SKIP counted as skip even when not ok
";
    let doc = parse(text);
    let got: Vec<_> = doc
        .top
        .results
        .iter()
        .map(|r| (r.name.as_str(), r.status, r.reason.as_deref()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("a", KtapStatus::Skip, Some("no device")),
            ("b", KtapStatus::Xfail, Some("known broken")),
            ("c", KtapStatus::Pass, Some("fixed meanwhile")),
            ("d", KtapStatus::Fail, Some("timeout")),
            ("e", KtapStatus::Fail, Some("setup")),
            (
                "f # issue #123 is a comment, not a directive",
                KtapStatus::Pass,
                None
            ),
            (
                "g",
                KtapStatus::Skip,
                Some("counted as skip even when not ok")
            ),
        ]
    );
}

#[test]
fn repeated_names_are_kept_apart() {
    let text = "KTAP version 1\n1..3\nok 1 ping\nnot ok 2 ping\nok 3 ping\n";
    let doc = parse(text);
    assert_eq!(doc.top.results.len(), 3);
    assert_eq!(doc.top.results[1].status, KtapStatus::Fail);
    assert_eq!(doc.top.results[1].number, Some(2));
}

#[test]
fn missing_plan_still_parses() {
    let text = "KTAP version 1\nok 1 a\nnot ok 2 b\n";
    let doc = parse(text);
    assert_eq!(doc.top.plan, None);
    assert_eq!(doc.top.results.len(), 2);
    assert!(!doc.truncated);
}

#[test]
fn plan_at_end_is_accepted() {
    let text = "TAP version 13\nok 1 a\nok 2 b\n1..2\n";
    let doc = parse(text);
    assert_eq!(doc.top.plan, Some(2));
    assert!(doc.top.missing.is_empty());
    assert!(!doc.truncated);
}

/// The kernel panicked in test 2's subtests: the block never closed,
/// tests 3 and 4 never ran.
#[test]
fn truncated_by_a_crash() {
    let text = "\
KTAP version 1
1..4
ok 1 first
    KTAP version 1
    # Subtest: second
    1..3
    ok 1 sub_a
[    3.100000] BUG: kernel NULL pointer dereference, address: 0000000000000008
[    3.100001] #PF: supervisor read access in kernel mode
[    3.100200] Kernel panic - not syncing: Fatal exception in interrupt
";
    let doc = parse(text);
    assert!(doc.truncated);
    assert_eq!(doc.top.results.len(), 2);
    let second = &doc.top.results[1];
    assert_eq!(second.name, "second");
    assert!(second.unfinished);
    assert_eq!(second.status, KtapStatus::Fail);
    assert_eq!(second.number, Some(2));
    assert_eq!(second.subtests.len(), 1);
    assert_eq!(doc.top.missing, vec![3, 4]);
}

#[test]
fn truncated_at_top_level() {
    let text = "KTAP version 1\n1..3\nok 1 a\nok 2 b\n[ 2.0] reboot: Restarting system";
    let doc = parse(text);
    assert!(doc.truncated);
    assert_eq!(doc.top.missing, vec![3]);
}

#[test]
fn no_ktap_at_all() {
    let doc = parse("[    0.0] Linux version 6.1\n# not ktap\nhello\n");
    assert!(!doc.found);
    assert!(doc.top.results.is_empty());
    let doc = parse("");
    assert!(!doc.found);
}

#[test]
fn okay_and_similar_words_are_noise() {
    let doc = parse("okay then\nokular\nnot okay\nKTAP version 1\n1..1\nok 1 x\n");
    assert_eq!(doc.top.results.len(), 1);
    assert_eq!(doc.top.results[0].name, "x");
}

#[test]
fn bail_out_recorded() {
    let doc = parse("TAP version 13\n1..3\nok 1 a\nBail out! no network\n");
    assert_eq!(doc.top.bailed_out.as_deref(), Some("no network"));
    assert_eq!(doc.top.missing, vec![2, 3]);
}

#[test]
fn two_levels_of_nesting() {
    let text = "\
KTAP version 1
1..1
    KTAP version 1
    # Subtest: outer
    1..1
        KTAP version 1
        # Subtest: inner
        1..2
        ok 1 x
        ok 2 y
    ok 1 inner
ok 1 outer
";
    let doc = parse(text);
    assert!(!doc.truncated, "{doc:#?}");
    let outer = &doc.top.results[0];
    assert_eq!(outer.name, "outer");
    assert_eq!(outer.subtests.len(), 1);
    assert_eq!(outer.subtests[0].name, "inner");
    assert_eq!(outer.subtests[0].subtests.len(), 2);
}

#[test]
fn arbitrary_bytes_do_not_panic() {
    // Not a fuzzer, but a spread of awkward inputs.
    for s in [
        "[",
        "[ ]",
        "[1.]",
        "<",
        "<>",
        "ok",
        "not ok",
        "1..",
        "1..x",
        "  ok 1",
        "\u{1b}[",
        "ok 99999999999999999999 big",
        "    \n  ok 1 a\nok 2 b\n      ok 1 c",
        "# Subtest: x\n    ok 1 y",
        "é\u{0}\u{1b}[9999",
        "\tok 1 tab\n",
    ] {
        let _ = parse(s);
    }
}
