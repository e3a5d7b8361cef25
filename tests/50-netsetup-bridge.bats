#!/usr/bin/env bats
# pea-netsetup's bridge driver, inside a namespace that stands for the host:
# interfaces, addresses, routes, connectivity, port forwards, internal
# networks, and a teardown that leaves the host namespace as it found it.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-netsetup

setup() {
	nsu_setup 2
}

teardown() {
	nsu_teardown
}

# udp_ask ADDR PORT: one datagram from the host namespace, the first answer; a
# datagram lost on the way (neighbour resolution) is sent again.
udp_ask() {
	local out i
	for i in 1 2 3; do
		out=$(nsu_host timeout -k 5 4 sh -c "echo ping | socat -t2 -T2 - UDP:$1:$2") || true
		if [[ -n $out ]]; then
			echo "$out"
			return 0
		fi
	done
	return 1
}

NET4=10.89.3.0/24,10.89.3.1
NET6=fd10:88:a::/64,fd10:88:a::1

@test "setup: bridge, veth, addresses, routes, and netavark's status reply" {
	local id
	id=$(nsu_id one)
	nsu_json "$id" podman1 podman1 eth0 "$NET4,10.89.3.2" "$NET6,fd10:88:a::2" >"$TEST_DIR/o.json"
	nsu_run -f "$TEST_DIR/o.json" setup "${NSU_CTR_PATH[0]}"
	assert_success
	assert_equal "$stderr" ""
	# the reply: one status block per network, keyed by its name
	assert_equal "$(jq -c '.podman1.interfaces.eth0.subnets' <<<"$output")" \
		'[{"gateway":"10.89.3.1","ipnet":"10.89.3.2/24"},{"gateway":"fd10:88:a::1","ipnet":"fd10:88:a::2/64"}]'
	assert_equal "$(jq -c '[.podman1.dns_search_domains, .podman1.dns_server_ips]' <<<"$output")" '[[],[]]'
	local mac
	mac=$(jq -r '.podman1.interfaces.eth0.mac_address' <<<"$output")
	assert_regex "$mac" '^[0-9a-f]{2}(:[0-9a-f]{2}){5}$'

	# container side: eth0 with that MAC, both addresses, default routes metric 100
	run -0 --separate-stderr nsu_ctr 0 ip -j addr show eth0
	assert_equal "$(jq -r '.[0].address' <<<"$output")" "$mac"
	assert_equal "$(jq -c '[.[0].addr_info[] | select(.scope == "global") | "\(.local)/\(.prefixlen)"]' <<<"$output")" \
		'["10.89.3.2/24","fd10:88:a::2/64"]'
	assert_equal "$(jq -r '.[0].operstate' <<<"$output")" UP
	run -0 --separate-stderr nsu_ctr 0 ip -j route show default
	assert_equal "$(jq -c '[.[] | .gateway, .metric]' <<<"$output")" '["10.89.3.1",100]'
	run -0 --separate-stderr nsu_ctr 0 ip -6 -j route show default
	assert_equal "$(jq -c '[.[] | .gateway, .metric]' <<<"$output")" '["fd10:88:a::1",100]'
	run -0 --separate-stderr nsu_ctr 0 ip -j link show lo
	assert_equal "$(jq -r '.[0].flags | index("UP") != null' <<<"$output")" true

	# host side: the bridge with the gateways, one veth enslaved to it
	run -0 --separate-stderr nsu_host ip -j -d link show podman1
	assert_equal "$(jq -r '.[0].linkinfo.info_kind' <<<"$output")" bridge
	run -0 --separate-stderr nsu_host ip -j addr show podman1
	assert_equal "$(jq -c '[.[0].addr_info[] | select(.scope == "global") | "\(.local)/\(.prefixlen)"]' <<<"$output")" \
		'["10.89.3.1/24","fd10:88:a::1/64"]'
	run -0 --separate-stderr nsu_host ip -j link show master podman1
	assert_equal "$(jq -r '.[0].ifname' <<<"$output")" veth0
	assert_equal "$(nsu_host cat /proc/sys/net/ipv4/ip_forward)" 1
	assert_equal "$(nsu_host cat /proc/sys/net/ipv6/conf/all/forwarding)" 1
	# the rules live in pea's own table
	run -0 nsu_host nft list tables
	assert_output "table inet pea"
}

