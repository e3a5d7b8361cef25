#!/usr/bin/env bats
# pea as an ordinary user (rootless): the user namespace from /etc/subuid and
# /etc/subgid through newuidmap/newgidmap, the pause process that holds it,
# pea unshare, system migrate, containers and images as the user, and the
# clear errors of a user that cannot be rootless.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-frontend
load helpers/fe-rootless

FE_RL_NAME=pearl76
# a second user, without ranges in /etc/subuid
FE_RL_NOSUB=pearl76n

teardown_file() {
	local TEST_DIR=$BATS_FILE_TMPDIR
	fe_rl_user_teardown
	flock -w 60 /run/lock/pea-test-rootless.lock userdel -r "$FE_RL_NOSUB" 2>/dev/null || true
	fe_server_stop
}

teardown() {
	FE_RL_ENV=()
	pea_rl rm -af >/dev/null 2>&1 || true
	registry_stop 2>/dev/null || true
	netns_delete_all 2>/dev/null || true
}

# rl_pause_gone PID: the process is gone (or a zombie) within 5 s.
rl_pause_gone() {
	local i st
	for ((i = 0; i < 100; i++)); do
		st=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 0
		[[ -n "$st" && "$st" != Z ]] || return 0
		sleep 0.05
	done
	echo "process $1 is still there: $(ps -o pid=,stat=,wchan=,args= -p "$1"; grep -E "^Sig" "/proc/$1/status")" >&2
	return 1
}

# rl_no_pause [USER]: no pause process of the user (a killed one may take a moment).
rl_no_pause() {
	local user=${1:-$FE_RL_USER} i
	for ((i = 0; i < 100; i++)); do
		ps -o stat=,args= -u "$user" | awk '$1 !~ /^Z/ && $2 == "pea-pause"' | grep -q . ||
			return 0
		sleep 0.05
	done
	echo "a pause process of $user is left: $(ps -o pid=,args= -u "$user")" >&2
	return 1
}

@test "rootless: run --rm as an ordinary user, uid 0 inside is the user, the rest its ranges" {
	run -0 pea_rl run --rm busybox sh -c 'id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map'
	assert_equal "$(tr -s ' ' <<<"$output" | sed 's/^ //')" "$(printf '%s\n' 0 0 \
		"0 $FE_RL_UID 1" "1 $FE_RL_SUBUID 65536" "0 $FE_RL_GID 1" "1 $FE_RL_SUBGID 65536")"
	run -0 pea_rl ps -aq
	assert_output ""
}

@test "rootless: default paths, one pause process whose namespaces every pea joins" {
	run -0 pea_rl info --format '{{.Store.GraphRoot}} {{.Store.RunRoot}}'
	assert_output "$FE_RL_HOME/.local/share/pea/storage $FE_RL_XDG/pea/storage"
	[[ "$(stat -c %U "$FE_RL_HOME/.local/share/pea")" == "$FE_RL_USER" ]]
	pid=$(fe_rl_pause_pid)
	[[ -n "$pid" ]]
	assert_equal "$(tr '\0' ' ' <"/proc/$pid/cmdline")" "pea-pause "
	assert_equal "$(stat -c %U "/proc/$pid")" "$FE_RL_USER"
	want="$(readlink "/proc/$pid/ns/user" "/proc/$pid/ns/mnt")"
	run -0 pea_rl unshare readlink /proc/self/ns/user /proc/self/ns/mnt
	assert_output "$want"
	run -0 pea_rl unshare readlink /proc/self/ns/user /proc/self/ns/mnt
	assert_output "$want"
	assert_equal "$(fe_rl_pause_pid)" "$pid"
	# a mount made in the namespace is seen by the next pea command, not by the host
	run -0 pea_rl unshare sh -c "mkdir -p $FE_RL_HOME/m && mount -t tmpfs t $FE_RL_HOME/m"
	run -0 pea_rl unshare sh -c "findmnt -n -o FSTYPE $FE_RL_HOME/m"
	assert_output tmpfs
	run -1 findmnt -n "$FE_RL_HOME/m"
	run -0 pea_rl unshare umount "$FE_RL_HOME/m"
}

