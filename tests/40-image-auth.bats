#!/usr/bin/env bats
# pea-image and registries that want credentials (htpasswd Basic, a Bearer token
# server) or TLS (a self-signed certificate): login, logout, auth.json, certs.d.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-image

setup_file() {
	ensure_fixtures
	img_registry_start basic auth
	img_registry_start tls tls
	registry_start
	img_token_start tok "$REGISTRY_ADDR"
}

teardown_file() {
	img_token_stop tok
	registry_stop
	img_registry_stop tls
	img_registry_stop basic
}

setup() {
	require_cmd "$PEA_IMAGE"
	I=("$PEA_IMAGE" --insecure-policy)
	export REGISTRY_AUTH_FILE="$TEST_DIR/auth.json"
	B="$IMG_BASIC_ADDR"
}

@test "Basic auth: refused without credentials, login writes auth.json 0600, logout removes it" {
	run -1 "${I[@]}" copy -q --dest-tls-verify=false "oci:$BUSYBOX_OCI" "docker://$B/p/busybox:1"
	assert_output --partial "authentication required"
	assert_equal "${#lines[@]}" 1
	run -1 "${I[@]}" login --tls-verify=false -u pea -p wrong "$B"
	assert_output "pea-image: logging into \"$B\": invalid username/password"
	[ ! -e "$REGISTRY_AUTH_FILE" ]
	run -0 "${I[@]}" login --tls-verify=false -u pea -p secret "$B"
	assert_output "Login Succeeded!"
	assert_equal "$(stat -c %a "$REGISTRY_AUTH_FILE")" 600
	assert_equal "$(jq -r --arg k "$B" '.auths[$k].auth' "$REGISTRY_AUTH_FILE" | base64 -d)" pea:secret
	run -0 "${I[@]}" login --get-login "$B"
	assert_output pea
	run -0 "${I[@]}" copy -q --dest-tls-verify=false "oci:$BUSYBOX_OCI" "docker://$B/p/busybox:1"
	run -0 skopeo inspect --tls-verify=false "docker://$B/p/busybox:1"
	assert_equal "$(jq -r .Digest <<<"$output")" "$BUSYBOX_MANIFEST_DIGEST"
	run -0 "${I[@]}" copy -q --src-tls-verify=false "docker://$B/p/busybox:1" "oci:$TEST_DIR/o"
	run -0 "${I[@]}" logout "$B"
	assert_output "Removed login credentials for $B"
	run -1 "${I[@]}" logout "$B"
	assert_output "pea-image: not logged into '$B'"
	run -1 "${I[@]}" inspect --tls-verify=false "docker://$B/p/busybox:1"
	assert_output --partial "authentication required"
}

@test "credentials from --creds, --authfile, ~/.docker/config.json; skopeo's auth file works" {
	run -0 "${I[@]}" copy -q --dest-tls-verify=false --dest-creds pea:secret "oci:$BUSYBOX_OCI" "docker://$B/p/busybox:1"
	run -0 "${I[@]}" inspect --tls-verify=false --creds pea:secret "docker://$B/p/busybox:1"
	run -1 "${I[@]}" inspect --tls-verify=false --creds pea:nope "docker://$B/p/busybox:1"
	# skopeo's older names of --src-creds and --dest-creds
	run -0 "${I[@]}" copy -q --src-tls-verify=false --dest-tls-verify=false --screds pea:secret \
		--dcreds pea:secret "docker://$B/p/busybox:1" "docker://$B/p/busybox:2"
	run -0 skopeo login --authfile "$TEST_DIR/skopeo.json" --tls-verify=false -u pea -p secret "$B"
	run -0 "${I[@]}" inspect --tls-verify=false --authfile "$TEST_DIR/skopeo.json" "docker://$B/p/busybox:1"
	mkdir -p "$TEST_DIR/home/.docker"
	printf '{"auths":{"https://%s/v1/":{"auth":"%s"}}}' "$B" "$(printf pea:secret | base64)" >"$TEST_DIR/home/.docker/config.json"
	HOME="$TEST_DIR/home" run -0 "${I[@]}" inspect --tls-verify=false "docker://$B/p/busybox:1"
	run -1 "${I[@]}" inspect --tls-verify=false --no-creds --authfile "$TEST_DIR/skopeo.json" "docker://$B/p/busybox:1"
	# what pea-image login writes, skopeo reads
	run -0 "${I[@]}" login --authfile "$TEST_DIR/mine.json" --tls-verify=false -u pea --password-stdin "$B" <<<"secret"
	run -0 skopeo inspect --authfile "$TEST_DIR/mine.json" --tls-verify=false "docker://$B/p/busybox:1"
	run -0 "${I[@]}" logout --authfile "$TEST_DIR/mine.json" --all
	assert_equal "$(jq -c .auths "$TEST_DIR/mine.json")" "{}"
	# a namespace key is more specific than the host
	printf '{"auths":{"%s":{"auth":"%s"},"%s/p":{"auth":"%s"}}}' "$B" "$(printf pea:bad | base64)" \
		"$B" "$(printf pea:secret | base64)" >"$TEST_DIR/ns.json"
	run -0 "${I[@]}" inspect --tls-verify=false --authfile "$TEST_DIR/ns.json" "docker://$B/p/busybox:1"
	echo '{"auths": {' >"$TEST_DIR/broken.json"
	run -1 "${I[@]}" inspect --tls-verify=false --authfile "$TEST_DIR/broken.json" "docker://$B/p/busybox:1"
	assert_output --partial "unexpected end of input"
}

