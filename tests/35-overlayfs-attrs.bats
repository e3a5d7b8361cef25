#!/usr/bin/env bats
#
# pea-overlayfs: xattrs, what copy-up keeps, file operations (fallocate,
# fsync, mmap, locks, statfs), stable inode numbers.

bats_require_minimum_version 1.5.0
load helpers/common
load helpers-overlayfs

setup_file() {
	ensure_fixtures
}

setup() {
	require_root
	require_cmd "$PEA_OVERLAYFS"
	require_cmd setfattr
	require_cmd python3
	D="$TEST_DIR/p"
	M="$D/mnt"
	U="$D/upper"
	ovl_make_layers "$D"
}

teardown() {
	ovl_umount_all
}

@test "overlayfs attrs: xattrs read, set and removed; overlay's own are hidden" {
	ovl_mount pea "$D"
	xattr_checks
}

@test "overlayfs attrs: the same through /proc/self/fd paths, as on kernels before 6.13 (no getxattrat)" {
	require_cmd strace
	# the server under strace from its start: its xattr calls are seen
	printf '#!/bin/sh\nexec strace -f -qq -e signal=none -o "%s" "%s" "$@"\n' \
		"$D/strace" "$PEA_OVERLAYFS" >"$D/traced"
	chmod +x "$D/traced"
	PEA_OVERLAYFS="$D/traced" PEA_OVERLAYFS_TEST_NO_XATTRAT=1 ovl_mount pea "$D"
	xattr_checks
	run -0 grep -c 'lgetxattr("/proc/self/fd/' "$D/strace"
	# and never getxattrat (464: strace 6.1 has no name for it)
	run -1 grep -E 'syscall_0x1d0\(|getxattrat\(' "$D/strace"
}

# xattr_checks: the checks of the test above on the mount at $M, ending in its unmount.
xattr_checks() {
	run -0 getfattr --absolute-names -n user.color --only-values "$M/data/file"
	assert_output blue
	# Reading copies nothing up.
	assert [ ! -e "$U/data/file" ]
	run -0 setfattr -n user.size -v big "$M/data/file"
	assert [ -f "$U/data/file" ]
	run -0 getfattr --absolute-names -d "$M/data/file"
	assert_output --partial 'user.color="blue"'
	assert_output --partial 'user.size="big"'
	run -0 setfattr -x user.color "$M/data/file"
	run -1 getfattr --absolute-names -n user.color "$M/data/file"
	# Hardlinks share their xattrs, whichever name they are set through.
	echo x >"$M/data/hl1"
	ln "$M/data/hl1" "$M/data/hl2"
	run -1 getfattr --absolute-names -n user.shared "$M/data/hl2"
	setfattr -n user.shared -v yes "$M/data/hl1"
	run -0 getfattr --absolute-names -n user.shared --only-values "$M/data/hl2"
	assert_output yes
	# The opaque marker of /root is overlay's business, not the user's.
	run -0 getfattr --absolute-names -d -m - "$M/root"
	assert_output ""
	run -1 setfattr -n user.overlay.opaque -v y "$M/data"
	run -1 getfattr --absolute-names -n trusted.overlay.opaque "$M/root"
	# Set through the mount, it is stored escaped, as the kernel does: nothing turns opaque.
	run -0 setfattr -n trusted.overlay.opaque -v y "$M/data"
	run -0 getfattr --absolute-names -n trusted.overlay.overlay.opaque --only-values "$U/data"
	assert_output y
	run -0 getfattr --absolute-names -n trusted.overlay.opaque --only-values "$M/data"
	assert_output y
	run -0 cat "$M/data/sub/nested"
	run -0 setfattr -x trusted.overlay.opaque "$M/data"
	# security.capability survives a copy-up.
	chmod 700 "$M/data/caps"
	run -0 getfattr --absolute-names -e base64 -n security.capability "$U/data/caps"
	assert_line "security.capability=0sAQAAAgAgAAAAAAAAAAAAAAAAAAA="
	run -0 getfattr --absolute-names -e base64 -n security.capability "$M/data/caps"
	assert_line "security.capability=0sAQAAAgAgAAAAAAAAAAAAAAAAAAA="
	ovl_umount "$D"
}

