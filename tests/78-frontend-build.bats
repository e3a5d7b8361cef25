#!/usr/bin/env bats
# pea build: Containerfiles into images (podman-build(1)), against the real store and runtime.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-frontend
load helpers/fe-file

setup() {
	fe_file_setup
	CTX="$TEST_DIR/ctx"
	mkdir -p "$CTX"
}

# pea_direct ARGS...: pea with standard input from the caller (pea_cmd's is /dev/null),
# under a subreaper of its own.
pea_direct() {
	timeout -k 5 120 tini -s -- "$PEA" "${FE_ARGS[@]}" "$@"
}

cfg() {
	pea_out image inspect --format "{{json .Config.$1}}" "$2"
}

@test "build: every instruction, the output and the image's config" {
	echo hello >"$CTX/file1"
	cat >"$CTX/Containerfile" <<'EOF'
# a comment
FROM busybox
MAINTAINER someone
ARG FOO=bar
ENV E1=v1 E2="two words"
ENV LEGACY value with spaces
LABEL a=b "c d"="e f"
RUN echo "ran $FOO $E2" > /out && \
    cat /out
COPY file1 /tmp/
WORKDIR /w
WORKDIR sub
USER 1:2
EXPOSE 80 53/udp
VOLUME /data
STOPSIGNAL SIGUSR1
HEALTHCHECK --interval=5s --retries=2 CMD true
ENTRYPOINT ["/bin/sh", "-c"]
CMD ["echo hi"]
EOF
	run -0 pea_cmd build -t t1 "$CTX"
	assert_line --index 0 "STEP 1/17: FROM busybox"
	assert_line "STEP 7/17: RUN echo \"ran \$FOO \$E2\" > /out &&     cat /out"
	assert_line "ran bar two words"
	assert_line "COMMIT t1"
	assert_line "Successfully tagged localhost/t1:latest"
	assert_line --regexp '^--> [0-9a-f]{11}$'
	id="${lines[-1]}"
	[[ "$id" =~ ^[0-9a-f]{64}$ ]]
	assert_equal "$(pea_out images -q --no-trunc localhost/t1)" "sha256:$id"
	assert_equal "$(cfg Env t1)" '["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","E1=v1","E2=two words","LEGACY=value with spaces"]'
	assert_equal "$(cfg Labels t1)" '{"a":"b","c d":"e f"}'
	assert_equal "$(cfg WorkingDir t1)" '"/w/sub"'
	assert_equal "$(cfg User t1)" '"1:2"'
	assert_equal "$(cfg ExposedPorts t1)" '{"80/tcp":{},"53/udp":{}}'
	assert_equal "$(cfg Volumes t1)" '{"/data":{}}'
	assert_equal "$(cfg StopSignal t1)" '"SIGUSR1"'
	assert_equal "$(cfg Entrypoint t1)" '["/bin/sh","-c"]'
	assert_equal "$(cfg Cmd t1)" '["echo hi"]'
	assert_equal "$(cfg Healthcheck t1)" '{"Interval":5000000000,"Retries":2,"Test":["CMD-SHELL","true"]}'
	run -0 pea_out image inspect --format '{{.Author}}' t1
	assert_output someone
	# history as buildah writes it
	run -0 pea_out history --no-trunc --format '{{.CreatedBy}}' t1
	assert_line '/bin/sh -c #(nop) ENV E1=v1 E2=two words'
	assert_line '|1 FOO=bar /bin/sh -c echo "ran $FOO $E2" > /out &&     cat /out'
	run -0 pea_cmd run --rm --user 0 t1 'cat /out /tmp/file1; pwd'
	assert_output $'ran bar two words\nhello\n/w/sub'
	# no working container is left
	run -0 pea_cmd ps -a -q
	assert_output ""
}

