#!/usr/bin/env bash
# shellcheck disable=SC2034,SC2154 # cmd_NAME arrays read, NAME_wall... set, through eval and ${!v}
# bench/image.sh: pull a multi-layer image from a local registry into an OCI layout
# (pea-image against skopeo) and into a store (pea-image into pea-storage against skopeo
# into containers-storage and podman pull): wall time, CPU time (children included) and
# peak RSS, best of N runs taken in turn (pea, anchor, pea, anchor...), each run's wall
# time and the load average, and the ratios. No assertions: the machine is shared and noisy.
#
#   BENCH_TARGETS ("layout store"): which rows to measure.
#   BENCH_LAYERS (5) layers of 20..50 MiB (varied) of random data on top of the busybox
#   fixture, compressed with each of BENCH_COMPRESS ("gzip zstd"); BENCH_RUNS (3) runs each.
#   BENCH_CONTENT=files: the layers hold the machine's own files (/usr/lib, /usr/share)
#   instead, which compress as real images do (random data makes decompression free).
#   BENCH_SYNC_ROWS (1): two more pea rows into the store: pea-store-layer, each layer
#   synced at its commit (PEA_STORAGE_SYNC=layer, before session 11), and pea-store-sync,
#   the default deferred pull followed by `pea-storage sync` (all of it on the disk).
#   pea-store is the default: layers committed unsynced, written by the kernel's own
#   writeback or the next sync (pea-storage(8) DURABILITY).
#   BENCH_PRIORITY=1: the whole bench (registry, pea, skopeo, podman alike) runs in a
#   scheduler autogroup of its own at nice -20, so that on a machine loaded by others'
#   sessions each row gets about what a quiet machine gives (nice alone acts only inside
#   a session's autogroup); disks stay shared, the load is still reported.
set -uo pipefail
if [[ "${BENCH_PRIORITY:-0}" == 1 && -z "${BENCH_PRIORITY_SET:-}" &&
	-w /proc/self/autogroup ]]; then
	export BENCH_PRIORITY_SET=1
	# shellcheck disable=SC2016 # expanded by the inner bash
	exec setsid -w bash -c 'echo -20 >/proc/self/autogroup && exec "$@"' bench "$0" "$@"
fi
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export PEA_BUILD=${PEA_BUILD:-$here/../build}
# shellcheck source=tests/helpers/common.bash
source "$here/../tests/helpers/common.bash"
# shellcheck source=tests/helpers-image.bash
source "$here/../tests/helpers-image.bash"

layers=${BENCH_LAYERS:-5}
runs=${BENCH_RUNS:-3}
PEA_IMAGE=${PEA_IMAGE:-$PEA_BUILD/bin/pea-image}
[[ -x "$PEA_IMAGE" ]] || { echo "bench image: build pea-image first ($PEA_IMAGE)" >&2; exit 1; }
command -v skopeo >/dev/null || { echo "bench image: skopeo is missing" >&2; exit 1; }
[[ -x /usr/bin/time ]] || { echo "bench image: /usr/bin/time is missing (apt-get install time)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/var/tmp}/pea-bench-image.XXXXXX")
export BATS_FILE_TMPDIR=$work
cleanup() {
	remove_runs
	registry_stop
	rm -rf "$work"
}
trap cleanup EXIT
# a kill (timeout, ^C) runs the cleanup too: bash runs no EXIT trap on an untrapped signal
trap 'exit 130' INT TERM HUP

ensure_fixtures || exit 1
registry_start || exit 1

