#!/usr/bin/env bats
# pea-runtime run by an ordinary user: a user namespace with a single-id
# mapping written by the runtime itself, ranges through newuidmap/newgidmap,
# cgroups skipped with a warning when not delegated, create/start/exec/kill.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-runtime

setup_file() {
	ensure_fixtures
}

setup() {
	require_root
	require_userns
	rt_setup
	rt_user_setup
}

teardown() {
	local rc=0 d
	rt_user_teardown
	rt_teardown || rc=1
	if [[ -n "${DELEGATED:-}" ]]; then
		for d in /sys/fs/cgroup/*/"$DELEGATED"; do
			[[ ! -d "$d" ]] || find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true
		done
	fi
	return "$rc"
}

# delegate NAME: a cgroup NAME in every hierarchy, the user's (as a cgroup
# manager would delegate it); cpuset gets its parent's cpus and mems.
delegate() {
	local h
	DELEGATED="$1"
	for h in /sys/fs/cgroup/*/; do
		mkdir "$h$1" && chown -R "$ROOTLESS_UID:$ROOTLESS_GID" "$h$1" || return 1
	done
	if [[ -d /sys/fs/cgroup/cpuset/$1 ]]; then
		cat /sys/fs/cgroup/cpuset/cpuset.cpus >"/sys/fs/cgroup/cpuset/$1/cpuset.cpus" &&
			cat /sys/fs/cgroup/cpuset/cpuset.mems >"/sys/fs/cgroup/cpuset/$1/cpuset.mems"
	fi
}

# ranges: container root is the user, 1..65536 its subordinate ids
user_ranges() {
	local uid_start gid_start
	uid_start="$(rt_subid_start /etc/subuid)"
	gid_start="$(rt_subid_start /etc/subgid)"
	[[ -n "$uid_start" && -n "$gid_start" ]]
	bundle_set "$RL_B" '
		.linux.uidMappings = [{containerID: 0, hostID: $uid, size: 1},
			{containerID: 1, hostID: $us, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: $gid, size: 1},
			{containerID: 1, hostID: $gs, size: 65536}]' \
		--argjson uid "$ROOTLESS_UID" --argjson gid "$ROOTLESS_GID" \
		--argjson us "$uid_start" --argjson gs "$gid_start"
}

@test "rootless: a single-id mapping, written without helpers; cgroups skipped with a warning" {
	rt_user_bundle sh -c 'id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map'
	run -0 --separate-stderr rt_user run -b "$RL_B" single
	assert_output "$(printf '0\n0\n%10d %10d %10d\n%10d %10d %10d' 0 "$ROOTLESS_UID" 1 0 "$ROOTLESS_GID" 1)"
	if rt_is_pea; then
		[[ "$stderr" == *"cgroups are not delegated to uid $ROOTLESS_UID"*"ignoring"* ]]
	fi
	run -0 rt_user list -q
	assert_output ""
}

@test "rootless: delegated cgroup hierarchies get the limits, the others are skipped with a warning" {
	[[ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ]] ||
		skip_expected "cgroup v2: delegation needs the caller in a delegated cgroup (systemd)"
	delegate "pea-test-$$-deleg"
	rt_user_bundle sleep 100
	bundle_set "$RL_B" '.linux.cgroupsPath = $cg | .linux.resources = {pids: {limit: 42}}' \
		--arg cg "/$DELEGATED/c"
	run -0 rt_user_reaped run -d -b "$RL_B" deleg
	if [[ -d /sys/fs/cgroup/unified ]] && rt_is_pea; then
		# hybrid: cgroup2 wants the common ancestor (here the root) writable too
		assert_output --partial "unified/$DELEGATED/c': move pid"
		assert_output --partial "not delegated to uid $ROOTLESS_UID, no limits from this hierarchy, ignoring"
	fi
	pid="$(rt_user state deleg | jq -r .pid)"
	run -0 cat "/sys/fs/cgroup/pids/$DELEGATED/c/pids.max" "/sys/fs/cgroup/pids/$DELEGATED/c/cgroup.procs"
	assert_output $'42\n'"$pid"
	run -0 grep -c ":/$DELEGATED/c\$" "/proc/$pid/cgroup"
	run -0 rt_user delete --force deleg
	[[ ! -e "/sys/fs/cgroup/pids/$DELEGATED/c" ]]
}

