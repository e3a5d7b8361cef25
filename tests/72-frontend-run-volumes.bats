#!/usr/bin/env bats
# pea run/create: named volumes (-v NAME:/dir, --mount type=volume), --mount
# type=bind|tmpfs, --volumes-from, and their bad values (podman-run(1)).
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-frontend
load helpers/fe-rootless
load helpers/fe-file

teardown() {
	fe_teardown
	if [[ -n "${FE_RL_USER:-}" ]]; then
		fe_rl_user_teardown
		FE_RL_USER=
	fi
}

# searchable_path: the test's folders reachable by a container's root mapped
# to another host id (--uidmap), as they are outside bats' private folders.
searchable_path() {
	local d=$TEST_DIR
	while [[ "$d" != / && "$d" != /tmp ]]; do
		chmod o+x "$d"
		d=$(dirname "$d")
	done
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
	run -2 pea_cmd volume rm "$anon"
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
	run -2 pea_cmd volume rm v3
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
	# as podman's: a tmpfs starts with what the image has there (tmpcopyup), unless notmpcopyup
	run -0 pea_cmd run --rm --mount type=tmpfs,dst=/bin busybox ls /bin/busybox
	assert_output /bin/busybox
	run -0 pea_cmd run --rm --mount type=tmpfs,dst=/bin,tmpcopyup busybox ls /bin/busybox
	assert_output /bin/busybox
	run -0 pea_cmd run --rm --tmpfs /etc busybox ls /etc/passwd
	assert_output /etc/passwd
	run -0 pea_cmd run --rm --tmpfs /etc:rw,size=1m busybox ls /etc/passwd
	assert_output /etc/passwd
	run -0 pea_cmd run --rm --mount type=tmpfs,dst=/etc,notmpcopyup busybox /bin/ls /etc
	assert_output ""
	run -0 pea_cmd run --rm --tmpfs /etc:rw,notmpcopyup busybox /bin/ls /etc
	assert_output ""
	run -125 pea_cmd create --mount type=volume,dst=/t,notmpcopyup busybox true
	assert_output --partial "notmpcopyup is for type=tmpfs"
	run -0 pea_cmd ps -aq
	assert_output ""
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
	run -2 pea_cmd volume rm vs
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

@test "--mount type=image: the image's root, read-only unless rw=true; unmounted and removed with the container" {
	run -1 pea_cmd run --rm --mount type=image,source=busybox,destination=/img busybox sh -c 'ls /img/bin/busybox; touch /img/x'
	assert_output --partial /img/bin/busybox
	assert_output --partial "Read-only file system"
	run -0 pea_cmd run --name im --mount type=image,src=localhost/busybox,dst=/img,rw=true busybox sh -c 'echo w >/img/new; cat /img/new'
	assert_output w
	# the container's image mount is down once it ended, its layer goes with it
	run ! grep -q "$FE_ROOT.*merged" /proc/self/mounts
	run -0 pea_cmd start -a im
	assert_output w
	run -0 pea_cmd rm im
	run -0 "$PEA_STORAGE" --root "$FE_ROOT" --runroot "$FE_RUNROOT" container ls
	assert_equal "$(jq '.result | length' <<<"$output")" 0
	fe_no_mounts
	run -125 pea_cmd create --mount type=image,source=nosuch,destination=/img busybox true
	assert_output --partial "nosuch: image not known"
	run -125 pea_cmd create --mount type=image,destination=/img busybox true
	assert_output --partial "type=image needs a source"
	run -0 pea_cmd ps -aq
	assert_output ""
}

@test "--mount type=devpts: a new devpts instance with its uid, gid and mode" {
	run -0 pea_cmd run --rm --mount type=devpts,destination=/dev/pts2,uid=0,gid=5,mode=620,max=10 busybox grep /dev/pts2 /proc/mounts
	assert_output --regexp '^devpts /dev/pts2 devpts .*gid=5,mode=620,ptmxmode=666,max=10'
	run -125 pea_cmd create --mount type=devpts,destination=/x,mode=999 busybox true
	assert_output --partial "invalid mode '999'"
	run -125 pea_cmd create --mount type=devpts,source=a,destination=/x busybox true
	assert_output --partial "type=devpts takes no source"
	run -125 pea_cmd create --mount type=bind,source=/tmp,destination=/x,uid=1 busybox true
	assert_output --partial "uid, gid, mode and max are for type=devpts"
	run -125 pea_cmd create --mount type=glob,source=/tmp/*,destination=/x busybox true
	assert_output --partial "type 'glob' is not supported"
	run -0 pea_cmd ps -aq
	assert_output ""
}

@test "U (-v and --mount): the source chowned to the container's user through its user namespace" {
	searchable_path
	mkdir -p "$TEST_DIR/u/sub" "$TEST_DIR/m"
	touch "$TEST_DIR/u/sub/f"
	run -0 pea_cmd run --rm --user 1234:2345 -v "$TEST_DIR/u:/u:U" busybox stat -c '%u:%g' /u /u/sub/f
	assert_output "1234:2345
1234:2345"
	assert_equal "$(stat -c '%u:%g' "$TEST_DIR/u/sub/f")" 1234:2345
	# in a user namespace: the host ids the container's map to
	run -0 pea_cmd run --rm --uidmap 0:100000:5000 --gidmap 0:200000:5000 --user 10:20 --mount "type=bind,src=$TEST_DIR/m,dst=/m,U=true" busybox stat -c '%u:%g' /m
	assert_output "10:20"
	assert_equal "$(stat -c '%u:%g' "$TEST_DIR/m")" 100010:200020
	run -0 pea_cmd run --rm --user 7 -v uvol:/data:U busybox stat -c '%u' /data
	assert_output 7
	run -125 pea_cmd create --mount type=tmpfs,dst=/t,U=true busybox true
	assert_output --partial "U and idmap are for type=bind and type=volume"
	run -125 pea_cmd create --mount "type=bind,src=$TEST_DIR/m,dst=/m,U=maybe" busybox true
	assert_output --partial "invalid value 'maybe' of U"
}

@test "idmap: the source mapped into the container's user namespace" {
	searchable_path
	mkdir -p "$TEST_DIR/id"
	touch "$TEST_DIR/id/f"
	chown 0:0 "$TEST_DIR/id/f"
	# without idmap a host root's file is nobody's in the namespace; with it, root's
	run -0 pea_cmd run --rm --uidmap 0:100000:65536 --gidmap 0:100000:65536 -v "$TEST_DIR/id:/id" busybox stat -c '%u' /id/f
	assert_output 65534
	run -0 pea_cmd run --rm --uidmap 0:100000:65536 --gidmap 0:100000:65536 -v "$TEST_DIR/id:/id:idmap" busybox sh -c 'stat -c %u /id/f; echo w >/id/g'
	assert_output 0
	assert_equal "$(stat -c '%u:%g' "$TEST_DIR/id/g")" 0:0
	run -0 pea_cmd run --rm --uidmap 0:100000:65536 --mount "type=bind,src=$TEST_DIR/id,dst=/id,idmap" busybox stat -c '%u' /id/f
	assert_output 0
	fe_no_mounts
	run -125 pea_cmd create -v "$TEST_DIR/id:/id:idmap" busybox true
	assert_output --partial "the container has no user namespace to map to"
	run -125 pea_cmd create -v "$TEST_DIR/id:/id:idmap=uids=0-1-10" busybox true
	assert_output --partial "not supported by pea"
	run -0 pea_cmd ps -aq
	assert_output ""
}

@test "-v :O: an overlay over the host folder, its changes gone at the end; ro, z, Z, bind accepted" {
	mkdir -p "$TEST_DIR/o"
	echo base >"$TEST_DIR/o/f"
	run -0 pea_cmd run --rm -v "$TEST_DIR/o:/o:O" busybox sh -c 'cat /o/f; echo changed >/o/f; echo new >/o/g; cat /o/f'
	assert_output "base
changed"
	assert_equal "$(cat "$TEST_DIR/o/f")" base
	[ ! -e "$TEST_DIR/o/g" ]
	run -1 pea_cmd run --rm -v "$TEST_DIR/o:/o:ro,z" -v "$TEST_DIR/o:/p:Z,bind,rslave" busybox sh -c 'cat /p/f; touch /o/x'
	assert_output --partial base
	assert_output --partial "Read-only file system"
	run -125 pea_cmd create -v "$TEST_DIR/o:/o:O,ro" busybox true
	assert_output --partial "'O' cannot be combined with other options"
	run -125 pea_cmd create -v "vol:/o:O" busybox true
	assert_output --partial "an overlay is only for host directories"
	run -125 pea_cmd create -v "$TEST_DIR/o:/o:bind,rbind" busybox true
	assert_output --partial "set twice or in conflict"
	run -125 pea_cmd create --mount "type=bind,src=$TEST_DIR/o,dst=/o,relabel=weird" busybox true
	assert_output --partial "invalid relabel 'weird'"
	run -0 pea_cmd run --rm --mount "type=bind,src=$TEST_DIR/o,dst=/o,relabel=shared,bind-propagation=runbindable" busybox cat /o/f
	assert_output base
	run -0 pea_cmd ps -aq
	assert_output ""
	run -0 pea_cmd volume ls -q
	assert_output ""
}

@test "rootless: idmap of a host folder is refused by the kernel with one clear line; U works in the user's ranges" {
	require_userns
	require_cmd newuidmap
	fe_rl_user_setup pearl72v
	cp "$BUSYBOX_ARCHIVE" "$FE_RL_HOME/busybox.tar"
	chown "$FE_RL_UID:$FE_RL_GID" "$FE_RL_HOME/busybox.tar"
	run -0 pea_rl load -i "$FE_RL_HOME/busybox.tar"
	run -0 fe_rl_sh 'mkdir -p d && touch d/f'
	run -125 pea_rl run --rm --uidmap 0:1:1000 -v "$FE_RL_HOME/d:/d:idmap" busybox true
	assert_output --regexp "idmap: the file system of '.*/d' cannot be idmapped here \(mount_setattr\): Operation not permitted"
	assert_equal "$(grep -c '^Error' <<<"$output")" 1
	run -0 pea_rl ps -aq
	assert_output ""
	run -0 pea_rl run --rm --user 5:6 -v "$FE_RL_HOME/d:/d:U" busybox stat -c '%u:%g' /d/f
	assert_output "5:6"
	assert_equal "$(stat -c '%u:%g' "$FE_RL_HOME/d/f")" "$((FE_RL_SUBUID + 4)):$((FE_RL_SUBGID + 5))"
	run ! grep -q "$FE_RL_HOME" /proc/self/mounts
}

@test "the same mount given twice is kept once; another mount on its destination is refused" {
	mkdir -p "$TEST_DIR/v1" "$TEST_DIR/v2"
	run -0 pea_cmd run --rm -v "$TEST_DIR/v1:/vol1" -v "$TEST_DIR/v1:/vol1" busybox sh -c 'grep -c " /vol1 " /proc/self/mounts'
	assert_output 1
	run -125 pea_cmd run --rm -v "$TEST_DIR/v1:/vol1" -v "$TEST_DIR/v2:/vol1" busybox true
	assert_output "Error: /vol1: duplicate mount destination"
	run -0 pea_cmd run --rm -v vol1:/vol1 -v vol1:/vol1 busybox true
	run -125 pea_cmd run --rm -v vol1:/vol1 -v vol2:/vol1 busybox true
	assert_output "Error: /vol1: duplicate mount destination"
	run -0 pea_cmd run --rm --tmpfs /vol1 --tmpfs /vol1 busybox sh -c 'grep -c " /vol1 " /proc/self/mounts'
	assert_output 1
	run -125 pea_cmd run --rm --tmpfs /vol1 --tmpfs /vol1:ro busybox true
	assert_output "Error: /vol1: duplicate mount destination"
	run -125 pea_cmd run --rm -v "$TEST_DIR/v1:/vol1" --tmpfs /vol1 busybox true
	assert_output "Error: /vol1: duplicate mount destination"
	run -0 pea_cmd volume ls -q
	assert_output vol1
}

@test "volume create -o type=bind|tmpfs -o device -o o: the local driver's mount, made at first use, undone by volume rm" {
	mkdir -p "$TEST_DIR/dev"
	echo mine >"$TEST_DIR/dev/myfile"
	run -0 pea_cmd volume create -o type=bind -o "device=$TEST_DIR/dev" vb
	run -0 pea_cmd run --rm -v vb:/vol busybox sh -c 'cat /vol/myfile; echo new >/vol/new'
	assert_output mine
	assert_equal "$(cat "$TEST_DIR/dev/new")" new
	run -0 pea_cmd volume mount vb
	assert_output "$TEST_DIR/dev"
	run -0 pea_cmd volume create -o type=tmpfs -o device=tmpfs -o o=size=2m,mode=0750 vt
	data="$FE_ROOT/volumes/vt/_data"
	# volume mount mounts it, as a container's use does
	run -0 pea_cmd volume mount vt
	assert_output "$data"
	grep -q " $data tmpfs .*size=2048k" /proc/self/mounts
	run -0 pea_cmd run --rm -v vt:/vol busybox sh -c 'stat -f -c %T /vol; stat -c %a /vol; echo kept >/vol/f'
	assert_output $'tmpfs\n750'
	# a second user shares the mount, not a new one
	run -0 pea_cmd run --rm -v vt:/vol busybox cat /vol/f
	assert_output kept
	assert_equal "$(grep -c " $data " /proc/self/mounts)" 1
	run -0 pea_cmd volume export -o "$TEST_DIR/vt.tar" vt
	run -0 tar -tf "$TEST_DIR/vt.tar"
	assert_line --regexp '^(\./)?f$'
	run -0 pea_cmd volume rm vt
	! grep -q " $data " /proc/self/mounts
	[ ! -e "$FE_ROOT/volumes/vt" ]
	# a mount that fails: one line with mount(8)'s reason, the container not made
	run -0 pea_cmd volume create -o type=nosuchfs -o device=none vx
	run -125 pea_cmd run --rm -v vx:/vol busybox true
	assert_output --regexp '^Error: .*volume .vx.*mount -t nosuchfs none .*: exited with status 32: mount: .*$'
	assert_equal "${#lines[@]}" 1
	run -0 pea_cmd ps -a -q
	assert_output ""
	run -0 pea_cmd volume rm vb vx
	[ -e "$TEST_DIR/dev/myfile" ]
	fe_no_mounts
}

@test "NeedsCopyUp stays until a use finds content at the destination; NeedsChown goes at the first use" {
	run -0 pea_cmd volume create vc
	run -0 pea_cmd volume inspect --format '{{.NeedsCopyUp}} {{.NeedsChown}}' vc
	assert_output "true true"
	run -0 pea_cmd run --rm -v vc:/nosuch busybox true
	run -0 pea_cmd volume inspect --format '{{.NeedsCopyUp}} {{.NeedsChown}}' vc
	assert_output "true false"
	run -0 pea_cmd run --rm -v vc:/mnt busybox true
	run -0 pea_cmd volume inspect --format '{{.NeedsCopyUp}}' vc
	assert_output true
	run -0 pea_cmd run --rm -v vc:/etc busybox true
	run -0 pea_cmd volume inspect --format '{{.NeedsCopyUp}}' vc
	assert_output false
	[ -e "$FE_ROOT/volumes/vc/_data/passwd" ]
}
