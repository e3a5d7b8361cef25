#!/usr/bin/env bats
# Issue #12: "with Debian's netavark and aardvark-dns configured in place of
# pea's, the same suite passes". Each test runs one of pea's own network
# suites unchanged with PEA_NETSETUP and PEA_DNSD naming Debian's netavark and
# aardvark-dns (what podman runs), so pea's frontend drives the anchors as it
# drives pea-netsetup and pea-dnsd. A test there that needs what netavark 1.4
# lacks skips with a reason starting "expected:". The rootless suite runs on
# them in 75-frontend-network-netavark-rootless.bats.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers/netavark

@test "on netavark and aardvark-dns: addresses, names and aliases, internal networks, rm (75-frontend-network-run)" {
	on_anchors 75-frontend-network-run.bats
}

@test "on netavark and aardvark-dns: published ports, tcp and udp, IPv4 and IPv6 (75-frontend-network-ports)" {
	on_anchors 75-frontend-network-ports.bats
}

@test "on netavark and aardvark-dns: connect, disconnect, network reload (75-frontend-network-connect)" {
	on_anchors 75-frontend-network-connect.bats
}

@test "on netavark and aardvark-dns: podman-compose, two services by name, a published port (75-frontend-network-compose)" {
	on_anchors 75-frontend-network-compose.bats
}

@test "on netavark and aardvark-dns: containers.conf's network keys (75-frontend-network-conf), network commands (75-frontend-network-cli)" {
	on_anchors 75-frontend-network-conf.bats
	on_anchors 75-frontend-network-cli.bats
}
