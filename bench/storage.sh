#!/usr/bin/env bash
# bench/storage.sh: applying a ~200 MB image of 4 layers (gzip, then zstd) and mounting a
# container root: pea-storage beside `podman image load` of the same OCI archive (podman
# on a store of its own, overlay driver), with `tar -x` of the same layers and
# `skopeo copy` of the archive to a dir: as anchors. Prints mean times and ratios; asserts
# nothing (the machine is shared).
#
#   PEA_BUILD=build bench/storage.sh        STORAGE_BENCH_MB=200 STORAGE_BENCH_RUNS=3
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PEA_BUILD=${PEA_BUILD:-$here/../build}
PEA_STORAGE=${PEA_STORAGE:-$PEA_BUILD/bin/pea-storage}
mb=${STORAGE_BENCH_MB:-200}
runs=${STORAGE_BENCH_RUNS:-3}
python=/usr/bin/python3

for cmd in "$PEA_STORAGE" "$python" hyperfine jq gzip zstd tar; do
	if ! command -v "$cmd" >/dev/null 2>&1; then
		echo "bench/storage: needs '$cmd'" >&2
		exit 1
	fi
done
if [[ $(id -u) -ne 0 ]]; then
	echo "bench/storage: needs root (overlay mounts)" >&2
	exit 1
fi
have_podman=0 have_skopeo=0
command -v podman >/dev/null && have_podman=1
command -v skopeo >/dev/null && have_skopeo=1

work=$(mktemp -d /var/tmp/pea-storagebench.XXXXXX)
# umount_under DIR: every mount below DIR (podman stacks a bind mount of its overlay dir).
umount_under() {
	local i
	for ((i = 0; i < 10; i++)); do
		findmnt -rn -o TARGET | grep -qF "$1" || return 0
		findmnt -rn -o TARGET | grep -F "$1" | sort -r | xargs -r umount -l 2>/dev/null || true
	done
}
cleanup() {
	umount_under "$work"
	rm -rf "$work"
}
trap cleanup EXIT
# a kill (timeout, ^C) runs the cleanup too: bash runs no EXIT trap on an untrapped signal
trap 'exit 130' INT TERM HUP

