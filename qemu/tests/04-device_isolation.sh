# A device in one namespace is invisible from the initial namespace and from
# another namespace; each new namespace starts with only lo.
. /harness/lib.sh
require CONFIG_NET_NS CONFIG_VETH
ip_batch "namespaces and veth pair" <<IP
netns add isa
netns add isb
link add iso0 type veth peer name iso1
link set iso0 netns isa
IP
# link_names [IP-OPTION...]: the device names `ip link show` lists, space-separated.
link_names() {
    $IP "$@" -o link show | sed -n 's/^[0-9]*: \([^:@]*\).*/\1/p' | tr '\n' ' '
}
init_links=" $(link_names)"
isb_links=$(link_names -n isb)
sub_plan 5
sub_check visible_in_owner $IP -n isa link show iso0
case "$init_links" in
    *" iso0 "*) sub_not_ok invisible_from_init "iso0 listed in the initial namespace: $init_links" ;;
    *) sub_ok invisible_from_init ;;
esac
case " $isb_links" in
    *" iso0 "*) sub_not_ok invisible_from_other "iso0 listed in isb: $isb_links" ;;
    *) sub_ok invisible_from_other ;;
esac
case "$init_links" in
    *" iso1 "*) sub_ok peer_stays_in_init ;;
    *) sub_not_ok peer_stays_in_init "iso1 not listed in the initial namespace: $init_links" ;;
esac
if [ "$isb_links" = "lo " ]; then
    sub_ok fresh_netns_has_only_lo
else
    sub_not_ok fresh_netns_has_only_lo "devices in isb: $isb_links"
fi
sub_end
