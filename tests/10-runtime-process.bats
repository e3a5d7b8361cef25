#!/usr/bin/env bats
# pea-runtime: the container process: user, groups, umask, cwd, env,
# rlimits, capabilities, noNewPrivileges, oomScoreAdj, personality,
# ioPriority; and one container that reports everything, checked against
# its config.json.
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
	rt_teardown
}

# cap_mask NAME...: the capability bit mask as /proc/PID/status prints it.
cap_mask() {
	local mask=0 n
	for name in "$@"; do
		n="$(capsh --explain="${name,,}" 2>/dev/null | sed -n 's/^[a-z_]* (\([0-9]*\)).*/\1/p' | head -1)"
		[[ -n "$n" ]] || n="$(cap_number "$name")"
		mask=$((mask | (1 << n)))
	done
	printf '%016x\n' "$mask"
}

cap_number() {
	case "$1" in
	CAP_CHOWN) echo 0 ;; CAP_DAC_OVERRIDE) echo 1 ;; CAP_KILL) echo 5 ;; CAP_SETGID) echo 6 ;;
	CAP_SETUID) echo 7 ;; CAP_NET_BIND_SERVICE) echo 10 ;; CAP_NET_RAW) echo 13 ;;
	CAP_SYS_CHROOT) echo 18 ;; CAP_SYS_ADMIN) echo 21 ;; CAP_MKNOD) echo 27 ;;
	CAP_AUDIT_WRITE) echo 29 ;; *) echo "unknown capability $1" >&2; return 1 ;;
	esac
}

@test "process.user: uid, gid, additionalGids, umask" {
	make_bundle "$RT_B" sh -c 'id -u; id -g; id -G; umask'
	bundle_set "$RT_B" '.process.user = {uid: 1000, gid: 1001, additionalGids: [10, 20], umask: 23}'
	run -0 rt run -b "$RT_B" p1
	assert_output $'1000\n1001\n1001 10 20\n0027'
}

@test "annotation run.oci.keep_original_groups=1 keeps the caller's groups (crun's, podman's keep-groups)" {
	make_bundle "$RT_B" sh -c 'grep ^Groups: /proc/self/status'
	bundle_set "$RT_B" '.process.user = {uid: 0, gid: 0, additionalGids: [10]} | .annotations["run.oci.keep_original_groups"] = "1"'
	run -0 setpriv --groups 1,2,3 "$PEA_RUNTIME" --root "$RT_ROOT" run -b "$RT_B" kg1
	assert_output --regexp $'^Groups:\t1 2 3 ?$'
	bundle_set "$RT_B" '.annotations["run.oci.keep_original_groups"] = "0"'
	run -0 setpriv --groups 1,2,3 "$PEA_RUNTIME" --root "$RT_ROOT" run -b "$RT_B" kg2
	assert_output --regexp $'^Groups:\t10 ?$'
}

@test "create + start of a non-root process without any capability (exec fifo opened before the credentials)" {
	make_bundle "$RT_B" sh -c 'id -u >/out/id; id -g >>/out/id; grep ^CapEff /proc/self/status >>/out/id'
	mkdir -m 0777 "$TEST_DIR/out"
	bundle_set "$RT_B" '.process.user = {uid: 1234, gid: 1234}
		| .process.capabilities = {bounding: [], effective: [], permitted: [], inheritable: [], ambient: []}
		| .mounts += [{destination: "/out", type: "bind", source: $out, options: ["rbind"]}]' \
		--arg out "$TEST_DIR/out"
	run -0 rt_reaped create -b "$RT_B" nocaps
	run -0 rt start nocaps
	rt_wait_status nocaps stopped
	run -0 cat "$TEST_DIR/out/id"
	assert_output $'1234\n1234\nCapEff:\t0000000000000000'
	run -0 rt delete nocaps
}

@test "start of a container whose init is gone says so" {
	make_bundle "$RT_B" true
	run -0 rt_reaped create -b "$RT_B" --pid-file "$TEST_DIR/pid" gone
	kill -9 "$(cat "$TEST_DIR/pid")"
	rt_wait_status gone stopped
	run ! rt start gone
	assert_output --partial "gone"
	run -0 rt delete gone
}

@test "the default umask is 0022" {
	make_bundle "$RT_B" sh -c umask
	run -0 rt run -b "$RT_B" p2
	assert_output 0022
}

@test "process.cwd, made when missing" {
	make_bundle "$RT_B" pwd
	bundle_set "$RT_B" '.process.cwd = "/var/work/dir"'
	run -0 rt run -b "$RT_B" p3
	assert_output /var/work/dir
}

