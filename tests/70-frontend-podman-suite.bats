#!/usr/bin/env bats
# pea as podman 4.3.1's own system tests (test/system) expect it: each test here is
# one incompatibility those tests found, fixed (issue #11).
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
	require_cmd tini
	fe_setup
	fe_load_busybox
}

teardown() {
	# the tests that made a network namespace of their own (fe_net_setup)
	if [[ -n "${FE_NETNS:-}" ]]; then
		fe_net_teardown
	fi
	fe_teardown
}

@test "ps: --external, --sort, -n/--last, --noheading, a status filter lists stopped ones" {
	run -0 pea_cmd run -d --name runner busybox sleep 1000
	run -0 pea_cmd run --name stopped busybox true
	run -1 pea_cmd run --name failed busybox false
	run -0 pea_cmd create --name created busybox echo hi
	# basic_setup of podman's suite: nothing but the header, no external containers here
	run -0 pea_cmd ps --external --format '{{.Names}}'
	assert_output runner
	run -0 pea_cmd ps --noheading --format 'table {{.Names}}'
	assert_output runner
	# without -a, a name filter sees running containers only
	run -0 pea_cmd ps --filter name=stopped --format '{{.Names}}'
	assert_output ''
	run -0 pea_cmd ps -a --filter name=stopped --format '{{.Names}}'
	assert_output stopped
	# a status filter implies -a
	run -0 pea_cmd ps --filter status=exited --sort names --format '{{.Names}}'
	assert_output $'failed\nstopped'
	run -0 pea_cmd ps --filter status=exited --filter exited=1 --format '{{.Names}}'
	assert_output failed
	run -0 pea_cmd ps -a --sort created --format '{{.Names}}'
	assert_output $'runner\nstopped\nfailed\ncreated'
	run -0 pea_cmd ps -a --sort names --format '{{.Names}}'
	assert_output $'created\nfailed\nrunner\nstopped'
	run -0 pea_cmd ps -a --sort status --format '{{.Names}}'
	assert_output $'created\nstopped\nfailed\nrunner'
	# -n N: the N created last, in any state, oldest first
	run -0 pea_cmd ps -n 2 --format '{{.Names}}'
	assert_output $'failed\ncreated'
	run -0 pea_cmd ps --last=1 --format '{{.Names}}'
	assert_output created
	run -0 pea_cmd ps -n 2 --filter name=r --format '{{.Names}}'
	assert_output $'runner\ncreated'
	run -125 pea_cmd ps --sort bogus
	assert_output 'Error: invalid argument "bogus" for "--sort" flag: "bogus" is not a valid value.  Choose from: "command, created, id, image, names, runningfor, size, status"'
	run -125 pea_cmd ps -n x
	assert_output 'Error: invalid argument "x" for "-n, --last" flag: strconv.ParseInt: parsing "x": invalid syntax'
	run -125 pea_cmd ps -n 1 --latest
	assert_output 'Error: last and latest are mutually exclusive'
	run -0 pea_cmd rm -f runner
}

@test "templates: {{.ID}} on inspect, {{.F | upper}}, index on maps and arrays" {
	run -0 pea_cmd create --name c1 --label a=b busybox true
	id="$(pea_out inspect --format '{{.Id}}' c1)"
	# podman renders Go structs: .ID is the field the JSON calls Id
	run -0 pea_cmd inspect --format '{{.ID}}' c1
	assert_output "$id"
	iid="$(pea_out inspect --format '{{.Id}}' busybox)"
	run -0 pea_cmd inspect --format '{{.ID}}' busybox
	assert_output "$iid"
	run -0 pea_cmd images --format '{{.ID| upper}}'
	assert_output "$(tr a-f A-F <<<"${iid:0:12}")"
	run -0 pea_cmd inspect --format '{{ .Name | lower }}|{{.Name|json}}' c1
	assert_output 'c1|"c1"'
	run -0 pea_cmd inspect --format '{{index .Config.Labels "a"}}|{{index .Config.Labels "x"}}' c1
	assert_output 'b|<no value>'
	run -0 pea_cmd ps -a --format '{{.Labels}} {{index .Labels "a"}}'
	assert_output 'map[a:b] b'
	run -0 pea_cmd ps -a --format json
	assert_equal "$(jq -c '.[0].Labels' <<<"$output")" '{"a":"b"}'
	run -0 pea_cmd inspect --format '{{(index .RepoTags 0)}}|{{json (index .RepoTags 0)}}' busybox
	assert_output 'localhost/busybox:latest|"localhost/busybox:latest"'
	run -0 pea_cmd inspect --format '{{(index .Config.Cmd 0)}}' c1
	assert_output true
	run -125 pea_cmd inspect --format '{{index .RepoTags 3}}' busybox
	assert_output 'Error: template: inspect:1:13: executing "inspect" at <index>: error calling index: index out of range: 3'
	run -125 pea_cmd inspect --format '{{.ID | title}}' c1
	assert_output "Error: template: unsupported action '{{.ID | title}}': the functions are json, upper, lower and index"
	run -125 pea_cmd inspect --format '{{(index .RepoTags 0}}' busybox
	assert_output --partial "Error: template: unsupported action"
	run -125 pea_cmd inspect --format '{{.XYZ}}' c1
	assert_output --partial "can't evaluate field XYZ"
	# a format without "table" prints as it is (tabs stay tabs); "table" aligns
	run -0 pea_cmd images --format '{{.Repository}}\t{{.Tag}}'
	assert_output $'localhost/busybox\tlatest'
	run -0 pea_cmd history --format '{{.ID}}\t{{.ID}}' busybox
	assert_line -n 0 "${iid:0:12}"$'\t'"${iid:0:12}"
	run -0 pea_cmd images --format 'table {{.Repository}}\t{{.Tag}}'
	assert_output $'REPOSITORY         TAG\nlocalhost/busybox  latest'
	run -0 pea_cmd images --noheading --format 'table {{.Repository}}\t{{.Tag}}'
	assert_output 'localhost/busybox  latest'
}

