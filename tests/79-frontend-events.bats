#!/usr/bin/env bats
# pea events: podman's file event log (events_logger = "file"), written by the commands and
# read back, filtered and followed (issue #11; podman's 090-events).
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-frontend
load helpers/fe-file

setup() {
	fe_file_setup jq
	EV_LOG="$FE_RUNROOT/events/events.log"
}

teardown() {
	if [[ -n "${EV_PID:-}" ]]; then
		# pea under timeout: a failed test leaves both
		pkill -KILL -P "$EV_PID" 2>/dev/null || true
		kill -KILL "$EV_PID" 2>/dev/null || true
		wait "$EV_PID" 2>/dev/null || true
	fi
	fe_teardown
}

# pea_conf CONF ARGS...: pea_cmd with CONTAINERS_CONF=CONF.
pea_conf() {
	local conf=$1 wrap="$TEST_DIR/pea-conf"
	shift
	# pea_cmd runs "$PEA" FE_ARGS...: the variable in front, through a wrapper
	printf '#!/bin/sh\nexec env CONTAINERS_CONF="%s" "%s" "$@"\n' "$conf" "$PEA" >"$wrap"
	chmod +x "$wrap"
	PEA="$wrap" pea_cmd "$@"
}

@test "events: a container's life, its labels and exit code, --no-trunc, --format" {
	run -3 pea_cmd run --rm --name c1 --label l1=v1 --label 'l2=a b' busybox sh -c 'exit 3'
	run -0 pea_cmd events --stream=false --filter container=c1 --format '{{.Status}}'
	assert_output $'create\ninit\nstart\ndied\ncleanup\nremove'
	# every line is one JSON object as podman writes it
	run -0 jq -c -r 'select(.Status == "died") | [.Type, .Name, .Image, .ContainerExitCode,
		.Attributes.l1, .Attributes.l2] | @tsv' "$EV_LOG"
	assert_output $'container\tc1\tlocalhost/busybox:latest\t3\tv1\ta b'
	id=$(jq -r 'select(.Status == "create") | .ID' "$EV_LOG")
	[[ ${#id} == 64 ]]
	run -0 pea_cmd events --stream=false --filter container=c1 --filter event=start
	assert_output --regexp "^[0-9-]+ [0-9:.]+ \+0000 UTC container start $id \(image=localhost/busybox:latest, name=c1, l[12]=.*\)$"
	assert_output --partial ", l1=v1"
	assert_output --partial ", l2=a b"
	run -0 pea_cmd events --stream=false --filter container=c1 --filter event=start --no-trunc=false
	assert_output --partial " container start ${id:0:12} (image="
	# --no-trunc does not touch --format
	run -0 pea_cmd events --stream=false --filter status=died --no-trunc=false \
		--format '{{.ID}}--{{.Image}}--{{.Attributes.l2}}--{{.ContainerExitCode}}'
	assert_output "$id--localhost/busybox:latest--a b--3"
	run -0 pea_cmd events --stream=false --filter event=died --format json
	run -0 jq -r .Status <<<"$output"
	assert_output died
	# a stop, a kill, a pause
	run -0 pea_cmd run -d --name c2 busybox sleep 100
	run -0 pea_cmd pause c2
	run -0 pea_cmd unpause c2
	run -0 pea_cmd exec c2 true
	run -0 pea_cmd kill -s USR1 c2
	run -0 pea_cmd stop -t 0 c2
	run -0 pea_cmd events --stream=false --filter container=c2 --format '{{.Status}}'
	assert_output $'create\ninit\nstart\npause\nunpause\nexec\nexec_died\nkill\ndied\ncleanup\nstop'
}

@test "events: filters of one key are alternatives, of different keys all hold; --since, --until" {
	run -0 pea_cmd run --rm --name foo --label team=a busybox true
	run -0 pea_cmd run --rm --name bar busybox true
	run -0 pea_cmd volume create vol1
	run -0 pea_cmd events --stream=false --filter container=foo --filter container=bar \
		--filter event=start --format '{{.Name}}'
	assert_output $'foo\nbar'
	run -0 pea_cmd events --stream=false --filter label=team=a --filter event=remove \
		--format '{{.Name}}'
	assert_output foo
	run -0 pea_cmd events --stream=false --filter label=team --filter event=remove \
		--format '{{.Name}}'
	assert_output foo
	run -0 pea_cmd events --stream=false --filter type=volume
	assert_output --regexp "^[0-9-]+ [0-9:.]+ \+0000 UTC volume create vol1$"
	run -0 pea_cmd events --stream=false --filter volume=vol1 --format '{{.Type}} {{.Status}}'
	assert_output 'volume create'
	run -0 pea_cmd volume rm vol1
	run -0 pea_cmd events --stream=false -f type=volume --format '{{.Status}}'
	assert_output $'create\nremove'
	run -0 pea_cmd events --stream=false --filter image=localhost/busybox:latest \
		--filter event=create --format '{{.Name}}'
	assert_output $'foo\nbar'
	# times: RFC 3339 with an offset, Unix times, durations back from now
	run -0 pea_cmd events --stream=false --since 2099-01-01T00:00:00+02:00
	assert_output ''
	run -0 pea_cmd events --stream=false --until 2000-01-01T00:00:00Z
	assert_output ''
	run -0 pea_cmd events --stream=false --since 1h --filter event=start --format '{{.Name}}'
	assert_output $'foo\nbar'
	run -0 pea_cmd events --stream=false --since 946684800 --until 10m --filter event=start \
		--format '{{.Name}}'
	assert_output $'foo\nbar'
	# a streaming read with --until in the past ends at once
	run -0 timeout -k 5 30 "$PEA" "${FE_ARGS[@]}" events --since 1h --until 1s \
		--filter event=start --format '{{.Name}}'
	assert_output $'foo\nbar'
}

@test "events: image events: tag, untag, rmi, save, load" {
	id=$(pea_out images -q --no-trunc | head -1)
	id=${id#sha256:}
	run -0 pea_cmd save busybox -o "$TEST_DIR/b.tar"
	run -0 pea_cmd tag busybox registry.com/x
	run -0 pea_cmd untag busybox registry.com/x
	run -0 pea_cmd tag busybox registry.com/x
	run -0 pea_cmd rmi -f "$id"
	run -0 pea_cmd load -i "$TEST_DIR/b.tar"
	# a pull from podman's other transports: the image as it is in the archive
	run -0 pea_cmd pull "docker-archive:$TEST_DIR/b.tar"
	assert_output --partial "$id"
	run -125 pea_cmd pull "oci-archive:$TEST_DIR/none.tar"
	assert_output --partial "Error: pulling image 'oci-archive:$TEST_DIR/none.tar'"
	run -0 pea_cmd events --stream=false --filter type=image --format '{{.Status}}--{{.Name}}'
	assert_output "loadfromarchive--$BUSYBOX_ARCHIVE
save--$TEST_DIR/b.tar
tag--registry.com/x
untag--registry.com/x:latest
tag--registry.com/x
untag--localhost/busybox:latest
untag--registry.com/x:latest
remove--$id
loadfromarchive--$TEST_DIR/b.tar
pull--docker-archive:$TEST_DIR/b.tar"
	# a pull names the reference only, as podman's
	run -0 pea_cmd events --stream=false --filter event=pull
	assert_output --regexp "^[0-9-]+ [0-9:.]+ \+0000 UTC image pull  docker-archive:$TEST_DIR/b.tar\$"
	run -0 pea_cmd events --stream=false --filter type=image --filter event=save
	assert_output --regexp "^[0-9-]+ [0-9:.]+ \+0000 UTC image save $id $TEST_DIR/b.tar$"
	run -0 pea_cmd events --stream=false --filter image=registry.com/x --format '{{.Status}}'
	assert_output $'tag\ntag'
}

@test "events: events_logfile_path, and rotation at events_logfile_max_size as podman's" {
	conf="$TEST_DIR/containers.conf"
	log="$TEST_DIR/ev/events.txt"
	printf '[engine]\nevents_logger = "file"\nevents_logfile_path = "%s"\n' "$log" >"$conf"
	# no log yet: nothing, no wait
	run -0 pea_conf "$conf" events --stream=false
	assert_output ''
	run -0 pea_conf "$conf" volume create v1
	run -0 grep -c '"Name":"v1"' "$log"
	[[ ! -e "$EV_LOG" ]] || ! grep -q v1 "$EV_LOG"
	# 100 lines of 113 bytes, a cap of 4750: the second half is kept (the line at the
	# middle goes), then the rotation's event and the event itself
	mkdir -p "${log%/*}"
	for n in $(seq 0 99); do
		printf '{"Name":"busybox","Status":"pull","Time":"2022-04-06T11:26:42.7236679%02d+02:00","Type":"image","Attributes":null}\n' "$n"
	done >"$log"
	tail -n 49 "$log" >"$TEST_DIR/kept"
	printf '[engine]\nevents_logger="file"\nevents_logfile_path="%s"\nevents_logfile_max_size=4750\n' \
		"$log" >"$conf"
	run -0 pea_cmd create --name c1 busybox true
	run -0 pea_conf "$conf" rm c1
	run -0 head -n 49 "$log"
	assert_output "$(cat "$TEST_DIR/kept")"
	run -0 jq -r '[.Type, .Status, .Name] | @tsv' < <(tail -n 2 "$log")
	assert_output $'system\tlog-rotation\t'"$log"$'\ncontainer\tremove\tc1'
	run -0 pea_conf "$conf" events --stream=false --since 2022-03-06T11:26:42.723667984+02:00
	assert_equal "${#lines[@]}" 51
	assert_equal "${lines[0]}" "2022-04-06 11:26:42.723667951 +0200 +0200 image pull  busybox"
	assert_regex "${lines[-2]}" " system log-rotation $log\$"
	# a size as a string, and the log under tmp_dir without events_logfile_path
	printf '[engine]\ntmp_dir = "%s"\nevents_logfile_max_size = "1k"\n' "$TEST_DIR/tmp" >"$conf"
	for n in 1 2 3 4 5 6 7 8; do
		run -0 pea_conf "$conf" volume create "volume-with-a-long-name-$n"
	done
	size=$(stat -c %s "$TEST_DIR/tmp/events/events.log")
	((size < 1024))
	run -0 grep -c log-rotation "$TEST_DIR/tmp/events/events.log"
}

@test "events: --stream prints new events as they come and ends on SIGTERM" {
	out="$TEST_DIR/stream.out"
	timeout -k 5 60 "$PEA" "${FE_ARGS[@]}" events --filter type=volume \
		--format '{{.Status}} {{.Name}}' >"$out" 2>"$TEST_DIR/stream.err" 3>&- &
	EV_PID=$!
	# until the reader shows one (it prints only what comes after its start)
	local n
	for ((n = 0; n < 100; n++)); do
		run -0 pea_cmd volume create "early$n"
		grep -q early "$out" && break
		sleep 0.1
	done
	grep -q early "$out"
	run -0 pea_cmd volume create last
	for ((n = 0; n < 100; n++)); do
		grep -q 'create last' "$out" && break
		sleep 0.05
	done
	run -0 tail -n 1 "$out"
	assert_output 'create last'
	# the log rotated under it: the reader goes on with the new file
	mv "$EV_LOG" "$EV_LOG.old"
	run -0 pea_cmd volume rm last
	for ((n = 0; n < 100; n++)); do
		grep -q 'remove last' "$out" && break
		sleep 0.05
	done
	run -0 tail -n 1 "$out"
	assert_output 'remove last'
	# SIGTERM to pea itself (timeout passes on the status of its child)
	local rc=0 child
	child=$(pgrep -P "$EV_PID")
	kill -TERM "$child"
	wait "$EV_PID" || rc=$?
	EV_PID=
	assert_equal "$rc" 0
	run -0 cat "$TEST_DIR/stream.err"
	assert_output ''
}

@test "events: --stream across rotations prints each event once" {
	conf="$TEST_DIR/containers.conf"
	log="$TEST_DIR/ev/events.txt"
	out="$TEST_DIR/stream.out"
	printf '[engine]\nevents_logger="file"\nevents_logfile_path="%s"\nevents_logfile_max_size=2000\n' \
		"$log" >"$conf"
	run -0 pea_conf "$conf" volume create first
	CONTAINERS_CONF="$conf" timeout -k 5 60 "$PEA" "${FE_ARGS[@]}" events \
		--filter type=volume --format '{{.Status}} {{.Name}}' >"$out" 2>"$TEST_DIR/stream.err" 3>&- &
	EV_PID=$!
	local n
	for ((n = 0; n < 100; n++)); do
		run -0 pea_conf "$conf" volume create "early$n"
		grep -q early "$out" && break
		sleep 0.1
	done
	# ~250 bytes a line, a cap of 2000: a rotation every few events
	for n in $(seq 1 20); do
		run -0 pea_conf "$conf" volume create "rotated-volume-with-a-long-name-$n"
	done
	for ((n = 0; n < 100; n++)); do
		grep -q 'create rotated-volume-with-a-long-name-20$' "$out" && break
		sleep 0.05
	done
	run -0 grep -c log-rotation "$log"
	run -0 grep -c 'create rotated-volume' "$out"
	assert_output 20
	run -0 sort "$out"
	run -0 uniq -d <<<"$output"
	assert_output ''
	kill -TERM "$(pgrep -P "$EV_PID")"
	wait "$EV_PID" || true
	EV_PID=
	run -0 cat "$TEST_DIR/stream.err"
	assert_output ''
}

@test "events: concurrent writers never interleave their lines" {
	local pids=() n
	for n in $(seq 1 10); do
		timeout -k 5 60 "$PEA" "${FE_ARGS[@]}" volume create "v$n" >/dev/null 3>&- &
		pids+=($!)
		timeout -k 5 60 "$PEA" "${FE_ARGS[@]}" tag busybox "t$n" >/dev/null 3>&- &
		pids+=($!)
	done
	for n in "${pids[@]}"; do
		wait "$n"
	done
	# every line is whole: the setup's load, 10 volumes, 10 tags
	run -0 jq -r .Status "$EV_LOG"
	assert_equal "${#lines[@]}" 21
	run -0 pea_cmd events --stream=false --filter type=volume --format '{{.Name}}'
	assert_equal "${#lines[@]}" 10
	run -0 pea_cmd events --stream=false --filter event=tag --format '{{.Name}}'
	assert_equal "${#lines[@]}" 10
}

@test "events: bad input: none backend, filters, times, arguments, the log's lines" {
	run -125 pea_cmd --events-backend none events
	assert_output 'Error: cannot read events with the "none" backend'
	run -125 pea_cmd --events-backend none events --stream=false
	assert_output 'Error: cannot read events with the "none" backend'
	# none writes nothing
	run -0 pea_cmd --events-backend none volume create quiet
	[[ ! -e "$EV_LOG" ]] || ! grep -q quiet "$EV_LOG"
	# (the journald backend reads the journal: 74-frontend-journald, with a journald)
	run -125 pea_cmd --events-backend syslog events
	assert_output "Error: invalid events backend 'syslog': use file, journald or none"
	run -125 pea_cmd events --stream=false --filter nope=1
	assert_output 'Error: nope=1 is an invalid filter'
	run -125 pea_cmd events --stream=false --filter container
	assert_output 'Error: invalid filter "container": use KEY=VALUE'
	run -125 pea_cmd events --stream=false --since yesterday
	assert_output 'Error: parsing --since "yesterday": unable to interpret time value'
	run -125 pea_cmd events --stream=false --stream=maybe
	assert_output --partial 'maybe'
	run -125 pea_cmd events --stream=false extra
	assert_output 'Error: `pea events` takes no arguments'
	run -125 pea_cmd events --stream=false --format '{{.Nope}}'
	assert_output --partial 'Nope'
	conf="$TEST_DIR/containers.conf"
	printf '[engine]\nevents_logger = "syslog"\n' >"$conf"
	run -125 pea_conf "$conf" events --stream=false
	assert_output --partial "'engine.events_logger': invalid events backend 'syslog'"
	printf '[engine]\nevents_logfile_max_size = "lots"\n' >"$conf"
	run -125 pea_conf "$conf" events --stream=false
	assert_output --partial "'engine.events_logfile_max_size': not a size in bytes"
	# lines that are no event are passed over with a warning
	run -0 pea_cmd volume create v1
	printf 'garbage\n{"Type":"image"}\n' >>"$EV_LOG"
	run -0 pea_cmd volume create v2
	run -0 --separate-stderr pea_cmd events --stream=false --filter type=volume \
		--format '{{.Name}}'
	assert_output $'v1\nv2'
	assert_equal "${#stderr_lines[@]}" 2
	assert_regex "${stderr_lines[0]}" "line 3: event: invalid JSON"
	assert_regex "${stderr_lines[1]}" "line 4: event: 'Time'"
}

@test "events: pod create and remove" {
	run -0 pea_cmd pod create --infra=false --name p1
	pid="$output"
	run -0 pea_cmd pod rm p1
	run -0 pea_cmd events --stream=false --filter type=pod
	assert_line --index 0 --regexp "^[0-9-]+ [0-9:.]+ \+0000 UTC pod create $pid \(image=, name=p1\)$"
	run -0 pea_cmd events --stream=false --filter pod=p1 --format '{{.Status}} {{.ID}}'
	assert_output $'create '"$pid"$'\nremove '"$pid"
	run -0 pea_cmd events --stream=false --filter "pod=${pid:0:12}" --format '{{.Status}}'
	assert_output $'create\nremove'
}
