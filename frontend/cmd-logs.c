/* logs: the container's output from its k8s-file log (podman-logs(1); ctr-log.h). */
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

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "frontend/commands.h"
#include "frontend/container.h"
#include "frontend/ctr-log.h"
#include "frontend/events.h"
#include "frontend/frontend.h"
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
	bool done;
};

/* Go's time.ParseDuration: [-+]N[.N]UNIT..., units ns us µs ms s m h; "0" alone. */
static bool parse_go_duration(const char *s, double *ret)
{
	static const struct {
		const char *unit;
		double sec;
	} units[] = { { "ns", 1e-9 }, { "us", 1e-6 }, { "\xc2\xb5s", 1e-6 }, { "\xce\xbcs", 1e-6 },
		      { "ms", 1e-3 }, { "s", 1 },     { "m", 60 },	     { "h", 3600 } };
	double total = 0, sign = 1;

	if (*s == '-' || *s == '+')
		sign = *s++ == '-' ? -1 : 1;
	if (strcmp(s, "0") == 0) {
		*ret = 0;
		return true;
	}
	if (!*s)
		return false;
	while (*s) {
		char *end = NULL;
		double v;
		size_t k;

		if (!isdigit((unsigned char)*s) && *s != '.')
			return false;
		v = strtod(s, &end);
		if (end == s)
			return false;
		s = end;
		for (k = 0; k < ARRAY_SIZE(units); k++)
			if (strncmp(s, units[k].unit, strlen(units[k].unit)) == 0)
				break; /* the two-letter units come first: "ms" is not "m" */
		if (k == ARRAY_SIZE(units))
			return false;
		total += v * units[k].sec;
		s += strlen(units[k].unit);
	}
	*ret = sign * total;
	return true;
}

/* podman's ParseInputTime: a time, a Unix time, or a duration back (since) or on (until). */
int logs_parse_input_time(const char *flag, const char *s, bool since, double *ret,
			  struct pea_error **err)
{
	char *end = NULL;
	double v;

	if (frontend_parse_rfc3339(s, PARSE_TIME_LOOSE, ret) == 0)
		return 0;
	errno = 0;
	v = strtod(s, &end);
	if (*s && end && !*end && !errno && isfinite(v)) {
		*ret = v;
		return 0;
	}
	if (parse_go_duration(s, &v)) {
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

/* Read what the log has now and print what is new; done once the container stopped. */
static void poll_src(struct global_options *g, struct log_src *src, const struct logs_options *o,
		     bool first)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	bool ended;

	(void)record_refresh(g, src->r, NULL);
	ended = src->r->state != CTR_RUNNING;
	if (pea_read_file_at(AT_FDCWD, src->path, 1u << 30, &buf, &len, NULL) < 0)
		len = 0;
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
		return pea_error_new(err, EINVAL, "requires at least 1 arg(s), only received 0");
	return logs_run(g, argv + optind, (size_t)(argc - optind), &o, err);
}
