#!/usr/bin/env bats
# pea run/create: capabilities, --privileged, --security-opt, --device,
# --group-add, --sysctl, --shm-size, --ulimit, cpu/memory/oom limits (read back
# from the container's cgroup v1 or v2 files and seen to bite), --env-host,
# --init, and their bad values (podman-run(1)).
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

@test "--cap-add, --cap-drop (ALL, with or without CAP_), --privileged" {
	# CAP_NET_ADMIN is bit 12
	run -0 pea_cmd run --rm --cap-drop ALL --cap-add net_admin busybox grep CapEff /proc/self/status
	assert_output --regexp 'CapEff:[[:space:]]+0000000000001000$'
	run -1 pea_cmd run --rm --cap-drop CAP_CHOWN busybox sh -c 'touch /f; chown 1 /f'
	assert_output --partial "Operation not permitted"
	run -0 pea_cmd run --rm busybox sh -c 'touch /f; chown 1 /f'
	# ALL and --privileged: every capability pea itself has
	own=$(awk '/^CapBnd/ {print $2}' /proc/self/status)
	run -0 pea_cmd run --rm --cap-add ALL busybox grep CapEff /proc/self/status
	assert_output --regexp "CapEff:[[:space:]]+$own\$"
	run -0 pea_cmd run --rm --privileged busybox sh -c 'grep CapEff /proc/self/status; grep " /sys " /proc/mounts; test -c /proc/keys || echo unmasked; ls /dev | wc -l'
	assert_line --index 0 --regexp "CapEff:[[:space:]]+$own\$"
	assert_line --index 1 --partial "sysfs /sys sysfs rw,"
	assert_line --index 2 unmasked
	(( ${lines[3]} > 20 ))
	run -0 pea_cmd run --rm busybox sh -c 'test -c /proc/keys && echo masked; ls /dev | wc -l'
	assert_line --index 0 masked
	(( ${lines[1]} < 20 ))
}

@test "--security-opt no-new-privileges, seccomp=FILE, mask, unmask, label, apparmor" {
	run -0 pea_cmd run --rm --security-opt no-new-privileges busybox grep NoNewPrivs /proc/self/status
	assert_output --regexp 'NoNewPrivs:[[:space:]]+1$'
	cat >"$TEST_DIR/seccomp.json" <<-'EOF'
	{"defaultAction": "SCMP_ACT_ALLOW",
	 "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86"]}],
	 "syscalls": [
	  {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1},
	  {"names": ["chmod", "fchmodat"], "action": "SCMP_ACT_ERRNO", "includes": {"caps": ["CAP_SYS_ADMIN"]}}]}
	EOF
	# the chmod rule holds only with CAP_SYS_ADMIN (podman's includes)
	run -1 pea_cmd run --rm --security-opt "seccomp=$TEST_DIR/seccomp.json" busybox sh -c 'grep Seccomp: /proc/self/status; chmod 700 /tmp && echo chmod-ok; mkdir /tmp/x'
	assert_line --index 0 --regexp 'Seccomp:[[:space:]]+2$'
	assert_line --index 1 chmod-ok
	assert_line --index 2 --partial "Operation not permitted"
	run -1 pea_cmd run --rm --cap-add SYS_ADMIN --security-opt "seccomp=$TEST_DIR/seccomp.json" busybox chmod 700 /tmp
	run -0 pea_cmd run --rm --security-opt seccomp=unconfined busybox grep Seccomp: /proc/self/status
	assert_output --regexp 'Seccomp:[[:space:]]+0$'
	run -0 pea_cmd run --rm --security-opt unmask=/proc/keys --security-opt mask=/proc/version busybox sh -c 'test -c /proc/keys || echo unmasked; cat /proc/version | wc -c'
	assert_output "unmasked
0"
	run -0 pea_cmd run --rm --security-opt unmask=ALL busybox sh -c 'test -c /proc/keys || echo unmasked'
	assert_output unmasked
	run -0 pea_cmd run --rm --security-opt label=disable --security-opt apparmor=unconfined busybox true
}

