#!/usr/bin/env bats
# pea: global options and images (pull, load, images, rmi, tag, image inspect).
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-frontend

setup_file() {
	ensure_fixtures
	fe_server_start
}

teardown_file() {
	registry_stop 2>/dev/null || true
	fe_server_stop
}

setup() {
	require_root
	require_cmd "$PEA"
	fe_setup
}

teardown() {
	fe_teardown
}

@test "--version, --help and a bad global flag" {
	run -0 "$PEA" --version
	assert_output "pea version 0.1.0"
	run -0 "$PEA" --help
	assert_line "  pea [options] [command]"
	run -125 "$PEA" --bogus ps
	assert_line --index 0 "Error: unknown flag: --bogus"
	run -125 "$PEA" nosuchcommand
	assert_line --index 0 "Error: unrecognized command \`pea nosuchcommand\`"
	# podman's line and status for an unknown level (001-basic)
	run -1 "$PEA" --log-level=loud ps
	assert_output 'Log Level "loud" is not supported, choose from: trace, debug, info, warn, warning, error, fatal, panic'
	run -125 "$PEA" --storage-driver=btrfs ps
	assert_output --partial "invalid storage driver 'btrfs'"
}

@test "--log-level: logrus lines from info down, trace below debug; --debug, -D" {
	local l
	# podman's lines (001-basic): time="RFC3339" level=L msg="..." on stderr
	run -0 pea_cmd --log-level=trace info
	assert_output --regexp '(^|'$'\n'')time="[0-9T:+-]+(Z|[+-][0-9]{2}:[0-9]{2})" level=info msg="pea filtering at log level trace"'
	assert_output --regexp ' level=trace '
	assert_output --regexp ' level=debug '
	refute_output --regexp ' level=warn'
	run -0 pea_cmd --log-level=debug info
	assert_output --regexp ' level=debug '
	assert_output --regexp ' level=info '
	refute_output --regexp ' level=trace '
	run -0 pea_cmd --log-level=info info
	assert_output --regexp ' level=info '
	refute_output --regexp ' level=(debug|trace) '
	for l in warn warning error; do
		run -0 pea_cmd --log-level=$l info
		refute_output --regexp ' level='
	done
	run -0 pea_cmd --debug info
	assert_output --regexp ' level=debug '
	run -0 pea_cmd -D info
	assert_output --regexp ' level=debug '
	run -1 pea_cmd --debug --log-level=panic info
	assert_output "Setting --log-level and --debug is not allowed"
}

@test "create --label io.containers.autoupdate: podman 4.3.1's reference checks, any policy kept" {
	fe_load_busybox
	run -0 pea_cmd create --label io.containers.autoupdate=registry localhost/busybox:latest true
	run -0 pea_cmd create --label io.containers.autoupdate=local busybox true
	run -0 pea_cmd create --label io.containers.autoupdate=disabled busybox true
	run -0 pea_cmd tag busybox shortname:latest
	run -125 pea_cmd create --label io.containers.autoupdate=registry shortname:latest true
	assert_output 'Error: short name: auto updates require fully-qualified image reference: "shortname:latest"'
	run -125 pea_cmd create --label io.containers.autoupdate=image shortname:latest true
	assert_output 'Error: short name: auto updates require fully-qualified image reference: "shortname:latest"'
	# podman 4.3.1 checks no tag at create, and leaves an unknown policy to auto-update
	# (its 255-auto-update creates one labelled fake_XXX)
	run -0 pea_cmd create --label io.containers.autoupdate=image localhost/busybox true
	run -0 pea_cmd create --label io.containers.autoupdate=sometimes busybox true
	local fake=$output
	run -0 pea_cmd inspect --format '{{index .Config.Labels "io.containers.autoupdate"}}' "$fake"
	assert_output sometimes
	run -0 pea_cmd save -o "$TEST_DIR/a.tar" busybox
	run -125 pea_cmd create --label io.containers.autoupdate=registry "docker-archive:$TEST_DIR/a.tar" true
	assert_output 'Error: auto updates require the docker image transport but image is of transport "docker-archive"'
	# nothing made by the refused ones
	run -0 pea_cmd ps -aq
	assert_equal "${#lines[@]}" 5
}

@test "images {{.History}}, image inspect .NamesHistory: the names an image had, latest first" {
	fe_load_busybox
	run -0 pea_cmd images busybox --format '{{.History}}'
	assert_output "localhost/busybox:latest"
	# podman's 010-images: a tag, its rmi, another
	run -0 pea_cmd tag busybox h1
	run -0 pea_cmd rmi h1
	run -0 pea_cmd images busybox --format '{{.History}}'
	assert_output "localhost/busybox:latest, localhost/h1:latest"
	run -0 pea_cmd tag busybox h2
	run -0 pea_cmd images busybox --format '{{.History}}'
	assert_output "localhost/h2:latest, localhost/busybox:latest, localhost/h1:latest"
	run -0 pea_cmd rmi h2
	run -0 pea_out image inspect busybox
	assert_equal "$(jq -c '.[0].NamesHistory' <<<"$output")" \
		'["localhost/busybox:latest","localhost/h2:latest","localhost/h1:latest"]'
	run -0 pea_out images --format json busybox
	assert_equal "$(jq -c '.[0].History' <<<"$output")" \
		'["localhost/busybox:latest","localhost/h2:latest","localhost/h1:latest"]'
	# a name taken by another image stays in the history of the first
	run -0 pea_cmd tag busybox h3
	run -0 pea_cmd run --name c busybox true
	run -0 pea_cmd commit -q c h3
	run -0 pea_cmd images busybox --format '{{.History}}'
	assert_output "localhost/h3:latest, localhost/busybox:latest, localhost/h2:latest, localhost/h1:latest"
	run -0 pea_cmd images h3 --format '{{.History}}'
	assert_output "localhost/h3:latest"
}

