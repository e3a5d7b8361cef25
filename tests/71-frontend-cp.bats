#!/usr/bin/env bats
# pea cp: host <-> container, tar streams, stopped containers, symlinks that try to leave.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-frontend
load helpers/fe-file

setup() {
	fe_file_setup
	H="$TEST_DIR/host"
	mkdir -p "$H/tree/sub"
	echo one >"$H/tree/a.txt"
	echo two >"$H/tree/sub/b.txt"
	ln -s a.txt "$H/tree/link"
}

@test "cp host to a running container: file, new name, folder, folder contents" {
	run -0 pea_cmd run -d --name c busybox sleep 1000
	run -0 pea_cmd cp "$H/tree/a.txt" c:/tmp/
	run -0 pea_cmd exec c cat /tmp/a.txt
	assert_output one
	run -0 pea_cmd cp "$H/tree/a.txt" c:/renamed
	run -0 pea_cmd exec c cat /renamed
	assert_output one
	# a folder into an existing folder lands under its own name
	run -0 pea_cmd cp "$H/tree" c:/tmp
	run -0 pea_cmd exec c find /tmp/tree
	assert_line /tmp/tree/sub/b.txt
	assert_line /tmp/tree/a.txt
	run -0 pea_cmd exec c readlink /tmp/tree/link
	assert_output a.txt
	# to a new name: the folder is made; "/." copies the contents
	run -0 pea_cmd cp "$H/tree" c:/newdir
	run -0 pea_cmd exec c cat /newdir/sub/b.txt
	assert_output two
	run -0 pea_cmd exec c mkdir /flat
	run -0 pea_cmd cp "$H/tree/." c:/flat
	run -0 pea_cmd exec c cat /flat/a.txt
	assert_output one
	# an existing file is replaced
	echo three >"$H/three"
	run -0 pea_cmd cp "$H/three" c:/renamed
	run -0 pea_cmd exec c cat /renamed
	assert_output three
}

@test "cp a running container to the host: file, folder, symlinks kept, owners kept" {
	run -0 pea_cmd run -d --name c busybox sh -c \
		'mkdir -p /d/e && echo x >/d/e/f && ln -s /etc/passwd /d/abs && chown 123:456 /d/e/f && exec sleep 1000'
	for ((i = 0; i < 100; i++)); do
		pea_cmd exec c test -L /d/abs 2>/dev/null && break
		sleep 0.05
	done
	run -0 pea_cmd cp c:/etc/passwd "$H/passwd"
	assert_equal "$(head -1 "$H/passwd")" "root:x:0:0:root:/root:/bin/sh"
	run -0 pea_cmd cp c:/d "$H/out"
	assert_equal "$(cat "$H/out/e/f")" x
	assert_equal "$(stat -c %u:%g "$H/out/e/f")" 123:456
	# the symlink is copied as a symlink, never followed to the host's /etc/passwd
	assert_equal "$(readlink "$H/out/abs")" /etc/passwd
	run -0 pea_cmd cp c:/d/. "$H/tree"
	assert_equal "$(cat "$H/tree/e/f")" x
	assert_equal "$(cat "$H/tree/a.txt")" one
}

@test "cp with tar streams on stdout and stdin" {
	run -0 pea_cmd run -d --name c busybox sleep 1000
	run -0 pea_cmd cp "$H/tree" c:/t
	"$PEA" "${FE_ARGS[@]}" cp c:/t - >"$H/out.tar"
	run -0 tar -tf "$H/out.tar"
	assert_line t/
	assert_line t/sub/b.txt
	assert_line t/link
	tar -C "$H/tree" -cf "$H/in.tar" .
	run -0 pea_cmd exec c mkdir /fromtar
	"$PEA" "${FE_ARGS[@]}" cp - c:/fromtar <"$H/in.tar"
	run -0 pea_cmd exec c cat /fromtar/sub/b.txt
	assert_output two
	# a compressed stream is fine too
	tar -C "$H/tree" -czf "$H/in.tgz" .
	run -0 pea_cmd exec c mkdir /gz
	"$PEA" "${FE_ARGS[@]}" cp - c:/gz <"$H/in.tgz"
	run -0 pea_cmd exec c cat /gz/a.txt
	assert_output one
}

