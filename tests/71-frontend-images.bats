#!/usr/bin/env bats
# pea history, save, import, push, login/logout, image search --list-tags: images to archives
# and registries (search itself: 71-frontend-search)
# (Debian's docker-registry on 127.0.0.1: a plain one and one with htpasswd).
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-frontend
load helpers-image

setup_file() {
	ensure_fixtures
	# pea and pea-image use podman's auth file: this file's own, never the host's
	export REGISTRY_AUTH_FILE="$BATS_FILE_TMPDIR/auth.json"
	registry_start
	img_registry_start basic auth
	fe_server_start
}

teardown_file() {
	fe_server_stop
	img_registry_stop basic
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
	# the gpg-agent that key generation and signing start
	if [[ -d "$TEST_DIR/gnupg" ]]; then
		GNUPGHOME="$TEST_DIR/gnupg" timeout -k 5 20 gpgconf --kill all || true
	fi
	fe_teardown
}

@test "history: table, quiet, json, template; a committed layer on top" {
	run -0 pea_cmd history busybox
	assert_line --index 0 --regexp '^ID +CREATED +CREATED BY +SIZE +COMMENT$'
	assert_line --index 1 --regexp '^[0-9a-f]{12} +[0-9]+ years ago +pea tests/helpers/image.bash: busybox-static +2\.14 MB'
	run -0 pea_cmd run --name c busybox sh -c 'echo x >/x'
	run -0 pea_cmd commit -m "added x" c withx
	id="$output"
	run -0 pea_cmd history -q withx
	assert_equal "${lines[0]}" "${id:0:12}"
	assert_equal "${lines[1]}" "<missing>"
	run -0 pea_cmd history --no-trunc --format '{{.ID}}|{{.CreatedBy}}|{{.Comment}}' withx
	assert_line --index 0 "$id|pea commit|added x"
	assert_line --index 1 "<missing>|pea tests/helpers/image.bash: busybox-static|"
	run -0 pea_cmd history --format json withx
	assert_equal "$(jq -r '.[0].id' <<<"$output")" "$id"
	assert_equal "$(jq -r '.[1].size' <<<"$output")" 2140160
	run -0 pea_cmd history -H=false withx
	assert_line --index 2 --regexp ' 2140160 '
	run -125 pea_cmd history nosuch
	assert_output --partial 'nosuch: image not known'
	run -125 pea_cmd history
	assert_output --partial 'accepts 1 arg(s), received 0'
}

@test "save to docker-archive and oci-archive, load them back" {
	run -0 pea_cmd save -o "$TEST_DIR/d.tar" busybox
	run -0 tar -xOf "$TEST_DIR/d.tar" manifest.json
	assert_equal "$(jq -r '.[0].RepoTags[0]' <<<"$output")" localhost/busybox:latest
	run -0 pea_cmd save --format oci-archive -o "$TEST_DIR/o.tar" busybox
	run -0 tar -xOf "$TEST_DIR/o.tar" index.json
	assert_equal "$(jq -r '.manifests[0].annotations["org.opencontainers.image.ref.name"]' <<<"$output")" \
		localhost/busybox:latest
	run -0 pea_cmd save --format oci-dir -o "$TEST_DIR/odir" busybox
	[[ -f "$TEST_DIR/odir/index.json" ]]
	"$PEA" "${FE_ARGS[@]}" save busybox >"$TEST_DIR/stdout.tar"
	cmp <(tar -tf "$TEST_DIR/d.tar" | sort) <(tar -tf "$TEST_DIR/stdout.tar" | sort)
	run -0 pea_cmd rmi busybox
	run -0 pea_cmd load -i "$TEST_DIR/o.tar"
	run -0 pea_cmd run --rm busybox echo back
	assert_output back
	run -125 pea_cmd save --format tarball -o "$TEST_DIR/x" busybox
	assert_output --partial 'unknown format option "tarball"'
	run -125 pea_cmd save -o "$TEST_DIR/x" nosuch
	assert_output --partial 'nosuch: image not known'
	run -125 pea_cmd save --format oci-dir busybox
	assert_output --partial 'needs -o, --output'
	run -125 pea_cmd save
	assert_output --partial 'need at least 1 argument'
}

