#!/usr/bin/env bats
# The README's first command: make demo runs a container through the whole
# toolchain (pea, pea-image, pea-storage, pea-monitor, pea-runtime).
bats_require_minimum_version 1.5.0
load helpers/common

@test "make demo runs busybox through pea and leaves nothing behind" {
	require_root
	run -0 env PEA_BUILD="$PEA_BUILD" "$PEA_REPO/scripts/demo.sh"
	assert_line "Loaded image: localhost/busybox:latest"
	assert_line "hello from pea"
	assert_line "pea-demo"
	assert_line --partial "uid=0(root)"
	run grep -c pea-demo /proc/mounts
	assert_output 0
	run bash -c "ls -d /tmp/pea-demo.* 2>/dev/null"
	assert_output ""
}
