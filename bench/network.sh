#!/usr/bin/env bash
# bench/network.sh: the network of a container end to end, pea beside podman,
# all in one network namespace made here (it stands for the host, which is
# never touched). Prints, never asserts (the machine is shared):
#  - `run --rm --network none busybox true` and the same on a bridge network
#    with DNS: pea with pea-netsetup and pea-dnsd, pea with Debian's netavark
#    and aardvark-dns in their place (PEA_NETSETUP, PEA_DNSD), and podman (its
#    netavark and aardvark-dns); the cost of the network is bridge - none;
#  - the DNS server of that network with two containers on it: latency of
#    name queries (dnsperf, A records of the containers' names, from the
#    network's side) and its memory (VmRSS), pea-dnsd beside aardvark-dns.
#  - throughput (iperf3, BENCH_IPERF_SECONDS each, default 3) from a container
#    to the host side: rootful through the bridge's veth, rootless (a user of
#    this run's, peabench) through pasta, slirp4netns and a bridge network in
#    the rootless network namespace, and podman rootless (slirp4netns, its 4.3
#    default) where it runs; each as a ratio of the rootful veth's.
# Podman keeps network state in /run/containers: it runs in a mount namespace
# where that is a folder of this run. Needs root, tini, dnsperf, iperf3, jq;
# podman optional. BENCH_RUNS (default 5), BENCH_DNS_SECONDS (default 3).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/helpers/common.bash
source "$here/../tests/helpers/common.bash"

if [[ -z "${PEA_BENCH_REAPED:-}" ]]; then
	command -v tini >/dev/null || { echo "bench/network: needs tini" >&2; exit 1; }
	PEA_BENCH_REAPED=1 exec tini -s -- "$0" "$@"
fi
[[ $(id -u) -eq 0 ]] || { echo "bench/network: needs root" >&2; exit 1; }
RUNS=${BENCH_RUNS:-5}
SECONDS_DNS=${BENCH_DNS_SECONDS:-3}
PEA=${PEA:-$PEA_BUILD/bin/pea}
NETAVARK=${NETAVARK:-/usr/lib/podman/netavark}
AARDVARK_DNS=${AARDVARK_DNS:-/usr/lib/podman/aardvark-dns}
IPERF_SECONDS=${BENCH_IPERF_SECONDS:-3}
for cmd in "$PEA" "$NETAVARK" "$AARDVARK_DNS" dnsperf nsenter iperf3 jq pasta slirp4netns \
	runuser newuidmap; do
	command -v "$cmd" >/dev/null || { echo "bench/network: needs '$cmd'" >&2; exit 1; }
done
ensure_fixtures >/dev/null
have_podman=0
command -v podman >/dev/null && have_podman=1

ns=pea-netbench-$$
top=$(mktemp -d /tmp/pea-bench-network.XXXXXX)
mkdir -p "$top"/{pea,pea-run,nv,nv-run,pm,pm-run,pm-tmp,pm-netconf,pm-runc,pm-bin}
ip netns add "$ns"
ip -n "$ns" link set lo up
nsp=/run/netns/$ns
# an address and a default route, for pasta to copy (the route leads nowhere)
ip -n "$ns" link add v0 type veth peer name v1
ip -n "$ns" addr add 192.0.2.1/24 dev v0
ip -n "$ns" link set v0 up
ip -n "$ns" link set v1 up
ip -n "$ns" route add default via 192.0.2.254 dev v0 onlink

# netavark starts aardvark-dns through systemd-run when /run/systemd/system
# exists (a test suite of systemd units may leave it on a machine without
# systemd): it runs in a mount namespace where /run/systemd is hidden
mkdir -p "$top/nv-bin"
cat >"$top/nv-bin/netavark" <<EOF
#!/bin/sh
exec unshare -m --propagation private sh -c '[ ! -d /run/systemd/system ] ||
	mount -t tmpfs -o size=64k pea-nosystemd /run/systemd; exec "\$0" "\$@"' "$NETAVARK" "\$@"
EOF
chmod 755 "$top/nv-bin/netavark"
NETAVARK=$top/nv-bin/netavark

