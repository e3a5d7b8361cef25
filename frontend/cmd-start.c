/* start and run: mount, bundle, monitor, runtime start, attach (podman-start(1), podman-run(1)). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/inotify.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/lock.h"
#include "lib/log.h"
#include "lib/process.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "frontend/commands.h"
#include "frontend/container.h"
#include "frontend/ctr-log.h"
#include "frontend/events.h"
#include "frontend/frontend.h"
#include "frontend/health.h"
#include "frontend/images.h"
#include "frontend/k8s-log.h"
#include "frontend/records.h"
#include "frontend/restart.h"
#include "frontend/sdnotify.h"
#include "frontend/spec.h"
#include "frontend/tty.h"
#include "frontend/volumes-run.h"

#define SYNC_TIMEOUT_MS 60000
#define SYNC_MAX	65536
#define REAP_TIMEOUT_MS 2000
#define FOLLOW_POLL_MS	200

extern char **environ;

static bool interactive(const struct ctr_record *r)
{
	bool i = false;

	(void)pea_json_get_bool_opt(r->opts, "opts", "interactive", &i, NULL);
	return i;
}

static bool has_tty(const struct ctr_record *r)
{
	bool t = false;

	(void)pea_json_get_bool_opt(r->opts, "opts", "tty", &t, NULL);
	return t;
}

/* The container's --runtime (create's), else pea's. */
static const char *container_runtime_of(const struct global_options *g, const struct ctr_record *r)
{
	const char *rt = NULL;

	if (pea_json_get_string_opt(r->opts, "opts", "runtime", &rt, NULL) == 1 && *rt)
		return rt;
	return g->runtime;
}

/* pea's own monitor, which has pea's flags (--start, --exit-command-skip-if); conmon has not. */
static bool is_pea_monitor(const struct global_options *g)
{
	const char *base = strrchr(g->conmon, '/');

	return strcmp(base ? base + 1 : g->conmon, "pea-monitor") == 0;
}

/*
 * The exit command cleans up and removes a --rm container (podman's
 * `container cleanup --rm`) started detached. A foreground run does it
 * itself, with the exit code from the exit file and the output from the log
 * it opened before the start, and then tells the monitor on --cleaner-fd
 * that no exit command is needed (tell_cleaned). One process does the
 * removal, never two (the container's lock), and a run killed meanwhile
 * leaves it to the exit command.
 */
/* --preserve-fds N: pea's fds 3 .. 3+N-1 go on to the container */
static int preserve_fds(const struct ctr_record *r)
{
	const char *listen = getenv("LISTEN_FDS");
	char *end = NULL;
	long l;
	int n = 0;

	(void)pea_json_get_int_opt(r->opts, "opts", "preserve_fds", &n, NULL);
	if (n > 0 || !listen)
		return n > 0 ? n : 0;
	/* podman under socket activation: the LISTEN_FDS fds from 3 go on (250-systemd) */
	errno = 0;
	l = strtol(listen, &end, 10);
	if (end == listen || *end || errno || l <= 0 || l > 1024)
		return 0;
	return (int)l;
}

static char **monitor_argv(const struct global_options *g, const struct ctr_record *r,
			   const char *bundle, bool start_now, bool attach_first)
{
	_cleanup_strv_ char **exit_cmd = frontend_self_argv(g);
	char **v = NULL;

	pea_strv_push(&v, g->conmon);
	pea_strv_push(&v, "--api-version");
	pea_strv_push(&v, "1");
	pea_strv_push(&v, "-c");
	pea_strv_push(&v, r->id);
	pea_strv_push(&v, "-u");
	pea_strv_push(&v, r->id);
	pea_strv_push(&v, "-n");
	pea_strv_push(&v, r->name);
	pea_strv_push(&v, "-r");
	pea_strv_push(&v, container_runtime_of(g, r));
	pea_strv_push(&v, "-b");
	pea_strv_push(&v, bundle);
	if (interactive(r))
		pea_strv_push(&v, "-i");
	if (has_tty(r))
		pea_strv_push(&v, "-t");
	pea_strv_push(&v, "-p");
	pea_strv_push_take(&v, xasprintf("%s/pidfile", bundle));
	if (start_now)
		pea_strv_push(&v, "--start");
	if (attach_first) /* the attach socket first, then the one runtime call */
		pea_strv_push(&v, "--exec-attach");
	sdnotify_monitor_args(r, &v);
	if (preserve_fds(r) > 0) { /* as podman passes it to conmon */
		pea_strv_push(&v, "--runtime-opt");
		pea_strv_push(&v, "--preserve-fds");
		pea_strv_push(&v, "--runtime-opt");
		pea_strv_push_take(&v, xasprintf("%d", preserve_fds(r)));
	}
	ctr_log_monitor_args(g, r, &v);
	/* a --rm container's log goes with it: no fsync of it on the way to the exit file */
	if (r->rm)
		pea_strv_push(&v, "--no-sync-log");
	pea_strv_push_take(&v, xasprintf("--exit-dir=%s/exits", g->runroot));
	/*
	 * Its persist dir (the bundle) too, and nothing reads the exit and oom files the
	 * monitor writes there (pea: EXIT_DIR's): one file made less on the way from the
	 * container's exit to the exit file a run --rm waits for.
	 */
	if (!r->rm)
		pea_strv_push_take(&v, xasprintf("--persist-dir=%s", bundle));
	pea_strv_push_take(&v, xasprintf("--socket-dir-path=%s/socket", g->runroot));
	pea_strv_push_take(&v, xasprintf("--conmon-pidfile=%s/conmon.pid", bundle));
	{
		int64_t secs = 0; /* --timeout: the monitor kills the container after it */

		if (pea_json_get_int64_opt(r->opts, "opts", "timeout", &secs, NULL) == 1 &&
		    secs > 0)
			pea_strv_push_take(&v, xasprintf("--timeout=%lld", (long long)secs));
	}
	pea_strv_push(&v, "--runtime-arg");
	pea_strv_push(&v, "--root");
	pea_strv_push(&v, "--runtime-arg");
	pea_strv_push_take(&v, xasprintf("%s/runtime", g->runroot));
	frontend_push_runtime_flags(g, &v, true);
	if (is_pea_monitor(g)) {
		_cleanup_free_ char *mark = container_cleaner_mark(g, r->id);
		pea_strv_push_take(&v, xasprintf("--exit-command-skip-if=%s", mark));
		health_monitor_args(r, exit_cmd, &v); /* its periodic checks (health.h) */
	}
	pea_strv_push(&v, "--exit-command");
	pea_strv_push(&v, exit_cmd[0]);
	for (size_t i = 1; exit_cmd[i]; i++) {
		pea_strv_push(&v, "--exit-command-arg");
		pea_strv_push(&v, exit_cmd[i]);
	}
	pea_strv_push(&v, "--exit-command-arg");
	pea_strv_push(&v, "container");
	pea_strv_push(&v, "--exit-command-arg");
	pea_strv_push(&v, "cleanup");
	pea_strv_push(&v, "--exit-command-arg");
	pea_strv_push(&v, "--rm");
	pea_strv_push(&v, "--exit-command-arg");
	pea_strv_push(&v, r->id);
	return v;
}

