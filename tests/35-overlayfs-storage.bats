#!/usr/bin/env bats
#
# pea-storage with pea-overlayfs as its mount_program (as Podman runs
# fuse-overlayfs): a container root over the busybox image, a program run in
# it, the changes in the container's layer.

bats_require_minimum_version 1.5.0
load helpers/common
load helpers-storage
load helpers-overlayfs

setup_file() {
	ensure_fixtures
}

setup() {
	require_root
	require_cmd "$PEA_STORAGE"
	require_cmd "$PEA_OVERLAYFS"
	storage_setup overlay
}

teardown() {
	storage_teardown
	ovl_umount_all
}

@test "overlayfs storage: pea-storage mounts a container through pea-overlayfs" {
	local opt=(--storage-opt "overlay.mount_program=$PEA_OVERLAYFS") mp layer
	st_busybox_image bb
	run -0 pstore "${opt[@]}" container create --image bb --name c
	run -0 pstore "${opt[@]}" container mount c
	mp="$(json_field mountpoint)"
	assert_equal "$(findmnt -n -o FSTYPE "$mp")" fuse.pea-overlayfs
	run -0 chroot "$mp" /bin/busybox sh -c 'echo hi >/root/new && rm /bin/vi && mkdir /etc/x && ls /etc'
	assert_output "group
passwd
x"
	run -0 pstore "${opt[@]}" container unmount c
	run -1 findmnt "$mp"
	run -0 pstore container inspect c
	layer="$(json_field layer_path)"
	assert_equal "$(cat "$layer/root/new")" hi
	run -0 stat -c '%F %t:%T' "$layer/bin/vi"
	assert_output "character special file 0:0"
	# The kernel's overlay driver mounts the same container as pea-overlayfs left it.
	run -0 pstore container mount c
	mp="$(json_field mountpoint)"
	assert_equal "$(findmnt -n -o FSTYPE "$mp")" overlay
	run -1 chroot "$mp" /bin/busybox sh -c 'cat /root/new; ls /bin/vi 2>&1'
	assert_output "hi
ls: /bin/vi: No such file or directory"
	run -0 pstore container unmount c
}

@test "overlayfs storage: crun runs a container whose root is a pea-overlayfs mount" {
	require_cmd crun
	local b="$TEST_DIR/b"
	prepare_cgroups_for_crun || true
	make_bundle "$b" sh -c 'echo written >/root/f && rm /bin/vi && cat /root/f && ls /bin/vi 2>&1; id -u'
	bundle_set "$b" ".root.readonly = false"
	# The copied rootfs becomes the lower layer of an overlay mounted in its place.
	mv "$b/rootfs" "$b/lower"
	mkdir "$b/rootfs" "$b/upper" "$b/work"
	"$PEA_OVERLAYFS" -f -o "lowerdir=$b/lower,upperdir=$b/upper,workdir=$b/work" "$b/rootfs" 2>"$b/server.log" &
	echo $! >"$b/server.pid"
	ovl_wait_mounted "$b/rootfs" "$(cat "$b/server.pid")"
	run -0 crun --root "$ROOT" run --bundle "$b" "ovl-$$"
	assert_output "written
ls: /bin/vi: No such file or directory
0"
	fusermount3 -u "$b/rootfs"
	wait "$(cat "$b/server.pid")"
	rm "$b/server.pid"
	assert_equal "$(cat "$b/upper/root/f")" written
	assert [ -c "$b/upper/bin/vi" ]
}
