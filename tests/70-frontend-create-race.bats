#!/usr/bin/env bats
# pea: a create's two steps, its storage container and then its record (as
# podman: storage, then database). Killed between them (PEA_TEST_CREATE_KILL),
# it leaves a storage container naming its owner, which ps --external lists and
# rm / rm -a remove. Containers made at once under one name: one wins, the
# others fail in one line and leave nothing (no record, no storage container,
# no external one): the name is checked and the record written under one lock.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-frontend
load helpers/fe-file

# The storage containers of the test's store (pea-storage container ls).
store_count() {
	"$PEA_STORAGE" --root "$FE_ROOT/storage" --runroot "$FE_RUNROOT/storage" container ls |
		jq '.result | length'
}

@test "8 concurrent create --name x, 3 rounds: one wins, the others say the name is in use" {
	local round i pids ok fails
	for round in 1 2 3; do
		pids=()
		for ((i = 0; i < 8; i++)); do
			pea_cmd create --name "x$round" busybox true >"$TEST_DIR/c.$round.$i" 2>&1 &
			pids+=($!)
		done
		ok=0 fails=0
		for i in "${!pids[@]}"; do
			if wait "${pids[$i]}"; then
				ok=$((ok + 1))
			else
				grep -q "the container name \"x$round\" is already in use" "$TEST_DIR/c.$round.$i" ||
					fail "round $round, create $i: $(cat "$TEST_DIR/c.$round.$i")"
				fails=$((fails + 1))
			fi
		done
		assert_equal "$ok $fails" "1 7"
	done
	run -0 pea_cmd ps -a --format '{{.Names}}'
	assert_equal "$(sort <<<"$output" | tr '\n' ' ')" "x1 x2 x3 "
	assert_equal "$(store_count)" 3
	run -0 pea_cmd ps --external -a --format '{{.Names}}'
	assert_equal "$(sort <<<"$output" | tr '\n' ' ')" "x1 x2 x3 "
	run -0 pea_cmd rm -a
	assert_equal "$(store_count)" 0
}

@test "4 concurrent run --rm --name y: one runs, the others fail, nothing is left" {
	local i pids=() ok=0
	for ((i = 0; i < 4; i++)); do
		pea_cmd run --rm --name y busybox sleep 0.5 >"$TEST_DIR/r.$i" 2>&1 &
		pids+=($!)
	done
	for i in "${!pids[@]}"; do
		if wait "${pids[$i]}"; then
			ok=$((ok + 1))
		else
			grep -q 'the container name "y" is already in use' "$TEST_DIR/r.$i" ||
				fail "run $i: $(cat "$TEST_DIR/r.$i")"
		fi
	done
	# all four may have run one after the other (each run's end frees the name)
	[[ $ok -ge 1 ]]
	run -0 pea_cmd ps -a -q
	assert_output ""
	assert_equal "$(store_count)" 0
	fe_no_mounts
}

@test "killed between storage and record: ps --external lists it, rm and rm -a remove it" {
	PEA_TEST_CREATE_KILL=1 run -137 "$PEA" "${FE_ARGS[@]}" create --name k busybox true
	run -0 pea_cmd ps -a -q
	assert_output ""
	assert_equal "$(store_count)" 1
	run -0 pea_cmd ps -a --external --format '{{.Names}} {{.Status}}'
	assert_output "k Storage"
	run -0 pea_cmd rm k
	assert_output k
	assert_equal "$(store_count)" 0
	# a run's is mounted (create --mount); a random name is chosen before the storage
	PEA_TEST_CREATE_KILL=1 run -137 "$PEA" "${FE_ARGS[@]}" run --rm --network none busybox true
	PEA_TEST_CREATE_KILL=1 run -137 "$PEA" "${FE_ARGS[@]}" create --name k2 busybox true
	run -0 pea_cmd ps -a --external --format '{{.Names}}'
	assert_equal "${#lines[@]}" 2
	assert_line k2
	assert_line --regexp '^[a-z]+_[a-z]+$'
	run -0 pea_cmd rm -a
	assert_equal "${#lines[@]}" 2
	assert_equal "$(store_count)" 0
	run -0 pea_cmd ps -a --external -q
	assert_output ""
	fe_no_mounts
	# the name is free again
	run -0 pea_cmd create --name k busybox true
	run -0 pea_cmd rm k
}
