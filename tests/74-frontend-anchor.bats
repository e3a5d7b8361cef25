#!/usr/bin/env bats
# What podman 4.3.1's own system tests (test/system, run by /tmp/anchor's
# harness, docs/HACKING.md "Anchor suites") found in session 9, fixed (issue #11).
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-frontend
# setup, teardown, teardown_file; setup_file is this file's own (below)
load helpers/fe-file

setup_file() {
	ensure_fixtures
	# journalctl stand-in (the machine runs no journald): the entries of
	# journal.json whose CONTAINER_ID_FULL the command line names, after
	# --after-cursor's; without --all a MESSAGE over 4096 bytes is null, as
	# journalctl's; each read's count of entries a line of reads; --sync: nothing
	JOURNAL_DIR="$BATS_FILE_TMPDIR/journal"
	mkdir -p "$JOURNAL_DIR"
	cat >"$JOURNAL_DIR/journalctl" <<'EOF'
#!/bin/bash
[[ "$1" == --sync ]] && exit 0
id= all= after=
for a; do
	case "$a" in
	CONTAINER_ID_FULL=*) id="${a#*=}" ;;
	--all) all=1 ;;
	--after-cursor=*) after="${a#*=}" ;;
	esac
done
[[ -n "$id" ]] || { echo "stub journalctl: no CONTAINER_ID_FULL" >&2; exit 1; }
d="${0%/*}"
out=$(grep -F "\"CONTAINER_ID_FULL\":\"$id\"" "$d/journal.json")
rc=$?
((rc > 1)) && exit $rc
if [[ -n "$after" ]]; then
	out=$(awk -v c="\"__CURSOR\":\"$after\"" 'f; index($0, c) { f = 1 }' <<<"$out")
fi
if [[ -n "$out" && -z "$all" ]]; then
	out=$(jq -c 'if (.MESSAGE | tostring | length) > 4096 then .MESSAGE = null else . end' <<<"$out")
fi
if [[ -n "$out" ]]; then
	printf '%s\n' "$out"
	wc -l <<<"$out" >>"$d/reads"
else
	echo 0 >>"$d/reads"
fi
EOF
	chmod +x "$JOURNAL_DIR/journalctl"
	: >"$JOURNAL_DIR/journal.json"
	export JOURNAL_DIR
	PATH="$JOURNAL_DIR:$PATH" fe_server_start
}

# fe_server_start's subreaper, in namespaces of its own: a journal socket that
# swallows what it gets (create --log-driver journald wants one listening) on a
# tmpfs over /run/systemd that only this mount namespace sees; everything in the
# pid namespace ends with it.
tini() {
	unshare --mount --pid --fork --kill-child --mount-proc --propagation private -- bash -c '
		mount -t tmpfs tmpfs /run/systemd || exit 1
		mkdir /run/systemd/journal
		socat -u UNIX-RECV:/run/systemd/journal/socket OPEN:/dev/null &
		for i in $(seq 100); do [[ -S /run/systemd/journal/socket ]] && break; sleep 0.05; done
		exec tini "$@"' _ "$@"
}

# journal_entry ID USEC PRIORITY MESSAGE-JSON [PARTIAL]: one line of journalctl -o json
# (its cursor s=stub;i=N, N its line)
journal_entry() {
	local n
	n=$(($(wc -l <"$JOURNAL_DIR/journal.json") + 1))
	jq -cn --arg id "$1" --arg ts "$2" --arg prio "$3" --argjson msg "$4" --arg part "${5:-}" \
		--arg cur "s=stub;i=$n" \
		'{__CURSOR: $cur, __REALTIME_TIMESTAMP: $ts, CONTAINER_ID_FULL: $id, PRIORITY: $prio,
		MESSAGE: $msg}
		+ (if $part != "" then {CONTAINER_PARTIAL_MESSAGE: "true"} else {} end)' \
		>>"$JOURNAL_DIR/journal.json"
}

