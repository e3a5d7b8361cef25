#!/usr/bin/env bats
# pea update (podman-update(1)): the new limits reach the running container's cgroup (v1
# hierarchy here, else the unified one) through the runtime's update, the record keeps them
# (inspect shows them, a restart applies them again); a bad value is one clear line and
# changes nothing.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-frontend
load helpers/fe-file

# cgfile CONTROLLER FILE ID: the container's cgroup file (v1 hierarchy, else unified).
cgfile() {
	if [[ -d /sys/fs/cgroup/$1 ]]; then
		echo "/sys/fs/cgroup/$1/pea/pea-$3/$2"
	else
		echo "/sys/fs/cgroup/pea/pea-$3/$2"
	fi
}

# limits ID: the cgroup values the tests change, one line.
limits() {
	local v1=1
	[[ -d /sys/fs/cgroup/cpu ]] || v1=0
	if ((v1)); then
		echo "$(cat "$(cgfile cpu cpu.cfs_quota_us "$1")") $(cat "$(cgfile cpu cpu.cfs_period_us "$1")")" \
			"$(cat "$(cgfile cpu cpu.shares "$1")")" "$(cat "$(cgfile cpuset cpuset.cpus "$1")")" \
			"$(cat "$(cgfile memory memory.limit_in_bytes "$1")")" \
			"$(cat "$(cgfile memory memory.soft_limit_in_bytes "$1")")" \
			"$(cat "$(cgfile pids pids.max "$1")")"
	else
		echo "$(cat "$(cgfile cpu cpu.max "$1")")" "$(cat "$(cgfile cpu cpu.weight "$1")")" \
			"$(cat "$(cgfile cpuset cpuset.cpus "$1")")" "$(cat "$(cgfile memory memory.max "$1")")" \
			"$(cat "$(cgfile memory memory.low "$1")")" "$(cat "$(cgfile pids pids.max "$1")")"
	fi
}

@test "update of a running container: the cgroup, inspect, and a restart keep the new limits" {
	run -0 pea_cmd run -d --name u -m 64m --pids-limit 100 busybox sleep 1000
	id=$output
	run -0 pea_cmd update --cpus 0.5 --cpu-shares 256 --cpuset-cpus 0 -m 128m \
		--memory-reservation 32m --pids-limit 50 u
	assert_output u
	if [[ -d /sys/fs/cgroup/cpu ]]; then
		want="50000 100000 256 0 $((128 << 20)) $((32 << 20)) 50"
	fi
	run -0 limits "$id"
	[[ -z "${want:-}" ]] || assert_output "$want"
	run -0 pea_cmd inspect --format '{{.HostConfig.NanoCpus}} {{.HostConfig.CpuShares}} {{.HostConfig.CpusetCpus}} {{.HostConfig.Memory}} {{.HostConfig.MemoryReservation}} {{.HostConfig.PidsLimit}}' u
	assert_output "500000000 256 0 $((128 << 20)) $((32 << 20)) 50"
	# the container sees its own cgroup, read-only, as podman's (280-update reads it there)
	if [[ -d /sys/fs/cgroup/cpu ]]; then
		run -0 pea_cmd exec u cat /sys/fs/cgroup/cpu/cpu.shares
		assert_output 256
		run -1 pea_cmd exec u sh -c 'echo 512 >/sys/fs/cgroup/cpu/cpu.shares'
	fi
	# the new limits bite: a 51st process cannot be made
	run pea_cmd exec u sh -c 'for k in $(seq 60); do sleep 100 & done; echo made'
	assert_output --partial "fork"
	# stop and start: the record's limits are applied again
	run -0 pea_cmd stop -t 0 u
	run -0 pea_cmd start u
	run -0 limits "$id"
	[[ -z "${want:-}" ]] || assert_output "$want"
	# --cpu-quota/--cpu-period replace --cpus
	run -0 pea_cmd update --cpu-quota 20000 --cpu-period 50000 u
	run -0 pea_cmd inspect --format '{{.HostConfig.NanoCpus}} {{.HostConfig.CpuQuota}} {{.HostConfig.CpuPeriod}}' u
	assert_output "0 20000 50000"
	if [[ -d /sys/fs/cgroup/cpu ]]; then
		assert_equal "$(cat "$(cgfile cpu cpu.cfs_quota_us "$id")")" 20000
		assert_equal "$(cat "$(cgfile cpu cpu.cfs_period_us "$id")")" 50000
	fi
	# more CPUs than the host has: a quota of CPU time, as podman's (280-update)
	run -0 pea_cmd update --cpus 64 u
	if [[ -d /sys/fs/cgroup/cpu ]]; then
		assert_equal "$(cat "$(cgfile cpu cpu.cfs_quota_us "$id")")" 6400000
	fi
	run -0 pea_cmd container update --memory-swap 256m u
	run -0 pea_cmd inspect --format '{{.HostConfig.MemorySwap}}' u
	assert_output $((256 << 20))
	if [[ -e "$(cgfile memory memory.memsw.limit_in_bytes "$id")" ]]; then
		assert_equal "$(cat "$(cgfile memory memory.memsw.limit_in_bytes "$id")")" $((256 << 20))
	fi
}

