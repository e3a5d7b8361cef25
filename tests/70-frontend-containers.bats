#!/usr/bin/env bats
# pea: containers (create, start, run, ps, logs, stop, kill, rm, wait, inspect,
# container cleanup) with pea-runtime and pea-monitor (or PEA_FE_RUNTIME/PEA_FE_CONMON).
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-frontend
load helpers/fe-file

@test "run --rm prints the output and leaves nothing" {
	run -0 pea_cmd run --rm busybox echo hello from pea
	assert_output "hello from pea"
	run -0 pea_cmd ps -a -q
	assert_output ""
	fe_no_mounts
	run -0 "$PEA_STORAGE" --root "$FE_ROOT/storage" --runroot "$FE_RUNROOT/storage" container ls
	assert_equal "$(jq '.result | length' <<<"$output")" 0
}

@test "run: exit codes as podman (container's, 125, 126, 127)" {
	run -3 pea_cmd run --rm busybox sh -c 'exit 3'
	run -127 pea_cmd run --rm busybox /nosuch/command
	assert_output --partial "/nosuch/command"
	run -127 pea_cmd run --rm busybox nosuchcommand
	assert_output --partial "nosuchcommand"
	assert_output --partial ": OCI runtime attempted to invoke a command that was not found"
	run -126 pea_cmd run --rm busybox /etc/passwd
	assert_output --partial ": OCI permission denied"
	run -125 pea_cmd run --rm nosuch-image-here:1 true
	run -125 pea_cmd run --rm --bogus busybox true
	assert_output --partial "unknown flag: --bogus"
	run -0 pea_cmd ps -a -q
	assert_output ""
	fe_no_mounts
}

@test "run: stdout and stderr, environment, workdir, user, hostname, entrypoint" {
	run -0 --separate-stderr pea_cmd run --rm busybox sh -c 'echo out; echo err >&2'
	assert_output out
	assert_equal "$stderr" err
	run -0 pea_cmd run --rm -e FOO=bar -e TERM=dumb busybox sh -c 'echo $FOO $TERM $container'
	assert_output "bar dumb pea"
	run -0 pea_cmd run --rm -e HOME busybox sh -c 'echo $HOME' 
	assert_output "$HOME"
	run -0 pea_cmd run --rm -w /etc busybox pwd
	assert_output /etc
	# a workdir the root lacks is refused, as podman 4.3 does (126)
	run -126 pea_cmd run --rm -w /tmp/work busybox pwd
	assert_output --partial '"/tmp/work"'
	# pea-runtime cannot start a process without capabilities yet ("open exec
	# fifo: Permission denied"): a non-root user runs on crun here.
	run -0 pea_cmd --runtime /usr/bin/crun run --rm -u 1234:5678 busybox id
	assert_output --partial "uid=1234 gid=5678"
	run -0 pea_cmd run --rm -u 0:5678 busybox id -g
	assert_output 5678
	run -0 pea_cmd run --rm --hostname box1 busybox hostname
	assert_output box1
	run -0 pea_cmd run --rm --entrypoint echo busybox a b
	assert_output "a b"
	run -0 pea_cmd run --rm --entrypoint '["/bin/sh","-c"]' busybox 'echo json'
	assert_output json
	run -0 pea_cmd run --rm busybox cat /etc/hostname
	assert_output --regexp '^[0-9a-f]{12}$'
}

@test "run: volumes, tmpfs, read-only root" {
	mkdir -p "$TEST_DIR/data"
	echo content >"$TEST_DIR/data/file"
	run -0 pea_cmd run --rm -v "$TEST_DIR/data:/data" busybox sh -c 'cat /data/file; echo new >/data/out'
	assert_output content
	assert_equal "$(cat "$TEST_DIR/data/out")" new
	run -1 pea_cmd run --rm -v "$TEST_DIR/data:/data:ro" busybox sh -c 'echo x >/data/x'
	assert_output --partial "Read-only file system"
	run -0 pea_cmd run --rm --tmpfs /scratch busybox sh -c 'grep " /scratch " /proc/mounts'
	assert_output --partial "tmpfs /scratch tmpfs"
	run -1 pea_cmd run --rm --read-only busybox touch /file
	run -0 pea_cmd run --rm --read-only busybox touch /tmp/file
}

