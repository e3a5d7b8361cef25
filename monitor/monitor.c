#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "lib/process.h"
#include "lib/xalloc.h"
#include "monitor/monitor.h"

#define TIMED_OUT_MESSAGE "command timed out"

/* Loop exit reasons (pea_loop_quit status). */
enum {
	QUIT_CONTAINER_EXITED = 1,
	QUIT_TIMED_OUT = 2,
	QUIT_RUNTIME_FAILED = 3,
};

static void monitor_init(struct monitor *m, const struct monitor_config *cfg)
{
	*m = (struct monitor){ .cfg = cfg, .opts = cfg->opts };
	int *fds[] = { &m->sync_fd,	   &m->start_fd,      &m->attach_pipe_fd, &m->devnull_r,
		       &m->devnull_w,	   &m->stdin_fd,      &m->stdout_fd,	  &m->stderr_fd,
		       &m->worker_stdin,   &m->worker_stdout, &m->worker_stderr,  &m->console_fd,
		       &m->attach_fd,	   &m->ctl_fd,	      &m->ctl_dummy_fd,	  &m->winsz_r,
		       &m->winsz_w,	   &m->oom_event_fd,  &m->oom_control_fd, &m->notify_fd,
		       &m->notify_host_fd, &m->null_in,	      &m->sink_r,	  &m->sink_w };

	for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
		*fds[i] = -1;
	m->runtime_pid = m->container_pid = -1;
	m->container_pidfd = -1;
	m->logs.k8s.fd = -1;
	healthcheck_init(m);
}

/* ---- children ----------------------------------------------------------------- */

static void container_exited(struct monitor *m, int status)
{
	m->container_done = true;
	m->container_status = status;
	log_debug("container %d %s", (int)m->container_pid,
		  WIFEXITED(status) ? "exited" : "was killed");
	pea_loop_quit(m->loop, QUIT_CONTAINER_EXITED);
}

static void runtime_exited(struct monitor *m, int status);

void monitor_child_exited(struct monitor *m, pid_t pid, int status)
{
	if (pid == m->runtime_pid) {
		runtime_exited(m, status);
	} else if (pid == m->container_pid) {
		container_exited(m, status);
	} else if (healthcheck_child_exited(m, pid, status)) {
		/* its pidfd watcher takes it from here */
	} else if (timer_child_exited(m, pid, status)) {
		/* done: the next tick may run it again */
	} else if (m->container_pid <= 0) {
		/* maybe the container, before we know its pid (a fast exec) */
		for (size_t i = 0; i < ARRAY_SIZE(m->early_pid); i++)
			if (m->early_pid[i] == 0) {
				m->early_pid[i] = pid;
				m->early_status[i] = status;
				break;
			}
	}
}

static int sigchld_cb(struct pea_loop *loop, int signo, void *data, struct pea_error **err)
{
	struct monitor *m = data;
	int status;
	pid_t pid;

	(void)loop;
	(void)signo;
	(void)err;
	/* we are a subreaper: orphans of the runtime land here too, and are reaped */
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		monitor_child_exited(m, pid, status);
	return 0;
}

/* pid's parent from /proc/PID/stat; 0 when pid is gone (reaped). */
static pid_t parent_of(pid_t pid)
{
	_cleanup_free_ char *data = NULL;
	_cleanup_error_ struct pea_error *e = NULL;
	char path[64];
	const char *p;
	size_t len;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (pea_read_file_at(AT_FDCWD, path, 4096, &data, &len, &e) < 0)
		return 0;
	/* "pid (comm) state ppid ...": comm may hold anything, ')' ends it last */
	p = strrchr(data, ')');
	return p && strlen(p) > 4 ? (pid_t)strtol(p + 4, NULL, 10) : 0;
}

/*
 * Will the ended container's status still reach us? Yes when it is our
 * child, or the child of one of our descendants: a runtime's helper that
 * has not exited yet (crun's `run --detach` forks twice; the container can
 * end before the middle process does). When that process exits, the zombie
 * is handed to us, a subreaper, with a SIGCHLD.
 */
