#!/usr/bin/env bats
# pea network create|ls|inspect|exists|rm|prune: Podman's network files, the
# default network, and a clear error for every bad input. pea runs inside a
# network namespace made by the test (pea_net).
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-frontend

setup_file() {
	ensure_fixtures
	fe_server_start
}

teardown_file() {
	fe_server_stop
}

setup() {
	require_root
	require_cmd "$PEA"
	require_cmd "$PEA_NETSETUP"
	require_cmd tini
	fe_setup
	fe_net_setup
}

teardown() {
	fe_net_teardown
	fe_teardown
}

# net_field NAME JQ: a field of the network's file.
net_field() {
	jq -r "$2" "$FE_ROOT/networks/$1.json"
}

@test "network ls: the default network podman (10.88.0.0/16) is there from the start" {
	run -0 pea_net network ls
	assert_line --index 0 --regexp '^NETWORK ID +NAME +DRIVER$'
	assert_line --index 1 --regexp '^2f259bab93aa +podman +bridge$'
	assert_equal "$(net_field podman '.subnets[0].subnet')" 10.88.0.0/16
	assert_equal "$(net_field podman '.subnets[0].gateway')" 10.88.0.1
	assert_equal "$(net_field podman .network_interface)" podman0
	assert_equal "$(net_field podman .dns_enabled)" false
	run -0 pea_net network exists podman
	run -0 pea_net network inspect podman
	assert_equal "$(jq -r '.[0].id' <<<"$output")" \
		2f259bab93aaaaa2542ba43ef33eb990d0999ee1b9924b557b7be53c0b7a1bb9
}

@test "network create: a free subnet, a bridge name, DNS on; the name printed" {
	run -0 pea_net network create
	assert_output podman1
	run -0 pea_net network create blue
	assert_output blue
	assert_equal "$(net_field podman1 '.subnets[0].subnet')" 10.89.0.0/24
	assert_equal "$(net_field blue '.subnets[0].subnet')" 10.89.1.0/24
	assert_equal "$(net_field blue '.subnets[0].gateway')" 10.89.1.1
	assert_equal "$(net_field blue .network_interface)" podman2
	assert_equal "$(net_field blue .dns_enabled)" true
	assert_equal "$(net_field blue .driver)" bridge
	[[ "$(net_field blue .id)" =~ ^[0-9a-f]{64}$ ]]
	run -0 pea_net network ls -q
	assert_output "blue
podman
podman1"
	# no container yet: nothing is made in the namespace
	run -0 ip -n "$FE_NETNS_NAME" -o link show
	assert_equal "${#lines[@]}" 1
}

@test "network create: --subnet --gateway --ip-range --label --internal -o --dns --ipv6" {
	run -0 pea_net network create --subnet 10.77.0.0/16 --gateway 10.77.0.254 \
		--ip-range 10.77.5.0/24 --label team=red --label solo --internal \
		-o mtu=1400 -o isolate=true --dns 192.0.2.53 red
	assert_equal "$(net_field red '.subnets[0].subnet')" 10.77.0.0/16
	assert_equal "$(net_field red '.subnets[0].gateway')" 10.77.0.254
	assert_equal "$(net_field red '.subnets[0].lease_range.start_ip')" 10.77.5.1
	assert_equal "$(net_field red '.subnets[0].lease_range.end_ip')" 10.77.5.254
	assert_equal "$(net_field red .labels.team)" red
	assert_equal "$(net_field red .labels.solo)" ""
	assert_equal "$(net_field red .internal)" true
	assert_equal "$(net_field red .options.mtu)" 1400
	assert_equal "$(net_field red .options.isolate)" true
	assert_equal "$(net_field red '.network_dns_servers[0]')" 192.0.2.53
	run -0 pea_net network create --ip-range 10.78.0.10-10.78.0.20 --subnet 10.78.0.0/24 \
		--disable-dns quiet
	assert_equal "$(net_field quiet '.subnets[0].lease_range.start_ip')" 10.78.0.10
	assert_equal "$(net_field quiet '.subnets[0].lease_range.end_ip')" 10.78.0.20
	assert_equal "$(net_field quiet .dns_enabled)" false
	run -0 pea_net network create --ipv6 six
	assert_equal "$(net_field six .ipv6_enabled)" true
	assert_equal "$(net_field six '[.subnets[].subnet | select(contains(":"))] | length')" 1
	run -0 pea_net network create --subnet fd00:10:20::/64 --subnet 10.79.0.0/24 dual
	assert_equal "$(net_field dual .ipv6_enabled)" true
	assert_equal "$(net_field dual '.subnets[0].gateway')" fd00:10:20::1
	run -0 pea_net network create -d macvlan -o parent=pea9 -o mode=bridge \
		--subnet 192.0.2.0/24 mac
	assert_equal "$(net_field mac .driver)" macvlan
	assert_equal "$(net_field mac .network_interface)" pea9
	assert_equal "$(net_field mac .options.mode)" bridge
	assert_equal "$(net_field mac .dns_enabled)" false
	# --ignore: an existing network is fine
	run -0 pea_net network create --ignore red
	assert_output red
}

