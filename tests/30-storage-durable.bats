#!/usr/bin/env bats
# pea-storage's durable records: one fsync per container create only where the
# filesystem's journal commits in order (xfs, ext4 with a journal); an ext4
# made without a journal gets each record's own fsyncs.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-storage

setup_file() {
	ensure_fixtures
}

setup() {
	require_root
	require_cmd "$PEA_STORAGE"
	require_cmd strace
	require_cmd mkfs.ext4
	storage_setup overlay
	DUR_LOOPS=()
	DUR_PEA_ROOTS=()
}

teardown() {
	local l r
	for r in "${DUR_PEA_ROOTS[@]}"; do
		timeout -k 5 60 "$PEA" --root "$r/root" --runroot "$r/run" rm -af >/dev/null 2>&1
	done
	storage_teardown
	for l in "${DUR_LOOPS[@]}"; do
		umount "$TEST_DIR/mnt-${l##*/}" 2>/dev/null
		losetup -d "$l"
	done
	return 0
}

# dur_fs NAME MKFS-ARGS...: an ext4 of 64 MiB on a loop device, mounted at
# $TEST_DIR/NAME; DUR_MNT its mount point.
dur_fs() {
	local name=$1 loop
	shift
	truncate -s 64M "$TEST_DIR/$name.img"
	run -0 mkfs.ext4 -q -F "$@" "$TEST_DIR/$name.img"
	loop="$(losetup -f --show "$TEST_DIR/$name.img")"
	DUR_LOOPS+=("$loop")
	DUR_MNT="$TEST_DIR/mnt-${loop##*/}"
	mkdir -p "$DUR_MNT"
	run -0 mount "$loop" "$DUR_MNT"
}

# dur_fsyncs: the fsyncs of a container create in a store on $DUR_MNT.
dur_fsyncs() {
	STORE_ROOT="$DUR_MNT/store"
	STORE_RUN="$DUR_MNT/run"
	st_busybox_image localhost/busybox:latest
	strace -f -qq -e trace=fsync,fdatasync -o "$TEST_DIR/strace.out" \
		"$PEA_STORAGE" --root "$STORE_ROOT" --runroot "$STORE_RUN" \
		--storage-driver overlay container create --image localhost/busybox:latest --name c1 \
		>/dev/null
	grep -c -E '^[0-9]+ +f(data)?sync\(' "$TEST_DIR/strace.out" || true
}

@test "durable records: one fsync per container create on a journal, each record's own without one" {
	dur_fs journal
	run -0 cat "/sys/fs/ext4/${DUR_LOOPS[0]##*/}/journal_task"
	[[ "$output" =~ ^[0-9]+$ ]]
	local with without
	with="$(dur_fsyncs)"
	assert_equal "$with" 1
	dur_fs nojournal -O ^has_journal
	run -0 cat "/sys/fs/ext4/${DUR_LOOPS[1]##*/}/journal_task"
	assert_output '<none>'
	without="$(dur_fsyncs)"
	((without > with)) || fail "no journal: $without fsyncs, with one: $with"
}

@test "durable records: a --rootfs container's record gets its own fsync (no store call commits it)" {
	dur_fs journal
	mkdir -p "$DUR_MNT/root/storage"
	printf '[containers]\nnetns = "none"\n' >"$TEST_DIR/containers.conf"
	CONTAINERS_CONF_OVERRIDE="$TEST_DIR/containers.conf" \
		strace -f -qq -e trace=fsync,fdatasync -o "$TEST_DIR/strace.out" \
		"$PEA" --root "$DUR_MNT/root" --runroot "$DUR_MNT/run" create --name r1 \
		--rootfs "$BUSYBOX_ROOTFS" true >/dev/null
	run -0 grep -c -E '^[0-9]+ +f(data)?sync\(' "$TEST_DIR/strace.out"
	((output >= 1))
	run -0 "$PEA" --root "$DUR_MNT/root" --runroot "$DUR_MNT/run" rm r1
}

