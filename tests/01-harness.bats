#!/usr/bin/env bats
# The build and test harness itself: the summary line, strict skips, deps,
# install/uninstall.
bats_require_minimum_version 1.5.0
load helpers/common

TOP=$(cd "$BATS_TEST_DIRNAME/.." && pwd)

# The runner under test runs bats itself: give it a clean environment, not ours.
run_clean() {
	run env -i PATH="$PATH" HOME="$HOME" PEA_BUILD="$PEA_BUILD" "$@"
}

write_sample_suite() {
	mkdir -p "$1"
	# Not a heredoc: bats would read "@test" lines in it as tests of this file.
	{
		printf '%s "passes" { true; }\n' @test
		printf '%s "skips for a platform reason" { skip "expected: no such hardware"; }\n' @test
		printf '%s "skips for no good reason" { skip "lazy"; }\n' @test
	} >"$1/sample.bats"
}

@test "run.sh prints one summary line counting passes, failures and skips" {
	write_sample_suite "$TEST_DIR/s"
	run_clean PEA_TEST_STRICT=0 "$TOP/tests/run.sh" "$TEST_DIR/s/sample.bats"
	assert_success
	assert_equal "${lines[-1]}" "1 passed, 0 failed, 2 skipped"
}

@test "run.sh: each file's time after it, the slowest files before the summary, which stays last" {
	write_sample_suite "$TEST_DIR/s"
	mkdir -p "$TEST_DIR/t"
	printf '%s "sleeps" { sleep 1.2; }\n' @test >"$TEST_DIR/t/slow.bats"
	run_clean PEA_TEST_STRICT=0 "$TOP/tests/run.sh" "$TEST_DIR/s/sample.bats" "$TEST_DIR/t/slow.bats"
	assert_success
	assert_line --regexp '^# took [0-9]+ s: sample\.bats$'
	assert_line --regexp '^# took [1-9][0-9]* s: slow\.bats$'
	# "took" follows the file's own lines
	local out=${output#*ok 1 sleeps}
	[[ $out == *$'\n# took '*' s: slow.bats'* ]] || fail "no time after slow.bats: $out"
	# the list, slowest first, just before the total and the summary line
	assert_equal "${lines[-5]}" "# slowest files:"
	local re='^# +([0-9]+) s  (sample|slow)\.bats$' first second
	[[ ${lines[-4]} =~ $re ]] || fail "not a file's line: ${lines[-4]}"
	first=${BASH_REMATCH[1]}
	[[ ${lines[-3]} =~ $re ]] || fail "not a file's line: ${lines[-3]}"
	second=${BASH_REMATCH[1]}
	((first >= second)) || fail "not slowest first: ${lines[-4]} / ${lines[-3]}"
	[[ ${lines[-4]} != "${lines[-3]}" ]] || fail "one file twice: ${lines[-4]}"
	assert_line --regexp '^# +[1-9][0-9]* s  slow\.bats$'
	assert_line --index -2 --regexp '^# took [0-9]+ s$'
	assert_equal "${lines[-1]}" "2 passed, 0 failed, 2 skipped"
}

@test "run.sh in CI counts an unexpected skip as a failure, an expected one as a skip" {
	write_sample_suite "$TEST_DIR/s"
	run_clean CI=true "$TOP/tests/run.sh" "$TEST_DIR/s/sample.bats"
	assert_failure
	assert_equal "${lines[-1]}" "1 passed, 1 failed, 1 skipped"
	assert_output --partial "unexpected skip in CI"
}

@test "run.sh fails when a test fails, names it, and repeats what it printed at the end" {
	mkdir -p "$TEST_DIR/f"
	printf '@test "breaks" { echo "the reason: boom"; false; }\n' >"$TEST_DIR/f/f.bats"
	run_clean PEA_TEST_STRICT=0 "$TOP/tests/run.sh" "$TEST_DIR/f/f.bats"
	assert_failure
	assert_equal "${lines[-1]}" "0 passed, 1 failed, 0 skipped"
	assert_output --partial "breaks"
	# CI may show only the tail of the output: the reason is in the summary
	local summary=${output#*# failures:}
	[[ $summary == *"f.bats: 1 breaks"*"the reason: boom"* ]] || fail "summary: $summary"
}

@test "run.sh: with PEA_TEST_TIMEOUT a test that hangs fails on its own, the next one still runs" {
	mkdir -p "$TEST_DIR/h"
	{
		printf '%s "hangs" { sleep 1000; }\n' @test
		printf '%s "runs after" { true; }\n' @test
	} >"$TEST_DIR/h/h.bats"
	SECONDS=0
	run_clean PEA_TEST_TIMEOUT=2 PEA_TEST_STRICT=0 "$TOP/tests/run.sh" "$TEST_DIR/h/h.bats"
	assert_failure
	assert_equal "${lines[-1]}" "1 passed, 1 failed, 0 skipped"
	assert_output --partial "hangs # timeout after 2s"
	((SECONDS < 60))
}

@test "run.sh: a file that hangs outside any test is stopped after its own limit" {
	mkdir -p "$TEST_DIR/w"
	{
		printf 'setup_file() { sleep 1000; }\n'
		printf '%s "never" { true; }\n' @test
	} >"$TEST_DIR/w/w.bats"
	SECONDS=0
	run_clean PEA_TEST_FILE_TIMEOUT=3 PEA_TEST_STRICT=0 "$TOP/tests/run.sh" "$TEST_DIR/w/w.bats"
	assert_failure
	assert_output --partial "w.bats stopped after 3 s"
	((SECONDS < 60))
}

@test "run.sh: a process a file leaves running is a failure, and is stopped" {
	mkdir -p "$TEST_DIR/l"
	# the sleep below it does not carry the mark (env -i), and goes too
	printf '%s "leaks" { setsid sh -c "env -i sleep 778 & sleep 777" >/dev/null 2>&1 3>&- & }\n' @test >"$TEST_DIR/l/l.bats"
	run_clean PEA_TEST_STRICT=0 "$TOP/tests/run.sh" "$TEST_DIR/l/l.bats"
	assert_failure
	assert_equal "${lines[-1]}" "1 passed, 1 failed, 0 skipped"
	assert_output --partial "l.bats left processes running"
	assert_output --partial ":sleep"
	run pgrep -f "^sleep 77[78]$"
	assert_failure
}

# lane_sample DIR: four files that prove how lanes run them. a and b wait for each
# other (each alone would wait in vain: they must run at once); c and d hold the
# lock "x" and fail if the other holds it too; s is serial and finds a to d over.
lane_sample() {
	local d=$1
	mkdir -p "$d"
	# Not heredocs: bats would read "@test" lines in them as tests of this file.
	{
		printf '%s "a meets b" { touch %s/a-up; for ((n = 0; n < 300; n++)); do [[ -e %s/b-up ]] && break; sleep 0.1; done; [[ -e %s/b-up ]]; }\n' @test "$d" "$d" "$d"
		printf '%s "a again" { touch %s/a-done; }\n' @test "$d"
	} >"$d/a.bats"
	{
		printf '%s "b meets a" { touch %s/b-up; for ((n = 0; n < 300; n++)); do [[ -e %s/a-up ]] && break; sleep 0.1; done; [[ -e %s/a-up ]]; }\n' @test "$d" "$d" "$d"
		printf '%s "b again" { touch %s/b-done; }\n' @test "$d"
	} >"$d/b.bats"
	for f in c d; do
		{
			printf '# pea-test: lock=x,y%s\n' "$f"
			printf '%s "%s alone with x" { mkdir %s/x-held; sleep 0.5; rmdir %s/x-held; touch %s/%s-done; }\n' @test "$f" "$d" "$d" "$d" "$f"
		} >"$d/$f.bats"
	done
	{
		printf '# pea-test: serial\n'
		printf '%s "s after the rest" { ls %s; for f in a b c d; do [[ -e %s/$f-done ]]; done; }\n' @test "$d" "$d"
	} >"$d/s.bats"
}

@test "run.sh in lanes (PEA_TEST_JOBS=2): two files at once, each one's lines together; a lock keeps two files apart; a serial file runs alone, after" {
	lane_sample "$TEST_DIR/lanes"
	run_clean PEA_TEST_JOBS=2 PEA_TEST_STRICT=0 "$TOP/tests/run.sh" "$TEST_DIR"/lanes/{s,d,c,b,a}.bats
	assert_success
	assert_equal "${lines[-1]}" "7 passed, 0 failed, 0 skipped"
	assert_line "# bats: 4 files in 2 lanes"
	# each file's lines between its "# bats:" and its "# took" line, nobody else's
	local f all=$output
	for f in a b c d s; do
		sed -n "/^# bats: $f.bats\$/,/^# took .* s: $f.bats\$/p" <<<"$all" >"$TEST_DIR/$f.out"
		run grep -cE '^(not )?ok ' "$TEST_DIR/$f.out"
		case $f in
		a | b) assert_output 2 ;;
		*) assert_output 1 ;;
		esac
	done
	grep -q "ok 1 a meets b" "$TEST_DIR/a.out"
	grep -q "ok 2 b again" "$TEST_DIR/b.out"
	# the serial file last, alone
	run_clean PEA_TEST_JOBS=2 PEA_TEST_STRICT=0 "$TOP/tests/run.sh" "$TEST_DIR"/lanes/{s,d,c,b,a}.bats
	assert_equal "${lines[-1]}" "7 passed, 0 failed, 0 skipped"
	assert_equal "$(grep '^# bats: [a-z]' <<<"$output" | tail -1)" "# bats: s.bats"
}