@test "overlayfs attrs: noxattrs=1 turns xattrs off" {
	OVL_EXTRA_OPTS=noxattrs=1 ovl_mount pea "$D"
	run -1 getfattr --absolute-names -n user.color "$M/data/file"
	assert_output --partial "Operation not supported"
	run -1 setfattr -n user.x -v y "$M/data/file"
	ovl_umount "$D"
}

@test "overlayfs attrs: without SELinux, an unlabeled file's security.selinux is not supported: ls -l asks once" {
	require_cmd strace
	[[ ! -e /sys/fs/selinux/enforce ]] || skip "expected: the host runs SELinux (labels are answered as the kernel's overlay does)"
	# a label in a layer is read as it is
	setfattr -n security.selinux -v "system_u:object_r:lbl_t:s0" "$D/lower/data/sub/nested"
	ovl_mount pea "$D"
	run -1 getfattr --absolute-names -n security.selinux "$M/data/file"
	assert_output --partial "Operation not supported"
	run -0 getfattr --absolute-names -n security.selinux "$M/data/sub/nested"
	assert_output --partial 'security.selinux="system_u:object_r:lbl_t:s0"'
	# other names keep ENODATA, set and read as before
	run -1 getfattr --absolute-names -n user.none "$M/data/file"
	assert_output --partial "No such attribute"
	setfattr -n security.selinux -v "system_u:object_r:new_t:s0" "$M/data/file"
	run -0 getfattr --absolute-names -n security.selinux "$M/data/file"
	assert_output --partial 'security.selinux="system_u:object_r:new_t:s0"'
	# ls -l: one security.selinux request for the whole mount, the ACL one per file
	run -0 strace -f -qq -e trace=lgetxattr,getxattr -o "$D/ls.st" ls -l "$M/data" "$M/etc" "$M/tree"
	run -0 grep -c '"security.selinux"' "$D/ls.st"
	assert_output 1
	run -0 grep -c '"system.posix_acl_access"' "$D/ls.st"
	(( output >= 10 ))
	ovl_umount "$D"
}

@test "overlayfs attrs: copy-up keeps data, holes, mode, owner, times and xattrs" {
	ovl_mount pea "$D"
	# Metadata changes copy up the whole file.
	setfattr -n user.touched -v 1 "$M/data/owned" "$M/data/sparse" "$M/data/suid"
	run -0 stat -c '%u:%g %a %Y %s' "$U/data/owned" "$U/data/suid"
	assert_output "1000:1000 644 1000000000 6
0:0 4755 $(stat -c %Y "$D/lower/data/suid") 5"
	run -0 cmp "$D/lower/data/sparse" "$U/data/sparse"
	# 8 MiB with 6 bytes of data: the copy is sparse too.
	(($(stat -c %b "$U/data/sparse") * 512 < 1024 * 1024)) || fail "the copy of the sparse file is not sparse"
	setfattr -n user.more -v 1 "$M/data/file"
	run -0 getfattr --absolute-names -n user.color --only-values "$U/data/file"
	assert_output blue
	# A copied-up directory keeps its mode and owner.
	chown 1000:1000 "$D/lower/data/sub"
	chmod 0750 "$D/lower/data/sub"
	touch "$M/data/sub/new"
	run -0 stat -c '%u:%g %a' "$U/data/sub"
	assert_output "1000:1000 750"
	ovl_umount "$D"
}

@test "overlayfs attrs: chmod, chown, truncate and utimens through the mount" {
	ovl_mount pea "$D"
	chmod 4711 "$M/data/file"
	chown 12:34 "$M/data/file"
	truncate -s 2 "$M/data/file"
	touch -d @123456789 "$M/data/file"
	run -0 stat -c '%a %u:%g %s %Y' "$M/data/file" "$U/data/file"
	assert_output "711 12:34 2 123456789
711 12:34 2 123456789"
	chmod 4711 "$M/data/file"
	run -0 stat -c '%a' "$M/data/file"
	assert_output 4711
	ovl_umount "$D"
}

