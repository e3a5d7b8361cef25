#!/usr/bin/env bats
# pea run/create --pid, --ipc, --cidfile, --memory=0, --stop-signal's range, inspect's
# .ImageName as typed, and no abbreviated long flag (podman-run(1); podman 4.3's
# test/system 030-run, 190-run-ipcns): the namespaces the container sees, and every bad
# value is one line, exit 125, and nothing made.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-frontend
load helpers/fe-file

# refused ARGS...: pea run ARGS fails with one line, 125, and makes no container.
refused() {
	local before msg
	before=$(pea_out ps -aq --no-trunc)
	run -125 pea_cmd run "$@"
	assert_equal "${#lines[@]}" 1
	assert_output --regexp '^Error: '
	msg=$output
	run -0 pea_cmd ps -aq --no-trunc
	assert_output "$before"
	output=$msg
}

@test "--pid: host, private, container:ID, ns:PATH; a prefix of a flag is no flag" {
	hostpid=$(readlink /proc/self/ns/pid)
	run -0 pea_cmd run --rm --pid=host busybox readlink /proc/self/ns/pid
	assert_output "$hostpid"
	run -0 pea_cmd run --rm --pid private busybox readlink /proc/self/ns/pid
	refute_output "$hostpid"
	run -0 pea_cmd run --rm busybox sh -c 'echo $$'
	assert_output 1

	run -0 pea_cmd run -d --name donor busybox sleep 1000
	run -0 pea_cmd exec donor readlink /proc/self/ns/pid
	theirs=$output
	run -0 pea_cmd run --rm --pid container:donor busybox readlink /proc/self/ns/pid
	assert_output "$theirs"
	pid=$(pea_out inspect --format '{{.State.Pid}}' donor)
	run -0 pea_cmd run --rm --pid "ns:/proc/$pid/ns/pid" busybox readlink /proc/self/ns/pid
	assert_output "$theirs"
	# the donor's processes are seen
	run -0 pea_cmd run --rm --pid container:donor busybox ps -o comm
	assert_output --partial sleep

	refused --pid=bogus busybox true
	assert_output 'Error: invalid argument "bogus" for "--pid" flag: use host, private, container:ID or ns:PATH'
	refused --pid=ns:relative busybox true
	refused --pid=container: busybox true
	refused --pid=container:nosuch busybox true
	assert_output --partial 'nosuch'
	# getopt_long would take these as --pids-limit, --hostname, --network
	before=$(pea_out ps -aq --no-trunc)
	run -125 pea_cmd run --pids=5 busybox true
	assert_output $'Error: unknown flag: --pids\nSee \'pea run --help\''
	run -125 pea_cmd run --rm --host x busybox true
	assert_line -n 0 'Error: unknown flag: --host'
	run -125 pea_cmd create --netw host busybox true
	assert_line -n 0 'Error: unknown flag: --netw'
	# a short flag that wants a value, last (300-cli-parsing)
	run -125 pea_cmd run -h
	assert_output $'Error: flag needs an argument: \'h\' in -h\nSee \'pea run --help\''
	run -125 pea_cmd create -it -e
	assert_line -n 0 "Error: flag needs an argument: 'e' in -e"
	run -0 pea_cmd ps -aq --no-trunc
	assert_output "$before"
	run -0 pea_cmd stop -t 0 donor
}

@test "--ipc: host, private, shareable, none, container:ID, ns:PATH (190-run-ipcns)" {
	hostipc=$(readlink /proc/self/ns/ipc)
	run -0 pea_cmd run --rm --ipc=host busybox readlink /proc/self/ns/ipc
	assert_output "$hostipc"
	run -0 pea_cmd run --rm --ipc=none busybox readlink /proc/self/ns/ipc
	refute_output "$hostipc"
	run -1 pea_cmd run --rm --ipc=none busybox ls /dev/shm
	assert_output "ls: /dev/shm: No such file or directory"

	run -0 pea_cmd run -d --ipc=private --name priv busybox sleep 1000
	refused --ipc=container:priv --rm busybox readlink /proc/self/ns/ipc
	assert_output --partial 'is not allowed: non-shareable IPC (hint: use IpcMode:shareable for the donor container)'

	run -0 pea_cmd run -d --ipc=shareable --name share busybox sleep 1000
	run -0 pea_cmd exec share readlink /proc/self/ns/ipc
	theirs=$output
	refute_output "$hostipc"
	run -0 pea_cmd run --ipc=container:share --rm busybox readlink /proc/self/ns/ipc
	assert_output "$theirs"
	pid=$(pea_out inspect --format '{{.State.Pid}}' share)
	run -0 pea_cmd run --ipc="ns:/proc/$pid/ns/ipc" --rm busybox readlink /proc/self/ns/ipc
	assert_output "$theirs"

	# a default container shares its IPC namespace
	run -0 pea_cmd run -d --name plain busybox sleep 1000
	run -0 pea_cmd exec plain readlink /proc/self/ns/ipc
	theirs=$output
	run -0 pea_cmd run --ipc=container:plain --rm busybox readlink /proc/self/ns/ipc
	assert_output "$theirs"

	refused --ipc=bogus busybox true
	assert_output 'Error: invalid argument "bogus" for "--ipc" flag: use host, private, shareable, none, container:ID or ns:PATH'
	refused --ipc=container:nosuch busybox true
	run -0 pea_cmd stop -t 0 priv share plain
}

