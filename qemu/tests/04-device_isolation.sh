# A device in one namespace is invisible from the initial namespace and from
# another namespace; each new namespace starts with only lo.
. /harness/lib.sh
require CONFIG_NET_NS CONFIG_VETH
must "add a" $IP netns add isa
must "add b" $IP netns add isb
must "create veth pair" $IP link add iso0 type veth peer name iso1
must "move iso0" $IP link set iso0 netns isa
sub_plan 5
sub_check visible_in_owner $IP -n isa link show iso0
sub_check invisible_from_init sh -c '! $IP link show iso0 2>/dev/null'
sub_check invisible_from_other sh -c '! $IP -n isb link show iso0 2>/dev/null'
sub_check peer_stays_in_init $IP link show iso1
links=$($IP -n isb -o link show | sed -n 's/^[0-9]*: \([^:@]*\).*/\1/p' | tr '\n' ' ')
if [ "$links" = "lo " ]; then
    sub_ok fresh_netns_has_only_lo
else
    sub_not_ok fresh_netns_has_only_lo "devices in isb: $links"
fi
sub_end