@test "overlayfs attrs: permissions are the kernel's checks; new files are the caller's" {
	require_cmd setpriv
	local as_user=(setpriv --reuid=1000 --regid=1000 --clear-groups) p="$TEST_DIR"
	# bats makes its temp dirs 0700: let the user through to the mount.
	while [[ "$p" == "$BATS_RUN_TMPDIR"* ]]; do
		chmod o+x "$p"
		p="$(dirname "$p")"
	done
	ovl_mount pea "$D"
	run -0 "${as_user[@]}" cat "$M/data/file"
	assert_output hello
	run -1 "${as_user[@]}" touch "$M/data/nope"
	assert_output --partial "Permission denied"
	run -2 "${as_user[@]}" sh -c "echo x >>'$M/data/file'"
	assert_output --partial "Permission denied"
	run -0 "${as_user[@]}" sh -c "echo mine >'$M/pub/mine' && mkdir '$M/pub/dir'"
	run -0 stat -c '%u:%g %a' "$M/pub/mine" "$U/pub/mine" "$U/pub/dir"
	assert_output "1000:1000 644
1000:1000 644
1000:1000 755"
	# A set-group-ID directory gives its group to the user's new entries; its mode is
	# remembered between creates, and chmod and chgrp change what is remembered.
	mkdir -m 0777 "$M/pub/sg"
	run -0 "${as_user[@]}" sh -c ": >'$M/pub/sg/1'"
	chgrp 12 "$M/pub/sg"
	chmod g+s "$M/pub/sg"
	run -0 "${as_user[@]}" sh -c ": >'$M/pub/sg/2' && mkdir '$M/pub/sg/d'"
	chmod g-s "$M/pub/sg"
	run -0 "${as_user[@]}" sh -c ": >'$M/pub/sg/3'"
	chmod g+s "$M/pub/sg"
	chgrp 0 "$M/pub/sg"
	run -0 "${as_user[@]}" sh -c ": >'$M/pub/sg/4'"
	run -0 stat -c '%n %u:%g %a' "$M"/pub/sg/{1,2,d,3,4}
	assert_output "$M/pub/sg/1 1000:1000 644
$M/pub/sg/2 1000:12 644
$M/pub/sg/d 1000:12 2755
$M/pub/sg/3 1000:1000 644
$M/pub/sg/4 1000:0 644"
	# The sticky bit keeps root's file from the user.
	run -1 "${as_user[@]}" rm -f "$M/pub/roots"
	assert_output --partial "Operation not permitted"
	assert_equal "$(cat "$M/pub/roots")" root
	ovl_umount "$D"
}

@test "overlayfs attrs: fallocate, fsync, mmap, locks and statfs" {
	ovl_mount pea "$D"
	run -0 fallocate -l 1M "$M/data/alloc"
	run -0 stat -c %s "$M/data/alloc"
	assert_output 1048576
	run -0 fallocate -p -o 0 -l 65536 "$M/data/alloc"
	run -0 python3 - "$M/data/file" <<'PY'
import mmap, os, sys, fcntl
fd = os.open(sys.argv[1], os.O_RDWR)
m = mmap.mmap(fd, 0)
m[0:5] = b"HELLO"
m.flush()
m.close()
os.fsync(fd)
os.fdatasync(fd)
fcntl.lockf(fd, fcntl.LOCK_EX)
fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
os.close(fd)
print(open(sys.argv[1]).read().strip())
PY
	assert_output HELLO
	assert_equal "$(cat "$U/data/file")" HELLO
	run -0 flock "$M/data/file" true
	run -0 stat -f -c '%b %S' "$M"
	assert_output "$(stat -f -c '%b %S' "$U")"
	ovl_umount "$D"
}

