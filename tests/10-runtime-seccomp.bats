#!/usr/bin/env bats
# pea-runtime: linux.seccomp through libseccomp, compiled before the clone
# and loaded last before execve: actions (ERRNO with errnoRet, KILL_PROCESS,
# TRAP, LOG, ALLOW, NOTIFY to listenerPath), argument operators,
# architectures, flags; exec gets the filter too; bad filters are refused.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-runtime

setup_file() {
	ensure_fixtures
}

setup() {
	require_root
	rt_setup
}

teardown() {
	rt_teardown
}

# seccomp_bundle JSON_SYSCALLS [DEFAULT]: mkdir-and-report bundle with that filter.
seccomp_bundle() {
	[[ -e "$RT_B/config.json" ]] || make_bundle "$RT_B" sh -c 'mkdir /dev/shm/d && echo made; echo done'
	bundle_set "$RT_B" '.linux.seccomp = {defaultAction: $dflt, architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"], syscalls: $sc}' \
		--argjson sc "$1" --arg dflt "${2:-SCMP_ACT_ALLOW}"
}

# seccomp_agent N: a seccomp agent on $TEST_DIR/agent.sock for N connections,
# each message and its fd count (a tab between) a line of $TEST_DIR/agent.out;
# its pid in `agent`. It closes the fds: with no supervisor the notified
# syscall fails with ENOSYS.
seccomp_agent() {
	timeout -k 5 60 python3 - "$TEST_DIR/agent.sock" "$TEST_DIR/agent.out" "$1" <<'PY' 3>&- &
import socket, sys, os
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(sys.argv[1])
srv.listen(int(sys.argv[3]))
srv.settimeout(50)
open(sys.argv[2] + ".listening", "w").close()
for n in range(int(sys.argv[3])):
    conn, _ = srv.accept()
    msg, fds, _, _ = socket.recv_fds(conn, 65536, 1)
    with open(sys.argv[2], "a") as f:
        f.write(msg.decode() + "\t" + str(len(fds)) + "\n")
    for fd in fds:
        os.close(fd)
PY
	agent=$!
	for _ in $(seq 1 250); do [[ -e "$TEST_DIR/agent.out.listening" ]] && break; sleep 0.02; done
}

@test "SCMP_ACT_ERRNO makes mkdir fail with errnoRet (EPERM by default)" {
	seccomp_bundle '[{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]'
	run -0 rt run -b "$RT_B" s1
	assert_output --partial 'Operation not permitted'
	refute_line made
	seccomp_bundle '[{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 28}]'
	run -0 rt run -b "$RT_B" s2
	assert_output --partial 'No space left on device'
	# without noNewPrivileges the filter is loaded before the credentials are dropped
	bundle_set "$RT_B" '.process.noNewPrivileges = false | .process.user = {uid: 1000, gid: 1000}'
	run -0 rt run -b "$RT_B" s3
	assert_output --partial 'No space left on device'
}

@test "syscalls newer than the profile's highest name get ENOSYS, not the default errno (as runc)" {
	# so that a libc falls back from clone3 to clone on a profile older than clone3
	make_bundle "$RT_B" /nosys
	cat >"$TEST_DIR/nosys.c" <<-'EOF'
		#include <errno.h>
		#include <stdio.h>
		#include <unistd.h>
		#include <sys/syscall.h>
		int main(void)
		{
			long nrs[] = { SYS_mkdir, SYS_clone3, 1000 };
			for (int i = 0; i < 3; i++) {
				long r = syscall(nrs[i], 0, 0, 0);
				printf("%ld %d\n", nrs[i], r < 0 ? errno : 0);
			}
			return 0;
		}
	EOF
	cc -static -O2 -o "$RT_B/rootfs/nosys" "$TEST_DIR/nosys.c"
	# rseq (334) is the highest named: mkdir (83) is below it, clone3 (435) above
	seccomp_bundle '[{"names": ["execve", "arch_prctl", "brk", "exit_group", "getrandom", "mprotect", "newfstatat",
		"prlimit64", "readlink", "rseq", "set_robust_list", "set_tid_address", "write"], "action": "SCMP_ACT_ALLOW"}]' SCMP_ACT_ERRNO
	run -0 rt run -b "$RT_B" ns1
	assert_output $'83 1\n435 38\n1000 38'
}