pea_own=("$PEA" --root "$top/pea" --runroot "$top/pea-run")
pea_nv=("$PEA" --root "$top/nv" --runroot "$top/nv-run")
ln -s "$NETAVARK" "$top/pm-bin/netavark"
ln -s "$AARDVARK_DNS" "$top/pm-bin/aardvark-dns"
cat >"$top/pm.conf" <<EOF
[network]
network_backend = "netavark"
network_config_dir = "$top/pm-netconf"
[engine]
helper_binaries_dir = ["$top/pm-bin"]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$top/pm-events.log"
EOF
# Root here lacks CAP_SYS_RESOURCE: podman gets rlimits it can set.
pm_opts=(--ulimit nofile=20000:20000 --ulimit nproc=4096:4096)

in_ns() { nsenter --net="$nsp" -- "$@"; }
pea_a() { in_ns "${pea_own[@]}" "$@"; }
pea_b() { in_ns env PEA_NETSETUP="$NETAVARK" PEA_DNSD="$AARDVARK_DNS" "${pea_nv[@]}" "$@"; }
pm() {
	CONTAINERS_CONF=$top/pm.conf nsenter --net="$nsp" -- unshare -m --propagation private -- \
		sh -c 'mount --bind "$1" /run/containers && shift && exec "$@"' sh "$top/pm-runc" \
		podman --root "$top/pm" --runroot "$top/pm-run" --tmpdir "$top/pm-tmp" \
		--storage-driver vfs "$@"
}

# ---- rootless: a user of this run's (peabench) -------------------------------------
# /dev/net/tun is root's here (and /dev/shm 0755): the user's pause processes
# (pea's, podman's) start in a mount namespace where a 0666 node of this run's
# is bound over it (and a tmpfs of the user's is /dev/shm, for podman's locks),
# and every later command of the user joins them.
RL_USER=peabench
rl_ready=0
rootless_setup() {
	id -u "$RL_USER" >/dev/null 2>&1 || useradd -m -s /bin/sh "$RL_USER" || return 1
	rl_ready=1
	RL_UID=$(id -u "$RL_USER")
	RL_HOME=$(getent passwd "$RL_USER" | cut -d: -f6)
	RL_XDG=/run/user/$RL_UID
	rootless_add_subid /etc/subuid "$RL_USER" "$RL_UID" &&
		rootless_add_subid /etc/subgid "$RL_USER" "$RL_UID" || return 1
	mkdir -p "$RL_XDG" && chown "$RL_UID:$(id -g "$RL_USER")" "$RL_XDG" && chmod 700 "$RL_XDG"
	mknod -m 0666 "$top/tun" c 10 200
	chmod 755 "$top"
	cp "$BUSYBOX_ARCHIVE" "$RL_HOME/busybox.tar"
	chown "$RL_USER" "$RL_HOME/busybox.tar"
	mkdir -p "$RL_HOME/.config/containers"
	printf '[storage]\ndriver = "vfs"\n' >"$RL_HOME/pm-storage.conf"
	printf '[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\n[network]\nnetwork_backend = "netavark"\n' \
		>"$RL_HOME/pm.conf"
	chown -R "$RL_USER" "$RL_HOME"
}
rl_env() {
	printf '%s\0' env HOME="$RL_HOME" USER="$RL_USER" LOGNAME="$RL_USER" XDG_RUNTIME_DIR="$RL_XDG" \
		PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin
}
# as_user_tun CMD...: CMD as the user in the bench's namespace, /dev/net/tun its own
as_user_tun() {
	local envv
	mapfile -d '' envv < <(rl_env)
	in_ns unshare -m --propagation private sh -c \
		'mount --bind "$1" /dev/net/tun && mount -t tmpfs -o mode=1777 shm /dev/shm &&
		shift && exec "$@"' sh "$top/tun" \
		runuser -u "$RL_USER" -- "${envv[@]}" "$@"
}
pea_u() {
	local envv
	mapfile -d '' envv < <(rl_env)
	in_ns runuser -u "$RL_USER" -- "${envv[@]}" "$PEA" "$@"
}
pm_u() {
	local envv
	mapfile -d '' envv < <(rl_env)
	in_ns runuser -u "$RL_USER" -- "${envv[@]}" CONTAINERS_CONF="$RL_HOME/pm.conf" \
		CONTAINERS_STORAGE_CONF="$RL_HOME/pm-storage.conf" podman "$@"
}
rootless_cleanup() {
	local pid k
	((rl_ready)) || return 0
	set +e
	pea_u rm -af >/dev/null 2>&1 || true
	pea_u network rm -f rb >/dev/null 2>&1 || true
	pea_u system migrate >/dev/null 2>&1 || true
	if ((have_podman)); then
		pm_u rm -af -t 0 >/dev/null 2>&1 || true
		pm_u system migrate >/dev/null 2>&1 || true
	fi
	# what is left of the user's (its pause processes), each by its pid
	for ((k = 0; k < 20; k++)); do
		pid=$(ps -o pid= -u "$RL_USER" 2>/dev/null | tr '\n' ' ') || true
		[[ -n "${pid// /}" ]] || break
		# shellcheck disable=SC2086
		kill -KILL $pid 2>/dev/null || true
		sleep 0.1
	done
	sed -i "/^$RL_USER:/d" /etc/subuid /etc/subgid
	userdel -r "$RL_USER" >/dev/null 2>&1
	rm -rf "$RL_XDG" || echo "bench/network: cannot remove $RL_XDG" >&2
}

