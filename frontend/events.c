/*
 * podman's event log with events_logger = "file" (events.h): writing one
 * event, the log's rotation, and the parser of its lines for `pea events`.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/lock.h"
#include "lib/log.h"
#include "lib/strv.h"
#include "lib/toml.h"
#include "lib/xalloc.h"
#include "frontend/config.h"
#include "frontend/events.h"
#include "frontend/frontend.h"
#include "frontend/journal.h"
#include "frontend/records.h"

/* The [engine] keys of the event log, read once per process. */
struct events_config {
	char *logger;  /* file, journald, none */
	char *path;    /* events_logfile_path */
	char *tmp_dir; /* tmp_dir */
	long long max; /* events_logfile_max_size; 0: no rotation */
	bool loaded;
};

static struct events_config conf;
static char *backend_opt; /* --events-backend */

void events_set_backend(const char *backend)
{
	free(backend_opt);
	backend_opt = xstrdup(backend);
}

const char *events_backend_option(void)
{
	return backend_opt;
}

static void replace(char **dst, const char *v)
{
	free(*dst);
	*dst = xstrdup(v);
}

/* events_logfile_max_size: a number of bytes, or a size as a string ("1MB"). */
static int parse_max(struct json_object *engine, const char *what, struct pea_error **err)
{
	struct json_object *v = NULL;
	long long n;

	if (!json_object_object_get_ex(engine, "events_logfile_max_size", &v) || !v)
		return 0;
	if (json_object_is_type(v, json_type_int)) {
		n = json_object_get_int64(v);
	} else if (!json_object_is_type(v, json_type_string) ||
		   frontend_parse_size(json_object_get_string(v), &n) < 0) {
		return pea_error_new(err, EINVAL,
				     "%s: 'engine.events_logfile_max_size': not a size in bytes",
				     what);
	}
	conf.max = n > 0 ? n : 0;
	return 0;
}

static int parse_one(const char *text, size_t len, const char *what, struct pea_error **err)
{
	_cleanup_json_ struct json_object *doc = NULL;
	struct json_object *engine = NULL;
	const char *logger = NULL, *path = NULL, *tmp = NULL;

	if (config_toml_parse(text, len, what, &doc, err) < 0)
		return -1;
	if (!doc || pea_json_get_object_opt(doc, "", "engine", &engine, err) < 0)
		return doc ? pea_error_wrap(err, "%s", what) : 0;
	if (!engine)
		return 0;
	if (pea_json_get_string_opt(engine, "engine", "events_logger", &logger, err) < 0 ||
	    pea_json_get_string_opt(engine, "engine", "events_logfile_path", &path, err) < 0 ||
	    pea_json_get_string_opt(engine, "engine", "tmp_dir", &tmp, err) < 0)
		return pea_error_wrap(err, "%s", what);
	if (logger && strcmp(logger, "file") != 0 && strcmp(logger, "journald") != 0 &&
	    strcmp(logger, "none") != 0)
		return pea_error_new(err, EINVAL,
				     "%s: 'engine.events_logger': invalid events backend '%s': use "
				     "file, journald or none",
				     what, logger);
	if (logger)
		replace(&conf.logger, logger);
	if (path && *path)
		replace(&conf.path, path);
	if (tmp && *tmp)
		replace(&conf.tmp_dir, tmp);
	return parse_max(engine, what, err);
}

static int load_config(const struct global_options *g, struct pea_error **err)
{
	_cleanup_strv_ char **paths = NULL;

	if (conf.loaded)
		return 0;
	paths = containers_conf_paths(g);
	for (size_t i = 0; paths && paths[i]; i++) {
		_cleanup_free_ char *buf = NULL;
		_cleanup_error_ struct pea_error *e = NULL;
		size_t len;

		if (pea_read_file_at(AT_FDCWD, paths[i], PEA_TOML_MAX_SIZE, &buf, &len, &e) < 0) {
			if (e->code == ENOENT)
				continue;
			*err = TAKE_PTR(e);
			return pea_error_wrap(err, "containers.conf");
		}
		if (parse_one(buf, len, paths[i], err) < 0)
			return pea_error_wrap(err, "containers.conf");
	}
	conf.loaded = true;
	return 0;
}

static const char *backend(void)
{
	if (backend_opt)
		return backend_opt;
	return conf.logger ? conf.logger : "file";
}

static char *log_path(const struct global_options *g)
{
	if (conf.path)
		return xstrdup(conf.path);
	if (conf.tmp_dir)
		return xasprintf("%s/events/events.log", conf.tmp_dir);
	return xasprintf("%s/events/events.log", g->runroot);
}

