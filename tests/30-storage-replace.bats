#!/usr/bin/env bats
# lib/file.c pea_write_file_replace_at: an unsynced replacement of a regular file swaps
# the names (renameat2 RENAME_EXCHANGE) and unlinks the old content, never a rename over
# it (on ext4 that writes the new blocks out at once, and freeing them later waits for
# a discard where the file system is mounted with it). The mount count of a layer is
# such a file: its second mount replaces it.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-storage
load helpers/storage-file

setup_file() {
	ensure_fixtures
}

setup() {
	storage_file_setup strace
	st_busybox_image bb
}

@test "replace: a second mount rewrites the mount count by a swap, no temp file left" {
	run -0 pstore container create --image bb --name c
	local id
	id="$(json_field id)"
	run -0 pstore container mount c
	run -0 strace -f -qq -e trace=rename,renameat,renameat2 -o "$TEST_DIR/trace" \
		"$PEA_STORAGE" --root "$STORE_ROOT" --runroot "$STORE_RUN" container mount c
	assert_equal "$(json_field mount_count)" 2
	run -0 grep -c "renameat2(.*\"$id.json.tmp.*\"$id.json\", RENAME_EXCHANGE) = 0" "$TEST_DIR/trace"
	run -1 grep -E "rename(at)?\(.*\"$id.json\"" "$TEST_DIR/trace"
	run -0 jq -r .count "$STORE_RUN/mounts/$id.json"
	assert_output 2
	[[ -z "$(find "$STORE_RUN/mounts" -name '*.tmp.*')" ]]
	run -0 pstore container unmount --force c
}
