#!/bin/bash
# run-anchor.sh [FILE...]: podman 4.3.1's test/system files against pea (or podman).
#   PEA_BIN=/path/to/pea or PEA_BUILD_DIR=/work/main/build-NAME (uses its bin/pea);
#   ENGINE_BIN=/usr/bin/podman runs the anchor itself instead.
#   RESULTS=dir (default /tmp/anchor/results/<time>), FILE_TIMEOUT=seconds (default 900).
#   FILE: 030-run or 030-run.bats; none = every file.
# Each file runs in fresh private pid/net/mount namespaces (unshare) under tini:
# its processes, mounts, netns and tmpfs folders vanish when it ends.
set -u
A=/tmp/anchor
SUITE=${SUITE:-$A/src/libpod-4.3.1+ds1/test/system}
if [[ -n ${ENGINE_BIN:-} ]]; then :
elif [[ -n ${PEA_BIN:-} ]]; then ENGINE_BIN=$PEA_BIN
elif [[ -n ${PEA_BUILD_DIR:-} ]]; then ENGINE_BIN=$PEA_BUILD_DIR/bin/pea
else echo "run-anchor.sh: set PEA_BIN, PEA_BUILD_DIR or ENGINE_BIN" >&2; exit 2; fi
ENGINE_BIN=$(readlink -f "$ENGINE_BIN")
[[ -x $ENGINE_BIN ]] || { echo "run-anchor.sh: $ENGINE_BIN is not executable" >&2; exit 2; }
[[ -d $A/images/testimage ]] || "$A/build-images.sh" >/dev/null || exit 1
RESULTS=${RESULTS:-$A/results/$(date +%Y%m%d-%H%M%S)}
FILE_TIMEOUT=${FILE_TIMEOUT:-900}
mkdir -p "$RESULTS"
if [[ $# -eq 0 ]]; then
	set -- $(cd "$SUITE" && ls [0-9]*.bats)
fi
echo "engine: $ENGINE_BIN  load: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$RESULTS/summary.txt"
tp=0; tt=0; n=0
for f in "$@"; do
	f=${f%.bats}.bats
	[[ -f $SUITE/$f ]] || { echo "no such file: $f" >&2; continue; }
	# a state folder a killed run left (same pid, another day) is skipped, not fatal
	STATE=$A/state.$$-$((n += 1))
	while [[ -e $STATE.disk ]] || ! mkdir "$STATE" 2>/dev/null; do
		((n < 10000)) || { echo "run-anchor.sh: cannot make $STATE" >&2; exit 1; }
		STATE=$A/state.$$-$((n += 1))
	done
	start=$(date +%s)
	ids=$RESULTS/${f%.bats}.ids
	env ENGINE_BIN="$ENGINE_BIN" STATE="$STATE" SUITE="$SUITE" IDS_FILE="$ids" \
		timeout -k 20 "$FILE_TIMEOUT" \
		unshare --pid --net --mount --fork --kill-child --mount-proc --propagation private \
		tini -s -g -- "$A/inner.sh" "$f" >"$RESULTS/${f%.bats}.tap" 2>"$RESULTS/${f%.bats}.err"
	rc=$?
	rmdir "$STATE" 2>/dev/null || rm -rf "$STATE"
	rm -rf "$STATE.disk"   # the stores (their mounts and processes died with the namespaces)
	# cgroups of this file's containers and pods (all their processes died with the
	# pid namespace): only empty ones go (rmdir), named by this file's ids only
	while read -r id; do
		find /sys/fs/cgroup -mindepth 1 -maxdepth 4 -depth -type d -name "*$id*" \
			-exec rmdir {} \; 2>/dev/null
	done < <(cat "$ids" 2>/dev/null)
	total=$(grep -m1 -o '^1\.\.[0-9]*' "$RESULTS/${f%.bats}.tap" | cut -c4-)
	pass=$(grep -c '^ok ' "$RESULTS/${f%.bats}.tap" | head -1)
	skip=$(grep -c '^ok .*# skip' "$RESULTS/${f%.bats}.tap" | head -1)
	pass=$((pass - skip)); total=${total:-0}
	tp=$((tp + pass)); tt=$((tt + total))
	line=$(printf '%-28s pass %3d skip %3d of %3d  rc %3d  %4ds' "${f%.bats}" "$pass" "$skip" "$total" "$rc" $(($(date +%s) - start)))
	echo "$line" | tee -a "$RESULTS/summary.txt"
done
echo "TOTAL pass $tp of $tt  load: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$RESULTS/summary.txt"
