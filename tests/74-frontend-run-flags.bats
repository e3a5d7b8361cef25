#!/usr/bin/env bats
# pea run/create --log-driver, --log-opt, --annotation, --platform, --tz, --replace, run
# --rmi and containers.conf's log_driver, log_size_max, log_tag, annotations, tz
# (podman-run(1), containers.conf(5)):
# the output and pea logs with each driver, inspect's HostConfig.LogConfig and
# Config.Annotations, the monitor's k8s-file cap, the journal (socat plays it in a
# private mount namespace), a platform's image pulled from a manifest list in a registry
# (Debian's docker-registry on 127.0.0.1); every bad value is one line, exit 125, and
# nothing made.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-frontend
load helpers-image

setup_file() {
	ensure_fixtures
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
	fe_load_busybox
}

teardown() {
	fe_teardown
}

# pea_env VAR=VALUE ARGS...: pea ARGS with VAR in its environment, under the file's subreaper.
pea_env() {
	local real=$PEA
	local PEA=env
	local FE_ARGS=("$1" "$real" "${FE_ARGS[@]}")
	shift
	pea_cmd "$@"
}

# pea_bash FILE: bash FILE under the file's subreaper, with pea and its options as "$@".
pea_bash() {
	local real=$PEA
	local PEA=bash
	local FE_ARGS=("$1" "$real" "${FE_ARGS[@]}")
	pea_cmd
}

# refused ARGS...: pea run ARGS fails with one line, 125, and makes no container.
refused() {
	local before msg
	before=$(pea_out ps -aq --no-trunc)
	run -125 pea_cmd run "$@"
	assert_equal "${#lines[@]}" 1
	assert_output --regexp '^Error: '
	msg=$output
	run -0 pea_cmd ps -aq --no-trunc
	assert_output "$before"
	output=$msg
}

@test "log drivers: k8s-file (default, capped), json-file, none, passthrough: output, logs, inspect" {
	run -0 pea_cmd run --name k busybox echo hello-k8s
	assert_output hello-k8s
	run -0 pea_cmd logs k
	assert_output hello-k8s
	run -0 pea_cmd inspect --format '{{.HostConfig.LogConfig.Type}} {{.HostConfig.LogConfig.Size}} {{.HostConfig.LogConfig.Tag}}|{{json .HostConfig.LogConfig.Config}}' k
	assert_output "k8s-file 10.49MB |null"
	run -0 pea_cmd inspect --format '{{.HostConfig.LogConfig.Path}} {{.LogPath}}' k
	id=$(pea_out inspect --format '{{.Id}}' k)
	assert_output "$FE_ROOT/containers/$id/ctr.log $FE_ROOT/containers/$id/ctr.log"
	run -0 cat "$FE_ROOT/containers/$id/ctr.log"
	assert_output --regexp '^[0-9T:.+-]+ stdout F hello-k8s$'

	# json-file is k8s-file, and inspect keeps the name given (podman's #7754)
	run -0 pea_cmd run --name j --log-driver json-file busybox sh -c 'echo out; echo err >&2'
	run -0 pea_cmd logs j
	assert_output $'out\nerr'
	run -0 pea_cmd inspect --format '{{.HostConfig.LogConfig.Type}}' j
	assert_output json-file

	# none: the output of a foreground run still comes (the attach socket), logs refuses
	run -3 pea_cmd run --name n --log-driver none busybox sh -c 'echo out-none; echo err-none >&2; exit 3'
	assert_output $'out-none\nerr-none'
	run -125 pea_cmd logs n
	assert_output "Error: this container is using the 'none' log driver, cannot read logs: this container is not logging output"
	run -0 pea_cmd inspect --format '{{.HostConfig.LogConfig.Type}} {{.HostConfig.LogConfig.Size}} [{{.HostConfig.LogConfig.Path}}] [{{.LogPath}}]' n
	assert_output "none 0B [] []"
	test ! -e "$FE_ROOT/containers/$(pea_out inspect --format '{{.Id}}' n)/ctr.log"
	# with -i, pea's stdin reaches it; start -a of it works the same way
	echo 'echo from-stdin | "$@" run --rm -i --log-driver none busybox cat' >"$TEST_DIR/in.sh"
	run -0 pea_bash "$TEST_DIR/in.sh"
	assert_output from-stdin
	run -3 pea_cmd start -a n
	assert_output $'out-none\nerr-none'

	# passthrough: the container writes on pea's own stdout and stderr; -d prints no id
	run -0 pea_cmd run --name p --log-driver passthrough busybox sh -c 'echo out-pt; echo err-pt >&2'
	assert_output $'out-pt\nerr-pt'
	run -125 pea_cmd logs p
	assert_output "Error: this container is using the 'passthrough' log driver, cannot read logs: this container is not logging output"
	run -0 pea_cmd run -d --log-driver passthrough busybox echo detached-pt
	assert_output detached-pt
	run -0 pea_cmd inspect --format '{{.HostConfig.LogConfig.Type}}' p
	assert_output passthrough
	# no attach socket: attach says so, as podman
	run -0 pea_cmd run -d --name pd --log-driver passthrough busybox sleep 100
	assert_output ""
	run -125 pea_cmd attach pd
	assert_output "Error: this container is using the 'passthrough' log driver, cannot attach: this container is not logging output"
	run -0 pea_cmd rm -f -t 0 pd
}

