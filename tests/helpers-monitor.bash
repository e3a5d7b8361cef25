# shellcheck shell=bash
#
# tests/helpers-monitor.bash: drive pea-monitor (or conmon) beside a real OCI
# runtime, for tests/20-monitor-*.bats.
#
#   PEA_TEST_RUNTIME   the runtime the monitor runs (default: Debian's crun)
#   MONITOR            the monitor under test (default: $PEA_MONITOR)
#
# The monitor detaches (fork, the first process exits), so its long-lived
# process is an orphan. PID 1 on the test machines does not reap orphans, so
# each monitor runs under `tini -s` (a subreaper) whose direct child is a
# shell that waits, after the monitor's first process returns, until the
# detached monitor is gone: tini reaps it and the runtime's leftovers.
#
# The sync pipe (_OCI_SYNCPIPE) and the attach pipe (_OCI_ATTACHPIPE,
# MON_ATTACH_FILE) are plain files the test reads; the start pipe
# (_OCI_STARTPIPE, MON_START_FIFO) is a fifo the test writes to.

# A runtime the caller chose is the only one used.
if [[ -n "${PEA_TEST_RUNTIME:-}" ]]; then
	MON_RUNTIME_FIXED="$PEA_TEST_RUNTIME"
fi
: "${PEA_TEST_RUNTIME:=/usr/bin/crun}"
: "${MONITOR:=$PEA_MONITOR}"

# monitor_runtimes: the runtimes to run each case with: $PEA_TEST_RUNTIME when
# set by the caller, else Debian's crun and, once it is built and runs a
# container, pea-runtime. The answer is cached per test file.
monitor_runtimes() {
	local cache="${BATS_FILE_TMPDIR:-$TEST_DIR}/monitor-runtimes"
	if [[ -n "${MON_RUNTIME_FIXED:-}" ]]; then
		echo "$MON_RUNTIME_FIXED"
		return
	fi
	if [[ ! -e "$cache" ]]; then
		echo /usr/bin/crun >"$cache"
		if pea_runtime_works; then
			echo "$PEA_RUNTIME" >>"$cache"
		fi
	fi
	cat "$cache"
}

# pea_runtime_works: pea-runtime exists and runs `true` through create/start/delete.
pea_runtime_works() {
	local d="${BATS_FILE_TMPDIR:-$TEST_DIR}/pea-runtime-smoke" id="smoke-$$-$RANDOM"
	[[ -x "$PEA_RUNTIME" ]] || return 1
	"$PEA_RUNTIME" --version >/dev/null 2>&1 || return 1
	make_bundle "$d/b" true >/dev/null 2>&1 || return 1
	timeout -k 5 10 "$PEA_RUNTIME" --root "$d/root" run --bundle "$d/b" "$id" </dev/null >/dev/null 2>&1
	local rc=$?
	timeout -k 5 10 "$PEA_RUNTIME" --root "$d/root" delete -f "$id" >/dev/null 2>&1 || true
	rm -rf "$d"
	return "$rc"
}

# runtime_has FEATURE RUNTIME: whether RUNTIME has FEATURE (cached per file):
#   exec     an `exec` command
#   memory   linux.resources.memory limits
runtime_has() {
	local feature="$1" rt="$2" d id rc
	local cache="${BATS_FILE_TMPDIR:-$TEST_DIR}/has-$feature-$(basename "$rt")"
	if [[ ! -e "$cache" ]]; then
		case "$feature" in
		exec)
			"$rt" exec --help >/dev/null 2>&1
			echo $? >"$cache"
			;;
		memory)
			d="${BATS_FILE_TMPDIR:-$TEST_DIR}/probe-memory-$(basename "$rt")"
			id="probe-$$-$RANDOM"
			make_bundle "$d/b" true >/dev/null 2>&1
			bundle_set "$d/b" '.linux.resources.memory = {limit: 33554432}'
			timeout -k 5 10 "$rt" --root "$d/root" create --bundle "$d/b" "$id" \
				</dev/null >/dev/null 2>&1
			rc=$?
			timeout -k 5 10 "$rt" --root "$d/root" delete -f "$id" >/dev/null 2>&1 || true
			rm -rf "$d"
			echo "$rc" >"$cache"
			;;
		*)
			echo 1 >"$cache"
			;;
		esac
	fi
	[[ "$(cat "$cache")" == 0 ]]
}

