/*
 * pea events: podman's event log (events.h) read back, filtered and printed
 * as podman prints it; with --stream (the default) new events as they come,
 * until SIGINT or SIGTERM (or --until).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "frontend/commands.h"
#include "frontend/events.h"
#include "frontend/format.h"
#include "frontend/frontend.h"
#include "frontend/journal.h"

enum {
	OPT_SINCE = 0x100,
	OPT_UNTIL,
	OPT_BACKEND,
	OPT_STREAM,
	OPT_NO_TRUNC,
	OPT_FORMAT,
};

static const char events_usage[] =
	"Usage: pea events [OPTIONS]\n"
	"\n"
	"Show the events of containers, images, volumes and pods.\n"
	"\n"
	"Options:\n"
	"  -f, --filter=KEY=VALUE  container, event (status), image, label, pod, volume, type\n"
	"      --format=FORMAT     json, or a Go template ({{.Time}}, {{.Type}}, {{.Status}},\n"
	"                          {{.ID}}, {{.Name}}, {{.Image}}, {{.Attributes.KEY}}, ...)\n"
	"      --no-trunc[=BOOL]   full IDs (default true)\n"
	"      --since=TIME        events from TIME (RFC 3339, Unix time or a duration back)\n"
	"      --stream[=BOOL]     wait for new events (default true)\n"
	"      --until=TIME        events up to TIME\n"
	"      --events-backend=B  file, journald or none (pea's global option, here too)\n";

struct events_opts {
	char **filters; /* "key=value", key lower case */
	char *format;
	bool stream, no_trunc, has_since, has_until;
	double since, until;
};

static void events_opts_clear(struct events_opts *o)
{
	pea_strv_free(o->filters);
	free(o->format);
}

static const char *const filter_keys[] = { "container", "event", "image", "label",
					   "pod",	"type",	 "volume" };

static int add_filter(struct events_opts *o, const char *f, struct pea_error **err)
{
	const char *eq = strchr(f, '=');
	_cleanup_free_ char *key = NULL;

	if (!eq || eq == f)
		return pea_error_new(err, EINVAL, "invalid filter \"%s\": use KEY=VALUE", f);
	key = xstrndup(f, (size_t)(eq - f));
	for (char *p = key; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	if (strcmp(key, "status") == 0) {
		free(key);
		key = xstrdup("event");
	}
	for (size_t i = 0; i < ARRAY_SIZE(filter_keys); i++)
		if (strcmp(key, filter_keys[i]) == 0) {
			pea_strv_push_take(&o->filters, xasprintf("%s=%s", key, eq + 1));
			return 0;
		}
	return pea_error_new(err, EINVAL, "%s is an invalid filter", f);
}

static int parse_opts(int argc, char **argv, struct events_opts *o, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "filter", required_argument, NULL, 'f' },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "no-trunc", optional_argument, NULL, OPT_NO_TRUNC },
		{ "since", required_argument, NULL, OPT_SINCE },
		{ "stream", optional_argument, NULL, OPT_STREAM },
		{ "until", required_argument, NULL, OPT_UNTIL },
		{ "events-backend", required_argument, NULL, OPT_BACKEND },
		{ NULL, 0, NULL, 0 },
	};
	int r, c = 0;

	optind = 0;
	while ((r = cmd_getopt(argc, argv, "hf:", opts, events_usage, &c, err)) == 2) {
		switch (c) {
		case 'f':
			if (add_filter(o, optarg, err) < 0)
				return -1;
			break;
		case OPT_FORMAT:
			free(o->format);
			o->format = xstrdup(optarg);
			break;
		case OPT_NO_TRUNC:
			o->no_trunc = true;
			if (optarg && parse_bool_arg("--no-trunc", optarg, &o->no_trunc, err) < 0)
				return -1;
			break;
		case OPT_STREAM:
			o->stream = true;
			if (optarg && parse_bool_arg("--stream", optarg, &o->stream, err) < 0)
				return -1;
			break;
		case OPT_SINCE:
			if (logs_parse_input_time("since", optarg, true, &o->since, err) < 0)
				return -1;
			o->has_since = true;
			break;
		case OPT_UNTIL:
			if (logs_parse_input_time("until", optarg, false, &o->until, err) < 0)
				return -1;
			o->has_until = true;
			break;
		case OPT_BACKEND: /* podman's global flag, also taken after the command */
			if (strcmp(optarg, "file") != 0 && strcmp(optarg, "journald") != 0 &&
			    strcmp(optarg, "none") != 0)
				return pea_error_new(
					err, EINVAL,
					"invalid events backend '%s': use file, journald or none",
					optarg);
			events_set_backend(optarg);
			break;
		default:
			break;
		}
	}
	if (r != 0)
		return r;
	if (optind < argc)
		return pea_error_new(err, EINVAL, "`pea events` takes no arguments");
	return 0;
}

