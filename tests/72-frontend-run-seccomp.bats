#!/usr/bin/env bats
# pea run: pea's default seccomp profile (config/seccomp.json, built into pea)
# on every container that is not --privileged; --security-opt
# seccomp=unconfined|FILE and containers.conf's seccomp_profile replace it
# (podman-run(1), containers.conf(5)). A tiny static program calls the system
# calls the profile decides on and prints the errno's name.
bats_require_minimum_version 1.5.0
load helpers/common
load helpers-frontend

setup_file() {
	ensure_fixtures
	export SC_DIR="$BATS_FILE_TMPDIR/sc"
	mkdir -p "$SC_DIR"
	cat >"$SC_DIR/sc.c" <<-'EOC'
	#define _GNU_SOURCE
	#include <errno.h>
	#include <signal.h>
	#include <stdio.h>
	#include <string.h>
	#include <sys/syscall.h>
	#include <sys/wait.h>
	#include <unistd.h>

	static long call(const char *n)
	{
		long r;

		if (strcmp(n, "keyctl") == 0) /* KEYCTL_GET_KEYRING_ID of the session keyring */
			return syscall(SYS_keyctl, 0, -3, 0);
		if (strcmp(n, "unshare-user") == 0)
			return syscall(SYS_unshare, 0x10000000);
		if (strcmp(n, "clone3") == 0) /* EINVAL where the kernel sees it */
			return syscall(SYS_clone3, NULL, 0);
		if (strcmp(n, "lsm_get_self_attr") == 0) /* 459: newer than the profile */
			return syscall(459, 0, NULL, NULL, 0);
		if (strcmp(n, "clone-newuser") == 0 || strcmp(n, "clone") == 0) {
			r = syscall(SYS_clone, (n[5] ? 0x10000000 : 0) | SIGCHLD, 0, 0, 0, 0);
			if (r == 0)
				_exit(0);
			if (r > 0)
				waitpid((pid_t)r, NULL, 0);
			return r;
		}
		errno = EINVAL;
		return -2;
	}

	int main(int argc, char **argv)
	{
		for (int i = 1; i < argc; i++) {
			long r;

			errno = 0;
			r = call(argv[i]);
			printf("%s %s\n", argv[i], r == -1 ? strerrorname_np(errno) : r == -2 ? "?" : "ok");
		}
		return 0;
	}
	EOC
	timeout -k 5 120 cc -static -O1 -o "$SC_DIR/sc" "$SC_DIR/sc.c"
	fe_server_start
}

teardown_file() {
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
	fe_teardown
}

SC=(keyctl unshare-user clone-newuser clone clone3 lsm_get_self_attr)

# pea_env VAR=VALUE ARGS...: pea_cmd with one more variable in pea's environment.
pea_env() {
	local real=$PEA
	local PEA=env
	local FE_ARGS=("$1" "$real" "${FE_ARGS[@]}")
	shift
	pea_cmd "$@"
}

@test "the default profile: a filter, refused calls EPERM, new ones ENOSYS, threads and fork work" {
	run -0 pea_cmd run --rm -v "$SC_DIR:/sc:ro" busybox sh -c 'grep Seccomp: /proc/self/status; /sc/sc "$@"' sh "${SC[@]}"
	assert_line --index 0 --regexp 'Seccomp:[[:space:]]+2$'
	assert_line --index 1 "keyctl EPERM"
	assert_line --index 2 "unshare-user EPERM"
	assert_line --index 3 "clone-newuser EPERM"
	assert_line --index 4 "clone ok"
	# clone3's flags are out of a filter's reach: ENOSYS makes libc fall back to clone
	assert_line --index 5 "clone3 ENOSYS"
	assert_line --index 6 "lsm_get_self_attr ENOSYS"
	run -0 pea_cmd run --rm busybox sh -c 'echo a | cat; sleep 0.1 & wait; echo ok'
	assert_output "a
ok"
	# pea create writes it into the bundle too, with this machine's architectures
	run -0 pea_cmd create --name c1 busybox true
	run -0 pea_cmd start -a c1
	run -0 pea_cmd inspect --format '{{.HostConfig.SecurityOpt}}' c1
	assert_output "[]"
}