@test "logs: --since and --until (a time, a Unix time, a duration), several containers prefixed, -n, -l" {
	before="$(date --iso-8601=seconds -d '-2 seconds')"
	run -0 pea_cmd run --name l1 busybox sh -c 'echo one; echo two >&2'
	run -0 pea_cmd run --name l2 busybox echo three
	id1="$(pea_out inspect --format '{{.Id}}' l1)"
	id2="$(pea_out inspect --format '{{.Id}}' l2)"
	run -0 pea_cmd logs --since "$before" l1
	assert_output $'one\ntwo'
	run -0 pea_cmd logs --since 1000 --until 10m l1
	assert_output $'one\ntwo'
	run -0 pea_cmd logs --since 2000-01-01 l1
	assert_output $'one\ntwo'
	run -0 pea_cmd logs --until "$before" l1
	assert_output ''
	run -0 pea_cmd logs --until 1000 l1
	assert_output ''
	run -0 pea_cmd logs --since 1m --until 1h30m l1
	assert_output $'one\ntwo'
	run -0 pea_cmd logs --since "$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%S.5Z)" l1
	assert_output ''
	# several containers: each line after the container's short ID, or its name with -n
	run -0 --separate-stderr pea_cmd logs l1 l2
	assert_output "${id1:0:12} one
${id2:0:12} three"
	assert_equal "$stderr" "${id1:0:12} two"
	run -0 pea_cmd logs -f --names l2 l1
	assert_line -n 0 'l2 three'
	assert_line 'l1 one'
	assert_line 'l1 two'
	run -0 pea_cmd logs -l --tail 1
	assert_output three
	run -0 pea_cmd container logs --latest -t
	assert_output --regexp '^[0-9-]+T[0-9:.]+([+-][0-9:]+|Z) three$'
	run -125 pea_cmd logs --since xyz l1
	assert_output 'Error: parsing --since "xyz": unable to interpret time value'
	run -125 pea_cmd logs --until 5q l1
	assert_output 'Error: parsing --until "5q": unable to interpret time value'
	run -125 pea_cmd logs --since 2020-13-45 l1
	assert_output 'Error: parsing --since "2020-13-45": unable to interpret time value'
	run -125 pea_cmd logs -l l1
	assert_output 'Error: --latest and containers cannot be used together'
}

@test "info: podman's keys (distribution, logDriver, graphOptions, ...), .Host.CgroupsVersion" {
	run -0 pea_cmd info --format json
	info="$output"
	. /etc/os-release
	assert_equal "$(jq -r .host.distribution.distribution <<<"$info")" "$ID"
	assert_equal "$(jq -r .host.logDriver <<<"$info")" k8s-file
	assert_equal "$(jq -r .host.networkBackend <<<"$info")" netavark
	assert_equal "$(jq -c .store.graphOptions <<<"$info")" '{}'
	assert_equal "$(jq -c .store.graphStatus <<<"$info")" '{}'
	assert_regex "$(jq -r .store.configFile <<<"$info")" '^/'
	assert_equal "$(jq -r 'has("executable")' <<<"$(jq .host.slirp4netns <<<"$info")")" true
	run -0 pea_cmd info
	assert_line '  graphOptions: {}'
	assert_line '  logDriver: k8s-file'
	run -0 pea_cmd info --format '{{.Host.CgroupsVersion}} {{.Host.OCIRuntime.Name}} {{.Host.Distribution.Distribution}}'
	assert_output --regexp "^v[12] pea-runtime $ID\$"
	run -0 pea_cmd --storage-opt=overlay.mountopt=nodev info --format '{{.Store.GraphOptions}}'
	assert_output 'map[overlay.mountopt:nodev]'
}

@test "rmi --force of a missing image, container exists, podman's global options" {
	run -1 pea_cmd image rm bogus
	assert_output 'Error: bogus: image not known'
	run -0 pea_cmd image rm --force bogus
	assert_output ''
	run -0 pea_cmd create --name here busybox true
	run -0 pea_cmd container exists here
	assert_output ''
	run -1 pea_cmd container exists nothere
	assert_output ''
	run -125 pea_cmd container exists
	assert_output 'Error: accepts 1 arg(s), received 0'
	# accepted: pea keeps no event log, makes cgroups itself
	run -0 pea_cmd --events-backend=file --cgroup-manager=cgroupfs --tmpdir=/tmp --syslog \
		ps -a --format '{{.Names}}'
	assert_output here
	run -0 --separate-stderr pea_cmd --noout ps -a --format '{{.Names}}'
	assert_output ''
	run -125 pea_cmd --events-backend=bogus ps
	assert_output "Error: invalid events backend 'bogus': use file, journald or none"
	run -125 pea_cmd --cgroup-manager=systemd ps
	assert_output "Error: cgroup manager 'systemd' is not supported: pea makes the cgroups itself (cgroupfs)"
}

