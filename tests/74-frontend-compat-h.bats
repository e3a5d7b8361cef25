#!/usr/bin/env bats
# podman's CLI where its own test/system checks it (015-help, 610-format,
# 600-completion, 070-build, 700-play), and the review's fixes of manifest push,
# __complete and the secrets store.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-frontend

setup_file() {
	ensure_fixtures
	export REGISTRY_AUTH_FILE="$BATS_FILE_TMPDIR/auth.json"
	fe_server_start
}

teardown_file() {
	fe_server_stop
	registry_stop
}

setup() {
	require_root
	require_cmd "$PEA"
	require_cmd tini
	fe_setup
}

teardown() {
	rm -f "$TEST_DIR/rt-refuse"
	fe_teardown
	registry_stop
}

@test "manifest push: two pushes of one list at once, each in a folder of its own" {
	fe_load_busybox
	registry_start
	run -0 pea_cmd manifest create pl
	run -0 pea_cmd manifest add pl busybox
	local pids=() i
	for i in 1 2 3; do
		timeout -k 5 120 "$PEA" "${FE_ARGS[@]}" manifest push -q --tls-verify=false pl \
			"$REGISTRY_ADDR/x/pl$i:1" >"$TEST_DIR/push$i.out" 2>&1 3>&- &
		pids+=("$!")
	done
	for i in 0 1 2; do
		wait "${pids[$i]}" || { cat "$TEST_DIR/push$((i + 1)).out"; false; }
	done
	for i in 1 2 3; do
		run -0 curl -sf --max-time 30 \
			-H 'Accept: application/vnd.docker.distribution.manifest.list.v2+json' \
			"http://$REGISTRY_ADDR/v2/x/pl$i/manifests/1"
		assert_equal "$(jq -r '.manifests | length' <<<"$output")" 1
	done
	[[ -z "$(ls "$FE_RUNROOT/tmp" 2>/dev/null)" ]]
}

@test "__complete cp: a name typed before ':' is never taken for an option of mount/unmount" {
	fe_load_busybox
	run -0 pea_cmd create --name c1 busybox true
	run -0 pea_cmd mount c1
	local mp="$output" w
	for w in "--all:" "-a:" "--all:/etc" "--:"; do
		run -0 pea_cmd __completeNoDesc cp "$w"
		assert_output $':0\nCompletion ended with directive: ShellCompDirectiveDefault'
		# the user's mount is still there
		run -0 pea_cmd mount
		assert_output --partial "  $mp"
		grep -q " $mp " /proc/self/mounts
	done
	run -0 pea_cmd unmount c1
	run -0 pea_cmd mount
	assert_output ""
}

@test "secret: data that no record names (a crash between data and records) is removed on open" {
	printf 'hello' >"$TEST_DIR/s.txt"
	run -0 pea_cmd secret create s1 "$TEST_DIR/s.txt"
	local id1="$output" d="$FE_ROOT/secrets/filedriver"
	printf 'leaked' >"$d/0123456789abcdef012345678"
	printf 'tmp' >"$d/.tmp-0123456789abcdef"
	chmod 600 "$d/0123456789abcdef012345678"
	run -0 pea_cmd secret ls --noheading --format '{{.Name}}'
	assert_output s1
	[[ "$(ls -A "$d")" == "$id1" ]]
	[[ "$(cat "$d/$id1")" == hello ]]
	# a record removed with its data left behind (rm killed between): the data goes too
	jq --arg i "$id1" 'del(.secrets[$i]) | del(.idToName[$i]) | del(.nameToID.s1)' \
		"$FE_ROOT/secrets/secrets.json" >"$TEST_DIR/s.json"
	cp "$TEST_DIR/s.json" "$FE_ROOT/secrets/secrets.json"
	run -0 pea_cmd secret ls -q
	assert_output ""
	[[ -z "$(ls -A "$d")" ]]
}