@test "rootless: id ranges through newuidmap/newgidmap; files of a mapped user land on its subordinate id" {
	require_cmd newuidmap
	rt_user_bundle sh -c 'cat /proc/self/uid_map; touch /out/f; chown 1000:1000 /out/f; echo done'
	user_ranges
	bundle_set "$RL_B" '.process.capabilities.bounding += ["CAP_CHOWN"]
		| .process.capabilities.effective += ["CAP_CHOWN"]
		| .process.capabilities.permitted += ["CAP_CHOWN"]'
	mkdir "$RL_DIR/out" && chown "$ROOTLESS_UID:$ROOTLESS_GID" "$RL_DIR/out"
	bundle_set "$RL_B" '.mounts += [{destination: "/out", type: "bind", source: $o, options: ["rbind"]}]' \
		--arg o "$RL_DIR/out"
	run -0 rt_user run -b "$RL_B" ranges
	assert_line --regexp "^ +1 +$(rt_subid_start /etc/subuid) +65536$"
	assert_line done
	run -0 stat -c '%u:%g' "$RL_DIR/out/f"
	assert_output "$(($(rt_subid_start /etc/subuid) + 999)):$(($(rt_subid_start /etc/subgid) + 999))"
}

@test "rootless: a non-root process user inside the ranges, without capabilities, through create and start" {
	require_cmd newuidmap
	rt_user_bundle sh -c 'id -u > /out/id'
	user_ranges
	mkdir -m 0777 "$RL_DIR/out"
	bundle_set "$RL_B" '.process.user = {uid: 1000, gid: 1000}
		| .process.capabilities = {bounding: [], effective: [], permitted: [], inheritable: [], ambient: []}
		| .mounts += [{destination: "/out", type: "bind", source: $o, options: ["rbind"]}]' \
		--arg o "$RL_DIR/out"
	run -0 rt_user_reaped create -b "$RL_B" nonroot
	run -0 rt_user start nonroot
	for _ in $(seq 1 250); do
		[[ "$(rt_user state nonroot | jq -r .status)" == stopped ]] && break
		sleep 0.02
	done
	run -0 cat "$RL_DIR/out/id"
	assert_output 1000
	run -0 rt_user delete nonroot
}

@test "rootless: mappings not granted in /etc/subuid are a clear error, nothing is left" {
	require_cmd newuidmap
	rt_user_bundle true
	bundle_set "$RL_B" '.linux.uidMappings += [{containerID: 1, hostID: 1, size: 10}]'
	run -1 rt_user run -b "$RL_B" refused
	if rt_is_pea; then
		assert_output --partial "linux.uidMappings (checked against /etc/subuid for uid $ROOTLESS_UID)"
	fi
	run -0 rt_user list -q
	assert_output ""
	[[ ! -e "$RL_ROOT/refused" ]]
}

@test "rootless: create, state (owner), start, exec, kill, delete" {
	rt_user_bundle sleep 100
	run -0 rt_user_reaped create -b "$RL_B" --pid-file "$RL_DIR/pid" life
	run -0 rt_user state life
	run -0 jq -e --arg u "$ROOTLESS_USER" '.status == "created" and .owner == $u' <<<"$output"
	run -0 rt_user start life
	run -0 rt_user exec life sh -c 'id -u; readlink /proc/self/ns/pid; readlink /proc/1/ns/pid'
	[[ "${lines[0]}" == 0 && "${lines[1]}" == "${lines[2]}" ]]
	# exec joined the container's user namespace: the maps are the container's
	run -0 rt_user exec life cat /proc/self/uid_map
	assert_output "$(printf '%10d %10d %10d' 0 "$ROOTLESS_UID" 1)"
	run -3 rt_user exec life sh -c 'exit 3'
	run -0 rt_user kill life KILL
	for _ in $(seq 1 250); do
		[[ "$(rt_user state life | jq -r .status)" == stopped ]] && break
		sleep 0.02
	done
	run -0 rt_user delete life
	run ! rt_user state life
}