const char *events_backend_name(const struct global_options *g)
{
	_cleanup_error_ struct pea_error *e = NULL;

	(void)load_config(g, &e);
	return backend();
}

int events_log_path(const struct global_options *g, char **ret, struct pea_error **err)
{
	if (load_config(g, err) < 0)
		return -1;
	if (strcmp(backend(), "none") == 0)
		return pea_error_new(err, EINVAL, "cannot read events with the \"none\" backend");
	*ret = strcmp(backend(), "journald") == 0 ? NULL : log_path(g);
	return 0;
}

/* ---- writing ------------------------------------------------------------ */

/* RFC 3339 with nanoseconds as Go's RFC3339Nano writes it (trailing zeros cut), UTC. */
static char *now_rfc3339(void)
{
	struct timespec ts;
	struct tm tm;
	char day[64], frac[32] = "";

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
	if (ts.tv_nsec > 0) {
		size_t n;
		snprintf(frac, sizeof(frac), ".%09ld", ts.tv_nsec);
		for (n = strlen(frac); frac[n - 1] == '0'; n--)
			frac[n - 1] = '\0';
	}
	return xasprintf("%s%sZ", day, frac);
}

static void add_str(struct json_object *o, const char *key, const char *v)
{
	if (v && *v)
		json_object_object_add(o, key, json_object_new_string(v));
}

/* The object of e at time t (RFC 3339), its fields in the order podman writes them. */
static struct json_object *event_object(const struct event *e, const char *t)
{
	struct json_object *o = json_object_new_object();
	struct json_object *attrs = NULL;

	if (e->has_exit_code && e->exit_code != 0)
		json_object_object_add(o, "ContainerExitCode", json_object_new_int(e->exit_code));
	add_str(o, "ID", e->id);
	add_str(o, "Image", e->image);
	add_str(o, "Name", e->name);
	add_str(o, "network", e->network); /* podman's key for its Network */
	add_str(o, "Status", e->status);
	json_object_object_add(o, "Time", json_object_new_string(t));
	json_object_object_add(o, "Type", json_object_new_string(e->type));
	add_str(o, "health_status", e->health); /* podman's key for its HealthStatus */
	add_str(o, "PodID", e->pod_id);
	for (size_t i = 0; e->attributes && e->attributes[i]; i++) {
		const char *eq = strchr(e->attributes[i], '=');
		_cleanup_free_ char *k = NULL;

		if (!attrs)
			attrs = json_object_new_object();
		k = eq ? xstrndup(e->attributes[i], (size_t)(eq - e->attributes[i]))
		       : xstrdup(e->attributes[i]);
		json_object_object_add(attrs, k, json_object_new_string(eq ? eq + 1 : ""));
	}
	json_object_object_add(o, "Attributes", attrs);
	return o;
}

/* The JSON line of e, now. */
static char *event_line(const struct event *e)
{
	_cleanup_free_ char *now = now_rfc3339();
	_cleanup_json_ struct json_object *o = event_object(e, now);

	return xasprintf("%s\n", pea_json_to_string(o));
}

static int append(const char *path, const char *line, struct pea_error **err)
{
	_cleanup_close_ int fd = -1;
	size_t len = strlen(line);
	ssize_t n;

	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return pea_error_errno(err, "open '%s'", path);
	/* one write: O_APPEND writers of a line each never interleave */
	n = write(fd, line, len);
	if (n < 0)
		return pea_error_errno(err, "write '%s'", path);
	if ((size_t)n != len)
		return pea_error_new(err, EIO, "write '%s': short write", path);
	return 0;
}

/*
 * podman's rotation: keep what follows the first line break after the middle
 * of the file (the line the middle falls in, or starts, goes), through a
 * temporary file renamed over the log.
 */
static int rotate(const char *path, struct pea_error **err)
{
	_cleanup_free_ char *buf = NULL;
	const char *keep;
	size_t len;
	char *nl;

	if (pea_read_file_at(AT_FDCWD, path, 256u << 20, &buf, &len, err) < 0)
		return -1;
	nl = memchr(buf + len / 2, '\n', len - len / 2);
	keep = nl ? nl + 1 : buf + len;
	if (pea_write_file_replace_at(AT_FDCWD, path, keep, len - (size_t)(keep - buf), 0600, err) <
	    0)
		return -1;
	return 0;
}

