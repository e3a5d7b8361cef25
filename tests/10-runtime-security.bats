#!/usr/bin/env bats
# pea-runtime against container escapes: the host binary cannot be
# overwritten through /proc/PID/exe (CVE-2019-5736): the init of create and run
# ends in a sealed copy of pea-runtime-dmz (with a pid namespace of its own),
# exec and the other cases run from a sealed memfd copy of the whole binary,
# a user namespace that leaves the binary's owner out too (another container
# may join its pid namespace).
# (#!/proc/self/exe as the program is refused by this kernel with ENOENT when
# the exe is outside the caller's mount namespace: runc's and crun's too.)
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-runtime

setup_file() {
	ensure_fixtures
}

setup() {
	require_root
	rt_is_pea || skip_expected "pea-only: how the runtime protects its binary"
	rt_setup
	# a copy of the runtime under test: a protection that fails damages only it
	mkdir "$TEST_DIR/bin"
	cp "$PEA_RUNTIME" "$TEST_DIR/bin/pea-runtime"
	PEA_RUNTIME="$TEST_DIR/bin/pea-runtime"
	sha256sum "$PEA_RUNTIME" >"$TEST_DIR/bin.sum"
}

teardown() {
	# the writable copy: the read-only mount goes first (it is below TEST_DIR)
	if [[ -x "${TEST_DIR:-}/bin/pea-runtime" ]]; then
		PEA_RUNTIME="$TEST_DIR/bin/pea-runtime"
	fi
	if [[ -n "${RO_MOUNT:-}" ]]; then
		umount -l "$RO_MOUNT" || true
	fi
	rt_teardown
}

@test "the init of a created container runs from a sealed memfd, not the host binary" {
	make_bundle "$RT_B" true
	run -0 rt_reaped create -b "$RT_B" --pid-file "$TEST_DIR/pid" sealed
	run -0 readlink "/proc/$(cat "$TEST_DIR/pid")/exe"
	assert_output --regexp '^/memfd:pea-runtime'
	run -0 rt delete --force sealed
}

@test "the sealed copy holds what execve loads, no more than the binary, and runs" {
	local pid size full
	make_bundle "$RT_B" true
	run -0 rt_reaped create -b "$RT_B" --pid-file "$TEST_DIR/pid" trimmed
	pid="$(cat "$TEST_DIR/pid")"
	size="$(stat -L -c %s "/proc/$pid/exe")"
	full="$(stat -c %s "$PEA_RUNTIME")"
	((size > 0 && size <= full))
	# debug information stays out (sanitizer builds copy it all: they symbolize from it)
	if readelf -SW "$PEA_RUNTIME" | grep -q '[.]debug_info' &&
		! readelf -sW "$PEA_RUNTIME" | grep -q __asan_init; then
		((size < full))
	fi
	# the program headers are whole in the copy
	run -0 readelf -lW "/proc/$pid/exe"
	assert_output --partial LOAD
	run -0 rt start trimmed
	run -0 rt delete --force trimmed
}

@test "a container process holding /proc/1/exe of the waiting init cannot write the host binary after start" {
	make_bundle "$RT_B" sleep 100
	mkdir -m 0777 "$TEST_DIR/out"
	bundle_set "$RT_B" '.mounts += [{destination: "/out", type: "bind", source: $o, options: ["rbind"]}]' \
		--arg o "$TEST_DIR/out"
	run -0 rt_reaped create -b "$RT_B" victim
	# the attacker: an fd of the init's exe now, a write through it once the init has exec'd
	# shellcheck disable=SC2016
	run -0 rt_reaped exec -d victim sh -c '
		exec 3</proc/1/exe || { echo noopen >/out/result; exit; }
		for i in $(seq 1 500); do grep -q "^sleep" /proc/1/cmdline && break; usleep 10000; done
		if echo PWNED >>/proc/self/fd/3; then echo wrote >/out/result; else echo refused >/out/result; fi'
	run -0 rt start victim
	for _ in $(seq 1 250); do
		[[ -s "$TEST_DIR/out/result" ]] && break
		sleep 0.02
	done
	run -0 cat "$TEST_DIR/out/result"
	assert_output refused
	run -0 sha256sum -c "$TEST_DIR/bin.sum"
}

