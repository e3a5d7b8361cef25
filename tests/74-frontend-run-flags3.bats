#!/usr/bin/env bats
# pea run -a/--attach STREAM, --preserve-fds (podman-run(1); podman 4.3's test/system
# 030-run): only the streams attached reach pea's output, the rest stays in the log; the
# fds pea was given reach the container; every bad value is one line, exit 125, and
# nothing made.
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

@test "run -a stderr: stderr only on pea's output, stdout in the log only" {
	run -0 --separate-stderr pea_cmd run --name c1 -a stderr busybox \
		sh -c 'echo to-out; echo to-err >&2'
	assert_output ""
	assert_equal "$stderr" "to-err"
	run -0 --separate-stderr pea_cmd logs c1
	assert_output "to-out"

	run -3 --separate-stderr pea_cmd run --rm -a STDOUT busybox \
		sh -c 'echo to-out; echo to-err >&2; exit 3'
	assert_output "to-out"
	assert_equal "$stderr" ""

	# both named: both printed, as without -a
	run -0 --separate-stderr pea_cmd run --rm -a stdout --attach=stderr busybox \
		sh -c 'echo to-out; echo to-err >&2'
	assert_output "to-out"
	assert_equal "$stderr" "to-err"
}

@test "run -a stdin: the container's id, its output in the log, its exit code" {
	run -0 --separate-stderr pea_cmd run --name c2 --attach stdin busybox echo hello
	id=$output
	assert_equal "$stderr" ""
	run -0 pea_cmd inspect --format '{{.Id}}' c2
	assert_output "$id"
	# it waited for the container: it has ended, and can go without -f
	run -0 pea_cmd inspect --format '{{.State.Status}}' c2
	assert_output exited
	run -0 pea_cmd logs c2
	assert_output hello
	run -0 pea_cmd rm c2

	run -4 pea_cmd run --rm -a stdin busybox sh -c 'exit 4'
	assert_output --regexp '^[0-9a-f]{64}$'
}

@test "run -a stdin -a stdout -i: pea's stdin goes in, the output comes out" {
	run -0 timeout -k 5 60 "$PEA" "${FE_ARGS[@]}" run --rm -i -a stdin -a stdout busybox \
		cat <<<piped
	assert_output piped
	# stdin not attached without -i: the container's is closed
	run -0 timeout -k 5 60 "$PEA" "${FE_ARGS[@]}" run --rm -a stdout busybox \
		sh -c 'cat; echo end' <<<piped
	assert_output end
}

@test "run -a: a stream that is not stdin, stdout or stderr, and with -d, is refused" {
	refused -a stdall busybox true
	assert_output 'Error: invalid stream "stdall" for --attach - must be one of stdin, stdout, or stderr'
	refused -a '' busybox true
	refused -d -a stdout busybox true
	assert_output 'Error: --attach and --detach cannot be used together'
	refused --attach busybox
}

@test "run --preserve-fds=N: pea's fds 3 to 2+N are the container's" {
	echo from-fd-4 >"$TEST_DIR/four"
	echo from-fd-3 >"$TEST_DIR/three"
	run -0 timeout -k 5 60 "$PEA" "${FE_ARGS[@]}" run --rm --preserve-fds=2 busybox \
		sh -c 'cat <&4; cat <&3' 3<"$TEST_DIR/three" 4<"$TEST_DIR/four"
	assert_output "from-fd-4
from-fd-3"
	# without it, fd 4 is not the container's
	run -1 timeout -k 5 60 "$PEA" "${FE_ARGS[@]}" run --rm busybox \
		sh -c 'cat <&4' 4<"$TEST_DIR/four"
	refute_output --partial from-fd-4
	# -i and a terminal-less -a, as podman's suite runs it
	run -0 timeout -k 5 60 "$PEA" "${FE_ARGS[@]}" run --rm -i --preserve-fds 2 busybox \
		sh -c 'cat <&4' 4<"$TEST_DIR/four" </dev/null
	assert_output from-fd-4
	# a number pea was not given is /dev/null in the container, never one of the monitor's
	run -0 timeout -k 5 60 "$PEA" "${FE_ARGS[@]}" run --rm --preserve-fds=6 busybox \
		sh -c 'for n in 3 4 5 6 7 8; do readlink /proc/self/fd/$n; done' \
		3>&- 4>&- 5>&- 6>&- 7>&- 8>&-
	assert_output "$(printf '/dev/null\n%.0s' 1 2 3 4 5 6)"
}

