#!/usr/bin/env bats
# pea-runtime: namespaces (new, shared, joined by path), hostname, user
# namespace mappings, time offsets.
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
	local rc=0
	rt_teardown || rc=1
	if [[ -n "${RT_NETNS:-}" ]]; then
		ip netns del "$RT_NETNS" 2>/dev/null || true
	fi
	return "$rc"
}

ns_script='for n in pid net ipc uts mnt cgroup time user; do echo "$n $(readlink /proc/self/ns/$n)"; done'

@test "each namespace of the config is new, the others are the host's" {
	make_bundle "$RT_B" sh -c "$ns_script"
	bundle_set "$RT_B" '.linux.namespaces += [{type: "cgroup"}]'
	run -0 rt run -b "$RT_B" ns1
	for n in pid net ipc uts mnt cgroup; do
		inside="$(awk -v n="$n" '$1 == n {print $2}' <<<"$output")"
		[[ -n "$inside" && "$inside" != "$(readlink /proc/self/ns/"$n")" ]] ||
			{ echo "$n: $inside is the host's" >&2; return 1; }
	done
	for n in time user; do
		inside="$(awk -v n="$n" '$1 == n {print $2}' <<<"$output")"
		[[ "$inside" == "$(readlink /proc/self/ns/"$n")" ]] ||
			{ echo "$n: $inside is not the host's" >&2; return 1; }
	done
}

@test "a namespace left out of the config is shared with the host" {
	make_bundle "$RT_B" sh -c "$ns_script"
	bundle_set "$RT_B" '.linux.namespaces |= map(select(.type != "network" and .type != "ipc"))'
	run -0 rt run -b "$RT_B" ns2
	assert_line "net $(readlink /proc/self/ns/net)"
	assert_line "ipc $(readlink /proc/self/ns/ipc)"
	refute_line "pid $(readlink /proc/self/ns/pid)"
}

@test "the init is pid 1 of its pid namespace" {
	make_bundle "$RT_B" sh -c 'echo $$; ps -o pid | wc -l'
	run -0 rt run -b "$RT_B" ns3
	assert_line --index 0 1
}

@test "hostname and domainname" {
	make_bundle "$RT_B" sh -c 'hostname; cat /proc/sys/kernel/domainname'
	bundle_set "$RT_B" '.hostname = "box1" | .domainname = "example.org"'
	run -0 rt run -b "$RT_B" h1
	assert_output $'box1\nexample.org'
	[[ "$(hostname)" != box1 ]]
}

@test "join a network namespace by path" {
	RT_NETNS="pea-rt-$$-$RANDOM"
	ip netns add "$RT_NETNS"
	make_bundle "$RT_B" sh -c 'readlink /proc/self/ns/net; readlink /proc/self/ns/uts'
	bundle_set "$RT_B" '.linux.namespaces |= map(if .type == "network" then .path = $p else . end)' \
		--arg p "/var/run/netns/$RT_NETNS"
	run -0 rt run -b "$RT_B" j1
	assert_line --index 0 "$(ip netns exec "$RT_NETNS" readlink /proc/self/ns/net)"
	refute_line --index 1 "$(readlink /proc/self/ns/uts)"
}

@test "join the pid and ipc namespaces of another container" {
	make_bundle "$RT_B" sleep 100
	run -0 rt_reaped run -d --pid-file "$TEST_DIR/pid" -b "$RT_B" first
	pid="$(cat "$TEST_DIR/pid")"
	make_bundle "$TEST_DIR/b2" sh -c 'readlink /proc/self/ns/pid; readlink /proc/self/ns/ipc; ps -o comm | grep -c sleep'
	bundle_set "$TEST_DIR/b2" '.linux.namespaces |= map(
		if .type == "pid" then .path = "/proc/\($pid)/ns/pid"
		elif .type == "ipc" then .path = "/proc/\($pid)/ns/ipc" else . end)' --arg pid "$pid"
	run -0 rt run -b "$TEST_DIR/b2" second
	assert_line --index 0 "$(readlink /proc/"$pid"/ns/pid)"
	assert_line --index 1 "$(readlink /proc/"$pid"/ns/ipc)"
	assert_line --index 2 1
}

@test "a namespace path that does not exist fails the create, leaving nothing" {
	make_bundle "$RT_B" true
	bundle_set "$RT_B" '.linux.namespaces |= map(if .type == "network" then .path = "/no/such/ns" else . end)'
	run ! rt_reaped create -b "$RT_B" jbad
	rt_is_pea && assert_output --partial /no/such/ns
	rt_no_leftovers jbad
}

