#!/usr/bin/env bats
# pea-image and registries.conf (containers-registries.conf(5)): insecure, blocked,
# location rewrites, mirrors, unqualified-search registries, aliases, errors.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-image

setup_file() {
	ensure_fixtures
	registry_start
	"$PEA_IMAGE" --insecure-policy copy -q --dest-tls-verify=false "oci:$BUSYBOX_OCI" \
		"docker://$REGISTRY_ADDR/t/busybox:v1"
}

teardown_file() {
	registry_stop
}

setup() {
	require_cmd "$PEA_IMAGE"
	R="$REGISTRY_ADDR"
	CONF="$TEST_DIR/registries.conf"
	I=("$PEA_IMAGE" --insecure-policy --registries-conf "$CONF")
	CLOSED="127.0.0.1:$(pea_free_port)"
}

@test "insecure = true: plain http without --tls-verify=false" {
	printf '[[registry]]\nlocation = "%s"\ninsecure = true\n' "$R" >"$CONF"
	run -0 "${I[@]}" inspect "docker://$R/t/busybox:v1"
	assert_equal "$(jq -r .Digest <<<"$output")" "$BUSYBOX_MANIFEST_DIGEST"
	run -0 "${I[@]}" copy -q "docker://$R/t/busybox:v1" "docker://$R/t/other:v1"
}

@test "blocked = true: refused with one clear line" {
	printf '[[registry]]\nlocation = "%s"\nblocked = true\n' "$R" >"$CONF"
	run -1 "${I[@]}" copy -q --src-tls-verify=false "docker://$R/t/busybox:v1" "oci:$TEST_DIR/o"
	assert_output "pea-image: registry '$R/t/busybox' is blocked in registries.conf"
	[ ! -e "$TEST_DIR/o" ]
	run -1 "${I[@]}" copy -q --dest-tls-verify=false "oci:$BUSYBOX_OCI" "docker://$R/t/x:1"
	assert_output --partial "blocked"
	# a more specific prefix wins over the blocked host
	printf '[[registry]]\nlocation = "%s"\nblocked = true\n[[registry]]\nprefix = "%s/t/busybox"\nlocation = "%s/t/busybox"\ninsecure = true\n' "$R" "$R" "$R" >"$CONF"
	run -0 "${I[@]}" inspect "docker://$R/t/busybox:v1"
}

@test "prefix and location: a name is rewritten to another registry" {
	printf '[[registry]]\nprefix = "example.test/team"\nlocation = "%s/t"\ninsecure = true\n' "$R" >"$CONF"
	run -0 "${I[@]}" inspect "docker://example.test/team/busybox:v1"
	assert_equal "$(jq -r .Name <<<"$output")" example.test/team/busybox
	assert_equal "$(jq -r .Digest <<<"$output")" "$BUSYBOX_MANIFEST_DIGEST"
	printf 'unqualified-search-registries = ["a.io"]\n[[registry]]\nprefix = "*.wild.test"\ninsecure = true\n' >"$CONF"
	run -0 "${I[@]}" resolve x/y
	printf '[[registry]]\nprefix = "a*.wild.test"\n' >"$CONF"
	run -1 "${I[@]}" resolve x/y
	assert_output --partial "a wildcard must be a leading '*.' on a host"
}

@test "mirrors: tried first, the primary location when they fail; digest-only mirrors" {
	printf '[[registry]]\nprefix = "mirrored.test"\nlocation = "%s"\ninsecure = true\n[[registry.mirror]]\nlocation = "%s"\ninsecure = true\n' "$CLOSED" "$R" >"$CONF"
	run -0 "${I[@]}" copy -q "docker://mirrored.test/t/busybox:v1" "oci:$TEST_DIR/o"
	assert_equal "$(jq -r '.manifests[0].digest' "$TEST_DIR/o/index.json")" "$BUSYBOX_MANIFEST_DIGEST"
	printf '[[registry]]\nprefix = "mirrored.test"\nlocation = "%s"\ninsecure = true\n[[registry.mirror]]\nlocation = "%s"\ninsecure = true\n' "$R" "$CLOSED" >"$CONF"
	run -0 "${I[@]}" --debug copy -q "docker://mirrored.test/t/busybox:v1" "oci:$TEST_DIR/o2"
	assert_output --partial "$CLOSED"
	assert_output --partial "trying the next location"
	printf '[[registry]]\nprefix = "mirrored.test"\nlocation = "%s"\ninsecure = true\n[[registry.mirror]]\nlocation = "%s"\ninsecure = true\npull-from-mirror = "digest-only"\n' "$CLOSED" "$R" >"$CONF"
	run -1 "${I[@]}" inspect "docker://mirrored.test/t/busybox:v1"
	assert_output --partial "$CLOSED"
	run -0 "${I[@]}" inspect "docker://mirrored.test/t/busybox@$BUSYBOX_MANIFEST_DIGEST"
}

