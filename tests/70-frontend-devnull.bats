#!/usr/bin/env bats
# The host's /dev/null never reaches an OCI runtime through pea-monitor.
# crun before 1.24 (Debian's 1.8.1) chowns the stdio it is given: from the
# host's side to a user namespace's root at create, and to exec's user. The
# monitor handed it /dev/null for stdin without -i, for stdout with a
# terminal, and pea's own /dev/null with --log-driver passthrough: each of
# these made the host's /dev/null the container's (100000:100000, 100099:0 or
# 99:0 after the test). Now an empty pipe and a pipe the monitor drains stand
# for it. pea runs on crun with pea-monitor here (conmon does as it does:
# it gives /dev/null, see 70-frontend-crun for what pea's exec does there).
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-frontend
load helpers/fe-file

setup() {
	require_cmd crun
	PEA_FE_RUNTIME=$(command -v crun)
	PEA_FE_CONMON=$PEA_MONITOR
	fe_file_setup
}

# A user namespace whose root is the host's (so that crun may chown what
# root owns, as it may without a user namespace), its other ids not.
MAP0=(--uidmap 0:0:1 --uidmap 1:100001:65535 --gidmap 0:0:1 --gidmap 1:100001:65535)

# devnull_kept_by -STATUS|-any CMD...: CMD with stdio all /dev/null ends with
# STATUS and leaves /dev/null as it was (root's, 0666; put back if not).
devnull_kept_by() {
	local want=${1#-} rc=0 now
	shift
	"$@" </dev/null >/dev/null 2>&1 || rc=$?
	now=$(stat -c %u:%g:%a /dev/null)
	if [[ "$now" != 0:0:666 ]]; then
		chown 0:0 /dev/null
		chmod 666 /dev/null
	fi
	[[ "$want" == any ]] && rc=any
	assert_equal "$now $rc" "0:0:666 $want"
}

@test "devnull: exec -d -u 99 through pea-monitor gives crun no /dev/null" {
	run -0 pea_cmd run -d --name web busybox sleep 100
	# was 99:0
	devnull_kept_by -0 pea_cmd exec -d -u 99 web sh -c 'cat; echo done >/tmp/exec-d'
	# its stdin read as empty: it went on to the end
	run -0 pea_cmd exec web sh -c 'for i in $(seq 100); do [ -e /tmp/exec-d ] && break; sleep 0.1; done; cat /tmp/exec-d'
	assert_output done
	# in a user namespace whose root is the host's: was 100099:0
	run -0 pea_cmd run -d --name m0 "${MAP0[@]}" busybox sleep 100
	devnull_kept_by -0 pea_cmd exec -d -u 99 m0 true
}

@test "devnull: create in a user namespace gives crun no /dev/null (stdin, or stdout with -t)" {
	# crun chowns its stdio to the container's root from the host's side: was
	# 100000:100000 (crun's create then fails here on the store's modes, whatever
	# the stdio: the status is not the point)
	devnull_kept_by -any pea_cmd run --rm --uidmap 0:100000:65536 --gidmap 0:100000:65536 busybox true
	# was 100099:0 with a terminal (the runtime's stdout) and without
	devnull_kept_by -0 pea_cmd run --rm -u 99 "${MAP0[@]}" busybox true
	devnull_kept_by -0 pea_cmd run --rm -t -u 99 "${MAP0[@]}" busybox true
	devnull_kept_by -0 pea_cmd run -d -t --name t1 -u 99 "${MAP0[@]}" busybox sleep 100
	# the container's stdin without -i reads as empty, its output still logged
	run -0 pea_cmd run --rm -u 99 "${MAP0[@]}" busybox sh -c 'cat; echo after-cat'
	assert_output after-cat
	run -0 pea_cmd run --name tt -t "${MAP0[@]}" busybox echo on-tty
	assert_output --partial on-tty
}

@test "devnull: --log-driver passthrough: pea's own /dev/null never reaches crun" {
	# pea's stdio all /dev/null, passed through: was 100099:0
	devnull_kept_by -0 "$PEA" "${FE_ARGS[@]}" run --rm --log-driver passthrough -u 99 "${MAP0[@]}" \
		busybox sh -c 'echo out; echo err >&2; cat'
	# and exec -d in such a container: was 99:0
	run -0 pea_cmd run -d --name pt --log-driver passthrough busybox sleep 100
	devnull_kept_by -0 pea_cmd exec -d -u 99 pt true
	# what is not /dev/null still passes through: a file for stdout, stderr dropped
	devnull_kept_by -0 bash -c '"$@" >"$0" 2>/dev/null' "$TEST_DIR/out" "$PEA" "${FE_ARGS[@]}" \
		run --rm --log-driver passthrough -u 99 "${MAP0[@]}" busybox sh -c 'seq 20000 >&2; echo out'
	assert_equal "$(cat "$TEST_DIR/out")" out
}

@test "devnull: exec's stdio that is another device node reaches crun as pipes: stdin fed, output copied" {
	run -0 pea_cmd run -d --name web busybox sleep 100
	# crun chowned /dev/urandom (stdin with -i) and /dev/full (stdout) to 99: was 99:0
	run -0 bash -c '"$@" </dev/urandom' _ "$PEA" "${FE_ARGS[@]}" exec -i -u 99 web sh -c 'head -c 100000 | wc -c'
	assert_output 100000
	assert_equal "$(stat -c %u:%g:%a /dev/urandom)" 0:0:666
	run -0 bash -c '"$@" >/dev/full' _ "$PEA" "${FE_ARGS[@]}" exec -u 99 web sh -c 'seq 100000 >/dev/null; echo lost'
	assert_equal "$(stat -c %u:%g:%a /dev/full)" 0:0:666
	# a process that leaves its stdin unread ends as it would (pea is not stopped by SIGPIPE)
	run -3 bash -c '"$@" </dev/zero' _ "$PEA" "${FE_ARGS[@]}" exec -i -u 99 web sh -c 'head -c 1 >/dev/null; exit 3'
	run -4 bash -c '"$@" </dev/zero' _ "$PEA" "${FE_ARGS[@]}" exec -i -u 99 web sh -c 'exit 4'
	assert_equal "$(stat -c %u:%g:%a /dev/zero)" 0:0:666
	# stderr to /dev/null while stdout comes through, all of it
	run -0 bash -c '"$@" 2>/dev/null' _ "$PEA" "${FE_ARGS[@]}" exec -u 99 web sh -c 'seq 50000 >&2; seq 30000 | wc -l'
	assert_output 30000
	for n in urandom full zero null; do
		if [[ "$(stat -c %u:%g:%a "/dev/$n")" != 0:0:666 ]]; then
			chown 0:0 "/dev/$n"
			chmod 666 "/dev/$n"
		fi
	done
}