@test "teardown leaves links, addresses and nftables as before; a second teardown is fine" {
	local id before
	id=$(nsu_id two)
	before=$(nsu_snapshot)
	nsu_json "$id" podman1 podman1 eth0 "$NET4,10.89.3.2" "$NET6,fd10:88:a::2" |
		jq '.port_mappings = [{host_ip: "", container_port: 80, host_port: 8080, range: 1, protocol: "tcp,udp"}]' \
			>"$TEST_DIR/o.json"
	nsu_run -f "$TEST_DIR/o.json" setup "${NSU_CTR_PATH[0]}"
	assert_success
	nsu_run -f "$TEST_DIR/o.json" teardown "${NSU_CTR_PATH[0]}"
	assert_success
	assert_equal "$output" ""
	assert_equal "$(nsu_snapshot)" "$before"
	run -0 --separate-stderr nsu_ctr 0 ip -o link show
	refute_output --partial eth0
	nsu_run -f "$TEST_DIR/o.json" teardown "${NSU_CTR_PATH[0]}"
	assert_success
	assert_equal "$(nsu_snapshot)" "$before"
}

@test "two containers on a bridge reach each other and the host; the bridge goes with the last" {
	local a b
	a=$(nsu_id a)
	b=$(nsu_id b)
	nsu_json "$a" podman1 podman1 eth0 "$NET4,10.89.3.2" "$NET6,fd10:88:a::2" >"$TEST_DIR/a.json"
	nsu_json "$b" podman1 podman1 eth0 "$NET4,10.89.3.3" "$NET6,fd10:88:a::3" >"$TEST_DIR/b.json"
	nsu_run -f "$TEST_DIR/a.json" setup "${NSU_CTR_PATH[0]}"
	assert_success
	nsu_run -f "$TEST_DIR/b.json" setup "${NSU_CTR_PATH[1]}"
	assert_success
	run -0 --separate-stderr nsu_host ip -o link show master podman1
	assert_equal "${#lines[@]}" 2
	run -0 nsu_ctr 0 busybox ping -c1 -W2 10.89.3.3
	run -0 nsu_ctr 1 busybox ping -c1 -W2 10.89.3.2
	run -0 nsu_ctr 0 busybox ping -6 -c1 -W2 fd10:88:a::3
	run -0 nsu_ctr 0 busybox ping -c1 -W2 10.89.3.1
	run -0 nsu_host busybox ping -c1 -W2 10.89.3.3
	# another address of the host is reached through the default route
	nsu_host ip addr add 198.51.100.1/32 dev lo
	run -0 nsu_ctr 1 busybox ping -c1 -W2 198.51.100.1

	local brmac
	brmac=$(nsu_host ip -j link show podman1 | jq -r '.[0].address')
	nsu_run -f "$TEST_DIR/a.json" teardown "${NSU_CTR_PATH[0]}"
	assert_success
	# the bridge keeps its MAC (no stale ARP entries in b)
	assert_equal "$(nsu_host ip -j link show podman1 | jq -r '.[0].address')" "$brmac"
	# b still works, the bridge stays for it
	run -0 nsu_ctr 1 busybox ping -c1 -W2 10.89.3.1
	run -0 --separate-stderr nsu_host ip link show podman1
	nsu_run -f "$TEST_DIR/b.json" teardown "${NSU_CTR_PATH[1]}"
	assert_success
	run -1 nsu_host ip link show podman1
	run -0 nsu_host nft list tables
	assert_output ""
}

