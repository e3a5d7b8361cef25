#!/usr/bin/env bats
# pea: pause, unpause, top, stats on running containers (pea-runtime, pea-monitor).
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-frontend
load helpers/fe-file

teardown() {
	# a frozen container cannot be stopped: thaw them first
	fe_thaw_all
	fe_teardown
}

# The freezer state of a container's init, from its cgroup (v1 freezer or v2).
freezer_state() {
	local pid="$1" path
	if [[ "$(stat -f -c %T /sys/fs/cgroup)" == cgroup2fs ]]; then
		path="$(awk -F: '$1 == "0" {print $3}' "/proc/$pid/cgroup")"
		grep -q '^frozen 1' "/sys/fs/cgroup$path/cgroup.events" && echo FROZEN || echo THAWED
	else
		path="$(awk -F: '$2 ~ /(^|,)freezer(,|$)/ {print $3}' "/proc/$pid/cgroup")"
		cat "/sys/fs/cgroup/freezer$path/freezer.state"
	fi
}

@test "pause freezes a running container, unpause thaws it" {
	run -0 pea_cmd run -d --name p busybox sh -c 'while :; do date +%s%N >/tmp/tick; sleep 0.05; done'
	fe_wait_state p running
	pid="$(pea_out inspect --format '{{.State.Pid}}' p)"
	run -0 pea_cmd pause p
	assert_output p
	assert_equal "$(freezer_state "$pid")" FROZEN
	run -0 "${PEA_FE_RUNTIME:-$PEA_RUNTIME}" --root "$FE_RUNROOT/runtime" state "$(pea_out inspect --format '{{.Id}}' p)"
	assert_equal "$(jq -r .status <<<"$output")" paused
	# a paused container cannot be paused again, a running one not unpaused
	run -125 pea_cmd pause p
	assert_output 'Error: "p" is not running, can'"'"'t pause: container state improper'
	run -0 pea_cmd unpause p
	assert_output p
	assert_equal "$(freezer_state "$pid")" THAWED
	run -125 pea_cmd unpause p
	assert_output 'Error: "p" is not paused, can'"'"'t unpause: container state improper'
	run -0 pea_cmd stop -t 0 p
}

@test "pause -a and unpause -a; bad inputs" {
	run -0 pea_cmd run -d --name a1 busybox sleep 1000
	run -0 pea_cmd run -d --name a2 busybox sleep 1000
	run -0 pea_cmd create --name c1 busybox true
	run -0 pea_cmd pause --all
	assert_line --index 0 --regexp '^[0-9a-f]{64}$'
	assert_equal "${#lines[@]}" 2
	run -0 pea_cmd unpause -a
	assert_equal "${#lines[@]}" 2
	run -125 pea_cmd pause c1
	assert_output --partial '"c1" is not running'
	run -125 pea_cmd pause nosuch
	assert_output 'Error: no container with name or ID "nosuch" found: no such container'
	run -125 pea_cmd pause
	assert_output 'Error: you must provide at least one container name or id'
	run -125 pea_cmd unpause --bogus a1
	assert_output --partial 'unknown flag: --bogus'
	run -125 pea_cmd pause -a a1
	assert_output --partial '--all and containers cannot be used together'
	# one bad name among good ones: the good ones are paused, the status is 125
	run -125 pea_cmd pause a1 nosuch a2
	assert_line a1
	assert_line a2
	run -0 pea_cmd unpause a1 a2
}

@test "top: podman's default columns, pids of the container's namespace" {
	run -0 pea_cmd run -d --name t busybox sh -c 'sleep 1000 & exec sleep 999'
	fe_wait_state t running
	for ((i = 0; i < 100; i++)); do
		[[ "$(pea_out top t pid | wc -l)" -ge 3 ]] && break
		sleep 0.05
	done
	run -0 pea_cmd top t
	assert_line --index 0 --regexp '^USER +PID +PPID +%CPU +ELAPSED +TTY +TIME +COMMAND$'
	assert_line --regexp '^root +1 +0 +[0-9.]+ +[0-9.hmsµn]+ +\? +[0-9.hmsµn]+ +sleep 999$'
	assert_line --regexp '^root +[0-9]+ +1 +[0-9.]+ +[0-9.hmsµn]+ +\? +[0-9.hmsµn]+ +sleep 1000$'
	assert_equal "${#lines[@]}" 3
	# descriptors, comma-separated or not, and AIX codes; hpid is the host's pid
	hpid="$(pea_out inspect --format '{{.State.Pid}}' t)"
	run -0 pea_cmd top t pid,hpid %c user,group
	assert_line --index 0 --regexp '^PID +HPID +COMMAND +USER +GROUP$'
	assert_line --index 1 --regexp "^1 +$hpid +sleep +root +root$"
	# a process of another user is shown by the container's names (on crun:
	# pea-runtime cannot start a process without capabilities yet)
	run -0 pea_cmd --runtime /usr/bin/crun run -d --name u -u 65534:65534 busybox sleep 998
	fe_wait_state u running
	run -0 pea_cmd top u user group args
	assert_line --index 1 --regexp '^nobody +nobody +sleep 998$'
}

