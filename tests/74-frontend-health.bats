#!/usr/bin/env bats
# pea: healthchecks (run --health-*, the image's HEALTHCHECK, healthcheck run,
# inspect's State.Health, the monitor's periodic checks, --health-on-failure).
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-frontend
load helpers/fe-file

setup() {
	fe_file_setup jq
}

# health NAME: the container's State.Healthcheck as JSON.
health() {
	pea_out inspect --format '{{json .State.Healthcheck}}' "$1"
}

# wait_health NAME JQ-EXPR: poll inspect (up to 30 s) until the expression is true.
wait_health() {
	local n
	for ((n = 0; n < 300; n++)); do
		[[ "$(health "$1" | jq -r "$2")" == true ]] && return 0
		sleep 0.1
	done
	echo "health of $1 never matched $2: $(health "$1")" >&2
	return 1
}

@test "healthcheck run: a passing check makes the container healthy, with its log" {
	run -0 pea_cmd run -d --name h --health-cmd 'echo out; echo err >&2' \
		--health-interval disable busybox sleep 1000
	run -0 pea_cmd inspect --format '{{.State.Healthcheck.Status}} {{.State.Health.Status}}' h
	assert_output 'starting starting'
	run -0 pea_cmd healthcheck run h
	assert_output ''
	h="$(health h)"
	assert_equal "$(jq -r .Status <<<"$h")" healthy
	assert_equal "$(jq -r .FailingStreak <<<"$h")" 0
	assert_equal "$(jq -r '.Log | length' <<<"$h")" 1
	assert_equal "$(jq -r '.Log[-1].ExitCode' <<<"$h")" 0
	assert_equal "$(jq -r '.Log[-1].Output' <<<"$h")" $'out\nerr'
	[[ "$(jq -r '.Log[-1].Start' <<<"$h")" == 20* ]]
	[[ "$(jq -r '.Log[-1].End' <<<"$h")" == 20* ]]
	# the config as podman shows it: nanoseconds, the defaults filled in
	run -0 pea_cmd inspect --format '{{json .Config.Healthcheck}}' h
	assert_equal "$(jq -c . <<<"$output")" \
		'{"Test":["CMD-SHELL","echo out; echo err >&2"],"Interval":0,"Timeout":30000000000,"StartPeriod":0,"Retries":3}'
	run -0 pea_cmd inspect --format '{{.Config.HealthcheckOnFailureAction}}' h
	assert_output none
	run -0 pea_cmd rm -f -t 0 h
}

@test "healthcheck run: failures count, retries of them make it unhealthy; the log keeps 5" {
	run -0 pea_cmd run -d --name u --health-cmd '["/bin/sh", "-c", "test ! -e /bad"]' \
		--health-retries 2 --health-interval disable busybox sleep 1000
	run -0 pea_cmd healthcheck run u
	run -0 pea_cmd exec u touch /bad
	run -1 pea_cmd healthcheck run u
	assert_output unhealthy
	h="$(health u)"
	assert_equal "$(jq -r .Status <<<"$h")" healthy
	assert_equal "$(jq -r .FailingStreak <<<"$h")" 1
	assert_equal "$(jq -r '.Log[-1].ExitCode' <<<"$h")" 1
	run -1 pea_cmd healthcheck run u
	assert_output unhealthy
	h="$(health u)"
	assert_equal "$(jq -r .Status <<<"$h")" unhealthy
	assert_equal "$(jq -r .FailingStreak <<<"$h")" 2
	for n in 1 2 3 4; do
		run -1 pea_cmd healthcheck run u
	done
	h="$(health u)"
	assert_equal "$(jq -r '.Log | length' <<<"$h")" 5
	assert_equal "$(jq -r .FailingStreak <<<"$h")" 6
	# a pass resets the streak
	run -0 pea_cmd exec u rm /bad
	run -0 pea_cmd healthcheck run u
	h="$(health u)"
	assert_equal "$(jq -r .Status <<<"$h")" healthy
	assert_equal "$(jq -r .FailingStreak <<<"$h")" 0
	run -0 pea_cmd inspect --format '{{json .Config.Healthcheck.Test}}' u
	assert_output '["CMD","/bin/sh","-c","test ! -e /bad"]'
	run -0 pea_cmd rm -f -t 0 u
}

