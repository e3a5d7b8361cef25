#!/usr/bin/env bats
# pea run -d fifty times at once, with ps and rm -af beside: every one succeeds, each with
# its own name and id, and rm -af leaves nothing behind. Two commands on the same container
# at once (per-container locks), and pea killed (-9) in the middle of run, start and rm:
# the next command repairs what it left, or says what to do.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-frontend
load helpers/fe-file

setup() {
	fe_file_setup
	BG_PIDS=()
}

teardown() {
	local p
	for p in "${BG_PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	fe_teardown
}

# fe_submit ARGS...: hand "$PEA" ARGS to the file's subreaper (as pea_cmd does) without
# waiting; prints the folder its result will be in.
fe_submit() {
	local d
	d="$(mktemp -d "$TEST_DIR/cmd.XXXXXX")"
	printf '%s\0' "$PEA" "${FE_ARGS[@]}" "$@" >"$d/argv"
	echo "$d" >"$FE_SERVER_DIR/fifo"
	echo "$d"
}

# fe_submit_pid ARGS...: as fe_submit; pea's pid goes to DIR/pid once it runs.
fe_submit_pid() {
	local d
	d="$(mktemp -d "$TEST_DIR/cmd.XXXXXX")"
	# shellcheck disable=SC2016
	printf '%s\0' bash -c 'echo $$ >"$0/pid.tmp" && mv "$0/pid.tmp" "$0/pid" && exec "$@"' \
		"$d" "$PEA" "${FE_ARGS[@]}" "$@" >"$d/argv"
	echo "$d" >"$FE_SERVER_DIR/fifo"
	echo "$d"
}

# fe_delays ARGS...: eleven delays (seconds) from 0 to how long "$PEA" ARGS takes once,
# so that a kill lands at every stage of it on a fast machine and a slow one.
fe_delays() {
	local t0 t1
	t0=$(date +%s%N)
	pea_cmd "$@" >/dev/null
	t1=$(date +%s%N)
	awk -v ns=$((t1 - t0)) 'BEGIN { for (k = 0; k <= 10; k++) printf "%.4f\n", ns * k / 10 / 1e9 }'
}

# fe_done SECONDS DIR: wait for one result, whatever its status.
fe_done() {
	local deadline=$((SECONDS + $1))
	while [[ ! -e "$2/rc" ]] && ((SECONDS < deadline)); do
		sleep 0.02
	done
	[[ -e "$2/rc" ]]
}

# fe_nothing_left: no record, no storage container, no mount, no monitor, no lock file.
fe_nothing_left() {
	run -0 pea_cmd ps -aq
	assert_output ''
	run -0 timeout -k 5 60 "$PEA_STORAGE" --root "$FE_ROOT/storage" --runroot "$FE_RUNROOT/storage" container ls
	assert_equal "$(jq '.result | length' <<<"$output")" 0
	fe_no_mounts
	run -1 pgrep -f "$FE_ROOT/containers"
	run -0 find "$FE_ROOT/containers" "$FE_RUNROOT/locks" -mindepth 1
	assert_output ''
}

# fe_collect SECONDS DIR...: wait for the results; 1 if one failed.
fe_collect() {
	local deadline=$((SECONDS + $1)) d failed=0
	shift
	for d in "$@"; do
		while [[ ! -e "$d/rc" ]] && ((SECONDS < deadline)); do
			sleep 0.05
		done
		if [[ ! -e "$d/rc" ]]; then
			echo "timed out: $(tr '\0' ' ' <"$d/argv")" >&2
			failed=1
		elif [[ "$(cat "$d/rc")" != 0 ]]; then
			echo "failed: $(tr '\0' ' ' <"$d/argv"): $(cat "$d/err")" >&2
			failed=1
		fi
	done
	return "$failed"
}

# ps_loop FILE: pea ps -a over and over until FILE.stop exists; each status to FILE.
ps_loop() {
	while [[ ! -e "$1.stop" ]]; do
		pea_cmd ps -a --format '{{.ID}}' >/dev/null 2>>"$1.err"
		echo $? >>"$1"
	done
}