@test "durable records: without a journal, a container create gets each record's own fsyncs, no fifth" {
	dur_fs nojournal -O ^has_journal
	run -0 cat "/sys/fs/ext4/${DUR_LOOPS[0]##*/}/journal_task"
	assert_output '<none>'
	# the layer's and the container's records: file and folder each
	run -0 dur_fsyncs
	assert_output 4
}

# dur_pea_trace OUT ARGS...: pea ARGS on $DUR_MNT under strace (fsyncs with their
# paths, execs), the trace in OUT.
dur_pea_trace() {
	local out=$1
	shift
	CONTAINERS_CONF_OVERRIDE="$TEST_DIR/containers.conf" \
		timeout -k 5 120 strace -f -qq -y -e trace=fsync,execve -o "$out" \
		"$PEA" --root "$DUR_MNT/root" --runroot "$DUR_MNT/run" "$@"
}

@test "durable records: without a journal, a new record's folder is synced while the monitor starts, a create's before its id" {
	dur_fs nojournal -O ^has_journal
	DUR_PEA_ROOTS+=("$DUR_MNT")
	printf '[containers]\nnetns = "none"\n' >"$TEST_DIR/containers.conf"
	run -0 timeout -k 5 60 "$PEA" --root "$DUR_MNT/root" --runroot "$DUR_MNT/run" \
		load -i "$BUSYBOX_ARCHIVE"
	# (strace may cut the line: 'fsync(7</.../ID> <unfinished ...>')
	local dirsync='fsync\([0-9]+</[^>]*/root/containers/[0-9a-f]{64}>' mon sync
	# run: the record's folder fsync comes after the monitor's exec, before pea's end
	run -0 dur_pea_trace "$TEST_DIR/run.trace" run --name r1 busybox true
	mon=$(grep -n -m1 -E 'execve\("[^"]*pea-monitor"' "$TEST_DIR/run.trace" | cut -d: -f1)
	sync=$(grep -n -m1 -E "$dirsync" "$TEST_DIR/run.trace" | cut -d: -f1)
	[[ -n $mon && -n $sync ]] || fail "monitor exec '$mon', folder fsync '$sync': $(cat "$TEST_DIR/run.trace")"
	((sync > mon)) || fail "the folder fsync (line $sync) before the monitor (line $mon)"
	# create: synced before the id is printed (pea's end)
	run -0 dur_pea_trace "$TEST_DIR/create.trace" create --name r2 busybox true
	run -0 grep -c -E "$dirsync" "$TEST_DIR/create.trace"
	assert_output 1
	run -0 "$PEA" --root "$DUR_MNT/root" --runroot "$DUR_MNT/run" ps -a --format '{{.Names}}'
	assert_line r1
	assert_line r2
	run -0 "$PEA" --root "$DUR_MNT/root" --runroot "$DUR_MNT/run" rm r1 r2
}