static bool status_on_the_way(pid_t pid)
{
	pid_t self = getpid();

	for (int depth = 0; depth < 64; depth++) {
		pid = parent_of(pid);
		if (pid == self)
			return true;
		if (pid <= 1)
			return false;
	}
	return false;
}

static int container_recheck_cb(struct pea_loop *loop, void *data, struct pea_error **err);

/*
 * The container's pidfd says it ended. Its status normally comes with
 * SIGCHLD (we are a subreaper); a runtime may leave it elsewhere, and then
 * the pidfd is the only news of its end, without a status: the exit code is
 * -1.
 */
static void container_ended(struct monitor *m, struct pea_error **err)
{
	_cleanup_error_ struct pea_error *e = NULL;

	sigchld_cb(m->loop, SIGCHLD, m, err);
	if (m->container_done)
		return;
	if (status_on_the_way(m->container_pid)) {
		/* its parent may also reap it itself: look again soon */
		if (pea_loop_add_timer(m->loop, 10, 0, container_recheck_cb, m, NULL, &e) == 0)
			return;
		log_debug("%s", e->message);
	}
	log_warning("container %d ended but is not our child: its status is unknown",
		    (int)m->container_pid);
	m->container_status_unknown = true;
	container_exited(m, 0);
}

static int container_recheck_cb(struct pea_loop *loop, void *data, struct pea_error **err)
{
	(void)loop;
	container_ended(data, err);
	return 1;
}

static int container_pidfd_cb(struct pea_loop *loop, int fd, uint32_t events, void *data,
			      struct pea_error **err)
{
	(void)loop;
	(void)fd;
	(void)events;
	container_ended(data, err);
	return 1;
}

static void watch_container_pidfd(struct monitor *m)
{
	_cleanup_error_ struct pea_error *e = NULL;

	m->container_pidfd = pea_pidfd_open(m->container_pid, 0);
	if (m->container_pidfd < 0) {
		log_debug("pidfd_open %d: %s", (int)m->container_pid, strerror(errno));
		return;
	}
	if (pea_loop_add_fd(m->loop, m->container_pidfd, EPOLLIN, container_pidfd_cb, m, NULL, &e) <
	    0)
		log_debug("%s", e->message);
}

static int forward_signal_cb(struct pea_loop *loop, int signo, void *data, struct pea_error **err)
{
	struct monitor *m = data;
	pid_t target = m->container_pid > 0 ? m->container_pid : m->runtime_pid;

	(void)loop;
	(void)err;
	if (target > 0 && kill(target, signo) < 0)
		log_debug("forward signal %d to %d: %s", signo, (int)target, strerror(errno));
	return 0;
}

static int timeout_cb(struct pea_loop *loop, void *data, struct pea_error **err)
{
	struct monitor *m = data;

	(void)err;
	log_info("timed out, killing the container");
	m->timed_out = true;
	pea_loop_quit(loop, QUIT_TIMED_OUT);
	return 1;
}

static int read_container_pid(struct monitor *m, struct pea_error **err)
{
	_cleanup_free_ char *data = NULL;
	char *end = NULL;
	size_t len;
	long pid;

	if (pea_read_file_at(AT_FDCWD, m->cfg->container_pidfile, 64, &data, &len, err) < 0)
		return pea_error_wrap(err, "read the container pid file");
	errno = 0;
	pid = strtol(data, &end, 10);
	while (end && (*end == '\n' || *end == ' '))
		end++;
	if (len == 0 || !end || *end != '\0' || errno != 0 || pid <= 0 || pid > INT32_MAX)
		return pea_error_new(err, EINVAL, "bad pid '%s' in '%s'", data,
				     m->cfg->container_pidfile);
	m->container_pid = (pid_t)pid;
	return 0;
}

