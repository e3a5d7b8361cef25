#!/usr/bin/env bats
# pea-runtime: cgroups. The mode is detected (this host: hybrid, v1
# controllers); linux.resources is written to the controllers and really
# bites (OOM kill, fork bomb, CPU throttling); cgroupsPath relative,
# absolute and systemd-style; pause/resume, update, ps, events; delete
# removes every cgroup it made.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-runtime

setup_file() {
	ensure_fixtures
}

setup() {
	require_root
	rt_setup
	CG="pea-test-$$-$BATS_TEST_NUMBER"
}

teardown() {
	local rc=0
	rt_teardown || rc=1
	rt_cgroups_gone "$CG" 2>/dev/null || true
	return "$rc"
}

@test "resources keys that differ only in case are taken as runc (Go's json) takes them" {
	make_bundle "$RT_B" sleep 100000
	bundle_set "$RT_B" '.linux.cgroupsPath = "/\($cg)/c" | .linux.resources.cpu = {shares: 512}
		| .linux.resources.CPU = {Cpus: "0", Mems: "0"} | .linux.resources.Pids = {LIMIT: 42}' --arg cg "$CG"
	run -0 rt_reaped run -d -b "$RT_B" ck
	local c=/sys/fs/cgroup
	run -0 cat $c/cpu/$CG/c/cpu.shares $c/cpuset/$CG/c/cpuset.cpus $c/pids/$CG/c/pids.max
	assert_output $'512\n0\n42'
	run -0 rt update -r - ck <<<'{"PIDS": {"Limit": 43}}'
	run -0 cat $c/pids/$CG/c/pids.max
	assert_output 43
	# a key that is no known one in any case is still refused
	run -1 rt update -r - ck <<<'{"pidz": {"limit": 44}}'
	assert_output --partial "pidz: unknown or unsupported field"
	run -0 rt delete -f ck
	rt_cgroups_gone "$CG"
}

@test "resources keys that differ only in case: the later one in the document wins, as in Go" {
	make_bundle "$RT_B" sleep 100000
	bundle_set "$RT_B" '.linux.cgroupsPath = "/\($cg)/c" | .linux.resources.CPU = {Shares: 256, cpus: "0"}
		| .linux.resources.cpu = {shares: 512} | .linux.resources.PIDS = {limit: 41}
		| .linux.resources.pids = {limit: 42}' --arg cg "$CG"
	run -0 rt_reaped run -d -b "$RT_B" ck2
	local c=/sys/fs/cgroup
	run -0 cat $c/cpu/$CG/c/cpu.shares $c/cpuset/$CG/c/cpuset.cpus $c/pids/$CG/c/pids.max
	assert_output $'512\n0\n42'
	run -0 rt update -r - ck2 <<<'{"pids": {"limit": 50}, "Pids": {"LIMIT": 44}}'
	run -0 cat $c/pids/$CG/c/pids.max
	assert_output 44
	run -0 rt delete -f ck2
	rt_cgroups_gone "$CG"
}

@test "linux.resources is written to every v1 controller" {
	local dev major minor
	dev="$(lsblk -dno MAJ:MIN | head -1 | tr -d ' ')"
	major="${dev%:*}" minor="${dev#*:}"
	make_bundle "$RT_B" sleep 100000
	bundle_set "$RT_B" '.linux.cgroupsPath = "/\($cg)/c" | .linux.resources += {
		memory: {limit: 67108864, reservation: 33554432, swap: 134217728, swappiness: 10},
		cpu: {shares: 512, quota: 50000, period: 100000, cpus: "0", mems: "0"},
		pids: {limit: 42},
		blockIO: {weight: 300, throttleReadBpsDevice: [{major: $ma, minor: $mi, rate: 1048576}]},
		hugepageLimits: [{pageSize: "2MB", limit: 0}]
	}' --arg cg "$CG" --argjson ma "$major" --argjson mi "$minor"
	run -0 rt_reaped run -d -b "$RT_B" r1
	local c=/sys/fs/cgroup
	run -0 cat $c/memory/$CG/c/memory.limit_in_bytes $c/memory/$CG/c/memory.soft_limit_in_bytes \
		$c/memory/$CG/c/memory.memsw.limit_in_bytes $c/memory/$CG/c/memory.swappiness
	assert_output $'67108864\n33554432\n134217728\n10'
	run -0 cat $c/cpu/$CG/c/cpu.shares $c/cpu/$CG/c/cpu.cfs_quota_us $c/cpu/$CG/c/cpu.cfs_period_us \
		$c/cpuset/$CG/c/cpuset.cpus $c/pids/$CG/c/pids.max $c/hugetlb/$CG/c/hugetlb.2MB.limit_in_bytes
	assert_output $'512\n50000\n100000\n0\n42\n0'
	run -0 cat $c/blkio/$CG/c/blkio.throttle.read_bps_device
	assert_output "$major:$minor 1048576"
	# the init is in the container's cgroup of every hierarchy
	local pid
	pid="$(rt_state r1 pid)"
	run -0 cat /proc/"$pid"/cgroup
	assert_output --partial "memory:/$CG/c"
	assert_output --partial "pids:/$CG/c"
	assert_output --partial "0::/$CG/c"
	run -0 rt delete -f r1
	rt_cgroups_gone "$CG"
}