@test "logs of the journald log driver: read from the journal (stdout, stderr, partial lines, bytes), --tail, --since, --until, -t" {
	run -0 pea_cmd create --log-driver journald --name j busybox true
	id="$(pea_out inspect --format '{{.Id}}' j)"
	# 2001-09-09T01:46:40Z and on
	journal_entry "$id" 1000000000000000 6 '"one\n"'
	journal_entry "$id" 1000000001000000 3 '"two\n"'
	journal_entry "$id" 1000000002000000 6 '"par"' partial
	journal_entry "$id" 1000000002500000 6 '"tial\n"'
	journal_entry "$id" 1000000003250000 6 '[98,121,116,101,255,10]'
	journal_entry other-container 1000000003000000 6 '"not ours\n"'
	run -0 --separate-stderr pea_cmd logs j
	assert_output $'one\npartial\nbyte\xff'
	assert_equal "$stderr" two
	run -0 pea_cmd logs --tail 1 j
	assert_output $'byte\xff'
	run -0 --separate-stderr pea_cmd logs --since 1000000001 --until 1000000002.9 j
	assert_output partial
	assert_equal "$stderr" two
	run -0 pea_cmd logs -t --tail 1 j
	assert_output --regexp $'^2001-09-0[89]T[0-9:]+\\.250000000([+-][0-9:]+) byte\xff$'
	# podman's: -f follows the journal only with the journald events backend
	run -125 pea_cmd logs -f j
	assert_output 'Error: using --follow with the journald --log-driver but without the journald --events-backend (file) is not supported'
	run -0 pea_cmd --events-backend journald logs -f --tail 1 j
	assert_output $'byte\xff'
}

@test "logs of the journald log driver: journalctl failing is an error of its own" {
	run -0 pea_cmd create --log-driver journald --name j busybox true
	# a journal.json that is a folder makes the stub's grep fail
	mv "$JOURNAL_DIR/journal.json" "$JOURNAL_DIR/journal.saved"
	mkdir "$JOURNAL_DIR/journal.json"
	run pea_cmd logs j
	rmdir "$JOURNAL_DIR/journal.json"
	mv "$JOURNAL_DIR/journal.saved" "$JOURNAL_DIR/journal.json"
	assert_output --partial 'reading the journal: journalctl: grep:'
}

@test "logs of the journald log driver: an entry over 4096 bytes is read whole (journalctl --all)" {
	run -0 pea_cmd create --log-driver journald --name j busybox true
	id="$(pea_out inspect --format '{{.Id}}' j)"
	# pea-monitor sends up to 8192 bytes an entry; journalctl without --all: null
	local long
	long=$(head -c 5000 /dev/zero | tr '\0' x)
	journal_entry "$id" 1000000000000000 6 "$(jq -n --arg m "$long" '$m + "\n"')"
	run -0 pea_cmd logs j
	assert_equal "${#output}" 5000
	assert_output "$long"
}

# until_true SECONDS COMMAND...: COMMAND succeeds within SECONDS (polled; its words
# expanded once: eval for what is to be read again each time).
until_true() {
	local i n=$(($1 * 20))
	shift
	for ((i = 0; i < n; i++)); do
		"$@" && return 0
		sleep 0.05
	done
	echo "until_true: never: $*" >&2
	return 1
}

# reads_sum: the entries the stub journalctl printed over its reads
reads_sum() {
	awk '{ s += $1 } END { print s + 0 }' "$JOURNAL_DIR/reads"
}

@test "logs -f of the journald log driver: each poll reads only the entries after the last read's cursor; it ends with the container" {
	run -0 pea_cmd run -d --log-driver journald --name f busybox sleep 1000
	id="$(pea_out inspect --format '{{.Id}}' f)"
	journal_entry "$id" 1000000000000000 6 '"one\n"'
	: >"$JOURNAL_DIR/reads"
	# through the file's server (the container's pids are in its pid namespace), 120 s
	# at most should the test fail before the container stops
	(
		real=$PEA
		PEA=timeout
		FE_ARGS=(120 "$real" "${FE_ARGS[@]}")
		pea_cmd --events-backend journald logs -f f
	) >"$TEST_DIR/f.out" 2>&1 &
	local pid=$!
	until_true 30 eval '[[ $(reads_sum) -ge 1 ]]'
	journal_entry "$id" 1000000001000000 3 '"two\n"'
	until_true 30 eval '[[ $(reads_sum) -ge 2 ]]'
	# a few more polls
	local polls
	polls=$(wc -l <"$JOURNAL_DIR/reads")
	until_true 30 eval '[[ $(wc -l <"$JOURNAL_DIR/reads") -ge $((polls + 3)) ]]'
	run -0 pea_cmd stop -t0 f
	# -f ends with the container
	until_true 30 eval '! kill -0 $pid 2>/dev/null'
	wait "$pid"
	run -0 cat "$TEST_DIR/f.out"
	assert_output $'one\ntwo'
	# every entry read once over all the polls (the whole journal each poll before)
	run -0 reads_sum
	assert_output 2
	run -0 pea_cmd rm f
}

