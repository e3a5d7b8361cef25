#!/usr/bin/env bats
# pea-monitor's healthchecks (upstream conmon's --healthcheck-* flags): the
# check runs as `RUNTIME exec CID CMD ARGS...` every interval, and each result
# reaches the sync pipe as {"data": -100 + STATE, "message": "..."} with
# STATE 1 starting, 2 healthy, 3 unhealthy. Each case runs once per runtime.
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

STARTING='{"data": -99, "message": "starting"}'
HEALTHY='{"data": -98, "message": "healthy"}'

# sync_has LINE: the sync pipe has LINE (whole).
sync_has() {
	grep -qxF -- "$1" "$MON_SYNC"
}

# wait_sync LINE: wait (bounded) for LINE on the sync pipe.
wait_sync() {
	MON_WAIT=1000 wait_for sync_has "$1" || {
		echo "sync pipe: $(cat "$MON_SYNC")" >&2
		echo "monitor output: $(cat "$MON_OUT" 2>/dev/null)" >&2
		return 1
	}
}

# launch_checked FLAGS...: a sleeping container under a monitor with FLAGS, started.
launch_checked() {
	monitor_setup sleep 100
	monitor_launch -l "k8s-file:$MON_LOG" "$@"
	monitor_start_container
}

# stop_container: end the container and wait for its monitor to finish.
stop_container() {
	timeout -k 5 30 "$PEA_TEST_RUNTIME" --root "$ROOT" kill "$MON_CID" KILL
	monitor_wait_exit
}

case_healthy() {
	launch_checked --healthcheck-cmd /bin/sh --healthcheck-arg -c \
		--healthcheck-arg 'test -d /proc/1' --healthcheck-interval 1
	wait_sync "$HEALTHY"
	# updates come after every check, all of them status lines
	run -0 sed -n '2,$p' "$MON_SYNC"
	for line in "${lines[@]}"; do
		[[ "$line" == "$HEALTHY" || "$line" == "$STARTING" ]] || fail "unexpected: $line"
	done
	stop_container
}

@test "a passing check: the container is reported healthy" {
	for_each_runtime case_healthy
}

# --start (the runtime's run --detach): the pid runs the container's process from the
# first, so the checks run (they were skipped forever, waiting for an exec already done)
case_healthy_start() {
	monitor_setup sleep 100
	monitor_launch -l "k8s-file:$MON_LOG" --start --healthcheck-cmd /bin/sh --healthcheck-arg -c \
		--healthcheck-arg 'test -d /proc/1' --healthcheck-interval 1
	wait_sync "$HEALTHY"
	stop_container
}

@test "--start: the checks run (the container is started already)" {
	for_each_runtime case_healthy_start
}

case_unhealthy() {
	launch_checked --healthcheck-cmd /bin/sh --healthcheck-arg -c \
		--healthcheck-arg 'echo sick >&2; exit 3' --healthcheck-interval 1 \
		--healthcheck-retries 2
	wait_sync '{"data": -97, "message": "unhealthy (exit_code: 3)"}'
	# the first failure is under the retries: still starting, never healthy
	assert_equal "$(sed -n 2p "$MON_SYNC")" "$STARTING"
	assert_equal "$(sed -n 3p "$MON_SYNC" | jq -r .data)" -97
	run ! sync_has "$HEALTHY"
	stop_container
}

@test "a failing check: unhealthy after --healthcheck-retries consecutive failures" {
	for_each_runtime case_unhealthy
}

case_retries_zero() {
	launch_checked --healthcheck-cmd /bin/false --healthcheck-interval 1 \
		--healthcheck-retries 0
	wait_sync "$(printf '{"data": -97, "message": "unhealthy (exit_code: %d)"}' 1)"
	# the very first failure counts
	assert_equal "$(sed -n 2p "$MON_SYNC" | jq -r .data)" -97
	stop_container
}

@test "retries 0: the first failure makes the container unhealthy" {
	for_each_runtime case_retries_zero
}

case_start_period() {
	launch_checked --healthcheck-cmd /bin/false --healthcheck-interval 1 \
		--healthcheck-retries 0 --healthcheck-start-period 5
	wait_sync '{"data": -97, "message": "unhealthy (exit_code: 1)"}'
	# failures within the start period are not counted: starting, then unhealthy
	assert_equal "$(sed -n 2p "$MON_SYNC")" "$STARTING"
	stop_container
}

@test "--healthcheck-start-period: failures within it do not count" {
	for_each_runtime case_start_period
}

case_timeout() {
	launch_checked --healthcheck-cmd sleep --healthcheck-arg 47 --healthcheck-interval 1 \
		--healthcheck-timeout 1 --healthcheck-retries 0
	wait_sync '{"data": -97, "message": "unhealthy (exit_code: 124)"}'
	# the check was killed, the runtime's exec and the process in the container
	MON_WAIT=500 wait_for no_check_left 47
	stop_container
	no_check_left 47
	test ! -e "$MON_BUNDLE/healthcheck.pid"
}

