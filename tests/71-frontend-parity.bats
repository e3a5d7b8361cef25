#!/usr/bin/env bats
# pea as podman: unknown --format fields, save -m, commit --format docker, import from a
# URL, top's descriptors.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-frontend
load helpers/fe-file

setup() {
	fe_file_setup
	HTTPD_PID=
}

teardown() {
	if [[ -n "$HTTPD_PID" ]]; then
		kill "$HTTPD_PID" 2>/dev/null || true
		wait "$HTTPD_PID" 2>/dev/null || true
	fi
	fe_teardown
}

# httpd_start DIR: busybox httpd serving DIR on 127.0.0.1:HTTPD_PORT.
httpd_start() {
	local try
	for ((try = 0; try < 20; try++)); do
		HTTPD_PORT=$((20000 + RANDOM % 20000))
		timeout -k 5 600 busybox httpd -f -p "127.0.0.1:$HTTPD_PORT" -h "$1" 3>&- &
		HTTPD_PID=$!
		local k
		for ((k = 0; k < 50; k++)); do
			if timeout -k 5 5 bash -c "exec 9<>/dev/tcp/127.0.0.1/$HTTPD_PORT" 2>/dev/null; then
				return 0
			fi
			kill -0 "$HTTPD_PID" 2>/dev/null || break
			sleep 0.05
		done
		kill "$HTTPD_PID" 2>/dev/null || true
		wait "$HTTPD_PID" 2>/dev/null || true
		HTTPD_PID=
	done
	echo "busybox httpd did not start" >&2
	return 1
}

@test "an unknown field in --format fails as podman's Go template does" {
	run -0 pea_cmd create --name c busybox true
	run -0 pea_cmd volume create v
	run -125 pea_cmd ps -a --format '{{.ID}} {{.Nope}}'
	assert_output 'Error: template: ps:1:21: executing "ps" at <.Nope>: can'"'"'t evaluate field Nope in type containers.psReporter'
	run -125 pea_cmd ps -a --format 'table {{.Names}}\t{{.Nope}}'
	assert_output --partial 'executing "ps" at <.Nope>: can'"'"'t evaluate field Nope'
	run -125 pea_cmd images --format '{{.Nope}}'
	assert_output 'Error: template: images:1:13: executing "images" at <.Nope>: can'"'"'t evaluate field Nope in type images.imageReporter'
	run -125 pea_cmd inspect --format '{{.State.Nope}}' c
	assert_output --partial 'executing "inspect" at <.State.Nope>: can'"'"'t evaluate field Nope'
	run -125 pea_cmd image inspect --format '{{.Nope}}' busybox
	assert_output --partial 'executing "inspect" at <.Nope>: can'"'"'t evaluate field Nope'
	run -125 pea_cmd volume ls --format '{{.Nope}}'
	assert_output 'Error: template: ls:1:13: executing "ls" at <.Nope>: can'"'"'t evaluate field Nope in type volumes.volumeReporter'
	# the known fields still work
	run -0 pea_cmd ps -a --format '{{.Names}}'
	assert_output c
	run -0 pea_cmd volume ls --format '{{.Name}}'
	assert_output v
}

@test "save -m writes several images into one docker-archive; load brings them all back" {
	mkdir -p "$TEST_DIR/mini"
	echo mini >"$TEST_DIR/mini/marker"
	tar -C "$TEST_DIR/mini" -cf "$TEST_DIR/mini.tar" .
	run -0 pea_cmd import "$TEST_DIR/mini.tar" localhost/mini:1
	run -0 pea_cmd save -m -o "$TEST_DIR/all.tar" busybox localhost/mini:1
	run -0 tar -xOf "$TEST_DIR/all.tar" manifest.json
	assert_equal "$(jq length <<<"$output")" 2
	assert_equal "$(jq -r '.[].RepoTags[]' <<<"$output" | sort | tr '\n' ' ')" \
		"localhost/busybox:latest localhost/mini:1 "
	# to standard output too
	"$PEA" "${FE_ARGS[@]}" save --multi-image-archive busybox localhost/mini:1 >"$TEST_DIR/out.tar"
	run -0 tar -xOf "$TEST_DIR/out.tar" manifest.json
	assert_equal "$(jq length <<<"$output")" 2
	run -0 pea_cmd rmi localhost/mini:1 busybox
	run -0 pea_cmd load -i "$TEST_DIR/all.tar"
	run -0 pea_cmd images --format '{{.Repository}}:{{.Tag}}'
	assert_line localhost/busybox:latest
	assert_line localhost/mini:1
	run -0 pea_cmd run --rm busybox echo loaded
	assert_output loaded
	# bad inputs: nothing written, nothing left in the run root
	run -125 pea_cmd save -m --format oci-archive -o "$TEST_DIR/x.tar" busybox localhost/mini:1
	assert_output --partial 'only supported for --format docker-archive'
	run -125 pea_cmd save -o "$TEST_DIR/x.tar" busybox localhost/mini:1
	assert_output --partial 'unless -m, --multi-image-archive is given'
	run -125 pea_cmd save -m -o "$TEST_DIR/x.tar" busybox nosuch
	assert_output --partial 'nosuch'
	assert [ ! -e "$TEST_DIR/x.tar" ]
	run -0 find "$FE_RUNROOT/tmp" -mindepth 1
	assert_output ''
}

