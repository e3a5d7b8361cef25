#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/strv.h"
#include "lib/xalloc.h"

/*
 * json-c 0.16 in strict mode still accepts single-quoted strings and raw
 * control characters in strings, and it cannot tell where a top-level number
 * ends. So a small RFC 8259 scanner checks the syntax first (and gives exact
 * offsets); json-c then only builds the objects from text known to be valid.
 */

#define JSON_MAX_DEPTH 64

struct scan {
	const unsigned char *p;
	size_t len;
	size_t pos;
	int depth;
	const char *msg; /* first error */
};

static bool scan_fail(struct scan *s, const char *msg)
{
	if (!s->msg)
		s->msg = s->pos >= s->len ? "unexpected end of input" : msg;
	return false;
}

static void scan_ws(struct scan *s)
{
	while (s->pos < s->len && (s->p[s->pos] == ' ' || s->p[s->pos] == '\t' ||
				   s->p[s->pos] == '\n' || s->p[s->pos] == '\r'))
		s->pos++;
}

static bool scan_literal(struct scan *s, const char *word)
{
	for (size_t i = 0; word[i]; i++, s->pos++)
		if (s->pos >= s->len || s->p[s->pos] != (unsigned char)word[i])
			return scan_fail(s, "unexpected character");
	return true;
}

static bool scan_digits(struct scan *s)
{
	size_t start = s->pos;

	while (s->pos < s->len && s->p[s->pos] >= '0' && s->p[s->pos] <= '9')
		s->pos++;
	return s->pos > start ? true : scan_fail(s, "invalid number");
}

static bool scan_number(struct scan *s)
{
	if (s->p[s->pos] == '-')
		s->pos++;
	if (s->pos < s->len && s->p[s->pos] == '0') {
		s->pos++;
		if (s->pos < s->len && s->p[s->pos] >= '0' && s->p[s->pos] <= '9')
			return scan_fail(s, "invalid number (leading zero)");
	} else if (!scan_digits(s)) {
		return false;
	}
	if (s->pos < s->len && s->p[s->pos] == '.') {
		s->pos++;
		if (!scan_digits(s))
			return false;
	}
	if (s->pos < s->len && (s->p[s->pos] == 'e' || s->p[s->pos] == 'E')) {
		s->pos++;
		if (s->pos < s->len && (s->p[s->pos] == '+' || s->p[s->pos] == '-'))
			s->pos++;
		if (!scan_digits(s))
			return false;
	}
	return true;
}