@test "healthcheck run: failures within the start period do not count" {
	run -0 pea_cmd run -d --name s --health-cmd false --health-retries 1 \
		--health-start-period 1h --health-interval disable busybox sleep 1000
	run -1 pea_cmd healthcheck run s
	assert_output starting
	h="$(health s)"
	assert_equal "$(jq -r .Status <<<"$h")" starting
	assert_equal "$(jq -r .FailingStreak <<<"$h")" 0
	assert_equal "$(jq -r '.Log[-1].ExitCode' <<<"$h")" 1
	run -0 pea_cmd rm -f -t 0 s
}

@test "healthcheck run: a check past its timeout is killed and fails" {
	run -0 pea_cmd run -d --name t --health-cmd 'sleep 77' --health-timeout 1s \
		--health-retries 1 --health-interval disable busybox sleep 1000
	run -1 pea_cmd healthcheck run t
	assert_output unhealthy
	h="$(health t)"
	assert_equal "$(jq -r .Status <<<"$h")" unhealthy
	assert_equal "$(jq -r '.Log[-1].ExitCode' <<<"$h")" 1
	assert_equal "$(jq -r '.Log[-1].Output' <<<"$h")" 'healthcheck command exceeded timeout of 1s'
	# the check's sleep is gone from the container
	run -0 pea_cmd top t
	refute_output --partial 'sleep 77'
	run -0 pea_cmd rm -f -t 0 t
}

@test "healthcheck run: podman's errors (no healthcheck, not running, no such container)" {
	run -0 pea_cmd create --name n busybox true
	id="$(pea_out inspect --format '{{.Id}}' n)"
	run -125 pea_cmd healthcheck run n
	assert_output "Error: container $id has no defined healthcheck"
	run -0 pea_cmd create --name c --health-cmd true busybox true
	id="$(pea_out inspect --format '{{.Id}}' c)"
	run -125 pea_cmd healthcheck run c
	assert_output "Error: container $id is not running"
	run -125 pea_cmd healthcheck run nosuch
	assert_output --partial 'nosuch'
	run -125 pea_cmd healthcheck bogus
	assert_line --index 0 'Error: unrecognized command `pea healthcheck bogus`'
}

@test "bad --health-* values: one line each, nothing made" {
	run -125 pea_cmd create --health-cmd true --health-interval 0.5x busybox
	assert_output 'Error: invalid argument "0.5x" for "--health-interval" flag: unknown unit'
	run -125 pea_cmd create --health-cmd true --health-timeout 1e9s busybox
	assert_output 'Error: invalid argument "1e9s" for "--health-timeout" flag: unknown unit'
	run -125 pea_cmd create --health-cmd true --health-start-period 0x10s busybox
	assert_output 'Error: invalid argument "0x10s" for "--health-start-period" flag: unknown unit'
	run -125 pea_cmd create --health-cmd true --health-interval 0.5s busybox
	assert_output 'Error: healthcheck-interval must be at least 1 second'
	run -125 pea_cmd create --health-cmd true --health-retries -1 busybox
	assert_output 'Error: healthcheck-retries must be greater than 0'
	run -125 pea_cmd create --health-cmd true --health-timeout 10ms busybox
	assert_output 'Error: healthcheck-timeout must be at least 1 second'
	run -125 pea_cmd create --health-cmd true --health-on-failure bogus busybox
	assert_output 'Error: invalid on-failure action "bogus" for health check: supported actions are none,kill,restart,stop'
	run -125 pea_cmd create --health-on-failure=kill busybox
	assert_output 'Error: cannot set on-failure action to kill without a health check'
	run -0 pea_cmd ps -aq
	assert_output ''
}

