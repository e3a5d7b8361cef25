#!/usr/bin/env bats
# The tests' netns guard: `pea run -p` without --network takes podman's default, the
# bridge network, whatever containers.conf's netns says (helpers/netns-none.conf cannot
# stop it), and that bridge, its veths, nftables rules and ip_forward would be made in
# the namespace pea runs in. tests/setup_suite.bash exports PEA_TEST_NETNS_GUARD, the
# tests' own namespace, and pea refuses to set up a network there in one line: such a
# test fails loudly unless it runs pea in a namespace of its own (pea_net).
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-frontend
load helpers/fe-file

setup() {
	fe_file_setup
	require_cmd "$PEA_NETSETUP"
	fe_net_setup
}

teardown() {
	fe_net_teardown
	fe_file_teardown
}

# pea_guarded ARGS...: pea_net with the guard naming the test's namespace, as the
# harness's names the tests' own
pea_guarded() {
	local real=$PEA ns
	ns=$(nsenter --net="$FE_NETNS" -- readlink /proc/self/ns/net)
	local PEA=env
	local FE_ARGS=(PEA_TEST_NETNS_GUARD="$ns" nsenter --net="$FE_NETNS" -- "$real"
		"${FE_ARGS[@]}")
	pea_cmd "$@"
}

@test "netns guard: the harness names the namespace the tests run in" {
	assert_equal "$PEA_TEST_NETNS_GUARD" "$(readlink /proc/self/ns/net)"
}

@test "netns guard: run -p without --network in the guarded namespace fails in one line, nothing set up" {
	run -125 --separate-stderr pea_guarded run --rm -p 18080:80 busybox true
	assert_equal "${#stderr_lines[@]}" 1
	[[ "$stderr" == *"PEA_TEST_NETNS_GUARD: refusing to set up a network in the tests' own network namespace (net:["*"]): run pea in a namespace of the test's (pea_net) or with --network none" ]]
	fe_net_clean
	# --network none there: the ports dropped, as podman's, and it runs
	run -0 pea_guarded run --rm --network none -p 18080:80 busybox true
	fe_net_clean
}

@test "netns guard: in a namespace of the test's own, run -p sets up the bridge as ever" {
	local port
	port=$(pea_free_port)
	run -0 pea_net run --rm -p "$port:80" busybox true
	fe_net_clean
}
