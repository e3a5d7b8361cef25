#!/usr/bin/env bats
# pea-test: lock=podman (podman's SHM locks /dev/shm/libpod_lock and /run/libpod are the machine's, whatever --root)
# The drop-in for real: Debian's Podman with pea-netsetup as its netavark
# (helper_binaries_dir), inside a namespace that stands for the host. Podman
# keeps its network state in /run/containers/networks: every podman call of a
# test joins one mount namespace where that is the test's own directory.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-netsetup

setup_file() {
	ensure_fixtures
}

setup() {
	require_cmd podman
	require_cmd crun
	require_cmd conmon
	require_cmd "$AARDVARK_DNS"
	nsu_setup 0
	PM=$TEST_DIR/pm
	mkdir -p "$PM"/{root,runroot,tmp,bin,netconf,run-containers}
	ln -s "$PEA_NETSETUP" "$PM/bin/netavark"
	ln -s "$AARDVARK_DNS" "$PM/bin/aardvark-dns"
	cat >"$PM/containers.conf" <<-EOF
		[containers]
		default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
		[network]
		network_backend = "netavark"
		network_config_dir = "$PM/netconf"
		[engine]
		helper_binaries_dir = ["$PM/bin"]
		cgroup_manager = "cgroupfs"
		events_logger = "file"
		events_logfile_path = "$PM/events.log"
	EOF
	# the mount namespace, held by a sleeping process
	unshare -m --propagation private -- sh -c \
		'mount --bind "$1" /run/containers && exec sleep infinity' sh "$PM/run-containers" \
		</dev/null >/dev/null 2>&1 &
	PM_NS=$!
	NSU_BG+=("$PM_NS")
	local i
	for ((i = 0; i < 500; i++)); do
		grep -q " /run/containers " "/proc/$PM_NS/mountinfo" 2>/dev/null && break
		sleep 0.02
	done
	# never let podman write the host's /run/containers
	grep -q " /run/containers " "/proc/$PM_NS/mountinfo" ||
		fail "the test's /run/containers is not mounted"
	BEFORE=$(nsu_snapshot)
	run -0 pm load -i "$BUSYBOX_ARCHIVE"
}

teardown() {
	pm rm -a -f -t 0 >/dev/null 2>&1 || true
	if [[ -f $PM/run-containers/networks/aardvark-dns/aardvark.pid ]]; then
		kill "$(cat "$PM/run-containers/networks/aardvark-dns/aardvark.pid")" 2>/dev/null || true
	fi
	nsu_teardown
}

# pm ARGS...: podman in the host namespace (nsenter keeps /sys and its cgroups,
# which `ip netns exec` would remount) and in the test's mount namespace.
pm() {
	CONTAINERS_CONF=$PM/containers.conf nsenter --mount="/proc/$PM_NS/ns/mnt" \
		--net="/run/netns/$NSU_HOST" \
		podman --root "$PM/root" --runroot "$PM/runroot" --tmpdir "$PM/tmp" --storage-driver vfs "$@"
}

@test "podman: run on the default bridge with a port forward, nothing left after" {
	run -0 pm run --rm localhost/busybox:latest ip -o -4 addr show eth0
	assert_output --partial "inet 10.88."
	run -0 pm run -d --name web -p 8080:80 localhost/busybox:latest \
		sh -c 'echo hello-podman >/tmp/index.html; exec httpd -f -p 80 -h /tmp'
	run -0 nsu_host nft list tables
	assert_output "table inet pea"
	local i
	for ((i = 0; i < 50; i++)); do
		nsu_host timeout -k 5 2 busybox wget -q -O "$TEST_DIR/page" http://127.0.0.1:8080/index.html \
			2>/dev/null && break
		sleep 0.1
	done
	assert_equal "$(cat "$TEST_DIR/page")" hello-podman
	run -0 pm rm -f -t 0 web
	assert_equal "$(nsu_snapshot)" "$BEFORE"
}

@test "podman: a network of its own with DNS, containers find each other by name" {
	run -0 pm network create --subnet 10.99.0.0/24 dnsnet
	run -0 pm run -d --name db --network dnsnet localhost/busybox:latest sleep 60
	run -0 pm run --rm --network dnsnet localhost/busybox:latest nslookup db 10.99.0.1
	assert_output --partial "Address: 10.99.0.2"
	[[ -f $PM/run-containers/networks/aardvark-dns/dnsnet ]]
	run -0 pm rm -f -t 0 db
	[[ ! -e $PM/run-containers/networks/aardvark-dns/dnsnet ]]
	assert_equal "$(nsu_snapshot)" "$BEFORE"
}