@test "the image's HEALTHCHECK, overridden by flags, dropped by --no-healthcheck" {
	ctx="$TEST_DIR/ctx"
	mkdir -p "$ctx"
	printf 'FROM busybox\nHEALTHCHECK --interval=5s --retries=2 CMD test -e /etc/passwd\n' \
		>"$ctx/Containerfile"
	run -0 pea_cmd build -q -t hc "$ctx"
	run -0 pea_cmd create --name i hc sleep 1000
	run -0 pea_cmd inspect --format '{{json .Config.Healthcheck}}' i
	assert_equal "$(jq -c . <<<"$output")" \
		'{"Test":["CMD-SHELL","test -e /etc/passwd"],"Interval":5000000000,"Timeout":30000000000,"StartPeriod":0,"Retries":2}'
	run -0 pea_cmd start i
	run -0 pea_cmd healthcheck run i
	run -0 pea_cmd create --name f --health-retries 7 --health-cmd 'exit 3' hc sleep 1000
	run -0 pea_cmd inspect --format '{{json .Config.Healthcheck}}' f
	assert_equal "$(jq -c . <<<"$output")" \
		'{"Test":["CMD-SHELL","exit 3"],"Interval":5000000000,"Timeout":30000000000,"StartPeriod":0,"Retries":7}'
	run -0 pea_cmd create --name x --no-healthcheck hc sleep 1000
	run -0 pea_out inspect x
	assert_equal "$(jq -c '.[0] | [(.Config | has("Healthcheck")), (.State | has("Healthcheck"))]' <<<"$output")" '[false,false]'
	run -0 pea_cmd create --name y --health-cmd none hc sleep 1000
	run -0 pea_out inspect y
	assert_equal "$(jq -c '.[0].Config | has("Healthcheck")' <<<"$output")" false
	run -0 pea_cmd rm -f -t 0 i
}

@test "the monitor runs the check every interval; nothing left after rm" {
	run -0 pea_cmd run -d --name p --health-cmd 'test ! -e /bad' --health-interval 1s \
		--health-retries 2 busybox sleep 1000
	wait_health p '.Status == "healthy" and (.Log | length) >= 2'
	run -0 pea_cmd exec p touch /bad
	wait_health p '.Status == "unhealthy" and .FailingStreak >= 2'
	id="$(pea_out inspect --format '{{.Id}}' p)"
	run -0 pea_cmd rm -f -t 0 p
	run -0 pea_cmd ps -aq
	assert_output ''
	# no check still running for it
	run ! pgrep -f "healthcheck run $id"
}

@test "--health-on-failure: kill, stop and restart act when unhealthy; none does not" {
	for action in none kill stop restart; do
		run -0 pea_cmd run -d --name "o-$action" --health-cmd 'test ! -e /bad' \
			--health-retries 1 --health-interval disable --health-on-failure "$action" \
			busybox sleep 1000
		run -0 pea_cmd inspect --format '{{.Config.HealthcheckOnFailureAction}}' "o-$action"
		assert_output "$action"
		run -0 pea_cmd healthcheck run "o-$action"
		run -0 pea_cmd exec "o-$action" touch /bad
		run -1 pea_cmd healthcheck run "o-$action"
		assert_output unhealthy
		run -0 pea_cmd inspect --format '{{.State.Status}}' "o-$action"
		case $action in
		none) assert_output running ;;
		restart)
			assert_output running
			# a new start: its health starts over
			run -0 pea_cmd inspect --format '{{.RestartCount}} {{.State.Healthcheck.Status}}' "o-$action"
			assert_output --regexp ' starting$'
			;;
		*) assert_output exited ;;
		esac
		run -0 pea_cmd rm -f -t 0 "o-$action"
	done
}

