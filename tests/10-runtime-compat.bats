#!/usr/bin/env bats
# Engines driving pea-runtime as their OCI runtime: Debian's conmon
# (create, start, exit code in the exit file, the log) and containerd's
# `ctr run --runc-binary` (through containerd-shim-runc-v2) on the busybox
# image of the fixtures, run, exec, kill. (Podman: 10-runtime-podman.bats.)
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-runtime

setup_file() {
	ensure_fixtures
	if [[ $(id -u) -eq 0 ]] && command -v containerd >/dev/null && command -v ctr >/dev/null; then
		containerd_start
	fi
}

teardown_file() {
	containerd_stop
}

# containerd on its own root, state and socket (a short path: unix sockets
# are limited to 107 bytes), under a subreaper that also reaps its shims.
# ctr uses namespace CTR_NS, whose runtime state is /run/containerd/runc/CTR_NS.
containerd_start() {
	CTRD_DIR="$(mktemp -d /tmp/pea-ctrd.XXXXXX)"
	CTR_NS="pea-test-$$"
	export CTRD_DIR CTR_NS
	cat >"$CTRD_DIR/config.toml" <<-EOF
		version = 2
		root = "$CTRD_DIR/root"
		state = "$CTRD_DIR/state"
		disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs",
			"io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper",
			"io.containerd.snapshotter.v1.aufs"]
		[grpc]
		  address = "$CTRD_DIR/c.sock"
		[ttrpc]
		  address = "$CTRD_DIR/c.sock.ttrpc"
		[plugins."io.containerd.internal.v1.opt"]
		  path = "$CTRD_DIR/opt"
	EOF
	setsid tini -s -- containerd --config "$CTRD_DIR/config.toml" \
		>"$CTRD_DIR/containerd.log" 2>&1 </dev/null 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- &
	echo $! >"$CTRD_DIR/tini.pid"
	for _ in $(seq 1 250); do
		[[ -S "$CTRD_DIR/c.sock" ]] && break
		sleep 0.02
	done
	[[ -S "$CTRD_DIR/c.sock" ]] || { cat "$CTRD_DIR/containerd.log" >&2; return 1; }
	ctrc images import --snapshotter native "$BUSYBOX_ARCHIVE" >/dev/null
}

# ctrc ARGS...: ctr on that containerd, in that namespace.
ctrc() {
	timeout -k 5 60 ctr -a "$CTRD_DIR/c.sock" -n "$CTR_NS" "$@"
}

containerd_stop() {
	local tini pid id
	[[ -n "${CTRD_DIR:-}" && -f "$CTRD_DIR/tini.pid" ]] || return 0
	tini="$(cat "$CTRD_DIR/tini.pid")"
	if [[ -S "$CTRD_DIR/c.sock" ]]; then
		for id in $(ctrc tasks ls -q 2>/dev/null); do
			ctrc tasks kill -s KILL "$id" >/dev/null 2>&1 || true
			ctrc tasks delete -f "$id" >/dev/null 2>&1 || true
		done
		for id in $(ctrc containers ls -q 2>/dev/null); do
			ctrc containers delete "$id" >/dev/null 2>&1 || true
		done
	fi
	# the shims are children of the subreaper beside containerd: stop them, then containerd
	for pid in $(pgrep -P "$tini" 2>/dev/null); do
		[[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == containerd ]] || kill -KILL "$pid" 2>/dev/null || true
	done
	kill -TERM "$tini" 2>/dev/null || true
	for _ in $(seq 1 250); do
		kill -0 "$tini" 2>/dev/null || break
		sleep 0.02
	done
	kill -KILL "$tini" 2>/dev/null || true
	rm -rf "$CTRD_DIR"
	# what containerd and its shims made under /run for this namespace, if empty now
	rmdir "/run/containerd/runc/$CTR_NS" /run/containerd/runc /run/containerd/fifo \
		/run/containerd/s /run/containerd 2>/dev/null || true
}

require_containerd() {
	require_cmd containerd
	require_cmd ctr
	[[ -S "${CTRD_DIR:-}/c.sock" ]] || skip "containerd did not start"
}

setup() {
	require_root
	rt_is_pea || skip_expected "these prove pea-runtime under conmon and containerd (crun: its own suites)"
	rt_setup
}

teardown() {
	rt_teardown
}

