#!/usr/bin/env bats
#
# pea-overlayfs against the kernel's overlayfs and Debian's fuse-overlayfs on
# the same layers: the same merged view, the same results of every operation,
# the same upper dir, and upper dirs that each can read from the other.

bats_require_minimum_version 1.5.0
load helpers/common
load helpers-overlayfs

setup_file() {
	ensure_fixtures
}

setup() {
	require_root
	require_cmd "$PEA_OVERLAYFS"
	require_cmd "$FUSE_OVERLAYFS"
	require_cmd setfattr
}

teardown() {
	ovl_umount_all
}

@test "overlayfs: the merged view is the kernel's and fuse-overlayfs's" {
	local impl
	for impl in pea fuse kernel; do
		ovl_make_layers "$TEST_DIR/$impl"
		ovl_mount "$impl" "$TEST_DIR/$impl"
		ovl_dump "$TEST_DIR/$impl/mnt" >"$TEST_DIR/$impl.view"
	done
	run -0 diff -u "$TEST_DIR/kernel.view" "$TEST_DIR/pea.view"
	run -0 diff -u "$TEST_DIR/fuse.view" "$TEST_DIR/pea.view"
	# Whiteouts, opaque dirs and the layer below are all in play.
	run -0 grep -c '^./bin/' "$TEST_DIR/pea.view"
	run -1 grep -e '^./tmp ' -e '^./root/.wh' "$TEST_DIR/pea.view"
	run -0 grep '^./root/mine f' "$TEST_DIR/pea.view"
}

@test "overlayfs: every operation gives the kernel's results and upper dir" {
	local impl
	for impl in pea kernel; do
		ovl_make_layers "$TEST_DIR/$impl"
		ovl_mount "$impl" "$TEST_DIR/$impl"
		ovl_sh "$TEST_DIR/$impl" "$OVL_OPS_SCRIPT" >"$TEST_DIR/$impl.out" 2>&1 ||
			fail "$impl: the script failed: $(cat "$TEST_DIR/$impl.out")"
		ovl_dump "$TEST_DIR/$impl/mnt" >"$TEST_DIR/$impl.view"
		ovl_umount "$TEST_DIR/$impl"
		ovl_dump_upper "$TEST_DIR/$impl/upper" >"$TEST_DIR/$impl.upper"
	done
	run -0 diff -u "$TEST_DIR/kernel.out" "$TEST_DIR/pea.out"
	run -0 diff -u "$TEST_DIR/kernel.view" "$TEST_DIR/pea.view"
	run -0 diff -u "$TEST_DIR/kernel.upper" "$TEST_DIR/pea.upper"
	# The script did what it says.
	run -0 grep -x -e 'ino kept across copy-up' -e 'same ino: data/link1 data/link3' \
		-e 'tree removed' -e 'rmdir of a non-empty dir refused' "$TEST_DIR/pea.out"
	assert_equal "${#lines[@]}" 4
	# Whiteouts are char 0/0, the new tree over one is opaque.
	run -0 stat -c '%F %t:%T' "$TEST_DIR/pea/upper/data/symlink"
	assert_output "character special file 0:0"
	run -0 getfattr --absolute-names -n trusted.overlay.opaque --only-values "$TEST_DIR/pea/upper/tree"
	assert_output y
}

@test "overlayfs: the kernel reads what pea-overlayfs wrote, and the other way" {
	local from to
	for from in pea kernel; do
		to=kernel
		[[ $from == kernel ]] && to=pea
		ovl_make_layers "$TEST_DIR/$from"
		ovl_mount "$from" "$TEST_DIR/$from"
		ovl_sh "$TEST_DIR/$from" "$OVL_OPS_SCRIPT" >/dev/null 2>&1
		ovl_dump "$TEST_DIR/$from/mnt" >"$TEST_DIR/$from.before"
		ovl_umount "$TEST_DIR/$from"
		ovl_mount "$to" "$TEST_DIR/$from"
		ovl_dump "$TEST_DIR/$from/mnt" >"$TEST_DIR/$from.after"
		ovl_umount "$TEST_DIR/$from"
		run -0 diff -u "$TEST_DIR/$from.before" "$TEST_DIR/$from.after"
	done
}

