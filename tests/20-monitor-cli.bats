#!/usr/bin/env bats
# pea-monitor's command line: conmon's flags in their long and short forms,
# and a clear one-line error, a non-zero status and nothing left behind for
# every bad input.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-monitor

setup() {
	require_cmd "$PEA_MONITOR"
	mkdir -p "$TEST_DIR/b" "$TEST_DIR/exits" "$TEST_DIR/socks"
	BASE=(-c ctr1234567890abcdef -u ctr1234567890abcdef -r /usr/bin/crun -b "$TEST_DIR/b"
		--exit-dir "$TEST_DIR/exits" --socket-dir-path "$TEST_DIR/socks"
		-P "$TEST_DIR/monitor.pid")
}

# The messages keep conmon's words where conmon's own tests look for them.

# refused ARGS...: pea-monitor refuses ARGS with one line on stderr and
# leaves no pid file, symlink, socket or log behind. The line is in $stderr.
refused() {
	run --separate-stderr "$PEA_MONITOR" "$@"
	((status != 0)) || fail "accepted: $*"
	assert_equal "$output" ""
	assert_equal "$(wc -l <<<"$stderr")" 1
	[[ $stderr == pea-monitor:* ]] || fail "not prefixed: $stderr"
	test ! -e "$TEST_DIR/monitor.pid"
	assert_equal "$(find "$TEST_DIR/socks" "$TEST_DIR/exits" -mindepth 1 | wc -l)" 0
	assert_equal "$(ls -A "$TEST_DIR/b")" ""
}

@test "--version: the conmon interface line first, then pea's version" {
	run -0 "$PEA_MONITOR" --version
	assert_line --index 0 --regexp '^conmon version [0-9]+\.[0-9]+\.[0-9]+$'
	assert_line --partial "pea-monitor version"
}

@test "--help and -h list conmon's flags" {
	run -0 "$PEA_MONITOR" --help
	assert_output --partial Usage
	for flag in --api-version -b, -c, -P, -p, -u, -e, --exec-attach --exec-process-spec \
		--exit-command --exit-command-arg --exit-delay --exit-dir --leave-stdin-open \
		--log-level -l, --log-size-max --log-global-size-max --log-tag -n, --no-new-keyring \
		--no-pivot --no-sync-log -0, --replace-listen-pid --restore -r, --runtime-arg \
		--runtime-opt --sdnotify-socket --socket-dir-path -i, --sync --syslog -s, -t, -T, \
		--full-attach --seccomp-notify-socket --seccomp-notify-plugins; do
		assert_output --partial -- "$flag"
	done
	run -0 "$PEA_MONITOR" -h
	assert_output --partial Usage
}

@test "unknown long option: one line naming it, exit 2" {
	refused "${BASE[@]}" -l none --no-such-flag
	assert_equal "$status" 2
	assert_equal "$stderr" "pea-monitor: unknown option '--no-such-flag' (see --help)"
}

@test "unknown short option (also inside a group)" {
	refused "${BASE[@]}" -l none -tZ
	assert_equal "$status" 2
	[[ $stderr == *"'-Z'"* ]] || fail "$stderr"
}

@test "a missing value, a bad integer, a value for a flag" {
	refused -c
	[[ $stderr == *"missing argument for '-c'"* ]] || fail "$stderr"
	refused "${BASE[@]}" --log-path
	[[ $stderr == *"'--log-path'"* ]] || fail "$stderr"
	refused "${BASE[@]}" -l none --timeout soon
	[[ $stderr == *"cannot parse integer value 'soon' for --timeout"* ]] || fail "$stderr"
	refused "${BASE[@]}" -l none --log-size-max 12x
	[[ $stderr == *"'12x'"* ]] || fail "$stderr"
	refused "${BASE[@]}" -l none -T 99999999999
	[[ $stderr == *"out of range"* ]] || fail "$stderr"
	refused "${BASE[@]}" -l none --terminal=yes
	[[ $stderr == *"'--terminal' does not take a value"* ]] || fail "$stderr"
}

@test "required flags: --cid, --cuuid, --runtime, --log-path" {
	refused -u x -r /usr/bin/crun -l none
	assert_equal "$stderr" "pea-monitor: Container ID not provided. Use --cid"
	refused -c x -r /usr/bin/crun -l none
	assert_equal "$stderr" "pea-monitor: Container UUID not provided. Use --cuuid"
	refused -c x -u x -l none
	assert_equal "$stderr" "pea-monitor: Runtime path not provided. Use --runtime"
	refused "${BASE[@]}"
	assert_equal "$stderr" "pea-monitor: Log driver not provided. Use --log-path"
}

