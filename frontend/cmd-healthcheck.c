/*
 * pea healthcheck run CONTAINER (podman-healthcheck-run(1)): run the
 * container's check once, record the result (health.h) and apply its
 * --health-on-failure action. Exit 0 healthy, 1 unhealthy (or starting),
 * 125 when it cannot check.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "frontend/commands.h"
#include "frontend/container.h"
#include "frontend/events.h"
#include "frontend/frontend.h"
#include "frontend/health.h"
#include "frontend/records.h"
#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/process.h"
#include "lib/strv.h"
#include "lib/xalloc.h"

#define NS_PER_SEC	  1000000000LL
#define HEALTH_LOG_MAX	  5   /* podman keeps the last five results */
#define HEALTH_OUTPUT_MAX 500 /* podman's MaxHealthCheckLogLength */

static const char healthcheck_usage[] =
	"Usage: pea healthcheck run CONTAINER\n"
	"\n"
	"Run the container's healthcheck once and record the result: exit status 0\n"
	"when healthy, 1 when not (its status printed).\n"
	"\n"
	"      --help                print this help\n";

struct check_result {
	int exit_code;
	char *output;
	char *start, *end;
};

static void check_result_clear(struct check_result *c)
{
	free(c->output);
	free(c->start);
	free(c->end);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The check's argv from its Test: CMD ARGS... or CMD-SHELL "..." (/bin/sh -c). */
static char **test_argv(struct json_object *test)
{
	size_t n = json_object_array_length(test);
	const char *first = json_object_get_string(json_object_array_get_idx(test, 0));
	char **v = NULL;

	if (strcmp(first, "CMD-SHELL") == 0) {
		_cleanup_strv_ char **rest = NULL;
		for (size_t i = 1; i < n; i++)
			pea_strv_push(&rest,
				      json_object_get_string(json_object_array_get_idx(test, i)));
		pea_strv_push(&v, "/bin/sh");
		pea_strv_push(&v, "-c");
		pea_strv_push_take(&v, rest ? pea_strv_join(rest, " ") : xstrdup(""));
		return v;
	}
	for (size_t i = strcmp(first, "CMD") == 0 ? 1 : 0; i < n; i++)
		pea_strv_push(&v, json_object_get_string(json_object_array_get_idx(test, i)));
	return v;
}

/* Kill what the check left in the container (its pid file) and the runtime's exec. */
static void kill_check(const char *pidfile, pid_t pid, int pidfd)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;

	if (pea_read_file_at(AT_FDCWD, pidfile, 64, &buf, &len, NULL) == 0) {
		long p = atol(buf);
		if (p > 1)
			(void)kill((pid_t)p, SIGKILL);
	}
	if (pea_pidfd_send_signal(pidfd, SIGKILL) < 0)
		(void)kill(pid, SIGKILL);
}

/*
 * RUNTIME exec --process FILE --pid-file PIDFILE ID with stdout and stderr
 * into one pipe, read until its end or the timeout.
 */
static int run_check(const struct global_options *g, const struct ctr_record *r,
		     struct json_object *hc, struct check_result *res, struct pea_error **err)
{
	_cleanup_strv_ char **args = NULL, **argv = NULL;
	_cleanup_free_ char *procfile = NULL, *pidfile = NULL, *out = NULL;
	_cleanup_close_ int rfd = -1, wfd = -1, pidfd = -1;
	struct json_object *test = NULL;
	int64_t timeout_ns = 30 * NS_PER_SEC, deadline;
	size_t len = 0;
	bool timed_out = false;
	int pipefd[2], status = 0;
	pid_t pid;

