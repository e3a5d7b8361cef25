#!/usr/bin/env bash
# Run pea's tests and print one summary line: "N passed, N failed, N skipped".
#
#   tests/run.sh                      unit tests, fuzz corpus replays, every tests/*.bats
#   tests/run.sh tests/10-runtime-*.bats build/tests/unit/test-json ...   just those
#
# PEA_BUILD is the build folder (default: build/ next to tests/). In CI
# (CI=true or PEA_TEST_STRICT=1) a skip counts as a failure unless its reason
# starts with "expected:", a documented limit of the platform.
set -uo pipefail

# Run from inside bats (the harness tests), PATH starts with bats' libexec:
# call the real entry point.
PATH=$(tr ':' '\n' <<<"$PATH" | grep -v '/bats-core' | paste -sd:)
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PEA_BUILD=${PEA_BUILD:-$top/build}
strict=0
if [[ "${CI:-}" == true || "${PEA_TEST_STRICT:-0}" == 1 ]]; then
	strict=1
	export PEA_TEST_STRICT=1
fi

passed=0 failed=0 skipped=0
failures=()
# the first lines of what each failure printed, repeated in the summary:
# CI may show only the end of the output
failure_lines=()
detail_left=0

# Count one TAP line; echo it so progress shows as it happens.
tap_line() {
	local what=$1 line=$2
	printf '%s\n' "$line"
	case "$line" in
	"not ok "*)
		failed=$((failed + 1))
		failures+=("$what: ${line#not ok }")
		failure_lines+=("")
		detail_left=12
		;;
	"# "*)
		if ((detail_left > 0)); then
			failure_lines[-1]+="#       ${line#\# }"$'\n'
			detail_left=$((detail_left - 1))
		fi
		;;
	"ok "*"# skip"* | "ok "*"# SKIP"*)
		detail_left=0
		local reason=${line#*# [sS][kK][iI][pP]}
		reason=${reason# }
		if ((strict)) && [[ "$reason" != expected:* ]]; then
			failed=$((failed + 1))
			failures+=("$what: unexpected skip in CI: ${line#ok }")
			failure_lines+=("")
		else
			skipped=$((skipped + 1))
		fi
		;;
	"ok "*)
		passed=$((passed + 1))
		detail_left=0
		;;
	*) detail_left=0 ;;
	esac
}

run_unit() {
	local t=$1 name out rc
	name=$(basename "$t")
	echo "# unit: $name"
	out=$(cd "$top" && "$t" 2>&1)
	rc=$?
	if ((rc == 77)); then
		tap_line "$name" "ok 1 $name # skip ${out#*# skip }"
		return
	fi
	local saw_fail=0
	while IFS= read -r line; do
		[[ "$line" == "not ok "* ]] && saw_fail=1
		case "$line" in
		"ok "* | "not ok "*) tap_line "$name" "$line" ;;
		*) printf '%s\n' "$line" ;;
		esac
	done <<<"$out"
	if ((rc != 0 && !saw_fail)); then
		tap_line "$name" "not ok - $name exited with status $rc"
	fi
}