@test "run.sh in lanes: a process one file leaves is its failure and is stopped; the file beside it keeps its own" {
	mkdir -p "$TEST_DIR/p"
	local d=$TEST_DIR/p
	# l leaves a sleep behind; k, beside it, has a sleep of its own running until
	# l's is gone (stopped by run.sh after l), and finds its own still there
	printf '%s "leaks" { touch %s/l-up; setsid sleep 781 >/dev/null 2>&1 3>&- & }\n' @test "$d" >"$d/l.bats"
	printf '%s "keeps its own" { sleep 782 3>&- & p=$!; for ((n = 0; n < 300; n++)); do [[ -e %s/l-up ]] && break; sleep 0.1; done; for ((n = 0; n < 300; n++)); do pgrep -f "^sleep 781$" >/dev/null || break; sleep 0.1; done; kill -0 $p; kill $p; }\n' @test "$d" >"$d/k.bats"
	run_clean PEA_TEST_JOBS=2 PEA_TEST_STRICT=0 "$TOP/tests/run.sh" "$d/l.bats" "$d/k.bats"
	assert_failure
	assert_equal "${lines[-1]}" "2 passed, 1 failed, 0 skipped"
	assert_output --regexp "not ok - l.bats left processes running: [0-9]+:sleep"
	refute_output --partial "k.bats left processes"
	run pgrep -f "^sleep 78[12]$"
	assert_failure
}

