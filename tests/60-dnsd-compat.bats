#!/usr/bin/env bats
# pea-dnsd as a drop-in: the same config directory served by Debian's
# aardvark-dns gives the same answers, and Debian's netavark drives pea-dnsd
# (--aardvark-binary) as it drives aardvark-dns.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-dnsd

setup() {
	require_cmd "$PEA_DNSD"
	dnsd_ns_setup
}

teardown() {
	local d
	for d in "$TEST_DIR"/nv/aardvark-dns "$TEST_DIR"/aardvark; do
		if [[ -f $d/aardvark.pid ]]; then
			kill "$(cat "$d/aardvark.pid")" 2>/dev/null || true
		fi
	done
	dnsd_teardown
}

# answer PORT SRC ARGS...: status and sorted short answer of a query
answer() {
	local port=$1 src=$2 out status
	shift 2
	out=$(dq "$src" -p "$port" @$DNSD_GW1 "$@") || return 1
	status=$(sed -n 's/.*status: \([A-Z]*\),.*/\1/p' <<<"$out")
	echo "$status $(dq "$src" -p "$port" @$DNSD_GW1 +short "$@" | sort | tr '\n' ' ')"
}

@test "aardvark-dns and pea-dnsd answer the same on the same config" {
	require_cmd "$AARDVARK_DNS"
	local q a b
	upstream_start 10.99.0.53
	dnsd_default_config
	cp -r "$DNSD_CONF" "$TEST_DIR/aardvark"
	run -0 dnsd_start
	run -0 dnsd_exec "$AARDVARK_DNS" --config "$TEST_DIR/aardvark" -p 5533 run
	while IFS= read -r q; do
		# shellcheck disable=SC2086
		a=$(answer 53 $q)
		# shellcheck disable=SC2086
		b=$(answer 5533 $q)
		[[ $a == "$b" ]] || fail "'$q': pea-dnsd '$a', aardvark-dns '$b'"
	done <<-'EOF'
		10.89.0.3 web
		10.89.0.3 www
		10.89.0.3 web AAAA
		10.89.0.2 db
		10.89.0.2 db AAAA
		10.89.0.2 v4only AAAA
		10.89.0.2 WEB
		10.89.0.3 web.dns.podman
		10.89.0.3 nosuch.dns.podman
		10.89.0.3 -x 10.89.0.2
		10.89.0.3 -x 10.89.0.4
		10.89.0.3 -x fd00:89::3
		10.89.0.3 www.example.test
		10.89.0.3 www.example.test AAAA
	EOF
}

# netavark_json ID NAME NETWORK SUBNET IP ALIAS: the setup options of one container
netavark_json() {
	local net_id
	net_id=$(printf '%s' "$3" | sha256sum | cut -c1-64)
	cat <<-EOF
		{
		  "container_id": "$1",
		  "container_name": "$2",
		  "networks": { "$3": { "static_ips": ["$5"], "aliases": ["$6"], "interface_name": "eth0" } },
		  "network_info": { "$3": { "name": "$3", "id": "$net_id", "driver": "bridge",
		      "network_interface": "pea${3: -1}", "subnets": [ { "subnet": "$4", "gateway": "${4%.0/24}.1" } ],
		      "ipv6_enabled": false, "internal": false, "dns_enabled": true,
		      "ipam_options": { "driver": "host-local" } } }
		}
	EOF
}

# netavark_run NS setup|teardown JSON-FILE
netavark_run() {
	dnsd_exec "$NETAVARK" --config "$TEST_DIR/nv" -a "$PEA_DNSD" "$2" "/run/netns/$1" <"$3"
}

