/* ps: list containers (podman-ps(1)). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/json.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "frontend/commands.h"
#include "frontend/container.h"
#include "frontend/external.h"
#include "frontend/format.h"
#include "frontend/frontend.h"
#include "frontend/health.h"
#include "frontend/network.h"
#include "frontend/pod.h"
#include "frontend/ps.h"
#include "frontend/records.h"

static const char *ps_header(const char *field)
{
	static const struct {
		const char *field, *header;
	} map[] = {
		{ "ID", "CONTAINER ID" },      { "Image", "IMAGE" },	 { "Command", "COMMAND" },
		{ "CreatedHuman", "CREATED" }, { "Created", "CREATED" }, { "Status", "STATUS" },
		{ "Ports", "PORTS" },	       { "Names", "NAMES" },	 { "State", "STATE" },
		{ "Pod", "POD ID" },	       { "PodName", "PODNAME" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (strcmp(map[i].field, field) == 0)
			return map[i].header;
	return NULL;
}

static struct json_object *strv_json(struct json_object *opts, const char *key)
{
	struct json_object *v = NULL;

	return json_object_object_get_ex(opts, key, &v) ? json_object_get(v)
							: json_object_new_array();
}

/* --label K=V as podman's ps shows them: {"K": "V"}, null without any. */
static struct json_object *labels_of(const struct ctr_record *r)
{
	struct json_object *list = NULL;

	if (!json_object_object_get_ex(r->opts, "labels", &list) ||
	    json_object_array_length(list) == 0)
		return NULL;
	return container_labels(r->opts);
}

const char *ps_state_name(const struct ctr_record *r)
{
	return r->paused ? "paused" : ctr_state_name(r->state);
}

char *ps_status(const struct ctr_record *r)
{
	double now = frontend_now_seconds();
	_cleanup_free_ char *d = NULL;

	switch (r->state) {
	case CTR_RUNNING:
		if (r->paused)
			return xstrdup("Paused");
		d = fmt_human_duration(now - frontend_parse_time(r->started_at));
		return xasprintf("Up %s", d);
	case CTR_EXITED:
		d = fmt_human_duration(now - frontend_parse_time(r->finished_at));
		return xasprintf("Exited (%d) %s ago", r->exit_code, d);
	case CTR_CREATED:
	default:
		return xstrdup("Created");
	}
}

