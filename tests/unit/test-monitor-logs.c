/* pea-monitor's log writers and small parsers: k8s-file entries, the
 * journal's native encoding, ctl lines, the runtime's JSON log. */
#include <fcntl.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "monitor/monitor.h"
#include "tests/unit/tap.h"

static char *k8s_output_global(int64_t size_max, int64_t global_max, const char *const *chunks,
			       size_t n, const enum monitor_stream *streams)
{
	_cleanup_error_ struct pea_error *err = NULL;
	char path[] = "/tmp/test-monitor-logs-XXXXXX";
	struct k8s_log k;
	char *data = NULL;
	size_t len;
	int fd = mkstemp(path);

	close(fd);
	if (k8s_log_open(&k, path, size_max, global_max, false, &err) < 0)
		return NULL;
	for (size_t i = 0; i < n; i++)
		k8s_log_write(&k, streams[i], chunks[i], strlen(chunks[i]));
	k8s_log_close(&k);
	pea_read_file_at(AT_FDCWD, path, 1 << 20, &data, &len, &err);
	unlink(path);
	return data;
}

static char *k8s_output(int64_t size_max, const char *const *chunks, size_t n,
			const enum monitor_stream *streams)
{
	return k8s_output_global(size_max, -1, chunks, n, streams);
}

/* Drop the 36-character timestamp and its space from each line. */
static char *strip_times(const char *s)
{
	char *out = calloc(1, strlen(s) + 1), *o = out;

	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) + 1 : strlen(s);

		if (len > 36) {
			memcpy(o, s + 36, len - 36);
			o += len - 36;
		}
		s += len;
	}
	return out;
}

static void test_k8s(void)
{
	const char *chunks[] = { "a\nb", "c\n", "err no newline", "" };
	enum monitor_stream streams[] = { STREAM_STDOUT, STREAM_STDOUT, STREAM_STDERR,
					  STREAM_STDOUT };
	_cleanup_free_ char *out = k8s_output(-1, chunks, 4, streams);
	_cleanup_free_ char *text = out ? strip_times(out) : NULL;
	regex_t re;

	tap_is_str(text, "stdout F a\nstdout P b\nstdout F c\nstderr P err no newline\n",
		   "entries: F for lines, P for a piece, a newline added after P");
	regcomp(&re,
		"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{9}[+-][0-9]{2}:[0-"
		"9]{2} "
		"stdout F a$",
		REG_EXTENDED | REG_NEWLINE);
	tap_ok(out && regexec(&re, out, 0, NULL, 0) == 0, "RFC3339Nano local time with offset");
	regfree(&re);
}

static void test_k8s_cap(void)
{
	const char *chunks[] = { "0123456789\n", "abcdefghij\n", "last\n" };
	enum monitor_stream streams[] = { STREAM_STDOUT, STREAM_STDOUT, STREAM_STDOUT };
	/* each entry is 36 + 7 + 2 + line: 56, 56, 50 bytes */
	_cleanup_free_ char *out = k8s_output(110, chunks, 3, streams);
	_cleanup_free_ char *text = out ? strip_times(out) : NULL;

	tap_is_str(text, "stdout F abcdefghij\nstdout F last\n",
		   "over the cap, the file starts again with the entry that did not fit");
	tap_ok(out && strlen(out) <= 110, "the file stays under --log-size-max");
}

static void test_k8s_global(void)
{
	const char *chunks[] = { "0123456789\n", "abcdefghij\n", "never\n" };
	enum monitor_stream streams[] = { STREAM_STDOUT, STREAM_STDOUT, STREAM_STDOUT };
	_cleanup_free_ char *out = k8s_output_global(-1, 100, chunks, 3, streams);
	_cleanup_free_ char *text = out ? strip_times(out) : NULL;

	tap_is_str(text, "stdout F 0123456789\nstdout F abcdefghij\n",
		   "--log-global-size-max: nothing more once the total reached it");
}

static void test_k8s_long(void)
{
	char *big = malloc(20001);
	const char *chunks[1];
	enum monitor_stream streams[] = { STREAM_STDOUT };
	_cleanup_free_ char *out = NULL, *text = NULL;
	size_t pieces = 0;

	memset(big, 'x', 20000);
	big[20000] = '\0';
	chunks[0] = big;
	out = k8s_output(-1, chunks, 1, streams);
	text = out ? strip_times(out) : NULL;
	for (const char *p = text; p && (p = strstr(p, "stdout P ")); p++)
		pieces++;
	tap_is_int(pieces, 3, "20000 bytes without a newline: 3 pieces of at most 8192");
	free(big);
}

