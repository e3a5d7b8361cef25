#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/process.h"
#include "tests/unit/tap.h"

/* Run argv with the given fd map plus stdout to a pipe; return what it printed. */
static char *run_capture(char *const *argv, const struct pea_fd_map *extra, size_t nextra,
			 struct pea_spawn *base, int *ret_status)
{
	_cleanup_error_ struct pea_error *err = NULL;
	static struct pea_fd_map fds[1024];
	struct pea_spawn s = base ? *base : (struct pea_spawn){ 0 };
	_cleanup_close_ int pidfd = -1;
	char *out = NULL;
	int p[2], status = -1;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		abort();
	if (nextra)
		memcpy(fds, extra, nextra * sizeof(*extra));
	fds[nextra] = (struct pea_fd_map){ p[1], 1 };
	s.argv = argv;
	s.fds = fds;
	s.nfds = nextra + 1;
	if (pea_spawn(&s, &pid, &pidfd, &err) < 0) {
		tap_diag("spawn: %s", err->message);
		close(p[0]);
		close(p[1]);
		return NULL;
	}
	close(p[1]);
	pea_read_all(p[0], 65536, &out, NULL, &err);
	close(p[0]);
	pea_wait(pid, pidfd, -1, &status, &err);
	if (ret_status)
		*ret_status = status;
	return out;
}

static void test_fd_map(void)
{
	int a[2], b[2], status = -1;
	char buf[64] = "";
	_cleanup_free_ char *out = NULL;

	if (pipe2(a, O_CLOEXEC) < 0 || pipe2(b, O_CLOEXEC) < 0)
		abort();
	{
		/* parent a[1] becomes the child's b[1] and the other way round: what the
		 * child writes to its a[1] lands in pipe b */
		struct pea_fd_map swap[] = { { a[1], b[1] }, { b[1], a[1] } };
		_cleanup_free_ char *cmd = NULL;
		char *argv[] = { "sh", "-c", NULL, NULL };

		if (asprintf(&cmd, "echo to-b >&%d; echo to-a >&%d", a[1], b[1]) < 0)
			abort();
		argv[2] = cmd;
		out = run_capture(argv, swap, 2, NULL, &status);
		close(a[1]);
		close(b[1]);
		tap_is_int(status, 0, "swapped fd map: child ran");
		buf[read(a[0], buf, sizeof(buf) - 1)] = '\0';
		tap_is_str(buf, "to-a\n", "fd map with overlapping numbers, first");
		buf[read(b[0], buf, sizeof(buf) - 1)] = '\0';
		tap_is_str(buf, "to-b\n", "fd map with overlapping numbers, second");
		close(a[0]);
		close(b[0]);
	}
	{
		int leak = open("/dev/null", O_RDONLY); /* not CLOEXEC on purpose */
		char script[128];
		char *argv[] = { "sh", "-c", script, NULL };

		snprintf(script, sizeof(script),
			 "if [ -e /proc/self/fd/%d ]; then echo open; else echo closed; fi", leak);
		free(out);
		out = run_capture(argv, NULL, 0, NULL, &status);
		tap_is_str(out, "closed\n", "fds that are not mapped are closed in the child");
		close(leak);
	}
	{
		/* like conmon's --preserve-fds: many fds passed at their own numbers */
		enum { N = 600 };
		static struct pea_fd_map many[N];
		char *argv[] = { "sh", "-c", "ls /proc/self/fd | wc -l", NULL };
		int first = -1;

		for (int i = 0; i < N; i++) {
			int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

			if (first < 0)
				first = fd;
			many[i] = (struct pea_fd_map){ fd, fd };
		}
		free(out);
		out = run_capture(argv, many, N, NULL, &status);
		/* 0, 1, 2, the N passed, and the fd ls opens on /proc/self/fd */
		tap_ok(out && atoi(out) == 3 + N + 1,
		       "%d fds passed at their own numbers (%d open)", N, out ? atoi(out) : -1);
		for (int i = 0; i < N; i++)
			close(many[i].parent);
	}
	{
		struct pea_fd_map m[] = { { -1, 2 } };
		char *argv[] = { "sh", "-c", "echo x >&2 && echo open || echo closed", NULL };

		free(out);
		out = run_capture(argv, m, 1, NULL, &status);
		tap_is_str(out, "closed\n", "parent -1 closes that number in the child");
	}
}

