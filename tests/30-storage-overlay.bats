#!/usr/bin/env bats
# pea-storage with the overlay driver (kernel overlayfs, and fuse-overlayfs as mount_program).
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-storage

setup_file() {
	ensure_fixtures
}

setup() {
	require_root
	require_cmd "$PEA_STORAGE"
	storage_setup overlay
}

teardown() {
	[[ -z "${BUSY_PID:-}" ]] || { kill "$BUSY_PID" 2>/dev/null; wait "$BUSY_PID" 2>/dev/null; }
	storage_teardown
	if [[ -n "${LBS_LOOP:-}" ]]; then
		umount "$TEST_DIR/lbs" 2>/dev/null
		losetup -d "$LBS_LOOP"
	fi
	return 0
}

@test "overlay: apply the busybox layer as gzip, zstd and plain tar" { st_apply_compressions; }
@test "overlay: mount a container and run busybox in it" { st_run_busybox; }
@test "overlay: whiteouts and opaque directories hide the lower layer" { st_whiteouts; }
@test "overlay: owners, modes, times, xattrs, hardlinks, symlinks, devices, fifos" { st_entry_types; }
@test "overlay: sparse files keep their holes" { st_sparse; }
@test "overlay: layer diff then apply gives the same tree" { st_diff_roundtrip; }
@test "overlay: layer diff gives back the applied tar byte for byte" { st_diff_exact; }
@test "overlay: mounts are counted" { st_mount_counts; }
@test "overlay: an image mounts read-only, counted" { st_image_mount; }
@test "overlay: hostile tars are refused and leave nothing" { st_hostile; }
@test "overlay: kill -9 during an apply, the next command cleans up" { st_crash_during_apply; }
@test "overlay: killed between any two steps, the store stays consistent" { st_crash_points; }
@test "overlay: removing an image keeps the layers others use" { st_shared_layers; }
@test "overlay: 8 concurrent creates and applies lose nothing" { st_concurrent; }
@test "overlay: a container with an id map sees the layers through idmapped mounts" { st_idmapped; }

@test "overlay: whiteouts are character devices 0/0 and the opaque xattr" {
	st_whiteout_layers
	local p="$STORE_ROOT/overlay/$L2/diff"
	assert_equal "$(stat -c '%F %t:%T' "$p/a/gone")" "character special file 0:0"
	assert_equal "$(getfattr --only-values -n trusted.overlay.opaque "$p/opq")" y
	[[ ! -e "$p/a/.wh.gone" && ! -e "$p/opq/.wh..wh..opq" ]]
}

@test "overlay: a layer cannot smuggle overlay xattrs" {
	printf '%s\n' "dir d xattr.trusted.overlay.opaque=y xattr.user.overlay.redirect=/x" \
		"file d/f content=x xattr.trusted.overlay.metacopy=y xattr.user.ok=1" |
		storage_mktar "$TEST_DIR/x.tar"
	run -0 pstore layer apply "$TEST_DIR/x.tar"
	local p
	p="$(json_field path)"
	run getfattr -d -m - "$p/d" "$p/d/f"
	refute_output --partial trusted.overlay
	refute_output --partial user.overlay
	assert_output --partial 'user.ok="1"'
}

@test "overlay: mount through fuse-overlayfs (mount_program)" {
	require_cmd fuse-overlayfs
	st_whiteout_layers
	local opt=(--storage-opt overlay.mount_program=/usr/bin/fuse-overlayfs) mp
	run -0 pstore "${opt[@]}" status
	assert_equal "$(json_field mount_program)" /usr/bin/fuse-overlayfs
	run -0 pstore "${opt[@]}" container create --image wh --name c
	run -0 pstore "${opt[@]}" container mount c
	mp="$(json_field mountpoint)"
	assert_equal "$(findmnt -n -o FSTYPE "$mp")" fuse.fuse-overlayfs
	assert_equal "$(ls -A "$mp/a" | tr '\n' ' ')" "added both keep "
	assert_equal "$(ls -A "$mp/opq" | tr '\n' ' ')" "implicit new "
	echo written >"$mp/a/new"
	run -0 pstore "${opt[@]}" container mount c
	assert_equal "$(json_field mount_count)" 2
	run -0 pstore "${opt[@]}" container unmount c
	run -0 findmnt "$mp"
	run -0 pstore "${opt[@]}" container unmount c
	run -1 findmnt "$mp"
	run -0 pstore container inspect c
	assert_equal "$(cat "$(json_field layer_path)/a/new")" written
	# an image, read-only
	run -0 pstore "${opt[@]}" image mount wh
	mp="$(json_field mountpoint)"
	assert_equal "$(findmnt -n -o FSTYPE "$mp")" fuse.fuse-overlayfs
	assert_equal "$(ls -A "$mp/opq" | tr '\n' ' ')" "implicit new "
	run ! touch "$mp/x"
	run -0 pstore "${opt[@]}" image unmount wh
	run -1 findmnt "$mp"
}