@test "--device HOST:CTR:PERMS makes the node; the permissions bite (pea-runtime and crun)" {
	run -0 pea_cmd run --rm --device /dev/loop-control:/dev/lc busybox sh -c 'ls -l /dev/lc; exec 3>/dev/lc && echo write-ok'
	assert_line --index 0 --regexp '^crw------- +1 root +root +10, +237 '
	assert_line --index 1 write-ok
	local rt
	for rt in "$PEA_RUNTIME" /usr/bin/crun; do
		run -1 pea_cmd --runtime "$rt" run --rm --device /dev/loop-control:/dev/lc:r busybox sh -c 'exec 3</dev/lc && echo read-ok; exec 4>/dev/lc && echo write-ok'
		assert_line --index 0 read-ok
		assert_output --partial "Operation not permitted"
		refute_output --partial write-ok
	done
}

@test "--group-add, --sysctl, --shm-size, --oom-score-adj, --ulimit (clamped with a warning)" {
	run -0 pea_cmd run --rm --group-add 10 --group-add nobody busybox id -G
	assert_output "0 10 65534"
	run -0 pea_cmd run --rm --sysctl kernel.msgmax=4096 --sysctl net.ipv4.ip_forward=1 busybox sh -c 'cat /proc/sys/kernel/msgmax /proc/sys/net/ipv4/ip_forward'
	assert_output "4096
1"
	run -0 pea_cmd run --rm --shm-size 10m busybox grep " /dev/shm " /proc/mounts
	assert_output --partial "size=10240k"
	run -0 pea_cmd run --rm --oom-score-adj 500 busybox cat /proc/self/oom_score_adj
	assert_output 500
	run -0 pea_cmd run --rm --ulimit nofile=1000:2000 --ulimit core=-1 busybox sh -c 'ulimit -n; ulimit -Hn; ulimit -c'
	assert_output "1000
2000
unlimited"
	# above the hard limit pea has: clamped, with a warning, never failing
	hard=$(ulimit -Hn)
	run -0 --separate-stderr pea_cmd run --rm --ulimit "nofile=$((hard + 10)):$((hard + 10))" busybox sh -c 'ulimit -Hn'
	assert_output "$hard"
	assert_equal "$stderr" "pea: warning: --ulimit nofile: the hard limit $((hard + 10)) is above pea's own ($hard), which it cannot raise: using $hard"
}

@test "--cpus, --cpu-shares, --cpuset-cpus, -m, --memory-swap, --memory-reservation: in the cgroup, and they bite" {
	run -0 pea_cmd run -d --name lim --cpus 0.05 --cpu-shares 512 --cpuset-cpus 0 -m 64m --memory-swap 128m --memory-reservation 32m busybox sh -c 'while :; do :; done'
	id=$output
	assert_equal "$(cat "$(cgfile cpu cpu.cfs_quota_us "$id")")" 5000
	assert_equal "$(cat "$(cgfile cpu cpu.cfs_period_us "$id")")" 100000
	assert_equal "$(cat "$(cgfile cpu cpu.shares "$id")")" 512
	assert_equal "$(cat "$(cgfile cpuset cpuset.cpus "$id")")" 0
	assert_equal "$(cat "$(cgfile memory memory.limit_in_bytes "$id")")" $((64 << 20))
	assert_equal "$(cat "$(cgfile memory memory.soft_limit_in_bytes "$id")")" $((32 << 20))
	if [[ -e "$(cgfile memory memory.memsw.limit_in_bytes "$id")" ]]; then
		assert_equal "$(cat "$(cgfile memory memory.memsw.limit_in_bytes "$id")")" $((128 << 20))
	fi
	run -0 pea_cmd exec lim grep Cpus_allowed_list /proc/self/status
	assert_output --regexp 'Cpus_allowed_list:[[:space:]]+0$'
	# the busy loop is throttled to 5% of a CPU
	for ((n = 0; n < 100; n++)); do
		[[ "$(awk '/^nr_throttled/ {print $2}' "$(cgfile cpu cpu.stat "$id")")" -gt 0 ]] && break
		sleep 0.1
	done
	run -0 awk '/^nr_throttled/ {print ($2 > 0)}' "$(cgfile cpu cpu.stat "$id")"
	assert_output 1
	run -0 pea_cmd rm -f lim
	# memory: more than the limit is killed
	run -137 pea_cmd run --rm -m 8m --memory-swap 8m busybox sh -c 'x=$(head -c 50000000 /dev/zero | tr "\0" a); echo ${#x}'
}