static char **monitor_env(int sync_fd, bool attach_first)
{
	char **v = NULL;

	for (size_t i = 0; environ && environ[i]; i++)
		if (strncmp(environ[i], "_OCI_", 5) != 0)
			pea_strv_push(&v, environ[i]);
	pea_strv_push_take(&v, xasprintf("_OCI_SYNCPIPE=%d", sync_fd));
	if (attach_first) {
		pea_strv_push_take(&v, xasprintf("_OCI_ATTACHPIPE=%d", sync_fd + 1));
		pea_strv_push_take(&v, xasprintf("_OCI_STARTPIPE=%d", sync_fd + 2));
	}
	return v;
}

/* The first line of the sync pipe, once the runtime created the container. */
static int read_sync(int fd, char **ret, struct pea_error **err)
{
	_cleanup_free_ char *buf = xmalloc(SYNC_MAX + 1);
	size_t len = 0;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;
		int pr = poll(&p, 1, SYNC_TIMEOUT_MS);

		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0)
			return pea_error_new(err, ETIMEDOUT,
					     "the container monitor did not report "
					     "within %d s",
					     SYNC_TIMEOUT_MS / 1000);
		n = read(fd, buf + len, SYNC_MAX - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return pea_error_errno(err, "read the sync pipe");
		if (n == 0)
			break;
		len += (size_t)n;
		if (memchr(buf, '\n', len) || len >= SYNC_MAX)
			break;
	}
	buf[len] = '\0';
	if (len == 0)
		return pea_error_new(err, EPIPE, "the container monitor exited without reporting");
	buf[strcspn(buf, "\n")] = '\0';
	*ret = TAKE_PTR(buf);
	return 0;
}

/* podman's statuses for a process that could not be run. */
static int classify_failure(const char *msg)
{
	if ((strstr(msg, "exec") || strstr(msg, "executable")) &&
	    (strstr(msg, "not found") || strstr(msg, "No such file or directory")))
		return PEA_EXIT_NOT_FOUND;
	if (strstr(msg, "ermission denied") || strstr(msg, "not executable"))
		return PEA_EXIT_CANNOT;
	return PEA_EXIT_ENGINE;
}

/*
 * pea-monitor's --start: the monitor has the runtime create and start the
 * container in one exec (run --detach), where a create and pea's `runtime
 * start` were two. An attach socket to connect first is connected before
 * that call (--exec-attach, as an exec's: the monitor reports the socket on
 * the attach pipe and waits for a byte on the start pipe). Not where a
 * terminal must be sized first, nor with conmon, which has no such flag.
 */
static bool can_start_in_monitor(const struct global_options *g, const struct ctr_record *r)
{
	return !has_tty(r) && is_pea_monitor(g);
}

static int say_go(int fd, struct pea_error **err)
{
	ssize_t n;

	do
		n = write(fd, "1", 1);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		return pea_error_errno(err, "write the container monitor's start pipe");
	return 0;
}

/*
 * --exec-attach's handshake: the socket reported on the attach pipe,
 * connected, then the go for the runtime's call. Whatever fails, the start
 * pipe is closed, so the monitor goes on to report on the sync pipe.
 */
static int attach_handshake(const struct global_options *g, const struct ctr_record *r,
			    int attach_rd, int *start_wr, int *ret_sock, struct pea_error **err)
{
	_cleanup_free_ char *line = NULL;
	int rc = read_sync(attach_rd, &line, err);

	if (rc == 0)
		rc = container_attach_connect(g, r->id, ret_sock, err);
	if (rc == 0)
		rc = say_go(*start_wr, err);
	*start_wr = pea_close(*start_wr);
	return rc;
}

/*
 * Launch the monitor; the container's pid from the sync pipe. With
 * spec_rootfs (an attach first: the runtime's call waits for the start
 * pipe's byte), the spec is written while the monitor execs, detaches and
 * makes its socket, fifos and pidfile, none of which reads it: a failed spec
 * closes the start pipe unsaid, the runtime finds no config.json (the caller
 * removed any earlier one) and fails, and the spec's error is the start's.
 */