@test "overlayfs: a lower-only mount is read-only" {
	local d="$TEST_DIR/ro"
	ovl_make_layers "$d"
	"$PEA_OVERLAYFS" -f -o "lowerdir=$d/lower:$BUSYBOX_ROOTFS" "$d/mnt" 2>"$d/server.log" &
	echo $! >"$d/server.pid"
	ovl_wait_mounted "$d/mnt" "$(cat "$d/server.pid")"
	run -0 cat "$d/mnt/data/file"
	assert_output hello
	run -1 touch "$d/mnt/data/new"
	assert_output --partial "Read-only file system"
	run -1 rm "$d/mnt/data/file"
	run -0 awk -v m="$d/mnt" '$2 == m {print $4}' /proc/mounts
	assert_output --regexp '^ro,'
	ovl_umount "$d"
}

@test "overlayfs: fuse-overlayfs and pea-overlayfs agree, and read each other's upper dirs" {
	local impl other
	for impl in pea fuse; do
		ovl_make_layers "$TEST_DIR/$impl"
		ovl_add_fuse_whiteouts "$TEST_DIR/$impl"
		ovl_mount "$impl" "$TEST_DIR/$impl"
		ovl_sh "$TEST_DIR/$impl" "$OVL_FUSE_SCRIPT" >"$TEST_DIR/$impl.out" 2>&1 ||
			fail "$impl: the script failed: $(cat "$TEST_DIR/$impl.out")"
		ovl_dump "$TEST_DIR/$impl/mnt" >"$TEST_DIR/$impl.view"
		ovl_umount "$TEST_DIR/$impl"
		ovl_dump_upper "$TEST_DIR/$impl/upper" | grep -v '^xattr ' >"$TEST_DIR/$impl.upper"
	done
	run -0 diff -u "$TEST_DIR/fuse.out" "$TEST_DIR/pea.out"
	run -0 grep -x -e 'home whited out' -e only "$TEST_DIR/pea.out"
	run -0 diff -u "$TEST_DIR/fuse.view" "$TEST_DIR/pea.view"
	run -0 diff -u "$TEST_DIR/fuse.upper" "$TEST_DIR/pea.upper"
	# Each mounts the other's upper dir and shows the same tree.
	for impl in pea fuse; do
		other=fuse
		[[ $impl == fuse ]] && other=pea
		ovl_mount "$other" "$TEST_DIR/$impl"
		ovl_dump "$TEST_DIR/$impl/mnt" >"$TEST_DIR/$impl.again"
		ovl_umount "$TEST_DIR/$impl"
		run -0 diff -u "$TEST_DIR/$impl.view" "$TEST_DIR/$impl.again"
	done
}

@test "overlayfs: rename with RENAME_EXCHANGE does what the kernel does" {
	require_cmd python3
	local impl
	for impl in pea kernel; do
		ovl_make_layers "$TEST_DIR/$impl"
		ovl_mount "$impl" "$TEST_DIR/$impl"
		python3 - "$TEST_DIR/$impl/mnt" >"$TEST_DIR/$impl.out" 2>&1 <<'PY'
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
def xchg(a, b):
    r = libc.renameat2(-100, a.encode(), -100, b.encode(), 2)
    print(a, b, "ok" if r == 0 else os.strerror(ctypes.get_errno()))
os.chdir(sys.argv[1])
xchg("data/file", "data/owned")
os.mkdir("newd")
open("newd/in", "w").write("x")
xchg("newd", "data/caps")
xchg("data/sub", "data/suid")
xchg("data/link1", "nothere")
xchg("data/new", "data/file")
print(open("data/file").read().strip(), open("data/owned").read().strip(), os.listdir("data/caps"))
PY
		ovl_dump "$TEST_DIR/$impl/mnt" >"$TEST_DIR/$impl.view"
		ovl_umount "$TEST_DIR/$impl"
		ovl_dump_upper "$TEST_DIR/$impl/upper" >"$TEST_DIR/$impl.upper"
	done
	run -0 diff -u "$TEST_DIR/kernel.out" "$TEST_DIR/pea.out"
	run -0 diff -u "$TEST_DIR/kernel.view" "$TEST_DIR/pea.view"
	run -0 diff -u "$TEST_DIR/kernel.upper" "$TEST_DIR/pea.upper"
	run -0 cat "$TEST_DIR/pea.out"
	assert_line "data/file data/owned ok"
	assert_line "owned hello ['in']"
}

