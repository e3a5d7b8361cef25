#!/usr/bin/env bats
# pea-netsetup refuses bad input with one clear line (and netavark's
# {"error": ...} on stdout), exits 1, and leaves nothing behind: a setup that
# fails half-way undoes the steps before it.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-netsetup

setup() {
	nsu_setup 1
	BEFORE=$(nsu_snapshot)
	ID=$(nsu_id err)
	nsu_json "$ID" podman1 podman1 eth0 "10.89.3.0/24,10.89.3.1,10.89.3.2" >"$TEST_DIR/good.json"
}

teardown() {
	nsu_teardown
}

# fails_cleanly PATTERN: the last nsu_run failed with status 1, one line on
# stderr matching PATTERN, the same message as {"error": ...} on stdout, and
# the host namespace is as before.
fails_cleanly() {
	assert_failure 1
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "$stderr" "$1"
	assert_equal "$(jq -r .error <<<"$output")" "${stderr#pea-netsetup: }"
	assert_equal "$(nsu_snapshot)" "$BEFORE"
	run -0 --separate-stderr nsu_ctr 0 ip -o link show
	refute_output --partial eth0
}

@test "malformed JSON" {
	echo '{"container_id": "x", ' >"$TEST_DIR/bad.json"
	nsu_run -f "$TEST_DIR/bad.json" setup "${NSU_CTR_PATH[0]}"
	fails_cleanly "failed to load network options: .*unexpected end of input"
	nsu_run -f "$TEST_DIR/bad.json" teardown "${NSU_CTR_PATH[0]}"
	fails_cleanly "failed to load network options"
}

@test "a missing required key or a wrong type names the key" {
	jq 'del(.container_id)' "$TEST_DIR/good.json" >"$TEST_DIR/bad.json"
	nsu_run -f "$TEST_DIR/bad.json" setup "${NSU_CTR_PATH[0]}"
	fails_cleanly "container_id"
	jq '.networks.podman1.static_ips = "10.89.3.2"' "$TEST_DIR/good.json" >"$TEST_DIR/bad.json"
	nsu_run -f "$TEST_DIR/bad.json" setup "${NSU_CTR_PATH[0]}"
	fails_cleanly "static_ips"
	jq '.network_info = {}' "$TEST_DIR/good.json" >"$TEST_DIR/bad.json"
	nsu_run -f "$TEST_DIR/bad.json" setup "${NSU_CTR_PATH[0]}"
	fails_cleanly "do not match"
}

@test "unknown driver" {
	jq '.network_info.podman1.driver = "overlay"' "$TEST_DIR/good.json" >"$TEST_DIR/bad.json"
	nsu_run -f "$TEST_DIR/bad.json" setup "${NSU_CTR_PATH[0]}"
	fails_cleanly "unknown network driver 'overlay'"
}

@test "bad subnet, bad gateway, overlapping subnets, address outside the subnet" {
	jq '.network_info.podman1.subnets[0].subnet = "10.89.3.0/33"' "$TEST_DIR/good.json" >"$TEST_DIR/bad.json"
	nsu_run -f "$TEST_DIR/bad.json" setup "${NSU_CTR_PATH[0]}"
	fails_cleanly "invalid subnet '10.89.3.0/33'"
	jq '.network_info.podman1.subnets[0].gateway = "10.1.1.1"' "$TEST_DIR/good.json" >"$TEST_DIR/bad.json"
	nsu_run -f "$TEST_DIR/bad.json" setup "${NSU_CTR_PATH[0]}"
	fails_cleanly "gateway 10.1.1.1 not in subnet 10.89.3.0/24"
	jq '.network_info.podman1.subnets += [{subnet: "10.89.0.0/16"}]' "$TEST_DIR/good.json" >"$TEST_DIR/bad.json"
	nsu_run -f "$TEST_DIR/bad.json" setup "${NSU_CTR_PATH[0]}"
	fails_cleanly "overlapping subnets: 10.89.3.0/24 and 10.89.0.0/16"
	jq '.networks.n2 = {static_ips: ["10.89.3.9"], interface_name: "eth1"}
	    | .network_info.n2 = (.network_info.podman1 | .name = "n2" | .network_interface = "podman2"
	        | .subnets = [{subnet: "10.89.0.0/16", gateway: "10.89.0.1"}])' "$TEST_DIR/good.json" >"$TEST_DIR/bad.json"
	nsu_run -f "$TEST_DIR/bad.json" setup "${NSU_CTR_PATH[0]}"
	fails_cleanly "subnet 10.89.0.0/16 of network 'n2' overlaps 10.89.3.0/24 of network 'podman1'"
	jq '.networks.podman1.static_ips = ["10.99.0.2"]' "$TEST_DIR/good.json" >"$TEST_DIR/bad.json"
	nsu_run -f "$TEST_DIR/bad.json" setup "${NSU_CTR_PATH[0]}"
	fails_cleanly "static ip 10.99.0.2 is not in a subnet of network 'podman1'"
	jq '.port_mappings = [{host_ip: "", container_port: 80, host_port: 65535, range: 2, protocol: "tcp"}]' \
		"$TEST_DIR/good.json" >"$TEST_DIR/bad.json"
	nsu_run -f "$TEST_DIR/bad.json" setup "${NSU_CTR_PATH[0]}"
	fails_cleanly "port range exceeds 65535"
	jq '.port_mappings = [{host_ip: "", container_port: 80, host_port: 80, range: 1, protocol: "icmp"}]' \
		"$TEST_DIR/good.json" >"$TEST_DIR/bad.json"
	nsu_run -f "$TEST_DIR/bad.json" setup "${NSU_CTR_PATH[0]}"
	fails_cleanly "unknown protocol 'icmp'"
}

