#!/usr/bin/env bats
# pea-runtime features: runtime-spec features.md JSON, truthful.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-runtime

@test "features prints the runtime-spec features JSON" {
	rt_is_pea || skip_expected "pea-runtime's own document"
	run -0 "$PEA_RUNTIME" features
	run -0 jq -e '.ociVersionMin == "1.0.0" and .ociVersionMax == "1.2.0" and
		(.hooks | index("createRuntime") != null) and
		(.linux.namespaces | sort == ["cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts"]) and
		(.linux.capabilities | index("CAP_SYS_ADMIN") != null) and
		(.mountOptions | index("rbind") != null and index("tmpcopyup") != null and index("idmap") == null) and
		(.linux.seccomp.enabled and (.linux.seccomp.actions | index("SCMP_ACT_NOTIFY") != null)) and
		(.linux.seccomp.operators | length == 7) and
		.linux.cgroup.v1 and .linux.cgroup.v2 and (.linux.cgroup.systemd | not) and
		(.linux.apparmor.enabled | not) and
		.annotations["io.github.pea.runtime.cgroupMode"] == "hybrid"' <<<"$output"
	run -0 "$PEA_RUNTIME" features
	# the capabilities are the kernel's (capsh lists the same)
	run -0 jq '.linux.capabilities | length' <<<"$output"
	local n="$output"
	run -0 cat /proc/sys/kernel/cap_last_cap
	(( n == output + 1 ))
	run -2 "$PEA_RUNTIME" features extra
}