@test "build: the cache of steps, --no-cache, --layers=false, -q and --iidfile" {
	printf 'FROM busybox\nRUN echo one > /one\nENV X=1\n' >"$CTX/Containerfile"
	run -0 pea_cmd build -t c1 "$CTX"
	refute_output --partial "Using cache"
	first="${lines[-1]}"
	run -0 pea_cmd build -t c1 "$CTX"
	assert_output --partial "--> Using cache"
	assert_equal "${lines[-1]}" "$first"
	run -0 pea_cmd build --no-cache -t c1 "$CTX"
	refute_output --partial "Using cache"
	run -0 pea_cmd build --layers=false -t c2 "$CTX"
	refute_output --partial "Using cache"
	run -0 pea_cmd build -q --iidfile "$TEST_DIR/iid" -t c3 "$CTX"
	assert_output --regexp '^[0-9a-f]{64}$'
	assert_equal "$(cat "$TEST_DIR/iid")" "sha256:$output"
	run -0 pea_cmd run --rm c2 cat /one
	assert_output one
	# --squash-all: one layer with every file, the config kept
	run -0 pea_cmd build --squash-all -t sq "$CTX"
	assert_equal "$(pea_out image inspect sq | jq '.[0].RootFS.Layers | length')" 1
	run -0 pea_cmd run --rm sq sh -c 'cat /one; echo $X; test -x /bin/busybox && echo bb'
	assert_output $'one\n1\nbb'
	run -125 pea_cmd build --squash -t sq2 "$CTX"
	assert_output "Error: --squash is not supported yet (--squash-all is)"
	# BUILDAH_LAYERS=false in pea's environment is --layers=false
	run -0 env BUILDAH_LAYERS=false bash -c "$(declare -f pea_direct); PEA=$PEA; FE_ARGS=(${FE_ARGS[*]}); pea_direct build -t c4 $CTX"
	refute_output --partial "Using cache"
}

@test "build: multi-stage, --target, COPY --from a stage and an image, FROM a stage" {
	cat >"$CTX/Containerfile" <<'EOF'
FROM busybox AS first
RUN echo from-first > /f
FROM first AS second
RUN echo from-second > /s
FROM busybox
COPY --from=first /f /got-f
COPY --from=1 /s /got-s
COPY --from=busybox /bin/busybox /bb
EOF
	run -0 pea_cmd build --platform "linux/$(pea_out image inspect --format '{{.Architecture}}' busybox)" \
		-t ms "$CTX"
	assert_line "[1/3] STEP 1/2: FROM busybox AS first"
	assert_line "[3/3] STEP 4/4: COPY --from=busybox /bin/busybox /bb"
	run -0 pea_cmd run --rm ms sh -c 'cat /got-f /got-s; test -x /bb && echo x; test -e /f || echo no-f'
	assert_output $'from-first\nfrom-second\nx\nno-f'
	run -0 pea_cmd build --target first -t ms1 "$CTX"
	refute_output --partial "[2/"
	run -0 pea_cmd run --rm ms1 cat /f
	assert_output from-first
	run -125 pea_cmd build --target nosuch "$CTX"
	assert_output --partial 'the target "nosuch" was not found'
}

@test "build: COPY and ADD: globs, folders, --chown, --chmod, hard links, tars, ignore files" {
	mkdir -p "$CTX/dir/sub" "$CTX/skip"
	echo a >"$CTX/a.txt"
	echo b >"$CTX/b.txt"
	echo c >"$CTX/dir/sub/c"
	echo no >"$CTX/skip/x"
	echo keep >"$CTX/dir/keep.tmp"
	echo drop >"$CTX/dir/drop.tmp"
	ln "$CTX/a.txt" "$CTX/hard.txt"
	mkdir -p "$TEST_DIR/t/inner"
	echo intar >"$TEST_DIR/t/inner/f"
	tar -C "$TEST_DIR/t" -czf "$CTX/x.tar.gz" inner
	printf 'skip\n**/*.tmp\n!dir/keep.tmp\n' >"$CTX/.containerignore"
	cat >"$CTX/Containerfile" <<'EOF'
FROM busybox
COPY *.txt /g/
COPY dir /d
COPY --chown=nobody:2 --chmod=600 a.txt /owned
ADD x.tar.gz /untar/
COPY . /all/
EOF
	run -0 pea_cmd build -t cp1 "$CTX"
	run -0 pea_cmd run --rm cp1 sh -c 'ls /g; cat /d/sub/c; ls /d; stat -c "%u:%g %a" /owned; cat /untar/inner/f;
		ls /all; stat -c %h /all/a.txt'
	assert_output $'a.txt\nb.txt\nhard.txt\nc\nkeep.tmp\nsub\n65534:2 600\nintar\nContainerfile\na.txt\nb.txt\ndir\nhard.txt\nx.tar.gz\n2'
	# --ignorefile names another file
	printf 'b.txt\n' >"$TEST_DIR/ign"
	printf 'FROM busybox\nCOPY b.txt /\n' >"$CTX/Containerfile"
	run -125 pea_cmd build --ignorefile "$TEST_DIR/ign" -t cp2 "$CTX"
	assert_output --partial 'building at STEP "COPY b.txt /"'
	# an excluded folder is walked only when a '!' pattern names something below it (as
	# buildah: '!*/keep' does not take back empty/keep); nothing taken back is an error
	mkdir -p "$CTX/ex/in" "$CTX/empty"
	echo back >"$CTX/ex/in/sub1"
	echo no >"$CTX/ex/in/other"
	echo no >"$CTX/empty/keep"
	printf 'ex\nempty\n!ex/in/sub1\n!*/keep\n' >"$CTX/.containerignore"
	printf 'FROM busybox\nCOPY ex /ex\n' >"$CTX/Containerfile"
	run -0 pea_cmd build -t cp3 "$CTX"
	run -0 pea_cmd run --rm cp3 find /ex -type f
	assert_output /ex/in/sub1
	printf 'FROM busybox\nCOPY empty /e\n' >"$CTX/Containerfile"
	run -125 pea_cmd build -t cp4 "$CTX"
	assert_output --partial "'empty' is excluded by the ignore file"
}