run_fuzz_replay() {
	local t=$1 name corpus
	name=$(basename "$t")
	name=${name#fuzz-}
	corpus=$top/tests/fuzz/corpus/$name
	if [[ ! -d "$corpus" ]] || [[ -z "$(ls -A "$corpus")" ]]; then
		tap_line "fuzz-$name" "not ok - fuzz-$name: no seed corpus in tests/fuzz/corpus/$name"
		return
	fi
	if "$t" "$corpus"/* >/dev/null 2>"$PEA_BUILD/tests/fuzz/$name.log"; then
		tap_line "fuzz-$name" "ok - fuzz-$name replays its corpus ($(ls "$corpus" | wc -l) inputs)"
	else
		tail -5 "$PEA_BUILD/tests/fuzz/$name.log"
		tap_line "fuzz-$name" "not ok - fuzz-$name crashed on its corpus"
	fi
}

# PID 1 may not reap orphans (no systemd, containers here): run bats under a
# subreaper so what tests leave behind (monitors, daemons) does not pile up
# as zombies.
reaper=
if command -v tini >/dev/null; then
	reaper="tini -s -g --"
fi

# Limits, so that one hang costs a file, never the whole run: a cap per file
# and a budget for all files. bats' own per-test timeout is there on demand
# (PEA_TEST_TIMEOUT) but not by default: in bats 1.8.2 its watchdog can
# outlive a quick test on a loaded machine and hold the test's output open
# until it fires.
if [[ -n "${PEA_TEST_TIMEOUT:-}" ]]; then
	export BATS_TEST_TIMEOUT=$PEA_TEST_TIMEOUT
fi
file_timeout=${PEA_TEST_FILE_TIMEOUT:-600}
budget=${PEA_TEST_BUDGET:-3600}

# Every process a test file starts carries this in its environment, so what
# it leaves running can be found and stopped once the file is over.
export PEA_TEST_RUN="$$.$RANDOM$RANDOM"

# leftovers: pids (and names) of processes still marked with PEA_TEST_RUN.
# One grep over every environ (a grep per process took ~2 s a file at load 10);
# the list is taken before the grep starts, so the grep is not in it.
leftovers() {
	local e pid all=(/proc/[0-9]*/environ)
	for e in $(grep -lzxF "PEA_TEST_RUN=$PEA_TEST_RUN" "${all[@]}" 2>/dev/null); do
		pid=${e#/proc/}
		pid=${pid%/environ}
		((pid == $$ || pid == BASHPID)) && continue
		[[ $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) == Z ]] && continue
		printf '%s:%s\n' "$pid" "$(cat "/proc/$pid/comm" 2>/dev/null)"
	done
}

# descendants PID...: the given pids and every process below them (the
# containers under a leftover monitor do not carry PEA_TEST_RUN).
descendants() {
	local p c
	for p in "$@"; do
		echo "$p"
		for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do
			descendants "$c"
		done
	done
}