static int launch_monitor(struct global_options *g, const struct ctr_record *r, const char *bundle,
			  const char *spec_rootfs, bool start_now, int *attach_sock, int *cleaner,
			  int *ret_pid, struct pea_error **err)
{
	int npreserve = preserve_fds(r);
	bool attach_first = start_now && attach_sock;
	_cleanup_strv_ char **argv = monitor_argv(g, r, bundle, start_now, attach_first),
			    **envp = monitor_env(3 + npreserve, attach_first);
	_cleanup_close_ int rd = -1, wr = -1, pidfd = -1, null_fd = -1;
	_cleanup_close_ int attach_rd = -1, attach_wr = -1, start_rd = -1, start_wr = -1;
	_cleanup_close_ int cleaner_rd = -1, cleaner_wr = -1;
	_cleanup_json_ struct json_object *j = NULL;
	_cleanup_free_ char *line = NULL;
	_cleanup_free_ struct pea_fd_map *fds = xnew(struct pea_fd_map, 4 + (size_t)npreserve);
	_cleanup_error_ struct pea_error *attach_err = NULL, *late_err = NULL, *sync_err = NULL;
	_cleanup_error_ struct pea_error *spec_err = NULL;
	struct pea_spawn s = { 0 };
	int pipefd[2], status;
	int64_t data = 0;
	const char *msg = NULL;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return pea_error_errno(err, "pipe");
	rd = pipefd[0];
	wr = pipefd[1];
	if (attach_first) {
		if (pipe2(pipefd, O_CLOEXEC) < 0)
			return pea_error_errno(err, "pipe");
		attach_rd = pipefd[0];
		attach_wr = pipefd[1];
		if (pipe2(pipefd, O_CLOEXEC) < 0)
			return pea_error_errno(err, "pipe");
		start_rd = pipefd[0];
		start_wr = pipefd[1];
	}
	/* a socket, not a pipe: its byte goes with MSG_NOSIGNAL (a monitor gone: no SIGPIPE) */
	if (cleaner && is_pea_monitor(g)) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pipefd) < 0)
			return pea_error_errno(err, "socketpair");
		cleaner_rd = pipefd[0];
		cleaner_wr = pipefd[1];
	}
	/*
	 * The monitor's fds as conmon's from podman: the preserved ones first, then the
	 * pipe. Only fds pea was given: its own are all close-on-exec (a record lock
	 * that took a free number must not go on with the container).
	 */
	/*
	 * A number pea was not given gets /dev/null, not a hole: the monitor's
	 * own fds (its log, /dev/null, epoll...) would take the lowest free
	 * numbers, and the runtime passes the whole range on to the container.
	 */
	for (int i = 0; i < npreserve; i++) {
		int fl = fcntl(3 + i, F_GETFD);
		if (fl >= 0 && !(fl & FD_CLOEXEC)) {
			fds[i] = (struct pea_fd_map){ 3 + i, 3 + i };
			continue;
		}
		if (null_fd < 0) {
			null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
			if (null_fd < 0)
				return pea_error_errno(err, "open /dev/null");
		}
		fds[i] = (struct pea_fd_map){ null_fd, 3 + i };
	}
	fds[npreserve] = (struct pea_fd_map){ wr, 3 + npreserve };
	fds[npreserve + 1] = (struct pea_fd_map){ attach_wr, 4 + npreserve };
	fds[npreserve + 2] = (struct pea_fd_map){ start_rd, 5 + npreserve };
	s.argv = argv;
	s.envp = envp;
	s.cwd = bundle;
	s.fds = fds;
	s.nfds = (attach_first ? 3 : 1) + (size_t)npreserve;
	if (cleaner_rd >= 0) { /* the next number: --cleaner-fd */
		int n = 3 + (int)s.nfds;

		fds[s.nfds++] = (struct pea_fd_map){ cleaner_rd, n };
		pea_strv_push_take(&argv, xasprintf("--cleaner-fd=%d", n));
		s.argv = argv;
	}
	/* passthrough: the container's stdio are pea's own, stdin too */
	s.null_stdin = !ctr_log_is_passthrough(r);
	if (log_get_level() >= LOG_LEVEL_DEBUG) {
		_cleanup_free_ char *cmd = pea_strv_join(argv, " ");
		log_debug("running %s", cmd);
	}
	if (pea_spawn(&s, &pid, &pidfd, err) < 0)
		return pea_error_wrap(err, "starting the container monitor '%s'", g->conmon);
	wr = pea_close(wr);
	attach_wr = pea_close(attach_wr);
	start_rd = pea_close(start_rd);
	cleaner_rd = pea_close(cleaner_rd);
	if (cleaner)
		*cleaner = TAKE_FD(cleaner_wr); /* the caller's from now on, failed or not */
	/*
	 * From here on the monitor goes on whatever fails (a closed start pipe
	 * reads as the go): a failure (late_err) still waits for its report, so
	 * that it is reaped and, its container's pid set, the caller kills that.
	 * The first byte on the start pipe lets the monitor go on to detach.
	 */
	if (attach_first && say_go(start_wr, &late_err) < 0)
		start_wr = pea_close(start_wr);
	if (attach_first && spec_rootfs && !late_err &&
	    spec_write(g, r, spec_rootfs, &spec_err) < 0)
		start_wr = pea_close(start_wr);
	/* the daemon's handshake while the monitor's first process ends (it detaches) */
	if (attach_first && !late_err && !spec_err)
		(void)attach_handshake(g, r, attach_rd, &start_wr, attach_sock, &attach_err);
	/* a new record's rename made durable while the monitor starts the container */
	if (records_sync_new(&sync_err) < 0 && !late_err)
		late_err = TAKE_PTR(sync_err);
	if (pea_wait(pid, pidfd, -1, &status, err) < 0)
		return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		_cleanup_free_ char *d = pea_describe_wait_status(status);
		return pea_error_new(err, EIO, "the container monitor '%s' %s", g->conmon, d);
	}
	if (read_sync(rd, &line, err) < 0) {
		if (spec_err || attach_err) { /* the monitor's own failure, or else ours */
			*err = pea_error_free(*err);
			*err = spec_err ? TAKE_PTR(spec_err) : TAKE_PTR(attach_err);
		}
		return -1;
	}
	if (pea_json_parse(line, strlen(line), "sync pipe", &j, err) < 0 || !j)
		return pea_error_wrap(err, "container monitor");
	if (pea_json_get_int64_opt(j, "", "data", &data, NULL) != 1 &&
	    pea_json_get_int64_opt(j, "", "pid", &data, NULL) != 1)
		return pea_error_new(err, EPROTO, "container monitor: no pid in '%s'", line);
	/* the spec's error, not the runtime's at finding none; a container running is killed */
	if (spec_err) {
		if (data > 0)
			*ret_pid = (int)data;
		*err = TAKE_PTR(spec_err);
		return -1;
	}
	if (data <= 0) {
		_cleanup_free_ char *m = NULL;
		size_t ml;

		(void)pea_json_get_string_opt(j, "", "message", &msg, NULL);
		m = xstrdup(msg ? msg : "failed");
		ml = strlen(m);
		while (ml > 0 && (m[ml - 1] == '\n' || m[ml - 1] == ' '))
			m[--ml] = '\0';
		g->error_status = classify_failure(m);
		/* podman's words for the two failures scripts tell apart (126, 127) */
		if (g->error_status == PEA_EXIT_NOT_FOUND)
			return pea_error_new(err, ENOENT,
					     "%s: OCI runtime attempted to invoke a command that "
					     "was not found",
					     m);
		if (g->error_status == PEA_EXIT_CANNOT)
			return pea_error_new(err, EACCES, "%s: OCI permission denied", m);
		/* podman's ErrOCIRuntime is 126 too (030-run: --runtime-flag invalidflag) */
		g->error_status = PEA_EXIT_CANNOT;
		return pea_error_new(err, EIO, "%s: OCI runtime error", m);
	}
	*ret_pid = (int)data;
	if (late_err) { /* running: the caller kills it (*ret_pid is set) */
		*err = TAKE_PTR(late_err);
		return -1;
	}
	if (attach_err) { /* running unattached: the caller kills it (*ret_pid is set) */
		*err = TAKE_PTR(attach_err);
		return -1;
	}
	return 0;
}