@test "logs -f ends when the container is removed while it follows (rm -f)" {
	# the journald log driver: the stub's reads tell that -f is polling
	run -0 pea_cmd run -d --log-driver journald --name r busybox sleep 1000
	: >"$JOURNAL_DIR/reads"
	(
		real=$PEA
		PEA=timeout
		FE_ARGS=(120 "$real" "${FE_ARGS[@]}")
		pea_cmd --events-backend journald logs -f r
		echo "rc=$?"
	) >"$TEST_DIR/r.out" 2>&1 &
	local pid=$!
	until_true 30 eval '[[ $(wc -l <"$JOURNAL_DIR/reads") -ge 2 ]]'
	run -0 pea_cmd rm -f -t0 r
	# before: it polled the removed container until timeout killed it (124)
	until_true 30 grep -qx 'rc=0' "$TEST_DIR/r.out"
	wait "$pid"
	run -0 cat "$TEST_DIR/r.out"
	assert_output rc=0
}

@test "info: eventLogger is the events backend in use (file, or --events-backend's)" {
	run -0 pea_cmd info --format '{{.Host.EventLogger}}'
	assert_output file
	run -0 pea_cmd --events-backend none info --format '{{.Host.EventLogger}}'
	assert_output none
	run -0 pea_cmd --events-backend journald info --format json
	assert_equal "$(jq -r .host.eventLogger <<<"$output")" journald
}

@test "rmi -a: images in the order they came into the store (podman's report), children before parents" {
	run -0 pea_cmd run --name c busybox true
	# the store's times are seconds: one image a second
	for n in first second third; do
		sleep 1.1
		run -0 pea_cmd commit -q c "$n"
	done
	bb="$(pea_out inspect --format '{{.Id}}' busybox)"
	i1="$(pea_out inspect --format '{{.Id}}' first)"
	i2="$(pea_out inspect --format '{{.Id}}' second)"
	i3="$(pea_out inspect --format '{{.Id}}' third)"
	run -0 pea_cmd rm c
	# busybox is the parent of the three: it goes last though it came first
	run -0 pea_cmd rmi -a
	assert_output "Untagged: localhost/first:latest
Untagged: localhost/second:latest
Untagged: localhost/third:latest
Untagged: localhost/busybox:latest
Deleted: $i1
Deleted: $i2
Deleted: $i3
Deleted: $bb"
}

@test "container runlabel: podman in the label becomes pea by the name it was run by (a symlink stays itself)" {
	ln -s "$PEA" "$TEST_DIR/podman"
	ctx="$TEST_DIR/ctx"
	mkdir -p "$ctx"
	printf 'FROM localhost/busybox\nLABEL INSTALL /usr/bin/podman run --rm IMAGE echo hi\n' >"$ctx/Containerfile"
	run -0 pea_cmd build -q -t rl "$ctx"
	# pea_cmd runs "$PEA": the symlink instead, as podman's suite runs $PODMAN
	run -0 pea_cmd container runlabel --display install rl
	assert_output --partial "command: $PEA "
	d="$(mktemp -d "$TEST_DIR/cmd.XXXXXX")"
	printf '%s\0' "$TEST_DIR/podman" "${FE_ARGS[@]}" container runlabel --display install rl >"$d/argv"
	echo "$d" >"$FE_SERVER_DIR/fifo"
	for ((i = 0; i < 3000; i++)); do [[ -e "$d/rc" ]] && break; sleep 0.01; done
	assert_equal "$(cat "$d/rc")" 0
	assert_regex "$(cat "$d/out")" "^command: $TEST_DIR/podman "
}