@test "commit --format docker writes Docker's schema 2 manifest and config" {
	run -0 pea_cmd run --name c busybox sh -c 'echo committed >/marker'
	run -0 pea_cmd commit --format docker -m "a message" -c 'CMD ["cat","/marker"]' c dock
	run -0 pea_cmd image inspect --format '{{.ManifestType}} {{.Comment}}' dock
	assert_output 'application/vnd.docker.distribution.manifest.v2+json a message'
	run -0 pea_cmd run --rm dock
	assert_output committed
	# the stored manifest has Docker's media types
	run -0 timeout -k 5 60 "$PEA_STORAGE" --root "$FE_ROOT/storage" --runroot "$FE_RUNROOT/storage" image ls
	manifest="$(jq -r '.result[] | select(.names[]? == "localhost/dock:latest") | .manifest_path' <<<"$output")"
	run -0 jq -r '.mediaType, .config.mediaType, .layers[-1].mediaType' "$manifest"
	assert_line --index 0 application/vnd.docker.distribution.manifest.v2+json
	assert_line --index 1 application/vnd.docker.container.image.v1+json
	assert_line --index 2 application/vnd.docker.image.rootfs.diff.tar
	# the default stays OCI's; a message has no place there
	run -0 pea_cmd commit -m ignored c oci
	run -0 pea_cmd image inspect --format '{{.ManifestType}}/{{.Comment}}' oci
	assert_output 'application/vnd.oci.image.manifest.v1+json/'
	run -125 pea_cmd commit --format v1 c bad
	assert_output --partial 'unrecognized image type "v1"'
}

@test "import from a URL (http), and its errors" {
	run -0 pea_cmd run --name c busybox sh -c 'echo from-url >/marker'
	mkdir -p "$TEST_DIR/www"
	run -0 pea_cmd export -o "$TEST_DIR/www/root.tar" c
	httpd_start "$TEST_DIR/www"
	run -0 pea_cmd import -c 'CMD ["cat","/marker"]' "http://127.0.0.1:$HTTPD_PORT/root.tar" fromurl
	run -0 pea_cmd run --rm fromurl
	assert_output from-url
	run -125 pea_cmd import "http://127.0.0.1:$HTTPD_PORT/nosuch.tar" missing
	assert_output --regexp "^Error: downloading 'http://127.0.0.1:$HTTPD_PORT/nosuch.tar': HTTP status 404"
	run -1 pea_cmd image exists missing
	kill "$HTTPD_PID"
	wait "$HTTPD_PID" || true
	HTTPD_PID=
	run -125 pea_cmd import "http://127.0.0.1:$HTTPD_PORT/root.tar" gone
	assert_output --partial "downloading 'http://127.0.0.1:$HTTPD_PORT/root.tar'"
	run -125 pea_cmd import "ftp://127.0.0.1/root.tar" ftp
	assert_output --partial "open 'ftp://127.0.0.1/root.tar'"
	# no download is left behind
	run -0 find "$FE_RUNROOT/tmp" -mindepth 1
	assert_output ''
}

