#!/usr/bin/env bats
# podman's CLI conventions that its own test/system checks (015-help, 001-basic,
# 300-cli-parsing, 005-info, 010-images, 070-build, 710-kube): the program's name,
# --remote, info's fields, build's errors, manifest lists.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-frontend

setup_file() {
	ensure_fixtures
	# pea-image reads podman's auth file: this file's own, never the host's
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
	fe_teardown
	registry_stop
}

# pea run by another name (installed as podman): "$TEST_DIR/bin/podman"
podman_link() {
	mkdir -p "$TEST_DIR/bin"
	ln -sf "$PEA" "$TEST_DIR/bin/podman"
}

@test "name: run as podman, the hints and usages name podman (300-cli-parsing, 710-kube)" {
	podman_link
	local p="$TEST_DIR/bin/podman"
	run -125 timeout -k 5 30 "$p" "${FE_ARGS[@]}" run -h
	assert_output $'Error: flag needs an argument: \'h\' in -h\nSee \'podman run --help\''
	run -125 timeout -k 5 30 "$p" "${FE_ARGS[@]}" bad --invalid
	assert_output $'Error: unknown flag: --invalid\nSee \'podman --help\''
	run -125 timeout -k 5 30 "$p" "${FE_ARGS[@]}" bad --invalid=x -z
	assert_output $'Error: unknown flag: --invalid\nSee \'podman --help\''
	run -125 timeout -k 5 30 "$p" "${FE_ARGS[@]}" bad -zq
	assert_output $'Error: unknown shorthand flag: \'z\' in -zq\nSee \'podman --help\''
	run -125 timeout -k 5 30 "$p" "${FE_ARGS[@]}" bad
	assert_output $'Error: unrecognized command `podman bad`\nTry \'podman --help\' for more information'
	run -125 timeout -k 5 30 "$p" "${FE_ARGS[@]}" version --remote
	assert_output $'Error: unknown flag: --remote\nSee \'podman version --help\''
	run -0 timeout -k 5 30 "$p" "${FE_ARGS[@]}" kube generate --help
	assert_line "  podman kube generate [options] {CONTAINER...|POD...|VOLUME...}"
	run -0 timeout -k 5 30 "$p" "${FE_ARGS[@]}" generate kube --help
	assert_line "  podman generate kube [options] {CONTAINER...|POD...|VOLUME...}"
	run -0 timeout -k 5 30 "$p" --help
	assert_line --index 0 "Manage pods, containers and images"
	assert_line "  podman [options] [command]"
	run -0 timeout -k 5 30 "$p" --version
	assert_output --regexp '^podman version [0-9]'
	# as pea, pea
	run -125 timeout -k 5 30 "$PEA" "${FE_ARGS[@]}" bad --invalid
	assert_output $'Error: unknown flag: --invalid\nSee \'pea --help\''
	run -125 timeout -k 5 30 "$PEA" "${FE_ARGS[@]}" run -h
	assert_output $'Error: flag needs an argument: \'h\' in -h\nSee \'pea run --help\''
}

@test "help [COMMAND...]: podman's help command" {
	run -0 timeout -k 5 30 "$PEA" help
	assert_line --index 0 "Manage pods, containers and images"
	assert_line "  pea [options] [command]"
	run -0 timeout -k 5 30 "$PEA" "${FE_ARGS[@]}" help run
	assert_line --partial "  pea run [options] IMAGE"
	run -0 timeout -k 5 30 "$PEA" "${FE_ARGS[@]}" help kube generate
	assert_line "  pea kube generate [options] {CONTAINER...|POD...|VOLUME...}"
	run -0 timeout -k 5 30 "$PEA" help nosuch
	assert_line --index 0 'Unknown help topic [`nosuch`]'
	assert_line --index 1 "Manage pods, containers and images"
}

