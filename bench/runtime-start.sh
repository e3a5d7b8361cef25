#!/usr/bin/env bash
# bench/runtime-start.sh: `run` of /bin/true in the same busybox bundle with
# pea-runtime, crun and runc (Debian's), N times each, interleaved, in one
# run. Prints the mean wall time and the mean peak RSS (/usr/bin/time %M, of
# the runtime's own process) and the ratios to crun. Never asserts.
# Then the latency of `exec ID /bin/true` into a running container, pea-runtime vs
# crun. Then the cost of the CVE-2019-5736 protection: `run` of the same
# binary writable (the init ends in a sealed copy of pea-runtime-dmz; without a
# pid namespace, re-executed from a sealed copy of itself) and through a
# read-only bind mount (no copy needed), and in a user namespace that leaves
# the binary's owner out (the dmz copy all the same), beside crun. Then
# `create`, `start` and `delete` as pea run calls them (three processes), in a bundle with a network
# namespace: wall time and, with perf, CPU time (task-clock of each command
# and of the processes it forks; the least bent by a shared machine's load);
# PEA_RUNTIME_BASE=path/to/an/older/pea-runtime adds it as a row ("base").
# Needs root. BENCH_N changes the number of runs (default 50).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/helpers/common.bash
source "$here/../tests/helpers/common.bash"

N=${BENCH_N:-50}
PEA=${PEA_RUNTIME:-$PEA_BUILD/bin/pea-runtime}
CRUN=${CRUN:-/usr/bin/crun}
RUNC=${RUNC:-/usr/bin/runc}
for cmd in "$PEA" "$CRUN" "$RUNC" /usr/bin/time; do
	command -v "$cmd" >/dev/null || { echo "bench/runtime-start: needs '$cmd'" >&2; exit 1; }
done
[[ $(id -u) -eq 0 ]] || { echo "bench/runtime-start: needs root" >&2; exit 1; }
ensure_fixtures >/dev/null
prepare_cgroups_for_crun
top=$(mktemp -d /tmp/pea-bench-runtime.XXXXXX)
trap 'umount -l "$top/ro" 2>/dev/null; rm -rf "$top"' EXIT
make_bundle "$top/bundle" /bin/true
names=(pea-runtime crun runc)
bins=("$PEA" "$CRUN" "$RUNC")

# one RUNTIME_INDEX ITER: run once, print "seconds peak_rss_kb".
one() {
	local i=$1 n=$2 t0 t1 rss
	t0=$(date +%s%N)
	rss=$(/usr/bin/time -f %M "${bins[$i]}" --root "$top/root-$i" run -b "$top/bundle" \
		"bench-$i-$n" 2>&1 >/dev/null | tail -1)
	t1=$(date +%s%N)
	echo "$(((t1 - t0) / 1000)) $rss"
}

declare -a sum_us sum_rss max_rss
for i in 0 1 2; do
	sum_us[i]=0 sum_rss[i]=0 max_rss[i]=0
	one "$i" warmup >/dev/null
done
for n in $(seq 1 "$N"); do
	for i in 0 1 2; do
		read -r us rss < <(one "$i" "$n")
		sum_us[i]=$((sum_us[i] + us))
		sum_rss[i]=$((sum_rss[i] + rss))
		((rss > max_rss[i])) && max_rss[i]=$rss
	done
done

printf 'run of /bin/true, %d runs each (mean)\n' "$N"
printf '%-12s %12s %14s %14s %10s %10s\n' runtime "wall (s)" "peak RSS (kB)" "max RSS (kB)" "time/crun" "RSS/crun"
for i in 0 1 2; do
	awk -v name="${names[i]}" -v us="${sum_us[i]}" -v rss="${sum_rss[i]}" -v mx="${max_rss[i]}" \
		-v cus="${sum_us[1]}" -v crss="${sum_rss[1]}" -v n="$N" 'BEGIN {
		printf "%-12s %12.4f %14d %14d %10.2f %10.2f\n", name, us / n / 1e6, rss / n, mx,
			us / cus, rss / crss }'
done