@test "--help lists every command of pea; each has its --help" {
	local names cmd
	run -0 "$PEA" --help
	# the command table of frontend/main.c: every name there has its line in --help
	names=$(sed -n '/^static const struct command commands\[\] = {/,/^};/p' \
		"$BATS_TEST_DIRNAME/../frontend/main.c" | grep -o '{ "[a-z]*", cmd_' | cut -d'"' -f2)
	[[ $(wc -w <<<"$names") -ge 40 ]]
	local top=$output
	for cmd in $names; do
		run -0 "$PEA" "${FE_ARGS[@]}" "$cmd" --help
		if grep -qE "^  $cmd +[a-z]" <<<"$top"; then
			assert_line --regexp "^  pea $cmd( |$)"
		else
			# an alias (podman lists unmount, not umount): its help names it under Aliases:
			assert_output --regexp $'\nAliases:\n  [a-z]+, ([a-z]+, )*'"$cmd"$'(,|\n|$)'
		fi
	done
	# aliases aside, every command is listed
	[[ $(grep -cE '^  [a-z]+ +[a-z]' <<<"$top") -ge 40 ]]
}

@test "version: podman's text, --format json and a template; bad inputs" {
	run -0 "$PEA" version
	assert_line --index 0 "Version:      0.1.0"
	assert_line --regexp '^OS/Arch: +linux/'
	run -0 "$PEA" version --format '{{.Client.Version}}'
	assert_output 0.1.0
	run -0 "$PEA" version --format '{{.Client.Version}} {{.Client.APIVersion}} {{.Client.Os}}'
	assert_output '0.1.0 0.1.0 linux'
	# the local engine is the server too (podman's pause_image helper asks it)
	run -0 "$PEA" version --format '{{.Server.Version}}-{{.Server.Built}}'
	assert_output 0.1.0-0
	run -0 "$PEA" version --format json
	assert_equal "$(jq -r .Client.Version <<<"$output")" 0.1.0
	assert_equal "$(jq -r .Client.OsArch <<<"$output")" "linux/$(uname -m | sed 's/x86_64/amd64/;s/aarch64/arm64/')"
	run -125 "$PEA" version --format '{{.Client.Nope}}'
	assert_output "Error: template: version:1:13: executing \"version\" at <.Client.Nope>: can't evaluate field Nope in type interface {}"
	run -125 "$PEA" version --format '{{.Client.Version'
	assert_output --partial 'unclosed action'
	run -125 "$PEA" version extra
	assert_output 'Error: `pea version` takes no arguments'
	run -125 "$PEA" version --bogus
	assert_output --partial 'unknown flag: --bogus'
}

@test "load a docker-archive, list it as podman does" {
	run -0 pea_cmd load -i "$BUSYBOX_ARCHIVE"
	assert_output "Loaded image: localhost/busybox:latest"
	run -0 pea_cmd images
	assert_line --index 0 "REPOSITORY         TAG         IMAGE ID      CREATED       SIZE"
	assert_line --index 1 --regexp '^localhost/busybox  latest      [0-9a-f]{12}  [0-9]+ years ago  [0-9.]+ [kM]B$'
	run -0 pea_cmd images -q
	assert_output --regexp '^[0-9a-f]{12}$'
	run -0 pea_cmd images --format '{{.Repository}}:{{.Tag}}'
	assert_output "localhost/busybox:latest"
	run -0 pea_cmd images --format json
	assert_equal "$(jq -r '.[0].Names[0]' <<<"$output")" localhost/busybox:latest
	run -0 pea_cmd image ls --noheading --no-trunc
	assert_output --regexp '^localhost/busybox +latest +sha256:[0-9a-f]{64} '
	# the graph root is the one given
	[ -d "$FE_ROOT/storage" ]
}

@test "load an oci-archive, and the same image again" {
	(cd "$BUSYBOX_OCI" && tar -cf "$TEST_DIR/bb-oci.tar" .)
	run -0 pea_cmd load -i "$TEST_DIR/bb-oci.tar"
	assert_output --regexp '^Loaded image: sha256:[0-9a-f]{64}$'
	run -0 pea_cmd images --format '{{.Repository}} {{.Tag}}'
	assert_output "<none> <none>"
	run -0 pea_cmd load -i "$BUSYBOX_ARCHIVE"
	run -0 pea_cmd load -i "$BUSYBOX_ARCHIVE"
	assert_output "Loaded image: localhost/busybox:latest"
}