@test "v1: a limit set alone is written to its hierarchy (those with nothing to write are not opened)" {
	local dev major minor c=/sys/fs/cgroup n=0 res file want
	[[ -d $c/memory && -d $c/cpu && -d $c/pids ]] || skip "expected: cgroup v1 controllers (this is a pure cgroup2 host)"
	dev="$(lsblk -dno MAJ:MIN | head -1 | tr -d ' ')"
	major="${dev%:*}" minor="${dev#*:}"
	make_bundle "$RT_B" sleep 100000
	# RESOURCES FILE VALUE, one container each: the one limit, in its file
	while IFS='|' read -r res file want; do
		n=$((n + 1))
		bundle_set "$RT_B" '.linux.cgroupsPath = "/\($cg)/c\($n)" | .linux.resources = ($r | fromjson)' \
			--arg cg "$CG" --arg n "$n" --arg r "$res"
		run -0 rt_reaped run -d -b "$RT_B" "a$n"
		run -0 cat "$c/${file%%/*}/$CG/c$n/${file#*/}"
		assert_output --partial "$want"
		run -0 rt delete -f "a$n"
	done <<-EOF
		{"memory": {"swappiness": 7}}|memory/memory.swappiness|7
		{"memory": {"reservation": 33554432}}|memory/memory.soft_limit_in_bytes|33554432
		{"memory": {"disableOOMKiller": true}}|memory/memory.oom_control|oom_kill_disable 1
		{"cpu": {"shares": 256}}|cpu/cpu.shares|256
		{"cpu": {"cpus": "0"}}|cpuset/cpuset.cpus|0
		{"pids": {"limit": 17}}|pids/pids.max|17
		{"blockIO": {"throttleWriteIOPSDevice": [{"major": $major, "minor": $minor, "rate": 99}]}}|blkio/blkio.throttle.write_iops_device|$major:$minor 99
		{"hugepageLimits": [{"pageSize": "2MB", "limit": 0}]}|hugetlb/hugetlb.2MB.limit_in_bytes|0
	EOF
	# nothing but devices: every hierarchy made and joined, none of its limits changed
	bundle_set "$RT_B" '.linux.cgroupsPath = "/\($cg)/none" | .linux.resources = {}' --arg cg "$CG"
	run -0 rt_reaped run -d -b "$RT_B" none
	run -0 cat "$c/pids/$CG/none/pids.max" "$c/memory/$CG/none/memory.swappiness" \
		"$c/hugetlb/$CG/none/hugetlb.2MB.limit_in_bytes"
	assert_line --index 0 max
	assert_line --index 1 "$(cat "$c/memory/memory.swappiness")"
	refute_line --index 2 0
	run -0 cat "/proc/$(rt_state none pid)/cgroup"
	assert_output --partial "pids:/$CG/none"
	assert_output --partial "hugetlb:/$CG/none"
	run -0 rt delete -f none
	rt_cgroups_gone "$CG"
}