/* One UTF-8 sequence starting with byte c >= 0x80 (RFC 3629: no overlongs, no surrogates). */
static bool scan_utf8(struct scan *s)
{
	unsigned char c = s->p[s->pos];
	unsigned char lo = 0x80, hi = 0xbf;
	int n;

	if (c >= 0xc2 && c <= 0xdf)
		n = 1;
	else if (c >= 0xe0 && c <= 0xef) {
		n = 2;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 3;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else
		return scan_fail(s, "invalid UTF-8");
	s->pos++;
	for (int i = 0; i < n; i++, s->pos++) {
		if (s->pos >= s->len)
			return scan_fail(s, "invalid UTF-8");
		c = s->p[s->pos];
		if (c < lo || c > hi)
			return scan_fail(s, "invalid UTF-8");
		lo = 0x80;
		hi = 0xbf;
	}
	return true;
}

static bool scan_escape(struct scan *s)
{
	s->pos++; /* the backslash */
	if (s->pos >= s->len)
		return scan_fail(s, "");
	if (strchr("\"\\/bfnrt", s->p[s->pos]) && s->p[s->pos]) {
		s->pos++;
		return true;
	}
	if (s->p[s->pos] != 'u')
		return scan_fail(s, "invalid escape in string");
	s->pos++;
	for (int i = 0; i < 4; i++, s->pos++) {
		unsigned char c = s->pos < s->len ? s->p[s->pos] : 0;

		if (s->pos >= s->len)
			return scan_fail(s, "");
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
			return scan_fail(s, "invalid \\u escape in string");
	}
	return true;
}

static bool scan_string(struct scan *s)
{
	s->pos++; /* the opening quote */
	for (;;) {
		unsigned char c;

		if (s->pos >= s->len)
			return scan_fail(s, "");
		c = s->p[s->pos];
		if (c == '"') {
			s->pos++;
			return true;
		}
		if (c == '\\') {
			if (!scan_escape(s))
				return false;
		} else if (c < 0x20) {
			return scan_fail(s, "control character in string");
		} else if (c >= 0x80) {
			if (!scan_utf8(s))
				return false;
		} else {
			s->pos++;
		}
	}
}

static bool scan_value(struct scan *s);

static bool scan_container(struct scan *s, bool object)
{
	unsigned char close = object ? '}' : ']';

	if (++s->depth > JSON_MAX_DEPTH)
		return scan_fail(s, "nesting too deep");
	s->pos++;
	scan_ws(s);
	if (s->pos < s->len && s->p[s->pos] == close) {
		s->pos++;
		s->depth--;
		return true;
	}
	for (;;) {
		if (object) {
			scan_ws(s);
			if (s->pos >= s->len || s->p[s->pos] != '"')
				return scan_fail(s, "expected a string key");
			if (!scan_string(s))
				return false;
			scan_ws(s);
			if (s->pos >= s->len || s->p[s->pos] != ':')
				return scan_fail(s, "expected ':'");
			s->pos++;
		}
		if (!scan_value(s))
			return false;
		scan_ws(s);
		if (s->pos >= s->len)
			return scan_fail(s, "");
		if (s->p[s->pos] == close)
			break;
		if (s->p[s->pos] != ',')
			return scan_fail(s, object ? "expected ',' or '}'" : "expected ',' or ']'");
		s->pos++;
	}
	s->pos++;
	s->depth--;
	return true;
}

static bool scan_value(struct scan *s)
{
	scan_ws(s);
	if (s->pos >= s->len)
		return scan_fail(s, "");
	switch (s->p[s->pos]) {
	case '{':
		return scan_container(s, true);
	case '[':
		return scan_container(s, false);
	case '"':
		return scan_string(s);
	case 't':
		return scan_literal(s, "true");
	case 'f':
		return scan_literal(s, "false");
	case 'n':
		return scan_literal(s, "null");
	case '-':
	case '0' ... '9':
		return scan_number(s);
	default:
		return scan_fail(s, "unexpected character");
	}
}

static bool scan_document(struct scan *s)
{
	if (!scan_value(s))
		return false;
	scan_ws(s);
	if (s->pos < s->len)
		return scan_fail(s, "unexpected data after the JSON value");
	return true;
}

/* 0 and *ret (NULL for a JSON null), or < 0 with the offset and reason. */
static int build(const char *buf, size_t len, struct json_object **ret, size_t *ret_offset,
		 const char **ret_msg)
{
	struct json_tokener *tok = json_tokener_new_ex(JSON_MAX_DEPTH + 1);
	struct json_object *o;
	enum json_tokener_error e;

	if (!tok)
		abort(); /* out of memory */
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, buf, (int)len);
	e = json_tokener_get_error(tok);
	if (!o && e == json_tokener_continue) {
		o = json_tokener_parse_ex(tok, "",
					  1); /* a NUL ends a top-level number or literal */
		e = json_tokener_get_error(tok);
	}
	if (e != json_tokener_success) {
		*ret_offset = json_tokener_get_parse_end(tok);
		*ret_msg = e == json_tokener_continue ? "unexpected end of input"
						      : json_tokener_error_desc(e);
		json_tokener_free(tok);
		return -EINVAL;
	}
	json_tokener_free(tok);
	*ret = o;
	return 0;
}

int pea_json_parse(const char *buf, size_t len, const char *what, struct json_object **ret,
		   struct pea_error **err)
{
	struct scan s = { .p = (const unsigned char *)buf, .len = len };
	struct json_object *o = NULL;
	size_t offset = 0;
	const char *msg = NULL;
	int r;

