/* --restart policies, honoured by the exit command (restart.h). */
#include <errno.h>
#include <fcntl.h>
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
#include "lib/lock.h"
#include "lib/log.h"
#include "lib/xalloc.h"
#include "frontend/container.h"
#include "frontend/frontend.h"
#include "frontend/records.h"
#include "frontend/restart.h"

#define RETRIES_MAX 1000000

int restart_parse(const char *arg, struct json_object *opts, struct pea_error **err)
{
	const char *colon = strchr(arg, ':');
	_cleanup_free_ char *name = colon ? xstrndup(arg, (size_t)(colon - arg)) : xstrdup(arg);
	long retries = 0;

	if (strcmp(name, "no") != 0 && strcmp(name, "on-failure") != 0 &&
	    strcmp(name, "always") != 0 && strcmp(name, "unless-stopped") != 0)
		return pea_error_new(
			err, EINVAL,
			"invalid restart policy \"%s\": use no, on-failure[:N], always "
			"or unless-stopped",
			arg);
	if (colon) {
		char *end = NULL;
		if (strcmp(name, "on-failure") != 0)
			return pea_error_new(err, EINVAL,
					     "restart policy retries can only be specified with "
					     "on-failure: \"%s\"",
					     arg);
		errno = 0;
		retries = strtol(colon + 1, &end, 10);
		if (end == colon + 1 || *end || errno || retries < 0 || retries > RETRIES_MAX)
			return pea_error_new(err, EINVAL,
					     "invalid restart policy \"%s\": the retries must be a "
					     "number from 0 to %d",
					     arg, RETRIES_MAX);
	}
	json_object_object_add(opts, "restart_policy", json_object_new_string(name));
	json_object_object_add(opts, "restart_retries", json_object_new_int((int)retries));
	return 0;
}

int restart_check_rm(struct json_object *opts, bool rm, struct pea_error **err)
{
	const char *p = NULL;

	if (rm && pea_json_get_string_opt(opts, "", "restart_policy", &p, NULL) == 1 &&
	    strcmp(p, "no") != 0)
		return pea_error_new(err, EINVAL,
				     "the --rm option conflicts with --restart, when the "
				     "restartPolicy is not \"\" and \"no\"");
	return 0;
}

const char *restart_policy(const struct ctr_record *r, int *ret_retries)
{
	const char *p = NULL;
	int retries = 0;

	if (pea_json_get_string_opt(r->opts, "", "restart_policy", &p, NULL) != 1)
		p = "no";
	(void)pea_json_get_int_opt(r->opts, "", "restart_retries", &retries, NULL);
	if (ret_retries)
		*ret_retries = retries;
	return p;
}

static char *mark_path(const struct global_options *g, const char *id, const char *name)
{
	_cleanup_free_ char *dir = record_dir(g, id);

	return xasprintf("%s/%s", dir, name);
}

static bool has_mark(const struct global_options *g, const char *id, const char *name)
{
	_cleanup_free_ char *p = mark_path(g, id, name);

	return pea_path_exists_at(AT_FDCWD, p);
}

void container_mark_stopped(const struct global_options *g, const char *id)
{
	_cleanup_free_ char *dir = record_dir(g, id), *p = mark_path(g, id, "stopped");

	if (pea_path_exists_at(AT_FDCWD, dir))
		(void)pea_write_file_at(AT_FDCWD, p, "1", NULL);
}

void container_mark_attached(const struct global_options *g, const char *id, bool on)
{
	_cleanup_free_ char *p = mark_path(g, id, "attached");

	if (on)
		(void)pea_write_file_at(AT_FDCWD, p, "1", NULL);
	else
		(void)unlink(p);
}

void container_mark_cleaner(const struct global_options *g, const char *id)
{
	_cleanup_free_ char *p = mark_path(g, id, "cleaner");
	_cleanup_free_ char *pid = xasprintf("%d", (int)getpid());

	(void)pea_write_file_at(AT_FDCWD, p, pid, NULL);
}

char *container_cleaner_mark(const struct global_options *g, const char *id)
{
	return mark_path(g, id, "cleaner");
}

void container_clear_marks(const struct global_options *g, const char *id)
{
	static const char *const marks[] = { "stopped", "attached", "detached", "cleaner" };

	for (size_t i = 0; i < ARRAY_SIZE(marks); i++) {
		_cleanup_free_ char *p = mark_path(g, id, marks[i]);
		(void)unlink(p);
	}
}

/*
 * The wait before a restart (restart.h): 100 ms after a run of 10 s or more
 * (or the first time), else twice the last one, at most RESTART_DELAY_MAX_MS.
 */
