#!/usr/bin/env bats
# pea-dnsd answers for the containers of the asking container's networks.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-dnsd

setup() {
	require_cmd "$PEA_DNSD"
	dnsd_ns_setup
	dnsd_default_config
	upstream_start 10.99.0.53
	run -0 dnsd_start
}

teardown() {
	dnsd_teardown
}

@test "A, AAAA and aliases of a container on the same network, TTL 0" {
	run -0 dq 10.89.0.3 @$DNSD_GW1 web
	assert_output --regexp $'web\\.[[:space:]]+0[[:space:]]+IN[[:space:]]+A[[:space:]]+10\\.89\\.0\\.2'
	# RD was set, so RA must be: no "recursion requested but not available"
	refute_output --partial "recursion requested but not available"
	run -0 dq 10.89.0.3 @$DNSD_GW1 +short www
	assert_output 10.89.0.2
	run -0 dq 10.89.0.3 @$DNSD_GW1 +short web AAAA
	assert_output fd00:89::2
	run -0 dq fd00:89::3 @$DNSD_GW1_6 +short web AAAA
	assert_output fd00:89::2
	run -0 dq 10.89.0.2 @$DNSD_GW1 +short db
	assert_output 10.89.0.3
}

@test "names with the search domain, in any case" {
	run -0 dq 10.89.0.3 @$DNSD_GW1 +short web.dns.podman
	assert_output 10.89.0.2
	run -0 dq 10.89.0.3 @$DNSD_GW1 +short WeB.DNS.Podman. AAAA
	assert_output fd00:89::2
	run -0 dq 10.89.0.3 @$DNSD_GW1 +short WWW
	assert_output 10.89.0.2
}

@test "NXDOMAIN for an unknown name under the search domain, NODATA for a missing family" {
	run -0 dq 10.89.0.3 @$DNSD_GW1 nosuch.dns.podman
	assert_output --partial "status: NXDOMAIN"
	run -0 dq 10.89.0.3 @$DNSD_GW1 v4only AAAA
	assert_output --partial "status: NOERROR"
	assert_output --partial "ANSWER: 0"
	# another type for a known name: the name exists, no such record
	run -0 dq 10.89.0.3 @$DNSD_GW1 web MX
	assert_output --partial "status: NOERROR"
	assert_output --partial "ANSWER: 0"
}

@test "a container cannot resolve names of a network it is not on" {
	run -0 dq 10.90.0.2 @$DNSD_GW1 web.dns.podman
	assert_output --partial "status: NXDOMAIN"
	run -0 dq 10.90.0.2 @$DNSD_GW2 +short other
	assert_output 10.90.0.2
	run -0 dq 10.89.0.2 @$DNSD_GW1 other.dns.podman
	assert_output --partial "status: NXDOMAIN"
	# nor its addresses backwards: the PTR is forwarded, and the upstream knows nothing
	run dq 10.90.0.2 @$DNSD_GW2 -x 10.89.0.2 +short
	refute_output --partial web
}

@test "a container on two networks sees both" {
	dnsd_write_net podman2 "10.90.0.1" "dddd4444 10.90.0.2  other" "aaaa1111 10.90.0.3  web2"
	ip -n "$DNSD_NS" addr add 10.90.0.3/24 dev lo
	kill -HUP "$(dnsd_pid)"
	sleep 0.3
	run -0 dq 10.89.0.2 @$DNSD_GW1 +short other
	assert_output 10.90.0.2
	run -0 dq 10.89.0.3 @$DNSD_GW1 other.dns.podman
	assert_output --partial "status: NXDOMAIN"
}

@test "PTR for IPv4 and IPv6 names every alias" {
	run -0 dq 10.89.0.3 @$DNSD_GW1 +short -x 10.89.0.2
	assert_line web.
	assert_line www.
	run -0 dq 10.89.0.3 @$DNSD_GW1 +short -x fd00:89::2
	assert_line web.
	assert_line www.
	run -0 dq 10.89.0.3 @$DNSD_GW1 -x 10.89.0.4
	assert_output --regexp $'4\\.0\\.89\\.10\\.in-addr\\.arpa\\.[[:space:]]+0[[:space:]]+IN[[:space:]]+PTR[[:space:]]+v4only\\.'
}