@test "volume: rm -t, exit 1 when missing, --force passes over a missing one, name filter is a regex, bind device checked" {
	run -125 pea_cmd volume create -o type=bind -o device=/nonexistent/pea vb
	assert_output "Error: invalid volume option device for driver 'local': stat /nonexistent/pea: no such file or directory"
	run -125 pea_cmd volume inspect vb
	run -0 pea_cmd volume create -o type=bind -o device="$TEST_DIR" vb
	run -0 pea_cmd volume create volume_1_x
	run -0 pea_cmd volume create volume_2_x
	run -0 pea_cmd volume ls --filter 'name=volume_1.+' --format '{{.Name}}'
	assert_output volume_1_x
	run -0 pea_cmd volume ls --filter 'name=volume_1*' --format '{{.Name}}'
	assert_output $'volume_1_x\nvolume_2_x'
	run -125 pea_cmd volume ls --filter 'name=volume_1('
	assert_output 'Error: invalid name filter "volume_1("'
	run -0 pea_cmd run -d --name vu -v volume_1_x:/v busybox sleep 1000
	cid="$(pea_out inspect --format '{{.Id}}' vu)"
	run -2 pea_cmd volume rm volume_1_x
	assert_output "Error: volume volume_1_x is being used by the following container(s): $cid: volume is being used"
	run -1 pea_cmd volume rm bogus
	assert_output 'Error: no volume with name "bogus" found: no such volume'
	run -0 pea_cmd volume rm --force bogus
	assert_output ''
	run -125 pea_cmd volume rm -t x -a
	assert_output 'Error: invalid argument "x" for "-t, --time" flag: strconv.ParseUint: parsing "x": invalid syntax'
	run -0 pea_cmd volume rm -t 0 -a -f
	assert_output $'vb\nvolume_1_x\nvolume_2_x'
	run -0 pea_cmd ps -a --format '{{.Names}}'
	assert_output ''
}

@test "images: a digest is no row of its own, RepoTags/RepoDigests, Labels of the config" {
	registry_start
	registry_push_oci "$BUSYBOX_OCI" "pea/bb:1.0"
	repo="$REGISTRY_ADDR/pea/bb"
	run -0 pea_cmd rmi busybox
	# pulled by digest only: one row, the repository with tag <none>
	run -0 pea_cmd pull -q --tls-verify=false "$repo@$BUSYBOX_MANIFEST_DIGEST"
	run -0 pea_cmd images --format '{{.Repository}} {{.Tag}}'
	assert_output "$repo <none>"
	run -0 pea_cmd images --format json
	assert_equal "$(jq -c '.[0].RepoTags' <<<"$output")" '[]'
	assert_equal "$(jq -r '.[0].RepoDigests[0]' <<<"$output")" "$repo@$BUSYBOX_MANIFEST_DIGEST"
	# then by tag: the tag's row alone
	run -0 pea_cmd pull -q --tls-verify=false "$repo:1.0"
	run -0 pea_cmd images -a --format '{{.Repository}} {{.Tag}}'
	assert_output "$repo 1.0"
	run -0 pea_cmd images --format json
	assert_equal "$(jq -c '.[0].RepoTags' <<<"$output")" "[\"$repo:1.0\"]"
	assert_equal "$(jq -c '.[0].RepoDigests' <<<"$output")" "[\"$repo@$BUSYBOX_MANIFEST_DIGEST\"]"
	assert_equal "$(jq -c '.[0].Labels' <<<"$output")" null
	# a committed image's labels show
	run -0 pea_cmd run --name c "$repo:1.0" true
	run -0 pea_cmd commit -q --change LABEL=team=pea c labelled
	run -0 pea_cmd images --format json labelled
	assert_equal "$(jq -r '.[0].Labels.team' <<<"$output")" pea
}

@test "volume export and import: a tar of the volume's files, owners kept; bad inputs" {
	run -0 pea_cmd volume create src
	run -0 pea_cmd run --rm -v src:/v busybox sh -c 'echo hi >/v/a; mkdir /v/d; echo x >/v/d/b; chown 65534 /v/a'
	run -0 pea_cmd volume export src --output "$TEST_DIR/v.tar"
	run -0 tar tf "$TEST_DIR/v.tar"
	assert_output $'a\nd/\nd/b'
	run -0 pea_cmd volume create dst
	run -0 pea_cmd volume import dst "$TEST_DIR/v.tar"
	run -0 pea_cmd run --rm -v dst:/v busybox sh -c 'cat /v/a /v/d/b; stat -c %u /v/a'
	assert_output $'hi\nx\n65534'
	# to standard output; from standard input ("-")
	pea_cmd volume export src >"$TEST_DIR/v2.tar"
	run -0 tar tf "$TEST_DIR/v2.tar"
	assert_output $'a\nd/\nd/b'
	run -0 pea_cmd volume create dst2
	run -0 bash -c '"$@" <"'"$TEST_DIR"'/v.tar"' _ "$PEA" "${FE_ARGS[@]}" volume import dst2 -
	run -0 pea_cmd run --rm -v dst2:/v busybox cat /v/d/b
	assert_output x
	run -125 pea_cmd volume export nope
	assert_output 'Error: no volume with name "nope" found: no such volume'
	run -125 pea_cmd volume import dst "$TEST_DIR/nonexistent.tar"
	assert_output "Error: open '$TEST_DIR/nonexistent.tar': No such file or directory"
	echo garbage >"$TEST_DIR/bad.tar"
	run -125 pea_cmd volume import dst "$TEST_DIR/bad.tar"
	assert_output 'Error: volume dst: reading the tar stream: Unrecognized archive format'
	run -125 pea_cmd volume import dst
	assert_output 'Error: accepts 2 arg(s), received 1'
}