@test "overlay: a stale mount count is noticed" {
	st_busybox_image bb
	run -0 pstore container create --image bb --name c
	run -0 pstore container mount c
	umount "$(json_field mountpoint)"
	run -0 pstore container mount c
	assert_equal "$(json_field mount_count)" 1
	run -0 chroot "$(json_field mountpoint)" /bin/busybox true
	run -0 pstore container unmount c
}

@test "overlay: fuse-overlayfs maps ids with uidmapping/gidmapping" {
	require_cmd fuse-overlayfs
	local opt=(--storage-opt overlay.mount_program=/usr/bin/fuse-overlayfs)
	st_busybox_image bb
	run -0 pstore "${opt[@]}" container create --image bb --name m --uidmap 0:100000:65536
	run -0 pstore "${opt[@]}" container mount m
	assert_equal "$(stat -c %u:%g "$(json_field mountpoint)/bin/busybox")" 100000:100000
	run -0 pstore "${opt[@]}" container unmount m
}

# Files of 256 KiB and more are written with O_DIRECT from two aligned buffers of 2 MiB
# (one written by Linux AIO while the other fills), the last partial block through the
# page cache: every size around the buffers' and the block's; a stream cut inside a big
# file fails with nothing left.
@test "overlay: big files come out whole, whatever their size" {
	# O_DIRECT is pea_sync=layer's (deferred writes through the page cache only)
	export PEA_STORAGE_SYNC=layer
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

# staging/ is a top of directory hierarchies (chattr +T) where the filesystem has the flag
# (ext4): each new layer gets a block group of its own (see staging_spread() in
# storage/layer.c); elsewhere the apply works the same without it.
@test "overlay: the staging folder spreads layers over ext4's block groups" {
	busybox_layer
	run -0 pstore layer apply "$BUSYBOX_LAYER"
	if [[ "$(stat -f -c %T "$STORE_ROOT")" == ext2/ext3 ]]; then
		run -0 lsattr -d "$STORE_ROOT/staging"
		assert_output --regexp '^[^ ]*T[^ ]* '
	fi
	run -0 pstore layer ls
	assert_equal "$(jq '.result | length' <<<"$output")" 1
}

# A big file's last buffer is left in flight when the next entry starts (all of them
# waited for once, before the commit): more big files than buffers back to back, a
# hardlink to one, and one replaced by a later entry of the same name while its write
# may still be in flight.
@test "overlay: big files back to back, one replaced by a later entry, come out whole" {
	local i p
	mkdir -p "$TEST_DIR/many/d" "$TEST_DIR/again/d"
	for i in 1 2 3 4 5 6 7 8 9 10; do
		head -c $((300000 + i * 409901)) /dev/urandom >"$TEST_DIR/many/d/f$i"
	done
	touch -d @981173106 "$TEST_DIR/many/d/f7"
	ln "$TEST_DIR/many/d/f3" "$TEST_DIR/many/d/h3"
	head -c 3000001 /dev/urandom >"$TEST_DIR/again/d/f5"
	tar --format=posix -C "$TEST_DIR/many" -cf "$TEST_DIR/many.tar" .
	tar --format=posix -C "$TEST_DIR/again" -rf "$TEST_DIR/many.tar" ./d/f5
	run -0 pstore layer apply "$TEST_DIR/many.tar"
	p="$(json_field path)"
	for i in 1 2 3 4 6 7 8 9 10; do
		cmp "$TEST_DIR/many/d/f$i" "$p/d/f$i"
	done
	# the times set after the writes were submitted stay
	assert_equal "$(stat -c %Y "$p/d/f7")" 981173106
	cmp "$TEST_DIR/again/d/f5" "$p/d/f5"
	assert_equal "$(stat -c %i "$p/d/h3")" "$(stat -c %i "$p/d/f3")"
}

# A process working in a container's mount keeps it busy: unmount and rm --force report it
# (EBUSY) and leave the mount and the container as they were, rather than detach it lazily
# (the overlay would live on over a layer removed under it). Once the process is gone, both
# work.
@test "overlay: a busy mount is reported busy, not detached" {
	local mp n
	st_busybox_image bb
	run -0 pstore container create --image bb --name c
	run -0 pstore container mount c
	mp="$(json_field mountpoint)"
	(cd "$mp" && exec sleep 100) 3>&- &
	BUSY_PID=$!
	for n in $(seq 100); do
		[[ "$(readlink "/proc/$BUSY_PID/cwd")" == "$mp" ]] && break
		sleep 0.05
	done
	assert_equal "$(readlink "/proc/$BUSY_PID/cwd")" "$mp"
	run -1 pstore container unmount c
	assert_output --partial "Device or resource busy"
	run -0 findmnt "$mp"
	run -1 pstore container rm --force c
	assert_output --partial "Device or resource busy"
	run -0 findmnt "$mp"
	run -0 pstore container inspect c
	kill "$BUSY_PID"
	wait "$BUSY_PID" || true
	BUSY_PID=
	run -0 pstore container unmount c
	assert_equal "$(json_field mounted)" false
	run -1 findmnt "$mp"
	run -0 pstore container mount c
	run -0 pstore container rm --force c
	run -1 findmnt "$mp"
}

# On a device of 8 KiB sectors a 4 KiB-aligned O_DIRECT write is refused (EINVAL) only once
# queued: the AIO completion carries it, and the apply finishes those writes through the
# page cache (a file whose last aligned part is an odd number of 4 KiB blocks, and one of
# several buffers).
@test "overlay: O_DIRECT writes the device refuses in flight go through the page cache" {
	# O_DIRECT is pea_sync=layer's (deferred writes through the page cache only)
	export PEA_STORAGE_SYNC=layer
	require_cmd mkfs.xfs
	local f
	truncate -s 300M "$TEST_DIR/lbs.img"
	LBS_LOOP="$(losetup -f --show -b 8192 "$TEST_DIR/lbs.img" 2>/dev/null)" ||
		skip_expected "the kernel takes no loop device of 8 KiB sectors"
	run -0 mkfs.xfs -q -b size=8192 -s size=8192 "$LBS_LOOP"
	mkdir "$TEST_DIR/lbs" "$TEST_DIR/d"
	run -0 mount "$LBS_LOOP" "$TEST_DIR/lbs"
	head -c 266240 /dev/urandom >"$TEST_DIR/d/odd"
	head -c 5000000 /dev/urandom >"$TEST_DIR/d/big"
	touch -d '2001-02-03 04:05:06' "$TEST_DIR/d/odd" "$TEST_DIR/d/big"
	tar --format=posix -C "$TEST_DIR/d" -cf "$TEST_DIR/l.tar" .
	STORE_ROOT="$TEST_DIR/lbs/store"
	run -0 pstore layer apply "$TEST_DIR/l.tar"
	for f in odd big; do
		cmp "$TEST_DIR/d/$f" "$(json_field path)/$f"
		# the write finished late keeps the entry's time
		assert_equal "$(stat -c %Y "$(json_field path)/$f")" "$(stat -c %Y "$TEST_DIR/d/$f")"
	done
	umount "$TEST_DIR/lbs"
	losetup -d "$LBS_LOOP"
	LBS_LOOP=
}

# The kernel refuses io_getevents: the apply cannot wait for its big files' writes in flight.
# It fails with that reason and commits nothing, rather than wait forever.
@test "overlay: an apply that cannot wait for its writes fails clearly" {
	# O_DIRECT is pea_sync=layer's (deferred writes through the page cache only)
	export PEA_STORAGE_SYNC=layer
	mkdir "$TEST_DIR/d"
	head -c 3000000 /dev/urandom >"$TEST_DIR/d/big"
	tar --format=posix -C "$TEST_DIR/d" -cf "$TEST_DIR/l.tar" .
	run -1 storage_no_io_getevents timeout -k 5 60 "$PEA_STORAGE" --root "$STORE_ROOT" \
		--runroot "$STORE_RUN" --storage-driver overlay layer apply "$TEST_DIR/l.tar"
	assert_output --partial "wait for the writes of the layer's files: Input/output error"
	run -0 pstore layer ls
	assert_equal "$(jq '.result | length' <<<"$output")" 0
}

@test "overlay: a tar of files only (no directory entries): one mkdir per missing directory, none for those there" {
	require_cmd strace
	mkdir -p "$TEST_DIR/src/pa/pb/pc/pd/pe" "$TEST_DIR/src/pa/pb/px/py"
	echo 1 >"$TEST_DIR/src/pa/pb/pc/pd/pe/f1"
	echo 2 >"$TEST_DIR/src/pa/pb/pc/pd/pe/f2"
	echo 3 >"$TEST_DIR/src/pa/pb/px/py/f3"
	tar -cf "$TEST_DIR/files.tar" -C "$TEST_DIR/src" --no-recursion \
		pa/pb/pc/pd/pe/f1 pa/pb/pc/pd/pe/f2 pa/pb/px/py/f3
	run -0 pstore status
	run -0 strace -f -qq -e trace=mkdirat -o "$TEST_DIR/strace.out" \
		"$PEA_STORAGE" --root "$STORE_ROOT" --runroot "$STORE_RUN" \
		--storage-driver overlay layer apply "$TEST_DIR/files.tar"
	id="$(jq -r .result.id <<<"$output")"
	run -0 grep -E 'mkdirat\([0-9]+, "p[a-y]"' "$TEST_DIR/strace.out"
	# pa pb pc pd pe, then px py: pa and pb are not made again
	assert_equal "${#lines[@]}" 7
	run -1 grep EEXIST <<<"$output"
	path="$(pstore layer inspect "$id" | jq -r .result.path)"
	assert_equal "$(cat "$path/pa/pb/pc/pd/pe/f2" "$path/pa/pb/px/py/f3")" "$(printf '2\n3')"
	assert_equal "$(stat -c %a "$path/pa/pb/px")" 755
	run -0 pstore layer diff "$id"
}
