# Create a named network namespace, see it listed and entered, delete it.
. /harness/lib.sh
require CONFIG_NET_NS
init_ns=$(netns_inode /proc/self/ns/net)
must "add" $IP netns add hx1
$IP netns list | grep -qw hx1 || fail "ip netns list does not show hx1 after $IP netns add"
[ -e /run/netns/hx1 ] || fail "/run/netns/hx1 missing after $IP netns add"
inner=$(inns hx1 readlink /proc/self/ns/net) || fail "cannot enter hx1"
[ -n "$inner" ] && [ "$inner" != "$init_ns" ] || fail "hx1 is the initial namespace ($inner)"
must "delete" $IP netns delete hx1
$IP netns list | grep -qw hx1 && fail "hx1 still listed after $IP netns delete"
[ -e /run/netns/hx1 ] && fail "/run/netns/hx1 still exists after delete"
# Creating the same name again works once the old one is gone.
ip_batch "re-add and re-delete" <<IP
netns add hx1
netns delete hx1
IP
[ -e /run/netns/hx1 ] && fail "/run/netns/hx1 still exists after the second delete"
exit 0
