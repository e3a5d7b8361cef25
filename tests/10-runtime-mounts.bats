#!/usr/bin/env bats
# pea-runtime: mounts, the root filesystem, devices, masked and read-only
# paths, sysctl.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-runtime

setup_file() {
	ensure_fixtures
}

setup() {
	require_root
	rt_setup
}

teardown() {
	if [[ -n "${NS_FILE:-}" ]]; then
		umount "$NS_FILE" 2>/dev/null || true
	fi
	rt_teardown
}

# mnt_line PATH: the mountinfo line of the (top) mount at PATH, from `output`.
mnt_line() {
	awk -v p="$1" '$5 == p' <<<"$output" | tail -1
}

# mnt_opts PATH: its per-mount options (field 6: "ro,nosuid,...").
mnt_opts() {
	awk -v p="$1" '$5 == p {o = $6} END {print o}' <<<"$output"
}

@test "default mounts: proc, tmpfs /dev, devpts, shm, mqueue, sysfs ro, cgroup ro" {
	make_bundle "$RT_B" cat /proc/self/mountinfo
	run -0 rt run -b "$RT_B" m1
	[[ "$(mnt_line /proc)" == *" - proc "* ]]
	[[ "$(mnt_line /dev)" == *" - tmpfs "*"mode=755"* ]]
	[[ "$(mnt_line /dev/pts)" == *" - devpts "* ]]
	[[ "$(mnt_line /dev/shm)" == *nodev*" - tmpfs "* ]]
	[[ "$(mnt_line /dev/mqueue)" == *" - mqueue "* ]]
	[[ "$(mnt_opts /sys)" == ro,* ]]
	[[ "$(mnt_line /sys)" == *" - sysfs "* ]]
	# (crun 1.8.1 leaves the tmpfs under the hierarchies writable)
	rt_is_pea && [[ "$(mnt_opts /sys/fs/cgroup)" == ro,* ]]
	# the root is read-only (root.readonly)
	[[ "$(mnt_opts /)" == ro,* ]]
}

@test "a user namespace without a network namespace of its own: /sys without the host's mounts under it" {
	# sysfs cannot be mounted there (the host's network namespace is not the
	# user namespace's): /sys is the host's, but nothing mounted below it
	# comes along (a tmpfs on /sys/kernel/debug here, the host's cgroup
	# hierarchies, tracefs), only the spec's cgroup mount, all read-only
	make_bundle "$RT_B" sh -c 'cat /proc/self/mountinfo; ls /sys/kernel/debug | wc -l; ls -d /sys/class/net /sys/fs/cgroup/memory'
	bundle_set "$RT_B" '.linux.namespaces = [.linux.namespaces[] | select(.type != "network")]
		| .linux.namespaces += [{type: "user"}]
		| .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
	run -0 unshare -m --propagation private sh -c \
		'mount -t tmpfs pea-test /sys/kernel/debug && touch /sys/kernel/debug/x && exec "$@"' \
		_ "$PEA_RUNTIME" --root "$RT_ROOT" run -b "$RT_B" sk
	[[ "$(mnt_line /sys)" == *" - sysfs "* ]]
	[[ "$(mnt_opts /sys)" == ro,* ]]
	rt_is_pea || return 0 # crun 1.8.1 binds /sys recursively (podman unmounts /sys/kernel/* first)
	refute_output --partial pea-test
	refute_output --regexp ' /sys/kernel'
	# every mount under /sys is read-only (the host's are read-write)
	[[ -z "$(awk '$5 ~ "^/sys" && $6 !~ /^ro/' <<<"$output")" ]]
	assert_line 0
	assert_line /sys/class/net
	assert_line /sys/fs/cgroup/memory
}

