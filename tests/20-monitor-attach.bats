#!/usr/bin/env bats
# pea-monitor's interactive side beside a real runtime: the attach socket
# (SOCK_SEQPACKET, spoken with socat), stdin, the terminal and its resize
# through the ctl and winsz fifos, and exec sessions. Once per runtime.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-monitor

setup_file() {
	ensure_fixtures
	prepare_cgroups_for_crun
}

setup() {
	require_root
	require_cmd "$MONITOR"
	require_cmd tini
	require_cmd socat
}

teardown() {
	monitor_teardown
}

# attach_send SOCKET INPUT: connect, send INPUT, half-close, print what comes
# back (raw packets: a stream byte, then data) until the monitor closes.
attach_send() {
	printf '%s' "$2" | timeout -k 5 10 socat -b 65536 -t 5 - "UNIX-CONNECT:$1,type=5"
}

# packets_text FILE: the packets as "2:text" / "3:text" lines (od-free).
packets_text() {
	sed -e 's/\x02/\n2:/g' -e 's/\x03/\n3:/g' "$1" | sed '/^$/d'
}

case_round_trip() {
	monitor_setup sh -c 'read l; echo got:$l; echo err:$l >&2; exit 0'
	monitor_launch -l "k8s-file:$MON_LOG" -i
	monitor_start_container
	attach_send "$MON_SOCKETS/$MON_CID/attach" $'hello\n' >"$TEST_DIR/attach.out"
	monitor_wait_exit
	run -0 packets_text "$TEST_DIR/attach.out"
	assert_line "2:got:hello"
	assert_line "3:err:hello"
	# the stream ids are the first byte of each packet
	assert_equal "$(head -c1 "$TEST_DIR/attach.out" | od -An -tx1 | tr -d ' ')" 02
	assert_equal "$(cat "$MON_EXITS/$MON_CID")" 0
}

@test "attach: stdin to the container, stdout (id 2) and stderr (id 3) back" {
	for_each_runtime case_round_trip
}

# As conmon's own test: when the client sees the end of the stream, the
# container's last words are in the log and the socket is gone.
case_end_seen_by_client() {
	monitor_setup sh -c 'cat && echo stopped'
	monitor_launch -l "k8s-file:$MON_LOG" -i
	monitor_start_container
	test -S "$MON_BUNDLE/attach"
	printf 'hello\n' | timeout -k 5 10 socat -t 5 - \
		"UNIX-CONNECT:$MON_SOCKETS/$MON_CID/attach,type=5" >/dev/null
	run -0 k8s_log_text "$MON_LOG"
	assert_line "stdout F hello"
	assert_line "stdout F stopped"
	test ! -e "$MON_BUNDLE/attach"
	test ! -L "$MON_SOCKETS/$MON_CID"
	monitor_wait_exit
}

@test "attach: once a client sees the end, the log is complete and the socket removed" {
	for_each_runtime case_end_seen_by_client
}

case_full_attach() {
	monitor_setup sh -c 'read l; echo full:$l'
	monitor_launch -l "k8s-file:$MON_LOG" -i --full-attach
	monitor_start_container
	test ! -e "$MON_SOCKETS/$MON_CID"
	attach_send "$MON_BUNDLE/attach" $'x\n' >"$TEST_DIR/attach.out"
	monitor_wait_exit
	run -0 packets_text "$TEST_DIR/attach.out"
	assert_line "2:full:x"
}

@test "attach: --full-attach puts the socket in the bundle, no symlink" {
	for_each_runtime case_full_attach
}

case_stdin_eof() {
	monitor_setup sh -c 'cat; echo done'
	monitor_launch -l "k8s-file:$MON_LOG" -i
	monitor_start_container
	attach_send "$MON_SOCKETS/$MON_CID/attach" $'one\ntwo\n' >"$TEST_DIR/attach.out"
	monitor_wait_exit
	run -0 k8s_log_text "$MON_LOG"
	assert_output "stdout F one
stdout F two
stdout F done"
}