@test "load from standard input (save | load), as podman does" {
	run -0 pea_cmd save -o "$TEST_DIR/bb.tar" busybox
	run -0 pea_cmd rmi busybox
	run -0 bash -c '"$@" <"'"$TEST_DIR"'/bb.tar"' _ "$PEA" "${FE_ARGS[@]}" load
	assert_output 'Loaded image: localhost/busybox:latest'
	run -0 bash -c 'cat "'"$TEST_DIR"'/bb.tar" | "$@"' _ "$PEA" "${FE_ARGS[@]}" load -q
	assert_output 'Loaded image: localhost/busybox:latest'
	run -0 pea_cmd images --format '{{.Repository}}:{{.Tag}}'
	assert_output localhost/busybox:latest
	run -125 bash -c 'echo junk | "$@"' _ "$PEA" "${FE_ARGS[@]}" load
	assert_output --partial 'Error: standard input: '
	# nothing left behind in the temporary folder
	run -0 find "${TMPDIR:-/var/tmp}" -maxdepth 1 -name 'pea-load-*' -newer "$TEST_DIR/bb.tar"
	assert_output ''
}

@test "image mount and umount, images --sort, diff -l, cp relative to the working directory" {
	iid="$(pea_out inspect --format '{{.Id}}' busybox)"
	run -0 pea_cmd image umount -a
	assert_output ''
	run -0 pea_cmd image mount busybox
	mp="$output"
	[[ -x "$mp/bin/busybox" ]]
	run -0 pea_cmd image mount -a
	assert_output "localhost/busybox:latest $mp"
	run -0 pea_cmd image mount
	assert_output "localhost/busybox:latest $mp"
	run -0 pea_cmd image umount -f busybox
	assert_output "$iid"
	run -0 pea_cmd image umount busybox
	assert_output ''
	run -0 pea_cmd image mount
	assert_output ''
	run -125 pea_cmd image umount no-such
	assert_output 'Error: no-such: image not known'
	run -125 pea_cmd image mount -a busybox
	assert_output 'Error: when using the --all switch, you may not pass any images names or IDs'
	# images --sort
	run -0 pea_cmd tag busybox a.b/c:d
	run -0 pea_cmd tag busybox zz.io/x:1
	run -0 pea_cmd images --sort repository --format '{{.Repository}}:{{.Tag}}'
	assert_output $'a.b/c:d\nlocalhost/busybox:latest\nzz.io/x:1'
	run -0 pea_cmd images --sort tag --format '{{.Tag}}'
	assert_output $'1\nd\nlatest'
	run -125 pea_cmd images --sort foo
	assert_output 'Error: "foo" is not a valid field for sorting. Choose from: created, id, repository, size, tag'
	# diff -l: the container created last
	run -0 pea_cmd run --name d1 busybox sh -c 'touch /new; rm /etc/group'
	run -0 pea_cmd diff --format json -l
	assert_equal "$(jq -c '[.added, .changed, .deleted]' <<<"$output")" '[["/new"],["/etc"],["/etc/group"]]'
	run -125 pea_cmd diff -l d1
	assert_output 'Error: --latest and containers cannot be used together'
	# cp: a relative path in the container starts at its working directory
	run -0 pea_cmd run -d --name cw --workdir /tmp busybox sh -c 'mkdir -p /tmp/sub; echo one >/tmp/f1; echo two >/tmp/sub/f2; sleep 1000'
	for _ in $(seq 50); do pea_cmd exec cw test -e /tmp/sub/f2 && break; sleep 0.1; done
	mkdir "$TEST_DIR/out"
	run -0 pea_cmd cp cw:f1 "$TEST_DIR/out/"
	run -0 pea_cmd cp --pause=false cw:sub/f2 "$TEST_DIR/out/"
	assert_equal "$(cat "$TEST_DIR/out/f1" "$TEST_DIR/out/f2")" $'one\ntwo'
	echo three >"$TEST_DIR/out/f3"
	run -0 pea_cmd cp "$TEST_DIR/out/f3" cw:sub/
	run -0 pea_cmd exec cw cat /tmp/sub/f3
	assert_output three
	run -0 pea_cmd rm -f cw
}

