#!/usr/bin/env bats
# pea mount/unmount, diff, export, commit: a container's root filesystem through pea-storage.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-frontend
load helpers/fe-file

store() {
	"$PEA_STORAGE" --root "$FE_ROOT/storage" --runroot "$FE_RUNROOT/storage" "$@"
}

@test "mount, list, unmount a stopped container" {
	run -0 pea_cmd create --name m busybox true
	id="$(pea_out inspect --format '{{.Id}}' m)"
	run -0 pea_cmd mount m
	mp="$output"
	assert_output --regexp "^$FE_ROOT/storage/.*/merged$"
	[[ -x "$mp/bin/busybox" ]]
	grep -q " $mp " /proc/self/mounts
	run -0 pea_cmd mount
	assert_output "${id:0:12}  $mp"
	run -0 pea_cmd mount --format json
	assert_equal "$(jq -r '.[0].mountpoint' <<<"$output")" "$mp"
	assert_equal "$(jq -r '.[0].id' <<<"$output")" "$id"
	# mounts are counted: two mounts need two unmounts
	run -0 pea_cmd mount m
	run -0 pea_cmd unmount m
	assert_output m
	grep -q " $mp " /proc/self/mounts
	run -0 pea_cmd umount m
	fe_no_mounts
	run -0 pea_cmd mount
	assert_output ""
	# -a, and -f drops every mount
	run -0 pea_cmd mount m
	run -0 pea_cmd mount m
	run -0 pea_cmd unmount -f m
	fe_no_mounts
	run -0 pea_cmd mount -a
	run -0 pea_cmd unmount -a
	assert_output "$id"
	fe_no_mounts
}

@test "mount and unmount: running containers and bad inputs" {
	run -0 pea_cmd run -d --name r busybox sleep 1000
	run -125 pea_cmd unmount r
	assert_output 'Error: container r is running: its root filesystem stays mounted'
	run -0 pea_cmd mount r
	run -0 pea_cmd unmount r
	run -0 pea_cmd exec r true
	run -125 pea_cmd mount nosuch
	assert_output --partial 'no container with name or ID "nosuch" found'
	run -125 pea_cmd unmount
	assert_output --partial 'you must provide at least one container name or id'
	run -125 pea_cmd mount --format yaml
	assert_output --partial 'unknown --format argument: yaml'
	run -125 pea_cmd unmount -a r
	assert_output --partial '--all and containers cannot be used together'
}

@test "diff lists added, changed and deleted paths; json" {
	run -0 pea_cmd run --name d busybox sh -c 'echo x >/new; echo y >>/etc/passwd; rm /etc/group; mkdir -p /tmp/dir/sub'
	run -0 pea_cmd diff d
	assert_line "A /new"
	assert_line "C /etc"
	assert_line "C /etc/passwd"
	assert_line "D /etc/group"
	assert_line "A /tmp/dir"
	assert_line "A /tmp/dir/sub"
	# what the engine makes itself is left out
	refute_line "A /etc/hostname"
	run -0 pea_cmd diff --format json d
	assert_equal "$(jq -r '.deleted[0]' <<<"$output")" /etc/group
	assert_equal "$(jq -r '.added | index("/new") != null' <<<"$output")" true
	assert_equal "$(jq -r '.changed | index("/etc/passwd") != null' <<<"$output")" true
	fe_no_mounts
	# an image: its top layer against the layers below
	run -0 pea_cmd commit d committed
	run -0 pea_cmd diff committed
	assert_line "A /new"
	assert_line "C /etc/passwd"
	assert_line "D /etc/group"
	run -0 pea_cmd diff busybox
	assert_line "A /bin/busybox"
	refute_line --regexp '^[CD] '
	run -125 pea_cmd diff nosuch
	assert_output 'Error: nosuch not found: no container or image with that name or ID'
	run -125 pea_cmd diff --format xml d
	assert_output --partial 'unknown --format argument: xml'
	run -125 pea_cmd diff
	assert_output 'Error: "pea diff" requires a name, id, or the "--latest" flag'
}

