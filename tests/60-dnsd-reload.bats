#!/usr/bin/env bats
# SIGHUP reloads the config directory, as netavark sends it after each change.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-dnsd

setup() {
	require_cmd "$PEA_DNSD"
	require_cmd ss
	dnsd_ns_setup
	dnsd_default_config
	upstream_start 10.99.0.53
	run -0 dnsd_start
}

teardown() {
	dnsd_teardown
}

# The inodes of the daemon's sockets, sorted.
socket_inodes() {
	find "/proc/$1/fd" -lname 'socket:*' -printf '%l\n' | sort
}

listening() {
	ip netns exec "$DNSD_NS" ss -Hln "$@" | awk '{print $4}' | sort
}

hup() {
	kill -HUP "$(dnsd_pid)"
	sleep 0.3
}

@test "reload adds and removes names while a query loop runs with no failure" {
	local pid
	pid=$(dnsd_pid)
	# shellcheck disable=SC2016
	ip netns exec "$DNSD_NS" bash -c '
		fail=0
		for i in $(seq 1 60); do
			a=$(dig +time=2 +tries=1 -b 10.89.0.3 @10.89.0.1 +short web)
			[[ $a == 10.89.0.2 ]] || fail=$((fail + 1))
			a=$(dig +time=2 +tries=1 -b 10.89.0.3 @10.89.0.1 +tcp +short db)
			[[ $a == 10.89.0.3 ]] || fail=$((fail + 1))
		done
		echo "$fail" >"$1"
	' _ "$TEST_DIR/failures" &
	local loop=$!
	for i in 1 2 3; do
		dnsd_write_net podman1 "10.89.0.1,fd00:89::1" \
			"aaaa1111 10.89.0.2 fd00:89::2 web,www" \
			"bbbb2222 10.89.0.3 fd00:89::3 db" \
			"eeee5555 10.89.0.5  newbie"
		hup
		run -0 dq 10.89.0.3 @$DNSD_GW1 +short newbie
		assert_output 10.89.0.5
		dnsd_write_net podman1 "10.89.0.1,fd00:89::1" \
			"aaaa1111 10.89.0.2 fd00:89::2 web,www" \
			"bbbb2222 10.89.0.3 fd00:89::3 db"
		hup
		run -0 dq 10.89.0.3 @$DNSD_GW1 newbie.dns.podman
		assert_output --partial "status: NXDOMAIN"
	done
	wait "$loop"
	assert_equal "$(cat "$TEST_DIR/failures")" 0
	assert_equal "$(dnsd_pid)" "$pid"
}

@test "reload keeps the sockets of addresses that stay, binds new ones, closes gone ones" {
	local pid before after
	pid=$(dnsd_pid)
	before=$(socket_inodes "$pid")
	dnsd_write_net podman1 "10.89.0.1,fd00:89::1" "aaaa1111 10.89.0.2 fd00:89::2 renamed"
	hup
	after=$(socket_inodes "$pid")
	assert_equal "$after" "$before"
	run -0 dq 10.89.0.2 @$DNSD_GW1 +short renamed
	assert_output 10.89.0.2

	ip -n "$DNSD_NS" addr add 10.91.0.1/24 dev lo
	dnsd_write_net podman3 "10.91.0.1" "ffff6666 10.91.0.2  third"
	rm "$DNSD_CONF/podman2"
	hup
	run -0 listening -u
	assert_line 10.91.0.1:53
	refute_line 10.90.0.1:53
	assert_line 10.89.0.1:53
	run -0 listening -t
	assert_line 10.91.0.1:53
	refute_line 10.90.0.1:53
	run -0 dq 10.91.0.2 @10.91.0.1 +short third
	assert_output 10.91.0.2
	# the kept listeners are the same sockets as before
	after=$(socket_inodes "$pid")
	run comm -23 <(echo "$before") <(echo "$after")
	assert_equal "${#lines[@]}" 2 # only podman2's UDP and TCP sockets went
}

@test "while netavark holds its lock the reload waits, then reads the finished files" {
	require_cmd flock
	local fd
	exec {fd}>"$TEST_DIR/aardvark.lock"
	flock -x "$fd"
	# half a file, as netavark appends a container line, and a SIGHUP from another writer
	printf '10.89.0.1,fd00:89::1\naaaa1111 10.89.0.2 fd00:89::2 web,www\neeee5555 10.8' \
		>"$DNSD_CONF/podman1"
	hup
	run -0 dq 10.89.0.3 @$DNSD_GW1 +short www
	assert_output 10.89.0.2
	run -0 dq 10.89.0.3 @$DNSD_GW1 +short db
	assert_output 10.89.0.3
	printf '9.0.5  newbie\n' >>"$DNSD_CONF/podman1"
	exec {fd}>&-
	# no second SIGHUP: the waiting reload reads the finished file
	sleep 0.3
	run -0 dq 10.89.0.3 @$DNSD_GW1 +short newbie
	assert_output 10.89.0.5
	run -0 dq 10.89.0.2 @$DNSD_GW1 db.dns.podman
	assert_output --partial "status: NXDOMAIN"
	run -1 grep "podman1': line 3" "$DNSD_LOG"
}

@test "a query forwarded upstream before a reload is answered after it" {
	upstream_start 10.99.0.54
	kill -STOP "$(upstream_pid 10.99.0.54)" # silent: the query waits 2.5 s for it
	dnsd_write_net podman1 "10.89.0.1,fd00:89::1 10.99.0.54,10.99.0.53" \
		"aaaa1111 10.89.0.2 fd00:89::2 web,www"
	hup
	ip netns exec "$DNSD_NS" dig +time=5 +tries=1 -b 10.89.0.2 @$DNSD_GW1 +short \
		www.example.test >"$TEST_DIR/answer" &
	local q=$!
	sleep 0.5
	dnsd_write_net podman1 "10.89.0.1,fd00:89::1 10.99.0.54,10.99.0.53" \
		"aaaa1111 10.89.0.2 fd00:89::2 web,www" "eeee5555 10.89.0.5  newbie"
	hup
	wait "$q"
	assert_equal "$(cat "$TEST_DIR/answer")" 192.0.2.10
}

@test "a broken file on reload is left out, the other networks are still served" {
	printf '10.90.0.1\ndddd4444 10.90.0.2\n' >"$DNSD_CONF/podman2"
	hup
	run -0 dq 10.89.0.3 @$DNSD_GW1 +short web
	assert_output 10.89.0.2
	run -0 grep "podman2': line 2: expected 4 or 5 fields" "$DNSD_LOG"
	dnsd_alive "$(dnsd_pid)"
}

@test "the daemon exits when no network is left, and removes its pid file" {
	local pid
	pid=$(dnsd_pid)
	rm "$DNSD_CONF/podman1" "$DNSD_CONF/podman2"
	kill -HUP "$pid"
	dnsd_wait_gone "$pid"
	[[ ! -e "$DNSD_CONF/aardvark.pid" ]]
}

@test "SIGTERM stops the daemon and removes its pid file" {
	local pid
	pid=$(dnsd_pid)
	kill -TERM "$pid"
	dnsd_wait_gone "$pid"
	[[ ! -e "$DNSD_CONF/aardvark.pid" ]]
}
