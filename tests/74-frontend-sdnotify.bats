#!/usr/bin/env bats
# pea run/create --sdnotify (podman-run(1)): the NOTIFY_SOCKET pea was given goes to the
# container through its monitor (container, the default), or pea itself says MAINPID and
# READY=1 once the container runs (conmon), or nobody (ignore); the monitor and the
# runtime never get it in their environment. Checked against a unix datagram listener,
# as podman's 260-sdnotify does with socat.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-frontend
load helpers/fe-file
load helpers/notify

setup() {
	fe_file_setup jq python3 socat
	LISTENER=""
	SOCK="$TEST_DIR/notify.sock"
	NLOG="$TEST_DIR/notify.log"
}

teardown() {
	listen_stop
	fe_file_teardown
}

# wait_log TEXT: $NLOG is TEXT (5 s at most).
wait_log() {
	local i
	for ((i = 0; i < 100; i++)); do
		[[ "$(cat "$NLOG")" == "$1" ]] && return 0
		sleep 0.05
	done
	echo "notify log: $(cat "$NLOG")" >&2
	return 1
}

# wait_none: no datagram came before now: a last one of the test's own (sent once
# what could send has returned) is the log's only line, the socket keeping order.
wait_none() {
	printf 'END' | socat - "UNIX-SENDTO:$SOCK"
	wait_log END
}

# pea_notify ARGS...: pea_cmd with NOTIFY_SOCKET=$SOCK in pea's environment.
pea_notify() {
	local PEA=/usr/bin/env
	local FE_ARGS=("NOTIFY_SOCKET=$SOCK" "$REAL_PEA" "${FE_ARGS[@]}")
	pea_cmd "$@"
}

# monitor_of NAME: the container's monitor pid (podman's State.ConmonPid).
monitor_of() {
	pea_out inspect --format '{{.State.ConmonPid}}' "$1"
}

@test "--sdnotify=conmon: MAINPID (the monitor) and READY=1 once it runs; the container gets nothing" {
	listen
	REAL_PEA=$PEA
	run -0 pea_notify run -d --name c --sdnotify=conmon busybox \
		sh -c 'echo "${NOTIFY_SOCKET:-unset}"; echo READY; exec sleep 1000'
	run -0 pea_cmd inspect --format '{{.Config.SdNotifyMode}} {{.Config.SdNotifySocket}}' c
	assert_output "conmon $SOCK"
	local mon
	mon=$(monitor_of c)
	wait_log "MAINPID=$mon
READY=1"
	run -0 readlink "/proc/$mon/exe"
	assert_output --regexp '/(pea-monitor|conmon)$'
	# neither the monitor nor (through it) the runtime got the socket
	run -1 grep -qz '^NOTIFY_SOCKET=' "/proc/$mon/environ"
	run -0 pea_cmd logs c
	assert_output "unset
READY"
	run -0 pea_cmd rm -f -t0 c
}

@test "--sdnotify=container (the default): the monitor's socket in the container, relayed; pea says MAINPID" {
	listen
	REAL_PEA=$PEA
	run -0 pea_notify run -d --name c busybox \
		sh -c 'echo "$NOTIFY_SOCKET"; test -S /run/notify/notify.sock && echo socket; exec sleep 1000'
	run -0 pea_cmd inspect --format '{{.Config.SdNotifyMode}} {{.Config.SdNotifySocket}}' c
	assert_output "container $SOCK"
	local mon
	mon=$(monitor_of c)
	# not ready until the container says so
	wait_log "MAINPID=$mon"
	run -0 pea_cmd logs c
	assert_output "/run/notify/notify.sock
socket"
	run -1 grep -qz '^NOTIFY_SOCKET=' "/proc/$mon/environ"
	# what the container sends to its socket (here from the host's side of the mount)
	local id
	id=$(pea_out inspect --format '{{.Id}}' c)
	(cd "$FE_ROOT/containers/$id/notify" && printf 'READY=1\nSTATUS=up' | socat - UNIX-SENDTO:notify.sock)
	wait_log "MAINPID=$mon
READY=1"
	# each start says MAINPID again: the new monitor's
	run -0 pea_cmd stop -t0 c
	run -0 pea_notify start c
	local mon2
	mon2=$(monitor_of c)
	[[ "$mon2" != "$mon" ]]
	wait_log "MAINPID=$mon
READY=1
MAINPID=$mon2"
	run -0 pea_cmd rm -f -t0 c
}