@test "50 concurrent run -d, with ps beside, then rm -af with ps beside: nothing left" {
	local n=50 k dirs=() start
	start=$SECONDS
	ps_loop "$TEST_DIR/ps1" 3>&- &
	BG_PIDS+=($!)
	for ((k = 0; k < n; k++)); do
		dirs+=("$(fe_submit run -d --name "c$k" busybox sleep 1000)")
	done
	fe_collect 400 "${dirs[@]}"
	echo "# $n concurrent run -d: $((SECONDS - start)) s" >&3
	touch "$TEST_DIR/ps1.stop"
	wait "${BG_PIDS[0]}"
	# every ps beside them succeeded
	run -0 sort -u "$TEST_DIR/ps1"
	assert_output 0
	# fifty distinct ids, each the one its run printed
	run -0 bash -c "cat ${dirs[*]/%//out} | sort -u | grep -c '^[0-9a-f]\{64\}\$'"
	assert_output "$n"
	run -0 pea_cmd ps -a --format '{{.Names}} {{.State}}'
	assert_equal "${#lines[@]}" "$n"
	assert_equal "$(printf '%s\n' "${lines[@]}" | cut -d' ' -f1 | sort -u | wc -l)" "$n"
	assert_equal "$(printf '%s\n' "${lines[@]}" | grep -c ' running$')" "$n"
	# rm -af while they run, with ps beside it
	start=$SECONDS
	ps_loop "$TEST_DIR/ps2" 3>&- &
	BG_PIDS+=($!)
	dirs=("$(fe_submit rm -af)")
	fe_collect 300 "${dirs[@]}"
	assert_equal "$(grep -c . "${dirs[0]}/out")" "$n"
	echo "# rm -af of $n: $((SECONDS - start)) s" >&3
	touch "$TEST_DIR/ps2.stop"
	wait "${BG_PIDS[1]}"
	run -0 sort -u "$TEST_DIR/ps2"
	assert_output 0
	# nothing left: no record, no storage container, no mount, no monitor
	run -0 pea_cmd ps -aq
	assert_output ''
	run -0 timeout -k 5 60 "$PEA_STORAGE" --root "$FE_ROOT/storage" --runroot "$FE_RUNROOT/storage" container ls
	assert_equal "$(jq '.result | length' <<<"$output")" 0
	fe_no_mounts
	run -1 pgrep -f "$FE_ROOT/containers"
}

@test "stop and rm -f of the same container at once, twice over: both end well, nothing left" {
	local round a b
	for round in 1 2 3; do
		run -0 pea_cmd run -d --name "s$round" busybox sleep 1000
		a="$(fe_submit stop -t 1 "s$round")"
		b="$(fe_submit rm -f "s$round")"
		fe_done 60 "$a"
		fe_done 60 "$b"
		# rm always wins; stop either stopped it first or found it gone
		assert_equal "$(cat "$b/rc")" 0
		if [[ "$(cat "$a/rc")" != 0 ]]; then
			run cat "$a/err"
			assert_output --partial 'no such container'
		fi
	done
	# two rm -f at once: one removes it, the other finds it gone, which rm -f passes over
	# (podman's 055-rm, c14c227): both succeed, the id printed once, no error
	run -0 pea_cmd run -d --name twice busybox sleep 1000
	a="$(fe_submit rm -f twice)"
	b="$(fe_submit rm -f twice)"
	fe_done 60 "$a"
	fe_done 60 "$b"
	assert_equal "$(cat "$a/rc" "$b/rc" | tr '\n' ' ')" "0 0 "
	run cat "$a/out" "$b/out"
	assert_output twice
	run cat "$a/err" "$b/err"
	assert_output ''
	fe_nothing_left
}

