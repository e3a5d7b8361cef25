#!/usr/bin/env bats
# pea-test: lock=podman (podman's SHM locks /dev/shm/libpod_lock and /run/libpod are the machine's, whatever --root)
# Debian's podman (and its conmon) with `--runtime pea-runtime`: run --rm,
# exec, stop, -m and --pids-limit on the busybox image of the fixtures.
# Podman runs on its own storage in the test's directory (vfs), cgroupfs,
# no network.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-runtime

setup_file() {
	ensure_fixtures
	if command -v podman >/dev/null && [[ $(id -u) -eq 0 ]]; then
		pdm load -i "$BUSYBOX_ARCHIVE" >/dev/null
	fi
}

setup() {
	require_root
	require_cmd podman
}

teardown() {
	pdm rm -a -f -t 0 >/dev/null 2>&1 || true
}

# pdm ARGS...: podman on this file's storage, driving $PEA_RUNTIME.
pdm() {
	local d="$BATS_FILE_TMPDIR/podman"
	timeout -k 5 60 podman --root "$d/root" --runroot "$d/runroot" --tmpdir "$d/tmp" \
		--runtime "$PEA_RUNTIME" --cgroup-manager cgroupfs \
		--events-backend file --storage-driver vfs "$@"
}

# The host's hard limits are below podman's defaults: stay inside them.
RUN_OPTS=(--network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024)

@test "podman run --rm busybox echo ok" {
	run -0 pdm run --rm "${RUN_OPTS[@]}" localhost/busybox:latest echo ok
	assert_output ok
	run -3 pdm run --rm "${RUN_OPTS[@]}" localhost/busybox:latest sh -c 'exit 3'
}

@test "podman exec, stop" {
	run -0 pdm run -d "${RUN_OPTS[@]}" --name ex localhost/busybox:latest sleep 1000000
	run -0 pdm exec ex sh -c 'echo in-$HOSTNAME; exit 0'
	assert_output --partial in-
	run -5 pdm exec ex sh -c 'exit 5'
	run -0 pdm stop -t 1 ex
	run -0 pdm inspect --format '{{.State.Status}}' ex
	assert_output exited
}

@test "podman -m and --pids-limit reach the cgroups" {
	run -0 pdm run -d "${RUN_OPTS[@]}" -m 64m --pids-limit 33 --name lim localhost/busybox:latest sleep 1000000
	run -0 pdm inspect --format '{{.State.Pid}}' lim
	local pid="$output" mem pids
	mem=$(awk -F: '$2 == "memory" {print $3}' "/proc/$pid/cgroup")
	pids=$(awk -F: '$2 == "pids" {print $3}' "/proc/$pid/cgroup")
	run -0 cat "/sys/fs/cgroup/memory$mem/memory.limit_in_bytes" "/sys/fs/cgroup/pids$pids/pids.max"
	assert_output $'67108864\n33'
	run -0 pdm rm -f -t 0 lim
	[[ ! -e "/sys/fs/cgroup/memory$mem" ]]
}
