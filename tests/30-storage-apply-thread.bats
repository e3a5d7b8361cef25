#!/usr/bin/env bats
# pea-storage: an apply of a gzip or zstd layer decodes and hashes on a thread of its own
# (storage/pipeline.c) while its main thread reads the tar and writes the files.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-storage
load helpers/storage-file

setup_file() {
	ensure_fixtures
}

setup() {
	storage_file_setup zstd
}

teardown() {
	at_close_fd
	storage_file_teardown
}

# at_close_fd: the fifo's writer a test holds open, closed (or killed)
at_close_fd() {
	if [[ -n "${AT_WRITER:-}" ]]; then
		kill "$AT_WRITER" 2>/dev/null
		wait "$AT_WRITER" 2>/dev/null
		AT_WRITER=
	fi
	if [[ -n "${AT_FD:-}" ]]; then
		exec {AT_FD}>&-
		AT_FD=
	fi
}

# at_alive PID: PID runs (a child that ended and is not waited for yet does not)
at_alive() {
	local state
	state=$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)
	[[ -n "$state" && "$state" != Z ]]
}

# at_start FILE: an apply of FILE's first half through a fifo held open (AT_PID, AT_FD)
at_start() {
	local file="$1" size
	mkfifo "$TEST_DIR/fifo"
	"$PEA_STORAGE" --root "$STORE_ROOT" --runroot "$STORE_RUN" --storage-driver "$STORAGE_DRIVER" \
		layer apply "${@:2}" <"$TEST_DIR/fifo" >"$TEST_DIR/out" 2>&1 3>&- &
	AT_PID=$!
	exec {AT_FD}>"$TEST_DIR/fifo"
	size=$(stat -c %s "$file")
	head -c $((size / 2)) "$file" >&"$AT_FD"
}

# at_threads PID: the number of threads of PID, once it has two (at most 10 s)
at_threads() {
	local n c
	for ((n = 0; n < 200; n++)); do
		c=$(ls "/proc/$1/task" 2>/dev/null | wc -l)
		((c < 2)) || break
		sleep 0.05
	done
	echo "$c"
}

# at_layer: a tar of some files (one big) in $TEST_DIR/layer.tar, its diff id in AT_DIFF
at_layer() {
	mkdir -p "$TEST_DIR/src/d"
	head -c 3000000 /dev/urandom >"$TEST_DIR/src/d/big"
	for n in 1 2 3 4 5 6 7 8; do
		seq 1 20000 >"$TEST_DIR/src/d/f$n"
	done
	tar -C "$TEST_DIR/src" -cf "$TEST_DIR/layer.tar" d
	AT_DIFF="sha256:$(sha256sum "$TEST_DIR/layer.tar" | cut -d' ' -f1)"
}

@test "apply-thread: gzip and zstd layers decode on a second thread and apply whole" {
	at_layer
	gzip -c "$TEST_DIR/layer.tar" >"$TEST_DIR/layer.gz"
	zstd -q -c "$TEST_DIR/layer.tar" >"$TEST_DIR/layer.zst"
	for f in layer.gz layer.zst; do
		rm -f "$TEST_DIR/fifo"
		at_start "$TEST_DIR/$f" --digest "sha256:$(sha256sum "$TEST_DIR/$f" | cut -d' ' -f1)"
		run at_threads "$AT_PID"
		assert_output 2
		size=$(stat -c %s "$TEST_DIR/$f")
		tail -c +$((size / 2 + 1)) "$TEST_DIR/$f" >&"$AT_FD"
		at_close_fd
		rc=0
		wait "$AT_PID" || rc=$?
		assert_equal "$rc" 0
		run jq -r '.result.diff_id' "$TEST_DIR/out"
		assert_output "$AT_DIFF"
		id=$(jq -r '.result.id' "$TEST_DIR/out")
		cmp "$TEST_DIR/src/d/big" "$STORE_ROOT/overlay/$id/diff/d/big"
		cmp "$TEST_DIR/src/d/f8" "$STORE_ROOT/overlay/$id/diff/d/f8"
		run -0 pstore layer rm "$id"
	done
}

@test "apply-thread: a plain tar has no second thread" {
	at_layer
	at_start "$TEST_DIR/layer.tar"
	sleep 0.5
	run ls "/proc/$AT_PID/task"
	assert_equal "${#lines[@]}" 1
	at_close_fd
	rc=0
	wait "$AT_PID" || rc=$?
	assert_equal "$rc" 1 # half a tar
}