@test "a runtime that is not executable" {
	refused -c x -u x -r "$TEST_DIR/no-such-runtime" -l none
	assert_equal "$stderr" "pea-monitor: Runtime path $TEST_DIR/no-such-runtime is not valid: No such file or directory"
}

@test "mode conflicts: exec without a spec, --exec-attach alone, exec with restore, --start with either" {
	refused "${BASE[@]}" -l none -e --api-version
	[[ $stderr == *"--exec-process-spec"* ]] || fail "$stderr"
	refused "${BASE[@]}" -l none --exec-attach --api-version
	assert_equal "$stderr" "pea-monitor: Attach can only be specified with exec"
	refused "${BASE[@]}" -l none -e --exec-process-spec x --restore y
	assert_equal "$stderr" "pea-monitor: Cannot use 'exec' and 'restore' at the same time"
	refused "${BASE[@]}" -l none -e --exec-process-spec x --exec-attach
	assert_equal "$stderr" \
		"pea-monitor: Attach can only be specified for a non-legacy exec session"
	refused "${BASE[@]}" -l none -e --exec-process-spec x --exec-attach --api-version --sync
	assert_equal "$stderr" "pea-monitor: --attach specified but _OCI_ATTACHPIPE was not"
	refused "${BASE[@]}" -l none -e --exec-process-spec x --start
	assert_equal "$stderr" "pea-monitor: --start cannot be combined with exec or restore"
	refused "${BASE[@]}" -l none --restore y --start
	assert_equal "$stderr" "pea-monitor: --start cannot be combined with exec or restore"
}

@test "bad log drivers: unknown, k8s-file without a path, --log-tag with k8s-file" {
	refused "${BASE[@]}" -l "syslog:/x"
	assert_equal "$stderr" "pea-monitor: No such log driver syslog"
	refused "${BASE[@]}" -l "invalid:"
	assert_equal "$stderr" "pea-monitor: No such log driver invalid"
	refused "${BASE[@]}" -l "k8s-file:"
	assert_equal "$stderr" "pea-monitor: k8s-file requires a filename"
	refused "${BASE[@]}" -l "k8s-file"
	assert_equal "$stderr" "pea-monitor: k8s-file requires a filename"
	refused "${BASE[@]}" -l ""
	assert_equal "$stderr" "pea-monitor: log-path must not be empty"
	refused "${BASE[@]}" -l ":"
	assert_equal "$stderr" "pea-monitor: log-path must not be empty"
	refused "${BASE[@]}" -l "k8s-file:$TEST_DIR/log" --log-tag t
	assert_equal "$stderr" "pea-monitor: k8s-file doesn't support --log-tag"
	test ! -e "$TEST_DIR/log"
}

@test "a log file that cannot be opened is the caller's error, before detaching" {
	refused "${BASE[@]}" -l "k8s-file:$TEST_DIR/no/such/dir/log"
	assert_equal "$stderr" \
		"pea-monitor: Failed to open log file '$TEST_DIR/no/such/dir/log': No such file or directory"
}

@test "journald needs a container id longer than 12 characters" {
	refused -c abcdefghijkl -u short -r /usr/bin/crun -b "$TEST_DIR/b" -l journald:
	assert_equal "$stderr" \
		"pea-monitor: Container ID must be longer than 12 characters, got 'abcdefghijkl'"
}

@test "a bad --log-level, a negative --exit-delay, seccomp notify" {
	refused "${BASE[@]}" -l none --log-level loud
	assert_equal "$stderr" "pea-monitor: unknown --log-level 'loud'"
	refused "${BASE[@]}" -l none --exit-delay -1
	[[ $stderr == *"Delay before invoking exit command must be greater than or equal to 0"* ]] ||
		fail "$stderr"
	refused "${BASE[@]}" -l none --seccomp-notify-socket /x
	[[ $stderr == *"not supported"* ]] || fail "$stderr"
}

@test "--cleaner-fd: a number below 3 or not a number" {
	refused "${BASE[@]}" -l none --cleaner-fd 1
	assert_equal "$stderr" "pea-monitor: --cleaner-fd must be 3 or more, got 1"
	refused "${BASE[@]}" -l none --cleaner-fd=x
	[[ $stderr == *"--cleaner-fd"* ]] || fail "$stderr"
}

@test "passthrough refuses a terminal on its stdio" {
	require_cmd script
	run script -qec "$PEA_MONITOR ${BASE[*]} -l passthrough" /dev/null
	((status != 0))
	assert_output --partial "cannot use a tty with passthrough logging mode"
	test ! -e "$TEST_DIR/monitor.pid"
}

