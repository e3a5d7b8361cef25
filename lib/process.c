#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/process.h"
#include "lib/xalloc.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

extern char **environ;

/* ---- the child side ---------------------------------------------------------- */

/*
 * The child runs in the parent's memory (CLONE_VM | CLONE_VFORK, as
 * posix_spawn does): no page tables to copy, which fork made cost pea a
 * twentieth of its CPU. The parent sleeps until the child's execve or _exit,
 * so the child may write here and the parent reads it after. The child
 * never allocates (the heap is the parent's) and runs with every signal
 * blocked until it has reset their dispositions.
 */
struct child_report {
	int code;	/* 0: execve happened */
	char what[512]; /* "execve 'x'": the parent adds the errno's text */
};

struct child_args {
	const struct pea_spawn *s;
	pid_t parent;
	int nullfd;
	int *tmp;  /* per map entry: where its source sits while the targets are filled */
	int *keep; /* the fds that stay open across execve */
	struct child_report *report;
};

/* Say what failed and end; the parent returns it as pea_spawn's error. */
static __attribute__((noreturn, format(printf, 3, 4))) void
child_fail(struct child_report *rep, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rep->what, sizeof(rep->what), fmt, ap);
	va_end(ap);
	rep->code = code > 0 ? code : EIO;
	_exit(127);
}

