# shellcheck shell=bash
#
# tests/helpers/fe-rootless.bash: pea as an ordinary user (rootless) in the
# tests/7x-frontend-*rootless*.bats files, loaded after helpers-frontend. An ordinary
# user of the file's own (FE_RL_USER = FE_RL_NAME, made by rootless_user_make in
# setup_file with its own /etc/subuid and /etc/subgid ranges and /run/user/UID),
# removed with everything it owns in teardown_file. pea runs as that user through
# runuser, under the file's subreaper (pea_rl); its default paths are used (graph
# root ~/.local/share/pea, run root $XDG_RUNTIME_DIR/pea), and its pause process is
# stopped in teardown_file.
#
# Loading it defines setup_file, teardown_file, setup and teardown, as fe-file.bash
# does (a file sets FE_RL_NAME; one that needs more defines its own after the load
# and calls these):
#
#   per file  the fixtures, the subreaper server, the user with the busybox archive
#             in its home (fe_rl_file_setup), all of it gone after (fe_rl_file_teardown)
#   per test  root, user namespaces, newuidmap, tini, the runtime; busybox loaded in
#             the user's store (fe_rl_test_setup); at its end the user's pods and
#             containers removed (fe_rl_test_teardown)
#
# A file that loads fe-file.bash too (for root's tests) loads this one first: the
# later load's hooks are the file's.
#
#   FE_RL_RUNTIME   the runtime pea uses (default pea-runtime; crun works too:
#                   FE_RL_RUNTIME=/usr/bin/crun)

# fe_rl_user_setup NAME: the user, its ranges (after every range in the
# files), its runtime folder; exports FE_RL_USER, FE_RL_UID, FE_RL_GID,
# FE_RL_HOME, FE_RL_XDG, FE_RL_SUBUID, FE_RL_SUBGID.
fe_rl_user_setup() {
	FE_RL_USER=$1
	rootless_user_make "$FE_RL_USER" || return 1
	FE_RL_UID=$(id -u "$FE_RL_USER")
	FE_RL_GID=$(id -g "$FE_RL_USER")
	FE_RL_HOME=$(getent passwd "$FE_RL_USER" | cut -d: -f6)
	FE_RL_XDG=/run/user/$FE_RL_UID
	FE_RL_SUBUID=$(awk -F: -v u="$FE_RL_USER" '$1 == u { print $2; exit }' /etc/subuid)
	FE_RL_SUBGID=$(awk -F: -v u="$FE_RL_USER" '$1 == u { print $2; exit }' /etc/subgid)
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
	[[ -n "${FE_RL_USER:-}" ]] || return 0
	if getent passwd "$FE_RL_USER" >/dev/null; then
		pea_rl rm -af >/dev/null 2>&1 || true
		pea_rl system migrate >/dev/null 2>&1 || true
	fi
	fe_rl_kill_user
	rm -rf "${FE_RL_XDG:-/nonexistent}" "/tmp/pea-run-${FE_RL_UID:-x}"
	rootless_user_remove "$FE_RL_USER"
	rm -rf "${FE_RL_HOME:-/nonexistent}"
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

# fe_rl_test_teardown: the user's pods and containers removed.
fe_rl_test_teardown() {
	FE_RL_ENV=()
	pea_rl pod rm -af -t 0 >/dev/null 2>&1 || true
	pea_rl rm -af >/dev/null 2>&1 || true
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

setup_file() {
	fe_rl_file_setup "$FE_RL_NAME"
}

teardown_file() {
	fe_rl_file_teardown
}

setup() {
	fe_rl_test_setup
}

teardown() {
	fe_rl_test_teardown
}
