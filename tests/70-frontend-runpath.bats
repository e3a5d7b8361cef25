#!/usr/bin/env bats
# pea: the execs of a run's path (issue 11's speed), counted with strace: a
# run attached to its output without a terminal has pea-monitor create and
# start the container in one runtime call, its attach socket connected first
# (--start --exec-attach), so that its first output is not lost.
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
	require_cmd strace
	fe_setup
	fe_load_busybox
}

teardown() {
	fe_teardown
}

# traced_run OUT ARGS...: pea ARGS under strace -f (execs only), the trace in OUT;
# a foreground run reaps what it starts (it is a subreaper).
traced_run() {
	local out=$1
	shift
	timeout -k 5 120 strace -f -qq -e trace=execve -o "$out" "$PEA" "${FE_ARGS[@]}" "$@"
}

# runtime_calls TRACE: the runtime's commands in TRACE, one a line.
runtime_calls() {
	grep -E 'execve\("[^"]*pea-runtime",' "$1" |
		grep -oE '"(create|start|run|delete|kill|state)"' | tr -d '"' || true
}

@test "run --rm attached: one runtime call creates and starts it, after the attach; all output comes" {
	run -0 traced_run "$TEST_DIR/rm.trace" run --rm busybox sh -c 'echo first-out; echo first-err >&2; exit 0'
	assert_line first-out
	assert_line first-err
	run -0 runtime_calls "$TEST_DIR/rm.trace"
	refute_line create
	refute_line start
	assert_line run
	# -i: stdin through the socket connected before the start
	run -0 bash -c "echo some-input | timeout -k 5 60 \"$PEA\" ${FE_ARGS[*]} run --rm -i busybox cat"
	assert_output some-input
	run -0 pea_cmd ps -a -q
	assert_output ""
}

@test "run attached: a command not found is 127 with one runtime call, and the container is left exited" {
	run -127 traced_run "$TEST_DIR/nf.trace" run --name nf busybox no-such-command
	assert_output --partial "no-such-command"
	run -0 runtime_calls "$TEST_DIR/nf.trace"
	refute_line start
	run -0 pea_cmd rm nf
}

# spread_flag DIR: "T" when DIR carries ext4's top-of-hierarchies flag, else "-".
spread_flag() {
	lsattr -d "$1" | awk '{ print ($1 ~ /T/) ? "T" : "-" }'
}

@test "create: the folders of per-container folders are tops of hierarchies (chattr +T) where the filesystem has it" {
	require_cmd lsattr
	mkdir -p "$TEST_DIR/probe"
	chattr +T "$TEST_DIR/probe" 2>/dev/null || skip "expected: $(stat -f -c %T "$TEST_DIR") has no chattr +T"
	run -0 pea_cmd create --network none busybox true
	local d
	for d in "$FE_ROOT/containers" "$FE_RUNROOT/containers" "$FE_RUNROOT/runtime"; do
		assert_equal "$d $(spread_flag "$d")" "$d T"
	done
	# the storage's staging folder too (pea-storage, same helper)
	assert_equal "$(spread_flag "$FE_ROOT/storage/staging")" T
	run -0 pea_cmd rm -a
}

# exit_commands TRACE: the execs of pea's `container cleanup` (the monitor's exit command) in TRACE.
exit_commands() {
	grep -E 'execve\(.*"container", "cleanup"' "$1" | wc -l
}

@test "run --rm attached cleans up itself: the monitor runs no exit command; run -d's runs it" {
	run -0 traced_run "$TEST_DIR/fg.trace" run --rm busybox true
	assert_equal "$(exit_commands "$TEST_DIR/fg.trace")" 0
	run -0 pea_cmd ps -a -q
	assert_output ""
	# strace -f follows the detached monitor to its end, exit command and all
	run -0 traced_run "$TEST_DIR/bg.trace" run -d --rm busybox true
	assert_equal "$(exit_commands "$TEST_DIR/bg.trace")" 1
	run -0 pea_cmd ps -a -q
	assert_output ""
}