static void test_spawn_options(void)
{
	_cleanup_free_ char *out = NULL;
	int status = -1;

	{
		char *argv[] = { "pwd", NULL };
		struct pea_spawn s = { .cwd = "/usr" };

		out = run_capture(argv, NULL, 0, &s, &status);
		tap_is_str(out, "/usr\n", "cwd");
	}
	{
		char *argv[] = { "sh", "-c", "echo $FOO", NULL };
		char *env[] = { "FOO=bar", "PATH=/usr/bin:/bin", NULL };
		struct pea_spawn s = { .envp = env };

		free(out);
		out = run_capture(argv, NULL, 0, &s, &status);
		tap_is_str(out, "bar\n", "envp");
	}
	{
		char *argv[] = { "cat", NULL };
		struct pea_spawn s = { .null_stdin = true };

		free(out);
		out = run_capture(argv, NULL, 0, &s, &status);
		tap_ok(out && !*out && status == 0, "null_stdin: stdin reads EOF");
	}
	{
		char *argv[] = { "sh", "-c", "grep -E '^Sig(Blk|Ign)' /proc/self/status", NULL };
		sigset_t set, old;

		/* the parent blocks and ignores signals, as the event loop does */
		sigemptyset(&set);
		sigaddset(&set, SIGTERM);
		sigaddset(&set, SIGCHLD);
		sigprocmask(SIG_BLOCK, &set, &old);
		signal(SIGPIPE, SIG_IGN);
		/*
		 * And the signals glibc keeps for itself (32, 33), which only the
		 * raw call can set: a CI runner handed them to us ignored once.
		 * The handler is the first word of the kernel's struct but on MIPS.
		 */
		unsigned long ign[8] = { (unsigned long)SIG_IGN }, dfl[8] = { 0 };
#ifndef __mips__
		syscall(SYS_rt_sigaction, 32, ign, NULL, (size_t)(_NSIG - 1) / 8);
		syscall(SYS_rt_sigaction, 33, ign, NULL, (size_t)(_NSIG - 1) / 8);
#endif
		free(out);
		out = run_capture(argv, NULL, 0, NULL, &status);
		sigprocmask(SIG_SETMASK, &old, NULL);
		signal(SIGPIPE, SIG_DFL);
		syscall(SYS_rt_sigaction, 32, dfl, NULL, (size_t)(_NSIG - 1) / 8);
		syscall(SYS_rt_sigaction, 33, dfl, NULL, (size_t)(_NSIG - 1) / 8);
		tap_is_str(out, "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n",
			   "the child starts with no blocked and no ignored signals");
	}
	{
		_cleanup_error_ struct pea_error *err = NULL;
		_cleanup_close_ int pidfd = -1;
		char *argv[] = { "sleep", "10", NULL };
		struct pea_spawn s = { .argv = argv, .new_session = true };
		pid_t pid = 0;

		tap_is_int(pea_spawn(&s, &pid, &pidfd, &err), 0, "spawn new_session");
		tap_is_int(getsid(pid), pid, "new_session: the child leads its own session");
		pea_pidfd_send_signal(pidfd, SIGKILL);
		pea_wait(pid, pidfd, -1, &status, &err);
	}
}

