#!/usr/bin/env bash
# bench/storage-parallel.sh: applying a 6-layer image (a busybox layer and 5 layers of 20..50
# MiB of random data, gzip, as bench/image.sh pulls) into an overlay store, each layer from
# its file: one apply after the other (as pea-image did: the child waits for its parent's
# commit), and all six at once (children given their parent's chain id and their diff id;
# each commit waits for its parent). Prints mean wall and CPU times; asserts nothing.
#
#   PEA_BUILD=build bench/storage-parallel.sh     BENCH_RUNS=3 BENCH_FORMAT=gzip|plain
#   PEA_STORAGE_BEFORE=/path/to/old/pea-storage   also times that binary, one after the other
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PEA_BUILD=${PEA_BUILD:-$here/../build}
PEA_STORAGE=${PEA_STORAGE:-$PEA_BUILD/bin/pea-storage}
runs=${BENCH_RUNS:-3}
format=${BENCH_FORMAT:-gzip} # or plain: uncompressed tars, whose digest is their diff id
busybox=$(command -v busybox || true)

for cmd in "$PEA_STORAGE" gzip tar sha256sum head awk; do
	if ! command -v "$cmd" >/dev/null 2>&1; then
		echo "bench/storage-parallel: needs '$cmd'" >&2
		exit 1
	fi
done
if [[ $(id -u) -ne 0 ]]; then
	echo "bench/storage-parallel: needs root" >&2
	exit 1
fi

work=$(mktemp -d /var/tmp/pea-storage-parallel.XXXXXX)
trap 'rm -rf "$work"' EXIT

echo "bench/storage-parallel: making 6 layers in $work" >&2
mkdir -p "$work/src/1/bin"
cp "${busybox:-/bin/sh}" "$work/src/1/bin/busybox"
sizes=(0 0 20 35 50 27 42)
for n in 2 3 4 5 6; do
	mkdir -p "$work/src/$n/data$n"
	head -c "$((sizes[n] * 1024 * 1024))" /dev/urandom >"$work/src/$n/data$n/blob"
done
declare -a digest diffid chain
prev=""
for n in 1 2 3 4 5 6; do
	tar -C "$work/src/$n" --owner=0 --group=0 --sort=name -cf "$work/$n.tar" .
	diffid[n]=sha256:$(sha256sum <"$work/$n.tar" | cut -d' ' -f1)
	if [[ $format == plain ]]; then
		cp "$work/$n.tar" "$work/$n.tar.gz"
	else
		gzip -1 -c "$work/$n.tar" >"$work/$n.tar.gz"
	fi
	digest[n]=sha256:$(sha256sum <"$work/$n.tar.gz" | cut -d' ' -f1)
	if [[ -z $prev ]]; then
		chain[n]=${diffid[n]#sha256:}
	else
		chain[n]=$(printf 'sha256:%s %s' "$prev" "${diffid[n]}" | sha256sum | cut -d' ' -f1)
	fi
	prev=${chain[n]}
	rm -f "$work/$n.tar"
done
rm -rf "$work/src"
total=$(du -cm "$work"/*.tar.gz | tail -1 | cut -f1)

# sequential BINARY: each apply starts once its parent is committed, its id from the reply
sequential() {
	local bin=$1 root=$work/store parent="" n out
	rm -rf "$root" "$work/run"
	for n in 1 2 3 4 5 6; do
		out=$("$bin" --root "$root" --runroot "$work/run" --driver overlay layer apply \
			${parent:+--parent "$parent"} --digest "${digest[n]}" "$work/$n.tar.gz")
		parent=$(awk -F'"id":"' '{ split($2, a, "\""); print a[1] }' <<<"$out")
	done
	[[ $parent == "${chain[6]}" ]] || { echo "sequential: top layer '$parent', not '${chain[6]}'" >&2; return 1; }
}

# parallel BINARY: the six applies at once
parallel() {
	local bin=$1 root=$work/store n pids=() pid rc=0
	rm -rf "$root" "$work/run"
	for n in 1 2 3 4 5 6; do
		"$bin" --root "$root" --runroot "$work/run" --driver overlay layer apply \
			${chain[n - 1]:+--parent "${chain[n - 1]}"} --digest "${digest[n]}" \
			--diff-id "${diffid[n]}" "$work/$n.tar.gz" >/dev/null &
		pids+=($!)
	done
	for pid in "${pids[@]}"; do
		wait "$pid" || rc=1
	done
	[[ -f $root/layers/${chain[6]}.json ]] || { echo "parallel: no top layer" >&2; return 1; }
	return $rc
}

# cpu FILE: user + system seconds of the children waited for, from `times` in FILE
cpu() {
	tail -1 "$1" | awk '{ s = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); s += a[1] * 60 + a[2] }
		print s }'
}

# measure NAME FUNCTION BINARY: mean wall and CPU (user + system) times of runs
measure() {
	local name=$1 fn=$2 bin=$3 r t0 t1 c0 c1 wall=0 used=0
	for ((r = 0; r < runs; r++)); do
		sync
		times >"$work/t0" # in this shell: a subshell's children are not ours
		t0=$(date +%s.%N)
		"$fn" "$bin"
		t1=$(date +%s.%N)
		times >"$work/t1"
		c0=$(cpu "$work/t0") c1=$(cpu "$work/t1")
		wall=$(awk -v s="$wall" -v a="$t0" -v b="$t1" 'BEGIN { print s + b - a }')
		used=$(awk -v s="$used" -v a="$c0" -v b="$c1" 'BEGIN { print s + b - a }')
	done
	awk -v n="$name" -v w="$wall" -v c="$used" -v r="$runs" 'BEGIN {
		printf "%-28s %7.3f s wall %7.3f s CPU\n", n, w / r, c / r }'
}

echo "== 6 layers, $total MiB $format, overlay, mean of $runs"
if [[ -n ${PEA_STORAGE_BEFORE:-} ]]; then
	measure "before: one after the other" sequential "$PEA_STORAGE_BEFORE"
fi
measure "one after the other" sequential "$PEA_STORAGE"
measure "all at once" parallel "$PEA_STORAGE"
