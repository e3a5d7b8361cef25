#!/usr/bin/env bats
# pea run/create: named volumes (-v NAME:/dir, --mount type=volume), --mount
# type=bind|tmpfs, --volumes-from, and their bad values (podman-run(1)).
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-frontend

setup_file() {
	ensure_fixtures
	fe_server_start
}

teardown_file() {
	fe_server_stop
}

setup() {
	require_root
	require_cmd "$PEA"
	require_cmd tini
	fe_setup
	fe_load_busybox
}

teardown() {
	fe_teardown
}

@test "-v NAME:/dir makes the volume, seeds it from the image once, and keeps it" {
	run -0 pea_cmd run --rm -v vol1:/usr/sbin busybox sh -c 'ls /usr/sbin | grep -c chroot; echo hi >/usr/sbin/mine'
	assert_output 1
	run -0 pea_cmd volume ls --format '{{.Name}}'
	assert_output vol1
	data="$FE_ROOT/volumes/vol1/_data"
	[ -L "$data/chroot" ]
	assert_equal "$(cat "$data/mine")" hi
	# the same volume elsewhere, then emptied: it is not seeded again
	run -0 pea_cmd run --rm -v vol1:/data busybox cat /data/mine
	assert_output hi
	run -0 pea_cmd run --rm -v vol1:/usr/sbin busybox sh -c 'rm -f /usr/sbin/*; ls /usr/sbin | wc -l'
	assert_output 0
	run -0 pea_cmd run --rm -v vol1:/usr/sbin busybox sh -c 'ls /usr/sbin | wc -l'
	assert_output 0
	# nocopy: a new volume stays empty; ro: it cannot be written
	run -0 pea_cmd run --rm -v vol2:/usr/sbin:nocopy busybox sh -c 'ls /usr/sbin | wc -l'
	assert_output 0
	run -1 pea_cmd run --rm -v vol1:/data:ro busybox touch /data/x
	assert_output --partial "Read-only file system"
	run -0 pea_cmd volume ls --format '{{.Name}}'
	assert_output "vol1
vol2"
}

@test "-v /dir and --mount type=volume without a source: anonymous volumes, removed with --rm" {
	run -0 pea_cmd run --rm -v /usr/sbin --mount type=volume,target=/data busybox sh -c 'ls /usr/sbin | grep -c chroot; ls /data | wc -l'
	assert_output "1
0"
	run -0 pea_cmd volume ls -q
	assert_output ""
	run -0 pea_cmd run --name keep -v /data busybox sh -c 'echo kept >/data/f'
	run -0 pea_cmd volume ls -q
	assert_output --regexp '^[0-9a-f]{64}$'
	anon=$output
	assert_equal "$(cat "$FE_ROOT/volumes/$anon/_data/f")" kept
	run -125 pea_cmd volume rm "$anon"
	assert_output --partial "being used"
	# without --rm the container's anonymous volume outlives it (podman's rm without -v)
	run -0 pea_cmd rm keep
	# one shared through --volumes-from stays its owner's
	run -0 pea_cmd create --name owner -v /data busybox true
	run -0 pea_cmd inspect owner
	anon=$(jq -r '.[0].Mounts[0].Name' <<<"$output")
	run -0 pea_cmd run --rm --volumes-from owner busybox true
	run -0 pea_cmd volume exists "$anon"
	run -0 pea_cmd rm owner
	run -0 pea_cmd volume rm "$anon"
}

@test "the image's VOLUMEs are anonymous volumes, seeded from the image, unless mounted" {
	run -0 pea_cmd create --name base busybox true
	run -0 pea_cmd commit --change 'VOLUME /usr/sbin' base localhost/withvol
	run -0 pea_cmd rm base
	run -0 pea_cmd run --rm localhost/withvol sh -c 'ls /usr/sbin | grep -c chroot; grep -c " /usr/sbin " /proc/mounts'
	assert_output "1
1"
	run -0 pea_cmd volume ls -q
	assert_output ""
	run -0 pea_cmd run --rm -v named:/usr/sbin localhost/withvol true
	run -0 pea_cmd volume ls -q
	assert_output named
	run -0 pea_cmd volume rm named
	run -0 pea_cmd rmi localhost/withvol
}

@test "--mount type=volume; volume rm is refused while a container uses the volume" {
	run -0 pea_cmd create --name c --mount type=volume,source=v3,target=/data busybox true
	run -0 pea_cmd volume exists v3
	run -0 pea_cmd inspect c
	assert_equal "$(jq -r '.[0].Mounts[0] | "\(.Type) \(.Name) \(.Source) \(.Destination)"' <<<"$output")" \
		"volume v3 $FE_ROOT/volumes/v3/_data /data"
	run -125 pea_cmd volume rm v3
	assert_output --partial "volume v3 is being used by the following container(s)"
	run -0 pea_cmd start -a c
	run -1 pea_cmd run --rm --mount type=volume,src=v3,dst=/data,ro=true busybox sh -c 'touch /data/x'
	assert_output --partial "Read-only file system"
	run -0 pea_cmd rm c
	run -0 pea_cmd volume rm v3
	run -1 pea_cmd volume exists v3
}

