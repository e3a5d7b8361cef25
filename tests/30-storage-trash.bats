#!/usr/bin/env bats
# pea-storage's trash (storage/trash.h): container rm renames the layer's folder into
# GRAPH_ROOT/trash/ under the store lock (gone at once for every reader) and its files
# are removed after the reply by a process nobody waits for, which holds each entry's
# flock until it is gone. An entry nobody holds (its remover killed) is removed by the
# next writer; one held is left alone; one that cannot be removed is a warning, never
# a failed command; where the trash cannot be used the layer is removed in place.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-storage
load helpers/storage-file

setup_file() {
	ensure_fixtures
}

setup() {
	storage_file_setup
	st_busybox_image bb
}

teardown() {
	[[ -z "${IMMUTABLE:-}" ]] || chattr -i "$IMMUTABLE" 2>/dev/null || true
	storage_file_teardown
}

# mk NAME: a container over bb with a file and a folder in its layer; its id in id
mk() {
	run -0 pstore container create --image bb --name "$1"
	id="$(json_field id)"
	mkdir "$STORE_ROOT/overlay/$id/diff/etc"
	echo data >"$STORE_ROOT/overlay/$id/diff/etc/file"
}

# trash_wait: until no entry of the trash is held (its remover done or dead), 10 s at most
trash_wait() {
	timeout -k 2 10 "$STORAGE_PYTHON" - "$STORE_ROOT/trash" <<'EOF'
import fcntl, os, sys
top = sys.argv[1]
for name in os.listdir(top) if os.path.isdir(top) else []:
    try:
        fd = os.open(os.path.join(top, name), os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        continue
    fcntl.flock(fd, fcntl.LOCK_EX)
    os.close(fd)
EOF
}

trash_entries() {
	ls -A "$STORE_ROOT/trash" 2>/dev/null | wc -l
}

@test "trash: container rm takes the layer out at once; its files go after, the trash left empty" {
	mk a
	run -0 pstore container rm a
	assert_equal "$(json_field id)" "$id"
	[[ ! -e "$STORE_ROOT/overlay/$id" ]]
	[[ ! -e "$STORE_ROOT/layers/$id.json" ]]
	[[ ! -e "$STORE_ROOT/containers/$id.json" ]]
	trash_wait
	assert_equal "$(trash_entries)" 0
	# several at once, one mounted: all in the trash, removed by one process
	mk b
	local b=$id
	mk c
	run -0 pstore container mount c
	run -0 pstore container rm --force b c
	[[ ! -e "$STORE_ROOT/overlay/$b" && ! -e "$STORE_ROOT/overlay/$id" ]]
	trash_wait
	assert_equal "$(trash_entries)" 0
	[[ -d "$STORE_ROOT/overlay/$BUSYBOX_LAYER_ID/diff" ]]
	run -0 pstore container ls
	assert_equal "$(jq -c .result <<<"$output")" "[]"
}

@test "trash: the files are removed by another process than the rm (its remover killed: rm still succeeds)" {
	mk a
	PEA_STORAGE_TEST_CRASH=trash-remover run -0 pstore container rm a
	assert_equal "$(json_field id)" "$id"
	trash_wait
	# the remover died before its work: the entries are there (the container's record,
	# the layer's, the layer's folder), held by nobody
	assert_equal "$(trash_entries)" 3
	# the two records (the layer's id is the container's)
	assert_equal "$(find "$STORE_ROOT/trash" -maxdepth 1 -type f -name "$id.json-*" | wc -l)" 2
	[[ -f "$(echo "$STORE_ROOT/trash/$id"-*/diff/etc/file)" ]]
	# the next writer removes it
	mk b
	assert_equal "$(trash_entries)" 0
	run -0 pstore container ls
	assert_equal "$(jq -r '.result[].names[0]' <<<"$output")" b
}

@test "trash: an rm killed (kill -9) right after a move: the container is gone, the next writer empties the trash" {
	mk a
	# the first move is the container's record (the commit point, as its unlink was)
	PEA_STORAGE_TEST_CRASH=trash-after-move run -137 pstore container rm a
	[[ ! -e "$STORE_ROOT/containers/$id.json" ]]
	assert_equal "$(trash_entries)" 1
	# a reader sees it gone, and leaves the trash alone
	run -0 pstore container ls
	assert_equal "$(jq -c .result <<<"$output")" "[]"
	assert_equal "$(trash_entries)" 1
	run -0 pstore container rm --ignore nothere
	assert_equal "$(trash_entries)" 0
	# its layer, left without its container, is check --repair's, as after any crash there
	run -0 pstore check --repair
	[[ ! -e "$STORE_ROOT/overlay/$id" && ! -e "$STORE_ROOT/layers/$id.json" ]]
}

@test "trash: an entry someone holds is left alone, removed once free" {
	local fd
	mkdir -p "$STORE_ROOT/trash/held/sub"
	exec {fd}<"$STORE_ROOT/trash/held"
	flock -x "$fd"
	mk a
	[[ -d "$STORE_ROOT/trash/held/sub" ]]
	exec {fd}<&-
	mk b
	assert_equal "$(trash_entries)" 0
}

@test "trash: an entry that cannot be removed is a warning of the next writer, which succeeds" {
	require_cmd chattr
	mk a
	PEA_STORAGE_TEST_CRASH=trash-remover run -0 pstore container rm a
	trash_wait
	IMMUTABLE="$(echo "$STORE_ROOT/trash/$id"-*/diff/etc/file)"
	chattr +i "$IMMUTABLE" || skip "expected: chattr +i is refused on this file system"
	run -0 --separate-stderr pstore container create --image bb --name b
	assert_equal "$(echo "$stderr" | grep -c "trash: remove '.*file': Operation not permitted, ignoring")" 1
	[[ -e "$IMMUTABLE" ]]
	chattr -i "$IMMUTABLE"
	IMMUTABLE=
	run -0 pstore container rm b
	trash_wait
	assert_equal "$(trash_entries)" 0
}

@test "trash: where it cannot be made (a file named trash), the layer is removed in place" {
	mk a
	# the store's open sweeps an empty trash/ first: a file in its place from here
	run -0 pstore container ls
	rmdir "$STORE_ROOT/trash" 2>/dev/null || true
	echo no >"$STORE_ROOT/trash"
	run -0 pstore container rm a
	[[ ! -e "$STORE_ROOT/overlay/$id" ]]
	[[ -f "$STORE_ROOT/trash" ]]
	run -0 pstore container ls
	assert_equal "$(jq -c .result <<<"$output")" "[]"
}

@test "trash: PEA_STORAGE_TEST_TRASH_WAIT removes in the rm itself" {
	mk a
	PEA_STORAGE_TEST_TRASH_WAIT=1 run -0 pstore container rm a
	assert_equal "$(trash_entries)" 0
}

@test "trash: vfs, the same" {
	storage_setup vfs
	STORE_ROOT="$TEST_DIR/vfs-store" STORE_RUN="$TEST_DIR/vfs-run"
	st_busybox_image bb
	run -0 pstore container create --image bb --name a
	id="$(json_field id)"
	run -0 pstore container rm a
	[[ ! -e "$STORE_ROOT/vfs/$id" ]]
	trash_wait
	assert_equal "$(trash_entries)" 0
}