@test "pea-runtime keeps compiled filters in ROOT/.seccomp-cache; a damaged file is compiled again" {
	local f n
	rt_is_pea || skip "expected: the compile cache is pea-runtime's own"
	seccomp_bundle '[{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 28}]'
	run -0 rt run -b "$RT_B" c1
	assert_output --partial 'No space left on device'
	n=$(find "$RT_ROOT/.seccomp-cache" -type f | wc -l)
	assert_equal "$n" 1
	f=$(find "$RT_ROOT/.seccomp-cache" -type f)
	[[ $(stat -c %a "$f") == 600 ]]
	# the same filter again: from the file, which stays as it was
	touch -d '2001-01-01' "$f"
	run -0 rt run -b "$RT_B" c2
	assert_output --partial 'No space left on device'
	[[ $(stat -c %Y "$f") == $(date -d 2001-01-01 +%s) ]]
	# cut short, or its key changed: compiled again (the same errno) and written anew
	truncate -s 100 "$f"
	run -0 rt run -b "$RT_B" c3
	assert_output --partial 'No space left on device'
	[[ $(stat -c %s "$f") -gt 100 ]]
	printf 'X' | dd of="$f" bs=1 seek=30 conv=notrunc status=none
	run -0 rt run -b "$RT_B" c4
	assert_output --partial 'No space left on device'
	[[ $(dd if="$f" bs=1 skip=30 count=1 status=none) != X ]]
	# a byte of the program changed (a torn write): the hash beside it says so
	local sz
	sz=$(stat -c %s "$f")
	printf '\xff' | dd of="$f" bs=1 seek=$((sz - 3)) conv=notrunc status=none
	run -0 rt run -b "$RT_B" c6
	assert_output --partial 'No space left on device'
	[[ $(od -An -tx1 -j $((sz - 3)) -N1 "$f" | tr -d ' ') != ff ]]
	# another filter gets a file of its own
	seccomp_bundle '[{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]'
	run -0 rt run -b "$RT_B" c5
	assert_output --partial 'Operation not permitted'
	n=$(find "$RT_ROOT/.seccomp-cache" -type f | wc -l)
	assert_equal "$n" 2
}

@test "a profile of hundreds of names compiles to a short program: each syscall is decided in a few dozen instructions" {
	local names
	rt_is_pea || skip "expected: the compile cache (where the program is read back) is pea-runtime's own"
	# every x86_64 name but mkdir/mkdirat allowed, the rest an errno: libseccomp's
	# default list walks ~700 instructions to its last names, the tree ~20. The
	# kernel runs the program for every number when it loads it, so the list cost
	# the init 1.5 ms of CPU there (pea-runtime(8) PERFORMANCE). The tree is then
	# compacted (seccomp-compact.c): a search over the intervals of numbers that
	# share a decision, ~220 instructions for this profile where the tree has 600+
	names=$(grep -oP '^#define __NR_\K[a-z0-9_]+' /usr/include/x86_64-linux-gnu/asm/unistd_64.h |
		grep -vx -e mkdir -e mkdirat | jq -Rsc 'split("\n") | map(select(. != ""))')
	[[ $(jq length <<<"$names") -gt 300 ]]
	seccomp_bundle "[{\"names\": $names, \"action\": \"SCMP_ACT_ALLOW\"}]" SCMP_ACT_ERRNO
	run -0 rt run -b "$RT_B" t1
	assert_output --partial 'Operation not permitted'
	refute_line made
	cat >"$TEST_DIR/bpfwalk.c" <<-'EOF'
		/* the cached program (after the key's NUL and its hash): the most instructions any x86_64 number walks */
		#include <linux/filter.h>
		#include <stdio.h>
		#include <stdlib.h>
		#include <string.h>
		int main(int argc, char **argv)
		{
			static unsigned char buf[1 << 22];
			FILE *f = fopen(argv[1], "rb");
			size_t len = f ? fread(buf, 1, sizeof(buf), f) : 0;
			unsigned char *z = memchr(buf, 0, len);
			struct sock_filter *p;
			size_t n, most = 0;
			if (!z)
				return 2;
			z += 16 + 8; /* the hash, the meta */
			n = (len - (size_t)(z + 1 - buf)) / sizeof(*p);
			p = malloc(n * sizeof(*p));
			memcpy(p, z + 1, n * sizeof(*p));
			for (unsigned nr = 0; nr < 512; nr++) {
				unsigned data[16] = { nr, 0xC000003E }, a = 0;
				size_t pc = 0, steps = 0;
				for (;;) {
					struct sock_filter *i = &p[pc++];
					steps++;
					if (pc > n)
						return 3;
					switch (i->code) {
					case BPF_LD | BPF_W | BPF_ABS: a = i->k / 4 < 16 ? data[i->k / 4] : 0; continue;
					case BPF_ALU | BPF_AND | BPF_K: a &= i->k; continue;
					case BPF_JMP | BPF_JA: pc += i->k; continue;
					case BPF_JMP | BPF_JEQ | BPF_K: pc += a == i->k ? i->jt : i->jf; continue;
					case BPF_JMP | BPF_JGT | BPF_K: pc += a > i->k ? i->jt : i->jf; continue;
					case BPF_JMP | BPF_JGE | BPF_K: pc += a >= i->k ? i->jt : i->jf; continue;
					case BPF_JMP | BPF_JSET | BPF_K: pc += (a & i->k) ? i->jt : i->jf; continue;
					case BPF_RET | BPF_K: break;
					default: fprintf(stderr, "op %#x\n", i->code); return 4;
					}
					break;
				}
				if (steps > most)
					most = steps;
			}
			printf("%zu %zu\n", n, most);
			return 0;
		}
	EOF
	cc -O2 -o "$TEST_DIR/bpfwalk" "$TEST_DIR/bpfwalk.c"
	run -0 "$TEST_DIR/bpfwalk" "$(find "$RT_ROOT/.seccomp-cache" -type f)"
	read -r insns most <<<"$output"
	echo "program: $insns instructions, at most $most walked"
	[[ $insns -lt 300 && $most -lt 64 ]]
}

