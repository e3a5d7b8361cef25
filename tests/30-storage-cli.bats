#!/usr/bin/env bats
# pea-storage: command line, storage.conf, replies and errors.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-storage
load helpers/storage-file

setup_file() {
	ensure_fixtures
}

teardown() {
	[[ -z "${NOBODY_DIR:-}" ]] || rm -rf "$NOBODY_DIR"
	storage_file_teardown
}

# as_nobody CMD...: CMD as uid 65534 with its own XDG folders under NOBODY_DIR (a store
# of its default roots: as root they are the machine's /var/lib/pea/storage)
as_nobody() {
	setpriv --reuid 65534 --regid 65534 --clear-groups env -i PATH="$PATH" \
		XDG_DATA_HOME="$NOBODY_DIR/data" XDG_RUNTIME_DIR="$NOBODY_DIR/run" \
		CONTAINERS_STORAGE_CONF="$NOBODY_DIR/storage.conf" PEA_STORAGE="$PEA_STORAGE" "$@"
}

# conf_error LINE MESSAGE: storage.conf from stdin is refused naming the line.
conf_error() {
	cat >"$TEST_DIR/storage.conf"
	run -1 "$PEA_STORAGE" --config "$TEST_DIR/storage.conf" status
	assert_output --partial "$TEST_DIR/storage.conf:$1: $2"
	assert_equal "$(jq -r .error.errno <<<"${lines[-1]}")" EINVAL
	[[ ! -e "$TEST_DIR/never" ]]
}

# conf_value_error MESSAGE: a known key of the wrong type or value, named by its dotted
# path (it is checked on the parsed document, which keeps no lines).
conf_value_error() {
	cat >"$TEST_DIR/storage.conf"
	run -1 "$PEA_STORAGE" --config "$TEST_DIR/storage.conf" status
	assert_output --partial "$TEST_DIR/storage.conf: $1"
	assert_equal "$(jq -r .error.errno <<<"${lines[-1]}")" EINVAL
	[[ ! -e "$TEST_DIR/never" ]]
}

@test "cli: --help, --version and the help of each group" {
	run -0 "$PEA_STORAGE" --help
	assert_output --partial "Usage: pea-storage"
	run -0 "$PEA_STORAGE" --version
	assert_output --regexp '^pea-storage version [0-9]'
	run -0 "$PEA_STORAGE" layer --help
	assert_output --partial "apply [--parent ID]"
	run -0 "$PEA_STORAGE" image create --help
	assert_output --partial "--layers"
	run -0 "$PEA_STORAGE" container --help
	assert_output --partial "mount CONTAINER"
}

@test "cli: unknown commands and options are usage errors (exit 2, one JSON error)" {
	run -2 pstore frobnicate
	assert_line --index 0 "pea-storage: unknown command 'frobnicate' (try 'pea-storage --help')"
	assert_equal "$(jq -r .error.errno <<<"${lines[-1]}")" EINVAL
	run -2 "$PEA_STORAGE" --frobnicate status
	assert_output --partial "unknown option '--frobnicate'"
	run -2 pstore layer frobnicate
	assert_output --partial "layer: unknown command 'frobnicate'"
	run -2 pstore layer apply --bogus
	assert_output --partial "layer apply: unknown option '--bogus'"
	run -2 pstore layer apply --parent
	assert_output --partial "layer apply: option '--parent' needs a value"
	run -2 pstore layer inspect
	assert_output --partial "layer inspect: missing a layer id"
	run -2 pstore layer rm a b
	assert_output --partial "layer rm: too many arguments"
	run -2 pstore layer apply --digest md5:x
	assert_output --partial "layer apply: invalid digest 'md5:x' (sha256:<64 hex>)"
	run -2 pstore layer create --digest "sha256:$(printf '%064d' 0)"
	assert_output --partial "layer create: unknown option '--digest'"
	run -2 pstore image create
	assert_output --partial "image create: --layers is required"
	run -2 pstore container create --name 'bad name'
	assert_output --partial "container create: invalid name 'bad name'"
	run -2 pstore container create --uidmap 0:1
	assert_output --partial "container create: id map '0:1': expected CONTAINER:HOST:SIZE[,...]"
	run -2 pstore container create --uidmap 0:4294967295:2
	assert_output --partial "expected CONTAINER:HOST:SIZE"
	run -2 pstore container create --gidmap 0:1:1
	assert_output --partial "container create: --gidmap needs --uidmap"
	run -2 pstore container create --metadata "$(printf 'a\tb')"
	assert_output --partial "container create: --metadata: at most 4096 printable ASCII characters"
	run -2 pstore container create --metadata "$(printf '%04097d' 0)"
	assert_output --partial "container create: --metadata: at most 4096 printable ASCII characters"
	run -2 pstore
	assert_output --partial "missing command"
	run -2 "$PEA_STORAGE" --log-level loud status
	assert_output --partial "unknown log level 'loud'"
}