/*
 * Our stdin to the container through the attach socket; its output that
 * comes back there is dropped (it is read from the log). At the end of our
 * stdin the socket is closed: the monitor then closes the container's.
 */
static void pump_stdin(int *sock, bool *stdin_open, short sock_ev, short in_ev)
{
	char buf[8192];
	ssize_t n;

	if (sock_ev & POLLIN)
		while (recv(*sock, buf, sizeof(buf), MSG_DONTWAIT) > 0)
			;
	if (sock_ev & (POLLHUP | POLLERR)) {
		*sock = pea_close(*sock);
		return;
	}
	if (!(in_ev & (POLLIN | POLLHUP | POLLERR)))
		return;
	n = read(STDIN_FILENO, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		*stdin_open = false;
		*sock = pea_close(*sock);
		return;
	}
	if (send(*sock, buf, (size_t)n, MSG_NOSIGNAL) < 0)
		*sock = pea_close(*sock);
}

static int forward_signal(struct global_options *g, const char *id, int sig)
{
	_cleanup_free_ char *num = xasprintf("%d", sig);
	const char *args[] = { "kill", id, num, NULL };

	return container_runtime(g, NULL, args, true, NULL);
}

static long ms_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t0->tv_sec) * 1000 + (now.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Print the complete log lines that arrived since *off; keeps a partial line for later. */
static void print_new(int fd, char **buf, size_t *len, size_t *off, unsigned streams)
{
	char chunk[65536];
	ssize_t n;

	while ((n = read(fd, chunk, sizeof(chunk))) > 0) {
		*buf = xrealloc(*buf, *len + (size_t)n + 1);
		memcpy(*buf + *len, chunk, (size_t)n);
		*len += (size_t)n;
		(*buf)[*len] = '\0';
	}
	if (*len == 0)
		return;
	/* run -a: the streams not attached stay in the log only */
	*off = k8s_log_print(streams & RUN_ATTACH_STDOUT ? stdout : NULL,
			     streams & RUN_ATTACH_STDERR ? stderr : NULL, *buf, *len, *off, false);
	if (*off > 0) {
		memmove(*buf, *buf + *off, *len - *off);
		*len -= *off;
		*off = 0;
	}
}

/* The container's log from `from` on (-1 when it cannot: the follow retries by name). */
static int open_log(const char *logf, off_t from)
{
	_cleanup_close_ int fd = open(logf, O_RDONLY | O_CLOEXEC);

	/* the output of earlier runs stays in the log: skip it */
	if (fd < 0 || lseek(fd, from, SEEK_SET) < 0)
		return -1;
	return TAKE_FD(fd);
}

/*
 * The container's output, from its log, until its exit file appears (the
 * monitor writes it once the output is drained, so nothing is missed, which
 * the attach socket cannot promise for a container that ends before the
 * monitor accepts us). Signals pea gets go to the container.
 */
static int follow_log(struct global_options *g, const char *id, const char *logf, off_t from,
		      int logfd, int sock, unsigned streams, struct pea_error **err)
{
	bool stdin_open = sock >= 0;
	_cleanup_free_ char *exitf = record_exit_file(g, id), *exits = NULL, *dir = NULL;
	_cleanup_free_ char *buf = NULL;
	_cleanup_close_ int sfd = -1, ino = -1, fd = logfd;
	size_t len = 0, off = 0;
	struct timespec start;
	sigset_t mask;

	clock_gettime(CLOCK_MONOTONIC, &start);
	exits = xasprintf("%s/exits", g->runroot);
	dir = record_dir(g, id);
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGQUIT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	for (;;) {
		struct pollfd p[4] = { { .fd = ino, .events = POLLIN },
				       { .fd = sfd, .events = POLLIN },
				       { .fd = sock, .events = POLLIN },
				       { .fd = stdin_open && sock >= 0 ? STDIN_FILENO : -1,
					 .events = POLLIN } };
		bool ended = pea_path_exists_at(AT_FDCWD, exitf);
		long waited = ms_since(&start);
		char drain[4096];

		if (fd < 0)
			fd = open_log(logf, from);
		if (fd >= 0)
			print_new(fd, &buf, &len, &off, streams);
		if (ended)
			break;
		/*
		 * The watches are made only for a container that did not end in
		 * its first FOLLOW_POLL_MS (until then, polls 1 to 5 ms apart):
		 * closing an inotify instance that held one, or exiting with
		 * it, waits for an SRCU grace period (10-15 ms), half of a short
		 * run. The loop checks the exit file and the log again after.
		 */
		if (ino < 0 && waited >= FOLLOW_POLL_MS) {
			ino = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
			if (ino >= 0) {
				(void)inotify_add_watch(ino, exits, IN_CREATE | IN_MOVED_TO);
				(void)inotify_add_watch(ino, dir, IN_MODIFY | IN_CREATE);
				continue;
			}
		}
		/* a --rm container's exit command removes it once the exit file is there */
		if (!pea_path_exists_at(AT_FDCWD, dir) && !pea_path_exists_at(AT_FDCWD, exitf)) {
			pea_close(sock);
			return pea_error_new(err, ENOENT, "container '%s' was removed", id);
		}
		if (poll(p, 4, ino >= 0 ? 100 : waited < 20 ? 1 : 5) < 0 && errno != EINTR) {
			pea_close(sock);
			return pea_error_errno(err, "poll");
		}
		if (sock >= 0)
			pump_stdin(&sock, &stdin_open, p[2].revents, p[3].revents);
		if (sfd >= 0 && (p[1].revents & POLLIN)) {
			struct signalfd_siginfo si;
			while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
				(void)forward_signal(g, id, (int)si.ssi_signo);
		}
		if (ino >= 0)
			while (read(ino, drain, sizeof(drain)) > 0)
				;
	}
	pea_close(sock);
	fflush(stdout);
	fflush(stderr);
	return 0;
}

static int read_exit_code(const struct global_options *g, const char *id)
{
	_cleanup_free_ char *file = record_exit_file(g, id), *buf = NULL;
	size_t len;

	if (pea_read_file_at(AT_FDCWD, file, 64, &buf, &len, NULL) < 0)
		return PEA_EXIT_ENGINE;
	return atoi(buf);
}

static int mount_root(const struct global_options *g, struct ctr_record *r, char **ret,
		      struct pea_error **err)
{
	const char *args[] = { "container", "mount", r->id, NULL };
	_cleanup_json_ struct json_object *res = NULL;
	const char *mp = NULL;

	if (rootfs_is_folder(r)) { /* --rootfs: the folder, or an overlay over it */
		if (rootfs_mount(g, r, ret, err) < 0)
			return -1;
		r->mounted = true;
		return 0;
	}
	if (store_call(g, args, &res, err) < 0)
		return pea_error_wrap(err, "mounting container '%s'", r->id);
	r->mounted = true;
	if (pea_json_get_string_req(res, "", "mountpoint", &mp, err) < 0)
		return pea_error_wrap(err, "pea-storage container mount");
	*ret = xstrdup(mp);
	return 0;
}

static void undo_start(struct global_options *g, struct ctr_record *r)
{
	const char *del[] = { "delete", "--force", r->id, NULL };
	const char *um[] = { "container", "unmount", "--force", r->id, NULL };

	(void)container_runtime(g, r, del, true, NULL);
	if (r->mounted)
		(void)store_call(g, um, NULL, NULL);
	r->mounted = false;
}

static int make_run_dirs(const struct global_options *g, struct pea_error **err)
{
	static const char *const sub[] = { "exits", "socket", "runtime" };

	for (size_t i = 0; i < ARRAY_SIZE(sub); i++) {
		_cleanup_free_ char *d = xasprintf("%s/%s", g->runroot, sub[i]);
		if (frontend_mkdir_p(d, err) < 0)
			return -1;
	}
	return 0;
}

/* The container's monitor (its pidfile in the bundle) is alive. */
static bool monitor_alive(const struct global_options *g, const char *id)
{
	_cleanup_free_ char *pidfile = xasprintf("%s/containers/%s/conmon.pid", g->root, id);
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int pid;

	if (pea_read_file_at(AT_FDCWD, pidfile, 64, &buf, &len, NULL) < 0)
		return false;
	pid = atoi(buf);
	return pid > 0 && kill(pid, 0) == 0;
}

/*
 * The runtime's state of the last run, when its cleanup did not come yet or a
 * start was killed before it saved the record (the container may even run,
 * its monitor waiting): deleted, and that monitor's exit file waited for, so
 * that it does not land after this start and end it in the record.
 */
static void clear_last_run(struct global_options *g, struct ctr_record *r)
{
	_cleanup_free_ char *exitf = record_exit_file(g, r->id);
	_cleanup_free_ char *rtdir = xasprintf("%s/runtime/%s", g->runroot, r->id);
	const char *del[] = { "delete", "--force", r->id, NULL };

	if (r->started_at || pea_path_exists_at(AT_FDCWD, rtdir)) {
		bool wait_exit = !pea_path_exists_at(AT_FDCWD, exitf) && monitor_alive(g, r->id);

		(void)container_runtime(g, r, del, true, NULL);
		if (wait_exit)
			(void)container_wait_exit(g, r->id, 10000, NULL);
	}
	(void)unlink(exitf);
}

/*
 * What a start gives a foreground run: the attach socket (sock non-NULL) and
 * the log opened at log_from (log non-NULL), both before the container
 * starts: a --rm container's exit command may remove its folder, log and
 * all, before the run gets to read it.
 */
struct start_io {
	int *sock;
	int *log;
	const char *log_path;
	off_t log_from;
	const char *rootfs; /* mounted by run's create: no mount of our own */
	int *cleaner;	    /* a foreground run's pipe to pea-monitor's --cleaner-fd */
};

/* Under the lock: everything up to a running container. */
static int start_locked(struct global_options *g, struct ctr_record *r, struct start_io *io,
			struct pea_error **err)
{
	_cleanup_free_ char *bundle = record_dir(g, r->id), *rootfs = NULL;
	_cleanup_free_ char *exitf = record_exit_file(g, r->id);
	const char *start[] = { "start", r->id, NULL };
	bool start_now = can_start_in_monitor(g, r);
	int pid = 0;

	if (make_run_dirs(g, err) < 0)
		return -1;
	sdnotify_prepare(); /* NOTIFY_SOCKET: the record's, for the monitor alone */
	clear_last_run(g, r);
	if (io->rootfs) {
		rootfs = xstrdup(io->rootfs);
		r->mounted = true;
	} else if (mount_root(g, r, &rootfs, err) < 0) {
		goto fail;
	}
	if (spec_check_workdir(r, rootfs, err) < 0) {
		g->error_status = PEA_EXIT_CANNOT;
		goto fail;
	}
	/*
	 * An attach first (launch_monitor's): the spec is written while the monitor
	 * starts, and an earlier run's config.json must not be there meanwhile
	 */
	if (start_now && io->sock) {
		_cleanup_free_ char *spec = xasprintf("%s/config.json", bundle);
		if (unlink(spec) < 0 && errno != ENOENT) {
			pea_error_errno(err, "remove '%s'", spec);
			goto fail;
		}
	} else if (spec_write(g, r, rootfs, err) < 0) {
		goto fail;
	}
	if (launch_monitor(g, r, bundle, start_now && io->sock ? rootfs : NULL, start_now, io->sock,
			   io->cleaner, &pid, err) < 0) {
		if (pid > 0) /* it runs, but its attach failed */
			goto fail_kill;
		goto fail;
	}
	if (spec_conmon_pidfile(r, bundle, err) < 0)
		goto fail_kill;
	/* with start_now, connected before the container started (launch_monitor) */
	if (io->sock && !start_now && container_attach_connect(g, r->id, io->sock, err) < 0)
		goto fail_kill;
	if (io->log)
		*io->log = open_log(io->log_path, io->log_from);
	if (has_tty(r))
		tty_resize_monitor(g, r->id); /* the monitor sizes the terminal when it comes */
	if (!start_now && container_runtime(g, r, start, false, err) < 0)
		goto fail_kill;
	r->state = CTR_RUNNING;
	r->paused = false;
	r->pid = pid;
	free(r->runtime);
	r->runtime = xstrdup(container_runtime_of(g, r));
	free(r->started_at);
	r->started_at = frontend_now();
	free(r->finished_at);
	r->finished_at = NULL;
	r->exit_code = 0;
	if (record_save_state(g, r, err) < 0)
		goto fail_kill;
	events_container(g, r, "init");
	events_container(g, r, "start");
	sdnotify_started(g, r);
	return 0;
fail_kill:
	(void)forward_signal(g, r->id, SIGKILL);
	(void)container_wait_exit(g, r->id, 5000, NULL);
fail:
	undo_start(g, r);
	(void)unlink(exitf);
	return -1;
}

/*
 * In the foreground pea is a subreaper: the monitor it starts detaches and is
 * adopted by pea, which reaps it (and the exit command it starts) once the
 * container is gone, so no zombie is left where PID 1 does not reap.
 */
static void become_subreaper(void)
{
	(void)prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
}

/*
 * The byte on pea-monitor's --cleaner-fd: the container is cleaned up (and
 * removed with --rm), so the monitor runs no exit command, which would only
 * wait for the container's lock to find nothing to do while this run waits
 * for the monitor (reap_adopted): an exec of pea less per foreground run.
 * Not sent, the socket's end (a run killed or failed) leaves the cleanup to
 * the exit command, as before.
 */
static void tell_cleaned(int *cleaner)
{
	ssize_t n;

	if (*cleaner < 0)
		return;
	do
		n = send(*cleaner, "1", 1, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	*cleaner = pea_close(*cleaner);
}

/*
 * Woken by SIGCHLD (blocked, taken with sigtimedwait), not by a sleep: the
 * monitor ends once its exit command is done (none after tell_cleaned), and
 * the run with it.
 */
static void reap_adopted(void)
{
	struct timespec start;
	sigset_t chld, old;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, &old);
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG);
		long left = REAP_TIMEOUT_MS - ms_since(&start);
		struct timespec ts = { left / 1000, (left % 1000) * 1000000L };

		if (pid < 0)
			break; /* ECHILD: all reaped */
		if (pid > 0)
			continue;
		if (left <= 0)
			break; /* a monitor that lingers is left to the next reaper */
		(void)sigtimedwait(&chld, NULL, &ts);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
}

