#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/cleanup.h"
#include "lib/error.h"

#include "cgroup.h"
#include "runtime.h"
#include "state.h"

/* pause and resume: the freezer of the container's cgroup. */
static int freeze(const struct global_options *g, const char *cmd, bool on, int argc, char **argv,
		  struct pea_error **err)
{
	struct container_handle h;
	struct cgroup *cg = NULL;
	int r;

	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		printf("Usage: pea-runtime %s ID\n\n%s every process of a container (the "
		       "freezer cgroup).\n",
		       cmd, on ? "Freeze" : "Thaw");
		return 0;
	}
	if (argc != 2)
		return runtime_usage_error(err, cmd, "expects exactly one container ID");
	/*
	 * resume shares the lock: an exec --ignore-paused holds it (shared) while
	 * its process, frozen as it joins the cgroup, waits for this very resume
	 */
	if (state_lookup(g->root, argv[1], on, &h, err) < 0)
		return -EINVAL;
	if (h.status != (on ? STATUS_RUNNING : STATUS_PAUSED)) {
		r = pea_error_new(err, on ? ENOTSUP : EINVAL, "container '%s' is %s, not %s",
				  argv[1], state_status_name(h.status), on ? "running" : "paused");
		state_handle_close(&h);
		return r;
	}
	r = cgroup_of_state(h.st->cgroups, argv[1], &cg, err);
	if (r == 0 && cgroup_freeze(cg, on, err) < 0)
		r = pea_error_wrap(err, "container '%s'", argv[1]);
	cgroup_free(cg);
	state_handle_close(&h);
	return r;
}

int cmd_pause(const struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	return freeze(g, "pause", true, argc, argv, err);
}

int cmd_resume(const struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	return freeze(g, "resume", false, argc, argv, err);
}