@test "rootless: the default --root is \$XDG_RUNTIME_DIR/pea-runtime" {
	rt_is_pea || skip_expected "pea-runtime's own default root"
	rt_user_bundle sleep 100
	RL_ROOT="$ROOTLESS_RUNTIME_DIR/pea-runtime"
	run -0 rt_user_reaped run -d -b "$RL_B" xdg-default-root
	run -0 run_as_user "$PEA_RUNTIME" state xdg-default-root
	run -0 jq -e '.status == "running"' <<<"$output"
	run -0 run_as_user "$PEA_RUNTIME" delete --force xdg-default-root
	[[ ! -e "$ROOTLESS_RUNTIME_DIR/pea-runtime/xdg-default-root" ]]
}

# nomap: container ids 0..65535 are the user's subordinate ones only, the
# user's own uid is left out (podman's --userns=nomap, --uidmap 0:1:65536)
user_nomap() {
	local uid_start gid_start
	uid_start="$(rt_subid_start /etc/subuid)"
	gid_start="$(rt_subid_start /etc/subgid)"
	[[ -n "$uid_start" && -n "$gid_start" ]]
	bundle_set "$RL_B" '
		.linux.uidMappings = [{containerID: 0, hostID: $us, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: $gs, size: 65536}]' \
		--argjson us "$uid_start" --argjson gs "$gid_start"
}

@test "rootless: a bind source in a 0700 folder of the user, whose own uid the maps leave out" {
	require_cmd newuidmap
	# crun 1.8 stats the source inside the user namespace: Permission denied
	rt_is_pea || skip_expected "crun 1.8 looks bind sources up inside the user namespace"
	rt_user_bundle cat /hostname-from-private
	user_nomap
	mkdir -m 0700 "$RL_DIR/private"
	echo from-private >"$RL_DIR/private/hostname"
	chmod 0644 "$RL_DIR/private/hostname"
	chown -R "$ROOTLESS_UID:$ROOTLESS_GID" "$RL_DIR/private"
	# the target, as the ids of the container cannot create it in the user's rootfs
	touch "$RL_B/rootfs/hostname-from-private"
	bundle_set "$RL_B" '.mounts += [{destination: "/hostname-from-private", type: "bind",
		source: $s, options: ["bind", "ro"]}]' --arg s "$RL_DIR/private/hostname"
	run --separate-stderr rt_user run -b "$RL_B" nomap
	[[ "$status" -eq 0 ]] || echo "$stderr" | grep -v ': warning: ' >&2
	assert_success
	assert_output from-private
	run -0 rt_user list -q
	assert_output ""
}

@test "rootless: with the user's uid left out of the maps, a missing bind source is one clear error line" {
	require_cmd newuidmap
	rt_user_bundle true
	user_nomap
	bundle_set "$RL_B" '.mounts += [{destination: "/mnt", type: "bind", source: $s,
		options: ["rbind"]}]' --arg s "$RL_DIR/nope"
	n="$(jq '.mounts | length - 1' "$RL_B/config.json")"
	run -1 --separate-stderr rt_user run -b "$RL_B" nosource
	if rt_is_pea; then
		# besides the warnings about cgroups
		run -0 grep -v '^pea-runtime: warning: ' <<<"$stderr"
		assert_output "pea-runtime: mounts[$n]: bind source '$RL_DIR/nope': No such file or directory"
	fi
	run -0 rt_user list -q
	assert_output ""
	[[ ! -e "$RL_ROOT/nosource" ]]
}
