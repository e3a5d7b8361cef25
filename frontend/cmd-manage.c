/* restart, rename, container prune (podman-restart(1), podman-rename(1),
 * podman-container-prune(1)). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "frontend/commands.h"
#include "frontend/container.h"
#include "frontend/events.h"
#include "frontend/frontend.h"
#include "frontend/records.h"

static void restart_event(struct global_options *g, const char *name)
{
	_cleanup_record_ struct ctr_record *r = NULL;

	if (record_lookup(g, name, &r, NULL) == 0)
		events_container(g, r, "restart");
}

int cmd_restart(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "time", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	long timeout = -1;
	int r, c = 0, status = 0;

	optind = 0;
	while ((r = cmd_getopt(argc, argv, "ht:", opts,
			       "Usage: pea restart [-t SECS] CONTAINER [CONTAINER...]\n\n"
			       "Stop containers (as pea stop) and start them again.\n\n"
			       "  -t, --time=SECS   seconds to wait before SIGKILL\n",
			       &c, err)) == 2) {
		char *end = NULL;
		errno = 0;
		timeout = strtol(optarg, &end, 10);
		if (end == optarg || *end || errno || timeout < 0)
			return pea_error_new(err, EINVAL,
					     "invalid argument \"%s\" for \"-t, --time\" "
					     "flag: must be an integer >= 0",
					     optarg);
	}
	if (r < 0)
		return -1;
	if (r == 1)
		return 0;
	if (optind >= argc)
		return pea_error_new(err, EINVAL,
				     "you must provide at least one container name or id");
	for (int i = optind; i < argc; i++) {
		_cleanup_error_ struct pea_error *e = NULL;
		int code = 0;

		if (container_stop(g, argv[i], timeout, &e) < 0 ||
		    container_start(g, argv[i], false, false, &code, &e) < 0) {
			if (i + 1 == argc && status == 0) {
				*err = TAKE_PTR(e);
				return -1;
			}
			fprintf(stderr, "Error: %s\n", e->message);
			status = PEA_EXIT_ENGINE;
			continue;
		}
		restart_event(g, argv[i]);
		printf("%s\n", argv[i]);
	}
	return status;
}

int cmd_rename(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	_cleanup_record_ struct ctr_record *r = NULL;
	_cleanup_close_ int lock = -1, ctr_lock = -1;
	struct ctr_record **all = NULL;
	struct switches o;
	size_t n = 0;
	const char *to;
	int rc;

	rc = cmd_switches(argc, argv, "",
			  "Usage: pea rename CONTAINER NEW-NAME\n\nRename a container.\n", &o, err);
	if (rc < 0)
		return -1;
	if (rc == 1)
		return 0;
	if (argc - optind != 2)
		return check_nargs(argc - optind, 2, 2, err);
	to = argv[optind + 1];
	if (!container_name_valid(to))
		return pea_error_new(err, EINVAL,
				     "names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: "
				     "invalid argument");
	/* the records lock for names, then the container's (a start of it saves its record) */
	if (records_lock(g, &lock, err) < 0 ||
	    record_lookup_locked(g, argv[optind], &r, &ctr_lock, err) < 0 ||
	    records_list(g, &all, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (strcmp(all[i]->name, to) == 0 && strcmp(all[i]->id, r->id) != 0) {
			pea_error_new(err, EEXIST,
				      "the container name \"%s\" is already in use by "
				      "%s: that name is already in use",
				      to, all[i]->id);
			records_free(all, n);
			return -1;
		}
	records_free(all, n);
	free(r->name);
	r->name = xstrdup(to);
	return record_save(g, r, err);
}

int containers_prune(struct global_options *g)
{
	_cleanup_error_ struct pea_error *le = NULL;
	struct ctr_record **v = NULL;
	size_t n = 0;
	int status = 0;

	if (records_list(g, &v, &n, &le) < 0) {
		fprintf(stderr, "Error: %s\n", le->message);
		return PEA_EXIT_ENGINE;
	}
	for (size_t i = 0; i < n; i++) {
		_cleanup_error_ struct pea_error *e = NULL;
		_cleanup_close_ int lock = -1;
		_cleanup_record_ struct ctr_record *fresh = NULL;

		if (records_lock(g, &lock, &e) < 0 || record_load(g, v[i]->id, &fresh, &e) < 0) {
			if (e->code == ENOENT)
				continue;
			fprintf(stderr, "Error: %s\n", e->message);
			status = PEA_EXIT_ENGINE;
			continue;
		}
		record_sync_exit(g, fresh);
		if (fresh->state == CTR_RUNNING)
			continue;
		if (container_remove(g, fresh, &e) < 0) {
			fprintf(stderr, "Error: %s\n", e->message);
			status = PEA_EXIT_ENGINE;
			continue;
		}
		printf("%s\n", fresh->id);
	}
	records_free(v, n);
	/* and pea's storage containers that a crash left without their record (external.h) */
	if (rm_orphans(g) != 0)
		status = PEA_EXIT_ENGINE;
	return status;
}

int cmd_container_prune(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	struct switches o;
	int r;

	r = cmd_switches(argc, argv, "f",
			 "Usage: pea container prune [-f]\n\n"
			 "Remove every container that is not running.\n\n"
			 "  -f, --force   do not ask for confirmation\n",
			 &o, err);
	if (r < 0)
		return -1;
	if (r == 1)
		return 0;
	if (optind < argc)
		return check_nargs(argc - optind, 0, 0, err);
	if (!confirm_unless(o.force, "WARNING! This will remove all non running containers.\n"))
		return 0;
	return containers_prune(g);
}
