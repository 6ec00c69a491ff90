# Each namespace has its own loopback device, down until brought up,
# and its state is independent of other namespaces.
. /harness/lib.sh
require CONFIG_NET_NS
must "add a" $IP netns add lba
must "add b" $IP netns add lbb
sub_plan 4
sub_check lo_exists_in_new_netns $IP -n lba link show lo
if $IP -n lba -o link show lo | grep -q 'state UP\|,UP'; then
    sub_not_ok lo_down_initially "lo is up in a fresh namespace"
else
    sub_ok lo_down_initially
fi
$IP -n lba link set lo up 2>/dev/null
sub_check ping_lo_after_up inns lba ping -c 1 -W 2 127.0.0.1
if inns lbb ping -c 1 -W 1 127.0.0.1 >/dev/null 2>&1; then
    sub_not_ok lo_state_independent "127.0.0.1 answers in lbb whose lo was never brought up"
else
    sub_ok lo_state_independent
fi
sub_end
