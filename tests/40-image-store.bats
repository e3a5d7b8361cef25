#!/usr/bin/env bats
# pea-image and the pea store (store:[DRIVER@ROOT+RUNROOT]NAME) through pea-storage.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-image

setup_file() {
	ensure_fixtures
	registry_start
	registry_push_oci "$BUSYBOX_OCI" s/busybox:latest
}

teardown_file() {
	registry_stop
}

teardown() {
	img_flaky_stop slow
	img_flaky_stop cut
	img_registry_stop tls
}

setup() {
	require_cmd "$PEA_IMAGE"
	require_cmd "$PEA_STORAGE"
	export PEA_STORAGE
	I=("$PEA_IMAGE" --insecure-policy)
	ST=("$PEA_STORAGE" --root "$TEST_DIR/root" --runroot "$TEST_DIR/run" --storage-driver vfs)
	STORE="store:[vfs@$TEST_DIR/root+$TEST_DIR/run]"
}

@test "pull into the store: layers applied, image recorded with its manifest digest" {
	run -0 "${I[@]}" copy -q --src-tls-verify=false --iidfile "$TEST_DIR/iid" \
		--digestfile "$TEST_DIR/digest" "docker://$REGISTRY_ADDR/s/busybox" "${STORE}busybox"
	assert_output ""
	assert_equal "$(cat "$TEST_DIR/digest")" "$BUSYBOX_MANIFEST_DIGEST"
	run -0 "${ST[@]}" image inspect docker.io/library/busybox:latest
	img="$output"
	assert_equal "$(jq -r .result.digest <<<"$img")" "$BUSYBOX_MANIFEST_DIGEST"
	assert_equal "$(jq -r '.result.names[0]' <<<"$img")" docker.io/library/busybox:latest
	cfg="$(jq -r .config.digest "$(img_blob_path "$BUSYBOX_OCI" "$BUSYBOX_MANIFEST_DIGEST")")"
	assert_equal "$(jq -r .result.id <<<"$img")" "${cfg#sha256:}"
	assert_equal "$(cat "$TEST_DIR/iid")" "sha256:$(jq -r .result.id <<<"$img")"
	layer="$(jq -r '.result.layers[0]' <<<"$img")"
	run -0 "${ST[@]}" layer inspect "$layer"
	assert_equal "$(jq -r .result.diff_id <<<"$output")" \
		"$(jq -r '.rootfs.diff_ids[0]' "$(img_blob_path "$BUSYBOX_OCI" "$cfg")")"
	path="$(jq -r .result.path <<<"$output")"
	cmp "$path/bin/busybox" "$BUSYBOX_ROOTFS/bin/busybox"
	assert_equal "$(img_tree_digest "$path")" "$(img_tree_digest "$BUSYBOX_ROOTFS")"
	# again: nothing fetched, the new name added
	run -0 "${I[@]}" copy --progress=json --src-tls-verify=false "docker://$REGISTRY_ADDR/s/busybox" "${STORE}busybox:again"
	refute_output --partial '"event":"start"'
	# the image there already: its id all the same, in the last event and the --iidfile
	assert_equal "$(jq -r 'select(.event == "copied") | .image_id' <<<"$output")" "$cfg"
	run -0 "${ST[@]}" image inspect docker.io/library/busybox:again
	assert_equal "$(jq -r '.result.names | length' <<<"$output")" 2
	run -0 "${I[@]}" copy -q --src-tls-verify=false --iidfile "$TEST_DIR/iid2" \
		"docker://$REGISTRY_ADDR/s/busybox" "${STORE}busybox:third"
	assert_equal "$(cat "$TEST_DIR/iid2")" "$cfg"
}

@test "the store as a source: exported layers, an image skopeo reads" {
	run -0 "${I[@]}" copy -q "oci:$BUSYBOX_OCI" "${STORE}localhost/bb:1"
	run -0 "${I[@]}" copy -q "${STORE}localhost/bb:1" "oci:$TEST_DIR/out"
	run -0 skopeo --insecure-policy inspect "oci:$TEST_DIR/out"
	assert_equal "$(jq -r .Architecture <<<"$output")" "$(jq -r .architecture "$BUSYBOX_OCI/blobs/sha256/$(jq -r .config.digest "$(img_blob_path "$BUSYBOX_OCI" "$BUSYBOX_MANIFEST_DIGEST")" | cut -d: -f2)")"
	m="$(img_blob_path "$TEST_DIR/out" "$(jq -r '.manifests[0].digest' "$TEST_DIR/out/index.json")")"
	layer="$(jq -r '.layers[0].digest' "$m")"
	mkdir "$TEST_DIR/x"
	tar -xf "$(img_blob_path "$TEST_DIR/out" "$layer")" -C "$TEST_DIR/x"
	cmp "$TEST_DIR/x/bin/busybox" "$BUSYBOX_ROOTFS/bin/busybox"
	# and back into another store
	run -0 "${I[@]}" copy -q "${STORE}localhost/bb:1" "store:[vfs@$TEST_DIR/root2+$TEST_DIR/run2]bb2"
	run -0 "${I[@]}" copy -q "${STORE}localhost/bb:1" "docker-archive:$TEST_DIR/a.tar:bb:1"
}

@test "a layer that does not unpack to the config's diff ID: refused, nothing left in the store" {
	cp -a "$BUSYBOX_OCI" "$TEST_DIR/bad"
	chmod -R u+w "$TEST_DIR/bad"
	m="$(img_blob_path "$TEST_DIR/bad" "$BUSYBOX_MANIFEST_DIGEST")"
	cfg="$(img_blob_path "$TEST_DIR/bad" "$(jq -r .config.digest "$m")")"
	jq -cj '.rootfs.diff_ids[0] = "sha256:1111111111111111111111111111111111111111111111111111111111111111"' "$cfg" >"$TEST_DIR/cfg"
	read -r cd cs <<<"$(img_add_blob "$TEST_DIR/bad" "$TEST_DIR/cfg")"
	jq -cj --arg d "$cd" --argjson s "$cs" '.config.digest = $d | .config.size = $s' "$m" >"$TEST_DIR/man"
	read -r md ms <<<"$(img_add_blob "$TEST_DIR/bad" "$TEST_DIR/man")"
	jq -c --arg d "$md" --argjson s "$ms" '.manifests[0].digest = $d | .manifests[0].size = $s' "$BUSYBOX_OCI/index.json" >"$TEST_DIR/bad/index.json"
	run -1 "${I[@]}" copy -q "oci:$TEST_DIR/bad" "${STORE}bad"
	assert_output --partial "unpacks to"
	assert_output --partial "but the config says 'sha256:1111"
	assert_equal "${#lines[@]}" 1
	run -0 "${ST[@]}" layer ls
	assert_equal "$(jq -r '.result | length' <<<"$output")" 0
	run -0 "${ST[@]}" image ls
	assert_equal "$(jq -r '.result | length' <<<"$output")" 0
}