@test "cli: missing things are ENOENT errors" {
	run -1 pstore layer inspect nothere
	assert_output --partial "layer 'nothere' not found"
	assert_equal "$(jq -r .error.errno <<<"${lines[-1]}")" ENOENT
	run -1 pstore image rm nothere
	assert_output --partial "image rm: image 'nothere' not found"
	run -1 pstore container mount nothere
	assert_output --partial "container mount: container 'nothere' not found"
	run -1 pstore layer apply --parent nothere /dev/null
	assert_output --partial "layer 'nothere' not found"
	run -1 pstore layer apply "$TEST_DIR/none.tar"
	assert_output --partial "layer apply: open '$TEST_DIR/none.tar': No such file or directory"
}

@test "cli: status reports the driver, the paths and the counts" {
	run -0 pstore status
	assert_equal "$(json_field driver)" overlay
	assert_equal "$(json_field graph_root)" "$STORE_ROOT"
	assert_equal "$(json_field run_root)" "$STORE_RUN"
	assert_equal "$(json_field layers)" 0
	assert_equal "$(json_field rootless)" false
}

@test "cli: a store keeps its driver" {
	run -0 pstore status
	run -1 "$PEA_STORAGE" --root "$STORE_ROOT" --runroot "$STORE_RUN" --storage-driver vfs status
	assert_output --partial "store '$STORE_ROOT' uses the driver 'overlay', not 'vfs'"
	run -0 "$PEA_STORAGE" --root "$STORE_ROOT" --runroot "$STORE_RUN" status
	assert_equal "$(json_field driver)" overlay
	run -1 "$PEA_STORAGE" --root "$TEST_DIR/other" --storage-driver btrfs status
	assert_output --partial "storage driver 'btrfs' is not supported (overlay, vfs)"
}

@test "cli: storage.conf chooses the driver, the roots and the mount program" {
	cat >"$TEST_DIR/storage.conf" <<-EOF
		# a comment
		[storage]
		driver = "vfs"   # trailing comment
		graphroot = "$TEST_DIR/conf-root"
		runroot = '$TEST_DIR/conf-run'
		driver_priority = ["overlay", "btrfs",
		  # inside an array
		  "vfs",]
		unknown_key = 42

		[storage.options]
		additionalimagestores = [
		]
		pull_options = {enable_partial_images = "true", use_hard_links = "false"}
	EOF
	cat >>"$TEST_DIR/storage.conf" <<-EOF
		[storage.options.overlay]
		mount_program = "/usr/bin/fuse-overlayfs"
		mountopt = "nodev"
		ignore_chown_errors = "true"
	EOF
	run -0 "$PEA_STORAGE" --config "$TEST_DIR/storage.conf" status
	assert_equal "$(json_field driver)" vfs
	assert_equal "$(json_field graph_root)" "$TEST_DIR/conf-root"
	assert_equal "$(json_field run_root)" "$TEST_DIR/conf-run"
	assert_equal "$(json_field mount_program)" /usr/bin/fuse-overlayfs
	assert_equal "$(json_field mountopt)" nodev
	# the command line wins over the file
	run -0 "$PEA_STORAGE" --config "$TEST_DIR/storage.conf" --root "$TEST_DIR/cli-root" \
		--storage-opt overlay.mountopt=ro status
	assert_equal "$(json_field graph_root)" "$TEST_DIR/cli-root"
	assert_equal "$(json_field mountopt)" ro
	# CONTAINERS_STORAGE_CONF is read when there is no --config: all but the roots (below)
	CONTAINERS_STORAGE_CONF="$TEST_DIR/storage.conf" run -0 "$PEA_STORAGE" \
		--root "$TEST_DIR/env-root" --runroot "$TEST_DIR/env-run" status
	assert_equal "$(json_field driver)" vfs
	assert_equal "$(json_field mount_program)" /usr/bin/fuse-overlayfs
}

