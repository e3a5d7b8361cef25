# shellcheck shell=bash
#
# tests/helpers/netns.bash: network namespaces for network tests (root).
# Nothing here touches the host's interfaces, routes or firewall: links are
# created inside the test namespaces.
#
#   netns_create          new namespace "pea-t-<pid>-<n>" with lo up; exports
#                         NETNS_NAME and NETNS_PATH (/run/netns/<name>)
#   netns_delete [NAME]   delete NAME (default: NETNS_NAME)
#   netns_delete_all      delete every namespace netns_create made in this
#                         process (e.g. in teardown / teardown_file)
#   netns_veth NS_A NS_B [ADDR_A [ADDR_B]]
#                         a veth pair from NS_A (pea0) to NS_B (pea1), up, with
#                         addresses (default 192.0.2.1/24 and 192.0.2.2/24,
#                         TEST-NET-1); exports NETNS_VETH_A, NETNS_VETH_B

NETNS_SEQ=0
NETNS_CREATED=()

netns_create() {
	local name i
	if [[ "$(id -u)" -ne 0 ]]; then
		pea_die "needs root"
		return 1
	fi
	for ((i = 0; i < 20; i++)); do
		NETNS_SEQ=$((NETNS_SEQ + 1))
		name="pea-t-$$-$NETNS_SEQ"
		[[ ! -e "/run/netns/$name" ]] || continue
		if ! ip netns add "$name"; then
			pea_die "ip netns add '$name' failed"
			return 1
		fi
		NETNS_CREATED+=("$name")
		if ! ip -n "$name" link set lo up; then
			netns_delete "$name"
			pea_die "cannot bring lo up in '$name'"
			return 1
		fi
		NETNS_NAME="$name"
		NETNS_PATH="/run/netns/$name"
		export NETNS_NAME NETNS_PATH
		return 0
	done
	pea_die "no free namespace name"
}

netns_delete() {
	local name="${1:-${NETNS_NAME:-}}" keep=() n
	[[ -n "$name" ]] || return 0
	if [[ -e "/run/netns/$name" ]]; then
		ip netns delete "$name" || return 1
	fi
	for n in "${NETNS_CREATED[@]}"; do
		[[ "$n" == "$name" ]] || keep+=("$n")
	done
	NETNS_CREATED=("${keep[@]}")
	if [[ "${NETNS_NAME:-}" == "$name" ]]; then
		unset NETNS_NAME NETNS_PATH
	fi
}

netns_delete_all() {
	local n rc=0
	for n in "${NETNS_CREATED[@]}"; do
		netns_delete "$n" || rc=1
	done
	return $rc
}

netns_veth() {
	local a="$1" b="$2" addr_a="${3:-192.0.2.1/24}" addr_b="${4:-192.0.2.2/24}"
	if ! { ip -n "$a" link add pea0 type veth peer name pea1 netns "$b" &&
		ip -n "$a" addr add "$addr_a" dev pea0 &&
		ip -n "$b" addr add "$addr_b" dev pea1 &&
		ip -n "$a" link set pea0 up &&
		ip -n "$b" link set pea1 up; }; then
		pea_die "cannot make a veth pair between '$a' and '$b'"
		return 1
	fi
	NETNS_VETH_A=pea0
	NETNS_VETH_B=pea1
	export NETNS_VETH_A NETNS_VETH_B
}