static int write_rotating(const struct global_options *g, const char *path, const char *line,
			  struct pea_error **err)
{
	_cleanup_free_ char *lockname = xasprintf("%s.lock", path);
	_cleanup_close_ int lock = -1;
	struct stat st;

	(void)g;
	if (pea_lock_at(AT_FDCWD, lockname, PEA_LOCK_EXCLUSIVE, false, &lock, err) < 0)
		return -1;
	if (stat(path, &st) == 0 && (long long)st.st_size + (long long)strlen(line) >= conf.max) {
		_cleanup_free_ char *rline = NULL;
		struct event r = { .type = EVENT_SYSTEM, .status = "log-rotation", .name = path };

		if (rotate(path, err) < 0)
			return -1;
		rline = event_line(&r);
		if (append(path, rline, err) < 0)
			return -1;
	}
	return append(path, line, err);
}

/* ---- the journald backend ------------------------------------------------- */

static void push_field(char ***v, const char *name, const char *value)
{
	pea_strv_push_take(v, xasprintf("%s=%s", name, value ? value : ""));
}

/* PODMAN_LABELS: the attributes as a JSON object, as podman's journal writer sends them. */
static char *labels_json(const struct event *e)
{
	_cleanup_json_ struct json_object *o = json_object_new_object();

	for (size_t i = 0; e->attributes && e->attributes[i]; i++) {
		const char *eq = strchr(e->attributes[i], '=');
		_cleanup_free_ char *k =
			eq ? xstrndup(e->attributes[i], (size_t)(eq - e->attributes[i]))
			   : xstrdup(e->attributes[i]);
		json_object_object_add(o, k, json_object_new_string(eq ? eq + 1 : ""));
	}
	return xstrdup(pea_json_to_string(o));
}

/*
 * One event as podman 4.3's journal writer sends it (libpod/events/journal_linux.go):
 * MESSAGE the event as `events` prints it (full ID), PRIORITY 6 (info), the identifier,
 * PODMAN_EVENT, PODMAN_TYPE, PODMAN_TIME, then by type: PODMAN_NAME and PODMAN_ID for an
 * image; PODMAN_IMAGE, PODMAN_NAME, PODMAN_ID, PODMAN_EXIT_CODE (not 0), PODMAN_POD_ID,
 * PODMAN_LABELS (a JSON object) and PODMAN_HEALTH_STATUS for a container or pod;
 * PODMAN_ID and PODMAN_NETWORK_NAME for a network; PODMAN_NAME for a volume.
 */
static int journal_event(const struct event *e, struct pea_error **err)
{
	_cleanup_free_ char *now = now_rfc3339(), *human = NULL;
	_cleanup_json_ struct json_object *o = event_object(e, now);
	_cleanup_strv_ char **f = NULL;

	human = events_human(o, true);
	push_field(&f, "MESSAGE", human);
	push_field(&f, "PRIORITY", "6");
	push_field(&f, "SYSLOG_IDENTIFIER", EVENTS_JOURNAL_IDENTIFIER);
	push_field(&f, "PODMAN_EVENT", e->status);
	push_field(&f, "PODMAN_TYPE", e->type);
	push_field(&f, "PODMAN_TIME", now);
	if (strcmp(e->type, EVENT_IMAGE) == 0) {
		push_field(&f, "PODMAN_NAME", e->name);
		push_field(&f, "PODMAN_ID", e->id);
	} else if (strcmp(e->type, EVENT_CONTAINER) == 0 || strcmp(e->type, EVENT_POD) == 0) {
		push_field(&f, "PODMAN_IMAGE", e->image);
		push_field(&f, "PODMAN_NAME", e->name);
		push_field(&f, "PODMAN_ID", e->id);
		if (e->has_exit_code && e->exit_code != 0)
			pea_strv_push_take(&f, xasprintf("PODMAN_EXIT_CODE=%d", e->exit_code));
		if (e->pod_id && *e->pod_id)
			push_field(&f, "PODMAN_POD_ID", e->pod_id);
		if (e->attributes && e->attributes[0])
			pea_strv_push_take(&f, xasprintf("PODMAN_LABELS=%s", labels_json(e)));
		push_field(&f, "PODMAN_HEALTH_STATUS", e->health);
	} else if (e->network) {
		push_field(&f, "PODMAN_ID", e->id);
		push_field(&f, "PODMAN_NETWORK_NAME", e->network);
	} else if (strcmp(e->type, EVENT_VOLUME) == 0) {
		push_field(&f, "PODMAN_NAME", e->name);
	}
	return journal_send(f, err);
}