@test "overlayfs: a listing changed while it is read shows every other entry once" {
	local d="$TEST_DIR/l" names
	mkdir -p "$d/lower/big" "$d/upper" "$d/work" "$d/mnt"
	# Names long enough that the listing takes several readdir requests.
	(cd "$d/lower/big" && for i in $(seq 1000 2999); do : >"lower-entry-with-a-long-name-$i"; done)
	"$PEA_OVERLAYFS" -f -o "lowerdir=$d/lower,upperdir=$d/upper,workdir=$d/work" "$d/mnt" \
		2>"$d/server.log" &
	echo $! >"$d/server.pid"
	ovl_wait_mounted "$d/mnt" "$(cat "$d/server.pid")"
	run -0 python3 - "$d/mnt/big" <<'PY'
import os, sys
d = sys.argv[1]
names = sorted(os.listdir(d))
seen = []
with os.scandir(d) as it:
    for i, e in enumerate(it):
        seen.append(e.name)
        if i == 100:
            # Remove some names (listed or not yet), add others.
            for n in names[50:60] + names[1500:1510]:
                os.unlink(os.path.join(d, n))
            for k in range(20):
                open(os.path.join(d, "added-%d" % k), "w").close()
changed = set(names[50:60] + names[1500:1510])
untouched = [n for n in names if n not in changed]
dups = len(seen) - len(set(seen))
missing = [n for n in untouched if n not in seen]
print(len(names), dups, len(missing))
PY
	assert_output "2000 0 0"
	run -0 ls "$d/mnt/big"
	assert_equal "${#lines[@]}" 2000
	ovl_umount "$d"
}

@test "overlayfs: listings with and without attributes agree with stat" {
	local d="$TEST_DIR/p"
	ovl_make_layers "$d"
	ovl_mount pea "$d"
	# find reads listings only: after the first, readdirplus leaves attributes out.
	(cd "$d/mnt" && find data etc tree -printf '%p %y %i\n' | LC_ALL=C sort) >"$d/listed"
	# stat asks about each entry: listings then carry attributes again.
	(cd "$d/mnt" && find data etc tree -exec stat -c '%n %F %i' {} + | LC_ALL=C sort |
		sed -e 's/ regular file / f /' -e 's/ directory / d /' -e 's/ symbolic link / l /' \
			-e 's/ fifo / p /' -e 's/ regular empty file / f /') >"$d/stated"
	run -0 diff -u "$d/listed" "$d/stated"
	run -0 grep -c . "$d/listed"
	[[ "$output" -gt 15 ]]
	ovl_umount "$d"
}

@test "overlayfs: a walk of nested directories needs no lookup of each (readdirplus carries them)" {
	local d="$TEST_DIR/w" a b
	mkdir -p "$d/lower" "$d/upper" "$d/work" "$d/mnt"
	for a in 1 2 3; do
		for b in 1 2 3; do
			mkdir -p "$d/lower/walk/d$a/s$b" && echo "$a$b" >"$d/lower/walk/d$a/s$b/f"
		done
	done
	OVL_EXTRA_OPTS=debug ovl_mount pea "$d"
	run -0 find "$d/mnt/walk" -type f
	assert_equal "${#lines[@]}" 9
	# The one of walk itself: the listings that find reads carry their subdirectories.
	run -0 grep -c "opcode: LOOKUP " "$d/server.log"
	assert_output 1
	# Files come without attributes (find does not ask): a lookup each when opened.
	run -0 cat "$d/mnt/walk/d3/s2/f" "$d/mnt/walk/d1/s3/f"
	assert_output "32
13"
	run -0 grep -c "opcode: LOOKUP " "$d/server.log"
	assert_output 3
	ovl_umount "$d"
}