static void child_reset_signals(void)
{
	/*
	 * An all-zero kernel sigaction is SIG_DFL, no flags, empty mask, on
	 * every architecture. The raw call also reaches the signals glibc keeps
	 * for itself (32, 33), which sigaction(3) refuses: an ignored one would
	 * survive execve too.
	 */
	static const unsigned long dfl[8] = { 0 };
	sigset_t none;

	/* blocked and ignored signals survive execve: a program we run starts clean */
	for (int sig = 1; sig < _NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			syscall(SYS_rt_sigaction, sig, dfl, NULL, (size_t)(_NSIG - 1) / 8);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/*
 * Put every mapped fd at its number. Sources may be targets of other
 * entries (3->4, 4->3), so first copy the sources that move above the
 * highest target, then dup2 them into place. Identity entries (5->5) only
 * lose FD_CLOEXEC, so passing many fds needs no spare fd numbers.
 */
static void child_map_fds(const struct child_args *a)
{
	const struct pea_spawn *s = a->s;
	size_t nkeep = 0;
	int max = 2, fd;

	for (size_t i = 0; i < s->nfds; i++)
		if (s->fds[i].child > max)
			max = s->fds[i].child;
	for (size_t i = 0; i < s->nfds; i++) {
		a->tmp[i] = s->fds[i].parent;
		if (s->fds[i].parent < 0 || s->fds[i].parent == s->fds[i].child)
			continue;
		a->tmp[i] = fcntl(s->fds[i].parent, F_DUPFD_CLOEXEC, max + 1);
		if (a->tmp[i] < 0)
			child_fail(a->report, errno, "dup fd %d", s->fds[i].parent);
	}
	if (a->nullfd >= 0 &&
	    (dup2(a->nullfd, STDIN_FILENO) < 0 || pea_fd_set_cloexec(0, false) < 0))
		child_fail(a->report, errno, "dup '/dev/null' to stdin");
	for (size_t i = 0; i < s->nfds; i++) {
		int child = s->fds[i].child;

		if (a->tmp[i] < 0) {
			close(child); /* parent -1: the number is closed in the child */
			continue;
		}
		if (a->tmp[i] == child)
			fd = pea_fd_set_cloexec(child, false);
		else /* dup2 clears FD_CLOEXEC */
			fd = dup2(a->tmp[i], child) < 0 ? -errno : 0;
		if (fd < 0)
			child_fail(a->report, -fd, "dup fd %d to %d", s->fds[i].parent, child);
		a->keep[nkeep++] = child;
	}
	fd = pea_close_fds_except(3, a->keep, nkeep);
	if (fd < 0)
		child_fail(a->report, -fd, "close inherited fds");
}

static int child_run(void *arg)
{
	const struct child_args *a = arg;
	const struct pea_spawn *s = a->s;
	char *const *envp = s->envp ? s->envp : environ;

	child_reset_signals();
	if (s->pdeath_signal) {
		if (prctl(PR_SET_PDEATHSIG, s->pdeath_signal) < 0)
			child_fail(a->report, errno, "prctl(PR_SET_PDEATHSIG)");
		if (getppid() != a->parent) /* the parent died before prctl */
			_exit(127);
	}
	if (s->new_session && setsid() < 0)
		child_fail(a->report, errno, "setsid");
	child_map_fds(a);
	if (s->cwd && chdir(s->cwd) < 0)
		child_fail(a->report, errno, "chdir '%s'", s->cwd);
	execvpe(s->argv[0], s->argv, envp);
	child_fail(a->report, errno, "execve '%s'", s->argv[0]);
}

/* ---- the parent side --------------------------------------------------------- */

static bool stdin_is_mapped(const struct pea_spawn *s)
{
	for (size_t i = 0; i < s->nfds; i++)
		if (s->fds[i].child == STDIN_FILENO)
			return true;
	return false;
}

/*
 * The child's stack: execvpe builds PATH candidates on it, and its fallback
 * for a script without #! copies argv there (as posix_spawn, room for argv
 * on top of a fixed part); a guard page below it.
 */
#define CHILD_STACK_BASE (64 * 1024)

/*
 * clone(CLONE_VM | CLONE_VFORK) on a stack of ours: returns when the child
 * has called execve or ended. All signals are blocked meanwhile, so that no
 * handler of the parent runs in the child on the shared memory. Under
 * AddressSanitizer, whose shadow of the parent's stack the child's frames
 * would poison, the child gets a copy of the memory as with fork (the
 * report is in a shared mapping) and the parent still waits for its execve.
 * The child shares our errno: ours is kept unless the clone failed.
 */
static pid_t clone_vfork(struct child_args *a)
{
	sigset_t all, old;
	pid_t pid;
	int saved = errno, e = 0;

	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
#ifdef __SANITIZE_ADDRESS__
	pid = (pid_t)syscall(SYS_clone, CLONE_VFORK | SIGCHLD, NULL, NULL, NULL, 0);
	if (pid == 0)
		child_run(a);
	e = errno;
#else
	{
		size_t page = (size_t)sysconf(_SC_PAGESIZE), argc = 0, size;
		char *map;

		while (a->s->argv[argc])
			argc++;
		size = CHILD_STACK_BASE + (argc + 2) * sizeof(char *);
		size = (size + page - 1) / page * page;
		map = mmap(NULL, size + page, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
		if (map == MAP_FAILED) {
			pid = -1;
			e = errno;
		} else if (mprotect(map, page, PROT_NONE) < 0) {
			pid = -1;
			e = errno;
			munmap(map, size + page);
		} else {
			pid = clone(child_run, map + page + size, CLONE_VM | CLONE_VFORK | SIGCHLD,
				    a);
			e = errno;
			munmap(map, size + page);
		}
	}
#endif
	sigprocmask(SIG_SETMASK, &old, NULL);
	errno = pid < 0 ? e : saved;
	return pid;
}

/* Where the child reports: shared with it (a mapping: see clone_vfork). */
static struct child_report *report_new(void)
{
	void *p = mmap(NULL, sizeof(struct child_report), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static void report_free(struct child_report **rep)
{
	if (*rep)
		munmap(*rep, sizeof(**rep));
}

int pea_spawn(const struct pea_spawn *s, pid_t *ret_pid, int *ret_pidfd, struct pea_error **err)
{
	_cleanup_close_ int nullfd = -1, pidfd = -1;
	_cleanup_free_ int *tmp = NULL, *keep = NULL;
	__attribute__((cleanup(report_free))) struct child_report *report = NULL;
	struct child_args a;
	pid_t pid;
	int status;

	if (!s->argv || !s->argv[0])
		return pea_error_new(err, EINVAL, "spawn: empty argv");
	tmp = xnew(int, s->nfds + 1);
	keep = xnew(int, s->nfds + 1);
	if (s->null_stdin && !stdin_is_mapped(s)) {
		/* not /dev/null: a runtime may chown it (pea_empty_pipe) */
		nullfd = pea_empty_pipe();
		if (nullfd < 0)
			return pea_error_errno(err, "pipe for stdin");
	}
	report = report_new();
	if (!report)
		return pea_error_errno(err, "mmap");
	a = (struct child_args){ .s = s,
				 .parent = getpid(),
				 .nullfd = nullfd,
				 .tmp = tmp,
				 .keep = keep,
				 .report = report };
	pid = clone_vfork(&a);
	if (pid < 0)
		return pea_error_errno(err, "clone");
	if (report->code) {
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		return pea_error_code(err, report->code, "%s", report->what);
	}
	if (ret_pidfd) {
		/* race-free: the child stays a zombie until we reap it */
		pidfd = pea_pidfd_open(pid, 0);
		if (pidfd < 0 && errno != ENOSYS)
			return pea_error_errno(err, "pidfd_open %d", (int)pid);
		*ret_pidfd = TAKE_FD(pidfd);
	}
	if (ret_pid)
		*ret_pid = pid;
	return 0;
}

int pea_empty_pipe(void)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	close(p[1]);
	return p[0];
}

bool pea_fd_is_null_device(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3);
}

void pea_detach_self(const int *keep, size_t nkeep)
{
	int fd;

	(void)setsid();
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	for (int i = 0; fd >= 0 && i < 3; i++)
		(void)dup2(fd, i);
	(void)pea_close_fds_except(3, keep, nkeep);
}

#define CLOSERS_MAX 8

void pea_close_parallel(int *fds, size_t n)
{
	pid_t pids[CLOSERS_MAX];
	size_t live = 0, procs;
	int status;

	for (size_t i = 0; i < n; i++)
		live += fds[i] >= 0;
	procs = live < CLOSERS_MAX ? live : CLOSERS_MAX;
	for (size_t j = 0; live > 1 && j < procs; j++) {
		pids[j] = fork();
		if (pids[j] != 0)
			continue;
		for (size_t pass = 0; pass < 2; pass++)
			for (size_t i = 0, k = 0; i < n; i++)
				if (fds[i] >= 0 && ((k++ % procs == j) == (pass == 0)))
					close(fds[i]);
		_exit(0);
	}
	for (size_t i = 0; i < n; i++)
		fds[i] = pea_close(fds[i]);
	for (size_t j = 0; live > 1 && j < procs; j++)
		if (pids[j] > 0)
			(void)pea_wait(pids[j], -1, -1, &status, NULL);
}

int pea_send_fd(int sock, const void *msg, size_t len, int fd, int flags)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control = { 0 };
	struct iovec iov = { (void *)msg, len };
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = control.buf,
			     .msg_controllen = sizeof(control.buf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	ssize_t n;

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	do
		n = sendmsg(sock, &mh, flags | MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -1 : 0;
}

ssize_t pea_recv_fd(int sock, void *buf, size_t cap, int *ret_fd, int flags)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control = { 0 };
	struct iovec iov = { buf, cap };
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = control.buf,
			     .msg_controllen = sizeof(control.buf) };
	struct cmsghdr *cm;
	ssize_t n;

	*ret_fd = -1;
	do
		n = recvmsg(sock, &mh, flags | MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	/*
	 * The control buffer's padding has room for two fds: a message with
	 * more than one (the kernel closed those past the room: MSG_CTRUNC) or
	 * a datagram longer than buf, whose truncated text could read as
	 * another, is not the caller's protocol. Its fds go, it is refused.
	 */
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		size_t nfds = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		int fd;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		for (size_t i = 0; i < nfds; i++) {
			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			if (nfds == 1 && *ret_fd < 0)
				*ret_fd = fd;
			else
				close(fd);
		}
		if (nfds != 1)
			mh.msg_flags |= MSG_CTRUNC;
	}
	if (mh.msg_flags & (MSG_CTRUNC | MSG_TRUNC)) {
		*ret_fd = pea_close(*ret_fd);
		errno = (mh.msg_flags & MSG_CTRUNC) ? EPROTO : EMSGSIZE;
		return -1;
	}
	return n;
}

int pea_pidfd_open(pid_t pid, unsigned int flags)
{
	return (int)syscall(SYS_pidfd_open, pid, flags);
}

int pea_pidfd_send_signal(int pidfd, int sig)
{
	return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Poll fd for input; 0 ready, -ETIMEDOUT, or -errno. */
static int poll_in(int fd, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int64_t left = timeout_ms < 0 ? -1 : deadline - now_ms();
		int n;

		if (timeout_ms >= 0 && left < 0)
			left = 0;
		n = poll(&p, 1, (int)left);
		if (n > 0)
			return 0;
		if (n == 0)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
	}
}

static int status_from_siginfo(const siginfo_t *si)
{
	switch (si->si_code) {
	case CLD_EXITED:
		return (si->si_status & 0xff) << 8;
	case CLD_KILLED:
		return si->si_status & 0x7f;
	case CLD_DUMPED:
		return (si->si_status & 0x7f) | 0x80;
	default:
		return 0;
	}
}

static int wait_pidfd(int pidfd, int *ret_status)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	while (waitid((idtype_t)P_PIDFD, (id_t)pidfd, &si, WEXITED) < 0)
		if (errno != EINTR)
			return -errno;
	*ret_status = status_from_siginfo(&si);
	return 0;
}

static int wait_pid_polling(pid_t pid, int timeout_ms, int *ret_status)
{
	int64_t deadline = now_ms() + timeout_ms;

	for (;;) {
		pid_t p = waitpid(pid, ret_status, timeout_ms < 0 ? 0 : WNOHANG);

		if (p == pid)
			return 0;
		if (p < 0 && errno != EINTR)
			return -errno;
		if (p == 0) {
			if (now_ms() >= deadline)
				return -ETIMEDOUT;
			nanosleep(&(struct timespec){ .tv_nsec = 5 * 1000 * 1000 }, NULL);
		}
	}
}

int pea_wait(pid_t pid, int pidfd, int timeout_ms, int *ret_status, struct pea_error **err)
{
	_cleanup_close_ int own = -1;
	int r;

	if (pidfd < 0 && timeout_ms >= 0)
		pidfd = own = pea_pidfd_open(pid, 0);
	if (pidfd >= 0) {
		r = poll_in(pidfd, timeout_ms);
		if (r == 0)
			r = wait_pidfd(pidfd, ret_status);
		if (r == -EINVAL && pid > 0) /* no P_PIDFD before Linux 5.4 */
			r = wait_pid_polling(pid, -1, ret_status);
	} else {
		r = wait_pid_polling(pid, timeout_ms, ret_status);
	}
	if (r == -ETIMEDOUT)
		return pea_error_new(err, ETIMEDOUT, "process %d still running after %d ms",
				     (int)pid, timeout_ms);
	if (r < 0)
		return pea_error_code(err, -r, "wait for process %d", (int)pid);
	return 0;
}

int pea_exit_status(int wait_status)
{
	if (WIFEXITED(wait_status))
		return WEXITSTATUS(wait_status);
	if (WIFSIGNALED(wait_status))
		return 128 + WTERMSIG(wait_status);
	return 255;
}

char *pea_describe_wait_status(int wait_status)
{
	if (WIFEXITED(wait_status))
		return xasprintf("exited with status %d", WEXITSTATUS(wait_status));
	if (WIFSIGNALED(wait_status)) {
		const char *name = pea_signal_name(WTERMSIG(wait_status));

		return xasprintf("killed by signal %d (%s)%s", WTERMSIG(wait_status),
				 name ? name : "?", WCOREDUMP(wait_status) ? ", core dumped" : "");
	}
	return xasprintf("unknown wait status 0x%x", (unsigned int)wait_status);
}

int pea_run_wait(char *const *argv, struct pea_error **err)
{
	struct pea_spawn s = { .argv = argv, .null_stdin = true };
	_cleanup_close_ int pidfd = -1;
	_cleanup_free_ char *how = NULL;
	pid_t pid = 0;
	int r, status = 0;

	r = pea_spawn(&s, &pid, &pidfd, err);
	if (r < 0)
		return r;
	r = pea_wait(pid, pidfd, -1, &status, err);
	if (r < 0)
		return r;
	if (status == 0)
		return 0;
	how = pea_describe_wait_status(status);
	return pea_error_new(err, EIO, "'%s' %s", argv[0], how);
}

/* ---- signal names -------------------------------------------------------------- */

static const char *const signal_names[] = {
	[SIGHUP] = "SIGHUP",	   [SIGINT] = "SIGINT",	      [SIGQUIT] = "SIGQUIT",
	[SIGILL] = "SIGILL",	   [SIGTRAP] = "SIGTRAP",     [SIGABRT] = "SIGABRT",
	[SIGBUS] = "SIGBUS",	   [SIGFPE] = "SIGFPE",	      [SIGKILL] = "SIGKILL",
	[SIGUSR1] = "SIGUSR1",	   [SIGSEGV] = "SIGSEGV",     [SIGUSR2] = "SIGUSR2",
	[SIGPIPE] = "SIGPIPE",	   [SIGALRM] = "SIGALRM",     [SIGTERM] = "SIGTERM",
	[SIGSTKFLT] = "SIGSTKFLT", [SIGCHLD] = "SIGCHLD",     [SIGCONT] = "SIGCONT",
	[SIGSTOP] = "SIGSTOP",	   [SIGTSTP] = "SIGTSTP",     [SIGTTIN] = "SIGTTIN",
	[SIGTTOU] = "SIGTTOU",	   [SIGURG] = "SIGURG",	      [SIGXCPU] = "SIGXCPU",
	[SIGXFSZ] = "SIGXFSZ",	   [SIGVTALRM] = "SIGVTALRM", [SIGPROF] = "SIGPROF",
	[SIGWINCH] = "SIGWINCH",   [SIGIO] = "SIGIO",	      [SIGPWR] = "SIGPWR",
	[SIGSYS] = "SIGSYS",
};

static const struct {
	const char *name;
	int sig;
} signal_aliases[] = {
	{ "IOT", SIGIOT },
	{ "POLL", SIGPOLL },
	{ "CLD", SIGCHLD },
	{ "UNUSED", SIGSYS },
};

/* The real-time range as glibc and the other engines name it: RTMIN is 34, RTMAX 64. */
#define RT_MIN 34
#define RT_MAX 64

const char *pea_signal_name(int sig)
{
	static char rt[RT_MAX - RT_MIN + 1][16];

	if (sig > 0 && (size_t)sig < ARRAY_SIZE(signal_names))
		return signal_names[sig];
	if (sig < RT_MIN || sig > RT_MAX)
		return NULL;
	if (!rt[sig - RT_MIN][0]) {
		char *b = rt[sig - RT_MIN];

		if (sig == RT_MIN)
			strcpy(b, "SIGRTMIN");
		else if (sig == RT_MAX)
			strcpy(b, "SIGRTMAX");
		else if (sig - RT_MIN <= 15)
			snprintf(b, 16, "SIGRTMIN+%d", sig - RT_MIN);
		else
			snprintf(b, 16, "SIGRTMAX-%d", RT_MAX - sig);
	}
	return rt[sig - RT_MIN];
}

/* "RTMIN", "RTMIN+3", "RTMAX-2" (without SIG); < 0 when not one of those. */
static int rt_from_string(const char *s)
{
	int base, sign = 0;
	const char *p;
	char *end;
	long n = 0;

	if (strncasecmp(s, "RTMIN", 5) == 0)
		base = RT_MIN;
	else if (strncasecmp(s, "RTMAX", 5) == 0)
		base = RT_MAX;
	else
		return -EINVAL;
	p = s + 5;
	if (*p == '+')
		sign = 1;
	else if (*p == '-')
		sign = -1;
	else if (*p)
		return -EINVAL;
	if (sign) {
		if (p[1] < '0' || p[1] > '9')
			return -EINVAL;
		errno = 0;
		n = strtol(p + 1, &end, 10);
		if (errno || *end || n > RT_MAX - RT_MIN)
			return -EINVAL;
	}
	n = base + sign * n;
	return n >= RT_MIN && n <= RT_MAX ? (int)n : -EINVAL;
}

int pea_signal_from_string(const char *s)
{
	const char *name = s;

	if (!s || !*s)
		return -EINVAL;
	if (*s >= '0' && *s <= '9') {
		char *end;
		long n;

		errno = 0;
		n = strtol(s, &end, 10);
		if (errno || *end || n < 1 || n > RT_MAX)
			return -EINVAL;
		return (int)n;
	}
	if (strncasecmp(name, "SIG", 3) == 0)
		name += 3;
	for (size_t i = 1; i < ARRAY_SIZE(signal_names); i++)
		if (signal_names[i] && strcasecmp(name, signal_names[i] + 3) == 0)
			return (int)i;
	for (size_t i = 0; i < ARRAY_SIZE(signal_aliases); i++)
		if (strcasecmp(name, signal_aliases[i].name) == 0)
			return signal_aliases[i].sig;
	return rt_from_string(name);
}

bool pea_in_initial_userns(void)
{
	static int cached = -1;
	_cleanup_free_ char *map = NULL;
	unsigned long inside, outside, count;

	if (cached >= 0)
		return cached;
	/* no user namespaces in this kernel: the initial one it is */
	if (pea_read_file_at(AT_FDCWD, "/proc/self/uid_map", 4096, &map, NULL, NULL) < 0)
		return (cached = 1);
	cached = sscanf(map, "%lu %lu %lu", &inside, &outside, &count) == 3 && inside == 0 &&
		 outside == 0 && count == 4294967295ul;
	return cached;
}
