#!/bin/bash
# run.sh [FILE...]: skopeo 1.9.3's own systemtest (run unchanged) against
# pea-image (SKOPEO_ENGINE=/path/to/pea-image, or PEA_BUILD_DIR=build folder),
# or skopeo itself (SKOPEO_ENGINE=/usr/bin/skopeo). Each file in fresh private
# pid/net/mount namespaces under tini; results in RESULTS (FILE.tap, summary.txt).
# First run: fetches skopeo's source (private apt config with a deb-src line)
# and builds the stand-in images from the busybox test fixture.
set -u
H=/tmp/skopeo-suite
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$H"
install -m 0755 "$here"/{inner.sh,bin-podman,mkimages.py} "$H/"
if [[ ! -d $H/src/systemtest ]]; then
	mkdir -p "$H"/apt/{lists/partial,archives/partial,cache} "$H/dl"
	echo 'deb-src http://deb.debian.org/debian bookworm main' >"$H/apt/sources.list"
	cat >"$H/apt/apt.conf" <<C
Dir::Etc::SourceList "$H/apt/sources.list";
Dir::Etc::SourceParts "/dev/null";
Dir::State::Lists "$H/apt/lists";
Dir::Cache::Archives "$H/apt/archives";
Dir::Cache "$H/apt/cache";
Acquire::Languages "none";
C
	(export APT_CONFIG=$H/apt/apt.conf && apt-get update -qq &&
		cd "$H/dl" && apt-get source -qq --download-only skopeo) || exit 1
	tar -C "$H/dl" -xf "$H"/dl/skopeo_*.orig.tar.xz
	ln -sfn "$(ls -d "$H"/dl/skopeo-*/)" "$H/src"
fi
if [[ -z ${SKOPEO_ENGINE:-} ]]; then
	SKOPEO_ENGINE=${PEA_BUILD_DIR:?set SKOPEO_ENGINE or PEA_BUILD_DIR}/bin/pea-image
fi
SKOPEO_ENGINE=$(readlink -f "$SKOPEO_ENGINE")
fixtures=${PEA_BUILD_DIR:-/work/main/build}/test-fixtures/busybox-oci
if [[ ! -d $H/images/notmyarch ]]; then
	[[ -d $fixtures ]] || { echo "run.sh: no $fixtures (run a 40-image test once)" >&2; exit 1; }
	python3 "$H/mkimages.py" "$fixtures" "$H/images" || exit 1
fi
RESULTS=${RESULTS:-$H/results/$(date +%Y%m%d-%H%M%S)}
mkdir -p "$RESULTS"
[[ $# -gt 0 ]] || set -- $(cd "$H/src/systemtest" && ls [0-9]*.bats)
echo "engine: $SKOPEO_ENGINE  load: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$RESULTS/summary.txt"
tp=0 tt=0 n=0
for f in "$@"; do
	f=${f%.bats}.bats
	STATE=$H/state.$$-$((n += 1))
	mkdir -p "$STATE"
	env STATE="$STATE" SKOPEO_ENGINE="$SKOPEO_ENGINE" timeout -k 20 "${FILE_TIMEOUT:-600}" \
		unshare --pid --net --mount --fork --kill-child --mount-proc --propagation private \
		tini -s -g -- "$H/inner.sh" "$f" >"$RESULTS/${f%.bats}.tap" 2>"$RESULTS/${f%.bats}.err"
	rc=$?
	rm -rf "$STATE"
	total=$(grep -m1 -o '^1\.\.[0-9]*' "$RESULTS/${f%.bats}.tap" | cut -c4-)
	pass=$(grep -c '^ok ' "$RESULTS/${f%.bats}.tap")
	skip=$(grep -c '^ok .*# skip' "$RESULTS/${f%.bats}.tap")
	pass=$((pass - skip)) total=${total:-0}
	tp=$((tp + pass)) tt=$((tt + total))
	printf '%-28s pass %3d skip %3d of %3d  rc %3d\n' "${f%.bats}" "$pass" "$skip" "$total" "$rc" |
		tee -a "$RESULTS/summary.txt"
done
echo "TOTAL pass $tp of $tt  load: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$RESULTS/summary.txt"
