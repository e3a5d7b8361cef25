#!/usr/bin/env bats
# The journal, for real: a systemd-journald of the file's own (volatile) in a private
# mount + pid namespace with its own /run (the host's /run/systemd is never touched),
# where every pea of the file runs. The journald log driver (run, logs, logs -f ending
# when the container is removed, --since/--until, --tail: journalctl reads them back)
# and the journald events backend (podman's PODMAN_* fields, pea events reading them
# through journalctl, streaming included; podman-events(1), containers.conf(5)
# events_logger).
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-frontend
load helpers/fe-file

JOURNALD=/lib/systemd/systemd-journald

# fe_server_start's subreaper, started inside the namespace: `tini` here is this
# function, which makes the namespace (unshare, PID 1 its init), mounts a tmpfs on /run,
# starts journald there and only then execs the real tini with the server. When the
# server ends (fe_server_stop), PID 1 goes and the kernel ends journald with it.
tini() {
	cat >"$BATS_FILE_TMPDIR/jd-init.sh" <<-EOF
	set -e
	mount --make-rprivate /
	mount -t tmpfs -o mode=0755 tmpfs /run
	mkdir -p /run/systemd/journald.conf.d
	printf '[Journal]\nStorage=volatile\nReadKMsg=no\nForwardToSyslog=no\nForwardToWall=no\nRateLimitBurst=0\n' \\
		>/run/systemd/journald.conf.d/test.conf
	$JOURNALD >"$BATS_FILE_TMPDIR/journald.log" 2>&1 &
	for ((i = 0; i < 200; i++)); do
		[[ -S /run/systemd/journal/socket ]] && break
		sleep 0.05
	done
	exec tini "\$@"
	EOF
	command unshare --mount --pid --fork --kill-child --mount-proc --propagation private \
		bash "$BATS_FILE_TMPDIR/jd-init.sh" "$@"
}

setup_file() {
	ensure_fixtures
	[[ -x $JOURNALD ]] || return 0
	fe_server_start
}

teardown_file() {
	[[ -n ${FE_SERVER_DIR:-} ]] || return 0
	fe_server_stop
}

setup() {
	[[ -x $JOURNALD ]] || skip "needs $JOURNALD"
	fe_file_setup jq
	# the journal is the namespace's: journalctl there sees it, and pea writes to it
	run -0 in_ns test -S /run/systemd/journal/socket
}