/* What a signal pea gets does to a container with a terminal. */
struct tty_ctx {
	struct global_options *g;
	const char *id;
};

static void tty_ctx_resize(void *data)
{
	struct tty_ctx *c = data;

	tty_resize_monitor(c->g, c->id);
}

static void tty_ctx_signal(void *data, int sig)
{
	struct tty_ctx *c = data;

	(void)forward_signal(c->g, c->id, sig);
}

/*
 * -t in the foreground: the terminal's output from the attach socket, our
 * input to it in raw mode (with -i), until the container ends or the detach
 * keys are typed. A --rm container left behind is marked for its exit command.
 */
static int attach_tty(struct global_options *g, const char *id, int sock, bool input,
		      const char *keys_spec, bool *ret_detached, struct pea_error **err)
{
	_cleanup_free_ char *keys = NULL, *exitf = record_exit_file(g, id);
	_cleanup_close_ int fd = sock;
	struct tty_ctx ctx = { g, id };
	struct tty_state ts = { 0 };
	struct tty_proxy p = { .fd = fd,
			       .packets = true,
			       .input = input,
			       .resize = tty_ctx_resize,
			       .signal = tty_ctx_signal,
			       .data = &ctx,
			       .exit_file = exitf };
	int r;

	if (tty_parse_detach_keys(keys_spec ? keys_spec : TTY_DETACH_KEYS_DEFAULT, &keys, &p.nkeys,
				  err) < 0)
		return -1;
	p.keys = keys;
	if (input)
		tty_make_raw(&ts);
	r = tty_proxy_run(&p, ret_detached, err);
	tty_restore(&ts);
	if (r == 0 && *ret_detached) {
		_cleanup_free_ char *dir = record_dir(g, id);
		container_mark_attached(g, id, false); /* its exit command restarts it */
		_cleanup_free_ char *mark = xasprintf("%s/detached", dir);
		(void)pea_write_file_at(AT_FDCWD, mark, "1", NULL);
	}
	return r;
}

