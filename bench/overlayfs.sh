#!/usr/bin/env bash
# bench/overlayfs.sh: pea-overlayfs beside Debian's fuse-overlayfs and the kernel's overlayfs
# on the same layers: `find` over 20k files, `ls -lR` (a stat storm), reading 300 MB of large
# files, creating 10k small files, copy-up of a 100 MB file, untar of a source tree
# (/usr/include). Each row runs on a fresh upper dir; the lower layers are read once
# beforehand so that every mount starts with them in the page cache. Prints seconds and the
# ratios pea/fuse-overlayfs and pea/kernel; asserts nothing (the machine is shared).
#
#   PEA_BUILD=build bench/overlayfs.sh        OVL_BENCH_RUNS=3
#   OVL_BENCH_PEA_OPTS=writeback=1            more -o options for pea-overlayfs
set -euo pipefail

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
server=""
unmount() {
	if mountpoint -q "$work/mnt"; then
		fusermount3 -u "$work/mnt" 2>/dev/null || umount "$work/mnt" 2>/dev/null ||
			umount -l "$work/mnt"
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
cleanup() {
	unmount
	rm -rf "$work"
}
trap cleanup EXIT

# ---- the layers: 20k small files in 200 dirs, 3 x 100 MB files, a tarball to unpack ----
echo "bench/overlayfs: making the layers in $work" >&2
mkdir -p "$work/lower1" "$work/lower2" "$work/mnt"
for ((d = 0; d < 200; d++)); do
	mkdir -p "$work/lower2/tree/d$d"
	for ((f = 0; f < 100; f++)); do
		printf 'file %d %d\n' "$d" "$f" >"$work/lower2/tree/d$d/f$f"
	done
done
mkdir -p "$work/lower1/big" "$work/lower1/tree/d0"
for i in 1 2 3; do
	head -c 100M /dev/urandom >"$work/lower1/big/file$i"
done
echo "upper layer copy" >"$work/lower1/tree/d0/f0"
tar -C "$(dirname "$src")" -cf "$work/src.tar" "$(basename "$src")"
cat "$work"/lower1/big/* "$work/src.tar" >/dev/null
find "$work/lower2" >/dev/null

mount_impl() {
	rm -rf "$work/upper" "$work/work"
	mkdir -p "$work/upper" "$work/work"
	local opts="lowerdir=$work/lower1:$work/lower2,upperdir=$work/upper,workdir=$work/work"
	case "$1" in
	kernel) mount -t overlay overlay -o "$opts" "$work/mnt" ;;
	pea | fuse)
		local bin="$PEA_OVERLAYFS"
		[[ $1 == fuse ]] && bin="$FUSE_OVERLAYFS"
		[[ $1 == pea && -n ${OVL_BENCH_PEA_OPTS:-} ]] && opts+=",$OVL_BENCH_PEA_OPTS"
		"$bin" -f -o "$opts" "$work/mnt" 2>/dev/null &
		server=$!
		for _ in $(seq 200); do
			mountpoint -q "$work/mnt" && return 0
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
row_create() {
	local d
	mkdir "$work/mnt/new"
	for d in $(seq 0 99); do
		mkdir "$work/mnt/new/$d"
		(cd "$work/mnt/new/$d" && for f in $(seq 0 99); do : >"$f"; done)
	done
}
row_copyup() { echo x >>"$work/mnt/big/file1"; }
row_untar() { tar -C "$work/mnt" -xf "$work/src.tar"; }

rows=(find lsr read create copyup untar)
declare -A label=([find]="find, 20k files" [lsr]="ls -lR, 20k files" [read]="read 300 MB"
	[create]="create 10k files" [copyup]="copy-up 100 MB" [untar]="untar $(basename "$src")")
declare -A best

# time_row IMPL ROW: best wall time of $runs runs, in seconds.
time_row() {
	local impl="$1" row="$2" i start end t min=""
	for ((i = 0; i < runs; i++)); do
		mount_impl "$impl"
		# The data written by the row before goes to disk first, not during this one.
		sync
		start=$(date +%s.%N)
		"row_$row"
		end=$(date +%s.%N)
		unmount
		t=$(echo "$end - $start" | bc -l)
		if [[ -z "$min" ]] || (($(echo "$t < $min" | bc -l))); then
			min=$t
		fi
	done
	printf '%.3f' "$min"
}

for row in "${rows[@]}"; do
	for impl in pea fuse kernel; do
		best[$row,$impl]=$(time_row "$impl" "$row")
	done
done

printf '%-22s %10s %14s %10s %12s %12s\n' row pea fuse-overlayfs kernel pea/fuse pea/kernel
for row in "${rows[@]}"; do
	p=${best[$row,pea]} f=${best[$row,fuse]} k=${best[$row,kernel]}
	printf '%-22s %10s %14s %10s %11.2fx %11.2fx\n' "${label[$row]}" "$p" "$f" "$k" \
		"$(echo "$p / $f" | bc -l)" "$(echo "$p / $k" | bc -l)"
done