@test "v1: memory.swap with a limit is written, without a warning where the host accounts swap" {
	local c=/sys/fs/cgroup
	[[ -e $c/memory/memory.memsw.limit_in_bytes ]] || skip "expected: no v1 swap accounting on this host"
	make_bundle "$RT_B" sleep 100000
	bundle_set "$RT_B" '.linux.cgroupsPath = "/\($cg)/sw" | .linux.resources = {"memory": {"limit": 67108864, "swap": 134217728}}' \
		--arg cg "$CG"
	run -0 rt_reaped run -d -b "$RT_B" sw
	refute_output --partial "swap accounting"
	run -0 cat "$c/memory/$CG/sw/memory.memsw.limit_in_bytes" "$c/memory/$CG/sw/memory.limit_in_bytes"
	assert_output $'134217728\n67108864'
	run -0 rt delete -f sw
	rt_cgroups_gone "$CG"
}

@test "the devices cgroup denies what is not allowed" {
	make_bundle "$RT_B" sh -c 'head -c1 /dev/zero | wc -c; mknod /dev/m c 1 1 && head -c1 /dev/m || echo denied'
	bundle_set "$RT_B" '.linux.cgroupsPath = $cg | .process.capabilities.bounding += ["CAP_MKNOD"] |
		.process.capabilities.effective += ["CAP_MKNOD"] | .process.capabilities.permitted += ["CAP_MKNOD"]' --arg cg "$CG"
	run -0 rt run -b "$RT_B" d1
	assert_line 1
	assert_line --partial denied
	rt_cgroups_gone "$CG"
}

@test "cgroupsPath: relative, absolute, --systemd-cgroup slice:prefix:name, default /ID" {
	make_bundle "$RT_B" cat /proc/self/cgroup
	bundle_set "$RT_B" '.linux.cgroupsPath = $cg' --arg cg "$CG/rel"
	run -0 rt run -b "$RT_B" p1
	assert_line "8:pids:/$CG/rel"
	bundle_set "$RT_B" '.linux.cgroupsPath = $cg' --arg cg "/$CG/abs"
	run -0 rt run -b "$RT_B" p2
	assert_line "8:pids:/$CG/abs"
	local sl="peatest$$"
	bundle_set "$RT_B" '.linux.cgroupsPath = $cg' --arg cg "$sl-a-b.slice:pea:c1"
	run -0 "$PEA_RUNTIME" --root "$RT_ROOT" --systemd-cgroup run -b "$RT_B" p3
	assert_line "8:pids:/$sl.slice/$sl-a.slice/$sl-a-b.slice/pea-c1.scope"
	rt_cgroups_gone "$sl.slice"
	bundle_set "$RT_B" 'del(.linux.cgroupsPath)'
	run -0 rt run -b "$RT_B" "$CG"
	assert_line "8:pids:/$CG"
	rt_cgroups_gone "$CG"
}

@test "bad resources and cgroupsPath are refused, nothing is left" {
	make_bundle "$RT_B" true
	bundle_set "$RT_B" '.linux.resources.memory = {limit: 10, swap: 5}'
	run -1 rt run -b "$RT_B" b1
	assert_output --partial 'linux.resources.memory: limit 10 is below one page'
	bundle_set "$RT_B" '.linux.resources.memory = {limiit: 1}'
	run -1 rt run -b "$RT_B" b1
	assert_output --partial 'linux.resources.memory.limiit: unknown or unsupported field'
	bundle_set "$RT_B" '.linux.resources.memory = {} | .linux.resources.cpu = {shares: 1}'
	run -1 rt run -b "$RT_B" b1
	assert_output --partial 'linux.resources.cpu: shares must be 2 to 262144'
	bundle_set "$RT_B" '.linux.resources.cpu = {cpus: "zero"}'
	run -1 rt run -b "$RT_B" b1
	assert_output --partial "cpus: 'zero' is not a list"
	bundle_set "$RT_B" '.linux.resources.cpu = {} | .linux.resources.unified = {"memory.max": "1G"} |
		.linux.cgroupsPath = $cg' --arg cg "$CG"
	run -1 rt run -b "$RT_B" b1
	assert_output --partial 'invalid configuration: linux.resources.unified needs cgroup v2, this host is hybrid'
	rt_cgroups_gone "$CG"
	bundle_set "$RT_B" 'del(.linux.resources.unified) | .linux.resources.hugepageLimits = [{pageSize: "3XB", limit: 1}]'
	run -1 rt run -b "$RT_B" b1
	assert_output --partial "pageSize '3XB' is not like 2MB"
	bundle_set "$RT_B" 'del(.linux.resources.hugepageLimits) | .linux.cgroupsPath = "/a/../b"'
	run -1 rt run -b "$RT_B" b1
	assert_output --partial "linux.cgroupsPath '/a/../b': no '.' or '..' components"
	bundle_set "$RT_B" '.linux.cgroupsPath = "bad"'
	run -1 "$PEA_RUNTIME" --root "$RT_ROOT" --systemd-cgroup run -b "$RT_B" b1
	assert_output --partial "must be slice:prefix:name"
	# a write the kernel refuses names the file, and the cgroups made go away
	bundle_set "$RT_B" '.linux.cgroupsPath = $cg | .linux.resources.cpu = {cpus: "4096"}' --arg cg "$CG/x"
	run -1 rt run -b "$RT_B" b1
	assert_output --partial "write cpuset.cpus"
	rt_cgroups_gone "$CG"
	rt_no_leftovers b1
}