@test "a bad _OCI_SYNCPIPE" {
	_OCI_SYNCPIPE=three refused "${BASE[@]}" -l none
	[[ $stderr == *"cannot parse _OCI_SYNCPIPE='three'"* ]] || fail "$stderr"
	_OCI_SYNCPIPE=77 refused "${BASE[@]}" -l none
	[[ $stderr == *"_OCI_SYNCPIPE=77"* ]] || fail "$stderr"
}

@test "long, =value, grouped and attached short forms parse alike (conmon's GOption forms)" {
	# all refused for the same last reason, so every earlier flag parsed
	refused --cid=x --cuuid x -r/usr/bin/crun -ti -l none --log-level=debug --exit-delay=0 \
		--runtime-arg --log-format=json --runtime-arg=--debug --api-version 1 \
		-e --exec-attach
	[[ $stderr == *"--exec-process-spec"* ]] || fail "$stderr"
}

@test "directories it will write into are checked before detaching" {
	refused "${BASE[@]}" -l none --exit-dir "$TEST_DIR/no-exits"
	assert_equal "$stderr" "pea-monitor: --exit-dir '$TEST_DIR/no-exits': No such file or directory"
	refused "${BASE[@]}" -l none --persist-dir "$TEST_DIR/b/../monitor.pid-not-a-dir"
	[[ $stderr == *"--persist-dir"* ]] || fail "$stderr"
	refused "${BASE[@]}" -l none -b "$TEST_DIR/no-bundle"
	[[ $stderr == *"--bundle '$TEST_DIR/no-bundle'"* ]] || fail "$stderr"
	refused "${BASE[@]}" -l none --socket-dir-path "$TEST_DIR/no-socks"
	[[ $stderr == *"--socket-dir-path"* ]] || fail "$stderr"
	touch "$TEST_DIR/file"
	refused "${BASE[@]}" -l none --exit-dir "$TEST_DIR/file"
	[[ $stderr == *"is not a directory"* ]] || fail "$stderr"
}

@test "accepted as conmon accepts them: a bare path, ':journald', 'journald:', 'none:' (the first process exits 0)" {
	cd "$TEST_DIR"
	run -0 "$PEA_MONITOR" -c ctr1234567890abcdef -u ctr1234567890abcdef -r /tmp -l "$TEST_DIR/plain.log"
	test -f "$TEST_DIR/plain.log"
	run -0 "$PEA_MONITOR" -c ctr1234567890abcdef -u ctr1234567890abcdef -r /tmp -l ":journald"
	test -f "$TEST_DIR/journald"
	run -0 "$PEA_MONITOR" -c ctr1234567890abcdef -u ctr1234567890abcdef -r /tmp -l "journald:"
	run -0 "$PEA_MONITOR" -c ctr1234567890abcdef -u ctr1234567890abcdef -r /tmp -l "none:"
	test ! -e "$TEST_DIR/none"
}

@test "--log-rotate and --log-max-files bounds" {
	refused "${BASE[@]}" -l "k8s-file:$TEST_DIR/x.log" --log-rotate --log-max-files -1
	assert_equal "$stderr" "pea-monitor: log-max-files must be non-negative"
	refused "${BASE[@]}" -l "k8s-file:$TEST_DIR/x.log" --log-rotate --log-max-files 2147483648
	assert_equal "$stderr" "pea-monitor: log-max-files out of range"
	refused "${BASE[@]}" -l "k8s-file:$TEST_DIR/x.log" --log-rotate --log-max-files 0
	assert_equal "$stderr" "pea-monitor: log-max-files must be at least 1 when log-rotate is enabled"
	test ! -e "$TEST_DIR/x.log"
}

@test "--log-label: NAME=VALUE with a journal field name, journald only" {
	refused "${BASE[@]}" -l journald: --log-label NOEQUALS
	[[ $stderr == *"Container labels must be in format LABEL=VALUE"* ]] || fail "$stderr"
	refused "${BASE[@]}" -l journald: --log-label A=B=C
	[[ $stderr == *"Container labels must be in format LABEL=VALUE"* ]] || fail "$stderr"
	refused "${BASE[@]}" -l journald: --log-label =x
	[[ $stderr == *"Container labels must be in format LABEL=VALUE"* ]] || fail "$stderr"
	refused "${BASE[@]}" -l journald: --log-label "MY%LABEL=x"
	[[ $stderr == *"Container label names must contain only uppercase letters, numbers and underscore"* ]] ||
		fail "$stderr"
	refused "${BASE[@]}" -l "k8s-file:$TEST_DIR/x.log" --log-label A=b
	assert_equal "$stderr" "pea-monitor: k8s-file doesn't support --log-label"
}