@test "rootless: run -d, ps, logs, exec, stop, rm" {
	run -0 pea_rl run -d --name web busybox sh -c 'echo started; while :; do sleep 1; done'
	id=${lines[-1]}
	[[ "$id" =~ ^[0-9a-f]{64}$ ]]
	run -0 pea_rl ps --format '{{.Names}} {{.Status}}'
	assert_output --regexp '^web Up'
	run -0 pea_rl exec web sh -c 'id -u; echo exec ok'
	assert_output "$(printf '0\nexec ok')"
	for ((n = 0; n < 100; n++)); do
		[[ "$(pea_rl logs web 2>/dev/null)" == started ]] && break
		sleep 0.05
	done
	run -0 pea_rl logs web
	assert_output started
	run -0 pea_rl stop -t 1 web
	run -0 pea_rl ps -a --format '{{.Names}} {{.Status}}'
	assert_output --regexp '^web Exited'
	run -0 pea_rl rm web
	run -0 pea_rl ps -aq
	assert_output ""
}

@test "rootless: files the container writes belong to the user and its ranges on the host" {
	fe_rl_sh 'mkdir -p vol'
	run -0 pea_rl run --rm -v "$FE_RL_HOME/vol:/data" busybox \
		sh -c 'echo r >/data/byroot; echo u >/data/by1000; chown 1000:2000 /data/by1000'
	assert_equal "$(stat -c %u:%g "$FE_RL_HOME/vol/byroot")" "$FE_RL_UID:$FE_RL_GID"
	assert_equal "$(stat -c %u:%g "$FE_RL_HOME/vol/by1000")" \
		"$((FE_RL_SUBUID + 999)):$((FE_RL_SUBGID + 1999))"
	# the container's own layer too
	run -0 pea_rl run --name w busybox sh -c 'echo x >/written; chown 1000 /written'
	f=$(find "$FE_RL_HOME/.local/share/pea/storage" -path '*/diff/written' | head -1)
	[[ -n "$f" ]]
	assert_equal "$(stat -c %u "$f")" "$((FE_RL_SUBUID + 999))"
}

@test "rootless: pea unshare runs a command as root of the namespace, with the roots named" {
	run -0 pea_rl unshare sh -c 'id -u; echo $CONTAINERS_GRAPHROOT; echo $CONTAINERS_RUNROOT'
	assert_output "$(printf '0\n%s\n%s' "$FE_RL_HOME/.local/share/pea" "$FE_RL_XDG/pea")"
	run -3 pea_rl unshare -- sh -c 'exit 3'
	run -127 pea_rl unshare /nosuch/cmd
	assert_output "Error: exec '/nosuch/cmd': No such file or directory"
	run -125 pea_rl unshare --bogus
	assert_line --index 0 "Error: unknown flag: --bogus"
	# root has no user namespace to enter
	run -125 pea_cmd unshare true
	assert_output "Error: please use unshare with rootless"
}

@test "rootless: system migrate stops the containers and the pause process, the next pea starts another" {
	run -0 pea_rl run -d --name m busybox sleep 1000
	pid=$(fe_rl_pause_pid)
	[[ -n "$pid" ]]
	run -0 pea_rl system migrate
	rl_pause_gone "$pid"
	[[ ! -e "$FE_RL_XDG/pea/pause.pid" ]]
	# nothing to stop is fine, and starts nothing
	run -0 pea_rl system migrate
	[[ ! -e "$FE_RL_XDG/pea/pause.pid" ]]
	rl_no_pause
	run -0 pea_rl ps -a --format '{{.Names}} {{.Status}}'
	assert_output --regexp '^m Exited'
	run -0 pea_rl rm m
	run -0 pea_rl run --rm busybox echo again
	assert_output again
	new=$(fe_rl_pause_pid)
	[[ -n "$new" && "$new" != "$pid" ]]
	kill -0 "$new"
}

@test "rootless: a stale pid file is replaced, a pid that is not a pause process is not joined" {
	run -0 pea_rl system migrate
	# a pid of something else of the user's: never joined, never signalled
	fe_rl_sh 'exec sleep 60' 3>&- &
	sleeper=$!
	for ((n = 0; n < 100; n++)); do
		other=$(ps -o pid=,args= -u "$FE_RL_USER" | awk '$2 == "sleep" { print $1; exit }')
		[[ -z "$other" ]] || break
		sleep 0.05
	done
	[[ -n "$other" ]]
	echo "$other" >"$FE_RL_XDG/pea/pause.pid"
	run -0 pea_rl run --rm busybox echo ok
	assert_output ok
	pid=$(fe_rl_pause_pid)
	[[ "$pid" != "$other" ]]
	run -0 pea_rl system migrate
	kill -0 "$other"
	kill "$other"
	wait "$sleeper" || true
}