@test "run --env-host and the proxies: over the image's ENV, under --env-file and -e (070-build)" {
	fe_load_busybox
	mkdir -p "$TEST_DIR/ctx"
	printf 'FROM busybox\nENV MYENV2=image MYENV3=image http_proxy=image-proxy\n' \
		>"$TEST_DIR/ctx/Containerfile"
	run -0 pea_cmd build -q -t envimg "$TEST_DIR/ctx"
	printf 'MYENV3=file\n' >"$TEST_DIR/env-file"
	run -0 env MYENV2=host MYENV3=host timeout -k 5 30 "$PEA" "${FE_ARGS[@]}" run --rm \
		--env-file="$TEST_DIR/env-file" --env-host -e X=1 envimg \
		sh -c 'echo $MYENV2 $MYENV3 $X'
	assert_output "host file 1"
	# without --env-host: the image's, but the host's proxies over it (podman's --http-proxy)
	run -0 env MYENV2=host http_proxy=host-proxy timeout -k 5 30 "$PEA" "${FE_ARGS[@]}" run \
		--rm envimg sh -c 'echo $MYENV2 $http_proxy'
	assert_output "image host-proxy"
	run -0 env http_proxy=host-proxy timeout -k 5 30 "$PEA" "${FE_ARGS[@]}" run --rm \
		-e http_proxy=mine envimg sh -c 'echo $http_proxy'
	assert_output "mine"
}

@test "run --secret: a read-only file (/run/secrets/NAME, target, uid, gid, mode) or a variable" {
	fe_load_busybox
	printf 'hush' >"$TEST_DIR/s.txt"
	run -0 pea_cmd secret create mysec "$TEST_DIR/s.txt"
	run -0 pea_cmd run --rm --secret mysec busybox \
		sh -c 'cat /run/secrets/mysec; echo; stat -c "%a %u %g" /run/secrets/mysec; echo x 2>/dev/null >/run/secrets/mysec || echo ro'
	assert_output --partial $'hush\n444 0 0\n'
	assert_line --index -1 ro
	run -0 pea_cmd run --rm --secret mysec,target=other,uid=1,gid=2,mode=0400 \
		--secret source=mysec,type=mount,target=/etc/sec busybox \
		sh -c 'stat -c "%a %u %g" /run/secrets/other; cat /etc/sec'
	assert_output $'400 1 2\nhush'
	run -0 pea_cmd run --rm --secret mysec,type=env --secret mysec,type=env,target=OTHER \
		busybox sh -c 'echo $mysec $OTHER; ls /run/secrets 2>/dev/null | wc -l'
	assert_output $'hush hush\n0'
	# not in the record's environment (inspect)
	run -0 pea_cmd create --name c1 --secret mysec,type=env busybox true
	run -0 pea_cmd inspect --format '{{.Config.Env}}' c1
	refute_output --partial hush
	# a created container keeps the secret's data only as long as the secret is there
	run -0 pea_cmd start -a c1
	run -0 pea_cmd secret rm mysec
	run -125 pea_cmd start c1
	assert_output --partial 'no secret with name or id "mysec": no such secret'
}

@test "run --secret: errors in one line, nothing made" {
	fe_load_busybox
	printf 'hush' >"$TEST_DIR/s.txt"
	run -0 pea_cmd secret create mysec "$TEST_DIR/s.txt"
	local a
	local -A want=(
		[nosuch]='Error: no secret with name or id "nosuch": no such secret'
		[mysec,type=file]='Error: type file is invalid: error parsing secret'
		[mysec,bogus]='Error: option bogus must be in form option=value: error parsing secret'
		[mysec,x=1]='Error: option x=1 invalid: error parsing secret'
		[mysec,type=env,uid=1]='Error: UID, GID, Mode options cannot be set with secret type env: error parsing secret'
		[mysec,mode=9]='Error: mode 9 invalid: error parsing secret'
		[mysec,uid=-1]='Error: UID -1 invalid: error parsing secret'
		[type=mount]='Error: no source found type=mount: error parsing secret'
		[mysec,type=env,type=mount]='Error: cannot set more than one secret type: error parsing secret'
		[mysec,target=/a/../b]='Error: secret mysec: invalid target "/a/../b"'
	)
	for a in "${!want[@]}"; do
		run -125 pea_cmd run --rm --name c1 --secret "$a" busybox true
		assert_output "${want[$a]}"
	done
	run -0 pea_cmd ps -a -q
	assert_output ""
}