@test "port forwards: tcp and udp, v4 and v6, 127.0.0.1, host_ip and ranges" {
	local id
	id=$(nsu_id ports)
	nsu_json "$id" podman1 podman1 eth0 "$NET4,10.89.3.2" "$NET6,fd10:88:a::2" |
		jq '.port_mappings = [
			{host_ip: "", container_port: 80, host_port: 8080, range: 1, protocol: "tcp"},
			{host_ip: "", container_port: 53, host_port: 5353, range: 1, protocol: "udp"},
			{host_ip: "198.51.100.7", container_port: 90, host_port: 9090, range: 1, protocol: "tcp"},
			{host_ip: "", container_port: 7000, host_port: 17000, range: 3, protocol: "tcp"}]' \
		>"$TEST_DIR/o.json"
	nsu_host ip addr add 198.51.100.7/32 dev lo
	nsu_host ip addr add 198.51.100.8/32 dev lo
	nsu_host ip addr add 2001:db8::7/128 dev lo nodad
	nsu_run -f "$TEST_DIR/o.json" setup "${NSU_CTR_PATH[0]}"
	assert_success
	C=${NSU_CTR[0]}

	# tcp to 127.0.0.1 and to another host address, v6 too
	for target in 127.0.0.1 198.51.100.8 2001:db8::7; do
		nsu_wait_port_gone "$C" 80
		nsu_bg "$C" timeout -k 5 5 busybox nc -l -p 80 -e echo "tcp-ok"
		nsu_wait_port "$C" 80
		run -0 nsu_host timeout -k 5 3 busybox nc "$target" 8080 </dev/null
		assert_output "tcp-ok"
	done

	# udp
	nsu_bg "$C" timeout -k 5 15 socat UDP-LISTEN:53,fork SYSTEM:"echo udp-ok"
	nsu_wait_port "$C" 53 udp
	run -0 udp_ask 198.51.100.8 5353
	assert_output "udp-ok"
	nsu_bg "$C" timeout -k 5 15 socat UDP6-LISTEN:53,ipv6only=1,fork SYSTEM:"echo udp6-ok"
	nsu_wait_port "$C" 53 udp6
	run -0 udp_ask "[2001:db8::7]" 5353
	assert_output "udp6-ok"

	# host_ip: forwarded on that address only
	nsu_bg "$C" timeout -k 5 5 busybox nc -l -p 90 -e echo "hostip-ok"
	nsu_wait_port "$C" 90
	run -1 nsu_host timeout -k 5 2 busybox nc -w1 198.51.100.8 9090 </dev/null
	run -0 nsu_host timeout -k 5 3 busybox nc 198.51.100.7 9090 </dev/null
	assert_output "hostip-ok"

	# a range: 17002 goes to 7002
	nsu_bg "$C" timeout -k 5 5 busybox nc -l -p 7002 -e echo "range-ok"
	nsu_wait_port "$C" 7002
	run -0 nsu_host timeout -k 5 3 busybox nc 198.51.100.8 17002 </dev/null
	assert_output "range-ok"

	nsu_run -f "$TEST_DIR/o.json" teardown "${NSU_CTR_PATH[0]}"
	assert_success
	run -0 nsu_host nft list tables
	assert_output ""
}

@test "teardown of one container removes exactly its port forwards" {
	local a b
	a=$(nsu_id pa)
	b=$(nsu_id pb)
	nsu_json "$a" podman1 podman1 eth0 "$NET4,10.89.3.2" |
		jq '.port_mappings = [{host_ip: "", container_port: 80, host_port: 8081, range: 1, protocol: "tcp"}]' >"$TEST_DIR/a.json"
	nsu_json "$b" podman1 podman1 eth0 "$NET4,10.89.3.3" |
		jq '.port_mappings = [{host_ip: "", container_port: 80, host_port: 8082, range: 1, protocol: "tcp"}]' >"$TEST_DIR/b.json"
	nsu_run -f "$TEST_DIR/a.json" setup "${NSU_CTR_PATH[0]}"
	assert_success
	nsu_run -f "$TEST_DIR/b.json" setup "${NSU_CTR_PATH[1]}"
	assert_success
	nsu_run -f "$TEST_DIR/a.json" teardown "${NSU_CTR_PATH[0]}"
	assert_success
	run -0 nsu_host nft -j list ruleset
	assert_equal "$(jq '[.nftables[].rule | select(. != null) | select(.comment == "'"$a"'")] | length' <<<"$output")" 0
	assert_equal "$(jq '[.nftables[].rule | select(. != null) | select(.comment == "'"$b"'")] | length' <<<"$output")" 3
	nsu_bg "${NSU_CTR[1]}" timeout -k 5 5 busybox nc -l -p 80 -e echo "b-ok"
	nsu_wait_port "${NSU_CTR[1]}" 80
	run -0 nsu_host timeout -k 5 3 busybox nc 127.0.0.1 8082 </dev/null
	assert_output "b-ok"
	# hairpin: from b itself, through the gateway's forwarded port, back to b
	nsu_wait_port_gone "${NSU_CTR[1]}" 80
	nsu_bg "${NSU_CTR[1]}" timeout -k 5 5 busybox nc -l -p 80 -e echo "hairpin-ok"
	nsu_wait_port "${NSU_CTR[1]}" 80
	run -0 nsu_ctr 1 timeout -k 5 3 busybox nc 10.89.3.1 8082 </dev/null
	assert_output "hairpin-ok"
}

