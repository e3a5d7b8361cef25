#!/usr/bin/env bash
# Run pea's tests and print one summary line: "N passed, N failed, N skipped".
#
#   tests/run.sh                      unit tests, fuzz corpus replays, every tests/*.bats
#   tests/run.sh tests/10-runtime-*.bats build/tests/unit/test-json ...   just those
#
# PEA_BUILD is the build folder (default: build/ next to tests/). In CI
# (CI=true or PEA_TEST_STRICT=1) a skip counts as a failure unless its reason
# starts with "expected:", a documented limit of the platform.
# PEA_TEST_JOBS is how many bats files run at once (CI: 2; else 1), the
# longest first; a file's "# pea-test:" tags (serial, lock=NAME) keep what it
# shares with the machine apart (docs/HACKING.md, "Tests").
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

# Every process a test file starts carries PEA_TEST_RUN=<run>.<file number> in
# its environment (set in the file's own process only), so what it leaves
# running can be found and stopped once the file is over, while a file in the
# other lane goes on.
run_id="$$.$RANDOM$RANDOM"

# leftovers ID: pids (and names) of processes still marked PEA_TEST_RUN=ID.
# One grep over every environ (a grep per process took ~2 s a file at load 10);
# the list is taken before the grep starts, so the grep is not in it.
leftovers() {
	local e pid all=(/proc/[0-9]*/environ)
	for e in $(grep -lzxF "PEA_TEST_RUN=$1" "${all[@]}" 2>/dev/null); do
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
# host_net: what a test could change of the host by mistake, one line each:
# the links, routes and nftables tables of the namespace the run is in (the
# host's), its forwarding sysctls (ip_forward and all/default, and any
# interface's forwarding or route_localnet that is on), the owner, mode and
# type of the device nodes every process shares (crun chowns the stdio it is
# given to a user namespace's root or to exec's user: /dev/null given to it is
# the host's), and the mounts on /dev (a bind over /dev/null meant for a
# namespace of a test's own). Tests make theirs in namespaces of their own;
# something new here after a file is a change to the host (in strict mode
# only: a run beside this one may be making its own).
# (PEA_TEST_HOST_DEVICES: other paths, for the harness's own test)
read -r -a host_devices <<<"${PEA_TEST_HOST_DEVICES:-/dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty /dev/ptmx /dev/pts/ptmx}"
host_net() {
	{
		ip -o link show 2>/dev/null | awk -F': ' '{sub(/@.*/, "", $2); print "link " $2}'
		# without what changes by itself (an RA's route ages: "expires 1234sec")
		ip -o -4 route show 2>/dev/null | sed 's/^/route4 /; s/ expires [0-9]*sec//; s/ linkdown//; s/ *$//'
		ip -o -6 route show 2>/dev/null | sed 's/^/route6 /; s/ expires [0-9]*sec//; s/ linkdown//; s/ *$//'
		nft list tables 2>/dev/null | sed 's/^table /nft /'
		local k
		for k in net.ipv4.ip_forward net.ipv4.conf.all.forwarding net.ipv4.conf.default.forwarding \
			net.ipv6.conf.all.forwarding net.ipv6.conf.default.forwarding; do
			echo "sysctl $k=$(cat "/proc/sys/${k//.//}" 2>/dev/null)"
		done
		# one grep for every interface: only those that are on
		grep -s -H -x 1 /proc/sys/net/ipv4/conf/*/forwarding /proc/sys/net/ipv4/conf/*/route_localnet \
			/proc/sys/net/ipv6/conf/*/forwarding |
			sed -n 's|^/proc/sys/\(.*\):1$|\1|p' | grep -v '/\(all\|default\)/' | tr / . |
			sed 's/^/sysctl /; s/$/=1/'
		stat -c 'dev %n %u:%g:%f:%t:%T' "${host_devices[@]}" 2>/dev/null
		awk '$5 == "/dev" || index($5, "/dev/") == 1 {print "mount " $5}' /proc/self/mountinfo | sort | uniq -c |
			awk '{print $2, $3, $1}'
	} | sort -u
}

# host_restore BEFORE: put back what host_net shows changed since BEFORE
# (its new lines on stdin). A route's and a table's words are ip's and nft's
# arguments, split on purpose.
# shellcheck disable=SC2086
host_restore() {
	local before=$1 kind what old
	while read -r kind what; do
		case $kind in
		link) ip link del "$what" 2>/dev/null ;;
		route4 | route6)
			# never a route to a destination the host had before (its line changed)
			grep -q "^$kind ${what%% *} " <<<"$before" ||
				ip "-${kind#route}" route del $what 2>/dev/null
			;;
		nft) nft delete table $what 2>/dev/null ;;
		sysctl)
			old=$(grep -m1 "^sysctl ${what%%=*}=" <<<"$before" | cut -d' ' -f2)
			sysctl -qw "${old:-${what%%=*}=0}" 2>/dev/null
			;;
		dev)
			# owner and mode back; a node replaced (another type) is only reported
			old=$(grep -m1 "^dev ${what%% *} " <<<"$before" | cut -d' ' -f3)
			if [[ -n "$old" && "${old#*:*:}" =~ ^([0-9a-f]+):(.*)$ ]]; then
				chown "${old%%:*}:$(cut -d: -f2 <<<"$old")" "${what%% *}" 2>/dev/null
				chmod "$(printf '%o' $((0x${BASH_REMATCH[1]} & 07777)))" "${what%% *}" 2>/dev/null
			fi
			;;
		mount)
			# one more mount on a point of /dev than before: the top one goes
			umount -l "${what% *}" 2>/dev/null
			;;
		esac
	done
}

# ancestor_runs: the PEA_TEST_RUN of the runs this one is inside (the
# harness's own tests run run.sh from a test).
ancestor_runs() {
	local p=$PPID
	while ((p > 1)); do
		tr '\0' '\n' 2>/dev/null <"/proc/$p/environ" | sed -n 's/^PEA_TEST_RUN=//p'
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
		v=$(tr '\0' '\n' 2>/dev/null <"$e" | sed -n 's/^PEA_TEST_RUN=//p')
		[[ -z "$v" || "$v" == "$run_id".* ]] && continue
		grep -qxF -- "$v" <<<"$mine" && continue
		[[ $(readlink "${e%/environ}/ns/net" 2>/dev/null) == "$net" ]] && return 0
	done
	return 1
}

bats_started=$SECONDS
files_run=0
# seconds each bats file took, for "# took N s: FILE" and the slowest list
file_times=()

# Lanes: how many bats files run at once. Much of a file's time is waiting
# (sleeps, timeouts, fsync, registries starting), so CI runs two; one lane
# runs the files in name order, as they are given.
if [[ -n "${PEA_TEST_JOBS:-}" ]]; then
	jobs=$PEA_TEST_JOBS
elif [[ "${CI:-}" == true ]]; then
	jobs=2
else
	jobs=1
fi
[[ "$jobs" =~ ^[1-9][0-9]*$ ]] || jobs=1

# What is known of each running file, by the pid of its bats: its name, when
# it started, its bats run folder, its output, the host's cgroups and network
# state before it, its PEA_TEST_RUN, the files that ran beside it, its locks.
declare -A f_path=() f_name=() f_t0=() f_dir=() f_out=() f_cg=() f_net=() f_id=() f_beside=() f_locks=()
# the lock (a file's "lock=" tag) -> the pid of the file that holds it
declare -A held=()

# bats_start FILE: start one file in the background; its pid in $bats_pid
# (empty when it was not started: over the budget).
bats_start() {
	local f=$1 name run_dir out n pid cg net
	name=$(basename "$f")
	bats_pid=
	if ((SECONDS - bats_started > budget)); then
		echo "# bats: $name"
		tap_line "$name" "not ok - $name not run: the suites went over their budget of ${budget} s"
		return
	fi
	n=$((++files_run))
	run_dir=${TMPDIR:-/tmp}/bats-run-p$$-$n
	# a folder left by an earlier run whose pid was ours (killed, or another run's): the next
	while [[ -e $run_dir ]]; do
		n=$((++files_run))
		run_dir=${TMPDIR:-/tmp}/bats-run-p$$-$n
	done
	out=$(mktemp)
	cg=$(cgroup_dirs)
	net=$(host_net)
	# Output goes to a file, not a pipe: a daemon that keeps a copy of its
	# stdout cannot hold the run up.
	(
		export PEA_TEST_RUN=$run_id.$n
		cd "$top" && exec timeout -k 10 "$file_timeout" $reaper bats --tempdir "$run_dir" --tap "$f" >"$out" 2>&1 </dev/null
	) &
	pid=$!
	f_cg[$pid]=$cg f_net[$pid]=$net
	f_path[$pid]=$f f_name[$pid]=$name f_t0[$pid]=$SECONDS f_dir[$pid]=$run_dir f_out[$pid]=$out
	f_id[$pid]=$run_id.$n f_beside[$pid]=
	# each running file ran beside this one, and this one beside each
	local p
	for p in "${!f_name[@]}"; do
		((p == pid)) && continue
		f_beside[$p]+=" $name"
		f_beside[$pid]+=" ${f_name[$p]}"
	done
	bats_pid=$pid
}

# bats_finish PID RC: what bats printed is counted (unless it was shown as it
# came), then the checks of what the file left; "# took N s: FILE".
bats_finish() {
	local pid=$1 rc=$2 name=${f_name[$1]} out=${f_out[$1]} run_dir=${f_dir[$1]}
	local left failed_before=$failed beside=${f_beside[$1]# } line
	if [[ -n "${3:-}" ]]; then
		failed_before=$3
	else
		echo "# bats: $name"
		while IFS= read -r line || [[ -n "$line" ]]; do
			tap_line "$name" "$line"
		done <"$out"
	fi
	# who else may have done what is found on the host after this file
	local also=
	[[ -n "$beside" ]] && also=" ($beside ran beside it: either may have)"
	if ((rc == 124 || rc == 137)); then
		tap_line "$name" "not ok - $name stopped after ${file_timeout} s, in the test after the last one above"
	fi
	rm -f "$out"
	left=$(leftovers "${f_id[$pid]}")
	# what was just told to stop gets a moment (1 s) to go
	local n
	for ((n = 0; n < 10 && ${#left}; n++)); do
		sleep 0.1
		left=$(leftovers "${f_id[$pid]}")
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
		tap_line "$name" "not ok - $name took down mounts of the machine$also: $(tr '\n' ' ' <<<"$left")"
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
		local net_before=${f_net[$pid]}
		left=$(comm -13 <(echo "$net_before") <(host_net))
		if [[ -n "$left" ]] && runs_beside; then
			echo "# warning: $name ran while the host's network namespace changed (another test run is on the machine; left as it is): $(tr '\n' ' ' <<<"$left")"
		elif [[ -n "$left" ]]; then
			tap_line "$name" "not ok - $name changed the host (network namespace, sysctls, devices, /dev)$also: $(tr '\n' ' ' <<<"$left")"
			host_restore "$net_before" <<<"$left"
		fi
		# Cgroups are not marked as processes are: only a run alone on the
		# machine (CI) can tell whose they are, and even then they are
		# reported, not counted, until every suite is known clean of them.
		bats_cgroups "$name" "${f_cg[$pid]}" "$beside"
	else
		# Outside CI another run may share the machine: a /dev node changed is
		# a warning, but it is put back (a /dev/null that is not 0666 breaks
		# every user's shell).
		left=$(comm -13 <(grep '^dev ' <<<"${f_net[$pid]}") <(host_net | grep '^dev '))
		if [[ -n "$left" ]]; then
			echo "# warning: $name ran while /dev nodes changed$also (put back): $(tr '\n' ' ' <<<"$left")"
			host_restore "${f_net[$pid]}" <<<"$left"
		fi
	fi
	local took=$((SECONDS - ${f_t0[$pid]}))
	echo "# took $took s: $name"
	file_times+=("$took $name")
	# the record of the tree's own files (not the harness tests' samples)
	[[ "${f_path[$pid]}" == "$top/tests/$name" ]] && timed+=("$took $name")
	local l
	for l in ${f_locks[$pid]:-}; do unset "held[$l]"; done
	unset "f_path[$pid]" "f_name[$pid]" "f_t0[$pid]" "f_dir[$pid]" "f_out[$pid]" "f_cg[$pid]" "f_net[$pid]" \
		"f_id[$pid]" "f_beside[$pid]" "f_locks[$pid]"
}

# cgroup_busy CG: a process is in CG or two levels below it, in some
# hierarchy (no process started: other runs' containers may make hundreds).
cgroup_busy() {
	local h f x
	for h in /sys/fs/cgroup/*/"$1"; do
		for f in "$h"/cgroup.procs "$h"/*/cgroup.procs "$h"/*/*/cgroup.procs; do
			[[ -e "$f" ]] && read -r x <"$f" 2>/dev/null && return 0
		done
	done
	return 1
}

# bats_cgroups NAME BEFORE BESIDE: the cgroups that came while file NAME ran
# (a warning), and those a minute old go. With files beside it, those with
# processes in them are theirs, still running, and not counted.
bats_cgroups() {
	local name=$1 left cg also=
	left=$(comm -13 <(echo "$2") <(cgroup_dirs))
	if [[ -n "$left" && -n "$3" ]]; then
		also=" ($3 ran beside it: either may have)"
		left=$(while read -r cg; do cgroup_busy "$cg" || echo "$cg"; done <<<"$left")
	fi
	[[ -n "$left" ]] || return 0
	echo "# warning: $name left $(wc -l <<<"$left") cgroups$also: $(tr '\n' ' ' <<<"$left")"
	# Only those a minute old: a run beside this one (a developer's) may
	# have just made one for a container it is about to move in.
	# (one find for all: a find per cgroup and hierarchy, 473 of them beside
	# 43 containers of other runs, took 13 s after each file at load 16)
	local h dirs=()
	while read -r cg; do
		for h in /sys/fs/cgroup/*/; do
			[[ -d "$h$cg" ]] && dirs+=("$h$cg")
		done
	done < <(sort -r <<<"$left")
	if ((${#dirs[@]})); then
		find "${dirs[@]}" -maxdepth 0 -mmin +1 2>/dev/null | xargs -r -d '\n' rmdir 2>/dev/null
	fi
}

# run_bats_file FILE: run one file alone, its lines shown as they come.
run_bats_file() {
	local failed_before=$failed rc
	bats_start "$1"
	[[ -n "$bats_pid" ]] || return
	echo "# bats: ${f_name[$bats_pid]}"
	while IFS= read -r line; do
		tap_line "${f_name[$bats_pid]}" "$line"
	done < <(tail -s 0.2 -n +1 --pid="$bats_pid" -f "${f_out[$bats_pid]}")
	wait "$bats_pid"
	rc=$?
	bats_finish "$bats_pid" "$rc" "$failed_before"
}

# Tags: a line "# pea-test: WORDS" among a file's first 30 lines, for what
# it shares with the rest of the machine (docs/HACKING.md, "Tests"):
#   serial        runs alone, after the files that run in lanes
#   lock=A,B      never at the same time as another file holding A or B
file_tags() {
	sed -n '1,30s/^# pea-test: *//p' "$1" | head -1
}

# Seconds each file took last time, to start the longest first: the build's
# own record of its last run (written below), else the one in the tree
# (tests/durations), else 20.
declare -A weight=()
timed=()
load_weights() {
	local file name s
	for file in "$top/tests/durations" "$PEA_BUILD/tests/durations"; do
		[[ -r "$file" ]] || continue
		while read -r name s; do
			[[ "$s" =~ ^[0-9]+$ ]] && weight[$name]=$s
		done <"$file"
	done
}
save_weights() {
	local t name s
	[[ -d "$PEA_BUILD/tests" ]] || return 0
	((${#timed[@]})) || return 0
	for t in "${timed[@]}"; do
		read -r s name <<<"$t"
		weight[$name]=$s
	done
	for name in "${!weight[@]}"; do echo "$name ${weight[$name]}"; done | sort \
		>"$PEA_BUILD/tests/durations.tmp" &&
		mv "$PEA_BUILD/tests/durations.tmp" "$PEA_BUILD/tests/durations"
}

# units_done: the unit tests' lines, counted.
units_done() {
	local line what=unit
	while IFS= read -r line || [[ -n "$line" ]]; do
		case "$line" in
		"# unit: "*) what=${line#"# unit: "} ;;
		"ok - fuzz-"* | "not ok - fuzz-"*)
			what=${line#*- }
			what=${what%%[: ]*}
			;;
		esac
		tap_line "$what" "$line"
	done <"$units_out"
	rm -f "$units_out"
	units_pid=
}

# run_lanes FILE...: the files in $jobs lanes, the longest first, each one's
# lines shown together once it is over; a file waits while one it shares a
# lock with runs.
run_lanes() {
	local queue=() f i l locks ok pid rc
	load_weights
	mapfile -t queue < <(for f in "$@"; do
		echo "${weight[$(basename "$f")]:-20} $f"
	done | sort -k1,1nr -k2 | cut -d' ' -f2-)
	echo "# bats: ${#queue[@]} files in $jobs lanes"
	while ((${#queue[@]} || ${#f_name[@]})); do
		while ((${#f_name[@]} + (${#units_pid} > 0) < jobs)); do
			# the first file in the queue whose locks are free
			for i in "${!queue[@]}"; do
				locks=$(file_tags "${queue[$i]}" | tr ' ' '\n' | sed -n 's/^lock=//p' | tr ',' ' ')
				ok=1
				for l in $locks; do [[ -n "${held[$l]:-}" ]] && ok=0; done
				((ok)) && break
			done
			((ok && ${#queue[@]})) || break
			f=${queue[$i]}
			queue=("${queue[@]:0:i}" "${queue[@]:i+1}")
			bats_start "$f"
			[[ -n "$bats_pid" ]] || continue
			f_locks[$bats_pid]=$locks
			for l in $locks; do held[$l]=$bats_pid; done
		done
		((${#f_name[@]})) || [[ -n "$units_pid" ]] || continue
		wait -n -p pid "${!f_name[@]}" $units_pid
		rc=$?
		if [[ "$pid" == "$units_pid" ]]; then
			units_done
		else
			bats_finish "$pid" "$rc"
		fi
	done
}

run_bats() {
	# Namespaced tests defeat LeakSanitizer's stop-the-world; leaks are
	# checked by the unit tests.
	export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
	local f lanes=() alone=()
	if ((jobs == 1 || $# == 1)); then
		for f in "$@"; do run_bats_file "$f"; done
	else
		for f in "$@"; do
			if [[ " $(file_tags "$f") " == *" serial "* ]]; then
				alone+=("$f")
			else
				lanes+=("$f")
			fi
		done
		((${#lanes[@]})) && run_lanes "${lanes[@]}"
		[[ -z "$units_pid" ]] || { wait "$units_pid"; units_done; }
		for f in "${alone[@]}"; do run_bats_file "$f"; done
	fi
	save_weights
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

# run_units: the unit tests, then the fuzz corpus replays.
run_units() {
	local t
	for t in "${units[@]}"; do run_unit "$t"; done
	for t in "${fuzzers[@]}"; do run_fuzz_replay "$t"; done
}

start=$SECONDS
units_pid=
if ((jobs > 1 && ${#suites[@]} > 1 && ${#units[@]} + ${#fuzzers[@]} > 0)); then
	# in lanes, the unit tests take one lane while they run (their lines,
	# counted again here, come when they are over)
	units_out=$(mktemp)
	run_units >"$units_out" 2>&1 &
	units_pid=$!
else
	run_units
fi
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