@test "load: bad inputs say so and store nothing" {
	run -125 pea_cmd load
	assert_output "Error: no archive on standard input: pipe one, or use --input"
	run -125 pea_cmd load -i "$TEST_DIR/nosuch.tar"
	assert_output --partial "nosuch.tar"
	echo "not a tar" >"$TEST_DIR/junk"
	run -125 pea_cmd load -i "$TEST_DIR/junk"
	assert_output "Error: payload does not match any of the supported image formats: '$TEST_DIR/junk' is not a tar archive: tar: This does not look like a tar archive"
	run -125 "$PEA" "${FE_ARGS[@]}" load <"$TEST_DIR/junk"
	assert_output --regexp "^Error: standard input: payload does not match any of the supported image formats: '.*' is not a tar archive: tar: This does not look like a tar archive$"
	mkdir -p "$TEST_DIR/empty" && touch "$TEST_DIR/empty/x"
	tar -cf "$TEST_DIR/other.tar" -C "$TEST_DIR/empty" x
	run -125 pea_cmd load -i "$TEST_DIR/other.tar"
	assert_output --partial "neither manifest.json (docker-archive) nor index.json"
	run -0 pea_cmd images -q
	assert_output ""
}

@test "tag, image inspect, rmi" {
	fe_load_busybox
	run -0 pea_cmd tag busybox myimage:v1 quay.io/x/y:2
	run -0 pea_cmd images --format '{{.Repository}}:{{.Tag}}'
	assert_line localhost/myimage:v1
	assert_line quay.io/x/y:2
	run -0 pea_cmd image inspect myimage:v1
	assert_equal "$(jq -r '.[0].RepoTags | length' <<<"$output")" 3
	assert_equal "$(jq -r '.[0].Config.Cmd[0]' <<<"$output")" sh
	assert_equal "$(jq -r '.[0].Os' <<<"$output")" linux
	run -0 pea_cmd image inspect --format '{{.Os}}/{{.Architecture}}' busybox
	assert_output "linux/amd64"
	# one name of several: untagged only
	run -0 pea_cmd rmi quay.io/x/y:2
	assert_output "Untagged: quay.io/x/y:2"
	run -0 pea_cmd rmi myimage:v1
	run -0 pea_cmd rmi busybox
	assert_line "Untagged: localhost/busybox:latest"
	assert_line --regexp '^Deleted: [0-9a-f]{64}$'
	run -0 pea_cmd images -q
	assert_output ""
}

@test "image errors: unknown image, bad names, image in use" {
	run -1 pea_cmd rmi nosuch
	assert_output "Error: nosuch: image not known"
	run -125 pea_cmd image inspect nosuch
	assert_output --partial "nosuch: image not known"
	fe_load_busybox
	run -125 pea_cmd tag busybox 'Bad/Name'
	assert_output --partial "invalid reference format"
	run -125 pea_cmd tag busybox
	assert_output --partial "requires at least 2 arg(s)"
	run -0 pea_cmd create --name user busybox true
	run -2 pea_cmd rmi busybox
	assert_output --partial "image is in use by a container"
	run -0 pea_cmd rmi -f busybox
	run -0 pea_cmd ps -aq
	assert_output ""
}

@test "pull from a registry" {
	registry_start
	registry_push_oci "$BUSYBOX_OCI" "pea/busybox:1.0"
	run -0 pea_cmd pull --tls-verify=false "$REGISTRY_ADDR/pea/busybox:1.0"
	assert_line --regexp '^[0-9a-f]{64}$'
	run -0 pea_cmd images --format '{{.Repository}}:{{.Tag}}'
	assert_output "$REGISTRY_ADDR/pea/busybox:1.0"
	run -0 pea_cmd run --rm "$REGISTRY_ADDR/pea/busybox:1.0" echo pulled
	assert_output pulled
	run -125 pea_cmd pull -q --tls-verify=false "$REGISTRY_ADDR/pea/nosuch:1.0"
	assert_output --partial "Error: "
	run -0 pea_cmd images -q
	assert_line --index 0 --regexp '^[0-9a-f]{12}$'
	assert [ "${#lines[@]}" -eq 1 ]
}

@test "run --pull=newer: the registry's image when its digest differs, else the local one; a failure to ask is none" {
	local ref id1 id2
	registry_start
	ref="$REGISTRY_ADDR/pea/busybox:1.0"
	registry_push_oci "$BUSYBOX_OCI" pea/busybox:1.0
	run -0 pea_cmd pull -q --tls-verify=false "$ref"
	id1="$output"
	# the same digest: nothing pulled (no pea-image copy), no tag list asked for
	run -0 strace -f -qq -e trace=execve -e signal=none -o "$TEST_DIR/trace" \
		"$PEA" "${FE_ARGS[@]}" run --rm --pull=newer --tls-verify=false "$ref" echo same
	assert_output same
	run -0 grep -c 'pea-image", \[.*"inspect"' "$TEST_DIR/trace"
	run -1 grep '"copy"' "$TEST_DIR/trace"
	run -1 grep 'tags/list' "$REGISTRY_DIR/registry.log"
	# the registry's tag moves to another image; the store keeps the old one under it
	run -0 pea_cmd run --name c1 "$ref" touch /new
	run -0 pea_cmd commit -q c1 localhost/changed
	id2="$output"
	run -0 pea_cmd push -q --tls-verify=false localhost/changed "$ref"
	run -0 pea_cmd image inspect --format '{{.Id}}' "$ref"
	assert_output "$id1"
	run -1 pea_cmd run --rm --pull=missing "$ref" ls /new
	run -0 pea_cmd run --rm --pull=newer --tls-verify=false "$ref" ls /new
	assert_line /new
	run -0 pea_cmd image inspect --format '{{.Id}}' "$ref"
	assert_output "$id2"
	# the registry gone: the local image, no error
	registry_stop
	run -0 pea_cmd run --rm --pull=newer --tls-verify=false "$ref" ls /new
	assert_output /new
	run -0 pea_cmd run --rm --pull=newer localhost/changed echo local
	assert_output local
}

