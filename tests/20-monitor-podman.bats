#!/usr/bin/env bats
# pea-test: lock=podman (podman's SHM locks /dev/shm/libpod_lock and /run/libpod are the machine's, whatever --root)
# Debian's podman with `--conmon pea-monitor`: run -d, logs, attach,
# exec -it (under script), stop, wait, rm behave as with conmon. Podman runs
# on its own storage in the test's directory (vfs), crun, cgroupfs, no network.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-monitor

setup_file() {
	ensure_fixtures
	prepare_cgroups_for_crun
	if command -v podman >/dev/null && [[ $(id -u) -eq 0 ]]; then
		podman_cmd load -i "$BUSYBOX_ARCHIVE" >/dev/null
	fi
}

setup() {
	require_root
	require_cmd podman
	require_cmd "$MONITOR"
	require_cmd script
}

teardown() {
	podman_cmd rm -a -f -t 0 >/dev/null 2>&1 || true
}

# podman_cmd ARGS...: podman on this file's storage, driving $MONITOR.
podman_cmd() {
	local d="$BATS_FILE_TMPDIR/podman"
	timeout -k 5 60 podman --root "$d/root" --runroot "$d/runroot" --tmpdir "$d/tmp" \
		--conmon "$MONITOR" --runtime /usr/bin/crun --cgroup-manager cgroupfs \
		--events-backend file --storage-driver vfs "$@"
}

# podman_line: podman_cmd's command line, quoted for a shell (`script -c`).
# timeout --foreground: podman -t sets the terminal up, which a process
# group of timeout's own (in the background of script's terminal) cannot do:
# SIGTTOU stopped it for good when script's shell was dash (CI, SHELL unset).
podman_line() {
	local d="$BATS_FILE_TMPDIR/podman"
	printf 'timeout --foreground -k 5 30 podman --root %q --runroot %q --tmpdir %q --conmon %q' \
		"$d/root" "$d/runroot" "$d/tmp" "$MONITOR"
	printf ' --runtime /usr/bin/crun --cgroup-manager cgroupfs --events-backend file'
	printf ' --storage-driver vfs'
}

# under_script SHELL-COMMAND: run it on a terminal (script), bounded. Its
# stdin is /dev/null: with stdin closed (CI), the pipe `run` captures through
# lands on fd 0, and script reads its own output back from it, blocking in
# read(2) forever, deaf to SIGTERM (the CI hang of test 3). script runs the
# command with $SHELL, unset in CI: name bash, whatever the caller has.
under_script() {
	SHELL=/bin/bash timeout -k 5 60 script -qec "$1" /dev/null </dev/null
}

pid_ended() {
	! kill -0 "$1" 2>/dev/null || [[ $(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) == Z ]]
}

# The host's hard limits are below podman's defaults: stay inside them.
RUN_OPTS=(--network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024)

@test "podman run -d, logs, stop, wait, rm" {
	run -0 podman_cmd run -d "${RUN_OPTS[@]}" --name web localhost/busybox:latest \
		sh -c 'echo hello; echo oops >&2; trap "exit 0" TERM; while :; do sleep 0.1; done'
	sleep 0.5
	run -0 --separate-stderr podman_cmd logs web
	assert_output hello
	assert_equal "$stderr" oops
	run -0 podman_cmd inspect --format '{{.State.Status}} {{.State.ConmonPid}}' web
	[[ $output == running\ * ]] || fail "$output"
	local mon_pid=${output#running }
	local name
	name=$(basename "$MONITOR")
	assert_equal "$(cat "/proc/$mon_pid/comm")" "${name:0:15}"
	run -0 podman_cmd stop -t 5 web
	run -0 podman_cmd wait web
	assert_output 0
	run -0 podman_cmd rm web
	# gone (or a zombie: PID 1 here does not reap orphans)
	wait_for pid_ended "$mon_pid"
}

@test "podman attach: stdin in, stdout out" {
	run -0 podman_cmd run -d -i "${RUN_OPTS[@]}" --name att localhost/busybox:latest \
		sh -c 'read l; echo got:$l; exit 6'
	sleep 0.3
	run -0 bash -c "echo hi | $(podman_line) attach att; true"
	assert_output --partial got:hi
	run -0 podman_cmd wait att
	assert_output 6
}

@test "podman exec -it (under script): a terminal, the exit code" {
	run -0 podman_cmd run -d "${RUN_OPTS[@]}" --name ex localhost/busybox:latest sleep 100
	# podman sizes the exec's terminal before it starts (conmon gives 33 77 too)
	run under_script "stty rows 33 cols 77; $(podman_line) exec -it ex \
		sh -c 'tty; sleep 0.5; stty size; exit 4'"
	assert_equal "$status" 4
	assert_output --partial /dev/pts/
	assert_output --partial "33 77"
	run -0 podman_cmd exec ex sh -c 'echo plain; exit 0'
	assert_output plain
}

@test "podman run (foreground) returns the container's status and output" {
	run -0 --separate-stderr podman_cmd run --rm "${RUN_OPTS[@]}" localhost/busybox:latest \
		sh -c 'echo fg'
	assert_output fg
	run podman_cmd run --rm "${RUN_OPTS[@]}" localhost/busybox:latest sh -c 'exit 9'
	assert_equal "$status" 9
}

@test "podman sees the runtime's error through the monitor" {
	run podman_cmd run --rm --network none localhost/busybox:latest true
	((status != 0))
	# the default nofile limit is above the host's: crun's own words come back
	assert_output --partial "setrlimit"
}

@test "podman run -it (under script): the container gets a terminal of the caller's size" {
	run under_script "stty rows 33 cols 77; $(podman_line) run -it --rm ${RUN_OPTS[*]} \
		localhost/busybox:latest sh -c 'sleep 0.5; stty size; exit 3'"
	assert_equal "$status" 3
	assert_output --partial "33 77"
}

@test "podman --log-opt max-size caps the k8s-file log" {
	run -0 podman_cmd run -d "${RUN_OPTS[@]}" --log-opt max-size=2000 --name capped \
		localhost/busybox:latest sh -c 'i=0; while [ $i -lt 200 ]; do echo "line $i"; i=$((i+1)); done'
	run -0 podman_cmd wait capped
	run -0 podman_cmd inspect --format '{{.HostConfig.LogConfig.Path}}' capped
	local log=$output size
	size=$(stat -c %s "$log")
	((size <= 2000)) || fail "log of $size bytes"
	run -0 podman_cmd logs capped
	assert_line "line 199"
}