@test "images --filter: before, after/since, dangling, label, reference, id" {
	iid="$(pea_out inspect --format '{{.ID}}' busybox)"
	run -0 pea_cmd images --noheading --filter=after="$iid"
	assert_output ''
	run -0 pea_cmd images --noheading --filter=before="$iid"
	assert_output ''
	run -0 pea_cmd run --name tiny busybox true
	sleep 1 # a later "created" than busybox's, to the second at least
	run -0 pea_cmd commit -q --change LABEL=team=pea tiny mynew
	new="$output"
	opts=(--noheading --no-trunc '--format={{.ID}}--{{.Repository}}:{{.Tag}}')
	run -0 pea_cmd images "${opts[@]}" --filter=after="$iid"
	assert_output "sha256:$new--localhost/mynew:latest"
	run -0 pea_cmd images "${opts[@]}" --filter=since="$iid"
	assert_output "sha256:$new--localhost/mynew:latest"
	run -0 pea_cmd images "${opts[@]}" --filter=before=mynew
	assert_output "sha256:$iid--localhost/busybox:latest"
	run -0 pea_cmd images --filter reference='*busy*' --format '{{.Repository}}'
	assert_output localhost/busybox
	run -0 pea_cmd images --filter reference=mynew --format '{{.Repository}}'
	assert_output localhost/mynew
	run -0 pea_cmd images --filter label=team=pea --format '{{.Repository}}'
	assert_output localhost/mynew
	run -0 pea_cmd images --filter "id=${iid:0:6}" --format '{{.Repository}}'
	assert_output localhost/busybox
	run -0 pea_cmd images -q --filter dangling=true
	assert_output ''
	run -0 pea_cmd untag mynew
	run -0 pea_cmd images -q --filter dangling=true
	assert_output "${new:0:12}"
	run -125 pea_cmd images --filter bogus=1
	assert_output 'Error: invalid image filter "bogus=1": use before, after, since, dangling, intermediate, label, reference or id'
	run -125 pea_cmd images --filter before=nope
	assert_output 'Error: --filter before=nope: nope: image not known'
	run -125 pea_cmd images --filter dangling=maybe
	assert_output --partial 'Error: '
}

@test "images and history: {{.CreatedSince}} ends in ago, {{.CreatedAt}} is Go's time" {
	run -0 pea_cmd image list --format '{{.CreatedSince}}--{{.CreatedAt}}' busybox
	assert_output --regexp '^[0-9]+ years ago--1970-01-01 00:00:00 \+0000 UTC$'
	from_list="$output"
	run -0 pea_cmd image history --format '{{.CreatedSince}}--{{.CreatedAt}}' busybox
	assert_line -n 0 "$from_list"
	# JSON keeps the stored time
	run -0 pea_cmd history --format json busybox
	assert_equal "$(jq -r '.[0].created' <<<"$output")" 1970-01-01T00:00:00Z
}

@test "templates: in a \"table\" format every space is a column break, as podman's" {
	run -0 pea_cmd tag busybox a.b/c:d
	run -0 pea_cmd images --sort repository --format 'table {{.Repository}} {{.Tag}}'
	assert_output $'REPOSITORY         TAG\na.b/c              d\nlocalhost/busybox  latest'
	# without "table", spaces are text
	run -0 pea_cmd images --sort repository --format '{{.Repository}} {{.Tag}}'
	assert_output $'a.b/c d\nlocalhost/busybox latest'
}

@test "kill: -a, --latest, signals with a leading dash, podman's signal errors" {
	run -0 pea_cmd run -d --name k1 busybox sh -c 'trap "echo got-1" 1; trap "echo got-10" 10;
		echo ready; while :; do sleep 0.05; done'
	id1="$output"
	for ((n = 0; n < 100; n++)); do
		[[ "$(pea_out logs k1)" == *ready* ]] && break
		sleep 0.05
	done
	run -0 pea_cmd kill -s -1 k1
	assert_output k1
	run -0 pea_cmd kill -s -SIGUSR1 k1
	for ((n = 0; n < 100; n++)); do
		[[ "$(pea_out logs k1)" == *got-10* ]] && break
		sleep 0.05
	done
	run -0 pea_cmd logs k1
	assert_output $'ready\ngot-1\ngot-10'
	for s in 0 SIGBADSIG SIG BADSIG %% -0 -BADSIG -; do
		run -125 pea_cmd kill -s "$s" k1
		assert_output "Error: invalid signal: ${s#-}"
	done
	for s in 65 -65 99999999; do
		run -125 pea_cmd kill -s "$s" k1
		assert_output "Error: valid signals are 1 through 64"
	done
	run -0 pea_cmd run -d --name k2 busybox sleep 1000
	id2="$output"
	run -0 pea_cmd create --name k3 busybox true
	# --latest: the one created last, here not running
	run -125 pea_cmd kill --latest
	assert_output --partial "can only kill running containers"
	# -a: the running ones, by ID
	run -0 pea_cmd kill -a
	assert_output --partial "$id1"
	assert_output --partial "$id2"
	assert_equal "${#lines[@]}" 2
	run -125 pea_cmd kill -a k1
	assert_output 'Error: --all, --latest and containers cannot be used together'
}