@test "run.sh in lanes: the unit tests run in a lane of their own, their lines counted as alone" {
	local t n
	t=$(ls "$PEA_BUILD"/tests/unit/test-strv)
	run_clean PEA_TEST_STRICT=0 "$TOP/tests/run.sh" "$t"
	assert_success
	n=${lines[-1]%% passed*}
	write_sample_suite "$TEST_DIR/s"
	mkdir -p "$TEST_DIR/t"
	printf '%s "fails" { false; }\n' @test >"$TEST_DIR/t/f.bats"
	run_clean PEA_TEST_JOBS=2 PEA_TEST_STRICT=0 "$TOP/tests/run.sh" "$t" "$TEST_DIR/s/sample.bats" "$TEST_DIR/t/f.bats"
	assert_failure
	assert_equal "${lines[-1]}" "$((n + 1)) passed, 1 failed, 2 skipped"
	assert_line "# unit: test-strv"
	assert_output --partial "f.bats: 1 fails"
}

@test "run.sh: a mount a file leaves is a failure, a cgroup a warning (in CI), and both are taken down (a cgroup a minute old)" {
	require_root
	mkdir -p "$TEST_DIR/m"
	local cg="pea-harness-$$"
	{
		printf '%s "leaves a mount" { mkdir "$BATS_RUN_TMPDIR/m-mnt"; mount -t tmpfs none "$BATS_RUN_TMPDIR/m-mnt"; }\n' @test
		printf '%s "leaves a cgroup" { mkdir /sys/fs/cgroup/pids/%s; touch -d "-2 min" /sys/fs/cgroup/pids/%s; }\n' @test "$cg" "$cg"
		printf '%s "leaves a fresh one" { mkdir /sys/fs/cgroup/pids/%s-new; }\n' @test "$cg"
	} >"$TEST_DIR/m/m.bats"
	# (strict: the cgroup check needs the machine to itself, as CI has it)
	run_clean PEA_TEST_STRICT=1 "$TOP/tests/run.sh" "$TEST_DIR/m/m.bats"
	assert_failure
	assert_equal "${lines[-1]}" "3 passed, 1 failed, 0 skipped"
	assert_output --regexp "m.bats left mounts: [^ ]*/bats-run-p[0-9]+-[0-9]+/m-mnt"
	assert_output --regexp "# warning: m.bats left [0-9]+ cgroups: .*$cg"
	! grep -qE "/bats-run-p[0-9]+-[0-9]+/m-mnt " /proc/self/mountinfo
	[[ ! -d /sys/fs/cgroup/pids/$cg ]]
	# one just made may be another run's, about to take a process: kept
	[[ -d /sys/fs/cgroup/pids/$cg-new ]]
	rmdir /sys/fs/cgroup/pids/$cg-new
}