@test "rootless: a user without a range in /etc/subuid gets one clear line, nothing is left" {
	# under the lock of every test user's setup: a sed beside another file's
	# append to /etc/subuid would lose it
	if ! getent passwd "$FE_RL_NOSUB" >/dev/null; then
		flock -w 60 /run/lock/pea-test-rootless.lock useradd -M -s /bin/sh "$FE_RL_NOSUB"
	fi
	flock -w 60 /run/lock/pea-test-rootless.lock sed -i "/^$FE_RL_NOSUB:/d" /etc/subuid /etc/subgid
	# it fails before its home is used
	local FE_RL_USER=$FE_RL_NOSUB FE_RL_HOME=/nonexistent FE_RL_XDG
	FE_RL_XDG=/run/user/$(id -u "$FE_RL_NOSUB")
	mkdir -p "$FE_RL_XDG"
	chown "$FE_RL_NOSUB" "$FE_RL_XDG"
	run -125 pea_rl run --rm busybox true
	assert_output "Error: cannot set up the user namespace of rootless mode: no subuid ranges found for user $FE_RL_NOSUB in /etc/subuid"
	rl_no_pause "$FE_RL_NOSUB"
	[[ ! -e "$FE_RL_XDG/pea/pause.pid" ]]
	rm -rf "$FE_RL_XDG"
}

@test "rootless: newuidmap missing, XDG_RUNTIME_DIR of another user: one clear line each" {
	run -0 pea_rl system migrate
	FE_RL_ENV=(PATH=/nonexistent)
	run -125 pea_rl run --rm busybox true
	assert_output "Error: newuidmap not found: rootless mode needs it to map the ranges of /etc/subuid and /etc/subgid (install the uidmap package)"
	rl_no_pause
	[[ ! -e "$FE_RL_XDG/pea/pause.pid" ]]
	FE_RL_ENV=(XDG_RUNTIME_DIR=/tmp)
	run -125 pea_rl ps
	assert_output "Error: rootless mode: XDG_RUNTIME_DIR '/tmp' is not owned by the current user (uid $FE_RL_UID): set it to a folder of yours or unset it"
	rl_no_pause
}

@test "rootless: without XDG_RUNTIME_DIR the run root is /tmp/pea-run-UID (0700, the user's own)" {
	run -0 pea_rl system migrate
	rm -rf "/tmp/pea-run-$FE_RL_UID"
	FE_RL_ENV=(XDG_RUNTIME_DIR=)
	run -0 pea_rl unshare sh -c 'echo $CONTAINERS_RUNROOT'
	assert_output "/tmp/pea-run-$FE_RL_UID"
	assert_equal "$(stat -c '%a %U' "/tmp/pea-run-$FE_RL_UID")" "700 $FE_RL_USER"
	[[ -s "/tmp/pea-run-$FE_RL_UID/pause.pid" ]]
	pid=$(cat "/tmp/pea-run-$FE_RL_UID/pause.pid")
	run -0 pea_rl system migrate
	rl_pause_gone "$pid"
	# someone else's folder there is refused
	rm -rf "/tmp/pea-run-$FE_RL_UID"
	mkdir -m 0777 "/tmp/pea-run-$FE_RL_UID"
	run -125 pea_rl ps
	assert_output "Error: rootless mode: '/tmp/pea-run-$FE_RL_UID' is not a folder owned by the current user (uid $FE_RL_UID)"
	rmdir "/tmp/pea-run-$FE_RL_UID"
	rl_no_pause
}

@test "rootless: pull from a registry and run the image as the user" {
	registry_start
	registry_push_oci "$BUSYBOX_OCI" "rl/busybox:1"
	run -0 pea_rl pull -q --tls-verify=false "$REGISTRY_ADDR/rl/busybox:1"
	assert_output --regexp '^[0-9a-f]{64}$'
	run -0 pea_rl run --rm "$REGISTRY_ADDR/rl/busybox:1" echo pulled
	assert_output pulled
	run -0 pea_rl rmi "$REGISTRY_ADDR/rl/busybox:1"
}