@test "import: export | import - makes a one-layer image; bad inputs" {
	run -0 pea_cmd run --name c busybox sh -c 'echo from-export >/marker'
	run -0 pea_cmd export -o "$TEST_DIR/root.tar" c
	run -0 pea_cmd import -c 'CMD ["cat","/marker"]' -m "from a tar" "$TEST_DIR/root.tar" imported:1
	assert_output --regexp '^[0-9a-f]{64}$'
	run -0 pea_cmd run --rm imported:1
	assert_output from-export
	run -0 pea_cmd history --format '{{.CreatedBy}} {{.Comment}}' imported:1
	assert_output "pea import from a tar"
	"$PEA" "${FE_ARGS[@]}" import - piped <"$TEST_DIR/root.tar"
	run -0 pea_cmd run --rm piped cat /marker
	assert_output from-export
	run -0 pea_cmd image inspect piped
	assert_equal "$(jq '.[0].RootFS.Layers | length' <<<"$output")" 1
	echo garbage >"$TEST_DIR/garbage"
	run -0 "$PEA_STORAGE" --root "$FE_ROOT/storage" --runroot "$FE_RUNROOT/storage" layer ls
	layers="$(jq '.result | length' <<<"$output")"
	run -125 pea_cmd import "$TEST_DIR/garbage" bad
	assert_output --partial "importing '$TEST_DIR/garbage'"
	run -125 pea_cmd import /nosuch/file bad
	assert_output --partial "open '/nosuch/file'"
	run -125 pea_cmd import https://example.invalid/x.tar bad
	assert_output --partial "Error: downloading 'https://example.invalid/x.tar': "
	run -125 pea_cmd import -c 'BOGUS x' "$TEST_DIR/root.tar" bad
	assert_output --partial 'invalid change "BOGUS x"'
	run -0 "$PEA_STORAGE" --root "$FE_ROOT/storage" --runroot "$FE_RUNROOT/storage" layer ls
	assert_equal "$(jq '.result | length' <<<"$output")" "$layers"
	run -0 pea_cmd images --format '{{.Repository}}'
	refute_line localhost/bad
}

@test "push to a registry and pull it back; push a committed image" {
	run -0 pea_cmd push -q --tls-verify=false busybox "$REGISTRY_ADDR/fc/busybox:1"
	run -0 curl -s "http://$REGISTRY_ADDR/v2/fc/busybox/tags/list"
	assert_equal "$(jq -r '.tags[0]' <<<"$output")" 1
	run -0 pea_cmd run --name c busybox sh -c 'echo pushed >/p'
	run -0 pea_cmd commit c "$REGISTRY_ADDR/fc/committed:2"
	# a name with a registry needs no destination
	run -0 pea_cmd push -q --tls-verify=false "$REGISTRY_ADDR/fc/committed:2"
	run -0 pea_cmd rm -f c
	run -0 pea_cmd rmi "$REGISTRY_ADDR/fc/committed:2"
	run -0 pea_cmd pull -q --tls-verify=false "$REGISTRY_ADDR/fc/committed:2"
	run -0 pea_cmd run --rm "$REGISTRY_ADDR/fc/committed:2" cat /p
	assert_output pushed
	# and to a local transport
	run -0 pea_cmd push -q busybox "oci:$TEST_DIR/layout:v1"
	[[ -f "$TEST_DIR/layout/index.json" ]]
	run -125 pea_cmd push busybox
	assert_output --partial "has no registry in its name"
	run -125 pea_cmd push -q --tls-verify=false nosuch "$REGISTRY_ADDR/fc/x:1"
	assert_output --partial 'nosuch: image not known'
	run -125 pea_cmd push --format zip busybox "$REGISTRY_ADDR/fc/x:1"
	assert_output --partial 'unknown format "zip"'
}

