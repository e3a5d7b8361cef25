#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/log.h"
#include "lib/process.h"
#include "lib/strv.h"
#include "lib/xalloc.h"

#include "cgroup.h"
#include "container.h"
#include "runtime.h"
#include "state.h"

static const char delete_usage[] =
	"Usage: pea-runtime delete [--force] ID | --regex RE\n"
	"\n"
	"Delete a stopped (or created) container: run its poststop hooks, remove its state.\n"
	"\n"
	"  -f, --force   kill a running container first (SIGKILL); a missing one is not an error\n"
	"  -r, --regex RE  crun's: every container whose ID the extended regular expression\n"
	"                matches (anywhere in the ID), instead of one ID\n";

/* poststop hooks (failures are warnings), then the state directory. */
int container_destroy(struct container_handle *h, struct pea_error **err)
{
	_cleanup_json_ struct json_object *state = NULL;
	_cleanup_error_ struct pea_error *herr = NULL;
	struct spec_hooks hooks = { 0 };

	if (spec_hooks_from_json(h->st->hooks, HOOK_POSTSTOP, &hooks, &herr) == 0 && hooks.n) {
		state = state_to_json(h->st, STATUS_STOPPED);
		if (hooks_run(&hooks, "poststop", json_object_to_json_string(state), &herr) < 0)
			log_warning("%s, ignoring", herr->message);
	}
	spec_hooks_clear(&hooks);
	if (h->st->cgroups) {
		struct cgroup *cg = NULL;
		int r = cgroup_from_json(h->st->cgroups, &cg, err);

		if (r == 0)
			r = cgroup_destroy(cg, err);
		cgroup_free(cg);
		if (r < 0)
			return pea_error_wrap(err, "container '%s'", h->st->id);
	} else {
		/* a create killed before its state: its cgroups, when it made them, empty */
		_cleanup_free_ char *left = state_left_cgroup(h->dirfd, h->st->id);

		if (left)
			(void)cgroup_remove_left(left);
	}
	return state_remove_dir(h->rootfd, h->st->id, err);
}

/* Is dir one of the container's own cgroup folders (the state's cgroups.paths)? */
static bool own_cgroup_dir(struct json_object *cgroups, const char *dir)
{
	struct json_object *paths = NULL;

	if (!cgroups || !json_object_object_get_ex(cgroups, "paths", &paths) ||
	    !json_object_is_type(paths, json_type_object))
		return false;
	json_object_object_foreach(paths, k, v)
	{
		(void)k;
		if (json_object_is_type(v, json_type_string) &&
		    strcmp(json_object_get_string(v), dir) == 0)
			return true;
	}
	return false;
}

/*
 * The v1 freezer cgroup of pid when it is frozen and not the container's own
 * (someone moved the init into one and froze it: the SIGKILL waits for a thaw
 * that is not ours to do), or NULL. Its hierarchy is looked for where v1
 * mounts it, /sys/fs/cgroup/freezer: elsewhere, NULL.
 */
