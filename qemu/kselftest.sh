# Runs one kernel selftest the harness packed from the tree, e.g.
#   /bin/sh /harness/kselftest.sh net/fib_rule_tests.sh
# and reports it as one test of the suite: exit status 0 pass, 1 fail, 4 skip
# (run-tests prints the KTAP line), with one KTAP subtest per
# "TEST: <description> [ OK ] / [FAIL] / [SKIP]" line the selftest prints
# (the format of tools/testing/selftests/net).
. "${HARNESS_DIR:-/harness}/lib.sh"
name=$1
dir=${HARNESS_DIR:-/harness}
script=$dir/kselftests/$name
[ -r "$script" ] || fail "kselftest $name was not packed into the guest"

# Requirements from kselftests.conf (first field the name, then symbols).
reqs=""
while read -r conf_name conf_reqs; do
    case "$conf_name" in "#"* | "") continue ;; esac
    [ "$conf_name" = "$name" ] && reqs=$conf_reqs
done < "$dir/kselftests.conf"
# shellcheck disable=SC2086 # one word per symbol
require $reqs
interpreter=$(sed -n '1s/^#![[:space:]]*\([^[:space:]]*\).*/\1/p' "$script")
case "$interpreter" in
    */bash) [ -x /bin/bash ] || skip "$name needs bash, which is not in the guest" ;;
esac

out=${TMPDIR:-/tmp}/kselftest.out
# Selftests find their helpers beside them (e.g. `source lib.sh`).
(cd "${script%/*}" && ${interpreter:-/bin/sh} "./${script##*/}") > "$out" 2>&1
rc=$?

# "    TEST: description    [ OK ]" -> "ok|description"
results=$(sed -n 's/^[[:space:]]*TEST: \(.*[^[:space:]]\)[[:space:]]*\[ *\(OK\|FAIL\|SKIP\) *\][[:space:]]*$/\2|\1/p' "$out")
count=0
if [ -n "$results" ]; then
    count=$(printf '%s\n' "$results" | wc -l)
fi
if [ "$count" -gt 0 ]; then
    sub_plan "$count"
    # A here-document, not a pipe: the loop runs in this shell, so the
    # sub_* counters survive it.
    while IFS='|' read -r verdict description; do
        case "$verdict" in
            OK) sub_ok "$description" ;;
            SKIP)
                SUB_COUNT=$((SUB_COUNT + 1))
                echo "    ok $SUB_COUNT $description # SKIP"
                ;;
            *) sub_not_ok "$description" "[FAIL]" ;;
        esac
    done <<RESULTS
$results
RESULTS
fi
last=$(sed -n '/[^[:space:]]/h; ${x;p}' "$out")
if [ "$SUB_FAILED" != 0 ] || { [ "$rc" != 0 ] && [ "$rc" != 4 ]; }; then
    # What the selftest printed: the runner shows it with the failure.
    sed 's/^/# /' "$out" | tail -n 20 >&2
    [ "$SUB_FAILED" = 0 ] || fail "$SUB_FAILED of $SUB_COUNT subtests failed, first: $SUB_FIRST_FAILURE"
    fail "$name exited with status $rc: $last"
fi
[ "$rc" = 4 ] && skip "$name: ${last:-exit status 4 (kselftest skip)}"
exit 0
