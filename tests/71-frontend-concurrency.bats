#!/usr/bin/env bats
# pea run -d fifty times at once, with ps and rm -af beside: every one succeeds, each with
# its own name and id, and rm -af leaves nothing behind.
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

# fe_collect SECONDS DIR...: wait for the results (runs queue on the records lock: the
# last of fifty waits for the others, longer than pea_cmd waits); 1 if one failed.
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