@test "start and rm -f of a created container at once: it is removed, nothing left" {
	local round a b
	for round in 1 2 3; do
		run -0 pea_cmd create --name "c$round" busybox sleep 1000
		a="$(fe_submit start "c$round")"
		b="$(fe_submit rm -f "c$round")"
		fe_done 60 "$a"
		fe_done 60 "$b"
		assert_equal "$(cat "$b/rc")" 0
	done
	fe_nothing_left
}

@test "a --rm container stopped while its exit command runs: removed once, nothing left" {
	local k a
	for k in 1 2 3; do
		run -0 pea_cmd run -d --rm --name "r$k" busybox sh -c 'sleep 0.$k'
		a="$(fe_submit stop -t 0 "r$k")"
		fe_done 60 "$a"
	done
	for k in 1 2 3; do
		run pea_cmd wait "r$k"
	done
	for ((k = 0; k < 100; k++)); do
		[[ -z "$(pea_out ps -aq)" ]] && break
		sleep 0.1
	done
	fe_nothing_left
}

@test "a foreground run --rm killed (-9) while its container runs: the exit command removes it" {
	local d k
	# nothing marks the container's end as handled: the monitor's exit command removes it
	d="$(fe_submit_pid run --rm --name fgk busybox sleep 1)"
	while [[ ! -e "$d/pid" ]]; do sleep 0.01; done
	fe_wait_state fgk running
	kill -9 "$(cat "$d/pid")"
	fe_done 60 "$d"
	for ((k = 0; k < 300; k++)); do
		[[ -z "$(pea_out ps -aq)" ]] && break
		sleep 0.1
	done
	fe_nothing_left
}

@test "pea killed (-9) in the middle of run -d: ps works, the next start or rm repairs" {
	local delay d name k=0 delays
	delays="$(fe_delays run -d --name timed busybox sleep 1000)"
	run -0 pea_cmd rm -f timed
	for delay in $delays; do
		name="k$((k++))"
		d="$(fe_submit_pid run -d --name "$name" busybox sleep 1000)"
		while [[ ! -e "$d/pid" ]]; do sleep 0.01; done
		sleep "$delay"
		kill -9 "$(cat "$d/pid")" 2>/dev/null || true
		fe_done 60 "$d"
		run -0 pea_cmd ps -a --format '{{.Names}} {{.State}}'
		# killed before its record was written: rm has none (and sweeps the rest); with
		# --force a missing container is no error, as podman's (055-rm). Killed between
		# its storage container and its record, rm removes that (as external) by name
		if [[ -z "$(pea_out ps -aq)" ]]; then
			run -0 pea_cmd rm -f "$name"
			[[ -z "$output" || "$output" == "$name" ]] || fail "rm -f $name: $output"
			run -1 pea_cmd rm "$name"
			assert_output "Error: no container with name or ID \"$name\" found: no such container"
			continue
		fi
		# else a start brings it up, or says in one line what failed
		run pea_cmd start "$name"
		if [[ "$status" == 0 ]]; then
			fe_wait_state "$name" running
		else
			assert_equal "${#lines[@]}" 1
			assert_output --regexp '^Error: .*'
		fi
		run -0 pea_cmd rm -f "$name"
	done
	fe_nothing_left
}

@test "pea killed (-9) in the middle of rm -f: the next rm -f removes the rest" {
	local delay d name k=0 delays
	run -0 pea_cmd run -d --name timed busybox sleep 1000
	delays="$(fe_delays rm -f timed)"
	for delay in $delays; do
		name="m$((k++))"
		run -0 pea_cmd run -d --name "$name" busybox sleep 1000
		d="$(fe_submit_pid rm -f "$name")"
		while [[ ! -e "$d/pid" ]]; do sleep 0.01; done
		sleep "$delay"
		kill -9 "$(cat "$d/pid")" 2>/dev/null || true
		fe_done 60 "$d"
		run -0 pea_cmd ps -a --format '{{.Names}} {{.State}}'
		run pea_cmd rm -f "$name"
		if [[ "$status" != 0 ]]; then
			assert_equal "$status" 1
			assert_output --partial 'no such container'
		fi
	done
	fe_nothing_left
}