@test "run --rm's removal: pea-storage's container rm is started before the run folder goes, not after" {
	local trace="$TEST_DIR/order.trace" rm_line dir_line
	# the run folder goes by its rename to a tombstone (.rm-ID), deleted after by a remover
	run -0 timeout -k 5 120 strace -f -qq -e trace=execve,unlinkat,rmdir,rename -o "$trace" \
		"$PEA" "${FE_ARGS[@]}" run --rm --name order busybox true
	rm_line=$(grep -n -m1 -E 'execve\(.*"container", "rm"' "$trace" | cut -d: -f1)
	dir_line=$(grep -n -m1 -E "(unlinkat\(.*|rmdir\(|rename\()\"$FE_RUNROOT/containers/[0-9a-f]{64}\"" \
		"$trace" | cut -d: -f1)
	[[ -n $rm_line && -n $dir_line ]] || fail "$(cat "$trace")"
	((rm_line < dir_line)) || fail "container rm at line $rm_line, the run folder's removal at $dir_line"
	run -0 pea_cmd ps -a -q
	assert_output ""
}

# reaped_delete_line TRACE MAIN: the line of TRACE where pea (pid MAIN) reaps
# the runtime's delete; store_rm_line TRACE: that of pea-storage rm's exec.
reaped_delete_line() {
	local pid
	pid=$(grep -E 'execve\("[^"]*pea-runtime", .*"delete"' "$1" | awk '{print $1}')
	grep -n -E "^$2 +(waitid\(.*si_pid=$pid,|wait4\($pid,)" "$1" | head -1 | cut -d: -f1
}
store_rm_line() {
	grep -n -m1 -E 'execve\(.*"container", "rm"' "$1" | cut -d: -f1
}

@test "run --rm's removal: the delete's order comes from what its start wrote, config.json is not read again" {
	local trace="$TEST_DIR/spec.trace" main reaped store
	# pea's start wrote the spec: its removal knows the container has a PID
	# namespace of its own and no poststop hook, and starts pea-storage's rm
	# before it reaps the runtime's delete (fails before: pea read config.json
	# again, 16 KB of JSON parsed for two fields)
	run -0 timeout -k 5 120 strace -f -qq -e trace=execve,openat,waitid,wait4 -o "$trace" \
		"$PEA" "${FE_ARGS[@]}" run --rm --network none busybox true
	main=$(head -1 "$trace" | awk '{print $1}')
	run -0 awk -v p="$main" '$1 == p && /config\.json"/' "$trace"
	assert_output ""
	reaped=$(reaped_delete_line "$trace" "$main")
	store=$(store_rm_line "$trace")
	[[ -n $reaped && -n $store ]] || fail "$(cat "$trace")"
	((store < reaped)) || fail "container rm at line $store, the delete reaped at $reaped"
	# --pid host: processes of it may outlive its init, the delete (its kill) first
	run -0 timeout -k 5 120 strace -f -qq -e trace=execve,waitid,wait4 -o "$trace" \
		"$PEA" "${FE_ARGS[@]}" run --rm --network none --pid host busybox true
	main=$(head -1 "$trace" | awk '{print $1}')
	reaped=$(reaped_delete_line "$trace" "$main")
	store=$(store_rm_line "$trace")
	[[ -n $reaped && -n $store ]] || fail "$(cat "$trace")"
	((reaped < store)) || fail "container rm at line $store, the delete reaped at $reaped"
	run -0 pea_cmd ps -a -q
	assert_output ""
}

