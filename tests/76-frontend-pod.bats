#!/usr/bin/env bats
# pea pod (podman-pod(1)) and run/create --pod: the infra container made from
# the pause image (built from pea-infra on first use), the namespaces the
# members share with it, the pod's life cycle, podman's errors.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-frontend
load helpers/fe-file

teardown() {
	if [[ -n "${FE_NETNS:-}" ]]; then
		pea_net pod rm -af -t 0 >/dev/null 2>&1 || true
		fe_net_teardown
	fi
	pea_cmd pod rm -af -t 0 >/dev/null 2>&1 || true
	fe_teardown
}

# ns_of CTR NS: the namespace link of the container's process 1.
ns_of() {
	pea_out exec "$1" readlink "/proc/1/ns/$2"
}

@test "pod create: an infra container from the pause image, pod ps, inspect, exists, rm" {
	run -0 pea_cmd pod create --name p1 --label team=peas
	local pod=$output
	[[ $pod =~ ^[0-9a-f]{64}$ ]] || fail "not an id: $pod"
	run -0 pea_cmd pod exists p1
	run -0 pea_cmd pod exists "${pod:0:12}"
	run -1 pea_cmd pod exists nosuchpod
	# the pause image was made on first use, without a registry
	run -0 pea_cmd image exists "localhost/podman-pause:$(pea_out version --format '{{.Client.Version}}')-0"
	run -0 pea_cmd pod inspect --format '{{.Name}} {{.State}} {{.NumContainers}} {{.Labels}} {{.SharedNamespaces}} {{.ExitPolicy}} {{.Hostname}}' p1
	assert_output "p1 Created 1 map[team:peas] [ipc net uts] continue p1"
	run -0 pea_cmd pod inspect --format '{{(index .Containers 0).ID}}' p1
	local infra=$output
	run -0 pea_cmd pod inspect --format '{{.InfraContainerID}}' p1
	assert_output "$infra"
	run -0 pea_cmd inspect --format '{{.Name}}' "$infra"
	assert_output "${pod:0:12}-infra"
	# the JSON is podman's, one object for one pod
	run -0 pea_cmd pod inspect p1
	assert_equal "$(jq -r '.Id, .CreateInfra, .InfraConfig.HostNetwork' <<<"$output")" "$pod
true
false"
	run -0 pea_cmd pod ps --format '{{.ID}} {{.Name}} {{.Status}} {{.InfraID}} {{.NumberOfContainers}} {{.Labels}}'
	assert_output "${pod:0:12} p1 Created ${infra:0:12} 1 map[team:peas]"
	run -0 pea_cmd pod ps --noheading --no-trunc --filter label=team=peas --format '{{.ID}}'
	assert_output "$pod"
	run -0 pea_cmd pod ps --format json
	assert_equal "$(jq -r '.[0].Id, .[0].InfraId, .[0].Status, .[0].Containers[0].Names' <<<"$output")" "$pod
$infra
Created
${pod:0:12}-infra"
	run -0 pea_cmd pod ls --noheading --filter name=nosuch
	assert_output ""
	run -0 pea_cmd pod rm p1
	assert_output "$pod"
	run -1 pea_cmd pod exists p1
	run -0 pea_cmd ps -a --noheading
	assert_output ""
}

