#!/usr/bin/env bats
# pea generate systemd: unit files of containers and pods, as podman 4.3 writes them.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-frontend
load helpers/fe-file

teardown() {
	pea_cmd pod rm -af >/dev/null 2>&1 || true
	fe_teardown
}

# srv_run ARGS...: run a command through the file's server (under its subreaper, as pea_cmd
# runs pea), with its status, standard output and error.
srv_run() {
	local d i
	d="$(mktemp -d "$TEST_DIR/cmd.XXXXXX")"
	printf '%s\0' "$@" >"$d/argv"
	echo "$d" >"$FE_SERVER_DIR/fifo"
	for ((i = 0; i < 6000; i++)); do
		[[ -e "$d/rc" ]] && break
		sleep 0.01
	done
	[[ -e "$d/rc" ]] || { echo "srv_run: timed out: $*" >&2; return 124; }
	cat "$d/out"
	cat "$d/err" >&2
	return "$(cat "$d/rc")"
}

# unit_run FILE KEY: run KEY='s command line of a unit through the server.
unit_run() {
	srv_run timeout -k 5 60 bash -c "$(unit_cmd "$1" "$2")"
}

# pea_here ARGS...: pea in this shell (its environment and folder), for what makes no container.
pea_here() {
	timeout -k 5 60 "$PEA" "${FE_ARGS[@]}" "$@"
}

# unit_cmd FILE KEY: the command line of KEY= in a unit, its continued lines joined and the
# specifiers %t and %n replaced (as systemd would) by $TEST_DIR/rt and u.service.
unit_cmd() {
	awk -v k="$2=" 'index($0, k) == 1 { on = 1; $0 = substr($0, length(k) + 1) }
		on { c = sub(/\\$/, ""); printf "%s", $0; if (!c) exit }' "$1" | tr -d '\t' |
		sed "s#%t#$TEST_DIR/rt#g; s#%n#u.service#g; s#%%#%#g; s#[$][$]#\\\\\$#g"
}

@test "generate systemd: a unit that starts and stops the container there is" {
	run -0 pea_cmd create --name web --stop-timeout 7 busybox sleep 1000
	id="$output"
	run -0 pea_cmd generate systemd web
	assert_line --index 0 "# container-$id.service"
	assert_line "Environment=PODMAN_SYSTEMD_UNIT=%n"
	assert_line "Restart=on-failure"
	assert_line "TimeoutStopSec=67"
	assert_line "ExecStart=$PEA --root $FE_ROOT --runroot $FE_RUNROOT start $id"
	assert_line "	-t 7 $id"
	assert_line "PIDFile=$FE_ROOT/containers/$id/conmon.pid"
	assert_line "Type=forking"
	assert_line "WantedBy=default.target"
	# --name names the unit and the target after the container's name; -t, --no-header
	run -0 pea_cmd generate systemd --name -t 3 --no-header web
	assert_line --index 0 "[Unit]"
	assert_line "Description=pea container-web.service"
	assert_line "	-t 3 web"
	assert_line "TimeoutStopSec=63"
	echo "$output" >"$TEST_DIR/u.service"
	# what ExecStart runs starts the container; ExecStop stops it
	run unit_run "$TEST_DIR/u.service" ExecStart
	assert_success
	fe_wait_state web running
	[[ "$(cat "$FE_ROOT/containers/$id/conmon.pid")" -gt 1 ]]
	run -0 unit_run "$TEST_DIR/u.service" ExecStop
	fe_wait_state web exited
}

@test "generate systemd: a container's restart policy, warned about without --new" {
	run -0 pea_cmd create --restart=always --name a busybox true
	run -0 --separate-stderr pea_cmd generate systemd a
	assert_line "Restart=on-failure"
	[[ "$stderr" == *"Container "*" has restart policy \"always\" which can lead to issues on shutdown"* ]]
	run -0 pea_cmd generate systemd --new a
	assert_line "Restart=always"
	run -0 pea_cmd generate systemd --new --restart-policy=on-failure a
	assert_line "Restart=on-failure"
	run -0 pea_cmd create --restart=unless-stopped --name b busybox true
	run -0 pea_cmd generate systemd --new b
	assert_line "Restart=always"
	run -0 pea_cmd create --restart=on-failure:42 --name c busybox true
	run -0 pea_cmd generate systemd --new c
	assert_line "Restart=on-failure"
	assert_line "StartLimitBurst=42"
	run -0 pea_cmd generate systemd --new --restart-sec 5 --start-timeout 9 c
	assert_line "RestartSec=5"
	assert_line "TimeoutStartSec=9"
}