@test "memory limit: a memory hog is OOM-killed and events report it" {
	make_bundle "$RT_B" sh -c 'tail /dev/zero'
	bundle_set "$RT_B" '.linux.cgroupsPath = $cg | .linux.resources.memory = {limit: 33554432, swap: 33554432}' --arg cg "$CG"
	run -137 rt run -b "$RT_B" --keep m1
	run -0 rt events --stats m1
	run -0 jq -e 'select(.type == "stats") | .data.memory.outOfMemoryKills >= 1 and .data.memory.usage.limit == 33554432' <<<"$output"
	run -0 rt events --interval 100ms m1
	assert_line --partial '"type":"oom"'
	run -0 rt delete m1
	rt_cgroups_gone "$CG"
}

@test "events: an OOM kill is told before the next stats, and the stream ends when the container is deleted" {
	make_bundle "$RT_B" sleep 100000
	bundle_set "$RT_B" '.linux.cgroupsPath = $cg | .linux.resources.memory = {limit: 33554432, swap: 33554432}' --arg cg "$CG"
	run -0 rt_reaped run -d -b "$RT_B" eo
	timeout -k 5 30 "$PEA_RUNTIME" --root "$RT_ROOT" events --interval 1m eo >"$TEST_DIR/events" 2>&1 3>&- &
	local events=$!
	for _ in $(seq 1 100); do grep -q '"stats"' "$TEST_DIR/events" && break; sleep 0.05; done
	rt exec -d eo sh -c 'x=$(tail /dev/zero)' </dev/null >/dev/null 2>&1
	for _ in $(seq 1 100); do grep -q '"oom"' "$TEST_DIR/events" && break; sleep 0.05; done
	run -0 grep -c '"type":"oom","id":"eo"' "$TEST_DIR/events"
	# events holds no lock on the container: delete goes ahead, and events ends
	run -0 timeout -k 5 10 "$PEA_RUNTIME" --root "$RT_ROOT" delete -f eo
	run -0 timeout -k 5 10 tail --pid="$events" -f /dev/null
	wait "$events"
	rt_cgroups_gone "$CG"
}

@test "v1: the cgroup mount shows the container's own cgroups; delete removes those it made below" {
	[[ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ]] || skip_expected "a cgroup v1 or hybrid host"
	make_bundle "$RT_B" sleep 100000
	bundle_set "$RT_B" '.linux.cgroupsPath = $cg | .linux.namespaces |= map(select(.type != "cgroup"))
		| .mounts |= map(if .type == "cgroup" then .options -= ["ro"] else . end)' --arg cg "$CG"
	run -0 rt_reaped run -d -b "$RT_B" cm
	# the mounts are made once the init is in its cgroups, never in the caller's
	run -0 rt exec cm awk '$5 ~ "^/sys/fs/cgroup/(memory|pids|cpu)$" { print $4, $5 }' /proc/self/mountinfo
	assert_line "/$CG /sys/fs/cgroup/memory"
	assert_line "/$CG /sys/fs/cgroup/pids"
	assert_line "/$CG /sys/fs/cgroup/cpu"
	run -0 rt exec cm sh -c 'mkdir -p /sys/fs/cgroup/memory/a/b /sys/fs/cgroup/pids/a && echo $$ >/sys/fs/cgroup/pids/a/cgroup.procs && exec sleep 100000' &
	local ex=$!
	for _ in $(seq 1 100); do [[ -s "/sys/fs/cgroup/pids/$CG/a/cgroup.procs" ]] && break; sleep 0.05; done
	[[ -d "/sys/fs/cgroup/memory/$CG/a/b" ]]
	run -0 timeout -k 5 20 "$PEA_RUNTIME" --root "$RT_ROOT" delete -f cm
	wait "$ex" || true
	rt_cgroups_gone "$CG"
	rt_no_leftovers cm
}

