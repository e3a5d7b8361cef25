#!/usr/bin/env bats
# pea-runtime: NOTIFY_SOCKET as crun does it (crun 1.8.1's test_start.py sd-notify
# tests; podman's --sdnotify=container with crun): the state directory's notify/
# bound at the path NOTIFY_SOCKET names, NOTIFY_SOCKET=PATH/notify inside; the
# runtime that lets the process go (run, start) passes its READY=1 on to the
# host's socket, and start (and run -d) return once it came.
# shellcheck disable=SC2016 # the container's shell expands them
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-runtime
load helpers/notify

setup_file() {
	ensure_fixtures
}

setup() {
	require_root
	command -v python3 >/dev/null || fail "needs python3"
	command -v socat >/dev/null || fail "needs socat"
	rt_setup
	LISTENER=""
	SOCK="$TEST_DIR/host.sock"
	NLOG="$TEST_DIR/notify.log"
}

teardown() {
	listen_stop
	rt_teardown
}

# wait_log TEXT: $NLOG is TEXT (10 s at most).
wait_log() {
	local n
	for ((n = 0; n < 200; n++)); do
		[[ "$(cat "$NLOG")" == "$1" ]] && return 0
		sleep 0.05
	done
	echo "notify log: $(cat "$NLOG")" >&2
	return 1
}

# rt_notify SOCKET ARGS...: rt_reaped with NOTIFY_SOCKET=SOCKET.
rt_notify() {
	reaped_cmd env NOTIFY_SOCKET="$1" "$PEA_RUNTIME" --root "$RT_ROOT" "${@:2}"
}

# symlink_loop ID: container ID created with NOTIFY_SOCKET, a process in it renaming a
# symlink to the host file $TEST_DIR/victim (mode 600) over its notify socket, in a loop
# that has put the symlink there once already.
symlink_loop() {
	local n
	echo secret >"$TEST_DIR/victim"
	chmod 600 "$TEST_DIR/victim"
	make_bundle "$RT_B" sleep 1
	run -0 rt_notify "$SOCK" create -b "$RT_B" "$1"
	run -0 rt_reaped exec -d "$1" sh -c "d=$SOCK
		while :; do ln -s $TEST_DIR/victim \$d/l 2>/dev/null; mv -f \$d/l \$d/notify; done"
	for ((n = 0; n < 200; n++)); do
		[[ -L "$RT_ROOT/$1/notify/notify" ]] && break
		sleep 0.05
	done
	run -0 test -L "$RT_ROOT/$1/notify/notify"
}

@test "run: the state's notify/ is bound at NOTIFY_SOCKET's path, NOTIFY_SOCKET=PATH/notify inside" {
	make_bundle "$RT_B" sh -c 'echo "$NOTIFY_SOCKET"; ls /run/notify/the-socket/
		grep -c " /run/notify/the-socket " /proc/self/mountinfo'
	run -0 rt_notify /run/notify/the-socket run -b "$RT_B" n1
	assert_output "/run/notify/the-socket/notify
notify
1"
	# a NOTIFY_SOCKET of the config's own is replaced; the host's path needs no directory
	bundle_set "$RT_B" '.process.env += ["NOTIFY_SOCKET=/elsewhere"] |
		.process.args = ["sh", "-c", "env | grep NOTIFY_SOCKET; test -S /tmp/parent-dir/x/notify"]'
	run -0 rt_notify /tmp/parent-dir/x run -b "$RT_B" n2
	assert_output "NOTIFY_SOCKET=/tmp/parent-dir/x/notify"
	[[ ! -e /tmp/parent-dir/x ]]
}

@test "run: without NOTIFY_SOCKET (or a relative one) nothing is bound" {
	make_bundle "$RT_B" sh -c 'echo "${NOTIFY_SOCKET:-unset}"; test -e /run/notify && echo mounted; true'
	run -0 rt_reaped run -b "$RT_B" n3
	assert_output unset
	run -0 rt_notify relative/sock run -b "$RT_B" n4
	assert_output unset
}

@test "create + start: start waits for READY=1, passes READY=1 alone on, then a barrier" {
	listen
	# the container says READY=1 through busybox logger (a datagram to /dev/log)
	make_bundle "$RT_B" sh -c 'sleep 0.3; ln -s "$NOTIFY_SOCKET" /dev/log
		logger -t x "READY=1"; echo said >/dev/said; exec sleep 100'
	run -0 rt_notify "$SOCK" create -b "$RT_B" n5
	run -0 test -d "$RT_ROOT/n5/notify"
	run -0 rt_notify "$SOCK" start n5
	# start returned only once READY=1 was passed on
	run -0 cat "$NLOG"
	assert_output "READY=1
BARRIER=1"
	# any user of the container may send to it
	run -0 stat -c %a "$RT_ROOT/n5/notify/notify"
	assert_output 777
	run -0 rt exec n5 cat /dev/said
	assert_output said
}