@test "missing network namespace" {
	nsu_run -f "$TEST_DIR/good.json" setup /run/netns/pea-does-not-exist
	fails_cleanly "invalid namespace path '/run/netns/pea-does-not-exist': No such file or directory"
	nsu_run -f "$TEST_DIR/good.json" setup /etc/hostname
	fails_cleanly "not a network namespace"
}

@test "usage errors" {
	nsu_run -f "$TEST_DIR/good.json" setup
	fails_cleanly "expected one argument"
	nsu_run frobnicate
	fails_cleanly "unknown command 'frobnicate'"
	nsu_run --firewall-driver iptablez setup x
	fails_cleanly "unknown firewall driver 'iptablez'"
	nsu_run -f "$TEST_DIR/missing.json" setup "${NSU_CTR_PATH[0]}"
	fails_cleanly "missing.json.*No such file"
}

@test "a failure half-way undoes the bridge, the rules and the first network" {
	# the container already has an eth1: the second network cannot be set up
	nsu_ctr 0 ip link add eth1 type veth peer name eth2
	jq '.networks.second = {static_ips: ["10.90.0.2"], interface_name: "eth1"}
	    | .network_info.second = (.network_info.podman1 | .name = "second"
	        | .network_interface = "podman2" | .subnets = [{subnet: "10.90.0.0/24", gateway: "10.90.0.1"}])
	    | .port_mappings = [{host_ip: "", container_port: 80, host_port: 8080, range: 1, protocol: "tcp"}]' \
		"$TEST_DIR/good.json" >"$TEST_DIR/two.json"
	nsu_run -f "$TEST_DIR/two.json" setup "${NSU_CTR_PATH[0]}"
	fails_cleanly "interface 'eth1' already exists in the container"
	run -0 nsu_host nft list tables
	assert_output ""
}

@test "IPv6 disabled in the host namespace: the error says so" {
	nsu_host sysctl -q net.ipv6.conf.all.disable_ipv6=1
	nsu_host sysctl -q net.ipv6.conf.default.disable_ipv6=1
	BEFORE=$(nsu_snapshot)
	nsu_json "$ID" podman1 podman1 eth0 "fd10:88:a::/64,fd10:88:a::1,fd10:88:a::2" >"$TEST_DIR/v6.json"
	nsu_run -f "$TEST_DIR/v6.json" setup "${NSU_CTR_PATH[0]}"
	fails_cleanly "add address fd10:88:a::1/64 \(is IPv6 enabled"
}

@test "a failed setup undoes only what it made: a second setup of a running container" {
	jq '.port_mappings = [{host_ip: "", container_port: 80, host_port: 8080, range: 1, protocol: "tcp"}]' \
		"$TEST_DIR/good.json" >"$TEST_DIR/ports.json"
	nsu_run -f "$TEST_DIR/ports.json" setup "${NSU_CTR_PATH[0]}"
	assert_success
	local during
	during=$(nsu_snapshot)
	nsu_run -f "$TEST_DIR/ports.json" setup "${NSU_CTR_PATH[0]}"
	assert_failure 1
	assert_regex "$stderr" "interface 'eth0' already exists in the container"
	# the first setup is untouched: its interface, bridge, rules
	assert_equal "$(nsu_snapshot)" "$during"
	run -0 nsu_ctr 0 busybox ping -c1 -W2 10.89.3.1
	nsu_run -f "$TEST_DIR/ports.json" teardown "${NSU_CTR_PATH[0]}"
	assert_success
	assert_equal "$(nsu_snapshot)" "$BEFORE"
}

@test "network names that could escape the DNS directory are refused" {
	jq '.networks = {"../x": .networks.podman1} | .network_info = {"../x": (.network_info.podman1 | .name = "../x")}' \
		"$TEST_DIR/good.json" >"$TEST_DIR/bad.json"
	nsu_run -f "$TEST_DIR/bad.json" setup "${NSU_CTR_PATH[0]}"
	fails_cleanly "invalid network name '../x'"
}

@test "routes: unicast needs a gateway, the other types must not have one" {
	jq '.network_info.podman1.routes = [{destination: "10.89.0.0/24"}]' "$TEST_DIR/good.json" >"$TEST_DIR/bad.json"
	nsu_run -f "$TEST_DIR/bad.json" setup "${NSU_CTR_PATH[0]}"
	fails_cleanly "route 10.89.0.0/24 requires a gateway for type unicast"
	jq '.network_info.podman1.routes = [{destination: "10.89.0.0/24", gateway: "10.89.3.9", route_type: "blackhole"}]' \
		"$TEST_DIR/good.json" >"$TEST_DIR/bad.json"
	nsu_run -f "$TEST_DIR/bad.json" setup "${NSU_CTR_PATH[0]}"
	fails_cleanly "route 10.89.0.0/24 must not have a gateway for type blackhole"
	jq '.network_info.podman1.routes = [{destination: "10.89.0.0/24", route_type: "anycast"}]' \
		"$TEST_DIR/good.json" >"$TEST_DIR/bad.json"
	nsu_run -f "$TEST_DIR/bad.json" setup "${NSU_CTR_PATH[0]}"
	fails_cleanly "unknown route_type 'anycast'"
}