/*
 * Without a log to follow (journald, none, a k8s-file with a cap): the output
 * from the attach socket, connected before the start, until the container
 * ended and it went quiet;
 * our input to it with -i. Signals pea gets go to the container.
 */
static int attach_output(struct global_options *g, const char *id, int sock, bool input,
			 unsigned streams, struct pea_error **err)
{
	_cleanup_free_ char *exitf = record_exit_file(g, id);
	_cleanup_close_ int fd = sock;
	struct tty_ctx ctx = { g, id };
	struct tty_proxy p = { .fd = fd,
			       .packets = true,
			       .input = input,
			       .keys = "", /* no detach keys without a terminal */
			       .drop_stdout = !(streams & RUN_ATTACH_STDOUT),
			       .drop_stderr = !(streams & RUN_ATTACH_STDERR),
			       .signal = tty_ctx_signal,
			       .data = &ctx,
			       .exit_file = exitf };
	bool detached = false;
	int r = tty_proxy_run(&p, &detached, err);

	fflush(stdout);
	return r;
}

int container_start(struct global_options *g, const char *id, bool attach, bool stdin_too,
		    int *ret_exit, struct pea_error **err)
{
	return container_start_keys(g, id, attach, stdin_too, NULL, ret_exit, err);
}

struct start_how {
	bool attach, stdin_too, restart;
	const char *detach_keys;
	const char *rootfs;
	unsigned streams; /* run -a: RUN_ATTACH_* (0: all) */
};

static int start_impl(struct global_options *g, const char *id, const struct start_how *how,
		      int *ret_exit, struct pea_error **err);

int container_start_keys(struct global_options *g, const char *id, bool attach, bool stdin_too,
			 const char *detach_keys, int *ret_exit, struct pea_error **err)
{
	struct start_how how = { attach, stdin_too, false, detach_keys, NULL };

	return start_impl(g, id, &how, ret_exit, err);
}

int container_start_run(struct global_options *g, const char *id, const struct run_flags *rf,
			int *ret_exit, struct pea_error **err)
{
	/* -a without stdin: pea's stdin is not the container's */
	bool in = !rf->attach || (rf->attach & RUN_ATTACH_STDIN);
	struct start_how how = { !rf->detach, in, false, rf->detach_keys, rf->rootfs, rf->attach };

	return start_impl(g, id, &how, ret_exit, err);
}

int container_start_restart(struct global_options *g, const char *id, int *ret_exit,
			    struct pea_error **err)
{
	struct start_how how = { false, false, true, NULL, NULL };

	return start_impl(g, id, &how, ret_exit, err);
}