@test "run --pod: the members share the infra's net, ipc and uts namespaces, its host name and /etc/hosts" {
	run -0 pea_cmd pod create --name web --add-host peahost:10.1.2.3
	run -0 pea_cmd run -d --pod web busybox sleep 100
	local a=$output
	run -0 pea_cmd run -d --pod web busybox sleep 100
	local b=$output
	local ns
	for ns in net ipc uts; do
		[[ "$(ns_of "$a" $ns)" == "$(ns_of "$b" $ns)" ]] || fail "$ns not shared"
	done
	# pid is not shared by default
	[[ "$(ns_of "$a" pid)" != "$(ns_of "$b" pid)" ]] || fail "pid shared"
	run -0 pea_cmd exec "$a" hostname
	assert_output web
	run -0 pea_cmd exec "$b" cat /etc/hosts
	assert_output --partial $'10.1.2.3\tpeahost'
	# a file in /dev/shm of one is seen by the other (the IPC namespace's)
	run -0 pea_cmd exec "$a" touch /dev/shm/pea
	run -0 pea_cmd exec "$b" ls /dev/shm/pea
	run -0 pea_cmd pod inspect --format '{{.State}} {{.NumContainers}}' web
	assert_output "Running 3"
	local pod
	pod=$(pea_out pod inspect --format '{{.ID}}' web)
	run -0 pea_cmd ps --format '{{.Pod}}' --filter "id=$a"
	assert_output "${pod:0:12}"
	run -0 pea_cmd ps --no-trunc --format '{{.Pod}} {{.PodName}}' --filter "id=$b"
	assert_output "$pod web"
	run -0 pea_cmd ps --filter pod=web --format '{{.Names}}' --sort names
	assert_equal "${#lines[@]}" 3
	run -0 pea_cmd ps --filter pod=nosuchpod -q
	assert_output ""
	run -0 pea_cmd ps --pod --filter "id=$a"
	assert_line --index 0 --regexp 'NAMES +POD ID +PODNAME$'
	assert_line --index 1 --regexp " ${pod:0:12}  web$"
	run -0 pea_cmd inspect --format '{{.Pod}} {{.IsInfra}}' "$a"
	assert_output "$pod false"
	run -0 pea_cmd pod rm -f -t 0 web
	run -0 pea_cmd ps -a --noheading
	assert_output ""
}

@test "pod logs, pod stats --no-stream: the pod's containers" {
	run -0 pea_cmd pod create --name lg
	run -0 pea_cmd run -d --pod lg --name talker busybox sh -c 'echo hello; sleep 100'
	local c=$output i
	for ((i = 0; i < 100; i++)); do
		[[ $(pea_out pod logs lg) == hello ]] && break
		sleep 0.05
	done
	run -0 pea_cmd pod logs lg
	assert_output hello
	run -0 pea_cmd pod logs -c talker lg
	assert_output hello
	run -125 pea_cmd pod logs -c nosuch lg
	run -0 pea_cmd pod stats --no-stream --format '{{.Pod}} {{.CID}} {{.Name}} {{.PIDS}}' lg
	local pod
	pod=$(pea_out pod inspect --format '{{.ID}}' lg)
	assert_line "${pod:0:12} ${c:0:12} talker 1"
	run -0 pea_cmd pod stats --no-stream
	assert_line --index 0 --regexp '^POD +CID +NAME +CPU % +MEM USAGE/ LIMIT +MEM % +NET IO +BLOCK IO +PIDS$'
}

@test "--share +pid: one PID namespace, the infra's pea-infra is process 1" {
	run -0 pea_cmd pod create --name pids --share +pid
	run -0 pea_cmd pod inspect --format '{{.SharedNamespaces}}' pids
	assert_output "[ipc net uts pid]"
	run -0 pea_cmd run --rm --pod pids busybox cat /proc/1/cmdline
	assert_output --partial "/catatonit"
}

@test "--share ipc: --hostname is the container's own; --pod new:NAME takes the pod's name as host name" {
	run -0 pea_cmd pod create --share ipc --name onlyipc
	run -0 pea_cmd run --rm --pod onlyipc --hostname foobar busybox hostname
	assert_output foobar
	run -0 pea_cmd run --rm --pod new:newpod busybox hostname
	assert_output newpod
	run -0 pea_cmd pod rm newpod
	run -0 pea_cmd run --rm --pod new:newpod2 --hostname h2 busybox hostname
	assert_output h2
}

@test "pod start, stop, restart, kill: the infra first, then the others" {
	run -0 pea_cmd pod create --name lc
	run -0 pea_cmd create --pod lc busybox sleep 100
	local c=$output
	run -0 pea_cmd pod start lc
	run -0 pea_cmd pod inspect --format '{{.State}}' lc
	assert_output Running
	run -0 pea_cmd pod stop -t 0 lc
	run -0 pea_cmd pod inspect --format '{{.State}}' lc
	assert_output Exited
	run -0 pea_cmd pod restart lc
	fe_wait_state "$c" running
	run -0 pea_cmd pod kill lc
	fe_wait_state "$c" exited
	run -0 pea_cmd pod inspect --format '{{.State}}' lc
	assert_output Exited
}