/* The spawner dies; its child with pdeath_signal gets the signal (we are its subreaper). */
static void test_pdeath_signal(void)
{
	int p[2], status = 0;
	pid_t mid, grandchild = 0;

	if (pipe2(p, O_CLOEXEC) < 0 || prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		abort();
	mid = fork();
	if (mid == 0) {
		char *argv[] = { "sleep", "100", NULL };
		struct pea_spawn s = { .argv = argv, .pdeath_signal = SIGKILL };
		pid_t pid = 0;

		if (pea_spawn(&s, &pid, NULL, NULL) < 0)
			_exit(1);
		(void)!write(p[1], &pid, sizeof(pid));
		_exit(0);
	}
	close(p[1]);
	(void)!read(p[0], &grandchild, sizeof(grandchild));
	close(p[0]);
	waitpid(mid, NULL, 0);
	tap_ok(grandchild > 0 && waitpid(grandchild, &status, 0) == grandchild &&
		       WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	       "pdeath_signal: the child is killed when its parent dies");
	prctl(PR_SET_CHILD_SUBREAPER, 0);
}

static void test_spawn_errors(void)
{
	_cleanup_error_ struct pea_error *err = NULL;
	pid_t pid = 0;
	int r;

	{
		char *argv[] = { "pea-nosuch-binary", NULL };
		struct pea_spawn s = { .argv = argv };

		r = pea_spawn(&s, &pid, NULL, &err);
		tap_is_int(r, -ENOENT, "exec failure returns the child's errno");
		tap_is_str(err ? err->message : NULL,
			   "execve 'pea-nosuch-binary': No such file or directory",
			   "exec failure carries the child's reason");
		tap_ok(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD,
		       "the failed child was reaped");
	}
	{
		char *argv[] = { "/etc/passwd", NULL };
		struct pea_spawn s = { .argv = argv };

		r = pea_spawn(&s, &pid, NULL, &err);
		tap_is_int(r, -EACCES, "exec of a non-executable");
		tap_is_str(err ? err->message : NULL, "execve '/etc/passwd': Permission denied",
			   "non-executable message");
	}
	{
		char *argv[] = { "true", NULL };
		struct pea_spawn s = { .argv = argv, .cwd = "/nonexistent" };

		r = pea_spawn(&s, &pid, NULL, &err);
		tap_is_int(r, -ENOENT, "chdir failure");
		tap_is_str(err ? err->message : NULL,
			   "chdir '/nonexistent': No such file or directory",
			   "chdir failure message");
	}
	{
		struct pea_fd_map m[] = { { 999, 3 } };
		char *argv[] = { "true", NULL };
		struct pea_spawn s = { .argv = argv, .fds = m, .nfds = 1 };

		r = pea_spawn(&s, &pid, NULL, &err);
		tap_is_int(r, -EBADF, "mapping a closed fd");
		tap_is_str(err ? err->message : NULL, "dup fd 999: Bad file descriptor",
			   "bad fd message");
	}
	{
		struct pea_spawn s = { 0 };
		char *argv[] = { NULL };

		s.argv = argv;
		tap_is_int(pea_spawn(&s, &pid, NULL, &err), -EINVAL, "empty argv");
	}
}

static void test_wait(void)
{
	_cleanup_error_ struct pea_error *err = NULL;
	_cleanup_free_ char *how = NULL;
	_cleanup_close_ int pidfd = -1;
	char *sleeper[] = { "sleep", "10", NULL };
	struct pea_spawn s = { .argv = sleeper };
	pid_t pid = 0;
	int status = -1;

	pea_spawn(&s, &pid, &pidfd, &err);
	tap_is_int(pea_wait(pid, pidfd, 100, &status, &err), -ETIMEDOUT, "wait timeout");
	tap_ok(err && strstr(err->message, "still running after 100 ms"), "timeout message: %s",
	       err ? err->message : "");
	tap_is_int(kill(pid, 0), 0, "a timeout leaves the child running");
	tap_is_int(pea_pidfd_send_signal(pidfd, SIGKILL), 0, "pidfd_send_signal");
	tap_is_int(pea_wait(pid, pidfd, 5000, &status, &err), 0, "wait after kill");
	tap_ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "killed status");
	tap_is_int(pea_exit_status(status), 137, "exit status 128 + 9");
	how = pea_describe_wait_status(status);
	tap_is_str(how, "killed by signal 9 (SIGKILL)", "describe a kill");

	/* by pid only, with and without a timeout */
	pid = 0;
	pea_spawn(&s, &pid, NULL, &err);
	tap_is_int(pea_wait(pid, -1, 50, &status, &err), -ETIMEDOUT, "pid-only wait timeout");
	kill(pid, SIGTERM);
	tap_is_int(pea_wait(pid, -1, -1, &status, &err), 0, "pid-only wait");
	tap_is_int(pea_exit_status(status), 143, "SIGTERM is 143");
	{
		char *argv[] = { "sh", "-c", "exit 3", NULL };
		struct pea_spawn e = { .argv = argv };

		pea_spawn(&e, &pid, NULL, &err);
		pea_wait(pid, -1, -1, &status, &err);
		tap_is_int(pea_exit_status(status), 3, "exit code");
		free(how);
		how = pea_describe_wait_status(status);
		tap_is_str(how, "exited with status 3", "describe an exit");
	}
	tap_is_int(pea_wait(getpid(), -1, -1, &status, &err), -ECHILD, "waiting for a non-child");
}