# The image: the busybox layer plus random layers of 20..50 MiB.
build_image() {
	local dir="$1" comp="$2" i size mt
	img_build_layout "$dir" "$(oci_platform | cut -d' ' -f1)" 0 0 gzip || return 1
	for ((i = 1; i <= layers; i++)); do
		size=$((20 + (i * 7) % 31))
		if [[ "${BENCH_CONTENT:-random}" == files ]]; then
			files_tar "$i" "$((size << 20))" "$work/l$i.tar" || return 1
		else
			mkdir -p "$work/l$i/data" &&
				head -c "$((size << 20))" /dev/urandom >"$work/l$i/data/blob" &&
				pea_tar_dir "$work/l$i" "$work/l$i.tar" || return 1
		fi
		compress "$comp" "$work/l$i.tar" >"$work/l$i.tar.gz" || return 1
		rm -rf "$work/l$i"
	done
	# rebuild the manifest and config with the extra layers
	local m cfg diffs="[]" descs="[]" d s
	m="$(img_blob_path "$dir" "$(jq -r '.manifests[0].digest' "$dir/index.json")")"
	cfg="$(img_blob_path "$dir" "$(jq -r .config.digest "$m")")"
	for ((i = 1; i <= layers; i++)); do
		diffs="$(jq -c --arg d "sha256:$(pea_sha256 "$work/l$i.tar")" '. + [$d]' <<<"$diffs")"
		rm -f "$work/l$i.tar"
		read -r d s <<<"$(img_add_blob "$dir" "$work/l$i.tar.gz")"
		mt="application/vnd.oci.image.layer.v1.tar+$comp"
		descs="$(jq -c --arg d "$d" --argjson s "$s" --arg mt "$mt" '. + [{mediaType: $mt, digest: $d, size: $s}]' <<<"$descs")"
	done
	jq -cj --argjson d "$diffs" '.rootfs.diff_ids += $d' "$cfg" >"$work/config" || return 1
	read -r d s <<<"$(img_add_blob "$dir" "$work/config")"
	jq -cj --arg d "$d" --argjson s "$s" --argjson l "$descs" \
		'.config.digest = $d | .config.size = $s | .layers += $l' "$m" >"$work/manifest" || return 1
	read -r d s <<<"$(img_add_blob "$dir" "$work/manifest")"
	jq -c --arg d "$d" --argjson s "$s" '.manifests[0].digest = $d | .manifests[0].size = $s' \
		"$dir/index.json" >"$work/index" && mv "$work/index" "$dir/index.json"
}

# files_tar N BYTES OUT: a tar of the N-th slice (about BYTES) of the machine's files
files_tar() {
	local n="$1" want="$2" out="$3"
	[[ -s "$work/files" ]] ||
		find /usr/lib /usr/share -xdev -type f -size -8M -printf '%s %p\n' 2>/dev/null |
		sort -k2 >"$work/files"
	awk -v n="$n" -v want="$want" '{ if (acc + $1 > want) { slice++; acc = 0 }
		acc += $1; if (slice == n) { sub(/^[0-9]+ \//, ""); print } }' "$work/files" \
		>"$work/slice" && [[ -s "$work/slice" ]] &&
		tar -cf "$out" -C / --no-recursion -T "$work/slice" 2>/dev/null
}

compress() {
	case "$1" in
	zstd) zstd -q -1 -c "$2" ;;
	*) gzip -1 -n -c "$2" ;;
	esac
}

# run_once NAME CMD...: one run of CMD (into $work/dst, a fresh folder: the link to
# the run's own folder), keeping NAME's best wall time, its CPU time and peak RSS, and
# the load average at its start. Earlier runs' stores are removed only at the end: on
# an ext4 without a journal (this machine's), every new inode is allocated after a
# check of each inode of its group deleted in the last minute, and removing a store of
# thousands of files just before a run makes that run pay for it (half of pea's CPU
# time; podman's too).
run_once() {
	local name="$1" w r u k v="${1//-/_}" best load
	shift
	runs_made=$((${runs_made:-0} + 1))
	rm -f "$work/dst"
	mkdir -p "$work/runs/$runs_made" && ln -s "runs/$runs_made" "$work/dst" || return 1
	sync
	load=$(cut -d' ' -f1 /proc/loadavg)
	/usr/bin/time -o "$work/time" -f '%e %M %U %S' "$@" >/dev/null 2>"$work/err" ||
		{ echo "bench image: $name failed: $(tail -1 "$work/err")" >&2; return 1; }
	read -r w r u k <"$work/time"
	eval "best=\${${v}_wall:-}"
	eval "${v}_all=\"\${${v}_all:-}\${${v}_all:+ }$w\""
	if [[ -z "$best" ]] || awk -v a="$w" -v b="$best" 'BEGIN { exit !(a < b) }'; then
		eval "${v}_wall=$w ${v}_rss=$r ${v}_cpu=$(awk -v u="$u" -v k="$k" 'BEGIN { print u + k }')"
		eval "${v}_load=$load"
	fi
}

# remove_runs: the stores of the runs so far (podman and skopeo leave overlay mounts)
remove_runs() {
	grep -o "$work/runs[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount 2>/dev/null
	rm -rf "$work/runs" "$work/dst"
}

# report NAME: the best run of NAME (all runs' walls in brackets)
report() {
	local v="${1//-/_}" w r c l a
	eval "w=\$${v}_wall r=\$${v}_rss c=\$${v}_cpu l=\$${v}_load a=\"\$${v}_all\""
	printf '%-10s wall %6.2f s   cpu %6.2f s   peak RSS %7d KiB   %6.1f MiB/s   load %s   [%s]\n' \
		"$1" "$w" "$c" "$r" "$(awk -v t="$total" -v w="$w" 'BEGIN { print (w > 0 ? t / w : 0) }')" \
		"$l" "$a"
}