/* The fields of `podman ps --format json`, plus the template-only ones. */
struct json_object *ps_item(const struct ctr_record *r, struct json_object *ports, bool notrunc,
			    bool for_template)
{
	struct json_object *o = json_object_new_object(), *args = strv_json(r->opts, "args");
	_cleanup_free_ char *status = ps_status(r), *since = NULL, *cmd = NULL;
	_cleanup_strv_ char **argv = NULL;

	for (size_t i = 0; i < json_object_array_length(args); i++)
		pea_strv_push(&argv, json_object_get_string(json_object_array_get_idx(args, i)));
	cmd = pea_strv_join(argv, " ");
	if (!notrunc && strlen(cmd) > 17) {
		cmd[17] = '\0';
		char *t = xasprintf("%s...", cmd);
		free(cmd);
		cmd = t;
	}
	since = fmt_human_duration(frontend_now_seconds() - frontend_parse_time(r->created));
	json_object_object_add(o, "AutoRemove", json_object_new_boolean(r->rm));
	json_object_object_add(o, "Command", for_template ? json_object_new_string(cmd) : args);
	if (for_template)
		json_object_put(args);
	json_object_object_add(o, "CreatedAt", json_object_new_string(r->created));
	{
		_cleanup_free_ char *ago = xasprintf("%s ago", since);
		json_object_object_add(o, "CreatedHuman", json_object_new_string(ago));
		if (for_template)
			json_object_object_add(o, "Created", json_object_new_string(ago));
		else
			json_object_object_add(
				o, "Created",
				json_object_new_int64((int64_t)frontend_parse_time(r->created)));
	}
	json_object_object_add(o, "Exited", json_object_new_boolean(r->state == CTR_EXITED));
	json_object_object_add(o, "ExitedAt",
			       json_object_new_int64((int64_t)frontend_parse_time(r->finished_at)));
	json_object_object_add(o, "ExitCode", json_object_new_int(r->exit_code));
	if (for_template) {
		_cleanup_free_ char *sid = notrunc ? xstrdup(r->id) : xstrndup(r->id, 12);
		json_object_object_add(o, "ID", json_object_new_string(sid));
	}
	json_object_object_add(o, "Id", json_object_new_string(r->id));
	json_object_object_add(o, "Image", json_object_new_string(r->image_name ?: ""));
	json_object_object_add(o, "ImageID", json_object_new_string(r->image_id ?: ""));
	json_object_object_add(o, "Labels", labels_of(r));
	json_object_object_add(o, "Mounts", json_object_new_array());
	if (for_template) {
		json_object_object_add(o, "Names", json_object_new_string(r->name));
	} else {
		struct json_object *names = json_object_new_array();
		json_object_array_add(names, json_object_new_string(r->name));
		json_object_object_add(o, "Names", names);
	}
	json_object_object_add(o, "Networks", json_object_new_array());
	json_object_object_add(o, "Pid", json_object_new_int(r->pid));
	{
		const char *pod = pod_of(r);
		size_t len = pod && !notrunc && for_template ? 12 : (pod ? strlen(pod) : 0);
		json_object_object_add(o, "Pod",
				       json_object_new_string_len(pod ? pod : "", (int)len));
	}
	if (for_template) {
		_cleanup_free_ char *sum = network_ports_summary(ports);
		json_object_object_add(o, "Ports", json_object_new_string(sum));
	} else {
		json_object_object_add(o, "Ports",
				       ports && json_object_array_length(ports) > 0
					       ? json_object_get(ports)
					       : NULL);
	}
	json_object_object_add(o, "StartedAt",
			       json_object_new_int64((int64_t)frontend_parse_time(r->started_at)));
	json_object_object_add(o, "State", json_object_new_string(ps_state_name(r)));
	json_object_object_add(o, "Status", json_object_new_string(status));
	json_object_object_add(o, "Size", NULL);
	return o;
}

/*
 * An external container (external.h) as podman's ps --external shows it: its command
 * "buildah" (or "storage"), its status "Storage".
 */
static struct json_object *ext_item(const struct ext_ctr *x, bool notrunc, bool for_template)
{
	struct json_object *o = json_object_new_object(), *cmd = json_object_new_array();
	const char *what = x->buildah ? "buildah" : "storage";
	_cleanup_free_ char *since = NULL, *ago = NULL, *sid = NULL;
	double created = frontend_parse_time(x->created);