	if (!what)
		what = "JSON";
	if (len >= INT_MAX)
		return pea_error_new(err, EFBIG, "%s: JSON document too large (%zu bytes)", what,
				     len);
	if (!scan_document(&s))
		return pea_error_new(err, EINVAL, "%s: invalid JSON at offset %zu: %s", what, s.pos,
				     s.msg);
	r = build(buf, len, &o, &offset, &msg);
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
	if (r < 0)
		abort(); /* the scanner accepted what json-c refused: one of them is wrong */
#endif
	if (r < 0)
		return pea_error_new(err, EINVAL, "%s: invalid JSON at offset %zu: %s", what,
				     offset, msg);
	*ret = o;
	return 0;
}

int pea_json_parse_fd(int fd, size_t max, const char *what, struct json_object **ret,
		      struct pea_error **err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int r;

	if (!what)
		what = "JSON";
	if (max == 0)
		max = PEA_JSON_MAX_DEFAULT;
	r = pea_read_all(fd, max, &buf, &len, err);
	if (r < 0)
		return pea_error_wrap(err, "%s", what);
	return pea_json_parse(buf, len, what, ret, err);
}

int pea_json_parse_file_at(int dirfd, const char *path, size_t max, struct json_object **ret,
			   struct pea_error **err)
{
	_cleanup_close_ int fd = -1;

	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return pea_error_errno(err, "open '%s'", path);
	return pea_json_parse_fd(fd, max, path, ret, err);
}

/* ---- typed getters ---------------------------------------------------- */

char *pea_json_path_key(const char *path, const char *key)
{
	if (!path || !*path)
		return xstrdup(key);
	return xasprintf("%s.%s", path, key);
}

char *pea_json_path_index(const char *path, size_t index)
{
	return xasprintf("%s[%zu]", path ? path : "", index);
}

static int type_error(struct pea_error **err, const char *path, const char *key, const char *what)
{
	_cleanup_free_ char *full = pea_json_path_key(path, key);

	return pea_error_new(err, EINVAL, "'%s' %s", full, what);
}

/* 1: present (in *ret), 0: missing or null, < 0: obj itself is not an object. */
static int lookup(struct json_object *obj, const char *path, const char *key, bool required,
		  struct json_object **ret, struct pea_error **err)
{
	struct json_object *v = NULL;
	int r;

	r = pea_json_expect_object(obj, path, err);
	if (r < 0)
		return r;
	if (!json_object_object_get_ex(obj, key, &v) || !v) {
		if (required)
			return type_error(err, path, key, "is missing");
		return 0;
	}
	*ret = v;
	return 1;
}

int pea_json_expect_object(struct json_object *obj, const char *path, struct pea_error **err)
{
	if (json_object_is_type(obj, json_type_object))
		return 0;
	if (!path || !*path)
		return pea_error_new(err, EINVAL, "the document is not a JSON object");
	return pea_error_new(err, EINVAL, "'%s' is not an object", path);
}

static int get_string(struct json_object *obj, const char *path, const char *key, bool required,
		      const char **ret, struct pea_error **err)
{
	struct json_object *v = NULL;
	int r = lookup(obj, path, key, required, &v, err);

	if (r <= 0)
		return r;
	if (!json_object_is_type(v, json_type_string))
		return type_error(err, path, key, "is not a string");
	*ret = json_object_get_string(v);
	return 1;
}

int pea_json_get_string_req(struct json_object *obj, const char *path, const char *key,
			    const char **ret, struct pea_error **err)
{
	int r = get_string(obj, path, key, true, ret, err);

	return r < 0 ? r : 0;
}

int pea_json_get_string_opt(struct json_object *obj, const char *path, const char *key,
			    const char **ret, struct pea_error **err)
{
	return get_string(obj, path, key, false, ret, err);
}

