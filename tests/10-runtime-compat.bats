#!/usr/bin/env bats
# Engines driving pea-runtime as their OCI runtime: Debian's conmon
# (create, start, exit code in the exit file, the log) and containerd's
# `ctr run --runc-binary` (through containerd-shim-runc-v2) on the busybox
# image of the fixtures. (Podman: 10-runtime-podman.bats.)
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-runtime

setup_file() {
	ensure_fixtures
}

setup() {
	require_root
	rt_setup
}

teardown() {
	rt_teardown
}

# conmon_run ID: conmon creates the container of $RT_B with $PEA_RUNTIME, as podman calls it.
conmon_run() {
	local id="$1"
	mkdir -p "$TEST_DIR/exits" "$TEST_DIR/sock"
	reaped_cmd timeout -k 5 60 conmon --api-version 1 -c "$id" -u "$id" -n "$id" \
		-r "$PEA_RUNTIME" --runtime-arg --root --runtime-arg "$RT_ROOT" \
		--runtime-arg --log --runtime-arg "$TEST_DIR/$id.rtlog" \
		--runtime-arg --log-format --runtime-arg json \
		-b "$RT_B" -p "$TEST_DIR/$id.pid" --conmon-pidfile "$TEST_DIR/$id.conmon.pid" \
		-l "k8s-file:$TEST_DIR/$id.log" --exit-dir "$TEST_DIR/exits" \
		--socket-dir-path "$TEST_DIR/sock" --log-level debug
}

wait_file() {
	for _ in $(seq 1 500); do
		[[ -s "$1" ]] && return 0
		sleep 0.02
	done
	echo "no file '$1'" >&2
	return 1
}

@test "conmon -r pea-runtime: create, start, exit code in the exit file, output in the log" {
	require_cmd conmon
	make_bundle "$RT_B" sh -c 'echo hello from pea; echo oops >&2; exit 7'
	run -0 conmon_run cm1
	run -0 rt_state cm1 status
	assert_output created
	[[ "$(rt_state cm1 pid)" == "$(cat "$TEST_DIR/cm1.pid")" ]]
	run -0 rt start cm1
	wait_file "$TEST_DIR/exits/cm1"
	run -0 cat "$TEST_DIR/exits/cm1"
	assert_output 7
	run -0 cat "$TEST_DIR/cm1.log"
	assert_line --regexp '^[^ ]+ stdout F hello from pea$'
	assert_line --regexp '^[^ ]+ stderr F oops$'
	run -0 rt_state cm1 status
	assert_output stopped
	run -0 rt delete cm1
	rt_no_leftovers cm1
}

@test "conmon -r pea-runtime: a container killed by a signal; a failing create leaves its reason in --log and nothing else" {
	require_cmd conmon
	make_bundle "$RT_B" sleep 100
	run -0 conmon_run cm2
	run -0 rt start cm2
	run -0 rt kill cm2 KILL
	wait_file "$TEST_DIR/exits/cm2"
	run -0 cat "$TEST_DIR/exits/cm2"
	assert_output 137
	run -0 rt delete cm2
	make_bundle "$TEST_DIR/bad" nosuchprogram
	RT_B="$TEST_DIR/bad"
	# conmon tells only its sync pipe; the runtime's --log has the reason, as podman reads it
	run conmon_run cm3
	wait_file "$TEST_DIR/cm3.rtlog"
	run -0 jq -r 'select(.level == "error") | .msg' "$TEST_DIR/cm3.rtlog"
	assert_output --partial "'nosuchprogram': executable file not found"
	run ! rt state cm3
	rt_no_leftovers cm3
}