@test "run --preserve-fds: not a number, negative, too many: refused" {
	refused --preserve-fds=x busybox true
	assert_output 'Error: invalid argument "x" for "--preserve-fds" flag: must be an integer >= 0'
	refused --preserve-fds=-1 busybox true
	refused --preserve-fds=5000 busybox true
	assert_output 'Error: --preserve-fds 5000: at most 1024'
}

@test "/run/.containerenv: empty, and with --privileged who runs the container" {
	run -0 pea_cmd run --rm busybox stat -c %s /run/.containerenv
	assert_output 0
	# under a read-only root's tmpfs on /run too
	run -0 pea_cmd run --rm --read-only busybox stat -c %s /run/.containerenv
	assert_output 0
	iid=$(pea_out image inspect --format '{{.Id}}' busybox)
	run -0 pea_cmd run --rm --privileged --name envc busybox \
		sh -c '. /run/.containerenv; echo "$engine|$name|$image|$id|$imageid|$rootless"'
	assert_output --regexp "^pea-[0-9.]+\|envc\|[^|]*busybox[^|]*\|[0-9a-f]{64}\|$iid\|0$"
}

@test "--group-add keep-groups: with other --group-add, podman's refusal" {
	refused --group-add keep-groups --group-add 457 busybox id
	assert_output "Error: the '--group-add keep-groups' option is not allowed with any other --group-add options"
	refused --group-add 457 --group-add keep-groups busybox id
	assert_output "Error: the '--group-add keep-groups' option is not allowed with any other --group-add options"
}

@test "run -it without a terminal: podman's warning, and the container runs" {
	run -0 pea_cmd run --rm -it busybox echo hello
	assert_output --partial "The input device is not a TTY. The --tty and --interactive flags might not work properly"
	assert_line --regexp $'^hello\r?$'
	# -d: no terminal of pea's to speak of
	run -0 pea_cmd run -d -it --name bg busybox true
	refute_output --partial "not a TTY"
	# --tty=false, -i=false (podman's boolean shorthand with a value): no warning
	run -0 pea_cmd run --rm --tty=false -i busybox echo hello
	assert_output hello
	run -0 pea_cmd run --rm --tty -i=false busybox echo hello
	assert_output $'hello\r'
	run -0 pea_cmd run --rm -t=false --interactive=true busybox echo -i=false
	assert_output -- -i=false
	refused --tty=maybe busybox true
	assert_output 'Error: invalid argument "maybe" for "tty" flag: use true or false'
	refused -i=maybe busybox true
	assert_output 'Error: invalid argument "maybe" for "interactive" flag: use true or false'
}

@test "run --rootfs DIR: the folder is the root; DIR:O an overlay whose changes go with it" {
	rootfs="$TEST_DIR/rootfs"
	cp -a "$BUSYBOX_ROOTFS" "$rootfs"
	run -0 pea_cmd run --rm --rootfs "$rootfs" sh -c 'echo kept >/written; cat /written'
	assert_output kept
	assert_equal "$(cat "$rootfs/written")" kept
	run -0 pea_cmd run --name ov --rootfs "$rootfs:O" sh -c 'rm /written; echo new >/other; ls /'
	assert_line other
	refute_line written
	# the folder as it was
	assert_equal "$(cat "$rootfs/written")" kept
	[[ ! -e "$rootfs/other" ]]
	run -0 pea_cmd inspect --format '{{.ImageDigest}}|{{.Image}}' ov
	assert_output "|"
	# a start again: a fresh overlay (its rm of /written works again, no /other before it)
	run -0 pea_cmd start -a ov
	assert_line other
	run -0 pea_cmd inspect --format '{{.State.ExitCode}}' ov
	assert_output 0
	run -0 pea_cmd rm ov
	fe_no_mounts
	# relative to where pea runs
	run -0 timeout -k 5 60 sh -c 'cd "$1" && shift && "$@"' _ "$TEST_DIR" \
		"$PEA" "${FE_ARGS[@]}" run --rm --rootfs rootfs:O cat /written
	assert_output kept
}