@test "durable records: an image create whose folder sync fails leaves no record (a new create makes it)" {
	run -0 pstore layer create
	local layer id
	layer="$(json_field id)"
	printf '{"a":1}' >"$TEST_DIR/config.json"
	id="$(sha256sum "$TEST_DIR/config.json" | cut -d' ' -f1)"
	# every fsync fails: the one of images/ after the record's rename is the create's only
	# (pea_sync=layer; deferred syncs the image's files one by one, below)
	run -1 timeout -k 5 60 env PEA_STORAGE_SYNC=layer strace -f -qq -o "$TEST_DIR/strace.out" \
		-e trace=fsync -e inject=fsync:error=EIO "$PEA_STORAGE" --root "$STORE_ROOT" --runroot "$STORE_RUN" \
		--storage-driver "$STORAGE_DRIVER" image create --layers "$layer" \
		--config "$TEST_DIR/config.json" --name synced
	assert_output --partial "sync '$STORE_ROOT/images': Input/output error"
	grep -q 'EIO.*INJECTED' "$TEST_DIR/strace.out"
	run -1 pstore image inspect synced
	assert_output --partial "image 'synced' not found"
	run -1 pstore image inspect "$id"
	assert_equal "$(find "$STORE_ROOT/images" -name '*.json*' | wc -l)" 0
	# deferred: its config's fsync fails first, no record either
	run -1 timeout -k 5 60 strace -f -qq -o "$TEST_DIR/strace.out" -e trace=fsync \
		-e inject=fsync:error=EIO "$PEA_STORAGE" --root "$STORE_ROOT" --runroot "$STORE_RUN" \
		--storage-driver "$STORAGE_DRIVER" image create --layers "$layer" \
		--config "$TEST_DIR/config.json" --name synced
	assert_output --partial "sync 'config' of image '$id': Input/output error"
	assert_equal "$(find "$STORE_ROOT/images" -name '*.json*' | wc -l)" 0
	run -0 pstore image create --layers "$layer" --config "$TEST_DIR/config.json" --name synced
	assert_equal "$(json_field existed)" false
	assert_equal "$(json_field id)" "$id"
	run -0 pstore image inspect synced
	assert_equal "$(cat "$(json_field config_path)")" '{"a":1}'
}

# ---- pea_sync=deferred (durable.h): layers committed unsynced, synced later ----------------

# dur_boot ID: the boot id pea-storage sees from now on (a faked reboot)
dur_boot() {
	printf '%s\n' "$1" >"$TEST_DIR/boot_id"
	export PEA_STORAGE_TEST_BOOT_ID_FILE="$TEST_DIR/boot_id"
}

# dur_files_layer: a gzip layer of a few files (d/big of 512 KiB, d/small, a), applied;
# DUR_LAYER its id, DUR_TAR the blob
dur_files_layer() {
	mkdir -p "$TEST_DIR/src/d"
	head -c 524288 /dev/urandom >"$TEST_DIR/src/d/big"
	echo small >"$TEST_DIR/src/d/small"
	echo a >"$TEST_DIR/src/a"
	tar -C "$TEST_DIR/src" -czf "$TEST_DIR/layer.tar.gz" .
	DUR_TAR="$TEST_DIR/layer.tar.gz"
	run -0 pstore layer apply --refetchable "$DUR_TAR"
	DUR_LAYER="$(json_field id)"
}

@test "deferred: an applied layer is marked unsynced with the boot id and noted; pea-storage sync clears it" {
	dur_boot 11111111-2222-3333-4444-555555555555
	dur_files_layer
	assert_equal "$(json_field unsynced)" 11111111-2222-3333-4444-555555555555
	assert_equal "$(json_field refetchable)" true
	run -0 cat "$STORE_ROOT/unsynced"
	assert_line --index 0 11111111-2222-3333-4444-555555555555
	assert_line --index 1 "$DUR_LAYER"
	run -0 pstore sync
	assert_equal "$(json_field cleared)" 1
	run -0 pstore layer inspect "$DUR_LAYER"
	assert_equal "$(json_field unsynced)" null
	assert_equal "$(json_field refetchable)" null
	[[ ! -e "$STORE_ROOT/unsynced" ]]
	# nothing left to clear
	run -0 pstore sync
	assert_equal "$(json_field cleared)" 0
}