	json_object_array_add(cmd, json_object_new_string(what));
	since = fmt_human_duration(frontend_now_seconds() - created);
	ago = xasprintf("%s ago", since);
	sid = notrunc ? xstrdup(x->id) : xstrndup(x->id, 12);
	json_object_object_add(o, "AutoRemove", json_object_new_boolean(false));
	json_object_object_add(o, "Command", for_template ? json_object_new_string(what) : cmd);
	if (for_template)
		json_object_put(cmd);
	json_object_object_add(o, "CreatedAt", json_object_new_string(x->created));
	json_object_object_add(o, "CreatedHuman", json_object_new_string(ago));
	json_object_object_add(o, "Created",
			       for_template ? json_object_new_string(ago)
					    : json_object_new_int64((int64_t)created));
	json_object_object_add(o, "Exited", json_object_new_boolean(false));
	json_object_object_add(o, "ExitedAt", json_object_new_int64(0));
	json_object_object_add(o, "ExitCode", json_object_new_int(0));
	if (for_template)
		json_object_object_add(o, "ID", json_object_new_string(sid));
	json_object_object_add(o, "Id", json_object_new_string(x->id));
	json_object_object_add(o, "Image", json_object_new_string(x->image_name));
	json_object_object_add(o, "ImageID", json_object_new_string(x->image_id));
	json_object_object_add(o, "IsExternal", json_object_new_boolean(true));
	json_object_object_add(o, "Labels", NULL);
	json_object_object_add(o, "Mounts", json_object_new_array());
	if (for_template) {
		json_object_object_add(o, "Names", json_object_new_string(x->name));
	} else {
		struct json_object *names = json_object_new_array();
		json_object_array_add(names, json_object_new_string(x->name));
		json_object_object_add(o, "Names", names);
	}
	json_object_object_add(o, "Networks", json_object_new_array());
	json_object_object_add(o, "Pid", json_object_new_int(0));
	json_object_object_add(o, "Pod", json_object_new_string(""));
	json_object_object_add(o, "PodName", json_object_new_string(""));
	json_object_object_add(o, "Ports", for_template ? json_object_new_string("") : NULL);
	json_object_object_add(o, "StartedAt", json_object_new_int64(0));
	json_object_object_add(o, "State", json_object_new_string("storage"));
	json_object_object_add(o, "Status", json_object_new_string("Storage"));
	json_object_object_add(o, "Size", NULL);
	return o;
}

static int ext_older_first(const void *a, const void *b)
{
	double ta = frontend_parse_time(((const struct ext_ctr *)a)->created);
	double tb = frontend_parse_time(((const struct ext_ctr *)b)->created);

	return (ta > tb) - (ta < tb);
}

/*
 * ps --external: the external containers after pea's own (none with a --filter), the
 * oldest first as podman lists them.
 */
static int add_external(const struct global_options *g, struct json_object *items, bool notrunc,
			bool for_template, struct pea_error **err)
{
	struct ext_ctr *v = NULL;
	size_t n = 0;

	if (ext_list(g, &v, &n, err) < 0)
		return -1;
	if (n > 1)
		qsort(v, n, sizeof(*v), ext_older_first);
	for (size_t i = 0; i < n; i++)
		json_object_array_add(items, ext_item(&v[i], notrunc, for_template));
	ext_list_free(v, n);
	return 0;
}

/* --filter KEY=VALUE: the same key ORs, different keys AND (podman-ps(1)). */
static int filter_check(char **filters, struct pea_error **err)
{
	static const char *const keys[] = { "id",     "name",	  "status", "label",
					    "exited", "ancestor", "pod",    "health" };

	for (size_t i = 0; filters && filters[i]; i++) {
		const char *eq = strchr(filters[i], '=');
		bool ok = false;
		for (size_t k = 0; eq && k < ARRAY_SIZE(keys); k++)
			ok |= strlen(keys[k]) == (size_t)(eq - filters[i]) &&
			      strncmp(keys[k], filters[i], (size_t)(eq - filters[i])) == 0;
		if (!ok)
			return pea_error_new(err, EINVAL,
					     "invalid filter \"%s\": use id, name, "
					     "status, label, exited, ancestor, pod or health=VALUE",
					     filters[i]);
		if (strncmp(filters[i], "health=", 7) == 0 && strcmp(eq + 1, "healthy") != 0 &&
		    strcmp(eq + 1, "unhealthy") != 0 && strcmp(eq + 1, "starting") != 0 &&
		    strcmp(eq + 1, "none") != 0)
			return pea_error_new(err, EINVAL,
					     "invalid health \"%s\": use healthy, unhealthy, "
					     "starting or none",
					     eq + 1);
		if (strncmp(filters[i], "status=", 7) == 0 && strcmp(eq + 1, "created") != 0 &&
		    strcmp(eq + 1, "running") != 0 && strcmp(eq + 1, "exited") != 0 &&
		    strcmp(eq + 1, "paused") != 0 && strcmp(eq + 1, "stopped") != 0 &&
		    strcmp(eq + 1, "unknown") != 0)
			return pea_error_new(err, EINVAL,
					     "invalid status \"%s\": use created, "
					     "running, exited, paused, stopped or unknown",
					     eq + 1);
		if (strncmp(filters[i], "name=", 5) == 0) {
			regex_t re;
			if (regcomp(&re, eq + 1, REG_EXTENDED | REG_NOSUB) != 0)
				return pea_error_new(err, EINVAL, "invalid name filter \"%s\"",
						     eq + 1);
			regfree(&re);
		}
	}
	return 0;
}