@test "login stores credentials in the auth file that push and pull use; logout removes them" {
	B="$IMG_BASIC_ADDR"
	run -125 pea_cmd push -q --tls-verify=false busybox "$B/fc/busybox:1"
	# podman's words (150-login)
	assert_output --partial ": unauthorized: authentication required"
	run -125 pea_cmd login --tls-verify=false -u pea -p wrong "$B"
	assert_output "Error: logging into \"$B\": invalid username/password"
	[[ ! -e "$REGISTRY_AUTH_FILE" ]] || ! jq -e --arg k "$B" '.auths[$k]' "$REGISTRY_AUTH_FILE" >/dev/null
	run -0 pea_cmd login --tls-verify=false -u pea -p secret "$B"
	assert_output "Login Succeeded!"
	assert_equal "$(stat -c %a "$REGISTRY_AUTH_FILE")" 600
	run -0 pea_cmd login --get-login "$B"
	assert_output pea
	run -0 pea_cmd push -q --tls-verify=false busybox "$B/fc/busybox:1"
	run -0 pea_cmd pull -q --tls-verify=false "$B/fc/busybox:1"
	# --password-stdin, and a URL as podman accepts it
	run -0 pea_cmd logout "$B"
	assert_output "Removed login credentials for $B"
	echo secret | "$PEA" "${FE_ARGS[@]}" login --tls-verify=false -u pea --password-stdin "http://$B/v2/"
	run -0 pea_cmd login --get-login "$B"
	assert_output pea
	run -0 pea_cmd logout --all
	run -125 pea_cmd logout "$B"
	assert_output --partial "not logged into"
	run -125 pea_cmd pull -q --tls-verify=false "$B/fc/busybox:1"
	assert_output --partial "authentication required"
	# podman's pull --creds and --authfile (150-login)
	run -0 pea_cmd rmi "$B/fc/busybox:1"
	run -0 pea_cmd pull -q --tls-verify=false --creds pea:secret "$B/fc/busybox:1"
	run -0 pea_cmd rmi "$B/fc/busybox:1"
	printf '{"auths":{"%s":{"auth":"%s"}}}' "$B" "$(printf 'pea:secret' | base64)" >"$TEST_DIR/a.json"
	run -0 pea_cmd pull -q --tls-verify=false --authfile "$TEST_DIR/a.json" "$B/fc/busybox:1"
	run -125 pea_cmd pull -q --tls-verify=false --creds pea:wrong "$B/fc/nosuch:1"
	assert_output --partial "unauthorized"
	run -125 pea_cmd pull --creds :secret "$B/fc/busybox:1"
	assert_output "Error: --creds ':secret': USER[:PASS] with a user"
	run -125 pea_cmd login
	assert_output --partial 'accepts 1 arg(s), received 0'
	run -125 pea_cmd login --tls-verify=maybe "$B"
	assert_output --partial 'invalid argument "maybe" for "--tls-verify" flag'
}

@test "image exists|history|save|import|push|search|prune: podman's image subcommands" {
	run -0 pea_cmd image exists busybox
	run -1 pea_cmd image exists nosuch
	assert_output ''
	run -125 pea_cmd image exists
	assert_output 'Error: accepts 1 arg(s), received 0'
	run -125 pea_cmd image exists a b
	assert_output 'Error: accepts 1 arg(s), received 2'
	run -0 pea_cmd image history -q busybox
	assert_line --index 0 --regexp '^[0-9a-f]{12}$'
	run -0 pea_cmd image save -o "$TEST_DIR/d.tar" busybox
	run -0 tar -tf "$TEST_DIR/d.tar" manifest.json
	run -0 pea_cmd create --name c busybox true
	run -0 pea_cmd export -o "$TEST_DIR/root.tar" c
	run -0 pea_cmd image import "$TEST_DIR/root.tar" imported:1
	run -0 pea_cmd image exists imported:1
	run -0 pea_cmd image push -q --tls-verify=false busybox "$REGISTRY_ADDR/fc/sub:1"
	run -0 curl -s "http://$REGISTRY_ADDR/v2/fc/sub/tags/list"
	assert_output --partial '"1"'
	run -0 pea_cmd image search --tls-verify=false --list-tags "$REGISTRY_ADDR/fc/sub"
	assert_line --regexp "^$REGISTRY_ADDR/fc/sub +1$"
	# prune: an image without a name and no container goes; named ones stay without -a
	run -0 pea_cmd rm c
	run -0 pea_cmd untag imported:1
	run -0 pea_cmd image prune <<<n
	assert_output --partial 'WARNING! This command removes all dangling images.'
	[[ $(pea_out images -a -q | wc -l) -eq 2 ]]
	run -0 pea_cmd image prune -f
	assert_line --regexp '^[0-9a-f]{64}$'
	[[ $(pea_out images -a -q | wc -l) -eq 1 ]]
	run -0 pea_cmd image prune -a -f
	assert_line --regexp '^[0-9a-f]{64}$'
	run -0 pea_out images -a -q
	assert_output ''
	run -125 pea_cmd image prune extra
	assert_output 'Error: `pea image prune` takes no arguments'
	run -125 pea_cmd image prune --bogus
	assert_output --partial 'unknown flag: --bogus'
	run -125 pea_cmd image nosuch
	assert_line --index 0 'Error: unrecognized command `pea image nosuch`'
}

