#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/log.h"
#include "tests/unit/tap.h"

static int pipefd[2];

/* Everything logged since the last call. */
static char *drain(void)
{
	static char buf[4096];
	ssize_t n = read(pipefd[0], buf, sizeof(buf) - 1);

	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static bool matches(const char *s, const char *re)
{
	regex_t r;
	bool ok;

	if (regcomp(&r, re, REG_EXTENDED | REG_NOSUB) != 0)
		abort();
	ok = regexec(&r, s, 0, NULL, 0) == 0;
	regfree(&r);
	return ok;
}

static void test_text(void)
{
	log_set_program("/usr/bin/pea-test");
	log_set_format(LOG_FORMAT_TEXT);
	log_set_level(LOG_LEVEL_WARNING);
	log_error("cannot open '%s'", "x");
	tap_is_str(drain(), "pea-test: cannot open 'x'\n", "text error line: program, message");
	log_warning("disk almost full, ignoring");
	tap_is_str(drain(), "pea-test: warning: disk almost full, ignoring\n",
		   "text warning line names the level");
	log_info("hidden");
	log_debug("hidden");
	log_warning("shown");
	tap_is_str(drain(), "pea-test: warning: shown\n", "info and debug are below warning");
	log_set_level(LOG_LEVEL_DEBUG);
	log_debug("now %d", 1);
	tap_is_str(drain(), "pea-test: debug: now 1\n", "debug shown at debug level");
}

static void test_json(void)
{
	_cleanup_error_ struct pea_error *err = NULL;
	_cleanup_json_ struct json_object *o = NULL;
	const char *level = NULL, *msg = NULL, *t = NULL, *e = NULL;
	char *line;

	log_set_format(LOG_FORMAT_JSON);
	log_set_level(LOG_LEVEL_INFO);
	log_error("container \"%s\" failed: a/b", "web");
	line = drain();
	tap_ok(line[strlen(line) - 1] == '\n' && strchr(line, '\n') == line + strlen(line) - 1,
	       "one JSON object per line");
	tap_is_int(pea_json_parse(line, strlen(line), "log line", &o, &err), 0, "the line is JSON");
	pea_json_get_string_req(o, "", "level", &level, &err);
	pea_json_get_string_req(o, "", "msg", &msg, &err);
	pea_json_get_string_req(o, "", "time", &t, &err);
	tap_is_str(level, "error", "level");
	tap_is_str(msg, "container \"web\" failed: a/b", "msg");
	tap_ok(t && matches(t,
			    "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?Z$"),
	       "time is RFC 3339 UTC: %s", t ? t : "");
	tap_ok(strstr(line, "a/b") != NULL, "slashes are not escaped");
	tap_ok(pea_json_get_string_opt(o, "", "errno", &e, &err) == 0, "no errno key without one");
	json_object_put(TAKE_PTR(o));

	pea_error_new(&err, ENOENT, "image 'x' not found");
	log_pea_error(err);
	line = drain();
	pea_json_parse(line, strlen(line), "log line", &o, &err);
	e = NULL;
	pea_json_get_string_opt(o, "", "errno", &e, &err);
	tap_is_str(e, "ENOENT", "log_pea_error adds the errno name");
	json_object_put(TAKE_PTR(o));

	log_info("info line");
	line = drain();
	pea_json_parse(line, strlen(line), "log line", &o, &err);
	level = NULL;
	pea_json_get_string_opt(o, "", "level", &level, &err);
	tap_is_str(level, "info", "info level name");
	json_object_put(TAKE_PTR(o));
	log_warning("w");
	line = drain();
	tap_ok(strncmp(line, "{\"level\":\"warning\",\"msg\":\"w\",\"time\":\"", 37) == 0,
	       "key order level, msg, time");
}

static void test_syslog(void)
{
	char *line;

	log_set_program("pea-test");
	log_set_format(LOG_FORMAT_SYSLOG);
	log_set_level(LOG_LEVEL_DEBUG);
	log_error("broken");
	line = drain();
	tap_ok(matches(line, "^<11>[A-Z][a-z]{2} [ 1-3][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} "
			     "pea-test\\[[0-9]+\\]: broken\n$"),
	       "syslog: <PRI> (user.err), time, program[pid], message: %s", line);
	log_debug("detail");
	tap_ok(matches(drain(), "^<15>.* pea-test\\[[0-9]+\\]: detail\n$"), "syslog: debug is 15");
	log_warning("w");
	tap_ok(matches(drain(), "^<12>"), "syslog: warning is 12");
	log_info("i");
	tap_ok(matches(drain(), "^<14>"), "syslog: info is 14");
	log_set_format(LOG_FORMAT_TEXT);
}

static void test_logrus(void)
{
	char *line;

	log_set_format(LOG_FORMAT_LOGRUS);
	log_set_level(LOG_LEVEL_TRACE);
	log_info("a \"b\"\n\\c");
	line = drain();
	tap_ok(matches(line, "^time=\"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}"
			     "(Z|[+-][0-9]{2}:[0-9]{2})\" level=info msg=") &&
		       strstr(line, " msg=\"a \\\"b\\\"\\n\\\\c\"\n"),
	       "logrus: time, level, msg quoted: %s", line);
	log_trace("t");
	tap_ok(matches(drain(), " level=trace msg=\"t\"\n$"), "logrus: trace");
	log_set_level(LOG_LEVEL_DEBUG);
	log_trace("hidden");
	log_debug("d");
	tap_ok(matches(drain(), "^time=[^\n]* level=debug msg=\"d\"\n$"),
	       "logrus: no trace at debug");
	log_set_format(LOG_FORMAT_TEXT);
}

static void test_parse_names(void)
{
	enum log_level l = LOG_LEVEL_ERROR;
	enum log_format f = LOG_FORMAT_TEXT;

	tap_ok(log_level_from_string("warn", &l) == 0 && l == LOG_LEVEL_WARNING, "warn");
	tap_ok(log_level_from_string("DEBUG", &l) == 0 && l == LOG_LEVEL_DEBUG, "DEBUG");
	tap_ok(log_level_from_string("loud", &l) < 0, "unknown level");
	tap_ok(log_format_from_string("json", &f) == 0 && f == LOG_FORMAT_JSON, "json");
	tap_ok(log_format_from_string("xml", &f) < 0, "unknown format");
}

static void test_file(void)
{
	_cleanup_error_ struct pea_error *err = NULL;
	_cleanup_free_ char *s = NULL;
	char path[] = "/tmp/pea-test-log.XXXXXX";
	int fd = mkstemp(path);

	close(fd);
	log_set_format(LOG_FORMAT_TEXT);
	tap_is_int(log_open_file(path, &err), 0, "open a log file");
	log_error("first");
	log_error("second");
	log_set_fd(-1);
	pea_read_file_at(AT_FDCWD, path, 4096, &s, NULL, &err);
	tap_is_str(s, "pea-test: first\npea-test: second\n", "lines appended to the file");
	unlink(path);
	tap_is_int(log_open_file("/nonexistent/dir/log", &err), -ENOENT, "log file error");
	tap_is_str(err ? err->message : NULL,
		   "open log file '/nonexistent/dir/log': No such file or directory",
		   "log file error message");
}

int main(void)
{
	tap_plan(30);
	if (pipe2(pipefd, O_CLOEXEC | O_NONBLOCK) < 0)
		abort();
	log_set_fd(pipefd[1]);
	test_text();
	test_json();
	test_syslog();
	test_logrus();
	test_parse_names();
	test_file();
	close(pipefd[0]);
	close(pipefd[1]);
	return tap_done();
}
