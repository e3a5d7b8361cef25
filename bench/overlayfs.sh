#!/usr/bin/env bash
# bench/overlayfs.sh: pea-overlayfs beside Debian's fuse-overlayfs and the kernel's overlayfs
# on the same layers: `find` over 20k files, `ls -lR` (a stat storm), reading 300 MB of large
# files, creating 10k small files (a line written into each, as the layers' own small files
# are made; the empty row leaves them empty), copy-up of a 100 MB file, untar of a source tree
# (/usr/include), and 20k getxattr calls on one file (rtt: one FUSE request each, answered with
# no work on the layers: the cost of a round trip to the server alone). Each run of a row has
# an upper dir of its own, all removed at the end: a removal of thousands of files just before
# a run would make the file system's inode allocator skip the recently freed ones during it
# (ext4), which weighs on whichever implementation comes next. The lower layers are read once
# beforehand so that every mount starts with them in the page cache. Prints seconds and the
# ratios pea/fuse-overlayfs and pea/kernel, and each FUSE server's own CPU time (less
# disturbed by other load than the wall time); asserts nothing (the machine is shared).
#
# The turns row is the create row's work with the three implementations mounted at once: each
# of the 100 directories is made and filled (the same shell loop) in one mount after the other,
# in an order that rotates from directory to directory, each implementation's time the sum of
# its turns and its median ratio that of the 100 directories' own ratios. A turn lasts ~20 ms,
# so a change in the load from elsewhere falls on all three nearly alike; the create row's runs
# last seconds each, and its ratios moved by 0.76-1.20x between runs of the same binaries
# (session 14).
#
# Session 14 (lead): issue 7 names the row "creating 10k small files"; until then it made
# empty files (`: >f`), the create/open/release alone, where pea-overlayfs is level with
# fuse-overlayfs (the turns row 1.02x three times, ovl; see below). The create and turns rows
# now write a line into each file as the layers' small files have (printf ... >f), and the
# empty row keeps the old work. With a write, pea's passthrough sends the data to the upper
# file without a WRITE request, where fuse-overlayfs answers one per file. First reading
# (01:25, ext4 upper, best of 3, load 2.5-3.3): create small 0.95x (median 1.03x), empty
# 1.17x (1.10x), turns 0.87x (median of 300 directories 0.85x); server CPU small 1.18 vs
# 1.39 s, empty 1.02 vs 0.83 s.
#
# The implementations take turns within each run of a row, in an order that rotates from run
# to run and goes the other way round every other run (pea fuse kernel, kernel fuse pea,
# kernel pea fuse, pea kernel fuse, ...), so that a burst of load from elsewhere falls on all
# of them and none always goes first (right after the sync of the one before) nor always right
# after the same one (since session 15: before, pea always came after the kernel's run and
# fuse-overlayfs after pea's). Besides the best times, each row shows the median of the runs' own ratios (pea
# against the others of the same run: less moved by the load drifting between runs than the
# ratio of two best times). The load average is printed beside each row.
#
#   PEA_BUILD=build bench/overlayfs.sh        OVL_BENCH_RUNS=3
#   OVL_BENCH_PEA_OPTS=writeback=1            more -o options for pea-overlayfs
#   OVL_BENCH_ROWS="read copyup"              only these rows (find lsr read create empty turns
#                                             copyup untar rtt)
#   OVL_BENCH_LAYERS=/var/tmp/ovl-layers      make the layers there once and keep them
#   OVL_BENCH_VERBOSE=1                       every time, not only the best
#   OVL_BENCH_UPPER=tmpfs                     upper and work dirs on a tmpfs of the bench's own
#   OVL_BENCH_PEA_B=BIN OVL_BENCH_PEA_B_OPTS=  a fourth implementation, pea B (another
#                                             pea-overlayfs build, or these -o options more):
#                                             an A/B in the same runs, its time and the median
#                                             of the runs' own ratios B/pea (either variable)
#
# The upper dirs are on /var/tmp's file system by default. Where that is ext4 without a
# journal (this machine), a create skips the inodes freed in the last minutes one by one
# (ext4's recently_deleted): after a large removal anywhere on it, by anyone, the create
# and untar rows cost several times more for all three. OVL_BENCH_UPPER=tmpfs keeps the
# uppers out of that (the lower layers stay where they are).
#
# The requests a row costs a FUSE server, per file (counted with -d, pea-overlayfs and
# fuse-overlayfs alike): ls -lR 2 GETXATTRs (security.selinux and system.posix_acl_access,
# asked by ls; READDIRPLUS brings the attributes; 1 for pea-overlayfs since session 13, below); create 4 (GETATTR of the parent, whose
# attributes the kernel drops at each create and default_permissions needs, a negative
# LOOKUP, CREATE, RELEASE); untar about 10 for fuse-overlayfs (those, 2 GETXATTRs of
# security.capability from the kernel's killpriv checks at write and fchown, the GETATTR
# fuse_setattr makes before a chown's set-ID kill where the server does not handle killpriv,
# and 3 SETATTRs: utimensat, fchown, fchmod), 9 for pea-overlayfs (it drops set-ID bits itself,
# FUSE_HANDLE_KILLPRIV_V2: no GETATTR before the chown). With the CPUs busy these rows mostly
# wait for a CPU at each request's two wake-ups; rtt measures that alone.
#
# Why create stays at 4 (Linux 6.18, libfuse 3.14; session 10): the kernel marks the parent's
# attributes stale at every create (fuse_dir_changed sets its inval_mask), and with
# default_permissions its permission check refreshes them at the next walk through it
# whatever the attr timeout: no INIT flag keeps them, and no reply but the parent's own
# carries them (without default_permissions the server could not check search permission
# along a path). The negative LOOKUP comes for every name not in the dentry cache. Only
# no_open (ENOSYS to OPEN) would spare RELEASE, for every open of the mount: no open reply, so
# no passthrough, and no fd of ours for reads. Killpriv v2 does not save untar's GETXATTRs:
# notify_change asks for security.capability at every chown whatever S_NOSEC, and a new
# inode's first write asks once. The server's CPU in the create row (perf, tmpfs upper): /dev/fuse reads and writes and the wake-ups ~45%, the
# creating openat ~16%, passthrough's BACKING_OPEN/CLOSE ioctls ~8%, fstat ~5%, pea's own
# code under 3%.
#
# Session 11: pea-overlayfs's -o spin=USEC polls /dev/fuse for the next request for up to USEC
# after each reply when the last one came that soon, sparing the loop thread's sleep and wake-up
# between a caller's back-to-back requests (OVL_BENCH_PEA_OPTS=spin=50). Off by default: at load
# 10-19 on the 2 cores (the only load seen that day) spin=50 gave no gain in rtt and ls -lR,
# worse in some runs, at the same server CPU. Its xattr calls go through Linux 6.13's
# getxattrat(2) family from the layer's fd, not a /proc/self/fd/N/path (whose /proc walk was a
# fifth of the server's CPU in ls -lR: 16% less server CPU there, A/B in turn). ls -lR's two
# GETXATTRs per file stay: the kernel asks the server for security.selinux whatever the LSMs
# (FUSE has no flag to say "none here"), and for the ACL once per inode (cached after).
# Answering security.selinux with ENOTSUP makes ls stop asking for the whole mount
# (coreutils caches that per device) but is not what the kernel's overlayfs answers (ENODATA):
# since session 13 pea-overlayfs does it where the host has no SELinux (no selinuxfs), for
# files without a label only (pea-overlayfs(1)): ls -lR at load 9-10, A/B in turns, 0.82 and
# 0.69 s against 1.98 and 1.99 s before (pea/kernel 1.03x and 0.88x, was 3.29x and 2.14x).
#
# Session 13: FUSE over io_uring (Linux 6.14 on; the fuse module's enable_uring, off by
# default) was prototyped and not adopted. The prototype: a thread and an io_uring (SQE128,
# single issuer, deferred task work) per possible CPU, pinned to it, 8 registered entries each;
# FUSE_OVER_IO_URING added to the INIT reply through the custom I/O hook; each request laid out
# as /dev/fuse gives it and handed to libfuse 3.14's fuse_session_process_buf; the replies found
# by unique in the custom writev and committed by their queue's thread. It served the rows
# correctly. A/B within each run (/dev/fuse, ring, ring unpinned, kernel, in rotating turns; 8
# runs), the median of the runs' own /dev/fuse/ring time ratios: getxattr x 20k 1.08 (load
# 4.2-4.8) and 1.13 (load 4.3-7.9), ls -lR 1.15 and 1.06, create 10k 1.07 and untar 0.97 (tmpfs
# upper, load 2.3-3.2); unpinned queue threads gained nothing; the server's CPU the same within
# the noise. Short of the 1.3x that would pay for a second transport. Why: a round trip on these
# two vCPUs costs some 14-16 us over the kernel's overlay (rtt: 0.59 s /dev/fuse, 0.54 s ring,
# 0.26 s kernel, best of 8 at load 4.5), and most of it is the two wake-ups and the task
# switches around them (the server's wake-up for the request, the caller's for the reply: in
# untar's server profile __wake_up ~10%, finish_task_switch ~7%), which the ring keeps; it
# saves only a read and a writev per request for one io_uring_enter.
# What is left in these rows besides the transport (perf and strace -c of the server, tmpfs
# upper): ls -lR's 40k GETXATTRs are answered from memory (no syscall), so the server's time
# there is /dev/fuse's read and writev (78% of its syscall time; the rest READDIRPLUS's fstatat).
# untar of /usr/include (8095 files, pea 4.2x the kernel on a tmpfs upper): 9.4 requests a
# file (SETATTR 3.3, GETXATTR 2, LOOKUP 1.1, GETATTR 1.05, CREATE 1, RELEASE 1), all answered by
# the loop thread, with no hand-off to the workers; its other syscalls are the ones the
# operations need: openat, fstat and BACKING_OPEN for a CREATE, the change and a stat for each
# SETATTR (a chown of a regular file stats it 3 times: before, in the set-ID check and after;
# one could go), BACKING_CLOSE and close for a RELEASE, one getxattrat for the first GETXATTR
# of a new file, none for the negative LOOKUP. read and writev are 56% of the server's syscall
# time there.
#
# Session 13, create 10k (tmpfs upper), syscalls a file beside /dev/fuse's 4 reads and 4
# writevs: fuse-overlayfs 1.10 5 (statx of the parent; openat2, 2 statx; close), pea 6 (fstatat
# of the parent; openat, fstat, BACKING_OPEN; BACKING_CLOSE, close); the ioctls were 8.7% of
# pea's server CPU (perf). Without passthrough at CREATE create's server CPU went 0.56 -> 0.51 s,
# untar's 1.01 -> 1.17 s (a WRITE a write): not taken. Backing files kept registered after
# RELEASE (0230667: create level, untar server CPU 5-10% less) were reverted: the registered
# file is the upper file open for writing, and an exec of it outside the mount got ETXTBSY.
#
# Session 14, create 10k (tmpfs upper): level with fuse-overlayfs, not ahead, and why. Still 4
# requests a file on 6.18: fuse_dir_changed marks all of STATX_BASIC_STATS stale, mode, uid and
# gid among them, and with default_permissions (both servers mount with it, no attr timeout
# option changes it) fuse_permission fetches them at the next walk; no reply or INIT flag keeps
# them. (A later fs/fuse tree narrows that mask to FUSE_STATX_MODDIR: times, size, blocks,
# nlink. There the GETATTR goes, for both servers.) Syscalls a file (strace -c, 1000 files):
# pea 14 (4 reads, 4 writevs, openat, fstat, the parent's fstatat, BACKING_OPEN and _CLOSE,
# close), fuse-overlayfs 13 (openat2, 3 statx, close). Wake-ups alike (perf stat, 10k files,
# load 3.9-8.6): 3.1-3.3 context switches a file for each server and its caller, 11-36
# migrations a run; both answer on one thread (pea's workers idle). Passthrough at CREATE (the
# BACKING_OPEN before the reply, the caller's backing file opened and closed) measured three
# ways: all mounted at once, chunks of 200 files by a C loop or dash in turns (60 rounds, load
# 5-7): per-file medians pea 113 us, fuse-overlayfs 129, pea without passthrough at CREATE 102,
# pea keeping backing files registered (no BACKING_CLOSE) 110 (load 6.4-7.1); pea/fuse-overlayfs
# 0.73-0.93 in 8 such runs (C, dash or bash loops); the turns row (this script's bash loop, load 4.3-5.3): pea/fuse-overlayfs 1.02
# and 1.02 (median of 300 directories), 0.99 without passthrough at CREATE, server CPU pea
# 0.63-0.88 s and fuse-overlayfs 0.59-0.81 s. So it costs ~3% of the row (~10% of a bare C
# loop's create), and untar without it (passthrough=0; tar only writes) took 1.30x as long (8
# runs in turns, 35.9 vs 27.1 s, fuse-overlayfs 41.4 s, load 6.3-7.4): kept. spin=20 and 50
# (in turns, load 5.7): 0.99 and 0.96 of pea's time, noise. The row is mostly the shell's loop
# (the kernel's overlay takes 1.0 s of pea's 2.0) and four round trips a file, the servers'
# work alike but for passthrough's ioctls: pea ahead there wants a request fewer (the mask
# above) or a cheaper round trip (io_uring, session 13: create 1.07x).
#
# Session 15 (ovl): untar and getxattr against the kernel, why they stay near 3x at low load.
# Requests (the fuse:fuse_request_send tracepoint, tmpfs upper, untar of 8945 entries: 8095
# files, 843 dirs): pea 77.5k, 8.7 an entry: SETATTR 26805 (tar's utimensat, fchown, fchmod),
# GETXATTR 16173 (security.capability: the first write's file_remove_privs, fchown's
# notify_change), LOOKUP 8968 (negative, before each create), GETATTR 8490 (the parent, stale
# after each create), CREATE 8095, RELEASE 8095 (sent in the background: close does not wait),
# MKDIR 843; fuse-overlayfs 1.10 112.6k (11.2k GETXATTRs, 8.1k GETATTRs and 8073 WRITEs more).
# All 8 a file that tar waits for are the kernel's own; pea's timeouts are already endless.
# The server's syscalls a file besides the reads and writevs of /dev/fuse: openat, fstat,
# BACKING_OPEN and _CLOSE, utimensat, fchownat, fchmodat, close, 6 fstatats (strace -c). A
# GETXATTR costs one read and one writev, nothing else (strace -c of 2000: 2003 and 2003; no
# xattr syscall, no futex, no worker), 6-7 us of server CPU at load 4-9. perf of the server
# in untar (tmpfs upper, load 4): 81% kernel (fuse_dev_write 17.6%, 10 of it the caller's
# wake-up; fuse_dev_read 14%; schedule 8.6%; pinning the buffers' pages 4.6%; openat 7.5%;
# the passthrough ioctls 3.9%), libc, libfuse and pea 18% (pea's own code 4%). On ext4 after
# removals ext4's scan of recently freed inodes (recently_deleted) was half the server's CPU;
# the kernel's overlay pays it too, in tar. The wall time is CPU, not waiting: untar (tmpfs,
# load 4.5) 2.0-2.5 s against tar's 0.8-1.2 s and the server's 0.9-1.5 s (the kernel's
# overlay 0.72-0.92 s, tar's 0.44 s). Where the two run matters most: server and tar pinned to
# one CPU 1.90-2.27 s (server 0.88-1.06 s), to two CPUs 5.07-7.93 s (server 1.87-2.30 s);
# 20k getxattrs 0.91-1.09 s against 1.70-2.14 s. A round trip between CPUs costs 2-3x here
# (likely the wake-ups' IPIs and exits from idle, in a VM); loaded, the scheduler keeps them
# together (unpinned 2.03-2.53 s), idle it wakes the server on the idle CPU: why the ratios to
# the kernel are worst at low load (untar 3.29x median, tmpfs, load 9.3 falling to 2.7).
# Tried, A/B in the same runs (medians B/pea), none winning every row at every load: an EEVDF
# slice of 0.1 ms for the server (getxattr 1.00x, untar 1.04x); spin=50 (load 4.1-4.8: getxattr
# 0.70x, untar 0.71x but create 1.24x, empty 1.14x; load 1.4-4.2: getxattr 1.03x, untar 1.14x),
# not after RELEASE/FORGET, or only while /proc/loadavg's runnable count is at most the CPUs
# (getxattr 0.86-1.35x, ls -lR 0.80-1.58x): spin stays off. What would cut these rows:
# a request fewer (FUSE_STATX_MODDIR in a later kernel: the parent's GETATTR), an xattr cache
# in the kernel's FUSE (the two GETXATTRs), or the server on its caller's CPU (FUSE over
# io_uring's queue per CPU; session 13 measured it at load 4.5 only, where placement costs
# least: worth a run at low load). This script at load 2.6-3.5 (ext4 upper, 4 runs, the
# medians of the runs' own ratios pea/kernel): untar 3.01x (best 3.06x), getxattr 2.19x,
# ls -lR 2.04x, create 2.37x; pea/fuse-overlayfs 0.68x, 0.83x, 0.48x, 0.98x. The session's
# one change to the server (4a88acb, security.* apart with user.containers.override_stat: a
# test more in getxattr and listxattr) against the commit before, B/new in the same runs:
# getxattr 0.99x, ls -lR 0.90x (by hand, one after the other: level), untar 1.03x, create
# 1.08x. The other rows then (load 1.9-2.3, 3 runs, medians): find 1.94x the kernel, read
# 1.04x, empty 1.52x (1.06x fuse-overlayfs: level, ext4's freed-inode scan in both servers'
# CPU), turns 1.38x (0.91x), copy-up 0.24x. OVL_BENCH_PEA_B is new: pea and B swap places
# every other run (nth_impl).
#
# Session 16 (ovl). create empty: 4 requests a file for both servers (strace -c, 2000 files:
# 8004 and 8005 writevs); the servers' syscalls a file besides them: pea 6 (openat, fstat, the
# parent's fstatat, BACKING_OPEN, BACKING_CLOSE, close), fuse-overlayfs 1.10 11 (openat2, 6
# statx, 2 faccessat2, unlinkat, close); no lock wait or worker hand-off (12 futex calls in
# all). On the ext4 upper most of both servers' CPU is ext4's inode allocator (perf, 5000
# files: recently_deleted, find_get_block_common, ext4_get_group_desc, find_inode_bit 74% of
# pea's, 66% of fuse-overlayfs's), set by what was freed on the file system lately: the row's
# pea/fuse-overlayfs went 1.17x, then 1.01x an hour later (medians 1.25x, 1.00x), and the same
# binary as pea B 0.89x. On a tmpfs upper (perf, 10k files): /dev/fuse, the caller's wake-up
# in fuse_request_end alone 17%, the passthrough ioctls 8%, pea/fuse-overlayfs 0.97-1.02x
# (medians 0.99-1.00x, load 1.6-2.5). Passthrough at CREATE is pea's whole extra: -o
# passthrough=0 as B, tmpfs, load 1.0-1.8: empty 0.87x, server CPU 0.57 -> 0.46 s, but create
# small 1.10x (a WRITE a file); it is chosen at CREATE, before anyone knows whether the file
# will be written, and FUSE has no later switch to it: kept (untar 1.30x without, session 14).
# untar: killpriv v2 is negotiated here (root; the server's debug log says so, and a second
# write asks nothing), and both GETXATTRs of security.capability are the kernel's whatever a
# reply says. The write's: a new inode is S_NOSEC only after a first check, and
# fuse_change_attributes_common clears S_NOSEC at every attribute update, a SETATTR reply's
# too (through pea: a write after a utimensat, fchown or fchmod asks again). The chown's:
# notify_change asks for ATTR_KILL_PRIV whatever S_NOSEC (two fchowns in a row ask twice).
# SETATTR replies already carry pea's endless attr timeout; the 3 SETATTRs are tar's own
# syscalls; the parent's GETATTR follows fuse_dir_changed at CREATE (session 10). Server on one
# CPU, tar free (tmpfs, load 1.1): 2.08-2.39 s, unpinned 2.22-2.41 s: the scheduler already
# keeps them together at this load. Nothing cut. This script then, tmpfs upper, 5 runs, load
# 1.6-1.9, medians pea/kernel: untar 4.44x (kernel 0.50 s), getxattr 2.12x, ls -lR 2.11x,
# create 2.16x, empty 1.96x; pea/fuse-overlayfs 0.69x, 0.86x, 0.49x, 0.85x, 0.99x. On ext4
# (load 1.3-4.0): untar 1.31x the kernel (the allocator in tar's time too), getxattr 2.62x.
# 354be03 (security.fuseoverlayfs.override_stat in an encoding layer) against the commit
# before as B, B/new medians: tmpfs getxattr 1.10x, ls -lR 1.05x, untar 0.98x, create 0.98x,
# empty 1.10x; ext4 0.76-1.17x both ways (noise: the same binary moves as much).
set -euo pipefail
# bash reads a script as it runs it: the whole of it is one block, read before it starts, so
# that a commit to this file during a run (engineers side by side) cannot change the run.
{

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PEA_BUILD=${PEA_BUILD:-$here/../build}
PEA_OVERLAYFS=${PEA_OVERLAYFS:-$PEA_BUILD/bin/pea-overlayfs}
FUSE_OVERLAYFS=${FUSE_OVERLAYFS:-/usr/bin/fuse-overlayfs}
runs=${OVL_BENCH_RUNS:-3}
src=${OVL_BENCH_TREE:-/usr/include}

for cmd in "$PEA_OVERLAYFS" "$FUSE_OVERLAYFS" fusermount3 mountpoint tar; do
	if ! command -v "$cmd" >/dev/null 2>&1; then
		echo "bench/overlayfs: needs '$cmd'" >&2
		exit 1
	fi
done
if [[ $(id -u) -ne 0 ]]; then
	echo "bench/overlayfs: needs root (kernel overlay mounts)" >&2
	exit 1
fi
# In a mount namespace of its own: a process of the host that makes a mount namespace
# meanwhile (a rootless pause process, ip netns exec) would copy the FUSE mounts, and that
# copy keeps their servers serving after the unmount here.
if [[ -z ${OVL_BENCH_UNSHARED:-} ]]; then
	OVL_BENCH_UNSHARED=1 exec unshare -m --propagation private "$BASH" "${BASH_SOURCE[0]}" "$@"
fi

work=$(mktemp -d /var/tmp/pea-ovlbench.XXXXXX)
mkdir "$work/uppers"
case ${OVL_BENCH_UPPER:-} in
"") ;;
tmpfs) mount -t tmpfs -o size=8g,mode=0755 pea-ovlbench "$work/uppers" ;;
*)
	echo "bench/overlayfs: OVL_BENCH_UPPER is '' or tmpfs, not '$OVL_BENCH_UPPER'" >&2
	rmdir "$work/uppers" "$work"
	exit 1
	;;
