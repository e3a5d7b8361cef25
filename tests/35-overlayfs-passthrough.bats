#!/usr/bin/env bats
#
# FUSE passthrough (as root, Linux 6.9 on): the kernel reads and writes the
# layer file of an open file itself, and the server sees no READ or WRITE.
# Where it cannot (passthrough=0, a lower layer that is itself stacked) the
# data goes through the server as before; opens never fail for mixing the
# two (the kernel refuses a cached open of a file open in passthrough). And a
# copy-up for an open with O_TRUNC does not read the data it would cut.

bats_require_minimum_version 1.5.0
load helpers/common
load helpers-overlayfs

setup_file() {
	ensure_fixtures
}

setup() {
	require_root
	require_cmd "$PEA_OVERLAYFS"
	require_cmd python3
	INNER_PID=""
}

teardown() {
	ovl_umount_all
	if [[ -n "$INNER_PID" ]]; then
		kill "$INNER_PID" 2>/dev/null || true
		wait "$INNER_PID" 2>/dev/null || true
	fi
	if mountpoint -q "$TEST_DIR/t/stack" 2>/dev/null; then
		umount "$TEST_DIR/t/stack" || umount -l "$TEST_DIR/t/stack"
	fi
}

# requests D OPCODE: how many OPCODE requests the server of D logged (-o debug).
requests() {
	grep -c "opcode: $2 " "$1/server.log" || true
}

# The kernel of the machine offers passthrough (6.9 on, CONFIG_FUSE_PASSTHROUGH).
has_passthrough() {
	local d="$1"
	OVL_EXTRA_OPTS=debug ovl_mount pea "$d"
	cat "$d/mnt/data/file" >/dev/null
	ovl_umount "$d"
	[[ $(requests "$d" READ) -eq 0 ]]
}

@test "overlayfs passthrough: data of open files moves without the server; passthrough=0 sends it through" {
	local d="$TEST_DIR/t"
	ovl_make_layers "$d"
	has_passthrough "$d" || skip "expected: this kernel offers no FUSE passthrough"
	rm -rf "$d/upper" "$d/work" && mkdir "$d/upper" "$d/work"
	OVL_EXTRA_OPTS=debug ovl_mount pea "$d"
	run -0 cat "$d/mnt/data/file"
	assert_output hello
	echo more >>"$d/mnt/data/file"
	echo new >"$d/mnt/created"
	python3 -c 'import mmap, os
fd = os.open("'"$d"'/mnt/created", os.O_RDWR)
m = mmap.mmap(fd, 4); m[0:3] = b"NEW"; m.close(); os.close(fd)'
	run -0 cat "$d/mnt/data/file" "$d/mnt/created"
	assert_output "hello
more
NEW"
	run -0 stat -c %s "$d/mnt/data/file"
	assert_output 11
	ovl_umount "$d"
	assert_equal "$(cat "$d/upper/data/file" "$d/upper/created")" "hello
more
NEW"
	assert_equal "$(requests "$d" READ)" 0
	assert_equal "$(requests "$d" WRITE)" 0
	# Off: the same goes through the server.
	rm -rf "$d/upper" "$d/work" && mkdir "$d/upper" "$d/work"
	OVL_EXTRA_OPTS=debug,passthrough=0 ovl_mount pea "$d"
	echo more >>"$d/mnt/data/file"
	run -0 cat "$d/mnt/data/file"
	assert_output "hello
more"
	ovl_umount "$d"
	[[ $(requests "$d" READ) -gt 0 ]]
	[[ $(requests "$d" WRITE) -gt 0 ]]
}

@test "overlayfs passthrough: a file open below stays readable while another opener copies it up and writes" {
	local d="$TEST_DIR/t"
	ovl_make_layers "$d"
	ovl_mount pea "$d"
	# fd 5 holds the lower file open (passthrough); the append copies it up meanwhile.
	exec 5<"$d/mnt/data/file"
	# shellcheck disable=SC2016 # $1 of the inner shell
	run -0 timeout -k 5 10 bash -c 'echo more >>"$1"' _ "$d/mnt/data/file"
	run -0 timeout -k 5 10 python3 -c 'import os
fd = os.open("'"$d"'/mnt/data/file", os.O_RDWR); os.pwrite(fd, b"H", 0); os.close(fd)'
	run -0 timeout -k 5 10 cat <&5
	exec 5<&-
	run -0 cat "$d/mnt/data/file"
	assert_output "Hello
more"
	# Every opener gone: opens in passthrough again, and they see the new data.
	run -0 python3 -c 'import mmap, os
fd = os.open("'"$d"'/mnt/data/file", os.O_RDWR)
m = mmap.mmap(fd, 0); print(m[0:5].decode()); m[0:1] = b"J"; m.close(); os.close(fd)'
	assert_output Hello
	run -0 cat "$d/mnt/data/file"
	assert_output "Jello
more"
	# Copied up by a chmod while open below: a reader opens the upper file.
	exec 5<"$d/mnt/data/sub/nested"
	chmod 600 "$d/mnt/data/sub/nested"
	run -0 timeout -k 5 10 cat "$d/mnt/data/sub/nested"
	assert_output nested
	run -0 timeout -k 5 10 cat <&5
	assert_output nested
	run -0 stat -c %a "$d/mnt/data/sub/nested"
	assert_output 600
	exec 5<&-
	ovl_umount "$d"
	assert_equal "$(cat "$d/upper/data/file")" "Jello
more"
}

