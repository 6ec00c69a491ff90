# /proc/net and net sysctls are per namespace: what one namespace sets or
# has is not seen from another.
. /harness/lib.sh
require CONFIG_NET_NS CONFIG_PROC_FS CONFIG_PROC_SYSCTL
ip_batch "add namespaces" <<IP
netns add psa
netns add psb
IP
[ -r /proc/sys/net/ipv4/ip_forward ] || fail "/proc/sys/net/ipv4/ip_forward missing (CONFIG_PROC_SYSCTL/INET?)"
echo 0 > /proc/sys/net/ipv4/ip_forward
sub_plan 5
sub_check sysctl_set_in_a inns psa sysctl -w net.ipv4.ip_forward=1
read -r in_init < /proc/sys/net/ipv4/ip_forward
sub_match sysctl_seen_in_a "$(inns psa cat /proc/sys/net/ipv4/ip_forward)" 1
sub_match sysctl_not_in_init "$in_init" 0
sub_match sysctl_not_in_b "$(inns psb cat /proc/sys/net/ipv4/ip_forward)" 0
# /proc/net follows the reader's namespace: a device added in psa appears in
# psa's /proc/net/dev only.
$IP -n psa link add pnd0 type veth peer name pnd1 2>/dev/null \
    || $IP -n psa tuntap add pnd0 mode tun 2>/dev/null \
    || true
if inns psa cat /proc/net/dev | grep -q 'pnd0:'; then
    if grep -q 'pnd0:' /proc/net/dev || inns psb cat /proc/net/dev | grep -q 'pnd0:'; then
        sub_not_ok proc_net_dev_per_netns "pnd0 from psa shows in another namespace's /proc/net/dev"
    else
        sub_ok proc_net_dev_per_netns
    fi
else
    # No device type available to add: compare lo-only listings instead.
    lines=$(inns psb cat /proc/net/dev | sed -n '3,$p' | sed 's/:.*//; s/ //g' | tr '\n' ' ')
    if [ "$lines" = "lo " ]; then
        sub_ok proc_net_dev_per_netns
    else
        sub_not_ok proc_net_dev_per_netns "psb /proc/net/dev lists: $lines"
    fi
fi
sub_end
