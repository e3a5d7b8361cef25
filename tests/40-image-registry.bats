#!/usr/bin/env bats
# pea-image against a real registry (Debian's docker-registry on 127.0.0.1):
# push, pull, inspect, list-tags, delete, manifest lists, digests checked, errors.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-image

setup_file() {
	ensure_fixtures
	registry_start
	export MULTI="$BATS_FILE_TMPDIR/multi" ZSTD="$BATS_FILE_TMPDIR/zstd"
	img_build_layout "$MULTI" amd64 5 256 gzip
	img_build_layout "$ZSTD" amd64 3 128 zstd
}

teardown_file() {
	registry_stop
}

teardown() {
	# fronts started by a test that failed before stopping them
	local f
	for f in flaky slow redir p503 die pp; do
		img_flaky_stop "$f"
	done
	img_kill "${SIGSERVER_PID:-}"
	if [[ -d "$TEST_DIR/gnupg" ]]; then
		GNUPGHOME="$TEST_DIR/gnupg" timeout -k 5 20 gpgconf --kill all || true
	fi
}

setup() {
	require_cmd "$PEA_IMAGE"
	I=("$PEA_IMAGE" --insecure-policy)
	R="$REGISTRY_ADDR"
}

layout_manifest() {
	jq -r '.manifests[0].digest' "$1/index.json"
}

registry_blob_file() {
	echo "$REGISTRY_DIR/data/docker/registry/v2/blobs/sha256/${1:7:2}/${1#sha256:}/data"
}

@test "push and pull keep the manifest digest; inspect and list-tags read like skopeo's" {
	run -0 "${I[@]}" copy -q --dest-tls-verify=false "oci:$BUSYBOX_OCI" "docker://$R/t1/busybox:v1"
	run -0 "${I[@]}" inspect --tls-verify=false "docker://$R/t1/busybox:v1"
	mine="$output"
	run -0 skopeo --insecure-policy inspect --tls-verify=false "docker://$R/t1/busybox:v1"
	assert_equal "$mine" "$output"
	assert_equal "$(jq -r .Digest <<<"$mine")" "$BUSYBOX_MANIFEST_DIGEST"
	run -0 "${I[@]}" copy -q --src-tls-verify=false "docker://$R/t1/busybox:v1" "oci:$TEST_DIR/o"
	assert_equal "$(layout_manifest "$TEST_DIR/o")" "$BUSYBOX_MANIFEST_DIGEST"
	run -0 "${I[@]}" copy -q --src-tls-verify=false "docker://$R/t1/busybox@$BUSYBOX_MANIFEST_DIGEST" "dir:$TEST_DIR/d"
	run -0 "${I[@]}" list-tags --tls-verify=false "docker://$R/t1/busybox"
	mine="$output"
	run -0 skopeo list-tags --tls-verify=false "docker://$R/t1/busybox"
	assert_equal "$mine" "$output"
	run -0 "${I[@]}" inspect --raw --tls-verify=false "docker://$R/t1/busybox:v1"
	assert_equal "$output" "$(cat "$(img_blob_path "$BUSYBOX_OCI" "$BUSYBOX_MANIFEST_DIGEST")")"
}

@test "a multi-layer image: pulled in parallel, the same blobs and files as skopeo's pull" {
	registry_push_oci "$MULTI" t2/multi:latest
	run -0 "${I[@]}" copy --progress=json --src-tls-verify=false "docker://$R/t2/multi" "oci:$TEST_DIR/mine"
	# every transfer starts before the first one ends: they run at once
	first_done="$(grep -n '"event":"done"' <<<"$output" | head -1 | cut -d: -f1)"
	starts_before="$(head -n "$first_done" <<<"$output" | grep -c '"event":"start"')"
	[ "$starts_before" -ge 6 ]
	run -0 skopeo --insecure-policy copy -q --src-tls-verify=false "docker://$R/t2/multi" "oci:$TEST_DIR/skopeo"
	assert_equal "$(layout_manifest "$TEST_DIR/mine")" "$(layout_manifest "$TEST_DIR/skopeo")"
	assert_equal "$(cd "$TEST_DIR/mine/blobs/sha256" && sha256sum * | sort)" \
		"$(cd "$TEST_DIR/skopeo/blobs/sha256" && sha256sum * | sort)"
	# unpacked, the layers give the same files
	m="$(img_blob_path "$TEST_DIR/mine" "$(layout_manifest "$TEST_DIR/mine")")"
	mkdir "$TEST_DIR/r1" "$TEST_DIR/r2"
	for l in $(jq -r '.layers[].digest' "$m"); do
		tar -xzf "$(img_blob_path "$TEST_DIR/mine" "$l")" -C "$TEST_DIR/r1"
		tar -xzf "$(img_blob_path "$TEST_DIR/skopeo" "$l")" -C "$TEST_DIR/r2"
	done
	assert_equal "$(img_tree_digest "$TEST_DIR/r1")" "$(img_tree_digest "$TEST_DIR/r2")"
}