static void test_journald(void)
{
	const char *fields[] = { "CONTAINER_ID_FULL=abc", "SYSLOG_IDENTIFIER=n", NULL };
	char buf[256];
	size_t n = journald_encode(buf, sizeof(buf), fields, "hi\n", 3, true, 3);
	const char want[] = "MESSAGE\n\x03\0\0\0\0\0\0\0hi\n\nPRIORITY=3\n"
			    "CONTAINER_ID_FULL=abc\nSYSLOG_IDENTIFIER=n\n"
			    "CONTAINER_PARTIAL_MESSAGE=true\n";

	tap_ok(n == sizeof(want) - 1 && memcmp(buf, want, n) == 0,
	       "native protocol: binary MESSAGE, fields, partial flag");
	tap_is_int(journald_encode(buf, 10, fields, "hi\n", 3, false, 6), 0,
		   "an entry too long for the buffer is refused");
	{
		/* a --log-label value with a newline: the binary form, not a second field */
		const char *label[] = { "L=a\nX=b", NULL };
		const char want2[] = "MESSAGE\n\x03\0\0\0\0\0\0\0hi\n\nPRIORITY=6\n"
				     "L\n\x05\0\0\0\0\0\0\0a\nX=b\n";

		n = journald_encode(buf, sizeof(buf), label, "hi\n", 3, false, 6);
		tap_ok(n == sizeof(want2) - 1 && memcmp(buf, want2, n) == 0,
		       "a field value with a newline in the binary form");
	}
}

static void test_ctl(void)
{
	unsigned rows, cols;
	int type;

	tap_ok(ctl_parse_ctl_line("1 40 100", &type, &rows, &cols) == 0 && type == 1 &&
		       rows == 40 && cols == 100,
	       "ctl resize");
	tap_ok(ctl_parse_ctl_line("2", &type, &rows, &cols) == 0 && type == 2, "ctl reopen alone");
	tap_ok(ctl_parse_ctl_line("2 0 0", &type, &rows, &cols) == 0 && type == 2,
	       "ctl reopen as podman writes it");
	tap_ok(ctl_parse_ctl_line("1 40", &type, &rows, &cols) < 0, "ctl resize needs two sizes");
	tap_ok(ctl_parse_ctl_line("1 -4 5", &type, &rows, &cols) < 0, "no negative sizes");
	tap_ok(ctl_parse_ctl_line("1 4 5 junk", &type, &rows, &cols) == 0 && rows == 4 && cols == 5,
	       "words after the sizes are ignored (conmon)");
	tap_ok(ctl_parse_ctl_line("1 2 20.3", &type, &rows, &cols) < 0, "no fractions");
	tap_ok(ctl_parse_ctl_line("1 0x10 0x20", &type, &rows, &cols) < 0, "no hex");
	tap_ok(ctl_parse_ctl_line("1 0010 0020", &type, &rows, &cols) == 0 && rows == 10 &&
		       cols == 20,
	       "leading zeros are decimal");
	tap_ok(ctl_parse_ctl_line("1 1000 1000", &type, &rows, &cols) == 0,
	       "1000x1000 is the most");
	tap_ok(ctl_parse_ctl_line("1 1001 5", &type, &rows, &cols) < 0, "1001 rows are refused");
	tap_ok(ctl_parse_winsz_line("50 120", &rows, &cols) == 0 && rows == 50 && cols == 120,
	       "winsz line");
	tap_ok(ctl_parse_winsz_line("50 99999", &rows, &cols) < 0, "sizes fit a winsize");
}

static void test_runtime_log(void)
{
	const char log[] = "{\"msg\":\"starting\",\"level\":\"info\"}\n"
			   "not json\n"
			   "{\"msg\":\"first error\",\"level\":\"error\"}\n"
			   "{\"msg\":\"the real error\",\"level\":\"error\",\"time\":\"x\"}\n"
			   "{\"msg\":\"after\",\"level\":\"warning\"}\n";
	_cleanup_free_ char *msg = runtime_log_last_error(log, sizeof(log) - 1);

	tap_is_str(msg, "the real error", "the last error of a JSON-lines runtime log");
	free(msg);
	msg = runtime_log_last_error("plain text\n", 11);
	tap_ok(msg == NULL, "no JSON, no message");
}

int main(void)
{
	tap_plan(2 + 2 + 1 + 1 + 3 + 13 + 2);
	test_k8s();
	test_k8s_cap();
	test_k8s_global();
	test_k8s_long();
	test_journald();
	test_ctl();
	test_runtime_log();
	return tap_done();
}
