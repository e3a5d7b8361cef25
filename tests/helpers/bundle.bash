# shellcheck shell=bash
#
# tests/helpers/bundle.bash: OCI runtime bundles on the busybox rootfs.
#
#   make_bundle DIR [ARGS...]     DIR/rootfs + DIR/config.json, like `runc spec`
#   bundle_set DIR JQ_FILTER [JQ_OPTIONS...]   edit DIR/config.json in place
#   bundle_rootless DIR [UID GID] turn it into `runc spec --rootless` form
#   prepare_cgroups_for_crun      make crun work on a hybrid cgroup host
#
# ociVersion: crun 1.8.1 (Debian 12) refuses "1.2.0" with "unknown version
# specified" (a prefix check, not a semver one), so the default is "1.1.0";
# the content is the same for 1.2. Set PEA_TEST_OCI_VERSION to change it.

: "${PEA_TEST_OCI_VERSION:=1.1.0}"

# make_bundle DIR [ARGS...]: a runtime bundle running ARGS (default: sh), with
# a copy of the busybox rootfs, no terminal, hostname "pea".
make_bundle() {
	local dir="$1"
	shift
	[[ -n "$dir" ]] || { pea_die "usage: make_bundle DIR [ARGS...]"; return 1; }
	if [[ $# -eq 0 ]]; then
		set -- sh
	fi
	if [[ ! -x "${BUSYBOX_ROOTFS:-}/bin/busybox" ]]; then
		ensure_fixtures || return 1
	fi
	mkdir -p "$dir" || return 1
	[[ ! -e "$dir/rootfs" ]] || { pea_die "'$dir/rootfs' already exists"; return 1; }
	cp -a "$BUSYBOX_ROOTFS" "$dir/rootfs" || return 1
	jq -n --arg version "$PEA_TEST_OCI_VERSION" --arg path "$PEA_FIXTURE_PATH" '
	["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"] as $caps |
	{
		ociVersion: $version,
		process: {
			terminal: false,
			user: {uid: 0, gid: 0},
			args: $ARGS.positional,
			env: [$path, "TERM=xterm"],
			cwd: "/",
			capabilities: {
				bounding: $caps, effective: $caps, permitted: $caps, ambient: $caps
			},
			rlimits: [{type: "RLIMIT_NOFILE", hard: 1024, soft: 1024}],
			noNewPrivileges: true
		},
		root: {path: "rootfs", readonly: true},
		hostname: "pea",
		mounts: [
			{destination: "/proc", type: "proc", source: "proc"},
			{destination: "/dev", type: "tmpfs", source: "tmpfs",
			 options: ["nosuid", "strictatime", "mode=755", "size=65536k"]},
			{destination: "/dev/pts", type: "devpts", source: "devpts",
			 options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
			{destination: "/dev/shm", type: "tmpfs", source: "shm",
			 options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
			{destination: "/dev/mqueue", type: "mqueue", source: "mqueue",
			 options: ["nosuid", "noexec", "nodev"]},
			{destination: "/sys", type: "sysfs", source: "sysfs",
			 options: ["nosuid", "noexec", "nodev", "ro"]},
			{destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup",
			 options: ["nosuid", "noexec", "nodev", "relatime", "ro"]}
		],
		linux: {
			resources: {devices: [{allow: false, access: "rwm"}]},
			namespaces: [{type: "pid"}, {type: "network"}, {type: "ipc"}, {type: "uts"}, {type: "mount"}],
			maskedPaths: [
				"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
				"/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
				"/proc/scsi"
			],
			readonlyPaths: [
				"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"
			]
		}
	}' --args -- "$@" >"$dir/config.json"
}

# bundle_set DIR JQ_FILTER [JQ_OPTIONS...]: apply a jq filter to
# DIR/config.json, e.g. bundle_set "$b" '.process.env += [$e]' --arg e A=1
bundle_set() {
	local dir="$1" filter="$2"
	shift 2 || { pea_die "usage: bundle_set DIR JQ_FILTER [JQ_OPTIONS...]"; return 1; }
	jq "$@" "$filter" "$dir/config.json" >"$dir/config.json.tmp" || {
		rm -f "$dir/config.json.tmp"
		pea_die "jq filter '$filter' failed on '$dir/config.json'"
		return 1
	}
	mv "$dir/config.json.tmp" "$dir/config.json"
}

# bundle_rootless DIR [UID GID]: what `runc spec --rootless` changes: a user
# namespace mapping container root to UID:GID (default: the caller's ids), no
# network namespace, /sys bind-mounted, no devpts gid, no resources.
bundle_rootless() {
	local dir="$1" uid="${2:-$(id -u)}" gid="${3:-$(id -g)}"
	# shellcheck disable=SC2016 # jq variables
	bundle_set "$dir" '
		.linux.namespaces = ([.linux.namespaces[] | select(.type != "network" and .type != "user")]
			+ [{type: "user"}])
		| .linux.uidMappings = [{containerID: 0, hostID: $uid, size: 1}]
		| .linux.gidMappings = [{containerID: 0, hostID: $gid, size: 1}]
		| del(.linux.resources)
		| .mounts |= map(
			if .destination == "/sys" then
				{destination: "/sys", type: "none", source: "/sys",
				 options: ["rbind", "nosuid", "noexec", "nodev", "ro"]}
			elif .type == "devpts" then .options |= map(select(. != "gid=5"))
			else . end)' --argjson uid "$uid" --argjson gid "$gid"
}

# prepare_cgroups_for_crun: crun refuses a hybrid cgroup host whose cgroup v2
# hierarchy still holds controllers ("cgroups in hybrid mode not supported,
# drop all controllers from cgroupv2"). Move each such controller (here:
# hugetlb) to a v1 hierarchy at /sys/fs/cgroup/<name>. Root only, idempotent,
# a no-op on pure v1 or pure v2 hosts.
prepare_cgroups_for_crun() {
	local unified=/sys/fs/cgroup/unified controllers ctrl
	[[ "$(id -u)" -eq 0 ]] || return 0
	[[ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" != cgroup2fs ]] || return 0
	[[ -r "$unified/cgroup.controllers" ]] || return 0
	controllers="$(cat "$unified/cgroup.controllers")" || return 1
	for ctrl in $controllers; do
		if ! mkdir -p "/sys/fs/cgroup/$ctrl" ||
			! mount -t cgroup -o "$ctrl" cgroup "/sys/fs/cgroup/$ctrl"; then
			pea_die "cannot move the '$ctrl' controller off cgroup v2 (mount -t cgroup -o $ctrl)"
			return 1
		fi
	done
}