@test "apply-thread: a tar the writer refuses ends the apply while its stream is still open" {
	printf 'file ../x content=evil\n' | storage_mktar "$TEST_DIR/evil.tar"
	head -c 20000000 /dev/urandom >"$TEST_DIR/pad"
	cat "$TEST_DIR/evil.tar" "$TEST_DIR/pad" | gzip -1 >"$TEST_DIR/evil.gz"
	mkfifo "$TEST_DIR/fifo"
	"$PEA_STORAGE" --root "$STORE_ROOT" --runroot "$STORE_RUN" --storage-driver "$STORAGE_DRIVER" \
		layer apply <"$TEST_DIR/fifo" >"$TEST_DIR/out" 2>&1 3>&- &
	AT_PID=$!
	# the refused entry first, in the first decoded block (256 KiB), then a writer that
	# stays open and idle once its 400 KB (in a pipe of 1 MiB: all of them read at once)
	# are read: the decoding thread waits in read() for more when the tar reader fails,
	# and must be stopped
	"$STORAGE_PYTHON" -c '
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_WRONLY)
fcntl.fcntl(fd, 1031, 1 << 20)  # F_SETPIPE_SZ
with open(sys.argv[2], "rb") as f:
    os.write(fd, f.read(400000))
time.sleep(60)
' "$TEST_DIR/fifo" "$TEST_DIR/evil.gz" 3>&- &
	AT_WRITER=$!
	for ((n = 0; n < 200; n++)); do
		at_alive "$AT_PID" || break
		sleep 0.05
	done
	run at_alive "$AT_WRITER"
	assert_success # the stream is still open
	run at_alive "$AT_PID"
	assert_failure
	rc=0
	wait "$AT_PID" || rc=$?
	assert_equal "$rc" 1
	run cat "$TEST_DIR/out"
	assert_output --partial "path '../x' escapes the layer"
	st_nothing_left
}

@test "apply-thread: a damaged gzip stream fails with the decoder's reason" {
	at_layer
	gzip -c "$TEST_DIR/layer.tar" >"$TEST_DIR/layer.gz"
	size=$(stat -c %s "$TEST_DIR/layer.gz")
	head -c $((size - 100)) "$TEST_DIR/layer.gz" >"$TEST_DIR/short.gz"
	run -1 pstore layer apply "$TEST_DIR/short.gz"
	assert_output --partial "gzip: unexpected end of the stream"
	st_nothing_left
	# with --digest, the stream's digest is the reason
	digest="sha256:$(sha256sum "$TEST_DIR/layer.gz" | cut -d' ' -f1)"
	run -1 pstore layer apply --digest "$digest" "$TEST_DIR/short.gz"
	assert_output --partial "the stream's digest is 'sha256:$(sha256sum "$TEST_DIR/short.gz" | cut -d' ' -f1)'"
	st_nothing_left
}

@test "apply-thread: the writeback of small files starts while the apply still writes (pea_sync=layer)" {
	require_cmd strace
	# the default, pea_sync=deferred, starts no writeback (30-storage-durable)
	export PEA_STORAGE_SYNC=layer
	# 24 MiB of files of 64 KiB (through the page cache: O_DIRECT takes 256 KiB and more)
	mkdir -p "$TEST_DIR/src/small"
	head -c $((64 << 10)) /dev/urandom >"$TEST_DIR/one"
	for n in $(seq 1 384); do
		cp "$TEST_DIR/one" "$TEST_DIR/src/small/f$n"
	done
	tar -C "$TEST_DIR/src" -cf "$TEST_DIR/small.tar" small
	gzip -1 -c "$TEST_DIR/small.tar" >"$TEST_DIR/small.gz"
	mkfifo "$TEST_DIR/fifo"
	strace -f -e trace=syncfs -o "$TEST_DIR/strace" \
		"$PEA_STORAGE" --root "$STORE_ROOT" --runroot "$STORE_RUN" --storage-driver "$STORAGE_DRIVER" \
		layer apply <"$TEST_DIR/fifo" >"$TEST_DIR/out" 2>&1 3>&- &
	AT_PID=$!
	exec {AT_FD}>"$TEST_DIR/fifo"
	cat "$TEST_DIR/small.gz" >&"$AT_FD"
	# the whole stream is in, its end not yet: a syncfs now is the writeback thread's
	for ((n = 0; n < 200; n++)); do
		grep -q 'syncfs(' "$TEST_DIR/strace" && break
		sleep 0.05
	done
	run grep 'syncfs(' "$TEST_DIR/strace"
	assert_success
	at_close_fd
	rc=0
	wait "$AT_PID" || rc=$?
	assert_equal "$rc" 0
	id=$(jq -r '.result.id' "$TEST_DIR/out")
	cmp "$TEST_DIR/one" "$STORE_ROOT/overlay/$id/diff/small/f384"
}
