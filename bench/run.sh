#!/usr/bin/env bash
# Run benchmarks: bench/run.sh [NAME...]  (default: every bench/*.sh but this one)
# Each benchmark runs pea and its anchor side by side in one run and prints
# the ratios. Nothing here asserts a time: machines are shared and noisy.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export PEA_BUILD=${PEA_BUILD:-$here/../build}
names=("$@")
if ((${#names[@]} == 0)); then
	for f in "$here"/*.sh; do
		[[ $(basename "$f") == run.sh || $(basename "$f") == lib.sh ]] && continue
		names+=("$(basename "$f" .sh)")
	done
fi
rc=0
for n in "${names[@]}"; do
	echo "== bench $n"
	if [[ ! -x "$here/$n.sh" ]]; then
		echo "bench: no benchmark '$n' (bench/$n.sh)" >&2
		rc=1
		continue
	fi
	"$here/$n.sh" || rc=1
done
exit $rc
