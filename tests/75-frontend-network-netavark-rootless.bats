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
load helpers/netavark

@test "on netavark and aardvark-dns: rootless slirp4netns, pasta and bridge networks in the rootless namespace (77-frontend-rootless-net)" {
	on_anchors 77-frontend-rootless-net.bats
}