@test "--cidfile: create and run write the id; an existing file is refused, untouched" {
	cid="$TEST_DIR/cid"
	run -0 pea_cmd create --cidfile "$cid" busybox true
	id=$output
	run -0 cat "$cid"
	assert_output "$id"
	refused --cidfile "$cid" busybox true
	assert_output "Error: container id file exists. Ensure another container is not using it or delete $cid"
	run -0 cat "$cid"
	assert_output "$id"
	run -0 pea_cmd run -d --cidfile "$TEST_DIR/cid2" busybox sleep 1000
	id2=$output
	run -0 cat "$TEST_DIR/cid2"
	assert_output "$id2"
	# a folder that does not exist: the container goes too
	before=$(pea_out ps -aq --no-trunc)
	run -125 pea_cmd create --cidfile "$TEST_DIR/no/such/cid" busybox true
	assert_output --partial "--cidfile: create '$TEST_DIR/no/such/cid'"
	run -0 pea_cmd ps -aq --no-trunc
	assert_output "$before"
	refused --cidfile= busybox true
	run -0 pea_cmd stop -t 0 "$id2"
}

@test "--memory=0 is no limit; --stop-signal out of range; .ImageName as typed" {
	run -0 pea_cmd run --memory=0 --rm busybox echo hello
	assert_output hello
	refused --memory=5m busybox true
	assert_output 'Error: minimum memory limit allowed is 6MB'
	refused --stop-signal=99 busybox true
	assert_output 'Error: valid signals are 1 through 64'
	refused --stop-signal=0 busybox true
	refused --stop-signal=SIGNOPE busybox true

	run -0 pea_cmd tag busybox localhost/abc/def
	run -0 pea_cmd tag busybox localhost/abc/def:ghi
	run -0 pea_cmd create localhost/abc/def
	cid=$output
	run -0 pea_cmd inspect --format '{{.ImageName}}' "$cid"
	assert_output localhost/abc/def:latest
	run -0 pea_cmd create --name withtag abc/def:ghi
	run -0 pea_cmd inspect --format '{{.ImageName}}' withtag
	assert_output localhost/abc/def:ghi
}

@test "--device-cgroup-rule: a node the rule allows opens; bad rules; --kernel-memory warns" {
	# /dev/fuse (10:229) is not among the default rules: mknod is (with CAP_MKNOD), opening
	# is not
	open_fuse='mknod /tmp/f c 10 229 && exec 3<>/tmp/f && echo opened'
	run -1 pea_cmd run --rm --cap-add mknod busybox sh -c "$open_fuse"
	assert_output "sh: can't create /tmp/f: Operation not permitted"
	run -0 pea_cmd run --rm --cap-add mknod --device-cgroup-rule='c 10:229 rw' busybox sh -c "$open_fuse"
	assert_output opened
	run -0 pea_cmd run --rm --cap-add mknod --device-cgroup-rule='a 10 rw' busybox sh -c "$open_fuse"
	assert_output opened
	run -0 pea_cmd run --rm --device-cgroup-rule='b 7:* rmw' busybox true
	run -0 pea_cmd run --rm --cap-add mknod --device-cgroup-rule='c 10:229 r' busybox sh -c 'mknod /tmp/f c 10 229 && exec 3</tmp/f && echo read'
	assert_output read
	run -1 pea_cmd run --rm --cap-add mknod --device-cgroup-rule='c 10:229 r' busybox sh -c "$open_fuse"

	refused --device-cgroup-rule='b 7:* rmX' busybox true
	assert_output 'Error: invalid device access in device-access-add: X'
	refused --device-cgroup-rule='b 7:2' busybox true
	assert_output 'Error: invalid device cgroup rule requires type, major:Minor, and access rules: "b 7:2"'
	refused --device-cgroup-rule='x 7:* rmw' busybox true
	assert_output 'Error: invalid device type in device-access-add: x'
	refused --device-cgroup-rule='a a:* rmw' busybox true
	assert_output 'Error: strconv.ParseUint: parsing "a": invalid syntax'
	refused --device-cgroup-rule='c 1:-3 rw' busybox true

	run -0 --separate-stderr pea_cmd run --rm --kernel-memory 100 busybox echo ran
	assert_output ran
	[[ "$stderr" == *'The --kernel-memory flag is no longer supported. This flag is a noop.'* ]]
}