@test "cp into and out of a stopped container mounts and unmounts its root" {
	run -0 pea_cmd create --name s -u 1234:5678 busybox true
	run -0 pea_cmd cp "$H/tree/a.txt" s:/in.txt
	fe_no_mounts
	run -0 pea_cmd cp s:/in.txt "$H/back.txt"
	assert_equal "$(cat "$H/back.txt")" one
	# --archive (the default) gives the files to the container's user
	assert_equal "$(stat -c %u:%g "$H/back.txt")" 1234:5678
	chown 4321:8765 "$H/tree/sub/b.txt"
	run -0 pea_cmd cp --archive=false "$H/tree/sub/b.txt" s:/kept
	run -0 pea_cmd cp s:/kept "$H/kept"
	assert_equal "$(stat -c %u:%g "$H/kept")" 4321:8765
	fe_no_mounts
	run -0 "$PEA_STORAGE" --root "$FE_ROOT/storage" --runroot "$FE_RUNROOT/storage" container ls
	assert_equal "$(jq '.result[0].mount_count' <<<"$output")" 0
	# it still runs afterwards, with the file
	run -0 pea_cmd start -a s
	run -0 pea_cmd create --name s2 busybox cat /in.txt
	run -0 pea_cmd cp "$H/tree/a.txt" s2:/in.txt
	run -0 pea_cmd start -a s2
	assert_output one
}

@test "cp: symlinks in the container cannot reach the host" {
	run -0 pea_cmd run -d --name c busybox sh -c \
		'ln -s / /tmp/root; ln -s ../../../../../../etc /tmp/up; exec sleep 1000'
	for ((i = 0; i < 100; i++)); do
		pea_cmd exec c test -L /tmp/up 2>/dev/null && break
		sleep 0.05
	done
	name="pea-cp-escape-$$-$RANDOM"
	run -0 pea_cmd cp "$H/tree/a.txt" "c:/tmp/root/etc/$name"
	run -0 pea_cmd cp "$H/tree/a.txt" "c:/tmp/up/$name.2"
	[[ ! -e "/etc/$name" && ! -e "/etc/$name.2" ]]
	run -0 pea_cmd exec c cat "/etc/$name" "/etc/$name.2"
	assert_output "one
one"
	# reading through them gives the container's files, not the host's
	echo "container-only" >"$H/marker"
	run -0 pea_cmd cp "$H/marker" c:/etc/hostname
	run -0 pea_cmd cp c:/tmp/up/hostname "$H/got"
	assert_equal "$(cat "$H/got")" container-only
	# a tar entry with ".." is refused; a symlink in the stream stays inside
	(cd "$H" && tar --transform 's,^marker,../../marker,' -cPf evil.tar marker)
	run -0 pea_cmd exec c mkdir /x
	run -125 "$PEA" "${FE_ARGS[@]}" cp - c:/x <"$H/evil.tar"
	assert_output --partial "'../../marker': the entry leaves the destination"
	mkdir -p "$H/s" && ln -s / "$H/s/l" && mkdir -p "$H/s2/l/etc" && echo via >"$H/s2/l/etc/$name.3"
	tar -C "$H/s" -cf "$H/two.tar" l
	tar -C "$H/s2" -rf "$H/two.tar" "l/etc/$name.3"
	"$PEA" "${FE_ARGS[@]}" cp - c:/x <"$H/two.tar" || true
	[[ ! -e "/etc/$name.3" ]]
	rm -f "/etc/$name" "/etc/$name.2" "/etc/$name.3"
}

