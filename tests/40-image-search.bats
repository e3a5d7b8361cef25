#!/usr/bin/env bats
# pea-image search against Debian's docker-registry on 127.0.0.1, which has no v1 search:
# its catalog (/v2/_catalog, pages by the Link header), a term, a limit, registries.conf
# (location, blocked, the unqualified-search registries), Bearer auth, a registry with
# neither API, and one with a v1 search (a front answering as Docker Hub does).
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-image

setup_file() {
	ensure_fixtures
	registry_start
	local r
	for r in shop/web shop/db tools/busybox tools/webhook alpha; do
		registry_push_oci "$BUSYBOX_OCI" "$r:1"
	done
}

teardown_file() {
	registry_stop
}

setup() {
	require_cmd "$PEA_IMAGE"
	require_cmd jq
	I=("$PEA_IMAGE")
	R="$REGISTRY_ADDR"
	# no drop-ins of the host's: only the test's registries.conf
	export PEA_REGISTRIES_CONF_NO_DROPINS=1
	export CONTAINERS_REGISTRIES_CONF="$TEST_DIR/registries.conf"
	: >"$CONTAINERS_REGISTRIES_CONF"
}

teardown() {
	local f
	for f in nocat v1 tok pages; do
		img_flaky_stop "$f"
	done
}

names() {
	jq -r '.Results[] | .Name' <<<"$output" | sort | paste -sd' '
}

@test "search: the catalog's repositories containing the term; REGISTRY/ lists all" {
	run -0 "${I[@]}" search --tls-verify=false "$R/web"
	assert_equal "$(names)" "shop/web tools/webhook"
	assert_equal "$(jq -r '[.Results[] | .Index, .API, .Description, .Stars, .Official] | unique | join(",")' <<<"$output")" \
		"false,0,,$R,catalog"
	run -0 "${I[@]}" search --tls-verify=false "$R/"
	assert_equal "$(names)" "alpha shop/db shop/web tools/busybox tools/webhook"
	# a name with a tag matches no repository: nothing, no error (podman's 610-format)
	run -0 "${I[@]}" search --tls-verify=false "$R/shop/web:1"
	assert_equal "$(jq -c .Results <<<"$output")" "[]"
}

@test "search: pages of the catalog by its Link header, up to --limit" {
	# a front that logs the requests (slow: only blobs are slow)
	img_flaky_start pages "$R" slow
	run -0 "${I[@]}" search --tls-verify=false --page-size 1 "$IMG_PAGES_ADDR/"
	assert_equal "$(names)" "alpha shop/db shop/web tools/busybox tools/webhook"
	# one request a page: the first, then each page's Link (n=1&last=...)
	run -0 grep -c '^GET /v2/_catalog?' "$IMG_PAGES_LOG"
	assert_output 5
	run -0 grep -c '^GET /v2/_catalog?last=shop%2Fdb&n=1 \|^GET /v2/_catalog?n=1&last=shop%2Fdb ' "$IMG_PAGES_LOG"
	run -0 "${I[@]}" search --tls-verify=false --page-size 2 --limit 3 "$R/"
	assert_equal "$(jq '.Results | length' <<<"$output")" 3
	run -0 "${I[@]}" search --tls-verify=false --limit 1 "$R/o"
	assert_equal "$(names)" "shop/db"
}

@test "search: registries.conf: the unqualified-search registries, location, blocked" {
	cat >"$CONTAINERS_REGISTRIES_CONF" <<-EOF
		unqualified-search-registries = ["quay.example", "$R"]
		[[registry]]
		prefix = "quay.example"
		location = "$R/tools"
		insecure = true
		[[registry]]
		location = "$R"
		insecure = true
		[[registry]]
		location = "blocked.example"
		blocked = true
	EOF
	# a term without a registry: each search registry, named as registries.conf names it
	run -0 "${I[@]}" search busy
	assert_equal "$(jq -r '.Results[] | "\(.Index) \(.Name)"' <<<"$output" | paste -sd,)" \
		"quay.example busybox,$R tools/busybox"
	# quay.example lives at $R/tools: only the repositories below tools/, without it
	run -0 "${I[@]}" search quay.example/
	assert_equal "$(names)" "busybox webhook"
	run -1 "${I[@]}" search blocked.example/x
	assert_output --partial 'couldn'"'"'t search registry "blocked.example": registry "blocked.example" is blocked in registries.conf'
}

