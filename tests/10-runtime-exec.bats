#!/usr/bin/env bats
# pea-runtime exec: a process in every namespace and cgroup of a running
# container, with config.json's process changed by the options or replaced
# by --process; its exit status; --detach with --pid-file; --tty through a
# console socket; only the fds passed.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-runtime

setup_file() {
	ensure_fixtures
}

setup() {
	require_root
	rt_setup
	CG="pea-test-$$-$BATS_TEST_NUMBER"
	make_bundle "$RT_B" sleep 100000
	bundle_set "$RT_B" '.linux.cgroupsPath = $cg | .process.env += ["FROM_CONFIG=1"]' --arg cg "$CG"
	run -0 rt_reaped run -d -b "$RT_B" x1
}

teardown() {
	local rc=0
	rt_teardown || rc=1
	rt_cgroups_gone "$CG" 2>/dev/null || true
	return "$rc"
}

@test "exec joins every namespace and the cgroups of the container" {
	local pid ns
	pid="$(rt_state x1 pid)"
	run -0 rt exec x1 sh -c 'echo $$; hostname; cat /proc/self/cgroup; for n in net mnt ipc uts; do readlink /proc/self/ns/$n; done'
	# a pid of the container's pid namespace (1 is its init)
	[[ "${lines[0]}" -gt 1 && "${lines[0]}" -lt 100 ]]
	assert_line --index 1 pea
	assert_line "8:pids:/$CG"
	for ns in net mnt ipc uts; do
		assert_line "$(readlink /proc/"$pid"/ns/$ns)"
	done
	run -0 rt exec x1 ls /proc
	assert_line 1
}

@test "exec: exit status, environment, cwd, user, capabilities" {
	run -3 rt exec x1 sh -c 'exit 3'
	run -0 rt exec --env A=b --cwd /tmp x1 sh -c 'echo $A $FROM_CONFIG; pwd; id -u; id -g'
	assert_output $'b 1\n/tmp\n0\n0'
	run -0 rt exec --user 1000:1001 x1 sh -c 'id -u; id -g'
	assert_output $'1000\n1001'
	run -0 rt exec x1 grep CapEff /proc/self/status
	local base="$output"
	run -0 rt exec --cap CAP_SYS_ADMIN x1 grep CapEff /proc/self/status
	[[ "$output" != "$base" ]]
	# as runc: --cap is bounding, effective and permitted, not inheritable
	run -0 rt exec --cap CAP_KILL --cap CAP_AUDIT_WRITE x1 grep -E 'Cap(Inh|Bnd)' /proc/self/status
	assert_line --regexp 'CapInh:[[:space:]]+0+$'
	assert_line --regexp 'CapBnd:[[:space:]]+[0-9a-f]*[2367abef][0-9a-f]{7}$'
	# an unknown name is a warning, as in config.json (and with runc and crun)
	run -0 rt exec --cap CAP_NOPE x1 grep CapEff /proc/self/status
	assert_line --partial "unknown capability 'CAP_NOPE', ignoring"
	assert_line "$base"
	run -0 rt exec --no-new-privs x1 grep NoNewPrivs /proc/self/status
	assert_output --regexp 'NoNewPrivs:[[:space:]]+1'
	run -137 rt exec x1 sh -c 'kill -9 $$'
}

@test "exec --process FILE" {
	jq -n '{args: ["sh", "-c", "echo $P; pwd; id -u"], env: ["P=proc"], cwd: "/etc", user: {uid: 7, gid: 7}}' >"$TEST_DIR/p.json"
	run -0 rt exec --process "$TEST_DIR/p.json" x1
	assert_output $'proc\n/etc\n7'
	echo '{"args": []}' >"$TEST_DIR/bad.json"
	local failed=1
	rt_is_pea && failed=255
	run "-$failed" rt exec -p "$TEST_DIR/bad.json" x1
	assert_output --partial "--process '$TEST_DIR/bad.json'"
	run "-$failed" rt exec -p "$TEST_DIR/missing.json" x1
	assert_output --partial "missing.json"
}

@test "exec --detach --pid-file" {
	# the process keeps stdio: not bats' output pipe
	rt exec --detach --pid-file "$TEST_DIR/pid" x1 sleep 100000 </dev/null >/dev/null 2>&1
	local pid
	pid="$(cat "$TEST_DIR/pid")"
	[[ -d /proc/$pid ]]
	run -0 cat /proc/"$pid"/status
	assert_output --partial sleep
	run -0 rt ps --format json x1
	run -0 jq -e --argjson p "$pid" 'index($p) != null' <<<"$output"
	kill -9 "$pid"
}