@test "volume prune names what it would remove before it asks; volume mount and unmount" {
	run -0 pea_cmd volume create used
	run -0 pea_cmd volume create free1
	run -0 pea_cmd volume create free2 --label keep
	run -0 pea_cmd create --name c -v used:/data busybox true
	run -0 pea_cmd volume prune <<<N
	assert_output $'WARNING! This will remove all volumes not used by at least one container. The following volumes will be removed:\nfree1\nfree2\nAre you sure you want to continue? [y/N] '
	run -0 pea_cmd volume prune --filter label=keep <<<N
	assert_line -n 1 free2
	assert_line -n 2 --partial 'Are you sure'
	run -0 pea_cmd volume ls -q
	assert_output $'free1\nfree2\nused'
	# a local volume's files are always in place: mount prints where
	run -0 pea_cmd volume mount free1
	mp="$output"
	assert_equal "$mp" "$(pea_out volume inspect --format '{{.Mountpoint}}' free1)"
	echo hi >"$mp/f"
	run -0 pea_cmd run --rm -v free1:/v busybox cat /v/f
	assert_output hi
	run -0 pea_cmd volume unmount free1
	assert_output free1
	run -125 pea_cmd volume mount free1 nosuch
	assert_output 'Error: no volume with name "nosuch" found: no such volume'
	run -125 pea_cmd volume mount
	assert_output 'Error: requires at least 1 arg(s), only received 0'
	run -0 pea_cmd volume prune -f
	assert_output $'free1\nfree2'
}

@test "inspect: State.ConmonPid, ConmonPidFile and ImageDigest, as podman's" {
	run -0 pea_cmd run -d --name r busybox sleep 1000
	run -0 pea_cmd inspect --format '{{.State.ConmonPid}}' r
	pid="$output"
	[[ "$pid" -gt 0 ]]
	assert_equal "$(cat "/proc/$pid/comm")" "$(basename "$(pea_out info --format '{{.Host.Conmon.Path}}')" | cut -c1-15)"
	run -0 pea_cmd inspect --format '{{.ConmonPidFile}}' r
	assert_equal "$(cat "$output")" "$pid"
	run -0 pea_cmd inspect --format '{{.ID}} {{.Digest}}' busybox
	expected="localhost/busybox:latest $output"
	run -0 pea_cmd container inspect --format '{{.ImageName}} {{.Image}} {{.ImageDigest}}' r
	assert_output "$expected"
	[[ "$output" == *" sha256:"* ]]
	run -0 pea_cmd create --name c busybox true
	run -0 pea_cmd inspect --format '{{.State.ConmonPid}}' c
	assert_output 0
	run -0 pea_cmd rm -f -t 0 r
}

@test "inspect: a --mount type=image is Type image, its Source the image as named, RW only with rw" {
	run -0 pea_cmd create --name rw --mount type=image,src=busybox,dst=/img,rw=true busybox true
	run -0 pea_cmd inspect --format '{{(index .Mounts 0).Type}} {{(index .Mounts 0).Source}} {{(index .Mounts 0).Destination}} {{(index .Mounts 0).RW}}' rw
	assert_output 'image busybox /img true'
	run -0 pea_cmd create --name ro --mount type=image,src=busybox,dst=/img busybox true
	run -0 pea_cmd inspect --format '{{(index .Mounts 0).Type}} {{(index .Mounts 0).RW}}' ro
	assert_output 'image false'
}

@test "images NAME lists the rows NAME names (short names too); an ID all of its rows; save by ID keeps no name" {
	run -0 pea_cmd tag busybox localhost/other:t1 quay.io/x/busybox:2
	run -0 pea_cmd images localhost/other:t1 --format '{{.Repository}}:{{.Tag}}'
	assert_output localhost/other:t1
	run -0 pea_cmd images other --format '{{.Repository}}:{{.Tag}}'
	assert_output localhost/other:t1
	run -0 pea_cmd images busybox --sort repository --format '{{.Repository}}:{{.Tag}}'
	assert_output $'localhost/busybox:latest\nquay.io/x/busybox:2'
	run -0 pea_cmd images x/busybox:2 --format '{{.Repository}}:{{.Tag}}'
	assert_output quay.io/x/busybox:2
	iid="$(pea_out inspect --format '{{.Id}}' busybox)"
	run -0 pea_cmd images "${iid:0:12}" --format '{{.Repository}}:{{.Tag}}'
	assert_equal "${#lines[@]}" 3
	run -0 pea_cmd images nosuch
	assert_output 'REPOSITORY  TAG         IMAGE ID    CREATED     SIZE'
	# saved by ID, the archive names no image: loaded back it is <none>
	run -0 pea_cmd save -o "$TEST_DIR/byid.tar" "${iid:0:12}"
	assert_equal "$(tar -xOf "$TEST_DIR/byid.tar" manifest.json | jq -c '.[0].RepoTags')" '[]'
	run -0 pea_cmd save -o "$TEST_DIR/byname.tar" other:t1
	assert_equal "$(tar -xOf "$TEST_DIR/byname.tar" manifest.json | jq -c '.[0].RepoTags')" '["localhost/other:t1"]'
	run -0 pea_cmd rmi -f "$iid"
	run -0 pea_cmd load -i "$TEST_DIR/byid.tar"
	run -0 pea_cmd images -a --format '{{.ID}} {{.Repository}}:{{.Tag}}'
	assert_output "${iid:0:12} <none>:<none>"
}

