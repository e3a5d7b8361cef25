#pragma once

/*
 * Healthchecks (podman-run(1) --health-*, podman-healthcheck-run(1)).
 *
 * create/run keep the check in the record's options: "healthcheck" as the
 * image config's Healthcheck object (Test, Interval, Timeout, Retries,
 * StartPeriod; durations in nanoseconds) and "health_on_failure". The image's
 * HEALTHCHECK is used when no flag overrides it.
 *
 * `pea healthcheck run ID` runs the check once (RUNTIME exec), records the
 * result in BUNDLE/healthcheck.log (podman's file: {Status, FailingStreak,
 * Log[last 5]}, replaced atomically under a flock of the bundle folder) and
 * applies the --health-on-failure action when the container is unhealthy.
 * Periodic checks: the monitor runs `pea healthcheck run ID` every interval
 * through its --timer-command.
 */

#include <stdbool.h>

struct json_object;
struct pea_error;
struct global_options;
struct ctr_record;

/* The option ids, for cmd-create.c's table (after security-run.h's 3000s). */
enum {
	HEALTH_OPT_CMD = 3200,
	HEALTH_OPT_INTERVAL,
	HEALTH_OPT_RETRIES,
	HEALTH_OPT_START_PERIOD,
	HEALTH_OPT_TIMEOUT,
	HEALTH_OPT_ON_FAILURE,
	HEALTH_OPT_NONE,
	HEALTH_OPT_END,
};

/* clang-format off */
#define HEALTH_LONGOPTS \
	{ "health-cmd", required_argument, NULL, HEALTH_OPT_CMD }, \
	{ "health-interval", required_argument, NULL, HEALTH_OPT_INTERVAL }, \
	{ "health-retries", required_argument, NULL, HEALTH_OPT_RETRIES }, \
	{ "health-start-period", required_argument, NULL, HEALTH_OPT_START_PERIOD }, \
	{ "health-timeout", required_argument, NULL, HEALTH_OPT_TIMEOUT }, \
	{ "health-on-failure", required_argument, NULL, HEALTH_OPT_ON_FAILURE }, \
	{ "no-healthcheck", no_argument, NULL, HEALTH_OPT_NONE }

#define HEALTH_USAGE \
	"      --health-cmd=CMD      check the container's health with CMD (a shell command or\n" \
	"                            a JSON array; none: no check, not even the image's)\n" \
	"      --health-interval=D   time between checks (default 30s; disable: none)\n" \
	"      --health-retries=N    consecutive failures that make it unhealthy (default 3)\n" \
	"      --health-start-period=D  time after the start when failures do not count\n" \
	"      --health-timeout=D    a check still running after D fails (default 30s)\n" \
	"      --health-on-failure=ACTION  none (default), kill, restart or stop when unhealthy\n" \
	"      --no-healthcheck      no healthcheck, not even the image's\n"
/* clang-format on */

static inline bool health_is_opt(int c)
{
	return c >= HEALTH_OPT_CMD && c < HEALTH_OPT_END;
}

/* One --health-* option into *h (made when NULL); a bad value is EINVAL. */
int health_parse(struct json_object **h, int c, const char *arg, struct pea_error **err);
/*
 * The container's check from the flags (h, may be NULL) over the image's
 * (icfg, may be NULL): opts gets "healthcheck" (when there is one) and
 * "health_on_failure".
 */
int health_finish(struct json_object *h, struct json_object *icfg, struct json_object *opts,
		  struct pea_error **err);
/*
 * The monitor's --timer-command arguments for the periodic checks (none when
 * the container has no check or its interval is disabled); self: pea's argv
 * with its global flags (frontend_self_argv).
 */
void health_monitor_args(const struct ctr_record *r, char *const *self, char ***v);
/*
 * The container's health for ps: "starting", "healthy" or "unhealthy"; NULL
 * when it has no healthcheck.
 */
const char *health_status(const struct global_options *g, const struct ctr_record *r);
/* inspect: State.Health and State.Healthcheck into state, Config's into cfg. */
void health_inspect(const struct global_options *g, const struct ctr_record *r,
		    struct json_object *state, struct json_object *cfg);