@test "process.env is the whole environment (HOME added from /etc/passwd)" {
	make_bundle "$RT_B" env
	bundle_set "$RT_B" '.process.env = ["PATH=/bin:/usr/bin", "FOO=bar baz", "EMPTY="]'
	run -0 rt run -b "$RT_B" p4
	[[ "$(sort <<<"$output")" == $'EMPTY=\nFOO=bar baz\nHOME=/root\nPATH=/bin:/usr/bin' ]]
}

@test "process.args run through the PATH of process.env" {
	mkdir -p "$RT_B"
	make_bundle "$RT_B" myprog arg1 'arg 2'
	mkdir -p "$RT_B/rootfs/opt/bin"
	printf '#!/bin/sh\necho "$0" "$@"\n' >"$RT_B/rootfs/opt/bin/myprog"
	chmod 755 "$RT_B/rootfs/opt/bin/myprog"
	bundle_set "$RT_B" '.process.env = ["PATH=/opt/bin:/bin"]'
	run -0 rt run -b "$RT_B" p5
	assert_output '/opt/bin/myprog arg1 arg 2'
}

@test "process.rlimits" {
	make_bundle "$RT_B" sh -c 'ulimit -n; ulimit -Hn; ulimit -c; ulimit -s'
	bundle_set "$RT_B" '.process.rlimits = [
		{type: "RLIMIT_NOFILE", soft: 512, hard: 777},
		{type: "RLIMIT_CORE", soft: 0, hard: 0},
		{type: "RLIMIT_STACK", soft: 4194304, hard: 8388608}]'
	run -0 rt run -b "$RT_B" p6
	assert_output $'512\n777\n0\n4096'
}

@test "process.rlimits above what the caller may set are clamped with a warning" {
	hard="$(ulimit -Hn)"
	[[ "$hard" != unlimited ]] || skip_expected "the caller has no hard nofile limit"
	capsh --has-p=cap_sys_resource 2>/dev/null && skip_expected "the caller has CAP_SYS_RESOURCE"
	rt_is_pea || skip_expected "crun fails instead"
	make_bundle "$RT_B" sh -c 'ulimit -Hn'
	bundle_set "$RT_B" '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: 1048576, hard: 1048576}]'
	run -0 --separate-stderr rt run -b "$RT_B" p7
	assert_output "$hard"
	[[ "$stderr" == *warning*RLIMIT_NOFILE* ]]
}

@test "capabilities: all five sets as configured" {
	make_bundle "$RT_B" grep ^Cap /proc/self/status
	bundle_set "$RT_B" '.process.capabilities = {
		bounding: ["CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_CHOWN", "CAP_SETUID"],
		permitted: ["CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_CHOWN"],
		effective: ["CAP_KILL", "CAP_CHOWN"],
		inheritable: ["CAP_NET_BIND_SERVICE"],
		ambient: ["CAP_NET_BIND_SERVICE"]}
		| .process.user = {uid: 1000, gid: 1000}'
	run -0 rt run -b "$RT_B" c1
	assert_line "CapBnd:	$(cap_mask CAP_KILL CAP_NET_BIND_SERVICE CAP_CHOWN CAP_SETUID)"
	assert_line "CapInh:	$(cap_mask CAP_NET_BIND_SERVICE)"
	# a non-root user after execve: permitted and effective are the ambient set
	assert_line "CapAmb:	$(cap_mask CAP_NET_BIND_SERVICE)"
	assert_line "CapPrm:	$(cap_mask CAP_NET_BIND_SERVICE)"
	assert_line "CapEff:	$(cap_mask CAP_NET_BIND_SERVICE)"
}

@test "capabilities of root: the bounding set limits them" {
	make_bundle "$RT_B" sh -c 'grep ^Cap /proc/self/status; chown 1 /tmp 2>/dev/null || echo no-chown'
	bundle_set "$RT_B" '.root.readonly = false | .process.capabilities = {
		bounding: ["CAP_KILL"], permitted: ["CAP_KILL"], effective: ["CAP_KILL"]}'
	run -0 rt run -b "$RT_B" c2
	assert_line "CapBnd:	$(cap_mask CAP_KILL)"
	assert_line "CapEff:	$(cap_mask CAP_KILL)"
	assert_line no-chown
}

