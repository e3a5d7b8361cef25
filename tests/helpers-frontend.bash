# shellcheck shell=bash
#
# tests/helpers-frontend.bash: drive pea (the frontend) for tests/70-frontend-*.bats.
#
# pea leaves each container with a monitor that detaches (double fork), as
# podman does with conmon. PID 1 on the test machines does not reap orphans,
# so every pea command runs under one subreaper per test file: fe_server_start
# (setup_file) starts `tini -s` with a small bash server as its child; pea_cmd
# hands it a command through a fifo and waits for the result, so the
# monitors and exit commands that pea leaves behind are reaped by tini.
#
#   PEA_FE_RUNTIME, PEA_FE_CONMON   the runtime and monitor pea uses (default:
#                                   pea-runtime and pea-monitor next to pea)
#
# Each test has its own graph root and run root under TEST_DIR (fe_setup).

fe_server_start() {
	FE_SERVER_DIR="$BATS_FILE_TMPDIR/fe-server"
	mkdir -p "$FE_SERVER_DIR"
	mkfifo "$FE_SERVER_DIR/fifo"
	fe_host_net_guard
	tini -s -- bash -c '
		exec 3<>"$1/fifo"
		while read -r d <&3; do
			[[ "$d" == quit ]] && break
			(
				mapfile -d "" args <"$d/argv"
				"${args[@]}" >"$d/out" 2>"$d/err" </dev/null
				rc=$?
				if [[ -p "$d/done" ]]; then
					# opened read-write: never blocks, gone caller or not
					echo "$rc" 1<>"$d/done"
				else
					echo "$rc" >"$d/rc.tmp"
					mv "$d/rc.tmp" "$d/rc"
				fi
			) &
		done
		# wait for what is left (monitors end when their containers do)
		wait
	' _ "$FE_SERVER_DIR" </dev/null >/dev/null 2>&1 &
	FE_SERVER_PID=$!
	export FE_SERVER_DIR FE_SERVER_PID
}

fe_server_stop() {
	local leak=0
	fe_host_net_check || leak=1
	if [[ -n "${FE_SERVER_DIR:-}" && -p "$FE_SERVER_DIR/fifo" ]]; then
		echo quit >"$FE_SERVER_DIR/fifo"
		local i
		for ((i = 0; i < 100; i++)); do
			kill -0 "$FE_SERVER_PID" 2>/dev/null || break
			sleep 0.05
		done
		kill "$FE_SERVER_PID" 2>/dev/null || true
		wait "$FE_SERVER_PID" 2>/dev/null || true
	fi
	return "$leak"
}

# --- the host's network namespace stays untouched ---
#
# As root, podman's default network mode is the bridge network "podman" (and
# pea's). A test that runs pea in the host's namespace must not make a
# bridge, a veth or firewall rules there: fe_host_net_guard (fe_server_start,
# so in setup_file) gives every pea of the file a containers.conf read last
# (CONTAINERS_CONF_OVERRIDE) with [containers] netns = "none" (a copy of
# helpers/netns-none.conf, which common.bash names for every other file,
# where the rootless files' users can read it too), and notes the
# host's nftables tables; fe_host_net_check (fe_server_stop) fails the file
# when pea-netsetup's table appeared in the host's namespace. Network tests run
# pea in a namespace of their own (pea_net), with the real defaults.

# pea-netsetup keeps every rule in its own table, inet pea: a network set up in
# the host's namespace shows there. (A podman0 bridge is no proof: other runs
# on a shared machine, podman's own suites, make theirs in the host's namespace.)
fe_host_net_state() {
	nft list tables 2>/dev/null | grep -E '^table inet pea$' || true
}