static bool label_has(const struct ctr_record *r, const char *want)
{
	struct json_object *labels = NULL;
	size_t wl = strlen(want);

	if (!json_object_object_get_ex(r->opts, "labels", &labels))
		return false;
	for (size_t i = 0; i < json_object_array_length(labels); i++) {
		const char *l = json_object_get_string(json_object_array_get_idx(labels, i));
		/* "key" matches any value, "key=value" that value */
		if (l && (strcmp(l, want) == 0 ||
			  (!strchr(want, '=') && strncmp(l, want, wl) == 0 && l[wl] == '=')))
			return true;
	}
	return false;
}

static bool filter_one(const struct global_options *g, const struct ctr_record *r, const char *key,
		       const char *v)
{
	if (strcmp(key, "id") == 0)
		return strncmp(r->id, v, strlen(v)) == 0;
	if (strcmp(key, "name") == 0) {
		regex_t re;
		bool m;
		if (regcomp(&re, v, REG_EXTENDED | REG_NOSUB) != 0)
			return false;
		m = regexec(&re, r->name, 0, NULL, 0) == 0;
		regfree(&re);
		return m;
	}
	if (strcmp(key, "status") == 0)
		return strcmp(v, ps_state_name(r)) == 0 ||
		       (strcmp(v, "stopped") == 0 && r->state == CTR_EXITED);
	if (strcmp(key, "label") == 0)
		return label_has(r, v);
	if (strcmp(key, "health") == 0) { /* none: no healthcheck */
		const char *h = health_status(g, r);
		return strcmp(v, h ? h : "none") == 0;
	}
	if (strcmp(key, "exited") == 0)
		return r->state == CTR_EXITED && r->exit_code == atoi(v);
	if (strcmp(key, "pod") == 0) /* a pod's full id (pod_filters) */
		return pod_of(r) && strcmp(pod_of(r), v) == 0;
	if (strcmp(key, "ancestor") == 0)
		return (r->image_name &&
			(strcmp(r->image_name, v) == 0 || strstr(r->image_name, v) != NULL)) ||
		       (r->image_id && strncmp(r->image_id, v, strlen(v)) == 0);
	return false;
}

/* The port mappings of a container: as set up (host ports picked) while it runs, else as asked. */
static struct json_object *ports_of(const struct global_options *g, const struct ctr_record *r,
				    struct json_object **setup)
{
	_cleanup_free_ char *path = NULL;
	struct json_object *v = NULL;

	*setup = NULL;
	if (r->state == CTR_RUNNING) {
		path = xasprintf("%s/containers/%s/netsetup.json", g->runroot, r->id);
		if (pea_json_parse_file_at(AT_FDCWD, path, 4u << 20, setup, NULL) == 0 && *setup &&
		    json_object_object_get_ex(*setup, "port_mappings", &v))
			return v;
	}
	return json_object_object_get_ex(r->opts, "ports", &v) ? v : NULL;
}

/* --filter pod=NAME|ID: the pod's full id, for filter_one (a pod that does not exist: none). */
static void pod_filters(const struct global_options *g, char **filters)
{
	for (size_t i = 0; filters && filters[i]; i++) {
		_cleanup_pod_ struct pod_record *p = NULL;
		if (strncmp(filters[i], "pod=", 4) != 0)
			continue;
		if (pod_lookup(g, filters[i] + 4, &p, NULL) == 0) {
			free(filters[i]);
			filters[i] = xasprintf("pod=%s", p->id);
		}
	}
}

