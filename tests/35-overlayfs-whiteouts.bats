#!/usr/bin/env bats
#
# The kernel's other whiteout form (Linux 6.7 on): an empty regular file
# with an overlay.whiteout xattr, in a directory whose overlay.opaque xattr
# is "x" (holding such whiteouts, not opaque); and link counts of merged
# directories. Layers are made by hand, then read by the kernel's overlayfs
# and by pea-overlayfs; where the kernel's listing and lookups disagree with
# each other (the forms outside the documented one), pea-overlayfs follows
# the documented form and is checked on its own.

bats_require_minimum_version 1.5.0
load helpers/common
load helpers-overlayfs

setup() {
	require_root
	require_cmd "$PEA_OVERLAYFS"
	require_cmd setfattr
}

teardown() {
	ovl_umount_all
}

# xwh FILE: make FILE an empty regular file marked as a whiteout (trusted.).
xwh() {
	: >"$1" && setfattr -n trusted.overlay.whiteout -v y "$1"
}

# xwh_layers DIR: DIR/l1 over DIR/l2, an empty upper.
#   l1/d   opaque "x": "a" an xattr whiteout, "c" a non-empty file with the
#          xattr (not a whiteout), "n" new; l2/d holds a b c.
#   l1/o   opaque "y": l2/o's files hidden.
#   l1/f   unmarked, "g" empty with the xattr: listed as a plain file (the
#          kernel's lookup of it fails once a directory of the layer is marked
#          "x", while its listing shows it: pea-overlayfs finds what it lists).
xwh_layers() {
	local d="$1"
	mkdir -p "$d/l1/d" "$d/l1/o" "$d/l1/f" "$d/l2/d" "$d/l2/o" "$d/l2/f" "$d/upper" "$d/work" \
		"$d/mnt" || return 1
	echo a >"$d/l2/d/a" && echo b >"$d/l2/d/b" && echo c >"$d/l2/d/c" &&
		echo o >"$d/l2/o/o" && echo g >"$d/l2/f/g" || return 1
	setfattr -n trusted.overlay.opaque -v x "$d/l1/d" && xwh "$d/l1/d/a" &&
		echo upper-c >"$d/l1/d/c" && setfattr -n trusted.overlay.whiteout -v y "$d/l1/d/c" &&
		echo n >"$d/l1/d/n" || return 1
	setfattr -n trusted.overlay.opaque -v y "$d/l1/o" && echo p >"$d/l1/o/p" || return 1
	: >"$d/l1/f/g" && setfattr -n trusted.overlay.whiteout -v y "$d/l1/f/g"
}

# What a shell sees of the layers, then of the upper dir after changes.
# shellcheck disable=SC2016
XWH_SCRIPT='
find . -mindepth 1 | LC_ALL=C sort
for f in d/a d/b d/c d/n o/o o/p; do stat -c "%n %s %F" "$f" 2>/dev/null || echo "$f absent"; done
cat d/c
echo again >d/a; cat d/a; rm d/b; rm d/n; ls d
'

xwh_on() {
	local impl="$1" d="$TEST_DIR/$1" opts
	mkdir -p "$d"
	xwh_layers "$d" || return 1
	opts="lowerdir=$d/l1:$d/l2,upperdir=$d/upper,workdir=$d/work"
	if [[ $impl == kernel ]]; then
		mount -t overlay overlay -o "$opts,redirect_dir=off,index=off,metacopy=off,xino=off" \
			"$d/mnt" || return 1
	else
		"$PEA_OVERLAYFS" -f -o "$opts" "$d/mnt" >"$d/server.log" 2>&1 3>&- &
		echo $! >"$d/server.pid"
		ovl_wait_mounted "$d/mnt" "$(cat "$d/server.pid")" || return 1
	fi
	(cd "$d/mnt" && sh -c "$XWH_SCRIPT" 2>&1) || { ovl_umount "$d"; return 1; }
	ovl_umount "$d" || return 1
	echo "== upper"
	ovl_dump_upper "$d/upper" | grep -v '^xattr '
}

@test "overlayfs whiteouts: xattr whiteouts in a directory marked opaque=x hide what is below, as the kernel's overlayfs reads them" {
	run -0 xwh_on kernel
	local expected="$output"
	assert_line "d/a absent"
	assert_line "d/c 8 regular file"
	assert_line "o/o absent"
	assert_line "./f/g"
	refute_line "./d/a"
	run -0 xwh_on pea
	assert_output "$expected"
}