@test "--remote: in the help unless a connection is named; refused with a command (001-basic)" {
	run -0 timeout -k 5 30 "$PEA" --help
	assert_output --partial " --remote "
	CONTAINER_HOST=foobar run -0 timeout -k 5 30 "$PEA" --help
	refute_output --partial " --remote "
	CONTAINER_CONNECTION=foobar run -0 timeout -k 5 30 "$PEA" --help
	refute_output --partial " --remote "
	run -0 timeout -k 5 30 "$PEA" --url foobar --help
	refute_output --partial " --remote "
	run -0 timeout -k 5 30 "$PEA" --connection foobar --help
	refute_output --partial " --remote "
	# no command: the usage, as podman-remote without an endpoint
	run -125 timeout -k 5 30 "$PEA" --remote
	assert_line "  pea [options] [command]"
	assert_line "Error: missing command 'pea COMMAND'"
	# a command: one line saying pea has no remote client, nothing done
	for opt in --remote -r "--url=unix:///x" "--connection=c" "-c c"; do
		# shellcheck disable=SC2086
		run -125 timeout -k 5 30 "$PEA" "${FE_ARGS[@]}" $opt ps
		assert_output "Error: --remote, --url, --connection: pea has no remote client (its API is served by 'pea system service')"
	done
	[[ ! -e "$FE_ROOT" ]]
}

@test "info --format json: the fields podman's 005-info checks" {
	run -0 timeout -k 5 60 "$PEA" "${FE_ARGS[@]}" info --format json
	local path_re='^/[a-z0-9/.-]+$'
	assert_regex "$(jq -r .host.buildahVersion <<<"$output")" '^[1-9][0-9]*\.[0-9.]+'
	assert_regex "$(jq -r .host.conmon.path <<<"$output")" "$path_re"
	assert_regex "$(jq -r .host.conmon.package <<<"$output")" 'conmon'
	assert_regex "$(jq -r .host.cgroupManager <<<"$output")" '^(systemd|cgroupfs)$'
	assert_regex "$(jq -r .host.cgroupVersion <<<"$output")" '^v[12]$'
	assert_regex "$(jq -r .host.ociRuntime.path <<<"$output")" "$path_re"
	assert_regex "$(jq -r .store.graphDriverName <<<"$output")" '^[a-z0-9]+$'
	assert_equal "$(jq -r .store.graphRoot <<<"$output")" "$FE_ROOT/storage"
}

@test "build: no Containerfile nor Dockerfile in the context: podman's last words, nothing made" {
	local ctx="$TEST_DIR/ctx"
	mkdir -p "$ctx"
	echo 'FROM scratch' >"$ctx/foofile"
	printf '*\n' >"$ctx/.dockerignore"
	run -125 pea_cmd build -t b1 "$ctx"
	assert_output "Error: no Containerfile or Dockerfile specified or found in context directory, $ctx: stat $ctx/Dockerfile: no such file or directory"
	run -0 pea_cmd images -q
	assert_output ""
	# an ignore-everything .dockerignore does not hide the Containerfile (podman #13529)
	run -0 pea_cmd build -q -t b1 -f "$ctx/foofile" "$ctx"
	mv "$ctx/foofile" "$ctx/Dockerfile"
	run -0 pea_cmd build -q -t b1 "$ctx"
	mv "$ctx/Dockerfile" "$ctx/Containerfile"
	run -0 pea_cmd build -q -t b1 "$ctx"
	run -0 pea_cmd images --format '{{.Repository}}:{{.Tag}}'
	assert_line "localhost/b1:latest"
}