@test "credential helpers (credHelpers, credsStore) give the credentials" {
	run -0 "${I[@]}" copy -q --dest-tls-verify=false --dest-creds pea:secret "oci:$BUSYBOX_OCI" "docker://$B/p/busybox:1"
	mkdir -p "$TEST_DIR/bin"
	cat >"$TEST_DIR/bin/docker-credential-peatest" <<-'EOF'
		#!/bin/sh
		read -r host
		echo "$host" >>"$HELPER_LOG"
		case "$host" in
		*:*) printf '{"ServerURL":"%s","Username":"pea","Secret":"secret"}\n' "$host" ;;
		*) echo "credentials not found in native keychain"; exit 1 ;;
		esac
	EOF
	printf '#!/bin/sh\necho "the keyring is locked" >&2\nexit 3\n' >"$TEST_DIR/bin/docker-credential-broken"
	chmod +x "$TEST_DIR/bin"/docker-credential-*
	export HELPER_LOG="$TEST_DIR/helper.log"
	printf '{"auths":{},"credHelpers":{"%s":"peatest"}}' "$B" >"$TEST_DIR/helpers.json"
	PATH="$TEST_DIR/bin:$PATH" run -0 "${I[@]}" inspect --tls-verify=false --authfile "$TEST_DIR/helpers.json" "docker://$B/p/busybox:1"
	assert_equal "$(cat "$HELPER_LOG")" "$B"
	printf '{"credsStore":"peatest"}' >"$TEST_DIR/store.json"
	PATH="$TEST_DIR/bin:$PATH" run -0 "${I[@]}" inspect --tls-verify=false --authfile "$TEST_DIR/store.json" "docker://$B/p/busybox:1"
	printf '{"credsStore":"broken"}' >"$TEST_DIR/broken.json"
	PATH="$TEST_DIR/bin:$PATH" run -1 "${I[@]}" inspect --tls-verify=false --authfile "$TEST_DIR/broken.json" "docker://$B/p/busybox:1"
	assert_output --partial "the keyring is locked"
	assert_equal "${#lines[@]}" 1
	# registries.conf's credential-helpers, in order
	: >"$HELPER_LOG"
	printf 'credential-helpers = ["containers-auth.json", "peatest"]\n' >"$TEST_DIR/reg.conf"
	PATH="$TEST_DIR/bin:$PATH" run -0 "${I[@]}" --registries-conf "$TEST_DIR/reg.conf" inspect --tls-verify=false "docker://$B/p/busybox:1"
	assert_equal "$(cat "$HELPER_LOG")" "$B"
	printf 'credential-helpers = ["containers-auth.json"]\n' >"$TEST_DIR/reg.conf"
	PATH="$TEST_DIR/bin:$PATH" run -1 "${I[@]}" --registries-conf "$TEST_DIR/reg.conf" inspect --tls-verify=false "docker://$B/p/busybox:1"
	assert_output --partial "authentication required"
	printf '{"credsStore":"missing"}' >"$TEST_DIR/missing.json"
	run -1 "${I[@]}" inspect --tls-verify=false --authfile "$TEST_DIR/missing.json" "docker://$B/p/busybox:1"
	assert_output --partial "docker-credential-missing"
}

