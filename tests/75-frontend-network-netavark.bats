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
