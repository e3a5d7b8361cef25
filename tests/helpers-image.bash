# shellcheck shell=bash
#
# tests/helpers-image.bash: fixtures for pea-image's tests.
#
#   img_registry_start NAME [auth|tls]   another docker-registry on 127.0.0.1 with its own
#                                  config: plain, htpasswd (user "pea", password
#                                  "secret"), or TLS with a self-signed certificate.
#                                  Exports IMG_<NAME>_ADDR, IMG_<NAME>_DIR (and for tls
#                                  IMG_<NAME>_CERTS, a certs.d-style folder with ca.crt)
#   img_registry_stop NAME
#   img_token_start NAME BACKEND   a Bearer-token front (python3) to the registry at
#                                  BACKEND: 401 + WWW-Authenticate Bearer until the
#                                  client gets a token from /token with Basic pea:secret
#                                  (GET), or with the refresh token "pea-refresh" (POST).
#                                  Exports IMG_<NAME>_ADDR.
#   img_token_stop NAME
#   img_flaky_start NAME BACKEND [cut|die|slow|redirect|push503|patch503|nocatalog|v1search]
#                                  a front to the registry at
#                                  BACKEND that cuts the first GET of each blob after half
#                                  of its body (then serves Range requests), or dies in the
#                                  first blob and comes back a second later (die), sends blobs
#                                  slowly (64 KiB every 20 ms), or redirects blob GETs to
#                                  the registry itself (as to blob storage), or answers 503
#                                  to the first upload of each blob (push503) or to the
#                                  second PATCH of each upload (patch503), or answers 404
#                                  to /v2/_catalog (nocatalog), or answers /v1/search as
#                                  Docker Hub does from the catalog's names (v1search:
#                                  description "about NAME" and 60 x, stars the name's
#                                  length, library/ official); its log lists the requests.
#   img_flaky_stop NAME
#   img_build_layout DIR ARCH LAYERS SIZE_KB [gzip|zstd|none] [VARIANT]
#                                  an OCI layout holding one image for linux/ARCH, tagged
#                                  "latest": the busybox layer plus LAYERS layers of
#                                  SIZE_KB KiB of random data each
#   img_build_index DIR LAYOUT...  an OCI layout whose "latest" is an index of the
#                                  images of the given layouts (their platforms kept)
#   img_blob_path LAYOUT DIGEST    the file of a blob in a layout
#   img_tree_digest DIR            one digest over the files (names, modes, contents)
#                                  of a folder, to compare unpacked images

: "${IMG_PYTHON:=/usr/bin/python3}"

# img_var NAME FIELD: the name of the variable IMG_<NAME>_<FIELD>.
img_var() {
	echo "IMG_${1^^}_$2"
}