# measure_alternating NAME1 NAME2 ...: runs each named command (cmd_NAME, an array) in
# turn, BENCH_RUNS rounds, so that a change of the machine's load hits them alike
measure_alternating() {
	local round name v
	for name in "$@"; do
		v="${name//-/_}"
		unset "${v}_wall" "${v}_all"
	done
	for ((round = 0; round < runs; round++)); do
		for name in "$@"; do
			v="cmd_${name//-/_}[@]"
			run_once "$name" "${!v}" || return 1
		done
	done
	for name in "$@"; do
		report "$name"
	done
	remove_runs
}

targets=${BENCH_TARGETS:-layout store}
PEA_STORAGE=${PEA_STORAGE:-$PEA_BUILD/bin/pea-storage}
export PEA_STORAGE
for comp in ${BENCH_COMPRESS:-gzip zstd}; do
	rm -rf "$work/src"
	build_image "$work/src" "$comp" || { echo "bench image: cannot build the image" >&2; exit 1; }
	registry_push_oci "$work/src" "bench/$comp:latest" || exit 1
	total=$(du -sm "$work/src/blobs" | cut -f1)
	src="docker://$REGISTRY_ADDR/bench/$comp:latest"
	echo "== $comp: $((layers + 1)) layers, ${total} MiB compressed (${BENCH_CONTENT:-random}), from $REGISTRY_ADDR; best of $runs alternated runs${BENCH_PRIORITY_SET:+; own autogroup at nice -20}"

	if [[ " $targets " == *" layout "* ]]; then
		echo "into an OCI layout:"
		cmd_pea_image=("$PEA_IMAGE" --insecure-policy copy -q --src-tls-verify=false "$src" "oci:$work/dst")
		cmd_skopeo=(skopeo --insecure-policy copy -q --src-tls-verify=false "$src" "oci:$work/dst")
		measure_alternating pea-image skopeo || exit 1
		awk -v pw="$pea_image_wall" -v sw="$skopeo_wall" -v pr="$pea_image_rss" -v sr="$skopeo_rss" \
			-v pc="$pea_image_cpu" -v sc="$skopeo_cpu" 'BEGIN {
			printf "ratio      wall skopeo/pea-image %.2fx   cpu %.2fx   RSS %.2fx\n", sw / pw, sc / pc, sr / pr }'
	fi

	# Into a store: pea-image -> pea-storage (overlay), skopeo -> containers-storage, podman pull.
	if [[ " $targets " == *" store "* && -x "$PEA_STORAGE" ]]; then
		echo "into a store (overlay):"
		cmd_pea_store=("$PEA_IMAGE" --insecure-policy copy -q --src-tls-verify=false "$src"
			"store:[overlay@$work/dst/root+$work/dst/run]bench/$comp:latest")
		cmd_skopeo_cs=(skopeo --insecure-policy copy -q --src-tls-verify=false "$src"
			"containers-storage:[overlay@$work/dst/root+$work/dst/run]bench/$comp:latest")
		cmd_podman=(podman --root "$work/dst/root" --runroot "$work/dst/run"
			--storage-driver overlay pull -q --tls-verify=false "$src")
		cmd_pea_store_layer=(env PEA_STORAGE_SYNC=layer "${cmd_pea_store[@]}")
		# shellcheck disable=SC2016 # expanded by the inner bash
		cmd_pea_store_sync=(bash -c '"$@" && "$PEA_STORAGE" --root "$R" --runroot "$U" sync'
			pea-store-sync "${cmd_pea_store[@]}")
		names=(pea-store)
		[[ "${BENCH_SYNC_ROWS:-1}" == 1 ]] && names+=(pea-store-layer pea-store-sync)
		names+=(skopeo-cs)
		command -v podman >/dev/null && names+=(podman)
		export R="$work/dst/root" U="$work/dst/run"
		measure_alternating "${names[@]}" || exit 1
		awk -v p="$pea_store_wall" -v s="$skopeo_cs_wall" -v q="${podman_wall:-0}" \
			-v pc="$pea_store_cpu" -v sc="$skopeo_cs_cpu" -v qc="${podman_cpu:-0}" 'BEGIN {
			printf "ratio      wall skopeo/pea-image %.2fx cpu %.2fx", s / p, sc / pc
			if (q > 0) printf "   podman/pea-image wall %.2fx cpu %.2fx", q / p, qc / pc
			printf "\n" }'
		[[ "${BENCH_SYNC_ROWS:-1}" == 1 && -n "${podman_wall:-}" ]] &&
			awk -v l="$pea_store_layer_wall" -v y="$pea_store_sync_wall" -v q="$podman_wall" 'BEGIN {
			printf "ratio      wall podman/pea-store-layer %.2fx   podman/pea-store-sync %.2fx\n", q / l, q / y }'
	fi
done
