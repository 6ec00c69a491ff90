# `ip rule` plus a second routing table inside a namespace, invisible outside.
# Needs CONFIG_IP_MULTIPLE_TABLES; when the configuration says it is off, the
# expected outcome is that `ip rule add` is refused (reported as XFAIL).
. /harness/lib.sh
require CONFIG_NET_NS
mt=$(config_value CONFIG_IP_MULTIPLE_TABLES)
must "add" $IP netns add pra
ip_batch "lo with an address" -n pra <<IP
link set lo up
addr add 10.9.0.1/32 dev lo
IP
if [ "$mt" = n ]; then
    if out=$($IP -n pra rule add to 192.0.2.0/24 lookup 100 pref 100 2>&1); then
        fail "CONFIG_IP_MULTIPLE_TABLES=n but $IP rule add succeeded"
    fi
    xfail "CONFIG_IP_MULTIPLE_TABLES=n: $IP rule add refused ($(echo "$out" | tail -n 1))"
fi
ip_batch "route in table 100 and a rule to it" -n pra <<IP
route add 192.0.2.0/24 dev lo src 10.9.0.1 table 100
rule add to 192.0.2.0/24 lookup 100 pref 100
IP
sub_plan 5
sub_check rule_listed sh -c '$IP -n pra rule show | grep -q "lookup 100"'
sub_check table_100_has_route sh -c '$IP -n pra route show table 100 | grep -q "192.0.2.0/24"'
sub_check main_table_lacks_route sh -c '! $IP -n pra route show table main | grep -q "192.0.2.0/24"'
sub_check lookup_uses_table_100 sh -c '$IP -n pra route get 192.0.2.7 | grep -q "table 100"'
sub_check rule_invisible_in_init sh -c '! $IP rule show | grep -q "lookup 100"'
sub_end