@test "rootless: storage.conf's mount_program (pea-overlayfs) mounts the containers' roots" {
	require_cmd "$PEA_OVERLAYFS"
	require_cmd fusermount3
	run -0 pea_rl system migrate
	fe_rl_sh 'mkdir -p .config/containers'
	printf '[storage.options.overlay]\nmount_program = "%s"\n' "$PEA_OVERLAYFS" \
		>"$FE_RL_HOME/.config/containers/storage.conf"
	# /dev/fuse here is root's only: the pause process starts in a mount
	# namespace where a 0666 node of the test's is bound over it, and every
	# later pea joins that namespace
	mknod -m 0666 "$TEST_DIR/fuse" c 10 229
	(
		real=$PEA
		mapfile -d '' envv < <(fe_rl_env)
		PEA=unshare
		FE_ARGS=(-m --propagation private sh -c 'mount --bind "$0" /dev/fuse && exec "$@"'
			"$TEST_DIR/fuse" runuser -u "$FE_RL_USER" -- "${envv[@]}" "$real" unshare true)
		pea_cmd
	)
	run -0 pea_rl run --rm busybox awk '$2 == "/" { print $3 }' /proc/mounts
	assert_output fuse.pea-overlayfs
	run -0 pea_rl run -d --name f busybox sleep 100
	run -0 pea_rl exec f sh -c 'echo x >/new; cat /new'
	assert_output x
	run -0 pea_rl rm -f f
	rm -f "$FE_RL_HOME/.config/containers/storage.conf"
	run -0 pea_rl system migrate
	# no pea-overlayfs left serving
	run -1 pgrep -u "$FE_RL_USER" -f "$PEA_OVERLAYFS"
}

# rl_pause_with DEVNODE NAME...: stop the pause process, then start the next
# one in a mount namespace where a 0666 node of the test's is bound over each
# /dev/NAME (root's only here), so that every later pea, which joins it, can open them.
rl_pause_with() {
	local real=$PEA envv binds="" node
	run -0 pea_rl system migrate
	for node in "$@"; do
		binds+="mount --bind $TEST_DIR/${node//\//-} /dev/$node && "
	done
	mapfile -d '' envv < <(fe_rl_env)
	local PEA=unshare
	local FE_ARGS=(-m --propagation private sh -c "${binds}exec \"\$@\"" sh
		runuser -u "$FE_RL_USER" -- "${envv[@]}" "$real" unshare true)
	pea_cmd
}

# rl_net_setup: the test's network namespace with an interface, an address and
# a default route for pasta to copy; pea_rl_net runs pea as the user in it.
rl_net_setup() {
	require_cmd pasta
	require_cmd curl
	require_cmd nsenter
	netns_create
	ip -n "$NETNS_NAME" link add v0 type veth peer name v1
	ip -n "$NETNS_NAME" addr add 192.0.2.1/24 dev v0
	ip -n "$NETNS_NAME" link set v0 up
	ip -n "$NETNS_NAME" link set v1 up
	ip -n "$NETNS_NAME" route add default via 192.0.2.254 dev v0 onlink
	mknod -m 0666 "$TEST_DIR/net-tun" c 10 200
	rl_pause_with net/tun
}

pea_rl_net() {
	local real=$PEA envv
	mapfile -d '' envv < <(fe_rl_env)
	local PEA=nsenter
	local FE_ARGS=(--net="$NETNS_PATH" -- runuser -u "$FE_RL_USER" -- "${envv[@]}"
		"${FE_RL_ENV[@]}" "$real" --runtime "$FE_RL_RUNTIME")
	pea_cmd "$@"
}

@test "rootless: --network none has lo alone, --network host the host's interfaces" {
	run -0 pea_rl run --rm --network none busybox sh -c 'ls /sys/class/net | paste -sd" "'
	assert_output lo
	run -0 pea_rl run --rm --network host busybox sh -c 'ls /sys/class/net | paste -sd" "'
	assert_output "$(ls /sys/class/net | paste -sd' ')"
}