@test "attach: a client hanging up closes the container's stdin (-i)" {
	for_each_runtime case_stdin_eof
}

case_stdin_hangup_paused() {
	monitor_setup sh -c 'sleep 1; cat >/dev/null; echo eof'
	monitor_launch -l "k8s-file:$MON_LOG" -i
	monitor_start_container
	# more than the pipe and the monitor's buffer hold: the client waits (its
	# input is paused), then hangs up entirely while the container sleeps
	head -c 200000 /dev/zero >"$TEST_DIR/input"
	timeout -k 5 10 socat -t 0.1 -u "OPEN:$TEST_DIR/input" \
		"UNIX-CONNECT:$MON_SOCKETS/$MON_CID/attach,type=5"
	monitor_wait_exit
	run -0 k8s_log_text "$MON_LOG"
	assert_output "stdout F eof"
}

@test "attach: a client hanging up while its input waits still closes the container's stdin" {
	for_each_runtime case_stdin_hangup_paused
}

case_leave_stdin_open() {
	monitor_setup sh -c 'cat; echo done'
	monitor_launch -l "k8s-file:$MON_LOG" -i --leave-stdin-open
	monitor_start_container
	printf 'one\n' | timeout -k 5 10 socat -t 0.5 - "UNIX-CONNECT:$MON_SOCKETS/$MON_CID/attach,type=5" >/dev/null
	sleep 0.3
	# cat still runs: its stdin stayed open
	test ! -e "$MON_EXITS/$MON_CID"
	printf 'two\n' | timeout -k 5 10 socat -t 0.5 - "UNIX-CONNECT:$MON_SOCKETS/$MON_CID/attach,type=5" >/dev/null
	wait_for grep -q two "$MON_LOG"
	kill -9 "$(cat "$TEST_DIR/ctr.pid")"
	monitor_wait_exit
}

@test "attach: --leave-stdin-open keeps stdin across clients" {
	for_each_runtime case_leave_stdin_open
}

case_big_output() {
	monitor_setup sh -c 'read l; head -c 100000 /dev/zero | tr "\0" z; echo'
	monitor_launch -l "k8s-file:$MON_LOG" -i
	monitor_start_container
	attach_send "$MON_SOCKETS/$MON_CID/attach" $'go\n' >"$TEST_DIR/attach.out"
	monitor_wait_exit
	# every byte arrives, in packets of at most 8193 bytes
	assert_equal "$(tr -d '\002\n' <"$TEST_DIR/attach.out" | wc -c)" 100000
}

@test "attach: large output arrives whole to a client" {
	for_each_runtime case_big_output
}

case_terminal_resize() {
	monitor_setup sh -c 'sleep 0.5; stty size; sleep 2; stty size'
	bundle_set "$MON_BUNDLE" '.process.terminal = true'
	monitor_launch -l "k8s-file:$MON_LOG" -t
	monitor_start_container
	echo "1 40 100" >"$MON_BUNDLE/ctl"
	wait_for grep -q "40 100" "$MON_LOG"
	echo "50 120" >"$MON_BUNDLE/winsz"
	monitor_wait_exit
	run -0 k8s_log_text "$MON_LOG"
	assert_line --partial "stdout F 40 100"
	assert_line --partial "stdout F 50 120"
	# a terminal writes \r\n
	grep -q $'40 100\r$' "$MON_LOG"
}

@test "terminal: ctl '1 H W' and winsz 'H W' resize the container's pty" {
	for_each_runtime case_terminal_resize
}

case_terminal_attach() {
	monitor_setup sh -c 'read l; echo tty:$l'
	bundle_set "$MON_BUNDLE" '.process.terminal = true'
	monitor_launch -l "k8s-file:$MON_LOG" -t -i
	monitor_start_container
	attach_send "$MON_SOCKETS/$MON_CID/attach" $'abc\r' >"$TEST_DIR/attach.out"
	monitor_wait_exit
	grep -q "tty:abc" "$TEST_DIR/attach.out"
}