@test "--blkio-weight where the kernel has no weight file: a warning, never a failure" {
	if [[ -e /sys/fs/cgroup/blkio/blkio.weight || -e /sys/fs/cgroup/blkio/blkio.bfq.weight ]]; then
		run -0 pea_cmd run --rm --blkio-weight 300 busybox true
		return
	fi
	run -0 --separate-stderr pea_cmd run --rm --blkio-weight 300 busybox echo ran
	assert_output ran
	assert_equal "$stderr" "pea: warning: your kernel does not support block IO weight (no blkio.weight, blkio.bfq.weight, io.weight): --blkio-weight discarded"
}

@test "--env-host passes pea's environment (the image's and -e win); --init runs catatonit as PID 1" {
	run -0 bash -c 'FOO_FROM_HOST=bar PATH=/hostpath:$PATH timeout -k 5 30 "$PEA" "$@" run --rm --env-host -e X=1 busybox sh -c "echo \$FOO_FROM_HOST \$X"' _ "${FE_ARGS[@]}"
	assert_output "bar 1"
	# the proxy variables go in by default (podman's --http-proxy), -e wins, not with =false
	run -0 bash -c 'http_proxy=http://p:3128 NO_PROXY=local FOO_FROM_HOST=bar timeout -k 5 30 "$PEA" "$@" run --rm -e NO_PROXY=mine busybox sh -c "echo \$http_proxy \$NO_PROXY \${FOO_FROM_HOST:-none}"' _ "${FE_ARGS[@]}"
	assert_output "http://p:3128 mine none"
	run -0 bash -c 'http_proxy=http://p:3128 timeout -k 5 30 "$PEA" "$@" run --rm --http-proxy=false busybox sh -c "echo \${http_proxy:-none}"' _ "${FE_ARGS[@]}"
	assert_output "none"
	run -125 pea_cmd run --rm --http-proxy=maybe busybox true
	assert_output --partial "maybe"
	run -0 pea_cmd run --rm --init busybox sh -c 'tr "\0" " " </proc/1/cmdline'
	assert_output "/run/podman-init -- sh -c tr \"\\0\" \" \" </proc/1/cmdline "
	# catatonit forwards the stop signal and reaps: stop is quick, the exit code is sh's
	run -0 pea_cmd run -d --init --name i busybox sh -c 'trap "exit 3" TERM; while :; do sleep 0.1; done'
	fe_wait_state i running
	run -0 pea_cmd stop -t 20 i
	run -0 pea_cmd inspect --format '{{.State.ExitCode}}' i
	assert_output 3
}

@test "inspect shows the options (HostConfig, Config.Tty and OpenStdin)" {
	run -0 pea_cmd create --name y -t -i --privileged --cap-add net_admin --cpus 0.5 --shm-size 1m --device /dev/null:/dev/n:r --ulimit nofile=10:20 --sysctl kernel.msgmax=5 --init --oom-score-adj 7 busybox true
	run -0 pea_cmd inspect y
	# (the kernel.* sysctls only: containers.conf's default_sysctls, such as Debian's
	# net.ipv4.ping_group_range, are in every container too)
	run -0 jq -c '.[0] | [.HostConfig.Privileged, .HostConfig.CapAdd, .HostConfig.NanoCpus, .HostConfig.ShmSize, .HostConfig.Devices[0].CgroupPermissions, .HostConfig.Ulimits[0].Hard, (.HostConfig.Sysctls | with_entries(select(.key | startswith("kernel.")))), .HostConfig.Init, .HostConfig.OomScoreAdj, .Config.Tty, .Config.OpenStdin]' <<<"$output"
	assert_output '[true,["CAP_NET_ADMIN"],500000000,1048576,"r",20,{"kernel.msgmax":"5"},true,7,true,true]'
	run -0 pea_cmd create --name plain busybox true
	run -0 pea_cmd inspect plain
	run -0 jq -c '.[0] | [.HostConfig.Privileged, .HostConfig.CapAdd, .HostConfig.ShmSize, .Config.Tty]' <<<"$output"
	assert_output '[false,[],67108864,false]'
}