/* The terminal normally arrives before the runtime exits; give it a moment if not. */
static int wait_for_console(struct monitor *m, struct pea_error **err)
{
	struct pollfd p = { .fd = m->console_fd, .events = POLLIN };

	if (m->stdout_fd >= 0 || m->console_fd < 0)
		return 0;
	if (poll(&p, 1, 2000) <= 0)
		return pea_error_new(err, EPROTO, "the runtime did not set up the terminal");
	return 1;
}

static int runtime_succeeded(struct monitor *m, struct pea_error **err)
{
	if (m->opts->terminal && wait_for_console(m, err) < 0)
		return -(*err)->code;
	if (m->opts->terminal && m->stdout_fd < 0)
		return -EAGAIN; /* the console callback is pending: it comes back here */
	if (read_container_pid(m, err) < 0)
		return -(*err)->code;
	log_debug("container pid %d", (int)m->container_pid);
	/* before the engine hears of the pid, so before it can `runtime start` */
	if (!m->opts->exec && (healthcheck_start(m, err) < 0 || timer_start(m, err) < 0))
		return -(*err)->code;
	if ((m->opts->api_version || !m->opts->exec) &&
	    sync_write(m, m->sync_fd, (int)m->container_pid, NULL, err) < 0)
		return -(*err)->code;
	m->sync_reported = true;
	watch_container_pidfd(m);
	oom_setup(m);
	if (stdio_watch_output(m, err) < 0)
		return -(*err)->code;
	if (m->opts->timeout > 0 && pea_loop_add_timer(m->loop, (uint64_t)m->opts->timeout * 1000,
						       0, timeout_cb, m, NULL, err) < 0)
		return -(*err)->code;
	for (size_t i = 0; i < ARRAY_SIZE(m->early_pid); i++)
		if (m->early_pid[i] == m->container_pid)
			container_exited(m, m->early_status[i]);
	return 0;
}

static void runtime_exited(struct monitor *m, int status)
{
	_cleanup_error_ struct pea_error *e = NULL;

	m->runtime_done = true;
	m->runtime_status = status;
	m->runtime_pid = -1;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		int r = runtime_succeeded(m, &e);

		if (r == -EAGAIN)
			m->console_pending = true;
		else if (r < 0) {
			m->failure = TAKE_PTR(e);
			pea_loop_quit(m->loop, QUIT_RUNTIME_FAILED);
		}
		return;
	}
	m->failure_message = runtime_failure_message(m);
	pea_loop_quit(m->loop, QUIT_RUNTIME_FAILED);
}

/* The console arrived after the runtime's exit: finish what runtime_exited began. */
void monitor_console_ready(struct monitor *m)
{
	_cleanup_error_ struct pea_error *e = NULL;

	if (!m->console_pending)
		return;
	m->console_pending = false;
	if (runtime_succeeded(m, &e) < 0) {
		m->failure = TAKE_PTR(e);
		pea_loop_quit(m->loop, QUIT_RUNTIME_FAILED);
	}
}

/* ---- phases --------------------------------------------------------------------- */

static int open_devnull(struct monitor *m, struct pea_error **err)
{
	m->devnull_r = open("/dev/null", O_RDONLY | O_CLOEXEC);
	m->devnull_w = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (m->devnull_r < 0 || m->devnull_w < 0)
		return pea_error_errno(err, "open '/dev/null'");
	return 0;
}

static int take_env_fds(struct monitor *m, struct pea_error **err)
{
	if (sync_fd_from_env("_OCI_SYNCPIPE", &m->sync_fd, err) < 0 ||
	    sync_fd_from_env("_OCI_STARTPIPE", &m->start_fd, err) < 0)
		return -(*err)->code;
	/* the runtime, the container and the exit command never get it */
	if (m->opts->cleaner_fd > 0 && fcntl(m->opts->cleaner_fd, F_SETFD, FD_CLOEXEC) < 0)
		return pea_error_errno(err, "--cleaner-fd=%d", m->opts->cleaner_fd);
	if (m->opts->exec_attach) {
		if (sync_fd_from_env("_OCI_ATTACHPIPE", &m->attach_pipe_fd, err) < 0)
			return -(*err)->code;
		if (m->attach_pipe_fd < 0)
			return pea_error_new(err, EINVAL,
					     "--attach specified but _OCI_ATTACHPIPE was not");
	}
	return 0;
}