@test "user namespace with uid and gid mappings" {
	make_bundle "$RT_B" sh -c 'id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map; touch /tmp/owned'
	bundle_set "$RT_B" '.root.readonly = false
		| .linux.namespaces += [{type: "user"}]
		| .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: 200000, size: 65536}]'
	chmod 1777 "$RT_B/rootfs/tmp"
	run -0 rt run -b "$RT_B" u1
	assert_line --index 0 0
	assert_line --index 1 0
	assert_line --regexp '^ +0 +100000 +65536$'
	assert_line --regexp '^ +0 +200000 +65536$'
	[[ "$(stat -c %u:%g "$RT_B/rootfs/tmp/owned")" == 100000:200000 ]]
}

@test "user namespace: the process runs as a mapped non-root user" {
	make_bundle "$RT_B" sh -c 'id -u; grep CapEff /proc/self/status'
	bundle_set "$RT_B" '.linux.namespaces += [{type: "user"}]
		| .process.user = {uid: 1000, gid: 1000}
		| .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
	run -0 rt run -b "$RT_B" u2
	assert_line --index 0 1000
	assert_line --index 1 --regexp 'CapEff:\s+0000000000000000'
}

@test "user namespace: a device the host has not at that path is made by the runtime, owned as asked" {
	make_bundle "$RT_B" stat -c '%F %t:%T %u:%g %a' /dev/foo /dev/sub/bar /dev/null
	bundle_set "$RT_B" '.linux.namespaces += [{type: "user"}]
		| .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: 200000, size: 65536}]
		| .linux.devices = [{path: "/dev/foo", type: "b", major: 1, minor: 5, uid: 10, gid: 11},
			{path: "/dev/sub/bar", type: "c", major: 1, minor: 3, fileMode: 416, uid: 0, gid: 0}]'
	run -0 rt_reaped create -b "$RT_B" ud
	# the nodes' names went once the init had bound them
	[[ ! -e "$RT_ROOT/ud/devices" ]]
	run -0 rt start ud
	run -0 rt_state ud status
	run -0 rt delete -f ud
	bundle_set "$RT_B" '.process.args += ["/dev/sub"]'
	run -0 rt run -b "$RT_B" ud
	assert_output - <<-EOF
		block special file 1:5 10:11 666
		character special file 1:3 0:0 640
		character special file 1:3 65534:65534 666
		directory 0:0 0:0 755
	EOF
}

@test "user namespace: a device whose owner is not mapped is refused, nothing left" {
	make_bundle "$RT_B" true
	bundle_set "$RT_B" '.linux.namespaces += [{type: "user"}]
		| .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: 200000, size: 65536}]
		| .linux.devices = [{path: "/dev/foo", type: "b", major: 1, minor: 5, uid: 70000, gid: 11}]'
	run -1 rt_reaped create -b "$RT_B" ud2
	rt_is_pea && assert_output --partial "linux.devices[0]: '/dev/foo': owner 70000:11 is not mapped in the user namespace"
	rt_no_leftovers ud2
}

@test "time namespace with boottime and monotonic offsets" {
	[[ -e /proc/self/ns/time ]] || skip_expected "kernel without time namespaces"
	rt_is_pea || skip_expected "crun 1.8.1 does not know the time namespace"
	make_bundle "$RT_B" sh -c 'readlink /proc/self/ns/time; cut -d. -f1 /proc/uptime'
	bundle_set "$RT_B" '.linux.namespaces += [{type: "time"}]
		| .linux.timeOffsets = {boottime: {secs: 864000, nanosecs: 0}, monotonic: {secs: 864000}}'
	run -0 rt run -b "$RT_B" t1
	refute_line --index 0 "$(readlink /proc/self/ns/time)"
	host_up="$(cut -d. -f1 /proc/uptime)"
	(( ${lines[1]} >= host_up + 864000 - 5 ))
}

@test "cgroup namespace: the container's cgroups are its roots" {
	make_bundle "$RT_B" cat /proc/self/cgroup
	bundle_set "$RT_B" '.linux.namespaces += [{type: "cgroup"}]'
	run -0 rt run -b "$RT_B" cg1
	while read -r line; do
		[[ "${line##*:}" == / ]] || { echo "not a root: $line" >&2; return 1; }
	done <<<"$output"
}