/* ---- matching ----------------------------------------------------------- */

static const char *str_of(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return "";
	return json_object_get_string(v);
}

static bool has_prefix(const char *s, const char *p)
{
	return *p && strncmp(s, p, strlen(p)) == 0;
}

static bool name_or_id(struct json_object *e, const char *type, const char *v)
{
	return strcmp(str_of(e, "Type"), type) == 0 &&
	       (strcmp(str_of(e, "Name"), v) == 0 || has_prefix(str_of(e, "ID"), v));
}

static bool label_matches(struct json_object *e, const char *v)
{
	struct json_object *attrs = NULL, *got = NULL;
	const char *eq = strchr(v, '=');
	_cleanup_free_ char *key = eq ? xstrndup(v, (size_t)(eq - v)) : xstrdup(v);

	if (!json_object_object_get_ex(e, "Attributes", &attrs) || !attrs ||
	    !json_object_object_get_ex(attrs, key, &got) || !got)
		return false;
	return !eq || strcmp(json_object_get_string(got), eq + 1) == 0;
}

static bool filter_matches(struct json_object *e, const char *key, const char *v)
{
	if (strcmp(key, "container") == 0)
		return name_or_id(e, EVENT_CONTAINER, v);
	if (strcmp(key, "event") == 0)
		return strcmp(str_of(e, "Status"), v) == 0;
	if (strcmp(key, "image") == 0)
		return strcmp(str_of(e, "Image"), v) == 0 || name_or_id(e, EVENT_IMAGE, v);
	if (strcmp(key, "label") == 0)
		return label_matches(e, v);
	if (strcmp(key, "pod") == 0)
		return name_or_id(e, EVENT_POD, v);
	if (strcmp(key, "type") == 0)
		return strcmp(str_of(e, "Type"), v) == 0;
	return name_or_id(e, EVENT_VOLUME, v);
}

/* podman's rule: filters of one key are alternatives, different keys must all hold. */
static bool filters_match(char *const *filters, struct json_object *e)
{
	for (size_t k = 0; k < ARRAY_SIZE(filter_keys); k++) {
		size_t klen = strlen(filter_keys[k]);
		bool seen = false, ok = false;

		for (size_t i = 0; filters && filters[i] && !ok; i++) {
			if (strncmp(filters[i], filter_keys[k], klen) != 0 ||
			    filters[i][klen] != '=')
				continue;
			seen = true;
			ok = filter_matches(e, filter_keys[k], filters[i] + klen + 1);
		}
		if (seen && !ok)
			return false;
	}
	return true;
}

/* ---- printing ----------------------------------------------------------- */

/* An RFC 3339 time as Go's time.Time prints it: "2022-04-06 11:26:42.7236679 +0200 +0200". */
static char *go_time(const char *t)
{
	const char *dot = strchr(t, '.'), *zone;
	_cleanup_free_ char *frac = NULL;
	size_t n;

	if (strlen(t) < 19)
		return xstrdup(t);
	zone = t + 19;
	if (dot == zone) {
		for (zone++; isdigit((unsigned char)*zone); zone++)
			;
		frac = xstrndup(dot, (size_t)(zone - dot));
		for (n = strlen(frac); n > 0 && (frac[n - 1] == '0' || frac[n - 1] == '.'); n--)
			if (frac[n - 1] == '.') {
				frac[n - 1] = '\0';
				break;
			} else {
				frac[n - 1] = '\0';
			}
	}
	if (*zone == 'Z' || strcmp(zone, "+00:00") == 0)
		return xasprintf("%.10s %.8s%s +0000 UTC", t, t + 11, frac ? frac : "");
	if (strlen(zone) == 6)
		return xasprintf("%.10s %.8s%s %.3s%.2s %.3s%.2s", t, t + 11, frac ? frac : "",
				 zone, zone + 4, zone, zone + 4);
	return xstrdup(t);
}

static void append_attrs(char **line, struct json_object *e)
{
	struct json_object *attrs = NULL;

	if (!json_object_object_get_ex(e, "Attributes", &attrs) || !attrs)
		return;
	json_object_object_foreach(attrs, k, v)
	{
		char *l = xasprintf("%s, %s=%s", *line, k, json_object_get_string(v));
		free(*line);
		*line = l;
	}
}