@test "a bad blob during a pull: the layers applied meanwhile are removed again" {
	img_build_layout "$TEST_DIR/img" amd64 3 256
	registry_push_oci "$TEST_DIR/img" s/bad:latest
	m="$(img_blob_path "$TEST_DIR/img" "$(jq -r '.manifests[0].digest' "$TEST_DIR/img/index.json")")"
	last="$(jq -r '.layers[3].digest' "$m")"
	f="$REGISTRY_DIR/data/docker/registry/v2/blobs/sha256/${last:7:2}/${last#sha256:}/data"
	printf 'XXXX' | dd of="$f" bs=1 seek=300 conv=notrunc status=none
	run -1 "${I[@]}" copy -q --src-tls-verify=false "docker://$REGISTRY_ADDR/s/bad" "${STORE}bad"
	assert_output --partial "blob '$last': digest mismatch"
	assert_equal "${#lines[@]}" 1
	run -0 "${ST[@]}" layer ls
	assert_equal "$(jq -r '.result | length' <<<"$output")" 0
	run -0 "${ST[@]}" image ls
	assert_equal "$(jq -r '.result | length' <<<"$output")" 0
}

@test "layers stream into pea-storage while they download, across a resumed transfer too" {
	printf '#!/bin/sh\necho "$*" >>"%s/calls"\nexec "%s" "$@"\n' "$TEST_DIR" "$PEA_STORAGE" >"$TEST_DIR/wrap"
	chmod +x "$TEST_DIR/wrap"
	img_build_layout "$TEST_DIR/img" amd64 2 4096
	registry_push_oci "$TEST_DIR/img" s/stream:latest
	# one blob at a time, 64 KiB every 20 ms: each layer is still on its way when the
	# one below it is applied
	img_flaky_start slow "$REGISTRY_ADDR" slow
	PEA_STORAGE="$TEST_DIR/wrap" run -0 "${I[@]}" copy -q --src-tls-verify=false \
		--image-parallel-copies=1 "docker://$IMG_SLOW_ADDR/s/stream" "${STORE}stream"
	assert_equal "$(grep -c 'layer apply' "$TEST_DIR/calls")" 3
	# from a registry: the layers may be synced later (pea-storage(8) DURABILITY)
	# the bottom one at least, and one above it (each takes over a second to arrive)
	grep -q ' layer apply --diff-id sha256:[0-9a-f]\{64\} --digest sha256:[0-9a-f]\{64\} --wait-timeout 604800 --start-timeout 60 --wait-parent --refetchable -$' "$TEST_DIR/calls"
	grep -q ' layer apply --parent [0-9a-f]\{64\} --diff-id sha256:[0-9a-f]\{64\} --digest sha256:[0-9a-f]\{64\} --wait-timeout 604800 --start-timeout 60 --wait-parent --refetchable -$' "$TEST_DIR/calls"
	m="$(img_blob_path "$TEST_DIR/img" "$(jq -r '.manifests[0].digest' "$TEST_DIR/img/index.json")")"
	cfg="$(img_blob_path "$TEST_DIR/img" "$(jq -r .config.digest "$m")")"
	run -0 "${ST[@]}" image inspect docker.io/library/stream:latest
	mapfile -t layers < <(jq -r '.result.layers[]' <<<"$output")
	assert_equal "${#layers[@]}" 3
	for k in 0 1 2; do
		run -0 "${ST[@]}" layer inspect "${layers[k]}"
		assert_equal "$(jq -r .result.diff_id <<<"$output")" "$(jq -r ".rootfs.diff_ids[$k]" "$cfg")"
	done
	"${ST[@]}" image rm docker.io/library/stream:latest >/dev/null
	# every first GET cut in the middle, then resumed with a Range request
	img_flaky_start cut "$REGISTRY_ADDR" cut
	run -0 "${I[@]}" copy -q --src-tls-verify=false --image-parallel-copies=1 \
		"docker://$IMG_CUT_ADDR/s/stream" "${STORE}stream"
	grep -q 'GET /v2/s/stream/blobs/sha256:[0-9a-f]* bytes=' "$IMG_CUT_LOG"
	run -0 "${ST[@]}" image inspect docker.io/library/stream:latest
	assert_equal "$(jq -r .result.digest <<<"$output")" "$(jq -r '.manifests[0].digest' "$TEST_DIR/img/index.json")"
	run -0 "${ST[@]}" check
	assert_equal "$(jq -r .result.ok <<<"$output")" true
}

@test "layers applied at the same time: the same image as applied one after the other" {
	# the bottom layer's apply waits until an apply above it has started: applies
	# that ran one after the other would never get there (it gives up after 20 s)
	printf '#!/bin/sh\necho "$*" >>"%s/calls"\ncase "$*" in *"layer apply --diff-id"*)\n\ti=0\n\twhile ! grep -q "layer apply --parent" "%s/calls"; do\n\t\ti=$((i + 1)); [ $i -lt 400 ] || exit 9; sleep 0.05\n\tdone ;;\nesac\nexec "%s" "$@"\n' \
		"$TEST_DIR" "$TEST_DIR" "$PEA_STORAGE" >"$TEST_DIR/wrap"
	chmod +x "$TEST_DIR/wrap"
	img_build_layout "$TEST_DIR/img" amd64 3 512
	registry_push_oci "$TEST_DIR/img" s/par:latest
	PEA_STORAGE="$TEST_DIR/wrap" run -0 "${I[@]}" copy -q --src-tls-verify=false \
		"docker://$REGISTRY_ADDR/s/par" "${STORE}par"
	m="$(img_blob_path "$TEST_DIR/img" "$(jq -r '.manifests[0].digest' "$TEST_DIR/img/index.json")")"
	cfg="$(img_blob_path "$TEST_DIR/img" "$(jq -r .config.digest "$m")")"
	mapfile -t diffs < <(jq -r '.rootfs.diff_ids[]' "$cfg")
	mapfile -t blobs < <(jq -r '.layers[].digest' "$m")
	# the same layers applied by hand, one after the other, in another store
	SEQ=("$PEA_STORAGE" --root "$TEST_DIR/seq" --runroot "$TEST_DIR/seqrun" --storage-driver vfs)
	parent=()
	for k in 0 1 2 3; do
		# the pull named each layer's parent by its chain id before it was there
		grep -q -- " layer apply ${parent[*]}${parent[*]:+ }--diff-id ${diffs[k]} " "$TEST_DIR/calls"
		run -0 "${SEQ[@]}" layer apply "${parent[@]}" "$(img_blob_path "$TEST_DIR/img" "${blobs[k]}")"
		seq[k]="$(jq -r .result.id <<<"$output")"
		parent=(--parent "${seq[k]}")
	done
	# every layer through a pipe (its end of file sent once its blob is whole)
	assert_equal "$(grep -c 'layer apply' "$TEST_DIR/calls")" 4
	assert_equal "$(grep 'layer apply' "$TEST_DIR/calls" | grep -c -- ' --wait-parent --refetchable -$')" 4
	run -0 "${ST[@]}" image inspect docker.io/library/par:latest
	assert_equal "$(jq -r .result.digest <<<"$output")" "$(jq -r '.manifests[0].digest' "$TEST_DIR/img/index.json")"
	mapfile -t layers < <(jq -r '.result.layers[]' <<<"$output")
	assert_equal "${#layers[@]}" 4
	for k in 0 1 2 3; do
		assert_equal "${layers[k]}" "${seq[k]}"
		run -0 "${ST[@]}" layer inspect "${layers[k]}"
		got="$output"
		run -0 "${SEQ[@]}" layer inspect "${seq[k]}"
		assert_equal "$(jq -c '.result | [.parent, .diff_id, .compressed_digest, .size]' <<<"$got")" \
			"$(jq -c '.result | [.parent, .diff_id, .compressed_digest, .size]' <<<"$output")"
		assert_equal "$(jq -r .result.diff_id <<<"$got")" "${diffs[k]}"
		assert_equal "$(img_tree_digest "$(jq -r .result.path <<<"$got")")" \
			"$(img_tree_digest "$(jq -r .result.path <<<"$output")")"
	done
	run -0 "${ST[@]}" check
	assert_equal "$(jq -r .result.ok <<<"$output")" true
	assert_equal "$(find "$TEST_DIR/root/staging" -mindepth 1 | wc -l)" 0
}

