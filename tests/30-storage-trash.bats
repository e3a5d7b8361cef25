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

# handoff ARGS...: pea-storage container rm --hand-off-fd=3 ARGS on one end of a unix
# socket pair (under a subreaper that does not reap); prints what came on the other
# end, a line a message ("t NAME held" or "p mount"), then what was left to end on its own.
handoff() {
	"$STORAGE_PYTHON" - "$PEA_TEST_HELPERS/noreap.py" "$PEA_STORAGE" --root "$STORE_ROOT" \
		--runroot "$STORE_RUN" --storage-driver "$STORAGE_DRIVER" container rm \
		--hand-off-fd=3 "$@" <<'EOF'
import fcntl, os, socket, subprocess, sys
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
os.dup2(b.fileno(), 3, inheritable=True)
rc = subprocess.call(sys.argv[1:], pass_fds=(3,), stdout=sys.stderr)
os.close(3)
b.close()
a.setblocking(False)
while True:
    try:
        msg, fds, _, _ = socket.recv_fds(a, 512, 4)
    except BlockingIOError:
        break
    if not msg:
        break
    for fd in fds:
        if msg[:1] == b"t":
            probe = os.open("/proc/self/fd/%d" % fd, os.O_RDONLY | os.O_NONBLOCK)
            try:
                fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
                state = "free"
            except BlockingIOError:
                state = "held"
            os.close(probe)
            print("t", msg[1:].decode(), state)
        else:
            print("p mount")
        os.close(fd)
sys.exit(rc)
EOF
}

@test "trash: --hand-off-fd passes the entries, held, to the caller and forks no remover" {
	mk a
	run -0 handoff a
	# the layer's folder and the record: each entry named, its flock passed with it
	assert_line --regexp "^t $id-[0-9a-f]{12} held$"
	assert_line --regexp "^t $id\.json-[0-9a-f]{12} held$"
	assert_line "left 0:"
	# the caller's to remove: every entry passed, each still there once its fd is closed
	assert_equal "$(grep -c '^t ' <<<"$output")" "$(trash_entries)"
	run -0 pstore container ls
	assert_equal "$(jq -c .result <<<"$output")" "[]"
}

@test "trash: --hand-off-fd passes a mounted container's detached mount" {
	mk a
	run -0 pstore container mount a
	run -0 handoff --force a
	assert_line "p mount"
	assert_line --regexp "^t $id-[0-9a-f]{12} held$"
	assert_line "left 0:"
}

@test "trash: --hand-off-fd takes an open socket" {
	mk a
	run -2 --separate-stderr pstore container rm --hand-off-fd=x a
	assert_equal "$stderr" "pea-storage: container rm: --hand-off-fd: 'x' is not a number of 3 or more"
	run -2 pstore container rm --hand-off-fd=2 a
	assert_output --partial "'2' is not a number of 3 or more"
	run -2 pstore container rm --hand-off-fd=9 a 9</dev/null
	assert_output --partial "container rm: --hand-off-fd: 9 is not an open socket"
	run -0 pstore container ls
	assert_equal "$(jq -r '.result[0].id' <<<"$output")" "$id"
}
