#!/usr/bin/env bats
# pea run/create/start/exec -t: a terminal for the container, pea's own in raw
# mode and restored, its size passed on and on SIGWINCH, the detach keys
# (podman-run(1), podman-start(1), podman-exec(1)). Terminals come from script(1).
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-frontend
load helpers/fe-file

setup() {
	fe_file_setup script
}

# pea_bash FILE: bash FILE under the file's subreaper (a detached container's
# monitor is reaped there), with pea and its global options as "$@".
pea_bash() {
	local real=$PEA
	local PEA=bash
	local FE_ARGS=("$1" "$real" "${FE_ARGS[@]}")
	pea_cmd
}

# on_terminal FILE: bash FILE on a terminal (script), bounded, under the
# file's subreaper; "$@" in it is pea and its options. script's stdin is
# /dev/null (see tests/20-monitor-podman.bats), its shell bash; anything in
# FILE that sets the terminal up runs under timeout --foreground.
on_terminal() {
	local real=$PEA
	local PEA=bash
	local FE_ARGS=(-c 'SHELL=/bin/bash timeout -k 5 60 script -qec "bash $(printf "%q " "$@")" /dev/null </dev/null' _ "$1" "$real" "${FE_ARGS[@]}")
	pea_cmd
}

@test "run -it (on a terminal): the caller's size, the exit code, the terminal restored" {
	cat >"$TEST_DIR/t.sh" <<-'EOF'
	stty rows 33 cols 77
	saved=$(stty -g)
	timeout --foreground -k 5 30 "$@" run -it --rm busybox sh -c 'tty; sleep 0.3; stty size; exit 3'
	rc=$?
	[ "$saved" = "$(stty -g)" ] && echo restored
	exit $rc
	EOF
	run -3 on_terminal "$TEST_DIR/t.sh"
	assert_output --regexp '/dev/pts/[0-9]+'
	assert_output --partial "33 77"
	assert_output --partial restored
	run -0 pea_cmd ps -aq
	assert_output ""
}

@test "run -it: SIGWINCH resizes the container's terminal" {
	cat >"$TEST_DIR/t.sh" <<-'EOF'
	stty rows 33 cols 77
	timeout --foreground -k 5 30 "$@" run -it --rm --name w busybox sh -c 'stty size; while [ "$(stty size)" = "33 77" ]; do sleep 0.1; done; stty size' &
	for i in $(seq 100); do
		[ "$("$@" ps --format '{{.State}}' 2>/dev/null)" = running ] && break
		sleep 0.1
	done
	sleep 0.5
	stty rows 40 cols 100
	wait $!
	EOF
	run -0 on_terminal "$TEST_DIR/t.sh"
	assert_output --partial "33 77"
	assert_output --partial "40 100"
}

@test "run -t without -i, create -t and start -a, logs keep the terminal's output" {
	run -0 pea_cmd run -t --name t1 busybox sh -c 'tty; echo hello'
	assert_output --regexp '/dev/pts/[0-9]+'
	assert_output --partial hello
	run -0 pea_cmd logs t1
	assert_output --partial hello
	run -0 pea_cmd create -t --name s busybox sh -c 'tty; exit 2'
	run -2 pea_cmd start -a s
	assert_output --regexp '/dev/pts/[0-9]+'
	# without -t, no terminal
	run -1 pea_cmd run --rm busybox tty
	assert_output "not a tty"
}