# for_each_runtime [--needs FEATURE] FUNCTION [ARGS...]: run one case per
# runtime, each in its own directory and with its own container; stops at
# the first failure. A runtime without FEATURE (see runtime_has) sits the
# case out, with a note in the output; crun has every feature.
for_each_runtime() {
	local rt base="$TEST_DIR" needs=""
	if [[ "$1" == --needs ]]; then
		needs="$2"
		shift 2
	fi
	while read -r rt; do
		if [[ -n "$needs" ]] && ! runtime_has "$needs" "$rt"; then
			echo "# runtime: $rt has no '$needs' yet: this case runs without it"
			continue
		fi
		echo "# runtime: $rt"
		PEA_TEST_RUNTIME="$rt"
		TEST_DIR="$base/$(basename "$rt")"
		ROOT="$TEST_DIR/runtime-root"
		mkdir -p "$TEST_DIR"
		"$@"
		monitor_teardown
	done < <(monitor_runtimes)
	TEST_DIR="$base"
}

# monitor_setup [ARGS...]: a fresh container id and a bundle running ARGS
# (default: sleep 100) under $TEST_DIR, with the exit, persist and socket dirs.
monitor_setup() {
	MON_CID="pea-mon-$(printf '%04x%04x%04x' $RANDOM $RANDOM $RANDOM)"
	MON_BUNDLE="$TEST_DIR/bundle"
	MON_EXITS="$TEST_DIR/exits"
	MON_PERSIST="$TEST_DIR/persist"
	MON_SOCKETS="$TEST_DIR/sockets"
	MON_LOG="$TEST_DIR/ctr.log"
	MON_SYNC="$TEST_DIR/sync"
	MON_PIDFILE="$TEST_DIR/monitor.pid"
	MON_OUT="$TEST_DIR/monitor.out"
	MON_TINI_PID=""
	MON_TINI_PIDS=()
	MON_EXEC=""
	# a start fifo or attach file belongs to the case that made it
	MON_START_FIFO=""
	MON_ATTACH_FILE=""
	mkdir -p "$MON_EXITS" "$MON_PERSIST" "$MON_SOCKETS"
	if [[ $# -eq 0 ]]; then
		set -- sleep 100
	fi
	make_bundle "$MON_BUNDLE" "$@"
	: >"$MON_SYNC"
	export MON_CID MON_BUNDLE MON_EXITS MON_PERSIST MON_SOCKETS MON_LOG MON_SYNC MON_PIDFILE MON_OUT
}

# monitor_args: the flags podman passes, for this test's container.
monitor_args() {
	printf '%s\n' --api-version 1 -c "$MON_CID" -u "$MON_CID" -r "$PEA_TEST_RUNTIME" \
		-b "$MON_BUNDLE" -p "$TEST_DIR/ctr.pid" -n "name-$MON_CID" \
		--exit-dir "$MON_EXITS" --persist-dir "$MON_PERSIST" \
		--socket-dir-path "$MON_SOCKETS" --conmon-pidfile "$MON_PIDFILE" \
		--runtime-arg --root --runtime-arg "$ROOT"
}

# monitor_exec_args: the flags podman passes for an exec session in MON_EXEC
# (its bundle), running the process spec MON_EXEC/process.json.
monitor_exec_args() {
	printf '%s\n' --api-version 1 -c "$MON_CID" -u "session-$MON_CID" -r "$PEA_TEST_RUNTIME" \
		-b "$MON_EXEC" -p "$MON_EXEC/exec.pid" -n "name-$MON_CID" \
		--exit-dir "$MON_EXEC/exits" --full-attach -l "k8s-file:$MON_EXEC/exec.log" \
		--conmon-pidfile "$MON_EXEC/monitor.pid" -e --exec-process-spec "$MON_EXEC/process.json" \
		--runtime-arg --root --runtime-arg "$ROOT"
}

# monitor_exec_setup ARGS...: an exec session directory whose process runs ARGS
# in the running container (the container's process with other args).
monitor_exec_setup() {
	MON_EXEC="$TEST_DIR/exec"
	mkdir -p "$MON_EXEC/exits"
	local args
	args=$(printf '%s\n' "$@" | jq -R . | jq -s .)
	jq --argjson a "$args" '.process | .args = $a' <"$MON_BUNDLE/config.json" \
		>"$MON_EXEC/process.json"
	: >"$MON_SYNC"
	rm -f "$TEST_DIR/launch.rc"
	export MON_EXEC
}

# monitor_launch [FLAGS...]: start the monitor in the background with the
# usual flags (MON_ARGS, default monitor_args) plus FLAGS; its first
# process's status goes to $TEST_DIR/launch.rc.
monitor_launch() {
	local -a args
	local pidfile="$MON_PIDFILE"
	mapfile -t args < <("${MON_ARGS:-monitor_args}")
	if [[ "${MON_ARGS:-}" == monitor_exec_args ]]; then
		pidfile="$MON_EXEC/monitor.pid"
	fi
	(
		cd "$TEST_DIR" || exit 1
		if [[ -n "${MON_START_FIFO:-}" ]]; then
			exec 4<>"$MON_START_FIFO"
			export _OCI_STARTPIPE=4
		fi
		if [[ -n "${MON_ATTACH_FILE:-}" ]]; then
			exec 5>>"$MON_ATTACH_FILE"
			export _OCI_ATTACHPIPE=5
		fi
		_OCI_SYNCPIPE=3 exec tini -s -- bash -c '
				pidfile=$1
				shift
				# only the monitor holds the sync pipe: its end is the end of the monitor
				"$@" 3>>"$MON_SYNC" &
				echo $! >"$pidfile.launch"
				wait $!
				rc=$?
				echo "$rc" >"$TEST_DIR/launch.rc"
				if [[ -s "$pidfile" ]]; then
					# one process polling, not a sleep forked 50 times a second
					tail --pid="$(cat "$pidfile")" -s 0.02 -f /dev/null
				fi
				exit "$rc"' _ "$pidfile" "$MONITOR" "${args[@]}" "$@" \
			</dev/null >>"$MON_OUT" 2>&1
	) &
	MON_TINI_PID=$!
	MON_TINI_PIDS+=("$MON_TINI_PID")
}

# wait_for CONDITION-COMMAND...: retry for up to 10 s (MON_WAIT tenths).
wait_for() {
	local i
	for ((i = 0; i < ${MON_WAIT:-500}; i++)); do
		if "$@"; then
			return 0
		fi
		sleep 0.02
	done
	echo "timed out waiting for: $*" >&2
	return 1
}

file_has_line() {
	[[ -s "$1" ]] && [[ "$(tail -c1 "$1" | od -An -c | tr -d ' ')" == '\n' ]]
}

# monitor_sync_line [N]: wait for the Nth line (default 1) of the sync pipe; print it.
monitor_sync_line() {
	local n="${1:-1}"
	wait_for sync_has_lines "$n" || {
		echo "monitor output: $(cat "$MON_OUT" 2>/dev/null)" >&2
		return 1
	}
	sed -n "${n}p" "$MON_SYNC"
}

sync_has_lines() {
	file_has_line "$MON_SYNC" && (($(wc -l <"$MON_SYNC") >= $1))
}

# monitor_start_container: wait for the pid on the sync pipe, then `runtime start`.
monitor_start_container() {
	local line
	line="$(monitor_sync_line 1)" || return 1
	[[ "$(jq -r .data <<<"$line")" -gt 0 ]] || {
		echo "monitor reported: $line" >&2
		return 1
	}
	timeout -k 5 30 "$PEA_TEST_RUNTIME" --root "$ROOT" start "$MON_CID"
}

# monitor_wait_exit: wait for the exit file and for the monitor to end
# (bounded: a monitor that never ends fails the test, it does not hang it).
monitor_wait_exit() {
	wait_for test -e "$MON_EXITS/$MON_CID" || {
		echo "monitor output: $(cat "$MON_OUT" 2>/dev/null)" >&2
		return 1
	}
	monitor_wait_gone
}

# monitor_wait_gone: wait (bounded) for the monitor launched last to end.
monitor_wait_gone() {
	MON_WAIT=1500 wait_for pid_gone "$MON_TINI_PID" || {
		echo "the monitor did not end: $(cat "$MON_OUT" 2>/dev/null)" >&2
		return 1
	}
	wait "$MON_TINI_PID" 2>/dev/null || true
}

# pid_gone PID: no such process, or a zombie.
pid_gone() {
	[[ ! -e /proc/$1 ]] || [[ $(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) == Z ]]
}

# k8s_log_text FILE: the log content without timestamps, one "STREAM TAG TEXT" per entry.
k8s_log_text() {
	sed -E 's/^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9}[+-][0-9]{2}:[0-9]{2} //' "$1"
}

# kill_if_ours PID: SIGKILL PID if it is still this test's monitor (its
# command line names the container), never a process that reused the pid.
kill_if_ours() {
	local cmdline
	{ cmdline=$(tr '\0' ' ' <"/proc/$1/cmdline"); } 2>/dev/null || return 0
	if [[ -n "${MON_CID:-}" && "$cmdline" == *" $MON_CID "* ]]; then
		kill -9 "$1" 2>/dev/null || true
	fi
}

# monitor_teardown: delete the container and stop a monitor still running.
monitor_teardown() {
	if [[ -n "${MON_CID:-}" ]]; then
		timeout -k 5 30 "$PEA_TEST_RUNTIME" --root "$ROOT" delete -f "$MON_CID" \
			>/dev/null 2>&1 || true
	fi
	local f p
	# the monitor, and its first process if it never detached
	for f in "${MON_PIDFILE:-}" "${MON_EXEC:-/nonexistent}/monitor.pid"; do
		for p in "$f" "$f.launch"; do
			if [[ -s "$p" ]]; then
				kill_if_ours "$(cat "$p")"
			fi
		done
	done
	for p in "${MON_TINI_PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	MON_TINI_PIDS=()
	# A create the monitor stopped (a refused attach socket) after it made the container's
	# cgroups and before its state: crun's delete does not find them (pea-runtime's does, by
	# its folder's xattr). The empty ones go; one with a process in it stays and is reported.
	if [[ -n "${MON_CID:-}" ]]; then
		rmdir /sys/fs/cgroup/*/"$MON_CID" 2>/dev/null || true
	fi
}

# attach_then_start SYNC-FIFO SOCKET: what an engine does for `run` in the
# foreground (connect to the attach socket, `runtime start`), then print the
# packets that come back until the monitor closes the socket (as "2:text" /
# "3:text" lines). The race of a container that ends before the monitor
# accepted its client is made certain: the sync pipe (a fifo) is filled
# beforehand, so that the monitor blocks in its write of the pid, right
# after the runtime's create; meanwhile the client connects, starts the
# container and lets it end; only then does it drain the pipe, and the
# monitor learns of the client and of the exit together.
attach_then_start() {
	timeout -k 5 30 python3 -c '
import json, os, socket, subprocess, sys, time
fifo, path, runtime, root, cid, pidfile, ctr_pidfile = sys.argv[1:8]

def wait(cond, what=""):
    for _ in range(1000):
        try:
            if cond():
                return
        except OSError:
            pass
        time.sleep(0.01)
    sys.exit("timed out waiting " + what)

def read_file(name):
    with open(name) as f:
        return f.read()

fd = os.open(fifo, os.O_RDWR | os.O_NONBLOCK)
try:
    while True:
        os.write(fd, b"\0" * 4096)
except BlockingIOError:
    pass
wait(lambda: read_file(pidfile).strip(), "for the pid file")
monitor = int(read_file(pidfile))
wait(lambda: read_file("/proc/%d/wchan" % monitor).endswith("pipe_write"), "for the monitor to block")
pid = int(read_file(ctr_pidfile))
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(path)
subprocess.run([runtime, "--root", root, "start", cid], check=True)
# it ends, a zombie until the monitor reaps it
wait(lambda: read_file("/proc/%d/stat" % pid).rsplit(")", 1)[1].split()[0] == "Z", "for the container to end")
data = b""
while not data.rstrip(b"\0").endswith(b"\n"):
    try:
        data += os.read(fd, 65536)
    except BlockingIOError:
        time.sleep(0.01)
line = json.loads(data.strip(b"\0"))
if line["data"] != pid:
    sys.exit("monitor reported: %r" % line)
while True:
    try:
        p = s.recv(8193)
    except ConnectionResetError:
        sys.exit("the monitor reset the connection")
    if not p:
        break
    print("%d:%s" % (p[0], p[1:].decode().rstrip("\n")))
' "$1" "$2" "$PEA_TEST_RUNTIME" "$ROOT" "$MON_CID" "$MON_PIDFILE" "$TEST_DIR/ctr.pid"
}