# no_check_left N: no `RUNTIME ... exec ... CID sleep N` of this test runs,
# nor the `sleep N` it ran in the container.
no_check_left() {
	! pgrep -f -- "$MON_CID sleep $1\$" >/dev/null && ! pgrep -x -f -- "sleep $1" >/dev/null
}

@test "a check that outlives --healthcheck-timeout is killed and counts as failed (124)" {
	for_each_runtime case_timeout
}

case_exits_while_checking() {
	launch_checked --healthcheck-cmd sleep --healthcheck-arg 53 --healthcheck-interval 1 \
		--healthcheck-timeout 1
	# a check is running (the first one, a second after start); the container ends
	MON_WAIT=500 wait_for pgrep -f -- "$MON_CID sleep 53\$"
	stop_container
	no_check_left 53
}

@test "the container ends while a check runs: the check goes with it" {
	for_each_runtime case_exits_while_checking
}

case_before_start() {
	monitor_setup sleep 100
	monitor_launch -l "k8s-file:$MON_LOG" --healthcheck-cmd /bin/true \
		--healthcheck-interval 1 --healthcheck-retries 0
	run -0 monitor_sync_line 1
	# created, not started: the checks due now are skipped, not failed
	sleep 2.5
	assert_equal "$(wc -l <"$MON_SYNC")" 1
	timeout -k 5 30 "$PEA_TEST_RUNTIME" --root "$ROOT" start "$MON_CID"
	wait_sync "$HEALTHY"
	run ! grep -q unhealthy "$MON_SYNC"
	stop_container
}

@test "checks due before \`runtime start\` are skipped: no failure is counted" {
	for_each_runtime case_before_start
}

# refused_hc MESSAGE FLAGS...: the monitor refuses FLAGS with the one line
# "pea-monitor: MESSAGE", before it made anything.
refused_hc() {
	local msg="$1"
	shift
	run --separate-stderr "$MONITOR" "${args[@]}" "$@"
	((status != 0)) || fail "accepted: $*"
	assert_equal "$output" ""
	assert_equal "$stderr" "pea-monitor: $msg"
	test ! -e "$MON_PIDFILE"
	test ! -e "$TEST_DIR/ctr.pid"
	assert_equal "$(find "$MON_SOCKETS" "$MON_EXITS" -mindepth 1 | wc -l)" 0
	run ! timeout -k 5 10 "$PEA_TEST_RUNTIME" --root "$ROOT" state "$MON_CID"
}

@test "bad healthcheck flags: one clear line, non-zero, nothing made" {
	local -a args
	ROOT="$TEST_DIR/runtime-root"
	monitor_setup
	mapfile -t args < <(monitor_args)
	args+=(-l "k8s-file:$MON_LOG")
	refused_hc "Healthcheck interval 0 is out of range [1, 3600]" \
		--healthcheck-cmd true --healthcheck-interval 0
	refused_hc "Healthcheck interval 3601 is out of range [1, 3600]" \
		--healthcheck-cmd true --healthcheck-interval 3601
	refused_hc "cannot parse integer value '10s' for --healthcheck-interval" \
		--healthcheck-cmd true --healthcheck-interval 10s
	refused_hc "Healthcheck timeout 0 is out of range [1, 300]" \
		--healthcheck-cmd true --healthcheck-timeout 0
	refused_hc "Healthcheck timeout 301 is out of range [1, 300]" \
		--healthcheck-cmd true --healthcheck-interval 400 --healthcheck-timeout 301
	refused_hc "Healthcheck timeout 5 cannot be greater than interval 2" \
		--healthcheck-cmd true --healthcheck-interval 2 --healthcheck-timeout 5
	refused_hc "Healthcheck retries 101 is out of range [0, 100]" \
		--healthcheck-cmd true --healthcheck-retries 101
	refused_hc "Healthcheck retries -1 is out of range [0, 100]" \
		--healthcheck-cmd true --healthcheck-retries -1
	refused_hc "cannot parse integer value '' for --healthcheck-retries" \
		--healthcheck-cmd true --healthcheck-retries=
	refused_hc "Healthcheck start period 3601 is out of range [0, 3600]" \
		--healthcheck-cmd true --healthcheck-start-period 3601
	refused_hc "Healthcheck start period 99999999999999999999 is out of range [0, 3600]" \
		--healthcheck-cmd true --healthcheck-start-period 99999999999999999999
	refused_hc "--healthcheck-interval given without --healthcheck-cmd" \
		--healthcheck-interval 30
	refused_hc "--healthcheck-arg given without --healthcheck-cmd" --healthcheck-arg x
	refused_hc "--healthcheck-cmd must not be empty" --healthcheck-cmd ""
	refused_hc "--healthcheck-cmd cannot be used with --exec" \
		-e --exec-process-spec "$TEST_DIR/process.json" --healthcheck-cmd true
}

@test "--help lists the healthcheck flags" {
	run -0 "$MONITOR" --help
	for flag in --healthcheck-cmd --healthcheck-arg --healthcheck-interval \
		--healthcheck-timeout --healthcheck-retries --healthcheck-start-period; do
		assert_output --partial -- "$flag "
	done
}
