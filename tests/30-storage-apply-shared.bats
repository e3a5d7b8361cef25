#!/usr/bin/env bats
# pea-storage: two applies of one layer at once (two pulls), a child waiting for it.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-storage
load helpers/storage-file

# sh_holders ID: how many processes hold staging/applying-ID.lock.
sh_holders() {
	local ino
	ino="$(stat -c %i "$STORE_ROOT/staging/applying-$1.lock" 2>/dev/null)" || {
		echo 0
		return
	}
	grep -c ":$ino " /proc/locks || true
}

# sh_wait_read PID: until the apply under PID (st_apply_bg's) reads its pipe: it started.
sh_wait_read() {
	local n c
	for ((n = 0; n < 200; n++)); do
		for c in $(pgrep -P "$1"); do
			[[ "$(cat "/proc/$c/wchan" 2>/dev/null)" == *pipe_read* ]] && return 0
		done
		sleep 0.05
	done
	return 1
}

# sh_wait_holders ID N: until N processes hold it.
sh_wait_holders() {
	local n
	for ((n = 0; n < 200; n++)); do
		[[ "$(sh_holders "$1")" -ge "$2" ]] && return 0
		sleep 0.05
	done
	return 1
}

@test "apply-shared: a killed apply of a layer that another apply of it commits: the child commits" {
	local fa fb pa pb pc rc
	st_two_layers
	mkfifo "$TEST_DIR/fa" "$TEST_DIR/fb"
	exec {fa}<>"$TEST_DIR/fa" {fb}<>"$TEST_DIR/fb"
	st_apply_bg "$TEST_DIR/oa" --diff-id "$D1" --wait-parent "$TEST_DIR/fa" {fa}>&- {fb}>&-
	pa=$BG_PID
	st_wait_announced "$C1"
	head -c 512 "$TEST_DIR/l1.tar" >&"$fa"
	st_apply_bg "$TEST_DIR/ob" --diff-id "$D1" --wait-parent "$TEST_DIR/fb" {fa}>&- {fb}>&-
	pb=$BG_PID
	sh_wait_read "$pb"
	st_apply_bg "$TEST_DIR/oc" --parent "$C1" --diff-id "$D2" --wait-timeout 604800 \
		--wait-parent "$TEST_DIR/l2.tar.gz" {fa}>&- {fb}>&-
	pc=$BG_PID
	st_wait_flock "$pc"
	kill -9 "$(st_apply_pid "$pa")"
	rc=0
	wait "$pa" || rc=$?
	assert_equal "$rc" 137
	exec {fa}>&-
	sleep 0.3 # the child would see the killed apply's lock now
	kill -0 "$pc"
	cat "$TEST_DIR/l1.tar" >&"$fb"
	exec {fb}>&-
	wait "$pb"
	rc=0
	wait "$pc" || rc=$?
	run cat "$TEST_DIR/oc.err"
	assert_output ""
	assert_equal "$rc" 0
	assert_equal "$(jq -r .result.id "$TEST_DIR/oc")" "$C2"
	assert_equal "$(jq -r .result.id "$TEST_DIR/ob")" "$C1"
	assert_equal "$(st_store_listing)" "$(st_sequential_listing)"
	# the last apply removed its lock; the killed one's staging goes with the next writer
	[[ ! -e "$STORE_ROOT/staging/applying-$C1.lock" ]]
	run -0 pstore check
	assert_equal "$(find "$STORE_ROOT/staging" -mindepth 1 | wc -l)" 0
}

@test "apply-shared: a failed apply of a layer that another apply of it commits: the child commits" {
	local fb pb pc rc
	st_two_layers
	mkfifo "$TEST_DIR/fb"
	exec {fb}<>"$TEST_DIR/fb"
	st_apply_bg "$TEST_DIR/ob" --diff-id "$D1" "$TEST_DIR/fb" {fb}>&-
	pb=$BG_PID
	st_wait_announced "$C1"
	head -c 512 "$TEST_DIR/l1.tar" >&"$fb"
	st_apply_bg "$TEST_DIR/oc" --parent "$C1" --diff-id "$D2" "$TEST_DIR/l2.tar.gz" {fb}>&-
	pc=$BG_PID
	st_wait_flock "$pc"
	# another apply of the same layer fails on its digest while the first one runs
	run -1 pstore layer apply --diff-id "$D1" --digest "$G2" "$TEST_DIR/l1.tar"
	assert_output --partial "the stream's digest is '$G1', not '$G2'"
	sleep 0.3
	kill -0 "$pc"
	assert_equal "$(sh_holders "$C1")" 2 # the first apply and the waiting child
	tail -c +513 "$TEST_DIR/l1.tar" >&"$fb"
	exec {fb}>&-
	rc=0
	wait "$pb" || rc=$?
	run cat "$TEST_DIR/ob.err"
	assert_output ""
	assert_equal "$rc" 0
	rc=0
	wait "$pc" || rc=$?
	run cat "$TEST_DIR/oc.err"
	assert_output ""
	assert_equal "$rc" 0
	assert_equal "$(st_store_listing)" "$(st_sequential_listing)"
	[[ ! -e "$STORE_ROOT/staging/applying-$C1.lock" ]]
}

