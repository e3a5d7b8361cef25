#!/usr/bin/env bats
# pea-netsetup create: a network JSON in, the completed network out (subnet
# and gateway allocated from the pools, interface name chosen, validated),
# as netavark's create command.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-netsetup

teardown() {
	nsu_teardown
}

NET_ID=ec79dd0cad82083c8ac5cc23e9542e4ddea813dff60d68258d36e84f6393b63b

# create_input NETWORK_JQ [USED_JQ]: the create input with a 10.89.0.0/16 pool of /24s.
create_input() {
	jq -n --arg id "$NET_ID" "{
		network: ({name: \"net1\", id: \$id, driver: \"bridge\", dns_enabled: false,
			internal: false, ipv6_enabled: false, labels: {a: \"b\"}} | ${1:-.}),
		used: ({interfaces: [], names: {}, subnets: []} | ${2:-.}),
		options: {subnet_pools: [{base: \"10.89.0.0/16\", size: 24}],
			default_interface_name: \"podman\", check_used_subnets: false}
	}"
}

create() {
	create_input "$@" >"$TEST_DIR/in.json"
	run --separate-stderr "$PEA_NETSETUP" -f "$TEST_DIR/in.json" create
}

@test "create: subnet, gateway and interface allocated; other keys kept" {
	require_cmd "$PEA_NETSETUP"
	create
	assert_success
	assert_equal "$(jq -c .subnets <<<"$output")" '[{"subnet":"10.89.0.0/24","gateway":"10.89.0.1"}]'
	assert_equal "$(jq -r .network_interface <<<"$output")" podman0
	assert_equal "$(jq -c .ipam_options <<<"$output")" '{"driver":"host-local"}'
	assert_equal "$(jq -c .labels <<<"$output")" '{"a":"b"}'
	assert_equal "$(jq -r .id <<<"$output")" "$NET_ID"
}

@test "create: used subnets and interfaces are skipped" {
	require_cmd "$PEA_NETSETUP"
	create . '.interfaces = ["podman0", "podman1"] | .subnets = ["10.89.0.0/24", "10.89.1.128/25"]'
	assert_success
	assert_equal "$(jq -r '.subnets[0].subnet' <<<"$output")" 10.89.2.0/24
	assert_equal "$(jq -r .network_interface <<<"$output")" podman2
}

@test "create: an explicit subnet gets its first address as gateway; ipv6 gets a ULA /64" {
	require_cmd "$PEA_NETSETUP"
	create '.subnets = [{subnet: "192.168.77.5/24"}]'
	assert_success
	assert_equal "$(jq -c .subnets <<<"$output")" '[{"subnet":"192.168.77.0/24","gateway":"192.168.77.1"}]'
	create '.ipv6_enabled = true'
	assert_success
	assert_equal "$(jq -r '.subnets[0].subnet' <<<"$output")" 10.89.0.0/24
	assert_regex "$(jq -r '.subnets[1].subnet' <<<"$output")" '^fd[0-9a-f]{2}:[0-9a-f]{1,4}:[0-9a-f]{1,4}::/64$'
	assert_regex "$(jq -r '.subnets[1].gateway' <<<"$output")" '::1$'
	assert_equal "$(jq -r .ipv6_enabled <<<"$output")" true
}

@test "create: errors name what is wrong" {
	require_cmd "$PEA_NETSETUP"
	create '.subnets = [{subnet: "10.89.0.0/24"}]' '.subnets = ["10.89.0.0/16"]'
	assert_failure 1
	assert_regex "$stderr" "subnet 10.89.0.0/24 is already used"
	create . '.names = {net1: "0000000000000000000000000000000000000000000000000000000000000000"}'
	assert_failure 1
	assert_regex "$stderr" "network already exists net1"
	create '.name = "bad name"'
	assert_failure 1
	assert_regex "$stderr" 'Invalid characters in network name "bad name": must match'
	create '.id = "xyz"'
	assert_failure 1
	assert_regex "$stderr" "invalid network id 'xyz'"
	create '.driver = "ipvlan"'
	assert_failure 1
	assert_regex "$stderr" "unsupported driver ipvlan"
	create '.network_interface = "podman0"' '.interfaces = ["podman0"]'
	assert_failure 1
	assert_regex "$stderr" "bridge name podman0 already in use"
	create '.subnets = [{subnet: "10.1.0.0/24", gateway: "10.2.0.1"}]'
	assert_failure 1
	assert_regex "$stderr" "gateway 10.2.0.1 not in subnet 10.1.0.0/24"
	create '.options = {mtu: "big"}'
	assert_failure 1
	assert_regex "$stderr" 'unable to parse "mtu": invalid digit found in string'
	create_input | jq '.options.subnet_pools = []' >"$TEST_DIR/nopool.json"
	run --separate-stderr "$PEA_NETSETUP" -f "$TEST_DIR/nopool.json" create
	assert_failure 1
	assert_regex "$stderr" "could not find free subnet"
}

@test "create: the network it makes sets up a container" {
	nsu_setup 1
	create
	assert_success
	jq --argjson net "$output" --arg id "$(nsu_id created)" -n '{
		container_id: $id, container_name: "c",
		networks: {net1: {static_ips: ["10.89.0.2"], interface_name: "eth0"}},
		network_info: {net1: $net}}' >"$TEST_DIR/o.json"
	nsu_run -f "$TEST_DIR/o.json" setup "${NSU_CTR_PATH[0]}"
	assert_success
	run -0 nsu_ctr 0 busybox ping -c1 -W2 10.89.0.1
	nsu_run -f "$TEST_DIR/o.json" teardown "${NSU_CTR_PATH[0]}"
	assert_success
}

@test "create: created, lease ranges, ipam none, macvlan, and netavark's validation errors" {
	require_cmd "$PEA_NETSETUP"
	create '.subnets = [{subnet: "10.100.0.0/24", lease_range: {start_ip: "10.100.0.20", end_ip: "10.100.0.50"}}]'
	assert_success
	assert_regex "$(jq -r .created <<<"$output")" '^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$'
	assert_equal "$(jq -c '.subnets[0].lease_range' <<<"$output")" '{"start_ip":"10.100.0.20","end_ip":"10.100.0.50"}'
	create '.subnets = [{subnet: "10.100.0.0/24", lease_range: {start_ip: "10.200.0.20"}}]'
	assert_failure 1
	assert_regex "$stderr" "lease range start_ip 10.200.0.20 not in subnet 10.100.0.0/24"
	create '.ipam_options = {driver: "none"} | .dns_enabled = true'
	assert_success
	assert_equal "$(jq -c '[.subnets, .dns_enabled]' <<<"$output")" '[[],false]'
	create '.ipam_options = {driver: "none"} | .subnets = [{subnet: "10.100.0.0/24"}]'
	assert_failure 1
	assert_regex "$stderr" "None ipam driver is set but subnets are given"
	create '.driver = "macvlan" | .dns_enabled = true'
	assert_success
	assert_equal "$(jq -c '[.ipam_options.driver, .dns_enabled, .subnets]' <<<"$output")" '["dhcp",false,[]]'
	create '.network_dns_servers = ["8.8.8.8"]'
	assert_failure 1
	assert_regex "$stderr" "DNS is not enabled"
	create '.subnets = [{subnet: "10.100.0.0/24"}, {subnet: "10.100.0.0/24"}]'
	assert_failure 1
	assert_regex "$stderr" "duplicate subnet defined: 10.100.0.0/24"
	create '.subnets = [{subnet: "10.1.2.0/23"}, {subnet: "10.1.3.248/30"}]'
	assert_failure 1
	assert_regex "$stderr" "overlapping subnets: 10.1.2.0/23 and 10.1.3.248/30"
	create '.options = {vlan: "5000"}'
	assert_failure 1
	assert_regex "$stderr" "vlan must be between 0 and 4094"
	create '.name = ""'
	assert_failure 1
	assert_regex "$stderr" "Network name must be supplied"
	create '.id = ""'
	assert_failure 1
	assert_regex "$stderr" "Network id must be supplied"
}
