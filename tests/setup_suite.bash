# shellcheck shell=bash
#
# tests/setup_suite.bash: run once by bats before any test file. bats 1.8.2
# picks this file up by itself, both for `bats tests/` and for
# `bats tests/NN-x.bats` (it looks for setup_suite.bash next to the first file
# named), or explicitly with `bats --setup-suite-file tests/setup_suite.bash`.
#
# It builds (or reuses) the busybox fixtures in "$PEA_BUILD/test-fixtures" and
# exports BUSYBOX_ROOTFS, BUSYBOX_OCI, BUSYBOX_ARCHIVE and
# BUSYBOX_MANIFEST_DIGEST to every test. Test files also call ensure_fixtures
# in setup_file (cheap when built), so they work whatever way they are run.

# shellcheck source=tests/helpers/common.bash
source "$(dirname "${BASH_SOURCE[0]}")/helpers/common.bash"

setup_suite() {
	if ! ensure_fixtures; then
		echo "setup_suite: FAILED to build the busybox test image from '$PEA_BUSYBOX' into '$PEA_TEST_FIXTURES'" >&2
		return 1
	fi
	# pea refuses to set up a network in the namespace the tests run in (a bridge,
	# veths, nftables, ip_forward: the machine's): `pea run -p` without --network
	# takes the bridge whatever netns-none.conf says. Set empty to allow.
	PEA_TEST_NETNS_GUARD=${PEA_TEST_NETNS_GUARD-$(readlink /proc/self/ns/net)}
	export PEA_TEST_NETNS_GUARD
	# crun refuses this hybrid-cgroup host as it is; harmless elsewhere.
	if ! prepare_cgroups_for_crun; then
		echo "setup_suite: warning: cannot prepare the cgroups for crun, ignoring" >&2
	fi
}