@test "a user namespace without a network namespace of its own, / shared (as on systemd's hosts): each way of making its /sys keeps what it mounts there from the caller" {
	# a fresh sysfs (fsmount), the clone of the caller's /sys when the kernel
	# refuses that (open_tree: a peer of the caller's /sys until made
	# private), the recursive bind when both are refused (made in the init's
	# own, private, mount namespace; the mounts under it keep the host's
	# options when mount_setattr is refused: a warning)
	rt_is_pea || skip_expected "pea-runtime's ways of making /sys"
	make_bundle "$RT_B" sh -c 'grep " /sys " /proc/self/mountinfo; mount -t tmpfs pea-evil /sys/kernel/security && echo mounted'
	bundle_set "$RT_B" '.linux.namespaces = [.linux.namespaces[] | select(.type != "network")]
		| .linux.namespaces += [{type: "user"}]
		| .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .process.capabilities = {bounding: ["CAP_SYS_ADMIN"], effective: ["CAP_SYS_ADMIN"], permitted: ["CAP_SYS_ADMIN"]}'
	local inject
	for inject in none fsopen fsopen,open_tree fsopen,open_tree,mount_setattr; do
		# shellcheck disable=SC2016 # expanded by the inner shell
		run -0 unshare -m --propagation shared sh -c '
			before=$(grep -c " /sys" /proc/self/mountinfo)
			if [ "$1" = none ]; then "$2" --root "$3" run -b "$4" sh1
			else strace -f -qq -o /dev/null -e trace="$1" -e inject="$1":error=ENOSYS \
				"$2" --root "$3" run -b "$4" sh1; fi
			echo "runtime $?"
			echo "caller $before $(grep -c " /sys" /proc/self/mountinfo)"
			grep pea-evil /proc/self/mountinfo || true' \
			_ "$inject" "$PEA_RUNTIME" "$RT_ROOT" "$RT_B"
		assert_line mounted
		assert_line "runtime 0"
		# the container's /sys is in no peer group, the caller saw nothing come or go
		refute_output --regexp ' /sys [^-]*shared:'
		assert_line --regexp '^caller ([0-9]+) \1$'
		refute_output --regexp '^[0-9].*pea-evil'
		if [[ $inject == *mount_setattr ]]; then
			assert_output --partial "the mounts under '/sys' keep the host's options: mount_setattr: Function not implemented"
		fi
	done
}

@test "a user namespace joining a network namespace the host's owns: a sysfs of that network namespace" {
	# (a bridge's or a pod's, made before the container's user namespace): the
	# init cannot mount its sysfs, the runtime makes it as the caller
	load helpers/netns
	netns_create
	make_bundle "$RT_B" sh -c 'echo $(ls /sys/class/net); grep " /sys/kernel" /proc/self/mountinfo | wc -l'
	bundle_set "$RT_B" '.linux.namespaces = [.linux.namespaces[] | select(.type != "network")]
		| .linux.namespaces += [{type: "user"}, {type: "network", path: $p}]
		| .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]' --arg p "$NETNS_PATH"
	run rt run -b "$RT_B" sn
	netns_delete_all
	assert_success
	rt_is_pea || return 0 # crun 1.8.1 binds the host's /sys
	assert_output $'lo\n0'
}

@test "cgroup v1/hybrid: one read-only mount per hierarchy under /sys/fs/cgroup" {
	[[ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ]] || skip_expected "the host is on cgroup v2 only"
	make_bundle "$RT_B" sh -c 'ls /sys/fs/cgroup; touch /sys/fs/cgroup/memory/x 2>&1 || echo ro-ok'
	run -0 rt run -b "$RT_B" cg
	assert_line memory
	assert_line pids
	assert_line ro-ok
}