	json_object_object_get_ex(hc, "Test", &test);
	(void)pea_json_get_int64_opt(hc, "", "Timeout", &timeout_ns, NULL);
	if (timeout_ns <= 0)
		timeout_ns = 30 * NS_PER_SEC;
	args = test_argv(test);
	if (!args)
		return pea_error_new(err, EINVAL, "container %s: empty healthcheck command", r->id);
	if (spec_exec_process(g, r, args, NULL, NULL, NULL, false, &procfile, err) < 0)
		return -1;
	pidfile = xasprintf("%s.pid", procfile);
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		(void)unlink(procfile);
		return pea_error_errno(err, "pipe");
	}
	rfd = pipefd[0];
	wfd = pipefd[1];
	pea_strv_push(&argv, r->runtime ? r->runtime : g->runtime);
	frontend_push_runtime_flags(g, &argv, false);
	pea_strv_push_take(&argv, xasprintf("--root=%s/runtime", g->runroot));
	pea_strv_push(&argv, "exec");
	pea_strv_push_take(&argv, xasprintf("--process=%s", procfile));
	pea_strv_push_take(&argv, xasprintf("--pid-file=%s", pidfile));
	pea_strv_push(&argv, r->id);
	res->start = frontend_now();
	{
		const struct pea_fd_map fds[] = { { wfd, 1 }, { wfd, 2 } };
		struct pea_spawn s = { .argv = argv, .fds = fds, .nfds = 2, .null_stdin = true };

		if (pea_spawn(&s, &pid, &pidfd, err) < 0) {
			(void)unlink(procfile);
			return -1;
		}
	}
	wfd = pea_close(wfd);
	deadline = now_ms() + timeout_ns / 1000000;
	for (;;) {
		struct pollfd p = { .fd = rfd, .events = POLLIN };
		int64_t left = deadline - now_ms();
		char buf[4096];
		ssize_t n;

		if (left <= 0) {
			timed_out = true;
			break;
		}
		n = poll(&p, 1, (int)(left > 60000 ? 60000 : left));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			continue;
		n = read(rfd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (len < 64 * 1024) {
			out = xrealloc(out, len + (size_t)n + 1);
			memcpy(out + len, buf, (size_t)n);
			len += (size_t)n;
			out[len] = '\0';
		}
	}
	if (!timed_out) {
		int64_t left = deadline - now_ms();
		if (pea_wait(pid, pidfd, (int)(left > 0 ? left : 0), &status, NULL) < 0)
			timed_out = true;
	}
	if (timed_out) {
		kill_check(pidfile, pid, pidfd);
		(void)pea_wait(pid, pidfd, -1, &status, NULL);
	}
	(void)unlink(procfile);
	(void)unlink(pidfile);
	res->end = frontend_now();
	if (timed_out) {
		res->exit_code = 1;
		res->output = xasprintf("healthcheck command exceeded timeout of %llds",
					(long long)(timeout_ns / NS_PER_SEC));
		return 0;
	}
	res->exit_code = pea_exit_status(status);
	while (len > 0 && (out[len - 1] == '\n' || out[len - 1] == '\r'))
		out[--len] = '\0';
	if (len > HEALTH_OUTPUT_MAX)
		out[HEALTH_OUTPUT_MAX] = '\0';
	res->output = out ? TAKE_PTR(out) : xstrdup("");
	return 0;
}

/*
 * Record one result in BUNDLE/healthcheck.log under a flock of the bundle
 * folder: podman's state machine (a pass: healthy; a failure after the start
 * period counts, retries of them in a row: unhealthy). *ret_status: the new status.
 */
static int record_result(const struct global_options *g, const struct ctr_record *r,
			 struct json_object *hc, const struct check_result *res,
			 const char **ret_status, struct pea_error **err)
{
	static const char *const names[] = { "starting", "healthy", "unhealthy" };
	_cleanup_free_ char *dir = record_dir(g, r->id);
	_cleanup_close_ int dfd = -1;
	_cleanup_json_ struct json_object *file = NULL;
	struct json_object *log = NULL, *entry, *nlog;
	const char *status = "starting", *started = NULL, *text;
	int64_t retries = 3, start_period = 0, streak = 0;
	double since;
	size_t n, from;

	(void)pea_json_get_int64_opt(hc, "", "Retries", &retries, NULL);
	(void)pea_json_get_int64_opt(hc, "", "StartPeriod", &start_period, NULL);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return pea_error_errno(err, "open '%s'", dir);
	if (flock(dfd, LOCK_EX) < 0)
		return pea_error_errno(err, "lock '%s'", dir);
	if (pea_json_parse_file_at(dfd, "healthcheck.log", 1u << 20, &file, NULL) < 0 || !file ||
	    !json_object_is_type(file, json_type_object) ||
	    pea_json_get_string_opt(file, "", "StartedAt", &started, NULL) != 1 || !r->started_at ||
	    strcmp(started, r->started_at) != 0) {
		json_object_put(file);
		file = json_object_new_object();
	} else {
		const char *s = NULL;
		(void)pea_json_get_string_opt(file, "", "Status", &s, NULL);
		for (size_t i = 0; s && i < ARRAY_SIZE(names); i++)
			if (strcmp(s, names[i]) == 0)
				status = names[i];
		(void)pea_json_get_int64_opt(file, "", "FailingStreak", &streak, NULL);
		json_object_object_get_ex(file, "Log", &log);
	}
	since = frontend_now_seconds() - (r->started_at ? frontend_parse_time(r->started_at) : 0);
	if (res->exit_code == 0) {
		status = "healthy";
		streak = 0;
	} else if (since * 1e9 >= (double)start_period) {
		streak++;
		if (streak >= retries)
			status = "unhealthy";
	}
	entry = json_object_new_object();
	json_object_object_add(entry, "Start", json_object_new_string(res->start));
	json_object_object_add(entry, "End", json_object_new_string(res->end));
	json_object_object_add(entry, "ExitCode", json_object_new_int(res->exit_code));
	json_object_object_add(entry, "Output", json_object_new_string(res->output));
	nlog = json_object_new_array();
	n = log && json_object_is_type(log, json_type_array) ? json_object_array_length(log) : 0;
	from = n + 1 > HEALTH_LOG_MAX ? n + 1 - HEALTH_LOG_MAX : 0;
	for (size_t i = from; i < n; i++)
		json_object_array_add(nlog, json_object_get(json_object_array_get_idx(log, i)));
	json_object_array_add(nlog, entry);
	json_object_object_add(file, "Status", json_object_new_string(status));
	json_object_object_add(file, "FailingStreak", json_object_new_int64(streak));
	json_object_object_add(file, "Log", nlog);
	json_object_object_add(file, "StartedAt", json_object_new_string(r->started_at ?: ""));
	text = json_object_to_json_string_ext(file, JSON_C_TO_STRING_PLAIN |
							    JSON_C_TO_STRING_NOSLASHESCAPE);
	/* volatile like podman's: no fsync needed, a rename is enough */
	if (pea_write_file_replace_at(dfd, "healthcheck.log", text, strlen(text), 0600, err) < 0)
		return -1;
	*ret_status = status;
	return 0;
}

