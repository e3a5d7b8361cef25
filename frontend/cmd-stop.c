/* stop, kill, wait (podman-stop(1), podman-kill(1), podman-wait(1)). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/process.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "frontend/commands.h"
#include "frontend/container.h"
#include "frontend/events.h"
#include "frontend/frontend.h"
#include "frontend/records.h"
#include "frontend/restart.h"

static int send_signal(struct global_options *g, const struct ctr_record *r, int sig,
		       struct pea_error **err)
{
	_cleanup_free_ char *num = xasprintf("%d", sig);
	const char *args[] = { "kill", r->id, num, NULL };

	return container_runtime(g, r, args, false, err);
}

/* pea stop's own: the warning below (run --replace, rm -f, pod stop say nothing) */
static bool stop_warn_sigkill;

/* Under its lock: the stop signal, SIGKILL after timeout seconds (< 0: its own). */
static int stop_running(struct global_options *g, struct ctr_record *r, long timeout,
			struct pea_error **err)
{
	const char *sig_name = NULL;
	int64_t t = 10;
	int sig = SIGTERM;

	/* a frozen container gets no signal: thaw it first (podman does too) */
	if (runtime_resume_paused(g, r, err) < 0)
		return -1;
	if (pea_json_get_string_opt(r->opts, "", "stop_signal", &sig_name, NULL) == 1 &&
	    pea_signal_from_string(sig_name) > 0)
		sig = pea_signal_from_string(sig_name);
	if (timeout < 0 && pea_json_get_int64_opt(r->opts, "", "stop_timeout", &t, NULL) == 1)
		timeout = t;
	if (timeout < 0)
		timeout = 10;
	/* the monitor writes the exit file before its exit command, which waits for our lock */
	if (timeout > 0 && send_signal(g, r, sig, NULL) == 0) {
		if (container_wait_exit(g, r->id, (int)(timeout * 1000), NULL) == 0)
			return 0;
		/* podman's words (050-stop): the stop signal was not enough */
		if (stop_warn_sigkill)
			log_warning("StopSignal SIG%s failed to stop container %s in %ld seconds, "
				    "resorting to SIGKILL",
				    sigabbrev_np(sig) ? sigabbrev_np(sig) : "?", r->name, timeout);
	}
	(void)send_signal(g, r, SIGKILL, NULL);
	return container_wait_exit(g, r->id, 10000, err);
}

int container_stop(struct global_options *g, const char *name, long timeout, struct pea_error **err)
{
	_cleanup_record_ struct ctr_record *r = NULL;
	_cleanup_close_ int lock = -1;
	bool removed = false, was_running;

	/* marked before the lock: a restart waiting for it sees the mark (restart.h) */
	if (record_lookup(g, name, &r, err) < 0)
		return -1;
	container_mark_stopped(g, r->id);
	r = ctr_record_free(r);
	if (record_lookup_locked(g, name, &r, &lock, err) < 0)
		return -1;
	/* again: a start that held the lock meanwhile cleared the marks */
	container_mark_stopped(g, r->id);
	was_running = r->state == CTR_RUNNING;
	if (was_running) {
		int rc;

		container_mark_stopping(g, r->id, true);
		rc = stop_running(g, r, timeout, err);
		container_mark_stopping(g, r->id, false);
		if (rc < 0)
			return pea_error_wrap(err, "stop container '%s'", name);
	}
	if (container_cleanup_locked(g, r, true, &removed, err) < 0)
		return -1;
	if (was_running)
		events_container(g, r, "stop");
	if (removed)
		lock = record_lock_drop(g, r->id, TAKE_FD(lock));
	return 0;
}

static const char stop_usage[] =
	"Usage: pea stop [OPTIONS] CONTAINER [CONTAINER...]\n"
	"\n"
	"Stop containers: the stop signal, then SIGKILL after the timeout.\n"
	"\n"
	"  -a, --all            every running container\n"
	"      --cidfile=FILE   the container whose ID is in FILE (repeatable)\n"
	"  -l, --latest         the container created last\n"
	"  -i, --ignore         pass over the names of containers that are not there,\n"
	"                       and the --cidfile files that are not there\n"
	"  -t, --time=SECS      seconds to wait before SIGKILL (default: the container's, 10)\n";

static char **all_running(struct global_options *g)
{
	struct ctr_record **v = NULL;
	char **ids = NULL;
	size_t n = 0;

	if (records_list(g, &v, &n, NULL) < 0)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		(void)record_refresh(g, v[i], NULL);
		if (v[i]->state == CTR_RUNNING)
			pea_strv_push(&ids, v[i]->id);
	}
	records_free(v, n);
	return ids;
}