# store_eof_feed: a wrapper's line that runs pea-storage "$@" (exec: a kill reaches it) on
# its standard input through a fifo, and writes "eof" to $TEST_DIR/calls when that input ends.
store_eof_feed() {
	printf '%s' 'exec 3<&0; f="$(mktemp -u '"$TEST_DIR"'/fifo.XXXXXX)"; mkfifo "$f"; { cat <&3; echo eof >>"'"$TEST_DIR"'/calls"; } >"$f" & exec 3<&-; exec "'"$PEA_STORAGE"'" "$@" <"$f"'
}

@test "an apply gets its end of file once its blob is whole, before the layer below commits" {
	# the bottom layer's apply starts 3 s late: the applies above it get the end of their
	# streams meanwhile (each waits for its parent in pea-storage, not in the copy), and
	# the layers commit bottom up all the same
	img_build_layout "$TEST_DIR/img" amd64 3 256
	registry_push_oci "$TEST_DIR/img" s/eof:latest
	printf '#!/bin/sh
case "$*" in
*"layer apply --diff-id"*) sleep 3; echo "bottom start" >>"%s/calls"; "%s" "$@"; rc=$?; echo "bottom end" >>"%s/calls"; exit $rc ;;
*"layer apply"*) %s ;;
esac
exec "%s" "$@"
' "$TEST_DIR" "$PEA_STORAGE" "$TEST_DIR" "$(store_eof_feed)" "$PEA_STORAGE" >"$TEST_DIR/wrap"
	chmod +x "$TEST_DIR/wrap"
	OV=("$PEA_STORAGE" --root "$TEST_DIR/ov" --runroot "$TEST_DIR/ovrun" --storage-driver overlay)
	PEA_STORAGE="$TEST_DIR/wrap" run -0 timeout -k 5 120 "${I[@]}" copy -q --src-tls-verify=false \
		"docker://$REGISTRY_ADDR/s/eof" "store:[overlay@$TEST_DIR/ov+$TEST_DIR/ovrun]eof"
	run -0 cat "$TEST_DIR/calls"
	# the three layers above had their end of file before the bottom one committed
	assert_equal "$(awk '/^eof/ { n++ } /bottom end/ { print n + 0; exit }' "$TEST_DIR/calls")" 3
	assert_equal "$(grep -c '^eof' "$TEST_DIR/calls")" 3
	m="$(img_blob_path "$TEST_DIR/img" "$(jq -r '.manifests[0].digest' "$TEST_DIR/img/index.json")")"
	cfg="$(img_blob_path "$TEST_DIR/img" "$(jq -r .config.digest "$m")")"
	run -0 "${OV[@]}" image inspect docker.io/library/eof:latest
	mapfile -t layers < <(jq -r '.result.layers[]' <<<"$output")
	assert_equal "${#layers[@]}" 4
	for k in 0 1 2 3; do
		run -0 "${OV[@]}" layer inspect "${layers[k]}"
		assert_equal "$(jq -r .result.diff_id <<<"$output")" "$(jq -r ".rootfs.diff_ids[$k]" "$cfg")"
	done
	run -0 "${OV[@]}" check
	assert_equal "$(jq -r .result.ok <<<"$output")" true
}

@test "an apply that dies before it starts, the ones above it at their end of file: killed, nothing left" {
	# the middle layer's pea-storage fails before it announces its layer: the apply above
	# it, its stream ended, would wait for it; the copy kills it (its parent did not
	# commit) and ends at once
	img_build_layout "$TEST_DIR/img" amd64 2 256
	registry_push_oci "$TEST_DIR/img" s/dies:latest
	m="$(img_blob_path "$TEST_DIR/img" "$(jq -r '.manifests[0].digest' "$TEST_DIR/img/index.json")")"
	cfg="$(img_blob_path "$TEST_DIR/img" "$(jq -r .config.digest "$m")")"
	mid="$(jq -r '.rootfs.diff_ids[1]' "$cfg")"
	printf '#!/bin/sh
case "$*" in
*"--diff-id %s "*) sleep 2; echo "middle dies" >&2; exit 3 ;;
*"layer apply --parent"*) %s ;;
esac
exec "%s" "$@"
' "$mid" "$(store_eof_feed)" "$PEA_STORAGE" >"$TEST_DIR/wrap"
	chmod +x "$TEST_DIR/wrap"
	OV=("$PEA_STORAGE" --root "$TEST_DIR/ov" --runroot "$TEST_DIR/ovrun" --storage-driver overlay)
	SECONDS=0
	PEA_STORAGE="$TEST_DIR/wrap" run -1 timeout -k 5 120 "${I[@]}" copy -q --src-tls-verify=false \
		"docker://$REGISTRY_ADDR/s/dies" "store:[overlay@$TEST_DIR/ov+$TEST_DIR/ovrun]dies"
	assert_output --partial "middle dies"
	assert_equal "${#lines[@]}" 1
	# not the hour of pea-storage's wait for a parent that never started
	((SECONDS < 100))
	# the top layer had its end of file (it waited for the middle one in pea-storage)
	run -0 grep -c '^eof' "$TEST_DIR/calls"
	run -1 pgrep -f -- "--root $TEST_DIR/ov"
	run -0 "${OV[@]}" layer ls
	assert_equal "$(jq -r '.result | length' <<<"$output")" 0
	run -0 "${OV[@]}" image ls
	assert_equal "$(jq -r '.result | length' <<<"$output")" 0
	assert_equal "$(find "$TEST_DIR/ov/staging" -mindepth 1 | wc -l)" 0
	run -0 "${OV[@]}" check
	assert_equal "$(jq -r .result.ok <<<"$output")" true
}