@test "manifest: create, add, inspect, remove, exists, rm; images lists a list (010-images)" {
	fe_load_busybox
	local iid digest
	iid="$(pea_out inspect --format '{{.ID}}' busybox)"
	run -0 pea_cmd manifest create test:1.0
	local lid="$output"
	assert_regex "$lid" '^[0-9a-f]{64}$'
	run -0 pea_cmd images --format '{{.ID}}' --no-trunc
	assert_line "sha256:$iid"
	assert_line "sha256:$lid"
	# a list has no config: its record's creation time, as podman shows a list's
	run -0 pea_cmd images --format '{{.Repository}}:{{.Tag}} {{.CreatedSince}}'
	assert_line --regexp '^localhost/test:1.0 (Less than a second|[0-9]+ seconds?) ago$'
	run -0 pea_cmd manifest inspect test:1.0
	assert_output $'{\n    "schemaVersion": 2,\n    "mediaType": "application/vnd.docker.distribution.manifest.list.v2+json",\n    "manifests": null\n}'
	run -0 pea_cmd manifest exists localhost/test:1.0
	run -1 pea_cmd manifest exists busybox
	run -1 pea_cmd manifest exists nosuch

	# an image of the store: its manifest's digest, size and media type, its platform
	digest="$(pea_out image inspect --format '{{.Digest}}' busybox)"
	run -0 pea_cmd manifest add test:1.0 containers-storage:localhost/busybox:latest
	assert_output "$lid"
	run -0 pea_cmd manifest inspect test:1.0
	assert_equal "$(jq -r '.manifests | length' <<<"$output")" 1
	assert_equal "$(jq -r '.manifests[0].digest' <<<"$output")" "$digest"
	assert_equal "$(jq -r '.manifests[0].platform.os' <<<"$output")" linux
	assert_equal "$(jq -r '.manifests[0].platform.architecture' <<<"$output")" \
		"$(pea_out image inspect --format '{{.Architecture}}' busybox)"
	# the same digest again replaces its entry, with the overrides
	run -0 pea_cmd manifest add --arch arm64 --variant v8 --os-version 1 --annotation a=b \
		--features f1 test:1.0 busybox
	run -0 pea_cmd manifest inspect test:1.0
	assert_equal "$(jq -c '.manifests[0] | [.platform, .annotations]' <<<"$output")" \
		'[{"architecture":"arm64","os":"linux","os.version":"1","variant":"v8","features":["f1"]},{"a":"b"}]'
	assert_equal "$(jq -r '.manifests | length' <<<"$output")" 1
	# create --amend adds to the list there
	run -0 pea_cmd manifest create --amend test:1.0 busybox
	assert_output "$lid"
	run -0 pea_cmd manifest remove test:1.0 "$digest"
	assert_output "$lid"
	run -0 pea_cmd manifest inspect test:1.0
	assert_line '    "manifests": null'

	run -0 pea_cmd manifest rm test:1.0
	assert_output $'Untagged: localhost/test:1.0\nDeleted: '"$lid"
	run -0 pea_cmd images --format '{{.ID}}' --no-trunc
	assert_output "sha256:$iid"
	[[ -z "$(ls "$FE_RUNROOT/tmp" 2>/dev/null)" ]]
}

@test "manifest: errors in one line, nothing made" {
	fe_load_busybox
	run -0 pea_cmd manifest create l1
	local lid="$output"
	run -125 pea_cmd manifest create l1
	assert_output "Error: image name \"localhost/l1:latest\" is already associated with image \"$lid\": that name is already in use"
	run -125 pea_cmd manifest create l2 nosuch
	assert_output "Error: nosuch: image not known"
	run -1 pea_cmd manifest exists l2
	run -125 pea_cmd manifest create
	assert_output "Error: requires at least 1 arg(s), only received 0"
	run -125 pea_cmd manifest add l1
	assert_output "Error: requires at least 2 arg(s), only received 1"
	run -125 pea_cmd manifest add busybox busybox
	assert_output "Error: busybox: image is not a manifest list"
	run -125 pea_cmd manifest add l1 l1
	assert_output "Error: l1: is a manifest list: add its images"
	run -125 pea_cmd manifest add --annotation novalue l1 busybox
	assert_output "Error: no value given for annotation \"novalue\""
	run -125 pea_cmd manifest remove l1 sha256:0000000000000000000000000000000000000000000000000000000000000000
	assert_output "Error: removing from manifest list l1: no instance matching digest \"sha256:0000000000000000000000000000000000000000000000000000000000000000\" found in manifest list"
	run -125 pea_cmd manifest inspect busybox
	assert_output "Error: busybox: image is not a manifest list"
	run -125 pea_cmd manifest rm l1 busybox
	assert_output "Error: busybox: image is not a manifest list"
	run -0 pea_cmd manifest exists l1
	run -125 pea_cmd manifest
	assert_line "  pea manifest [command]"
	run -125 pea_cmd manifest nosuch
	assert_output --partial "nosuch"
	run -0 pea_cmd manifest inspect l1
	assert_line '    "manifests": null'
}