static int next_delay(const struct ctr_record *r)
{
	double ran = -1;
	int d;

	if (r->started_at && r->finished_at)
		ran = frontend_parse_time(r->finished_at) - frontend_parse_time(r->started_at);
	if (r->restart_delay_ms <= 0 || ran >= RESTART_RESET_S)
		return RESTART_DELAY_MIN_MS;
	d = r->restart_delay_ms * 2;
	return d > RESTART_DELAY_MAX_MS ? RESTART_DELAY_MAX_MS : d;
}

/* Under the lock: does the policy want a restart of this exit? Counts it when so. */
static int decide(struct global_options *g, struct ctr_record *r, bool from_exit_command,
		  int *ret_delay, struct pea_error **err)
{
	const char *policy;
	int retries = 0;

	*ret_delay = -1;
	record_sync_exit(g, r);
	policy = restart_policy(r, &retries);
	if (r->state != CTR_EXITED || strcmp(policy, "no") == 0 || r->rm ||
	    has_mark(g, r->id, "stopped") || (from_exit_command && has_mark(g, r->id, "attached")))
		return 0;
	/* each exit is restarted from once (the exit command and a foreground run may both ask) */
	if (r->restarted_from && r->finished_at && strcmp(r->restarted_from, r->finished_at) == 0)
		return 0;
	if (strcmp(policy, "on-failure") == 0 &&
	    (r->exit_code == 0 || (retries > 0 && r->restart_count >= retries)))
		return 0;
	r->restart_count++;
	r->restart_delay_ms = next_delay(r);
	free(r->restarted_from);
	r->restarted_from = xstrdup(r->finished_at ? r->finished_at : "");
	if (record_save_state(g, r, err) < 0)
		return -1;
	*ret_delay = r->restart_delay_ms;
	return 0;
}

/*
 * Wait delay_ms before a restart, without the lock: false when the container
 * was stopped or removed meanwhile (then the wait ends at once).
 */
static bool backoff(const struct global_options *g, const char *id, int delay_ms)
{
	_cleanup_free_ char *dir = record_dir(g, id);
	struct timespec step = { 0, 20 * 1000000L };

	for (int waited = 0;; waited += 20) {
		if (!pea_path_exists_at(AT_FDCWD, dir) || has_mark(g, id, "stopped"))
			return false;
		if (waited >= delay_ms)
			return true;
		(void)nanosleep(&step, NULL);
	}
}

static int restart_after(struct global_options *g, const char *id, int delay_ms,
			 struct pea_error **err)
{
	int code = 0;

	if (delay_ms < 0 || !backoff(g, id, delay_ms))
		return 0;
	log_debug("restarting container %s (its restart policy) after %d ms", id, delay_ms);
	if (container_start_restart(g, id, &code, err) < 0)
		return pea_error_wrap(err, "restarting container %s", id);
	return 0;
}

/* The container's record under its lock; *ret NULL when it is gone. */
static int load_locked(const struct global_options *g, const char *id, struct ctr_record **ret,
		       int *ret_lock, struct pea_error **err)
{
	_cleanup_error_ struct pea_error *e = NULL;
	_cleanup_close_ int lock = -1;

	*ret = NULL;
	if (record_lock(g, id, false, &lock, err) < 0)
		return -1;
	if (record_load(g, id, ret, &e) < 0) {
		if (e->code != ENOENT) {
			*err = TAKE_PTR(e);
			return -1;
		}
		lock = record_lock_drop(g, id, TAKE_FD(lock));
		return 0;
	}
	*ret_lock = TAKE_FD(lock);
	return 0;
}

int container_maybe_restart(struct global_options *g, const char *id, bool from_exit_command,
			    struct pea_error **err)
{
	_cleanup_record_ struct ctr_record *r = NULL;
	_cleanup_close_ int lock = -1;
	int delay = -1;

	if (load_locked(g, id, &r, &lock, err) < 0)
		return -1;
	if (!r)
		return 0;
	if (decide(g, r, from_exit_command, &delay, err) < 0)
		return -1;
	lock = pea_unlock(lock);
	return restart_after(g, id, delay, err);
}

int container_cleanup_exit(struct global_options *g, const char *id, bool remove_rm,
			   struct pea_error **err)
{
	_cleanup_record_ struct ctr_record *r = NULL;
	_cleanup_close_ int lock = -1;
	bool removed = false;
	int delay = -1;

	if (load_locked(g, id, &r, &lock, err) < 0)
		return -1;
	if (!r)
		return 0;
	if (container_cleanup_locked(g, r, remove_rm, &removed, err) < 0)
		return -1;
	if (removed) {
		lock = record_lock_drop(g, id, TAKE_FD(lock));
		return 0;
	}
	if (decide(g, r, true, &delay, err) < 0)
		return -1;
	lock = pea_unlock(lock);
	return restart_after(g, id, delay, err);
}