@test "overlayfs whiteouts: the xattr forms hide names from listings and lookups alike, in any layer" {
	local d="$TEST_DIR/any" opts
	mkdir -p "$d/l1/h" "$d/l1/k" "$d/l1/uw" "$d/l2/k" "$d/l2/uw" "$d/upper/u" "$d/l2/u" \
		"$d/work" "$d/mnt"
	# A marked directory of the bottom layer only: its whiteout hides itself.
	setfattr -n trusted.overlay.opaque -v x "$d/l1/h"
	xwh "$d/l1/h/w"
	echo v >"$d/l1/h/v"
	# Linux 6.7's own marker, overlay.whiteouts.
	echo k >"$d/l2/k/k"
	setfattr -n trusted.overlay.whiteouts -v y "$d/l1/k"
	xwh "$d/l1/k/k"
	# The user. namespace, as a mount with userxattr writes it.
	echo q >"$d/l2/uw/q"
	setfattr -n user.overlay.opaque -v x "$d/l1/uw"
	: >"$d/l1/uw/q"
	setfattr -n user.overlay.whiteout -v y "$d/l1/uw/q"
	# In the upper layer: hidden, and a name made over it.
	echo z >"$d/l2/u/z"
	setfattr -n trusted.overlay.opaque -v x "$d/upper/u"
	xwh "$d/upper/u/z"
	opts="lowerdir=$d/l1:$d/l2,upperdir=$d/upper,workdir=$d/work"
	"$PEA_OVERLAYFS" -f -o "$opts" "$d/mnt" >"$d/server.log" 2>&1 3>&- &
	echo $! >"$d/server.pid"
	ovl_wait_mounted "$d/mnt" "$(cat "$d/server.pid")"
	run -0 find "$d/mnt" -mindepth 1 -printf '%P\n'
	assert_equal "$(LC_ALL=C sort <<<"$output" | paste -sd' ')" "h h/v k u uw"
	run ! stat "$d/mnt/h/w"
	run ! stat "$d/mnt/k/k"
	run ! stat "$d/mnt/uw/q"
	run ! stat "$d/mnt/u/z"
	echo made >"$d/mnt/u/z"
	run -0 cat "$d/mnt/u/z"
	assert_output made
	rm "$d/mnt/u/z"
	run ! stat "$d/mnt/u/z"
	ovl_umount "$d"
	# What is left hides z the kernel's usual way.
	run -0 stat -c '%F %t:%T' "$d/upper/u/z"
	assert_output "character special file 0:0"
}

# nlink_of NAME: link counts of a lower-only and a merged directory, as
# subdirectories come and go.
nlink_of() {
	local d="$TEST_DIR/nl-$1" bin="$PEA_OVERLAYFS"
	mkdir -p "$d/lower/parent/sub1" "$d/lower/parent/sub2" "$d/upper" "$d/work" "$d/mnt"
	touch "$d/lower/parent/file"
	"$bin" -f -o "lowerdir=$d/lower,upperdir=$d/upper,workdir=$d/work" "$d/mnt" \
		>"$d/server.log" 2>&1 3>&- &
	echo $! >"$d/server.pid"
	ovl_wait_mounted "$d/mnt" "$(cat "$d/server.pid")" || return 1
	stat -c '%h' "$d/mnt/parent"
	mkdir "$d/mnt/parent/sub3" && stat -c '%h' "$d/mnt/parent"
	rmdir "$d/mnt/parent/sub3" "$d/mnt/parent/sub1" && stat -c '%h' "$d/mnt/parent"
	ovl_umount "$d"
}

# (fuse-overlayfs 1.10 counts so too, but says 2 instead of 3 one time in a
# few after the removal of a subdirectory of the lower layer: not compared.)
@test "overlayfs whiteouts: a merged directory counts 2 links and one per subdirectory shown, as fuse-overlayfs" {
	run -0 nlink_of pea
	assert_output "4
5
3"
}

# fuse2fs_mount DIR: an ext2 image of 8 MB served by fuse2fs at DIR/mnt, in the
# foreground, its pid in DIR/server.pid (which ovl_umount_all stops).
fuse2fs_mount() {
	mkdir -p "$1/mnt" && truncate -s 8M "$1/img" && mkfs.ext2 -q "$1/img" || return 1
	fuse2fs -f "$1/img" "$1/mnt" -o fakeroot >"$1/log" 2>&1 3>&- &
	echo $! >"$1/server.pid"
	ovl_wait_mounted "$1/mnt" "$(cat "$1/server.pid")"
}