@test "exit policy: continue leaves the infra running (Degraded), stop stops the pod" {
	run -0 pea_cmd pod create --name cont
	run -0 pea_cmd run --pod cont busybox true
	run -0 pea_cmd pod inspect --format '{{.ExitPolicy}} {{.State}}' cont
	assert_output "continue Degraded"
	run -0 pea_cmd pod create --name stp --exit-policy stop
	run -0 pea_cmd run --pod stp busybox true
	local i
	for ((i = 0; i < 100; i++)); do
		[[ $(pea_out pod inspect --format '{{.State}}' stp) == Exited ]] && break
		sleep 0.1
	done
	run -0 pea_cmd pod inspect --format '{{.ExitPolicy}} {{.State}}' stp
	assert_output "stop Exited"
}

@test "pod rm: running members need --force; the infra goes only with its pod (rm --depend, rm -af)" {
	run -0 pea_cmd pod create --name rmp
	local pod=$output
	run -0 pea_cmd run -d --pod rmp busybox sleep 100
	local c=$output
	run -125 pea_cmd pod rm rmp
	assert_output --partial "cannot remove container $c as it is running"
	run -0 pea_cmd pod exists rmp
	local infra
	infra=$(pea_out pod inspect --format '{{.InfraContainerID}}' rmp)
	run -125 pea_cmd rm -f "$infra"
	assert_output "Error: container $infra is the infra container of pod $pod and cannot be removed without removing the pod"
	run -0 pea_cmd rm -f --depend "$infra"
	assert_line "$infra"
	assert_line "$c"
	run -1 pea_cmd pod exists rmp
	# rm -af takes the pods with it
	run -0 pea_cmd create --pod new:rmp2 busybox true
	c=$output
	run -0 pea_cmd rm -af
	assert_line "$c"
	run -0 pea_cmd pod ps --noheading
	assert_output ""
	run -1 pea_cmd pod rm nosuchpod
	assert_output "Error: no pod with name or ID nosuchpod found: no such pod"
	run -0 pea_cmd pod rm -f nosuchpod
	assert_output ""
	run -0 pea_cmd pod rm -i nosuchpod
	assert_output ""
	# stop: --ignore passes over it too (it was accepted and did nothing)
	run -125 pea_cmd pod stop nosuchpod
	assert_output "Error: no pod with name or ID nosuchpod found: no such pod"
	run -0 pea_cmd pod stop -i nosuchpod
	assert_output ""
}

@test "containers.conf's [engine] infra_image and infra_command; --infra-image and --infra-command win" {
	printf '[engine]\ninfra_image = "localhost/busybox:latest"\ninfra_command = "/bin/top"\n' \
		>"$TEST_DIR/containers.conf"
	local real=$PEA
	local PEA=env FE_ARGS=(CONTAINERS_CONF="$TEST_DIR/containers.conf" "$real" "${FE_ARGS[@]}")
	run -0 pea_cmd pod create --name conf
	run -0 pea_cmd inspect --format '{{.ImageName}} {{.Config.Entrypoint}}' \
		"$(pea_out pod inspect --format '{{.InfraContainerID}}' conf)"
	assert_output "localhost/busybox:latest /bin/top"
	run -0 pea_cmd pod create --name flags --infra-image busybox --infra-command /bin/sh
	run -0 pea_cmd inspect --format '{{.Config.Entrypoint}}' \
		"$(pea_out pod inspect --format '{{.InfraContainerID}}' flags)"
	assert_output "/bin/sh"
}

@test "pod rm racing creates that join the pod: no container is left in a pod that is gone" {
	run -0 pea_cmd pod create --name race
	local pids=() k
	for k in 1 2 3 4; do
		pea_cmd create --pod race busybox true >/dev/null 2>&1 3>&- &
		pids+=($!)
	done
	pea_cmd pod rm -f race >/dev/null 2>&1 3>&- &
	pids+=($!)
	for k in "${pids[@]}"; do
		wait "$k" || true
	done
	if pea_out pod exists race; then
		run -0 pea_cmd pod rm -f race
	fi
	run -0 pea_cmd ps -a --format '{{.Names}} {{.Pod}}'
	assert_output ""
}