# exec latency: `exec ID /bin/true` into a running container (sleep), pea-runtime vs crun.
make_bundle "$top/bundle-sleep" sleep 1000000
declare -a exec_us
for i in 0 1; do
	"${bins[i]}" --root "$top/eroot-$i" run -b "$top/bundle-sleep" "bench-exec-$i" >/dev/null 2>&1 &
	for _ in $(seq 1 250); do
		[[ "$("${bins[i]}" --root "$top/eroot-$i" state "bench-exec-$i" 2>/dev/null |
			jq -r .status)" == running ]] && break
		sleep 0.02
	done
	"${bins[i]}" --root "$top/eroot-$i" exec "bench-exec-$i" /bin/true
	exec_us[i]=0
done
for n in $(seq 1 "$N"); do
	for i in 0 1; do
		t0=$(date +%s%N)
		"${bins[i]}" --root "$top/eroot-$i" exec "bench-exec-$i" /bin/true
		t1=$(date +%s%N)
		exec_us[i]=$((exec_us[i] + (t1 - t0) / 1000))
	done
done
for i in 0 1; do
	"${bins[i]}" --root "$top/eroot-$i" kill "bench-exec-$i" KILL 2>/dev/null || true
done
wait
printf '\nexec of /bin/true in a running container, %d runs each (mean)\n' "$N"
printf '%-12s %12s %10s\n' runtime "wall (s)" "time/crun"
for i in 0 1; do
	awk -v name="${names[i]}" -v us="${exec_us[i]}" -v cus="${exec_us[1]}" -v n="$N" 'BEGIN {
		printf "%-12s %12.4f %10.2f\n", name, us / n / 1e6, us / cus }'
done

have_perf=0
perf stat -x, -o /dev/null -e task-clock true 2>/dev/null && have_perf=1
# The sealed copy: the same binary, writable (copied: pea-runtime-dmz with a pid
# namespace, the whole binary without) and read-only (run as it is), each
# ratio to the row below it (read-only; crun for the userns row); then a bundle with user and pid
# namespaces of its own whose maps leave the binary's owner (root) out: the
# writable binary's init ends in the dmz as any (exe-seal.c: another container
# may join that pid namespace), beside crun. Wall time and, with perf, CPU time (task-clock, children too).
mkdir "$top/rw" "$top/ro"
cp "$PEA" "$top/rw/pea-runtime"
mount --bind -o ro "$top/rw" "$top/ro"
make_bundle "$top/bundle-userns" /bin/true
bundle_rootless "$top/bundle-userns" 8400 8400
bundle_set "$top/bundle-userns" '.linux.namespaces = (.linux.namespaces + [{type: "pid"}] | unique_by(.type))'
chown -R 8400:8400 "$top/bundle-userns/rootfs"
# crun (1.8.1) chowns the stdio it is given to the container's root in a user
# namespace: /dev/null given to it would be the host's, owned by 8400 after.
: >"$top/stdin"
: >"$top/stdout"
make_bundle "$top/bundle-nopidns" /bin/true
bundle_set "$top/bundle-nopidns" '.linux.namespaces |= map(select(.type != "pid"))'
seal_bins=("$top/rw/pea-runtime" "$top/ro/pea-runtime" "$top/rw/pea-runtime" "$top/ro/pea-runtime"
	"$top/rw/pea-runtime" "$CRUN")
seal_bundles=(bundle bundle bundle-nopidns bundle-nopidns bundle-userns bundle-userns)
declare -a seal_us=(0 0 0 0 0 0) seal_cpu=(0 0 0 0 0 0)
for n in $(seq 1 "$N"); do
	for i in 0 1 2 3 4 5; do
		t0=$(date +%s%N)
		"${seal_bins[i]}" --root "$top/sroot-$i" run -b "$top/${seal_bundles[i]}" \
			"bench-seal-$i-$n" <"$top/stdin" >"$top/stdout"
		t1=$(date +%s%N)
		seal_us[i]=$((seal_us[i] + (t1 - t0) / 1000))
		((have_perf)) || continue
		perf stat -x, -o "$top/perf.out" -e task-clock "${seal_bins[i]}" --root "$top/sroot-$i" \
			run -b "$top/${seal_bundles[i]}" "bench-seal-cpu-$i-$n" <"$top/stdin" >"$top/stdout" 2>&1 || true
		seal_cpu[i]=$((seal_cpu[i] + $(awk -F, '/task-clock/ {printf "%d", $1 * 1000}' "$top/perf.out")))
	done
done
printf '\npea-runtime run of /bin/true: re-executed from a sealed copy vs not, %d runs each (mean)\n' "$N"
((have_perf)) || echo "(no perf: no CPU column)"
printf '%-30s %12s %10s %10s\n' binary "wall (s)" "ratio" "cpu (ms)"
names=("writable (dmz copy)" "read-only (no copy)" "writable, no pidns (whole copy)"
	"read-only, no pidns (no copy)" "writable, userns (dmz copy)" "crun, userns")