@test "noNewPrivileges true and false" {
	make_bundle "$RT_B" grep NoNewPrivs /proc/self/status
	run -0 rt run -b "$RT_B" n1
	assert_output --regexp 'NoNewPrivs:\s+1'
	bundle_set "$RT_B" '.process.noNewPrivileges = false'
	run -0 rt run -b "$RT_B" n2
	assert_output --regexp 'NoNewPrivs:\s+0'
}

@test "oomScoreAdj" {
	make_bundle "$RT_B" cat /proc/self/oom_score_adj
	bundle_set "$RT_B" '.process.oomScoreAdj = 500'
	run -0 rt run -b "$RT_B" o1
	assert_output 500
}

@test "linux.personality LINUX32" {
	[[ "$(uname -m)" == x86_64 ]] || skip_expected "LINUX32 is checked on x86_64"
	make_bundle "$RT_B" uname -m
	bundle_set "$RT_B" '.linux.personality = {domain: "LINUX32"}'
	run -0 rt run -b "$RT_B" pe
	assert_output i686
}

@test "process.ioPriority" {
	rt_is_pea || skip_expected "crun 1.8.1 does not know ioPriority"
	make_bundle "$RT_B" ionice
	bundle_set "$RT_B" '.process.ioPriority = {class: "IOPRIO_CLASS_IDLE", priority: 0}'
	run -0 rt run -b "$RT_B" io
	assert_output --partial idle
}

@test "the init reports namespaces, hostname, capabilities, mounts and limits as config.json says" {
	make_bundle "$RT_B" sh -c '
		for n in pid net ipc uts mnt cgroup; do echo "ns $n $(readlink /proc/self/ns/$n)"; done
		echo "hostname $(hostname)"
		grep ^Cap /proc/self/status | sed "s/^/cap /"
		while read -r _ _ _ _ dest _; do echo "mount $dest"; done < /proc/self/mountinfo
		echo "limit nofile $(ulimit -n) $(ulimit -Hn)"
		echo "limit nproc $(ulimit -u) $(ulimit -Hu)"'
	bundle_set "$RT_B" '.hostname = "reporter"
		| .linux.namespaces += [{type: "cgroup"}]
		| .mounts += [{destination: "/data", type: "tmpfs", source: "tmpfs"}]
		| .process.rlimits = [{type: "RLIMIT_NOFILE", soft: 321, hard: 654},
			{type: "RLIMIT_NPROC", soft: 100, hard: 200}]
		| .process.capabilities = {bounding: ["CAP_KILL", "CAP_SYS_CHROOT"],
			effective: ["CAP_KILL", "CAP_SYS_CHROOT"], permitted: ["CAP_KILL", "CAP_SYS_CHROOT"]}'
	run -0 rt run -b "$RT_B" all
	config="$RT_B/config.json"
	# namespaces: each one of config.json is new
	declare -A nsname=([pid]=pid [network]=net [ipc]=ipc [uts]=uts [mount]=mnt [cgroup]=cgroup)
	for type in $(jq -r '.linux.namespaces[].type' "$config"); do
		n="${nsname[$type]}"
		line="$(grep "^ns $n " <<<"$output")"
		[[ "$line" != "ns $n $(readlink /proc/self/ns/"$n")" ]] || { echo "$type not new" >&2; return 1; }
	done
	assert_line "hostname $(jq -r .hostname "$config")"
	for set in bounding effective permitted; do
		field=$(case $set in bounding) echo CapBnd ;; effective) echo CapEff ;; permitted) echo CapPrm ;; esac)
		mapfile -t names < <(jq -r ".process.capabilities.$set[]" "$config")
		assert_line "cap $field:	$(cap_mask "${names[@]}")"
	done
	for dest in $(jq -r '.mounts[].destination' "$config"); do
		assert_line "mount $dest"
	done
	assert_line "limit nofile $(jq -r '.process.rlimits[0] | "\(.soft) \(.hard)"' "$config")"
	assert_line "limit nproc $(jq -r '.process.rlimits[1] | "\(.soft) \(.hard)"' "$config")"
}

@test "process.args[0] that cannot run: the reason execve would give, nothing left" {
	make_bundle "$RT_B" /nonexistent
	run ! rt_reaped create -b "$RT_B" noexe
	rt_is_pea && assert_output --partial "cannot execute '/nonexistent': No such file or directory"
	rt_no_leftovers noexe
	bundle_set "$RT_B" '.process.args = ["/etc"]'
	run ! rt_reaped create -b "$RT_B" direxe
	rt_is_pea && assert_output --partial "cannot execute '/etc': Permission denied"
	rt_no_leftovers direxe
}
