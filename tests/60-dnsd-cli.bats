#!/usr/bin/env bats
# pea-dnsd's command line and config directory: aardvark-dns's, and a clear
# one-line error for each thing that is wrong.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-dnsd

setup() {
	require_cmd "$PEA_DNSD"
}

teardown() {
	dnsd_teardown
}

@test "--help, --version and the version command" {
	run -0 "$PEA_DNSD" --help
	assert_output --partial "Usage: pea-dnsd"
	assert_output --partial "--filter-search-domain"
	run -0 "$PEA_DNSD" --version
	assert_output --regexp "^pea-dnsd [0-9]+\.[0-9]+\.[0-9]+$"
	run -0 "$PEA_DNSD" version
	assert_equal "$(jq -r .version <<<"$output")" "$(sed -n 's/^VERSION := //p' "$PEA_REPO/Makefile")"
	jq -e '.version and (.commit | type == "string")' <<<"$output"
}

@test "bad command lines are refused with one line naming the problem" {
	run -2 --separate-stderr "$PEA_DNSD" --bogus run
	assert_equal "$stderr" "pea-dnsd: unknown option '--bogus' (see --help)"
	run -2 --separate-stderr "$PEA_DNSD" --config /tmp
	assert_equal "$stderr" "pea-dnsd: missing command: run or version (see --help)"
	run -2 --separate-stderr "$PEA_DNSD" --config /tmp walk
	assert_equal "$stderr" "pea-dnsd: unknown command 'walk': expected run or version"
	run -2 --separate-stderr "$PEA_DNSD" run
	assert_equal "$stderr" "pea-dnsd: run needs --config DIR"
	run -2 --separate-stderr "$PEA_DNSD" --config /tmp -p 70000 run
	assert_equal "$stderr" "pea-dnsd: invalid port '70000': expected 1 to 65535"
	run -2 --separate-stderr "$PEA_DNSD" --config /tmp -p x53 run
	assert_equal "$stderr" "pea-dnsd: invalid port 'x53': expected 1 to 65535"
	run -2 --separate-stderr "$PEA_DNSD" --config
	assert_equal "$stderr" "pea-dnsd: option '--config' needs a value"
	run -2 --separate-stderr "$PEA_DNSD" --config /tmp -f 'a b' run
	assert_equal "$stderr" "pea-dnsd: invalid search domain 'a b'"
	run -2 --separate-stderr "$PEA_DNSD" --config /tmp run extra
	assert_equal "$stderr" "pea-dnsd: unexpected argument 'extra'"
}

@test "a missing or empty config directory is an error" {
	run -1 --separate-stderr "$PEA_DNSD" --config "$TEST_DIR/nope" run
	assert_equal "$stderr" "pea-dnsd: config directory '$TEST_DIR/nope': No such file or directory"
	mkdir "$TEST_DIR/empty"
	run -1 --separate-stderr "$PEA_DNSD" --config "$TEST_DIR/empty" run
	assert_equal "$stderr" "pea-dnsd: no network in config directory '$TEST_DIR/empty'"
	[[ ! -e "$TEST_DIR/empty/aardvark.pid" ]]
}

# bad_config CONTENT EXPECTED: a network file with CONTENT fails the start with EXPECTED
bad_config() {
	rm -rf "$TEST_DIR/c"
	mkdir "$TEST_DIR/c"
	printf '%b' "$1" >"$TEST_DIR/c/net1"
	run -1 --separate-stderr "$PEA_DNSD" --config "$TEST_DIR/c" -p 5353 run
	assert_equal "$stderr" "pea-dnsd: config '$TEST_DIR/c/net1': $2"
	[[ ! -e "$TEST_DIR/c/aardvark.pid" ]]
}

@test "bad config lines name the file, the line and what is wrong" {
	bad_config '' "no listen addresses (the file is empty)"
	bad_config 'ten.0.0.1\n' "line 1: invalid listen address 'ten.0.0.1'"
	bad_config '10.0.0.1,\n' "line 1: empty address in listen '10.0.0.1,'"
	bad_config '10.0.0.1 8.8.8.x\n' "line 1: invalid network DNS server address '8.8.8.x'"
	bad_config '10.0.0.1 1.1.1.1 extra\n' \
		"line 1: expected the listen addresses and optional DNS servers, got 3 fields"
	bad_config '10.0.0.1\nid 10.0.0.2\n' \
		"line 2: expected 4 or 5 fields separated by single spaces (id, IPv4s, IPv6s, names, DNS servers), got 2"
	bad_config '10.0.0.1\nid 10.0.0.2  a 1.1.1.1 x\n' \
		"line 2: expected 4 or 5 fields separated by single spaces (id, IPv4s, IPv6s, names, DNS servers), got 6"
	bad_config '10.0.0.1\n\nid fd00::2  web\n' "line 3: invalid IPv4 container address 'fd00::2'"
	bad_config '10.0.0.1\nid  10.0.0.2 web\n' "line 2: invalid IPv6 container address '10.0.0.2'"
	bad_config '10.0.0.1\nid 10.0.0.2  \n' "line 2: no names given"
	bad_config '10.0.0.1\nid 10.0.0.2  web,,db\n' "line 2: invalid name ''"
	bad_config '10.0.0.1\nid 10.0.0.2  we\tb\n' "line 2: invalid name 'we\\x09b'"
	bad_config '10.0.0.1\n id 10.0.0.2  web\n' "line 2: empty container id"
	bad_config '10.0.0.1\nid 10.0.0.2  web 9.9.9\n' "line 2: invalid DNS server address '9.9.9'"
	bad_config '10.0.0.1\nid\x00 10.0.0.2  web\n' "contains a NUL byte"
}