@test "__complete: cobra's protocol; paths inside the image (create, run) and a container (cp) (600-completion)" {
	fe_load_busybox
	local cmd
	for cmd in create run "container create"; do
		# shellcheck disable=SC2086
		run -0 pea_cmd __completeNoDesc $cmd busybox ""
		assert_line "/etc/"
		assert_line "/bin/"
		assert_line ":2"
		assert_line --index -1 "Completion ended with directive: ShellCompDirectiveNoSpace"
		# shellcheck disable=SC2086
		run -0 pea_cmd __completeNoDesc $cmd --rm busybox /bin/sh "/etc"
		assert_line "/etc/passwd"
		refute_line "/etc/"
		# shellcheck disable=SC2086
		run -0 pea_cmd __complete $cmd busybox "/etc/pass"
		assert_output $'/etc/passwd\n:0\nCompletion ended with directive: ShellCompDirectiveDefault'
		# relative components stay inside the image's root
		# shellcheck disable=SC2086
		run -0 pea_cmd __completeNoDesc $cmd busybox "../../"
		assert_line "../../etc/"
		# shellcheck disable=SC2086
		run -0 pea_cmd __completeNoDesc $cmd busybox "/nosuch/x"
		assert_output $':0\nCompletion ended with directive: ShellCompDirectiveDefault'
	done
	# nothing left mounted
	run -0 pea_cmd image mount
	assert_output ""

	run -0 pea_cmd run --name c1 busybox sh -c 'touch /tmp/f1 /tmp/f12 && mkdir /emptydir'
	run -0 pea_cmd __completeNoDesc cp ""
	assert_output $'c1:\n:2\nCompletion ended with directive: ShellCompDirectiveNoSpace'
	run -0 pea_cmd __completeNoDesc cp "c1:"
	assert_line "c1:/etc/"
	run -0 pea_cmd __completeNoDesc cp "c1:/tmp/f1"
	assert_line "c1:/tmp/f1"
	assert_line "c1:/tmp/f12"
	run -0 pea_cmd __completeNoDesc cp "c1:/emptydir"
	assert_output $'c1:/emptydir/\n:2\nCompletion ended with directive: ShellCompDirectiveNoSpace'
	# not a container's name: the shell's own (host) completion
	run -0 pea_cmd __completeNoDesc cp "/tm"
	assert_output $':0\nCompletion ended with directive: ShellCompDirectiveDefault'
	run -0 pea_cmd __completeNoDesc cp "c1:/tmp/f1" /tmp ""
	assert_output $':4\nCompletion ended with directive: ShellCompDirectiveNoFileComp'
	run -0 pea_cmd mount
	assert_output ""
	# the command names
	run -0 pea_cmd __completeNoDesc "manif"
	assert_output $'manifest\n:4\nCompletion ended with directive: ShellCompDirectiveNoFileComp'
}

@test "bash completion of pea: paths inside the image through __completeNoDesc" {
	fe_load_busybox
	local comp="$BATS_TEST_DIRNAME/../completions/bash/pea-completion.bash"
	# shellcheck disable=SC2016
	local script='source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		_pea_complete; printf "%s\n" "${COMPREPLY[@]}"'
	run -0 timeout -k 5 60 bash -c "$script" _ "$comp" "$PEA" --root="$FE_ROOT" \
		--runroot="$FE_RUNROOT" create busybox /etc/pass
	assert_output "/etc/passwd"
	run -0 timeout -k 5 60 bash -c "$script" _ "$comp" "$PEA" --root="$FE_ROOT" \
		--runroot="$FE_RUNROOT" run --rm busybox /et
	assert_output "/etc/"
}

