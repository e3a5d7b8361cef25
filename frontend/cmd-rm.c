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

struct rm_opts {
	bool force, volumes;
	long time; /* -t: stop with this timeout before the kill; < 0: kill at once */
};

/* Kill it and wait for its end (the exit command then waits for our lock). */
static int kill_running(struct global_options *g, struct ctr_record *r, struct pea_error **err)
{
	const char *args[] = { "kill", r->id, "9", NULL };

	(void)container_runtime(g, r, args, true, NULL);
	/* SIGKILL stays pending in a frozen cgroup until it is thawed */
	if (runtime_resume_paused(g, r, err) < 0 || container_wait_exit(g, r->id, 10000, err) < 0)
		return -1;
	record_sync_exit(g, r);
	return 0;
}

/* 1: no such container, 2: running without --force, 125: other (podman-rm(1)). */
static int rm_one(struct global_options *g, const char *name, const struct rm_opts *o,
		  int *ret_status, struct pea_error **err)
{
	_cleanup_record_ struct ctr_record *r = NULL;
	_cleanup_close_ int lock = -1;

	if (record_lookup_locked(g, name, &r, &lock, err) < 0) {
		*ret_status = (*err)->code == ENOENT ? 1 : PEA_EXIT_ENGINE;
		return -1;
	}
	if (r->state == CTR_RUNNING) {
		if (!o->force) {
			*ret_status = 2;
			return pea_error_new(
				err, EBUSY,
				"cannot remove container %s as it is running - running or "
				"paused containers cannot be removed without force: "
				"container state improper",
				r->id);
		}
		container_mark_stopped(g, r->id); /* no restart by its policy (restart.h) */
		if (kill_running(g, r, err) < 0) {
			*ret_status = PEA_EXIT_ENGINE;
			return -1;
		}
	}
	/* --rm containers lose their anonymous volumes too, as podman */
	if (container_remove_locked(g, r, o->volumes || r->rm, err) < 0) {
		*ret_status = PEA_EXIT_ENGINE;
		return -1;
	}
	lock = record_lock_drop(g, r->id, TAKE_FD(lock));
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
		container_mark_stopped(g, r->id);
		(void)record_refresh(g, r, NULL);
		if (r->state != CTR_RUNNING)
			continue;
		args[1] = r->id;
		(void)container_runtime(g, r, args, true, NULL);
		(void)runtime_resume_paused(g, r, NULL);
	}
}

static const char rm_usage[] =
	"Usage: pea rm [OPTIONS] CONTAINER [CONTAINER...]\n"
	"\n"
	"Remove containers.\n"
	"\n"
	"  -a, --all       every container\n"
	"  -f, --force     kill running containers first\n"
	"  -i, --ignore    ignore containers that do not exist\n"
	"  -t, --time=SECS with -f, stop them first (the stop signal, SIGKILL\n"
	"                  after SECS) instead of killing them at once\n"
	"  -v, --volumes   remove their anonymous volumes too\n";

int cmd_rm(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "all", no_argument, NULL, 'a' },
		{ "force", no_argument, NULL, 'f' },
		{ "ignore", no_argument, NULL, 'i' },
		{ "volumes", no_argument, NULL, 'v' },
		{ "time", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_strv_ char **targets = NULL;
	struct rm_opts o = { .time = -1 };
	bool all = false, ignore = false;
	int r, c = 0, status = 0;

	optind = 0;
	while ((r = cmd_getopt(argc, argv, "hafivt:", opts, rm_usage, &c, err)) == 2) {
		if (c == 'a')
			all = true;
		else if (c == 't') {
			char *end = NULL;
			errno = 0;
			o.time = strtol(optarg, &end, 10);
			if (end == optarg || *end || errno || o.time < 0)
				return pea_error_new(
					err, EINVAL,
					"invalid argument \"%s\" for \"-t, --time\" flag: "
					"must be an integer >= 0",
					optarg);
		} else if (c == 'f')
			o.force = true;
		else if (c == 'i')
			ignore = true;
		else if (c == 'v')
			o.volumes = true;
	}
	if (r < 0)
		return -1;
	if (r == 1)
		return 0;
	if (all) {
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
	/* -t: a stop first, as podman's rm -f -t (0: the kill below at once) */
	if (o.force && o.time > 0)
		for (size_t i = 0; targets && targets[i]; i++)
			(void)container_stop(g, targets[i], o.time, NULL);
	if (o.force)
		kill_all(g, targets);
	for (size_t i = 0; targets && targets[i]; i++) {
		_cleanup_error_ struct pea_error *e = NULL;
		int st = 0;

		if (rm_one(g, targets[i], &o, &st, &e) < 0) {
			if (ignore && st == 1)
				continue;
			fprintf(stderr, "Error: %s\n", e->message);
			if (status == 0 || st > status)
				status = st;
			continue;
		}
		printf("%s\n", targets[i]);
	}
	containers_sweep_removed(g); /* and what a killed rm left */
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
