#!/usr/bin/env bats
# pea-image sync (skopeo sync): every tag of a repository, or every dir: image under
# a folder, to a folder or a registry (Debian's docker-registry on 127.0.0.1), each
# image named as skopeo names it (--scoped keeps the registry and path), compared
# with skopeo's own sync; --dry-run, --keep-going, and each bad input's one line.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-image

setup_file() {
	ensure_fixtures
	registry_start
	local t
	for t in v1 v2; do
		"$PEA_IMAGE" --insecure-policy copy -q --dest-tls-verify=false \
			"oci:$BUSYBOX_OCI" "docker://$REGISTRY_ADDR/s1/busybox:$t" || return 1
	done
}

teardown_file() {
	registry_stop
}

setup() {
	require_cmd "$PEA_IMAGE"
	I=("$PEA_IMAGE" --insecure-policy)
	R="$REGISTRY_ADDR"
}

# The image folders under $1, one a line, sorted.
image_dirs() {
	(cd "$1" && find . -name manifest.json -printf '%h\n' | sed 's|^\./||' | sort)
}

@test "sync docker to dir: every tag, named NAME:TAG, manifests unchanged; as skopeo does" {
	run -0 "${I[@]}" sync --src docker --dest dir --src-tls-verify=false "$R/s1/busybox" "$TEST_DIR/out"
	assert_line --partial 'msg="Copying image ref 1/2"'
	assert_line --partial "from=\"docker://$R/s1/busybox:v1\" to=\"dir:$TEST_DIR/out/busybox:v1\""
	assert_line --partial 'msg="Synced 2 images from 1 sources"'
	assert_equal "$(image_dirs "$TEST_DIR/out" | paste -sd' ')" "busybox:v1 busybox:v2"
	assert_equal "sha256:$(sha256sum <"$TEST_DIR/out/busybox:v2/manifest.json" | cut -d' ' -f1)" \
		"$BUSYBOX_MANIFEST_DIGEST"
	run -0 skopeo --insecure-policy sync --src docker --dest dir --src-tls-verify=false \
		"$R/s1/busybox" "$TEST_DIR/anchor"
	assert_equal "$(image_dirs "$TEST_DIR/out")" "$(image_dirs "$TEST_DIR/anchor")"
}

@test "sync --scoped keeps the registry and path; a tag names one image" {
	run -0 "${I[@]}" sync --src docker --dest dir --scoped --src-tls-verify=false "$R/s1/busybox:v2" "$TEST_DIR/out"
	assert_line --partial 'msg="Synced 1 images from 1 sources"'
	assert_equal "$(image_dirs "$TEST_DIR/out")" "$R/s1/busybox:v2"
	run -0 skopeo --insecure-policy sync --src docker --dest dir --scoped --src-tls-verify=false \
		"$R/s1/busybox:v2" "$TEST_DIR/anchor"
	assert_equal "$(image_dirs "$TEST_DIR/out")" "$(image_dirs "$TEST_DIR/anchor")"
}

@test "sync dir to docker and docker to docker: the repositories get every tag" {
	run -0 "${I[@]}" sync -s docker -d dir --src-tls-verify=false "$R/s1/busybox" "$TEST_DIR/out"
	run -0 "${I[@]}" sync --src dir --dest docker --dest-tls-verify=false "$TEST_DIR/out" "$R/mirror"
	assert_line --partial "to=\"docker://$R/mirror/busybox:v1\""
	run -0 "${I[@]}" list-tags --tls-verify=false "docker://$R/mirror/busybox"
	assert_equal "$(jq -r '.Tags | sort | join(" ")' <<<"$output")" "v1 v2"
	# one image folder named as the source: its own name under the destination
	run -0 "${I[@]}" sync --src dir --dest docker --dest-tls-verify=false "$TEST_DIR/out/busybox:v2" "$R/one"
	run -0 "${I[@]}" list-tags --tls-verify=false "docker://$R/one/busybox"
	assert_equal "$(jq -r '.Tags | join(" ")' <<<"$output")" "v2"
	run -0 "${I[@]}" sync --src docker --dest docker --src-tls-verify=false --dest-tls-verify=false \
		"$R/s1/busybox" "$R/copy/x"
	run -0 "${I[@]}" inspect --tls-verify=false "docker://$R/copy/x/busybox:v1"
	assert_equal "$(jq -r .Digest <<<"$output")" "$BUSYBOX_MANIFEST_DIGEST"
}

