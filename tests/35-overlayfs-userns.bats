#!/usr/bin/env bats
#
# pea-overlayfs run as root of a user namespace, as a rootless user runs it:
# no trusted.* xattrs there, so opaque dirs get user.overlay.opaque, which the
# kernel's overlayfs reads with -o userxattr. (The rootless user itself cannot
# open /dev/fuse on every machine, root of a new user namespace always can.)

bats_require_minimum_version 1.5.0
load helpers/common
load helpers-overlayfs

setup_file() {
	ensure_fixtures
}

setup() {
	require_root
	require_userns
	require_cmd "$PEA_OVERLAYFS"
	require_cmd setfattr
}

teardown() {
	ovl_umount_all
}

# shellcheck disable=SC2016 # expanded by the chrooted shell
USERNS_SCRIPT='
cd /
rm data/file data/symlink; rm -r tree; mkdir tree; echo new >tree/new
echo more >>data/sub/nested; mkdir newdir; mv newdir moved; ls -a / data tree moved
'

@test "overlayfs userns: the unprivileged format, read back by the kernel with userxattr" {
	local d="$TEST_DIR/u"
	ovl_make_layers "$d"
	# Mounted and served inside a user and mount namespace mapping root to root.
	run -0 unshare -Um --map-user=0 --map-group=0 bash -c '
		"$1" -f -o "lowerdir=$2/lower:$3,upperdir=$2/upper,workdir=$2/work" "$2/mnt" 2>"$2/log" &
		pid=$!
		for i in $(seq 100); do mountpoint -q "$2/mnt" && break; sleep 0.05; done
		chroot "$2/mnt" /bin/busybox sh -c "$4" >"$2/out" 2>&1
		find "$2/mnt" -mindepth 1 -printf "%P %y %m\n" | LC_ALL=C sort >"$2/view"
		umount "$2/mnt"
		wait "$pid"' _ "$PEA_OVERLAYFS" "$d" "$BUSYBOX_ROOTFS" "$USERNS_SCRIPT"
	run -0 grep -c . "$d/view"
	run -0 getfattr --absolute-names -n user.overlay.opaque --only-values "$d/upper/tree"
	assert_output y
	run -0 getfattr --absolute-names -n user.overlay.opaque --only-values "$d/upper/moved"
	assert_output y
	run -1 getfattr --absolute-names -n trusted.overlay.opaque "$d/upper/tree"
	run -0 stat -c '%F %t:%T' "$d/upper/data/file"
	assert_output "character special file 0:0"
	# The kernel sees the same tree with userxattr, and so does pea-overlayfs as root.
	mount -t overlay overlay -o "lowerdir=$d/lower:$BUSYBOX_ROOTFS,upperdir=$d/upper,workdir=$d/work,userxattr" "$d/mnt"
	find "$d/mnt" -mindepth 1 -printf '%P %y %m\n' | LC_ALL=C sort >"$d/kernel.view"
	umount "$d/mnt"
	run -0 diff -u "$d/view" "$d/kernel.view"
	ovl_mount pea "$d"
	find "$d/mnt" -mindepth 1 -printf '%P %y %m\n' | LC_ALL=C sort >"$d/pea.view"
	ovl_umount "$d"
	run -0 diff -u "$d/view" "$d/pea.view"
	run -0 grep -x -e 'tree/new f 644' -e 'moved d 755' "$d/view"
	assert_equal "${#lines[@]}" 2
	run -1 grep -e '^tree/a' -e '^data/file ' "$d/view"
}
