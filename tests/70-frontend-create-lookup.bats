#!/usr/bin/env bats
# pea create/run of a local image: the image is looked up by the same pea-storage
# call that makes the container's storage (container create --image-find, as pea
# looks images up: id, sha256:id, full name, a short name's REGISTRY/.../NAME:TAG, a
# unique id prefix), not by an `image ls` before it: one exec fewer. What needs the
# image before its storage (--platform, --pull=always, a missing image) looks it up
# as before. A create that fails after that call removes the storage again.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-frontend
load helpers/fe-file

setup() {
	fe_file_setup jq
	# pea beside its helpers, pea-storage a wrapper that logs its arguments
	fe_storage_logged
}

teardown() {
	fe_storage_logged_end
	fe_file_teardown
}

# The storage calls of what ran since the log was emptied: their commands (the
# words after the global options), one a line.
calls() {
	sed -E 's/^(--[^ ]+ )*//; s/^([a-z]+ [a-z]+).*/\1/' "$TEST_DIR/storage.log"
}

store_count() {
	"$PEA_STORAGE" --root "$FE_ROOT/storage" --runroot "$FE_RUNROOT/storage" container ls |
		jq '.result | length'
}

@test "run --rm and create of a local image: no image ls, the create's call finds it" {
	local id
	id=$(pea_out images -q --no-trunc busybox)
	id=${id#sha256:}
	: >"$TEST_DIR/storage.log"
	run -0 pea_cmd run --rm --network none busybox echo hi
	assert_output hi
	run -0 calls
	assert_output "container create
container rm"
	grep -q -- '--image-find busybox --image-find-full busybox:latest --image-find-short ' \
		"$TEST_DIR/storage.log"
	# the same image by id, sha256:id, an id prefix, its full name
	for ref in "$id" "sha256:$id" "${id:0:12}" localhost/busybox:latest localhost/busybox; do
		: >"$TEST_DIR/storage.log"
		run -0 pea_cmd create --name "c${#ref}" "$ref" true
		run -0 calls
		assert_output "container create"
		run -0 pea_cmd inspect --format '{{.Image}} {{.ImageName}}' "c${#ref}"
		assert_output --partial "$id"
	done
	run -0 pea_cmd rm -a
	assert_equal "$(store_count)" 0
}

@test "what needs the image first looks it up as before (image ls)" {
	: >"$TEST_DIR/storage.log"
	run -0 pea_cmd create --platform linux/amd64 --name p busybox true
	run -0 calls
	assert_line "image ls"
	refute_line --partial "image-find"
	: >"$TEST_DIR/storage.log"
	run -125 pea_cmd create --pull=never nosuch-image:1 true
	assert_output --partial "nosuch-image:1: image not known"
	# the create's lookup first, then image ls for the error (or the pull) as before
	run -0 calls
	assert_output "container create
image ls"
	run -0 pea_cmd rm -a
	assert_equal "$(store_count)" 0
}

@test "a create that fails after its storage call removes the storage, and its name is free" {
	run -125 pea_cmd create --name f --runtime /nosuch/runtime busybox true
	assert_output --partial "/nosuch/runtime"
	assert_equal "$(store_count)" 0
	run -0 pea_cmd ps -a --external -q
	assert_output ""
	run -0 pea_cmd create --name f busybox true
	run -125 pea_cmd create --name f busybox true
	assert_output --partial 'the container name "f" is already in use'
	assert_equal "$(store_count)" 1
	run -0 pea_cmd rm f
	assert_equal "$(store_count)" 0
	ls "$FE_RUNROOT/locks" >"$TEST_DIR/locks"
	assert_equal "$(wc -l <"$TEST_DIR/locks")" 0
}

@test "pea-storage container create --image-find: lookup, record in the reply, errors" {
	local s=("$PEA_STORAGE" --root "$FE_ROOT/storage" --runroot "$FE_RUNROOT/storage") id
	id=$("${s[@]}" image ls | jq -r '.result[0].id')
	run -0 "${s[@]}" container create --image-find busybox --image-find-full busybox:latest \
		--image-find-short
	assert_equal "$(jq -r '.result.image, .result.image_record.id' <<<"$output" | sort -u)" "$id"
	assert_equal "$(jq -r '.result.image_record.names[0]' <<<"$output")" localhost/busybox:latest
	# without --image-find-short a short name is not matched by suffix
	run -1 "${s[@]}" container create --image-find busybox --image-find-full busybox:latest
	assert_output --partial '"message":"container create: busybox: image not known"'
	run -0 "${s[@]}" container create --image-find "${id:0:5}"
	run -2 "${s[@]}" container create --image "$id" --image-find busybox
	assert_output --partial "--image and --image-find exclude each other"
	run -2 "${s[@]}" container create --image-find-short
	assert_output --partial "--image-find-full and --image-find-short need --image-find"
	run -1 "${s[@]}" container create --image-find ''
	assert_output --partial "image name must not be empty"
	assert_equal "$(store_count)" 2
}
