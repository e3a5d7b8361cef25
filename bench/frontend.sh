#!/usr/bin/env bash
# bench/frontend.sh: pea beside Debian's podman, same busybox image, both with
# a private root and no network. Prints, never asserts:
#  - `run --rm busybox true` (pea on pea-runtime+pea-monitor, pea on
#    crun+conmon, podman on crun+conmon);
#  - N detached starts (`run -d ... sleep 1000`), then `ps` with N containers,
#    then the removal of all (`rm -af`);
#  - `--version` and `ps` startup with no container.
# Needs root, tini (a subreaper: PID 1 here does not reap the detached
# monitors) and podman (else only pea's numbers). BENCH_N, BENCH_RUNS.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/helpers/common.bash
source "$here/../tests/helpers/common.bash"

if [[ -z "${PEA_BENCH_REAPED:-}" ]]; then
	command -v tini >/dev/null || { echo "bench/frontend: needs tini" >&2; exit 1; }
	PEA_BENCH_REAPED=1 exec tini -s -- "$0" "$@"
fi
[[ $(id -u) -eq 0 ]] || { echo "bench/frontend: needs root" >&2; exit 1; }
N=${BENCH_N:-20}
RUNS=${BENCH_RUNS:-10}
PEA=${PEA:-$PEA_BUILD/bin/pea}
[[ -x "$PEA" ]] || { echo "bench/frontend: '$PEA' is not built" >&2; exit 1; }
ensure_fixtures >/dev/null
top=$(mktemp -d /tmp/pea-bench-frontend.XXXXXX)
pea_fe=("$PEA" --root "$top/pea" --runroot "$top/pea-run")
pea_crun=("$PEA" --root "$top/peac" --runroot "$top/peac-run" --runtime crun --conmon /usr/bin/conmon)
podman=(podman --root "$top/podman" --runroot "$top/podman-run" --cgroup-manager cgroupfs
	--events-backend file --storage-driver overlay)
# Root here lacks CAP_SYS_RESOURCE: podman's default rlimits (nofile 1048576,
# nproc) are refused by crun, so podman gets limits it can set. pea lowers its
# defaults to its own hard limits by itself.
podman_run_opts=(--network none --ulimit nofile=20000:20000 --ulimit nproc=4096:4096)
have_podman=0
command -v podman >/dev/null && have_podman=1
cleanup() {
	"${pea_fe[@]}" rm -af >/dev/null 2>&1 || true
	"${pea_crun[@]}" rm -af >/dev/null 2>&1 || true
	((have_podman)) && "${podman[@]}" rm -af >/dev/null 2>&1 || true
	((have_podman)) && "${podman[@]}" system reset -f >/dev/null 2>&1 || true
	local try
	for try in 1 2 3; do
		grep " $top" /proc/self/mounts | awk '{print $2}' | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
		rm -rf "$top" 2>/dev/null && break
	done
}
trap cleanup EXIT

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

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

"${pea_fe[@]}" load -i "$BUSYBOX_ARCHIVE" >/dev/null
"${pea_crun[@]}" load -i "$BUSYBOX_ARCHIVE" >/dev/null
if ((have_podman)); then
	if ! "${podman[@]}" load -i "$BUSYBOX_ARCHIVE" >/dev/null 2>"$top/podman-load.err"; then
		echo "bench/frontend: podman load failed: $(tail -1 "$top/podman-load.err")" >&2
		have_podman=0
	fi
fi

printf '%-40s %10s %10s %10s\n' "" pea "pea/crun" podman
row() {
	local name=$1 a=$2 b=$3 c=$4
	printf '%-40s %8s ms %7s ms %7s ms   pea/podman %s\n' "$name" "$a" "$b" "$c" "$(ratio "$a" "$c")"
}
pv=$(avg_ms 50 "${pea_fe[@]}" --version)
qv=-
((have_podman)) && qv=$(avg_ms 20 "${podman[@]}" --version)
row "--version (mean)" "$pv" "$pv" "$qv"
pp=$(avg_ms 20 "${pea_fe[@]}" ps)
qp=-
((have_podman)) && qp=$(avg_ms 10 "${podman[@]}" ps)
row "ps, no containers (mean)" "$pp" "$pp" "$qp"
pr=$(avg_ms "$RUNS" "${pea_fe[@]}" run --rm --network none busybox true)
cr=$(avg_ms "$RUNS" "${pea_crun[@]}" run --rm --network none busybox true)
qr=-
((have_podman)) && qr=$(avg_ms "$RUNS" "${podman[@]}" run --rm "${podman_run_opts[@]}" busybox true)
row "run --rm busybox true (mean)" "$pr" "$cr" "$qr"
ps_=$(total_ms starts "${pea_fe[@]}" -- --network none)
cs=$(total_ms starts "${pea_crun[@]}" -- --network none)
qs=-
((have_podman)) && qs=$(total_ms starts "${podman[@]}" -- "${podman_run_opts[@]}")
row "$N x run -d (total)" "$ps_" "$cs" "$qs"
pl=$(avg_ms 10 "${pea_fe[@]}" ps)
cl=$(avg_ms 10 "${pea_crun[@]}" ps)
ql=-
((have_podman)) && ql=$(avg_ms 5 "${podman[@]}" ps)
row "ps with $N containers (mean)" "$pl" "$cl" "$ql"
[[ $("${pea_fe[@]}" ps -q | wc -l) == "$N" ]] || echo "bench/frontend: pea has not $N running containers" >&2
((have_podman)) && [[ $("${podman[@]}" ps -q | wc -l) != "$N" ]] && echo "bench/frontend: podman has not $N running containers" >&2
pd=$(total_ms "${pea_fe[@]}" rm -af)
cd_=$(total_ms "${pea_crun[@]}" rm -af)
qd=-
((have_podman)) && qd=$(total_ms "${podman[@]}" rm -af -t 0)
row "rm -af of $N (total)" "$pd" "$cd_" "$qd"
