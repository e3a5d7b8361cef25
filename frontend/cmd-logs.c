/*
 * logs: the container's output from its k8s-file log, or for the journald log
 * driver from the journal through journalctl (podman-logs(1); ctr-log.h).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
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
#include "frontend/container.h"
#include "frontend/ctr-log.h"
#include "frontend/events.h"
#include "frontend/frontend.h"
#include "frontend/journal.h"
#include "frontend/k8s-log.h"
#include "frontend/records.h"

#define LOG_LINE_MAX (1u << 20)

static const char logs_usage[] =
	"Usage: pea logs [OPTIONS] CONTAINER [CONTAINER...]\n"
	"\n"
	"Print the output of containers (with several, each line after the container's ID).\n"
	"\n"
	"  -f, --follow          keep printing while the containers run\n"
	"  -l, --latest          the container created last\n"
	"  -n, --names           start lines with the container's name, not its ID\n"
	"      --since=TIME      only lines from TIME on: RFC 3339, a Unix time or a duration\n"
	"                        (10m: ten minutes ago)\n"
	"      --tail=N          only the last N lines (-1: all)\n"
	"  -t, --timestamps      show the time of each line\n"
	"      --until=TIME      only lines up to TIME (a duration: from now on)\n";

enum { OPT_TAIL = 1000, OPT_SINCE, OPT_UNTIL };

struct logs_options {
	bool follow, ts, names, latest;
	long tail;
	bool has_since, has_until;
	double since, until;
};

/* One container's log being read. */
struct log_src {
	struct ctr_record *r;
	char *path;
	char *prefix; /* "ID " or "NAME " with several containers, else NULL */
	size_t off;
	bool bol_out, bol_err; /* at the start of a line on stdout, stderr */
	bool journal;	       /* the journald log driver: read through journalctl */
	char *cursor;	       /* the journal's: its last entry read (__CURSOR) */
	bool done;
};

/* podman's ParseInputTime: a time, a Unix time, or a duration back (since) or on (until). */
int logs_parse_input_time(const char *flag, const char *s, bool since, double *ret,
			  struct pea_error **err)
{
	const char *why = NULL;
	char *end = NULL;
	int64_t ns = 0;
	double v;

	if (frontend_parse_rfc3339(s, PARSE_TIME_LOOSE, ret) == 0)
		return 0;
	errno = 0;
	v = strtod(s, &end);
	if (*s && end && !*end && !errno && isfinite(v)) {
		*ret = v;
		return 0;
	}
	if (go_parse_duration(s, &ns, &why) == 0) {
		v = (double)ns / 1e9;
		*ret = frontend_now_seconds() + (since ? -v : v);
		return 0;
	}
	return pea_error_new(err, EINVAL, "parsing --%s \"%s\": unable to interpret time value",
			     flag, s);
}

/* The time of a k8s-file line (its first field); false when there is none. */
static bool line_time(const char *line, size_t len, double *ret)
{
	char t[64];
	const char *sp = memchr(line, ' ', len);
	size_t n = sp ? (size_t)(sp - line) : 0;

	if (n == 0 || n >= sizeof(t))
		return false;
	memcpy(t, line, n);
	t[n] = '\0';
	return frontend_parse_rfc3339(t, PARSE_TIME_LOOSE, ret) == 0;
}

/* Text to f, the prefix at the start of each of its lines. */
static void put_prefixed(FILE *f, const char *prefix, bool *bol, const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (*bol)
			fputs(prefix, f);
		fputc(text[i], f);
		*bol = text[i] == '\n';
	}
	fflush(f);
}

static void print_line(struct log_src *src, const struct logs_options *o, const char *line,
		       size_t len)
{
	_cleanup_free_ char *out = NULL, *errs = NULL;
	size_t out_len = 0, err_len = 0;
	FILE *mo, *me;

	if (!src->prefix) {
		(void)k8s_log_print(stdout, stderr, line, len, 0, o->ts);
		return;
	}
	mo = open_memstream(&out, &out_len);
	me = open_memstream(&errs, &err_len);
	if (!mo || !me) {
		if (mo)
			fclose(mo);
		if (me)
			fclose(me);
		return;
	}
	(void)k8s_log_print(mo, me, line, len, 0, o->ts);
	fclose(mo);
	fclose(me);
	put_prefixed(stdout, src->prefix, &src->bol_out, out, out_len);
	put_prefixed(stderr, src->prefix, &src->bol_err, errs, err_len);
}