@test "cgroup v1/hybrid: create's hierarchies come from statmount (Linux 6.10), else one read of mountinfo" {
	local kv want=1
	[[ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ]] || skip_expected "the host is on cgroup v2 only"
	rt_is_pea || skip_expected "pea-runtime's own reads (cgroup_mountinfo_lines)"
	make_bundle "$RT_B" ls /sys/fs/cgroup
	# each read of /proc/self/mountinfo writes out every mount of the namespace
	# (0.1-1.6 ms here, every overlay's options escaped): statmount and
	# listmount ask for the cgroup mounts alone; where the kernel lacks them,
	# the parent's list of hierarchies and the init's cgroup mounts share one
	# read (fails before: two opens of mountinfo, one in each process)
	kv=$(uname -r)
	kv=${kv%%-*}
	[[ $(printf '%s\n' 6.10 "$kv" | sort -V | head -1) == 6.10 ]] && want=0
	run -0 strace -f -o "$TEST_DIR/st" -e trace=openat "$PEA_RUNTIME" --root "$RT_ROOT" run -b "$RT_B" mi < <(:)
	assert_line memory
	assert_line pids
	assert_line systemd
	assert_line unified
	run grep -c '"/proc/self/mountinfo"' "$TEST_DIR/st"
	assert_output "$want"
	# a kernel without them (statx's unique mount id refused): one read, the
	# same hierarchies
	run -0 strace -f -o "$TEST_DIR/st" -e trace=openat,statx -e inject=statx:error=ENOSYS \
		"$PEA_RUNTIME" --root "$RT_ROOT" run -b "$RT_B" mi2 < <(:)
	assert_line memory
	assert_line pids
	assert_line systemd
	assert_line unified
	run grep -c '"/proc/self/mountinfo"' "$TEST_DIR/st"
	assert_output 1
}

@test "root.readonly false: the root is writable" {
	make_bundle "$RT_B" sh -c 'touch /newfile && echo wrote'
	bundle_set "$RT_B" '.root.readonly = false'
	run -0 rt run -b "$RT_B" m2
	assert_output wrote
	[[ -e "$RT_B/rootfs/newfile" ]]
}

@test "root.readonly: writing to / fails" {
	make_bundle "$RT_B" sh -c 'touch /newfile 2>/dev/null || echo refused'
	run -0 rt run -b "$RT_B" m3
	assert_output refused
}

@test "bind mounts: a directory read-only, a file, rbind with a submount, rro" {
	mkdir -p "$TEST_DIR/src/sub" "$TEST_DIR/rsrc/inner"
	echo dir-content >"$TEST_DIR/src/f"
	echo file-content >"$TEST_DIR/onefile"
	mount -t tmpfs tmpfs "$TEST_DIR/rsrc/inner"
	echo inner >"$TEST_DIR/rsrc/inner/x"
	make_bundle "$RT_B" sh -c 'cat /data/f; touch /data/g 2>/dev/null || echo ro; cat /etc/onefile;
		cat /r/inner/x; touch /r/inner/y 2>/dev/null || echo rro; cat /nr/inner/x 2>/dev/null || echo no-sub'
	bundle_set "$RT_B" '.mounts += [
		{destination: "/data", type: "bind", source: $src, options: ["bind", "ro"]},
		{destination: "/etc/onefile", type: "none", source: $file, options: ["bind"]},
		{destination: "/r", type: "bind", source: $rsrc, options: ["rbind", "rro"]},
		{destination: "/nr", type: "bind", source: $rsrc, options: ["bind"]}]' \
		--arg src "$TEST_DIR/src" --arg file "$TEST_DIR/onefile" --arg rsrc "$TEST_DIR/rsrc"
	run rt run -b "$RT_B" m4
	umount "$TEST_DIR/rsrc/inner"
	[[ "$status" -eq 0 ]]
	assert_output $'dir-content\nro\nfile-content\ninner\nrro\nno-sub'
	[[ ! -e "$TEST_DIR/src/g" ]]
}

@test "a relative bind source is relative to the bundle" {
	mkdir -p "$RT_B"
	mkdir "$RT_B/local"
	echo bundle-local >"$RT_B/local/f"
	make_bundle "$RT_B" cat /l/f
	bundle_set "$RT_B" '.mounts += [{destination: "/l", type: "bind", source: "local", options: ["bind"]}]'
	run -0 rt run -b "$RT_B" m5
	assert_output bundle-local
}