int cmd_stop(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "all", no_argument, NULL, 'a' },
		{ "ignore", no_argument, NULL, 'i' },
		{ "time", required_argument, NULL, 't' },
		{ "timeout", required_argument, NULL, 't' },
		{ "cidfile", required_argument, NULL, 'C' },
		{ "latest", no_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_strv_ char **cidfiles = NULL;
	_cleanup_free_ char *latest = NULL;
	char **targets = NULL;
	long timeout = -1;
	bool all = false, ignore = false, use_latest = false;
	int r, c = 0, status = 0;

	optind = 0;
	while ((r = cmd_getopt(argc, argv, "hailt:", opts, stop_usage, &c, err)) == 2) {
		if (c == 'a')
			all = true;
		else if (c == 'l')
			use_latest = true;
		else if (c == 'i')
			ignore = true;
		else if (c == 'C')
			pea_strv_push(&cidfiles, optarg);
		else if (c == 't') {
			char *end = NULL;
			errno = 0;
			timeout = strtol(optarg, &end, 10);
			if (end == optarg || *end || errno || timeout < 0)
				return pea_error_new(err, EINVAL,
						     "invalid argument \"%s\" for "
						     "\"-t, --time\" flag: must be an "
						     "integer >= 0",
						     optarg);
		}
	}
	if (r < 0)
		return -1;
	if (r == 1)
		return 0;
	stop_warn_sigkill = true;
	if (cidfiles && (all || use_latest))
		return pea_error_new(err, EINVAL,
				     "--all, --latest, and --cidfile cannot be used together");
	if (cidfiles && optind < argc)
		return pea_error_new(err, EINVAL, "no arguments are needed with --cidfile");
	if (use_latest && all)
		return pea_error_new(err, EINVAL, "--all and --latest cannot be used together");
	if (use_latest && optind < argc)
		return pea_error_new(err, EINVAL,
				     "--latest and containers cannot be used together");
	if (use_latest) {
		if (container_latest(g, &latest, err) < 0)
			return -1;
		pea_strv_push(&targets, latest);
		all = true; /* the list to go through is targets */
	} else if (cidfiles) {
		for (size_t i = 0; cidfiles[i]; i++)
			if (container_read_cidfile(cidfiles[i], ignore, &targets, err) < 0) {
				pea_strv_free(targets);
				return -1;
			}
		all = true; /* the list to go through is targets */
	} else if (all)
		targets = all_running(g);
	else if (optind >= argc)
		return pea_error_new(err, EINVAL,
				     "you must provide at least one container name or id");
	for (size_t i = 0; all ? targets && targets[i] : (int)i < argc - optind; i++) {
		const char *name = all ? targets[i] : argv[optind + (int)i];
		_cleanup_error_ struct pea_error *e = NULL;

		if (container_stop(g, name, timeout, &e) < 0) {
			if (ignore && e->code == ENOENT)
				continue;
			fprintf(stderr, "Error: %s\n", e->message);
			status = PEA_EXIT_ENGINE; /* podman's, a missing name too (050-stop) */
			continue;
		}
		printf("%s\n", name);
	}
	pea_strv_free(targets);
	return status;
}

static const char kill_usage[] =
	"Usage: pea kill [OPTIONS] CONTAINER [CONTAINER...]\n"
	"\n"
	"Send a signal to running containers.\n"
	"\n"
	"  -a, --all             every running container\n"
	"  -l, --latest          the container created last\n"
	"  -s, --signal=SIGNAL   the signal (default SIGKILL): a number, or a name\n"
	"                        with or without SIG; a leading '-' is dropped\n";

/*
 * podman's util.ParseSignal: one leading '-' dropped ("-HUP", "-1"), a number
 * as it is, a name with or without SIG; then only 1 through 64.
 */
int container_parse_signal(const char *arg, int *ret, struct pea_error **err)
{
	const char *s = arg[0] == '-' ? arg + 1 : arg;
	char *end = NULL;
	long long n;
	int sig;

	errno = 0;
	n = strtoll(s, &end, 10);
	if (*s && !isspace((unsigned char)*s) && *end == '\0' && errno == 0) {
		if (n == 0)
			return pea_error_new(err, EINVAL, "invalid signal: %s", s);
		if (n < 1 || n > 64)
			return pea_error_new(err, EINVAL, "valid signals are 1 through 64");
		*ret = (int)n;
		return 0;
	}
	sig = pea_signal_from_string(s);
	if (sig <= 0 || (s[0] >= '0' && s[0] <= '9'))
		return pea_error_new(err, EINVAL, "invalid signal: %s", s);
	if (sig > 64)
		return pea_error_new(err, EINVAL, "valid signals are 1 through 64");
	*ret = sig;
	return 0;
}