@test "network ls --format, --filter, --no-trunc; inspect --format" {
	pea_net network create --label app=x blue >/dev/null
	pea_net network create green >/dev/null
	run -0 pea_net network ls --format '{{.Name}} {{.Driver}}'
	assert_output "blue bridge
green bridge
podman bridge"
	run -0 pea_net network ls --filter label=app=x --format '{{.Name}}'
	assert_output blue
	# podman's 500-networking: the header row, and none with --noheading
	run -0 pea_net network ls
	assert_line --index 0 --regexp '^NETWORK ID +NAME +DRIVER$'
	run -0 pea_net network ls --noheading
	refute_output --partial 'NETWORK ID'
	assert_equal "${#lines[@]}" 3
	run -0 pea_net network ls --filter name=gre -q
	assert_output green
	run -0 pea_net network ls --no-trunc --filter name=podman --format '{{.ID}}'
	assert_output 2f259bab93aaaaa2542ba43ef33eb990d0999ee1b9924b557b7be53c0b7a1bb9
	run -0 pea_net network ls --format json
	assert_equal "$(jq -r '.[].name' <<<"$output" | paste -sd,)" blue,green,podman
	run -0 pea_net network inspect --format '{{.Name}} {{.NetworkInterface}}' blue green
	assert_output "blue podman1
green podman2"
	# by id prefix
	id=$(net_field green .id)
	run -0 pea_net network inspect --format '{{.Name}}' "${id:0:10}"
	assert_output green
	run -125 --separate-stderr pea_net network ls --filter color=red
	assert_equal "$stderr" "Error: invalid filter 'color': use name, id, driver or label"
}

@test "network exists, rm, prune" {
	# names that are no id prefix: a bare "a" may match an id starting with a, as in podman
	pea_net network create net-a >/dev/null
	pea_net network create net-b >/dev/null
	run -0 pea_net network exists net-a
	run -1 pea_net network exists nosuch
	assert_output ""
	run -0 pea_net network rm net-a
	assert_output net-a
	[[ ! -e "$FE_ROOT/networks/net-a.json" ]]
	run -1 --separate-stderr pea_net network rm net-a
	assert_equal "$stderr" "Error: unable to find network with name or ID net-a: network not found"
	# -f: a network that is not there is no error, and nothing is printed (podman)
	run -0 --separate-stderr pea_net network rm -f net-a
	assert_output ""
	assert_equal "$stderr" ""
	run -125 --separate-stderr pea_net network rm podman
	assert_equal "$stderr" "Error: default network podman cannot be removed"
	pea_net network create net-c >/dev/null
	run -0 pea_net network prune -f
	assert_output "net-b
net-c"
	run -0 pea_net network ls -q
	assert_output podman
}

# bad CMD... -> exit 125, one line naming the problem, no network file written
bad() {
	local before
	before=$(ls "$FE_ROOT/networks")
	run -125 --separate-stderr pea_net network create "$@"
	assert_equal "${#stderr_lines[@]}" 1
	assert_equal "$(ls "$FE_ROOT/networks")" "$before"
	echo "$stderr"
}

