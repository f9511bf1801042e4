# Shared by the live tests that capture on a veth pair between two network namespaces they create
# (live_veth_test.sh, live_jumbo_test.sh, media_sipp_loss_test.sh). Sourced. Namespace and
# interface names are the test's own (prefixed, so that tests run side by side never meet).

# veth_between NS_A DEV_A NS_B DEV_B [MTU]: creates the namespaces NS_A and NS_B (loopback up in
# each) and a veth pair, DEV_A in NS_A and DEV_B in NS_B, both up with MTU (default 1500).
# Addresses are the test's to add. The test's cleanup calls netns_delete NS_A NS_B.
veth_between() {
  local ns_a=$1 dev_a=$2 ns_b=$3 dev_b=$4 mtu=${5:-1500}
  ip netns add "$ns_a"
  ip netns add "$ns_b"
  ip link add "$dev_a" netns "$ns_a" type veth peer name "$dev_b" netns "$ns_b"
  ip -n "$ns_a" link set lo up
  ip -n "$ns_b" link set lo up
  ip -n "$ns_a" link set "$dev_a" mtu "$mtu" up
  ip -n "$ns_b" link set "$dev_b" mtu "$mtu" up
}

# netns_delete NS...: deletes the namespaces that exist (a veth end goes with its namespace).
netns_delete() {
  local ns
  for ns in "$@"; do ip netns del "$ns" 2>/dev/null || true; done
}

# veth_mac NS DEV: prints the interface's MAC address.
veth_mac() {
  ip -n "$1" -br link show "$2" | awk '{print $3}'
}