@test "internal network: no default route, no way out, no rules" {
	local id
	id=$(nsu_id internal)
	nsu_json "$id" intnet podman9 eth0 "10.90.0.0/24,10.90.0.1,10.90.0.2" |
		jq '.network_info.intnet.internal = true' >"$TEST_DIR/o.json"
	nsu_host ip addr add 198.51.100.1/32 dev lo
	nsu_run -f "$TEST_DIR/o.json" setup "${NSU_CTR_PATH[0]}"
	assert_success
	run -0 --separate-stderr nsu_ctr 0 ip route show default
	assert_output ""
	run -0 nsu_ctr 0 busybox ping -c1 -W1 10.90.0.1
	run -1 nsu_ctr 0 busybox ping -c1 -W1 198.51.100.1
	run -0 nsu_host nft list tables
	assert_output ""
	nsu_run -f "$TEST_DIR/o.json" teardown "${NSU_CTR_PATH[0]}"
	assert_success
	run -1 nsu_host ip link show podman9
}

@test "mtu, static mac, a custom interface name and extra routes" {
	local id
	id=$(nsu_id mtu)
	nsu_json "$id" podman1 podman1 ens5 "$NET4,10.89.3.2" |
		jq '.network_info.podman1.options = {mtu: "1400"}
		    | .network_info.podman1.routes = [{destination: "203.0.113.0/24", gateway: "10.89.3.254"}]
		    | .networks.podman1.static_mac = "02:42:ac:11:00:09"' >"$TEST_DIR/o.json"
	nsu_run -f "$TEST_DIR/o.json" setup "${NSU_CTR_PATH[0]}"
	assert_success
	assert_equal "$(jq -r '.podman1.interfaces.ens5.mac_address' <<<"$output")" 02:42:ac:11:00:09
	run -0 --separate-stderr nsu_ctr 0 ip -j link show ens5
	assert_equal "$(jq -r '.[0].mtu' <<<"$output")" 1400
	assert_equal "$(jq -r '.[0].address' <<<"$output")" 02:42:ac:11:00:09
	run -0 --separate-stderr nsu_host ip -j link show podman1
	assert_equal "$(jq -r '.[0].mtu' <<<"$output")" 1400
	run -0 --separate-stderr nsu_ctr 0 ip route show 203.0.113.0/24
	assert_output --partial "via 10.89.3.254 dev ens5"
}

@test "macvlan: an interface on the parent, moved into the container" {
	local id
	id=$(nsu_id macvlan)
	nsu_host ip link add parent0 type veth peer name parent1
	nsu_host ip link set parent0 up
	nsu_json "$id" mv parent0 eth0 "10.91.0.0/24,10.91.0.1,10.91.0.5" |
		jq '.network_info.mv.driver = "macvlan" | .network_info.mv.options = {mode: "bridge"}' \
			>"$TEST_DIR/o.json"
	nsu_run -f "$TEST_DIR/o.json" setup "${NSU_CTR_PATH[0]}"
	assert_success
	run -0 --separate-stderr nsu_ctr 0 ip -j -d link show eth0
	assert_equal "$(jq -r '.[0].linkinfo.info_kind' <<<"$output")" macvlan
	assert_equal "$(jq -r '.[0].linkinfo.info_data.mode' <<<"$output")" bridge
	run -0 --separate-stderr nsu_ctr 0 ip -o addr show eth0
	assert_output --partial "10.91.0.5/24"
	run -0 --separate-stderr nsu_ctr 0 ip route show default
	assert_output --partial "via 10.91.0.1"
	nsu_run -f "$TEST_DIR/o.json" teardown "${NSU_CTR_PATH[0]}"
	assert_success
	run -0 --separate-stderr nsu_ctr 0 ip -o link show
	refute_output --partial eth0
	run -0 --separate-stderr nsu_host ip link show parent0
}

