#!/usr/bin/env bats
# Issue #12: "with Debian's netavark and aardvark-dns configured in place of
# pea's, the same suite passes", rootless: 77-frontend-rootless-net.bats run
# unchanged with PEA_NETSETUP and PEA_DNSD naming Debian's netavark and
# aardvark-dns. Rootless bridge networks then run them as the user in the
# rootless network namespace, as podman 4.3 does (the IPv6 side of published
# ports stays pea-netsetup forward's: podman's rootlessport role). The rootful
# suites run on them in 75-frontend-network-netavark.bats.
bats_require_minimum_version 1.5.0
load helpers/common

NETAVARK=/usr/lib/podman/netavark
AARDVARK=/usr/lib/podman/aardvark-dns

setup() {
	require_root
	require_cmd "$NETAVARK"
	require_cmd "$AARDVARK"
}

# on_anchors FILE: FILE through bats with netavark and aardvark-dns, its TAP
# output shown; fails when a test there failed. In a mount namespace of its
# own: where /run/systemd/system exists (podman's own systemd tests leave it
# on machines without systemd), netavark starts aardvark-dns through
# systemd-run, which fails without a word; a tmpfs hides it there.
on_anchors() {
	local unset=() v
	# this bats's own variables would steer the inner one
	for v in $(compgen -v BATS_); do
		unset+=(-u "$v")
	done
	run timeout -k 10 500 unshare -m --propagation private -- bash -c \
		'[ ! -d /run/systemd/system ] || mount -t tmpfs tmpfs /run/systemd; exec "$@"' bash \
		env "${unset[@]}" PEA_NETSETUP="$NETAVARK" PEA_DNSD="$AARDVARK" \
		bats --tap "$BATS_TEST_DIRNAME/$1" 3>&-
	echo "$output" | grep -E '^(not ok|# )' | head -60
	[[ $status -eq 0 ]] || return 1
	refute_line --regexp '^not ok'
	assert_line --regexp '^ok [0-9]+ '
	# a skip there is a failure here unless it is an expected one
	run -1 grep -E '# skip' <<<"$(grep -v '# skip expected:' <<<"$output")"
}

@test "on netavark and aardvark-dns: rootless slirp4netns, pasta and bridge networks in the rootless namespace (77-frontend-rootless-net)" {
	on_anchors 77-frontend-rootless-net.bats
}