@test "pod create errors: podman's words, nothing left behind" {
	run -125 pea_cmd pod create --share bogus
	assert_output "Error: invalid kernel namespace to share: bogus. Options are: cgroup, ipc, net, pid, uts or none"
	run -125 pea_cmd pod create --exit-policy invalid
	assert_output 'Error: running pod create option: invalid pod exit policy: "invalid"'
	run -125 pea_cmd pod create --infra=false -p 8080:80
	assert_output "Error: you must have an infra container to publish port bindings to the host"
	run -0 pea_cmd pod create --name taken --infra-name infra1
	run -125 pea_cmd pod create --name taken
	assert_output 'Error: adding pod to state: name "taken" is in use: pod already exists'
	run -125 pea_cmd pod create --name other --infra-name infra1
	assert_output --regexp '^Error: .*the container name "infra1" is already in use by [0-9a-f]{64}\. You have to remove that container to be able to reuse that name: that name is already in use$'
	run -0 pea_cmd pod ps --noheading --format '{{.Name}}'
	assert_output taken
	run -125 pea_cmd pod create --infra-image 127.0.0.1:1/nosuchimage
	run -0 pea_cmd pod ps --noheading --format '{{.Name}}'
	assert_output taken
	run -0 pea_cmd ps -a --noheading --format '{{.Names}}'
	assert_output infra1
}

@test "run --pod errors: unknown pod, and what the pod holds is not the container's to set" {
	run -125 pea_cmd run --rm --pod nosuchpod busybox true
	assert_output "Error: no pod with name or ID nosuchpod found: no such pod"
	run -0 pea_cmd pod create --name held
	run -125 pea_cmd run --rm --pod held --hostname foobar busybox hostname
	assert_output "Error: invalid config provided: cannot set hostname when joining the pod UTS namespace: invalid configuration"
	run -125 pea_cmd run --rm --pod held --network none busybox true
	assert_output "Error: invalid config provided: networks must be defined when the pod is created: network cannot be configured when it is shared with a pod"
	run -125 pea_cmd run --rm --pod held -p 8080:80 busybox true
	assert_output "Error: invalid config provided: published or exposed ports must be defined when the pod is created: network cannot be configured when it is shared with a pod"
	run -125 pea_cmd run --rm --pod held --ipc private busybox true
	assert_output --partial "cannot set --ipc when joining the pod IPC namespace"
	# a failed --pod new: leaves no pod behind
	run -125 pea_cmd run --rm --pod new:failed -p 8080:80 busybox true
	run -1 pea_cmd pod exists failed
	run -0 pea_cmd pod inspect --format '{{.NumContainers}}' held
	assert_output 1
}

@test "--infra=false: a pod without shared namespaces; pod top lists its containers' processes" {
	run -0 pea_cmd pod create --infra=false --name noinfra
	run -0 pea_cmd pod inspect --format '{{.CreateInfra}} {{.NumContainers}} {{.SharedNamespaces}}' noinfra
	assert_output "false 0 []"
	run -0 pea_cmd run -d --pod noinfra busybox sleep 101
	run -0 pea_cmd run -d --pod noinfra busybox sleep 102
	run -0 pea_cmd pod top noinfra
	assert_line --index 0 --regexp '^USER +PID +PPID'
	assert_output --partial "sleep 101"
	assert_output --partial "sleep 102"
	run -0 pea_cmd pod inspect --format '{{.State}}' noinfra
	assert_output Running
	run -0 pea_cmd pod pause noinfra
	run -0 pea_cmd pod inspect --format '{{.State}}' noinfra
	assert_output Paused
	run -0 pea_cmd pod unpause noinfra
	run -0 pea_cmd pod inspect --format '{{.State}}' noinfra
	assert_output Running
	run -0 pea_cmd pod prune -f
	assert_output ""
	local id
	id=$(pea_out pod inspect --format '{{.ID}}' noinfra)
	run -0 pea_cmd pod stop -t 0 noinfra
	run -0 pea_cmd pod prune -f
	assert_output "$id"
	run -1 pea_cmd pod exists noinfra
}

@test "-p on the pod: a member's server answers on the host side (in a test network namespace)" {
	require_cmd curl
	fe_net_setup
	run -0 pea_net pod create --name pub -p 8080:80
	run -0 pea_net pod inspect pub
	assert_equal "$(jq -c .InfraConfig.PortBindings <<<"$output")" '{"80/tcp":[{"HostIp":"","HostPort":"8080"}]}'
	# a template prints the binding as Go prints podman's struct, not a map
	run -0 pea_net pod inspect pub --format '{{.InfraConfig.PortBindings}}'
	assert_output 'map[80/tcp:[{ 8080}]]'
	run -0 pea_net run -d --pod pub busybox httpd -f -p 80 -h /etc
	local i ok=
	for ((i = 0; i < 50; i++)); do
		if fe_in_net curl -sS -m 2 http://127.0.0.1:8080/hostname 2>/dev/null | grep -qx pub; then
			ok=1
			break
		fi
		sleep 0.1
	done
	[[ -n $ok ]] || fail "no answer on 127.0.0.1:8080"
	run -0 pea_net pod rm -f -t 0 pub
}

