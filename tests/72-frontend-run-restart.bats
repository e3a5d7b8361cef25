#!/usr/bin/env bats
# pea run/create --restart (no, on-failure[:N], always, unless-stopped): the
# monitor's exit command (pea container cleanup) starts the container again;
# stop and rm end the restarting; RestartCount; --rm refused with a policy
# (podman-run(1)); the backoff between restarts; always and unless-stopped
# after a "reboot" (pea start --all --filter restart-policy=always, as
# podman-restart.service).
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-frontend
load helpers/fe-file

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
	# the count goes up before the third run starts: wait for its output, then its end
	for ((n = 0; n < 100; n++)); do
		[[ $(pea_out logs f | grep -c ran) -ge 3 ]] && break
		sleep 0.1
	done
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

@test "a container that exits at once restarts with a backoff: 100 ms, doubling; stop ends the wait" {
	local t0 t1
	t0=$(date +%s%N)
	run -0 pea_cmd run -d --name spin --restart always busybox false
	wait_restarts spin 4
	t1=$(date +%s%N)
	# four restarts waited 100 + 200 + 400 ms at least before the fourth began
	(((t1 - t0) / 1000000 >= 700))
	# not several a second: about a second later, at most one more
	count=$(pea_out inspect --format '{{.RestartCount}}' spin)
	sleep 1
	(($(pea_out inspect --format '{{.RestartCount}}' spin) <= count + 1))
	# a stop during a wait ends it: no restart after, no exit command left waiting
	run -0 pea_cmd stop -t 0 spin
	stays_exited spin
	id=$(pea_out inspect --format '{{.Id}}' spin)
	for ((n = 0; n < 50; n++)); do
		pgrep -f "cleanup.*$id" >/dev/null || break
		sleep 0.1
	done
	run -1 pgrep -f "cleanup.*$id"
	# rm -f during a wait: gone for good
	run -0 pea_cmd start spin
	wait_restarts spin $((count + 2))
	run -0 pea_cmd rm -f spin
	sleep 0.5
	run -0 pea_cmd ps -aq
	assert_output ''
}

@test "after a reboot (monitor and container gone): start --all --filter restart-policy=always starts the always ones, not unless-stopped" {
	run -0 pea_cmd run -d --name al --restart always busybox sleep 1000
	run -0 pea_cmd run -d --name us --restart unless-stopped busybox sleep 1000
	run -0 pea_cmd run -d --name no busybox sleep 1000
	run -0 pea_cmd create --name cr --restart always busybox sleep 1000
	# what a reboot does: every monitor and container gone without a word
	local name mon pid
	for name in al us no; do
		mon=$(cat "$FE_ROOT/containers/$(pea_out inspect --format '{{.Id}}' "$name")/conmon.pid")
		pid=$(pea_out inspect --format '{{.State.Pid}}' "$name")
		kill -9 "$mon" "$pid"
	done
	for name in al us no; do
		fe_wait_state "$name" exited
	done
	run -0 pea_cmd start --all --filter restart-policy=always
	assert_equal "$(printf '%s\n' "${lines[@]}" | wc -l)" 2
	run -0 pea_cmd ps --format '{{.Names}}' --sort names
	assert_output "al
cr"
	run -0 pea_cmd ps -a --filter status=exited --format '{{.Names}}' --sort names
	assert_output "no
us"
	# the filters by name and status, and names with a filter
	run -0 pea_cmd start --filter restart-policy=always us no
	assert_output ''
	run -0 pea_cmd start --all --filter name=us --filter name=no
	run -0 pea_cmd ps --format '{{.Names}}' --sort names
	assert_output "al
cr
no
us"
}

@test "start --all and --filter: bad uses are one clear line, exit 125" {
	run -125 pea_cmd start --all somename
	assert_output "Error: either start all containers or the container(s) provided in the arguments"
	run -125 pea_cmd start --all --filter color=blue
	assert_output 'Error: invalid filter "color=blue": use restart-policy=, status=, name=, id= or exited='
	run -125 pea_cmd start --all --attach
	assert_output "Error: you cannot start and attach multiple containers at once"
	run -125 pea_cmd start
	assert_output "Error: requires at least 1 arg(s), only received 0"
	run -0 pea_cmd start --all
	assert_output ''
}
