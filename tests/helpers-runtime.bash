# shellcheck shell=bash
#
# tests/helpers-runtime.bash: drive pea-runtime (or crun: PEA_RUNTIME=crun) in
# tests/10-runtime-*.bats.
#
#   rt_setup              a state root (RT_ROOT), a bundle dir (RT_B, made by
#                         make_bundle in the test) and a subreaper (below)
#   rt ARGS...            "$PEA_RUNTIME" --root "$RT_ROOT" ARGS...
#   rt_reaped ARGS...     the same, run under the subreaper: for `create` and
#                         `run --detach`, whose container init outlives them
#   reaped_cmd CMD...     any command under the subreaper (conmon)
#   rt_teardown           delete --force every container, stop the subreaper,
#                         and fail if anything is left (rt_leftovers)
#   rt_state ID FIELD     one field of `state ID`
#   rt_wait_status ID S   wait (5 s) until `state ID` says S
#   rt_is_pea             the runtime under test is pea-runtime (for pea-only checks)
#
# Subreaper. `create` returns while the container's init waits, so the init
# is orphaned and reparented to the nearest subreaper, else to PID 1, which
# here does not reap. rt_setup starts `tini -s` running a small shell loop
# that executes the commands rt_reaped hands it through a fifo, so every
# container init made that way is a descendant of tini and is reaped by it.

rt_setup() {
	RT_ROOT="$TEST_DIR/root"
	RT_B="$TEST_DIR/bundle"
	export RT_ROOT RT_B
	mkfifo "$TEST_DIR/reaper.in"
	# shellcheck disable=SC2016
	tini -s -- bash -c 'exec 3<"$1"; while IFS= read -r -u 3 cmd; do bash -c "$cmd"; done' \
		_ "$TEST_DIR/reaper.in" 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- &
	RT_REAPER=$!
	exec {RT_REAPER_FD}>"$TEST_DIR/reaper.in"
}

# The runtime never gets the host's /dev/null as stdin: with PEA_RUNTIME=crun
# (before 1.24) a user namespace's container made it the container root's
# (100000:200000 after 10-runtime-namespaces), an exec -u its user's. An empty
# pipe reads the same. (Output to /dev/null is the caller's to avoid.)
rt() {
	if [[ /dev/stdin -ef /dev/null ]]; then
		"$PEA_RUNTIME" --root "$RT_ROOT" "$@" < <(:)
	else
		"$PEA_RUNTIME" --root "$RT_ROOT" "$@"
	fi
}

# rt_reaped ARGS...: like rt, but the runtime is a child of the subreaper.
# Prints its stdout then its stderr, returns its status.
rt_reaped() {
	reaped_cmd "$PEA_RUNTIME" --root "$RT_ROOT" "$@"
}

# reaped_cmd CMD...: any command run by the subreaper (conmon, which daemonizes).
# The status comes back through a fifo the caller holds open (read-write, so the
# reaper's write never blocks): a blocking read, not 50 polls a second.
reaped_cmd() {
	local n="$BASHPID.$RANDOM$RANDOM" cmd rc= fd
	local out="$TEST_DIR/reaped.$n.out" errf="$TEST_DIR/reaped.$n.err" rcf="$TEST_DIR/reaped.$n.rc"
	cmd="$(printf '%q ' "$@")"
	mkfifo "$rcf"
	exec {fd}<>"$rcf"
	# stdin an empty pipe, not /dev/null (see rt)
	echo "cd $(printf '%q' "$PWD") && $cmd >$out 2>$errf < <(:); echo \$? 1<>$rcf" >&"$RT_REAPER_FD"
	read -r -t 30 -u "$fd" rc
	exec {fd}<&-
	[[ -n "$rc" ]] || { echo "reaped_cmd: '$*' did not finish" >&2; return 124; }
	cat "$out"
	cat "$errf" >&2
	return "$rc"
}