@test "no cgroup mount nor namespace: createContainer hooks and the process run in the container's cgroups" {
	make_bundle "$RT_B" cat /proc/self/cgroup
	# the init mounts while it is moved, and waits for the move before the hooks
	bundle_set "$RT_B" '.linux.cgroupsPath = $cg | .linux.namespaces |= map(select(.type != "cgroup"))
		| .mounts |= map(select(.type != "cgroup" and .type != "cgroup2"))
		| .hooks.createContainer = [{path: "/bin/sh", args: ["sh", "-c", $hook]}]' \
		--arg cg "$CG" --arg hook "cat /proc/self/cgroup >$TEST_DIR/hook-cgroup"
	local ctrl
	for ctrl in memory pids; do
		[[ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ]] || ctrl=""
		run -0 rt_reaped run -b "$RT_B" late
		assert_line --regexp "^[0-9]+:$ctrl:/$CG\$"
		run -0 cat "$TEST_DIR/hook-cgroup"
		assert_line --regexp "^[0-9]+:$ctrl:/$CG\$"
		rt_cgroups_gone "$CG"
	done
}

@test "as runc: access letters but r, w, m dropped; pre-made cgroups filled (cpuset) and removed; --memory -1 lifts swap" {
	local d
	# the parent and the container's own cgroup made beforehand (as a pod's are), cpuset left empty
	for d in $(awk '{ for (i = 7; $i != "-"; i++); if ($(i + 1) == "cgroup") print $5 }' /proc/self/mountinfo); do
		mkdir -p "$d/$CG/c"
	done
	make_bundle "$RT_B" sleep 100000
	bundle_set "$RT_B" '.linux.cgroupsPath = "/\($cg)/c"
		| .linux.resources.memory = {limit: 67108864, swap: 134217728}
		| .linux.resources.devices += [{allow: false, type: "c", major: 1, minor: 11, access: "rwa"}]' --arg cg "$CG"
	run -0 rt_reaped run -d -b "$RT_B" pm
	assert_output --partial "access 'rwa': only r, w and m mean something, ignoring"
	run -0 cat "/sys/fs/cgroup/cpuset/$CG/cpuset.cpus" "/sys/fs/cgroup/cpuset/$CG/c/cpuset.cpus"
	assert_equal "${lines[0]}" "$(cat /sys/fs/cgroup/cpuset/cpuset.cpus)"
	assert_equal "${lines[1]}" "${lines[0]}"
	if [[ -e "/sys/fs/cgroup/memory/$CG/c/memory.memsw.limit_in_bytes" ]]; then
		run -0 rt update pm --memory -1
		run -0 cat "/sys/fs/cgroup/memory/$CG/c/memory.limit_in_bytes" "/sys/fs/cgroup/memory/$CG/c/memory.memsw.limit_in_bytes"
		assert_equal "${lines[0]}" "${lines[1]}"
		assert_equal "${lines[0]}" "$(cat /sys/fs/cgroup/memory/memory.limit_in_bytes)"
	fi
	run -0 rt delete -f pm
	# the container's cgroups went with it; the parents are still the maker's
	run ! ls -d /sys/fs/cgroup/*/"$CG"/c
	for d in /sys/fs/cgroup/*/"$CG"; do rmdir "$d"; done
	rt_cgroups_gone "$CG"
	bundle_set "$RT_B" '.linux.resources.devices[-1].access = "xa"'
	run ! rt_reaped run -d -b "$RT_B" pm2
	assert_output --partial "access 'xa' has none of r, w, m"
	rt_no_leftovers pm2
}