@test "top: bad inputs" {
	run -0 pea_cmd create --name c busybox true
	run -125 pea_cmd top c
	assert_output 'Error: top can only be used on running containers'
	run -125 pea_cmd top nosuch
	assert_output --partial 'no container with name or ID "nosuch" found'
	run -125 pea_cmd top
	assert_output --partial 'you must provide the name or id of a running container'
	# a descriptor pea does not know is for ps(1) in the container: without one, an error
	run -0 pea_cmd run -d --name r busybox sh -c 'rm /bin/ps; exec sleep 1000'
	for ((i = 0; i < 100; i++)); do
		pea_cmd exec r test -e /bin/ps 2>/dev/null || break
		sleep 0.05
	done
	run -125 pea_cmd top r pid bogus
	assert_output 'Error: unknown descriptor: bogus'
}

@test "top: other descriptors go to ps(1) in the container, its own line left out" {
	run -0 pea_cmd run -d --name t busybox sleep 1000
	fe_wait_state t running
	run -0 pea_cmd top t -o pid,args
	assert_line --index 0 --regexp '^ *PID +COMMAND$'
	assert_line --regexp '^ *1 +sleep 1000$'
	refute_line --partial 'ps -o'
	assert_equal "${#lines[@]}" 2
}

@test "stats --no-stream: table, template, json, memory limit from the cgroup" {
	run -0 pea_cmd run -d --name s1 busybox sleep 1000
	run -0 pea_cmd run -d --name s2 -m 64m busybox sh -c 'sleep 1000 & exec sleep 999'
	fe_wait_state s2 running
	run -0 pea_cmd stats --no-stream
	assert_line --index 0 --regexp '^ID +NAME +CPU % +MEM USAGE / LIMIT +MEM % +NET IO +BLOCK IO +PIDS +CPU TIME +AVG CPU %$'
	assert_line --regexp '^[0-9a-f]{12} +s1 +[0-9.]+% +[0-9.]+[kMG]?B / [0-9.]+[kMGT]B +[0-9.]+% +0B / 0B +'
	assert_equal "${#lines[@]}" 3
	run -0 pea_cmd stats --no-stream --format '{{.Name}} {{.MemLimit}} {{.MemUsage}}' s2
	assert_output --regexp '^s2 67108864 [0-9.]+[kM]?B / 67.1MB$'
	run -0 pea_cmd stats --no-stream --format json s2
	assert_equal "$(jq -r '.[0].name' <<<"$output")" s2
	assert_equal "$(jq -r '.[0].pids' <<<"$output")" 2
	assert_equal "$(jq -r '.[0].mem_usage' <<<"$output" | sed 's|.* / ||')" 67.1MB
	run -0 pea_cmd stats --no-stream --no-trunc --format '{{.ID}}' s1
	assert_output "$(pea_out inspect --format '{{.Id}}' s1)"
	run -0 pea_cmd stats --no-stream --format 'table {{.ID}} {{.PIDS}}' s1
	assert_line --index 0 --regexp '^ID +PIDS$'
	assert_line --index 1 --regexp '^[0-9a-f]{12} +1$'
}