/* Signal one container; prints what names it (the argument, or the ID with --all). */
static int kill_one(struct global_options *g, const char *name, int sig, struct pea_error **err)
{
	_cleanup_record_ struct ctr_record *rec = NULL;

	if (record_lookup(g, name, &rec, err) < 0)
		return -1;
	(void)record_refresh(g, rec, NULL);
	if (rec->state != CTR_RUNNING)
		return pea_error_new(err, EINVAL,
				     "can only kill running containers. %s is in state %s: "
				     "container state improper",
				     rec->id, ctr_state_name(rec->state));
	container_mark_stopped(g, rec->id);
	/* no lock: a kill must get through a stop's long timeout */
	if (send_signal(g, rec, sig, err) < 0)
		return -1;
	events_container(g, rec, "kill");
	return 0;
}

int cmd_kill(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "all", no_argument, NULL, 'a' },
		{ "latest", no_argument, NULL, 'l' },
		{ "signal", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_strv_ char **targets = NULL;
	bool all = false, latest = false;
	int r, c = 0, sig = SIGKILL, status = 0;

	optind = 0;
	while ((r = cmd_getopt(argc, argv, "hals:", opts, kill_usage, &c, err)) == 2) {
		if (c == 'a')
			all = true;
		else if (c == 'l')
			latest = true;
		else if (container_parse_signal(optarg, &sig, err) < 0)
			return -1;
	}
	if (r < 0)
		return -1;
	if (r == 1)
		return 0;
	if ((all || latest) && optind < argc)
		return pea_error_new(err, EINVAL,
				     "--all, --latest and containers cannot be used together");
	if (all && latest)
		return pea_error_new(err, EINVAL, "--all and --latest cannot be used together");
	if (all) {
		targets = all_running(g);
	} else if (latest) {
		char *id = NULL;
		if (container_latest(g, &id, err) < 0)
			return -1;
		pea_strv_push_take(&targets, id);
	} else if (optind >= argc) {
		return pea_error_new(err, EINVAL,
				     "you must provide at least one container name or id");
	} else {
		targets = pea_strv_copy(argv + optind);
	}
	for (size_t i = 0; targets && targets[i]; i++) {
		_cleanup_error_ struct pea_error *e = NULL;

		if (kill_one(g, targets[i], sig, &e) < 0) {
			if (!targets[i + 1] && status == 0) {
				*err = TAKE_PTR(e);
				return -1;
			}
			fprintf(stderr, "Error: %s\n", e->message);
			status = PEA_EXIT_ENGINE;
			continue;
		}
		printf("%s\n", targets[i]);
	}
	return status;
}

static bool exit_code_file(const struct global_options *g, const char *id, int *ret)
{
	_cleanup_free_ char *f = record_exit_file(g, id), *buf = NULL;
	size_t len;

	if (pea_read_file_at(AT_FDCWD, f, 64, &buf, &len, NULL) < 0 || len == 0)
		return false;
	*ret = atoi(buf);
	return true;
}

/* wait --condition: the states pea can wait for, as podman names them */
enum wait_cond { WAIT_STOPPED, WAIT_RUNNING, WAIT_CREATED, WAIT_PAUSED };

static int parse_condition(const char *s, unsigned *conds, struct pea_error **err)
{
	static const struct {
		const char *name;
		enum wait_cond cond;
	} names[] = { { "stopped", WAIT_STOPPED },    { "exited", WAIT_STOPPED },
		      { "running", WAIT_RUNNING },    { "created", WAIT_CREATED },
		      { "configured", WAIT_CREATED }, { "paused", WAIT_PAUSED } };

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (strcmp(s, names[i].name) == 0) {
			*conds |= 1u << names[i].cond;
			return 0;
		}
	if (strcmp(s, "healthy") == 0 || strcmp(s, "unhealthy") == 0 ||
	    strcmp(s, "initialized") == 0 || strcmp(s, "removing") == 0 ||
	    strcmp(s, "stopping") == 0)
		return pea_error_new(err, ENOTSUP, "--condition %s: pea cannot wait for it", s);
	return pea_error_new(err, EINVAL,
			     "invalid condition \"%s\": use stopped, exited, running, created, "
			     "configured or paused",
			     s);
}

static bool condition_met(const struct ctr_record *r, unsigned conds)
{
	return ((conds & (1u << WAIT_RUNNING)) && r->state == CTR_RUNNING && !r->paused) ||
	       ((conds & (1u << WAIT_CREATED)) && r->state == CTR_CREATED) ||
	       ((conds & (1u << WAIT_PAUSED)) && r->state == CTR_RUNNING && r->paused) ||
	       ((conds & (1u << WAIT_STOPPED)) && r->state != CTR_RUNNING);
}

