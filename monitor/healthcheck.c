/*
 * Healthchecks, as upstream conmon runs them (--healthcheck-cmd and friends):
 * a second after start, then every interval, `RUNTIME [--runtime-arg...] exec CID CMD ARGS...` with
 * stdout to /dev/null and stderr kept for the log; a check that outlives its
 * timeout is killed (exit code 124). Each result goes to the sync pipe as
 * {"data": -100 + STATE, "message": "STATE"}: starting, healthy, unhealthy.
 * Failures within the start period (until a check passes) do not count;
 * retries consecutive counted failures make the container unhealthy.
 *
 * All on the monitor's loop: a timerfd for the interval and one for the
 * timeout, the check's exit through its pidfd (or the SIGCHLD handler, which
 * reaps every child), its stderr through a pipe. No threads, no blocking.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "lib/process.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "monitor/monitor.h"

/*
 * The first check, a second after the container's pid was reported: soon, as
 * conmon's first one, yet after the engine's `runtime start` of a `run`.
 */
#define HEALTHCHECK_FIRST_MS 1000

/* The exit code of a check killed at its timeout (timeout(1)'s). */
#define HEALTHCHECK_TIMEOUT_EXIT 124

static const char *const status_names[] = { "none", "starting", "healthy", "unhealthy" };

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void healthcheck_init(struct monitor *m)
{
	m->hc = (struct healthcheck){ .pid = -1, .stderr_fd = -1 };
}

char *healthcheck_status_message(enum healthcheck_status status, int exit_code)
{
	const char *name =
		(unsigned)status < ARRAY_SIZE(status_names) ? status_names[status] : "unknown";

	if (status == HEALTHCHECK_UNHEALTHY && exit_code != 0)
		return xasprintf("%s (exit_code: %d)", name, exit_code);
	return xstrdup(name);
}

static void send_status(struct monitor *m, int exit_code)
{
	_cleanup_error_ struct pea_error *e = NULL;
	_cleanup_free_ char *msg = healthcheck_status_message(m->hc.status, exit_code);

	log_debug("healthcheck: %s", msg);
	if (m->sync_fd < 0)
		return;
	if (sync_write(m, m->sync_fd, HEALTHCHECK_MSG_BASE + (int)m->hc.status, msg, &e) < 0) {
		/* the engine stopped listening: as conmon, stop writing */
		log_warning("healthcheck status: %s, ignoring", e->message);
		m->sync_fd = pea_close(m->sync_fd);
	}
}

/* One result: the state machine of conmon's checks, with docker's start period. */
static void record_result(struct monitor *m, int exit_code)
{
	const struct healthcheck_config *c = &m->cfg->healthcheck;
	struct healthcheck *hc = &m->hc;
	long long elapsed = (long long)((now_ms() - hc->begin_ms) / 1000);

	if (exit_code == 0) {
		hc->failures = 0;
		hc->started = true;
		hc->status = HEALTHCHECK_HEALTHY;
	} else if (!hc->started && elapsed < c->start_period) {
		log_info("Healthcheck failure ignored during start period (elapsed: %llds, "
			 "start_period: %ds)",
			 elapsed, c->start_period);
		hc->status = HEALTHCHECK_STARTING;
	} else {
		log_info("Healthcheck failure counts after start period (elapsed: %llds, "
			 "start_period: %ds)",
			 elapsed, c->start_period);
		hc->failures++;
		if (hc->failures >= (unsigned)c->retries)
			hc->status = HEALTHCHECK_UNHEALTHY;
	}
	send_status(m, exit_code);
}

/* Read what the check wrote to stderr; keep the first HEALTHCHECK_STDERR_MAX - 1 bytes. */
static bool read_stderr(struct healthcheck *hc)
{
	char buf[4096];

	for (;;) {
		ssize_t n = read(hc->stderr_fd, buf, sizeof(buf));
		size_t room = sizeof(hc->stderr_buf) - 1 - hc->stderr_len;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n == 0 || errno != EAGAIN; /* true: at its end */
		if (room > 0) {
			size_t take = (size_t)n < room ? (size_t)n : room;

			memcpy(hc->stderr_buf + hc->stderr_len, buf, take);
			hc->stderr_len += take;
		}
	}
}

