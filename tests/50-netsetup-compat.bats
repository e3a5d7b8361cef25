#!/usr/bin/env bats
# pea-netsetup as a drop-in for netavark: the same options JSON run through
# Debian's netavark and through pea-netsetup, each in its own pair of
# namespaces, gives the same status reply (MAC addresses aside), the same
# container interfaces and routes, and the same aardvark-dns files.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-netsetup

setup() {
	require_cmd "$NETAVARK"
	require_cmd "$AARDVARK_DNS"
	require_cmd iptables
	nsu_setup 1
	PEA_HOST=$NSU_HOST
	PEA_CTR=${NSU_CTR[0]}
	netns_create
	NV_HOST=$NETNS_NAME
	netns_create
	NV_CTR=$NETNS_NAME
	mkdir -p "$TEST_DIR/nv"
}

teardown() {
	if [[ -f $TEST_DIR/nv/aardvark-dns/aardvark.pid ]]; then
		kill "$(cat "$TEST_DIR/nv/aardvark-dns/aardvark.pid")" 2>/dev/null || true
	fi
	nsu_teardown
}

# both FILE: set up FILE with both tools, replies in $TEST_DIR/{pea,nv}.out
both() {
	local f=$1
	# netavark 1.4 talks to firewalld when it finds a bus; there is none in the test namespace
	run --separate-stderr ip netns exec "$NV_HOST" env DBUS_SYSTEM_BUS_ADDRESS= "$NETAVARK" \
		--config "$TEST_DIR/nv" --aardvark-binary "$AARDVARK_DNS" -f "$f" setup "/run/netns/$NV_CTR"
	assert_success
	echo "$output" >"$TEST_DIR/nv.out"
	run --separate-stderr ip netns exec "$PEA_HOST" "$PEA_NETSETUP" \
		--config "$NSU_CONF" --aardvark-binary "$AARDVARK_DNS" -f "$f" setup "/run/netns/$PEA_CTR"
	assert_success
	echo "$output" >"$TEST_DIR/pea.out"
}

# The reply with every MAC replaced and arrays of the map sorted: what must match.
normalize() {
	jq -S 'walk(if type == "object" and has("mac_address") then .mac_address = "MAC" else . end)' "$1"
}

# What a container sees of its network, MACs and link-local addresses aside.
ctr_view() {
	ip -n "$1" -j addr show | jq -c '[.[] | {ifname, mtu, operstate,
		addrs: [.addr_info[] | select(.scope == "global") | "\(.local)/\(.prefixlen)"]}] | sort'
	ip -n "$1" -j route show | jq -c '[.[] | {dst, gateway, dev, metric}] | sort'
	ip -n "$1" -6 -j route show | jq -c '[.[] | select(.dst != "fe80::/64") | {dst, gateway, dev, metric}] | sort'
}

compare() {
	both "$1"
	assert_equal "$(normalize "$TEST_DIR/pea.out")" "$(normalize "$TEST_DIR/nv.out")"
	local mac
	mac=$(jq -r '.. | .mac_address? // empty' "$TEST_DIR/pea.out" | head -1)
	assert_regex "$mac" '^[0-9a-f]{2}(:[0-9a-f]{2}){5}$'
	assert_equal "$(ctr_view "$PEA_CTR")" "$(ctr_view "$NV_CTR")"
}

@test "compat: dual-stack bridge with port forwards" {
	nsu_json "$(nsu_id c1)" podman1 podman1 eth0 "10.89.3.0/24,10.89.3.1,10.89.3.2" \
		"fd10:88:a::/64,fd10:88:a::1,fd10:88:a::2" |
		jq '.port_mappings = [{host_ip: "", container_port: 80, host_port: 8080, range: 1, protocol: "tcp"}]' \
			>"$TEST_DIR/o.json"
	compare "$TEST_DIR/o.json"
}

@test "compat: two networks, a custom interface name, mtu and a static mac" {
	nsu_json "$(nsu_id c2)" podman1 podman1 eth0 "10.89.3.0/24,10.89.3.1,10.89.3.2" |
		jq '.networks.net2 = {static_ips: ["10.90.0.7"], interface_name: "ens9", static_mac: "02:42:ac:11:00:09"}
		    | .network_info.net2 = (.network_info.podman1 | .name = "net2"
			| .network_interface = "podman2" | .options = {mtu: "1400"}
			| .subnets = [{subnet: "10.90.0.0/24", gateway: "10.90.0.1"}])' >"$TEST_DIR/o.json"
	compare "$TEST_DIR/o.json"
	assert_equal "$(jq -r '.net2.interfaces.ens9.mac_address' "$TEST_DIR/pea.out")" 02:42:ac:11:00:09
	assert_equal "$(jq -r '.net2.interfaces.ens9.mac_address' "$TEST_DIR/nv.out")" 02:42:ac:11:00:09
}