img_registry_start() {
	local name="$1" mode="${2:-plain}" dir port try pid i var unset_env=() scheme=http curl_opts=()
	dir="$(mktemp -d "${BATS_FILE_TMPDIR:-${TMPDIR:-/tmp}}/imgreg-$name.XXXXXX")" || return 1
	for var in $(compgen -e); do
		[[ "$var" != REGISTRY_* ]] || unset_env+=(-u "$var")
	done
	case "$mode" in
	auth)
		htpasswd -Bbn pea secret >"$dir/htpasswd" 2>/dev/null || { pea_die "htpasswd failed"; return 1; }
		;;
	tls)
		mkdir -p "$dir/certs" || return 1
		openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
			-addext "subjectAltName=IP:127.0.0.1" -keyout "$dir/key.pem" \
			-out "$dir/certs/ca.crt" >/dev/null 2>&1 || { pea_die "openssl failed"; return 1; }
		scheme=https
		curl_opts=(--cacert "$dir/certs/ca.crt")
		;;
	esac
	for ((try = 0; try < 5; try++)); do
		port="$(pea_free_port)" || return 1
		{
			printf 'version: 0.1\nlog:\n  level: info\nstorage:\n  filesystem:\n    rootdirectory: %s/data\n' "$dir"
			printf '  delete:\n    enabled: true\n  maintenance:\n    uploadpurging:\n      enabled: false\n'
			printf 'http:\n  addr: 127.0.0.1:%s\n  secret: pea-test\n' "$port"
			if [[ "$mode" == tls ]]; then
				printf '  tls:\n    certificate: %s/certs/ca.crt\n    key: %s/key.pem\n' "$dir" "$dir"
			fi
			if [[ "$mode" == auth ]]; then
				printf 'auth:\n  htpasswd:\n    realm: pea-test\n    path: %s/htpasswd\n' "$dir"
			fi
		} >"$dir/config.yml"
		env "${unset_env[@]}" "$PEA_REGISTRY_BIN" serve "$dir/config.yml" \
			</dev/null >"$dir/registry.log" 2>&1 3>&- &
		pid=$!
		for ((i = 0; i < 100; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			if grep -q "listening on 127.0.0.1:$port" "$dir/registry.log" &&
				curl -s -o /dev/null "${curl_opts[@]}" --max-time 2 "$scheme://127.0.0.1:$port/v2/"; then
				printf -v "$(img_var "$name" ADDR)" '%s' "127.0.0.1:$port"
				printf -v "$(img_var "$name" PID)" '%s' "$pid"
				printf -v "$(img_var "$name" DIR)" '%s' "$dir"
				printf -v "$(img_var "$name" CERTS)" '%s' "$dir/certs"
				export "$(img_var "$name" ADDR)" "$(img_var "$name" PID)" \
					"$(img_var "$name" DIR)" "$(img_var "$name" CERTS)"
				return 0
			fi
			sleep 0.1
		done
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		grep -q "address already in use" "$dir/registry.log" || break
	done
	echo "img_registry_start: the registry did not start; its log:" >&2
	tail -n 20 "$dir/registry.log" >&2
	return 1
}

img_kill() {
	local pid="$1" i
	[[ -n "$pid" ]] || return 0
	kill "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 50; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	return 0
}

img_registry_stop() {
	local pid dir
	pid="$(img_var "$1" PID)" dir="$(img_var "$1" DIR)"
	img_kill "${!pid:-}"
	[[ -z "${!dir:-}" ]] || rm -rf "${!dir}"
}

# The Bearer front: a small reverse proxy that demands a token.
IMG_TOKEN_PROXY='
import base64, http.server, sys, urllib.parse, urllib.request, urllib.error
port, backend = int(sys.argv[1]), sys.argv[2]
TOKEN = "pea-token-42"
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a):
        sys.stderr.write("%s %s\n" % (self.command, self.path))
    def send(self, code, headers, body=b""):
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
    def token(self):
        if self.command == "POST":
            n = int(self.headers.get("Content-Length") or 0)
            form = urllib.parse.parse_qs(self.rfile.read(n).decode())
            if form.get("grant_type") == ["refresh_token"] and form.get("refresh_token") == ["pea-refresh"]:
                return self.send(200, [("Content-Type", "application/json")], ("{\"access_token\": \"%s\"}" % TOKEN).encode())
            return self.send(401, [("Content-Type", "application/json")], b"{}")
        auth = self.headers.get("Authorization", "")
        want = "Basic " + base64.b64encode(b"pea:secret").decode()
        if auth != want:
            return self.send(401, [("Content-Type", "application/json")], b"{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"bad credentials\"}]}")
        self.send(200, [("Content-Type", "application/json")], ("{\"token\": \"%s\", \"expires_in\": 300}" % TOKEN).encode())
    def handle_any(self):
        if self.path.startswith("/token"):
            return self.token()
        if self.headers.get("Authorization") != "Bearer " + TOKEN:
            chal = "Bearer realm=\"http://127.0.0.1:%d/token\",service=\"pea-test\"" % port
            return self.send(401, [("WWW-Authenticate", chal), ("Content-Type", "application/json")],
                             b"{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication required\"}]}")
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else None
        req = urllib.request.Request("http://" + backend + self.path, data=body, method=self.command)
        for k in ("Content-Type", "Accept", "Range"):
            if self.headers.get(k):
                req.add_header(k, self.headers.get(k))
        try:
            r = urllib.request.urlopen(req)
            code, hdrs, data = r.status, r.getheaders(), r.read()
        except urllib.error.HTTPError as e:
            code, hdrs, data = e.code, e.headers.items(), e.read()
        out = []
        for k, v in hdrs:
            if k.lower() in ("content-length", "transfer-encoding", "connection", "date"):
                continue
            if k.lower() == "location":
                v = v.replace("http://" + backend, "http://127.0.0.1:%d" % port)
            out.append((k, v))
        self.send(code, out, data)
    do_GET = do_HEAD = do_PUT = do_POST = do_PATCH = do_DELETE = handle_any