@test "image sign: a signature of a registry's image in podman's folder layout, gpg-verifiable" {
	require_cmd gpg
	export GNUPGHOME="$TEST_DIR/gnupg"
	mkdir -m 700 "$GNUPGHOME"
	timeout -k 5 60 gpg --batch --passphrase '' --quick-gen-key "Foo <foo@bar.com>" ed25519 sign never 2>/dev/null
	run -0 pea_cmd push -q --tls-verify=false busybox "$REGISTRY_ADDR/libpod/signme:1"
	digest="$(timeout -k 5 60 "$PEA_IMAGE" inspect --tls-verify=false --format '{{.Digest}}' "docker://$REGISTRY_ADDR/libpod/signme:1")"
	sigs="$TEST_DIR/signatures"
	# pea in this shell: its GNUPGHOME is the test's
	run -0 timeout -k 5 60 "$PEA" "${FE_ARGS[@]}" image sign --tls-verify=false --sign-by foo@bar.com \
		--directory "$sigs" "docker://$REGISTRY_ADDR/libpod/signme:1"
	dir="$sigs/libpod/signme@${digest/:/=}"
	[[ -f "$dir/signature-1" ]]
	run -0 timeout -k 5 60 gpg --verify "$dir/signature-1"
	assert_output --regexp 'Good signature from .Foo <foo@bar.com>'
	# a second signature is the next file
	run -0 timeout -k 5 60 "$PEA" "${FE_ARGS[@]}" image sign --tls-verify=false --sign-by foo@bar.com \
		-d "$sigs" "docker://$REGISTRY_ADDR/libpod/signme:1"
	[[ -f "$dir/signature-2" ]]
	# bad input: nothing written
	run -125 timeout -k 5 60 "$PEA" "${FE_ARGS[@]}" image sign -d "$sigs" "docker://$REGISTRY_ADDR/libpod/signme:1"
	assert_output "Error: please provide an identity"
	run -125 timeout -k 5 60 "$PEA" "${FE_ARGS[@]}" image sign --sign-by foo@bar.com -d "$sigs" busybox
	assert_output --partial "only docker:// images can be signed"
	run -125 timeout -k 5 60 "$PEA" "${FE_ARGS[@]}" image sign --tls-verify=false --sign-by nobody@nowhere \
		-d "$sigs" "docker://$REGISTRY_ADDR/libpod/signme:1"
	assert_output --partial "nobody@nowhere"
	run -125 timeout -k 5 60 "$PEA" "${FE_ARGS[@]}" image sign --tls-verify=false --sign-by foo@bar.com \
		-d "$sigs" "docker://$REGISTRY_ADDR/libpod/nothere:1"
	assert_output --partial "docker://$REGISTRY_ADDR/libpod/nothere:1"
	[[ ! -e "$dir/signature-3" && ! -e "$sigs/libpod/nothere" ]]
	[[ -z "$(ls -A "${TMPDIR:-/var/tmp}" | grep '^pea-sign-' || true)" ]]
}