@test "overlayfs: copy-up to an upper dir on another file system (tmpfs) keeps data and holes" {
	local d="$TEST_DIR/x" pid
	ovl_make_layers "$d"
	mkdir "$d/t"
	mount -t tmpfs -o size=64m pea-test "$d/t"
	mkdir "$d/t/upper" "$d/t/work"
	# No copy_file_range across file systems: the data goes by sendfile, not fallocate'd first
	# (on tmpfs an fallocate zeroes the pages); the server's calls traced to tell.
	require_cmd strace
	strace -f -qq -y -e trace=sendfile,fallocate -o "$d/strace.out" \
		"$PEA_OVERLAYFS" -f -o "lowerdir=$d/lower,upperdir=$d/t/upper,workdir=$d/t/work" "$d/mnt" \
		>"$d/server.log" 2>&1 3>&- &
	pid=$!
	echo "$pid" >"$d/server.pid"
	ovl_wait_mounted "$d/mnt" "$pid"
	echo more >>"$d/mnt/data/file"
	echo end >>"$d/mnt/data/sparse"
	run -0 cat "$d/mnt/data/file"
	assert_output "hello
more"
	run -0 cmp -n 8388608 "$d/lower/data/sparse" "$d/t/upper/data/sparse"
	run -0 tail -c 4 "$d/t/upper/data/sparse"
	assert_output end
	# 8 MiB with 6 bytes of data and 4 more at the end: the copy is sparse too.
	(($(stat -c %b "$d/t/upper/data/sparse") * 512 < 1024 * 1024)) ||
		fail "the copy of the sparse file is not sparse"
	ovl_umount "$d"
	umount "$d/t"
	# the copies into the work folder: by sendfile, none preallocated
	run -0 grep -E "^[0-9]+ +sendfile\\([0-9]+<$d/t/work/" "$d/strace.out"
	run -1 grep -E "^[0-9]+ +fallocate\\([0-9]+<$d/t/" "$d/strace.out"
}

# New entries go into the upper copy of their parent through an fd kept open
# across creates: directories removed, recreated, renamed, replaced and copied
# up between creates must each get their own entries, and the group that a
# set-group-ID parent gives (its mode is remembered too) as chmod and chgrp change it,
# and not as its files' change.
# shellcheck disable=SC2016 # expanded by the chrooted shell
OVL_CREATE_DIRS_SCRIPT='
cd /
mkdir a b
: >a/x; rm a/x; rmdir a; mkdir a; : >a/y
: >b/z; rm b/z; rmdir a/y 2>/dev/null; rm a/y; mv -T b a; : >a/w
mkdir c; : >c/1; mv c d; : >d/2; mkdir d/e; : >d/e/3; mv d/e f; : >f/4
: >data/new1; : >tree/a/new2; rm -r tree; mkdir tree; : >tree/new3
mkdir g; cd g; : >1; rm 1; rmdir /g; touch 2 2>/dev/null || echo "create in a removed dir refused"
cd /; mkdir h; : >h/1; rm -r h; mkdir h; ls -a h; : >h/2
mkdir -p i/j; : >i/j/1; chmod 2775 i; mkdir i/k; : >i/k/2; stat -c "%n %a" i/k
mkdir s; : >s/1; chgrp 12 s; : >s/2; chmod g+s s; : >s/3; mkdir s/d; chmod g-s s; : >s/4
chmod g+s s; chgrp 0 s; : >s/5; chgrp 12 s; : >s/6; stat -c "%n %g %a" s/*
mkdir t; chgrp 12 t; chmod g+s t; : >t/1; chmod 600 t/1; chown 0:0 t/1; : >t/2; chmod g-s t
chmod 644 t/2; : >t/3; chmod g+s t; chgrp 0 t/3; : >t/4; stat -c "%n %g %a" t/*
for p in a b d f g h i s t tree; do ls -aR "$p" 2>&1; done; ls data
'

@test "overlayfs: new entries land in the right directory as directories come and go" {
	local impl
	for impl in pea kernel; do
		ovl_make_layers "$TEST_DIR/$impl"
		ovl_mount "$impl" "$TEST_DIR/$impl"
		ovl_sh "$TEST_DIR/$impl" "$OVL_CREATE_DIRS_SCRIPT" >"$TEST_DIR/$impl.out" 2>&1 ||
			fail "$impl: the script failed: $(cat "$TEST_DIR/$impl.out")"
		ovl_dump "$TEST_DIR/$impl/mnt" >"$TEST_DIR/$impl.view"
		ovl_umount "$TEST_DIR/$impl"
		ovl_dump_upper "$TEST_DIR/$impl/upper" >"$TEST_DIR/$impl.upper"
	done
	run -0 diff -u "$TEST_DIR/kernel.out" "$TEST_DIR/pea.out"
	run -0 diff -u "$TEST_DIR/kernel.view" "$TEST_DIR/pea.view"
	run -0 diff -u "$TEST_DIR/kernel.upper" "$TEST_DIR/pea.upper"
	run -0 grep -x 'create in a removed dir refused' "$TEST_DIR/pea.out"
	run -0 grep -x 'a/w' <(cd "$TEST_DIR/pea/upper" && find a -type f)
}