esac
layers=${OVL_BENCH_LAYERS:-$work}
server=""
run_dir=""
# unmount [MOUNTPOINT]: and wait for $server to end.
unmount() {
	local mnt=${1:-$work/mnt}
	if mountpoint -q "$mnt"; then
		fusermount3 -u "$mnt" 2>/dev/null || umount "$mnt" 2>/dev/null || umount -l "$mnt"
	fi
	if [[ -n "$server" ]]; then
		# It ends once unmounted; stopped after 10 s if something still holds the mount.
		for _ in $(seq 100); do
			kill -0 "$server" 2>/dev/null || break
			sleep 0.1
		done
		kill "$server" 2>/dev/null || true
		wait "$server" 2>/dev/null || true
		server=""
	fi
}
# The mounts of the turns row (all three at once), their servers.
declare -A turn_mnt=() turn_server=()
turns_unmount() {
	local impl
	for impl in "${!turn_mnt[@]}"; do
		server=${turn_server[$impl]:-}
		unmount "${turn_mnt[$impl]}"
	done
	turn_mnt=() turn_server=()
}
cleanup() {
	unmount
	turns_unmount
	if mountpoint -q "$work/uppers"; then
		umount "$work/uppers"
	fi
	rm -rf "$work"
}
trap cleanup EXIT
# a kill (timeout, ^C) runs the cleanup too: bash runs no EXIT trap on an untrapped signal
trap 'exit 130' INT TERM HUP

