/* pause, unpause: freeze and thaw containers (podman-pause(1), podman-unpause(1)). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/json.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "frontend/commands.h"
#include "frontend/container.h"
#include "frontend/events.h"
#include "frontend/frontend.h"
#include "frontend/records.h"

/* The runtime's "status" of a running container ("running", "paused", ...); new string. */
int runtime_status(const struct global_options *g, const struct ctr_record *r, char **ret,
		   struct pea_error **err)
{
	_cleanup_strv_ char **argv = NULL;
	_cleanup_json_ struct json_object *j = NULL;
	struct run_result res = { 0 };
	const char *st = NULL;
	int rc = -1;

	pea_strv_push(&argv, r->runtime ? r->runtime : g->runtime);
	frontend_push_runtime_flags(g, &argv, false);
	pea_strv_push_take(&argv, xasprintf("--root=%s/runtime", g->runroot));
	pea_strv_push(&argv, "state");
	pea_strv_push(&argv, r->id);
	if (frontend_run_capture(argv, -1, &res, err) < 0)
		return -1;
	if (!WIFEXITED(res.status) || WEXITSTATUS(res.status) != 0) {
		const char *m = res.errtxt && *res.errtxt ? res.errtxt : "failed";
		const char *last = strrchr(m, '\n');
		pea_error_new(err, EIO, "OCI runtime state: %s", last ? last + 1 : m);
		goto out;
	}
	if (pea_json_parse(res.out, res.len, "OCI runtime state", &j, err) < 0 || !j ||
	    pea_json_get_string_req(j, "", "status", &st, err) < 0)
		goto out;
	*ret = xstrdup(st);
	rc = 0;
out:
	run_result_clear(&res);
	return rc;
}

void record_note_paused(const struct global_options *g, struct ctr_record *r)
{
	/*
	 * pause and unpause keep it in the record (as podman's database does),
	 * so ps and inspect ask the runtime nothing; a mark left from before the
	 * container last ended means nothing.
	 */
	r->paused = r->paused && r->state == CTR_RUNNING;
}

int runtime_resume_paused(struct global_options *g, const struct ctr_record *r,
			  struct pea_error **err)
{
	_cleanup_free_ char *st = NULL;
	const char *args[] = { "resume", r->id, NULL };

	if (r->state != CTR_RUNNING || runtime_status(g, r, &st, NULL) < 0 ||
	    strcmp(st, "paused") != 0)
		return 0;
	return container_runtime(g, r, args, false, err);
}

/* Pause (or resume) one container; its state must be running (paused). */
static int pause_one(struct global_options *g, const char *name, bool pause, struct pea_error **err)
{
	_cleanup_record_ struct ctr_record *r = NULL;
	_cleanup_free_ char *st = NULL;
	_cleanup_close_ int lock = -1;
	const char *args[] = { pause ? "pause" : "resume", NULL, NULL };

	if (record_lookup_locked(g, name, &r, &lock, err) < 0)
		return -1;
	if (r->state == CTR_RUNNING && runtime_status(g, r, &st, NULL) < 0)
		st = xstrdup("stopped");
	if (pause && (r->state != CTR_RUNNING || strcmp(st, "running") != 0))
		return pea_error_new(err, EINVAL,
				     "\"%s\" is not running, can't pause: container state improper",
				     name);
	if (!pause && (r->state != CTR_RUNNING || strcmp(st, "paused") != 0))
		return pea_error_new(
			err, EINVAL,
			"\"%s\" is not paused, can't unpause: container state improper", name);
	args[1] = r->id;
	if (container_runtime(g, r, args, false, err) < 0)
		return -1;
	r->paused = pause;
	if (record_save_state(g, r, err) < 0)
		return -1;
	events_container(g, r, pause ? "pause" : "unpause");
	return 0;
}

/* Running containers that the runtime has (not) paused. */
static bool is_status(const struct global_options *g, struct ctr_record *r, const char *want)
{
	_cleanup_free_ char *st = NULL;

	(void)record_refresh(g, r, NULL);
	return r->state == CTR_RUNNING && runtime_status(g, r, &st, NULL) == 0 &&
	       strcmp(st, want) == 0;
}

static bool is_running(const struct global_options *g, struct ctr_record *r)
{
	return is_status(g, r, "running");
}

static bool is_paused(const struct global_options *g, struct ctr_record *r)
{
	return is_status(g, r, "paused");
}

static int do_pause(struct global_options *g, const char *name, void *data, struct pea_error **err)
{
	return pause_one(g, name, true, err);
}

static int do_unpause(struct global_options *g, const char *name, void *data,
		      struct pea_error **err)
{
	return pause_one(g, name, false, err);
}

static int pause_cmd(struct global_options *g, int argc, char **argv, bool pause,
		     struct pea_error **err)
{
	struct switches o;
	_cleanup_strv_ char **targets = NULL;
	_cleanup_free_ char *usage = NULL;
	int r;

	usage = xasprintf("Usage: pea %s [OPTIONS] CONTAINER [CONTAINER...]\n"
			  "\n"
			  "%s all processes in one or more containers.\n"
			  "\n"
			  "  -a, --all   every %s container\n",
			  argv[0], pause ? "Pause" : "Unpause", pause ? "running" : "paused");
	r = cmd_switches(argc, argv, "a", usage, &o, err);
	if (r < 0)
		return -1;
	if (r == 1)
		return 0;
	if (check_all_or_names(o.all, argc - optind, err) < 0)
		return -1;
	if (o.all && containers_pick(g, pause ? is_running : is_paused, &targets, err) < 0)
		return -1;
	for (int i = optind; i < argc; i++)
		pea_strv_push(&targets, argv[i]);
	return for_each_target(
		g, targets,
		&(struct each_opts){ .act = pause ? do_pause : do_unpause, .print = true }, NULL,
		err);
}

int cmd_pause(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	return pause_cmd(g, argc, argv, true, err);
}

int cmd_unpause(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	return pause_cmd(g, argc, argv, false, err);
}