/* The complete lines of buf from src->off that --since/--until keep; moves src->off. */
static void print_new(struct log_src *src, const struct logs_options *o, const char *buf,
		      size_t len)
{
	while (src->off < len) {
		const char *line = buf + src->off, *nl = memchr(line, '\n', len - src->off);
		double t = 0;
		bool has_time;

		if (!nl)
			break; /* an incomplete line: later */
		has_time = line_time(line, (size_t)(nl - line), &t);
		if (!has_time ||
		    ((!o->has_since || t >= o->since) && (!o->has_until || t <= o->until)))
			print_line(src, o, line, (size_t)(nl - line) + 1);
		src->off = (size_t)(nl - buf) + 1;
	}
}

/* One journal entry's time (__REALTIME_TIMESTAMP, microseconds) as a k8s-file line's. */
static void journal_time(FILE *f, const char *usec)
{
	long long us = strtoll(usec, NULL, 10);
	time_t sec = (time_t)(us / 1000000);
	struct tm tm;
	long off;
	char sign = '+';

	if (!localtime_r(&sec, &tm))
		gmtime_r(&sec, &tm);
	off = tm.tm_gmtoff;
	if (off < 0) {
		sign = '-';
		off = -off;
	}
	fprintf(f, "%04d-%02d-%02dT%02d:%02d:%02d.%06lld000%c%02ld:%02ld", tm.tm_year + 1900,
		tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, us % 1000000, sign,
		off / 3600, (off % 3600) / 60);
}

/* An entry's MESSAGE on one line (its newlines as spaces, a trailing one cut). */
static void journal_message(FILE *f, const char *text)
{
	size_t len = strlen(text);

	if (len > 0 && text[len - 1] == '\n')
		len--;
	for (size_t i = 0; i < len; i++)
		fputc(text[i] == '\n' ? ' ' : text[i], f); /* one entry, one line */
}

/* One journal entry of the container as a k8s-file line to the stream data. */
static int journal_line(struct json_object *e, void *data, struct pea_error **err)
{
	_cleanup_free_ char *ts = journal_field(e, "__REALTIME_TIMESTAMP");
	_cleanup_free_ char *msg = journal_field(e, "MESSAGE");
	_cleanup_free_ char *prio = journal_field(e, "PRIORITY");
	_cleanup_free_ char *part = journal_field(e, "CONTAINER_PARTIAL_MESSAGE");
	FILE *f = data;

	(void)err;
	if (!ts || !msg)
		return 0;
	journal_time(f, ts);
	fprintf(f, " %s %s ", prio && strcmp(prio, "3") == 0 ? "stderr" : "stdout",
		part && strcmp(part, "true") == 0 ? "P" : "F");
	journal_message(f, msg);
	fputc('\n', f);
	return 0;
}

/*
 * The journal's entries of a container (the journald log driver: pea-monitor
 * writes CONTAINER_ID_FULL, PRIORITY 3 for stderr, CONTAINER_PARTIAL_MESSAGE) as
 * k8s-file lines, so --since, --until, --tail and -f read them as a log file.
 * sync: have journald write what it holds first (the container just ended).
 * *cursor: only the entries after it (NULL: all); the last one read on return, so
 * -f reads each entry once.
 */
static int journal_lines(const char *id, bool sync, char **cursor, char **ret, size_t *ret_len,
			 struct pea_error **err)
{
	_cleanup_free_ char *match = xasprintf("CONTAINER_ID_FULL=%s", id);
	char *matches[] = { match, NULL };
	struct journal_query q = { .matches = matches, .cursor = *cursor, .sync = sync };
	char *out = NULL;
	size_t out_len = 0;
	FILE *f;
	int rc;

	f = open_memstream(&out, &out_len);
	if (!f)
		return pea_error_new(err, errno, "open_memstream: %s", strerror(errno));
	rc = journal_read(&q, journal_line, f, cursor, err);
	fclose(f);
	if (rc < 0) {
		free(out);
		return -1;
	}
	*ret = out;
	*ret_len = out_len;
	return 0;
}

/* Read what the log has now and print what is new; done once the container stopped. */
static void poll_src(struct global_options *g, struct log_src *src, const struct logs_options *o,
		     bool first)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	bool ended;

	(void)record_refresh(g, src->r, NULL);
	ended = src->r->state != CTR_RUNNING;
	if (!ended && o->follow) {
		/* removed meanwhile (rm -f): no exit to sync, its record is gone */
		_cleanup_free_ char *dir = record_dir(g, src->r->id);
		ended = !pea_path_exists_at(AT_FDCWD, dir);
	}
	if (src->journal) {
		_cleanup_error_ struct pea_error *e = NULL;
		if (journal_lines(src->r->id, ended || !o->follow, &src->cursor, &buf, &len, &e) <
		    0) {
			/* said once; the container's output is not to be had */
			if (!src->done && first)
				log_warning("%s", e->message);
			len = 0;
		}
		src->off = 0; /* what is after the cursor: all of it is new */
	} else if (pea_read_file_at(AT_FDCWD, src->path, 1u << 30, &buf, &len, NULL) < 0) {
		len = 0;
	}
	if (len < src->off)
		src->off = 0; /* rotated */
	if (first)
		src->off = k8s_log_tail_start(buf ? buf : "", len, o->tail);
	print_new(src, o, buf ? buf : "", len);
	src->done = !o->follow || ended;
}