@test "apply-shared: both applies of the parent killed: the child fails at once" {
	local fa fb pa pb pc rc
	st_two_layers
	mkfifo "$TEST_DIR/fa" "$TEST_DIR/fb"
	exec {fa}<>"$TEST_DIR/fa" {fb}<>"$TEST_DIR/fb"
	st_apply_bg "$TEST_DIR/oa" --diff-id "$D1" "$TEST_DIR/fa" {fa}>&- {fb}>&-
	pa=$BG_PID
	st_wait_announced "$C1"
	st_apply_bg "$TEST_DIR/ob" --diff-id "$D1" "$TEST_DIR/fb" {fa}>&- {fb}>&-
	pb=$BG_PID
	sh_wait_holders "$C1" 2
	st_apply_bg "$TEST_DIR/oc" --parent "$C1" --diff-id "$D2" "$TEST_DIR/l2.tar.gz" {fa}>&- {fb}>&-
	pc=$BG_PID
	st_wait_flock "$pc"
	kill -9 "$(st_apply_pid "$pa")" "$(st_apply_pid "$pb")"
	wait "$pa" || true
	wait "$pb" || true
	exec {fa}>&- {fb}>&-
	rc=0
	wait "$pc" || rc=$?
	assert_equal "$rc" 1
	run cat "$TEST_DIR/oc.err"
	assert_output "pea-storage: layer apply: parent layer '$C1': its apply stopped before committing it"
	run -0 pstore check --repair
	st_nothing_left
}

@test "apply-shared: --start-timeout bounds the wait for a parent not started, not for one running" {
	local fd ppid
	st_two_layers
	run -1 timeout -k 5 60 "$PEA_STORAGE" --root "$STORE_ROOT" --runroot "$STORE_RUN" \
		--storage-driver "$STORAGE_DRIVER" layer apply --wait-parent --wait-timeout 600 \
		--start-timeout 1 --parent "$C1" "$TEST_DIR/l2.tar.gz"
	assert_output --partial "parent layer '$C1': its apply did not start in 1 s (--start-timeout)"
	assert_equal "$(jq -r .error.errno <<<"${lines[-1]}")" ETIMEDOUT
	st_nothing_left
	# the shorter of the two names itself
	run -1 pstore layer apply --wait-parent --wait-timeout 1 --start-timeout 5 \
		--parent "$C1" "$TEST_DIR/l2.tar.gz"
	assert_output --partial "parent layer '$C1': its apply did not start in 1 s (--wait-timeout)"
	# a parent that runs for longer than --start-timeout is waited for
	mkfifo "$TEST_DIR/fifo"
	exec {fd}<>"$TEST_DIR/fifo"
	st_apply_bg "$TEST_DIR/o1" --diff-id "$D1" "$TEST_DIR/fifo" {fd}>&-
	ppid=$BG_PID
	st_wait_announced "$C1"
	st_apply_bg "$TEST_DIR/o2" --wait-parent --start-timeout 1 --parent "$C1" --diff-id "$D2" \
		"$TEST_DIR/l2.tar.gz" {fd}>&-
	cpid=$BG_PID
	st_wait_flock "$cpid"
	sleep 2
	cat "$TEST_DIR/l1.tar" >&"$fd"
	exec {fd}>&-
	wait "$ppid"
	wait "$cpid"
	assert_equal "$(jq -r .result.id "$TEST_DIR/o2")" "$C2"
	for bad in 0 -1 x 604801 ""; do
		run -2 pstore layer apply --start-timeout "$bad" "$TEST_DIR/l1.tar"
		assert_output --partial "layer apply: invalid --start-timeout '$bad' (seconds, 1 to 604800)"
	done
}
