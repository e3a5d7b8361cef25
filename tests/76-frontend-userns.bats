#!/usr/bin/env bats
# run --userns=keep-id[:uid=,gid=] | nomap | auto[:size=] | host, --uidmap and
# --gidmap (podman-run(1)), as root and as an ordinary user (rootless): the maps
# the container gets, its files' owners on the host (its own layer, bind mounts,
# named volumes), keep-id's /etc/passwd and /etc/group entries and HOME, pea info's
# idMappings, and one clear line for each bad value.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-frontend
load helpers/fe-rootless

FE_RL_NAME=pearl76u

setup_file() {
	fe_rl_file_setup "$FE_RL_NAME"
	ns_add_containers_range
}

teardown_file() {
	ns_del_containers_range
	fe_rl_file_teardown
}

teardown() {
	fe_rl_test_teardown
	fe_teardown
}

# ns_add_containers_range: /etc/subuid and /etc/subgid get a range of the user
# "containers" (what --userns=auto allocates from as root), unless they have one.
ns_add_containers_range() {
	local fd
	exec {fd}>/run/lock/pea-test-rootless.lock || return 1
	flock -w 60 "$fd" || true
	NS_CONTAINERS_ADDED=
	if ! grep -q '^containers:' /etc/subuid /etc/subgid; then
		rootless_add_subid /etc/subuid containers containers &&
			rootless_add_subid /etc/subgid containers containers
		NS_CONTAINERS_ADDED=1
	fi
	exec {fd}>&-
	NS_CONTAINERS_START=$(awk -F: '$1 == "containers" { print $2; exit }' /etc/subuid)
	export NS_CONTAINERS_ADDED NS_CONTAINERS_START
}

ns_del_containers_range() {
	local fd
	[[ -n "${NS_CONTAINERS_ADDED:-}" ]] || return 0
	exec {fd}>/run/lock/pea-test-rootless.lock || return 1
	flock -w 60 "$fd" || true
	sed -i '/^containers:/d' /etc/subuid /etc/subgid
	exec {fd}>&-
}

# ns_maps: the container's uid_map then gid_map, one "C H N" per line.
ns_maps() {
	tr -s ' ' <<<"$1" | sed 's/^ //'
}

