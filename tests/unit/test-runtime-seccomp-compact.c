/*
 * oci-runtime/seccomp-compact.c: a program libseccomp made (three
 * architectures, rules on arguments, a default errno) and its compact form
 * give the same decision for every syscall number of each architecture and
 * the x32 range, with arguments that match and miss the rules; the compact
 * one is shorter and the kernel loads it; programs outside the subset are
 * left alone.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h> /* memfd_create */
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "oci-runtime/seccomp-compact.h"
#include "tests/unit/tap.h"

static struct sock_filter *export(scmp_filter_ctx ctx, size_t *n)
{
	int fd = memfd_create("test", MFD_CLOEXEC);
	struct sock_filter *p = calloc(BPF_MAXINSNS, sizeof(*p));
	ssize_t r;

	if (fd < 0 || !p || seccomp_export_bpf(ctx, fd) < 0 || lseek(fd, 0, SEEK_SET) < 0)
		return NULL;
	r = read(fd, p, BPF_MAXINSNS * sizeof(*p));
	close(fd);
	*n = r > 0 ? (size_t)r / sizeof(*p) : 0;
	return p;
}

static bool denied(const char *name)
{
	static const char *const deny[] = {
		"reboot",	   "kexec_load",  "mount",	 "umount2", "ptrace", "bpf",
		"perf_event_open", "init_module", "unshare",	 "setns",   "keyctl", "add_key",
		"swapon",	   "swapoff",	  "personality", "clone",   "clone3", "socket",
		"ioctl",	   "pivot_root",  "acct",
	};

	for (size_t i = 0; i < sizeof(deny) / sizeof(*deny); i++)
		if (!strcmp(name, deny[i]))
			return true;
	return false;
}

/*
 * podman-like (dense): every syscall x86_64 knows but a few, some of those
 * with rules on their arguments, EPERM else; or sparse: 40 names, which
 * compacts to nothing shorter.
 */
static struct sock_filter *profile(size_t *n, bool tree, bool dense)
{
	static const char *const few[] = {
		"read",	 "write",      "openat",       "close",		 "mmap",    "munmap",
		"brk",	 "exit",       "exit_group",   "futex",		 "execve",  "getpid",
		"fstat", "newfstatat", "rt_sigaction", "rt_sigprocmask", "wait4",   "kill",
		"uname", "fcntl",      "getdents64",   "chdir",		 "mkdirat", "unlinkat",
	};
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
	struct sock_filter *p;

	seccomp_arch_add(ctx, SCMP_ARCH_X86);
	seccomp_arch_add(ctx, SCMP_ARCH_X32);
	seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	if (tree)
		seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	for (int nr = 0; dense && nr < 460; nr++) {
		char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_X86_64, nr);

		if (name && !denied(name))
			seccomp_rule_add(ctx, SCMP_ACT_ALLOW, seccomp_syscall_resolve_name(name),
					 0);
		free(name);
	}
	for (size_t i = 0; !dense && i < sizeof(few) / sizeof(*few); i++)
		seccomp_rule_add(ctx, SCMP_ACT_ALLOW, seccomp_syscall_resolve_name(few[i]), 0);
	seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(personality), 1, SCMP_A0(SCMP_CMP_EQ, 0));
	seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(personality), 1,
			 SCMP_A0(SCMP_CMP_EQ, 0xffffffff));
	seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
			 SCMP_A0(SCMP_CMP_MASKED_EQ, 0x7e020000, 0));
	seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1, SCMP_A0(SCMP_CMP_NE, 40));
	seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1, SCMP_A1(SCMP_CMP_LT, 0x5400));
	p = export(ctx, n);
	seccomp_release(ctx);
	return p;
}

static uint32_t rnd(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(*s >> 33);
}

/* every number below 1024, the x32 range's, and random ones, on each architecture */
static size_t differences(const struct sock_filter *p, size_t n, const struct sock_filter *q,
			  size_t m)
{
	static const uint32_t archs[] = { AUDIT_ARCH_X86_64, AUDIT_ARCH_I386, AUDIT_ARCH_AARCH64,
					  0 };
	static const uint32_t argv[] = { 0, 1, 40, 41, 0x53ff, 0x5400, 0x7e020000, 0xffffffff };
	uint64_t seed = 1;
	size_t bad = 0;

	for (size_t a = 0; a < sizeof(archs) / sizeof(*archs); a++)
		for (uint32_t i = 0; i < 2 * 1024 + 512; i++) {
			uint32_t nr = i < 1024 ? i : i < 2048 ? 0x40000000u + i - 1024 : rnd(&seed);

			for (size_t v = 0; v < sizeof(argv) / sizeof(*argv) + 4; v++) {
				uint32_t d[16] = { nr, archs[a] };

				for (size_t w = 2; w < 16; w++)
					d[w] = v < sizeof(argv) / sizeof(*argv)
						       ? (w % 2 ? 0 : argv[v])
						       : rnd(&seed);
				bad += seccomp_bpf_run(p, n, d) != seccomp_bpf_run(q, m, d);
			}
		}
	return bad;
}

static bool kernel_loads(const struct sock_filter *q, size_t m)
{
	struct sock_fprog prog = { .len = (unsigned short)m, .filter = (struct sock_filter *)q };
	int st = 0;
	pid_t pid = fork();

	if (pid == 0) {
		prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
		if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
			_exit(1);
		/* personality(0xffff) is not allowed: EPERM, not the call */
		_exit(syscall(SYS_personality, 0xffffUL) == -1 && errno == EPERM ? 0 : 2);
	}
	return pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static void test_profile(bool tree)
{
	const char *what = tree ? "tree" : "list";
	size_t n = 0, m = 0;
	struct sock_filter *p = profile(&n, tree, true), *q = p ? seccomp_compact(p, n, &m) : NULL;

	tap_ok(q && m < n, "%s: %zu instructions, compact %zu", what, n, m);
	tap_is_int(q ? differences(p, n, q, m) : 1, 0, "%s: the same decisions", what);
	tap_ok(q && kernel_loads(q, m), "%s: the kernel loads it and it denies", what);
	free(p);
	free(q);
	p = profile(&n, tree, false);
	q = p ? seccomp_compact(p, n, &m) : NULL;
	tap_ok(p && !q, "%s of 24 names: nothing shorter, left alone", what);
	free(p);
	free(q);
}

static void test_refused(void)
{
	/* the number tested bit by bit: not intervals */
	struct sock_filter jset[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 1, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 1),
	};
	/* X and scratch memory: not the subset */
	struct sock_filter ldx[] = {
		BPF_STMT(BPF_LDX | BPF_W | BPF_IMM, 3),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	/* already as short as it gets */
	struct sock_filter one[] = { BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0),
				     BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW) };
	size_t m = 0;

	tap_ok(!seccomp_compact(jset, 4, &m), "JSET on the number: left alone");
	tap_ok(!seccomp_compact(ldx, 2, &m), "LDX: left alone");
	tap_ok(!seccomp_compact(one, 2, &m), "nothing shorter: left alone");
	tap_is_int(seccomp_bpf_run(ldx, 2, (uint32_t[16]){ 0 }), -1,
		   "run: LDX is outside the subset");
}

int main(void)
{
	tap_plan(4 + 4 + 4);
	test_profile(true);
	test_profile(false);
	test_refused();
	return tap_done();
}