@test "a port already taken fails the start with the address" {
	dnsd_ns_setup
	dnsd_default_config
	: >"$TEST_DIR/dnsmasq.conf"
	ip netns exec "$DNSD_NS" dnsmasq --conf-file="$TEST_DIR/dnsmasq.conf" --pid-file="$TEST_DIR/taken.pid" \
		--listen-address=10.90.0.1 --bind-interfaces --no-resolv --no-hosts
	DNSD_PIDS+=("$(cat "$TEST_DIR/taken.pid")")
	run -1 --separate-stderr dnsd_exec "$PEA_DNSD" --config "$DNSD_CONF" -p 53 run
	assert_equal "$stderr" "pea-dnsd: failed to bind udp listener on 10.90.0.1:53: Address already in use"
	[[ ! -e "$DNSD_CONF/aardvark.pid" ]]
	run -1 --separate-stderr dnsd_exec "$PEA_DNSD" --config "$DNSD_CONF" -p 53 --foreground run
	assert_equal "$stderr" "pea-dnsd: failed to bind udp listener on 10.90.0.1:53: Address already in use"
}

@test "the daemon writes its pid, leaves no inherited fd open, drops capabilities, runs under seccomp" {
	local pid
	dnsd_ns_setup
	dnsd_default_config
	exec 9>"$TEST_DIR/fd-marker"
	run -0 dnsd_start
	exec 9>&-
	pid=$(dnsd_pid)
	# no newline: netavark parses the whole file as a number
	[[ $(cat "$DNSD_CONF/aardvark.pid") =~ ^[0-9]+$ ]]
	assert_equal "$(wc -l <"$DNSD_CONF/aardvark.pid")" 0
	dnsd_alive "$pid"
	run -0 readlink /proc/"$pid"/fd/0 /proc/"$pid"/fd/1 /proc/"$pid"/fd/2
	assert_output $'/dev/null\n/dev/null\n/dev/null'
	run -0 find /proc/"$pid"/fd -lname '*fd-marker*'
	assert_output ""
	# only CAP_NET_BIND_SERVICE (bit 10) is left, in every set, and seccomp filters
	run -0 grep -E '^(CapEff|CapPrm|CapBnd|Seccomp|NoNewPrivs):' /proc/"$pid"/status
	assert_line --regexp '^CapEff:[[:space:]]+0000000000000400$'
	assert_line --regexp '^CapBnd:[[:space:]]+0000000000000400$'
	assert_line --regexp '^Seccomp:[[:space:]]+2$'
	assert_line --regexp '^NoNewPrivs:[[:space:]]+1$'
	# its own session, no parent of the caller's
	assert_equal "$(ps -o sid= -p "$pid" | tr -d ' ')" "$pid"
}

@test "another port and another search domain" {
	dnsd_ns_setup
	dnsd_default_config
	run -0 dnsd_exec "$PEA_DNSD" --config "$DNSD_CONF" -p 5354 -f corp.example run
	run -0 dq 10.89.0.3 -p 5354 @$DNSD_GW1 +short web.corp.example
	assert_output 10.89.0.2
	run -0 dq 10.89.0.3 -p 5354 @$DNSD_GW1 nothere.corp.example
	assert_output --partial "status: NXDOMAIN"
}

@test "rootless: an unprivileged user serves its own network namespace" {
	require_userns
	require_cmd dig
	local dir
	rootless_user_setup
	dir=$(rootless_tmpdir dnsd)
	mkdir "$dir/conf"
	printf '10.89.0.1\naaaa1111 10.89.0.2  web\n' >"$dir/conf/podman1"
	chown -R "$ROOTLESS_USER" "$dir/conf"
	# shellcheck disable=SC2016
	run -0 run_as_user unshare --user --map-root-user --net sh -c '
		ip link set lo up
		ip addr add 10.89.0.1/24 dev lo
		ip addr add 10.89.0.2/24 dev lo
		"$PEA_DNSD" --config "$1/conf" -p 53 run || exit 1
		pid=$(cat "$1/conf/aardvark.pid")
		dig +short +time=2 +tries=1 -b 10.89.0.2 @10.89.0.1 web
		grep -E "^(CapEff|Seccomp):" /proc/$pid/status
		kill $pid' _ "$dir"
	assert_line 10.89.0.2
	assert_line --regexp '^CapEff:[[:space:]]+0000000000000400$'
	assert_line --regexp '^Seccomp:[[:space:]]+2$'
}
