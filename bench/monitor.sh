#!/usr/bin/env bash
# bench/monitor.sh: pea-monitor beside Debian's conmon, on the same runtime
# (crun) and the same busybox containers. Prints, never asserts:
#  - private RSS and PSS (/proc/PID/smaps_rollup) of one idle monitor beside
#    a `sleep` container;
#  - log throughput: MB/s of `yes | head -c 200M` through a k8s-file log.
# Needs root (containers), tini, crun and conmon. BENCH_MB changes the size.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/helpers/common.bash
source "$here/../tests/helpers/common.bash"
# shellcheck source=tests/helpers-monitor.bash
source "$here/../tests/helpers-monitor.bash"

MB=${BENCH_MB:-200}
PEA=${PEA_MONITOR:-$PEA_BUILD/bin/pea-monitor}
CONMON=${CONMON:-/usr/bin/conmon}
for cmd in "$PEA" "$CONMON" tini /usr/bin/crun; do
	command -v "$cmd" >/dev/null || { echo "bench/monitor: needs '$cmd'" >&2; exit 1; }
done
[[ $(id -u) -eq 0 ]] || { echo "bench/monitor: needs root" >&2; exit 1; }
ensure_fixtures >/dev/null
prepare_cgroups_for_crun
top=$(mktemp -d /tmp/pea-bench-monitor.XXXXXX)
trap 'monitor_teardown >/dev/null 2>&1 || true; rm -rf "$top"' EXIT

# run_case NAME MONITOR ARGS...: a fresh dir and container for MONITOR.
new_case() {
	TEST_DIR="$top/$1"
	ROOT="$TEST_DIR/root"
	mkdir -p "$TEST_DIR"
	export TEST_DIR ROOT
	MONITOR=$2
	shift 2
	monitor_setup "$@"
}

# memory MONITOR: "rss_kb pss_kb private_kb" of the idle monitor.
memory() {
	local pid
	new_case "mem-$(basename "$1")" "$1" sleep 100
	monitor_launch -l "k8s-file:$MON_LOG"
	monitor_start_container >/dev/null
	sleep 1
	pid=$(cat "$MON_PIDFILE")
	awk '/^Rss:/ {r=$2} /^Pss:/ {p=$2} /^Private_(Clean|Dirty):/ {v+=$2}
		END {print r, p, v}' "/proc/$pid/smaps_rollup"
	monitor_teardown >/dev/null 2>&1
}

# memory_many MONITOR N: mean PSS (kB) of N idle monitors, N containers: the
# monitor's own text is shared between them, as on a host with many containers.
memory_many() {
	local i pids=() roots=() cids=() total=0
	for ((i = 0; i < $2; i++)); do
		new_case "many-$(basename "$1")-$i" "$1" sleep 100
		monitor_launch -l "k8s-file:$MON_LOG"
		monitor_start_container >/dev/null
		pids+=("$(cat "$MON_PIDFILE")")
		roots+=("$ROOT")
		cids+=("$MON_CID")
	done
	sleep 1
	for i in "${pids[@]}"; do
		total=$((total + $(awk '/^Pss:/ {print $2}' "/proc/$i/smaps_rollup")))
	done
	echo $((total / $2))
	for ((i = 0; i < $2; i++)); do
		/usr/bin/crun --root "${roots[$i]}" delete -f "${cids[$i]}" >/dev/null 2>&1 || true
	done
	wait
}

# throughput MONITOR: MB/s of MB megabytes of `yes` through k8s-file.
throughput() {
	local t0 t1
	new_case "tp-$(basename "$1")" "$1" sh -c "yes | head -c $((MB * 1024 * 1024))"
	monitor_launch -l "k8s-file:$MON_LOG"
	monitor_sync_line 1 >/dev/null
	t0=$(date +%s.%N)
	/usr/bin/crun --root "$ROOT" start "$MON_CID"
	MON_WAIT=30000 monitor_wait_exit
	t1=$(date +%s.%N)
	awk -v mb="$MB" -v t0="$t0" -v t1="$t1" 'BEGIN {printf "%.1f\n", mb / (t1 - t0)}'
	monitor_teardown >/dev/null 2>&1
	rm -f "$MON_LOG"
}

read -r p_rss p_pss p_priv < <(memory "$PEA")
read -r c_rss c_pss c_priv < <(memory "$CONMON")
printf '%-28s %10s %10s %8s\n' "idle monitor (kB)" pea-monitor conmon ratio
printf '%-28s %10s %10s %8.2f\n' RSS "$p_rss" "$c_rss" "$(echo "$p_rss / $c_rss" | bc -l)"
printf '%-28s %10s %10s %8.2f\n' PSS "$p_pss" "$c_pss" "$(echo "$p_pss / $c_pss" | bc -l)"
printf '%-28s %10s %10s %8.2f\n' "private (clean+dirty)" "$p_priv" "$c_priv" \
	"$(echo "$p_priv / $c_priv" | bc -l)"
p_many=$(memory_many "$PEA" 4)
c_many=$(memory_many "$CONMON" 4)
printf '%-28s %10s %10s %8.2f\n' "PSS each, 4 idle monitors" "$p_many" "$c_many" \
	"$(echo "$p_many / $c_many" | bc -l)"
p_tp=$(throughput "$PEA")
c_tp=$(throughput "$CONMON")
printf '%-28s %10s %10s %8.2f\n' "k8s-file log, MB/s (${MB}M)" "$p_tp" "$c_tp" \
	"$(echo "$p_tp / $c_tp" | bc -l)"
