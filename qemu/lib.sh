# Helpers shared by the guest tests (sourced; busybox ash).
#
# A test is a script /harness/tests/NN-name.sh run by /harness/run-tests.
# Its exit status is its verdict (kselftest codes): 0 pass, 1 fail,
# 2 expected failure (XFAIL), 4 skip. The reason for anything but a pass is
# written to $HARNESS_REASON. stdout goes to the console and carries KTAP
# subtest lines (indented 4 spaces) and diagnostics; stderr goes to a log the
# runner prints as diagnostics when the test fails.

# iproute2, by absolute path: busybox sh runs its own `ip` applet for a bare `ip`.
export IP=${IP:-/usr/sbin/ip}
HARNESS_REASON=${HARNESS_REASON:-/tmp/harness-reason}
HARNESS_CONFIG=${HARNESS_CONFIG:-/etc/harness/config}
HARNESS_PROC_CONFIG=${HARNESS_PROC_CONFIG:-/proc/config.gz}
SUB_COUNT=0
SUB_FAILED=0

diag() { echo "    # $*"; }

fail() { echo "$*" > "$HARNESS_REASON"; exit 1; }
skip() { echo "$*" > "$HARNESS_REASON"; exit 4; }
xfail() { echo "$*" > "$HARNESS_REASON"; exit 2; }

# config_value CONFIG_X: prints y, m, n, a string/number value, or "unknown".
# Sources, in order: $HARNESS_CONFIG (default /etc/harness/config, written by
# the harness: the requested symbols, or a complete .config), then
# $HARNESS_PROC_CONFIG (default /proc/config.gz).
# In a complete .config an absent symbol is n; in a list of requested symbols
# it is unknown.
# Every exec costs milliseconds under TCG, so this runs one `sed` per lookup
# and parses with shell builtins; run-tests says once whether the file is a
# complete .config (HARNESS_CONFIG_COMPLETE).
config_value() {
    sym=$1
    src=""
    complete=0
    if [ -r "$HARNESS_CONFIG" ]; then
        src=$HARNESS_CONFIG
        if [ -z "${HARNESS_CONFIG_COMPLETE:-}" ]; then
            HARNESS_CONFIG_COMPLETE=0
            grep -q '^# Automatically generated file; DO NOT EDIT' "$src" && HARNESS_CONFIG_COMPLETE=1
        fi
        complete=$HARNESS_CONFIG_COMPLETE
    fi
    line=""
    [ -n "$src" ] && line=$(last_setting "$sym" "$src")
    if [ -z "$line" ] && [ "$complete" = 0 ] && [ -r "$HARNESS_PROC_CONFIG" ]; then
        unpacked=${TMPDIR:-/tmp}/harness-proc-config
        [ -r "$unpacked" ] || zcat "$HARNESS_PROC_CONFIG" > "$unpacked" 2>/dev/null
        complete=1
        line=$(last_setting "$sym" "$unpacked")
    fi
    case "$line" in
        "$sym="*)
            # Drop a trailing comment (fragments write `CONFIG_X=y # note`),
            # trailing blanks and quotes.
            v=${line#*=}
            case "$v" in \"*) ;; *) v=${v%%#*} ;; esac
            v=${v%"${v##*[![:space:]]}"}
            v=${v#\"}
            v=${v%\"}
            echo "$v"
            ;;
        "# $sym is not set") echo n ;;
        *) if [ "$complete" = 1 ]; then echo n; else echo unknown; fi ;;
    esac
}

# last_setting CONFIG_X FILE: the last line of FILE that sets or unsets CONFIG_X
# (a later fragment line wins, as in a kconfig merge).
last_setting() {
    sed -n -e "/^$1=/h" -e "/^# $1 is not set/h" -e '${x;/./p}' "$2"
}

# require CONFIG_X...: skip the test unless every symbol is built in (=y).
# An unknown configuration runs the test anyway (and says so).
require() {
    for sym in "$@"; do
        v=$(config_value "$sym")
        case "$v" in
            y) ;;
            unknown) diag "$sym: configuration unknown, running anyway" ;;
            m)
                # A module the harness put in the initramfs (and init loaded) counts.
                mod=$(echo "${sym#CONFIG_}" | tr 'A-Z' 'a-z')
                [ -d "/sys/module/$mod" ] || skip "requires $sym=y (it is m and module $mod is not loaded)"
                ;;
            *) skip "requires $sym (it is $v)" ;;
        esac
    done
}