@test "run --pull=newer of an index's tag that did not move: nothing pulled (the store keeps the instance)" {
	require_cmd skopeo strace
	local lay="$TEST_DIR/multi" man size idx isize ref
	registry_start
	cp -r "$BUSYBOX_OCI" "$lay"
	man=$(jq -r '.manifests[0].digest' "$lay/index.json")
	size=$(jq -r '.manifests[0].size' "$lay/index.json")
	jq -cn --arg d "$man" --argjson s "$size" --arg a "$(oci_platform | cut -d" " -f1)" '{schemaVersion: 2,
		mediaType: "application/vnd.oci.image.index.v1+json", manifests: [{mediaType:
		"application/vnd.oci.image.manifest.v1+json", digest: $d, size: $s,
		platform: {architecture: $a, os: "linux"}}]}' >"$TEST_DIR/idx"
	idx=$(sha256sum "$TEST_DIR/idx" | cut -d' ' -f1)
	isize=$(stat -c %s "$TEST_DIR/idx")
	cp "$TEST_DIR/idx" "$lay/blobs/sha256/$idx"
	jq -cn --arg d "sha256:$idx" --argjson s "$isize" '{schemaVersion: 2, manifests: [{mediaType:
		"application/vnd.oci.image.index.v1+json", digest: $d, size: $s,
		annotations: {"org.opencontainers.image.ref.name": "latest"}}]}' >"$lay/index.json"
	ref="$REGISTRY_ADDR/pea/multi:1"
	run -0 skopeo copy --all --dest-tls-verify=false "oci:$lay:latest" "docker://$ref"
	run -0 pea_cmd pull -q --tls-verify=false "$ref"
	run -0 strace -f -qq -e trace=execve -e signal=none -o "$TEST_DIR/trace" \
		"$PEA" "${FE_ARGS[@]}" run --rm --pull=newer --tls-verify=false "$ref" echo same
	assert_output same
	run -1 grep '"copy"' "$TEST_DIR/trace"
}

@test "containers.conf: [engine] runtime and conmon_path, flags win, bad files named" {
	fe_load_busybox
	run -0 pea_cmd create --name c busybox true
	cat >"$TEST_DIR/containers.conf" <<'CONF'
# comment
[containers]
pids_limit = 2048
default_capabilities = [
  "CHOWN", # a comment in an array
]
[engine]
runtime = "crun"
conmon_path = ["/nonexistent/conmon", "/usr/bin/conmon"]
[engine.runtimes]
crun = ["/nonexistent/crun", "/usr/bin/crun"]
CONF
	run -0 env CONTAINERS_CONF="$TEST_DIR/containers.conf" "$PEA" "${FE_ARGS[@]}" \
		inspect --format '{{.OCIRuntime}}' c
	assert_output /usr/bin/crun
	run -0 env CONTAINERS_CONF="$TEST_DIR/containers.conf" "$PEA" "${FE_ARGS[@]}" \
		--runtime "$PEA_RUNTIME" inspect --format '{{.OCIRuntime}}' c
	assert_output "$PEA_RUNTIME"
	printf '[engine]\nruntime = {x = 1}\n' >"$TEST_DIR/bad.conf"
	run -125 env CONTAINERS_CONF="$TEST_DIR/bad.conf" "$PEA" "${FE_ARGS[@]}" ps
	assert_output "Error: containers.conf: $TEST_DIR/bad.conf: 'engine.runtime' is not a string"
	printf '[engine\n' >"$TEST_DIR/bad.conf"
	run -125 env CONTAINERS_CONF="$TEST_DIR/bad.conf" "$PEA" "${FE_ARGS[@]}" ps
	assert_output --partial "bad.conf:1: "
	run -0 pea_cmd rm c
}

# build_chain NAME: a Containerfile of three steps over busybox (each an image) built as NAME;
# the ids of the steps in STEP_IDS (ENV, RUN, LABEL: the last is NAME's).
build_chain() {
	mkdir -p "$TEST_DIR/ctx"
	printf 'FROM busybox\nENV A=1\nRUN echo hi >/x\nLABEL l=v\n' >"$TEST_DIR/ctx/Containerfile"
	run -0 pea_cmd build -t "$1" "$TEST_DIR/ctx"
	mapfile -t STEP_IDS < <(sed -n 's/^--> \([0-9a-f]\{11\}\)$/\1/p' <<<"$output")
	assert_equal "${#STEP_IDS[@]}" 3
}

