#!/usr/bin/env bats
# pea-netsetup and the DNS server of dns_enabled networks: aardvark-dns's
# config files, one server started then reloaded, stopped with the last
# container; NETAVARK_DNS_PORT; update; a server that cannot start.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-netsetup

setup() {
	require_cmd "$AARDVARK_DNS"
	nsu_setup 2
	nsu_json "$(nsu_id d1)" podman1 podman1 eth0 "10.89.3.0/24,10.89.3.1,10.89.3.2" |
		jq '.container_name = "web" | .network_info.podman1.dns_enabled = true
		    | .networks.podman1.aliases = ["www"] | .dns_servers = ["192.0.2.53"]' >"$TEST_DIR/a.json"
	nsu_json "$(nsu_id d2)" podman1 podman1 eth0 "10.89.3.0/24,10.89.3.1,10.89.3.3" |
		jq '.container_name = "db" | .network_info.podman1.dns_enabled = true' >"$TEST_DIR/b.json"
}

teardown() {
	nsu_teardown
}

# alive PID: running and not a zombie (PID 1 here may not reap)
alive() {
	[[ -e /proc/$1/stat ]] && [[ $(awk '{print $3}' "/proc/$1/stat") != Z ]]
}

# lookup CTR NAME: ask the gateway; aardvark-dns restarts its listeners when it
# reloads, so a query right after a SIGHUP is asked again for a while.
lookup() {
	local i=$1 name=$2 try
	for try in 1 2 3 4 5; do
		nsu_ctr "$i" busybox nslookup "$name" 10.89.3.1 && return 0
		sleep 0.3
	done
	return 1
}

# lookup_gone CTR NAME: the name stops resolving (right after a reload the old
# configuration may still answer for a moment).
lookup_gone() {
	local i=$1 name=$2 try
	for try in 1 2 3 4 5; do
		nsu_ctr "$i" busybox nslookup "$name" 10.89.3.1 >/dev/null 2>&1 || return 0
		sleep 0.3
	done
	return 1
}

@test "dns: one server for the network, reloaded for the next container, gone with the last" {
	local pid dir=$NSU_CONF/aardvark-dns
	nsu_run --aardvark-binary "$AARDVARK_DNS" -f "$TEST_DIR/a.json" setup "${NSU_CTR_PATH[0]}"
	assert_success
	assert_equal "$(cat "$dir/podman1")" "10.89.3.1
$(nsu_id d1) 10.89.3.2  web,www 192.0.2.53"
	pid=$(cat "$dir/aardvark.pid")
	alive "$pid"
	run -0 lookup 0 www
	assert_output --partial "10.89.3.2"

	nsu_run --aardvark-binary "$AARDVARK_DNS" -f "$TEST_DIR/b.json" setup "${NSU_CTR_PATH[1]}"
	assert_success
	assert_equal "$(cat "$dir/aardvark.pid")" "$pid"
	run -0 lookup 0 db
	assert_output --partial "10.89.3.3"

	nsu_run --aardvark-binary "$AARDVARK_DNS" -f "$TEST_DIR/a.json" teardown "${NSU_CTR_PATH[0]}"
	assert_success
	assert_equal "$(cat "$dir/podman1")" "10.89.3.1
$(nsu_id d2) 10.89.3.3  db"
	run -0 lookup_gone 1 www
	run -0 lookup 1 db

	nsu_run --aardvark-binary "$AARDVARK_DNS" -f "$TEST_DIR/b.json" teardown "${NSU_CTR_PATH[1]}"
	assert_success
	[[ ! -e $dir/podman1 ]]
	sleep 0.2
	! alive "$pid"
}

@test "dns: NETAVARK_DNS_PORT moves the server, port 53 of the gateway is redirected" {
	run --separate-stderr ip netns exec "$NSU_HOST" env NETAVARK_DNS_PORT=5354 "$PEA_NETSETUP" \
		--config "$NSU_CONF" --aardvark-binary "$AARDVARK_DNS" -f "$TEST_DIR/a.json" \
		setup "${NSU_CTR_PATH[0]}"
	assert_success
	run -0 nsu_host ss -H -lun "sport = :5354"
	assert_output --partial "10.89.3.1:5354"
	run -0 lookup 0 web
	assert_output --partial "10.89.3.2"
	run --separate-stderr ip netns exec "$NSU_HOST" env NETAVARK_DNS_PORT=5354 "$PEA_NETSETUP" \
		--config "$NSU_CONF" --aardvark-binary "$AARDVARK_DNS" -f "$TEST_DIR/a.json" \
		teardown "${NSU_CTR_PATH[0]}"
	assert_success
	run -0 nsu_host nft list tables
	assert_output ""
}