@test "stats: stopped containers and bad inputs" {
	run -0 pea_cmd create --name c busybox true
	run -125 pea_cmd stats --no-stream c
	assert_output --partial 'cannot get stats of container "c": it is not running'
	run -0 pea_cmd stats --no-stream -a --format '{{.Name}} {{.CPUPerc}} {{.MemUsage}}'
	assert_output 'c -- -- / --'
	run -0 pea_cmd stats --no-stream
	assert_output --regexp '^ID +NAME'
	assert_equal "${#lines[@]}" 1
	run -125 pea_cmd stats --no-stream nosuch
	assert_output --partial 'no container with name or ID "nosuch" found'
	run -125 pea_cmd stats --interval 0
	assert_output --partial 'invalid argument "0" for "-i, --interval" flag'
	run -125 pea_cmd stats --no-stream -a --format '{{.Nope}}'
	assert_output --partial 'Nope'
}

@test "attach: the output until the container ends, its exit status, stdin with -i" {
	run -0 pea_cmd run -d -i --name i busybox sh -c 'read x; echo got $x; echo err >&2; exit 3'
	fe_wait_state i running
	run -3 --separate-stderr bash -c 'echo hello | timeout -k 5 30 "$0" "$@" attach i' "$PEA" "${FE_ARGS[@]}"
	assert_output "got hello"
	assert_equal "$stderr" err
	run -0 pea_cmd run -d --name o busybox sh -c 'sleep 1; echo late; exit 4'
	fe_wait_state o running
	run -4 timeout -k 5 30 "$PEA" "${FE_ARGS[@]}" attach --no-stdin o
	assert_output late
	run -125 pea_cmd attach o
	assert_output 'Error: you can only attach to running containers'
	run -125 pea_cmd attach nosuch
	assert_output --partial 'no container with name or ID "nosuch" found'
	run -125 pea_cmd attach
	assert_output --partial 'attach requires the name or id of one running container'
	run -125 pea_cmd attach --sig-proxy=maybe o
	assert_output --partial 'invalid argument "maybe" for "--sig-proxy" flag'
}

@test "stats without --no-stream reports every interval until no container runs" {
	run -0 pea_cmd run -d --name short busybox sleep 3
	fe_wait_state short running
	run -0 timeout -k 5 30 "$PEA" "${FE_ARGS[@]}" stats -i 1 --no-reset --format '{{.Name}} {{.PIDS}}' short
	assert_line --index 0 "short 1"
	[[ "${#lines[@]}" -ge 2 ]]
	# its last report is the container's end
	assert_equal "${lines[-1]}" "short --"
}

@test "stop and rm -f of a paused container thaw it first; rm without -f refuses it" {
	run -0 pea_cmd run -d --name p1 busybox sleep 1000
	run -0 pea_cmd run -d --name p2 busybox sleep 1000
	run -0 pea_cmd pause p1 p2
	run -2 pea_cmd rm p1
	assert_output --partial 'running or paused containers cannot be removed without force'
	run -0 --separate-stderr pea_cmd stop -t 1 p1
	assert_output p1
	assert_regex "$stderr" 'StopSignal SIGTERM failed to stop container p1 in 1 seconds'
	assert_equal "$(pea_out inspect --format '{{.State.Status}}' p1)" exited
	run -0 pea_cmd rm -f p2
	run -125 --separate-stderr pea_cmd inspect p2
	assert_equal "$stderr" 'Error: inspecting object: no such object: "p2"'
	assert_output '[]'
	run -125 --separate-stderr pea_cmd inspect --type container p2
	assert_equal "$stderr" 'Error: inspecting object: no such container p2'
	run -125 --separate-stderr pea_cmd inspect --type image p2
	assert_equal "$stderr" 'Error: inspecting object: p2: image not known'
}

