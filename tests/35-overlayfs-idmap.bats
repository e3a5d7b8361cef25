#!/usr/bin/env bats
#
# uid/gid mappings and squashing, as fuse-overlayfs applies them: ids on disk
# shown mapped, ids from callers (chown, new files) written back unmapped,
# ids outside every range shown as the overflow id.

bats_require_minimum_version 1.5.0
load helpers/common
load helpers-overlayfs

setup() {
	require_root
	require_cmd "$PEA_OVERLAYFS"
	require_cmd "$FUSE_OVERLAYFS"
}

teardown() {
	ovl_umount_all
}

# ids IMPL OPTS: what owners the mount and then the upper dir show after a
# chown and two creations.
ids() {
	local impl="$1" opts="$2" d="$TEST_DIR/$1" bin="$PEA_OVERLAYFS"
	[[ $impl == fuse ]] && bin="$FUSE_OVERLAYFS"
	rm -rf "$d"
	mkdir -p "$d/l" "$d/u" "$d/w" "$d/mnt"
	echo a >"$d/l/root"
	echo b >"$d/l/user" && chown 1000:1000 "$d/l/user"
	echo c >"$d/l/far" && chown 200000:200000 "$d/l/far"
	"$bin" -f -o "lowerdir=$d/l,upperdir=$d/u,workdir=$d/w,$opts" "$d/mnt" 2>"$d/log" &
	echo $! >"$d/server.pid"
	ovl_wait_mounted "$d/mnt" "$(cat "$d/server.pid")" || return 1
	(
		cd "$d/mnt" || exit 1
		stat -c '%n %u:%g' root user far
		echo x >new && mkdir newd
		chown 100005:100006 root 2>&1
		chown 1000:1000 user 2>&1
		stat -c '%n %u:%g' far new newd root user
	)
	ovl_umount "$d"
	(cd "$d/u" && stat -c 'upper %n %u:%g' new newd root user)
}

# same_as_fuse OPTS: pea-overlayfs and fuse-overlayfs show the same ids.
same_as_fuse() {
	ids fuse "$1" >"$TEST_DIR/fuse.ids" || fail "fuse-overlayfs with '$1' failed"
	ids pea "$1" >"$TEST_DIR/pea.ids" || fail "pea-overlayfs with '$1' failed"
	run -0 diff -u "$TEST_DIR/fuse.ids" "$TEST_DIR/pea.ids"
	cat "$TEST_DIR/pea.ids"
}

@test "overlayfs idmap: uidmapping and gidmapping map both ways" {
	run -0 same_as_fuse "uidmapping=0:100000:65536,gidmapping=0:100000:65536"
	assert_line "root 100000:100000"
	assert_line "user 101000:101000"
	assert_line "far 65534:65534"
	# chown 100005:100006 in the mount is 5:6 on disk.
	assert_line "upper root 5:6"
	# Root (0) is outside the mount's range: new files get the overflow id.
	assert_line "upper new 65534:65534"
}

@test "overlayfs idmap: several ranges" {
	run -0 same_as_fuse "uidmapping=0:100000:1:1000:0:1,gidmapping=0:100000:65536"
	assert_line "user 0:101000"
	assert_line "upper new 1000:65534"
}

@test "overlayfs idmap: squash_to_root and squash_to_uid/gid show one owner" {
	run -0 same_as_fuse "squash_to_root"
	assert_line "user 0:0"
	assert_line "upper user 1000:1000"
	run -0 same_as_fuse "squash_to_uid=7,squash_to_gid=8"
	assert_line "far 7:8"
	assert_line "upper root 100005:100006"
}

# acl_ids: ACLs through a mount with mappings, then as the upper dir keeps them.
acl_ids() {
	local d="$TEST_DIR/acl"
	mkdir -p "$d/l/d" "$d/u" "$d/w" "$d/mnt"
	echo secret >"$d/l/f" && chmod 600 "$d/l/f" && setfacl -m u:1000:r,g:1000:r "$d/l/f" ||
		return 1
	"$PEA_OVERLAYFS" -f -o "lowerdir=$d/l,upperdir=$d/u,workdir=$d/w,$1" "$d/mnt" \
		>"$d/server.log" 2>&1 3>&- &
	echo $! >"$d/server.pid"
	ovl_wait_mounted "$d/mnt" "$(cat "$d/server.pid")" || return 1
	(
		cd "$d/mnt" || exit 1
		getfacl -cn f
		setpriv --reuid 101000 --regid 101000 --clear-groups cat f
		setpriv --reuid 101001 --regid 101001 --clear-groups cat f 2>/dev/null || echo denied
		setfacl -m u:101005:rw f && setfacl -d -m u:101002:rwx,g:101003:rx d && echo x >d/new
		getfacl -cn d/new
	)
	ovl_umount "$d"
	echo "== upper"
	getfacl -cn "$d/u/f" "$d/u/d/new" 2>/dev/null
}

@test "overlayfs idmap: ACL entries are mapped with the ids, and the kernel checks them" {
	require_cmd setfacl
	require_cmd setpriv
	run -0 acl_ids "uidmapping=0:100000:65536,gidmapping=0:100000:65536"
	assert_line --index 1 "user:101000:r--"
	assert_line --index 3 "group:101000:r--"
	assert_line secret
	assert_line denied
	assert_line "user:101002:rwx	#effective:rw-"
	assert_line "group:101003:r-x	#effective:r--"
	# On disk: the ids unmapped.
	run -0 sed -n '/== upper/,$p' <<<"$output"
	assert_line "user:1000:r--"
	assert_line "user:1005:rw-"
	assert_line "group:1000:r--"
	assert_line "user:1002:rwx	#effective:rw-"
	assert_line "group:1003:r-x	#effective:r--"
	refute_line --partial "user:10100"
}
