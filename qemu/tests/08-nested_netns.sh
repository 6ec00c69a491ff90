# Namespaces created from inside a namespace: each level has its own
# identity and devices; a device created at one level is invisible at the others.
. /harness/lib.sh
require CONFIG_NET_NS
init_ns=$(netns_inode /proc/self/ns/net)
must "add outer" $IP netns add nso
# Create the inner namespace from inside the outer one.
must "add inner from outer" inns nso $IP netns add nsi
outer=$(inns nso readlink /proc/self/ns/net)
inner=$(inns nsi readlink /proc/self/ns/net)
sub_plan 4
if [ -n "$outer" ] && [ -n "$inner" ] && [ "$outer" != "$init_ns" ] \
    && [ "$inner" != "$init_ns" ] && [ "$inner" != "$outer" ]; then
    sub_ok three_distinct_namespaces
else
    sub_not_ok three_distinct_namespaces "init=$init_ns outer=$outer inner=$inner"
fi
# unshare -n from within the outer namespace gives yet another one.
un=$(inns nso unshare -n readlink /proc/self/ns/net)
if [ -n "$un" ] && [ "$un" != "$outer" ] && [ "$un" != "$init_ns" ]; then
    sub_ok unshare_inside_netns
else
    sub_not_ok unshare_inside_netns "unshare -n inside nso gave $un (outer $outer)"
fi
inns nso $IP -batch - >/dev/null 2>&1 <<IP
link set lo up
addr add 10.77.0.1/32 dev lo
IP
sub_match outer_address_set "$($IP -n nso -o addr show dev lo 2>&1)" "*10.77.0.1*"
elsewhere="$($IP -n nsi -o addr show dev lo 2>&1) $($IP -o addr show dev lo 2>&1)"
sub_no_match outer_address_invisible "$elsewhere" "*10.77.0.1*"
sub_end