@test "tmpfs with options, propagation flags on a mount" {
	rt_is_pea || skip_expected "crun 1.8.1 drops rshared on a tmpfs"
	make_bundle "$RT_B" cat /proc/self/mountinfo
	bundle_set "$RT_B" '.mounts += [
		{destination: "/scratch", type: "tmpfs", source: "tmpfs", options: ["size=1m", "mode=700", "noexec", "nosuid"]},
		{destination: "/shared", type: "tmpfs", source: "tmpfs", options: ["rshared"]}]'
	run -0 rt run -b "$RT_B" m6
	line="$(mnt_line /scratch)"
	[[ "$line" == *noexec* && "$line" == *nosuid* && "$line" == *size=1024k* && "$line" == *mode=700* ]]
	[[ "$(mnt_line /shared)" == *shared:* ]]
	[[ "$(mnt_line /scratch)" != *shared:* ]]
}

@test "rootfsPropagation: shared and private" {
	make_bundle "$RT_B" cat /proc/self/mountinfo
	bundle_set "$RT_B" '.linux.rootfsPropagation = "rshared"'
	run -0 rt run -b "$RT_B" p1
	[[ "$(mnt_line /)" == *shared:* ]]
	make_bundle "$TEST_DIR/b2" cat /proc/self/mountinfo
	bundle_set "$TEST_DIR/b2" '.linux.rootfsPropagation = "private"'
	run -0 rt run -b "$TEST_DIR/b2" p2
	[[ "$(mnt_line /)" != *shared:* && "$(mnt_line /)" != *master:* ]]
}

@test "a mount destination through a symlink stays inside the rootfs" {
	rt_is_pea || skip_expected "crun 1.8.1 refuses a dangling symlink on the way"
	mkdir -p "$TEST_DIR/outside"
	make_bundle "$RT_B" sh -c 'ls -d /outside-abs /outside-rel 2>&1; cat /proc/self/mountinfo'
	ln -s "$TEST_DIR/outside" "$RT_B/rootfs/abs"
	ln -s "../../../../../../../../../../../..$TEST_DIR/outside" "$RT_B/rootfs/rel"
	bundle_set "$RT_B" '.root.readonly = false | .mounts += [
		{destination: "/abs/m", type: "tmpfs", source: "tmpfs"},
		{destination: "/rel/n", type: "tmpfs", source: "tmpfs"}]'
	run -0 rt run -b "$RT_B" esc
	[[ -z "$(ls -A "$TEST_DIR/outside")" ]]
	# the directories were made inside the rootfs, where the links point from its root
	[[ -d "$RT_B/rootfs$TEST_DIR/outside/m" && -d "$RT_B/rootfs$TEST_DIR/outside/n" ]]
	! grep -q " $TEST_DIR/outside" /proc/self/mountinfo
}

@test "maskedPaths and readonlyPaths" {
	make_bundle "$RT_B" sh -c 'wc -c < /proc/keys; wc -c < /proc/timer_list; ls /sys/firmware | wc -l;
		(echo x > /proc/sys/kernel/hostname) 2>/dev/null || echo ro-sys; touch /proc/fs/x 2>/dev/null || echo ro-fs'
	run -0 rt run -b "$RT_B" mp
	assert_output $'0\n0\n0\nro-sys\nro-fs'
}

@test "maskedPaths and readonlyPaths that do not exist are skipped" {
	make_bundle "$RT_B" echo fine
	bundle_set "$RT_B" '.linux.maskedPaths += ["/no/such"] | .linux.readonlyPaths += ["/no/other"]'
	run -0 rt run -b "$RT_B" mp2
	assert_output fine
}

