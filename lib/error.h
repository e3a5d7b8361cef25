#pragma once

/*
 * One error type for the whole project.
 *
 * A function that can fail returns int (>= 0 ok, < 0 failed) and takes
 * `struct pea_error **err` last. It creates the error where the failure
 * happens, naming the operation and the object, and each caller going up
 * adds meaning once with pea_error_wrap(). Only main() prints it.
 */

#include <stdarg.h>
#include <stdbool.h>

struct pea_error {
	int code;      /* always a positive errno value */
	char *message; /* "what: on what: why" */
};

/* Make *err from a printf-like message and an errno value; returns -code. */
int pea_error_new(struct pea_error **err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int pea_error_newv(struct pea_error **err, int code, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/* Like pea_error_new() with the current errno; appends ": strerror(errno)". */
int pea_error_errno(struct pea_error **err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Like pea_error_errno() with an explicit errno value (for -errno returns). */
int pea_error_code(struct pea_error **err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prefix the message of *err with "fmt: "; returns -(*err)->code. */
int pea_error_wrap(struct pea_error **err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Free an error; accepts NULL, returns NULL. */
struct pea_error *pea_error_free(struct pea_error *err);

/* Release *err and return its code as a negative value (0 if none). */
int pea_error_release(struct pea_error **err);

/* Symbolic name of an errno value ("ENOENT"), or "E?" when unknown. */
const char *pea_errno_name(int code);

/*
 * Serialise an error for another process ({"code":N,"message":"..."}) and
 * back. Used by forked children that fail before execve.
 */
int pea_error_to_fd(int fd, const struct pea_error *err);
int pea_error_from_buf(struct pea_error **err, const char *buf, size_t len);

/* For `if (r < 0) return pea_error_propagate(...)`-free code paths. */
static inline bool pea_error_is(const struct pea_error *err, int code)
{
	return err && err->code == code;
}