# store_staged DIGEST: the "straight" and "staged" byte counts of layer DIGEST in the
# debug log in $output (DIRECT, STAGED); their sum is checked against SIZE.
store_staged() {
	local line
	line="$(grep -F "layer '$1': " <<<"$output")"
	read -r DIRECT STAGED < <(sed -n 's/.*: \([0-9]*\) bytes straight into its apply, \([0-9]*\) through the staged file.*/\1 \2/p' <<<"$line")
	[[ -n "$DIRECT" && -n "$STAGED" ]] || fail "no byte counts for '$1': $line"
}

# store_check_held IMG NAME: the image pulled into the store as NAME is whole.
store_check_held() {
	local m cfg k
	m="$(img_blob_path "$1" "$(jq -r '.manifests[0].digest' "$1/index.json")")"
	cfg="$(img_blob_path "$1" "$(jq -r .config.digest "$m")")"
	run -0 "${ST[@]}" image inspect "docker.io/library/$2:latest"
	assert_equal "$(jq -r .result.digest <<<"$output")" "$(jq -r '.manifests[0].digest' "$1/index.json")"
	mapfile -t layers < <(jq -r '.result.layers[]' <<<"$output")
	for k in 0 1; do
		run -0 "${ST[@]}" layer inspect "${layers[k]}"
		assert_equal "$(jq -r .result.diff_id <<<"$output")" "$(jq -r ".rootfs.diff_ids[$k]" "$cfg")"
	done
	run -0 "${ST[@]}" check
	assert_equal "$(jq -r .result.ok <<<"$output")" true
}

# store_slow_wrap SECONDS: $TEST_DIR/wrap, a pea-storage whose applies read 64 KiB of
# their input, then nothing for SECONDS, then the rest.
store_slow_wrap() {
	printf '#!/bin/sh
case "$*" in *"layer apply"*) { head -c 65536; sleep %s; cat; } | "%s" "$@"; exit $? ;; esac
exec "%s" "$@"
' \
		"$1" "$PEA_STORAGE" "$PEA_STORAGE" >"$TEST_DIR/wrap"
	chmod +x "$TEST_DIR/wrap"
}

@test "an apply slower than its download: the download waits for the pipe, nothing staged" {
	# each apply reads its first bytes, then nothing for two seconds: its pipe (1 MiB)
	# fills meanwhile, and the registry's bytes then wait in the socket (the transfer
	# paused) instead of going through a staged file (the slow proxy: 64 KiB every
	# 20 ms, so no burst comes before the apply reads)
	store_slow_wrap 2
	img_build_layout "$TEST_DIR/img" amd64 1 4096
	registry_push_oci "$TEST_DIR/img" s/held:latest
	img_flaky_start slow "$REGISTRY_ADDR" slow
	PEA_STORAGE="$TEST_DIR/wrap" run -0 timeout -k 5 120 "${I[@]}" --log-level=debug copy -q \
		--src-tls-verify=false --image-parallel-copies=1 "docker://$IMG_SLOW_ADDR/s/held" \
		"${STORE}held"
	m="$(img_blob_path "$TEST_DIR/img" "$(jq -r '.manifests[0].digest' "$TEST_DIR/img/index.json")")"
	d="$(jq -r ".layers[1].digest" "$m")"
	size="$(jq -r ".layers[1].size" "$m")"
	store_staged "$d"
	assert_equal "$((DIRECT + STAGED))" "$size"
	# without the wait, what came in those seconds but the pipe's 1 MiB went through
	# the file (about 3 MiB); with it, at most what the transfer held when its body
	# ended (512 KiB: the apply, reading through the wrapper's pipe, lags the proxy)
	((STAGED < (1 << 20))) || fail "staged $STAGED bytes"
	store_check_held "$TEST_DIR/img" held
}

@test "applies that start after their layers' first bytes arrive (overlay): the downloads wait, nothing staged" {
	# each apply starts half a second late (a busy machine's exec and store lock): the
	# first megabyte fills its pipe before, and the download then waits for it rather
	# than staging the rest of the layer (which a staged file, ahead of the apply,
	# carried to its end)
	printf '#!/bin/sh\ncase "$*" in *"layer apply"*) sleep 0.5 ;; esac\nexec "%s" "$@"\n' \
		"$PEA_STORAGE" >"$TEST_DIR/wrap"
	chmod +x "$TEST_DIR/wrap"
	img_build_layout "$TEST_DIR/img" amd64 2 4096
	registry_push_oci "$TEST_DIR/img" s/late:latest
	PEA_STORAGE="$TEST_DIR/wrap" run -0 timeout -k 5 120 "${I[@]}" --log-level=debug copy -q \
		--src-tls-verify=false "docker://$REGISTRY_ADDR/s/late" \
		"store:[overlay@$TEST_DIR/ov+$TEST_DIR/ovrun]late"
	m="$(img_blob_path "$TEST_DIR/img" "$(jq -r '.manifests[0].digest' "$TEST_DIR/img/index.json")")"
	for k in 1 2; do
		d="$(jq -r ".layers[$k].digest" "$m")"
		size="$(jq -r ".layers[$k].size" "$m")"
		store_staged "$d"
		assert_equal "$((DIRECT + STAGED))" "$size"
		# at most what the transfer held when its body ended
		((STAGED <= (512 << 10))) || fail "layer $k: staged $STAGED of $size bytes"
	done
	OV=("$PEA_STORAGE" --root "$TEST_DIR/ov" --runroot "$TEST_DIR/ovrun" --storage-driver overlay)
	run -0 "${OV[@]}" image inspect docker.io/library/late:latest
	assert_equal "$(jq -r '.result.layers | length' <<<"$output")" 3
	run -0 "${OV[@]}" check
	assert_equal "$(jq -r .result.ok <<<"$output")" true
}

