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
rules=$($IP -n pra rule show 2>&1)
table_100=$($IP -n pra route show table 100 2>&1)
table_main=$($IP -n pra route show table main 2>&1)
lookup=$($IP -n pra route get 192.0.2.7 2>&1)
init_rules=$($IP rule show 2>&1)
sub_plan 5
sub_match rule_listed "$rules" "*lookup 100*"
sub_match table_100_has_route "$table_100" "*192.0.2.0/24*"
sub_no_match main_table_lacks_route "$table_main" "*192.0.2.0/24*"
sub_match lookup_uses_table_100 "$lookup" "*table 100*"
sub_no_match rule_invisible_in_init "$init_rules" "*lookup 100*"
sub_end
