#!/bin/bash
# setup.sh: (re)build the podman test/system harness in /tmp/anchor from these
# files (docs/HACKING.md "Anchor suites", README here): Debian's libpod source
# through a private apt config with a deb-src line, test/system unpacked, the
# stand-in images built. Then: PEA_BUILD_DIR=... /tmp/anchor/run-anchor.sh FILE
set -euo pipefail
A=/tmp/anchor
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$A"/apt/{lists/partial,archives/partial,cache} "$A/src"
install -m 0755 "$here"/{build-images.sh,inner.sh,run-anchor.sh,whatif.sh} "$A/"
install -m 0644 "$here"/{nc.c,ping.c,pause.c,dnsd.c,printenv.c,README} "$A/"
echo 'deb-src http://deb.debian.org/debian bookworm main' >"$A/apt/sources.list"
cat >"$A/apt/apt.conf" <<C
Dir::Etc::SourceList "$A/apt/sources.list";
Dir::Etc::SourceParts "/dev/null";
Dir::State::Lists "$A/apt/lists";
Dir::Cache::Archives "$A/apt/archives";
Dir::Cache "$A/apt/cache";
Acquire::Languages "none";
C
if [[ ! -d $A/src/libpod-4.3.1+ds1/test/system ]]; then
	export APT_CONFIG=$A/apt/apt.conf
	apt-get update -qq
	(cd "$A/src" && apt-get source -qq --download-only libpod)
	(cd "$A/src" && tar xf libpod_*.orig.tar.xz --wildcards '*/test/system/*')
fi
for cmd in bats tini docker-registry skopeo jq busybox gcc unshare; do
	command -v "$cmd" >/dev/null || echo "setup.sh: $cmd is missing (make deps; busybox-static, docker-registry)" >&2
done
"$A/build-images.sh" >/dev/null
echo "ready: PEA_BUILD_DIR=/work/main/build-NAME RESULTS=/tmp/anchor/results/NAME $A/run-anchor.sh 001-basic"