@test "rootless keep-id: the user's uid and gid inside, its passwd and group entries, HOME" {
	run -0 pea_rl run --rm --userns=keep-id busybox sh -c \
		'id -u; id -g; echo "HOME=$HOME"; tail -1 /etc/passwd; tail -1 /etc/group; cat /proc/self/uid_map /proc/self/gid_map'
	local rest=$((65536 - FE_RL_UID))
	assert_equal "$(ns_maps "$output")" "$(printf '%s\n' "$FE_RL_UID" "$FE_RL_GID" "HOME=/" \
		"$FE_RL_USER:*:$FE_RL_UID:$FE_RL_GID::/:/bin/sh" "$FE_RL_USER:x:$FE_RL_GID:$FE_RL_USER" \
		"0 1 $FE_RL_UID" "$FE_RL_UID 0 1" "$((FE_RL_UID + 1)) $((FE_RL_UID + 1)) $rest" \
		"0 1 $FE_RL_GID" "$FE_RL_GID 0 1" "$((FE_RL_GID + 1)) $((FE_RL_GID + 1)) $((65536 - FE_RL_GID))")"
	# the home folder mounted: HOME is it
	run -0 pea_rl run --rm --userns=keep-id -v "$FE_RL_HOME:$FE_RL_HOME" busybox sh -c \
		'echo "HOME=$HOME"; tail -1 /etc/passwd; touch "$HOME/by-keep-id"'
	assert_output "$(printf 'HOME=%s\n%s' "$FE_RL_HOME" "$FE_RL_USER:*:$FE_RL_UID:$FE_RL_GID::$FE_RL_HOME:/bin/sh")"
	assert_equal "$(stat -c %u:%g "$FE_RL_HOME/by-keep-id")" "$FE_RL_UID:$FE_RL_GID"
	# PODMAN_USERNS is --userns's default, as podman's
	FE_RL_ENV=(PODMAN_USERNS=keep-id)
	run -0 pea_rl run --rm busybox id -u
	assert_output "$FE_RL_UID"
	# so does containers.conf's [containers] userns, below PODMAN_USERNS and the flag
	fe_rl_sh 'mkdir -p xdg/containers && printf "[containers]\nuserns = \"keep-id\"\n" >xdg/containers/containers.conf'
	FE_RL_ENV=(XDG_CONFIG_HOME="$FE_RL_HOME/xdg")
	run -0 pea_rl run --rm busybox id -u
	assert_output "$FE_RL_UID"
	run -0 pea_rl run --rm --userns=host busybox id -u
	assert_output 0
	FE_RL_ENV=(XDG_CONFIG_HOME="$FE_RL_HOME/xdg" PODMAN_USERNS=host)
	run -0 pea_rl run --rm busybox id -u
	assert_output 0
	fe_rl_sh 'printf "[containers]\nuserns = \"bogus\"\n" >xdg/containers/containers.conf'
	FE_RL_ENV=(XDG_CONFIG_HOME="$FE_RL_HOME/xdg")
	run -125 pea_rl run --rm busybox true
	assert_output "Error: containers.conf: $FE_RL_HOME/xdg/containers/containers.conf: 'containers.userns': unrecognized namespace mode bogus passed"
	fe_rl_sh 'rm -r xdg'
	FE_RL_ENV=()
	# --user still wins; root inside is the first id of the user's range
	run -0 pea_rl run --rm --userns=keep-id --user 0 -v "$FE_RL_HOME:/h" busybox sh -c \
		'id -u; touch /h/by-root'
	assert_output 0
	assert_equal "$(stat -c %u:%g "$FE_RL_HOME/by-root")" "$FE_RL_SUBUID:$FE_RL_SUBGID"
	# the image's files are root's inside (their mapped copy), the container's own too
	run -0 pea_rl run --rm --userns=keep-id busybox sh -c 'stat -c %u:%g /bin /etc/passwd'
	assert_output "$(printf '0:0\n0:0')"
}

@test "rootless keep-id: an image of two layers (a deletion in the top one) through its mapped copy" {
	# more than a pipe holds: container diff streams into layer apply (pea commit)
	run -0 pea_rl run --name mk busybox sh -c \
		'mkdir /big && for n in $(seq 100); do dd if=/dev/zero of=/big/f$n bs=2k count=1 2>/dev/null; done; rm /bin/vi; chown 1000:1000 /big/f1'
	run -0 pea_rl commit -q mk two
	run -0 pea_rl rm mk
	run -0 pea_rl run --rm --userns=keep-id two sh -c \
		'ls /big | wc -l; test ! -e /bin/vi && echo gone; stat -c %u:%g /big/f2 /big/f1'
	assert_output "$(printf '100\ngone\n0:0\n1000:1000')"
	# the copy is shared by the next container of the same map, owned by the mapped ids
	f=$(find "$FE_RL_HOME/.local/share/pea/storage/overlay" -path '*/mapped/*/big/f1')
	[[ $(wc -l <<<"$f") -eq 1 ]]
	# container id 1000 is id 1001 of the user namespace (keep-id: 0 is the user)
	assert_equal "$(stat -c %u:%g "$f")" "$((FE_RL_SUBUID + 1000)):$((FE_RL_SUBGID + 1000))"
	run -0 pea_rl run --rm --userns=keep-id two true
	assert_equal "$(find "$FE_RL_HOME/.local/share/pea/storage/overlay" -path '*/mapped/*/big/f1')" "$f"
	# removing the image removes its copies
	run -0 pea_rl rmi two
	assert_equal "$(find "$FE_RL_HOME/.local/share/pea/storage/overlay" -path '*/mapped/*/big/f1')" ""
}