@test "top: capabilities, label, seccomp, host pid and user, start time" {
	run -0 pea_cmd run -d --name t busybox sleep 1000
	fe_wait_state t running
	hpid="$(pea_out inspect --format '{{.State.Pid}}' t)"
	case "$(awk '/^Seccomp:/ {print $2}' "/proc/$hpid/status")" in
	0) seccomp=disabled ;;
	2) seccomp=filter ;;
	*) seccomp=strict ;;
	esac
	run -0 pea_cmd top t pid hpid huser seccomp capeff
	assert_line --index 0 --regexp '^PID +HPID +HUSER +SECCOMP +EFFECTIVE CAPS$'
	assert_line --index 1 --regexp "^1 +$hpid +root +$seccomp +([A-Z_]+,)*CHOWN(,[A-Z_]+)*$"
	# podman's 11 default capabilities, by name
	caps="$(pea_out top t capeff | tail -1)"
	assert_equal "$caps" "CHOWN,DAC_OVERRIDE,FOWNER,FSETID,KILL,NET_BIND_SERVICE,SETFCAP,SETGID,SETPCAP,SETUID,SYS_CHROOT"
	run -0 pea_cmd top t capbnd capprm capinh capamb
	assert_line --index 0 --regexp '^BOUNDING CAPS +PERMITTED CAPS +INHERITED CAPS +AMBIENT CAPS$'
	assert_line --index 1 --regexp '^[A-Z_,]+ +[A-Z_,]+ +(none|[A-Z_,]+) +none$'
	run -0 pea_cmd top t label stime
	assert_line --index 0 --regexp '^LABEL +STIME$'
	assert_line --index 1 --regexp "^[^ ]+ +$(date +%Y-%m-%d) [0-9:.]+ [-+][0-9]{4} [A-Z]+$"
	# a process of another user has none (on crun, as in 71-frontend-ops.bats)
	run -0 pea_cmd --runtime /usr/bin/crun run -d --name u -u 65534:65534 busybox sleep 998
	fe_wait_state u running
	run -0 pea_cmd top u user capeff
	assert_line --index 1 --regexp '^nobody +none$'
}

@test "container prune asks as podman does; y removes what is not running" {
	run -0 pea_cmd create --name c busybox true
	run -0 pea_cmd run -d --name r busybox sleep 1000
	id="$(pea_out inspect --format '{{.Id}}' c)"
	# no answer (standard input is empty): nothing removed
	run -0 pea_cmd container prune
	assert_line --index 0 'WARNING! This will remove all non running containers.'
	assert_line --index 1 'Are you sure you want to continue? [y/N] '
	run -0 pea_cmd ps -aq
	assert_equal "${#lines[@]}" 2
	run -0 "$PEA" "${FE_ARGS[@]}" container prune <<<n
	run -0 pea_cmd ps -aq
	assert_equal "${#lines[@]}" 2
	run -0 "$PEA" "${FE_ARGS[@]}" container prune <<<y
	assert_line --index 1 --partial "$id"
	run -0 pea_cmd ps -a --format '{{.Names}}'
	assert_output r
	run -125 pea_cmd container prune extra
	assert_output 'Error: `pea container prune` takes no arguments'
}

@test "load -i URL (http), as podman's; save --uncompressed keeps OCI layers plain tars" {
	iid="$(pea_out inspect --format '{{.Id}}' busybox)"
	mkdir -p "$TEST_DIR/www" "$TEST_DIR/oci"
	run -0 pea_cmd save -o "$TEST_DIR/www/image.tar" busybox
	run -0 pea_cmd rmi busybox
	httpd_start "$TEST_DIR/www"
	run -0 pea_cmd load -i "http://127.0.0.1:$HTTPD_PORT/image.tar"
	assert_output --partial 'Loaded image: localhost/busybox:latest'
	run -0 pea_cmd images --format '{{.ID}} {{.Repository}}:{{.Tag}}'
	assert_output "${iid:0:12} localhost/busybox:latest"
	run -125 pea_cmd load -i "http://127.0.0.1:$HTTPD_PORT/nosuch.tar"
	assert_output --regexp "^Error: downloading 'http://127.0.0.1:$HTTPD_PORT/nosuch.tar': HTTP status 404"
	echo junk >"$TEST_DIR/www/junk.tar"
	run -125 pea_cmd load -i "http://127.0.0.1:$HTTPD_PORT/junk.tar"
	assert_output --regexp "^Error: 'http://127.0.0.1:$HTTPD_PORT/junk.tar': payload does not match any of the supported image formats: "
	run -0 find "$FE_RUNROOT/tmp" -mindepth 1
	assert_output ''
	# --uncompressed: the layer blobs are plain tars (without it, gzip)
	run -0 pea_cmd save -o "$TEST_DIR/u.tar" --format oci-archive --uncompressed busybox
	tar -C "$TEST_DIR/oci" -xf "$TEST_DIR/u.tar"
	tars=0
	for blob in "$TEST_DIR"/oci/blobs/sha256/*; do
		[[ "$(head -c 2 "$blob" | od -An -tx1 | tr -d ' \n')" != 1f8b ]]
		if tar -tf "$blob" >/dev/null 2>&1; then tars=$((tars + 1)); fi
	done
	[[ $tars -ge 1 ]]
}