# oci_with_created DIR CREATED: the busybox OCI fixture in DIR with its config's "created" set.
oci_with_created() {
	local dir=$1 created=$2 b="$1/blobs/sha256" m c mh ch
	cp -r "$PEA_TEST_FIXTURES/busybox-oci" "$dir"
	m=$(jq -r '.manifests[0].digest | sub("sha256:"; "")' "$dir/index.json")
	c=$(jq -r '.config.digest | sub("sha256:"; "")' "$b/$m")
	jq -cj --arg t "$created" '.created = $t' "$b/$c" >"$b/new-config"
	ch=$(sha256sum "$b/new-config" | cut -d' ' -f1)
	mv "$b/new-config" "$b/$ch"
	jq -cj --arg d "sha256:$ch" --argjson n "$(stat -c %s "$b/$ch")" \
		'.config.digest = $d | .config.size = $n' "$b/$m" >"$b/new-manifest"
	mh=$(sha256sum "$b/new-manifest" | cut -d' ' -f1)
	mv "$b/new-manifest" "$b/$mh"
	jq -cj --arg d "sha256:$mh" --argjson n "$(stat -c %s "$b/$mh")" \
		'.manifests[0].digest = $d | .manifests[0].size = $n' "$dir/index.json" >"$dir/i" &&
		mv "$dir/i" "$dir/index.json"
}

@test "images: newest first by default, by time, not by the text of the time" {
	# as text ".5Z" sorts before "Z": the later one would come last
	oci_with_created "$TEST_DIR/whole" 2030-01-01T00:00:00Z
	oci_with_created "$TEST_DIR/half" 2030-01-01T00:00:00.5Z
	oci_with_created "$TEST_DIR/zone" 2030-01-01T01:00:00.9+02:00
	local n
	for n in whole half zone; do
		run -0 pea_out pull -q "oci:$TEST_DIR/$n"
		run -0 pea_cmd tag "${lines[-1]}" "localhost/$n"
	done
	run -0 pea_cmd images --format '{{.Repository}}'
	run -0 grep -E '^localhost/(whole|half|zone)$' <<<"$output"
	assert_output "$(printf 'localhost/half\nlocalhost/whole\nlocalhost/zone')"
	run -0 pea_cmd images --sort created --format '{{.Repository}}'
	run -0 grep -E '^localhost/(whole|half|zone)$' <<<"$output"
	assert_output "$(printf 'localhost/half\nlocalhost/whole\nlocalhost/zone')"
}

@test "images: intermediate images of a build hidden without -a; dangling and intermediate filters" {
	fe_load_busybox
	build_chain built
	# podman: untagged parents of other images are intermediate, shown with -a only
	run -0 pea_cmd images --format '{{.Repository}}:{{.Tag}}'
	assert_output "$(printf 'localhost/built:latest\nlocalhost/busybox:latest')"
	run -0 pea_cmd images -a -q
	assert_equal "${#lines[@]}" 4
	assert_line --regexp "^${STEP_IDS[0]}"
	assert_line --regexp "^${STEP_IDS[1]}"
	run -0 pea_cmd images -a --filter intermediate=true --format '{{.ID}}'
	assert_equal "${#lines[@]}" 2
	run -0 pea_cmd images -a --filter dangling=true -q
	assert_output ""
	# an untagged image no other is built on is dangling (and shown without -a)
	run -0 pea_cmd untag built
	run -0 pea_cmd images --filter dangling=true --format '{{.ID}} {{.Repository}}'
	assert_output --regexp "^${STEP_IDS[2]}[0-9a-f] <none>$"
	run -0 pea_cmd images -q
	assert_equal "${#lines[@]}" 2
	run -125 pea_cmd images --filter intermediate=maybe
	assert_output --partial "--filter intermediate"
	run -125 pea_cmd images --filter parent=x
	assert_output --partial 'invalid image filter "parent=x"'
	run -0 pea_cmd image inspect --format '{{.Parent}}' "${STEP_IDS[2]}"
	assert_output --regexp "^${STEP_IDS[1]}[0-9a-f]{53}$"
	run -0 pea_cmd image inspect --format '{{.Parent}}' busybox
	assert_output ""
	run -0 pea_cmd images -a --format json
	assert_equal "$(jq -r --arg id "${STEP_IDS[1]}" '.[] | select(.Id | startswith($id)) | .ParentId' <<<"$output" | cut -c1-11)" "${STEP_IDS[0]}"
	assert_equal "$(jq -r '.[] | select(.Names[0] == "localhost/busybox:latest") | .ParentId' <<<"$output")" ""
}

