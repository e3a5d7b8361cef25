#!/usr/bin/env bats
# pea-test: serial (looks for any runtime suite's cgroups: runs alone, after the files in lanes)
# Runs after the other runtime suites (by name): nothing of theirs is left in
# /sys/fs/cgroup, and a session of every kind of container leaves nothing in
# the cgroups, its --root or the mount table. (Each runtime test also checks
# its own leftovers in rt_teardown.)
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-runtime

setup_file() {
	ensure_fixtures
}

setup() {
	require_root
	rt_is_pea || skip_expected "crun 1.8.1 leaves the parent directories of a nested cgroupsPath"
	rt_setup
	CG="pea-test-$$-zz"
}

teardown() {
	local rc=0
	rt_teardown || rc=1
	rt_cgroups_gone "$CG" 2>/dev/null || true
	return "$rc"
}

# cgroups_named GLOB: the cgroup directories (any hierarchy, two levels) so named, but
# for those of a test still running: pea-test-PID-... whose PID (the test's own $$) lives
# belongs to another run beside this one (an ASan run, another engineer's), not a leftover.
cgroups_named() {
	local d pid
	for d in /sys/fs/cgroup/*/$1 /sys/fs/cgroup/*/*/$1 /sys/fs/cgroup/*/peatest*.slice/*/*/$1; do
		[[ -d "$d" ]] || continue
		pid=${d##*/pea-test-}
		pid=${pid%%-*}
		[[ "$pid" =~ ^[0-9]+$ && "$pid" != "$$" ]] && kill -0 "$pid" 2>/dev/null && continue
		echo "$d"
	done
	return 0
}

@test "no cgroup of the runtime suites is left (pea-test-*, peatest*.slice)" {
	run -0 cgroups_named 'pea-test-*'
	assert_output ""
	run -0 cgroups_named 'peatest*.slice'
	assert_output ""
}

@test "create/start/exec/pause/update/kill/delete, run, a failed create, a user namespace: nothing left" {
	make_bundle "$RT_B" sleep 100
	bundle_set "$RT_B" '.linux.cgroupsPath = $cg | .linux.resources.memory = {limit: 67108864}
		| .linux.namespaces += [{type: "cgroup"}]' --arg cg "$CG/life"
	run -0 rt_reaped create -b "$RT_B" life
	run -0 rt start life
	run -0 rt exec life true
	run -0 rt pause life
	run -0 rt resume life
	run -0 rt update --pids-limit 20 life
	run -0 rt kill life KILL
	rt_wait_status life stopped
	run -0 rt delete life
	# the default path /ID
	make_bundle "$TEST_DIR/b2" true
	run -0 rt run -b "$TEST_DIR/b2" "$CG-default"
	# a create that fails in the init, after the cgroups were made
	make_bundle "$TEST_DIR/b3" nosuchprogram
	bundle_set "$TEST_DIR/b3" '.linux.cgroupsPath = $cg' --arg cg "$CG/failed"
	run -1 rt_reaped create -b "$TEST_DIR/b3" failed
	# a user namespace with a range mapped
	make_bundle "$TEST_DIR/b4" true
	bundle_set "$TEST_DIR/b4" '.linux.namespaces += [{type: "user"}]
		| .linux.uidMappings = [{containerID: 0, hostID: 300000, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: 300000, size: 65536}]
		| .linux.cgroupsPath = $cg' --arg cg "$CG/userns"
	run -0 rt run -b "$TEST_DIR/b4" userns
	run -0 rt list -q
	assert_output ""
	[[ -z "$(ls -A "$RT_ROOT")" ]]
	run -0 cgroups_named "$CG*"
	assert_output ""
	# no mount below the test's directory (the rootfs, the bind mounts)
	run -1 grep -F -- " $TEST_DIR/" /proc/self/mountinfo
}