@test "run.sh: a file that unmounts one of the machine's mounts fails" {
	require_root
	local mp="/mnt/pea-harness-$$"
	mkdir -p "$mp" "$TEST_DIR/u"
	mount -t tmpfs none "$mp"
	printf '%s "unmounts the host'"'"'s" { umount "%s"; }\n' @test "$mp" >"$TEST_DIR/u/u.bats"
	run_clean PEA_TEST_STRICT=0 "$TOP/tests/run.sh" "$TEST_DIR/u/u.bats"
	umount "$mp" 2>/dev/null || true
	rmdir "$mp"
	assert_failure
	assert_equal "${lines[-1]}" "1 passed, 1 failed, 0 skipped"
	assert_output --partial "u.bats took down mounts of the machine: $mp"
}

@test "run.sh in CI: a file that leaves a link, a route, an nftables table, a forwarding sysctl or a device's owner changed in the run's network namespace fails, and they go" {
	require_root
	load helpers/netns
	netns_create
	mkdir -p "$TEST_DIR/n"
	{
		printf '%s "makes a veth and a table where it runs" { ip link add pea-h0 type veth peer name pea-h1; nft add table inet peaharness; }\n' @test
		printf '%s "makes and removes one" { ip link add pea-h2 type veth peer name pea-h3; ip link del pea-h2; }\n' @test
		printf '%s "flips ip_forward" { f=/proc/sys/net/ipv4/ip_forward; echo $((1 - $(cat $f))) >$f; }\n' @test
		printf '%s "adds a route" { ip route add 198.51.100.0/24 dev lo; }\n' @test
		printf '%s "changes a route the host had" { ip route replace 203.0.113.0/24 dev lo proto static; }\n' @test
		# /dev is the host's whatever the namespace: a node of the test's own stands for it
		printf '%s "changes a device node" { chgrp 5 "%s"; }\n' @test "$TEST_DIR/full"
	} >"$TEST_DIR/n/n.bats"
	mknod -m 666 "$TEST_DIR/full" c 1 7
	ip -n "$NETNS_NAME" link set lo up
	# a route to a destination the host had, changed: reported, never deleted
	ip -n "$NETNS_NAME" route add 203.0.113.0/24 dev lo
	local forward
	forward=$(nsenter --net="$NETNS_PATH" cat /proc/sys/net/ipv4/ip_forward)
	# run.sh's own namespace stands for the host's here
	run nsenter --net="$NETNS_PATH" env -i PATH="$PATH" HOME="$HOME" PEA_BUILD="$PEA_BUILD" \
		PEA_TEST_STRICT=1 PEA_TEST_HOST_DEVICES="$TEST_DIR/full" "$TOP/tests/run.sh" "$TEST_DIR/n/n.bats"
	local links tables forward_after full routes kept
	full=$(stat -c %u:%g:%a "$TEST_DIR/full")
	forward_after=$(nsenter --net="$NETNS_PATH" cat /proc/sys/net/ipv4/ip_forward)
	routes=$(ip -n "$NETNS_NAME" route show | grep -c 198.51.100 || true)
	kept=$(ip -n "$NETNS_NAME" route show | grep -c 203.0.113 || true)
	links=$(ip -n "$NETNS_NAME" -o link show | grep -c pea-h || true)
	tables=$(ip netns exec "$NETNS_NAME" nft list tables | grep -c peaharness || true)
	netns_delete
	assert_failure
	assert_equal "${lines[-1]}" "6 passed, 1 failed, 0 skipped"
	assert_output --regexp "n.bats changed the host \(network namespace, sysctls, devices, /dev\): .*link pea-h0"
	assert_output --partial "nft inet peaharness"
	assert_output --partial "sysctl net.ipv4.ip_forward=$((1 - forward))"
	assert_output --partial "route4 198.51.100.0/24 dev lo"
	assert_output --partial "dev $TEST_DIR/full 0:5:"
	# put back as it was
	assert_equal "$full" 0:0:666
	assert_equal "$routes" 0
	assert_output --partial "route4 203.0.113.0/24 dev lo proto static scope link"
	assert_equal "$kept" 1
	assert_equal "$forward_after" "$forward"
	refute_output --partial pea-h2
	assert_equal "$links" 0
	assert_equal "$tables" 0
}

