#!/usr/bin/env bats
# A removal takes the container's folders (ROOT/containers/ID, RUNROOT/containers/ID)
# away at once, renamed to tombstones (.rm-ID) that a detached process removes, holding
# an flock on each until it is gone; the storage's layer goes to pea-storage's trash the
# same way, and pea-storage passes its entries to that process (--hand-off-fd): one
# remover per removal. A tombstone nobody holds (its remover killed) is swept by the next removal,
# one held is left alone. A foreground run --rm does not wait for those removers.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-frontend
load helpers/fe-file

setup() {
	fe_file_setup jq
}

teardown() {
	# the tmpfs test's roots, when it failed before its umount
	if mountpoint -q "$TEST_DIR/mnt" 2>/dev/null; then
		umount -R -l "$TEST_DIR/mnt" || true
	fi
	fe_file_teardown
}

# no_tombs_soon: every tombstone and trash entry gone within 10 s (the removers are quick)
no_tombs_soon() {
	local t
	for ((t = 0; t < 200; t++)); do
		if [[ -z "$(ls -A "$FE_ROOT/storage/trash" 2>/dev/null)" ]] &&
			! ls -A "$FE_ROOT/containers" "$FE_RUNROOT/containers" 2>/dev/null | grep -q '^\.rm-'; then
			return 0
		fi
		sleep 0.05
	done
	ls -la "$FE_ROOT/containers" "$FE_RUNROOT/containers" "$FE_ROOT/storage/trash" >&2
	return 1
}

@test "rm tombs: run --rm and rm leave no folder, no tombstone, no trash entry" {
	run -0 pea_cmd run --rm --network none busybox true
	run -0 pea_cmd run -d --network none busybox sleep 100
	local id=$output
	[[ -d "$FE_ROOT/containers/$id" && -d "$FE_RUNROOT/containers/$id" ]]
	run -0 pea_cmd rm -f "$id"
	# gone at once for every reader
	[[ ! -e "$FE_ROOT/containers/$id" && ! -e "$FE_RUNROOT/containers/$id" ]]
	run -0 pea_cmd ps -aq
	assert_output ""
	no_tombs_soon
}

@test "rm tombs: PEA_TEST_TOMB_WAIT and PEA_STORAGE_TEST_TRASH_WAIT remove before pea returns" {
	# pea itself, not pea_cmd: the file's server runs pea with its own environment
	PEA_TEST_TOMB_WAIT=1 PEA_STORAGE_TEST_TRASH_WAIT=1 run -0 "$PEA" "${FE_ARGS[@]}" run --rm --network none busybox true
	run ls -A "$FE_ROOT/containers" "$FE_RUNROOT/containers" "$FE_ROOT/storage/trash"
	refute_output --partial ".rm-"
	[[ -z "$(ls -A "$FE_ROOT/storage/trash")" ]]
}

@test "rm tombs: a tombstone nobody holds is swept by the next removal; one held is left" {
	local free=".rm-$(printf 'a%.0s' {1..64})" held=".rm-$(printf 'b%.0s' {1..64})" fd fd2
	run -0 pea_cmd run -d --network none busybox sleep 100
	local id=$output
	mkdir -p "$FE_ROOT/containers/$free/x" "$FE_RUNROOT/containers/$free/x" \
		"$FE_ROOT/containers/$held/x" "$FE_RUNROOT/containers/$held/x"
	echo data >"$FE_ROOT/containers/$free/x/pea.json"
	exec {fd}<"$FE_RUNROOT/containers/$held"
	flock -x "$fd"
	exec {fd2}<"$FE_ROOT/containers/$held"
	flock -x "$fd2"
	PEA_TEST_TOMB_WAIT=1 run -0 "$PEA" "${FE_ARGS[@]}" rm -f "$id"
	[[ ! -e "$FE_ROOT/containers/$free" && ! -e "$FE_RUNROOT/containers/$free" ]]
	[[ -d "$FE_ROOT/containers/$held/x" && -d "$FE_RUNROOT/containers/$held/x" ]]
	exec {fd}<&- {fd2}<&-
	run -0 pea_cmd run --rm --network none busybox true
	[[ ! -e "$FE_ROOT/containers/$held" && ! -e "$FE_RUNROOT/containers/$held" ]]
	no_tombs_soon
}

