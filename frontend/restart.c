/* --restart policies, honoured by the exit command (restart.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/json.h"
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

void container_mark_stopped(const struct global_options *g, struct ctr_record *r)
{
	_cleanup_free_ char *dir = record_dir(g, r->id), *p = mark_path(g, r->id, "stopped");
	_cleanup_record_ struct ctr_record *fresh = NULL;
	_cleanup_close_ int lock = -1;
	struct ctr_record tmp;

	if (!pea_path_exists_at(AT_FDCWD, dir))
		return;
	(void)pea_write_file_at(AT_FDCWD, p, "1", NULL);
	/* a restart under way (it holds the lock) is over once we have it: see its state */
	if (records_lock(g, &lock, NULL) < 0 || record_load(g, r->id, &fresh, NULL) < 0)
		return;
	tmp = *r;
	*r = *fresh;
	*fresh = tmp;
}

void container_mark_attached(const struct global_options *g, const char *id, bool on)
{
	_cleanup_free_ char *p = mark_path(g, id, "attached");

	if (on)
		(void)pea_write_file_at(AT_FDCWD, p, "1", NULL);
	else
		(void)unlink(p);
}

void container_clear_marks(const struct global_options *g, const char *id)
{
	static const char *const marks[] = { "stopped", "attached", "detached" };

	for (size_t i = 0; i < ARRAY_SIZE(marks); i++) {
		_cleanup_free_ char *p = mark_path(g, id, marks[i]);
		(void)unlink(p);
	}
}

/* Under the lock: does the policy want a restart of this exit? Counts it when so. */
static int decide(struct global_options *g, const char *id, bool from_exit_command, bool *ret,
		  struct pea_error **err)
{
	_cleanup_record_ struct ctr_record *r = NULL;
	_cleanup_error_ struct pea_error *e = NULL;
	_cleanup_close_ int lock = -1;
	const char *policy;
	int retries = 0;

	*ret = false;
	if (records_lock(g, &lock, err) < 0)
		return -1;
	if (record_load(g, id, &r, &e) < 0)
		return e->code == ENOENT ? 0 : (*err = TAKE_PTR(e), -1);
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
	free(r->restarted_from);
	r->restarted_from = xstrdup(r->finished_at ? r->finished_at : "");
	if (record_save(g, r, err) < 0)
		return -1;
	*ret = true;
	return 0;
}

int container_maybe_restart(struct global_options *g, const char *id, bool from_exit_command,
			    struct pea_error **err)
{
	bool again = false;
	int code = 0;

	if (decide(g, id, from_exit_command, &again, err) < 0)
		return -1;
	if (!again)
		return 0;
	log_debug("restarting container %s (its restart policy)", id);
	if (container_start_restart(g, id, &code, err) < 0)
		return pea_error_wrap(err, "restarting container %s", id);
	return 0;
}

int container_cleanup_exit(struct global_options *g, const char *id, bool remove_rm,
			   struct pea_error **err)
{
	if (container_cleanup(g, id, remove_rm, err) < 0)
		return -1;
	return container_maybe_restart(g, id, true, err);
}