@test "a profile's next create takes its program and what it lets through from the cache" {
	rt_is_pea || skip "expected: the compile cache is pea-runtime's own"
	# create leaves linux.seccomp unparsed when its program is cached (spec.c
	# spec_load_deferred): the cache also says whether the dmz's calls pass. A
	# profile refusing execveat keeps the init off pea-runtime-dmz (which
	# execveat's the container's program), on a hit as on the miss before it
	seccomp_bundle '[{"names": ["execveat", "mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]'
	for i in 1 2 3; do
		run -0 rt run -b "$RT_B" "d$i"
		assert_output --partial 'Operation not permitted'
		assert_line done
	done
	run -0 find "$RT_ROOT/.seccomp-cache" -type f
	assert_equal "${#lines[@]}" 1
	# a profile the dmz can run under: the same on a hit
	seccomp_bundle '[{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 28}]'
	for i in 1 2; do
		run -0 rt run -b "$RT_B" "e$i"
		assert_output --partial 'No space left on device'
		assert_line done
	done
	# a cached program whose text in config.json is not valid is never reached: the text is the key
	bundle_set "$RT_B" '.linux.seccomp.syscalls[0].action = "SCMP_ACT_BOGUS"'
	run -1 rt run -b "$RT_B" e3
	assert_output --partial "config.json: linux.seccomp.syscalls[0]: action: unknown action 'SCMP_ACT_BOGUS'"
}

@test "SCMP_ACT_KILL_PROCESS, SCMP_ACT_TRAP: SIGSYS; SCMP_ACT_LOG and ALLOW let it through" {
	make_bundle "$RT_B" mkdir /dev/shm/d
	seccomp_bundle '[{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_KILL_PROCESS"}]'
	run -159 rt run -b "$RT_B" k1
	seccomp_bundle '[{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_TRAP"}]'
	run -159 rt run -b "$RT_B" k2
	seccomp_bundle '[{"names": ["mkdir"], "action": "SCMP_ACT_KILL"}]'
	run -159 rt run -b "$RT_B" k4
	seccomp_bundle '[{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_LOG"}]'
	run -0 rt run -b "$RT_B" k3
	bundle_set "$RT_B" '.process.args = ["sh", "-c", "mkdir /dev/shm/d && echo made"]'
	seccomp_bundle '[{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ALLOW"}]'
	run -0 rt run -b "$RT_B" k5
	assert_output made
}

