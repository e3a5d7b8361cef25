#!/usr/bin/env bats
# pea-monitor beside a real runtime (crun, and pea-runtime once it works):
# detaching, the sync pipe, exit files, k8s-file logs, timeouts, the exit
# command, OOM, runtime failures. Each case runs once per runtime.
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
}

teardown() {
	monitor_teardown
}

# The exact k8s-file line: RFC3339Nano local time with offset, stream, P|F.
K8S_LINE='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9}[+-][0-9]{2}:[0-9]{2} (stdout|stderr) [PF] '

case_detached_run() {
	local ctr_pid mon_pid
	monitor_setup sh -c 'sleep 0.3; exit 3'
	monitor_launch -l "k8s-file:$MON_LOG"
	run -0 monitor_sync_line 1
	ctr_pid=$(jq -r .data <<<"$output")
	# the first process returned at once: the monitor runs on, detached
	wait_for test -s "$TEST_DIR/launch.rc"
	assert_equal "$(cat "$TEST_DIR/launch.rc")" 0
	mon_pid=$(cat "$MON_PIDFILE")
	kill -0 "$mon_pid"
	assert_equal "$(cat "$TEST_DIR/ctr.pid")" "$ctr_pid"
	# its own session, and the container's parent (a subreaper)
	assert_equal "$(ps -o sid= -p "$mon_pid" | tr -d ' ')" "$mon_pid"
	assert_equal "$(ps -o ppid= -p "$ctr_pid" | tr -d ' ')" "$mon_pid"
	test -L "$MON_SOCKETS/$MON_CID"
	test -S "$MON_BUNDLE/attach"
	test -p "$MON_BUNDLE/ctl"
	test -p "$MON_BUNDLE/winsz"
	timeout -k 5 30 "$PEA_TEST_RUNTIME" --root "$ROOT" start "$MON_CID"
	monitor_wait_exit
	assert_equal "$(cat "$MON_EXITS/$MON_CID")" 3
	assert_equal "$(cat "$MON_PERSIST/exit")" 3
	run ! kill -0 "$mon_pid"
	test ! -e "$MON_SOCKETS/$MON_CID"
	# no temp files left beside the exit files
	assert_equal "$(ls "$MON_EXITS")" "$MON_CID"
}

@test "detached run: pid on the sync pipe, pid files, exit code in EXIT_DIR/CID and PERSIST_DIR/exit" {
	for_each_runtime case_detached_run
}

# --start (pea's): the runtime's run --detach, so the container runs without a `runtime start`.
case_start_now() {
	monitor_setup sh -c 'echo started; exit 4'
	monitor_launch -l "k8s-file:$MON_LOG" --start
	run -0 monitor_sync_line 1
	[[ $(jq -r .data <<<"$output") -gt 0 ]] || fail "sync: $output"
	monitor_wait_exit
	assert_equal "$(cat "$MON_EXITS/$MON_CID")" 4
	run -0 grep -c ' stdout F started$' "$MON_LOG"
}

@test "--start: the container runs at once (run --detach), its exit code in the exit file" {
	for_each_runtime case_start_now
}

case_killed() {
	monitor_setup sleep 100
	monitor_launch -l "k8s-file:$MON_LOG"
	monitor_start_container
	kill -9 "$(cat "$TEST_DIR/ctr.pid")"
	monitor_wait_exit
	assert_equal "$(cat "$MON_EXITS/$MON_CID")" 137
}

@test "a container killed by a signal exits 128+N" {
	for_each_runtime case_killed
}

case_forward_sigterm() {
	monitor_setup sh -c 'trap "exit 42" TERM; while :; do sleep 0.05; done'
	monitor_launch -l "k8s-file:$MON_LOG"
	monitor_start_container
	sleep 0.3
	kill -TERM "$(cat "$MON_PIDFILE")"
	monitor_wait_exit
	assert_equal "$(cat "$MON_EXITS/$MON_CID")" 42
}

@test "SIGTERM to the monitor goes to the container" {
	for_each_runtime case_forward_sigterm
}

case_k8s_format() {
	monitor_setup sh -c 'echo out1; sleep 0.1; echo err1 >&2; sleep 0.1; echo out2; sleep 0.1; printf "no newline"'
	monitor_launch -l "k8s-file:$MON_LOG"
	monitor_start_container
	monitor_wait_exit
	run grep -Evc "$K8S_LINE" "$MON_LOG"
	assert_output 0
	run -0 k8s_log_text "$MON_LOG"
	assert_output "stdout F out1
stderr F err1
stdout F out2
stdout P no newline"
}

@test "k8s-file: exact line format, stdout and stderr interleaved, a partial last line" {
	for_each_runtime case_k8s_format
}