# Subtests: sub_plan N; then sub_ok NAME / sub_not_ok NAME REASON; sub_end.
sub_plan() {
    echo "    KTAP version 1"
    echo "    # Subtest: $HARNESS_TEST"
    echo "    1..$1"
}
sub_ok() { SUB_COUNT=$((SUB_COUNT + 1)); echo "    ok $SUB_COUNT $1"; }
sub_not_ok() {
    SUB_COUNT=$((SUB_COUNT + 1))
    SUB_FAILED=$((SUB_FAILED + 1))
    echo "    # $1: $2"
    echo "    not ok $SUB_COUNT $1"
    [ -n "$SUB_FIRST_FAILURE" ] || SUB_FIRST_FAILURE="$1: $2"
}
# sub_check NAME CMD...: run CMD, ok when it succeeds.
sub_check() {
    name=$1
    shift
    if out=$("$@" 2>&1); then
        sub_ok "$name"
    else
        sub_not_ok "$name" "$(echo "$out" | tail -n 1)"
    fi
}
# sub_match NAME TEXT PATTERN: ok when TEXT (output the caller captured)
# matches the shell pattern; sub_no_match: ok when it does not. A `case` costs
# no exec; `sh -c '... | grep'` costs two.
sub_match() {
    case "$2" in
        $3) sub_ok "$1" ;;
        *) sub_not_ok "$1" "expected $3, got: $(echo "$2" | tail -n 1)" ;;
    esac
}
sub_no_match() {
    case "$2" in
        $3) sub_not_ok "$1" "unexpected $3 in: $(echo "$2" | tail -n 1)" ;;
        *) sub_ok "$1" ;;
    esac
}
sub_end() {
    [ "$SUB_FAILED" = 0 ] || fail "$SUB_FAILED of $SUB_COUNT subtests failed, first: $SUB_FIRST_FAILURE"
    exit 0
}

# must DESCRIPTION CMD...: run CMD; on failure fail the test with its output.
must() {
    what=$1
    shift
    out=$("$@" 2>&1) || fail "$what: \`$*\` failed: $(echo "$out" | tail -n 1)"
    [ -z "$out" ] || echo "$out" >&2
}

# ip_batch DESCRIPTION [IP-OPTION...] <<EOF ... EOF: run the `ip` commands on
# stdin, one per line, in one iproute2 process (`ip [IP-OPTION...] -batch -`;
# `-n NS` runs them inside NS). One exec instead of one per command: each
# costs tens of milliseconds under TCG. The first command that fails fails
# the test, named with iproute2's error.
ip_batch() {
    what=$1
    shift
    cmds=$(cat)
    if ! out=$(printf '%s\n' "$cmds" | $IP "$@" -batch - 2>&1); then
        n=$(echo "$out" | sed -n 's/^Command failed -:\([0-9]*\)$/\1/p' | tail -n 1)
        bad=$(printf '%s\n' "$cmds" | sed -n "${n:-1}p")
        fail "$what: \`ip${*:+ $*} $bad\` failed: $(echo "$out" | grep -v '^Command failed' | tail -n 1)"
    fi
}

# mustnot DESCRIPTION CMD...: CMD must fail.
mustnot() {
    what=$1
    shift
    if out=$("$@" 2>&1); then
        fail "$what: \`$*\` unexpectedly succeeded: $(echo "$out" | tail -n 1)"
    fi
}

# inns NS CMD...: run CMD inside named netns NS (nsenter needs no /sys remount).
inns() {
    ns=$1
    shift
    nsenter --net=/run/netns/"$ns" "$@"
}

netns_inode() { readlink "$1" 2>/dev/null; }

# Remove what a test may have left behind: named netns, veth devices in the
# initial namespace, changed sysctls.
# `ip` is only run when there is something to remove (each run of the
# dynamically linked iproute2 costs tens of milliseconds under TCG); what is
# there is read with shell globs, which cost no exec.
cleanup_all() {
    for f in /run/netns/*; do
        [ -e "$f" ] && { $IP -all netns delete 2>/dev/null; break; }
    done
    for f in /sys/class/net/*; do
        [ "${f##*/}" = lo ] || [ ! -e "$f" ] && continue
        # Deleting one end of a pair deletes its peer: -force goes on past
        # the peer's "cannot find device".
        $IP -o link show type veth 2>/dev/null \
            | sed -n 's/^[0-9]*: \([^:@]*\).*/link delete \1/p' \
            | $IP -force -batch - >/dev/null 2>&1
        break
    done
    [ -w /proc/sys/net/ipv4/ip_forward ] && echo 0 > /proc/sys/net/ipv4/ip_forward
    return 0
}
