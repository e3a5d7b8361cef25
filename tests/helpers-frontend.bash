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
# pea's, once [containers] netns defaults to it). A test that runs pea in the
# host's namespace must not make a
# bridge, a veth or firewall rules there: fe_host_net_guard (fe_server_start,
# so in setup_file) gives every pea of the file a containers.conf read last
# (CONTAINERS_CONF_OVERRIDE) with [containers] netns = "none", and notes the
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
	printf '[containers]\nnetns = "none"\n' >"$FE_HOST_CONF"
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

# --- rootless (tests/76-frontend-rootless*.bats) ---
#
# An ordinary user of the file's own (FE_RL_USER, made by useradd in
# setup_file with its own /etc/subuid and /etc/subgid ranges and
# /run/user/UID), removed with everything it owns in teardown_file. pea runs
# as that user through runuser, under the file's subreaper (pea_rl); its
# default paths are used (graph root ~/.local/share/pea, run root
# $XDG_RUNTIME_DIR/pea), and its pause process is stopped in teardown_file.
#
#   FE_RL_RUNTIME   the runtime pea uses (default pea-runtime; crun works too:
#                   FE_RL_RUNTIME=/usr/bin/crun)

# fe_rl_user_setup NAME: the user, its ranges (after every range in the
# files), its runtime folder; exports FE_RL_USER, FE_RL_UID, FE_RL_GID,
# FE_RL_HOME, FE_RL_XDG, FE_RL_SUBUID, FE_RL_SUBGID.
fe_rl_user_setup() {
	local fd rc=0
	FE_RL_USER=$1
	exec {fd}>/run/lock/pea-test-rootless.lock || return 1
	flock -w 60 "$fd" || rc=1
	if [[ $rc -eq 0 ]]; then
		if ! getent passwd "$FE_RL_USER" >/dev/null; then
			useradd -m -s /bin/sh "$FE_RL_USER" || rc=1
		fi
	fi
	if [[ $rc -eq 0 ]]; then
		FE_RL_UID=$(id -u "$FE_RL_USER") && FE_RL_GID=$(id -g "$FE_RL_USER") &&
			rootless_add_subid /etc/subuid "$FE_RL_USER" "$FE_RL_UID" &&
			rootless_add_subid /etc/subgid "$FE_RL_USER" "$FE_RL_UID" || rc=1
	fi
	exec {fd}>&-
	[[ $rc -eq 0 ]] || { pea_die "cannot set up the user '$FE_RL_USER'"; return 1; }
	FE_RL_HOME=$(getent passwd "$FE_RL_USER" | cut -d: -f6)
	FE_RL_XDG=/run/user/$FE_RL_UID
	FE_RL_SUBUID=$(awk -F: -v u="$FE_RL_USER" '$1 == u { print $2; exit }' /etc/subuid)
	FE_RL_SUBGID=$(awk -F: -v u="$FE_RL_USER" '$1 == u { print $2; exit }' /etc/subgid)
	mkdir -p "$FE_RL_XDG" && chown "$FE_RL_UID:$FE_RL_GID" "$FE_RL_XDG" &&
		chmod 0700 "$FE_RL_XDG" || return 1
	: "${FE_RL_RUNTIME:=$PEA_RUNTIME}"
	export FE_RL_USER FE_RL_UID FE_RL_GID FE_RL_HOME FE_RL_XDG FE_RL_SUBUID FE_RL_SUBGID \
		FE_RL_RUNTIME
}

# fe_rl_kill_user: stop what the user still runs (its pause process, monitors,
# containers), each by its pid.
fe_rl_kill_user() {
	local pid pids i
	[[ -n "${FE_RL_USER:-}" ]] || return 0
	for ((i = 0; i < 50; i++)); do
		pids=$(ps -o pid= -u "$FE_RL_USER" 2>/dev/null) || true
		[[ -n "$pids" ]] || return 0
		for pid in $pids; do
			kill -KILL "$pid" 2>/dev/null || true
		done
		sleep 0.1
	done
}