@test "an apply that waits for its parent (vfs) before it reads: its layer's download does not wait, it is staged" {
	# the bottom layer's apply starts once the registry has sent the whole upper blob;
	# the upper apply (vfs) reads nothing before its parent is in the store
	img_build_layout "$TEST_DIR/img" amd64 1 4096
	registry_push_oci "$TEST_DIR/img" s/waitp:latest
	m="$(img_blob_path "$TEST_DIR/img" "$(jq -r '.manifests[0].digest' "$TEST_DIR/img/index.json")")"
	d="$(jq -r ".layers[1].digest" "$m")"
	size="$(jq -r ".layers[1].size" "$m")"
	printf '#!/bin/sh
case "$*" in *"layer apply --diff-id"*)
	i=0
	while ! grep -q "response completed.*blobs/%s" "%s/registry.log"; do
		i=$((i + 1)); [ $i -lt 300 ] || break; sleep 0.05
	done
	sleep 1 ;;
esac
exec "%s" "$@"
' \
		"$d" "$REGISTRY_DIR" "$PEA_STORAGE" >"$TEST_DIR/wrap"
	chmod +x "$TEST_DIR/wrap"
	PEA_STORAGE="$TEST_DIR/wrap" run -0 timeout -k 5 120 "${I[@]}" --log-level=debug copy -q \
		--src-tls-verify=false "docker://$REGISTRY_ADDR/s/waitp" "${STORE}waitp"
	store_staged "$d"
	assert_equal "$((DIRECT + STAGED))" "$size"
	# held for the apply, the body would have waited in the socket (nothing staged)
	((STAGED > size / 2)) || fail "staged $STAGED of $size bytes"
	store_check_held "$TEST_DIR/img" waitp
}

@test "an apply that stops reading for longer than the cap: its layer's download is staged, no longer held" {
	# it reads its first bytes, then nothing for 4 s; the cap (10 s) made 1 s for
	# the test (pea-image(1))
	store_slow_wrap 4
	export PEA_IMAGE_TEST_HOLD_MAX_MS=1000
	img_build_layout "$TEST_DIR/img" amd64 1 4096
	registry_push_oci "$TEST_DIR/img" s/stall:latest
	m="$(img_blob_path "$TEST_DIR/img" "$(jq -r '.manifests[0].digest' "$TEST_DIR/img/index.json")")"
	d="$(jq -r ".layers[1].digest" "$m")"
	size="$(jq -r ".layers[1].size" "$m")"
	img_flaky_start slow "$REGISTRY_ADDR" slow
	PEA_STORAGE="$TEST_DIR/wrap" run -0 timeout -k 5 120 "${I[@]}" --log-level=debug copy -q \
		--src-tls-verify=false --image-parallel-copies=1 "docker://$IMG_SLOW_ADDR/s/stall" \
		"${STORE}stall"
	store_staged "$d"
	assert_equal "$((DIRECT + STAGED))" "$size"
	# held until the cap, not for the apply's 4 s (then under 1 MiB were staged)
	((STAGED > size / 2)) || fail "staged $STAGED of $size bytes"
	# (the pipe full, 1 MiB straight, before the cap; an apply started late on a
	# loaded machine has all staged, never held)
	if ((DIRECT >= (1 << 20))); then
		assert_output --partial "blob '$d': nothing taken for 1000 ms, staging it"
	fi
	store_check_held "$TEST_DIR/img" stall
}

@test "an apply slower than its download over TLS (HTTP/2): the layer is staged, the transfer never paused" {
	# libcurl 7.88 can stall an HTTP/2 stream paused and resumed: over HTTP/2 (the
	# registry offers it with TLS) the bytes the pipe cannot take are staged
	img_registry_start tls tls
	store_slow_wrap 2
	img_build_layout "$TEST_DIR/img" amd64 1 4096
	run -0 timeout -k 5 120 "${I[@]}" copy -q --dest-cert-dir "$IMG_TLS_CERTS" \
		"oci:$TEST_DIR/img" "docker://$IMG_TLS_ADDR/s/tls:latest"
	m="$(img_blob_path "$TEST_DIR/img" "$(jq -r '.manifests[0].digest' "$TEST_DIR/img/index.json")")"
	d="$(jq -r ".layers[1].digest" "$m")"
	size="$(jq -r ".layers[1].size" "$m")"
	PEA_IMAGE_CURL_VERBOSE=1 PEA_STORAGE="$TEST_DIR/wrap" run -0 timeout -k 5 120 \
		"${I[@]}" --log-level=debug copy -q --src-cert-dir "$IMG_TLS_CERTS" \
		"docker://$IMG_TLS_ADDR/s/tls" "${STORE}tls"
	assert_output --partial "using HTTP/2"
	store_staged "$d"
	assert_equal "$((DIRECT + STAGED))" "$size"
	((STAGED > size / 2)) || fail "staged $STAGED of $size bytes"
	store_check_held "$TEST_DIR/img" tls
}

@test "an image of 12 layers: at most 9 applies at a time, the layers in order" {
	printf '#!/bin/sh\ncase "$*" in *"layer apply"*) echo start >>"%s/calls"; "%s" "$@"; rc=$?; echo end >>"%s/calls"; exit $rc ;; esac\nexec "%s" "$@"\n' \
		"$TEST_DIR" "$PEA_STORAGE" "$TEST_DIR" "$PEA_STORAGE" >"$TEST_DIR/wrap"
	chmod +x "$TEST_DIR/wrap"
	img_build_layout "$TEST_DIR/img" amd64 11 16
	registry_push_oci "$TEST_DIR/img" s/many:latest
	PEA_STORAGE="$TEST_DIR/wrap" run -0 timeout -k 5 120 "${I[@]}" copy -q --src-tls-verify=false \
		"docker://$REGISTRY_ADDR/s/many" "${STORE}many"
	assert_equal "$(grep -c start "$TEST_DIR/calls")" 12
	# the most applies running at once
	most="$(awk '/start/ { n++; if (n > m) m = n } /end/ { n-- } END { print m }' "$TEST_DIR/calls")"
	((most >= 1 && most <= 9))
	m="$(img_blob_path "$TEST_DIR/img" "$(jq -r '.manifests[0].digest' "$TEST_DIR/img/index.json")")"
	cfg="$(img_blob_path "$TEST_DIR/img" "$(jq -r .config.digest "$m")")"
	run -0 "${ST[@]}" image inspect docker.io/library/many:latest
	mapfile -t layers < <(jq -r '.result.layers[]' <<<"$output")
	assert_equal "${#layers[@]}" 12
	chain="$(jq -r '.rootfs.diff_ids[0]' "$cfg")"
	for k in $(seq 0 11); do
		((k == 0)) || chain="sha256:$(printf '%s %s' "$chain" "$(jq -r ".rootfs.diff_ids[$k]" "$cfg")" | sha256sum | cut -d' ' -f1)"
		assert_equal "${layers[k]}" "${chain#sha256:}"
	done
	run -0 "${ST[@]}" check
	assert_equal "$(jq -r .result.ok <<<"$output")" true
}

