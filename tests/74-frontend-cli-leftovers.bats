#!/usr/bin/env bats
# pea's command line as podman 4.3's where it was left behind (issue #11's leftovers):
# the global flags after a command's name (cobra's persistent flags), diff of two
# containers or images, help's Aliases: and Examples:, the runtime's own error under -t,
# the network events' fields, kube play's io.containers.sdnotify annotations and the
# words of an invalid log driver.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-frontend
load helpers/fe-file
load helpers/notify

# pea_late ARGS...: pea_cmd without the global options in front: the test puts them after.
pea_late() {
	local FE_ARGS=()
	pea_cmd "$@"
}

@test "global flags after the command: --root, --runroot, --log-level, --events-backend" {
	local roots=(--root "$FE_ROOT" --runroot "$FE_RUNROOT")
	[[ -z "${PEA_FE_RUNTIME:-}" ]] || roots+=(--runtime "$PEA_FE_RUNTIME")
	[[ -z "${PEA_FE_CONMON:-}" ]] || roots+=(--conmon "$PEA_FE_CONMON")
	run -0 pea_late run -d --name c1 "${roots[@]}" busybox sleep 100
	cid=$output
	# after the operands too (the options of ps, logs, images are interspersed)
	run -0 pea_late ps --format '{{.Names}}' "${roots[@]}"
	assert_output c1
	run -0 pea_late images "--root=$FE_ROOT" "--runroot=$FE_RUNROOT" --format '{{.Repository}}'
	assert_output localhost/busybox
	run -0 pea_late inspect c1 "${roots[@]}" --format '{{.Id}}'
	assert_output "$cid"
	# run's --rootfs does not take --root=X as its prefix (cobra takes no prefixes)
	run -0 pea_late run --rm "--root=$FE_ROOT" "--runroot=$FE_RUNROOT" \
		"${roots[@]:4}" busybox echo hi
	assert_output hi
	# --log-level after the command, its wrong value podman's bare line and status 1
	run -0 pea_cmd images --log-level=debug
	assert_output --regexp 'level=debug msg="running .*pea-storage'
	run -1 pea_cmd ps --log-level=telepathic
	assert_output 'Log Level "telepathic" is not supported, choose from: trace, debug, info, warn, warning, error, fatal, panic'
	# the events backend of this command only: none writes nothing
	run -0 pea_cmd run --rm --events-backend none --name quiet busybox true
	run -0 pea_cmd run --rm --name loud busybox true --events-backend=none
	run -0 pea_cmd events --stream=false --format '{{.Name}}' --events-backend file
	# whole lines: a generated name (run --rm above has none) may hold the word ("quiet_garden")
	refute_line quiet
	assert_line loud
	# 035-logs' order: the backend after logs, before its operand
	run -0 pea_cmd logs --events-backend=file c1
	run -0 pea_cmd rm -f -t 0 c1 --log-level=error
}

@test "global flags after the command: the root command's own and the bad ones" {
	# --noout, --remote, --url, --debug are the root command's: unknown after a command's name
	run -125 pea_cmd ps --noout
	assert_output $'Error: unknown flag: --noout\nSee \'pea ps --help\''
	run -125 pea_cmd ps --url=unix:/x
	assert_output --partial 'Error: unknown flag: --url'
	run -125 pea_cmd ps --root
	assert_output $'Error: flag needs an argument: --root\nSee \'pea ps --help\''
	run -125 pea_cmd ps --cgroup-manager=foo
	assert_output "Error: invalid cgroup manager 'foo': use cgroupfs"
	run -125 pea_cmd ps --events-backend=foo
	assert_output "Error: invalid events backend 'foo': use file, journald or none"
	run -125 pea_cmd ps --syslog=maybe
	assert_output --partial 'invalid argument "maybe" for "syslog" flag'
	run -0 pea_cmd ps --syslog=false --trace --tmpdir /tmp --cgroup-manager cgroupfs -q
	# an unknown letter inside a cluster after a global flag is the error, not that flag again
	run -125 pea_late ps --root="$FE_ROOT" --runroot="$FE_RUNROOT" -Za
	assert_output $'Error: unknown shorthand flag: \'Z\' in -Z\nSee \'pea ps --help\''
	run -125 pea_cmd ps --log-level=info -aZ
	assert_output --partial "unknown shorthand flag: 'Z'"
	# a command's own flag of the same name wins: run's --runtime, --storage-opt
	run -0 pea_cmd create --name own --runtime "$PEA_RUNTIME" busybox true
	run -0 pea_cmd inspect --format '{{.OCIRuntime}}' own
	assert_output "$PEA_RUNTIME"
	# unshare: its flags before the command, podman's words as root
	run -125 pea_cmd unshare --log-level=error true
	assert_output 'Error: please use unshare with rootless'
	# help lists a command's own flags only (podman prints no "Global Flags:")
	run -0 pea_cmd ps --help
	refute_output --partial -- '--root'
	refute_output --partial 'Global'
}

