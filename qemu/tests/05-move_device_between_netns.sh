# Move a device init -> A -> B -> init; it exists in exactly one place each
# time. Deleting a namespace destroys the veth end inside it (and its peer).
# Presence in the initial namespace is read from /sys/class/net: sysfs was
# mounted there, so it lists that namespace's devices only (and costs no exec).
. /harness/lib.sh
require CONFIG_NET_NS CONFIG_VETH
ip_batch "namespaces and veth pair" <<IP
netns add mva
netns add mvb
link add mv0 type veth peer name mv1
IP
in_init() { [ -e /sys/class/net/"$1" ]; }
sub_plan 4
if $IP link set mv0 netns mva 2>/dev/null && $IP -n mva link show mv0 >/dev/null 2>&1 \
    && ! in_init mv0; then
    sub_ok init_to_a
else
    sub_not_ok init_to_a "mv0 not (only) in mva after $IP link set netns"
fi
if $IP -n mva link set mv0 netns mvb 2>/dev/null && $IP -n mvb link show mv0 >/dev/null 2>&1 \
    && ! $IP -n mva link show mv0 >/dev/null 2>&1; then
    sub_ok a_to_b
else
    sub_not_ok a_to_b "mv0 not (only) in mvb after moving from mva"
fi
if $IP -n mvb link set mv0 netns 1 2>/dev/null && in_init mv0 \
    && ! $IP -n mvb link show mv0 >/dev/null 2>&1; then
    sub_ok b_back_to_init
else
    sub_not_ok b_back_to_init "mv0 not back in the initial namespace"
fi
$IP -force -batch - >/dev/null 2>&1 <<IP
link set mv1 netns mvb
netns delete mvb
IP
# Namespace teardown is asynchronous (cleanup_net workqueue): wait a little.
gone=0
for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
    if ! in_init mv0; then gone=1; break; fi
    sleep 0.1
done
if [ "$gone" = 1 ]; then
    sub_ok delete_netns_destroys_veth
else
    sub_not_ok delete_netns_destroys_veth "mv0 survives deleting the namespace holding its peer"
fi
sub_end
