#!/usr/bin/env bats
# pea-runtime: config.json errors. Each bad input: one line naming the field,
# a non-zero exit, nothing left behind.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-runtime

setup_file() {
	ensure_fixtures
}

setup() {
	require_root
	rt_setup
	make_bundle "$RT_B" true
}

teardown() {
	rt_teardown
}

# bad_config JQ_FILTER PATTERN: create must fail with one line matching PATTERN.
bad_config() {
	bundle_set "$RT_B" "$1"
	run ! rt_reaped create -b "$RT_B" bad
	if rt_is_pea; then
		assert_output --regexp "$2"
		[[ "${#lines[@]}" -eq 1 ]] || { echo "more than one line: $output" >&2; return 1; }
	fi
	rt_no_leftovers bad
}

@test "malformed config.json" {
	echo '{"ociVersion": "1.0.0", "process": ' >"$RT_B/config.json"
	run ! rt_reaped create -b "$RT_B" bad
	rt_is_pea && assert_output --regexp '^pea-runtime: config.json: .*(end of input|offset)'
	rt_no_leftovers bad
	echo '[1, 2]' >"$RT_B/config.json"
	run ! rt_reaped create -b "$RT_B" bad
	rt_no_leftovers bad
}

@test "missing config.json and missing bundle" {
	rm "$RT_B/config.json"
	run ! rt_reaped create -b "$RT_B" bad
	rt_is_pea && assert_output --partial config.json
	run ! rt_reaped create -b "$TEST_DIR/nope" bad
	rt_no_leftovers bad
}

@test "unknown namespace type" {
	bad_config '.linux.namespaces += [{type: "bogus"}]' 'linux.namespaces\[5\].type: unknown namespace type .bogus.'
}

@test "duplicate namespace type" {
	rt_is_pea || skip_expected "crun 1.8.1 accepts this config"
	bad_config '.linux.namespaces += [{type: "pid"}]' 'linux.namespaces\[5\].type: duplicate'
}

@test "relative mount destination" {
	rt_is_pea || skip_expected "crun 1.8.1 accepts this config"
	bad_config '.mounts[3].destination = "dev/shm"' '^pea-runtime: config.json: mounts\[3\].destination: must be absolute$'
}

@test "mount without destination, bind mount without source" {
	bad_config 'del(.mounts[0].destination)' "mounts\\[0\\].destination' is missing"
	make_bundle "$TEST_DIR/b2" true
	RT_B="$TEST_DIR/b2" bad_config '.mounts += [{destination: "/mnt", type: "bind", options: ["rbind"]}]' 'mounts\[7\].source'
}

@test "missing ociVersion, unsupported ociVersion" {
	bad_config 'del(.ociVersion)' 'ociVersion'
	make_bundle "$TEST_DIR/b2" true
	RT_B="$TEST_DIR/b2" bad_config '.ociVersion = "2.0.0"' 'ociVersion: unsupported version'
}

@test "missing root, missing process, missing process.cwd, relative cwd" {
	bad_config 'del(.root)' 'config.json: root'
	make_bundle "$TEST_DIR/b2" true
	RT_B="$TEST_DIR/b2" bad_config 'del(.process)' 'config.json: process'
	make_bundle "$TEST_DIR/b3" true
	RT_B="$TEST_DIR/b3" bad_config 'del(.process.cwd)' 'process.cwd'
	rt_is_pea || skip_expected "crun 1.8.1 accepts a relative cwd"
	make_bundle "$TEST_DIR/b4" true
	RT_B="$TEST_DIR/b4" bad_config '.process.cwd = "tmp"' 'process.cwd: must be absolute'
}

@test "empty process.args, wrong types" {
	rt_is_pea || skip_expected "crun 1.8.1 accepts this config"
	bad_config '.process.args = []' 'process.args'
	make_bundle "$TEST_DIR/b2" true
	RT_B="$TEST_DIR/b2" bad_config '.process.terminal = "yes"' 'process.terminal'
	make_bundle "$TEST_DIR/b3" true
	RT_B="$TEST_DIR/b3" bad_config '.process.user.uid = -1' 'process.user.uid'
	make_bundle "$TEST_DIR/b4" true
	RT_B="$TEST_DIR/b4" bad_config '.process.env = ["NOEQUALS"]' 'process.env'
}

@test "an unknown capability is a warning, as with runc and crun" {
	make_bundle "$TEST_DIR/bc" sh -c 'grep CapBnd /proc/self/status'
	bundle_set "$TEST_DIR/bc" '.process.capabilities.bounding = ["CAP_NOPE", "CAP_KILL"]'
	run -0 rt run -b "$TEST_DIR/bc" uc
	assert_output --partial 0000000000000020
	rt_is_pea && assert_output --partial "process.capabilities.bounding[0]: unknown capability 'CAP_NOPE', ignoring"
	rt_no_leftovers uc
}

@test "unknown rlimit, soft above hard" {
	rt_is_pea || skip_expected "crun 1.8.1 accepts this config"
	make_bundle "$TEST_DIR/b2" true
	RT_B="$TEST_DIR/b2" bad_config '.process.rlimits = [{type: "RLIMIT_NOPE", soft: 1, hard: 1}]' 'process.rlimits\[0\].type: unknown rlimit'
	make_bundle "$TEST_DIR/b3" true
	RT_B="$TEST_DIR/b3" bad_config '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: 10, hard: 1}]' 'process.rlimits\[0\]: soft limit'
}