/* Poll the record until one of the conditions holds (not an exit: no exit file to watch). */
static int wait_condition(struct global_options *g, const char *name, unsigned conds,
			  long interval_ms, struct pea_error **err)
{
	for (;;) {
		_cleanup_record_ struct ctr_record *rec = NULL;
		struct timespec ts = { interval_ms / 1000, (interval_ms % 1000) * 1000000L };

		if (record_lookup(g, name, &rec, err) < 0)
			return -1;
		(void)record_refresh(g, rec, NULL);
		if (condition_met(rec, conds))
			return 0;
		nanosleep(&ts, NULL);
	}
}

/* The default wait: until it exited, then its exit code. */
static int wait_exit(struct global_options *g, const char *name, struct pea_error **err)
{
	_cleanup_record_ struct ctr_record *rec = NULL;

	if (record_lookup(g, name, &rec, err) < 0)
		return -1;
	(void)record_refresh(g, rec, NULL);
	if (rec->state == CTR_RUNNING) {
		_cleanup_error_ struct pea_error *e = NULL;
		if (container_wait_exit(g, rec->id, -1, &e) < 0) {
			/* removed by its exit command (--rm): the exit file stays */
			if (e->code != ENOENT || !exit_code_file(g, rec->id, &rec->exit_code)) {
				*err = TAKE_PTR(e);
				return -1;
			}
			rec->state = CTR_EXITED;
		}
		record_sync_exit(g, rec);
	}
	printf("%d\n", rec->state == CTR_CREATED ? 0 : rec->exit_code);
	return 0;
}

int cmd_wait(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "condition", required_argument, NULL, 'c' },
		{ "interval", required_argument, NULL, 'i' },
		{ "latest", no_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_free_ char *latest = NULL;
	char *latest_argv[2] = { NULL, NULL };
	unsigned conds = 0;
	long interval_ms = 250;
	bool use_latest = false;
	int r, c = 0;

	optind = 0;
	while ((r = cmd_getopt(argc, argv, "hi:l", opts,
			       "Usage: pea wait [OPTIONS] CONTAINER [CONTAINER...]\n\n"
			       "Wait for containers to exit; print their exit codes.\n\n"
			       "      --condition=STATE  stopped (default; exited is the same), "
			       "running,\n"
			       "                         created (configured), paused; repeatable: "
			       "any\n"
			       "  -i, --interval=MS      how often the others than stopped are "
			       "checked (250)\n"
			       "  -l, --latest           the container created last\n",
			       &c, err)) == 2) {
		if (c == 'l')
			use_latest = true;
		if (c == 'c' && parse_condition(optarg, &conds, err) < 0)
			return -1;
		if (c == 'i') {
			char *end = NULL;
			errno = 0;
			interval_ms = strtol(optarg, &end, 10);
			/* podman takes a duration too ("250ms", "1s") */
			if (end != optarg && strcmp(end, "s") == 0) {
				interval_ms *= 1000;
				end++;
			} else if (end != optarg && strcmp(end, "ms") == 0) {
				end += 2;
			}
			if (end == optarg || *end || errno || interval_ms <= 0 ||
			    interval_ms > 3600000)
				return pea_error_new(
					err, EINVAL,
					"invalid argument \"%s\" for \"-i, --interval\" "
					"flag: milliseconds, or a duration (1s, 250ms)",
					optarg);
		}
	}
	if (r < 0)
		return -1;
	if (r == 1)
		return 0;
	if (use_latest && optind < argc)
		return pea_error_new(err, EINVAL,
				     "--latest and containers cannot be used together");
	if (use_latest) {
		if (container_latest(g, &latest, err) < 0)
			return -1;
		latest_argv[0] = latest;
		argv = latest_argv;
		argc = 1;
		optind = 0;
	}
	if (optind >= argc)
		return pea_error_new(err, EINVAL,
				     "you must provide at least one container name or id");
	for (int i = optind; i < argc; i++) {
		_cleanup_record_ struct ctr_record *rec = NULL;

		/* only stopped (the default): the exit file, no polling */
		if ((conds & ~(1u << WAIT_STOPPED)) == 0) {
			if (wait_exit(g, argv[i], err) < 0)
				return -1;
			continue;
		}
		if (wait_condition(g, argv[i], conds, interval_ms, err) < 0 ||
		    record_lookup(g, argv[i], &rec, err) < 0)
			return -1;
		(void)record_refresh(g, rec, NULL);
		/* podman's: the exit code of an exit, -1 for another state */
		if ((conds & (1u << WAIT_STOPPED)) && rec->state != CTR_RUNNING) {
			if (wait_exit(g, argv[i], err) < 0)
				return -1;
		} else {
			printf("-1\n");
		}
	}
	return 0;
}