@test "the converted profile is kept in the run root: the next start reads it back, another bounding set gets its own, a damaged one is converted again" {
	local f one
	# seccomp_of NAME: the container's linux.seccomp as config.json has it
	seccomp_of() { jq -cS .linux.seccomp "$FE_ROOT/containers/$(pea_cmd inspect --format '{{.Id}}' "$1")/config.json"; }
	run -0 pea_cmd run --name c1 busybox true
	run -0 find "$FE_RUNROOT/seccomp" -type f
	f=$output
	[[ $(wc -l <<<"$f") == 1 && $(stat -c %a "$f") == 600 ]]
	# its key names the kernel's major.minor (a profile's minKernel rules depend on it)
	run -0 sed -n 2p "$f"
	assert_output --regexp " $(uname -r | cut -d. -f1,2 | sed 's/[.]/[.]/')\$"
	one=$(seccomp_of c1)
	[[ $one == *'"defaultAction":"SCMP_ACT_ERRNO"'* && $one == *keyctl* ]]
	# the same profile and set: from the file, which stays as it was; the filter holds
	touch -d '2001-01-01' "$f"
	run -0 pea_cmd run --name c2 -v "$SC_DIR:/sc:ro" busybox /sc/sc keyctl unshare-user
	assert_output $'keyctl EPERM\nunshare-user EPERM'
	[[ $(stat -c %Y "$f") == $(date -d 2001-01-01 +%s) ]]
	assert_equal "$(seccomp_of c2)" "$one"
	# another bounding set: a file of its own and other rules (mount, unshare let through)
	run -0 pea_cmd run --name c3 --cap-add SYS_ADMIN -v "$SC_DIR:/sc:ro" busybox /sc/sc unshare-user keyctl
	assert_output $'unshare-user ok\nkeyctl EPERM'
	[[ $(find "$FE_RUNROOT/seccomp" -type f | wc -l) == 2 ]]
	[[ $(seccomp_of c3) != "$one" ]]
	# cut short, or its key changed: converted again, the same rules, written anew
	truncate -s 100 "$f"
	run -0 pea_cmd run --name c4 -v "$SC_DIR:/sc:ro" busybox /sc/sc keyctl
	assert_output "keyctl EPERM"
	assert_equal "$(seccomp_of c4)" "$one"
	[[ $(stat -c %s "$f") -gt 100 ]]
	printf 'X' | dd of="$f" bs=1 seek=30 conv=notrunc status=none
	run -0 pea_cmd run --name c5 busybox true
	assert_equal "$(seccomp_of c5)" "$one"
	[[ $(dd if="$f" bs=1 skip=30 count=1 status=none) != X ]]
	# its text altered (a torn write): the hash beside it says so, converted again
	local sz
	sz=$(stat -c %s "$f")
	printf 'X' | dd of="$f" bs=1 seek=$((sz - 10)) conv=notrunc status=none
	run -0 pea_cmd run --name c6 busybox true
	assert_equal "$(seccomp_of c6)" "$one"
	[[ $(dd if="$f" bs=1 skip=$((sz - 10)) count=1 status=none) != X ]]
}

@test "--privileged and --security-opt seccomp=unconfined: no filter" {
	run -0 pea_cmd run --rm --privileged -v "$SC_DIR:/sc:ro" busybox sh -c 'grep Seccomp: /proc/self/status; /sc/sc keyctl clone3'
	assert_line --index 0 --regexp 'Seccomp:[[:space:]]+0$'
	refute_line "keyctl EPERM"
	assert_line "clone3 EINVAL"
	run -0 pea_cmd run --name u --security-opt seccomp=unconfined -v "$SC_DIR:/sc:ro" busybox sh -c 'grep Seccomp: /proc/self/status; /sc/sc unshare-user clone3'
	assert_line --index 0 --regexp 'Seccomp:[[:space:]]+0$'
	assert_line "unshare-user ok"
	assert_line "clone3 EINVAL"
	run -0 pea_cmd inspect --format '{{.HostConfig.SecurityOpt}}' u
	assert_output "[seccomp=unconfined]"
}

@test "--cap-add SYS_ADMIN lets mount, unshare and clone3 through; others stay refused" {
	run -0 pea_cmd run --rm --cap-add SYS_ADMIN -v "$SC_DIR:/sc:ro" busybox sh -c 'mkdir -p /m && mount -t tmpfs none /m 2>&1 && echo mounted; /sc/sc unshare-user clone3 keyctl'
	assert_line --index 0 mounted
	assert_line --index 1 "unshare-user ok"
	assert_line --index 2 "clone3 EINVAL"
	assert_line --index 3 "keyctl EPERM"
	run -1 pea_cmd run --rm busybox sh -c 'mkdir -p /m && mount -t tmpfs none /m'
	assert_output --partial "permission denied"
}