@test "overlayfs attrs: inode numbers stay when the kernel forgets, hardlinks share one" {
	ovl_mount pea "$D"
	run -0 stat -c '%n %i' "$M/data/file" "$M/data/link1" "$M/etc/passwd" "$M/bin/busybox" "$M/data"
	local before="$output"
	echo 2 >/proc/sys/vm/drop_caches
	run -0 stat -c '%n %i' "$M/data/file" "$M/data/link1" "$M/etc/passwd" "$M/bin/busybox" "$M/data"
	assert_output "$before"
	assert_equal "$(stat -c %i "$M/data/link1")" "$(stat -c %i "$M/data/link2")"
	# Copy-up keeps the number.
	echo x >>"$M/data/file"
	echo 2 >/proc/sys/vm/drop_caches
	run -0 stat -c '%n %i' "$M/data/file" "$M/data/link1" "$M/etc/passwd" "$M/bin/busybox" "$M/data"
	assert_output "$before"
	# A new hardlink, and its count through both names.
	ln "$M/data/file" "$M/data/file2"
	assert_equal "$(stat -c '%i %h' "$M/data/file")" "$(stat -c '%i %h' "$M/data/file2")"
	rm "$M/data/file2"
	run -0 stat -c %h "$M/data/file"
	assert_output 1
	ovl_umount "$D"
}

@test "overlayfs attrs: copied-up entries keep their inode numbers across remounts" {
	local names=("$M/data/file" "$M/data/sub" "$M/data/owned" "$M/etc/passwd")
	ovl_mount pea "$D"
	run -0 stat -c '%n %i' "${names[@]}"
	local before="$output" moved
	moved=$(stat -c %i "$M/data/suid")
	# Copy-up of files and a directory, one renamed afterwards.
	echo x >>"$M/data/file"
	touch "$M/data/sub/new"
	chmod 600 "$M/data/owned"
	chown 0:0 "$M/etc/passwd"
	chmod 700 "$M/data/suid"
	mv "$M/data/suid" "$M/data/moved"
	ovl_umount "$D"
	# The origin, as fuse-overlayfs records it, and hidden from the mount.
	run -0 getfattr --absolute-names -n user.fuseoverlayfs.origin --only-values "$U/data/file"
	assert_output "data/file"
	ovl_mount pea "$D"
	run -0 stat -c '%n %i' "${names[@]}"
	assert_output "$before"
	assert_equal "$(stat -c %i "$M/data/moved")" "$moved"
	run -1 getfattr --absolute-names -n user.fuseoverlayfs.origin "$M/data/file"
	run -0 getfattr --absolute-names -d -m - "$M/data/file"
	refute_output --partial fuseoverlayfs
	ovl_umount "$D"
	# fuse-overlayfs reads the same origins.
	ovl_mount fuse "$D"
	assert_equal "$(stat -c %i "$M/data/file")" "$(stat -c %i "$D/lower/data/file")"
	ovl_umount "$D"
}

@test "overlayfs attrs: the kernel's copy-ups keep their lower inode numbers here" {
	local ino
	ino=$(stat -c %i "$D/lower/data/file")
	ovl_mount kernel "$D"
	echo x >>"$M/data/file"
	ovl_umount "$D"
	ovl_mount pea "$D"
	run -0 stat -c %i "$M/data/file"
	assert_output "$ino"
	ovl_umount "$D"
}