@test "build: a RUN whose OCI runtime fails exits 1 (podman's), a RUN's own status is its own (070-build)" {
	fe_load_busybox
	local ctx="$TEST_DIR/ctx"
	mkdir -p "$ctx"
	printf 'FROM busybox\nRUN echo hi\n' >"$ctx/Containerfile"
	FE_ARGS+=(--runtime-flag invalidflag)
	run -1 pea_cmd build -t rf "$ctx"
	assert_output --partial "invalidflag"
	assert_line --index -1 'Error: building at STEP "RUN echo hi": while running runtime: the container did not start (exit status 126)'
	fe_setup
	printf 'FROM busybox\nRUN exit 126\n' >"$ctx/Containerfile"
	run -126 pea_cmd build -t rf "$ctx"
	assert_line --index -1 'Error: building at STEP "RUN exit 126": while running runtime: exit status 126'
	printf 'FROM busybox\nRUN exit 3\n' >"$ctx/Containerfile"
	run -3 pea_cmd build -t rf "$ctx"
	run -1 pea_cmd image exists rf
	run -0 pea_cmd ps -aq
	assert_output ""
}

@test "secret: create (file, stdin, --env), ls, inspect, rm; podman's records (610-format, 600-completion)" {
	printf 'hello' >"$TEST_DIR/s.txt"
	run -0 pea_cmd secret create s1 "$TEST_DIR/s.txt"
	local id1="$output"
	assert_regex "$id1" '^[0-9a-f]{25}$'
	# the data as given, 0600, in the file driver's folder
	[[ "$(cat "$FE_ROOT/secrets/filedriver/$id1")" == hello ]]
	[[ "$(stat -c %a "$FE_ROOT/secrets/filedriver/$id1")" == 600 ]]
	run -0 bash -c "printf 'x' | timeout -k 5 30 '$PEA' ${FE_ARGS[*]} secret create -l a=b s2 -"
	local id2="$output"
	run -0 env FOO=bar timeout -k 5 30 "$PEA" "${FE_ARGS[@]}" secret create --env s3 FOO
	local id3="$output"
	[[ "$(cat "$FE_ROOT/secrets/filedriver/$id3")" == bar ]]
	run -0 pea_cmd secret ls
	assert_line --index 0 --regexp '^ID +NAME +DRIVER +CREATED +UPDATED$'
	assert_line --regexp "^$id1  s1 +file +(Less than a second|[0-9]+ seconds?) ago  "
	assert_equal "${#lines[@]}" 4
	run -0 pea_cmd secret ls --format '{{.Name}} {{.Driver}}' --filter name=s2
	assert_output "s2 file"
	run -0 pea_cmd secret ls -q --filter "id=${id3:0:10}"
	assert_output "$id3"
	run -0 pea_cmd secret inspect s1
	assert_equal "$(jq -r '.[0].ID' <<<"$output")" "$id1"
	assert_equal "$(jq -r '.[0].Spec.Name' <<<"$output")" s1
	assert_equal "$(jq -r '.[0].Spec.Driver.Name' <<<"$output")" file
	assert_equal "$(jq -r '.[0].Spec.Driver.Options.path' <<<"$output")" "$FE_ROOT/secrets/filedriver"
	assert_equal "$(jq -c '.[0].Spec.Labels' <<<"$output")" '{}'
	refute_output --partial hello
	run -0 pea_cmd secret inspect --format '{{.Spec.Name}} {{.Spec.Labels}}' "${id2:0:12}"
	assert_output "s2 map[a:b]"
	# podman's records: secrets.json's maps
	assert_equal "$(jq -r --arg i "$id1" '.nameToID.s1, .idToName[$i], .secrets[$i].name' \
		"$FE_ROOT/secrets/secrets.json" | tr '\n' ' ')" "$id1 s1 s1 "
	run -0 pea_cmd secret rm s1
	assert_output "$id1"
	[[ ! -e "$FE_ROOT/secrets/filedriver/$id1" ]]
	run -0 pea_cmd secret rm -a
	assert_output --partial "$id2"
	assert_output --partial "$id3"
	run -0 pea_cmd secret ls --noheading
	assert_output ""
	[[ -z "$(ls "$FE_ROOT/secrets/filedriver")" ]]
}

