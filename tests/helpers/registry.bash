# shellcheck shell=bash
#
# tests/helpers/registry.bash: a real registry (Debian's docker-registry, the
# CNCF distribution registry) on 127.0.0.1, for pull and push tests.
#
#   registry_start                 start one; exports REGISTRY_ADDR (127.0.0.1:PORT),
#                                  REGISTRY_PID, REGISTRY_DIR (config, data, log)
#   registry_stop                  kill it and remove REGISTRY_DIR; in teardown_file,
#                                  also every registry the file's tests started
#   registry_push_oci LAYOUT REPO[:TAG] [REF]
#                                  push the manifest of an OCI layout tagged REF
#                                  (default: its only manifest, else "latest")
#                                  with curl against the distribution API
#
# Use from a bats file:
#   setup_file()    { ensure_fixtures; registry_start; }
#   teardown_file() { registry_stop; }

: "${PEA_REGISTRY_BIN:=/usr/bin/docker-registry}"

# pea_port_in_use PORT: something accepts connections on 127.0.0.1:PORT.
pea_port_in_use() {
	(exec 2>/dev/null 9<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# pea_free_port: print a port nobody listens on, below the ephemeral range.
# Another process can still take it before we bind: callers retry.
pea_free_port() {
	local port i
	for ((i = 0; i < 50; i++)); do
		port=$((20000 + (RANDOM * 32768 + RANDOM) % 12000))
		if ! pea_port_in_use "$port"; then
			echo "$port"
			return 0
		fi
	done
	pea_die "no free port found"
}

# registry_write_config DIR PORT
registry_write_config() {
	cat >"$1/config.yml" <<EOF
version: 0.1
log:
  level: info
  formatter: text
storage:
  filesystem:
    rootdirectory: $1/data
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:$2
  secret: pea-test-registry
EOF
}

registry_start() {
	local dir port try pid i code unset_env=() var
	[[ -x "$PEA_REGISTRY_BIN" ]] ||
		{ pea_die "'$PEA_REGISTRY_BIN' is missing: apt-get install docker-registry"; return 1; }
	command -v curl >/dev/null || { pea_die "curl is missing"; return 1; }
	dir="$(mktemp -d "${BATS_FILE_TMPDIR:-${TMPDIR:-/tmp}}/registry.XXXXXX")" || return 1
	# The registry reads REGISTRY_<SECTION>_<KEY> from the environment as
	# configuration: ours (REGISTRY_ADDR, ...) must not reach it.
	for var in $(compgen -e); do
		[[ "$var" != REGISTRY_* ]] || unset_env+=(-u "$var")
	done
	for ((try = 0; try < 5; try++)); do
		port="$(pea_free_port)" || return 1
		registry_write_config "$dir" "$port" || return 1
		# fd 3 closed: bats waits for whoever holds it.
		env "${unset_env[@]}" "$PEA_REGISTRY_BIN" serve "$dir/config.yml" \
			</dev/null >"$dir/registry.log" 2>&1 3>&- &
		pid=$!
		for ((i = 0; i < 100; i++)); do
			if ! kill -0 "$pid" 2>/dev/null; then
				break
			fi
			# "listening on" tells it is ours answering, not a racing neighbour.
			if grep -q "listening on 127.0.0.1:$port" "$dir/registry.log"; then
				code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$port/v2/")" || true
				if [[ "$code" == 200 ]]; then
					REGISTRY_ADDR="127.0.0.1:$port"
					REGISTRY_PID="$pid"
					REGISTRY_DIR="$dir"
					export REGISTRY_ADDR REGISTRY_PID REGISTRY_DIR
					# remembered per file: a registry started inside a
					# test is still stopped by teardown_file's registry_stop
					[[ -n "${BATS_FILE_TMPDIR:-}" ]] &&
						echo "$pid" >>"$BATS_FILE_TMPDIR/.registry-pids"
					return 0
				fi
			fi
			sleep 0.1
		done
		if kill -0 "$pid" 2>/dev/null; then
			kill "$pid" 2>/dev/null || true
			wait "$pid" 2>/dev/null || true
			break
		fi
		wait "$pid" 2>/dev/null || true
		grep -q "address already in use" "$dir/registry.log" || break
	done
	echo "registry_start: docker-registry did not answer on 127.0.0.1:$port/v2/; its log:" >&2
	tail -n 20 "$dir/registry.log" >&2
	rm -rf "$dir"
	return 1
}

registry_stop() {
	local i
	if [[ -n "${REGISTRY_PID:-}" ]] && kill -0 "$REGISTRY_PID" 2>/dev/null; then
		kill "$REGISTRY_PID" 2>/dev/null || true
		for ((i = 0; i < 50; i++)); do
			kill -0 "$REGISTRY_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$REGISTRY_PID" 2>/dev/null || true
		# Only reaps if this shell started it (setup_file and teardown_file do).
		wait "$REGISTRY_PID" 2>/dev/null || true
	fi
	if [[ -n "${REGISTRY_DIR:-}" && -d "$REGISTRY_DIR" ]]; then
		rm -rf "$REGISTRY_DIR"
	fi
	unset REGISTRY_ADDR REGISTRY_PID REGISTRY_DIR
	# In teardown_file: also those the file's tests started and left.
	if [[ -z "${BATS_TEST_NAME:-}" && -f "${BATS_FILE_TMPDIR:-}/.registry-pids" ]]; then
		local pid
		while read -r pid; do
			kill -0 "$pid" 2>/dev/null || continue
			# only a registry: the pid may have been reused since
			[[ $(cat "/proc/$pid/comm" 2>/dev/null) == docker-regist* ]] || continue
			kill "$pid" 2>/dev/null
			for ((i = 0; i < 50; i++)); do
				kill -0 "$pid" 2>/dev/null || break
				sleep 0.1
			done
			kill -KILL "$pid" 2>/dev/null || true
		done <"$BATS_FILE_TMPDIR/.registry-pids"
		rm -f "$BATS_FILE_TMPDIR/.registry-pids"
	fi
	return 0
}

# registry_curl OUT_BODY OUT_HEADERS CURL_ARGS...: print the HTTP status.
registry_curl() {
	local body="$1" headers="$2"
	shift 2
	curl -sS -o "$body" -D "$headers" -w '%{http_code}' --max-time 60 "$@"
}

# registry_push_blob LAYOUT REPO DIGEST
registry_push_blob() {
	local layout="$1" repo="$2" digest="$3" file base tmp code location sep
	file="$layout/blobs/${digest%%:*}/${digest#*:}"
	base="http://$REGISTRY_ADDR/v2/$repo/blobs"
	[[ -f "$file" ]] || { pea_die "blob '$digest' is missing in '$layout'"; return 1; }
	tmp="$(mktemp -d)" || return 1
	code="$(registry_curl "$tmp/body" "$tmp/headers" -I "$base/$digest")"
	if [[ "$code" == 200 ]]; then
		rm -rf "$tmp"
		return 0
	fi
	code="$(registry_curl "$tmp/body" "$tmp/headers" -X POST "$base/uploads/")"
	location="$(awk 'tolower($1) == "location:" { print $2 }' "$tmp/headers" | tr -d '\r')"
	if [[ "$code" != 202 || -z "$location" ]]; then
		pea_die "POST $base/uploads/: HTTP $code: $(cat "$tmp/body")"
		rm -rf "$tmp"
		return 1
	fi
	[[ "$location" == http* ]] || location="http://$REGISTRY_ADDR$location"
	sep='?'
	[[ "$location" != *'?'* ]] || sep='&'
	code="$(registry_curl "$tmp/body" "$tmp/headers" -X PUT \
		-H "Content-Type: application/octet-stream" --data-binary "@$file" \
		"$location${sep}digest=${digest/:/%3A}")"
	if [[ "$code" != 201 ]]; then
		pea_die "PUT blob '$digest' to '$repo': HTTP $code: $(cat "$tmp/body")"
		rm -rf "$tmp"
		return 1
	fi
	rm -rf "$tmp"
}

# registry_push_manifest LAYOUT REPO DIGEST MEDIA_TYPE REFERENCE: push the
# blobs (or, for an index, the manifests) it references, then itself.
registry_push_manifest() {
	local layout="$1" repo="$2" digest="$3" media_type="$4" reference="$5"
	local file child child_type tmp code got
	file="$layout/blobs/${digest%%:*}/${digest#*:}"
	[[ -f "$file" ]] || { pea_die "manifest '$digest' is missing in '$layout'"; return 1; }
	case "$media_type" in
	application/vnd.oci.image.index.v1+json | application/vnd.docker.distribution.manifest.list.v2+json)
		while read -r child child_type; do
			registry_push_manifest "$layout" "$repo" "$child" "$child_type" "$child" || return 1
		done < <(jq -r '.manifests[] | "\(.digest) \(.mediaType // "application/vnd.oci.image.manifest.v1+json")"' "$file")
		;;
	*)
		while read -r child; do
			registry_push_blob "$layout" "$repo" "$child" || return 1
		done < <(jq -r '.config.digest, (.layers // [])[].digest' "$file")
		;;
	esac
	tmp="$(mktemp -d)" || return 1
	code="$(registry_curl "$tmp/body" "$tmp/headers" -X PUT -H "Content-Type: $media_type" \
		--data-binary "@$file" "http://$REGISTRY_ADDR/v2/$repo/manifests/$reference")"
	got="$(awk 'tolower($1) == "docker-content-digest:" { print $2 }' "$tmp/headers" | tr -d '\r')"
	if [[ "$code" != 201 ]]; then
		pea_die "PUT manifest '$repo:$reference': HTTP $code: $(cat "$tmp/body")"
		rm -rf "$tmp"
		return 1
	fi
	rm -rf "$tmp"
	if [[ -n "$got" && "$got" != "$digest" ]]; then
		pea_die "the registry stored '$repo:$reference' as '$got', expected '$digest'"
		return 1
	fi
}

registry_push_oci() {
	local layout="$1" ref="$2" sel="${3:-}" repo tag desc digest media_type
	[[ -n "${REGISTRY_ADDR:-}" ]] || { pea_die "no registry: call registry_start first"; return 1; }
	[[ -f "$layout/index.json" ]] || { pea_die "'$layout' is not an OCI layout"; return 1; }
	repo="$ref" tag=latest
	if [[ "${ref##*/}" == *:* ]]; then
		repo="${ref%:*}" tag="${ref##*:}"
	fi
	desc="$(jq -c --arg sel "$sel" '
		.manifests as $m
		| ($m | map(select(.annotations["org.opencontainers.image.ref.name"] ==
			(if $sel == "" then "latest" else $sel end)))) as $tagged
		| if $sel == "" and ($m | length) == 1 then $m[0] else $tagged[0] end
		| select(. != null)' "$layout/index.json")" || return 1
	[[ -n "$desc" ]] || { pea_die "no manifest '${sel:-latest}' in '$layout/index.json'"; return 1; }
	digest="$(jq -r .digest <<<"$desc")" && media_type="$(jq -r .mediaType <<<"$desc")" || return 1
	registry_push_manifest "$layout" "$repo" "$digest" "$media_type" "$tag"
}