@test "build: ONBUILD triggers, SHELL, --build-arg, --env, --label, --from" {
	cat >"$CTX/Containerfile" <<'EOF'
FROM busybox
ONBUILD RUN echo triggered > /trig
SHELL ["/bin/sh", "-ec"]
EOF
	run -0 pea_cmd build -t base1 "$CTX"
	assert_equal "$(cfg OnBuild base1)" '["RUN echo triggered > /trig"]'
	cat >"$CTX/Containerfile" <<'EOF'
FROM base1
ARG V=default
ARG UNSET
RUN echo "$V-${UNSET:-none}-${V:+set}-$E" > /v
EOF
	run -0 pea_cmd build --build-arg V=given --build-arg EXTRA=1 --env E=env \
		--label lab=el -t child "$CTX"
	assert_output --partial "[Warning] one or more build args were not consumed: [EXTRA]"
	run -0 pea_cmd run --rm child cat /trig /v
	assert_output $'triggered\ngiven-none-set-env'
	assert_equal "$(cfg OnBuild child)" ''
	assert_equal "$(cfg Labels child)" '{"lab":"el"}'
	# --annotation: in the manifest
	run -0 pea_cmd build --annotation an=no --annotation k=v -t annot "$CTX"
	id="$(pea_out image inspect --format '{{.Id}}' annot)"
	mpath="$("$PEA_STORAGE" --root "$FE_ROOT/storage" --runroot "$FE_RUNROOT/storage" image inspect \
		"$id" | jq -r .result.manifest_path)"
	assert_equal "$(jq -c .annotations "$mpath")" '{"an":"no","k":"v"}'
	# --from replaces the first FROM's image
	printf 'FROM nosuch\nRUN test -e /trig && echo yes\n' >"$CTX/Containerfile"
	run -0 pea_cmd build --from child -t fromflag "$CTX"
	assert_line yes
}

@test "build: context and Containerfile from standard input, -f relative to the context" {
	printf 'FROM busybox\nRUN echo piped\n' >"$TEST_DIR/cf"
	run -0 pea_direct build -t s1 - <"$TEST_DIR/cf"
	assert_line piped
	echo intar >"$CTX/f"
	printf 'FROM busybox\nCOPY f /f\n' >"$CTX/Other"
	tar -C "$CTX" -cf "$TEST_DIR/ctx.tar" .
	run -0 pea_direct build -t s2 -f Other - <"$TEST_DIR/ctx.tar"
	run -0 pea_cmd run --rm s2 cat /f
	assert_output intar
	run -0 pea_direct build --no-cache -t s3 -f - "$CTX" <"$TEST_DIR/cf"
	assert_line piped
	run -0 pea_cmd build -t s4 -f Other "$CTX"
	# buildx build is build
	run -0 pea_cmd buildx build --load -t s5 -f Other "$CTX"
	assert_line "COMMIT s5"
}