@test "rm tombs: a stale tombstone of the same name (a killed rm, the folder made again) does not stop the next rm" {
	run -0 pea_cmd run -d --network none --name e1 busybox sleep 100
	local id=$output
	run -0 pea_cmd stop -t 0 e1
	# what a kill -9 of 'pea rm -f e1' right after its run folder's rename leaves
	mv "$FE_RUNROOT/containers/$id" "$FE_RUNROOT/containers/.rm-$id"
	run -0 pea_cmd start e1
	[[ -d "$FE_RUNROOT/containers/$id" ]]
	run -0 pea_cmd rm -f e1
	run -0 pea_cmd ps -aq
	assert_output ""
	[[ ! -e "$FE_RUNROOT/containers/$id" ]]
	no_tombs_soon
	# the same with the stale one's remover at work: the folder goes in place, the held one stays
	run -0 pea_cmd run -d --network none --name e2 busybox sleep 100
	id=$output
	mkdir -p "$FE_RUNROOT/containers/.rm-$id/x"
	local fd
	exec {fd}<"$FE_RUNROOT/containers/.rm-$id"
	flock -x "$fd"
	run -0 pea_cmd rm -f e2
	[[ ! -e "$FE_RUNROOT/containers/$id" && -d "$FE_RUNROOT/containers/.rm-$id/x" ]]
	exec {fd}<&-
	run -0 pea_cmd run --rm --network none busybox true
	no_tombs_soon
}

@test "rm tombs: a mount left in the run folder: rm says so and keeps the container, not a tombstone nobody can remove" {
	run -0 pea_cmd run -d --network none --name m1 busybox sleep 100
	local id=$output
	mkdir "$FE_RUNROOT/containers/$id/leak"
	mount -t tmpfs leak "$FE_RUNROOT/containers/$id/leak"
	run -125 pea_cmd rm -f m1
	umount "$FE_RUNROOT/containers/$id/leak"
	assert_output --partial "'$FE_RUNROOT/containers/$id/leak' is a mount point, not removing it"
	assert_equal "${#lines[@]}" 1
	run ls -A "$FE_RUNROOT/containers"
	refute_output --partial ".rm-"
	run -0 pea_cmd ps -a --format '{{.Names}}'
	assert_output m1
	run -0 pea_cmd rm -f m1
	run -0 pea_cmd ps -aq
	assert_output ""
	no_tombs_soon
}

# rm -a reads mountinfo once for all its workers (a snapshot of the mount points under the
# containers' folders; each read cost ~1 ms with 100 containers' overlays in it, twice a
# container): a mount there is still seen, and one gone since (a network namespace's,
# unmounted by the removal) does not keep its container.
@test "rm tombs: rm -af with a mount left in one run folder: that one is kept, in one line; the others go" {
	local ids=() n id wrap="$TEST_DIR/umount-runtime" gone="$TEST_DIR/gone-path"
	# the third one's runtime unmounts the mount in its run folder at its delete: a mount
	# gone once the removal is under way (a network namespace's)
	{
		echo '#!/bin/bash'
		echo '[[ " $* " == *" delete "* ]] && umount "$(cat "'"$gone"'")" 2>/dev/null'
		echo 'exec "'"${PEA_FE_RUNTIME:-$PEA_RUNTIME}"'" "$@"'
	} >"$wrap"
	chmod +x "$wrap"
	for n in 1 2 3; do
		local rt=()
		[[ $n == 3 ]] && rt=(--runtime "$wrap")
		run -0 pea_cmd run -d --network none "${rt[@]}" busybox sleep 100
		ids+=("$output")
	done
	id=${ids[1]}
	mkdir "$FE_RUNROOT/containers/$id/leak" "$FE_RUNROOT/containers/${ids[2]}/gone"
	mount -t tmpfs leak "$FE_RUNROOT/containers/$id/leak"
	mount -t tmpfs gone "$FE_RUNROOT/containers/${ids[2]}/gone"
	echo "$FE_RUNROOT/containers/${ids[2]}/gone" >"$gone"
	run -125 --separate-stderr pea_cmd rm -af
	umount "$FE_RUNROOT/containers/$id/leak"
	if mountpoint -q "$FE_RUNROOT/containers/${ids[2]}/gone"; then
		umount "$FE_RUNROOT/containers/${ids[2]}/gone"
	fi
	assert_equal "${#stderr_lines[@]}" 1
	[[ "${stderr_lines[0]}" == *"'$FE_RUNROOT/containers/$id/leak' is a mount point, not removing it" ]]
	run -0 pea_cmd ps -a -q --no-trunc
	assert_output "$id"
	run -0 pea_cmd rm -f "$id"
	no_tombs_soon
}

