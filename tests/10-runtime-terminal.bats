#!/usr/bin/env bats
# pea-runtime: process.terminal, the pty master over --console-socket,
# consoleSize, /dev/console.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-runtime

setup_file() {
	ensure_fixtures
}

setup() {
	require_root
	require_cmd python3
	rt_setup
}

teardown() {
	local rc=0
	rt_teardown || rc=1
	[[ -z "${CONSOLE_PID:-}" ]] || kill "$CONSOLE_PID" 2>/dev/null || true
	return "$rc"
}

@test "the pty master goes to --console-socket; the container's stdio is the pty" {
	make_bundle "$RT_B" sh -c 'tty; stty size; [ -t 0 ] && echo stdin-tty; ls -l /dev/console | cut -c1; echo done'
	bundle_set "$RT_B" '.process.terminal = true | .process.consoleSize = {height: 33, width: 111}'
	console_receiver "$TEST_DIR/console.sock" "$TEST_DIR/console.out"
	run -0 rt_reaped create --console-socket "$TEST_DIR/console.sock" -b "$RT_B" t1
	run -0 cat "$TEST_DIR/console.out.meta"
	[[ "$output" == *" 1" ]]
	run -0 rt start t1
	rt_wait_status t1 stopped
	wait "$CONSOLE_PID" || true
	run -0 tr -d '\r' <"$TEST_DIR/console.out"
	assert_line --regexp '^/dev/(pts/[0-9]+|console)$'
	assert_line '33 111'
	assert_line stdin-tty
	assert_line c
	assert_line done
	run -0 rt delete t1
}

@test "input written to the pty master reaches the container" {
	make_bundle "$RT_B" sh -c 'read line; echo "got:$line"'
	bundle_set "$RT_B" '.process.terminal = true'
	console_receiver "$TEST_DIR/console.sock" "$TEST_DIR/console.out" $'hello\n'
	run -0 rt_reaped run -d --console-socket "$TEST_DIR/console.sock" -b "$RT_B" t2
	rt_wait_status t2 stopped
	wait "$CONSOLE_PID" || true
	run -0 tr -d '\r' <"$TEST_DIR/console.out"
	assert_line got:hello
}

@test "run in the foreground with a terminal and no console socket proxies the pty" {
	rt_is_pea || skip_expected "crun 1.8.1 needs its stdin to be a terminal"
	make_bundle "$RT_B" sh -c 'tty; read x; echo "got:$x"; exit 4'
	bundle_set "$RT_B" '.process.terminal = true'
	run -4 bash -c 'echo hello | "$@"' _ "$PEA_RUNTIME" --root "$RT_ROOT" run -b "$RT_B" t5
	assert_output --regexp '/dev/(pts/[0-9]+|console)'
	assert_output --partial got:hello
}

@test "create with process.terminal and no --console-socket is an error, leaving nothing" {
	rt_is_pea || skip_expected "crun then uses its own stdio"
	make_bundle "$RT_B" true
	bundle_set "$RT_B" '.process.terminal = true'
	run ! rt_reaped create -b "$RT_B" t3
	assert_output --partial console-socket
	rt_no_leftovers t3
}

@test "a console socket nobody listens on fails create, leaving nothing" {
	make_bundle "$RT_B" true
	bundle_set "$RT_B" '.process.terminal = true'
	run ! rt_reaped create --console-socket "$TEST_DIR/nobody.sock" -b "$RT_B" t4
	rt_no_leftovers t4
}