@test "secret: errors in one line, nothing made" {
	printf 'hello' >"$TEST_DIR/s.txt"
	: >"$TEST_DIR/empty"
	run -0 pea_cmd secret create s1 "$TEST_DIR/s.txt"
	local id1="$output"
	run -125 pea_cmd secret create s1 "$TEST_DIR/s.txt"
	assert_output "Error: s1: secret name in use"
	run -125 pea_cmd secret create bad/name "$TEST_DIR/s.txt"
	assert_output "Error: only 64 [a-zA-Z0-9-_.] characters allowed, and the start and end character must be [a-zA-Z0-9]: bad/name: invalid secret name"
	run -125 pea_cmd secret create -x "$TEST_DIR/s.txt"
	assert_output --partial "Error: unknown shorthand flag: 'x' in -x"
	run -125 pea_cmd secret create s2 "$TEST_DIR/nosuch"
	assert_output "Error: open '$TEST_DIR/nosuch': No such file or directory"
	run -125 pea_cmd secret create s2 "$TEST_DIR/empty"
	assert_output "Error: secret data must be larger than 0 and less than 512000 bytes"
	head -c 600000 /dev/zero >"$TEST_DIR/big"
	run -125 pea_cmd secret create s2 "$TEST_DIR/big"
	assert_output "Error: secret data must be larger than 0 and less than 512000 bytes"
	run -125 pea_cmd secret create --env s2 PEA_NO_SUCH_VARIABLE
	assert_output "Error: cannot create store secret data: environment variable PEA_NO_SUCH_VARIABLE is not set"
	run -125 pea_cmd secret create -d pass s2 "$TEST_DIR/s.txt"
	assert_output "Error: secret driver 'pass' is not supported: use file"
	run -125 pea_cmd secret create s2
	assert_output "Error: accepts 2 arg(s), received 1"
	run -125 pea_cmd secret inspect nosuch
	assert_output 'Error: inspecting secret: no secret with name or id "nosuch": no such secret'
	run -125 pea_cmd secret rm s1 nosuch
	assert_output 'Error: no secret with name or id "nosuch": no such secret'
	run -125 pea_cmd secret rm -a s1
	assert_output "Error: secret rm: --all and secrets cannot be used together"
	run -125 pea_cmd secret ls --filter label=x
	assert_output 'Error: invalid filter "label=x": use name= or id='
	# nothing made, nothing lost
	run -0 pea_cmd secret ls -q
	assert_output "$id1"
	[[ "$(ls "$FE_ROOT/secrets/filedriver")" == "$id1" ]]
}