static void close_stderr(struct monitor *m)
{
	if (m->hc.stderr_w && m->loop)
		pea_loop_remove(m->loop, m->hc.stderr_w);
	m->hc.stderr_w = NULL;
	m->hc.stderr_fd = pea_close(m->hc.stderr_fd);
}

static int stderr_cb(struct pea_loop *loop, int fd, uint32_t events, void *data,
		     struct pea_error **err)
{
	struct monitor *m = data;

	(void)loop;
	(void)fd;
	(void)events;
	(void)err;
	if (!read_stderr(&m->hc))
		return 0;
	close_stderr(m); /* out of the loop first, then closed */
	return 1;
}

/* The check's exit code (124 when killed at its timeout, 128 + N for signal N), logged. */
static int check_exit_code(struct monitor *m, int wait_status)
{
	struct healthcheck *hc = &m->hc;
	const char *cmd = m->cfg->healthcheck.argv[0];
	int code;

	if (hc->timed_out) {
		log_warning("Healthcheck command timed out after %d seconds: %s",
			    m->cfg->healthcheck.timeout, cmd);
		code = HEALTHCHECK_TIMEOUT_EXIT;
	} else if (wait_status == -1) {
		log_warning("Healthcheck command ended with an unknown status: %s", cmd);
		code = -1;
	} else if (WIFSIGNALED(wait_status)) {
		log_warning("Healthcheck command terminated by signal %d: %s",
			    WTERMSIG(wait_status), cmd);
		code = 128 + WTERMSIG(wait_status);
	} else {
		code = WEXITSTATUS(wait_status);
		if (code != 0)
			log_warning("Healthcheck command failed (exit code %d): %s", code, cmd);
	}
	while (hc->stderr_len > 0 && (hc->stderr_buf[hc->stderr_len - 1] == '\n' ||
				      hc->stderr_buf[hc->stderr_len - 1] == '\r'))
		hc->stderr_len--;
	hc->stderr_buf[hc->stderr_len] = '\0';
	if (code != 0 && hc->stderr_len > 0)
		log_warning("Healthcheck command stderr: %s", hc->stderr_buf);
	return code;
}

static void check_ended(struct monitor *m, int wait_status)
{
	struct healthcheck *hc = &m->hc;
	int code;

	if (hc->timeout_w)
		pea_loop_remove(m->loop, hc->timeout_w);
	hc->timeout_w = NULL;
	/* what is there now: a process left in the container may hold the pipe open */
	if (hc->stderr_fd >= 0)
		read_stderr(hc);
	close_stderr(m);
	code = check_exit_code(m, wait_status);
	hc->pid = -1;
	hc->reaped = false;
	hc->timed_out = false;
	hc->stderr_len = 0;
	record_result(m, code);
}

static int child_cb(struct pea_loop *loop, pid_t pid, int wait_status, void *data,
		    struct pea_error **err)
{
	struct monitor *m = data;

	(void)loop;
	(void)pid;
	(void)err;
	m->hc.child_w = NULL; /* the loop removes it */
	if (wait_status == -1 && m->hc.reaped)
		wait_status = m->hc.reaped_status;
	check_ended(m, wait_status);
	return 0;
}

bool healthcheck_child_exited(struct monitor *m, pid_t pid, int status)
{
	if (m->hc.pid <= 0 || pid != m->hc.pid)
		return false;
	/* its pidfd watcher reports the end; keep the status it can no longer read */
	m->hc.reaped = true;
	m->hc.reaped_status = status;
	return true;
}

/*
 * The runtime's exec puts the check in a session of its own (crun does): the
 * process in the container is killed by the pid the runtime wrote, while
 * the runtime (which waits for it) still runs, so that the pid is still its.
 */