@test "run --rm's end: no lock taken again after the removal to look for a restart (--rm has no policy)" {
	local trace="$TEST_DIR/end.trace" main
	# the removal drops the container's lock file (RUNROOT/locks/ID); the
	# restart check after it made it again, found no record and unlinked it
	# (fails before: 2 unlinks)
	run -0 timeout -k 5 120 strace -f -qq -e trace=execve,unlink,unlinkat -o "$trace" \
		"$PEA" "${FE_ARGS[@]}" run --rm --network none busybox true
	main=$(head -1 "$trace" | awk '{print $1}')
	run -0 awk -v p="$main" '$1 == p && /unlink(at)?\(.*\/locks\/[0-9a-f]+"/' "$trace"
	[[ ${#lines[@]} == 1 ]] || fail "unlinks of the lock by pea ($main): $output"
	run -0 pea_cmd ps -a -q
	assert_output ""
	# (a run with a restart policy restarts as before: 72-frontend-run-restart)
}

@test "run --rm: no persist dir for its monitor (the bundle goes with it): one exit file, EXIT_DIR's" {
	local trace="$TEST_DIR/exit.trace"
	# nothing reads PERSIST_DIR/exit or oom (pea reads RUNROOT/exits/ID): one
	# file made less between the container's exit and the exit file the run
	# waits for (fails before: --persist-dir, exit.tmp in the bundle)
	run -0 timeout -k 5 120 strace -f -qq -e trace=execve,openat -o "$TEST_DIR/exit.trace" \
		"$PEA" "${FE_ARGS[@]}" run --rm --network none busybox true
	run -1 grep -E 'execve\(.*pea-monitor.*--persist-dir' "$trace"
	run -1 grep -E "\"$FE_ROOT/containers/[0-9a-f]{64}/exit|openat\([0-9]+, \"exit\.tmp" "$trace"
	run -0 grep -cE "openat\([0-9]+, \"[0-9a-f]{64}\.tmp\.[A-Za-z0-9]+\", O_WRONLY\|O_CREAT\|O_EXCL" "$trace"
	assert_output 1
	# a container that stays keeps it, as conmon's
	run -0 pea_cmd run --name kept --network none busybox true
	[[ -e $FE_ROOT/containers/$(pea_cmd inspect --format '{{.Id}}' kept)/exit ]]
	run -0 pea_cmd rm kept
}

@test "run --rm attached: the spec is written while the monitor starts; a failed spec starts nothing" {
	local trace="$TEST_DIR/spec.trace" mon spec
	# the monitor's exec, detach and setup need no config.json; its runtime
	# call waits for the attach's go (fails before: the monitor's exec came
	# after the spec's write)
	run -0 timeout -k 5 120 strace -f -qq -e trace=execve,openat -o "$trace" \
		"$PEA" "${FE_ARGS[@]}" run --rm --network none busybox echo spec-ok
	assert_output spec-ok
	mon=$(grep -n -m1 -E 'execve\("[^"]*pea-monitor"' "$trace" | cut -d: -f1)
	spec=$(grep -n -m1 -E 'openat\([0-9]+, "config\.json\.tmp' "$trace" | cut -d: -f1)
	[[ -n $mon && -n $spec ]] || fail "$(cat "$trace")"
	((mon < spec)) || fail "the monitor's exec at line $mon, the spec's write at $spec"
	# a spec that fails there (no such user): its one line, 125, no container
	# process ever ran, nothing left (the monitor's runtime found no spec)
	run -125 --separate-stderr timeout -k 5 120 strace -f -qq -e trace=execve -o "$trace" \
		"$PEA" "${FE_ARGS[@]}" run --rm --network none -u nobodyhere busybox echo never
	assert_equal "$stderr" "Error: unable to find user nobodyhere: no matching entries in passwd file"
	assert_output ""
	run -1 grep -E 'execve\("[^"]*(busybox|echo)"' "$trace"
	run -0 pea_cmd ps -a -q
	assert_output ""
	fe_no_mounts
	# start -a of a container that ran before: its old spec is not run meanwhile
	run -0 pea_cmd create --name again --network none busybox echo again
	run -0 pea_cmd start -a again
	assert_output again
	run -0 pea_cmd start -a again
	assert_output again
	run -0 pea_cmd rm again
}