@test "--sdnotify=ignore: nothing kept, nothing sent, no NOTIFY_SOCKET in the container" {
	listen
	REAL_PEA=$PEA
	run -0 pea_notify create --rm --sdnotify=ignore busybox sh -c 'echo "${NOTIFY_SOCKET:-unset}"'
	local cid=$output
	run -0 pea_cmd inspect --format '{{.Config.SdNotifyMode}} {{.Config.SdNotifySocket}}' "$cid"
	assert_output "ignore "
	run -0 pea_notify start --attach "$cid"
	assert_output unset
	# the container has ended and start returned: nothing was sent
	wait_none
}

@test "--sdnotify: without NOTIFY_SOCKET nothing is mounted; a bad mode is refused" {
	run -0 pea_cmd run --rm busybox sh -c 'test -e /run/notify || echo none; echo "${NOTIFY_SOCKET:-unset}"'
	assert_output "none
unset"
	run -0 pea_cmd create --name d busybox true
	run -0 pea_cmd inspect --format '{{.Config.SdNotifyMode}} {{.Config.SdNotifySocket}}' d
	assert_output "container "
	run -125 pea_cmd run --rm --sdnotify=bogus busybox true
	assert_output 'Error: invalid argument: invalid sdnotify value "bogus": must be container, conmon or ignore'
}

@test "--sdnotify: a pod's infra container and kube play's containers ignore it, as podman's" {
	listen
	REAL_PEA=$PEA
	run -0 pea_notify pod create --name p
	run -0 pea_notify create --pod p --name m busybox true
	run -0 pea_cmd inspect --format '{{.Config.SdNotifyMode}} {{.Config.SdNotifySocket}}' \
		"$(pea_out pod inspect --format '{{.InfraContainerID}}' p)" m
	assert_output "ignore 
container $SOCK"
	cat >"$TEST_DIR/k.yaml" <<-YAML
		apiVersion: v1
		kind: Pod
		metadata:
		  name: kp
		spec:
		  containers:
		  - name: c
		    image: localhost/busybox:latest
		    command: ["sleep", "1000"]
	YAML
	run -0 pea_notify kube play "$TEST_DIR/k.yaml"
	run -0 pea_cmd inspect --format '{{.Config.SdNotifyMode}}' kp-c
	assert_output ignore
	run -0 pea_cmd kube down "$TEST_DIR/k.yaml"
	run -0 pea_cmd pod rm -f p
	wait_none
}

@test "--sdnotify=container: the socket's mount comes after the user's on /run (-v, --tmpfs, --mount), as podman's sorted mounts" {
	listen
	REAL_PEA=$PEA
	mkdir "$TEST_DIR/runvol"
	local how
	for how in "-v $TEST_DIR/runvol:/run" "--tmpfs /run" "--mount type=tmpfs,dst=/run"; do
		# shellcheck disable=SC2086
		run -0 pea_notify run --rm $how busybox \
			sh -c 'test -S /run/notify/notify.sock && echo socket; echo "$NOTIFY_SOCKET"'
		assert_output "socket
/run/notify/notify.sock"
	done
	# a mount below /run/notify stays above the socket's
	mkdir "$TEST_DIR/sub"
	touch "$TEST_DIR/sub/mine"
	run -0 pea_notify run --rm -v "$TEST_DIR/sub:/run/notify/sub" busybox \
		sh -c 'test -S /run/notify/notify.sock && echo socket; ls /run/notify/sub'
	assert_output "socket
mine"
}