@test "build: ADD of a URL (busybox httpd in a network namespace)" {
	require_cmd ip
	ns="pea-bld-$$"
	ip netns add "$ns"
	ip -n "$ns" link set lo up
	mkdir -p "$TEST_DIR/www"
	echo served >"$TEST_DIR/www/page.txt"
	nsenter --net="/run/netns/$ns" -- "$BUSYBOX_ROOTFS/bin/busybox" httpd -f -p 127.0.0.1:18080 \
		-h "$TEST_DIR/www" 3>&- &
	httpd=$!
	for _ in $(seq 50); do
		nsenter --net="/run/netns/$ns" -- timeout -k 2 2 "$BUSYBOX_ROOTFS/bin/busybox" wget -q -O /dev/null \
			http://127.0.0.1:18080/page.txt 2>/dev/null && break
		sleep 0.1
	done
	printf 'FROM busybox\nADD http://127.0.0.1:18080/page.txt /web/\nCOPY http://127.0.0.1:18080/page.txt /x\n' \
		>"$CTX/Containerfile"
	printf 'FROM busybox\nADD http://127.0.0.1:18080/page.txt /web/\n' >"$CTX/Good"
	run timeout -k 5 60 nsenter --net="/run/netns/$ns" -- "$PEA" "${FE_ARGS[@]}" build -t u1 -f Good "$CTX"
	run2_status=$status
	run2_output=$output
	run timeout -k 5 60 nsenter --net="/run/netns/$ns" -- "$PEA" "${FE_ARGS[@]}" build -t u2 "$CTX"
	kill "$httpd"
	wait "$httpd" || true
	ip netns delete "$ns"
	assert_equal "$status" 125
	assert_output --partial "source can't be a URL for COPY"
	assert_equal "$run2_status" 0 "$run2_output"
	run -0 pea_cmd run --rm u1 sh -c 'cat /web/page.txt; stat -c %a /web/page.txt'
	assert_output $'served\n600'
}