@test "rmi of a built image removes its untagged parents nothing else uses" {
	fe_load_busybox
	build_chain built
	# a second image on the same RUN step keeps that step and the ones below it
	printf 'FROM busybox\nENV A=1\nRUN echo hi >/x\nLABEL other=1\n' \
		>"$TEST_DIR/ctx/Containerfile"
	run -0 pea_cmd build -t other "$TEST_DIR/ctx"
	# podman-rmi(1): an image with children stays, status 2
	run -2 pea_cmd rmi "${STEP_IDS[1]}"
	assert_output --regexp "^Error: image ${STEP_IDS[1]}[0-9a-f] has dependent children$"
	run -2 pea_cmd rmi -f "${STEP_IDS[0]}"
	run -0 pea_cmd rmi built
	assert_line --index 0 "Untagged: localhost/built:latest"
	assert_line --index 1 --regexp "^Deleted: ${STEP_IDS[2]}[0-9a-f]{53}$"
	assert_equal "${#lines[@]}" 2
	run -0 pea_cmd images -a -q
	assert_equal "${#lines[@]}" 4
	# a container of the RUN step's image keeps it; the ENV step above goes with nothing
	run -0 pea_cmd create --name user "${STEP_IDS[1]}" true
	run -0 pea_cmd rmi other
	assert_line --index 0 "Untagged: localhost/other:latest"
	assert_equal "${#lines[@]}" 2
	run -0 pea_cmd images -a -q
	assert_equal "${#lines[@]}" 3
	run -0 pea_cmd rm user
	# podman's output: Untagged, then Deleted for the image and each parent that went
	build_chain again
	run -0 pea_cmd rmi again
	assert_equal "${#lines[@]}" 4
	assert_line --index 0 "Untagged: localhost/again:latest"
	assert_line --index 1 --regexp "^Deleted: ${STEP_IDS[2]}"
	assert_line --index 2 --regexp "^Deleted: ${STEP_IDS[1]}"
	assert_line --index 3 --regexp "^Deleted: ${STEP_IDS[0]}"
	run -0 pea_cmd images -a --format '{{.Repository}}'
	assert_output localhost/busybox
	# the parents of a tagged image are its own: rmi -a removes them all, errors none
	build_chain again
	run -0 pea_cmd rmi -a
	run -0 pea_cmd images -a -q
	assert_output ""
}

@test "image inspect: the manifest's annotations" {
	fe_load_busybox
	run -0 pea_cmd image inspect --format '{{json .Annotations}}' busybox
	assert_output "{}"
	mkdir -p "$TEST_DIR/ctx"
	printf 'FROM busybox\nRUN true\n' >"$TEST_DIR/ctx/Containerfile"
	run -0 pea_cmd build -t annotated --annotation a=b --annotation 'c.d=e f' "$TEST_DIR/ctx"
	run -0 pea_cmd image inspect annotated
	assert_equal "$(jq -c '.[0].Annotations' <<<"$output")" '{"a":"b","c.d":"e f"}'
	run -0 pea_cmd image inspect --format '{{index .Annotations "c.d"}}' annotated
	assert_output "e f"
}

@test "run: an image without /etc/mtab gets the link to /proc/mounts, one with it keeps its own" {
	fe_load_busybox
	run -0 pea_cmd run --rm busybox stat -c %N /etc/mtab
	assert_output "'/etc/mtab' -> '/proc/mounts'"
	run -0 pea_cmd run --rm --read-only busybox readlink /etc/mtab
	assert_output "/proc/mounts"
	mkdir -p "$TEST_DIR/ctx"
	printf 'FROM busybox\nRUN ln -sf /elsewhere /etc/mtab\n' >"$TEST_DIR/ctx/Containerfile"
	run -0 pea_cmd build -t withmtab "$TEST_DIR/ctx"
	run -0 pea_cmd run --rm withmtab readlink /etc/mtab
	assert_output "/elsewhere"
	# an image whose /etc is a link out of its root: no mtab made outside it
	run -0 pea_cmd create --name src busybox true
	run -0 pea_cmd export -o "$TEST_DIR/src.tar" src
	mkdir "$TEST_DIR/rootfs" "$TEST_DIR/outside"
	tar -C "$TEST_DIR/rootfs" -xf "$TEST_DIR/src.tar"
	rm -rf "$TEST_DIR/rootfs/etc"
	ln -s "$TEST_DIR/outside" "$TEST_DIR/rootfs/etc"
	tar -C "$TEST_DIR/rootfs" -cf "$TEST_DIR/linketc.tar" .
	run -0 pea_cmd import "$TEST_DIR/linketc.tar" linketc
	run pea_cmd run --rm linketc true
	assert [ ! -e "$TEST_DIR/outside/mtab" ]
	assert [ ! -L "$TEST_DIR/outside/mtab" ]
}

@test "--default-mounts-file: its HOST-DIR:CONTAINER-DIR lines bound in every container" {
	fe_load_busybox
	mkdir "$TEST_DIR/secrets"
	echo shhh >"$TEST_DIR/secrets/s1"
	printf '# podman mounts.conf\n\n%s:/run/secrets\n/nonexistent:/x\n' "$TEST_DIR/secrets" \
		>"$TEST_DIR/mounts.conf"
	run -0 pea_cmd --default-mounts-file "$TEST_DIR/mounts.conf" run --rm busybox \
		cat /run/secrets/s1
	assert_output shhh
	# build's RUN too (070-build's secrets), read-only
	mkdir -p "$TEST_DIR/ctx"
	printf 'FROM busybox\nRUN cat /run/secrets/s1 && ! touch /run/secrets/s2\n' \
		>"$TEST_DIR/ctx/Containerfile"
	run -0 pea_cmd --default-mounts-file "$TEST_DIR/mounts.conf" build -t sec "$TEST_DIR/ctx"
	assert_line shhh
	run -1 pea_cmd run --rm sec cat /run/secrets/s1
	echo "bad line" >"$TEST_DIR/bad.conf"
	run -125 "$PEA" "${FE_ARGS[@]}" --default-mounts-file "$TEST_DIR/bad.conf" images
	assert_output "Error: --default-mounts-file '$TEST_DIR/bad.conf' line 1: \"bad line\" is not HOST-DIR:CONTAINER-DIR (absolute paths)"
	run -125 "$PEA" "${FE_ARGS[@]}" --default-mounts-file "$TEST_DIR/nosuch.conf" images
	assert_output "Error: --default-mounts-file '$TEST_DIR/nosuch.conf': No such file or directory"
	run -125 "$PEA" "${FE_ARGS[@]}" --default-mounts-file= images
	assert_output "Error: --default-mounts-file: empty path"
}

