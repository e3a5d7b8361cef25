#!/usr/bin/env bats
# pea-image's sif: transport: a Singularity Image Format file as a source (its
# squashfs root filesystem becomes one layer, its metadata the config); never a
# destination; each bad SIF file refused with its one line. The SIF files are
# written by tests/helpers/mksif.py around a squashfs of the busybox rootfs.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-image

setup_file() {
	ensure_fixtures
	require_cmd tar2sqfs
	SIF_SQUASHFS="$BATS_FILE_TMPDIR/rootfs.sqfs"
	tar -C "$BUSYBOX_ROOTFS" "${PEA_IMAGE_TAR_OPTS[@]}" -cf - . |
		tar2sqfs -q -f "$SIF_SQUASHFS" >/dev/null
	export SIF_SQUASHFS
}

setup() {
	require_cmd "$PEA_IMAGE"
	require_cmd sqfs2tar
	I=("$PEA_IMAGE" --insecure-policy)
	SIF="$TEST_DIR/busybox.sif"
	mksif "$SIF" --squashfs "$SIF_SQUASHFS"
}

mksif() {
	python3 "$BATS_TEST_DIRNAME/helpers/mksif.py" "$@"
}

# config_of DIR: the config of the image in a dir: layout.
config_of() {
	local d
	d="$(jq -r .config.digest "$1/manifest.json")"
	cat "$1/${d#sha256:}"
}

@test "sif: to dir: one uncompressed layer of the squashfs, a config from the SIF" {
	run -0 "${I[@]}" copy -q "sif:$SIF" "dir:$TEST_DIR/d"
	assert_output ""
	run -0 jq -r '[(.layers | length | tostring), .layers[0].mediaType] | join(" ")' "$TEST_DIR/d/manifest.json"
	assert_output "1 application/vnd.oci.image.layer.v1.tar"
	layer="$(jq -r '.layers[0].digest' "$TEST_DIR/d/manifest.json")"
	config="$(config_of "$TEST_DIR/d")"
	assert_equal "$(jq -r '[.architecture, .os, .created] | join(" ")' <<<"$config")" \
		"amd64 linux 2021-08-02T19:09:36Z"
	assert_equal "$(jq -r '.rootfs.diff_ids[0]' <<<"$config")" "$layer"
	assert_equal "$(jq -c .config.Cmd <<<"$config")" '["/bin/sh"]'
	assert_equal "$(jq -r '.history[0].comment' <<<"$config")" \
		"imported from SIF, uuid: 4f307b4c-58a8-4753-9c0f-21dceefed4a6"
	assert_equal "$(jq -r '.history[1] | [.created_by, .empty_layer] | join(" ")' <<<"$config")" \
		'/bin/sh -c #(nop) CMD ["/bin/sh"] true'
	# the squashfs's tree, owners and modes as they were, the root folder as "./"
	run -0 tar -tvf "$TEST_DIR/d/${layer#sha256:}"
	assert_line --regexp '^drwxr-xr-x 0/0 +0 .* \./$'
	assert_line --regexp '^-rwxr-xr-x 0/0 .* \./bin/busybox$'
	mkdir "$TEST_DIR/x"
	tar -C "$TEST_DIR/x" -xf "$TEST_DIR/d/${layer#sha256:}"
	assert_equal "$(img_tree_digest "$TEST_DIR/x")" "$(img_tree_digest "$BUSYBOX_ROOTFS")"
	# inspect reads the same conversion
	run -0 "${I[@]}" inspect --format '{{.Architecture}} {{.Os}}' "sif:$SIF"
	assert_output "amd64 linux"
}

@test "the same SIF gives the same image twice (times from the SIF, not the clock)" {
	run -0 "${I[@]}" copy -q "sif:$SIF" "dir:$TEST_DIR/a"
	run -0 "${I[@]}" copy -q "sif:$SIF" "dir:$TEST_DIR/b"
	cmp "$TEST_DIR/a/manifest.json" "$TEST_DIR/b/manifest.json"
}