cleanup() {
	local pidf
	set +e # everything is tried, whatever fails
	pea_a rm -af >/dev/null 2>&1 || true
	pea_b rm -af >/dev/null 2>&1 || true
	((have_podman)) && { pm rm -af -t 0 >/dev/null 2>&1 || true; }
	rootless_cleanup
	[[ -f $top/iperf3.pid ]] && kill "$(cat "$top/iperf3.pid")" 2>/dev/null
	for pidf in "$top"/pea-run/networks/aardvark-dns/aardvark.pid \
		"$top"/nv-run/networks/aardvark-dns/aardvark.pid \
		"$top"/pm-runc/networks/aardvark-dns/aardvark.pid; do
		[[ -f $pidf ]] && kill "$(cat "$pidf")" 2>/dev/null
	done
	ip netns delete "$ns" 2>/dev/null || true
	local try
	for try in 1 2 3; do
		grep " $top" /proc/self/mounts | awk '{print $2}' | sort -r |
			xargs -r -n1 umount -l 2>/dev/null || true
		rm -rf "$top" 2>/dev/null && break
	done
}
trap cleanup EXIT
# a kill (timeout, ^C) runs the cleanup too: bash runs no EXIT trap on an untrapped signal
trap 'exit 130' INT TERM HUP

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# avg_ms CMD...: mean wall time of CMD over RUNS runs, in ms (one warm-up run).
avg_ms() {
	local t0 t1 k
	"$@" >/dev/null 2>&1 || { echo "bench/network: failed: $*" >&2; echo 0; return; }
	t0=$(now_ms)
	for ((k = 0; k < RUNS; k++)); do
		"$@" >/dev/null 2>&1
	done
	t1=$(now_ms)
	echo $(((t1 - t0) / RUNS))
}

pea_a load -i "$BUSYBOX_ARCHIVE" >/dev/null
pea_b load -i "$BUSYBOX_ARCHIVE" >/dev/null
pea_a network create --subnet 10.89.60.0/24 bench >/dev/null
pea_b network create --subnet 10.89.61.0/24 bench >/dev/null
if ((have_podman)); then
	pm load -i "$BUSYBOX_ARCHIVE" >/dev/null 2>&1
	pm network create --subnet 10.89.62.0/24 bench >/dev/null
fi

img=localhost/busybox:latest
a_none=$(avg_ms pea_a run --rm --network none "$img" true)
a_br=$(avg_ms pea_a run --rm --network bench "$img" true)
b_none=$(avg_ms pea_b run --rm --network none "$img" true)
b_br=$(avg_ms pea_b run --rm --network bench "$img" true)
p_none=0 p_br=0
if ((have_podman)); then
	p_none=$(avg_ms pm run --rm "${pm_opts[@]}" --network none "$img" true)
	p_br=$(avg_ms pm run --rm "${pm_opts[@]}" --network bench "$img" true)
fi

