/* Healthchecks: the flags of create/run, the monitor's timer, inspect (health.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <json-c/json.h>

#include "frontend/frontend.h"
#include "frontend/health.h"
#include "frontend/records.h"
#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/json.h"
#include "lib/strv.h"
#include "lib/xalloc.h"

#define NS_PER_SEC 1000000000LL

static int flag_duration(const char *flag, const char *arg, int64_t *ret, struct pea_error **err)
{
	const char *why = NULL;

	if (go_parse_duration(arg, ret, &why) < 0)
		return pea_error_new(err, EINVAL, "invalid argument \"%s\" for \"--%s\" flag: %s",
				     arg, flag, why);
	return 0;
}

/* --health-cmd: podman's Test: "none" NONE, a JSON array CMD ARGS..., else CMD-SHELL CMD. */
static int parse_cmd(const char *arg, struct json_object **ret, struct pea_error **err)
{
	struct json_object *test = json_object_new_array();

	if (strcasecmp(arg, "none") == 0) {
		json_object_array_add(test, json_object_new_string("NONE"));
	} else if (arg[0] == '[') {
		_cleanup_json_ struct json_object *a = NULL;
		size_t n;

		if (pea_json_parse(arg, strlen(arg), "--health-cmd", &a, err) < 0 ||
		    !json_object_is_type(a, json_type_array) ||
		    (n = json_object_array_length(a)) == 0) {
			json_object_put(test);
			if (!*err)
				pea_error_new(err, EINVAL,
					      "--health-cmd: a JSON array of strings expected");
			return -1;
		}
		for (size_t i = 0; i < n; i++) {
			struct json_object *e = json_object_array_get_idx(a, i);
			if (!json_object_is_type(e, json_type_string)) {
				json_object_put(test);
				return pea_error_new(
					err, EINVAL,
					"--health-cmd: a JSON array of strings expected");
			}
		}
		/* ["CMD", ...], ["CMD-SHELL", "..."] as they are; else CMD is implied */
		{
			const char *first = json_object_get_string(json_object_array_get_idx(a, 0));
			if (strcmp(first, "CMD") != 0 && strcmp(first, "CMD-SHELL") != 0 &&
			    strcmp(first, "NONE") != 0)
				json_object_array_add(test, json_object_new_string("CMD"));
		}
		for (size_t i = 0; i < n; i++)
			json_object_array_add(test,
					      json_object_get(json_object_array_get_idx(a, i)));
	} else if (!*arg) {
		json_object_put(test);
		return pea_error_new(err, EINVAL, "--health-cmd: must not be empty");
	} else {
		json_object_array_add(test, json_object_new_string("CMD-SHELL"));
		json_object_array_add(test, json_object_new_string(arg));
	}
	*ret = test;
	return 0;
}