@test "sif: to oci: the layer gzipped, the diff ID that of the tar" {
	run -0 "${I[@]}" copy -q "sif:$SIF" "dir:$TEST_DIR/d"
	run -0 "${I[@]}" copy -q "sif:$SIF" "oci:$TEST_DIR/o:sif"
	m="$(jq -r '.manifests[0].digest' "$TEST_DIR/o/index.json")"
	mf="$(img_blob_path "$TEST_DIR/o" "$m")"
	assert_equal "$(jq -r '.layers[0].mediaType' "$mf")" "application/vnd.oci.image.layer.v1.tar+gzip"
	cfg="$(img_blob_path "$TEST_DIR/o" "$(jq -r .config.digest "$mf")")"
	assert_equal "$(jq -r '.rootfs.diff_ids[0]' "$cfg")" \
		"$(jq -r '.layers[0].digest' "$TEST_DIR/d/manifest.json")"
	assert_equal "$(jq -r '.manifests[0].annotations["org.opencontainers.image.ref.name"]' "$TEST_DIR/o/index.json")" sif
}

@test "sif: to docker-archive: and back" {
	run -0 "${I[@]}" copy -q "sif:$SIF" "docker-archive:$TEST_DIR/a.tar:localhost/sif:1"
	run -0 tar -xOf "$TEST_DIR/a.tar" manifest.json
	assert_equal "$(jq -r '.[0].RepoTags[0]' <<<"$output")" "localhost/sif:1"
	assert_equal "$(jq -r '.[0].Layers | length' <<<"$output")" 1
	run -0 "${I[@]}" copy -q "docker-archive:$TEST_DIR/a.tar" "dir:$TEST_DIR/back"
	assert_equal "$(config_of "$TEST_DIR/back" | jq -r .architecture)" amd64
}

@test "sif: to store: the layer applied, the tree that of the squashfs" {
	require_cmd "$PEA_STORAGE"
	export PEA_STORAGE
	ST=("$PEA_STORAGE" --root "$TEST_DIR/root" --runroot "$TEST_DIR/run" --storage-driver vfs)
	run -0 "${I[@]}" copy -q --iidfile "$TEST_DIR/iid" "sif:$SIF" \
		"store:[vfs@$TEST_DIR/root+$TEST_DIR/run]localhost/sif:1"
	run -0 "${ST[@]}" image inspect localhost/sif:1
	assert_equal "sha256:$(jq -r .result.id <<<"$output")" "$(cat "$TEST_DIR/iid")"
	run -0 "${ST[@]}" layer inspect "$(jq -r '.result.layers[0]' <<<"$output")"
	assert_equal "$(img_tree_digest "$(jq -r .result.path <<<"$output")")" \
		"$(img_tree_digest "$BUSYBOX_ROOTFS")"
}

@test "a definition file over 1 MiB: one line naming it, a control byte of its name shown as '?'" {
	head -c 1048577 /dev/zero | tr '\0' '#' >"$TEST_DIR/def"
	mksif "$SIF" --squashfs "$SIF_SQUASHFS" --deffile "$TEST_DIR/def" --deffile-name $'def\nfile'
	run -1 "${I[@]}" copy -q "sif:$SIF" "dir:$TEST_DIR/d"
	assert_output "pea-image: sif:$SIF: the SIF's definition file: object 'def?file' (id 1) is larger than 1048576 bytes"
	assert_equal "${#lines[@]}" 1
	[[ ! -e "$TEST_DIR/d" ]]
}

@test "oci-config.json (what singularity build keeps of a docker image) gives Env, Cmd, ..." {
	printf '%s' '{"Env":["PATH=/bin:/usr/bin","A=1"],"Cmd":["sh","-c","echo hi"],"WorkingDir":"/tmp","Labels":{"x":"y"},"Unknown":1}' >"$TEST_DIR/oci.json"
	mksif "$SIF" --squashfs "$SIF_SQUASHFS" --oci-config "$TEST_DIR/oci.json"
	run -0 "${I[@]}" copy -q "sif:$SIF" "dir:$TEST_DIR/d"
	assert_equal "$(config_of "$TEST_DIR/d" | jq -c .config)" \
		'{"Env":["PATH=/bin:/usr/bin","A=1"],"Cmd":["sh","-c","echo hi"],"WorkingDir":"/tmp","Labels":{"x":"y"}}'
	printf '%s' '{"Cmd":"sh"}' >"$TEST_DIR/bad.json"
	mksif "$SIF" --squashfs "$SIF_SQUASHFS" --oci-config "$TEST_DIR/bad.json"
	run -1 "${I[@]}" copy -q "sif:$SIF" "dir:$TEST_DIR/e"
	assert_output "pea-image: sif:$SIF: the SIF's oci-config.json: 'Cmd' is not an array of strings"
}

