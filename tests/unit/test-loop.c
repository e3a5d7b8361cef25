#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/loop.h"
#include "lib/process.h"
#include "tests/unit/tap.h"

struct seen {
	char data[256];
	size_t len;
	bool eof;
	int signo;
	pid_t child;
	int child_status;
	int ticks;
	int fired;
	struct pea_watch *other;
};

static int on_pipe(struct pea_loop *loop, int fd, uint32_t events, void *data,
		   struct pea_error **err)
{
	struct seen *s = data;
	ssize_t n = read(fd, s->data + s->len, sizeof(s->data) - 1 - s->len);

	if (n > 0) {
		s->len += (size_t)n;
		return 0;
	}
	s->eof = true;
	return 1;
}

static int on_signal(struct pea_loop *loop, int signo, void *data, struct pea_error **err)
{
	((struct seen *)data)->signo = signo;
	return 1;
}

static int on_child(struct pea_loop *loop, pid_t pid, int status, void *data,
		    struct pea_error **err)
{
	struct seen *s = data;

	s->child = pid;
	s->child_status = status;
	return 0;
}

static int on_tick(struct pea_loop *loop, void *data, struct pea_error **err)
{
	struct seen *s = data;

	return ++s->ticks >= 3 ? 1 : 0;
}

static void test_all_kinds(void)
{
	_cleanup_error_ struct pea_error *err = NULL;
	struct pea_loop *loop = NULL;
	struct seen s = { 0 };
	int p[2];
	pid_t pid = 0;
	char script[128];
	char *argv[] = { "sh", "-c", script, NULL };
	struct pea_fd_map map[1];
	struct pea_spawn sp = { .argv = argv, .fds = map, .nfds = 1 };

	tap_is_int(pea_loop_new(&loop, &err), 0, "loop_new");
	if (pipe2(p, O_CLOEXEC) < 0)
		abort();
	map[0] = (struct pea_fd_map){ p[1], 3 };
	snprintf(script, sizeof(script),
		 "echo hello >&3; exec 3>&-; sleep 0.1; kill -USR1 %d; exit 5", (int)getpid());
	tap_is_int(pea_loop_add_signal(loop, SIGUSR1, on_signal, &s, NULL, &err), 0, "add signal");
	tap_is_int(pea_spawn(&sp, &pid, NULL, &err), 0, "spawn the child");
	close(p[1]);
	tap_is_int(pea_loop_add_fd(loop, p[0], EPOLLIN, on_pipe, &s, NULL, &err), 0, "add fd");
	tap_is_int(pea_loop_add_child(loop, pid, on_child, &s, NULL, &err), 0, "add child");
	tap_is_int(pea_loop_add_timer(loop, 10, 10, on_tick, &s, NULL, &err), 0, "add timer");
	tap_is_int(pea_loop_run(loop, &err), 0, "run returns when no watchers remain");
	s.data[s.len] = '\0';
	tap_is_str(s.data, "hello\n", "fd watch read the pipe");
	tap_ok(s.eof, "fd watch saw the end");
	tap_is_int(s.signo, SIGUSR1, "signal delivered through the signalfd");
	tap_is_int(s.child, pid, "child watch got the pid");
	tap_ok(WIFEXITED(s.child_status) && WEXITSTATUS(s.child_status) == 5, "child exit status");
	tap_ok(waitpid(pid, NULL, WNOHANG) < 0 && errno == ECHILD, "the loop reaped the child");
	tap_is_int(s.ticks, 3, "periodic timer ticked until it removed itself");
	loop = pea_loop_free(loop);
	close(p[0]);
}

static int quit_cb(struct pea_loop *loop, void *data, struct pea_error **err)
{
	pea_loop_quit(loop, 7);
	return 0;
}

static int never_cb(struct pea_loop *loop, int fd, uint32_t events, void *data,
		    struct pea_error **err)
{
	return 0;
}

static int remove_other(struct pea_loop *loop, void *data, struct pea_error **err)
{
	struct seen *s = data;

	s->fired++;
	pea_loop_remove(loop, s->other);
	return 0;
}

static int remove_self(struct pea_loop *loop, void *data, struct pea_error **err)
{
	struct seen *s = data;

	s->fired++;
	pea_loop_remove(loop, s->other); /* other is this very watch */
	pea_loop_remove(loop, s->other); /* twice is harmless */
	return 0;
}

static int fail_cb(struct pea_loop *loop, void *data, struct pea_error **err)
{
	return pea_error_new(err, EPROTO, "bad message from peer");
}

