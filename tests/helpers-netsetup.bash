# shellcheck shell=bash
#
# tests/helpers-netsetup.bash: pea-netsetup (or netavark) inside namespaces
# made by the test. The real host is never touched: a namespace stands for
# the host (bridge, host ends of the veths, nftables rules and sysctls all
# live there) and each container is another namespace.
#
#   nsu_setup [N]              host namespace NSU_HOST + N container namespaces
#                              NSU_CTR[0..N-1] (paths NSU_CTR_PATH[i]), config dir NSU_CONF
#   nsu_teardown               kill what was started, delete the namespaces
#   nsu_json ID NET BRIDGE IFNAME SUBNET/GW/IP...
#                              options JSON for one bridge network ("10.89.3.0/24/10.89.3.1/10.89.3.2")
#   nsu_run [BIN] ARGS...      run BIN (default $PEA_NETSETUP) in the host namespace with
#                              --config NSU_CONF (bats `run`, stderr apart)
#   nsu_host CMD...            run CMD in the host namespace
#   nsu_ctr I CMD...           run CMD in container namespace I
#   nsu_snapshot               links, addresses and nftables ruleset of the host namespace
#                              (what teardown must leave as it found)

NETAVARK=${NETAVARK:-/usr/lib/podman/netavark}
AARDVARK_DNS=${AARDVARK_DNS:-/usr/lib/podman/aardvark-dns}

NSU_CTR=()
NSU_CTR_PATH=()
NSU_BG=()

nsu_setup() {
	local n=${1:-1} i
	require_root
	require_cmd "$PEA_NETSETUP"
	require_cmd nft
	require_cmd busybox
	require_cmd socat
	netns_create || return 1
	NSU_HOST=$NETNS_NAME
	for ((i = 0; i < n; i++)); do
		netns_create || return 1
		NSU_CTR[i]=$NETNS_NAME
		NSU_CTR_PATH[i]=$NETNS_PATH
	done
	NSU_CONF=$TEST_DIR/conf
	mkdir -p "$NSU_CONF"
	export NSU_HOST NSU_CONF
}

nsu_teardown() {
	local p d
	for p in "${NSU_BG[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for d in "$TEST_DIR"/conf*/aardvark-dns; do
		if [[ -f $d/aardvark.pid ]]; then
			kill "$(cat "$d/aardvark.pid")" 2>/dev/null || true
		fi
	done
	NSU_BG=()
	netns_delete_all
}

nsu_host() {
	ip netns exec "$NSU_HOST" "$@"
}

nsu_ctr() {
	local i=$1
	shift
	ip netns exec "${NSU_CTR[$i]}" "$@"
}

# nsu_bg NS CMD...: run CMD in namespace NS in the background, remembered for teardown.
nsu_bg() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@" </dev/null >/dev/null 2>&1 &
	NSU_BG+=("$!")
}

nsu_run() {
	local bin=$PEA_NETSETUP
	if [[ $1 == /* || $1 == ./* ]]; then
		bin=$1
		shift
	fi
	run --separate-stderr ip netns exec "$NSU_HOST" "$bin" --config "$NSU_CONF" "$@"
}

# nsu_json ID NET BRIDGE IFNAME SUBNET/GW/IP...: one bridge network, no ports, no dns.
# The address triplets are written "SUBNET,GATEWAY,IP".
nsu_json() {
	local id=$1 net=$2 bridge=$3 ifname=$4 t subnets="[]" ips="[]" s g a
	shift 4
	for t in "$@"; do
		IFS=, read -r s g a <<<"$t"
		subnets=$(jq -c --arg s "$s" --arg g "$g" '. + [{subnet: $s, gateway: $g}]' <<<"$subnets")
		ips=$(jq -c --arg a "$a" '. + [$a]' <<<"$ips")
	done
	jq -n --arg id "$id" --arg net "$net" --arg br "$bridge" --arg ifn "$ifname" \
		--argjson subnets "$subnets" --argjson ips "$ips" '{
		container_id: $id,
		container_name: ("name-" + $id[0:8]),
		networks: {($net): {static_ips: $ips, interface_name: $ifn}},
		network_info: {($net): {
			name: $net,
			id: "ec79dd0cad82083c8ac5cc23e9542e4ddea813dff60d68258d36e84f6393b63b",
			driver: "bridge",
			network_interface: $br,
			subnets: $subnets,
			ipv6_enabled: ([$subnets[].subnet | select(contains(":"))] | length > 0),
			internal: false,
			dns_enabled: false,
			ipam_options: {driver: "host-local"}
		}}
	}'
}

# A 64-hex container id from a short tag.
nsu_id() {
	printf '%s' "$1" | sha256sum | cut -c1-64
}

nsu_snapshot() {
	nsu_host ip -o link show 2>/dev/null | sed 's/ link\/.*//'
	nsu_host ip -o addr show 2>/dev/null
	nsu_host nft list ruleset
}

# nsu_wait_port NS PORT [udp|udp6]: wait until something listens on PORT in NS.
nsu_wait_port() {
	local ns=$1 port=$2 flags=(-ltn) i
	case ${3:-} in
	udp) flags=(-lun -4) ;;
	udp6) flags=(-lun -6) ;;
	esac
	for ((i = 0; i < 50; i++)); do
		if ip netns exec "$ns" ss -H "${flags[@]}" "sport = :$port" | grep -q .; then
			return 0
		fi
		sleep 0.05
	done
	echo "nothing listens on port $port in $ns" >&2
	return 1
}

# nsu_wait_port_gone NS PORT: wait until nothing listens on tcp PORT in NS.
nsu_wait_port_gone() {
	local ns=$1 port=$2 i
	for ((i = 0; i < 50; i++)); do
		if ! ip netns exec "$ns" ss -H -ltn "sport = :$port" | grep -q .; then
			return 0
		fi
		sleep 0.05
	done
	echo "port $port still listened on in $ns" >&2
	return 1
}