@test "hostname without a uts namespace" {
	bad_config '.linux.namespaces |= map(select(.type != "uts"))' 'hostname: needs a new uts namespace'
}

@test "uid mappings without a user namespace, user namespace without mappings" {
	rt_is_pea || skip_expected "crun 1.8.1 accepts this config"
	bad_config '.linux.uidMappings = [{containerID: 0, hostID: 1000, size: 1}]' 'uidMappings'
	make_bundle "$TEST_DIR/b2" true
	RT_B="$TEST_DIR/b2" bad_config '.linux.namespaces += [{type: "user"}]' 'uidMappings'
}

@test "fields pea-runtime cannot honour yet are errors naming the field" {
	rt_is_pea || skip_expected "crun supports these"
	bad_config '.linux.intelRdt = {closID: "x"}' 'linux.intelRdt: not supported'
	make_bundle "$TEST_DIR/b2" true
	RT_B="$TEST_DIR/b2" bad_config '.linux.resources.network = {classID: 1}' 'linux.resources: network: not supported'
	make_bundle "$TEST_DIR/b5" true
	RT_B="$TEST_DIR/b5" bad_config '.linux.resources.rdma = {mlx5_1: {hcaHandles: 3}}' 'linux.resources: rdma: not supported'
	make_bundle "$TEST_DIR/b3" true
	RT_B="$TEST_DIR/b3" bad_config '.process.scheduler = {policy: "SCHED_OTHER"}' 'process.scheduler: not supported'
	make_bundle "$TEST_DIR/b4" true
	RT_B="$TEST_DIR/b4" bad_config '.mounts[1].options += ["copy-symlink"]' "mounts\\[1\\].options\\[4\\]: mount option 'copy-symlink' is not supported"
}

@test "an AppArmor profile and a mount label are skipped on a host without those LSMs" {
	rt_is_pea || skip_expected "crun 1.8.1 refuses them"
	[[ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" != Y ]] ||
		skip_expected "AppArmor is enabled on this host"
	[[ ! -e /sys/fs/selinux/enforce ]] || skip_expected "SELinux is enabled on this host"
	bundle_set "$RT_B" '.process.apparmorProfile = "containers-default"
		| .linux.mountLabel = "system_u:object_r:container_file_t:s0"'
	run -0 rt run -b "$RT_B" lsm
}

@test "a process SELinux label is an error (as with runc and crun)" {
	bad_config '.process.selinuxLabel = "system_u:system_r:container_t:s0"' 'process.selinuxLabel'
}

@test "empty seccomp/resources/cgroupsPath are accepted" {
	bundle_set "$RT_B" '.linux.seccomp = null | .linux.resources = {} | .linux.cgroupsPath = $cg' --arg cg "/pea-test-$$-cfg"
	rt_is_pea || skip_expected "crun makes the cgroup"
	run -0 rt run -b "$RT_B" ok
}

@test "invalid devices, sysctl names, propagation, personality, hook paths" {
	rt_is_pea || skip_expected "messages are pea-runtime's"
	bad_config '.linux.devices = [{type: "x", path: "/dev/x", major: 1, minor: 1}]' 'linux.devices\[0\].type'
	make_bundle "$TEST_DIR/b2" true
	RT_B="$TEST_DIR/b2" bad_config '.linux.devices = [{type: "c", path: "/etc/..", major: 1, minor: 1}]' 'linux.devices\[0\].path'
	make_bundle "$TEST_DIR/b3" true
	RT_B="$TEST_DIR/b3" bad_config '.linux.sysctl = {"../../etc": "1"}' 'linux.sysctl'
	make_bundle "$TEST_DIR/b4" true
	RT_B="$TEST_DIR/b4" bad_config '.linux.rootfsPropagation = "sideways"' 'linux.rootfsPropagation'
	make_bundle "$TEST_DIR/b5" true
	RT_B="$TEST_DIR/b5" bad_config '.linux.personality = {domain: "SOLARIS"}' 'linux.personality.domain'
	make_bundle "$TEST_DIR/b6" true
	RT_B="$TEST_DIR/b6" bad_config '.hooks = {prestart: [{path: "relative/hook"}]}' 'hooks.prestart\[0\].path: must be absolute'
	make_bundle "$TEST_DIR/b7" true
	RT_B="$TEST_DIR/b7" bad_config '.hooks = {poststop: [{path: "/bin/true", timeout: 0}]}' 'hooks.poststop\[0\].timeout'
}

@test "the error also goes to --log as JSON" {
	rt_is_pea || skip_expected "crun 1.8.1 accepts this config"
	bundle_set "$RT_B" '.mounts[3].destination = "dev/shm"'
	run ! rt_reaped --log "$TEST_DIR/log" --log-format json create -b "$RT_B" bad
	run -0 jq -r -s '.[-1].msg' "$TEST_DIR/log"
	rt_is_pea && assert_output 'config.json: mounts[3].destination: must be absolute'
	rt_no_leftovers bad
}
