#!/usr/bin/env bats
# pea info, system df|prune|reset|migrate|renumber, volume create|ls|inspect|rm|prune|exists.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-frontend
load helpers/fe-file

teardown() {
	if [[ -n "${SERVICE_PID:-}" ]]; then
		kill "$SERVICE_PID" 2>/dev/null || true
		wait "$SERVICE_PID" 2>/dev/null || true
	fi
	fe_teardown
}

@test "info: YAML by default, json, Go templates" {
	run -0 pea_cmd run -d --name r busybox sleep 1000
	run -0 pea_cmd create --name c busybox true
	run -0 pea_cmd info
	assert_line "host:"
	assert_line "  kernel: $(uname -r)"
	assert_line "  graphRoot: $FE_ROOT/storage"
	assert_line "  runRoot: $FE_RUNROOT/storage"
	assert_line "    running: 1"
	assert_line "    stopped: 1"
	run -0 pea_cmd info --format json
	assert_equal "$(jq -r .store.containerStore.number <<<"$output")" 2
	assert_equal "$(jq -r .store.imageStore.number <<<"$output")" 1
	assert_equal "$(jq -r .host.ociRuntime.path <<<"$output")" "${PEA_FE_RUNTIME:-$PEA_RUNTIME}"
	run -0 pea_cmd info --format '{{.Host.Kernel}} {{.Store.GraphRoot}}'
	assert_output "$(uname -r) $FE_ROOT/storage"
	run -125 pea_cmd info --format '{{.Nope}}'
	run -125 pea_cmd info extra
	assert_output 'Error: `pea info` takes no arguments'
	# the paused count comes from the runtime
	run -0 pea_cmd pause r
	run -0 pea_cmd info --format json
	assert_equal "$(jq -r .store.containerStore.paused <<<"$output")" 1
	run -0 pea_cmd unpause r
}

@test "system df counts images, containers and volumes" {
	run -0 pea_cmd system df
	assert_line --index 0 --regexp '^TYPE +TOTAL +ACTIVE +SIZE +RECLAIMABLE$'
	assert_line --regexp '^Images +1 +0 +2\.14 MB +2\.14 MB \(100%\)$'
	assert_line --regexp '^Containers +0 +0 +0 B +0 B \(0%\)$'
	run -0 pea_cmd run -d --name r busybox sh -c 'head -c 100000 /dev/zero >/big; exec sleep 1000'
	run -0 pea_cmd run --name stopped busybox true
	run -0 pea_cmd volume create v
	for ((i = 0; i < 100; i++)); do
		[[ "$(pea_out system df --format json | jq '.[1].RawSize')" -ge 100000 ]] && break
		sleep 0.05
	done
	run -0 pea_cmd system df --format json
	assert_equal "$(jq -r '.[0].Active' <<<"$output")" 1
	assert_equal "$(jq -r '.[1].Total' <<<"$output")" 2
	assert_equal "$(jq -r '.[1].Active' <<<"$output")" 1
	assert_equal "$(jq -r '.[2].Total' <<<"$output")" 1
	run -0 pea_cmd system df --format '{{.Type}}={{.Total}}'
	assert_output "Images=1
Containers=2
Local Volumes=1"
	run -125 pea_cmd system df extra
}

@test "system prune asks, -f removes stopped containers, unused images and volumes" {
	run -0 pea_cmd run -d --name r busybox sleep 1000
	run -0 pea_cmd run --name s busybox true
	run -0 pea_cmd volume create unused
	sid="$(pea_out inspect --format '{{.Id}}' s)"
	run -0 pea_cmd commit s snap
	# stdin is not a yes: nothing is removed
	run -0 pea_cmd system prune
	assert_output --partial "Are you sure you want to continue? [y/N]"
	run -0 pea_cmd ps -a -q
	assert_equal "${#lines[@]}" 2
	run -0 pea_cmd system prune -f
	assert_line "Deleted Containers"
	assert_line "$sid"
	assert_line "Deleted Images"
	run -0 pea_cmd ps -a --format '{{.Names}}'
	assert_output r
	# named images stay without -a; volumes without --volumes
	run -0 pea_cmd images --format '{{.Repository}}'
	assert_line localhost/snap
	run -0 pea_cmd volume exists unused
	run -0 pea_cmd system prune -a -f --volumes
	assert_line "Deleted Volumes"
	assert_line unused
	assert_line --regexp '^Total reclaimed space: '
	run -0 pea_cmd images --format '{{.Repository}}'
	assert_output localhost/busybox
	run -1 pea_cmd volume exists unused
	run -125 pea_cmd system prune --bogus
}

