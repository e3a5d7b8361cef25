#!/usr/bin/env bats
#
# A container run on a rootless pea-overlayfs mount, as rootless Podman runs
# one: an ordinary user's user namespace (its uid as root, its subordinate ids
# as 1..65536) and mount namespace; pea-overlayfs mounted there (allow_other,
# for the container's other users); the OCI runtime started in it on that
# mount. What the container writes must land in the upper dir with the ids
# the user namespace gives it, and a later mount must show it.
#
# The runtime is pea-runtime, run as root of the user namespace (crun works
# too: OVL_CONTAINER_RUNTIME=crun).
#
# /dev/fuse on the test hosts is root's only: as in 35-overlayfs-rootless, each
# test binds a 0666 node of its own over it in a private mount namespace.

bats_require_minimum_version 1.5.0
load helpers/common
load helpers-storage
load helpers-overlayfs

: "${OVL_CONTAINER_RUNTIME:=$PEA_RUNTIME}"

setup_file() {
	ensure_fixtures
}

setup() {
	require_root
	require_userns
	require_cmd "$PEA_OVERLAYFS"
	require_cmd "$FUSE_OVERLAYFS"
	require_cmd "$OVL_CONTAINER_RUNTIME"
	require_cmd newuidmap
	rootless_user_setup
	RL_DIR="$(rootless_tmpdir ctr)"
	mknod -m 0666 "$TEST_DIR/fuse" c 10 229
	SUBUID="$(awk -F: -v u="$ROOTLESS_USER" '$1 == u { print $2; exit }' /etc/subuid)"
	SUBGID="$(awk -F: -v u="$ROOTLESS_USER" '$1 == u { print $2; exit }' /etc/subgid)"
	[[ -n "$SUBUID" && -n "$SUBGID" ]]
}

