# shellcheck shell=bash
#
# tests/helpers-dnsd.bash: pea-dnsd in a network namespace made by the test.
#
# Every address lives on the namespace's lo, so `dig -b ADDR` can act as any
# container:
#   net1 (podman1): gateway 10.89.0.1 and fd00:89::1, containers .2 .3 .4 (::2 ::3)
#   net2 (podman2): gateway 10.90.0.1, container 10.90.0.2
#   upstream resolvers (dnsmasq): 10.99.0.53, 10.99.0.54, 10.99.0.55
#
#   dnsd_ns_setup           make the namespace (DNSD_NS), the config dir (DNSD_CONF)
#                           and a resolv.conf (DNSD_RESOLV) bind-mounted for the daemon
#   dnsd_write_net NAME LINE...   write DNSD_CONF/NAME
#   dnsd_start [ARGS...]    run "$PEA_DNSD --config DNSD_CONF -p 53 ARGS run" (forks)
#   dnsd_start_bin BIN ...  the same with another binary (aardvark-dns)
#   dnsd_pid                the daemon's pid from aardvark.pid
#   dnsd_alive PID          the process runs (a zombie does not: PID 1 may not reap)
#   dnsd_stop               SIGTERM the daemon and wait
#   dq SRC ARGS...          dig from SRC (a container address) in the namespace
#   upstream_start ADDR ARGS...   dnsmasq on ADDR:53 with extra options
#   dnsd_teardown           kill what was started, delete the namespace

DNSD_GW1=10.89.0.1
DNSD_GW1_6=fd00:89::1
DNSD_GW2=10.90.0.1
AARDVARK_DNS=${AARDVARK_DNS:-/usr/lib/podman/aardvark-dns}
NETAVARK=${NETAVARK:-/usr/lib/podman/netavark}

DNSD_PIDS=()

dnsd_ns_setup() {
	local a
	require_root
	require_cmd dig
	require_cmd dnsmasq
	netns_create || return 1
	DNSD_NS=$NETNS_NAME
	for a in 10.89.0.1/24 10.89.0.2/24 10.89.0.3/24 10.89.0.4/24 10.90.0.1/24 10.90.0.2/24 \
		10.99.0.53/24 10.99.0.54/24 10.99.0.55/24; do
		ip -n "$DNSD_NS" addr add "$a" dev lo || return 1
	done
	for a in fd00:89::1/64 fd00:89::2/64 fd00:89::3/64; do
		ip -n "$DNSD_NS" addr add "$a" dev lo nodad || return 1
	done
	DNSD_CONF=$TEST_DIR/conf
	DNSD_RESOLV=$TEST_DIR/resolv.conf
	DNSD_LOG=$TEST_DIR/dnsd.log
	mkdir -p "$DNSD_CONF"
	echo "nameserver 10.99.0.53" >"$DNSD_RESOLV"
	export DNSD_NS DNSD_CONF DNSD_RESOLV DNSD_LOG
}

# The default config: two networks, net1 with two named containers and a
# dual-stack one, net2 with one container.
dnsd_default_config() {
	dnsd_write_net podman1 "10.89.0.1,fd00:89::1" \
		"aaaa1111 10.89.0.2 fd00:89::2 web,www" \
		"bbbb2222 10.89.0.3 fd00:89::3 db" \
		"cccc3333 10.89.0.4  v4only"
	dnsd_write_net podman2 "10.90.0.1" \
		"dddd4444 10.90.0.2  other"
}

dnsd_write_net() {
	local name=$1 line
	shift
	: >"$DNSD_CONF/$name.tmp"
	for line in "$@"; do
		printf '%s\n' "$line" >>"$DNSD_CONF/$name.tmp"
	done
	mv "$DNSD_CONF/$name.tmp" "$DNSD_CONF/$name"
}

# Run a binary in the namespace with DNSD_RESOLV as its /etc/resolv.conf
# (ip netns exec gives it a mount namespace of its own, so the host's
# resolv.conf is not touched). netavark starts its DNS server through
# systemd-run when /run/systemd/system exists, which a test suite of systemd
# units may leave on a machine without systemd: /run/systemd is hidden there.
dnsd_exec() {
	# shellcheck disable=SC2016
	ip netns exec "$DNSD_NS" sh -c 'mount --bind "$0" /etc/resolv.conf &&
		{ [ ! -d /run/systemd/system ] || mount -t tmpfs -o size=64k pea-nosystemd /run/systemd; } &&
		exec "$@"' "$DNSD_RESOLV" "$@"
}

dnsd_start_bin() {
	local bin=$1
	shift
	dnsd_exec "$bin" --config "$DNSD_CONF" -p 53 "$@" run
}

dnsd_start() {
	dnsd_start_bin "$PEA_DNSD" --log-file "$DNSD_LOG" --log-level debug "$@"
}

dnsd_pid() {
	cat "$DNSD_CONF/aardvark.pid"
}

dnsd_alive() {
	local state
	state=$(awk '/^State:/ {print $2}' "/proc/$1/status" 2>/dev/null) || return 1
	[[ -n $state && $state != Z ]]
}

# dnsd_wait_gone PID [TENTHS]
dnsd_wait_gone() {
	local pid=$1 i
	for ((i = 0; i < ${2:-50}; i++)); do
		dnsd_alive "$pid" || return 0
		sleep 0.1
	done
	return 1
}

dnsd_stop() {
	local pid
	pid=$(dnsd_pid 2>/dev/null) || return 0
	kill "$pid" 2>/dev/null || true
	dnsd_wait_gone "$pid"
}

# dq SRC ARGS...: dig in the namespace from the address SRC (short timeouts)
dq() {
	local src=$1
	shift
	ip netns exec "$DNSD_NS" dig +time=2 +tries=1 -b "$src" "$@"
}

# upstream_start ADDR [DNSMASQ OPTIONS...]: a resolver on ADDR:53 that knows
# *.example.test (192.0.2.10) and what the options add.
upstream_start() {
	local addr=$1 pidfile
	shift
	pidfile=$TEST_DIR/dnsmasq-$addr.pid
	: >"$TEST_DIR/dnsmasq.conf"
	ip netns exec "$DNSD_NS" dnsmasq --conf-file="$TEST_DIR/dnsmasq.conf" --pid-file="$pidfile" \
		--listen-address="$addr" --bind-interfaces --no-resolv --no-hosts \
		--address=/example.test/192.0.2.10 --log-queries \
		--log-facility="$TEST_DIR/dnsmasq-$addr.log" "$@" || return 1
	DNSD_PIDS+=("$(cat "$pidfile")")
}

upstream_pid() {
	cat "$TEST_DIR/dnsmasq-$1.pid"
}

dnsd_teardown() {
	local p
	if [[ -n "${DNSD_CONF:-}" && -f "$DNSD_CONF/aardvark.pid" ]]; then
		dnsd_stop || kill -9 "$(dnsd_pid)" 2>/dev/null || true
	fi
	for p in "${DNSD_PIDS[@]}"; do
		kill -CONT "$p" 2>/dev/null || true
		kill "$p" 2>/dev/null || true
	done
	DNSD_PIDS=()
	netns_delete_all
}