@test "build: errors: one line naming what was wrong, nothing left behind" {
	run -125 pea_cmd build -t e "$TEST_DIR/nosuch"
	assert_output --partial "nosuch: No such file or directory"
	run -125 pea_cmd build -t e "$CTX"
	assert_output "Error: no Containerfile or Dockerfile specified or found in context directory, $CTX: stat $CTX/Dockerfile: no such file or directory"
	run -125 pea_cmd build -t e -f Nope "$CTX"
	assert_output --partial "Nope: no such file or directory"
	printf 'FROM busybox\nFOO bar\n' >"$CTX/Containerfile"
	run -125 pea_cmd build -t e "$CTX"
	assert_output "Error: line 2: unknown instruction: FOO"
	printf 'RUN true\n' >"$CTX/Containerfile"
	run -125 pea_cmd build -t e "$CTX"
	assert_output --partial "no FROM statement found"
	printf 'FROM busybox\nARG bad-name=1\n' >"$CTX/Containerfile"
	run -125 pea_cmd build -t e "$CTX"
	assert_output --partial "ARG: bad name 'bad-name'"
	# Go's durations, as --health-interval takes them (go_parse_duration)
	printf 'FROM busybox\nHEALTHCHECK --interval=1e3s CMD true\n' >"$CTX/Containerfile"
	run -125 pea_cmd build -t e "$CTX"
	assert_output --partial "HEALTHCHECK: bad duration --interval=1e3s: unknown unit"
	printf 'FROM busybox\nHEALTHCHECK --timeout=10 CMD true\n' >"$CTX/Containerfile"
	run -125 pea_cmd build -t e "$CTX"
	assert_output --partial "HEALTHCHECK: bad duration --timeout=10: missing unit in duration"
	printf 'FROM busybox\nENV X="unterminated\n' >"$CTX/Containerfile"
	run -125 pea_cmd build -t e "$CTX"
	assert_output --partial "unexpected end of statement while looking for matching"
	printf 'FROM busybox\nCOPY ../outside /x\n' >"$CTX/Containerfile"
	touch "$TEST_DIR/outside"
	run -125 pea_cmd build -t e "$CTX"
	assert_output --partial 'building at STEP "COPY ../outside /x": forbidden path outside the build context'
	# ADD of a tar: an entry or a hard link that climbs out is refused; "a..b" is a name
	python3 - "$CTX/evil.tar" "$CTX/link.tar" "$CTX/dots.tar" <<'PY'
import io, sys, tarfile
def mk(path, entries):
    with tarfile.open(path, "w") as t:
        for name, link in entries:
            i = tarfile.TarInfo(name)
            if link:
                i.type, i.linkname = tarfile.LNKTYPE, link
                t.addfile(i)
            else:
                i.size = 2
                t.addfile(i, io.BytesIO(b"x\n"))
mk(sys.argv[1], [("../up", None)])
mk(sys.argv[2], [("f", None), ("h", "../../etc/shadow")])
mk(sys.argv[3], [("a..b", None)])
PY
	printf 'FROM busybox\nADD evil.tar /t/\n' >"$CTX/Containerfile"
	run -125 pea_cmd build -t e "$CTX"
	assert_output --partial "'../up' in "
	assert_output --partial "escapes the folder"
	printf 'FROM busybox\nADD link.tar /t/\n' >"$CTX/Containerfile"
	run -125 pea_cmd build -t e "$CTX"
	assert_output --partial "link 'h' -> '../../etc/shadow' in "
	printf 'FROM busybox\nADD dots.tar /t/\n' >"$CTX/Containerfile"
	run -0 pea_cmd build -t dots "$CTX"
	run -0 pea_cmd run --rm dots cat /t/a..b
	assert_output x
	run -0 pea_cmd rmi dots
	printf 'FROM busybox\nCOPY missing /x\n' >"$CTX/Containerfile"
	run -125 pea_cmd build -t e "$CTX"
	assert_output --partial 'building at STEP "COPY missing /x"'
	assert_output --partial 'no such file or directory'
	printf 'FROM busybox\nCOPY --from=nostage /x /x\n' >"$CTX/Containerfile"
	run -125 pea_cmd build --pull=never -t e "$CTX"
	assert_output --partial 'building at STEP "COPY --from=nostage /x /x": --from=nostage: nostage: image not known'
	printf 'FROM nosuchimage\n' >"$CTX/Containerfile"
	run -125 pea_cmd build --pull=never -t e "$CTX"
	assert_output --partial 'Error: creating build container: nosuchimage: image not known'
	run -125 pea_cmd build --authfile "$TEST_DIR/nosuch.json" "$CTX"
	assert_output "Error: checking authfile: stat $TEST_DIR/nosuch.json: no such file or directory"
	run -125 pea_cmd --runtime=idonotexist build "$CTX"
	assert_output 'Error: default OCI runtime "idonotexist" not found: invalid argument'
	printf 'FROM --platform=linux/arm64 busybox\n' >"$CTX/Containerfile"
	run -125 pea_cmd build --pull=never "$CTX"
	assert_output --partial "Error: creating build container: busybox: no local image for platform linux/arm64"
	run -125 pea_cmd build --platform=bad/x/y/z "$CTX"
	assert_output --partial 'invalid platform "bad/x/y/z"'
	printf 'FROM --bogus busybox\n' >"$CTX/Containerfile"
	run -125 pea_cmd build "$CTX"
	assert_output --partial "FROM: unknown flag --bogus"
	run -125 pea_cmd build --format=xml "$CTX"
	assert_output --partial 'unrecognized image type "xml"'
	# a failing RUN: its status, the step named, no image, no container
	printf 'FROM busybox\nRUN echo partial > /p && exit 3\n' >"$CTX/Containerfile"
	run -3 pea_cmd build -t e "$CTX"
	assert_line 'Error: building at STEP "RUN echo partial > /p && exit 3": while running runtime: exit status 3'
	run -0 pea_cmd ps -a -q
	assert_output ""
	run -1 pea_cmd image exists e
}

@test "build: a signal to pea build removes the step's container, and its output ends" {
	printf 'FROM busybox\nRUN sleep 1000\n' >"$CTX/Containerfile"
	# a container left running would hold the pipe to cat open: the outer KILL, 137
	run -124 timeout -s KILL 60 bash -c 'set -o pipefail; timeout -s TERM 3 "$@" | cat' _ \
		tini -s -- "$PEA" "${FE_ARGS[@]}" build -t never "$CTX"
	assert_output --partial 'Error: building at STEP "RUN sleep 1000": interrupted by SIGTERM'
	run -0 pea_cmd ps -a -q
	assert_output ""
	run -1 pea_cmd image exists never
}