/* --health-on-failure when unhealthy: podman's kill, stop or restart. */
static int on_failure(struct global_options *g, const struct ctr_record *r, const char *action,
		      struct pea_error **err)
{
	if (strcmp(action, "kill") == 0) {
		const char *const kargs[] = { "kill", r->id, "KILL", NULL };
		if (container_runtime(g, r, kargs, true, err) < 0)
			return -1;
		/* the exit file before we return: inspect then shows it stopped */
		return container_wait_exit(g, r->id, 30000, err);
	}
	if (strcmp(action, "stop") == 0)
		return container_stop(g, r->id, -1, err);
	if (strcmp(action, "restart") == 0) {
		/*
		 * In a session of its own: from the monitor's timer, this process
		 * is killed with its session when the container stops.
		 */
		_cleanup_strv_ char **argv = frontend_self_argv(g);
		_cleanup_close_ int pidfd = -1, null = -1;
		struct pea_fd_map fds[1] = { { -1, 1 } };
		struct pea_spawn s = {
			.null_stdin = true, .new_session = true, .fds = fds, .nfds = 1
		};
		int status = 0;
		pid_t pid;

		/* its output (the id it prints) is not ours */
		null = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (null < 0)
			return pea_error_errno(err, "open '/dev/null'");
		fds[0].parent = null;
		pea_strv_push(&argv, "restart");
		pea_strv_push(&argv, r->id);
		s.argv = argv;
		if (pea_spawn(&s, &pid, &pidfd, err) < 0 ||
		    pea_wait(pid, pidfd, -1, &status, err) < 0)
			return -1;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			return pea_error_new(err, EIO, "restart of container %s failed", r->id);
	}
	return 0;
}

static int healthcheck_run(struct global_options *g, const char *what, struct pea_error **err)
{
	_cleanup_record_ struct ctr_record *r = NULL;
	_cleanup_(check_result_clear) struct check_result res = { 0 };
	struct json_object *hc = NULL;
	const char *status = NULL, *action = "none";

	if (record_lookup(g, what, &r, err) < 0)
		return -1;
	(void)record_refresh(g, r, NULL);
	if (!json_object_object_get_ex(r->opts, "healthcheck", &hc))
		return pea_error_new(err, EINVAL, "container %s has no defined healthcheck", r->id);
	if (r->state != CTR_RUNNING || r->paused)
		return pea_error_new(err, EINVAL, "container %s is not running", r->id);
	if (run_check(g, r, hc, &res, err) < 0 || record_result(g, r, hc, &res, &status, err) < 0)
		return -1;
	events_health(g, r, status); /* podman's, at each check: the health after it */
	(void)pea_json_get_string_opt(r->opts, "", "health_on_failure", &action, NULL);
	if (strcmp(status, "unhealthy") == 0 && strcmp(action, "none") != 0 &&
	    on_failure(g, r, action, err) < 0)
		return -1;
	if (res.exit_code == 0)
		return 0; /* a pass is always healthy */
	/* a failure: "starting" within the start period, else podman's "unhealthy" */
	printf("%s\n", strcmp(status, "starting") == 0 ? "starting" : "unhealthy");
	return 1;
}

/* pea healthcheck run CONTAINER */
static int healthcheck_run_cmd(struct global_options *g, int argc, char **argv,
			       struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int r, c = 0;

	optind = 0;
	while ((r = cmd_getopt(argc, argv, "+h", opts, healthcheck_usage, &c, err)) == 2)
		;
	if (r < 0)
		return -1;
	if (r == 1)
		return 0;
	if (argc - optind != 1)
		return check_nargs(argc - optind, 1, 1, err);
	return healthcheck_run(g, argv[optind], err);
}

int cmd_healthcheck(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct subcommand sub[] = {
		{ "run", healthcheck_run_cmd },
	};

	return cmd_dispatch(g, "healthcheck",
			    "Usage: pea healthcheck COMMAND\n\n"
			    "Manage the healthchecks of containers.\n\n"
			    "Commands:\n  run       run the healthcheck of a container\n",
			    sub, ARRAY_SIZE(sub), argc, argv, err);
}