teardown() {
	local p exe
	ovl_umount_all
	# Nothing of ours runs before setup names the directory; an empty RL_DIR
	# would match every process below (every root is "/"*): none is killed.
	[[ -n "${RL_DIR:-}" ]] || return 0
	exe="$(readlink -f "$PEA_OVERLAYFS")"
	# What a failed test left: the server, and container processes on its mount.
	for p in /proc/[0-9]*; do
		if [[ "$(readlink "$p/exe" 2>/dev/null)" == "$exe" ]] &&
			tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -qF "$RL_DIR"; then
			kill "${p#/proc/}" 2>/dev/null || true
		elif [[ "$(readlink "$p/root" 2>/dev/null)" == "$RL_DIR"/* ]]; then
			kill -9 "${p#/proc/}" 2>/dev/null || true
		fi
	done
}

# ctr_bundle NAME ARGS...: a bundle in $RL_DIR/NAME for a container started by
# root of the user namespace (no user namespace of its own, as rootless Podman
# by default), its root the mount $RL_DIR/mnt; CAP_CHOWN and CAP_FOWNER added.
ctr_bundle() {
	local b="$RL_DIR/$1"
	shift
	make_bundle "$b" "$@" || return 1
	# shellcheck disable=SC2016 # jq variables
	bundle_set "$b" '
		.root = {path: $m}
		| .process.capabilities |= map_values(. + ["CAP_CHOWN", "CAP_FOWNER", "CAP_DAC_OVERRIDE"])
		| del(.linux.resources)
		| .mounts |= map(select(.destination != "/sys/fs/cgroup")
			| if .destination == "/sys" then
				{destination: "/sys", type: "none", source: "/sys",
				 options: ["rbind", "nosuid", "noexec", "nodev", "ro"]}
			else . end)' --arg m "$RL_DIR/mnt" || return 1
	chown -R "$ROOTLESS_UID:$ROOTLESS_GID" "$b"
}

# in_userns SCRIPT: SCRIPT (sh -e) as root of the user's user namespace (its
# subordinate ids mapped), in a mount namespace of its own where
# pea-overlayfs has mounted $D/mnt over $D/lower; unmounted at the end. $D is
# the user's directory, $C the runtime. Bounded: a stuck mount fails the test.
in_userns() {
	timeout -k 5 150 unshare -m --propagation private \
		env NODE="$TEST_DIR/fuse" U="$ROOTLESS_USER" H="$ROOTLESS_HOME" X="$ROOTLESS_RUNTIME_DIR" \
		D="$RL_DIR" O="$PEA_OVERLAYFS" C="$(command -v "$OVL_CONTAINER_RUNTIME")" SCRIPT="$1" \
		bash -c 'mount --bind "$NODE" /dev/fuse &&
			exec runuser -u "$U" -- env HOME="$H" XDG_RUNTIME_DIR="$X" D="$D" O="$O" C="$C" \
				SCRIPT="$SCRIPT" unshare --map-auto --map-root-user --mount sh -euc "
				\"\$O\" -f -o \"lowerdir=\$D/lower,upperdir=\$D/upper,workdir=\$D/work\" \
					\"\$D/mnt\" 2>\"\$D/server.log\" &
				pid=\$!
				trap \"umount \\\"\$D/mnt\\\" 2>/dev/null; wait \$pid\" EXIT
				i=0
				until mountpoint -q \"\$D/mnt\"; do
					i=\$((i + 1)); [ \$i -lt 100 ] || { echo not mounted >&2; exit 1; }
					kill -0 \$pid || exit 1
					sleep 0.05
				done
				eval \"\$SCRIPT\""'
}

# as_user_ns SCRIPT: SCRIPT (sh -e) as root of the user's user namespace, in a
# mount namespace of its own, with $S: pea-storage on a store in $D with
# pea-overlayfs as its mount program (as rootless Podman runs fuse-overlayfs).
as_user_ns() {
	timeout -k 5 150 unshare -m --propagation private \
		env NODE="$TEST_DIR/fuse" U="$ROOTLESS_USER" H="$ROOTLESS_HOME" X="$ROOTLESS_RUNTIME_DIR" \
		D="$RL_DIR" C="$(command -v "$OVL_CONTAINER_RUNTIME")" SCRIPT="$1" \
		S="$PEA_STORAGE --root $RL_DIR/root --runroot $RL_DIR/run --storage-opt overlay.mount_program=$PEA_OVERLAYFS" \
		bash -c 'mount --bind "$NODE" /dev/fuse &&
			exec runuser -u "$U" -- env HOME="$H" XDG_RUNTIME_DIR="$X" D="$D" C="$C" S="$S" \
				unshare --map-auto --map-root-user --mount sh -euc "$SCRIPT"'
}

# show_mount IMPL: the files the containers wrote, through a mount made by
# root on the host with the user namespace's ids as uid/gid mappings.
show_mount() {
	local impl="$1" d="$TEST_DIR/show-$1" bin="$PEA_OVERLAYFS" map
	[[ $impl == fuse ]] && bin="$FUSE_OVERLAYFS"
	mkdir -p "$d/mnt"
	# On disk (host) ids DISK shown as MOUNT: the user as 0, its range from 1.
	map="$ROOTLESS_UID:0:1:$SUBUID:1:65536"
	"$bin" -f -o "lowerdir=$RL_DIR/upper:$RL_DIR/lower,uidmapping=$map,gidmapping=$ROOTLESS_GID:0:1:$SUBGID:1:65536" \
		"$d/mnt" 2>"$d/log" &
	echo $! >"$d/server.pid"
	ovl_wait_mounted "$d/mnt" "$(cat "$d/server.pid")" || return 1
	(
		cd "$d/mnt" || exit 1
		stat -c '%n %u:%g %a' root/byroot home/u home/u/mine etc/app.conf bin/busybox
		cat root/byroot home/u/mine etc/app.conf
		[ -e bin/vi ] || echo "vi removed"
	)
	ovl_umount "$d"
}

@test "overlayfs container: a rootless container writes to its pea-overlayfs root as root and as a mapped user" {
	cp -a "$BUSYBOX_ROOTFS" "$RL_DIR/lower"
	mkdir "$RL_DIR/upper" "$RL_DIR/work" "$RL_DIR/mnt" "$RL_DIR/rt"
	chown -R "$ROOTLESS_UID:$ROOTLESS_GID" "$RL_DIR"
	ctr_bundle b-root sh -c 'id -u; stat -c "%u %a" /bin/busybox /tmp
		echo root >/root/byroot; mkdir -p /home/u; chown 1000:1000 /home/u
		echo conf >/etc/app.conf; rm /bin/vi; echo wrote'
	ctr_bundle b-user sh -c 'id -u; echo mine >/home/u/mine; stat -c "%u:%g" /home/u/mine
		{ echo denied >/root/x; } 2>/dev/null || echo "root dir refused"'
	bundle_set "$RL_DIR/b-user" '.process.user = {uid: 1000, gid: 1000}
		| .process.capabilities = {bounding: [], effective: [], permitted: []}'
	run -0 in_userns '
		"$C" --root "$D/rt" run -b "$D/b-root" c-root
		"$C" --root "$D/rt" run -b "$D/b-user" c-user
		findmnt -n -o FSTYPE "$D/mnt"'
	assert_equal "${lines[*]}" "0 0 755 0 1777 wrote 1000 1000:1000 root dir refused fuse.pea-overlayfs"
	# On disk: the user's own uid for the container's root, its subordinate
	# range for the others; the removal is a whiteout.
	run -0 stat -c '%n %u:%g' "$RL_DIR/upper/root/byroot" "$RL_DIR/upper/home/u" \
		"$RL_DIR/upper/home/u/mine" "$RL_DIR/upper/etc/app.conf"
	assert_output "$RL_DIR/upper/root/byroot $ROOTLESS_UID:$ROOTLESS_GID
$RL_DIR/upper/home/u $((SUBUID + 999)):$((SUBGID + 999))
$RL_DIR/upper/home/u/mine $((SUBUID + 999)):$((SUBGID + 999))
$RL_DIR/upper/etc/app.conf $ROOTLESS_UID:$ROOTLESS_GID"
	run -0 stat -c '%F %t:%T' "$RL_DIR/upper/bin/vi"
	assert_output "character special file 0:0"
	# A later mount, by root with the namespace's ids as mappings, shows the
	# container's view again; fuse-overlayfs reads the same upper dir alike.
	run -0 show_mount pea
	local expected="root/byroot 0:0 644
home/u 1000:1000 755
home/u/mine 1000:1000 644
etc/app.conf 0:0 644
bin/busybox 0:0 755
root
mine
conf
vi removed"
	assert_output "$expected"
	run -0 show_mount fuse
	assert_output "$expected"
}

@test "overlayfs container: a second container on a new mount sees what the first one wrote" {
	cp -a "$BUSYBOX_ROOTFS" "$RL_DIR/lower"
	mkdir "$RL_DIR/upper" "$RL_DIR/work" "$RL_DIR/mnt" "$RL_DIR/rt"
	chown -R "$ROOTLESS_UID:$ROOTLESS_GID" "$RL_DIR"
	ctr_bundle b1 sh -c 'mkdir /data; echo one >/data/f; ln /data/f /data/g; ln -s f /data/s
		chown 1000:1000 /data/f; rm -r /usr/sbin; mkdir /usr/sbin; echo new >/usr/sbin/only'
	ctr_bundle b2 sh -c 'ls /data; stat -c "%n %u %h" /data/f /data/g; cat /data/s
		ls /usr/sbin; [ "$(stat -c %i /data/f)" = "$(stat -c %i /data/g)" ] && echo "same inode"'
	run -0 in_userns '"$C" --root "$D/rt" run -b "$D/b1" c1'
	run -0 in_userns '"$C" --root "$D/rt" run -b "$D/b2" c2'
	assert_equal "${lines[*]}" "f g s /data/f 1000 2 /data/g 1000 2 one only same inode"
	run -0 stat -c '%u' "$RL_DIR/upper/data/f"
	assert_output "$((SUBUID + 999))"
}

@test "overlayfs container: pea-storage mounts the container through pea-overlayfs and it runs rootless" {
	require_cmd "$PEA_STORAGE"
	busybox_layer
	cp "$BUSYBOX_LAYER" "$RL_DIR/busybox.tar.gz"
	mkdir "$RL_DIR/rt"
	ctr_bundle b sh -c 'echo made >/root/made; rm /bin/vi; chown 1000:1000 /root/made; id -u'
	chown -R "$ROOTLESS_UID:$ROOTLESS_GID" "$RL_DIR"
	run -0 as_user_ns '
		l=$($S layer apply "$D/busybox.tar.gz" | jq -r .result.id)
		$S image create --layers "$l" --name bb >/dev/null
		$S container create --image bb --name c >/dev/null
		mp=$($S container mount c | jq -r .result.mountpoint)
		trap "$S container unmount c >/dev/null 2>&1 || true" EXIT
		findmnt -n -o FSTYPE "$mp"
		jq --arg m "$mp" ".root.path = \$m" "$D/b/config.json" >"$D/b/config.json.new"
		mv "$D/b/config.json.new" "$D/b/config.json"
		"$C" --root "$D/rt" run -b "$D/b" c1
		$S container unmount c | jq -r .result.mounted
		trap - EXIT
		$S container inspect c | jq -r .result.layer_path'
	assert_equal "${lines[0]} ${lines[1]} ${lines[2]}" "fuse.pea-overlayfs 0 false"
	local layer="${lines[3]}"
	run -0 stat -c '%u:%g %s' "$layer/root/made"
	assert_output "$((SUBUID + 999)):$((SUBGID + 999)) 5"
	run -0 stat -c '%F %t:%T' "$layer/bin/vi"
	assert_output "character special file 0:0"
}
