#!/usr/bin/env bats
# pea-monitor's OOM watch (monitor/oom.c) is on the container's memory cgroup,
# read from /proc/PID/cgroup. A container whose process has ended before the
# monitor looks (a zombie of the monitor's, as a short container's can be)
# shows the root cgroup there in every hierarchy: its memory.oom_control
# counts every OOM kill of the machine, and a watch on it reported the
# machine's as the container's (PERSIST_DIR/oom, which podman reads as
# OOMKilled). No watch then.
bats_require_minimum_version 1.5.0
load helpers/common

setup() {
	require_root
	require_cmd "$PEA_MONITOR"
	require_cmd tini
	require_cmd strace
	require_cmd python3
	[[ -d /sys/fs/cgroup/memory ]] || skip "expected: no cgroup v1 memory hierarchy (v2 reads memory.events at the end)"
}

@test "a container already ended when the monitor looks: no OOM watch on the root cgroup" {
	local d=$TEST_DIR cid="oom-root-$RANDOM" i
	mkdir -p "$d/bundle" "$d/exits" "$d/sockets" "$d/persist"
	# a runtime whose container ends at once, left a zombie for the monitor
	# (its subreaper) to reap after it has read the pid
	cat >"$d/rt" <<'PY'
#!/usr/bin/python3
import os, sys, time
a = sys.argv[1:]
if 'create' in a or 'run' in a:
    p = os.fork()
    if p == 0:
        os._exit(0)
    time.sleep(0.2)
    with open(a[a.index('--pid-file') + 1], 'w') as f:
        f.write(str(p))
PY
	chmod +x "$d/rt"
	_OCI_SYNCPIPE=3 run -0 timeout -k 5 60 strace -f -qq -e trace=openat -o "$d/trace" \
		tini -s -- "$PEA_MONITOR" --api-version 1 -c "$cid" -u "$cid" -r "$d/rt" \
		-b "$d/bundle" -p "$d/bundle/pidfile" --exit-dir "$d/exits" \
		--persist-dir "$d/persist" --socket-dir-path "$d/sockets" \
		--conmon-pidfile "$d/monitor.pid" --start -l none 3>"$d/sync" </dev/null
	for ((i = 0; i < 250; i++)); do
		[[ -e $d/exits/$cid ]] && break
		sleep 0.02
	done
	[[ $(jq .data "$d/sync") -gt 0 ]] || fail "sync: $(cat "$d/sync")"
	assert_equal "$(cat "$d/exits/$cid")" 0
	# fails before: cgroup/memory//cgroup.event_control and memory.oom_control
	run -1 grep -F '/sys/fs/cgroup/memory//' "$d/trace"
	[[ ! -e $d/persist/oom ]]
}
