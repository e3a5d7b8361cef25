#!/usr/bin/env bats
# pea build's working containers, as buildah's under podman (podman 4.3.1's 040-ps
# "podman ps --external"): one in pea's store for each image a RUN runs on, mounted,
# named IMAGE-working-container; a finished build (or a failed one) removes them, a
# killed one leaves them: ps --external lists them ("buildah", "Storage"), image prune
# keeps the images they stand on (--external removes those containers and prunes), rm
# refuses a mounted one without -f.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-frontend
load helpers/fe-file

setup() {
	fe_file_setup
	CTX="$TEST_DIR/ctx"
	mkdir -p "$CTX"
}

# build_bg ARGS...: pea ARGS in the background under the file's subreaper, its output in
# TEST_DIR/build.out, its pid in build.pid, its exit status in build.rc once it ends.
build_bg() {
	local a
	a=$(printf '%q ' "$PEA" "${FE_ARGS[@]}" "$@")
	local PEA=bash
	local FE_ARGS=(-c "$a >'$TEST_DIR/build.out' 2>&1 & echo \$! >'$TEST_DIR/build.pid'; wait \$!; echo \$? >'$TEST_DIR/build.rc'")
	pea_cmd >/dev/null 2>&1 3>&- &
}

# external_names: the NAMES of ps --external's external containers, in its order (a RUN's
# container, pea's own, shows there too while it runs).
external_names() {
	pea_out ps --external --format '{{.Names}}' | sed '/^pea-build-/d'
}

@test "build: working containers while it runs, none after it (done or failed)" {
	cat >"$CTX/Containerfile" <<'EOF'
FROM busybox
RUN touch /one
RUN touch /two
EOF
	run -0 pea_cmd build -t done "$CTX"
	run -0 external_names
	assert_output ""
	printf 'FROM busybox\nRUN false\n' >"$CTX/Containerfile"
	run -1 pea_cmd build -t failed "$CTX"
	run -0 external_names
	assert_output ""
}

@test "build killed: its working containers stay; ps --external, image prune [--external], rm" {
	cat >"$CTX/Containerfile" <<'EOF'
FROM busybox
RUN touch /intermediate
RUN sleep 1000
EOF
	build_bg build -t never "$CTX"
	# (a RUN's container being removed may show there a moment: wait for the two)
	for ((i = 0; i < 600; i++)); do
		grep -q "STEP 3/3" "$TEST_DIR/build.out" 2>/dev/null &&
			[[ $(external_names | tr '\n' ' ') =~ ^busybox-working-container\ [0-9a-f]{12}-working-container\ $ ]] &&
			break
		sleep 0.1
	done
	run -0 external_names # the oldest first
	assert_line --index 0 busybox-working-container
	assert_line --index 1 --regexp '^[0-9a-f]{12}-working-container$'
	assert_equal "${#lines[@]}" 2
	kill -TERM "$(cat "$TEST_DIR/build.pid")"
	for ((i = 0; i < 600; i++)); do
		[[ -e $TEST_DIR/build.rc ]] && break
		sleep 0.1
	done
	run -0 cat "$TEST_DIR/build.out"
	assert_line 'Error: building at STEP "RUN sleep 1000": interrupted by SIGTERM'
	# no container of pea's (the RUN's went), the two working containers stay
	run -0 pea_cmd ps -aq
	assert_output ""
	run -0 pea_cmd ps --external
	assert_equal "${#lines[@]}" 3
	assert_line --index 1 --regexp '^[0-9a-f]{12} +localhost/busybox:latest +buildah +.* ago +Storage +busybox-working-container$'
	assert_line --index 2 --regexp '^[0-9a-f]{12} +[0-9a-f]{64} +buildah +.* ago +Storage +[0-9a-f]{12}-working-container$'
	inter=$(pea_out ps --external --no-trunc --format '{{.ImageID}}' | tail -1)
	# rm -a leaves them; prune leaves the intermediate image they use
	run -0 pea_cmd rm -a
	assert_equal "$(external_names | wc -l)" 2
	run -0 pea_cmd image prune -f
	assert_output ""
	# --external: the containers of the pruned image go first
	run -0 pea_cmd image prune -f --external
	assert_output "$inter"
	run -0 external_names
	assert_output busybox-working-container
	# mounted: rm wants -f, with podman's words
	cid=$(pea_out ps --external -q)
	run -2 pea_cmd rm "$cid"
	assert_output --regexp "^Error: container [0-9a-f]+ is mounted and cannot be removed without using force: container state improper$"
	run -0 pea_cmd rm -t 0 -f "$cid"
	run -0 external_names
	assert_output ""
	run -0 pea_cmd image inspect --format '{{.Id}}' busybox
}

@test "image prune: bad input" {
	run -125 pea_cmd image prune -f extra
	assert_output "Error: \`pea image prune\` takes no arguments"
	run -125 pea_cmd image prune --nope
	assert_output --partial "nope"
}
