#!/usr/bin/env bats
# pea-storage: what a layer's commit syncs. A layer whose files were synced while it waited
# for its parent (a pull applies its layers at the same time) commits with fsyncs of what the
# commit changes, not a second syncfs of the whole filesystem under the store lock.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-storage
load helpers/storage-file

setup() {
	storage_file_setup strace
	# what pea_sync=layer syncs; the default, deferred, syncs no layer (30-storage-durable)
	export PEA_STORAGE_SYNC=layer
}

# sync_calls FILE NAME: how many NAME( calls strace wrote into FILE
sync_calls() {
	grep -c -E "^[0-9]+ +$2\(" "$1" || true
}

@test "commit-sync: a layer synced while it waited for its parent commits with fsyncs, one syncfs in all" {
	local fd ppid cpid d0 d1 c1 n
	echo "file base" | storage_mktar "$TEST_DIR/l0.tar"
	printf 'dir etc\nfile etc/f1 content=1\nfile f2 content=2\n' | storage_mktar "$TEST_DIR/l1.tar"
	d0="sha256:$(sha256sum <"$TEST_DIR/l0.tar" | cut -d' ' -f1)"
	d1="sha256:$(sha256sum <"$TEST_DIR/l1.tar" | cut -d' ' -f1)"
	c1=$(st_chain_id "${d0#sha256:}" "$d1")
	run -0 pstore status
	# the parent reads a fifo: still being applied when the child's files are all written
	mkfifo "$TEST_DIR/fifo"
	exec {fd}<>"$TEST_DIR/fifo"
	st_apply_bg "$TEST_DIR/o0" --diff-id "$d0" "$TEST_DIR/fifo" {fd}>&-
	ppid=$BG_PID
	st_wait_announced "${d0#sha256:}"
	timeout -k 5 60 strace -f -qq -e trace=syncfs,fsync -o "$TEST_DIR/strace.out" \
		"$PEA_STORAGE" --root "$STORE_ROOT" --runroot "$STORE_RUN" --storage-driver overlay \
		layer apply --parent "${d0#sha256:}" --diff-id "$d1" --wait-parent "$TEST_DIR/l1.tar" \
		>"$TEST_DIR/o1" 2>"$TEST_DIR/o1.err" 3>&- {fd}>&- &
	cpid=$!
	# its files synced (the syncfs ended), it waits for the parent
	for ((n = 0; n < 200; n++)); do
		grep -q -E '^[0-9]+ +syncfs\(.*= 0' "$TEST_DIR/strace.out" 2>/dev/null && break
		sleep 0.05
	done
	cat "$TEST_DIR/l0.tar" >&"$fd"
	exec {fd}>&-
	wait "$ppid"
	wait "$cpid" || { cat "$TEST_DIR/o1.err"; false; }
	assert_equal "$(jq -r .result.id "$TEST_DIR/o1")" "$c1"
	cat "$TEST_DIR/strace.out"
	assert_equal "$(sync_calls "$TEST_DIR/strace.out" syncfs)" 1
	# the root, the moved folder, both folders, the links' folder, the record, layers/
	assert_equal "$(sync_calls "$TEST_DIR/strace.out" fsync)" 7
	run -0 pstore layer inspect "$c1"
	path="$(jq -r .result.path <<<"$output")"
	assert_equal "$(cat "$path/etc/f1" "$path/f2")" 12
	run -0 pstore check
	assert_equal "$(jq -r .result.ok <<<"$output")" true
	# a layer whose parent is there when its files are written: one syncfs, at its commit
	echo "file f3 content=3" | storage_mktar "$TEST_DIR/l2.tar"
	run -0 strace -f -qq -e trace=syncfs,fsync -o "$TEST_DIR/strace2.out" \
		"$PEA_STORAGE" --root "$STORE_ROOT" --runroot "$STORE_RUN" --storage-driver overlay \
		layer apply --parent "$c1" "$TEST_DIR/l2.tar"
	assert_equal "$(sync_calls "$TEST_DIR/strace2.out" syncfs)" 1
	assert_equal "$(sync_calls "$TEST_DIR/strace2.out" fsync)" 1
}