# ---- the layers: 20k small files in 200 dirs, 3 x 100 MB files, a tarball to unpack ----
mkdir -p "$work/mnt"
if [[ ! -f "$layers/.complete" ]]; then
	echo "bench/overlayfs: making the layers in $layers" >&2
	mkdir -p "$layers/lower1" "$layers/lower2"
	for ((d = 0; d < 200; d++)); do
		mkdir -p "$layers/lower2/tree/d$d"
		for ((f = 0; f < 100; f++)); do
			printf 'file %d %d\n' "$d" "$f" >"$layers/lower2/tree/d$d/f$f"
		done
	done
	mkdir -p "$layers/lower1/big" "$layers/lower1/tree/d0"
	for i in 1 2 3; do
		head -c 100M /dev/urandom >"$layers/lower1/big/file$i"
	done
	echo "upper layer copy" >"$layers/lower1/tree/d0/f0"
	tar -C "$(dirname "$src")" -cf "$layers/src.tar" "$(basename "$src")"
	touch "$layers/.complete"
fi
cat "$layers"/lower1/big/* "$layers/src.tar" >/dev/null
find "$layers/lower2" >/dev/null

# mount_impl IMPL [MOUNTPOINT]: a fresh upper dir (run_dir), the FUSE server in $server.
mount_impl() {
	local run mnt=${2:-$work/mnt}
	run=$(mktemp -d "$work/uppers/run.XXXXXX")
	run_dir=$run
	mkdir "$run/upper" "$run/work"
	local opts="lowerdir=$layers/lower1:$layers/lower2,upperdir=$run/upper,workdir=$run/work"
	case "$1" in
	kernel) mount -t overlay overlay -o "$opts" "$mnt" ;;
	pea | fuse | peab)
		local bin="$PEA_OVERLAYFS"
		[[ $1 == fuse ]] && bin="$FUSE_OVERLAYFS"
		[[ $1 == peab ]] && bin=${OVL_BENCH_PEA_B:-$PEA_OVERLAYFS}
		[[ $1 != fuse && -n ${OVL_BENCH_PEA_OPTS:-} ]] && opts+=",$OVL_BENCH_PEA_OPTS"
		[[ $1 == peab && -n ${OVL_BENCH_PEA_B_OPTS:-} ]] && opts+=",$OVL_BENCH_PEA_B_OPTS"
		"$bin" -f -o "$opts" "$mnt" 2>/dev/null &
		server=$!
		for _ in $(seq 200); do
			mountpoint -q "$mnt" && return 0
			sleep 0.05
		done
		echo "bench/overlayfs: $1 did not mount" >&2
		return 1
		;;
	esac
}

# The rows: each is run in a fresh mount, timed from the shell.
row_find() { find "$work/mnt/tree" | wc -l >/dev/null; }
row_lsr() { ls -lR "$work/mnt/tree" >/dev/null; }
row_read() { cat "$work"/mnt/big/* >/dev/null; }
# create: 10k small files (a line each, as the layers' small files are made); empty: the same
# files left empty (the create, open and release alone).
row_create() {
	local d
	mkdir "$work/mnt/new"
	for d in $(seq 0 99); do
		mkdir "$work/mnt/new/$d"
		(cd "$work/mnt/new/$d" && for f in $(seq 0 99); do printf 'file %d %d\n' "$d" "$f" >"$f"; done)
	done
}
row_empty() {
	local d
	mkdir "$work/mnt/new"
	for d in $(seq 0 99); do
		mkdir "$work/mnt/new/$d"
		(cd "$work/mnt/new/$d" && for f in $(seq 0 99); do : >"$f"; done)
	done
}
# The create row in turns: the three mounted at once, each directory's 100 files made in one
# after the other, in an order that rotates from directory to directory, each implementation's
# time the sum of its turns (see the header).
row_turns() {
	local impl=$1 d=$2
	mkdir "${turn_mnt[$impl]}/new/$d"
	(cd "${turn_mnt[$impl]}/new/$d" && for f in $(seq 0 99); do printf 'file %d %d\n' "$d" "$f" >"$f"; done)
}
row_copyup() { echo x >>"$work/mnt/big/file1"; }
row_untar() { tar -C "$work/mnt" -xf "$layers/src.tar"; }
# FUSE caches no xattrs: each call is a GETXATTR request (ENODATA).
row_rtt() {
	python3 -c 'import os, sys
for _ in range(20000):
    try:
        os.getxattr(sys.argv[1], "user.pea-bench-none")
    except OSError:
        pass' "$work/mnt/tree/d1/f1"
}

read -r -a rows <<<"${OVL_BENCH_ROWS:-find lsr read create empty turns copyup untar rtt}"
for row in "${rows[@]}"; do
	if ! declare -F "row_$row" >/dev/null; then
		echo "bench/overlayfs: unknown row '$row' (find lsr read create empty turns copyup untar rtt)" >&2
		exit 1
	fi
	if [[ $row == rtt ]] && ! command -v python3 >/dev/null; then
		echo "bench/overlayfs: the rtt row needs python3" >&2
		exit 1
	fi
done
declare -A label=([find]="find, 20k files" [lsr]="ls -lR, 20k files" [read]="read 300 MB"
	[create]="create 10k small files" [empty]="create 10k empty files" [turns]="create 10k, in turns" [copyup]="copy-up 100 MB" [untar]="untar $(basename "$src")"
	[rtt]="getxattr x 20k")
declare -A best load cpu time_of

# server_cpu: the FUSE server's CPU time so far, in clock ticks (0 for the kernel's).
server_cpu() {
	local st
	[[ -n "$server" ]] || {
		echo 0
		return
	}
	read -r -a st <"/proc/$server/stat"
	# utime and stime (fields 14, 15; the name in field 2 has no spaces here).
	echo $((st[13] + st[14]))
}

# time_once IMPL ROW: the wall time of one run and the server's CPU time in it, in seconds.
time_once() {
	local impl="$1" row="$2" start end c0 c1
	mount_impl "$impl"
	# The data written by the run before goes to disk first, not during this one.
	sync
	c0=$(server_cpu)
	start=$(date +%s.%N)
	"row_$row"
	end=$(date +%s.%N)
	c1=$(server_cpu)
	unmount
	# On a tmpfs a removal costs the runs after it nothing: memory back at once.
	if [[ -n ${OVL_BENCH_UPPER:-} ]]; then
		rm -rf "$run_dir"
	fi
	echo "$(echo "$end - $start" | bc -l) $(echo "($c1 - $c0) / $(getconf CLK_TCK)" | bc -l)"
}

# median: the middle of the numbers on stdin (the mean of the two middle ones for an even count).
median() {
	sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2];
		else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# time_turns: one run of the turns row; sets tt[IMPL] (seconds), tc[IMPL] (server CPU) and
# appends each directory's ratios pea/fuse-overlayfs and pea/kernel to rf and rk.
declare -A tt tc
time_turns() {
	local impl d i t0 c0
	declare -A us=() dus=() c=()
	local -a pf=() pk=() pb=()
	for impl in "${impls[@]}"; do
		turn_mnt[$impl]=$work/mnt-$impl
		mkdir -p "${turn_mnt[$impl]}"
		mount_impl "$impl" "${turn_mnt[$impl]}"
		turn_server[$impl]=$server
		server=""
		mkdir "${turn_mnt[$impl]}/new"
	done
	sync
	for impl in "${impls[@]}"; do
		server=${turn_server[$impl]}
		c[$impl]=$(server_cpu)
	done
	for ((d = 0; d < 100; d++)); do
		for ((i = 0; i < ${#impls[@]}; i++)); do
			impl=$(nth_impl "$d" "$i")
			t0=${EPOCHREALTIME/./}
			row_turns "$impl" "$d"
			dus[$impl]=$((${EPOCHREALTIME/./} - t0))
			us[$impl]=$((${us[$impl]:-0} + dus[$impl]))
		done
		pf+=("${dus[pea]} / ${dus[fuse]}") pk+=("${dus[pea]} / ${dus[kernel]}")
		[[ -n $pea_b ]] && pb+=("${dus[peab]} / ${dus[pea]}")
	done
	# After the turns: no process between them but the row's own.
	rf+="$(printf '%s\n' "${pf[@]}" | bc -l)"$'\n'
	rk+="$(printf '%s\n' "${pk[@]}" | bc -l)"$'\n'
	[[ -n $pea_b ]] && rb+="$(printf '%s\n' "${pb[@]}" | bc -l)"$'\n'
	for impl in "${impls[@]}"; do
		server=${turn_server[$impl]}
		c0=$(server_cpu)
		tc[$impl]=$(echo "($c0 - ${c[$impl]}) / $(getconf CLK_TCK)" | bc -l)
		tt[$impl]=$(echo "${us[$impl]} / 1000000" | bc -l)
	done
	server=""
	turns_unmount
	if [[ -n ${OVL_BENCH_UPPER:-} ]]; then
		rm -rf "$work"/uppers/run.*
	fi
}

# The best of $runs runs, the implementations taking turns in a rotating order.
impls=(pea fuse kernel)
pea_b=""
if [[ -n ${OVL_BENCH_PEA_B:-}${OVL_BENCH_PEA_B_OPTS:-} ]]; then
	pea_b=1
	impls+=(peab)
fi
# nth_impl TURN I: the I-th implementation of run (or directory) TURN: the order rotates, and
# every other turn runs it the other way round (pea and B swap places): in one rotating order
# each implementation would always come right after the same one (pea after the kernel,
# fuse-overlayfs after pea), and two builds level in ls -lR when run by hand one after the
# other came out 0.70x apart that way (ext4 upper, load 4-5; the one after the other FUSE
# server was slower).
nth_impl() {
	local -a order=(pea fuse kernel)
	(($1 % 2)) && order=(pea kernel fuse)
	if [[ -n $pea_b ]]; then
		order=(pea fuse peab kernel)
		(($1 % 2)) && order=(peab fuse pea kernel)
	fi
	echo "${order[($1 + $2) % ${#order[@]}]}"
}
for row in "${rows[@]}"; do
	read -r l1 _ </proc/loadavg
	rf="" rk="" rb=""
	if [[ $row == turns ]]; then
		for ((run = 0; run < runs; run++)); do
			time_turns
			for impl in "${impls[@]}"; do
				[[ -n ${OVL_BENCH_VERBOSE:-} ]] &&
					printf '%s %s %.3f s, server CPU %.2f s\n' "$row" "$impl" "${tt[$impl]}" \
						"${tc[$impl]}" >&2
				b=${best[$row,$impl]:-}
				if [[ -z "$b" ]] || (($(echo "${tt[$impl]} < $b" | bc -l))); then
					best[$row,$impl]=${tt[$impl]}
				fi
				b=${cpu[$row,$impl]:-}
				if [[ -z "$b" ]] || (($(echo "${tc[$impl]} < $b" | bc -l))); then
					cpu[$row,$impl]=${tc[$impl]}
				fi
			done
		done
		read -r l2 _ </proc/loadavg
		load[$row]="$l1-$l2"
		best[$row,medf]=$(median <<<"${rf%$'\n'}")
		best[$row,medk]=$(median <<<"${rk%$'\n'}")
		[[ -n $pea_b ]] && best[$row,medb]=$(median <<<"${rb%$'\n'}")
		continue
	fi
	for ((run = 0; run < runs; run++)); do
		for ((i = 0; i < ${#impls[@]}; i++)); do
			impl=$(nth_impl "$run" "$i")
			read -r t c < <(time_once "$impl" "$row")
			time_of[$impl]=$t
			[[ -n ${OVL_BENCH_VERBOSE:-} ]] &&
				printf '%s %s %.3f s, server CPU %.2f s\n' "$row" "$impl" "$t" "$c" >&2
			b=${best[$row,$impl]:-}
			if [[ -z "$b" ]] || (($(echo "$t < $b" | bc -l))); then
				best[$row,$impl]=$t
			fi
			b=${cpu[$row,$impl]:-}
			if [[ -z "$b" ]] || (($(echo "$c < $b" | bc -l))); then
				cpu[$row,$impl]=$c
			fi
		done
		rf+="$(echo "${time_of[pea]} / ${time_of[fuse]}" | bc -l)"$'\n'
		rk+="$(echo "${time_of[pea]} / ${time_of[kernel]}" | bc -l)"$'\n'
		[[ -n $pea_b ]] && rb+="$(echo "${time_of[peab]} / ${time_of[pea]}" | bc -l)"$'\n'
	done
	read -r l2 _ </proc/loadavg
	load[$row]="$l1-$l2"
	best[$row,medf]=$(median <<<"${rf%$'\n'}")
	best[$row,medk]=$(median <<<"${rk%$'\n'}")
	[[ -n $pea_b ]] && best[$row,medb]=$(median <<<"${rb%$'\n'}")
done

printf '%-22s %9s %9s %9s %9s %10s %9s %10s %8s %8s %11s\n' row pea fuse kernel pea/fuse \
	pea/kernel 'med p/f' 'med p/k' 'cpu pea' 'cpu fuse' load
for row in "${rows[@]}"; do
	p=${best[$row,pea]} f=${best[$row,fuse]} k=${best[$row,kernel]}
	printf '%-22s %9.3f %9.3f %9.3f %8.2fx %9.2fx %8.2fx %9.2fx %8.2f %8.2f %11s\n' \
		"${label[$row]}" "$p" "$f" "$k" "$(echo "$p / $f" | bc -l)" "$(echo "$p / $k" | bc -l)" \
		"${best[$row,medf]}" "${best[$row,medk]}" "${cpu[$row,pea]}" "${cpu[$row,fuse]}" \
		"${load[$row]}"
done
if [[ -n $pea_b ]]; then
	printf '\npea B: %s %s\n' "${OVL_BENCH_PEA_B:-$PEA_OVERLAYFS}" "${OVL_BENCH_PEA_B_OPTS:-}"
	printf '%-22s %9s %9s %9s %9s %8s %8s\n' row pea 'pea B' B/pea 'med B/p' 'cpu pea' 'cpu B'
	for row in "${rows[@]}"; do
		p=${best[$row,pea]} b=${best[$row,peab]}
		printf '%-22s %9.3f %9.3f %8.2fx %8.2fx %8.2f %8.2f\n' "${label[$row]}" "$p" "$b" \
			"$(echo "$b / $p" | bc -l)" "${best[$row,medb]}" "${cpu[$row,pea]}" "${cpu[$row,peab]}"
	done
fi
echo "(seconds, the best of $runs; med: the median of the $runs runs' own ratios; cpu: the FUSE"
echo " server's own CPU time, the least of $runs; load: the load average before and after the row)"
exit
}