@test "cli: a bad storage.conf is an error naming the line or the key" {
	printf '[storage]\n\ndriver = "btrfs"\n' |
		conf_value_error "'storage.driver': storage driver 'btrfs' is not supported (overlay, vfs)"
	printf '[storage]\ngraphroot = "/x\n' | conf_error 2 "newline in a single-line string"
	printf '[storage]\ngraphroot "/x"\n' | conf_error 2 "expected '=' after the key 'graphroot'"
	printf '[storage]\ndriver = "vfs"\ndriver = "overlay"\n' | conf_error 3 "duplicate key 'driver'"
	printf '[storage]\n[storage]\n' | conf_error 2 "table 'storage' is defined twice"
	printf '[storage]\ngraphroot = 12\n' | conf_value_error "'storage.graphroot' is not a string"
	printf '[storage]\ntransient_store = "maybe"\n' |
		conf_value_error "'storage.transient_store' is not a boolean (true or false)"
	printf '[storage]\ngraphroot = "a" "b"\n' | conf_error 2 "expected the end of the line, found '\"'"
	printf '[storage\n' | conf_error 1 "expected ']' to close a table header"
	printf '[[storage]]\n' | conf_value_error "'storage' is not a table"
	printf '[storage]\nx = [1, 2\n' | conf_error 3 "unterminated array"
	printf '[storage]\nx = \n' | conf_error 2 "missing value"
	printf '[storage]\nx = "\\q"\n' | conf_error 2 "invalid escape '\\q' in a string"
	printf '[storage]\nx = nope\n' | conf_error 2 "invalid value 'nope'"
	printf '[storage]\nx = 1.5\n' | conf_error 2 "floats and dates are not supported here"
	run -1 "$PEA_STORAGE" --config "$TEST_DIR/nothere.conf" status
	assert_output --partial "storage configuration: "
	assert_output --partial "nothere.conf"
}

@test "cli: --storage-opt is checked" {
	run -1 pstore --storage-opt nope status
	assert_output --partial "storage option 'nope': expected KEY=VALUE"
	run -1 pstore --storage-opt overlay.size=10G status
	assert_output --partial "unknown storage option 'overlay.size'"
	run -1 pstore --storage-opt overlay.ignore_chown_errors=maybe status
	assert_output --partial "expected true or false"
}

@test "cli: images: names move, chains are checked, tags" {
	st_whiteout_layers
	run -1 pstore image create --layers "$L1,$L1"
	assert_output --partial "layer '$L1' has the parent '(none)', not '$L1'"
	run -1 pstore image create --layers "$L2"
	assert_output --partial "layer '$L2' has the parent '$L1', not '(none)'"
	run -0 pstore image create --layers "$L1" --name one --name shared
	local one
	one="$(json_field id)"
	run -0 pstore image tag wh shared
	assert_equal "$(jq -c .result.names <<<"${lines[-1]}")" '["wh","shared"]'
	run -0 pstore image inspect "$one"
	assert_equal "$(jq -c .result.names <<<"${lines[-1]}")" '["one"]'
	run -0 pstore image inspect shared
	assert_equal "$(json_field top_layer)" "$L2"
	run -0 pstore image untag wh shared
	run -1 pstore image untag wh shared
	assert_output --partial "has no name 'shared'"
	run -1 pstore image inspect shared
	run -2 pstore image tag wh 'no spaces'
	run -0 pstore image ls
	assert_equal "$(jq '.result | length' <<<"$output")" 2
	# the config digest is the id; the same config again adds names
	printf '{"a":1}' >"$TEST_DIR/config.json"
	run -0 pstore image create --layers "$L1" --config "$TEST_DIR/config.json" --name c1
	assert_equal "$(json_field id)" "$(sha256sum "$TEST_DIR/config.json" | cut -d' ' -f1)"
	run -0 pstore image create --layers "$L1" --config "$TEST_DIR/config.json" --name c2
	assert_equal "$(json_field existed)" true
	assert_equal "$(jq -c .result.names <<<"${lines[-1]}")" '["c1","c2"]'
	assert_equal "$(cat "$(json_field config_path)")" '{"a":1}'
}