@test "compat: macvlan" {
	local ns
	for ns in "$PEA_HOST" "$NV_HOST"; do
		ip -n "$ns" link add parent0 type veth peer name parent1
		ip -n "$ns" link set parent0 up
	done
	nsu_json "$(nsu_id c7)" mv parent0 eth0 "10.93.0.0/24,10.93.0.1,10.93.0.5" |
		jq '.network_info.mv.driver = "macvlan" | .network_info.mv.options = {mode: "bridge"}' \
			>"$TEST_DIR/o.json"
	compare "$TEST_DIR/o.json"
}

# (static routes and no_default_route came after netavark 1.4, which ignores them: they are
# tested in 50-netsetup-bridge against the later netavark's documented behaviour)
@test "compat: metric option" {
	nsu_json "$(nsu_id c8)" podman1 podman1 eth0 "10.89.3.0/24,10.89.3.1,10.89.3.2" \
		"fd10:88:a::/64,fd10:88:a::1,fd10:88:a::2" |
		jq '.network_info.podman1.options = {metric: "200"}' >"$TEST_DIR/o.json"
	compare "$TEST_DIR/o.json"
}

@test "compat: internal network" {
	nsu_json "$(nsu_id c3)" intnet podman5 eth0 "10.92.0.0/24,10.92.0.1,10.92.0.9" |
		jq '.network_info.intnet.internal = true' >"$TEST_DIR/o.json"
	compare "$TEST_DIR/o.json"
}

@test "compat: subnets without gateways; ipam none" {
	nsu_json "$(nsu_id c5)" podman1 podman1 eth0 "10.89.3.0/24,,10.89.3.2" "fd10:88:a::/64,,fd10:88:a::2" |
		jq '.network_info.podman1.subnets |= map(del(.gateway))' >"$TEST_DIR/o.json"
	compare "$TEST_DIR/o.json"
	assert_equal "$(jq -c '.podman1.interfaces.eth0.subnets[0]' "$TEST_DIR/pea.out")" \
		'{"gateway":null,"ipnet":"10.89.3.2/24"}'
	ip netns exec "$PEA_HOST" "$PEA_NETSETUP" --config "$NSU_CONF" -f "$TEST_DIR/o.json" teardown "/run/netns/$PEA_CTR"
	ip netns exec "$NV_HOST" env DBUS_SYSTEM_BUS_ADDRESS= "$NETAVARK" --config "$TEST_DIR/nv" \
		-f "$TEST_DIR/o.json" teardown "/run/netns/$NV_CTR"
	nsu_json "$(nsu_id c6)" podman1 podman1 eth0 |
		jq '.network_info.podman1.ipam_options.driver = "none"' >"$TEST_DIR/none.json"
	compare "$TEST_DIR/none.json"
	assert_equal "$(jq -c '.podman1.interfaces.eth0.subnets' "$TEST_DIR/pea.out")" '[]'
}

@test "compat: dns_enabled network, same aardvark-dns files, names resolve" {
	nsu_json "$(nsu_id c4)" podman1 podman1 eth0 "10.89.3.0/24,10.89.3.1,10.89.3.2" \
		"fd10:88:a::/64,fd10:88:a::1,fd10:88:a::2" |
		jq '.network_info.podman1.dns_enabled = true | .networks.podman1.aliases = ["web", "www"]' \
			>"$TEST_DIR/o.json"
	compare "$TEST_DIR/o.json"
	assert_equal "$(jq -c '.podman1 | [.dns_search_domains, .dns_server_ips]' "$TEST_DIR/pea.out")" \
		'[["dns.podman"],["10.89.3.1","fd10:88:a::1"]]'
	assert_equal "$(cat "$NSU_CONF/aardvark-dns/podman1")" "$(cat "$TEST_DIR/nv/aardvark-dns/podman1")"
	run -0 ip netns exec "$PEA_CTR" busybox nslookup web 10.89.3.1
	assert_output --partial "10.89.3.2"

	run --separate-stderr ip netns exec "$PEA_HOST" "$PEA_NETSETUP" --config "$NSU_CONF" \
		--aardvark-binary "$AARDVARK_DNS" -f "$TEST_DIR/o.json" teardown "/run/netns/$PEA_CTR"
	assert_success
	[[ ! -e $NSU_CONF/aardvark-dns/podman1 ]]
	# the server was told to stop: the name stops resolving
	local try
	for try in 1 2 3 4 5; do
		ip netns exec "$PEA_CTR" busybox nslookup web 10.89.3.1 >/dev/null 2>&1 || break
		sleep 0.3
	done
	run -1 ip netns exec "$PEA_CTR" busybox nslookup web 10.89.3.1
}

@test "compat: version is JSON with a version key" {
	run -0 "$PEA_NETSETUP" version
	assert_regex "$(jq -r .version <<<"$output")" '^[0-9]+\.[0-9]+\.[0-9]+'
	assert_equal "$(jq -c 'keys' <<<"$output")" "$(ip netns exec "$NV_HOST" "$NETAVARK" version | jq -c keys)"
	run -0 "$PEA_NETSETUP" --help
	assert_output --partial "setup NETNS_PATH"
}
