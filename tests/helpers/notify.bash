# shellcheck shell=bash
#
# tests/helpers/notify.bash: a host's NOTIFY_SOCKET for sd-notify tests.
#
#   listen        a datagram socket at $SOCK; each message received is a line of $NLOG
#                 (its own lines kept); a passed fd (BARRIER=1's pipe) is closed once the
#                 line is written, as systemd does. Its pid in LISTENER.
#   listen_stop   the listener stopped (teardown).

listen() {
	: >"$NLOG"
	python3 -c '
import socket, sys, os, array
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a") as f:
    while True:
        msg, anc, _, _ = s.recvmsg(4096, socket.CMSG_SPACE(16))
        f.write(msg.decode() + "\n")
        f.flush()
        # the barrier ends once the line is written: whoever waited for it reads it
        for level, kind, data in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                for fd in array.array("i", data[:len(data) - len(data) % 4]):
                    os.close(fd)
' "$SOCK" "$NLOG" </dev/null >/dev/null 2>&1 3>&- &
	LISTENER=$!
	local n
	for ((n = 0; n < 200; n++)); do
		[[ -S "$SOCK" ]] && return 0
		sleep 0.05
	done
	echo "the listener did not bind $SOCK" >&2
	return 1
}

listen_stop() {
	if [[ -n "${LISTENER:-}" ]]; then
		kill "$LISTENER" 2>/dev/null || true
		wait "$LISTENER" 2>/dev/null || true
		LISTENER=""
	fi
}