@test "build: RUN here-documents, -v and --network for RUN, the proxy build args" {
	mkdir -p "$TEST_DIR/vol"
	echo from-volume >"$TEST_DIR/vol/f"
	printf '%s\n' 'FROM busybox' 'RUN <<EOF' 'echo script > /h' 'echo "$http_proxy" > /p' 'EOF' \
		'RUN cat <<-"END" > /h2' '	quoted $X' '	END' \
		'RUN cat /mnt/f > /copied && ls /sys/class/net > /nets' >"$CTX/Containerfile"
	run -0 pea_cmd build -v "$TEST_DIR/vol:/mnt:ro" --network none \
		--build-arg http_proxy=http://proxy:3128 -t hd "$CTX"
	refute_output --partial "not consumed"
	run -0 pea_cmd run --rm hd cat /h /p /h2 /copied /nets
	assert_output $'script\nhttp://proxy:3128\nquoted $X\nfrom-volume\nlo'
	# the volume's files are not in the image
	run -1 pea_cmd run --rm hd test -e /mnt/f
	# --cap-drop for RUN; --logfile takes the output
	printf 'FROM busybox\nRUN grep CapEff /proc/self/status\n' >"$CTX/Containerfile"
	run -0 pea_cmd build --no-cache --cap-drop=all --logfile "$TEST_DIR/log" -t caps "$CTX"
	assert_output ""
	run -0 grep -E '^CapEff:[[:space:]]+0+$' "$TEST_DIR/log"
	run -0 grep -x "COMMIT caps" "$TEST_DIR/log"
	printf 'FROM busybox\nRUN <<EOF\necho never ends\n' >"$CTX/Containerfile"
	run -125 pea_cmd build -t hd2 "$CTX"
	assert_output "Error: line 2: here-document 'EOF' never ends"
}

@test "build: COPY resolves symlinks inside their root (context, --from image, destination)" {
	echo a >"$CTX/a.txt"
	mkdir -p "$CTX/etc" "$CTX/sub"
	echo inside >"$CTX/etc/passwd"
	ln -s a.txt "$CTX/link"
	ln -s /etc/passwd "$CTX/abs"
	ln -s ../../../../etc/passwd "$CTX/sub/up"
	ln -s /etc "$CTX/etcdir"
	cat >"$CTX/Containerfile" <<'EOF2'
FROM busybox AS src
RUN echo inimage > /marker && ln -s /marker /absm && ln -s ../../../marker /relm && \
	mkdir -p /usr/b2 /usr/b3 && ln -s usr/b2 /b2 && ln -s /usr/b3 /b3 && ln -s ../../../../usr/b2 /esc
FROM src
COPY link /l
COPY link /d/
COPY abs /abs
COPY sub/up /up
COPY etcdir/passwd /viadir
COPY --from=src /absm /relm /m/
COPY --from=src /b2 /fromdir
COPY a.txt /b2/
COPY a.txt /b3/x
COPY a.txt /esc/e
EOF2
	run -0 pea_cmd build -t sym1 "$CTX"
	run -0 pea_cmd run --rm sym1 sh -c 'cat /l; ls /d; test -L /d/link || echo notlink; cat /abs /up /viadir;
		ls /m; cat /m/absm /m/relm; test -d /fromdir && echo dir;
		test -L /b2 && test -L /b3 && test -L /esc && echo links-kept; cat /usr/b2/a.txt /usr/b3/x /usr/b2/e'
	assert_output $'a\nlink\nnotlink\ninside\ninside\ninside\nabsm\nrelm\ninimage\ninimage\ndir\nlinks-kept\na\na\na'
	# no image is left mounted (an fd open on the root made its unmount fail)
	run -0 pea_cmd image prune -f
	run -1 grep -F " $FE_ROOT/" /proc/self/mountinfo
	# a symlink to what is not inside the context is missing, never the host's file
	rm "$CTX/etc/passwd"
	printf 'FROM busybox\nCOPY abs /abs\n' >"$CTX/Containerfile"
	run -125 pea_cmd build -t sym2 "$CTX"
	assert_output --partial 'copier: stat: "/abs": no such file or directory'
	run -1 pea_cmd image exists sym2
}

