# shellcheck shell=bash
#
# tests/helpers/common.bash: loaded by every bats file (`load helpers/common`)
# and by tests/setup_suite.bash.
#
# - takes each binary from the environment, with a build-dir default, so the
#   same suite runs against the anchors (PEA_RUNTIME=crun, PEA_MONITOR=conmon);
# - gives each test a fresh temp dir: TEST_DIR (= BATS_TEST_TMPDIR), and
#   ROOT="$TEST_DIR/runtime-root" for the runtime's --root;
# - require_root, require_userns, require_cgroup2, require_cmd;
# - loads the fixture helpers: image.bash (busybox rootfs, OCI layout,
#   docker-archive), bundle.bash (make_bundle), registry.bash, rootless.bash,
#   netns.bash.
#
# Skips. tests/run.sh, with PEA_TEST_STRICT=1 or CI=true, counts a skip whose
# reason does not start with the word "expected:" as a failure. So:
#   skip "REASON"            something is missing that CI must have (a command,
#                            a binary not built, not root): a failure in CI;
#   skip_expected "REASON"   a documented platform limit (user namespaces
#                            disabled by the kernel, no unified cgroup v2):
#                            fine everywhere. It skips with "expected: REASON".

# bats runs a DEBUG trap (for its stack traces) before every command of a
# test's process, the loads of the helpers included, which run before every
# test: sourcing them took ~1 s a test at load 17 with it, 0.1 s without. It is
# off while this file loads and during every later `load` (wrapped at the end),
# and back on for the test itself.
pea_debug_trap=$(trap -p DEBUG)
trap - DEBUG

# bats_require_minimum_version exists from bats 1.7.0; `run -0` needs 1.5.0.
if declare -F bats_require_minimum_version >/dev/null; then
	bats_require_minimum_version 1.5.0
fi