@test "exec runs from the sealed copy too" {
	make_bundle "$RT_B" sleep 100
	run -0 rt_reaped run -d -b "$RT_B" ex
	"$PEA_RUNTIME" --root "$RT_ROOT" exec ex sleep 2 &
	rpid=$!
	exe=""
	for _ in $(seq 1 250); do
		exe="$(readlink "/proc/$rpid/exe" 2>/dev/null)" || break
		[[ "$exe" == /memfd:pea-runtime* ]] && break
		sleep 0.01
	done
	wait "$rpid"
	[[ "$exe" == /memfd:pea-runtime* ]]
}

@test "a binary we cannot write is run as it is (no copy needed)" {
	make_bundle "$RT_B" true
	mkdir "$TEST_DIR/ro"
	mount --bind -o ro "$TEST_DIR/bin" "$TEST_DIR/ro"
	RO_MOUNT="$TEST_DIR/ro"
	PEA_RUNTIME="$TEST_DIR/ro/pea-runtime"
	run -0 rt_reaped create -b "$RT_B" --pid-file "$TEST_DIR/pid" "plain-$$"
	run -0 readlink "/proc/$(cat "$TEST_DIR/pid")/exe"
	assert_output "$TEST_DIR/ro/pea-runtime"
}

# userns_bundle ARGS...: a container with user and pid namespaces of its own, its
# root 8300 on the host (not the binary's owner, root).
userns_bundle() {
	require_userns
	make_bundle "$RT_B" "$@"
	bundle_rootless "$RT_B" 8300 8300
	bundle_set "$RT_B" '.linux.namespaces = (.linux.namespaces + [{type: "pid"}] | unique_by(.type))'
	chown -R 8300:8300 "$RT_B/rootfs"
}

@test "a user namespace that leaves the binary's owner out: the init still ends in the sealed dmz" {
	userns_bundle sleep 100
	mkdir -m 0777 "$TEST_DIR/out"
	bundle_set "$RT_B" '.mounts += [{destination: "/out", type: "bind", source: $o, options: ["rbind"]},
		{destination: "/rt-bin", type: "bind", source: $b, options: ["bind", "rw"]}]' \
		--arg o "$TEST_DIR/out" --arg b "$PEA_RUNTIME"
	run -0 rt_reaped create -b "$RT_B" --pid-file "$TEST_DIR/pid" unsealed
	run -0 readlink "/proc/$(cat "$TEST_DIR/pid")/exe"
	assert_output --regexp '^/memfd:pea-runtime-dmz'
	# the waiting init's exe, held and written once it has exec'd (as above): it opens,
	# as the sealed memfd, and the write is refused
	# shellcheck disable=SC2016
	run -0 rt_reaped exec -d unsealed sh -c '
		exec 3</proc/1/exe || { echo noopen >/out/result; exit; }
		readlink /proc/self/fd/3 >/out/fd
		for i in $(seq 1 500); do grep -q "^sleep" /proc/1/cmdline && break; usleep 10000; done
		if echo PWNED >>/proc/self/fd/3; then echo wrote >/out/result; else echo refused >/out/result; fi'
	run -0 rt start unsealed
	for _ in $(seq 1 250); do
		[[ -s "$TEST_DIR/out/result" ]] && break
		sleep 0.02
	done
	run -0 cat "$TEST_DIR/out/result"
	assert_output refused
	run -0 cat "$TEST_DIR/out/fd"
	assert_output --regexp '^/memfd:pea-runtime-dmz'
	# and the binary bound in is no more than read-only to its root
	run -0 rt exec unsealed sh -c 'echo PWNED >>/rt-bin || echo refused'
	assert_output --partial refused
	run -0 sha256sum -c "$TEST_DIR/bin.sum"
}