@test "start: --all with names, --filter restart-policy= (none, a bad one) and exited=, 125 for a command not found" {
	run -125 pea_cmd start --all 12333
	assert_output 'Error: either start all containers or the container(s) provided in the arguments'
	run -0 pea_cmd run -d busybox true
	cid="$output"
	run -0 pea_cmd wait "$cid"
	run -0 pea_cmd start --filter restart-policy=always "$cid"
	assert_output ''
	# printed as given (an id here)
	run -0 pea_cmd start --filter restart-policy=none "$cid"
	assert_output "$cid"
	run -125 pea_cmd start --filter restart-policy=fakepolicy "$cid"
	assert_output 'Error: fakepolicy invalid restart policy'
	run -0 pea_cmd wait "$cid"
	run -0 pea_cmd run -d busybox false
	cid1="$output"
	run -0 pea_cmd wait "$cid1"
	run -0 pea_cmd start --all --filter exited=0
	assert_output "$cid"
	# run says 127 for a command not found, start 125 (130-kill)
	run -0 pea_cmd create --name nocmd busybox /no/such/command
	run -127 pea_cmd run --rm busybox /no/such/command
	run -125 pea_cmd start nocmd
	assert_output --partial 'Error: '
}

@test "rm: --force passes over a container that is not there, -l/--latest (055-rm, 140-diff)" {
	run -0 pea_cmd rm --force bogus
	assert_output ''
	run -0 pea_cmd container rm -f bogus
	assert_output ''
	run -1 pea_cmd rm bogus
	assert_output 'Error: no container with name or ID "bogus" found: no such container'
	run -0 pea_cmd create --name first busybox true
	run -0 pea_cmd run --name second busybox sh -c 'touch /new; rm /etc/group'
	id="$(pea_out inspect --format '{{.Id}}' second)"
	run -0 pea_cmd diff --format json -l
	assert_equal "$(jq -r -c '.added[]' <<<"$output")" /new
	run -125 pea_cmd rm -l first
	assert_output 'Error: --latest and containers cannot be used together'
	run -0 pea_cmd rm -l
	assert_output "$id"
	run -0 pea_cmd ps -a --format '{{.Names}}'
	assert_output first
}

@test "--volumepath: the volumes' folder (info's Store.VolumePath, volume create, run -v) (005-info)" {
	vp="$TEST_DIR/volumesGoHere"
	run -0 pea_cmd --storage-driver=vfs --root "$TEST_DIR/nothing-here" --volumepath "$vp" info \
		--format '{{ .Store.VolumePath }}'
	assert_output "$vp"
	run -0 pea_cmd info --format '{{ .Store.VolumePath }}'
	assert_output "$FE_ROOT/volumes"
	run -0 pea_cmd --volumepath "$vp" volume create v1
	[[ -d "$vp/v1/_data" ]]
	run -0 pea_cmd --volumepath "$vp" run --rm -v v1:/data busybox sh -c 'echo hi >/data/f'
	assert_equal "$(cat "$vp/v1/_data/f")" hi
	run -0 pea_cmd --volumepath "$vp" volume ls --format '{{.Name}}'
	assert_output v1
	run -0 pea_cmd volume ls --format '{{.Name}}'
	assert_output ''
	run -125 pea_cmd --volumepath '' info
	assert_output 'Error: --volumepath: empty path'
}

@test "run: -p with --network host or none is dropped with podman's warning (030-run)" {
	run -0 --separate-stderr pea_cmd run --rm -p 8080 --net=host busybox echo hi
	assert_output hi
	assert_equal "$stderr" "Port mappings have been discarded as one of the Host, Container, Pod, and None network modes are in use"
	run -0 --separate-stderr pea_cmd run --rm -P --expose 80 --network none busybox echo hi
	assert_output hi
	assert_equal "$stderr" "Port mappings have been discarded as one of the Host, Container, Pod, and None network modes are in use"
	# what needs a network of the container's own is still an error
	run -125 pea_cmd run --rm -p 8080 --network-alias a --network none busybox true
	assert_output "Error: -p, -P, --ip, --mac-address and --network-alias need a bridge network, not --network none"
}

@test "rm: a container others share a namespace of goes only with --depend, after them (055-rm)" {
	run -0 pea_cmd create --name donor busybox true
	did="$output"
	run -0 pea_cmd create --net=container:donor --name user1 busybox true
	uid1="$output"
	run -0 pea_cmd create --ipc="container:${did:0:12}" busybox true
	uid2="$output"
	run -125 pea_cmd rm "$did"
	assert_output --regexp "^Error: container $did has dependent containers which must be removed before it: ($uid1, $uid2|$uid2, $uid1): container state improper\$"
	run -0 pea_cmd ps -aq --no-trunc
	assert_equal "${#lines[@]}" 3
	run -1 pea_cmd rm --depend nosuch
	assert_output 'Error: no container with name or ID "nosuch" found: no such container'
	run -0 pea_cmd rm --depend donor
	assert_line "$uid1"
	assert_line "$uid2"
	assert_line donor
	run -0 pea_cmd ps -aq
	assert_output ''
	# both named at once: the user goes first, whatever the order given
	run -0 pea_cmd create --name donor3 busybox true
	run -0 pea_cmd create --net=container:donor3 --name user3 busybox true
	run -0 pea_cmd rm donor3 user3
	assert_output "$(printf 'donor3\nuser3')"
	run -0 pea_cmd ps -aq
	assert_output ''
	# rm -a takes everything, dependents or not
	run -0 pea_cmd create --name donor2 busybox true
	run -0 pea_cmd create --net=container:donor2 busybox true
	run -0 pea_cmd rm -a
	run -0 pea_cmd ps -aq
	assert_output ''
	# a name that is also the start of another container's id names its own container
	run -0 pea_cmd create --name donor4 busybox true
	d4="$output"
	run -0 pea_cmd create --name "${d4:0:3}" busybox true
	run -0 pea_cmd create --net="container:${d4:0:3}" --name user4 busybox true
	run -0 pea_cmd rm donor4
	assert_output donor4
	run -125 pea_cmd rm "${d4:0:3}"
	assert_output --partial "has dependent containers"
	run -0 pea_cmd rm -a
}