@test "short names: aliases, then unqualified-search registries in order" {
	cat >"$CONF" <<-EOF
		unqualified-search-registries = ["$CLOSED", "$R"]
		short-name-mode = "permissive"
		[[registry]]
		location = "$R"
		insecure = true
		[[registry]]
		location = "$CLOSED"
		insecure = true
		[aliases]
		"peabox" = "$R/t/busybox"
	EOF
	run -0 "${I[@]}" resolve t/busybox:v1
	assert_equal "$(jq -c .candidates <<<"$output")" "[\"$CLOSED/t/busybox:v1\",\"$R/t/busybox:v1\"]"
	assert_equal "$(jq -r .alias <<<"$output")" false
	run -0 "${I[@]}" resolve peabox:v1
	assert_equal "$(jq -c '[.alias, .candidates]' <<<"$output")" "[true,[\"$R/t/busybox:v1\"]]"
	run -0 "${I[@]}" --resolve-short-names copy -q docker://t/busybox:v1 "oci:$TEST_DIR/o"
	run -0 "${I[@]}" --resolve-short-names inspect docker://peabox:v1
	assert_equal "$(jq -r .Digest <<<"$output")" "$BUSYBOX_MANIFEST_DIGEST"
	sed -i 's/short-name-mode = "permissive"/short-name-mode = "enforcing"/' "$CONF"
	run -1 "${I[@]}" --resolve-short-names inspect docker://t/busybox:v1
	assert_output --partial "short-name-mode is enforcing"
	run -0 "${I[@]}" --resolve-short-names inspect docker://peabox:v1
	run -1 "${I[@]}" resolve "$R/t/busybox"
	assert_output --partial "not a short name"
	printf 'unqualified-search-registries = []\n' >"$CONF"
	run -1 "${I[@]}" resolve unknownthing
	assert_output --partial "no unqualified-search registries"
}

@test "version 1 tables are read" {
	printf '[registries.search]\nregistries = ["%s"]\n[registries.insecure]\nregistries = ["%s"]\n' "$R" "$R" >"$CONF"
	run -0 "${I[@]}" --resolve-short-names inspect docker://t/busybox:v1
	printf '[registries.block]\nregistries = ["%s"]\n' "$R" >"$CONF"
	run -1 "${I[@]}" inspect --tls-verify=false "docker://$R/t/busybox:v1"
	assert_output --partial "blocked"
}

@test "a malformed registries.conf: one line naming the file and line" {
	printf 'unqualified-search-registries = ["a.io"]\n[[registry]]\nlocation = "x.io"\ninsecure = maybe\n' >"$CONF"
	run -1 "${I[@]}" inspect "docker://x.io/a/b"
	assert_output "pea-image: $CONF:4: invalid value 'maybe'"
	printf '[[registry]]\nlocation = "https://x.io"\n' >"$CONF"
	run -1 "${I[@]}" inspect "docker://x.io/a/b"
	assert_output --partial "URI schemes are not supported"
	printf 'short-name-mode = "sometimes"\n' >"$CONF"
	run -1 "${I[@]}" resolve a
	assert_output --partial "short-name-mode 'sometimes'"
	printf 'unqualified-search-registries = ["b.io"]\n[registries.search]\nregistries = ["a.io"]\n' >"$CONF"
	run -1 "${I[@]}" resolve a
	assert_output --partial "mixes the version 1"
	run -1 "${I[@]}" --registries-conf "$TEST_DIR/missing.conf" resolve a
	assert_output --partial "No such file or directory"
}