@test "a bad blob in a middle layer: its error, no layer above it, no apply left, no litter" {
	img_build_layout "$TEST_DIR/img" amd64 3 1024
	registry_push_oci "$TEST_DIR/img" s/badmid:latest
	m="$(img_blob_path "$TEST_DIR/img" "$(jq -r '.manifests[0].digest' "$TEST_DIR/img/index.json")")"
	mid="$(jq -r '.layers[1].digest' "$m")"
	f="$REGISTRY_DIR/data/docker/registry/v2/blobs/sha256/${mid:7:2}/${mid#sha256:}/data"
	# its last bytes: the layer streams into its apply to its end, only the digest tells,
	# while the applies above it wait for it
	printf 'XXXX' | dd of="$f" bs=1 seek="$(($(stat -c %s "$f") - 4))" conv=notrunc status=none
	run -1 timeout -k 5 120 "${I[@]}" copy -q --src-tls-verify=false \
		"docker://$REGISTRY_ADDR/s/badmid" "${STORE}badmid"
	assert_output --partial "blob '$mid': digest mismatch"
	assert_equal "${#lines[@]}" 1
	run -1 pgrep -f -- "--root $TEST_DIR/root"
	run -0 "${ST[@]}" layer ls
	assert_equal "$(jq -r '.result | length' <<<"$output")" 0
	run -0 "${ST[@]}" image ls
	assert_equal "$(jq -r '.result | length' <<<"$output")" 0
	assert_equal "$(find "$TEST_DIR/root/staging" "$TEST_DIR/root/vfs" -mindepth 1 | wc -l)" 0
	run -0 "${ST[@]}" check
	assert_equal "$(jq -r .result.ok <<<"$output")" true
	# the blob put right: the pull goes through
	img_build_layout "$TEST_DIR/img2" amd64 3 64
	registry_push_oci "$TEST_DIR/img2" s/goodmid:latest
	run -0 timeout -k 5 120 "${I[@]}" copy -q --src-tls-verify=false \
		"docker://$REGISTRY_ADDR/s/goodmid" "${STORE}goodmid"
	run -0 "${ST[@]}" image inspect docker.io/library/goodmid:latest
	assert_equal "$(jq -r '.result.layers | length' <<<"$output")" 4
}

@test "a blob missing from the registry while the layers below it stream: nothing left" {
	img_build_layout "$TEST_DIR/img" amd64 3 2048
	registry_push_oci "$TEST_DIR/img" s/gone:latest
	m="$(img_blob_path "$TEST_DIR/img" "$(jq -r '.manifests[0].digest' "$TEST_DIR/img/index.json")")"
	top="$(jq -r '.layers[3].digest' "$m")"
	rm "$REGISTRY_DIR/data/docker/registry/v2/repositories/s/gone/_layers/sha256/${top#sha256:}/link"
	run -1 timeout -k 5 120 "${I[@]}" copy -q --src-tls-verify=false --retry-times=0 \
		"docker://$REGISTRY_ADDR/s/gone" "${STORE}gone"
	assert_output --partial "$top"
	assert_equal "${#lines[@]}" 1
	run -1 pgrep -f -- "--root $TEST_DIR/root"
	run -0 "${ST[@]}" layer ls
	assert_equal "$(jq -r '.result | length' <<<"$output")" 0
	assert_equal "$(find "$TEST_DIR/root/staging" "$TEST_DIR/root/vfs" -mindepth 1 | wc -l)" 0
	run -0 "${ST[@]}" check
	assert_equal "$(jq -r .result.ok <<<"$output")" true
}

@test "a bottom layer with a bad digest is never applied" {
	# the bottom layer corrupted in the registry: its apply is stopped before its end
	img_build_layout "$TEST_DIR/img2" amd64 1 512
	registry_push_oci "$TEST_DIR/img2" s/badbase:latest
	m="$(img_blob_path "$TEST_DIR/img2" "$(jq -r '.manifests[0].digest' "$TEST_DIR/img2/index.json")")"
	base="$(jq -r '.layers[0].digest' "$m")"
	f="$REGISTRY_DIR/data/docker/registry/v2/blobs/sha256/${base:7:2}/${base#sha256:}/data"
	# (the bottom layer is the busybox one, which the registry shares: put it back after)
	cp "$f" "$TEST_DIR/saved"
	# its last bytes: the stream decompresses to its end, only the digest tells
	printf 'XXXX' | dd of="$f" bs=1 seek="$(($(stat -c %s "$f") - 4))" conv=notrunc status=none
	run -1 "${I[@]}" copy -q --src-tls-verify=false "docker://$REGISTRY_ADDR/s/badbase" "${STORE}badbase"
	cp "$TEST_DIR/saved" "$f"
	assert_output --partial "blob '$base': digest mismatch"
	assert_equal "${#lines[@]}" 1
	run -0 "${ST[@]}" layer ls
	assert_equal "$(jq -r '.result | length' <<<"$output")" 0
	run -0 "${ST[@]}" check
	assert_equal "$(jq -r .result.ok <<<"$output")" true
}

@test "a pull stopped while its applies run: what the killed applies left is removed at once" {
	# the applies are killed (SIGTERM to the copy); nothing was committed, so no layer rm
	# opens the store after them: the copy's own cleanup must be a writer's open
	img_build_layout "$TEST_DIR/img" amd64 1 8192
	registry_push_oci "$TEST_DIR/img" s/stopped:latest
	img_flaky_start slow "$REGISTRY_ADDR" slow
	OV=("$PEA_STORAGE" --root "$TEST_DIR/ov" --runroot "$TEST_DIR/ovrun" --storage-driver overlay)
	"${I[@]}" copy -q --src-tls-verify=false --image-parallel-copies=1 \
		"docker://$IMG_SLOW_ADDR/s/stopped" "store:[overlay@$TEST_DIR/ov+$TEST_DIR/ovrun]stopped" \
		>"$TEST_DIR/out" 2>&1 3>&- &
	pid=$!
	for ((n = 0; n < 300; n++)); do
		[[ -n "$(find "$TEST_DIR/ov/staging" -mindepth 3 -type f 2>/dev/null)" ]] && break
		sleep 0.05
	done
	[[ -n "$(find "$TEST_DIR/ov/staging" -mindepth 3 -type f)" ]]
	kill -TERM "$pid"
	rc=0
	wait "$pid" || rc=$?
	((rc != 0))
	run -1 pgrep -f -- "--root $TEST_DIR/ov"
	# no writer opened the store since: the copy's cleanup removed them
	run -0 find "$TEST_DIR/ov/staging" -mindepth 1
	assert_output ""
	run -0 "${OV[@]}" layer ls
	assert_equal "$(jq -r '.result | length' <<<"$output")" 0
}

