#!/usr/bin/env bats
#
# What the kernel caches for pea-overlayfs: written data with -o writeback=1
# (partial pages, appends, truncation, mmap, sizes), POSIX ACLs (checked and
# cached by the kernel unless -o noacl), and set-ID bits dropped on writes by
# others (by the server where the kernel offers FUSE_HANDLE_KILLPRIV_V2, with
# no GETATTR before each chown). Each script runs on pea-overlayfs and on the
# kernel's overlayfs over the same layers; the outputs and the upper dirs left
# behind must agree.

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
	require_cmd setfacl
	require_cmd setpriv
	require_cmd setfattr
	require_cmd getfattr
	require_cmd fallocate
	require_cmd unshare
}

teardown() {
	ovl_umount_all
}

# Writes of every shape, through the mount (the cwd), by python3: sizes as
# stat sees them while the files are open and after, and the data read back.
# shellcheck disable=SC2016 # python
WRITES='
import mmap, os, hashlib
def show(name):
    st = os.stat(name)
    with open(name, "rb") as f:
        print(name, st.st_size, hashlib.md5(f.read()).hexdigest())
# partial pages of a new file, written write-only (the cache reads around them)
fd = os.open("w-new", os.O_WRONLY | os.O_CREAT, 0o644)
os.pwrite(fd, b"a" * 5000, 0); os.pwrite(fd, b"b" * 10, 4090); os.pwrite(fd, b"c", 20000)
print("open size", os.fstat(fd).st_size); os.close(fd)
# a lower file written write-only in its middle: copied up, the rest kept
fd = os.open("data/file", os.O_WRONLY); os.pwrite(fd, b"XY", 1); os.close(fd)
# appends from two descriptors, one of them opened before the other wrote
a = os.open("w-app", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
b = os.open("w-app", os.O_WRONLY | os.O_APPEND)
os.write(a, b"one\n"); os.write(b, b"two\n"); os.write(a, b"three\n")
print("append size", os.fstat(b).st_size); os.close(a); os.close(b)
# truncation down and up, then a write past the end
fd = os.open("w-trunc", os.O_RDWR | os.O_CREAT, 0o644)
os.write(fd, b"z" * 9000); os.ftruncate(fd, 100); os.ftruncate(fd, 6000)
os.pwrite(fd, b"end", 7000); print("trunc size", os.fstat(fd).st_size); os.close(fd)
# mmap: a new file and a lower one (copied up at its read-write open)
fd = os.open("w-mmap", os.O_RDWR | os.O_CREAT, 0o644); os.ftruncate(fd, 8192)
m = mmap.mmap(fd, 8192); m[100:105] = b"hello"; m[8000:8003] = b"bye"; m.flush(); m.close(); os.close(fd)
fd = os.open("data/sparse", os.O_RDWR); m = mmap.mmap(fd, 8192, offset=4194304)
m[0:3] = b"MID"; m.close(); os.close(fd)
for n in ("w-new", "data/file", "w-app", "w-trunc", "w-mmap", "data/sparse"):
    show(n)
'

# writes_on IMPL: run WRITES on a fresh mount, then the upper dir as left.
writes_on() {
	local d="$TEST_DIR/$1"
	mkdir -p "$d"
	ovl_make_layers "$d" && ovl_mount "$2" "$d" || return 1
	(cd "$d/mnt" && python3 -c "$WRITES") || { ovl_umount "$d"; return 1; }
	ovl_umount "$d" || return 1
	echo "== upper"
	ovl_dump_upper "$d/upper"
}

@test "overlayfs cache: writeback=1 keeps data, appends, truncation, mmap writes and sizes as the kernel's overlayfs does" {
	run -0 writes_on kernel kernel
	local expected="$output"
	[[ "$expected" == *"w-new 20001 "* ]]
	OVL_EXTRA_OPTS=writeback=1 run -0 writes_on pea-wb pea
	assert_output "$expected"
	run -0 writes_on pea pea
	assert_output "$expected"
}

# ACLS: a default ACL inherited, an access ACL obeyed and removed, the umask
# applied where no default ACL is, an ACL of a lower file kept at copy-up.
# shellcheck disable=SC2016 # expanded by the shell that runs it
ACLS='
set -e
as_user() { setpriv --reuid 1000 --regid 1000 --clear-groups "$@"; }
umask 022
mkdir acl; setfacl -d -m u:1000:rwx acl; setfacl -m u:1000:rwx acl
echo x >acl/f; mkdir acl/d; mknod acl/p p
getfacl -cn acl/f acl/d acl/p
stat -c "%n %a" acl/f acl/d acl/p
as_user sh -c "echo by-user >acl/u" && stat -c "%n %u %a" acl/u
echo secret >priv; chmod 600 priv; setfacl -m u:1000:r priv
as_user cat priv
setfacl -b priv; as_user cat priv 2>/dev/null || echo "denied once removed"
mkdir plain; touch plain/g; umask 077; touch plain/h; mkdir plain/e
stat -c "%n %a" plain/g plain/h plain/e
getfacl -cn data/owned; as_user cat data/owned
chmod 600 data/owned; getfacl -cn data/owned
'

acls_on() {
	local d="$TEST_DIR/$1"
	mkdir -p "$d"
	ovl_make_layers "$d" || return 1
	chown 0:0 "$d/lower/data/owned" && chmod 600 "$d/lower/data/owned" &&
		setfacl -m u:1000:r "$d/lower/data/owned" || return 1
	ovl_mount "$2" "$d" || return 1
	(cd "$d/mnt" && sh -c "$ACLS" 2>&1) || { ovl_umount "$d"; return 1; }
	ovl_umount "$d" || return 1
	echo "== upper"
	getfacl -cnR "$d/upper/acl" "$d/upper/priv" "$d/upper/data/owned" 2>&1 | sed "s|$d/||"
}

@test "overlayfs cache: POSIX ACLs are obeyed, inherited and kept at copy-up as by the kernel's overlayfs" {
	run -0 acls_on kernel kernel
	local expected="$output"
	[[ "$expected" == *"secret"*"denied once removed"*"user:1000:r--"* ]]
	run -0 acls_on pea pea
	assert_output "$expected"
	OVL_EXTRA_OPTS=writeback=1 run -0 acls_on pea-wb pea
	assert_output "$expected"
}

@test "overlayfs cache: with noacl the kernel does not check ACLs (as fuse-overlayfs -o noacl)" {
	local d="$TEST_DIR/noacl"
	mkdir -p "$d"
	ovl_make_layers "$d"
	OVL_EXTRA_OPTS=noacl ovl_mount pea "$d"
	echo secret >"$d/mnt/priv"
	chmod 600 "$d/mnt/priv"
	setfacl -m u:1000:r "$d/mnt/priv"
	run -0 getfacl -cnp "$d/mnt/priv"
	assert_line "user:1000:r--"
	run ! setpriv --reuid 1000 --regid 1000 --clear-groups cat "$d/mnt/priv"
	ovl_umount "$d"
}

# Set-ID bits of files written, truncated (by truncate(2) and by an open with
# O_TRUNC, with and without a write after it), fallocated and given away by
# others; kept where root writes, truncates, or gives away a set-group-ID file
# that is not group-executable (kept too where its owner writes, or another
# user in its group; dropped where one outside the group writes, truncates or
# opens with O_TRUNC); dropped where root of a user namespace of its own
# writes. A security.capability goes at any write.
# shellcheck disable=SC2016 # sh -c
SETID='
chmod 777 data && chown 1000:1000 data/suid && chmod 6755 data/suid
for f in t c w o ot fa; do cp -p data/suid data/$f; done
setpriv --reuid 1000 --regid 1000 --clear-groups sh -c "echo y >>data/w; truncate -s 1 data/t
	echo z >data/o; : >data/ot; fallocate -l 8192 data/fa"
chown 1000:1001 data/c
mk() { echo hello >data/$1 && chown 1000:1000 data/$1 && chmod $2 data/$1; }
mk rw 6777; mk rt 6777; mk sg 2767; mk ch 2745; mk ns 6777; mk cap 0777; mk capsuid 4777
for f in sgw sgt sgo sgs; do mk $f 2767; done
cap=0sAQAAAgAgAAAAAAAAAAAAAAAAAAA=
setfattr -n security.capability -v $cap data/cap && setfattr -n security.capability -v $cap data/capsuid
echo y >>data/rw; truncate -s 2 data/rt; echo y >>data/capsuid; chown 1001:1001 data/ch
setpriv --reuid 1000 --regid 1000 --clear-groups sh -c "echo y >>data/sg; echo y >>data/cap"
unshare -U -r sh -c "echo y >>data/ns"
setpriv --reuid 1001 --regid 1001 --clear-groups sh -c "echo y >>data/sgw; truncate -s 1 data/sgt
	: >data/sgo"
setpriv --reuid 1001 --regid 1001 --groups 1000 sh -c "echo y >>data/sgs"
stat -c "%n %a %s" data/w data/t data/c data/o data/ot data/fa data/rw data/rt data/sg data/ch \
	data/ns data/cap data/capsuid data/sgw data/sgt data/sgo data/sgs
getfattr --absolute-names -n security.capability data/cap data/capsuid 2>&1 | sed "s/:.*//"
'

setid_on() {
	local d="$TEST_DIR/$1"
	mkdir -p "$d"
	ovl_make_layers "$d" && ovl_mount "$2" "$d" || return 1
	(cd "$d/mnt" && sh -ec "$SETID") || { ovl_umount "$d"; return 1; }
	ovl_umount "$d"
}

@test "overlayfs cache: writes, truncation and chown by others drop set-ID bits, with and without writeback" {
	run -0 setid_on kernel kernel
	assert_output "data/w 755 7
data/t 755 1
data/c 755 5
data/o 755 2
data/ot 755 0
data/fa 755 8192
data/rw 6777 8
data/rt 6777 2
data/sg 2767 8
data/ch 2745 6
data/ns 777 8
data/cap 777 8
data/capsuid 4777 8
data/sgw 767 8
data/sgt 767 1
data/sgo 767 0
data/sgs 2767 8
data/cap
data/capsuid"
	local expected="$output"
	run -0 setid_on pea pea
	assert_output "$expected"
	OVL_EXTRA_OPTS=writeback=1 run -0 setid_on pea-wb pea
	assert_output "$expected"
	OVL_EXTRA_OPTS=passthrough=0 run -0 setid_on pea-nopt pea
	assert_output "$expected"
}

# requests D OPCODE: how many OPCODE requests the server of D logged (-o debug).
requests() {
	grep -c "opcode: $2 " "$1/server.log" || true
}

@test "overlayfs cache: with killpriv v2 a chown needs no GETATTR of the file first" {
	local d="$TEST_DIR/kp" n
	[[ $(printf '5.11\n%s\n' "$(uname -r)" | sort -V | head -n1) == 5.11 ]] ||
		skip "expected: FUSE_HANDLE_KILLPRIV_V2 is Linux 5.11 on"
	mkdir -p "$d"
	ovl_make_layers "$d"
	OVL_EXTRA_OPTS=debug ovl_mount pea "$d"
	run -0 grep -c FUSE_HANDLE_KILLPRIV_V2 "$d/server.log"
	echo hello >"$d/mnt/f"
	stat "$d/mnt/f" >/dev/null
	n=$(requests "$d" GETATTR)
	for owner in 1 2 3 4 5 0; do
		chown "$owner:$owner" "$d/mnt/f"
	done
	run -0 stat -c '%u:%g' "$d/mnt/f"
	assert_output 0:0
	assert_equal "$(requests "$d" GETATTR)" "$n"
	ovl_umount "$d"
}

# refresh PATH: fuse-overlayfs's FUSE_OVFS_IOC_REFRESH_DIR (_IO('f', 0x66)) on PATH.
refresh() {
	python3 -c 'import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDONLY | (os.O_DIRECTORY if sys.argv[2] == "dir" else 0))
fcntl.ioctl(fd, int(sys.argv[3], 0))' "$1" "${2:-dir}" "${3:-0x6666}"
}

@test "overlayfs cache: the refresh ioctl reads a directory again after its layers changed behind the mount" {
	local d="$TEST_DIR/refresh"
	mkdir -p "$d"
	ovl_make_layers "$d"
	mkdir -p "$d/lower/r"
	echo a >"$d/lower/r/a" && echo b >"$d/lower/r/b" && echo gone >"$d/lower/r/gone"
	ovl_mount pea "$d"
	run -0 ls "$d/mnt/r"
	assert_equal "$(paste -sd' ' <<<"$output")" "a b gone"
	run ! stat "$d/mnt/r/new"
	# Behind its back: a whiteout in the upper dir, a file added and one removed below.
	mkdir "$d/upper/r" && touch "$d/upper/r/.wh.a"
	echo new >"$d/lower/r/new" && rm "$d/lower/r/gone"
	run -0 ls "$d/mnt/r"
	assert_equal "$(paste -sd' ' <<<"$output")" "a b gone"
	run -0 refresh "$d/mnt/r"
	run -0 ls "$d/mnt/r"
	assert_equal "$(paste -sd' ' <<<"$output")" "b new"
	run -0 cat "$d/mnt/r/new"
	assert_output new
	run ! stat "$d/mnt/r/a"
	run ! stat "$d/mnt/r/gone"
	# Not on a file; other ioctls are not ours.
	run ! refresh "$d/mnt/r/b" file
	assert_output --partial "Not a directory"
	run ! refresh "$d/mnt/r" dir 0x6667
	assert_output --partial "Inappropriate ioctl"
	# A set-group-ID bit given behind the mount, between a user's creates: their group
	# after the refresh (pea-overlayfs remembers the bit of the directory created in).
	local as_user=(setpriv --reuid=1000 --regid=1000 --clear-groups) p="$TEST_DIR"
	while [[ "$p" == "$BATS_RUN_TMPDIR"* ]]; do
		chmod o+x "$p"
		p="$(dirname "$p")"
	done
	chmod 0777 "$d/mnt/r"
	run -0 "${as_user[@]}" sh -c ": >'$d/mnt/r/u1'"
	chgrp 12 "$d/upper/r"
	chmod g+s "$d/upper/r"
	run -0 refresh "$d/mnt/r"
	run -0 "${as_user[@]}" sh -c ": >'$d/mnt/r/u2'"
	run -0 stat -c '%n %u:%g' "$d/upper/r/u1" "$d/upper/r/u2"
	assert_output "$d/upper/r/u1 1000:1000
$d/upper/r/u2 1000:12"
	ovl_umount "$d"
}