@test "update of a stopped container: the record changes, its next start applies it" {
	run -0 pea_cmd create --name c -m 64m busybox sleep 1000
	id=$output
	run -0 pea_cmd update -m 96m --pids-limit 20 c
	run -0 pea_cmd inspect --format '{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}}' c
	assert_output "$((96 << 20)) 20"
	run -0 pea_cmd start c
	if [[ -d /sys/fs/cgroup/memory ]]; then
		assert_equal "$(cat "$(cgfile memory memory.limit_in_bytes "$id")")" $((96 << 20))
		assert_equal "$(cat "$(cgfile pids pids.max "$id")")" 20
	fi
}

@test "bad update values: one clear line, exit 125, the record and the cgroup unchanged" {
	run -0 pea_cmd run -d --name b -m 64m --cpu-shares 512 busybox sleep 1000
	id=$output
	run -0 pea_cmd inspect --format '{{json .HostConfig}}' b
	before=$output
	local -a bad=(
		"-m 1k|minimum memory limit allowed is 6MB"
		"-m lots|invalid argument \"lots\" for \"-m, --memory\" flag: invalid size: 'lots'"
		"--cpus 0|invalid argument \"0\" for \"--cpus\" flag: a number of CPUs > 0"
		"--cpu-shares x|invalid argument \"x\" for \"--cpu-shares\" flag: must be an integer from 2 to 262144"
		"--cpu-period 10|invalid argument \"10\" for \"--cpu-period\" flag: must be an integer from 1000 to 1000000"
		"--cpuset-cpus a-b|invalid argument \"a-b\" for \"--cpuset-cpus\" flag: use a list such as 0-3,5"
		"--pids-limit -5|invalid argument \"-5\" for \"--pids-limit\" flag: must be an integer >= -1"
		"--blkio-weight 5|invalid argument \"5\" for \"--blkio-weight\" flag: must be an integer from 10 to 1000"
		"--memory-reservation 128m|minimum memory limit cannot be less than memory reservation limit, see usage"
		"--memory-swap 32m|minimum memoryswap limit should be larger than memory limit, see usage"
		"--cpus 0.5 --cpu-quota 20000|--cpu-period and --cpu-quota cannot be set with --cpus"
	)
	local entry
	for entry in "${bad[@]}"; do
		# shellcheck disable=SC2086
		run -125 pea_cmd update ${entry%%|*} b
		assert_output "Error: ${entry#*|}"
	done
	run -125 pea_cmd update --nope 1 b
	assert_line --index 0 "Error: unknown flag: --nope"
	run -125 pea_cmd update b
	assert_output "Error: nothing to update: give at least one resource option (pea update --help)"
	run -125 pea_cmd update -m 128m
	assert_output "Error: accepts 1 arg(s), received 0"
	run -125 pea_cmd update -m 128m nosuch
	assert_output 'Error: no container with name or ID "nosuch" found: no such container'
	# a value the kernel refuses: the runtime's reason, nothing recorded
	if [[ -d /sys/fs/cgroup/cpuset ]]; then
		run -125 pea_cmd update --cpuset-cpus 4000 b
		assert_equal "${#lines[@]}" 1
		assert_output --regexp '^Error: updating container [0-9a-f]{64}: OCI runtime update: '
	fi
	run -0 pea_cmd inspect --format '{{json .HostConfig}}' b
	assert_equal "$output" "$before"
	if [[ -d /sys/fs/cgroup/memory ]]; then
		assert_equal "$(cat "$(cgfile memory memory.limit_in_bytes "$id")")" $((64 << 20))
		assert_equal "$(cat "$(cgfile cpu cpu.shares "$id")")" 512
	fi
}

@test "update of a container run without limits: its cgroup gets them, and a restart too" {
	run -0 pea_cmd run -d --name n busybox sleep 1000
	id=$output
	run -0 pea_cmd update -m 128m --pids-limit 30 n
	run -0 pea_cmd inspect --format '{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}}' n
	assert_output "$((128 << 20)) 30"
	if [[ -d /sys/fs/cgroup/memory ]]; then
		pid=$(pea_out inspect --format '{{.State.Pid}}' n)
		cg=$(awk -F: '$2 == "memory" {print $3}' "/proc/$pid/cgroup")
		assert_equal "$(cat "/sys/fs/cgroup/memory$cg/memory.limit_in_bytes")" $((128 << 20))
		run -0 pea_cmd restart -t 0 n
		assert_equal "$(cat "$(cgfile memory memory.limit_in_bytes "$id")")" $((128 << 20))
		assert_equal "$(cat "$(cgfile pids pids.max "$id")")" 30
	fi
}