@test "system reset -f removes everything; migrate and renumber say there is nothing to do" {
	run -0 pea_cmd run -d --name r busybox sleep 1000
	run -0 pea_cmd volume create v
	# a volume of a mounted type stays mounted after its use: reset unmounts it
	run -0 pea_cmd volume create -o type=tmpfs -o device=tmpfs -o o=size=1m tv
	run -0 pea_cmd run --rm -v tv:/tv busybox touch /tv/x
	run -0 pea_cmd system reset
	assert_output --partial "Are you sure you want to continue? [y/N]"
	run -0 pea_cmd ps -a -q
	assert_equal "${#lines[@]}" 1
	run -0 pea_cmd system reset -f
	[[ ! -e "$FE_ROOT" && ! -e "$FE_RUNROOT" ]]
	fe_no_mounts
	run -0 pea_cmd ps -a -q
	assert_output ""
	run -0 pea_cmd images -q
	assert_output ""
	run -0 pea_cmd system migrate
	assert_output --partial "nothing to migrate"
	run -0 pea_cmd system renumber
	assert_output --partial "nothing to renumber"
	run -125 pea_cmd system nosuch
	assert_output --partial 'unrecognized command `pea system nosuch`'
	run -125 pea_cmd system
	assert_output --partial "missing command 'pea system COMMAND'"
}

@test "volume create, ls, inspect, exists, rm" {
	run -0 pea_cmd volume create -l team=pea -o o=1 data
	assert_output data
	run -0 pea_cmd volume create
	assert_output --regexp '^[0-9a-f]{64}$'
	anon="$output"
	[[ -d "$FE_ROOT/volumes/data/_data" ]]
	run -0 pea_cmd volume ls
	assert_line --index 0 --regexp '^DRIVER +VOLUME NAME$'
	assert_line --regexp '^local +data$'
	assert_line --regexp "^local +$anon$"
	run -0 pea_cmd volume ls -q --filter label=team=pea
	assert_output data
	run -0 pea_cmd volume ls -q --filter name=dat
	assert_output data
	run -0 pea_cmd volume ls --format json
	assert_equal "$(jq length <<<"$output")" 2
	run -0 pea_cmd volume inspect data
	assert_equal "$(jq -r '.[0].Mountpoint' <<<"$output")" "$FE_ROOT/volumes/data/_data"
	assert_equal "$(jq -r '.[0].Labels.team' <<<"$output")" pea
	assert_equal "$(jq -r '.[0].Options.o' <<<"$output")" 1
	assert_equal "$(jq -r '.[0].Driver' <<<"$output")" local
	run -0 pea_cmd volume inspect --format '{{.Name}} {{.Scope}}' data
	assert_output "data local"
	run -0 pea_cmd volume exists data
	run -1 pea_cmd volume exists nosuch
	assert_output ""
	run -0 pea_cmd volume rm data "$anon"
	assert_line data
	[[ ! -e "$FE_ROOT/volumes/data" ]]
	run -0 pea_cmd volume ls -q
	assert_output ""
}