static void test_run_wait(void)
{
	_cleanup_error_ struct pea_error *err = NULL;
	char *ok[] = { "true", NULL }, *bad[] = { "sh", "-c", "exit 4", NULL },
	     *missing[] = { "pea-nosuch", NULL };

	tap_is_int(pea_run_wait(ok, &err), 0, "run_wait true");
	tap_ok(pea_run_wait(bad, &err) < 0, "run_wait of a failing command");
	tap_is_str(err ? err->message : NULL, "'sh' exited with status 4", "run_wait message");
	tap_is_int(pea_run_wait(missing, &err), -ENOENT, "run_wait of a missing program");
}

static void test_signals(void)
{
	static const struct {
		const char *s;
		int sig;
	} cases[] = {
		{ "KILL", 9 },		{ "SIGKILL", 9 },	{ "9", 9 },
		{ "kill", 9 },		{ "sigterm", 15 },	{ "SigHup", 1 },
		{ "RTMIN", 34 },	{ "SIGRTMIN+3", 37 },	{ "rtmax-1", 63 },
		{ "SIGRTMAX", 64 },	{ "64", 64 },		{ "IOT", SIGABRT },
		{ "CLD", SIGCHLD },	{ "WINCH", SIGWINCH },	{ "0", -EINVAL },
		{ "65", -EINVAL },	{ "", -EINVAL },	{ "SIG", -EINVAL },
		{ "NOSUCH", -EINVAL },	{ "9x", -EINVAL },	{ "RTMIN+31", -EINVAL },
		{ "RTMAX+1", -EINVAL }, { "RTMIN-1", -EINVAL }, { "RTMIN+", -EINVAL },
		{ "-9", -EINVAL },
	};
	bool roundtrip = true;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		tap_ok(pea_signal_from_string(cases[i].s) == cases[i].sig, "signal '%s' is %d",
		       cases[i].s, cases[i].sig);
	tap_is_str(pea_signal_name(SIGKILL), "SIGKILL", "name of 9");
	tap_is_str(pea_signal_name(34), "SIGRTMIN", "name of 34");
	tap_is_str(pea_signal_name(35), "SIGRTMIN+1", "name of 35");
	tap_is_str(pea_signal_name(50), "SIGRTMAX-14", "name of 50");
	tap_is_str(pea_signal_name(64), "SIGRTMAX", "name of 64");
	tap_ok(pea_signal_name(0) == NULL && pea_signal_name(65) == NULL, "no name out of range");
	for (int sig = 1; sig <= 64; sig++) {
		const char *name = pea_signal_name(sig);

		if (name && pea_signal_from_string(name) != sig)
			roundtrip = false;
		if (!name && sig != 32 && sig != 33)
			roundtrip = false;
	}
	tap_ok(roundtrip, "every signal but 32 and 33 has a name that parses back");
}

/*
 * A script without #!: execvpe runs it with /bin/sh, copying argv onto the
 * child's stack first. 20000 arguments overflowed a fixed 64 KiB stack into
 * the parent's frame.
 */