@test "exec --tty sends the pty to the console socket" {
	console_receiver "$TEST_DIR/console.sock" "$TEST_DIR/console.out"
	run -0 rt exec --tty --detach --console-socket "$TEST_DIR/console.sock" x1 sh -c 'tty; echo hello-tty'
	wait "$CONSOLE_PID" || true
	run -0 cat "$TEST_DIR/console.out"
	assert_output --partial /dev/pts/
	assert_output --partial hello-tty
}

@test "exec: only stdio and --preserve-fds reach the process" {
	run -0 rt exec x1 ls /proc/self/fd
	assert_output $'0\n1\n2\n3'
	run -0 rt exec --preserve-fds 1 x1 sh -c 'cat <&3' 3<<<"passed"
	assert_output passed
}

@test "exec errors: stopped or missing container, bad options" {
	run -2 rt exec x1
	assert_output --partial 'expects a command'
	run -2 rt exec --cwd rel x1 true
	assert_output --partial "--cwd 'rel' is not absolute"
	run -2 rt exec --env NOEQ x1 true
	run -2 rt exec --user abc x1 true
	assert_output --partial "--user: 'abc' is not a number"
	# runc's status for an exec that failed (not the process's): 255; crun's: 1
	local failed=1
	rt_is_pea && failed=255
	run "-$failed" rt exec nope true
	assert_output --partial "container 'nope' does not exist"
	run "-$failed" rt exec x1 /no/such/program
	assert_output --partial "/no/such/program"
	run "-$failed" rt exec --pid-file "$TEST_DIR/no/such/dir/pid" x1 true
	run -0 rt kill x1 KILL
	rt_wait_status x1 stopped
	run "-$failed" rt exec x1 true
	assert_output --partial "container 'x1' is stopped, not running"
}

@test "exec: config.json's terminal is the init's; the process gets one only with --tty" {
	console_receiver "$TEST_DIR/console.sock" "$TEST_DIR/console.out"
	make_bundle "$TEST_DIR/bt" sleep 100000
	bundle_set "$TEST_DIR/bt" '.process.terminal = true'
	run -0 rt_reaped run -d --console-socket "$TEST_DIR/console.sock" -b "$TEST_DIR/bt" xt
	run -0 rt exec xt sh -c '[ -t 0 ] || [ -t 1 ] && echo tty || echo no-tty'
	assert_output no-tty
	# nor does a detached one need a console socket
	run -0 rt exec -d xt true </dev/null
	run -0 rt delete -f xt
	wait "$CONSOLE_PID" || true
}

@test "exec --cgroup: a cgroup below the container's, for every hierarchy or the ones named" {
	rt_is_pea || skip_expected "runc's --cgroup, its messages and exit status"
	local d sub
	for d in /sys/fs/cgroup/*/"$CG"; do
		for sub in sub other; do
			mkdir "$d/$sub"
			# a new v1 cpuset cgroup has no cpus nor mems: nothing could join it
			if [[ -e "$d/$sub/cpuset.cpus" ]]; then
				cat "$d/cpuset.cpus" >"$d/$sub/cpuset.cpus"
				cat "$d/cpuset.mems" >"$d/$sub/cpuset.mems"
			fi
		done
	done
	run -0 rt exec --cgroup sub x1 cat /proc/self/cgroup
	assert_line "4:memory:/$CG/sub"
	assert_line "8:pids:/$CG/sub"
	run -0 rt exec --cgroup memory:other --cgroup pids:sub/../other/. x1 cat /proc/self/cgroup
	assert_line "4:memory:/$CG/other"
	assert_line "8:pids:/$CG/other"
	assert_line "6:freezer:/$CG"
	run -0 rt exec --cgroup / x1 cat /proc/self/cgroup
	assert_line "4:memory:/$CG"
	run -255 rt exec --cgroup .. x1 true
	assert_output --partial ".. is not a sub cgroup path"
	run -255 rt exec --cgroup sub/../../x x1 true
	assert_output --partial "is not a sub cgroup path"
	run -255 rt exec --cgroup nonexistent x1 true
	assert_output --regexp "adding pid .*/$CG/nonexistent/cgroup.procs: no such file or directory"
	run -255 rt exec --cgroup whaaat:/ x1 true
	assert_output --partial "unknown controller whaaat"
	run -2 rt exec --cgroup memory:a:b x1 true
	assert_output --partial "invalid --cgroup argument: memory:a:b"
	run -2 rt exec --cgroup sub --cgroup other x1 true
	assert_output --partial "(missing <controller>: prefix)"
	# delete removes the cgroups made below the container's, with what runs there
	rt exec -d --cgroup sub x1 sleep 100000 </dev/null >/dev/null 2>&1
	run -0 rt delete -f x1
	rt_cgroups_gone "$CG"
}