@test "run: bad flag values are refused before anything is made" {
	run -125 pea_cmd run --rm -v /nosuch/dir:/data busybox true
	assert_output --partial 'error checking path "/nosuch/dir"'
	run -125 pea_cmd run --rm -v "$TEST_DIR:relative" busybox true
	assert_output --partial "must be an absolute path"
	run -125 pea_cmd run --rm -v "$TEST_DIR:/a:bogus" busybox true
	assert_output --partial "invalid volume option 'bogus'"
	run -125 pea_cmd run --rm -v 'bad:name:/a:ro' busybox true
	assert_output --partial "invalid volume"
	run -125 pea_cmd run --rm -m 12q busybox true
	assert_output --partial "invalid size"
	run -125 pea_cmd run --rm -m 1k busybox true
	assert_output --partial "minimum memory limit allowed is 6MB"
	run -125 pea_cmd run --rm --pids-limit many busybox true
	assert_output --partial "--pids-limit"
	run -125 pea_cmd run --rm --name 'bad name' busybox true
	assert_output --partial "names must match"
	run -125 pea_cmd run --rm -w relative busybox true
	assert_output --partial "invalid workdir"
	run -125 pea_cmd run --rm --stop-signal SIGNOPE busybox true
	assert_output --partial "invalid signal"
	run -125 pea_cmd run --rm -u nobodyhere busybox true
	assert_output --partial "unable to find user nobodyhere"
	run -125 pea_cmd run --rm --entrypoint '' busybox
	assert_output --partial "no command or entrypoint provided"
	run -125 pea_cmd run
	assert_output --partial "requires at least 1 arg(s)"
	run -0 pea_cmd ps -a -q
	assert_output ""
	fe_no_mounts
}

@test "run -d, ps, logs, stop, rm" {
	run -0 pea_cmd run -d --name web busybox sh -c 'echo started; echo oops >&2; exec sleep 100'
	assert_output --regexp '^[0-9a-f]{64}$'
	id="$output"
	run -0 pea_cmd ps
	assert_line --index 0 --regexp "^CONTAINER ID  IMAGE                     COMMAND               CREATED +STATUS +PORTS       NAMES$"
	assert_line --index 1 --regexp "^${id:0:12}  localhost/busybox:latest  sh -c echo starte\.\.\.  .* ago +Up .* +web$"
	run -0 pea_cmd ps --format '{{.ID}} {{.Names}} {{.State}}'
	assert_output "${id:0:12} web running"
	run -0 pea_cmd ps -q --no-trunc
	assert_output "$id"
	run -0 pea_cmd ps --format json
	assert_equal "$(jq -r '.[0].Names[0]' <<<"$output")" web
	assert_equal "$(jq -r '.[0].Id' <<<"$output")" "$id"
	for ((i = 0; i < 100; i++)); do
		[[ "$(pea_cmd logs web 2>&1)" == *oops* ]] && break
		sleep 0.05
	done
	run -0 --separate-stderr pea_cmd logs web
	assert_output started
	assert_equal "$stderr" oops
	run -0 pea_cmd inspect --format '{{.State.Status}} {{.State.Running}} {{.Name}}' web
	assert_output "running true web"
	run -0 pea_cmd inspect web
	assert_equal "$(jq -r '.[0].Config.Cmd[0]' <<<"$output")" sh
	assert_equal "$(jq -r '.[0].State.Pid > 0' <<<"$output")" true
	run -2 pea_cmd rm web
	assert_output --partial "as it is running"
	run -0 --separate-stderr pea_cmd stop -t 1 web
	assert_output web
	# podman's warning, one line (050-stop)
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "$stderr" 'StopSignal SIGTERM failed to stop container web in 1 seconds, resorting to SIGKILL'
	run -0 pea_cmd ps -a --format '{{.Names}} {{.Status}}'
	assert_output --regexp '^web Exited \(137\) .* ago$'
	fe_no_mounts
	run -0 pea_cmd rm web
	assert_output web
	run -1 pea_cmd rm web
	assert_output 'Error: no container with name or ID "web" found: no such container'
}

@test "stop sends the stop signal first; kill -s; wait" {
	run -0 pea_cmd run -d --name t busybox sh -c 'trap "exit 7" TERM; while :; do sleep 0.1; done'
	fe_wait_state t running
	sleep 0.3
	run -0 pea_cmd stop t
	run -0 pea_cmd inspect --format '{{.State.ExitCode}}' t
	assert_output 7
	run -0 pea_cmd run -d --name k busybox sh -c 'trap "exit 9" USR1; while :; do sleep 0.1; done'
	sleep 0.3
	run -0 pea_cmd kill -s USR1 k
	assert_output k
	run -0 pea_cmd wait k
	assert_output 9
	run -125 pea_cmd kill k
	assert_output --partial "can only kill running containers"
	run -125 pea_cmd kill -s NOPE k
	assert_output --partial "invalid signal: NOPE"
}

