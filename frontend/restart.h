#pragma once

/*
 * --restart (podman-run(1)): no, on-failure[:N], always, unless-stopped,
 * honoured without a daemon. When a container ends, the monitor's exit command
 * (`pea container cleanup`) cleans it up and starts it again when its policy
 * says so; a foreground `pea run` does that itself once it has the exit code.
 * `pea stop`, `pea rm` and `pea kill` mark the container stopped first, so that
 * no restart races them.
 *
 * Backoff, as Docker's: a restart waits 100 ms, twice as long as the last one
 * each time after that, at most RESTART_DELAY_MAX_MS; a run of
 * RESTART_RESET_S seconds or more starts again from 100 ms. A container that
 * ends at once thus restarts about every 5 s, not several times a second. The
 * wait holds no lock, and a stop or rm during it ends it.
 */

#define RESTART_DELAY_MIN_MS 100
#define RESTART_DELAY_MAX_MS 5000
#define RESTART_RESET_S	     10

#include <stdbool.h>

struct json_object;
struct pea_error;
struct global_options;
struct ctr_record;

/* --restart POLICY into opts ("restart_policy", "restart_retries"); rm: --rm was given. */
int restart_parse(const char *arg, struct json_object *opts, struct pea_error **err);
/* --rm with a policy other than no is refused, as podman does. */
int restart_check_rm(struct json_object *opts, bool rm, struct pea_error **err);
/* The policy's name ("no" when none) and its retries (0: no limit). */
const char *restart_policy(const struct ctr_record *r, int *ret_retries);

/*
 * Mark the container stopped by the user: no restart until it is started
 * again. Before taking its lock, so that a restart waiting for it sees that.
 */
void container_mark_stopped(const struct global_options *g, const char *id);
/* A foreground run attached to it: its exit command leaves the restart to it (or not). */
void container_mark_attached(const struct global_options *g, const char *id, bool on);
/*
 * The mark of a container whose end this process (pea rm) cleans up itself:
 * while the mark is there and the process it names lives, the monitor runs
 * no exit command (pea-monitor's --exit-command-skip-if). A foreground run
 * tells its monitor on --cleaner-fd instead, once it has cleaned up.
 */
void container_mark_cleaner(const struct global_options *g, const char *id);
/* Its path, for the monitor's flag. */
char *container_cleaner_mark(const struct global_options *g, const char *id);
/* Forget the marks of the last run (start). */
void container_clear_marks(const struct global_options *g, const char *id);

/*
 * After the container ended and was cleaned up: start it again (detached)
 * when its policy says so. from_exit_command: called by the exit command,
 * which leaves it to an attached foreground run.
 */
int container_maybe_restart(struct global_options *g, const char *id, bool from_exit_command,
			    struct pea_error **err);

/* The exit command's cleanup: container_cleanup, then container_maybe_restart. */
int container_cleanup_exit(struct global_options *g, const char *id, bool remove_rm,
			   struct pea_error **err);
