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
	DUR_PEA_ROOTS=()
}

teardown() {
	local l r
	for r in "${DUR_PEA_ROOTS[@]}"; do
		timeout -k 5 60 "$PEA" --root "$r/root" --runroot "$r/run" rm -af >/dev/null 2>&1
	done
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

@test "durable records: without a journal, a container create gets each record's own fsyncs, no fifth" {
	dur_fs nojournal -O ^has_journal
	run -0 cat "/sys/fs/ext4/${DUR_LOOPS[0]##*/}/journal_task"
	assert_output '<none>'
	# the layer's and the container's records: file and folder each
	run -0 dur_fsyncs
	assert_output 4
}

# dur_pea_trace OUT ARGS...: pea ARGS on $DUR_MNT under strace (fsyncs with their
# paths, execs), the trace in OUT.
dur_pea_trace() {
	local out=$1
	shift
	CONTAINERS_CONF_OVERRIDE="$TEST_DIR/containers.conf" \
		timeout -k 5 120 strace -f -qq -y -e trace=fsync,execve -o "$out" \
		"$PEA" --root "$DUR_MNT/root" --runroot "$DUR_MNT/run" "$@"
}

@test "durable records: without a journal, a new record's folder is synced while the monitor starts, a create's before its id" {
	dur_fs nojournal -O ^has_journal
	DUR_PEA_ROOTS+=("$DUR_MNT")
	printf '[containers]\nnetns = "none"\n' >"$TEST_DIR/containers.conf"
	run -0 timeout -k 5 60 "$PEA" --root "$DUR_MNT/root" --runroot "$DUR_MNT/run" \
		load -i "$BUSYBOX_ARCHIVE"
	# (strace may cut the line: 'fsync(7</.../ID> <unfinished ...>')
	local dirsync='fsync\([0-9]+</[^>]*/root/containers/[0-9a-f]{64}>' mon sync
	# run: the record's folder fsync comes after the monitor's exec, before pea's end
	run -0 dur_pea_trace "$TEST_DIR/run.trace" run --name r1 busybox true
	mon=$(grep -n -m1 -E 'execve\("[^"]*pea-monitor"' "$TEST_DIR/run.trace" | cut -d: -f1)
	sync=$(grep -n -m1 -E "$dirsync" "$TEST_DIR/run.trace" | cut -d: -f1)
	[[ -n $mon && -n $sync ]] || fail "monitor exec '$mon', folder fsync '$sync': $(cat "$TEST_DIR/run.trace")"
	((sync > mon)) || fail "the folder fsync (line $sync) before the monitor (line $mon)"
	# create: synced before the id is printed (pea's end)
	run -0 dur_pea_trace "$TEST_DIR/create.trace" create --name r2 busybox true
	run -0 grep -c -E "$dirsync" "$TEST_DIR/create.trace"
	assert_output 1
	run -0 "$PEA" --root "$DUR_MNT/root" --runroot "$DUR_MNT/run" ps -a --format '{{.Names}}'
	assert_line r1
	assert_line r2
	run -0 "$PEA" --root "$DUR_MNT/root" --runroot "$DUR_MNT/run" rm r1 r2
}

@test "durable records: an image create whose folder sync fails leaves no record (a new create makes it)" {
	run -0 pstore layer create
	local layer id
	layer="$(json_field id)"
	printf '{"a":1}' >"$TEST_DIR/config.json"
	id="$(sha256sum "$TEST_DIR/config.json" | cut -d' ' -f1)"
	# every fsync fails: the one of images/ after the record's rename is the create's only
	run -1 timeout -k 5 60 strace -f -qq -o "$TEST_DIR/strace.out" -e trace=fsync \
		-e inject=fsync:error=EIO "$PEA_STORAGE" --root "$STORE_ROOT" --runroot "$STORE_RUN" \
		--storage-driver "$STORAGE_DRIVER" image create --layers "$layer" \
		--config "$TEST_DIR/config.json" --name synced
	assert_output --partial "sync '$STORE_ROOT/images': Input/output error"
	grep -q 'EIO.*INJECTED' "$TEST_DIR/strace.out"
	run -1 pstore image inspect synced
	assert_output --partial "image 'synced' not found"
	run -1 pstore image inspect "$id"
	assert_equal "$(find "$STORE_ROOT/images" -name '*.json*' | wc -l)" 0
	run -0 pstore image create --layers "$layer" --config "$TEST_DIR/config.json" --name synced
	assert_equal "$(json_field existed)" false
	assert_equal "$(json_field id)" "$id"
	run -0 pstore image inspect synced
	assert_equal "$(cat "$(json_field config_path)")" '{"a":1}'
}
