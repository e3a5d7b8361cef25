#!/usr/bin/env bats
#
# pea-overlayfs as an ordinary user: mounted through fusermount3, and as the
# mount_program of pea-storage in the user's namespaces (as rootless Podman
# runs fuse-overlayfs), a container's root on it.
#
# /dev/fuse on the test hosts is root's only (0600, no udev). The host's node
# stays untouched: each test runs in a private mount namespace where a 0666
# node of its own is bound over /dev/fuse.

bats_require_minimum_version 1.5.0
load helpers/common
load helpers-storage
load helpers-overlayfs

setup_file() {
	ensure_fixtures
}

setup() {
	require_root
	require_userns
	require_cmd "$PEA_STORAGE"
	require_cmd "$PEA_OVERLAYFS"
	require_cmd fusermount3
	require_cmd newuidmap
	rootless_user_setup
	RL_DIR="$(rootless_tmpdir store)"
	mknod -m 0666 "$TEST_DIR/fuse" c 10 229
}

teardown() {
	local p exe
	# Before setup names the directory, an empty RL_DIR would match every server.
	[[ -n "${RL_DIR:-}" ]] || return 0
	exe="$(readlink -f "$PEA_OVERLAYFS")"
	# A server a failed test left, serving under this test's directory.
	for p in /proc/[0-9]*; do
		if [[ "$(readlink "$p/exe" 2>/dev/null)" == "$exe" ]] &&
			tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -qF "$RL_DIR"; then
			kill "${p#/proc/}" 2>/dev/null || true
		fi
	done
}

# as_user SCRIPT: SCRIPT (sh) as the user, in a mount namespace of its own
# whose /dev/fuse the user may open; $D is the user's directory, $O the
# pea-overlayfs binary, $S pea-storage on a store in $D with pea-overlayfs as
# its mount program. Bounded: a stuck mount fails the test.
as_user() {
	timeout -k 5 120 unshare -m --propagation private \
		env NODE="$TEST_DIR/fuse" U="$ROOTLESS_USER" H="$ROOTLESS_HOME" X="$ROOTLESS_RUNTIME_DIR" \
		D="$RL_DIR" O="$PEA_OVERLAYFS" SCRIPT="$1" \
		S="$PEA_STORAGE --root $RL_DIR/root --runroot $RL_DIR/run --storage-opt overlay.mount_program=$PEA_OVERLAYFS" \
		bash -c 'mount --bind "$NODE" /dev/fuse &&
			exec runuser -u "$U" -- env HOME="$H" XDG_RUNTIME_DIR="$X" D="$D" O="$O" S="$S" \
				sh -euc "$SCRIPT"'
}

@test "overlayfs rootless: an ordinary user mounts it through fusermount3" {
	mkdir -p "$RL_DIR/l/dir" "$RL_DIR/u" "$RL_DIR/w" "$RL_DIR/m"
	echo hi >"$RL_DIR/l/f"
	echo in >"$RL_DIR/l/dir/x"
	chown -R "$ROOTLESS_UID:$ROOTLESS_GID" "$RL_DIR"
	run -0 as_user '
		"$O" -o "lowerdir=$D/l,upperdir=$D/u,workdir=$D/w" "$D/m"
		findmnt -n -o FSTYPE "$D/m"
		cat "$D/m/f"
		echo new >"$D/m/g"
		rm "$D/m/f"
		rm -r "$D/m/dir"
		mkdir "$D/m/dir"
		ls "$D/m" | paste -sd" "
		stat -c "%u" "$D/m/g"
		fusermount3 -u "$D/m"'
	assert_equal "${lines[*]}" "fuse.pea-overlayfs hi dir g $ROOTLESS_UID"
	# The unprivileged format: whiteouts, and the new dir opaque by user.overlay.opaque.
	run -0 stat -c '%F %t:%T %u' "$RL_DIR/u/f"
	assert_output "character special file 0:0 $ROOTLESS_UID"
	run -0 getfattr --absolute-names --only-values -n user.overlay.opaque "$RL_DIR/u/dir"
	assert_output y
	assert_equal "$(stat -c %u "$RL_DIR/u/g")" "$ROOTLESS_UID"
}

