#!/usr/bin/env bats
# pea-runtime never chowns the stdio it is given: handed the host's /dev/null
# (or another device) as a process's stdin, stdout and stderr, in a user
# namespace whose root is the host's (where a chown would succeed) and as a
# user of its own, the node stays as it was. crun before 1.24 chowns them (to
# the container's root from the host's side, to exec's user): the reason pea
# and pea-monitor never give a runtime the host's nodes (70-frontend-devnull).
# The runtime is called here directly, not through rt (whose stdin is a pipe).
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-runtime

setup_file() {
	ensure_fixtures
}

setup() {
	require_root
	rt_is_pea || skip_expected "crun before 1.24 chowns the stdio it is given: pea-runtime's own check"
	rt_setup
}

teardown() {
	rt_teardown
}

# nodes_kept CMD...: CMD with stdin /dev/zero, stdout /dev/null, stderr
# /dev/full, and all three as they were (put back if not).
nodes_kept() {
	local before after n
	before=$(stat -c '%n %u:%g:%a' /dev/zero /dev/null /dev/full)
	"$@" </dev/zero >/dev/null 2>/dev/full || true
	after=$(stat -c '%n %u:%g:%a' /dev/zero /dev/null /dev/full)
	for n in zero null full; do
		if [[ "$(stat -c %u:%g:%a "/dev/$n")" != 0:0:666 ]]; then
			chown 0:0 "/dev/$n"
			chmod 666 "/dev/$n"
		fi
	done
	assert_equal "$after" "$before"
}

@test "devnull: run and exec in a user namespace mapping root to root, as user 99, leave /dev's nodes alone" {
	make_bundle "$RT_B" sh -c 'head -c 1 >/dev/null; echo out; echo err >&2'
	bundle_set "$RT_B" '.linux.namespaces += [{type: "user"}]
		| .process.user = {uid: 99, gid: 99}
		| .linux.uidMappings = [{containerID: 0, hostID: 0, size: 1}, {containerID: 1, hostID: 100001, size: 65535}]
		| .linux.gidMappings = [{containerID: 0, hostID: 0, size: 1}, {containerID: 1, hostID: 100001, size: 65535}]'
	nodes_kept "$PEA_RUNTIME" --root "$RT_ROOT" run -b "$RT_B" d1
	make_bundle "$TEST_DIR/b2" sleep 100
	bundle_set "$TEST_DIR/b2" '.linux.namespaces += [{type: "user"}]
		| .linux.uidMappings = [{containerID: 0, hostID: 0, size: 1}, {containerID: 1, hostID: 100001, size: 65535}]
		| .linux.gidMappings = [{containerID: 0, hostID: 0, size: 1}, {containerID: 1, hostID: 100001, size: 65535}]'
	run -0 rt_reaped run -d -b "$TEST_DIR/b2" d2
	nodes_kept "$PEA_RUNTIME" --root "$RT_ROOT" exec -u 99:99 d2 sh -c 'head -c 1 >/dev/null; echo out'
	nodes_kept "$PEA_RUNTIME" --root "$RT_ROOT" exec -d -u 99:99 d2 true
	# and without a user namespace
	make_bundle "$TEST_DIR/b3" sleep 100
	run -0 rt_reaped run -d -b "$TEST_DIR/b3" d3
	nodes_kept "$PEA_RUNTIME" --root "$RT_ROOT" exec -u 99:99 d3 sh -c 'head -c 1 >/dev/null; echo out'
}