@test "overlayfs attrs: owners and modes from override_stat xattrs, read and written" {
	local l="$TEST_DIR/o/lower" u="$TEST_DIR/o/upper" m="$TEST_DIR/o/mnt"
	mkdir -p "$l/d" "$u" "$TEST_DIR/o/work" "$m"
	echo a >"$l/d/f"
	echo b >"$l/plain"
	# containers/storage's form: the layer's root says the layer uses it.
	setfattr -n user.containers.override_stat -v 0:0:0755 "$l"
	setfattr -n user.containers.override_stat -v 1000:1001:0640 "$l/d/f"
	setfattr -n user.containers.override_stat -v 0:0:0755 "$u"
	"$PEA_OVERLAYFS" -f -o "lowerdir=$l,upperdir=$u,workdir=$TEST_DIR/o/work" "$m" \
		2>"$TEST_DIR/o/server.log" &
	echo $! >"$TEST_DIR/o/server.pid"
	ovl_wait_mounted "$m" "$(cat "$TEST_DIR/o/server.pid")"
	run -0 stat -c '%n %u:%g %a' "$m/d/f" "$m/plain"
	assert_output "$m/d/f 1000:1001 640
$m/plain $(stat -c '%u:%g %a' "$l/plain")"
	# Hidden from the mount.
	run -0 getfattr --absolute-names -d -m - "$m/d/f"
	assert_output ""
	run -1 setfattr -n user.containers.override_stat -v 0:0:0777 "$m/d/f"
	# Copy-up, chown and chmod write the xattr of the upper layer, not the inode.
	echo more >>"$m/d/f"
	chown 7:8 "$m/d/f"
	chmod 4711 "$m/d/f"
	run -0 stat -c '%u:%g %a' "$m/d/f"
	assert_output "7:8 4711"
	# New entries get one too: the caller's ids, the mode asked for.
	(umask 027 && echo x >"$m/d/new" && mkdir "$m/d/sub")
	chown 5:6 "$m/d/new"
	run -0 stat -c '%u:%g %a' "$m/d/new" "$m/d/sub"
	assert_output "5:6 640
0:0 750"
	ovl_umount "$TEST_DIR/o"
	run -0 getfattr --absolute-names -n user.containers.override_stat --only-values "$u/d/f"
	assert_output "7:8:04711"
	run -0 stat -c '%u:%g' "$u/d/f"
	assert_output "0:0"
	run -0 getfattr --absolute-names -n user.containers.override_stat --only-values "$u/d/new"
	assert_output "5:6:0640"
	run -0 getfattr --absolute-names -n user.containers.override_stat --only-values "$u/d/sub"
	assert_output "0:0:0750"
	run -0 stat -c '%u:%g' "$u/d/new"
	assert_output "0:0"
}

@test "overlayfs attrs: xattr_permissions=2 reads an upper that earlier pea-overlayfs wrote with user.fuseoverlayfs.override_stat" {
	# pea-overlayfs before 4a88acb: the old name on each file, none on the upper's root.
	require_cmd setpriv
	local l="$TEST_DIR/o/lower" u="$TEST_DIR/o/upper" m="$TEST_DIR/o/mnt"
	mkdir -p "$l" "$u" "$TEST_DIR/o/work" "$m"
	echo secret >"$u/f"
	echo b >"$u/both"
	chmod 644 "$u/f" "$u/both"
	setfattr -n user.fuseoverlayfs.override_stat -v 0:42:0600 "$u/f"
	setfattr -n user.fuseoverlayfs.override_stat -v 1:1:0600 "$u/both"
	setfattr -n user.containers.override_stat -v 2:2:0640 "$u/both"
	"$PEA_OVERLAYFS" -f -o "lowerdir=$l,upperdir=$u,workdir=$TEST_DIR/o/work,xattr_permissions=2" \
		"$m" 2>"$TEST_DIR/o/server.log" &
	echo $! >"$TEST_DIR/o/server.pid"
	ovl_wait_mounted "$m" "$(cat "$TEST_DIR/o/server.pid")"
	run -0 stat -c '%u:%g %a' "$m/f" "$m/both"
	assert_output "0:42 600
2:2 640"
	run ! setpriv --reuid 1000 --regid 1000 --clear-groups cat "$m/f"
	run -0 getfattr --absolute-names -d -m - "$m/f"
	assert_output ""
	# Written with the new name, which is read first.
	chmod 640 "$m/f"
	run -0 stat -c '%u:%g %a' "$m/f"
	assert_output "0:42 640"
	ovl_umount "$TEST_DIR/o"
	run -0 getfattr --absolute-names -n user.containers.override_stat --only-values "$u/f"
	assert_output "0:42:0640"
	run -0 stat -c '%u:%g %a' "$u/f"
	assert_output "0:0 644"
}