@test "rootless keep-id:uid=,gid=: the user is those ids inside, as podman's entries" {
	run -0 pea_rl run --rm --userns=keep-id:uid=200,gid=210 -v "$FE_RL_HOME:/h" busybox sh -c \
		'id -u; id -g; tail -1 /etc/passwd; tail -1 /etc/group; cat /proc/self/uid_map; touch /h/by-200'
	assert_equal "$(ns_maps "$output")" "$(printf '%s\n' 200 210 \
		"200:*:200:210:container user:/:/bin/sh" "210:x:210:200" \
		"0 1 200" "200 0 1" "201 201 65336")"
	assert_equal "$(stat -c %u:%g "$FE_RL_HOME/by-200")" "$FE_RL_UID:$FE_RL_GID"
	# an entry the image has is not added again
	run -0 pea_rl run --rm --userns=keep-id:uid=65534,gid=65534 busybox sh -c 'id -un; grep -c "^nobody:" /etc/passwd'
	assert_output "$(printf 'nobody\n1')"
	run -0 pea_rl run --rm --userns=keep-id:uid=0,gid=0 busybox sh -c 'id -un; cat /proc/self/uid_map'
	assert_equal "$(ns_maps "$output")" "$(printf '%s\n' root "0 0 1" "1 1 65536")"
}

@test "rootless --uidmap/--gidmap: container ids map into the user's namespace (intermediate ids)" {
	# /etc/hostname is bound from XDG_RUNTIME_DIR (0700), which container
	# root does not map to the user here: the runtime opens bind sources
	# before the init enters the user namespace
	fe_rl_sh 'mkdir -p um && chmod 777 um'
	run -0 pea_rl run --rm --uidmap 0:1:2000 --gidmap 0:1:3000 -v "$FE_RL_HOME/um:/d" busybox sh -c \
		'cat /proc/self/uid_map /proc/self/gid_map; touch /d/r; chown 1000:2000 /d/r; touch /d/u'
	assert_equal "$(ns_maps "$output")" "$(printf '%s\n' "0 1 2000" "0 1 3000")"
	assert_equal "$(stat -c %u:%g "$FE_RL_HOME/um/r")" "$((FE_RL_SUBUID + 1000)):$((FE_RL_SUBGID + 2000))"
	assert_equal "$(stat -c %u:%g "$FE_RL_HOME/um/u")" "$FE_RL_SUBUID:$FE_RL_SUBGID"
	# --gidmap alone serves for both, as podman
	run -0 pea_rl run --rm --gidmap 0:1:10 busybox cat /proc/self/uid_map
	assert_equal "$(ns_maps "$output")" "0 1 10"
	# the user's own id as container root: files of root are the user's
	run -0 pea_rl run --rm --uidmap 0:0:1 --uidmap 1:1:65536 -v "$FE_RL_HOME/um:/d" busybox touch /d/own
	assert_equal "$(stat -c %u:%g "$FE_RL_HOME/um/own")" "$FE_RL_UID:$FE_RL_GID"
}

