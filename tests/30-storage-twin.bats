#!/usr/bin/env bats
# pea-storage is a static PIE: the commands that load libarchive, libzstd,
# ISA-L or libcrypto (dlopen, lib/dl.h) run in its dynamic twin,
# libexec/pea/pea-storage-layers, which it execs with the same arguments
# (storage/twin.h); the commands of a container's start and removal run in
# pea-storage itself, with no library loaded.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-storage
load helpers/storage-file

setup_file() {
	ensure_fixtures
}

setup() {
	require_cmd strace
	storage_file_setup
}

teardown() {
	storage_file_teardown
}

# execs ARGS...: pea-storage ARGS on the test's store under strace; the basenames of the
# programs it exec'd, in order (its reply in TEST_DIR/out, its stderr in TEST_DIR/err)
execs() {
	strace -f -qq -e trace=execve -e signal=none -o "$TEST_DIR/execs" "$PEA_STORAGE" \
		--root "$STORE_ROOT" --runroot "$STORE_RUN" --storage-driver "$STORAGE_DRIVER" "$@" \
		>"$TEST_DIR/out" 2>"$TEST_DIR/err" || return 1
	sed -n 's/^[0-9]* *execve("\([^"]*\)".*= 0$/\1/p' "$TEST_DIR/execs" | xargs -rn1 basename
}

@test "layer apply and image create run in the twin, container create, mount and rm in pea-storage" {
	busybox_layer
	run -0 execs layer apply "$BUSYBOX_LAYER"
	assert_equal "$(tr '\n' ' ' <<<"$output")" "pea-storage pea-storage-layers "
	local layer
	layer=$(jq -r .result.id "$TEST_DIR/out")
	run -0 execs image create --layers "$layer" --config "$BUSYBOX_CONFIG" \
		--manifest "$BUSYBOX_MANIFEST" --name localhost/bb:latest
	assert_equal "$(tr '\n' ' ' <<<"$output")" "pea-storage pea-storage-layers "
	# pea run's two: create --image-find --mount, rm; and what pea rm -a, ps, images use
	local id
	id=$(printf 'c1%.0s' {1..32})
	run -0 execs container create --image-find bb --image-find-full localhost/bb:latest \
		--id "$id" --name c1 --mount
	assert_equal "$output" pea-storage
	grep -q "\"$id\"" "$TEST_DIR/out" || fail "no container c1: $(cat "$TEST_DIR/out")"
	for cmd in "container ls" "container inspect c1" "image ls" "layer ls" "status"; do
		# shellcheck disable=SC2086 # the command's words
		run -0 execs $cmd
		assert_equal "$output" pea-storage
	done
	run -0 execs container rm --force c1
	assert_equal "$output" pea-storage
	run -0 execs container ls
	assert_equal "$(jq -c .result "$TEST_DIR/out")" "[]"
	assert_equal "$output" pea-storage
	[[ ! -s $TEST_DIR/err ]] || fail "stderr: $(cat "$TEST_DIR/err")"
}

@test "pea-storage without its twin: a layer command fails in one line naming the exec; the rest works" {
	mkdir -p "$TEST_DIR/alone"
	cp "$PEA_STORAGE" "$TEST_DIR/alone/pea-storage"
	busybox_layer
	run --separate-stderr "$TEST_DIR/alone/pea-storage" --root "$STORE_ROOT" --runroot "$STORE_RUN" \
		--storage-driver "$STORAGE_DRIVER" layer apply "$BUSYBOX_LAYER"
	assert_equal "$status" 1
	[[ $stderr == *"layer apply: exec '"*"/pea/pea-storage-layers': No such file or directory" ]] ||
		fail "stderr: $stderr"
	assert_equal "${#stderr_lines[@]}" 1
	assert_equal "$(jq -r .error.errno <<<"$output")" ENOENT
	run -0 "$TEST_DIR/alone/pea-storage" --root "$STORE_ROOT" --runroot "$STORE_RUN" \
		--storage-driver "$STORAGE_DRIVER" layer ls
	assert_equal "$(jq -c .result <<<"$output")" "[]"
}