@test "create, start -a, start, name conflicts" {
	run -0 pea_cmd create --name c1 busybox echo created
	assert_output --regexp '^[0-9a-f]{64}$'
	run -0 pea_cmd ps -a --format '{{.Names}} {{.Status}}'
	assert_output "c1 Created"
	run -125 pea_cmd create --name c1 busybox true
	assert_output --partial 'the container name "c1" is already in use'
	# a record whose keys are in another order (another writer) is read whole for its name
	id=$(pea_cmd inspect --format '{{.Id}}' c1)
	jq -S . "$FE_ROOT/containers/$id/pea.json" >"$BATS_TEST_TMPDIR/rec"
	cp "$BATS_TEST_TMPDIR/rec" "$FE_ROOT/containers/$id/pea.json"
	run -125 pea_cmd create --name c1 busybox true
	assert_output --partial "the container name \"c1\" is already in use by $id"
	run -0 pea_cmd start -a c1
	assert_output created
	run -0 pea_cmd start c1
	assert_output c1
	run -0 pea_cmd wait c1
	assert_output 0
	run -0 pea_cmd logs c1
	assert_output "created
created"
	run -0 pea_cmd logs --tail 1 c1
	assert_output created
	run -125 pea_cmd logs --tail x c1
	run -125 pea_cmd start nosuch
	assert_output --partial 'no container with name or ID "nosuch" found'
	run -0 pea_cmd rm c1
}

@test "run -d --rm: the monitor's exit command removes the container" {
	run -0 pea_cmd run -d --rm --name gone busybox true
	for ((i = 0; i < 100; i++)); do
		[[ -z "$(pea_out ps -aq)" ]] && break
		sleep 0.05
	done
	run -0 pea_cmd ps -aq
	assert_output ""
	fe_no_mounts
}

@test "container cleanup unmounts an exited container, rm -f kills a running one" {
	run -0 pea_cmd run -d --name sleeper busybox sleep 100
	run -0 pea_cmd run -d --name quick busybox true
	run -0 pea_cmd wait quick
	for ((i = 0; i < 100; i++)); do
		[[ "$(jq .mounted "$FE_ROOT"/containers/*/pea.json | grep -c true)" == 1 ]] && break
		sleep 0.05
	done
	run -0 pea_cmd container cleanup quick
	run -0 pea_cmd rm -f sleeper
	assert_output sleeper
	run -0 pea_cmd rm -a
	fe_no_mounts
	run -0 pea_cmd ps -aq
	assert_output ""
}

@test "rm -f -t SECS stops with the stop signal first (podman's rm -t), -t 0 kills at once; a bad -t" {
	mkdir -m 0777 "$TEST_DIR/o"
	# shellcheck disable=SC2016
	body='trap "echo \$0 >/o/\$0; exit 3" TERM; while :; do sleep 0.1; done'
	run -0 pea_cmd run -d --name t5 -v "$TEST_DIR/o:/o" busybox sh -c "$body" t5
	run -0 pea_cmd run -d --name t0 -v "$TEST_DIR/o:/o" busybox sh -c "$body" t0
	for ((i = 0; i < 100; i++)); do
		[[ "$(pea_cmd ps --format '{{.Names}}' | wc -l)" == 2 ]] && break
		sleep 0.05
	done
	sleep 0.5 # the traps are set
	run -0 pea_cmd rm -f -t 5 t5
	assert_output t5
	[[ -e "$TEST_DIR/o/t5" ]]
	run -0 pea_cmd rm -t 0 --all --force --ignore
	[[ ! -e "$TEST_DIR/o/t0" ]]
	run -0 pea_cmd ps -aq
	assert_output ""
	run -125 pea_cmd rm -f -t soon t5
	assert_output "Error: invalid argument \"soon\" for \"-t, --time\" flag: must be an integer >= 0"
}