@test "pod create --pod-id-file: made before the pod, never overwritten (podman's error)" {
	idf="$TEST_DIR/pod.id"
	run -0 pea_cmd pod create --infra=false --pod-id-file "$idf" --name pidf1
	assert_equal "$(cat "$idf")" "$(pea_out pod inspect --format '{{.ID}}' pidf1)"
	run -125 pea_cmd pod create --infra=false --pod-id-file "$idf" --name pidf2
	assert_output "Error: pod id file exists. Ensure another pod is not using it or delete $idf"
	run -1 pea_cmd pod exists pidf2
	# a pod that cannot be made leaves no file
	run -125 pea_cmd pod create --infra=false --pod-id-file "$TEST_DIR/pod2.id" --name pidf1
	[[ ! -e "$TEST_DIR/pod2.id" ]]
	run -125 pea_cmd pod create --pod-id-file "$TEST_DIR/nosuchdir/x" --name pidf3
	assert_output --partial "opening pod id file '$TEST_DIR/nosuchdir/x'"
	run -1 pea_cmd pod exists pidf3
}

@test "pod ps --filter: name and id are regular expressions; one key's values or'ed, keys and'ed" {
	run -0 pea_cmd pod create --infra=false --name fa-web --label t=x
	run -0 pea_cmd pod create --infra=false --name fb-db --label t=y
	run -0 pea_cmd pod create --infra=false --name web2
	run -0 pea_cmd pod ps --noheading --format '{{.Name}}' --sort name --filter 'name=^f.-'
	assert_output $'fa-web\nfb-db'
	run -0 pea_cmd pod ps --noheading --format '{{.Name}}' --sort name --filter 'name=web$'
	assert_output fa-web
	run -0 pea_cmd pod ps --noheading --format '{{.Name}}' --sort name \
		--filter name=db --filter name=2
	assert_output $'fb-db\nweb2'
	run -0 pea_cmd pod ps --noheading --format '{{.Name}}' --filter name=f --filter label=t=y
	assert_output fb-db
	id="$(pea_out pod inspect --format '{{.ID}}' web2)"
	run -0 pea_cmd pod ps --noheading --format '{{.Name}}' --filter "id=^${id:0:6}"
	assert_output web2
	run -125 pea_cmd pod ps --filter 'name=a('
	assert_output --partial 'invalid name filter "a("'
}

@test "pod create: an infra image that cannot be pulled says so in podman's words, nothing made" {
	run -125 pea_cmd pod create --name noinfra --infra-image localhost:1/nosuch/infra:tag
	assert_output --partial "initializing source docker://localhost:1/nosuch/infra:tag: "
	run -1 pea_cmd pod exists noinfra
	run -0 pea_cmd ps -aq
	assert_output ""
}

@test "pod create --cgroup-parent is refused (pea does not place containers under it yet)" {
	run -125 pea_cmd pod create --name cgp --cgroup-parent /mine
	assert_output "Error: --cgroup-parent is not supported yet: the pod's containers would not be placed under '/mine'"
	run -1 pea_cmd pod exists cgp
}