@test "--security-opt seccomp=FILE replaces the default; inspect names it" {
	printf '%s\n' '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}' >"$TEST_DIR/p.json"
	run -0 pea_cmd run --name f --security-opt "seccomp=$TEST_DIR/p.json" -v "$SC_DIR:/sc:ro" busybox sh -c 'mkdir /tmp/x || echo refused; /sc/sc keyctl'
	assert_line --index 0 refused
	assert_line --partial "Operation not permitted"
	refute_line "keyctl EPERM"
	run -0 pea_cmd inspect --format '{{.HostConfig.SecurityOpt}}' f
	assert_output "[seccomp=$TEST_DIR/p.json]"
}

@test "containers.conf seccomp_profile replaces the built-in one; unconfined there too; flags win" {
	printf '%s\n' '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}' >"$TEST_DIR/p.json"
	printf '[containers]\nseccomp_profile = "%s"\n' "$TEST_DIR/p.json" >"$TEST_DIR/c.conf"
	run -0 pea_env CONTAINERS_CONF="$TEST_DIR/c.conf" run --name cf -v "$SC_DIR:/sc:ro" busybox sh -c 'mkdir /tmp/x 2>/dev/null || echo refused; /sc/sc keyctl'
	assert_line --index 0 refused
	refute_line "keyctl EPERM"
	run -0 pea_cmd inspect --format '{{.HostConfig.SecurityOpt}}' cf
	assert_output "[seccomp=$TEST_DIR/p.json]"
	# the record holds the profile: a later change of the file or the conf is not seen
	rm "$TEST_DIR/p.json"
	run -0 pea_cmd start -a cf
	assert_line refused
	run -0 pea_env CONTAINERS_CONF="$TEST_DIR/c.conf" run --rm --security-opt seccomp=unconfined busybox grep Seccomp: /proc/self/status
	assert_output --regexp 'Seccomp:[[:space:]]+0$'
	run -0 pea_env CONTAINERS_CONF="$TEST_DIR/c.conf" run --rm --privileged busybox grep Seccomp: /proc/self/status
	assert_output --regexp 'Seccomp:[[:space:]]+0$'
	printf '[containers]\nseccomp_profile = "unconfined"\n' >"$TEST_DIR/u.conf"
	run -0 pea_env CONTAINERS_CONF="$TEST_DIR/u.conf" run --rm busybox grep Seccomp: /proc/self/status
	assert_output --regexp 'Seccomp:[[:space:]]+0$'
}

@test "a bad seccomp_profile in containers.conf: one line, exit 125, nothing created" {
	printf '[containers]\nseccomp_profile = "%s"\n' "$TEST_DIR/nosuch.json" >"$TEST_DIR/c1.conf"
	run -125 pea_env CONTAINERS_CONF="$TEST_DIR/c1.conf" run --rm busybox true
	assert_output --partial "containers.conf: seccomp_profile '$TEST_DIR/nosuch.json'"
	assert_output --partial "No such file or directory"
	assert_equal "${#lines[@]}" 1
	printf '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [' >"$TEST_DIR/trunc.json"
	printf '[containers]\nseccomp_profile = "%s"\n' "$TEST_DIR/trunc.json" >"$TEST_DIR/c2.conf"
	run -125 pea_env CONTAINERS_CONF="$TEST_DIR/c2.conf" create busybox true
	assert_output --partial "containers.conf: seccomp_profile '$TEST_DIR/trunc.json'"
	printf '{"defaultAction": "SCMP_ACT_SOMETIMES"}' >"$TEST_DIR/bad.json"
	printf '[containers]\nseccomp_profile = "%s"\n' "$TEST_DIR/bad.json" >"$TEST_DIR/c3.conf"
	run -125 pea_env CONTAINERS_CONF="$TEST_DIR/c3.conf" run --rm busybox true
	assert_output --partial "unknown action 'SCMP_ACT_SOMETIMES'"
	printf '[containers]\nseccomp_profile = 7\n' >"$TEST_DIR/c4.conf"
	run -125 pea_env CONTAINERS_CONF="$TEST_DIR/c4.conf" run --rm busybox true
	assert_output --partial "seccomp_profile"
	run -0 pea_cmd ps -aq
	assert_output ""
}