@test "run and create docker-archive:PATH pull from the archive, the image keeps its name (030-run)" {
	run -0 pea_cmd rmi busybox
	run -0 pea_cmd run --rm "docker-archive:$BUSYBOX_ARCHIVE" echo magic
	assert_line "Getting image source signatures"
	assert_line magic
	run -0 pea_cmd images --format '{{.Repository}}:{{.Tag}}'
	assert_output localhost/busybox:latest
	run -0 pea_cmd rmi busybox
	# (the copy's progress on standard error, the id on standard output)
	cid="$(pea_out create "docker-archive:$BUSYBOX_ARCHIVE" echo again)"
	run -0 pea_cmd start --attach "$cid"
	assert_output again
	run -125 pea_cmd run --rm "oci-archive:$TEST_DIR/none.tar" true
	assert_output --partial "Error: pulling image 'oci-archive:$TEST_DIR/none.tar'"
}

@test "run --image-volume bind|tmpfs|ignore and containers.conf's image_volume_mode (160-volumes)" {
	run -0 pea_cmd create --name base busybox true
	run -0 pea_cmd commit -q --change 'VOLUME /data' base volimg
	run -0 pea_cmd run --image-volume tmpfs --rm volimg stat -f -c %T /data
	assert_output tmpfs
	run -1 pea_cmd run --image-volume ignore --rm volimg stat -f -c %T /data
	assert_output "stat: can't read file system information for '/data': No such file or directory"
	run -0 pea_cmd run --image-volume bind --rm volimg stat -f -c %T /data
	refute_output tmpfs
	run -0 pea_cmd volume ls -q
	assert_output ''
	conf="$TEST_DIR/containers.conf"
	printf '[engine]\nimage_volume_mode = "tmpfs"\n' >"$conf"
	wrap="$TEST_DIR/pea-conf"
	printf '#!/bin/sh\nexec env CONTAINERS_CONF="%s" "%s" "$@"\n' "$conf" "$PEA" >"$wrap"
	chmod +x "$wrap"
	PEA="$wrap" run -0 pea_cmd run --rm volimg stat -f -c %T /data
	assert_output tmpfs
	PEA="$wrap" run -0 pea_cmd run --image-volume bind --rm volimg stat -f -c %T /data
	refute_output tmpfs
	run -125 pea_cmd run --image-volume nope --rm volimg true
	assert_output "Error: invalid --image-volume 'nope': use bind, tmpfs or ignore"
	printf '[engine]\nimage_volume_mode = "nope"\n' >"$conf"
	PEA="$wrap" run -125 pea_cmd run --rm volimg true
	assert_output --partial "'engine.image_volume_mode': 'nope': use bind, tmpfs or ignore"
}

@test "run: a host port in use fails the run with 126; the failed --rm one is gone, the other stays (030-run)" {
	fe_net_setup
	run -0 pea_net run -p 18080:80 --rm -d --name c_ok busybox sleep 100
	run -126 pea_net run -p 18080:80 -d --name c_fail_no_rm busybox sleep 100
	assert_output --partial "host port 18080/tcp is already published by container c_ok"
	run -126 pea_net run -p 18080:80 --rm -d --name c_fail_with_rm busybox sleep 100
	run -0 pea_net ps -a --sort names --format '{{.Names}} {{.State}}'
	assert_output $'c_fail_no_rm created\nc_ok running'
	# start says 125 for it, as podman's
	run -125 pea_net start c_fail_no_rm
	run -0 pea_net rm -f c_ok c_fail_no_rm
}

@test "run --entrypoint drops the image's CMD, and commit keeps none (030-run's docker-archive)" {
	run -0 pea_cmd run --name myc --entrypoint '["/bin/echo","magic"]' busybox
	assert_output magic
	run -0 pea_cmd inspect --format '{{.Config.Cmd}}' myc
	assert_output '[]'
	run -0 pea_cmd commit -q myc myi
	run -0 pea_cmd image inspect --format '{{.Config.Cmd}} {{.Config.Entrypoint}}' myi
	assert_output '[] [/bin/echo magic]'
	run -0 pea_cmd run --rm myi
	assert_output magic
	run -0 pea_cmd run --rm myi more
	assert_output 'magic more'
}