@test "--runtime-flag: --FLAG to the OCI runtime on every call; bad ones named" {
	fe_load_busybox
	run -0 pea_cmd --runtime-flag debug --runtime-flag "log=$TEST_DIR/runtime.log" \
		run --rm busybox echo ok
	# the runtime's debug lines come on its stderr too (pea-runtime --log: "as well")
	assert_line ok
	refute_line --regexp '^(Error|pea-runtime: error)'
	assert [ -f "$TEST_DIR/runtime.log" ]
	# the OCI runtime's create failed: podman's 126 (030-run)
	run -126 pea_cmd --runtime-flag nosuch run --rm busybox true
	assert_output --partial "unknown or incomplete option '--nosuch'"
	assert_output --partial ": OCI runtime error"
	# so does start's, whose failures are 125
	run -0 pea_cmd create --name c busybox true
	run -125 pea_cmd --runtime-flag nosuch start c
	assert_output --partial "unknown or incomplete option '--nosuch'"
	run -0 pea_cmd rm c
	run -0 pea_cmd run -d --name s busybox sleep 100
	run -2 pea_cmd --runtime-flag nosuch exec s true
	assert_output --partial "'--nosuch'"
	run -0 pea_cmd --runtime-flag debug exec s echo inside
	assert_output inside
	run -0 pea_cmd rm -f -t0 s
	run -125 "$PEA" "${FE_ARGS[@]}" --runtime-flag=--debug ps
	assert_output "Error: --runtime-flag '--debug': a flag name without its leading '--' (log-format=json, debug)"
	run -125 "$PEA" "${FE_ARGS[@]}" --runtime-flag= ps
	assert_output --partial "Error: --runtime-flag '': a flag name"
	run -0 pea_cmd ps -aq
	assert_output ""
}

@test "rmi: several errors as podman's list; -f of the pause image removes its pod; -af's report" {
	fe_load_busybox
	run -0 pea_cmd tag busybox localhost/other:1
	run -0 pea_cmd pod create --name p1
	run -0 pea_cmd create --pod p1 --name m1 busybox true
	infra="$(pea_out pod inspect --format '{{.InfraContainerID}}' p1)"
	pause="$(pea_out inspect --format '{{.ImageName}}' "$infra")"
	pause_id="$(pea_out inspect --format '{{.Image}}' "$infra")"
	bb_id="$(pea_out image inspect --format '{{.ID}}' busybox)"
	run -2 pea_cmd rmi "$bb_id" "$pause"
	assert_line --index 0 "Error: 2 errors occurred:"
	assert_line --index 1 --regexp '^	\* image used by [0-9a-f]{64}: image is in use by a container: consider listing external containers and force-removing image$'
	assert_line --index 2 --regexp '^	\* image used by [0-9a-f]{64}: image is in use by a container'
	run -2 pea_cmd rmi "$pause"
	assert_output --regexp '^Error: image used by [0-9a-f]{64}: image is in use by a container'
	# the pause image's container is the pod's infra: -f removes the pod and its members
	run -0 pea_cmd rmi -f "$pause"
	assert_output "Untagged: $pause
Deleted: $pause_id"
	run -0 pea_cmd pod ps -q
	assert_output ""
	run -0 pea_cmd ps -aq
	assert_output ""
	# -af: every Untagged, then every Deleted; the containers and pods go first
	run -0 pea_cmd pod create --name p2
	run -0 pea_cmd create --pod p2 busybox true
	run -0 pea_cmd rmi -af
	assert_line --index 0 --regexp '^Untagged: '
	assert_line --index 1 --regexp '^Untagged: '
	assert_line --index 2 --regexp '^Untagged: '
	assert_line --index 3 --regexp '^Deleted: [0-9a-f]{64}$'
	assert_line --index 4 --regexp '^Deleted: [0-9a-f]{64}$'
	assert_equal "${#lines[@]}" 5
	run -0 pea_cmd images -q
	assert_output ""
	run -0 pea_cmd pod ps -q
	assert_output ""
}