/* The name of the pod a container belongs to ("" for none). */
static const char *pod_name_of(const struct global_options *g, const struct ctr_record *r,
			       struct pod_record **cache)
{
	const char *pod = pod_of(r);

	if (!pod)
		return "";
	if (!*cache || strcmp((*cache)->id, pod) != 0) {
		*cache = pod_record_free(*cache);
		if (pod_load(g, pod, cache, NULL) < 0)
			return "";
	}
	return (*cache)->name;
}

static bool filter_match(const struct global_options *g, const struct ctr_record *r, char **filters)
{
	for (size_t i = 0; filters && filters[i]; i++) {
		const char *eq = strchr(filters[i], '=');
		_cleanup_free_ char *key = xstrndup(filters[i], (size_t)(eq - filters[i]));
		bool any = false, seen_before = false;

		for (size_t k = 0; k < i; k++)
			seen_before |=
				strncmp(filters[k], filters[i], (size_t)(eq - filters[i]) + 1) == 0;
		if (seen_before)
			continue; /* this key was evaluated with its first occurrence */
		for (size_t k = i; filters[k]; k++)
			if (strncmp(filters[k], filters[i], (size_t)(eq - filters[i]) + 1) == 0)
				any |= filter_one(g, r, key, filters[k] + (eq - filters[i]) + 1);
		if (!any)
			return false;
	}
	return true;
}

/* --sort KEY (podman's SortPsOutput): ascending by the key, ties in creation order. */
static const char *const sort_keys[] = { "command", "created",	  "id",	  "image",
					 "names",   "runningfor", "size", "status" };

static const char *record_command(const struct ctr_record *r)
{
	struct json_object *args = NULL;

	if (!json_object_object_get_ex(r->opts, "args", &args) ||
	    json_object_array_length(args) == 0)
		return "";
	return json_object_get_string(json_object_array_get_idx(args, 0)) ?: "";
}

static const char *sort_value(const struct ctr_record *r, const char *key)
{
	if (strcmp(key, "command") == 0)
		return record_command(r);
	if (strcmp(key, "id") == 0)
		return r->id;
	if (strcmp(key, "image") == 0)
		return r->image_name ?: "";
	if (strcmp(key, "names") == 0)
		return r->name;
	if (strcmp(key, "runningfor") == 0)
		return r->started_at ?: "";
	if (strcmp(key, "status") == 0)
		return ps_state_name(r);
	return r->created ?: ""; /* created; size: pea lists no sizes, creation order */
}

static const char *ps_sort_key; /* qsort has no context argument */

static int sort_cmp(const void *a, const void *b)
{
	const struct ctr_record *x = *(struct ctr_record *const *)a;
	const struct ctr_record *y = *(struct ctr_record *const *)b;
	int c = strcmp(sort_value(x, ps_sort_key), sort_value(y, ps_sort_key));

	return c ? c : strcmp(x->created ?: "", y->created ?: "");
}

static int sort_check(const char *key, struct pea_error **err)
{
	for (size_t i = 0; i < ARRAY_SIZE(sort_keys); i++)
		if (strcmp(sort_keys[i], key) == 0)
			return 0;
	return pea_error_new(err, EINVAL,
			     "invalid argument \"%s\" for \"--sort\" flag: \"%s\" is not a valid "
			     "value.  Choose from: \"command, created, id, image, names, "
			     "runningfor, size, status\"",
			     key, key);
}

/* -n N: the N created last (any state), still listed oldest first. */
static int parse_last(const char *s, long *ret, struct pea_error **err)
{
	char *end = NULL;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end)
		return pea_error_new(
			err, EINVAL,
			"invalid argument \"%s\" for \"-n, --last\" flag: strconv.ParseInt: "
			"parsing \"%s\": invalid syntax",
			s, s);
	*ret = v;
	return 0;
}