@test "--log-opt path=, max-size= (decimal units, the file starts again at the cap), tag=" {
	run -0 pea_cmd run --name p --log-opt path="$TEST_DIR/my.log" --log-opt max-size=10k \
		--log-opt tag='{{.Name}}-x' busybox echo to-my-log
	run -0 cat "$TEST_DIR/my.log"
	assert_output --regexp '^[0-9T:.+-]+ stdout F to-my-log$'
	run -0 pea_cmd logs p
	assert_output to-my-log
	run -0 pea_cmd inspect --format '{{.HostConfig.LogConfig.Path}} {{.LogPath}} {{.HostConfig.LogConfig.Size}} {{.HostConfig.LogConfig.Tag}}' p
	assert_output "$TEST_DIR/my.log $TEST_DIR/my.log 10kB {{.Name}}-x"
	# a relative path is the caller's folder's
	echo "cd '$TEST_DIR' && \"\$@\" run --rm --log-opt path=rel.log busybox echo rel" >"$TEST_DIR/rel.sh"
	run -0 pea_bash "$TEST_DIR/rel.sh"
	run -0 grep -c ' stdout F rel$' "$TEST_DIR/rel.log"

	# 3000 lines of 40 bytes pass the 10k cap several times: the file starts again
	# empty each time (conmon's truncation), and holds the last lines
	run -0 pea_cmd run --name big --log-opt max-size=10kb busybox \
		sh -c 'i=0; while [ $i -lt 3000 ]; do echo "line-$i-xxxxxxxxxxxxxxxxxxxxxxx"; i=$((i+1)); done'
	assert_equal "${#lines[@]}" 3000
	id=$(pea_out inspect --format '{{.Id}}' big)
	size=$(stat -c %s "$FE_ROOT/containers/$id/ctr.log")
	((size <= 10000))
	run -0 pea_cmd logs --tail 1 big
	assert_output line-2999-xxxxxxxxxxxxxxxxxxxxxxx
	run -0 pea_cmd logs big
	refute_line line-0-xxxxxxxxxxxxxxxxxxxxxxx
	# units as go-units' FromHumanSize: 1000-based, i and b ignored, decimals
	run -0 pea_cmd create --name s1 --log-opt max-size=1.5MiB busybox true
	run -0 pea_cmd create --name s2 --log-opt max-size='2 g' busybox true
	run -0 pea_cmd create --name s3 --log-opt max-size=3.051m busybox true
	run -0 pea_cmd inspect --format '{{.HostConfig.LogConfig.Size}}' s1 s2 s3
	assert_output $'1.5MB\n2GB\n3.051MB'
	# other names are kept as podman keeps them (no driver reads them)
	run -0 pea_cmd create --log-opt mode=non-blocking busybox true
}