static int start_impl(struct global_options *g, const char *id, const struct start_how *how,
		      int *ret_exit, struct pea_error **err)
{
	bool attach = how->attach, stdin_too = how->stdin_too;
	const char *detach_keys = how->detach_keys;
	unsigned streams = how->streams ? how->streams : 7u;
	_cleanup_close_ int lock = -1, logfd = -1, cleaner = -1;
	_cleanup_record_ struct ctr_record *r = NULL;
	_cleanup_free_ char *full = NULL, *logf = NULL;
	struct start_io io = { 0 };
	bool tty, detached = false, passthrough;
	off_t log_from = 0;
	int sock = -1;

	if (attach)
		become_subreaper();
	if (record_lookup_locked(g, id, &r, &lock, err) < 0)
		return -1;
	if (r->state == CTR_RUNNING) {
		if (attach)
			return pea_error_new(err, EBUSY,
					     "container %s is already running: "
					     "use pea logs -f",
					     id);
		return 0;
	}
	/* a log to follow: k8s-file without a cap (ctr-log.h); else the attach socket */
	if (!ctr_log_capped(r))
		logf = ctr_log_path(g, r); /* NULL: journald, none, passthrough */
	passthrough = ctr_log_is_passthrough(r);
	{
		_cleanup_free_ char *stopped =
			xasprintf("%s/containers/%s/stopped", g->root, r->id);
		struct stat st;
		log_from = logf && stat(logf, &st) == 0 ? st.st_size : 0;
		/* stopped by the user while its restart was on its way */
		if (how->restart && pea_path_exists_at(AT_FDCWD, stopped))
			return 0;
		container_clear_marks(g, r->id);
		/* a foreground run restarts it itself, with the exit code in hand */
		if (attach && strcmp(restart_policy(r, NULL), "no") != 0)
			container_mark_attached(g, r->id, true);
	}
	tty = has_tty(r);
	io.rootfs = how->rootfs;
	/* a foreground run cleans up after its container itself (tell_cleaned) */
	if (attach)
		io.cleaner = &cleaner;
	/* without a log to read, the output comes from the attach socket */
	if (attach && !passthrough && (tty || (stdin_too && interactive(r)) || !logf))
		io.sock = &sock;
	if (attach && !tty && logf) {
		io.log = &logfd;
		io.log_path = logf;
		io.log_from = log_from;
	}
	if (start_locked(g, r, &io, err) < 0) {
		sock = pea_close(sock);
		if (r->rm) {
			int status = g->error_status;
			if (container_remove_locked(g, r, true, NULL) == 0)
				lock = record_lock_drop(g, r->id, TAKE_FD(lock));
			g->error_status = status;
		} else {
			(void)record_save_state(g, r, NULL);
		}
		return -1;
	}
	full = xstrdup(r->id);
	lock = pea_unlock(lock);
	if (!attach)
		return 0;
	/* run -a stdin (no output attached): its id, as podman prints it */
	if (!(streams & (RUN_ATTACH_STDOUT | RUN_ATTACH_STDERR))) {
		printf("%s\n", full);
		fflush(stdout);
	}
	if (tty) {
		if (attach_tty(g, full, TAKE_FD(sock), stdin_too && interactive(r), detach_keys,
			       &detached, err) < 0)
			return -1;
		if (detached) {
			*ret_exit = 0;
			return 0;
		}
	} else if (logf) {
		if (follow_log(g, full, logf, log_from, TAKE_FD(logfd), TAKE_FD(sock), streams,
			       err) < 0)
			return -1;
	} else if (!passthrough && attach_output(g, full, TAKE_FD(sock),
						 stdin_too && interactive(r), streams, err) < 0) {
		return -1;
	}
	if (container_wait_exit(g, full, -1, err) < 0)
		return -1;
	*ret_exit = read_exit_code(g, full);
	/*
	 * The monitor is adopted already; what the cleanup leaves running detached
	 * (the one remover of the folders and of the storage's trash) is not for
	 * reap_adopted to wait for: adopted by the next subreaper up, or PID 1.
	 */
	(void)prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
	if (container_cleanup(g, full, true, err) < 0)
		return -1;
	become_subreaper();
	tell_cleaned(&cleaner);
	reap_adopted();
	/*
	 * --rm has no restart policy (restart_check_rm; decide() skips it too): no
	 * lock taken again to find the record gone, a lock file made and unlinked.
	 */
	if (r->rm)
		return 0;
	return container_maybe_restart(g, full, false, err);
}

static const char start_usage[] =
	"Usage: pea start [OPTIONS] CONTAINER [CONTAINER...]\n"
	"\n"
	"Start containers.\n"
	"\n"
	"      --all                every container that is not running\n"
	"  -a, --attach             attach to the container's output and exit with its status\n"
	"      --detach-keys=KEYS   keys that detach from a -t container (default\n"
	"                           ctrl-p,ctrl-q; \"\": none)\n"
	"  -f, --filter=KEY=VALUE   only the containers that match: restart-policy, status,\n"
	"                           name, id (the same key ORs, different keys AND)\n"
	"  -i, --interactive        with -a, pea's stdin to a container made with -i\n"
	"  -l, --latest             the container created last\n";

enum { OPT_START_DETACH_KEYS = 1000, OPT_START_ALL };

static const char *const start_filter_keys[] = { "restart-policy", "status", "name", "id",
						 "exited" };
static const char *const restart_policies[] = { "",	  "no",		"none",
						"always", "on-failure", "unless-stopped" };

static int check_filters(char **filters, struct pea_error **err)
{
	for (size_t i = 0; filters && filters[i]; i++) {
		const char *eq = strchr(filters[i], '=');
		bool known = false;

		for (size_t k = 0; eq && k < ARRAY_SIZE(start_filter_keys); k++)
			known |= strlen(start_filter_keys[k]) == (size_t)(eq - filters[i]) &&
				 strncmp(start_filter_keys[k], filters[i],
					 (size_t)(eq - filters[i])) == 0;
		if (!known)
			return pea_error_new(err, EINVAL,
					     "invalid filter \"%s\": use restart-policy=, status=, "
					     "name=, id= or exited=",
					     filters[i]);
		if (strncmp(filters[i], "restart-policy=", 15) == 0) {
			known = false;
			for (size_t k = 0; k < ARRAY_SIZE(restart_policies); k++)
				known |= strcmp(restart_policies[k], eq + 1) == 0;
			if (!known)
				return pea_error_new(err, EINVAL, "%s invalid restart policy",
						     eq + 1);
		}
	}
	return 0;
}