char *events_human(struct json_object *e, bool no_trunc)
{
	_cleanup_free_ char *t = go_time(str_of(e, "Time"));
	_cleanup_free_ char *id = xstrdup(str_of(e, "ID"));
	const char *type = str_of(e, "Type"), *status = str_of(e, "Status");
	const char *name = str_of(e, "Name");
	char *line;

	if (!no_trunc && strlen(id) > 12)
		id[12] = '\0';
	if (strcmp(type, EVENT_CONTAINER) == 0 || strcmp(type, EVENT_POD) == 0) {
		line = xasprintf("%s %s %s %s (image=%s, name=%s", t, type, status, id,
				 str_of(e, "Image"), name);
		if (*str_of(e, "PodID")) {
			char *l = xasprintf("%s, pod_id=%s", line, str_of(e, "PodID"));
			free(line);
			line = l;
		}
		if (*str_of(e, "health_status")) {
			char *l =
				xasprintf("%s, health_status=%s", line, str_of(e, "health_status"));
			free(line);
			line = l;
		}
		append_attrs(&line, e);
		{
			char *l = xasprintf("%s)", line);
			free(line);
			line = l;
		}
		return line;
	}
	if (strcmp(type, EVENT_IMAGE) == 0)
		return xasprintf("%s %s %s %s %s", t, type, status, id, name);
	if (strcmp(type, "network") == 0)
		return xasprintf("%s %s %s %s (container=%s, name=%s)", t, type, status, id, id,
				 str_of(e, "network"));
	if (strcmp(type, EVENT_SYSTEM) == 0 && !*name)
		return xasprintf("%s %s %s", t, type, status);
	return xasprintf("%s %s %s %s", t, type, status, name);
}

/* The object a template sees: every field of podman's Event, Time as Go prints it. */
static struct json_object *template_item(struct json_object *e)
{
	static const char *const keys[] = { "ID", "Image", "Name", "Status", "Type", "PodID" };
	struct json_object *o = json_object_new_object(), *v = NULL;
	_cleanup_free_ char *t = go_time(str_of(e, "Time"));

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		json_object_object_add(o, keys[i], json_object_new_string(str_of(e, keys[i])));
	/* the log's network and health_status (podman's JSON keys): the Event's fields */
	json_object_object_add(o, "Network", json_object_new_string(str_of(e, "network")));
	json_object_object_add(o, "HealthStatus",
			       json_object_new_string(str_of(e, "health_status")));
	json_object_object_add(o, "Time", json_object_new_string(t));
	json_object_object_add(
		o, "ContainerExitCode",
		json_object_new_int(json_object_object_get_ex(e, "ContainerExitCode", &v)
					    ? json_object_get_int(v)
					    : 0));
	if (json_object_object_get_ex(e, "Attributes", &v) && v)
		json_object_object_add(o, "Attributes", json_object_get(v));
	else
		json_object_object_add(o, "Attributes", json_object_new_object());
	return o;
}

struct printer {
	const struct events_opts *o;
	struct template *tmpl;
	const char *path;
	size_t lineno;
	double last_when; /* of the last line read */
	bool after_rotation;
};

/*
 * After a rotation the new file starts with the newest half of the old one,
 * already read: skip it, up to the rotation's own event or a newer line.
 */
static bool seen_before_rotation(struct printer *p, struct json_object *e, double when)
{
	if (!p->after_rotation)
		return false;
	if ((strcmp(str_of(e, "Type"), "system") == 0 &&
	     strcmp(str_of(e, "Status"), "log-rotation") == 0) ||
	    when > p->last_when) {
		p->after_rotation = false;
		return false;
	}
	return true;
}

/* One event e of time when, if the options keep it. */
static int print_object(struct printer *p, struct json_object *e, double when,
			struct pea_error **err)
{
	_cleanup_free_ char *out = NULL;

	if ((p->o->has_since && when < p->o->since) || (p->o->has_until && when > p->o->until) ||
	    !filters_match(p->o->filters, e))
		return 0;
	if (p->tmpl) {
		_cleanup_json_ struct json_object *item = template_item(e);
		if (template_render(p->tmpl, item, &out, err) < 0)
			return -1;
	} else if (p->o->format) {
		out = xstrdup(pea_json_to_string(e));
	} else {
		out = events_human(e, p->o->no_trunc);
	}
	printf("%s\n", out);
	if (fflush(stdout) != 0 || ferror(stdout))
		return pea_error_errno(err, "write to standard output");
	return 0;
}