@test "cli: containers: unique names, prefixes, no image" {
	run -0 pstore container create --name scratch
	local id
	id="$(json_field id)"
	assert_equal "$(json_field image)" null
	run -1 pstore container create --name scratch
	assert_output --partial "the name 'scratch' is used by container '$id'"
	run -0 pstore container inspect "${id:0:8}"
	assert_equal "$(json_field id)" "$id"
	run -0 pstore container mount scratch
	[[ -d "$(json_field mountpoint)" ]]
	run -0 pstore container unmount scratch
	run -0 pstore container rm "$id"
	run -1 pstore container rm "$id"
}

@test "cli: tar streams never go to or come from a terminal; diff errors on stderr only" {
	run -1 pstore layer diff nothere
	assert_output --partial "layer 'nothere' not found"
	refute_output --partial '{"error"'
	require_cmd script
	run script -qec "$PEA_STORAGE --root $STORE_ROOT --runroot $STORE_RUN layer apply" /dev/null
	assert_output --partial "layer apply: refusing to read a tar stream from a terminal"
	run -0 pstore container create --name c
	run script -qec "$PEA_STORAGE --root $STORE_ROOT --runroot $STORE_RUN container diff c" /dev/null
	assert_output --partial "container diff: refusing to write a tar stream to a terminal"
}

@test "cli: check --repair removes records whose files are gone" {
	st_whiteout_layers
	run -0 pstore container create --image wh --name c
	rm -rf "$STORE_ROOT/overlay/$L2"
	run -0 pstore check
	assert_equal "$(json_field ok)" false
	assert_output --partial "layer '$L2': its files are missing"
	run -0 pstore check --repair
	assert_equal "$(json_field ok)" true
	assert_output --partial "layers/$L2"
	assert_output --partial "images/"
	run -0 pstore check
	assert_equal "$(json_field ok)" true
	run -0 pstore container ls
	assert_equal "$(jq '.result | length' <<<"$output")" 0
}

@test "cli: JSON logs with --log-format json" {
	run -1 pstore --log-format json layer inspect nothere
	assert_equal "$(jq -r .level <<<"${lines[0]}")" error
	assert_equal "$(jq -r .msg <<<"${lines[0]}")" "layer 'nothere' not found"
}

@test "cli: check --repair removes a container layer left without its container" {
	run -0 pstore container create --name c
	local id
	id="$(json_field id)"
	rm "$STORE_ROOT/containers/$id.json"
	run -0 pstore check
	assert_equal "$(json_field ok)" false
	assert_output --partial "layer '$id': a container layer without its container"
	run -0 pstore check --repair
	assert_equal "$(jq -c .result.removed <<<"${lines[-1]}")" "[\"layers/$id\"]"
	[[ ! -e "$STORE_ROOT/overlay/$id" ]]
	run -0 pstore check
	assert_equal "$(json_field ok)" true
}