@test "zstd layers push and pull as they are" {
	run -0 "${I[@]}" copy -q --dest-tls-verify=false "oci:$ZSTD" "docker://$R/t3/zstd:1"
	run -0 "${I[@]}" copy -q --src-tls-verify=false "docker://$R/t3/zstd:1" "oci:$TEST_DIR/o"
	assert_equal "$(layout_manifest "$TEST_DIR/o")" "$(layout_manifest "$ZSTD")"
	run -0 skopeo --insecure-policy inspect --tls-verify=false "docker://$R/t3/zstd:1"
	assert_equal "$(jq -r '.Layers | length' <<<"$output")" 4
}

@test "blobs already in the registry or the layout are skipped" {
	run -0 "${I[@]}" copy -q --dest-tls-verify=false "oci:$MULTI" "docker://$R/t4/multi:a"
	run -0 "${I[@]}" copy --dest-tls-verify=false "oci:$MULTI" "docker://$R/t4/multi:b"
	# the six layers skipped; the config is named as skopeo names it, skipped or not
	assert_equal "$(grep -c '^Copying blob .* skipped: already exists$' <<<"$output")" 6
	assert_equal "$(grep -c '^Copying config sha256:' <<<"$output")" 1
	run -0 "${I[@]}" copy -q --src-tls-verify=false "docker://$R/t4/multi:a" "oci:$TEST_DIR/o:a"
	run -0 "${I[@]}" copy --progress=json --src-tls-verify=false "docker://$R/t4/multi:b" "oci:$TEST_DIR/o:b"
	assert_equal "$(grep -c '"event":"skipped"' <<<"$output")" 7
	refute_output --partial '"event":"start"'
}

@test "registry to registry (blobs mounted across repositories), and delete" {
	registry_push_oci "$BUSYBOX_OCI" t1/busybox:v1
	run -0 "${I[@]}" copy --progress=json --src-tls-verify=false --dest-tls-verify=false "docker://$R/t1/busybox:v1" "docker://$R/t5/copy:x"
	assert_equal "$(grep -c '"event":"mounted"' <<<"$output")" 2
	refute_output --partial '"event":"start"' 
	run -0 "${I[@]}" inspect --tls-verify=false "docker://$R/t5/copy:x"
	assert_equal "$(jq -r .Digest <<<"$output")" "$BUSYBOX_MANIFEST_DIGEST"
	run -0 "${I[@]}" delete --tls-verify=false "docker://$R/t5/copy:x"
	run -1 "${I[@]}" inspect --tls-verify=false "docker://$R/t5/copy:x"
	assert_output --partial "manifest unknown"
}