@test "--mount type=bind: readonly, bind-propagation, bind-nonrecursive" {
	mkdir -p "$TEST_DIR/src"
	echo x >"$TEST_DIR/src/f"
	run -1 pea_cmd run --rm --mount "type=bind,source=$TEST_DIR/src,target=/b,readonly" busybox sh -c 'cat /b/f; touch /b/g'
	assert_output --partial x
	assert_output --partial "Read-only file system"
	run -0 pea_cmd run --rm --mount "type=bind,src=$TEST_DIR/src,dst=/b" busybox sh -c 'echo y >/b/g'
	assert_equal "$(cat "$TEST_DIR/src/g")" y
	run -0 pea_cmd create --name p --mount "type=bind,src=$TEST_DIR/src,dst=/b,bind-propagation=rslave,bind-nonrecursive" busybox cat /b/f
	run -0 pea_cmd start -a p
	assert_output x
	run -0 jq -c '.mounts[] | select(.destination == "/b") | .options' "$FE_ROOT"/containers/*/config.json
	assert_output '["bind","rslave"]'

}

@test "--mount type=tmpfs: tmpfs-size and tmpfs-mode" {
	run -0 pea_cmd run --rm --mount type=tmpfs,target=/t,tmpfs-size=1m,tmpfs-mode=1770 busybox sh -c 'grep " /t " /proc/mounts; stat -c %a /t'
	assert_line --index 0 --partial "size=1024k"
	assert_line --index 1 1770
	run -1 pea_cmd run --rm --mount type=tmpfs,dst=/t,ro busybox sh -c 'touch /t/x'
	assert_output --partial "Read-only file system"
}

@test "--volumes-from takes the other container's volumes and binds, :ro makes them read-only" {
	mkdir -p "$TEST_DIR/b"
	echo bound >"$TEST_DIR/b/f"
	run -0 pea_cmd run --rm -v vs:/data busybox sh -c 'echo vol >/data/x'
	run -0 pea_cmd create --name from -v vs:/data -v "$TEST_DIR/b:/bind" busybox true
	run -0 pea_cmd run --rm --volumes-from from busybox sh -c 'cat /data/x /bind/f; echo w >/data/w'
	assert_output "vol
bound"
	run -1 pea_cmd run --rm --volumes-from from:ro busybox sh -c 'cat /data/x; touch /data/y'
	assert_output --partial "Read-only file system"
	# the container's own mount of a destination wins
	mkdir -p "$TEST_DIR/other"
	echo other >"$TEST_DIR/other/f"
	run -0 pea_cmd run --rm -v "$TEST_DIR/other:/bind" --volumes-from from busybox cat /bind/f
	assert_output other
	run -125 pea_cmd volume rm vs
	assert_output --partial "being used"
}

@test "bad mount values: one clear line, exit 125, nothing made" {
	run -125 pea_cmd run --rm -v 'bad name!:/x' busybox true
	assert_output --partial "volume names must match"
	run -125 pea_cmd run --rm -v vol:relative busybox true
	assert_output --partial "must be an absolute path"
	run -125 pea_cmd run --rm -v vol:/a:bogus busybox true
	assert_output --partial "invalid volume option 'bogus'"
	run -125 pea_cmd run --rm -v "$TEST_DIR:/a:nocopy" busybox true
	assert_output --partial "only for named volumes"
	run -125 pea_cmd run --rm -v vol:/a:ro,rw busybox true
	assert_output --partial "set twice or in conflict"
	run -125 pea_cmd run --rm -v vol:/x --tmpfs /x busybox true
	assert_output --partial "/x: duplicate mount destination"
	run -125 pea_cmd run --rm --mount type=bind,target=/x busybox true
	assert_output --partial "type=bind needs a source"
	run -125 pea_cmd run --rm --mount type=bind,source=/nosuch/dir,target=/x busybox true
	assert_output --partial 'error checking path "/nosuch/dir"'
	run -125 pea_cmd run --rm --mount type=nfs,target=/x busybox true
	assert_output --partial "type 'nfs' is not supported"
	run -125 pea_cmd run --rm --mount type=tmpfs,target=/x,tmpfs-size=big busybox true
	assert_output --partial "invalid tmpfs-size 'big'"
	run -125 pea_cmd run --rm --mount type=tmpfs,target=/x,tmpfs-mode=999 busybox true
	assert_output --partial "invalid tmpfs-mode '999'"
	run -125 pea_cmd run --rm --mount type=tmpfs,source=a,target=/x busybox true
	assert_output --partial "type=tmpfs takes no source"
	run -125 pea_cmd run --rm --mount type=volume,source=v,target=/x,bind-propagation=shared busybox true
	assert_output --partial "are for type=bind"
	run -125 pea_cmd run --rm --mount "type=bind,source=$TEST_DIR,target=/x,bind-propagation=weird" busybox true
	assert_output --partial "invalid bind-propagation 'weird'"
	run -125 pea_cmd run --rm --mount source=v busybox true
	assert_output --partial "no target"
	run -125 pea_cmd run --rm --mount type=volume,src=v,target=/x,bogus=1 busybox true
	assert_output --partial "unknown option 'bogus'"
	run -125 pea_cmd run --rm --mount type=volume,src=v,target=/x,readonly=maybe busybox true
	assert_output --partial "invalid value 'maybe'"
	run -125 pea_cmd run --rm --volumes-from nosuch busybox true
	assert_output --partial 'no container with name or ID "nosuch" found'
	run -0 pea_cmd create --name c busybox true
	run -125 pea_cmd run --rm --volumes-from c:bad busybox true
	assert_output --partial "unknown option 'bad'"
	# a create that fails after its new volume was made takes the volume back
	run -125 pea_cmd create --name c -v fresh:/x busybox true
	assert_output --partial 'the container name "c" is already in use'
	run -0 pea_cmd rm c
	run -0 pea_cmd ps -a -q
	assert_output ""
	run -0 pea_cmd volume ls -q
	assert_output ""
	fe_no_mounts
}