static int get_bool(struct json_object *obj, const char *path, const char *key, bool required,
		    bool *ret, struct pea_error **err)
{
	struct json_object *v = NULL;
	int r = lookup(obj, path, key, required, &v, err);

	if (r <= 0)
		return r;
	if (!json_object_is_type(v, json_type_boolean))
		return type_error(err, path, key, "is not a boolean");
	*ret = json_object_get_boolean(v);
	return 1;
}

int pea_json_get_bool_req(struct json_object *obj, const char *path, const char *key, bool *ret,
			  struct pea_error **err)
{
	int r = get_bool(obj, path, key, true, ret, err);

	return r < 0 ? r : 0;
}

int pea_json_get_bool_opt(struct json_object *obj, const char *path, const char *key, bool *ret,
			  struct pea_error **err)
{
	return get_bool(obj, path, key, false, ret, err);
}

/*
 * An integer as json-c holds it: int64, or uint64 above INT64_MAX. Values
 * beyond 64 bits were clamped by the parser and cannot be told apart.
 */
static int get_integer(struct json_object *obj, const char *path, const char *key, bool required,
		       struct json_object **ret, struct pea_error **err)
{
	int r = lookup(obj, path, key, required, ret, err);

	if (r <= 0)
		return r;
	if (!json_object_is_type(*ret, json_type_int))
		return type_error(err, path, key, "is not an integer");
	return 1;
}

static bool int_is_above_int64(struct json_object *v)
{
	return json_object_get_int64(v) == INT64_MAX && json_object_get_uint64(v) > INT64_MAX;
}

static int get_int64(struct json_object *obj, const char *path, const char *key, bool required,
		     int64_t min, int64_t max, int64_t *ret, struct pea_error **err)
{
	struct json_object *v = NULL;
	int64_t n;
	int r = get_integer(obj, path, key, required, &v, err);

	if (r <= 0)
		return r;
	n = json_object_get_int64(v);
	if (int_is_above_int64(v) || n < min || n > max)
		return type_error(err, path, key, "is out of range");
	*ret = n;
	return 1;
}

int pea_json_get_int64_req(struct json_object *obj, const char *path, const char *key, int64_t *ret,
			   struct pea_error **err)
{
	int r = get_int64(obj, path, key, true, INT64_MIN, INT64_MAX, ret, err);

	return r < 0 ? r : 0;
}

int pea_json_get_int64_opt(struct json_object *obj, const char *path, const char *key, int64_t *ret,
			   struct pea_error **err)
{
	return get_int64(obj, path, key, false, INT64_MIN, INT64_MAX, ret, err);
}

int pea_json_get_int_opt(struct json_object *obj, const char *path, const char *key, int *ret,
			 struct pea_error **err)
{
	int64_t n = 0;
	int r = get_int64(obj, path, key, false, INT_MIN, INT_MAX, &n, err);

	if (r > 0)
		*ret = (int)n;
	return r;
}

static int get_uint64(struct json_object *obj, const char *path, const char *key, uint64_t max,
		      uint64_t *ret, struct pea_error **err)
{
	struct json_object *v = NULL;
	uint64_t n;
	int r = get_integer(obj, path, key, false, &v, err);

	if (r <= 0)
		return r;
	if (json_object_get_int64(v) < 0)
		return type_error(err, path, key, "is out of range");
	n = json_object_get_uint64(v);
	if (n > max)
		return type_error(err, path, key, "is out of range");
	*ret = n;
	return 1;
}

int pea_json_get_uint64_opt(struct json_object *obj, const char *path, const char *key,
			    uint64_t *ret, struct pea_error **err)
{
	return get_uint64(obj, path, key, UINT64_MAX, ret, err);
}

int pea_json_get_uint32_opt(struct json_object *obj, const char *path, const char *key,
			    uint32_t *ret, struct pea_error **err)
{
	uint64_t n = 0;
	int r = get_uint64(obj, path, key, UINT32_MAX, &n, err);

	if (r > 0)
		*ret = (uint32_t)n;
	return r;
}