class S(http.server.ThreadingHTTPServer):
    daemon_threads = True
S(("127.0.0.1", port), H).serve_forever()
'

img_token_start() {
	local name="$1" backend="$2" port pid i log
	log="$(mktemp "${BATS_FILE_TMPDIR:-${TMPDIR:-/tmp}}/token-$name.XXXXXX")" || return 1
	port="$(pea_free_port)" || return 1
	"$IMG_PYTHON" -c "$IMG_TOKEN_PROXY" "$port" "$backend" </dev/null >"$log" 2>&1 3>&- &
	pid=$!
	for ((i = 0; i < 100; i++)); do
		if [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$port/v2/")" == 401 ]]; then
			printf -v "$(img_var "$name" ADDR)" '%s' "127.0.0.1:$port"
			printf -v "$(img_var "$name" PID)" '%s' "$pid"
			printf -v "$(img_var "$name" LOG)" '%s' "$log"
			export "$(img_var "$name" ADDR)" "$(img_var "$name" PID)" "$(img_var "$name" LOG)"
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	cat "$log" >&2
	return 1
}

img_token_stop() {
	local pid
	pid="$(img_var "$1" PID)"
	img_kill "${!pid:-}"
}

IMG_FLAKY_PROXY='
import http.server, json, os, sys, time, urllib.parse, urllib.request, urllib.error
port, backend = int(sys.argv[1]), sys.argv[2]
mode = sys.argv[3] if len(sys.argv) > 3 else "cut"
state = sys.argv[4] if len(sys.argv) > 4 else None
cut = set()
if state:
    with open(state + ".pid", "w") as f:
        f.write(str(os.getpid()))
    with open(state) as f:
        cut = set(f.read().split())
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a):
        pass
    def handle_any(self):
        rng = self.headers.get("Range")
        sys.stderr.write("%s %s %s\n" % (self.command, self.path, rng or "-"))
        sys.stderr.flush()
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else None
        if mode == "patch503" and self.command == "PATCH":
            key = "patch " + self.path.split("?")[0]
            cut.add(key + " 1" if key + " 1" not in cut else key + " 2")
            if key + " 2" in cut and key + " done" not in cut:
                cut.add(key + " done")
                self.send_response(503)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
        if mode == "push503" and self.command == "PUT" and "digest=" in self.path:
            key = self.path.split("digest=")[1]
            if key not in cut:
                cut.add(key)
                self.send_response(503)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
        if mode == "nocatalog" and self.path.startswith("/v2/_catalog"):
            # a registry without the catalog (Docker Hub, GHCR): 404, as the API has no route
            self.send_response(404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")
            return
        if mode == "v1search" and self.path.startswith("/v1/search?"):
            # the v1 search of Docker Hub: the names of the backend catalog, made-up details
            q = urllib.parse.parse_qs(self.path.split("?", 1)[1])
            names = json.load(urllib.request.urlopen("http://" + backend + "/v2/_catalog"))["repositories"]
            res = [{"name": n, "description": "about " + n + "\n" + "x" * 60, "star_count": len(n),
                    "is_official": n.startswith("library/"), "is_automated": False, "is_trusted": False}
                   for n in names if q["q"][0] in n][:int(q["n"][0])]
            data = json.dumps({"num_results": len(res), "query": q["q"][0], "results": res}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        if mode == "redirect" and self.command == "GET" and "/blobs/sha256:" in self.path:
            self.send_response(307)
            self.send_header("Location", "http://" + backend + self.path)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        req = urllib.request.Request("http://" + backend + self.path, data=body, method=self.command)
        for k in ("Content-Type", "Accept", "Range", "Content-Range", "Authorization"):
            if self.headers.get(k):
                req.add_header(k, self.headers.get(k))
        try:
            r = urllib.request.urlopen(req)
            code, hdrs, data = r.status, r.getheaders(), r.read()
        except urllib.error.HTTPError as e:
            code, hdrs, data = e.code, e.headers.items(), e.read()
        self.send_response(code)
        for k, v in hdrs:
            if k.lower() in ("content-length", "transfer-encoding", "connection", "date"):
                continue
            if k.lower() == "location":
                v = v.replace("http://" + backend, "http://127.0.0.1:%d" % port)
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command == "HEAD":
            return
        blob = self.command == "GET" and "/blobs/sha256:" in self.path
        if mode == "slow" and blob:
            for i in range(0, len(data), 65536):
                self.wfile.write(data[i:i + 65536])
                self.wfile.flush()
                time.sleep(0.02)
            return
        if mode in ("cut", "die") and blob and not rng and code == 200 and len(data) > 1024 \
                and self.path not in cut and not (mode == "die" and cut):
            cut.add(self.path)
            if mode == "die":
                with open(state, "a") as f:
                    f.write(self.path + "\n")
            self.wfile.write(data[:len(data) // 2])
            self.wfile.flush()
            if mode == "die":
                os._exit(0)
            self.close_connection = True
            return
        self.wfile.write(data)
    do_GET = do_HEAD = do_PUT = do_POST = do_PATCH = do_DELETE = handle_any
class S(http.server.ThreadingHTTPServer):
    daemon_threads = True
S(("127.0.0.1", port), H).serve_forever()
'

img_flaky_start() {
	local name="$1" backend="$2" mode="${3:-cut}" port pid i log state
	log="$(mktemp "${BATS_FILE_TMPDIR:-${TMPDIR:-/tmp}}/flaky-$name.XXXXXX")" || return 1
	port="$(pea_free_port)" || return 1
	if [[ "$mode" == die ]]; then
		# the front exits in the middle of each blob's first GET; this loop brings it
		# back on the same port a second later
		state="$log.state"
		: >"$state"
		(
			while [[ ! -e "$state.stop" ]]; do
				"$IMG_PYTHON" -c "$IMG_FLAKY_PROXY" "$port" "$backend" die "$state" >>"$log" 2>&1
				[[ -e "$state.stop" ]] || sleep 1
			done
		) </dev/null >/dev/null 2>&1 3>&- &
		printf -v "$(img_var "$name" STATE)" '%s' "$state"
		export "$(img_var "$name" STATE)"
	else
		"$IMG_PYTHON" -c "$IMG_FLAKY_PROXY" "$port" "$backend" "$mode" </dev/null >"$log" 2>&1 3>&- &
	fi
	pid=$!
	for ((i = 0; i < 100; i++)); do
		if [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$port/v2/")" == 200 ]]; then
			printf -v "$(img_var "$name" ADDR)" '%s' "127.0.0.1:$port"
			printf -v "$(img_var "$name" PID)" '%s' "$pid"
			printf -v "$(img_var "$name" LOG)" '%s' "$log"
			export "$(img_var "$name" ADDR)" "$(img_var "$name" PID)" "$(img_var "$name" LOG)"
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	cat "$log" >&2
	return 1
}

img_flaky_stop() {
	local state
	state="$(img_var "$1" STATE)"
	if [[ -n "${!state:-}" ]]; then
		touch "${!state}.stop"
		[[ ! -s "${!state}.pid" ]] || img_kill "$(cat "${!state}.pid")"
	fi
	img_token_stop "$1"
	[[ -z "${!state:-}" ]] || unset "$state"
}

img_blob_path() {
	echo "$1/blobs/${2%%:*}/${2#*:}"
}

# img_add_blob LAYOUT FILE: move FILE into the layout; prints "sha256:HEX SIZE".
img_add_blob() {
	local layout="$1" file="$2" hex size
	hex="$(pea_sha256 "$file")" && size="$(stat -c %s "$file")" || return 1
	mkdir -p "$layout/blobs/sha256" && mv "$file" "$layout/blobs/sha256/$hex" || return 1
	echo "sha256:$hex $size"
}

img_build_layout() {
	local dir="$1" arch="$2" layers="$3" size_kb="$4" comp="${5:-gzip}" variant="${6:-}"
	local work i digest size diff mt ext layers_json="[]" diffs_json="[]" cfg man
	work="$(mktemp -d)" || return 1
	mkdir -p "$dir/blobs/sha256" || return 1
	printf '{"imageLayoutVersion":"1.0.0"}' >"$dir/oci-layout"
	for ((i = 0; i <= layers; i++)); do
		if ((i == 0)); then
			pea_tar_dir "$BUSYBOX_ROOTFS" "$work/layer.tar" || return 1
		else
			mkdir -p "$work/l$i/data" || return 1
			head -c "$((size_kb * 1024))" /dev/urandom >"$work/l$i/data/blob-$i" || return 1
			pea_tar_dir "$work/l$i" "$work/layer.tar" || return 1
		fi
		diff="sha256:$(pea_sha256 "$work/layer.tar")"
		case "$comp" in
		gzip) gzip -n -c "$work/layer.tar" >"$work/layer.c"; mt=application/vnd.oci.image.layer.v1.tar+gzip ;;
		zstd) zstd -q -c "$work/layer.tar" >"$work/layer.c"; mt=application/vnd.oci.image.layer.v1.tar+zstd ;;
		*) cp "$work/layer.tar" "$work/layer.c"; mt=application/vnd.oci.image.layer.v1.tar ;;
		esac
		read -r digest size <<<"$(img_add_blob "$dir" "$work/layer.c")" || return 1
		layers_json="$(jq -c --arg d "$digest" --argjson s "$size" --arg mt "$mt" \
			'. + [{mediaType: $mt, digest: $d, size: $s}]' <<<"$layers_json")"
		diffs_json="$(jq -c --arg d "$diff" '. + [$d]' <<<"$diffs_json")"
	done
	jq -cjn --arg arch "$arch" --arg variant "$variant" --argjson diffs "$diffs_json" \
		--arg path "$PEA_FIXTURE_PATH" '{created: "1970-01-01T00:00:00Z", architecture: $arch}
		+ (if $variant != "" then {variant: $variant} else {} end)
		+ {os: "linux", config: {Env: [$path], Cmd: ["sh"], Labels: {"pea.test": "yes"}},
		   rootfs: {type: "layers", diff_ids: $diffs}}' >"$work/config.json"
	read -r cfg size <<<"$(img_add_blob "$dir" "$work/config.json")" || return 1
	jq -cjn --arg c "$cfg" --argjson cs "$size" --argjson layers "$layers_json" '{
		schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
		config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $c, size: $cs},
		layers: $layers}' >"$work/manifest.json"
	read -r man size <<<"$(img_add_blob "$dir" "$work/manifest.json")" || return 1
	jq -cjn --arg d "$man" --argjson s "$size" --arg arch "$arch" --arg variant "$variant" '{
		schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json",
		manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $d, size: $s,
			annotations: {"org.opencontainers.image.ref.name": "latest"},
			platform: ({architecture: $arch, os: "linux"}
				+ (if $variant != "" then {variant: $variant} else {} end))}]}' >"$dir/index.json"
	rm -rf "$work"
}