@test "generate systemd --new: pea run of the container's options, escaped for systemd" {
	run -0 pea_cmd create --name n1 -e 'A=x y' -e 'B=50%' -e 'C=$HOME' --label l=v \
		--entrypoint '["sh","-c"]' busybox 'printf "%s\n" "a b"; sleep 1000'
	FOO=value run -0 pea_here generate systemd --new -e FOO -e 'SP=a b' -e UNSET_HERE n1
	assert_line "Environment=FOO=value"
	assert_line 'Environment="SP=a b"'
	refute_line --partial UNSET_HERE
	assert_line "ExecStartPre=/bin/rm \\"
	assert_line "	--cidfile=%t/%n.ctr-id \\"
	assert_line "	--name n1 \\"
	assert_line '	-e "A=x y" \'
	assert_line '	-e B=50%% \'
	assert_line '	-e C=$$HOME \'
	# the create command as it was given (CreateCommand), as podman's
	assert_output --partial '	--label l=v \'$'\n''	--entrypoint "[\"sh\",\"-c\"]" busybox '
	assert_output --partial ' "printf \"%%s\\n\" \"a b\"; sleep 1000"'
	assert_line "PIDFile=%t/%n.pid"
	# mounts and the network mode go along (rbind and rw are defaults, left out)
	mkdir "$TEST_DIR/data"
	run -0 pea_cmd create --name n2 -v "$TEST_DIR/data:/data:ro" -v vol1:/v --tmpfs /scratch \
		--network none busybox true
	run -0 pea_cmd generate systemd --new n2
	assert_line "	-v $TEST_DIR/data:/data:ro \\"
	assert_line "	-v vol1:/v \\"
	assert_line "	--tmpfs /scratch \\"
	assert_line --regexp '^	--network none .*busybox.* true$'
	# --template: an instance per %i, a unit name with '@'
	run -0 pea_cmd generate systemd --template -n n1
	assert_line --index 0 "# container-n1@.service"
	assert_line "Description=pea container-n1.service for %I"
	assert_line "Environment=PODMAN_SYSTEMD_UNIT=%n-%i"
	assert_line "	--name n1-%i \\"
	# the unit runs: its ExecStart makes the container again, ExecStopPost removes it
	run -0 pea_cmd generate systemd --new n1
	echo "$output" >"$TEST_DIR/u.service"
	run -0 pea_cmd rm n1
	mkdir "$TEST_DIR/rt"
	run -0 unit_run "$TEST_DIR/u.service" ExecStartPre
	run -0 unit_run "$TEST_DIR/u.service" ExecStart
	fe_wait_state n1 running
	run -0 pea_cmd inspect --format '{{.ID}}' n1
	assert_equal "$(cat "$TEST_DIR/rt/u.service.ctr-id")" "$output"
	run -0 pea_cmd inspect --format '{{.Config.Env}}' n1
	assert_output --partial 'A=x y'
	assert_output --partial 'B=50%'
	assert_output --partial 'C=$HOME'
	run -0 pea_cmd logs n1
	assert_output 'a b'
	run -0 pea_cmd rm -f -t 0 n1
}