@test "cp: bad inputs" {
	run -0 pea_cmd run -d --name c busybox sleep 1000
	run -125 pea_cmd cp /nosuch/file c:/tmp
	assert_output 'Error: "/nosuch/file" could not be found on the host: no such file or directory'
	run -125 pea_cmd cp c:/nosuch "$H/x"
	assert_output 'Error: "/nosuch" could not be found on container c: no such file or directory'
	run -125 pea_cmd cp "$H/tree/a.txt" c:/no/such/dir/
	assert_output --partial '"/no/such/dir/" could not be found on container c'
	run -125 pea_cmd cp c:/etc "$H/tree/a.txt"
	assert_output 'Error: destination must be a directory when copying a directory'
	mkfifo "$H/fifo"
	run -125 pea_cmd cp c:/etc/passwd "$H/fifo"
	assert_output "Error: invalid destination: \"$H/fifo\" must be a directory or a regular file"
	run -125 pea_cmd cp "$H/a" "$H/b"
	assert_output --partial 'you must use just one container'
	run -125 pea_cmd cp c:/nosuch c:/b
	assert_output --partial '"/nosuch" could not be found on container c'
	run -125 pea_cmd cp nosuch:/a "$H"
	assert_output --partial 'no container with name or ID "nosuch" found'
	run -125 pea_cmd cp --archive=maybe c:/etc "$H"
	assert_output --partial 'invalid argument "maybe" for "-a, --archive" flag'
	run -125 pea_cmd cp c:/etc
	assert_output --partial 'accepts 2 arg(s), received 1'
	run -125 pea_cmd cp c: "$H"
	assert_output --partial 'the path in the container is empty'
	echo garbage >"$H/garbage"
	run -125 "$PEA" "${FE_ARGS[@]}" cp - c:/tmp <"$H/garbage"
	assert_output 'Error: source must be a (compressed) tar archive when copying from stdin'
	run -125 "$PEA" "${FE_ARGS[@]}" cp - c:/etc/passwd <"$H/garbage"
	assert_output 'Error: destination must be a directory when copying from stdin'
	run -125 "$PEA" "${FE_ARGS[@]}" cp - c:/nosuch <"$H/garbage"
	assert_output 'Error: destination must be a directory when copying from stdin'
	run -125 pea_cmd cp -a=maybe c:/etc "$H"
	assert_output --partial 'invalid argument "maybe" for "-a, --archive" flag'
}

@test "cp between containers, running and stopped" {
	run -0 pea_cmd run -d --name r busybox sh -c 'mkdir /d && echo from-r >/d/f && exec sleep 1000'
	run -0 pea_cmd create --name s busybox true
	for ((i = 0; i < 100; i++)); do
		pea_cmd exec r test -f /d/f 2>/dev/null && break
		sleep 0.05
	done
	run -0 pea_cmd cp r:/d s:/copied
	run -0 pea_cmd cp s:/copied/f "$H/f"
	assert_equal "$(cat "$H/f")" from-r
	run -0 pea_cmd cp s:/etc/passwd r:/tmp/pw
	run -0 pea_cmd exec r head -1 /tmp/pw
	assert_output "root:x:0:0:root:/root:/bin/sh"
	# both stopped: one lock for both, nothing left mounted
	run -0 pea_cmd create --name s2 busybox true
	run -0 pea_cmd cp s:/copied s2:/again
	run -0 pea_cmd cp s2:/again/f "$H/f2"
	assert_equal "$(cat "$H/f2")" from-r
	run -0 "$PEA_STORAGE" --root "$FE_ROOT/storage" --runroot "$FE_RUNROOT/storage" container ls
	assert_equal "$(jq '[.result[] | select(.mount_count > 0)] | length' <<<"$output")" 1
}