@test "rootless: -p means pasta, the published port reachable on 127.0.0.1, pasta gone after stop" {
	rl_net_setup
	run -0 pea_rl_net run -d --name web -p 8080:80 busybox httpd -f -p 80 -h /etc
	run -0 pea_rl inspect --format '{{.HostConfig.NetworkMode}}' web
	assert_output pasta
	run -0 pea_rl port web
	assert_output "80/tcp -> 0.0.0.0:8080"
	for ((n = 0; n < 100; n++)); do
		out=$(timeout -k 5 10 nsenter --net="$NETNS_PATH" curl -s -m 5 http://127.0.0.1:8080/hostname) && break
		sleep 0.1
	done
	assert_equal "$out" "$(pea_rl inspect --format '{{.Config.Hostname}}' web)"
	pidf=$(ls "$FE_RL_XDG"/pea/containers/*/pasta.pid)
	pasta=$(cat "$pidf")
	# pasta, or passt.avx2 once it re-executed itself
	[[ "$(cat "/proc/$pasta/comm")" == pas* ]]
	run -0 pea_rl_net stop -t 1 web
	rl_pause_gone "$pasta"
	[[ ! -e "$pidf" ]]
	run -0 pea_rl_net rm web
	# -P: free host ports, shown by pea port
	run -0 pea_rl_net run -d --name pp -P --expose 80 busybox httpd -f -p 80 -h /etc
	run -0 pea_rl port pp
	assert_output --regexp '^80/tcp -> 0\.0\.0\.0:[0-9]+$'
	port=${output##*:}
	for ((n = 0; n < 100; n++)); do
		out=$(timeout -k 5 10 nsenter --net="$NETNS_PATH" curl -s -m 5 "http://127.0.0.1:$port/hostname") && break
		sleep 0.1
	done
	assert_equal "$out" "$(pea_rl inspect --format '{{.Config.Hostname}}' pp)"
	run -0 pea_rl_net rm -f pp
	# explicit, with options of pasta's own
	run -0 pea_rl_net run --rm --network pasta:--mtu,1500 busybox cat /sys/class/net/v0/mtu
	assert_output 1500
	# containers.conf's private (podman's default) is pasta too, bridge as well
	for mode in private bridge; do
		printf '[containers]\nnetns = "%s"\n' "$mode" >"$FE_RL_HOME/net.conf"
		chmod 644 "$FE_RL_HOME/net.conf"
		FE_RL_ENV=(CONTAINERS_CONF_OVERRIDE="$FE_RL_HOME/net.conf")
		run -0 pea_rl_net run --rm busybox sh -c 'ls /sys/class/net | paste -sd" "'
		assert_output "lo v0"
	done
	FE_RL_ENV=()
	netns_delete_all
}

@test "rootless: network errors: slirp4netns, pasta missing" {
	run -125 pea_rl run --rm --network slirp4netns:bogus=1 busybox true
	assert_output "Error: unknown option for slirp4netns: 'bogus=1'"
	run -0 pea_rl unshare true
	FE_RL_ENV=(PATH=/nonexistent)
	run -125 pea_rl run --rm -p 8080:80 busybox true
	assert_output "Error: --network pasta: pasta not found (install the passt package)"
	FE_RL_ENV=()
	run -0 pea_rl ps -aq
	assert_output ""
}

@test "rootless: pea commands started together share one new pause process" {
	run -0 pea_rl system migrate
	pids=()
	for ((n = 0; n < 8; n++)); do
		pea_rl ps -aq >"$TEST_DIR/ps.$n" 2>&1 3>&- &
		pids+=($!)
	done
	for p in "${pids[@]}"; do
		wait "$p"
	done
	run -0 sh -c "ps -o stat=,args= -u '$FE_RL_USER' | awk '\$1 !~ /^Z/ && \$2 == \"pea-pause\"' | wc -l"
	assert_output 1
	pid=$(fe_rl_pause_pid)
	want="$(readlink "/proc/$pid/ns/user")"
	run -0 pea_rl unshare readlink /proc/self/ns/user
	assert_output "$want"
	run -0 pea_rl info --format '{{.Host.Security.Rootless}}'
	assert_output true
}

@test "rootless: the user's containers.conf and storage.conf come from XDG_CONFIG_HOME" {
	fe_rl_sh 'mkdir -p xdg/containers && printf "[engine\n" >xdg/containers/containers.conf'
	FE_RL_ENV=(XDG_CONFIG_HOME="$FE_RL_HOME/xdg")
	run -125 pea_rl ps
	assert_output --partial "Error: containers.conf: $FE_RL_HOME/xdg/containers/containers.conf:1:"
	fe_rl_sh 'rm xdg/containers/containers.conf && printf "[storage\n" >xdg/containers/storage.conf'
	run -125 pea_rl images
	assert_output --partial "$FE_RL_HOME/xdg/containers/storage.conf"
	FE_RL_ENV=()
	run -0 pea_rl images -q
}

@test "rootless: after the pause process is killed, pea joins the namespaces its containers kept" {
	run -0 pea_rl run -d --name keep busybox sleep 1000
	pid=$(fe_rl_pause_pid)
	userns=$(readlink "/proc/$pid/ns/user")
	kill -KILL "$pid"
	rl_pause_gone "$pid"
	run -0 pea_rl exec keep echo still
	assert_output still
	new=$(fe_rl_pause_pid)
	[[ -n "$new" && "$new" != "$pid" ]]
	assert_equal "$(readlink "/proc/$new/ns/user")" "$userns"
	assert_equal "$(tr '\0' ' ' <"/proc/$new/cmdline")" "pea-pause "
	run -0 pea_rl stop -t 1 keep
	run -0 pea_rl rm keep
	run -0 pea_rl ps -aq
	assert_output ""
}