@test "as runc: a node of linux.devices is not allowed by itself; a shorter period under a parent's quota goes after the quota" {
	mkdir -p "/sys/fs/cgroup/cpu/$CG"
	echo 50000 >"/sys/fs/cgroup/cpu/$CG/cpu.cfs_quota_us"
	make_bundle "$RT_B" sleep 100000
	bundle_set "$RT_B" '.linux.cgroupsPath = "/\($cg)/c"
		| .linux.resources.devices = [{allow: false, access: "rwm"}]
		| .linux.devices = [{path: "/dev/kmsg", type: "c", major: 1, minor: 11}]
		| .process.capabilities |= with_entries(.value += ["CAP_SYSLOG"])' --arg cg "$CG"
	run -0 rt_reaped run -d -b "$RT_B" dk
	run -1 rt exec dk head -c 1 /dev/kmsg
	assert_output --partial "Operation not permitted"
	# 60% over the parent's 50% is refused; 30% with a shorter period is fine
	run -1 rt update --cpu-quota 60000 dk
	run -0 rt update --cpu-period 10000 --cpu-quota 3000 dk
	run -0 cat "/sys/fs/cgroup/cpu/$CG/c/cpu.cfs_period_us" "/sys/fs/cgroup/cpu/$CG/c/cpu.cfs_quota_us"
	assert_output $'10000\n3000'
	run -0 rt delete -f dk
	rmdir "/sys/fs/cgroup/cpu/$CG"
	rt_cgroups_gone "$CG"
}

@test "exec into a paused container is refused; a shared cgroup is warned about" {
	make_bundle "$RT_B" sleep 100000
	bundle_set "$RT_B" '.linux.cgroupsPath = $cg' --arg cg "$CG"
	run -0 rt_reaped run -d -b "$RT_B" pz
	run -0 rt pause pz
	run -255 rt exec pz echo ok
	assert_output --partial "cannot exec in a paused container"
	# runc's --ignore-paused: the process runs once resumed (resume shares the lock exec holds)
	timeout -k 5 60 "$PEA_RUNTIME" --root "$RT_ROOT" exec --ignore-paused pz echo ok >"$TEST_DIR/ip.out" 2>&1 3>&- &
	local pid=$!
	run -0 rt state pz
	[[ ! -s "$TEST_DIR/ip.out" ]]
	run -0 timeout -k 5 30 "$PEA_RUNTIME" --root "$RT_ROOT" resume pz
	wait "$pid"
	run -0 cat "$TEST_DIR/ip.out"
	assert_output ok
	# a second container in the same cgroup runs, with runc's warning
	run -0 rt_reaped run -d -b "$RT_B" pz2
	assert_output --partial "container's cgroup is not empty: 1 process(es) found"
	run -0 rt delete -f pz2
	run -0 rt delete -f pz
	rt_cgroups_gone "$CG"
}

@test "a frozen cgroup made beforehand is refused at once and left as it is" {
	mkdir -p "/sys/fs/cgroup/freezer/$CG"
	echo FROZEN >"/sys/fs/cgroup/freezer/$CG/freezer.state"
	make_bundle "$RT_B" true
	bundle_set "$RT_B" '.linux.cgroupsPath = $cg' --arg cg "$CG"
	run -1 timeout -k 5 20 "$PEA_RUNTIME" --root "$RT_ROOT" run -b "$RT_B" fz
	assert_output --partial "container's cgroup unexpectedly frozen"
	run -0 cat "/sys/fs/cgroup/freezer/$CG/freezer.state"
	assert_output FROZEN
	rmdir "/sys/fs/cgroup/freezer/$CG"
	rt_cgroups_gone "$CG"
	rt_no_leftovers fz
}

@test "delete -f of an init frozen in a freezer cgroup not the container's: refused at once, naming it; state kept until a thaw" {
	# crun 1.8.1's test_delete moves the init there: pea-runtime waited 10 s
	# for a death that needs someone else's thaw, then "still alive"
	rt_is_pea || skip_expected "crun returns 0 and leaves the init and its cgroups"
	make_bundle "$RT_B" sleep 1000
	run -0 rt_reaped run -d -b "$RT_B" fz2
	pid=$(rt state fz2 | jq -r .pid)
	mkdir -p "/sys/fs/cgroup/freezer/$CG"
	echo "$pid" >"/sys/fs/cgroup/freezer/$CG/tasks"
	echo FROZEN >"/sys/fs/cgroup/freezer/$CG/freezer.state"
	SECONDS=0
	run -1 rt delete -f fz2
	echo THAWED >"/sys/fs/cgroup/freezer/$CG/freezer.state"
	assert_output "pea-runtime: container 'fz2': its init (pid $pid) is frozen in freezer cgroup '/$CG', not the container's: it dies once that is thawed; state kept, delete --force again then"
	((SECONDS < 5))
	run -0 rt delete -f fz2
	rmdir "/sys/fs/cgroup/freezer/$CG"
	rt_no_leftovers fz2
}

