#!/usr/bin/env bats
# podman 4.3's test/system gaps in run, ps, rm, mount and systemd (030-run, 040-ps, 055-rm,
# 060-mount, 250-systemd): --systemd, the stopping mark, external containers.
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

# start_time PID: field 22 of /proc/PID/stat (the command name may hold spaces)
start_time() {
	local stat
	stat=$(<"/proc/$1/stat")
	stat=${stat##*) }
	read -ra f <<<"$stat"
	echo "${f[19]}"
}

@test "inspect: a stop's mark naming a live process that is not that stop is no 'stopping'" {
	run -0 pea_cmd run -d --name m busybox sleep 1000
	id=$(pea_out inspect --format '{{.Id}}' m)
	# a stop killed with -9 left its mark, and its pid is now another process's
	sleep 1000 3>&- &
	spid=$!
	printf '%s' "$spid" >"$FE_ROOT/containers/$id/stopping"
	run -0 pea_cmd inspect --format '{{.State.Status}}' m
	assert_output running
	printf '%s %s' "$spid" "$(($(start_time "$spid") + 1))" >"$FE_ROOT/containers/$id/stopping"
	run -0 pea_cmd inspect --format '{{.State.Status}}' m
	assert_output running
	# the mark of that very process (pid and start time): a stop under way
	printf '%s %s' "$spid" "$(start_time "$spid")" >"$FE_ROOT/containers/$id/stopping"
	run -0 pea_cmd inspect --format '{{.State.Status}}' m
	assert_output stopping
	kill "$spid"
	wait "$spid" || true
	run -0 pea_cmd inspect --format '{{.State.Status}}' m
	assert_output running
}

@test "inspect: a stop killed with -9 while it waits leaves no 'stopping' behind" {
	run -0 pea_cmd run -d --name k busybox sh -c \
		"trap 'echo got TERM' TERM; echo READY; while :; do sleep 0.1; done"
	for ((n = 0; n < 100; n++)); do
		[[ "$(pea_cmd logs k 2>&1)" == *READY* ]] && break
		sleep 0.05
	done
	timeout -k 5 60 "$PEA" "${FE_ARGS[@]}" stop -t 30 k >/dev/null 2>&1 3>&- &
	stop_pid=$!
	for ((n = 0; n < 200; n++)); do
		[[ "$(pea_cmd logs k 2>&1)" == *"got TERM"* ]] && break
		sleep 0.05
	done
	run -0 pea_cmd inspect --format '{{.State.Status}}' k
	assert_output stopping
	# timeout's child is the stop
	pkill -9 -P "$stop_pid" || true
	wait "$stop_pid" || true
	run -0 pea_cmd inspect --format '{{.State.Status}}' k
	assert_output running
	run -0 pea_cmd rm -f -t 0 k
}

@test "run --systemd=always: container_uuid, tmpfs on /run, /run/lock, /tmp, /var/log/journal" {
	run -0 pea_cmd run --systemd=always --name sd busybox sh -c 'echo $container_uuid'
	uuid=$output
	run -0 pea_cmd inspect --format '{{.Id}}' sd
	assert_equal "$uuid" "${output:0:32}"
	run -0 pea_cmd run --rm --systemd=always busybox sh -c \
		'awk "\$2 ~ /^\/(run|run\/lock|tmp|var\/log\/journal)\$/ {print \$2, \$3}" /proc/mounts; test -f /run/.containerenv && echo containerenv'
	assert_output "/run tmpfs
/run/lock tmpfs
/tmp tmpfs
/var/log/journal tmpfs
containerenv"
	# a container_uuid given is kept; a --tmpfs of the same place is the user's
	run -0 pea_cmd run --rm --systemd=always -e container_uuid=mine --tmpfs /tmp:size=1m busybox \
		sh -c 'echo $container_uuid; awk "\$2 == \"/tmp\" {print \$4}" /proc/mounts'
	assert_line --index 0 mine
	assert_line --index 1 --regexp 'size=1024k'
	# not systemd mode: none of it
	run -0 pea_cmd run --rm busybox sh -c 'echo "[$container_uuid]"; awk "\$2 == \"/run\"" /proc/mounts'
	assert_output "[]"
}

@test "run --systemd: the mode from the command, its stop signal, a bad value" {
	run -0 pea_cmd create --name a --systemd=always busybox true
	run -0 pea_cmd create --name i busybox /sbin/init
	run -0 pea_cmd create --name f --systemd=false busybox /sbin/init
	run -0 pea_cmd create --name s --systemd=TRUE busybox /usr/lib/systemd/systemd
	run -0 pea_cmd create --name g --systemd=always --stop-signal=SIGHUP busybox true
	run -0 pea_cmd create --name n busybox true
	for c in a i f s g n; do
		echo "$c $(pea_out inspect --format '{{.Config.StopSignal}}' "$c")"
	done >"$TEST_DIR/sig"
	run -0 cat "$TEST_DIR/sig"
	assert_output "a SIGRTMIN+3
i SIGRTMIN+3
f <no value>
s SIGRTMIN+3
g SIGHUP
n <no value>"
	before=$(pea_out ps -aq)
	run -125 pea_cmd run --rm --systemd=maybe busybox true
	assert_output "Error: invalid value \"maybe\" systemd option requires 'true, false, always'"
	run -0 pea_cmd ps -aq
	assert_output "$before"
}

@test "run --privileged --systemd=always: no virtual consoles (/dev/ttyN)" {
	ls /dev/tty[0-9]* >/dev/null 2>&1 || skip "expected: the host has no /dev/ttyN"
	run -0 pea_cmd run --rm --privileged busybox sh -c 'ls /dev/tty*'
	assert_line /dev/tty1
	run -0 pea_cmd run --rm --privileged --systemd=always busybox sh -c 'ls /dev/tty*'
	assert_output /dev/tty
}