@test "cli: container create --mount makes and mounts in one call; a failed mount leaves nothing" {
	local mp
	st_busybox_image bb
	run -0 pstore container create --image bb --name c --mount
	mp="$(json_field mountpoint)"
	assert_equal "$(json_field mount_count)" 1
	assert_equal "$(json_field names[0])" c
	[[ -x "$mp/bin/busybox" ]]
	grep -q " $mp overlay " /proc/self/mounts
	# counted as a mount of its own: `container mount` adds one
	run -0 pstore container mount c
	assert_equal "$(json_field mount_count)" 2
	run -0 pstore container rm --force c
	! grep -q " $mp " /proc/self/mounts
	# the image's layer gone from under it: the mount fails, the container goes
	mv "$STORE_ROOT/overlay/$BUSYBOX_LAYER_ID/diff" "$TEST_DIR/diff"
	run -1 pstore container create --image bb --name d --mount
	mv "$TEST_DIR/diff" "$STORE_ROOT/overlay/$BUSYBOX_LAYER_ID/diff"
	assert_line --index 0 --regexp "^pea-storage: container create: mount '[0-9a-f]{64}': mount overlay on .*: No such file or directory$"
	assert_equal "$(jq -r .error.errno <<<"${lines[-1]}")" ENOENT
	run -0 pstore container ls
	assert_equal "$(jq '.result | length' <<<"$output")" 0
	run -0 pstore layer ls
	assert_equal "$(jq '.result | length' <<<"$output")" 1
}

@test "cli: container create --mount --volatile mounts without syncs; the layer mounts again after" {
	local mp
	st_busybox_image bb
	run -2 pstore container create --image bb --volatile
	assert_output --partial "container create: --volatile needs --mount"
	run -0 pstore container ls
	assert_equal "$(jq '.result | length' <<<"$output")" 0
	run -0 pstore container create --image bb --name v --mount --volatile
	mp="$(json_field mountpoint)"
	run -0 grep " $mp overlay " /proc/self/mounts
	assert_output --regexp ",(fsync=)?volatile( |,)"
	echo data >"$mp/file"
	run -0 pstore container unmount v
	# the kernel refuses a layer mounted volatile before, unless its mark goes
	run -0 pstore container mount v
	assert_equal "$(json_field mount_count)" 1
	run -0 grep " $mp overlay " /proc/self/mounts
	refute_output --partial "volatile"
	assert_equal "$(cat "$mp/file")" data
	run -0 pstore container rm --force v
}

@test "cli: a reader (ls, inspect) of a store leaves crash leftovers to the next writer; a new store is made all the same" {
	# a shared open of a store not made yet makes it (store.json under the exclusive lock)
	run -0 pstore image ls
	[[ -f "$STORE_ROOT/store.json" ]]
	local orphan="$STORE_ROOT/$STORAGE_DRIVER/$(printf 'f%.0s' {1..64})"
	mkdir -p "$orphan/diff"
	run -0 pstore image ls
	run -0 pstore container ls
	run -0 pstore layer ls
	run -0 pstore status
	[[ -d "$orphan" ]]
	# no scan of the store's layers at a read: no stat of each layer's record
	run -0 strace -f -qq -e trace=newfstatat,statx -o "$TEST_DIR/ls.trace" "$PEA_STORAGE" \
		--root "$STORE_ROOT" --runroot "$STORE_RUN" --storage-driver "$STORAGE_DRIVER" image ls
	run -1 grep -c 'layers/ffff' "$TEST_DIR/ls.trace"
	# a writer's open removes it
	run -0 pstore check
	assert_equal "$(jq -r '.result.removed[0]' <<<"$output")" "$STORAGE_DRIVER/$(printf 'f%.0s' {1..64})"
	[[ ! -e "$orphan" ]]
}