@test "a store left unsynced by another boot: pea-storage hands the command over to the twin, which verifies" {
	# layers committed unsynced (pea_sync=deferred) are hashed at the next
	# boot's first open: libcrypto, so the static pea-storage execs the twin
	# with the same command before it does anything of its own
	printf '%s\n' 11111111-2222-3333-4444-555555555555 >"$TEST_DIR/boot_id"
	export PEA_STORAGE_TEST_BOOT_ID_FILE="$TEST_DIR/boot_id"
	busybox_layer
	run -0 execs layer apply --refetchable "$BUSYBOX_LAYER"
	local layer
	layer=$(jq -r .result.id "$TEST_DIR/out")
	assert_equal "$(jq -r .result.unsynced "$TEST_DIR/out")" 11111111-2222-3333-4444-555555555555
	run -0 execs layer ls
	assert_equal "$output" pea-storage
	printf '%s\n' 99999999-2222-3333-4444-555555555555 >"$TEST_DIR/boot_id"
	run -0 execs layer inspect "$layer"
	assert_equal "$(tr '\n' ' ' <<<"$output")" "pea-storage pea-storage-layers "
	assert_equal "$(jq -r .result.unsynced "$TEST_DIR/out")" null
	[[ ! -e $STORE_ROOT/unsynced ]]
	# verified: the next opens are pea-storage's alone
	run -0 execs layer inspect "$layer"
	assert_equal "$output" pea-storage
}

@test "a twin of another build, or of none, is refused in one line naming both and their builds; one build copied together works" {
	local tag v self twin=${PEA_STORAGE%/bin/*}/libexec/pea/pea-storage-layers
	tag=$(grep -ao 'pea-storage-build=[0-9A-Za-z.+~-]*' "$twin" | head -1)
	[[ $tag == pea-storage-build=*+* ]] || fail "no build tag in the twin: '$tag'"
	v=${tag#pea-storage-build=}
	mkdir -p "$TEST_DIR/x/bin" "$TEST_DIR/x/libexec/pea"
	cp "$PEA_STORAGE" "$TEST_DIR/x/bin/pea-storage"
	cp "$twin" "$TEST_DIR/x/libexec/pea/pea-storage-layers"
	self=$TEST_DIR/x/bin/pea-storage
	busybox_layer
	run -0 "$self" --root "$STORE_ROOT" --runroot "$STORE_RUN" --storage-driver "$STORAGE_DRIVER" \
		layer apply "$BUSYBOX_LAYER"
	# another build: the same tag with another hash (an older install's twin)
	perl -pi -e 's/(pea-storage-build=[^+\0]*\+)[0-9a-f]{16}/${1}0123456789abcdef/' \
		"$TEST_DIR/x/libexec/pea/pea-storage-layers"
	run --separate-stderr "$self" --root "$STORE_ROOT" --runroot "$STORE_RUN" \
		--storage-driver "$STORAGE_DRIVER" layer apply "$BUSYBOX_LAYER"
	assert_equal "$status" 1
	assert_equal "${#stderr_lines[@]}" 1
	[[ $stderr == *"layer apply: '$TEST_DIR/x/bin/../libexec/pea/pea-storage-layers' is build ${v%+*}+0123456789abcdef, '$self' build $v: install pea-storage and its twin from one build" ]] ||
		fail "stderr: $stderr"
	assert_equal "$(jq -r .error.errno <<<"$output")" ENOEXEC
	# none: a twin built before build ids
	perl -pi -e 's/pea-storage-build=/pea-storage-bXild=/g' "$TEST_DIR/x/libexec/pea/pea-storage-layers"
	run --separate-stderr "$self" --root "$STORE_ROOT" --runroot "$STORE_RUN" \
		--storage-driver "$STORAGE_DRIVER" layer apply "$BUSYBOX_LAYER"
	assert_equal "$status" 1
	[[ $stderr == *"' is build none (older than build ids), '$self' build "* ]] || fail "stderr: $stderr"
	# what runs in pea-storage itself does not look
	run -0 "$self" --root "$STORE_ROOT" --runroot "$STORE_RUN" --storage-driver "$STORAGE_DRIVER" layer ls
}