@test "start returns when the container ends without READY=1" {
	listen
	make_bundle "$RT_B" sh -c 'sleep 0.2'
	run -0 rt_notify "$SOCK" create -b "$RT_B" n6
	run -0 rt_notify "$SOCK" start n6
	rt_wait_status n6 stopped
	run -0 cat "$NLOG"
	assert_output ""
	# start without NOTIFY_SOCKET for a container made with it: no wait, as crun
	run -0 rt_notify "$SOCK" create -b "$RT_B" n7
	run -0 rt_reaped start n7
}

@test "run -d returns once READY=1 came; run in the foreground passes it on and waits for the end" {
	listen
	make_bundle "$RT_B" sh -c 'sleep 0.3; ln -s "$NOTIFY_SOCKET" /dev/log
		logger "READY=1"; touch /dev/said; exec sleep 100'
	run -0 rt_notify "$SOCK" run -d -b "$RT_B" n8
	run -0 cat "$NLOG"
	assert_output "READY=1
BARRIER=1"
	run -0 rt exec n8 test -e /dev/said
	: >"$NLOG"
	bundle_set "$RT_B" '.process.args = ["sh", "-c",
		"ln -s $NOTIFY_SOCKET /dev/log; logger STATUS=x; logger READY=1; sleep 0.5; echo done"]'
	run -0 rt_notify "$SOCK" run -b "$RT_B" n9
	assert_output "done"
	run -0 cat "$NLOG"
	assert_output "READY=1
BARRIER=1"
}

@test "a container in a user namespace reaches the socket (its root owns notify/)" {
	require_userns
	listen
	make_bundle "$RT_B" sh -c 'ln -s "$NOTIFY_SOCKET" /dev/log; logger READY=1; exec sleep 100'
	bundle_rootless "$RT_B" 8100 8100
	chown -R 8100:8100 "$RT_B/rootfs"
	run -0 rt_notify "$SOCK" run -d -b "$RT_B" n10
	run -0 cat "$NLOG"
	assert_output "READY=1
BARRIER=1"
	run -0 stat -c '%u:%g %a' "$RT_ROOT/n10/notify"
	assert_output "8100:8100 700"
}

@test "start: a container that swaps its socket for a symlink to a host file gets no chmod of that file" {
	# STATE/notify is the container's (bound at NOTIFY_SOCKET's path, owned by its root):
	# its processes may replace the socket start binds there with a symlink. start
	# makes the socket 0777 by its umask at bind, and changes no mode through that
	# directory by name: a host file the symlink names keeps its mode.
	# in the container, a loop renames a symlink to a host file over the socket
	symlink_loop n11
	# start held 0.5 s after its bind: the loop has replaced the socket by then
	run reaped_cmd env NOTIFY_SOCKET="$SOCK" strace -f -o /dev/null -e trace=bind \
		-e inject=bind:delay_exit=500000 "$PEA_RUNTIME" --root "$RT_ROOT" start n11
	echo "start: $status $output"
	rt_wait_status n11 stopped
	run -0 stat -c %a "$TEST_DIR/victim"
	assert_output 600
}

@test "start: a symlink put back between start's unlink and bind is replaced (start tries again)" {
	# the same loop; start's first unlinkat of the socket is held 0.3 s, so the loop puts
	# its symlink back before the bind (EADDRINUSE): start unlinks and binds again
	symlink_loop n12
	run -0 reaped_cmd env NOTIFY_SOCKET="$SOCK" strace -f -o "$TEST_DIR/st" -e trace=unlinkat,bind \
		-e inject=unlinkat:delay_exit=300000:when=1 "$PEA_RUNTIME" --root "$RT_ROOT" start n12
	run -0 grep -c 'bind(.*EADDRINUSE' "$TEST_DIR/st"
	rt_wait_status n12 stopped
	run -0 stat -c %a "$TEST_DIR/victim"
	assert_output 600
}

@test "--version names SYSTEMD among crun's features (crun's tests look for it)" {
	rt_is_pea || skip_expected "pea-only: its own feature line"
	run -0 rt --version
	assert_line --regexp '^[+]SYSTEMD( |$)'
}