for i in 0 1 2 3 4 5; do
	awk -v name="${names[i]}" -v us="${seal_us[i]}" -v base="${seal_us[i - i % 2 + 1]}" -v n="$N" \
		-v cpu="${seal_cpu[i]}" 'BEGIN {
		printf "%-30s %12.4f %10.2f %10.2f\n", name, us / n / 1e6, us / base, cpu / n / 1e3 }'
done

# create + start + delete, each its own process as pea run calls them (the
# bundle has a network namespace, as pea gives a container).
make_bundle "$top/bundle-csd" /bin/true
csd_names=(pea-runtime crun runc)
csd_bins=("$PEA" "$CRUN" "$RUNC")
if [[ -n ${PEA_RUNTIME_BASE:-} ]]; then
	csd_names+=(base)
	csd_bins+=("$PEA_RUNTIME_BASE")
fi
# csd_step MODE BIN ARGS...: run one command; print its wall time (MODE wall)
# or its CPU time under perf (MODE cpu), in microseconds.
csd_step() {
	local mode=$1 t0 t1
	shift
	if [[ $mode == cpu ]]; then
		perf stat -x, -o "$top/perf.out" -e task-clock "$@" </dev/null >/dev/null 2>"$top/step.err" ||
			echo "bench/runtime-start: $*: $(tail -1 "$top/step.err")" >&2
		awk -F, '/task-clock/ {printf "%d\n", $1 * 1000}' "$top/perf.out"
		return
	fi
	t0=$(date +%s%N)
	"$@" </dev/null >/dev/null 2>"$top/step.err" ||
		echo "bench/runtime-start: $*: $(tail -1 "$top/step.err")" >&2
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000))
}
# csd_round MODE N: create, start, delete with each runtime; adds to csd_MODE.
declare -a csd_wall csd_cpu
csd_round() {
	local mode=$1 n=$2 i b r id v
	local -n sums=csd_$mode
	for i in "${!csd_bins[@]}"; do
		b=${csd_bins[i]} r="$top/csd-root-$i" id="csd-$mode-$i-$n"
		v=$(csd_step "$mode" "$b" --root "$r" create -b "$top/bundle-csd" "$id")
		sums[i * 3]=$((${sums[i * 3]:-0} + v))
		v=$(csd_step "$mode" "$b" --root "$r" start "$id")
		sums[i * 3 + 1]=$((${sums[i * 3 + 1]:-0} + v))
		for _ in $(seq 1 500); do
			[[ $("$b" --root "$r" state "$id" 2>/dev/null | jq -r .status) == stopped ]] && break
			sleep 0.01
		done
		v=$(csd_step "$mode" "$b" --root "$r" delete "$id")
		sums[i * 3 + 2]=$((${sums[i * 3 + 2]:-0} + v))
	done
}
for n in $(seq 1 "$N"); do
	csd_round wall "$n"
	((have_perf)) && csd_round cpu "$n"
done
printf '\ncreate + start + delete of /bin/true (network namespace), %d runs each (mean ms)\n' "$N"
((have_perf)) || echo "(no perf: no CPU columns)"
printf '%-12s %8s %8s %8s %8s %8s %8s %8s %8s %9s\n' runtime create start delete wall \
	"cpu:c" "cpu:s" "cpu:d" cpu "cpu/crun"
for i in "${!csd_bins[@]}"; do
	awk -v name="${csd_names[i]}" -v n="$N" -v cw="${csd_wall[i * 3]}" \
		-v sw="${csd_wall[i * 3 + 1]}" -v dw="${csd_wall[i * 3 + 2]}" \
		-v cc="${csd_cpu[i * 3]:-0}" -v sc="${csd_cpu[i * 3 + 1]:-0}" -v dc="${csd_cpu[i * 3 + 2]:-0}" \
		-v crun="$((${csd_cpu[3]:-0} + ${csd_cpu[4]:-0} + ${csd_cpu[5]:-0}))" 'BEGIN {
		printf "%-12s %8.2f %8.2f %8.2f %8.2f %8.2f %8.2f %8.2f %8.2f %9.2f\n", name,
			cw / n / 1e3, sw / n / 1e3, dw / n / 1e3, (cw + sw + dw) / n / 1e3,
			cc / n / 1e3, sc / n / 1e3, dc / n / 1e3, (cc + sc + dc) / n / 1e3,
			crun ? (cc + sc + dc) / crun : 0 }'
done