@test "a layer that is not a tar, streamed: pea-storage's error, nothing left in the store" {
	img_build_layout "$TEST_DIR/img" amd64 0 0
	head -c $((4 << 20)) /dev/urandom >"$TEST_DIR/junk"
	gzip -1 -c "$TEST_DIR/junk" >"$TEST_DIR/junk.gz"
	m="$(img_blob_path "$TEST_DIR/img" "$(jq -r '.manifests[0].digest' "$TEST_DIR/img/index.json")")"
	cfg="$(img_blob_path "$TEST_DIR/img" "$(jq -r .config.digest "$m")")"
	jq -cj --arg d "sha256:$(sha256sum "$TEST_DIR/junk" | cut -d' ' -f1)" '.rootfs.diff_ids += [$d]' "$cfg" >"$TEST_DIR/cfg"
	read -r cd cs <<<"$(img_add_blob "$TEST_DIR/img" "$TEST_DIR/cfg")"
	read -r ld ls <<<"$(img_add_blob "$TEST_DIR/img" "$TEST_DIR/junk.gz")"
	jq -cj --arg cd "$cd" --argjson cs "$cs" --arg ld "$ld" --argjson ls "$ls" \
		'.config.digest = $cd | .config.size = $cs | .layers += [{mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: $ld, size: $ls}]' \
		"$m" >"$TEST_DIR/man"
	read -r md ms <<<"$(img_add_blob "$TEST_DIR/img" "$TEST_DIR/man")"
	jq -c --arg d "$md" --argjson s "$ms" '.manifests[0].digest = $d | .manifests[0].size = $s' \
		"$TEST_DIR/img/index.json" >"$TEST_DIR/index" && mv "$TEST_DIR/index" "$TEST_DIR/img/index.json"
	registry_push_oci "$TEST_DIR/img" s/junk:latest
	img_flaky_start slow "$REGISTRY_ADDR" slow
	run -1 "${I[@]}" copy -q --src-tls-verify=false --image-parallel-copies=1 \
		"docker://$IMG_SLOW_ADDR/s/junk" "${STORE}junk"
	assert_output --partial "layer '$ld': pea-storage layer apply"
	assert_equal "${#lines[@]}" 1
	run -0 "${ST[@]}" layer ls
	assert_equal "$(jq -r '.result | length' <<<"$output")" 0
	run -0 "${ST[@]}" image ls
	assert_equal "$(jq -r '.result | length' <<<"$output")" 0
}

@test "a middle layer that is not a tar, the one above it here already: the copy ends, clean" {
	# the apply of the junk layer fails at its first bytes, maybe before the apply above it
	# has looked for it: that one must not wait for it (it is stopped, it never got its end)
	img_build_layout "$TEST_DIR/img" amd64 0 0
	head -c $((1 << 20)) /dev/urandom >"$TEST_DIR/junk"
	gzip -1 -c "$TEST_DIR/junk" >"$TEST_DIR/junk.gz"
	mkdir -p "$TEST_DIR/top/etc"
	echo top >"$TEST_DIR/top/etc/top"
	pea_tar_dir "$TEST_DIR/top" "$TEST_DIR/top.tar"
	m="$(img_blob_path "$TEST_DIR/img" "$(jq -r '.manifests[0].digest' "$TEST_DIR/img/index.json")")"
	cfg="$(img_blob_path "$TEST_DIR/img" "$(jq -r .config.digest "$m")")"
	jq -cj --arg j "sha256:$(sha256sum "$TEST_DIR/junk" | cut -d' ' -f1)" \
		--arg t "sha256:$(sha256sum "$TEST_DIR/top.tar" | cut -d' ' -f1)" \
		'.rootfs.diff_ids += [$j, $t]' "$cfg" >"$TEST_DIR/cfg"
	read -r cd cs <<<"$(img_add_blob "$TEST_DIR/img" "$TEST_DIR/cfg")"
	read -r jd js <<<"$(img_add_blob "$TEST_DIR/img" "$TEST_DIR/junk.gz")"
	read -r td ts <<<"$(img_add_blob "$TEST_DIR/img" "$TEST_DIR/top.tar")"
	jq -cj --arg cd "$cd" --argjson cs "$cs" --arg jd "$jd" --argjson js "$js" --arg td "$td" --argjson ts "$ts" \
		'.config.digest = $cd | .config.size = $cs
		| .layers += [{mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: $jd, size: $js},
			{mediaType: "application/vnd.oci.image.layer.v1.tar", digest: $td, size: $ts}]' \
		"$m" >"$TEST_DIR/man"
	read -r md ms <<<"$(img_add_blob "$TEST_DIR/img" "$TEST_DIR/man")"
	jq -c --arg d "$md" --argjson s "$ms" '.manifests[0].digest = $d | .manifests[0].size = $s' \
		"$TEST_DIR/img/index.json" >"$TEST_DIR/index" && mv "$TEST_DIR/index" "$TEST_DIR/img/index.json"
	registry_push_oci "$TEST_DIR/img" s/junkmid:latest
	# the top layer's apply starts late: after the junk one has failed
	printf '#!/bin/sh\ncase "$*" in *"--diff-id sha256:%s"*) sleep 1 ;; esac\nexec "%s" "$@"\n' \
		"$(sha256sum "$TEST_DIR/top.tar" | cut -d' ' -f1)" "$PEA_STORAGE" >"$TEST_DIR/wrap"
	chmod +x "$TEST_DIR/wrap"
	for round in 1 2 3; do
		PEA_STORAGE="$TEST_DIR/wrap" run -1 timeout -k 5 120 "${I[@]}" copy -q --src-tls-verify=false \
			"docker://$REGISTRY_ADDR/s/junkmid" "${STORE}junkmid"
		assert_output --partial "layer '$jd': pea-storage layer apply"
		assert_equal "${#lines[@]}" 1
		run -1 pgrep -f -- "--root $TEST_DIR/root"
		run -0 "${ST[@]}" layer ls
		assert_equal "$(jq -r '.result | length' <<<"$output")" 0
		assert_equal "$(find "$TEST_DIR/root/staging" "$TEST_DIR/root/vfs" -mindepth 1 | wc -l)" 0
	done
}