# cgroups and mounts: what a file made and did not take down.
# (Named once, not per hierarchy; Podman's parents libpod_parent and
# libpod_parent/conmon and pea's parent pea stay by design, and the host's own
# process_api is not ours.)
cgroup_dirs() {
	find /sys/fs/cgroup -mindepth 2 -maxdepth 3 -type d 2>/dev/null |
		sed 's|^/sys/fs/cgroup/[^/]*/||' |
		grep -vxE 'libpod_parent|libpod_parent/conmon|pea|process_api(/.*)?' | sort -u
}
# mount_points DIR: the mounts below DIR (a file's own bats run folder).
mount_points() {
	awk -v d="$1/" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo | sort -u
}
# system_mounts: the machine's own mounts (/proc, /sys, cgroups, /dev/pts...),
# not the temporary ones tests and other runs come and go with. A test that
# unmounts one of them on the host breaks every test after it (a lost
# /dev/pts once failed each `script` test that followed).
system_mounts() {
	awk '{print $5}' /proc/self/mountinfo |
		grep -vE '^(/tmp|/var/tmp|/run/netns|/work|/home|/var/lib/containers|/run/containers|/run/user|/run/pea|/p/)' |
		sort -u
}
system_mounts_at_start=$(system_mounts)
# host_net: the links and nftables tables of the namespace the run is in (the
# host's), its forwarding sysctls, and /dev/null's owner and mode (crun chowns
# the stdio it is given to a user namespace's root: /dev/null given to it is the
# host's). Tests make theirs in namespaces of their own; something new here
# after a file is a change to the host (in strict mode only: a run beside this
# one may be making its own).
host_net() {
	{
		ip -o link show 2>/dev/null | awk -F': ' '{sub(/@.*/, "", $2); print "link " $2}'
		nft list tables 2>/dev/null | sed 's/^table /nft /'
		local k
		for k in net.ipv4.ip_forward net.ipv6.conf.all.forwarding; do
			echo "sysctl $k=$(cat "/proc/sys/${k//.//}" 2>/dev/null)"
		done
		echo "devnull $(stat -c '%u:%g:%a:%F:%t:%T' /dev/null 2>/dev/null)"
	} | sort -u
}

# ancestor_runs: the PEA_TEST_RUN of the runs this one is inside (the
# harness's own tests run run.sh from a test).
ancestor_runs() {
	local p=$PPID
	while ((p > 1)); do
		tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | sed -n 's/^PEA_TEST_RUN=//p'
		p=$(awk '{print $4}' "/proc/$p/stat" 2>/dev/null)
		[[ -n "$p" ]] || break
	done
}

# runs_beside: whether another run of this harness has processes in this
# network namespace: then what appears there may be its, and is reported,
# not removed.
runs_beside() {
	local mine net v e
	mine=$(ancestor_runs)
	net=$(readlink /proc/$$/ns/net)
	for e in /proc/[0-9]*/environ; do
		v=$(tr '\0' '\n' <"$e" 2>/dev/null | sed -n 's/^PEA_TEST_RUN=//p')
		[[ -z "$v" || "$v" == "$PEA_TEST_RUN" ]] && continue
		grep -qxF -- "$v" <<<"$mine" && continue
		[[ $(readlink "${e%/environ}/ns/net" 2>/dev/null) == "$net" ]] && return 0
	done
	return 1
}

bats_started=$SECONDS
files_run=0
# seconds each bats file took, for "# took N s: FILE" and the slowest list
file_times=()

# run_bats_file FILE: run one file, then say how long it took.
run_bats_file() {
	local t0=$SECONDS took
	run_bats_file_checked "$1"
	took=$((SECONDS - t0))
	echo "# took $took s: $(basename "$1")"
	file_times+=("$took $(basename "$1")")
}

run_bats_file_checked() {
	local f=$1 name out rc bpid left failed_before=$failed
	name=$(basename "$f")
	echo "# bats: $name"
	if ((SECONDS - bats_started > budget)); then
		tap_line "$name" "not ok - $name not run: the suites went over their budget of ${budget} s"
		return
	fi
	local cg_before run_dir net_before
	cg_before=$(cgroup_dirs)
	net_before=$(host_net)
	run_dir=${TMPDIR:-/tmp}/bats-run-p$$-$((++files_run))
	# a folder left by an earlier run whose pid was ours (killed, or another run's): the next
	while [[ -e $run_dir ]]; do
		run_dir=${TMPDIR:-/tmp}/bats-run-p$$-$((++files_run))
	done
	out=$(mktemp)
	# Output goes to a file, not a pipe: a daemon that keeps a copy of its
	# stdout cannot hold the run up.
	(cd "$top" && exec timeout -k 10 "$file_timeout" $reaper bats --tempdir "$run_dir" --tap "$f" >"$out" 2>&1 </dev/null) &
	bpid=$!
	while IFS= read -r line; do
		tap_line "$name" "$line"
	done < <(tail -s 0.2 -n +1 --pid="$bpid" -f "$out")
	wait "$bpid"
	rc=$?
	if ((rc == 124 || rc == 137)); then
		tap_line "$name" "not ok - $name stopped after ${file_timeout} s, in the test after the last one above"
	fi
	rm -f "$out"
	left=$(leftovers)
	# what was just told to stop gets a moment (1 s) to go
	local n
	for ((n = 0; n < 10 && ${#left}; n++)); do
		sleep 0.1
		left=$(leftovers)
	done
	if [[ -n "$left" ]]; then
		tap_line "$name" "not ok - $name left processes running: $(tr '\n' ' ' <<<"$left")"
		# children first, so that none is left to run on as an orphan
		descendants $(cut -d: -f1 <<<"$left") | tac | xargs -r kill -KILL 2>/dev/null
	fi
	left=$(mount_points "$run_dir")
	if [[ -n "$left" ]]; then
		tap_line "$name" "not ok - $name left mounts: $(tr '\n' ' ' <<<"$left")"
		sort -r <<<"$left" | xargs -r -n1 umount -l 2>/dev/null
		rm -rf "$run_dir"
	fi
	left=$(comm -23 <(echo "$system_mounts_at_start") <(system_mounts))
	if [[ -n "$left" ]]; then
		tap_line "$name" "not ok - $name took down mounts of the machine: $(tr '\n' ' ' <<<"$left")"
		# the one whose loss breaks the rest of the run
		if grep -qx /dev/pts <<<"$left"; then
			mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts 2>/dev/null
		fi
		system_mounts_at_start=$(system_mounts)
	fi
	if ((rc != 0 && failed == failed_before)); then
		# bats failed without a failing test or leftover to show for it
		tap_line "$name" "not ok - bats exited with status $rc on $name"
	fi
	if ((strict)); then
		left=$(comm -13 <(echo "$net_before") <(host_net))
		if [[ -n "$left" ]] && runs_beside; then
			echo "# warning: $name ran while the host's network namespace changed (another test run is on the machine; left as it is): $(tr '\n' ' ' <<<"$left")"
		elif [[ -n "$left" ]]; then
			tap_line "$name" "not ok - $name changed the host (network namespace, sysctls, /dev/null): $(tr '\n' ' ' <<<"$left")"
			local kind what
			while read -r kind what; do
				case $kind in
				link) ip link del "$what" 2>/dev/null ;;
				nft) nft delete table $what 2>/dev/null ;;
				sysctl) sysctl -qw "$(grep -m1 "^sysctl ${what%%=*}=" <<<"$net_before" | cut -d' ' -f2)" 2>/dev/null ;;
				devnull) chown 0:0 /dev/null && chmod 666 /dev/null ;;
				esac
			done <<<"$left"
		fi
	fi
	# Cgroups are not marked as processes are: only a run alone on the
	# machine (CI) can tell whose they are, and even then they are reported,
	# not counted, until every suite is known clean of them.
	((strict)) || return 0
	left=$(comm -13 <(echo "$cg_before") <(cgroup_dirs))
	if [[ -n "$left" ]]; then
		echo "# warning: $name left $(wc -l <<<"$left") cgroups: $(tr '\n' ' ' <<<"$left")"
		# Only those a minute old: a run beside this one (a developer's)
		# may have just made one for a container it is about to move in.
		# (one find for all: a find per cgroup and hierarchy, 473 of them beside
		# 43 containers of other runs, took 13 s after each file at load 16)
		local cg h dirs=()
		while read -r cg; do
			for h in /sys/fs/cgroup/*/; do
				[[ -d "$h$cg" ]] && dirs+=("$h$cg")
			done
		done < <(sort -r <<<"$left")
		if ((${#dirs[@]})); then
			find "${dirs[@]}" -maxdepth 0 -mmin +1 2>/dev/null | xargs -r -d '\n' rmdir 2>/dev/null
		fi
	fi
}

run_bats() {
	# Namespaced tests defeat LeakSanitizer's stop-the-world; leaks are
	# checked by the unit tests.
	export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
	local f
	for f in "$@"; do run_bats_file "$f"; done
}

units=() fuzzers=() suites=()
if (($# == 0)); then
	for t in "$PEA_BUILD"/tests/unit/test-*; do [[ -x "$t" ]] && units+=("$t"); done
	for t in "$PEA_BUILD"/tests/fuzz/fuzz-*; do [[ -x "$t" && "$t" != *.log ]] && fuzzers+=("$t"); done
	for t in "$top"/tests/*.bats; do [[ -f "$t" ]] && suites+=("$t"); done
else
	for t in "$@"; do
		case "$t" in
		*.bats) suites+=("$(realpath "$t")") ;;
		*/fuzz-*) fuzzers+=("$(realpath "$t")") ;;
		*) units+=("$(realpath "$t")") ;;
		esac
	done