static bool has_status_filter(char **filters)
{
	for (size_t i = 0; filters && filters[i]; i++)
		if (strncmp(filters[i], "status=", 7) == 0)
			return true;
	return false;
}

static const char ps_usage[] =
	"Usage: pea ps [OPTIONS]\n"
	"\n"
	"List containers (running ones, or all with -a).\n"
	"\n"
	"  -a, --all             all containers, not only running ones\n"
	"      --external        also containers of the store pea did not make (buildah's)\n"
	"  -f, --filter=KEY=VAL  id, name (a regex), status, label, exited, ancestor, pod,\n"
	"                        health (healthy, unhealthy, starting, none)\n"
	"      --format=FORMAT   Go template ({{.ID}}, {{.Names}}, {{.Image}}, {{.Status}},\n"
	"                        {{.State}}, {{.Command}}, ...) or json\n"
	"  -n, --last=N          the N containers created last, in any state\n"
	"  -l, --latest          only the container created last\n"
	"      --noheading       no header row\n"
	"      --no-trunc        full ids and commands\n"
	"  -p, --pod             the pod's id and name of each container\n"
	"  -q, --quiet           only the ids\n"
	"      --sort=KEY        command, created, id, image, names, runningfor, size or status\n"
	"      --sync            ask the runtime whether running containers are paused\n";

enum { OPT_FORMAT = 1000, OPT_NOTRUNC, OPT_NOHEADING, OPT_EXTERNAL, OPT_SORT, OPT_SYNC };