# a container's State.Running becomes want (the pod's exit policy acts in the monitors' cleanup)
h_wait_running() {
	local i
	for i in $(seq 1 60); do
		[[ "$(pea_out container inspect --format '{{.State.Running}}' "$1")" == "$2" ]] && return 0
		sleep 0.25
	done
	echo "container $1: State.Running never became $2" >&2
	return 1
}

@test "kube play --service-container: tied to its pod's life (start, stop, kill, rm) (700-play)" {
	fe_load_busybox
	local y="$TEST_DIR/test.yaml" svc
	cat >"$y" <<Y
apiVersion: v1
kind: Pod
metadata:
  labels:
    app: test
  name: test_pod
spec:
  containers:
  - command:
    - top
    image: busybox
    name: test
    resources: {}
Y
	run -0 pea_cmd kube play --service-container=true "$y"
	svc="$(sha256sum "$y" | cut -c1-12)-service"
	run -0 pea_cmd container inspect --format '{{.State.Running}} {{.IsService}}' "$svc"
	assert_output "true true"
	run -0 pea_cmd container inspect --format '{{.IsService}}' test_pod-test
	assert_output false
	# the pod's last container stops: the pod, then its service container
	run -0 pea_cmd stop -t 1 test_pod-test
	h_wait_running "$svc" false
	run -0 pea_cmd pod inspect --format '{{.State}}' test_pod
	assert_output Exited
	run -0 pea_cmd pod restart test_pod
	run -0 pea_cmd container inspect --format '{{.State.Running}}' "$svc"
	assert_output true
	# removed only with its pod
	run -125 pea_cmd container rm -f "$svc"
	assert_output --regexp "^Error: container [0-9a-f]{64} is the service container of pod\(s\) [0-9a-f]{64} and cannot be removed without removing the pod\(s\)$"
	run -0 pea_cmd pod kill test_pod
	h_wait_running "$svc" false
	run -0 pea_cmd pod rm test_pod
	run -1 pea_cmd container exists "$svc"
	run -0 pea_cmd ps -a -q
	assert_output ""
}

# a YAML of the given pods, each one busybox top container
h_pods_yaml() {
	local y="$1" p
	shift
	: >"$y"
	for p in "$@"; do
		cat >>"$y" <<Y
---
apiVersion: v1
kind: Pod
metadata:
  name: $p
spec:
  containers:
  - command:
    - top
    image: busybox
    name: c
Y
	done
}

@test "kube play --replace --service-container: a second play of the YAML replaces its pods and service container" {
	fe_load_busybox
	local y="$TEST_DIR/rep.yaml" svc
	h_pods_yaml "$y" rp1
	svc="$(sha256sum "$y" | cut -c1-12)-service"
	run -0 pea_cmd kube play --replace --service-container=true "$y"
	run -0 pea_cmd kube play --replace --service-container=true "$y"
	run -0 pea_cmd ps -a --filter "name=$svc" --format '{{.Names}}'
	assert_output "$svc"
	run -0 pea_cmd container inspect --format '{{.State.Running}} {{.IsService}}' "$svc"
	assert_output "true true"
	run -0 pea_cmd pod rm -f rp1
	run -1 pea_cmd container exists "$svc"
}

@test "kube play --service-container, two pods: the service container stops with the last of them" {
	fe_load_busybox
	local y="$TEST_DIR/two.yaml" svc infra
	h_pods_yaml "$y" tp1 tp2
	svc="$(sha256sum "$y" | cut -c1-12)-service"
	run -0 pea_cmd kube play --service-container=true "$y"
	run -0 pea_cmd pod inspect --format '{{.InfraContainerID}}' tp1
	infra="$output"
	run -0 pea_cmd stop -t 1 tp1-c
	# the pod's exit stops its infra container, then (not) the service container
	h_wait_running "$infra" false
	run -0 pea_cmd container inspect --format '{{.State.Running}}' "$svc"
	assert_output true
	run -0 pea_cmd stop -t 1 tp2-c
	h_wait_running "$svc" false
	run -0 pea_cmd pod rm -f tp1 tp2
	run -1 pea_cmd container exists "$svc"
}

