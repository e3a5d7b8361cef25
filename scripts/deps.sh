#!/usr/bin/env bash
# Install the Debian packages pea's build, tests and benchmarks need.
#   scripts/deps.sh PKG...              install what is missing (as root), else say how
#   scripts/deps.sh --if-missing PKG... the same, quiet when nothing is missing
# Idempotent: installed packages are left alone.
set -euo pipefail

quiet=0
if [[ "${1-}" == --if-missing ]]; then
	quiet=1
	shift
fi

missing=()
for p in "$@"; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[[ "$status" == *" installed" ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
	((quiet)) || echo "deps: all $# packages are installed"
	exit 0
fi

echo "deps: missing ${#missing[@]} package(s): ${missing[*]}"
if ((EUID != 0)); then
	echo "deps: run as root: apt-get update && apt-get install -y ${missing[*]}" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# Packages with services (docker-registry) must not start them here: tests start
# their own instances on free ports.
policy=/usr/sbin/policy-rc.d
made_policy=0
if [[ ! -e $policy ]]; then
	printf '#!/bin/sh\nexit 101\n' >"$policy"
	chmod 0755 "$policy"
	made_policy=1
fi
trap '((made_policy)) && rm -f "$policy"' EXIT
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "deps: installed ${missing[*]}"
