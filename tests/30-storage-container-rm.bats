#!/usr/bin/env bats
# pea-storage container rm of several containers in one call (pea rm -a hands its
# removals over in batches): one lock of the store and one read of its records for all,
# ids in order in the reply; the first that fails stops it, those before it removed;
# --ignore passes over one that is not there; a mounted one wants --force, and goes
# unmounted with it; a layer still used is refused as with one.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-storage
load helpers/storage-file

setup_file() {
	ensure_fixtures
}

setup() {
	storage_file_setup
	st_busybox_image bb
}

# mk NAME...: containers over bb, their ids in ids[]
mk() {
	local n
	ids=()
	for n in "$@"; do
		run -0 pstore container create --image bb --name "$n"
		ids+=("$(json_field id)")
	done
}

@test "container rm: several in one call, their ids in order; nothing of them left" {
	mk a b c
	run -0 pstore container mount b
	local mp
	mp="$(json_field mountpoint)"
	run -0 pstore container rm --force c a b
	assert_equal "$(jq -c .result.ids <<<"$output")" "[\"${ids[2]}\",\"${ids[0]}\",\"${ids[1]}\"]"
	! grep -q " $mp " /proc/self/mounts
	run -0 pstore container ls
	assert_equal "$(jq -c .result <<<"$output")" "[]"
	for id in "${ids[@]}"; do
		[[ ! -e "$STORE_ROOT/overlay/$id" ]]
		[[ ! -e "$STORE_ROOT/layers/$id.json" ]]
	done
	# the image's layer stays: the image uses it
	[[ -d "$STORE_ROOT/overlay/$BUSYBOX_LAYER_ID/diff" ]]
	# one: the reply as before, {"id"}
	mk d
	run -0 pstore container rm d
	assert_equal "$(json_field id)" "${ids[0]}"
}

@test "container rm: the first failure stops it, those before it gone; --ignore passes over one not there" {
	mk a b
	run -1 pstore container rm a nothere b
	assert_line --index 0 --partial "container rm: "
	assert_line --index 0 --partial "nothere"
	assert_equal "$(jq -r .error.errno <<<"${lines[-1]}")" ENOENT
	run -0 pstore container ls
	assert_equal "$(jq -r '.result[].names[0]' <<<"$output")" b
	mk a
	run -0 pstore container rm --ignore nothere a b
	assert_equal "$(jq -r '.result.ids | length' <<<"$output")" 2
	run -0 pstore container ls
	assert_equal "$(jq -c .result <<<"$output")" "[]"
	# all of them not there, ignored: nothing removed, no error
	run -0 pstore container rm --ignore x y
	assert_equal "$(jq -c .result.ids <<<"$output")" "[]"
}

@test "container rm: a mounted one without --force stops it with its error" {
	mk a b
	run -0 pstore container mount b
	run -1 pstore container rm a b
	assert_line --index 0 --regexp "container rm: container '${ids[1]}' is mounted \(1\); unmount it or use --force$"
	assert_equal "$(jq -r .error.errno <<<"${lines[-1]}")" EBUSY
	run -0 pstore container ls
	assert_equal "$(jq -r '.result[].names[0]' <<<"$output")" b
	run -0 pstore container rm --force b
	run -2 pstore container rm
	assert_output --partial "container rm: missing a container"
}

# container rm reads the users of the containers' layers alone (the records whose text names
# one of those layers), not every record of the store: a child layer and an image that use a
# container's layer must still be seen, one container or several at once.
@test "container rm: a container's layer that a child layer or an image uses is refused, alone or with others" {
	mk a b c
	run -0 pstore layer create --parent "${ids[0]}"
	local child
	child="$(json_field id)"
	run -1 pstore container rm a
	assert_output --partial "layer '${ids[0]}' is in use: layer '$child' is its child"
	run -0 pstore image create --layers "$BUSYBOX_LAYER_ID,${ids[1]}" --name localhost/uses-b
	run -1 pstore container rm c b
	assert_output --partial "layer '${ids[1]}' is in use: image '"
	assert_output --partial "' uses it"
	# c, before b, went; b and a stay, their records and layers
	[[ ! -e "$STORE_ROOT/layers/${ids[2]}.json" ]]
	[[ -e "$STORE_ROOT/layers/${ids[0]}.json" && -e "$STORE_ROOT/layers/${ids[1]}.json" ]]
	[[ -e "$STORE_ROOT/containers/${ids[0]}.json" && -e "$STORE_ROOT/containers/${ids[1]}.json" ]]
}

# A refused removal leaves the store as it was: the container's record, its layer and its
# mount (the users were checked after the record went and the --force unmount, so a refused
# rm dropped the container from ls and left its layer without a record).
@test "container rm: one whose layer is in use is refused with its record, layer and mount kept" {
	mk a b
	run -0 pstore layer create --parent "${ids[0]}"
	local child mp
	child="$(json_field id)"
	run -0 pstore container mount a
	mp="$(json_field mountpoint)"
	run -1 pstore container rm --force a
	assert_line --index 0 "pea-storage: container rm: layer '${ids[0]}' is in use: layer '$child' is its child"
	assert_equal "$(jq -r .error.errno <<<"${lines[-1]}")" EBUSY
	assert_equal "${#lines[@]}" 2
	run -0 pstore container ls
	assert_equal "$(jq -r '[.result[].names[0]] | sort | join(" ")' <<<"$output")" "a b"
	[[ -e "$STORE_ROOT/containers/${ids[0]}.json" && -e "$STORE_ROOT/layers/${ids[0]}.json" ]]
	grep -q " $mp " /proc/self/mounts
	# several: the one before it goes, the refused one and those after it stay
	run -1 pstore container rm --force b a
	run -0 pstore container ls
	assert_equal "$(jq -r '.result[].names[0]' <<<"$output")" a
	grep -q " $mp " /proc/self/mounts
	run -0 pstore layer rm "$child"
	run -0 pstore container rm --force a
	! grep -q " $mp " /proc/self/mounts
}
