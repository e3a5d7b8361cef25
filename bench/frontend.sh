#!/usr/bin/env bash
# bench/frontend.sh (issue 11's bench/engine): pea beside Debian's podman and
# Docker, same busybox image, each with a private root and no network.
# Prints, never asserts:
#  - `run --rm busybox true` (pea on pea-runtime+pea-monitor, pea on
#    crun+conmon, podman on crun+conmon, docker on its daemon), its wall time
#    and, with perf, its CPU time (all its processes);
#  - N detached starts (`run -d ... sleep 1000`), then `ps` with N containers,
#    the memory of each idle container (its monitor and its process: RSS and
#    PSS from /proc/PID/smaps_rollup, the mean of the N), then the removal of
#    all (`rm -af`);
#  - `--version` and `ps` startup with no container;
#  - the load average before and after (the machine may be shared).
# Needs root, tini (a subreaper: PID 1 here does not reap the detached
# monitors) and podman (else only pea's numbers). Docker is a dependency of
# this bench alone (Debian's docker.io, not in `make deps`): where dockerd
# exists, the bench starts its own, with its own data and exec roots under
# the bench's folder, no iptables and no bridge, in a network namespace of its
# own (`pea-bench-dockerd`), loads the image with `docker load`, and stops it
# at the end; where it cannot start, it says why and goes on without.
# BENCH_N (default 100), BENCH_RUNS (default 10), BENCH_DOCKER=0 to skip it.
# PEA_BASE=path/to/other/bin/pea: a second pea (say, a build of the commit before)
# measured beside the first with its own root, in turn with it where it can
# (run --rm and run -d alternate), so that the load of a shared machine hits
# both alike; its lines start with "base:".
# pea's removals (run --rm's end, rm -af) leave the deletion of the files to
# detached processes (pea-rm(1), pea-storage(8) trash): their wall time ends
# when the containers are gone, and those processes may still run beside the
# next row for some milliseconds (most here: each unlink of a file with blocks
# waits for a discard on this disk). CPU rows count them only where they end
# before the command does.
# BENCH_TMPFS_RUN=1: every run root (pea's, podman's) on a tmpfs of the bench's,
# as /run is on a real system; by default they are in the bench's folder
# under /tmp, where each file made costs its inode allocation on a disk.
# Session 13 (issue 11), perf record of 40 runs at load ~3.5 (39 ms of CPU a
# run): pea-runtime 13.6 (init 4.6, delete 2.0, netns 1.4, mounts 1.0, v1
# cgroup mkdirs 0.7), pea 11.6 (main ~7.5-8, detached remover ~1.5, each vfork
# child ~0.25), pea-storage 8.5, pea-monitor 3.7; ext4's allocation past
# recently deleted inodes (no journal) up to 7.8 ms on a churned root. A/B
# against 5f811b8, N=100, load 1.0-3.7: run --rm 30 vs 36 ms, CPU 32.7 vs 34.4
# (pea/podman 0.12 wall, 0.13 CPU); 7c60924 (image ls folded into the storage
# create) against b7ad0fb, load 3.8-4.0, N=30: CPU 31.8 vs 35.5.
# Session 14 (issue 11): the path was 6 execs of pea's binaries a run --rm
# (pea, pea-storage create --mount and rm, pea-monitor, pea-runtime run and
# delete) plus the dmz's and the container's; ld.so's share of each exec is
# ~0.35 ms of CPU here (an empty main(): 0.59 dynamic, 0.24 static).
# pea-runtime and pea-monitor are static PIEs now (3e5ad0f: --version
# 0.66 -> 0.40 and 0.8 -> 0.33 ms; an idle monitor's RSS 1260 -> 948 kB,
# but a lone one's PSS 261 -> 948 kB: no other process shares its libc's
# pages; 113 kB each with 30 of them); pea cannot be (getaddrinfo,
# getpwuid), pea-storage is since session 15.
# /proc/self/mountinfo costs 0.1-1 ms a
# read (the kernel escapes every overlay's options): the runtime reads it
# once, not twice (84c8cb4), and not at all on Linux 6.10+ (b248836: its
# cgroup mounts from statmount/listmount, a cost that no longer grows with
# the host's mounts), pea's removal once (4da8c6f, suite's). pea's
# run --rm no longer parses its 16 KB config.json again to order the delete
# (900e198, ~0.35 ms). A/B in turn, HEAD 900e198 against dbc2647, N=30,
# runs=30, load 4.3-6.1: run --rm 47 vs 54 ms (0.87), CPU 29.0 vs 30.6 ms
# (0.95), 30 x run -d 0.93; pea/podman 0.11 wall and CPU (podman 424 ms,
# 260 ms of CPU). HEAD b248836, load 1.2-2.3: run --rm 34 vs 36 ms (0.94),
# CPU 29.2 vs 31.3 (0.93), run -d 0.96; pea/podman 0.11 (podman 317 ms, 262
# of CPU): 0.1x needs ~3 ms more. Where the rest goes (perf, 30 runs, load ~5): pea's main
# process ~7 ms (its exec 1.0, the record written twice ~0.55 as new ext4
# inodes, spec_write ~1.2, the fork of the remover ~0.4); pea-storage's two
# execs 0.8 each before their work; the runtime's netns 1.3, seccomp JIT ~1,
# 11 cgroup mkdirs and 12 rmdirs ~1.5. pea-storage's 4 ms a run (two execs,
# perf at 4 kHz, 30 runs) is 1.4 ms of its commands' work, 0.66 ld.so's and
# the rest exec and page faults. Next: a static pea-storage (its dlopen of
# libarchive, libzstd, libisal and libcrypto kept in a dynamic twin for the
# layer commands), fewer files a container (~35 inodes made and freed a run),
# and pea's removal asking statmount instead of mountinfo too.
# Session 15 (issue 11): pea-storage is a static PIE (5b6d6af: --version 0.80
# -> 0.33 ms of CPU, two execs a run --rm); what dlopens (layer apply, create,
# diff, container diff, image create, an open that finds another boot's
# unsynced layers) runs in its dynamic twin, libexec/pea/pea-storage-layers.
# A run --rm no longer locks its container again after the removal for a
# restart check (50da101: a lock file made and unlinked) nor gives its monitor
# a persist dir (56033e9: one exit file before the run wakes, not two), and
# writes the spec while its monitor starts (a44cc3c: the runtime's exec 0.4-0.5
# ms sooner at load 2.8, 2 x 40 in turn; noise at load 8-9). A/B in
# turn against 71310b7 (40 pairs; perf stat, 6-10 x 10 runs in turn): load
# 5.3, wall median 55.6 vs 61.1 ms, CPU 28.9 vs 31.0; load 9.5, 104 vs 105,
# CPU 25.9 vs 27.0. This script, N=30, runs=30, load 8.7-9.4: run --rm 57 vs
# 56 ms (noise), CPU 28.2 vs 28.7; pea/podman 0.10 wall (podman 549 ms), 0.11
# CPU (268 ms). A run's wall (perf: exec, fork and exit events, 20 runs, load
# ~6, medians in ms from pea's exec): storage create 2.1-5.0, record and spec
# to the monitor's fork 5.0-10.0, the monitor's exec, double fork and attach
# handshake to the runtime's exec 10.0-16.1, runtime to the container 16.1-29.3
# (clone 20.9, the init 6.7 of it), the exit to the delete 29.8-32.5, delete and
# storage rm 32.5-38.0, remover fork and monitor end 38-41.7. New ext4 inodes
# cost ~70 us of CPU each here (__ext4_new_inode 2.4 ms a run). At load 2.3
# (ba7a15a): run --rm 23 ms, podman 225 (0.10), CPU 19.5 vs 235.8 (0.08).
# Next: a BPF of syscall ranges (the kernel's seccomp conversion and JIT ~0.9
# ms a create grow with the program), pea-runtime's parse of config.json (~0.5
# ms), fewer v1 cgroups.
# Session 14, rm -af of 100 (suite): it was 1441 ms vs podman's 6132 (0.23x).
# Its CPU (perf -g, load ~5, ~830 ms): workers 274 (mountinfo read twice a
# container 123), remover 164, pea-runtime delete 1.4 ms each (v1 rmdirs
# ~0.55), pea-storage's ~15 batches 137, the parent's forks ~40, the
# monitors' ends 152. 4da8c6f (mountinfo once), c9114c9 (no log fsync or
# persist exit when pea rm removes), 0374f9f (remover at nice 10, idle I/O),
# e5a27ec (network torn down once), db025ba (a second storage batch only once
# 8 wait), 3a250ce, a069487: ~540 ms at load ~1.7 (pea-runtime 134, 69 of it
# v1 rmdirs; remover 118; workers 112; pea-storage 93; forks 48). This script
# at a70ad92 against eccc21f, N=100, runs=10, load 2.6-5.2: rm -af 1168 vs
# 2052 ms (0.57), podman 9167 (pea/podman 0.13); BENCH_TMPFS_RUN=1, load
# 2.4-7.9: 1521 vs 3686 (0.41), podman 12414 (0.12). In turn (6 rounds, load
# 3.7-5.3): wall 921-1217 vs 1070-1651 ms, CPU 733-810 vs 780-1352. Left: a
# fork a container, the runtime's 11 cgroup rmdirs, and pea-storage's
# batches (an exec each that reads every record under the store's lock).
# Session 16 (issue 11, fes), HEAD 0236c2b, perf record -g of 40 run --rm at
# 4 kHz, load 2.3-3.0, ~28 ms of CPU a run: pea-runtime 11.1, pea 9.3,
# pea-storage 3.8, pea-monitor 2.3. No user-space hot spot is left (user code
# 1.75 ms of the runtime's 11.1, 1.05 of pea's); the kernel's share by kind:
# page faults 3.3 ms (~645 a run: pea 243, runtime 233, storage 90, monitor 80;
# ~3 us each, and MADV_POPULATE_WRITE of 64 pages is no cheaper here: 167-248
# vs 205-212 us), ext4's __ext4_new_inode 1.4 (Orlov's spread under the four
# chattr +T parents 0.63: this fs has no flex_bg, so each such mkdir reads all
# ~2000 group descriptors; recently_deleted 0.34) and evictions 0.8, the
# netns (copy_net_ns) 0.88, seccomp's load 0.7 (the kernel's conversion and
# JIT of the 1503-instruction tree), v1 cgroup mkdirs 0.64 and rmdirs 0.55,
# the runtime's mounts 0.78. This script at 0236c2b, N=30, runs=20, load
# 3.8-4.7: run --rm 51 ms vs podman 465 (0.11), CPU 23.7 vs 251.0 (0.09).
# The spread stays: without it (a26d83b undone, 3 x 10 runs in turn, load
# 4.0) CPU was 34.0-37.7 vs 25.9-32.7 ms a run; the runtime's state folder
# alone unspread: 32.2 vs 32.7 (8 x 10, noise +-5). 76fa6ac compacts the
# cached seccomp program (libseccomp's run once per interval of syscall
# numbers that share a decision, checked against it): podman's profile 1503
# -> 418 instructions, its load in the init 681 -> 247 us (2 x 300 alternating
# loads); against 2c9a6c5 (PEA_BASE), N=30, runs=30, load 2.7-3.5: run --rm
# 40 vs 41 ms in turn, CPU 28.0 vs 30.1 (not in turn), pea/podman 0.13 wall
# (podman 311 ms), 0.11 CPU. ed2331c leaves linux.seccomp (9 of config.json's
# 12 kB) unparsed when its program is cached: pea-runtime run + delete 13.33
# -> 12.21 ms of CPU (12 x 10 in turn, load 2.7-3.1); against 830ee02, N=30,
# runs=30, load 2.8-3.3: run --rm 39 vs 47 ms in turn, CPU 31.5 vs 36.2,
# pea/podman 0.11 wall (podman 352 ms) and CPU. Next (estimates, not tried):
# the cgroups made after the clone while the init sets up (as crun and runc
# order it; wall, not CPU), staging's lock file (one inode), containers.conf's
# four files read five times a command (parsed once).
set -euo pipefail
# bash reads a script as it runs it: the whole of it is one block, read before it starts, so
# that a commit to this file during a run (engineers side by side) cannot change the run.
{
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/helpers/common.bash
source "$here/../tests/helpers/common.bash"

if [[ -z "${PEA_BENCH_REAPED:-}" ]]; then
	command -v tini >/dev/null || { echo "bench/frontend: needs tini" >&2; exit 1; }
	PEA_BENCH_REAPED=1 exec tini -s -- "$0" "$@"
fi
[[ $(id -u) -eq 0 ]] || { echo "bench/frontend: needs root" >&2; exit 1; }
N=${BENCH_N:-100}
RUNS=${BENCH_RUNS:-10}
PEA=${PEA:-$PEA_BUILD/bin/pea}
[[ -x "$PEA" ]] || { echo "bench/frontend: '$PEA' is not built" >&2; exit 1; }
ensure_fixtures >/dev/null
top=$(mktemp -d /tmp/pea-bench-frontend.XXXXXX)
run=$top
if [[ ${BENCH_TMPFS_RUN:-0} == 1 ]]; then
	mkdir "$top/run"
	mount -t tmpfs -o mode=0700 pea-bench-run "$top/run"
	run=$top/run
fi
pea_fe=("$PEA" --root "$top/pea" --runroot "$run/pea-run")
pea_crun=("$PEA" --root "$top/peac" --runroot "$run/peac-run" --runtime crun --conmon /usr/bin/conmon)
have_base=0
if [[ -n ${PEA_BASE:-} ]]; then
	[[ -x "$PEA_BASE" ]] || { echo "bench/frontend: '$PEA_BASE' is not built" >&2; exit 1; }
	have_base=1
fi
pea_base=("${PEA_BASE:-false}" --root "$top/peab" --runroot "$run/peab-run")
podman=(podman --root "$top/podman" --runroot "$run/podman-run" --cgroup-manager cgroupfs
	--events-backend file --storage-driver overlay)
# Root here lacks CAP_SYS_RESOURCE: podman's default rlimits (nofile 1048576,
# nproc) are refused by crun, so podman gets limits it can set. pea lowers its
# defaults to its own hard limits by itself.
podman_run_opts=(--network none --ulimit nofile=20000:20000 --ulimit nproc=4096:4096)
have_podman=0
command -v podman >/dev/null && have_podman=1
docker_ns=pea-bench-dockerd
docker=(docker -H "unix://$top/docker.sock")
have_docker=0

# docker_start: a private dockerd in its own network namespace (nsenter, not
# `ip netns exec`, which remounts /sys and hides the cgroup hierarchies).
docker_start() {
	local try
	[[ ${BENCH_DOCKER:-1} != 0 ]] || return 0
	if ! command -v dockerd >/dev/null || ! command -v docker >/dev/null; then
		echo "bench/frontend: no dockerd (Debian's docker.io): no docker column" >&2
		return 0
	fi
	if ! ip netns add "$docker_ns" 2>"$top/dockerd.err"; then
		echo "bench/frontend: dockerd: $(tail -1 "$top/dockerd.err"): no docker column" >&2
		return 0
	fi
	nsenter --net="/run/netns/$docker_ns" timeout -k 5 1800 dockerd \
		--data-root "$top/docker" --exec-root "$top/docker-exec" \
		--pidfile "$top/docker.pid" -H "unix://$top/docker.sock" \
		--iptables=false --ip6tables=false --bridge=none --ip-forward=false \
		--ip-masq=false >"$top/dockerd.log" 2>&1 3>&- &
	docker_pid=$!
	for ((try = 0; try < 120; try++)); do
		if timeout -k 5 10 "${docker[@]}" version >/dev/null 2>&1; then
			have_docker=1
			break
		fi
		kill -0 "$docker_pid" 2>/dev/null || break
		sleep 0.25
	done
	if ((!have_docker)); then
		echo "bench/frontend: dockerd did not start: $(tail -1 "$top/dockerd.log"): no docker column" >&2
		return 0
	fi
	if ! timeout -k 5 120 "${docker[@]}" load -i "$BUSYBOX_ARCHIVE" >/dev/null 2>"$top/docker-load.err"; then
		echo "bench/frontend: docker load failed: $(tail -1 "$top/docker-load.err"): no docker column" >&2
		have_docker=0
	fi
}

docker_stop() {
	local try
	if [[ -n ${docker_pid:-} ]]; then
		# SIGTERM to timeout(1), which passes it on: dockerd stops its containerd
		kill "$docker_pid" 2>/dev/null || true
		for ((try = 0; try < 120; try++)); do
			kill -0 "$docker_pid" 2>/dev/null || break
			sleep 0.25
		done
		kill -9 "$docker_pid" 2>/dev/null || true
		wait "$docker_pid" 2>/dev/null || true
		docker_pid=
	fi
	if [[ -e /run/netns/$docker_ns ]]; then
		ip netns del "$docker_ns" 2>/dev/null || true
	fi
}

# remove_all ENGINE...: rm -af until ps -a lists none (on a loaded machine podman's rm -af -t 0
# left 62 of 100 running once, session 14); 1 when some are left after 3 tries.
remove_all() {
	local try
	for try in 1 2 3; do
		"$@" rm -af -t 0 >/dev/null 2>&1 || true
		[[ -z $("$@" ps -aq 2>/dev/null) ]] && return 0
		sleep 1
	done
	return 1
}

cleanup() {
	local left=""
	docker_stop
	remove_all "${pea_fe[@]}" || left+=" pea"
	remove_all "${pea_crun[@]}" || left+=" pea/crun"
	if ((have_base)); then remove_all "${pea_base[@]}" || left+=" base"; fi
	if ((have_podman)); then
		remove_all "${podman[@]}" || left+=" podman"
		[[ $left == *podman* ]] || "${podman[@]}" system reset -f >/dev/null 2>&1 || true
	fi
	# the stores of running containers are not wiped under them: left, and said
	if [[ -n $left ]]; then
		echo "bench/frontend: containers still running in$left after rm -af: $top is left" \
			"(stop them, then remove it)" >&2
		return
	fi
	local try
	for try in 1 2 3; do
		grep " $top" /proc/self/mounts | awk '{print $2}' | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
		rm -rf "$top" 2>/dev/null && break
	done
}
trap cleanup EXIT
# a kill (timeout, ^C) runs the cleanup too: bash runs no EXIT trap on an untrapped signal
trap 'exit 130' INT TERM HUP

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# avg_ms RUNS CMD...: mean wall time of CMD in ms (output discarded).
avg_ms() {
	local runs=$1 t0 t1
	shift
	"$@" >/dev/null 2>&1 # warm up
	t0=$(now_ms)
	for ((i = 0; i < runs; i++)); do
		"$@" >/dev/null 2>&1
	done
	t1=$(now_ms)
	echo $(((t1 - t0) / runs))
}

# us: microseconds now, without a fork (bash 5's EPOCHREALTIME).
us() { local t=${EPOCHREALTIME/./}; echo $((10#$t)); }

# avg2_ms RUNS A... -- B...: the means (ms) of A and of B, run in turn, as "A B".
avg2_ms() {
	local runs=$1 a=() b=() t0 t1 t2 sa=0 sb=0 i
	shift
	while [[ $1 != -- ]]; do
		a+=("$1")
		shift
	done
	shift
	b=("$@")
	"${a[@]}" >/dev/null 2>&1 # warm up
	"${b[@]}" >/dev/null 2>&1
	for ((i = 0; i < runs; i++)); do
		t0=$(us)
		"${a[@]}" >/dev/null 2>&1
		t1=$(us)
		"${b[@]}" >/dev/null 2>&1
		t2=$(us)
		sa=$((sa + t1 - t0))
		sb=$((sb + t2 - t1))
	done
	echo "$((sa / runs / 1000)) $((sb / runs / 1000))"
}

# cpu_ms RUNS CMD...: mean CPU time (ms) of CMD and every process it starts
# that ends before it does (perf stat's task-clock, inherited), or "-" without
# perf. Less bent by a shared machine's load than wall times.
cpu_ms() {
	local runs=$1 s=0 v k
	shift
	command -v perf >/dev/null || { echo -; return; }
	for ((k = 0; k < runs; k++)); do
		v=$(perf stat -x, -e task-clock "$@" 2>&1 >/dev/null | awk -F, '/task-clock/ { print $1 }')
		[[ -n $v ]] || { echo -; return; }
		s=$(awk -v a="$s" -v b="$v" 'BEGIN { print a + b }')
	done
	awk -v s="$s" -v n="$runs" 'BEGIN { printf "%.1f", s / n }'
}

# total_ms CMD...: wall time of one CMD.
total_ms() {
	local t0 t1
	t0=$(now_ms)
	"$@" >/dev/null 2>&1
	t1=$(now_ms)
	echo $((t1 - t0))
}

# starts PROGRAM-AND-GLOBALS... -- RUN-OPTIONS...: N detached sleeps.
starts() {
	local i pre=() post=()
	while [[ $1 != -- ]]; do
		pre+=("$1")
		shift
	done
	shift
	post=("$@")
	for ((i = 0; i < N; i++)); do
		"${pre[@]}" run -d "${post[@]}" busybox sleep 1000 >/dev/null
	done
}

# starts2: N detached sleeps of pea and of the base in turn: "PEA_MS BASE_MS".
starts2() {
	local i t0 t1 t2 sa=0 sb=0
	for ((i = 0; i < N; i++)); do
		t0=$(us)
		"${pea_fe[@]}" run -d --network none busybox sleep 1000 >/dev/null
		t1=$(us)
		"${pea_base[@]}" run -d --network none busybox sleep 1000 >/dev/null
		t2=$(us)
		sa=$((sa + t1 - t0))
		sb=$((sb + t2 - t1))
	done
	echo "$((sa / 1000)) $((sb / 1000))"
}

sum_kb() { [[ $1 == - || $2 == - ]] && echo - || echo $(($1 + $2)); }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

"${pea_fe[@]}" load -i "$BUSYBOX_ARCHIVE" >/dev/null
"${pea_crun[@]}" load -i "$BUSYBOX_ARCHIVE" >/dev/null
((have_base)) && "${pea_base[@]}" load -i "$BUSYBOX_ARCHIVE" >/dev/null
if ((have_podman)); then
	if ! "${podman[@]}" load -i "$BUSYBOX_ARCHIVE" >/dev/null 2>"$top/podman-load.err"; then
		echo "bench/frontend: podman load failed: $(tail -1 "$top/podman-load.err")" >&2
		have_podman=0
	fi
fi

docker_start

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) CPUs), N=$N, runs=$RUNS," \
	"run roots on $(stat -f -c %T "$run")"
printf '%-40s %10s %10s %10s %10s\n' "" pea "pea/crun" podman docker
# row NAME PEA PEA/CRUN PODMAN [DOCKER]: times in ms, and pea's ratios.
row() {
	local name=$1 a=$2 b=$3 c=$4 d=${5:--} extra=""
	[[ $d != - ]] && extra="  pea/docker $(ratio "$a" "$d")"
	printf '%-40s %8s ms %7s ms %7s ms %7s ms   pea/podman %s%s\n' "$name" "$a" "$b" "$c" "$d" \
		"$(ratio "$a" "$c")" "$extra"
}
# row_kb NAME PEA PEA/CRUN PODMAN: sizes in kB.
row_kb() {
	local name=$1 a=$2 b=$3 c=$4
	printf '%-40s %8s kB %7s kB %7s kB %10s   pea/podman %s\n' "$name" "$a" "$b" "$c" "" "$(ratio "$a" "$c")"
}

# kb_of PID FIELD: FIELD (Rss, Pss) of smaps_rollup in kB, 0 if gone.
kb_of() {
	awk -v f="$2:" '$1 == f { print $2; found = 1 } END { if (!found) print 0 }' \
		"/proc/$1/smaps_rollup" 2>/dev/null || echo 0
}

# idle_memory ENGINE...: "monitor_rss monitor_pss container_rss container_pss", the
# means in kB over the running containers; the monitor is the container's parent.
idle_memory() {
	local ids pids pid ppid n=0 mr=0 mp=0 cr=0 cp=0
	mapfile -t ids < <("$@" ps -q --no-trunc)
	((${#ids[@]})) || { echo "- - - -"; return; }
	mapfile -t pids < <("$@" inspect --format '{{.State.Pid}}' "${ids[@]}")
	for pid in "${pids[@]}"; do
		[[ $pid =~ ^[0-9]+$ && $pid -gt 0 ]] || continue
		ppid=$(awk '$1 == "PPid:" { print $2 }' "/proc/$pid/status" 2>/dev/null) || continue
		[[ -n $ppid ]] || continue
		mr=$((mr + $(kb_of "$ppid" Rss)))
		mp=$((mp + $(kb_of "$ppid" Pss)))
		cr=$((cr + $(kb_of "$pid" Rss)))
		cp=$((cp + $(kb_of "$pid" Pss)))
		n=$((n + 1))
	done
	((n)) || { echo "- - - -"; return; }
	echo "$((mr / n)) $((mp / n)) $((cr / n)) $((cp / n))"
}
pv=$(avg_ms 50 "${pea_fe[@]}" --version)
qv=-
((have_podman)) && qv=$(avg_ms 20 "${podman[@]}" --version)
row "--version (mean)" "$pv" "$pv" "$qv"
pp=$(avg_ms 20 "${pea_fe[@]}" ps)
qp=-
((have_podman)) && qp=$(avg_ms 10 "${podman[@]}" ps)
row "ps, no containers (mean)" "$pp" "$pp" "$qp"
if ((have_base)); then
	read -r pr br < <(avg2_ms "$RUNS" "${pea_fe[@]}" run --rm --network none busybox true -- \
		"${pea_base[@]}" run --rm --network none busybox true)
else
	pr=$(avg_ms "$RUNS" "${pea_fe[@]}" run --rm --network none busybox true)
fi
cr=$(avg_ms "$RUNS" "${pea_crun[@]}" run --rm --network none busybox true)
qr=-
((have_podman)) && qr=$(avg_ms "$RUNS" "${podman[@]}" run --rm "${podman_run_opts[@]}" busybox true)
dr=-
((have_docker)) && dr=$(avg_ms "$RUNS" "${docker[@]}" run --rm --network none localhost/busybox true)
row "run --rm busybox true (mean)" "$pr" "$cr" "$qr" "$dr"
((have_base)) && echo "base: run --rm busybox true (mean)        $br ms (pea/base $(ratio "$pr" "$br"), in turn)"
pc=$(cpu_ms "$RUNS" "${pea_fe[@]}" run --rm --network none busybox true)
bc=-
((have_base)) && bc=$(cpu_ms "$RUNS" "${pea_base[@]}" run --rm --network none busybox true)
cc=$(cpu_ms "$RUNS" "${pea_crun[@]}" run --rm --network none busybox true)
qc=-
((have_podman)) && qc=$(cpu_ms "$RUNS" "${podman[@]}" run --rm "${podman_run_opts[@]}" busybox true)
row "run --rm busybox true (CPU, mean)" "$pc" "$cc" "$qc"
((have_base)) && echo "base: run --rm busybox true (CPU, mean)   $bc ms (pea/base $(ratio "$pc" "$bc"))"
docker_stop
if ((have_base)); then
	read -r ps_ bs < <(starts2)
else
	ps_=$(total_ms starts "${pea_fe[@]}" -- --network none)
fi
cs=$(total_ms starts "${pea_crun[@]}" -- --network none)
qs=-
((have_podman)) && qs=$(total_ms starts "${podman[@]}" -- "${podman_run_opts[@]}")
row "$N x run -d (total)" "$ps_" "$cs" "$qs"
((have_base)) && echo "base: $N x run -d (total)                 $bs ms (pea/base $(ratio "$ps_" "$bs"), in turn)"
pl=$(avg_ms 10 "${pea_fe[@]}" ps)
cl=$(avg_ms 10 "${pea_crun[@]}" ps)
ql=-
((have_podman)) && ql=$(avg_ms 5 "${podman[@]}" ps)
row "ps with $N containers (mean)" "$pl" "$cl" "$ql"
[[ $("${pea_fe[@]}" ps -q | wc -l) == "$N" ]] || echo "bench/frontend: pea has not $N running containers" >&2
((have_podman)) && [[ $("${podman[@]}" ps -q | wc -l) != "$N" ]] && echo "bench/frontend: podman has not $N running containers" >&2
read -r pmr pmp pcr pcp < <(idle_memory "${pea_fe[@]}")
read -r cmr cmp ccr ccp < <(idle_memory "${pea_crun[@]}")
qmr=- qmp=- qcr=- qcp=-
((have_podman)) && read -r qmr qmp qcr qcp < <(idle_memory "${podman[@]}")
row_kb "idle container: monitor RSS (mean)" "$pmr" "$cmr" "$qmr"
row_kb "idle container: monitor PSS (mean)" "$pmp" "$cmp" "$qmp"
row_kb "idle container: process RSS (mean)" "$pcr" "$ccr" "$qcr"
row_kb "idle container: process PSS (mean)" "$pcp" "$ccp" "$qcp"
row_kb "idle container: monitor+process PSS" "$(sum_kb "$pmp" "$pcp")" "$(sum_kb "$cmp" "$ccp")" \
	"$(sum_kb "$qmp" "$qcp")"
bd=-
((have_base)) && bd=$(total_ms "${pea_base[@]}" rm -af)
pd=$(total_ms "${pea_fe[@]}" rm -af)
cd_=$(total_ms "${pea_crun[@]}" rm -af)
qd=-
((have_podman)) && qd=$(total_ms "${podman[@]}" rm -af -t 0)
row "rm -af of $N (total)" "$pd" "$cd_" "$qd"
((have_base)) && echo "base: rm -af of $N (total)                $bd ms (pea/base $(ratio "$pd" "$bd"))"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
exit
}
