#!/usr/bin/env bats
# pea-storage's durable records: one fsync per container create only where the
# filesystem's journal commits in order (xfs, ext4 with a journal); an ext4
# made without a journal gets each record's own fsyncs.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-storage

setup_file() {
	ensure_fixtures
}

setup() {
	require_root
	require_cmd "$PEA_STORAGE"
	require_cmd strace
	require_cmd mkfs.ext4
	storage_setup overlay
	DUR_LOOPS=()
}

teardown() {
	local l
	storage_teardown
	for l in "${DUR_LOOPS[@]}"; do
		umount "$TEST_DIR/mnt-${l##*/}" 2>/dev/null
		losetup -d "$l"
	done
	return 0
}

# dur_fs NAME MKFS-ARGS...: an ext4 of 64 MiB on a loop device, mounted at
# $TEST_DIR/NAME; DUR_MNT its mount point.
dur_fs() {
	local name=$1 loop
	shift
	truncate -s 64M "$TEST_DIR/$name.img"
	run -0 mkfs.ext4 -q -F "$@" "$TEST_DIR/$name.img"
	loop="$(losetup -f --show "$TEST_DIR/$name.img")"
	DUR_LOOPS+=("$loop")
	DUR_MNT="$TEST_DIR/mnt-${loop##*/}"
	mkdir -p "$DUR_MNT"
	run -0 mount "$loop" "$DUR_MNT"
}

# dur_fsyncs: the fsyncs of a container create in a store on $DUR_MNT.
dur_fsyncs() {
	STORE_ROOT="$DUR_MNT/store"
	STORE_RUN="$DUR_MNT/run"
	st_busybox_image localhost/busybox:latest
	strace -f -qq -e trace=fsync,fdatasync -o "$TEST_DIR/strace.out" \
		"$PEA_STORAGE" --root "$STORE_ROOT" --runroot "$STORE_RUN" \
		--storage-driver overlay container create --image localhost/busybox:latest --name c1 \
		>/dev/null
	grep -c -E '^[0-9]+ +f(data)?sync\(' "$TEST_DIR/strace.out" || true
}

@test "durable records: one fsync per container create on a journal, each record's own without one" {
	dur_fs journal
	run -0 cat "/sys/fs/ext4/${DUR_LOOPS[0]##*/}/journal_task"
	[[ "$output" =~ ^[0-9]+$ ]]
	local with without
	with="$(dur_fsyncs)"
	assert_equal "$with" 1
	dur_fs nojournal -O ^has_journal
	run -0 cat "/sys/fs/ext4/${DUR_LOOPS[1]##*/}/journal_task"
	assert_output '<none>'
	without="$(dur_fsyncs)"
	((without > with)) || fail "no journal: $without fsyncs, with one: $with"
}

@test "durable records: a --rootfs container's record gets its own fsync (no store call commits it)" {
	dur_fs journal
	mkdir -p "$DUR_MNT/root/storage"
	printf '[containers]\nnetns = "none"\n' >"$TEST_DIR/containers.conf"
	CONTAINERS_CONF_OVERRIDE="$TEST_DIR/containers.conf" \
		strace -f -qq -e trace=fsync,fdatasync -o "$TEST_DIR/strace.out" \
		"$PEA" --root "$DUR_MNT/root" --runroot "$DUR_MNT/run" create --name r1 \
		--rootfs "$BUSYBOX_ROOTFS" true >/dev/null
	run -0 grep -c -E '^[0-9]+ +f(data)?sync\(' "$TEST_DIR/strace.out"
	((output >= 1))
	run -0 "$PEA" --root "$DUR_MNT/root" --runroot "$DUR_MNT/run" rm r1
}