@test "TCP, with several queries on one connection" {
	run -0 dq 10.89.0.3 @$DNSD_GW1 +tcp +short web
	assert_output 10.89.0.2
	run -0 dq fd00:89::3 @$DNSD_GW1_6 +tcp +short www AAAA
	assert_output fd00:89::2
	run -0 dq 10.89.0.3 @$DNSD_GW1 +tcp +keepopen +short web www db
	assert_equal "${lines[0]}" 10.89.0.2
	assert_equal "${lines[1]}" 10.89.0.2
	assert_equal "${lines[2]}" 10.89.0.3
}

@test "busybox nslookup resolves a container by name and alias" {
	require_cmd busybox
	run -0 ip netns exec "$DNSD_NS" busybox nslookup web.dns.podman $DNSD_GW1
	assert_output --partial "10.89.0.2"
	run -0 ip netns exec "$DNSD_NS" busybox nslookup -type=a www $DNSD_GW1
	assert_output --partial "10.89.0.2"
}

@test "an answer too big for UDP is truncated, and complete over TCP" {
	local lines_=("10.89.0.1") i
	for ((i = 10; i < 90; i++)); do
		lines_+=("ctr$i 10.89.0.$i  many$i,crowd")
	done
	dnsd_write_net podman1 "${lines_[@]}"
	kill -HUP "$(dnsd_pid)"
	sleep 0.3
	# 10.89.0.3 is no container now: it sees the network it asks on
	run -0 dq 10.89.0.3 @$DNSD_GW1 +noedns +ignore crowd
	assert_output --partial "flags: qr aa tc"
	run -0 dq 10.89.0.3 @$DNSD_GW1 +noedns +short crowd
	assert_equal "${#lines[@]}" 80
}

@test "garbage and truncated packets are dropped and the server keeps answering" {
	local pid
	pid=$(dnsd_pid)
	# shellcheck disable=SC2016
	ip netns exec "$DNSD_NS" bash -c '
		gw=$1
		head -c 5 /dev/urandom >/dev/udp/$gw/53
		for i in $(seq 1 30); do head -c $((RANDOM % 600)) /dev/urandom >/dev/udp/$gw/53; done
		# a query cut in the middle of its name
		printf "\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x03we" >/dev/udp/$gw/53
		# a compression pointer to itself
		printf "\x12\x35\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\xc0\x0c\x00\x01\x00\x01" >/dev/udp/$gw/53
		# a response: never answered
		printf "\x12\x36\x81\x80\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x01" >/dev/udp/$gw/53
		# the same over TCP, then a length prefix longer than what follows
		printf "\x00\x05\x12\x34\x01" >/dev/tcp/$gw/53
		printf "\xff\xff\x00\x01" >/dev/tcp/$gw/53
	' _ $DNSD_GW1
	run -0 dq 10.89.0.3 @$DNSD_GW1 +short web
	assert_output 10.89.0.2
	run -0 dq 10.89.0.3 @$DNSD_GW1 +tcp +short web
	assert_output 10.89.0.2
	dnsd_alive "$pid"
}

@test "an unknown opcode gets NOTIMP, two questions FORMERR" {
	run -0 dq 10.89.0.3 @$DNSD_GW1 +opcode=2 web
	assert_output --partial "status: NOTIMP"
	run -0 dq 10.89.0.3 @$DNSD_GW1 +header-only web
	assert_output --partial "status: FORMERR"
}

@test "a silent TCP client is dropped after 3 seconds" {
	# shellcheck disable=SC2016
	run -0 ip netns exec "$DNSD_NS" bash -c '
		exec 3<>/dev/tcp/$1/53
		start=$(date +%s%N)
		timeout -k 5 8 cat <&3 >/dev/null
		echo $((($(date +%s%N) - start) / 1000000))' _ $DNSD_GW1
	((output >= 2500 && output < 6000)) || fail "closed after $output ms"
}
