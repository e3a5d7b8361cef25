#!/usr/bin/env bash
# bench/netsetup.sh: setup and teardown latency of pea-netsetup beside Debian's
# netavark on the same options JSON: N containers (default 50) joining one
# bridge with a port forward each, one after the other, then leaving. Each
# tool works in throwaway namespaces of its own (one stands for the host), so
# the real host is never touched. Nothing is asserted: the machine is shared.
#
#   PEA_BUILD=build bench/netsetup.sh      NETSETUP_BENCH_CONTAINERS=50
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PEA_BUILD=${PEA_BUILD:-$here/../build}
PEA_NETSETUP=${PEA_NETSETUP:-$PEA_BUILD/bin/pea-netsetup}
NETAVARK=${NETAVARK:-/usr/lib/podman/netavark}
n=${NETSETUP_BENCH_CONTAINERS:-50}

for cmd in ip jq iptables "$PEA_NETSETUP" "$NETAVARK"; do
	if ! command -v "$cmd" >/dev/null 2>&1; then
		echo "bench/netsetup: needs '$cmd'" >&2
		exit 1
	fi
done
if [[ $(id -u) -ne 0 ]]; then
	echo "bench/netsetup: needs root (network namespaces)" >&2
	exit 1
fi

tag=pea-nsbench-$$
work=$(mktemp -d /tmp/pea-nsbench.XXXXXX)
cleanup() {
	local ns
	# run() works in subshells: find its namespaces by name
	for ns in $(ip netns list | awk '{print $1}' | grep "^$tag-"); do
		ip netns delete "$ns" 2>/dev/null || true
	done
	rm -rf "$work"
}
trap cleanup EXIT
# a kill (timeout, ^C) runs the cleanup too: bash runs no EXIT trap on an untrapped signal
trap 'exit 130' INT TERM HUP

mkns() {
	ip netns add "$1"
	ip -n "$1" link set lo up
}

# options JSON of container i: 10.89.0.0/16, one tcp port forward
for ((i = 0; i < n; i++)); do
	jq -n --arg id "$(printf '%064x' "$((i + 1))")" --arg ip "10.89.$((i / 200)).$((i % 200 + 2))" \
		--argjson port $((10000 + i)) '{
		container_id: $id, container_name: "c\($port)",
		port_mappings: [{host_ip: "", container_port: 80, host_port: $port, range: 1, protocol: "tcp"}],
		networks: {bench: {static_ips: [$ip], interface_name: "eth0"}},
		network_info: {bench: {name: "bench",
			id: "ec79dd0cad82083c8ac5cc23e9542e4ddea813dff60d68258d36e84f6393b63b",
			driver: "bridge", network_interface: "benchbr0",
			subnets: [{subnet: "10.89.0.0/16", gateway: "10.89.255.254"}],
			ipv6_enabled: false, internal: false, dns_enabled: false,
			ipam_options: {driver: "host-local"}}}}' >"$work/o$i.json"
done

# each COMMAND of one phase, for every container; prints "wall_ms cpu_ms"
# (cpu: user+sys of the tool and of the `ip netns exec` around it, the same for both)
phase() {
	local name=$1 bin=$2 cmd=$3 host="$tag-$1-h" i t
	TIMEFORMAT='%R %U %S'
	t=$({ time for ((i = 0; i < n; i++)); do
		ip netns exec "$host" env DBUS_SYSTEM_BUS_ADDRESS= "$bin" --config "$work/$name" \
			-f "$work/o$i.json" "$cmd" "/run/netns/$tag-$name-$i" >/dev/null
	done; } 2>&1)
	awk '{ printf "%d %d\n", $1 * 1000, ($2 + $3) * 1000 }' <<<"$t"
}

# run NAME BIN: prints "setup_wall setup_cpu teardown_wall teardown_cpu" (ms, all containers)
run() {
	local name=$1 bin=$2 i
	mkns "$tag-$name-h"
	for ((i = 0; i < n; i++)); do
		mkns "$tag-$name-$i"
	done
	mkdir -p "$work/$name"
	echo "$(phase "$name" "$bin" setup) $(phase "$name" "$bin" teardown)"
}

read -r pea_s pea_sc pea_t pea_tc < <(run pea "$PEA_NETSETUP")
read -r nv_s nv_sc nv_t nv_tc < <(run netavark "$NETAVARK")

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1fx", a / b; else print "-" }'; }
per() { awk -v t="$1" -v n="$n" 'BEGIN { printf "%.1f", t / n }'; }
printf '%-28s %12s %12s %8s\n' "netsetup ($n containers, 1 bridge)" pea-netsetup netavark "faster"
printf '%-28s %10s ms %10s ms %8s\n' "setup, per container" "$(per "$pea_s")" "$(per "$nv_s")" "$(ratio "$nv_s" "$pea_s")"
printf '%-28s %10s ms %10s ms %8s\n' "teardown, per container" "$(per "$pea_t")" "$(per "$nv_t")" "$(ratio "$nv_t" "$pea_t")"
printf '%-28s %10s ms %10s ms %8s\n' "setup+teardown, all" "$((pea_s + pea_t))" "$((nv_s + nv_t))" \
	"$(ratio $((nv_s + nv_t)) $((pea_s + pea_t)))"
printf '%-28s %10s ms %10s ms %8s\n' "cpu (user+sys), setup" "$(per "$pea_sc")" "$(per "$nv_sc")" \
	"$(ratio "$nv_sc" "$pea_sc")"
printf '%-28s %10s ms %10s ms %8s\n' "cpu (user+sys), teardown" "$(per "$pea_tc")" "$(per "$nv_tc")" \
	"$(ratio "$nv_tc" "$pea_tc")"