static void test_many_args_script(void)
{
	char dir[] = "/tmp/test-process.XXXXXX", path[64];
	enum { N = 20000 };
	char **argv = calloc(N + 2, sizeof(char *));
	_cleanup_free_ char *out = NULL;
	int status = -1;

	if (!argv || !mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/script", dir);
	if (pea_write_file_at(AT_FDCWD, path, "echo $#\n", NULL) < 0 || chmod(path, 0755) < 0)
		abort();
	argv[0] = path;
	for (size_t i = 1; i <= N; i++)
		argv[i] = "x";
	out = run_capture(argv, NULL, 0, NULL, &status);
	tap_ok(out && atoi(out) == N && status == 0, "a script without #! and %d arguments: %s", N,
	       out ? out : "(none)");
	unlink(path);
	rmdir(dir);
	free(argv);
}

/* Two fds in one message, as pea_send_fd never sends. */
static int send_two_fds(int sock, int a, int b)
{
	union {
		char buf[CMSG_SPACE(2 * sizeof(int))];
		struct cmsghdr align;
	} control = { 0 };
	int fds[2] = { a, b };
	struct iovec iov = { (void *)"x", 1 };
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = control.buf,
			     .msg_controllen = sizeof(control.buf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(fds));
	memcpy(CMSG_DATA(cm), fds, sizeof(fds));
	return sendmsg(sock, &mh, MSG_NOSIGNAL) < 0 ? -1 : 0;
}

static bool fd_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

static void test_fd_passing(void)
{
	int sv[2], fd = -1, before;
	char buf[8];
	ssize_t n;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		abort();
	/* what the next fd number will be: a refused message must leave none open */
	before = dup(0);
	close(before);

	tap_ok(pea_send_fd(sv[0], "t1", 2, 0, 0) == 0, "send_fd: a message with one fd");
	n = pea_recv_fd(sv[1], buf, sizeof(buf), &fd, 0);
	tap_ok(n == 2 && memcmp(buf, "t1", 2) == 0 && fd >= 0 && fd_open(fd),
	       "recv_fd: its text and its fd");
	tap_ok(fcntl(fd, F_GETFD) == FD_CLOEXEC, "recv_fd: the fd is close-on-exec");
	close(fd);

	tap_ok(send_two_fds(sv[0], 0, 1) == 0, "two fds in one message sent");
	errno = 0;
	n = pea_recv_fd(sv[1], buf, sizeof(buf), &fd, 0);
	tap_ok(n == -1 && errno == EPROTO && fd == -1, "recv_fd: two fds are refused (EPROTO)");
	tap_ok(!fd_open(before) && !fd_open(before + 1), "recv_fd: the fds that came are closed");

	tap_ok(pea_send_fd(sv[0], "0123456789abcdef", 16, 0, 0) == 0, "a long message sent");
	errno = 0;
	n = pea_recv_fd(sv[1], buf, sizeof(buf), &fd, 0);
	tap_ok(n == -1 && errno == EMSGSIZE && fd == -1,
	       "recv_fd: a message longer than buf is refused (EMSGSIZE)");
	tap_ok(!fd_open(before), "recv_fd: its fd is closed");

	tap_ok(pea_send_fd(sv[0], "t2", 2, 0, 0) == 0, "then one more");
	n = pea_recv_fd(sv[1], buf, sizeof(buf), &fd, 0);
	tap_ok(n == 2 && memcmp(buf, "t2", 2) == 0 && fd >= 0, "recv_fd: the next message reads");
	close(fd);

	close(sv[0]);
	n = pea_recv_fd(sv[1], buf, sizeof(buf), &fd, 0);
	tap_ok(n == 0 && fd == -1, "recv_fd: 0 at the end");
	close(sv[1]);
}

int main(void)
{
	tap_plan(86);
	test_fd_map();
	test_spawn_options();
	test_spawn_errors();
	test_pdeath_signal();
	test_wait();
	test_run_wait();
	test_signals();
	test_many_args_script();
	test_fd_passing();
	return tap_done();
}