@test "readonlyPaths binds the container's file, not the host's of the same path" {
	# a path the host does not have failed; one it has showed the host's file
	make_bundle "$RT_B" sh -c 'cat /var/ro/file /etc/os-release; (echo x > /var/ro/file) 2>/dev/null || echo ro1;
		(echo x > /etc/os-release) 2>/dev/null || echo ro2'
	mkdir -p "$RT_B/rootfs/var/ro" "$RT_B/rootfs/etc"
	echo container > "$RT_B/rootfs/var/ro/file"
	rm -f "$RT_B/rootfs/etc/os-release"
	echo container > "$RT_B/rootfs/etc/os-release"
	bundle_set "$RT_B" '.root.readonly = false | .linux.readonlyPaths = ["/var/ro/file", "/etc/os-release"]'
	run -0 rt run -b "$RT_B" rop
	assert_output $'container\ncontainer\nro1\nro2'
}

@test "a read-only /dev: its mounts and nodes are made first, then it is read-only (as runc)" {
	make_bundle "$RT_B" sh -c 'grep "^tmpfs /dev " /proc/mounts; touch /dev/x 2>/dev/null && echo writable; ls /dev/null /dev/pts/ptmx /dev/shm'
	bundle_set "$RT_B" '.mounts |= map(if .destination == "/dev" then .options += ["ro"] else . end)'
	run -0 rt run -b "$RT_B" rodev
	assert_line --regexp '^tmpfs /dev tmpfs ro,'
	refute_line writable
	assert_line /dev/null
	assert_line /dev/pts/ptmx
}

@test "default devices, /dev/ptmx, /dev/fd and linux.devices" {
	make_bundle "$RT_B" sh -c 'for d in null zero full random urandom tty mydev; do stat -c "%n %F %t:%T %a %u:%g" /dev/$d; done;
		readlink /dev/ptmx; readlink /dev/fd; readlink /dev/stdin; head -c 4 /dev/zero | wc -c'
	bundle_set "$RT_B" '.linux.devices = [{type: "c", path: "/dev/mydev", major: 1, minor: 7, fileMode: 384, uid: 1000, gid: 1001}]'
	run -0 rt run -b "$RT_B" dv
	assert_line '/dev/null character special file 1:3 666 0:0'
	assert_line '/dev/urandom character special file 1:9 666 0:0'
	assert_line '/dev/tty character special file 5:0 666 0:0'
	assert_line '/dev/mydev character special file 1:7 600 1000:1001'
	assert_line pts/ptmx
	assert_line /proc/self/fd
	assert_line /proc/self/fd/0
	assert_line 4
}

@test "linux.devices outside /dev, in folders made for them (as runc and crun)" {
	make_bundle "$RT_B" sh -c 'stat -c "%n %F %t:%T" /foo-dev /sub/dir/foo-dev'
	bundle_set "$RT_B" '.linux.devices = [{type: "b", path: "/foo-dev", major: 10, minor: 229},
		{type: "c", path: "/sub/dir/foo-dev", major: 1, minor: 3}]'
	run -0 rt run -b "$RT_B" od
	assert_output $'/foo-dev block special file a:e5\n/sub/dir/foo-dev character special file 1:3'
}

@test "sysctl in the container's namespaces" {
	make_bundle "$RT_B" sh -c 'cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shm_rmid_forced'
	bundle_set "$RT_B" '.linux.sysctl = {"net.ipv4.ip_forward": "1", "kernel.shm_rmid_forced": "1"}'
	run -0 rt run -b "$RT_B" sc
	assert_output $'1\n1'
	[[ "$(cat /proc/sys/kernel/shm_rmid_forced)" == 0 ]]
}

