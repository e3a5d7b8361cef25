#!/usr/bin/env bats
#
# The test fixtures themselves: busybox rootfs, OCI layout, docker-archive,
# bundles, registry, rootless user, network namespaces.

bats_require_minimum_version 1.5.0
load helpers/common

setup_file() {
	ensure_fixtures
}

teardown() {
	# Whatever a failed test left running.
	registry_stop
	netns_delete_all
}

@test "fixtures: the busybox rootfs runs sh via chroot" {
	require_root
	run -0 chroot "$BUSYBOX_ROOTFS" /bin/busybox sh -c 'echo ok'
	assert_output ok
	# Applets are symlinks, found through PATH.
	# In a copy: a redirection to /dev/null inside a chroot would create a
	# regular file dev/null in the shared fixture.
	cp -a "$BUSYBOX_ROOTFS" "$TEST_DIR/rootfs"
	run -0 chroot "$TEST_DIR/rootfs" /bin/sh -c 'PATH=/bin:/usr/bin; ls / >/dev/null && id -u && readlink /usr/bin/env'
	assert_output "0
../../bin/busybox"
	assert [ -L "$BUSYBOX_ROOTFS/bin/sh" ]
	assert_equal "$(grep -c . "$BUSYBOX_ROOTFS/etc/passwd")" 2
	assert_equal "$(grep '^nobody:' "$BUSYBOX_ROOTFS/etc/group")" "nobody:x:65534:"
	assert_equal "$(stat -c %a "$BUSYBOX_ROOTFS/tmp")" 1777
	for d in dev proc sys run root home var; do
		assert [ -d "$BUSYBOX_ROOTFS/$d" ]
	done
	assert_equal "$(ls -A "$BUSYBOX_ROOTFS/dev")" ""
}

@test "fixtures: the OCI layout is valid" {
	local layout="$BUSYBOX_OCI" blob name manifest config layer diff_id
	assert_equal "$(jq -r .imageLayoutVersion "$layout/oci-layout")" 1.0.0
	# Every blob is named after its sha256.
	for blob in "$layout"/blobs/sha256/*; do
		name="${blob##*/}"
		assert_equal "$(pea_sha256 "$blob")" "$name"
	done
	assert_equal "$(jq -r '.manifests | length' "$layout/index.json")" 1
	assert_equal "$(jq -r '.manifests[0].annotations["org.opencontainers.image.ref.name"]' "$layout/index.json")" latest
	assert_equal "$(jq -r '.manifests[0].digest' "$layout/index.json")" "$BUSYBOX_MANIFEST_DIGEST"
	manifest="$layout/blobs/sha256/${BUSYBOX_MANIFEST_DIGEST#sha256:}"
	assert_equal "$(jq -r '.manifests[0].size' "$layout/index.json")" "$(stat -c %s "$manifest")"
	assert_equal "$(jq -r .mediaType "$manifest")" application/vnd.oci.image.manifest.v1+json
	assert_equal "$(jq -r .layers[0].mediaType "$manifest")" application/vnd.oci.image.layer.v1.tar+gzip

	# The manifest references the config and the layer, with their sizes.
	config="$layout/blobs/sha256/$(jq -r '.config.digest | ltrimstr("sha256:")' "$manifest")"
	layer="$layout/blobs/sha256/$(jq -r '.layers[0].digest | ltrimstr("sha256:")' "$manifest")"
	assert [ -f "$config" ]
	assert [ -f "$layer" ]
	assert_equal "$(jq -r .config.size "$manifest")" "$(stat -c %s "$config")"
	assert_equal "$(jq -r .layers[0].size "$manifest")" "$(stat -c %s "$layer")"

	# The config: platform, command, diff_id of the uncompressed layer.
	assert_equal "$(jq -r .os "$config")" linux
	assert_equal "$(jq -r .architecture "$config")" "$(oci_platform | cut -d' ' -f1)"
	assert_equal "$(jq -c .config.Cmd "$config")" '["sh"]'
	assert_equal "$(jq -r '.config.Env[0]' "$config")" "$PEA_FIXTURE_PATH"
	diff_id="$(gzip -dc "$layer" | sha256sum | cut -d' ' -f1)"
	assert_equal "$(jq -r '.rootfs.diff_ids[0]' "$config")" "sha256:$diff_id"

	# The layer holds the rootfs, owned by root, with no "./" prefix.
	run -0 tar -tzvf "$layer" bin/busybox
	assert_output --regexp '^-rwxr-xr-x 0/0 .* bin/busybox$'
	run -0 tar -tzf "$layer" etc/passwd bin/sh usr/bin/env tmp/
}