@test "overlayfs passthrough: files of a lower layer that is itself an overlay go through the server" {
	local d="$TEST_DIR/t"
	ovl_make_layers "$d"
	mkdir -p "$d/stack" "$d/base"
	echo stacked >"$d/base/s"
	# A kernel overlay as pea's lower layer: its files cannot back ours.
	mount -t overlay overlay -o "lowerdir=$d/base:$d/lower" "$d/stack"
	mkdir -p "$d/mnt2"
	"$PEA_OVERLAYFS" -f -o "lowerdir=$d/stack,upperdir=$d/upper,workdir=$d/work,debug" \
		"$d/mnt2" >"$d/server2.log" 2>&1 3>&- &
	INNER_PID=$!
	ovl_wait_mounted "$d/mnt2" "$INNER_PID"
	exec 5<"$d/mnt2/s"
	run -0 cat "$d/mnt2/s" "$d/mnt2/data/file"
	assert_output "stacked
hello"
	echo more >>"$d/mnt2/s"
	exec 5<&-
	run -0 cat "$d/mnt2/s"
	assert_output "stacked
more"
	fusermount3 -u "$d/mnt2"
	wait "$INNER_PID"
	INNER_PID=""
	grep -q "opcode: READ " "$d/server2.log"
	umount "$d/stack"
	assert_equal "$(cat "$d/upper/s")" "stacked
more"
}

@test "overlayfs passthrough: a copy-up for an open with O_TRUNC does not read the data" {
	local d="$TEST_DIR/t" outer="$TEST_DIR/o"
	mkdir -p "$d/inner-lower" "$outer/lower/inner" "$outer/upper" "$outer/work" "$outer/mnt"
	echo data >"$d/inner-lower/f"
	echo data >"$d/inner-lower/g"
	chmod 640 "$d/inner-lower/f"
	# The lower layer is a FUSE mount whose requests are logged.
	"$PEA_OVERLAYFS" -f -o "lowerdir=$d/inner-lower,passthrough=0,debug" "$outer/lower/inner" \
		>"$d/inner.log" 2>&1 3>&- &
	INNER_PID=$!
	ovl_wait_mounted "$outer/lower/inner" "$INNER_PID"
	"$PEA_OVERLAYFS" -f -o "lowerdir=$outer/lower,upperdir=$outer/upper,workdir=$outer/work" \
		"$outer/mnt" >"$outer/server.log" 2>&1 3>&- &
	echo $! >"$outer/server.pid"
	ovl_wait_mounted "$outer/mnt" "$(cat "$outer/server.pid")"
	echo new >"$outer/mnt/inner/f"
	run -0 cat "$outer/mnt/inner/f"
	assert_output new
	run -0 stat -c %a "$outer/upper/inner/f"
	assert_output 640
	run grep -c "opcode: READ " "$d/inner.log"
	assert_output 0
	# An append copies the data.
	echo more >>"$outer/mnt/inner/g"
	ovl_umount "$outer"
	fusermount3 -u "$outer/lower/inner"
	wait "$INNER_PID"
	INNER_PID=""
	grep -q "opcode: READ " "$d/inner.log"
	assert_equal "$(cat "$outer/upper/inner/g")" "data
more"
}

@test "overlayfs passthrough: a file written through the mount and closed is not held open for writing: its upper file execs" {
	local d="$TEST_DIR/t"
	ovl_make_layers "$d"
	has_passthrough "$d" || skip "expected: this kernel offers no FUSE passthrough"
	rm -rf "$d/upper" "$d/work" && mkdir "$d/upper" "$d/work"
	ovl_mount pea "$d"
	cp /bin/true "$d/mnt/tool"
	"$d/mnt/tool"
	# the kernel's registration of the written layer file ends with the last close
	# (kept, it held the upper file open for writing: ETXTBSY for anyone else's exec)
	run -0 "$d/upper/tool"
	ovl_umount "$d"
}