/*
 * --syslog: once stderr is /dev/null, the monitor's log lines go to the
 * local syslog socket, one datagram per line framed as syslog(3) frames them
 * (no socket: they are lost, as conmon's are without a journal).
 */
static void log_to_syslog(void)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX, .sun_path = "/dev/log" };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return;
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		close(fd);
		return;
	}
	log_set_fd(fd); /* kept open for the monitor's life */
	log_set_format(LOG_FORMAT_SYSLOG);
}

/*
 * Leave the caller: the first process writes the monitor's pid file and
 * exits, the second goes on in a new session, with /dev/null for stdio
 * (unless the container is to write to our own stdio: passthrough).
 */
static int detach(struct monitor *m, struct pea_error **err)
{
	pid_t pid = getpid();
	char content[16];

	if (!m->opts->sync) {
		pid = fork();
		if (pid < 0)
			return pea_error_errno(err, "fork");
	}
	if (pid > 0 && m->opts->conmon_pidfile) {
		_cleanup_error_ struct pea_error *e = NULL;

		snprintf(content, sizeof(content), "%d", (int)pid);
		if (monitor_write_file_replace(AT_FDCWD, m->opts->conmon_pidfile, content, 0644,
					       &e) < 0) {
			fprintf(stderr, "pea-monitor: write the monitor pid file: %s\n",
				e->message);
			if (!m->opts->sync) {
				kill(pid, SIGKILL);
				_exit(EXIT_FAILURE);
			}
		}
	}
	if (!m->opts->sync && pid > 0)
		_exit(EXIT_SUCCESS);
	if (!(m->cfg->log_drivers & LOG_DRIVER_PASSTHROUGH)) {
		dup2(m->devnull_r, STDIN_FILENO);
		dup2(m->devnull_w, STDOUT_FILENO);
		dup2(m->devnull_w, STDERR_FILENO);
	}
	if (m->opts->syslog)
		log_to_syslog();
	setsid(); /* fails only when already a group leader (--sync): fine */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		return pea_error_errno(err, "become a subreaper");
	return 0;
}

static int setup_loop(struct monitor *m, struct pea_error **err)
{
	static const int forwarded[] = { SIGTERM, SIGINT, SIGQUIT };

	if (pea_loop_new(&m->loop, err) < 0)
		return -(*err)->code;
	if (pea_loop_add_signal(m->loop, SIGCHLD, sigchld_cb, m, NULL, err) < 0)
		return -(*err)->code;
	for (size_t i = 0; i < ARRAY_SIZE(forwarded); i++)
		if (pea_loop_add_signal(m->loop, forwarded[i], forward_signal_cb, m, NULL, err) < 0)
			return -(*err)->code;
	return 0;
}

/* What the runtime needs to find: the notify and console sockets, the stdio pipes. */
static int setup_io(struct monitor *m, struct pea_error **err)
{
	bool passthrough = m->cfg->log_drivers & LOG_DRIVER_PASSTHROUGH;

	if (notify_setup(m, err) < 0)
		return -(*err)->code;
	if (m->opts->terminal && console_setup(m, err) < 0)
		return -(*err)->code;
	if (!passthrough && stdio_setup_pipes(m, err) < 0)
		return -(*err)->code;
	if (m->cfg->bundle && !passthrough && m->opts->exec_attach) {
		if (attach_setup(m, err) < 0 || ctl_setup(m, err) < 0)
			return -(*err)->code;
		/* the attach socket is there: the caller connects, then says go */
		if (sync_write(m, m->attach_pipe_fd, 0, NULL, err) < 0)
			return -(*err)->code;
		if (m->start_fd >= 0 && sync_wait_start(m->start_fd, err) < 0)
			return -(*err)->code;
		m->start_fd = pea_close(m->start_fd);
		/* taken before the process runs: its first output reaches the caller */
		attach_accept_pending(m);
	}
	return 0;
}