static int print_event(struct printer *p, const char *line, size_t len, struct pea_error **err)
{
	_cleanup_json_ struct json_object *e = NULL;
	_cleanup_error_ struct pea_error *perr = NULL;
	double when;

	p->lineno++;
	if (len == 0)
		return 0;
	if (events_parse_line(line, len, &e, &when, &perr) < 0) {
		log_warning("'%s' line %zu: %s, ignoring", p->path, p->lineno, perr->message);
		return 0;
	}
	if (seen_before_rotation(p, e, when))
		return 0;
	p->last_when = when;
	return print_object(p, e, when, err);
}

/* ---- reading the log ---------------------------------------------------- */

struct tail {
	int fd;
	ino_t ino;
	char *buf; /* a partial last line */
	size_t len;
};

/* Print the complete lines that can be read from t->fd now. */
static int tail_read(struct tail *t, struct printer *p, struct pea_error **err)
{
	char chunk[65536];

	while (t->fd >= 0) {
		ssize_t n = read(t->fd, chunk, sizeof(chunk));
		size_t start = 0;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return pea_error_errno(err, "read '%s'", p->path);
		if (n == 0)
			return 0;
		t->buf = xrealloc(t->buf, t->len + (size_t)n + 1);
		memcpy(t->buf + t->len, chunk, (size_t)n);
		t->len += (size_t)n;
		for (size_t i = 0; i < t->len; i++) {
			if (t->buf[i] != '\n')
				continue;
			t->buf[i] = '\0';
			if (print_event(p, t->buf + start, i - start, err) < 0)
				return -1;
			start = i + 1;
		}
		memmove(t->buf, t->buf + start, t->len - start);
		t->len -= start;
		if (t->len > EVENTS_LINE_MAX) {
			log_warning("'%s': a line of more than %u bytes, ignoring", p->path,
				    EVENTS_LINE_MAX);
			t->len = 0;
		}
	}
	return 0;
}

static int tail_open(struct tail *t, const char *path, struct pea_error **err)
{
	struct stat st;

	t->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (t->fd < 0)
		return errno == ENOENT ? 0 : pea_error_errno(err, "open '%s'", path);
	if (fstat(t->fd, &st) < 0)
		return pea_error_errno(err, "stat '%s'", path);
	t->ino = st.st_ino;
	t->len = 0;
	return 0;
}

/* The log was rotated or made: read the old file to its end, then the new one from its start. */
static int tail_follow_rename(struct tail *t, struct printer *p, struct pea_error **err)
{
	struct stat st;

	if (stat(p->path, &st) < 0 || (t->fd >= 0 && st.st_ino == t->ino))
		return 0;
	if (tail_read(t, p, err) < 0)
		return -1;
	/* a file we read was replaced: rotated (or removed and made again) */
	p->after_rotation = t->fd >= 0;
	t->fd = pea_close(t->fd);
	return tail_open(t, p->path, err) < 0 ? -1 : tail_read(t, p, err);
}

static int make_watch(const char *path, int *ret_fd, struct pea_error **err)
{
	_cleanup_free_ char *dir = xstrdup(path);
	_cleanup_close_ int fd = -1;
	char *slash = strrchr(dir, '/');

	if (slash && slash != dir)
		*slash = '\0';
	else
		strcpy(dir, slash ? "/" : ".");
	if (pea_mkdir_p_at(AT_FDCWD, dir, 0700, NULL, err) < 0)
		return -1;
	fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (fd < 0)
		return pea_error_errno(err, "inotify_init1");
	if (inotify_add_watch(fd, dir, IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE) < 0)
		return pea_error_errno(err, "watch '%s'", dir);
	*ret_fd = TAKE_FD(fd);
	return 0;
}

static int signal_fd(int *ret, struct pea_error **err)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return pea_error_errno(err, "sigprocmask");
	fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0)
		return pea_error_errno(err, "signalfd");
	*ret = fd;
	return 0;
}

/* Wait for new events until a signal or --until. */
static int stream(struct tail *t, struct printer *p, struct pea_error **err)
{
	_cleanup_close_ int ino = -1, sfd = -1;

	if (signal_fd(&sfd, err) < 0 || make_watch(p->path, &ino, err) < 0)
		return -1;
	/* what came before the watch was made */
	if (tail_read(t, p, err) < 0 || tail_follow_rename(t, p, err) < 0)
		return -1;
	for (;;) {
		struct pollfd fds[2] = { { .fd = ino, .events = POLLIN },
					 { .fd = sfd, .events = POLLIN } };
		int timeout = -1;
		char drain[4096];

		if (p->o->has_until) {
			double left = p->o->until - frontend_now_seconds();
			if (left <= 0)
				return 0;
			timeout = left > 3600 ? 3600000 : (int)(left * 1000) + 1;
		}
		if (poll(fds, 2, timeout) < 0) {
			if (errno == EINTR)
				continue;
			return pea_error_errno(err, "poll");
		}
		if (fds[1].revents)
			return 0;
		while (read(ino, drain, sizeof(drain)) > 0)
			;
		if (tail_read(t, p, err) < 0 || tail_follow_rename(t, p, err) < 0)
			return -1;
	}
}