static int attrs_of_labels(const char *text, char ***ret, struct pea_error **err)
{
	_cleanup_json_ struct json_object *o = NULL;

	if (pea_json_parse(text, strlen(text), "PODMAN_LABELS", &o, err) < 0)
		return -1;
	if (!json_object_is_type(o, json_type_object))
		return pea_error_new(err, EINVAL, "PODMAN_LABELS: not a JSON object");
	json_object_object_foreach(o, k, v)
	{
		if (!json_object_is_type(v, json_type_string))
			return pea_error_new(err, EINVAL, "PODMAN_LABELS: '%s' is not a string", k);
		pea_strv_push_take(ret, xasprintf("%s=%s", k, json_object_get_string(v)));
	}
	return 0;
}

int events_from_journal(struct json_object *entry, struct json_object **ret, double *ret_time,
			struct pea_error **err)
{
	_cleanup_free_ char *type = journal_field(entry, "PODMAN_TYPE");
	_cleanup_free_ char *status = journal_field(entry, "PODMAN_EVENT");
	_cleanup_free_ char *t = journal_field(entry, "PODMAN_TIME");
	_cleanup_free_ char *id = journal_field(entry, "PODMAN_ID");
	_cleanup_free_ char *name = journal_field(entry, "PODMAN_NAME");
	_cleanup_free_ char *image = journal_field(entry, "PODMAN_IMAGE");
	_cleanup_free_ char *pod = journal_field(entry, "PODMAN_POD_ID");
	_cleanup_free_ char *code = journal_field(entry, "PODMAN_EXIT_CODE");
	_cleanup_free_ char *labels = journal_field(entry, "PODMAN_LABELS");
	_cleanup_free_ char *health = journal_field(entry, "PODMAN_HEALTH_STATUS");
	_cleanup_free_ char *network = journal_field(entry, "PODMAN_NETWORK_NAME");
	_cleanup_strv_ char **attrs = NULL;
	struct event e = { 0 };
	char *end = NULL;

	if (!type || !*type)
		return pea_error_new(err, ENOMSG, "journal entry: no PODMAN_TYPE");
	if (!status || !*status || !t)
		return pea_error_new(err, EINVAL, "journal entry: no PODMAN_EVENT or PODMAN_TIME");
	if (frontend_parse_rfc3339(t, 0, ret_time) < 0)
		return pea_error_new(err, EINVAL,
				     "journal entry: PODMAN_TIME '%s' is not an RFC 3339 time", t);
	e = (struct event){ .type = type, .status = status, .id = id, .name = name };
	if (strcmp(type, EVENT_CONTAINER) == 0 || strcmp(type, EVENT_POD) == 0) {
		e.image = image;
		e.pod_id = pod;
		e.health = health;
		if (code) {
			long v;
			errno = 0;
			v = strtol(code, &end, 10);
			if (end == code || *end || errno || v < INT32_MIN || v > INT32_MAX)
				return pea_error_new(err, EINVAL,
						     "journal entry: PODMAN_EXIT_CODE '%s'", code);
			e.has_exit_code = true;
			e.exit_code = (int)v;
		}
		if (labels && *labels && attrs_of_labels(labels, &attrs, err) < 0)
			return pea_error_wrap(err, "journal entry");
		e.attributes = attrs;
	} else if (network) {
		e.network = network;
	}
	*ret = event_object(&e, t);
	return 0;
}

static int write_event(const struct global_options *g, const struct event *e,
		       struct pea_error **err)
{
	_cleanup_free_ char *path = NULL, *line = NULL, *dir = NULL;
	char *slash;
	int r;

	if (load_config(g, err) < 0)
		return -1;
	if (strcmp(backend(), "journald") == 0)
		return journal_event(e, err);
	if (strcmp(backend(), "file") != 0)
		return 0; /* none */
	path = log_path(g);
	line = event_line(e);
	r = conf.max > 0 ? write_rotating(g, path, line, err) : append(path, line, err);
	if (r == 0 || !pea_error_is(*err, ENOENT))
		return r;
	/* the first event: make the folder */
	pea_error_release(err);
	dir = xstrdup(path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (pea_mkdir_p_at(AT_FDCWD, dir, 0700, NULL, err) < 0)
			return -1;
	}
	return conf.max > 0 ? write_rotating(g, path, line, err) : append(path, line, err);
}

