/*
 * Timer commands, as upstream conmon runs them (--timer-command
 * ID:SECONDS:COMMAND, --timer-command-argument ID:ARGUMENT): each command
 * runs on the host every SECONDS seconds from the moment the container is
 * created until it ends, with /dev/null for its stdio, in a session of its
 * own. A run still going when its next one is due makes that one skipped;
 * none outlives the container (its session is killed with it).
 *
 * All on the monitor's loop: one repeating timerfd per command; the runs are
 * reaped by the SIGCHLD handler, which reaps every child of the monitor.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "lib/process.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "monitor/monitor.h"

/* ---- options ------------------------------------------------------------------ */

/* A whole decimal number in [min, INT_MAX]; false otherwise. */
static bool parse_number(const char *s, size_t len, int min, int *ret)
{
	long long v = 0;

	if (len == 0 || len > 10)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	if (v < min || v > INT_MAX)
		return false;
	*ret = (int)v;
	return true;
}

static struct timer_command *find_timer(struct monitor_config *cfg, int id)
{
	for (size_t i = 0; i < cfg->ntimers; i++)
		if (cfg->timers[i].id == id)
			return &cfg->timers[i];
	return NULL;
}

/* "ID:SECONDS:COMMAND": the command is the rest, colons and all. */
static int add_timer(struct monitor_config *cfg, const char *value, struct pea_error **err)
{
	const char *c1 = strchr(value, ':');
	const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	struct timer_command t = { 0 };

	if (!c2)
		return pea_error_new(
			err, EINVAL,
			"Invalid timer-command format '%s'. Expected ID:SECONDS:COMMAND", value);
	if (!parse_number(value, (size_t)(c1 - value), 0, &t.id))
		return pea_error_new(err, EINVAL, "Invalid timer-command ID '%.*s'",
				     (int)(c1 - value), value);
	if (!parse_number(c1 + 1, (size_t)(c2 - c1 - 1), 1, &t.interval))
		return pea_error_new(err, EINVAL, "Invalid timer-command interval '%.*s'",
				     (int)(c2 - c1 - 1), c1 + 1);
	if (c2[1] == '\0')
		return pea_error_new(err, EINVAL, "Empty timer-command command");
	if (find_timer(cfg, t.id))
		return pea_error_new(err, EINVAL, "Duplicate timer-command ID %d", t.id);
	if (cfg->ntimers >= TIMER_COMMANDS_MAX)
		return pea_error_new(err, E2BIG, "More than %d timer-commands", TIMER_COMMANDS_MAX);
	pea_strv_push(&t.argv, c2 + 1);
	cfg->timers = xreallocarray(cfg->timers, cfg->ntimers + 1, sizeof(*cfg->timers));
	cfg->timers[cfg->ntimers++] = t;
	return 0;
}

/* "ID:ARGUMENT", appended to the command ID in the order given. */
static int add_argument(struct monitor_config *cfg, const char *value, struct pea_error **err)
{
	const char *colon = strchr(value, ':');
	struct timer_command *t;
	int id;

	if (!colon || !parse_number(value, (size_t)(colon - value), 0, &id))
		return pea_error_new(
			err, EINVAL,
			"Invalid timer-command-argument format '%s'. Expected ID:ARGUMENT", value);
	t = find_timer(cfg, id);
	if (!t)
		return pea_error_new(err, EINVAL, "Timer-command ID %d not found for argument '%s'",
				     id, colon + 1);
	pea_strv_push(&t->argv, colon + 1);
	return 0;
}

int timer_config_from_options(const struct monitor_options *o, struct monitor_config *cfg,
			      struct pea_error **err)
{
	for (size_t i = 0; o->timer_commands && o->timer_commands[i]; i++)
		if (add_timer(cfg, o->timer_commands[i], err) < 0)
			return -(*err)->code;
	for (size_t i = 0; o->timer_command_args && o->timer_command_args[i]; i++)
		if (add_argument(cfg, o->timer_command_args[i], err) < 0)
			return -(*err)->code;
	if (cfg->ntimers > 0 && o->exec)
		return pea_error_new(err, EINVAL, "--timer-command cannot be used with --exec");
	return 0;
}