@test "delete -f of a paused container whose thaw fails: its own freezer cgroup is not named as another's" {
	rt_is_pea || skip_expected "pea-runtime's message"
	[[ -d /sys/fs/cgroup/freezer ]] || skip_expected "no v1 freezer hierarchy"
	make_bundle "$RT_B" sleep 100000
	bundle_set "$RT_B" '.linux.cgroupsPath = $cg' --arg cg "$CG"
	run -0 rt_reaped run -d -b "$RT_B" fz3
	run -0 rt pause fz3
	# the thaw's write into its freezer.state refused (strace's injection)
	run ! strace -f -qq -o /dev/null -P "/sys/fs/cgroup/freezer/$CG/freezer.state" \
		-e trace=write -e inject=write:error=EACCES "$PEA_RUNTIME" --root "$RT_ROOT" delete --force fz3
	refute_output --partial "not the container's"
	assert_output --partial "container 'fz3': still alive after SIGKILL"
	echo THAWED >"/sys/fs/cgroup/freezer/$CG/freezer.state"
	run -0 rt delete --force fz3
	rt_no_leftovers fz3
}

@test "pids limit stops a fork bomb" {
	make_bundle "$RT_B" sh -c 'for i in $(seq 1 40); do sleep 1 & done; wait'
	bundle_set "$RT_B" '.linux.cgroupsPath = $cg | .linux.resources.pids = {limit: 10}' --arg cg "$CG"
	run ! rt run -b "$RT_B" --keep f1
	assert_output --partial "can't fork"
	run -0 awk '$1 == "max" { print ($2 > 0) }' "/sys/fs/cgroup/pids/$CG/pids.events"
	assert_output 1
	run -0 rt events --stats f1
	run -0 jq -e '.data.pids.limit == 10' <<<"$output"
	run -0 rt delete f1
	rt_cgroups_gone "$CG"
}

@test "cpu quota throttles (cpu.stat nr_throttled)" {
	make_bundle "$RT_B" sh -c 'while :; do :; done'
	bundle_set "$RT_B" '.linux.cgroupsPath = $cg | .linux.resources.cpu = {quota: 10000, period: 100000}' --arg cg "$CG"
	run -0 rt_reaped run -d -b "$RT_B" q1
	sleep 0.5
	run -0 rt events --stats q1
	run -0 jq -e '.data.cpu.throttling.throttledPeriods > 0 and .data.cpu.usage.total > 0' <<<"$output"
	run -0 awk '$1 == "nr_throttled" { print ($2 > 0) }' "/sys/fs/cgroup/cpu/$CG/cpu.stat"
	assert_output 1
	run -0 rt delete -f q1
	rt_cgroups_gone "$CG"
}