@test "deferred: the apply starts no writeback and waits for no disk; pea_sync=layer syncs the layer" {
	busybox_layer
	run -0 strace -f -qq -e trace=syncfs,sync_file_range,io_submit -o "$TEST_DIR/deferred.out" \
		"$PEA_STORAGE" --root "$STORE_ROOT" --runroot "$STORE_RUN" --storage-driver overlay \
		layer apply --refetchable "$BUSYBOX_LAYER"
	assert_equal "$(jq -r .result.unsynced <<<"${lines[-1]}")" "$(cat /proc/sys/kernel/random/boot_id)"
	run -1 grep -E 'syncfs|sync_file_range|io_submit' "$TEST_DIR/deferred.out"
	rm -rf "$STORE_ROOT" "$STORE_RUN"
	local how
	for how in env opt conf; do
		local args=() envs=()
		case $how in
		env) envs=(PEA_STORAGE_SYNC=layer) ;;
		opt) args=(--storage-opt pea_sync=layer) ;;
		conf)
			printf '[storage]\n[storage.options]\npea_sync = "layer"\n' >"$TEST_DIR/storage.conf"
			args=(--config "$TEST_DIR/storage.conf")
			;;
		esac
		run -0 env "${envs[@]}" strace -f -qq -e trace=syncfs -o "$TEST_DIR/$how.out" \
			"$PEA_STORAGE" --root "$STORE_ROOT" --runroot "$STORE_RUN" --storage-driver overlay \
			"${args[@]}" layer apply --refetchable "$BUSYBOX_LAYER"
		assert_equal "$(jq -r .result.unsynced <<<"${lines[-1]}")" null
		grep -q syncfs "$TEST_DIR/$how.out" || fail "$how: no syncfs: $(cat "$TEST_DIR/$how.out")"
		rm -rf "$STORE_ROOT" "$STORE_RUN"
	done
}

@test "deferred: a writer's open syncs and clears marks older than the writeback window, not newer ones" {
	dur_boot 11111111-2222-3333-4444-555555555555
	dur_files_layer
	# a reader never syncs; a writer within the window leaves the mark
	run -0 pstore layer ls
	run -0 pstore layer create --id "$(printf '%064d' 1)"
	run -0 pstore layer inspect "$DUR_LAYER"
	assert_equal "$(json_field unsynced)" 11111111-2222-3333-4444-555555555555
	# the note's time is the last mark's: older than vm.dirty_expire_centisecs and one
	# wake-up of the flusher (dirty_writeback_centisecs)
	touch -d "-$((($(cat /proc/sys/vm/dirty_expire_centisecs) + $(cat /proc/sys/vm/dirty_writeback_centisecs)) / 100 + 10)) seconds" "$STORE_ROOT/unsynced"
	# a sync that fails: the writer's command goes on with a warning, the mark stays;
	# pea-storage sync fails with one line
	run -0 strace -f -qq -o /dev/null -e trace=syncfs -e inject=syncfs:error=EIO \
		"$PEA_STORAGE" --root "$STORE_ROOT" --runroot "$STORE_RUN" --storage-driver overlay \
		layer create --id "$(printf '%064d' 3)"
	assert_line "pea-storage: warning: sync the store '$STORE_ROOT': Input/output error (pea-storage sync tries again), ignoring"
	run -1 strace -f -qq -o /dev/null -e trace=syncfs -e inject=syncfs:error=EIO \
		"$PEA_STORAGE" --root "$STORE_ROOT" --runroot "$STORE_RUN" --storage-driver overlay sync
	assert_line "pea-storage: warning: sync the store '$STORE_ROOT': Input/output error (pea-storage sync tries again), ignoring"
	assert_line "pea-storage: sync the store '$STORE_ROOT': Input/output error"
	run -0 pstore layer inspect "$DUR_LAYER"
	assert_equal "$(json_field unsynced)" 11111111-2222-3333-4444-555555555555
	run -0 strace -f -qq -e trace=syncfs -o "$TEST_DIR/strace.out" "$PEA_STORAGE" \
		--root "$STORE_ROOT" --runroot "$STORE_RUN" --storage-driver overlay \
		layer create --id "$(printf '%064d' 2)"
	grep -q syncfs "$TEST_DIR/strace.out"
	run -0 pstore layer inspect "$DUR_LAYER"
	assert_equal "$(json_field unsynced)" null
	[[ ! -e "$STORE_ROOT/unsynced" ]]
}