@test "overlayfs rootless: an ordinary user's server copies up read-only files and dirs" {
	# Its copy-up records user.* xattrs (the origin, the layer's own), which need
	# write permission on the copy: the mode is set after them (fuse-overlayfs's
	# tests/unpriv.sh: chmod 406 of a 0444 lower file failed with EACCES).
	mkdir -p "$RL_DIR/l/rodir" "$RL_DIR/u" "$RL_DIR/w" "$RL_DIR/m"
	echo ro >"$RL_DIR/l/f"
	setfattr -n user.kept -v yes "$RL_DIR/l/f"
	chmod 0444 "$RL_DIR/l/f"
	chmod 0555 "$RL_DIR/l/rodir"
	chown -R "$ROOTLESS_UID:$ROOTLESS_GID" "$RL_DIR"
	run -0 as_user '
		"$O" -o "lowerdir=$D/l,upperdir=$D/u,workdir=$D/w" "$D/m"
		chmod 406 "$D/m/f"
		chmod 755 "$D/m/rodir"
		stat -c %a "$D/m/f" "$D/m/rodir" | paste -sd" "
		cat "$D/m/f"
		fusermount3 -u "$D/m"'
	assert_equal "${lines[*]}" "406 755 ro"
	assert_equal "$(stat -c %a "$RL_DIR/u/f" "$RL_DIR/u/rodir" | paste -sd' ')" "406 755"
	run -0 getfattr --absolute-names --only-values -n user.kept "$RL_DIR/u/f"
	assert_output yes
}

@test "overlayfs rootless: xattr_permissions=2 keeps a file capability set in a user namespace, and hides the upper's own" {
	# fuse-overlayfs's tests/unpriv.sh (its second part; fuse-overlayfs 1.14 on):
	# the upper keeps owners and modes in user.containers.override_stat, and the
	# mount's security.* under user.containers.override_security.* (an ordinary
	# user's server cannot set security.capability; it failed with EPERM before).
	require_cmd setcap
	require_cmd getcap
	mkdir -p "$RL_DIR/l" "$RL_DIR/u" "$RL_DIR/w" "$RL_DIR/m"
	touch "$RL_DIR/u/file"
	chown -R "$ROOTLESS_UID:$ROOTLESS_GID" "$RL_DIR"
	run -0 as_user '
		unshare -r setcap cap_net_admin+ep "$D/u/file"
		"$O" -o "lowerdir=$D/l,upperdir=$D/u,workdir=$D/w,xattr_permissions=2" "$D/m"
		echo "before=[$(unshare -r getcap "$D/m/file")]"
		unshare -r setcap cap_net_admin+ep "$D/m/file"
		echo "after=[$(cd "$D/m" && unshare -r getcap file)]"
		getfattr --absolute-names -m - "$D/m/file" | grep "^[a-z]" | paste -sd" "
		chmod 600 "$D/m/file"
		stat -c "%u %a" "$D/m/file"
		fusermount3 -u "$D/m"'
	assert_equal "${lines[*]}" "before=[] after=[file cap_net_admin=ep] security.capability $ROOTLESS_UID 600"
	run -0 getfattr --absolute-names --only-values -n user.containers.override_stat "$RL_DIR/u/file"
	assert_output "$ROOTLESS_UID:$ROOTLESS_GID:0600"
	run -0 getfattr --absolute-names -m - "$RL_DIR/u/file"
	assert_line security.capability
	assert_line user.containers.override_security.capability
}

@test "overlayfs rootless: pea-storage mounts a container through it in the user's namespaces" {
	busybox_layer
	cp "$BUSYBOX_LAYER" "$RL_DIR/busybox.tar.gz"
	chmod 0644 "$RL_DIR/busybox.tar.gz"
	run -0 as_user '
		unshare --map-auto --map-root-user --mount sh -euc "
			l=\$(\$S layer apply \"\$D/busybox.tar.gz\" | jq -r .result.id)
			\$S image create --layers \"\$l\" --name bb >/dev/null
			\$S container create --image bb --name c >/dev/null
			mp=\$(\$S container mount c | jq -r .result.mountpoint)
			findmnt -n -o FSTYPE \"\$mp\"
			chroot \"\$mp\" /bin/busybox sh -c \"echo hi >/root/new; rm /bin/vi; id -u; cat /root/new\"
			\$S container unmount c | jq -r .result.mounted
			\$S container inspect c | jq -r .result.layer_path"'
	assert_equal "${lines[0]} ${lines[1]} ${lines[2]} ${lines[3]}" "fuse.pea-overlayfs 0 hi false"
	local layer="${lines[4]}"
	# The container's root is the user on the host; its whiteout is a char 0/0.
	assert_equal "$(cat "$layer/root/new")" hi
	assert_equal "$(stat -c %u "$layer/root/new")" "$ROOTLESS_UID"
	run -0 stat -c '%F %t:%T' "$layer/bin/vi"
	assert_output "character special file 0:0"
}