@test "export writes the root filesystem as a tar, to a file or stdout" {
	run -0 pea_cmd run --name e busybox sh -c 'echo exported >/marker; ln -s /etc/passwd /lnk'
	run -0 pea_cmd export -o "$TEST_DIR/e.tar" e
	run -0 tar -tf "$TEST_DIR/e.tar"
	assert_line marker
	assert_line bin/busybox
	assert_line etc/passwd
	refute_line ./
	run -0 tar -xOf "$TEST_DIR/e.tar" marker
	assert_output exported
	run -0 tar -tvf "$TEST_DIR/e.tar" lnk
	assert_output --partial 'lnk -> /etc/passwd'
	"$PEA" "${FE_ARGS[@]}" export e >"$TEST_DIR/e2.tar"
	cmp <(tar -tf "$TEST_DIR/e.tar") <(tar -tf "$TEST_DIR/e2.tar")
	fe_no_mounts
	run -125 pea_cmd export -o "$TEST_DIR/no/such/dir/x.tar" e
	assert_output --partial "create '$TEST_DIR/no/such/dir/x.tar'"
	run -125 pea_cmd export -o "$TEST_DIR/x.tar" nosuch
	[[ ! -e "$TEST_DIR/x.tar" ]]
	run -125 pea_cmd export
	assert_output --partial 'accepts 1 arg(s), received 0'
}

@test "commit makes an image with the changes, --change, -a, -m" {
	run -0 pea_cmd run --name c -e FOO=bar -w /tmp busybox sh -c 'echo committed >/data'
	run -0 pea_cmd commit -a "Ann Author" -m "a message" -c 'CMD ["cat","/data"]' \
		-c 'ENV X=1' -c 'LABEL team=pea' -c 'EXPOSE 8080' -c 'WORKDIR /srv' -c 'USER 0' c newimg
	assert_output --regexp '^[0-9a-f]{64}$'
	id="$output"
	run -0 pea_cmd images --format '{{.Repository}}:{{.Tag}}'
	assert_line localhost/newimg:latest
	run -0 pea_cmd run --rm newimg
	assert_output committed
	run -0 pea_cmd run --rm newimg sh -c 'echo $FOO $X; pwd'
	assert_output "bar 1
/srv"
	run -0 pea_cmd image inspect newimg
	assert_equal "$(jq -r '.[0].Id' <<<"$output")" "$id"
	assert_equal "$(jq -r '.[0].Author' <<<"$output")" "Ann Author"
	assert_equal "$(jq -r '.[0].Config.Labels.team' <<<"$output")" pea
	assert_equal "$(jq -r '.[0].Config.ExposedPorts | keys[0]' <<<"$output")" 8080/tcp
	# the new image has one more layer, its config's digest is its id
	run -0 store image inspect "$id"
	assert_equal "$(jq '.result.layers | length' <<<"$output")" 2
	assert_equal "sha256:$id" "sha256:$(sha256sum <"$(jq -r .result.config_path <<<"$output")" | cut -d' ' -f1)"
	# without a name; a running container with --pause
	run -0 pea_cmd run -d --name r busybox sh -c 'echo live >/live; exec sleep 1000'
	run -0 pea_cmd commit -q --pause r
	run -0 pea_cmd run --rm "$output" cat /live
	assert_output live
	run -0 pea_cmd exec r true
}

@test "commit: bad inputs leave no image or layer behind" {
	run -0 pea_cmd create --name c busybox true
	run -0 store layer ls
	layers="$(jq '.result | length' <<<"$output")"
	run -125 pea_cmd commit -c 'FROM busybox' c x
	assert_output --partial 'invalid change "FROM busybox": FROM is not one of'
	run -125 pea_cmd commit -c 'CMD ["unterminated' c x
	assert_output --partial 'invalid change'
	run -125 pea_cmd commit -c 'EXPOSE 99999' c x
	assert_output --partial "bad port '99999'"
	run -125 pea_cmd commit -c 'LABEL novalue' c x
	assert_output --partial 'LABEL needs KEY=VALUE'
	run -125 pea_cmd commit -f tarball c x
	assert_output --partial 'unrecognized image type "tarball"'
	run -125 pea_cmd commit c 'Bad:Name:x'
	run -125 pea_cmd commit nosuch x
	assert_output --partial 'no container with name or ID "nosuch" found'
	run -125 pea_cmd commit
	assert_output --partial 'requires 1 or 2 arg(s), received 0'
	run -0 pea_cmd images -q
	assert_equal "${#lines[@]}" 1
	run -0 store layer ls
	assert_equal "$(jq '.result | length' <<<"$output")" "$layers"
}