@test "volume: prune, rm -a, bad inputs" {
	run -0 pea_cmd volume create a
	run -0 pea_cmd volume create b
	run -125 pea_cmd volume create a
	assert_output 'Error: volume with name a already exists: volume already exists'
	run -0 pea_cmd volume create --ignore a
	run -125 pea_cmd volume create 'bad/name'
	assert_output --partial 'names must match'
	run -125 pea_cmd volume create -d nfs x
	assert_output --partial 'volume driver "nfs": no such volume plugin'
	run -125 pea_cmd volume create -l =x x
	assert_output --partial 'invalid label "=x": no key'
	run -125 pea_cmd volume inspect nosuch
	assert_output 'Error: no volume with name "nosuch" found: no such volume'
	run -1 pea_cmd volume rm nosuch
	assert_output --partial 'no volume with name "nosuch" found'
	run -125 pea_cmd volume rm -a a
	assert_output --partial 'choose either one or more volumes or all'
	run -125 pea_cmd volume ls --filter color=red
	assert_output --partial 'invalid filter "color"'
	run -125 pea_cmd volume nosuch
	assert_output --partial 'unrecognized command `pea volume nosuch`'
	run -0 pea_cmd volume prune --filter name=a -f
	assert_output a
	run -0 pea_cmd volume prune
	assert_output --partial "[y/N]"
	run -0 pea_cmd volume exists b
	run -0 pea_cmd volume rm -a
	assert_output b
	[[ -z "$(ls "$FE_ROOT/volumes")" ]]
}

@test "system df -v: a row per image, container and volume, as podman's" {
	run -0 pea_cmd run -v /myvol1 --name c1 busybox true
	run -0 pea_cmd create -v /myvol2 --name c2 busybox true
	run -0 pea_cmd volume create lonely
	run -0 pea_cmd system df -v
	# bats' lines skip the empty ones
	assert_line -n 0 'Images space usage:'
	assert_line -n 1 --regexp '^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE +SHARED SIZE +UNIQUE SIZE +CONTAINERS$'
	assert_line -n 2 --regexp '^localhost/busybox +latest +[0-9a-f]{12} .* 2$'
	assert_line -n 3 'Containers space usage:'
	assert_line -n 4 --regexp '^CONTAINER ID +IMAGE +COMMAND +LOCAL VOLUMES +SIZE +CREATED +STATUS +NAMES$'
	assert_line -n 5 --regexp '^[0-9a-f]{12} +[0-9a-f]{12} +true +1 .* (exited|created) +c[12]$'
	assert_line -n 6 --regexp '^[0-9a-f]{12} +[0-9a-f]{12} +true +1 .* (exited|created) +c[12]$'
	assert_line -n 7 'Local Volumes space usage:'
	assert_line -n 8 --regexp '^VOLUME NAME +LINKS +SIZE$'
	assert_line --regexp '^[0-9a-f]{64} +1 +0B$'
	assert_line --regexp '^lonely +0 +0B$'
	assert_equal "${#lines[@]}" 12
	run -125 pea_cmd system df -v --format '{{.Type}}'
	assert_output 'Error: cannot combine --format and --verbose flags'
}