@test "bad log values: one line naming the value, 125, nothing made" {
	refused --log-driver bogus busybox true
	# podman's words (its 030-run), not the value's
	assert_output 'Error: running container create option: invalid log driver: invalid argument'
	refused --log-driver= busybox true
	assert_output 'Error: running container create option: log driver must be set: invalid argument'
	refused --log-opt nokey busybox true
	assert_output 'Error: invalid log option "nokey": use NAME=VALUE (path, max-size, tag)'
	refused --log-opt max-size=abc busybox true
	assert_output "Error: invalid size: 'abc'"
	refused --log-opt max-size=-1 busybox true
	assert_output "Error: invalid size: '-1'"
	refused --log-opt max-size=1.2.3 busybox true
	assert_output "Error: invalid size: '1.2.3'"
	refused --log-opt path= busybox true
	assert_output --partial 'log path must be set'
	refused --log-opt path=/nonexistent/dir/x.log busybox true
	assert_output "Error: --log-opt path=/nonexistent/dir/x.log: folder '/nonexistent/dir': No such file or directory"
	refused --log-opt path="$TEST_DIR/" busybox true
	assert_output --partial 'a folder, not a file'
	refused --log-opt tag= busybox true
	assert_output --partial 'log tag must be set'
	refused --log-opt 'tag={{.Nope}}' busybox true
	assert_output --partial "log tag '{{.Nope}}'"
	# passthrough: not with -t (nor on a terminal: tests below)
	refused -t --log-driver passthrough busybox true
	assert_output "Error: the '--log-driver passthrough' option cannot be used with -t/--tty"
	# no journal here (the journald test makes one in a mount namespace of its own)
	if [[ ! -S /run/systemd/journal/socket ]]; then
		refused --log-driver journald busybox true
		assert_output --partial "failed to initialize journal: connect '/run/systemd/journal/socket'"
	fi
	run -125 pea_cmd create --log-driver bogus busybox true
	assert_output --partial 'invalid log driver: invalid argument'
}

@test "passthrough on a terminal is refused, as podman (TIOCSTI)" {
	require_cmd script
	echo 'SHELL=/bin/bash timeout -k 5 30 script -qec "$(printf "%q " "$@" run --rm --log-driver passthrough busybox true)" /dev/null </dev/null' >"$TEST_DIR/t.sh"
	run -125 pea_bash "$TEST_DIR/t.sh"
	assert_output --partial "the '--log-driver passthrough' option cannot be used on a TTY"
	run -0 pea_cmd ps -aq
	assert_output ""
}

# conf TEXT: a containers.conf read last (besides the file's netns = "none").
conf() {
	printf '[containers]\nnetns = "none"\n%s\n' "$1" >"$TEST_DIR/override.conf"
}