@test "argument operators: kill with signal 10 is refused, other signals pass" {
	# not as pid 1, which ignores signals it has no handler for
	make_bundle "$RT_B" sh -c 'sh -c "kill -0 \$\$ && echo sig0-ok; kill -USR1 \$\$ || echo usr1-refused; kill -USR2 \$\$"; exit $?'
	bundle_set "$RT_B" '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", syscalls: [
		{names: ["kill"], action: "SCMP_ACT_ERRNO", args: [{index: 1, value: 10, op: "SCMP_CMP_EQ"}]},
		{names: ["kill"], action: "SCMP_ACT_ERRNO", args: [{index: 1, value: 64, op: "SCMP_CMP_GE"}, {index: 0, value: 0, op: "SCMP_CMP_LT"}]},
		{names: ["kill"], action: "SCMP_ACT_ERRNO", args: [{index: 1, value: 32, valueTwo: 32, op: "SCMP_CMP_MASKED_EQ"}]}
	]}'
	run -140 rt run -b "$RT_B" a1
	assert_line sig0-ok
	assert_line usr1-refused
	bundle_set "$RT_B" '.linux.seccomp.syscalls = [{names: ["kill"], action: "SCMP_ACT_ERRNO", args: [{index: 1, value: 1, op: "SCMP_CMP_GE"}]}]'
	run -1 rt run -b "$RT_B" a2
	assert_line sig0-ok
	assert_line usr1-refused
}

@test "flags, and exec gets the container's filter" {
	seccomp_bundle '[{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]'
	bundle_set "$RT_B" '.linux.seccomp.flags = ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_TSYNC"] |
		.process.args = ["sleep", "100000"]'
	run -0 rt_reaped run -d -b "$RT_B" f1
	run -0 grep Seccomp: /proc/"$(rt_state f1 pid)"/status
	assert_output --regexp 'Seccomp:[[:space:]]+2'
	run -1 rt exec f1 mkdir /tmp/e
	assert_output --partial 'Operation not permitted'
	run -0 rt exec f1 sh -c 'echo ok >/dev/shm/file && cat /dev/shm/file'
	assert_output ok
}

@test "SCMP_ACT_NOTIFY sends the listener fd and the state to listenerPath" {
	seccomp_agent 1
	seccomp_bundle '[{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_NOTIFY"}]'
	bundle_set "$RT_B" '.linux.seccomp.listenerPath = $p | .linux.seccomp.listenerMetadata = "meta1"' --arg p "$TEST_DIR/agent.sock"
	run -0 rt run -b "$RT_B" n1
	assert_output --partial 'Function not implemented'
	wait "$agent"
	run -0 cut -f1 "$TEST_DIR/agent.out"
	run -0 jq -e '.fds == ["seccompFd"] and .metadata == "meta1" and .state.id == "n1"' <<<"$output"
	run -0 cut -f2 "$TEST_DIR/agent.out"
	assert_output 1
}

