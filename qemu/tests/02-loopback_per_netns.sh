# Each namespace has its own loopback device, down until brought up,
# and its state is independent of other namespaces.
. /harness/lib.sh
require CONFIG_NET_NS
ip_batch "add namespaces" <<IP
netns add lba
netns add lbb
IP
sub_plan 4
if lo=$($IP -n lba -o link show lo 2>&1); then
    sub_ok lo_exists_in_new_netns
else
    sub_not_ok lo_exists_in_new_netns "$lo"
fi
case "$lo" in
    *"state UP"* | *",UP"*) sub_not_ok lo_down_initially "lo is up in a fresh namespace" ;;
    *) sub_ok lo_down_initially ;;
esac
$IP -n lba link set lo up 2>/dev/null
sub_check ping_lo_after_up inns lba ping -c 1 -W 2 127.0.0.1
if inns lbb ping -c 1 -W 1 127.0.0.1 >/dev/null 2>&1; then
    sub_not_ok lo_state_independent "127.0.0.1 answers in lbb whose lo was never brought up"
else
    sub_ok lo_state_independent
fi
sub_end