@test "containers.conf: log_driver, log_size_max, log_tag, annotations; flags win; bad values" {
	CONF="$TEST_DIR/override.conf"
	conf $'log_driver = "none"\nlog_size_max = 20000\nlog_tag = "t1"\nannotations = ["from.conf=1", "both=conf"]'
	run -0 pea_env CONTAINERS_CONF_OVERRIDE="$CONF" run --name a busybox echo conf-none
	assert_output conf-none
	run -0 pea_cmd inspect --format '{{.HostConfig.LogConfig.Type}} {{.HostConfig.LogConfig.Tag}} {{index .Config.Annotations "from.conf"}} {{index .Config.Annotations "both"}}' a
	assert_output "none t1 1 conf"
	run -0 pea_env CONTAINERS_CONF_OVERRIDE="$CONF" run --name b --log-driver k8s-file --annotation both=flag busybox echo flags
	run -0 pea_cmd inspect --format '{{.HostConfig.LogConfig.Type}} {{.HostConfig.LogConfig.Size}} {{index .Config.Annotations "both"}}' b
	assert_output "k8s-file 20kB flag"
	run -0 pea_cmd logs b
	assert_output flags
	# info shows the default a new container gets, as podman's {{.Host.LogDriver}}
	run -0 pea_env CONTAINERS_CONF_OVERRIDE="$CONF" info --format '{{.Host.LogDriver}}'
	assert_output none
	run -0 pea_cmd info --format '{{.Host.LogDriver}}'
	assert_output k8s-file
	# log_size_max = -1: no cap
	conf 'log_size_max = -1'
	run -0 pea_env CONTAINERS_CONF_OVERRIDE="$CONF" create --name c busybox true
	run -0 pea_cmd inspect --format '{{.HostConfig.LogConfig.Size}}' c
	assert_output 0B
	# bad values name the file and the key
	conf 'log_driver = "bogus"'
	run -125 pea_env CONTAINERS_CONF_OVERRIDE="$CONF" create busybox true
	assert_output 'Error: containers.conf: invalid log driver "bogus": use k8s-file, json-file, journald, none or passthrough'
	conf 'log_size_max = 100'
	run -125 pea_env CONTAINERS_CONF_OVERRIDE="$CONF" create busybox true
	assert_output "Error: containers.conf: $CONF: 'containers.log_size_max': 100: must be negative (no cap) or at least 8192"
	conf 'log_size_max = "big"'
	run -125 pea_env CONTAINERS_CONF_OVERRIDE="$CONF" create busybox true
	assert_output --partial "log_size_max"
	conf 'annotations = ["novalue"]'
	run -125 pea_env CONTAINERS_CONF_OVERRIDE="$CONF" create busybox true
	assert_output 'Error: containers.conf: invalid annotation "novalue": annotations must be formatted KEY=VALUE'
	run -0 pea_cmd ps -aq
	assert_equal "${#lines[@]}" 3
}

# journald_case PEA ARGS...: in a private mount namespace with a tmpfs on /run/systemd,
# socat plays the journal on /run/systemd/journal/socket and keeps every datagram.
journald_case() {
	cat >"$TEST_DIR/j.sh" <<-EOF
	set -e
	mount -t tmpfs tmpfs /run/systemd
	mkdir -p /run/systemd/journal
	timeout -k 5 60 socat -u UNIX-RECV:/run/systemd/journal/socket \\
		OPEN:"$TEST_DIR/journal.raw",creat,append 3>&- &
	socat_pid=\$!
	for ((i = 0; i < 100; i++)); do
		[[ -S /run/systemd/journal/socket ]] && break
		sleep 0.05
	done
	timeout -k 5 60 "\$@" run --name jd --log-driver journald --log-opt 'tag={{.Name}}-tag' \\
		busybox sh -c 'echo to-journal; echo err-journal >&2' >"$TEST_DIR/out" 2>&1
	timeout -k 5 30 "\$@" inspect --format '{{.Id}}' jd >"$TEST_DIR/id"
	timeout -k 5 30 "\$@" logs jd >"$TEST_DIR/logs" 2>&1 || echo "\$?" >"$TEST_DIR/logs-rc"
	sleep 0.2
	kill "\$socat_pid"
	wait "\$socat_pid" || true
	EOF
	echo "timeout -k 5 120 unshare -m --propagation private bash '$TEST_DIR/j.sh' \"\$@\"" >"$TEST_DIR/outer.sh"
	pea_bash "$TEST_DIR/outer.sh"
}

@test "journald: each line an entry on the journal's socket, with the tag; logs says where" {
	require_cmd socat
	run -0 journald_case
	run -0 cat "$TEST_DIR/out"
	assert_output $'to-journal\nerr-journal'
	id=$(cat "$TEST_DIR/id")
	raw="$TEST_DIR/journal.raw"
	run -0 grep -ac "^CONTAINER_ID_FULL=$id$" "$raw"
	assert_output 2
	grep -aq "^CONTAINER_NAME=jd$" "$raw"
	grep -aq "^CONTAINER_TAG=jd-tag$" "$raw"
	grep -aq "^SYSLOG_IDENTIFIER=jd-tag$" "$raw"
	grep -aq "to-journal" "$raw"
	# logs reads the journal through journalctl (74-frontend-anchor checks what
	# it prints with a stand-in): this one is the socket above, so it is empty
	[[ ! -e "$TEST_DIR/logs-rc" ]] || fail "logs: exit $(cat "$TEST_DIR/logs-rc"): $(cat "$TEST_DIR/logs")"
	run -0 cat "$TEST_DIR/logs"
	assert_output ""
	run -0 pea_cmd inspect --format '{{.HostConfig.LogConfig.Type}} {{.HostConfig.LogConfig.Tag}} [{{.HostConfig.LogConfig.Path}}]' jd
	assert_output "journald {{.Name}}-tag []"
}