int health_parse(struct json_object **h, int c, const char *arg, struct pea_error **err)
{
	struct json_object *test = NULL;
	int64_t d = 0;

	if (!*h)
		*h = json_object_new_object();
	switch (c) {
	case HEALTH_OPT_CMD:
		if (parse_cmd(arg, &test, err) < 0)
			return -1;
		json_object_object_add(*h, "Test", test);
		return 0;
	case HEALTH_OPT_NONE:
		json_object_object_add(*h, "none", json_object_new_boolean(true));
		return 0;
	case HEALTH_OPT_INTERVAL:
		if (strcmp(arg, "disable") == 0) {
			json_object_object_add(*h, "Interval", json_object_new_int64(0));
			return 0;
		}
		if (flag_duration("health-interval", arg, &d, err) < 0)
			return -1;
		if (d < NS_PER_SEC)
			return pea_error_new(err, EINVAL,
					     "healthcheck-interval must be at least 1 second");
		json_object_object_add(*h, "Interval", json_object_new_int64(d));
		return 0;
	case HEALTH_OPT_TIMEOUT:
		if (flag_duration("health-timeout", arg, &d, err) < 0)
			return -1;
		if (d < NS_PER_SEC)
			return pea_error_new(err, EINVAL,
					     "healthcheck-timeout must be at least 1 second");
		json_object_object_add(*h, "Timeout", json_object_new_int64(d));
		return 0;
	case HEALTH_OPT_START_PERIOD:
		if (flag_duration("health-start-period", arg, &d, err) < 0)
			return -1;
		if (d < 0)
			return pea_error_new(
				err, EINVAL,
				"healthcheck-start-period must be 0 seconds or greater");
		json_object_object_add(*h, "StartPeriod", json_object_new_int64(d));
		return 0;
	case HEALTH_OPT_RETRIES: {
		char *end = NULL;
		long long v;

		errno = 0;
		v = strtoll(arg, &end, 10);
		if (end == arg || *end || errno || v > INT_MAX || v < INT_MIN)
			return pea_error_new(
				err, EINVAL,
				"invalid argument \"%s\" for \"--health-retries\" flag: "
				"an integer expected",
				arg);
		if (v < 1)
			return pea_error_new(err, EINVAL,
					     "healthcheck-retries must be greater than 0");
		json_object_object_add(*h, "Retries", json_object_new_int64(v));
		return 0;
	}
	case HEALTH_OPT_ON_FAILURE:
		if (strcmp(arg, "none") != 0 && strcmp(arg, "kill") != 0 &&
		    strcmp(arg, "restart") != 0 && strcmp(arg, "stop") != 0)
			return pea_error_new(err, EINVAL,
					     "invalid on-failure action \"%s\" for health check: "
					     "supported actions are none,kill,restart,stop",
					     arg);
		json_object_object_add(*h, "on_failure", json_object_new_string(arg));
		return 0;
	default:
		return pea_error_new(err, EINVAL, "unknown healthcheck option %d", c);
	}
}

static bool test_is_none(struct json_object *test)
{
	const char *first;

	if (!test || !json_object_is_type(test, json_type_array) ||
	    json_object_array_length(test) == 0)
		return true;
	first = json_object_get_string(json_object_array_get_idx(test, 0));
	return !first || strcmp(first, "NONE") == 0;
}

/* An array of strings (an image's Healthcheck.Test comes from outside). */
static int test_check(struct json_object *test)
{
	if (!json_object_is_type(test, json_type_array))
		return -EINVAL;
	for (size_t i = 0; i < json_object_array_length(test); i++)
		if (!json_object_is_type(json_object_array_get_idx(test, i), json_type_string))
			return -EINVAL;
	return 0;
}

int health_finish(struct json_object *h, struct json_object *icfg, struct json_object *opts,
		  struct pea_error **err)
{
	struct json_object *img = NULL, *test = NULL, *hc;
	const char *action = "none";
	bool none = false;
	static const char *const keys[] = { "Interval", "Timeout", "StartPeriod", "Retries" };
	static const int64_t defaults[] = { 30 * NS_PER_SEC, 30 * NS_PER_SEC, 0, 3 };

	if (h) {
		(void)pea_json_get_string_opt(h, "", "on_failure", &action, NULL);
		(void)pea_json_get_bool_opt(h, "", "none", &none, NULL);
		json_object_object_get_ex(h, "Test", &test);
	}
	if (icfg)
		json_object_object_get_ex(icfg, "Healthcheck", &img);
	if (img && !json_object_is_type(img, json_type_object))
		img = NULL;
	if (!test && img)
		json_object_object_get_ex(img, "Test", &test);
	if (test && !none && test_check(test) < 0)
		return pea_error_new(err, EINVAL,
				     "the image's Healthcheck: 'Test' is not an array of strings");
	if (none || test_is_none(test)) {
		if (strcmp(action, "none") != 0)
			return pea_error_new(err, EINVAL,
					     "cannot set on-failure action to %s without a health "
					     "check",
					     action);
		json_object_object_add(opts, "health_on_failure", json_object_new_string("none"));
		return 0;
	}
	hc = json_object_new_object();
	json_object_object_add(hc, "Test", json_object_get(test));
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		int64_t v = defaults[i], x = 0;

