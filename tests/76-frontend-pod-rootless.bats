#!/usr/bin/env bats
# pea pod as an ordinary user (rootless): the pause image made in the user's
# store, members that share the infra's namespaces (pasta's network), the pod's
# /dev/shm mounted in the user's namespace, rm of the pod.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-frontend
load helpers/fe-rootless

FE_RL_NAME=pearl76p

@test "rootless: pod create, two members share net, ipc, uts and /dev/shm, pod rm -f" {
	run -0 pea_rl pod create --name rlpod
	run -0 pea_rl run -d --pod rlpod busybox sleep 100
	local a=${lines[-1]}
	run -0 pea_rl run -d --pod rlpod busybox sleep 100
	local b=${lines[-1]}
	local ns
	for ns in net ipc uts; do
		[[ "$(pea_rl exec "$a" readlink /proc/1/ns/$ns)" == \
			"$(pea_rl exec "$b" readlink /proc/1/ns/$ns)" ]] || fail "$ns not shared"
	done
	run -0 pea_rl exec "$a" hostname
	assert_output rlpod
	run -0 pea_rl exec "$a" touch /dev/shm/rl
	run -0 pea_rl exec "$b" ls /dev/shm/rl
	run -0 pea_rl pod ps --format '{{.Name}} {{.Status}} {{.NumberOfContainers}}'
	assert_output "rlpod Running 3"
	run -0 pea_rl pod rm -f -t 0 rlpod
	run -0 pea_rl ps -aq
	assert_output ""
	run -0 pea_rl pod ps -q
	assert_output ""
}