@test "a manifest list: platform selection on pull, --all push and pull keep the index" {
	img_build_layout "$TEST_DIR/amd" amd64 1 4
	img_build_layout "$TEST_DIR/arm" arm64 1 4 gzip v8
	img_build_index "$TEST_DIR/idx" "$TEST_DIR/amd" "$TEST_DIR/arm"
	registry_push_oci "$TEST_DIR/idx" t6/multiarch:latest
	run -0 "${I[@]}" copy -q --src-tls-verify=false "docker://$R/t6/multiarch" "oci:$TEST_DIR/host"
	assert_equal "$(layout_manifest "$TEST_DIR/host")" "$(layout_manifest "$TEST_DIR/amd")"
	run -0 "${I[@]}" --override-arch arm64 --override-variant v8 copy -q --src-tls-verify=false "docker://$R/t6/multiarch" "oci:$TEST_DIR/arm64"
	assert_equal "$(layout_manifest "$TEST_DIR/arm64")" "$(layout_manifest "$TEST_DIR/arm")"
	run -0 "${I[@]}" --override-arch arm64 inspect --tls-verify=false "docker://$R/t6/multiarch"
	assert_equal "$(jq -r .Architecture <<<"$output")" arm64
	assert_equal "$(jq -r .Digest <<<"$output")" "$(layout_manifest "$TEST_DIR/idx")"
	run -0 "${I[@]}" copy -q --all --src-tls-verify=false --dest-tls-verify=false "docker://$R/t6/multiarch" "docker://$R/t6/copy:all"
	run -0 "${I[@]}" copy -q --all --src-tls-verify=false "docker://$R/t6/copy:all" "oci:$TEST_DIR/all"
	assert_equal "$(layout_manifest "$TEST_DIR/all")" "$(layout_manifest "$TEST_DIR/idx")"
	run -0 "${I[@]}" --override-arch arm64 --override-variant v8 inspect --tls-verify=false "docker://$R/t6/copy:all"
	assert_equal "$(jq -r .Architecture <<<"$output")" arm64
	run -1 "${I[@]}" --override-arch mips copy -q --src-tls-verify=false "docker://$R/t6/multiarch" "oci:$TEST_DIR/none"
	assert_output --partial "parsing manifest for image: choosing image instance: no image found in manifest list for architecture mips"
	[ ! -e "$TEST_DIR/none" ]
}

@test "a blob whose content does not match its digest aborts the pull, nothing is left" {
	img_build_layout "$TEST_DIR/img" amd64 2 64
	registry_push_oci "$TEST_DIR/img" t7/bad:latest
	m="$(img_blob_path "$TEST_DIR/img" "$(layout_manifest "$TEST_DIR/img")")"
	layer="$(jq -r '.layers[2].digest' "$m")"
	f="$(registry_blob_file "$layer")"
	[ -f "$f" ]
	printf 'XXXX' | dd of="$f" bs=1 seek=200 conv=notrunc status=none
	run -1 "${I[@]}" copy -q --src-tls-verify=false "docker://$R/t7/bad" "oci:$TEST_DIR/o"
	assert_output --partial "blob '$layer': digest mismatch"
	assert_equal "${#lines[@]}" 1
	[ ! -e "$TEST_DIR/o" ]
	mkdir "$TEST_DIR/tmp"
	run -1 "${I[@]}" --tmpdir "$TEST_DIR/tmp" copy -q --src-tls-verify=false "docker://$R/t7/bad" "docker-archive:$TEST_DIR/a.tar"
	assert_output --partial "digest mismatch"
	[ ! -e "$TEST_DIR/a.tar" ]
	run -1 "${I[@]}" --tmpdir "$TEST_DIR/tmp" copy -q --src-tls-verify=false "docker://$R/t7/bad" "oci-archive:$TEST_DIR/a.tar"
	[ ! -e "$TEST_DIR/a.tar" ]
	[ -z "$(ls -A "$TEST_DIR/tmp")" ]
	truncate -s 100 "$f"
	run -1 "${I[@]}" copy -q --src-tls-verify=false "docker://$R/t7/bad" "dir:$TEST_DIR/d"
	assert_output --partial "blob '$layer'"
	[ ! -e "$TEST_DIR/d" ]
}

