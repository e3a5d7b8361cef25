#!/usr/bin/env bash
# bench/dnsd.sh: pea-dnsd beside aardvark-dns on the same records, in a network
# namespace of its own: queries per second and latency (average, p99) with
# dnsperf from a container's address, and the daemon's memory (VmRSS, VmHWM).
# Nothing is asserted: the machine is shared.
#
#   PEA_BUILD=build bench/dnsd.sh      DNSD_BENCH_SECONDS=5 DNSD_BENCH_CLIENTS=4
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PEA_BUILD=${PEA_BUILD:-$here/../build}
PEA_DNSD=${PEA_DNSD:-$PEA_BUILD/bin/pea-dnsd}
AARDVARK_DNS=${AARDVARK_DNS:-/usr/lib/podman/aardvark-dns}
seconds=${DNSD_BENCH_SECONDS:-5}
clients=${DNSD_BENCH_CLIENTS:-4}
containers=${DNSD_BENCH_CONTAINERS:-100}

for cmd in ip dnsperf "$PEA_DNSD" "$AARDVARK_DNS"; do
	if ! command -v "$cmd" >/dev/null 2>&1; then
		echo "bench/dnsd: needs '$cmd'" >&2
		exit 1
	fi
done
if [[ $(id -u) -ne 0 ]]; then
	echo "bench/dnsd: needs root (network namespaces)" >&2
	exit 1
fi

ns=pea-dnsbench-$$
work=$(mktemp -d /tmp/pea-dnsbench.XXXXXX)
cleanup() {
	local d
	for d in "$work"/pea "$work"/aardvark; do
		[[ -f $d/aardvark.pid ]] && kill "$(cat "$d/aardvark.pid")" 2>/dev/null
	done
	ip netns delete "$ns" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
# a kill (timeout, ^C) runs the cleanup too: bash runs no EXIT trap on an untrapped signal
trap 'exit 130' INT TERM HUP

ip netns add "$ns"
ip -n "$ns" link set lo up
ip -n "$ns" addr add 10.89.0.1/16 dev lo
ip -n "$ns" addr add 10.89.0.2/16 dev lo

# One network of $containers containers, each with a name, an alias, v4 and v6;
# dnsperf asks from the first one's address (10.89.0.2), as a container would.
mkdir -p "$work/pea" "$work/aardvark"
{
	echo "10.89.0.1"
	for ((i = 0; i < containers; i++)); do
		printf '%064x 10.89.%d.%d fd00::%x ctr%d,alias%d\n' "$i" $((i / 250)) \
			$((2 + i % 250)) $((i + 16)) "$i" "$i"
	done
} >"$work/pea/bench"
cp "$work/pea/bench" "$work/aardvark/bench"
# Queries: A and AAAA by name and alias, with and without the search domain, PTR.
{
	for ((i = 0; i < containers; i++)); do
		echo "ctr$i A"
		echo "alias$i.dns.podman AAAA"
		echo "$((2 + i % 250)).$((i / 250)).89.10.in-addr.arpa PTR"
	done
} >"$work/queries"

start() {
	ip netns exec "$ns" "$1" --config "$2" -p 53 run >/dev/null 2>&1
	cat "$2/aardvark.pid"
}

# The CPU time of a process (all its threads), in clock ticks.
cpu_ticks() {
	awk '{print $14 + $15}' "/proc/$1/stat"
}

# measure NAME BIN DIR: prints "qps avg_ms p99_ms rss_kb hwm_kb lost cpu_us_per_query"
measure() {
	local pid out qps avg p99 rss hwm lost t0 t1 done_ cpu
	pid=$(start "$2" "$3")
	sleep 0.3
	# warm up, then the timed run with per-query latencies (-v) for the p99
	ip netns exec "$ns" dnsperf -s 10.89.0.1 -a 10.89.0.2 -d "$work/queries" -l 1 \
		-c "$clients" -q 200 >/dev/null 2>&1 || true
	t0=$(cpu_ticks "$pid")
	out=$(ip netns exec "$ns" dnsperf -s 10.89.0.1 -a 10.89.0.2 -d "$work/queries" \
		-l "$seconds" -c "$clients" -q 200 -v 2>/dev/null) || true
	t1=$(cpu_ticks "$pid")
	qps=$(awk '/Queries per second:/ {printf "%d", $4}' <<<"$out")
	avg=$(awk '/Average Latency/ {printf "%.3f", $4 * 1000}' <<<"$out")
	lost=$(awk '/Queries lost:/ {print $3}' <<<"$out")
	done_=$(awk '/Queries completed:/ {print $3}' <<<"$out")
	# CPU per answered query: what a loaded, shared machine distorts least
	cpu=$(awk -v t=$((t1 - t0)) -v n="${done_:-0}" -v hz="$(getconf CLK_TCK)" \
		'BEGIN {if (n > 0) printf "%.2f", t * 1e6 / hz / n; else print 0}')
	p99=$(awk '/^> / {print $NF}' <<<"$out" | sort -n |
		awk '{v[NR] = $1} END {if (NR) printf "%.3f", v[int(NR * 0.99)] * 1000}')
	rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")
	hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status")
	kill "$pid"
	sleep 0.3
	echo "${qps:-0} ${avg:-0} ${p99:-0} ${rss:-0} ${hwm:-0} ${lost:-0} ${cpu:-0}"
}

read -r p_qps p_avg p_p99 p_rss p_hwm p_lost p_cpu < <(measure pea-dnsd "$PEA_DNSD" "$work/pea")
read -r a_qps a_avg a_p99 a_rss a_hwm a_lost a_cpu < <(measure aardvark-dns "$AARDVARK_DNS" "$work/aardvark")

echo "dnsd: $containers containers, $clients dnsperf clients, ${seconds}s, UDP, A/AAAA/PTR mix"
fmt='%-14s %10s %8s %8s %12s %8s %8s %6s\n'
# shellcheck disable=SC2059
printf "$fmt" "" "queries/s" "avg ms" "p99 ms" "CPU us/query" "RSS kB" "peak kB" "lost"
# shellcheck disable=SC2059
printf "$fmt" pea-dnsd "$p_qps" "$p_avg" "$p_p99" "$p_cpu" "$p_rss" "$p_hwm" "$p_lost"
# shellcheck disable=SC2059
printf "$fmt" aardvark-dns "$a_qps" "$a_avg" "$a_p99" "$a_cpu" "$a_rss" "$a_hwm" "$a_lost"
awk -v pq="$p_qps" -v aq="$a_qps" -v pr="$p_hwm" -v ar="$a_hwm" -v pc="$p_cpu" -v ac="$a_cpu" 'BEGIN {
	if (aq > 0) printf "ratio: pea-dnsd does %.2fx the queries/s of aardvark-dns\n", pq / aq
	if (pc > 0) printf "ratio: aardvark-dns spends %.2fx the CPU per query of pea-dnsd\n", ac / pc
	if (pr > 0) printf "ratio: aardvark-dns peaks at %.2fx the memory of pea-dnsd\n", ar / pr
}'