/* ---- the journald backend ---------------------------------------------- */

/* One journal entry of pea's: an event (one that does not parse: a warning). */
static int journal_entry(struct json_object *entry, void *data, struct pea_error **err)
{
	struct printer *p = data;
	_cleanup_json_ struct json_object *e = NULL;
	_cleanup_error_ struct pea_error *perr = NULL;
	double when;

	if (events_from_journal(entry, &e, &when, &perr) < 0) {
		if (!pea_error_is(perr, ENOMSG))
			log_warning("the journal's events: %s, ignoring", perr->message);
		return 0;
	}
	return print_object(p, e, when, err);
}

static int ignore_entry(struct json_object *entry, void *data, struct pea_error **err)
{
	(void)entry;
	(void)data;
	(void)err;
	return 0;
}

/*
 * The events of the journal (SYSLOG_IDENTIFIER=pea, this user's: podman's matches), read
 * through journalctl as the journald log driver's lines are (journal.h); streaming, the
 * entries after the last one read, every 100 ms, until a signal or --until. Without
 * --since a stream starts after the journal's last event, as podman's does.
 */
static int journal_events(struct printer *p, struct pea_error **err)
{
	_cleanup_free_ char *ident = xasprintf("SYSLOG_IDENTIFIER=%s", EVENTS_JOURNAL_IDENTIFIER);
	_cleanup_free_ char *uid = xasprintf("_UID=%u", (unsigned)getuid());
	_cleanup_free_ char *cursor = NULL;
	_cleanup_close_ int sfd = -1;
	char *matches[] = { ident, uid, NULL };
	const struct events_opts *o = p->o;
	struct journal_query q = {
		.matches = matches, .has_since = o->has_since, .since = o->since, .sync = true
	};

	if (o->stream && signal_fd(&sfd, err) < 0)
		return -1;
	if (o->stream && !o->has_since) {
		struct journal_query last = { .matches = matches, .sync = true, .last = true };
		if (journal_read(&last, ignore_entry, NULL, &cursor, err) < 0)
			return -1;
	} else if (journal_read(&q, journal_entry, p, &cursor, err) < 0) {
		return -1;
	}
	while (o->stream) {
		struct pollfd pfd = { .fd = sfd, .events = POLLIN };

		if (o->has_until && o->until <= frontend_now_seconds())
			return 0;
		if (poll(&pfd, 1, 100) < 0 && errno != EINTR)
			return pea_error_errno(err, "poll");
		if (pfd.revents)
			return 0;
		q.cursor = cursor;
		q.sync = false;
		if (journal_read(&q, journal_entry, p, &cursor, err) < 0)
			return -1;
	}
	return 0;
}

static int events_run(struct global_options *g, const struct events_opts *o, struct pea_error **err)
{
	_cleanup_free_ char *path = NULL;
	struct printer p = { .o = o };
	struct tail t = { .fd = -1 };
	int r;

	if (events_log_path(g, &path, err) < 0)
		return -1;
	p.path = path ? path : "the journal";
	if (o->format && strcmp(o->format, "json") != 0) {
		if (template_parse(o->format, NULL, &p.tmpl, err) < 0)
			return -1;
		template_set_context(p.tmpl, "events", "events.Event");
	}
	if (!path) {
		r = journal_events(&p, err);
		template_free(p.tmpl);
		return r < 0 ? -1 : 0;
	}
	r = tail_open(&t, path, err);
	/* streaming: what is already there only with --since */
	if (r == 0 && t.fd >= 0 && o->stream && !o->has_since && lseek(t.fd, 0, SEEK_END) < 0)
		r = pea_error_errno(err, "seek '%s'", path);
	if (r == 0)
		r = tail_read(&t, &p, err);
	if (r == 0 && o->stream)
		r = stream(&t, &p, err);
	t.fd = pea_close(t.fd);
	free(t.buf);
	template_free(p.tmpl);
	return r < 0 ? -1 : 0;
}

int cmd_events(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	struct events_opts o = { .stream = true, .no_trunc = true };
	int r;

	r = parse_opts(argc, argv, &o, err);
	if (r == 0)
		r = events_run(g, &o, err);
	else if (r > 0)
		r = 0;
	events_opts_clear(&o);
	return r;
}