@test "detach keys: ctrl-p,ctrl-q leaves the container running (--rm: removed when it ends), --detach-keys" {
	cat >"$TEST_DIR/t.sh" <<-'EOF'
	(sleep 0.5; printf '\020\021'; sleep 1) | timeout -k 5 30 "$@" run -it --rm --name d busybox sh -c 'echo started; sleep 100'
	echo rc=$?
	EOF
	run -0 pea_bash "$TEST_DIR/t.sh"
	assert_output --partial started
	assert_output --partial rc=0
	run -0 pea_cmd ps --format '{{.Names}} {{.State}}'
	assert_output "d running"
	run -0 pea_cmd stop -t 1 d
	for ((n = 0; n < 100; n++)); do
		[[ -z "$(pea_out ps -aq)" ]] && break
		sleep 0.05
	done
	run -0 pea_cmd ps -aq
	assert_output ""
	# keys of one's own; a beginning of them followed by other input is input
	cat >"$TEST_DIR/t.sh" <<-'EOF'
	printf 'qa\n' | timeout -k 5 30 "$@" run -it --rm --detach-keys q,q busybox sh -c 'read l; echo "got $l"; exit 4'
	EOF
	run -4 pea_bash "$TEST_DIR/t.sh"
	assert_output --partial "got qa"
	cat >"$TEST_DIR/t.sh" <<-'EOF'
	(sleep 0.5; printf '\001x'; sleep 1) | timeout -k 5 30 "$@" run -it --name k --detach-keys ctrl-a,x busybox sleep 100
	echo rc=$?
	EOF
	run -0 pea_bash "$TEST_DIR/t.sh"
	assert_output --partial rc=0
	run -0 pea_cmd ps --format '{{.Names}} {{.State}}'
	assert_output "k running"
	run -0 pea_cmd rm -f k
}

@test "exec -it and exec -t (on a terminal): a terminal of the caller's size, the exit code" {
	run -0 pea_cmd run -d --name ex busybox sleep 100
	cat >"$TEST_DIR/t.sh" <<-'EOF'
	stty rows 33 cols 77
	timeout --foreground -k 5 30 "$@" exec -it ex sh -c 'tty; sleep 0.3; stty size; exit 4'
	EOF
	run -4 on_terminal "$TEST_DIR/t.sh"
	assert_output --regexp '/dev/pts/[0-9]+'
	assert_output --partial "33 77"
	run -5 pea_cmd exec -t ex sh -c 'tty; exit 5'
	assert_output --regexp '/dev/pts/[0-9]+'
	run -0 pea_cmd exec ex sh -c 'tty || true'
	assert_output "not a tty"
	ls /tmp | grep -q '^pea-tty-' && fail "console socket folders left in /tmp"
	run -0 pea_cmd rm -f ex
}

@test "bad detach keys: one clear line, exit 125, nothing made" {
	run -125 pea_cmd run -it --rm --detach-keys ctrl-1 busybox true
	assert_output --partial "invalid detach keys 'ctrl-1': unknown key 'ctrl-1'"
	run -125 pea_cmd run -it --rm --detach-keys 'a,,b' busybox true
	assert_output --partial "invalid detach keys"
	run -125 pea_cmd create --detach-keys ctrl-p busybox true
	assert_output --partial "unknown flag: --detach-keys"
	run -125 pea_cmd start --detach-keys bogus-key nosuch
	assert_output --partial "invalid detach keys"
	run -0 pea_cmd ps -aq
	assert_output ""
}

@test "attach to a -t container (on a terminal): raw mode, the caller's size and SIGWINCH, its exit code, the terminal restored" {
	run -0 pea_cmd run -dit --name at busybox sh -c 'while [ ! -e /tmp/go ]; do sleep 0.1; done; stty size; touch /tmp/seen; while [ "$(stty size)" = "33 77" ]; do sleep 0.1; done; stty size; exit 7'
	fe_wait_state at running
	cat >"$TEST_DIR/t.sh" <<-'EOF'
	stty rows 33 cols 77
	saved=$(stty -g)
	(
		# once attach made the terminal raw: go, and once the size was seen, resize
		for i in $(seq 100); do
			stty -a | grep -q -- '-icanon' && break
			sleep 0.1
		done
		stty -a >"$RAW_OUT"
		"$@" exec at touch /tmp/go
		for i in $(seq 100); do
			"$@" exec at test -e /tmp/seen && break
			sleep 0.1
		done
		stty rows 40 cols 100
	) </dev/tty &
	timeout --foreground -k 5 30 "$@" attach at
	rc=$?
	[ "$saved" = "$(stty -g)" ] && echo restored
	exit $rc
	EOF
	sed -i "1i RAW_OUT=$TEST_DIR/raw" "$TEST_DIR/t.sh"
	run -7 on_terminal "$TEST_DIR/t.sh"
	assert_output --partial "33 77"
	assert_output --partial "40 100"
	assert_output --partial restored
	run -0 grep -E -- '-icanon .*-echo ' "$TEST_DIR/raw"
}

