#!/bin/bash
# whatif.sh: a copy of the suite with the skips that hide an engine's own
# behaviour here lifted, to find what they hide (README "What-if"). Not the
# suite "run unchanged": its numbers are never the anchor's count.
#   skip_if_cgroupsv1 "FIXME: #15025 ..." (crun's --uidmap on cgroups v1; pea-runtime
#     has no such limit): 030-run 5 and 39, 170-run-userns 3 and 4,
#     400-unprivileged-access 1, 500-networking 3 and 17. Other cgroups v1 skips
#     (200-pod 14, v2 resource files) stay.
#   170-run-userns's _require_crun (keep-groups) also takes pea-runtime.
# Then: SUITE=/tmp/anchor/whatif/system PEA_BUILD_DIR=... /tmp/anchor/run-anchor.sh FILE
set -euo pipefail
A=/tmp/anchor
src=$A/src/libpod-4.3.1+ds1/test/system
dst=$A/whatif/system
[[ -d $src ]] || { echo "whatif.sh: $src is missing: run setup.sh first" >&2; exit 1; }
rm -rf "$dst"
mkdir -p "$A/whatif"
cp -a "$src" "$dst"
perl -0pi -e 's/(function skip_if_cgroupsv1\(\) \{\n\s+if )! is_cgroupsv2/$1\[\[ "\$1" != FIXME\* \]\] && ! is_cgroupsv2/' \
	"$dst/helpers.bash"
perl -pi -e 's/if \[\[ \$runtime != "crun" \]\]; then/if [[ \$runtime != "crun" && \$runtime != "pea-runtime" ]]; then/' \
	"$dst/170-run-userns.bats"
grep -q 'FIXME\*' "$dst/helpers.bash" || { echo "whatif.sh: helpers.bash not changed" >&2; exit 1; }
grep -q 'pea-runtime' "$dst/170-run-userns.bats" || { echo "whatif.sh: 170-run-userns not changed" >&2; exit 1; }
echo "ready: SUITE=$dst PEA_BUILD_DIR=/work/main/build-NAME RESULTS=/tmp/anchor/results/NAME-whatif $A/run-anchor.sh 030-run 170-run-userns 400-unprivileged-access 500-networking"
