/* rm and container cleanup (podman-rm(1), podman-container-cleanup(1)). */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "frontend/commands.h"
#include "frontend/container.h"
#include "frontend/frontend.h"
#include "frontend/records.h"
#include "frontend/restart.h"

/* 1: no such container, 2: running without --force, 125: other (podman-rm(1)). */
static int rm_one(struct global_options *g, const char *name, bool force, int *ret_status,
		  struct pea_error **err)
{
	_cleanup_record_ struct ctr_record *r = NULL, *fresh = NULL;
	_cleanup_close_ int lock = -1;

	if (record_lookup(g, name, &r, err) < 0) {
		*ret_status = (*err)->code == ENOENT ? 1 : PEA_EXIT_ENGINE;
		return -1;
	}
	container_mark_stopped(g, r); /* no restart by its policy (restart.h) */
	(void)record_refresh(g, r, NULL);
	if (r->state == CTR_RUNNING) {
		const char *args[] = { "kill", r->id, "9", NULL };
		if (!force) {
			*ret_status = 2;
			return pea_error_new(
				err, EBUSY,
				"cannot remove container %s as it is running - running or "
				"paused containers cannot be removed without force: "
				"container state improper",
				r->id);
		}
		(void)container_runtime(g, r, args, true, NULL);
		/* SIGKILL stays pending in a frozen cgroup until it is thawed */
		if (runtime_resume_paused(g, r, err) < 0 ||
		    container_wait_exit(g, r->id, 10000, err) < 0) {
			*ret_status = PEA_EXIT_ENGINE;
			return -1;
		}
	}
	if (records_lock(g, &lock, err) < 0 || record_load(g, r->id, &fresh, err) < 0) {
		*ret_status = PEA_EXIT_ENGINE;
		return -1;
	}
	record_sync_exit(g, fresh);
	if (fresh->state == CTR_RUNNING) {
		*ret_status = 2;
		return pea_error_new(err, EBUSY, "container %s was started again meanwhile", r->id);
	}
	if (container_remove(g, fresh, err) < 0) {
		*ret_status = PEA_EXIT_ENGINE;
		return -1;
	}
	return 0;
}

/* With --force, SIGKILL every running target first, so that their ends overlap. */
static void kill_all(struct global_options *g, char **targets)
{
	for (size_t i = 0; targets && targets[i]; i++) {
		_cleanup_record_ struct ctr_record *r = NULL;
		const char *args[] = { "kill", NULL, "9", NULL };

		if (record_lookup(g, targets[i], &r, NULL) < 0)
			continue;
		container_mark_stopped(g, r);
		(void)record_refresh(g, r, NULL);
		if (r->state != CTR_RUNNING)
			continue;
		args[1] = r->id;
		(void)container_runtime(g, r, args, true, NULL);
		(void)runtime_resume_paused(g, r, NULL);
	}
}

static const char rm_usage[] = "Usage: pea rm [OPTIONS] CONTAINER [CONTAINER...]\n"
			       "\n"
			       "Remove containers.\n"
			       "\n"
			       "  -a, --all      every container\n"
			       "  -f, --force    kill running containers first\n"
			       "  -i, --ignore   ignore containers that do not exist\n";

int cmd_rm(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	struct switches o;
	_cleanup_strv_ char **targets = NULL;
	int r, status = 0;

	r = cmd_switches(argc, argv, "afi", rm_usage, &o, err);
	if (r < 0)
		return -1;
	if (r == 1)
		return 0;
	if (o.all) {
		struct ctr_record **v = NULL;
		size_t n = 0;
		if (records_list(g, &v, &n, err) < 0)
			return -1;
		for (size_t i = 0; i < n; i++)
			pea_strv_push(&targets, v[i]->id);
		records_free(v, n);
	} else if (optind >= argc) {
		return pea_error_new(err, EINVAL,
				     "you must provide at least one container name or id");
	} else {
		for (int i = optind; i < argc; i++)
			pea_strv_push(&targets, argv[i]);
	}
	if (o.force)
		kill_all(g, targets);
	for (size_t i = 0; targets && targets[i]; i++) {
		_cleanup_error_ struct pea_error *e = NULL;
		int st = 0;

		if (rm_one(g, targets[i], o.force, &st, &e) < 0) {
			if (o.ignore && st == 1)
				continue;
			fprintf(stderr, "Error: %s\n", e->message);
			if (status == 0 || st > status)
				status = st;
			continue;
		}
		printf("%s\n", targets[i]);
	}
	return status;
}

int cmd_cleanup(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "rm", no_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	bool rm = false;
	int r, c = 0;

	optind = 0;
	while ((r = cmd_getopt(argc, argv, "h", opts,
			       "Usage: pea container cleanup [--rm] CONTAINER [CONTAINER...]\n\n"
			       "Clean up after containers that exited: unmount their root, delete\n"
			       "the runtime's state, and with --rm remove those made with --rm.\n"
			       "pea-monitor runs it as the exit command.\n",
			       &c, err)) == 2)
		rm = true;
	if (r < 0)
		return -1;
	if (r == 1)
		return 0;
	if (optind >= argc)
		return pea_error_new(err, EINVAL,
				     "you must provide at least one container name or id");
	for (int i = optind; i < argc; i++) {
		_cleanup_record_ struct ctr_record *rec = NULL;
		_cleanup_error_ struct pea_error *e = NULL;

		/* The exit command passes the full id; a removed container is done. */
		if (record_lookup(g, argv[i], &rec, &e) < 0) {
			if (e->code == ENOENT && strlen(argv[i]) == 64)
				continue;
			*err = TAKE_PTR(e);
			return -1;
		}
		/* and a restart when its policy asks for one (restart.h) */
		if (container_cleanup_exit(g, rec->id, rm, err) < 0)
			return -1;
	}
	return 0;
}
