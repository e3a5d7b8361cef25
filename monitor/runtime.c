#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "lib/process.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "monitor/monitor.h"

/* The most of the runtime's --log file read back for its error. */
#define RUNTIME_LOG_MAX (1u << 20)

/*
 * RUNTIME [--systemd-cgroup] [--runtime-arg...] create|run --detach --bundle B --pid-file P
 *   [--no-pivot] [--no-new-keyring] [--runtime-opt...] [--console-socket S] CID
 * or exec --pid-file P --process SPEC --detach [--tty], or restore.
 */
char **runtime_build_argv(const struct monitor_config *cfg, const char *console_path)
{
	const struct monitor_options *o = cfg->opts;
	char **argv = NULL;

	pea_strv_push(&argv, o->runtime);
	if (!o->exec && o->systemd_cgroup)
		pea_strv_push(&argv, "--systemd-cgroup");
	for (size_t i = 0; o->runtime_args && o->runtime_args[i]; i++)
		pea_strv_push(&argv, o->runtime_args[i]);
	if (o->exec) {
		pea_strv_push(&argv, "exec");
		pea_strv_push(&argv, "--pid-file");
		pea_strv_push(&argv, cfg->container_pidfile);
		pea_strv_push(&argv, "--process");
		pea_strv_push(&argv, o->exec_process_spec);
		pea_strv_push(&argv, "--detach");
		if (o->terminal)
			pea_strv_push(&argv, "--tty");
	} else {
		pea_strv_push(&argv, o->restore ? "restore" : o->start ? "run" : "create");
		/* --start: one runtime exec where create and start were two */
		if (o->start)
			pea_strv_push(&argv, "--detach");
		pea_strv_push(&argv, "--bundle");
		pea_strv_push(&argv, cfg->bundle);
		pea_strv_push(&argv, "--pid-file");
		pea_strv_push(&argv, cfg->container_pidfile);
		if (o->no_pivot)
			pea_strv_push(&argv, "--no-pivot");
		if (o->no_new_keyring)
			pea_strv_push(&argv, "--no-new-keyring");
		if (o->restore) {
			/* a restored container runs at once: the runtime must return */
			pea_strv_push(&argv, "--detach");
			pea_strv_push(&argv, "--image-path");
			pea_strv_push(&argv, o->restore);
			pea_strv_push(&argv, "--work-path");
			pea_strv_push(&argv, cfg->bundle);
		}
	}
	for (size_t i = 0; o->runtime_opts && o->runtime_opts[i]; i++)
		pea_strv_push(&argv, o->runtime_opts[i]);
	if (console_path) {
		pea_strv_push(&argv, "--console-socket");
		pea_strv_push(&argv, console_path);
	}
	pea_strv_push(&argv, o->cid);
	return argv;
}

/* ---- LISTEN_PID: the runtime's own pid in its environment ---------------------- */

