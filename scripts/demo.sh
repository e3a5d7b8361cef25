#!/usr/bin/env bash
# make demo: load the busybox image the tests build and run a container from it
# with pea, in a throwaway store. The whole toolchain takes part: pea-image
# loads the archive into pea-storage, pea-monitor and pea-runtime run it.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PEA_BUILD=${PEA_BUILD:-$top/build}
# shellcheck source=/dev/null
source "$top/tests/helpers/common.bash"

if ((EUID != 0)); then
	echo "demo: run as root (rootless pea is not there yet)" >&2
	exit 1
fi
pea=$PEA_BUILD/bin/pea
for b in pea pea-image pea-storage pea-monitor pea-runtime; do
	if [[ ! -x $PEA_BUILD/bin/$b ]]; then
		echo "demo: $PEA_BUILD/bin/$b is not built; run 'make' first" >&2
		exit 1
	fi
done
ensure_fixtures
work=$(mktemp -d /tmp/pea-demo.XXXXXX)
store=(--root "$work/root" --runroot "$work/run")
cleanup() {
	"$pea" "${store[@]}" rm -af >/dev/null 2>&1 || true
	"$pea" "${store[@]}" rmi -af >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

say() { printf '+ %s\n' "$*"; }
say pea load -i busybox-docker-archive.tar
"$pea" "${store[@]}" load -i "$BUSYBOX_ARCHIVE"
say pea images
"$pea" "${store[@]}" images
# --network none: the default, podman's bridge network, would add a bridge and
# firewall rules to this machine's own network, which a demo has no need of
say pea run --rm --network none busybox sh -c 'echo hello from pea; hostname; id'
"$pea" "${store[@]}" run --rm --network none --hostname pea-demo busybox sh -c 'echo "hello from pea"; hostname; id'