@test "run --rootfs: a missing folder, a file, ',' under :O, no command: refused" {
	refused --rootfs "$TEST_DIR/nosuch" true
	assert_output "Error: --rootfs '$TEST_DIR/nosuch': No such file or directory"
	touch "$TEST_DIR/file"
	refused --rootfs "$TEST_DIR/file" true
	assert_output "Error: --rootfs '$TEST_DIR/file': not a directory"
	mkdir "$TEST_DIR/a,b"
	refused --rootfs "$TEST_DIR/a,b:O" true
	assert_output "Error: --rootfs '$TEST_DIR/a,b:O': an overlay's path cannot hold ',' or ':'"
	refused --rootfs "$TEST_DIR/a,b"
	assert_output --partial "no command or entrypoint provided"
}

@test "stop --cidfile, rm --cidfile: the ID in the file; --ignore passes over a missing file" {
	run -0 pea_cmd run -d --name c1 --cidfile "$TEST_DIR/cid" busybox sleep 100
	id=$output
	run -0 pea_cmd stop -t 0 --cidfile "$TEST_DIR/cid"
	assert_output "$id"
	run -0 pea_cmd inspect --format '{{.State.Status}}' c1
	assert_output exited
	run -0 pea_cmd rm --cidfile "$TEST_DIR/cid"
	assert_output "$id"
	run -125 pea_cmd inspect c1
	# the container gone: --ignore (and -f) pass over it, as generate systemd's ExecStopPost
	run -0 pea_cmd rm -f --ignore --cidfile "$TEST_DIR/cid"
	assert_output ""
	run -0 pea_cmd stop --ignore --cidfile "$TEST_DIR/cid"
	assert_output ""
	# a missing file: fine with --ignore, else one line and 125
	run -0 pea_cmd stop --ignore --cidfile "$TEST_DIR/nosuch"
	assert_output ""
	run -0 pea_cmd rm --ignore --cidfile "$TEST_DIR/nosuch"
	assert_output ""
	run -125 pea_cmd stop --cidfile "$TEST_DIR/nosuch"
	assert_output "Error: reading CIDFile: open '$TEST_DIR/nosuch': No such file or directory"
	run -125 pea_cmd rm --cidfile "$TEST_DIR/nosuch"
	assert_output "Error: reading CIDFile: open '$TEST_DIR/nosuch': No such file or directory"
	run -125 pea_cmd stop --cidfile "$TEST_DIR/cid" c1
	assert_output "Error: no arguments are needed with --cidfile"
	run -125 pea_cmd rm -a --cidfile "$TEST_DIR/cid"
	assert_output "Error: --all, --latest, and --cidfile cannot be used together"
}

@test "kill -s, pod kill -s: a bad signal is refused before the target is looked up" {
	for s in 0 SIGBADSIG SIG BADSIG %% !; do
		run -125 pea_cmd kill -s "$s" nosuchcontainer
		assert_output "Error: invalid signal: $s"
		run -125 pea_cmd pod kill -s "$s" nosuchpod
		assert_output "Error: invalid signal: $s"
	done
	run -125 pea_cmd pod kill --signal 65 nosuchpod
	assert_output "Error: valid signals are 1 through 64"
	run -125 pea_cmd pod kill -s HUP nosuchpod
	assert_output --partial nosuchpod
}