# ---- the image: 4 layers of deterministic files (text-like and random, many small ones) ----
echo "bench/storage: making a ${mb} MB image of 4 layers in $work" >&2
"$python" - "$work" "$mb" <<'PY'
import io, os, random, sys, tarfile
work, mb = sys.argv[1], int(sys.argv[2])
rng = random.Random(42)
words = [bytes(rng.choice(b"abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 9))) for _ in range(4000)]
def content(size):
    if rng.random() < 0.6:  # text-like, compresses well
        out = bytearray()
        while len(out) < size:
            out += rng.choice(words) + (b"\n" if rng.random() < 0.1 else b" ")
        return bytes(out[:size])
    return rng.randbytes(size)
def size():
    r = rng.random()
    if r < 0.6: return rng.randint(0, 4096)
    if r < 0.9: return rng.randint(4096, 65536)
    if r < 0.99: return rng.randint(65536, 1 << 20)
    return rng.randint(1 << 20, 8 << 20)
per_layer = mb * (1 << 20) // 4
for n in range(4):
    with tarfile.open(f"{work}/layer{n}.tar", "w", format=tarfile.PAX_FORMAT) as t:
        total, i, dirs = 0, 0, []
        while total < per_layer:
            if i % 50 == 0:
                d = f"l{n}/d{i // 50}"
                ti = tarfile.TarInfo(d); ti.type = tarfile.DIRTYPE; ti.mode = 0o755; ti.mtime = 1
                t.addfile(ti); dirs.append(d)
            data = content(size())
            ti = tarfile.TarInfo(f"{dirs[-1]}/f{i}"); ti.size = len(data); ti.mode = 0o644; ti.mtime = 1
            t.addfile(ti, io.BytesIO(data))
            if i % 20 == 0:
                li = tarfile.TarInfo(f"{dirs[-1]}/s{i}"); li.type = tarfile.SYMTYPE
                li.linkname = f"f{i}"; li.mtime = 1; t.addfile(li)
            total += len(data); i += 1
PY
layers=("$work"/layer{0,1,2,3}.tar)
for l in "${layers[@]}"; do
	gzip -n -c "$l" >"$l.gz"
	zstd -q -c "$l" >"$l.zst"
done

# OCI archives of the image, gzip and zstd, for podman and skopeo.
make_oci() { # make_oci EXT MEDIATYPE-SUFFIX OUT
	local ext=$1 suffix=$2 out=$3 dir diffs=() descs=() hex size cfg mf
	dir=$work/oci-$ext
	mkdir -p "$dir/blobs/sha256"
	for l in "${layers[@]}"; do
		diffs+=("sha256:$(sha256sum <"$l" | cut -d' ' -f1)")
		hex=$(sha256sum <"$l.$ext" | cut -d' ' -f1)
		size=$(stat -c %s "$l.$ext")
		cp "$l.$ext" "$dir/blobs/sha256/$hex"
		descs+=("{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+$suffix\",\"digest\":\"sha256:$hex\",\"size\":$size}")
	done
	cfg=$(jq -cn --args '{architecture:"amd64",os:"linux",config:{},rootfs:{type:"layers",diff_ids:$ARGS.positional}}' "${diffs[@]}")
	printf '%s' "$cfg" >"$work/config-$ext.json"
	hex=$(sha256sum <"$work/config-$ext.json" | cut -d' ' -f1)
	cp "$work/config-$ext.json" "$dir/blobs/sha256/$hex"
	mf=$(jq -cn --arg cd "sha256:$hex" --argjson cs "${#cfg}" --argjson layers "[$(IFS=,; echo "${descs[*]}")]" \
		'{schemaVersion:2,mediaType:"application/vnd.oci.image.manifest.v1+json",config:{mediaType:"application/vnd.oci.image.config.v1+json",digest:$cd,size:$cs},layers:$layers}')
	printf '%s' "$mf" >"$work/manifest-$ext.json"
	hex=$(sha256sum <"$work/manifest-$ext.json" | cut -d' ' -f1)
	cp "$work/manifest-$ext.json" "$dir/blobs/sha256/$hex"
	printf '{"imageLayoutVersion":"1.0.0"}' >"$dir/oci-layout"
	jq -cn --arg d "sha256:$hex" --argjson s "${#mf}" \
		'{schemaVersion:2,manifests:[{mediaType:"application/vnd.oci.image.manifest.v1+json",digest:$d,size:$s,annotations:{"org.opencontainers.image.ref.name":"bench:latest"}}]}' \
		>"$dir/index.json"
	tar -C "$dir" -cf "$out" .
}
make_oci gz gzip "$work/image-gz.tar"
make_oci zst zstd "$work/image-zst.tar"

# ---- the commands -----------------------------------------------------------------------
cat >"$work/pea.sh" <<EOS
#!/bin/bash
# pea-storage: apply the 4 layers, record the image, create and mount a container.
set -euo pipefail
ext=\$1
S="$PEA_STORAGE --root $work/pea/root --runroot $work/pea/run"
parent=()
ids=()
for l in ${layers[*]}; do
	id=\$(\$S layer apply "\${parent[@]}" "\$l.\$ext" | jq -r .result.id)
	parent=(--parent "\$id")
	ids+=("\$id")
done
\$S image create --layers "\$(IFS=,; echo "\${ids[*]}")" --config $work/config-\$ext.json \
	--manifest $work/manifest-\$ext.json --name bench >/dev/null
\$S container create --image bench --name c >/dev/null
mp=\$(\$S container mount c | jq -r .result.mountpoint)
test -e "\$mp/l3"
EOS
cat >"$work/podman.sh" <<EOS
#!/bin/bash
# podman: load the OCI archive, create a container, mount its root.
set -euo pipefail
P="podman --root $work/podman/root --runroot $work/podman/run --storage-driver overlay --log-level error"
\$P load -q -i "$work/image-\$1.tar" >/dev/null
\$P create --name c bench:latest true >/dev/null
mp=\$(\$P mount c)
test -e "\$mp/l3"
EOS
cat >"$work/tar.sh" <<EOS
#!/bin/bash
set -euo pipefail
mkdir -p $work/tar
for l in ${layers[*]}; do tar -C $work/tar -xf "\$l.\$1"; done
EOS
chmod +x "$work"/*.sh
export -f umount_under
reset_pea="umount_under $work/pea; rm -rf $work/pea"
reset_podman="umount_under $work/podman; rm -rf $work/podman"

mean() { # mean NAME CMD PREPARE: mean seconds of CMD over $runs runs
	hyperfine -N --runs "$runs" --prepare "$3" --export-json "$work/$1.json" "$2" >/dev/null 2>&1 ||
		hyperfine --runs "$runs" --prepare "$3" --export-json "$work/$1.json" "$2" >/dev/null
	jq -r '.results[0].mean' "$work/$1.json"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

echo "image: 4 layers, $(du -cm "${layers[@]}" | tail -1 | cut -f1) MB uncompressed," \
	"$(du -cm "${layers[@]/%/.gz}" | tail -1 | cut -f1) MB gzip, $(du -cm "${layers[@]/%/.zst}" | tail -1 | cut -f1) MB zstd; $runs runs each"
printf '%-8s %12s %12s %12s %12s %10s %10s\n' format pea-storage podman "tar -x" "skopeo" "pea/podman" "pea/tar"
for ext in gz zst; do
	pea=$(mean "pea-$ext" "$work/pea.sh $ext" "bash -c '$reset_pea'")
	podman_t=nan skopeo_t=nan
	if ((have_podman)); then
		podman_t=$(mean "podman-$ext" "$work/podman.sh $ext" "bash -c '$reset_podman'")
	fi
	tar_t=$(mean "tar-$ext" "$work/tar.sh $ext" "rm -rf $work/tar")
	if ((have_skopeo)); then
		skopeo_t=$(mean "skopeo-$ext" "skopeo copy -q oci-archive:$work/image-$ext.tar dir:$work/skopeo" "rm -rf $work/skopeo")
	fi
	printf '%-8s %11.3fs %11.3fs %11.3fs %11.3fs %10s %10s\n' "$ext" "$pea" "$podman_t" "$tar_t" "$skopeo_t" \
		"$( ((have_podman)) && ratio "$pea" "$podman_t" || echo -)" "$(ratio "$pea" "$tar_t")"
done
echo "(pea-storage and podman: apply + image + container create + mount; tar: extraction only;"
echo " skopeo: copying the archive's blobs to a dir, no extraction)"