@test "a sysctl the container has no namespace for is refused: it would change the host's" {
	make_bundle "$RT_B" true
	bundle_set "$RT_B" '.linux.namespaces |= map(select(.type != "ipc")) | .linux.sysctl = {"kernel.shm_rmid_forced": "1"}'
	run -1 rt create -b "$RT_B" sc1
	assert_output --partial "linux.sysctl.kernel.shm_rmid_forced: needs a ipc namespace"
	bundle_set "$RT_B" '.linux.namespaces |= map(select(.type != "ipc")) | .linux.sysctl = {"fs.mqueue.queues_max": "100"}'
	run -1 rt create -b "$RT_B" sc1
	assert_output --partial "fs.mqueue.queues_max: needs a ipc namespace"
	bundle_set "$RT_B" '.linux.namespaces |= map(select(.type != "network")) | .linux.sysctl = {"net.ipv4.ip_forward": "1"}'
	run -1 rt create -b "$RT_B" sc1
	assert_output --partial "net.ipv4.ip_forward: needs a network namespace"
	bundle_set "$RT_B" '.linux.sysctl = {"kernel.hostname": "x"}'
	run -1 rt create -b "$RT_B" sc1
	assert_output --partial "kernel.hostname: not allowed: set the 'hostname' field"
	bundle_set "$RT_B" '.linux.sysctl = {"vm.swappiness": "1"}'
	run -1 rt create -b "$RT_B" sc1
	assert_output --partial "vm.swappiness: not allowed: it is not namespaced"
	run -1 rt state sc1
	[[ "$(cat /proc/sys/kernel/shm_rmid_forced)" == 0 ]]
}

@test "a sysctl in a namespace joined by path: refused when it is the runtime's own" {
	make_bundle "$RT_B" cat /proc/sys/net/ipv4/ip_forward
	bundle_set "$RT_B" '.linux.namespaces |= map(if .type == "network" then .path = "/proc/'"$$"'/ns/net" else . end) | .linux.sysctl = {"net.ipv4.ip_forward": "1"}'
	run -1 rt create -b "$RT_B" sc2
	assert_output --partial "net.ipv4.ip_forward: needs a network namespace"
	run -1 rt state sc2
	# Another network namespace, kept by a bind mount: allowed, and written there.
	NS_FILE="$TEST_DIR/netns"
	touch "$NS_FILE"
	timeout -k 5 20 unshare --net="$NS_FILE" true
	bundle_set "$RT_B" '.linux.namespaces |= map(if .type == "network" then .path = "'"$NS_FILE"'" else . end)'
	run -0 rt run -b "$RT_B" sc2
	assert_output 1
	[[ "$(timeout -k 5 20 nsenter --net="$NS_FILE" cat /proc/sys/net/ipv4/ip_forward)" == 1 ]]
}

@test "tmpcopyup: the tmpfs starts with what the image has there, which stays as it was" {
	make_bundle "$RT_B" sh -c 'stat -f -c %T /d; stat -c "%a %u:%g" /d /d/sub /d/sub/f /d/fifo; cat /d/sub/f; readlink /d/ln; echo new > /d/sub/g; cat /d/sub/g'
	mkdir -p "$RT_B/rootfs/d/sub"
	echo image > "$RT_B/rootfs/d/sub/f"
	ln -s sub/f "$RT_B/rootfs/d/ln"
	mkfifo "$RT_B/rootfs/d/fifo"
	chmod 750 "$RT_B/rootfs/d"
	chmod 777 "$RT_B/rootfs/d/sub"
	chown 12:34 "$RT_B/rootfs/d/sub/f" "$RT_B/rootfs/d/fifo"
	chmod 4755 "$RT_B/rootfs/d/sub/f"
	bundle_set "$RT_B" '.mounts += [{destination: "/d", type: "tmpfs", source: "tmpfs", options: ["tmpcopyup", "nosuid"]}]'
	run -0 rt run -b "$RT_B" cu
	assert_output $'tmpfs\n750 0:0\n777 0:0\n4755 12:34\n'"$(stat -c '%a' "$RT_B/rootfs/d/fifo")"$' 12:34\nimage\nsub/f\nnew'
	[[ "$(cat "$RT_B/rootfs/d/sub/f")" == image && ! -e "$RT_B/rootfs/d/sub/g" ]]
	# a mode= option is the root's mode
	bundle_set "$RT_B" '.mounts[-1].options += ["mode=1777"] | .process.args = ["stat", "-c", "%a", "/d"]'
	run -0 rt run -b "$RT_B" cu
	assert_output 1777
}