@test "build: a step whose image cannot be made leaves no layer behind (COPY, RUN, --squash-all)" {
	store() {
		"$PEA_STORAGE" --root "$FE_ROOT/storage" --runroot "$FE_RUNROOT/storage" "$@"
	}
	echo a >"$CTX/a"
	before="$(store layer list | jq -c '[.result[].id] | sort')"
	for cf in 'COPY a /a' 'RUN echo x > /x'; do
		printf 'FROM busybox\n%s\n' "$cf" >"$CTX/Containerfile"
		PEA_STORAGE_TEST_CRASH=image-before-record run -125 pea_direct build -t crash "$CTX" </dev/null
		assert_equal "$(store layer list | jq -c '[.result[].id] | sort')" "$before"
	done
	printf 'FROM busybox\n' >"$CTX/Containerfile"
	PEA_STORAGE_TEST_CRASH=image-before-record run -125 pea_direct build --squash-all -t crash "$CTX" </dev/null
	assert_equal "$(store layer list | jq -c '[.result[].id] | sort')" "$before"
	run -1 pea_cmd image exists crash
	# and one that works leaves no image mounted
	run -0 pea_cmd build --squash-all -t sq "$CTX"
	run -1 grep -F " $FE_ROOT/" /proc/self/mountinfo
}

@test "build: --os, --arch and --variant make the platform; --timestamp is refused" {
	printf 'FROM busybox\nRUN true\n' >"$CTX/Containerfile"
	arch="$(pea_out image inspect --format '{{.Architecture}}' busybox)"
	run -0 pea_cmd build --os linux --arch "$arch" -t plat1 "$CTX"
	assert_line "COMMIT plat1"
	# another architecture is not the local image (and nothing is pulled here)
	run -125 pea_cmd build --pull=never --arch nosucharch -t plat2 "$CTX"
	assert_output --partial "busybox"
	run -1 pea_cmd image exists plat2
	run -125 pea_cmd build --platform linux/arm64 --variant 'a b' -t plat2 "$CTX"
	assert_output --partial 'invalid platform "linux/arm64/a b"'
	run -125 pea_cmd build --timestamp 0 -t plat2 "$CTX"
	assert_output "Error: --timestamp is not supported"
}

@test "build: RUN --mount=type=bind (read-only, inside the context), tmpfs and cache (kept between builds)" {
	mkdir -p "$CTX/sub"
	echo ctxfile >"$CTX/sub/f"
	ln -s /etc "$CTX/etclink"
	cat >"$CTX/Containerfile" <<'EOF2'
FROM busybox
RUN --mount=type=bind,source=sub,target=/src cat /src/f > /copied && \
	(touch /src/x 2>/dev/null && echo writable || echo read-only) > /ro
RUN --mount=type=tmpfs,target=/t grep -q ' /t tmpfs' /proc/mounts && echo tmpfs > /tm
RUN --mount=type=cache,target=/cache,id=c1 echo one >> /cache/log; cat /cache/log > /seen
EOF2
	run -0 pea_cmd build -t rm1 "$CTX"
	# what was mounted is not in the image
	run -0 pea_cmd run --rm rm1 sh -c 'cat /copied /ro /tm /seen; cat /src/f /cache/log 2>/dev/null | wc -l'
	assert_output $'ctxfile\nread-only\ntmpfs\none\n0'
	# the cache folder outlives the build; another build's step writes to it again
	sed -i 's/echo one/echo two/' "$CTX/Containerfile"
	run -0 pea_cmd build -t rm2 "$CTX"
	run -0 pea_cmd run --rm rm2 cat /seen
	assert_output $'one\ntwo'
	# a source is found inside the context: '../..' is the context, a link to /etc its etc
	printf 'FROM busybox\nRUN --mount=type=bind,source=../..,target=/up ls /up\n' >"$CTX/Containerfile"
	run -0 pea_cmd build -t rm3 "$CTX"
	assert_line Containerfile
	printf 'FROM busybox\nRUN --mount=type=bind,source=etclink,target=/e ls /e\n' >"$CTX/Containerfile"
	run -125 pea_cmd build -t rm3 "$CTX"
	assert_output --partial "source: open 'etclink': No such file or directory"
	for bad in 'type=bind,target=/x,rw' 'type=volume,target=/x' 'type=bind,source=sub' \
		'type=bind,target=/x,from=busybox' 'type=bind,target=/x,bogus=1'; do
		printf 'FROM busybox\nRUN --mount=%s true\n' "$bad" >"$CTX/Containerfile"
		run -125 pea_cmd build -t rm4 "$CTX"
		assert_output --partial "RUN --mount=$bad: "
	done
	printf 'FROM busybox\nRUN --network=none true\n' >"$CTX/Containerfile"
	run -125 pea_cmd build -t rm4 "$CTX"
	assert_output --partial "RUN --network=none is not supported"
	run -1 pea_cmd image exists rm4
	run -0 pea_cmd ps -aq
	assert_output ""
}