@test "attach: ctrl-p,ctrl-q detaches and leaves it running; --detach-keys of one's own, \"\" for none" {
	run -0 pea_cmd run -dit --name at busybox sh
	fe_wait_state at running
	# the keys go once the container's answer came back (the output in OUT)
	cat >"$TEST_DIR/t.sh" <<-'EOF'
	(
		printf 'echo hel""lo\n'
		for i in $(seq 100); do
			grep -q hello "$OUT" 2>/dev/null && break
			sleep 0.1
		done
		printf '\020\021'
		sleep 2
	) | timeout -k 5 30 "$@" attach at >"$OUT"
	echo rc=$?
	cat "$OUT"
	EOF
	sed -i "1i OUT=$TEST_DIR/out" "$TEST_DIR/t.sh"
	run -0 pea_bash "$TEST_DIR/t.sh"
	assert_output --partial hello
	assert_output --partial rc=0
	run -0 pea_cmd ps --format '{{.Names}} {{.State}}'
	assert_output "at running"
	cat >"$TEST_DIR/t.sh" <<-'EOF'
	(printf 'x'; sleep 2) | timeout -k 5 30 "$@" attach --detach-keys x at
	echo rc=$?
	EOF
	run -0 pea_bash "$TEST_DIR/t.sh"
	assert_output --partial rc=0
	run -0 pea_cmd ps --format '{{.Names}} {{.State}}'
	assert_output "at running"
	# no detach keys: ctrl-p,ctrl-q reach the container (its terminal raw)
	run -0 pea_cmd run -dit --name raw busybox sh -c 'stty raw -echo; touch /tmp/raw; head -c 3 | od -An -tx1; exit 5'
	fe_wait_state raw running
	for ((n = 0; n < 100; n++)); do
		pea_cmd exec raw test -e /tmp/raw && break
		sleep 0.1
	done
	cat >"$TEST_DIR/t.sh" <<-'EOF'
	(printf '\020\021z'; sleep 5) | timeout -k 5 30 "$@" attach --detach-keys "" raw
	EOF
	run -5 pea_bash "$TEST_DIR/t.sh"
	assert_output --partial "10 11 7a"
	run -0 pea_cmd rm -f at raw
}

@test "attach --no-stdin sends no input; without it the input goes to the container" {
	run -0 pea_cmd run -di --name in busybox sh -c 'sleep 0.5; read -t 4 x; echo "got[$x]"; exit 2'
	fe_wait_state in running
	cat >"$TEST_DIR/t.sh" <<-'EOF'
	(printf 'hello\n'; sleep 6) | timeout -k 5 30 "$@" attach --no-stdin in
	EOF
	run -2 pea_bash "$TEST_DIR/t.sh"
	assert_output "got[]"
	run -0 pea_cmd run -di --name in2 busybox sh -c 'sleep 0.5; read -t 20 x; echo "got[$x]"; exit 3'
	fe_wait_state in2 running
	cat >"$TEST_DIR/t.sh" <<-'EOF'
	printf 'hello\n' | timeout -k 5 30 "$@" attach in2
	EOF
	run -3 pea_bash "$TEST_DIR/t.sh"
	assert_output "got[hello]"
}