fi

start=$SECONDS
for t in "${units[@]}"; do run_unit "$t"; done
for t in "${fuzzers[@]}"; do run_fuzz_replay "$t"; done
((${#suites[@]})) && run_bats "${suites[@]}"

# The host must come out of the run as it went in. A test that replaced a
# device node (a rename over /dev/null, say) fails the run, and the node is
# put back so the rest of the machine keeps working.
host_check() {
	local node want
	for node in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0; do
		want=${node#*:}
		node=/dev/${node%%:*}
		if [[ ! -c $node || "$(stat -c '%t:%T' "$node" 2>/dev/null)" != "$(printf '%x:%x' "${want%%:*}" "${want#*:}")" ]]; then
			tap_line host "not ok - the host's $node is no longer the right device node after the tests"
			if ((EUID == 0)); then
				rm -f "$node"
				mknod -m 666 "$node" c "${want%%:*}" "${want#*:}"
			fi
		fi
	done
}
host_check

if ((${#failures[@]})); then
	echo "# failures:"
	for i in "${!failures[@]}"; do
		printf '#   %s\n%s' "${failures[$i]}" "${failure_lines[$i]}"
	done
fi
if ((${#file_times[@]} > 1)); then
	echo "# slowest files:"
	printf '%s\n' "${file_times[@]}" | sort -k1,1nr -k2 | head -15 |
		while read -r took name; do printf '#   %5d s  %s\n' "$took" "$name"; done
fi
echo "# took $((SECONDS - start)) s"
echo "$passed passed, $failed failed, $skipped skipped"
((failed == 0 && passed + skipped > 0))