# dns NAME GATEWAY PIDFILE CMD...: two containers on bench, then "avg_ms p99_ms qps rss_kb"
dns() {
	local gw=$2 pidf=$3 out avg p99 qps rss pid
	shift 3
	"$@" run -d --name web1 --network bench "${extra[@]}" "$img" sleep 1000 >/dev/null
	"$@" run -d --name web2 --network bench "${extra[@]}" "$img" sleep 1000 >/dev/null
	printf 'web1 A\nweb2 A\nweb1.dns.podman A\n' >"$top/queries"
	out=$(in_ns dnsperf -s "$gw" -d "$top/queries" -l "$SECONDS_DNS" -c 2 -q 20 -v \
		2>/dev/null) || true
	qps=$(awk '/Queries per second:/ {printf "%d", $4}' <<<"$out")
	avg=$(awk '/Average Latency/ {printf "%.3f", $4 * 1000}' <<<"$out")
	p99=$(awk '/^> / {print $NF}' <<<"$out" | sort -n |
		awk '{v[NR] = $1} END {if (NR) printf "%.3f", v[int(NR * 0.99)] * 1000}')
	pid=$(cat "$pidf" 2>/dev/null || echo 0)
	rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
	"$@" rm -f web1 web2 >/dev/null 2>&1 || true
	echo "${avg:-0} ${p99:-0} ${qps:-0} ${rss:-0}"
}
extra=()
read -r a_avg a_p99 a_qps a_rss < <(dns pea 10.89.60.1 "$top/pea-run/networks/aardvark-dns/aardvark.pid" pea_a)
read -r b_avg b_p99 b_qps b_rss < <(dns nv 10.89.61.1 "$top/nv-run/networks/aardvark-dns/aardvark.pid" pea_b)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b > 0) printf "%.2fx", a / b; else print "-" }'; }
fmt='%-34s %14s %18s %10s %10s\n'
echo "network: one namespace standing for the host, $RUNS runs each (ms, mean)"
# shellcheck disable=SC2059
printf "$fmt" "" "pea" "pea+netavark" "podman" "podman/pea"
# shellcheck disable=SC2059
printf "$fmt" "run --rm --network none true" "$a_none" "$b_none" "$p_none" "$(ratio "$p_none" "$a_none")"
# shellcheck disable=SC2059
printf "$fmt" "run --rm --network bench true" "$a_br" "$b_br" "$p_br" "$(ratio "$p_br" "$a_br")"
# shellcheck disable=SC2059
printf "$fmt" "network cost (bridge - none)" "$((a_br - a_none))" "$((b_br - b_none))" \
	"$((p_br - p_none))" "$(ratio $((p_br - p_none)) $((a_br - a_none)))"
echo "ratio: with netavark and aardvark-dns in their place, pea's network costs" \
	"$(ratio $((b_br - b_none)) $((a_br - a_none))) of pea-netsetup and pea-dnsd's"
echo
echo "dns: two containers on the network, dnsperf from its side, ${SECONDS_DNS}s, A queries"
fmt='%-14s %8s %8s %10s %8s\n'
# shellcheck disable=SC2059
printf "$fmt" "" "avg ms" "p99 ms" "queries/s" "RSS kB"
# shellcheck disable=SC2059
printf "$fmt" pea-dnsd "$a_avg" "$a_p99" "$a_qps" "$a_rss"
# shellcheck disable=SC2059
printf "$fmt" aardvark-dns "$b_avg" "$b_p99" "$b_qps" "$b_rss"
echo "ratio: aardvark-dns answers in $(ratio "$b_avg" "$a_avg") the time of pea-dnsd (avg)," \
	"with $(ratio "$b_rss" "$a_rss") its memory"

# ---- throughput: iperf3 from a container to the host side ------------------------------