@test "tmpcopyup on a mount that is no tmpfs is refused" {
	make_bundle "$RT_B" true
	bundle_set "$RT_B" '.mounts += [{destination: "/d", type: "bind", source: "/tmp", options: ["rbind", "tmpcopyup"]}]'
	run -1 rt create -b "$RT_B" cu2
	assert_output --partial "mounts[7].options: mount option 'tmpcopyup' needs type 'tmpfs'"
	run -1 rt state cu2
}

@test "a mount that fails names the mount and leaves nothing" {
	make_bundle "$RT_B" true
	bundle_set "$RT_B" '.mounts += [{destination: "/x", type: "nosuchfs", source: "none"}]'
	run ! rt_reaped create -b "$RT_B" mf
	rt_is_pea && assert_output --regexp 'mounts\[7\].*/x'
	rt_no_leftovers mf
	bundle_set "$RT_B" '.mounts[-1] = {destination: "/y", type: "bind", source: "/no/such/source", options: ["bind"]}'
	run ! rt_reaped create -b "$RT_B" mf
	rt_is_pea && assert_output --partial /no/such/source
	rt_no_leftovers mf
}

@test "proc and sysfs only on an ordinary directory: the image's /proc or /sys as a symlink or a file is refused (as runc)" {
	# mounted through /proc -> /symlink, proc would land at /symlink, where
	# maskedPaths and readonlyPaths (/proc/kcore, /proc/sys) miss it
	make_bundle "$RT_B" true
	local d fs
	for d in proc sys; do
		fs=${d/sys/sysfs}
		rm -rf "${RT_B:?}/rootfs/$d"
		ln -s /symlink "$RT_B/rootfs/$d"
		run ! rt_reaped create -b "$RT_B" "ps-$d"
		rt_is_pea && assert_output --regexp "mounts\[[0-9]+\]: '/$d': filesystem $fs must be mounted on ordinary directory, the rootfs has a symlink there"
		[[ ! -e "$RT_B/rootfs/symlink" ]]
		rt_no_leftovers "ps-$d"
		rm "$RT_B/rootfs/$d"
		[[ $d == sys ]] || mkdir "$RT_B/rootfs/$d"
	done
	: >"$RT_B/rootfs/sys"
	run ! rt_reaped create -b "$RT_B" ps3
	rt_is_pea && assert_output --partial "'/sys': filesystem sysfs must be mounted on ordinary directory, the rootfs has a file there"
	rt_no_leftovers ps3
	# a /proc the image does not have is made, as before
	rm "$RT_B/rootfs/sys"
	rmdir "$RT_B/rootfs/proc"
	run -0 rt run -b "$RT_B" ps4
}

@test "--no-pivot: MS_MOVE and chroot" {
	make_bundle "$RT_B" sh -c 'cat /proc/self/mountinfo; ls /'
	run -0 rt run --no-pivot -b "$RT_B" np
	assert_line bin
	[[ -n "$(mnt_line /proc)" ]]
}

@test "a directory bound at /dev over the tmpfs: no default node made in it, what is there stays" {
	# crun 1.8.1's test_devices binds the host's /dev so: pea-runtime replaced its /dev/null
	mkdir "$TEST_DIR/dev"
	echo keep >"$TEST_DIR/dev/null"
	make_bundle "$RT_B" sh -c 'cat /dev/null; ls /dev'
	bundle_set "$RT_B" '.mounts += [{destination: "/dev", type: "bind", source: $d,
		options: ["rbind", "rw"]}] |
		.linux.devices = [{path: "/dev/null", type: "c", major: 1, minor: 3}]' \
		--arg d "$TEST_DIR/dev"
	run -0 rt run -b "$RT_B" devbind
	assert_output "keep
null"
	run -0 ls "$TEST_DIR/dev"
	assert_output null
	run -0 cat "$TEST_DIR/dev/null"
	assert_output keep
}