		/* the flag, else the image's (0 there: the default), else the default */
		if (h && pea_json_get_int64_opt(h, "", keys[i], &x, NULL) == 1)
			v = x;
		else if (img && pea_json_get_int64_opt(img, "", keys[i], &x, NULL) == 1 && x > 0)
			v = x;
		json_object_object_add(hc, keys[i], json_object_new_int64(v));
	}
	json_object_object_add(opts, "healthcheck", hc);
	json_object_object_add(opts, "health_on_failure", json_object_new_string(action));
	return 0;
}

void health_monitor_args(const struct ctr_record *r, char *const *self, char ***v)
{
	struct json_object *hc = NULL;
	int64_t interval = 0;
	long long secs;

	if (!json_object_object_get_ex(r->opts, "healthcheck", &hc) ||
	    pea_json_get_int64_opt(hc, "", "Interval", &interval, NULL) != 1 || interval <= 0)
		return;
	secs = (interval + NS_PER_SEC - 1) / NS_PER_SEC;
	pea_strv_push(v, "--timer-command");
	pea_strv_push_take(v, xasprintf("1:%lld:%s", secs, self[0]));
	for (size_t i = 1; self[i]; i++) {
		pea_strv_push(v, "--timer-command-argument");
		pea_strv_push_take(v, xasprintf("1:%s", self[i]));
	}
	pea_strv_push(v, "--timer-command-argument");
	pea_strv_push(v, "1:healthcheck");
	pea_strv_push(v, "--timer-command-argument");
	pea_strv_push(v, "1:run");
	pea_strv_push(v, "--timer-command-argument");
	pea_strv_push_take(v, xasprintf("1:%s", r->id));
}

/* The state file of the container's current start (NULL: none yet); new. */
static struct json_object *health_load(const struct global_options *g, const struct ctr_record *r)
{
	_cleanup_free_ char *dir = record_dir(g, r->id);
	_cleanup_free_ char *path = xasprintf("%s/healthcheck.log", dir);
	_cleanup_json_ struct json_object *file = NULL;
	const char *started = NULL;

	/* a file of an earlier start is stale: the new one starts over */
	if (pea_json_parse_file_at(AT_FDCWD, path, 1u << 20, &file, NULL) < 0 || !file ||
	    !json_object_is_type(file, json_type_object) ||
	    pea_json_get_string_opt(file, "", "StartedAt", &started, NULL) != 1 || !r->started_at ||
	    strcmp(started, r->started_at) != 0)
		return NULL;
	return TAKE_PTR(file);
}

const char *health_status(const struct global_options *g, const struct ctr_record *r)
{
	static const char *const names[] = { "healthy", "unhealthy" };
	_cleanup_json_ struct json_object *file = NULL;
	const char *s = NULL;

	if (!json_object_object_get_ex(r->opts, "healthcheck", NULL))
		return NULL;
	file = health_load(g, r);
	if (file && pea_json_get_string_opt(file, "", "Status", &s, NULL) == 1)
		for (size_t i = 0; i < ARRAY_SIZE(names); i++)
			if (strcmp(s, names[i]) == 0)
				return names[i];
	return "starting";
}

void health_inspect(const struct global_options *g, const struct ctr_record *r,
		    struct json_object *state, struct json_object *cfg)
{
	struct json_object *hc = NULL, *h = json_object_new_object();
	_cleanup_json_ struct json_object *file = NULL;
	const char *action = "none";

	(void)pea_json_get_string_opt(r->opts, "", "health_on_failure", &action, NULL);
	json_object_object_add(cfg, "HealthcheckOnFailureAction", json_object_new_string(action));
	if (!json_object_object_get_ex(r->opts, "healthcheck", &hc)) {
		json_object_put(h);
		return;
	}
	json_object_object_add(cfg, "Healthcheck", json_object_get(hc));
	file = health_load(g, r);
	if (file) {
		json_object_object_foreach(file, k, val)
		{
			if (strcmp(k, "StartedAt") != 0)
				json_object_object_add(h, k, json_object_get(val));
		}
	} else {
		json_object_object_add(h, "Status", json_object_new_string("starting"));
		json_object_object_add(h, "FailingStreak", json_object_new_int(0));
		json_object_object_add(h, "Log", json_object_new_array());
	}
	json_object_object_add(state, "Health", json_object_get(h));
	json_object_object_add(state, "Healthcheck", h);
}