@test "run.sh in CI beside another run: a link that appears in the namespace is a warning, and stays" {
	require_root
	load helpers/netns
	netns_create
	mkdir -p "$TEST_DIR/n"
	printf '%s "makes a veth where it runs" { ip link add pea-h4 type veth peer name pea-h5; }\n' @test \
		>"$TEST_DIR/n/b.bats"
	# another run's process (marked with a run id of its own) in the same namespace
	nsenter --net="$NETNS_PATH" env PEA_TEST_RUN=beside.1 sleep 120 3>&- &
	local beside=$! links
	run nsenter --net="$NETNS_PATH" env -i PATH="$PATH" HOME="$HOME" PEA_BUILD="$PEA_BUILD" \
		PEA_TEST_STRICT=1 "$TOP/tests/run.sh" "$TEST_DIR/n/b.bats"
	kill "$beside"
	wait "$beside" || true
	links=$(ip -n "$NETNS_NAME" -o link show pea-h4 | grep -c pea-h4 || true)
	netns_delete
	assert_success
	assert_equal "${lines[-1]}" "1 passed, 0 failed, 0 skipped"
	assert_output --partial "warning: b.bats ran while the host's network namespace changed"
	assert_output --partial "link pea-h4"
	assert_equal "$links" 1
}

@test "run.sh outside CI: a /dev node changed is a warning, and it is put back" {
	require_root
	mkdir -p "$TEST_DIR/d"
	mknod -m 666 "$TEST_DIR/null" c 1 3
	printf '%s "chowns a device node" { chown 99:5 "%s"; chmod 600 "%s"; }\n' @test \
		"$TEST_DIR/null" "$TEST_DIR/null" >"$TEST_DIR/d/d.bats"
	run_clean PEA_TEST_STRICT=0 PEA_TEST_HOST_DEVICES="$TEST_DIR/null" "$TOP/tests/run.sh" "$TEST_DIR/d/d.bats"
	assert_success
	assert_equal "${lines[-1]}" "1 passed, 0 failed, 0 skipped"
	assert_output --partial "warning: d.bats ran while /dev nodes changed (put back): dev $TEST_DIR/null 99:5:2180:1:3"
	assert_equal "$(stat -c %u:%g:%a "$TEST_DIR/null")" 0:0:666
}

@test "run.sh: bats failing without a failing test (no such file) is a failure" {
	run_clean PEA_TEST_STRICT=0 "$TOP/tests/run.sh" "$TEST_DIR/none.bats"
	assert_failure
	assert_equal "${lines[-1]}" "0 passed, 1 failed, 0 skipped"
	assert_output --partial "bats exited with status"
}