@test "rm tombs: rm -af of 4 reads mountinfo once (was 8) and makes 4 lock files (was 12), 8 record reads (was 12), run --rm's end reads it once (was 2)" {
	require_cmd strace
	local n
	for n in 1 2 3 4; do
		run -0 pea_cmd run -d --network none busybox sleep 100
	done
	run -0 strace -f -qq -e trace=openat -o "$TEST_DIR/rm.trace" "$PEA" "${FE_ARGS[@]}" rm -af
	run -0 grep -c 'mountinfo' "$TEST_DIR/rm.trace"
	assert_output 1
	# one lock file a container, its removal's: the final sweep passes over the tombstones
	# their remover holds before it takes their lock (it made 3 a container)
	run -0 grep -cE 'locks/[0-9a-f]{64}", O_RDWR\|O_CREAT' "$TEST_DIR/rm.trace"
	assert_output 4
	# each record read twice: the list's, then its worker's under its lock (three before)
	run -0 grep -c '/pea.json"' "$TEST_DIR/rm.trace"
	assert_output 8
	# pea's own process (pea-runtime reads it too, for its mounts)
	run -0 strace -qq -e trace=openat -o "$TEST_DIR/run.trace" "$PEA" "${FE_ARGS[@]}" run --rm --network none busybox true
	run -0 grep -c 'mountinfo' "$TEST_DIR/run.trace"
	assert_output 1
	no_tombs_soon
}

# The remover yields to what is still under way on a busy machine (rm -a hands one off
# every 64 containers while its workers go on): nice 10, best-effort I/O level 7.
@test "rm tombs: the remover runs at nice 10 and the lowest best-effort I/O priority" {
	require_cmd strace
	run -0 pea_cmd run -d --network none busybox sleep 100
	# a file a process (-ff): no line of one split by another's
	run -0 strace -ff -qq -e trace=setpriority,ioprio_set -o "$TEST_DIR/rm.trace" "$PEA" "${FE_ARGS[@]}" rm -f "$output"
	run -0 bash -c "cat '$TEST_DIR'/rm.trace.* | grep -c -E 'setpriority\(PRIO_PROCESS, 0, 10\) += 0'"
	assert_output 1
	run -0 bash -c "cat '$TEST_DIR'/rm.trace.* | grep -c -E 'ioprio_set\(IOPRIO_WHO_PROCESS, 0, IOPRIO_PRIO_VALUE\(IOPRIO_CLASS_BE, 7\)\) += 0'"
	assert_output 1
	no_tombs_soon
}

@test "rm tombs: rm -a of several, then ps while their removers run: nothing half there" {
	local n
	for n in 1 2 3 4 5; do
		run -0 pea_cmd run -d --network none busybox sleep 100
	done
	pea_cmd rm -af >/dev/null &
	local rm_pid=$!
	for n in 1 2 3 4 5 6 7 8; do
		run -0 pea_cmd ps -a --format '{{.ID}} {{.Status}}'
		refute_output --partial "error"
		refute_output --partial "warning"
	done
	wait "$rm_pid"
	run -0 pea_cmd ps -aq
	assert_output ""
	no_tombs_soon
}

# Under a subreaper that does not reap (PID 1 here, a container without an init), what
# a removal leaves to end on its own is one detached remover: pea-storage's trash and
# detached mounts are passed to pea's (--hand-off-fd), not removed by a second one.
@test "rm tombs: run --rm, rm and rm -a leave one remover each to a subreaper that does not reap" {
	run -0 "$PEA_TEST_HELPERS/noreap.py" "$PEA" "${FE_ARGS[@]}" run --rm --network none busybox true
	assert_output "left 1: pea"
	run -0 pea_cmd run -d --network none busybox sleep 100
	local id=$output
	run -0 "$PEA_TEST_HELPERS/noreap.py" "$PEA" "${FE_ARGS[@]}" rm -f -t 0 "$id"
	assert_line --index 0 "$id"
	assert_line --index 1 "left 1: pea"
	run -0 pea_cmd run -d --network none busybox true
	id=$output
	run -0 pea_cmd wait "$id"
	run -0 "$PEA_TEST_HELPERS/noreap.py" "$PEA" "${FE_ARGS[@]}" rm "$id"
	assert_line --index 1 "left 1: pea"
	no_tombs_soon
	# rm -a: its workers pass their tombstones, its batches' pea-storage their trash and
	# mounts, to one remover for the whole rm
	local k
	for k in 1 2 3 4; do
		run -0 pea_cmd run -d --network none busybox sleep 100
	done
	run -0 pea_cmd run -d --network none busybox true
	run -0 "$PEA_TEST_HELPERS/noreap.py" "$PEA" "${FE_ARGS[@]}" rm -af -t 0
	assert_equal "${#lines[@]}" 6
	assert_line --index 5 "left 1: pea"
	run -0 pea_cmd ps -aq
	assert_output ""
	no_tombs_soon
	# and none when the removal is waited for
	PEA_RM_SYNC=1 run -0 "$PEA_TEST_HELPERS/noreap.py" "$PEA" "${FE_ARGS[@]}" run --rm --network none busybox true
	assert_output "left 0:"
	run ls -A "$FE_ROOT/containers" "$FE_RUNROOT/containers" "$FE_ROOT/storage/trash"
	refute_output --partial ".rm-"
	[[ -z "$(ls -A "$FE_ROOT/storage/trash")" ]]
}