teardown() {
	local p
	# what pea_bg started and a failed test left running (the server waits for it)
	for p in "$TEST_DIR"/*.pid; do
		[[ -e $p && ! -e ${p%.pid}.rc ]] && in_ns kill "$(cat "$p")" >/dev/null 2>&1
	done
	fe_file_teardown
}

# in_ns COMMAND ARGS...: a command in the namespace (under the server), not pea.
in_ns() {
	local PEA=$1
	local FE_ARGS=()
	shift
	pea_cmd "$@"
}

# pea_bg OUT ARGS...: pea ARGS in the namespace in the background, its output to OUT as
# it comes, its pid there in OUT.pid, its exit status in OUT.rc once it ends.
pea_bg() {
	local out=$1 a
	shift
	a=$(printf '%q ' "$PEA" "${FE_ARGS[@]}" "$@")
	in_ns bash -c "$a >'$out' 2>&1 & echo \$! >'$out.pid'; wait \$!; echo \$? >'$out.rc'" \
		>/dev/null 2>&1 3>&- &
}

# stop_bg OUT: SIGTERM to pea_bg's pea (in the namespace: its pid there), then its end.
stop_bg() {
	wait_file "$1.pid"
	in_ns kill "$(cat "$1.pid")" || true
	wait_file "$1.rc"
}

# wait_file FILE [PATTERN]: up to 60 s for FILE (to hold a line matching PATTERN).
wait_file() {
	local i
	for ((i = 0; i < 600; i++)); do
		if [[ -e $1 ]] && { [[ -z ${2:-} ]] || grep -q -- "$2" "$1"; }; then
			return 0
		fi
		sleep 0.1
	done
	echo "no ${2:-file} in $1: $(cat "$1" 2>/dev/null)" >&2
	return 1
}

@test "journald log driver: each line an entry (stderr PRIORITY 3), logs reads them back" {
	run -0 pea_cmd run --name jd --log-driver journald busybox \
		sh -c 'echo one; echo two >&2; echo three'
	assert_line one # (pea_cmd: its stdout, then its stderr)
	id=$(pea_out inspect --format '{{.Id}}' jd)
	# (MESSAGE: the line with its newline, as conmon sends it)
	run -0 in_ns journalctl --no-pager -o json "CONTAINER_ID_FULL=$id"
	run -0 jq -rs 'map("\(.PRIORITY) \(.CONTAINER_NAME) \(.MESSAGE | rtrimstr("\n"))") | .[]' <<<"$output"
	assert_equal "${#lines[@]}" 3 # (the two streams are read apart: their order may differ)
	assert_line "6 jd one"
	assert_line "3 jd two"
	assert_line "6 jd three"
	run -0 pea_out logs jd # stdout's lines
	assert_output $'one\nthree'
	run -0 pea_cmd logs jd # then stderr's
	assert_output $'one\nthree\ntwo'
	run -0 pea_cmd logs -t jd # the time of each entry
	assert_line --index 0 --regexp '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+[-+Z][0-9:]* one$'
	assert_line --index 1 --regexp '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+[-+Z][0-9:]* three$'
	assert_line --index 2 --regexp '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+[-+Z][0-9:]* two$'
}

@test "journald log driver: --tail, --since and --until against journalctl" {
	run -0 pea_cmd run -d --name jd --log-driver journald busybox \
		sh -c 'seq 1 5; while [ ! -e /go ]; do sleep 0.1; done; echo late; sleep 1000'
	# what the journal holds of it: the five lines, then the time between
	for ((i = 0; i < 100; i++)); do
		[[ $(pea_out logs jd | wc -l) -eq 5 ]] && break
		sleep 0.1
	done
	run -0 pea_cmd logs --tail 2 jd
	assert_output $'4\n5'
	run -0 pea_cmd logs --tail 0 jd
	assert_output ""
	sleep 1.1 # the journal's times are the entries': one second between
	mid=$(date -u +%Y-%m-%dT%H:%M:%S.%NZ)
	sleep 1.1
	run -0 pea_cmd exec jd touch /go
	for ((i = 0; i < 100; i++)); do
		[[ $(pea_out logs jd | wc -l) -eq 6 ]] && break
		sleep 0.1
	done
	run -0 pea_cmd logs --since "$mid" jd
	assert_output "late"
	run -0 pea_cmd logs --until "$mid" jd
	assert_output $'1\n2\n3\n4\n5'
	run -0 pea_cmd logs --since "$mid" --tail 1 jd
	assert_output "late"
}

@test "journald log driver: logs -f sees what comes after it started, ends when the container is removed" {
	run -0 pea_cmd run -d --name jd --log-driver journald busybox \
		sh -c 'echo first; while [ ! -e /go ]; do sleep 0.1; done; echo second; sleep 1000'
	# podman's rule: -f on the journal needs the journald events backend
	run -125 pea_cmd --events-backend=file logs -f jd
	assert_output "Error: using --follow with the journald --log-driver but without the journald --events-backend (file) is not supported"
	pea_bg "$TEST_DIR/follow" --events-backend=journald logs -f jd
	wait_file "$TEST_DIR/follow" '^first$'
	run -0 pea_cmd exec jd touch /go
	wait_file "$TEST_DIR/follow" '^second$'
	[[ ! -e $TEST_DIR/follow.rc ]] || fail "logs -f ended early: $(cat "$TEST_DIR/follow")"
	run -0 pea_cmd rm -f -t 0 jd
	wait_file "$TEST_DIR/follow.rc"
	run -0 cat "$TEST_DIR/follow.rc"
	assert_output 0
	run -0 cat "$TEST_DIR/follow"
	assert_output $'first\nsecond'
}

@test "journald events backend: podman's fields in the journal, events reads them back" {
	t0=$(date -u +%Y-%m-%dT%H:%M:%S.%NZ)
	run -3 pea_cmd --events-backend=journald run --rm --name ev --label 'k=v w' busybox \
		sh -c 'exit 3'
	run -0 in_ns journalctl --no-pager -o json SYSLOG_IDENTIFIER=pea PODMAN_EVENT=died
	run -0 jq -c '{PODMAN_TYPE, PODMAN_NAME, PODMAN_IMAGE, PODMAN_EXIT_CODE, PODMAN_LABELS, PODMAN_HEALTH_STATUS, PRIORITY}' <<<"$output"
	assert_output '{"PODMAN_TYPE":"container","PODMAN_NAME":"ev","PODMAN_IMAGE":"localhost/busybox:latest","PODMAN_EXIT_CODE":"3","PODMAN_LABELS":"{\"k\":\"v w\"}","PODMAN_HEALTH_STATUS":"","PRIORITY":"6"}'
	# MESSAGE: the event as events prints it, with the full ID
	run -0 in_ns journalctl --no-pager -o cat SYSLOG_IDENTIFIER=pea PODMAN_EVENT=died
	assert_output --regexp '^[-0-9]+ [0-9:.]+ \+0000 UTC container died [0-9a-f]{64} \(image=localhost/busybox:latest, name=ev, k=v w\)$'
	run -0 pea_cmd --events-backend=journald events --stream=false --since "$t0" \
		--filter container=ev --format '{{.Status}} {{.Name}} {{.ContainerExitCode}} {{.Attributes.k}}'
	assert_output "create ev 0 v w
init ev 0 v w
start ev 0 v w
died ev 3 v w
cleanup ev 0 v w
remove ev 0 v w"
	# the same with containers.conf's events_logger, and --format json as the file's lines
	printf '[engine]\nevents_logger = "journald"\n' >"$TEST_DIR/containers.conf"
	run -0 in_ns env CONTAINERS_CONF_OVERRIDE="$TEST_DIR/containers.conf" "$PEA" "${FE_ARGS[@]}" \
		events --stream=false --since "$t0" --filter event=died --format json
	run -0 jq -c '{ID: (.ID|length), Name, Status, Type, ContainerExitCode, Attributes}' <<<"$output"
	assert_output '{"ID":64,"Name":"ev","Status":"died","Type":"container","ContainerExitCode":3,"Attributes":{"k":"v w"}}'
	# an image event, a volume event
	run -0 pea_cmd --events-backend=journald tag busybox localhost/other:1
	run -0 pea_cmd --events-backend=journald volume create vol1
	run -0 pea_cmd --events-backend=journald events --stream=false --since "$t0" \
		--filter type=image --filter type=volume --format '{{.Type}} {{.Status}} {{.Name}}'
	assert_output "image tag localhost/other:1
volume create vol1"
	# the file backend saw none of it
	run -0 pea_cmd --events-backend=file events --stream=false --since "$t0"
	assert_output ""
}

@test "journald events backend: a stream prints the new events only, until SIGTERM or --until" {
	run -0 pea_cmd --events-backend=journald create --name old busybox true
	pea_bg "$TEST_DIR/stream" --events-backend=journald events --format '{{.Status}} {{.Name}}'
	# the stream has started once an event sent now reaches it
	for ((i = 0; i < 100; i++)); do
		run pea_cmd --events-backend=journald volume create "probe$i"
		assert_success
		grep -q "^create probe" "$TEST_DIR/stream" 2>/dev/null && break
		sleep 0.3
	done
	run -0 pea_cmd --events-backend=journald rm old
	wait_file "$TEST_DIR/stream" '^remove old$'
	run -0 grep -c "old" "$TEST_DIR/stream"
	assert_output 1 # not the create before the stream
	stop_bg "$TEST_DIR/stream" # SIGTERM ends it, status 0
	run -0 cat "$TEST_DIR/stream.rc"
	assert_output 0
	# --until ends one on its own
	pea_bg "$TEST_DIR/short" --events-backend=journald events --until 1s
	wait_file "$TEST_DIR/short.rc"
	run -0 cat "$TEST_DIR/short.rc"
	assert_output 0
}

@test "journald events backend: entries that are not events, or do not parse" {
	# another program's entry under pea's identifier, without PODMAN_TYPE: skipped quietly
	run -0 in_ns bash -c 'echo not an event | systemd-cat -t pea'
	# PODMAN_TIME that is no time: a warning, the rest still read
	run -0 in_ns bash -c 'printf "%s\n" MESSAGE=bad SYSLOG_IDENTIFIER=pea PODMAN_TYPE=image \
		PODMAN_EVENT=pull PODMAN_TIME=yesterday | logger --journald'
	run -0 pea_cmd --events-backend=journald tag busybox localhost/after:1
	run -0 pea_cmd --events-backend=journald events --stream=false --format '{{.Status}} {{.Name}}'
	assert_output --partial "journal entry: PODMAN_TIME 'yesterday' is not an RFC 3339 time, ignoring"
	assert_line "tag localhost/after:1"
	refute_output --partial "not an event"
}

@test "journald events backend without a journal: a warning, the command goes on" {
	# a mount namespace of the test's own where /run/systemd is empty: nobody listens
	run -0 in_ns unshare --mount --propagation private bash -c \
		'mount -t tmpfs tmpfs /run/systemd && exec "$@"' _ \
		"$PEA" "${FE_ARGS[@]}" --events-backend=journald create --name nojournal busybox true
	assert_line --index 1 --regexp "^pea: warning: writing the container create event: sending to the journal \('/run/systemd/journal/socket'\): No such file or directory \(is systemd-journald running\?\), ignoring"
	run -0 pea_cmd inspect --format '{{.Name}}' nojournal
	assert_output nojournal
}