@test "deferred: after a reboot an intact unsynced layer has its mark cleared (and its lost link made again)" {
	dur_boot 11111111-2222-3333-4444-555555555555
	dur_files_layer
	local link
	link="$(json_field link)"
	rm "$STORE_ROOT/overlay/l/$link"
	dur_boot 99999999-2222-3333-4444-555555555555
	# a reader's open verifies first
	run -0 pstore layer inspect "$DUR_LAYER"
	assert_equal "$(json_field unsynced)" null
	assert_equal "$(json_field damaged)" null
	assert_equal "$(readlink "$STORE_ROOT/overlay/l/$link")" "../$DUR_LAYER/diff"
	[[ ! -e "$STORE_ROOT/unsynced" && ! -e "$STORE_ROOT/damaged" ]]
	# a whole image's layer (symlinks, hard links, modes, owners) and one with hard links,
	# long names, pax attributes and devices are found whole too
	busybox_layer
	run -0 pstore layer apply --refetchable "$BUSYBOX_LAYER"
	local bb="$(json_field id)"
	mkdir -p "$TEST_DIR/h/$(printf 'n%.0s' {1..120})"
	echo x >"$TEST_DIR/h/f"
	ln "$TEST_DIR/h/f" "$TEST_DIR/h/$(printf 'n%.0s' {1..120})/hard"
	setfattr -n user.pea -v value "$TEST_DIR/h/f"
	mknod "$TEST_DIR/h/null" c 1 3
	mkfifo "$TEST_DIR/h/fifo"
	chown 12:34 "$TEST_DIR/h/f"
	tar --xattrs --format=pax -C "$TEST_DIR/h" -cf "$TEST_DIR/h.tar" .
	run -0 pstore layer apply --refetchable "$TEST_DIR/h.tar"
	local hl="$(json_field id)"
	dur_boot 88888888-2222-3333-4444-555555555555
	run -0 pstore layer inspect "$bb"
	assert_equal "$(json_field unsynced)" null
	assert_equal "$(json_field damaged)" null
	run -0 pstore layer inspect "$hl"
	assert_equal "$(json_field damaged)" null
	# and a lost attribute, owner or hard link is not
	local diff="$STORE_ROOT/overlay/$hl/diff"
	setfattr -x user.pea "$diff/f"
	chown 0:0 "$diff/f"
	rm "$diff/$(printf 'n%.0s' {1..120})/hard"
	echo x >"$diff/$(printf 'n%.0s' {1..120})/hard"
	jq -c ".unsynced = \"88888888-2222-3333-4444-555555555555\"" "$STORE_ROOT/layers/$hl.json" >"$TEST_DIR/r"
	cp "$TEST_DIR/r" "$STORE_ROOT/layers/$hl.json"
	printf '88888888-2222-3333-4444-555555555555\n%s\n' "$hl" >"$STORE_ROOT/unsynced"
	dur_boot 77777777-2222-3333-4444-555555555555
	run -0 pstore layer inspect "$hl"
	assert_equal "$(json_field damaged)" "'f' is owned by 0:0, not 12:34"
}