fe_host_net_guard() {
	# readable by the users of rootless tests too (the bats folders are not)
	FE_HOST_CONF_DIR="$(mktemp -d /tmp/pea-fe-conf.XXXXXX)"
	chmod 755 "$FE_HOST_CONF_DIR"
	FE_HOST_CONF="$FE_HOST_CONF_DIR/containers.conf"
	cp "$PEA_TEST_HELPERS/netns-none.conf" "$FE_HOST_CONF"
	chmod 644 "$FE_HOST_CONF"
	export CONTAINERS_CONF_OVERRIDE="$FE_HOST_CONF"
	FE_HOST_NET_BEFORE="$(fe_host_net_state)"
	export FE_HOST_CONF FE_HOST_CONF_DIR FE_HOST_NET_BEFORE
}

fe_host_net_check() {
	local new
	[[ -n "${FE_HOST_CONF:-}" ]] || return 0
	rm -rf "${FE_HOST_CONF_DIR:?}"
	# only what appeared counts (what went was another run's, cleaned up meanwhile)
	new="$(comm -13 <(sort <<<"${FE_HOST_NET_BEFORE:-}") <(fe_host_net_state | sort) | grep . || true)"
	if [[ -n "$new" ]]; then
		echo "pea set up a network in the host's namespace: $new" >&2
		return 1
	fi
}

# fe_setup: this test's roots; FE_ARGS are pea's global options for them.
fe_setup() {
	FE_ROOT="$TEST_DIR/root"
	FE_RUNROOT="$TEST_DIR/run"
	FE_ARGS=(--root "$FE_ROOT" --runroot "$FE_RUNROOT")
	if [[ -n "${PEA_FE_RUNTIME:-}" ]]; then
		FE_ARGS+=(--runtime "$PEA_FE_RUNTIME")
	fi
	if [[ -n "${PEA_FE_CONMON:-}" ]]; then
		FE_ARGS+=(--conmon "$PEA_FE_CONMON")
	fi
}

# fe_teardown: remove every container (so their monitors end), then the roots.
fe_teardown() {
	if [[ -n "${FE_ROOT:-}" && -d "$FE_ROOT" ]]; then
		pea_cmd rm -af >/dev/null 2>&1 || true
		# layers and mounts: pea-storage may hold overlay mounts under the root
		local m
		while read -r m; do
			umount -l "$m" 2>/dev/null || true
		done < <(awk -v r="$FE_ROOT" '$2 ~ "^"r {print $2}' /proc/self/mounts | sort -r)
	fi
}

# pea_cmd ARGS...: run "$PEA" with FE_ARGS and ARGS under the file's subreaper;
# prints its stdout and stderr, returns its status. Use with bats' run:
#   run -0 pea_cmd ps -a
# The server writes the status into the folder's fifo "done" (a folder without
# one gets the file "rc", for callers that poll): a blocking read, no polls
# (100 sleeps a second, each a process, made a pea_cmd ~150 ms slower than pea
# at load 15).
pea_cmd() {
	local d fd rc=
	d="$(mktemp -d "$TEST_DIR/cmd.XXXXXX")"
	printf '%s\0' "$PEA" "${FE_ARGS[@]}" "$@" >"$d/argv"
	mkfifo "$d/done"
	exec {fd}<>"$d/done"
	echo "$d" >"$FE_SERVER_DIR/fifo"
	read -r -t 180 -u "$fd" rc
	exec {fd}<&-
	if [[ -z "$rc" ]]; then
		echo "pea_cmd: timed out: $*" >&2
		return 124
	fi
	cat "$d/out"
	cat "$d/err" >&2
	return "$rc"
}

# pea_out ARGS...: like pea_cmd, standard output only (stderr to the test's output).
pea_out() {
	pea_cmd "$@" 2>/dev/null
}

# fe_load_busybox: the fixture image as localhost/busybox:latest.
fe_load_busybox() {
	pea_cmd load -i "$BUSYBOX_ARCHIVE" >/dev/null
}

# fe_wait_state NAME STATE: wait up to 10 s for the container's state.
fe_wait_state() {
	local i
	for ((i = 0; i < 200; i++)); do
		[[ "$(pea_out inspect --format '{{.State.Status}}' "$1")" == "$2" ]] && return 0
		sleep 0.05
	done
	echo "container $1 is not $2: $(pea_out inspect --format '{{.State.Status}}' "$1")" >&2
	return 1
}