@test "image trust set|show: policy.json's default and registries, as podman writes and shows them" {
	pol="$TEST_DIR/policy.json"
	run -125 "$PEA" image trust set --policypath="$pol" --type=bogus default
	assert_output "Error: invalid choice: bogus (choose from 'accept', 'reject', 'signedBy', 'sigstoreSigned')"
	run -125 "$PEA" image trust set --policypath="$pol" default
	assert_output "Error: at least one public key must be defined for type 'signedBy'"
	run -125 "$PEA" image trust set --policypath="$pol" --type=accept
	assert_output "Error: accepts 1 arg(s), received 0"
	run -125 "$PEA" image trust set --policypath="$pol" -f "$TEST_DIR/nokey" quay.io
	assert_output --partial "public key '$TEST_DIR/nokey'"
	run -125 "$PEA" image trust show --policypath="$pol"
	assert_output --partial "$pol"
	[[ ! -e "$pol" ]]
	run -0 "$PEA" image trust set --policypath="$pol" --type=accept default
	run -0 "$PEA" image trust show --policypath="$pol"
	assert_line --index 0 --regexp '^TRANSPORT +NAME +TYPE +ID +STORE$'
	assert_line --index 1 --regexp '^all +default +accept'
	run -0 "$PEA" image trust set --policypath="$pol" --type=reject default
	run -0 "$PEA" image trust set --policypath="$pol" --type=reject quay.io/b
	run -0 "$PEA" image trust set --policypath="$pol" --type=accept docker.io
	echo key >"$TEST_DIR/k.gpg"
	run -0 "$PEA" image trust set --policypath="$pol" --type=signedBy -f "$TEST_DIR/k.gpg" quay.io
	run -0 "$PEA" image trust show -n --policypath="$pol"
	assert_line --index 0 --regexp '^all +default +reject'
	assert_line --index 1 --regexp '^repository +docker.io +accept'
	assert_line --index 2 --regexp '^repository +quay.io +signed'
	assert_line --index 3 --regexp '^repository +quay.io/b +reject'
	run -0 jq -c . "$pol"
	assert_output '{"default":[{"type":"reject"}],"transports":{"docker":{"quay.io/b":[{"type":"reject"}],"docker.io":[{"type":"insecureAcceptAnything"}],"quay.io":[{"type":"signedBy","keyType":"GPGKeys","keyPath":"'"$TEST_DIR"'/k.gpg"}]}}}'
	run -0 "$PEA" image trust show --policypath="$pol" --json
	assert_equal "$(jq -r '.[] | .repo_name + "=" + .type' <<<"$output" | paste -sd,)" \
		"default=reject,docker.io=accept,quay.io=signed,quay.io/b=reject"
	run -0 "$PEA" image trust show --policypath="$pol" --raw
	assert_output "$(cat "$pol")"
	# a policy that is no JSON is named, and set leaves it as it was
	echo '{bad' >"$pol"
	run -125 "$PEA" image trust show --policypath="$pol"
	assert_output --partial "could not show trust policies: could not read trust policies: could not parse trust policies from $pol"
	run -125 "$PEA" image trust set --policypath="$pol" --type=accept default
	assert_output --partial "could not read trust policies"
	assert_equal "$(cat "$pol")" '{bad'
}

@test "container runlabel: the label's command expanded, printed with --display, run without" {
	fe_load_busybox
	mkdir -p "$TEST_DIR/ctx"
	cat >"$TEST_DIR/ctx/Containerfile" <<'CF'
FROM busybox
LABEL  INSTALL  /usr/bin/podman  run  --rm  \${OPT1}  -e NAME=\${NAME} -e IMAGE=\${IMAGE} -e CONFDIR=/etc/\${NAME} \${IMAGE} \${OPT2} /bin/install.sh \${OPT3}
LABEL RUN docker run --rm \${IMAGE} echo ran here
LABEL EMPTY ""
CF
	run -0 pea_cmd build -q -t runlabel_image "$TEST_DIR/ctx"
	store="--root $FE_ROOT --runroot $FE_RUNROOT"
	run -0 pea_cmd container runlabel --opt1=o1 --opt2=o2 --opt3=o3 --name test1 --display install runlabel_image
	assert_output "command: $PEA $store run --rm o1 -e NAME=test1 -e IMAGE=localhost/runlabel_image:latest -e CONFDIR=/etc/test1 localhost/runlabel_image:latest o2 /bin/install.sh o3"
	run -0 pea_cmd container runlabel --opt3=o3 --display install runlabel_image
	assert_output "command: $PEA $store run --rm -e NAME=runlabel_image -e IMAGE=localhost/runlabel_image:latest -e CONFDIR=/etc/runlabel_image localhost/runlabel_image:latest /bin/install.sh o3"
	# without --display it runs (docker too is this pea), extra arguments appended
	run -0 pea_cmd container runlabel run runlabel_image
	assert_output "command: $PEA $store run --rm localhost/runlabel_image:latest echo ran here
ran here"
	run -0 pea_cmd container runlabel -q run runlabel_image again
	assert_output "ran here again"
	run -125 pea_cmd container runlabel --display nope runlabel_image
	assert_output "Error: cannot find the value of label: nope in image: runlabel_image"
	run -125 pea_cmd container runlabel --display empty runlabel_image
	assert_output "Error: cannot find the value of label: empty in image: runlabel_image"
	run -125 pea_cmd container runlabel run
	assert_output "Error: requires at least 2 arg(s), only received 1"
	run -125 pea_cmd container runlabel run nosuchimage
	assert_output --partial "nosuchimage: image not known"
	run -0 pea_cmd ps -aq
	assert_output ""
}