@test "pod kill: a member whose kill fails does not spare the others (infra too); the failure is reported" {
	fe_load_busybox
	local infra
	# a runtime that refuses to kill while rt-refuse exists
	cat >"$TEST_DIR/rt" <<R
#!/bin/sh
for a in "\$@"; do
	if [ "\$a" = kill ] && [ -e "$TEST_DIR/rt-refuse" ]; then
		echo "rt: kill refused" >&2
		exit 1
	fi
done
exec "$PEA_RUNTIME" "\$@"
R
	chmod +x "$TEST_DIR/rt"
	run -0 pea_cmd pod create --name pk
	run -0 pea_cmd pod inspect --format '{{.InfraContainerID}}' pk
	infra="$output"
	run -0 pea_cmd run -d --pod pk --name pk-a --runtime "$TEST_DIR/rt" busybox top
	run -0 pea_cmd run -d --pod pk --name pk-b busybox top
	touch "$TEST_DIR/rt-refuse"
	run -125 pea_cmd pod kill pk
	assert_output --partial "rt: kill refused"
	h_wait_running pk-b false
	h_wait_running "$infra" false
	run -0 pea_cmd container inspect --format '{{.State.Running}}' pk-a
	assert_output true
	rm -f "$TEST_DIR/rt-refuse"
	run -0 pea_cmd pod rm -f pk
}

@test "--secret with --uidmap: the file's owner is mapped through the container's ids; mounted nosuid,nodev" {
	fe_load_busybox
	printf 'sekrit' >"$TEST_DIR/s.txt"
	run -0 pea_cmd secret create hs "$TEST_DIR/s.txt"
	run -0 pea_cmd run --rm --uidmap 0:100000:65536 --gidmap 0:100000:65536 \
		--secret hs,mode=0400 busybox sh -c \
		'stat -c "%u %g %a" /run/secrets/hs; cat /run/secrets/hs; echo; grep " /run/secrets/hs " /proc/mounts'
	assert_line -n 0 "0 0 400"
	assert_line -n 1 sekrit
	assert_line -n 2 --regexp "[ ,]nosuid[, ]"
	assert_line -n 2 --regexp "[ ,]nodev[, ]"
	run -0 pea_cmd run --rm --uidmap 0:100000:65536 --gidmap 0:100000:65536 \
		--secret hs,uid=7,gid=8,mode=0440 busybox stat -c "%u %g %a" /run/secrets/hs
	assert_output "7 8 440"
	run -125 pea_cmd run --rm --uidmap 0:100000:1000 --gidmap 0:100000:1000 \
		--secret hs,uid=5000 busybox true
	assert_output --partial "not mapped"
	assert_equal "${#lines[@]}" 1
	run -0 pea_cmd ps -a -q
	assert_output ""
}

@test "--secret type=env: in the container's environment and its bundle (0600), not in inspect" {
	fe_load_busybox
	printf 'envsekrit' >"$TEST_DIR/e.txt"
	run -0 pea_cmd secret create es "$TEST_DIR/e.txt"
	run -0 pea_cmd run -d --name es --secret es,type=env,target=ESV busybox sleep 100
	run -0 pea_cmd exec es sh -c 'echo $ESV'
	assert_output envsekrit
	run -0 pea_cmd container inspect es
	refute_output --partial envsekrit
	run -0 pea_cmd container inspect --format '{{.Id}}' es
	# podman's userdata/config.json: the bundle in the container's folder
	run -0 stat -c %a "$FE_ROOT/containers/$output/config.json"
	assert_output 600
	run -0 pea_cmd container inspect --format '{{.Id}}' es
	run -0 grep -c envsekrit "$FE_ROOT/containers/$output/config.json"
	run -0 pea_cmd rm -f -t 0 es
}