@test "ps: STATUS shows the health, --filter health= selects by it" {
	run -0 pea_cmd run -d --name a --health-cmd true --health-interval disable busybox sleep 1000
	run -0 pea_cmd run -d --name b --health-cmd false --health-retries 1 \
		--health-interval disable busybox sleep 1000
	run -0 pea_cmd run -d --name c busybox sleep 1000
	run -0 pea_cmd run -d --name d --health-cmd true --health-interval disable busybox sleep 1000
	run -0 pea_cmd healthcheck run a
	run -1 pea_cmd healthcheck run b
	run -0 pea_cmd ps --sort names --format '{{.Names}} {{.Status}}'
	assert_line --index 0 --regexp '^a Up .* \(healthy\)$'
	assert_line --index 1 --regexp '^b Up .* \(unhealthy\)$'
	assert_line --index 2 --regexp '^c Up [^(]*$'
	assert_line --index 3 --regexp '^d Up .* \(starting\)$'
	run -0 pea_cmd ps --filter health=healthy --format '{{.Names}}'
	assert_output a
	run -0 pea_cmd ps --filter health=unhealthy --format '{{.Names}}'
	assert_output b
	run -0 pea_cmd ps --filter health=starting --format '{{.Names}}'
	assert_output d
	run -0 pea_cmd ps --filter health=none --format '{{.Names}}'
	assert_output c
	run -125 pea_cmd ps --filter health=bogus
	assert_output 'Error: invalid health "bogus": use healthy, unhealthy, starting or none'
	run -0 pea_cmd rm -f -t 0 a b c d
}

@test "the monitor's check applies --health-on-failure: restart, then kill" {
	run -0 pea_cmd run -d --name r --health-cmd 'test ! -e /bad' --health-interval 1s \
		--health-retries 1 --health-on-failure restart busybox sleep 1000
	started="$(pea_out inspect --format '{{.State.StartedAt}}' r)"
	run -0 pea_cmd exec r touch /bad
	# restarted by its check: a new start (the file stays in its layer: again and again)
	for ((n = 0; n < 300; n++)); do
		now="$(pea_out inspect --format '{{.State.StartedAt}}' r)"
		[[ -n "$now" && "$now" != "$started" ]] && break
		sleep 0.1
	done
	assert [ "$now" != "$started" ]
	id="$(pea_out inspect --format '{{.Id}}' r)"
	run -0 pea_cmd rm -f -t 0 r
	run -0 pea_cmd run -d --name k --health-cmd 'test ! -e /bad' --health-interval 1s \
		--health-retries 1 --health-on-failure kill busybox sleep 1000
	run -0 pea_cmd exec k touch /bad
	run -0 pea_cmd wait k
	assert_output 137
	run -0 pea_cmd rm -f -t 0 k
	run -0 pea_cmd ps -aq
	assert_output ''
	run ! pgrep -f "healthcheck run $id"
	run ! pgrep -f "restart $id"
}

@test "an image whose Healthcheck.Test is not an array of strings: one line, nothing made" {
	arc="$TEST_DIR/arc"
	mkdir -p "$arc"
	tar -xf "$BUSYBOX_ARCHIVE" -C "$arc"
	cfg="$(jq -r '.[0].Config' "$arc/manifest.json")"
	jq -c '.config.Healthcheck = {"Test": ["CMD", 1]}' "$arc/$cfg" >"$arc/new.json"
	sum="$(sha256sum "$arc/new.json" | cut -d' ' -f1)"
	mv "$arc/new.json" "$arc/$sum.json"
	rm "$arc/$cfg"
	jq -c ".[0].Config = \"$sum.json\" | .[0].RepoTags = [\"localhost/badhc:latest\"]" \
		"$arc/manifest.json" >"$arc/m.json"
	mv "$arc/m.json" "$arc/manifest.json"
	tar -cf "$TEST_DIR/badhc.tar" -C "$arc" .
	run -0 pea_cmd load -i "$TEST_DIR/badhc.tar"
	run -125 pea_cmd create --name bad badhc sleep 1
	assert_output "Error: the image's Healthcheck: 'Test' is not an array of strings"
	run -0 pea_cmd ps -aq
	assert_output ''
}
