#!/usr/bin/env bats
# podman's CLI conventions that its own test/system checks (015-help, 001-basic,
# 300-cli-parsing, 005-info, 010-images, 070-build, 710-kube): the program's name,
# --remote, info's fields, build's errors, manifest lists.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-frontend

setup_file() {
	ensure_fixtures
	fe_server_start
}

teardown_file() {
	fe_server_stop
}

setup() {
	require_root
	require_cmd "$PEA"
	require_cmd tini
	fe_setup
}

teardown() {
	fe_teardown
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
	run -125 timeout -k 5 30 "$p" "${FE_ARGS[@]}" bad
	assert_output $'Error: unrecognized command `podman bad`\nTry \'podman --help\' for more information'
	run -125 timeout -k 5 30 "$p" "${FE_ARGS[@]}" version --remote
	assert_output $'Error: unknown flag: --remote\nSee \'podman version --help\''
	run -0 timeout -k 5 30 "$p" "${FE_ARGS[@]}" kube generate --help
	assert_line --index 0 "Usage: podman kube generate [options] {CONTAINER...|POD...|VOLUME...}"
	run -0 timeout -k 5 30 "$p" "${FE_ARGS[@]}" generate kube --help
	assert_line --index 0 "Usage: podman generate kube [options] {CONTAINER...|POD...|VOLUME...}"
	run -0 timeout -k 5 30 "$p" --help
	assert_line --index 0 "Manage pods, containers and images"
	assert_line "Usage: podman [OPTIONS] COMMAND [ARGS...]"
	run -0 timeout -k 5 30 "$p" --version
	assert_output --regexp '^podman version [0-9]'
	# as pea, pea
	run -125 timeout -k 5 30 "$PEA" "${FE_ARGS[@]}" bad --invalid
	assert_output $'Error: unknown flag: --invalid\nSee \'pea --help\''
	run -125 timeout -k 5 30 "$PEA" "${FE_ARGS[@]}" run -h
	assert_output $'Error: flag needs an argument: \'h\' in -h\nSee \'pea run --help\''
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
	assert_line "Usage: pea [OPTIONS] COMMAND [ARGS...]"
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