# conmon_run ID: conmon creates the container of $RT_B with $PEA_RUNTIME, as podman calls it.
conmon_run() {
	local id="$1"
	mkdir -p "$TEST_DIR/exits" "$TEST_DIR/sock"
	reaped_cmd timeout -k 5 60 conmon --api-version 1 -c "$id" -u "$id" -n "$id" \
		-r "$PEA_RUNTIME" --runtime-arg --root --runtime-arg "$RT_ROOT" \
		--runtime-arg --log --runtime-arg "$TEST_DIR/$id.rtlog" \
		--runtime-arg --log-format --runtime-arg json \
		-b "$RT_B" -p "$TEST_DIR/$id.pid" --conmon-pidfile "$TEST_DIR/$id.conmon.pid" \
		-l "k8s-file:$TEST_DIR/$id.log" --exit-dir "$TEST_DIR/exits" \
		--socket-dir-path "$TEST_DIR/sock" --log-level debug
}

wait_file() {
	for _ in $(seq 1 500); do
		[[ -s "$1" ]] && return 0
		sleep 0.02
	done
	echo "no file '$1'" >&2
	return 1
}

@test "conmon -r pea-runtime: create, start, exit code in the exit file, output in the log" {
	require_cmd conmon
	make_bundle "$RT_B" sh -c 'echo hello from pea; echo oops >&2; exit 7'
	run -0 conmon_run cm1
	# conmon's parent returns at once; the container is created once its pid file is there
	wait_file "$TEST_DIR/cm1.pid"
	run -0 rt_state cm1 status
	assert_output created
	[[ "$(rt_state cm1 pid)" == "$(cat "$TEST_DIR/cm1.pid")" ]]
	run -0 rt start cm1
	wait_file "$TEST_DIR/exits/cm1"
	run -0 cat "$TEST_DIR/exits/cm1"
	assert_output 7
	run -0 cat "$TEST_DIR/cm1.log"
	assert_line --regexp '^[^ ]+ stdout F hello from pea$'
	assert_line --regexp '^[^ ]+ stderr F oops$'
	run -0 rt_state cm1 status
	assert_output stopped
	run -0 rt delete cm1
	rt_no_leftovers cm1
}

@test "conmon -r pea-runtime: a container killed by a signal; a failing create leaves its reason in --log and nothing else" {
	require_cmd conmon
	make_bundle "$RT_B" sleep 100
	run -0 conmon_run cm2
	wait_file "$TEST_DIR/cm2.pid"
	run -0 rt start cm2
	run -0 rt kill cm2 KILL
	wait_file "$TEST_DIR/exits/cm2"
	run -0 cat "$TEST_DIR/exits/cm2"
	assert_output 137
	run -0 rt delete cm2
	make_bundle "$TEST_DIR/bad" nosuchprogram
	RT_B="$TEST_DIR/bad"
	# conmon tells only its sync pipe; the runtime's --log has the reason, as podman reads it
	run conmon_run cm3
	wait_file "$TEST_DIR/cm3.rtlog"
	run -0 jq -r 'select(.level == "error") | .msg' "$TEST_DIR/cm3.rtlog"
	assert_output --partial "'nosuchprogram': executable file not found"
	run ! rt state cm3
	rt_no_leftovers cm3
}

@test "ctr run --runc-binary pea-runtime: the busybox image prints and exits with its status" {
	require_containerd
	run -0 ctrc run --rm --snapshotter native --runc-binary "$PEA_RUNTIME" \
		localhost/busybox:latest ctr1 sh -c 'echo hello from ctr; echo "pid $$"'
	assert_output $'hello from ctr\npid 1'
	run -3 ctrc run --rm --snapshotter native --runc-binary "$PEA_RUNTIME" \
		localhost/busybox:latest ctr2 sh -c 'exit 3'
	# --rm: the shim deleted the container through pea-runtime
	run -0 ctrc containers ls -q
	assert_output ""
	run -0 find "/run/containerd/runc/$CTR_NS" -mindepth 1
	assert_output ""
}

@test "ctr: a detached task, task exec, kill, delete through pea-runtime" {
	require_containerd
	run -0 ctrc run -d --snapshotter native --runc-binary "$PEA_RUNTIME" \
		localhost/busybox:latest ctr3 sleep 1000
	run -0 ctrc tasks exec --exec-id e1 ctr3 sh -c 'echo in $(hostname); exit 0'
	assert_output --partial "in "
	run -4 ctrc tasks exec --exec-id e2 ctr3 sh -c 'exit 4'
	# the state pea-runtime keeps for the shim
	run -0 "$PEA_RUNTIME" --root "/run/containerd/runc/$CTR_NS" state ctr3
	run -0 jq -r .status <<<"$output"
	assert_output running
	run -0 ctrc tasks kill -s KILL ctr3
	for _ in $(seq 1 250); do
		[[ "$(ctrc tasks ls | awk '$1 == "ctr3" {print $3}')" == STOPPED ]] && break
		sleep 0.02
	done
	run -0 ctrc tasks delete ctr3
	run -0 ctrc containers delete ctr3
	run ! "$PEA_RUNTIME" --root "/run/containerd/runc/$CTR_NS" state ctr3
}
