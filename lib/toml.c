#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "lib/toml.h"

struct toml_parser {
	const char *p, *end;
	const char *what;
	int line;
	struct json_object **defined; /* tables named by a [header] */
	size_t ndefined;
	struct pea_error **err;
};

__attribute__((format(printf, 2, 3))) static int toml_fail(struct toml_parser *t, const char *fmt,
							   ...)
{
	_cleanup_free_ char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	return pea_error_new(t->err, EINVAL, "%s:%d: %s", t->what, t->line, msg);
}

static bool toml_eof(const struct toml_parser *t)
{
	return t->p >= t->end;
}

static bool is_printable(char c)
{
	return c > ' ' && c < 0x7f;
}

static void skip_ws(struct toml_parser *t)
{
	while (!toml_eof(t) && (*t->p == ' ' || *t->p == '\t'))
		t->p++;
}

static void skip_comment(struct toml_parser *t)
{
	if (!toml_eof(t) && *t->p == '#')
		while (!toml_eof(t) && *t->p != '\n')
			t->p++;
}

/* Whitespace, comments and newlines (inside arrays). */
static void skip_ws_nl(struct toml_parser *t)
{
	for (;;) {
		skip_ws(t);
		skip_comment(t);
		if (toml_eof(t))
			return;
		if (*t->p == '\n') {
			t->line++;
			t->p++;
		} else if (*t->p == '\r' && t->p + 1 < t->end && t->p[1] == '\n') {
			t->line++;
			t->p += 2;
		} else {
			return;
		}
	}
}

/* After a value or header: only a comment, then the end of the line. */
static int expect_eol(struct toml_parser *t)
{
	skip_ws(t);
	skip_comment(t);
	if (toml_eof(t))
		return 0;
	if (*t->p == '\r')
		t->p++;
	if (toml_eof(t))
		return toml_fail(t, "expected the end of the line");
	if (*t->p != '\n' && is_printable(*t->p))
		return toml_fail(t, "expected the end of the line, found '%c'", *t->p);
	if (*t->p != '\n')
		return toml_fail(t, "expected the end of the line, found byte 0x%02x",
				 (unsigned char)*t->p);
	t->p++;
	t->line++;
	return 0;
}

static void put_byte(char **buf, size_t *len, size_t *cap, char c)
{
	if (*len + 2 > *cap) {
		*cap = (*len + 2) * 2;
		*buf = xrealloc(*buf, *cap);
	}
	(*buf)[(*len)++] = c;
	(*buf)[*len] = '\0';
}