@test "a host-root container joining the pid namespace of a user-namespaced one cannot write the binary through /proc/1/exe" {
	userns_bundle sleep 100
	run -0 rt_reaped create -b "$RT_B" --pid-file "$TEST_DIR/pid" a
	apid=$(cat "$TEST_DIR/pid")
	mkdir -p "$TEST_DIR/b" "$TEST_DIR/out"
	chmod 777 "$TEST_DIR/out"
	# B: no user namespace, CAP_SYS_PTRACE and CAP_DAC_OVERRIDE, A's pid namespace by path
	# shellcheck disable=SC2016
	make_bundle "$TEST_DIR/b" sh -c 'exec 3</proc/1/exe || { echo noopen >/out/result; exit; }
		readlink /proc/self/fd/3 >/out/fd
		for i in $(seq 1 1500); do grep -q "^sleep" /proc/1/cmdline && break; usleep 20000; done
		if echo PWNED >>/proc/self/fd/3; then echo wrote >/out/result; else echo refused >/out/result; fi'
	bundle_set "$TEST_DIR/b" '.linux.namespaces = ([.linux.namespaces[] | select(.type != "pid")] + [{type: "pid", path: $p}])
		| .process.capabilities.bounding += ["CAP_DAC_OVERRIDE","CAP_SYS_PTRACE"]
		| .process.capabilities.effective += ["CAP_DAC_OVERRIDE","CAP_SYS_PTRACE"]
		| .process.capabilities.permitted += ["CAP_DAC_OVERRIDE","CAP_SYS_PTRACE"]
		| .mounts += [{destination: "/out", type: "bind", source: $o, options: ["rbind"]}]' \
		--arg p "/proc/$apid/ns/pid" --arg o "$TEST_DIR/out"
	run -0 rt_reaped run -d -b "$TEST_DIR/b" b
	for _ in $(seq 1 250); do
		[[ -s "$TEST_DIR/out/fd" || -s "$TEST_DIR/out/result" ]] && break
		sleep 0.02
	done
	run -0 rt start a
	for _ in $(seq 1 1500); do
		[[ -s "$TEST_DIR/out/result" ]] && break
		sleep 0.02
	done
	rt delete --force b || true
	rt delete --force a || true
	run -0 cat "$TEST_DIR/out/result"
	assert_output refused
	run -0 cat "$TEST_DIR/out/fd"
	assert_output --regexp '^/memfd:pea-runtime-dmz'
	run -0 sha256sum -c "$TEST_DIR/bin.sum"
}

@test "a user namespace gets the sealed copy when the binary is within its reach" {
	userns_bundle true
	# its owner mapped (8300)
	chown 8300:8300 "$PEA_RUNTIME"
	run -0 rt_reaped create -b "$RT_B" --pid-file "$TEST_DIR/pid" owned
	run -0 readlink "/proc/$(cat "$TEST_DIR/pid")/exe"
	assert_output --regexp '^/memfd:pea-runtime'
	run -0 rt delete --force owned
	# group-writable (supplementary groups may reach it)
	chown 0:0 "$PEA_RUNTIME"
	chmod 0775 "$PEA_RUNTIME"
	run -0 rt_reaped create -b "$RT_B" --pid-file "$TEST_DIR/pid" groupw
	run -0 readlink "/proc/$(cat "$TEST_DIR/pid")/exe"
	assert_output --regexp '^/memfd:pea-runtime'
	run -0 rt delete --force groupw
	# an ACL that grants more
	chmod 0755 "$PEA_RUNTIME"
	if setfacl -m u:8300:rwx "$PEA_RUNTIME" 2>/dev/null; then
		run -0 rt_reaped create -b "$RT_B" --pid-file "$TEST_DIR/pid" acl
		run -0 readlink "/proc/$(cat "$TEST_DIR/pid")/exe"
		assert_output --regexp '^/memfd:pea-runtime'
		run -0 rt delete --force acl
	fi
	# no pid namespace of its own: the copy
	setfacl -b "$PEA_RUNTIME" 2>/dev/null || true
	bundle_set "$RT_B" '.linux.namespaces |= map(select(.type != "pid")) |
		.mounts |= map(select(.type != "proc"))'
	run -0 rt_reaped create -b "$RT_B" --pid-file "$TEST_DIR/pid" nopidns
	run -0 readlink "/proc/$(cat "$TEST_DIR/pid")/exe"
	assert_output --regexp '^/memfd:pea-runtime'
}