int cmd_ps(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "all", no_argument, NULL, 'a' },
		{ "filter", required_argument, NULL, 'f' },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "latest", no_argument, NULL, 'l' },
		{ "last", required_argument, NULL, 'n' },
		{ "noheading", no_argument, NULL, OPT_NOHEADING },
		{ "no-trunc", no_argument, NULL, OPT_NOTRUNC },
		{ "quiet", no_argument, NULL, 'q' },
		{ "external", no_argument, NULL, OPT_EXTERNAL },
		{ "pod", no_argument, NULL, 'p' },
		{ "sort", required_argument, NULL, OPT_SORT },
		{ "sync", no_argument, NULL, OPT_SYNC },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_json_ struct json_object *items = json_object_new_array();
	_cleanup_free_ char *format = NULL, *sort = NULL;
	_cleanup_strv_ char **filters = NULL;
	struct ctr_record **v = NULL;
	struct json_object *setup = NULL;
	struct template *t = NULL;
	bool all = false, quiet = false, noheading = false, notrunc = false, latest = false;
	bool sync = false, with_pod = false, external = false;
	struct pod_record *pod_cache = NULL;
	bool json;
	size_t n = 0, first = 0, kept = 0;
	long last = -1;
	int r, c = 0;

	optind = 0;
	while ((r = cmd_getopt(argc, argv, "haqn:lpf:", opts, ps_usage, &c, err)) == 2) {
		switch (c) {
		case 'f':
			pea_strv_push(&filters, optarg);
			break;
		case 'a':
			all = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 'n':
			if (parse_last(optarg, &last, err) < 0)
				return -1;
			break;
		case OPT_NOHEADING:
			noheading = true;
			break;
		case OPT_SORT:
			if (sort_check(optarg, err) < 0)
				return -1;
			free(sort);
			sort = xstrdup(optarg);
			break;
		case 'l':
			latest = true;
			break;
		case 'p':
			with_pod = true;
			break;
		case OPT_SYNC:
			sync = true;
			break;
		case OPT_NOTRUNC:
			notrunc = true;
			break;
		case OPT_EXTERNAL:
			external = true;
			break;
		case OPT_FORMAT:
			free(format);
			format = xstrdup(optarg);
			break;
		default:
			break;
		}
	}
	if (r < 0)
		return -1;
	if (r == 1)
		return 0;
	if (optind < argc)
		return check_nargs(argc - optind, 0, 0, err);
	if (filter_check(filters, err) < 0)
		return -1;
	pod_filters(g, filters);
	if (last >= 0 && latest)
		return pea_error_new(err, EINVAL, "last and latest are mutually exclusive");
	json = format && (strcmp(format, "json") == 0 || strcmp(format, "{{json .}}") == 0);
	if (format && !json && template_parse(format, ps_header, &t, err) < 0)
		return -1;
	if (records_list(g, &v, &n, err) < 0) {
		template_free(t);
		return -1;
	}
	if (latest)
		last = 1;
	/* podman: -n implies -a, and so does a status filter (as docker does) */
	all |= last > 0 || has_status_filter(filters);
	for (size_t i = 0; i < n; i++) {
		(void)record_refresh(g, v[i], NULL);
		record_note_paused(g, v[i]);
		/* --sync: the runtime's word over the record's mark (paused behind pea's back) */
		if (sync && v[i]->state == CTR_RUNNING) {
			_cleanup_free_ char *st = NULL;
			if (runtime_status(g, v[i], &st, NULL) == 0)
				v[i]->paused = strcmp(st, "paused") == 0;
		}
		if ((!all && v[i]->state != CTR_RUNNING) || !filter_match(g, v[i], filters)) {
			v[i] = ctr_record_free(v[i]);
			continue;
		}
		v[kept++] = v[i];
	}
	/* the last N created of those that match, still oldest first */
	if (last > 0 && (size_t)last < kept)
		first = kept - (size_t)last;
	if (sort) {
		ps_sort_key = sort;
		qsort(v + first, kept - first, sizeof(*v), sort_cmp);
	}
	for (size_t i = first; i < kept; i++) {
		/* a pod's member (--network container:X) shows the infra's ports, as podman */
		_cleanup_record_ struct ctr_record *owner =
			quiet ? NULL : network_ns_owner(g, v[i]);
		struct json_object *item = ps_item(v[i], ports_of(g, owner ? owner : v[i], &setup),
						   notrunc || quiet, !json);
		const char *health = v[i]->state == CTR_RUNNING ? health_status(g, v[i]) : NULL;

		if (health) { /* podman's "Up 5 seconds (healthy)" */
			_cleanup_free_ char *st = ps_status(v[i]);
			_cleanup_free_ char *full = xasprintf("%s (%s)", st, health);
			json_object_object_add(item, "Status", json_object_new_string(full));
		}
		json_object_object_add(item, "PodName",
				       json_object_new_string(pod_name_of(g, v[i], &pod_cache)));
		json_object_array_add(items, item);
		json_object_put(setup);
	}
	pod_cache = pod_record_free(pod_cache);
	records_free(v, kept);
	if (external && !filters && !latest && last < 0 &&
	    add_external(g, items, notrunc || quiet, !json, err) < 0) {
		template_free(t);
		return -1;
	}
	if (json) {
		fmt_print_json(stdout, items);
		return 0;
	}
	if (quiet && !t) {
		for (size_t i = 0; i < json_object_array_length(items); i++) {
			struct json_object *id =
				json_object_object_get(json_object_array_get_idx(items, i), "ID");
			printf("%.*s\n", notrunc ? 64 : 12, json_object_get_string(id));
		}
		return 0;
	}
	if (!t) {
		const char *def = "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.CreatedHuman}}\t"
				  "{{.Status}}\t{{.Ports}}\t{{.Names}}";
		const char *def_pod = "table {{.ID}}\t{{.Image}}\t{{.Command}}\t"
				      "{{.CreatedHuman}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}\t"
				      "{{.Pod}}\t{{.PodName}}";
		if (template_parse(with_pod ? def_pod : def, ps_header, &t, err) < 0)
			return -1;
	}
	if (noheading) {
		template_drop_header(t);
	}
	template_set_context(t, "ps", "containers.psReporter");
	r = template_print(stdout, t, items, err);
	template_free(t);
	return r;
}
