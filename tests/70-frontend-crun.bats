#!/usr/bin/env bats
# pea on Debian's crun and conmon in place of pea-runtime and pea-monitor
# (--runtime, --conmon): the core of the container commands, exec, and limits;
# and exec and limits on pea-runtime.
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
	require_cmd crun
	require_cmd conmon
	PEA_FE_RUNTIME=$(command -v crun)
	PEA_FE_CONMON=$(command -v conmon)
	fe_setup
	fe_load_busybox
}

teardown() {
	fe_teardown
}

# devnull_kept_by -STATUS CMD...: CMD, stdio all /dev/null, ends with STATUS
# and leaves the owner of /dev/null as it was (root's; put back if not).
devnull_kept_by() {
	local want=${1#-} rc=0 owner
	shift
	"$@" </dev/null >/dev/null 2>&1 || rc=$?
	owner=$(stat -c %u:%g /dev/null)
	[[ "$owner" == 0:0 ]] || chown 0:0 /dev/null
	assert_equal "$owner $rc" "0:0 $want"
}

@test "crun+conmon: run --rm, exit codes, logs" {
	run -0 pea_cmd run --rm busybox echo hello
	assert_output hello
	run -5 pea_cmd run --rm busybox sh -c 'exit 5'
	run -127 pea_cmd run --rm busybox nosuchcommand
	assert_output --partial ": OCI runtime attempted to invoke a command that was not found"
	run -0 pea_cmd run --name l busybox sh -c 'echo one; echo two'
	run -0 pea_cmd logs l
	assert_output "one
two"
	run -0 pea_cmd inspect --format '{{.OCIRuntime}}' l
	assert_output "$PEA_FE_RUNTIME"
	run -0 pea_cmd rm l
	run -0 pea_cmd ps -aq
	assert_output ""
	fe_no_mounts
}

@test "crun+conmon: run -d, exec, stop, rm -f" {
	run -0 pea_cmd run -d --name web busybox sleep 100
	run -0 pea_cmd exec web echo inside
	assert_output inside
	run -0 pea_cmd exec -e X=1 -w /tmp web sh -c 'echo $X $(pwd)'
	assert_output "1 /tmp"
	run -3 pea_cmd exec web sh -c 'exit 3'
	run -0 pea_cmd exec -u 99 web id -u
	assert_output 99
	# crun (before 1.24) chowns the stdio it gets to the process's user:
	# pea's stdin, and stdout or stderr that are /dev/null, reach it as pipes
	devnull_kept_by -0 pea_cmd exec -u 99 web true
	devnull_kept_by -4 "$PEA" "${FE_ARGS[@]}" exec -u 99 web sh -c 'echo out; echo err >&2; exit 4'
	devnull_kept_by -0 "$PEA" "${FE_ARGS[@]}" exec -i -u 99 web sh -c 'test "$(cat)" = ""'
	# more than a pipe holds, dropped, while stdout still comes through
	run -0 bash -c '"$@" 2>/dev/null' _ "$PEA" "${FE_ARGS[@]}" exec -u 99 web \
		sh -c 'seq 100000 >&2; echo visible'
	assert_output visible
	assert_equal "$(stat -c %u:%g /dev/null)" 0:0
	run -0 pea_cmd stop -t 0 web
	run -125 pea_cmd exec web true
	assert_output --partial "can only create exec sessions on running containers"
	run -0 pea_cmd start web
	fe_wait_state web running
	run -0 pea_cmd rm -f web
	fe_no_mounts
}

@test "crun+conmon: -m and --pids-limit reach the container's cgroup" {
	run -0 pea_cmd run -d --name lim -m 64m --pids-limit 50 busybox sleep 100
	id=$(pea_out inspect --format '{{.Id}}' lim)
	run -0 pea_cmd inspect --format '{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}}' lim
	assert_output "67108864 50"
	mem=$(find /sys/fs/cgroup -path "*pea-$id*" -name memory.limit_in_bytes -o -path "*pea-$id*" -name memory.max | head -1)
	[ -n "$mem" ]
	assert_equal "$(cat "$mem")" 67108864
	pids=$(find /sys/fs/cgroup -path "*pea-$id*" -name pids.max | head -1)
	[ -n "$pids" ]
	assert_equal "$(cat "$pids")" 50
	run -0 pea_cmd rm -f lim
}

@test "pea-runtime and pea-monitor: exec, -m and --pids-limit too" {
	run -0 pea_cmd --runtime "$PEA_RUNTIME" --conmon "$PEA_MONITOR" run -d --name pr \
		-m 64m --pids-limit 50 busybox sleep 100
	run -0 pea_cmd exec -e X=1 -w /tmp pr sh -c 'echo $X $(pwd)'
	assert_output "1 /tmp"
	run -3 pea_cmd exec pr sh -c 'exit 3'
	id=$(pea_out inspect --format '{{.Id}}' pr)
	run -0 pea_cmd inspect --format '{{.OCIRuntime}}' pr
	assert_output "$PEA_RUNTIME"
	mem=$(find /sys/fs/cgroup -path "*pea-$id*" -name memory.limit_in_bytes -o -path "*pea-$id*" -name memory.max | head -1)
	[ -n "$mem" ]
	assert_equal "$(cat "$mem")" 67108864
	run -0 pea_cmd rm -f pr
	fe_no_mounts
}

@test "exec: 127 for a command not found, 126 for one that cannot be run (crun and pea-runtime)" {
	local rt i
	for rt in "$PEA_FE_RUNTIME" "$PEA_RUNTIME"; do
		run -0 pea_cmd --runtime "$rt" run -d --name x busybox sh -c 'echo hi >/noexec; exec sleep 100'
		for ((i = 0; i < 100; i++)); do
			pea_cmd exec x test -e /noexec 2>/dev/null && break
			sleep 0.05
		done
		run -127 pea_cmd exec x nosuchcommand
		assert_line --regexp '^Error: .*nosuchcommand.*: OCI runtime attempted to invoke a command that was not found$'
		run -127 pea_cmd exec x /no/such/file
		assert_line --regexp '^Error: .*/no/such/file.*not found$'
		run -126 pea_cmd exec x /noexec
		assert_line --regexp '^Error: .*Permission denied: OCI permission denied$'
		run -126 pea_cmd exec x /etc
		assert_line --regexp '^Error: .*: OCI permission denied$'
		# the process's own statuses, even these, pass through without an error
		run -127 pea_cmd exec x sh -c 'exit 127'
		assert_output ''
		run -126 pea_cmd exec x sh -c 'echo out; exit 126'
		assert_output out
		run -255 pea_cmd exec x sh -c 'exit 255'
		assert_output ''
		run -0 pea_cmd rm -f x
	done
}