static void srcs_free(struct log_src *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		ctr_record_free(v[i].r);
		free(v[i].path);
		free(v[i].prefix);
		free(v[i].cursor);
	}
	free(v);
}

static int logs_run(struct global_options *g, char **names, size_t n, const struct logs_options *o,
		    struct pea_error **err)
{
	struct log_src *v = xnew(struct log_src, n);
	bool all_done;

	for (size_t i = 0; i < n; i++) {
		if (record_lookup(g, names[i], &v[i].r, err) < 0 ||
		    ctr_log_check_readable(v[i].r, err) < 0) {
			srcs_free(v, n);
			return -1;
		}
		v[i].journal = strcmp(ctr_log_driver(v[i].r), "journald") == 0;
		/* podman's: -f on the journal follows the events of the journald backend */
		if (v[i].journal && o->follow && strcmp(events_backend_name(g), "journald") != 0) {
			pea_error_new(err, ENOTSUP,
				      "using --follow with the journald --log-driver but "
				      "without the journald --events-backend (%s) is not "
				      "supported",
				      events_backend_name(g));
			srcs_free(v, n);
			return -1;
		}
		v[i].path = ctr_log_path(g, v[i].r);
		if (n > 1)
			v[i].prefix = o->names ? xasprintf("%s ", v[i].r->name)
					       : xasprintf("%.12s ", v[i].r->id);
		v[i].bol_out = v[i].bol_err = true;
	}
	/* without -f one after the other; with -f, interleaved as the lines come */
	for (size_t i = 0; i < n; i++)
		if (!o->follow)
			poll_src(g, &v[i], o, true);
	for (bool first = true; o->follow; first = false) {
		all_done = true;
		for (size_t i = 0; i < n; i++) {
			if (!v[i].done)
				poll_src(g, &v[i], o, first);
			all_done &= v[i].done;
		}
		if (all_done)
			break;
		usleep(100000);
	}
	srcs_free(v, n);
	return 0;
}

static int parse_tail(const char *s, long *ret, struct pea_error **err)
{
	char *end = NULL;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (end == s || *end || errno || v < -1)
		return pea_error_new(
			err, EINVAL,
			"invalid argument \"%s\" for \"--tail\" flag: must be an integer "
			">= -1",
			s);
	*ret = v;
	return 0;
}

int cmd_logs(struct global_options *g, int argc, char **argv, struct pea_error **err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "follow", no_argument, NULL, 'f' },
		{ "latest", no_argument, NULL, 'l' },
		{ "names", no_argument, NULL, 'n' },
		{ "since", required_argument, NULL, OPT_SINCE },
		{ "tail", required_argument, NULL, OPT_TAIL },
		{ "timestamps", no_argument, NULL, 't' },
		{ "until", required_argument, NULL, OPT_UNTIL },
		{ NULL, 0, NULL, 0 },
	};
	struct logs_options o = { .tail = -1 };
	int r, c = 0;

	optind = 0;
	while ((r = cmd_getopt(argc, argv, "hfnlt", opts, logs_usage, &c, err)) == 2) {
		switch (c) {
		case 'f':
			o.follow = true;
			break;
		case 't':
			o.ts = true;
			break;
		case 'n':
			o.names = true;
			break;
		case 'l':
			o.latest = true;
			break;
		case OPT_TAIL:
			if (parse_tail(optarg, &o.tail, err) < 0)
				return -1;
			break;
		case OPT_SINCE:
			if (logs_parse_input_time("since", optarg, true, &o.since, err) < 0)
				return -1;
			o.has_since = true;
			break;
		case OPT_UNTIL:
			if (logs_parse_input_time("until", optarg, false, &o.until, err) < 0)
				return -1;
			o.has_until = true;
			break;
		default:
			break;
		}
	}
	if (r < 0)
		return -1;
	if (r == 1)
		return 0;
	if (o.latest) {
		_cleanup_free_ char *id = NULL;

		if (optind < argc)
			return pea_error_new(err, EINVAL,
					     "--latest and containers cannot be used together");
		if (container_latest(g, &id, err) < 0)
			return -1;
		return logs_run(g, &id, 1, &o, err);
	}
	if (optind >= argc)
		return check_nargs(0, 1, -1, err);
	return logs_run(g, argv + optind, (size_t)(argc - optind), &o, err);
}
