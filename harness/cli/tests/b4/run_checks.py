"""Run b4's own per-patch check runner on an mbox, as `b4 review` does.

Usage (cwd inside a git repository whose config sets
b4.review-perpatch-check-cmd): python run_checks.py MBOX

The patches are picked and ordered exactly as b4's review TUI picks them
(b4/review_tui/_common.py: LoreSubject, cover letter skipped, sorted by
counter); the config is read by b4.setup_config after b4's own parser read
`review tui`; the commands come from that config (checks.load_check_cmds) and run
through checks.run_perpatch_checks, which feeds each patch on stdin and reads
the JSON the command prints. Prints [[subject, [result, ...]], ...] as JSON.
"""
import json
import sys

import b4
import b4.command
import b4.review.checks as checks
import liblore.utils


def main() -> None:
    # What `b4 review tui` does before it runs anything: parse its command
    # line and read the configuration (git config b4.*).
    cmdargs = b4.command.setup_parser().parse_args(['review', 'tui'])
    b4.setup_config(cmdargs)
    with open(sys.argv[1], 'rb') as fh:
        msgs = liblore.utils.split_mbox(fh.read())
    topdir = b4.git_get_toplevel()
    patches = []
    for msg in msgs:
        subject = msg.get('subject', '')
        lsubj = b4.LoreSubject(subject)
        msgid = msg.get('message-id', '').strip('<> ')
        if not subject or not msgid:
            continue
        if lsubj.counter == 0 and lsubj.expected > 0:
            continue
        if lsubj.patch and not lsubj.reply:
            patches.append((msgid, msg))
    patches.sort(key=lambda p: b4.LoreSubject(p[1].get('subject', '')).counter)
    perpatch, _series = checks.load_check_cmds()
    if not perpatch:
        sys.exit('b4 found no review-perpatch-check-cmd')
    results = checks.run_perpatch_checks(patches, perpatch, topdir)
    out = [[m.get('subject', ''), results.get(mid, [])] for mid, m in patches]
    print(json.dumps(out, indent=1))


if __name__ == '__main__':
    main()