@test "vlan: the bridge filters VLANs, the ports carry the network's VLAN untagged" {
	local a b
	a=$(nsu_id va)
	b=$(nsu_id vb)
	nsu_json "$a" v10 podman7 eth0 "10.89.7.0/24,10.89.7.1,10.89.7.2" |
		jq '.network_info.v10.options = {vlan: "10"}' >"$TEST_DIR/a.json"
	nsu_json "$b" v10 podman7 eth0 "10.89.7.0/24,10.89.7.1,10.89.7.3" |
		jq '.network_info.v10.options = {vlan: "10"}' >"$TEST_DIR/b.json"
	if ! nsu_host ip link add vlantest type bridge vlan_filtering 1 2>/dev/null; then
		# a kernel without CONFIG_BRIDGE_VLAN_FILTERING: a clear error, nothing left
		nsu_run -f "$TEST_DIR/a.json" setup "${NSU_CTR_PATH[0]}"
		assert_failure 1
		assert_regex "$stderr" "vlan 10: the kernel has no bridge VLAN filtering"
		run -1 nsu_host ip link show podman7
		return 0
	fi
	nsu_host ip link del vlantest
	nsu_run -f "$TEST_DIR/a.json" setup "${NSU_CTR_PATH[0]}"
	assert_success
	nsu_run -f "$TEST_DIR/b.json" setup "${NSU_CTR_PATH[1]}"
	assert_success
	run -0 --separate-stderr nsu_host ip -j -d link show podman7
	assert_equal "$(jq -r '.[0].linkinfo.info_data.vlan_filtering' <<<"$output")" 1
	run -0 nsu_host bridge -j vlan show
	assert_equal "$(jq -c '[.[] | select(.ifname != "podman7") | .vlans | map(.vlan)] | unique' <<<"$output")" '[[10]]'
	assert_equal "$(jq -c '[.[] | select(.ifname != "podman7") | .vlans[0].flags | sort] | unique' <<<"$output")" \
		'[["Egress Untagged","PVID"]]'
	run -0 nsu_ctr 0 busybox ping -c1 -W2 10.89.7.3
	run -0 nsu_ctr 1 busybox ping -c1 -W2 10.89.7.1
	nsu_run -f "$TEST_DIR/a.json" teardown "${NSU_CTR_PATH[0]}"
	assert_success
	nsu_run -f "$TEST_DIR/b.json" teardown "${NSU_CTR_PATH[1]}"
	assert_success
	run -1 nsu_host ip link show podman7
}

@test "teardown after the container's namespace is gone cleans the host side" {
	local id before
	id=$(nsu_id gone)
	before=$(nsu_snapshot)
	nsu_json "$id" podman1 podman1 eth0 "$NET4,10.89.3.2" |
		jq '.port_mappings = [{host_ip: "", container_port: 80, host_port: 8080, range: 1, protocol: "tcp"}]' \
			>"$TEST_DIR/o.json"
	nsu_run -f "$TEST_DIR/o.json" setup "${NSU_CTR_PATH[0]}"
	assert_success
	netns_delete "${NSU_CTR[0]}"
	# The kernel destroys the namespace's veth pair later, from a work
	# queue: wait for the host end to go, as it would long before a real
	# teardown, or the bridge still has a port and rightly stays.
	local i
	for ((i = 0; i < 100; i++)); do
		[[ -z "$(nsu_host ip -o link show master podman1 2>/dev/null)" ]] && break
		sleep 0.05
	done
	nsu_run -f "$TEST_DIR/o.json" teardown "${NSU_CTR_PATH[0]}"
	assert_success
	assert_equal "$(nsu_snapshot)" "$before"
}

@test "--firewall-driver none: no rules at all, the bridge still works" {
	local id
	id=$(nsu_id nofw)
	nsu_json "$id" podman1 podman1 eth0 "$NET4,10.89.3.2" |
		jq '.port_mappings = [{host_ip: "", container_port: 80, host_port: 8080, range: 1, protocol: "tcp"}]' \
			>"$TEST_DIR/o.json"
	nsu_run --firewall-driver none -f "$TEST_DIR/o.json" setup "${NSU_CTR_PATH[0]}"
	assert_success
	run -0 nsu_host nft list ruleset
	assert_output ""
	run -0 nsu_host busybox ping -c1 -W2 10.89.3.2
	nsu_run --firewall-driver none -f "$TEST_DIR/o.json" teardown "${NSU_CTR_PATH[0]}"
	assert_success
	run -1 nsu_host ip link show podman1
}