@test "ps and inspect show a paused container as paused" {
	run -0 pea_cmd run -d --name p busybox sleep 1000
	run -0 pea_cmd pause p
	run -0 pea_cmd ps -a --format '{{.Names}} {{.Status}} {{.State}}'
	assert_output 'p Paused paused'
	run -0 pea_cmd ps --format json
	assert_equal "$(jq -r '.[0].State' <<<"$output")" paused
	run -0 pea_cmd ps -a --filter status=paused --format '{{.Names}}'
	assert_output p
	run -0 pea_cmd ps -a --filter status=running --format '{{.Names}}'
	assert_output ''
	run -0 pea_cmd inspect --format '{{.State.Status}} {{.State.Paused}} {{.State.Running}}' p
	assert_output 'paused true false'
	run -0 pea_cmd unpause p
	run -0 pea_cmd inspect --format '{{.State.Status}} {{.State.Paused}} {{.State.Running}}' p
	assert_output 'running false true'
	run -0 pea_cmd ps --format '{{.Status}}'
	assert_output --regexp '^Up '
	# the mark is the record's (as podman's database): ps and inspect ask the
	# runtime nothing (its state hidden here), and it goes when the container ends
	run -0 pea_cmd pause p
	run -0 pea_cmd inspect --format '{{.Id}}' p
	mv "$FE_RUNROOT/runtime/$output" "$FE_RUNROOT/runtime-hidden"
	run -0 pea_cmd ps --format '{{.Names}} {{.State}}'
	assert_output 'p paused'
	# --sync asks the runtime (here it has no state: the record's word stays)
	run -0 pea_cmd ps --sync --format '{{.Names}} {{.State}}'
	assert_output 'p paused'
	mv "$FE_RUNROOT/runtime-hidden" "$FE_RUNROOT/runtime/$(pea_cmd inspect --format '{{.Id}}' p)"
	# frozen behind pea's back (the runtime's own pause): only --sync sees it
	run -0 pea_cmd unpause p
	run -0 "${PEA_FE_RUNTIME:-$PEA_RUNTIME}" --root "$FE_RUNROOT/runtime" pause \
		"$(pea_out inspect --format '{{.Id}}' p)"
	run -0 pea_cmd ps --format '{{.Names}} {{.State}}'
	assert_output 'p running'
	run -0 pea_cmd ps --sync --format '{{.Names}} {{.State}}'
	assert_output 'p paused'
	run -0 pea_cmd stop -t 0 p
	run -0 pea_cmd start p
	run -0 pea_cmd ps --format '{{.Names}} {{.State}}'
	assert_output 'p running'
	# a status filter pea does not know
	run -125 pea_cmd ps --filter status=frozen
	assert_output --partial 'invalid status "frozen"'
}

@test "stop: a missing name is 125, --ignore passes over it" {
	run -125 pea_cmd stop nosuchctr
	assert_output 'Error: no container with name or ID "nosuchctr" found: no such container'
	run -0 pea_cmd stop --ignore nosuchctr
	assert_output ""
	run -0 pea_cmd run -d --name s1 busybox sleep 1000
	run -0 pea_cmd stop -i -t 0 s1 nosuchctr2
	assert_output s1
	run -0 pea_cmd inspect --format '{{.State.Status}}' s1
	assert_output exited
	# without --ignore: the others are stopped, the status is 125
	run -0 pea_cmd start s1
	run -125 pea_cmd stop -t 0 nosuchctr3 s1
	assert_line s1
	assert_line --partial 'no container with name or ID "nosuchctr3" found'
}

@test "wait --condition: running, created, paused, stopped/exited; bad conditions refused" {
	run -0 pea_cmd create --name w1 busybox sh -c 'sleep 1000'
	run -0 pea_cmd wait --condition=created w1
	assert_output -- -1
	# a wait for running that polls while the start comes
	timeout -k 5 60 "$PEA" "${FE_ARGS[@]}" wait --condition running --interval 50ms w1 \
		>"$TEST_DIR/wait.out" 2>&1 3>&- &
	waiter=$!
	run -0 pea_cmd start w1
	wait "$waiter"
	assert_equal "$(cat "$TEST_DIR/wait.out")" -1
	run -0 pea_cmd pause w1
	run -0 pea_cmd wait --condition=paused -i 1s w1
	assert_output -- -1
	run -0 pea_cmd unpause w1
	run -3 pea_cmd run --name w2 busybox sh -c 'exit 3'
	run -0 pea_cmd container wait --condition=exited --condition=stopped w2
	assert_output 3
	run -0 pea_cmd wait --condition=running --condition=stopped w2
	assert_output 3
	run -125 pea_cmd wait --condition=sleeping w2
	assert_output 'Error: invalid condition "sleeping": use stopped, exited, running, created, configured or paused'
	run -125 pea_cmd wait --condition=healthy w2
	assert_output 'Error: --condition healthy: pea cannot wait for it'
	run -125 pea_cmd wait --interval=0 w2
	assert_output --partial 'invalid argument "0" for "-i, --interval" flag'
	run -125 pea_cmd wait --condition=running nosuchctr
	assert_output --partial 'no container with name or ID "nosuchctr" found'
}