@test "dns: update rewrites the network's DNS servers; without config it does nothing" {
	local dir=$NSU_CONF/aardvark-dns
	nsu_run update podman1 --network-dns-servers 8.8.8.8
	assert_success
	nsu_run --aardvark-binary "$AARDVARK_DNS" -f "$TEST_DIR/a.json" setup "${NSU_CTR_PATH[0]}"
	assert_success
	nsu_run --aardvark-binary "$AARDVARK_DNS" update podman1 --network-dns-servers 8.8.8.8,1.1.1.1
	assert_success
	assert_equal "$(head -1 "$dir/podman1")" "10.89.3.1 8.8.8.8,1.1.1.1"
	nsu_run --aardvark-binary "$AARDVARK_DNS" update podman1 --network-dns-servers ""
	assert_success
	assert_equal "$(head -1 "$dir/podman1")" "10.89.3.1"
	assert_equal "$(wc -l <"$dir/podman1")" 2
	nsu_run update podman1 --network-dns-servers not-an-ip
	assert_failure 1
	assert_regex "$stderr" "invalid IP address syntax 'not-an-ip'"
}

@test "dns: a server that cannot start fails the setup and leaves no entries" {
	local before
	before=$(nsu_snapshot)
	nsu_run --aardvark-binary /nonexistent/aardvark-dns -f "$TEST_DIR/a.json" setup "${NSU_CTR_PATH[0]}"
	assert_failure 1
	assert_regex "$stderr" "aardvark-dns failed to start"
	assert_equal "$(nsu_snapshot)" "$before"
	run -0 ls "$NSU_CONF/aardvark-dns"
	assert_output ""
}

@test "dns: pea-dnsd as the server" {
	require_cmd "$PEA_DNSD"
	local dir=$NSU_CONF/aardvark-dns
	nsu_run --aardvark-binary "$PEA_DNSD" -f "$TEST_DIR/a.json" setup "${NSU_CTR_PATH[0]}"
	assert_success
	run -0 lookup 0 www
	assert_output --partial "10.89.3.2"
	nsu_run --aardvark-binary "$PEA_DNSD" -f "$TEST_DIR/b.json" setup "${NSU_CTR_PATH[1]}"
	assert_success
	run -0 lookup 1 db
	assert_output --partial "10.89.3.3"
	nsu_run --aardvark-binary "$PEA_DNSD" -f "$TEST_DIR/a.json" teardown "${NSU_CTR_PATH[0]}"
	nsu_run --aardvark-binary "$PEA_DNSD" -f "$TEST_DIR/b.json" teardown "${NSU_CTR_PATH[1]}"
	assert_success
	[[ ! -e $dir/podman1 ]]
}

@test "dns: invalid aliases are left out with a warning" {
	jq '.networks.podman1.aliases = ["space 1", "comma,1", "newline\n2", "valid"]' "$TEST_DIR/a.json" \
		>"$TEST_DIR/names.json"
	nsu_run --aardvark-binary "$AARDVARK_DNS" -f "$TEST_DIR/names.json" setup "${NSU_CTR_PATH[0]}"
	assert_success
	assert_equal "${#stderr_lines[@]}" 3
	assert_regex "${stderr_lines[0]}" "invalid network alias 'space 1', ignoring"
	assert_equal "$(sed -n 2p "$NSU_CONF/aardvark-dns/podman1")" "$(nsu_id d1) 10.89.3.2  web,valid 192.0.2.53"
}

@test "dns: a dns_enabled network without a gateway gets no DNS server" {
	jq '.network_info.podman1.subnets[0] |= del(.gateway)' "$TEST_DIR/a.json" >"$TEST_DIR/nogw.json"
	nsu_run --aardvark-binary "$AARDVARK_DNS" -f "$TEST_DIR/nogw.json" setup "${NSU_CTR_PATH[0]}"
	assert_success
	assert_equal "$(jq -c '.podman1 | [.dns_search_domains, .dns_server_ips]' <<<"$output")" '[[],[]]'
	[[ ! -e $NSU_CONF/aardvark-dns/podman1 ]]
	nsu_run --aardvark-binary "$AARDVARK_DNS" -f "$TEST_DIR/nogw.json" teardown "${NSU_CTR_PATH[0]}"
	assert_success
}