@test "network create: bad subnets, gateways, ranges, overlaps, drivers and options" {
	pea_net network ls >/dev/null
	pea_net network create --subnet 10.50.0.0/24 taken >/dev/null
	run -0 bad --subnet 10.0.0.0/33 n1
	assert_output --partial "Error: invalid subnet '10.0.0.0/33'"
	run -0 bad --subnet banana n1
	assert_output --partial "Error: invalid subnet 'banana'"
	run -0 bad --subnet 10.60.0.0 n1
	assert_output --partial "Error: invalid subnet '10.60.0.0'"
	run -0 bad --subnet 10.61.0.0/24 --gateway 10.62.0.1 n1
	assert_output "Error: gateway 10.62.0.1 is not in subnet 10.61.0.0/24"
	run -0 bad --gateway 10.61.0.1 n1
	assert_output --partial "cannot set more gateways or ip ranges than subnets"
	run -0 bad --subnet 10.61.0.0/24 --ip-range 10.62.0.0/28 n1
	assert_output "Error: --ip-range 10.62.0.0/28 is not inside subnet 10.61.0.0/24"
	run -0 bad --subnet 10.88.5.0/24 n1
	assert_output "Error: subnet 10.88.5.0/24 is already used on the host or by another config"
	run -0 bad --subnet 10.50.0.0/16 n1
	assert_output "Error: subnet 10.50.0.0/16 is already used on the host or by another config"
	run -0 bad --subnet 10.63.0.0/16 --subnet 10.63.1.0/24 n1
	assert_output "Error: subnet 10.63.1.0/24 overlaps with subnet 10.63.0.0/16"
	run -0 bad taken
	assert_output "Error: network name taken already used: network already exists"
	run -0 bad -d ipvlan n1
	assert_output "Error: unsupported driver ipvlan: use bridge or macvlan"
	run -0 bad -o color=red n1
	assert_output "Error: unsupported bridge network option color"
	run -0 bad -o mtu=big n1
	assert_output "Error: invalid mtu 'big'"
	run -0 bad -o isolate=maybe n1
	assert_output "Error: invalid isolate 'maybe': use true, false or strict"
	run -0 bad --dns 1.2.3 n1
	assert_output "Error: --dns: '1.2.3' is not an IP address"
	run -0 bad --disable-dns --dns 192.0.2.1 n1
	assert_output --partial "Error: --dns needs DNS enabled"
	run -0 bad 'bad/name'
	assert_output --partial "Error: network name bad/name invalid"
	run -0 bad a b
	assert_output "Error: accepts at most 1 arg(s), received 2"
	run -0 bad --route 10.1.0.0/16 n1
	assert_output "Error: invalid route '10.1.0.0/16': use DESTINATION-CIDR,GATEWAY[,METRIC]"
	run -0 bad --route 10.1.0.0/16,10.89.0.1,x n1
	assert_output "Error: invalid route '10.1.0.0/16,10.89.0.1,x': bad metric"
	run -0 bad --ipam-driver magic n1
	assert_output "Error: unsupported ipam driver magic: use host-local, none, or dhcp with macvlan"
	run -0 bad --ipam-driver none --subnet 10.64.0.0/24 n1
	assert_output "Error: none ipam driver is set but subnets are given"
	run -0 bad --nosuch n1
	assert_output --partial "unknown flag: --nosuch"
}

@test "network: a damaged network file is skipped with a warning, not fatal" {
	pea_net network create good >/dev/null
	printf '{"name": "broken", "id": 7' >"$FE_ROOT/networks/broken.json"
	printf '{"name": "x", "id": "short", "driver": "bridge"}' >"$FE_ROOT/networks/x.json"
	run -0 --separate-stderr pea_net network ls -q
	assert_output "good
podman"
	[[ $stderr == *"network file 'broken.json'"*"ignoring"* ]]
	[[ $stderr == *"network file 'x.json'"*"not a 64-hex id"* ]]
	run -1 pea_net network exists broken
}

@test "network: usage errors" {
	run -125 --separate-stderr pea_net network
	assert_equal "${stderr_lines[-1]}" "Error: missing command 'pea network COMMAND'"
	run -125 --separate-stderr pea_net network frob
	assert_equal "${stderr_lines[0]}" "Error: unrecognized command \`pea network frob\`"
	run -125 --separate-stderr pea_net network inspect nosuch
	assert_equal "$stderr" "Error: unable to find network with name or ID nosuch: network not found"
	run -125 --separate-stderr pea_net network rm
	assert_equal "$stderr" "Error: requires at least 1 arg(s), only received 0"
	run -0 pea_net network --help
	assert_line "  pea network [command]"
	# the names of network modes are not network names (--network bridge is the default one)
	local mode
	for mode in none host bridge private slirp4netns pasta container ns default; do
		run -125 --separate-stderr pea_net network create "$mode"
		assert_equal "$stderr" "Error: cannot create network with name \"$mode\" because it conflicts with a valid network mode"
	done
	run -0 pea_net_out network ls --format '{{.Name}}'
	assert_output podman
}
