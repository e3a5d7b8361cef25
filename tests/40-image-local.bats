#!/usr/bin/env bats
# pea-image between local transports: oci:, dir:, docker-archive:, oci-archive:;
# inspect; the policy; bad inputs.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-image

setup_file() {
	ensure_fixtures
}

setup() {
	require_cmd "$PEA_IMAGE"
	I=("$PEA_IMAGE" --insecure-policy)
}

teardown() {
	# the gpg-agent that key generation and signing start
	if [[ -d "$TEST_DIR/gnupg" ]]; then
		GNUPGHOME="$TEST_DIR/gnupg" timeout -k 5 20 gpgconf --kill all || true
	fi
}

layout_manifest() {
	jq -r '.manifests[0].digest' "$1/index.json"
}

@test "oci: to oci: keeps the manifest digest and every blob" {
	run -0 "${I[@]}" copy -q "oci:$BUSYBOX_OCI" "oci:$TEST_DIR/o:v1"
	assert_equal "$(jq -r '.manifests[0].digest' "$TEST_DIR/o/index.json")" "$BUSYBOX_MANIFEST_DIGEST"
	assert_equal "$(jq -r '.manifests[0].annotations["org.opencontainers.image.ref.name"]' "$TEST_DIR/o/index.json")" v1
	for f in "$BUSYBOX_OCI"/blobs/sha256/*; do
		cmp "$f" "$TEST_DIR/o/blobs/sha256/$(basename "$f")"
	done
	[ -f "$TEST_DIR/o/oci-layout" ]
	assert_equal "$(ls -A "$TEST_DIR/o" | sort | paste -sd,)" "blobs,index.json,oci-layout"
}

@test "a second tag in the same layout is added, the same tag is replaced" {
	run -0 "${I[@]}" copy -q "oci:$BUSYBOX_OCI" "oci:$TEST_DIR/o:a"
	run -0 "${I[@]}" copy -q "oci:$BUSYBOX_OCI" "oci:$TEST_DIR/o:b"
	run -0 "${I[@]}" copy -q "oci:$BUSYBOX_OCI" "oci:$TEST_DIR/o:b"
	assert_equal "$(jq -r '[.manifests[].annotations["org.opencontainers.image.ref.name"]] | join(",")' "$TEST_DIR/o/index.json")" "a,b"
	run -1 "${I[@]}" inspect "oci:$TEST_DIR/o"
	assert_output --partial "holds 2 images"
	run -0 "${I[@]}" inspect "oci:$TEST_DIR/o:b"
}

@test "eight copies into one layout at once: every tag lands in index.json" {
	local pids=() p
	for t in a b c d e f g h; do
		"${I[@]}" copy -q "oci:$BUSYBOX_OCI" "oci:$TEST_DIR/o:$t" 3>&- &
		pids+=($!)
	done
	# each pid by name: a bare wait would also wait for bats' timeout watchdog
	for p in "${pids[@]}"; do wait "$p"; done
	assert_equal "$(jq -r '[.manifests[].annotations["org.opencontainers.image.ref.name"]] | sort | join(",")' "$TEST_DIR/o/index.json")" "a,b,c,d,e,f,g,h"
}

@test "layers already in the destination layout are skipped" {
	run -0 "${I[@]}" copy "oci:$BUSYBOX_OCI" "oci:$TEST_DIR/o:a"
	run -0 "${I[@]}" copy "oci:$BUSYBOX_OCI" "oci:$TEST_DIR/o:b"
	assert_output --partial "skipped: already exists"
	run -0 "${I[@]}" copy --progress=json "oci:$BUSYBOX_OCI" "oci:$TEST_DIR/o:c"
	assert_equal "$(grep -c '"event":"skipped"' <<<"$output")" 2
}

@test "oci: -> dir: -> docker-archive: -> oci-archive: -> oci: keeps the layer content" {
	run -0 "${I[@]}" copy -q "oci:$BUSYBOX_OCI" "dir:$TEST_DIR/d"
	assert_equal "$(cat "$TEST_DIR/d/version")" "Directory Transport Version: 1.1"
	cmp "$TEST_DIR/d/manifest.json" "$(img_blob_path "$BUSYBOX_OCI" "$BUSYBOX_MANIFEST_DIGEST")"
	run -0 "${I[@]}" copy -q "dir:$TEST_DIR/d" "docker-archive:$TEST_DIR/a.tar:busybox:v2"
	run -0 tar -xOf "$TEST_DIR/a.tar" manifest.json
	assert_equal "$(jq -r '.[0].RepoTags[0]' <<<"$output")" docker.io/library/busybox:v2
	diff_id="$(jq -r '.rootfs.diff_ids[0]' "$BUSYBOX_OCI/blobs/sha256/$(jq -r .config.digest "$TEST_DIR/d/manifest.json" | cut -d: -f2)")"
	assert_equal "$(jq -r '.[0].Layers[0]' <<<"$output")" "${diff_id#sha256:}.tar"
	# an OCI layout gets the plain tar gzipped, as skopeo does, unless told to keep it
	run -0 "${I[@]}" copy -q --dest-oci-accept-uncompressed-layers "docker-archive:$TEST_DIR/a.tar" "oci-archive:$TEST_DIR/plain.tar:t"
	run -0 "${I[@]}" copy -q --dest-oci-accept-uncompressed-layers "oci-archive:$TEST_DIR/plain.tar:t" "oci:$TEST_DIR/plain"
	layer="$(jq -r '.layers[0].digest' "$(img_blob_path "$TEST_DIR/plain" "$(layout_manifest "$TEST_DIR/plain")")")"
	assert_equal "$layer" "$diff_id"
	run -0 "${I[@]}" copy -q "docker-archive:$TEST_DIR/a.tar" "oci-archive:$TEST_DIR/oa.tar:t"
	run -0 "${I[@]}" copy -q "oci-archive:$TEST_DIR/oa.tar:t" "oci:$TEST_DIR/o"
	m="$(img_blob_path "$TEST_DIR/o" "$(layout_manifest "$TEST_DIR/o")")"
	assert_equal "$(jq -r '.layers[0].mediaType' "$m")" application/vnd.oci.image.layer.v1.tar+gzip
	layer="$(jq -r '.layers[0].digest' "$m")"
	run -0 "${I[@]}" inspect --config "oci:$TEST_DIR/o"
	assert_equal "$(jq -r '.rootfs.diff_ids[0]' <<<"$output")" "$diff_id"
	mkdir "$TEST_DIR/x1" "$TEST_DIR/x2"
	tar -xzf "$(img_blob_path "$TEST_DIR/o" "$layer")" -C "$TEST_DIR/x1"
	tar -xzf "$(img_blob_path "$BUSYBOX_OCI" "$(jq -r '.layers[0].digest' "$TEST_DIR/d/manifest.json")")" -C "$TEST_DIR/x2"
	assert_equal "$(img_tree_digest "$TEST_DIR/x1")" "$(img_tree_digest "$TEST_DIR/x2")"
}

@test "list-tags of a docker-archive, like skopeo's" {
	run -0 "${I[@]}" list-tags "docker-archive:$BUSYBOX_ARCHIVE"
	mine="$output"
	run -0 skopeo list-tags "docker-archive:$BUSYBOX_ARCHIVE"
	assert_equal "$mine" "$output"
	run -1 "${I[@]}" list-tags "oci:$BUSYBOX_OCI"
	assert_output --partial "only docker:// repositories and docker-archive: files"
	echo junk >"$TEST_DIR/x.tar"
	run -1 "${I[@]}" list-tags "docker-archive:$TEST_DIR/x.tar"
	assert_equal "${#lines[@]}" 1
}

@test "the docker-archive fixture reads like skopeo reads it" {
	run -0 "${I[@]}" inspect "docker-archive:$BUSYBOX_ARCHIVE"
	mine="$(jq -c '{Layers, Architecture, Os, Env, Created}' <<<"$output")"
	run -0 skopeo --insecure-policy inspect "docker-archive:$BUSYBOX_ARCHIVE"
	assert_equal "$mine" "$(jq -c '{Layers, Architecture, Os, Env, Created}' <<<"$output")"
	run -0 "${I[@]}" copy -q "docker-archive:$BUSYBOX_ARCHIVE:localhost/busybox:latest" "oci:$TEST_DIR/o"
	run -1 "${I[@]}" copy -q "docker-archive:$BUSYBOX_ARCHIVE:localhost/other:latest" "oci:$TEST_DIR/o2"
	assert_output --partial "no image tagged 'localhost/other:latest'"
	[ ! -e "$TEST_DIR/o2" ]
	run -0 "${I[@]}" copy -q "docker-archive:$BUSYBOX_ARCHIVE:@0" "dir:$TEST_DIR/d"
	run -1 "${I[@]}" copy -q "docker-archive:$BUSYBOX_ARCHIVE:@3" "dir:$TEST_DIR/d2"
	assert_output --partial "no @3"
}

@test "skopeo reads what pea-image writes (oci-archive, docker-archive, dir)" {
	run -0 "${I[@]}" copy -q "oci:$BUSYBOX_OCI" "oci-archive:$TEST_DIR/oa.tar"
	run -0 skopeo --insecure-policy copy -q "oci-archive:$TEST_DIR/oa.tar" "oci:$TEST_DIR/s1"
	assert_equal "$(layout_manifest "$TEST_DIR/s1")" "$BUSYBOX_MANIFEST_DIGEST"
	run -0 "${I[@]}" copy -q "oci:$BUSYBOX_OCI" "docker-archive:$TEST_DIR/da.tar:busybox:latest"
	run -0 skopeo --insecure-policy inspect "docker-archive:$TEST_DIR/da.tar"
	assert_equal "$(jq -r '.Layers | length' <<<"$output")" 1
	run -0 "${I[@]}" copy -q "oci:$BUSYBOX_OCI" "dir:$TEST_DIR/d"
	run -0 skopeo --insecure-policy inspect "dir:$TEST_DIR/d"
	assert_equal "$(jq -r .Digest <<<"$output")" "$BUSYBOX_MANIFEST_DIGEST"
}

@test "inspect: JSON like skopeo's, --raw, --config" {
	run -0 "${I[@]}" inspect "oci:$BUSYBOX_OCI"
	mine="$output"
	run -0 skopeo --insecure-policy inspect "oci:$BUSYBOX_OCI"
	assert_equal "$mine" "$output"
	run -0 "${I[@]}" inspect --raw "oci:$BUSYBOX_OCI"
	assert_equal "$output" "$(cat "$(img_blob_path "$BUSYBOX_OCI" "$BUSYBOX_MANIFEST_DIGEST")")"
	run -0 "${I[@]}" inspect --config "oci:$BUSYBOX_OCI"
	mine="$output"
	run -0 skopeo --insecure-policy inspect --config "oci:$BUSYBOX_OCI"
	assert_equal "$mine" "$output"
	cfg="$(jq -r .config.digest "$(img_blob_path "$BUSYBOX_OCI" "$BUSYBOX_MANIFEST_DIGEST")")"
	run -0 "${I[@]}" inspect --config --raw "oci:$BUSYBOX_OCI"
	assert_equal "$output" "$(cat "$(img_blob_path "$BUSYBOX_OCI" "$cfg")")"
}

@test "a corrupted blob aborts the copy and leaves nothing behind" {
	cp -a "$BUSYBOX_OCI" "$TEST_DIR/src"
	layer="$(jq -r '.layers[0].digest' "$(img_blob_path "$TEST_DIR/src" "$BUSYBOX_MANIFEST_DIGEST")")"
	f="$(img_blob_path "$TEST_DIR/src" "$layer")"
	chmod u+w "$f"
	printf 'X' | dd of="$f" bs=1 seek=100 conv=notrunc status=none
	run -1 "${I[@]}" copy -q "oci:$TEST_DIR/src" "oci:$TEST_DIR/dst"
	assert_output --partial "digest mismatch"
	assert_output --partial "$layer"
	assert_equal "${#lines[@]}" 1
	[ ! -e "$TEST_DIR/dst" ]
	# an existing layout keeps what it had, and gains nothing
	run -0 "${I[@]}" copy -q "oci:$BUSYBOX_OCI" "oci:$TEST_DIR/keep:a"
	before="$(find "$TEST_DIR/keep" | sort)"
	jq '.manifests[0].annotations["org.opencontainers.image.ref.name"] = "b"' "$TEST_DIR/src/index.json" >"$TEST_DIR/i" && mv "$TEST_DIR/i" "$TEST_DIR/src/index.json"
	rm "$TEST_DIR"/keep/blobs/sha256/${layer#sha256:}
	before="$(find "$TEST_DIR/keep" | sort)"
	run -1 "${I[@]}" copy -q "oci:$TEST_DIR/src:b" "oci:$TEST_DIR/keep:b"
	assert_equal "$(find "$TEST_DIR/keep" | sort)" "$before"
	# a truncated blob: size checked too
	truncate -s 1000 "$f"
	run -1 "${I[@]}" copy -q "oci:$TEST_DIR/src:b" "dir:$TEST_DIR/d"
	assert_output --partial "truncated"
	[ ! -e "$TEST_DIR/d" ]
}

@test "a manifest list: the host's platform, another with --override-arch, all with --all" {
	img_build_layout "$TEST_DIR/amd" amd64 1 4
	img_build_layout "$TEST_DIR/arm" arm64 1 4 gzip v8
	img_build_index "$TEST_DIR/idx" "$TEST_DIR/amd" "$TEST_DIR/arm"
	run -0 "${I[@]}" copy -q "oci:$TEST_DIR/idx" "oci:$TEST_DIR/o1"
	assert_equal "$(layout_manifest "$TEST_DIR/o1")" "$(layout_manifest "$TEST_DIR/amd")"
	run -0 "${I[@]}" --override-arch arm64 copy -q "oci:$TEST_DIR/idx" "oci:$TEST_DIR/o2"
	assert_equal "$(layout_manifest "$TEST_DIR/o2")" "$(layout_manifest "$TEST_DIR/arm")"
	run -0 "${I[@]}" --override-arch arm64 inspect "oci:$TEST_DIR/idx"
	assert_equal "$(jq -r .Architecture <<<"$output")" arm64
	run -0 "${I[@]}" copy -q --all "oci:$TEST_DIR/idx" "oci:$TEST_DIR/o3"
	assert_equal "$(layout_manifest "$TEST_DIR/o3")" "$(layout_manifest "$TEST_DIR/idx")"
	for f in "$TEST_DIR"/idx/blobs/sha256/*; do
		cmp "$f" "$TEST_DIR/o3/blobs/sha256/$(basename "$f")"
	done
	run -1 "${I[@]}" --override-arch s390x copy -q "oci:$TEST_DIR/idx" "oci:$TEST_DIR/o4"
	assert_output --partial 'no image found in manifest list for architecture s390x, variant "", OS linux'
	[ ! -e "$TEST_DIR/o4" ]
	run -1 "${I[@]}" copy -q --all "oci:$TEST_DIR/idx" "docker-archive:$TEST_DIR/a.tar"
	assert_output --partial "holds one image"
	[ ! -e "$TEST_DIR/a.tar" ]
}

@test "zstd and uncompressed layers copy as they are" {
	img_build_layout "$TEST_DIR/z" amd64 1 8 zstd
	img_build_layout "$TEST_DIR/n" amd64 1 8 none
	run -0 "${I[@]}" copy -q "oci:$TEST_DIR/z" "oci:$TEST_DIR/z2"
	assert_equal "$(layout_manifest "$TEST_DIR/z2")" "$(layout_manifest "$TEST_DIR/z")"
	run -0 "${I[@]}" copy -q "oci:$TEST_DIR/z" "docker-archive:$TEST_DIR/z.tar"
	run -0 tar -xOf "$TEST_DIR/z.tar" manifest.json
	want="$(jq -r '.rootfs.diff_ids | map(sub("sha256:"; "") + ".tar") | join(",")' \
		"$(img_blob_path "$TEST_DIR/z" "$(jq -r .config.digest "$(img_blob_path "$TEST_DIR/z" "$(layout_manifest "$TEST_DIR/z")")")")")"
	assert_equal "$(jq -r '.[0].Layers | join(",")' <<<"$output")" "$want"
	run -0 "${I[@]}" copy -q "oci:$TEST_DIR/n" "dir:$TEST_DIR/nd"
}

@test "--dest-compress-format: layers recompressed, the diff IDs kept" {
	img_build_layout "$TEST_DIR/n" amd64 2 64 none
	run -0 "${I[@]}" copy -q --dest-compress-format zstd --dest-compress-level 3 "oci:$TEST_DIR/n" "oci:$TEST_DIR/z"
	m="$(img_blob_path "$TEST_DIR/z" "$(layout_manifest "$TEST_DIR/z")")"
	assert_equal "$(jq -r '[.layers[].mediaType] | unique | join(",")' "$m")" application/vnd.oci.image.layer.v1.tar+zstd
	for l in $(jq -r '.layers[].digest' "$m"); do
		assert_equal "$(head -c4 "$(img_blob_path "$TEST_DIR/z" "$l")" | od -An -tx1 | tr -d ' ')" 28b52ffd
	done
	run -0 "${I[@]}" copy -q --dest-compress-format gzip "oci:$TEST_DIR/z" "oci:$TEST_DIR/g"
	run -0 skopeo --insecure-policy inspect --config "oci:$TEST_DIR/g"
	want="$(jq -c .rootfs.diff_ids <<<"$output")"
	run -0 skopeo --insecure-policy inspect --config "oci:$TEST_DIR/n"
	assert_equal "$(jq -c .rootfs.diff_ids <<<"$output")" "$want"
	m="$(img_blob_path "$TEST_DIR/g" "$(layout_manifest "$TEST_DIR/g")")"
	mkdir "$TEST_DIR/x"
	for l in $(jq -r '.layers[].digest' "$m"); do
		tar -xzf "$(img_blob_path "$TEST_DIR/g" "$l")" -C "$TEST_DIR/x"
	done
	cmp "$TEST_DIR/x/bin/busybox" "$BUSYBOX_ROOTFS/bin/busybox"
	# the same level twice gives the same bytes
	run -0 "${I[@]}" copy -q --dest-compress-format gzip "oci:$TEST_DIR/z" "oci:$TEST_DIR/g2"
	assert_equal "$(layout_manifest "$TEST_DIR/g2")" "$(layout_manifest "$TEST_DIR/g")"
	run -2 "${I[@]}" copy --dest-compress-format lz4 "oci:$TEST_DIR/n" "oci:$TEST_DIR/bad"
	assert_output --partial "expected gzip or zstd"
}

@test "a Docker schema 2 manifest becomes OCI in an OCI layout, as skopeo does" {
	run -0 skopeo --insecure-policy copy -q --format v2s2 "oci:$BUSYBOX_OCI" "dir:$TEST_DIR/v2"
	assert_equal "$(jq -r .mediaType "$TEST_DIR/v2/manifest.json")" application/vnd.docker.distribution.manifest.v2+json
	run -0 "${I[@]}" copy -q "dir:$TEST_DIR/v2" "oci:$TEST_DIR/o"
	m="$(img_blob_path "$TEST_DIR/o" "$(layout_manifest "$TEST_DIR/o")")"
	assert_equal "$(jq -r '.mediaType, .config.mediaType, .layers[0].mediaType' "$m" | paste -sd,)" \
		"application/vnd.oci.image.manifest.v1+json,application/vnd.oci.image.config.v1+json,application/vnd.oci.image.layer.v1.tar+gzip"
	run -0 skopeo --insecure-policy copy -q "dir:$TEST_DIR/v2" "oci:$TEST_DIR/s"
	assert_equal "$(layout_manifest "$TEST_DIR/o")" "$(layout_manifest "$TEST_DIR/s")"
	run -0 "${I[@]}" copy -q "dir:$TEST_DIR/v2" "dir:$TEST_DIR/v2b"
	cmp "$TEST_DIR/v2/manifest.json" "$TEST_DIR/v2b/manifest.json"
	# --preserve-digests: the Docker manifest goes into the layout as it is, as with skopeo
	run -0 "${I[@]}" copy -q --preserve-digests "dir:$TEST_DIR/v2" "oci:$TEST_DIR/p"
	run -0 skopeo --insecure-policy copy -q --preserve-digests "dir:$TEST_DIR/v2" "oci:$TEST_DIR/ps"
	assert_equal "$(jq -c '.manifests[0] | [.mediaType, .digest]' "$TEST_DIR/p/index.json")" \
		"$(jq -c '.manifests[0] | [.mediaType, .digest]' "$TEST_DIR/ps/index.json")"
	run -1 "${I[@]}" copy -q --preserve-digests --dest-compress-format zstd "dir:$TEST_DIR/v2" "oci:$TEST_DIR/p2"
	assert_output --partial "--preserve-digests forbids"
	[ ! -e "$TEST_DIR/p2" ]

}

@test "a schema 1 manifest is refused clearly" {
	mkdir -p "$TEST_DIR/s1"
	printf '%s' '{"schemaVersion":1,"name":"x","tag":"latest","architecture":"amd64","fsLayers":[],"history":[]}' >"$TEST_DIR/s1/manifest.json"
	echo "Directory Transport Version: 1.1" >"$TEST_DIR/s1/version"
	run -1 "${I[@]}" copy -q "dir:$TEST_DIR/s1" "oci:$TEST_DIR/o"
	assert_output --partial "manifest schema 1"
	assert_output --partial "not supported"
	assert_equal "${#lines[@]}" 1
	[ ! -e "$TEST_DIR/o" ]
}

@test "bad inputs: one clear line each, nothing created" {
	run -2 "${I[@]}" copy "oci:$BUSYBOX_OCI"
	assert_output --partial "expected SOURCE-IMAGE DESTINATION-IMAGE"
	run -1 "${I[@]}" copy "nope:$BUSYBOX_OCI" "oci:$TEST_DIR/o"
	assert_output "pea-image: invalid image name 'nope:$BUSYBOX_OCI': unknown transport 'nope'"
	run -1 "${I[@]}" copy "ostree:$TEST_DIR/repo" "oci:$TEST_DIR/o"
	assert_output "pea-image: invalid image name 'ostree:$TEST_DIR/repo': the transport 'ostree' is not supported"
	run -1 "${I[@]}" copy "oci:$BUSYBOX_OCI" "docker-daemon:busybox:latest"
	assert_output "pea-image: invalid image name 'docker-daemon:busybox:latest': the transport 'docker-daemon' is not supported: use 'docker save' and docker-archive:"
	run -1 "${I[@]}" copy "busybox" "oci:$TEST_DIR/o"
	assert_output --partial "expected TRANSPORT:NAME"
	run -1 "${I[@]}" inspect "docker://Busybox"
	assert_output --partial "repository name must be lowercase"
	run -1 "${I[@]}" inspect "docker://busybox:bad:tag"
	assert_output --partial "invalid"
	run -1 "${I[@]}" inspect "docker://busybox@sha256:1234"
	assert_output --partial "not a valid sha256 or sha512 digest"
	run -1 "${I[@]}" copy "oci:$TEST_DIR/missing" "oci:$TEST_DIR/o"
	assert_output --partial "No such file or directory"
	run -1 "${I[@]}" copy "oci:$BUSYBOX_OCI:nosuchtag" "oci:$TEST_DIR/o"
	assert_output --partial "no image tagged 'nosuchtag'"
	mkdir -p "$TEST_DIR/bad"
	cp -a "$BUSYBOX_OCI/." "$TEST_DIR/bad/"
	echo '{"schemaVersion": 2, "manifests": [' >"$TEST_DIR/bad/index.json"
	run -1 "${I[@]}" copy "oci:$TEST_DIR/bad" "oci:$TEST_DIR/o"
	assert_output --partial "unexpected end of input"
	f="$(img_blob_path "$TEST_DIR/bad" "$BUSYBOX_MANIFEST_DIGEST")"
	cp "$BUSYBOX_OCI/index.json" "$TEST_DIR/bad/index.json"
	chmod u+w "$f"
	echo '{"schemaVersion":2,"config":{"digest":"sha256:zz","size":1},"layers":[]}' >"$f"
	mkdir "$TEST_DIR/dm"
	cp "$f" "$TEST_DIR/dm/manifest.json"
	echo "Directory Transport Version: 1.1" >"$TEST_DIR/dm/version"
	run -1 "${I[@]}" copy "oci:$TEST_DIR/bad" "oci:$TEST_DIR/o"
	assert_output --partial "manifest: digest mismatch"
	run -1 "${I[@]}" copy "dir:$TEST_DIR/dm" "oci:$TEST_DIR/o"
	assert_output --partial "malformed manifest: 'config.digest' = 'sha256:zz' is not a valid digest"
	echo "not a tar" >"$TEST_DIR/x.tar"
	run -1 "${I[@]}" copy "docker-archive:$TEST_DIR/x.tar" "oci:$TEST_DIR/o"
	assert_output --partial "docker-archive:$TEST_DIR/x.tar"
	run -2 "${I[@]}" copy --bogus "oci:$BUSYBOX_OCI" "oci:$TEST_DIR/o"
	assert_output --partial "unknown option '--bogus'"
	run -2 "${I[@]}" frobnicate
	assert_output --partial "unknown command 'frobnicate'"
	# delete and list-tags (one command line, cli_side_command): one line each
	run -2 "${I[@]}" delete --bogus docker://localhost/x
	assert_output --partial "delete: unknown option '--bogus'"
	run -2 "${I[@]}" delete
	assert_output --partial "delete: expected one IMAGE, got 0 argument(s)"
	run -2 "${I[@]}" list-tags docker://localhost/x docker://localhost/y
	assert_output --partial "list-tags: expected one REPOSITORY, got 2 argument(s)"
	run -0 "${I[@]}" list-tags --help
	assert_output --partial "Usage: pea-image list-tags [OPTIONS] docker://REPOSITORY"
	[ ! -e "$TEST_DIR/o" ]
	echo data >"$TEST_DIR/notempty"
	mkdir "$TEST_DIR/full" && echo x >"$TEST_DIR/full/file"
	run -1 "${I[@]}" copy "oci:$BUSYBOX_OCI" "oci:$TEST_DIR/full"
	assert_output --partial "neither empty nor an OCI layout"
	run -1 "${I[@]}" copy "oci:$BUSYBOX_OCI" "dir:$TEST_DIR/full"
	assert_output --partial "not empty and not an image folder"
	[ "$(ls "$TEST_DIR/full")" = file ]
}

@test "policy.json: insecureAcceptAnything, reject, signedBy without signatures refused" {
	echo '{"default":[{"type":"insecureAcceptAnything"}]}' >"$TEST_DIR/ok.json"
	echo '{"default":[{"type":"insecureAcceptAnything"}],"transports":{"oci":{"":[{"type":"reject"}]}}}' >"$TEST_DIR/rej.json"
	echo '{"default":[{"type":"signedBy","keyType":"GPGKeys","keyPath":"/k"}]}' >"$TEST_DIR/sig.json"
	echo '{"default":[{"type":"reject"}],"transports":{"dir":{"'"$TEST_DIR"'/d":[{"type":"insecureAcceptAnything"}]}}}' >"$TEST_DIR/scoped.json"
	run -0 "$PEA_IMAGE" --policy "$TEST_DIR/ok.json" copy -q "oci:$BUSYBOX_OCI" "dir:$TEST_DIR/d"
	run -1 "$PEA_IMAGE" --policy "$TEST_DIR/rej.json" copy -q "oci:$BUSYBOX_OCI" "dir:$TEST_DIR/e"
	assert_output --partial "rejected by policy"
	[ ! -e "$TEST_DIR/e" ]
	run -1 "$PEA_IMAGE" --policy "$TEST_DIR/sig.json" inspect "oci:$BUSYBOX_OCI"
	assert_output --partial "the policy requires signatures, and 'oci:$BUSYBOX_OCI' has none"
	assert_equal "${#lines[@]}" 1
	echo '{"default":[{"type":"sigstoreSigned","keyPath":"/k"}]}' >"$TEST_DIR/sigstore.json"
	run -1 "$PEA_IMAGE" --policy "$TEST_DIR/sigstore.json" copy -q "oci:$BUSYBOX_OCI" "dir:$TEST_DIR/f"
	assert_output --partial "'sigstoreSigned' signatures"
	[ ! -e "$TEST_DIR/f" ]
	run -0 "$PEA_IMAGE" --policy "$TEST_DIR/scoped.json" inspect "dir:$TEST_DIR/d"
	run -1 "$PEA_IMAGE" --policy "$TEST_DIR/scoped.json" inspect "oci:$BUSYBOX_OCI"
	assert_output --partial "rejected by policy"
	run -1 "$PEA_IMAGE" --policy "$TEST_DIR/none.json" inspect "oci:$BUSYBOX_OCI"
	assert_output --partial "insecure-policy"
}

@test "inspect --format (a subset of Go templates) and manifest-digest, like skopeo's" {
	run -0 "${I[@]}" inspect --format '{{.Digest}} {{ .Os }}/{{.Architecture}}' "oci:$BUSYBOX_OCI"
	mine="$output"
	run -0 skopeo --insecure-policy inspect --format '{{.Digest}} {{ .Os }}/{{.Architecture}}' "oci:$BUSYBOX_OCI"
	assert_equal "$mine" "$output"
	run -0 "${I[@]}" inspect --format '{{json .Layers}}' "oci:$BUSYBOX_OCI"
	assert_equal "$(jq -r '.[0]' <<<"$output")" "$(jq -r '.layers[0].digest' "$(img_blob_path "$BUSYBOX_OCI" "$BUSYBOX_MANIFEST_DIGEST")")"
	run -1 "${I[@]}" inspect --format '{{.Nope}}' "oci:$BUSYBOX_OCI"
	assert_output "pea-image: inspect: --format: no field 'Nope'"
	run -2 "${I[@]}" inspect --format '{{range .Layers}}{{.}}{{end}}' "oci:$BUSYBOX_OCI"
	assert_output --partial "unsupported action"
	f="$(img_blob_path "$BUSYBOX_OCI" "$BUSYBOX_MANIFEST_DIGEST")"
	run -0 "$PEA_IMAGE" manifest-digest "$f"
	assert_output "$(skopeo manifest-digest "$f")"
	run -1 "$PEA_IMAGE" manifest-digest "$TEST_DIR/none"
	assert_output --partial "No such file or directory"
}

@test "on a terminal, a progress bar per blob" {
	require_cmd script
	img_build_layout "$TEST_DIR/img" amd64 2 1024
	run -0 script -qec "$PEA_IMAGE --insecure-policy copy oci:$TEST_DIR/img oci:$TEST_DIR/o" /dev/null
	assert_output --partial $'\e[2KCopying blob'
	assert_output --regexp 'Copying blob [0-9a-f]{12} \[[=> ]+\] [0-9.]+[KM]iB / [0-9.]+[KM]iB'
	assert_output --partial "Writing manifest to image destination"
	run -0 script -qec "$PEA_IMAGE --insecure-policy copy oci:$TEST_DIR/img oci:$TEST_DIR/o:b" /dev/null
	assert_output --partial "skipped: already exists"
	run -0 script -qec "$PEA_IMAGE --insecure-policy copy -q oci:$TEST_DIR/img oci:$TEST_DIR/o:c" /dev/null
	assert_output ""
}

@test "skopeo's copy options: --format v2s2, shared blob dirs, --additional-tag, --dry-run" {
	run -0 "${I[@]}" copy -q --format v2s2 "oci:$BUSYBOX_OCI" "dir:$TEST_DIR/v2"
	run -0 skopeo --insecure-policy copy -q --format v2s2 "oci:$BUSYBOX_OCI" "dir:$TEST_DIR/v2s"
	cmp "$TEST_DIR/v2/manifest.json" "$TEST_DIR/v2s/manifest.json"
	run -0 "${I[@]}" copy -q --format oci "dir:$TEST_DIR/v2" "dir:$TEST_DIR/back"
	cmp "$TEST_DIR/back/manifest.json" "$(img_blob_path "$BUSYBOX_OCI" "$BUSYBOX_MANIFEST_DIGEST")"
	img_build_layout "$TEST_DIR/z" amd64 1 4 zstd
	run -1 "${I[@]}" copy -q --format v2s2 "oci:$TEST_DIR/z" "dir:$TEST_DIR/zv2"
	assert_output --partial "cannot be described by a Docker schema 2 manifest"
	# a shared blob folder, as skopeo lays it out
	run -0 "${I[@]}" copy -q --dest-shared-blob-dir "$TEST_DIR/shared" "oci:$BUSYBOX_OCI" "oci:$TEST_DIR/o1"
	[ -n "$(ls "$TEST_DIR/shared")" ]
	[ -z "$(ls "$TEST_DIR/o1/blobs")" ]
	run -0 "${I[@]}" copy -q --src-shared-blob-dir "$TEST_DIR/shared" "oci:$TEST_DIR/o1" "oci:$TEST_DIR/o2"
	diff -r "$TEST_DIR/shared" "$TEST_DIR/o2/blobs"
	run -0 skopeo --insecure-policy copy -q --src-shared-blob-dir "$TEST_DIR/shared" "oci:$TEST_DIR/o1" "oci:$TEST_DIR/o3"
	diff -r "$TEST_DIR/o2/blobs" "$TEST_DIR/o3/blobs"
	# more names in a docker-archive
	run -0 "${I[@]}" copy -q --additional-tag busybox:mine --additional-tag x/y:z "oci:$BUSYBOX_OCI" "docker-archive:$TEST_DIR/a.tar:busybox:latest"
	run -0 tar -xOf "$TEST_DIR/a.tar" manifest.json
	assert_equal "$(jq -c '.[0].RepoTags' <<<"$output")" '["docker.io/library/busybox:latest","docker.io/library/busybox:mine","docker.io/x/y:z"]'
	run -2 "${I[@]}" copy --additional-tag 'Bad:Name' "oci:$BUSYBOX_OCI" "docker-archive:$TEST_DIR/b.tar"
	# --dry-run: the source is checked, nothing is written
	run -0 "${I[@]}" copy --dry-run "oci:$BUSYBOX_OCI" "oci:$TEST_DIR/dry:latest"
	assert_output --partial "Running in dry-run mode"
	assert_output --partial "Would have copied from=oci:$BUSYBOX_OCI to=oci:$TEST_DIR/dry:latest"
	[ ! -e "$TEST_DIR/dry" ]
	run -1 "${I[@]}" copy --dry-run "oci:$TEST_DIR/none" "oci:$TEST_DIR/dry"
}

@test "--digestfile, --help, --version" {
	run -0 "${I[@]}" copy -q --digestfile "$TEST_DIR/dg" "oci:$BUSYBOX_OCI" "oci:$TEST_DIR/o"
	assert_equal "$(cat "$TEST_DIR/dg")" "$BUSYBOX_MANIFEST_DIGEST"
	run -0 "$PEA_IMAGE" --version
	assert_output --regexp '^pea-image version [0-9.]+ \(skopeo version [0-9.]+ compatible\)$'
	run -0 "$PEA_IMAGE" --help
	assert_output --partial "copy SOURCE DEST"
	for c in copy inspect login logout list-tags delete resolve manifest-digest; do
		run -0 "$PEA_IMAGE" "$c" --help
		assert_output --partial "Usage: pea-image $c"
	done
}


# policy.json with one signedBy requirement: the fields given as JSON members
sig_policy() {
	printf '{"default":[{"type":"reject"}],"transports":{"dir":{"":[{"type":"signedBy","keyType":"GPGKeys",%s}]}}}\n' "$1" >"$TEST_DIR/p.json"
}

@test "policy.json signedBy: GPG signatures of a dir: image are checked; standalone-sign, standalone-verify" {
	# gpg's temporary homes under this test's own folder: the check at the end looks
	# only for this file's agents (a file signing in the other lane keeps its own)
	export TMPDIR="$TEST_DIR"
	require_cmd gpg
	export GNUPGHOME="$TEST_DIR/gnupg"
	mkdir -m 700 "$GNUPGHOME"
	timeout -k 5 60 gpg --batch --passphrase '' --quick-gen-key "pea <pea@test>" ed25519 sign never 2>/dev/null
	timeout -k 5 60 gpg --batch --passphrase '' --quick-gen-key "other <other@test>" ed25519 sign never 2>/dev/null
	fpr="$(gpg --with-colons --list-keys pea@test | awk -F: '/^fpr/ { print $10; exit }')"
	gpg --export -a pea@test >"$TEST_DIR/pea.asc"
	gpg --export -a other@test >"$TEST_DIR/other.asc"
	run -0 "${I[@]}" copy -q "oci:$BUSYBOX_OCI" "dir:$TEST_DIR/img"
	timeout -k 5 60 skopeo standalone-sign "$TEST_DIR/img/manifest.json" docker.io/library/busybox:latest \
		"$fpr" -o "$TEST_DIR/img/signature-1"
	# standalone-sign and standalone-verify, each checked by the other tool
	run -0 timeout -k 5 60 "$PEA_IMAGE" standalone-sign "$TEST_DIR/img/manifest.json" busybox:latest \
		"$fpr" -o "$TEST_DIR/sig"
	run -0 skopeo standalone-verify "$TEST_DIR/img/manifest.json" docker.io/library/busybox:latest "$fpr" "$TEST_DIR/sig"
	run -0 "$PEA_IMAGE" standalone-verify "$TEST_DIR/img/manifest.json" docker.io/library/busybox:latest \
		"other,$fpr" "$TEST_DIR/img/signature-1"
	assert_output "Signature verified, digest $BUSYBOX_MANIFEST_DIGEST"
	run -1 "$PEA_IMAGE" standalone-verify "$TEST_DIR/img/manifest.json" docker.io/library/busybox:1 "$fpr" "$TEST_DIR/sig"
	assert_output --partial "Signature for identity docker.io/library/busybox:latest is not accepted"
	run -1 "$PEA_IMAGE" standalone-verify "$TEST_DIR/img/manifest.json" busybox:latest 0123ABCD "$TEST_DIR/sig"
	assert_output --partial "not one of the keys given"
	run -1 timeout -k 5 60 "$PEA_IMAGE" standalone-sign "$TEST_DIR/img/manifest.json" busybox:latest \
		0123456789ABCDEF0123456789ABCDEF01234567 -o "$TEST_DIR/sig2"
	assert_output --partial "no secret key"
	[ ! -e "$TEST_DIR/sig2" ]
	run -2 "$PEA_IMAGE" standalone-sign "$TEST_DIR/img/manifest.json" busybox:latest "$fpr"
	assert_output --partial "--output is required"
	# copy --sign-by into dir:, checked by skopeo
	run -0 timeout -k 5 60 "${I[@]}" copy -q --sign-by "$fpr" --sign-identity busybox:latest \
		"oci:$BUSYBOX_OCI" "dir:$TEST_DIR/signed"
	run -0 skopeo standalone-verify "$TEST_DIR/signed/manifest.json" docker.io/library/busybox:latest \
		"$fpr" "$TEST_DIR/signed/signature-1"
	run -2 "${I[@]}" copy -q --sign-by "$fpr" "oci:$BUSYBOX_OCI" "dir:$TEST_DIR/signed2"
	assert_output --partial "needs --sign-identity"
	run -2 "${I[@]}" copy -q --sign-by "$fpr" "oci:$BUSYBOX_OCI" "oci:$TEST_DIR/signed2"
	assert_output --partial "holds no signatures"
	[ ! -e "$TEST_DIR/signed2" ]
	gpgconf --kill all
	unset GNUPGHOME
	# with a key file, in a keyring of its own ("any" of its keys)
	run -0 "$PEA_IMAGE" standalone-verify --public-key-file "$TEST_DIR/pea.asc" \
		"$TEST_DIR/img/manifest.json" busybox:latest any "$TEST_DIR/sig"
	run -1 "$PEA_IMAGE" standalone-verify --public-key-file "$TEST_DIR/other.asc" \
		"$TEST_DIR/img/manifest.json" busybox:latest any "$TEST_DIR/sig"
	assert_output --partial "No public key"
	run -2 "$PEA_IMAGE" standalone-verify "$TEST_DIR/img/manifest.json" busybox:latest any "$TEST_DIR/sig"
	assert_output --partial "needs --public-key-file"
	ref='"signedIdentity":{"type":"exactReference","dockerReference":"docker.io/library/busybox:latest"}'
	sig_policy '"keyPath":"'"$TEST_DIR"'/pea.asc",'"$ref"
	run -0 "$PEA_IMAGE" --policy "$TEST_DIR/p.json" copy -q "dir:$TEST_DIR/img" "oci:$TEST_DIR/o"
	assert_equal "$(layout_manifest "$TEST_DIR/o")" "$BUSYBOX_MANIFEST_DIGEST"
	run -0 "$PEA_IMAGE" --policy "$TEST_DIR/p.json" inspect "dir:$TEST_DIR/signed"
	# keyPaths, keyData, exactRepository
	sig_policy '"keyPaths":["'"$TEST_DIR"'/other.asc","'"$TEST_DIR"'/pea.asc"],"signedIdentity":{"type":"exactRepository","dockerRepository":"docker.io/library/busybox"}'
	run -0 "$PEA_IMAGE" --policy "$TEST_DIR/p.json" inspect "dir:$TEST_DIR/img"
	sig_policy '"keyData":"'"$(base64 -w0 "$TEST_DIR/pea.asc")"'",'"$ref"
	run -0 "$PEA_IMAGE" --policy "$TEST_DIR/p.json" inspect "dir:$TEST_DIR/img"
	# another key, another identity, no identity to match a dir: image against
	sig_policy '"keyPath":"'"$TEST_DIR"'/other.asc",'"$ref"
	run -1 "$PEA_IMAGE" --policy "$TEST_DIR/p.json" copy -q "dir:$TEST_DIR/img" "oci:$TEST_DIR/o2"
	assert_output --partial "Invalid GPG signature: not signed by a key the policy trusts"
	assert_equal "${#lines[@]}" 1
	[ ! -e "$TEST_DIR/o2" ]
	sig_policy '"keyPath":"'"$TEST_DIR"'/pea.asc","signedIdentity":{"type":"exactReference","dockerReference":"docker.io/library/busybox:1"}'
	run -1 "$PEA_IMAGE" --policy "$TEST_DIR/p.json" copy -q "dir:$TEST_DIR/img" "oci:$TEST_DIR/o2"
	assert_output --partial "Signature for identity docker.io/library/busybox:latest is not accepted"
	sig_policy '"keyPath":"'"$TEST_DIR"'/pea.asc"'
	run -1 "$PEA_IMAGE" --policy "$TEST_DIR/p.json" copy -q "dir:$TEST_DIR/img" "oci:$TEST_DIR/o2"
	assert_output --partial "the image has no Docker reference"
	# the manifest changed (the same JSON, other bytes): the signature is for another digest
	cp -a "$TEST_DIR/img" "$TEST_DIR/img2"
	jq . "$TEST_DIR/img/manifest.json" >"$TEST_DIR/img2/manifest.json"
	sig_policy '"keyPath":"'"$TEST_DIR"'/pea.asc",'"$ref"
	run -1 "$PEA_IMAGE" --policy "$TEST_DIR/p.json" copy -q "dir:$TEST_DIR/img2" "oci:$TEST_DIR/o2"
	assert_output --partial "the signature is for manifest '$BUSYBOX_MANIFEST_DIGEST'"
	echo garbage >"$TEST_DIR/img2/signature-1"
	run -1 "$PEA_IMAGE" --policy "$TEST_DIR/p.json" copy -q "dir:$TEST_DIR/img2" "oci:$TEST_DIR/o2"
	assert_output --partial "Source image rejected: not a valid signature"
	assert_output --partial "(signature 1 of"
	rm "$TEST_DIR/img2/signature-1"
	run -1 "$PEA_IMAGE" --policy "$TEST_DIR/p.json" copy -q "dir:$TEST_DIR/img2" "oci:$TEST_DIR/o2"
	assert_output --partial "has none"
	[ ! -e "$TEST_DIR/o2" ]
	# bad requirements
	sig_policy '"keyPath":"'"$TEST_DIR"'/p.json",'"$ref"
	run -1 "$PEA_IMAGE" --policy "$TEST_DIR/p.json" inspect "dir:$TEST_DIR/img"
	assert_output --partial "no public keys in it"
	sig_policy '"keyPath":"/nonexistent/key"'
	run -1 "$PEA_IMAGE" --policy "$TEST_DIR/p.json" inspect "dir:$TEST_DIR/img"
	assert_output --partial "/nonexistent/key"
	printf '{"default":[{"type":"signedBy","keyType":"signedByX509"}]}' >"$TEST_DIR/p.json"
	run -1 "$PEA_IMAGE" --policy "$TEST_DIR/p.json" inspect "dir:$TEST_DIR/img"
	assert_output --partial "keyType 'signedByX509' is not supported"
	printf '{"default":[{"type":"signedBy","keyType":"GPGKeys"}]}' >"$TEST_DIR/p.json"
	run -1 "$PEA_IMAGE" --policy "$TEST_DIR/p.json" inspect "dir:$TEST_DIR/img"
	assert_output --partial "exactly one of keyPath, keyPaths and keyData"
	# nothing of gpg's left behind by pea-image: no agent, its keyrings removed
	run -1 pgrep -f "$TEST_DIR/pea-image-gnupg"
}