void events_write(const struct global_options *g, const struct event *e)
{
	_cleanup_error_ struct pea_error *err = NULL;

	if (write_event(g, e, &err) < 0)
		log_warning("writing the %s %s event: %s, ignoring", e->type, e->status,
			    err->message);
}

static char **labels_of(const struct ctr_record *r)
{
	struct json_object *labels = NULL;
	char **v = NULL;

	if (!r->opts || !json_object_object_get_ex(r->opts, "labels", &labels) ||
	    !json_object_is_type(labels, json_type_array))
		return NULL;
	for (size_t i = 0; i < json_object_array_length(labels); i++) {
		struct json_object *l = json_object_array_get_idx(labels, i);
		if (json_object_is_type(l, json_type_string))
			pea_strv_push(&v, json_object_get_string(l));
	}
	return v;
}

static const char *opt_string(const struct ctr_record *r, const char *key)
{
	struct json_object *v = NULL;

	if (!r->opts || !json_object_object_get_ex(r->opts, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static void container_event(const struct global_options *g, const struct ctr_record *r,
			    const char *status, const char *health)
{
	_cleanup_strv_ char **labels = labels_of(r);
	struct event e = {
		.type = EVENT_CONTAINER,
		.status = status,
		.id = r->id,
		.name = r->name,
		.image = r->image_name,
		.pod_id = opt_string(r, "pod"),
		.health = health,
		.attributes = labels,
	};

	if (strcmp(status, "died") == 0) {
		e.has_exit_code = true;
		e.exit_code = r->exit_code;
	}
	events_write(g, &e);
}

void events_container(const struct global_options *g, const struct ctr_record *r,
		      const char *status)
{
	container_event(g, r, status, NULL);
}

void events_health(const struct global_options *g, const struct ctr_record *r, const char *health)
{
	container_event(g, r, "health_status", health);
}

void events_image(const struct global_options *g, const char *status, const char *id,
		  const char *name)
{
	struct event e = { .type = EVENT_IMAGE, .status = status, .id = id, .name = name };

	events_write(g, &e);
}

void events_volume(const struct global_options *g, const char *status, const char *name)
{
	struct event e = { .type = EVENT_VOLUME, .status = status, .name = name };

	events_write(g, &e);
}

void events_pod(const struct global_options *g, const char *status, const char *id,
		const char *name)
{
	struct event e = { .type = EVENT_POD, .status = status, .id = id, .name = name };

	events_write(g, &e);
}

/* ---- reading ------------------------------------------------------------ */

static const char *const string_keys[] = { "ID",     "Image", "Name",  "network",
					   "Status", "Type",  "PodID", "health_status" };

static int check_fields(struct json_object *o, struct pea_error **err)
{
	struct json_object *attrs = NULL;
	const char *s = NULL;
	int code = 0;

	for (size_t i = 0; i < ARRAY_SIZE(string_keys); i++)
		if (pea_json_get_string_opt(o, "", string_keys[i], &s, err) < 0)
			return -1;
	if (pea_json_get_string_req(o, "", "Type", &s, err) < 0 ||
	    pea_json_get_string_req(o, "", "Time", &s, err) < 0 ||
	    pea_json_get_int_opt(o, "", "ContainerExitCode", &code, err) < 0 ||
	    pea_json_get_object_opt(o, "", "Attributes", &attrs, err) < 0)
		return -1;
	if (!attrs)
		return 0;
	json_object_object_foreach(attrs, k, v)
	{
		if (!json_object_is_type(v, json_type_string))
			return pea_error_new(err, EINVAL, "'Attributes.%s' is not a string", k);
	}
	return 0;
}

int events_parse_line(const char *line, size_t len, struct json_object **ret, double *ret_time,
		      struct pea_error **err)
{
	_cleanup_json_ struct json_object *o = NULL;
	const char *t = NULL;
	double when;

	if (len > EVENTS_LINE_MAX)
		return pea_error_new(err, EFBIG, "event of %zu bytes: more than %u", len,
				     EVENTS_LINE_MAX);
	if (pea_json_parse(line, len, "event", &o, err) < 0)
		return -1;
	if (pea_json_expect_object(o, "", err) < 0 || check_fields(o, err) < 0)
		return pea_error_wrap(err, "event");
	(void)pea_json_get_string_req(o, "", "Time", &t, err);
	if (frontend_parse_rfc3339(t, 0, &when) < 0)
		return pea_error_new(err, EINVAL, "event: 'Time': '%s' is not an RFC 3339 time", t);
	*ret_time = when;
	*ret = TAKE_PTR(o);
	return 0;
}
