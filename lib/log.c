#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/log.h"
#include "lib/xalloc.h"

/*
 * One process, one logger: the state is a few scalars set once in main().
 * Each line is built in memory and written with a single write(2), so lines
 * from several processes appending to one file do not interleave.
 */
static struct {
	const char *program;
	enum log_level level;
	enum log_format format;
	int fd; /* -1: stderr */
	int own_fd;
	bool mirror;
} logger = { .program = "pea", .level = LOG_LEVEL_WARNING, .fd = -1, .own_fd = -1 };

static const char *const level_names[] = {
	[LOG_LEVEL_ERROR] = "error", [LOG_LEVEL_WARNING] = "warning", [LOG_LEVEL_INFO] = "info",
	[LOG_LEVEL_DEBUG] = "debug", [LOG_LEVEL_TRACE] = "trace",
};

void log_set_program(const char *name)
{
	const char *slash = strrchr(name, '/');

	logger.program = slash ? slash + 1 : name;
}

void log_set_level(enum log_level level)
{
	logger.level = level;
}

enum log_level log_get_level(void)
{
	return logger.level;
}

void log_set_format(enum log_format format)
{
	logger.format = format;
}

int log_level_from_string(const char *s, enum log_level *ret)
{
	static const struct {
		const char *name;
		enum log_level level;
	} names[] = {
		{ "error", LOG_LEVEL_ERROR },	  { "fatal", LOG_LEVEL_ERROR },
		{ "panic", LOG_LEVEL_ERROR },	  { "warn", LOG_LEVEL_WARNING },
		{ "warning", LOG_LEVEL_WARNING }, { "info", LOG_LEVEL_INFO },
		{ "debug", LOG_LEVEL_DEBUG },	  { "trace", LOG_LEVEL_DEBUG },
	};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (strcasecmp(s, names[i].name) == 0) {
			*ret = names[i].level;
			return 0;
		}
	return -EINVAL;
}

int log_format_from_string(const char *s, enum log_format *ret)
{
	if (strcmp(s, "text") == 0)
		*ret = LOG_FORMAT_TEXT;
	else if (strcmp(s, "json") == 0)
		*ret = LOG_FORMAT_JSON;
	else
		return -EINVAL;
	return 0;
}

void log_set_fd(int fd)
{
	if (logger.own_fd >= 0 && logger.own_fd != fd) {
		close(logger.own_fd);
		logger.own_fd = -1;
	}
	logger.fd = fd;
}

int log_open_file(const char *path, struct pea_error **err)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0)
		return pea_error_errno(err, "open log file '%s'", path);
	log_set_fd(fd);
	logger.own_fd = fd;
	return 0;
}

void log_set_mirror_stderr(bool on)
{
	logger.mirror = on;
}

static void write_line(int fd, const char *s, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, s, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return; /* nowhere left to report it */
		s += w;
		len -= (size_t)w;
	}
}

static char *format_time(void)
{
	struct timespec ts;
	struct tm tm;
	char buf[64];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	return xasprintf("%s.%09ldZ", buf, ts.tv_nsec);
}

static char *format_json(enum log_level level, int errnum, const char *msg)
{
	_cleanup_json_ struct json_object *o = json_object_new_object();
	_cleanup_free_ char *t = format_time();

	json_object_object_add(o, "level", json_object_new_string(level_names[level]));
	json_object_object_add(o, "msg", json_object_new_string(msg));
	json_object_object_add(o, "time", json_object_new_string(t));
	if (errnum)
		json_object_object_add(o, "errno", json_object_new_string(pea_errno_name(errnum)));
	return xasprintf("%s\n",
			 json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
								   JSON_C_TO_STRING_NOSLASHESCAPE));
}

static char *format_text(enum log_level level, const char *msg)
{
	if (level == LOG_LEVEL_ERROR)
		return xasprintf("%s: %s\n", logger.program, msg);
	return xasprintf("%s: %s: %s\n", logger.program, level_names[level], msg);
}

/* syslog(3)'s severities for ours, under the user facility (as syslog() without openlog()) */
static char *format_syslog(enum log_level level, const char *msg)
{
	static const int severity[] = {
		[LOG_LEVEL_ERROR] = 3, [LOG_LEVEL_WARNING] = 4, [LOG_LEVEL_INFO] = 6,
		[LOG_LEVEL_DEBUG] = 7, [LOG_LEVEL_TRACE] = 7,
	};
	time_t now = time(NULL);
	struct tm tm;
	char stamp[32];

	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%b %e %H:%M:%S", &tm);
	return xasprintf("<%d>%s %s[%d]: %s\n", 8 + severity[level], stamp, logger.program,
			 (int)getpid(), msg);
}

/* logrus' TextFormatter without a terminal: msg quoted as Go's %q does for text */
static char *format_logrus(enum log_level level, const char *msg)
{
	_cleanup_free_ char *q = xmalloc(strlen(msg) * 4 + 1);
	char *o = q;
	time_t now = time(NULL);
	struct tm tm;
	char stamp[40];

	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S%z", &tm);
	/* RFC 3339: the offset as +hh:mm, Z for UTC */
	if (strcmp(stamp + 19, "+0000") == 0) {
		strcpy(stamp + 19, "Z");
	} else {
		memmove(stamp + 23, stamp + 22, 3);
		stamp[22] = ':';
	}
	for (const unsigned char *p = (const unsigned char *)msg; *p; p++) {
		if (*p == '"' || *p == '\\') {
			*o++ = '\\';
			*o++ = (char)*p;
		} else if (*p == '\n') {
			*o++ = '\\';
			*o++ = 'n';
		} else if (*p < 0x20 || *p == 0x7f) {
			o += sprintf(o, "\\x%02x", *p);
		} else {
			*o++ = (char)*p;
		}
	}
	*o = '\0';
	return xasprintf("time=\"%s\" level=%s msg=\"%s\"\n", stamp, level_names[level], q);
}

static char *format_line(enum log_level level, int errnum, const char *msg)
{
	switch (logger.format) {
	case LOG_FORMAT_JSON:
		return format_json(level, errnum, msg);
	case LOG_FORMAT_SYSLOG:
		return format_syslog(level, msg);
	case LOG_FORMAT_LOGRUS:
		return format_logrus(level, msg);
	case LOG_FORMAT_TEXT:
	default:
		return format_text(level, msg);
	}
}

void log_msgv(enum log_level level, int errnum, const char *fmt, va_list ap)
{
	_cleanup_free_ char *msg = NULL, *line = NULL;
	int saved = errno;
	int fd = logger.fd >= 0 ? logger.fd : STDERR_FILENO;

	if (level > logger.level)
		return;
	msg = xvasprintf(fmt, ap);
	line = format_line(level, errnum, msg);
	write_line(fd, line, strlen(line));
	if (logger.mirror && fd != STDERR_FILENO) {
		free(line);
		line = format_text(level, msg);
		write_line(STDERR_FILENO, line, strlen(line));
	}
	errno = saved;
}

void log_msg(enum log_level level, int errnum, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_msgv(level, errnum, fmt, ap);
	va_end(ap);
}

void log_pea_error(const struct pea_error *err)
{
	if (err)
		log_msg(LOG_LEVEL_ERROR, err->code, "%s", err->message);
	else
		log_msg(LOG_LEVEL_ERROR, 0, "unknown error");
}
