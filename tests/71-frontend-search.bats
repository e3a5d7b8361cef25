#!/usr/bin/env bats
# pea search (podman-search(1)) against Debian's docker-registry on 127.0.0.1, which has
# no v1 search API: its catalog's repositories, named with the registry as the term gave
# it; a front answering the v1 search as Docker Hub does (descriptions, stars, official);
# --format, --limit, --filter, --no-trunc, --compatible, --list-tags, and the errors.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-frontend
load helpers-image

setup_file() {
	ensure_fixtures
	registry_start
	local r
	for r in shop/web shop/db tools/busybox tools/webhook alpha; do
		registry_push_oci "$BUSYBOX_OCI" "$r:1"
	done
	registry_push_oci "$BUSYBOX_OCI" "shop/web:2"
}

teardown_file() {
	registry_stop
}

setup() {
	require_cmd "$PEA"
	require_cmd jq
	fe_setup
	R="$REGISTRY_ADDR"
	export PEA_REGISTRIES_CONF_NO_DROPINS=1
	export CONTAINERS_REGISTRIES_CONF="$TEST_DIR/registries.conf"
	printf 'unqualified-search-registries = ["%s"]\n[[registry]]\nlocation = "%s"\ninsecure = true\n' \
		"$R" "$R" >"$CONTAINERS_REGISTRIES_CONF"
}

teardown() {
	local f
	for f in nocat v1; do
		img_flaky_stop "$f"
	done
}

search() {
	"$PEA" "${FE_ARGS[@]}" search "$@"
}

@test "search: a registry without a v1 search: its catalog's repositories with the term" {
	run -0 search "$R/web"
	assert_line --index 0 --regexp '^NAME +DESCRIPTION$'
	assert_line --index 1 --regexp "^$R/shop/web *$"
	assert_line --index 2 --regexp "^$R/tools/webhook *$"
	assert_equal "${#lines[@]}" 3
	# REGISTRY/: all of them; a term alone: the unqualified-search registries
	run -0 search --format '{{.Name}}' "$R/"
	assert_output "$(printf '%s\n' "$R/alpha" "$R/shop/db" "$R/shop/web" "$R/tools/busybox" "$R/tools/webhook")"
	run -0 search --format '{{.Index}} {{.Name}}' busy
	assert_output "$R $R/tools/busybox"
	# nothing found: nothing printed, not even the header
	run -0 search "$R/nothing-like-it"
	assert_output ''
}

@test "search: a registry that registries.conf places elsewhere keeps its name (610-format)" {
	printf '[[registry]]\nprefix = "quay.io"\nlocation = "%s"\ninsecure = true\n' "$R" \
		>"$CONTAINERS_REGISTRIES_CONF"
	run -0 search --format '{{.Name}}' quay.io/shop
	assert_output "$(printf '%s\n' quay.io/shop/db quay.io/shop/web)"
	# podman's 610-format: an image with a tag as the term, --format '{{"\n"}}': no output
	run -0 search quay.io/shop/web:1 --format '{{"\n"}}'
	assert_output ''
	run -0 search --format json quay.io/shop/db
	assert_equal "$(jq -c '.[0]' <<<"$output")" \
		'{"Index":"quay.io","Name":"quay.io/shop/db","Description":"","Stars":0,"Official":"","Automated":"","Tag":""}'
}

@test "search: a v1 search (as Docker Hub's): descriptions cut at 44, --no-trunc, --filter, --compatible, --limit" {
	img_flaky_start v1 "$R" v1search
	local V=$IMG_V1_ADDR
	run -0 search --tls-verify=false "$V/shop"
	assert_line --index 0 --regexp '^NAME +DESCRIPTION$'
	# "about shop/db" and 60 x, the newline a space, cut at 44 characters and "..."
	assert_line --index 1 --regexp "^$V/shop/db +about shop/db x{30}\\.\\.\\.$"
	run -0 search --tls-verify=false --no-trunc --format '{{.Description}}' "$V/shop/db"
	assert_output "about shop/db $(printf 'x%.0s' {1..60})"
	# stars: the name's length; official: a library/ name
	run -0 search --tls-verify=false --filter stars=10 --format '{{.Name}} {{.Stars}}' "$V/o"
	assert_output "$(printf '%s\n' "$V/tools/busybox 13" "$V/tools/webhook 13")"
	run -0 search --tls-verify=false --filter=is-official --format '{{.Name}}' "$V/a"
	assert_output ''
	run -0 search --tls-verify=false --filter=is-official=false --limit 2 --format '{{.Name}}' "$V/o"
	assert_output "$(printf '%s\n' "$V/shop/db" "$V/shop/web")"
	run -0 search --tls-verify=false --compatible "$V/web"
	assert_line --index 0 --regexp '^NAME +DESCRIPTION +STARS +OFFICIAL +AUTOMATED$'
	assert_line --index 1 --regexp "^$V/shop/web +about shop/web x+\.\.\. +8 *$"
	run -0 search --tls-verify=false --format 'table {{.Index}} {{.Name}}' "$V/webhook"
	assert_output "$(printf 'INDEX            NAME\n%s  %s/tools/webhook' "$V" "$V")"
	# docker.io: a name without a slash is docker.io/library/NAME
	printf '[[registry]]\nprefix = "docker.io"\nlocation = "%s"\ninsecure = true\n' "$V" \
		>"$CONTAINERS_REGISTRIES_CONF"
	run -0 search --format '{{.Name}}' docker.io/alph
	assert_output docker.io/library/alpha
}

@test "search --list-tags: a repository's tags, podman's JSON" {
	run -0 search --list-tags "$R/shop/web"
	assert_line --index 0 --regexp '^NAME +TAG$'
	assert_line --regexp "^$R/shop/web +1$"
	assert_line --regexp "^$R/shop/web +2$"
	run -0 search --list-tags --format json "$R/shop/web"
	assert_equal "$(jq -c '.[0] | [.Name, (.Tags | sort)]' <<<"$output")" "[\"$R/shop/web\",[\"1\",\"2\"]]"
	run -0 search --list-tags --limit 1 --format '{{.Tag}}' "$R/shop/web"
	assert_equal "${#lines[@]}" 1
	run -125 search --list-tags "$R/shop/nosuch"
	run -125 search --list-tags --filter stars=1 "$R/shop/web"
	assert_output 'Error: filters are not applicable to list tags result'
}

@test "search: errors: a registry with neither API, bad filters and flags" {
	img_flaky_start nocat "$R" nocatalog
	run -125 search --tls-verify=false "$IMG_NOCAT_ADDR/web"
	assert_output "Error: couldn't search registry \"$IMG_NOCAT_ADDR\": '$IMG_NOCAT_ADDR' offers neither a search (/v1/search: 404) nor a catalog (/v2/_catalog: 404)"
	run -125 search --filter bogus "$R/x"
	assert_output 'Error: invalid filter type "bogus"'
	run -125 search --filter stars "$R/x"
	assert_output 'Error: invalid `stars` filter "stars", should be stars=<value>'
	run -125 search --filter stars=many "$R/x"
	assert_output 'Error: incorrect value type for stars filter: "many"'
	run -125 search --limit x "$R/x"
	assert_output --partial 'invalid argument "x" for "--limit" flag'
	run -125 search --authfile "$TEST_DIR/none.json" "$R/x"
	assert_output --partial "none.json"
	run -125 search
	assert_output --partial 'accepts 1 arg(s), received 0'
}