@test "attach --sig-proxy: a signal to pea goes to the container; =false: it stops pea only" {
	run -0 pea_cmd run -d --name sp busybox sh -c 'trap "echo got TERM; exit 9" TERM; while :; do echo tick; sleep 0.2; done'
	fe_wait_state sp running
	# the signal once attach passes the output on (it is then in its loop)
	cat >"$TEST_DIR/t.sh" <<-'EOF'
	timeout -k 5 30 "$@" attach OPT sp >"$OUT" &
	pid=$!
	for i in $(seq 100); do
		grep -q tick "$OUT" && break
		sleep 0.1
	done
	kill -TERM $pid
	wait $pid
	echo rc=$?
	grep -v tick "$OUT" || true
	EOF
	sed -i "1i OUT=$TEST_DIR/out" "$TEST_DIR/t.sh"
	sed 's/OPT/--sig-proxy=false/' "$TEST_DIR/t.sh" >"$TEST_DIR/f.sh"
	run -0 pea_bash "$TEST_DIR/f.sh"
	assert_output --partial rc=143
	run -0 pea_cmd ps --format '{{.Names}} {{.State}}'
	assert_output "sp running"
	sed 's/OPT/--sig-proxy/' "$TEST_DIR/t.sh" >"$TEST_DIR/p.sh"
	run -0 pea_bash "$TEST_DIR/p.sh"
	assert_output --partial "got TERM"
	assert_output --partial rc=9
}

@test "attach: bad input, one clear line, exit 125" {
	run -125 pea_cmd attach --detach-keys ctrl-1 nosuch
	assert_output --partial "invalid detach keys 'ctrl-1'"
	run -125 pea_cmd attach nosuch
	assert_output --partial 'no container with name or ID "nosuch" found'
	run -125 pea_cmd attach --sig-proxy=maybe nosuch
	assert_output --partial "--sig-proxy"
	run -0 pea_cmd create --name cr busybox true
	run -125 pea_cmd attach cr
	assert_output --partial "you can only attach to running containers"
	run -125 pea_cmd attach
	assert_output --partial "attach requires the name or id"
}

@test "exec -d (-t): the session's id, the process runs on in the background, with a terminal with -t" {
	run -0 pea_cmd run -d --name ex busybox sleep 100
	run -0 pea_cmd exec -d ex sh -c "sleep 0.5; echo bg >/tmp/out"

	assert_output --regexp '^[0-9a-f]{64}$'
	run -0 pea_cmd exec -d -t ex sh -c 'tty >/tmp/tty; stty size >/tmp/size; sleep 1; echo alive >/tmp/alive'
	for ((n = 0; n < 100; n++)); do
		[[ "$(pea_out exec ex cat /tmp/alive 2>/dev/null)" == alive ]] && break
		sleep 0.1
	done
	run -0 pea_cmd exec ex cat /tmp/out /tmp/tty /tmp/alive
	assert_line --index 0 bg
	assert_line --index 1 --regexp '^/dev/pts/[0-9]+$'
	assert_line --index 2 alive
	run -127 pea_cmd exec -d ex /nosuch
	assert_output --partial "not found"
	run -0 pea_cmd rm -f ex
}

@test "exec -i without -t: stdin to the process and its end (EOF); without -i, no stdin" {
	run -0 pea_cmd run -d --name ex busybox sleep 100
	cat >"$TEST_DIR/t.sh" <<-'EOF'
	printf 'one\ntwo\n' | timeout -k 5 30 "$@" exec -i ex sh -c 'wc -l; exit 3'
	echo rc=$?
	printf 'one\ntwo\n' | timeout -k 5 30 "$@" exec ex sh -c 'wc -l'
	EOF
	run -0 pea_bash "$TEST_DIR/t.sh"
	assert_output "2
rc=3
0"
	run -0 pea_cmd rm -f ex
}

