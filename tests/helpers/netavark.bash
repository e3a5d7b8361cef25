# shellcheck shell=bash
#
# tests/helpers/netavark.bash: pea's own network suites run unchanged on Debian's netavark
# and aardvark-dns (issue #12), for tests/75-frontend-network-netavark*.bats.

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