@test "macvlan: without a parent, the interface of the default route; none is a clear error" {
	local id
	id=$(nsu_id mvdef)
	nsu_json "$id" mv x eth0 "10.91.0.0/24,10.91.0.1,10.91.0.5" |
		jq '.network_info.mv.driver = "macvlan" | del(.network_info.mv.network_interface)' \
			>"$TEST_DIR/o.json"
	nsu_run -f "$TEST_DIR/o.json" setup "${NSU_CTR_PATH[0]}"
	assert_failure 1
	assert_regex "$stderr" "macvlan network 'mv' has no parent interface: no default route"
	nsu_host ip link add uplink0 type veth peer name uplink1
	nsu_host ip link set uplink0 up
	nsu_host ip addr add 192.0.2.10/24 dev uplink0
	nsu_host ip route add default via 192.0.2.1 dev uplink0
	nsu_run -f "$TEST_DIR/o.json" setup "${NSU_CTR_PATH[0]}"
	assert_success
	run -0 --separate-stderr nsu_ctr 0 ip -j -d link show eth0
	assert_equal "$(jq -r '.[0].linkinfo.info_kind' <<<"$output")" macvlan
	nsu_run -f "$TEST_DIR/o.json" teardown "${NSU_CTR_PATH[0]}"
	assert_success
}

@test "static routes through another interface of the container come and go with the network" {
	local id
	id=$(nsu_id sroutes)
	nsu_ctr 0 ip link add dum0 type veth peer name dum1
	nsu_ctr 0 ip addr add 10.91.0.10/24 dev dum0
	nsu_ctr 0 ip link set dum0 up
	nsu_json "$id" podman1 podman1 eth0 "$NET4,10.89.3.2" |
		jq '.network_info.podman1.routes = [
			{destination: "10.89.0.0/24", gateway: "10.89.3.20"},
			{destination: "10.92.0.0/24", gateway: "10.91.0.1", metric: 50},
			{destination: "10.93.0.0/24", route_type: "blackhole"},
			{destination: "fd93::/64", route_type: "unreachable"}]' >"$TEST_DIR/o.json"
	nsu_run -f "$TEST_DIR/o.json" setup "${NSU_CTR_PATH[0]}"
	assert_success
	run -0 --separate-stderr nsu_ctr 0 ip route
	assert_output --partial "10.89.0.0/24 via 10.89.3.20 dev eth0"
	assert_output --partial "10.92.0.0/24 via 10.91.0.1 dev dum0"
	assert_output --partial "blackhole 10.93.0.0/24"
	run -0 --separate-stderr nsu_ctr 0 ip -6 route
	assert_output --partial "unreachable fd93::/64"
	nsu_run -f "$TEST_DIR/o.json" teardown "${NSU_CTR_PATH[0]}"
	assert_success
	run -0 --separate-stderr nsu_ctr 0 ip route
	refute_output --partial "10.92.0.0/24"
	refute_output --partial "10.89.0.0/24"
	refute_output --partial "10.93.0.0/24"
	run -0 --separate-stderr nsu_ctr 0 ip -6 route
	refute_output --partial "fd93::/64"
}

@test "a read-only /proc is fine when the sysctls are already right" {
	local id
	id=$(nsu_id roproc)
	nsu_json "$id" podman1 podman1 eth0 "$NET4,10.89.3.2" >"$TEST_DIR/o.json"
	nsu_host sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward'
	# a proc of its own, read-only, in the mount namespace of `ip netns exec`
	run --separate-stderr ip netns exec "$NSU_HOST" sh -c \
		'mount -t proc -o ro,nosuid,nodev,noexec proc /proc && exec "$0" --config "$1" -f "$2" setup "$3"' \
		"$PEA_NETSETUP" "$NSU_CONF" "$TEST_DIR/o.json" "${NSU_CTR_PATH[0]}"
	assert_success
	nsu_run -f "$TEST_DIR/o.json" teardown "${NSU_CTR_PATH[0]}"
	assert_success
	nsu_host sh -c 'echo 0 > /proc/sys/net/ipv4/ip_forward'
	run --separate-stderr ip netns exec "$NSU_HOST" sh -c \
		'mount -t proc -o ro,nosuid,nodev,noexec proc /proc && exec "$0" --config "$1" -f "$2" setup "$3"' \
		"$PEA_NETSETUP" "$NSU_CONF" "$TEST_DIR/o.json" "${NSU_CTR_PATH[0]}"
	assert_failure 1
	assert_regex "$stderr" "sysctl: open '/proc/sys/net/ipv4/ip_forward' for writing: Read-only file system"
	run -1 nsu_host ip link show podman1
}

