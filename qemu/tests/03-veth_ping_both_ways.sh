# A veth pair with one end in each of two namespaces; ping both ways.
. /harness/lib.sh
require CONFIG_NET_NS CONFIG_VETH
must "add a" $IP netns add va
must "add b" $IP netns add vb
must "create veth pair" $IP link add vth-a type veth peer name vth-b
must "move a" $IP link set vth-a netns va
must "move b" $IP link set vth-b netns vb
must "addr a" $IP -n va addr add 10.200.0.1/24 dev vth-a
must "addr b" $IP -n vb addr add 10.200.0.2/24 dev vth-b
must "up a" $IP -n va link set vth-a up
must "up b" $IP -n vb link set vth-b up
sub_plan 2
sub_check ping_a_to_b inns va ping -c 1 -W 3 10.200.0.2
sub_check ping_b_to_a inns vb ping -c 1 -W 3 10.200.0.1
sub_end
