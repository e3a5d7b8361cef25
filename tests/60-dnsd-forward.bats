#!/usr/bin/env bats
# pea-dnsd forwards what is not a container's name: to the container's own
# resolvers, else its networks', else the host's from /etc/resolv.conf. The
# upstreams are dnsmasq instances inside the test's namespace.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-dnsd

setup() {
	require_cmd "$PEA_DNSD"
	dnsd_ns_setup
}

teardown() {
	dnsd_teardown
}

# has_query ADDR NAME: the upstream on ADDR saw a query for NAME
has_query() {
	grep -q "query\[.*\] $2 from" "$TEST_DIR/dnsmasq-$1.log"
}

@test "an outside name goes to the host's resolver from resolv.conf" {
	upstream_start 10.99.0.53 --address=/host-only.test/192.0.2.53
	dnsd_default_config
	run -0 dnsd_start
	run -0 dq 10.89.0.2 @$DNSD_GW1 +short host-only.test
	assert_output 192.0.2.53
	# a name the upstream refuses comes back as it answered
	run -0 dq 10.89.0.2 @$DNSD_GW1 someshortname
	assert_output --partial "status: REFUSED"
	# the answer carries the client's id and RA
	refute_output --partial "ID mismatch"
	refute_output --partial "recursion requested but not available"
}

@test "network DNS servers come before the host's, container ones before both" {
	upstream_start 10.99.0.53 --address=/who.test/192.0.2.53
	upstream_start 10.99.0.54 --address=/who.test/192.0.2.54
	upstream_start 10.99.0.55 --address=/who.test/192.0.2.55
	dnsd_write_net podman1 "10.89.0.1 10.99.0.54" \
		"aaaa1111 10.89.0.2  web" \
		"bbbb2222 10.89.0.3  db 10.99.0.55"
	dnsd_write_net podman2 "10.90.0.1" "dddd4444 10.90.0.2  other"
	run -0 dnsd_start
	run -0 dq 10.89.0.2 @$DNSD_GW1 +short who.test
	assert_output 192.0.2.54
	run -0 dq 10.89.0.3 @$DNSD_GW1 +short who.test
	assert_output 192.0.2.55
	run -0 dq 10.90.0.2 @$DNSD_GW2 +short who.test
	assert_output 192.0.2.53
}

@test "a truncated UDP answer is fetched again over TCP from the upstream" {
	local big
	big=$(printf 'x%.0s' {1..200})
	# the upstream truncates at 512 bytes, the client takes 4096
	upstream_start 10.99.0.53 --edns-packet-max=512 \
		--txt-record=big.test,"$big","$big","$big","$big","$big"
	dnsd_default_config
	run -0 dnsd_start
	run -0 dq 10.89.0.2 @$DNSD_GW1 +bufsize=4096 big.test TXT
	assert_output --partial "status: NOERROR"
	assert_output --partial "(UDP)"
	refute_output --partial "Truncated"
	assert_output --regexp "MSG SIZE  rcvd: 1[0-9]{3}"
	# a client without EDNS gets TC from us, then asks over TCP
	run -0 dq 10.89.0.2 @$DNSD_GW1 +noedns big.test TXT
	assert_output --partial "Truncated, retrying in TCP mode"
	assert_output --partial "(TCP)"
	assert_output --regexp "MSG SIZE  rcvd: 1[0-9]{3}"
}

@test "a TCP query is forwarded over TCP" {
	upstream_start 10.99.0.53
	dnsd_default_config
	run -0 dnsd_start
	run -0 dq 10.89.0.2 @$DNSD_GW1 +tcp +short www.example.test
	assert_output 192.0.2.10
}

@test "a dead upstream costs its share of the time, then the next answers" {
	upstream_start 10.99.0.53
	upstream_start 10.99.0.54
	# a stopped dnsmasq keeps its socket: queries are neither answered nor refused
	kill -STOP "$(upstream_pid 10.99.0.54)"
	dnsd_write_net podman1 "10.89.0.1 10.99.0.54,10.99.0.53" "aaaa1111 10.89.0.2  web"
	run -0 dnsd_start
	run -0 ip netns exec "$DNSD_NS" dig +time=4 +tries=1 -b 10.89.0.2 @$DNSD_GW1 www.example.test
	assert_output --partial "192.0.2.10"
	# 5 s shared by two upstreams: about 2.5 s (a loaded machine adds some), not the 4 s of dig
	assert_output --regexp "Query time: [23][0-9]{3} msec"
}

@test "an upstream with nobody listening is skipped at once" {
	upstream_start 10.99.0.53
	# 10.99.0.55 has no resolver: the kernel refuses, no timeout is waited for
	dnsd_write_net podman1 "10.89.0.1 10.99.0.55,10.99.0.53" "aaaa1111 10.89.0.2  web"
	run -0 dnsd_start
	run -0 dq 10.89.0.2 @$DNSD_GW1 www.example.test
	assert_output --partial "192.0.2.10"
	assert_output --regexp "Query time: [0-9]{1,3} msec"
}

@test "a container only on an internal network gets NXDOMAIN for outside names" {
	upstream_start 10.99.0.53
	dnsd_write_net "podman1%int" "10.89.0.1 10.99.0.53" "aaaa1111 10.89.0.2  web,w1 10.99.0.53"
	run -0 dnsd_start
	run -0 dq 10.89.0.2 @$DNSD_GW1 +short w1
	assert_output 10.89.0.2
	run -0 dq 10.89.0.2 @$DNSD_GW1 www.example.test
	assert_output --partial "status: NXDOMAIN"
	! has_query 10.99.0.53 www.example.test
}

@test "AARDVARK_NO_PROXY turns forwarding off" {
	upstream_start 10.99.0.53
	dnsd_default_config
	AARDVARK_NO_PROXY=1 run -0 dnsd_start
	run -0 dq 10.89.0.2 @$DNSD_GW1 +short web
	assert_output 10.89.0.2
	run -0 dq 10.89.0.2 @$DNSD_GW1 www.example.test
	assert_output --partial "status: NXDOMAIN"
}

@test "a change of resolv.conf is seen without a reload" {
	upstream_start 10.99.0.53 --address=/which.test/192.0.2.53
	upstream_start 10.99.0.54 --address=/which.test/192.0.2.54
	dnsd_default_config
	run -0 dnsd_start
	run -0 dq 10.89.0.2 @$DNSD_GW1 +short which.test
	assert_output 192.0.2.53
	# written in place, as the bind mount needs (the daemon sees the same inode)
	echo "nameserver 10.99.0.54" >"$DNSD_RESOLV"
	sleep 0.3
	run -0 dq 10.89.0.2 @$DNSD_GW1 +short which.test
	assert_output 192.0.2.54
}
