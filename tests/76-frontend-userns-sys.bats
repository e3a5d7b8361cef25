#!/usr/bin/env bats
# A container with a user namespace of its own sees /sys without the host's
# mounts under it (tracefs, debugfs, securityfs, the host's cgroup
# hierarchies; podman's 030-run "uidmapping has no /sys/kernel mounts"),
# whichever side made its network namespace: the host's (--network host),
# one pea-netsetup set up before the user namespace existed (bridge, a pod's),
# or the runtime's (none); its own cgroups stay at /sys/fs/cgroup, its limits
# readable there. As root and as an ordinary user.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-frontend
load helpers/fe-rootless

FE_RL_NAME=pearl76s

# (fe-rootless's setup_file, teardown_file and setup; the bridge test's namespace too here)
teardown() {
	if [[ -n "${FE_NETNS:-}" ]]; then
		pea_net pod rm -af -t 0 >/dev/null 2>&1 || true
		fe_net_teardown
	fi
	fe_rl_test_teardown
	fe_teardown
}

# sys_clean: `output` (mount, inside) has /sys, nothing under /sys/kernel, and
# only read-only mounts under /sys (the host's are read-write).
sys_clean() {
	assert_line --regexp '^[^ ]+ on /sys type sysfs \(ro,'
	refute_output --regexp ' on /sys/kernel'
	refute_output --regexp ' on /sys[^ ]* type [^ ]+ \(rw'
}

@test "root, --uidmap: /sys without the host's mounts under it with the host's network and none" {
	local net
	fe_load_busybox
	for net in host none; do
		run -0 pea_cmd run --rm --network "$net" --uidmap 0:100:10000 busybox mount
		sys_clean
		assert_line --regexp '^cgroup on /sys/fs/cgroup/memory type cgroup \(ro,'
	done
	# the memory limit is read where podman's containers read it (280-update)
	run -0 pea_cmd run --rm --network host --uidmap 0:100:10000 --memory 64m busybox \
		cat /sys/fs/cgroup/memory/memory.limit_in_bytes
	assert_output 67108864
}

@test "root, --uidmap on a bridge network and in a pod: its network's own sysfs, stats and limits" {
	fe_net_setup
	pea_net load -i "$BUSYBOX_ARCHIVE" >/dev/null
	run -0 pea_net run --rm --uidmap 0:100:10000 busybox mount
	sys_clean
	# its own network's sysfs: its devices, not the host's under their names
	run -0 pea_net run --rm --uidmap 0:100:10000 busybox sh -c 'echo $(ls /sys/class/net)'
	assert_output "eth0 lo"
	run -0 pea_net run -d --name s1 --uidmap 0:100:10000 --memory 64m busybox sleep 1000
	run -0 pea_net exec s1 cat /sys/fs/cgroup/memory/memory.limit_in_bytes
	assert_output 67108864
	run -0 pea_net stats --no-stream --format '{{.MemLimit}}' s1
	assert_output 67108864
	run -0 pea_net rm -f -t 0 s1
	run -0 pea_net pod create --name p1 --uidmap 0:100:10000
	run -0 pea_net run --rm --pod p1 busybox mount
	sys_clean
	run -0 pea_net run --rm --pod p1 busybox sh -c 'echo $(ls /sys/class/net)'
	assert_output "eth0 lo"
}

@test "rootless: /sys and all under it read-only with the host's network and none" {
	local net
	for net in none host; do
		# (with the host's network the runtime, in the user's namespace, binds the host's
		# /sys with what is under it, locked there, and makes it all read-only, as crun)
		run -0 pea_rl run --rm --network "$net" busybox mount
		assert_line --regexp '^[^ ]+ on /sys type sysfs \(ro,'
		refute_output --regexp ' on /sys[^ ]* type [^ ]+ \(rw'
	done
	run -0 pea_rl run --rm --network none --uidmap 0:1:1000 busybox mount
	sys_clean
}
