#include <errno.h>
#include <linux/sockios.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/log.h"
#include "dnsd/sandbox.h"

static bool have_permitted(cap_value_t cap)
{
	cap_flag_value_t v = CAP_CLEAR;
	cap_t cur = cap_get_proc();

	if (!cur)
		return false;
	if (cap_get_flag(cur, cap, CAP_PERMITTED, &v) < 0)
		v = CAP_CLEAR;
	cap_free(cur);
	return v == CAP_SET;
}

int dnsd_drop_capabilities(struct pea_error **err)
{
	cap_value_t keep[] = { CAP_NET_BIND_SERVICE };
	bool keep_bind = have_permitted(CAP_NET_BIND_SERVICE);
	cap_t caps = NULL;
	int r = 0;

	/* the bounding set first: dropping from it needs CAP_SETPCAP, which we may still have */
	for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++) {
		if (c == CAP_NET_BIND_SERVICE || !CAP_IS_SUPPORTED(c))
			continue;
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EPERM && errno != EINVAL)
			return pea_error_errno(err, "drop capability %d from the bounding set", c);
	}
	caps = cap_init();
	if (!caps)
		return pea_error_errno(err, "cap_init");
	if (keep_bind && (cap_set_flag(caps, CAP_PERMITTED, 1, keep, CAP_SET) < 0 ||
			  cap_set_flag(caps, CAP_EFFECTIVE, 1, keep, CAP_SET) < 0))
		r = pea_error_errno(err, "cap_set_flag");
	if (r == 0 && cap_set_proc(caps) < 0)
		r = pea_error_errno(err, "drop capabilities");
	cap_free(caps);
	return r;
}

/* What the server loop, a reload and the allocator need; nothing else. */
/* clang-format off */
static const char *const allowed[] = {
	/* memory, time, exit */
	"brk", "mmap", "munmap", "mremap", "madvise", "mprotect", "futex", "clock_gettime",
	"gettimeofday", "getrandom", "exit", "exit_group", "rt_sigreturn", "rt_sigprocmask",
	"rt_sigaction", "restart_syscall", "sched_yield", "getpid", "gettid", "getuid", "geteuid",
	"tgkill",
	/* the event loop: epoll, signalfd, timerfd, inotify on resolv.conf */
	"epoll_wait", "epoll_pwait", "epoll_pwait2", "epoll_ctl", "timerfd_create",
	"timerfd_settime", "timerfd_gettime", "inotify_add_watch", "inotify_rm_watch",
	/* fds and files: reading the config directory and resolv.conf, the pid file, stdio */
	"read", "readv", "write", "writev", "close", "fcntl", "fstat", "newfstatat", "statx",
	"lseek", "openat", "getdents64", "unlinkat", "dup2", "dup3", "flock",
	/* sockets: answering, forwarding, binding a new network's gateway on reload */
	"socket", "bind", "listen", "accept4", "connect", "shutdown", "setsockopt", "getsockopt",
	"getsockname", "getpeername", "sendto", "recvfrom", "sendmsg", "recvmsg", "sendmmsg",
	"recvmmsg",
};
/* clang-format on */

static int add_rules(scmp_filter_ctx ctx, struct pea_error **err)
{
	int r;

	for (size_t i = 0; i < ARRAY_SIZE(allowed); i++) {
		int nr = seccomp_syscall_resolve_name(allowed[i]);

		if (nr == __NR_SCMP_ERROR)
			continue; /* not on this architecture */
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
		if (r < 0)
			return pea_error_code(err, -r, "seccomp rule for '%s'", allowed[i]);
	}
	/* if_nametoindex() for a "nameserver fe80::1%eth0" of resolv.conf */
	r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
			     SCMP_A1(SCMP_CMP_EQ, SIOCGIFINDEX));
	if (r < 0)
		return pea_error_code(err, -r, "seccomp rule for 'ioctl'");
	return 0;
}

int dnsd_install_seccomp(struct pea_error **err)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
	int r;

	if (!ctx)
		return pea_error_new(err, ENOMEM, "seccomp_init");
	r = add_rules(ctx, err);
	if (r == 0) {
		r = seccomp_load(ctx);
		if (r < 0)
			r = pea_error_code(err, -r, "load the seccomp filter");
	}
	seccomp_release(ctx);
	return r;
}
