#!/usr/bin/env bats
# pea run/create --restart (no, on-failure[:N], always, unless-stopped): the
# monitor's exit command (pea container cleanup) starts the container again;
# stop and rm end the restarting; RestartCount; --rm refused with a policy
# (podman-run(1)).
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
	fe_setup
	fe_load_busybox
}

teardown() {
	fe_teardown
}

# wait_restarts NAME N: wait up to 30 s until the container restarted N times.
wait_restarts() {
	local n
	for ((n = 0; n < 300; n++)); do
		(($(pea_out inspect --format '{{.RestartCount}}' "$1") >= $2)) && return 0
		sleep 0.1
	done
	echo "container $1: $(pea_out inspect --format '{{.RestartCount}}' "$1") restarts, not $2" >&2
	return 1
}

# exited_for NAME: the container is exited and stays so (no restart) for a second.
stays_exited() {
	local before n
	before=$(pea_out inspect --format '{{.RestartCount}}' "$1")
	for ((n = 0; n < 10; n++)); do
		assert_equal "$(pea_out inspect --format '{{.State.Status}} {{.RestartCount}}' "$1")" "exited $before"
		sleep 0.1
	done
}

@test "--restart on-failure:N restarts a failing container N times; 0 ends it" {
	run -0 pea_cmd run -d --name f --restart on-failure:2 busybox sh -c 'echo ran; exit 3'
	wait_restarts f 2
	fe_wait_state f exited
	stays_exited f
	run -0 pea_cmd inspect --format '{{.RestartCount}} {{.State.ExitCode}} {{.HostConfig.RestartPolicy.Name}} {{.HostConfig.RestartPolicy.MaximumRetryCount}}' f
	assert_output "2 3 on-failure 2"
	run -0 pea_cmd logs f
	assert_output "ran
ran
ran"
	run -0 pea_cmd run -d --name ok --restart on-failure busybox true
	run -0 pea_cmd wait ok
	stays_exited ok
	run -0 pea_cmd inspect --format '{{.RestartCount}}' ok
	assert_output 0
	run -0 pea_cmd inspect --format '{{.RestartCount}} "{{.HostConfig.RestartPolicy.Name}}"' f
	run -0 pea_cmd create --name none busybox true
	run -0 pea_cmd inspect --format '"{{.HostConfig.RestartPolicy.Name}}"' none
	assert_output '""'
}

@test "--restart always and unless-stopped: restarted until pea stop; start restarts them again" {
	run -0 pea_cmd run -d --name a --restart always busybox sh -c 'sleep 0.2; exit 0'
	wait_restarts a 2
	run -0 pea_cmd stop -t 1 a
	stays_exited a
	run -0 pea_cmd start a
	count=$(pea_out inspect --format '{{.RestartCount}}' a)
	wait_restarts a $((count + 1))
	run -0 pea_cmd run -d --name u --restart unless-stopped busybox sh -c 'sleep 0.2; exit 1'
	wait_restarts u 1
	run -0 pea_cmd stop -t 1 u
	stays_exited u
	# rm -f of a restarting container removes it for good
	run -0 pea_cmd rm -f a
	run -0 pea_cmd ps -a --format '{{.Names}}'
	assert_output u
	sleep 0.5
	run -0 pea_cmd ps -a --format '{{.Names}}'
	assert_output u
}

@test "a foreground run with a policy returns the first exit code; the container restarts" {
	run -3 pea_cmd run --name fg --restart on-failure:1 busybox sh -c 'echo fg; exit 3'
	assert_output fg
	wait_restarts fg 1
	fe_wait_state fg exited
	stays_exited fg
	run -0 pea_cmd logs fg
	assert_output "fg
fg"
}

@test "bad --restart values and --rm with a policy: one clear line, exit 125, nothing made" {
	run -125 pea_cmd run --rm --restart always busybox true
	assert_output 'Error: the --rm option conflicts with --restart, when the restartPolicy is not "" and "no"'
	run -125 pea_cmd run --restart sometimes busybox true
	assert_output --partial 'invalid restart policy "sometimes"'
	run -125 pea_cmd run --restart always:3 busybox true
	assert_output --partial "restart policy retries can only be specified with on-failure"
	run -125 pea_cmd run --restart on-failure:x busybox true
	assert_output --partial 'invalid restart policy "on-failure:x"'
	run -125 pea_cmd create --restart on-failure:-1 busybox true
	assert_output --partial "the retries must be a number"
	run -0 pea_cmd run --rm --restart no busybox true
	run -0 pea_cmd ps -aq
	assert_output ""
	fe_no_mounts
}