@test "overlayfs whiteouts: layers whose listings number entries otherwise than stat (FUSE) show each file's own inode number" {
	require_cmd fuse2fs
	require_cmd mkfs.ext2
	local d="$TEST_DIR/fusel" e1="$TEST_DIR/f2fs1/mnt" e2="$TEST_DIR/f2fs2/mnt" f
	mkdir -p "$d/mnt"
	fuse2fs_mount "$TEST_DIR/f2fs1"
	fuse2fs_mount "$TEST_DIR/f2fs2"
	# Files made in the same order: the same inode numbers in both file systems.
	echo one >"$e1/a" && echo two >"$e2/b" && echo three >"$e1/c"
	"$PEA_OVERLAYFS" -f -o "lowerdir=$e2:$e1" "$d/mnt" >"$d/server.log" 2>&1 3>&- &
	echo $! >"$d/server.pid"
	ovl_wait_mounted "$d/mnt" "$(cat "$d/server.pid")"
	# fuse2fs lists every entry with d_ino 0xffffffff; stat gives the real ones.
	run -0 stat -c '%i' "$d/mnt/a" "$d/mnt/b" "$d/mnt/c"
	assert_equal "$(sort -u <<<"$output" | wc -l)" 3
	refute_line 4294967295
	# What a listing says is what stat says (ls -i prints d_ino without -l).
	for f in a b c; do
		assert_equal "$(ls -i "$d/mnt" | awk -v f="$f" '$2 == f {print $1}')" \
			"$(stat -c %i "$d/mnt/$f")"
	done
	run -0 cat "$d/mnt/a" "$d/mnt/b" "$d/mnt/c"
	assert_output "one
two
three"
	ovl_umount "$d"
	ovl_umount "$TEST_DIR/f2fs1"
	ovl_umount "$TEST_DIR/f2fs2"
}

# escaped_on IMPL: a layer with escaped overlay xattrs (trusted.overlay.overlay.*),
# read and written through the mount; then the upper file's xattrs.
escaped_on() {
	local impl="$1" d="$TEST_DIR/esc-$1" opts
	mkdir -p "$d/l/d" "$d/u" "$d/w" "$d/mnt"
	echo a >"$d/l/f" && setfattr -n trusted.overlay.overlay.foo -v bar "$d/l/f" &&
		setfattr -n trusted.overlay.opaque -v y "$d/l/f" || return 1
	# What a nested overlay would read as an xattr whiteout, here an empty file.
	setfattr -n trusted.overlay.overlay.opaque -v x "$d/l/d" && : >"$d/l/d/w" &&
		setfattr -n trusted.overlay.overlay.whiteout -v y "$d/l/d/w" || return 1
	opts="lowerdir=$d/l,upperdir=$d/u,workdir=$d/w"
	if [[ $impl == kernel ]]; then
		mount -t overlay overlay -o "$opts,redirect_dir=off,index=off,metacopy=off,xino=off" \
			"$d/mnt" || return 1
	else
		"$PEA_OVERLAYFS" -f -o "$opts" "$d/mnt" >"$d/server.log" 2>&1 3>&- &
		echo $! >"$d/server.pid"
		ovl_wait_mounted "$d/mnt" "$(cat "$d/server.pid")" || return 1
	fi
	(
		cd "$d/mnt" || exit 1
		getfattr -d -m '^trusted\.' -e text f d d/w 2>&1
		setfattr -n trusted.overlay.new -v 1 f && setfattr -n trusted.overlay.foo -v changed f &&
			setfattr -x trusted.overlay.new f && setfattr -n trusted.overlay.other -v 2 f
		getfattr -d -m '^trusted\.' -e text f
	)
	ovl_umount "$d"
	echo "== upper"
	(cd "$d/u" && getfattr -d -m '^trusted\.overlay\.overlay\.' -e text f)
}

@test "overlayfs whiteouts: escaped overlay xattrs (trusted.overlay.overlay.*) show unescaped and are written escaped, as by the kernel" {
	run -0 escaped_on kernel
	local expected="$output"
	assert_line 'trusted.overlay.foo="bar"'
	assert_line 'trusted.overlay.whiteout="y"'
	assert_line 'trusted.overlay.overlay.foo="changed"'
	run -0 escaped_on pea
	assert_output "$expected"
}