@test "rootless nomap and auto: the user is not in the container, auto ranges do not overlap" {
	# /etc/hostname comes from XDG_RUNTIME_DIR (0700), which nomap and auto do
	# not map: the runtime opens bind sources before entering the namespace
	fe_rl_sh 'mkdir -p nm && chmod 777 nm'
	run -0 pea_rl run --rm --userns=nomap -v "$FE_RL_HOME/nm:/d" busybox sh -c \
		'id -u; cat /proc/self/uid_map /proc/self/gid_map; touch /d/f'
	assert_equal "$(ns_maps "$output")" "$(printf '%s\n' 0 "0 1 65536" "0 1 65536")"
	assert_equal "$(stat -c %u:%g "$FE_RL_HOME/nm/f")" "$FE_RL_SUBUID:$FE_RL_SUBGID"
	run -0 pea_rl run -d --name a1 --userns=auto busybox sleep 100
	run -0 pea_rl exec a1 cat /proc/self/uid_map
	assert_equal "$(ns_maps "$output")" "0 1 1024"
	run -0 pea_rl run --rm --userns=auto:size=500 busybox cat /proc/self/uid_map /proc/self/gid_map
	assert_equal "$(ns_maps "$output")" "$(printf '%s\n' "0 1025 500" "0 1025 500")"
	run -125 pea_rl run --rm --userns=auto:size=65000 busybox true
	assert_output "Error: --userns=auto: no 65000 free uids left in the user namespace of rootless mode (other containers with id maps use the rest)"
	run -0 pea_rl rm -f a1
	run -0 pea_rl run --rm --userns=auto:size=65000 busybox cat /proc/self/uid_map
	assert_equal "$(ns_maps "$output")" "0 1 65000"
	# without a size: the image's largest owner id + 1 (at least 1024), as podman's estimate
	run -0 pea_rl run --name o busybox sh -c 'touch /owned && chown 3000:2500 /owned'
	run -0 pea_rl commit -q o owned
	run -0 pea_rl rm o
	run -0 pea_rl run --rm --userns=auto owned sh -c 'cat /proc/self/uid_map; stat -c %u:%g /owned'
	assert_equal "$(ns_maps "$output")" "$(printf '%s\n' "0 1 3001" 3000:2500)"
	run -0 pea_rl rmi owned
	run -0 pea_rl ps -aq
	assert_output ""
}

@test "root --uidmap: host ids, the container's layer and files in bind mounts and volumes" {
	fe_load_busybox
	mkdir -m 0777 "$TEST_DIR/b"
	run -0 pea_cmd run --rm --uidmap 0:100000:65536 -v "$TEST_DIR/b:/b" -v v1:/v busybox sh -c \
		'id -u; cat /proc/self/uid_map; stat -c %u:%g /bin /etc/hostname; touch /b/r /v/r; chown 1000:1000 /b/r'
	assert_equal "$(ns_maps "$output")" "$(printf '%s\n' 0 "0 100000 65536" 0:0 0:0)"
	assert_equal "$(stat -c %u:%g "$TEST_DIR/b/r")" "101000:101000"
	assert_equal "$(stat -c %u:%g "$FE_ROOT/volumes/v1/_data/r")" "100000:100000"
	# the volume's folder became the container's root's (it was nobody's inside)
	assert_equal "$(stat -c %u:%g "$FE_ROOT/volumes/v1/_data")" "100000:100000"
	# a process user's own named volume
	run -0 pea_cmd run --rm --uidmap 0:100000:65536 --user 1000:1000 -v v2:/v busybox touch /v/u
	assert_equal "$(stat -c %u:%g "$FE_ROOT/volumes/v2/_data/u")" "101000:101000"
	# the container's writable layer holds host ids
	run -0 pea_cmd run --name w --uidmap 0:100000:65536 busybox sh -c 'echo x >/written'
	f=$(find "$FE_ROOT" -path '*/diff/written' | head -1)
	assert_equal "$(stat -c %u "$f")" 100000
	# inspect shows the maps as podman 4.3 (HostConfig.UsernsMode, IDMappings)
	run -0 pea_cmd inspect --format '{{.HostConfig.UsernsMode}} {{json .HostConfig.IDMappings}}' w
	assert_output 'private {"UidMap":["0:100000:65536"],"GidMap":["0:100000:65536"]}'
	run -0 pea_cmd rm w
	# several ranges, --userns=host and an empty --userns are no namespace
	run -0 pea_cmd run --rm --uidmap 0:200000:1000 --uidmap 1000:300000:1000 busybox cat /proc/self/uid_map
	assert_equal "$(ns_maps "$output")" "$(printf '%s\n' "0 200000 1000" "1000 300000 1000")"
	run -0 pea_cmd run --rm --userns=host busybox cat /proc/self/uid_map
	assert_equal "$(ns_maps "$output")" "0 0 4294967295"
}