/*
 * The attach socket and the control fifos, made while the runtime creates
 * the container (as conmon does): nobody uses them before the engine hears
 * of the container's pid, which comes after the runtime's exit. A failure
 * stops the runtime; the engine deletes what it made.
 */
static int setup_endpoints(struct monitor *m, struct pea_error **err)
{
	if (!m->cfg->bundle || (m->cfg->log_drivers & LOG_DRIVER_PASSTHROUGH) ||
	    m->opts->exec_attach)
		return 0;
	if (attach_setup(m, err) == 0 && ctl_setup(m, err) == 0)
		return 0;
	if (m->runtime_pid > 0 && kill(m->runtime_pid, SIGKILL) == 0)
		waitpid(m->runtime_pid, NULL, 0);
	m->runtime_pid = -1;
	return -(*err)->code;
}

static void adjust_oom_score(const char *value)
{
	_cleanup_error_ struct pea_error *e = NULL;

	/* needs CAP_SYS_RESOURCE to lower it: best effort, as conmon */
	if (pea_write_file_at(AT_FDCWD, "/proc/self/oom_score_adj", value, &e) < 0)
		log_debug("%s", e->message);
}

static int start(struct monitor *m, struct pea_error **err)
{
	if (take_env_fds(m, err) < 0)
		return -(*err)->code;
	/* the caller moves us into a cgroup before the first byte */
	if (m->start_fd >= 0) {
		if (sync_wait_start(m->start_fd, err) < 0)
			return -(*err)->code;
		if (!m->opts->exec_attach)
			m->start_fd = pea_close(m->start_fd);
	}
	if (open_devnull(m, err) < 0 || detach(m, err) < 0)
		return -(*err)->code;
	if (setup_loop(m, err) < 0 || setup_io(m, err) < 0)
		return -(*err)->code;
	if (runtime_spawn(m, err) < 0 || setup_endpoints(m, err) < 0)
		return -(*err)->code;
	stdio_close_workers(m);
	if (m->cfg->log_drivers & LOG_DRIVER_PASSTHROUGH) {
		dup2(m->devnull_r, STDIN_FILENO);
		dup2(m->devnull_w, STDOUT_FILENO);
		dup2(m->devnull_w, STDERR_FILENO);
	}
	adjust_oom_score("-1000");
	return 0;
}

static void kill_timed_out(struct monitor *m)
{
	pid_t pgid;

	if (m->container_pid <= 0 || m->container_done)
		return;
	pgid = getpgid(m->container_pid);
	/* never kill(-1), nor our own group (a runtime that left the container in it) */
	if (pgid > 1 && pgid != getpgrp())
		kill(-pgid, SIGKILL);
	else
		kill(m->container_pid, SIGKILL);
}

/* After the container: logs, exit files, the exec report, clients, the exit command. */
static int finish(struct monitor *m, int *ret_status, struct pea_error **err)
{
	int status = -1;
	int r = 0;

	healthcheck_stop(m); /* no check outlives the container, nor waits for the exit command */
	timer_stop(m);
	oom_check_final(m);
	if (m->timed_out) {
		kill_timed_out(m);
	} else {
		/* clients that connected as it ended get its last output too */
		attach_accept_pending(m);
		stdio_drain(m);
		attach_flush(m);
	}
	/*
	 * pea rm kills it to remove it, and waits for the exit file: its log goes with it,
	 * no fsync of it on the way there (milliseconds a container on a busy disk, rm -a)
	 */
	m->cleaner_marked = exit_cleaner_marked(m);
	if (m->cleaner_marked)
		m->logs.k8s.sync = false;
	logs_close(&m->logs);
	if (!m->timed_out && !m->container_status_unknown)
		status = exit_status_of(m->container_status);
	/* fds the engine passed for the container (reserved ports) end with it */
	for (int fd = 3; fd < 3 + m->cfg->preserve_fds; fd++)
		if (fd != m->sync_fd && fd != m->start_fd && fd != m->attach_pipe_fd &&
		    fd != m->opts->cleaner_fd)
			close(fd);
	if (exit_write_files(m, status, err) < 0)
		r = -(*err)->code;
	if (r == 0 && m->opts->exec &&
	    sync_write(m, m->sync_fd, status, m->timed_out ? TIMED_OUT_MESSAGE : NULL, err) < 0)
		r = -(*err)->code;
	attach_close(m);
	*ret_status = status;
	return r;
}