@test "run.sh counts the TAP of a C unit test and a crash without TAP" {
	local t
	t=$(ls "$PEA_BUILD"/tests/unit/test-strv)
	run_clean "$TOP/tests/run.sh" "$t"
	assert_success
	assert_line --regexp '^[0-9]+ passed, 0 failed, 0 skipped$'
	printf '#!/bin/sh\nexit 3\n' >"$TEST_DIR/test-crash"
	chmod +x "$TEST_DIR/test-crash"
	run_clean "$TOP/tests/run.sh" "$TEST_DIR/test-crash"
	assert_failure
	assert_equal "${lines[-1]}" "0 passed, 1 failed, 0 skipped"
}

@test "deps.sh as a normal user names what is missing and how to install it" {
	require_root
	run runuser -u nobody -- "$TOP/scripts/deps.sh" bash pea-no-such-package
	assert_failure
	assert_output --partial "missing 1 package(s): pea-no-such-package"
	assert_output --partial "apt-get install -y pea-no-such-package"
}

@test "deps.sh is quiet and succeeds when everything is installed" {
	run "$TOP/scripts/deps.sh" --if-missing bash coreutils
	assert_success
	assert_output ""
}

@test "make install lays out a package tree and make uninstall removes exactly it" {
	local stage=$TEST_DIR/stage
	run make -C "$TOP" --no-print-directory BUILD="$PEA_BUILD" install DESTDIR="$stage" PREFIX=/usr
	assert_success
	# Everything installed goes under the usual places, nothing elsewhere.
	run bash -c "cd '$stage' && find . -type f | sort"
	assert_success
	for f in "${lines[@]}"; do
		[[ $f == ./usr/bin/* || $f == ./usr/share/man/man[1-8]/* || $f == ./usr/share/pea/* ||
			$f == ./usr/share/bash-completion/completions/* || $f == ./usr/libexec/pea/* ]] ||
			fail "unexpected file in the install tree: $f"
	done
	assert_line ./usr/share/pea/storage.conf
	assert_line ./usr/share/pea/containers.conf
	local b
	for b in $(cd "$PEA_BUILD/bin" 2>/dev/null && ls); do
		assert_line "./usr/bin/$b"
		assert_line "./usr/share/bash-completion/completions/$b"
		[[ -x "$stage/usr/bin/$b" ]] || fail "$b is not executable"
		ls "$stage"/usr/share/man/man*/"$b".[1-8] >/dev/null || fail "no man page for $b"
	done
	# Man pages are roff, not markdown.
	local m
	for m in "$stage"/usr/share/man/man*/*; do
		[[ -e $m ]] || continue
		grep -q '^\.TH' "$m" || fail "$m is not a roff man page"
	done
	run make -C "$TOP" --no-print-directory BUILD="$PEA_BUILD" uninstall DESTDIR="$stage" PREFIX=/usr
	assert_success
	run find "$stage" -mindepth 1
	assert_success
	assert_output ""
}

@test "bash completion offers a binary's commands and options from its --help" {
	cat >"$TEST_DIR/peatool" <<'T'
#!/bin/sh
if [ "$1" = run ]; then echo "Usage: peatool run [--detach] ID"; exit 0; fi
cat <<H
Usage: peatool [OPTIONS] COMMAND

Commands:
  create    make a thing
  run       run a thing

Options:
  -r, --root=DIR   state folder
      --help       this help
H
T
	chmod +x "$TEST_DIR/peatool"
	complete_words() {
		bash -c "source '$TOP/completions/bash/pea-completion.bash'
			COMP_WORDS=($*); COMP_CWORD=\$((\${#COMP_WORDS[@]} - 1)); _pea_complete
			printf '%s\n' \"\${COMPREPLY[@]}\""
	}
	run -0 complete_words "'$TEST_DIR/peatool' ''"
	assert_output "$(printf 'create\nrun')"
	run -0 complete_words "'$TEST_DIR/peatool' --r"
	assert_output "--root"
	run -0 complete_words "'$TEST_DIR/peatool' run --d"
	assert_output "--detach"
}