@test "deferred: after a reboot a torn file in an unsynced layer is found; images using it fail clearly; applying it again repairs" {
	dur_boot 11111111-2222-3333-4444-555555555555
	# a synced layer is not looked at again
	busybox_layer
	run -0 pstore layer apply "$BUSYBOX_LAYER"
	local synced img
	synced="$(json_field id)"
	run -0 pstore sync
	dur_files_layer
	run -0 pstore image create --layers "$DUR_LAYER" --name torn
	img="$(json_field id)"
	truncate -s 1000 "$STORE_ROOT/overlay/$DUR_LAYER/diff/d/big"
	dur_boot 99999999-2222-3333-4444-555555555555
	# the open that verifies warns once; then the inspect's error: one line on stderr
	run -1 pstore image inspect torn
	assert_line "pea-storage: warning: layer '$DUR_LAYER' is damaged: 'd/big' is shorter than when it was applied (a crash came before its files were synced), marked damaged: pull its image again"
	run -1 pstore image inspect torn
	assert_equal "${#lines[@]}" 2 # the JSON reply and one line on stderr
	assert_line "pea-storage: image '$img': layer '$DUR_LAYER' is damaged: 'd/big' is shorter than when it was applied: pull its image again"
	assert_equal "$(grep "^{" <<<"$output" | jq -r .error.errno)" EUCLEAN
	run -0 pstore layer inspect "$DUR_LAYER"
	assert_equal "$(json_field damaged)" "'d/big' is shorter than when it was applied"
	assert_equal "$(json_field unsynced)" null
	run -0 pstore layer inspect "$synced"
	assert_equal "$(json_field damaged)" null
	run -1 pstore container create --image torn
	assert_output --partial "layer '$DUR_LAYER' is damaged"
	# check reports it, --repair keeps it (images use it; the next apply replaces it)
	run pstore check --repair
	run pstore check
	assert_equal "$(jq -r '.result.problems[0]' <<<"${lines[-1]}")" \
		"layer '$DUR_LAYER': damaged: 'd/big' is shorter than when it was applied: pull its image again"
	# the pull's apply of the same layer replaces it
	run -0 pstore layer apply --refetchable "$DUR_TAR"
	assert_equal "$(json_field existed)" false
	assert_equal "$(json_field damaged)" null
	cmp "$STORE_ROOT/overlay/$DUR_LAYER/diff/d/big" "$TEST_DIR/src/d/big"
	run -0 pstore image inspect torn
	[[ ! -e "$STORE_ROOT/damaged" ]]
	run -0 pstore container create --image torn --name c1
	run -0 pstore container rm c1
	assert_equal "$(find "$STORE_ROOT/staging" -mindepth 1 | wc -l)" 0
}

@test "deferred: a damaged layer removed with its image is listed no more" {
	dur_boot 11111111-2222-3333-4444-555555555555
	dur_files_layer
	run -0 pstore image create --layers "$DUR_LAYER" --name torn
	rm "$STORE_ROOT/overlay/$DUR_LAYER/diff/a"
	# marked before only a registry's layers were deferred: nothing to pull it from
	jq -c 'del(.refetchable)' "$STORE_ROOT/layers/$DUR_LAYER.json" >"$TEST_DIR/r"
	cp "$TEST_DIR/r" "$STORE_ROOT/layers/$DUR_LAYER.json"
	dur_boot 99999999-2222-3333-4444-555555555555
	run -0 pstore layer inspect "$DUR_LAYER"
	assert_equal "$(json_field damaged)" "open 'a': No such file or directory"
	assert_line --partial "(a crash came before its files were synced), marked damaged: remove its images and make them again, no registry has it"
	run -1 pstore image inspect torn
	assert_line --partial "is damaged: open 'a': No such file or directory: remove its images and make them again, no registry has it"
	[[ -e "$STORE_ROOT/damaged" ]]
	run -0 pstore image rm torn
	run pstore layer rm "$DUR_LAYER"
	run -1 pstore layer inspect "$DUR_LAYER"
	[[ ! -e "$STORE_ROOT/damaged" ]]
}

@test "deferred: a layer whose files are gone after a reboot is damaged; pea pull fetches the image again" {
	load helpers-image
	DUR_PEA_ROOTS+=("$TEST_DIR/pea")
	img_registry_start dur
	run -0 timeout -k 5 60 "$PEA_IMAGE" copy --dest-tls-verify=false "oci:$BUSYBOX_OCI" \
		"docker://$IMG_DUR_ADDR/busybox:latest"
	dur_boot 11111111-2222-3333-4444-555555555555
	local P=("$PEA" --root "$TEST_DIR/pea/root" --runroot "$TEST_DIR/pea/run" --storage-driver overlay)
	# local content (not from a registry) is synced at once: nothing else has it
	run -0 timeout -k 5 60 "${P[@]}" pull -q "oci:$BUSYBOX_OCI"
	local id rec layer
	id="${lines[-1]}"
	rec="$(find "$TEST_DIR/pea/root" -path '*/layers/*.json')"
	run -1 grep -q '"unsynced"' "$rec"
	run -0 timeout -k 5 60 "${P[@]}" rmi -f "$id"
	run -0 timeout -k 5 60 "${P[@]}" pull -q --tls-verify=false "docker://$IMG_DUR_ADDR/busybox:latest"
	id="${lines[-1]}"
	rec="$(find "$TEST_DIR/pea/root" -path '*/layers/*.json')"
	layer="$(basename "$rec" .json)"
	grep -q '"unsynced"' "$rec"
	rm -rf "${rec%/layers/*}/overlay/$layer/diff/bin"
	dur_boot 99999999-2222-3333-4444-555555555555
	run -125 timeout -k 5 60 "${P[@]}" run --network none --rm "$id" true
	assert_output --partial "is damaged"
	run -0 timeout -k 5 60 "${P[@]}" pull -q --tls-verify=false "docker://$IMG_DUR_ADDR/busybox:latest"
	run -0 timeout -k 5 60 "${P[@]}" image inspect "$id"
	[[ -x "${rec%/layers/*}/overlay/$layer/diff/bin/busybox" ]]
	run -0 timeout -k 5 60 "${P[@]}" run --network none --rm "$id" true
	# a commit's layer is local content: synced, not marked
	run -0 timeout -k 5 60 "${P[@]}" run --network none --name c1 "$id" touch /new
	run -0 timeout -k 5 60 "${P[@]}" commit -q c1 localhost/committed
	run -0 timeout -k 5 60 "${P[@]}" rm c1
	run -0 timeout -k 5 60 "${P[@]}" image inspect --format '{{index .RootFS.Layers 1}}' localhost/committed
	local diffid="${lines[-1]}" crec
	crec="$(grep -l "\"$diffid\"" "${rec%/*}"/*.json)"
	[[ -f "$crec" && "$crec" != "$rec" ]] || fail "no record of the commit's layer ($diffid)"
	run -1 grep -q '"unsynced"' "$crec"
	img_registry_stop dur
}

@test "deferred: an apply without --refetchable, or with no boot id to read, is synced now" {
	busybox_layer
	run -0 strace -f -qq -e trace=syncfs -o "$TEST_DIR/local.out" \
		"$PEA_STORAGE" --root "$STORE_ROOT" --runroot "$STORE_RUN" --storage-driver overlay \
		layer apply "$BUSYBOX_LAYER"
	assert_equal "$(jq -r .result.unsynced <<<"${lines[-1]}")" null
	grep -q syncfs "$TEST_DIR/local.out"
	rm -rf "$STORE_ROOT" "$STORE_RUN"
	export PEA_STORAGE_TEST_BOOT_ID_FILE=/nonexistent
	run -0 pstore layer apply --refetchable "$BUSYBOX_LAYER"
	assert_equal "$(json_field unsynced)" null
	[[ ! -e "$STORE_ROOT/unsynced" ]]
	run -0 pstore layer ls
}

# dur_meta_layer: a layer of a (4755), link -> a, emptydir, a whiteout of gone and an
# opaque folder o, applied unsynced in boot 1111...; DUR_LAYER its id
dur_meta_layer() {
	dur_boot 11111111-2222-3333-4444-555555555555
	mkdir -p "$TEST_DIR/meta/emptydir" "$TEST_DIR/meta/o"
	echo a >"$TEST_DIR/meta/a"
	chmod 4755 "$TEST_DIR/meta/a"
	ln -s a "$TEST_DIR/meta/link"
	: >"$TEST_DIR/meta/.wh.gone"
	: >"$TEST_DIR/meta/o/.wh..wh..opq"
	echo b >"$TEST_DIR/meta/o/b"
	tar -C "$TEST_DIR/meta" -cf "$TEST_DIR/meta.tar" .
	run -0 pstore layer apply --refetchable "$TEST_DIR/meta.tar"
	DUR_LAYER="$(json_field id)"
	DUR_DIFF="$STORE_ROOT/overlay/$DUR_LAYER/diff"
}

@test "deferred: after a reboot a lost symlink, empty folder, mode, whiteout or opaque mark is damage" {
	local what
	for what in intact symlink emptydir mode whiteout opaque; do
		rm -rf "$STORE_ROOT" "$STORE_RUN" "$TEST_DIR/meta"
		dur_meta_layer
		case $what in
		symlink) rm "$DUR_DIFF/link" ;;
		emptydir) rmdir "$DUR_DIFF/emptydir" ;;
		mode) chmod 644 "$DUR_DIFF/a" ;;
		whiteout) rm "$DUR_DIFF/gone" ;;
		opaque) setfattr -x trusted.overlay.opaque "$DUR_DIFF/o" ;;
		esac
		dur_boot 99999999-2222-3333-4444-555555555555
		run -0 pstore layer inspect "$DUR_LAYER"
		assert_equal "$(json_field unsynced)" null
		case $what in
		intact) assert_equal "$(json_field damaged)" null ;;
		symlink) assert_equal "$(json_field damaged)" "'link' is gone (No such file or directory)" ;;
		emptydir) assert_equal "$(json_field damaged)" "'emptydir' is gone (No such file or directory)" ;;
		mode) assert_equal "$(json_field damaged)" "'a' has mode 0644, not 4755" ;;
		whiteout) assert_equal "$(json_field damaged)" "'gone' is gone (No such file or directory)" ;;
		opaque) assert_equal "$(json_field damaged)" "'o' is no longer opaque" ;;
		esac
	done
}

@test "deferred: bad marks and bad pea_sync values are one-line errors" {
	dur_files_layer
	local rec="$STORE_ROOT/layers/$DUR_LAYER.json"
	jq -c '.unsynced = "not-a-boot-id"' "$rec" >"$TEST_DIR/r" && cp "$TEST_DIR/r" "$rec"
	run -1 pstore layer inspect "$DUR_LAYER"
	assert_line "pea-storage: layer '$DUR_LAYER': 'unsynced' is not a boot id: 'not-a-boot-id'"
	jq -c 'del(.unsynced) | .damaged = ""' "$rec" >"$TEST_DIR/r" && cp "$TEST_DIR/r" "$rec"
	run -1 pstore layer inspect "$DUR_LAYER"
	assert_line "pea-storage: layer '$DUR_LAYER': 'damaged' is empty"
	jq -c 'del(.damaged) | .unsynced = 5' "$rec" >"$TEST_DIR/r" && cp "$TEST_DIR/r" "$rec"
	run -1 pstore layer inspect "$DUR_LAYER"
	assert_line --partial "pea-storage: layer '$DUR_LAYER': 'unsynced' is not a string"
	run -1 env PEA_STORAGE_SYNC=never "$PEA_STORAGE" --root "$STORE_ROOT" --runroot "$STORE_RUN" layer ls
	assert_line "pea-storage: PEA_STORAGE_SYNC: expected deferred or layer, not 'never'"
	run -1 pstore --storage-opt pea_sync=never layer ls
	assert_output --partial "storage option 'pea_sync': expected deferred or layer"
	printf '[storage.options]\npea_sync = "never"\n' >"$TEST_DIR/storage.conf"
	run -1 "$PEA_STORAGE" --config "$TEST_DIR/storage.conf" --root "$STORE_ROOT" --runroot "$STORE_RUN" layer ls
	assert_line "pea-storage: $TEST_DIR/storage.conf: 'storage.options.pea_sync': expected 'deferred' or 'layer', not 'never'"
}
