#!/usr/bin/env bats
#
# The FUSE loop is multi-threaded: a read that blocks does not stall the
# mount. The blocking read is made real with a lower layer that is itself a
# FUSE mount whose server is stopped. (Reads that reach the server: with
# passthrough, as root, the kernel reads the layer files itself.)

bats_require_minimum_version 1.5.0
load helpers/common
load helpers-overlayfs

setup() {
	require_root
	require_cmd "$PEA_OVERLAYFS"
	INNER_PID=""
}

teardown() {
	[[ -n "$INNER_PID" ]] && kill -CONT "$INNER_PID" 2>/dev/null
	ovl_umount_all
}

@test "overlayfs threads: a blocked read does not stall other requests" {
	local d="$TEST_DIR/t" outer
	mkdir -p "$d/inner-lower" "$d/lower/inner" "$d/upper" "$d/work" "$d/mnt"
	# Big enough that no cache anywhere can hold it all before it is read.
	head -c 8M /dev/zero >"$d/inner-lower/slow"
	echo fine >"$d/lower/other"
	# The inner mount, read-only, inside the outer mount's lower layer.
	"$PEA_OVERLAYFS" -f -o "lowerdir=$d/inner-lower,passthrough=0" "$d/lower/inner" 2>"$d/inner.log" &
	INNER_PID=$!
	echo "$INNER_PID" >"$TEST_DIR/server.pid"
	ovl_wait_mounted "$d/lower/inner" "$INNER_PID"
	"$PEA_OVERLAYFS" -f -o "lowerdir=$d/lower,upperdir=$d/upper,workdir=$d/work,passthrough=0" \
		"$d/mnt" 2>"$d/server.log" &
	outer=$!
	echo "$outer" >"$d/server.pid"
	ovl_wait_mounted "$d/mnt" "$outer"
	# A reader opens now (lookups and open go through), then waits for the go.
	# Only it holds the file: a close elsewhere would block on the flush too.
	mkfifo "$d/go"
	(
		exec 5<"$d/mnt/inner/slow"
		# a builtin: a child would inherit fd 5, and its exit flush the file
		: >"$d/opened"
		read -r _ <"$d/go"
		exec timeout -k 5 30 cat <&5 >"$d/slow.out"
	) &
	local reader=$!
	# (a loaded machine can take a while to open through two FUSE servers)
	for _ in $(seq 600); do [[ -e $d/opened ]] && break; sleep 0.05; done
	[[ -e $d/opened ]] || fail "the reader could not open the file within 30 s"
	kill -STOP "$INNER_PID"
	# a write to a fifo waits for its reader: bounded, so a lost reader fails
	timeout -k 5 20 bash -c 'echo go >"$1"' _ "$d/go"
	sleep 0.3
	# The read is stuck in the outer server, waiting on the inner one...
	run -0 kill -0 "$reader"
	# ...and the outer mount still answers.
	run -0 timeout -k 5 5 cat "$d/mnt/other"
	assert_output fine
	run -0 timeout -k 5 5 ls "$d/mnt"
	assert_output "inner
other"
	kill -CONT "$INNER_PID"
	wait "$reader"
	assert_equal "$(stat -c %s "$d/slow.out")" 8388608
	ovl_umount "$d"
}

@test "overlayfs threads: a blocked copy-up does not stall other requests" {
	local d="$TEST_DIR/t" outer writer
	mkdir -p "$d/inner-lower" "$d/lower/inner" "$d/upper" "$d/work" "$d/mnt"
	echo data >"$d/inner-lower/big"
	echo fine >"$d/lower/other"
	"$PEA_OVERLAYFS" -f -o "lowerdir=$d/inner-lower" "$d/lower/inner" 2>"$d/inner.log" &
	INNER_PID=$!
	echo "$INNER_PID" >"$TEST_DIR/server.pid"
	ovl_wait_mounted "$d/lower/inner" "$INNER_PID"
	"$PEA_OVERLAYFS" -f -o "lowerdir=$d/lower,upperdir=$d/upper,workdir=$d/work" "$d/mnt" 2>"$d/server.log" &
	outer=$!
	echo "$outer" >"$d/server.pid"
	ovl_wait_mounted "$d/mnt" "$outer"
	# The directory is copied up and the file looked up while the inner server runs.
	touch "$d/mnt/inner/new"
	stat "$d/mnt/inner/big" >/dev/null
	kill -STOP "$INNER_PID"
	# Writing copies the file up: its data cannot be read until the inner server is back.
	sh -c "echo more >>'$d/mnt/inner/big'" &
	writer=$!
	sleep 0.3
	run -0 kill -0 "$writer"
	run -0 timeout -k 5 5 cat "$d/mnt/other"
	assert_output fine
	run -0 timeout -k 5 5 ls "$d/mnt/inner"
	assert_output "big
new"
	run -0 timeout -k 5 5 mkdir "$d/mnt/dir"
	kill -CONT "$INNER_PID"
	wait "$writer"
	assert_equal "$(cat "$d/mnt/inner/big")" "data
more"
	ovl_umount "$d"
	assert_equal "$(cat "$d/upper/inner/big")" "data
more"
}

# A burst of requests one after another (creates, stats, xattrs, removals) through
# the mount with the given spin= (the loop's poll for the next request), its output.
spin_storm() {
	local d="$1" spin="$2" i
	rm -rf "$d/upper" "$d/work" && mkdir -p "$d/upper" "$d/work"
	"$PEA_OVERLAYFS" -f -o "lowerdir=$d/lower,upperdir=$d/upper,workdir=$d/work,spin=$spin" \
		"$d/mnt" >"$d/server.log" 2>&1 3>&- &
	echo $! >"$d/server.pid"
	ovl_wait_mounted "$d/mnt" "$(cat "$d/server.pid")"
	mkdir "$d/mnt/new"
	for i in $(seq 1 150); do echo "$i" >"$d/mnt/new/f$i"; done
	setfattr -n user.k -v v "$d/mnt/new/f7"
	ls -ln --time-style=+ "$d/mnt/new" "$d/mnt/low" | sed 's/  */ /g' >"$d/out.$spin"
	getfattr -d --absolute-names "$d/mnt/new/f7" "$d/mnt/low/f3" >>"$d/out.$spin"
	cat "$d"/mnt/new/f* "$d"/mnt/low/f* | md5sum >>"$d/out.$spin"
	rm "$d"/mnt/new/f1* "$d/mnt/low/f2"
	ls "$d/mnt/new" "$d/mnt/low" >>"$d/out.$spin"
}

@test "overlayfs threads: the loop's spin (spin=) serves as spin=0 does, and an idle loop sleeps" {
	local d="$TEST_DIR/t" pid state i
	mkdir -p "$d/lower/low" "$d/mnt"
	for i in $(seq 1 50); do echo "low $i" >"$d/lower/low/f$i"; done
	setfattr -n user.low -v 1 "$d/lower/low/f3"
	spin_storm "$d" 0
	ovl_umount "$d"
	spin_storm "$d" 1000
	pid=$(cat "$d/server.pid")
	# After the last request one wait of at most 1 ms, then the thread that reads the
	# requests (the main one) sleeps in poll: never running (R) when sampled.
	sleep 0.5
	for i in $(seq 1 10); do
		read -r _ _ state _ <"/proc/$pid/stat"
		[[ $state == S ]] || fail "the idle loop thread is in state '$state', not S"
		sleep 0.05
	done
	ovl_umount "$d"
	run -0 diff "$d/out.0" "$d/out.1000"
	run -0 grep -c . "$d/out.0"
	((output > 150)) || fail "short output: $(cat "$d/out.0")"
}