@test "search: a registry with neither a v1 search nor a catalog is a clear error" {
	img_flaky_start nocat "$R" nocatalog
	run -1 "${I[@]}" search --tls-verify=false "$IMG_NOCAT_ADDR/web"
	assert_output --partial "couldn't search registry \"$IMG_NOCAT_ADDR\": '$IMG_NOCAT_ADDR' offers neither a search (/v1/search: 404) nor a catalog (/v2/_catalog: 404)"
	run -1 "${I[@]}" search --tls-verify=false "$IMG_NOCAT_ADDR/"
	assert_output --partial "offers neither a search (/v1/search: not asked) nor a catalog (/v2/_catalog: 404)"
	# nothing listens
	run -1 "${I[@]}" search --tls-verify=false "127.0.0.1:1/x"
	assert_output --partial "couldn't search registry \"127.0.0.1:1\""
}

@test "search: a v1 search answers first (Docker Hub's API): names, descriptions, stars" {
	img_flaky_start v1 "$R" v1search
	run -0 "${I[@]}" search --tls-verify=false --limit 1 "$IMG_V1_ADDR/web"
	assert_equal "$(jq -c '.Results[] | [.Name, .Stars, .Official, .API]' <<<"$output")" '["shop/web",8,false,"v1"]'
	assert_equal "$(jq -r '.Results[0].Description' <<<"$output" | head -1)" "about shop/web"
	grep -q 'GET /v1/search?q=web&n=1 ' "$IMG_V1_LOG"
	# the term is escaped
	run -0 "${I[@]}" search --tls-verify=false "$IMG_V1_ADDR/a b&c"
	grep -q 'GET /v1/search?q=a%20b%26c&n=25 ' "$IMG_V1_LOG"
	# no term: the catalog
	run -0 "${I[@]}" search --tls-verify=false "$IMG_V1_ADDR/"
	assert_equal "$(jq -r '[.Results[].API] | unique | join(",")' <<<"$output")" catalog
}

@test "search: a Bearer registry: the catalog with a token for registry:catalog:*" {
	img_token_start tok "$R"
	run -1 "${I[@]}" search --tls-verify=false "$IMG_TOK_ADDR/shop"
	assert_output --partial "couldn't search registry \"$IMG_TOK_ADDR\""
	run -0 "${I[@]}" search --tls-verify=false --creds pea:secret "$IMG_TOK_ADDR/shop"
	assert_equal "$(names)" "shop/db shop/web"
}

@test "search: bad input: one line each" {
	run -2 "${I[@]}" search
	assert_output --partial 'search: expected one TERM, got 0 argument(s)'
	run -2 "${I[@]}" search a b
	assert_output --partial 'search: expected one TERM, got 2 argument(s)'
	run -2 "${I[@]}" search --limit 0 "$R/x"
	assert_output --partial "invalid value '0' for --limit"
	run -2 "${I[@]}" search --page-size x "$R/x"
	assert_output --partial "invalid value 'x' for --page-size"
	run -2 "${I[@]}" search --bogus "$R/x"
	assert_output --partial "search: unknown option '--bogus'"
	run -1 "${I[@]}" search /x
	assert_output --partial "couldn't search registry \"\": no registry before the '/'"
	# no registry in the term and none in registries.conf
	run -1 "${I[@]}" search x
	assert_output --partial 'cannot search for "x": no registry in the term and no unqualified-search registries in registries.conf'
}