# This runs before every test (bats sources the test file, and so its loads,
# in each test's process): a library's load.bash runs `dirname` for each of its
# files (bats-assert: 12, ~0.4 s a test at load 15), so its
# `source "$(dirname "${BASH_SOURCE[0]}")/FILE"` lines are read and FILE
# sourced from the folder we found it in; a load.bash with anything else is
# sourced as it is.
pea_load_bats_library() {
	local name="$1" dir line files=() f
	local re='^source "\$\(dirname "\$\{BASH_SOURCE\[0\]\}"\)/([^"$`]+)"$'
	for dir in ${BATS_LIB_PATH//:/ } /usr/lib/bats /usr/local/lib/bats /usr/lib/node_modules; do
		[[ -f "$dir/$name/load.bash" ]] || continue
		while IFS= read -r line; do
			[[ -z "$line" || "$line" == "#"* ]] && continue
			if [[ "$line" =~ $re ]]; then
				files+=("$dir/$name/${BASH_REMATCH[1]}")
			else
				files=("$dir/$name/load.bash")
				break
			fi
		done <"$dir/$name/load.bash"
		for f in "${files[@]}"; do
			# shellcheck disable=SC1090
			source "$f" || return
		done
		return 0
	done
	if bats_load_library "$name" 2>/dev/null; then
		return 0
	fi
	echo "common.bash: cannot find the bats library '$name' (apt-get install bats-support bats-assert)" >&2
	return 1
}
# Outside bats (a plain `source tests/helpers/common.bash` to build the
# fixtures from a script) there is nothing to load.
if declare -F bats_load_library >/dev/null; then
	pea_load_bats_library bats-support || { eval "$pea_debug_trap"; return 1; }
	pea_load_bats_library bats-assert || { eval "$pea_debug_trap"; return 1; }
fi

# The directory of this file, then the repository two levels above it.
# (no process for an absolute path without dots, bats' case: this runs before every test)
if [[ "${BASH_SOURCE[0]}" == /*/*/helpers/common.bash && "${BASH_SOURCE[0]}" != *"/."* ]]; then
	PEA_TEST_HELPERS="${BASH_SOURCE[0]%/common.bash}"
	PEA_REPO="${PEA_TEST_HELPERS%/*/helpers}"
else
	PEA_TEST_HELPERS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
	PEA_REPO="$(cd "$PEA_TEST_HELPERS/../.." && pwd)"
fi
: "${PEA_BUILD:=$PEA_REPO/build}"
export PEA_TEST_HELPERS PEA_REPO PEA_BUILD

: "${PEA_RUNTIME:=$PEA_BUILD/bin/pea-runtime}"
: "${PEA_MONITOR:=$PEA_BUILD/bin/pea-monitor}"
: "${PEA_STORAGE:=$PEA_BUILD/bin/pea-storage}"
: "${PEA_OVERLAYFS:=$PEA_BUILD/bin/pea-overlayfs}"
: "${PEA_IMAGE:=$PEA_BUILD/bin/pea-image}"
: "${PEA_NETSETUP:=$PEA_BUILD/bin/pea-netsetup}"
: "${PEA_DNSD:=$PEA_BUILD/bin/pea-dnsd}"
: "${PEA:=$PEA_BUILD/bin/pea}"
: "${PEA_QUADLET:=$PEA_BUILD/bin/pea-quadlet}"
export PEA_RUNTIME PEA_MONITOR PEA_STORAGE PEA_OVERLAYFS PEA_IMAGE PEA_NETSETUP PEA_DNSD PEA PEA_QUADLET

# The host's network is never a test's: as root pea's default network mode is
# podman's, the bridge network, which adds a bridge, a veth, firewall rules and
# ip_forward to the namespace pea runs in. Every pea a test starts reads
# helpers/netns-none.conf last ([containers] netns = "none"), unless the test
# names a containers.conf of its own there (whose own netns line then says
# what it means). The frontend files put a copy of it where their users can
# read it (fe_host_net_guard), and their network tests drop it inside a
# namespace of their own (pea_net). podman 4.3.1 does not read this variable.
: "${CONTAINERS_CONF_OVERRIDE:=$PEA_TEST_HELPERS/netns-none.conf}"
export CONTAINERS_CONF_OVERRIDE

# A fresh directory per test. bats creates BATS_TEST_TMPDIR before it sources
# the test file, and removes it after the run. In setup_file/setup_suite there
# is no test, so TEST_DIR stays unset there (use BATS_FILE_TMPDIR).
# ROOT is a per-test state directory for the runtime under test (its --root),
# not created: runtimes make it themselves.
if [[ -n "${BATS_TEST_TMPDIR:-}" ]]; then
	TEST_DIR="$BATS_TEST_TMPDIR"
	ROOT="$TEST_DIR/runtime-root"
	export TEST_DIR ROOT
fi

# skip_expected REASON: skip for a documented platform limit (see the top).
skip_expected() {
	skip "expected: $*"
}

# require_root: the suite runs as root (rootless cases use run_as_user).
require_root() {
	if ((EUID != 0)); then
		skip "needs root"
	fi
}

# pea_userns_disabled_reason: prints why the kernel refuses unprivileged user
# namespaces, or nothing if they work.
pea_userns_disabled_reason() {
	local v
	if [[ ! -e /proc/self/ns/user ]]; then
		echo "kernel built without user namespaces"
		return 0
	fi
	v="$(cat /proc/sys/user/max_user_namespaces 2>/dev/null || echo 1)"
	if [[ "$v" == 0 ]]; then
		echo "user.max_user_namespaces is 0"
		return 0
	fi
	v="$(cat /proc/sys/kernel/unprivileged_userns_clone 2>/dev/null || echo 1)"
	if [[ "$v" == 0 ]]; then
		echo "kernel.unprivileged_userns_clone is 0"
		return 0
	fi
	v="$(cat /proc/sys/kernel/apparmor_restrict_unprivileged_userns 2>/dev/null || echo 0)"
	if [[ "$v" == 1 ]]; then
		echo "kernel.apparmor_restrict_unprivileged_userns is 1"
		return 0
	fi
}

# require_userns: unprivileged user namespaces work. Disabled by the kernel's
# settings is a platform limit; a missing unshare(1) is not.
require_userns() {
	local reason
	reason="$(pea_userns_disabled_reason)"
	if [[ -n "$reason" ]]; then
		skip_expected "user namespaces disabled: $reason"
	fi
	require_cmd unshare
}

# require_cgroup2: /sys/fs/cgroup is the unified cgroup v2 hierarchy. A host
# on cgroup v1 or hybrid is a platform limit.
require_cgroup2() {
	local fstype
	fstype="$(stat -f -c %T /sys/fs/cgroup 2>/dev/null || true)"
	if [[ "$fstype" != cgroup2fs ]]; then
		skip_expected "needs the unified cgroup v2 hierarchy, /sys/fs/cgroup is '${fstype:-missing}'"
	fi
}

# require_cmd NAME|PATH: a command in PATH, or an executable file (so
# `require_cmd "$PEA_RUNTIME"` skips while a binary is not built yet).
require_cmd() {
	local cmd="$1"
	if ! command -v "$cmd" >/dev/null 2>&1; then
		skip "needs '$cmd'"
	fi
}

# pea_die MESSAGE: print to stderr and fail (for helpers, not tests).
pea_die() {
	echo "${FUNCNAME[1]:-pea}: $*" >&2
	return 1
}

# shellcheck source=tests/helpers/image.bash
source "$PEA_TEST_HELPERS/image.bash"
# shellcheck source=tests/helpers/bundle.bash
source "$PEA_TEST_HELPERS/bundle.bash"
# shellcheck source=tests/helpers/registry.bash
source "$PEA_TEST_HELPERS/registry.bash"
# shellcheck source=tests/helpers/rootless.bash
source "$PEA_TEST_HELPERS/rootless.bash"
# shellcheck source=tests/helpers/netns.bash
source "$PEA_TEST_HELPERS/netns.bash"

# The fixture paths are known without building; ensure_fixtures (in
# setup_file) or setup_suite builds and checks them.
fixtures_set_env

# bats' load, with its DEBUG trap off while the file loads (see the top)
if declare -F load >/dev/null && ! declare -F pea_bats_load >/dev/null; then
	eval "pea_bats_load() $(declare -f load | tail -n +2)"
	load() {
		local pea_trap rc=0
		pea_trap=$(trap -p DEBUG)
		trap - DEBUG
		pea_bats_load "$@" || rc=$?
		eval "$pea_trap"
		return "$rc"
	}
fi
eval "$pea_debug_trap"
unset pea_debug_trap
