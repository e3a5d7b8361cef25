#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <json-c/json.h>

#include "lib/error.h"
#include "lib/json.h"
#include "lib/xalloc.h"
#include "cli.h"

static bool usage_failed;

int cli_usage_error(struct pea_error **err, const char *fmt, ...)
{
	va_list ap;
	int r;

	usage_failed = true;
	va_start(ap, fmt);
	r = pea_error_newv(err, EINVAL, fmt, ap);
	va_end(ap);
	return r;
}

bool cli_usage_failed(void)
{
	return usage_failed;
}

int cli_reply(struct json_object *result, struct pea_error **err)
{
	if (pea_reply_result(stdout, result) < 0 || fflush(stdout) != 0)
		return pea_error_errno(err, "write the reply");
	return 0;
}

char *cli_random_id(void)
{
	unsigned char buf[32];
	char *s = xmalloc(65);
	size_t got = 0;

	while (got < sizeof(buf)) {
		ssize_t n = getrandom(buf + got, sizeof(buf) - got, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			abort();
		}
		got += (size_t)n;
	}
	for (size_t i = 0; i < sizeof(buf); i++)
		snprintf(s + 2 * i, 3, "%02x", buf[i]);
	return s;
}

bool cli_is_full_id(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (!isdigit((unsigned char)s[i]) && !(s[i] >= 'a' && s[i] <= 'f'))
			return false;
	return i == 64;
}

bool cli_is_valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 255 || !isalnum((unsigned char)s[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("_.:/@-", s[i]))
			return false;
	return true;
}

char *cli_now_rfc3339(void)
{
	struct timespec ts;
	struct tm tm;
	char buf[64];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return xstrdup(buf);
}

void cli_getopt_reset(void)
{
	optind = 0;
	opterr = 0;
}

int cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts,
	       const char *cmd, struct pea_error **err)
{
	int c = getopt_long(argc, argv, shortopts, longopts, NULL);

	if (c == '?') {
		if (optopt)
			cli_usage_error(err, "%s: unknown option '-%c'", cmd, optopt);
		else
			cli_usage_error(err, "%s: unknown option '%s'", cmd, argv[optind - 1]);
		return -2;
	}
	if (c == ':') {
		cli_usage_error(err, "%s: option '%s' needs a value", cmd, argv[optind - 1]);
		return -2;
	}
	return c;
}

int cli_expect_operands(int argc, int optind_, int n, const char *cmd, const char *what,
			struct pea_error **err)
{
	if (argc - optind_ < n)
		return cli_usage_error(err, "%s: missing %s", cmd, what);
	if (argc - optind_ > n)
		return cli_usage_error(err, "%s: too many arguments (expected %s)", cmd, what);
	return 0;
}

static bool stream_output;

void cli_set_stream_output(void)
{
	stream_output = true;
}

bool cli_stream_output(void)
{
	return stream_output;
}

int cli_simple_args(int argc, char **argv, const char *cmd, int n, const char *what,
		    const char *usage, struct pea_error **err)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' }, { 0 } };
	int c;

	cli_getopt_reset();
	while ((c = cli_getopt(argc, argv, "+:h", opts, cmd, err)) != -1) {
		if (c == 'h') {
			fputs(usage, stdout);
			return 1;
		}
		return -1;
	}
	return cli_expect_operands(argc, optind, n, cmd, what, err);
}