static char *frozen_elsewhere(pid_t pid, struct json_object *cgroups)
{
	_cleanup_free_ char *cgs = NULL, *dir = NULL, *path = NULL, *st = NULL;
	char proc[64], *line, *save = NULL;

	snprintf(proc, sizeof(proc), "/proc/%d/cgroup", (int)pid);
	if (pea_read_file_at(AT_FDCWD, proc, 65536, &cgs, NULL, NULL) < 0)
		return NULL;
	for (line = strtok_r(cgs, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *ctrl = strchr(line, ':'), *rel = ctrl ? strchr(ctrl + 1, ':') : NULL;

		if (!rel || strncmp(ctrl + 1, "freezer:", 8) != 0)
			continue;
		dir = xasprintf("/sys/fs/cgroup/freezer%s", rel + 1);
		path = xasprintf("%s/freezer.state", dir);
		if (pea_read_file_at(AT_FDCWD, path, 64, &st, NULL, NULL) == 0 &&
		    strncmp(st, "THAWED", 6) != 0 && !own_cgroup_dir(cgroups, dir))
			return xstrdup(rel + 1);
		return NULL;
	}
	return NULL;
}

static int kill_and_wait(struct container_handle *h, struct pea_error **err)
{
	_cleanup_free_ char *frozen = NULL;
	_cleanup_close_ int pidfd = state_pidfd(h->st);

	if (pidfd < 0)
		return 0;
	/* without a pid namespace of its own, the others outlive the init */
	if (!h->st->pidns && container_kill_all(h->st, SIGKILL, err) < 0)
		return -EINVAL;
	if (pea_pidfd_send_signal(pidfd, SIGKILL) < 0 && errno != ESRCH)
		return pea_error_errno(err, "container '%s': kill", h->st->id);
	/* a paused container dies once thawed */
	if (h->status == STATUS_PAUSED) {
		struct cgroup *cg = NULL;

		if (cgroup_from_json(h->st->cgroups, &cg, NULL) == 0)
			cgroup_freeze(cg, false, NULL);
		cgroup_free(cg);
	}
	if (container_wait_gone(h->st->pid, pidfd, 100) == 0)
		return 0;
	frozen = frozen_elsewhere(h->st->pid, h->st->cgroups);
	if (frozen)
		return pea_error_new(
			err, EBUSY,
			"container '%s': its init (pid %d) is frozen in freezer cgroup "
			"'%s', not the container's: it dies once that is thawed; "
			"state kept, delete --force again then",
			h->st->id, (int)h->st->pid, frozen);
	if (container_wait_gone(h->st->pid, pidfd, 10000) < 0)
		return pea_error_new(err, ETIMEDOUT, "container '%s': still alive after SIGKILL",
				     h->st->id);
	return 0;
}

static int delete_one(const struct global_options *g, const char *id, bool force,
		      struct pea_error **err)
{
	struct container_handle h;
	int r;

	if (state_lookup(g->root, id, true, &h, err) < 0) {
		if (force && pea_error_is(*err, ENOENT)) {
			pea_error_release(err);
			return 0;
		}
		return -EINVAL;
	}
	if ((h.status == STATUS_RUNNING || h.status == STATUS_PAUSED) && !force) {
		pea_error_new(err, EBUSY,
			      "container '%s' is running: stop it first, or delete --force", id);
		state_handle_close(&h);
		return -EBUSY;
	}
	r = kill_and_wait(&h, err);
	if (r == 0)
		r = container_destroy(&h, err);
	state_handle_close(&h);
	return r;
}

/* crun's --regex: every container whose ID the extended regex matches; the first failure is
 * returned after trying them all. */
static int delete_matching(const struct global_options *g, const char *pattern, bool force,
			   struct pea_error **err)
{
	_cleanup_closedir_ DIR *d = NULL;
	_cleanup_strv_ char **ids = NULL;
	struct dirent *e;
	regex_t re;
	int r = 0, rc;

	rc = regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB);
	if (rc != 0) {
		char msg[256];

		regerror(rc, &re, msg, sizeof(msg));
		return runtime_usage_error(err, "delete", "--regex '%s': %s", pattern, msg);
	}
	d = opendir(g->root);
	if (!d) {
		regfree(&re);
		if (errno == ENOENT)
			return 0;
		return pea_error_errno(err, "open '%s'", g->root);
	}
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && e->d_type == DT_DIR &&
		    regexec(&re, e->d_name, 0, NULL, 0) == 0)
			pea_strv_push(&ids, e->d_name);
	regfree(&re);
	for (size_t i = 0; ids && ids[i]; i++) {
		_cleanup_error_ struct pea_error *one = NULL;

		if (delete_one(g, ids[i], force, &one) < 0 && r == 0) {
			*err = TAKE_PTR(one);
			r = -EINVAL;
		}
	}
	return r;
}

int cmd_delete(const struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct option longopts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "regex", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *regex = NULL;
	bool force = false;
	int opt;

	/* 0, not 1: getopt starts over and permutes (runc takes options after the ID) */
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "fr:h", longopts, NULL)) != -1) {
		if (opt == 'f')
			force = true;
		else if (opt == 'r')
			regex = optarg;
		else if (opt == 'h') {
			fputs(delete_usage, stdout);
			return 0;
		} else
			return runtime_usage_error(err, "delete", "unknown option '%s'",
						   argv[optind - 1]);
	}
	if (regex) {
		if (argc != optind)
			return runtime_usage_error(err, "delete", "--regex takes no container ID");
		return delete_matching(g, regex, force, err);
	}
	if (argc - optind != 1)
		return runtime_usage_error(err, "delete", "expects exactly one container ID");
	return delete_one(g, argv[optind], force, err);
}