@test "export -o: the tar's last record padded to 10 KiB, so GNU tar --delete keeps every other entry" {
	run -0 pea_cmd create --name c busybox true
	run -0 pea_cmd export -o "$TEST_DIR/c.tar" c
	assert_equal "$(($(stat -c %s "$TEST_DIR/c.tar") % 10240))" 0
	tar -tf "$TEST_DIR/c.tar" | LC_ALL=C sort >"$TEST_DIR/before"
	victim="$(grep -m1 -v '/$' "$TEST_DIR/before")"
	tar --delete -f "$TEST_DIR/c.tar" "$victim"
	tar -tf "$TEST_DIR/c.tar" | LC_ALL=C sort >"$TEST_DIR/after"
	# only the victim went
	run -0 comm -3 "$TEST_DIR/before" "$TEST_DIR/after"
	assert_output "$victim"
}

@test "container inspect: Config.Entrypoint one string, its words joined (podman 4.3's), \"\" without one; kube generate splits it again" {
	run -0 pea_cmd create --name e --entrypoint '["/bin/sh","-c"]' busybox 'echo hi'
	run -0 pea_cmd create --name n busybox true
	run -0 pea_cmd inspect --format '{{.Config.Entrypoint}}|{{json .Config.Entrypoint}}|{{json .Config.Cmd}}' e
	assert_output '/bin/sh -c|"/bin/sh -c"|["echo hi"]'
	run -0 pea_cmd inspect --format '{{json .Config.Entrypoint}}' n
	assert_output '""'
	run -0 pea_cmd kube generate e
	assert_output --partial $'  - command:\n    - /bin/sh\n    - -c\n    - echo hi\n'
}

@test "image tree: podman's layout, the layers bottom first with the images each is the top layer of" {
	ctx="$TEST_DIR/ctx"
	mkdir -p "$ctx"
	printf 'FROM localhost/busybox\nRUN touch /a\n' >"$ctx/Containerfile"
	run -0 pea_cmd build -q -t tree_test "$ctx"
	iid="$(pea_out inspect --format '{{.Id}}' tree_test)"
	run -0 pea_cmd image tree tree_test
	assert_line -n 0 "Image ID: ${iid:0:12}"
	assert_line -n 1 'Tags:     [localhost/tree_test:latest]'
	assert_line -n 2 --regexp '^Size:     [0-9.]+[kMG]?B$'
	assert_line -n 3 'Image Layers'
	assert_line -n 4 --regexp '^├── ID: [0-9a-f]{12} Size: +[0-9.]+[kMG]?B Top Layer of: \[localhost/busybox:latest\]$'
	assert_line -n 5 --regexp '^└── ID: [0-9a-f]{12} Size: +[0-9.]+[kMG]?B Top Layer of: \[localhost/tree_test:latest\]$'
	assert_equal "${#lines[@]}" 6
	run -125 pea_cmd image tree
	assert_output 'Error: accepts 1 arg(s), received 0'
	run -125 pea_cmd image tree nosuchimage
	assert_output --partial 'nosuchimage'
}

@test "containers.conf default_sysctls: set in every container, its own --sysctl wins, net.* not with --network host nor a user namespace" {
	printf '[containers]\ndefault_sysctls = ["net.ipv4.ping_group_range=0 0", "kernel.msgmax=12345"]\n' \
		>"$TEST_DIR/containers.conf"
	local real=$PEA
	local PEA=env FE_ARGS=(CONTAINERS_CONF="$TEST_DIR/containers.conf" "$real" "${FE_ARGS[@]}")
	run -0 pea_cmd run --rm busybox cat /proc/sys/net/ipv4/ping_group_range /proc/sys/kernel/msgmax
	assert_output $'0\t0\n12345'
	run -0 pea_cmd run --rm --sysctl 'net.ipv4.ping_group_range=0 5' busybox cat /proc/sys/net/ipv4/ping_group_range
	assert_output $'0\t5'
	# a user namespace of its own: no net.* default (the runtime could not write it)
	run -0 pea_cmd run --rm --uidmap 0:100000:5000 --gidmap 0:100000:5000 busybox cat /proc/sys/kernel/msgmax
	assert_output 12345
	# a pod's containers join its infra's namespaces (the host's here): no net.* default
	run -0 pea_cmd pod create --name hp --network host
	run -0 pea_cmd run --rm --pod hp busybox cat /proc/sys/kernel/msgmax
	assert_output 12345
	run -0 pea_cmd pod rm -f hp
	# the host's network namespace keeps its own value (only read here)
	run -0 pea_cmd run --rm --network host busybox cat /proc/sys/net/ipv4/ping_group_range /proc/sys/kernel/msgmax
	assert_output "$(cat /proc/sys/net/ipv4/ping_group_range)"$'\n12345'
}