@test "kube play: initContainers run in order to their end before the containers, then go" {
	fe_load_busybox
	local hp="$TEST_DIR/hp" y="$TEST_DIR/init.yaml"
	cat >"$y" <<Y
kind: Pod
metadata: {name: ip}
spec:
  initContainers:
  - {name: i1, image: busybox, command: [sh, -c, 'echo one > /v/f'], volumeMounts: [{name: v, mountPath: /v}]}
  - {name: i2, image: busybox, command: [sh, -c, 'echo two >> /v/f'], volumeMounts: [{name: v, mountPath: /v}]}
  containers:
  - {name: c, image: busybox, command: [sh, -c, 'cat /v/f; sleep 100'], volumeMounts: [{name: v, mountPath: /v}]}
  volumes: [{name: v, hostPath: {path: $hp, type: DirectoryOrCreate}}]
Y
	run -0 pea_cmd kube play --print-plan "$y"
	assert_line --regexp '^init create .*--name ip-i1 --restart no '
	assert_line --regexp '^init create .*--name ip-i2 --restart no '
	run -0 pea_cmd kube play "$y"
	assert_line --index 0 "Pod:"
	assert_equal "$(cat "$hp/f")" $'one\ntwo'
	run -0 pea_cmd ps -a --format '{{.Names}}'
	refute_line ip-i1
	refute_line ip-i2
	assert_line ip-c
	run -0 pea_cmd kube down "$y"

	# one that fails: its status in one line, nothing of the pod left
	rm -rf "$hp"
	sed -i 's/echo two >> \/v\/f/exit 3/' "$y"
	run -125 pea_cmd kube play "$y"
	assert_output "Error: pod 'ip': init container 'ip-i2' exited with status 3"
	run -0 pea_cmd ps -aq
	assert_output ""
	run -0 pea_cmd pod ps -q
	assert_output ""
	[[ ! -e "$hp" ]]
	# they run while playing: not with --start=false
	run -125 pea_cmd kube play --start=false "$y"
	assert_output "Error: pod 'ip': initContainers run while the pod is played: --start=false cannot be used with them"
}

@test "manifest push: the list and its images to a registry; --digestfile, --rm" {
	fe_load_busybox
	registry_start
	run -0 pea_cmd manifest create pl
	run -0 pea_cmd manifest add pl busybox
	run -0 pea_cmd manifest push -q --tls-verify=false --digestfile "$TEST_DIR/digest" pl \
		"$REGISTRY_ADDR/x/pl:1"
	assert_output ""
	run -0 curl -sf --max-time 30 -H 'Accept: application/vnd.docker.distribution.manifest.list.v2+json' \
		"http://$REGISTRY_ADDR/v2/x/pl/manifests/1"
	local list="$output" child
	assert_equal "$(jq -r .mediaType <<<"$list")" application/vnd.docker.distribution.manifest.list.v2+json
	assert_equal "$(jq -r '.manifests | length' <<<"$list")" 1
	assert_equal "$(jq -r '.manifests[0].platform.os' <<<"$list")" linux
	assert_equal "sha256:$(printf '%s' "$list" | sha256sum | cut -d' ' -f1)" "$(cat "$TEST_DIR/digest")"
	# the image it names is there too
	child="$(jq -r '.manifests[0].digest' <<<"$list")"
	run -0 curl -sf --max-time 30 -o /dev/null -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
		"http://$REGISTRY_ADDR/v2/x/pl/manifests/$child"
	# pulled back by pea: the platform's image of the list
	run -0 pea_cmd pull -q --tls-verify=false "$REGISTRY_ADDR/x/pl:1"
	# docker:// named, and --rm removes the list once pushed
	run -0 pea_cmd manifest push -q --tls-verify=false --rm pl "docker://$REGISTRY_ADDR/x/pl:2"
	run -1 pea_cmd manifest exists pl
	run -0 pea_cmd image exists busybox
	[[ -z "$(ls "$FE_RUNROOT/tmp" 2>/dev/null)" ]]
	# a failure names the list and the registry, and keeps the list
	run -0 pea_cmd manifest create pl2
	run -125 pea_cmd manifest push -q pl2 127.0.0.1:1/x/y:1
	assert_output --regexp "^Error: pushing manifest list pl2: docker://127.0.0.1:1/x/y:1: .*127.0.0.1"
	run -0 pea_cmd manifest exists pl2
	[[ -z "$(ls "$FE_RUNROOT/tmp" 2>/dev/null)" ]]
	run -125 pea_cmd manifest push -f v3 pl2 x
	assert_output 'Error: unrecognized image type "v3": use oci or v2s2'
}