@test "system service: podman's ping and version on a unix or tcp endpoint, --cors, idle exit, bad endpoints" {
	require_cmd curl
	sock="$TEST_DIR/api.sock"
	timeout -k 5 60 "$PEA" "${FE_ARGS[@]}" system service --cors='*' -t 30 "unix://$sock" 3>&-  &
	SERVICE_PID=$!
	for ((n = 0; n < 100; n++)); do
		[[ -S "$sock" ]] && break
		sleep 0.05
	done
	run -0 timeout -k 5 10 curl -sS -i --unix-socket "$sock" http://d/_ping
	assert_line --regexp $'^HTTP/1.1 200 OK\r$'
	assert_line $'Access-Control-Allow-Origin: *\r'
	assert_line --regexp '^OK$'
	run -0 timeout -k 5 10 curl -sS --unix-socket "$sock" http://d/v4.3.1/libpod/_ping
	assert_output OK
	run -0 timeout -k 5 10 curl -sS --unix-socket "$sock" http://d/v1.41/version
	assert_equal "$(jq -r .ApiVersion <<<"$output")" 1.41
	run -0 timeout -k 5 10 curl -sS -w '%{http_code}' --unix-socket "$sock" http://d/v1.41/containers/json
	assert_output '{"cause":"not found","message":"GET /containers/json: no such endpoint in pea'"'"'s API service","response":404}
404'
	# SIGTERM ends it, and its socket goes
	kill "$SERVICE_PID"
	wait "$SERVICE_PID" || true
	SERVICE_PID=
	[[ ! -e "$sock" ]]
	# tcp, in a network namespace of the test's own; no --cors, no CORS header; -t 1 ends it
	run -0 timeout -k 5 30 unshare -n sh -c "ip link set lo up &&
		{ \"$PEA\" ${FE_ARGS[*]} system service -t 2 tcp:127.0.0.1:8765 & } &&
		sleep 0.5 && curl -sS -i --max-time 5 127.0.0.1:8765/_ping; wait"
	assert_line --regexp $'^HTTP/1.1 200 OK\r$'
	refute_line --partial 'Access-Control-Allow-Origin'
	run -0 "$PEA" "${FE_ARGS[@]}" system service --log-level=debug --cors='*' -t 1 "unix://$sock"
	assert_line --partial 'CORS Headers were set to ["*"]'
	run -125 pea_cmd system service localhost:9292
	assert_output 'Error: API Service endpoint scheme "localhost" is not supported. Try tcp://localhost:9292 or unix:/localhost:9292'
	run -125 pea_cmd system service myunix.sock
	assert_output 'Error: API Service endpoint scheme "" is not supported. Try tcp://myunix.sock or unix:/myunix.sock'
	run -125 pea_cmd system service -t x
	assert_output 'Error: invalid argument "x" for "-t, --time" flag: must be an integer >= 0'
	run -125 pea_cmd system service tcp:127.0.0.1
	assert_output "Error: tcp endpoint '127.0.0.1': no port"
}

@test "info: buildahVersion, conmon's package first, registries.search from registries.conf" {
	printf 'unqualified-search-registries = ["quay.io", "docker.io"]\n' >"$TEST_DIR/reg.conf"
	CONTAINERS_REGISTRIES_CONF="$TEST_DIR/reg.conf" run -0 timeout -k 5 60 "$PEA" "${FE_ARGS[@]}" info
	# podman 4.3.1's buildah, whose Containerfile behaviour pea's build follows
	assert_line "  buildahVersion: 1.28.0"
	# podman's order: conmon's package, path, version (a build's pea-monitor: what it is)
	assert_output --regexp $'\n  conmon:\n    package: pea-monitor_[0-9.]+ \\(conmon-compatible\\)\n    path: '
	assert_output --partial $'\nregistries:\n  search:\n  - quay.io\n  - docker.io\nstore:\n'
	CONTAINERS_REGISTRIES_CONF="$TEST_DIR/reg.conf" run -0 timeout -k 5 60 "$PEA" "${FE_ARGS[@]}" info --format json
	assert_equal "$(jq -r '.registries.search | join(",")' <<<"$output")" "quay.io,docker.io"
	assert_equal "$(jq -r '.host.conmon.package' <<<"$output")" \
		"pea-monitor_$("$PEA" --version | awk '{print $3}') (conmon-compatible)"
	# Debian's conmon: its package as podman shows it
	if [[ -x /usr/bin/conmon ]]; then
		run -0 timeout -k 5 60 "$PEA" "${FE_ARGS[@]}" --conmon /usr/bin/conmon info --format json
		assert_equal "$(jq -r '.host.conmon.package' <<<"$output")" \
			"$(dpkg-query -W -f '${Package}_${Version}_${Architecture}' conmon)"
	fi
	printf 'unqualified-search-registries = []\n' >"$TEST_DIR/reg.conf"
	CONTAINERS_REGISTRIES_CONF="$TEST_DIR/reg.conf" run -0 timeout -k 5 60 "$PEA" "${FE_ARGS[@]}" info --format '{{.Registries}}'
}