@test "a host firewall in its own tables is left alone, and both work together" {
	local id
	id=$(nsu_id coexist)
	nsu_host nft -f - <<'NFT'
table inet hostfw {
	chain input {
		type filter hook input priority 0; policy accept;
		tcp dport 22 accept
	}
	chain forward {
		type filter hook forward priority 0; policy accept;
		ct state invalid drop
	}
}
table ip legacy {
	chain postrouting { type nat hook postrouting priority 100; }
}
NFT
	local theirs
	theirs=$(nsu_host nft list table inet hostfw; nsu_host nft list table ip legacy)
	nsu_json "$id" podman1 podman1 eth0 "$NET4,10.89.3.2" |
		jq '.port_mappings = [{host_ip: "", container_port: 80, host_port: 8080, range: 1, protocol: "tcp"}]' \
			>"$TEST_DIR/o.json"
	nsu_host ip addr add 198.51.100.1/32 dev lo
	nsu_run -f "$TEST_DIR/o.json" setup "${NSU_CTR_PATH[0]}"
	assert_success
	assert_equal "$(nsu_host nft list table inet hostfw; nsu_host nft list table ip legacy)" "$theirs"
	run -0 nsu_ctr 0 busybox ping -c1 -W2 198.51.100.1
	nsu_bg "${NSU_CTR[0]}" timeout -k 5 5 busybox nc -l -p 80 -e echo "fw-ok"
	nsu_wait_port "${NSU_CTR[0]}" 80
	run -0 nsu_host timeout -k 5 3 busybox nc 198.51.100.1 8080 </dev/null
	assert_output "fw-ok"
	nsu_run -f "$TEST_DIR/o.json" teardown "${NSU_CTR_PATH[0]}"
	assert_success
	assert_equal "$(nsu_host nft list ruleset)" "$theirs"
}

@test "sctp port forwards make sctp rules (this kernel has no SCTP to connect with)" {
	local id
	id=$(nsu_id sctp)
	nsu_json "$id" podman1 podman1 eth0 "$NET4,10.89.3.2" |
		jq '.port_mappings = [{host_ip: "", container_port: 70, host_port: 7070, range: 2, protocol: "sctp"}]' \
			>"$TEST_DIR/o.json"
	nsu_run -f "$TEST_DIR/o.json" setup "${NSU_CTR_PATH[0]}"
	assert_success
	run -0 nsu_host nft list chain inet pea hostports
	assert_output --partial "sctp dport 7070 dnat ip to 10.89.3.2:70"
	assert_output --partial "sctp dport 7071 dnat ip to 10.89.3.2:71"
	nsu_run -f "$TEST_DIR/o.json" teardown "${NSU_CTR_PATH[0]}"
	assert_success
	run -0 nsu_host nft list tables
	assert_output ""
}

@test "no_default_route and metric options" {
	local id
	id=$(nsu_id nodef)
	nsu_json "$id" podman1 podman1 eth0 "$NET4,10.89.3.2" "$NET6,fd10:88:a::2" |
		jq '.network_info.podman1.options = {no_default_route: "true"}' >"$TEST_DIR/o.json"
	nsu_run -f "$TEST_DIR/o.json" setup "${NSU_CTR_PATH[0]}"
	assert_success
	run -0 --separate-stderr nsu_ctr 0 ip route show default
	assert_output ""
	run -0 --separate-stderr nsu_ctr 0 ip -6 route show default
	assert_output ""
	nsu_json "$(nsu_id metric)" podman1 podman1 eth0 "$NET4,10.89.3.3" |
		jq '.network_info.podman1.options = {metric: "250"}' >"$TEST_DIR/m.json"
	nsu_run -f "$TEST_DIR/m.json" setup "${NSU_CTR_PATH[1]}"
	assert_success
	run -0 --separate-stderr nsu_ctr 1 ip -j route show default
	assert_equal "$(jq -c '[.[0].gateway, .[0].metric]' <<<"$output")" '["10.89.3.1",250]'
}