@test "a definition file's %environment and %runscript become /podman/runscript, the Cmd" {
	printf '%s\n' 'Bootstrap: docker' 'From: busybox' '%environment' '  # a comment' \
		'  export GREETING=hi' '' '%runscript' '  echo "$GREETING" "$@"' '%labels' '  a b' \
		>"$TEST_DIR/def"
	printf '%s' '{"Entrypoint":["/bin/true"],"Cmd":["sh"]}' >"$TEST_DIR/oci.json"
	mksif "$SIF" --squashfs "$SIF_SQUASHFS" --deffile "$TEST_DIR/def" --oci-config "$TEST_DIR/oci.json"
	run -0 "${I[@]}" copy -q "sif:$SIF" "dir:$TEST_DIR/d"
	config="$(config_of "$TEST_DIR/d")"
	assert_equal "$(jq -c '[.config.Cmd, .config.Entrypoint]' <<<"$config")" '[["/podman/runscript"],null]'
	layer="$(jq -r '.layers[0].digest' "$TEST_DIR/d/manifest.json")"
	run -0 tar -xOf "$TEST_DIR/d/${layer#sha256:}" ./podman/runscript
	assert_output "$(printf '%s\n' '#!/bin/sh' 'export GREETING=hi' 'echo "$GREETING" "$@"')"
	run -0 tar -tvf "$TEST_DIR/d/${layer#sha256:}"
	assert_line --regexp '^drwxr-xr-x 0/0 .* \./podman/$'
	assert_line --regexp '^-rwxr-xr-x 0/0 .* \./podman/runscript$'
	# everything else still there
	assert_equal "$(tar -tf "$TEST_DIR/d/${layer#sha256:}" | wc -l)" \
		"$(($(sqfs2tar -r . "$SIF_SQUASHFS" | tar -t | wc -l) + 2))"
	# a definition file without either section changes nothing
	printf '%s\n' 'Bootstrap: docker' 'From: busybox' >"$TEST_DIR/def"
	mksif "$SIF" --squashfs "$SIF_SQUASHFS" --deffile "$TEST_DIR/def"
	run -0 "${I[@]}" copy -q "sif:$SIF" "dir:$TEST_DIR/e"
	assert_equal "$(config_of "$TEST_DIR/e" | jq -c .config.Cmd)" '["/bin/sh"]'
}

@test "a creation time outside the years 0-9999 (no RFC 3339 date for the config): one line, nothing made" {
	local t
	for t in 253402300800 -62167219201 -9223372036854775808; do
		mksif "$SIF" --squashfs "$SIF_SQUASHFS" --created "$t"
		run -1 "${I[@]}" copy -q "sif:$SIF" "dir:$TEST_DIR/d"
		assert_output "pea-image: sif:$SIF: bad SIF header: its creation time ($t) is not in the years 0 to 9999"
		[[ ! -e "$TEST_DIR/d" ]]
	done
	# the first and the last second that are
	mksif "$SIF" --squashfs "$SIF_SQUASHFS" --created 253402300799
	run -0 "${I[@]}" inspect --format '{{.Created}}' "sif:$SIF"
	assert_output --partial 9999-12-31
	mksif "$SIF" --squashfs "$SIF_SQUASHFS" --created -62167219200
	run -0 "${I[@]}" copy -q "sif:$SIF" "dir:$TEST_DIR/e"
	assert_equal "$(config_of "$TEST_DIR/e" | jq -r .created)" 0000-01-01T00:00:00Z
}

@test "the architecture is the partition's: 04 is arm64" {
	mksif "$SIF" --squashfs "$SIF_SQUASHFS" --arch 04
	run -0 "${I[@]}" inspect --format '{{.Architecture}}' "sif:$SIF"
	assert_output arm64
}

@test "sif: is a source only" {
	run -1 "${I[@]}" copy -q "oci:$BUSYBOX_OCI" "sif:$TEST_DIR/new.sif"
	assert_output "pea-image: sif:$TEST_DIR/new.sif: sif: locations can only be read from, not written to"
	[ ! -e "$TEST_DIR/new.sif" ]
	run -1 "${I[@]}" copy -q "sif:" "dir:$TEST_DIR/d"
	assert_output "pea-image: invalid image name 'sif:': the path is empty"
	run -1 "${I[@]}" copy -q "sif:$TEST_DIR/none.sif" "dir:$TEST_DIR/d"
	assert_output "pea-image: sif:$TEST_DIR/none.sif: open '$TEST_DIR/none.sif': No such file or directory"
}

# bad SIF files: each refused with its one line, nothing left in the temp folder
bad_sif() {
	local want="$1"
	shift
	mksif "$TEST_DIR/bad.sif" "$@"
	mkdir -p "$TEST_DIR/tmp"
	run -1 env TMPDIR="$TEST_DIR/tmp" "${I[@]}" copy -q "sif:$TEST_DIR/bad.sif" "dir:$TEST_DIR/d"
	assert_output "pea-image: sif:$TEST_DIR/bad.sif: $want"
	assert_equal "$(ls -A "$TEST_DIR/tmp")" ""
}

@test "bad SIF: truncated in the header, the descriptors or the data" {
	bad_sif "not a SIF file: 100 bytes, shorter than a SIF header (128)" \
		--squashfs "$SIF_SQUASHFS" --truncate 100
	bad_sif "truncated SIF file: the descriptor table (28080 bytes at 4096) ends past the file's end (5000 bytes)" \
		--squashfs "$SIF_SQUASHFS" --truncate 5000
	size="$(stat -c %s "$SIF_SQUASHFS")"
	bad_sif "truncated SIF file: object 0 (id 1, $size bytes at 32768) ends past the file's end (40000 bytes)" \
		--squashfs "$SIF_SQUASHFS" --truncate 40000
	: >"$TEST_DIR/empty.sif"
	run -1 "${I[@]}" copy -q "sif:$TEST_DIR/empty.sif" "dir:$TEST_DIR/d"
	assert_output "pea-image: sif:$TEST_DIR/empty.sif: not a SIF file: 0 bytes, shorter than a SIF header (128)"
}

@test "bad SIF: wrong magic, version, descriptor count" {
	bad_sif "not a SIF file: no SIF_MAGIC at byte 32" --squashfs "$SIF_SQUASHFS" --magic NOT_MAGIC
	bad_sif "SIF version '02' is not supported (only 01)" --squashfs "$SIF_SQUASHFS" --version 02
	bad_sif "bad SIF header: 5000 descriptors (1 to 4096)" --squashfs "$SIF_SQUASHFS" --descriptors 5000
	run -1 "${I[@]}" copy -q "sif:$BUSYBOX_ARCHIVE" "dir:$TEST_DIR/d"
	assert_output "pea-image: sif:$BUSYBOX_ARCHIVE: not a SIF file: no SIF_MAGIC at byte 32"
	run -1 "${I[@]}" copy -q "sif:$TEST_DIR" "dir:$TEST_DIR/d"
	assert_output "pea-image: sif:$TEST_DIR: not a SIF file: not a regular file"
}

@test "bad SIF: no root filesystem partition, or one pea-image cannot unpack" {
	printf '%s\n' 'Bootstrap: docker' >"$TEST_DIR/def"
	bad_sif "the SIF file has no primary system partition (no root filesystem)" --deffile "$TEST_DIR/def"
	bad_sif "the SIF file has no primary system partition (no root filesystem)" \
		--squashfs "$SIF_SQUASHFS" --parttype 3
	bad_sif "the root filesystem partition is not a squashfs (fstype 2)" --squashfs "$SIF_SQUASHFS" --fstype 2
	bad_sif "the root filesystem partition is an encrypted squashfs" --squashfs "$SIF_SQUASHFS" --fstype 5
	bad_sif "the root filesystem partition's architecture code '77' is not known" \
		--squashfs "$SIF_SQUASHFS" --arch 77
	head -c 8192 /dev/urandom >"$TEST_DIR/junk.sqfs"
	mksif "$TEST_DIR/bad.sif" --squashfs "$TEST_DIR/junk.sqfs"
	run -1 "${I[@]}" copy -q "sif:$TEST_DIR/bad.sif" "dir:$TEST_DIR/d"
	assert_output --regexp "^pea-image: sif:$TEST_DIR/bad.sif: the root filesystem partition: sqfs2tar exited with status 1: .+$"
	assert_equal "${#lines[@]}" 1
}

@test "without sqfs2tar the error names it" {
	mkdir "$TEST_DIR/bin"
	run -1 env PATH="$TEST_DIR/bin" "$PEA_IMAGE" --insecure-policy copy -q "sif:$SIF" "dir:$TEST_DIR/d"
	assert_output "pea-image: sif:$SIF: the squashfs root filesystem needs sqfs2tar (squashfs-tools-ng): execve 'sqfs2tar': No such file or directory"
}