rt_teardown() {
	local id rc=0 cgdirs=()
	if [[ -n "${RT_ROOT:-}" && -d "$RT_ROOT" ]]; then
		for id in $("$PEA_RUNTIME" --root "$RT_ROOT" list -q 2>/dev/null); do
			# pea-runtime's state lists the cgroups it made: they must go with the container
			if [[ -f "$RT_ROOT/$id/state.json" ]]; then
				mapfile -t -O "${#cgdirs[@]}" cgdirs < <(jq -r '.cgroups.made // [] | .[]' \
					"$RT_ROOT/$id/state.json" 2>/dev/null)
			fi
			"$PEA_RUNTIME" --root "$RT_ROOT" delete --force "$id" >/dev/null 2>&1 || true
		done
	fi
	if [[ -n "${RT_REAPER_FD:-}" ]]; then
		exec {RT_REAPER_FD}>&-
		RT_REAPER_FD=
		wait "$RT_REAPER" 2>/dev/null || true
	fi
	rt_leftovers "${cgdirs[@]}" || rc=1
	return "$rc"
}

# rt_leftovers [CGROUP_DIR...]: after the containers of a test are deleted,
# nothing of them is left: no state under RT_ROOT, none of the cgroup
# directories named (nor the test's $CG), no mount below the test's directory.
rt_leftovers() {
	local d left=()
	# (pea-runtime's cache of compiled seccomp filters is not a container's state)
	if [[ -n "${RT_ROOT:-}" && -d "$RT_ROOT" ]] &&
		[[ -n "$(ls -A "$RT_ROOT" | grep -vx .seccomp-cache)" ]]; then
		left+=("state in $RT_ROOT: $(ls -A "$RT_ROOT" | tr '\n' ' ')")
	fi
	for d in "$@"; do
		[[ -z "$d" || ! -d "$d" ]] || left+=("cgroup $d")
	done
	if [[ -n "${CG:-}" ]]; then
		for d in /sys/fs/cgroup/*/"$CG"; do
			[[ ! -d "$d" ]] || left+=("cgroup $d")
		done
	fi
	if [[ -n "${TEST_DIR:-}" ]] && grep -q -F -- " $TEST_DIR/" /proc/self/mountinfo; then
		left+=("mounts: $(grep -F -- " $TEST_DIR/" /proc/self/mountinfo | awk '{print $5}' | tr '\n' ' ')")
	fi
	if ((${#left[@]})); then
		printf 'left behind: %s\n' "${left[@]}" >&2
		return 1
	fi
}

rt_state() {
	rt state "$1" | jq -r ".$2"
}

rt_wait_status() {
	local id="$1" want="$2"
	for _ in $(seq 1 250); do
		[[ "$(rt_state "$id" status 2>/dev/null)" == "$want" ]] && return 0
		sleep 0.02
	done
	echo "container '$id' is '$(rt_state "$id" status 2>&1)', not '$want'" >&2
	return 1
}

rt_is_pea() {
	[[ "$("$PEA_RUNTIME" --version 2>/dev/null)" == pea-runtime* ]]
}

# rt_no_leftovers ID: no state, no process of the container, no mount of the bundle.
rt_no_leftovers() {
	local id="$1"
	if [[ -e "$RT_ROOT/$id" ]]; then
		echo "state of '$id' left in $RT_ROOT" >&2
		return 1
	fi
	if grep -q -- "$RT_B" /proc/self/mountinfo; then
		echo "a mount of the bundle is left" >&2
		return 1
	fi
}

# console_receiver SOCK OUT [INPUT]: listen on the unix socket SOCK like
# conmon does, take the pty master sent there (SCM_RIGHTS), write INPUT to
# it, then copy what the container writes to OUT until it hangs up.
# Runs in the background; CONSOLE_PID is its pid.
console_receiver() {
	python3 - "$1" "$2" "${3:-}" <<'PY' &
import os, socket, sys, select
path, out, data = sys.argv[1], sys.argv[2], sys.argv[3]
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(1)
open(out + ".listening", "w").close()
conn, _ = srv.accept()
msg, fds, _, _ = socket.recv_fds(conn, 1024, 1)
with open(out + ".meta", "w") as f:
    f.write("%s %d\n" % (msg.decode(), len(fds)))
master = fds[0]
if data:
    os.write(master, data.encode())
with open(out, "wb") as f:
    while True:
        r, _, _ = select.select([master], [], [], 10)
        if not r:
            break
        try:
            b = os.read(master, 4096)
        except OSError:
            break
        if not b:
            break
        f.write(b)
        f.flush()
PY
	CONSOLE_PID=$!
	for _ in $(seq 1 250); do
		[[ -e "$2.listening" ]] && return 0
		sleep 0.02
	done
	echo "console_receiver: not listening on '$1'" >&2
	return 1
}

# rt_cgroups_gone NAME: no directory /sys/fs/cgroup/*/NAME is left.
rt_cgroups_gone() {
	local d left=()
	for d in /sys/fs/cgroup/*/"$1"; do
		[[ -e "$d" ]] && left+=("$d")
	done
	if ((${#left[@]})); then
		echo "cgroups left: ${left[*]}" >&2
		for d in "${left[@]}"; do find "$d" -depth -type d -exec rmdir {} + 2>/dev/null; done
		return 1
	fi
}

# Rootless: the same, as the ordinary user of tests/helpers/rootless.bash.
#
#   rt_user_setup         RL_DIR (the user's), RL_ROOT (its --root), RL_B (a
#                         bundle there, made by rt_user_bundle); needs rt_setup
#   rt_user_bundle ARGS   make_bundle in RL_B, `spec --rootless` form, the
#                         user's own
#   rt_user ARGS...       "$PEA_RUNTIME" --root "$RL_ROOT" ARGS... as the user
#   rt_user_reaped ARGS   the same under the subreaper (create, run --detach)
#   rt_user_teardown      delete --force every container of the user
#   rt_subid_start FILE   the first id of the user's range in /etc/subuid|subgid

rt_user_setup() {
	PEA_BUILD_RUNTIME="$PEA_RUNTIME"
	rootless_user_setup || return 1
	RL_DIR="$(rootless_tmpdir rl)" || return 1
	RL_ROOT="$RL_DIR/root"
	RL_B="$RL_DIR/bundle"
	export RL_DIR RL_ROOT RL_B
}

rt_user_bundle() {
	make_bundle "$RL_B" "$@" &&
		bundle_rootless "$RL_B" "$ROOTLESS_UID" "$ROOTLESS_GID" &&
		chown -R "$ROOTLESS_UID:$ROOTLESS_GID" "$RL_B"
}

rt_user() {
	(cd "$RL_DIR" && run_as_user "$PEA_RUNTIME" --root "$RL_ROOT" "$@")
}

rt_user_reaped() {
	local PEA_RUNTIME="$TEST_DIR/as-user.sh" RT_ROOT="$RL_ROOT"
	# rt_reaped runs one quoted program: a wrapper that becomes the user
	printf '#!/bin/sh\nexec runuser -u %q -- env HOME=%q XDG_RUNTIME_DIR=%q %q "$@"\n' \
		"$ROOTLESS_USER" "$ROOTLESS_HOME" "$ROOTLESS_RUNTIME_DIR" "$PEA_BUILD_RUNTIME" \
		>"$PEA_RUNTIME"
	chmod 755 "$PEA_RUNTIME"
	(cd "$RL_DIR" && rt_reaped "$@")
}

rt_user_teardown() {
	local id
	if [[ -n "${RL_ROOT:-}" && -d "$RL_ROOT" ]]; then
		for id in $(rt_user list -q 2>/dev/null); do
			rt_user delete --force "$id" >/dev/null 2>&1 || true
		done
	fi
}

rt_subid_start() {
	awk -F: -v u="$ROOTLESS_USER" -v id="$ROOTLESS_UID" '$1 == u || $1 == id { print $2; exit }' "$1"
}
