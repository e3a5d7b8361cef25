#!/usr/bin/env bats
# pea rm -v and --rm (podman-rm(1), podman-run(1)): a container's anonymous volumes go with
# it, named ones stay, and so does an anonymous volume another container still mounts.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-frontend
load helpers/fe-file

@test "rm -v removes the anonymous volumes; named volumes stay; plain rm keeps both" {
	run -0 pea_cmd volume create named
	run -0 pea_cmd create --name a -v named:/n -v /anon1 --mount type=volume,target=/anon2 busybox true
	run -0 pea_cmd volume ls -q
	assert_equal "$(grep -c '^[0-9a-f]\{64\}$' <<<"$output")" 2
	assert_line named
	anon=$(grep '^[0-9a-f]\{64\}$' <<<"$output")
	run -0 pea_cmd rm -v a
	assert_output a
	run -0 pea_cmd volume ls -q
	assert_output named
	for v in $anon; do
		[[ ! -e "$FE_ROOT/volumes/$v" ]]
	done
	# without -v every volume stays
	run -0 pea_cmd create --name b -v named:/n -v /anon busybox true
	run -0 pea_cmd rm b
	run -0 pea_cmd volume ls -q
	assert_equal "${#lines[@]}" 2
	assert_line named
	# --volumes, the long form; a running container with -f
	run -0 pea_cmd run -d --name c -v /data busybox sleep 1000
	run -0 pea_cmd rm -f --volumes c
	run -0 pea_cmd volume ls -q
	assert_equal "${#lines[@]}" 2
}

@test "--rm runs remove their anonymous volumes, in the foreground and detached" {
	run -0 pea_cmd volume create keepme
	run -0 pea_cmd run --rm -v keepme:/k -v /scratch busybox sh -c 'echo hi >/scratch/f; cat /scratch/f'
	assert_output hi
	run -0 pea_cmd volume ls -q
	assert_output keepme
	run -0 pea_cmd run -d --rm --name d -v /scratch busybox sleep 1000
	run -0 pea_cmd stop -t 0 d
	for ((k = 0; k < 100; k++)); do
		[[ -z "$(pea_out ps -aq)" ]] && break
		sleep 0.1
	done
	run -0 pea_cmd volume ls -q
	assert_output keepme
}

@test "rm -v keeps an anonymous volume that another container mounts (--volumes-from)" {
	run -0 pea_cmd create --name owner -v /shared busybox true
	run -0 pea_cmd run -d --name user --volumes-from owner busybox sleep 1000
	run -0 pea_cmd volume ls -q
	vol=$output
	run -0 pea_cmd rm -v owner
	run -0 pea_cmd volume ls -q
	assert_output "$vol"
	run -0 pea_cmd exec user sh -c 'echo still >/shared/f && cat /shared/f'
	assert_output still
}

@test "rm -v of a container that does not exist: exit 1, one line" {
	run -1 pea_cmd rm -v nosuch
	assert_output 'Error: no container with name or ID "nosuch" found: no such container'
	run -0 pea_cmd rm -v -i nosuch
	assert_output ''
}