int pea_json_get_object_opt(struct json_object *obj, const char *path, const char *key,
			    struct json_object **ret, struct pea_error **err)
{
	struct json_object *v = NULL;
	int r = lookup(obj, path, key, false, &v, err);

	if (r <= 0)
		return r;
	if (!json_object_is_type(v, json_type_object))
		return type_error(err, path, key, "is not an object");
	*ret = v;
	return 1;
}

int pea_json_get_array_opt(struct json_object *obj, const char *path, const char *key,
			   struct json_object **ret, struct pea_error **err)
{
	struct json_object *v = NULL;
	int r = lookup(obj, path, key, false, &v, err);

	if (r <= 0)
		return r;
	if (!json_object_is_type(v, json_type_array))
		return type_error(err, path, key, "is not an array");
	*ret = v;
	return 1;
}

int pea_json_get_strv_opt(struct json_object *obj, const char *path, const char *key, char ***ret,
			  struct pea_error **err)
{
	_cleanup_strv_ char **v = NULL;
	struct json_object *a = NULL;
	size_t n;
	int r = pea_json_get_array_opt(obj, path, key, &a, err);

	if (r <= 0)
		return r;
	n = json_object_array_length(a);
	v = xnew(char *, n + 1);
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(a, i);

		if (!json_object_is_type(e, json_type_string)) {
			_cleanup_free_ char *p = pea_json_path_key(path, key);
			_cleanup_free_ char *full = pea_json_path_index(p, i);

			return pea_error_new(err, EINVAL, "'%s' is not a string", full);
		}
		v[i] = xstrdup(json_object_get_string(e));
	}
	*ret = TAKE_PTR(v);
	return 1;
}

/* ---- writing ------------------------------------------------------------ */

#define WRITE_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

const char *pea_json_to_string(struct json_object *obj)
{
	return json_object_to_json_string_ext(obj, WRITE_FLAGS);
}

int pea_json_write_fd(int fd, struct json_object *obj, bool nl, struct pea_error **err)
{
	size_t len = 0;
	const char *s = json_object_to_json_string_length(obj, WRITE_FLAGS, &len);
	_cleanup_free_ char *line = NULL;

	if (!nl)
		return pea_write_all(fd, s, len, err);
	/* one write(2), so concurrent JSON lines on a pipe do not interleave */
	line = xmalloc(len + 1);
	memcpy(line, s, len);
	line[len] = '\n';
	return pea_write_all(fd, line, len + 1, err);
}

int pea_json_write_file(FILE *f, struct json_object *obj, bool pretty, struct pea_error **err)
{
	int flags = pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE : WRITE_FLAGS;
	const char *s = json_object_to_json_string_ext(obj, flags);

	if (fputs(s, f) == EOF || fputc('\n', f) == EOF || fflush(f) == EOF)
		return pea_error_errno(err, "write JSON");
	return 0;
}

static int reply(FILE *out, struct json_object *o)
{
	const char *s = json_object_to_json_string_ext(o, WRITE_FLAGS);

	if (fputs(s, out) == EOF || fputc('\n', out) == EOF || fflush(out) == EOF)
		return -(errno ? errno : EIO);
	return 0;
}

int pea_reply_result(FILE *out, struct json_object *result)
{
	_cleanup_json_ struct json_object *o = json_object_new_object();

	json_object_object_add(o, "result", result ? result : json_object_new_object());
	return reply(out, o);
}

int pea_reply_error(FILE *out, const struct pea_error *err)
{
	_cleanup_json_ struct json_object *o = json_object_new_object();
	struct json_object *e = json_object_new_object();
	int code = err && err->code > 0 ? err->code : EIO;

	json_object_object_add(e, "code", json_object_new_int(code));
	json_object_object_add(e, "errno", json_object_new_string(pea_errno_name(code)));
	json_object_object_add(
		e, "message",
		json_object_new_string(err && err->message ? err->message : "unknown error"));
	json_object_object_add(o, "error", e);
	return reply(out, o);
}