@test "cp: podman's paths: workdir of a created container, symlinks followed, volumes of a stopped one" {
	# a relative path is relative to the container's --workdir, even before it ever ran
	run -0 pea_cmd create --name w --workdir=/etc busybox true
	run -0 pea_cmd cp "$H/tree/a.txt" w:.
	run -0 pea_cmd cp w:a.txt "$H/back.txt"
	assert_equal "$(cat "$H/back.txt")" one
	run -0 pea_cmd cp w:passwd "$H/pw"
	assert_equal "$(head -1 "$H/pw")" "root:x:0:0:root:/root:/bin/sh"
	# a source symlink is copied as what it points to, inside the container: a link to
	# a host path leads nowhere there, and the error names the path as written
	run -0 pea_cmd run -d --name c busybox sh -c "echo in-ctr >/tmp/f0; mkdir /tmp/sub;
		ln -s .. /tmp/sub/up; ln -s /tmp/nonesuch /tmp/dangling; ln -s $H/tree/a.txt /tmp/hostlink;
		mkdir /tmp/dir; exec sleep 1000"
	for ((n = 0; n < 100; n++)); do
		pea_cmd exec c test -d /tmp/dir 2>/dev/null && break
		sleep 0.05
	done
	run -0 pea_cmd cp c:/tmp/sub/up "$H/up"
	assert_equal "$(cat "$H/up/f0")" in-ctr
	run -125 pea_cmd cp c:/tmp/hostlink "$H/out"
	assert_output 'Error: "/tmp/hostlink" could not be found on container c: no such file or directory'
	[[ ! -e "$H/out" ]]
	# a destination symlink is written through: the file lands where it points
	run -0 pea_cmd cp "$H/tree/a.txt" c:/tmp/dangling
	run -0 pea_cmd exec c cat /tmp/nonesuch
	assert_output one
	# and on the host too: the link stays a link
	echo old >"$H/target"
	ln -s "$H/target" "$H/hlink"
	run -0 pea_cmd cp c:/tmp/f0 "$H/hlink"
	[[ -L "$H/hlink" ]]
	assert_equal "$(cat "$H/target")" in-ctr
	# a file and a directory do not replace each other without --overwrite
	run -0 pea_cmd exec c mkdir -p /tmp/x/a.txt
	run -125 pea_cmd cp "$H/tree/a.txt" c:/tmp/x
	assert_output --regexp '^Error: .* error creating "/tmp/x/a.txt": .*: file exists$'
	run -0 pea_cmd cp --overwrite "$H/tree/a.txt" c:/tmp/x
	run -0 pea_cmd exec c cat /tmp/x/a.txt
	assert_output one
	mkdir -p "$H/h2/f0"
	run -125 pea_cmd cp c:/tmp/f0 "$H/h2"
	assert_output --regexp '^Error: .* error creating "/f0": .*: file exists$'
	# -a=false, as pflag takes it
	run -0 pea_cmd cp -a=false "$H/tree/a.txt" c:/tmp/
	# a stopped container's volumes and bind mounts: the file goes to the deepest one
	mkdir -p "$H/bind"
	run -0 pea_cmd volume create v1
	run -0 pea_cmd volume create v2
	run -0 pea_cmd create --name v -v v1:/data -v v2:/data/sub -v "$H/bind:/data/bind" busybox true
	run -0 pea_cmd cp "$H/tree/a.txt" v:/data/sub
	v1="$(pea_out volume inspect --format '{{.Mountpoint}}' v1)"
	v2="$(pea_out volume inspect --format '{{.Mountpoint}}' v2)"
	assert_equal "$(cat "$v2/a.txt")" one
	assert_equal "$(ls -A "$v1")" ""
	run -0 pea_cmd cp "$H/tree/sub/b.txt" v:/data/bind/
	assert_equal "$(cat "$H/bind/b.txt")" two
	run -0 pea_cmd cp v:/data/sub/a.txt "$H/from-vol"
	assert_equal "$(cat "$H/from-vol")" one
	run -0 pea_cmd rm -f -t 0 c v w
}