@test "overlayfs attrs: a layer with user.containers.override_stat keeps the mount's security.* as user.containers.override_security.*" {
	# fuse-overlayfs 1.14 on; its own security.* are not the mount's.
	local l="$TEST_DIR/o/lower" u="$TEST_DIR/o/upper" m="$TEST_DIR/o/mnt"
	mkdir -p "$l" "$u" "$TEST_DIR/o/work" "$m"
	echo a >"$l/plain"
	setfattr -n security.pea-test -v lower "$l/plain"
	echo b >"$u/f"
	setfattr -n security.pea-test -v raw "$u/f"
	setfattr -n user.containers.override_stat -v 0:0:0755 "$u"
	"$PEA_OVERLAYFS" -f -o "lowerdir=$l,upperdir=$u,workdir=$TEST_DIR/o/work" "$m" \
		2>"$TEST_DIR/o/server.log" &
	echo $! >"$TEST_DIR/o/server.pid"
	ovl_wait_mounted "$m" "$(cat "$TEST_DIR/o/server.pid")"
	run -1 getfattr --absolute-names -n security.pea-test "$m/f"
	assert_output --partial "No such attribute"
	setfattr -n security.pea-test -v mine "$m/f"
	run -0 getfattr --absolute-names --only-values -n security.pea-test "$m/f"
	assert_output mine
	run -0 getfattr --absolute-names -d -m - "$m/f"
	assert_output "# file: $m/f
security.pea-test=\"mine\""
	# Not the mount's names: hidden as overlay's own are.
	run -1 getfattr --absolute-names -n user.containers.override_security.pea-test "$m/f"
	run -1 setfattr -n user.containers.override_security.x -v 1 "$m/f"
	# A layer without the override: its security.* is the mount's, encoded at copy-up.
	run -0 getfattr --absolute-names --only-values -n security.pea-test "$m/plain"
	assert_output lower
	chmod 600 "$m/plain"
	run -0 getfattr --absolute-names --only-values -n security.pea-test "$m/plain"
	assert_output lower
	setfattr -x security.pea-test "$m/f"
	run -1 getfattr --absolute-names -n security.pea-test "$m/f"
	ovl_umount "$TEST_DIR/o"
	run -0 getfattr --absolute-names --only-values -n security.pea-test "$u/f"
	assert_output raw
	run -1 getfattr --absolute-names -n user.containers.override_security.pea-test "$u/f"
	run -0 getfattr --absolute-names --only-values -n user.containers.override_security.pea-test "$u/plain"
	assert_output lower
	run -1 getfattr --absolute-names -n security.pea-test "$u/plain"
}