@test "root --userns=auto: ranges of /etc/subuid's containers, one per container" {
	fe_load_busybox
	local s=$NS_CONTAINERS_START
	run -0 pea_cmd run -d --name a1 --userns=auto busybox sleep 100
	run -0 pea_cmd exec a1 cat /proc/self/uid_map /proc/self/gid_map
	assert_equal "$(ns_maps "$output")" "$(printf '%s\n' "0 $s 1024" "0 $s 1024")"
	run -0 pea_cmd run --rm --userns=auto:size=2048 busybox sh -c 'cat /proc/self/uid_map; id -u'
	assert_equal "$(ns_maps "$output")" "$(printf '%s\n' "0 $((s + 1024)) 2048" 0)"
	run -0 pea_cmd rm -f a1
	run -0 pea_cmd ps -aq
	assert_output ""
}

@test "pea info: host.idMappings as podman (rootless: the user's maps; root: null), pea unshare" {
	run -0 pea_rl info --format json
	run -0 jq -c .host.idMappings <<<"$output"
	assert_output "{\"gidmap\":[{\"container_id\":0,\"host_id\":$FE_RL_GID,\"size\":1},{\"container_id\":1,\"host_id\":$FE_RL_SUBGID,\"size\":65536}],\"uidmap\":[{\"container_id\":0,\"host_id\":$FE_RL_UID,\"size\":1},{\"container_id\":1,\"host_id\":$FE_RL_SUBUID,\"size\":65536}]}"
	run -0 pea_rl info
	assert_output --partial "  idMappings:"
	run -0 pea_rl unshare cat /proc/self/uid_map
	assert_equal "$(ns_maps "$output")" "$(printf '%s\n' "0 $FE_RL_UID 1" "1 $FE_RL_SUBUID 65536")"
	run -0 pea_cmd info --format json
	run -0 jq -c .host.idMappings <<<"$output"
	assert_output '{"gidmap":null,"uidmap":null}'
}

@test "--userns, --uidmap, --gidmap: each bad value is one clear line, exit 125, nothing made" {
	fe_load_busybox
	run -125 pea_cmd run --rm --userns=keep-id busybox true
	assert_output "Error: keep-id is only supported in rootless mode"
	run -125 pea_cmd run --rm --userns=nomap busybox true
	assert_output "Error: nomap is only supported in rootless mode"
	run -125 pea_rl run --rm --uidmap 0:x:1 busybox true
	assert_output "Error: invalid --uidmap '0:x:1': want CONTAINER:HOST:SIZE"
	run -125 pea_rl run --rm --uidmap 0:1:4294967296 busybox true
	assert_output "Error: invalid --uidmap '0:1:4294967296': want CONTAINER:HOST:SIZE"
	run -125 pea_rl run --rm --uidmap 0:1:0 busybox true
	assert_output "Error: invalid --uidmap '0:1:0': want CONTAINER:HOST:SIZE"
	run -125 pea_rl run --rm --uidmap 0:1:10 --gidmap 0:1 busybox true
	assert_output "Error: invalid --gidmap '0:1': want CONTAINER:HOST:SIZE"
	run -125 pea_rl run --rm --userns=keep-id --uidmap 0:1:10 busybox true
	assert_output "Error: --userns and --uidmap/--gidmap/--subuidname/--subgidname are mutually exclusive"
	run -125 pea_cmd run --rm --userns=host --gidmap 0:1:10 busybox true
	assert_output "Error: --userns and --uidmap/--gidmap/--subuidname/--subgidname are mutually exclusive"
	# outside the user's namespace (its uid and 65536 of /etc/subuid)
	run -125 pea_rl run --rm --uidmap 0:70000:10 busybox true
	assert_output "Error: invalid --uidmap '0:70000:10': the ids 70000 to 70009 are not in the user namespace of rootless mode (0 to 65536: your own id, then your ranges of /etc/subuid)"
	run -125 pea_rl run --rm --uidmap 0:0:10 --gidmap 0:65530:10 busybox true
	assert_output "Error: invalid --gidmap '0:65530:10': the ids 65530 to 65539 are not in the user namespace of rootless mode (0 to 65536: your own id, then your ranges of /etc/subgid)"
	run -125 pea_rl run --rm --userns=bogus busybox true
	assert_output "Error: unrecognized namespace mode bogus passed"
	run -125 pea_rl run --rm --userns=keep-id:foo=1 busybox true
	assert_output 'Error: unknown option specified: "foo=1"'
	run -125 pea_rl run --rm --userns=keep-id:uid=x busybox true
	assert_output "Error: invalid --userns 'keep-id:uid=x': uid must be a number below 4294967296"
	run -125 pea_rl run --rm --userns=auto:size=x busybox true
	assert_output "Error: invalid --userns 'auto:size=x': size must be a number from 1 to 4294967295"
	run -125 pea_rl run --rm --userns=auto:bogus=1 busybox true
	assert_output 'Error: unknown option specified: "bogus=1"'
	run -125 pea_rl run --rm --userns=nomap:x busybox true
	assert_output "Error: invalid --userns 'nomap:x': nomap takes no options"
	run -125 pea_rl run --rm --userns=ns:/proc/1/ns/user busybox true
	assert_output "Error: --userns=ns:/proc/1/ns/user is not supported yet"
	# root: auto without a range of the user containers (ours, put back after)
	if [[ -n "$NS_CONTAINERS_ADDED" ]]; then
		ns_del_containers_range
		run -125 pea_cmd run --rm --userns=auto busybox true
		ns_add_containers_range
		assert_output "Error: --userns=auto: no subuid ranges found for user containers in /etc/subuid"
	fi
	run -0 pea_rl ps -aq
	assert_output ""
	run -0 pea_cmd ps -aq
	assert_output ""
	run -0 pea_cmd volume ls -q
	assert_output ""
}