void timer_config_free(struct monitor_config *cfg)
{
	for (size_t i = 0; i < cfg->ntimers; i++)
		pea_strv_free(cfg->timers[i].argv);
	free(cfg->timers);
	cfg->timers = NULL;
	cfg->ntimers = 0;
}

/* ---- running ------------------------------------------------------------------ */

struct timer_run {
	struct monitor *m;
	const struct timer_command *cmd;
	struct pea_watch *w;
	pid_t pid; /* the run going now, -1 if none */
};

static int tick_cb(struct pea_loop *loop, void *data, struct pea_error **err)
{
	_cleanup_error_ struct pea_error *e = NULL;
	struct timer_run *t = data;
	struct pea_fd_map fds[] = { { t->m->devnull_r, 0 },
				    { t->m->devnull_w, 1 },
				    { t->m->devnull_w, 2 } };
	struct pea_spawn s = { .argv = t->cmd->argv,
			       .fds = fds,
			       .nfds = ARRAY_SIZE(fds),
			       .new_session = true,
			       .pdeath_signal = SIGKILL };

	(void)loop;
	(void)err;
	if (t->pid > 0) {
		log_debug("timer-command %d: the last run still goes, skipping this one",
			  t->cmd->id);
		return 0;
	}
	if (pea_spawn(&s, &t->pid, NULL, &e) < 0) {
		t->pid = -1;
		log_warning("timer-command %d: %s, ignoring", t->cmd->id, e->message);
		return 0;
	}
	log_debug("timer-command %d: started %d", t->cmd->id, (int)t->pid);
	return 0;
}

int timer_start(struct monitor *m, struct pea_error **err)
{
	const struct monitor_config *cfg = m->cfg;

	if (cfg->ntimers == 0 || m->timers)
		return 0;
	m->timers = xnew(struct timer_run, cfg->ntimers);
	for (size_t i = 0; i < cfg->ntimers; i++) {
		struct timer_run *t = &m->timers[i];
		uint64_t ms = (uint64_t)cfg->timers[i].interval * 1000;

		*t = (struct timer_run){ .m = m, .cmd = &cfg->timers[i], .pid = -1 };
		if (pea_loop_add_timer(m->loop, ms, ms, tick_cb, t, &t->w, err) < 0)
			return pea_error_wrap(err, "start timer-command %d", t->cmd->id);
	}
	return 0;
}

bool timer_child_exited(struct monitor *m, pid_t pid, int status)
{
	for (size_t i = 0; m->timers && i < m->cfg->ntimers; i++) {
		struct timer_run *t = &m->timers[i];

		if (t->pid <= 0 || t->pid != pid)
			continue;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			_cleanup_free_ char *how = pea_describe_wait_status(status);

			log_info("timer-command %d %s", t->cmd->id, how);
		}
		t->pid = -1;
		return true;
	}
	return false;
}

void timer_stop(struct monitor *m)
{
	for (size_t i = 0; m->timers && i < m->cfg->ntimers; i++) {
		_cleanup_error_ struct pea_error *e = NULL;
		struct timer_run *t = &m->timers[i];
		int status;

		if (t->w && m->loop)
			pea_loop_remove(m->loop, t->w);
		t->w = NULL;
		if (t->pid <= 0)
			continue;
		/* its own session: the command and what it started go together */
		if (kill(-t->pid, SIGKILL) < 0)
			kill(t->pid, SIGKILL);
		/* SIGKILL ends it soon: reap it, bounded */
		if (pea_wait(t->pid, -1, 2000, &status, &e) < 0)
			log_debug("timer-command %d: %s", t->cmd->id, e->message);
		t->pid = -1;
	}
	free(m->timers);
	m->timers = NULL;
}
