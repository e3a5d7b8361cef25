#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/xalloc.h"

/* Errors are made once and rarely: plain allocation, no pools. */

int pea_error_newv(struct pea_error **err, int code, const char *fmt, va_list ap)
{
	struct pea_error *e;

	if (code <= 0)
		code = code < 0 ? -code : EIO;
	if (!err)
		return -code;
	e = xnew(struct pea_error, 1);
	e->code = code;
	e->message = xvasprintf(fmt, ap);
	pea_error_free(*err); /* never leak an earlier one that was not consumed */
	*err = e;
	return -code;
}

int pea_error_new(struct pea_error **err, int code, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = pea_error_newv(err, code, fmt, ap);
	va_end(ap);
	return r;
}

static int __attribute__((format(printf, 3, 0)))
error_with_code(struct pea_error **err, int code, const char *fmt, va_list ap)
{
	_cleanup_free_ char *msg = NULL;

	if (code <= 0)
		code = code < 0 ? -code : EIO;
	msg = xvasprintf(fmt, ap);
	return pea_error_new(err, code, "%s: %s", msg, strerror(code));
}

int pea_error_errno(struct pea_error **err, const char *fmt, ...)
{
	int code = errno;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = error_with_code(err, code, fmt, ap);
	va_end(ap);
	return r;
}

int pea_error_code(struct pea_error **err, int code, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = error_with_code(err, code, fmt, ap);
	va_end(ap);
	return r;
}

int pea_error_wrap(struct pea_error **err, const char *fmt, ...)
{
	_cleanup_free_ char *prefix = NULL;
	char *msg;
	va_list ap;

	if (!err)
		return -EIO;
	if (!*err) /* wrapping nothing: a caller bug, keep going with a visible message */
		return pea_error_new(err, EIO, "unknown error");
	va_start(ap, fmt);
	prefix = xvasprintf(fmt, ap);
	va_end(ap);
	msg = xasprintf("%s: %s", prefix, (*err)->message);
	free((*err)->message);
	(*err)->message = msg;
	return -(*err)->code;
}

struct pea_error *pea_error_free(struct pea_error *err)
{
	if (err) {
		free(err->message);
		free(err);
	}
	return NULL;
}

int pea_error_release(struct pea_error **err)
{
	int code = 0;

	if (err && *err) {
		code = -(*err)->code;
		*err = pea_error_free(*err);
	}
	return code;
}

const char *pea_errno_name(int code)
{
	const char *name = strerrorname_np(code < 0 ? -code : code);

	return name ? name : "E?";
}

int pea_error_to_fd(int fd, const struct pea_error *err)
{
	_cleanup_json_ struct json_object *o = json_object_new_object();
	const char *s;
	size_t len;
	ssize_t w;

	json_object_object_add(o, "code", json_object_new_int(err ? err->code : EIO));
	json_object_object_add(
		o, "message",
		json_object_new_string(err && err->message ? err->message : "unknown error"));
	s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &len);
	do
		w = write(fd, s, len);
	while (w < 0 && errno == EINTR);
	return w == (ssize_t)len ? 0 : -1;
}

int pea_error_from_buf(struct pea_error **err, const char *buf, size_t len)
{
	_cleanup_json_ struct json_object *o = NULL;
	struct json_object *code = NULL, *msg = NULL;
	struct json_tokener *tok = json_tokener_new();
	int c;

	if (!tok)
		return pea_error_new(err, ENOMEM, "out of memory");
	o = json_tokener_parse_ex(tok, buf, (int)(len > 65536 ? 65536 : len));
	json_tokener_free(tok);
	if (!o || !json_object_object_get_ex(o, "code", &code) ||
	    !json_object_object_get_ex(o, "message", &msg) ||
	    !json_object_is_type(msg, json_type_string))
		return pea_error_new(err, EPROTO, "malformed error report from child: '%.*s'",
				     (int)(len > 200 ? 200 : len), buf);
	c = json_object_get_int(code);
	return pea_error_new(err, c > 0 ? c : EIO, "%s", json_object_get_string(msg));
}
