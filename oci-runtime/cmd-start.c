#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/log.h"

#include "container.h"
#include "notify.h"
#include "runtime.h"
#include "state.h"

/*
 * A byte written into exec.fifo releases the init, which holds the read end
 * (opened before the clone). No reader: the init is gone (ENXIO).
 */
static int release_init(struct container_handle *h, struct pea_error **err)
{
	_cleanup_close_ int fifo = -1;

	fifo = openat(h->dirfd, STATE_FIFO, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fifo < 0 && errno == ENXIO)
		return pea_error_new(err, ESRCH, "container '%s': its process exited before start",
				     h->st->id);
	if (fifo < 0)
		return pea_error_errno(err, "container '%s': open exec fifo", h->st->id);
	if (write(fifo, "0", 1) != 1)
		return pea_error_errno(err, "container '%s': write exec fifo", h->st->id);
	if (unlinkat(h->dirfd, STATE_FIFO, 0) < 0)
		return pea_error_errno(err, "container '%s': remove exec fifo", h->st->id);
	return 0;
}

/* poststart hooks: a failure is a warning, the container runs on (runtime-spec). */
static void run_poststart(struct container_handle *h)
{
	_cleanup_json_ struct json_object *state = NULL;
	_cleanup_error_ struct pea_error *err = NULL;
	struct spec_hooks hooks = { 0 };

	if (spec_hooks_from_json(h->st->hooks, HOOK_POSTSTART, &hooks, &err) < 0 || !hooks.n)
		goto out;
	state = state_to_json(h->st, STATUS_RUNNING);
	if (hooks_run(&hooks, "poststart", json_object_to_json_string(state), &err) < 0)
		log_warning("%s, ignoring", err->message);
out:
	spec_hooks_clear(&hooks);
}

/*
 * NOTIFY_SOCKET (as crun): the socket is bound before the process goes, and
 * start returns once its READY=1 is passed on, or once it ended without one.
 * The directory's lock is let go meanwhile: state, kill, exec work.
 */
static int start_notified(struct container_handle *h, struct pea_error **err)
{
	_cleanup_close_ int fd = -1, pidfd = -1;

	if (notify_listen(h->dirfd, &fd, err) < 0)
		return pea_error_wrap(err, "container '%s'", h->st->id);
	if (release_init(h, err) < 0)
		return -EINVAL;
	if (fd < 0)
		return 0;
	pidfd = state_pidfd(h->st);
	if (pidfd < 0)
		return 0;
	flock(h->dirfd, LOCK_UN);
	return notify_wait_ready(fd, pidfd, err) < 0 ? -EINVAL : 0;
}

int cmd_start(const struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	struct container_handle h;
	int r;

	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		puts("Usage: pea-runtime start ID\n\nStart the process of a created container.");
		return 0;
	}
	if (argc != 2)
		return runtime_usage_error(err, "start", "expects exactly one container ID");
	if (state_lookup(g->root, argv[1], true, &h, err) < 0)
		return -EINVAL;
	if (h.status != STATUS_CREATED) {
		pea_error_new(err, EINVAL, "container '%s' is not in the created state: %s",
			      argv[1], state_status_name(h.status));
		state_handle_close(&h);
		return -EINVAL;
	}
	r = notify_socket_env() ? start_notified(&h, err) : release_init(&h, err);
	if (r < 0) {
		state_handle_close(&h);
		return -EINVAL;
	}
	run_poststart(&h);
	state_handle_close(&h);
	return 0;
}