@test "a container's lock held: ps and inspect do not wait, its stop waits, other containers go on" {
	require_cmd flock
	run -0 pea_cmd run -d --name held busybox sleep 1000
	id=$output
	run -0 pea_cmd run -d --name other busybox sleep 1000
	# hold held's lock (RUNROOT/locks/ID) until the release file exists
	timeout -k 5 60 flock "$FE_RUNROOT/locks/$id" \
		bash -c 'while [[ ! -e "$0" ]]; do sleep 0.05; done' "$TEST_DIR/release" 3>&- &
	BG_PIDS+=($!)
	for ((k = 0; k < 100; k++)); do
		flock -n "$FE_RUNROOT/locks/$id" true || break
		sleep 0.05
	done
	run -1 flock -n "$FE_RUNROOT/locks/$id" true
	d="$(fe_submit stop -t 0 held)"
	run -0 pea_cmd ps -a --format '{{.Names}} {{.State}}' --sort names
	assert_output "held running
other running"
	run -0 pea_cmd inspect --format '{{.State.Status}}' held
	assert_output running
	run -0 pea_cmd stop -t 0 other
	run -0 pea_cmd rm other
	# the stop of held is still waiting for its lock
	[[ ! -e "$d/rc" ]]
	touch "$TEST_DIR/release"
	fe_done 60 "$d"
	assert_equal "$(cat "$d/rc")" 0
	run -0 pea_cmd inspect --format '{{.State.Status}}' held
	assert_output exited
}

@test "rename and cp of a stopped container wait for its lock (a start of it in progress)" {
	require_cmd flock
	run -0 pea_cmd create --name r1 busybox sleep 1000
	id=$output
	timeout -k 5 60 flock "$FE_RUNROOT/locks/$id" \
		bash -c 'while [[ ! -e "$0" ]]; do sleep 0.05; done' "$TEST_DIR/release" 3>&- &
	BG_PIDS+=($!)
	for ((k = 0; k < 100; k++)); do
		flock -n "$FE_RUNROOT/locks/$id" true || break
		sleep 0.05
	done
	d="$(fe_submit rename r1 r2)"
	c="$(fe_submit cp r1:/etc/passwd "$TEST_DIR/passwd")"
	sleep 1
	[[ ! -e "$d/rc" && ! -e "$c/rc" ]]
	touch "$TEST_DIR/release"
	fe_done 60 "$d"
	fe_done 60 "$c"
	assert_equal "$(cat "$d/rc")" 0
	assert_equal "$(cat "$c/rc")" 0
	run -0 pea_cmd ps -a --format '{{.Names}}'
	assert_output r2
	[[ -s "$TEST_DIR/passwd" ]]
}

@test "rm of several at once (in parallel): ids in the order given, each error on its line, podman's exit codes" {
	local up
	run -0 pea_cmd create --name c1 busybox true
	run -0 pea_cmd create --name c2 busybox true
	run -0 pea_cmd run -d --name up busybox sleep 1000
	up="$output"
	run -0 pea_cmd create --name c3 busybox true
	# 2 (running without -f) wins over 1 (no such container)
	run -2 --separate-stderr pea_cmd rm c1 nothere up c2 c3
	assert_equal "$output" $'c1\nc2\nc3'
	assert_equal "$stderr" "Error: no container with name or ID \"nothere\" found: no such container
Error: cannot remove container $up as it is running - running or paused containers cannot be removed without force: container state improper"
	run -1 --separate-stderr pea_cmd rm nothere c1
	assert_equal "$stderr" "Error: no container with name or ID \"nothere\" found: no such container
Error: no container with name or ID \"c1\" found: no such container"
	assert_output ''
	# -f kills it first; -i: what does not exist is no error
	run -0 --separate-stderr pea_cmd rm -f -i nothere up gone
	assert_output up
	assert_equal "$stderr" ''
	fe_nothing_left
}