@test "--log-allowlist-dir: the log must be inside one of them" {
	mkdir -p "$TEST_DIR/allowed" "$TEST_DIR/other"
	refused "${BASE[@]}" -l "k8s-file:$TEST_DIR/other/x.log" --log-allowlist-dir "$TEST_DIR/allowed"
	[[ $stderr == *"'$TEST_DIR/other/x.log' is not in a directory of --log-allowlist-dir"* ]] ||
		fail "$stderr"
	test ! -e "$TEST_DIR/other/x.log"
	cd "$TEST_DIR"
	run -0 "$PEA_MONITOR" -c ctr1234567890abcdef -u ctr1234567890abcdef -r /tmp \
		-l "k8s-file:$TEST_DIR/allowed/x.log" --log-allowlist-dir "$TEST_DIR/other" \
		--log-allowlist-dir "$TEST_DIR/allowed/"
	test -f "$TEST_DIR/allowed/x.log"
}

@test "--timer-command and --timer-command-argument: bad values refused in conmon's words" {
	local -a t=(-l "k8s-file:$TEST_DIR/x.log")
	run -0 "$PEA_MONITOR" --help
	assert_output --partial "--timer-command"
	assert_output --partial "Execute COMMAND every SECONDS"
	assert_output --partial "--timer-command-argument"
	refused "${BASE[@]}" "${t[@]}" --timer-command invalid
	assert_equal "$stderr" "pea-monitor: Invalid timer-command format 'invalid'. Expected ID:SECONDS:COMMAND"
	refused "${BASE[@]}" "${t[@]}" --timer-command 0:5
	assert_equal "$stderr" "pea-monitor: Invalid timer-command format '0:5'. Expected ID:SECONDS:COMMAND"
	refused "${BASE[@]}" "${t[@]}" --timer-command "abc:5:echo test"
	assert_equal "$stderr" "pea-monitor: Invalid timer-command ID 'abc'"
	refused "${BASE[@]}" "${t[@]}" --timer-command "-1:5:echo test"
	assert_equal "$stderr" "pea-monitor: Invalid timer-command ID '-1'"
	refused "${BASE[@]}" "${t[@]}" --timer-command "0:abc:echo test"
	assert_equal "$stderr" "pea-monitor: Invalid timer-command interval 'abc'"
	refused "${BASE[@]}" "${t[@]}" --timer-command "0:0:echo test"
	assert_equal "$stderr" "pea-monitor: Invalid timer-command interval '0'"
	refused "${BASE[@]}" "${t[@]}" --timer-command "0:99999999999:echo test"
	assert_equal "$stderr" "pea-monitor: Invalid timer-command interval '99999999999'"
	refused "${BASE[@]}" "${t[@]}" --timer-command "0:5:"
	assert_equal "$stderr" "pea-monitor: Empty timer-command command"
	refused "${BASE[@]}" "${t[@]}" --timer-command "0:5:echo a" --timer-command "0:6:echo b"
	assert_equal "$stderr" "pea-monitor: Duplicate timer-command ID 0"
	refused "${BASE[@]}" "${t[@]}" --timer-command-argument 0:arg1
	assert_equal "$stderr" "pea-monitor: Timer-command ID 0 not found for argument 'arg1'"
	refused "${BASE[@]}" "${t[@]}" --timer-command 0:5:echo --timer-command-argument invalid
	assert_equal "$stderr" "pea-monitor: Invalid timer-command-argument format 'invalid'. Expected ID:ARGUMENT"
	refused "${BASE[@]}" "${t[@]}" --timer-command 0:5:echo --timer-command-argument 1:x
	assert_equal "$stderr" "pea-monitor: Timer-command ID 1 not found for argument 'x'"
	refused "${BASE[@]}" "${t[@]}" -e --exec-process-spec "$TEST_DIR/p.json" --timer-command 0:5:echo
	assert_equal "$stderr" "pea-monitor: --timer-command cannot be used with --exec"
	test ! -e "$TEST_DIR/x.log"
}

@test "--no-container-partial-message without journald: a warning, no failure" {
	cd "$TEST_DIR"
	run -0 "$PEA_MONITOR" -c ctr1234567890abcdef -u ctr1234567890abcdef -r /tmp \
		-l "$TEST_DIR/x.log" --no-container-partial-message
	assert_output --partial "no effect without journald log driver"
}

@test "LISTEN_PID that is not a positive number: conmon's words" {
	local v
	for v in abc 0 -5 12x; do
		LISTEN_PID=$v refused "${BASE[@]}" -l none --replace-listen-pid
		assert_equal "$stderr" "pea-monitor: Invalid LISTEN_PID $v"
	done
}