@test "Bearer tokens: the challenge's realm gives a token for the credentials" {
	T="$IMG_TOK_ADDR"
	run -1 "${I[@]}" copy -q --dest-tls-verify=false "oci:$BUSYBOX_OCI" "docker://$T/tok/busybox:1"
	assert_output --partial "authentication required"
	assert_equal "${#lines[@]}" 1
	run -0 "${I[@]}" login --tls-verify=false -u pea -p secret "$T"
	run -0 "${I[@]}" copy -q --dest-tls-verify=false "oci:$BUSYBOX_OCI" "docker://$T/tok/busybox:1"
	run -0 "${I[@]}" copy -q --src-tls-verify=false "docker://$T/tok/busybox:1" "oci:$TEST_DIR/o"
	assert_equal "$(jq -r '.manifests[0].digest' "$TEST_DIR/o/index.json")" "$BUSYBOX_MANIFEST_DIGEST"
	run -0 skopeo inspect --tls-verify=false "docker://$T/tok/busybox:1"
	grep -q '^GET /token' "$IMG_TOK_LOG"
	run -0 "${I[@]}" inspect --tls-verify=false --registry-token pea-token-42 --no-creds "docker://$T/tok/busybox:1"
	run -1 "${I[@]}" login --tls-verify=false -u pea -p wrong "$T"
	assert_output "pea-image: logging into \"$T\": invalid username/password"
	# an identity token (OAuth2 refresh token) in the auth file
	printf '{"auths":{"%s":{"auth":"%s","identitytoken":"pea-refresh"}}}' "$T" "$(printf 'pea:' | base64)" >"$TEST_DIR/id.json"
	run -0 "${I[@]}" inspect --tls-verify=false --authfile "$TEST_DIR/id.json" "docker://$T/tok/busybox:1"
	grep -q '^POST /token' "$IMG_TOK_LOG"
	printf '{"auths":{"%s":{"auth":"%s","identitytoken":"stale"}}}' "$T" "$(printf 'pea:' | base64)" >"$TEST_DIR/id.json"
	run -1 "${I[@]}" inspect --tls-verify=false --authfile "$TEST_DIR/id.json" "docker://$T/tok/busybox:1"
	assert_output --partial "the identity token was refused"
}

@test "TLS: a self-signed registry is refused, trusted with --cert-dir or certs.d, or not verified" {
	S="$IMG_TLS_ADDR"
	run -1 "${I[@]}" copy -q "oci:$BUSYBOX_OCI" "docker://$S/t/busybox:1"
	assert_output --partial "certificate"
	assert_output --partial "--cert-dir"
	assert_equal "${#lines[@]}" 1
	run -0 "${I[@]}" copy -q --dest-cert-dir "$IMG_TLS_CERTS" "oci:$BUSYBOX_OCI" "docker://$S/t/busybox:1"
	PEA_IMAGE_CURL_VERBOSE=1 run -0 "${I[@]}" inspect --cert-dir "$IMG_TLS_CERTS" "docker://$S/t/busybox:1"
	assert_output --partial "using HTTP/2"
	assert_equal "$(grep -c 'ALPN: server accepted h2' <<<"$output")" 1
	run -0 "${I[@]}" inspect --tls-verify=false "docker://$S/t/busybox:1"
	mkdir -p "$TEST_DIR/home/.config/containers/certs.d/$S"
	cp "$IMG_TLS_CERTS/ca.crt" "$TEST_DIR/home/.config/containers/certs.d/$S/"
	HOME="$TEST_DIR/home" run -0 "${I[@]}" copy -q "docker://$S/t/busybox:1" "oci:$TEST_DIR/o"
	run -0 skopeo inspect --cert-dir "$IMG_TLS_CERTS" "docker://$S/t/busybox:1"
}

@test "as an unprivileged user: login writes \$XDG_RUNTIME_DIR/containers/auth.json, copies work" {
	require_root
	rootless_user_setup
	d="$(rootless_tmpdir img)"
	chmod o+rx "$PEA_BUILD" "$PEA_BUILD/bin" 2>/dev/null || true
	run -0 "${I[@]}" copy -q --dest-tls-verify=false --dest-creds pea:secret "oci:$BUSYBOX_OCI" "docker://$B/p/busybox:1"
	unset REGISTRY_AUTH_FILE
	run -0 run_as_user env -u REGISTRY_AUTH_FILE "$PEA_IMAGE" login --tls-verify=false -u pea -p secret "$B"
	f="$ROOTLESS_RUNTIME_DIR/containers/auth.json"
	[ -f "$f" ]
	assert_equal "$(stat -c '%a %U' "$f")" "600 $ROOTLESS_USER"
	run -0 run_as_user env -u REGISTRY_AUTH_FILE TMPDIR="$d" "$PEA_IMAGE" --insecure-policy copy -q --src-tls-verify=false \
		"docker://$B/p/busybox:1" "oci:$d/o"
	run -0 run_as_user env -u REGISTRY_AUTH_FILE TMPDIR="$d" "$PEA_IMAGE" --insecure-policy copy -q \
		"oci:$d/o" "dir:$d/d"
	assert_equal "$(jq -r '.manifests[0].digest' "$d/o/index.json")" "$BUSYBOX_MANIFEST_DIGEST"
	assert_equal "$(stat -c %U "$d/o/index.json")" "$ROOTLESS_USER"
	run -0 run_as_user env -u REGISTRY_AUTH_FILE "$PEA_IMAGE" logout "$B"
	run -0 jq --arg k "$B" '.auths | has($k)' "$f"
	assert_output false
}