# A pod with a user namespace (pod create --uidmap): its members join the infra's,
# so a member's own --userns, --uidmap or --gidmap is refused (podman's error for
# the maps; it was silently replaced by the pod's), nothing made; a default
# (containers.conf's userns) gives way to the pod's, and a plain member joins.
@test "run --pod of a pod with a user namespace: its own --uidmap/--gidmap/--userns refused, a default gives way" {
	fe_load_busybox
	run -0 pea_cmd pod create --uidmap 0:200000:5000 --name pu76
	run -0 pea_cmd pod start pu76
	run -125 pea_cmd run --rm --pod pu76 --uidmap 0:300000:100 busybox true
	assert_output "Error: cannot specify a new uid/gid map when entering a pod with an infra container"
	run -125 pea_cmd create --pod pu76 --gidmap 0:300000:100 busybox true
	assert_output "Error: cannot specify a new uid/gid map when entering a pod with an infra container"
	run -125 pea_cmd run --rm --pod pu76 --userns host busybox true
	assert_output "Error: --userns host cannot be used with --pod: the pod's containers run in its user namespace"
	# nothing made: the infra container alone
	run -0 pea_cmd ps -a --format '{{.Names}}'
	[[ $(grep -vc -- '-infra$' <<<"$output") == 0 ]] || fail "a member was made: $output"
	run -0 pea_cmd run --rm --pod pu76 busybox cat /proc/self/uid_map
	assert_equal "$(tr -s ' ' <<<"$output")" " 0 200000 5000"
	# containers.conf's userns is a default, not the member's own: the pod's wins
	sed -i 's/^\[containers\]$/&\nuserns = "host"/' "$FE_HOST_CONF"
	run pea_cmd run --rm --pod pu76 busybox cat /proc/self/uid_map
	cp "$PEA_TEST_HELPERS/netns-none.conf" "$FE_HOST_CONF"
	assert_success
	assert_equal "$(tr -s ' ' <<<"$output")" " 0 200000 5000"
	run -0 pea_cmd pod rm -f -t 0 pu76
}
