#!/usr/bin/env bats
# pea's command line as an ordinary user (rootless) where its path differs from root's:
# the global flags after a command's name once pea is in the user's namespaces
# (unshare parses its own), kube play's sd-notify sockets made and waited on as the user;
# issue #11's leftovers (74-frontend-cli-leftovers as root).
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-frontend
load helpers/fe-rootless

FE_RL_NAME=pearl76c

@test "rootless: global flags after the command, unshare's before its command" {
	local other=$FE_RL_HOME/other
	run -0 pea_rl unshare --log-level=error sh -c 'echo $CONTAINERS_GRAPHROOT'
	assert_output "$FE_RL_HOME/.local/share/pea"
	run -0 pea_rl unshare --root "$other" --runroot "$FE_RL_XDG/other" -- \
		sh -c 'echo $CONTAINERS_GRAPHROOT $CONTAINERS_RUNROOT'
	assert_output "$other $FE_RL_XDG/other"
	run -125 pea_rl unshare --noout true
	assert_output --partial 'Error: unknown flag: --noout'
	# a store of its own named after the command: empty, the default one untouched
	run -0 pea_rl run -d --name rl1 busybox sleep 100
	run -0 pea_rl ps -a --format '{{.Names}}' --root "$other" --runroot "$FE_RL_XDG/other"
	assert_output ''
	run -0 pea_rl images -q --root="$other" --runroot="$FE_RL_XDG/other"
	assert_output ''
	run -0 pea_rl ps --format '{{.Names}}' --log-level=debug
	assert_output rl1
	run -0 pea_rl images --log-level=debug
	assert_output --regexp 'level=debug msg="running .*pea-storage'
	run -0 pea_rl rm -f -t 0 rl1 --log-level error
}

@test "rootless: kube play's io.containers.sdnotify: the play's socket, conmon's READY=1 waited for" {
	local y=$FE_RL_HOME/kn.yaml
	cat >"$y" <<YAML
kind: Pod
metadata:
  name: rkn
  annotations:
    io.containers.sdnotify: conmon
    io.containers.sdnotify/b: ignore
spec:
  containers:
  - {name: a, image: busybox, command: [sleep, "100"]}
  - {name: b, image: busybox, command: [sleep, "100"]}
YAML
	chown "$FE_RL_UID:$FE_RL_GID" "$y"
	# the play returns: the monitor of a, in the user's namespaces, said READY=1 to it
	run -0 pea_rl kube play "$y"
	run -0 pea_rl inspect --format '{{.Config.SdNotifyMode}} {{.State.Status}}' rkn-a rkn-b
	assert_output $'conmon running\nignore running'
	run -0 pea_rl inspect --format '{{.Config.SdNotifySocket}}' rkn-a
	assert_output --regexp '/pea-notify-[^/]+/notify\.sock$'
	[[ ! -e $output ]]
	run -0 pea_rl kube down "$y"
}