@test "a connection cut in the middle of a blob: resumed with Range, digests still checked" {
	registry_push_oci "$MULTI" t9/multi:latest
	registry_push_oci "$MULTI" t9/other:latest
	img_flaky_start flaky "$R"
	run -0 "${I[@]}" copy -q --src-tls-verify=false "docker://$IMG_FLAKY_ADDR/t9/multi" "oci:$TEST_DIR/o"
	assert_equal "$(jq -r '.manifests[0].digest' "$TEST_DIR/o/index.json")" "$(layout_manifest "$MULTI")"
	grep -q 'GET /v2/t9/multi/blobs/sha256:.* bytes=[0-9]*-$' "$IMG_FLAKY_LOG"
	for f in "$TEST_DIR"/o/blobs/sha256/*; do
		cmp "$f" "$MULTI/blobs/sha256/$(basename "$f")"
	done
	run -1 "${I[@]}" copy -q --retry-times 0 --src-tls-verify=false "docker://$IMG_FLAKY_ADDR/t9/other" "oci:$TEST_DIR/o2"
	assert_output --partial "blob 'sha256:"
	assert_equal "${#lines[@]}" 1
	[ ! -e "$TEST_DIR/o2" ]
	img_flaky_stop flaky
}

@test "the registry dies in the middle of a blob and comes back: the pull resumes" {
	registry_push_oci "$MULTI" t13/multi:latest
	img_flaky_start die "$R" die
	run -0 "${I[@]}" copy -q --src-tls-verify=false "docker://$IMG_DIE_ADDR/t13/multi" "oci:$TEST_DIR/o"
	assert_equal "$(layout_manifest "$TEST_DIR/o")" "$(layout_manifest "$MULTI")"
	# it died in the middle of a layer; that layer was then finished with a Range request
	assert_equal "$(wc -l <"$IMG_DIE_STATE")" 1
	grep -q "GET $(cat "$IMG_DIE_STATE") bytes=[0-9]*-$" "$IMG_DIE_LOG"
	for f in "$TEST_DIR"/o/blobs/sha256/*; do
		cmp "$f" "$MULTI/blobs/sha256/$(basename "$f")"
	done
	img_flaky_stop die
}

@test "blobs redirected to another server (as to blob storage) are followed" {
	registry_push_oci "$MULTI" t11/multi:latest
	img_flaky_start redir "$R" redirect
	run -0 "${I[@]}" copy -q --src-tls-verify=false "docker://$IMG_REDIR_ADDR/t11/multi" "oci:$TEST_DIR/o"
	img_flaky_stop redir
	assert_equal "$(layout_manifest "$TEST_DIR/o")" "$(layout_manifest "$MULTI")"
	grep -q 'GET /v2/t11/multi/blobs/sha256:' "$IMG_REDIR_LOG"
}

@test "a failed upload (503) is tried again" {
	img_flaky_start p503 "$R" push503
	run -0 "${I[@]}" copy -q --dest-tls-verify=false "oci:$MULTI" "docker://$IMG_P503_ADDR/t12/multi:1"
	assert_equal "$(grep -c '^PUT /v2/t12/multi/blobs/uploads/' "$IMG_P503_LOG")" 14
	run -1 "${I[@]}" copy -q --retry-times 0 --dest-tls-verify=false "oci:$ZSTD" "docker://$IMG_P503_ADDR/t12/zstd:1"
	assert_output --partial "unexpected HTTP status 503"
	img_flaky_stop p503
	run -0 "${I[@]}" inspect --tls-verify=false "docker://$R/t12/multi:1"
	assert_equal "$(jq -r .Digest <<<"$output")" "$(layout_manifest "$MULTI")"
}

@test "a chunked push (PATCH, Content-Range): a chunk that fails is resumed where the registry stands" {
	run -0 "${I[@]}" copy -q --dest-tls-verify=false --dest-chunk-size=64k "oci:$MULTI" "docker://$R/t14/multi:1"
	# six blobs, the layers in several chunks each
	(($(grep -c '"PATCH /v2/t14/multi/blobs/uploads/' "$REGISTRY_DIR/registry.log") >= 20))
	run -0 "${I[@]}" inspect --tls-verify=false "docker://$R/t14/multi:1"
	assert_equal "$(jq -r .Digest <<<"$output")" "$(layout_manifest "$MULTI")"
	# the second chunk of each upload answered 503: the upload's status is asked, then on
	img_flaky_start pp "$R" patch503
	run -0 "${I[@]}" copy -q --dest-tls-verify=false --dest-chunk-size=64k "oci:$ZSTD" "docker://$IMG_PP_ADDR/t14/zstd:1"
	grep -q '^GET /v2/t14/zstd/blobs/uploads/' "$IMG_PP_LOG"
	run -0 "${I[@]}" copy -q --src-tls-verify=false "docker://$R/t14/zstd:1" "oci:$TEST_DIR/o"
	assert_equal "$(layout_manifest "$TEST_DIR/o")" "$(layout_manifest "$ZSTD")"
	for f in "$TEST_DIR"/o/blobs/sha256/*; do
		cmp "$f" "$ZSTD/blobs/sha256/$(basename "$f")"
	done
	# no tries left: the 503 is the error
	run -1 "${I[@]}" copy -q --retry-times 0 --dest-tls-verify=false --dest-chunk-size=64k \
		"oci:$MULTI" "docker://$IMG_PP_ADDR/t14/other:1"
	assert_output --partial "unexpected HTTP status 503"
	assert_equal "${#lines[@]}" 1
	img_flaky_stop pp
	run -2 "${I[@]}" copy -q --dest-chunk-size=12x "oci:$MULTI" "docker://$R/t14/x:1"
	assert_output --partial "--dest-chunk-size '12x': expected a size"
}

@test "SIGINT in the middle of a pull: the copy stops and removes what it made" {
	img_build_layout "$TEST_DIR/big" amd64 2 2048 none
	registry_push_oci "$TEST_DIR/big" t10/big:latest
	img_flaky_start slow "$R" slow
	mkdir "$TEST_DIR/tmp"
	"${I[@]}" --tmpdir "$TEST_DIR/tmp" copy --progress-fd 3 --src-tls-verify=false \
		"docker://$IMG_SLOW_ADDR/t10/big" "oci:$TEST_DIR/o" 3>"$TEST_DIR/progress" 2>"$TEST_DIR/err" &
	pid=$!
	for ((i = 0; i < 100; i++)); do
		grep -q '"event":"start"' "$TEST_DIR/progress" && break
		sleep 0.05
	done
	kill -INT "$pid"
	rc=0
	wait "$pid" || rc=$?
	img_flaky_stop slow
	assert_equal "$rc" 1
	run cat "$TEST_DIR/err"
	assert_output --partial "interrupted"
	assert_equal "${#lines[@]}" 1
	[ ! -e "$TEST_DIR/o" ]
	[ -z "$(ls -A "$TEST_DIR/tmp")" ]
}

@test "errors: closed port, unknown repository or tag, a malformed manifest, https to http" {
	port="$(pea_free_port)"
	run -1 "${I[@]}" inspect --tls-verify=false "docker://127.0.0.1:$port/x/y:z"
	assert_equal "${#lines[@]}" 1
	assert_output --partial "127.0.0.1:$port"
	assert_output --partial "Couldn't connect to server"
	run -1 "${I[@]}" copy -q --src-tls-verify=false "docker://$R/nothere/at-all:latest" "oci:$TEST_DIR/o"
	assert_output --partial "manifest unknown (HTTP 404)"
	[ ! -e "$TEST_DIR/o" ]
	run -1 "${I[@]}" inspect --tls-verify=false "docker://$R/t1/busybox:nosuchtag"
	assert_output "pea-image: reading manifest 'nosuchtag' in '$R/t1/busybox': manifest unknown: manifest unknown (HTTP 404)"
	run -1 "${I[@]}" list-tags --tls-verify=false "docker://$R/nothere/repo"
	assert_output --partial "name unknown"
	run -1 "${I[@]}" inspect "docker://$R/t1/busybox:v1"
	assert_output --partial "use --tls-verify=false"
	assert_equal "${#lines[@]}" 1
	# a manifest rewritten in the registry's storage: the registry fails to serve it
	run -0 "${I[@]}" copy -q --dest-tls-verify=false "oci:$BUSYBOX_OCI" "docker://$R/t8/broken:v1"
	f="$(registry_blob_file "$BUSYBOX_MANIFEST_DIGEST")"
	cp "$f" "$TEST_DIR/saved"
	printf '{"schemaVersion": 2, "config": ' >"$f"
	run -1 "${I[@]}" copy -q --src-tls-verify=false "docker://$R/t8/broken:v1" "oci:$TEST_DIR/o"
	assert_output --partial "reading manifest 'v1'"
	assert_equal "${#lines[@]}" 1
	cp "$TEST_DIR/saved" "$f"
	[ ! -e "$TEST_DIR/o" ]
}

@test "every pair of transports: the image arrives, digests kept where the format allows" {
	require_cmd "$PEA_STORAGE"
	export PEA_STORAGE
	store="store:[vfs@$TEST_DIR/root+$TEST_DIR/run]"
	declare -A src=(
		[oci]="oci:$TEST_DIR/s/oci:t"
		[dir]="dir:$TEST_DIR/s/dir"
		[oci-archive]="oci-archive:$TEST_DIR/s/oa.tar:t"
		[docker-archive]="docker-archive:$TEST_DIR/s/da.tar:x/y:t"
		[docker]="docker://$REGISTRY_ADDR/s/img:t"
		[store]="${store}s/img:t"
	)
	mkdir -p "$TEST_DIR/s" "$TEST_DIR/d"
	for k in "${!src[@]}"; do
		run -0 "${I[@]}" copy -q --dest-tls-verify=false "oci:$BUSYBOX_OCI" "${src[$k]}"
	done
	diff_id="$(jq -r '.rootfs.diff_ids[0]' "$(img_blob_path "$BUSYBOX_OCI" "$(jq -r .config.digest "$(img_blob_path "$BUSYBOX_OCI" "$BUSYBOX_MANIFEST_DIGEST")")")")"
	n=0
	for from in "${!src[@]}"; do
		for to in "${!src[@]}"; do
			n=$((n + 1))
			case "$to" in
			oci) dst="oci:$TEST_DIR/d/$n:t" ;;
			dir) dst="dir:$TEST_DIR/d/$n" ;;
			oci-archive) dst="oci-archive:$TEST_DIR/d/$n.tar:t" ;;
			docker-archive) dst="docker-archive:$TEST_DIR/d/$n.tar:x/y:t" ;;
			docker) dst="docker://$REGISTRY_ADDR/d/img$n:t" ;;
			store) dst="${store}d/img$n:t" ;;
			esac
			run -0 "${I[@]}" copy -q --src-tls-verify=false --dest-tls-verify=false "${src[$from]}" "$dst"
			# what the store holds is checked in 40-image-store.bats
			[[ "$to" != store ]] || continue
			run -0 "${I[@]}" inspect --tls-verify=false "$dst"
			digest="$(jq -r .Digest <<<"$output")"
			run -0 "${I[@]}" inspect --config --tls-verify=false "$dst"
			got_diff="$(jq -r '.rootfs.diff_ids[0]' <<<"$output")"
			# the store exports its layers anew (uncompressed tars of their own), so
			# what comes out of it has new diff IDs; every other path keeps them, and
			# between manifest-keeping formats the manifest digest too
			if [[ "$from" != store && "$to" != store ]]; then
				assert_equal "$got_diff" "$diff_id"
				case "$from" in docker-archive) ;; *)
					case "$to" in docker-archive) ;; *)
						assert_equal "$digest" "$BUSYBOX_MANIFEST_DIGEST" ;;
					esac ;;
				esac
			fi
		done
	done
}

@test "signedBy: signatures from a registries.d lookaside (file:// and http://) are checked" {
	require_cmd gpg
	export GNUPGHOME="$TEST_DIR/gnupg"
	mkdir -m 700 "$GNUPGHOME"
	timeout -k 5 60 gpg --batch --passphrase '' --quick-gen-key "pea <pea@test>" ed25519 sign never 2>/dev/null
	fpr="$(gpg --with-colons --list-keys pea@test | awk -F: '/^fpr/ { print $10; exit }')"
	gpg --export -a pea@test >"$TEST_DIR/pea.asc"
	run -0 "${I[@]}" copy -q --dest-tls-verify=false "oci:$MULTI" "docker://$R/t15/multi:1"
	run -0 "${I[@]}" copy -q --dest-tls-verify=false "oci:$MULTI" "docker://$R/t15/multi:2"
	d="$(layout_manifest "$MULTI")"
	mkdir -p "$TEST_DIR/sigs/t15/multi@sha256=${d#sha256:}" "$TEST_DIR/rd"
	timeout -k 5 60 skopeo standalone-sign "$(img_blob_path "$MULTI" "$d")" "$R/t15/multi:1" "$fpr" \
		-o "$TEST_DIR/sigs/t15/multi@sha256=${d#sha256:}/signature-1"
	# copy --sign-by: the signature goes to the lookaside-staging of registries.d
	mkdir "$TEST_DIR/rd2"
	printf 'docker:\n  %s/t15:\n    lookaside: https://127.0.0.1:1/x\n    lookaside-staging: file://%s\n' \
		"$R" "$TEST_DIR/staged" >"$TEST_DIR/rd2/s.yaml"
	run -0 timeout -k 5 60 "${I[@]}" --registries.d "$TEST_DIR/rd2" copy -q --dest-tls-verify=false \
		--sign-by "$fpr" "oci:$ZSTD" "docker://$R/t15/zstd:1"
	z="$(layout_manifest "$ZSTD")"
	run -0 skopeo standalone-verify "$(img_blob_path "$ZSTD" "$z")" "$R/t15/zstd:1" "$fpr" \
		"$TEST_DIR/staged/t15/zstd@sha256=${z#sha256:}/signature-1"
	gpgconf --kill all
	unset GNUPGHOME
	printf '{"default":[{"type":"reject"}],"transports":{"docker":{"%s/t15":[{"type":"signedBy","keyType":"GPGKeys","keyPath":"%s"}]}}}\n' \
		"$R" "$TEST_DIR/pea.asc" >"$TEST_DIR/p.json"
	P=("$PEA_IMAGE" --policy "$TEST_DIR/p.json" --registries.d "$TEST_DIR/rd")
	# no lookaside configured: no signatures
	run -1 "${P[@]}" copy -q --src-tls-verify=false "docker://$R/t15/multi:1" "oci:$TEST_DIR/o"
	assert_output --partial "has none"
	[ ! -e "$TEST_DIR/o" ]
	printf 'default-docker:\n  lookaside: file:///nonexistent\ndocker:\n  %s/t15:\n    lookaside: file://%s\n' \
		"$R" "$TEST_DIR/sigs" >"$TEST_DIR/rd/sigs.yaml"
	run -0 "${P[@]}" copy -q --src-tls-verify=false "docker://$R/t15/multi:1" "oci:$TEST_DIR/o"
	assert_equal "$(layout_manifest "$TEST_DIR/o")" "$d"
	run -0 "${P[@]}" inspect --tls-verify=false "docker://$R/t15/multi@$d"
	# what --sign-by wrote, read back from the same folder as a lookaside
	cp -a "$TEST_DIR/staged/t15/zstd@"* "$TEST_DIR/sigs/t15/"
	run -0 "${P[@]}" inspect --tls-verify=false "docker://$R/t15/zstd:1"
	# the same manifest under another tag: signed for :1 only (matchRepoDigestOrExact)
	run -1 "${P[@]}" inspect --tls-verify=false "docker://$R/t15/multi:2"
	assert_output --partial "Signature for identity $R/t15/multi:1 is not accepted"
	# over http (the older "sigstore" key)
	port="$(pea_free_port)"
	"$IMG_PYTHON" -m http.server "$port" --bind 127.0.0.1 --directory "$TEST_DIR/sigs" \
		</dev/null >"$TEST_DIR/http.log" 2>&1 3>&- &
	SIGSERVER_PID=$!
	for ((k = 0; k < 100; k++)); do
		curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$port/" && break
		sleep 0.1
	done
	printf 'docker:\n  %s/t15/multi:\n    sigstore: http://127.0.0.1:%s\n' "$R" "$port" >"$TEST_DIR/rd/sigs.yaml"
	run -0 "${P[@]}" inspect --tls-verify=false "docker://$R/t15/multi:1"
	grep -q "GET /t15/multi@sha256=${d#sha256:}/signature-1 " "$TEST_DIR/http.log"
	img_kill "$SIGSERVER_PID"
	printf 'docker: [\n' >"$TEST_DIR/rd/sigs.yaml"
	run -1 "${P[@]}" inspect --tls-verify=false "docker://$R/t15/multi:1"
	assert_output --partial "sigs.yaml': line 2"
	assert_equal "${#lines[@]}" 1
}