@test "--annotation: the OCI spec's annotations and inspect's Config.Annotations, podman's names" {
	run -0 pea_cmd create --name a --annotation com.example.key=v1 --annotation empty= \
		--annotation 'spaced=a b=c' busybox true
	run -0 pea_cmd inspect --format '{{json .Config.Annotations}}' a
	assert_output '{"com.example.key":"v1","empty":"","io.kubernetes.cri-o.TTY":"false","io.podman.annotations.autoremove":"FALSE","io.podman.annotations.init":"FALSE","io.podman.annotations.privileged":"FALSE","io.podman.annotations.publish-all":"FALSE","spaced":"a b=c"}'
	run -0 pea_cmd start a
	id=$(pea_out inspect --format '{{.Id}}' a)
	run -0 jq -c '.annotations | del(."io.kubernetes.cri-o.Created")' "$FE_ROOT/containers/$id/config.json"
	assert_output '{"com.example.key":"v1","empty":"","io.container.manager":"libpod","io.kubernetes.cri-o.TTY":"false","io.podman.annotations.autoremove":"FALSE","io.podman.annotations.init":"FALSE","io.podman.annotations.privileged":"FALSE","io.podman.annotations.publish-all":"FALSE","org.opencontainers.image.stopSignal":"15","spaced":"a b=c"}'
	# once started, inspect shows what the start added, as podman
	run -0 pea_cmd inspect --format '{{index .Config.Annotations "io.container.manager"}} {{index .Config.Annotations "org.opencontainers.image.stopSignal"}}' a
	assert_output "libpod 15"
	# -t, --rm, --privileged, --init, -P show
	run -0 pea_cmd create --name b -t --rm --privileged --init -P --stop-signal SIGINT busybox true
	run -0 pea_cmd inspect --format '{{json .Config.Annotations}}' b
	assert_output '{"io.kubernetes.cri-o.TTY":"true","io.podman.annotations.autoremove":"TRUE","io.podman.annotations.init":"TRUE","io.podman.annotations.privileged":"TRUE","io.podman.annotations.publish-all":"TRUE"}'
	# bad ones: one line, 125, nothing made
	refused --annotation novalue busybox true
	assert_output 'Error: invalid annotation "novalue": annotations must be formatted KEY=VALUE'
	refused --annotation =v busybox true
	assert_output 'Error: invalid annotation "=v": annotations must be formatted KEY=VALUE'
}