static void put_utf8(char **buf, size_t *len, size_t *cap, uint32_t cp)
{
	char tmp[4];
	size_t n;

	if (cp < 0x80) {
		tmp[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		tmp[0] = (char)(0xc0 | (cp >> 6));
		tmp[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		tmp[0] = (char)(0xe0 | (cp >> 12));
		tmp[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		tmp[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		tmp[0] = (char)(0xf0 | (cp >> 18));
		tmp[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		tmp[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		tmp[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	if (*len + n + 1 > *cap) {
		*cap = (*len + n + 1) * 2;
		*buf = xrealloc(*buf, *cap);
	}
	memcpy(*buf + *len, tmp, n);
	*len += n;
	(*buf)[*len] = '\0';
}

static int parse_escape(struct toml_parser *t, char **buf, size_t *len, size_t *cap)
{
	char c;
	int digits;
	uint32_t cp = 0;

	if (toml_eof(t))
		return toml_fail(t, "unterminated string");
	c = *t->p++;
	switch (c) {
	case 'b':
		put_utf8(buf, len, cap, '\b');
		return 0;
	case 't':
		put_utf8(buf, len, cap, '\t');
		return 0;
	case 'n':
		put_utf8(buf, len, cap, '\n');
		return 0;
	case 'f':
		put_utf8(buf, len, cap, '\f');
		return 0;
	case 'r':
		put_utf8(buf, len, cap, '\r');
		return 0;
	case '"':
		put_utf8(buf, len, cap, '"');
		return 0;
	case '\\':
		put_utf8(buf, len, cap, '\\');
		return 0;
	case 'u':
		digits = 4;
		break;
	case 'U':
		digits = 8;
		break;
	default:
		if (c == '\n' || c == '\r')
			return toml_fail(t, "line-ending backslashes are not supported here");
		if (!is_printable(c))
			return toml_fail(
				t, "invalid escape (a backslash, then byte 0x%02x) in a string",
				(unsigned char)c);
		return toml_fail(t, "invalid escape '\\%c' in a string", c);
	}
	for (int i = 0; i < digits; i++) {
		char h = toml_eof(t) ? '\0' : *t->p++;

		cp <<= 4;
		if (h >= '0' && h <= '9')
			cp |= (uint32_t)(h - '0');
		else if (h >= 'a' && h <= 'f')
			cp |= (uint32_t)(h - 'a' + 10);
		else if (h >= 'A' && h <= 'F')
			cp |= (uint32_t)(h - 'A' + 10);
		else
			return toml_fail(t, "invalid unicode escape in a string");
	}
	if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return toml_fail(t, "invalid unicode scalar U+%04X in a string", cp);
	put_utf8(buf, len, cap, cp);
	return 0;
}

static bool starts_with3(const struct toml_parser *t, char q)
{
	return t->end - t->p >= 3 && t->p[0] == q && t->p[1] == q && t->p[2] == q;
}

/* A string starting at t->p ('"', '\'', '"""' or '\'\'\''); *ret is new. */
static int parse_string(struct toml_parser *t, bool allow_multi, char **ret)
{
	_cleanup_free_ char *buf = xzalloc(16);
	size_t len = 0, cap = 16;
	char q = *t->p;
	bool multi = allow_multi && starts_with3(t, q);

	t->p += multi ? 3 : 1;
	if (multi && !toml_eof(t) && *t->p == '\n') { /* a newline right after """ is trimmed */
		t->p++;
		t->line++;
	}
	for (;;) {
		char c;

		if (toml_eof(t))
			return toml_fail(t, "unterminated string");
		if (multi ? starts_with3(t, q) : *t->p == q) {
			t->p += multi ? 3 : 1;
			break;
		}
		c = *t->p++;
		if (c == '\n') {
			if (!multi)
				return toml_fail(t, "newline in a single-line string");
			t->line++;
		} else if (c == '\0' || (c > 0 && c < 0x20 && c != '\t' && c != '\r') ||
			   c == 0x7f) {
			return toml_fail(t, "control character in a string");
		}
		if (c == '\\' && q == '"') {
			if (parse_escape(t, &buf, &len, &cap) < 0)
				return -EINVAL;
			continue;
		}
		put_byte(&buf, &len, &cap, c);
	}
	*ret = TAKE_PTR(buf);
	return 0;
}

static bool is_bare_key_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

/* One key component: bare or quoted. */
static int parse_key_part(struct toml_parser *t, char **ret)
{
	const char *start;

	skip_ws(t);
	if (toml_eof(t))
		return toml_fail(t, "expected a key");
	if (*t->p == '"' || *t->p == '\'')
		return parse_string(t, false, ret);
	start = t->p;
	while (!toml_eof(t) && is_bare_key_char(*t->p))
		t->p++;
	if (t->p == start && is_printable(*t->p))
		return toml_fail(t, "expected a key, found '%c'", *t->p);
	if (t->p == start)
		return toml_fail(t, "expected a key, found byte 0x%02x", (unsigned char)*t->p);
	*ret = xstrndup(start, (size_t)(t->p - start));
	return 0;
}

/* A dotted key: a.b."c d" -> {"a","b","c d",NULL} */
static int parse_key(struct toml_parser *t, char ***ret)
{
	_cleanup_strv_ char **parts = NULL;

	for (;;) {
		char *part = NULL;

		if (parse_key_part(t, &part) < 0)
			return -EINVAL;
		pea_strv_push_take(&parts, part);
		if (pea_strv_length(parts) > PEA_TOML_MAX_DEPTH)
			return toml_fail(t, "key nested too deep");
		skip_ws(t);
		if (toml_eof(t) || *t->p != '.')
			break;
		t->p++;
	}
	*ret = TAKE_PTR(parts);
	return 0;
}

static int parse_value(struct toml_parser *t, int depth, struct json_object **ret);

static int parse_array(struct toml_parser *t, int depth, struct json_object **ret)
{
	_cleanup_json_ struct json_object *arr = json_object_new_array();

	t->p++; /* '[' */
	for (;;) {
		struct json_object *v = NULL;

		skip_ws_nl(t);
		if (toml_eof(t))
			return toml_fail(t, "unterminated array");
		if (*t->p == ']') {
			t->p++;
			break;
		}
		if (parse_value(t, depth + 1, &v) < 0)
			return -EINVAL;
		json_object_array_add(arr, v);
		skip_ws_nl(t);
		if (!toml_eof(t) && *t->p == ',') {
			t->p++;
			continue;
		}
		skip_ws_nl(t);
		if (toml_eof(t))
			return toml_fail(t, "unterminated array");
		if (*t->p != ']')
			return toml_fail(t, "expected ',' or ']' in an array");
		t->p++;
		break;
	}
	*ret = TAKE_PTR(arr);
	return 0;
}

static int set_key(struct toml_parser *t, struct json_object *table, char **key,
		   struct json_object *value);

static int parse_inline_table(struct toml_parser *t, int depth, struct json_object **ret)
{
	_cleanup_json_ struct json_object *tab = json_object_new_object();
	bool first = true;

	t->p++; /* '{' */
	for (;;) {
		_cleanup_strv_ char **key = NULL;
		struct json_object *v = NULL;

		skip_ws(t);
		if (toml_eof(t))
			return toml_fail(t, "unterminated inline table");
		if (first && *t->p == '}') {
			t->p++;
			break;
		}
		first = false;
		if (parse_key(t, &key) < 0)
			return -EINVAL;
		skip_ws(t);
		if (toml_eof(t) || *t->p != '=')
			return toml_fail(t, "expected '=' after a key");
		t->p++;
		skip_ws(t);
		if (parse_value(t, depth + 1, &v) < 0)
			return -EINVAL;
		if (set_key(t, tab, key, v) < 0)
			return -EINVAL;
		skip_ws(t);
		if (!toml_eof(t) && *t->p == ',') {
			t->p++;
			continue;
		}
		if (toml_eof(t) || *t->p != '}')
			return toml_fail(t, "expected ',' or '}' in an inline table");
		t->p++;
		break;
	}
	*ret = TAKE_PTR(tab);
	return 0;
}

static int parse_integer(struct toml_parser *t, struct json_object **ret)
{
	char digits[32];
	size_t n = 0;
	bool last_digit = false;
	long long v;
	char *endp;

	if (*t->p == '+' || *t->p == '-')
		digits[n++] = *t->p++;
	while (!toml_eof(t) && n < sizeof(digits) - 1) {
		char c = *t->p;

		if (c >= '0' && c <= '9') {
			digits[n++] = c;
			last_digit = true;
		} else if (c == '_' && last_digit) {
			last_digit = false;
		} else {
			break;
		}
		t->p++;
	}
	digits[n] = '\0';
	if (!last_digit)
		return toml_fail(t, "malformed integer");
	if (!toml_eof(t) &&
	    (*t->p == '.' || *t->p == 'e' || *t->p == 'E' || *t->p == '-' || *t->p == ':'))
		return toml_fail(t, "floats and dates are not supported here");
	if (!toml_eof(t) && is_bare_key_char(*t->p))
		return toml_fail(t, "malformed integer");
	{
		const char *d = digits + (digits[0] == '+' || digits[0] == '-');

		if (d[0] == '0' && d[1])
			return toml_fail(t, "leading zeros are not allowed in an integer");
	}
	errno = 0;
	v = strtoll(digits, &endp, 10);
	if (errno || *endp)
		return toml_fail(t, "integer out of range");
	*ret = json_object_new_int64(v);
	return 0;
}

static bool match_word(struct toml_parser *t, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(t->end - t->p) < n || memcmp(t->p, w, n) != 0)
		return false;
	if (t->p + n < t->end && is_bare_key_char(t->p[n]))
		return false;
	t->p += n;
	return true;
}

/* Not a value: the message quotes the word (printable ASCII, up to 32 bytes) or the byte. */
static int fail_bad_value(struct toml_parser *t)
{
	size_t n = 0;

	while (t->p + n < t->end && n < 32 && is_printable(t->p[n]) && !strchr(",]}#", t->p[n]))
		n++;
	if (n == 0 && is_printable(*t->p))
		return toml_fail(t, "expected a value, found '%c'", *t->p);
	if (n == 0)
		return toml_fail(t, "expected a value, found byte 0x%02x", (unsigned char)*t->p);
	return toml_fail(t, "invalid value '%.*s'", (int)n, t->p);
}

static int parse_value(struct toml_parser *t, int depth, struct json_object **ret)
{
	char c;

	if (depth > PEA_TOML_MAX_DEPTH)
		return toml_fail(t, "values nested too deep");
	skip_ws(t);
	if (toml_eof(t) || *t->p == '\n' || *t->p == '\r' || *t->p == '#')
		return toml_fail(t, "missing value");
	c = *t->p;
	if (c == '"' || c == '\'') {
		_cleanup_free_ char *s = NULL;

		if (parse_string(t, true, &s) < 0)
			return -EINVAL;
		*ret = json_object_new_string(s);
		return 0;
	}
	if (c == '[')
		return parse_array(t, depth, ret);
	if (c == '{')
		return parse_inline_table(t, depth, ret);
	if (match_word(t, "true")) {
		*ret = json_object_new_boolean(1);
		return 0;
	}
	if (match_word(t, "false")) {
		*ret = json_object_new_boolean(0);
		return 0;
	}
	if (match_word(t, "inf") || match_word(t, "nan") || match_word(t, "+inf") ||
	    match_word(t, "-inf"))
		return toml_fail(t, "floats are not supported here");
	if ((c >= '0' && c <= '9') || c == '+' || c == '-')
		return parse_integer(t, ret);
	return fail_bad_value(t);
}

static bool is_defined(const struct toml_parser *t, const struct json_object *o)
{
	for (size_t i = 0; i < t->ndefined; i++)
		if (t->defined[i] == o)
			return true;
	return false;
}

/* Walk (creating) the tables of key[0..n-1] from table; arrays lead to their last table. */
static int walk_tables(struct toml_parser *t, struct json_object *table, char **key, size_t n,
		       struct json_object **ret)
{
	for (size_t i = 0; i < n; i++) {
		struct json_object *next = NULL;

		if (!json_object_object_get_ex(table, key[i], &next)) {
			next = json_object_new_object();
			json_object_object_add(table, key[i], next);
		} else if (json_object_is_type(next, json_type_array)) {
			size_t len = json_object_array_length(next);

			next = len ? json_object_array_get_idx(next, len - 1) : NULL;
			if (!next || !json_object_is_type(next, json_type_object))
				return toml_fail(t, "key '%s' is an array of values, not tables",
						 key[i]);
		} else if (!json_object_is_type(next, json_type_object)) {
			return toml_fail(t, "key '%s' is already a value, not a table", key[i]);
		}
		table = next;
	}
	*ret = table;
	return 0;
}

static int set_key(struct toml_parser *t, struct json_object *table, char **key,
		   struct json_object *value)
{
	size_t n = pea_strv_length(key);
	struct json_object *parent = NULL;

	if (walk_tables(t, table, key, n - 1, &parent) < 0) {
		json_object_put(value);
		return -EINVAL;
	}
	if (json_object_object_get_ex(parent, key[n - 1], NULL)) {
		json_object_put(value);
		return toml_fail(t, "duplicate key '%s'", key[n - 1]);
	}
	json_object_object_add(parent, key[n - 1], value);
	return 0;
}

static int parse_header(struct toml_parser *t, struct json_object *root,
			struct json_object **ret_current)
{
	_cleanup_strv_ char **key = NULL;
	bool array = t->end - t->p >= 2 && t->p[1] == '[';
	struct json_object *parent = NULL, *tab = NULL, *existing = NULL;
	size_t n;

	t->p += array ? 2 : 1;
	if (parse_key(t, &key) < 0)
		return -EINVAL;
	skip_ws(t);
	if (array ? !(t->end - t->p >= 2 && t->p[0] == ']' && t->p[1] == ']')
		  : (toml_eof(t) || *t->p != ']'))
		return toml_fail(t, "expected '%s' to close a table header", array ? "]]" : "]");
	t->p += array ? 2 : 1;
	n = pea_strv_length(key);
	if (walk_tables(t, root, key, n - 1, &parent) < 0)
		return -EINVAL;
	json_object_object_get_ex(parent, key[n - 1], &existing);
	if (array) {
		if (!existing) {
			existing = json_object_new_array();
			json_object_object_add(parent, key[n - 1], existing);
		} else if (!json_object_is_type(existing, json_type_array) ||
			   is_defined(t, existing)) {
			return toml_fail(t, "'%s' is already defined and is not an array of tables",
					 key[n - 1]);
		}
		tab = json_object_new_object();
		json_object_array_add(existing, tab);
	} else {
		if (existing &&
		    (!json_object_is_type(existing, json_type_object) || is_defined(t, existing)))
			return toml_fail(t, "table '%s' is defined twice", key[n - 1]);
		if (!existing) {
			existing = json_object_new_object();
			json_object_object_add(parent, key[n - 1], existing);
		}
		tab = existing;
		t->defined = xreallocarray(t->defined, t->ndefined + 1, sizeof(*t->defined));
		t->defined[t->ndefined++] = tab;
	}
	*ret_current = tab;
	return expect_eol(t);
}

static int parse_document(struct toml_parser *t, struct json_object *root)
{
	struct json_object *current = root;

	for (;;) {
		_cleanup_strv_ char **key = NULL;
		struct json_object *v = NULL;

		skip_ws_nl(t);
		if (toml_eof(t))
			return 0;
		if (*t->p == '[') {
			if (parse_header(t, root, &current) < 0)
				return -EINVAL;
			continue;
		}
		if (parse_key(t, &key) < 0)
			return -EINVAL;
		skip_ws(t);
		if (toml_eof(t) || *t->p != '=')
			return toml_fail(t, "expected '=' after the key '%s'", key[0]);
		t->p++;
		if (parse_value(t, 0, &v) < 0)
			return -EINVAL;
		if (set_key(t, current, key, v) < 0)
			return -EINVAL;
		if (expect_eol(t) < 0)
			return -EINVAL;
	}
}

int pea_toml_parse(const char *buf, size_t len, const char *what, struct json_object **ret,
		   struct pea_error **err)
{
	_cleanup_json_ struct json_object *root = NULL;
	struct toml_parser t = {
		.p = buf,
		.end = buf + len,
		.what = what,
		.line = 1,
		.err = err,
	};
	int r;

	if (len > PEA_TOML_MAX_SIZE)
		return pea_error_new(err, EFBIG, "%s: larger than %u bytes", what,
				     PEA_TOML_MAX_SIZE);
	if (memchr(buf, '\0', len))
		return pea_error_new(err, EINVAL, "%s: contains a NUL byte", what);
	root = json_object_new_object();
	r = parse_document(&t, root);
	free(t.defined);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(root);
	return 0;
}