@test "terminal: attach input reaches the pty, output comes back" {
	for_each_runtime case_terminal_attach
}

case_exec() {
	monitor_setup sleep 100
	monitor_launch -l "k8s-file:$MON_LOG"
	monitor_start_container
	monitor_exec_setup sh -c 'echo exec-out; echo exec-err >&2; exit 5'
	MON_ARGS=monitor_exec_args monitor_launch
	run -0 monitor_sync_line 1
	(($(jq -r .data <<<"$output") > 0))
	run -0 monitor_sync_line 2
	assert_equal "$(jq -c . <<<"$output")" '{"data":5}'
	wait_for test -e "$MON_EXEC/exits/$MON_CID"
	assert_equal "$(cat "$MON_EXEC/exits/$MON_CID")" 5
	run -0 k8s_log_text "$MON_EXEC/exec.log"
	assert_line "stdout F exec-out"
	assert_line "stderr F exec-err"
	# the container itself runs on
	kill -0 "$(cat "$TEST_DIR/ctr.pid")"
}

@test "exec: pid then exit code on the sync pipe, exec log and exit file" {
	for_each_runtime --needs exec case_exec
}

case_exec_attach() {
	monitor_setup sleep 100
	monitor_launch -l "k8s-file:$MON_LOG"
	monitor_start_container
	monitor_exec_setup sh -c 'read l; echo exec:$l'
	MON_START_FIFO="$TEST_DIR/start.fifo"
	MON_ATTACH_FILE="$TEST_DIR/attach.pipe"
	mkfifo "$MON_START_FIFO"
	: >"$MON_ATTACH_FILE"
	MON_ARGS=monitor_exec_args monitor_launch -i --exec-attach
	echo go >"$MON_START_FIFO"
	# the socket is ready before the process runs: {"data": 0} on the attach pipe
	wait_for file_has_line "$MON_ATTACH_FILE"
	assert_equal "$(jq -r .data "$MON_ATTACH_FILE")" 0
	(attach_send "$MON_EXEC/attach" $'hi\n' >"$TEST_DIR/attach.out") &
	local client=$!
	sleep 0.3
	echo go >"$MON_START_FIFO"
	run -0 monitor_sync_line 2
	assert_equal "$(jq -r .data <<<"$output")" 0
	wait "$client"
	run -0 packets_text "$TEST_DIR/attach.out"
	assert_line "2:exec:hi"
}

@test "exec: --exec-attach waits for the caller to attach, then runs" {
	for_each_runtime --needs exec case_exec_attach
}

# pea's --start --exec-attach for a container: the attach socket reported on
# the attach pipe, the one runtime call (run) only after the go, and the
# client that connected before it sees the container's first output.
case_start_exec_attach() {
	monitor_setup sh -c 'echo first-out; echo first-err >&2'
	MON_START_FIFO="$TEST_DIR/start.fifo"
	MON_ATTACH_FILE="$TEST_DIR/attach.pipe"
	mkfifo "$MON_START_FIFO"
	: >"$MON_ATTACH_FILE"
	monitor_launch -l "k8s-file:$MON_LOG" --start --exec-attach
	echo go >"$MON_START_FIFO"
	wait_for file_has_line "$MON_ATTACH_FILE"
	assert_equal "$(jq -r .data "$MON_ATTACH_FILE")" 0
	[[ ! -s "$MON_SYNC" ]] || fail "a pid before the go: $(cat "$MON_SYNC")"
	(printf '' | timeout -k 5 20 socat -d -d -b 65536 -t 10 - \
		"UNIX-CONNECT:$MON_BUNDLE/attach,type=5" >"$TEST_DIR/attach.out" \
		2>"$TEST_DIR/socat.err") &
	local client=$!
	wait_for grep -q 'starting data transfer loop' "$TEST_DIR/socat.err"
	echo go >"$MON_START_FIFO"
	run -0 monitor_sync_line 1
	(($(jq -r .data <<<"$output") > 0)) || fail "sync: $output"
	monitor_wait_exit
	wait "$client"
	run -0 packets_text "$TEST_DIR/attach.out"
	assert_line "2:first-out"
	assert_line "3:first-err"
}