@test "an invalid log driver: podman's words (its 030-run), nothing made" {
	run -125 pea_cmd run --log-driver=InvalidDriver busybox true
	assert_output 'Error: running container create option: invalid log driver: invalid argument'
	run -125 pea_cmd create --log-opt driver=bogus busybox true
	assert_output 'Error: running container create option: invalid log driver: invalid argument'
	run -125 pea_cmd create --log-driver '' busybox true
	assert_output 'Error: running container create option: log driver must be set: invalid argument'
	run -0 pea_cmd ps -aq
	assert_output ''
}

@test "events: network connect and disconnect with podman's fields (network, not Network)" {
	require_cmd jq
	run -0 pea_cmd network create fenet
	run -0 pea_cmd create --network none --name nc1 busybox true
	cid=$output
	run -0 pea_cmd network connect fenet nc1
	run -0 pea_cmd network disconnect fenet nc1
	run -0 pea_cmd events --stream=false --filter type=network --format json
	run -0 jq -c '[.ID, .Name, .network, .Status, .Type, has("Network")]' <<<"$output"
	assert_output "[\"$cid\",\"nc1\",\"fenet\",\"connect\",\"network\",false]
[\"$cid\",\"nc1\",\"fenet\",\"disconnect\",\"network\",false]"
	run -0 pea_cmd events --stream=false --filter type=network
	assert_line --index 0 --regexp " network connect $cid \(container=$cid, name=fenet\)$"
	assert_line --index 1 --regexp " network disconnect $cid \(container=$cid, name=fenet\)$"
	run -0 pea_cmd events --stream=false --filter type=network --format '{{.Network}} {{.Status}}'
	assert_output $'fenet connect\nfenet disconnect'
	run -0 pea_cmd rm nc1
	run -0 pea_cmd network rm fenet
}

@test "run -t: a runtime that fails without a terminal (crun, a missing executable): its own error, 127" {
	require_cmd crun
	# crun closes the console socket without a terminal; the monitor said "the runtime
	# sent no terminal on the console socket" (126) and hid crun's error
	run -127 pea_cmd --runtime crun run --rm -t busybox /nonexistent
	assert_output 'Error: executable file `/nonexistent` not found in $PATH: No such file or directory: OCI runtime attempted to invoke a command that was not found'
	run -127 pea_cmd --runtime crun --conmon "$PEA_MONITOR" run --rm -it busybox /nonexistent
	assert_output --partial 'executable file `/nonexistent` not found'
	refute_output --partial 'no terminal'
	# pea-runtime's, for comparison: the same path
	run -127 pea_cmd run --rm -t busybox /nonexistent
	assert_output --partial "cannot execute '/nonexistent': No such file or directory: OCI runtime attempted to invoke a command that was not found"
	# the global --runtime is the container's (podman's): its start uses crun again
	run -0 pea_cmd --runtime crun create -t --name rt1 busybox /nonexistent
	run -0 pea_cmd inspect --format '{{.OCIRuntime}}' rt1
	assert_output "$(command -v crun)"
	run -127 pea_cmd start -a rt1
	assert_output --partial 'executable file `/nonexistent` not found'
	run -0 pea_cmd rm rt1
	# exec -t: the error once (the runtime's own stderr repeated it before)
	run -0 pea_cmd run -d --name ex busybox sleep 100
	run -127 pea_cmd exec -t ex /nonexistent
	assert_output "Error: process.args[0]: cannot execute '/nonexistent': No such file or directory: OCI runtime attempted to invoke a command that was not found"
	run -0 pea_cmd rm -f -t 0 ex
	run -0 pea_cmd ps -aq
	assert_output ''
}

@test "diff of two containers or images: the changes from the second's files to the first's" {
	run -0 pea_cmd run --name d1 busybox sh -c 'echo hi >/tmp/new; mkdir -p /etc/x/y; echo z >/etc/x/y/z; rm -rf /home; echo >>/etc/passwd'
	run -0 pea_cmd diff d1 busybox
	assert_output $'C /etc\nC /etc/passwd\nA /etc/x\nA /etc/x/y\nA /etc/x/y/z\nD /home\nC /tmp\nA /tmp/new'
	# the other way round (the image first: mounted before the container)
	run -0 pea_cmd diff busybox d1
	assert_output $'C /etc\nC /etc/passwd\nD /etc/x\nA /home\nC /tmp\nD /tmp/new'
	run -0 pea_cmd diff --format json d1 busybox
	run -0 jq -c . <<<"$output"
	assert_output '{"changed":["/etc","/etc/passwd","/tmp"],"added":["/etc/x","/etc/x/y","/etc/x/y/z","/tmp/new"],"deleted":["/home"]}'
	# two containers: what the engine makes in each (/etc/hosts, ...) left out
	run -0 pea_cmd run --name d2 busybox sh -c 'echo other >/tmp/new'
	run -0 pea_cmd diff d2 d1
	assert_output $'C /etc\nC /etc/passwd\nD /etc/x\nA /home\nC /tmp\nC /tmp/new'
	run -0 pea_cmd diff busybox localhost/busybox:latest
	assert_output ''
	# the mounts it made are gone
	run -0 pea_cmd mount
	assert_output ''
	run -125 pea_cmd diff d1 nope
	assert_output 'Error: nope not found: no container or image with that name or ID'
	run -125 pea_cmd diff d1 d2 d1
	assert_output 'Error: accepts between 1 and 2 arg(s), received 3'
	run -125 pea_cmd diff
	assert_output 'Error: "pea diff" requires a name, id, or the "--latest" flag'
	run -125 pea_cmd diff -l d1
	assert_output 'Error: --latest and containers cannot be used together'
}

teardown() {
	listen_stop
	fe_file_teardown
}

# pea_with_socket SOCKET ARGS...: pea_cmd with NOTIFY_SOCKET=SOCKET in pea's environment.
pea_with_socket() {
	local real=$PEA
	local PEA=/usr/bin/env
	local FE_ARGS=("NOTIFY_SOCKET=$1" "$real" "${FE_ARGS[@]}")
	shift
	pea_cmd "$@"
}

# kube_notify_yaml FILE POD-MODE B-MODE: a pod of two containers a and b with podman's
# io.containers.sdnotify annotations (an empty mode: no annotation).
kube_notify_yaml() {
	{
		printf 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: kn\n  annotations:\n    x: y\n'
		[[ -z $2 ]] || printf '    io.containers.sdnotify: "%s"\n' "$2"
		[[ -z $3 ]] || printf '    io.containers.sdnotify/b: "%s"\n' "$3"
		printf 'spec:\n  containers:\n'
		printf '  - name: %s\n    image: localhost/busybox\n    command: ["sleep", "100"]\n' a b
	} >"$1"
}

@test "kube play: io.containers.sdnotify annotations, the play's own sockets, the service's READY" {
	require_cmd python3
	local y=$TEST_DIR/kn.yaml SOCK=$TEST_DIR/notify.sock NLOG=$TEST_DIR/notify.log
	# none: ignore, as podman's kube default
	kube_notify_yaml "$y" "" ""
	run -0 pea_cmd kube play --start=false "$y"
	run -0 pea_cmd inspect --format '{{.Config.SdNotifyMode}}' kn-a kn-b
	assert_output $'ignore\nignore'
	run -0 pea_cmd kube down "$y"
	# the pod's mode, one container's own: the containers of a mode other than ignore get
	# a socket of the play's (not its NOTIFY_SOCKET); conmon's READY=1 comes at the start
	listen
	kube_notify_yaml "$y" conmon ignore
	run -0 pea_cmd kube play "$y"
	run -0 pea_cmd inspect --format '{{.Config.SdNotifyMode}}' kn-a kn-b
	assert_output $'conmon\nignore'
	run -0 pea_cmd inspect --format '{{.Config.SdNotifySocket}}' kn-a
	assert_output --regexp '^/.*/pea-notify-[^/]+/notify\.sock$'
	# the play's sockets are gone with it
	[[ ! -e $output ]]
	run -0 pea_cmd kube down "$y"
	# a play with NOTIFY_SOCKET and --service-container: MAINPID (the service container's
	# monitor) and READY=1 once the pods run; the containers' go to their own sockets
	: >"$NLOG"
	run -0 pea_with_socket "$SOCK" kube play --service-container "$y"
	svc=$(sha256sum "$y")
	svc="${svc:0:12}-service"
	run -0 pea_cmd inspect --format '{{.State.ConmonPid}}' "$svc"
	mainpid=$output
	for _ in $(seq 100); do [[ -s $NLOG ]] && break; sleep 0.05; done
	run -0 cat "$NLOG"
	assert_output "MAINPID=$mainpid
READY=1"
	run -0 pea_cmd kube down "$y"
	# container mode: the socket is the container's to say READY=1 on (not waited for
	# with --start=false)
	kube_notify_yaml "$y" "" container
	run -0 pea_cmd kube play --start=false "$y"
	run -0 pea_cmd inspect --format '{{.Config.SdNotifyMode}}' kn-a kn-b
	assert_output $'ignore\ncontainer'
	run -0 pea_cmd kube down "$y"
	# a bad mode: podman's words, nothing made
	kube_notify_yaml "$y" bogus ""
	run -125 pea_cmd kube play "$y"
	assert_output 'Error: invalid argument: invalid sdnotify value "bogus": must be container, conmon or ignore'
	kube_notify_yaml "$y" "" Conmon
	run -125 pea_cmd kube play "$y"
	assert_output 'Error: invalid argument: invalid sdnotify value "Conmon": must be container, conmon or ignore'
	run -0 pea_cmd pod ps -q
	assert_output ''
}

@test "kube play: a container of sdnotify mode container that exits without READY=1 fails the play, no wait for ever" {
	local y=$TEST_DIR/kx.yaml
	printf '%s\n' 'apiVersion: v1' 'kind: Pod' 'metadata:' '  name: kx' '  annotations:' \
		'    io.containers.sdnotify/b: "container"' 'spec:' '  containers:' \
		'  - name: a' '    image: localhost/busybox' '    command: ["sleep", "100"]' \
		'  - name: b' '    image: localhost/busybox' '    command: ["true"]' >"$y"
	run -125 pea_cmd kube play "$y"
	assert_output --partial "container 'kx-b' exited before it sent READY=1"
	# nothing of the play is left
	run -0 pea_cmd pod ps -q
	assert_output ''
	run -0 pea_cmd ps -aq
	assert_output ''
}

@test "help: podman's Aliases: and Examples:, the usage naming the command, not its alias" {
	run -0 pea_cmd container ls --help
	assert_output --partial $'Usage:\n  pea container list [options]\n\nAliases:\n  list, ls\n\nExamples:\n  pea container list --all\n'
	run -0 pea_cmd run --help
	assert_output --partial $'Examples:\n  pea run --rm busybox echo hello\n'
	refute_output --partial 'Aliases:'
	# the examples are pea's own: one command's lines under each of its paths
	run -0 pea_cmd container run --help
	assert_output --partial $'Examples:\n  pea container run --rm busybox echo hello\n'
	# a template in an example is no field --format completes
	run -0 pea_cmd network inspect --help
	assert_output --partial "{{.Subnet}}"
	run -0 pea_cmd __completeNoDesc network inspect --format '{{.'
	refute_output --partial "{{.Subnet}}"
	# the sections before Options:, as podman's template has them
	run -0 pea_cmd ps --help
	assert_output --regexp $'Usage:\n  pea ps \\[options\\]\n\nExamples:\n  pea ps --all\n(.*\n)*\nOptions:\n'
	run -0 pea_cmd pod ls --help
	assert_output --partial $'  pea pod ps [options]\n\nAliases:\n  ps, ls, list\n'
	run -0 pea_cmd volume list --help
	assert_output --partial $'  pea volume ls [options]\n\nAliases:\n  ls, list\n'
	# a command without either: none
	run -0 pea_cmd container cleanup --help
	refute_output --partial 'Aliases:'
	# run as podman: podman's name in them; umount is unmount's alias, not a command listed
	ln -s "$PEA" "$TEST_DIR/podman"
	run -0 "$TEST_DIR/podman" "${FE_ARGS[@]}" umount --help
	assert_output --partial $'Usage:\n  podman unmount [options] CONTAINER [CONTAINER...]\n\nAliases:\n  unmount, umount\n\nExamples:\n  podman unmount web\n'
	run -0 pea_cmd --help
	refute_line --regexp '^  umount '
	assert_line --regexp '^  unmount '
}

@test "global flags between a group and its command (podman's container --log-level=debug ps)" {
	local roots=(--root "$FE_ROOT" --runroot "$FE_RUNROOT")
	run -0 pea_late run -d --name g1 "${roots[@]}" busybox sleep 100
	run -0 pea_late container "${roots[@]}" ps --format '{{.Names}}'
	assert_output g1
	run -0 pea_late image "--root=$FE_ROOT" --log-level=debug "--runroot=$FE_RUNROOT" ls --format '{{.Repository}}'
	assert_output --partial localhost/busybox
	assert_output --partial 'level=debug'
	# the root command's own, and another flag: cobra's words for the group
	run -125 pea_cmd container --noout ps
	assert_output $'Error: unknown flag: --noout\nSee \'pea container --help\''
	run -125 pea_cmd image -x ls
	assert_output $'Error: unknown shorthand flag: \'x\' in -x\nSee \'pea image --help\''
	run -0 pea_cmd rm -f -t 0 g1
}