@test "generate systemd --new: the container's CreateCommand, -d, --rm, --replace as podman's" {
	local nl=$'\n' t=$'\t'
	run -0 pea_cmd run -d --rm --name r1 --cidfile "$TEST_DIR/cid" --label a=b busybox sleep 1000
	run -0 pea_cmd generate systemd --new r1
	# the global flags, then run, the unit's flags, the rest as given
	assert_output --partial "$t--runroot $FE_RUNROOT run \\$nl$t--cidfile=%t/%n.ctr-id \\$nl$t--conmon-pidfile=%t/%n.pid \\$nl$t--rm \\$nl$t--replace \\$nl$t-d \\$nl$t--name r1 \\$nl$t--label a=b busybox sleep 1000$nl"
	refute_output --partial "$TEST_DIR/cid"
	# a newline in a value cannot start a directive of its own: quoted, escaped
	run -0 pea_cmd create --name inj --label "x=a${nl}ExecStartPre=/bin/touch $TEST_DIR/pwned" \
		-e "V=1${nl}ExecStartPost=/bin/true" busybox true
	run -0 pea_cmd generate systemd --new inj
	refute_line --regexp '^ExecStart(Pre=/bin/touch|Post=/bin/true)'
	assert_output --partial '"x=a\nExecStartPre=/bin/touch'
	run -0 pea_cmd generate systemd inj
	refute_line --regexp '^ExecStart(Pre=/bin/touch|Post=/bin/true)'
	run -0 pea_cmd rm inj
	# inspect shows it as podman's Config.CreateCommand
	run -0 pea_cmd inspect --format '{{json .Config.CreateCommand}}' r1
	run -0 jq -r '.[1:] | join(" ")' <<<"$output"
	assert_output "--root $FE_ROOT --runroot $FE_RUNROOT run -d --rm --name r1 --cidfile $TEST_DIR/cid --label a=b busybox sleep 1000"
	run -0 pea_cmd rm -f -t 0 r1
	# not detached: -d added
	run -0 pea_cmd run --name r2 busybox true
	run -0 pea_cmd generate systemd --new r2
	assert_output --partial "$t--rm \\$nl$t-d \\$nl$t--replace \\$nl$t--name r2 busybox true$nl"
	# no name: none given to the unit's, no --replace
	run -0 pea_cmd create busybox true
	run -0 pea_cmd generate systemd --new "$output"
	assert_output --partial "$t--rm \\$nl$t-d busybox true$nl"
	# -e NAME took the value of create's environment: the unit's Environment= has it
	PEA_GEN_V='a b' run -0 pea_here create --name e1 -e PEA_GEN_V --env=PEA_GEN_V -e X=1 busybox true
	run -0 pea_cmd generate systemd --new e1
	assert_line 'Environment="PEA_GEN_V=a b"'
	assert_equal "$(grep -c PEA_GEN_V= <<<"$output")" 1
	refute_line --partial 'Environment=X='
	assert_output --partial "$t-e PEA_GEN_V \\$nl$t--env=PEA_GEN_V \\$nl$t-e X=1 busybox true$nl"
}

@test "generate systemd: a pod's unit and its containers', --files, --format json" {
	run -0 pea_cmd pod create --name p1
	run -0 pea_cmd create --pod p1 --name m1 busybox sleep 1000
	run -0 pea_cmd generate systemd --name p1
	assert_line "# pod-p1.service"
	assert_line "# container-m1.service"
	assert_line "Wants=container-m1.service"
	assert_line "Before=container-m1.service"
	assert_line "BindsTo=pod-p1.service"
	assert_line --regexp "^ExecStart=.* start [0-9a-f]{12}-infra$"
	run -0 pea_cmd generate systemd --new --name p1
	assert_line "	--pod-id-file %t/pod-p1.pod-id \\"
	assert_line "	--pod-id-file %t/pod-p1.pod-id"
	run -0 pea_cmd generate systemd --name --format json p1
	assert_equal "$(jq -r 'keys | join(" ")' <<<"$output")" "container-m1 pod-p1"
	mkdir "$TEST_DIR/files"
	cd "$TEST_DIR/files"
	run -0 pea_here generate systemd --files --name --container-prefix=ctr --separator=_ p1
	assert_line "$TEST_DIR/files/pod_p1.service"
	assert_line "$TEST_DIR/files/ctr_m1.service"
	grep -qx "BindsTo=pod_p1.service" "$TEST_DIR/files/ctr_m1.service"
}

@test "generate systemd: bad input is refused with podman's errors, no file written" {
	run -0 pea_cmd create --name x busybox true
	run -0 pea_cmd pod create --name p1
	mkdir "$TEST_DIR/files"
	cd "$TEST_DIR/files"
	run -125 pea_cmd generate systemd
	assert_output "Error: accepts 1 arg(s), received 0"
	run -125 pea_cmd generate systemd x x
	assert_output "Error: accepts 1 arg(s), received 2"
	run -125 pea_here generate systemd --files --restart-policy=bogus x
	assert_output "Error: bogus is not a valid restart policy"
	run -125 pea_here generate systemd --files --new=false --template x
	assert_output "Error: --template cannot be set with --new=false"
	run -125 pea_cmd generate systemd --new=maybe x
	assert_output --partial 'invalid argument "maybe" for "new" flag'
	run -125 pea_here generate systemd --files --new --template p1
	assert_output "Error: --template is not supported for pods"
	run -125 pea_here generate systemd --files nothere
	assert_output --partial "Error: nothere does not refer to a container or pod"
	run -125 pea_cmd generate systemd --format yaml x
	assert_output --partial "unknown --format argument: yaml"
	run -125 pea_cmd generate systemd -t soon x
	assert_output --partial 'invalid argument "soon" for "time" flag'
	run -125 pea_here generate systemd --files --format json x
	run -125 pea_cmd generate nope
	assert_output --partial 'unrecognized command `pea generate nope`'
	assert_equal "$(ls -A "$TEST_DIR/files")" ""
	# generate kube is still there
	run -0 pea_cmd generate kube x
	assert_line "kind: Pod"
}
