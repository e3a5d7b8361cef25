#!/usr/bin/env bats
# pea kube play|down|generate as an ordinary user (rootless): the pod, its containers and a
# PersistentVolumeClaim's volume made in the user's store, through pea's own CLI.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-frontend
load helpers/fe-rootless

FE_RL_NAME=pearl79k

teardown() {
	fe_rl_test_teardown
	pea_rl volume rm -f rlkvol >/dev/null 2>&1 || true
}

@test "rootless: kube play of a Pod with a hostPath and a claim, kube generate, kube down" {
	local dir=$FE_RL_HOME/kube
	mkdir -p "$dir/data"
	echo from-host >"$dir/data/f"
	cat >"$dir/pod.yaml" <<YAML
kind: Pod
metadata: {name: rlk}
spec:
  restartPolicy: Never
  containers:
  - name: c
    image: busybox
    command: [sleep, "100"]
    volumeMounts:
    - {name: host, mountPath: /host, readOnly: true}
    - {name: claim, mountPath: /claim}
  volumes:
  - {name: host, hostPath: {path: $dir/data, type: Directory}}
  - {name: claim, persistentVolumeClaim: {claimName: rlkvol}}
---
kind: PersistentVolumeClaim
metadata: {name: rlkvol}
YAML
	chown -R "$FE_RL_UID:$FE_RL_GID" "$dir"
	run -0 pea_rl kube play "$dir/pod.yaml"
	assert_line --index 0 "Volumes:"
	assert_line --index 1 rlkvol
	assert_line --index 2 "Pod:"
	assert_line --index 4 "Container:"
	run -0 pea_rl exec rlk-c sh -c 'cat /host/f; echo x >/claim/y; cat /claim/y'
	assert_output $'from-host\nx'
	run -0 pea_rl kube generate rlk
	assert_output --partial "name: rlk"
	assert_output --partial "- sleep"
	run -0 pea_rl kube down "$dir/pod.yaml"
	assert_line --index 0 "Pods stopped:"
	run -0 pea_rl ps -aq
	assert_output ""
	run -0 pea_rl volume ls -q
	assert_output rlkvol
}