@test "sync --dry-run lists the copies and makes nothing" {
	run -0 "${I[@]}" sync --dry-run --src docker --dest dir --src-tls-verify=false "$R/s1/busybox" "$TEST_DIR/out"
	assert_line --partial 'msg="Running in dry-run mode"'
	assert_line --partial 'msg="Would have copied image ref 2/2"'
	assert_line --partial 'msg="Would have synced 2 images from 1 sources"'
	[[ ! -e "$TEST_DIR/out" ]]
}

@test "sync --keep-going copies what it can and fails at the end; without it the first error stops" {
	run -0 "${I[@]}" copy -q "oci:$BUSYBOX_OCI" "dir:$TEST_DIR/src/a:good"
	mkdir -p "$TEST_DIR/src/b:bad"
	echo '{not json' >"$TEST_DIR/src/b:bad/manifest.json"
	run -0 "${I[@]}" copy -q "oci:$BUSYBOX_OCI" "dir:$TEST_DIR/src/c:good"
	run -1 "${I[@]}" sync --keep-going --src dir --dest docker --dest-tls-verify=false "$TEST_DIR/src" "$R/kg"
	assert_line --partial "level=error msg=\"Error copying ref \\\"dir:$TEST_DIR/src/b:bad\\\"\""
	assert_line --partial 'msg="Synced 2 images from 1 sources"'
	assert_line 'pea-image: sync: one or more images could not be copied (see the errors above)'
	run -0 "${I[@]}" list-tags --tls-verify=false "docker://$R/kg/c"
	run -1 "${I[@]}" sync --src dir --dest docker --dest-tls-verify=false "$TEST_DIR/src" "$R/stop"
	assert_line --partial "pea-image: sync: copying 'dir:$TEST_DIR/src/b:bad': "
	run -1 "${I[@]}" list-tags --tls-verify=false "docker://$R/stop/c"
}

@test "sync: bad inputs, each with its one line" {
	run -2 "${I[@]}" sync --src foo --dest dir a b
	assert_output "pea-image: sync: --src 'foo': expected docker or dir"
	run -2 "${I[@]}" sync --src yaml --dest dir sync.yaml b
	assert_output "pea-image: sync: --src 'yaml': expected docker or dir"
	run -2 "${I[@]}" sync --dest dir a b
	assert_output "pea-image: sync: --src is required: docker or dir"
	run -2 "${I[@]}" sync --src docker --dest tape a b
	assert_output "pea-image: sync: --dest 'tape': expected docker or dir"
	run -2 "${I[@]}" sync --src docker a b
	assert_output "pea-image: sync: --dest is required: docker or dir"
	run -2 "${I[@]}" sync --src docker --dest dir "$R/s1/busybox"
	assert_output "pea-image: sync: expected SOURCE DESTINATION, got 1 argument(s)"
	run -2 "${I[@]}" sync --src dir --dest dir a b
	assert_output "pea-image: sync: from dir to dir is not supported (copy the folder)"
	run -2 "${I[@]}" sync --src docker --dest dir --bogus a b
	assert_output "pea-image: sync: unknown option '--bogus' (see pea-image sync --help)"
	run -2 "${I[@]}" copy --scoped a b
	assert_output "pea-image: copy: unknown option '--scoped' (see pea-image copy --help)"
	run -1 "${I[@]}" sync --src docker --dest dir "Bad//Name" "$TEST_DIR/out"
	assert_output --regexp "^pea-image: sync: 'Bad//Name': "
	assert_equal "${#lines[@]}" 1
	port=$(pea_free_port)
	run -1 "${I[@]}" sync --src docker --dest dir --src-tls-verify=false "127.0.0.1:$port/x/busybox" "$TEST_DIR/out"
	assert_line --index 1 --regexp "^pea-image: sync: listing tags of '127.0.0.1:$port/x/busybox': .*"
	run -1 "${I[@]}" sync --src dir --dest docker "$TEST_DIR/none" "$R/x"
	assert_output "pea-image: sync: the source folder '$TEST_DIR/none': No such file or directory"
	mkdir "$TEST_DIR/empty"
	run -1 "${I[@]}" sync --src dir --dest docker "$TEST_DIR/empty" "$R/x"
	assert_output "pea-image: sync: no images to sync in '$TEST_DIR/empty'"
	mkdir -p "$TEST_DIR/out/busybox:v1"
	run -1 "${I[@]}" sync --src docker --dest dir --src-tls-verify=false "$R/s1/busybox:v1" "$TEST_DIR/out"
	assert_line "pea-image: sync: '$TEST_DIR/out/busybox:v1' exists: refusing to overwrite it"
}
