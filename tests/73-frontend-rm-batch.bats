#!/usr/bin/env bats
# pea rm of several containers: its workers, each holding its container's lock, hand the
# removal of their storage to the parent, which removes those waiting in one pea-storage
# call (`container rm --force --ignore ID...`): every container's storage goes once, and
# when such a call fails each worker removes its own and reports its own error.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-frontend
load helpers/fe-file

setup() {
	fe_file_setup jq
	# pea beside its helpers, pea-storage a wrapper that logs its arguments, and fails
	# the batches (--ignore) while $TEST_DIR/fail-batch exists
	fe_storage_logged "$(
		cat <<-SH
			if [[ -e "$TEST_DIR/fail-batch" && " \$* " == *" --ignore "* ]]; then
			  echo '{"error":{"code":5,"errno":"EIO","message":"batch refused"}}'
			  exit 1
			fi
			# the first batch takes 2 s while $TEST_DIR/slow-batch exists
			if [[ " \$* " == *" --ignore "* ]] && rm "$TEST_DIR/slow-batch" 2>/dev/null; then
			  sleep 2
			fi
		SH
	)"
}

teardown() {
	fe_storage_logged_end
	fe_file_teardown
}

# the ids given to the storage's `container rm` calls, one a line, sorted
removed_ids() {
	grep -E '(^| )container rm ' "$TEST_DIR/storage.log" |
		sed -E 's/.* container rm (--[a-z0-9=-]+ )*//' | tr ' ' '\n' | grep . | sort
}

@test "rm -af of several: each one's storage removed once, by the batches of the parent" {
	local all=() k
	for k in 1 2 3 4; do
		all+=("$(pea_out run -d --network none --name "r$k" busybox sleep 1000)")
	done
	all+=("$(pea_out create --network none --name c1 busybox true)")
	all+=("$(pea_out create --network none --name c2 busybox true)")
	: >"$TEST_DIR/storage.log"
	run -0 pea_cmd rm -af
	assert_equal "$(sort <<<"$output")" "$(printf '%s\n' "${all[@]}" | sort)"
	# every storage removal was a batch of the parent's (--ignore), each id in one only
	run -0 grep -c ' container rm ' "$TEST_DIR/storage.log"
	run -1 grep -E ' container rm --force (--hand-off-fd=3 )?[0-9a-f]{64}$' "$TEST_DIR/storage.log"
	run -0 removed_ids
	assert_output "$(printf '%s\n' "${all[@]}" | sort)"
	run -0 pea_cmd ps -a -q
	assert_output ""
	run -0 "$PEA_BUILD/bin/pea-storage" --root "$FE_ROOT/storage" --runroot "$FE_RUNROOT/storage" container ls
	assert_equal "$(jq -c .result <<<"$output")" "[]"
}

# Each batch execs pea-storage and reads every record under the store's lock, where the
# batches queue anyway: beside one under way, another starts only once 8 wait or no more
# will come (rm -af of 100 made ~60 batches under strace at load ~6, now ~21).
@test "rm -af of 12 while the first batch takes 2 s: the rest go in 2 batches, not one a worker" {
	local all=() k
	for k in $(seq 1 12); do
		all+=("$(pea_out run -d --network none busybox sleep 1000)")
	done
	: >"$TEST_DIR/storage.log"
	: >"$TEST_DIR/slow-batch"
	run -0 pea_cmd rm -af
	assert_equal "$(sort <<<"$output")" "$(printf '%s\n' "${all[@]}" | sort)"
	run -0 removed_ids
	assert_output "$(printf '%s\n' "${all[@]}" | sort)"
	run -0 grep -c ' container rm .*--ignore' "$TEST_DIR/storage.log"
	[[ "$output" -le 3 ]]
	run -0 pea_cmd ps -a -q
	assert_output ""
}

@test "rm -f of several when a batch fails: each removes its own, errors per container" {
	local a b
	a=$(pea_out run -d --network none --name a busybox sleep 1000)
	b=$(pea_out create --network none --name b busybox true)
	touch "$TEST_DIR/fail-batch"
	: >"$TEST_DIR/storage.log"
	run -0 pea_cmd rm -f a b nothere
	assert_equal "$(sort <<<"$output")" "$(printf '%s\n' a b)"
	# the batches failed, then each worker's own call
	run -0 grep -c -E ' container rm --force (--hand-off-fd=3 )?[0-9a-f]{64}$' "$TEST_DIR/storage.log"
	assert_output 2
	run -0 pea_cmd ps -a -q
	assert_output ""
	# a container running without -f: its own error, the others removed, podman's 2
	a=$(pea_out run -d --network none --name a busybox sleep 1000)
	b=$(pea_out create --network none --name b busybox true)
	rm "$TEST_DIR/fail-batch"
	run -2 pea_cmd rm a b
	assert_line b
	assert_line "Error: cannot remove container $a as it is running - running or paused containers cannot be removed without force: container state improper"
	run -0 pea_cmd ps -a -q --no-trunc
	assert_output "$a"
	run -0 pea_cmd rm -f a
}

@test "rm -af of 100 under a soft limit of 256 open files: all removed, nothing left" {
	local i
	for ((i = 0; i < 100; i++)); do
		pea_out create --network none busybox true >/dev/null
	done
	# each removed container's tombstones, trash entries and mount are fds held for the
	# remover: a bounded number at once (they ran out at ~40 containers here before)
	run -0 bash -c 'ulimit -Sn 256 && exec "$@"' _ "$PEA" "${FE_ARGS[@]}" rm -af
	assert_equal "$(wc -l <<<"$output")" 100
	refute_output --partial "Error"
	run -0 pea_cmd ps -a -q
	assert_output ""
	run -0 "$PEA_BUILD/bin/pea-storage" --root "$FE_ROOT/storage" --runroot "$FE_RUNROOT/storage" container ls
	assert_equal "$(jq -c .result <<<"$output")" "[]"
}