@test "pause, resume, ps, update" {
	make_bundle "$RT_B" sh -c 'sleep 100000 & sleep 100000'
	bundle_set "$RT_B" '.linux.cgroupsPath = $cg' --arg cg "$CG"
	run -0 rt_reaped run -d -b "$RT_B" u1
	run -0 rt ps --format json u1
	run -0 jq -e --argjson pid "$(rt_state u1 pid)" 'length >= 2 and index($pid) != null' <<<"$output"
	run -0 rt ps u1
	assert_line --index 0 --partial PID
	assert_output --partial 'sleep 100000'
	run -0 rt pause u1
	run -0 rt_state u1 status
	assert_output paused
	run -0 cat "/sys/fs/cgroup/freezer/$CG/freezer.state"
	assert_output FROZEN
	run -1 rt pause u1
	assert_output --partial "container 'u1' is paused, not running"
	run -0 rt resume u1
	run -0 rt_state u1 status
	assert_output running
	run -1 rt resume u1
	assert_output --partial "is running, not paused"
	run -0 rt update --memory 64m --cpu-quota 20000 --cpu-period 100000 --cpu-shares 256 --pids-limit 50 u1
	run -0 cat /sys/fs/cgroup/memory/$CG/memory.limit_in_bytes /sys/fs/cgroup/cpu/$CG/cpu.cfs_quota_us \
		/sys/fs/cgroup/cpu/$CG/cpu.shares /sys/fs/cgroup/pids/$CG/pids.max
	assert_output $'67108864\n20000\n256\n50'
	echo '{"memory": {"limit": 50331648}, "pids": {"limit": 0}}' | rt update --resources - u1
	run -0 cat /sys/fs/cgroup/memory/$CG/memory.limit_in_bytes /sys/fs/cgroup/pids/$CG/pids.max
	assert_output $'50331648\nmax'
	if rt_is_pea; then
		# the state records the resources as updated, merged over config.json's
		run -0 jq -c '.resources | [.memory.limit, .cpu.quota, .cpu.period, .cpu.shares, .pids.limit]' \
			"$RT_ROOT/u1/state.json"
		assert_output '[50331648,20000,100000,256,0]'
	fi
	# one half of a pair: the other is the container's current one
	run -0 rt update --cpu-period 50000 u1
	run -0 cat /sys/fs/cgroup/cpu/$CG/cpu.cfs_quota_us /sys/fs/cgroup/cpu/$CG/cpu.cfs_period_us
	assert_output $'20000\n50000'
	run -2 rt update --memory lots u1
	assert_output --partial "--memory: 'lots' is not a size"
	run -1 rt update -r <(echo '{"cpu": {"quota": 5}}') u1
	assert_output --partial 'quota must be at least 1000'
	if rt_is_pea; then
		run -1 rt update -r <(echo '{"network": {"classID": 1048577}}') u1
		assert_output --partial 'network: not supported by pea-runtime (net_cls/net_prio)'
		run -1 rt update -r <(echo '{"rdma": {"mlx5_1": {"hcaHandles": 3}}}') u1
		assert_output --partial 'rdma: not supported by pea-runtime'
	fi
	# a paused container is deleted with --force too
	run -0 rt pause u1
	run -1 rt delete u1
	run -0 rt delete -f u1
	rt_cgroups_gone "$CG"
	rt_no_leftovers u1
}

@test "events --interval streams stats until the container stops" {
	make_bundle "$RT_B" sleep 0.6
	bundle_set "$RT_B" '.linux.cgroupsPath = $cg' --arg cg "$CG"
	run -0 rt_reaped run -d -b "$RT_B" e1
	run -0 timeout -k 5 10 "$PEA_RUNTIME" --root "$RT_ROOT" events --interval 100ms e1
	(( ${#lines[@]} >= 3 ))
	run -0 jq -s -e 'all(.[]; .type == "stats" and .id == "e1" and (.data.pids | has("current")))' <<<"$output"
	# no stats line looks like the oom event to a grep (runc's tests wait with one)
	refute_output --partial oom
	run -2 rt events --interval never e1
	run -0 rt delete e1
	rt_cgroups_gone "$CG"
}

@test "every hierarchy, the cgroup2 one too: the init, its hooks and an exec'd process are in the container's cgroups" {
	# root: the init joins the v1 ones itself (no grace period) and is cloned into cgroup2
	make_bundle "$RT_B" sleep 100000
	bundle_set "$RT_B" '.linux.cgroupsPath = $cg
		| .hooks.createContainer = [{path: "/bin/sh", args: ["sh", "-c", $hook]}]' \
		--arg cg "$CG" --arg hook "cat /proc/self/cgroup >$TEST_DIR/hook-cgroup"
	run -0 rt_reaped run -d -b "$RT_B" every
	local pid n
	pid=$(rt_state every pid)
	n=$(grep -c . /proc/self/cgroup)
	run -0 cat "/proc/$pid/cgroup"
	assert_equal "${#lines[@]}" "$n"
	[[ -s "$TEST_DIR/hook-cgroup" ]]
	run ! grep -v ":/$CG\$" "/proc/$pid/cgroup" "$TEST_DIR/hook-cgroup"
	assert_output ""
	run -0 rt exec every cat /proc/self/cgroup
	assert_equal "${#lines[@]}" "$n"
	run ! grep -v ":/$CG\$" <<<"$output"
	assert_output ""
	run -0 timeout -k 5 20 "$PEA_RUNTIME" --root "$RT_ROOT" delete -f every
	rt_cgroups_gone "$CG"
	rt_no_leftovers every
}