static void kill_exec_process(struct healthcheck *hc)
{
	_cleanup_error_ struct pea_error *e = NULL;
	_cleanup_free_ char *data = NULL;
	char *end = NULL;
	size_t len;
	long pid;

	if (pea_read_file_at(AT_FDCWD, hc->pid_path, 64, &data, &len, &e) < 0)
		return; /* not written yet: the runtime goes, and its child with it */
	errno = 0;
	pid = strtol(data, &end, 10);
	if (errno == 0 && end != data && pid > 1 && pid <= INT32_MAX && pid != (long)getpid())
		kill((pid_t)pid, SIGKILL);
}

static void kill_check(struct healthcheck *hc)
{
	if (hc->pid <= 0 || hc->reaped)
		return;
	kill_exec_process(hc);
	/* its own session: the runtime and what it left in our group go together */
	if (kill(-hc->pid, SIGKILL) < 0)
		kill(hc->pid, SIGKILL);
}

static int timeout_cb(struct pea_loop *loop, void *data, struct pea_error **err)
{
	struct monitor *m = data;

	(void)loop;
	(void)err;
	m->hc.timeout_w = NULL; /* a one-shot timer: removed by the loop */
	m->hc.timed_out = true;
	kill_check(&m->hc);
	return 1;
}

/* Let go of the running check, if any: its watchers, and itself (killed, reaped). */
static void abandon_check(struct monitor *m)
{
	struct healthcheck *hc = &m->hc;
	_cleanup_error_ struct pea_error *e = NULL;
	int status;

	if (m->loop) {
		struct pea_watch **ws[] = { &hc->timeout_w, &hc->child_w };

		for (size_t i = 0; i < ARRAY_SIZE(ws); i++) {
			if (*ws[i])
				pea_loop_remove(m->loop, *ws[i]);
			*ws[i] = NULL;
		}
	}
	close_stderr(m);
	if (hc->pid > 0 && !hc->reaped) {
		kill_check(hc);
		/* SIGKILL ends it soon: reap it, bounded */
		if (pea_wait(hc->pid, -1, 2000, &status, &e) < 0)
			log_debug("healthcheck %d: %s", (int)hc->pid, e->message);
	}
	hc->pid = -1;
	hc->reaped = false;
	hc->timed_out = false;
}

static char **check_argv(const struct monitor *m)
{
	const struct monitor_options *o = m->opts;
	char **argv = NULL;

	pea_strv_push(&argv, o->runtime);
	for (size_t i = 0; o->runtime_args && o->runtime_args[i]; i++)
		pea_strv_push(&argv, o->runtime_args[i]);
	pea_strv_push(&argv, "exec");
	pea_strv_push(&argv, "--pid-file");
	pea_strv_push(&argv, m->hc.pid_path);
	pea_strv_push(&argv, o->cid);
	for (size_t i = 0; m->cfg->healthcheck.argv[i]; i++)
		pea_strv_push(&argv, m->cfg->healthcheck.argv[i]);
	return argv;
}

/* Spawn one check and watch it: its exit, its stderr, its timeout. */
static int run_check(struct monitor *m, struct pea_error **err)
{
	struct healthcheck *hc = &m->hc;
	_cleanup_strv_ char **argv = check_argv(m);
	_cleanup_close_ int rd = -1, wr = -1;
	struct pea_fd_map fds[3];
	struct pea_spawn s = { .argv = argv,
			       .fds = fds,
			       .nfds = ARRAY_SIZE(fds),
			       .new_session = true,
			       .pdeath_signal = SIGKILL };
	int p[2];
	pid_t pid;

	unlink(hc->pid_path); /* a pid in it is this check's */
	if (pipe2(p, O_CLOEXEC) < 0)
		return pea_error_errno(err, "pipe for the healthcheck's stderr");
	rd = p[0];
	wr = p[1];
	if (fcntl(rd, F_SETFL, O_NONBLOCK) < 0)
		return pea_error_errno(err, "make the healthcheck's stderr pipe non-blocking");
	/* never /dev/null: the runtime may chown its stdio (see monitor_null_in) */
	if (monitor_null_in(m, err) < 0 || monitor_null_out(m, err) < 0)
		return pea_error_wrap(err, "run the healthcheck");
	fds[0] = (struct pea_fd_map){ m->null_in, 0 };
	fds[1] = (struct pea_fd_map){ m->sink_w, 1 };
	fds[2] = (struct pea_fd_map){ wr, 2 };
	if (pea_spawn(&s, &pid, NULL, err) < 0)
		return pea_error_wrap(err, "run the healthcheck");
	wr = pea_close(wr);
	hc->pid = pid;
	hc->stderr_fd = TAKE_FD(rd);
	hc->stderr_len = 0;
	log_debug("healthcheck: started %d", (int)pid);
	if (pea_loop_add_fd(m->loop, hc->stderr_fd, EPOLLIN, stderr_cb, m, &hc->stderr_w, err) <
		    0 ||
	    pea_loop_add_child(m->loop, pid, child_cb, m, &hc->child_w, err) < 0 ||
	    pea_loop_add_timer(m->loop, (uint64_t)m->cfg->healthcheck.timeout * 1000, 0, timeout_cb,
			       m, &hc->timeout_w, err) < 0) {
		abandon_check(m);
		return -(*err)->code;
	}
	return 0;
}