@test "--platform: the platform's image from a manifest list, pulled again for another (--pull=missing); pull --platform" {
	registry_start
	img_build_layout "$TEST_DIR/amd" amd64 0 1
	img_build_layout "$TEST_DIR/arm" arm64 0 1 gzip v8
	img_build_index "$TEST_DIR/idx" "$TEST_DIR/amd" "$TEST_DIR/arm"
	registry_push_oci "$TEST_DIR/idx" plat/multi:latest
	ref="$REGISTRY_ADDR/plat/multi:latest"
	# (the arm64 image holds the same x86 busybox: it runs here)
	run -0 pea_cmd run --rm --tls-verify=false --platform linux/arm64 "$ref" echo on-arm64
	assert_line on-arm64
	run -0 pea_cmd image inspect --format '{{.Architecture}} {{.Os}}' "$ref"
	assert_output "arm64 linux"
	# in the store already: no pull, with or without the variant
	run -0 pea_cmd run --rm --pull=never --platform linux/arm64/v8 "$ref" echo again
	assert_output again
	run -0 pea_cmd run --rm --pull=never --platform linux/arm64 "$ref" true
	# another platform: --pull=never says so, missing pulls it again
	run -125 pea_cmd run --rm --pull=never --platform linux/amd64 "$ref" true
	assert_output "Error: $ref: image not known for platform linux/amd64 (the store's is linux/arm64/v8): pull it, not --pull=never"
	run -0 pea_cmd create --name c --tls-verify=false --platform linux/amd64 "$ref" true
	run -0 pea_cmd image inspect --format '{{.Architecture}}' "$ref"
	assert_output amd64
	run -0 pea_cmd inspect --format '{{.ImageName}}' c
	assert_output "$ref"
	# without --platform: what the store has, whatever its platform
	run -0 pea_cmd pull -q --tls-verify=false --platform linux/arm64/v8 "$ref"
	run -0 pea_cmd image inspect --format '{{.Architecture}}' "$ref"
	assert_output arm64
	run -0 pea_cmd run --rm --pull=never "$ref" echo any
	assert_output any
	# a platform the list does not have
	run -125 pea_cmd pull -q --tls-verify=false --platform linux/s390x "$ref"
	assert_output --partial "s390x"
	run -125 pea_cmd run --rm --tls-verify=false --platform linux/s390x "$ref" true
	assert_output --partial "s390x"
}

@test "bad --platform values: one line naming the value, 125, nothing made or pulled" {
	for bad in foo/bar/baz/qux linux//v8 linux/ Linux/amd64 '' /amd64 'linux/amd 64'; do
		refused --platform "$bad" busybox true
		assert_output "Error: invalid platform \"$bad\": use OS/ARCH[/VARIANT] (linux/amd64, linux/arm64/v8)"
		run -125 pea_cmd pull --platform "$bad" busybox
		assert_output "Error: invalid platform \"$bad\": use OS/ARCH[/VARIANT] (linux/amd64, linux/arm64/v8)"
	done
	refused --platform windows/amd64 busybox true
	assert_output 'Error: invalid platform "windows/amd64": pea runs linux containers only'
	run -125 pea_cmd create --platform a/b/c/d busybox true
	run -0 pea_cmd images -q
	assert_equal "${#lines[@]}" 1
}

@test "--tz: a zone of /usr/share/zoneinfo or local on /etc/localtime; containers.conf's tz; bad zones" {
	[[ -f /usr/share/zoneinfo/Asia/Tokyo ]] || skip "expected: no tzdata on this machine"
	run -0 pea_cmd run --rm busybox date -d @1600000000 +%Z
	assert_output UTC
	# the last one wins, as podman
	run -0 pea_cmd run --rm --tz=US/Eastern --tz Asia/Tokyo busybox sh -c 'date -d @1600000000 "+%H %Z"; echo "[$TZ]"'
	assert_output $'21 JST\n[]'
	run -0 pea_cmd run --name t --tz=Pacific/Chatham busybox date -d @1600000000 +%z
	assert_output +1245
	run -0 pea_cmd inspect --format '{{.Config.Timezone}}' t
	assert_output Pacific/Chatham
	# local: the host's own /etc/localtime, whatever TZ says
	run -0 pea_env TZ=Asia/Tokyo run --rm --tz=local busybox date -d @1600000000 +%z
	assert_output "$(date -d @1600000000 +%z)"
	# containers.conf's tz, under the flag
	printf '[containers]\nnetns = "none"\ntz = "Asia/Kolkata"\n' >"$TEST_DIR/tz.conf"
	run -0 pea_env CONTAINERS_CONF_OVERRIDE="$TEST_DIR/tz.conf" run --rm busybox date -d @1600000000 +%z
	assert_output +0530
	run -0 pea_env CONTAINERS_CONF_OVERRIDE="$TEST_DIR/tz.conf" run --rm --tz=UTC busybox date -d @1600000000 +%z
	assert_output +0000
	refused --tz=Foo/Bar busybox true
	assert_output 'Error: invalid timezone "Foo/Bar": stat /usr/share/zoneinfo/Foo/Bar: No such file or directory'
	refused --tz=Asia busybox true
	assert_output 'Error: invalid timezone "Asia": /usr/share/zoneinfo/Asia is not a file'
	refused --tz=../../../etc/passwd busybox true
	assert_output 'Error: invalid timezone "../../../etc/passwd": use a zone of /usr/share/zoneinfo (Europe/Paris) or local'
	refused --tz= busybox true
	assert_output --partial 'invalid timezone ""'
}