/* The child of spawn_listen_pid: fds in place, LISTEN_PID set, then the runtime. */
static __attribute__((noreturn)) void listen_pid_child(const struct pea_spawn *s, int *tmp,
						       int *keep, int errfd)
{
	char pid[16];
	sigset_t none;
	size_t nkeep = 0;
	int max = 2, e;

	signal(SIGPIPE, SIG_DFL); /* the monitor ignores it; the loop's signals are blocked */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (prctl(PR_SET_PDEATHSIG, s->pdeath_signal) < 0)
		goto fail;
	for (size_t i = 0; i < s->nfds; i++)
		if (s->fds[i].child > max)
			max = s->fds[i].child;
	/* sources first above every target, then into place: 3->4 and 4->3 both work */
	errfd = fcntl(errfd, F_DUPFD_CLOEXEC, max + 1);
	for (size_t i = 0; i < s->nfds && errfd >= 0; i++) {
		tmp[i] = s->fds[i].parent;
		if (tmp[i] != s->fds[i].child &&
		    (tmp[i] = fcntl(tmp[i], F_DUPFD_CLOEXEC, max + 1)) < 0)
			goto fail;
	}
	if (errfd < 0)
		_exit(127);
	for (size_t i = 0; i < s->nfds; i++) {
		int child = s->fds[i].child;

		if (tmp[i] == child ? pea_fd_set_cloexec(child, false) < 0
				    : dup2(tmp[i], child) < 0)
			goto fail;
		keep[nkeep++] = child;
	}
	keep[nkeep++] = errfd;
	if (pea_close_fds_except(3, keep, nkeep) < 0)
		goto fail;
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	if (setenv("LISTEN_PID", pid, 1) < 0)
		goto fail;
	execvp(s->argv[0], s->argv);
fail:
	e = errno;
	if (write(errfd, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
}

/*
 * pea_spawn, for the one case it cannot do: the child's environment naming
 * the child's own pid, known only after fork. Same contract for what this
 * monitor passes (fd map, dying with the monitor, exec errors returned).
 */
static int spawn_listen_pid(const struct pea_spawn *s, pid_t *ret_pid, struct pea_error **err)
{
	_cleanup_free_ int *tmp = xnew(int, s->nfds + 1), *keep = xnew(int, s->nfds + 1);
	int pipefd[2], e = 0;
	ssize_t n;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return pea_error_errno(err, "create a pipe");
	pid = fork();
	if (pid < 0) {
		e = errno;
		close(pipefd[0]);
		close(pipefd[1]);
		return pea_error_code(err, e, "fork");
	}
	if (pid == 0)
		listen_pid_child(s, tmp, keep, pipefd[1]);
	close(pipefd[1]);
	do
		n = read(pipefd[0], &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	close(pipefd[0]);
	if (n == (ssize_t)sizeof(e)) {
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		return pea_error_code(err, e, "execve '%s'", s->argv[0]);
	}
	*ret_pid = pid;
	return 0;
}

/*
 * As conmon: with LISTEN_PID in the environment (socket activation), the
 * runtime gets its own pid there with --replace-listen-pid, or when it
 * named this monitor.
 */
static bool replace_listen_pid(const struct monitor *m)
{
	return m->cfg->listen_pid > 0 &&
	       (m->opts->replace_listen_pid || m->cfg->listen_pid == (long)getpid());
}

/*
 * The read end of an empty pipe: reads as the end of file, as /dev/null does.
 * One for the monitor's life: every runtime it starts may share it.
 */
int monitor_null_in(struct monitor *m, struct pea_error **err)
{
	if (m->null_in >= 0)
		return m->null_in;
	m->null_in = pea_empty_pipe();
	if (m->null_in < 0)
		return pea_error_errno(err, "pipe for the runtime's stdin");
	return m->null_in;
}

static int sink_cb(struct pea_loop *loop, int fd, uint32_t events, void *data,
		   struct pea_error **err)
{
	struct monitor *m = data;
	char buf[16384];
	ssize_t n;

	(void)err;
	do
		n = read(fd, buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	if (n == 0 || (n < 0 && errno != EAGAIN) || (n < 0 && (events & (EPOLLHUP | EPOLLERR)))) {
		pea_loop_remove(loop, m->sink_watch);
		m->sink_watch = NULL;
		m->sink_r = pea_close(m->sink_r);
	}
	return 0;
}

/*
 * The write end of a pipe whose output is read and dropped here, as /dev/null
 * would; one for the monitor's life (it holds the write end too).
 */
int monitor_null_out(struct monitor *m, struct pea_error **err)
{
	int p[2];

	if (m->sink_w >= 0)
		return m->sink_w;
	if (pipe2(p, O_CLOEXEC) < 0)
		return pea_error_errno(err, "pipe for the runtime's output");
	m->sink_r = p[0];
	m->sink_w = p[1];
	pea_fd_set_nonblock(m->sink_r, true);
	if (pea_loop_add_fd(m->loop, m->sink_r, EPOLLIN, sink_cb, m, &m->sink_watch, err) < 0)
		return -1;
	return m->sink_w;
}

/*
 * The runtime's stdio: the container's pipes, or, where there are none, an
 * empty pipe for stdin and a drained one for output, never /dev/null; with
 * passthrough our own, but not /dev/null. (crun before 1.24 chowns its stdio
 * to the container's root from the host's side, and exec's to the process's
 * user: the host's /dev/null given to it changed owner.)
 */
static int stdio_fds(struct monitor *m, struct pea_fd_map *fds, struct pea_error **err)
{
	int in, out, errfd;

	if (m->cfg->log_drivers & LOG_DRIVER_PASSTHROUGH) {
		in = pea_fd_is_null_device(STDIN_FILENO) ? monitor_null_in(m, err) : STDIN_FILENO;
		out = pea_fd_is_null_device(STDOUT_FILENO) ? monitor_null_out(m, err)
							   : STDOUT_FILENO;
		errfd = pea_fd_is_null_device(STDERR_FILENO) ? monitor_null_out(m, err)
							     : STDERR_FILENO;
	} else {
		in = m->worker_stdin >= 0 ? m->worker_stdin : monitor_null_in(m, err);
		/* with a terminal the runtime's own stdout goes with its stderr */
		out = m->worker_stdout >= 0 ? m->worker_stdout : m->worker_stderr;
		errfd = m->worker_stderr >= 0 ? m->worker_stderr : m->worker_stdout;
	}
	if (in < 0 || out < 0 || errfd < 0)
		return -1;
	fds[0] = (struct pea_fd_map){ in, 0 };
	fds[1] = (struct pea_fd_map){ out, 1 };
	fds[2] = (struct pea_fd_map){ errfd, 2 };
	return 0;
}

int runtime_spawn(struct monitor *m, struct pea_error **err)
{
	_cleanup_strv_ char **argv = runtime_build_argv(m->cfg, m->console_path);
	_cleanup_free_ struct pea_fd_map *fds = xnew(struct pea_fd_map, 3 + m->cfg->preserve_fds);
	size_t nfds = 3;
	struct pea_spawn s = { .argv = argv, .pdeath_signal = SIGKILL };

	if (stdio_fds(m, fds, err) < 0)
		return pea_error_wrap(err, "run the runtime '%s'", argv[0]);
	/* --preserve-fds N: fds 3 .. N+2 go to the runtime at the same numbers */
	for (int fd = 3; fd < 3 + m->cfg->preserve_fds; fd++)
		fds[nfds++] = (struct pea_fd_map){ fd, fd };
	s.fds = fds;
	s.nfds = nfds;
	if (log_get_level() >= LOG_LEVEL_DEBUG) {
		_cleanup_free_ char *line = pea_strv_join(argv, " ");
		log_debug("calling the runtime: %s", line);
	}
	if (replace_listen_pid(m) ? spawn_listen_pid(&s, &m->runtime_pid, err) < 0
				  : pea_spawn(&s, &m->runtime_pid, NULL, err) < 0)
		return pea_error_wrap(err, "run the runtime '%s'", argv[0]);
	return 0;
}

/* --log PATH or --log=PATH among the runtime's global arguments. */
static const char *runtime_log_path(const struct monitor_options *o)
{
	const char *path = NULL;

	for (size_t i = 0; o->runtime_args && o->runtime_args[i]; i++) {
		if (strcmp(o->runtime_args[i], "--log") == 0 && o->runtime_args[i + 1])
			path = o->runtime_args[++i];
		else if (strncmp(o->runtime_args[i], "--log=", 6) == 0)
			path = o->runtime_args[i] + 6;
	}
	return path;
}

char *runtime_log_last_error(const char *data, size_t len)
{
	char *found = NULL;
	const char *p = data, *end = data + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t line_len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		_cleanup_json_ struct json_object *o = NULL;
		_cleanup_error_ struct pea_error *e = NULL;
		const char *msg = NULL, *level = NULL;

		if (line_len > 0 && pea_json_parse(p, line_len, "runtime log", &o, &e) == 0 &&
		    json_object_is_type(o, json_type_object) &&
		    pea_json_get_string_opt(o, "", "msg", &msg, &e) > 0 && msg &&
		    (pea_json_get_string_opt(o, "", "level", &level, &e) <= 0 || !level ||
		     strcmp(level, "error") == 0 || strcmp(level, "fatal") == 0)) {
			free(found);
			found = xstrdup(msg);
		}
		p += line_len + (nl ? 1 : 0);
	}
	return found;
}

static char *read_runtime_log(const char *path)
{
	_cleanup_free_ char *data = NULL;
	_cleanup_error_ struct pea_error *e = NULL;
	_cleanup_close_ int fd = -1;
	size_t len = 0;
	off_t size;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	size = lseek(fd, 0, SEEK_END);
	/* the error is at the end: read the last MiB at most */
	if (size < 0 ||
	    lseek(fd, size > RUNTIME_LOG_MAX ? size - RUNTIME_LOG_MAX : 0, SEEK_SET) < 0)
		return NULL;
	if (pea_read_all(fd, RUNTIME_LOG_MAX, &data, &len, &e) < 0)
		return NULL;
	if (memchr(data, '{', len) == NULL) /* a text log: its last line */
		return NULL;
	return runtime_log_last_error(data, len);
}

static char *read_runtime_stderr(struct monitor *m)
{
	char buf[MONITOR_PACKET_DATA];
	size_t len = 0;

	if (m->stderr_fd < 0)
		return NULL;
	pea_fd_set_nonblock(m->stderr_fd, true);
	while (len < sizeof(buf) - 1) {
		ssize_t n = read(m->stderr_fd, buf + len, sizeof(buf) - 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	if (len == 0)
		return NULL;
	return xstrndup(buf, len);
}

char *runtime_failure_message(struct monitor *m)
{
	const char *log_path = runtime_log_path(m->opts);
	char *msg = NULL;

	if (log_path)
		msg = read_runtime_log(log_path);
	if (!msg)
		msg = read_runtime_stderr(m);
	return msg;
}