@test "create: the init ends in pea-runtime-dmz from a sealed memfd; create runs as it is" {
	make_bundle "$RT_B" sleep 100
	run -0 rt_reaped --log-level debug create -b "$RT_B" --pid-file "$TEST_DIR/pid" dmz
	# no re-execution of the whole binary: the dmz is the only copy made
	assert_output --partial 'ends in a sealed pea-runtime-dmz'
	run -0 readlink "/proc/$(cat "$TEST_DIR/pid")/exe"
	assert_output --regexp '^/memfd:pea-runtime-dmz'
	# a few pages, not the runtime
	run -0 stat -L -c %s "/proc/$(cat "$TEST_DIR/pid")/exe"
	((output < 65536))
	run -0 rt start dmz
	for _ in $(seq 1 250); do
		[[ "$(readlink "/proc/$(cat "$TEST_DIR/pid")/exe")" == */busybox ]] && break
		sleep 0.02
	done
	run -0 readlink "/proc/$(cat "$TEST_DIR/pid")/exe"
	assert_output --regexp '/busybox$'
	run -0 rt exec dmz cat /proc/1/cmdline
	assert_output --partial sleep
}

@test "run with pea-runtime-dmz: the process's credentials, umask, environment and a late exec error as before" {
	make_bundle "$RT_B" sh -c 'id; umask; echo "$FOO"; grep -E "^(Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs|Seccomp):" /proc/self/status'
	bundle_set "$RT_B" '.process.user = {uid: 1000, gid: 1000, additionalGids: [5]} |
		.process.capabilities.inheritable = .process.capabilities.bounding |
		.process.env += ["FOO=bar"] | .process.user.umask = 63 |
		.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", syscalls: [{names: ["mkdir"], action: "SCMP_ACT_ERRNO"}]}'
	run -0 rt run -b "$RT_B" dmzrun
	assert_line 'uid=1000 gid=1000 groups=5'
	assert_line 0077
	assert_line bar
	assert_line --regexp '^CapAmb:[[:space:]]+0000000020000420$'
	assert_line --regexp '^NoNewPrivs:[[:space:]]+1$'
	assert_line --regexp '^Seccomp:[[:space:]]+2$'
	# an execve that fails after the checks (a script's interpreter is missing)
	printf '#!/no/such/interpreter\n' >"$RT_B/rootfs/bad"
	chmod 0755 "$RT_B/rootfs/bad"
	bundle_set "$RT_B" '.process.args = ["/bad"] | del(.process.user.umask)'
	run -127 rt run -b "$RT_B" dmzbad
	assert_output "pea-runtime: exec '/bad': No such file or directory"
}

@test "the whole binary is still copied where the init has more to do after start, or no pid namespace" {
	make_bundle "$RT_B" true
	# startContainer hooks run in the init after start
	bundle_set "$RT_B" '.hooks.startContainer = [{path: "/bin/true"}]'
	run -0 rt_reaped create -b "$RT_B" --pid-file "$TEST_DIR/pid" hooked
	run -0 readlink "/proc/$(cat "$TEST_DIR/pid")/exe"
	assert_output --regexp '^/memfd:pea-runtime \(deleted\)$'
	run -0 rt delete --force hooked
	# a seccomp filter, loaded before the dmz, that would refuse the dmz's execveat
	bundle_set "$RT_B" 'del(.hooks) | .linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
		syscalls: [{names: ["execveat"], action: "SCMP_ACT_ERRNO"}]}'
	run -0 rt_reaped create -b "$RT_B" --pid-file "$TEST_DIR/pid" filtered
	run -0 readlink "/proc/$(cat "$TEST_DIR/pid")/exe"
	assert_output --regexp '^/memfd:pea-runtime \(deleted\)$'
	run -0 rt start filtered
	rt_wait_status filtered stopped
	run -0 rt delete filtered
	# the container would see create's own process
	bundle_set "$RT_B" 'del(.linux.seccomp) | .linux.namespaces |= map(select(.type != "pid"))'
	run -0 rt_reaped create -b "$RT_B" --pid-file "$TEST_DIR/pid" nopid
	run -0 readlink "/proc/$(cat "$TEST_DIR/pid")/exe"
	assert_output --regexp '^/memfd:pea-runtime \(deleted\)$'
}