/*
 * Before the exit command, as conmon: let go of everything the caller or
 * the exit command may wait on (the sync, start and attach pipes read to
 * their end, the fifos, the notify socket), so that an engine that holds a
 * lock the exit command needs sees the end now, not after it.
 */
static void release_caller(struct monitor *m)
{
	int *fds[] = { &m->sync_fd, &m->start_fd, &m->attach_pipe_fd };

	for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
		*fds[i] = pea_close(*fds[i]);
	ctl_close(m);
	notify_close(m);
}

static void teardown(struct monitor *m)
{
	healthcheck_stop(m);
	timer_stop(m);
	attach_close(m);
	console_cleanup(m);
	m->loop = pea_loop_free(m->loop);
	ctl_close(m);
	notify_close(m);
	oom_close(m);
	logs_close(&m->logs);
	m->container_pidfd = pea_close(m->container_pidfd);
	int *fds[] = { &m->stdin_fd, &m->stdout_fd,	 &m->stderr_fd, &m->sync_fd,
		       &m->start_fd, &m->attach_pipe_fd, &m->devnull_r, &m->devnull_w,
		       &m->null_in,  &m->sink_r,	 &m->sink_w };
	for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
		*fds[i] = pea_close(*fds[i]);
	stdio_close_workers(m);
	free(m->read_buf);
	free(m->in.data);
	free(m->failure_message);
	m->failure = pea_error_free(m->failure);
}

int monitor_run(const struct monitor_config *cfg, int *ret_exit_status, struct pea_error **err)
{
	struct monitor m;
	int r, why;

	monitor_init(&m, cfg);
	signal(SIGPIPE, SIG_IGN);
	/* before detaching: a bad log path is the caller's error to see */
	r = logs_open(&m.logs, cfg, err);
	if (r >= 0)
		r = start(&m, err);
	if (r >= 0)
		r = pea_loop_run(m.loop, err);
	if (r < 0)
		goto fail;
	why = pea_loop_exit_status(m.loop);
	if (why == QUIT_RUNTIME_FAILED) {
		if (m.failure) {
			*err = TAKE_PTR(m.failure);
		} else {
			int code = exit_status_of(m.runtime_status);

			pea_error_new(err, EIO, "runtime failed with exit status %d%s%s", code,
				      m.failure_message ? ": " : "",
				      m.failure_message ? m.failure_message : "");
			if (m.failure_message) {
				_cleanup_error_ struct pea_error *e = NULL;

				sync_write(&m, m.sync_fd, -1, m.failure_message, &e);
				m.sync_reported = true;
			}
		}
		goto fail;
	}
	r = finish(&m, ret_exit_status, err);
	release_caller(&m);
	if (r >= 0)
		r = exit_run_command(&m, err);
	teardown(&m);
	return r;
fail:
	/* the caller waits on the sync pipe: tell it why */
	if (!m.sync_reported && m.sync_fd >= 0) {
		_cleanup_error_ struct pea_error *e = NULL;

		sync_write(&m, m.sync_fd, -1, (*err)->message, &e);
	}
	teardown(&m);
	return -(*err)->code;
}
