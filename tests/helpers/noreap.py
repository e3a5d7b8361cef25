#!/usr/bin/env python3
# tests/helpers/noreap.py COMMAND...: run COMMAND as the child of a subreaper that
# reaps nothing but it (as PID 1 on a machine without an init), then print how many
# processes it was left with (adopted orphans, zombies or still running) and their
# names: "left N: name name ..."; then reaps them. Exits with COMMAND's status.
import ctypes
import os
import subprocess
import sys
import time

PR_SET_CHILD_SUBREAPER = 36
libc = ctypes.CDLL(None, use_errno=True)
if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
    sys.exit("noreap: prctl: " + os.strerror(ctypes.get_errno()))
rc = subprocess.call(sys.argv[1:], close_fds=False)  # waits for that child only; fds kept


def adopted():
    me = str(os.getpid())
    out = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                st = f.read()
        except OSError:
            continue
        fields = st[st.rindex(")") + 2:].split()
        if fields[1] == me:
            out.append((pid, fields[0], st[st.index("(") + 1:st.rindex(")")]))
    return out


# what is left may still be at work: wait (10 s at most) until it has ended
for _ in range(200):
    left = adopted()
    if all(state == "Z" for _, state, _ in left):
        break
    time.sleep(0.05)
print(f"left {len(left)}:" + "".join(" " + name for _, _, name in left), flush=True)
# counted: now reaped, so that no zombie outlives the test
while True:
    try:
        os.wait()
    except ChildProcessError:
        break
sys.exit(rc)