@test "--workdir missing in the root exits 126 (a volume's is fine); --conmon-pidfile" {
	run -126 pea_cmd run --rm --workdir /i/do/not/exist busybox pwd
	assert_output --regexp '^Error: .*workdir "/i/do/not/exist" does not exist on container [0-9a-f]{64}'
	mkdir -p "$TEST_DIR/vol"
	echo content-here >"$TEST_DIR/vol/content"
	run -0 pea_cmd run --rm --workdir /NotOnTheImage -v "$TEST_DIR/vol:/NotOnTheImage" busybox cat content
	assert_output content-here
	run -0 pea_cmd run --rm --workdir /NotOnTheImage -v "$TEST_DIR/vol/content:/NotOnTheImage/foo" busybox cat foo
	assert_output content-here
	# the image's own workdir is made, as before
	run -0 pea_cmd run --rm --workdir /tmp busybox pwd
	assert_output /tmp

	run -0 pea_cmd run -d --name cp --conmon-pidfile "$TEST_DIR/conmon.pid" busybox sleep 1000
	run -0 pea_cmd inspect --format '{{.State.ConmonPid}}' cp
	assert_output "$(cat "$TEST_DIR/conmon.pid")"
	run -0 readlink "/proc/$(cat "$TEST_DIR/conmon.pid")/exe"
	assert_output --regexp 'pea-monitor$'
	refused --conmon-pidfile= busybox true
	run -0 pea_cmd stop -t 0 cp
}

@test "--timeout: the container is killed after it (exit -1, run's 255)" {
	run -255 pea_cmd run --name to --timeout 2 busybox sleep 60
	run -0 pea_cmd inspect --format '{{.State.Status}} {{.State.ExitCode}}' to
	assert_output 'exited -1'
	run -0 pea_cmd run --rm --timeout 30 busybox echo quick
	assert_output quick
	refused --timeout=-1 busybox true
	refused --timeout=soon busybox true
	assert_output 'Error: invalid argument "soon" for "--timeout" flag: must be an integer >= 0'
}

@test "--runtime: the container's own OCI runtime (crun), for its start, exec and stop" {
	require_cmd crun
	run -0 pea_cmd create --name rt --runtime crun busybox sleep 1000
	run -0 pea_cmd inspect --format '{{.OCIRuntime}}' rt
	assert_output "$(command -v crun)"
	run -0 pea_cmd start rt
	id=$(pea_out inspect --format '{{.Id}}' rt)
	run -0 timeout -k 5 20 crun --root "$FE_RUNROOT/runtime" list
	assert_output --regexp "$id +[0-9]+ +running"
	run -0 pea_cmd exec rt echo in-crun
	assert_output in-crun
	run -0 pea_cmd stop -t 0 rt
	run -0 pea_cmd rm rt
	refused --runtime nosuch busybox true
	assert_output "Error: --runtime 'nosuch': No such file or directory"
}

@test "--device-read-bps/--device-write-bps/--device-read-iops/--device-write-iops reach the blkio cgroup" {
	dev=$(find /dev -maxdepth 1 -type b | sort | head -1)
	[[ -n "$dev" ]]
	majmin=$(stat -c '%t %T' "$dev" | { read -r a b; echo "$((16#$a)):$((16#$b))"; })
	run -0 pea_cmd run -d --name th --device-read-bps "$dev:1mb" --device-write-bps "$dev:2048" \
		--device-read-iops "$dev:100" --device-write-iops "$dev:200" busybox sleep 1000
	id=$(pea_out inspect --format '{{.Id}}' th)
	f=$(find /sys/fs/cgroup -path "*pea-$id*" -name blkio.throttle.read_bps_device | head -1)
	if [[ -n "$f" ]]; then
		dir=${f%/*}
		run -0 cat "$dir/blkio.throttle.read_bps_device" "$dir/blkio.throttle.write_bps_device" \
			"$dir/blkio.throttle.read_iops_device" "$dir/blkio.throttle.write_iops_device"
		assert_output "$majmin 1048576"$'\n'"$majmin 2048"$'\n'"$majmin 100"$'\n'"$majmin 200"
	else
		f=$(find /sys/fs/cgroup -path "*pea-$id*" -name io.max | head -1)
		run -0 cat "$f"
		assert_output "$majmin rbps=1048576 wbps=2048 riops=100 wiops=200"
	fi
	run -0 pea_cmd stop -t 0 th

	: >"$TEST_DIR/plain"
	refused --device-read-bps "$TEST_DIR/plain:1mb" busybox true
	assert_output "Error: --device-read-bps '$TEST_DIR/plain': not a device"
	refused --device-write-bps "$dev" busybox true
	assert_output "Error: --device-write-bps \"$dev\": use PATH:RATE"
	refused --device-read-iops "$dev:x" busybox true
	assert_output "Error: --device-read-iops \"$dev:x\": the rate is not a number"
	refused --device-write-iops /no/such:5 busybox true
	assert_output "Error: --device-write-iops '/no/such': No such file or directory"
	refused --device-read-bps "$dev:12q" busybox true
}