# fe_rl_user_teardown: the containers, the pause process, the user, its home,
# its ranges and its runtime folder.
fe_rl_user_teardown() {
	local fd
	[[ -n "${FE_RL_USER:-}" ]] || return 0
	if getent passwd "$FE_RL_USER" >/dev/null; then
		pea_rl rm -af >/dev/null 2>&1 || true
		pea_rl system migrate >/dev/null 2>&1 || true
	fi
	fe_rl_kill_user
	rm -rf "${FE_RL_XDG:-/nonexistent}" "/tmp/pea-run-${FE_RL_UID:-x}"
	exec {fd}>/run/lock/pea-test-rootless.lock || return 1
	flock -w 60 "$fd" || true
	sed -i "/^$FE_RL_USER:/d" /etc/subuid /etc/subgid
	if getent passwd "$FE_RL_USER" >/dev/null; then
		userdel -r "$FE_RL_USER" 2>/dev/null || userdel "$FE_RL_USER" || true
	fi
	rm -rf "${FE_RL_HOME:-/nonexistent}"
	exec {fd}>&-
}

# The file-level and per-test setup of a rootless test file (the user NAME made
# once with the busybox archive in its home; each test with the image loaded).
fe_rl_file_setup() {
	ensure_fixtures
	fe_server_start
	fe_rl_user_setup "$1"
	cp "$BUSYBOX_ARCHIVE" "$FE_RL_HOME/busybox.tar"
	chown "$FE_RL_UID:$FE_RL_GID" "$FE_RL_HOME/busybox.tar"
}

fe_rl_file_teardown() {
	local TEST_DIR=$BATS_FILE_TMPDIR
	fe_rl_user_teardown
	fe_server_stop
}

fe_rl_test_setup() {
	require_root
	require_userns
	require_cmd newuidmap
	require_cmd tini
	require_cmd "$FE_RL_RUNTIME"
	fe_setup
	FE_RL_ENV=()
	if ! pea_rl image exists busybox >/dev/null 2>&1; then
		pea_rl load -i "$FE_RL_HOME/busybox.tar" >/dev/null
	fi
}

# fe_rl_env: the environment of the user's commands (HOME, USER, LOGNAME,
# XDG_RUNTIME_DIR and a plain PATH; the rest, PEA_TEST_RUN too, is kept).
fe_rl_env() {
	printf '%s\0' env HOME="$FE_RL_HOME" USER="$FE_RL_USER" LOGNAME="$FE_RL_USER" \
		XDG_RUNTIME_DIR="$FE_RL_XDG" PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin
}

# pea_rl ARGS...: pea as the user, with FE_RL_RUNTIME, under the file's subreaper.
# FE_RL_ENV (an array of NAME=VALUE) adds to or overrides its environment.
pea_rl() {
	local real=$PEA envv
	mapfile -d '' envv < <(fe_rl_env)
	local PEA=runuser
	local FE_ARGS=(-u "$FE_RL_USER" -- "${envv[@]}" "${FE_RL_ENV[@]}" "$real"
		--runtime "$FE_RL_RUNTIME")
	pea_cmd "$@"
}

# fe_rl_sh SCRIPT: sh -c SCRIPT as the user (same environment as pea_rl), in its home.
fe_rl_sh() {
	local envv
	mapfile -d '' envv < <(fe_rl_env)
	(cd "$FE_RL_HOME" && timeout -k 5 60 runuser -u "$FE_RL_USER" -- "${envv[@]}" \
		"${FE_RL_ENV[@]}" PEA="$PEA" sh -c "$1")
}

# fe_rl_pause_pid: the pid in the user's pause.pid (empty when none).
fe_rl_pause_pid() {
	cat "$FE_RL_XDG/pea/pause.pid" 2>/dev/null || true
}
