#pragma once

/*
 * Logging to stderr (or a file), as text or as JSON lines
 * {"level":"error","msg":"...","time":"RFC3339"}.
 * stdout is never used: it carries the JSON reply of the tools.
 */

#include <stdarg.h>
#include <stdbool.h>

struct pea_error;

enum log_level {
	LOG_LEVEL_ERROR,
	LOG_LEVEL_WARNING,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG,
	/* podman's trace: below debug, set only by its own name (see pea's --log-level) */
	LOG_LEVEL_TRACE,
};

enum log_format {
	LOG_FORMAT_TEXT,
	LOG_FORMAT_JSON,
	/* "<PRI>Mmm dd hh:mm:ss program[pid]: msg", for a syslog socket (facility user) */
	LOG_FORMAT_SYSLOG,
	/* logrus' text lines, as podman prints them: time="RFC3339" level=debug msg="..." */
	LOG_FORMAT_LOGRUS,
};

/* Program name used as the prefix of text lines ("pea-runtime: ..."). */
void log_set_program(const char *name);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
void log_set_format(enum log_format format);
/*
 * Parse "error|warn|warning|info|debug" (and podman's fatal, panic, trace: trace is debug
 * here, LOG_LEVEL_TRACE is set by name) and "text|json"; < 0 if unknown.
 */
int log_level_from_string(const char *s, enum log_level *ret);
int log_format_from_string(const char *s, enum log_format *ret);

/*
 * Send log lines to an open fd instead of stderr (the fd is not closed by
 * the logger, and it is used with O_APPEND semantics expected). -1 restores stderr.
 */
void log_set_fd(int fd);
/* Open path for appending (O_CLOEXEC) and log there. */
int log_open_file(const char *path, struct pea_error **err);
/* Also mirror every line to stderr as text, while logging to a file. */
void log_set_mirror_stderr(bool on);

void log_msg(enum log_level level, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void log_msgv(enum log_level level, int errnum, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

#define log_error(...)	 log_msg(LOG_LEVEL_ERROR, 0, __VA_ARGS__)
#define log_warning(...) log_msg(LOG_LEVEL_WARNING, 0, __VA_ARGS__)
#define log_info(...)	 log_msg(LOG_LEVEL_INFO, 0, __VA_ARGS__)
#define log_debug(...)                                            \
	do {                                                      \
		if (log_get_level() >= LOG_LEVEL_DEBUG)           \
			log_msg(LOG_LEVEL_DEBUG, 0, __VA_ARGS__); \
	} while (0)

#define log_trace(...)                                            \
	do {                                                      \
		if (log_get_level() >= LOG_LEVEL_TRACE)           \
			log_msg(LOG_LEVEL_TRACE, 0, __VA_ARGS__); \
	} while (0)

/* Log an error object at error level (its message, its errno). */
void log_pea_error(const struct pea_error *err);