@test "netavark starts pea-dnsd, feeds it containers, and it stops with the last one" {
	require_cmd "$NETAVARK"
	require_cmd iptables
	local host=$DNSD_NS c1 c2 c3 pid
	mkdir -p "$TEST_DIR/nv"
	# the host's resolver, as the daemon that netavark starts sees it in resolv.conf
	upstream_start 10.99.0.53
	netns_create && c1=$NETNS_NAME
	netns_create && c2=$NETNS_NAME
	netns_create && c3=$NETNS_NAME
	netavark_json "$(printf 'a%.0s' {1..64})" one podman1 10.88.1.0/24 10.88.1.2 uno >"$TEST_DIR/c1.json"
	netavark_json "$(printf 'b%.0s' {1..64})" two podman1 10.88.1.0/24 10.88.1.3 dos >"$TEST_DIR/c2.json"
	netavark_json "$(printf 'c%.0s' {1..64})" three podman2 10.88.2.0/24 10.88.2.2 tres >"$TEST_DIR/c3.json"
	DNSD_NS=$host
	run -0 netavark_run "$c1" setup "$TEST_DIR/c1.json"
	assert_output --partial '"dns_server_ips":["10.88.1.1"]'
	run -0 netavark_run "$c2" setup "$TEST_DIR/c2.json"
	run -0 netavark_run "$c3" setup "$TEST_DIR/c3.json"
	pid=$(cat "$TEST_DIR/nv/aardvark-dns/aardvark.pid")
	dnsd_alive "$pid"
	run -0 readlink "/proc/$pid/exe"
	assert_output "$(readlink -f "$PEA_DNSD")"

	run -0 ip netns exec "$c1" dig +time=2 +tries=1 +short @10.88.1.1 two
	assert_output 10.88.1.3
	run -0 ip netns exec "$c2" dig +time=2 +tries=1 +short @10.88.1.1 uno.dns.podman
	assert_output 10.88.1.2
	run -0 ip netns exec "$c1" busybox nslookup dos 10.88.1.1
	assert_output --partial 10.88.1.3
	run -0 ip netns exec "$c3" dig +time=2 +tries=1 +short @10.88.2.1 three
	assert_output 10.88.2.2
	run -0 ip netns exec "$c3" dig +time=2 +tries=1 @10.88.2.1 one.dns.podman
	assert_output --partial "status: NXDOMAIN"
	run -0 ip netns exec "$c2" dig +time=2 +tries=1 +short @10.88.1.1 -x 10.88.1.2
	assert_line one.
	assert_line uno.
	run -0 ip netns exec "$c1" dig +time=2 +tries=1 +short @10.88.1.1 www.example.test
	assert_output 192.0.2.10

	run -0 netavark_run "$c2" teardown "$TEST_DIR/c2.json"
	# netavark 1.4 leaves the bridge's MAC to the kernel, which changes it when a port
	# leaves: c1 would talk to the old MAC until its neighbour entry goes stale
	ip -n "$c1" neigh flush all
	run -0 ip netns exec "$c1" dig +time=2 +tries=1 @10.88.1.1 two.dns.podman
	assert_output --partial "status: NXDOMAIN"
	run -0 netavark_run "$c1" teardown "$TEST_DIR/c1.json"
	run -0 netavark_run "$c3" teardown "$TEST_DIR/c3.json"
	dnsd_wait_gone "$pid"
	[[ ! -e "$TEST_DIR/nv/aardvark-dns/aardvark.pid" ]]
}

@test "netavark: a dual-stack network is served on its IPv6 gateway too" {
	require_cmd "$NETAVARK"
	require_cmd iptables
	local c
	mkdir -p "$TEST_DIR/nv"
	netns_create && c=$NETNS_NAME
	# the container's address must not wait for duplicate address detection
	ip netns exec "$c" sysctl -qw net.ipv6.conf.default.accept_dad=0
	cat >"$TEST_DIR/c6.json" <<-EOF2
		{
		  "container_id": "$(printf '6%.0s' {1..64})",
		  "container_name": "six",
		  "networks": { "podman6": { "static_ips": ["10.88.6.2", "fd66::2"], "aliases": ["sechs"],
		      "interface_name": "eth0" } },
		  "network_info": { "podman6": { "name": "podman6", "id": "$(printf 'b%.0s' {1..64})",
		      "driver": "bridge", "network_interface": "pea6",
		      "subnets": [ { "subnet": "10.88.6.0/24", "gateway": "10.88.6.1" },
		                   { "subnet": "fd66::/64", "gateway": "fd66::1" } ],
		      "ipv6_enabled": true, "internal": false, "dns_enabled": true,
		      "ipam_options": { "driver": "host-local" } } }
		}
	EOF2
	run -0 netavark_run "$c" setup "$TEST_DIR/c6.json"
	run -0 ip netns exec "$c" dig +time=2 +tries=1 +short @fd66::1 six AAAA
	assert_output fd66::2
	run -0 ip netns exec "$c" dig +time=2 +tries=1 +short +tcp @fd66::1 sechs.dns.podman
	assert_output 10.88.6.2
	run -0 netavark_run "$c" teardown "$TEST_DIR/c6.json"
}