@test "pull's progress names the config 'Copying config', its layers 'Copying blob' (skopeo's and podman's words)" {
	run -0 pea_cmd rmi -a
	run -0 pea_cmd pull docker-archive:"$BUSYBOX_ARCHIVE"
	iid="$(pea_out inspect --format '{{.Id}}' localhost/busybox)"
	assert_line "Copying config sha256:${iid:0:12}"
	refute_line "Copying blob sha256:${iid:0:12}"
	assert_line --regexp '^Copying blob sha256:[0-9a-f]{12}$'
}

@test "image tree --whatrequires: the image's top layer, then the layers of the images built on it" {
	ctx="$TEST_DIR/ctx"
	mkdir -p "$ctx"
	printf 'FROM localhost/busybox\nRUN touch /a\n' >"$ctx/Containerfile"
	run -0 pea_cmd build -q -t child "$ctx"
	run -0 pea_cmd image tree --whatrequires busybox
	assert_line -n 3 'Image Layers'
	assert_line -n 4 --regexp '^├── ID: [0-9a-f]{12} Size: +[0-9.]+[kMG]?B Top Layer of: \[localhost/busybox:latest\]$'
	assert_line -n 5 --regexp '^└── ID: [0-9a-f]{12} Size: +[0-9.]+[kMG]?B Top Layer of: \[localhost/child:latest\]$'
	assert_equal "${#lines[@]}" 6
}

# session 12 (podman 4.3.1's 200-pod)
@test "create -q, run -q: no pull progress (podman's --quiet); pod create pulls its --infra-image silently" {
	run -0 pea_cmd rmi -a
	run -0 pea_cmd create -q --name q1 docker-archive:"$BUSYBOX_ARCHIVE" true
	assert_output --regexp '^[0-9a-f]{64}$'
	run -0 pea_cmd rm q1
	run -0 pea_cmd rmi -a
	run -0 pea_cmd create --quiet --name q2 docker-archive:"$BUSYBOX_ARCHIVE" true
	assert_output --regexp '^[0-9a-f]{64}$'
	run -0 pea_cmd rm q2
	run -0 pea_cmd rmi -a
	# without it the progress is there (what -q takes away)
	run -0 pea_cmd create --name q3 docker-archive:"$BUSYBOX_ARCHIVE" true
	assert_line --regexp '^Copying blob sha256:[0-9a-f]{12}$'
	run -0 pea_cmd rm q3
	run -0 pea_cmd rmi -a
	# podman 4.3.1's 200-pod: '--noout pod create --infra-image IMAGE' prints nothing
	run -0 pea_cmd --noout pod create --name qp --infra-image docker-archive:"$BUSYBOX_ARCHIVE"
	assert_output ''
	run -0 pea_cmd pod rm qp
}

@test "ps, port: a container in another's network namespace (a pod's member) shows that one's published ports, as podman" {
	fe_load_busybox
	run -0 pea_cmd pod create --name pp --network bridge -p 8080:80
	run -0 pea_cmd create --pod pp --name member busybox true
	run -0 pea_cmd ps -a --filter name=member --format '{{.Ports}}'
	assert_output '0.0.0.0:8080->80/tcp'
	# a chain of joins is followed
	run -0 pea_cmd create --network container:member --name chained busybox true
	run -0 pea_cmd ps -a --filter name=chained --format '{{.Ports}}'
	assert_output '0.0.0.0:8080->80/tcp'
	# a container of its own network shows its own (none here)
	run -0 pea_cmd create --network none --name own busybox true
	run -0 pea_cmd ps -a --filter name=own --format '{{.Ports}}'
	assert_output ''
	run -0 pea_cmd rm chained member own
	run -0 pea_cmd pod rm pp
}