@test "overlayfs attrs: in such a layer security.fuseoverlayfs.override_stat is the mount's: listed, read, set and removed alike" {
	# As fuse-overlayfs 1.14: the layer's own override is user.containers.override_stat.
	# Before, listxattr showed it and getxattr refused it (ENODATA), setxattr too (EPERM).
	local l="$TEST_DIR/o/lower" u="$TEST_DIR/o/upper" m="$TEST_DIR/o/mnt"
	local name=security.fuseoverlayfs.override_stat
	mkdir -p "$l" "$u" "$TEST_DIR/o/work" "$m"
	echo b >"$u/f"
	echo c >"$u/g"
	setfattr -n user.containers.override_security.fuseoverlayfs.override_stat -v 1:2:0644 "$u/f"
	setfattr -n user.containers.override_stat -v 0:0:0755 "$u"
	# a lower layer that keeps its owners and modes in that name: its own, not the mount's
	echo a >"$l/priv"
	setfattr -n "$name" -v 0:0:0755 "$l"
	setfattr -n "$name" -v 7:7:0600 "$l/priv"
	"$PEA_OVERLAYFS" -f -o "lowerdir=$l,upperdir=$u,workdir=$TEST_DIR/o/work" "$m" \
		2>"$TEST_DIR/o/server.log" &
	echo $! >"$TEST_DIR/o/server.pid"
	ovl_wait_mounted "$m" "$(cat "$TEST_DIR/o/server.pid")"
	run -0 getfattr --absolute-names -d -m - "$m/f"
	assert_output "# file: $m/f
$name=\"1:2:0644\""
	run -0 getfattr --absolute-names --only-values -n "$name" "$m/f"
	assert_output 1:2:0644
	run -0 stat -c %u:%g:%a "$m/f"
	assert_output "$(stat -c %u:%g:%a "$u/f")"
	setfattr -n "$name" -v 3:3:0600 "$m/g"
	run -0 getfattr --absolute-names --only-values -n "$name" "$m/g"
	assert_output 3:3:0600
	run -0 stat -c %u:%g:%a "$m/g"
	assert_output "$(stat -c %u:%g:%a "$u/g")"
	setfattr -x "$name" "$m/f"
	run -1 getfattr --absolute-names -n "$name" "$m/f"
	# the lower layer's own: its owner and mode, not an xattr of the mount, before and after copy-up
	run -0 stat -c %u:%g:%a "$m/priv"
	assert_output 7:7:600
	run -1 getfattr --absolute-names -n "$name" "$m/priv"
	chmod 640 "$m/priv"
	run -0 stat -c %u:%g:%a "$m/priv"
	assert_output 7:7:640
	run -1 getfattr --absolute-names -n "$name" "$m/priv"
	run -0 getfattr --absolute-names -d -m - "$m/priv"
	assert_output ""
	ovl_umount "$TEST_DIR/o"
	run -0 getfattr --absolute-names --only-values \
		-n user.containers.override_security.fuseoverlayfs.override_stat "$u/g"
	assert_output 3:3:0600
	run -1 getfattr --absolute-names -n user.containers.override_security.fuseoverlayfs.override_stat "$u/priv"
	run -1 getfattr --absolute-names -n "$name" "$u/priv"
}

@test "overlayfs attrs: a malformed override_stat xattr is an error on that file only" {
	local l="$TEST_DIR/o/lower" m="$TEST_DIR/o/mnt"
	mkdir -p "$l" "$m"
	echo a >"$l/bad"
	echo b >"$l/good"
	setfattr -n user.containers.override_stat -v 0:0:0755 "$l"
	setfattr -n user.containers.override_stat -v 1:2:999 "$l/bad"
	"$PEA_OVERLAYFS" -f -o "lowerdir=$l" "$m" 2>"$TEST_DIR/o/server.log" &
	echo $! >"$TEST_DIR/o/server.pid"
	ovl_wait_mounted "$m" "$(cat "$TEST_DIR/o/server.pid")"
	run -1 stat "$m/bad"
	assert_output --partial "Invalid argument"
	run -0 cat "$m/good"
	assert_output b
	ovl_umount "$TEST_DIR/o"
}

@test "overlayfs attrs: an open file survives its unlink" {
	ovl_mount pea "$D"
	run -0 python3 - "$M/data" <<'PY'
import os, sys
d = sys.argv[1]
fd = os.open(d + "/tmp1", os.O_RDWR | os.O_CREAT, 0o600)
os.write(fd, b"still here")
os.unlink(d + "/tmp1")
os.fchmod(fd, 0o640)
st = os.fstat(fd)
os.lseek(fd, 0, 0)
print(os.read(fd, 100).decode(), oct(st.st_mode & 0o777), st.st_size)
lower = os.open(d + "/link1", os.O_RDONLY)
os.unlink(d + "/link1")
print(os.read(lower, 100).decode().strip(), os.fstat(lower).st_size)
PY
	assert_output "still here 0o640 10
linked 7"
	assert [ ! -e "$M/data/tmp1" ]
	ovl_umount "$D"
	run -0 find "$D/work/work" -mindepth 1
	assert_output ""
}