@test "--replace: the container of that name is stopped and removed first; none is fine; needs --name" {
	run -0 pea_cmd run -d --name r --stop-timeout 1 busybox sleep 1000
	old=$output
	run -0 pea_cmd run --replace --name r busybox echo second
	assert_output second
	run -0 pea_cmd ps -a --no-trunc --format '{{.ID}} {{.Names}}'
	refute_output --partial "$old"
	assert_output --regexp '^[0-9a-f]{64} r$'
	# a created one, and a name no container has
	run -0 pea_cmd create --replace --name r busybox true
	run -0 pea_cmd ps -aq
	assert_equal "${#lines[@]}" 1
	run -0 pea_cmd create --replace --name fresh busybox true
	run -0 pea_cmd ps -aq
	assert_equal "${#lines[@]}" 2
	# an id prefix is not a name: fresh stays
	id=$(pea_out inspect --format '{{.Id}}' fresh)
	run -0 pea_cmd create --replace --name "${id:0:12}" busybox true
	run -0 pea_cmd ps -a --format '{{.Names}}'
	assert_equal "${#lines[@]}" 3
	assert_line fresh
	refused --replace busybox true
	assert_output 'Error: cannot replace container without --name being set'
}

@test "run --rmi: the image goes after the container unless another uses it; only its name when it has others" {
	run -0 pea_cmd run --name c busybox sh -c 'echo x >/x'
	run -0 pea_cmd commit -q c localhost/single:1
	run -0 pea_cmd rm c
	# kept while another container uses it
	run -0 pea_cmd create --name keep localhost/single:1 true
	run -0 pea_cmd run --rm --rmi localhost/single:1 cat /x
	assert_output x
	run -0 pea_cmd image exists localhost/single:1
	run -0 pea_cmd rm keep
	run -0 pea_cmd run --rm --rmi localhost/single:1 true
	assert_output ""
	run -1 pea_cmd image exists localhost/single:1
	# an image with two names loses the one run named
	run -0 pea_cmd tag busybox localhost/other:1
	run -0 pea_cmd run --rm --rmi localhost/other:1 true
	run -1 pea_cmd image exists localhost/other:1
	run -0 pea_cmd image exists busybox
	# a pulled image (its names hold its digest too, repo@sha256:...): one tag, kept in use
	registry_start
	run -0 pea_cmd run --name c2 busybox sh -c 'echo y >/y'
	run -0 pea_cmd commit -q c2 localhost/pushme:1
	run -0 pea_cmd rm c2
	run -0 pea_cmd push -q --tls-verify=false localhost/pushme:1 "$REGISTRY_ADDR/rmi/bb:1"
	run -0 pea_cmd rmi localhost/pushme:1
	run -0 pea_cmd create --name keep2 --tls-verify=false "$REGISTRY_ADDR/rmi/bb:1" true
	run -0 pea_cmd run --rm --rmi "$REGISTRY_ADDR/rmi/bb:1" true
	run -0 pea_cmd image exists "$REGISTRY_ADDR/rmi/bb:1"
	run -0 pea_cmd rm keep2
	run -0 pea_cmd run --rm --rmi "$REGISTRY_ADDR/rmi/bb:1" true
	run -1 pea_cmd image exists "$REGISTRY_ADDR/rmi/bb:1"
	# create has no --rmi; run -d leaves the image (podman's)
	run -125 pea_cmd create --rmi busybox true
	assert_output 'Error: unknown flag: --rmi'
	run -0 pea_cmd run -d --rm --rmi busybox true
	run -0 pea_cmd image exists busybox
}
