# A veth pair with one end in each of two namespaces; ping both ways.
. /harness/lib.sh
require CONFIG_NET_NS CONFIG_VETH
ip_batch "namespaces and veth pair" <<IP
netns add va
netns add vb
link add vth-a type veth peer name vth-b
link set vth-a netns va
link set vth-b netns vb
IP
ip_batch "configure va" -n va <<IP
addr add 10.200.0.1/24 dev vth-a
link set vth-a up
IP
ip_batch "configure vb" -n vb <<IP
addr add 10.200.0.2/24 dev vth-b
link set vth-b up
IP
sub_plan 2
sub_check ping_a_to_b inns va ping -c 1 -W 3 10.200.0.2
sub_check ping_b_to_a inns vb ping -c 1 -W 3 10.200.0.1
sub_end