# fe_no_leftovers: no mount under the roots, no container layer in storage.
fe_no_mounts() {
	! grep -q " $FE_ROOT" /proc/self/mounts
}

# fe_thaw_all: unpause every paused container (a frozen one cannot be stopped).
fe_thaw_all() {
	if [[ -n "${FE_ROOT:-}" && -d "$FE_ROOT" ]]; then
		pea_cmd unpause --all >/dev/null 2>&1 || true
	fi
}

# --- networks (tests/75-frontend-network*.bats) ---
#
# Everything a network test does lives in a namespace made by the test
# (FE_NETNS, FE_NETNS_NAME): pea runs there through nsenter, so the bridges,
# the nftables table, the published ports and pea-dnsd are all in it, never
# in the host's namespace.

# fe_net_setup: this test's namespace (after fe_setup).
fe_net_setup() {
	require_cmd nsenter
	require_cmd nft
	require_cmd curl
	netns_create || return 1
	FE_NETNS=$NETNS_PATH
	FE_NETNS_NAME=$NETNS_NAME
	export FE_NETNS FE_NETNS_NAME
}

# pea_net ARGS...: pea_cmd with pea inside the test's namespace, with pea's
# real defaults (the host's guard, CONTAINERS_CONF_OVERRIDE, is dropped).
pea_net() {
	local real=$PEA
	local PEA=env
	local FE_ARGS=(-u CONTAINERS_CONF_OVERRIDE nsenter --net="$FE_NETNS" -- "$real"
		"${FE_ARGS[@]}")
	pea_cmd "$@"
}

# fe_in_net CMD...: run CMD in the test's namespace (the host side of the bridges).
fe_in_net() {
	nsenter --net="$FE_NETNS" -- "$@"
}

# fe_net_teardown: remove the containers from inside the namespace (their
# network teardown must run there), stop a DNS server left over, unmount
# namespaces left under the run root, delete the test's namespaces.
fe_net_teardown() {
	local pidf m
	if [[ -n "${FE_NETNS:-}" && -e "$FE_NETNS" ]]; then
		pea_net rm -af >/dev/null 2>&1 || true
	fi
	# whatever is left is torn down by fe_teardown outside the namespace: it
	# must find nothing of the network to tear down there
	rm -f "${FE_RUNROOT:-/nonexistent}"/containers/*/netsetup.json
	pidf=${FE_RUNROOT:-/nonexistent}/networks/aardvark-dns/aardvark.pid
	if [[ -f $pidf ]]; then
		kill "$(cat "$pidf")" 2>/dev/null || true
	fi
	if [[ -n "${FE_RUNROOT:-}" ]]; then
		while read -r m; do
			umount -l "$m" 2>/dev/null || true
		done < <(awk -v r="$FE_RUNROOT" '$2 ~ "^"r {print $2}' /proc/self/mounts | sort -r)
	fi
	netns_delete_all
}

# pea_net_out ARGS...: pea_net, standard output only.
pea_net_out() {
	pea_net "$@" 2>/dev/null
}

# fe_net_clean: nothing of the containers is left in the test's namespace:
# only lo, and no rule (netavark's iptables driver keeps its empty base chains:
# then no rule may name an address of pea's subnets).
fe_net_clean() {
	run -0 ip -n "$FE_NETNS_NAME" -o link show
	assert_equal "${#lines[@]}" 1
	run -0 ip netns exec "$FE_NETNS_NAME" nft list ruleset
	if [[ "${PEA_NETSETUP:-}" == */netavark ]]; then
		refute_output --regexp '10\.(88|89)\.|fd[0-9a-f]{2}:'
	else
		assert_output ""
	fi
}

# the rootless user of a file (fe_rl_*, pea_rl): tests/helpers/fe-rootless.bash
