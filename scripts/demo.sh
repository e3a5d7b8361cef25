#!/usr/bin/env bash
# make demo: run a container from the busybox image the tests build.
# Until the pea frontend lands, this drives pea-runtime on an OCI bundle.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PEA_BUILD=${PEA_BUILD:-$top/build}
# shellcheck source=/dev/null
source "$top/tests/helpers/common.bash"

if ((EUID != 0)); then
	echo "demo: run as root (the rootless path comes with the frontend)" >&2
	exit 1
fi
runtime=$PEA_BUILD/bin/pea-runtime
if [[ ! -x $runtime ]]; then
	echo "demo: $runtime is not built; run 'make' first" >&2
	exit 1
fi
ensure_fixtures
work=$(mktemp -d /tmp/pea-demo.XXXXXX)
trap 'rm -rf "$work"' EXIT
make_bundle "$work/bundle" sh -c 'echo "hello from pea: $(hostname), pid $$, $(uname -sr)"; ls /'
echo "+ pea-runtime run --bundle $work/bundle pea-demo-$$"
"$runtime" --root "$work/state" run --bundle "$work/bundle" "pea-demo-$$"
