#!/usr/bin/env bats
# pea-storage with the vfs driver: the same suite as overlay, layers as full copies.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-storage

setup_file() {
	ensure_fixtures
}

setup() {
	require_root
	require_cmd "$PEA_STORAGE"
	storage_setup vfs
}

teardown() {
	storage_teardown
}

@test "vfs: apply the busybox layer as gzip, zstd and plain tar" { st_apply_compressions; }
@test "vfs: mount a container and run busybox in it" { st_run_busybox; }
@test "vfs: whiteouts and opaque directories delete from the copy" { st_whiteouts; }
@test "vfs: owners, modes, times, xattrs, hardlinks, symlinks, devices, fifos" { st_entry_types; }
@test "vfs: sparse files keep their holes" { st_sparse; }
@test "vfs: layer diff then apply gives the same tree" { st_diff_roundtrip; }
@test "vfs: layer diff gives back the applied tar byte for byte" { st_diff_exact; }
@test "vfs: mounts are counted" { st_mount_counts; }
@test "vfs: an image mounts read-only, counted" { st_image_mount; }
@test "vfs: hostile tars are refused and leave nothing" { st_hostile; }
@test "vfs: kill -9 during an apply, the next command cleans up" { st_crash_during_apply; }
@test "vfs: killed between any two steps, the store stays consistent" { st_crash_points; }
@test "vfs: removing an image keeps the layers others use" { st_shared_layers; }
@test "vfs: 8 concurrent creates and applies lose nothing" { st_concurrent; }
@test "vfs: a container with an id map gets a chowned copy" { st_idmapped; }

@test "vfs: a layer is a full copy without whiteout files" {
	st_whiteout_layers
	local p="$STORE_ROOT/vfs/$L2/diff"
	assert_equal "$(find "$p" -mindepth 1 | LC_ALL=C sort | tr '\n' ' ')" \
		"$p/a $p/a/added $p/a/both $p/a/keep $p/opq $p/opq/implicit $p/opq/implicit/x $p/opq/new "
	run -0 pstore layer diff "$L2"
}

# Files of 256 KiB and more are written with O_DIRECT from two aligned buffers of 2 MiB
# (one written by Linux AIO while the other fills), the last partial block through the
# page cache: every size around the buffers' and the block's; a stream cut inside a big
# file fails with nothing left.
@test "vfs: big files come out whole, whatever their size" {
	local f sizes=(262144 262145 2097151 2097152 2097153 4198399 5242880 6291456 9000001) p
	mkdir "$TEST_DIR/big"
	for f in "${sizes[@]}"; do
		head -c "$f" /dev/urandom >"$TEST_DIR/big/f$f"
	done
	tar --format=posix -C "$TEST_DIR/big" -cf "$TEST_DIR/big.tar" .
	gzip -1 -c "$TEST_DIR/big.tar" >"$TEST_DIR/big.tar.gz"
	st_diff_is_original "$TEST_DIR/big.tar.gz"
	p="$(json_field path)"
	for f in "${sizes[@]}"; do
		cmp "$TEST_DIR/big/f$f" "$p/f$f"
	done
	head -c 20000000 "$TEST_DIR/big.tar" >"$TEST_DIR/cut.tar"
	run -1 pstore layer apply "$TEST_DIR/cut.tar"
	run -0 pstore layer ls
	assert_equal "$(jq '.result | length' <<<"$output")" 1
}
