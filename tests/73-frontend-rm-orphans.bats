#!/usr/bin/env bats
# pea's storage containers that no record names: those pea made (their metadata names
# the pea container they belong to) and a crash left without their record go with
# rm -a, container prune, system prune and system reset, their layers and mounts too,
# their ids printed; a container of pea-storage's alone, and buildah's in
# containers/storage, are external (ps --external) and stay, as podman keeps buildah's.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-frontend
load helpers/cstorage
load helpers/fe-file

# buildah's store before the file's pea server starts (cs_setup exports its storage.conf)
setup_file() {
	ensure_fixtures
	cs_setup
	fe_file_setup_file
}

teardown_file() {
	fe_file_teardown_file
	cs_clean
}

setup() {
	fe_file_setup jq
}

teardown() {
	fe_file_teardown
	cs_clean
}

storage() {
	"$PEA_STORAGE" --root "$FE_ROOT/storage" --runroot "$FE_RUNROOT/storage" "$@"
}

# the ids in pea's store, sorted
store_ids() {
	storage container ls | jq -r '.result[].id' | sort
}

# orphan NAME [mount]: a pea container whose record a crash lost (its folder never reached
# the disk); mounted first with "mount". Its id in $oid.
orphan() {
	oid=$(pea_out create --name "$1" busybox true)
	[[ ${#oid} == 64 ]]
	if [[ "${2:-}" == mount ]]; then
		pea_cmd mount "$1" >/dev/null
	fi
	rm -rf "${FE_ROOT:?}/containers/$oid"
}

# external NAME: a container made by pea-storage alone (no pea metadata). Its id in $xid.
external() {
	local iid
	iid=$(pea_out image inspect --format '{{.Id}}' busybox)
	xid=$(storage container create --image "$iid" --name "$1" | jq -r .result.id)
	[[ ${#xid} == 64 ]]
}

# mounts below pea's store
store_mounts() {
	awk -v r="$FE_ROOT/storage/" 'index($2, r) == 1 {print $2}' /proc/self/mounts
}

@test "rm -a: pea's orphans go (a mounted one too), pea-storage's and buildah's stay" {
	bfrom ext1
	local bid=$cid
	orphan lost1
	local o1=$oid
	orphan lost2 mount
	local o2=$oid
	[[ -n "$(store_mounts)" ]]
	external st1
	run -0 pea_cmd create --name kept busybox true
	local kid=$output
	# the metadata that tells them apart
	run -0 storage container inspect "$o1"
	run -0 jq -r .result.metadata <<<"$output"
	assert_output "{\"pea-container\":\"$o1\",\"name\":\"lost1\"}"
	run -0 storage container inspect "$xid"
	run -0 jq -r '.result.metadata // "none"' <<<"$output"
	assert_output none
	# ps --external lists them all, the orphans by their container's name
	run -0 pea_cmd ps -a --external --noheading --format '{{.Names}} {{.Status}}'
	assert_line "lost1 Storage"
	assert_line "lost2 Storage"
	assert_line "st1 Storage"
	assert_line "ext1 Storage"
	run -0 pea_cmd rm -a
	assert_equal "$(sort <<<"$output")" "$(printf '%s\n' "$kid" "$o1" "$o2" | sort)"
	run -0 store_ids
	assert_output "$xid"
	run -0 store_mounts
	assert_output ""
	run -0 pea_cmd ps -a --external --noheading --format '{{.Names}}'
	assert_equal "$(sort <<<"$output")" "$(printf '%s\n' ext1 st1)"
	[[ -e "$CS_DIR/root/overlay-containers/$bid" ]]
	# nothing left to do: a second rm -a prints nothing
	run -0 pea_cmd rm -a
	assert_output ""
	run -0 storage container rm st1
}

@test "container prune and system prune: pea's orphans go with the stopped containers" {
	orphan lost1 mount
	local o1=$oid
	external st1
	run -0 pea_cmd run -d --name up busybox sleep 1000
	local up=$output
	run -0 pea_cmd container prune -f
	assert_output "$o1"
	run -0 store_ids
	assert_equal "$output" "$(printf '%s\n' "$up" "$xid" | sort)"
	orphan lost2
	local o2=$oid
	run -0 pea_cmd system prune -f
	assert_line --index 0 "Deleted Containers"
	assert_line --index 1 "$o2"
	assert_line --index 2 "Deleted Images"
	run -0 store_ids
	assert_equal "$output" "$(printf '%s\n' "$up" "$xid" | sort)"
	run -0 pea_cmd rm -f -t0 up
	run -0 storage container rm st1
}

@test "system reset: every container of pea's store goes, orphans and pea-storage's alike" {
	bfrom ext1
	local bid=$cid
	orphan lost1 mount
	external st1
	run -0 storage container mount st1
	run -0 pea_cmd system reset -f
	run -0 store_mounts
	assert_output ""
	[[ ! -e "$FE_ROOT" ]]
	[[ -e "$CS_DIR/root/overlay-containers/$bid" ]]
}

# pea_storage_hook DIR ACTION: pea and its helpers in DIR, its pea-storage a wrapper that
# runs the bash line ACTION once a container create without a name in its metadata is
# done: the layer of a --mount type=image, made before the record.
pea_storage_hook() {
	local b
	mkdir -p "$1"
	cp "$PEA" "$1/pea"
	for b in "$(dirname "$PEA")"/pea-*; do
		[[ "$(basename "$b")" == pea-storage ]] || ln -sf "$b" "$1/"
	done
	{
		echo '#!/bin/bash'
		echo '"'"$PEA_STORAGE"'" "$@"'
		echo 'rc=$?'
		echo 'if [[ " $* " == *" container create "* && " $* " != *"\"name\""* ]]; then'
		echo "	$2"
		echo 'fi'
		echo 'exit $rc'
	} >"$1/pea-storage"
	chmod +x "$1/pea-storage"
}

@test "a create killed after its --mount type=image layer: rm -a removes the layer" {
	# pea killed (its parent) with SIGKILL
	pea_storage_hook "$TEST_DIR/bin" 'kill -9 $PPID'
	run -137 "$TEST_DIR/bin/pea" "${FE_ARGS[@]}" create --name k \
		--mount type=image,src=busybox,dst=/img busybox true
	run -0 pea_cmd ps -a -q
	assert_output ""
	# the container's own storage (made first, as podman does) and the image mount's layer,
	# which names it
	run -0 store_ids
	assert_equal "${#lines[@]}" 2
	local cid lid
	cid=$(storage container ls | jq -r '.result[] | select(.metadata | fromjson | .name == "k") | .id')
	lid=$(storage container ls | jq -r --arg c "$cid" '.result[] | select(.id != $c) | .id')
	run -0 storage container inspect "$lid"
	run -0 jq -r .result.metadata <<<"$output"
	assert_output "{\"pea-container\":\"$cid\"}"
	run -0 pea_cmd ps -a --external -q --no-trunc
	assert_equal "$(sort <<<"$output")" "$(printf '%s\n' "$cid" "$lid" | sort)"
	run -0 pea_cmd rm -a
	assert_equal "$(sort <<<"$output")" "$(printf '%s\n' "$cid" "$lid" | sort)"
	run -0 store_ids
	assert_output ""
	# the container's lock went with it
	run -0 find "$FE_RUNROOT/locks" -type f -name '????????????????????????????????????????????????????????????????'
	assert_output ""
}

@test "a create under way keeps its --mount type=image layers from rm -a" {
	# a pea-storage that holds the create's image layer until rm -a is done (go, 60 s at
	# most): rm -a meanwhile sees a layer no record names, under the container's lock
	local slow="$TEST_DIR/slow" d="$TEST_DIR/made" go="$TEST_DIR/go"
	pea_storage_hook "$slow" "touch '$d'; for ((i = 0; i < 1200; i++)); do [[ -e '$go' ]] && break; sleep 0.05; done"
	"$slow/pea" "${FE_ARGS[@]}" create --name c --mount type=image,src=busybox,dst=/img \
		busybox true >"$TEST_DIR/create.out" 2>&1 3>&- &
	local pid=$!
	local i
	for ((i = 0; i < 600; i++)); do
		[[ -e "$d" ]] && break
		sleep 0.05
	done
	[[ -e "$d" ]]
	run pea_cmd rm -a
	touch "$go"
	assert_success
	assert_output ""
	wait "$pid"
	run -0 cat "$TEST_DIR/create.out"
	local id=$output
	# the container and its image layer
	run -0 store_ids
	assert_equal "${#lines[@]}" 2
	run -0 pea_cmd rm -a
	assert_output "$id"
	run -0 store_ids
	assert_output ""
}

@test "container prune: an orphan whose removal fails loses its lock file all the same" {
	orphan lost1
	local o1=$oid
	[[ -e "$FE_RUNROOT/locks/$o1" ]]
	# a pea-storage that refuses to remove containers
	local b="$TEST_DIR/norm" x
	mkdir -p "$b"
	cp "$PEA" "$b/pea"
	for x in "$(dirname "$PEA")"/pea-*; do
		[[ "$(basename "$x")" == pea-storage ]] || ln -sf "$x" "$b/"
	done
	{
		echo '#!/bin/bash'
		echo 'if [[ " $* " == *" container rm "* ]]; then echo "no rm today" >&2; exit 1; fi'
		echo 'exec "'"$PEA_STORAGE"'" "$@"'
	} >"$b/pea-storage"
	chmod +x "$b/pea-storage"
	# container prune (rm -a sweeps lock files without a record at its end, prune does not)
	run "$b/pea" "${FE_ARGS[@]}" container prune -f
	assert_failure
	assert_output --partial "no rm today"
	[[ ! -e "$FE_RUNROOT/locks/$o1" ]]
	# the container stays, for the next rm -a
	run -0 store_ids
	assert_output "$o1"
	run -0 pea_cmd rm -a
	assert_output "$o1"
	run -0 store_ids
	assert_output ""
	[[ ! -e "$FE_RUNROOT/locks/$o1" ]]
}