/* The file the container's pid runs now; false when it is gone. */
static bool init_exe(const struct monitor *m, struct stat *st)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)m->container_pid);
	return stat(path, st) == 0;
}

/*
 * Has the engine run `runtime start`? Until then the container's pid is the
 * runtime's init, waiting to exec the container's process: a check now
 * could only fail (there is nothing to exec into), so it is skipped, not
 * counted. The start is seen when that pid runs another file.
 */
static bool container_started(struct monitor *m)
{
	struct healthcheck *hc = &m->hc;
	struct stat st;

	if (hc->exec_seen)
		return true;
	if (!init_exe(m, &st) || (st.st_dev == hc->init_dev && st.st_ino == hc->init_ino))
		return false;
	hc->exec_seen = true;
	hc->begin_ms = now_ms(); /* the start period counts from the start */
	return true;
}

static int tick_cb(struct pea_loop *loop, void *data, struct pea_error **err)
{
	_cleanup_error_ struct pea_error *e = NULL;
	struct monitor *m = data;

	(void)loop;
	(void)err;
	if (!container_started(m)) {
		log_debug("healthcheck: the container is not started yet, skipping this check");
		return 0;
	}
	if (m->hc.pid > 0) {
		log_debug("healthcheck: the last check still runs, skipping this one");
		return 0;
	}
	if (run_check(m, &e) < 0) {
		/* a check that cannot run is a failed check, as in conmon */
		log_warning("%s", e->message);
		record_result(m, -1);
	}
	return 0;
}

int healthcheck_start(struct monitor *m, struct pea_error **err)
{
	uint64_t interval_ms = (uint64_t)m->cfg->healthcheck.interval * 1000;
	struct stat st;

	if (!m->cfg->healthcheck.argv || m->hc.tick_w)
		return 0;
	m->hc.status = HEALTHCHECK_STARTING;
	m->hc.begin_ms = now_ms();
	if (m->opts->start) {
		/* run --detach: started already, the pid runs the container's process */
		m->hc.exec_seen = true;
	} else if (init_exe(m, &st)) {
		m->hc.init_dev = st.st_dev;
		m->hc.init_ino = st.st_ino;
	} else {
		m->hc.exec_seen = true; /* gone already: its end comes, checks or not */
	}
	m->hc.pid_path = xasprintf("%s/healthcheck.pid", m->cfg->bundle);
	if (pea_loop_add_timer(m->loop, HEALTHCHECK_FIRST_MS, interval_ms, tick_cb, m,
			       &m->hc.tick_w, err) < 0)
		return pea_error_wrap(err, "start the healthchecks");
	return 0;
}

void healthcheck_stop(struct monitor *m)
{
	if (m->hc.tick_w && m->loop)
		pea_loop_remove(m->loop, m->hc.tick_w);
	m->hc.tick_w = NULL;
	abandon_check(m);
	if (m->hc.pid_path)
		unlink(m->hc.pid_path);
	free(m->hc.pid_path);
	m->hc.pid_path = NULL;
}
