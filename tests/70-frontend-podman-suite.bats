#!/usr/bin/env bats
# pea as podman 4.3.1's own system tests (test/system) expect it: each test here is
# one incompatibility those tests found, fixed (issue #11).
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
	require_cmd tini
	fe_setup
	fe_load_busybox
}

teardown() {
	fe_teardown
}

@test "ps: --external, --sort, -n/--last, --noheading, a status filter lists stopped ones" {
	run -0 pea_cmd run -d --name runner busybox sleep 1000
	run -0 pea_cmd run --name stopped busybox true
	run -1 pea_cmd run --name failed busybox false
	run -0 pea_cmd create --name created busybox echo hi
	# basic_setup of podman's suite: nothing but the header, no external containers here
	run -0 pea_cmd ps --external --format '{{.Names}}'
	assert_output runner
	run -0 pea_cmd ps --noheading --format 'table {{.Names}}'
	assert_output runner
	# without -a, a name filter sees running containers only
	run -0 pea_cmd ps --filter name=stopped --format '{{.Names}}'
	assert_output ''
	run -0 pea_cmd ps -a --filter name=stopped --format '{{.Names}}'
	assert_output stopped
	# a status filter implies -a
	run -0 pea_cmd ps --filter status=exited --sort names --format '{{.Names}}'
	assert_output $'failed\nstopped'
	run -0 pea_cmd ps --filter status=exited --filter exited=1 --format '{{.Names}}'
	assert_output failed
	run -0 pea_cmd ps -a --sort created --format '{{.Names}}'
	assert_output $'runner\nstopped\nfailed\ncreated'
	run -0 pea_cmd ps -a --sort names --format '{{.Names}}'
	assert_output $'created\nfailed\nrunner\nstopped'
	run -0 pea_cmd ps -a --sort status --format '{{.Names}}'
	assert_output $'created\nstopped\nfailed\nrunner'
	# -n N: the N created last, in any state, oldest first
	run -0 pea_cmd ps -n 2 --format '{{.Names}}'
	assert_output $'failed\ncreated'
	run -0 pea_cmd ps --last=1 --format '{{.Names}}'
	assert_output created
	run -0 pea_cmd ps -n 2 --filter name=r --format '{{.Names}}'
	assert_output $'runner\ncreated'
	run -125 pea_cmd ps --sort bogus
	assert_output 'Error: invalid argument "bogus" for "--sort" flag: "bogus" is not a valid value.  Choose from: "command, created, id, image, names, runningfor, size, status"'
	run -125 pea_cmd ps -n x
	assert_output 'Error: invalid argument "x" for "-n, --last" flag: strconv.ParseInt: parsing "x": invalid syntax'
	run -125 pea_cmd ps -n 1 --latest
	assert_output 'Error: last and latest are mutually exclusive'
	run -0 pea_cmd rm -f runner
}