@test "exec with SCMP_ACT_NOTIFY sends its own listener fd and the state to listenerPath" {
	# the agent: one connection from create, one from exec
	seccomp_agent 2
	make_bundle "$RT_B" sleep 100
	seccomp_bundle '[{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_NOTIFY"}]'
	bundle_set "$RT_B" '.linux.seccomp.listenerPath = $p | .linux.seccomp.listenerMetadata = "m2"' --arg p "$TEST_DIR/agent.sock"
	run -0 rt_reaped run -d -b "$RT_B" nx
	run -1 rt exec --pid-file "$TEST_DIR/exec.pid" nx mkdir /tmp/x
	assert_output --partial 'Function not implemented'
	wait "$agent"
	run -0 wc -l <"$TEST_DIR/agent.out"
	assert_output 2
	run -0 sed -n 2p "$TEST_DIR/agent.out"
	[[ ${output##*$'\t'} == 1 ]] || fail "exec sent no fd: $output"
	local msg=${output%$'\t'*}
	run -0 jq -e '.fds == ["seccompFd"] and .metadata == "m2" and .state.id == "nx" and .state.status == "running"' <<<"$msg"
	# "pid" is the exec'd process's, as the runtime sees it (runc's too); create's is the init's
	run -0 jq -e --argjson p "$(cat "$TEST_DIR/exec.pid")" '.pid == $p and .pid != .state.pid' <<<"$msg"
	run -0 sed -n 1p "$TEST_DIR/agent.out"
	run -0 jq -e '.pid == .state.pid' <<<"${output%$'\t'*}"
}

@test "SCMP_ACT_NOTIFY: no agent listening, or write notified, is one clear error" {
	seccomp_bundle '[{"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"}]'
	bundle_set "$RT_B" '.linux.seccomp.listenerPath = $p' --arg p "$TEST_DIR/nobody.sock"
	run -1 rt run -b "$RT_B" na
	assert_output "pea-runtime: linux.seccomp.listenerPath: failed to connect with seccomp agent '$TEST_DIR/nobody.sock': No such file or directory"
	rt_no_leftovers na
	# the runtime itself writes under the filter (runc refuses it too)
	seccomp_bundle '[{"names": ["mkdir", "write"], "action": "SCMP_ACT_NOTIFY"}]'
	run -1 rt run -b "$RT_B" nw
	assert_output --partial "linux.seccomp.syscalls[0]: SCMP_ACT_NOTIFY cannot be used for the write syscall"
	rt_no_leftovers nw
}

@test "bad filters are refused naming the field" {
	seccomp_bundle '[{"names": ["mkdir"], "action": "SCMP_ACT_NOPE"}]'
	run -1 rt run -b "$RT_B" b1
	assert_output --partial "linux.seccomp.syscalls[0]: action: unknown action 'SCMP_ACT_NOPE'"
	seccomp_bundle '[{"names": ["kill"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 1, "value": 1, "op": "SCMP_CMP_SOMETIMES"}]}]'
	run -1 rt run -b "$RT_B" b1
	assert_output --partial "op: unknown operator 'SCMP_CMP_SOMETIMES'"
	seccomp_bundle '[{"names": ["kill"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 7, "value": 1, "op": "SCMP_CMP_EQ"}]}]'
	run -1 rt run -b "$RT_B" b1
	assert_output --partial "index 7: syscalls have 6 arguments"
	seccomp_bundle '[]' SCMP_ACT_NOTIFY
	run -1 rt run -b "$RT_B" b1
	assert_output --partial 'SCMP_ACT_NOTIFY needs listenerPath'
	seccomp_bundle '[{"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"}]'
	run -1 rt run -b "$RT_B" b1
	assert_output --partial 'SCMP_ACT_NOTIFY needs listenerPath'
	seccomp_bundle '[]'
	bundle_set "$RT_B" '.linux.seccomp.architectures = ["SCMP_ARCH_VAX"]'
	run -1 rt run -b "$RT_B" b1
	assert_output --partial "linux.seccomp.architectures: unknown 'SCMP_ARCH_VAX'"
	bundle_set "$RT_B" '.linux.seccomp.architectures = [] | .linux.seccomp.flags = ["SECCOMP_FILTER_FLAG_FAST"]'
	run -1 rt run -b "$RT_B" b1
	assert_output --partial "unknown flag 'SECCOMP_FILTER_FLAG_FAST'"
	rt_no_leftovers b1
}

@test "a listenerPath gets the listener fd even when no rule notifies (as crun)" {
	seccomp_agent 1
	seccomp_bundle '[]'
	bundle_set "$RT_B" '.process.args = ["true"] | .linux.seccomp.listenerPath = $p' \
		--arg p "$TEST_DIR/agent.sock"
	run -0 rt run -b "$RT_B" nl1
	wait "$agent"
	run -0 cut -f1 "$TEST_DIR/agent.out"
	run -0 jq -e '.fds == ["seccompFd"] and .state.id == "nl1"' <<<"$output"
	run -0 cut -f2 "$TEST_DIR/agent.out"
	assert_output 1
}

@test "a notify profile written with an escape gets its agent on a cached program's run too" {
	# ed2331c left such a text unparsed on a cache hit: no agent, init exit 139
	seccomp_agent 2
	seccomp_bundle '[{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_NOTIFY"}]'
	bundle_set "$RT_B" '.linux.seccomp.listenerPath = $p' --arg p "$TEST_DIR/agent.sock"
	# both names spelled with an escape (the plain ones keep the profile parsed)
	sed -i 's/"SCMP_ACT_NOTIFY"/"SCMP_ACT_NOTIF\\u0059"/; s/"listenerPath"/"listener\\u0050ath"/' \
		"$RT_B/config.json"
	grep -qF 'NOTIF\u0059' "$RT_B/config.json" || fail "no escaped action in config.json"
	grep -qF 'listener\u0050ath' "$RT_B/config.json" || fail "no escaped key in config.json"
	for i in 1 2; do
		run -0 rt run -b "$RT_B" "ne$i"
		assert_output --partial 'Function not implemented'
		assert_line done
	done
	wait "$agent"
	run -0 cut -f2 "$TEST_DIR/agent.out"
	assert_equal "$output" $'1\n1'
}