@test "a container that is removed while ps runs, and records written atomically" {
	run -0 pea_cmd create --name a busybox true
	run -0 pea_cmd create --name b busybox true
	ls "$FE_ROOT/containers/"*/pea.json
	! ls "$FE_ROOT/containers/"*/pea.json.tmp.* 2>/dev/null
	run -0 pea_cmd rm a b
	run -0 pea_cmd ps -a --noheading
	assert_output ""
}

@test "10 concurrent run -d while ps runs, then rm -af" {
	local i pids=()
	for ((i = 0; i < 10; i++)); do
		pea_cmd run -d busybox sleep 100 >"$TEST_DIR/run.$i" 2>&1 &
		pids+=($!)
	done
	for ((i = 0; i < 10; i++)); do
		pea_cmd ps -a --format '{{.Names}}' >"$TEST_DIR/ps.$i" 2>&1 || fail "ps failed: $(cat "$TEST_DIR/ps.$i")"
	done
	for i in "${pids[@]}"; do
		wait "$i" || fail "run -d failed"
	done
	run -0 pea_cmd ps -q
	assert_equal "${#lines[@]}" 10
	run -0 pea_cmd ps --format '{{.Names}}'
	assert_equal "$(sort -u <<<"$output" | wc -l)" 10
	run -0 pea_cmd rm -af
	assert_equal "${#lines[@]}" 10
	run -0 pea_cmd ps -aq
	assert_output ""
	fe_no_mounts
}

@test "logs -f follows until the container exits; inspect falls back to images" {
	run -0 pea_cmd run -d --name f busybox sh -c 'for i in 1 2 3; do echo line$i; sleep 0.2; done'
	run -0 pea_cmd logs -f f
	assert_output "line1
line2
line3"
	run -0 pea_cmd container ls -a --format '{{.Names}} {{.State}}'
	assert_output "f exited"
	run -0 pea_cmd inspect --format '{{.Os}}' busybox
	assert_output linux
	run -0 pea_cmd inspect --type container --format '{{.Name}}' f
	assert_output f
	run -125 pea_cmd inspect --type container busybox
	assert_output --partial "no such container busybox"
	run -0 pea_cmd --log-level debug rm f
	assert_output --partial "running "
}

@test "a record whose layer is gone (pea killed mid-create) is reported, and rm repairs it" {
	run -0 pea_cmd create --name half busybox true
	id="$output"
	"$PEA_STORAGE" --root "$FE_ROOT/storage" --runroot "$FE_RUNROOT/storage" container rm "$id"
	run -125 pea_cmd start half
	assert_output --partial "container '$id' not found"
	run -0 pea_cmd rm half
	run -0 pea_cmd ps -aq
	assert_output ""
}

@test "--network none has only lo; --network host shares the host's" {
	run -0 pea_cmd run --rm busybox sh -c 'ls /sys/class/net'
	assert_output lo
	run -0 pea_cmd run --rm --network host busybox hostname
	assert_output "$(hostname)"
	run -0 pea_cmd run --rm --network host busybox sh -c 'ls /sys/class/net | wc -l'
	assert_equal "$output" "$(ls /sys/class/net | wc -l)"
}

@test "restart, rename, container prune, --env-file, ps --filter, untag" {
	printf '# comment\nA=1\n\nB=two words\n' >"$TEST_DIR/env"
	run -0 pea_cmd run --name e --env-file "$TEST_DIR/env" -l tier=web busybox sh -c 'echo "$A|$B"'
	assert_output "1|two words"
	run -125 pea_cmd run --rm --env-file "$TEST_DIR/nosuch" busybox true
	assert_output --partial "--env-file"
	run -0 pea_cmd run -d --name r busybox sleep 100
	old=$(pea_out inspect --format '{{.State.Pid}}' r)
	run -0 pea_cmd restart -t 0 r
	assert_output r
	fe_wait_state r running
	new=$(pea_out inspect --format '{{.State.Pid}}' r)
	[ "$old" != "$new" ]
	run -0 pea_cmd rename r r2
	run -0 pea_cmd ps --format '{{.Names}}'
	assert_output r2
	run -125 pea_cmd rename r2 e
	assert_output --partial 'the container name "e" is already in use'
	run -125 pea_cmd rename r2 'bad name'
	run -0 pea_cmd ps --filter status=exited --format '{{.Names}}'
	assert_output e
	run -0 pea_cmd ps -a --filter label=tier --format '{{.Names}}'
	assert_output e
	run -0 pea_cmd ps -a --filter name='^r' --filter name=zzz --format '{{.Names}}'
	assert_output r2
	run -0 pea_cmd ps -a --filter exited=0 --filter ancestor=busybox --format '{{.Names}}'
	assert_output e
	run -125 pea_cmd ps --filter bogus=1
	assert_output --partial 'invalid filter "bogus=1"'
	run -125 pea_cmd ps --filter status=sleepy
	run -0 pea_cmd container prune -f
	assert_output --regexp '^[0-9a-f]{64}$'
	run -0 pea_cmd ps -a --format '{{.Names}}'
	assert_output r2
	run -0 pea_cmd tag busybox extra:1
	run -0 pea_cmd untag busybox extra:1
	run -0 pea_cmd images --format '{{.Repository}}:{{.Tag}}'
	assert_output localhost/busybox:latest
	run -125 pea_cmd untag busybox extra:1
	assert_output --partial "extra:1: tag not known"
}

