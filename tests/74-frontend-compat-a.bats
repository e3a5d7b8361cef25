#!/usr/bin/env bats
# pea-test: lock=podman (podman's SHM locks /dev/shm/libpod_lock and /run/libpod are the machine's, whatever --root)
# podman 4.3's test/system gaps in run, ps, rm, mount and systemd (030-run, 040-ps, 055-rm,
# 060-mount, 250-systemd): --systemd, the stopping mark, external containers.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-frontend
load helpers/cstorage

setup_file() {
	ensure_fixtures
	cs_setup
	fe_server_start
}

teardown_file() {
	fe_server_stop
	cs_clean
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
	cs_clean
}

# start_time PID: field 22 of /proc/PID/stat (the command name may hold spaces)
start_time() {
	local stat
	stat=$(<"/proc/$1/stat")
	stat=${stat##*) }
	read -ra f <<<"$stat"
	echo "${f[19]}"
}

@test "inspect: a stop's mark naming a live process that is not that stop is no 'stopping'" {
	run -0 pea_cmd run -d --name m busybox sleep 1000
	id=$(pea_out inspect --format '{{.Id}}' m)
	# a stop killed with -9 left its mark, and its pid is now another process's
	sleep 1000 3>&- &
	spid=$!
	printf '%s' "$spid" >"$FE_ROOT/containers/$id/stopping"
	run -0 pea_cmd inspect --format '{{.State.Status}}' m
	assert_output running
	printf '%s %s' "$spid" "$(($(start_time "$spid") + 1))" >"$FE_ROOT/containers/$id/stopping"
	run -0 pea_cmd inspect --format '{{.State.Status}}' m
	assert_output running
	# the mark of that very process (pid and start time): a stop under way
	printf '%s %s' "$spid" "$(start_time "$spid")" >"$FE_ROOT/containers/$id/stopping"
	run -0 pea_cmd inspect --format '{{.State.Status}}' m
	assert_output stopping
	kill "$spid"
	wait "$spid" || true
	run -0 pea_cmd inspect --format '{{.State.Status}}' m
	assert_output running
}

@test "inspect: a stop killed with -9 while it waits leaves no 'stopping' behind" {
	run -0 pea_cmd run -d --name k busybox sh -c \
		"trap 'echo got TERM' TERM; echo READY; while :; do sleep 0.1; done"
	for ((n = 0; n < 100; n++)); do
		[[ "$(pea_cmd logs k 2>&1)" == *READY* ]] && break
		sleep 0.05
	done
	timeout -k 5 60 "$PEA" "${FE_ARGS[@]}" stop -t 30 k >/dev/null 2>&1 3>&- &
	stop_pid=$!
	for ((n = 0; n < 200; n++)); do
		[[ "$(pea_cmd logs k 2>&1)" == *"got TERM"* ]] && break
		sleep 0.05
	done
	run -0 pea_cmd inspect --format '{{.State.Status}}' k
	assert_output stopping
	# timeout's child is the stop
	pkill -9 -P "$stop_pid" || true
	wait "$stop_pid" || true
	run -0 pea_cmd inspect --format '{{.State.Status}}' k
	assert_output running
	run -0 pea_cmd rm -f -t 0 k
}

@test "run --systemd=always: container_uuid, tmpfs on /run, /run/lock, /tmp, /var/log/journal" {
	run -0 pea_cmd run --systemd=always --name sd busybox sh -c 'echo $container_uuid'
	uuid=$output
	run -0 pea_cmd inspect --format '{{.Id}}' sd
	assert_equal "$uuid" "${output:0:32}"
	run -0 pea_cmd run --rm --systemd=always busybox sh -c \
		'awk "\$2 ~ /^\/(run|run\/lock|tmp|var\/log\/journal)\$/ {print \$2, \$3}" /proc/mounts; test -f /run/.containerenv && echo containerenv'
	assert_output "/run tmpfs
/run/lock tmpfs
/tmp tmpfs
/var/log/journal tmpfs
containerenv"
	# a container_uuid given is kept; a --tmpfs of the same place is the user's
	run -0 pea_cmd run --rm --systemd=always -e container_uuid=mine --tmpfs /tmp:size=1m busybox \
		sh -c 'echo $container_uuid; awk "\$2 == \"/tmp\" {print \$4}" /proc/mounts'
	assert_line --index 0 mine
	assert_line --index 1 --regexp 'size=1024k'
	# not systemd mode: none of it
	run -0 pea_cmd run --rm busybox sh -c 'echo "[$container_uuid]"; awk "\$2 == \"/run\"" /proc/mounts'
	assert_output "[]"
}

@test "run --systemd: the mode from the command, its stop signal, a bad value" {
	run -0 pea_cmd create --name a --systemd=always busybox true
	run -0 pea_cmd create --name i busybox /sbin/init
	run -0 pea_cmd create --name f --systemd=false busybox /sbin/init
	run -0 pea_cmd create --name s --systemd=TRUE busybox /usr/lib/systemd/systemd
	run -0 pea_cmd create --name g --systemd=always --stop-signal=SIGHUP busybox true
	run -0 pea_cmd create --name n busybox true
	for c in a i f s g n; do
		echo "$c $(pea_out inspect --format '{{.Config.StopSignal}}' "$c")"
	done >"$TEST_DIR/sig"
	run -0 cat "$TEST_DIR/sig"
	assert_output "a SIGRTMIN+3
i SIGRTMIN+3
f <no value>
s SIGRTMIN+3
g SIGHUP
n <no value>"
	before=$(pea_out ps -aq)
	run -125 pea_cmd run --rm --systemd=maybe busybox true
	assert_output "Error: invalid value \"maybe\" systemd option requires 'true, false, always'"
	run -0 pea_cmd ps -aq
	assert_output "$before"
}

@test "run --privileged --systemd=always: no virtual consoles (/dev/ttyN)" {
	ls /dev/tty[0-9]* >/dev/null 2>&1 || skip "expected: the host has no /dev/ttyN"
	run -0 pea_cmd run --rm --privileged busybox sh -c 'ls /dev/tty*'
	assert_line /dev/tty1
	run -0 pea_cmd run --rm --privileged --systemd=always busybox sh -c 'ls /dev/tty*'
	assert_output /dev/tty
}

# ---- external containers: buildah's, in a containers/storage store of the file's own ----

@test "ps --external, container exists --external, rm: a buildah container" {
	bfrom ext1
	run -0 pea_cmd ps -a --format '{{.Names}}'
	assert_output ""
	run -0 pea_cmd ps --external --format '{{.ID}} {{.Image}} {{.Command}} {{.Status}} {{.Names}}'
	assert_output "${cid:0:12} localhost/busybox:latest buildah Storage ext1"
	run -0 pea_cmd ps --external --noheading
	assert_output --regexp "^${cid:0:12} +localhost/busybox:latest +buildah +.* ago +Storage +ext1$"
	run -1 pea_cmd container exists ext1
	run -0 pea_cmd container exists --external ext1
	run -0 pea_cmd container exists --external "${cid:0:12}"
	run -1 pea_cmd container exists --external nosuch
	# rm -a is pea's own containers only
	run -0 pea_cmd rm -a
	run -0 pea_cmd container exists --external ext1
	run -0 pea_cmd rm "${cid:0:12}"
	assert_output "${cid:0:12}"
	run -1 pea_cmd container exists --external ext1
	run -0 timeout -k 5 60 buildah containers -q
	assert_output ""
	[[ ! -e "$CS_DIR/root/overlay-containers/$cid" ]]
	run -0 jq -r '.[].id' "$CS_DIR/root/overlay-layers/layers.json"
	assert_equal "${#lines[@]}" 1
	# the store stays buildah's: a new container, and its removal by buildah
	bfrom ext2
	run -0 timeout -k 5 60 buildah rm ext2
	# podman's own containers in that store are podman's, never external ones
	run -0 timeout -k 5 60 podman --cgroup-manager cgroupfs create --name pm1 \
		localhost/busybox:latest true
	run -0 pea_cmd ps --external --format '{{.Names}}'
	assert_output ""
	run -1 pea_cmd rm pm1
	run -0 timeout -k 5 60 podman rm pm1
	run -1 pea_cmd rm nosuch
	assert_output "Error: no container with name or ID \"nosuch\" found: no such container"
}

@test "mount, umount, rm of a mounted buildah container" {
	bfrom ext3
	run -0 pea_cmd mount ext3
	mp=$output
	[[ -f "$mp/bin/busybox" ]]
	run -0 pea_cmd mount --notruncate
	assert_output "$cid  $mp"
	run -0 pea_cmd mount ext3
	assert_output "$mp"
	run -2 pea_cmd rm ext3
	assert_output "Error: container $cid is mounted and cannot be removed without using force: container state improper"
	# one unmount a mount (containers/storage's counts)
	run -0 pea_cmd umount ext3
	[[ -f "$mp/bin/busybox" ]]
	run -0 pea_cmd umount ext3
	[[ ! -d "$mp" ]]
	run -0 pea_cmd mount --notruncate
	assert_output ""
	run -0 pea_cmd mount ext3
	run -0 pea_cmd rm -f ext3
	! grep -q " $mp " /proc/self/mounts
	run -0 timeout -k 5 60 buildah containers -q
	assert_output ""
}

# cs_count LAYER: containers/storage's mount count of LAYER (0 without its entry).
cs_count() {
	jq -r --arg l "$1" '[.[] | select(.id == $l) | .count][0] // 0' \
		"$CS_DIR/run/overlay-layers/mountpoints.json"
}

# cs_mounts MP: how many mounts are on MP.
cs_mounts() {
	awk -v m="$1" '$2 == m' /proc/self/mounts | wc -l
}

@test "mount, umount of a buildah container: containers/storage's counts, one overlay" {
	bfrom ext5
	layer=$(jq -r --arg c "$cid" '.[] | select(.id == $c) | .layer' \
		"$CS_DIR/root/overlay-containers/containers.json")
	[[ ${#layer} == 64 ]]
	# buildah first, then pea: one overlay, two counts; pea's unmount leaves buildah's
	run -0 timeout -k 5 60 buildah mount ext5
	mp=$output
	run -0 pea_cmd mount ext5
	assert_output "$mp"
	assert_equal "$(cs_mounts "$mp")" 1
	assert_equal "$(cs_count "$layer")" 2
	run -0 pea_cmd umount ext5
	assert_equal "$(cs_mounts "$mp")" 1
	assert_equal "$(cs_count "$layer")" 1
	run -0 timeout -k 5 60 buildah umount ext5
	assert_equal "$(cs_mounts "$mp")" 0
	assert_equal "$(cs_count "$layer")" 0
	# pea first, then buildah: buildah's unmount leaves pea's
	run -0 pea_cmd mount ext5
	assert_output "$mp"
	run -0 timeout -k 5 60 buildah mount ext5
	assert_output "$mp"
	assert_equal "$(cs_mounts "$mp")" 1
	assert_equal "$(cs_count "$layer")" 2
	run -0 timeout -k 5 60 buildah umount ext5
	assert_equal "$(cs_mounts "$mp")" 1
	[[ -f "$mp/bin/busybox" ]]
	run -0 pea_cmd umount ext5
	assert_equal "$(cs_mounts "$mp")" 0
	assert_equal "$(cs_count "$layer")" 0
	# two pea mounts at once: one overlay, two counts
	timeout -k 5 60 "$PEA" "${FE_ARGS[@]}" mount ext5 >"$TEST_DIR/m1" 2>&1 3>&- &
	p1=$!
	timeout -k 5 60 "$PEA" "${FE_ARGS[@]}" mount ext5 >"$TEST_DIR/m2" 2>&1 3>&- &
	p2=$!
	wait "$p1"
	wait "$p2"
	assert_equal "$(cat "$TEST_DIR/m1")" "$mp"
	assert_equal "$(cat "$TEST_DIR/m2")" "$mp"
	assert_equal "$(cs_mounts "$mp")" 1
	assert_equal "$(cs_count "$layer")" 2
	# buildah sees it mounted; buildah rm takes pea's mounts down with it
	run -0 timeout -k 5 60 buildah containers --format '{{.ContainerName}}'
	assert_output ext5
	run -0 timeout -k 5 60 buildah rm ext5
	assert_equal "$(cs_mounts "$mp")" 0
	assert_equal "$(cs_count "$layer")" 0
	# rm -f of a container mounted twice: every count goes
	bfrom ext6
	run -0 pea_cmd mount ext6
	mp=$output
	run -0 timeout -k 5 60 buildah mount ext6
	run -0 pea_cmd rm -f ext6
	assert_equal "$(cs_mounts "$mp")" 0
	run -0 jq length "$CS_DIR/run/overlay-layers/mountpoints.json"
	assert_output 0
}

@test "diff of a buildah container" {
	bfrom ext4
	mp=$(timeout -k 5 60 buildah mount ext4)
	touch "$mp/added-file"
	mkdir "$mp/newdir"
	touch "$mp/newdir/f"
	rm "$mp/etc/group"
	echo x >>"$mp/etc/passwd"
	run -0 timeout -k 5 60 buildah umount ext4
	run -0 pea_cmd diff ext4
	assert_output "A /added-file
C /etc
D /etc/group
C /etc/passwd
A /newdir
A /newdir/f"
	run -0 pea_cmd diff --format json ext4
	run -0 jq -c . <<<"$output"
	assert_output '{"changed":["/etc","/etc/passwd"],"added":["/added-file","/newdir","/newdir/f"],"deleted":["/etc/group"]}'
}

@test "run --mount type=image: a mount of the image while the container runs" {
	iid=$(pea_out image inspect --format '{{.Id}}' busybox)
	[[ ${#iid} == 64 ]]
	run -0 pea_cmd run --rm --mount type=image,src=busybox,dst=/img busybox test -f /img/bin/busybox
	run -0 pea_cmd image umount busybox
	assert_output ""
	# another's mount stays when the container is gone
	run -0 pea_cmd image mount busybox
	run -0 pea_cmd run --rm --mount type=image,src=busybox,dst=/img busybox true
	run -0 pea_cmd image umount busybox
	assert_output "$iid"
	run -0 pea_cmd image umount busybox
	assert_output ""
	# a running container's mount counts: unmounted by image umount, the container's stays
	run -0 pea_cmd run -d --name im --mount "type=image,src=$iid,dst=/img,readwrite=true" \
		busybox sleep 1000
	run -0 pea_cmd image umount busybox
	assert_output "$iid"
	run -0 pea_cmd image umount busybox
	assert_output ""
	run -0 pea_cmd exec im test -f /img/bin/busybox
	run -0 pea_cmd stop -t 0 im
	run -0 pea_cmd image mount
	assert_output ""
	# each start holds one, each end gives it back once
	run -0 pea_cmd start im
	run -0 pea_cmd image mount
	assert_output --regexp '^localhost/busybox:latest /'
	run -0 pea_cmd stop -t 0 im
	run -0 pea_cmd rm im
	run -0 pea_cmd image mount
	assert_output ""
}

# pea_groups ARGS...: pea run ARGS with supplementary groups 1234 and 5678, under a
# subreaper of its own (its monitor is reaped there).
pea_groups() {
	timeout -k 5 60 tini -s -- chroot --groups 1234,5678 / "$PEA" "${FE_ARGS[@]}" "$@" 3>&-
}

@test "run --group-add keep-groups: the process keeps pea's supplementary groups (170-run-userns)" {
	run -0 pea_groups run --rm --group-add keep-groups busybox id -G
	assert_output --regexp '(^| )1234( |$)'
	assert_output --regexp '(^| )5678( |$)'
	# in a user namespace, groups it does not map are nobody's
	run -0 pea_groups run --rm --uidmap 0:200000:5000 --group-add keep-groups busybox id -G
	assert_output --regexp '(^| )65534( |$)'
	# without it, none of them
	run -0 pea_groups run --rm busybox id -G
	refute_output --regexp '(^| )1234( |$)'
	run -0 pea_cmd create --name kg --group-add keep-groups busybox true
	run -0 pea_cmd inspect --format '{{.HostConfig.GroupAdd}}' kg
	assert_output "[keep-groups]"
}

@test "a container's / is 555 as containers/storage makes it, whatever the layer's ./ says (030-run)" {
	run -0 pea_cmd run --name r busybox sh -c 'stat -c %a /; touch /made'
	assert_output 555
	# a layer on top (commit) keeps its parent's mode
	run -0 pea_cmd commit -q r busybox:mine
	run -0 pea_cmd run --rm busybox:mine sh -c 'stat -c %a /; test -f /made'
	assert_output 555
	# a layer whose tar sets ./ (0700 here): its root is still 555
	mkdir -m 0700 "$TEST_DIR/d"
	echo hi >"$TEST_DIR/d/f"
	tar -C "$TEST_DIR/d" -cf "$TEST_DIR/d.tar" .
	run -0 tar -tvf "$TEST_DIR/d.tar"
	assert_line --index 0 --regexp '^drwx------ .* \./$'
	run -0 pea_cmd import -q "$TEST_DIR/d.tar" imp:1
	run -0 pea_cmd image mount imp:1
	mp=$output
	run -0 stat -c %a "$mp"
	assert_output 555
	run -0 cat "$mp/f"
	assert_output hi
	run -0 pea_cmd image umount imp:1
}

@test "ps --external, exists, mount, diff, rm: a container of pea's store that no record names" {
	iid=$(pea_out image inspect --format '{{.Id}}' busybox)
	run -0 "$PEA_STORAGE" --root "$FE_ROOT/storage" --runroot "$FE_RUNROOT/storage" \
		container create --image "$iid" --name st1
	sid=$(jq -r .result.id <<<"$output")
	[[ ${#sid} == 64 ]]
	# pea's own, an image mount's layer included, are never external
	run -0 pea_cmd create --name own --mount type=image,src=busybox,dst=/img busybox true
	run -0 pea_cmd ps -a --format '{{.Names}}'
	assert_output own
	run -0 pea_cmd ps --external --noheading --format '{{.ID}} {{.Image}} {{.Command}} {{.Status}} {{.Names}}'
	assert_output "${sid:0:12} localhost/busybox:latest storage Storage st1"
	run -0 pea_cmd container exists --external st1
	run -0 pea_cmd mount st1
	mp=$output
	echo new >"$mp/added"
	run -0 pea_cmd diff st1
	assert_output "A /added"
	run -2 pea_cmd rm st1
	assert_output "Error: container $sid is mounted and cannot be removed without using force: container state improper"
	run -0 pea_cmd umount st1
	run -0 pea_cmd rm st1
	run -1 pea_cmd container exists --external st1
	run -0 "$PEA_STORAGE" --root "$FE_ROOT/storage" --runroot "$FE_RUNROOT/storage" container ls
	run -0 jq -r '.result | length' <<<"$output"
	assert_output 2
	run -0 pea_cmd ps -a --external --noheading --format '{{.Names}}'
	assert_output own
}

# fe_reboot ID...: what a reboot does to running containers: their monitors and processes
# gone without a word (and their cgroups), every mount under the roots gone, the run root
# empty.
fe_reboot() {
	local id m d n
	for id in "$@"; do
		kill -9 "$(cat "$FE_ROOT/containers/$id/conmon.pid")" \
			"$(pea_out inspect --format '{{.State.Pid}}' "$id")"
	done
	for id in "$@"; do
		for d in /sys/fs/cgroup/*/"$id" /sys/fs/cgroup/"$id"; do
			# (a file test, not in the (( )): there -d "$d" is arithmetic, always false)
			for ((n = 0; n < 200; n++)); do
				[[ -d $d ]] || break
				rmdir "$d" 2>/dev/null || sleep 0.05
			done
		done
	done
	while read -r m; do
		umount -l "$m"
	done < <(awk -v r="$FE_ROOT" '$2 ~ "^"r {print $2}' /proc/self/mounts | sort -r)
	find "$FE_RUNROOT" -mindepth 1 -delete
}

@test "run --mount type=image: after a reboot, the old container gives back none of a later image mount" {
	iid=$(pea_out image inspect --format '{{.Id}}' busybox)
	run -0 pea_cmd run -d --name im --mount "type=image,src=$iid,dst=/img" busybox sleep 1000
	id=$(pea_out inspect --format '{{.Id}}' im)
	fe_reboot "$id"
	# the user's own mount, after the reboot
	run -0 pea_cmd image mount busybox
	mp=$output
	# a start after the reboot holds one, its end gives back that one only
	run -0 pea_cmd start im
	run -0 pea_cmd exec im test -f /img/bin/busybox
	run -0 pea_cmd stop -t 0 im
	run -0 pea_cmd image mount
	assert_output "localhost/busybox:latest $mp"
	run -0 pea_cmd rm im
	run -0 pea_cmd image mount
	assert_output "localhost/busybox:latest $mp"
	run -0 test -f "$mp/bin/busybox"
	run -0 pea_cmd image umount busybox
	assert_output "$iid"
	run -0 pea_cmd image mount
	assert_output ""
}

@test "run --mount type=image: a container of before a reboot, removed: a later image mount stays" {
	iid=$(pea_out image inspect --format '{{.Id}}' busybox)
	run -0 pea_cmd run -d --name im --mount "type=image,src=$iid,dst=/img" busybox sleep 1000
	id=$(pea_out inspect --format '{{.Id}}' im)
	fe_reboot "$id"
	run -0 pea_cmd image mount busybox
	mp=$output
	run -0 pea_cmd rm -f im
	run -0 pea_cmd image mount
	assert_output "localhost/busybox:latest $mp"
	run -0 pea_cmd image umount busybox
	assert_output "$iid"
}