static void test_quit_remove_fail(void)
{
	_cleanup_error_ struct pea_error *err = NULL;
	struct pea_loop *loop = NULL;
	struct seen a = { 0 }, b = { 0 };
	int p[2];

	if (pipe2(p, O_CLOEXEC) < 0)
		abort();
	pea_loop_new(&loop, &err);
	pea_loop_add_fd(loop, p[0], EPOLLIN, never_cb, NULL, NULL, &err);
	pea_loop_add_timer(loop, 5, 0, quit_cb, NULL, NULL, &err);
	tap_is_int(pea_loop_run(loop, &err), 0, "quit stops the loop");
	tap_is_int(pea_loop_exit_status(loop), 7, "quit status");
	loop = pea_loop_free(loop);

	/* two timers due together: the first to run removes the other, which must not run */
	pea_loop_new(&loop, &err);
	a.fired = 0;
	pea_loop_add_timer(loop, 20, 0, remove_other, &a, &b.other, &err);
	pea_loop_add_timer(loop, 20, 0, remove_other, &a, &a.other, &err);
	usleep(40 * 1000); /* both expired before the first epoll_wait */
	tap_is_int(pea_loop_run(loop, &err), 0, "run with removals");
	tap_is_int(a.fired, 1, "a watch removed by another callback in the same batch never runs");
	loop = pea_loop_free(loop);

	pea_loop_new(&loop, &err);
	pea_loop_add_timer(loop, 1, 1, remove_self, &b, &b.other, &err);
	tap_is_int(pea_loop_run(loop, &err), 0, "a periodic timer removing itself");
	tap_is_int(b.fired, 1, "it ran once");
	loop = pea_loop_free(loop);

	pea_loop_new(&loop, &err);
	pea_loop_add_fd(loop, p[0], EPOLLIN, never_cb, NULL, NULL, &err);
	pea_loop_add_timer(loop, 1, 0, fail_cb, NULL, NULL, &err);
	tap_is_int(pea_loop_run(loop, &err), -EPROTO, "a failing callback stops the loop");
	tap_is_str(err ? err->message : NULL, "bad message from peer", "with its error");
	loop = pea_loop_free(loop);
	close(p[0]);
	close(p[1]);
}

static int count_signal(struct pea_loop *loop, int signo, void *data, struct pea_error **err)
{
	if (++((struct seen *)data)->fired == 2)
		pea_loop_quit(loop, 0);
	return 0;
}

static void test_signals(void)
{
	_cleanup_error_ struct pea_error *err = NULL;
	struct pea_loop *loop = NULL;
	struct seen s = { 0 };
	sigset_t cur;

	pea_loop_new(&loop, &err);
	tap_is_int(pea_loop_add_signal(loop, SIGKILL, count_signal, &s, NULL, &err), -EINVAL,
		   "SIGKILL cannot be watched");
	tap_is_str(err ? err->message : NULL, "cannot watch signal 9", "SIGKILL message");
	pea_loop_add_signal(loop, SIGUSR2, count_signal, &s, NULL, &err);
	pea_loop_add_signal(loop, SIGHUP, count_signal, &s, NULL, &err);
	sigprocmask(SIG_BLOCK, NULL, &cur);
	tap_ok(sigismember(&cur, SIGUSR2) && sigismember(&cur, SIGHUP),
	       "watched signals are blocked");
	raise(SIGUSR2); /* pending until the loop reads it */
	kill(getpid(), SIGHUP);
	tap_is_int(pea_loop_run(loop, &err), 0, "signals raised before run are delivered");
	tap_is_int(s.fired, 2, "both signals seen");
	raise(SIGUSR2); /* pending at free: drained, not delivered on unblock */
	loop = pea_loop_free(loop);
	sigprocmask(SIG_BLOCK, NULL, &cur);
	tap_ok(!sigismember(&cur, SIGUSR2) && !sigismember(&cur, SIGHUP),
	       "the old signal mask is back after free");

	pea_loop_new(&loop, &err);
	tap_ok(pea_loop_add_child(loop, 999999, on_child, &s, NULL, &err) < 0 &&
		       strstr(err->message, "pidfd_open 999999"),
	       "watching a process that does not exist fails");
	loop = pea_loop_free(loop);
	tap_ok(pea_loop_free(NULL) == NULL, "free(NULL)");
}

/* A process that is not our child: its parent reaps it, we still hear that it ended. */
static void test_non_child(void)
{
	_cleanup_error_ struct pea_error *err = NULL;
	struct pea_loop *loop = NULL;
	struct seen s = { .child_status = 12345 };
	int p[2];
	pid_t mid, grandchild = 0;

	if (pipe2(p, O_CLOEXEC) < 0)
		abort();
	mid = fork();
	if (mid == 0) {
		pid_t g = fork();

		if (g == 0) {
			usleep(200 * 1000);
			_exit(0);
		}
		(void)!write(p[1], &g, sizeof(g));
		waitpid(g, NULL, 0);
		_exit(0);
	}
	close(p[1]);
	(void)!read(p[0], &grandchild, sizeof(grandchild));
	close(p[0]);
	pea_loop_new(&loop, &err);
	tap_is_int(pea_loop_add_child(loop, grandchild, on_child, &s, NULL, &err), 0,
		   "watch a process that is not our child");
	tap_is_int(pea_loop_run(loop, &err), 0, "run until it ends");
	tap_ok(s.child == grandchild && s.child_status == -1, "its end is reported with status -1");
	loop = pea_loop_free(loop);
	waitpid(mid, NULL, 0);
}

int main(void)
{
	tap_plan(33);
	test_all_kinds();
	test_quit_remove_fail();
	test_signals();
	test_non_child();
	return tap_done();
}