@test "bad security and resource values: one clear line, exit 125, nothing made" {
	run -125 pea_cmd run --rm --cap-add NOPE busybox true
	assert_output "Error: --cap-add: unknown capability 'NOPE'"
	run -125 pea_cmd run --rm --cap-drop '' busybox true
	assert_output --partial "no capability given"
	run -125 pea_cmd run --rm --privileged=maybe busybox true
	assert_output --partial "privileged"
	run -125 pea_cmd run --rm --security-opt bogus busybox true
	assert_output --partial "invalid --security-opt 'bogus'"
	run -125 pea_cmd run --rm --security-opt seccomp=/nosuch.json busybox true
	assert_output --partial "--security-opt seccomp=/nosuch.json"
	echo '{"defaultAction": "SCMP_ACT_NOPE"}' >"$TEST_DIR/bad.json"
	run -125 pea_cmd run --rm --security-opt "seccomp=$TEST_DIR/bad.json" busybox true
	assert_output --partial "unknown action 'SCMP_ACT_NOPE'"
	echo '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"action": "SCMP_ACT_ERRNO"' >"$TEST_DIR/trunc.json"
	run -125 pea_cmd run --rm --security-opt "seccomp=$TEST_DIR/trunc.json" busybox true
	assert_output --partial "unexpected end of input"
	run -125 pea_cmd run --rm --security-opt apparmor=myprofile busybox true
	assert_output --partial "only apparmor=unconfined"
	run -125 pea_cmd run --rm --security-opt mask=relative busybox true
	assert_output --partial "is not an absolute path"
	run -125 pea_cmd run --rm --device /nosuch/dev busybox true
	assert_output --partial "stat /nosuch/dev"
	run -125 pea_cmd run --rm --device "$TEST_DIR" busybox true
	assert_output --partial "is not a device node"
	run -125 pea_cmd run --rm --device /dev/null:/dev/n:rwx busybox true
	assert_output --partial "permissions 'rwx'"
	run -125 pea_cmd run --rm --sysctl kernel.panic=1 busybox true
	assert_output --partial "sysctl 'kernel.panic' is not allowed"
	run -125 pea_cmd run --rm --sysctl novalue busybox true
	assert_output --partial "use KEY=VALUE"
	run -125 pea_cmd run --rm --network host --sysctl net.ipv4.ip_forward=1 busybox true
	assert_output --partial "cannot be set with --network host"
	run -125 pea_cmd run --rm --shm-size 0 busybox true
	assert_output --partial "must be > 0"
	run -125 pea_cmd run --rm --shm-size lots busybox true
	assert_output --partial "invalid size"
	run -125 pea_cmd run --rm --ulimit nofile busybox true
	assert_output --partial "use TYPE=SOFT[:HARD]"
	run -125 pea_cmd run --rm --ulimit nofiles=1 busybox true
	assert_output --partial "unknown type 'nofiles'"
	run -125 pea_cmd run --rm --ulimit nofile=20:10 busybox true
	assert_output --partial "the soft limit is above the hard limit"
	run -125 pea_cmd run --rm --ulimit nofile=x busybox true
	assert_output --partial "'x' is not a number"
	run -125 pea_cmd run --rm --cpus 0 busybox true
	assert_output --partial "--cpus"
	run -125 pea_cmd run --rm --cpus 2000000 busybox true
	assert_output --partial 'invalid argument "2000000" for "--cpus" flag'
	run -125 pea_cmd run --rm --cpus 1 --cpu-quota 5000 busybox true
	assert_output --partial "cannot be set with --cpus"
	run -125 pea_cmd run --rm --cpu-period 10 busybox true
	assert_output --partial "--cpu-period"
	run -125 pea_cmd run --rm --cpu-shares x busybox true
	assert_output --partial "--cpu-shares"
	run -125 pea_cmd run --rm --cpuset-cpus 0-a busybox true
	assert_output --partial "--cpuset-cpus"
	run -125 pea_cmd run --rm --memory-swap 1g busybox true
	assert_output --partial "you must provide a memory limit"
	run -125 pea_cmd run --rm -m 64m --memory-swap 32m busybox true
	assert_output --partial "should be larger than memory limit"
	run -125 pea_cmd run --rm -m 64m --memory-reservation 128m busybox true
	assert_output --partial "memory reservation"
	run -125 pea_cmd run --rm --oom-score-adj 1001 busybox true
	assert_output --partial "--oom-score-adj"
	run -125 pea_cmd run --rm --blkio-weight 5 busybox true
	assert_output --partial "--blkio-weight"
	run -125 pea_cmd run --rm --group-add keep-groups --group-add 457 busybox true
	assert_output --partial "keep-groups"
	run -125 pea_cmd run --rm --group-add nosuchgroup busybox true
	assert_output --partial "unable to find group nosuchgroup"
	run -125 pea_cmd run --rm --init-path /nosuch/init --init busybox true
	assert_output --partial "--init-path '/nosuch/init'"
	run -0 pea_cmd ps -a -q
	assert_output ""
	fe_no_mounts
}