@test "start with --exec-attach: the attach socket first, the container's one runtime call after the go" {
	for_each_runtime case_start_exec_attach
}

case_exec_tty() {
	monitor_setup sleep 100
	monitor_launch -l "k8s-file:$MON_LOG"
	monitor_start_container
	monitor_exec_setup sh -c 'tty >/dev/null && echo is-a-tty; exit 2'
	jq '.terminal = true' "$MON_EXEC/process.json" >"$MON_EXEC/p.json"
	mv "$MON_EXEC/p.json" "$MON_EXEC/process.json"
	MON_ARGS=monitor_exec_args monitor_launch -t
	run -0 monitor_sync_line 2
	assert_equal "$(jq -r .data <<<"$output")" 2
	grep -q "is-a-tty" "$MON_EXEC/exec.log"
}

@test "exec: with a terminal" {
	for_each_runtime --needs exec case_exec_tty
}

# podman sizes an exec's terminal on ctl before it says go on the start pipe,
# before the runtime made the terminal: the size is kept for it (and applied
# as the terminal arrives, which is just after the process starts: it waits).
case_exec_tty_sized_before_start() {
	monitor_setup sleep 100
	monitor_launch -l "k8s-file:$MON_LOG"
	monitor_start_container
	monitor_exec_setup sh -c 'sleep 0.5; stty size'
	jq '.terminal = true' "$MON_EXEC/process.json" >"$MON_EXEC/p.json"
	mv "$MON_EXEC/p.json" "$MON_EXEC/process.json"
	MON_START_FIFO="$TEST_DIR/start.fifo"
	MON_ATTACH_FILE="$TEST_DIR/attach.pipe"
	mkfifo "$MON_START_FIFO"
	: >"$MON_ATTACH_FILE"
	MON_ARGS=monitor_exec_args monitor_launch -t --exec-attach
	echo go >"$MON_START_FIFO"
	wait_for file_has_line "$MON_ATTACH_FILE"
	echo "1 33 77" >"$MON_EXEC/ctl"
	echo go >"$MON_START_FIFO"
	run -0 monitor_sync_line 2
	assert_equal "$(jq -r .data <<<"$output")" 0
	grep -q "33 77" "$MON_EXEC/exec.log" || fail "$(cat "$MON_EXEC/exec.log")"
}

@test "exec: a terminal size asked for before the terminal exists is applied to it" {
	for_each_runtime --needs exec case_exec_tty_sized_before_start
}

case_exec_timeout() {
	monitor_setup sleep 100
	monitor_launch -l "k8s-file:$MON_LOG"
	monitor_start_container
	monitor_exec_setup sleep 100
	MON_ARGS=monitor_exec_args monitor_launch -T 1
	run -0 monitor_sync_line 2
	assert_equal "$(jq -r .data <<<"$output")" -1
	assert_equal "$(jq -r .message <<<"$output")" "command timed out"
}

@test "exec: -T ends the session with -1 and 'command timed out'" {
	for_each_runtime --needs exec case_exec_timeout
}

# attach_connected PID: the monitor PID holds an accepted attach client (its
# only SOCK_SEQPACKET sockets are the attach socket and its clients).
attach_connected() {
	ss -xpH 2>/dev/null | grep -E "^u_seq +ESTAB" | grep -qF "pid=$1,"
}