@test "exec exit codes as podman: 125 engine, 126 cannot invoke, 127 not found, else the process's" {
	run -0 pea_cmd run -d --name ex busybox sleep 100
	run -127 pea_cmd exec ex /nosuch
	assert_output --partial "not found"
	run -126 pea_cmd exec ex /etc
	assert_output --partial "ermission denied"
	run -127 pea_cmd exec -t ex /nosuch
	run -126 pea_cmd exec -t ex /etc
	run -3 pea_cmd exec ex sh -c 'exit 3'
	run -125 pea_cmd exec --bogus ex true
	assert_output --partial "unknown flag: --bogus"
	run -125 pea_cmd exec --detach-keys ctrl-1 ex true
	assert_output --partial "invalid detach keys 'ctrl-1'"
	run -125 pea_cmd exec -w rel ex true
	assert_output --partial 'invalid workdir "rel"'
	run -125 pea_cmd exec nosuch true
	assert_output --partial 'no container with name or ID "nosuch" found'
	run -125 pea_cmd exec ex
	assert_output --partial "exec requires the name or ID of a container and a command"
	run -0 pea_cmd create --name cr busybox true
	run -125 pea_cmd exec cr true
	assert_output --partial "can only create exec sessions on running containers"
	run -0 pea_cmd rm -f ex cr
}

@test "exec -it --detach-keys: the keys leave the process running" {
	run -0 pea_cmd run -d --name ex busybox sleep 100
	cat >"$TEST_DIR/t.sh" <<-'EOF'
	(sleep 1; printf 'x'; sleep 1) | timeout -k 5 30 "$@" exec -it --detach-keys x ex sh -c 'sleep 1.5; echo survived >/tmp/s'
	echo rc=$?
	EOF
	run -0 pea_bash "$TEST_DIR/t.sh"
	assert_output --partial rc=0
	for ((n = 0; n < 50; n++)); do
		[[ "$(pea_out exec ex cat /tmp/s 2>/dev/null)" == survived ]] && break
		sleep 0.1
	done
	run -0 pea_cmd exec ex cat /tmp/s
	assert_output survived
	run -0 pea_cmd rm -f ex
}

@test "exec --privileged: the capabilities of run --privileged (pea's bounding set), not the container's" {
	run -0 pea_cmd run -d --name ex busybox sleep 100
	bnd=$(awk '/^CapBnd/ { print $2 }' /proc/self/status)
	run -0 pea_cmd exec ex grep CapEff /proc/self/status
	refute_output "CapEff:	$bnd"
	run -0 pea_cmd exec --privileged ex grep CapEff /proc/self/status
	assert_output "CapEff:	$bnd"
	# a user other than root starts without effective capabilities, as with run
	run -0 pea_cmd exec --privileged -u 1000 ex grep CapEff /proc/self/status
	assert_output "CapEff:	0000000000000000"
	run -0 pea_cmd rm -f ex
}

@test "exec --env-file: KEY=VALUE and KEY lines, -e after it; a bad file is one line, exit 125" {
	run -0 pea_cmd run -d --name ex busybox sleep 100
	printf '# comment\n\nA=1\n  B=two words  \nHOME\n' >"$TEST_DIR/env"
	run -0 pea_cmd exec --env-file "$TEST_DIR/env" -e A=3 ex sh -c 'echo "$A|$B|$HOME"'
	assert_output "3|two words|$HOME"
	printf '=x\n' >"$TEST_DIR/bad"
	run -125 pea_cmd exec --env-file "$TEST_DIR/bad" ex true
	assert_output --partial "--env-file '$TEST_DIR/bad': invalid line \"=x\""
	run -125 pea_cmd exec --env-file "$TEST_DIR/nosuch" ex true
	assert_output --partial "--env-file"
	assert_output --partial "No such file or directory"
	run -0 pea_cmd rm -f ex
}

@test "attach -l and exec -l: the container created last" {
	run -125 pea_cmd exec -l true
	assert_output --partial "no containers"
	run -0 pea_cmd run -d --name first busybox sleep 100
	run -0 pea_cmd run -d --name last busybox sh -c 'for i in $(seq 50); do echo tick; sleep 0.1; done; exit 4'
	run -0 pea_cmd exec -l hostname
	assert_output "$(pea_out inspect --format '{{.Id}}' last | cut -c1-12)"
	run -4 pea_cmd attach -l
	assert_output --partial tick
	run -125 pea_cmd attach -l first
	assert_output --partial "--latest and containers cannot be used together"
	run -125 pea_cmd exec -l
	assert_output --partial "exec requires the name or ID of a container and a command"
	run -0 pea_cmd rm -f first last
}