# iperf_gbps PID ADDR: Gbit/s received, from the network namespace of PID to ADDR:5201
iperf_gbps() {
	local out
	out=$(timeout -k 5 $((IPERF_SECONDS + 30)) nsenter --net="/proc/$1/ns/net" -- \
		iperf3 -c "$2" -t "$IPERF_SECONDS" -J 2>/dev/null) || { echo 0; return; }
	jq -r '.end.sum_received.bits_per_second / 1e7 | floor / 100' <<<"$out"
}
# tput_of NAME ADDR CMD...: run a container with CMD (pea_a run ...), measure, remove it
tput_of() {
	local name=$1 addr=$2 pid
	shift 2
	if ! "$@" -d --name "$name" "$img" sleep 1000 >/dev/null 2>"$top/$name.err"; then
		echo "bench/network: $name: $(tail -1 "$top/$name.err")" >&2
		echo 0
		return
	fi
	pid=$("${1}" inspect --format '{{.State.Pid}}' "$name" 2>/dev/null)
	iperf_gbps "$pid" "$addr"
	"${1}" rm -f "$name" >/dev/null 2>&1 || true
}
in_ns iperf3 -s -D --pidfile "$top/iperf3.pid" >/dev/null
for ((k = 0; k < 50; k++)); do
	[[ -s $top/iperf3.pid ]] && break
	sleep 0.1
done
t_veth=$(tput_of tp-veth 10.89.60.1 pea_a run --network bench)
t_pasta=0 t_slirp=0 t_rlbr=0 t_pm=0 t_pmbr=0
if rootless_setup; then
	as_user_tun "$PEA" unshare true
	pea_u load -i "$RL_HOME/busybox.tar" >/dev/null
	pea_u network create --subnet 10.89.70.0/24 rb >/dev/null
	# pasta maps the gateway to the host's loopback; slirp4netns and the rootless
	# namespace reach the host's own address
	t_pasta=$(tput_of tp-pasta 192.0.2.254 pea_u run --network pasta)
	t_slirp=$(tput_of tp-slirp 192.0.2.1 pea_u run --network slirp4netns)
	t_rlbr=$(tput_of tp-rlbr 192.0.2.1 pea_u run --network rb)
	if ((have_podman)) && as_user_tun env CONTAINERS_CONF="$RL_HOME/pm.conf" \
		CONTAINERS_STORAGE_CONF="$RL_HOME/pm-storage.conf" podman unshare true \
		>"$top/pm-rl.err" 2>&1 && pm_u load -i "$RL_HOME/busybox.tar" >"$top/pm-rl.err" 2>&1 &&
		pm_u network create --subnet 10.89.71.0/24 rb >"$top/pm-rl.err" 2>&1; then
		t_pm=$(tput_of tp-pm 192.0.2.1 pm_u run "${pm_opts[@]}" --network slirp4netns)
		t_pmbr=$(tput_of tp-pmbr 192.0.2.1 pm_u run "${pm_opts[@]}" --network rb)
	elif ((have_podman)); then
		echo "bench/network: podman rootless cannot run here: $(tail -1 "$top/pm-rl.err")" >&2
	fi
else
	echo "bench/network: cannot make the user $RL_USER: no rootless numbers" >&2
fi
echo
echo "throughput: iperf3 from a container to the host side, ${IPERF_SECONDS}s each (Gbit/s)"
fmt='%-46s %10s %16s\n'
# shellcheck disable=SC2059
printf "$fmt" "" "Gbit/s" "of rootful veth"
# shellcheck disable=SC2059
printf "$fmt" "pea rootful, bridge (veth)" "$t_veth" "1.00x"
# shellcheck disable=SC2059
printf "$fmt" "pea rootless, pasta" "$t_pasta" "$(ratio "$t_pasta" "$t_veth")"
# shellcheck disable=SC2059
printf "$fmt" "pea rootless, slirp4netns" "$t_slirp" "$(ratio "$t_slirp" "$t_veth")"
# shellcheck disable=SC2059
printf "$fmt" "pea rootless, bridge (rootless netns)" "$t_rlbr" "$(ratio "$t_rlbr" "$t_veth")"
if ((have_podman)); then
	# shellcheck disable=SC2059
	printf "$fmt" "podman 4.3 rootless, slirp4netns" "$t_pm" "$(ratio "$t_pm" "$t_veth")"
	# shellcheck disable=SC2059
	printf "$fmt" "podman 4.3 rootless, bridge (rootless netns)" "$t_pmbr" "$(ratio "$t_pmbr" "$t_veth")"
fi
echo "ratio: rootless through pasta carries $(ratio "$t_pasta" "$t_veth") of the rootful veth's throughput"