static bool filter_one(const struct ctr_record *r, const char *key, const char *v)
{
	const char *policy = restart_policy(r, NULL);

	if (strcmp(key, "restart-policy") == 0)
		/* podman's "" and "none" for none are "no" here, and either matches it */
		return strcmp(policy, v) == 0 ||
		       ((!*v || strcmp(v, "none") == 0) && strcmp(policy, "no") == 0);
	if (strcmp(key, "exited") == 0) {
		_cleanup_free_ char *code = xasprintf("%d", r->exit_code);
		return r->state == CTR_EXITED && strcmp(code, v) == 0;
	}
	if (strcmp(key, "status") == 0)
		return strcmp(ctr_state_name(r->state), v) == 0;
	if (strcmp(key, "name") == 0)
		return strcmp(r->name, v) == 0;
	return strncmp(r->id, v, strlen(v)) == 0; /* id */
}

/* The same key ORs, different keys AND (podman-ps(1)). */
static bool filters_match(const struct ctr_record *r, char **filters)
{
	for (size_t k = 0; k < ARRAY_SIZE(start_filter_keys); k++) {
		size_t kl = strlen(start_filter_keys[k]);
		bool asked = false, any = false;

		for (size_t i = 0; filters && filters[i]; i++) {
			if (strncmp(filters[i], start_filter_keys[k], kl) != 0 ||
			    filters[i][kl] != '=')
				continue;
			asked = true;
			any |= filter_one(r, start_filter_keys[k], filters[i] + kl + 1);
		}
		if (asked && !any)
			return false;
	}
	return true;
}

/*
 * The containers to start: the names given, or with --all every one not
 * running; those the filters keep (a name given that they drop is skipped).
 */
static int start_targets(struct global_options *g, bool all, char **names, char **filters,
			 char ***ret, struct pea_error **err)
{
	struct ctr_record **v = NULL;
	char **out = NULL;
	size_t n = 0;

	if (!all && !filters) {
		*ret = pea_strv_copy(names);
		return 0;
	}
	if (records_list(g, &v, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const char *named = all ? v[i]->id : NULL;

		record_sync_exit(g, v[i]);
		/* printed as given, as podman does */
		for (size_t k = 0; !named && names && names[k]; k++)
			if (strcmp(names[k], v[i]->name) == 0 ||
			    strncmp(v[i]->id, names[k], strlen(names[k])) == 0)
				named = names[k];
		if (!named || (all && v[i]->state == CTR_RUNNING) || !filters_match(v[i], filters))
			continue;
		pea_strv_push(&out, named);
	}
	records_free(v, n);
	*ret = out;
	return 0;
}

int cmd_start(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "all", no_argument, NULL, OPT_START_ALL },
		{ "attach", no_argument, NULL, 'a' },
		{ "filter", required_argument, NULL, 'f' },
		{ "interactive", no_argument, NULL, 'i' },
		{ "detach-keys", required_argument, NULL, OPT_START_DETACH_KEYS },
		{ "latest", no_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_strv_ char **filters = NULL, **names = NULL, **targets = NULL;
	_cleanup_free_ char *latest = NULL;
	bool attach = false, input = false, all = false, use_latest = false;
	const char *keys = NULL;
	int r, c = 0, status = 0;

	optind = 0;
	while ((r = cmd_getopt(argc, argv, "haif:l", opts, start_usage, &c, err)) == 2) {
		if (c == 'l') {
			use_latest = true;
		} else if (c == 'a') {
			attach = true;
		} else if (c == 'i') {
			input = true;
		} else if (c == 'f') {
			pea_strv_push(&filters, optarg);
		} else if (c == OPT_START_ALL) {
			all = true;
		} else {
			_cleanup_free_ char *k = NULL;
			size_t n = 0;
			if (tty_parse_detach_keys(optarg, &k, &n, err) < 0)
				return -1;
			keys = optarg;
		}
	}
	if (r < 0)
		return -1;
	if (r == 1)
		return 0;
	if (check_filters(filters, err) < 0)
		return -1;
	if (all && optind < argc)
		return pea_error_new(err, EINVAL,
				     "either start all containers or the container(s) provided in "
				     "the arguments");
	if (use_latest && (all || optind < argc))
		return pea_error_new(err, EINVAL,
				     all ? "--all and --latest cannot be used together"
					 : "--latest and containers cannot be used together");
	if (use_latest) {
		if (container_latest(g, &latest, err) < 0)
			return -1;
		pea_strv_push(&names, latest);
	}
	if (!all && !use_latest && optind >= argc)
		return check_nargs(0, 1, -1, err);
	if (attach && (all || argc - optind > 1))
		return pea_error_new(err, EINVAL,
				     "you cannot start and attach multiple containers "
				     "at once");
	for (int i = optind; i < argc; i++)
		pea_strv_push(&names, argv[i]);
	if (start_targets(g, all, names, filters, &targets, err) < 0)
		return -1;
	for (size_t i = 0; targets && targets[i]; i++) {
		_cleanup_error_ struct pea_error *e = NULL;
		int code = 0;

		if (container_start_keys(g, targets[i], attach, attach && input, keys, &code, &e) <
		    0) {
			/* podman start's failures are 125 (run's: 126, 127 for the command) */
			if (!attach)
				g->error_status = 0;
			if (!targets[i + 1] && status == 0 && !all) {
				*err = TAKE_PTR(e);
				return -1;
			}
			fprintf(stderr, "Error: %s\n", e->message);
			status = PEA_EXIT_ENGINE;
			continue;
		}
		if (attach)
			return code;
		printf("%s\n", targets[i]);
	}
	return status;
}

int cmd_run(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	_cleanup_record_ struct ctr_record *r = NULL;
	struct run_flags rf = { 0 };
	int rc, code = 0;

	rc = container_create_args(g, argc, argv, true, &rf, &r, err);
	if (rc < 0)
		return -1;
	if (rc == 1)
		return 0;
	rc = container_start_run(g, r->id, &rf, &code, err);
	free(rf.rootfs);
	/* a host port in use fails the run as podman's: 126 (030-run) */
	if (rc < 0 && pea_error_is(*err, EADDRINUSE))
		g->error_status = PEA_EXIT_CANNOT;
	if (rc < 0)
		return -1;
	if (rf.detach) {
		/* podman's: a passthrough container's output is on ours, not its id */
		if (!ctr_log_is_passthrough(r))
			printf("%s\n", r->id);
		return 0;
	}
	/* --rmi: the image goes too once the container is gone, unless in use (podman's) */
	if (rf.rmi && rf.image) {
		_cleanup_error_ struct pea_error *e = NULL;
		if (image_remove_unused(g, rf.image, &e) < 0)
			log_warning("--rmi: %s, ignoring", e->message);
	}
	/* -1: no status (killed by --timeout): 255, as podman */
	return code < 0 ? 255 : code;
}