# pod create --uidmap/--gidmap (podman-pod-create(1)): the infra container gets the
# maps, and the pod's containers join its user namespace (podman: "Run all
# containers in the pod in a new user namespace using the supplied mapping"): the
# same namespace, their layers mapped alike, exec into them, with no network and
# with the default bridge. The pause image has no /etc: its /etc, made before the
# start, is the mapped root's (the infra failed with EACCES on /etc/hostname).
# podman 4.3.1's 170-run-userns "rootful pod with custom ID mapping" (skipped by
# podman's suite on cgroups v1).
# pod_userns_check PEA: a pod of 0:200000:5000, its infra's IDMappings, a member
# run --rm and one of exec, all in the infra's user namespace.
pod_userns_check() {
	local pea=$1 infra ipid mpid
	run -0 "$pea" pod create --uidmap 0:200000:5000 --gidmap 0:300000:5000 --name pu
	run -0 "$pea" pod start pu
	infra=$("$pea" pod inspect --format '{{.InfraContainerID}}' pu 2>/dev/null)
	run -0 "$pea" inspect --format '{{.HostConfig.IDMappings.UIDMap}} {{.HostConfig.IDMappings.GIDMap}}' "$infra"
	assert_output "[0:200000:5000] [0:300000:5000]"
	ipid=$("$pea" inspect --format '{{.State.Pid}}' "$infra" 2>/dev/null)
	# the infra's /etc, made by pea before the start, is the container's root's
	run -0 stat -c '%u:%g' "/proc/$ipid/root/etc"
	assert_output "200000:300000"
	run -0 "$pea" run --rm --pod pu busybox sh -c 'cat /proc/self/uid_map /proc/self/gid_map; stat -c %u:%g /bin/busybox; readlink /proc/self/ns/user'
	assert_equal "$(tr -s ' ' <<<"${lines[0]}")" " 0 200000 5000"
	assert_equal "$(tr -s ' ' <<<"${lines[1]}")" " 0 300000 5000"
	assert_equal "${lines[2]}" "0:0"
	assert_equal "${lines[3]}" "$(readlink "/proc/$ipid/ns/user")"
	run -0 "$pea" run -d --name pum --pod pu busybox sleep 600
	mpid=$("$pea" inspect --format '{{.State.Pid}}' pum 2>/dev/null)
	assert_equal "$(readlink "/proc/$mpid/ns/user")" "$(readlink "/proc/$ipid/ns/user")"
	run -0 stat -c '%u:%g' "/proc/$mpid"
	assert_output "200000:300000"
	# exec joins the user namespace last (the network namespace may be the host's)
	run -0 "$pea" exec pum id -u
	assert_output "0"
	# the pod's /dev/shm (a tmpfs of mode 1777 in the run root) is the pod's alone:
	# its folder searchable by the mapped root's group, not by every user of the host
	run -0 "$pea" exec pum sh -c 'echo secret >/dev/shm/s; chmod 644 /dev/shm/s'
	local pod shm
	pod=$("$pea" pod inspect --format '{{.ID}}' pu 2>/dev/null)
	shm=$(awk -v p="/pods/$pod/shm" 'substr($5, length($5) - length(p) + 1) == p {print $5}' /proc/self/mountinfo | head -1)
	[[ -n $shm ]] || fail "no mount of the pod's shm in mountinfo"
	run -0 stat -c '%g %A' "${shm%/shm}"
	assert_output "300000 drwx--x---"
	run -1 runuser -u nobody -- cat "$shm/s"
	assert_output --partial "Permission denied"
	run -0 "$pea" run --rm --pod pu busybox cat /dev/shm/s
	assert_output "secret"
	run -0 "$pea" pod rm -f -t 0 pu
}

@test "pod create --uidmap/--gidmap: the infra's maps, members join its user namespace, exec" {
	pod_userns_check pea_cmd
}

@test "pod create --uidmap with the default bridge: members and exec in the pod's user namespace" {
	fe_net_setup
	pod_userns_check pea_net
}

@test "run --uidmap of an image without /etc (the pause image): /etc made as the mapped root" {
	run -0 pea_cmd pod create --name pe
	local img
	img="localhost/podman-pause:$(pea_out version --format '{{.Client.Version}}')-0"
	# pea-infra's own usage line: the container started (EACCES on /etc/hostname before)
	run -2 pea_cmd run --rm --uidmap 0:200000:5000 "$img" /catatonit -h
	assert_output --partial "pea-infra: unknown option"
	run -0 pea_cmd create --name pe2 --uidmap 0:200000:5000 "$img"
	run -0 pea_cmd start pe2
	local mp
	mp=$(pea_out mount pe2)
	run -0 stat -c '%u:%g %a' "$mp/etc" "$mp/etc/mtab"
	assert_output "200000:200000 755
200000:200000 777"
	run -0 pea_cmd rm -f -t 0 pe2
}

@test "pod create --uidmap: bad combinations are one line each, nothing made" {
	run -125 pea_cmd pod create --infra=false --uidmap 0:200000:5000
	assert_output "Error: cannot set --uidmap or --gidmap without an infra container"
	run -125 pea_cmd pod create --userns=auto --gidmap 0:200000:5000
	assert_output "Error: --userns and --uidmap/--gidmap/--subuidname/--subgidname are mutually exclusive"
	run -125 pea_cmd pod create --uidmap 0:200000
	assert_output --partial "Error: "
	assert_equal "${#lines[@]}" 1
	run -0 pea_cmd pod ps -q
	assert_output ""
}