# stuck_client SECONDS: a client of the monitor launched last that reads nothing for
# SECONDS (socat's output goes to a pipe nobody reads), its pid in STUCK_CLIENT,
# connected before this returns, however loaded the machine.
stuck_client() {
	wait_for test -S "$MON_SOCKETS/$MON_CID/attach"
	timeout -k 5 30 socat -b 65536 UNIX-CONNECT:"$MON_SOCKETS/$MON_CID/attach",type=5 \
		EXEC:"sleep $1" &
	STUCK_CLIENT=$!
	wait_for attach_connected "$(cat "$MON_PIDFILE")"
}

case_slow_client() {
	local mon_pid rss rss0 size1
	monitor_setup sh -c 'head -c 3000000 /dev/zero | tr "\0" "y"; echo; echo end'
	monitor_launch -l "k8s-file:$MON_LOG"
	stuck_client 2
	mon_pid=$(cat "$MON_PIDFILE")
	rss0=$(awk '/^VmRSS:/ {print $2}' "/proc/$mon_pid/status")
	monitor_start_container
	sleep 1
	# the container waits for the client (backpressure), the monitor stays small
	rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$mon_pid/status")
	size1=$(stat -c %s "$MON_LOG")
	((rss - rss0 < 1024)) || fail "monitor RSS grew from ${rss0} to ${rss} kB with a stuck client"
	((size1 < 3000000)) || fail "the log went on while the client was stuck ($size1 bytes)"
	wait "$STUCK_CLIENT" || true
	monitor_wait_exit
	assert_equal "$(tail -1 "$MON_LOG" | cut -d' ' -f2-)" "stdout F end"
}

@test "attach: a client that stops reading holds the output back, with bounded memory" {
	for_each_runtime case_slow_client
}

# case_hangup_while_paused: the container's writers hang up while a client that
# does not read holds the output back. The last words, on stderr, reach the log:
# epoll reports a pipe's hang-up even with no event asked for, and the monitor
# closed the pipe then with them unread (podman's 030-run "stderr after 700 KB of
# stdout" lost them 1 run in 20).
case_hangup_while_paused() {
	monitor_setup sh -c '(exec 2>&-; head -c 3000000 /dev/zero | tr "\0" y) & sleep 1; echo end >&2'
	monitor_launch -l "k8s-file:$MON_LOG"
	stuck_client 3
	monitor_start_container
	monitor_wait_exit
	wait "$STUCK_CLIENT" || true
	run -0 grep -c ' stderr F end$' "$MON_LOG"
	assert_output 1
}

@test "attach: the last output, written as the writers hang up while a client holds the output back, is logged" {
	for_each_runtime case_hangup_while_paused
}

# case_attach_before_start: containers that print and exit at once, each with a
# client that connected to the attach socket right before `runtime start`, as
# an engine does. Output written before the exit reaches the client, even when
# the monitor learns of the exit and of the client together (see
# attach_then_start).
case_attach_before_start() {
	local round client
	monitor_setup sh -c 'echo out-$0; echo err-$0 >&2' 0
	for ((round = 0; round < 3; round++)); do
		# one bundle, a new container each round
		MON_CID="pea-mon-$round-$(printf '%04x%04x' $RANDOM $RANDOM)"
		bundle_set "$MON_BUNDLE" '.process.args[3] = $r' --arg r "$round"
		rm -f "$MON_SYNC" "$TEST_DIR/launch.rc" "$MON_PIDFILE" "$TEST_DIR/ctr.pid"
		mkfifo "$MON_SYNC"
		attach_then_start "$MON_SYNC" "$MON_SOCKETS/$MON_CID/attach" >"$TEST_DIR/attach.out" &
		client=$!
		monitor_launch -l "k8s-file:$MON_LOG"
		wait "$client"
		monitor_wait_exit
		run -0 cat "$TEST_DIR/attach.out"
		assert_line "2:out-$round"
		assert_line "3:err-$round"
		monitor_teardown
	done
}

@test "attach: a client attached before start gets all the output of a container that exits at once" {
	for_each_runtime case_attach_before_start
}