img_build_index() {
	local dir="$1" layout entries="[]" entry work digest size
	shift
	mkdir -p "$dir/blobs/sha256" || return 1
	printf '{"imageLayoutVersion":"1.0.0"}' >"$dir/oci-layout"
	for layout in "$@"; do
		cp -n "$layout"/blobs/sha256/* "$dir/blobs/sha256/" || return 1
		entry="$(jq -c '.manifests[0] | del(.annotations)' "$layout/index.json")" || return 1
		entries="$(jq -c --argjson e "$entry" '. + [$e]' <<<"$entries")"
	done
	work="$(mktemp -d)" || return 1
	jq -cjn --argjson m "$entries" '{schemaVersion: 2,
		mediaType: "application/vnd.oci.image.index.v1+json", manifests: $m}' >"$work/index"
	read -r digest size <<<"$(img_add_blob "$dir" "$work/index")" || return 1
	jq -cjn --arg d "$digest" --argjson s "$size" '{schemaVersion: 2,
		mediaType: "application/vnd.oci.image.index.v1+json",
		manifests: [{mediaType: "application/vnd.oci.image.index.v1+json", digest: $d, size: $s,
			annotations: {"org.opencontainers.image.ref.name": "latest"}}]}' >"$dir/index.json"
	rm -rf "$work"
}

img_tree_digest() {
	(cd "$1" && find . -mindepth 1 -printf '%P %y %m %l\n' | LC_ALL=C sort &&
		find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum) | sha256sum | cut -d' ' -f1
}
