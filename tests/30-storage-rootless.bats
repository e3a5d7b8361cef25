#!/usr/bin/env bats
# pea-storage as an unprivileged user inside a user namespace (overlay with userxattr).
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-storage

setup_file() {
	ensure_fixtures
}

setup() {
	require_root
	require_userns
	require_cmd "$PEA_STORAGE"
	require_cmd newuidmap
	rootless_user_setup
	RL_DIR="$(rootless_tmpdir store)"
	busybox_layer
	cp "$BUSYBOX_LAYER" "$RL_DIR/busybox.tar.gz"
	chmod 0644 "$RL_DIR/busybox.tar.gz"
}

teardown() {
	STORE_ROOT="${RL_DIR:-}" storage_teardown
}

# rl SCRIPT: run SCRIPT as the user in a new user namespace mapping its subordinate range
# (unshare --map-auto) and mount namespace; $S is pea-storage on the user's store.
rl() {
	run_as_user env S="$PEA_STORAGE --root $RL_DIR/root --runroot $RL_DIR/run" D="$RL_DIR" \
		unshare --map-auto --map-root-user --mount sh -euc "$1"
}

# rl_tar NAME: a tar from the spec on stdin, readable by the user.
rl_tar() {
	storage_mktar "$RL_DIR/$1"
	chmod 0644 "$RL_DIR/$1"
}

@test "rootless: apply busybox, mount with userxattr, run it" {
	run -0 rl '
		$S layer apply "$D/busybox.tar.gz" >"$D/layer.json"
		$S status | jq -r .result.rootless
		$S image create --layers "$(jq -r .result.id "$D/layer.json")" --name bb >/dev/null
		$S container create --image bb --name c >/dev/null
		mp=$($S container mount c | jq -r .result.mountpoint)
		chroot "$mp" /bin/busybox echo ok
		findmnt -n -o OPTIONS "$mp" | tr , "\n" | grep -x userxattr
		$S container unmount c | jq -r .result.mounted'
	assert_equal "${lines[*]}" "true ok userxattr false"
	assert_equal "$(jq -r .result.diff_id "$RL_DIR/layer.json")" "$BUSYBOX_DIFF_ID"
}

@test "rootless: whiteouts use the user.overlay.opaque xattr" {
	printf '%s\n' "dir a" "file a/keep content=k" "file a/gone content=g" "dir o" "file o/old content=o" |
		rl_tar l1.tar
	printf '%s\n' "file a/.wh.gone" "dir o" "file o/.wh..wh..opq" "file o/new content=n" | rl_tar l2.tar
	run -0 rl '
		l1=$($S layer apply "$D/l1.tar" | jq -r .result.id)
		l2=$($S layer apply --parent "$l1" "$D/l2.tar" | jq -r .result.id)
		getfattr --absolute-names --only-values -n user.overlay.opaque "$D/root/overlay/$l2/diff/o"; echo
		$S image create --layers "$l1,$l2" --name wh >/dev/null
		$S container create --image wh --name c >/dev/null
		mp=$($S container mount c | jq -r .result.mountpoint)
		ls -A "$mp/a" "$mp/o" | tr "\n" " "; echo
		$S container unmount c >/dev/null'
	assert_line --index 0 y
	assert_output --partial "keep"
	assert_equal "$(tail -1 <<<"$output" | tr -s ' ' | sed 's|[^ ]*/merged/||g')" "a: keep o: new "
}

@test "rootless: owners come from the mapped range" {
	printf '%s\n' "file f content=x uid=1000 gid=1000" | rl_tar owned.tar
	run -0 rl '
		p=$($S layer apply "$D/owned.tar" | jq -r .result.path)
		stat -c "%u:%g" "$p/f"
		echo "$p"'
	assert_line --index 0 1000:1000
	# outside the namespace: the user's subordinate ids
	[[ "$(stat -c %u "${lines[1]}/f")" -ge 100000 ]]
}

@test "rootless: device nodes are refused, nothing is left" {
	printf '%s\n' "dir dev" "char dev/null major=1 minor=3" | rl_tar dev.tar
	run -1 rl '$S layer apply "$D/dev.tar"'
	assert_output --partial "device node 'dev/null' cannot be created without privileges"
	run -0 rl '$S layer ls | jq ".result | length"; ls -A "$D/root/staging" "$D/root/overlay" | grep -vx -e "" -e l -e "$D/root/staging:" -e "$D/root/overlay:" | wc -l'
	assert_equal "${lines[*]}" "0 0"
}