@test "rm tombs: a container whose record cannot be read is removed by its id or a prefix, saying what went" {
	run -0 pea_cmd create --network none --name torn busybox true
	local id=$output
	echo garbage >"$FE_ROOT/containers/$id/pea.json"
	run -0 --separate-stderr pea_cmd rm "$id"
	assert_output "$id"
	[[ "$stderr" == *"container $id: "*"invalid JSON"*": removed its folders, its storage" ]]
	[[ ! -e "$FE_ROOT/containers/$id" && ! -e "$FE_RUNROOT/containers/$id" ]]
	run -0 "$PEA_STORAGE" --root "$FE_ROOT/storage" --runroot "$FE_RUNROOT/storage" container ls
	assert_equal "$(jq -c .result <<<"$output")" "[]"
	# a running one: the runtime has its state, so only with --force
	run -0 pea_cmd run -d --network none busybox sleep 100
	id=$output
	printf '{"id":' >"$FE_ROOT/containers/$id/pea.json"
	run -125 --separate-stderr pea_cmd rm "${id:0:12}"
	assert_equal "${#stderr_lines[@]}" 2 # the list's warning, then the error
	assert_equal "${stderr_lines[1]}" "Error: container $id: $FE_ROOT/containers/$id/pea.json: invalid JSON at offset 6: unexpected end of input; the runtime has its state (it may be running): use --force"
	[[ -d "$FE_ROOT/containers/$id" ]]
	run -0 --separate-stderr pea_cmd rm -f "${id:0:12}"
	[[ "$stderr" == *": removed its runtime state, its folders, its storage" ]]
	[[ ! -e "$FE_RUNROOT/runtime/$id" && ! -e "$FE_ROOT/containers/$id" ]]
	# by name: the name is in the record, and in its storage container's
	run -0 pea_cmd create --network none --name torn2 busybox true
	id=$output
	: >"$FE_ROOT/containers/$id/pea.json"
	run -0 --separate-stderr pea_cmd rm torn2
	assert_output torn2
	[[ "$stderr" == *"container $id: "*": removed its folders, its storage" ]]
	[[ ! -e "$FE_ROOT/containers/$id" ]]
	no_tombs_soon
}

# pea-rm(1): the remover holds the file system of the roots until it is done (an umount
# right after can meet "target is busy"); PEA_RM_SYNC=1 is the way to wait for it.
@test "rm tombs: with PEA_RM_SYNC the roots' file system unmounts right after run --rm and rm" {
	local mnt="$TEST_DIR/mnt" id
	mkdir "$mnt"
	mount -t tmpfs pea-test-rm-sync "$mnt"
	# FE_ARGS' roots replaced, its --runtime and --conmon kept
	local args=(--root "$mnt/root" --runroot "$mnt/run" "${FE_ARGS[@]:4}")
	run -0 "$PEA" "${args[@]}" load -i "$BUSYBOX_ARCHIVE"
	PEA_RM_SYNC=1 run -0 "$PEA" "${args[@]}" run --rm --network none busybox true
	run -0 "$PEA" "${args[@]}" create --network none busybox true
	id=$output
	PEA_RM_SYNC=1 run -0 "$PEA" "${args[@]}" rm "$id"
	run -0 "$PEA" "${args[@]}" ps -aq
	assert_output ""
	run -0 umount "$mnt"
}