@test "cli: a writer skips the repair after a clean writer in this boot; after a killed one it repairs" {
	st_busybox_image localhost/busybox:latest
	run -0 pstore container create --image localhost/busybox:latest --name c1
	grep -q ' clean$' <(tr -d '\0' <"$STORE_RUN/repair-state")
	# a leftover no writer made: the next writer does not scan for it
	local orphan="$STORE_ROOT/$STORAGE_DRIVER/$(printf 'e%.0s' {1..64})"
	mkdir -p "$orphan/diff"
	run -0 strace -f -qq -e trace=newfstatat,statx -o "$TEST_DIR/create.trace" "$PEA_STORAGE" \
		--root "$STORE_ROOT" --runroot "$STORE_RUN" --storage-driver "$STORAGE_DRIVER" \
		container create --image localhost/busybox:latest --name c2
	run -1 grep -c 'layers/eeee' "$TEST_DIR/create.trace"
	[[ -d "$orphan" ]]
	# a writer killed midway leaves the store dirty: the next writer's open repairs
	PEA_STORAGE_TEST_CRASH=container-before-record run pstore container create \
		--image localhost/busybox:latest --name c3
	assert_equal "$status" 137
	grep -q ' dirty$' <(tr -d '\0' <"$STORE_RUN/repair-state")
	run -0 pstore container rm c1
	[[ ! -e "$orphan" ]]
	grep -q ' clean$' <(tr -d '\0' <"$STORE_RUN/repair-state")
	# check always looks
	mkdir -p "$orphan/diff"
	run -0 pstore check
	assert_equal "$(jq -r '.result.removed[0]' <<<"$output")" "$STORAGE_DRIVER/$(printf 'e%.0s' {1..64})"
	# another boot (the state names the boot it holds for) repairs
	mkdir -p "$orphan/diff"
	run -0 pstore container rm c2
	printf 'x' | dd of="$STORE_RUN/repair-state" bs=1 seek=0 conv=notrunc status=none
	run -0 pstore container create --image localhost/busybox:latest --name c4
	[[ ! -e "$orphan" ]]
}

@test "cli: a writer does not mark the store clean while an apply is in flight (its staging folder held)" {
	st_busybox_image localhost/busybox:latest
	local lfd
	mkdir "$STORE_ROOT/staging/inflight"
	# the apply's lock, held by this shell
	exec {lfd}>"$STORE_ROOT/staging/inflight.lock"
	flock -x "$lfd"
	run -0 pstore container create --image localhost/busybox:latest --name c1
	grep -q ' dirty$' <(tr -d '\0' <"$STORE_RUN/repair-state")
	[[ -d "$STORE_ROOT/staging/inflight" ]]
	exec {lfd}>&-
	# its writer gone: the next writer removes it, then the store is clean
	run -0 pstore container rm c1
	[[ ! -e "$STORE_ROOT/staging/inflight" ]]
	grep -q ' clean$' <(tr -d '\0' <"$STORE_RUN/repair-state")
}

@test "cli: \$CONTAINERS_STORAGE_CONF gives the driver and options, never the roots; --config's roots are taken" {
	require_cmd setpriv
	NOBODY_DIR=$(mktemp -d /tmp/pea-test-nobody.XXXXXX)
	chmod 755 "$NOBODY_DIR"
	mkdir "$NOBODY_DIR/data" "$NOBODY_DIR/run"
	chown 65534:65534 "$NOBODY_DIR/data" "$NOBODY_DIR/run"
	# podman's: containers/storage's store (pea ps --external reads it as another engine's)
	cat >"$NOBODY_DIR/storage.conf" <<-EOF
		[storage]
		driver = "vfs"
		graphroot = "$NOBODY_DIR/podman-root"
		runroot = "$NOBODY_DIR/podman-run"
		[storage.options.vfs]
		ignore_chown_errors = "true"
	EOF
	chmod 644 "$NOBODY_DIR/storage.conf"
	cp -r "$BUSYBOX_OCI" "$NOBODY_DIR/oci"
	chmod -R a+rX "$NOBODY_DIR/oci"
	run -0 as_nobody "$PEA_STORAGE" status
	assert_equal "$(json_field driver)" vfs
	assert_equal "$(json_field graph_root)" "$NOBODY_DIR/data/pea/storage"
	assert_equal "$(json_field run_root)" "$NOBODY_DIR/run/pea/storage"
	# pea-image's containers-storage: and store: without roots: the same store, pea's
	run -0 as_nobody "$PEA_IMAGE" copy --quiet "oci:$NOBODY_DIR/oci" containers-storage:localhost/bb
	run -0 as_nobody "$PEA_STORAGE" image inspect localhost/bb:latest
	[[ -d "$NOBODY_DIR/data/pea/storage/vfs" && ! -e "$NOBODY_DIR/podman-root" ]]
	# named by --config, the file is pea-storage's own: its roots are taken
	run -0 "$PEA_STORAGE" --config "$NOBODY_DIR/storage.conf" status
	assert_equal "$(json_field graph_root)" "$NOBODY_DIR/podman-root"
}