@test "fixtures: building the image twice gives the same manifest digest" {
	run -0 fixtures_build "$TEST_DIR/again"
	assert_equal "$(cat "$TEST_DIR/again/manifest-digest")" "$BUSYBOX_MANIFEST_DIGEST"
	assert_equal "$(pea_sha256 "$TEST_DIR/again/busybox-docker-archive.tar")" "$(pea_sha256 "$BUSYBOX_ARCHIVE")"
	run -0 diff -r "$TEST_DIR/again/busybox-oci" "$BUSYBOX_OCI"
}

@test "fixtures: the docker-archive lists manifest.json, config and layer" {
	local config layer
	run -0 tar -tf "$BUSYBOX_ARCHIVE"
	assert_line manifest.json
	assert_equal "${#lines[@]}" 3
	run -0 tar -xOf "$BUSYBOX_ARCHIVE" manifest.json
	assert_equal "$(jq -r '.[0].RepoTags[0]' <<<"$output")" localhost/busybox:latest
	config="$(jq -r '.[0].Config' <<<"$output")"
	layer="$(jq -r '.[0].Layers[0]' <<<"$output")"
	run -0 tar -tf "$BUSYBOX_ARCHIVE" "$config" "$layer"
	# The config is the OCI one; the layer is the uncompressed layer.
	assert_equal "sha256:$(tar -xOf "$BUSYBOX_ARCHIVE" "$config" | sha256sum | cut -d' ' -f1)" \
		"$(jq -r .config.digest "$BUSYBOX_OCI/blobs/sha256/${BUSYBOX_MANIFEST_DIGEST#sha256:}")"
	assert_equal "sha256:$(tar -xOf "$BUSYBOX_ARCHIVE" "$layer" | sha256sum | cut -d' ' -f1)" \
		"$(tar -xOf "$BUSYBOX_ARCHIVE" "$config" | jq -r '.rootfs.diff_ids[0]')"
}

@test "fixtures: skopeo reads the OCI layout and the docker-archive" {
	require_cmd skopeo
	run -0 skopeo inspect --raw "oci:$BUSYBOX_OCI:latest"
	assert_equal "sha256:$(printf '%s' "$output" | sha256sum | cut -d' ' -f1)" "$BUSYBOX_MANIFEST_DIGEST"
	run -0 skopeo inspect "docker-archive:$BUSYBOX_ARCHIVE"
	assert_equal "$(jq -r .Architecture <<<"$output")" "$(oci_platform | cut -d' ' -f1)"
	assert_equal "$(jq -r '.Layers | length' <<<"$output")" 1
}

@test "fixtures: make_bundle runs echo hi with crun" {
	require_root
	require_cmd crun
	prepare_cgroups_for_crun
	make_bundle "$TEST_DIR/b" echo hi
	assert_equal "$(jq -r .hostname "$TEST_DIR/b/config.json")" pea
	run -0 crun --root "$ROOT" run --bundle "$TEST_DIR/b" "pea-fixture-$$"
	assert_output hi

	# bundle_set edits the config in place.
	# shellcheck disable=SC2016 # for jq and the container's shell
	bundle_set "$TEST_DIR/b" '.process.args = ["sh", "-c", "hostname; echo $X"] | .process.env += [$e]' \
		--arg e X=from-bundle-set
	run -0 crun --root "$ROOT" run --bundle "$TEST_DIR/b" "pea-fixture-$$"
	assert_output "pea
from-bundle-set"
}

@test "fixtures: the registry serves the busybox image pushed with curl" {
	local digest blob
	require_cmd curl
	registry_start
	assert [ -n "$REGISTRY_PID" ]
	registry_push_oci "$BUSYBOX_OCI" pea/busybox:latest

	run -0 curl -sSf -D "$TEST_DIR/headers" -o "$TEST_DIR/manifest" \
		-H "Accept: application/vnd.oci.image.manifest.v1+json" \
		"http://$REGISTRY_ADDR/v2/pea/busybox/manifests/latest"
	digest="$(awk 'tolower($1) == "docker-content-digest:" { print $2 }' "$TEST_DIR/headers" | tr -d '\r')"
	assert_equal "$digest" "$BUSYBOX_MANIFEST_DIGEST"
	run -0 cmp "$TEST_DIR/manifest" "$BUSYBOX_OCI/blobs/sha256/${BUSYBOX_MANIFEST_DIGEST#sha256:}"

	blob="$(jq -r .layers[0].digest "$TEST_DIR/manifest")"
	run -0 curl -sSf -o "$TEST_DIR/layer" "http://$REGISTRY_ADDR/v2/pea/busybox/blobs/$blob"
	assert_equal "sha256:$(pea_sha256 "$TEST_DIR/layer")" "$blob"

	# Pushing again finds every blob there already.
	registry_push_oci "$BUSYBOX_OCI" pea/busybox:again
	run -0 curl -sSf "http://$REGISTRY_ADDR/v2/pea/busybox/tags/list"
	assert_equal "$(jq -c '.tags | sort' <<<"$output")" '["again","latest"]'

	local pid="$REGISTRY_PID" dir="$REGISTRY_DIR"
	registry_stop
	run ! kill -0 "$pid"
	assert [ ! -e "$dir" ]
}

@test "fixtures: the rootless user has subuids and a user namespace" {
	require_root
	rootless_user_setup
	run -0 id -u peatest
	assert_equal "$output" "$ROOTLESS_UID"
	assert_equal "$(grep -c "^peatest:" /etc/subuid)" 1
	assert_equal "$(grep -c "^peatest:" /etc/subgid)" 1
	assert_equal "$(stat -c '%u %a' "/run/user/$ROOTLESS_UID")" "$ROOTLESS_UID 700"
	# Idempotent: a second setup changes nothing.
	# (peatest's own lines: a rootless file in the other lane may add its user meanwhile)
	grep "^peatest:" /etc/subuid /etc/subgid >"$TEST_DIR/subids"
	rootless_user_setup
	run -0 diff <(grep "^peatest:" /etc/subuid /etc/subgid) "$TEST_DIR/subids"

	# shellcheck disable=SC2016 # expanded by the user's shell
	run -0 run_as_user sh -c 'id -un; echo "$HOME $XDG_RUNTIME_DIR"'
	assert_output "peatest
$ROOTLESS_HOME /run/user/$ROOTLESS_UID"

	require_userns
	run -0 run_as_user unshare --user --map-root-user id -u
	assert_output 0
}

@test "fixtures: a rootless bundle runs with crun as the rootless user" {
	local dir
	require_root
	require_cmd crun
	require_userns
	rootless_user_setup
	dir="$(rootless_tmpdir)"
	make_bundle "$dir/b" sh -c 'id -u; cat /proc/self/uid_map'
	bundle_rootless "$dir/b" "$ROOTLESS_UID" "$ROOTLESS_GID"
	chown -R "$ROOTLESS_UID:$ROOTLESS_GID" "$dir/b"
	run -0 run_as_user crun run --bundle "$dir/b" "pea-fixture-$$"
	assert_line --index 0 0
	assert_line --index 1 --regexp "^ +0 +$ROOTLESS_UID +1\$"
}

@test "fixtures: netns create and delete leave no namespace behind" {
	require_root
	require_cmd ip
	local a b
	netns_create
	a="$NETNS_NAME"
	assert [ -e "$NETNS_PATH" ]
	run -0 ip -n "$a" -o link show lo
	assert_output --partial "state UNKNOWN"
	netns_create
	b="$NETNS_NAME"
	assert [ "$a" != "$b" ]

	netns_veth "$a" "$b"
	run -0 ip netns exec "$a" /bin/busybox ping -c 1 -W 2 192.0.2.2

	netns_delete "$a"
	netns_delete_all
	run -0 ip netns list
	refute_output --partial "$a"
	refute_output --partial "$b"
	assert [ ! -e "/run/netns/$a" ]
	assert [ ! -e "/run/netns/$b" ]
}