@test "a pull into the store opens it once: image inspect is the first pea-storage call" {
	printf '#!/bin/sh\necho "$*" >>"%s"\nexec "%s" "$@"\n' "$TEST_DIR/calls" "$PEA_STORAGE" >"$TEST_DIR/wrap"
	chmod +x "$TEST_DIR/wrap"
	PEA_STORAGE="$TEST_DIR/wrap" run -0 "${I[@]}" copy -q --src-tls-verify=false \
		"docker://$REGISTRY_ADDR/s/busybox" "${STORE}busybox"
	run -1 grep -- ' status' "$TEST_DIR/calls"
	run -0 sed -n 1p "$TEST_DIR/calls"
	assert_output --partial " image inspect "
	# a store that cannot be opened fails the copy at that first call, in one line
	touch "$TEST_DIR/notadir"
	run -1 "${I[@]}" copy -q --src-tls-verify=false "docker://$REGISTRY_ADDR/s/busybox" \
		"store:[vfs@$TEST_DIR/notadir+$TEST_DIR/run]busybox"
	assert_equal "${#lines[@]}" 1
	assert_output --partial "pea-storage image inspect"
}

@test "store errors: unknown image, --all, a bad reference, a missing pea-storage" {
	run -1 "${I[@]}" copy -q "${STORE}nothere" "oci:$TEST_DIR/o"
	assert_output --partial "image 'nothere' not found"
	assert_equal "${#lines[@]}" 1
	[ ! -e "$TEST_DIR/o" ]
	img_build_layout "$TEST_DIR/a" amd64 0 0
	img_build_index "$TEST_DIR/idx" "$TEST_DIR/a"
	run -1 "${I[@]}" copy -q --all "oci:$TEST_DIR/idx" "${STORE}multi"
	assert_output --partial "copy without --all"
	run -1 "${I[@]}" copy -q "oci:$BUSYBOX_OCI" "${STORE}Bad:Name"
	assert_output --partial "invalid store reference"
	run -1 "${I[@]}" copy -q "oci:$BUSYBOX_OCI" "store:[vfs@$TEST_DIR/root"
	assert_output --partial "no ']'"
	run -2 "${I[@]}" copy -q --iidfile "$TEST_DIR/iid" "oci:$BUSYBOX_OCI" "oci:$TEST_DIR/o2"
	assert_output --partial "--iidfile needs a store: destination"
	[ ! -e "$TEST_DIR/o2" ] && [ ! -e "$TEST_DIR/iid" ]
	PEA_STORAGE=/nonexistent/pea-storage run -1 "${I[@]}" copy -q "oci:$BUSYBOX_OCI" "${STORE}x"
	assert_output --partial "/nonexistent/pea-storage"
	assert_equal "${#lines[@]}" 1
}

@test "gzip layers (ISA-L): several members apply, a bad CRC, a cut stream, trailing data refused" {
	mkdir -p "$TEST_DIR/l/d"
	echo hello >"$TEST_DIR/l/d/a"
	head -c 300000 /dev/urandom >"$TEST_DIR/l/d/b"
	pea_tar_dir "$TEST_DIR/l" "$TEST_DIR/t.tar"
	want="sha256:$(pea_sha256 "$TEST_DIR/t.tar")"
	head -c 10240 "$TEST_DIR/t.tar" | gzip -n >"$TEST_DIR/multi.gz"
	tail -c +10241 "$TEST_DIR/t.tar" | gzip -n >>"$TEST_DIR/multi.gz"
	gzip -n -c "$TEST_DIR/t.tar" >"$TEST_DIR/one.gz"
	for f in one multi; do
		rm -rf "$TEST_DIR/root" "$TEST_DIR/run"
		run -0 --separate-stderr "${ST[@]}" layer apply - <"$TEST_DIR/$f.gz"
		assert_equal "$(jq -r .result.diff_id <<<"$output")" "$want"
		assert_equal "$(jq -r .result.compression <<<"$output")" gzip
	done
	head -c -100 "$TEST_DIR/one.gz" >"$TEST_DIR/cut.gz"
	{ cat "$TEST_DIR/one.gz"; echo garbage; } >"$TEST_DIR/trail.gz"
	cp "$TEST_DIR/one.gz" "$TEST_DIR/crc.gz"
	printf '\0\0\0\0' | dd of="$TEST_DIR/crc.gz" bs=1 seek=$(($(stat -c %s "$TEST_DIR/crc.gz") - 8)) conv=notrunc 2>/dev/null
	for f in cut:'unexpected end of the stream' trail:'data that is not gzip after the end' \
		crc:'the CRC or the size in the trailer does not match'; do
		rm -rf "$TEST_DIR/root" "$TEST_DIR/run"
		run -1 --separate-stderr "${ST[@]}" layer apply - <"$TEST_DIR/${f%%:*}.gz"
		assert_output --partial "gzip: ${f#*:}"
		run -0 "${ST[@]}" layer ls
		assert_equal "$(jq -r '.result | length' <<<"$output")" 0
	done
}

@test "zstd layers (libzstd): several frames apply, a bad checksum, a cut stream, trailing data refused" {
	mkdir -p "$TEST_DIR/l/d"
	echo hello >"$TEST_DIR/l/d/a"
	head -c 300000 /dev/urandom >"$TEST_DIR/l/d/b"
	pea_tar_dir "$TEST_DIR/l" "$TEST_DIR/t.tar"
	want="sha256:$(pea_sha256 "$TEST_DIR/t.tar")"
	head -c 10240 "$TEST_DIR/t.tar" | zstd -q -c >"$TEST_DIR/multi.zst"
	tail -c +10241 "$TEST_DIR/t.tar" | zstd -q -c >>"$TEST_DIR/multi.zst"
	zstd -q --check -c "$TEST_DIR/t.tar" >"$TEST_DIR/one.zst"
	for f in one multi; do
		rm -rf "$TEST_DIR/root" "$TEST_DIR/run"
		run -0 --separate-stderr "${ST[@]}" layer apply - <"$TEST_DIR/$f.zst"
		assert_equal "$(jq -r .result.diff_id <<<"$output")" "$want"
		assert_equal "$(jq -r .result.compression <<<"$output")" zstd
	done
	head -c -100 "$TEST_DIR/one.zst" >"$TEST_DIR/cut.zst"
	{ cat "$TEST_DIR/one.zst"; echo garbage; } >"$TEST_DIR/trail.zst"
	cp "$TEST_DIR/one.zst" "$TEST_DIR/sum.zst"
	# the frame's last 4 bytes are its content checksum
	printf '\0\0\0\0' | dd of="$TEST_DIR/sum.zst" bs=1 seek=$(($(stat -c %s "$TEST_DIR/sum.zst") - 4)) conv=notrunc 2>/dev/null
	for f in cut:'unexpected end of the stream' trail:'Unknown frame descriptor' \
		sum:"Restored data doesn't match checksum"; do
		rm -rf "$TEST_DIR/root" "$TEST_DIR/run"
		run -1 --separate-stderr "${ST[@]}" layer apply - <"$TEST_DIR/${f%%:*}.zst"
		assert_output --partial "zstd: ${f#*:}"
		run -0 "${ST[@]}" layer ls
		assert_equal "$(jq -r '.result | length' <<<"$output")" 0
	done
}