@test "a container whose monitor was killed with it shows as exited, and rm works" {
	run -0 pea_cmd run -d --name k9 busybox sleep 100
	id=$output
	mon=$(cat "$FE_ROOT/containers/$id/conmon.pid")
	pid=$(pea_out inspect --format '{{.State.Pid}}' k9)
	kill -9 "$mon" "$pid"
	for ((i = 0; i < 100; i++)); do
		[[ "$(pea_out ps -a --format '{{.State}}')" == exited ]] && break
		sleep 0.05
	done
	run -0 pea_cmd ps -a --format '{{.Names}} {{.Status}}'
	assert_output --regexp '^k9 Exited \(-1\) '
	run -0 pea_cmd stop k9
	run -0 pea_cmd rm k9
	fe_no_mounts
}

@test "run -i passes pea's stdin to the container; without -i it has none" {
	# directly, not through pea_cmd: stdin is the test's. In the foreground pea
	# reaps the monitor itself.
	# (assert_success shows what pea said: this failed with 125 twice in
	# full runs, never alone)
	run bash -c 'printf "a\nb\n" | timeout -k 5 30 "$PEA" "${@}" run -i --rm busybox wc -l 2>&1' _ "${FE_ARGS[@]}"
	assert_success
	assert_output 2
	run -0 bash -c 'echo ignored | timeout -k 5 30 "$PEA" "${@}" run --rm busybox cat' _ "${FE_ARGS[@]}"
	assert_output ""
	run -0 pea_cmd ps -aq
	assert_output ""
}

@test "run -i and attach when RUNROOT/socket/ID fills sun_path (the monitor cuts that symlink's name)" {
	# a run root whose socket/ID path is 107 bytes, sun_path's most: where
	# conmon and pea-monitor shorten their symlink by one byte
	local rr="$TEST_DIR/r" k
	((107 - 64 - 8 - ${#rr} > 0)) || fail "TEST_DIR too long for this test: $TEST_DIR"
	rr+=$(printf '%*s' $((107 - 64 - 8 - ${#rr})) '' | tr ' ' x)
	assert_equal "$((${#rr} + 8 + 64))" 107
	for k in "${!FE_ARGS[@]}"; do
		[[ ${FE_ARGS[k]} == --runroot ]] && FE_ARGS[k + 1]=$rr
	done
	run bash -c 'printf "a\nb\n" | timeout -k 5 30 "$PEA" "${@}" run -i --rm busybox wc -l 2>&1' _ "${FE_ARGS[@]}"
	assert_success
	assert_output 2
	run -0 pea_cmd run -d -i --name att busybox sh -c 'read l; echo got:$l'
	run bash -c 'echo hi | timeout -k 5 30 "$PEA" "${@}" attach att 2>&1' _ "${FE_ARGS[@]}"
	assert_output --partial got:hi
	run -0 pea_cmd rm -f att
}

@test "run --rm mounts the root volatile (no syncs), as podman; other containers' roots are not" {
	run -0 pea_cmd run --rm busybox sh -c "grep ' / ' /proc/mounts"
	assert_output --regexp ',(fsync=)?volatile( |,)'
	run -0 pea_cmd run --name kept busybox sh -c "grep ' / ' /proc/mounts"
	refute_output --partial volatile
	# started again, its layer mounts as before
	run -0 pea_cmd start -a kept
	refute_output --partial volatile
	run -0 pea_cmd rm kept
	run -0 pea_cmd ps -aq
	assert_output ''
}