@test "-l/--latest: inspect, logs, start, stop, wait, rm act on the container created last" {
	run -0 pea_cmd run -d --name old busybox sleep 100
	run -0 pea_cmd create --name new busybox sh -c 'echo hello; sleep 100'
	id=$output
	run -0 pea_cmd inspect -l --format '{{.Name}} {{.State.Status}}'
	assert_output "new created"
	run -0 pea_cmd start -l
	assert_output "$id"
	for ((i = 0; i < 100; i++)); do
		[[ "$(pea_cmd logs -l 2>&1)" == hello ]] && break
		sleep 0.05
	done
	run -0 pea_cmd logs --latest
	assert_output hello
	run -0 pea_cmd stop -t 0 -l
	assert_output "$id"
	run -0 pea_cmd wait --latest
	assert_output 137
	run -0 pea_cmd container inspect --latest --format '{{.Name}} {{.State.Status}}'
	assert_output "new exited"
	run -125 pea_cmd inspect -l old
	assert_output "Error: --latest and containers cannot be used together"
	run -125 pea_cmd wait -l old
	assert_output "Error: --latest and containers cannot be used together"
	run -125 pea_cmd stop -l old
	assert_output "Error: --latest and containers cannot be used together"
	run -125 pea_cmd start -l old
	assert_output "Error: --latest and containers cannot be used together"
	run -0 pea_cmd rm -l
	assert_output "$id"
	run -0 pea_cmd inspect -l --format '{{.Name}} {{.State.Status}}'
	assert_output "old running"
	run -0 pea_cmd rm -f -t 0 old
	run -125 pea_cmd inspect -l
	assert_output "Error: no containers to get latest of: no such container"
}

@test "inspect: State.Status is stopping while a stop waits for the container to exit" {
	run -0 pea_cmd run -d --name stopme busybox sh -c \
		"trap 'echo got TERM' TERM; echo READY; while :; do sleep 0.1; done"
	for ((i = 0; i < 100; i++)); do
		[[ "$(pea_cmd logs stopme 2>&1)" == *READY* ]] && break
		sleep 0.05
	done
	timeout -k 5 60 "$PEA" "${FE_ARGS[@]}" stop -t 30 stopme >"$TEST_DIR/stop.out" 2>&1 3>&- &
	stop_pid=$!
	for ((i = 0; i < 200; i++)); do
		[[ "$(pea_cmd logs stopme 2>&1)" == *"got TERM"* ]] && break
		sleep 0.05
	done
	run -0 pea_cmd inspect --format '{{.State.Status}} {{.State.Running}}' stopme
	assert_output "stopping true"
	run -0 pea_cmd kill stopme
	run -0 pea_cmd wait stopme
	assert_output 137
	wait "$stop_pid"
	run -0 cat "$TEST_DIR/stop.out"
	assert_output stopme
	run -0 pea_cmd inspect --format '{{.State.Status}} {{.State.ExitCode}}' stopme
	assert_output "exited 137"
}

@test "socket activation: LISTEN_FDS's fds and LISTEN_* reach the container, LISTEN_PID as 1" {
	run -0 pea_cmd run --rm --hostname h1 busybox env
	stdenv=$output
	run -0 env LISTEN_PID=100 LISTEN_FDS=1 LISTEN_FDNAMES=listen_fdnames \
		timeout -k 5 60 "$PEA" "${FE_ARGS[@]}" run --rm --hostname h1 busybox env 3>/dev/null
	assert_equal "$(sort <<<"$output")" "$(printf '%s\nLISTEN_PID=1\nLISTEN_FDS=1\nLISTEN_FDNAMES=listen_fdnames\n' "$stdenv" | sort)"
	# the fd itself (podman's --preserve-fds of LISTEN_FDS)
	run -0 env LISTEN_PID=100 LISTEN_FDS=1 timeout -k 5 60 "$PEA" "${FE_ARGS[@]}" run --rm \
		busybox sh -c 'echo via-fd3 >&3' 3>"$TEST_DIR/fd3"
	assert_equal "$(cat "$TEST_DIR/fd3")" via-fd3
	# start: the environment of the start, not of the create
	run -0 pea_cmd create --name c1 --hostname h1 busybox env
	run -0 env LISTEN_PID=100 LISTEN_FDS=1 LISTEN_FDNAMES=n1 \
		timeout -k 5 60 "$PEA" "${FE_ARGS[@]}" start --attach c1 3>/dev/null
	assert_equal "$(sort <<<"$output")" "$(printf '%s\nLISTEN_PID=1\nLISTEN_FDS=1\nLISTEN_FDNAMES=n1\n' "$stdenv" | sort)"
	# without them: nothing added
	run -0 pea_cmd start --attach c1
	assert_equal "$(sort <<<"$output")" "$(sort <<<"$stdenv")"
}