case_long_line() {
	monitor_setup sh -c 'head -c 20000 /dev/zero | tr "\0" a; echo; echo short'
	monitor_launch -l "k8s-file:$MON_LOG"
	monitor_start_container
	monitor_wait_exit
	# pieces of at most 8192 bytes, P until the one with the newline, then F
	run -0 k8s_log_text "$MON_LOG"
	local tags text
	tags=$(k8s_log_text "$MON_LOG" | cut -d' ' -f2 | tr -d '\n')
	[[ $tags =~ ^P+FF$ ]] || fail "tags '$tags'"
	text=$(k8s_log_text "$MON_LOG" | head -n -1 | cut -d' ' -f3- | tr -d '\n')
	assert_equal "${#text}" 20000
	while read -r line; do
		((${#line} <= 8192 + 9)) || fail "entry of ${#line} bytes"
	done < <(k8s_log_text "$MON_LOG")
	assert_equal "$(tail -1 "$MON_LOG" | cut -d' ' -f2-)" "stdout F short"
}

@test "k8s-file: a long line is written in P pieces and ends with F" {
	for_each_runtime case_long_line
}

case_size_cap() {
	monitor_setup sh -c 'i=0; while [ $i -lt 300 ]; do echo "line $i"; i=$((i+1)); done'
	monitor_launch -l "k8s-file:$MON_LOG" --log-size-max 2000
	monitor_start_container
	monitor_wait_exit
	local size
	size=$(stat -c %s "$MON_LOG")
	((size <= 2000)) || fail "log of $size bytes over a cap of 2000"
	((size > 0))
	assert_equal "$(tail -1 "$MON_LOG" | cut -d' ' -f2-)" "stdout F line 299"
	run grep -Evc "$K8S_LINE" "$MON_LOG"
	assert_output 0
}

@test "k8s-file: --log-size-max caps the file (it restarts empty, keeping the newest lines)" {
	for_each_runtime case_size_cap
}

case_log_none() {
	monitor_setup sh -c 'echo quiet'
	monitor_launch -l none
	monitor_start_container
	monitor_wait_exit
	test ! -e "$MON_LOG"
	assert_equal "$(cat "$MON_EXITS/$MON_CID")" 0
}

@test "log driver none: no log, still an exit file" {
	for_each_runtime case_log_none
}

case_passthrough() {
	monitor_setup sh -c 'echo through; echo errs >&2'
	monitor_launch -l passthrough
	monitor_start_container
	monitor_wait_exit
	run -0 cat "$MON_OUT"
	assert_line through
	assert_line errs
	# no attach socket nor fifos: nobody reads the container's stdio
	test ! -e "$MON_BUNDLE/attach"
	test ! -e "$MON_BUNDLE/ctl"
}

@test "log driver passthrough: the container writes to the monitor's own stdio" {
	for_each_runtime case_passthrough
}

case_reopen() {
	monitor_setup sh -c 'echo before; sleep 0.6; echo after'
	monitor_launch -l "k8s-file:$MON_LOG"
	monitor_start_container
	wait_for grep -q before "$MON_LOG"
	echo "2 0 0" >"$MON_BUNDLE/ctl"
	monitor_wait_exit
	run -0 k8s_log_text "$MON_LOG"
	assert_output "stdout F after"
}

@test "ctl '2' reopens the log file" {
	for_each_runtime case_reopen
}

case_create_fails() {
	monitor_setup true
	bundle_set "$MON_BUNDLE" '.root.path = "no-such-rootfs"'
	monitor_launch -l "k8s-file:$MON_LOG" "$@"
	run -0 monitor_sync_line 1
	assert_equal "$(jq -r .data <<<"$output")" -1
	jq -r .message <<<"$output" | grep -q "no-such-rootfs" ||
		fail "the runtime's error is not in: $output"
	wait_for test -s "$TEST_DIR/launch.rc"
	monitor_wait_gone
	# nothing written as if the container had run, nothing left behind
	test ! -e "$MON_EXITS/$MON_CID"
	test ! -e "$MON_SOCKETS/$MON_CID"
	test ! -e "$MON_BUNDLE/attach"
	run ! kill -0 "$(cat "$MON_PIDFILE")"
}

@test "a runtime that fails to create: its message reaches the sync pipe (stderr)" {
	for_each_runtime case_create_fails
}

case_create_fails_log() {
	case_create_fails --runtime-arg --log-format=json --runtime-arg --log \
		--runtime-arg="$TEST_DIR/oci-log"
	test -s "$TEST_DIR/oci-log"
}

@test "a runtime that fails to create: its message comes from its --log file (json)" {
	for_each_runtime case_create_fails_log
}

case_timeout() {
	monitor_setup sleep 100
	monitor_launch -l "k8s-file:$MON_LOG" -T 1
	monitor_start_container
	local ctr_pid
	ctr_pid=$(cat "$TEST_DIR/ctr.pid")
	monitor_wait_exit
	assert_equal "$(cat "$MON_EXITS/$MON_CID")" -1
	wait_for bash -c "! kill -0 $ctr_pid 2>/dev/null"
}

@test "-T kills the container after its timeout and writes -1" {
	for_each_runtime case_timeout
}

case_exit_command() {
	monitor_setup sh -c 'exit 7'
	monitor_launch -l "k8s-file:$MON_LOG" --exit-command /bin/sh \
		--exit-command-arg -c --exit-command-arg 'echo "$0 $1 $(cat '"$MON_EXITS/$MON_CID"')" >'"$TEST_DIR/cmd.out" \
		--exit-command-arg first --exit-command-arg "second arg" --exit-delay 1
	monitor_start_container
	monitor_wait_exit
	local t_exit t_cmd
	t_exit=$(stat -c %Y "$MON_EXITS/$MON_CID")
	wait_for test -s "$TEST_DIR/cmd.out"
	t_cmd=$(stat -c %Y "$TEST_DIR/cmd.out")
	assert_equal "$(cat "$TEST_DIR/cmd.out")" "first second arg 7"
	((t_cmd >= t_exit + 1)) || fail "exit command ran at $t_cmd, exit file at $t_exit"
}

@test "the exit command runs after the exit files, with its args, after --exit-delay" {
	for_each_runtime case_exit_command
}

# --exit-command-skip-if (pea's): no exit command when the file is there at the end.
case_exit_command_skip() {
	local mark="$TEST_DIR/removing"
	monitor_setup sh -c 'exit 5'
	touch "$mark"
	monitor_launch -l none --exit-command /bin/sh --exit-command-arg -c \
		--exit-command-arg "echo ran >$TEST_DIR/cmd.out" --exit-command-skip-if "$mark"
	monitor_start_container
	monitor_wait_exit
	assert_equal "$(cat "$MON_EXITS/$MON_CID")" 5
	test ! -e "$TEST_DIR/cmd.out"
}

case_exit_command_no_skip() {
	monitor_setup sh -c 'exit 6'
	monitor_launch -l none --exit-command /bin/sh --exit-command-arg -c \
		--exit-command-arg "echo ran >$TEST_DIR/cmd.out" \
		--exit-command-skip-if "$TEST_DIR/removing"
	monitor_start_container
	monitor_wait_exit
	wait_for test -s "$TEST_DIR/cmd.out"
}

# The file names the process that cleans up instead: skipped while it lives, run once it is gone.
case_exit_command_skip_pid() {
	local mark="$TEST_DIR/cleaner"
	monitor_setup sh -c 'exit 2'
	echo "$$" >"$mark"
	monitor_launch -l none --exit-command /bin/sh --exit-command-arg -c \
		--exit-command-arg "echo ran >$TEST_DIR/cmd.out" --exit-command-skip-if "$mark"
	monitor_start_container
	monitor_wait_exit
	test ! -e "$TEST_DIR/cmd.out"
}

case_exit_command_dead_pid() {
	local mark="$TEST_DIR/cleaner" gone
	sh -c 'exit 0' &
	gone=$!
	wait "$gone"
	monitor_setup sh -c 'exit 2'
	echo "$gone" >"$mark"
	monitor_launch -l none --exit-command /bin/sh --exit-command-arg -c \
		--exit-command-arg "echo ran >$TEST_DIR/cmd.out" --exit-command-skip-if "$mark"
	monitor_start_container
	monitor_wait_exit
	wait_for test -s "$TEST_DIR/cmd.out"
}

# --cleaner-fd: a byte on the pipe (the engine cleaned up itself): no exit command.
case_cleaner_fd_byte() {
	local fd
	monitor_setup sh -c 'exit 2'
	exec {fd}< <(printf 1)
	monitor_launch -l none --exit-command /bin/sh --exit-command-arg -c \
		--exit-command-arg "echo ran >$TEST_DIR/cmd.out" --cleaner-fd "$fd"
	exec {fd}<&-
	monitor_start_container
	monitor_wait_exit
	test ! -e "$TEST_DIR/cmd.out"
}

# The pipe's end without a byte (the engine killed or failed): the exit command runs.
case_cleaner_fd_eof() {
	local fd
	monitor_setup sh -c 'exit 2'
	exec {fd}< <(true)
	monitor_launch -l none --exit-command /bin/sh --exit-command-arg -c \
		--exit-command-arg "echo ran >$TEST_DIR/cmd.out" --cleaner-fd "$fd"
	exec {fd}<&-
	monitor_start_container
	monitor_wait_exit
	wait_for test -s "$TEST_DIR/cmd.out"
}

@test "--cleaner-fd: no exit command once a byte comes on the pipe" {
	for_each_runtime case_cleaner_fd_byte
}

@test "--cleaner-fd: the pipe's end without a byte: the exit command runs" {
	for_each_runtime case_cleaner_fd_eof
}

@test "--exit-command-skip-if: no exit command while its file exists" {
	for_each_runtime case_exit_command_skip
}

@test "--exit-command-skip-if: the exit command runs when its file does not exist" {
	for_each_runtime case_exit_command_no_skip
}

@test "--exit-command-skip-if: a pid in the file: skipped while that process lives" {
	for_each_runtime case_exit_command_skip_pid
}

@test "--exit-command-skip-if: a pid in the file: the exit command runs once that process is gone" {
	for_each_runtime case_exit_command_dead_pid
}

# As conmon, the monitor lets go of the sync pipe before the exit command:
# an engine reading it to its end must not wait for the exit command (which
# may need a lock that engine holds). Here the exit command waits for the
# test, which waits for the end of the sync pipe.
case_exit_command_after_sync() {
	local fifo="$TEST_DIR/sync.fifo" reader
	monitor_setup true
	mkfifo "$fifo"
	timeout -k 5 20 cat "$fifo" >"$TEST_DIR/sync.out" &
	reader=$!
	MON_SYNC=$fifo monitor_launch -l none --exit-command /bin/sh --exit-command-arg -c \
		--exit-command-arg 'i=0; while [ ! -e "$0" ] && [ $i -lt 200 ]; do
			sleep 0.05; i=$((i + 1)); done; [ -e "$0" ] && touch "$1"' \
		--exit-command-arg "$TEST_DIR/go" --exit-command-arg "$TEST_DIR/ran"
	MON_SYNC="$TEST_DIR/sync.out" monitor_start_container
	wait "$reader"
	touch "$TEST_DIR/go"
	monitor_wait_exit
	test -e "$TEST_DIR/ran" || fail "the sync pipe ended only after the exit command"
}

@test "the sync pipe ends before the exit command runs" {
	for_each_runtime case_exit_command_after_sync
}

case_oom() {
	monitor_setup sh -c 'tail /dev/zero'
	bundle_set "$MON_BUNDLE" '.linux.resources.memory = {limit: 16777216}'
	monitor_launch -l "k8s-file:$MON_LOG"
	monitor_start_container
	MON_WAIT=1500 monitor_wait_exit
	assert_equal "$(cat "$MON_EXITS/$MON_CID")" 137
	test -e "$MON_PERSIST/oom"
}

@test "an OOM kill leaves PERSIST_DIR/oom" {
	for_each_runtime --needs memory case_oom
}

case_no_oom() {
	monitor_setup true
	monitor_launch -l "k8s-file:$MON_LOG"
	monitor_start_container
	monitor_wait_exit
	test ! -e "$MON_PERSIST/oom"
}

@test "no OOM, no oom file" {
	for_each_runtime case_no_oom
}

case_sync_mode() {
	monitor_setup sh -c 'exit 4'
	monitor_launch -l "k8s-file:$MON_LOG" --sync
	monitor_start_container
	monitor_wait_gone
	assert_equal "$(cat "$TEST_DIR/launch.rc")" 4
	assert_equal "$(cat "$MON_EXITS/$MON_CID")" 4
}

@test "--sync: no fork, the monitor itself exits with the container's status" {
	for_each_runtime case_sync_mode
}

same_as_conmon() {
	local which out=()
	for which in /usr/bin/conmon "$PEA_MONITOR"; do
		MONITOR=$which
		monitor_setup sh -c 'echo a; sleep 0.1; echo b >&2; sleep 0.1; printf "c\nd"; sleep 0.1; exit 9'
		monitor_launch -l "k8s-file:$MON_LOG"
		monitor_start_container
		monitor_wait_exit
		out+=("$(cat "$MON_EXITS/$MON_CID") / $(k8s_log_text "$MON_LOG")")
		monitor_teardown
		rm -rf "$TEST_DIR/bundle" "$MON_LOG" "$MON_EXITS" "$MON_PIDFILE"
	done
	assert_equal "${out[1]}" "${out[0]}"
}

@test "same exit file and log text as Debian's conmon on the same container" {
	require_cmd /usr/bin/conmon
	for_each_runtime same_as_conmon
}

# In a private mount namespace with a tmpfs on /run, socat plays the journal
# on /run/systemd/journal/socket and keeps every datagram it gets.
journald_case() {
	set -e
	mount -t tmpfs tmpfs /run
	mkdir -p /run/systemd/journal
	timeout -k 5 60 socat -u UNIX-RECV:/run/systemd/journal/socket \
		OPEN:"$TEST_DIR/journal.raw",creat,append &
	local socat_pid=$!
	wait_for test -S /run/systemd/journal/socket
	monitor_setup sh -c 'echo hello; sleep 0.1; echo oops >&2; sleep 0.1; printf partial'
	monitor_launch -l journald -l "k8s-file:$MON_LOG" --log-tag mytag \
		--log-label TEST_LABEL=one --log-label OTHER_2=two
	monitor_start_container
	monitor_wait_exit
	sleep 0.2
	kill "$socat_pid"
	echo "$MON_CID" >"$TEST_DIR/cid"
	# deleted here: the test's teardown does not know this MON_CID
	monitor_teardown
}

@test "journald: one native-protocol entry per line with conmon's fields" {
	export -f journald_case
	run -0 timeout -k 5 120 unshare -m --propagation private bash -c '
		source "$PEA_TEST_HELPERS/common.bash"
		source "$PEA_TEST_HELPERS/../helpers-monitor.bash"
		journald_case'
	local cid raw
	cid=$(cat "$TEST_DIR/cid")
	raw="$TEST_DIR/journal.raw"
	test -s "$raw"
	# MESSAGE in the binary form: "MESSAGE\n", 64-bit length, the line with its newline
	run -0 grep -ac "^CONTAINER_ID_FULL=$cid$" "$raw"
	assert_output 3
	grep -aq "^CONTAINER_ID=${cid:0:12}$" "$raw"
	grep -aq "^CONTAINER_NAME=name-$cid$" "$raw"
	grep -aq "^CONTAINER_TAG=mytag$" "$raw"
	grep -aq "^SYSLOG_IDENTIFIER=mytag$" "$raw"
	grep -aq "hello" "$raw"
	assert_equal "$(grep -ac '^PRIORITY=3$' "$raw")" 1
	assert_equal "$(grep -ac '^PRIORITY=6$' "$raw")" 2
	assert_equal "$(grep -ac '^CONTAINER_PARTIAL_MESSAGE=true$' "$raw")" 1
	assert_equal "$(head -c 8 "$raw")" "MESSAGE"
	assert_equal "$(grep -ac '^TEST_LABEL=one$' "$raw")" 3
	assert_equal "$(grep -ac '^OTHER_2=two$' "$raw")" 3
}

# In a private mount namespace, a tmpfs over /dev (with the devices the
# monitor and the runtime use bound back in) where socat plays syslog on
# /dev/log and keeps every datagram it gets.
syslog_case() {
	set -e
	local n
	mkdir -p "$TEST_DIR/hostdev"
	mount --rbind /dev "$TEST_DIR/hostdev"
	mount -t tmpfs tmpfs /dev
	for n in null zero full random urandom tty ptmx; do
		touch "/dev/$n"
		mount --bind "$TEST_DIR/hostdev/$n" "/dev/$n"
	done
	mkdir /dev/pts /dev/shm
	mount --rbind "$TEST_DIR/hostdev/pts" /dev/pts
	mount --rbind "$TEST_DIR/hostdev/shm" /dev/shm
	ln -s /proc/self/fd /dev/fd
	timeout -k 5 60 socat -u UNIX-RECV:/dev/log OPEN:"$TEST_DIR/syslog.raw",creat,append &
	local socat_pid=$!
	wait_for test -S /dev/log
	monitor_setup sh -c 'echo hello'
	monitor_launch -l "k8s-file:$MON_LOG" --syslog --log-level debug
	monitor_start_container
	monitor_wait_exit
	sleep 0.2
	kill "$socat_pid"
	echo "$MON_CID" >"$TEST_DIR/cid"
	# deleted here: the test's teardown does not know this MON_CID
	monitor_teardown
}

@test "--syslog: once detached, the monitor's log lines go to /dev/log, one datagram each" {
	export -f syslog_case
	run -0 timeout -k 5 120 unshare -m --propagation private bash -c '
		source "$PEA_TEST_HELPERS/common.bash"
		source "$PEA_TEST_HELPERS/../helpers-monitor.bash"
		syslog_case'
	local cid raw="$TEST_DIR/syslog.raw"
	cid=$(cat "$TEST_DIR/cid")
	test -s "$raw"
	# the runtime's command line, logged after the detach, names the container
	# framed as syslog(3) does: <PRI> (user.debug is 15), time, program[pid]
	grep -aEq "^<15>[A-Z][a-z]{2} [ 1-3][0-9] [0-9:]{8} pea-monitor\[[0-9]+\]: calling the runtime: .* $cid\$" "$raw"
	grep -aEq "^<15>.* pea-monitor\[[0-9]+\]: container [0-9]* exited\$" "$raw"
	# the container's own output goes to its log, not to syslog
	! grep -aq hello "$raw"
}

case_sdnotify() {
	monitor_setup sleep 100
	timeout -k 5 60 socat -u UNIX-RECV:"$TEST_DIR/host-notify.sock" \
		OPEN:"$TEST_DIR/notified",creat,append &
	local socat_pid=$!
	wait_for test -S "$TEST_DIR/host-notify.sock"
	monitor_launch -l "k8s-file:$MON_LOG" --sdnotify-socket "$TEST_DIR/host-notify.sock"
	monitor_start_container
	test -S "$MON_BUNDLE/notify/notify.sock"
	# what the container would send: only READY=1 goes on
	printf 'STATUS=starting\n' | timeout -k 5 10 socat -u - "UNIX-SENDTO:$MON_BUNDLE/notify/notify.sock"
	printf 'STATUS=up\nREADY=1\n' | timeout -k 5 10 socat -u - "UNIX-SENDTO:$MON_BUNDLE/notify/notify.sock"
	wait_for test -s "$TEST_DIR/notified"
	sleep 0.2
	kill "$socat_pid"
	assert_equal "$(cat "$TEST_DIR/notified")" "READY=1"
}

@test "--sdnotify-socket relays READY=1 from BUNDLE/notify/notify.sock" {
	for_each_runtime case_sdnotify
}

# The runtime's command line, as conmon builds it: a wrapper records the
# arguments and runs the real runtime.
case_runtime_argv() {
	local which out=() real="$PEA_TEST_RUNTIME"
	for which in /usr/bin/conmon "$PEA_MONITOR"; do
		MONITOR=$which
		monitor_setup true
		printf '#!/bin/sh\necho "$*" >>"%s/argv"\nexec %s "$@"\n' "$TEST_DIR" "$real" \
			>"$TEST_DIR/runtime-wrapper"
		chmod +x "$TEST_DIR/runtime-wrapper"
		PEA_TEST_RUNTIME="$TEST_DIR/runtime-wrapper" monitor_launch -l none --no-pivot \
			--no-new-keyring --runtime-opt --preserve-fds=0 --runtime-arg --debug
		monitor_sync_line 1 >/dev/null
		out+=("$(sed -e "s|$TEST_DIR|DIR|g" -e "s|$MON_CID|CID|g" "$TEST_DIR/argv")")
		monitor_teardown
		rm -rf "$TEST_DIR/bundle" "$TEST_DIR/argv" "$MON_PIDFILE"
	done
	assert_equal "${out[1]}" "${out[0]}"
	assert_equal "${out[1]}" "--root DIR/runtime-root --debug create --bundle DIR/bundle --pid-file DIR/ctr.pid --no-pivot --no-new-keyring --preserve-fds=0 CID"
}

@test "the runtime gets the same command line from pea-monitor as from conmon" {
	require_cmd /usr/bin/conmon
	for_each_runtime case_runtime_argv
}

# --restore: the runtime's `restore` with conmon's arguments. Neither runtime
# here restores (Debian's crun is built without CRIU): its refusal comes
# back on the sync pipe, and nothing is left as if a container had run.
case_restore_refused() {
	local which out=() real="$PEA_TEST_RUNTIME"
	for which in /usr/bin/conmon "$PEA_MONITOR"; do
		MONITOR=$which
		monitor_setup true
		mkdir -p "$TEST_DIR/checkpoint"
		printf '#!/bin/sh\necho "$*" >>"%s/argv"\nexec %s "$@"\n' "$TEST_DIR" "$real" \
			>"$TEST_DIR/runtime-wrapper"
		chmod +x "$TEST_DIR/runtime-wrapper"
		PEA_TEST_RUNTIME="$TEST_DIR/runtime-wrapper" monitor_launch -l none \
			--restore "$TEST_DIR/checkpoint" --runtime-opt --tcp-established
		run -0 monitor_sync_line 1
		assert_equal "$(jq -r .data <<<"$output")" -1
		jq -r .message <<<"$output" | grep -q "restore" ||
			fail "the runtime's refusal is not in: $output"
		wait_for test -s "$TEST_DIR/launch.rc"
		monitor_wait_gone
		test ! -e "$MON_EXITS/$MON_CID"
		out+=("$(sed -e "s|$TEST_DIR|DIR|g" -e "s|$MON_CID|CID|g" "$TEST_DIR/argv")")
		monitor_teardown
		rm -rf "$TEST_DIR/bundle" "$TEST_DIR/argv" "$MON_PIDFILE" "$TEST_DIR/launch.rc"
	done
	assert_equal "${out[1]}" "${out[0]}"
	assert_equal "${out[1]}" "--root DIR/runtime-root restore --bundle DIR/bundle --pid-file DIR/ctr.pid --detach --image-path DIR/checkpoint --work-path DIR/bundle --tcp-established CID"
}

@test "--restore: conmon's restore command line; a runtime that cannot restore says so on the sync pipe" {
	require_cmd /usr/bin/conmon
	for_each_runtime case_restore_refused
}

@test "a runtime that cannot be executed: the reason on the sync pipe (LISTEN_PID spawn too)" {
	local env
	for env in "" "LISTEN_PID=1"; do
		monitor_setup true
		# a directory passes the access(X_OK) check, execve refuses it
		timeout -k 5 30 env $env PEA_TEST_RUNTIME="$TEST_DIR" bash -c \
			'source "$PEA_TEST_HELPERS/common.bash"
			source "$PEA_TEST_HELPERS/../helpers-monitor.bash"
			monitor_launch -l none --replace-listen-pid
			wait "$MON_TINI_PID"'
		run -0 monitor_sync_line 1
		assert_equal "$(jq -r .data <<<"$output")" -1
		assert_equal "$(jq -r .message <<<"$output")" \
			"run the runtime '$TEST_DIR': execve '$TEST_DIR': Permission denied"
		rm -rf "$TEST_DIR/bundle" "$MON_SYNC"
	done
}

# listen_pid_seen [FLAGS...]: launch with LISTEN_PID=1 in the environment
# and a wrapper runtime that records its own pid and the LISTEN_PID it got;
# prints "PID LISTEN_PID".
listen_pid_seen() {
	local real="$PEA_TEST_RUNTIME"
	monitor_setup true
	printf '#!/bin/sh\necho "$$ ${LISTEN_PID:-unset}" >>"%s/env"\nexec %s "$@"\n' \
		"$TEST_DIR" "$real" >"$TEST_DIR/runtime-wrapper"
	chmod +x "$TEST_DIR/runtime-wrapper"
	LISTEN_PID=1 PEA_TEST_RUNTIME="$TEST_DIR/runtime-wrapper" monitor_launch -l none "$@"
	monitor_sync_line 1 >/dev/null
	cat "$TEST_DIR/env"
	monitor_teardown
	rm -rf "$TEST_DIR/bundle" "$TEST_DIR/env" "$MON_PIDFILE"
}

# Socket activation as conmon does it: --replace-listen-pid gives the runtime
# its own pid in LISTEN_PID; without it, a LISTEN_PID naming another process
# passes unchanged.
case_listen_pid() {
	local which pid lp
	for which in /usr/bin/conmon "$PEA_MONITOR"; do
		MONITOR=$which
		listen_pid_seen --replace-listen-pid >"$TEST_DIR/seen"
		read -r pid lp <"$TEST_DIR/seen"
		assert_equal "$lp" "$pid"
		listen_pid_seen >"$TEST_DIR/seen"
		read -r pid lp <"$TEST_DIR/seen"
		assert_equal "$lp" 1
	done
}

@test "--replace-listen-pid: the runtime finds its own pid in LISTEN_PID, as with conmon" {
	require_cmd /usr/bin/conmon
	for_each_runtime case_listen_pid
}

# A runtime whose container is not the monitor's child (here: the pid file
# names a process of the test): its end is still noticed, with status -1.
@test "a container that is not the monitor's child: its end is seen through its pidfd" {
	monitor_setup true
	sleep 1.5 &
	local other=$!
	printf '#!/bin/sh\n%s "$@" || exit\n[ "$3" = create ] && echo %s >"%s"\nexit 0\n' \
		/usr/bin/crun "$other" "$TEST_DIR/ctr.pid" >"$TEST_DIR/runtime-wrapper"
	chmod +x "$TEST_DIR/runtime-wrapper"
	PEA_TEST_RUNTIME="$TEST_DIR/runtime-wrapper" monitor_launch -l none
	run -0 monitor_sync_line 1
	assert_equal "$(jq -r .data <<<"$output")" "$other"
	monitor_wait_exit
	assert_equal "$(cat "$MON_EXITS/$MON_CID")" -1
	wait "$other" || true
}

case_rotate_size() {
	monitor_setup sh -c 'i=0; while [ $i -lt 300 ]; do echo "line $i"; i=$((i+1)); done'
	monitor_launch -l "k8s-file:$MON_LOG" --log-size-max 2000 --log-rotate --log-max-files 2
	monitor_start_container
	monitor_wait_exit
	local f
	for f in "$MON_LOG" "$MON_LOG.1" "$MON_LOG.2"; do
		test -s "$f"
		(($(stat -c %s "$f") <= 2000)) || fail "$f over the cap"
	done
	test ! -e "$MON_LOG.3"
	assert_equal "$(tail -1 "$MON_LOG" | cut -d' ' -f2-)" "stdout F line 299"
	# the files follow each other: .2, .1, then the current one
	run -0 bash -c "cat '$MON_LOG.2' '$MON_LOG.1' '$MON_LOG' | cut -d' ' -f5 | sort -n -c"
}

@test "--log-rotate: over --log-size-max, FILE becomes FILE.1 (FILE.1 becomes FILE.2 ...)" {
	for_each_runtime case_rotate_size
}

case_rotate_ctl() {
	monitor_setup sh -c 'echo before; sleep 0.6; echo after'
	monitor_launch -l "k8s-file:$MON_LOG" --log-rotate
	monitor_start_container
	wait_for grep -q before "$MON_LOG"
	echo "2 1 1" >"$MON_BUNDLE/ctl"
	monitor_wait_exit
	assert_equal "$(k8s_log_text "$MON_LOG.1")" "stdout F before"
	assert_equal "$(k8s_log_text "$MON_LOG")" "stdout F after"
}

@test "--log-rotate: ctl '2' rotates instead of truncating" {
	for_each_runtime case_rotate_ctl
}

case_log_mode() {
	monitor_setup sh -c 'echo one; echo two; echo three'
	umask 022
	monitor_launch -l "k8s-file:$MON_LOG" --log-rotate --log-size-max 60 --log-max-files 2
	monitor_start_container
	monitor_wait_exit
	# as conmon: the group may read the log, others not; rotated files too
	assert_equal "$(stat -c %a "$MON_LOG")" 640
	assert_equal "$(stat -c %a "$MON_LOG.1")" 640
}

@test "k8s-file: the log and its rotated files are made 0640, as conmon makes them" {
	for_each_runtime case_log_mode
}

# lines FILE: how many lines FILE has (0 when missing).
lines() {
	if [[ -e "$1" ]]; then wc -l <"$1"; else echo 0; fi
}

# has_lines FILE N: FILE has N lines or more.
has_lines() {
	(($(lines "$1") >= $2))
}

case_timer_commands() {
	local mon_pid t0="$TEST_DIR/timer0" t7="$TEST_DIR/timer7"
	monitor_setup sh -c 'sleep 0.3'
	monitor_launch -l none \
		--timer-command 0:1:/bin/sh --timer-command-argument 0:-c \
		--timer-command-argument "0:echo \$PPID >>$t0" \
		--timer-command "7:1:sh" --timer-command-argument "7:-c" \
		--timer-command-argument "7:echo run >>$t7; exec sleep 100"
	run -0 monitor_sync_line 1
	mon_pid=$(cat "$MON_PIDFILE")
	# they run while the container is only created, on the host, children of the monitor
	wait_for has_lines "$t0" 2
	assert_equal "$(sort -u "$t0")" "$mon_pid"
	# a run still going when the next is due: that one is skipped
	assert_equal "$(lines "$t7")" 1
	timeout -k 5 30 "$PEA_TEST_RUNTIME" --root "$ROOT" start "$MON_CID"
	monitor_wait_exit
	# none outlives the container
	run ! pgrep -f "$t7"
	local n
	n=$(lines "$t0")
	sleep 1.2
	assert_equal "$(lines "$t0")" "$n"
}

@test "--timer-command: run on the host every SECONDS from creation to the end, never twice at once" {
	for_each_runtime case_timer_commands
}

# The attach socket is made while the runtime works: when it cannot be, the
# runtime is stopped and the reason goes to the sync pipe.
case_attach_socket_refused() {
	local pid
	monitor_setup sleep 100
	# a directory where the attach symlink goes: it cannot be replaced
	mkdir -p "$MON_SOCKETS/$MON_CID/x"
	monitor_launch -l none
	run -0 monitor_sync_line 1
	assert_equal "$(jq -r .data <<<"$output")" -1
	assert_equal "$(jq -r .message <<<"$output")" \
		"remove the old attach symlink '$MON_SOCKETS/$MON_CID': Is a directory"
	monitor_wait_gone
	# no runtime of ours is left, nor a container process (its init ends with the runtime)
	run -1 pgrep -af -- "$MON_CID"
	if [[ -s "$TEST_DIR/ctr.pid" ]]; then
		pid="$(cat "$TEST_DIR/ctr.pid")"
		wait_for pid_gone "$pid"
	fi
}

@test "an attach socket that cannot be made: the reason on the sync pipe, the runtime stopped" {
	for_each_runtime case_attach_socket_refused
}
